//! Loading a sync bundle into a gate: every section is checked before anything changes, and a
//! gate never goes back to older data.

use std::collections::BTreeMap;

use ed25519_dalek::{Signature, VerifyingKey};
use serde::Serialize;

use super::signature::IssuerKeys;
use crate::format::bundle::SyncBundle;
use crate::format::fields::day_of;
use crate::format::manifest::Manifest;
use crate::format::revocation::RevocationList;
use crate::format::trust::TrustList;
use crate::format::WireError;

use super::revoked::RevokedSet;

/// Why a bundle was not loaded. The gate keeps what it had.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyncError {
    /// The bundle or a section is not well formed.
    Malformed(WireError),
    /// The pinned root public key is not a valid key.
    InvalidRootKey,
    /// The trust list's root signature does not verify against the pinned root key.
    BadRootSignature,
    /// The trust list is older than the one the gate holds.
    TrustRollback {
        /// Version the gate holds.
        have: u32,
        /// Version offered.
        got: u32,
    },
    /// A revocation list arrived while the gate has no trust list.
    NoTrustList,
    /// A revocation list is signed by a key not in the trust list.
    UnknownSigner(u16),
    /// A revocation list's signature does not verify.
    BadRevocationSignature,
    /// A full revocation list is older than the gate's state.
    RevocationRollback {
        /// Version the gate holds.
        have: u32,
        /// Version offered.
        got: u32,
    },
    /// A delta starts after the gate's version: a full list is needed.
    RevocationGap {
        /// Version the gate holds.
        have: u32,
        /// Version the delta needs at least.
        base: u32,
    },
    /// A reservation manifest is for another venue than the gate's.
    WrongVenue {
        /// The gate's venue.
        gate: u32,
        /// The manifest's venue.
        got: u32,
    },
    /// A manifest's signature does not verify, or its signer is not in the trust list.
    BadManifestSignature,
    /// A manifest is older than the one the gate holds for that day.
    ManifestRollback {
        /// The day (day number).
        day: u16,
    },
}

impl SyncError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Malformed(_) => "BUNDLE_MALFORMED",
            SyncError::InvalidRootKey => "INVALID_ROOT_KEY",
            SyncError::BadRootSignature => "BAD_ROOT_SIGNATURE",
            SyncError::TrustRollback { .. } => "TRUST_ROLLBACK",
            SyncError::NoTrustList => "NO_TRUST_LIST",
            SyncError::UnknownSigner(_) => "UNKNOWN_SIGNER",
            SyncError::BadRevocationSignature => "BAD_REVOCATION_SIGNATURE",
            SyncError::RevocationRollback { .. } => "REVOCATION_ROLLBACK",
            SyncError::RevocationGap { .. } => "REVOCATION_GAP",
            SyncError::WrongVenue { .. } => "WRONG_VENUE",
            SyncError::BadManifestSignature => "BAD_MANIFEST_SIGNATURE",
            SyncError::ManifestRollback { .. } => "MANIFEST_ROLLBACK",
        }
    }
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyncError::Malformed(e) => write!(f, "同步数据已损坏（{e}）"),
            SyncError::InvalidRootKey => f.write_str("根公钥无效，请检查闸机配置"),
            SyncError::BadRootSignature => f.write_str("信任列表签名无效，拒绝加载"),
            SyncError::TrustRollback { have, got } => {
                write!(f, "信任列表版本 {got} 旧于已有版本 {have}，拒绝回退")
            }
            SyncError::NoTrustList => f.write_str("缺少信任列表，请完整同步"),
            SyncError::UnknownSigner(id) => write!(f, "吊销列表签名密钥 {id} 不在信任列表中"),
            SyncError::BadRevocationSignature => f.write_str("吊销列表签名无效，拒绝加载"),
            SyncError::RevocationRollback { have, got } => {
                write!(f, "吊销列表版本 {got} 旧于已有版本 {have}，拒绝回退")
            }
            SyncError::RevocationGap { have, base } => {
                write!(f, "增量吊销列表需要版本 {base}，闸机为 {have}，请完整同步")
            }
            SyncError::WrongVenue { gate, got } => {
                write!(f, "预约名单属于场馆 {got}，本闸机属于场馆 {gate}，拒绝加载")
            }
            SyncError::BadManifestSignature => f.write_str("预约名单签名无效，拒绝加载"),
            SyncError::ManifestRollback { .. } => {
                f.write_str("预约名单旧于闸机已有的同日名单，拒绝回退")
            }
        }
    }
}

