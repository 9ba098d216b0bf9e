//! Bulk applications by employers and schools (`POST /api/batches`), and the reviewer's batch
//! routes. Every test runs on SQLite and on PostgreSQL (skipped, saying so, when
//! `ECARD_TEST_DATABASE_URL` is not set).

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use common::{id_number, Backend, Harness, Jar, Person, Resp};

on_both_backends!(
    utf8_roster_reports_every_bad_row_with_its_line,
    gbk_roster_of_a_school_is_decoded,
    retry_of_the_same_upload_creates_nothing,
    reviewer_lists_and_approves_a_batch,
    malformed_uploads_are_refused_as_a_whole,
    photos_zip_attaches_good_photos_and_reports_the_rest,
);

const EMPLOYER: &str = "华为技术有限公司";
const EMPLOYER_USCC: &str = "914403001922038216";

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn path(channel: &str) -> String {
    format!(
        "/api/batches?channel={channel}&agent_name={}&agent_uscc={EMPLOYER_USCC}",
        enc(EMPLOYER)
    )
}

async fn upload(h: &Harness, jar: &mut Jar, channel: &str, key: &str, csv: &[u8]) -> Resp {
    h.request(
        jar,
        Method::POST,
        &path(channel),
        &[("content-type", "text/csv"), ("idempotency-key", key)],
        Body::from(csv.to_vec()),
    )
    .await
}

/// The rejected rows as `line → [codes]`.
fn rejected(answer: &Value) -> Vec<(u64, Vec<(String, String)>)> {
    answer["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| {
            let problems = r["problems"]
                .as_array()
                .expect("problems")
                .iter()
                .map(|p| {
                    (
                        p["field"].as_str().expect("field").to_string(),
                        p["code"].as_str().expect("code").to_string(),
                    )
                })
                .collect();
            (r["line"].as_u64().expect("line"), problems)
        })
        .collect()
}

fn p(field: &str, code: &str) -> (String, String) {
    (field.to_string(), code.to_string())
}

/// Adults of the roster (born 1990) and their ID numbers.
fn worker(i: u8) -> String {
    id_number(&format!("410721199001{i:02}001"))
}

/// The employer's roster: two good rows (an adult, a minor with guardian) and bad ones.
fn employer_csv(zhang: &str) -> String {
    let father = Person::father();
    let minor = Person::minor();
    let bad_check = {
        let good = worker(2);
        let last = if good.ends_with('0') { '1' } else { '0' };
        format!("{}{last}", &good[..17])
    };
    format!(
        "\u{feff}category,name,phone,document_kind,document_number,guardian_name,guardian_id_number,guardian_relation,guardian_proof\n\
         citizen,赵一,13900000001,resident_id,{w1},,,,\n\
         citizen,钱二,13900000002,resident_id,{bad_check},,,,\n\
         citizen,孙小三,13900000003,resident_id,{kid},,,,\n\
         martian,李四,13900000004,resident_id,{w4},,,,\n\
         citizen,周五,13900000005,resident_id,{w5}\n\
         citizen,{mname},13900000006,resident_id,{mid},{fname},{fid},father,household_register\n\
         citizen,赵一,13900000001,resident_id,{w1},,,,\n\
         citizen,张三,13800000001,resident_id,{zhang},,,,\n",
        w1 = worker(1),
        kid = id_number("41072120150301002"),
        w4 = worker(4),
        w5 = worker(5),
        mname = minor.name,
        mid = minor.id_number,
        fname = father.name,
        fid = father.id_number,
    )
}

