//! The sync bundle a gate downloads: a container of independently signed sections.
//! The container itself is not signed: every section carries its own signature, so a gate
//! trusts a section only after checking it.

use super::manifest::Manifest;
use super::revocation::RevocationList;
use super::trust::TrustList;
use super::wire::{Reader, WireError, Writer};

/// First bytes of every bundle.
pub const BUNDLE_MAGIC: &[u8; 4] = b"HNSB";
/// The only bundle layout this build reads and writes.
pub const BUNDLE_VERSION: u8 = 1;

const TAG_TRUST: u8 = 1;
const TAG_REVOCATION: u8 = 2;
const TAG_MANIFEST: u8 = 3;

/// A parsed bundle. Sections with tags this build does not know are skipped, so older gates
/// keep working when later versions add sections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncBundle {
    /// The trust list, when the bundle carries one.
    pub trust: Option<TrustList>,
    /// Revocation lists (a full list and/or deltas), in the order to apply them.
    pub revocations: Vec<RevocationList>,
    /// Reservation manifests of the gate's venue (one per day), for gates that asked for a
    /// venue.
    pub manifests: Vec<Manifest>,
}

impl SyncBundle {
    /// Most sections a bundle holds (the count is one byte).
    pub const MAX_SECTIONS: usize = 255;

    /// Canonical bytes; refuses more than [`Self::MAX_SECTIONS`] sections (send a full
    /// revocation list instead of that many deltas).
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut sections: Vec<(u8, Vec<u8>)> = Vec::new();
        if let Some(t) = &self.trust {
            sections.push((TAG_TRUST, t.to_bytes()));
        }
        for r in &self.revocations {
            sections.push((TAG_REVOCATION, r.to_bytes()));
        }
        for m in &self.manifests {
            sections.push((TAG_MANIFEST, m.to_bytes()));
        }
        if sections.len() > Self::MAX_SECTIONS {
            return Err(WireError::InvalidField("sections"));
        }
        let mut w = Writer::new();
        w.bytes(BUNDLE_MAGIC)
            .u8(BUNDLE_VERSION)
            .u8(sections.len() as u8);
        for (tag, bytes) in sections {
            w.u8(tag).u32(bytes.len() as u32).bytes(&bytes);
        }
        Ok(w.into_vec())
    }

    /// Reads a bundle that fills `bytes` exactly. Checks form only, not signatures.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        if r.take(4)? != BUNDLE_MAGIC {
            return Err(WireError::InvalidField("magic"));
        }
        let version = r.u8()?;
        if version != BUNDLE_VERSION {
            return Err(WireError::UnsupportedVersion(version));
        }
        let mut bundle = SyncBundle::default();
        for _ in 0..r.u8()? {
            let tag = r.u8()?;
            let len = r.u32()? as usize;
            let section = r.take(len)?;
            match tag {
                TAG_TRUST if bundle.trust.is_none() => {
                    bundle.trust = Some(TrustList::from_bytes(section)?)
                }
                TAG_TRUST => return Err(WireError::InvalidField("trust")),
                TAG_REVOCATION => bundle
                    .revocations
                    .push(RevocationList::from_bytes(section)?),
                TAG_MANIFEST => bundle.manifests.push(Manifest::from_bytes(section)?),
                _ => {}
            }
        }
        r.finish()?;
        Ok(bundle)
    }
}
