//! Uploaded materials (申请材料): the applicant uploads each file on its own and names the
//! returned ids in the application's `materials`. Files are judged by their bytes (magic
//! numbers), never by their name; the card photo must pass the same photo rules as on the phone.
//! Reviewers read them back.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use ecard_core::rules::{photo, MaterialKind, Problem};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{Citizen, Reviewer};
use super::error::{ApiError, ApiResult};
use super::extract::{Json, Path, Query};
use super::limits::{self, AccountAction, Limiters};
use super::state::AppState;

/// The largest document scan (a photo is limited by the photo rules).
pub const MAX_DOCUMENT_BYTES: usize = 2 * 1024 * 1024;

/// The file types accepted, by what their bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileType {
    Jpeg,
    Png,
    Pdf,
}

impl FileType {
    fn sniff(bytes: &[u8]) -> Option<FileType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else {
            None
        }
    }

    fn from_content_type(value: &str) -> Option<FileType> {
        let essence = value.split(';').next().unwrap_or("").trim();
        match essence.to_ascii_lowercase().as_str() {
            "image/jpeg" => Some(FileType::Jpeg),
            "image/png" => Some(FileType::Png),
            "application/pdf" => Some(FileType::Pdf),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Pdf => "application/pdf",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    kind: String,
}

/// `POST /api/uploads?kind=photo` with the file as the body: `201 {id, kind, bytes}`.
pub async fn upload(
    State(state): State<AppState>,
    c: Citizen,
    Extension(limiters): Extension<Arc<Limiters>>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    limits::per_account(&limiters, AccountAction::Upload, c.user_id)?;
    let kind = MaterialKind::ALL
        .into_iter()
        .find(|k| k.key() == q.kind)
        .ok_or_else(|| {
            let mut e = ApiError::new(
                StatusCode::BAD_REQUEST,
                "UPLOAD_KIND_UNKNOWN",
                "不认识的材料类型（kind）",
            );
            e.field = Some("kind".into());
            e
        })?;
    // The body is read up to the limit and no further: one byte over is `413`, whatever the
    // body's length says (or when it says nothing, chunked).
    let limit = if kind == MaterialKind::Photo {
        state.config.rules.photo.max_bytes
    } else {
        MAX_DOCUMENT_BYTES
    };
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(FileType::from_content_type)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UPLOAD_TYPE_UNSUPPORTED",
                "只接受 JPEG、PNG 图片或 PDF 文件（Content-Type: image/jpeg、image/png、application/pdf）",
            )
        })?;
    let bytes: Bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "UPLOAD_TOO_LARGE",
            format!("文件过大，最大 {} KB", limit / 1024),
        )
    })?;
    if kind == MaterialKind::Photo {
        // Decoding the JPEG takes a millisecond or more: off the async threads, which would
        // otherwise stall every other request they carry meanwhile.
        let (photo_bytes, config) = (bytes.clone(), state.config.clone());
        let report =
            tokio::task::spawn_blocking(move || photo::check(&photo_bytes, &config.rules.photo))
                .await
                .map_err(ApiError::internal)?;
        if !report.problems.is_empty() {
            let problems = report
                .problems
                .into_iter()
                .map(|p| Problem {
                    field: "photo".into(),
                    ..p
                })
                .collect();
            return Err(ApiError::problems(
                "PHOTO_INVALID",
                "照片不符合要求",
                problems,
            ));
        }
    }
    let actual = FileType::sniff(&bytes).ok_or_else(|| {
        ApiError::field(
            "body",
            "UPLOAD_TYPE_UNSUPPORTED",
            "文件内容不是 JPEG、PNG 图片或 PDF 文件",
        )
    })?;
    if actual != declared {
        return Err(ApiError::field(
            "body",
            "UPLOAD_TYPE_MISMATCH",
            format!(
                "文件内容是 {}，与声明的类型 {} 不符",
                actual.content_type(),
                declared.content_type()
            ),
        ));
    }
    let id = new_id()?;
    let size = bytes.len() as i64;
    let sealed = state.keys.pii.seal_file(&id, &bytes)?;
    let (stored_id, user_id, now) = (id.clone(), c.user_id, state.now());
    state
        .db
        .execute(
            sqlx::query(
                "INSERT INTO uploads (id, user_id, kind, content_type, bytes, size, created_at, sealed) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 1)",
            )
            .bind(stored_id)
            .bind(user_id)
            .bind(kind.key())
            .bind(actual.content_type())
            .bind(sealed)
            .bind(size)
            .bind(now),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "kind": kind.key(), "bytes": size })),
    ))
}

