//! The HTTP API in-process (`ecard::service::app` driven with `tower::ServiceExt::oneshot`),
//! each test on a fresh data directory and database at a fixed time. Every test runs twice:
//! `sqlite::NAME` on the embedded file and `postgres::NAME` on a fresh PostgreSQL database
//! (skipped, saying so, when `ECARD_TEST_DATABASE_URL` is not set).

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use ecard_core::{CardState, Credential, RevocationReason, Wallet};
use serde_json::{json, Value};

use common::{
    device_key, Backend, Harness, Jar, Person, GOOD_PHOTO, IDENTITY_POINT, NOW, PNG_RENAMED_PHOTO,
    SCAN_PDF, STEP, WRONG_SIZE_PHOTO,
};

on_both_backends!(
    register_answers_with_the_masked_id_only,
    register_refuses_invalid_fields_and_stores_nothing,
    register_twice_is_already_registered,
    login_with_a_wrong_password_is_bad_credentials,
    routes_without_a_session_are_not_logged_in,
    session_cookies_are_httponly_strict_and_end_at_logout,
    application_needs_an_idempotency_key,
    application_replay_with_the_same_key_stores_one,
    application_key_reused_with_another_body_is_refused,
    second_open_application_is_refused,
    application_must_match_the_account,
    another_holder_cannot_see_my_application,
    malformed_application_bodies_store_nothing,
    reviewer_queue_and_approve,
    reject_needs_a_reason_and_the_applicant_reads_it,
    card_actions_follow_the_state_rules,
    every_reviewer_action_is_audited,
    credential_needs_an_approved_card,
    credential_refuses_bad_and_weak_device_keys,
    credential_is_issued_for_the_device_key,
    minor_credential_carries_the_minor_age_band,
    card_action_revokes_the_credential_at_the_gate,
    new_device_revokes_the_previous_device,
    bundle_loads_into_a_gate_pinned_to_the_root,
    delta_since_the_gate_version_is_accepted,
    scan_logs_are_stored_once,
    invalid_scan_log_refuses_the_whole_upload,
    time_follows_the_service_clock,
    application_reports_every_problem_at_once,
    minor_by_the_guardian_is_accepted_by_a_stranger_refused,
    guardian_applies_for_self_and_child_who_later_holds_the_card,
    one_open_application_per_applicant_whoever_submits,
);

/// Declares each test once per backend, on a service without data sharing (every material
/// must be uploaded).
macro_rules! strict_on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite_strict {
            $(
                #[tokio::test]
                async fn $name() {
                    let h = super::Harness::start_strict(super::Backend::Sqlite).await.expect("SQLite");
                    super::$name(h).await;
                }
            )*
        }
        mod postgres_strict {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(h) = super::Harness::start_strict(super::Backend::Postgres).await {
                        super::$name(h).await;
                    }
                }
            )*
        }
    };
}

strict_on_both_backends!(
    materials_are_uploaded_checked_and_shown_to_the_reviewer,
    missing_materials_are_reported,
    png_renamed_photo_jpg_is_refused,
    photo_of_the_wrong_size_is_refused,
    uploads_are_judged_by_their_bytes,
    materials_of_another_account_are_refused,
    shared_fixtures_get_the_core_verdicts,
);

// ---------------------------------------------------------------- citizens

async fn register_answers_with_the_masked_id_only(h: Harness) {
    let p = Person::zhang();
    let r = h.register(&p).await;
    let body = r.expect(StatusCode::CREATED);
    assert_eq!(body["name"], "张三");
    assert_eq!(body["id_number"], "110105********002X");
    assert!(
        !r.text().contains(&p.id_number),
        "full ID number in {}",
        r.text()
    );
    assert_eq!(h.count("users").await, 1);

    let mut jar = Jar::none();
    h.post(&mut jar, "/api/citizens/login", p.login_body())
        .await
        .expect(StatusCode::OK);
    let me = h.get(&mut jar, "/api/me").await;
    let body = me.expect(StatusCode::OK);
    assert_eq!(body["id_number"], p.masked_id());
    assert_eq!(body["masked_name"], "张*");
    assert_eq!(body["phone"], "138****0001");
    assert_eq!(body["card"], Value::Null);
    assert!(!me.text().contains(&p.id_number), "{}", me.text());
    // The holder may show their own full number on their own screen; it is never cached.
    let details = h.get(&mut jar, "/api/me/details").await;
    assert_eq!(details.expect(StatusCode::OK)["id_number"], p.id_number);
    assert_eq!(details.header("cache-control"), Some("no-store"));
}

async fn register_refuses_invalid_fields_and_stores_nothing(h: Harness) {
    let p = Person::zhang();
    let mut bad_check = p.register_body();
    bad_check["id_number"] = json!("110105194912310021");
    let mut bad_birth = p.register_body();
    bad_birth["id_number"] = json!(common::id_number("11010519490231002"));
    let mut weak = p.register_body();
    weak["password"] = json!("password");
    let mut short = p.register_body();
    short["password"] = json!("abc123");
    let mut phone = p.register_body();
    phone["phone"] = json!("2380000000");
    let mut name = p.register_body();
    name["name"] = json!("张3");
    let cases = [
        (bad_check, "id_number", "ID_NUMBER_CHECK_DIGIT"),
        (bad_birth, "id_number", "ID_NUMBER_BIRTH_DATE"),
        (weak, "password", "PASSWORD_WEAK"),
        (short, "password", "PASSWORD_WEAK"),
        (phone, "phone", "PHONE_INVALID"),
        (name, "name", "NAME_INVALID"),
    ];
    for (body, field, code) in cases {
        let r = h
            .post(&mut Jar::none(), "/api/citizens/register", body)
            .await;
        r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, code, Some(field));
    }
    assert_eq!(h.count("users").await, 0);
}

async fn register_twice_is_already_registered(h: Harness) {
    let p = Person::zhang();
    h.register(&p).await.expect(StatusCode::CREATED);
    // The same ID number with another phone, and the same phone with another ID number.
    let mut same_id = p.register_body();
    same_id["phone"] = json!("13900000009");
    let mut same_phone = Person::li().register_body();
    same_phone["phone"] = json!(p.phone);
    for body in [p.register_body(), same_id, same_phone] {
        let r = h
            .post(&mut Jar::none(), "/api/citizens/register", body)
            .await;
        r.expect_error(StatusCode::CONFLICT, "ALREADY_REGISTERED", None);
    }
    assert_eq!(h.count("users").await, 1);
}

async fn login_with_a_wrong_password_is_bad_credentials(h: Harness) {
    let p = Person::zhang();
    h.register(&p).await.expect(StatusCode::CREATED);
    let mut jar = Jar::none();
    let wrong = json!({ "phone": p.phone, "password": "wrong2026" });
    let unknown = json!({ "phone": "13999999999", "password": common::PASSWORD });
    for body in [wrong, unknown] {
        let r = h.post(&mut jar, "/api/citizens/login", body).await;
        r.expect_error(StatusCode::UNAUTHORIZED, "BAD_CREDENTIALS", None);
        assert!(r.headers.get("set-cookie").is_none());
    }
    assert_eq!(h.count("sessions").await, 0);
    h.get(&mut jar, "/api/me")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "NOT_LOGGED_IN", None);
}

