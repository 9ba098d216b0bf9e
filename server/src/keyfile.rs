//! Key files: one ed25519 key per JSON file, `{"kind","key_id","secret","public"}`, mode 0600.
//! The public half is stored too so operators can read it without tools, and is checked
//! against the secret on load so a hand-edited file cannot sign under a different key.

use std::path::Path;

use ecard_core::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::error::{CliError, CliResult};
use crate::files;

/// What a key is for. Each command loads only the kind it needs, so a device key can never
/// be used by mistake to sign a trust list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// The root key gates pin; signs trust lists.
    Root,
    /// An issuer key; signs credentials and revocation lists. Has a key id.
    Issuer,
    /// A phone's key; signs codes.
    Device,
}

impl KeyKind {
    fn label_zh(self) -> &'static str {
        match self {
            KeyKind::Root => "根密钥",
            KeyKind::Issuer => "签发密钥",
            KeyKind::Device => "设备密钥",
        }
    }
}

/// The file's JSON form.
#[derive(Serialize, Deserialize)]
struct KeyFileJson {
    kind: KeyKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_id: Option<u16>,
    secret: String,
    public: String,
}

/// A loaded or generated key.
pub struct KeyFile {
    /// What the key is for.
    pub kind: KeyKind,
    /// The issuer key id (issuer keys only).
    pub key_id: Option<u16>,
    /// The key itself (zeroized on drop by ed25519-dalek).
    pub signing: SigningKey,
}

impl KeyFile {
    /// A fresh key from the operating system's random source.
    pub fn generate(kind: KeyKind, key_id: Option<u16>) -> CliResult<Self> {
        check_key_id(kind, key_id)?;
        let mut secret = [0u8; 32];
        getrandom::getrandom(&mut secret)
            .map_err(|e| CliError::new("NO_RANDOMNESS", format!("无法获取系统随机数（{e}）")))?;
        Ok(KeyFile {
            kind,
            key_id,
            signing: SigningKey::from_bytes(&secret),
        })
    }

    /// The public key's 32 bytes.
    pub fn public(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// The issuer key id; present for every loaded issuer key (checked on load).
    pub fn issuer_key_id(&self) -> u16 {
        self.key_id.unwrap_or_default()
    }

    /// Writes the key file with mode 0600.
    pub fn save(&self, path: &Path, overwrite: bool) -> CliResult {
        let json = KeyFileJson {
            kind: self.kind,
            key_id: self.key_id,
            secret: hex::encode(self.signing.to_bytes()),
            public: hex::encode(self.public()),
        };
        let text = serde_json::to_string_pretty(&json)
            .map_err(|e| CliError::new("OUTPUT_FAILED", format!("无法生成密钥文件（{e}）")))?;
        files::write_secret(path, format!("{text}\n").as_bytes(), overwrite)
    }

    /// Loads a key file and checks it holds a key of the expected kind.
    pub fn load(path: &Path, expected: KeyKind) -> CliResult<Self> {
        let bytes = files::read(path, "密钥文件")?;
        let json: KeyFileJson = serde_json::from_slice(&bytes).map_err(|e| {
            CliError::new(
                "BAD_KEY_FILE",
                format!("密钥文件 {} 格式无效（{e}）", path.display()),
            )
        })?;
        if json.kind != expected {
            return Err(CliError::new(
                "KEY_KIND_MISMATCH",
                format!(
                    "{} 是{}，此处需要{}",
                    path.display(),
                    json.kind.label_zh(),
                    expected.label_zh()
                ),
            ));
        }
        check_key_id(json.kind, json.key_id)?;
        let signing = SigningKey::from_bytes(&parse_hex32(&json.secret, "secret")?);
        let key = KeyFile {
            kind: json.kind,
            key_id: json.key_id,
            signing,
        };
        if parse_hex32(&json.public, "public")? != key.public() {
            return Err(CliError::new(
                "KEY_FILE_CORRUPT",
                format!("密钥文件 {} 的公钥与私钥不符", path.display()),
            ));
        }
        Ok(key)
    }
}

/// Issuer keys need an id (credentials name it); other kinds must not have one.
fn check_key_id(kind: KeyKind, key_id: Option<u16>) -> CliResult {
    match (kind, key_id) {
        (KeyKind::Issuer, None) => Err(CliError::new("KEY_ID_REQUIRED", "签发密钥需要 --key-id")),
        (KeyKind::Root | KeyKind::Device, Some(_)) => Err(CliError::new(
            "KEY_ID_NOT_ALLOWED",
            "只有签发密钥（issuer）有 key_id",
        )),
        _ => Ok(()),
    }
}

/// Parses 64 hex digits; `what` names the value for the error message.
pub fn parse_hex32(s: &str, what: &str) -> CliResult<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut out).map_err(|e| {
        CliError::new(
            "BAD_HEX",
            format!("{what} 应为 64 位十六进制（32 字节）（{e}）"),
        )
    })?;
    Ok(out)
}

/// A public key given as hex (`--root-pub`) or taken from a key file of the given kind.
pub fn public_key(hex: Option<&str>, file: Option<&Path>, kind: KeyKind) -> CliResult<[u8; 32]> {
    match (hex, file) {
        (Some(h), _) => parse_hex32(h, "公钥"),
        (None, Some(path)) => Ok(KeyFile::load(path, kind)?.public()),
        (None, None) => Err(CliError::new("MISSING_KEY", "需要公钥或密钥文件")),
    }
}

/// Checks that 32 bytes are a curve point; small-order points are left to the core's checks.
pub fn check_point(bytes: &[u8; 32], what: &str) -> CliResult {
    VerifyingKey::from_bytes(bytes).map(|_| ()).map_err(|_| {
        CliError::new(
            "INVALID_PUBLIC_KEY",
            format!("{what}不是有效的 ed25519 公钥"),
        )
    })
}
