//! The database: an embedded SQLite file by default, PostgreSQL for several instances. Both go
//! through sqlx's `Any` driver with the same SQL (`$1` placeholders, `RETURNING`, `ON CONFLICT`
//! work in both); only the migrations differ, one folder per backend.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::pin::Pin;
use std::str::FromStr;

use futures_util::FutureExt;
use sqlx::any::{AnyPoolOptions, AnyQueryResult};
use sqlx::{AnyConnection, AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

/// Which database the pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded file; one instance.
    Sqlite,
    /// Shared server; any number of instances.
    Postgres,
}

/// A pool and its backend.
#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Where [`Db::begin_write`] takes its connection. SQLite: a pool of one, so writers queue
    /// in the pool (woken in order the moment the writer commits) instead of polling SQLite's
    /// write lock with its busy handler's sleeps. PostgreSQL: the same pool as `pool`.
    write: AnyPool,
    /// SQLite: the queue of the writer task, which commits the jobs [`Db::write`] and
    /// [`Db::write_statements`] send it in groups. PostgreSQL: none (each job is its own
    /// transaction on the pool; the server groups commits by itself).
    jobs: Option<mpsc::Sender<Job>>,
}

/// What a write job returns: a future borrowing the connection it runs on.
pub type WriteFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// A write job: its statements on the connection it is given (SQLite: inside a savepoint of
/// the group's transaction), `Err` to have them undone.
pub trait WriteJob<T, E>:
    for<'c> FnOnce(&'c mut AnyConnection) -> WriteFuture<'c, Result<T, E>> + Send + 'static
{
}

impl<T, E, F> WriteJob<T, E> for F where
    F: for<'c> FnOnce(&'c mut AnyConnection) -> WriteFuture<'c, Result<T, E>> + Send + 'static
{
}

/// A statement with its values bound and owned, ready for [`Db::execute`].
pub type Statement = sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>>;

/// The error a write job answers with: a database error converts into it.
pub trait WriteError: From<sqlx::Error> + Send + 'static {}

impl<E: From<sqlx::Error> + Send + 'static> WriteError for E {}

/// A job on the SQLite writer task, type-erased: runs its statements, says whether they
/// succeeded (kept) or failed (rolled back to the job's savepoint), and hands back how to
/// answer its request once the group's commit is known.
type Job = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> WriteFuture<'c, (bool, Reply)> + Send>;

/// Answers a job's request: `None` once the group committed, the commit's error otherwise.
type Reply = Box<dyn FnOnce(Option<&sqlx::Error>) + Send>;

/// At most this many jobs share one SQLite transaction (one commit, one fdatasync).
pub const MAX_GROUP: usize = 64;

