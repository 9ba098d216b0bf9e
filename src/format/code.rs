//! The code a phone shows: its credential, the time step, the scene and a counter, signed by
//! the device key; written as a short prefix and base45 text (QR alphanumeric mode).

use serde::Serialize;

use super::credential::Credential;
use super::fields::Scene;
use super::wire::{signed_message, Reader, WireError, Writer};

/// Text prefix of every code; names the scheme and its text encoding.
pub const CODE_PREFIX: &str = "HNSSC1:";
/// Domain tag of the device's signature.
pub const CODE_TAG: &[u8] = b"HNSSC-CODE-V1";
/// Default rotation period.
pub const DEFAULT_STEP_SECS: u8 = 30;

/// The fields the device signs after the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Presentation {
    /// Length of one time step in seconds (default 30).
    pub step_secs: u8,
    /// Time step index: `floor(unix_time / step_secs)` on the phone's clock.
    pub step: u32,
    /// Where the code is shown.
    pub scene: Scene,
    /// Distinguishes several codes shown within one step (a fresh code after one was used).
    pub counter: u8,
}

/// A complete, signed code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Code {
    /// The issuer-signed credential, carried whole so the gate needs no network.
    pub credential: Credential,
    /// Time step, scene and counter.
    pub presentation: Presentation,
    /// ed25519 signature by the credential's device key over [`Code::signed_bytes`].
    #[serde(with = "super::credential::hex64")]
    pub device_signature: [u8; 64],
}

/// Why a text could not be read as a code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodeTextError {
    /// The text does not start with [`CODE_PREFIX`].
    WrongPrefix,
    /// The rest is not canonical base45.
    BadEncoding,
    /// The decoded bytes are not a code.
    Wire(WireError),
}

impl std::fmt::Display for CodeTextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeTextError::WrongPrefix => {
                write!(f, "not an e-card code (expected prefix {CODE_PREFIX})")
            }
            CodeTextError::BadEncoding => f.write_str("not valid base45"),
            CodeTextError::Wire(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CodeTextError {}

impl From<WireError> for CodeTextError {
    fn from(e: WireError) -> Self {
        CodeTextError::Wire(e)
    }
}

impl Presentation {
    fn write(&self, w: &mut Writer) {
        w.u8(self.step_secs)
            .u32(self.step)
            .u8(self.scene.to_byte())
            .u8(self.counter);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let p = Presentation {
            step_secs: r.u8()?,
            step: r.u32()?,
            scene: Scene::from_byte(r.u8()?)?,
            counter: r.u8()?,
        };
        if p.step_secs == 0 {
            return Err(WireError::InvalidField("step_secs"));
        }
        Ok(p)
    }

    /// The presentation for a phone time, or `None` before 1970 or past the u32 step range.
    pub fn at(unix_secs: i64, step_secs: u8, scene: Scene, counter: u8) -> Option<Self> {
        if unix_secs < 0 || step_secs == 0 {
            return None;
        }
        let step = u32::try_from(unix_secs / i64::from(step_secs)).ok()?;
        Some(Presentation {
            step_secs,
            step,
            scene,
            counter,
        })
    }
}

impl Code {
    /// The bytes the device signs: domain tag, zero byte, credential, presentation.
    pub fn signed_bytes_for(credential: &Credential, p: &Presentation) -> Vec<u8> {
        let mut w = Writer::new();
        credential.write(&mut w);
        p.write(&mut w);
        signed_message(CODE_TAG, &w.into_vec())
    }

    /// The bytes this code's device signature must cover.
    pub fn signed_bytes(&self) -> Vec<u8> {
        Code::signed_bytes_for(&self.credential, &self.presentation)
    }

    /// Canonical binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.credential.write(&mut w);
        self.presentation.write(&mut w);
        w.bytes(&self.device_signature);
        w.into_vec()
    }

    /// Reads a code that fills `bytes` exactly. Checks form only, not signatures.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let code = Code {
            credential: Credential::read(&mut r)?,
            presentation: Presentation::read(&mut r)?,
            device_signature: r.array()?,
        };
        r.finish()?;
        Ok(code)
    }

    /// The text placed in the QR code: prefix and base45 of the binary form.
    pub fn to_text(&self) -> String {
        let mut s = String::from(CODE_PREFIX);
        s.push_str(&base45::encode(self.to_bytes()));
        s
    }

    /// Reads a code's text. Leading and trailing CR, LF and TAB (a scanner's Enter) are
    /// ignored, but not spaces, which are base45 characters; anything else that is not
    /// canonical base45 is refused.
    pub fn from_text(text: &str) -> Result<Self, CodeTextError> {
        let body = text
            .trim_matches(|c: char| c == '\r' || c == '\n' || c == '\t')
            .strip_prefix(CODE_PREFIX)
            .ok_or(CodeTextError::WrongPrefix)?;
        let bytes = decode_base45_canonical(body)?;
        Ok(Code::from_bytes(&bytes)?)
    }
}

/// base45 (RFC 9285) decoding that accepts only the one text the encoder would write for the
/// decoded bytes, so no two texts stand for the same code.
fn decode_base45_canonical(text: &str) -> Result<Vec<u8>, CodeTextError> {
    let bytes = base45::decode(text).map_err(|_| CodeTextError::BadEncoding)?;
    if base45::encode(&bytes) != text {
        return Err(CodeTextError::BadEncoding);
    }
    Ok(bytes)
}
