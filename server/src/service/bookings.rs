//! A citizen's bookings: book a slot (the rules in `ecard_core::rules::venue`, capacity by a
//! conditional update in the same transaction), list them with any no-show ban, cancel up to
//! the slot's start. Attendance comes from the venue's scan logs; bookings whose entry window
//! closed unattended become no-shows.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Extension;
use ecard_core::format::fields::day_of;
use ecard_core::format::manifest::holder_of;
use ecard_core::rules::date::Date;
use ecard_core::rules::venue::{
    ban_until, check_booking, check_cancel, slot_times, BookingError, HolderState,
};
use ecard_core::rules::window::ClockTime;
use ecard_core::rules::Explain;
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::{Any, Transaction};

use super::auth::Citizen;
use super::error::{ApiError, ApiResult};
use super::extract::{Json, Path};
use super::holders;
use super::limits::{self, AccountAction, Limiters};
use super::state::AppState;
use super::venues::{self, parse_date, Venue};

fn refusal(e: BookingError) -> ApiError {
    let status = match e {
        BookingError::Full | BookingError::HolderLimit(_) | BookingError::Banned(_) => {
            StatusCode::CONFLICT
        }
        BookingError::CancelTooLate | BookingError::NoCard => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, e.code(), e.message_zh())
}

/// Whose bookings [`settle_no_shows`] looks at: only what the request is about, so that a
/// booking or a gate's sync does not rewrite the whole table.
#[derive(Clone, Copy)]
pub enum Settle {
    /// One holder's bookings (at every venue).
    Holder(i64),
    /// One venue's bookings.
    Venue(i64),
}

/// Marks bookings whose entry window has closed without an admission as no-shows.
pub async fn settle_no_shows(state: &AppState, scope: Settle, now: i64) -> ApiResult<()> {
    let (column, id) = match scope {
        Settle::Holder(id) => ("user_id", id),
        Settle::Venue(id) => ("venue_id", id),
    };
    let mut tx = state.db.begin_write().await?;
    sqlx::query(&format!(
        "UPDATE bookings SET status = 'no_show', updated_at = $1 \
         WHERE {column} = $2 AND status = 'booked' AND no_show_after < $1"
    ))
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn banned_until<'e, E>(db: E, venue: &Venue, user_id: i64, now: i64) -> ApiResult<Option<i64>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT no_show_after FROM bookings WHERE user_id = $1 AND venue_id = $2 AND status = 'no_show'",
    )
    .bind(user_id)
    .bind(venue.id)
    .fetch_all(db)
    .await?;
    let times: Vec<i64> = rows.into_iter().map(|(t,)| t).collect();
    Ok(ban_until(&venue.config.no_show, &times, now))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    venue_id: i64,
    /// `YYYY-MM-DD`.
    date: String,
    /// The slot's start, `HH:MM`.
    start: String,
}

fn optional_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let k = v.to_str().unwrap_or("").trim();
            if (8..=64).contains(&k.len())
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                Ok(Some(k.to_string()))
            } else {
                Err(ApiError::field(
                    "idempotency-key",
                    "IDEMPOTENCY_KEY_INVALID",
                    "Idempotency-Key 应为 8–64 位字母、数字或短横线",
                ))
            }
        }
    }
}

