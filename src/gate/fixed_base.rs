//! Multiplication by a fixed, public point through a table of its multiples, in variable time.
//!
//! Every issuer signature costs the gate `[s]B − [k]A` for the base point B and an issuer key A
//! from the trust list: the same few points for every code. curve25519-dalek's
//! `EdwardsBasepointTable` does this with 64 additions, but it selects each entry in constant
//! time (it is made for secret scalars), and in wasm the selection and its conditional negation
//! cost as much as the additions. A gate's scalars are public (a signature's s, the hash k of
//! public data), so this table looks entries up directly instead, and is wider:
//!
//! a scalar below 2^256 is written in [`DIGITS`] signed digits of [`W`] bits,
//! `k = Σ dᵢ·2^(W·i)` with `dᵢ ∈ [−2^(W−1), 2^(W−1)]`, and the table holds
//! `[j·2^(W·i)]P` for `j = 1..=2^(W−1)`, so `[k]P` is at most [`DIGITS`] additions of table
//! entries (a negative digit subtracts) and no doubling. Only curve25519-dalek's public point
//! addition is used; the result is exact, whatever the point (tested against the crate's own
//! multiplication, small-order and mixed-order points included).
//!
//! Not for secrets: the time taken depends on the scalar.

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;

/// Bits per digit: 7 gives 37 additions from 2,368 multiples (370 KiB a point). Measured in
/// Node (docs/PERFORMANCE.md): 6 bits 19.4 µs a multiplication, 7 bits 17.2, 8 bits 15.4
/// (640 KiB a point); curve25519-dalek's constant-time table 33.
pub const W: usize = 7;
/// Digits of a scalar below 2^256 (the last takes the final carry).
pub const DIGITS: usize = 256 / W + 1;
const HALF: usize = 1 << (W - 1);

/// The multiples of one point that [`FixedBase::mul`] adds up.
#[derive(Clone)]
pub struct FixedBase {
    /// `[j·2^(W·i)]P` at index `i·HALF + j − 1`.
    multiples: Vec<EdwardsPoint>,
}

impl std::fmt::Debug for FixedBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FixedBase")
            .field("multiples", &self.multiples.len())
            .finish()
    }
}

impl FixedBase {
    /// The table of `point` (about 2,400 point additions: under a millisecond natively).
    pub fn new(point: &EdwardsPoint) -> Self {
        let mut multiples = Vec::with_capacity(DIGITS * HALF);
        let mut base = *point;
        for _ in 0..DIGITS {
            let mut m = base;
            multiples.push(m);
            for _ in 1..HALF {
                m += base;
                multiples.push(m);
            }
            // m is HALF·base; the next row starts at 2^W·base.
            base = m + m;
        }
        Self { multiples }
    }

    /// `[k]P` for the table's point P. Variable time: for public scalars only.
    pub fn mul(&self, k: &Scalar) -> EdwardsPoint {
        let mut sum = EdwardsPoint::identity();
        for (i, d) in signed_digits(k.as_bytes()).into_iter().enumerate() {
            let row = &self.multiples[i * HALF..(i + 1) * HALF];
            match d {
                1.. => sum += &row[d as usize - 1],
                ..=-1 => sum -= &row[d.unsigned_abs() as usize - 1],
                0 => {}
            }
        }
        sum
    }
}

