//! Venue reservations through the HTTP API, each on SQLite and PostgreSQL: operators define
//! venues; citizens book, cancel and get banned for no-shows; the last place goes to exactly
//! one of many simultaneous bookings; a venue's gate receives the day's signed manifest and
//! admits by it; attendance comes back with the scan logs; library reader ids.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{device_key, id_number, Backend, Harness, Jar, Person, NOW, STEP};
use ecard_core::format::fields::{day_of, day_start};
use ecard_core::{Credential, Gate, GatePolicy, Scene, SigningKey, Verdict, Wallet};
use serde_json::{json, Value};

/// Sunday 2026-11-29, 10:00 Beijing time; the venues close on Mondays by default.
const TODAY: &str = "2026-11-29";
const TUESDAY: &str = "2026-12-01";

/// A person born in 1990 (not a senior), number `i`.
fn person(i: u16) -> Person {
    let phone: &'static str = Box::leak(format!("1370000{i:04}").into_boxed_str());
    Person {
        name: "王五",
        id_number: id_number(&format!("410721199003150{i:02}")),
        phone,
    }
}

/// Unix time of `hh:mm` on the test's first day, plus `days`.
fn at(days: i64, hh: i64, mm: i64) -> i64 {
    day_start(day_of(NOW) + days) + hh * 3600 + mm * 60
}

fn museum(name: &str, capacity: u32) -> Value {
    json!({
        "name": name,
        "kind": "museum",
        "slots": [
            { "start": "09:00", "end": "10:00", "capacity": 50 },
            { "start": "14:00", "end": "15:00", "capacity": capacity },
        ],
        "priority_seniors": false,
    })
}

struct VenueHandle {
    id: i64,
    token: String,
}

async fn create_venue(h: &Harness, op: &mut Jar, config: Value) -> VenueHandle {
    let r = h.post(op, "/api/venues", json!({ "config": config })).await;
    let body = r.expect(StatusCode::CREATED);
    VenueHandle {
        id: body["id"].as_i64().expect("id"),
        token: body["gate_token"].as_str().expect("token").to_string(),
    }
}

async fn book(h: &Harness, jar: &mut Jar, venue: i64, date: &str, start: &str) -> common::Resp {
    h.post(
        jar,
        "/api/bookings",
        json!({ "venue_id": venue, "date": date, "start": start }),
    )
    .await
}

/// A holder with an approved card: their cookies.
async fn card_holder(h: &Harness, reviewer: &mut Jar, p: &Person) -> Jar {
    h.holder(p, reviewer).await.0
}

/// Logs `p` in again (sessions last hours; some tests move days ahead).
async fn login(h: &Harness, p: &Person) -> Jar {
    let mut jar = Jar::none();
    h.post(&mut jar, "/api/citizens/login", p.login_body())
        .await
        .expect(StatusCode::OK);
    jar
}

/// The holder's phone: a credential for `key` and the wallet that shows codes.
async fn phone(h: &Harness, jar: &mut Jar, key: &SigningKey) -> Wallet {
    let r = h.credential(jar, key).await;
    let body = r.expect(StatusCode::CREATED);
    let bytes = hex::decode(body["credential"].as_str().expect("credential")).expect("hex");
    Wallet::new(key.clone(), Credential::from_bytes(&bytes).expect("parses")).expect("wallet")
}

async fn venue_bundle(h: &Harness, v: &VenueHandle) -> common::Resp {
    h.request(
        &mut Jar::none(),
        Method::GET,
        &format!("/api/gates/bundle?venue={}", v.id),
        &[("authorization", &format!("Bearer {}", v.token))],
        Body::empty(),
    )
    .await
}

async fn venue_gate(h: &Harness, v: &VenueHandle, scene: Scene) -> Gate {
    let mut policy = GatePolicy::for_scene(scene);
    policy.venue_id = Some(v.id as u32);
    let mut gate = Gate::new(&h.root_key().await, policy).expect("gate");
    let r = venue_bundle(h, v).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    gate.load_bundle(&r.bytes, h.now()).expect("bundle loads");
    gate
}

fn scan(gate: &mut Gate, w: &Wallet, scene: Scene, t: i64) -> Verdict {
    gate.verify(&w.code_at(t, STEP, scene, 0).expect("code").to_text(), t)
}

