//! The card photo (社会保障卡制证用数字相片技术要求): a 24-bit colour JPEG of exactly
//! 358 × 441 pixels on a white background, whose file is about 14–40 KB (localities differ:
//! 9–20, 5–50, 16–60 KB, so the range is configuration; 1 KB = 1024 bytes here).
//!
//! Everything is judged from the file's bytes: the format from the magic bytes and the frame
//! header ([`jpeg`]), the size and colour depth from the frame header, and the background from
//! the decoded pixels ([`background`]). Pixels are decoded only when the frame header already
//! shows the required dimensions, so a hostile file claiming 60000 × 60000 pixels is refused
//! before any allocation, and the decoder is also capped at that many pixels' worth of memory.

pub mod background;
pub mod jpeg;

use serde::{Deserialize, Serialize};

use self::background::BackgroundRule;
use self::jpeg::{read_frame_header, FrameHeader, HeaderError};
use super::problem::{Explain, Problem, Problems};

/// Never decode more pixels than this, whatever the configuration says (4 megapixels, about
/// 12 MB of RGB).
pub const MAX_DECODE_PIXELS: u64 = 4_000_000;

/// What the photo must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PhotoRules {
    /// Width in pixels (default 358).
    pub width: u32,
    /// Height in pixels (default 441).
    pub height: u32,
    /// Smallest file size in bytes (default 14 × 1024).
    pub min_bytes: usize,
    /// Largest file size in bytes (default 40 × 1024).
    pub max_bytes: usize,
    /// The white-background test.
    pub background: BackgroundRule,
}

impl Default for PhotoRules {
    fn default() -> Self {
        PhotoRules {
            width: 358,
            height: 441,
            min_bytes: 14 * 1024,
            max_bytes: 40 * 1024,
            background: BackgroundRule::default(),
        }
    }
}

/// Why a photo is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PhotoError {
    /// No bytes at all.
    Empty,
    /// Not a JPEG file (whatever its name); the format it looks like, if recognised.
    NotJpeg(Option<&'static str>),
    /// A JPEG that is cut short or damaged.
    Corrupt,
    /// A rare JPEG process (lossless, hierarchical, arithmetic-coded) or sample precision.
    UnsupportedJpeg,
    /// Not 3 colour components (greyscale or CMYK), i.e. not 24-bit colour.
    NotColour {
        /// Components found.
        components: u8,
    },
    /// Wrong dimensions.
    Dimensions {
        /// Required width.
        want_width: u32,
        /// Required height.
        want_height: u32,
        /// Found width.
        width: u32,
        /// Found height.
        height: u32,
    },
    /// The file is smaller than the minimum.
    FileTooSmall {
        /// The file's size in bytes.
        bytes: usize,
        /// The configured range in bytes.
        range: (usize, usize),
    },
    /// The file is larger than the maximum.
    FileTooLarge {
        /// The file's size in bytes.
        bytes: usize,
        /// The configured range in bytes.
        range: (usize, usize),
    },
    /// The configured dimensions exceed [`MAX_DECODE_PIXELS`]; the pixels were not checked.
    TooManyPixels,
    /// The edge band is not white enough.
    BackgroundNotWhite {
        /// Percent of the band's pixels that are near-white.
        white_percent: u32,
    },
}

impl Explain for PhotoError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "PHOTO_EMPTY",
            Self::NotJpeg(_) => "PHOTO_NOT_JPEG",
            Self::Corrupt => "PHOTO_CORRUPT",
            Self::UnsupportedJpeg => "PHOTO_JPEG_UNSUPPORTED",
            Self::NotColour { .. } => "PHOTO_NOT_COLOUR",
            Self::Dimensions { .. } => "PHOTO_DIMENSIONS",
            Self::FileTooSmall { .. } => "PHOTO_FILE_TOO_SMALL",
            Self::FileTooLarge { .. } => "PHOTO_FILE_TOO_LARGE",
            Self::TooManyPixels => "PHOTO_TOO_MANY_PIXELS",
            Self::BackgroundNotWhite { .. } => "PHOTO_BACKGROUND_NOT_WHITE",
        }
    }

    fn message_zh(&self) -> String {
        match *self {
            Self::Empty => "照片文件为空，请重新选择".into(),
            Self::NotJpeg(Some(format)) => {
                format!("照片应为 JPEG 格式，此文件是 {format} 格式（改文件名无效，请另存为 JPEG）")
            }
            Self::NotJpeg(None) => "照片应为 JPEG 格式，此文件不是图片或格式无法识别".into(),
            Self::Corrupt => "照片文件已损坏或不完整，请重新保存后上传".into(),
            Self::UnsupportedJpeg => "照片的 JPEG 编码方式不常见，请用常规方式另存为 JPEG".into(),
            Self::NotColour { components: 1 } => "照片应为 24 位彩色，此照片是黑白（灰度）的".into(),
            Self::NotColour { .. } => "照片应为 24 位 RGB 彩色（此照片为 CMYK 等印刷色彩模式）".into(),
            Self::Dimensions {
                want_width,
                want_height,
                width,
                height,
            } => format!(
                "照片尺寸应为 {want_width}×{want_height} 像素（宽×高），当前为 {width}×{height} 像素"
            ),
            Self::FileTooSmall { bytes, range } => format!(
                "照片文件应为 {}，当前为 {}，压缩过度会使照片模糊",
                kb_range(range),
                kb(bytes)
            ),
            Self::FileTooLarge { bytes, range } => {
                format!("照片文件应为 {}，当前为 {}", kb_range(range), kb(bytes))
            }
            Self::TooManyPixels => "照片像素过多，无法检查".into(),
            Self::BackgroundNotWhite { white_percent } => format!(
                "照片背景应为白色：边缘区域只有 {white_percent}% 接近白色，请在白色背景前重新拍摄"
            ),
        }
    }
}

