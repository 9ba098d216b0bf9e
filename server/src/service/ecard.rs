//! The holder's e-card credential: a logged-in holder whose card is 正常 posts the phone's
//! public key and gets a credential signed by the current issuer key. Asking again renews it;
//! a new phone's key revokes the credentials of the previous phone.

use std::sync::Arc;

use super::extract::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Extension;
use ecard_core::format::fields::{day_of, day_start};
use ecard_core::issuer::{check_device_key, issue_credential_for, mask_name, IssueError};
use ecard_core::rules::date::Date;
use ecard_core::rules::id_number::IdNumber;
use ecard_core::{AgeBand, CardState, Credential, CredentialBody, RevocationReason, VerifyingKey};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::AnyConnection;

use super::auth::Citizen;
use super::cards;
use super::db::Backend;
use super::error::{ApiError, ApiResult};
use super::holders;
use super::limits::{self, AccountAction, Limiters};
use super::state::AppState;
use super::validate::cst_date;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialRequest {
    device_public_key: String,
}

fn device_key(hex_key: &str) -> ApiResult<([u8; 32], VerifyingKey)> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim())
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| {
            ApiError::field(
                "device_public_key",
                "INVALID_DEVICE_KEY",
                "设备公钥应为 64 位十六进制",
            )
        })?;
    let device = check_device_key(&bytes)
        .map_err(|e| ApiError::field("device_public_key", e.code(), e.to_string()))?;
    Ok((bytes, device))
}

/// `POST /api/ecard/credential` `{device_public_key}`
pub async fn issue(
    State(state): State<AppState>,
    c: Citizen,
    Extension(limiters): Extension<Arc<Limiters>>,
    Json(req): Json<CredentialRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    limits::per_account(&limiters, AccountAction::Credential, c.user_id)?;
    let (key, device) = device_key(&req.device_public_key)?;
    let now = state.now();
    let user_id = c.user_id;
    // One transaction on the writer (SQLite: in a group commit; answered once committed).
    let job_state = state.clone();
    let (serial, credential, today, not_after) = state
        .db
        .write(move |conn| {
            Box::pin(async move { renew(&job_state, conn, user_id, key, &device, now).await })
        })
        .await?;
    tracing::info!(serial, "credential issued");
    let renew_from = day_start(not_after - 1);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "credential": hex::encode(credential.to_bytes()),
            "serial": serial.to_string(),
            "masked_name": credential.body.masked_name,
            "not_before": day_start(today),
            "expires_at": day_start(not_after + 1),
            "renew_from": renew_from,
        })),
    ))
}

