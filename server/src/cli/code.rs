//! `ecard code`: what the phone's wallet shows at a given time.

use std::path::{Path, PathBuf};

use clap::Args;
use ecard_core::format::code::DEFAULT_STEP_SECS;
use ecard_core::render::{svg, QrMatrix};
use ecard_core::{Credential, Wallet};

use super::parse_scene;
use crate::error::{CliError, CliResult};
use crate::files;
use crate::keyfile::{KeyFile, KeyKind};
use crate::output::print_line;
use crate::qrimage;
use crate::timefmt::time_or_now;

/// Arguments of `ecard code`.
#[derive(Args, Debug)]
pub struct CodeArgs {
    /// Device key file (kind device) whose public half the credential names
    #[arg(long, value_name = "FILE")]
    device_key: PathBuf,
    /// Credential file (from `ecard issue`)
    #[arg(long, value_name = "FILE")]
    credential: PathBuf,
    /// Phone time: unix seconds or RFC 3339 (default: now)
    #[arg(long, value_name = "T")]
    time: Option<String>,
    /// Scene the code is shown for: general, library, museum, scenic_area
    #[arg(long, value_name = "SCENE", default_value = "general")]
    scene: String,
    /// Counter within the time step: a fresh code after one was used
    #[arg(long, value_name = "N", default_value_t = 0)]
    counter: u8,
    /// Rotation period in seconds
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_STEP_SECS)]
    step: u8,
    /// Also write the QR code as SVG
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Also write the QR code as PNG (8 px per module, greyscale)
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
}

/// Signs the code for the given time and prints its text.
pub fn code(args: &CodeArgs) -> CliResult {
    let wallet = load_wallet(&args.device_key, &args.credential)?;
    let now = time_or_now(args.time.as_deref())?;
    let scene = parse_scene(&args.scene)?;
    let code = wallet
        .code_at(now, args.step, scene, args.counter)
        .map_err(|e| CliError::new(e.code(), e.to_string()))?;
    let text = code.to_text();
    write_images(&text, args.svg.as_deref(), args.png.as_deref())?;
    print_line(&text)
}

fn load_wallet(key_path: &Path, credential_path: &Path) -> CliResult<Wallet> {
    let key = KeyFile::load(key_path, KeyKind::Device)?;
    let bytes = files::read(credential_path, "凭证文件")?;
    let credential = Credential::from_bytes(&bytes).map_err(|e| {
        CliError::new(
            "BAD_CREDENTIAL_FILE",
            format!("{} 不是有效的凭证（{e}）", credential_path.display()),
        )
    })?;
    Wallet::new(key.signing, credential).map_err(|e| CliError::new(e.code(), e.to_string()))
}

fn write_images(text: &str, svg_path: Option<&Path>, png_path: Option<&Path>) -> CliResult {
    if svg_path.is_none() && png_path.is_none() {
        return Ok(());
    }
    let matrix = QrMatrix::encode(text).map_err(|e| CliError::new("QR_TOO_LONG", e.to_string()))?;
    if let Some(path) = svg_path {
        files::write_atomic(path, svg::to_svg(&matrix).as_bytes(), "SVG 文件")?;
    }
    if let Some(path) = png_path {
        files::write_atomic(path, &qrimage::to_png(&matrix)?, "PNG 文件")?;
    }
    Ok(())
}
