//! Durability under crashes: `ecard serve` (the binary) takes 3,000 application submissions
//! from concurrent clients while it is killed with SIGKILL at random moments (at least 20 times
//! with requests in flight) and restarted on the same data. Clients retry every request that
//! got no answer with the same idempotency key. Afterwards every acknowledged submission is stored, none twice,
//! each with its whole timeline, and SQLite's `PRAGMA integrity_check` is `ok`.
//!
//! On PostgreSQL (`ECARD_TEST_DATABASE_URL`) the same run goes against a fresh database.

mod common;

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::process::Server;
use common::{id_number, PgDatabase, NOW};
use ecard::service::db::Db;
use ecard::service::keystore::KeyStore;
use ecard::service::pii;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Enough that the run outlasts `MIN_KILLS` kill rounds even with the writes committed in
/// groups (1,000 were done after 6–17 rounds).
const SUBMISSIONS: usize = 3_000;
const CLIENTS: usize = 16;
/// Kills with requests in flight, at least.
const MIN_KILLS: usize = 20;
/// The whole test, seeding included, must finish within this.
const TIME_BOUND: Duration = Duration::from_secs(180);

fn random_below(n: u64) -> u64 {
    let mut b = [0u8; 8];
    getrandom::getrandom(&mut b).expect("random");
    u64::from_le_bytes(b) % n
}

/// Citizen `i`: an ID number, a phone, a session token and the upload ids of the materials.
struct Citizen {
    id_number: String,
    phone: String,
    token: String,
    materials: Value,
}

fn citizen(i: usize) -> Citizen {
    let birth = format!("{}{:02}{:02}", 1960 + i % 40, 1 + (i / 40) % 12, 1 + i % 28);
    Citizen {
        id_number: id_number(&format!("410721{birth}{:03}", i % 1000)),
        phone: format!("137{i:08}"),
        token: format!("{:064x}", i + 1),
        materials: json!({}),
    }
}

fn form(c: &Citizen) -> Value {
    json!({
        "category": "citizen",
        "name": "张测试",
        "phone": c.phone,
        "document": { "kind": "resident_id", "number": c.id_number },
        "service_bank": "assign",
        "channel": "self_online",
        "materials": c.materials,
    })
}

/// Registered citizens with a session and uploaded materials, written straight into the
/// database (what registration, login and uploads would store), so that the run spends its
/// time on submissions.
async fn seed(data: &Path, database_url: Option<&str>) -> Vec<Citizen> {
    let keys = KeyStore::open_or_create(data, NOW).expect("keys");
    let db = match database_url {
        Some(url) => Db::open_postgres(url).await,
        None => Db::open_sqlite(data).await,
    }
    .expect("database");
    let mut out = Vec::with_capacity(SUBMISSIONS);
    let mut tx = db.pool.begin().await.expect("begin");
    for i in 0..SUBMISSIONS {
        let mut c = citizen(i);
        let (user_id,): (i64,) = sqlx::query_as(
            "INSERT INTO users (name, id_number, id_index, phone, password_hash, created_at) \
             VALUES ('张测试', $1, $2, $3, 'x', 0) RETURNING id",
        )
        .bind(keys.pii.seal_text(pii::ID_NUMBER, &c.id_number).unwrap())
        .bind(keys.pii.index(&c.id_number))
        .bind(&c.phone)
        .fetch_one(&mut *tx)
        .await
        .expect("user");
        sqlx::query(
            "INSERT INTO sessions (token_hash, role, subject_id, expires_at) VALUES ($1, 'citizen', $2, $3)",
        )
        .bind(hex::encode(Sha256::digest(c.token.as_bytes())))
        .bind(user_id)
        .bind(i64::MAX / 2)
        .execute(&mut *tx)
        .await
        .expect("session");
        let mut materials = serde_json::Map::new();
        for kind in common::citizen_materials(false) {
            let id = format!("{i:016x}{:016x}", kind.len());
            let (ct, bytes) = common::material_file(kind);
            sqlx::query(
                "INSERT INTO uploads (id, user_id, kind, content_type, bytes, size, created_at, sealed) \
                 VALUES ($1, $2, $3, $4, $5, $6, 0, 1)",
            )
            .bind(&id)
            .bind(user_id)
            .bind(*kind)
            .bind(ct)
            .bind(keys.pii.seal_file(&id, bytes).unwrap())
            .bind(bytes.len() as i64)
            .execute(&mut *tx)
            .await
            .expect("upload");
            materials.insert(kind.to_string(), json!(id));
        }
        c.materials = Value::Object(materials);
        out.push(c);
    }
    tx.commit().await.expect("commit");
    db.pool.close().await;
    out
}

/// What the clients share.
struct Work {
    pending: Mutex<VecDeque<usize>>,
    /// Submission → application id, for every `201` received.
    acked: Mutex<BTreeMap<usize, i64>>,
    /// Answers that are neither `201` nor a lost connection.
    unexpected: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    attempts: AtomicUsize,
}

