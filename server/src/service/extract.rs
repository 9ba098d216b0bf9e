//! Extractors that turn a malformed request into the API's own JSON error, naming the field
//! when the parser knows it, instead of axum's plain-text rejections.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON body.
pub struct Json<T>(pub T);

/// A path parameter.
pub struct Path<T>(pub T);

/// Query parameters.
pub struct Query<T>(pub T);

/// The field a serde error names: `path: invalid type …` (axum reports the path first) or
/// `missing field `phone`` / `unknown field `x``.
fn named_field(detail: &str) -> Option<String> {
    let rest = detail
        .split_once("target type: ")
        .map_or(detail, |(_, r)| r);
    if let Some((path, _)) = rest.split_once(": ") {
        if !path.is_empty() && !path.contains(' ') {
            return Some(path.chars().take(64).collect());
        }
    }
    let start = rest.find('`')? + 1;
    let end = start + rest[start..].find('`')?;
    Some(rest[start..end].chars().take(64).collect())
}

fn bad_json(detail: String) -> ApiError {
    let field = named_field(&detail);
    let message = match (
        &field,
        detail.contains("missing field"),
        detail.contains("unknown field"),
    ) {
        (Some(f), true, _) => format!("缺少必填项 {f}"),
        (Some(f), _, true) => format!("不认识的字段 {f}"),
        (Some(f), _, _) => format!("{f} 的格式不正确"),
        (None, _, _) if detail.contains("deserialize") => "请求内容的结构不正确".to_string(),
        (None, _, _) => "请求内容不是有效的 JSON".to_string(),
    };
    let mut e = ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST_BODY", message);
    e.field = field.map(std::borrow::Cow::Owned);
    e
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(bad_json(e.body_text())),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "JSON_REQUIRED",
                "请求内容须为 JSON（Content-Type: application/json）",
            )),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BODY_TOO_LARGE",
                "请求内容过大",
            )),
            Err(e) => Err(bad_json(e.body_text())),
        }
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|e: PathRejection| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    format!("地址无效：{}", e.body_text()),
                )
            })
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e: QueryRejection| bad_json(e.body_text()))
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}