/// The renewal's transaction, on `conn`: the holder's card, a new serial, the credential row
/// and its signature, the revocation of other phones' credentials. Returns the serial, the
/// credential, and its first and last day.
async fn renew(
    state: &AppState,
    conn: &mut AnyConnection,
    user_id: i64,
    key: [u8; 32],
    device: &VerifyingKey,
    now: i64,
) -> ApiResult<(i64, Credential, i64, i64)> {
    let key_hex = hex::encode(key);
    // The holder's card (the account whose ID number is the card's holder, whoever applied),
    // the checked application it was made from (the holder's name and birth date), and on
    // SQLite how many credentials of another phone are still valid (revoked below when there
    // are any; PostgreSQL reads them after locking the card).
    let sqlite = state.db.backend == Backend::Sqlite;
    let other_phones = if sqlite {
        "(SELECT COUNT(*) FROM credentials r WHERE r.card_id = c.id AND r.revoked_at IS NULL \
          AND r.not_after_day >= $2 AND r.device_key <> $3)"
    } else {
        "CAST(0 AS BIGINT)"
    };
    let sql = format!(
        "SELECT c.id, c.state, c.holder_id_number, a.data, {other_phones} \
         FROM cards c JOIN applications a ON a.id = c.application_id \
         WHERE c.holder_id_index = (SELECT u.id_index FROM users u WHERE u.id = $1) \
         ORDER BY c.id DESC LIMIT 1"
    );
    let mut query = sqlx::query_as::<_, (i64, String, String, String, i64)>(&sql).bind(user_id);
    if sqlite {
        query = query.bind(day_of(now)).bind(&key_hex);
    }
    let card = query.fetch_optional(&mut *conn).await?;
    let (card_id, card_state, id_number, data, other_phones) = card
        .ok_or_else(|| ApiError::conflict("NO_CARD", "您还没有社保卡，请先申领并等待审核通过"))?;
    let card_state = cards::parse_state(&card_state)?;
    if card_state != CardState::Normal {
        return Err(ApiError::conflict(
            "CARD_NOT_NORMAL",
            format!("卡片状态为“{}”，不能使用电子社保卡", card_state.label_zh()),
        ));
    }
    // A card action running at the same moment must either see this credential and revoke it,
    // or make this request fail: never a credential left valid for a lost card. SQLite: this
    // transaction holds the database's write lock since `BEGIN IMMEDIATE`, so the card read
    // above cannot change before the commit. PostgreSQL: lock the card row and re-check its
    // state under the lock.
    if !sqlite {
        let locked = sqlx::query(
            "UPDATE cards SET updated_at = updated_at WHERE id = $1 AND state = 'normal'",
        )
        .bind(card_id)
        .execute(&mut *conn)
        .await?;
        if locked.rows_affected() != 1 {
            return Err(ApiError::conflict(
                "CARD_NOT_NORMAL",
                "卡片状态刚刚发生变化，请刷新后重试",
            ));
        }
    }
    let issuer = state.keys.current_issuer();
    let today = day_of(now);
    let not_after = today + state.config.credential_days - 1;
    let serial = holders::next_serial(conn, user_id).await?;
    sqlx::query(
        "INSERT INTO credentials (serial, card_id, device_key, issuer_key_id, not_before_day, not_after_day, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(serial)
    .bind(card_id)
    .bind(&key_hex)
    .bind(i64::from(issuer.issuer_key_id()))
    .bind(today)
    .bind(not_after)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let pii = &state.keys.pii;
    let id_number = pii.open_text(super::pii::ID_NUMBER, &id_number)?;
    let data: Value =
        serde_json::from_str(&pii.open_text(super::pii::FORM, &data)?).unwrap_or(Value::Null);
    let name = data["name"].as_str().unwrap_or_default().to_string();
    let cst_today = Date::from_unix_cst(now);
    let age = data["birth_date"]
        .as_str()
        .and_then(Date::parse_iso)
        .map(|birth| cst_today.years_since(birth))
        .or_else(|| {
            IdNumber::parse(&id_number, cst_date(now))
                .ok()
                .map(|id| id.age_on(cst_date(now)))
        })
        .unwrap_or(30);
    let body = CredentialBody {
        issuer_key_id: issuer.issuer_key_id(),
        serial: serial as u64,
        card_state,
        not_before: today as u16,
        not_after: not_after as u16,
        region: state.config.region,
        age_band: AgeBand::from_age(age),
        device_key: key,
        masked_name: mask_name(&name),
    };
    let credential = issue_credential_for(&issuer.signing, body, device).map_err(|e| match e {
        IssueError::WeakDeviceKey | IssueError::InvalidDeviceKey => {
            ApiError::field("device_public_key", e.code(), e.to_string())
        }
        other => ApiError::internal(other),
    })?;
    // SQLite: the count read under the write lock is exact. PostgreSQL: credentials committed
    // since that read (before the card lock) are only seen by reading again.
    if !sqlite || other_phones > 0 {
        cards::revoke_credentials(
            conn,
            card_id,
            RevocationReason::DeviceReplaced,
            now,
            Some(&key_hex),
        )
        .await?;
    }
    Ok((serial, credential, today, not_after))
}
