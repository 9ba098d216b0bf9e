//! The gate's signature check: RFC 8032 Ed25519 with the strict rules of ed25519-dalek's
//! `verify_strict` (the same signatures accepted and refused, pinned by
//! `tests/ed25519_vectors.rs`), with less repeated work on the hot path:
//!
//! - issuer keys are decompressed once, when a trust list is synced ([`IssuerKeys`]), not for
//!   every code;
//! - the signature's R is not decompressed. `verify_strict` decompresses it only to refuse a
//!   small-order R; its final check compares R's bytes with the canonical encoding of
//!   `[s]B − [k]A`, so every R that passes is canonical, and a canonical R is of small order
//!   exactly when it is one of the eight encodings in [`SMALL_ORDER`]. Comparing bytes gives the
//!   same answer without a square root.

use ed25519_dalek::{Signature, Verifier, VerifyingKey};

/// The canonical encodings of the eight points of order dividing 8 (the identity, the point of
/// order 2, two of order 4 and four of order 8).
pub const SMALL_ORDER: [[u8; 32]; 8] = [
    hex32("0100000000000000000000000000000000000000000000000000000000000000"),
    hex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    hex32("0000000000000000000000000000000000000000000000000000000000000000"),
    hex32("0000000000000000000000000000000000000000000000000000000000000080"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
];

const fn hex32(s: &str) -> [u8; 32] {
    let s = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not a lowercase hex digit"),
    }
}

/// Does `sig` sign `message` under `key`, by the rules of ed25519-dalek's `verify_strict`?
pub fn verify_strict(key: &VerifyingKey, message: &[u8], sig: &Signature) -> bool {
    !key.is_weak() && !SMALL_ORDER.contains(sig.r_bytes()) && key.verify(message, sig).is_ok()
}

/// A trust list's issuer keys, decompressed once.
#[derive(Debug, Clone, Default)]
pub(crate) struct IssuerKeys(Vec<(u16, VerifyingKey)>);

impl IssuerKeys {
    /// The keys of a trust list; a key that is not a valid point is left out (codes under it
    /// are refused as badly signed, as before).
    pub(crate) fn new(keys: &[crate::format::trust::IssuerKey]) -> Self {
        Self(
            keys.iter()
                .filter_map(|k| Some((k.key_id, VerifyingKey::from_bytes(&k.public_key).ok()?)))
                .collect(),
        )
    }

    pub(crate) fn get(&self, key_id: u16) -> Option<&VerifyingKey> {
        self.0.iter().find(|(id, _)| *id == key_id).map(|(_, k)| k)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    #[test]
    fn the_small_order_encodings_are_the_eight_weak_points() {
        for (n, bytes) in SMALL_ORDER.iter().enumerate() {
            let key = VerifyingKey::from_bytes(bytes).expect("a point");
            assert!(key.is_weak(), "entry {n} is of small order");
            assert_eq!(key.to_bytes(), *bytes, "entry {n} is canonical");
            assert!(
                !SMALL_ORDER[..n].contains(bytes),
                "entry {n} is listed once"
            );
        }
    }

    /// Signatures with a small-order R, valid keys and messages: both checks refuse them, and
    /// both agree on random tampering of real signatures.
    #[test]
    fn agrees_with_dalek_verify_strict() {
        let sk = SigningKey::from_bytes(&[7; 32]);
        let vk = sk.verifying_key();
        let mut seed = 1u64;
        for i in 0..300u32 {
            let msg = i.to_le_bytes();
            let mut sig = sk.sign(&msg).to_bytes();
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            match i % 3 {
                0 => {}
                1 => sig[(seed >> 33) as usize % 64] ^= 1 << ((seed >> 20) % 8),
                _ => sig[..32].copy_from_slice(&SMALL_ORDER[i as usize % 8]),
            }
            let sig = Signature::from_bytes(&sig);
            assert_eq!(
                verify_strict(&vk, &msg, &sig),
                vk.verify_strict(&msg, &sig).is_ok(),
                "case {i}"
            );
        }
        for weak in &SMALL_ORDER {
            let key = VerifyingKey::from_bytes(weak).unwrap();
            let sig = Signature::from_bytes(&[0; 64]);
            assert!(!verify_strict(&key, b"", &sig));
            assert!(key.verify_strict(b"", &sig).is_err());
        }
    }
}
