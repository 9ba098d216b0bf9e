//! QR codes as raster images: rendering a matrix to PNG, and finding codes in a PNG or JPEG
//! (a photo or screenshot of a phone screen).

use std::io::Cursor;
use std::path::Path;

use ecard_core::render::decode::decode_qr;
use ecard_core::render::svg::QUIET_ZONE;
use ecard_core::render::QrMatrix;
use image::{GrayImage, ImageFormat, Luma};

use crate::error::{CliError, CliResult};
use crate::files;

/// Pixels per module: large enough for phone cameras to read reliably.
const MODULE_PX: u32 = 8;

/// PNG bytes of the matrix, greyscale, with the standard 4-module white quiet zone.
pub fn to_png(m: &QrMatrix) -> CliResult<Vec<u8>> {
    let quiet = QUIET_ZONE as u32;
    let width = m.width as u32;
    let side = (width + 2 * quiet) * MODULE_PX;
    let img = GrayImage::from_fn(side, side, |px, py| {
        let (x, y) = (px / MODULE_PX, py / MODULE_PX);
        let inside = (quiet..quiet + width).contains(&x) && (quiet..quiet + width).contains(&y);
        let dark = inside && m.is_dark((x - quiet) as usize, (y - quiet) as usize);
        Luma([if dark { 0 } else { 255 }])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .map_err(|e| CliError::new("IMAGE_WRITE_FAILED", format!("无法生成 PNG（{e}）")))?;
    Ok(out.into_inner())
}

/// The text of the QR code in the image (the first one read).
pub fn decode_file(path: &Path) -> CliResult<String> {
    let bytes = files::read(path, "图片文件")?;
    let img = image::load_from_memory(&bytes).map_err(|e| {
        CliError::new(
            "IMAGE_UNREADABLE",
            format!("无法读取图片 {}（{e}）", path.display()),
        )
    })?;
    // The gate's own camera path: rqrr's detector can panic on a degenerate picture (see
    // ecard_core::render::decode), which here would be a crash instead of NO_QR_FOUND.
    let luma = img.to_luma8();
    let (w, h) = (luma.width() as usize, luma.height() as usize);
    decode_qr(luma.as_raw(), w, h)
        .into_iter()
        .next()
        .ok_or_else(|| {
            CliError::new(
                "NO_QR_FOUND",
                format!("图片 {} 中未识别到二维码", path.display()),
            )
        })
}
