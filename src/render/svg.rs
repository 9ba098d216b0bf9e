//! SVG of a QR matrix: one white background and one black path that strokes the runs of dark
//! modules in each row (a 1-module-wide line through the row's middle). Short output (about
//! 5 KB for a version 10 code), one DOM element to paint, and byte-for-byte stable.

use super::qr::QrMatrix;

/// Modules of white border the QR standard asks for around the symbol.
pub const QUIET_ZONE: usize = 4;

/// The SVG document for a matrix; it scales to its container (`viewBox` in modules). All
/// ASCII: the label 电子社保卡二维码 is written as character references, so the page gets it
/// as a one-byte string (faster to pass from wasm and to parse).
///
/// Each row with dark modules starts with an absolute move to its first run's left edge,
/// half a module down (`M4 4.5`), then alternates `h{run}` and a relative move over the light
/// gap (`m{gap} 0`). A stroke of width 1 with butt ends covers exactly the run's modules.
pub fn to_svg(m: &QrMatrix) -> String {
    let size = m.width + 2 * QUIET_ZONE;
    let mut out = String::with_capacity(400 + m.width * m.width * 2);
    out.push_str(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 "#);
    push_number(&mut out, size);
    out.push(' ');
    push_number(&mut out, size);
    out.push_str(
        r#"" shape-rendering="crispEdges" role="img" aria-label="&#30005;&#23376;&#31038;&#20445;&#21345;&#20108;&#32500;&#30721;"><rect width=""#,
    );
    push_number(&mut out, size);
    out.push_str(r#"" height=""#);
    push_number(&mut out, size);
    out.push_str(r##"" fill="#fff"/><path stroke="#000" d=""##);
    // Each row is written into a buffer on the stack (its length stays in a register), then
    // appended at once: pushing byte by byte onto the `String` made this a third of a rotation
    // in wasm. A row holds at most 89 runs of at most 11 bytes each, and its move 13 bytes.
    let mut row = [0u8; 1024];
    for y in 0..m.width {
        let mut n = 0;
        let mut end = None;
        for (x, len) in m.dark_runs(y) {
            match end {
                None => {
                    row[n] = b'M';
                    n = put_number(&mut row, n + 1, x + QUIET_ZONE);
                    row[n] = b' ';
                    n = put_number(&mut row, n + 1, y + QUIET_ZONE);
                    row[n..n + 2].copy_from_slice(b".5");
                    n += 2;
                }
                Some(e) => {
                    row[n] = b'm';
                    n = put_number(&mut row, n + 1, x - e);
                    row[n..n + 2].copy_from_slice(b" 0");
                    n += 2;
                }
            }
            row[n] = b'h';
            n = put_number(&mut row, n + 1, len);
            end = Some(x + len);
        }
        // Only ASCII digits and letters were written.
        out.push_str(std::str::from_utf8(&row[..n]).unwrap_or_default());
    }
    out.push_str("\"/></svg>\n");
    out
}

/// Writes `n` (below 1,000: a module count) in decimal at `at`; returns the index after it.
fn put_number(buf: &mut [u8; 1024], at: usize, n: usize) -> usize {
    debug_assert!(n < 1000);
    let digit = |d: usize| b'0' + (d % 10) as u8;
    if n < 10 {
        buf[at] = digit(n);
        at + 1
    } else if n < 100 {
        buf[at] = digit(n / 10);
        buf[at + 1] = digit(n);
        at + 2
    } else {
        buf[at] = digit(n / 100);
        buf[at + 1] = digit(n / 10);
        buf[at + 2] = digit(n);
        at + 3
    }
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

    use crate::render::QrMatrix;

    /// The modules the path's strokes cover, read back from its `M x y.5`, `m dx 0` and
    /// `h len` commands, as a browser would paint them.
    fn painted(svg: &str, size: usize) -> Vec<bool> {
        let d = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let mut out = vec![false; size * size];
        let (mut x, mut y) = (0.0f64, 0.0f64);
        let mut rest = d;
        while let Some(cmd) = rest.chars().next() {
            let body = &rest[1..];
            let end = body.find(['M', 'm', 'h']).unwrap_or(body.len());
            let nums: Vec<f64> = body[..end].split(' ').map(|n| n.parse().unwrap()).collect();
            match (cmd, nums.as_slice()) {
                ('M', [nx, ny]) => (x, y) = (*nx, *ny),
                ('m', [dx, dy]) => (x, y) = (x + dx, y + dy),
                ('h', [len]) => {
                    assert_eq!(y.fract(), 0.5, "a stroke through a row's middle");
                    for c in x as usize..(x + len) as usize {
                        let i = y as usize * size + c;
                        assert!(!out[i], "module ({c}, {y}) painted twice");
                        out[i] = true;
                    }
                    x += len;
                }
                other => panic!("unexpected path command {other:?}"),
            }
            rest = &body[end..];
        }
        out
    }

    #[test]
    fn the_path_paints_exactly_the_dark_modules() {
        for text in ["HNSSC1:ABC", &"HNSSC1:0123456789ABCDEFGHIJ".repeat(12)] {
            let m = QrMatrix::encode(text).unwrap();
            let svg = super::to_svg(&m);
            let size = m.width + 2 * super::QUIET_ZONE;
            assert!(svg.contains(&format!(r#"viewBox="0 0 {size} {size}""#)));
            assert!(svg.is_ascii(), "one-byte string in the page");
            let got = painted(&svg, size);
            for y in 0..size {
                for x in 0..size {
                    let (mx, my) = (x.wrapping_sub(4), y.wrapping_sub(4));
                    let dark = mx < m.width && my < m.width && m.is_dark(mx, my);
                    assert_eq!(got[y * size + x], dark, "module ({x}, {y}) of {text}");
                }
            }
        }
    }

    #[test]
    fn module_counts_are_written_in_decimal() {
        let mut buf = [0u8; 1024];
        for n in 0..1000 {
            let end = super::put_number(&mut buf, 5, n);
            assert_eq!(&buf[5..end], n.to_string().as_bytes());
        }
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0usize, 7, 10, 57, 99, 100, 185, 12_345, usize::MAX] {
            let mut s = String::from("x");
            super::push_number(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }
}
