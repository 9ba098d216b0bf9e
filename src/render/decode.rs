//! The other direction: finding and reading QR codes in a greyscale picture (a gate's camera
//! frame). The decoder (`rqrr`) is pure Rust; the gate then verifies the text as if typed.

/// The texts of the QR codes found in a greyscale image (`width * height` bytes, row-major,
/// 0 = black): the first code read, or nothing.
///
/// The locator (`super::locate`: block threshold, finder patterns, perspective from the
/// alignment pattern) reads the frame; when it reads nothing, it reads the picture again at
/// half resolution (2×2 pixels averaged), and again, while the picture is at least
/// [`MIN_SIDE`] pixels a side: averaging 2×2 pixels quiets sensor noise that breaks the finder
/// patterns' runs at full resolution. rqrr then reads the sampled grid (format, error
/// correction, data).
///
/// rqrr's own detector is not used: on some degenerate pictures it panics (an `assert!` in its
/// perspective mapping, upstream issue WanzenBug/rqrr#54, still in 0.11), and in wasm a panic
/// stops the gate. The `camera_frame` fuzz target found such a frame.
pub fn decode_qr(luma: &[u8], width: usize, height: usize) -> Vec<String> {
    if width == 0 || height == 0 || luma.len() != width * height {
        return Vec::new();
    }
    if let Some(text) = super::locate::read(luma, width, height) {
        return vec![text];
    }
    let (mut px, mut w, mut h) = (Vec::new(), width, height);
    while w >= 2 * MIN_SIDE && h >= 2 * MIN_SIDE {
        (px, w, h) = halve(if px.is_empty() { luma } else { &px }, w, h);
        if let Some(text) = super::locate::read(&px, w, h) {
            return vec![text];
        }
    }
    Vec::new()
}

/// Pictures are halved only while they stay at least this many pixels a side.
const MIN_SIDE: usize = 120;

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

    /// The code placed at (31, 21) in a light `w`×`h` picture at `scale` pixels a module.
    fn framed(m: &QrMatrix, scale: usize, w: usize, h: usize) -> Vec<u8> {
        let (code, side) = m.to_luma(scale);
        let mut px = vec![255u8; w * h];
        for y in 0..side {
            px[(y + 21) * w + 31..][..side].copy_from_slice(&code[y * side..][..side]);
        }
        px
    }

    /// A camera-sized frame with the code small or large, and a picture of a code shown large
    /// (a screenshot, up to 30 pixels a module).
    #[test]
    fn small_and_large_codes_read_back() {
        let text = "HNSSC1:".to_string() + &"0123456789ABCDEFGHIJ $%*+-./:".repeat(10)[..288];
        let m = QrMatrix::encode(&text).unwrap();
        for (scale, w, h) in [
            (3, 640, 480),
            (5, 640, 480),
            (7, 800, 600),
            (12, 1080, 1000),
            (20, 1400, 1500),
            (30, 2000, 2100),
        ] {
            let px = framed(&m, scale, w, h);
            assert_eq!(
                decode_qr(&px, w, h),
                vec![text.clone()],
                "{scale} px per module"
            );
        }
    }

    /// Sensor noise (each pixel off by up to ±`amp`) breaks the finder patterns' runs in the
    /// full picture; averaging 2×2 pixels (and again) quiets it, and the code reads.
    #[test]
    fn noisy_pictures_read_at_half_resolution() {
        let text = "HNSSC1:".to_string() + &"0123456789ABCDEFGHIJ $%*+-./:".repeat(10)[..288];
        let m = QrMatrix::encode(&text).unwrap();
        for (scale, w, h, amp) in [(5, 640, 480, 160), (20, 1400, 1500, 90)] {
            let mut px = framed(&m, scale, w, h);
            let mut s = 7u32;
            for p in px.iter_mut() {
                s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let off = (s >> 16) as i32 % (2 * amp + 1) - amp;
                *p = (i32::from(*p) + off).clamp(0, 255) as u8;
            }
            assert_eq!(crate::render::locate::read(&px, w, h), None, "{scale} px");
            assert_eq!(decode_qr(&px, w, h), vec![text.clone()], "{scale} px");
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
