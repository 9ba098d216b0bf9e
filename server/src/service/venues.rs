//! Venues (libraries, museums, scenic areas): operators define them and their slots, grant
//! annual passes and priority entry, and see the day's attendance; anyone lists venues and
//! free places; a venue's gates fetch the day's signed manifest with the venue's gate token.

use axum::extract::FromRequestParts;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use ecard_core::format::fields::{day_of, Scene};
use ecard_core::format::manifest::{
    venue_pseudonym, EntryKind, Manifest, ManifestBody, ManifestEntry,
};
use ecard_core::issuer::sign_manifest;
use ecard_core::rules::date::Date;
use ecard_core::rules::venue::{slot_times, VenueConfig};
use ecard_core::rules::Explain;
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::{Any, Transaction};

use super::auth::{self, REVIEWER_COOKIE};
use super::bookings;
use super::error::{ApiError, ApiResult};
use super::extract::{Json, Path, Query};
use super::holders;
use super::state::AppState;

/// A logged-in staff member with the `operator` role.
pub struct Operator {
    pub staff_id: i64,
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let staff_id = auth::session_subject(state, parts, REVIEWER_COOKIE, "reviewer").await?;
        if !auth::staff_has_role(state, staff_id, "operator").await? {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "NOT_OPERATOR",
                "该账号不是场馆管理员",
            ));
        }
        Ok(Operator { staff_id })
    }
}

/// A venue as stored.
pub struct Venue {
    pub id: i64,
    pub config: VenueConfig,
    pub reader_key: Option<[u8; 32]>,
}

fn parse_config(v: Value) -> ApiResult<VenueConfig> {
    let config: VenueConfig = serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VENUE_CONFIG_INVALID",
            format!("场馆配置无法读取：{e}"),
        )
    })?;
    config
        .check()
        .map_err(|p| ApiError::problems("VENUE_CONFIG_INVALID", "场馆配置有误", p))?;
    Ok(config)
}

/// Loads a venue (inside a transaction or from the pool).
pub async fn load<'e, E>(db: E, id: i64) -> ApiResult<Venue>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT config, reader_key FROM venues WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    let (config, reader_key) = row.ok_or_else(|| ApiError::not_found("场馆"))?;
    let config = serde_json::from_str(&config).map_err(ApiError::internal)?;
    let reader_key = reader_key
        .map(|k| hex::decode(k).ok().and_then(|v| v.try_into().ok()))
        .map(|k| k.ok_or_else(|| ApiError::internal("stored reader key is not 32 bytes")))
        .transpose()?;
    Ok(Venue {
        id,
        config,
        reader_key,
    })
}

fn random_hex() -> ApiResult<String> {
    let mut raw = [0u8; 32];
    getrandom::getrandom(&mut raw).map_err(ApiError::internal)?;
    Ok(hex::encode(raw))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VenueRequest {
    config: Value,
}

/// `POST /api/venues` `{config}` (operator): the venue and its gate token, shown once.
pub async fn create(
    State(state): State<AppState>,
    op: Operator,
    Json(req): Json<VenueRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let config = parse_config(req.config)?;
    let token = random_hex()?;
    let reader_key = (config.kind == Scene::Library)
        .then(random_hex)
        .transpose()?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO venues (kind, config, gate_token_hash, reader_key, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(config.kind.as_str())
    .bind(serde_json::to_string(&config).map_err(ApiError::internal)?)
    .bind(auth::token_hash(&token))
    .bind(reader_key)
    .bind(op.staff_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit(&mut tx, op.staff_id, "venue_create", id, &config.name, now).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "gate_token": token, "config": config })),
    ))
}

