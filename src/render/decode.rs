//! The other direction: finding and reading QR codes in a greyscale picture (a gate's camera
//! frame). The decoder (`rqrr`) is pure Rust; the gate then verifies the text as if typed.

/// The texts of every QR code found in a greyscale image (`width * height` bytes, row-major,
/// 0 = black). Codes that are found but cannot be read are skipped.
pub fn decode_qr(luma: &[u8], width: usize, height: usize) -> Vec<String> {
    if width == 0 || height == 0 || luma.len() != width * height {
        return Vec::new();
    }
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::decode_qr;
    use crate::render::QrMatrix;

    /// Draws a matrix at `scale` pixels per module with a 4-module quiet zone.
    fn raster(m: &QrMatrix, scale: usize) -> (Vec<u8>, usize) {
        let side = (m.width + 8) * scale;
        let mut px = vec![255u8; side * side];
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
                if mx < m.width && my < m.width && m.is_dark(mx, my) {
                    px[y * side + x] = 0;
                }
            }
        }
        (px, side)
    }

    #[test]
    fn a_rendered_code_reads_back_as_the_same_text() {
        let text = "HNSSC1:TEST 123";
        let (px, side) = raster(&QrMatrix::encode(text).unwrap(), 4);
        assert_eq!(decode_qr(&px, side, side), vec![text.to_string()]);
    }

    #[test]
    fn wrong_sizes_and_blank_pictures_give_nothing() {
        assert!(decode_qr(&[255; 100], 10, 10).is_empty());
        assert!(decode_qr(&[0; 10], 10, 10).is_empty());
    }
}
