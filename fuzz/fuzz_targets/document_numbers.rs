//! Every document-number parser in `ecard_core::rules`: 居民身份证 and 港澳台居民居住证
//! (`id_number`), 外国人永久居留身份证 (both editions), 港澳 and 台湾 permits, Chinese and
//! foreign passports (all through `document::check`), the 统一社会信用代码, and the typed
//! dates and nationality next to them. Input: two bytes for "today" (2000–2099), one for the
//! document kind, the rest as the typed text. What is accepted is stored normalised, and the
//! stored form is accepted again as the same document.
#![no_main]

use ecard_core::rules::date::Date;
use ecard_core::rules::document::{check, DocumentKind};
use ecard_core::rules::id_number::IdNumber;
use ecard_core::rules::uscc::Uscc;
use ecard_core::rules::{birth, nationality};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(([d0, d1, k], rest)) = data.split_first_chunk::<3>().map(|(h, r)| (*h, r)) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    // 2000-01-01 is day 10,957; a century is 36,525 days.
    let today =
        Date::from_days_since_epoch(10_957 + i64::from(u16::from_be_bytes([d0, d1])) % 36_525);
    let kind = DocumentKind::ALL[usize::from(k) % DocumentKind::ALL.len()];

    if let Ok(doc) = check(kind, text, today) {
        assert_eq!(doc.kind, kind);
        assert!(doc.number.is_ascii() && doc.number == doc.number.trim());
        assert!(!doc.number.bytes().any(|b| b.is_ascii_lowercase()));
        if let Some(b) = doc.birth_date {
            assert!(b <= today, "born after today");
        }
        assert_eq!(check(kind, &doc.number, today).as_ref(), Ok(&doc));
    }
    if let Ok(id) = IdNumber::parse(text, today.ymd()) {
        assert_eq!(id.as_str().len(), 18);
        assert_eq!(id.masked().len(), 18);
        assert!(id.birth_date() <= today.ymd());
        assert_eq!(IdNumber::parse(id.as_str(), today.ymd()).as_ref(), Ok(&id));
        let _ = id.age_on(today.ymd());
        let _ = id.kind();
    }
    if let Ok(u) = Uscc::parse(text) {
        assert_eq!(Uscc::parse(u.as_str()).as_ref(), Ok(&u));
    }
    if let Some(d) = Date::parse_iso(text) {
        assert_eq!(Date::parse_iso(&d.to_string()), Some(d));
        assert_eq!(Date::from_days_since_epoch(d.days_since_epoch()), d);
    }
    if let Ok(b) = birth::parse_typed(text, today) {
        assert!(b <= today);
    }
    let _ = nationality::check(text, None);
});
