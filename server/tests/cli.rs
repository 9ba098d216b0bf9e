//! End-to-end tests of the `ecard` binary: each runs the built program in a temporary
//! directory, the way an operator or a gate script would. Command lines are written as one
//! string and split on whitespace, so they read like what an operator types; a code text is
//! always passed as one argument of its own, because base45 text contains spaces.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

const FULL_NAME: &str = "欧阳娜娜";
const MASKED_NAME: &str = "欧阳**";
const SERIAL: &str = "4100000042";
/// All times are fixed, so the tests do not depend on the machine's clock.
const LIST_TIME: &str = "2026-11-29T09:00:00+08:00";
const PHONE_TIME: &str = "2026-11-29T10:00:00+08:00";
const GATE_TIME: &str = "2026-11-29T10:00:05+08:00";
const SMALL_ORDER_POINT: &str = "0100000000000000000000000000000000000000000000000000000000000000";

/// A temporary working directory in which commands run.
struct Env {
    dir: TempDir,
}

/// What a finished command left: exit status, stdout parsed as JSON (or null), raw streams.
struct Run {
    status: Option<i32>,
    json: Value,
    stdout: String,
    stderr: String,
}

impl Env {
    fn new() -> Self {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ecard"));
        c.current_dir(self.dir.path());
        c
    }

    /// Runs `ecard` with the whitespace-separated arguments of `line`.
    fn run(&self, line: &str) -> Run {
        self.run_code(line, None, "")
    }

    /// Runs `ecard` with the words of `head`, then `code` as one argument, then `tail`.
    fn run_code(&self, head: &str, code: Option<&str>, tail: &str) -> Run {
        let mut c = self.command();
        c.args(head.split_whitespace())
            .args(code)
            .args(tail.split_whitespace());
        finish(c.output().expect("run ecard"))
    }

    /// Runs a command that must succeed.
    fn ok(&self, line: &str) -> Run {
        let run = self.run(line);
        assert_eq!(run.status, Some(0), "ecard {line} failed: {}", run.stderr);
        run
    }

    /// Keys, a credential for the device key, a trust list and an empty revocation list in a
    /// bundle: everything a gate and a phone need.
    fn setup(&self) {
        self.ok("keygen --kind root --out root.json");
        self.ok("keygen --kind issuer --key-id 3 --out issuer.json");
        let device = self.ok("keygen --kind device --out device.json").json;
        let device_pub = device["public_key"].as_str().expect("public_key");
        self.ok(&issue_line(device_pub, "cred.bin"));
        self.ok(&format!(
            "trust --root-key root.json --issuer issuer.json:2026-11-01:2027-11-01 \
             --list-version 1 --now {LIST_TIME} --out trust.bin"
        ));
        self.revoke_and_bundle(1, "");
    }

    /// Signs revocation list `version` with the given `--entry …` arguments and bundles it.
    fn revoke_and_bundle(&self, version: u32, entries: &str) {
        self.ok(&format!(
            "revoke --issuer-key issuer.json --list-version {version} --now {LIST_TIME} \
             {entries} --out rev.bin"
        ));
        self.ok("bundle --trust trust.bin --revocation rev.bin --out bundle.bin");
    }

    /// The text of the museum code the phone shows at `time`, with extra arguments.
    fn code_at(&self, time: &str, extra: &str) -> String {
        let line = format!(
            "code --device-key device.json --credential cred.bin --time {time} --scene museum \
             {extra}"
        );
        let stdout = self.ok(&line).stdout;
        // Only the line break goes: a code may end in a space (a base45 character).
        stdout.strip_suffix('\n').expect("one line").to_owned()
    }

    /// The code at PHONE_TIME.
    fn code(&self, extra: &str) -> String {
        self.code_at(PHONE_TIME, extra)
    }

    /// `ecard verify CODE` at a museum gate at `time`.
    fn verify_at(&self, code: &str, time: &str, extra: &str) -> Run {
        let tail = format!(
            "--root-key root.json --bundle bundle.bin --scene museum --time {time} {extra}"
        );
        self.run_code("verify", Some(code), &tail)
    }

    /// `ecard verify CODE` at the museum gate at GATE_TIME.
    fn verify(&self, code: &str, extra: &str) -> Run {
        self.verify_at(code, GATE_TIME, extra)
    }

    /// `ecard verify --image FILE` at the museum gate at GATE_TIME.
    fn verify_image(&self, image: &str, extra: &str) -> Run {
        self.run(&format!(
            "verify --image {image} --root-key root.json --bundle bundle.bin --scene museum \
             --time {GATE_TIME} {extra}"
        ))
    }

    /// `ecard inspect CODE`, which must succeed, as JSON.
    fn inspect(&self, code: &str) -> Value {
        let run = self.run_code("inspect", Some(code), "");
        assert_eq!(run.status, Some(0), "inspect failed: {}", run.stderr);
        run.json
    }
}