/// `POST /api/bookings` `{venue_id, date, start}` (citizen, optional `Idempotency-Key`).
pub async fn book(
    State(state): State<AppState>,
    c: Citizen,
    Extension(limiters): Extension<Arc<Limiters>>,
    headers: HeaderMap,
    Json(req): Json<BookingRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    limits::per_account(&limiters, AccountAction::Booking, c.user_id)?;
    let key = optional_key(&headers)?;
    let date = parse_date("date", &req.date)?;
    let start = ClockTime::try_from(req.start.clone())
        .map_err(|_| ApiError::field("start", "START_INVALID", "时段开始时间应为 HH:MM 格式"))?;
    let now = state.now();
    settle_no_shows(&state, Settle::Holder(c.user_id), now).await?;
    let mut tx = state.db.begin_write().await?;
    // One booking at a time per person (PostgreSQL row lock; SQLite serialises writers).
    sqlx::query("UPDATE users SET id = id WHERE id = $1")
        .bind(c.user_id)
        .execute(&mut *tx)
        .await?;
    if let Some(k) = &key {
        let found: Option<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT id, venue_id, day, start_min FROM bookings WHERE user_id = $1 AND idempotency_key = $2",
        )
        .bind(c.user_id)
        .bind(k)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((id, venue_id, day, start_min)) = found {
            let same = (venue_id, day, start_min)
                == (
                    req.venue_id,
                    date.days_since_epoch(),
                    i64::from(start.minutes()),
                );
            if !same {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "IDEMPOTENCY_KEY_REUSED",
                    "同一个 Idempotency-Key 已用于另一次预约",
                ));
            }
            let b = booking_json(&mut tx, id, now).await?;
            tx.commit().await?;
            return Ok((StatusCode::OK, Json(b)));
        }
    }
    let venue = venues::load(&mut *tx, req.venue_id).await?;
    let card: Option<(String,)> = sqlx::query_as(
        "SELECT c.state FROM cards c \
         WHERE c.holder_id_index = (SELECT u.id_index FROM users u WHERE u.id = $1) \
         ORDER BY c.id DESC LIMIT 1",
    )
    .bind(c.user_id)
    .fetch_optional(&mut *tx)
    .await?;
    if card.as_ref().map(|(s,)| s.as_str()) != Some("normal") {
        return Err(refusal(BookingError::NoCard));
    }
    let day = date.days_since_epoch();
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM bookings WHERE user_id = $1 AND venue_id = $2 AND day = $3 \
         AND status IN ('booked', 'attended')",
    )
    .bind(c.user_id)
    .bind(venue.id)
    .bind(day)
    .fetch_one(&mut *tx)
    .await?;
    let holder = HolderState {
        bookings_that_day: count as u32,
        banned_until: banned_until(&mut *tx, &venue, c.user_id, now).await?,
    };
    let slot = *check_booking(
        &venue.config,
        &state.config.rules.window.calendar,
        now,
        date,
        start,
        holder,
    )
    .map_err(refusal)?;
    let start_min = i64::from(slot.start.minutes());
    sqlx::query(
        "INSERT INTO venue_slots (venue_id, day, start_min, capacity) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (venue_id, day, start_min) DO NOTHING",
    )
    .bind(venue.id)
    .bind(day)
    .bind(start_min)
    .bind(i64::from(slot.capacity))
    .execute(&mut *tx)
    .await?;
    let took = sqlx::query(
        "UPDATE venue_slots SET booked = booked + 1 \
         WHERE venue_id = $1 AND day = $2 AND start_min = $3 AND booked < capacity",
    )
    .bind(venue.id)
    .bind(day)
    .bind(start_min)
    .execute(&mut *tx)
    .await?;
    if took.rows_affected() != 1 {
        return Err(refusal(BookingError::Full));
    }
    holders::handle(&mut tx, c.user_id).await?;
    let (starts_at, ends_at) = slot_times(date, &slot);
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO bookings (venue_id, user_id, day, start_min, end_min, starts_at, ends_at, \
         no_show_after, status, idempotency_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'booked', $9, $10, $10) RETURNING id",
    )
    .bind(venue.id)
    .bind(c.user_id)
    .bind(day)
    .bind(start_min)
    .bind(i64::from(slot.end.minutes()))
    .bind(starts_at)
    .bind(ends_at)
    .bind(venue.config.no_show_after(ends_at))
    .bind(&key)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let b = booking_json(&mut tx, id, now).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(b)))
}

type BookingRow = (i64, i64, String, i64, i64, i64, String, i64);

const BOOKING_SELECT: &str =
    "SELECT b.id, b.venue_id, v.config, b.day, b.start_min, b.end_min, b.status, b.starts_at \
     FROM bookings b JOIN venues v ON v.id = b.venue_id";

fn render(row: BookingRow, now: i64) -> Value {
    let (id, venue_id, config, day, start, end, status, starts_at) = row;
    let name = serde_json::from_str::<Value>(&config)
        .ok()
        .and_then(|c| c["name"].as_str().map(String::from))
        .unwrap_or_default();
    let clock = |m: i64| format!("{:02}:{:02}", m / 60, m % 60);
    let label = match status.as_str() {
        "booked" => "已预约",
        "cancelled" => "已取消",
        "attended" => "已入场",
        "no_show" => "未到场",
        _ => "未知",
    };
    json!({
        "id": id,
        "venue_id": venue_id,
        "venue_name": name,
        "date": Date::from_days_since_epoch(day).to_string(),
        "start": clock(start),
        "end": clock(end),
        "status": status,
        "status_label": label,
        "cancellable": status == "booked" && now < starts_at,
    })
}

