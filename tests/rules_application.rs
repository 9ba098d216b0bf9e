//! The application rules end to end: the shared cases of tests/fixtures/applications.json
//! (also run against the built wasm package by tests/js/rules.test.mjs), then what the server
//! alone sees: data-sharing confirmations, the normalised result, and the JSON shapes.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use ecard_core::rules::application::{is_minor, required_materials, validate, ApplicationForm};
use ecard_core::rules::{MaterialKind, RulesConfig, SharedDataConfirmations};
use serde_json::{json, Value};

const CASES: &str = include_str!("fixtures/applications.json");

/// 2026-11-29 10:00 China Standard Time.
const NOW: i64 = 1_795_917_600;

fn form(value: Value) -> ApplicationForm {
    serde_json::from_value(value).expect("form parses")
}

fn problems(form: &ApplicationForm, config: &RulesConfig) -> Vec<String> {
    match validate(form, NOW, config, None) {
        Ok(_) => Vec::new(),
        Err(p) => p
            .iter()
            .map(|p| format!("{} {}", p.field, p.code))
            .collect(),
    }
}

fn kinds(
    form: &ApplicationForm,
    config: &RulesConfig,
    c: Option<&SharedDataConfirmations>,
) -> Vec<String> {
    required_materials(form, NOW, config, c)
        .iter()
        .map(|m| m.kind.key().to_string())
        .collect()
}

#[test]
fn the_shared_cases_get_their_verdicts() {
    let all: Value = serde_json::from_str(CASES).unwrap();
    assert_eq!(all["now_ms"].as_i64(), Some(NOW * 1000));
    let cases = all["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let config: RulesConfig = match case.get("config") {
            Some(c) => serde_json::from_value(c.clone()).unwrap(),
            None => RulesConfig::default(),
        };
        let f = form(case["form"].clone());
        let want: Vec<String> = serde_json::from_value(case["problems"].clone()).unwrap();
        assert_eq!(problems(&f, &config), want, "{name}");
        assert_eq!(
            validate(&f, NOW, &config, None).is_ok(),
            case["ok"] == true,
            "{name}"
        );
        let minor = is_minor(&f, NOW, &config).unwrap_or(false);
        assert_eq!(minor, case["minor"] == true, "{name}");
        let materials: Vec<String> = serde_json::from_value(case["materials"].clone()).unwrap();
        assert_eq!(kinds(&f, &config, None), materials, "{name}");
    }
}

fn adult_citizen() -> Value {
    json!({
        "category": "citizen", "name": " 张三 ", "phone": "13800138000",
        "document": { "kind": "resident_id", "number": "41072119850315123x" },
        "service_bank": "icbc", "channel": "window",
        "materials": { "photo": "upload-4" }
    })
}

#[test]
fn confirmed_shared_data_waives_materials_only_on_the_server() {
    let mut v = adult_citizen();
    v["document"]["number"] = json!("410721198503151234");
    let f = form(v);
    let config = RulesConfig::default();
    let confirmed = SharedDataConfirmations {
        household_register: true,
        identity: true,
        ..SharedDataConfirmations::default()
    };
    let checked = validate(&f, NOW, &config, Some(&confirmed)).unwrap();
    let waived: Vec<_> = checked
        .materials
        .iter()
        .filter(|m| m.waived)
        .map(|m| m.kind)
        .collect();
    assert_eq!(
        waived,
        [
            MaterialKind::HouseholdRegister,
            MaterialKind::IdCardFront,
            MaterialKind::IdCardBack
        ]
    );
    assert_eq!(checked.uploads.len(), 1);
    // Without the data-sharing answer (the phone), every material must be uploaded.
    assert_eq!(
        problems(&f, &config),
        [
            "materials.household_register MATERIAL_MISSING",
            "materials.id_card_front MATERIAL_MISSING",
            "materials.id_card_back MATERIAL_MISSING"
        ]
    );
    // No confirmation at all behaves like None.
    let nothing = SharedDataConfirmations::default();
    assert!(validate(&f, NOW, &config, Some(&nothing)).is_err());
}

