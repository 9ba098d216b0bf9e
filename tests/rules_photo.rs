//! The card photo check on fixture files (tests/fixtures/photos/, written once by the ignored
//! test `make_fixtures` below): the right photo passes; each wrong one is refused with its own
//! code; the format is judged from the bytes, not the name; a file claiming huge dimensions is
//! refused before decoding.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use ecard_core::rules::photo::{self, PhotoRules};

const GOOD: &[u8] = include_bytes!("fixtures/photos/good.jpg");
/// `good.jpg` re-saved as a progressive JPEG (Pillow, once; see cases.json).
const PROGRESSIVE: &[u8] = include_bytes!("fixtures/photos/progressive.jpg");
const GREY: &[u8] = include_bytes!("fixtures/photos/grey_background.jpg");
const WRONG_SIZE: &[u8] = include_bytes!("fixtures/photos/wrong_size.jpg");
const SMALL_FILE: &[u8] = include_bytes!("fixtures/photos/small_file.jpg");
const GREYSCALE: &[u8] = include_bytes!("fixtures/photos/greyscale.jpg");
const PNG_RENAMED: &[u8] = include_bytes!("fixtures/photos/png_renamed.jpg");

const CASES: &str = include_str!("fixtures/photos/cases.json");

fn fixture(name: &str) -> &'static [u8] {
    match name {
        "good.jpg" => GOOD,
        "progressive.jpg" => PROGRESSIVE,
        "grey_background.jpg" => GREY,
        "wrong_size.jpg" => WRONG_SIZE,
        "small_file.jpg" => SMALL_FILE,
        "greyscale.jpg" => GREYSCALE,
        "png_renamed.jpg" => PNG_RENAMED,
        other => panic!("no fixture {other}"),
    }
}

fn codes(bytes: &[u8]) -> Vec<&'static str> {
    photo::check(bytes, &PhotoRules::default())
        .problems
        .iter()
        .map(|p| p.code)
        .collect()
}

/// `good.jpg` with a comment segment of `n` bytes inserted after the start-of-image marker:
/// the same picture in a bigger file.
fn padded(n: usize) -> Vec<u8> {
    let mut out = GOOD[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((n + 2) as u16).to_be_bytes());
    out.extend(std::iter::repeat_n(b' ', n));
    out.extend_from_slice(&GOOD[2..]);
    out
}

#[test]
fn the_right_photo_passes_and_reports_what_it_measured() {
    let r = photo::check(GOOD, &PhotoRules::default());
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!((r.width, r.height), (Some(358), Some(441)));
    assert_eq!(r.bytes, GOOD.len());
    assert!(
        (14 * 1024..=40 * 1024).contains(&GOOD.len()),
        "{}",
        GOOD.len()
    );
    assert!(r.white_percent.unwrap() >= 99, "{:?}", r.white_percent);
}

#[test]
fn the_shared_cases_get_their_verdicts() {
    let all: serde_json::Value = serde_json::from_str(CASES).unwrap();
    for case in all["cases"].as_array().unwrap() {
        let file = case["file"].as_str().unwrap();
        let r = photo::check(fixture(file), &PhotoRules::default());
        let got: Vec<&str> = r.problems.iter().map(|p| p.code).collect();
        assert_eq!(serde_json::json!(got), case["codes"], "{file}");
        assert_eq!(r.ok(), case["ok"] == true, "{file}");
        assert_eq!(serde_json::json!(r.width), case["width"], "{file}");
        assert_eq!(serde_json::json!(r.height), case["height"], "{file}");
    }
}

#[test]
fn each_wrong_photo_gets_its_own_code() {
    assert_eq!(codes(GREY), ["PHOTO_BACKGROUND_NOT_WHITE"]);
    assert_eq!(codes(WRONG_SIZE), ["PHOTO_DIMENSIONS"]);
    assert_eq!(codes(SMALL_FILE), ["PHOTO_FILE_TOO_SMALL"]);
    assert_eq!(codes(&padded(30_000)), ["PHOTO_FILE_TOO_LARGE"]);
    assert_eq!(codes(PNG_RENAMED), ["PHOTO_NOT_JPEG"]);
    assert_eq!(codes(&[]), ["PHOTO_EMPTY"]);
    assert!(codes(GREYSCALE).contains(&"PHOTO_NOT_COLOUR"));
}