/// `bytes` in KB with one decimal, rounded down (integer arithmetic: float formatting would add
/// about 15 KB to the wasm build).
fn kb(bytes: usize) -> String {
    let tenths = bytes * 10 / 1024;
    format!("{}.{} KB", tenths / 10, tenths % 10)
}

fn kb_range((lo, hi): (usize, usize)) -> String {
    format!("{}–{} KB", lo / 1024, hi / 1024)
}

/// What was learned about a photo, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoReport {
    /// Width from the frame header, if one was found.
    pub width: Option<u32>,
    /// Height from the frame header, if one was found.
    pub height: Option<u32>,
    /// File size in bytes.
    pub bytes: usize,
    /// Percent of the edge band that is near-white, if the pixels were checked.
    pub white_percent: Option<u32>,
    /// Every problem found (empty: the photo is acceptable). Their field is empty.
    pub problems: Vec<Problem>,
}

impl PhotoReport {
    /// True when the photo is acceptable.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks a photo file's bytes.
pub fn check(bytes: &[u8], rules: &PhotoRules) -> PhotoReport {
    let mut report = PhotoReport {
        width: None,
        height: None,
        bytes: bytes.len(),
        white_percent: None,
        problems: Vec::new(),
    };
    let mut problems = Problems::default();
    if bytes.is_empty() {
        problems.add("", &PhotoError::Empty);
        report.problems = problems.into_vec();
        return report;
    }
    match read_frame_header(bytes) {
        Err(HeaderError::NotJpeg(format)) => problems.add("", &PhotoError::NotJpeg(format)),
        Err(HeaderError::Malformed) => problems.add("", &PhotoError::Corrupt),
        Ok(header) => {
            report.width = Some(u32::from(header.width));
            report.height = Some(u32::from(header.height));
            check_file_size(&mut problems, bytes.len(), rules);
            report.white_percent = check_frame(&mut problems, bytes, &header, rules);
        }
    }
    report.problems = problems.into_vec();
    report
}

fn check_file_size(problems: &mut Problems, bytes: usize, rules: &PhotoRules) {
    let range = (rules.min_bytes, rules.max_bytes);
    if bytes < rules.min_bytes {
        problems.add("", &PhotoError::FileTooSmall { bytes, range });
    } else if bytes > rules.max_bytes {
        problems.add("", &PhotoError::FileTooLarge { bytes, range });
    }
}

/// Checks what the frame header tells, then the pixels when the header allows decoding.
fn check_frame(
    problems: &mut Problems,
    bytes: &[u8],
    header: &FrameHeader,
    rules: &PhotoRules,
) -> Option<u32> {
    let before = problems.len();
    if !header.common_process() || header.precision != 8 {
        problems.add("", &PhotoError::UnsupportedJpeg);
    } else if header.components != 3 {
        problems.add(
            "",
            &PhotoError::NotColour {
                components: header.components,
            },
        );
    }
    let (width, height) = (u32::from(header.width), u32::from(header.height));
    if (width, height) != (rules.width, rules.height) {
        problems.add(
            "",
            &PhotoError::Dimensions {
                want_width: rules.width,
                want_height: rules.height,
                width,
                height,
            },
        );
    }
    if problems.len() != before {
        return None;
    }
    if u64::from(width) * u64::from(height) > MAX_DECODE_PIXELS {
        problems.add("", &PhotoError::TooManyPixels);
        return None;
    }
    let Some(rgb) = decode_rgb(bytes, width, height) else {
        problems.add("", &PhotoError::Corrupt);
        return None;
    };
    let white = rules.background.white_percent(&rgb, width, height);
    if white < rules.background.min_white_percent {
        problems.add(
            "",
            &PhotoError::BackgroundNotWhite {
                white_percent: white,
            },
        );
    }
    Some(white)
}

/// Decodes to packed RGB, refusing anything that is not exactly `width` × `height` × 3.
fn decode_rgb(bytes: &[u8], width: u32, height: u32) -> Option<Vec<u8>> {
    let expected = width as usize * height as usize * 3;
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(expected);
    let pixels = decoder.decode().ok()?;
    let info = decoder.info()?;
    let rgb = info.pixel_format == jpeg_decoder::PixelFormat::RGB24;
    (rgb && pixels.len() == expected).then_some(pixels)
}
