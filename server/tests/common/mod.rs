//! What the service tests share: people with valid ID numbers, a throwaway PostgreSQL database
//! per test (when `ECARD_TEST_DATABASE_URL` is set), and an in-process harness that drives
//! `ecard::service::app` with a settable clock and a cookie jar per user.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

/// Declares each test once per backend.
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let h = super::Harness::start(super::Backend::Sqlite).await.expect("SQLite");
                    super::$name(h).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(h) = super::Harness::start(super::Backend::Postgres).await {
                        super::$name(h).await;
                    }
                }
            )*
        }
    };
}

/// As `on_both_backends!`, each test on a runtime of 4 threads: for requests that must really
/// run at once (races, group commits).
#[allow(unused_macros)]
macro_rules! on_both_backends_threaded {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let h = super::Harness::start(super::Backend::Sqlite).await.expect("SQLite");
                    super::$name(h).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(h) = super::Harness::start(super::Backend::Postgres).await {
                        super::$name(h).await;
                    }
                }
            )*
        }
    };
}

pub mod process;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use ecard::service::db::Db;
use ecard::service::keystore::KeyStore;
use ecard::service::state::{self as service_state, AppState, Clock, Config, Confirmations};
use ecard_core::format::bundle::SyncBundle;
use ecard_core::rules::SharedDataConfirmations;
use ecard_core::{Gate, GatePolicy, Scene, SigningKey};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::{Connection, Executor};
use tempfile::TempDir;
use tower::ServiceExt;

/// 2026-11-29 10:00:00 CST: every in-process test starts at this time.
pub const NOW: i64 = 1_795_917_600;
/// Step length of the codes the test wallets make.
pub const STEP: u8 = 30;
/// The identity point: a valid encoding of a small-order (weak) public key.
pub const IDENTITY_POINT: &str = "0100000000000000000000000000000000000000000000000000000000000000";
/// What the citizen tests use as a password (letters and digits).
pub const PASSWORD: &str = "secret2026";
/// Reviewer passwords must be at least 12 characters.
pub const REVIEWER_PASSWORD: &str = "review-pass-2026";

/// An ID number: the 17 given digits and their GB 11643 check character.
pub fn id_number(first17: &str) -> String {
    assert_eq!(first17.len(), 17, "{first17}");
    let check = ecard_core::rules::id_number::check_char(first17.as_bytes());
    format!("{first17}{}", check as char)
}

/// Someone who registers and applies.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: &'static str,
    pub id_number: String,
    pub phone: &'static str,
}

impl Person {
    /// 张三, born 1949-12-31 (11010519491231002X, the ID number of the standard's example).
    pub fn zhang() -> Self {
        Person {
            name: "张三",
            id_number: id_number("11010519491231002"),
            phone: "13800000001",
        }
    }

    /// 李四, born 1985 in 新乡县.
    pub fn li() -> Self {
        Person {
            name: "李四",
            id_number: id_number("41072119850315123"),
            phone: "13800000002",
        }
    }

    /// 王小明, a minor born 2015.
    pub fn minor() -> Self {
        Person {
            name: "王小明",
            id_number: id_number("41072120150601004"),
            phone: "13800000003",
        }
    }

    pub fn masked_id(&self) -> String {
        format!("{}********{}", &self.id_number[..6], &self.id_number[14..])
    }

    pub fn register_body(&self) -> Value {
        json!({ "name": self.name, "id_number": self.id_number, "phone": self.phone, "password": PASSWORD })
    }

    pub fn login_body(&self) -> Value {
        json!({ "phone": self.phone, "password": PASSWORD })
    }

    /// 王大明, 王小明's father, born 1985.
    pub fn father() -> Self {
        Person {
            name: "王大明",
            id_number: id_number("41072119850101001"),
            phone: "13800000004",
        }
    }

    /// True for [`Person::minor`] (born 2015).
    pub fn is_minor(&self) -> bool {
        &self.id_number[6..10] >= "2011"
    }

