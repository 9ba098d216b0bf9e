//! What gates and wallets fetch: the signed sync bundle (trust list + revocation list, full or
//! as a delta), scan-log upload, the root key for provisioning, and the time.

use axum::extract::State;

use super::extract::Json;
use super::extract::Query;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use ecard_core::format::bundle::SyncBundle;
use ecard_core::format::fields::day_of;
use ecard_core::format::revocation::{RevocationListBody, Revoked};
use ecard_core::issuer::sign_revocation_list;
use ecard_core::RevocationReason;
use serde::Deserialize;
use serde_json::{json, Value};

use super::bookings;
use super::error::{ApiError, ApiResult};
use super::state::AppState;
use super::venues;

/// `GET /api/time`: the server clock, for wallets to learn their offset.
pub async fn time(State(state): State<AppState>) -> Json<Value> {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_millis() as i64)
        .unwrap_or(0);
    Json(json!({ "now_ms": state.now() * 1000 + ms }))
}

/// `GET /api/gates/root`: the root public key a gate pins (provisioning; in production it is
/// installed with the gate software, not fetched).
pub async fn root(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "root_public_key": hex::encode(state.keys.root_public()) }))
}

#[derive(Deserialize)]
pub struct BundleQuery {
    /// The revocation-list version the gate holds; 0 or absent for a full list.
    #[serde(default)]
    since: u32,
    /// The gate's venue: with its gate token (`Authorization: Bearer …`) the bundle also
    /// carries the venue's signed reservation manifests for today and tomorrow.
    #[serde(default)]
    venue: Option<i64>,
}

/// `GET /api/gates/bundle?since=N&venue=V`: a sync bundle. With `since` a delta of the
/// revocations made after that version, otherwise the full list of unexpired revoked
/// credentials; with `venue` (and its gate token) the venue's manifests.
pub async fn bundle(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<BundleQuery>,
) -> ApiResult<impl IntoResponse> {
    let now = state.now();
    let manifests = match q.venue {
        Some(id) => {
            let venue = venues::gate_venue(&state, &headers, id).await?;
            bookings::settle_no_shows(&state, bookings::Settle::Venue(id), now).await?;
            venues::manifests(&state, &venue, now).await?
        }
        None => Vec::new(),
    };
    let (counter,): (i64,) =
        sqlx::query_as("SELECT value FROM counters WHERE name = 'revocation_version'")
            .fetch_one(&state.db.pool)
            .await?;
    // List version L covers every revocation event numbered L-1 or lower.
    let list_version = counter as u32 + 1;
    let base = q.since.min(list_version - 1);
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT serial, not_after_day, reason FROM revocations \
         WHERE not_after_day >= $1 AND version >= $2 AND version < $3 ORDER BY serial",
    )
    .bind(day_of(now))
    .bind(i64::from(base.max(1)))
    .bind(i64::from(list_version))
    .fetch_all(&state.db.pool)
    .await?;
    let entries = rows
        .into_iter()
        .map(|(serial, not_after, reason)| Revoked {
            serial: serial as u64,
            not_after: not_after.clamp(0, i64::from(u16::MAX)) as u16,
            reason: RevocationReason::parse(&reason).unwrap_or(RevocationReason::Unspecified),
        })
        .collect();
    let usable = state.config.bundle_usable_secs;
    let issuer = state.keys.current_issuer();
    let body = RevocationListBody {
        signer_key_id: issuer.issuer_key_id(),
        list_version,
        base_version: base,
        issued_at: now as u64,
        usable_until: (now + usable) as u64,
        entries,
    };
    let revocation = sign_revocation_list(&issuer.signing, body).map_err(ApiError::internal)?;
    let trust = state
        .keys
        .trust_list(now, usable, state.config.credential_days);
    let trust_version = trust.body.list_version;
    let bytes = SyncBundle {
        trust: Some(trust),
        revocations: vec![revocation],
        manifests,
    }
    .to_bytes()
    .map_err(ApiError::internal)?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert("x-trust-version", HeaderValue::from(trust_version));
    headers.insert("x-revocation-version", HeaderValue::from(list_version));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok((StatusCode::OK, headers, bytes))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanUpload {
    gate_id: String,
    /// The gate's venue: with its gate token, admitted scans record attendance.
    #[serde(default)]
    venue_id: Option<i64>,
    logs: Vec<ScanLog>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanLog {
    /// Chosen by the gate, unique per scan: uploading a log twice stores it once.
    log_id: String,
    #[serde(default)]
    serial: Option<String>,
    /// `ADMITTED` or the refusal code.
    result: String,
    /// Gate time of the scan (Unix seconds).
    scanned_at: i64,
}

fn check_scan(log: &ScanLog) -> ApiResult<()> {
    let id_ok = (8..=64).contains(&log.log_id.len())
        && log
            .log_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !id_ok {
        return Err(ApiError::field(
            "logs.log_id",
            "LOG_ID_INVALID",
            "扫码记录编号应为 8–64 位字母、数字或短横线",
        ));
    }
    let result_ok = (2..=40).contains(&log.result.len())
        && log
            .result
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_');
    if !result_ok {
        return Err(ApiError::field(
            "logs.result",
            "RESULT_INVALID",
            "核验结果代码无效",
        ));
    }
    if log
        .serial
        .as_deref()
        .is_some_and(|s| s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::field(
            "logs.serial",
            "SERIAL_INVALID",
            "凭证序号应为数字",
        ));
    }
    Ok(())
}

/// `POST /api/gates/scans` `{gate_id, logs: [...]}`: all or nothing, duplicates ignored.
pub async fn upload_scans(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(u): Json<ScanUpload>,
) -> ApiResult<Json<Value>> {
    if u.gate_id.trim().is_empty() || u.gate_id.len() > 64 {
        return Err(ApiError::field(
            "gate_id",
            "GATE_ID_INVALID",
            "闸机编号应为 1–64 个字符",
        ));
    }
    if u.logs.len() > 1000 {
        return Err(ApiError::field(
            "logs",
            "TOO_MANY_LOGS",
            "一次最多上传 1000 条扫码记录",
        ));
    }
    u.logs.iter().try_for_each(check_scan)?;
    let venue = match u.venue_id {
        Some(id) => Some(venues::gate_venue(&state, &headers, id).await?),
        None => None,
    };
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let mut stored = 0;
    for log in &u.logs {
        let r = sqlx::query(
            "INSERT INTO scan_logs (log_id, gate_id, serial, result, scanned_at, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (log_id) DO NOTHING",
        )
        .bind(&log.log_id)
        .bind(&u.gate_id)
        .bind(&log.serial)
        .bind(&log.result)
        .bind(log.scanned_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        stored += r.rows_affected();
        if let (Some(v), Some(serial), "ADMITTED") =
            (&venue, log.serial.as_deref(), log.result.as_str())
        {
            let serial = serial.parse::<u64>().map_err(|_| {
                ApiError::field("logs.serial", "SERIAL_INVALID", "凭证序号应为数字")
            })?;
            bookings::record_attendance(&mut tx, v, serial, log.scanned_at).await?;
        }
    }
    tx.commit().await?;
    Ok(Json(
        json!({ "stored": stored, "duplicates": u.logs.len() as u64 - stored }),
    ))
}
