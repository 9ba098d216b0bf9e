//! The other direction: finding and reading QR codes in a greyscale picture (a gate's camera
//! frame). The decoder (`rqrr`) is pure Rust; the gate then verifies the text as if typed.

/// The texts of every QR code found in a greyscale image (`width * height` bytes, row-major,
/// 0 = black). Codes that are found but cannot be read are skipped.
///
/// The fast path (`super::locate`: block threshold, finder patterns, perspective from the
/// alignment pattern) reads a phone held to the gate in a few milliseconds and returns the first
/// code it reads. When it reads nothing, rqrr's own detector searches the picture, first at half
/// resolution (2×2 pixels averaged: a quarter of the pixels for its thresholding and finder
/// search), then, when nothing is read there, at full resolution (small or distant codes).
pub fn decode_qr(luma: &[u8], width: usize, height: usize) -> Vec<String> {
    if width == 0 || height == 0 || luma.len() != width * height {
        return Vec::new();
    }
    if let Some(text) = super::locate::read(luma, width, height) {
        return vec![text];
    }
    if width >= 2 * MIN_SIDE && height >= 2 * MIN_SIDE {
        let (half, hw, hh) = halve(luma, width, height);
        let texts = decode_at(&half, hw, hh);
        if !texts.is_empty() {
            return texts;
        }
    }
    decode_at(luma, width, height)
}

/// Pictures smaller than this (pixels per side) are not halved.
const MIN_SIDE: usize = 120;

fn decode_at(luma: &[u8], width: usize, height: usize) -> Vec<String> {
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

/// The picture at half width and height, each pixel the mean of a 2×2 block.
fn halve(luma: &[u8], width: usize, height: usize) -> (Vec<u8>, usize, usize) {
    let (hw, hh) = (width / 2, height / 2);
    let mut out = Vec::with_capacity(hw * hh);
    for y in 0..hh {
        let top = &luma[2 * y * width..][..2 * hw];
        let bottom = &luma[(2 * y + 1) * width..][..2 * hw];
        for (t, b) in top.chunks_exact(2).zip(bottom.chunks_exact(2)) {
            let sum = u16::from(t[0]) + u16::from(t[1]) + u16::from(b[0]) + u16::from(b[1]);
            out.push((sum / 4) as u8);
        }
    }
    (out, hw, hh)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::decode_qr;
    use crate::render::QrMatrix;

    #[test]
    fn a_rendered_code_reads_back_as_the_same_text() {
        let text = "HNSSC1:TEST 123";
        let (px, side) = QrMatrix::encode(text).unwrap().to_luma(4);
        assert_eq!(decode_qr(&px, side, side), vec![text.to_string()]);
    }

    /// Codes at 5 pixels per module are read from the halved picture, codes at 3 only from the
    /// full one: both paths read.
    #[test]
    fn large_and_small_codes_in_a_camera_sized_frame_read_back() {
        let text = "HNSSC1:".to_string() + &"0123456789ABCDEFGHIJ $%*+-./:".repeat(10)[..288];
        let m = QrMatrix::encode(&text).unwrap();
        for scale in [3, 5] {
            let (code, side) = m.to_luma(scale);
            let (w, h) = (640, 480);
            let mut px = vec![255u8; w * h];
            for y in 0..side {
                px[(y + 21) * w + 31..][..side].copy_from_slice(&code[y * side..][..side]);
            }
            assert_eq!(
                decode_qr(&px, w, h),
                vec![text.clone()],
                "{scale} px per module"
            );
            let (half, hw, hh) = super::halve(&px, w, h);
            assert_eq!(
                super::decode_at(&half, hw, hh).len(),
                usize::from(scale == 5)
            );
        }
    }

    #[test]
    fn halving_averages_blocks() {
        let px = [0, 4, 8, 8, 100, 100, 0, 0, 2, 2, 255, 255];
        assert_eq!(super::halve(&px, 6, 2), (vec![1, 5, 177], 3, 1));
    }

    #[test]
    fn wrong_sizes_and_blank_pictures_give_nothing() {
        assert!(decode_qr(&[255; 100], 10, 10).is_empty());
        assert!(decode_qr(&[0; 10], 10, 10).is_empty());
    }
}
