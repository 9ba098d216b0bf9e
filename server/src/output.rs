//! Writing results to stdout. A closed pipe (`ecard … | head`) becomes an error instead of
//! the panic `println!` would raise.

use std::io::Write;

use serde::Serialize;

use crate::error::{CliError, CliResult};

/// Prints one line of compact JSON, so each result is one log line.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> CliResult {
    let text = serde_json::to_string(value)
        .map_err(|e| CliError::new("OUTPUT_FAILED", format!("无法生成 JSON（{e}）")))?;
    print_line(&text)
}

/// Prints one line of text.
pub fn print_line(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new("OUTPUT_FAILED", format!("无法写入标准输出（{e}）")))
}

/// A serializable value with extra top-level fields added: the core's types stay as they
/// are and the CLI appends what only it knows (file sizes, hex bytes).
pub fn with_fields<T: Serialize>(
    value: &T,
    extra: &[(&str, serde_json::Value)],
) -> CliResult<serde_json::Value> {
    let mut json = serde_json::to_value(value)
        .map_err(|e| CliError::new("OUTPUT_FAILED", format!("无法生成 JSON（{e}）")))?;
    if let Some(map) = json.as_object_mut() {
        for (k, v) in extra {
            map.insert((*k).to_owned(), v.clone());
        }
    }
    Ok(json)
}
