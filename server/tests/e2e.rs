//! The whole journey over real HTTP against the built binary (`ecard serve` on an ephemeral
//! port of 127.0.0.1), on SQLite and on PostgreSQL: a citizen registers, applies and is
//! approved by a reviewer created with `ecard admin add-reviewer`; the phone gets a credential
//! and shows a museum code that a synced gate admits; the card is reported lost, the gate syncs
//! a delta, and the next code is refused as revoked.

mod common;

use ecard_core::{Credential, Gate, GatePolicy, Scene, SigningKey, Wallet};
use reqwest::StatusCode;
use serde_json::{json, Value};

use common::process::{add_reviewer, upload_materials, Server};
use common::{Person, PgDatabase, REVIEWER_PASSWORD};

const STEP: u8 = 30;

#[tokio::test]
async fn journey_on_sqlite() {
    journey(None).await;
}

#[tokio::test]
async fn journey_on_postgres() {
    let Some(pg) = PgDatabase::create().await else {
        return;
    };
    journey(Some(&pg.url)).await;
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// A browser: keeps its cookies.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client")
}

/// Sends, checks the status and returns the JSON body.
async fn expect_json(req: reqwest::RequestBuilder, status: StatusCode) -> Value {
    let resp = req.send().await.expect("request");
    let got = resp.status();
    let text = resp.text().await.expect("body");
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn bundle(http: &reqwest::Client, server: &Server, since: Option<u32>) -> Vec<u8> {
    let path = match since {
        Some(v) => format!("/api/gates/bundle?since={v}"),
        None => "/api/gates/bundle".into(),
    };
    let resp = http.get(server.url(&path)).send().await.expect("bundle");
    assert_eq!(resp.status(), StatusCode::OK);
    resp.bytes().await.expect("bytes").to_vec()
}

async fn journey(database_url: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    let server = Server::start(data, database_url);
    let p = Person::zhang();

    // The citizen registers, logs in and applies.
    let holder = browser();
    let reg = expect_json(
        holder
            .post(server.url("/api/citizens/register"))
            .json(&p.register_body()),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(reg["id_number"], p.masked_id());
    expect_json(
        holder
            .post(server.url("/api/citizens/login"))
            .json(&p.login_body()),
        StatusCode::OK,
    )
    .await;
    let me = expect_json(holder.get(server.url("/api/me")), StatusCode::OK).await;
    assert_eq!(me["card"], Value::Null);
    // No data-sharing service in `ecard serve`: every material is uploaded first.
    let materials = upload_materials(&holder, &server, false).await;
    let application = expect_json(
        holder
            .post(server.url("/api/applications"))
            .header("Idempotency-Key", "e2e-apply-0001")
            .json(&p.application_with(materials)),
        StatusCode::CREATED,
    )
    .await;
    let id = application["id"].as_i64().expect("application id");
    assert_eq!(application["status_label"], "联审中");

    // The operator creates a reviewer, who logs in and approves.
    add_reviewer(data, database_url, "shenhe01");
    let reviewer = browser();
    expect_json(
        reviewer
            .post(server.url("/api/review/login"))
            .json(&json!({ "username": "shenhe01", "password": REVIEWER_PASSWORD })),
        StatusCode::OK,
    )
    .await;
    let queue = expect_json(
        reviewer.get(server.url("/api/review/queue")),
        StatusCode::OK,
    )
    .await;
    assert_eq!(queue["queue"][0]["id"], id);
    let approved = expect_json(
        reviewer.post(server.url(&format!("/api/review/applications/{id}/approve"))),
        StatusCode::OK,
    )
    .await;
    let card = approved["card_number"].as_str().expect("card number");
    let view = expect_json(
        holder.get(server.url(&format!("/api/applications/{id}"))),
        StatusCode::OK,
    )
    .await;
    assert_eq!(view["status_label"], "制卡中");

    // The phone makes its key and gets a credential.
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).expect("random seed");
    let key = SigningKey::from_bytes(&seed);
    let issued = expect_json(
        holder
            .post(server.url("/api/ecard/credential"))
            .json(&json!({ "device_public_key": hex::encode(key.verifying_key().to_bytes()) })),
        StatusCode::CREATED,
    )
    .await;
    let bytes = hex::decode(issued["credential"].as_str().expect("credential")).expect("hex");
    let credential = Credential::from_bytes(&bytes).expect("credential parses");
    assert_eq!(credential.body.masked_name, "张*");
    let serial = credential.body.serial;
    let wallet = Wallet::new(key, credential).expect("credential for this phone");

    // A museum gate, provisioned with the root key, syncs and admits the code.
    let http = reqwest::Client::new();
    let root = expect_json(http.get(server.url("/api/gates/root")), StatusCode::OK).await;
    let root: [u8; 32] = hex::decode(root["root_public_key"].as_str().expect("root key"))
        .expect("hex")
        .try_into()
        .expect("32 bytes");
    let mut gate = Gate::new(&root, GatePolicy::for_scene(Scene::Museum)).expect("gate");
    let now = unix_now();
    gate.load_bundle(&bundle(&http, &server, None).await, now)
        .expect("full bundle accepted");
    let code = wallet
        .code_at(unix_now(), STEP, Scene::Museum, 0)
        .expect("code");
    let verdict = gate.verify(&code.to_text(), unix_now());
    assert!(verdict.admitted, "{verdict:?}");
    assert_eq!(verdict.serial, Some(serial.to_string()));
    let stored = expect_json(
        http.post(server.url("/api/gates/scans")).json(&json!({
            "gate_id": "museum-gate-01",
            "logs": [{ "log_id": "e2e-scan-0001", "serial": verdict.serial, "result": verdict.code, "scanned_at": now }],
        })),
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored, json!({ "stored": 1, "duplicates": 0 }));

    // The card is reported lost; the gate syncs a delta from its version.
    let lost = expect_json(
        reviewer
            .post(server.url(&format!("/api/review/cards/{card}/actions")))
            .json(&json!({ "action": "lost" })),
        StatusCode::OK,
    )
    .await;
    assert_eq!(lost["revoked"], 1);
    let now = unix_now();
    let version = gate.sync_status(now).revocation_version;
    let status = gate
        .load_bundle(&bundle(&http, &server, Some(version)).await, now)
        .expect("delta accepted");
    assert!(status.revocation_version > version, "{status:?}");
    assert_eq!(status.revoked_count, 1);

    // The phone's next code is refused.
    let code = wallet
        .code_at(unix_now(), STEP, Scene::Museum, 1)
        .expect("code");
    let verdict = gate.verify(&code.to_text(), unix_now());
    assert!(!verdict.admitted);
    assert_eq!(verdict.code, "REVOKED", "{verdict:?}");
    assert_eq!(verdict.message, "该卡已挂失，不能使用");
    let refused = expect_json(
        holder.post(server.url("/api/ecard/credential")).json(
            &json!({ "device_public_key": hex::encode(wallet.credential().body.device_key) }),
        ),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(refused["code"], "CARD_NOT_NORMAL");
    drop(server);
}