async fn utf8_roster_reports_every_bad_row_with_its_line(h: Harness) {
    // 张三 already applied on his own: his row is refused, the others are not affected.
    let zhang = Person::zhang();
    let mut zjar = h.citizen(&zhang).await;
    h.apply(&mut zjar, &zhang, "key-zhang-0001")
        .await
        .expect(StatusCode::CREATED);

    let mut hr = h.citizen(&Person::li()).await;
    let csv = employer_csv(&zhang.id_number);
    let r = upload(&h, &mut hr, "employer", "batch-key-0001", csv.as_bytes()).await;
    let answer = r.expect(StatusCode::CREATED).clone();
    assert_eq!(answer["rows"], 8, "{answer}");
    assert_eq!(answer["accepted"], 2, "{answer}");
    assert_eq!(answer["agent"]["name"], EMPLOYER);
    let lines: Vec<u64> = answer["applications"]
        .as_array()
        .expect("applications")
        .iter()
        .map(|a| a["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(lines, [2, 7]);
    assert_eq!(
        rejected(&answer),
        vec![
            (3, vec![p("document_number", "ID_NUMBER_CHECK_DIGIT")]),
            (4, vec![p("guardian", "REQUIRED")]),
            (5, vec![p("category", "VALUE_UNKNOWN")]),
            (6, vec![p("", "CSV_FIELD_COUNT")]),
            (8, vec![p("document_number", "APPLICATION_EXISTS")]),
            (9, vec![p("document_number", "APPLICATION_EXISTS")]),
        ],
        "{answer}"
    );
    assert_eq!(h.count("applications").await, 3);
    assert_eq!(h.count("batches").await, 1);

    // The applications are the applicants', submitted by the HR account, channel employer.
    let id = answer["applications"][0]["id"].as_i64().expect("id");
    let mut reviewer = h.reviewer("shenhe01").await;
    let detail = h
        .get(&mut reviewer, &format!("/api/review/applications/{id}"))
        .await;
    let app = &detail.expect(StatusCode::OK)["application"];
    assert_eq!(app["channel"], "employer");
    assert_eq!(app["agent"]["uscc"], EMPLOYER_USCC);
    assert_eq!(app["document"]["number"], worker(1));
    assert_eq!(app["name"], "赵一");
    // The HR account lists what it submitted.
    let mine = h.get(&mut hr, "/api/applications").await;
    assert_eq!(
        mine.expect(StatusCode::OK)["applications"]
            .as_array()
            .expect("list")
            .len(),
        2
    );
}

async fn gbk_roster_of_a_school_is_decoded(h: Harness) {
    let names = ["张小花", "李小草"];
    let ids = [
        id_number("41072120100301002"),
        id_number("41072120090401003"),
    ];
    let father = Person::father();
    let mut text = String::from(
        "name,category,document_kind,document_number,phone,guardian_name,guardian_id_number,guardian_relation,guardian_proof\r\n",
    );
    for (name, id) in names.iter().zip(&ids) {
        text.push_str(&format!(
            "{name},citizen,resident_id,{id},13700000000,{},{},father,household_register\r\n",
            father.name, father.id_number
        ));
    }
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "really GBK, not UTF-8");
    let mut teacher = h.citizen(&Person::li()).await;
    let r = upload(&h, &mut teacher, "school", "batch-gbk-0001", &gbk).await;
    let answer = r.expect(StatusCode::CREATED).clone();
    assert_eq!(answer["accepted"], 2, "{answer}");
    assert_eq!(answer["rejected"], json!([]));
    let batch = answer["batch_id"].as_i64().expect("batch id");

    let mut reviewer = h.reviewer("shenhe01").await;
    let detail = h
        .get(&mut reviewer, &format!("/api/review/batches/{batch}"))
        .await;
    let body = detail.expect(StatusCode::OK);
    assert_eq!(body["channel"], "school");
    let got: Vec<&str> = body["applications"]
        .as_array()
        .expect("applications")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    assert_eq!(got, names);
}

async fn retry_of_the_same_upload_creates_nothing(h: Harness) {
    let mut hr = h.citizen(&Person::li()).await;
    let csv = employer_csv(&Person::zhang().id_number);
    let first = upload(&h, &mut hr, "employer", "batch-key-0002", csv.as_bytes()).await;
    let first = first.expect(StatusCode::CREATED).clone();
    let again = upload(&h, &mut hr, "employer", "batch-key-0002", csv.as_bytes()).await;
    assert_eq!(again.expect(StatusCode::CREATED), &first);
    assert_eq!(h.count("batches").await, 1);
    assert_eq!(h.count("applications").await, 3, "{first}");

    // The same key with another file.
    let other = csv.replace("赵一", "赵壹");
    let r = upload(&h, &mut hr, "employer", "batch-key-0002", other.as_bytes()).await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "IDEMPOTENCY_KEY_REUSED",
        None,
    );
    // Another key: every applicant now has an open application.
    let r = upload(&h, &mut hr, "employer", "batch-key-0003", csv.as_bytes()).await;
    let answer = r.expect(StatusCode::CREATED);
    assert_eq!(answer["accepted"], 0, "{answer}");
    let refused = rejected(answer);
    assert!(refused
        .iter()
        .any(|(line, p)| *line == 2 && p[0].1 == "APPLICATION_EXISTS"));
    assert_eq!(h.count("applications").await, 3);
}

