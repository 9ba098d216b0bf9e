//! The reservation manifest: one venue's entries for one day (bookings with their slot, annual
//! passes, priority-entry holders) and the venue's entry rules, signed by an issuer key. A
//! venue's gates receive it in their sync bundle and check bookings offline.
//!
//! Holders are not named: each entry carries a **venue pseudonym**, a hash of the venue id and
//! the holder handle in the credential serial ([`holder_of`]). The gate computes the same hash
//! from a scanned code. Manifests of two venues share no values for the same person.

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::wire::{signed_message, Reader, WireError, Writer};

/// The only manifest layout this build reads and writes.
pub const MANIFEST_VERSION: u8 = 1;
/// Domain tag of the issuer's signature.
pub const MANIFEST_TAG: &[u8] = b"HNSSC-MANIFEST-V1";
/// A credential serial is `holder << HOLDER_SHIFT | credential number`.
pub const HOLDER_SHIFT: u32 = 24;
/// Largest holder handle: serials stay below 2^63 (they are signed 64-bit in databases).
pub const MAX_HOLDER: u64 = (1 << (63 - HOLDER_SHIFT)) - 1;
/// Minutes in a day: slot times are minutes after Beijing midnight, `0..=1440`.
pub const MINUTES_PER_DAY: u16 = 1440;

const PSEUDONYM_TAG: &[u8] = b"HNSSC-VENUE-V1";
const READER_TAG: &[u8] = b"HNSSC-READER-V1";

const FLAG_REQUIRES_BOOKING: u8 = 1;
const FLAG_PRIORITY_SENIORS: u8 = 2;
const FLAG_READER_KEY: u8 = 4;
const KNOWN_FLAGS: u8 = FLAG_REQUIRES_BOOKING | FLAG_PRIORITY_SENIORS | FLAG_READER_KEY;

/// The stable holder handle in a credential serial; 0 when the serial carries none (serials
/// made before handles, or by the command line without one).
pub fn holder_of(serial: u64) -> u64 {
    serial >> HOLDER_SHIFT
}

/// A serial from a holder handle and the holder's credential number.
pub fn serial_for(holder: u64, credential_number: u32) -> u64 {
    (holder << HOLDER_SHIFT) | u64::from(credential_number & ((1 << HOLDER_SHIFT) - 1))
}

/// What a venue's manifest lists for a holder: `SHA-256(tag ‖ 0 ‖ venue ‖ holder)`, first 8
/// bytes, big-endian.
pub fn venue_pseudonym(venue_id: u32, holder: u64) -> u64 {
    let mut h = Sha256::new();
    h.update(PSEUDONYM_TAG);
    h.update([0]);
    h.update(venue_id.to_be_bytes());
    h.update(holder.to_be_bytes());
    let d = h.finalize();
    u64::from_be_bytes(d[..8].try_into().expect("8 bytes"))
}

/// A library's reader id for a holder: 16 decimal digits from `HMAC-SHA256(reader key, tag ‖
/// holder)`. Stable for one library (one key); without the key it cannot be computed, so two
/// libraries cannot link their readers. It never contains the ID number.
pub fn reader_id(reader_key: &[u8; 32], holder: u64) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(reader_key).expect("any key length");
    mac.update(READER_TAG);
    mac.update(&holder.to_be_bytes());
    let d = mac.finalize().into_bytes();
    let n = u64::from_be_bytes(d[..8].try_into().expect("8 bytes"));
    format!("{:016}", n % 10_000_000_000_000_000)
}

/// Why a holder is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A booking for the slot `start_min..end_min`.
    Booking = 1,
    /// An annual pass (年卡): enters without booking.
    AnnualPass = 2,
    /// Priority entry granted by the venue (e.g. people with disabilities): enters without
    /// booking.
    Priority = 3,
}

impl EntryKind {
    fn from_byte(b: u8) -> Result<Self, WireError> {
        match b {
            1 => Ok(EntryKind::Booking),
            2 => Ok(EntryKind::AnnualPass),
            3 => Ok(EntryKind::Priority),
            _ => Err(WireError::InvalidField("entry_kind")),
        }
    }
}

/// One listed holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ManifestEntry {
    /// [`venue_pseudonym`] of the holder.
    #[serde(serialize_with = "super::credential::serial_string")]
    pub pseudonym: u64,
    /// Slot start, minutes after Beijing midnight (passes: 0).
    pub start_min: u16,
    /// Slot end, minutes after Beijing midnight, after `start_min` (passes: 1440).
    pub end_min: u16,
    /// Booking or pass.
    pub kind: EntryKind,
}