impl std::error::Error for SyncError {}

/// What a gate knows after syncing.
#[derive(Debug, Clone, Default)]
pub(crate) struct SyncedState {
    pub(crate) trust: Option<TrustList>,
    /// The trust list's issuer keys, decompressed once.
    pub(crate) issuer_keys: IssuerKeys,
    pub(crate) revoked: RevokedSet,
    pub(crate) revocation_version: u32,
    pub(crate) revocation_usable_until: Option<u64>,
    pub(crate) revocation_issued_at: Option<u64>,
    /// The venue's reservation manifests by day number.
    pub(crate) manifests: BTreeMap<u16, Manifest>,
}

/// Summary of the gate's synced data, for its status line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// Trust-list version, 0 when none.
    pub trust_version: u32,
    /// Revocation state version, 0 when none.
    pub revocation_version: u32,
    /// Revoked credentials still within their validity.
    pub revoked_count: usize,
    /// When the older of the trust list and the revocation state was made (Unix seconds).
    pub issued_at: Option<u64>,
    /// The earlier of the two usable-until times.
    pub usable_until: Option<u64>,
    /// Whether the data is past its usable time (or missing).
    pub stale: bool,
    /// Reservation manifests held, one per day from today on.
    pub manifests: Vec<ManifestStatus>,
}

/// One held reservation manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestStatus {
    /// The venue.
    pub venue_id: u32,
    /// The day (day number, Beijing time).
    pub day: u16,
    /// When the server made it (Unix seconds): bookings made later are not in it.
    pub issued_at: u64,
    /// Bookings and passes listed.
    pub entries: usize,
}

impl SyncedState {
    /// Applies a bundle: checks every section first and changes nothing on error; then commits
    /// without copying the revocation state (a full list replaces it, a delta merges in place).
    /// Manifests are kept only by a gate with a venue (`venue`), and only its own venue's.
    pub(crate) fn apply(
        &mut self,
        root: &VerifyingKey,
        bundle: &SyncBundle,
        now: i64,
        venue: Option<u32>,
    ) -> Result<(), SyncError> {
        let trust = match &bundle.trust {
            Some(t) => {
                self.check_trust(root, t)?;
                Some(t)
            }
            None => self.trust.as_ref(),
        };
        let mut have = self.revocation_version;
        let mut to_apply = Vec::new();
        for r in &bundle.revocations {
            if check_revocation(trust, r, have)? {
                to_apply.push(r);
                have = r.body.list_version;
            }
        }
        let mut manifests: Vec<&Manifest> = Vec::new();
        if let Some(venue) = venue {
            for m in &bundle.manifests {
                let newer_held = self
                    .manifests
                    .get(&m.body.day)
                    .into_iter()
                    .chain(
                        manifests
                            .iter()
                            .copied()
                            .filter(|h| h.body.day == m.body.day),
                    )
                    .any(|h| h.body.issued_at > m.body.issued_at);
                check_manifest(trust, m, venue, newer_held)?;
                manifests.push(m);
            }
        }
        if let Some(t) = &bundle.trust {
            self.trust = Some(t.clone());
            let held = std::mem::take(&mut self.issuer_keys);
            self.issuer_keys = IssuerKeys::new(&t.body.keys, held);
        }
        for r in to_apply {
            let b = &r.body;
            if b.is_delta() {
                self.revoked.merge(&b.entries);
            } else {
                // Free the old state before building the new one: never both at once.
                self.revoked = RevokedSet::default();
                self.revoked = RevokedSet::from_sorted(&b.entries);
            }
            self.revocation_version = b.list_version;
            self.revocation_usable_until = Some(b.usable_until);
            self.revocation_issued_at = Some(b.issued_at);
        }
        for m in manifests {
            self.manifests.insert(m.body.day, m.clone());
        }
        self.prune(now);
        Ok(())
    }

