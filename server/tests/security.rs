//! Headers on every answer (errors included), refusal of requests forged by other sites, and
//! body limits. SQLite only: none of this depends on the database.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{Backend, Harness, Jar, Person};
use ecard::service::state::Config;
use serde_json::json;
use std::path::Path;

async fn harness() -> Harness {
    Harness::start(Backend::Sqlite).await.expect("SQLite")
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_errors_included() {
    let h = harness().await;
    for path in ["/api/time", "/api/me", "/api/nowhere", "/index.html"] {
        let r = h.get(&mut Jar::none(), path).await;
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{path}: {csp}"
        );
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
    }
}

#[tokio::test]
async fn api_answers_with_personal_data_are_not_cached() {
    let h = harness().await;
    let p = Person::zhang();
    h.register(&p).await;
    let mut jar = Jar::none();
    h.post(&mut jar, "/api/citizens/login", p.login_body())
        .await
        .expect(StatusCode::OK);
    for path in ["/api/me", "/api/me/details", "/api/applications"] {
        let r = h.get(&mut jar, path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
    }
}

/// Pages and packages are checked with the service before each use, so a phone's offline cache
/// never takes an old file after a release; unchanged ones cost a 304 with no body.
#[tokio::test]
async fn pages_and_packages_are_revalidated_and_unchanged_ones_answer_304() {
    let config = Config {
        www_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../www"),
        ..Config::default()
    };
    let h = Harness::start_configured(Backend::Sqlite, common::confirm_everything(), config)
        .await
        .expect("SQLite");
    for path in ["/ecard.html", "/js/ecard.js", "/sw.js", "/style.css"] {
        let r = h.get(&mut Jar::none(), path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.header("cache-control"), Some("no-cache"), "{path}");
        let modified = r
            .header("last-modified")
            .unwrap_or_else(|| panic!("{path}: no last-modified"))
            .to_string();
        let again = h
            .request(
                &mut Jar::none(),
                Method::GET,
                path,
                &[("if-modified-since", &modified)],
                Body::empty(),
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.bytes.is_empty(), "{path}: a 304 has no body");
    }
    // The API's answers keep `no-store`.
    let r = h.get(&mut Jar::none(), "/api/time").await;
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn a_state_changing_request_from_another_site_is_refused_and_changes_nothing() {
    let h = harness().await;
    let p = Person::zhang();
    let body = Body::from(p.register_body().to_string());
    let json = ("content-type", "application/json");
    let r = h
        .request(
            &mut Jar::none(),
            Method::POST,
            "/api/citizens/register",
            &[
                json,
                ("host", "ecard.example"),
                ("origin", "https://evil.example"),
            ],
            body,
        )
        .await;
    r.expect_error(StatusCode::FORBIDDEN, "FOREIGN_ORIGIN", None);
    assert!(r.header("content-security-policy").is_some());
    let body = Body::from(p.register_body().to_string());
    let r = h
        .request(
            &mut Jar::none(),
            Method::POST,
            "/api/citizens/register",
            &[json, ("sec-fetch-site", "cross-site")],
            body,
        )
        .await;
    r.expect_error(StatusCode::FORBIDDEN, "FOREIGN_ORIGIN", None);
    assert_eq!(h.count("users").await, 0);
    // The same request from the service's own pages goes through.
    let body = Body::from(p.register_body().to_string());
    let r = h
        .request(
            &mut Jar::none(),
            Method::POST,
            "/api/citizens/register",
            &[
                json,
                ("host", "ecard.example"),
                ("origin", "https://ecard.example"),
                ("sec-fetch-site", "same-origin"),
            ],
            body,
        )
        .await;
    r.expect(StatusCode::CREATED);
}

#[tokio::test]
async fn json_bodies_over_the_limit_are_refused_with_413() {
    let h = harness().await;
    let big = format!(
        r#"{{"gate_id":"g1","logs":[],"pad":"{}"}}"#,
        "x".repeat(300 * 1024)
    );
    let r = h
        .request(
            &mut Jar::none(),
            Method::POST,
            "/api/gates/scans",
            &[("content-type", "application/json")],
            Body::from(big),
        )
        .await;
    r.expect_error(StatusCode::PAYLOAD_TOO_LARGE, "BODY_TOO_LARGE", None);
}

// ---- personal data at rest ----

/// Every way an ID number or a birth date could sit in a file as it is: the text, and the hex
/// of the text.
fn plain_forms(secret: &str) -> Vec<Vec<u8>> {
    vec![
        secret.as_bytes().to_vec(),
        hex::encode(secret.as_bytes()).into_bytes(),
        hex::encode_upper(secret.as_bytes()).into_bytes(),
    ]
}

/// How many times any plain form of any secret occurs in `haystack`.
fn plaintext_hits(haystack: &[u8], secrets: &[String]) -> Vec<String> {
    let mut hits = Vec::new();
    for s in secrets {
        for form in plain_forms(s) {
            let n = haystack
                .windows(form.len())
                .filter(|w| *w == form.as_slice())
                .count();
            if n > 0 {
                hits.push(format!("{s} ({n}x as {})", String::from_utf8_lossy(&form)));
            }
        }
    }
    hits
}

/// Every byte the database keeps: the SQLite files (main, WAL, shared memory) in the data
/// directory, or a `pg_dump` of the PostgreSQL database (`None` when pg_dump is not there).
fn database_bytes(h: &Harness) -> Option<Vec<u8>> {
    match h.database_url() {
        None => {
            let mut all = Vec::new();
            for e in std::fs::read_dir(h.data_dir()).expect("data dir") {
                let path = e.expect("entry").path();
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                if name.starts_with("ecard.sqlite3") {
                    all.extend(std::fs::read(&path).expect("read"));
                }
            }
            assert!(all.len() > 10_000, "the SQLite file is there");
            Some(all)
        }
        Some(url) => {
            let pg_dump = std::fs::read_dir("/usr/lib/postgresql")
                .ok()?
                .filter_map(|e| e.ok())
                .map(|e| e.path().join("bin/pg_dump"))
                .find(|p| p.exists())?;
            let out = std::process::Command::new(pg_dump)
                .arg("--data-only")
                .arg(url)
                .output()
                .expect("pg_dump");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(out.stdout)
        }
    }
}

/// The birth dates in an ID number, as YYYYMMDD and YYYY-MM-DD.
fn birth_dates(id: &str) -> [String; 2] {
    let d = &id[6..14];
    [
        d.to_string(),
        format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]),
    ]
}

