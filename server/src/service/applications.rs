//! Applications for the card (申领): submit once per idempotency key, list mine, follow the
//! review timeline 提交 → 联审中 → 通过 / 驳回(原因) → 制卡中 → 已发卡.

use std::sync::Arc;

use axum::extract::State;
use axum::Extension;

use super::extract::Json;
use super::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use ecard_core::rules::application::{self, ApplicationForm, CheckedApplication};
use ecard_core::rules::Problem;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use super::auth::Citizen;
use super::error::{ApiError, ApiResult};
use super::limits::{self, AccountAction, Limiters};
use super::pii;
use super::state::AppState;
use super::uploads;

/// Application statuses in the order they happen, with what the applicant reads.
pub const STATUSES: [(&str, &str); 6] = [
    ("submitted", "提交"),
    ("reviewing", "联审中"),
    ("approved", "通过"),
    ("rejected", "驳回"),
    ("making", "制卡中"),
    ("issued", "已发卡"),
];

pub fn status_label(status: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or("未知", |(_, l)| l)
}

/// `POST /api/applications` with an `Idempotency-Key` header.
pub async fn submit(
    State(state): State<AppState>,
    c: Citizen,
    Extension(limiters): Extension<Arc<Limiters>>,
    headers: HeaderMap,
    Json(form): Json<ApplicationForm>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let key = idempotency_key(&headers)?;
    limits::per_account(&limiters, AccountAction::Apply, c.user_id)?;
    let checked = check_submission(&state, c.user_id, &form).await?;
    let body = serde_json::to_string(&checked).map_err(ApiError::internal)?;
    // The request as sent (normalised by parsing), not the checked result: that carries the
    // application date, and a retry the next day is still the same request.
    let request = serde_json::to_string(&form).map_err(ApiError::internal)?;
    let hash = RequestHash::of(&state, &[], request.as_bytes());
    let pii = &state.keys.pii;
    let applicant_index = pii.index(&checked.document.number);
    // Sealed before the write lock is taken: it is held as briefly as can be.
    let sealed_form = pii.seal_text(pii::FORM, &body)?;
    let sealed_number = pii.seal_text(pii::ID_NUMBER, &checked.document.number)?;
    let user_id = c.user_id;
    let (job_key, now) = (key.clone(), state.now());
    // One transaction on the writer (SQLite: in a group commit; answered once committed).
    let stored = state
        .db
        .write(move |conn| {
            Box::pin(async move {
                store(
                    conn,
                    NewApplication {
                        user_id,
                        key: job_key,
                        hash,
                        applicant_index,
                        sealed_form,
                        sealed_number,
                        name: checked.name,
                        now,
                    },
                )
                .await
            })
        })
        .await;
    match stored {
        Ok(Stored::New(id)) => {
            tracing::info!(application_id = id, "application submitted");
            created(&state, user_id, id).await
        }
        Ok(Stored::Replayed(id)) => created(&state, user_id, id).await,
        Err(NotStored::Refused(e)) => Err(e),
        // Another open application was stored at the same moment (one open per applicant).
        Err(NotStored::ApplicantTaken) => match find_by_key(&state, user_id, &key).await {
            Ok(id) => created(&state, user_id, id).await,
            Err(_) => Err(application_exists()),
        },
        // Another request with the same key won the race: answer as it did.
        Err(NotStored::KeyTaken) => {
            created(&state, user_id, find_by_key(&state, user_id, &key).await?).await
        }
    }
}

/// What [`store`] writes: an application, sealed, under its idempotency key.
struct NewApplication {
    user_id: i64,
    key: String,
    hash: RequestHash,
    applicant_index: String,
    sealed_form: String,
    sealed_number: String,
    name: String,
    now: i64,
}

/// The application [`store`] answers with.
enum Stored {
    New(i64),
    /// Stored before under the same key, by this same request.
    Replayed(i64),
}

/// Why [`store`] wrote nothing.
enum NotStored {
    Refused(ApiError),
    /// The insert met the one-open-application-per-applicant constraint.
    ApplicantTaken,
    /// The insert met an application stored under the same key meanwhile.
    KeyTaken,
}

impl From<ApiError> for NotStored {
    fn from(e: ApiError) -> Self {
        NotStored::Refused(e)
    }
}

impl From<sqlx::Error> for NotStored {
    fn from(e: sqlx::Error) -> Self {
        NotStored::Refused(e.into())
    }
}