pub(crate) fn new_id() -> ApiResult<String> {
    let mut b = [0u8; 16];
    getrandom::getrandom(&mut b).map_err(ApiError::internal)?;
    Ok(hex::encode(b))
}

/// Checks that each upload named in an application exists, is `user_id`'s and of its kind;
/// every problem at once, against `materials.<kind>`.
pub async fn check_owned(
    state: &AppState,
    user_id: i64,
    uploads: &BTreeMap<MaterialKind, String>,
) -> ApiResult<Vec<Problem>> {
    let mut problems = Vec::new();
    if uploads.is_empty() {
        return Ok(problems);
    }
    // One query for all of them.
    let marks: Vec<String> = (1..=uploads.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, user_id, kind FROM uploads WHERE id IN ({})",
        marks.join(", ")
    );
    let mut query = sqlx::query_as::<_, (String, i64, String)>(&sql);
    for id in uploads.values() {
        query = query.bind(id);
    }
    let found: BTreeMap<String, (i64, String)> = query
        .fetch_all(&state.db.pool)
        .await?
        .into_iter()
        .map(|(id, owner, kind)| (id, (owner, kind)))
        .collect();
    for (&kind, id) in uploads {
        let row = found.get(id).cloned();
        let field = format!("materials.{}", kind.key());
        match row {
            Some((owner, k)) if owner == user_id && k == kind.key() => {}
            Some((owner, k)) if owner == user_id => problems.push(Problem {
                field,
                code: "UPLOAD_KIND_MISMATCH",
                message: format!(
                    "所选文件是作为其他材料（{k}）上传的，请重新上传{}",
                    kind.label_zh()
                ),
            }),
            _ => problems.push(Problem {
                field,
                code: "UPLOAD_NOT_FOUND",
                message: format!("找不到上传的{}，请重新上传", kind.label_zh()),
            }),
        }
    }
    Ok(problems)
}

/// The uploads an application names, for the reviewer: `[{kind, label, id, content_type,
/// bytes}]` in the order of the materials list.
pub async fn describe(state: &AppState, application: &Value) -> ApiResult<Vec<Value>> {
    let mut out = Vec::new();
    let Some(uploads) = application.get("uploads").and_then(Value::as_object) else {
        return Ok(out);
    };
    for (kind, id) in uploads {
        let Some(id) = id.as_str() else { continue };
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT content_type, size FROM uploads WHERE id = $1")
                .bind(id)
                .fetch_optional(&state.db.pool)
                .await?;
        let label = MaterialKind::ALL
            .iter()
            .find(|k| k.key() == kind)
            .map(|k| k.label_zh());
        out.push(json!({
            "kind": kind,
            "label": label,
            "id": id,
            "content_type": row.as_ref().map(|r| r.0.clone()),
            "bytes": row.map(|r| r.1),
        }));
    }
    Ok(out)
}

/// `GET /api/review/uploads/{id}`: the file, with its content type; never cached.
pub async fn review_download(
    State(state): State<AppState>,
    r: Reviewer,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let row: Option<(String, Vec<u8>)> =
        sqlx::query_as("SELECT content_type, bytes FROM uploads WHERE id = $1")
            .bind(&id)
            .fetch_optional(&state.db.pool)
            .await?;
    let (content_type, bytes) = row.ok_or_else(|| ApiError::not_found("文件"))?;
    let bytes = state.keys.pii.open_file(&id, bytes)?;
    super::review::audit_read(&state, &r, "view_upload", &format!("upload:{id}")).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}
