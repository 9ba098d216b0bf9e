//! The JavaScript-facing layer, run in Node under wasm-bindgen-test: the same golden code comes
//! out of the exported Wallet, and the exported Gate admits it once.
#![cfg(target_arch = "wasm32")]

mod common;

use ecard_core::wasm::{render_svg, Gate, Wallet};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test as test;

const NOW_MS: f64 = common::NOW as f64 * 1000.0;

fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &key.into()).unwrap()
}

fn golden_wallet() -> Wallet {
    let mut w = Wallet::from_secret(&[0x33; 32]).unwrap();
    let credential = common::wallet().credential().to_bytes();
    w.set_credential(&credential).unwrap();
    w
}

#[test]
fn exported_wallet_makes_the_golden_code_and_svg() {
    let text = golden_wallet()
        .code_at(NOW_MS + 999.0, "museum", 0, None)
        .unwrap();
    assert_eq!(text + "\n", include_str!("golden/code.txt"));
    let svg = render_svg(include_str!("golden/code.txt").trim_end()).unwrap();
    assert_eq!(svg, include_str!("golden/code.svg"));
    // The one-call form the e-card page uses draws the same code.
    let svg_at = golden_wallet()
        .svg_at(NOW_MS + 999.0, "museum", 0, None)
        .unwrap();
    assert_eq!(svg_at, include_str!("golden/code.svg"));
}

#[test]
fn exported_gate_admits_once_then_refuses_as_used() {
    let root = hex::encode(common::root_key().verifying_key().to_bytes());
    let policy = js_sys::JSON::parse(r#"{"scene":"museum"}"#).unwrap();
    let mut gate = Gate::new(&root, policy).unwrap();
    let status = gate.load_bundle(&common::bundle(&[]), NOW_MS).unwrap();
    assert_eq!(get(&status, "trust_version").as_f64(), Some(1.0));
    let code = golden_wallet().code_at(NOW_MS, "museum", 0, None).unwrap();
    let first = gate.verify(&code, NOW_MS).unwrap();
    assert_eq!(get(&first, "admitted").as_bool(), Some(true));
    assert_eq!(
        get(&get(&first, "holder"), "masked_name")
            .as_string()
            .unwrap(),
        "张*"
    );
    let second = gate.verify(&code, NOW_MS + 1000.0).unwrap();
    assert_eq!(get(&second, "code").as_string().unwrap(), "REPLAYED");
}

#[test]
fn errors_carry_a_stable_code() {
    let mut w = Wallet::from_secret(&[0x55; 32]).unwrap();
    let err = w
        .set_credential(&common::wallet().credential().to_bytes())
        .unwrap_err();
    assert_eq!(
        get(&err, "code").as_string().unwrap(),
        "CREDENTIAL_FOR_OTHER_DEVICE"
    );
    let err = Wallet::from_secret(&[1, 2, 3]).err().unwrap();
    assert_eq!(get(&err, "code").as_string().unwrap(), "INVALID_SECRET");
}