async fn booking_rules_window_limits_and_cancellation(h: Harness) {
    let mut op = h.staff("guanli01", "operator").await;
    let v = create_venue(&h, &mut op, museum("河南博物院", 10)).await;
    let mut reviewer = h.reviewer("shenhe01").await;
    let mut jar = card_holder(&h, &mut reviewer, &person(1)).await;

    // Today 14:00 is bookable; a second booking the same day is over the limit of one.
    let r = book(&h, &mut jar, v.id, TODAY, "14:00").await;
    let b = r.expect(StatusCode::CREATED).clone();
    assert_eq!(b["status"], "booked");
    assert_eq!(b["start"], "14:00");
    assert_eq!(b["cancellable"], true);
    book(&h, &mut jar, v.id, TUESDAY, "09:00")
        .await
        .expect(StatusCode::CREATED);
    book(&h, &mut jar, v.id, TUESDAY, "14:00")
        .await
        .expect_error(StatusCode::CONFLICT, "HOLDER_LIMIT", None);
    // Windows: the past, beyond seven days, a Monday, a slot that has started, no such slot.
    book(&h, &mut jar, v.id, "2026-11-28", "14:00")
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "DATE_PASSED", None);
    let far = book(&h, &mut jar, v.id, "2026-12-08", "14:00").await;
    far.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "BOOKING_NOT_OPEN", None);
    assert!(far.text().contains("2026-12-01 起可预约"), "{}", far.text());
    book(&h, &mut jar, v.id, "2026-11-30", "14:00")
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "VENUE_CLOSED", None);
    let mut other = card_holder(&h, &mut reviewer, &person(2)).await;
    book(&h, &mut other, v.id, TODAY, "09:00")
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "SLOT_STARTED", None);
    book(&h, &mut other, v.id, TUESDAY, "11:00")
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "NO_SUCH_SLOT", None);
    book(&h, &mut other, v.id, TODAY, "2pm").await.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "START_INVALID",
        Some("start"),
    );
    // Without a card there is no booking.
    let mut no_card = h.citizen(&person(3)).await;
    book(&h, &mut no_card, v.id, TODAY, "14:00")
        .await
        .expect_error(StatusCode::CONFLICT, "NO_CARD", None);
    assert_eq!(h.count("bookings").await, 2, "refusals store nothing");

    // Availability counts the booking; cancelling frees the place; twice is harmless.
    let path = format!("/api/venues/{}?date={TODAY}", v.id);
    let avail = || async {
        let r = h.get(&mut Jar::none(), &path).await;
        r.expect(StatusCode::OK)["slots"][1]["remaining"].clone()
    };
    assert_eq!(avail().await, 9);
    let id = b["id"].as_i64().unwrap();
    let c = h
        .post(&mut jar, &format!("/api/bookings/{id}/cancel"), json!({}))
        .await;
    assert_eq!(c.expect(StatusCode::OK)["status"], "cancelled");
    assert_eq!(avail().await, 10);
    h.post(&mut jar, &format!("/api/bookings/{id}/cancel"), json!({}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(avail().await, 10);
    // Someone else's booking is not found; a started slot cannot be cancelled.
    let b2 = book(&h, &mut jar, v.id, TODAY, "14:00").await;
    let id2 = b2.expect(StatusCode::CREATED)["id"].as_i64().unwrap();
    h.post(
        &mut other,
        &format!("/api/bookings/{id2}/cancel"),
        json!({}),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND", None);
    h.set_now(at(0, 14, 0));
    h.post(&mut jar, &format!("/api/bookings/{id2}/cancel"), json!({}))
        .await
        .expect_error(StatusCode::CONFLICT, "CANCEL_TOO_LATE", None);
}

async fn a_retried_booking_is_stored_once(h: Harness) {
    let mut op = h.staff("guanli01", "operator").await;
    let v = create_venue(&h, &mut op, museum("河南博物院", 10)).await;
    let mut reviewer = h.reviewer("shenhe01").await;
    let mut jar = card_holder(&h, &mut reviewer, &person(1)).await;
    let send = |jar: &mut Jar, start: &'static str| {
        let body = json!({ "venue_id": v.id, "date": TUESDAY, "start": start });
        let mut jar = jar.clone();
        let h = &h;
        async move {
            h.post_with(
                &mut jar,
                "/api/bookings",
                &[("idempotency-key", "book-0001")],
                body,
            )
            .await
        }
    };
    let first = send(&mut jar, "14:00").await;
    let again = send(&mut jar, "14:00").await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(first.json["id"], again.json["id"]);
    send(&mut jar, "09:00").await.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "IDEMPOTENCY_KEY_REUSED",
        None,
    );
    assert_eq!(h.count("bookings").await, 1);
}

