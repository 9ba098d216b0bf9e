//! Reviewers (人社 window staff): the queue, approve or reject with a reason, mark the card made,
//! card actions (挂失, 解挂, 补领, 注销), and the audit log that records every one of them.

use axum::extract::State;

use super::extract::Json;
use super::extract::{Path, Query};
use axum::http::StatusCode;
use axum_extra::extract::cookie::CookieJar;
use ecard_core::{CardState, RevocationReason};
use serde::Deserialize;
use serde_json::{json, Value};

use super::applications::{add_event, status_label, timeline};
use super::auth::{self, Reviewer, REVIEWER_COOKIE};
use super::cards::{self, CardAction, Tx};
use super::error::{ApiError, ApiResult};
use super::pii;
use super::state::AppState;
use super::uploads;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    username: String,
    password: String,
}

/// `POST /api/review/login`
pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    Json(l): Json<Login>,
) -> ApiResult<(CookieJar, Json<Value>)> {
    let username = l.username.trim();
    let row: Option<(i64, String, String)> =
        sqlx::query_as("SELECT id, display_name, password_hash FROM reviewers WHERE username = $1")
            .bind(username)
            .fetch_optional(&state.db.pool)
            .await?;
    let (cookie, display_name) = auth::login(
        &state,
        ("reviewer", username),
        row,
        l.password,
        "用户名或密码不正确",
    )
    .await?;
    Ok((
        jar.add(cookie),
        Json(json!({ "display_name": display_name })),
    ))
}

/// `POST /api/review/logout`
pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
) -> ApiResult<(CookieJar, StatusCode)> {
    auth::end_session(&state, &jar, REVIEWER_COOKIE).await?;
    Ok((jar.remove(REVIEWER_COOKIE), StatusCode::NO_CONTENT))
}

/// `GET /api/review/queue`: applications waiting for a decision, oldest first.
pub async fn queue(State(state): State<AppState>, _r: Reviewer) -> ApiResult<Json<Value>> {
    let rows: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT a.id, COALESCE(a.applicant_name, u.name), a.created_at, a.batch_id FROM applications a \
         JOIN users u ON u.id = a.user_id WHERE a.status = 'reviewing' ORDER BY a.id",
    )
    .fetch_all(&state.db.pool)
    .await?;
    // The applicant's name (a guardian or an organisation may have submitted it).
    let items: Vec<Value> = rows
        .into_iter()
        .map(|(id, name, at, batch_id)| {
            json!({ "id": id, "name": name, "submitted_at": at, "batch_id": batch_id })
        })
        .collect();
    Ok(Json(json!({ "queue": items })))
}

/// `GET /api/review/applications/{id}`: everything the reviewer needs to decide.
pub async fn detail(
    State(state): State<AppState>,
    r: Reviewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let row: Option<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT status, data, reject_reason, created_at FROM applications WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&state.db.pool)
    .await?;
    let (status, data, reason, created_at) = row.ok_or_else(|| ApiError::not_found("申请"))?;
    let card: Option<(String, String)> = sqlx::query_as(
        "SELECT card_number, state FROM cards WHERE application_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&state.db.pool)
    .await?;
    let data = state.keys.pii.open_text(pii::FORM, &data)?;
    let application = serde_json::from_str::<Value>(&data).map_err(ApiError::internal)?;
    audit_read(&state, &r, "view_application", &format!("application:{id}")).await?;
    Ok(Json(json!({
        "id": id,
        "status": status,
        "status_label": status_label(&status),
        "reject_reason": reason,
        "created_at": created_at,
        "materials": uploads::describe(&state, &application).await?,
        "application": application,
        "timeline": timeline(&state, id).await?,
        "card": card.map(|(n, s)| json!({ "card_number": n, "state": s })),
    })))
}

async fn lock_status(tx: &mut Tx<'_>, id: i64, expected: &str, verb: &str) -> ApiResult<i64> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT status, user_id FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    let (status, user_id) = row.ok_or_else(|| ApiError::not_found("申请"))?;
    if status != expected {
        return Err(ApiError::conflict(
            "APPLICATION_STATE",
            format!("申请当前为“{}”，不能{verb}", status_label(&status)),
        ));
    }
    // Compare-and-set below guards against two reviewers acting at once.
    Ok(user_id)
}

