//! The QR matrix with the bit-row mask search (`src/render/mask.rs`) against the `qrcode`
//! crate's own search, over many random payloads: same version, same modules (so the same mask
//! choice), and every matrix reads back with a standard decoder (rqrr) as the same text.
//! Native only (proptest).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use ecard_core::render::decode::decode_qr;
use ecard_core::render::QrMatrix;
use proptest::prelude::*;
use qrcode::{Color, EcLevel, QrCode, Version};

/// The crate's matrix for `text`, the way `QrMatrix::encode` used to make it.
fn reference(text: &str) -> (u8, Vec<bool>) {
    let qr = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
    let version = match qr.version() {
        Version::Normal(v) | Version::Micro(v) => v as u8,
    };
    let dark = qr
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    (version, dark)
}

fn check(text: &str, decode: bool) -> Result<(), TestCaseError> {
    let m = QrMatrix::encode(text).unwrap();
    let (version, dark) = reference(text);
    prop_assert_eq!(m.version, version);
    prop_assert_eq!(m.width, 17 + 4 * version as usize);
    prop_assert!(
        m.dark == dark,
        "modules differ from the qrcode crate for {:?}",
        text
    );
    if decode {
        let (px, side) = m.to_luma(3);
        prop_assert_eq!(decode_qr(&px, side, side), vec![text.to_string()]);
    }
    Ok(())
}

fn code_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u8>(), 1..=230)
        .prop_map(|bytes| format!("HNSSC1:{}", common::base45_encode(&bytes)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Texts like the codes (alphanumeric mode), versions 1 to 14 at level M.
    #[test]
    fn code_like_texts_match_the_crate_and_decode(text in code_like()) {
        check(&text, true)?;
    }

    /// Any ASCII text (byte, numeric and mixed segments).
    #[test]
    fn ascii_texts_match_the_crate_and_decode(text in "[ -~]{1,200}") {
        check(&text, true)?;
    }

    /// Digits only (numeric mode), and any Unicode (byte mode, multi-byte characters).
    #[test]
    fn numeric_and_unicode_texts_match_the_crate(
        digits in "[0-9]{1,600}",
        text in "\\PC{1,120}",
    ) {
        check(&digits, false)?;
        check(&text, false)?;
    }
}

/// The matrix drawn as a browser draws the e-card's SVG (`crispEdges`: each pixel takes the
/// module under its centre) at `scale` pixels a module, with the quiet zone and a margin:
/// a screenshot of the page, as a gate reads it from an image.
fn screenshot(m: &QrMatrix, scale: f64) -> (Vec<u8>, usize) {
    let side = ((m.width + 8) as f64 * scale).round() as usize;
    let w = side + 20;
    let mut px = vec![255u8; w * w];
    for y in 0..side {
        for x in 0..side {
            let module = |p: usize| (((p as f64 + 0.5) / scale) as usize).wrapping_sub(4);
            let (mx, my) = (module(x), module(y));
            if mx < m.width && my < m.width && m.is_dark(mx, my) {
                px[(y + 10) * w + x + 10] = 0;
            }
        }
    }
    (px, w)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every code reads from a screenshot at any scale a page gives it, whole or fractional
    /// pixels a module (modules then alternate between two widths): the gate's locator alone,
    /// with no other detector behind it.
    #[test]
    fn codes_read_from_screenshots_at_any_scale(text in code_like(), scale in 2.6f64..8.0) {
        let m = QrMatrix::encode(&text).unwrap();
        let (px, w) = screenshot(&m, scale);
        prop_assert_eq!(decode_qr(&px, w, w), vec![text.clone()], "{} px a module", scale);
    }
}

/// The typical code: version and size as the README says, and it decodes.
#[test]
fn the_golden_code_is_version_10_and_decodes() {
    let text = common::golden_code().to_text();
    assert_eq!(text.len(), 295);
    let m = QrMatrix::encode(&text).unwrap();
    assert_eq!((m.version, m.width), (10, 57));
    let (px, side) = m.to_luma(3);
    assert_eq!(decode_qr(&px, side, side), vec![text.clone()]);
    assert_eq!(m.dark, reference(&text).1);
}