/// `synchronous` for SQLite: `FULL` unless `ECARD_SQLITE_SYNCHRONOUS=normal` (docs/SCALE.md).
/// FULL syncs the WAL at every commit, so an acknowledged write (a 挂失, a credential and its
/// serial) survives a power cut; NORMAL may lose the last commits then (never on a crash of
/// the process), and the serials of lost credentials would be handed out again.
fn sqlite_synchronous() -> &'static str {
    match std::env::var("ECARD_SQLITE_SYNCHRONOUS") {
        Ok(v) if v.eq_ignore_ascii_case("normal") => "NORMAL",
        _ => "FULL",
    }
}

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Opens (creating if needed) the SQLite file `dir/ecard.sqlite3` and migrates it.
    pub async fn open_sqlite(dir: &Path) -> Result<Self, sqlx::Error> {
        let url = format!("sqlite://{}?mode=rwc", dir.join("ecard.sqlite3").display());
        Self::open(&url, Backend::Sqlite).await
    }

    /// Connects to PostgreSQL and migrates it.
    pub async fn open_postgres(url: &str) -> Result<Self, sqlx::Error> {
        Self::open(url, Backend::Postgres).await
    }

    async fn open(url: &str, backend: Backend) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let pool = Self::pool(
            url,
            backend,
            if backend == Backend::Sqlite { 4 } else { 16 },
        )
        .await?;
        let (write, jobs) = match backend {
            Backend::Sqlite => {
                let write = Self::pool(url, backend, 1).await?;
                let (send, receive) = mpsc::channel(4 * MAX_GROUP);
                tokio::spawn(run_writer(write.clone(), receive));
                (write, Some(send))
            }
            Backend::Postgres => (pool.clone(), None),
        };
        let db = Db {
            pool,
            backend,
            write,
            jobs,
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn pool(url: &str, backend: Backend, size: u32) -> Result<AnyPool, sqlx::Error> {
        let options = sqlx::any::AnyConnectOptions::from_str(url)?;
        let synchronous = sqlite_synchronous();
        AnyPoolOptions::new()
            .max_connections(size)
            // A SQLite connection is a file handle in this process: nothing to ping (the ping
            // is a round trip to the connection's thread at every acquire).
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL: readers never block the writer. `synchronous` FULL by default:
                        // an acknowledged write survives a crash or power loss. Deleted content
                        // is zeroed (secure_delete): no plain copy of sealed data stays in free
                        // pages.
                        conn.execute(
                            format!(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
                                 PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;"
                            )
                            .as_str(),
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
    }

    /// Starts a transaction that will write. SQLite takes its write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes fails with
    /// "database is locked" when another writer got in between, whatever the busy timeout.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Runs `job` in a transaction and answers once that transaction is committed: `Ok` only
    /// after the commit succeeded, and when `job` fails nothing it wrote is kept.
    ///
    /// SQLite: the job goes to the writer task, which runs the jobs queued meanwhile (up to
    /// [`MAX_GROUP`]) in one `BEGIN IMMEDIATE` transaction, each inside its own savepoint (a
    /// failed job is rolled back to it alone), and commits them with one `COMMIT`: one
    /// fdatasync for the group (`synchronous=FULL` unchanged). A lone job commits at once. If
    /// the commit fails, every job of the group gets the error. The job runs even if the
    /// request is abandoned meanwhile. PostgreSQL: a transaction of its own on the pool.
    pub async fn write<T: Send + 'static, E: WriteError>(
        &self,
        job: impl WriteJob<T, E>,
    ) -> Result<T, E> {
        self.run(true, job).await
    }

    /// As [`Db::write`] for statements that need no transaction on PostgreSQL (a single
    /// statement, or ones each of which stands alone): there they run on a pool connection
    /// as they come. SQLite: the same group commit as [`Db::write`].
    pub async fn write_statements<T: Send + 'static, E: WriteError>(
        &self,
        job: impl WriteJob<T, E>,
    ) -> Result<T, E> {
        self.run(false, job).await
    }

    /// One statement, built with its bound values, written as [`Db::write_statements`] writes.
    pub async fn execute(&self, statement: Statement) -> Result<AnyQueryResult, sqlx::Error> {
        self.write_statements(move |conn| Box::pin(statement.execute(conn)))
            .await
    }

    async fn run<T: Send + 'static, E: WriteError>(
        &self,
        transaction: bool,
        job: impl WriteJob<T, E>,
    ) -> Result<T, E> {
        let Some(jobs) = &self.jobs else {
            if !transaction {
                return job(&mut *self.pool.acquire().await?).await;
            }
            let mut tx = self.pool.begin().await?;
            let out = job(&mut tx).await;
            if out.is_ok() {
                tx.commit().await?;
            }
            return out;
        };
        let (answer, answered) = oneshot::channel::<Result<T, E>>();
        let erased: Job = Box::new(move |conn| {
            Box::pin(async move {
                let out = job(conn).await;
                let ok = out.is_ok();
                let reply: Reply = Box::new(move |commit_error| {
                    let out = match commit_error {
                        None => out,
                        Some(e) => Err(E::from(not_committed(e))),
                    };
                    // The request may have been abandoned: nobody to answer.
                    let _ = answer.send(out);
                });
                (ok, reply)
            })
        });
        let lost = || {
            E::from(sqlx::Error::Protocol(
                "the SQLite writer dropped the job".into(),
            ))
        };
        jobs.send(erased).await.map_err(|_| lost())?;
        answered.await.map_err(|_| lost())?
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| sqlx::Error::Migrate(Box::new(e)))
    }
}