async fn reviewer_lists_and_approves_a_batch(h: Harness) {
    let mut hr = h.citizen(&Person::li()).await;
    let csv = employer_csv(&Person::zhang().id_number);
    let answer = upload(&h, &mut hr, "employer", "batch-key-0004", csv.as_bytes()).await;
    let batch = answer.expect(StatusCode::CREATED)["batch_id"]
        .as_i64()
        .expect("batch");
    let mut reviewer = h.reviewer("shenhe01").await;
    let list = h.get(&mut reviewer, "/api/review/batches").await;
    let b = &list.expect(StatusCode::OK)["batches"][0];
    assert_eq!(b["id"], batch);
    assert_eq!(b["rows"], 8);
    // 张三 has no application of his own here: his row is accepted too.
    assert_eq!(b["accepted"], 3);
    assert_eq!(b["statuses"], json!({ "reviewing": 3 }));

    // One application is rejected on its own first; the batch approval leaves it.
    let detail = h
        .get(&mut reviewer, &format!("/api/review/batches/{batch}"))
        .await;
    let apps = detail.expect(StatusCode::OK)["applications"].clone();
    let minor_app = apps[1]["id"].as_i64().expect("id");
    h.post(
        &mut reviewer,
        &format!("/api/review/applications/{minor_app}/reject"),
        json!({ "reason": "户口簿页不清晰" }),
    )
    .await
    .expect(StatusCode::OK);

    let r = h
        .post(
            &mut reviewer,
            &format!("/api/review/batches/{batch}/approve"),
            json!({}),
        )
        .await;
    let body = r.expect(StatusCode::OK);
    assert_eq!(body["approved"], 2, "{body}");
    let card = body["applications"][0]["card_number"]
        .as_str()
        .expect("card")
        .to_string();
    assert_eq!(h.count("cards").await, 2);
    let audit = h.get(&mut reviewer, "/api/review/audit").await;
    let actions: Vec<String> = audit.expect(StatusCode::OK)["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| format!("{} {}", e["action"], e["target"]).replace('"', ""))
        .collect();
    assert_eq!(
        actions,
        [
            format!("approve_batch batch:{batch}"),
            format!("approve application:{}", apps[2]["id"]),
            format!("approve application:{}", apps[0]["id"]),
            format!("reject application:{minor_app}"),
            format!("view_batch batch:{batch}"),
        ]
    );
    let detail = h
        .get(&mut reviewer, &format!("/api/review/batches/{batch}"))
        .await;
    let statuses: Vec<&str> = detail.expect(StatusCode::OK)["applications"]
        .as_array()
        .expect("applications")
        .iter()
        .map(|a| a["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["making", "rejected", "making"]);
    // Approving again approves nothing more.
    let again = h
        .post(
            &mut reviewer,
            &format!("/api/review/batches/{batch}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(again.expect(StatusCode::OK)["approved"], 0);
    let missing = h
        .post(&mut reviewer, "/api/review/batches/999/approve", json!({}))
        .await;
    missing.expect_error(StatusCode::NOT_FOUND, "NOT_FOUND", None);

    // The employee registers with their own account and finds the card made for them.
    let employee = Person {
        name: "赵一",
        id_number: worker(1),
        phone: "13900000001",
    };
    let mut jar = h.citizen(&employee).await;
    let me = h.get(&mut jar, "/api/me").await;
    assert_eq!(me.expect(StatusCode::OK)["card"]["card_number"], card);
    let mine = h.get(&mut jar, "/api/applications").await;
    let list = mine.expect(StatusCode::OK)["applications"].clone();
    assert_eq!(list[0]["status"], "making");
    assert_eq!(list[0]["batch_id"], batch);
    assert_eq!(list[0]["submitted_by_me"], false);
    // The HR account does not hold the card.
    let hr_me = h.get(&mut hr, "/api/me").await;
    assert_eq!(hr_me.expect(StatusCode::OK)["card"], Value::Null);
    // Citizens cannot use the reviewer routes.
    let r = h.get(&mut jar, "/api/review/batches").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

async fn malformed_uploads_are_refused_as_a_whole(h: Harness) {
    let mut hr = h.citizen(&Person::li()).await;
    // Not logged in.
    let r = upload(&h, &mut Jar::none(), "employer", "batch-key-0010", b"x").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // No key.
    let r = h
        .request(
            &mut hr,
            Method::POST,
            &path("employer"),
            &[("content-type", "text/csv")],
            Body::from("name\n"),
        )
        .await;
    r.expect_error(StatusCode::BAD_REQUEST, "IDEMPOTENCY_KEY_REQUIRED", None);
    // Wrong channel, wrong content type.
    let r = upload(&h, &mut hr, "bank", "batch-key-0011", b"name\n").await;
    r.expect_error(
        StatusCode::BAD_REQUEST,
        "BATCH_CHANNEL_UNKNOWN",
        Some("channel"),
    );
    let r = h
        .request(
            &mut hr,
            Method::POST,
            &path("employer"),
            &[
                ("content-type", "application/json"),
                ("idempotency-key", "batch-key-0012"),
            ],
            Body::from("{}"),
        )
        .await;
    r.expect_error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "BATCH_TYPE_UNSUPPORTED",
        None,
    );
    // A header without document_number and with an unknown column.
    let r = upload(
        &h,
        &mut hr,
        "employer",
        "batch-key-0013",
        "category,name,phone,document_kind,salary\ncitizen,赵一,13900000001,resident_id,100\n"
            .as_bytes(),
    )
    .await;
    let body = r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "BATCH_HEADER_INVALID");
    let codes: Vec<(String, String)> = body["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["field"].as_str().unwrap_or("").to_string(),
                p["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            p("salary", "COLUMN_UNKNOWN"),
            p("document_number", "COLUMN_MISSING")
        ]
    );
    // Header only.
    let r = upload(
        &h,
        &mut hr,
        "employer",
        "batch-key-0014",
        b"category,name,phone,document_kind,document_number\n",
    )
    .await;
    r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "BATCH_EMPTY", None);
    // Neither UTF-8 nor GBK.
    let r = upload(
        &h,
        &mut hr,
        "employer",
        "batch-key-0015",
        b"category,name\n\xff\xff\xff\n",
    )
    .await;
    r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "BATCH_ENCODING", None);
    // A bad organisation code.
    let r = h
        .request(
            &mut hr,
            Method::POST,
            &format!(
                "/api/batches?channel=school&agent_name={}&agent_uscc=914403001922038217",
                enc(EMPLOYER)
            ),
            &[
                ("content-type", "text/csv"),
                ("idempotency-key", "batch-key-0016"),
            ],
            Body::from("category,name,phone,document_kind,document_number\n"),
        )
        .await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "BATCH_AGENT_INVALID",
        Some("agent_uscc"),
    );
    // Too many rows and too many bytes.
    let mut many = String::from("category,name,phone,document_kind,document_number\n");
    for _ in 0..5_001 {
        many.push_str("citizen,赵一,13900000001,resident_id,1\n");
    }
    let r = upload(&h, &mut hr, "employer", "batch-key-0017", many.as_bytes()).await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "BATCH_TOO_MANY_ROWS",
        None,
    );
    let big = vec![b'a'; 5 * 1024 * 1024 + 1];
    let r = upload(&h, &mut hr, "employer", "batch-key-0018", &big).await;
    r.expect_error(StatusCode::PAYLOAD_TOO_LARGE, "BATCH_TOO_LARGE", None);
    assert_eq!(h.count("batches").await, 0);
    assert_eq!(h.count("applications").await, 0);
}