/// Several people register and apply (with uploaded photos and scans, a guardian's number, a
/// batch of an employer); then no ID number, birth date or photo is found in the database's
/// files, while reviewers and holders still read them through the API.
async fn personal_data_is_sealed_at_rest(backend: Backend) {
    let Some(h) = Harness::start_strict(backend).await else {
        return;
    };
    let people = [Person::zhang(), Person::li(), Person::father()];
    let mut secrets: Vec<String> = Vec::new();
    let mut ids = Vec::new();
    for p in &people {
        let mut jar = h.citizen(p).await;
        let materials = h.upload_materials(&mut jar, false).await;
        let r = h
            .post_with(
                &mut jar,
                "/api/applications",
                &[("idempotency-key", &format!("seal-{}", p.phone))],
                p.application_with(materials),
            )
            .await;
        ids.push(r.expect(StatusCode::CREATED)["id"].as_i64().unwrap());
        secrets.push(p.id_number.clone());
        secrets.extend(birth_dates(&p.id_number));
    }
    // The father applies for his child: the guardian's number is in the form.
    let child = Person::minor();
    let mut father = Jar::none();
    h.post(
        &mut father,
        "/api/citizens/login",
        Person::father().login_body(),
    )
    .await
    .expect(StatusCode::OK);
    let materials = h.upload_materials(&mut father, true).await;
    h.post_with(
        &mut father,
        "/api/applications",
        &[("idempotency-key", "seal-child")],
        child.application_with(materials),
    )
    .await
    .expect(StatusCode::CREATED);
    secrets.push(child.id_number.clone());
    secrets.extend(birth_dates(&child.id_number));
    // A batch of an employer with two more people.
    let batch_people = [
        common::id_number("41072119900101123"),
        common::id_number("41072119920202234"),
    ];
    let csv = format!(
        "category,name,phone,document_kind,document_number\n\
         citizen,赵六,13900000011,resident_id,{}\n\
         citizen,钱七,13900000012,resident_id,{}\n",
        batch_people[0], batch_people[1]
    );
    let r = h
        .request(
            &mut father,
            Method::POST,
            "/api/batches?channel=employer&agent_name=%E6%B2%B3%E5%8D%97%E6%9F%90%E5%85%AC%E5%8F%B8&agent_uscc=914403001922038216",
            &[("content-type", "text/csv"), ("idempotency-key", "seal-batch-1")],
            Body::from(csv),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    for n in &batch_people {
        secrets.push(n.clone());
        secrets.extend(birth_dates(n));
    }
    let mut reviewer = h.reviewer("shenhe01").await;
    h.post(
        &mut reviewer,
        &format!("/api/review/applications/{}/approve", ids[0]),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);

    if let Some(bytes) = database_bytes(&h) {
        let hits = plaintext_hits(&bytes, &secrets);
        eprintln!(
            "{:?}: scanned {} bytes for {} secrets: {} plaintext hits",
            backend,
            bytes.len(),
            secrets.len(),
            hits.len()
        );
        assert!(hits.is_empty(), "plain personal data at rest: {hits:?}");
        // The photo's pixels are not stored as they were uploaded either.
        let photo_head = &common::GOOD_PHOTO[..64];
        assert!(
            !bytes.windows(64).any(|w| w == photo_head),
            "a photo is stored in plain"
        );
    } else {
        eprintln!("pg_dump not found: the PostgreSQL scan was skipped");
    }
    // The reviewer still reads the decrypted application and the photo.
    let d = h
        .get(
            &mut reviewer,
            &format!("/api/review/applications/{}", ids[1]),
        )
        .await;
    let d = d.expect(StatusCode::OK);
    assert_eq!(d["application"]["document"]["number"], people[1].id_number);
    let photo = d["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "photo")
        .expect("photo material")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let file = h
        .get(&mut reviewer, &format!("/api/review/uploads/{photo}"))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.bytes, common::GOOD_PHOTO);
    // The holder sees their full number on their own screen, and their card.
    let mut zhang = Jar::none();
    h.post(&mut zhang, "/api/citizens/login", people[0].login_body())
        .await
        .expect(StatusCode::OK);
    let me = h.get(&mut zhang, "/api/me/details").await;
    assert_eq!(me.expect(StatusCode::OK)["id_number"], people[0].id_number);
    assert!(me.json["card_number"].is_string(), "{}", me.text());
    // A second registration with the same number is still refused (blind index).
    let mut again = people[1].register_body();
    again["phone"] = json!("13911112222");
    h.post(&mut Jar::none(), "/api/citizens/register", again)
        .await
        .expect_error(StatusCode::CONFLICT, "ALREADY_REGISTERED", None);
    // The batch detail shows the reviewer the numbers.
    let batches = h.get(&mut reviewer, "/api/review/batches").await;
    let batch_id = batches.expect(StatusCode::OK)["batches"][0]["id"]
        .as_i64()
        .unwrap();
    let detail = h
        .get(&mut reviewer, &format!("/api/review/batches/{batch_id}"))
        .await;
    let numbers: Vec<&str> = detail.expect(StatusCode::OK)["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id_number"].as_str())
        .collect();
    assert_eq!(
        numbers,
        batch_people.iter().map(String::as_str).collect::<Vec<_>>()
    );
}

