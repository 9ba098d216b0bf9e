//! From code text to what a screen shows: the QR module matrix (`qr`), then an SVG (`svg`);
//! and back, from a camera picture to the text (`decode`).

#[cfg(feature = "decoder")]
pub mod decode;
#[cfg(feature = "decoder")]
mod locate;
mod mask;
pub mod qr;
pub mod svg;

pub use qr::{QrError, QrMatrix};
