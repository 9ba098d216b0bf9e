//! Root and issuer keys, kept as files (mode 0600) in `DATA/keys/`, created on first start and
//! never served. `keys/issuers.json` records each issuer key's life so that a rotated-out key
//! stays in the trust list until the last credential it signed has expired. `keys/pii.key`
//! seals personal data at rest (see `pii`).

use std::path::{Path, PathBuf};

use ecard_core::format::fields::day_of;
use ecard_core::format::trust::{IssuerKey, TrustList, TrustListBody};
use ecard_core::issuer::sign_trust_list;
use serde::{Deserialize, Serialize};

use crate::error::{CliError, CliResult};
use crate::files;
use crate::keyfile::{KeyFile, KeyKind};

/// How long an issuer key signs credentials before it may be rotated (informational bound on
/// its trust-list validity when never rotated).
const ISSUER_KEY_DAYS: i64 = 3_650;

/// One issuer key's life, in CST day numbers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuerRecord {
    pub key_id: u16,
    pub created_day: i64,
    pub retired_day: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Manifest {
    trust_version: u32,
    issuers: Vec<IssuerRecord>,
}

/// The loaded keys.
pub struct KeyStore {
    /// The keys that seal personal data at rest (`keys/pii.key` or `ECARD_PII_KEY`).
    pub pii: super::pii::Pii,
    root: KeyFile,
    issuers: Vec<(IssuerRecord, KeyFile)>,
    trust_version: u32,
}

fn dir(data: &Path) -> PathBuf {
    data.join("keys")
}

fn issuer_path(data: &Path, id: u16) -> PathBuf {
    dir(data).join(format!("issuer-{id}.key.json"))
}

impl KeyStore {
    /// Loads the keys, creating a root key and a first issuer key when there are none.
    pub fn open_or_create(data: &Path, now: i64) -> CliResult<Self> {
        let keys = dir(data);
        std::fs::create_dir_all(&keys)
            .map_err(|e| CliError::io("DATA_DIR", "密钥目录", &keys, &e))?;
        let root_path = keys.join("root.key.json");
        if !root_path.exists() {
            KeyFile::generate(KeyKind::Root, None)?.save(&root_path, false)?;
            let first = Manifest {
                trust_version: 1,
                issuers: vec![IssuerRecord {
                    key_id: 1,
                    created_day: day_of(now),
                    retired_day: None,
                }],
            };
            KeyFile::generate(KeyKind::Issuer, Some(1))?.save(&issuer_path(data, 1), false)?;
            save_manifest(data, &first)?;
        }
        Self::load(data)
    }

    fn load(data: &Path) -> CliResult<Self> {
        let root = KeyFile::load(&dir(data).join("root.key.json"), KeyKind::Root)?;
        let manifest = load_manifest(data)?;
        let issuers = manifest
            .issuers
            .iter()
            .map(|r| {
                Ok((
                    r.clone(),
                    KeyFile::load(&issuer_path(data, r.key_id), KeyKind::Issuer)?,
                ))
            })
            .collect::<CliResult<Vec<_>>>()?;
        Ok(KeyStore {
            pii: super::pii::Pii::open_or_create(&dir(data))?,
            root,
            issuers,
            trust_version: manifest.trust_version,
        })
    }

    /// Adds a new issuer key and retires the current one today; returns the new key id.
    pub fn rotate(data: &Path, now: i64) -> CliResult<u16> {
        let mut manifest = load_manifest(data)?;
        let next = manifest.issuers.iter().map(|r| r.key_id).max().unwrap_or(0) + 1;
        KeyFile::generate(KeyKind::Issuer, Some(next))?.save(&issuer_path(data, next), false)?;
        for r in manifest
            .issuers
            .iter_mut()
            .filter(|r| r.retired_day.is_none())
        {
            r.retired_day = Some(day_of(now));
        }
        manifest.issuers.push(IssuerRecord {
            key_id: next,
            created_day: day_of(now),
            retired_day: None,
        });
        manifest.trust_version += 1;
        save_manifest(data, &manifest)?;
        Ok(next)
    }

    /// The key that signs new credentials and revocation lists.
    pub fn current_issuer(&self) -> &KeyFile {
        let (_, key) = self
            .issuers
            .iter()
            .rev()
            .find(|(r, _)| r.retired_day.is_none())
            .unwrap_or_else(|| self.issuers.last().expect("at least one issuer key"));
        key
    }

    /// The root public key gates pin.
    pub fn root_public(&self) -> [u8; 32] {
        self.root.public()
    }

    /// The signed trust list: every issuer key whose credentials may still be valid.
    /// `credential_days` bounds how long a retired key stays listed.
    pub fn trust_list(&self, now: i64, usable_secs: i64, credential_days: i64) -> TrustList {
        let today = day_of(now);
        let keys = self
            .issuers
            .iter()
            .map(|(r, k)| {
                let last = r
                    .retired_day
                    .map_or(r.created_day + ISSUER_KEY_DAYS, |d| d + credential_days);
                (r, k, last)
            })
            .filter(|(_, _, last)| *last >= today)
            .map(|(r, k, last)| IssuerKey {
                key_id: r.key_id,
                not_before: r.created_day.clamp(0, i64::from(u16::MAX)) as u16,
                not_after: last.clamp(0, i64::from(u16::MAX)) as u16,
                public_key: k.public(),
            })
            .collect();
        let body = TrustListBody {
            list_version: self.trust_version,
            issued_at: now as u64,
            usable_until: (now + usable_secs) as u64,
            keys,
        };
        sign_trust_list(&self.root.signing, body).expect("key ids are unique and sorted")
    }
}

fn manifest_path(data: &Path) -> PathBuf {
    dir(data).join("issuers.json")
}

fn load_manifest(data: &Path) -> CliResult<Manifest> {
    let path = manifest_path(data);
    let bytes = files::read(&path, "密钥清单")?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CliError::new("KEY_MANIFEST", format!("密钥清单损坏：{e}")))
}

fn save_manifest(data: &Path, m: &Manifest) -> CliResult {
    let json = serde_json::to_vec_pretty(m).expect("manifest serializes");
    files::write_atomic(&manifest_path(data), &json, "密钥清单")
}
