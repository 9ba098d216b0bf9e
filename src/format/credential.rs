//! The device credential: what the issuer vouches for, bound to the phone's public key.

use serde::Serialize;

use super::fields::{AgeBand, CardState};
use super::wire::{signed_message, Reader, WireError, Writer};

/// The only credential layout this build reads and writes.
pub const CREDENTIAL_VERSION: u8 = 1;
/// Domain tag of the issuer's signature.
pub const CREDENTIAL_TAG: &[u8] = b"HNSSC-CREDENTIAL-V1";
/// Longest masked display name, in UTF-8 bytes.
pub const MAX_NAME_BYTES: usize = 30;

/// What the issuer states about the holder. Nothing here identifies a person on its own:
/// the name is masked, the birth date is reduced to an age band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialBody {
    /// Which issuer key signed (an id in the trust list).
    pub issuer_key_id: u16,
    /// Unique per credential; what revocation lists and replay sets name. Shown in JSON as a
    /// decimal string: JavaScript numbers lose precision above 2^53.
    #[serde(serialize_with = "serial_string")]
    pub serial: u64,
    /// The card's state when the credential was issued.
    pub card_state: CardState,
    /// First valid day (day number, China Standard Time).
    pub not_before: u16,
    /// Last valid day, inclusive.
    pub not_after: u16,
    /// Region code of the issuing place (GB/T 2260, e.g. 410721 新乡县).
    pub region: u32,
    /// Holder's age band.
    pub age_band: AgeBand,
    /// The phone's ed25519 public key; codes must be signed by its secret half.
    #[serde(with = "hex32")]
    pub device_key: [u8; 32],
    /// Masked display name, e.g. `张*`.
    pub masked_name: String,
}

/// A credential body with the issuer's signature over it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credential {
    /// The signed statement.
    pub body: CredentialBody,
    /// ed25519 signature by the issuer key, over [`CredentialBody::signed_bytes`].
    #[serde(with = "hex64")]
    pub issuer_signature: [u8; 64],
}

impl CredentialBody {
    /// The body's canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.into_vec()
    }

    fn write(&self, w: &mut Writer) {
        w.u8(CREDENTIAL_VERSION)
            .u16(self.issuer_key_id)
            .u64(self.serial)
            .u8(self.card_state.to_byte())
            .u16(self.not_before)
            .u16(self.not_after)
            .u24(self.region)
            .u8(self.age_band.to_byte())
            .bytes(&self.device_key)
            .short_str(&self.masked_name);
    }

    /// The bytes the issuer signs: domain tag, zero byte, body.
    pub fn signed_bytes(&self) -> Vec<u8> {
        signed_message(CREDENTIAL_TAG, &self.to_bytes())
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let version = r.u8()?;
        if version != CREDENTIAL_VERSION {
            return Err(WireError::UnsupportedVersion(version));
        }
        let body = CredentialBody {
            issuer_key_id: r.u16()?,
            serial: r.u64()?,
            card_state: CardState::from_byte(r.u8()?)?,
            not_before: r.u16()?,
            not_after: r.u16()?,
            region: r.u24()?,
            age_band: AgeBand::from_byte(r.u8()?)?,
            device_key: r.array()?,
            masked_name: r.short_str("masked_name")?.to_owned(),
        };
        body.check_fields()?;
        Ok(body)
    }

    /// Range checks that do not need a key or a clock.
    pub(crate) fn check_fields(&self) -> Result<(), WireError> {
        if !(100_000..=999_999).contains(&self.region) {
            return Err(WireError::InvalidField("region"));
        }
        if self.not_before > self.not_after {
            return Err(WireError::InvalidField("not_after"));
        }
        let name = &self.masked_name;
        if name.is_empty() || name.len() > MAX_NAME_BYTES || name.chars().any(char::is_control) {
            return Err(WireError::InvalidField("masked_name"));
        }
        Ok(())
    }
}

impl Credential {
    /// Canonical bytes: body then issuer signature.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.into_vec()
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        self.body.write(w);
        w.bytes(&self.issuer_signature);
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(Credential {
            body: CredentialBody::read(r)?,
            issuer_signature: r.array()?,
        })
    }

    /// Reads a credential that fills `bytes` exactly. Checks form only, not the signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let c = Credential::read(&mut r)?;
        r.finish()?;
        Ok(c)
    }
}

pub(crate) fn serial_string<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

macro_rules! hex_serde {
    ($name:ident, $n:literal) => {
        pub(crate) mod $name {
            pub fn serialize<S: serde::Serializer>(v: &[u8; $n], s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&hex::encode(v))
            }
        }
    };
}
hex_serde!(hex32, 32);
hex_serde!(hex64, 64);
