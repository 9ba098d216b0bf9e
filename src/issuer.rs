//! The issuer's side: sign credentials for device keys, and sign what gates sync.
//! Only the server holds issuer and root secret keys; this module just does the signing.

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};

use crate::format::credential::{Credential, CredentialBody};
use crate::format::fields::CardState;
use crate::format::manifest::{Manifest, ManifestBody};
use crate::format::revocation::{RevocationList, RevocationListBody};
use crate::format::trust::{TrustList, TrustListBody};
use crate::format::WireError;

/// Why a credential was not issued.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssueError {
    /// The device public key is not a valid curve point.
    InvalidDeviceKey,
    /// The device public key has small order: any signature would verify under it.
    WeakDeviceKey,
    /// Credentials are issued only for cards in the 正常 state.
    CardNotNormal(CardState),
    /// The display name carries no mask (`*`): a full name must not go into a code.
    NameNotMasked,
    /// A field is out of range.
    Field(WireError),
}

impl IssueError {
    /// Stable code for programs.
    pub fn code(&self) -> &'static str {
        match self {
            IssueError::InvalidDeviceKey => "INVALID_DEVICE_KEY",
            IssueError::WeakDeviceKey => "WEAK_DEVICE_KEY",
            IssueError::CardNotNormal(_) => "CARD_NOT_NORMAL",
            IssueError::NameNotMasked => "NAME_NOT_MASKED",
            IssueError::Field(_) => "INVALID_FIELD",
        }
    }
}

impl std::fmt::Display for IssueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IssueError::InvalidDeviceKey => f.write_str("设备公钥无效"),
            IssueError::WeakDeviceKey => f.write_str("设备公钥不安全（小阶点），请重新生成"),
            IssueError::CardNotNormal(s) => {
                write!(f, "卡片状态为{}，不能签发电子凭证", s.label_zh())
            }
            IssueError::NameNotMasked => f.write_str("显示姓名必须脱敏（如 张*）"),
            IssueError::Field(e) => write!(f, "字段无效：{e}"),
        }
    }
}

impl std::error::Error for IssueError {}

/// Checks that a device public key is a canonically encoded point of large order. (A
/// non-canonical encoding could never carry a signature that strict verification accepts.)
pub fn check_device_key(bytes: &[u8; 32]) -> Result<VerifyingKey, IssueError> {
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| IssueError::InvalidDeviceKey)?;
    if key.to_bytes() != *bytes {
        return Err(IssueError::InvalidDeviceKey);
    }
    if key.is_weak() {
        return Err(IssueError::WeakDeviceKey);
    }
    Ok(key)
}

/// Signs a credential after checking everything an issuer must check.
pub fn issue_credential(
    issuer: &SigningKey,
    body: CredentialBody,
) -> Result<Credential, IssueError> {
    let device = check_device_key(&body.device_key)?;
    issue_credential_for(issuer, body, &device)
}

/// As [`issue_credential`], for a device key the caller already checked with
/// [`check_device_key`]: the point is not decompressed again (the costly part of the check).
/// `device` must be the key `body` names; it is checked for small order again (cheap).
pub fn issue_credential_for(
    issuer: &SigningKey,
    body: CredentialBody,
    device: &VerifyingKey,
) -> Result<Credential, IssueError> {
    if device.to_bytes() != body.device_key {
        return Err(IssueError::InvalidDeviceKey);
    }
    if device.is_weak() {
        return Err(IssueError::WeakDeviceKey);
    }
    if body.card_state != CardState::Normal {
        return Err(IssueError::CardNotNormal(body.card_state));
    }
    if !body.masked_name.contains('*') {
        return Err(IssueError::NameNotMasked);
    }
    body.check_fields().map_err(IssueError::Field)?;
    let issuer_signature = issuer.sign(&body.signed_bytes()).to_bytes();
    Ok(Credential {
        body,
        issuer_signature,
    })
}

/// Signs a trust list with the root key.
pub fn sign_trust_list(root: &SigningKey, body: TrustListBody) -> Result<TrustList, WireError> {
    body.check_fields()?;
    let root_signature = root.sign(&body.signed_bytes()).to_bytes();
    Ok(TrustList {
        body,
        root_signature,
    })
}

/// Signs a revocation list with an issuer key.
pub fn sign_revocation_list(
    issuer: &SigningKey,
    mut body: RevocationListBody,
) -> Result<RevocationList, WireError> {
    body.entries.sort_by_key(|e| e.serial);
    body.entries.dedup_by_key(|e| e.serial);
    body.check_fields()?;
    let signature = issuer.sign(&body.signed_bytes()).to_bytes();
    Ok(RevocationList { body, signature })
}

/// Signs a venue's reservation manifest with an issuer key; sorts the entries and drops
/// repeats first.
pub fn sign_manifest(issuer: &SigningKey, mut body: ManifestBody) -> Result<Manifest, WireError> {
    body.entries.sort();
    body.entries.dedup();
    body.check_fields()?;
    let signature = issuer.sign(&body.signed_bytes()).to_bytes();
    Ok(Manifest { body, signature })
}

/// Two-character surnames whose both characters stay visible when a name is masked.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "端木", "西门", "南宫", "独孤", "呼延", "万俟", "闻人", "澹台", "申屠",
];

/// Masks a name for display to anyone but the holder: the surname stays, every other
/// character becomes `*` (`张三` → `张*`, `欧阳娜娜` → `欧阳**`). Latin-script names keep the
/// first letter of each word (`JOHN SMITH` → `J*** S****`).
pub fn mask_name(full: &str) -> String {
    let full = full.trim();
    if full.is_ascii() {
        return full
            .split_whitespace()
            .map(|w| {
                let mut cs = w.chars();
                let first = cs.next().map(String::from).unwrap_or_default();
                first + &"*".repeat(cs.count())
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    let keep = if COMPOUND_SURNAMES.iter().any(|s| full.starts_with(s)) {
        2
    } else {
        1
    };
    let chars: Vec<char> = full.chars().collect();
    let keep = keep.min(chars.len().saturating_sub(1)).max(1);
    chars[..keep].iter().collect::<String>() + &"*".repeat(chars.len().saturating_sub(keep).max(1))
}

#[cfg(test)]
mod tests {
    use super::mask_name;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn names_are_masked_as_the_domain_rules_say() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("欧阳娜娜"), "欧阳**");
        assert_eq!(mask_name("JOHN SMITH"), "J*** S****");
        assert_eq!(mask_name("张"), "张*");
    }
}
