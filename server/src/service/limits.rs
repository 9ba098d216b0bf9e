//! Rate limits: per client address on logins and registration, per account (and address) on
//! applications, batches and credentials, answered `429` with `Retry-After`; and the back-off of
//! an account after failed logins, kept in the database so every instance sees it.
//!
//! The request counters are [`governor`]'s keyed GCRA limiters, in memory: with N instances
//! behind a load balancer a client gets at most N times the rate (the load balancer's own limit
//! is the place for a global one). Settings: [`RateLimits`], `ecard serve --rate-limits`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::{ApiError, ApiResult};
use super::state::AppState;

/// `count` requests per `per_secs` seconds, in a burst or spread out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per_secs: u32,
}

impl Rate {
    pub const fn new(count: u32, per_secs: u32) -> Self {
        Rate { count, per_secs }
    }

    fn quota(self) -> Option<Quota> {
        let count = NonZeroU32::new(self.count)?;
        let period = Duration::from_secs(u64::from(self.per_secs.max(1))) / self.count;
        Some(Quota::with_period(period.max(Duration::from_nanos(1)))?.allow_burst(count))
    }
}

/// The back-off after failed logins of one account: `free` failures cost nothing, each further
/// one locks the account for `base_secs` doubled per failure, at most `max_secs`. A success
/// clears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: u32,
    pub base_secs: i64,
    pub max_secs: i64,
}

impl Backoff {
    /// How long the account is locked after `failures` failures in a row.
    pub fn lock_secs(self, failures: i64) -> i64 {
        let over = failures - i64::from(self.free);
        if over <= 0 {
            return 0;
        }
        let doubled = self.base_secs.saturating_mul(1i64 << (over - 1).min(30));
        doubled.min(self.max_secs)
    }
}

/// Every limit; `None` turns one off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Citizen and reviewer logins, per client address.
    pub login: Option<Rate>,
    /// Registrations, per client address.
    pub register: Option<Rate>,
    /// Applications and batch uploads, per account.
    pub apply: Option<Rate>,
    /// Applications and batch uploads, per client address.
    pub apply_per_address: Option<Rate>,
    /// Credential requests, per account.
    pub credential: Option<Rate>,
    /// Uploaded files (materials), per account.
    pub upload: Option<Rate>,
    /// Venue bookings and cancellations, per account.
    pub booking: Option<Rate>,
    /// Scan-log uploads of gates, per client address.
    pub gate_scans: Option<Rate>,
    /// Failed logins per account.
    pub backoff: Backoff,
}

impl RateLimits {
    /// What `ecard serve` uses unless told otherwise (documented in docs/SECURITY.md).
    pub fn production() -> Self {
        RateLimits {
            login: Some(Rate::new(10, 60)),
            register: Some(Rate::new(20, 3_600)),
            apply: Some(Rate::new(10, 3_600)),
            apply_per_address: Some(Rate::new(120, 3_600)),
            credential: Some(Rate::new(30, 3_600)),
            upload: Some(Rate::new(60, 3_600)),
            booking: Some(Rate::new(30, 3_600)),
            gate_scans: Some(Rate::new(120, 60)),
            backoff: Backoff {
                free: 5,
                base_secs: 30,
                max_secs: 3_600,
            },
        }
    }

    /// No request limits, and a back-off that starts late: what in-process tests and
    /// `Config::default()` get, so that a test sending many requests is not throttled.
    pub fn generous() -> Self {
        RateLimits {
            login: None,
            register: None,
            apply: None,
            apply_per_address: None,
            credential: None,
            upload: None,
            booking: None,
            gate_scans: None,
            backoff: Backoff {
                free: 20,
                base_secs: 1,
                max_secs: 60,
            },
        }
    }