/// A reviewer's reads of personal data are audited like the actions: the application detail,
/// each file, a batch with its numbers.
async fn reviewer_reads_of_personal_data_are_audited(h: Harness) {
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    let upload = h
        .upload(&mut jar, "photo", "image/jpeg", common::GOOD_PHOTO)
        .await;
    let upload = upload.expect(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let id = h.apply(&mut jar, &p, "audit-read-1").await;
    let id = id.expect(StatusCode::CREATED)["id"].as_i64().unwrap();
    let mut reviewer = h.reviewer("shenhe01").await;
    h.get(&mut reviewer, &format!("/api/review/applications/{id}"))
        .await
        .expect(StatusCode::OK);
    let file = h
        .get(&mut reviewer, &format!("/api/review/uploads/{upload}"))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    // A file that does not exist is not audited as read.
    let missing = h.get(&mut reviewer, "/api/review/uploads/00").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let log = h.get(&mut reviewer, "/api/review/audit").await;
    let got: Vec<String> = log.expect(StatusCode::OK)["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {} {}", e["reviewer"], e["action"], e["target"]).replace('"', ""))
        .collect();
    assert_eq!(
        got,
        [
            format!("shenhe01 view_upload upload:{upload}"),
            format!("shenhe01 view_application application:{id}"),
        ]
    );
}

