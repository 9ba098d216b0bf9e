-- A card's credentials are looked up at every renewal and card action (cards::revoke_credentials,
-- WHERE card_id = ...). Without an index each renewal scanned every credential ever issued, a
-- cost that grows with the province (docs/SCALE.md).
CREATE INDEX credentials_card ON credentials (card_id);
