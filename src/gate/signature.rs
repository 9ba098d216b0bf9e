//! The gate's signature checks: RFC 8032 Ed25519 with the strict rules of ed25519-dalek's
//! `verify_strict`: the same signatures accepted and refused, pinned by
//! `tests/ed25519_vectors.rs` (RFC 8032, Wycheproof, the 914 CCTV edge cases) and by the
//! agreement tests below. Less work is repeated on the hot path:
//!
//! - the signature's R is not decompressed. `verify_strict` decompresses it only to refuse a
//!   small-order R; its final check compares R's bytes with the canonical encoding of
//!   `[s]B − [k]A`, so every R that passes is canonical, and a canonical R is of small order
//!   exactly when it is one of the eight encodings in [`SMALL_ORDER`]. Comparing bytes gives the
//!   same answer without a square root.
//! - issuer keys are few and fixed between syncs, so each is decompressed once and given a
//!   table of its multiples, as the base point has ([`IssuerKeys`], [`FixedBase`]):
//!   `[s]B − [k]A` then costs at most 74 point additions instead of 253 doublings and about 70
//!   additions. Measured: docs/PERFORMANCE.md.

use std::sync::Arc;

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use sha2::{Digest, Sha512};

use super::fixed_base::FixedBase;

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

/// A trust list's issuer keys, each decompressed once with its table of multiples, and the
/// base point's table (made at run time, as the curve crate's static one would add to the gate
/// package). Shared, so a cloned gate does not copy them.
#[derive(Clone, Default)]
pub struct IssuerKeys {
    base: Option<Arc<FixedBase>>,
    keys: Vec<IssuerKey>,
}

#[derive(Clone)]
struct IssuerKey {
    key_id: u16,
    /// The key's bytes as listed: they are hashed into every challenge.
    bytes: [u8; 32],
    /// Multiples of −A.
    minus_a: Arc<FixedBase>,
}

impl std::fmt::Debug for IssuerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<u16> = self.keys.iter().map(|k| k.key_id).collect();
        f.debug_struct("IssuerKeys").field("key_ids", &ids).finish()
    }
}

impl IssuerKeys {
    /// The keys of a trust list. A key that is not a valid point, or is of small order, is left
    /// out: `verify_strict` refuses every signature under it, and so does [`Self::verify`].
    /// Tables of keys already held (`previous`) are reused: a sync that brings the same trust
    /// list again costs nothing.
    pub fn new(keys: &[crate::format::trust::IssuerKey], previous: IssuerKeys) -> Self {
        let base = previous.base.unwrap_or_else(|| {
            Arc::new(FixedBase::new(
                &curve25519_dalek::constants::ED25519_BASEPOINT_POINT,
            ))
        });
        let mut old = previous.keys;
        let keys = keys
            .iter()
            .filter_map(|k| {
                if let Some(i) = old.iter().position(|o| o.bytes == k.public_key) {
                    let mut held = old.swap_remove(i);
                    held.key_id = k.key_id;
                    return Some(held);
                }
                let vk = VerifyingKey::from_bytes(&k.public_key).ok()?;
                if vk.is_weak() {
                    return None;
                }
                let minus_a: EdwardsPoint = -vk.to_edwards();
                Some(IssuerKey {
                    key_id: k.key_id,
                    bytes: k.public_key,
                    minus_a: Arc::new(FixedBase::new(&minus_a)),
                })
            })
            .collect();
        Self {
            base: Some(base),
            keys,
        }
    }

    /// Does `sig` sign `message` under the issuer key `key_id`, by the rules of
    /// ed25519-dalek's `verify_strict`? `false` for a key not held.
    pub fn verify(&self, key_id: u16, message: &[u8], sig: &Signature) -> bool {
        let (Some(base), Some(key)) = (&self.base, self.keys.iter().find(|k| k.key_id == key_id))
        else {
            return false;
        };
        let r = sig.r_bytes();
        if SMALL_ORDER.contains(r) {
            return false;
        }
        // s must be below the group order (no malleable signatures), as in `verify_strict`.
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(*sig.s_bytes())) else {
            return false;
        };
        let mut h = Sha512::new();
        h.update(r);
        h.update(key.bytes);
        h.update(message);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        // Variable time is fine: s, k and the key are all public.
        let expected = base.mul(&s) + key.minus_a.mul(&k);
        expected.compress().as_bytes() == r
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

    /// Case `i` of the agreement tests: a real signature of `i`, then untouched, one bit
    /// flipped, s + ℓ (the same point, a non-canonical scalar) or a small-order R.
    fn case(sk: &SigningKey, i: u32) -> ([u8; 4], Signature) {
        let msg = i.to_le_bytes();
        let mut sig = sk.sign(&msg).to_bytes();
        let seed = u64::from(i).wrapping_mul(6_364_136_223_846_793_005) >> 20;
        match i % 4 {
            0 => {}
            1 => sig[(seed >> 13) as usize % 64] ^= 1 << (seed % 8),
            2 => {
                let l = hex32("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
                let mut carry = 0u16;
                for (b, l) in sig[32..].iter_mut().zip(l) {
                    let v = u16::from(*b) + u16::from(l) + carry;
                    *b = v as u8;
                    carry = v >> 8;
                }
                assert_eq!(carry, 0);
            }
            _ => sig[..32].copy_from_slice(&SMALL_ORDER[i as usize % 8]),
        }
        (msg, Signature::from_bytes(&sig))
    }

    /// Both paths (the device key's and the issuer key's, with a fresh and a reused table)
    /// give `verify_strict`'s verdict on real, tampered and small-order signatures.
    #[test]
    fn agrees_with_dalek_verify_strict() {
        let sk = SigningKey::from_bytes(&[7; 32]);
        let vk = sk.verifying_key();
        let listed = crate::format::trust::IssuerKey {
            key_id: 3,
            not_before: 0,
            not_after: u16::MAX,
            public_key: vk.to_bytes(),
        };
        let keys = IssuerKeys::new(std::slice::from_ref(&listed), IssuerKeys::default());
        let again = IssuerKeys::new(&[listed], keys.clone());
        let mut accepted = 0;
        for i in 0..400u32 {
            let (msg, sig) = case(&sk, i);
            let dalek = vk.verify_strict(&msg, &sig).is_ok();
            accepted += u32::from(dalek);
            assert_eq!(
                verify_strict(&vk, &msg, &sig),
                dalek,
                "device path, case {i}"
            );
            assert_eq!(keys.verify(3, &msg, &sig), dalek, "issuer path, case {i}");
            assert_eq!(again.verify(3, &msg, &sig), dalek, "reused table, case {i}");
            assert!(!keys.verify(4, &msg, &sig), "an unknown key id");
        }
        assert_eq!(accepted, 100, "exactly the untouched signatures verify");
        for weak in &SMALL_ORDER {
            let key = VerifyingKey::from_bytes(weak).unwrap();
            let sig = Signature::from_bytes(&[0; 64]);
            assert!(!verify_strict(&key, b"", &sig));
            assert!(key.verify_strict(b"", &sig).is_err());
        }
    }
}