/// A holder sees their own card and applications only: another account's card is not in its
/// `/api/me`, gives it no credential, and another's application is "not found".
async fn a_holder_sees_only_their_own_card_and_applications(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    let (mut zhang, zhang_app, card) = h.holder(&Person::zhang(), &mut reviewer).await;
    let li = Person::li();
    let mut li_jar = h.citizen(&li).await;
    let li_app = h.apply(&mut li_jar, &li, "own-card-li-1").await;
    let li_app = li_app.expect(StatusCode::CREATED)["id"].as_i64().unwrap();
    let me = h.get(&mut zhang, "/api/me").await;
    assert_eq!(
        me.expect(StatusCode::OK)["card"]["card_number"],
        card.as_str()
    );
    let me = h.get(&mut li_jar, "/api/me").await;
    assert_eq!(me.expect(StatusCode::OK)["card"], serde_json::Value::Null);
    let details = h.get(&mut li_jar, "/api/me/details").await;
    assert_eq!(
        details.expect(StatusCode::OK)["card_number"],
        serde_json::Value::Null
    );
    h.credential(&mut li_jar, &common::device_key(9))
        .await
        .expect_error(StatusCode::CONFLICT, "NO_CARD", None);
    for (jar, own, other) in [
        (&mut zhang, zhang_app, li_app),
        (&mut li_jar, li_app, zhang_app),
    ] {
        let list = h.get(jar, "/api/applications").await;
        let ids: Vec<i64> = list.expect(StatusCode::OK)["applications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [own]);
        h.get(jar, &format!("/api/applications/{other}"))
            .await
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND", None);
    }
}

mod authorisation {
    use super::*;
    on_both_backends!(
        reviewer_reads_of_personal_data_are_audited,
        a_holder_sees_only_their_own_card_and_applications,
    );
}

#[tokio::test]
async fn personal_data_is_sealed_at_rest_sqlite() {
    personal_data_is_sealed_at_rest(Backend::Sqlite).await;
}

#[tokio::test]
async fn personal_data_is_sealed_at_rest_postgres() {
    personal_data_is_sealed_at_rest(Backend::Postgres).await;
}

#[test]
fn the_pii_key_file_is_private_and_not_in_the_database() {
    let dir = tempfile::tempdir().expect("dir");
    ecard::service::keystore::KeyStore::open_or_create(dir.path(), common::NOW).expect("keys");
    let path = dir.path().join("keys").join("pii.key");
    let meta = std::fs::metadata(&path).expect("pii.key created on first start");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(text.trim().len(), 64, "32 bytes in hex");
    // Opening again keeps the same key: a value sealed before opens after.
    let a = ecard::service::keystore::KeyStore::open_or_create(dir.path(), common::NOW).unwrap();
    let sealed = a
        .pii
        .seal_text(ecard::service::pii::ID_NUMBER, "11010519491231002X")
        .unwrap();
    let b = ecard::service::keystore::KeyStore::open_or_create(dir.path(), common::NOW).unwrap();
    assert_eq!(
        b.pii
            .open_text(ecard::service::pii::ID_NUMBER, &sealed)
            .unwrap(),
        "11010519491231002X"
    );
    // A value sealed as one kind does not open as another.
    assert!(b.pii.open_text(ecard::service::pii::FORM, &sealed).is_err());
}

// ---- rate limits ----

/// A harness whose rate limits are `spec`, with the client's address taken from
/// `X-Forwarded-For` (as behind a reverse proxy).
async fn limited(backend: Backend, spec: &str) -> Option<Harness> {
    let config = ecard::service::state::Config {
        rate_limits: ecard::service::limits::RateLimits::parse(spec).expect("spec"),
        client_ip_header: Some("x-forwarded-for".into()),
        ..Default::default()
    };
    Harness::start_configured(backend, common::confirm_everything(), config).await
}

/// An anonymous POST of JSON from the client address `ip`.
async fn post_from(h: &Harness, ip: &str, path: &str, body: serde_json::Value) -> common::Resp {
    h.post_with(&mut Jar::none(), path, &[("x-forwarded-for", ip)], body)
        .await
}

#[track_caller]
fn expect_429(r: &common::Resp, code: &str) -> u64 {
    r.expect_error(StatusCode::TOO_MANY_REQUESTS, code, None);
    let message = r.json["message"].as_str().unwrap();
    assert!(message.contains("秒后再试"), "{message}");
    let secs: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!(secs >= 1);
    assert_eq!(r.json["retry_after"], secs, "{}", r.text());
    secs
}

#[tokio::test]
async fn logins_and_registrations_are_limited_per_client_address() {
    let h = limited(
        Backend::Sqlite,
        "off,login=3/3600,register=2/3600,gate_scans=1/60",
    )
    .await
    .unwrap();
    let p = Person::zhang();
    for _ in 0..3 {
        post_from(&h, "203.0.113.7", "/api/citizens/login", p.login_body())
            .await
            .expect(StatusCode::UNAUTHORIZED);
    }
    let r = post_from(&h, "203.0.113.7", "/api/citizens/login", p.login_body()).await;
    let wait = expect_429(&r, "TOO_MANY_REQUESTS");
    assert!(wait > 60, "3 an hour: about 20 minutes to wait, got {wait}");
    // Reviewer logins share the address's allowance.
    let r = post_from(
        &h,
        "203.0.113.7",
        "/api/review/login",
        json!({ "username": "nobody", "password": "whatever-123" }),
    )
    .await;
    expect_429(&r, "TOO_MANY_REQUESTS");
    // Another address is not affected.
    post_from(&h, "198.51.100.1", "/api/citizens/login", p.login_body())
        .await
        .expect(StatusCode::UNAUTHORIZED);
    // Registration: two per address; the third is refused and changes nothing.
    for q in [Person::zhang(), Person::li()] {
        post_from(
            &h,
            "203.0.113.8",
            "/api/citizens/register",
            q.register_body(),
        )
        .await
        .expect(StatusCode::CREATED);
    }
    let r = post_from(
        &h,
        "203.0.113.8",
        "/api/citizens/register",
        Person::father().register_body(),
    )
    .await;
    expect_429(&r, "TOO_MANY_REQUESTS");
    assert_eq!(h.count("users").await, 2);
    // Gates' scan logs: one a minute here.
    let scans = json!({ "gate_id": "g1", "logs": [] });
    post_from(&h, "203.0.113.9", "/api/gates/scans", scans.clone())
        .await
        .expect(StatusCode::OK);
    let r = post_from(&h, "203.0.113.9", "/api/gates/scans", scans).await;
    expect_429(&r, "TOO_MANY_REQUESTS");
}

#[tokio::test]
async fn applications_and_credentials_are_limited_per_account() {
    let h = limited(
        Backend::Sqlite,
        "off,apply=1/3600,credential=2/3600,upload=2/3600",
    )
    .await
    .unwrap();
    let mut reviewer = h.reviewer("shenhe01").await;
    let p = Person::zhang();
    let (mut jar, _, _) = h.holder(&p, &mut reviewer).await;
    // The holder already applied once (in `holder`): the next submission is refused at once,
    // whatever the address, and nothing is stored.
    let before = h.count("applications").await;
    let r = h
        .post_with(
            &mut jar,
            "/api/applications",
            &[
                ("idempotency-key", "second-try-1"),
                ("x-forwarded-for", "192.0.2.99"),
            ],
            Person::minor().application(),
        )
        .await;
    expect_429(&r, "TOO_MANY_REQUESTS");
    assert_eq!(h.count("applications").await, before);
    // Another account is not affected.
    let mut li = h.citizen(&Person::li()).await;
    h.apply(&mut li, &Person::li(), "li-apply-1")
        .await
        .expect(StatusCode::CREATED);
    // Credentials: two, then 429.
    for seed in 1..=2 {
        h.credential(&mut jar, &common::device_key(seed))
            .await
            .expect(StatusCode::CREATED);
    }
    let r = h.credential(&mut jar, &common::device_key(3)).await;
    expect_429(&r, "TOO_MANY_REQUESTS");
    assert_eq!(h.count("credentials").await, 2);
    // Uploads: two, then 429 and nothing stored.
    for _ in 0..2 {
        h.upload(
            &mut li,
            "household_register",
            "application/pdf",
            common::SCAN_PDF,
        )
        .await
        .expect(StatusCode::CREATED);
    }
    let r = h
        .upload(
            &mut li,
            "household_register",
            "application/pdf",
            common::SCAN_PDF,
        )
        .await;
    expect_429(&r, "TOO_MANY_REQUESTS");
    assert_eq!(h.count("uploads").await, 2);
}

/// A reviewer account backs off after failed logins: locked with `429 LOGIN_LOCKED` and a
/// `Retry-After` that doubles, even for the right password while locked; a success clears it.
async fn reviewer_login_backs_off_per_account(backend: Backend) {
    let Some(h) = limited(backend, "off,backoff=2/10/100").await else {
        return;
    };
    h.reviewer("shenhe01").await;
    let wrong = json!({ "username": "shenhe01", "password": "wrong-password-1" });
    let right = json!({ "username": "shenhe01", "password": common::REVIEWER_PASSWORD });
    let login = |body: serde_json::Value| {
        let h = &h;
        async move { h.post(&mut Jar::none(), "/api/review/login", body).await }
    };
    for _ in 0..2 {
        login(wrong.clone())
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "BAD_CREDENTIALS", None);
    }
    // The third failure locks for 10 s; the right password is refused while locked.
    assert_eq!(expect_429(&login(wrong.clone()).await, "LOGIN_LOCKED"), 10);
    assert_eq!(expect_429(&login(right.clone()).await, "LOGIN_LOCKED"), 10);
    h.set_now(h.now() + 4);
    assert_eq!(expect_429(&login(right.clone()).await, "LOGIN_LOCKED"), 6);
    // After the lock, another failure locks for twice as long.
    h.set_now(h.now() + 7);
    assert_eq!(expect_429(&login(wrong.clone()).await, "LOGIN_LOCKED"), 20);
    h.set_now(h.now() + 21);
    // A success clears the count: two free failures again.
    login(right.clone()).await.expect(StatusCode::OK);
    for _ in 0..2 {
        login(wrong.clone())
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "BAD_CREDENTIALS", None);
    }
    // A day after the last failure and its lock, the failures are forgotten.
    login(wrong.clone())
        .await
        .expect_error(StatusCode::TOO_MANY_REQUESTS, "LOGIN_LOCKED", None);
    h.set_now(h.now() + 86_400 + 20);
    for _ in 0..2 {
        login(wrong.clone())
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "BAD_CREDENTIALS", None);
    }
    // Other accounts are not locked by this one's failures.
    let citizen = Person::zhang();
    h.register(&citizen).await.expect(StatusCode::CREATED);
    h.post(
        &mut Jar::none(),
        "/api/citizens/login",
        citizen.login_body(),
    )
    .await
    .expect(StatusCode::OK);
}