#[test]
fn messages_say_what_was_found() {
    let rules = PhotoRules::default();
    let message = |bytes: &[u8]| photo::check(bytes, &rules).problems[0].message.clone();
    assert!(
        message(PNG_RENAMED).contains("PNG"),
        "{}",
        message(PNG_RENAMED)
    );
    assert!(
        message(WRONG_SIZE).contains("300×400"),
        "{}",
        message(WRONG_SIZE)
    );
    let greyscale = photo::check(GREYSCALE, &rules);
    assert!(greyscale
        .problems
        .iter()
        .any(|p| p.message.contains("灰度")));
    let small = message(SMALL_FILE);
    assert!(small.contains("14–40 KB"), "{small}");
    assert!(message(GREY).contains("白色"));
}

#[test]
fn the_file_size_range_is_configurable_and_in_bytes() {
    let len = GOOD.len();
    let mut rules = PhotoRules {
        min_bytes: len,
        max_bytes: len,
        ..PhotoRules::default()
    };
    assert!(photo::check(GOOD, &rules).ok());
    rules.min_bytes = len + 1;
    rules.max_bytes = len + 1;
    let r = photo::check(GOOD, &rules);
    assert_eq!(r.problems[0].code, "PHOTO_FILE_TOO_SMALL");
    rules.min_bytes = len - 1;
    rules.max_bytes = len - 1;
    assert_eq!(
        photo::check(GOOD, &rules).problems[0].code,
        "PHOTO_FILE_TOO_LARGE"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    // A grey background in a file that is also too large.
    let mut grey_large = GREY[..2].to_vec();
    grey_large.extend_from_slice(&[0xFF, 0xFE, 0xC0, 0x00]);
    grey_large.extend(std::iter::repeat_n(0u8, 0xC000 - 2));
    grey_large.extend_from_slice(&GREY[2..]);
    assert_eq!(
        codes(&grey_large),
        ["PHOTO_FILE_TOO_LARGE", "PHOTO_BACKGROUND_NOT_WHITE"]
    );
}

#[test]
fn a_cut_file_is_corrupt_not_a_crash() {
    for cut in [GOOD.len() / 2, GOOD.len() - 10, 600, 20, 3] {
        let c = codes(&GOOD[..cut]);
        assert!(c.contains(&"PHOTO_CORRUPT"), "cut at {cut}: {c:?}");
    }
}

#[test]
fn a_file_claiming_huge_dimensions_is_refused_before_decoding() {
    let mut bomb = GOOD.to_vec();
    let sof = bomb
        .windows(2)
        .position(|w| w[0] == 0xFF && (w[1] == 0xC0 || w[1] == 0xC2))
        .expect("frame header");
    // Height and width follow the length (2) and precision (1).
    bomb[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    let r = photo::check(&bomb, &PhotoRules::default());
    assert_eq!((r.width, r.height), (Some(60_000), Some(60_000)));
    assert_eq!(r.white_percent, None, "must not decode");
    assert!(r.problems.iter().any(|p| p.code == "PHOTO_DIMENSIONS"));
}

/// Background colours around the thresholds, encoded in memory (native only: the encoder is a
/// dev-dependency that never reaches the wasm build).
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn off_white_passes_grey_and_coloured_backgrounds_do_not() {
    use image::codecs::jpeg::JpegEncoder;
    use image::{ExtendedColorType, ImageEncoder};

    let check = |rgb: [u8; 3]| {
        let mut pixels = portrait(358, 441, 255, 12);
        for p in pixels.chunks_mut(3) {
            if p == [255, 255, 255] {
                p.copy_from_slice(&rgb);
            }
        }
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 85)
            .write_image(&pixels, 358, 441, ExtendedColorType::Rgb8)
            .unwrap();
        let r = photo::check(&out, &PhotoRules::default());
        r.problems
            .iter()
            .all(|p| p.code != "PHOTO_BACKGROUND_NOT_WHITE")
    };
    assert!(check([255, 255, 255]));
    assert!(check([238, 238, 242]), "a slightly grey studio white");
    assert!(check([250, 245, 235]), "a warm white");
    assert!(!check([205, 205, 205]), "light grey");
    assert!(!check([67, 142, 219]), "standard ID-photo blue");
    assert!(!check([200, 225, 255]), "light blue");
    assert!(!check([255, 200, 200]), "pink");
    assert!(!check([216, 0, 15]), "red");
}

/// Writes the fixtures. They are committed; rerun only to change them:
/// `cargo test -p ecard-core --test rules_photo -- --ignored make_fixtures`.
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "writes tests/fixtures/photos/"]
fn make_fixtures() {
    use image::codecs::jpeg::JpegEncoder;
    use image::{ExtendedColorType, ImageEncoder};

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/photos");
    let jpeg =
        |name: &str, w: u32, h: u32, quality: u8, pixels: Vec<u8>, colour: ExtendedColorType| {
            let mut out = Vec::new();
            JpegEncoder::new_with_quality(&mut out, quality)
                .write_image(&pixels, w, h, colour)
                .unwrap();
            std::fs::write(dir.join(name), &out).unwrap();
            println!("{name}: {} bytes", out.len());
        };
    let rgb = ExtendedColorType::Rgb8;
    jpeg("good.jpg", 358, 441, 85, portrait(358, 441, 255, 12), rgb);
    jpeg(
        "grey_background.jpg",
        358,
        441,
        85,
        portrait(358, 441, 190, 12),
        rgb,
    );
    jpeg(
        "wrong_size.jpg",
        300,
        400,
        85,
        portrait(300, 400, 255, 14),
        rgb,
    );
    jpeg(
        "small_file.jpg",
        358,
        441,
        60,
        portrait(358, 441, 255, 0),
        rgb,
    );
    let grey: Vec<u8> = portrait(358, 441, 255, 0).chunks(3).map(|p| p[1]).collect();
    jpeg("greyscale.jpg", 358, 441, 85, grey, ExtendedColorType::L8);
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&portrait(358, 441, 255, 0), 358, 441, rgb)
        .unwrap();
    std::fs::write(dir.join("png_renamed.jpg"), &png).unwrap();
    println!("png_renamed.jpg: {} bytes", png.len());
}

