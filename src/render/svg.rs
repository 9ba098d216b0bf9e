//! SVG of a QR matrix: one white background and one black path whose sub-paths are the runs of
//! dark modules in each row. Short output, one DOM element to paint, and byte-for-byte stable.

use super::qr::QrMatrix;

/// Modules of white border the QR standard asks for around the symbol.
pub const QUIET_ZONE: usize = 4;

/// The SVG document for a matrix; it scales to its container (`viewBox` in modules).
pub fn to_svg(m: &QrMatrix) -> String {
    let size = m.width + 2 * QUIET_ZONE;
    let mut path = String::with_capacity(m.width * m.width);
    for y in 0..m.width {
        for (x, len) in m.dark_runs(y) {
            // "M{x},{y}h{len}v1h-{len}z", without the formatting machinery (a third of a
            // rotation when written with `write!`).
            path.push('M');
            push_number(&mut path, x + QUIET_ZONE);
            path.push(',');
            push_number(&mut path, y + QUIET_ZONE);
            path.push('h');
            push_number(&mut path, len);
            path.push_str("v1h-");
            push_number(&mut path, len);
            path.push('z');
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

/// Appends `n` in decimal.
fn push_number(out: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0usize, 7, 10, 57, 99, 100, 185, 12_345, usize::MAX] {
            let mut s = String::from("x");
            super::push_number(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }
}