#[tokio::test]
async fn reviewer_login_backs_off_per_account_sqlite() {
    reviewer_login_backs_off_per_account(Backend::Sqlite).await;
}

#[tokio::test]
async fn reviewer_login_backs_off_per_account_postgres() {
    reviewer_login_backs_off_per_account(Backend::Postgres).await;
}

// ---- body limits ----

/// `bytes` padded with `pad` to exactly `len` bytes.
fn padded(bytes: &[u8], len: usize, pad: u8) -> Vec<u8> {
    let mut v = bytes.to_vec();
    assert!(v.len() <= len);
    v.resize(len, pad);
    v
}

/// Sends `body` at exactly `limit` bytes and at one byte more: the first is judged on its
/// content (never 413), the second is `413` with `code`.
async fn at_and_over(
    h: &Harness,
    jar: &mut Jar,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    code: &str,
) -> common::Resp {
    let mut over = body.clone();
    over.push(b' ');
    let r = h
        .request(jar, Method::POST, path, headers, Body::from(over))
        .await;
    r.expect_error(StatusCode::PAYLOAD_TOO_LARGE, code, None);
    let at = h
        .request(jar, Method::POST, path, headers, Body::from(body))
        .await;
    assert_ne!(
        at.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{path}: {}",
        at.text()
    );
    at
}

