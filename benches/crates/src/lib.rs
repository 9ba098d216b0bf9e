//! Two Ed25519 verifications, as a gate makes them for one code (the issuer's signature on the
//! credential, the phone's on the presentation), with each crate. `keys` holds both public
//! keys, `sigs` both signatures; `true` when both verify.
//!
//! [`GateSignatures`] is the gate's own path for the same two checks (its table of the issuer
//! key's multiples, the phone's R compared as bytes: `src/gate/signature.rs`), without the rest
//! of a gate verification (parsing, revocation, replay, the verdict).

use wasm_bindgen::prelude::*;

/// The two public keys and the two signatures.
type Pair = ([[u8; 32]; 2], [[u8; 64]; 2]);

fn split(keys: &[u8], sigs: &[u8]) -> Option<Pair> {
    Some((
        [
            keys.get(..32)?.try_into().ok()?,
            keys.get(32..64)?.try_into().ok()?,
        ],
        [
            sigs.get(..64)?.try_into().ok()?,
            sigs.get(64..128)?.try_into().ok()?,
        ],
    ))
}

/// Whether `verify(key, message, signature)` holds for both of a code's signatures.
fn both(
    keys: &[u8],
    messages: [&[u8]; 2],
    sigs: &[u8],
    verify: impl Fn(&[u8; 32], &[u8], &[u8; 64]) -> bool,
) -> bool {
    split(keys, sigs).is_some_and(|(k, s)| (0..2).all(|i| verify(&k[i], messages[i], &s[i])))
}

/// ed25519-dalek's `verify_strict`, the rules the gate keeps.
#[wasm_bindgen]
pub fn dalek(keys: &[u8], issuer_msg: &[u8], device_msg: &[u8], sigs: &[u8]) -> bool {
    use ed25519_dalek::{Signature, VerifyingKey};
    both(keys, [issuer_msg, device_msg], sigs, |k, m, s| {
        VerifyingKey::from_bytes(k)
            .is_ok_and(|vk| vk.verify_strict(m, &Signature::from_bytes(s)).is_ok())
    })
}

/// ed25519-compact's `verify` (libsodium's rules).
#[wasm_bindgen]
pub fn compact(keys: &[u8], issuer_msg: &[u8], device_msg: &[u8], sigs: &[u8]) -> bool {
    use ed25519_compact::{PublicKey, Signature};
    both(keys, [issuer_msg, device_msg], sigs, |k, m, s| {
        PublicKey::new(*k).verify(m, &Signature::new(*s)).is_ok()
    })
}

/// The gate's signature checks alone, with the issuer key's table made once.
#[wasm_bindgen]
pub struct GateSignatures(ecard_core::gate::signature::IssuerKeys);

#[wasm_bindgen]
impl GateSignatures {
    /// The table of `issuer_key` (32 bytes).
    #[wasm_bindgen(constructor)]
    pub fn new(issuer_key: &[u8]) -> Result<GateSignatures, JsError> {
        let public_key = issuer_key
            .try_into()
            .map_err(|_| JsError::new("an issuer key is 32 bytes"))?;
        let listed = ecard_core::format::trust::IssuerKey {
            key_id: 1,
            not_before: 0,
            not_after: u16::MAX,
            public_key,
        };
        Ok(Self(ecard_core::gate::signature::IssuerKeys::new(
            &[listed],
            Default::default(),
        )))
    }

    /// Both signatures, as `dalek` takes them (the first key is the issuer's, already held).
    pub fn verify(&self, keys: &[u8], issuer_msg: &[u8], device_msg: &[u8], sigs: &[u8]) -> bool {
        use ed25519_dalek::{Signature, VerifyingKey};
        let Some((k, s)) = split(keys, sigs) else {
            return false;
        };
        self.0.verify(1, issuer_msg, &Signature::from_bytes(&s[0]))
            && VerifyingKey::from_bytes(&k[1]).is_ok_and(|vk| {
                ecard_core::gate::signature::verify_strict(
                    &vk,
                    device_msg,
                    &Signature::from_bytes(&s[1]),
                )
            })
    }
}