async fn routes_without_a_session_are_not_logged_in(h: Harness) {
    let mut citizen = h.citizen(&Person::zhang()).await;
    let device =
        json!({ "device_public_key": hex::encode(device_key(1).verifying_key().to_bytes()) });
    let citizen_routes = [
        (Method::GET, "/api/me", Value::Null),
        (Method::GET, "/api/me/details", Value::Null),
        (Method::GET, "/api/applications", Value::Null),
        (Method::GET, "/api/applications/1", Value::Null),
        (
            Method::POST,
            "/api/applications",
            Person::zhang().application(),
        ),
        (Method::POST, "/api/ecard/credential", device),
    ];
    let reviewer_routes = [
        (Method::GET, "/api/review/queue", Value::Null),
        (Method::GET, "/api/review/applications/1", Value::Null),
        (
            Method::POST,
            "/api/review/applications/1/approve",
            json!({}),
        ),
        (
            Method::POST,
            "/api/review/applications/1/reject",
            json!({ "reason": "材料不全" }),
        ),
        (
            Method::POST,
            "/api/review/applications/1/card-issued",
            json!({}),
        ),
        (
            Method::POST,
            "/api/review/cards/HA0000001/actions",
            json!({ "action": "lost" }),
        ),
        (Method::GET, "/api/review/audit", Value::Null),
    ];
    let call = |method: Method, path: &'static str, body: Value| {
        let body = if body.is_null() {
            Body::empty()
        } else {
            Body::from(body.to_string())
        };
        (method, path, body)
    };
    for (method, path, body) in citizen_routes.iter().chain(&reviewer_routes).cloned() {
        let (method, path, body) = call(method, path, body);
        let headers = [
            ("content-type", "application/json"),
            ("idempotency-key", "no-session-0001"),
        ];
        let r = h
            .request(&mut Jar::none(), method.clone(), path, &headers, body)
            .await;
        r.expect_error(StatusCode::UNAUTHORIZED, "NOT_LOGGED_IN", None);
        // A made-up session token is no session either.
        let mut forged = Jar::none();
        forged.set("ecard_session", &"ab".repeat(32));
        forged.set("ecard_review", &"ab".repeat(32));
        let r = h
            .request(&mut forged, method, path, &headers, Body::empty())
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}: {}", r.text());
    }
    // A citizen's session does not open the reviewer routes.
    for (method, path, body) in reviewer_routes.iter().cloned() {
        let (method, path, body) = call(method, path, body);
        let r = h
            .request(
                &mut citizen,
                method,
                path,
                &[("content-type", "application/json")],
                body,
            )
            .await;
        r.expect_error(StatusCode::UNAUTHORIZED, "NOT_LOGGED_IN", None);
    }
    assert_eq!(h.count("applications").await, 0);
    assert_eq!(h.count("credentials").await, 0);
    assert_eq!(h.count("audit_log").await, 0);
}

/// The `Set-Cookie` header of a login, checked for the attributes a browser relies on.
#[track_caller]
fn check_session_cookie(r: &common::Resp, name: &str) {
    let cookies: Vec<&str> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii"))
        .collect();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let c = cookies[0];
    assert!(c.starts_with(&format!("{name}=")), "{c}");
    let attrs: Vec<String> = c
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attrs.contains(&"httponly".to_string()), "{c}");
    assert!(attrs.contains(&"samesite=strict".to_string()), "{c}");
    assert!(attrs.contains(&"path=/".to_string()), "{c}");
    let token = c[name.len() + 1..].split(';').next().unwrap_or("");
    assert!(token.len() >= 32, "session token too short: {c}");
}

async fn session_cookies_are_httponly_strict_and_end_at_logout(h: Harness) {
    let p = Person::zhang();
    h.register(&p).await.expect(StatusCode::CREATED);
    let mut jar = Jar::none();
    let login = h
        .post(&mut jar, "/api/citizens/login", p.login_body())
        .await;
    login.expect(StatusCode::OK);
    check_session_cookie(&login, "ecard_session");
    let token = jar.get("ecard_session").expect("cookie kept").to_string();
    // Only the token's hash is stored.
    let (stored,): (String,) = sqlx::query_as("SELECT token_hash FROM sessions")
        .fetch_one(&h.state.db.pool)
        .await
        .expect("session row");
    assert_ne!(stored, token);
    h.get(&mut jar, "/api/me").await.expect(StatusCode::OK);

    let out = h
        .request(
            &mut jar,
            Method::POST,
            "/api/citizens/logout",
            &[],
            Body::empty(),
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(jar.get("ecard_session"), None, "logout clears the cookie");
    // The old token no longer works, even when a client keeps sending it.
    let mut old = Jar::none();
    old.set("ecard_session", &token);
    h.get(&mut old, "/api/me")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "NOT_LOGGED_IN", None);

    let mut reviewer = h.reviewer("shenhe01").await;
    let mut again = Jar::none();
    let login = h
        .post(
            &mut again,
            "/api/review/login",
            json!({ "username": "shenhe01", "password": common::REVIEWER_PASSWORD }),
        )
        .await;
    login.expect(StatusCode::OK);
    check_session_cookie(&login, "ecard_review");
    h.get(&mut reviewer, "/api/review/queue")
        .await
        .expect(StatusCode::OK);
    let wrong = h
        .post(
            &mut Jar::none(),
            "/api/review/login",
            json!({ "username": "shenhe01", "password": "not-the-password" }),
        )
        .await;
    wrong.expect_error(StatusCode::UNAUTHORIZED, "BAD_CREDENTIALS", None);

    // Sessions end after their lifetime (8 hours).
    h.set_now(NOW + 8 * 3600 + 1);
    h.get(&mut reviewer, "/api/review/queue")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "NOT_LOGGED_IN", None);
}

// ---------------------------------------------------------------- applications