/// The venue's rules the gate applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VenueRules {
    /// Every visitor needs a booking, a pass or priority entry.
    pub requires_booking: bool,
    /// Holders aged 60 and over enter without booking.
    pub priority_seniors: bool,
    /// How many minutes before the slot starts entry opens.
    pub entry_early_min: u16,
    /// How many minutes after the slot ends entry is still allowed.
    pub entry_late_min: u16,
    /// Library loans a reader may hold (0 when not a library).
    pub loan_limit: u8,
    /// The library's reader-id key (libraries only). The manifest goes only to the venue's own
    /// gates.
    #[serde(skip)]
    pub reader_key: Option<[u8; 32]>,
}

/// The manifest's contents before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestBody {
    /// Issuer key (in the trust list) that signs it.
    pub signer_key_id: u16,
    /// The venue.
    pub venue_id: u32,
    /// The day it covers (day number, Beijing time).
    pub day: u16,
    /// When it was made (Unix seconds); a gate keeps the newest per day.
    pub issued_at: u64,
    /// The venue's entry rules.
    pub rules: VenueRules,
    /// Entries sorted by pseudonym, then start, then kind; no entry twice.
    pub entries: Vec<ManifestEntry>,
}

/// A manifest with its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The signed contents.
    pub body: ManifestBody,
    /// ed25519 signature by the signer key over [`ManifestBody::signed_bytes`].
    #[serde(with = "super::credential::hex64")]
    pub signature: [u8; 64],
}

impl ManifestBody {
    /// Most entries in one manifest.
    pub const MAX_ENTRIES: usize = 1_000_000;

    /// Canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let r = &self.rules;
        let mut flags = 0;
        if r.requires_booking {
            flags |= FLAG_REQUIRES_BOOKING;
        }
        if r.priority_seniors {
            flags |= FLAG_PRIORITY_SENIORS;
        }
        if r.reader_key.is_some() {
            flags |= FLAG_READER_KEY;
        }
        let mut w = Writer::new();
        w.u8(MANIFEST_VERSION)
            .u16(self.signer_key_id)
            .u32(self.venue_id)
            .u16(self.day)
            .u64(self.issued_at)
            .u8(flags)
            .u16(r.entry_early_min)
            .u16(r.entry_late_min)
            .u8(r.loan_limit);
        if let Some(k) = &r.reader_key {
            w.bytes(k);
        }
        w.u32(self.entries.len() as u32);
        for e in &self.entries {
            w.u64(e.pseudonym)
                .u16(e.start_min)
                .u16(e.end_min)
                .u8(e.kind as u8);
        }
        w.into_vec()
    }

    /// The bytes the issuer key signs.
    pub fn signed_bytes(&self) -> Vec<u8> {
        signed_message(MANIFEST_TAG, &self.to_bytes())
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let version = r.u8()?;
        if version != MANIFEST_VERSION {
            return Err(WireError::UnsupportedVersion(version));
        }
        let signer_key_id = r.u16()?;
        let venue_id = r.u32()?;
        let day = r.u16()?;
        let issued_at = r.u64()?;
        let flags = r.u8()?;
        if flags & !KNOWN_FLAGS != 0 {
            return Err(WireError::InvalidField("flags"));
        }
        let entry_early_min = r.u16()?;
        let entry_late_min = r.u16()?;
        let loan_limit = r.u8()?;
        let reader_key = if flags & FLAG_READER_KEY != 0 {
            Some(r.array()?)
        } else {
            None
        };
        let n = r.u32()? as usize;
        // Each entry is 13 bytes: refuse a count the remaining bytes cannot hold before
        // allocating for it.
        if n > Self::MAX_ENTRIES || n.saturating_mul(13) > r.remaining() {
            return Err(WireError::Truncated);
        }
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            entries.push(ManifestEntry {
                pseudonym: r.u64()?,
                start_min: r.u16()?,
                end_min: r.u16()?,
                kind: EntryKind::from_byte(r.u8()?)?,
            });
        }
        let body = ManifestBody {
            signer_key_id,
            venue_id,
            day,
            issued_at,
            rules: VenueRules {
                requires_booking: flags & FLAG_REQUIRES_BOOKING != 0,
                priority_seniors: flags & FLAG_PRIORITY_SENIORS != 0,
                entry_early_min,
                entry_late_min,
                loan_limit,
                reader_key,
            },
            entries,
        };
        body.check_fields()?;
        Ok(body)
    }

    /// Range and order checks that need no key.
    pub fn check_fields(&self) -> Result<(), WireError> {
        let r = &self.rules;
        if r.entry_early_min > MINUTES_PER_DAY || r.entry_late_min > MINUTES_PER_DAY {
            return Err(WireError::InvalidField("entry_margin"));
        }
        if self.entries.len() > Self::MAX_ENTRIES {
            return Err(WireError::InvalidField("entries"));
        }
        for e in &self.entries {
            if e.start_min >= e.end_min || e.end_min > MINUTES_PER_DAY {
                return Err(WireError::InvalidField("slot"));
            }
        }
        if self.entries.windows(2).any(|w| w[0] >= w[1]) {
            return Err(WireError::InvalidField("entry_order"));
        }
        Ok(())
    }

    /// The entries listing this pseudonym.
    pub fn entries_for(&self, pseudonym: u64) -> &[ManifestEntry] {
        let from = self.entries.partition_point(|e| e.pseudonym < pseudonym);
        let to = self.entries.partition_point(|e| e.pseudonym <= pseudonym);
        &self.entries[from..to]
    }
}