fn finish(out: Output) -> Run {
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    Run {
        status: out.status.code(),
        json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn issue_line(device_pub: &str, out: &str) -> String {
    format!(
        "issue --issuer-key issuer.json --device-pub {device_pub} --serial {SERIAL} \
         --name {FULL_NAME} --age 63 --region 410721 --valid-from 2026-11-28 --days 7 --out {out}"
    )
}

/// Asserts a usage/input error: status 2 and `error[CODE]` on stderr.
fn assert_input_error(run: &Run, code: &str) {
    assert_eq!(
        run.status,
        Some(2),
        "stdout: {} stderr: {}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("error[{code}]")),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn issued_code_is_admitted_once_then_refused_as_replayed_and_after_revocation() {
    let env = Env::new();
    env.setup();
    let text = env.code("--png code.png --svg code.svg");
    assert!(text.starts_with("HNSSC1:"), "code text: {text}");

    // First scan admits and shows the masked name, never the full one.
    let first = env.verify(&text, "--replay replay.bin");
    assert_eq!(first.status, Some(0), "{}", first.stdout);
    assert_eq!(first.json["admitted"], true);
    assert_eq!(first.json["holder"]["masked_name"], MASKED_NAME);
    assert_eq!(first.json["serial"], SERIAL);
    assert!(
        !first.stdout.contains(FULL_NAME),
        "full name leaked: {}",
        first.stdout
    );

    // The same code again at the same gate (replay set restored from the file) is refused.
    let again = env.verify(&text, "--replay replay.bin");
    assert_eq!(again.status, Some(1));
    assert_eq!(again.json["code"], "REPLAYED");

    // A fresh code (next counter) scanned from its PNG passes the same gate.
    env.code("--counter 1 --png fresh.png");
    let fresh = env.verify_image("fresh.png", "--replay replay.bin");
    assert_eq!(fresh.status, Some(0), "{}", fresh.stdout);
    assert_eq!(fresh.json["admitted"], true);

    // Once the serial is revoked and the gate syncs, the card is refused.
    env.revoke_and_bundle(2, &format!("--entry {SERIAL}:2026-12-04:lost"));
    let revoked = env.verify(&env.code("--counter 2"), "");
    assert_eq!(revoked.status, Some(1));
    assert_eq!(revoked.json["code"], "REVOKED");
}

#[test]
fn png_and_svg_carry_the_same_code_as_the_text() {
    let env = Env::new();
    env.setup();
    let text = env.code("--png code.png --svg code.svg");
    let svg = std::fs::read_to_string(env.path("code.svg")).expect("svg written");
    assert!(
        svg.starts_with("<svg") && svg.contains("<path"),
        "not an SVG: {svg}"
    );
    let png = std::fs::read(env.path("code.png")).expect("png written");
    assert_eq!(&png[1..4], b"PNG");

    // Decoding the PNG gives back exactly the code the text command printed.
    assert_eq!(env.ok("inspect --image code.png").json, env.inspect(&text));
}

#[test]
fn a_jpeg_photo_of_the_code_is_read() {
    let env = Env::new();
    env.setup();
    let text = env.code("--png code.png");
    // Phone cameras and screenshots often give lossy JPEG rather than PNG.
    let img = image::open(env.path("code.png")).expect("png decodes");
    img.to_rgb8()
        .save(env.path("photo.jpg"))
        .expect("jpeg written");
    let verdict = env.verify_image("photo.jpg", "");
    assert_eq!(verdict.status, Some(0), "{}", verdict.stdout);
    assert_eq!(verdict.json["serial"], SERIAL);
    assert_eq!(env.ok("inspect --image photo.jpg").json, env.inspect(&text));
}

#[test]
fn inspect_prints_the_code_fields_without_judging() {
    let env = Env::new();
    env.setup();
    let json = env.inspect(&env.code(""));
    assert_eq!(json["credential"]["body"]["serial"], SERIAL);
    assert_eq!(json["credential"]["body"]["masked_name"], MASKED_NAME);
    assert_eq!(json["presentation"]["scene"], "museum");
    assert_eq!(json["valid_until"], "2026-12-04");
    assert!(json["qr_version"]
        .as_u64()
        .is_some_and(|v| (1..=40).contains(&v)));
    assert!(json["bytes"].as_u64().is_some_and(|n| n > 64));
}

#[test]
fn inspect_of_damaged_text_exits_2_with_the_reason() {
    let env = Env::new();
    assert_input_error(&env.run("inspect hello"), "WRONG_PREFIX");
    assert_input_error(&env.run("inspect HNSSC1:A"), "BAD_ENCODING");
    assert_input_error(&env.run("inspect --image missing.png"), "READ_FAILED");
    // A picture without a code (a blank wall) says so.
    image::GrayImage::from_pixel(640, 480, image::Luma([200]))
        .save(env.path("blank.png"))
        .expect("png written");
    assert_input_error(&env.run("inspect --image blank.png"), "NO_QR_FOUND");
}

#[test]
fn issue_refuses_weak_device_keys() {
    let env = Env::new();
    env.ok("keygen --kind issuer --key-id 3 --out issuer.json");
    for weak in ["00".repeat(32), SMALL_ORDER_POINT.to_owned()] {
        assert_input_error(&env.run(&issue_line(&weak, "weak.bin")), "WEAK_DEVICE_KEY");
        assert!(
            !env.path("weak.bin").exists(),
            "no credential may be written"
        );
    }
}

#[test]
fn credential_ends_at_beijing_midnight_after_its_last_day() {
    let env = Env::new();
    env.setup();
    // Issued from 2026-11-28 for 7 days: the last valid day is 2026-12-04 (Beijing calendar).
    let verdict_at =
        |time: &str| env.verify_at(&env.code_at(time, ""), time, "").json["code"].clone();
    assert_eq!(verdict_at("2026-12-04T23:59:50+08:00"), "ADMITTED");
    assert_eq!(verdict_at("2026-12-05T00:00:10+08:00"), "EXPIRED");
}

#[test]
fn verify_with_unreadable_bundle_is_an_input_error() {
    let env = Env::new();
    env.setup();
    let text = env.code("");
    std::fs::write(env.path("bundle.bin"), b"not a bundle").expect("write");
    assert_input_error(&env.verify(&text, ""), "BUNDLE_MALFORMED");
}

#[test]
fn verify_refuses_a_bundle_signed_by_another_root() {
    let env = Env::new();
    env.setup();
    let text = env.code("");
    env.ok("keygen --kind root --out other-root.json");
    let tail = format!("--root-key other-root.json --bundle bundle.bin --time {GATE_TIME}");
    assert_input_error(
        &env.run_code("verify", Some(&text), &tail),
        "BAD_ROOT_SIGNATURE",
    );
}

#[test]
fn verify_reads_a_scanned_line_from_stdin_with_a_hex_root_key() {
    use std::io::Write;
    let env = Env::new();
    env.setup();
    let text = env.code("");
    let key: Value = serde_json::from_slice(&std::fs::read(env.path("root.json")).expect("read"))
        .expect("key file is JSON");
    let line = format!(
        "verify - --root-pub {} --bundle bundle.bin --scene museum --time {GATE_TIME}",
        key["public"].as_str().expect("public")
    );
    let mut child = env
        .command()
        .args(line.split_whitespace())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // A USB scanner types the text followed by Enter.
    writeln!(child.stdin.take().expect("stdin"), "{text}").expect("write stdin");
    let run = finish(child.wait_with_output().expect("wait"));
    assert_eq!(run.status, Some(0), "{} {}", run.stdout, run.stderr);
    assert_eq!(run.json["admitted"], true);
}

#[cfg(unix)]
#[test]
fn key_files_are_private_and_not_overwritten() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.setup();
    let mode = |name: &str| {
        std::fs::metadata(env.path(name))
            .expect("key file")
            .permissions()
            .mode()
    };
    for name in ["root.json", "issuer.json", "device.json"] {
        assert_eq!(
            mode(name) & 0o777,
            0o600,
            "{name} has mode {:o}",
            mode(name)
        );
    }
    let before = std::fs::read(env.path("root.json")).expect("read");
    assert_input_error(
        &env.run("keygen --kind root --out root.json"),
        "FILE_EXISTS",
    );
    assert_eq!(
        std::fs::read(env.path("root.json")).expect("read"),
        before,
        "key must survive"
    );

    env.ok("keygen --kind root --out root.json --force");
    assert_eq!(mode("root.json") & 0o777, 0o600);
    assert_ne!(std::fs::read(env.path("root.json")).expect("read"), before);
}

#[test]
fn keys_are_used_only_for_their_kind() {
    let env = Env::new();
    env.setup();
    let run =
        env.run("trust --root-key device.json --issuer issuer.json --list-version 2 --out t.bin");
    assert_input_error(&run, "KEY_KIND_MISMATCH");
    assert_input_error(
        &env.run("keygen --kind issuer --out i2.json"),
        "KEY_ID_REQUIRED",
    );
}

#[test]
fn times_are_unix_seconds_or_rfc3339() {
    let env = Env::new();
    env.setup();
    let base = "code --device-key device.json --credential cred.bin --scene museum --time";
    assert_input_error(&env.run(&format!("{base} yesterday")), "BAD_TIME");
    // 1795917600 is PHONE_TIME: both spellings give the same code.
    let from_unix = env.ok(&format!("{base} 1795917600")).stdout;
    assert_eq!(from_unix, format!("{}\n", env.code("")));
}

#[test]
fn revocation_entries_must_name_a_known_reason() {
    let env = Env::new();
    env.setup();
    let run = env.run(&format!(
        "revoke --issuer-key issuer.json --list-version 2 --entry {SERIAL}:2026-12-04:stolen \
         --out r.bin"
    ));
    assert_input_error(&run, "BAD_ENTRY");
}
