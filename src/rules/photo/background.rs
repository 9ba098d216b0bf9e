//! Is the background white? Judged from the decoded pixels in a band along the edges where
//! the standard photo shows only background:
//!
//! * the **top band**: the top of the hair is 7–21 px below the top edge, so the top 7 rows
//!   are background across the full width;
//! * the **side bands**: the face is 179–255 px wide in a 358 px photo, leaving at least
//!   51 px on each side at face height; 20 px columns on each side, over the upper half of the
//!   photo (below it the shoulders may reach the edges).
//!
//! A pixel is *near-white* when its darkest channel is at least 215 and its channels differ by
//! at most 30. JPEG compression and chroma subsampling move a flat white area by a few levels
//! and blur hair into the band's inner edge; 215 also tolerates the slight fall-off of light
//! towards the edges of a studio or phone photo, while a light-grey backdrop (≤ 210) fails.
//! The spread limit turns away the blue and red backgrounds used for other ID photos, which
//! are bright but coloured. At least 90 % of the band's pixels must be near-white, leaving
//! room for a few hairs or an ear in the side bands.

use serde::{Deserialize, Serialize};

/// Where and how whiteness is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackgroundRule {
    /// Rows at the top, full width (default 7).
    pub top_rows: u32,
    /// Columns on each side (default 20).
    pub side_columns: u32,
    /// How far down the side bands go, in percent of the height (default 50).
    pub side_height_percent: u32,
    /// A near-white pixel's darkest channel is at least this (default 215).
    pub min_channel: u8,
    /// A near-white pixel's channels differ by at most this (default 30).
    pub max_spread: u8,
    /// Percent of the band's pixels that must be near-white (default 90).
    pub min_white_percent: u32,
}

impl Default for BackgroundRule {
    fn default() -> Self {
        BackgroundRule {
            top_rows: 7,
            side_columns: 20,
            side_height_percent: 50,
            min_channel: 215,
            max_spread: 30,
            min_white_percent: 90,
        }
    }
}

impl BackgroundRule {
    /// Percent (0–100, rounded down) of the band's pixels that are near-white, for packed RGB
    /// pixels of a `width` × `height` image.
    pub fn white_percent(&self, rgb: &[u8], width: u32, height: u32) -> u32 {
        let (mut white, mut total) = (0u64, 0u64);
        let side_rows = height * self.side_height_percent.min(100) / 100;
        for y in 0..height {
            for x in 0..width {
                if self.in_band(x, y, width, side_rows) {
                    total += 1;
                    let i = ((y * width + x) * 3) as usize;
                    white += u64::from(rgb.get(i..i + 3).is_some_and(|p| self.near_white(p)));
                }
            }
        }
        if total == 0 {
            return 100;
        }
        (white * 100 / total) as u32
    }

    /// True when the band is white enough.
    pub fn is_white(&self, rgb: &[u8], width: u32, height: u32) -> bool {
        self.white_percent(rgb, width, height) >= self.min_white_percent
    }

    fn in_band(&self, x: u32, y: u32, width: u32, side_rows: u32) -> bool {
        let side = x < self.side_columns || x + self.side_columns >= width;
        y < self.top_rows || (y < side_rows && side)
    }

    fn near_white(&self, p: &[u8]) -> bool {
        let (lo, hi) = (p.iter().min(), p.iter().max());
        matches!((lo, hi), (Some(&lo), Some(&hi)) if lo >= self.min_channel && hi - lo <= self.max_spread)
    }
}