/// `PUT /api/venues/{id}` `{config}` (operator): new rules apply to bookings made from now on;
/// slots already booked keep their places, capacity changes apply to future days.
pub async fn update(
    State(state): State<AppState>,
    op: Operator,
    Path(id): Path<i64>,
    Json(req): Json<VenueRequest>,
) -> ApiResult<Json<Value>> {
    let config = parse_config(req.config)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let old = load(&mut *tx, id).await?;
    if old.config.kind != config.kind {
        return Err(ApiError::field(
            "config.kind",
            "VENUE_KIND_FIXED",
            "场馆类型创建后不能更改",
        ));
    }
    sqlx::query("UPDATE venues SET config = $1, updated_at = $2 WHERE id = $3")
        .bind(serde_json::to_string(&config).map_err(ApiError::internal)?)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for slot in &config.slots {
        sqlx::query(
            "UPDATE venue_slots SET capacity = $1 WHERE venue_id = $2 AND start_min = $3 AND day > $4",
        )
        .bind(i64::from(slot.capacity))
        .bind(id)
        .bind(i64::from(slot.start.minutes()))
        .bind(day_of(now))
        .execute(&mut *tx)
        .await?;
    }
    audit(&mut tx, op.staff_id, "venue_update", id, &config.name, now).await?;
    tx.commit().await?;
    Ok(Json(json!({ "id": id, "config": config })))
}

/// `POST /api/venues/{id}/gate-token` (operator): a new gate token; the old one stops working
/// at once (a lost or stolen gate). Shown only in this answer.
pub async fn new_gate_token(
    State(state): State<AppState>,
    op: Operator,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let token = random_hex()?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let venue = load(&mut *tx, id).await?;
    sqlx::query("UPDATE venues SET gate_token_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(auth::token_hash(&token))
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit(
        &mut tx,
        op.staff_id,
        "venue_gate_token",
        id,
        &venue.config.name,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({ "id": id, "gate_token": token })))
}

