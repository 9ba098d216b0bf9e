//! The rules as JavaScript sees them (wasm only): the exported functions take plain objects,
//! byte arrays and `Date.now()` milliseconds, and answer with plain objects whose problems carry
//! stable codes. The same shared cases as the native tests.
#![cfg(target_arch = "wasm32")]

use ecard_core::wasm::{
    application_options, check_id_number, check_photo, validate_application, window_status,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test as test;

const APPLICATIONS: &str = include_str!("fixtures/applications.json");
const GOOD: &[u8] = include_bytes!("fixtures/photos/good.jpg");
const PNG_RENAMED: &[u8] = include_bytes!("fixtures/photos/png_renamed.jpg");

/// 2026-11-29 10:00 China Standard Time, a Sunday.
const NOW_MS: f64 = 1_795_917_600_000.0;

fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &key.into()).unwrap()
}

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap()
}

fn config(text: &str) -> Option<js_sys::Object> {
    Some(json(text).into())
}

fn stringify(v: &JsValue) -> String {
    js_sys::JSON::stringify(v).unwrap().as_string().unwrap()
}

fn problem_list(verdict: &JsValue) -> Vec<String> {
    js_sys::Array::from(&get(verdict, "problems"))
        .iter()
        .map(|p| {
            let field = get(&p, "field").as_string().unwrap();
            format!("{field} {}", get(&p, "code").as_string().unwrap())
        })
        .collect()
}

#[test]
fn exported_validation_gives_the_shared_verdicts() {
    let all: serde_json::Value = serde_json::from_str(APPLICATIONS).unwrap();
    for case in all["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let options = case.get("config").and_then(|c| config(&c.to_string()));
        let verdict =
            validate_application(json(&case["form"].to_string()), NOW_MS, options).unwrap();
        let want: Vec<String> = serde_json::from_value(case["problems"].clone()).unwrap();
        assert_eq!(problem_list(&verdict), want, "{name}");
        assert_eq!(
            get(&verdict, "ok").as_bool(),
            case["ok"].as_bool(),
            "{name}"
        );
        assert_eq!(
            get(&verdict, "minor").as_bool(),
            case["minor"].as_bool(),
            "{name}"
        );
        let kinds: Vec<String> = js_sys::Array::from(&get(&verdict, "materials"))
            .iter()
            .map(|m| get(&m, "kind").as_string().unwrap())
            .collect();
        let want: Vec<String> = serde_json::from_value(case["materials"].clone()).unwrap();
        assert_eq!(kinds, want, "{name}");
        assert_eq!(
            get(&verdict, "application").is_null(),
            case["ok"] != true,
            "{name}"
        );
    }
}

#[test]
fn a_malformed_form_throws_with_a_code() {
    let err = validate_application(json(r#"{"category": "martian"}"#), NOW_MS, None).unwrap_err();
    assert_eq!(get(&err, "code").as_string().unwrap(), "FORM_MALFORMED");
    let err = validate_application(
        json("{}"),
        NOW_MS,
        config(r#"{"minor": {"age_basis": "lunar"}}"#),
    )
    .unwrap_err();
    assert_eq!(get(&err, "code").as_string().unwrap(), "INVALID_CONFIG");
}

#[test]
fn exported_photo_check_reads_the_bytes() {
    let good = check_photo(GOOD, None).unwrap();
    assert_eq!(
        get(&good, "ok").as_bool(),
        Some(true),
        "{}",
        stringify(&good)
    );
    assert_eq!(get(&good, "width").as_f64(), Some(358.0));
    assert_eq!(get(&good, "bytes").as_f64(), Some(GOOD.len() as f64));
    let png = check_photo(PNG_RENAMED, None).unwrap();
    assert_eq!(problem_list(&png), [" PHOTO_NOT_JPEG"]);
    assert!(get(&png, "width").is_null());
    let strict = check_photo(GOOD, config(r#"{"photo": {"max_bytes": 1024}}"#)).unwrap();
    assert_eq!(problem_list(&strict), [" PHOTO_FILE_TOO_LARGE"]);
}

#[test]
fn exported_window_status_says_when_it_opens() {
    let sunday = window_status(NOW_MS, None).unwrap();
    assert_eq!(get(&sunday, "open").as_bool(), Some(false));
    assert_eq!(
        get(&sunday, "next_open").as_string().unwrap(),
        "2026-11-30 09:00"
    );
    assert!(get(&sunday, "message")
        .as_string()
        .unwrap()
        .contains("周末"));
    let monday = window_status(NOW_MS + 86_400_000.0, None).unwrap();
    assert_eq!(get(&monday, "open").as_bool(), Some(true));
    assert!(get(&monday, "next_open").is_null());
}

#[test]
fn exported_id_number_check() {
    let ok = check_id_number("11010519491231002x", NOW_MS).unwrap();
    assert_eq!(get(&ok, "ok").as_bool(), Some(true));
    assert_eq!(
        get(&ok, "masked").as_string().unwrap(),
        "110105********002X"
    );
    assert_eq!(get(&ok, "birth_date").as_string().unwrap(), "1949-12-31");
    assert_eq!(get(&ok, "age").as_f64(), Some(76.0));
    assert_eq!(get(&ok, "kind").as_string().unwrap(), "citizen");
    let bad = check_id_number("110105194912310021", NOW_MS).unwrap();
    assert_eq!(problem_list(&bad), [" ID_NUMBER_CHECK_DIGIT"]);
}

#[test]
fn exported_options_list_categories_documents_and_banks() {
    let o = application_options(None).unwrap();
    let text = stringify(&o);
    assert!(text.contains(r#""value":"foreigner""#), "{text}");
    assert!(text.contains(r#""label":"外国人永久居留身份证""#), "{text}");
    assert!(
        text.contains(r#""code":"icbc","name":"中国工商银行""#),
        "{text}"
    );
}
