//! Requests that race: what the service must guarantee when two of them arrive at once.
//!
//! Two guarantees, each checked on SQLite and PostgreSQL over several rounds:
//! - two applications with different keys sent at once: exactly one is stored (201 + 409);
//! - a credential requested while a reviewer reports the card lost is either refused or
//!   revoked, never left valid (the card row is locked and its state re-checked).
//!
//! On SQLite every write transaction starts with `BEGIN IMMEDIATE`, so neither request fails
//! with "database is locked".

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{device_key, id_number, Backend, Harness, Person};

/// Rounds per test: each race shows within a few.
const ROUNDS: u8 = 12;

fn person(i: u8) -> Person {
    let phone: &'static str = Box::leak(format!("139000001{i:02}").into_boxed_str());
    Person {
        name: "张三",
        id_number: id_number(&format!("110105194912{:02}002", 10 + i)),
        phone,
    }
}

/// One holder submits twice at once with two keys: one application, the other `409`.
async fn one_open_application_under_concurrency(h: Harness) {
    for i in 0..ROUNDS {
        let p = person(i);
        let jar = h.citizen(&p).await;
        let (mut a_jar, mut b_jar) = (jar.clone(), jar);
        let (a_key, b_key) = (format!("race-a-{i:04}"), format!("race-b-{i:04}"));
        let (a, b) = tokio::join!(
            h.apply(&mut a_jar, &p, &a_key),
            h.apply(&mut b_jar, &p, &b_key),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "round {i}: {} / {}",
            a.text(),
            b.text()
        );
    }
    assert_eq!(h.count("applications").await, i64::from(ROUNDS));
}

/// A credential is issued while the card is reported lost: either the request is refused or
/// the credential is revoked — never a usable credential for a lost card.
async fn no_credential_escapes_a_card_action(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    for i in 0..ROUNDS {
        let (mut jar, _, card) = h.holder(&person(i), &mut reviewer).await;
        let mut r2 = reviewer.clone();
        let key = device_key(i + 1);
        let (issued, lost) = tokio::join!(
            h.credential(&mut jar, &key),
            h.card_action(&mut r2, &card, "lost"),
        );
        assert_eq!(lost.status, StatusCode::OK, "round {i}: {}", lost.text());
        match issued.status {
            StatusCode::CREATED => {
                let serial: i64 = issued.json["serial"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .expect("serial");
                let (revoked_at,): (Option<i64>,) =
                    sqlx::query_as("SELECT revoked_at FROM credentials WHERE serial = $1")
                        .bind(serial)
                        .fetch_one(&h.state.db.pool)
                        .await
                        .expect("credential row");
                assert!(
                    revoked_at.is_some(),
                    "round {i}: credential {serial} valid for a lost card"
                );
            }
            StatusCode::CONFLICT => {}
            other => panic!("round {i}: {other} {}", issued.text()),
        }
    }
}

/// A hundred copies of one submission (same account, key and body) sent at once: one
/// application, and every copy gets the same answer. The same key with another body is `422`
/// and changes nothing.
async fn a_hundred_copies_of_one_submission_store_one(h: Harness) {
    let p = person(0);
    let jar = h.citizen(&p).await;
    let h = std::sync::Arc::new(h);
    let copies: Vec<_> = (0..100)
        .map(|_| {
            let (mut jar, h, p) = (jar.clone(), h.clone(), p.clone());
            tokio::spawn(async move { h.apply(&mut jar, &p, "one-key-for-all").await })
        })
        .collect();
    let mut answers = Vec::new();
    for c in copies {
        answers.push(c.await.expect("copy"));
    }
    let first = &answers[0];
    for (i, a) in answers.iter().enumerate() {
        assert_eq!(a.status, StatusCode::CREATED, "copy {i}: {}", a.text());
        assert_eq!(a.json, first.json, "copy {i} answered differently");
    }
    assert_eq!(h.count("applications").await, 1);
    assert_eq!(h.count("application_events").await, 2);
    let mut other = p.application();
    other["service_bank"] = serde_json::json!("icbc");
    let mut jar = jar.clone();
    h.post_with(
        &mut jar,
        "/api/applications",
        &[("idempotency-key", "one-key-for-all")],
        other,
    )
    .await
    .expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "IDEMPOTENCY_KEY_REUSED",
        None,
    );
    assert_eq!(h.count("applications").await, 1);
}

on_both_backends_threaded!(
    one_open_application_under_concurrency,
    a_hundred_copies_of_one_submission_store_one,
    no_credential_escapes_a_card_action,
);