/// `bytes` (a little-endian number below 2^256) as [`DIGITS`] digits in `[−2^(W−1), 2^(W−1)]`
/// with `Σ dᵢ·2^(W·i)` equal to it.
fn signed_digits(bytes: &[u8; 32]) -> [i16; DIGITS] {
    let mut digits = [0i16; DIGITS];
    let mut carry = 0i16;
    for (i, d) in digits.iter_mut().enumerate() {
        let bit = i * W;
        // The W bits at `bit`, read from the (at most three) bytes they span.
        let mut window = 0u32;
        for (n, byte) in bytes.iter().enumerate().skip(bit / 8).take(3) {
            window |= u32::from(*byte) << (8 * (n - bit / 8));
        }
        let v = ((window >> (bit % 8)) & ((1 << W) - 1)) as i16 + carry;
        carry = i16::from(v > HALF as i16);
        *d = v - (carry << W);
    }
    debug_assert_eq!(carry, 0, "a number below 2^256 needs no further digit");
    digits
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
    use curve25519_dalek::edwards::CompressedEdwardsY;

    /// Σ dᵢ·2^(W·i) as a Scalar: the digits give back the number (mod ℓ, as a point multiple
    /// sees it) and each is in range.
    fn recompose(digits: &[i16; DIGITS]) -> Scalar {
        let radix = Scalar::from(1u64 << W);
        let mut sum = Scalar::ZERO;
        for d in digits.iter().rev() {
            assert!((-(HALF as i16)..=HALF as i16).contains(d), "digit {d}");
            let m = Scalar::from(u64::from(d.unsigned_abs()));
            sum = sum * radix + if *d < 0 { -m } else { m };
        }
        sum
    }

    /// Scalars whose digits reach both ends of the range and every carry case.
    fn edge_scalars() -> Vec<[u8; 32]> {
        let l_minus_1 = (-Scalar::ONE).to_bytes();
        let mut top = [0u8; 32];
        top[31] = 0x10; // 2^252
        vec![
            [0; 32],
            Scalar::ONE.to_bytes(),
            l_minus_1,
            top,
            [0xff; 32],
            [0x80; 32],
            [0x7f; 32],
            [0x40; 32],
            [0xc0; 32],
            [0x55; 32],
            [0xaa; 32],
        ]
    }

    fn pseudo_random(seed: u64) -> [u8; 32] {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut out = [0u8; 32];
        for b in &mut out {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        out
    }

    #[test]
    fn digits_give_back_the_number() {
        for bytes in edge_scalars()
            .into_iter()
            .chain((0..200).map(pseudo_random))
        {
            assert_eq!(
                recompose(&signed_digits(&bytes)),
                Scalar::from_bytes_mod_order(bytes),
                "{bytes:02x?}"
            );
        }
    }

    /// The table's product equals curve25519-dalek's own multiplication, for the base point, an
    /// ordinary key, a point of order 8 and a point with a small-order part (a gate drops such
    /// issuer keys, but the arithmetic must not depend on it).
    #[test]
    fn products_equal_the_curve_crates() {
        let order8 = CompressedEdwardsY(crate::gate::signature::SMALL_ORDER[4])
            .decompress()
            .expect("a point");
        let key = ED25519_BASEPOINT_POINT * Scalar::from(0x1234_5678_9abc_u64);
        let points = [ED25519_BASEPOINT_POINT, key, order8, key + order8];
        for (n, p) in points.iter().enumerate() {
            let table = FixedBase::new(p);
            let scalars = edge_scalars().into_iter().chain((0..24).map(pseudo_random));
            for bytes in scalars {
                // Reduced, as every scalar a gate multiplies by is (s is checked canonical, k
                // is reduced from its hash).
                let k = Scalar::from_bytes_mod_order(bytes);
                assert_eq!(table.mul(&k), p * k, "point {n}, scalar {bytes:02x?}");
            }
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Any scalar, on a point with a small-order part (the general case of the arithmetic).
        #[test]
        fn any_scalar_gives_the_curve_crates_product(bytes in proptest::array::uniform32(0u8..)) {
            static TABLE: std::sync::OnceLock<(EdwardsPoint, FixedBase)> = std::sync::OnceLock::new();
            let (p, table) = TABLE.get_or_init(|| {
                let order8 = CompressedEdwardsY(crate::gate::signature::SMALL_ORDER[6])
                    .decompress()
                    .expect("a point");
                let p = ED25519_BASEPOINT_POINT * Scalar::from(0xfeed_u64) + order8;
                (p, FixedBase::new(&p))
            });
            let k = Scalar::from_bytes_mod_order(bytes);
            proptest::prop_assert_eq!(table.mul(&k), p * k);
        }
    }
}
