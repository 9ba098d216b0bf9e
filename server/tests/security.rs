//! Headers on every answer (errors included), refusal of requests forged by other sites, and
//! body limits. SQLite only: none of this depends on the database.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{Backend, Harness, Jar, Person};

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
