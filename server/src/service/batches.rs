//! Bulk applications by employers and schools (批量申领, issue 4): a logged-in account acting
//! for the organisation uploads a CSV roster; every row is checked by the same rules as a single
//! application and becomes an application of its own, tied to the batch. Bad rows are reported
//! with their line numbers and do not stop the good ones. Reviewers list batches and approve a
//! batch at once. The CSV columns are documented in `docs/API.md`.

use std::collections::BTreeMap;

use axum::body::Body;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Extension;
use ecard_core::rules::application::{self, ApplicationForm, CheckedApplication, DocumentForm};
use ecard_core::rules::channel::Channel;
use ecard_core::rules::guardian::GuardianForm;
use ecard_core::rules::henan_link::{HenanLinkForm, LinkBasis};
use ecard_core::rules::organisation::{self, OrganisationForm};
use ecard_core::rules::{Problem, RulesConfig, SharedDataConfirmations};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::applications::{add_event, idempotency_key, status_label, RequestHash};
use super::auth::{Citizen, Reviewer};
use super::error::{ApiError, ApiResult};
use super::extract::{Json, Path, Query};
use super::limits::{self, AccountAction, Limiters};
use super::pii;
use super::review;
use super::state::AppState;

/// The largest CSV accepted.
pub const MAX_BATCH_BYTES: usize = 5 * 1024 * 1024;
/// The most data rows (lines after the header) in one upload.
pub const MAX_BATCH_ROWS: usize = 5_000;

/// The columns, in the documented order; the first five must be in the header.
pub const COLUMNS: [&str; 16] = [
    "category",
    "name",
    "phone",
    "document_kind",
    "document_number",
    "birth_date",
    "nationality",
    "service_bank",
    "guardian_name",
    "guardian_id_number",
    "guardian_relation",
    "guardian_proof",
    "henan_link_basis",
    "employer_name",
    "employer_uscc",
    "insurance_number",
];
const REQUIRED_COLUMNS: usize = 5;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchQuery {
    channel: String,
    agent_name: String,
    agent_uscc: String,
}

/// What the organisation vouches for: a roster comes from the employer's or school's own
/// records, so no scans are uploaded per row. This is the seam where a deployment would put
/// the organisation's data-sharing agreement (or require uploads instead).
pub fn organisation_confirmations() -> SharedDataConfirmations {
    SharedDataConfirmations {
        household_register: true,
        identity: true,
        photo: true,
        guardian_identity: true,
        guardianship: true,
        employment: true,
        insurance: true,
    }
}

fn problem(field: &str, code: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        field: field.to_string(),
        code,
        message: message.into(),
    }
}

fn bad_batch(code: &'static str, message: &str, problems: Vec<Problem>) -> ApiError {
    if problems.is_empty() {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    } else {
        ApiError::problems(code, message, problems)
    }
}

/// UTF-8 (a BOM is dropped) when the bytes are valid UTF-8, else GBK.
pub fn decode(bytes: &[u8]) -> ApiResult<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
        .ok_or_else(|| {
            bad_batch(
                "BATCH_ENCODING",
                "文件既不是 UTF-8 也不是 GBK 编码，请另存为 CSV（UTF-8 或 GBK）",
                vec![],
            )
        })
}

/// A value of a serde enumeration (`category`, `document_kind`, …), or a problem naming it.
fn enumeration<T: DeserializeOwned>(
    value: &str,
    field: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    if value.is_empty() {
        return None;
    }
    match serde_json::from_value(Value::String(value.to_string())) {
        Ok(v) => Some(v),
        Err(_) => {
            problems.push(problem(
                field,
                "VALUE_UNKNOWN",
                format!("{field} 列的值“{value}”不是可选的值"),
            ));
            None
        }
    }
}

