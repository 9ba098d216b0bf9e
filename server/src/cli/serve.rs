//! `ecard serve`, `ecard admin add-reviewer`, `ecard issuer rotate`: the service and its
//! operator commands.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::error::{CliError, CliResult};
use crate::service::{self, keystore::KeyStore, Storage};
use crate::timefmt;

/// Where the service keeps its data.
#[derive(Args)]
pub struct StorageArgs {
    /// Data directory: SQLite file and keys (created if missing)
    #[arg(long, default_value = "./data", env = "ECARD_DATA")]
    pub data: PathBuf,
    /// PostgreSQL URL (postgres://…) instead of the embedded SQLite file
    #[arg(long, env = "ECARD_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl StorageArgs {
    fn storage(&self) -> Storage<'_> {
        Storage {
            data_dir: &self.data,
            database_url: self.database_url.as_deref(),
        }
    }
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080", env = "ECARD_LISTEN")]
    pub listen: SocketAddr,
    /// Folder of pages to serve at /
    #[arg(long, default_value = "www")]
    pub www: PathBuf,
    /// Rate limits: `production` (default), `off`, and/or overrides such as
    /// `login=10/60,register=20/3600,apply=10/3600,apply_per_address=120/3600,
    /// credential=30/3600,upload=60/3600,gate_scans=120/60,backoff=5/30/3600` (see docs/SECURITY.md)
    #[arg(long, default_value = "production", env = "ECARD_RATE_LIMITS")]
    pub rate_limits: String,
    /// Header a trusted reverse proxy sets to the client's address (e.g. X-Forwarded-For);
    /// without it the connection's peer is the client
    #[arg(long, env = "ECARD_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a reviewer account; the password is read from standard input (first line)
    AddReviewer {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// Roles, comma-separated: `reviewer` (card applications), `operator` (venues)
        #[arg(long, default_value = "reviewer")]
        roles: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
pub enum IssuerCommand {
    /// Add a new issuer key; the old one stays in the trust list until its credentials expire
    Rotate {
        #[arg(long, default_value = "./data", env = "ECARD_DATA")]
        data: PathBuf,
    },
}

fn runtime() -> CliResult<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new()
        .map_err(|e| CliError::new("RUNTIME", format!("无法启动运行时：{e}")))
}

pub fn serve(a: ServeArgs) -> CliResult {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let rate_limits = service::limits::RateLimits::parse(&a.rate_limits)
        .map_err(|e| CliError::new("RATE_LIMITS_INVALID", format!("限流设置有误：{e}")))?;
    let config = service::state::Config {
        www_dir: a.www,
        rate_limits,
        client_ip_header: a.client_ip_header.map(|h| h.to_ascii_lowercase()),
        ..service::state::Config::default()
    };
    runtime()?
        .block_on(service::serve(a.listen, a.storage.storage(), config))
        .map_err(|e| CliError::new("SERVE", e))
}

pub fn admin(c: AdminCommand) -> CliResult {
    let AdminCommand::AddReviewer {
        username,
        display_name,
        roles,
        storage,
    } = c;
    let roles: Vec<&str> = roles.split(',').map(str::trim).collect();
    if roles.is_empty() || roles.iter().any(|r| !matches!(*r, "reviewer" | "operator")) {
        return Err(CliError::new(
            "ROLES_INVALID",
            "角色应为 reviewer（审核）或 operator（场馆管理），多个用逗号分隔",
        ));
    }
    let roles = roles.join(",");
    let username = username.trim().to_string();
    if username.len() < 3
        || username.len() > 32
        || !username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(CliError::new(
            "USERNAME_INVALID",
            "用户名应为 3–32 位字母、数字或下划线",
        ));
    }
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|e| CliError::new("PASSWORD_READ", format!("读取密码失败：{e}")))?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    if password.chars().count() < 12 {
        return Err(CliError::new(
            "PASSWORD_WEAK",
            "审核员密码至少 12 位（从标准输入读取）",
        ));
    }
    runtime()?.block_on(async {
        let db = service::open_db(&storage.storage()).await.map_err(|e| CliError::new("DATABASE", e))?;
        let hash = service::hash_password(password).await.map_err(|e| CliError::new("HASH", e.message))?;
        let r = sqlx::query(
            "INSERT INTO reviewers (username, display_name, password_hash, created_at, roles) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (username) DO NOTHING",
        )
        .bind(&username)
        .bind(display_name.trim())
        .bind(hash)
        .bind(timefmt::now()?)
        .bind(&roles)
        .execute(&db.pool)
        .await
        .map_err(|e| CliError::new("DATABASE", e.to_string()))?;
        if r.rows_affected() == 0 {
            return Err(CliError::new("REVIEWER_EXISTS", format!("审核员 {username} 已存在")));
        }
        println!("{}", serde_json::json!({ "reviewer": username, "roles": roles }));
        Ok(())
    })
}

pub fn issuer(c: IssuerCommand) -> CliResult {
    let IssuerCommand::Rotate { data } = c;
    let now = timefmt::now()?;
    KeyStore::open_or_create(&data, now)?;
    let id = KeyStore::rotate(&data, now)?;
    println!("{}", serde_json::json!({ "new_issuer_key_id": id }));
    eprintln!("新签发密钥已生成；请重启所有 ecard serve 实例以使用它。");
    Ok(())
}