/// The submission's transaction, on `conn`: the replay check, the applicant's open
/// application, the insert and its first two timeline events.
async fn store(conn: &mut AnyConnection, new: NewApplication) -> Result<Stored, NotStored> {
    // In one statement (one snapshot, also in PostgreSQL): a request stored under this key, and
    // an open application of the applicant, which is not this request's when there is none.
    let (stored_id, stored_hash, open): (Option<i64>, Option<String>, Option<i64>) =
        sqlx::query_as(
            "SELECT (SELECT id FROM applications WHERE user_id = $1 AND idempotency_key = $2), \
             (SELECT request_hash FROM applications WHERE user_id = $1 AND idempotency_key = $2), \
             (SELECT id FROM applications WHERE applicant_id_index = $3 AND status <> 'rejected' \
              LIMIT 1)",
        )
        .bind(new.user_id)
        .bind(&new.key)
        .bind(&new.applicant_index)
        .fetch_one(&mut *conn)
        .await?;
    if let Some(id) = replayed(stored_id, stored_hash.as_deref(), &new.hash)? {
        return Ok(Stored::Replayed(id));
    }
    if open.is_some() {
        return Err(application_exists().into());
    }
    let inserted: Result<Option<(i64,)>, sqlx::Error> = sqlx::query_as(
        "INSERT INTO applications (user_id, idempotency_key, request_hash, status, data, created_at, updated_at, \
         applicant_id_number, applicant_id_index, applicant_name) \
         VALUES ($1, $2, $3, 'reviewing', $4, $5, $5, $6, $7, $8) ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(new.user_id)
    .bind(&new.key)
    .bind(&new.hash.keyed)
    .bind(new.sealed_form)
    .bind(new.now)
    .bind(new.sealed_number)
    .bind(&new.applicant_index)
    .bind(new.name)
    .fetch_optional(&mut *conn)
    .await;
    let id = match inserted {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(NotStored::ApplicantTaken)
        }
        other => match other? {
            Some((id,)) => id,
            None => return Err(NotStored::KeyTaken),
        },
    };
    sqlx::query(
        "INSERT INTO application_events (application_id, status, note, at) \
         VALUES ($1, 'submitted', NULL, $2), ($1, 'reviewing', NULL, $2)",
    )
    .bind(id)
    .bind(new.now)
    .execute(&mut *conn)
    .await?;
    Ok(Stored::New(id))
}

/// `201` with the view of application `id`: a new one, or the one a retry stands for.
async fn created(state: &AppState, user_id: i64, id: i64) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::CREATED, Json(view(state, user_id, id).await?)))
}

/// `409 APPLICATION_EXISTS`: the applicant has an open application or a card.
pub fn application_exists() -> ApiError {
    ApiError::conflict(
        "APPLICATION_EXISTS",
        "该申请人已有一份申请或已领卡，无需重复申请",
    )
}

/// The `Idempotency-Key` header (8–100 characters).
pub fn idempotency_key(headers: &HeaderMap) -> ApiResult<String> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    if !(8..=100).contains(&key.len()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "IDEMPOTENCY_KEY_REQUIRED",
            "缺少 Idempotency-Key 请求头（8–100 个字符），重试时请使用同一个值",
        ));
    }
    Ok(key.to_string())
}

/// The same rules as on the phone (all problems at once), then who may submit (the applicant,
/// or a minor's guardian) and whether the named uploads are the account's own.
async fn check_submission(
    state: &AppState,
    user_id: i64,
    form: &ApplicationForm,
) -> ApiResult<CheckedApplication> {
    let confirmations = (state.confirmations)(form);
    let checked = application::validate(
        form,
        state.now(),
        &state.config.rules,
        confirmations.as_ref(),
    )
    .map_err(|problems| {
        ApiError::problems(
            "APPLICATION_INVALID",
            "申请内容有误，请按提示修改",
            problems,
        )
    })?;
    let (own_index,): (Option<String>,) =
        sqlx::query_as("SELECT id_index FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&state.db.pool)
            .await?;
    let own = |number: &str| own_index.as_deref() == Some(state.keys.pii.index(number).as_str());
    let is_self = own(&checked.document.number);
    let is_guardian = checked.guardian.as_ref().is_some_and(|g| own(&g.id_number));
    if !is_self && !is_guardian {
        let problem = Problem {
            field: "document.number".into(),
            code: "APPLICANT_MISMATCH",
            message: "只能为本人申请，或由监护人为未成年人申请：证件号码须与实名账户一致".into(),
        };
        let message = problem.message.clone();
        return Err(ApiError::problems(
            "APPLICANT_MISMATCH",
            message,
            vec![problem],
        ));
    }
    let problems = uploads::check_owned(state, user_id, &checked.uploads).await?;
    if !problems.is_empty() {
        return Err(ApiError::problems(
            "APPLICATION_INVALID",
            "申请材料有误，请重新上传",
            problems,
        ));
    }
    Ok(checked)
}

/// The hash of a request stored with its idempotency key: keyed (the request carries ID
/// numbers), and the plain SHA-256 that versions before sealing stored, still accepted.
pub struct RequestHash {
    pub keyed: String,
    legacy: String,
}

impl RequestHash {
    /// The hash of `parts` (each length-prefixed) followed by `tail`.
    pub fn of(state: &AppState, parts: &[&[u8]], tail: &[u8]) -> Self {
        let mut sha = Sha256::new();
        for p in parts {
            sha.update((p.len() as u64).to_be_bytes());
            sha.update(p);
        }
        sha.update(tail);
        let mut all = parts.to_vec();
        all.push(tail);
        RequestHash {
            keyed: state.keys.pii.keyed_hash(&all),
            legacy: hex::encode(sha.finalize()),
        }
    }

    /// Whether a stored hash is this request's.
    pub fn matches(&self, stored: &str) -> bool {
        stored == self.keyed || stored == self.legacy
    }
}

/// The application stored under the request's idempotency key (`id`, `request_hash`), if any:
/// this request's, or a different request's under the same key (refused).
fn replayed(id: Option<i64>, stored: Option<&str>, hash: &RequestHash) -> ApiResult<Option<i64>> {
    match (id, stored) {
        (Some(id), Some(h)) if hash.matches(h) => Ok(Some(id)),
        (Some(_), _) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "IDEMPOTENCY_KEY_REUSED",
            "同一个 Idempotency-Key 不能用于不同的申请内容",
        )),
        (None, _) => Ok(None),
    }
}