async fn audit(
    tx: &mut Transaction<'static, Any>,
    staff_id: i64,
    action: &str,
    venue: i64,
    detail: &str,
    now: i64,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (reviewer_id, action, target, detail, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(staff_id)
    .bind(action)
    .bind(format!("venue:{venue}"))
    .bind(detail)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `GET /api/venues`: every venue with its public configuration.
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, config FROM venues ORDER BY id")
        .fetch_all(&state.db.pool)
        .await?;
    let venues = rows
        .into_iter()
        .map(|(id, config)| {
            let config: VenueConfig = serde_json::from_str(&config).map_err(ApiError::internal)?;
            Ok(public_view(id, &config))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(json!({ "venues": venues })))
}

fn public_view(id: i64, c: &VenueConfig) -> Value {
    json!({
        "id": id,
        "name": c.name,
        "kind": c.kind,
        "kind_label": c.kind.label_zh(),
        "open_weekdays": c.open_weekdays,
        "holidays": c.holidays,
        "booking_days_ahead": c.booking_days_ahead,
        "per_holder_daily_limit": c.per_holder_daily_limit,
        "requires_booking": c.requires_booking,
        "priority_seniors": c.priority_seniors,
        "entry_early_min": c.entry_early_min,
        "no_show": c.no_show,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayQuery {
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default)]
    date: Option<String>,
}

impl DayQuery {
    /// The asked day, or today (Beijing) at `now`.
    fn day(&self, now: i64) -> ApiResult<Date> {
        match &self.date {
            Some(d) => parse_date("date", d),
            None => Ok(Date::from_unix_cst(now)),
        }
    }
}

pub fn parse_date(field: &'static str, s: &str) -> ApiResult<Date> {
    Date::parse_iso(s)
        .ok_or_else(|| ApiError::field(field, "DATE_INVALID", "日期应为 YYYY-MM-DD 格式"))
}

/// `GET /api/venues/{id}?date=YYYY-MM-DD`: the venue, whether it opens that day, and each
/// slot's capacity and free places.
pub async fn availability(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DayQuery>,
) -> ApiResult<Json<Value>> {
    let now = state.now();
    let date = q.day(now)?;
    let venue = load(&state.db.pool, id).await?;
    let c = &venue.config;
    let day = date.days_since_epoch();
    let booked: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT start_min, booked FROM venue_slots WHERE venue_id = $1 AND day = $2",
    )
    .bind(id)
    .bind(day)
    .fetch_all(&state.db.pool)
    .await?;
    let closed = c.opening(date, &state.config.rules.window.calendar).err();
    let today = Date::from_unix_cst(now);
    let ahead = day - today.days_since_epoch();
    let bookable_day = closed.is_none() && (0..=i64::from(c.booking_days_ahead)).contains(&ahead);
    let slots: Vec<Value> = c
        .slots
        .iter()
        .map(|s| {
            let taken = booked
                .iter()
                .find(|(m, _)| *m == i64::from(s.start.minutes()))
                .map_or(0, |(_, b)| *b);
            let remaining = (i64::from(s.capacity) - taken).max(0);
            let started = now >= slot_times(date, s).0;
            json!({
                "start": s.start,
                "end": s.end,
                "capacity": s.capacity,
                "remaining": remaining,
                "bookable": bookable_day && !started && remaining > 0,
            })
        })
        .collect();
    Ok(Json(json!({
        "venue": public_view(id, c),
        "date": date.to_string(),
        "open": closed.is_none(),
        "closed_reason": closed.map(|e| e.message_zh()),
        "slots": slots,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassRequest {
    /// The holder's document number, as shown at the desk.
    id_number: String,
    /// `annual_pass` or `priority`.
    kind: String,
    /// First valid day (`YYYY-MM-DD`; default today).
    #[serde(default)]
    valid_from: Option<String>,
    /// Last valid day (`YYYY-MM-DD`).
    valid_until: String,
}

/// `POST /api/venues/{id}/passes` (operator): grants an annual pass (年卡) or priority entry
/// (e.g. after seeing a disability certificate) to the holder of a document number.
pub async fn grant_pass(
    State(state): State<AppState>,
    op: Operator,
    Path(id): Path<i64>,
    Json(req): Json<PassRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let now = state.now();
    let kind = match req.kind.as_str() {
        "annual_pass" | "priority" => req.kind.clone(),
        _ => {
            return Err(ApiError::field(
                "kind",
                "PASS_KIND_INVALID",
                "类型应为 annual_pass（年卡）或 priority（优先入场）",
            ))
        }
    };
    let from = match &req.valid_from {
        Some(d) => parse_date("valid_from", d)?,
        None => Date::from_unix_cst(now),
    };
    let until = parse_date("valid_until", &req.valid_until)?;
    if until < from || until.days_since_epoch() - from.days_since_epoch() > 366 {
        return Err(ApiError::field(
            "valid_until",
            "PASS_PERIOD_INVALID",
            "有效期应在开始日期之后，且不超过一年",
        ));
    }
    let mut tx = state.db.begin_write().await?;
    let venue = load(&mut *tx, id).await?;
    // ID numbers are sealed at rest: look the holder up by the number's keyed index.
    let user: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE id_index = $1")
        .bind(state.keys.pii.index(&req.id_number))
        .fetch_optional(&mut *tx)
        .await?;
    let (user_id,) = user.ok_or_else(|| {
        ApiError::field(
            "id_number",
            "HOLDER_NOT_FOUND",
            "没有找到该证件号码的豫事办用户，请持卡人先注册",
        )
    })?;
    holders::handle(&mut tx, user_id).await?;
    sqlx::query(
        "INSERT INTO venue_passes (venue_id, user_id, kind, valid_from, valid_until, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (venue_id, user_id, kind) DO UPDATE SET valid_from = $4, valid_until = $5, created_by = $6, created_at = $7",
    )
    .bind(id)
    .bind(user_id)
    .bind(&kind)
    .bind(from.days_since_epoch())
    .bind(until.days_since_epoch())
    .bind(op.staff_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        op.staff_id,
        "venue_pass",
        id,
        &format!("{kind} user:{user_id} {from}..{until}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "venue_id": venue.id,
            "kind": kind,
            "valid_from": from.to_string(),
            "valid_until": until.to_string(),
        })),
    ))
}

/// `GET /api/venues/{id}/attendance?date=` (operator): per slot, places, bookings attended,
/// no-shows (once the entry window has closed) and cancellations.
pub async fn attendance(
    State(state): State<AppState>,
    _op: Operator,
    Path(id): Path<i64>,
    Query(q): Query<DayQuery>,
) -> ApiResult<Json<Value>> {
    let now = state.now();
    let date = q.day(now)?;
    let venue = load(&state.db.pool, id).await?;
    bookings::settle_no_shows(&state, bookings::Settle::Venue(id), now).await?;
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT start_min, status, COUNT(*) FROM bookings WHERE venue_id = $1 AND day = $2 \
         GROUP BY start_min, status",
    )
    .bind(id)
    .bind(date.days_since_epoch())
    .fetch_all(&state.db.pool)
    .await?;
    let slots: Vec<Value> = venue
        .config
        .slots
        .iter()
        .map(|s| {
            let count = |status: &str| {
                rows.iter()
                    .filter(|(m, st, _)| *m == i64::from(s.start.minutes()) && st == status)
                    .map(|(_, _, n)| *n)
                    .sum::<i64>()
            };
            json!({
                "start": s.start,
                "end": s.end,
                "capacity": s.capacity,
                "booked": count("booked"),
                "attended": count("attended"),
                "no_show": count("no_show"),
                "cancelled": count("cancelled"),
            })
        })
        .collect();
    Ok(Json(
        json!({ "venue_id": id, "date": date.to_string(), "slots": slots }),
    ))
}

/// The venue whose gate token is in `Authorization: Bearer …`.
pub async fn gate_venue(state: &AppState, headers: &HeaderMap, venue_id: i64) -> ApiResult<Venue> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let refused = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "GATE_TOKEN_INVALID",
            "闸机令牌无效，请在闸机设置中填写场馆发放的令牌",
        )
    };
    if token.is_empty() {
        return Err(refused());
    }
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM venues WHERE id = $1 AND gate_token_hash = $2")
            .bind(venue_id)
            .bind(auth::token_hash(token))
            .fetch_optional(&state.db.pool)
            .await?;
    if row.is_none() {
        return Err(refused());
    }
    load(&state.db.pool, venue_id).await
}

