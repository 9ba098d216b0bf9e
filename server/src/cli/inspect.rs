//! `ecard inspect`: what a code says, without checking any signature or time.

use clap::Args;
use ecard_core::render::QrMatrix;
use ecard_core::{Code, Refusal};
use serde_json::json;

use super::CodeSource;
use crate::error::{CliError, CliResult};
use crate::output::{print_json, with_fields};
use crate::timefmt::{format_day, format_time};

/// Arguments of `ecard inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    #[command(flatten)]
    code: CodeSource,
}

/// Decodes the code and prints it as JSON, with readable dates beside the raw numbers.
pub fn inspect(args: &InspectArgs) -> CliResult {
    let text = args.code.read()?;
    let code = Code::from_text(&text).map_err(|e| {
        // The gate's refusal gives the stable code and the Chinese sentence for this damage.
        let refusal = Refusal::from(e.clone());
        CliError::new(refusal.code(), format!("{}（{e}）", refusal.message_zh()))
    })?;
    let canonical = code.to_text();
    let qr_version = QrMatrix::encode(&canonical).ok().map(|m| m.version);
    let b = &code.credential.body;
    let p = &code.presentation;
    print_json(&with_fields(
        &code,
        &[
            ("qr_version", json!(qr_version)),
            ("bytes", json!(code.to_bytes().len())),
            ("valid_from", json!(format_day(b.not_before))),
            ("valid_until", json!(format_day(b.not_after))),
            (
                "step_start",
                json!(format_time(i64::from(p.step) * i64::from(p.step_secs))),
            ),
        ],
    )?)
}
