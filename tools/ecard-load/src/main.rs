//! Load generator for `ecard serve` on loopback (docs/SCALE.md, `scripts/bench-scale.sh`).
//!
//! Everything goes through the public HTTP API, as a phone and a reviewer would: citizens
//! register and log in, upload their materials (a 30 KB photo) and apply; a reviewer (made
//! beforehand with `ecard admin add-reviewer`) approves; then the generator measures
//!
//! - **renewals**: `POST /api/ecard/credential` by card holders, as fast as `--concurrency`
//!   clients get answers, for `--seconds`;
//! - **submissions**: one citizen's whole application: the photo (30 KB JPEG), three document
//!   scans, then `POST /api/applications`, each citizen once.
//!
//! It prints requests per second with p50/p99/max latency (for submissions also of each of the
//! five requests: all together, photo, scans, the form) and, last, one line of JSON
//! (`LOAD_JSON {...}`). A refused request (any answer other than the expected status) stops
//! the run: the figures are only of requests that did what they should.
//!
//! ```text
//! ecard-load --url http://127.0.0.1:57080 --reviewer bench --reviewer-password '...' \
//!            [--holders 200] [--applicants 3000] [--concurrency 32] [--seconds 20]
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ecard_core::rules::id_number::check_char;
use ecard_core::SigningKey;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "secret2026";
/// The photo fixture of the rules tests: 358×441 on white, 24 KB.
const PHOTO: &[u8] = include_bytes!("../../../tests/fixtures/photos/good.jpg");
/// Size of the photo each applicant uploads.
const PHOTO_BYTES: usize = 30 * 1024;
const SCAN_PDF: &[u8] = b"%PDF-1.4\n% scan of a document\n%%EOF\n";

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T> = std::result::Result<T, Error>;

struct Args {
    url: String,
    reviewer: String,
    reviewer_password: String,
    holders: usize,
    applicants: usize,
    concurrency: usize,
    seconds: u64,
    /// Numbers citizens from here, so that runs against one database do not collide.
    first: usize,
    /// The server's process id: its CPU time per request is reported (Linux `/proc`).
    server_pid: Option<u32>,
}

