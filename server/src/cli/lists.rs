//! `ecard trust`, `ecard revoke` and `ecard bundle`: the signed data gates sync.

use std::path::{Path, PathBuf};

use clap::Args;
use ecard_core::format::bundle::SyncBundle;
use ecard_core::format::fields::day_of;
use ecard_core::format::revocation::{RevocationList, RevocationListBody, Revoked};
use ecard_core::format::trust::{IssuerKey, TrustList, TrustListBody};
use ecard_core::issuer::{sign_revocation_list, sign_trust_list};
use ecard_core::RevocationReason;
use serde_json::json;

use super::wire_error;
use crate::error::{CliError, CliResult};
use crate::files;
use crate::keyfile::{KeyFile, KeyKind};
use crate::output::{print_json, with_fields};
use crate::timefmt::{day_field, parse_day, time_or_now};

/// Days an issuer key stays listed when the trust list gives no end date.
const DEFAULT_KEY_DAYS: i64 = 365;

/// Arguments of `ecard trust`.
#[derive(Args, Debug)]
pub struct TrustArgs {
    /// Root key file (kind root)
    #[arg(long, value_name = "FILE")]
    root_key: PathBuf,
    /// Issuer key file to list, with optional validity dates (default today..today+365)
    #[arg(long = "issuer", value_name = "KEYFILE[:FROM[:TO]]", required = true)]
    issuers: Vec<String>,
    /// Version of this list; gates never go back to a lower one
    #[arg(long, value_name = "N")]
    list_version: u32,
    /// Days after --now until gates must sync again
    #[arg(long, value_name = "N", default_value_t = 7)]
    usable_days: u32,
    /// Issue time: unix seconds or RFC 3339 (default: now)
    #[arg(long, value_name = "T")]
    now: Option<String>,
    /// File to write the signed list to
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Arguments of `ecard revoke`.
#[derive(Args, Debug)]
pub struct RevokeArgs {
    /// Issuer key file that signs the list (kind issuer; must be in the trust list)
    #[arg(long, value_name = "FILE")]
    issuer_key: PathBuf,
    /// Version of the revocation state this list brings a gate to
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    list_version: u32,
    /// 0 for a full list, otherwise the version this delta applies on top of
    #[arg(long, value_name = "N", default_value_t = 0)]
    base_version: u32,
    /// Issue time: unix seconds or RFC 3339 (default: now)
    #[arg(long, value_name = "T")]
    now: Option<String>,
    /// Days after --now until gates must sync again
    #[arg(long, value_name = "N", default_value_t = 7)]
    usable_days: u32,
    /// Revoked credential: serial, its last valid day, and a reason (lost, temp_lost, reissued,
    /// cancelled, device_replaced, unspecified; default unspecified)
    #[arg(long = "entry", value_name = "SERIAL:YYYY-MM-DD[:REASON]")]
    entries: Vec<String>,
    /// File to write the signed list to
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Arguments of `ecard bundle`.
#[derive(Args, Debug)]
pub struct BundleArgs {
    /// Signed trust list (from `ecard trust`)
    #[arg(long, value_name = "FILE")]
    trust: Option<PathBuf>,
    /// Signed revocation list (from `ecard revoke`), in the order gates apply them
    #[arg(long = "revocation", value_name = "FILE")]
    revocations: Vec<PathBuf>,
    /// File to write the bundle to
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Signs a trust list and writes it.
pub fn trust(args: &TrustArgs) -> CliResult {
    let root = KeyFile::load(&args.root_key, KeyKind::Root)?;
    let now = time_or_now(args.now.as_deref())?;
    let (issued_at, usable_until) = list_times(now, args.usable_days)?;
    let keys = issuer_keys(&args.issuers, day_of(now))?;
    let body = TrustListBody {
        list_version: args.list_version,
        issued_at,
        usable_until,
        keys,
    };
    let list = sign_trust_list(&root.signing, body).map_err(|e| wire_error("信任列表", e))?;
    write_signed(&args.out, &list.to_bytes(), &list, "信任列表文件")
}

/// Signs a revocation list and writes it.
pub fn revoke(args: &RevokeArgs) -> CliResult {
    let issuer = KeyFile::load(&args.issuer_key, KeyKind::Issuer)?;
    let now = time_or_now(args.now.as_deref())?;
    let (issued_at, usable_until) = list_times(now, args.usable_days)?;
    let body = RevocationListBody {
        signer_key_id: issuer.issuer_key_id(),
        list_version: args.list_version,
        base_version: args.base_version,
        issued_at,
        usable_until,
        entries: parse_entries(&args.entries)?,
    };
    if body.base_version >= body.list_version {
        return Err(CliError::new(
            "BAD_VERSION",
            "--base-version 必须小于 --list-version",
        ));
    }
    let list =
        sign_revocation_list(&issuer.signing, body).map_err(|e| wire_error("吊销列表", e))?;
    write_signed(&args.out, &list.to_bytes(), &list, "吊销列表文件")
}

/// Assembles a bundle from signed files, checking each one's form first.
pub fn bundle(args: &BundleArgs) -> CliResult {
    let trust = args.trust.as_deref().map(read_trust).transpose()?;
    let revocations = args
        .revocations
        .iter()
        .map(|p| read_revocation(p))
        .collect::<CliResult<Vec<_>>>()?;
    check_bundle(trust.as_ref(), &revocations)?;
    let bundle = SyncBundle {
        trust,
        revocations,
        manifests: Vec::new(),
    };
    let bytes = bundle.to_bytes().map_err(|e| wire_error("同步包", e))?;
    files::write_atomic(&args.out, &bytes, "同步包文件")?;
    print_json(&json!({
        "trust_version": bundle.trust.as_ref().map(|t| t.body.list_version),
        "revocations": bundle.revocations.iter().map(|r| json!({
            "signer_key_id": r.body.signer_key_id,
            "list_version": r.body.list_version,
            "base_version": r.body.base_version,
            "entries": r.body.entries.len(),
        })).collect::<Vec<_>>(),
        "bytes": bytes.len(),
    }))
}

fn write_signed<T: serde::Serialize>(out: &Path, bytes: &[u8], list: &T, what: &str) -> CliResult {
    files::write_atomic(out, bytes, what)?;
    print_json(&with_fields(
        list,
        &[("bytes_hex", json!(hex::encode(bytes)))],
    )?)
}

/// `issued_at` and `usable_until` as the formats store them (unsigned Unix seconds).
fn list_times(now: i64, usable_days: u32) -> CliResult<(u64, u64)> {
    let issued_at =
        u64::try_from(now).map_err(|_| CliError::new("BAD_TIME", "时间早于 1970 年"))?;
    Ok((
        issued_at,
        issued_at.saturating_add(u64::from(usable_days) * 86_400),
    ))
}

/// The trust list's keys, sorted by id as the format requires.
fn issuer_keys(specs: &[String], today: i64) -> CliResult<Vec<IssuerKey>> {
    let mut keys = specs
        .iter()
        .map(|s| issuer_key(s, today))
        .collect::<CliResult<Vec<_>>>()?;
    keys.sort_by_key(|k| k.key_id);
    if let Some(w) = keys.windows(2).find(|w| w[0].key_id == w[1].key_id) {
        return Err(CliError::new(
            "DUPLICATE_KEY_ID",
            format!("签发密钥 ID {} 出现多次", w[0].key_id),
        ));
    }
    Ok(keys)
}

/// One `KEYFILE[:FROM[:TO]]` argument. Only the public half and id of the key are listed.
fn issuer_key(spec: &str, today: i64) -> CliResult<IssuerKey> {
    let (path, dates) = split_trailing_dates(spec);
    let date_or = |s: Option<&&str>, default: i64| match s {
        Some(d) if !d.is_empty() => parse_day(d),
        _ => day_field(default),
    };
    let not_before = date_or(dates.first(), today)?;
    let not_after = date_or(dates.get(1), today + DEFAULT_KEY_DAYS)?;
    if not_before > not_after {
        return Err(CliError::new(
            "BAD_VALIDITY",
            format!("{spec}：起始日期晚于结束日期"),
        ));
    }
    let key = KeyFile::load(Path::new(path), KeyKind::Issuer)?;
    Ok(IssuerKey {
        key_id: key.issuer_key_id(),
        not_before,
        not_after,
        public_key: key.public(),
    })
}

/// Splits up to two trailing `:DATE` parts off a path. Only parts shaped like a date (or
/// empty, meaning the default) are taken, so a path that itself contains `:` still works.
fn split_trailing_dates(spec: &str) -> (&str, Vec<&str>) {
    let mut rest = spec;
    let mut dates = Vec::new();
    while dates.len() < 2 {
        match rest.rsplit_once(':') {
            Some((head, tail)) if tail.is_empty() || looks_like_date(tail) => {
                dates.insert(0, tail);
                rest = head;
            }
            _ => break,
        }
    }
    (rest, dates)
}

fn looks_like_date(s: &str) -> bool {
    s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// Revocation entries, refusing a serial given twice (which the signer would silently drop).
fn parse_entries(specs: &[String]) -> CliResult<Vec<Revoked>> {
    let mut entries = specs
        .iter()
        .map(|s| parse_entry(s))
        .collect::<CliResult<Vec<_>>>()?;
    entries.sort_by_key(|e| e.serial);
    if let Some(w) = entries.windows(2).find(|w| w[0].serial == w[1].serial) {
        return Err(CliError::new(
            "DUPLICATE_SERIAL",
            format!("序列号 {} 出现多次", w[0].serial),
        ));
    }
    Ok(entries)
}

/// One `SERIAL:YYYY-MM-DD[:REASON]` argument.
fn parse_entry(spec: &str) -> CliResult<Revoked> {
    let bad =
        |detail: String| CliError::new("BAD_ENTRY", format!("吊销条目 “{spec}” 无效：{detail}"));
    let mut parts = spec.splitn(3, ':');
    let serial = parts.next().unwrap_or_default();
    let serial = serial
        .parse::<u64>()
        .map_err(|_| bad(format!("序列号 “{serial}” 不是数字")))?;
    let date = parts
        .next()
        .ok_or_else(|| bad("缺少凭证到期日期 YYYY-MM-DD".into()))?;
    let not_after = parse_day(date)?;
    let reason = match parts.next() {
        None => RevocationReason::Unspecified,
        Some(r) => RevocationReason::parse(r)
            .ok_or_else(|| bad(format!("原因 “{r}” 无效，可选：{}", reason_names())))?,
    };
    Ok(Revoked {
        serial,
        not_after,
        reason,
    })
}

fn reason_names() -> String {
    RevocationReason::ALL
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_trust(path: &Path) -> CliResult<TrustList> {
    let bytes = files::read(path, "信任列表文件")?;
    TrustList::from_bytes(&bytes).map_err(|e| {
        CliError::new(
            "BAD_TRUST_FILE",
            format!("{} 不是有效的信任列表（{e}）", path.display()),
        )
    })
}

fn read_revocation(path: &Path) -> CliResult<RevocationList> {
    let bytes = files::read(path, "吊销列表文件")?;
    RevocationList::from_bytes(&bytes).map_err(|e| {
        CliError::new(
            "BAD_REVOCATION_FILE",
            format!("{} 不是有效的吊销列表（{e}）", path.display()),
        )
    })
}

/// Refuses bundles a gate would reject or the format cannot hold: empty ones, more sections
/// than the one-byte count holds, and lists signed by a key the trust list lacks.
fn check_bundle(trust: Option<&TrustList>, revocations: &[RevocationList]) -> CliResult {
    let sections = usize::from(trust.is_some()) + revocations.len();
    if sections == 0 {
        return Err(CliError::new(
            "EMPTY_BUNDLE",
            "同步包至少需要 --trust 或 --revocation",
        ));
    }
    if sections > 255 {
        return Err(CliError::new("TOO_MANY_SECTIONS", "同步包最多 255 个部分"));
    }
    let unknown = trust.and_then(|t| {
        revocations
            .iter()
            .find(|r| t.key(r.body.signer_key_id).is_none())
    });
    match unknown {
        Some(r) => Err(CliError::new(
            "UNKNOWN_SIGNER",
            format!("吊销列表签名密钥 {} 不在信任列表中", r.body.signer_key_id),
        )),
        None => Ok(()),
    }
}