/// The error a job of a group whose commit failed is answered with.
fn not_committed(e: &sqlx::Error) -> sqlx::Error {
    sqlx::Error::Protocol(format!("group commit failed, nothing written: {e}"))
}

/// The SQLite writer task: takes the jobs queued (all of them up to [`MAX_GROUP`]; waits only
/// when there are none), then the writer connection (shared with [`Db::begin_write`]'s
/// transactions, which it waits for), and commits them as one group.
async fn run_writer(write: AnyPool, mut jobs: mpsc::Receiver<Job>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while jobs.recv_many(&mut group, MAX_GROUP).await > 0 {
        match write.acquire().await {
            Ok(mut conn) => {
                // Those that queued while the connection was busy join this group too.
                while group.len() < MAX_GROUP {
                    match jobs.try_recv() {
                        Ok(job) => group.push(job),
                        Err(_) => break,
                    }
                }
                commit_group(&mut conn, group.drain(..)).await;
            }
            Err(e) => {
                // Dropping the jobs answers each request with an error; nothing ran.
                tracing::error!(error = %e, "SQLite writer connection unavailable");
                group.clear();
            }
        }
    }
}

/// Runs `group` in one transaction, each job inside the savepoint `job`, then commits and
/// answers every job. The statements that end one job's savepoint and open the next's go to
/// SQLite together (one round trip to the connection's thread). Any failure outside a job's
/// own statements (`BEGIN`, a savepoint, the `COMMIT`) rolls the whole group back and answers
/// every job with the error (those not yet run are dropped, which answers them too).
async fn commit_group(conn: &mut AnyConnection, group: impl Iterator<Item = Job>) {
    let mut replies: Vec<Reply> = Vec::with_capacity(MAX_GROUP);
    // How the previous job ended: nothing to end before the first.
    let mut before = BEGIN;
    for job in group {
        if let Err(e) = conn
            .execute(format!("{before} SAVEPOINT job").as_str())
            .await
        {
            return abort(conn, replies, e).await;
        }
        // A job that panics is rolled back and dropped (its request gets an error); the
        // others are unaffected.
        before = match AssertUnwindSafe(job(conn)).catch_unwind().await {
            Ok((true, reply)) => {
                replies.push(reply);
                KEPT
            }
            Ok((false, reply)) => {
                replies.push(reply);
                ROLLED_BACK
            }
            Err(_) => {
                tracing::error!("a write job panicked; rolled back");
                ROLLED_BACK
            }
        };
    }
    if before == BEGIN {
        return;
    }
    match conn.execute(format!("{before} COMMIT").as_str()).await {
        Ok(_) => replies.into_iter().for_each(|reply| reply(None)),
        Err(e) => abort(conn, replies, e).await,
    }
}

/// Opens the group's transaction, taking SQLite's write lock at once.
const BEGIN: &str = "BEGIN IMMEDIATE;";
/// Ends the savepoint of a job that succeeded: its writes join the transaction.
const KEPT: &str = "RELEASE job;";
/// Ends the savepoint of a job that failed: its writes are undone, the other jobs' kept.
const ROLLED_BACK: &str = "ROLLBACK TO job; RELEASE job;";

async fn abort(conn: &mut AnyConnection, replies: Vec<Reply>, e: sqlx::Error) {
    tracing::error!(error = %e, jobs = replies.len(), "group commit failed; rolled back");
    if let Err(e) = conn.execute("ROLLBACK").await {
        tracing::debug!(error = %e, "rollback after a failed group");
    }
    replies.into_iter().for_each(|reply| reply(Some(&e)));
}
