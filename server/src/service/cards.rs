//! Card states and the revocations they cause. Every change away from 正常 revokes the card's
//! outstanding credentials in the same transaction, under one new revocation-list version, so a
//! gate's next sync (full or delta) refuses them.

use ecard_core::format::fields::day_of;
use ecard_core::{CardState, RevocationReason};
use sqlx::{Any, AnyConnection, Transaction};

use super::error::{ApiError, ApiResult};

pub type Tx<'a> = Transaction<'a, Any>;

/// A reviewer's action on a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardAction {
    /// 临时挂失
    TempLost,
    /// 正式挂失
    Lost,
    /// 解挂: back to 正常 (only before a reissue).
    Unlost,
    /// 补领/换领: a new card with a new number replaces this one.
    Reissue,
    /// 注销
    Cancel,
}

impl CardAction {
    pub fn as_str(self) -> &'static str {
        match self {
            CardAction::TempLost => "temp_lost",
            CardAction::Lost => "lost",
            CardAction::Unlost => "unlost",
            CardAction::Reissue => "reissue",
            CardAction::Cancel => "cancel",
        }
    }

    fn label_zh(self) -> &'static str {
        match self {
            CardAction::TempLost => "临时挂失",
            CardAction::Lost => "正式挂失",
            CardAction::Unlost => "解挂",
            CardAction::Reissue => "补领",
            CardAction::Cancel => "注销",
        }
    }

    /// The state this action leads to from `from`, or why it is not allowed.
    pub fn next_state(self, from: CardState) -> ApiResult<CardState> {
        use CardState::*;
        let to = match (self, from) {
            (CardAction::TempLost, Normal) => TempLost,
            (CardAction::Lost, Normal | TempLost) => Lost,
            (CardAction::Unlost, TempLost | Lost) => Normal,
            (CardAction::Reissue, Normal | TempLost | Lost) => Reissued,
            (CardAction::Cancel, Normal | TempLost | Lost) => Cancelled,
            _ => {
                return Err(ApiError::conflict(
                    "CARD_ACTION_NOT_ALLOWED",
                    format!("卡片当前为“{}”，不能{}", from.label_zh(), self.label_zh()),
                ))
            }
        };
        Ok(to)
    }
}

/// Increments a named counter and returns its new value (row-locked in PostgreSQL, under the
/// single writer in SQLite).
pub async fn next_counter(conn: &mut AnyConnection, name: &str) -> ApiResult<i64> {
    let (v,): (i64,) =
        sqlx::query_as("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value")
            .bind(name)
            .fetch_one(&mut *conn)
            .await?;
    Ok(v)
}

/// A new 9-character card number (LD/T 32: assigned by the issuer, new on every reissue).
pub async fn new_card_number(tx: &mut Tx<'_>) -> ApiResult<String> {
    let n = next_counter(tx, "card_number").await?;
    Ok(format!("HA{:07}", n % 10_000_000))
}

/// The holder of a card: their ID number as sealed and its blind index (see `pii`).
pub type Holder = (Option<String>, Option<String>);

/// A new card in the 正常 state with a new number, held by `holder`; returns its number.
pub async fn create(
    tx: &mut Tx<'_>,
    user_id: i64,
    application_id: i64,
    (sealed, index): Holder,
    now: i64,
) -> ApiResult<String> {
    let number = new_card_number(tx).await?;
    sqlx::query(
        "INSERT INTO cards (user_id, application_id, card_number, state, created_at, updated_at, \
         holder_id_number, holder_id_index) VALUES ($1, $2, $3, 'normal', $4, $4, $5, $6)",
    )
    .bind(user_id)
    .bind(application_id)
    .bind(&number)
    .bind(now)
    .bind(sealed)
    .bind(index)
    .execute(&mut **tx)
    .await?;
    Ok(number)
}

/// Revokes the credentials of `card_id` that are not yet revoked or expired; returns how many.
pub async fn revoke_credentials(
    conn: &mut AnyConnection,
    card_id: i64,
    reason: RevocationReason,
    now: i64,
    except_device: Option<&str>,
) -> ApiResult<usize> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT serial, not_after_day, device_key FROM credentials \
         WHERE card_id = $1 AND revoked_at IS NULL AND not_after_day >= $2",
    )
    .bind(card_id)
    .bind(day_of(now))
    .fetch_all(&mut *conn)
    .await?;
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|(_, _, d)| Some(d.as_str()) != except_device)
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    let version = next_counter(conn, "revocation_version").await?;
    for (serial, not_after, _) in &rows {
        sqlx::query("UPDATE credentials SET revoked_at = $1 WHERE serial = $2")
            .bind(now)
            .bind(serial)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO revocations (serial, not_after_day, reason, version) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (serial) DO NOTHING",
        )
        .bind(serial)
        .bind(not_after)
        .bind(reason.as_str())
        .bind(version)
        .execute(&mut *conn)
        .await?;
    }
    Ok(rows.len())
}

/// Parses a stored card state.
pub fn parse_state(s: &str) -> ApiResult<CardState> {
    CardState::parse(s).ok_or_else(|| ApiError::internal(format!("unknown card state {s}")))
}