fn statuses(view: &Value) -> Vec<(String, String)> {
    view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| {
            (
                e["status"].as_str().unwrap_or("").to_string(),
                e["label"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

async fn application_needs_an_idempotency_key(h: Harness) {
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    let r = h.post(&mut jar, "/api/applications", p.application()).await;
    r.expect_error(StatusCode::BAD_REQUEST, "IDEMPOTENCY_KEY_REQUIRED", None);
    let r = h.apply(&mut jar, &p, "short").await;
    r.expect_error(StatusCode::BAD_REQUEST, "IDEMPOTENCY_KEY_REQUIRED", None);
    assert_eq!(h.count("applications").await, 0);
}

async fn application_replay_with_the_same_key_stores_one(h: Harness) {
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    let first = h.apply(&mut jar, &p, "key-0000-0001").await;
    let view = first.expect(StatusCode::CREATED).clone();
    assert_eq!(view["status"], "reviewing");
    assert_eq!(view["status_label"], "联审中");
    assert_eq!(
        statuses(&view),
        pairs(&[("submitted", "提交"), ("reviewing", "联审中")])
    );
    assert!(
        !first.text().contains(&p.id_number),
        "the view carries no ID number"
    );

    let again = h.apply(&mut jar, &p, "key-0000-0001").await;
    assert_eq!(again.expect(StatusCode::CREATED), &view);
    assert_eq!(h.count("applications").await, 1);
    assert_eq!(h.count("application_events").await, 2);

    let list = h.get(&mut jar, "/api/applications").await;
    let list = list.expect(StatusCode::OK)["applications"].clone();
    assert_eq!(list, json!([view]));
}

async fn application_key_reused_with_another_body_is_refused(h: Harness) {
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    h.apply(&mut jar, &p, "key-0000-0002")
        .await
        .expect(StatusCode::CREATED);
    let mut other = p.application();
    other["service_bank"] = json!("icbc");
    let r = h
        .post_with(
            &mut jar,
            "/api/applications",
            &[("idempotency-key", "key-0000-0002")],
            other,
        )
        .await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "IDEMPOTENCY_KEY_REUSED",
        None,
    );
    assert_eq!(h.count("applications").await, 1);
    assert_eq!(h.count("application_events").await, 2);
}

async fn second_open_application_is_refused(h: Harness) {
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    h.apply(&mut jar, &p, "key-0000-0003")
        .await
        .expect(StatusCode::CREATED);
    let r = h.apply(&mut jar, &p, "key-0000-0004").await;
    r.expect_error(StatusCode::CONFLICT, "APPLICATION_EXISTS", None);
    assert_eq!(h.count("applications").await, 1);
}

async fn application_must_match_the_account(h: Harness) {
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    // Someone else's application (an adult: no guardian involved).
    let r = h
        .post_with(
            &mut jar,
            "/api/applications",
            &[("idempotency-key", "key-0000-0005")],
            Person::li().application(),
        )
        .await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "APPLICANT_MISMATCH",
        Some("document.number"),
    );
    let mut bad = p.application();
    bad["document"]["number"] = json!("110105194912310021");
    let r = h
        .post_with(
            &mut jar,
            "/api/applications",
            &[("idempotency-key", "key-0000-0006")],
            bad,
        )
        .await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "APPLICATION_INVALID",
        Some("document.number"),
    );
    assert_eq!(r.json["problems"][0]["code"], "ID_NUMBER_CHECK_DIGIT");
    assert_eq!(h.count("applications").await, 0);
}

async fn another_holder_cannot_see_my_application(h: Harness) {
    let zhang = Person::zhang();
    let mut mine = h.citizen(&zhang).await;
    let id = h.apply(&mut mine, &zhang, "key-0000-0007").await;
    let id = id.expect(StatusCode::CREATED)["id"].as_i64().expect("id");
    h.get(&mut mine, &format!("/api/applications/{id}"))
        .await
        .expect(StatusCode::OK);

    let mut other = h.citizen(&Person::li()).await;
    let r = h.get(&mut other, &format!("/api/applications/{id}")).await;
    r.expect_error(StatusCode::NOT_FOUND, "NOT_FOUND", None);
    assert!(!r.text().contains("张三"));
    let list = h.get(&mut other, "/api/applications").await;
    assert_eq!(list.expect(StatusCode::OK)["applications"], json!([]));
}

async fn malformed_application_bodies_store_nothing(h: Harness) {
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    let mut unknown = p.application();
    unknown["is_admin"] = json!(true);
    let mut wrong_type = p.application();
    wrong_type["category"] = json!(7);
    let bodies = [
        ("{\"name\": \"张三\",".to_string(), None),
        ("\"application\"".to_string(), None),
        (unknown.to_string(), Some("is_admin")),
        (wrong_type.to_string(), None),
    ];
    for (i, (body, field)) in bodies.into_iter().enumerate() {
        let key = format!("key-malformed-{i}");
        let r = h
            .request(
                &mut jar,
                Method::POST,
                "/api/applications",
                &[
                    ("content-type", "application/json"),
                    ("idempotency-key", &key),
                ],
                Body::from(body),
            )
            .await;
        r.expect_error(StatusCode::BAD_REQUEST, "BAD_REQUEST_BODY", field);
    }
    // A missing field is a rule problem (422), not a malformed body.
    let mut missing = p.application();
    missing.as_object_mut().expect("object").remove("phone");
    let r = h
        .post_with(
            &mut jar,
            "/api/applications",
            &[("idempotency-key", "key-malformed-m")],
            missing,
        )
        .await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "APPLICATION_INVALID",
        Some("phone"),
    );
    assert_eq!(r.json["problems"][0]["code"], "REQUIRED");
    // Not sent as JSON.
    let r = h
        .request(
            &mut jar,
            Method::POST,
            "/api/applications",
            &[("idempotency-key", "key-malformed-x")],
            Body::from(p.application().to_string()),
        )
        .await;
    r.expect_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "JSON_REQUIRED", None);
    // A path that is not an application number.
    h.get(&mut jar, "/api/applications/abc").await.expect_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        None,
    );
    // Registration refuses unknown fields too.
    let mut extra = Person::li().register_body();
    extra["role"] = json!("reviewer");
    h.post(&mut Jar::none(), "/api/citizens/register", extra)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "BAD_REQUEST_BODY", Some("role"));
    assert_eq!(h.count("users").await, 1);
    assert_eq!(h.count("applications").await, 0);
    assert_eq!(h.count("application_events").await, 0);
}

// ---------------------------------------------------------------- rules and materials

/// `"field CODE"` of each problem of a 422 answer.
fn problem_list(r: &common::Resp) -> Vec<String> {
    r.json["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems: {}", r.text()))
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["field"].as_str().unwrap_or(""),
                p["code"].as_str().unwrap_or("")
            )
        })
        .collect()
}

async fn application_reports_every_problem_at_once(h: Harness) {
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    let mut form = p.application();
    form["phone"] = json!("12345");
    form["document"]["number"] = json!("110105194912310021");
    form["service_bank"] = json!("no-such-bank");
    form["channel"] = json!("employer");
    let r = h
        .post_with(
            &mut jar,
            "/api/applications",
            &[("idempotency-key", "key-problems-1")],
            form,
        )
        .await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "APPLICATION_INVALID",
        Some("phone"),
    );
    assert_eq!(
        problem_list(&r),
        [
            "phone PHONE_INVALID",
            "document.number ID_NUMBER_CHECK_DIGIT",
            "service_bank SERVICE_BANK_UNKNOWN",
            "agent REQUIRED",
        ],
        "{}",
        r.text()
    );
    for problem in r.json["problems"].as_array().expect("problems") {
        assert!(!problem["message"].as_str().unwrap_or("").is_empty());
    }
    assert_eq!(h.count("applications").await, 0);
    assert_eq!(h.count("application_events").await, 0);
}

async fn minor_by_the_guardian_is_accepted_by_a_stranger_refused(h: Harness) {
    let child = Person::minor();
    let mut stranger = h.citizen(&Person::li()).await;
    let r = h.apply(&mut stranger, &child, "key-minor-0001").await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "APPLICANT_MISMATCH",
        Some("document.number"),
    );
    assert_eq!(h.count("applications").await, 0);

    let mut father = h.citizen(&Person::father()).await;
    let r = h.apply(&mut father, &child, "key-minor-0002").await;
    let id = r.expect(StatusCode::CREATED)["id"].as_i64().expect("id");
    let mut reviewer = h.reviewer("shenhe01").await;
    let queue = h.get(&mut reviewer, "/api/review/queue").await;
    assert_eq!(
        queue.expect(StatusCode::OK)["queue"][0]["name"],
        child.name,
        "the applicant, not the account"
    );
    let detail = h
        .get(&mut reviewer, &format!("/api/review/applications/{id}"))
        .await;
    let app = &detail.expect(StatusCode::OK)["application"];
    assert_eq!(app["minor"], true);
    assert_eq!(app["guardian"]["id_number"], Person::father().id_number);
    assert_eq!(app["guardian"]["relation"], "father");
}