    /// `production`, `off`, or either followed by `,name=COUNT/SECONDS` (or `name=off`)
    /// overrides; names: `login`, `register`, `apply`, `apply_per_address`, `credential`,
    /// `upload`, `booking`, `gate_scans`, and
    /// `backoff=FREE/BASE_SECS/MAX_SECS`. A bare list of overrides starts from `production`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut parts = spec.split(',').map(str::trim).filter(|p| !p.is_empty());
        let mut limits = RateLimits::production();
        let mut rest: Vec<&str> = Vec::new();
        match parts.next() {
            Some("production") | None => {}
            Some("off") => {
                limits = RateLimits::generous();
                limits.backoff.free = u32::MAX;
            }
            Some(other) => rest.push(other),
        }
        rest.extend(parts);
        for item in rest {
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| format!("rate limit `{item}`: expected name=COUNT/SECONDS"))?;
            let numbers: Vec<i64> = if value == "off" {
                vec![]
            } else {
                value
                    .split('/')
                    .map(|n| {
                        n.trim()
                            .parse::<i64>()
                            .map_err(|e| format!("`{item}`: {e}"))
                    })
                    .collect::<Result<_, _>>()?
            };
            let rate = match numbers.as_slice() {
                [] => None,
                [c, s] if *c > 0 && *s > 0 && *c <= i64::from(u32::MAX) => {
                    Some(Rate::new(*c as u32, (*s).min(i64::from(u32::MAX)) as u32))
                }
                [f, b, m] if name == "backoff" && *f >= 0 && *b >= 0 && *m >= *b => {
                    limits.backoff = Backoff {
                        free: (*f).min(i64::from(u32::MAX)) as u32,
                        base_secs: *b,
                        max_secs: *m,
                    };
                    continue;
                }
                _ => return Err(format!("rate limit `{item}`: expected COUNT/SECONDS")),
            };
            let slot = match name {
                "login" => &mut limits.login,
                "register" => &mut limits.register,
                "apply" => &mut limits.apply,
                "booking" => &mut limits.booking,
                "apply_per_address" => &mut limits.apply_per_address,
                "credential" => &mut limits.credential,
                "upload" => &mut limits.upload,
                "gate_scans" => &mut limits.gate_scans,
                "backoff" if rate.is_none() => {
                    limits.backoff.free = u32::MAX;
                    continue;
                }
                _ => return Err(format!("unknown rate limit `{name}`")),
            };
            *slot = rate;
        }
        Ok(limits)
    }
}

/// One keyed limiter.
struct Bucket(Option<DefaultKeyedRateLimiter<String>>);

impl Bucket {
    fn new(rate: Option<Rate>) -> Self {
        Bucket(rate.and_then(Rate::quota).map(RateLimiter::keyed))
    }

    /// `Err(seconds to wait)` when `key` is over its rate.
    fn check(&self, key: &str) -> Result<(), u64> {
        let Some(limiter) = &self.0 else {
            return Ok(());
        };
        if limiter.len() > 100_000 {
            // Forget clients whose allowance is full again: memory stays bounded.
            limiter.retain_recent();
        }
        limiter.check_key(&key.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// The limiters of one instance.
pub struct Limiters {
    login: Bucket,
    register: Bucket,
    apply: Bucket,
    apply_per_address: Bucket,
    credential: Bucket,
    upload: Bucket,
    booking: Bucket,
    gate_scans: Bucket,
}

impl Limiters {
    pub fn new(l: &RateLimits) -> Self {
        Limiters {
            login: Bucket::new(l.login),
            register: Bucket::new(l.register),
            apply: Bucket::new(l.apply),
            apply_per_address: Bucket::new(l.apply_per_address),
            credential: Bucket::new(l.credential),
            upload: Bucket::new(l.upload),
            booking: Bucket::new(l.booking),
            gate_scans: Bucket::new(l.gate_scans),
        }
    }
}

/// `429 TOO_MANY_REQUESTS` with `Retry-After`.
pub fn too_many(retry_after: u64) -> ApiError {
    let secs = retry_after.max(1);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TOO_MANY_REQUESTS",
        format!("请求过于频繁，请 {secs} 秒后再试"),
    );
    e.retry_after = Some(secs);
    e
}

/// The client's address: the last entry of the configured header set by the reverse proxy in
/// front (when configured and present), else the connection's peer.
pub fn client_address(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if let Some(name) = &state.config.client_ip_header {
        if let Some(value) = headers.get(name.as_str()).and_then(|v| v.to_str().ok()) {
            if let Some(last) = value.rsplit(',').map(str::trim).find(|s| !s.is_empty()) {
                if let Ok(ip) = last.parse::<IpAddr>() {
                    return ip.to_string();
                }
            }
        }
    }
    peer.map_or_else(|| "unknown".to_string(), |p| p.ip().to_string())
}

/// Middleware on `/api`: the per-address limits, by route.
pub async fn per_address(
    State((state, limiters)): State<(AppState, Arc<Limiters>)>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    // Paths below `/api` (the layer is on the nested router, which sees them without it).
    let bucket = match req.uri().path() {
        "/citizens/login" | "/review/login" => &limiters.login,
        "/citizens/register" => &limiters.register,
        "/applications" | "/batches" => &limiters.apply_per_address,
        "/gates/scans" => &limiters.gate_scans,
        _ => return next.run(req).await,
    };
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let address = client_address(&state, req.headers(), peer);
    match bucket.check(&address) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            tracing::info!(path = req.uri().path(), "rate limited (address)");
            too_many(wait).into_response()
        }
    }
}

