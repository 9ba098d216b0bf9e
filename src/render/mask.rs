//! Choosing the QR mask fast. The `qrcode` crate tries the eight masks and scores each with
//! module-by-module loops (a boxed closure per position for the finder rule): 97% of a
//! rotation. Here each row is a `u64` bit set (symbols up to 61 modules wide, QR version 11),
//! columns are the transposed bit matrix, and the four penalty rules are counted with shifts,
//! masks and `count_ones`. The scores are exactly the `qrcode` crate's (its rules, including its
//! deviations from the standard's rounding), so the chosen mask and the matrix are the same as
//! `QrCode::with_error_correction_level(text, EcLevel::M)` gives; `tests` and the property test
//! in `tests/qr_matrix.rs` compare the two.

/// Widest symbol the bit-row path handles (version 11); wider ones use the crate's search.
pub const MAX_WIDTH: usize = 61;

/// Bit `x` of `MASK_ROWS[k][y % 12]`: whether mask pattern `k` inverts the module at column
/// `x`, row `y`. Every pattern repeats every 12 rows (the large checkerboard every 4, the rest
/// every 6) and is computed for 64 columns.
const MASK_ROWS: [[u64; 12]; 8] = mask_rows();

const fn mask_inverts(k: usize, x: u64, y: u64) -> bool {
    match k {
        0 => (x + y).is_multiple_of(2),
        1 => y.is_multiple_of(2),
        2 => x.is_multiple_of(3),
        3 => (x + y).is_multiple_of(3),
        4 => ((y / 2) + (x / 3)).is_multiple_of(2),
        5 => (x * y) % 2 + (x * y) % 3 == 0,
        6 => ((x * y) % 2 + (x * y) % 3).is_multiple_of(2),
        _ => ((x + y) % 2 + (x * y) % 3).is_multiple_of(2),
    }
}

const fn mask_rows() -> [[u64; 12]; 8] {
    let mut rows = [[0u64; 12]; 8];
    let mut k = 0;
    while k < 8 {
        let mut y = 0;
        while y < 12 {
            let mut x = 0;
            while x < 64 {
                if mask_inverts(k, x, y as u64) {
                    rows[k][y] |= 1 << x;
                }
                x += 1;
            }
            y += 1;
        }
        k += 1;
    }
    rows
}

/// The 15 format bits (error correction level M) for mask pattern `k`: BCH(15,5) with
/// generator 0x537, then XOR 0x5412 (ISO/IEC 18004 §7.9).
pub fn format_bits_m(k: usize) -> u16 {
    let data = k as u32; // level M is 00
    let mut rem = data << 10;
    for i in (10..15).rev() {
        if rem >> i & 1 == 1 {
            rem ^= 0x537 << (i - 10);
        }
    }
    (((data << 10) | rem) ^ 0x5412) as u16
}

/// A symbol before masking, as bit rows: the module colours and which modules are data (the
/// ones a mask inverts).
pub struct Unmasked {
    /// Modules per side (at most [`MAX_WIDTH`]).
    pub width: usize,
    /// Bit `x` of `dark[y]`: module (x, y) is dark.
    pub dark: Vec<u64>,
    /// Bit `x` of `data[y]`: module (x, y) holds data or error correction.
    pub data: Vec<u64>,
}

impl Unmasked {
    /// The symbol with mask pattern `k` applied and its format information drawn (as
    /// `qrcode::canvas::Canvas::apply_mask` does).
    pub fn masked(&self, k: usize) -> Vec<u64> {
        let w = self.width;
        let mut rows: Vec<u64> = (0..w)
            .map(|y| self.dark[y] ^ (MASK_ROWS[k][y % 12] & self.data[y]))
            .collect();
        let format = format_bits_m(k);
        let mut put = |x: usize, y: usize, on: bool| {
            if on {
                rows[y] |= 1 << x;
            } else {
                rows[y] &= !(1 << x);
            }
        };
        // Bit 14 (most significant) first, as the crate's FORMAT_INFO_COORDS_QR_MAIN / _SIDE.
        const MAIN: [(usize, usize); 15] = [
            (0, 8),
            (1, 8),
            (2, 8),
            (3, 8),
            (4, 8),
            (5, 8),
            (7, 8),
            (8, 8),
            (8, 7),
            (8, 5),
            (8, 4),
            (8, 3),
            (8, 2),
            (8, 1),
            (8, 0),
        ];
        for (i, &(x, y)) in MAIN.iter().enumerate() {
            let on = format >> (14 - i) & 1 == 1;
            put(x, y, on);
            // The second copy: down the column from the bottom, then along the row to the right.
            if i < 7 {
                put(8, w - 1 - i, on);
            } else {
                put(w - 15 + i, 8, on);
            }
        }
        put(8, w - 8, true); // the dark module
        rows
    }

    /// The mask pattern (0..8) with the lowest penalty; the first of equals, as the crate.
    pub fn best_mask(&self) -> (usize, Vec<u64>) {
        (0..8)
            .map(|k| {
                let rows = self.masked(k);
                (penalty(&rows, self.width), k, rows)
            })
            .min_by_key(|&(score, k, _)| (score, k))
            .map(|(_, k, rows)| (k, rows))
            .expect("eight masks")
    }
}

fn low_bits(n: usize) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// Rule 1: each run of 5 + n same-coloured modules in a line scores 3 + n.
fn runs_score(a: u64, w: usize) -> u32 {
    let same_as_next = !(a ^ (a >> 1)) & low_bits(w - 1);
    // Bit i: modules i..i+5 are one colour. A run of length L has L - 4 such windows.
    let win = same_as_next & (same_as_next >> 1) & (same_as_next >> 2) & (same_as_next >> 3);
    let runs = win & !(win << 1);
    win.count_ones() + 2 * runs.count_ones()
}

