//! `ecard verify`: one scan at an offline gate.

use std::path::{Path, PathBuf};

use clap::Args;
use ecard_core::{Gate, GatePolicy};

use super::{parse_scene, CodeSource};
use crate::error::{CliError, CliResult};
use crate::files;
use crate::keyfile::{check_point, public_key, KeyKind};
use crate::output::print_json;
use crate::timefmt::time_or_now;

/// Arguments of `ecard verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    code: CodeSource,
    /// The root public key the gate pins, 64 hex digits
    #[arg(
        long,
        value_name = "HEX32",
        conflicts_with = "root_key",
        required_unless_present = "root_key"
    )]
    root_pub: Option<String>,
    /// Root key file to take the public key from (kind root)
    #[arg(long, value_name = "FILE")]
    root_key: Option<PathBuf>,
    /// Sync bundle (from `ecard bundle`)
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,
    /// The gate's scene: general, library, museum, scenic_area
    #[arg(long, value_name = "SCENE", default_value = "general")]
    scene: String,
    /// Gate time: unix seconds or RFC 3339 (default: now)
    #[arg(long, value_name = "T")]
    time: Option<String>,
    /// File holding the gate's used codes; read if it exists, written back after the scan
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
}

/// Verifies the code, prints the verdict and returns whether it was admitted.
pub fn verify(args: &VerifyArgs) -> CliResult<bool> {
    let now = time_or_now(args.time.as_deref())?;
    let text = args.code.read()?;
    let mut gate = load_gate(args, now)?;
    if let Some(path) = &args.replay {
        restore_replay(&mut gate, path, now)?;
    }
    let verdict = gate.verify(&text, now);
    if let Some(path) = &args.replay {
        // If the used code cannot be recorded, fail (status 2) rather than report an
        // admission that a second scan of the same code would also get.
        files::write_atomic(path, &gate.save_replay(), "重放记录文件")?;
    }
    print_json(&verdict)?;
    Ok(verdict.admitted)
}

fn load_gate(args: &VerifyArgs, now: i64) -> CliResult<Gate> {
    let root = public_key(
        args.root_pub.as_deref(),
        args.root_key.as_deref(),
        KeyKind::Root,
    )?;
    check_point(&root, "根公钥")?;
    let policy = GatePolicy::for_scene(parse_scene(&args.scene)?);
    let mut gate = Gate::new(&root, policy).map_err(|e| CliError::new(e.code(), e.to_string()))?;
    let bundle = files::read(&args.bundle, "同步包文件")?;
    gate.load_bundle(&bundle, now)
        .map_err(|e| CliError::new(e.code(), e.to_string()))?;
    Ok(gate)
}

/// Restores the used codes. A missing file is a gate's first start; a damaged one is an
/// error, since starting empty would let every recently used code in again.
fn restore_replay(gate: &mut Gate, path: &Path, now: i64) -> CliResult {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(CliError::io("READ_FAILED", "重放记录文件", path, &e)),
    };
    gate.restore_replay(&bytes, now).map(|_| ()).map_err(|e| {
        CliError::new(
            "BAD_REPLAY_FILE",
            format!("重放记录文件 {} 已损坏（{e}）", path.display()),
        )
    })
}