#[test]
fn the_checked_application_is_normalised() {
    let mut v = adult_citizen();
    v["document"]["number"] = json!("410721198503151234");
    v["materials"] = json!({
        "household_register": "u1", "id_card_front": "u2", "id_card_back": "u3", "photo": "u4"
    });
    let checked = validate(&form(v), NOW, &RulesConfig::default(), None).unwrap();
    assert_eq!(checked.name, "张三");
    assert_eq!(checked.age, 41);
    assert!(!checked.minor);
    assert_eq!(checked.application_date.to_string(), "2026-11-29");
    let json = serde_json::to_value(&checked).unwrap();
    assert_eq!(json["document"]["number"], "410721198503151234");
    assert_eq!(json["document"]["kind"], "resident_id");
    assert_eq!(json["birth_date"], "1985-03-15");
    assert_eq!(
        json["service_bank"],
        json!({"choice": "bank", "code": "icbc", "name": "中国工商银行"})
    );
    assert_eq!(json["channel"], "window");
    assert_eq!(
        json["materials"][0],
        json!({"kind": "household_register", "label": "户口簿本人页", "waived": false})
    );
    assert_eq!(json["uploads"]["photo"], "u4");
}

#[test]
fn problems_serialise_as_field_code_message() {
    let err = validate(
        &ApplicationForm::default(),
        NOW,
        &RulesConfig::default(),
        None,
    )
    .unwrap_err();
    let first = serde_json::to_value(&err[0]).unwrap();
    assert_eq!(
        first,
        json!({"field": "category", "code": "REQUIRED", "message": "此项为必填项"})
    );
    for p in &err {
        assert!(
            !p.message.is_empty() && p.code.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        );
    }
}

#[test]
fn unknown_fields_and_values_are_refused_when_parsing() {
    let bad = [
        json!({"id_number": "410721198503151234"}),
        json!({"category": "martian"}),
        json!({"document": {"kind": "resident_id", "numbr": "1"}}),
        json!({"materials": {"selfie": "u1"}}),
        json!({"henan_link": {"basis": "visiting"}}),
    ];
    for v in bad {
        assert!(
            serde_json::from_value::<ApplicationForm>(v.clone()).is_err(),
            "{v}"
        );
    }
}

#[test]
fn the_minor_threshold_is_configurable() {
    let mut config = RulesConfig::default();
    let mut v = adult_citizen();
    v["document"]["number"] = json!("410721201011290021"); // 16 today
    let f = form(v);
    assert_eq!(is_minor(&f, NOW, &config), Some(false));
    config.minor.threshold_years = 18;
    assert_eq!(is_minor(&f, NOW, &config), Some(true));
    assert_eq!(
        kinds(&f, &config, None),
        [
            "household_register",
            "photo",
            "guardian_id_front",
            "guardian_id_back",
            "guardianship_proof"
        ]
    );
}

#[test]
fn the_guardian_of_an_adult_is_ignored() {
    let mut v = adult_citizen();
    v["document"]["number"] = json!("410721198503151234");
    v["guardian"] = json!({"name": "", "id_number": "bad"});
    v["materials"] = json!({
        "household_register": "u1", "id_card_front": "u2", "id_card_back": "u3", "photo": "u4"
    });
    let checked = validate(&form(v), NOW, &RulesConfig::default(), None).unwrap();
    assert_eq!(checked.guardian, None);
}

#[test]
fn the_guardian_must_not_be_the_applicant() {
    let mut v = adult_citizen();
    v["document"]["number"] = json!("410721201011300023");
    v["guardian"] = json!({
        "name": "李芳", "id_number": "410721201011300023", "relation": "mother",
        "proof": "household_register"
    });
    let p = problems(&form(v), &RulesConfig::default());
    assert!(
        p.contains(&"guardian.id_number GUARDIAN_SAME_AS_APPLICANT".to_string()),
        "{p:?}"
    );
}
