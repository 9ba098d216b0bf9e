//! The employer/school roster import (`POST /api/batches`) without the database: the service
//! crate's pure `check_roster` (UTF-8 or GBK decoding, header, rows, every row through the
//! application rules). Every data row is either accepted or refused, once, by line number.
#![no_main]

use std::collections::BTreeSet;

use ecard::service::check_roster;
use ecard_core::rules::channel::Channel;
use ecard_core::rules::organisation::OrganisationForm;
use ecard_core::rules::RulesConfig;
use ecard_fuzz::common::NOW;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static RULES: std::sync::OnceLock<RulesConfig> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(RulesConfig::default);
    let (channel, data) = match data.split_first() {
        Some((c, rest)) if c % 2 == 1 => (Channel::School, rest),
        Some((_, rest)) => (Channel::Employer, rest),
        None => return,
    };
    let agent = OrganisationForm {
        name: "华为技术有限公司".into(),
        uscc: "914403001922038216".into(),
    };
    match check_roster(data, channel, &agent, NOW, rules) {
        Ok(roster) => {
            let mut lines = BTreeSet::new();
            for (line, form, checked) in &roster.good {
                assert!(lines.insert(*line), "line {line} twice");
                assert_eq!(checked.document.kind, form.document.kind.expect("checked"));
            }
            for r in &roster.rejected {
                let line = r["line"].as_u64().expect("a refused row names its line");
                assert!(lines.insert(line), "line {line} twice");
                assert!(!r["problems"].as_array().expect("problems").is_empty());
            }
            assert!(!lines.is_empty(), "a roster without rows is an error");
        }
        Err(e) => assert!(e.code.starts_with("BATCH_"), "{}", e.code),
    }
});