/// Eight holders book the last place at once: exactly one gets it, on both databases.
async fn the_last_place_goes_to_exactly_one(h: Harness) {
    let mut op = h.staff("guanli01", "operator").await;
    let mut reviewer = h.reviewer("shenhe01").await;
    let mut jars = Vec::new();
    for i in 0..8 {
        jars.push(card_holder(&h, &mut reviewer, &person(10 + i)).await);
    }
    for round in 0..4 {
        let v = create_venue(&h, &mut op, museum(&format!("博物馆{round}"), 1)).await;
        let futures = jars.iter().map(|jar| {
            let mut jar = jar.clone();
            let h = &h;
            async move { book(h, &mut jar, v.id, TUESDAY, "14:00").await }
        });
        let results = futures_util::future::join_all(futures).await;
        let won = results
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count();
        let full = results
            .iter()
            .filter(|r| r.status == StatusCode::CONFLICT && r.json["code"] == "SLOT_FULL")
            .count();
        assert_eq!((won, full), (1, 7), "round {round}");
        let (booked,): (i64,) =
            sqlx::query_as("SELECT booked FROM venue_slots WHERE venue_id = $1")
                .bind(v.id)
                .fetch_one(&h.state.db.pool)
                .await
                .unwrap();
        assert_eq!(booked, 1);
    }
}