fn args() -> Result<Args> {
    let mut a = Args {
        url: "http://127.0.0.1:8080".into(),
        reviewer: String::new(),
        reviewer_password: String::new(),
        holders: 200,
        applicants: 3_000,
        concurrency: 32,
        seconds: 20,
        first: 0,
        server_pid: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = value()?,
            "--reviewer" => a.reviewer = value()?,
            "--reviewer-password" => a.reviewer_password = value()?,
            "--holders" => a.holders = value()?.parse()?,
            "--applicants" => a.applicants = value()?.parse()?,
            "--concurrency" => a.concurrency = value()?.parse()?,
            "--seconds" => a.seconds = value()?.parse()?,
            "--first" => a.first = value()?.parse()?,
            "--server-pid" => a.server_pid = Some(value()?.parse()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if a.reviewer.is_empty() {
        return Err("--reviewer and --reviewer-password are required".into());
    }
    a.url = a.url.trim_end_matches('/').to_string();
    Ok(a)
}

/// A citizen numbered `i`: a valid ID number (新乡县, born 1960–1999, adult), a phone number.
#[derive(Clone)]
struct Citizen {
    id_number: String,
    phone: String,
    cookie: Option<HeaderValue>,
    device_key: String,
}

impl Citizen {
    fn new(i: usize) -> Self {
        let year = 1960 + i % 40;
        let month = 1 + (i / 40) % 12;
        let day = 1 + (i / 480) % 28;
        let seq = 100 + i / 13_440;
        let first17 = format!("410721{year:04}{month:02}{day:02}{seq:03}");
        let check = check_char(first17.as_bytes()) as char;
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        seed[8] = 0xec;
        Citizen {
            id_number: format!("{first17}{check}"),
            phone: format!("139{:08}", i),
            cookie: None,
            device_key: hex(&SigningKey::from_bytes(&seed).verifying_key().to_bytes()),
        }
    }

    fn form(&self, materials: &Value) -> Value {
        json!({
            "category": "citizen",
            "name": "张三",
            "phone": self.phone,
            "document": { "kind": "resident_id", "number": self.id_number },
            "service_bank": "assign",
            "channel": "self_online",
            "materials": materials,
        })
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `good.jpg` with a comment segment after the start-of-image marker: the same picture in a
/// file of exactly [`PHOTO_BYTES`].
fn photo() -> Vec<u8> {
    let pad = PHOTO_BYTES - PHOTO.len() - 4;
    let mut out = PHOTO[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((pad + 2) as u16).to_be_bytes());
    out.extend(std::iter::repeat_n(b' ', pad));
    out.extend_from_slice(&PHOTO[2..]);
    assert_eq!(out.len(), PHOTO_BYTES);
    out
}

struct Api {
    client: Client,
    url: String,
    photo: Vec<u8>,
}

impl Api {
    /// POSTs `body` and checks the answer's status.
    async fn send(
        &self,
        path: &str,
        cookie: Option<&HeaderValue>,
        content_type: &str,
        body: Vec<u8>,
        extra: Option<(&'static str, String)>,
        expect: StatusCode,
    ) -> Result<(HeaderMap, Value)> {
        let mut req = self
            .client
            .post(format!("{}{path}", self.url))
            .header(CONTENT_TYPE, content_type)
            .body(body);
        if let Some(c) = cookie {
            req = req.header(COOKIE, c.clone());
        }
        if let Some((k, v)) = extra {
            req = req.header(k, v);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await?;
        if status != expect {
            return Err(format!(
                "{path}: {status} (expected {expect}): {}",
                String::from_utf8_lossy(&bytes)
            )
            .into());
        }
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok((headers, value))
    }

    async fn post_json(
        &self,
        path: &str,
        cookie: Option<&HeaderValue>,
        body: &Value,
        expect: StatusCode,
    ) -> Result<(HeaderMap, Value)> {
        let body = serde_json::to_vec(body)?;
        self.send(path, cookie, "application/json", body, None, expect)
            .await
    }

    /// Logs in and returns the session cookie (`name=value`).
    async fn login(&self, path: &str, body: &Value) -> Result<HeaderValue> {
        let (headers, _) = self.post_json(path, None, body, StatusCode::OK).await?;
        let set = headers
            .get(SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .ok_or("no session cookie")?;
        let pair = set.split(';').next().unwrap_or_default();
        Ok(HeaderValue::from_str(pair)?)
    }

    async fn register_and_login(&self, c: &mut Citizen) -> Result<()> {
        let body = json!({ "name": "张三", "id_number": c.id_number, "phone": c.phone, "password": PASSWORD });
        self.post_json("/api/citizens/register", None, &body, StatusCode::CREATED)
            .await?;
        let login = json!({ "phone": c.phone, "password": PASSWORD });
        c.cookie = Some(self.login("/api/citizens/login", &login).await?);
        Ok(())
    }

    /// The whole application: photo, three scans, the form. Returns the application id.
    async fn apply(&self, c: &Citizen, key: usize) -> Result<i64> {
        Ok(self.apply_timed(c, key).await?.0)
    }

    /// As [`Api::apply`], with the latency of each of the five requests in the order sent
    /// (photo, three scans, the form).
    async fn apply_timed(&self, c: &Citizen, key: usize) -> Result<(i64, [Duration; 5])> {
        let cookie = c.cookie.as_ref();
        let mut materials = serde_json::Map::new();
        let mut each = [Duration::ZERO; 5];
        for (i, kind) in [
            "photo",
            "household_register",
            "id_card_front",
            "id_card_back",
        ]
        .into_iter()
        .enumerate()
        {
            let t = Instant::now();
            let (ct, body) = if kind == "photo" {
                ("image/jpeg", self.photo.clone())
            } else {
                ("application/pdf", SCAN_PDF.to_vec())
            };
            let (_, v) = self
                .send(
                    &format!("/api/uploads?kind={kind}"),
                    cookie,
                    ct,
                    body,
                    None,
                    StatusCode::CREATED,
                )
                .await?;
            each[i] = t.elapsed();
            materials.insert(kind.into(), v["id"].clone());
        }
        let t = Instant::now();
        let body = serde_json::to_vec(&c.form(&Value::Object(materials)))?;
        let (_, v) = self
            .send(
                "/api/applications",
                cookie,
                "application/json",
                body,
                Some(("idempotency-key", format!("ecard-load-{key:012}"))),
                StatusCode::CREATED,
            )
            .await?;
        each[4] = t.elapsed();
        let id = v["id"].as_i64().ok_or("no application id")?;
        Ok((id, each))
    }
}

/// CPU seconds (user + system) a process has used so far, from `/proc/PID/stat`; `None` off
/// Linux. Ticks are taken as 100 a second (`CLK_TCK` on Linux).
fn cpu_secs(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// CPU used by the server and by this generator while a phase runs.
struct Cpu {
    server: Option<String>,
    start: (Option<f64>, Option<f64>),
}

impl Cpu {
    fn start(server_pid: Option<u32>) -> Self {
        let server = server_pid.map(|p| p.to_string());
        let start = (server.as_deref().and_then(cpu_secs), cpu_secs("self"));
        Cpu { server, start }
    }
    /// Milliseconds of CPU per operation: (server, generator).
    fn per_op(&self, ops: usize) -> (Option<f64>, Option<f64>) {
        let now = (self.server.as_deref().and_then(cpu_secs), cpu_secs("self"));
        let per = |a: Option<f64>, b: Option<f64>| Some((b? - a?) * 1e3 / ops.max(1) as f64);
        (per(self.start.0, now.0), per(self.start.1, now.1))
    }
}

/// Latency figures of one kind of operation.
struct Stats {
    cpu_ms: (Option<f64>, Option<f64>),
    count: usize,
    secs: f64,
    p50: f64,
    p99: f64,
    max: f64,
}

fn stats(mut lat: Vec<Duration>, secs: f64) -> Stats {
    lat.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |q: f64| {
        if lat.is_empty() {
            return 0.0;
        }
        let rank = ((q * lat.len() as f64).ceil() as usize).clamp(1, lat.len());
        ms(lat[rank - 1])
    };
    Stats {
        cpu_ms: (None, None),
        count: lat.len(),
        secs,
        p50: at(0.50),
        p99: at(0.99),
        max: lat.last().map_or(0.0, |&d| ms(d)),
    }
}

impl Stats {
    fn rate(&self) -> f64 {
        self.count as f64 / self.secs
    }
    fn print(&self, what: &str) {
        println!(
            "{what}: {} in {:.1} s = {:.0}/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.count,
            self.secs,
            self.rate(),
            self.p50,
            self.p99,
            self.max
        );
        if let (Some(server), Some(own)) = self.cpu_ms {
            println!("  CPU per operation: server {server:.2} ms, this generator {own:.2} ms");
        }
    }
    fn json(&self) -> Value {
        json!({
            "count": self.count, "seconds": round(self.secs), "per_sec": round(self.rate()),
            "p50_ms": round(self.p50), "p99_ms": round(self.p99), "max_ms": round(self.max),
            "server_cpu_ms": self.cpu_ms.0.map(|x| (x * 100.0).round() / 100.0),
            "generator_cpu_ms": self.cpu_ms.1.map(|x| (x * 100.0).round() / 100.0),
        })
    }
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Runs `f` on every item with `concurrency` tasks at once; stops at the first error.
async fn each<T, U, F, Fut>(items: Vec<T>, concurrency: usize, f: F) -> Result<Vec<U>>
where
    T: Send + 'static,
    U: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<U>> + Send,
{
    let f = Arc::new(f);
    let queue = Arc::new(std::sync::Mutex::new(
        items.into_iter().enumerate().collect::<Vec<_>>(),
    ));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (f, queue) = (f.clone(), queue.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let next = queue.lock().unwrap().pop();
                let Some((i, item)) = next else { break };
                done.push((i, f(item).await?));
            }
            Ok::<_, Error>(done)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, t)| t).collect())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("ecard-load: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let a = args()?;
    let api = Arc::new(Api {
        client: Client::builder()
            .pool_max_idle_per_host(a.concurrency * 2)
            .timeout(Duration::from_secs(60))
            .build()?,
        url: a.url.clone(),
        photo: photo(),
    });
    let reviewer = api
        .login(
            "/api/review/login",
            &json!({ "username": a.reviewer, "password": a.reviewer_password }),
        )
        .await?;

    // Seeding, through the API: holders get a card; applicants only an account.
    let t = Instant::now();
    let holders: Vec<Citizen> = (a.first..a.first + a.holders).map(Citizen::new).collect();
    let applicants: Vec<Citizen> = (a.first + a.holders..a.first + a.holders + a.applicants)
        .map(Citizen::new)
        .collect();
    let seed_api = api.clone();
    let holders = each(holders, a.concurrency, move |mut c| {
        let (api, reviewer) = (seed_api.clone(), reviewer.clone());
        async move {
            api.register_and_login(&mut c).await?;
            let id = api.apply(&c, 1).await?;
            api.post_json(
                &format!("/api/review/applications/{id}/approve"),
                Some(&reviewer),
                &json!({}),
                StatusCode::OK,
            )
            .await?;
            Ok(c)
        }
    })
    .await?;
    let seed_api = api.clone();
    let applicants = each(applicants, a.concurrency, move |mut c| {
        let api = seed_api.clone();
        async move {
            api.register_and_login(&mut c).await?;
            Ok(c)
        }
    })
    .await?;
    println!(
        "seeded {} card holders and {} applicants through the API in {:.0} s",
        holders.len(),
        applicants.len(),
        t.elapsed().as_secs_f64()
    );

    // Renewals: closed loop, `concurrency` clients, for `seconds`.
    let holders = Arc::new(holders);
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let cpu = Cpu::start(a.server_pid);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..a.concurrency {
        let (api, holders, next) = (api.clone(), holders.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let c = &holders[next.fetch_add(1, Ordering::Relaxed) % holders.len()];
                let body = json!({ "device_public_key": c.device_key });
                let t = Instant::now();
                api.post_json(
                    "/api/ecard/credential",
                    c.cookie.as_ref(),
                    &body,
                    StatusCode::CREATED,
                )
                .await?;
                lat.push(t.elapsed());
            }
            Ok::<_, Error>(lat)
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    let mut renewals = stats(lat, start.elapsed().as_secs_f64());
    renewals.cpu_ms = cpu.per_op(renewals.count);
    renewals.print("renewals (POST /api/ecard/credential)");

    // Submissions: every applicant once, `concurrency` at a time.
    let cpu = Cpu::start(a.server_pid);
    let start = Instant::now();
    let api2 = api.clone();
    let key = Arc::new(AtomicUsize::new(0));
    let timed = each(applicants, a.concurrency, move |c| {
        let (api, key) = (api2.clone(), key.clone());
        async move {
            let t = Instant::now();
            let (_, each) = api
                .apply_timed(&c, key.fetch_add(1, Ordering::Relaxed))
                .await?;
            Ok((t.elapsed(), each))
        }
    })
    .await?;
    let secs = start.elapsed().as_secs_f64();
    let whole = timed.iter().map(|(w, _)| *w).collect();
    let mut submissions = stats(whole, secs);
    submissions.cpu_ms = cpu.per_op(submissions.count);
    submissions.print("submissions (30 KB photo + 3 scans + POST /api/applications)");
    // The same run, each of the five requests on its own (a submission is still all five).
    let requests_of = |which: &[usize]| {
        let lat = timed
            .iter()
            .flat_map(|(_, each)| which.iter().map(|&i| each[i]))
            .collect();
        stats(lat, secs)
    };
    let requests = requests_of(&[0, 1, 2, 3, 4]);
    requests.print("  each request of a submission (all five)");
    let photos = requests_of(&[0]);
    photos.print("  photo uploads (30 KB JPEG, photo rules)");
    let scans = requests_of(&[1, 2, 3]);
    scans.print("  document uploads");
    let forms = requests_of(&[4]);
    forms.print("  POST /api/applications");

    println!(
        "LOAD_JSON {}",
        json!({
            "concurrency": a.concurrency,
            "renewals": renewals.json(),
            "submissions": submissions.json(),
            "submission_requests": requests.json(),
            "photo_uploads": photos.json(),
            "document_uploads": scans.json(),
            "application_posts": forms.json(),
        })
    );
    Ok(())
}
