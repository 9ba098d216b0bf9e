//! The trust list: the issuer public keys a gate accepts, signed by the root key gates pin.

use serde::Serialize;

use super::wire::{signed_message, Reader, WireError, Writer};

/// The only trust-list layout this build reads and writes.
pub const TRUST_VERSION: u8 = 1;
/// Domain tag of the root key's signature.
pub const TRUST_TAG: &[u8] = b"HNSSC-TRUST-V1";

/// One issuer key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuerKey {
    /// The id credentials name.
    pub key_id: u16,
    /// First day (CST day number) on which credentials under this key are accepted.
    pub not_before: u16,
    /// Last such day, inclusive. An old key stays listed until its last credential expired.
    pub not_after: u16,
    /// ed25519 public key.
    #[serde(with = "super::credential::hex32")]
    pub public_key: [u8; 32],
}

/// The list's contents, before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustListBody {
    /// Increases with every new list; a gate never goes back to a lower one.
    pub list_version: u32,
    /// When the list was made (Unix seconds).
    pub issued_at: u64,
    /// After this Unix time the list is stale: the gate must sync again.
    pub usable_until: u64,
    /// Issuer keys, sorted by key id, no id twice.
    pub keys: Vec<IssuerKey>,
}

/// A trust list with the root signature over it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustList {
    /// The signed contents.
    pub body: TrustListBody,
    /// ed25519 signature by the root key over [`TrustListBody::signed_bytes`].
    #[serde(with = "super::credential::hex64")]
    pub root_signature: [u8; 64],
}

impl TrustListBody {
    /// Canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(TRUST_VERSION)
            .u32(self.list_version)
            .u64(self.issued_at)
            .u64(self.usable_until)
            .u8(self.keys.len() as u8);
        for k in &self.keys {
            w.u16(k.key_id)
                .u16(k.not_before)
                .u16(k.not_after)
                .bytes(&k.public_key);
        }
        w.into_vec()
    }

    /// The bytes the root key signs.
    pub fn signed_bytes(&self) -> Vec<u8> {
        signed_message(TRUST_TAG, &self.to_bytes())
    }

    /// Checks what a signer must not produce: more than 255 keys, unsorted or repeated ids.
    pub fn check_fields(&self) -> Result<(), WireError> {
        if self.keys.len() > 255 {
            return Err(WireError::InvalidField("keys"));
        }
        if self.keys.windows(2).any(|w| w[0].key_id >= w[1].key_id) {
            return Err(WireError::InvalidField("key_id"));
        }
        if self.keys.iter().any(|k| k.not_before > k.not_after) {
            return Err(WireError::InvalidField("not_after"));
        }
        Ok(())
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let version = r.u8()?;
        if version != TRUST_VERSION {
            return Err(WireError::UnsupportedVersion(version));
        }
        let list_version = r.u32()?;
        let issued_at = r.u64()?;
        let usable_until = r.u64()?;
        let count = r.u8()?;
        let mut keys = Vec::with_capacity(count as usize);
        for _ in 0..count {
            keys.push(IssuerKey {
                key_id: r.u16()?,
                not_before: r.u16()?,
                not_after: r.u16()?,
                public_key: r.array()?,
            });
        }
        let body = TrustListBody {
            list_version,
            issued_at,
            usable_until,
            keys,
        };
        body.check_fields()?;
        Ok(body)
    }
}

impl TrustList {
    /// Canonical bytes: body then root signature.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = self.body.to_bytes();
        v.extend_from_slice(&self.root_signature);
        v
    }

    /// Reads a trust list that fills `bytes` exactly. Checks form only, not the signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let list = TrustList {
            body: TrustListBody::read(&mut r)?,
            root_signature: r.array()?,
        };
        r.finish()?;
        Ok(list)
    }

    /// The key with this id.
    pub fn key(&self, key_id: u16) -> Option<&IssuerKey> {
        self.body.keys.iter().find(|k| k.key_id == key_id)
    }
}
