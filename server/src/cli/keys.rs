//! `ecard keygen`.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::error::CliResult;
use crate::keyfile::{KeyFile, KeyKind};
use crate::output::print_json;

/// Arguments of `ecard keygen`.
#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// What the key is for
    #[arg(long, value_enum)]
    kind: KeyKind,
    /// Issuer key id, as credentials and the trust list name it (issuer keys only, required)
    #[arg(long, value_name = "N")]
    key_id: Option<u16>,
    /// Key file to write (JSON, mode 0600)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace an existing key file (the old key is lost)
    #[arg(long)]
    force: bool,
}

/// Generates a key, writes its file and prints its public half.
pub fn keygen(args: &KeygenArgs) -> CliResult {
    let key = KeyFile::generate(args.kind, args.key_id)?;
    key.save(&args.out, args.force)?;
    print_json(&json!({
        "kind": key.kind,
        "key_id": key.key_id,
        "public_key": hex::encode(key.public()),
    }))
}
