//! What the service logs: `ecard serve` (the binary) runs at debug level (`RUST_LOG=debug`)
//! through realistic requests — registrations (one with a wrong ID number), logins (one with a
//! wrong password), uploads, applications (one for a child, with the guardian's number), a
//! batch, the reviewer's work, credentials — and everything it wrote to standard output and
//! error holds no full ID number and no birth date of anyone seeded.

mod common;

use common::process::{add_reviewer, upload_materials, Server};
use common::{id_number, Person, REVIEWER_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client")
}

async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_debug_log_holds_no_id_number_or_birth_date() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    let server = Server::start_with(data, None, &[], &[("RUST_LOG", "debug")]);
    let (zhang, li, father, child) = (
        Person::zhang(),
        Person::li(),
        Person::father(),
        Person::minor(),
    );
    let mut seeded: Vec<String> = [&zhang, &li, &father, &child]
        .iter()
        .map(|p| p.id_number.clone())
        .collect();

    // Registrations and logins, good and bad.
    for p in [&zhang, &li, &father] {
        let (s, b) = send(
            browser()
                .post(server.url("/api/citizens/register"))
                .json(&p.register_body()),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let good = id_number("41072119880808123");
    let wrong_check = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('0') { '1' } else { '0' }
    );
    let mut bad = li.register_body();
    bad["id_number"] = json!(wrong_check);
    bad["phone"] = json!("13800000099");
    let (s, _) = send(
        browser()
            .post(server.url("/api/citizens/register"))
            .json(&bad),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    seeded.push(wrong_check);
    let (s, _) = send(
        browser()
            .post(server.url("/api/citizens/login"))
            .json(&json!({ "phone": zhang.phone, "password": "not-the-password-1" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Applications with their uploads: for oneself, and a father's for his child.
    let mut ids = Vec::new();
    for (p, for_whom, minor) in [(&zhang, &zhang, false), (&father, &child, true)] {
        let http = browser();
        let (s, _) = send(
            http.post(server.url("/api/citizens/login"))
                .json(&p.login_body()),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let materials = upload_materials(&http, &server, minor).await;
        let (s, b) = send(
            http.post(server.url("/api/applications"))
                .header("idempotency-key", format!("log-test-{}", for_whom.phone))
                .json(&for_whom.application_with(materials)),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        ids.push(b["id"].as_i64().unwrap());
        // An invalid application: the problems name fields, not values.
        let mut broken = for_whom.application();
        broken["document"]["number"] = json!(format!("{}X", &for_whom.id_number[..17]));
        send(
            http.post(server.url("/api/applications"))
                .header(
                    "idempotency-key",
                    format!("log-test-bad-{}", for_whom.phone),
                )
                .json(&broken),
        )
        .await;
        send(http.get(server.url("/api/me/details"))).await;
        send(http.get(server.url("/api/applications"))).await;
    }
    // A batch of an employer, uploaded by 李四.
    let batch = [
        id_number("41072119930303345"),
        id_number("41072119940404456"),
    ];
    seeded.extend(batch.iter().cloned());
    let li_http = browser();
    send(
        li_http
            .post(server.url("/api/citizens/login"))
            .json(&li.login_body()),
    )
    .await;
    let csv = format!(
        "category,name,phone,document_kind,document_number\n\
         citizen,赵六,13900000011,resident_id,{}\n\
         citizen,钱七,13900000012,resident_id,{}\n\
         citizen,孙八,1390000001,resident_id,{}\n",
        batch[0], batch[1], batch[1]
    );
    let (s, b) = send(
        li_http
            .post(server.url(
                "/api/batches?channel=employer&agent_name=%E6%B2%B3%E5%8D%97%E6%9F%90%E5%85%AC%E5%8F%B8&agent_uscc=914403001922038216",
            ))
            .header("content-type", "text/csv")
            .header("idempotency-key", "log-test-batch")
            .body(csv),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    // The reviewer's work, then the holder's credential.
    add_reviewer(data, None, "shenhe01");
    let reviewer = browser();
    let (s, _) = send(
        reviewer
            .post(server.url("/api/review/login"))
            .json(&json!({ "username": "shenhe01", "password": REVIEWER_PASSWORD })),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    send(reviewer.get(server.url("/api/review/queue"))).await;
    for id in &ids {
        let (s, d) =
            send(reviewer.get(server.url(&format!("/api/review/applications/{id}")))).await;
        assert_eq!(s, StatusCode::OK);
        for m in d["materials"].as_array().unwrap() {
            send(reviewer.get(server.url(&format!(
                "/api/review/uploads/{}",
                m["id"].as_str().unwrap()
            ))))
            .await;
        }
        let (s, _) =
            send(reviewer.post(server.url(&format!("/api/review/applications/{id}/approve"))))
                .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (_, batches) = send(reviewer.get(server.url("/api/review/batches"))).await;
    let batch_id = batches["batches"][0]["id"].as_i64().unwrap();
    send(reviewer.get(server.url(&format!("/api/review/batches/{batch_id}")))).await;
    send(reviewer.get(server.url("/api/review/audit"))).await;
    let holder = browser();
    send(
        holder
            .post(server.url("/api/citizens/login"))
            .json(&zhang.login_body()),
    )
    .await;
    let key = common::device_key(7);
    let (s, b) = send(
        holder
            .post(server.url("/api/ecard/credential"))
            .json(&json!({ "device_public_key": hex::encode(key.verifying_key().to_bytes()) })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    let log = server.log_text();
    drop(server);
    let lines = log.lines().count();
    assert!(
        log.contains("DEBUG"),
        "the service logged at debug level:\n{log}"
    );
    let mut secrets = Vec::new();
    for id in &seeded {
        let d = &id[6..14];
        secrets.push(id.clone());
        secrets.push(d.to_string());
        secrets.push(format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]));
    }
    let hits: Vec<&String> = secrets
        .iter()
        .filter(|s| log.contains(s.as_str()))
        .collect();
    eprintln!(
        "log: {lines} lines, {} bytes; {} secrets looked for; {} found",
        log.len(),
        secrets.len(),
        hits.len()
    );
    assert!(hits.is_empty(), "personal data in the log: {hits:?}\n{log}");
}
