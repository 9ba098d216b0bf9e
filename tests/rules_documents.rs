//! Every identity document type with known-valid and known-invalid numbers, the exhaustive
//! single-substitution property of the MOD 11-2 and GB 32100 check characters, and the table of
//! which document each applicant category may use.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use ecard_core::rules::category::ApplicantCategory;
use ecard_core::rules::date::Date;
use ecard_core::rules::document::{self, DocumentKind, Region};
use ecard_core::rules::id_number::{check_char, IdNumber, IdNumberError, IdNumberKind};
use ecard_core::rules::permanent_residence::{
    Edition, PermanentResidenceCard, PermanentResidenceError,
};
use ecard_core::rules::uscc::{check_character, Uscc, UsccError};
use ecard_core::rules::Explain;

fn today() -> Date {
    Date::new(2026, 11, 29).unwrap()
}

fn with_check(first17: &str) -> String {
    format!("{first17}{}", check_char(first17.as_bytes()) as char)
}

fn code(kind: DocumentKind, number: &str) -> &'static str {
    match document::check(kind, number, today()) {
        Ok(_) => "OK",
        Err(e) => e.code(),
    }
}

/// Every number with one character replaced by each other character of `alphabet`.
fn substitutions(number: &str, alphabet: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..number.len() {
        for &c in alphabet {
            if c != number.as_bytes()[i] {
                let mut b = number.as_bytes().to_vec();
                b[i] = c;
                out.push(String::from_utf8(b).unwrap());
            }
        }
    }
    out
}

const VALID_IDS: [&str; 4] = [
    "11010519491231002X", // GB 11643's worked example
    "410721198503151234", // 新乡县
    "810000199408230021", // Hong Kong residence permit
    "83000019850505003X", // Taiwan residence permit
];

#[test]
fn every_single_digit_substitution_of_a_valid_resident_id_is_refused() {
    for valid in VALID_IDS {
        assert!(IdNumber::parse(valid, today().ymd()).is_ok(), "{valid}");
        let wrong = substitutions(valid, b"0123456789X");
        // 17 positions × 9 other digits (+ X, which is refused as a format error), and the
        // check character × its 10 alternatives.
        assert_eq!(wrong.len(), 17 * 10 + 10);
        for w in wrong {
            assert!(
                IdNumber::parse(&w, today().ymd()).is_err(),
                "{valid} → {w} accepted"
            );
        }
    }
}

#[test]
fn resident_ids_and_residence_permits_are_told_apart() {
    use DocumentKind::{ResidencePermit, ResidentId};
    assert_eq!(code(ResidentId, "410721198503151234"), "OK");
    assert_eq!(code(ResidentId, "11010519491231002x"), "OK");
    assert_eq!(
        code(ResidentId, "810000199408230021"),
        "ID_NUMBER_IS_RESIDENCE_PERMIT"
    );
    assert_eq!(
        code(ResidencePermit, "410721198503151234"),
        "RESIDENCE_PERMIT_ADDRESS"
    );
    let hk = document::check(ResidencePermit, "810000199408230021", today()).unwrap();
    assert_eq!(
        (hk.region, hk.birth_date),
        (Some(Region::HongKong), Date::new(1994, 8, 23))
    );
    let macao = with_check("82000019900101002");
    assert_eq!(
        IdNumber::parse(&macao, today().ymd()).unwrap().kind(),
        IdNumberKind::MacaoPermit
    );
    // A residence permit's address code is exactly 810000/820000/830000.
    assert_eq!(
        code(ResidencePermit, &with_check("81010019940823002")),
        "ID_NUMBER_ADDRESS"
    );
}

#[test]
fn resident_id_address_codes_are_province_level_codes() {
    for ok in ["11", "41", "65", "71", "81"] {
        let n = with_check(&format!("{ok}0000199001010011")[..17]);
        assert!(IdNumber::parse(&n, today().ymd()).is_ok(), "{n}");
    }
    for bad in [
        "00", "10", "16", "20", "39", "47", "66", "70", "72", "80", "84", "91", "99",
    ] {
        let n = with_check(&format!("{bad}0721199001010011")[..17]);
        assert_eq!(
            IdNumber::parse(&n, today().ymd()),
            Err(IdNumberError::AddressCode),
            "{n}"
        );
    }
}