/// The applicant, not the submitting account, owns the application and the card: a father
/// applies for himself and for his child; the child, registering later, holds the card.
async fn guardian_applies_for_self_and_child_who_later_holds_the_card(h: Harness) {
    let (father, child) = (Person::father(), Person::minor());
    let mut fjar = h.citizen(&father).await;
    let own = h.apply(&mut fjar, &father, "key-father-0001").await;
    let own = own.expect(StatusCode::CREATED)["id"].as_i64().expect("id");
    let r = h.apply(&mut fjar, &child, "key-father-0002").await;
    let body = r.expect(StatusCode::CREATED);
    let for_child = body["id"].as_i64().expect("id");
    assert_eq!(body["applicant"]["name"], child.name);
    assert_eq!(body["applicant"]["id_number"], child.masked_id());
    assert_eq!(body["submitted_by_me"], true);
    // Not a second one for the child.
    let r = h.apply(&mut fjar, &child, "key-father-0003").await;
    r.expect_error(StatusCode::CONFLICT, "APPLICATION_EXISTS", None);
    let list = h.get(&mut fjar, "/api/applications").await;
    assert_eq!(
        list.expect(StatusCode::OK)["applications"]
            .as_array()
            .expect("list")
            .len(),
        2
    );

    let mut reviewer = h.reviewer("shenhe01").await;
    let mut cards = Vec::new();
    for id in [own, for_child] {
        let r = h
            .post(
                &mut reviewer,
                &format!("/api/review/applications/{id}/approve"),
                json!({}),
            )
            .await;
        cards.push(r.expect(StatusCode::OK)["card_number"].clone());
    }
    // The father's own card, not the child's.
    let me = h.get(&mut fjar, "/api/me").await;
    assert_eq!(me.expect(StatusCode::OK)["card"]["card_number"], cards[0]);
    let r = h.credential(&mut fjar, &device_key(1)).await;
    let bytes = hex::decode(
        r.expect(StatusCode::CREATED)["credential"]
            .as_str()
            .expect("credential"),
    )
    .expect("hex");
    let c = Credential::from_bytes(&bytes).expect("parses").body;
    assert_eq!(c.masked_name, "王**");
    assert_eq!(c.age_band, ecard_core::AgeBand::from_age(41));

    // The child registers with their own ID number: their card and the application the
    // father submitted.
    let mut cjar = h.citizen(&child).await;
    let me = h.get(&mut cjar, "/api/me").await;
    assert_eq!(me.expect(StatusCode::OK)["card"]["card_number"], cards[1]);
    let details = h.get(&mut cjar, "/api/me/details").await;
    assert_eq!(details.expect(StatusCode::OK)["card_number"], cards[1]);
    let list = h.get(&mut cjar, "/api/applications").await;
    let list = list.expect(StatusCode::OK)["applications"].clone();
    assert_eq!(list.as_array().expect("list").len(), 1);
    assert_eq!(list[0]["id"], for_child);
    assert_eq!(list[0]["submitted_by_me"], false);
    h.get(&mut cjar, &format!("/api/applications/{own}"))
        .await
        .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND", None);
    let r = h.credential(&mut cjar, &device_key(2)).await;
    let bytes = hex::decode(
        r.expect(StatusCode::CREATED)["credential"]
            .as_str()
            .expect("credential"),
    )
    .expect("hex");
    let c = Credential::from_bytes(&bytes).expect("parses").body;
    assert_eq!(
        c.age_band,
        ecard_core::AgeBand::From6To15,
        "the child's age"
    );
    assert_eq!(c.masked_name, "王**");
    let (holders,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM cards WHERE holder_id_index = $1")
            .bind(h.state.keys.pii.index(&child.id_number))
            .fetch_one(&h.state.db.pool)
            .await
            .expect("count");
    assert_eq!(holders, 1);
}

/// The child's own account cannot open a second application while the guardian's is open.
async fn one_open_application_per_applicant_whoever_submits(h: Harness) {
    let child = Person::minor();
    let mut fjar = h.citizen(&Person::father()).await;
    let id = h.apply(&mut fjar, &child, "key-open-0001").await;
    let id = id.expect(StatusCode::CREATED)["id"].as_i64().expect("id");
    let mut cjar = h.citizen(&child).await;
    let r = h.apply(&mut cjar, &child, "key-open-0002").await;
    r.expect_error(StatusCode::CONFLICT, "APPLICATION_EXISTS", None);
    // After a rejection the child may apply again.
    let mut reviewer = h.reviewer("shenhe01").await;
    h.post(
        &mut reviewer,
        &format!("/api/review/applications/{id}/reject"),
        json!({ "reason": "照片不清晰" }),
    )
    .await
    .expect(StatusCode::OK);
    h.apply(&mut cjar, &child, "key-open-0002")
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(h.count("applications").await, 2);
}

async fn materials_are_uploaded_checked_and_shown_to_the_reviewer(h: Harness) {
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    let photo = h.upload(&mut jar, "photo", "image/jpeg", GOOD_PHOTO).await;
    let photo = photo.expect(StatusCode::CREATED).clone();
    assert_eq!(photo["kind"], "photo");
    assert_eq!(photo["bytes"], GOOD_PHOTO.len());
    assert_eq!(photo["id"].as_str().map(str::len), Some(32), "{photo}");

    let materials = h.upload_materials(&mut jar, false).await;
    let r = h
        .post_with(
            &mut jar,
            "/api/applications",
            &[("idempotency-key", "key-uploads-01")],
            p.application_with(materials.clone()),
        )
        .await;
    let id = r.expect(StatusCode::CREATED)["id"].as_i64().expect("id");

    let mut reviewer = h.reviewer("shenhe01").await;
    let detail = h
        .get(&mut reviewer, &format!("/api/review/applications/{id}"))
        .await;
    let detail = detail.expect(StatusCode::OK).clone();
    assert_eq!(detail["application"]["uploads"], materials);
    let listed = detail["materials"].as_array().expect("materials");
    assert_eq!(listed.len(), 4, "{detail}");
    let photo_entry = listed
        .iter()
        .find(|m| m["kind"] == "photo")
        .expect("photo listed");
    assert_eq!(photo_entry["id"], materials["photo"]);
    assert_eq!(photo_entry["label"], "电子照片");
    assert_eq!(photo_entry["content_type"], "image/jpeg");
    assert_eq!(photo_entry["bytes"], GOOD_PHOTO.len());

    let photo_id = materials["photo"].as_str().expect("id");
    let file = h
        .get(&mut reviewer, &format!("/api/review/uploads/{photo_id}"))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), Some("image/jpeg"));
    assert_eq!(file.header("cache-control"), Some("no-store"));
    assert_eq!(file.bytes, GOOD_PHOTO);
    let scan_id = materials["household_register"].as_str().expect("id");
    let scan = h
        .get(&mut reviewer, &format!("/api/review/uploads/{scan_id}"))
        .await;
    assert_eq!(scan.header("content-type"), Some("application/pdf"));
    assert_eq!(scan.bytes, SCAN_PDF);

    // Only reviewers read files back; an unknown id is not found.
    h.get(&mut jar, &format!("/api/review/uploads/{photo_id}"))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "NOT_LOGGED_IN", None);
    h.get(&mut reviewer, "/api/review/uploads/0000")
        .await
        .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND", None);
    // Uploading needs a citizen session.
    h.upload(&mut Jar::none(), "photo", "image/jpeg", GOOD_PHOTO)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "NOT_LOGGED_IN", None);
}

async fn missing_materials_are_reported(h: Harness) {
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    let r = h.apply(&mut jar, &p, "key-missing-01").await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "APPLICATION_INVALID",
        Some("materials.household_register"),
    );
    assert_eq!(
        problem_list(&r),
        [
            "materials.household_register MATERIAL_MISSING",
            "materials.id_card_front MATERIAL_MISSING",
            "materials.id_card_back MATERIAL_MISSING",
            "materials.photo MATERIAL_MISSING",
        ]
    );
    assert_eq!(h.count("applications").await, 0);
}

async fn png_renamed_photo_jpg_is_refused(h: Harness) {
    let mut jar = h.citizen(&Person::zhang()).await;
    let r = h
        .upload(&mut jar, "photo", "image/jpeg", PNG_RENAMED_PHOTO)
        .await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "PHOTO_INVALID",
        Some("photo"),
    );
    assert!(
        problem_list(&r).contains(&"photo PHOTO_NOT_JPEG".to_string()),
        "{}",
        r.text()
    );
    // Declared as PNG, still not a JPEG photo.
    let r = h
        .upload(&mut jar, "photo", "image/png", PNG_RENAMED_PHOTO)
        .await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "PHOTO_INVALID",
        Some("photo"),
    );
    assert_eq!(h.count("uploads").await, 0);
}