/// A head-and-shoulders figure on a background of grey level `background`; `texture` adds
/// deterministic noise to the figure (not the background) so the JPEG has realistic size.
#[cfg(not(target_arch = "wasm32"))]
fn portrait(w: u32, h: u32, background: u8, texture: u8) -> Vec<u8> {
    let mut seed = 0x2545_F491u32;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        if texture == 0 {
            0
        } else {
            (seed % (u32::from(texture) * 2)) as i32 - i32::from(texture)
        }
    };
    let (cx, fw, fh) = (w as f32 / 2.0, w as f32 * 0.30, h as f32 * 0.30);
    let cy = h as f32 * 0.05 + fh;
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = ((x as f32 - cx) / fw, (y as f32 - cy) / fh);
            let head = dx * dx + dy * dy <= 1.0;
            let shoulders = y as f32 > h as f32 * 0.78
                && (x as f32 - cx).abs() < w as f32 * 0.2 + (y as f32 - h as f32 * 0.78) * 1.6;
            let base: [i32; 3] = match (head, shoulders) {
                (true, _) if dy < -0.55 => [40, 30, 25],
                (true, _) => [224, 180, 150],
                (false, true) => [40, 60, 110],
                _ => [i32::from(background); 3],
            };
            let n = if head || shoulders { noise() } else { 0 };
            out.extend(base.map(|c| (c + n).clamp(0, 255) as u8));
        }
    }
    out
}
