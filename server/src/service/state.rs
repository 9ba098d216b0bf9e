//! What every request handler shares. Nothing here is state another instance would need:
//! the database holds all of it, the keys are files every instance reads.

use std::path::PathBuf;
use std::sync::Arc;

use ecard_core::rules::application::ApplicationForm;
use ecard_core::rules::{RulesConfig, SharedDataConfirmations};

use super::db::Db;
use super::keystore::KeyStore;
use super::limits::RateLimits;

/// Unix seconds, from the system clock in production and a fixed clock in tests.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Settings of one deployment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Days a device credential is valid (short: revocation lists stay small).
    pub credential_days: i64,
    /// How long a gate may use a sync bundle offline.
    pub bundle_usable_secs: i64,
    /// Session lifetime.
    pub session_secs: i64,
    /// Region code written into credentials (GB/T 2260; 410721 新乡县).
    pub region: u32,
    /// Mark cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// The pages served at `/`.
    pub www_dir: PathBuf,
    /// The application rules (minors, photo, banks, window hours), as on the phone.
    pub rules: RulesConfig,
    /// Request rates and the login back-off. The default is generous (tests);
    /// `ecard serve` uses `RateLimits::production()` unless told otherwise.
    pub rate_limits: RateLimits,
    /// The header a trusted reverse proxy sets to the client's address (`X-Forwarded-For`,
    /// `X-Real-IP`); without one, the connection's peer address is the client's.
    pub client_ip_header: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            credential_days: 7,
            bundle_usable_secs: 3 * 86_400,
            session_secs: 8 * 3_600,
            region: 410_721,
            secure_cookies: false,
            www_dir: PathBuf::from("www"),
            rules: RulesConfig::default(),
            rate_limits: RateLimits::generous(),
            client_ip_header: None,
        }
    }
}

/// Shared by all handlers.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: Arc<KeyStore>,
    pub clock: Clock,
    pub config: Arc<Config>,
    /// The seam to the provincial data-sharing service.
    pub confirmations: Confirmations,
}

impl AppState {
    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    })
}

/// What the provincial data-sharing service confirmed about the applicant of a form; each
/// confirmed fact waives the material that would prove it. `None`: no answer, nothing waived.
pub type Confirmations =
    Arc<dyn Fn(&ApplicationForm) -> Option<SharedDataConfirmations> + Send + Sync>;

/// No data-sharing service configured: every material must be uploaded.
pub fn no_confirmations() -> Confirmations {
    Arc::new(|_| None)
}
