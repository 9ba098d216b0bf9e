//! A real `ecard serve` process for the tests that need the binary: over HTTP, killed at will,
//! its log read back.

use std::fs::File;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::REVIEWER_PASSWORD;

/// `ecard` with no service settings inherited from the environment.
pub fn ecard(data: &Path, database_url: Option<&str>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ecard"));
    c.current_dir(data)
        .env_remove("ECARD_DATABASE_URL")
        .env_remove("ECARD_DATA")
        .env_remove("ECARD_LISTEN")
        .env_remove("ECARD_RATE_LIMITS")
        .env_remove("ECARD_PII_KEY")
        .env_remove("RUST_LOG");
    if let Some(url) = database_url {
        c.env("ECARD_DATABASE_URL", url);
    }
    c
}

/// A running `ecard serve`, killed when dropped (also when the test fails).
pub struct Server {
    pub child: Child,
    pub base: String,
    pub log: std::path::PathBuf,
}

impl Server {
    /// Starts the binary on a free port and waits (at most 30 s) until it accepts connections.
    pub fn start(data: &Path, database_url: Option<&str>) -> Server {
        Self::start_with(data, database_url, &[], &[])
    }

    /// As [`Server::start`] with more arguments and environment variables; the log
    /// (`DATA/serve.log`, standard output and error) is appended to across restarts.
    pub fn start_with(
        data: &Path,
        database_url: Option<&str>,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Server {
        let log = data.join("serve.log");
        // The port is free when asked; should another process take it before the child binds,
        // the child exits and the next attempt takes another port.
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let out = File::options()
                .create(true)
                .append(true)
                .open(&log)
                .expect("log file");
            let err = out.try_clone().expect("log file");
            let child = ecard(data, database_url)
                .args(["serve", "--listen", &addr.to_string(), "--data"])
                .arg(data)
                .arg("--www")
                .arg(data.join("www"))
                .args(args)
                .envs(envs.iter().copied())
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .spawn()
                .expect("spawn ecard serve");
            let mut server = Server {
                child,
                base: format!("http://{addr}"),
                log: log.clone(),
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if server.child.try_wait().expect("child status").is_some() {
                    break;
                }
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return server;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let exited = server.child.try_wait().expect("child status").is_some();
            if !exited {
                panic!("ecard serve not ready after 30 s:\n{}", server.log_text());
            }
            eprintln!(
                "ecard serve exited at start, retrying:\n{}",
                server.log_text()
            );
        }
        panic!("ecard serve did not start");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The process id (for /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process at once (SIGKILL: no shutdown, no flush) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Uploads every material a citizen (or a minor's guardian) needs, as the logged-in `http`;
/// returns the form's `materials` map.
pub async fn upload_materials(http: &reqwest::Client, server: &Server, minor: bool) -> Value {
    let mut materials = serde_json::Map::new();
    for kind in super::citizen_materials(minor) {
        let (content_type, bytes) = super::material_file(kind);
        let resp = http
            .post(server.url(&format!("/api/uploads?kind={kind}")))
            .header("content-type", content_type)
            .body(bytes.to_vec())
            .send()
            .await
            .expect("upload");
        assert_eq!(resp.status(), reqwest::StatusCode::CREATED);
        let body: Value = resp.json().await.expect("JSON");
        materials.insert(kind.to_string(), body["id"].clone());
    }
    Value::Object(materials)
}

/// `ecard admin add-reviewer` with the password on standard input.
pub fn add_reviewer(data: &Path, database_url: Option<&str>, username: &str) {
    let mut child = ecard(data, database_url)
        .args(["admin", "add-reviewer", "--username", username])
        .args(["--display-name", "王审核", "--data"])
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ecard admin");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{REVIEWER_PASSWORD}\n").as_bytes())
        .expect("write password");
    let out = child.wait_with_output().expect("ecard admin");
    assert!(
        out.status.success(),
        "add-reviewer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(printed["reviewer"], username);
}
