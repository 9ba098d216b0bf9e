//! The roster check of `POST /api/batches` without the database (`check_roster`), for what the
//! fuzz target `csv_import` found. Inputs it found stay in `tests/fuzz_regressions/`.

use std::collections::BTreeSet;

use ecard::service::{check_roster, Roster};
use ecard_core::rules::channel::Channel;
use ecard_core::rules::id_number::check_char;
use ecard_core::rules::organisation::OrganisationForm;
use ecard_core::rules::RulesConfig;

/// 2026-11-29 10:00 CST.
const NOW: i64 = 1_795_917_600;

fn id_number(first17: &str) -> String {
    format!("{first17}{}", char::from(check_char(first17.as_bytes())))
}

fn check(bytes: &[u8], channel: Channel) -> Roster {
    let agent = OrganisationForm {
        name: "华为技术有限公司".into(),
        uscc: "914403001922038216".into(),
    };
    check_roster(bytes, channel, &agent, NOW, &RulesConfig::default())
        .unwrap_or_else(|e| panic!("{}: {}", e.code, e.message))
}

/// Every row's line number, accepted and refused, in order; panics when one is named twice.
fn lines(r: &Roster) -> Vec<u64> {
    let mut seen = BTreeSet::new();
    let good = r.good.iter().map(|(line, _, _)| *line);
    let bad = r.rejected.iter().map(|v| v["line"].as_u64().unwrap());
    for line in good.chain(bad) {
        assert!(seen.insert(line), "line {line} named twice");
    }
    seen.into_iter().collect()
}

#[test]
fn rows_of_a_roster_with_classic_mac_line_ends_have_their_own_lines() {
    // Excel's "CSV (Macintosh)" ends lines with a lone CR. The CSV reader splits records there
    // but counted lines by LF only: every row was "line 1", and accepted rows shared the
    // idempotency key `batch:<id>:<line>`, so all but the first were refused as duplicates.
    let roster = format!(
        "category,name,phone,document_kind,document_number\r\
         citizen,赵一,13900000001,resident_id,{}\r\
         martian,李四,13900000004,resident_id,{}\r\
         citizen,钱二,13900000002,resident_id,{}\r",
        id_number("41072119900101123"),
        id_number("41072119850715002"),
        id_number("41072119880302004"),
    );
    let r = check(roster.as_bytes(), Channel::Employer);
    let good: Vec<u64> = r.good.iter().map(|(line, _, _)| *line).collect();
    assert_eq!(good, [2, 4], "{:?}", r.rejected);
    assert_eq!(lines(&r), [2, 3, 4]);
    // Mixed line ends count the same way.
    let mixed = roster.replacen('\r', "\r\n", 2);
    assert_eq!(
        lines(&check(mixed.as_bytes(), Channel::Employer)),
        [2, 3, 4]
    );
}

#[test]
fn the_fuzz_input_that_named_line_2_twice() {
    let input = include_bytes!("fuzz_regressions/csv_import-cr-line-ends");
    // The fuzz target's first byte picks the channel (odd: school).
    let r = check(&input[1..], Channel::School);
    // Header, a row broken by two lone CRs into lines 2, 3 and 4, then a row on line 5.
    assert_eq!(lines(&r), [2, 3, 4, 5]);
}
