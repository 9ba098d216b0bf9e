//! `ecard`: the operator's command-line tool for the Henan e-card (电子社保卡). It generates
//! keys, issues credentials, signs the trust and revocation lists gates sync, makes the codes
//! a phone would show and verifies them as a gate would. All the cryptography and formats
//! live in `ecard-core`; this binary adds files, clocks, images, a command line and the
//! issuing service (`ecard serve`).
//!
//! Exit status: 0 success (or admitted), 1 code refused by `verify`, 2 usage or input error.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use ecard::cli::{code, inspect, issue, keys, lists, serve, verify};
use ecard::error::CliResult;

#[derive(Parser)]
#[command(
    name = "ecard",
    version,
    about = "河南电子社保卡：密钥、签发、同步数据、二维码与离线核验"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a root, issuer or device key file (mode 0600)
    Keygen(keys::KeygenArgs),
    /// Issue a credential for a device public key
    Issue(issue::IssueArgs),
    /// Sign a trust list of issuer keys with the root key
    Trust(lists::TrustArgs),
    /// Sign a full or delta revocation list with an issuer key
    Revoke(lists::RevokeArgs),
    /// Assemble a sync bundle for gates from a trust list and revocation lists
    Bundle(lists::BundleArgs),
    /// Make the code a phone shows (text, and optionally SVG/PNG)
    Code(code::CodeArgs),
    /// Verify a code as an offline gate would (exit 0 admitted, 1 refused)
    Verify(verify::VerifyArgs),
    /// Decode a code and print its contents without judging it
    Inspect(inspect::InspectArgs),
    /// Run the issuing service (HTTP API and pages)
    Serve(serve::ServeArgs),
    /// Operator commands for the service
    #[command(subcommand)]
    Admin(serve::AdminCommand),
    /// Issuer key management
    #[command(subcommand)]
    Issuer(serve::IssuerCommand),
}

fn main() -> ExitCode {
    // clap itself exits with status 2 on usage errors and 0 for --help.
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(status) => status,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> CliResult<ExitCode> {
    match command {
        Command::Keygen(a) => keys::keygen(&a)?,
        Command::Issue(a) => issue::issue(&a)?,
        Command::Trust(a) => lists::trust(&a)?,
        Command::Revoke(a) => lists::revoke(&a)?,
        Command::Bundle(a) => lists::bundle(&a)?,
        Command::Code(a) => code::code(&a)?,
        Command::Inspect(a) => inspect::inspect(&a)?,
        Command::Serve(a) => serve::serve(a)?,
        Command::Admin(c) => serve::admin(c)?,
        Command::Issuer(c) => serve::issuer(c)?,
        Command::Verify(a) => {
            let admitted = verify::verify(&a)?;
            return Ok(if admitted {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}
