//! SVG of a QR matrix: one white background and one black path whose sub-paths are the runs of
//! dark modules in each row. Short output, one DOM element to paint, and byte-for-byte stable.

use std::fmt::Write;

use super::qr::QrMatrix;

/// Modules of white border the QR standard asks for around the symbol.
pub const QUIET_ZONE: usize = 4;

/// The SVG document for a matrix; it scales to its container (`viewBox` in modules).
pub fn to_svg(m: &QrMatrix) -> String {
    let size = m.width + 2 * QUIET_ZONE;
    let mut path = String::with_capacity(m.width * m.width);
    for y in 0..m.width {
        for (x, len) in m.dark_runs(y) {
            let _ = write!(
                path,
                "M{},{}h{}v1h-{}z",
                x + QUIET_ZONE,
                y + QUIET_ZONE,
                len,
                len
            );
        }
    }
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {s} {s}" "#,
            r#"shape-rendering="crispEdges" role="img" aria-label="电子社保卡二维码">"#,
            r##"<rect width="{s}" height="{s}" fill="#fff"/><path fill="#000" d="{p}"/></svg>"##,
            "\n"
        ),
        s = size,
        p = path
    )
}
