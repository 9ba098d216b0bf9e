//! Passwords (argon2id) and sessions (random token in an HttpOnly, SameSite=Strict cookie; only
//! its SHA-256 is stored). Citizens and reviewers have separate cookies and roles.
//!
//! Real deployments replace citizen login with 豫事办's real-name login: the seam is
//! [`Citizen`], the extractor every citizen route takes; only it and `citizens::login` change.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use sha2::{Digest, Sha256};

use super::error::{ApiError, ApiResult};
use super::limits;
use super::state::AppState;

pub const CITIZEN_COOKIE: &str = "ecard_session";
pub const REVIEWER_COOKIE: &str = "ecard_review";

/// Hashes a password with argon2id and a random salt (off the async threads: it is slow on
/// purpose).
pub async fn hash_password(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::getrandom(&mut salt).map_err(ApiError::internal)?;
        let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Checks a password against a stored hash.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Spends the time a password check takes, for a login name that does not exist, so that the
/// response time does not tell which names exist.
async fn spend_password_time(password: String) {
    let _ = tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(b"ecard-no-such-user").expect("fixed salt is valid");
        let _ = Argon2::default().hash_password(password.as_bytes(), &salt);
    })
    .await;
}

/// Checks a login with `login_name` whose account row `(id, display name, password hash)` the
/// caller looked up, and starts a session for `role`. An unknown name costs the same time as a
/// wrong password, and both get the same answer, `wrong` being what the person reads. Failures
/// per login name back off (`429 LOGIN_LOCKED` with `Retry-After`); a success clears them.
pub async fn login(
    state: &AppState,
    (role, login_name): (&str, &str),
    row: Option<(i64, String, String)>,
    password: String,
    wrong: &'static str,
) -> ApiResult<(Cookie<'static>, String)> {
    let account = format!("{role}:{login_name}");
    limits::refuse_if_locked(state, &account).await?;
    let result = check_password(row, password, wrong).await;
    match result {
        Ok((id, name)) => {
            limits::record_success(state, &account).await?;
            Ok((start_session(state, role, id).await?, name))
        }
        Err(e) => Err(limits::record_failure(state, &account).await?.unwrap_or(e)),
    }
}

async fn check_password(
    row: Option<(i64, String, String)>,
    password: String,
    wrong: &'static str,
) -> ApiResult<(i64, String)> {
    let bad = || {
        ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "BAD_CREDENTIALS",
            wrong,
        )
    };
    let Some((id, name, hash)) = row else {
        spend_password_time(password).await;
        return Err(bad());
    };
    if !verify_password(password, hash).await {
        return Err(bad());
    }
    Ok((id, name))
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session and returns the cookie that carries it.
pub async fn start_session(
    state: &AppState,
    role: &str,
    subject_id: i64,
) -> ApiResult<Cookie<'static>> {
    let mut raw = [0u8; 32];
    getrandom::getrandom(&mut raw).map_err(ApiError::internal)?;
    let token = hex::encode(raw);
    let expires = state.now() + state.config.session_secs;
    let (hash, stored_role) = (token_hash(&token), role.to_string());
    state
        .db
        .execute(
            sqlx::query(
                "INSERT INTO sessions (token_hash, role, subject_id, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(hash)
            .bind(stored_role)
            .bind(subject_id)
            .bind(expires),
        )
        .await?;
    let name = if role == "reviewer" {
        REVIEWER_COOKIE
    } else {
        CITIZEN_COOKIE
    };
    Ok(Cookie::build((name, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies)
        .path("/")
        .max_age(time::Duration::seconds(state.config.session_secs))
        .build())
}

/// Ends the session in `cookie`, if any.
pub async fn end_session(state: &AppState, jar: &CookieJar, cookie: &str) -> ApiResult<()> {
    if let Some(c) = jar.get(cookie) {
        let hash = token_hash(c.value());
        state
            .db
            .execute(sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(hash))
            .await?;
    }
    Ok(())
}

pub(crate) async fn session_subject(
    state: &AppState,
    parts: &mut Parts,
    cookie: &str,
    role: &str,
) -> ApiResult<i64> {
    let jar = CookieJar::from_headers(&parts.headers);
    let token = jar.get(cookie).ok_or_else(ApiError::unauthorized)?;
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT subject_id FROM sessions WHERE token_hash = $1 AND role = $2 AND expires_at > $3",
    )
    .bind(token_hash(token.value()))
    .bind(role)
    .bind(state.now())
    .fetch_optional(&state.db.pool)
    .await?;
    row.map(|(id,)| id).ok_or_else(ApiError::unauthorized)
}

/// A logged-in citizen (the card holder).
pub struct Citizen {
    pub user_id: i64,
}

/// A logged-in reviewer.
pub struct Reviewer {
    pub reviewer_id: i64,
}

impl FromRequestParts<AppState> for Citizen {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let user_id = session_subject(state, parts, CITIZEN_COOKIE, "citizen").await?;
        Ok(Citizen { user_id })
    }
}

impl FromRequestParts<AppState> for Reviewer {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let reviewer_id = session_subject(state, parts, REVIEWER_COOKIE, "reviewer").await?;
        if !staff_has_role(state, reviewer_id, "reviewer").await? {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "NOT_REVIEWER",
                "该账号没有审核权限",
            ));
        }
        Ok(Reviewer { reviewer_id })
    }
}

/// Whether staff account `id` has `role` (`reviewer`, `operator`) in its comma-separated roles.
pub(crate) async fn staff_has_role(state: &AppState, id: i64, role: &str) -> ApiResult<bool> {
    let row: Option<(String,)> = sqlx::query_as("SELECT roles FROM reviewers WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?;
    Ok(row.is_some_and(|(roles,)| roles.split(',').any(|r| r.trim() == role)))
}
