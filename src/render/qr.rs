//! The QR module matrix of a code, at error correction level M.
//!
//! The `qrcode` crate segments the text, adds error correction and places the modules; the mask
//! is chosen by [`super::mask`] (bit rows instead of the crate's module loops, same scores, same
//! choice) for every symbol up to version 11, and by the crate above that.

use qrcode::canvas::{Canvas, Module};
use qrcode::{Color, EcLevel, Version};

use super::mask::{self, Unmasked};
use serde::Serialize;

/// Why text could not be put in a QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QrError {
    /// Too much data for the largest QR version at level M.
    TooLong,
}

impl std::fmt::Display for QrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("二维码内容过长")
    }
}

impl std::error::Error for QrError {}

/// A square of dark and light modules, row by row, without the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QrMatrix {
    /// QR version (1..=40).
    pub version: u8,
    /// Modules per side.
    pub width: usize,
    /// `width * width` entries, `true` for dark, row-major.
    pub dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes text at error correction M in the smallest version that holds it. Text of only
    /// QR alphanumeric characters (as every code's is) is written in alphanumeric mode.
    pub fn encode(text: &str) -> Result<Self, QrError> {
        let bits =
            qrcode::bits::encode_auto(text.as_bytes(), EcLevel::M).map_err(|_| QrError::TooLong)?;
        let version = bits.version();
        let (data, ec) = qrcode::ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M)
            .map_err(|_| QrError::TooLong)?;
        let mut canvas = Canvas::new(version, EcLevel::M);
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&data, &ec);
        let width = version.width() as usize;
        let dark = if width <= mask::MAX_WIDTH {
            let (_, rows) = unmasked(&canvas, width).best_mask();
            // Row by row with an exact length each (a `flat_map` collect grows the vector
            // module by module).
            let mut dark = Vec::with_capacity(width * width);
            for row in &rows {
                dark.extend((0..width).map(|x| row >> x & 1 == 1));
            }
            dark
        } else {
            canvas
                .apply_best_mask()
                .into_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect()
        };
        let version = match version {
            Version::Normal(v) | Version::Micro(v) => v as u8,
        };
        Ok(QrMatrix {
            version,
            width,
            dark,
        })
    }

    /// Whether the module at column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// A greyscale picture of the code at `scale` pixels per module with the quiet zone
    /// ([`super::svg::QUIET_ZONE`] modules), 0 for dark and 255 for light, row-major: the
    /// pixels and the side length. For tests and benchmarks of the camera path.
    pub fn to_luma(&self, scale: usize) -> (Vec<u8>, usize) {
        let quiet = super::svg::QUIET_ZONE;
        let side = (self.width + 2 * quiet) * scale;
        let mut px = vec![255u8; side * side];
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = (
                    (x / scale).wrapping_sub(quiet),
                    (y / scale).wrapping_sub(quiet),
                );
                if mx < self.width && my < self.width && self.is_dark(mx, my) {
                    px[y * side + x] = 0;
                }
            }
        }
        (px, side)
    }

    /// Runs of dark modules in row `y`, as (start column, length).
    pub fn dark_runs(&self, y: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let row = &self.dark[y * self.width..(y + 1) * self.width];
        let mut x = 0;
        std::iter::from_fn(move || {
            while x < row.len() && !row[x] {
                x += 1;
            }
            if x == row.len() {
                return None;
            }
            let start = x;
            while x < row.len() && row[x] {
                x += 1;
            }
            Some((start, x - start))
        })
    }
}

/// The canvas's modules as bit rows: colours, and which are data (not yet masked).
fn unmasked(canvas: &Canvas, width: usize) -> Unmasked {
    let mut dark = vec![0u64; width];
    let mut data = vec![0u64; width];
    for y in 0..width {
        for x in 0..width {
            let m = canvas.get(x as i16, y as i16);
            if Color::from(m) == Color::Dark {
                dark[y] |= 1 << x;
            }
            if !matches!(m, Module::Masked(_)) {
                data[y] |= 1 << x;
            }
        }
    }
    Unmasked { width, dark, data }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use qrcode::canvas::MaskPattern;

    use super::*;

    const PATTERNS: [MaskPattern; 8] = [
        MaskPattern::Checkerboard,
        MaskPattern::HorizontalLines,
        MaskPattern::VerticalLines,
        MaskPattern::DiagonalLines,
        MaskPattern::LargeCheckerboard,
        MaskPattern::Fields,
        MaskPattern::Diamonds,
        MaskPattern::Meadow,
    ];

    /// Every mask, drawn from bit rows, is module for module the crate's `apply_mask`.
    #[test]
    fn each_masked_symbol_is_the_crates() {
        for text in [
            "HNSSC1:TEST 123",
            "A",
            &"HNSSC1:0123456789ABCDEF".repeat(13),
        ] {
            let bits = qrcode::bits::encode_auto(text.as_bytes(), EcLevel::M).unwrap();
            let version = bits.version();
            let (data, ec) =
                qrcode::ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).unwrap();
            let mut canvas = Canvas::new(version, EcLevel::M);
            canvas.draw_all_functional_patterns();
            canvas.draw_data(&data, &ec);
            let width = version.width() as usize;
            let u = unmasked(&canvas, width);
            for (k, pattern) in PATTERNS.iter().enumerate() {
                let rows = u.masked(k);
                let mut c = canvas.clone();
                c.apply_mask(*pattern);
                let colors = c.into_colors();
                for y in 0..width {
                    for x in 0..width {
                        assert_eq!(
                            rows[y] >> x & 1 == 1,
                            colors[y * width + x] == Color::Dark,
                            "{text:?} mask {k} at ({x}, {y})"
                        );
                    }
                }
            }
        }
    }
}
