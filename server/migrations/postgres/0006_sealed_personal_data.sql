-- Personal data at rest (see server/src/service/pii.rs). Keep in step with
-- migrations/sqlite/0006_sealed_personal_data.sql.
--
-- From now on users.id_number, applications.applicant_id_number, applications.data and
-- cards.holder_id_number hold sealed values ("enc1:" + hex of XChaCha20-Poly1305), and
-- uploads.bytes sealed files. Equality goes through the keyed blind indexes added here. Rows
-- stored before this migration are sealed by the service when it starts (pii::seal_existing),
-- which fills the indexes; until then their index is NULL, which no unique index counts.
ALTER TABLE users ADD COLUMN id_index TEXT;
CREATE UNIQUE INDEX users_id_index ON users (id_index);

ALTER TABLE applications ADD COLUMN applicant_id_index TEXT;
DROP INDEX applications_one_open_applicant;
-- One open application (anything not rejected) per applicant, by blind index.
CREATE UNIQUE INDEX applications_one_open_applicant ON applications (applicant_id_index)
    WHERE status <> 'rejected';

ALTER TABLE cards ADD COLUMN holder_id_index TEXT;
DROP INDEX cards_holder;
CREATE INDEX cards_holder ON cards (holder_id_index);

-- 1 once the file in bytes is sealed.
ALTER TABLE uploads ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0;
