//! Reads a JPEG file's frame header (the SOF marker segment) from the bytes themselves, without
//! decoding any pixels: the format is judged by content, never by the file name, and the
//! dimensions are known before anything is allocated.

/// The frame header of a JPEG file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The SOF marker's low byte: 0 baseline, 1 extended sequential, 2 progressive, others
    /// lossless, hierarchical or arithmetic-coded.
    pub process: u8,
    /// Bits per sample (8 for ordinary photos).
    pub precision: u8,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Number of colour components (3 for YCbCr colour, 1 for greyscale, 4 for CMYK).
    pub components: u8,
}

impl FrameHeader {
    /// True for the Huffman-coded baseline, extended and progressive processes that every
    /// camera and image library writes.
    pub fn common_process(&self) -> bool {
        self.process <= 2
    }
}

/// Why no frame header was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderError {
    /// The file does not start with a JPEG start-of-image marker; the format it looks like,
    /// if recognised.
    NotJpeg(Option<&'static str>),
    /// A JPEG whose marker segments are cut short or malformed, or that has no frame.
    Malformed,
}

/// Finds the frame header.
pub fn read_frame_header(bytes: &[u8]) -> Result<FrameHeader, HeaderError> {
    if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(HeaderError::NotJpeg(sniff(bytes)));
    }
    let mut pos = 2;
    loop {
        let marker = next_marker(bytes, &mut pos)?;
        match marker {
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return Err(HeaderError::Malformed),
            _ => {}
        }
        let length = usize::from(read_u16(bytes, pos)?);
        if length < 2 || pos + length > bytes.len() {
            return Err(HeaderError::Malformed);
        }
        if is_sof(marker) {
            return parse_sof(marker, &bytes[pos + 2..pos + length]);
        }
        pos += length;
    }
}

/// Moves `pos` past the next marker (skipping fill bytes) and returns its code.
fn next_marker(bytes: &[u8], pos: &mut usize) -> Result<u8, HeaderError> {
    if bytes.get(*pos) != Some(&0xFF) {
        return Err(HeaderError::Malformed);
    }
    while bytes.get(*pos) == Some(&0xFF) {
        *pos += 1;
    }
    let marker = *bytes.get(*pos).ok_or(HeaderError::Malformed)?;
    *pos += 1;
    Ok(marker)
}

fn is_sof(marker: u8) -> bool {
    (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

fn parse_sof(marker: u8, body: &[u8]) -> Result<FrameHeader, HeaderError> {
    if body.len() < 6 {
        return Err(HeaderError::Malformed);
    }
    Ok(FrameHeader {
        process: marker - 0xC0,
        precision: body[0],
        height: u16::from_be_bytes([body[1], body[2]]),
        width: u16::from_be_bytes([body[3], body[4]]),
        components: body[5],
    })
}

fn read_u16(bytes: &[u8], pos: usize) -> Result<u16, HeaderError> {
    match bytes.get(pos..pos + 2) {
        Some(b) => Ok(u16::from_be_bytes([b[0], b[1]])),
        None => Err(HeaderError::Malformed),
    }
}

/// Names common image and document formats by their magic bytes.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"\x89PNG\r\n\x1a\n") {
        Some("PNG")
    } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
        Some("GIF")
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        Some("WebP")
    } else if at(0, b"BM") {
        Some("BMP")
    } else if at(4, b"ftypheic") || at(4, b"ftypheix") || at(4, b"ftypmif1") {
        Some("HEIC")
    } else if at(0, b"%PDF") {
        Some("PDF")
    } else if at(0, b"II*\0") || at(0, b"MM\0*") {
        Some("TIFF")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// SOI, an APP0 segment, then a baseline SOF0 for 441 rows × 358 columns, 3 components.
    const HEADER: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB, 0xFF, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01,
        0xB9, 0x01, 0x66, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
    ];

    #[test]
    fn the_frame_header_is_found_behind_other_segments_and_fill_bytes() {
        let h = read_frame_header(HEADER).unwrap();
        assert_eq!(
            (h.width, h.height, h.components, h.precision),
            (358, 441, 3, 8)
        );
        assert!(h.common_process());
    }

    #[test]
    fn other_formats_are_named_and_cut_files_are_malformed() {
        assert_eq!(
            read_frame_header(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Err(HeaderError::NotJpeg(Some("PNG")))
        );
        assert_eq!(read_frame_header(b""), Err(HeaderError::NotJpeg(None)));
        for cut in 3..HEADER.len() {
            let r = read_frame_header(&HEADER[..cut]);
            assert_eq!(r, Err(HeaderError::Malformed), "cut at {cut}");
        }
    }
}
