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
        let options = sqlx::any::AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL with full sync: an acknowledged write survives a crash or power
                        // loss; readers never block the writer. Deleted content is zeroed
                        // (secure_delete): no plain copy of sealed data stays in free pages.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let db = Db { pool, backend };
        db.migrate().await?;
        Ok(db)
    }

    /// Starts a transaction that will write. SQLite takes its write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes fails with
    /// "database is locked" when another writer got in between, whatever the busy timeout.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
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
