//! The gate's camera path on arbitrary pictures: the first two bytes give the width, the rest
//! are greyscale pixels (the height is what they fill). `decode_qr` (the fast locator, then
//! rqrr) must neither panic nor hang, and must give the same texts for the same picture.
#![no_main]

use ecard_core::render::decode::decode_qr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let width = usize::from(u16::from_le_bytes([data[0], data[1]])).clamp(1, 400);
    let pixels = &data[2..];
    let height = pixels.len() / width;
    let luma = &pixels[..width * height];
    let texts = decode_qr(luma, width, height);
    assert_eq!(
        decode_qr(luma, width, height),
        texts,
        "two readings of one picture"
    );
    for t in &texts {
        assert!(!t.is_empty() || texts.len() == 1);
    }
});