    /// `p`'s application form (citizen, resident ID, 由人社部门指定 bank, online) with no
    /// materials: enough when the harness confirms every shared fact (the default). A minor's
    /// form names [`Person::father`] as guardian.
    pub fn application(&self) -> Value {
        self.application_with(json!({}))
    }

    /// As [`Person::application`] with the given `materials` (kind → upload id).
    pub fn application_with(&self, materials: Value) -> Value {
        let mut form = json!({
            "category": "citizen",
            "name": self.name,
            "phone": self.phone,
            "document": { "kind": "resident_id", "number": self.id_number },
            "service_bank": "assign",
            "channel": "self_online",
            "materials": materials,
        });
        if self.is_minor() {
            let f = Person::father();
            form["guardian"] = json!({
                "name": f.name, "id_number": f.id_number, "relation": "father",
                "proof": "household_register",
            });
        }
        form
    }
}

/// A card photo that passes the photo rules (358×441 JPEG on white).
pub const GOOD_PHOTO: &[u8] = include_bytes!("../../../tests/fixtures/photos/good.jpg");
/// A PNG saved as `.jpg`.
pub const PNG_RENAMED_PHOTO: &[u8] =
    include_bytes!("../../../tests/fixtures/photos/png_renamed.jpg");
/// A JPEG of the wrong size.
pub const WRONG_SIZE_PHOTO: &[u8] = include_bytes!("../../../tests/fixtures/photos/wrong_size.jpg");
/// A tiny document scan (a PDF header is all the server looks at).
pub const SCAN_PDF: &[u8] = b"%PDF-1.4\n% scan of a document\n%%EOF\n";

/// What the tests upload as material `kind`: the good photo, else a PDF scan; with its type.
pub fn material_file(kind: &str) -> (&'static str, &'static [u8]) {
    if kind == "photo" {
        ("image/jpeg", GOOD_PHOTO)
    } else {
        ("application/pdf", SCAN_PDF)
    }
}

/// The materials a citizen must upload when nothing is confirmed by data sharing.
pub fn citizen_materials(minor: bool) -> &'static [&'static str] {
    if minor {
        &[
            "household_register",
            "photo",
            "guardian_id_front",
            "guardian_id_back",
            "guardianship_proof",
        ]
    } else {
        &[
            "household_register",
            "id_card_front",
            "id_card_back",
            "photo",
        ]
    }
}

/// A device key from a fixed seed (tests) — the phone's key.
pub fn device_key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::getrandom(&mut b).expect("random bytes");
    hex::encode(b)
}

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh PostgreSQL database on the server of `ECARD_TEST_DATABASE_URL`, dropped (with its
/// connections) when this value is dropped, also when the test panics.
pub struct PgDatabase {
    /// URL of the fresh database.
    pub url: String,
    admin_url: String,
    name: String,
}

impl PgDatabase {
    /// Creates the database; `None` (after saying so) when no PostgreSQL server is configured.
    pub async fn create() -> Option<Self> {
        let Ok(admin_url) = std::env::var("ECARD_TEST_DATABASE_URL") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but ECARD_TEST_DATABASE_URL is not: the PostgreSQL tests must run in CI"
            );
            eprintln!("skipped: ECARD_TEST_DATABASE_URL not set (PostgreSQL variant)");
            return None;
        };
        let name = format!("ecard_t_{}", random_hex(8));
        let mut conn = sqlx::postgres::PgConnection::connect(&admin_url)
            .await
            .expect("connect to ECARD_TEST_DATABASE_URL");
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("CREATE DATABASE (the role needs CREATEDB)");
        conn.close().await.ok();
        Some(PgDatabase {
            url: with_database(&admin_url, &name),
            admin_url,
            name,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime: do the async work on a thread of its own.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let mut conn = sqlx::postgres::PgConnection::connect(&admin_url).await?;
                conn.execute(sql.as_str()).await?;
                conn.close().await
            })
        })
        .join();
        if let Ok(Err(e)) = done {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// `url` with its database name replaced by `db` (query parameters kept).
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[host_start..].find('/') {
        Some(i) => &base[..host_start + i],
        None => base,
    };
    format!("{server}/{db}{query}")
}

