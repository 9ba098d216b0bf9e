//! Golden vectors: fixed keys, a fixed time and a fixed credential give exactly the code text
//! and the SVG kept in `tests/golden/`, natively and in WebAssembly. Regenerate (natively) with
//! `UPDATE_GOLDEN=1 cargo test --test golden` only when the format is meant to change.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use ecard_core::render::{svg::to_svg, QrMatrix};

const CODE_TXT: &str = include_str!("golden/code.txt");
const CODE_SVG: &str = include_str!("golden/code.svg");

#[cfg(not(target_arch = "wasm32"))]
fn update(name: &str, contents: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name);
        std::fs::write(path, contents).unwrap();
    }
}
#[cfg(target_arch = "wasm32")]
fn update(_: &str, _: &str) {}

#[test]
fn code_text_matches_golden_file() {
    let text = common::golden_code().to_text() + "\n";
    update("code.txt", &text);
    assert_eq!(text, CODE_TXT);
}

#[test]
fn svg_matches_golden_file() {
    let text = common::golden_code().to_text();
    let svg = to_svg(&QrMatrix::encode(&text).unwrap());
    update("code.svg", &svg);
    assert_eq!(svg, CODE_SVG);
}

#[test]
fn golden_code_fits_qr_version_10_at_level_m() {
    let m = QrMatrix::encode(CODE_TXT.trim_end()).unwrap();
    assert!(m.version <= 10, "version {}", m.version);
}

#[test]
fn golden_code_is_admitted_by_the_museum_gate() {
    let v = common::museum_gate().verify(CODE_TXT, common::NOW);
    assert!(v.admitted, "{v:?}");
    assert_eq!(v.holder.unwrap().masked_name, "张*");
}

#[test]
fn credential_and_bundle_match_golden_files() {
    let credential = hex::encode(common::wallet().credential().to_bytes()) + "\n";
    update("credential.hex", &credential);
    assert_eq!(credential, include_str!("golden/credential.hex"));
    let bundle = hex::encode(common::bundle(&[])) + "\n";
    update("bundle.hex", &bundle);
    assert_eq!(bundle, include_str!("golden/bundle.hex"));
}

#[test]
fn fixture_delta_matches_golden_file() {
    use ecard_core::issuer::sign_revocation_list;
    let delta = sign_revocation_list(
        &common::issuer_key(),
        common::revocation_body(
            2,
            1,
            &[(common::SERIAL, ecard_core::RevocationReason::Lost)],
        ),
    )
    .unwrap();
    let hex = hex::encode(delta.to_bytes()) + "\n";
    update("delta.hex", &hex);
    assert_eq!(hex, include_str!("golden/delta.hex"));
}

/// The replay-set file of `docs/FORMAT.md` section 5.7: the museum gate's set after admitting
/// the golden code at `NOW`, then after the set was marked lost 5 s later.
#[test]
fn replay_set_file_matches_the_format_document() {
    let mut gate = common::museum_gate();
    assert!(gate.verify(CODE_TXT, common::NOW).admitted);
    let entry = "00000001000000006b0b875c38ffbf93a9abfba11e0391737000";
    assert_eq!(
        hex::encode(gate.save_replay()),
        format!("484e5250028000000000000000{entry}86ab64d3e249bbab")
    );
    gate.mark_replay_lost(common::NOW + 5);
    assert_eq!(
        hex::encode(gate.save_replay()),
        format!("484e525002000000006b0b8725{entry}7807001759bcf6f4")
    );
}