async fn booking_json(tx: &mut Transaction<'static, Any>, id: i64, now: i64) -> ApiResult<Value> {
    let row: BookingRow = sqlx::query_as(&format!("{BOOKING_SELECT} WHERE b.id = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(render(row, now))
}

/// `GET /api/bookings` (citizen): bookings from 30 days ago on, newest day first, and any
/// no-show ban per venue with its end date.
pub async fn mine(State(state): State<AppState>, c: Citizen) -> ApiResult<Json<Value>> {
    let now = state.now();
    settle_no_shows(&state, Settle::Holder(c.user_id), now).await?;
    let rows: Vec<BookingRow> = sqlx::query_as(&format!(
        "{BOOKING_SELECT} WHERE b.user_id = $1 AND b.day >= $2 ORDER BY b.day DESC, b.start_min DESC"
    ))
    .bind(c.user_id)
    .bind(day_of(now) - 30)
    .fetch_all(&state.db.pool)
    .await?;
    let bookings: Vec<Value> = rows.into_iter().map(|r| render(r, now)).collect();
    let venues_with_no_shows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT venue_id FROM bookings WHERE user_id = $1 AND status = 'no_show'",
    )
    .bind(c.user_id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut bans = Vec::new();
    for (venue_id,) in venues_with_no_shows {
        let venue = venues::load(&state.db.pool, venue_id).await?;
        let until = banned_until(&state.db.pool, &venue, c.user_id, now).await?;
        if let Some(until) = until {
            let d = Date::from_unix_cst(until);
            bans.push(json!({
                "venue_id": venue_id,
                "venue_name": venue.config.name,
                "until": d.to_string(),
                "message": BookingError::Banned(d).message_zh(),
            }));
        }
    }
    Ok(Json(json!({ "bookings": bookings, "bans": bans })))
}

/// `POST /api/bookings/{id}/cancel` (citizen): up to the slot's start; the place is freed.
pub async fn cancel(
    State(state): State<AppState>,
    c: Citizen,
    Extension(limiters): Extension<Arc<Limiters>>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    limits::per_account(&limiters, AccountAction::Booking, c.user_id)?;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let row: Option<(i64, i64, i64, String, i64)> = sqlx::query_as(
        "SELECT venue_id, day, start_min, status, starts_at FROM bookings WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(c.user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (venue_id, day, start_min, status, starts_at) =
        row.ok_or_else(|| ApiError::not_found("预约"))?;
    if status == "cancelled" {
        // Cancelling twice is not an error: the answer is the same.
        let b = booking_json(&mut tx, id, now).await?;
        tx.commit().await?;
        return Ok(Json(b));
    }
    if status != "booked" {
        return Err(ApiError::conflict(
            "BOOKING_NOT_ACTIVE",
            "该预约已使用或已过期，不能取消",
        ));
    }
    check_cancel(now, starts_at).map_err(refusal)?;
    sqlx::query("UPDATE bookings SET status = 'cancelled', updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE venue_slots SET booked = booked - 1 \
         WHERE venue_id = $1 AND day = $2 AND start_min = $3 AND booked > 0",
    )
    .bind(venue_id)
    .bind(day)
    .bind(start_min)
    .execute(&mut *tx)
    .await?;
    let b = booking_json(&mut tx, id, now).await?;
    tx.commit().await?;
    Ok(Json(b))
}

/// Records attendance from a venue's admitted scans: the holder's booking at `venue` on the
/// scan's day whose entry window holds the scan time becomes `attended` (also when it had
/// already been counted a no-show because the log arrived late).
pub async fn record_attendance(
    tx: &mut Transaction<'static, Any>,
    venue: &Venue,
    serial: u64,
    scanned_at: i64,
) -> ApiResult<()> {
    let holder = holder_of(serial);
    if holder == 0 {
        return Ok(());
    }
    let early = i64::from(venue.config.entry_early_min) * 60;
    sqlx::query(
        "UPDATE bookings SET status = 'attended', attended_at = $1, updated_at = $1 \
         WHERE id = (SELECT b.id FROM bookings b JOIN holders h ON h.user_id = b.user_id \
                     WHERE h.handle = $2 AND b.venue_id = $3 AND b.day = $4 \
                     AND b.status IN ('booked', 'no_show') \
                     AND b.starts_at - $5 <= $1 AND $1 <= b.no_show_after \
                     ORDER BY b.starts_at LIMIT 1)",
    )
    .bind(scanned_at)
    .bind(holder as i64)
    .bind(venue.id)
    .bind(day_of(scanned_at))
    .bind(early)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