/// What an account may do at a limited rate.
#[derive(Debug, Clone, Copy)]
pub enum AccountAction {
    Apply,
    Credential,
    Upload,
    Booking,
}

/// The per-account limit of `action` for `user_id`.
pub fn per_account(limiters: &Limiters, action: AccountAction, user_id: i64) -> ApiResult<()> {
    let bucket = match action {
        AccountAction::Apply => &limiters.apply,
        AccountAction::Credential => &limiters.credential,
        AccountAction::Upload => &limiters.upload,
        AccountAction::Booking => &limiters.booking,
    };
    bucket.check(&user_id.to_string()).map_err(|wait| {
        tracing::info!(user_id, ?action, "rate limited (account)");
        too_many(wait)
    })
}

/// Refuses a login while `account` is locked after failed attempts (`429 LOGIN_LOCKED`).
pub async fn refuse_if_locked(state: &AppState, account: &str) -> ApiResult<()> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT locked_until FROM login_failures WHERE account = $1")
            .bind(account)
            .fetch_optional(&state.db.pool)
            .await?;
    let now = state.now();
    match row {
        Some((until,)) if until > now => Err(locked(until - now)),
        _ => Ok(()),
    }
}

fn locked(secs: i64) -> ApiError {
    let secs = secs.max(1) as u64;
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "LOGIN_LOCKED",
        format!("登录失败次数过多，请 {secs} 秒后再试"),
    );
    e.retry_after = Some(secs);
    e
}

/// How long failures are remembered after the last one (and its lock) are over.
const FORGET_AFTER_SECS: i64 = 86_400;

/// Counts a failed login of `account`; the error to answer when it now locks the account.
/// Accounts whose last failure and lock are a day past are forgotten, so the table stays small
/// (made-up login names included).
pub async fn record_failure(state: &AppState, account: &str) -> ApiResult<Option<ApiError>> {
    let now = state.now();
    let backoff = state.config.rate_limits.backoff;
    let account = account.to_string();
    let (failures, secs) = state
        .db
        .write_statements(move |conn| {
            Box::pin(async move {
                sqlx::query(
                    "DELETE FROM login_failures WHERE last_failure_at < $1 AND locked_until < $1",
                )
                .bind(now - FORGET_AFTER_SECS)
                .execute(&mut *conn)
                .await?;
                let (failures,): (i64,) = sqlx::query_as(
                    "INSERT INTO login_failures (account, failures, locked_until, last_failure_at) \
                     VALUES ($1, 1, 0, $2) ON CONFLICT (account) DO UPDATE \
                     SET failures = login_failures.failures + 1, last_failure_at = $2 RETURNING failures",
                )
                .bind(&account)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?;
                let secs = backoff.lock_secs(failures);
                if secs > 0 {
                    sqlx::query("UPDATE login_failures SET locked_until = $1 WHERE account = $2")
                        .bind(now + secs)
                        .bind(&account)
                        .execute(&mut *conn)
                        .await?;
                }
                Ok::<_, sqlx::Error>((failures, secs))
            })
        })
        .await?;
    if secs == 0 {
        return Ok(None);
    }
    tracing::info!(failures, lock_secs = secs, "login locked after failures");
    Ok(Some(locked(secs)))
}

/// A successful login clears the account's failures.
pub async fn record_success(state: &AppState, account: &str) -> ApiResult<()> {
    let account = account.to_string();
    state
        .db
        .execute(sqlx::query("DELETE FROM login_failures WHERE account = $1").bind(account))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = RateLimits::production().backoff;
        let locks: Vec<i64> = (1..=12).map(|n| b.lock_secs(n)).collect();
        assert_eq!(locks, [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920]);
        assert_eq!(b.lock_secs(40), 3_600);
    }

    #[test]
    fn specs_parse_and_bad_ones_are_refused() {
        assert_eq!(
            RateLimits::parse("production").unwrap(),
            RateLimits::production()
        );
        let l = RateLimits::parse("off,login=3/60").unwrap();
        assert_eq!(l.login, Some(Rate::new(3, 60)));
        assert_eq!(l.register, None);
        let l = RateLimits::parse("apply=off,backoff=2/10/100").unwrap();
        assert_eq!(l.apply, None);
        assert_eq!(l.backoff.lock_secs(3), 10);
        assert!(RateLimits::parse("login=3").is_err());
        assert!(RateLimits::parse("nonsense=1/1").is_err());
        assert!(RateLimits::parse("login=0/10").is_err());
    }
}