async fn photo_of_the_wrong_size_is_refused(h: Harness) {
    let mut jar = h.citizen(&Person::zhang()).await;
    let r = h
        .upload(&mut jar, "photo", "image/jpeg", WRONG_SIZE_PHOTO)
        .await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "PHOTO_INVALID",
        Some("photo"),
    );
    assert!(
        problem_list(&r).contains(&"photo PHOTO_DIMENSIONS".to_string()),
        "{}",
        r.text()
    );
    assert_eq!(h.count("uploads").await, 0);
}

async fn uploads_are_judged_by_their_bytes(h: Harness) {
    let mut jar = h.citizen(&Person::zhang()).await;
    // A PDF sent as a JPEG.
    h.upload(&mut jar, "id_card_front", "image/jpeg", SCAN_PDF)
        .await
        .expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UPLOAD_TYPE_MISMATCH",
            Some("body"),
        );
    // Neither an image nor a PDF.
    h.upload(&mut jar, "id_card_front", "image/png", b"GIF89a....")
        .await
        .expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UPLOAD_TYPE_UNSUPPORTED",
            Some("body"),
        );
    // A type that is not accepted at all.
    h.upload(&mut jar, "id_card_front", "text/plain", b"hello")
        .await
        .expect_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UPLOAD_TYPE_UNSUPPORTED",
            None,
        );
    // An unknown material kind.
    h.upload(&mut jar, "selfie", "image/jpeg", GOOD_PHOTO)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "UPLOAD_KIND_UNKNOWN", Some("kind"));
    // Over 2 MB.
    let mut big = SCAN_PDF.to_vec();
    big.resize(2 * 1024 * 1024 + 1, b' ');
    h.upload(&mut jar, "household_register", "application/pdf", &big)
        .await
        .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "UPLOAD_TOO_LARGE", None);
    // A PNG scan is fine.
    h.upload(&mut jar, "id_card_back", "image/png", PNG_RENAMED_PHOTO)
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(h.count("uploads").await, 1);
}

async fn materials_of_another_account_are_refused(h: Harness) {
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    let mut other = h.citizen(&Person::li()).await;
    let theirs = h.upload_materials(&mut other, false).await;
    let mut mine = h.upload_materials(&mut jar, false).await;
    mine["photo"] = theirs["photo"].clone();
    // A file of mine uploaded as another material.
    mine["id_card_back"] = mine["id_card_front"].clone();
    mine["household_register"] = json!("no-such-upload");
    let r = h
        .post_with(
            &mut jar,
            "/api/applications",
            &[("idempotency-key", "key-others-001")],
            p.application_with(mine),
        )
        .await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "APPLICATION_INVALID",
        Some("materials.household_register"),
    );
    assert_eq!(
        problem_list(&r),
        [
            "materials.household_register UPLOAD_NOT_FOUND",
            "materials.id_card_back UPLOAD_KIND_MISMATCH",
            "materials.photo UPLOAD_NOT_FOUND",
        ]
    );
    assert_eq!(h.count("applications").await, 0);
}

/// The cases the core, the wasm package and the phone share: the route gives the same verdict.
async fn shared_fixtures_get_the_core_verdicts(h: Harness) {
    let fixtures: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/applications.json"))
            .expect("fixtures");
    assert_eq!(fixtures["now_ms"], NOW * 1000);
    let mut jar = h.citizen(&Person::li()).await;
    let mut compared = 0;
    for (i, case) in fixtures["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .enumerate()
    {
        if case.get("config").is_some() {
            continue; // the harness runs the default rules
        }
        let r = h
            .post_with(
                &mut jar,
                "/api/applications",
                &[("idempotency-key", &format!("fixture-case-{i:02}"))],
                case["form"].clone(),
            )
            .await;
        let name = case["name"].as_str().unwrap_or("");
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.text()
        );
        if case["ok"] == true {
            // The rules pass; then the account is not the applicant, or the fixture's upload
            // references are not real uploads.
            let after_rules = r.json["code"] == "APPLICANT_MISMATCH"
                || problem_list(&r)
                    .iter()
                    .all(|p| p.ends_with(" UPLOAD_NOT_FOUND"));
            assert!(after_rules, "{name}: {}", r.text());
        } else {
            assert_eq!(r.json["code"], "APPLICATION_INVALID", "{name}");
            let expected: Vec<String> =
                serde_json::from_value(case["problems"].clone()).expect("problems");
            assert_eq!(problem_list(&r), expected, "{name}");
        }
        compared += 1;
    }
    assert!(compared >= 15, "{compared}");
    assert_eq!(h.count("applications").await, 0);
}

// ---------------------------------------------------------------- reviewers

async fn reviewer_queue_and_approve(h: Harness) {
    let p = Person::zhang();
    let mut holder = h.citizen(&p).await;
    let id = h.apply(&mut holder, &p, "key-0000-0010").await;
    let id = id.expect(StatusCode::CREATED)["id"].as_i64().expect("id");
    let mut reviewer = h.reviewer("shenhe01").await;

    let queue = h.get(&mut reviewer, "/api/review/queue").await;
    let queue = queue.expect(StatusCode::OK)["queue"].clone();
    assert_eq!(queue.as_array().map(Vec::len), Some(1), "{queue}");
    assert_eq!(queue[0]["id"], id);
    assert_eq!(queue[0]["name"], "张三");
    assert_eq!(queue[0]["submitted_at"], NOW);

    let detail = h
        .get(&mut reviewer, &format!("/api/review/applications/{id}"))
        .await;
    let detail = detail.expect(StatusCode::OK);
    assert_eq!(detail["application"]["document"]["number"], p.id_number);
    assert_eq!(detail["application"]["category"], "citizen");
    assert_eq!(
        detail["materials"],
        json!([]),
        "all confirmed by data sharing"
    );
    assert_eq!(detail["card"], Value::Null);

    let approve = format!("/api/review/applications/{id}/approve");
    let r = h.post(&mut reviewer, &approve, json!({})).await;
    let body = r.expect(StatusCode::OK);
    assert_eq!(body["status"], "making");
    let card = body["card_number"].as_str().expect("card_number");
    assert_eq!(card.len(), 9, "{card}");
    assert!(card.starts_with("HA"), "{card}");

    let view = h.get(&mut holder, &format!("/api/applications/{id}")).await;
    let view = view.expect(StatusCode::OK);
    assert_eq!(view["status"], "making");
    assert_eq!(view["status_label"], "制卡中");
    assert_eq!(
        statuses(view),
        pairs(&[
            ("submitted", "提交"),
            ("reviewing", "联审中"),
            ("approved", "通过"),
            ("making", "制卡中")
        ])
    );
    let me = h.get(&mut holder, "/api/me").await;
    assert_eq!(
        me.expect(StatusCode::OK)["card"],
        json!({ "card_number": card, "state": "normal" })
    );
    let queue = h.get(&mut reviewer, "/api/review/queue").await;
    assert_eq!(queue.expect(StatusCode::OK)["queue"], json!([]));

    // Approving again changes nothing.
    let again = h.post(&mut reviewer, &approve, json!({})).await;
    again.expect_error(StatusCode::CONFLICT, "APPLICATION_STATE", None);
    assert_eq!(h.count("cards").await, 1);
    let missing = h
        .post(
            &mut reviewer,
            "/api/review/applications/9999/approve",
            json!({}),
        )
        .await;
    missing.expect_error(StatusCode::NOT_FOUND, "NOT_FOUND", None);

    // A card already exists: no second application.
    let r = h.apply(&mut holder, &p, "key-0000-0011").await;
    r.expect_error(StatusCode::CONFLICT, "APPLICATION_EXISTS", None);

    let issued = h
        .post(
            &mut reviewer,
            &format!("/api/review/applications/{id}/card-issued"),
            json!({}),
        )
        .await;
    assert_eq!(issued.expect(StatusCode::OK)["status"], "issued");
    let view = h.get(&mut holder, &format!("/api/applications/{id}")).await;
    assert_eq!(view.expect(StatusCode::OK)["status_label"], "已发卡");
}