impl Manifest {
    /// Canonical bytes: body then signature.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = self.body.to_bytes();
        v.extend_from_slice(&self.signature);
        v
    }

    /// Reads a manifest that fills `bytes` exactly. Checks form only, not the signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let body = ManifestBody::read(&mut r)?;
        let signature = r.array()?;
        r.finish()?;
        Ok(Manifest { body, signature })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn body(entries: Vec<ManifestEntry>) -> ManifestBody {
        ManifestBody {
            signer_key_id: 1,
            venue_id: 7,
            day: 20_000,
            issued_at: 1_700_000_000,
            rules: VenueRules {
                requires_booking: true,
                priority_seniors: true,
                entry_early_min: 30,
                entry_late_min: 0,
                loan_limit: 10,
                reader_key: Some([9; 32]),
            },
            entries,
        }
    }

    fn booking(pseudonym: u64, start_min: u16, end_min: u16) -> ManifestEntry {
        ManifestEntry {
            pseudonym,
            start_min,
            end_min,
            kind: EntryKind::Booking,
        }
    }

    #[test]
    fn bytes_round_trip_and_entries_are_found_by_pseudonym() {
        let b = body(vec![
            booking(3, 540, 600),
            booking(5, 600, 660),
            booking(5, 840, 900),
        ]);
        let m = Manifest {
            body: b,
            signature: [4; 64],
        };
        let back = Manifest::from_bytes(&m.to_bytes()).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.body.entries_for(5).len(), 2);
        assert_eq!(back.body.entries_for(4).len(), 0);
    }

    #[test]
    fn unsorted_or_empty_slots_are_refused() {
        let unsorted = body(vec![booking(5, 600, 660), booking(3, 540, 600)]);
        assert_eq!(
            unsorted.check_fields(),
            Err(WireError::InvalidField("entry_order"))
        );
        let empty = body(vec![booking(5, 600, 600)]);
        assert_eq!(empty.check_fields(), Err(WireError::InvalidField("slot")));
        let m = Manifest {
            body: body(vec![booking(5, 600, 660)]),
            signature: [0; 64],
        };
        let mut bytes = m.to_bytes();
        bytes.truncate(bytes.len() - 1);
        assert_eq!(Manifest::from_bytes(&bytes), Err(WireError::Truncated));
    }

    #[test]
    fn pseudonyms_differ_between_venues_and_reader_ids_between_keys() {
        assert_ne!(venue_pseudonym(1, 42), venue_pseudonym(2, 42));
        assert_eq!(venue_pseudonym(1, 42), venue_pseudonym(1, 42));
        let a = reader_id(&[1; 32], 42);
        assert_eq!(a, reader_id(&[1; 32], 42));
        assert_ne!(a, reader_id(&[2; 32], 42));
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn serials_carry_the_holder_handle() {
        let s = serial_for(MAX_HOLDER, 7);
        assert!(s < 1 << 63);
        assert_eq!(holder_of(s), MAX_HOLDER);
        assert_eq!(s & 0xff_ffff, 7);
        assert_eq!(holder_of(12_345), 0);
    }
}