#[test]
fn the_2023_permanent_residence_card_is_fully_checked() {
    use DocumentKind::PermanentResidence as P;
    let card = PermanentResidenceCard::parse("932682198501010017", today()).unwrap();
    assert_eq!(card.edition(), Edition::Edition2023);
    assert_eq!(card.birth(), Date::new(1985, 1, 1).unwrap());
    for w in substitutions("932682198501010017", b"0123456789") {
        assert!(
            PermanentResidenceCard::parse(&w, today()).is_err(),
            "{w} accepted"
        );
    }
    // The check character may be X, as in GB 11643.
    let x = (0..1000)
        .map(|seq| format!("94115619900101{seq:03}"))
        .map(|first17| with_check(&first17))
        .find(|n| n.ends_with('X'))
        .unwrap();
    assert_eq!(code(P, &x.to_lowercase()), "OK");
    let cases = [
        ("832682198501010017", "PERMANENT_RESIDENCE_FORMAT"),
        ("93268219850101001", "PERMANENT_RESIDENCE_FORMAT"),
        (
            &with_check("90068219850101001"),
            "PERMANENT_RESIDENCE_PROVINCE",
        ),
        (
            &with_check("98168219850101001"),
            "PERMANENT_RESIDENCE_PROVINCE",
        ),
        (
            &with_check("93268219850231001"),
            "PERMANENT_RESIDENCE_BIRTH_DATE",
        ),
        (
            &with_check("93268220300101001"),
            "PERMANENT_RESIDENCE_BIRTH_FUTURE",
        ),
        ("932682198501010018", "PERMANENT_RESIDENCE_CHECK_DIGIT"),
    ];
    for (number, want) in cases {
        assert_eq!(code(P, number), want, "{number}");
    }
}

#[test]
fn the_2017_permanent_residence_card_is_checked_for_shape_and_date_only() {
    use DocumentKind::PermanentResidence as P;
    let card = PermanentResidenceCard::parse("kaz110090123105", today()).unwrap();
    assert_eq!(card.edition(), Edition::Edition2017);
    assert_eq!(card.birth(), Date::new(1990, 12, 31).unwrap());
    assert_eq!(card.nationality_alpha3(), Some("KAZ"));
    // The check digit's rule is uncertain and NOT verified: any last digit is accepted.
    for last in b'0'..=b'9' {
        let mut n = b"KAZ110090123105".to_vec();
        n[14] = last;
        assert_eq!(code(P, std::str::from_utf8(&n).unwrap()), "OK");
    }
    // Two-digit years take the latest century that is not in the future.
    let young = PermanentResidenceCard::parse("USA110015010105", today()).unwrap();
    assert_eq!(young.birth(), Date::new(2015, 1, 1).unwrap());
    let old = PermanentResidenceCard::parse("USA110030010105", today()).unwrap();
    assert_eq!(old.birth(), Date::new(1930, 1, 1).unwrap());
    let cases = [
        ("KA2110090123105", PermanentResidenceError::Format),
        ("KAZ11009012310", PermanentResidenceError::Format),
        ("KAZ1100901231055", PermanentResidenceError::Format),
        ("KAZ11009012310A", PermanentResidenceError::Format),
        ("KAZ990090123105", PermanentResidenceError::Province),
        ("KAZ110090133105", PermanentResidenceError::BirthDate),
        ("KAZ110090023005", PermanentResidenceError::BirthDate),
    ];
    for (number, want) in cases {
        assert_eq!(
            PermanentResidenceCard::parse(number, today()),
            Err(want),
            "{number}"
        );
    }
}

#[test]
fn hong_kong_and_macao_travel_permits() {
    use DocumentKind::HkMacaoPermit as H;
    for ok in [
        "H12345678",
        "M12345678",
        "h1234567801",
        "HA1234567",
        "MA1234567",
        " M87654321 ",
    ] {
        assert_eq!(code(H, ok), "OK", "{ok}");
    }
    for bad in [
        "H1234567",
        "H123456789",
        "H12345678901",
        "HA12345678",
        "HA123456",
        "HB1234567",
        "X12345678",
        "H1234567A",
        "12345678",
        "",
        "H",
    ] {
        assert_eq!(code(H, bad), "HK_MACAO_PERMIT_FORMAT", "{bad}");
    }
    let m = document::check(H, "MA1234567", today()).unwrap();
    assert_eq!(m.region, Some(Region::Macao));
}