fn optional(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// The CSV column of a form field's problem (`document.number` → `document_number`); the
/// organisation fields are the query's `agent_name` / `agent_uscc`.
pub fn column_of(field: &str) -> String {
    match field {
        "document.kind" => "document_kind".into(),
        "document.number" => "document_number".into(),
        "henan_link.basis" => "henan_link_basis".into(),
        "henan_link.insurance_number" => "insurance_number".into(),
        f => {
            if let Some(rest) = f.strip_prefix("henan_link.employer.") {
                format!("employer_{rest}")
            } else if let Some(rest) = f.strip_prefix("guardian.") {
                format!("guardian_{rest}")
            } else if let Some(rest) = f.strip_prefix("agent.") {
                format!("agent_{rest}")
            } else {
                f.to_string()
            }
        }
    }
}

/// One CSV row as an application form, with the problems of values that are not even of the
/// right kind (unknown enumeration values). Problems name CSV columns.
fn row_form(
    row: &BTreeMap<&str, String>,
    channel: Channel,
    agent: &OrganisationForm,
) -> (ApplicationForm, Vec<Problem>) {
    let get = |c: &str| row.get(c).map(String::as_str).unwrap_or("");
    let mut problems = Vec::new();
    let category = enumeration(get("category"), "category", &mut problems);
    let kind = enumeration(get("document_kind"), "document_kind", &mut problems);
    let guardian = if [
        "guardian_name",
        "guardian_id_number",
        "guardian_relation",
        "guardian_proof",
    ]
    .iter()
    .any(|c| !get(c).is_empty())
    {
        Some(GuardianForm {
            name: get("guardian_name").to_string(),
            id_number: get("guardian_id_number").to_string(),
            relation: enumeration(get("guardian_relation"), "guardian_relation", &mut problems),
            proof: enumeration(get("guardian_proof"), "guardian_proof", &mut problems),
        })
    } else {
        None
    };
    let henan_link = if get("henan_link_basis").is_empty() {
        None
    } else {
        let basis: Option<LinkBasis> =
            enumeration(get("henan_link_basis"), "henan_link_basis", &mut problems);
        let employer = if !get("employer_name").is_empty() || !get("employer_uscc").is_empty() {
            Some(OrganisationForm {
                name: get("employer_name").to_string(),
                uscc: get("employer_uscc").to_string(),
            })
        } else if channel == Channel::Employer && basis == Some(LinkBasis::Employed) {
            // Employed by the organisation that uploads the roster.
            Some(agent.clone())
        } else {
            None
        };
        Some(HenanLinkForm {
            basis,
            employer,
            insurance_number: optional(get("insurance_number")),
        })
    };
    let form = ApplicationForm {
        category,
        name: get("name").to_string(),
        phone: get("phone").to_string(),
        document: DocumentForm {
            kind,
            number: get("document_number").to_string(),
        },
        birth_date: optional(get("birth_date")),
        nationality: optional(get("nationality")),
        henan_link,
        guardian,
        service_bank: Some(optional(get("service_bank")).unwrap_or_else(|| "assign".into())),
        channel: Some(channel),
        agent: Some(agent.clone()),
        materials: BTreeMap::new(),
    };
    (form, problems)
}

/// `POST /api/batches?channel=employer|school&agent_name=…&agent_uscc=…` with the CSV as the
/// body (`Content-Type: text/csv`) and an `Idempotency-Key`.
pub async fn submit(
    State(state): State<AppState>,
    c: Citizen,
    Extension(limiters): Extension<Arc<Limiters>>,
    Query(q): Query<BatchQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let key = idempotency_key(&headers)?;
    limits::per_account(&limiters, AccountAction::Apply, c.user_id)?;
    let channel = match q.channel.as_str() {
        "employer" => Channel::Employer,
        "school" => Channel::School,
        _ => {
            let mut e = ApiError::new(
                StatusCode::BAD_REQUEST,
                "BATCH_CHANNEL_UNKNOWN",
                "批量申领的渠道只能是 employer（单位）或 school（学校）",
            );
            e.field = Some("channel".into());
            return Err(e);
        }
    };
    let agent = organisation::check(&OrganisationForm {
        name: q.agent_name.clone(),
        uscc: q.agent_uscc.clone(),
    })
    .map_err(|problems| {
        let problems = problems
            .into_iter()
            .map(|p| Problem {
                field: format!("agent_{}", p.field),
                ..p
            })
            .collect();
        bad_batch(
            "BATCH_AGENT_INVALID",
            "单位名称或统一社会信用代码有误",
            problems,
        )
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("text/csv") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BATCH_TYPE_UNSUPPORTED",
            "请上传 CSV 文件（Content-Type: text/csv）",
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_BATCH_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BATCH_TOO_LARGE",
                format!("文件过大，最大 {} MB", MAX_BATCH_BYTES / 1024 / 1024),
            )
        })?;
    // Keyed: the file carries ID numbers.
    let hash = RequestHash::of(
        &state,
        &[
            q.channel.as_bytes(),
            agent.name.as_bytes(),
            agent.uscc.as_bytes(),
        ],
        &bytes,
    );

    // A retry answers as the first time, before anything is read or checked again.
    if let Some(answer) = replayed(&state, c.user_id, &key, &hash).await? {
        return Ok((StatusCode::CREATED, Json(answer)));
    }

    let agent_form = OrganisationForm {
        name: agent.name.clone(),
        uscc: agent.uscc.clone(),
    };
    let now = state.now();
    let Roster { good, mut rejected } =
        check_roster(&bytes, channel, &agent_form, now, &state.config.rules)?;
    let row_count = good.len() + rejected.len();

    let mut tx = state.db.begin_write().await?;
    let inserted: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO batches (submitted_by, channel, agent_name, agent_uscc, idempotency_key, request_hash, \
         row_count, accepted_count, answer, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, '', $8) \
         ON CONFLICT (submitted_by, idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(c.user_id)
    .bind(&q.channel)
    .bind(&agent.name)
    .bind(&agent.uscc)
    .bind(&key)
    .bind(&hash.keyed)
    .bind(row_count as i64)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((batch_id,)) = inserted else {
        // The same upload, sent twice at once: answer as the one that was stored.
        tx.rollback().await?;
        return match replayed(&state, c.user_id, &key, &hash).await? {
            Some(answer) => Ok((StatusCode::CREATED, Json(answer))),
            None => Err(ApiError::internal(
                "batch key conflict without a stored batch",
            )),
        };
    };
    let mut accepted = Vec::new();
    let pii = &state.keys.pii;
    for (line, form, checked) in good {
        let data = serde_json::to_string(&checked).map_err(ApiError::internal)?;
        let request = serde_json::to_string(&form).map_err(ApiError::internal)?;
        let row_hash = pii.keyed_hash(&[request.as_bytes()]);
        // Any unique index: the per-applicant one (an open application exists) or the key.
        let id: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO applications (user_id, idempotency_key, request_hash, status, data, created_at, updated_at, \
             applicant_id_number, applicant_id_index, applicant_name, batch_id) \
             VALUES ($1, $2, $3, 'reviewing', $4, $5, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(c.user_id)
        .bind(format!("batch:{batch_id}:{line}"))
        .bind(&row_hash)
        .bind(pii.seal_text(pii::FORM, &data)?)
        .bind(now)
        .bind(pii.seal_text(pii::ID_NUMBER, &checked.document.number)?)
        .bind(pii.index(&checked.document.number))
        .bind(&checked.name)
        .bind(batch_id)
        .fetch_optional(&mut *tx)
        .await?;
        match id {
            Some((id,)) => {
                for status in ["submitted", "reviewing"] {
                    add_event(&mut tx, id, status, None, now).await?;
                }
                accepted.push(json!({ "line": line, "id": id }));
            }
            None => rejected.push(json!({ "line": line, "problems": [problem(
                "document_number",
                "APPLICATION_EXISTS",
                "该申请人已有一份申请或已领卡，无需重复申请",
            )] })),
        }
    }
    rejected.sort_by_key(|r| r["line"].as_u64());
    let answer = json!({
        "batch_id": batch_id,
        "channel": q.channel,
        "agent": { "name": agent.name, "uscc": agent.uscc },
        "rows": row_count,
        "accepted": accepted.len(),
        "applications": accepted,
        "rejected": rejected,
    });
    sqlx::query("UPDATE batches SET accepted_count = $1, answer = $2 WHERE id = $3")
        .bind(accepted.len() as i64)
        .bind(answer.to_string())
        .bind(batch_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(
        batch_id,
        rows = row_count,
        accepted = accepted.len(),
        "batch submitted"
    );
    Ok((StatusCode::CREATED, Json(answer)))
}

/// A roster read and checked, before anything is stored: the rows that pass the application
/// rules (line, form, checked application) and the refused ones (`{ line, problems }`).
pub struct Roster {
    /// Rows that passed, in file order.
    pub good: Vec<(u64, ApplicationForm, CheckedApplication)>,
    /// Rows refused, each `{ "line": n, "problems": [...] }`.
    pub rejected: Vec<Value>,
}

/// The pure part of an upload: decodes the CSV bytes (UTF-8 or GBK), reads the header and
/// rows, and checks every row at Unix time `now` as an application made through `channel` by
/// `agent`. No I/O; whole-file problems (encoding, header, no rows, too many rows) are errors.
pub fn check_roster(
    bytes: &[u8],
    channel: Channel,
    agent: &OrganisationForm,
    now: i64,
    rules: &RulesConfig,
) -> ApiResult<Roster> {
    let text = decode(bytes)?;
    let rows = parse(&text)?;
    let mut rejected: Vec<Value> = Vec::new();
    let mut good = Vec::new();
    for (line, row) in rows {
        let row = match row {
            Ok(row) => row,
            Err(p) => {
                rejected.push(json!({ "line": line, "problems": [p] }));
                continue;
            }
        };
        let (form, mut problems) = row_form(&row, channel, agent);
        let confirmations = organisation_confirmations();
        match application::validate(&form, now, rules, Some(&confirmations)) {
            Ok(checked) if problems.is_empty() => good.push((line, form, checked)),
            Ok(_) => rejected.push(json!({ "line": line, "problems": problems })),
            Err(more) => {
                // An unknown value is reported once, not again as missing.
                let seen: Vec<String> = problems.iter().map(|p| p.field.clone()).collect();
                problems.extend(
                    more.into_iter()
                        .map(|p| Problem {
                            field: column_of(&p.field),
                            ..p
                        })
                        .filter(|p| !seen.contains(&p.field)),
                );
                rejected.push(json!({ "line": line, "problems": problems }));
            }
        }
    }
    Ok(Roster { good, rejected })
}

/// The stored answer of an upload with this key, or `IDEMPOTENCY_KEY_REUSED` for another file.
async fn replayed(
    state: &AppState,
    user_id: i64,
    key: &str,
    hash: &RequestHash,
) -> ApiResult<Option<Value>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT request_hash, answer FROM batches WHERE submitted_by = $1 AND idempotency_key = $2",
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(&state.db.pool)
    .await?;
    match row {
        Some((h, answer)) if hash.matches(&h) => Ok(Some(
            serde_json::from_str(&answer).map_err(ApiError::internal)?,
        )),
        Some(_) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "IDEMPOTENCY_KEY_REUSED",
            "同一个 Idempotency-Key 不能用于不同的上传内容",
        )),
        None => Ok(None),
    }
}