async fn set_status(
    tx: &mut Tx<'_>,
    id: i64,
    from: &str,
    to: &str,
    reason: Option<&str>,
    now: i64,
) -> ApiResult<()> {
    let done = sqlx::query(
        "UPDATE applications SET status = $1, reject_reason = $2, updated_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(to)
    .bind(reason)
    .bind(now)
    .bind(id)
    .bind(from)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(ApiError::conflict(
            "APPLICATION_STATE",
            "申请状态已被其他审核人员更改，请刷新",
        ));
    }
    add_event(tx, id, to, reason, now).await
}

/// Records who did what, when, in the same transaction as the action.
pub async fn audit(
    tx: &mut Tx<'_>,
    r: &Reviewer,
    action: &str,
    target: &str,
    detail: Value,
    now: i64,
) -> ApiResult<()> {
    sqlx::query("INSERT INTO audit_log (reviewer_id, action, target, detail, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(r.reviewer_id)
        .bind(action)
        .bind(target)
        .bind(detail.to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records that a reviewer read personal data (an application, a file, a batch's numbers):
/// reading is audited as well as acting.
pub async fn audit_read(
    state: &AppState,
    r: &Reviewer,
    action: &str,
    target: &str,
) -> ApiResult<()> {
    let (reviewer_id, now) = (r.reviewer_id, state.now());
    let (action, target) = (action.to_string(), target.to_string());
    state
        .db
        .execute(
            sqlx::query("INSERT INTO audit_log (reviewer_id, action, target, detail, at) VALUES ($1, $2, $3, '{}', $4)")
                .bind(reviewer_id)
                .bind(action)
                .bind(target)
                .bind(now),
        )
        .await?;
    Ok(())
}

/// `POST /api/review/applications/{id}/approve`: 通过, then 制卡中 with a new card in the 正常
/// state, so the e-card can be used while the physical card is being made.
pub async fn approve(
    State(state): State<AppState>,
    r: Reviewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    lock_status(&mut tx, id, "reviewing", "通过").await?;
    let number = approve_one(&mut tx, &r, id, None, now).await?;
    tx.commit().await?;
    Ok(Json(
        json!({ "id": id, "status": "making", "card_number": number }),
    ))
}

/// Approves application `id` (known to be 联审中) inside `tx`: 通过, 制卡中, a new card for
/// the applicant (`holder_id_number`), and its audit entry. Returns the card number.
pub async fn approve_one(
    tx: &mut Tx<'_>,
    r: &Reviewer,
    id: i64,
    batch_id: Option<i64>,
    now: i64,
) -> ApiResult<String> {
    set_status(tx, id, "reviewing", "approved", None, now).await?;
    set_status(tx, id, "approved", "making", None, now).await?;
    let (user_id, sealed, index): (i64, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT user_id, applicant_id_number, applicant_id_index FROM applications WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let number = cards::create(tx, user_id, id, (sealed, index), now).await?;
    let mut detail = json!({ "card_number": number });
    if let Some(b) = batch_id {
        detail["batch_id"] = json!(b);
    }
    audit(tx, r, "approve", &format!("application:{id}"), detail, now).await?;
    Ok(number)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reject {
    reason: String,
}

/// `POST /api/review/applications/{id}/reject` with the reason the applicant will read.
pub async fn reject(
    State(state): State<AppState>,
    r: Reviewer,
    Path(id): Path<i64>,
    Json(body): Json<Reject>,
) -> ApiResult<Json<Value>> {
    let reason = body.reason.trim();
    if !(2..=200).contains(&reason.chars().count()) {
        return Err(ApiError::field(
            "reason",
            "REASON_REQUIRED",
            "请填写驳回原因（2–200 字），申请人会看到它",
        ));
    }
    let detail = json!({ "reason": reason });
    advance(
        &state,
        &r,
        id,
        ("reviewing", "rejected"),
        Some(reason),
        ("reject", "驳回"),
        detail,
    )
    .await
}

/// `POST /api/review/applications/{id}/card-issued`: the physical card was handed over.
pub async fn card_issued(
    State(state): State<AppState>,
    r: Reviewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let step = ("card_issued", "标记已发卡");
    advance(&state, &r, id, ("making", "issued"), None, step, json!({})).await
}

/// Moves an application one step (`from` → `to`) with its timeline event and audit entry
/// (`action`, and the verb a refusal names), all in one transaction.
async fn advance(
    state: &AppState,
    r: &Reviewer,
    id: i64,
    (from, to): (&str, &str),
    reason: Option<&str>,
    (action, verb): (&str, &str),
    detail: Value,
) -> ApiResult<Json<Value>> {
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    lock_status(&mut tx, id, from, verb).await?;
    set_status(&mut tx, id, from, to, reason, now).await?;
    audit(
        &mut tx,
        r,
        action,
        &format!("application:{id}"),
        detail,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({ "id": id, "status": to })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    action: CardAction,
}

/// `POST /api/review/cards/{card_number}/actions` `{action}`: changes the card's state; any
/// change away from 正常 revokes its outstanding e-card credentials.
pub async fn card_action(
    State(state): State<AppState>,
    r: Reviewer,
    Path(number): Path<String>,
    Json(a): Json<Action>,
) -> ApiResult<Json<Value>> {
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let row: Option<(i64, i64, i64, String)> = sqlx::query_as(
        "SELECT id, user_id, application_id, state FROM cards WHERE card_number = $1",
    )
    .bind(&number)
    .fetch_optional(&mut *tx)
    .await?;
    let (card_id, user_id, application_id, state_str) =
        row.ok_or_else(|| ApiError::not_found("卡片"))?;
    let from = cards::parse_state(&state_str)?;
    let to = a.action.next_state(from)?;
    let done =
        sqlx::query("UPDATE cards SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
            .bind(to.as_str())
            .bind(now)
            .bind(card_id)
            .bind(&state_str)
            .execute(&mut *tx)
            .await?;
    if done.rows_affected() != 1 {
        return Err(ApiError::conflict(
            "CARD_STATE_CHANGED",
            "卡片状态已被其他审核人员更改，请刷新",
        ));
    }
    let revoked = if to == CardState::Normal {
        0
    } else {
        cards::revoke_credentials(&mut tx, card_id, RevocationReason::from(to), now, None).await?
    };
    let new_number = if a.action == CardAction::Reissue {
        Some(reissue(&mut tx, card_id, user_id, application_id, now).await?)
    } else {
        None
    };
    let detail = json!({ "from": from.as_str(), "to": to.as_str(), "revoked": revoked, "new_card_number": new_number });
    audit(
        &mut tx,
        &r,
        a.action.as_str(),
        &format!("card:{number}"),
        detail.clone(),
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(action = a.action.as_str(), revoked, "card action");
    Ok(Json(detail))
}

async fn reissue(
    tx: &mut Tx<'_>,
    old_card_id: i64,
    user_id: i64,
    application_id: i64,
    now: i64,
) -> ApiResult<String> {
    // The new card has the same holder as the one it replaces.
    let holder: (Option<String>, Option<String>) =
        sqlx::query_as("SELECT holder_id_number, holder_id_index FROM cards WHERE id = $1")
            .bind(old_card_id)
            .fetch_one(&mut **tx)
            .await?;
    let number = cards::create(tx, user_id, application_id, holder, now).await?;
    Ok(number)
}

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /api/review/audit?limit=N`: newest first.
pub async fn audit_log(
    State(state): State<AppState>,
    _r: Reviewer,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Value>> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let rows: Vec<(i64, String, String, String, String, i64)> = sqlx::query_as(
        "SELECT l.id, r.username, l.action, l.target, l.detail, l.at FROM audit_log l \
         JOIN reviewers r ON r.id = l.reviewer_id ORDER BY l.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&state.db.pool)
    .await?;
    let entries: Vec<Value> = rows
        .into_iter()
        .map(|(id, who, action, target, detail, at)| {
            json!({ "id": id, "reviewer": who, "action": action, "target": target,
                    "detail": serde_json::from_str::<Value>(&detail).unwrap_or(Value::Null), "at": at })
        })
        .collect();
    Ok(Json(json!({ "entries": entries })))
}
