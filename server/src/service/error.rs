//! The one error type of the HTTP API: a status, a stable English code, a Chinese message for
//! the person, and the field at fault when there is one. The detail of server faults goes to
//! the log (without personal data), never to the client.

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ecard_core::rules::Problem;
use serde::Serialize;

/// An API error, rendered as JSON `{code, message, field?}`.
#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Cow<'static, str>>,
    /// Every problem found, when a whole form or file was checked at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<Problem>>,
    /// Seconds to wait before trying again (`429`): also sent as `Retry-After`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            problems: None,
            retry_after: None,
        }
    }

    /// 422 for a field that fails validation.
    pub fn field(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            field: Some(Cow::Borrowed(field)),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
        }
    }

    /// 422 listing every problem; `field` is the first problem's (when it names one).
    pub fn problems(
        code: &'static str,
        message: impl Into<String>,
        problems: Vec<Problem>,
    ) -> Self {
        let field = problems
            .first()
            .map(|p| p.field.clone())
            .filter(|f| !f.is_empty())
            .map(Cow::Owned);
        ApiError {
            field,
            problems: Some(problems),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", format!("{what}不存在"))
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "NOT_LOGGED_IN", "请先登录")
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// A server fault: logged with its detail, reported to the client without it.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "服务暂时不可用，请稍后再试",
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::internal(format!("database: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = self.retry_after;
        let mut res = (self.status, Json(self)).into_response();
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}
