//! The database: an embedded SQLite file by default, PostgreSQL for several instances. Both go
//! through sqlx's `Any` driver with the same SQL (`$1` placeholders, `RETURNING`, `ON CONFLICT`
//! work in both); only the migrations differ, one folder per backend.

use std::path::Path;
use std::str::FromStr;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

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
}

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
        let write = match backend {
            Backend::Sqlite => Self::pool(url, backend, 1).await?,
            Backend::Postgres => pool.clone(),
        };
        let db = Db {
            pool,
            backend,
            write,
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn pool(url: &str, backend: Backend, size: u32) -> Result<AnyPool, sqlx::Error> {
        let options = sqlx::any::AnyConnectOptions::from_str(url)?;
        let synchronous = sqlite_synchronous();
        AnyPoolOptions::new()
            .max_connections(size)
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

    /// Where a write outside a transaction (one statement) goes. SQLite: the writer connection,
    /// so it queues behind the other writers instead of polling the write lock (the busy
    /// handler sleeps up to 100 ms at a time); PostgreSQL: the pool.
    pub fn writer(&self) -> &AnyPool {
        &self.write
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