async fn three_no_shows_ban_booking_for_thirty_days(h: Harness) {
    let mut op = h.staff("guanli01", "operator").await;
    let v = create_venue(&h, &mut op, museum("河南博物院", 10)).await;
    let mut reviewer = h.reviewer("shenhe01").await;
    let mut jar = card_holder(&h, &mut reviewer, &person(1)).await;
    for date in ["2026-12-01", "2026-12-02", "2026-12-03"] {
        book(&h, &mut jar, v.id, date, "14:00")
            .await
            .expect(StatusCode::CREATED);
    }
    // Thursday 12-03 after 15:00: all three windows have closed unattended.
    h.set_now(at(4, 15, 1));
    let mut jar = login(&h, &person(1)).await;
    let mine = h.get(&mut jar, "/api/bookings").await;
    let body = mine.expect(StatusCode::OK);
    let statuses: Vec<&str> = body["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["no_show"; 3]);
    assert_eq!(body["bans"][0]["until"], "2027-01-02");
    let r = book(&h, &mut jar, v.id, "2026-12-05", "14:00").await;
    r.expect_error(StatusCode::CONFLICT, "BOOKING_BANNED", None);
    assert!(r.text().contains("2027-01-02 前不能预约"), "{}", r.text());
    // The ban ends 30 days after the third no-show.
    h.set_now(at(34, 15, 2));
    let mut jar = login(&h, &person(1)).await;
    book(&h, &mut jar, v.id, "2027-01-03", "14:00")
        .await
        .expect(StatusCode::CREATED);
}

/// Book → the museum's gate admits within the slot's window; another museum's gate says there
/// is no booking; the scan log records attendance; a booking not used becomes a no-show.
async fn a_venue_gate_admits_by_the_signed_manifest(h: Harness) {
    let mut op = h.staff("guanli01", "operator").await;
    let v = create_venue(&h, &mut op, museum("河南博物院", 10)).await;
    let w2 = create_venue(&h, &mut op, museum("郑州博物馆", 10)).await;
    let mut reviewer = h.reviewer("shenhe01").await;
    let mut jar = card_holder(&h, &mut reviewer, &person(1)).await;
    let mut absent = card_holder(&h, &mut reviewer, &person(2)).await;
    book(&h, &mut jar, v.id, TODAY, "14:00")
        .await
        .expect(StatusCode::CREATED);
    book(&h, &mut absent, v.id, TODAY, "14:00")
        .await
        .expect(StatusCode::CREATED);
    let wallet = phone(&h, &mut jar, &device_key(1)).await;

    // The manifest needs the venue's token.
    let mut bad = VenueHandle {
        id: v.id,
        token: "0".repeat(64),
    };
    venue_bundle(&h, &bad)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "GATE_TOKEN_INVALID", None);
    bad.token = w2.token.clone();
    venue_bundle(&h, &bad)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "GATE_TOKEN_INVALID", None);
    // A replaced token stops working at once; the new one works.
    let r = h
        .post(
            &mut op,
            &format!("/api/venues/{}/gate-token", v.id),
            json!({}),
        )
        .await;
    let fresh = r.expect(StatusCode::OK)["gate_token"]
        .as_str()
        .unwrap()
        .to_string();
    venue_bundle(&h, &v)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "GATE_TOKEN_INVALID", None);
    let v = VenueHandle {
        id: v.id,
        token: fresh,
    };
    let bundle =
        ecard_core::format::bundle::SyncBundle::from_bytes(&venue_bundle(&h, &v).await.bytes)
            .unwrap();
    assert_eq!(bundle.manifests.len(), 2, "today and tomorrow");
    assert_eq!(bundle.manifests[0].body.entries.len(), 2);

    let mut gate = venue_gate(&h, &v, Scene::Museum).await;
    let early = scan(&mut gate, &wallet, Scene::Museum, at(0, 13, 0));
    assert_eq!(early.code, "BOOKING_TOO_EARLY");
    assert!(early.message.contains("14:00–15:00"), "{}", early.message);
    let t = at(0, 14, 5);
    let ok = scan(&mut gate, &wallet, Scene::Museum, t);
    assert!(ok.admitted, "{ok:?}");
    assert_eq!(ok.entry.as_ref().unwrap().label, "预约 14:00–15:00");
    let mut other = venue_gate(&h, &w2, Scene::Museum).await;
    let there = scan(&mut other, &wallet, Scene::Museum, t);
    assert_eq!(there.code, "NO_BOOKING");
    assert_eq!(there.message, "今日无预约，请先在“豫事办”预约后再来");

    // The gate uploads its log with its venue and token: the booking is attended.
    let upload = json!({
        "gate_id": "gate-a-01",
        "venue_id": v.id,
        "logs": [{ "log_id": "log-00000001", "serial": ok.serial, "result": "ADMITTED", "scanned_at": t }],
    });
    let body = upload.to_string();
    let r = h
        .request(
            &mut Jar::none(),
            Method::POST,
            "/api/gates/scans",
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("Bearer {}", v.token)),
            ],
            Body::from(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = h
        .request(
            &mut Jar::none(),
            Method::POST,
            "/api/gates/scans",
            &[("content-type", "application/json")],
            Body::from(body),
        )
        .await;
    r.expect_error(StatusCode::UNAUTHORIZED, "GATE_TOKEN_INVALID", None);
    h.set_now(at(0, 15, 1));
    let a = h
        .get(
            &mut op,
            &format!("/api/venues/{}/attendance?date={TODAY}", v.id),
        )
        .await;
    let slot = a.expect(StatusCode::OK)["slots"][1].clone();
    assert_eq!(
        (
            slot["attended"].as_i64(),
            slot["no_show"].as_i64(),
            slot["booked"].as_i64()
        ),
        (Some(1), Some(1), Some(0)),
        "{slot}"
    );
    // The holder sees it too.
    let mine = h.get(&mut jar, "/api/bookings").await;
    assert_eq!(
        mine.expect(StatusCode::OK)["bookings"][0]["status"],
        "attended"
    );
}

