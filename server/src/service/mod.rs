//! `ecard serve`: the issuing service. Citizens register, apply and get e-card credentials;
//! reviewers decide and act on cards; gates sync signed bundles and upload scan logs. The API
//! is documented in `docs/API.md`.

mod applications;
mod auth;
mod batches;
mod bookings;
mod cards;
mod citizens;
pub mod db;
mod ecard;
mod error;
mod extract;
mod gates;
mod headers;
mod holders;
pub mod keystore;
pub mod limits;
pub mod pii;
mod review;
pub mod state;
mod uploads;
mod validate;
mod venues;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use axum::{Extension, Router};
use tower_http::services::ServeDir;

pub use auth::hash_password;
/// The CSV roster check of `POST /api/batches`, without I/O (the fuzz target calls it).
pub use batches::{check_roster, Roster};
use db::Db;
use keystore::KeyStore;
use state::{AppState, Config};

/// Largest JSON body (a gate's upload of 1,000 scan logs fits); uploads and batches read
/// their bodies with their own limits.
const JSON_BODY_LIMIT: usize = 256 * 1024;

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let www = ServeDir::new(&state.config.www_dir);
    let api = Router::new()
        .route("/time", get(gates::time))
        .route("/citizens/register", post(citizens::register))
        .route("/citizens/login", post(citizens::login))
        .route("/citizens/logout", post(citizens::logout))
        .route("/me", get(citizens::me))
        .route("/me/details", get(citizens::details))
        .route(
            "/applications",
            post(applications::submit).get(applications::list_mine),
        )
        .route("/applications/{id}", get(applications::get_mine))
        .route("/uploads", post(uploads::upload))
        .route("/batches", post(batches::submit))
        .route("/batches/{id}/photos", post(batches::photos))
        .route("/ecard/credential", post(ecard::issue))
        .route("/review/login", post(review::login))
        .route("/review/logout", post(review::logout))
        .route("/review/queue", get(review::queue))
        .route("/review/applications/{id}", get(review::detail))
        .route("/review/applications/{id}/approve", post(review::approve))
        .route("/review/applications/{id}/reject", post(review::reject))
        .route(
            "/review/applications/{id}/card-issued",
            post(review::card_issued),
        )
        .route("/review/cards/{number}/actions", post(review::card_action))
        .route("/review/batches", get(batches::list))
        .route("/review/batches/{id}", get(batches::detail))
        .route("/review/batches/{id}/approve", post(batches::approve))
        .route("/review/audit", get(review::audit_log))
        .route("/review/uploads/{id}", get(uploads::review_download))
        .route("/gates/root", get(gates::root))
        .route("/gates/bundle", get(gates::bundle))
        .route("/gates/scans", post(gates::upload_scans))
        .route("/venues", get(venues::list).post(venues::create))
        .route(
            "/venues/{id}",
            get(venues::availability).put(venues::update),
        )
        .route("/venues/{id}/passes", post(venues::grant_pass))
        .route("/venues/{id}/gate-token", post(venues::new_gate_token))
        .route("/venues/{id}/attendance", get(venues::attendance))
        .route("/bookings", get(bookings::mine).post(bookings::book))
        .route("/bookings/{id}/cancel", post(bookings::cancel))
        .fallback(|| async { error::ApiError::not_found("接口") });
    let limiters = Arc::new(limits::Limiters::new(&state.config.rate_limits));
    let api = api
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(Extension(Arc::clone(&limiters)))
        .layer(middleware::from_fn_with_state(
            (state.clone(), limiters),
            limits::per_address,
        ));
    Router::new()
        .nest("/api", api)
        .fallback_service(www)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::secure,
        ))
        .with_state(state)
}

/// Where the data lives.
pub struct Storage<'a> {
    pub data_dir: &'a Path,
    pub database_url: Option<&'a str>,
}

/// Opens the database (SQLite in the data directory unless a PostgreSQL URL is given).
pub async fn open_db(s: &Storage<'_>) -> Result<Db, String> {
    std::fs::create_dir_all(s.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", s.data_dir.display()))?;
    let db = match s.database_url {
        Some(url) if url.starts_with("postgres") => Db::open_postgres(url).await,
        Some(other) => {
            return Err(format!(
                "unsupported database URL (expected postgres://…): {other}"
            ))
        }
        None => Db::open_sqlite(s.data_dir).await,
    };
    db.map_err(|e| format!("database: {e}"))
}

/// Opens everything and serves until Ctrl-C or SIGTERM.
pub async fn serve(listen: SocketAddr, storage: Storage<'_>, config: Config) -> Result<(), String> {
    let clock = state::system_clock();
    let keys = KeyStore::open_or_create(storage.data_dir, clock()).map_err(|e| e.to_string())?;
    let db = open_db(&storage).await?;
    pii::seal_existing(&db, &keys.pii)
        .await
        .map_err(|e| format!("sealing personal data: {}", e.message))?;
    let state = AppState {
        db,
        keys: Arc::new(keys),
        clock,
        config: Arc::new(config),
        confirmations: state::no_confirmations(),
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let backend = if storage.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "ecard serve: http://{listen}/  ({backend}, data in {})",
        storage.data_dir.display()
    );
    // The peer address is the client's for the rate limits (unless a proxy header is set).
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
    .map_err(|e| e.to_string())
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("signal handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
