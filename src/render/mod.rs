//! From code text to what a screen shows: the QR module matrix (`qr`), then an SVG (`svg`).

pub mod qr;
pub mod svg;

pub use qr::{QrError, QrMatrix};