async fn passes_and_library_reader_ids(h: Harness) {
    let mut op = h.staff("guanli01", "operator").await;
    let mut reviewer = h.reviewer("shenhe01").await;
    let p = person(1);
    let mut jar = card_holder(&h, &mut reviewer, &p).await;
    let scenic = create_venue(
        &h,
        &mut op,
        json!({ "name": "云台山", "kind": "scenic_area", "open_weekdays": [1,2,3,4,5,6,7],
                "slots": [{ "start": "08:00", "end": "17:00", "capacity": 5000 }] }),
    )
    .await;
    let r = h
        .post(
            &mut op,
            &format!("/api/venues/{}/passes", scenic.id),
            json!({ "id_number": p.id_number, "kind": "annual_pass", "valid_until": "2027-11-28" }),
        )
        .await;
    r.expect(StatusCode::CREATED);
    h.post(
        &mut op,
        &format!("/api/venues/{}/passes", scenic.id),
        json!({ "id_number": person(9).id_number, "kind": "annual_pass", "valid_until": "2027-11-28" }),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "HOLDER_NOT_FOUND", Some("id_number"));
    let wallet = phone(&h, &mut jar, &device_key(1)).await;
    let mut gate = venue_gate(&h, &scenic, Scene::ScenicArea).await;
    let v = scan(&mut gate, &wallet, Scene::ScenicArea, NOW);
    assert!(v.admitted, "{v:?}");
    assert_eq!(v.message, "验证通过（景区） · 年卡");

    let library = |name: &str| {
        json!({ "name": name, "kind": "library", "requires_booking": false, "loan_limit": 15,
                "slots": [{ "start": "09:00", "end": "21:00", "capacity": 2000 }] })
    };
    let a = create_venue(&h, &mut op, library("河南省图书馆")).await;
    let b = create_venue(&h, &mut op, library("郑州图书馆")).await;
    let reader = |gate: &mut Gate, w: &Wallet, t: i64| {
        let v = scan(gate, w, Scene::Library, t);
        assert!(v.admitted, "{v:?}");
        let r = v.reader.expect("reader id at a library");
        assert_eq!(r.loan_limit, 15);
        r.reader_id
    };
    let mut ga = venue_gate(&h, &a, Scene::Library).await;
    let mut gb = venue_gate(&h, &b, Scene::Library).await;
    let first = reader(&mut ga, &wallet, NOW);
    // A new phone: a new credential, the same reader at the same library.
    let new_phone = phone(&h, &mut jar, &device_key(2)).await;
    assert_ne!(
        new_phone.credential().body.serial,
        wallet.credential().body.serial
    );
    assert_eq!(reader(&mut ga, &new_phone, NOW + 60), first);
    let at_b = reader(&mut gb, &new_phone, NOW + 60);
    assert_ne!(at_b, first, "two libraries cannot link their readers");
    assert!(!first.contains(&p.id_number[..]) && !p.id_number.contains(&first));
}

async fn only_operators_manage_venues_and_only_reviewers_review(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    h.post(
        &mut reviewer,
        "/api/venues",
        json!({ "config": museum("河南博物院", 10) }),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "NOT_OPERATOR", None);
    let mut op = h.staff("guanli01", "operator").await;
    h.get(&mut op, "/api/review/queue").await.expect_error(
        StatusCode::FORBIDDEN,
        "NOT_REVIEWER",
        None,
    );
    h.post(
        &mut Jar::none(),
        "/api/venues",
        json!({ "config": museum("x", 1) }),
    )
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "NOT_LOGGED_IN", None);
    // A bad configuration is refused with every problem, and nothing is stored.
    let r = h
        .post(
            &mut op,
            "/api/venues",
            json!({ "config": { "name": "", "kind": "general", "open_weekdays": [0, 1],
                    "slots": [{ "start": "10:00", "end": "09:00", "capacity": 0 }] } }),
        )
        .await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "VENUE_CONFIG_INVALID",
        Some("name"),
    );
    let codes: Vec<&str> = r.json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "VENUE_NAME",
            "VENUE_KIND",
            "VENUE_WEEKDAYS",
            "VENUE_SLOTS",
            "VENUE_CAPACITY"
        ]
    );
    assert_eq!(h.count("venues").await, 0);
    // Every operator action is in the audit log.
    let v = create_venue(&h, &mut op, museum("河南博物院", 10)).await;
    let r = h
        .request(
            &mut op,
            Method::PUT,
            &format!("/api/venues/{}", v.id),
            &[("content-type", "application/json")],
            Body::from(json!({ "config": museum("河南博物院", 20) }).to_string()),
        )
        .await;
    r.expect(StatusCode::OK);
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE target = $1")
        .bind(format!("venue:{}", v.id))
        .fetch_one(&h.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 2);
}

on_both_backends!(
    booking_rules_window_limits_and_cancellation,
    a_retried_booking_is_stored_once,
    the_last_place_goes_to_exactly_one,
    three_no_shows_ban_booking_for_thirty_days,
    a_venue_gate_admits_by_the_signed_manifest,
    passes_and_library_reader_ids,
    only_operators_manage_venues_and_only_reviewers_review,
);