async fn reject_needs_a_reason_and_the_applicant_reads_it(h: Harness) {
    let p = Person::zhang();
    let mut holder = h.citizen(&p).await;
    let id = h.apply(&mut holder, &p, "key-0000-0020").await;
    let id = id.expect(StatusCode::CREATED)["id"].as_i64().expect("id");
    let mut reviewer = h.reviewer("shenhe01").await;
    let reject = format!("/api/review/applications/{id}/reject");
    for reason in ["", " ", "缺"] {
        let r = h
            .post(&mut reviewer, &reject, json!({ "reason": reason }))
            .await;
        r.expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "REASON_REQUIRED",
            Some("reason"),
        );
    }
    let view = h.get(&mut holder, &format!("/api/applications/{id}")).await;
    assert_eq!(view.expect(StatusCode::OK)["status"], "reviewing");
    assert_eq!(h.count("audit_log").await, 0);

    let reason = "照片不清晰，请重新上传";
    let r = h
        .post(&mut reviewer, &reject, json!({ "reason": reason }))
        .await;
    assert_eq!(r.expect(StatusCode::OK)["status"], "rejected");
    let view = h.get(&mut holder, &format!("/api/applications/{id}")).await;
    let view = view.expect(StatusCode::OK);
    assert_eq!(view["status"], "rejected");
    assert_eq!(view["status_label"], "驳回");
    assert_eq!(view["reject_reason"], reason);
    let last = view["timeline"]
        .as_array()
        .and_then(|t| t.last())
        .expect("timeline");
    assert_eq!(last["status"], "rejected");
    assert_eq!(last["label"], "驳回");
    assert_eq!(last["note"], reason);

    // Rejected: neither approve nor a second reject; the applicant may apply again.
    let approve = h
        .post(
            &mut reviewer,
            &format!("/api/review/applications/{id}/approve"),
            json!({}),
        )
        .await;
    approve.expect_error(StatusCode::CONFLICT, "APPLICATION_STATE", None);
    assert_eq!(h.count("cards").await, 0);
    h.apply(&mut holder, &p, "key-0000-0021")
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(h.count("applications").await, 2);
}

async fn card_state(h: &Harness, card: &str) -> String {
    let (state,): (String,) = sqlx::query_as("SELECT state FROM cards WHERE card_number = $1")
        .bind(card)
        .fetch_one(&h.state.db.pool)
        .await
        .expect("card");
    state
}

async fn card_actions_follow_the_state_rules(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    let (mut holder, _, card) = h.holder(&Person::zhang(), &mut reviewer).await;

    let steps = [
        ("temp_lost", "normal", "temp_lost"),
        ("unlost", "temp_lost", "normal"),
        ("lost", "normal", "lost"),
    ];
    for (action, from, to) in steps {
        let r = h.card_action(&mut reviewer, &card, action).await;
        let body = r.expect(StatusCode::OK);
        assert_eq!(
            (body["from"].as_str(), body["to"].as_str()),
            (Some(from), Some(to))
        );
        assert_eq!(body["new_card_number"], Value::Null);
        assert_eq!(card_state(&h, &card).await, to);
    }
    // Not allowed from 正式挂失: temp_lost.
    let r = h.card_action(&mut reviewer, &card, "temp_lost").await;
    r.expect_error(StatusCode::CONFLICT, "CARD_ACTION_NOT_ALLOWED", None);
    assert_eq!(card_state(&h, &card).await, "lost");

    let r = h.card_action(&mut reviewer, &card, "reissue").await;
    let body = r.expect(StatusCode::OK).clone();
    assert_eq!(body["to"], "reissued");
    let new_card = body["new_card_number"]
        .as_str()
        .expect("new card number")
        .to_string();
    assert_ne!(new_card, card);
    assert_eq!(card_state(&h, &card).await, "reissued");
    assert_eq!(card_state(&h, &new_card).await, "normal");
    let me = h.get(&mut holder, "/api/me").await;
    assert_eq!(
        me.expect(StatusCode::OK)["card"],
        json!({ "card_number": new_card, "state": "normal" })
    );
    // The replaced card takes no more actions.
    for action in ["temp_lost", "lost", "unlost", "reissue", "cancel"] {
        let r = h.card_action(&mut reviewer, &card, action).await;
        r.expect_error(StatusCode::CONFLICT, "CARD_ACTION_NOT_ALLOWED", None);
    }
    // Normal cannot be "unlost".
    let r = h.card_action(&mut reviewer, &new_card, "unlost").await;
    r.expect_error(StatusCode::CONFLICT, "CARD_ACTION_NOT_ALLOWED", None);

    let r = h.card_action(&mut reviewer, &new_card, "cancel").await;
    assert_eq!(r.expect(StatusCode::OK)["to"], "cancelled");
    for action in ["temp_lost", "lost", "unlost", "reissue", "cancel"] {
        let r = h.card_action(&mut reviewer, &new_card, action).await;
        r.expect_error(StatusCode::CONFLICT, "CARD_ACTION_NOT_ALLOWED", None);
    }
    assert_eq!(card_state(&h, &new_card).await, "cancelled");
    assert_eq!(h.count("cards").await, 2);

    let r = h.card_action(&mut reviewer, "HA9999999", "lost").await;
    r.expect_error(StatusCode::NOT_FOUND, "NOT_FOUND", None);
    let r = h.card_action(&mut reviewer, &new_card, "explode").await;
    r.expect_error(StatusCode::BAD_REQUEST, "BAD_REQUEST_BODY", Some("action"));
}

async fn every_reviewer_action_is_audited(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    let (_, app_id, card) = h.holder(&Person::zhang(), &mut reviewer).await;
    let li = Person::li();
    let mut li_jar = h.citizen(&li).await;
    let li_app = h.apply(&mut li_jar, &li, "key-0000-0030").await;
    let li_app = li_app.expect(StatusCode::CREATED)["id"]
        .as_i64()
        .expect("id");
    h.post(
        &mut reviewer,
        &format!("/api/review/applications/{li_app}/reject"),
        json!({ "reason": "户籍不在本省" }),
    )
    .await
    .expect(StatusCode::OK);
    h.post(
        &mut reviewer,
        &format!("/api/review/applications/{app_id}/card-issued"),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    let mut second = h.reviewer("shenhe02").await;
    h.card_action(&mut second, &card, "temp_lost")
        .await
        .expect(StatusCode::OK);
    h.card_action(&mut reviewer, &card, "unlost")
        .await
        .expect(StatusCode::OK);
    // Refused actions leave no entry.
    h.card_action(&mut reviewer, &card, "unlost")
        .await
        .expect(StatusCode::CONFLICT);

    let log = h.get(&mut reviewer, "/api/review/audit").await;
    let entries = log.expect(StatusCode::OK)["entries"].clone();
    let got: Vec<(String, String, String)> = entries
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["reviewer"].as_str().unwrap_or("").to_string(),
                e["action"].as_str().unwrap_or("").to_string(),
                e["target"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let want = [
        ("shenhe01", "unlost", format!("card:{card}")),
        ("shenhe02", "temp_lost", format!("card:{card}")),
        ("shenhe01", "card_issued", format!("application:{app_id}")),
        ("shenhe01", "reject", format!("application:{li_app}")),
        ("shenhe01", "approve", format!("application:{app_id}")),
    ];
    let want: Vec<(String, String, String)> = want
        .into_iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c))
        .collect();
    assert_eq!(got, want, "newest first");
    assert_eq!(entries[0]["at"], NOW);
    assert_eq!(entries[3]["detail"]["reason"], "户籍不在本省");
    assert_eq!(entries[4]["detail"]["card_number"], card);
    assert_eq!(entries[1]["detail"]["from"], "normal");
    assert_eq!(entries[1]["detail"]["to"], "temp_lost");

    let limited = h.get(&mut reviewer, "/api/review/audit?limit=2").await;
    let limited = limited.expect(StatusCode::OK)["entries"].clone();
    assert_eq!(limited.as_array().map(Vec::len), Some(2));
    assert_eq!(limited[0], entries[0]);
}