async fn find_by_key(state: &AppState, user_id: i64, key: &str) -> ApiResult<i64> {
    let (id,): (i64,) =
        sqlx::query_as("SELECT id FROM applications WHERE user_id = $1 AND idempotency_key = $2")
            .bind(user_id)
            .bind(key)
            .fetch_one(&state.db.pool)
            .await?;
    Ok(id)
}

/// Records a step of the timeline.
pub async fn add_event(
    tx: &mut super::cards::Tx<'_>,
    id: i64,
    status: &str,
    note: Option<&str>,
    at: i64,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO application_events (application_id, status, note, at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(status)
    .bind(note)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Applications the account may read: those it submitted, and those for its own ID number
/// (a child who registers later sees what the guardian submitted), by blind index. `$1` is the
/// account.
const MINE: &str =
    "(a.user_id = $1 OR a.applicant_id_index = (SELECT u.id_index FROM users u WHERE u.id = $1))";

/// status, reject_reason, created_at, user_id, applicant_name, applicant_id_number, batch_id
type ViewRow = (
    String,
    Option<String>,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// The view of an application the account may read: status and timeline, whom it is for
/// (masked ID number) and whether the account submitted it.
pub async fn view(state: &AppState, user_id: i64, id: i64) -> ApiResult<Value> {
    let row: Option<ViewRow> = sqlx::query_as(&format!(
        "SELECT a.status, a.reject_reason, a.created_at, a.user_id, a.applicant_name, \
             a.applicant_id_number, a.batch_id FROM applications a WHERE a.id = $2 AND {MINE}"
    ))
    .bind(user_id)
    .bind(id)
    .fetch_optional(&state.db.pool)
    .await?;
    let (status, reason, created_at, submitter, name, applicant, batch_id) =
        row.ok_or_else(|| ApiError::not_found("申请"))?;
    let applicant = applicant
        .map(|a| state.keys.pii.open_text(pii::ID_NUMBER, &a))
        .transpose()?;
    Ok(json!({
        "id": id,
        "applicant": { "name": name, "id_number": applicant.as_deref().map(super::validate::mask_id) },
        "submitted_by_me": submitter == user_id,
        "batch_id": batch_id,
        "status": status,
        "status_label": status_label(&status),
        "reject_reason": reason,
        "created_at": created_at,
        "timeline": timeline(state, id).await?,
    }))
}

/// The timeline of an application, oldest first.
pub async fn timeline(state: &AppState, id: i64) -> ApiResult<Vec<Value>> {
    let events: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT status, note, at FROM application_events WHERE application_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(events
        .into_iter()
        .map(|(s, note, at)| json!({ "status": s, "label": status_label(&s), "note": note, "at": at }))
        .collect())
}

/// `GET /api/applications`: those I submitted or that are for me, newest first.
pub async fn list_mine(State(state): State<AppState>, c: Citizen) -> ApiResult<Json<Value>> {
    let ids: Vec<(i64,)> = sqlx::query_as(&format!(
        "SELECT a.id FROM applications a WHERE {MINE} ORDER BY a.id DESC"
    ))
    .bind(c.user_id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for (id,) in ids {
        out.push(view(&state, c.user_id, id).await?);
    }
    Ok(Json(json!({ "applications": out })))
}

/// `GET /api/applications/{id}`: one I submitted or that is for me (any other is "not found").
pub async fn get_mine(
    State(state): State<AppState>,
    c: Citizen,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(view(&state, c.user_id, id).await?))
}