/// The signed manifests of `venue` for today and tomorrow (so a gate synced in the evening
/// works the next morning).
pub async fn manifests(state: &AppState, venue: &Venue, now: i64) -> ApiResult<Vec<Manifest>> {
    let issuer = state.keys.current_issuer();
    let today = day_of(now);
    let mut out = Vec::new();
    for day in [today, today + 1] {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT h.handle, b.start_min, b.end_min FROM bookings b \
             JOIN holders h ON h.user_id = b.user_id \
             WHERE b.venue_id = $1 AND b.day = $2 AND b.status IN ('booked', 'attended')",
        )
        .bind(venue.id)
        .bind(day)
        .fetch_all(&state.db.pool)
        .await?;
        let passes: Vec<(i64, String)> = sqlx::query_as(
            "SELECT h.handle, p.kind FROM venue_passes p JOIN holders h ON h.user_id = p.user_id \
             WHERE p.venue_id = $1 AND p.valid_from <= $2 AND p.valid_until >= $2",
        )
        .bind(venue.id)
        .bind(day)
        .fetch_all(&state.db.pool)
        .await?;
        let vid = venue.id as u32;
        let mut entries: Vec<ManifestEntry> = rows
            .into_iter()
            .map(|(h, s, e)| ManifestEntry {
                pseudonym: venue_pseudonym(vid, h as u64),
                start_min: s as u16,
                end_min: e as u16,
                kind: EntryKind::Booking,
            })
            .collect();
        entries.extend(passes.into_iter().map(|(h, kind)| ManifestEntry {
            pseudonym: venue_pseudonym(vid, h as u64),
            start_min: 0,
            end_min: 1440,
            kind: if kind == "annual_pass" {
                EntryKind::AnnualPass
            } else {
                EntryKind::Priority
            },
        }));
        let body = ManifestBody {
            signer_key_id: issuer.issuer_key_id(),
            venue_id: vid,
            day: day as u16,
            issued_at: now as u64,
            rules: venue.config.gate_rules(venue.reader_key),
            entries,
        };
        out.push(sign_manifest(&issuer.signing, body).map_err(ApiError::internal)?);
    }
    Ok(out)
}