/// The cookies one user's browser holds.
#[derive(Debug, Default, Clone)]
pub struct Jar(BTreeMap<String, String>);

impl Jar {
    /// No cookies: an anonymous caller.
    pub fn none() -> Self {
        Jar::default()
    }

    fn header(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| {
            self.0
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn store(&mut self, headers: &HeaderMap) {
        for h in headers.get_all("set-cookie") {
            let text = h.to_str().expect("set-cookie is ASCII");
            let pair = text.split(';').next().unwrap_or("");
            let (name, value) = pair.split_once('=').expect("name=value");
            let expired = text.to_ascii_lowercase().contains("max-age=0");
            if value.is_empty() || expired {
                self.0.remove(name.trim());
            } else {
                self.0.insert(name.trim().to_string(), value.to_string());
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_string(), value.to_string());
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    /// The body as JSON, or `null` when it is not JSON.
    pub json: Value,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: StatusCode) -> &Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.text());
        &self.json
    }

    /// Asserts a JSON error: status, `code`, `field` (or its absence) and a message.
    #[track_caller]
    pub fn expect_error(&self, status: StatusCode, code: &str, field: Option<&str>) {
        assert_eq!(self.status, status, "unexpected answer: {}", self.text());
        assert_eq!(self.json["code"], code, "{}", self.text());
        assert_eq!(self.json["field"].as_str(), field, "{}", self.text());
        let message = self.json["message"].as_str().unwrap_or("");
        assert!(
            !message.is_empty(),
            "error without a message: {}",
            self.text()
        );
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A data-sharing service that confirms every fact: no material needs uploading.
pub fn confirm_everything() -> Confirmations {
    Arc::new(|_| {
        Some(SharedDataConfirmations {
            household_register: true,
            identity: true,
            photo: true,
            guardian_identity: true,
            guardianship: true,
            employment: true,
            insurance: true,
        })
    })
}

/// The service in-process, with its own data directory, database and clock.
pub struct Harness {
    pub app: Router,
    pub state: AppState,
    pub backend: Backend,
    now: Arc<AtomicI64>,
    // Dropped after the pool above: the database, then the data directory.
    _pg: Option<PgDatabase>,
    _dir: TempDir,
}

impl Harness {
    /// A new service at time [`NOW`]; `None` when the backend is PostgreSQL and no server is
    /// configured.
    pub async fn start(backend: Backend) -> Option<Harness> {
        Self::start_with(backend, confirm_everything()).await
    }

    /// A new service without a data-sharing service: every material must be uploaded.
    pub async fn start_strict(backend: Backend) -> Option<Harness> {
        Self::start_with(backend, service_state::no_confirmations()).await
    }

    /// A new service with the given data-sharing answers.
    pub async fn start_with(backend: Backend, confirmations: Confirmations) -> Option<Harness> {
        Self::start_configured(backend, confirmations, Config::default()).await
    }

    /// A new service with the given data-sharing answers and settings (rate limits, …).
    pub async fn start_configured(
        backend: Backend,
        confirmations: Confirmations,
        config: Config,
    ) -> Option<Harness> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db, pg) = match backend {
            Backend::Sqlite => (
                Db::open_sqlite(dir.path()).await.expect("open SQLite"),
                None,
            ),
            Backend::Postgres => {
                let pg = PgDatabase::create().await?;
                let db = Db::open_postgres(&pg.url).await.expect("open PostgreSQL");
                (db, Some(pg))
            }
        };
        let keys = KeyStore::open_or_create(dir.path(), NOW).expect("keys");
        let now = Arc::new(AtomicI64::new(NOW));
        let read = Arc::clone(&now);
        let clock: Clock = Arc::new(move || read.load(Ordering::SeqCst));
        let state = AppState {
            db,
            keys: Arc::new(keys),
            clock,
            config: Arc::new(config),
            confirmations,
        };
        Some(Harness {
            app: ecard::service::app(state.clone()),
            state,
            backend,
            now,
            _pg: pg,
            _dir: dir,
        })
    }

    pub fn now(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    /// The data directory (keys, and the SQLite file on SQLite).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// The PostgreSQL database's URL, on PostgreSQL.
    pub fn database_url(&self) -> Option<&str> {
        self._pg.as_ref().map(|p| p.url.as_str())
    }

    pub fn set_now(&self, t: i64) {
        self.now.store(t, Ordering::SeqCst);
    }

    /// Sends a request as the holder of `jar`, keeping the cookies it sets.
    pub async fn send(&self, jar: &mut Jar, mut req: Request<Body>) -> Resp {
        if let Some(cookie) = jar.header() {
            req.headers_mut()
                .insert("cookie", cookie.parse().expect("cookie header"));
        }
        let resp = self.app.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        jar.store(&headers);
        let bytes = resp
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            bytes,
            json,
        }
    }

    /// Any request; `body` is sent as is, with the given headers.
    pub async fn request(
        &self,
        jar: &mut Jar,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(jar, b.body(body).expect("request")).await
    }

    pub async fn get(&self, jar: &mut Jar, path: &str) -> Resp {
        self.request(jar, Method::GET, path, &[], Body::empty())
            .await
    }

    /// POST with a JSON body.
    pub async fn post(&self, jar: &mut Jar, path: &str, body: Value) -> Resp {
        self.post_with(jar, path, &[], body).await
    }

    /// POST with a JSON body and extra headers.
    pub async fn post_with(
        &self,
        jar: &mut Jar,
        path: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> Resp {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.request(jar, Method::POST, path, &all, Body::from(body.to_string()))
            .await
    }

    /// Rows in `table`.
    pub async fn count(&self, table: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.state.db.pool)
            .await
            .expect("count");
        n
    }

    // ---- flows a user goes through ----

    pub async fn register(&self, p: &Person) -> Resp {
        self.post(
            &mut Jar::none(),
            "/api/citizens/register",
            p.register_body(),
        )
        .await
    }

    /// Registers `p` and logs in; returns their browser's cookies.
    pub async fn citizen(&self, p: &Person) -> Jar {
        self.register(p).await.expect(StatusCode::CREATED);
        let mut jar = Jar::none();
        self.post(&mut jar, "/api/citizens/login", p.login_body())
            .await
            .expect(StatusCode::OK);
        jar
    }

    /// Creates a reviewer account as `ecard admin add-reviewer` does, and logs in.
    pub async fn reviewer(&self, username: &str) -> Jar {
        self.staff(username, "reviewer").await
    }

    /// Creates a staff account with `roles` (`reviewer`, `operator`, comma-separated) as
    /// `ecard admin add-reviewer --roles` does, and logs in.
    pub async fn staff(&self, username: &str, roles: &str) -> Jar {
        let hash = ecard::service::hash_password(REVIEWER_PASSWORD.to_string())
            .await
            .expect("hash");
        sqlx::query(
            "INSERT INTO reviewers (username, display_name, password_hash, created_at, roles) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(username)
        .bind("审核员")
        .bind(hash)
        .bind(self.now())
        .bind(roles)
        .execute(&self.state.db.pool)
        .await
        .expect("insert reviewer");
        let mut jar = Jar::none();
        self.post(
            &mut jar,
            "/api/review/login",
            json!({ "username": username, "password": REVIEWER_PASSWORD }),
        )
        .await
        .expect(StatusCode::OK);
        jar
    }

    /// Submits `p`'s application with `key`.
    pub async fn apply(&self, jar: &mut Jar, p: &Person, key: &str) -> Resp {
        self.post_with(
            jar,
            "/api/applications",
            &[("idempotency-key", key)],
            p.application(),
        )
        .await
    }

    /// Uploads `bytes` as material `kind`.
    pub async fn upload(
        &self,
        jar: &mut Jar,
        kind: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Resp {
        self.request(
            jar,
            Method::POST,
            &format!("/api/uploads?kind={kind}"),
            &[("content-type", content_type)],
            Body::from(bytes.to_vec()),
        )
        .await
    }

    /// Uploads every material a citizen needs (the photo, PDF scans for the rest) and returns
    /// the form's `materials` map.
    pub async fn upload_materials(&self, jar: &mut Jar, minor: bool) -> Value {
        let mut materials = serde_json::Map::new();
        for kind in citizen_materials(minor) {
            let (content_type, bytes) = material_file(kind);
            let r = self.upload(jar, kind, content_type, bytes).await;
            let body = r.expect(StatusCode::CREATED);
            materials.insert(kind.to_string(), body["id"].clone());
        }
        Value::Object(materials)
    }

    /// `p` registers, applies and is approved by `reviewer`: their cookies, the application
    /// id and the card number.
    pub async fn holder(&self, p: &Person, reviewer: &mut Jar) -> (Jar, i64, String) {
        let mut jar = self.citizen(p).await;
        let key = format!("apply-{}", p.phone);
        let app = self.apply(&mut jar, p, &key).await;
        let id = app.expect(StatusCode::CREATED)["id"].as_i64().expect("id");
        let approved = self
            .post(
                reviewer,
                &format!("/api/review/applications/{id}/approve"),
                json!({}),
            )
            .await;
        let card = approved.expect(StatusCode::OK)["card_number"]
            .as_str()
            .expect("card_number")
            .to_string();
        (jar, id, card)
    }

    /// Asks for a credential for `key`.
    pub async fn credential(&self, jar: &mut Jar, key: &SigningKey) -> Resp {
        self.post(
            jar,
            "/api/ecard/credential",
            json!({ "device_public_key": hex::encode(key.verifying_key().to_bytes()) }),
        )
        .await
    }

    /// A reviewer's card action.
    pub async fn card_action(&self, reviewer: &mut Jar, card: &str, action: &str) -> Resp {
        self.post(
            reviewer,
            &format!("/api/review/cards/{card}/actions"),
            json!({ "action": action }),
        )
        .await
    }

    /// The bundle bytes, full or since a version.
    pub async fn bundle(&self, since: Option<u32>) -> Vec<u8> {
        let path = match since {
            Some(v) => format!("/api/gates/bundle?since={v}"),
            None => "/api/gates/bundle".to_string(),
        };
        let r = self.get(&mut Jar::none(), &path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.header("content-type"), Some("application/octet-stream"));
        r.bytes
    }

    pub async fn parsed_bundle(&self, since: Option<u32>) -> SyncBundle {
        SyncBundle::from_bytes(&self.bundle(since).await).expect("bundle parses")
    }

    /// The root key a gate pins, from `GET /api/gates/root`.
    pub async fn root_key(&self) -> [u8; 32] {
        let r = self.get(&mut Jar::none(), "/api/gates/root").await;
        let hex_key = r.expect(StatusCode::OK)["root_public_key"]
            .as_str()
            .expect("root_public_key");
        hex::decode(hex_key)
            .expect("hex")
            .try_into()
            .expect("32 bytes")
    }

    /// A museum gate pinned to the service's root key, synced with the full bundle.
    pub async fn museum_gate(&self) -> Gate {
        let mut gate =
            Gate::new(&self.root_key().await, GatePolicy::for_scene(Scene::Museum)).expect("gate");
        gate.load_bundle(&self.bundle(None).await, self.now())
            .expect("gate accepts the full bundle");
        gate
    }
}
