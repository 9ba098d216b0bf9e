//! Headers on every response, errors included, and the refusal of state-changing requests that
//! come from another site (a forged form or script on someone else's page).

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::state::AppState;

/// Pages load only their own scripts, styles and wasm (`wasm-unsafe-eval` lets the browser
/// compile the package), may not be framed, and talk only to this origin.
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
    img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Whether a request that changes something was sent by a page of another site.
fn from_foreign_site(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return true;
        }
    }
    let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST))
    else {
        return false; // not a browser page (command line, gate software, tests)
    };
    let (Ok(origin), Ok(host)) = (origin.to_str(), host.to_str()) else {
        return true;
    };
    origin.split_once("://").map(|(_, h)| h) != Some(host)
}

/// The middleware: refuse foreign state-changing requests, then add the headers.
pub async fn secure(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let mut res = if from_foreign_site(req.method(), req.headers()) {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "FOREIGN_ORIGIN",
            "拒绝来自其他网站的请求",
        )
        .into_response()
    } else {
        next.run(req).await
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        let policy = if is_api {
            // API answers may carry personal data: never stored by browsers or proxies.
            "no-store"
        } else {
            // Pages, scripts and wasm packages: kept, but checked with the service before each
            // use (`If-Modified-Since`, answered 304 with no body when unchanged). Without it a
            // browser may reuse a file for a tenth of its age unchecked, so a phone could take a
            // new page with an old wasm package into its offline cache after a release.
            "no-cache"
        };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    res
}