/// Rule 3 as the crate counts it: 40 for each `#.###.#` (dark first) with four light modules
/// (or the edge) before it or after it.
fn finder_score(a: u64, w: usize) -> u32 {
    let light = !a & low_bits(w);
    let pattern = a & (light >> 1) & (a >> 2) & (a >> 3) & (a >> 4) & (light >> 5) & (a >> 6);
    if pattern == 0 {
        return 0;
    }
    // Light modules with four light modules of margin on each side, offset by four bits.
    let ext = (u128::from(light) << 4) | 0xf | (!0u128 << (w + 4));
    let four = ext & (ext >> 1) & (ext >> 2) & (ext >> 3);
    // Bit j of `four`: modules j-4..=j-1 all light; of `four >> 11`: modules j+7..=j+10.
    let quiet_side = (four | (four >> 11)) as u64;
    40 * (pattern & quiet_side).count_ones()
}

/// Rule 2: 3 for each 2×2 block of one colour (overlapping blocks counted).
fn blocks_score(a: u64, b: u64, w: usize) -> u32 {
    let same_vertical = !(a ^ b);
    let block = same_vertical & (same_vertical >> 1) & !(a ^ (a >> 1)) & low_bits(w - 1);
    3 * block.count_ones()
}

/// Transposes a 64×64 bit matrix: bit x of row y becomes bit y of row x.
fn transpose(a: &mut [u64; 64]) {
    let mut j = 32;
    let mut m: u64 = 0x0000_0000_ffff_ffff;
    while j != 0 {
        let mut k = 0;
        while k < 64 {
            let t = ((a[k] >> j) ^ a[k + j]) & m;
            a[k + j] ^= t;
            a[k] ^= t << j;
            k = (k + j + 1) & !j;
        }
        j >>= 1;
        m ^= m << j;
    }
}

/// The crate's total penalty (`compute_total_penalty_scores`) of a masked symbol.
pub fn penalty(rows: &[u64], w: usize) -> i32 {
    let mut cols = [0u64; 64];
    cols[..w].copy_from_slice(rows);
    transpose(&mut cols);
    let mut runs = 0;
    let mut finders = 0;
    let mut dark = 0;
    for i in 0..w {
        runs += runs_score(rows[i], w) + runs_score(cols[i], w);
        finders += finder_score(rows[i], w) + finder_score(cols[i], w);
        dark += rows[i].count_ones() as usize;
    }
    let blocks: u32 = rows.windows(2).map(|p| blocks_score(p[0], p[1], w)).sum();
    let ratio = dark * 200 / (w * w);
    let balance = ratio.abs_diff(100) as i32;
    // The crate subtracts the three finder patterns' own 360 per direction.
    (runs + blocks + finders) as i32 - 720 + balance
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn format_bits_are_the_standard_table_for_level_m() {
        // ISO/IEC 18004 Table C.1, level M, masks 0..7.
        let table = [
            0x5412, 0x5125, 0x5e7c, 0x5b4b, 0x45f9, 0x40ce, 0x4f97, 0x4aa0,
        ];
        for (k, want) in table.iter().enumerate() {
            assert_eq!(format_bits_m(k), *want, "mask {k}");
        }
    }

    #[test]
    fn transpose_moves_every_bit() {
        let mut a = [0u64; 64];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for row in a.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *row = x;
        }
        let mut t = a;
        transpose(&mut t);
        for (y, row) in a.iter().enumerate() {
            for (x, column) in t.iter().enumerate() {
                assert_eq!(row >> x & 1, column >> y & 1);
            }
        }
    }

    /// The rules against plain module-by-module counting on small hand-made lines.
    #[test]
    fn line_rules_count_like_module_loops() {
        let slow_runs = |a: u64, w: usize| {
            let mut score = 0;
            let mut len = 1;
            for x in 1..=w {
                if x < w && (a >> x & 1) == (a >> (x - 1) & 1) {
                    len += 1;
                } else {
                    if len >= 5 {
                        score += len - 2;
                    }
                    len = 1;
                }
            }
            score
        };
        let slow_finder = |a: u64, w: usize| {
            let dark = |k: isize| k >= 0 && (k as usize) < w && a >> k & 1 == 1;
            let pat = [true, false, true, true, true, false, true];
            let mut score = 0;
            for j in 0..(w - 6) as isize {
                if (0..7).all(|i| dark(j + i) == pat[i as usize])
                    && (!(j - 4..j).any(dark) || !(j + 7..j + 11).any(dark))
                {
                    score += 40;
                }
            }
            score
        };
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for w in [21usize, 25, 45, 57, 61] {
            for _ in 0..2000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Sparse and dense lines both, to make long runs and finder look-alikes.
                let a = match x % 3 {
                    0 => x & (x >> 3),
                    1 => x | (x >> 5),
                    _ => x,
                } & low_bits(w);
                assert_eq!(runs_score(a, w), slow_runs(a, w), "runs {a:b} w={w}");
                assert_eq!(finder_score(a, w), slow_finder(a, w), "finder {a:b} w={w}");
            }
        }
        // A finder look-alike at the very start with light before (the edge) counts.
        assert_eq!(finder_score(0b1011101, 21), 40);
        // Dark modules within four on both sides: no penalty.
        assert_eq!(finder_score(0b1000_1011_1010_0011, 21), 0);
    }
}
