//! One module per subcommand group, plus the argument pieces several of them share.

pub mod code;
pub mod inspect;
pub mod issue;
pub mod keys;
pub mod lists;
pub mod serve;
pub mod verify;

use std::io::Read;
use std::path::PathBuf;

use clap::Args;
use ecard_core::format::WireError;
use ecard_core::Scene;

use crate::error::{CliError, CliResult};
use crate::qrimage;

/// Where a code to read comes from: its text, or an image of its QR code.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct CodeSource {
    /// The code text (HNSSC1:…; quote it, it may contain spaces); `-` reads it from standard
    /// input, as a scanner types it
    #[arg(value_name = "CODE_TEXT")]
    text: Option<String>,
    /// A PNG or JPEG image showing the QR code
    #[arg(long, value_name = "FILE")]
    image: Option<PathBuf>,
}

impl CodeSource {
    /// The code text as given. Not trimmed here: space is a base45 character, so a code may
    /// end in one; the core's parser drops only the line break a scanner or `echo` adds.
    pub fn read(&self) -> CliResult<String> {
        match (&self.text, &self.image) {
            (_, Some(path)) => qrimage::decode_file(path),
            (Some(t), None) if t == "-" => read_stdin(),
            (Some(t), None) => Ok(t.clone()),
            (None, None) => Err(CliError::new("MISSING_CODE", "需要二维码文本或 --image")),
        }
    }
}

fn read_stdin() -> CliResult<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| CliError::new("READ_FAILED", format!("无法读取标准输入（{e}）")))?;
    Ok(s)
}

/// Parses a scene name (`general`, `library`, `museum`, `scenic_area`).
pub fn parse_scene(s: &str) -> CliResult<Scene> {
    Scene::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Scene::ALL.iter().map(|s| s.as_str()).collect();
        CliError::new(
            "BAD_SCENE",
            format!("场景 “{s}” 无效，可选：{}", names.join(", ")),
        )
    })
}

/// A format error from the core when signing or reading a file; `what` names the file.
pub fn wire_error(what: &str, e: WireError) -> CliError {
    CliError::new("INVALID_FIELD", format!("{what}字段无效（{e}）"))
}
