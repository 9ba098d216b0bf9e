//! Writes committed in groups (SQLite: one writer task, one transaction and one fdatasync for
//! the jobs queued meanwhile, each job in its own savepoint; PostgreSQL: a transaction each).
//! What a user relies on, on both backends:
//! - many renewals at once all succeed, each with its own serial and a credential the issuer
//!   key verifies;
//! - a request that fails inside the transaction fails alone: the other requests of its group
//!   are committed and answered, and nothing the failed one wrote is kept;
//! - a write that was answered is seen by the next read (readers use other connections);
//! - (SQLite) a group whose commit fails answers every one of its jobs with an error.

#[macro_use]
mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::{device_key, id_number, Backend, Harness, Person};
use ecard_core::Credential;
use ed25519_dalek::{Signature, VerifyingKey};

fn person(i: u8) -> Person {
    let phone: &'static str = Box::leak(format!("139000002{i:02}").into_boxed_str());
    Person {
        name: "张三",
        id_number: id_number(&format!("110105194912{:02}002", 10 + i)),
        phone,
    }
}

/// Holders, renewals each holder sends at once.
const HOLDERS: u8 = 6;
const EACH: u8 = 8;

/// `HOLDERS × EACH` renewals sent at once: every one `201`, serials all different, each
/// credential signed by the current issuer key for the phone that asked, and one credential
/// row per answer.
async fn concurrent_renewals_get_distinct_valid_credentials(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    let mut jars = Vec::new();
    for i in 0..HOLDERS {
        jars.push(h.holder(&person(i), &mut reviewer).await.0);
    }
    let issuer = h.state.keys.current_issuer().signing.verifying_key();
    let h = Arc::new(h);
    let mut tasks = Vec::new();
    for (i, jar) in jars.iter().enumerate() {
        for _ in 0..EACH {
            let (h, mut jar) = (h.clone(), jar.clone());
            // One phone a holder: a renewal revokes nothing.
            let key = device_key(i as u8 + 1);
            tasks.push(tokio::spawn(async move {
                let r = h.credential(&mut jar, &key).await;
                (key, r)
            }));
        }
    }
    let mut serials = BTreeSet::new();
    for t in tasks {
        let (key, r) = t.await.expect("renewal task");
        let body = r.expect(StatusCode::CREATED);
        let bytes = hex::decode(body["credential"].as_str().expect("credential")).expect("hex");
        let credential = Credential::from_bytes(&bytes).expect("credential parses");
        assert_eq!(credential.body.device_key, key.verifying_key().to_bytes());
        assert_eq!(body["serial"], credential.body.serial.to_string());
        verify(&issuer, &credential);
        assert!(
            serials.insert(credential.body.serial),
            "serial {} issued twice",
            credential.body.serial
        );
    }
    let total = i64::from(HOLDERS) * i64::from(EACH);
    assert_eq!(serials.len() as i64, total);
    assert_eq!(h.count("credentials").await, total);
    let (revoked,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM credentials WHERE revoked_at IS NOT NULL")
            .fetch_one(&h.state.db.pool)
            .await
            .expect("count");
    assert_eq!(revoked, 0, "same phone: nothing revoked");
}

fn verify(issuer: &VerifyingKey, credential: &Credential) {
    let signature = Signature::from_bytes(&credential.issuer_signature);
    issuer
        .verify_strict(&credential.body.signed_bytes(), &signature)
        .expect("the issuer key verifies the credential");
}

/// Renewals of holders whose cards are fine, sent together with renewals of a holder whose card
/// was reported lost (refused inside the transaction, after the card is read): the lost card's
/// are `409 CARD_NOT_NORMAL`, every other is `201` and stored. On SQLite a transaction held
/// open meanwhile makes them queue, so they share one group.
async fn a_refused_renewal_fails_alone_in_its_group(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    let mut jars = Vec::new();
    for i in 0..4 {
        jars.push(h.holder(&person(i), &mut reviewer).await.0);
    }
    let (lost_jar, _, lost_card) = h.holder(&person(9), &mut reviewer).await;
    h.card_action(&mut reviewer, &lost_card, "lost")
        .await
        .expect(StatusCode::OK);
    let h = Arc::new(h);
    let blocker = h.state.db.begin_write().await.expect("writer");
    let mut tasks = Vec::new();
    for round in 0..3 {
        for (i, jar) in jars.iter().chain([&lost_jar]).enumerate() {
            let (h, mut jar) = (h.clone(), jar.clone());
            let lost = i == jars.len();
            let key = device_key(i as u8 + 1);
            tasks.push(tokio::spawn(async move {
                (round, lost, h.credential(&mut jar, &key).await)
            }));
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    blocker.commit().await.expect("release the writer");
    let mut issued = 0;
    for t in tasks {
        let (round, lost, r) = t.await.expect("renewal task");
        if lost {
            r.expect_error(StatusCode::CONFLICT, "CARD_NOT_NORMAL", None);
        } else {
            assert_eq!(r.status, StatusCode::CREATED, "round {round}: {}", r.text());
            issued += 1;
        }
    }
    assert_eq!(issued, 12);
    assert_eq!(h.count("credentials").await, 12);
}

/// Jobs queued together on the writer, some of which fail after writing (one returns an error
/// after its insert, one hits a unique constraint, one panics): each failed job gets its error
/// and leaves no row; every other job gets `Ok` and its row is there.
async fn a_failing_job_is_rolled_back_alone(h: Harness) {
    let db = h.state.db.clone();
    let created: Result<(), sqlx::Error> = db
        .write(|conn| {
            Box::pin(async move {
                sqlx::query("CREATE TABLE group_probe (n BIGINT PRIMARY KEY)")
                    .execute(conn)
                    .await
                    .map(|_| ())
            })
        })
        .await;
    created.expect("probe table");
    let blocker = db.begin_write().await.expect("writer");
    let mut tasks = Vec::new();
    for n in 0..20_i64 {
        let db = db.clone();
        let task = tokio::spawn(async move {
            let out: Result<i64, sqlx::Error> = db
                .write(move |conn| {
                    Box::pin(async move {
                        // 13 inserts 0 again: a constraint error inside the transaction.
                        let value = if n == 13 { 0 } else { n };
                        sqlx::query("INSERT INTO group_probe (n) VALUES ($1)")
                            .bind(value)
                            .execute(&mut *conn)
                            .await?;
                        match n {
                            7 => Err(sqlx::Error::Protocol("job 7 fails after its insert".into())),
                            11 => panic!("job 11 panics after its insert"),
                            _ => Ok(n),
                        }
                    })
                })
                .await;
            out
        });
        tasks.push((n, task));
        // In order, so that job 0's row is there before job 13 runs.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    blocker.commit().await.expect("release the writer");
    for (n, task) in tasks {
        // SQLite: the writer task catches job 11's panic and answers with an error;
        // PostgreSQL: the job runs in the request's own task, which the panic ends.
        let out = task.await.ok().and_then(Result::ok);
        match n {
            7 | 11 | 13 => assert_eq!(out, None, "job {n} must fail"),
            _ => assert_eq!(out, Some(n), "job {n}"),
        }
    }
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT n FROM group_probe ORDER BY n")
        .fetch_all(&db.pool)
        .await
        .expect("rows");
    let rows: Vec<i64> = rows.into_iter().map(|(n,)| n).collect();
    let expected: Vec<i64> = (0..20).filter(|n| ![7, 11, 13].contains(n)).collect();
    assert_eq!(rows, expected);
}

/// Each write, once answered, is seen by a read on the read pool straight after: a renewal's
/// credential row, and an application submitted then fetched.
async fn an_answered_write_is_seen_by_the_next_read(h: Harness) {
    let mut reviewer = h.reviewer("shenhe01").await;
    let (mut jar, _, _) = h.holder(&person(0), &mut reviewer).await;
    let key = device_key(1);
    for round in 0..30 {
        let r = h.credential(&mut jar, &key).await;
        let serial: i64 = r.expect(StatusCode::CREATED)["serial"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("serial");
        let found: Option<(i64,)> =
            sqlx::query_as("SELECT card_id FROM credentials WHERE serial = $1")
                .bind(serial)
                .fetch_optional(&h.state.db.pool)
                .await
                .expect("read");
        assert!(
            found.is_some(),
            "round {round}: credential {serial} not seen"
        );
    }
    let p = person(1);
    let mut jar = h.citizen(&p).await;
    let id = h
        .apply(&mut jar, &p, "seen-after-write")
        .await
        .expect(StatusCode::CREATED)["id"]
        .as_i64()
        .expect("id");
    h.get(&mut jar, &format!("/api/applications/{id}"))
        .await
        .expect(StatusCode::OK);
    let db = h.state.db.clone();
    for n in 0..30_i64 {
        let written: Result<_, sqlx::Error> = db
            .write(move |conn| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO counters (name, value) VALUES ($1, $2)")
                        .bind(format!("seen-{n}"))
                        .bind(n)
                        .execute(conn)
                        .await
                })
            })
            .await;
        written.expect("write");
        let (value,): (i64,) = sqlx::query_as("SELECT value FROM counters WHERE name = $1")
            .bind(format!("seen-{n}"))
            .fetch_one(&db.pool)
            .await
            .expect("the answered write is there");
        assert_eq!(value, n);
    }
}

/// SQLite: when a group's `COMMIT` fails, no job of the group is answered `Ok` and none of
/// their writes is kept; the writer goes on with the next group. The commit is made to fail by a
/// deferred foreign key (checked only at `COMMIT`) that one job leaves dangling.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_commit_fails_every_job_of_its_group() {
    let h = Harness::start(Backend::Sqlite).await.expect("SQLite");
    let db = h.state.db.clone();
    let created: Result<(), sqlx::Error> = db
        .write(|conn| {
            Box::pin(async move {
                sqlx::query("CREATE TABLE probe_parent (id BIGINT PRIMARY KEY)")
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(
                    "CREATE TABLE probe_child (id BIGINT PRIMARY KEY, parent BIGINT \
                     REFERENCES probe_parent (id) DEFERRABLE INITIALLY DEFERRED)",
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await;
    created.expect("probe tables");
    let blocker = db.begin_write().await.expect("writer");
    let mut tasks = Vec::new();
    for n in 0..6_i64 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let out: Result<(), sqlx::Error> = db
                .write(move |conn| {
                    Box::pin(async move {
                        // Job 3's parent does not exist: the group's COMMIT fails.
                        let parent = if n == 3 { None } else { Some(n) };
                        if let Some(p) = parent {
                            sqlx::query("INSERT INTO probe_parent (id) VALUES ($1)")
                                .bind(p)
                                .execute(&mut *conn)
                                .await?;
                        }
                        sqlx::query("INSERT INTO probe_child (id, parent) VALUES ($1, $2)")
                            .bind(n)
                            .bind(n + 100 * i64::from(parent.is_none()))
                            .execute(&mut *conn)
                            .await?;
                        Ok(())
                    })
                })
                .await;
            out
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    blocker.commit().await.expect("release the writer");
    for (n, t) in tasks.into_iter().enumerate() {
        assert!(
            t.await.expect("job task").is_err(),
            "job {n} answered Ok although its group was not committed"
        );
    }
    assert_eq!(h.count("probe_child").await, 0);
    assert_eq!(h.count("probe_parent").await, 0);
    // The next write commits.
    let after: Result<_, sqlx::Error> = db
        .write(|conn| {
            Box::pin(async move {
                sqlx::query("INSERT INTO probe_parent (id) VALUES (1)")
                    .execute(conn)
                    .await
            })
        })
        .await;
    after.expect("a write after the failed group");
    assert_eq!(h.count("probe_parent").await, 1);
}

on_both_backends_threaded!(
    concurrent_renewals_get_distinct_valid_credentials,
    a_refused_renewal_fails_alone_in_its_group,
    a_failing_job_is_rolled_back_alone,
    an_answered_write_is_seen_by_the_next_read,
);