// ---------------------------------------------------------------- e-card

async fn credential_needs_an_approved_card(h: Harness) {
    let p = Person::zhang();
    let mut jar = h.citizen(&p).await;
    let key = device_key(1);
    h.credential(&mut jar, &key)
        .await
        .expect_error(StatusCode::CONFLICT, "NO_CARD", None);
    h.apply(&mut jar, &p, "key-0000-0040")
        .await
        .expect(StatusCode::CREATED);
    h.credential(&mut jar, &key)
        .await
        .expect_error(StatusCode::CONFLICT, "NO_CARD", None);
    assert_eq!(h.count("credentials").await, 0);
}

async fn credential_refuses_bad_and_weak_device_keys(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    let (mut jar, _, _) = h.holder(&Person::zhang(), &mut reviewer).await;
    let bad = [
        ("zz".repeat(32), "INVALID_DEVICE_KEY"),
        ("ab".repeat(31), "INVALID_DEVICE_KEY"),
        (String::new(), "INVALID_DEVICE_KEY"),
        (IDENTITY_POINT.to_string(), "WEAK_DEVICE_KEY"),
    ];
    for (key, code) in bad {
        let r = h
            .post(
                &mut jar,
                "/api/ecard/credential",
                json!({ "device_public_key": key }),
            )
            .await;
        r.expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            Some("device_public_key"),
        );
    }
    assert_eq!(h.count("credentials").await, 0);
}

async fn credential_is_issued_for_the_device_key(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    let (mut jar, _, _) = h.holder(&Person::zhang(), &mut reviewer).await;
    let key = device_key(1);
    let r = h.credential(&mut jar, &key).await;
    let body = r.expect(StatusCode::CREATED);
    let bytes = hex::decode(body["credential"].as_str().expect("credential")).expect("hex");
    let credential = Credential::from_bytes(&bytes).expect("credential parses");
    let c = &credential.body;
    assert_eq!(c.masked_name, "张*");
    assert_eq!(body["masked_name"], "张*");
    assert_eq!(c.device_key, key.verifying_key().to_bytes());
    assert_eq!(c.card_state, CardState::Normal);
    assert_eq!(body["serial"], c.serial.to_string());
    assert_eq!(c.age_band, ecard_core::AgeBand::From70, "born 1949");
    assert_eq!(c.region, 410_721);
    assert!(
        i64::from(c.not_after) - i64::from(c.not_before) == 6,
        "7 days"
    );
    assert!(!r.text().contains("张三"), "no full name in the answer");
    assert_eq!(h.count("credentials").await, 1);

    // The phone's codes are admitted at a museum gate.
    let wallet = Wallet::new(key, credential).expect("wallet");
    let mut gate = h.museum_gate().await;
    let code = wallet
        .code_at(NOW, STEP, ecard_core::Scene::Museum, 0)
        .expect("code");
    let verdict = gate.verify(&code.to_text(), NOW + 2);
    assert!(verdict.admitted, "{verdict:?}");
    assert_eq!(verdict.holder.expect("holder").masked_name, "张*");
}

async fn minor_credential_carries_the_minor_age_band(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    let (mut jar, _, _) = h.holder(&Person::minor(), &mut reviewer).await;
    let r = h.credential(&mut jar, &device_key(3)).await;
    let body = r.expect(StatusCode::CREATED);
    let bytes = hex::decode(body["credential"].as_str().expect("credential")).expect("hex");
    let c = Credential::from_bytes(&bytes).expect("parses").body;
    assert_eq!(c.age_band, ecard_core::AgeBand::From6To15, "born 2015");
    assert_eq!(c.masked_name, "王**");
}

/// The serials and reasons in a full bundle's revocation list.
async fn revoked(h: &Harness) -> Vec<(u64, RevocationReason)> {
    let bundle = h.parsed_bundle(None).await;
    assert_eq!(bundle.revocations.len(), 1);
    let list = &bundle.revocations[0].body;
    assert_eq!(list.base_version, 0, "a full list");
    list.entries.iter().map(|e| (e.serial, e.reason)).collect()
}

async fn card_action_revokes_the_credential_at_the_gate(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    let (mut jar, _, card) = h.holder(&Person::zhang(), &mut reviewer).await;
    let key = device_key(1);
    let r = h.credential(&mut jar, &key).await;
    let hex_cred = r.expect(StatusCode::CREATED)["credential"]
        .as_str()
        .expect("credential")
        .to_string();
    let credential = Credential::from_bytes(&hex::decode(hex_cred).expect("hex")).expect("parses");
    let serial = credential.body.serial;
    let wallet = Wallet::new(key.clone(), credential).expect("wallet");
    assert_eq!(revoked(&h).await, vec![]);

    let r = h.card_action(&mut reviewer, &card, "lost").await;
    assert_eq!(r.expect(StatusCode::OK)["revoked"], 1);
    assert_eq!(revoked(&h).await, vec![(serial, RevocationReason::Lost)]);

    h.set_now(NOW + 60);
    let mut gate = h.museum_gate().await;
    let code = wallet
        .code_at(h.now(), STEP, ecard_core::Scene::Museum, 1)
        .expect("code");
    let verdict = gate.verify(&code.to_text(), h.now());
    assert!(!verdict.admitted);
    assert_eq!(verdict.code, "REVOKED");
    assert_eq!(verdict.message, "该卡已挂失，不能使用");

    // No new credential while the card is not 正常; the holder's /api/me says why.
    h.credential(&mut jar, &key)
        .await
        .expect_error(StatusCode::CONFLICT, "CARD_NOT_NORMAL", None);
    assert_eq!(h.count("credentials").await, 1);
    // 解挂 restores issuing, with a new serial; the revoked one stays revoked.
    h.card_action(&mut reviewer, &card, "unlost")
        .await
        .expect(StatusCode::OK);
    let r = h.credential(&mut jar, &key).await;
    let new_serial = r.expect(StatusCode::CREATED)["serial"].clone();
    assert_ne!(new_serial, serial.to_string());
    assert_eq!(revoked(&h).await, vec![(serial, RevocationReason::Lost)]);
}

async fn new_device_revokes_the_previous_device(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    let (mut jar, _, _) = h.holder(&Person::zhang(), &mut reviewer).await;
    let serial = |r: &common::Resp| -> u64 {
        r.expect(StatusCode::CREATED)["serial"]
            .as_str()
            .expect("serial")
            .parse()
            .expect("decimal")
    };
    let old_phone = serial(&h.credential(&mut jar, &device_key(1)).await);
    let new_phone = serial(&h.credential(&mut jar, &device_key(2)).await);
    assert_ne!(old_phone, new_phone);
    assert_eq!(
        revoked(&h).await,
        vec![(old_phone, RevocationReason::DeviceReplaced)]
    );
    // Renewing on the same phone revokes nothing more.
    let renewed = serial(&h.credential(&mut jar, &device_key(2)).await);
    assert_ne!(renewed, new_phone);
    assert_eq!(
        revoked(&h).await,
        vec![(old_phone, RevocationReason::DeviceReplaced)]
    );
    assert_eq!(h.count("credentials").await, 3);
}

// ---------------------------------------------------------------- gates