    fn check_trust(&self, root: &VerifyingKey, t: &TrustList) -> Result<(), SyncError> {
        let sig = Signature::from_bytes(&t.root_signature);
        root.verify_strict(&t.body.signed_bytes(), &sig)
            .map_err(|_| SyncError::BadRootSignature)?;
        if let Some(have) = &self.trust {
            if t.body.list_version < have.body.list_version {
                return Err(SyncError::TrustRollback {
                    have: have.body.list_version,
                    got: t.body.list_version,
                });
            }
        }
        Ok(())
    }

    /// Drops entries of credentials that have expired anyway.
    pub(crate) fn prune(&mut self, now: i64) {
        self.revoked.retain_from(day_of(now));
        let today = day_of(now);
        self.manifests.retain(|day, _| i64::from(*day) >= today);
    }

    pub(crate) fn status(&self, now: i64) -> SyncStatus {
        let trust = self.trust.as_ref().map(|t| &t.body);
        let earlier = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let usable_until = earlier(trust.map(|t| t.usable_until), self.revocation_usable_until);
        let issued_at = earlier(trust.map(|t| t.issued_at), self.revocation_issued_at);
        SyncStatus {
            trust_version: trust.map_or(0, |t| t.list_version),
            revocation_version: self.revocation_version,
            revoked_count: self.revoked.len(),
            issued_at,
            usable_until,
            stale: self.is_stale(now),
            manifests: self
                .manifests
                .values()
                .map(|m| ManifestStatus {
                    venue_id: m.body.venue_id,
                    day: m.body.day,
                    issued_at: m.body.issued_at,
                    entries: m.body.entries.len(),
                })
                .collect(),
        }
    }

    /// Stale when a trust list or revocation state is missing or past its usable time.
    pub(crate) fn is_stale(&self, now: i64) -> bool {
        let past = |t: u64| now >= 0 && now as u64 > t;
        match (&self.trust, self.revocation_usable_until) {
            (Some(t), Some(r)) => past(t.body.usable_until) || past(r),
            _ => true,
        }
    }
}

/// Checks one revocation list against the trust list in force and the version `have` the gate
/// will be at when it comes to it. `Ok(false)`: a delta the gate already has (ignored).
fn check_revocation(
    trust: Option<&TrustList>,
    r: &RevocationList,
    have: u32,
) -> Result<bool, SyncError> {
    let trust = trust.ok_or(SyncError::NoTrustList)?;
    let b = &r.body;
    let key = trust
        .key(b.signer_key_id)
        .ok_or(SyncError::UnknownSigner(b.signer_key_id))?;
    let vk =
        VerifyingKey::from_bytes(&key.public_key).map_err(|_| SyncError::BadRevocationSignature)?;
    vk.verify_strict(&b.signed_bytes(), &Signature::from_bytes(&r.signature))
        .map_err(|_| SyncError::BadRevocationSignature)?;
    if b.is_delta() {
        if have < b.base_version {
            return Err(SyncError::RevocationGap {
                have,
                base: b.base_version,
            });
        }
    } else if b.list_version < have {
        return Err(SyncError::RevocationRollback {
            have,
            got: b.list_version,
        });
    }
    Ok(b.list_version >= have)
}

/// Checks a manifest for the gate of `venue`: its venue, its signature by a key of the trust
/// list, and that the gate holds no newer one for its day.
fn check_manifest(
    trust: Option<&TrustList>,
    m: &Manifest,
    venue: u32,
    newer_held: bool,
) -> Result<(), SyncError> {
    let trust = trust.ok_or(SyncError::NoTrustList)?;
    let b = &m.body;
    if b.venue_id != venue {
        return Err(SyncError::WrongVenue {
            gate: venue,
            got: b.venue_id,
        });
    }
    let key = trust
        .key(b.signer_key_id)
        .ok_or(SyncError::BadManifestSignature)?;
    let vk =
        VerifyingKey::from_bytes(&key.public_key).map_err(|_| SyncError::BadManifestSignature)?;
    vk.verify_strict(&b.signed_bytes(), &Signature::from_bytes(&m.signature))
        .map_err(|_| SyncError::BadManifestSignature)?;
    if newer_held {
        return Err(SyncError::ManifestRollback { day: b.day });
    }
    Ok(())
}
