//! Revocation lists: serials of credentials that were revoked and have not expired yet,
//! signed by an issuer key, versioned, in full or as a delta from an earlier version.

use serde::Serialize;

use super::fields::RevocationReason;
use super::wire::{signed_message, Reader, WireError, Writer};

/// The only revocation-list layout this build reads and writes (2: compact entries; layout 1
/// had 11 fixed bytes an entry).
pub const REVOCATION_VERSION: u8 = 2;
/// Domain tag of the issuer's signature.
pub const REVOCATION_TAG: &[u8] = b"HNSSC-REVOCATION-V1";

/// One revoked credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Revoked {
    /// The credential's serial (a decimal string in JSON).
    #[serde(serialize_with = "super::credential::serial_string")]
    pub serial: u64,
    /// The credential's last valid day: after it the entry can be dropped.
    pub not_after: u16,
    /// Why, so the gate can say it.
    pub reason: RevocationReason,
}

/// The list's contents, before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevocationListBody {
    /// Issuer key (in the trust list) that signs this list.
    pub signer_key_id: u16,
    /// Version of the revocation state this list brings a gate to.
    pub list_version: u32,
    /// 0 for a full list; otherwise the version this delta applies on top of. A gate at any
    /// version from `base_version` up to `list_version` may apply it (at `list_version` it
    /// only refreshes `usable_until`: entries are added, never removed, so reapplying is
    /// harmless). Revocation is permanent for a credential: after 解挂 the holder gets a new
    /// credential, the old serials stay listed until they expire.
    pub base_version: u32,
    /// When the list was made (Unix seconds).
    pub issued_at: u64,
    /// After this Unix time the gate's revocation state is stale.
    pub usable_until: u64,
    /// Entries, sorted by serial, no serial twice.
    pub entries: Vec<Revoked>,
}

/// A revocation list with its issuer signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevocationList {
    /// The signed contents.
    pub body: RevocationListBody,
    /// ed25519 signature by the signer key over [`RevocationListBody::signed_bytes`].
    #[serde(with = "super::credential::hex64")]
    pub signature: [u8; 64],
}

impl RevocationListBody {
    /// Canonical bytes. Entries are written compactly (docs/FORMAT.md 3.4): each serial as the
    /// varint of its distance from the previous one, its day and reason as one varint relative to
    /// the list's earliest `not_after`. Serials the server hands out in sequence then take 2–4
    /// bytes an entry instead of 11; 64-bit random serials take at most 10 + 1.
    pub fn to_bytes(&self) -> Vec<u8> {
        let first_day = self.first_day();
        let mut w = Writer::new();
        w.u8(REVOCATION_VERSION)
            .u16(self.signer_key_id)
            .u32(self.list_version)
            .u32(self.base_version)
            .u64(self.issued_at)
            .u64(self.usable_until)
            .u32(self.entries.len() as u32)
            .u16(first_day);
        let mut previous = 0u64;
        for e in &self.entries {
            let day = u64::from(e.not_after - first_day);
            w.varint(e.serial.wrapping_sub(previous))
                .varint(day << 3 | u64::from(e.reason.to_byte()));
            previous = e.serial;
        }
        w.into_vec()
    }

    /// The earliest `not_after` of the entries (0 when there are none): the base of their days.
    fn first_day(&self) -> u16 {
        self.entries.iter().map(|e| e.not_after).min().unwrap_or(0)
    }

    /// The bytes the issuer key signs.
    pub fn signed_bytes(&self) -> Vec<u8> {
        signed_message(REVOCATION_TAG, &self.to_bytes())
    }

    /// Whether this list is a delta.
    pub fn is_delta(&self) -> bool {
        self.base_version != 0
    }

    /// Checks what a signer must not produce.
    pub fn check_fields(&self) -> Result<(), WireError> {
        if self.entries.windows(2).any(|w| w[0].serial >= w[1].serial) {
            return Err(WireError::InvalidField("serial"));
        }
        if self.base_version >= self.list_version {
            return Err(WireError::InvalidField("base_version"));
        }
        Ok(())
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let version = r.u8()?;
        if version != REVOCATION_VERSION {
            return Err(WireError::UnsupportedVersion(version));
        }
        let signer_key_id = r.u16()?;
        let list_version = r.u32()?;
        let base_version = r.u32()?;
        let issued_at = r.u64()?;
        let usable_until = r.u64()?;
        let count = r.u32()? as usize;
        let first_day = r.u16()?;
        // At least 2 bytes an entry: refuse a count the input cannot hold before allocating.
        if r.remaining() < count.saturating_mul(2) {
            return Err(WireError::Truncated);
        }
        let mut entries = Vec::with_capacity(count);
        let mut previous = 0u64;
        let mut earliest = u64::MAX;
        for i in 0..count {
            let gap = r.varint("serial")?;
            // Strictly increasing: every distance after the first is at least 1, and the sum
            // stays within 64 bits.
            if i > 0 && gap == 0 {
                return Err(WireError::InvalidField("serial"));
            }
            let serial = previous
                .checked_add(gap)
                .ok_or(WireError::InvalidField("serial"))?;
            let day_reason = r.varint("not_after")?;
            let day = day_reason >> 3;
            earliest = earliest.min(day);
            let not_after = u16::try_from(u64::from(first_day) + day)
                .map_err(|_| WireError::InvalidField("not_after"))?;
            let reason = RevocationReason::from_byte((day_reason & 7) as u8)?;
            entries.push(Revoked {
                serial,
                not_after,
                reason,
            });
            previous = serial;
        }
        // `first_day` is the earliest day itself (0 for no entries): one encoding per list.
        if (count == 0 && first_day != 0) || (count > 0 && earliest != 0) {
            return Err(WireError::InvalidField("first_day"));
        }
        let body = RevocationListBody {
            signer_key_id,
            list_version,
            base_version,
            issued_at,
            usable_until,
            entries,
        };
        body.check_fields()?;
        Ok(body)
    }
}

impl RevocationList {
    /// Canonical bytes: body then signature.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = self.body.to_bytes();
        v.extend_from_slice(&self.signature);
        v
    }

    /// Reads a list that fills `bytes` exactly. Checks form only, not the signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let list = RevocationList {
            body: RevocationListBody::read(&mut r)?,
            signature: r.array()?,
        };
        r.finish()?;
        Ok(list)
    }
}