type Row<'a> = BTreeMap<&'a str, String>;

/// The data rows with their line numbers (the header is line 1), each a map of column → trimmed
/// value, or the problem that makes the row unreadable. Header problems refuse the whole file.
fn parse(text: &str) -> ApiResult<Vec<(u64, Result<Row<'static>, Problem>)>> {
    // The CSV reader ends a record at a lone CR (classic Mac line ends, Excel's "CSV (Macintosh)")
    // but counts lines by LF only, which gave rows one line number: a report naming the same line
    // twice, and accepted rows sharing an idempotency key. Count lines as an editor shows them.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|_| bad_batch("BATCH_HEADER_INVALID", "无法读取表头行", vec![]))?
        .clone();
    let mut columns: Vec<&'static str> = Vec::new();
    let mut problems = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().to_ascii_lowercase();
        match COLUMNS.iter().find(|c| **c == name) {
            Some(c) if columns.contains(c) => problems.push(problem(
                c,
                "COLUMN_DUPLICATE",
                format!("表头第 {} 列“{c}”重复", i + 1),
            )),
            Some(c) => columns.push(c),
            None => problems.push(problem(
                &name,
                "COLUMN_UNKNOWN",
                format!("表头第 {} 列“{name}”不是可用的列名", i + 1),
            )),
        }
    }
    for c in &COLUMNS[..REQUIRED_COLUMNS] {
        if !columns.contains(c) {
            problems.push(problem(c, "COLUMN_MISSING", format!("表头缺少“{c}”列")));
        }
    }
    if !problems.is_empty() {
        return Err(bad_batch(
            "BATCH_HEADER_INVALID",
            "表头有误：第一行应为列名（见接口文档）",
            problems,
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        if rows.len() == MAX_BATCH_ROWS {
            return Err(bad_batch(
                "BATCH_TOO_MANY_ROWS",
                &format!("一次最多 {MAX_BATCH_ROWS} 行"),
                vec![],
            ));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                rows.push((
                    line,
                    Err(problem(
                        "",
                        "CSV_MALFORMED",
                        "这一行无法读取（引号不配对？）",
                    )),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != columns.len() {
            rows.push((
                line,
                Err(problem(
                    "",
                    "CSV_FIELD_COUNT",
                    format!("这一行有 {} 列，表头有 {} 列", record.len(), columns.len()),
                )),
            ));
            continue;
        }
        let row: Row = columns
            .iter()
            .zip(record.iter())
            .map(|(c, v)| (*c, v.to_string()))
            .collect();
        rows.push((line, Ok(row)));
    }
    if rows.is_empty() {
        return Err(bad_batch("BATCH_EMPTY", "文件中没有数据行", vec![]));
    }
    Ok(rows)
}

/// `GET /api/review/batches`: newest first, with the applications' statuses counted.
pub async fn list(State(state): State<AppState>, _r: Reviewer) -> ApiResult<Json<Value>> {
    let rows: Vec<(i64, String, String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT id, channel, agent_name, agent_uscc, row_count, accepted_count, created_at \
         FROM batches ORDER BY id DESC",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let counts: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT batch_id, status, COUNT(*) FROM applications WHERE batch_id IS NOT NULL \
         GROUP BY batch_id, status",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let batches: Vec<Value> = rows
        .into_iter()
        .map(|(id, channel, name, uscc, rows, accepted, at)| {
            let statuses: serde_json::Map<String, Value> = counts
                .iter()
                .filter(|(b, _, _)| *b == id)
                .map(|(_, s, n)| (s.clone(), json!(n)))
                .collect();
            json!({ "id": id, "channel": channel, "agent": { "name": name, "uscc": uscc },
                    "submitted_at": at, "rows": rows, "accepted": accepted, "statuses": statuses })
        })
        .collect();
    Ok(Json(json!({ "batches": batches })))
}

/// An application of a batch: id, applicant's name and number, status, stored data.
type BatchApplicationRow = (i64, Option<String>, Option<String>, String, String);

/// `GET /api/review/batches/{id}`: the batch and its applications with their status.
pub async fn detail(
    State(state): State<AppState>,
    r: Reviewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let row: Option<(String, String, String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT channel, agent_name, agent_uscc, row_count, accepted_count, created_at, submitted_by \
         FROM batches WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&state.db.pool)
    .await?;
    let (channel, name, uscc, rows, accepted, at, submitted_by) =
        row.ok_or_else(|| ApiError::not_found("批次"))?;
    let apps: Vec<BatchApplicationRow> = sqlx::query_as(
        "SELECT id, applicant_name, applicant_id_number, status, data FROM applications \
         WHERE batch_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut applications: Vec<Value> = Vec::with_capacity(apps.len());
    let pii = &state.keys.pii;
    for (app_id, name, id_number, status, data) in apps {
        let id_number = id_number
            .map(|n| pii.open_text(pii::ID_NUMBER, &n))
            .transpose()?;
        let data: Value =
            serde_json::from_str(&pii.open_text(pii::FORM, &data)?).map_err(ApiError::internal)?;
        let materials = super::uploads::describe(&state, &data).await?;
        applications.push(json!({ "id": app_id, "name": name, "id_number": id_number,
                                  "status": status, "status_label": status_label(&status),
                                  "materials": materials }));
    }
    review::audit_read(&state, &r, "view_batch", &format!("batch:{id}")).await?;
    Ok(Json(json!({
        "id": id, "channel": channel, "agent": { "name": name, "uscc": uscc },
        "submitted_by": submitted_by, "submitted_at": at, "rows": rows, "accepted": accepted,
        "applications": applications,
    })))
}

/// `POST /api/review/batches/{id}/approve`: every application of the batch still 联审中 is
/// approved in one transaction (a card each), with an audit entry per application and one for
/// the batch. Applications already decided are left as they are.
pub async fn approve(
    State(state): State<AppState>,
    r: Reviewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM batches WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Err(ApiError::not_found("批次"));
    }
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM applications WHERE batch_id = $1 AND status = 'reviewing' ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut approved = Vec::with_capacity(ids.len());
    for (app_id,) in ids {
        let number = review::approve_one(&mut tx, &r, app_id, Some(id), now).await?;
        approved.push(json!({ "id": app_id, "card_number": number }));
    }
    review::audit(
        &mut tx,
        &r,
        "approve_batch",
        &format!("batch:{id}"),
        json!({ "approved": approved.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(
        json!({ "id": id, "approved": approved.len(), "applications": approved }),
    ))
}

/// The largest photos archive accepted.
pub const MAX_PHOTOS_ZIP_BYTES: usize = 50 * 1024 * 1024;
/// The most entries in one photos archive.
pub const MAX_PHOTO_ENTRIES: usize = 5_000;

/// One archive entry's outcome: the photo of a document number, or why it is refused.
type EntryOutcome = (String, Result<(String, Vec<u8>), Value>);

fn entry_problem(
    code: &'static str,
    message: impl Into<String>,
) -> Result<(String, Vec<u8>), Value> {
    Err(json!({ "code": code, "message": message.into() }))
}

/// The document number an entry's name stands for: `<document_number>.jpg` at the top of the
/// archive, nothing else (no folders, no `..`, no other characters).
fn entry_number(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let stem = lower.strip_suffix(".jpg")?;
    let stem = &name[..stem.len()];
    (!stem.is_empty() && stem.len() <= 32 && stem.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| stem.to_ascii_uppercase())
}

/// Reads and checks every entry (blocking work: decompression and the photo rules). Entries
/// whose declared size is over the photo limit are refused before they are read.
fn read_photos(
    bytes: &[u8],
    numbers: &std::collections::HashSet<String>,
    rules: &ecard_core::rules::photo::PhotoRules,
) -> ApiResult<Vec<EntryOutcome>> {
    use std::io::Read;
    let invalid = || {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "BATCH_PHOTOS_INVALID",
            "文件不是有效的 ZIP 压缩包",
        )
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| invalid())?;
    if archive.len() > MAX_PHOTO_ENTRIES {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "BATCH_PHOTOS_TOO_MANY",
            format!("一个压缩包最多 {MAX_PHOTO_ENTRIES} 张照片"),
        ));
    }
    // A number named twice is refused in every entry: neither photo is to be trusted.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for name in archive.file_names() {
        if let Some(n) = entry_number(name) {
            *seen.entry(n).or_default() += 1;
        }
    }
    let mut out = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|_| invalid())?;
        let name = file.name().to_string();
        let outcome = match entry_number(&name) {
            None => entry_problem(
                "PHOTO_ENTRY_NAME",
                "文件名应为“证件号码.jpg”，且不能放在文件夹里",
            ),
            Some(n) if seen.get(&n).copied().unwrap_or(0) > 1 => {
                entry_problem("PHOTO_ENTRY_DUPLICATE", "同一证件号码有多张照片")
            }
            Some(n) if !numbers.contains(&n) => {
                entry_problem("PHOTO_NUMBER_UNKNOWN", "本批次中没有这个证件号码的申请")
            }
            Some(_) if file.size() > rules.max_bytes as u64 => entry_problem(
                "PHOTO_TOO_LARGE",
                format!("照片过大，最大 {} KB", rules.max_bytes / 1024),
            ),
            Some(n) => {
                let mut photo = Vec::new();
                let read = (&mut file)
                    .take(rules.max_bytes as u64 + 1)
                    .read_to_end(&mut photo);
                if read.is_err() {
                    entry_problem("PHOTO_ENTRY_UNREADABLE", "这个文件无法解压")
                } else {
                    let report = ecard_core::rules::photo::check(&photo, rules);
                    if !report.problems.is_empty() {
                        let problems: Vec<Problem> = report
                            .problems
                            .into_iter()
                            .map(|p| Problem {
                                field: "photo".into(),
                                ..p
                            })
                            .collect();
                        Err(json!({ "problems": problems }))
                    } else if !photo.starts_with(&[0xFF, 0xD8, 0xFF]) {
                        entry_problem("PHOTO_NOT_JPEG", "照片不是 JPEG 格式")
                    } else {
                        Ok((n, photo))
                    }
                }
            }
        };
        out.push((name, outcome));
    }
    Ok(out)
}

/// `POST /api/batches/{id}/photos` with a ZIP archive (`Content-Type: application/zip`) of
/// `<document_number>.jpg` entries, by the account that submitted the batch. Every good photo
/// becomes an upload of kind `photo` and the photo material of the matching application still
/// in review; the others are reported by entry name.
pub async fn photos(
    State(state): State<AppState>,
    c: Citizen,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let owner: Option<(i64,)> = sqlx::query_as("SELECT submitted_by FROM batches WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?;
    match owner {
        Some((o,)) if o == c.user_id => {}
        _ => return Err(ApiError::not_found("批次")),
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/zip") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BATCH_PHOTOS_TYPE_UNSUPPORTED",
            "请上传 ZIP 压缩包（Content-Type: application/zip）",
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_PHOTOS_ZIP_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BATCH_PHOTOS_TOO_LARGE",
                format!("压缩包过大，最大 {} MB", MAX_PHOTOS_ZIP_BYTES / 1024 / 1024),
            )
        })?;
    let apps: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, applicant_id_number FROM applications WHERE batch_id = $1")
            .bind(id)
            .fetch_all(&state.db.pool)
            .await?;
    let pii = &state.keys.pii;
    let mut by_number: BTreeMap<String, i64> = BTreeMap::new();
    for (app, n) in apps {
        if let Some(n) = n {
            let n = pii.open_text(pii::ID_NUMBER, &n)?;
            by_number.insert(n.to_ascii_uppercase(), app);
        }
    }
    let numbers: std::collections::HashSet<String> = by_number.keys().cloned().collect();
    let rules = state.config.rules.photo;
    let entries = tokio::task::spawn_blocking(move || read_photos(&bytes, &numbers, &rules))
        .await
        .map_err(ApiError::internal)??;

    let now = state.now();
    let mut rejected = Vec::new();
    let mut attached = 0usize;
    let mut tx = state.db.begin_write().await?;
    for (entry, outcome) in entries {
        let (number, photo) = match outcome {
            Ok(good) => good,
            Err(mut why) => {
                why["entry"] = json!(entry);
                rejected.push(why);
                continue;
            }
        };
        let app_id = by_number[&number];
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT status, data FROM applications WHERE id = $1")
                .bind(app_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((status, data)) = row else { continue };
        if status != "reviewing" {
            rejected.push(json!({ "entry": entry, "code": "APPLICATION_DECIDED",
                                  "message": "这份申请已审核完毕，不能再换照片" }));
            continue;
        }
        let mut data: Value =
            serde_json::from_str(&pii.open_text(pii::FORM, &data)?).map_err(ApiError::internal)?;
        let upload_id = super::uploads::new_id()?;
        sqlx::query(
            "INSERT INTO uploads (id, user_id, kind, content_type, bytes, size, created_at, sealed) \
             VALUES ($1, $2, 'photo', 'image/jpeg', $3, $4, $5, 1)",
        )
        .bind(&upload_id)
        .bind(c.user_id)
        .bind(pii.seal_file(&upload_id, &photo)?)
        .bind(photo.len() as i64)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if !data.get("uploads").is_some_and(Value::is_object) {
            data["uploads"] = json!({});
        }
        data["uploads"]["photo"] = json!(upload_id);
        sqlx::query("UPDATE applications SET data = $1, updated_at = $2 WHERE id = $3")
            .bind(pii.seal_text(pii::FORM, &data.to_string())?)
            .bind(now)
            .bind(app_id)
            .execute(&mut *tx)
            .await?;
        attached += 1;
    }
    tx.commit().await?;
    tracing::info!(
        batch_id = id,
        attached,
        rejected = rejected.len(),
        "batch photos"
    );
    Ok(Json(json!({ "attached": attached, "rejected": rejected })))
}