/// One client: submits until told to stop or nothing is left; a request without an answer
/// goes back to the queue, to be sent again with the same key.
async fn client(work: Arc<Work>, citizens: Arc<Vec<Citizen>>, base: String, stop: Arc<AtomicBool>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    while !stop.load(Ordering::SeqCst) {
        let Some(i) = work.pending.lock().unwrap().pop_front() else {
            break;
        };
        work.in_flight.fetch_add(1, Ordering::SeqCst);
        work.attempts.fetch_add(1, Ordering::SeqCst);
        let c = &citizens[i];
        let sent = http
            .post(format!("{base}/api/applications"))
            .header("cookie", format!("ecard_session={}", c.token))
            .header("idempotency-key", format!("durable-{i:05}"))
            .json(&form(c))
            .send()
            .await;
        let answer = match sent {
            Ok(resp) => {
                let status = resp.status();
                resp.text().await.map(|t| (status, t))
            }
            Err(e) => Err(e),
        };
        match answer {
            Ok((status, text)) if status == reqwest::StatusCode::CREATED => {
                let v: Value = serde_json::from_str(&text).expect("JSON");
                let id = v["id"].as_i64().expect("id");
                if let Some(before) = work.acked.lock().unwrap().insert(i, id) {
                    assert_eq!(before, id, "submission {i} acknowledged with two ids");
                }
            }
            Ok((status, text)) => {
                work.unexpected
                    .lock()
                    .unwrap()
                    .push(format!("{i}: {status} {text}"));
            }
            Err(_) => {
                work.pending.lock().unwrap().push_back(i);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        work.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn durability(database_url: Option<&str>) {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    let citizens = Arc::new(seed(data, database_url).await);
    let seeded = started.elapsed();
    let work = Arc::new(Work {
        pending: Mutex::new((0..SUBMISSIONS).collect()),
        acked: Mutex::new(BTreeMap::new()),
        unexpected: Mutex::new(Vec::new()),
        in_flight: AtomicUsize::new(0),
        attempts: AtomicUsize::new(0),
    });
    let (mut kills, mut kills_under_load) = (0usize, 0usize);
    loop {
        let data_owned = data.to_path_buf();
        let url = database_url.map(str::to_string);
        let mut server = tokio::task::spawn_blocking(move || {
            Server::start_with(&data_owned, url.as_deref(), &["--rate-limits", "off"], &[])
        })
        .await
        .expect("start");
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                tokio::spawn(client(
                    Arc::clone(&work),
                    Arc::clone(&citizens),
                    server.base.clone(),
                    Arc::clone(&stop),
                ))
            })
            .collect();
        let done = || {
            work.pending.lock().unwrap().is_empty() && work.in_flight.load(Ordering::SeqCst) == 0
        };
        if kills_under_load < MIN_KILLS && !done() {
            // A random moment, 20–170 ms into the run.
            let deadline = Instant::now() + Duration::from_millis(20 + random_below(150));
            while Instant::now() < deadline && !done() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            if work.in_flight.load(Ordering::SeqCst) > 0 {
                kills_under_load += 1;
            }
            server.kill();
            kills += 1;
            stop.store(true, Ordering::SeqCst);
            for c in clients {
                c.await.expect("client");
            }
        } else {
            // Enough kills: let the rest finish, then stop the server the hard way too.
            for c in clients {
                c.await.expect("client");
            }
            server.kill();
            if done() {
                break;
            }
        }
        assert!(
            started.elapsed() < TIME_BOUND,
            "over the time bound after {kills} kills, {} acknowledged",
            work.acked.lock().unwrap().len()
        );
    }
    let acked = work.acked.lock().unwrap().clone();
    let unexpected = work.unexpected.lock().unwrap().clone();
    let attempts = work.attempts.load(Ordering::SeqCst);

    // Check what is stored.
    let db = match database_url {
        Some(url) => Db::open_postgres(url).await,
        None => Db::open_sqlite(data).await,
    }
    .expect("reopen");
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, idempotency_key FROM applications ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .expect("applications");
    let by_key: BTreeMap<String, i64> = rows.iter().map(|(id, k)| (k.clone(), *id)).collect();
    let (distinct_applicants,): (i64,) =
        sqlx::query_as("SELECT COUNT(DISTINCT applicant_id_index) FROM applications")
            .fetch_one(&db.pool)
            .await
            .expect("count");
    let (incomplete,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM applications a WHERE \
         (SELECT COUNT(*) FROM application_events e WHERE e.application_id = a.id) <> 2",
    )
    .fetch_one(&db.pool)
    .await
    .expect("events");
    let integrity = if database_url.is_none() {
        let (r,): (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(&db.pool)
            .await
            .expect("integrity_check");
        r
    } else {
        "ok".into()
    };
    db.pool.close().await;
    eprintln!(
        "durability ({}): {SUBMISSIONS} submissions from {CLIENTS} clients, {attempts} attempts \
         ({} retries), {kills} SIGKILLs ({kills_under_load} with requests in flight), \
         {} acknowledged, {} stored, {} distinct applicants, integrity_check {integrity}; \
         seeding {:.1} s, whole run {:.1} s",
        if database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        attempts - SUBMISSIONS,
        acked.len(),
        rows.len(),
        distinct_applicants,
        seeded.as_secs_f64(),
        started.elapsed().as_secs_f64(),
    );
    assert!(unexpected.is_empty(), "unexpected answers: {unexpected:?}");
    assert!(
        kills_under_load >= MIN_KILLS,
        "{kills} / {kills_under_load}"
    );
    assert_eq!(
        acked.len(),
        SUBMISSIONS,
        "every submission acknowledged in the end"
    );
    for (i, id) in &acked {
        assert_eq!(
            by_key.get(&format!("durable-{i:05}")),
            Some(id),
            "acknowledged submission {i} (application {id}) is stored under its key"
        );
    }
    assert_eq!(rows.len(), SUBMISSIONS, "no submission stored twice");
    assert_eq!(distinct_applicants, SUBMISSIONS as i64);
    assert_eq!(incomplete, 0, "every application has its whole timeline");
    assert_eq!(integrity, "ok");
    assert!(started.elapsed() < TIME_BOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_submissions_survive_sigkill_sqlite() {
    durability(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_submissions_survive_sigkill_postgres() {
    let Some(pg) = PgDatabase::create().await else {
        return;
    };
    durability(Some(&pg.url)).await;
}