async fn bundle_loads_into_a_gate_pinned_to_the_root(h: Harness) {
    let root = h.root_key().await;
    let full = h.get(&mut Jar::none(), "/api/gates/bundle").await;
    assert_eq!(full.status, StatusCode::OK);
    assert_eq!(full.header("x-trust-version"), Some("1"));
    assert_eq!(full.header("x-revocation-version"), Some("1"));
    assert_eq!(full.header("cache-control"), Some("no-store"));
    let mut gate = ecard_core::Gate::new(
        &root,
        ecard_core::GatePolicy::for_scene(ecard_core::Scene::Museum),
    )
    .expect("gate");
    let status = gate.load_bundle(&full.bytes, NOW).expect("accepted");
    assert_eq!(status.trust_version, 1);
    assert_eq!(status.revocation_version, 1);
    assert!(!status.stale);
    assert_eq!(
        status.usable_until,
        Some((NOW + 3 * 86_400) as u64),
        "usable 3 days offline"
    );

    // A gate pinned to another root refuses it and keeps nothing.
    let other_root = device_key(9).verifying_key().to_bytes();
    let mut other = ecard_core::Gate::new(
        &other_root,
        ecard_core::GatePolicy::for_scene(ecard_core::Scene::Museum),
    )
    .expect("gate");
    assert!(other.load_bundle(&full.bytes, NOW).is_err());
    assert_eq!(other.sync_status(NOW).trust_version, 0);
}

async fn delta_since_the_gate_version_is_accepted(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    let (mut zhang, _, zhang_card) = h.holder(&Person::zhang(), &mut reviewer).await;
    let (mut li, _, li_card) = h.holder(&Person::li(), &mut reviewer).await;
    let serial = |r: common::Resp| -> u64 {
        r.expect(StatusCode::CREATED)["serial"]
            .as_str()
            .expect("serial")
            .parse()
            .expect("decimal")
    };
    let zhang_serial = serial(h.credential(&mut zhang, &device_key(1)).await);
    let li_serial = serial(h.credential(&mut li, &device_key(2)).await);

    h.card_action(&mut reviewer, &zhang_card, "temp_lost")
        .await
        .expect(StatusCode::OK);
    let mut gate = h.museum_gate().await;
    let v = gate.sync_status(NOW).revocation_version;
    assert_eq!(v, 2);
    assert_eq!(gate.sync_status(NOW).revoked_count, 1);

    // Nothing new: a list's base must be below its version, so an up-to-date gate gets the
    // last version's entries again; it stays where it was.
    let same = h.parsed_bundle(Some(v)).await;
    let list = &same.revocations[0].body;
    assert_eq!((list.base_version, list.list_version), (v - 1, v));
    let entries: Vec<_> = list.entries.iter().map(|e| (e.serial, e.reason)).collect();
    assert_eq!(entries, vec![(zhang_serial, RevocationReason::TempLost)]);
    gate.load_bundle(&h.bundle(Some(v)).await, NOW)
        .expect("accepted");
    assert_eq!(gate.sync_status(NOW).revocation_version, v);
    assert_eq!(gate.sync_status(NOW).revoked_count, 1);

    h.set_now(NOW + 600);
    h.card_action(&mut reviewer, &li_card, "cancel")
        .await
        .expect(StatusCode::OK);
    let delta = h.parsed_bundle(Some(v)).await;
    let list = &delta.revocations[0].body;
    assert_eq!(list.base_version, v, "a delta from the gate's version");
    assert_eq!(list.list_version, v + 1);
    let entries: Vec<_> = list.entries.iter().map(|e| (e.serial, e.reason)).collect();
    assert_eq!(entries, vec![(li_serial, RevocationReason::Cancelled)]);

    let status = gate
        .load_bundle(&h.bundle(Some(v)).await, h.now())
        .expect("the gate accepts the delta");
    assert_eq!(status.revocation_version, v + 1);
    assert_eq!(status.revoked_count, 2, "{zhang_serial} and {li_serial}");

    // A gate that missed a version cannot take a delta from a later one.
    let mut behind = ecard_core::Gate::new(
        &h.root_key().await,
        ecard_core::GatePolicy::for_scene(ecard_core::Scene::Museum),
    )
    .expect("gate");
    assert!(behind
        .load_bundle(&h.bundle(Some(v)).await, h.now())
        .is_err());
}

async fn scan_logs_are_stored_once(h: Harness) {
    let upload = json!({
        "gate_id": "museum-gate-01",
        "logs": [
            { "log_id": "scan-0000-0001", "serial": "17", "result": "ADMITTED", "scanned_at": NOW },
            { "log_id": "scan-0000-0002", "result": "REVOKED", "scanned_at": NOW + 5 },
        ],
    });
    let r = h
        .post(&mut Jar::none(), "/api/gates/scans", upload.clone())
        .await;
    assert_eq!(
        r.expect(StatusCode::OK),
        &json!({ "stored": 2, "duplicates": 0 })
    );
    let r = h.post(&mut Jar::none(), "/api/gates/scans", upload).await;
    assert_eq!(
        r.expect(StatusCode::OK),
        &json!({ "stored": 0, "duplicates": 2 })
    );
    assert_eq!(h.count("scan_logs").await, 2);
    let rows: Vec<(String, String, Option<String>, String, i64)> = sqlx::query_as(
        "SELECT log_id, gate_id, serial, result, scanned_at FROM scan_logs ORDER BY log_id",
    )
    .fetch_all(&h.state.db.pool)
    .await
    .expect("rows");
    assert_eq!(
        rows,
        vec![
            (
                "scan-0000-0001".into(),
                "museum-gate-01".into(),
                Some("17".into()),
                "ADMITTED".into(),
                NOW
            ),
            (
                "scan-0000-0002".into(),
                "museum-gate-01".into(),
                None,
                "REVOKED".into(),
                NOW + 5
            ),
        ]
    );
}

async fn invalid_scan_log_refuses_the_whole_upload(h: Harness) {
    let good = json!({ "log_id": "scan-0000-0001", "result": "ADMITTED", "scanned_at": NOW });
    let cases = [
        (
            json!({ "log_id": "x", "result": "ADMITTED", "scanned_at": NOW }),
            "logs.log_id",
            "LOG_ID_INVALID",
        ),
        (
            json!({ "log_id": "scan-0000-0002", "result": "admitted!", "scanned_at": NOW }),
            "logs.result",
            "RESULT_INVALID",
        ),
        (
            json!({ "log_id": "scan-0000-0003", "serial": "12a", "result": "ADMITTED", "scanned_at": NOW }),
            "logs.serial",
            "SERIAL_INVALID",
        ),
    ];
    for (bad, field, code) in cases {
        let r = h
            .post(
                &mut Jar::none(),
                "/api/gates/scans",
                json!({ "gate_id": "g1", "logs": [good.clone(), bad] }),
            )
            .await;
        r.expect_error(StatusCode::UNPROCESSABLE_ENTITY, code, Some(field));
    }
    let r = h
        .post(
            &mut Jar::none(),
            "/api/gates/scans",
            json!({ "gate_id": "", "logs": [good.clone()] }),
        )
        .await;
    r.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "GATE_ID_INVALID",
        Some("gate_id"),
    );
    let r = h
        .post(
            &mut Jar::none(),
            "/api/gates/scans",
            json!({ "gate_id": "g1", "logs": [good], "extra": 1 }),
        )
        .await;
    r.expect_error(StatusCode::BAD_REQUEST, "BAD_REQUEST_BODY", Some("extra"));
    assert_eq!(h.count("scan_logs").await, 0);
}

async fn time_follows_the_service_clock(h: Harness) {
    for t in [NOW, NOW + 12_345] {
        h.set_now(t);
        let r = h.get(&mut Jar::none(), "/api/time").await;
        let ms = r.expect(StatusCode::OK)["now_ms"].as_i64().expect("now_ms");
        assert_eq!(ms.div_euclid(1000), t, "{ms}");
    }
}