#[test]
fn taiwan_travel_permits() {
    use DocumentKind::TaiwanPermit as T;
    assert_eq!(code(T, "12345678"), "OK");
    for bad in ["1234567", "123456789", "T1234567", "1234 678", ""] {
        assert_eq!(code(T, bad), "TAIWAN_PERMIT_FORMAT", "{bad}");
    }
}

#[test]
fn chinese_passports() {
    use DocumentKind::ChinesePassport as C;
    for ok in [
        "E12345678",
        "EA1234567",
        "ej1234567",
        "EZ1234567",
        "G12345678",
    ] {
        assert_eq!(code(C, ok), "OK", "{ok}");
    }
    for bad in [
        "EI1234567",
        "EO1234567",
        "E1234567",
        "E123456789",
        "EA12345678",
        "G1234567A",
        "P12345678",
        "D12345678",
        "GA1234567",
        "",
    ] {
        assert_eq!(code(C, bad), "CHINESE_PASSPORT_FORMAT", "{bad}");
    }
}

#[test]
fn foreign_passports() {
    use DocumentKind::ForeignPassport as F;
    let twenty = "A".repeat(20);
    for ok in ["AB123", "p12345678", "123456789", twenty.as_str()] {
        assert_eq!(code(F, ok), "OK", "{ok}");
    }
    let twenty_one = "A".repeat(21);
    for bad in [
        "AB12",
        twenty_one.as_str(),
        "AB-12345",
        "AB 12345",
        "护照12345",
        "",
    ] {
        assert_eq!(code(F, bad), "FOREIGN_PASSPORT_FORMAT", "{bad}");
    }
}

/// Published codes: 华为技术有限公司, 深圳市腾讯计算机系统有限公司, 阿里巴巴（中国）有限公司.
const KNOWN_USCC: [&str; 3] = [
    "914403001922038216",
    "91440300708461136T",
    "91330100716105852F",
];

#[test]
fn unified_social_credit_codes_compute_their_check_character() {
    for known in KNOWN_USCC {
        let computed = check_character(&known.as_bytes()[..17]).unwrap();
        assert_eq!(computed, known.as_bytes()[17], "{known}");
        assert_eq!(Uscc::parse(&known.to_lowercase()).unwrap().as_str(), known);
    }
    // 31 − (831 mod 31) = 6 for 华为.
    assert_eq!(check_character(b"91440300192203821"), Some(b'6'));
    let alphabet = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    for known in KNOWN_USCC {
        for w in substitutions(known, alphabet) {
            assert_eq!(Uscc::parse(&w), Err(UsccError::CheckCharacter), "{w}");
        }
    }
    for bad in [
        "91440300192203821",
        "9144030019220382166",
        "9144030019220382I6",
        "91440300192203821S",
    ] {
        assert_eq!(Uscc::parse(bad), Err(UsccError::Format), "{bad}");
    }
}

#[test]
fn each_category_uses_its_documents() {
    use ApplicantCategory as C;
    use DocumentKind as D;
    let table = [
        (C::Citizen, vec![D::ResidentId]),
        (C::HongKongMacao, vec![D::ResidencePermit, D::HkMacaoPermit]),
        (C::Taiwan, vec![D::ResidencePermit, D::TaiwanPermit]),
        (C::OverseasChinese, vec![D::ChinesePassport, D::ResidentId]),
        (
            C::Foreigner,
            vec![D::PermanentResidence, D::ForeignPassport],
        ),
    ];
    for (category, docs) in table {
        assert_eq!(category.allowed_documents(), docs.as_slice());
        assert_eq!(category.needs_henan_link(), category != C::Citizen);
    }
    let taiwan_permit = document::check(D::ResidencePermit, "83000019850505003X", today()).unwrap();
    assert!(C::Taiwan.check_document(&taiwan_permit).is_ok());
    let refused = C::HongKongMacao.check_document(&taiwan_permit).unwrap_err();
    assert_eq!(refused.code(), "DOCUMENT_REGION_MISMATCH");
    let passport = document::check(D::ChinesePassport, "E12345678", today()).unwrap();
    let refused = C::Citizen.check_document(&passport).unwrap_err();
    assert!(
        refused.message_zh().contains("居民身份证"),
        "{}",
        refused.message_zh()
    );
}
