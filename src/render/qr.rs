//! The QR module matrix of a code, at error correction level M.

use qrcode::{Color, EcLevel, QrCode, Version};
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
        let qr = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|_| QrError::TooLong)?;
        let version = match qr.version() {
            Version::Normal(v) => v as u8,
            Version::Micro(v) => v as u8,
        };
        let dark = qr
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(QrMatrix {
            version,
            width: qr.width(),
            dark,
        })
    }

    /// Whether the module at column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
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