#[tokio::test]
async fn every_body_limit_passes_at_the_limit_and_refuses_one_byte_over() {
    let h = harness().await;
    let json = [("content-type", "application/json")];
    // JSON: 256 KiB of a valid request (JSON allows trailing spaces).
    let at = at_and_over(
        &h,
        &mut Jar::none(),
        "/api/gates/scans",
        &json,
        padded(br#"{"gate_id":"g1","logs":[]}"#, 256 * 1024, b' '),
        "BODY_TOO_LARGE",
    )
    .await;
    at.expect(StatusCode::OK);
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    // A document scan: 2 MiB.
    let at = at_and_over(
        &h,
        &mut jar,
        "/api/uploads?kind=household_register",
        &[("content-type", "application/pdf")],
        padded(common::SCAN_PDF, 2 * 1024 * 1024, b' '),
        "UPLOAD_TOO_LARGE",
    )
    .await;
    at.expect(StatusCode::CREATED);
    // A photo: the photo rules' limit (40 KiB), padding after the JPEG's end.
    let max = h.state.config.rules.photo.max_bytes;
    let at = at_and_over(
        &h,
        &mut jar,
        "/api/uploads?kind=photo",
        &[("content-type", "image/jpeg")],
        padded(common::GOOD_PHOTO, max, 0),
        "UPLOAD_TOO_LARGE",
    )
    .await;
    at.expect(StatusCode::CREATED);
    // A batch roster: 5 MiB (one row, then blank lines).
    let csv = "category,name,phone,document_kind,document_number\n\
               citizen,赵六,13900000011,resident_id,41072119900101123X\n";
    let at = at_and_over(
        &h,
        &mut jar,
        "/api/batches?channel=employer&agent_name=%E6%B2%B3%E5%8D%97%E6%9F%90%E5%85%AC%E5%8F%B8&agent_uscc=914403001922038216",
        &[("content-type", "text/csv"), ("idempotency-key", "limit-batch-1")],
        padded(csv.as_bytes(), 5 * 1024 * 1024, b'\n'),
        "BATCH_TOO_LARGE",
    )
    .await;
    at.expect(StatusCode::CREATED);
    // A photos archive: 50 MiB (not a valid archive: judged, and refused, on its content).
    let batch_id = at.json["batch_id"].as_i64().unwrap_or(1);
    let at = at_and_over(
        &h,
        &mut jar,
        &format!("/api/batches/{batch_id}/photos"),
        &[("content-type", "application/zip")],
        vec![0u8; 50 * 1024 * 1024],
        "BATCH_PHOTOS_TOO_LARGE",
    )
    .await;
    at.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "BATCH_PHOTOS_INVALID",
        None,
    );
}

