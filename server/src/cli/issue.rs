//! `ecard issue`: one credential for one phone.

use std::path::PathBuf;

use clap::{ArgGroup, Args};
use ecard_core::issuer::{issue_credential, mask_name};
use ecard_core::{AgeBand, CardState, CredentialBody};
use serde_json::json;

use crate::error::{CliError, CliResult};
use crate::files;
use crate::keyfile::{parse_hex32, KeyFile, KeyKind};
use crate::output::{print_json, with_fields};
use crate::timefmt::{day_field, format_day, parse_day};

/// Arguments of `ecard issue`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("holder_name").required(true).args(["name", "masked_name"])))]
#[command(group(ArgGroup::new("holder_age").required(true).args(["age_band", "age"])))]
pub struct IssueArgs {
    /// Issuer key file (kind issuer)
    #[arg(long, value_name = "FILE")]
    issuer_key: PathBuf,
    /// The phone's ed25519 public key, 64 hex digits
    #[arg(long, value_name = "HEX32")]
    device_pub: String,
    /// Credential serial, unique per credential (revocation lists name it)
    #[arg(long, value_name = "N")]
    serial: u64,
    /// Holder's full name; it is masked here (张三 → 张*) and only the mask is stored
    #[arg(long, value_name = "FULLNAME")]
    name: Option<String>,
    /// Holder's name already masked, e.g. 张*
    #[arg(long, value_name = "NAME")]
    masked_name: Option<String>,
    /// Age band: 0-5, 6-15, 16-17, 18-59, 60-64, 65-69, 70+
    #[arg(long, value_name = "BAND")]
    age_band: Option<String>,
    /// Age in whole years (converted to its band; the age itself is not stored)
    #[arg(long, value_name = "N")]
    age: Option<u32>,
    /// Region code of the issuing place (GB/T 2260, six digits, e.g. 410721)
    #[arg(long, value_name = "CODE")]
    region: u32,
    /// First valid day (Beijing calendar)
    #[arg(long, value_name = "YYYY-MM-DD")]
    valid_from: String,
    /// Number of valid days, the first day included
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..))]
    days: u16,
    /// File to write the credential's canonical bytes to
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Issues a credential, writes its bytes and prints it as JSON.
pub fn issue(args: &IssueArgs) -> CliResult {
    let issuer = KeyFile::load(&args.issuer_key, KeyKind::Issuer)?;
    let body = credential_body(args, issuer.issuer_key_id())?;
    // The core refuses weak device keys, unmasked names and bad fields; its codes pass through.
    let credential = issue_credential(&issuer.signing, body)
        .map_err(|e| CliError::new(e.code(), e.to_string()))?;
    let bytes = credential.to_bytes();
    files::write_atomic(&args.out, &bytes, "凭证文件")?;
    let b = &credential.body;
    print_json(&with_fields(
        &credential,
        &[
            ("valid_from", json!(format_day(b.not_before))),
            ("valid_until", json!(format_day(b.not_after))),
            ("bytes_hex", json!(hex::encode(&bytes))),
        ],
    )?)
}

fn credential_body(args: &IssueArgs, issuer_key_id: u16) -> CliResult<CredentialBody> {
    let not_before = parse_day(&args.valid_from)?;
    let not_after = day_field(i64::from(not_before) + i64::from(args.days) - 1)?;
    Ok(CredentialBody {
        issuer_key_id,
        serial: args.serial,
        card_state: CardState::Normal,
        not_before,
        not_after,
        region: args.region,
        age_band: age_band(args)?,
        device_key: parse_hex32(&args.device_pub, "--device-pub")?,
        masked_name: masked_name(args),
    })
}

/// The display name. A full name is masked before anything else sees it.
fn masked_name(args: &IssueArgs) -> String {
    match (&args.name, &args.masked_name) {
        (Some(full), _) => mask_name(full),
        (None, Some(masked)) => masked.trim().to_owned(),
        (None, None) => String::new(), // unreachable: clap requires one; the core refuses ""
    }
}

fn age_band(args: &IssueArgs) -> CliResult<AgeBand> {
    match (&args.age_band, args.age) {
        (_, Some(years)) => Ok(AgeBand::from_age(years)),
        (Some(band), None) => AgeBand::parse(band).ok_or_else(|| {
            let names: Vec<&str> = AgeBand::ALL.iter().map(|b| b.as_str()).collect();
            CliError::new(
                "BAD_AGE_BAND",
                format!("年龄段 “{band}” 无效，可选：{}", names.join(", ")),
            )
        }),
        (None, None) => Err(CliError::new("BAD_AGE_BAND", "需要 --age-band 或 --age")),
    }
}