// ---------------------------------------------------------------- migration 0004

/// A database migrated up to 0003 (one open application per account, cards of the account)
/// with a guardian's application for a child and the child's own second one, then opened by
/// the service (which runs 0004): the applicant and the card holder are backfilled, the later
/// duplicate is set aside, the new index holds.
async fn migration_backfills_applicants_and_holders(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, folder, _pg) = match backend {
        Backend::Sqlite => (
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("ecard.sqlite3").display()
            ),
            "sqlite",
            None,
        ),
        Backend::Postgres => {
            let Some(pg) = common::PgDatabase::create().await else {
                return;
            };
            (pg.url.clone(), "postgres", Some(pg))
        }
    };
    let old = dir.path().join("old");
    std::fs::create_dir(&old).expect("mkdir");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(folder);
    for f in [
        "0001_initial.sql",
        "0002_one_open_application.sql",
        "0003_uploads.sql",
    ] {
        std::fs::copy(src.join(f), old.join(f)).expect("copy migration");
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
    sqlx::migrate::Migrator::new(old.as_path())
        .await
        .expect("migrator")
        .run(&pool)
        .await
        .expect("migrate to 0003");
    let (father, child) = (Person::father(), Person::minor());
    for (id, p) in [(1i64, &father), (2, &child)] {
        sqlx::query("INSERT INTO users (id, name, id_number, phone, password_hash, created_at) VALUES ($1, $2, $3, $4, 'x', 0)")
            .bind(id)
            .bind(p.name)
            .bind(&p.id_number)
            .bind(p.phone)
            .execute(&pool)
            .await
            .expect("user");
    }
    let data = json!({ "name": child.name, "document": { "kind": "resident_id", "number": child.id_number } })
        .to_string();
    for (id, user, status) in [(1i64, 1i64, "making"), (2, 2, "reviewing")] {
        sqlx::query("INSERT INTO applications (id, user_id, idempotency_key, request_hash, status, data, created_at, updated_at) VALUES ($1, $2, 'k', 'h', $3, $4, 0, 0)")
            .bind(id)
            .bind(user)
            .bind(status)
            .bind(&data)
            .execute(&pool)
            .await
            .expect("application");
    }
    sqlx::query("INSERT INTO cards (id, user_id, application_id, card_number, state, created_at, updated_at) VALUES (1, 1, 1, 'HA0000001', 'normal', 0, 0)")
        .execute(&pool)
        .await
        .expect("card");
    pool.close().await;

    let db = match backend {
        Backend::Sqlite => ecard::service::db::Db::open_sqlite(dir.path()).await,
        Backend::Postgres => ecard::service::db::Db::open_postgres(&url).await,
    }
    .expect("open and migrate");
    // On start the service seals what was stored in plain text (migration 0006).
    let keys =
        ecard::service::keystore::KeyStore::open_or_create(dir.path(), common::NOW).expect("keys");
    let pii = &keys.pii;
    let sealed = ecard::service::pii::seal_existing(&db, pii)
        .await
        .expect("seal");
    assert_eq!(sealed, 5, "2 users, 2 applications, 1 card");
    if backend == Backend::Sqlite {
        let mut bytes = Vec::new();
        for e in std::fs::read_dir(dir.path()).expect("dir") {
            let path = e.expect("entry").path();
            if path.to_string_lossy().contains("ecard.sqlite3") {
                bytes.extend(std::fs::read(&path).expect("read"));
            }
        }
        for p in [&father, &child] {
            let plain = p.id_number.as_bytes();
            assert!(
                !bytes.windows(plain.len()).any(|w| w == plain),
                "{} left in plain in the SQLite files after sealing",
                p.id_number
            );
        }
    }
    let open = |v: Option<String>| {
        v.map(|v| {
            pii.open_text(ecard::service::pii::ID_NUMBER, &v)
                .expect("opens")
        })
    };
    let apps: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT id, applicant_id_number, applicant_name FROM applications ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("applications");
    let apps: Vec<_> = apps
        .into_iter()
        .map(|(i, n, name)| (i, open(n), name))
        .collect();
    assert_eq!(
        apps,
        [
            (
                1,
                Some(child.id_number.clone()),
                Some(child.name.to_string())
            ),
            (
                2,
                Some(format!("{}#2", child.id_number)),
                Some(child.name.to_string())
            ),
        ]
    );
    let (holder,): (Option<String>,) =
        sqlx::query_as("SELECT holder_id_number FROM cards WHERE id = 1")
            .fetch_one(&db.pool)
            .await
            .expect("card");
    assert_eq!(open(holder), Some(child.id_number.clone()));
    // The index is per applicant now (by blind index since 0006).
    let again = sqlx::query("INSERT INTO applications (user_id, idempotency_key, request_hash, status, data, created_at, updated_at, applicant_id_index) VALUES (1, 'k2', 'h', 'reviewing', '{}', 0, 0, $1)")
        .bind(pii.index(&child.id_number))
        .execute(&db.pool)
        .await;
    assert!(again.is_err(), "second open application for the child");
    db.pool.close().await;
}