/// A JPEG that declares 65,000 × 65,000 pixels (about 12 GB decoded) is refused from its
/// header, quickly and without decoding.
#[tokio::test]
async fn a_photo_declaring_huge_dimensions_is_refused_before_decoding() {
    let h = harness().await;
    let mut jar = h.citizen(&Person::zhang()).await;
    let mut bomb = vec![0xFF, 0xD8];
    // SOF0: length 17, precision 8, height, width, 3 components.
    bomb.extend([0xFF, 0xC0, 0x00, 0x11, 0x08, 0xFD, 0xE8, 0xFD, 0xE8, 0x03]);
    bomb.extend([0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    bomb.extend([
        0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00,
    ]);
    bomb.extend(std::iter::repeat_n(0u8, 1024));
    bomb.extend([0xFF, 0xD9]);
    let started = std::time::Instant::now();
    let r = h.upload(&mut jar, "photo", "image/jpeg", &bomb).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json["code"], "PHOTO_INVALID", "{}", r.text());
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(h.count("uploads").await, 0);
}

/// The peak resident memory of a process (`VmHWM`), in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// Streams a chunked body of up to `total` bytes to `path`; returns the status line and how
/// many bytes were written before the server answered and stopped reading.
fn stream_body(addr: &str, path: &str, headers: &str, total: usize) -> (String, usize) {
    use std::io::{BufRead, BufReader, Write};
    let mut conn = std::net::TcpStream::connect(addr).expect("connect");
    let reader = conn.try_clone().expect("clone");
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = answered.clone();
    let status = std::thread::spawn(move || {
        let mut line = String::new();
        BufReader::new(reader).read_line(&mut line).ok();
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        line
    });
    write!(
        conn,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Transfer-Encoding: chunked\r\n\r\n"
    )
    .expect("head");
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent < total && !answered.load(std::sync::atomic::Ordering::SeqCst) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
        if conn.write_all(&framed).is_err() {
            break;
        }
        sent += chunk.len();
    }
    let _ = conn.write_all(b"0\r\n\r\n");
    (status.join().expect("reader"), sent)
}

#[test]
fn a_streamed_100_mb_body_is_cut_off_with_bounded_memory() {
    const TOTAL: usize = 100 * 1024 * 1024;
    let dir = tempfile::tempdir().expect("dir");
    let server = common::process::Server::start(dir.path(), None);
    let addr = server.base.trim_start_matches("http://").to_string();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // A citizen's session for the upload route.
    let cookie = rt.block_on(async {
        let http = reqwest::Client::new();
        let p = Person::zhang();
        http.post(server.url("/api/citizens/register"))
            .json(&p.register_body())
            .send()
            .await
            .expect("register");
        let r = http
            .post(server.url("/api/citizens/login"))
            .json(&p.login_body())
            .send()
            .await
            .expect("login");
        let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
        set.split(';').next().unwrap().to_string()
    });
    let before = peak_rss_kib(server.pid());
    for (path, headers) in [
        (
            "/api/gates/scans",
            "Content-Type: application/json\r\n".to_string(),
        ),
        (
            "/api/uploads?kind=household_register",
            format!("Content-Type: application/pdf\r\nCookie: {cookie}\r\n"),
        ),
    ] {
        let (status, sent) = stream_body(&addr, path, &headers, TOTAL);
        eprintln!(
            "{path}: {} after {} MiB of 100 MiB sent",
            status.trim(),
            sent / 1024 / 1024
        );
        assert!(status.contains(" 413 "), "{path}: {status}");
        assert!(sent < TOTAL / 4, "{path}: the server read {sent} bytes");
    }
    let after = peak_rss_kib(server.pid());
    eprintln!(
        "peak RSS of ecard serve: {} MiB before, {} MiB after two 100 MiB bodies",
        before / 1024,
        after / 1024
    );
    assert!(
        after < before + 32 * 1024,
        "peak RSS grew from {before} KiB to {after} KiB"
    );
}