#[tokio::test]
async fn migration_backfills_applicants_and_holders_sqlite() {
    migration_backfills_applicants_and_holders(Backend::Sqlite).await;
}

#[tokio::test]
async fn migration_backfills_applicants_and_holders_postgres() {
    migration_backfills_applicants_and_holders(Backend::Postgres).await;
}

/// A ZIP archive of `(name, bytes)` entries, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(*name, options).expect("entry");
        w.write_all(bytes).expect("write");
    }
    w.finish().expect("zip").into_inner()
}

async fn send_zip(
    h: &Harness,
    jar: &mut Jar,
    url: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Resp {
    h.request(
        jar,
        Method::POST,
        url,
        &[("content-type", content_type)],
        Body::from(body),
    )
    .await
}

async fn photos_zip_attaches_good_photos_and_reports_the_rest(h: Harness) {
    let mut hr = h.citizen(&Person::li()).await;
    let csv = employer_csv(&Person::zhang().id_number);
    let answer = upload(&h, &mut hr, "employer", "batch-key-0006", csv.as_bytes()).await;
    let batch = answer.expect(StatusCode::CREATED)["batch_id"]
        .as_i64()
        .expect("batch");
    let minor = Person::minor();
    let good_name = format!("{}.jpg", worker(1));
    let wrong_name = format!("{}.jpg", minor.id_number);
    let unknown_name = format!("{}.jpg", worker(9));
    let archive = zip_of(&[
        (&good_name, common::GOOD_PHOTO),
        (&wrong_name, common::WRONG_SIZE_PHOTO),
        (&unknown_name, common::GOOD_PHOTO),
        ("../evil.jpg", common::GOOD_PHOTO),
    ]);
    let url = format!("/api/batches/{batch}/photos");
    // Only the account that submitted the batch, and only a ZIP.
    let mut other = h.citizen(&Person::zhang()).await;
    send_zip(&h, &mut other, &url, "application/zip", archive.clone())
        .await
        .expect(StatusCode::NOT_FOUND);
    send_zip(&h, &mut hr, &url, "text/csv", archive.clone())
        .await
        .expect(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    send_zip(&h, &mut hr, &url, "application/zip", b"not a zip".to_vec())
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);

    let r = send_zip(&h, &mut hr, &url, "application/zip", archive).await;
    let body = r.expect(StatusCode::OK).clone();
    assert_eq!(body["attached"], 1, "{body}");
    let rejected: Vec<(String, String)> = body["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| {
            let code = r["code"]
                .as_str()
                .or_else(|| r["problems"][0]["code"].as_str())
                .unwrap_or("")
                .to_string();
            (r["entry"].as_str().expect("entry").to_string(), code)
        })
        .collect();
    assert_eq!(rejected.len(), 3, "{body}");
    assert_eq!(rejected[1], (unknown_name, "PHOTO_NUMBER_UNKNOWN".into()));
    assert_eq!(
        rejected[2],
        ("../evil.jpg".into(), "PHOTO_ENTRY_NAME".into())
    );
    assert_eq!(rejected[0].0, wrong_name);
    assert_eq!(
        body["rejected"][0]["problems"][0]["field"], "photo",
        "{body}"
    );

    // The reviewer sees the photo as the material of 赵一's application only.
    let mut reviewer = h.reviewer("shenhe01").await;
    let detail = h
        .get(&mut reviewer, &format!("/api/review/batches/{batch}"))
        .await;
    let apps = detail.expect(StatusCode::OK)["applications"].clone();
    let with_photo: Vec<&Value> = apps
        .as_array()
        .expect("applications")
        .iter()
        .filter(|a| a["materials"].as_array().is_some_and(|m| !m.is_empty()))
        .collect();
    assert_eq!(with_photo.len(), 1, "{apps}");
    assert_eq!(with_photo[0]["id_number"], worker(1));
    let m = &with_photo[0]["materials"][0];
    assert_eq!(m["kind"], "photo");
    assert_eq!(m["content_type"], "image/jpeg");
    assert_eq!(m["bytes"], common::GOOD_PHOTO.len());
    let file = h
        .get(
            &mut reviewer,
            &format!("/api/review/uploads/{}", m["id"].as_str().expect("id")),
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
}
