//! The fuzz targets' seed inputs (`fuzz/seeds/<target>/`), made from the fixture keys so they
//! are valid examples the fuzzer mutates from. `write_fuzz_seeds` (ignored) writes them:
//! `cargo test --test fuzz_seeds -- --ignored`; `fuzz_seeds_are_current` checks the committed
//! files are what it would write, so a format change cannot leave the fuzzers starting from
//! inputs that no longer decode.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::*;
use ecard_core::format::bundle::SyncBundle;
use ecard_core::format::manifest::{
    venue_pseudonym, EntryKind, ManifestBody, ManifestEntry, VenueRules,
};
use ecard_core::format::revocation::RevocationList;
use ecard_core::format::trust::{IssuerKey, TrustList};
use ecard_core::issuer::{sign_manifest, sign_revocation_list, sign_trust_list};
use ecard_core::rules::document::DocumentKind;
use ecard_core::rules::id_number::check_char;
use ecard_core::{RevocationReason, Scene};

/// `NOW`'s day as `document_numbers` reads it: two bytes counted from 2000-01-01.
fn doc_today() -> [u8; 2] {
    (i64::from(today()) - 10_957).to_be_bytes()[6..]
        .try_into()
        .unwrap()
}

fn with_check(first17: &str) -> String {
    format!("{first17}{}", char::from(check_char(first17.as_bytes())))
}

fn seeds() -> BTreeMap<(&'static str, String), Vec<u8>> {
    let mut s: BTreeMap<(&'static str, String), Vec<u8>> = BTreeMap::new();
    let mut add = |target: &'static str, name: &str, bytes: Vec<u8>| {
        s.insert((target, name.to_string()), bytes);
    };
    let code = golden_code();
    let w = wallet();
    let library = w.code_at(NOW + 31, 30, Scene::Library, 1).unwrap();
    let general_10s = w.code_at(NOW - 20, 10, Scene::General, 255).unwrap();

    add("code_text", "golden", code.to_text().into_bytes());
    add(
        "code_text",
        "golden-enter",
        (code.to_text() + "\r\n").into_bytes(),
    );
    add("code_text", "library", library.to_text().into_bytes());
    add("code_binary", "golden", code.to_bytes());
    add("code_binary", "general-10s", general_10s.to_bytes());
    add("credential", "golden", w.credential().to_bytes());

    let trust1 = sign_trust_list(&root_key(), trust_body(1)).unwrap();
    let mut three = trust_body(2);
    for (id, byte) in [(9u16, 0x66u8), (300, 0x77)] {
        three.keys.push(IssuerKey {
            key_id: id,
            not_before: today() - 1,
            not_after: today() + 1,
            public_key: ecard_core::SigningKey::from_bytes(&[byte; 32])
                .verifying_key()
                .to_bytes(),
        });
    }
    let trust2 = sign_trust_list(&root_key(), three).unwrap();
    add("trust_list", "v1", trust1.to_bytes());
    add("trust_list", "v2-three-keys", trust2.to_bytes());

    let full1 = sign_revocation_list(&issuer_key(), revocation_body(1, 0, &[])).unwrap();
    let full2 = sign_revocation_list(
        &issuer_key(),
        revocation_body(
            2,
            0,
            &[
                (1, RevocationReason::Cancelled),
                (SERIAL, RevocationReason::Lost),
                (u64::MAX, RevocationReason::TempLost),
            ],
        ),
    )
    .unwrap();
    let delta3 = sign_revocation_list(
        &issuer_key(),
        revocation_body(3, 2, &[(SERIAL + 1, RevocationReason::Reissued)]),
    )
    .unwrap();
    add("revocation_list", "full-v1-empty", full1.to_bytes());
    add("revocation_list", "full-v2", full2.to_bytes());
    add("revocation_list", "delta-v3-on-v2", delta3.to_bytes());

    let bundle = |trust: Option<&TrustList>, lists: &[&RevocationList]| {
        SyncBundle {
            trust: trust.cloned(),
            revocations: lists.iter().map(|l| (*l).clone()).collect(),
            manifests: Vec::new(),
        }
        .to_bytes()
        .unwrap()
    };
    let golden_bundle = bundle(Some(&trust1), &[&full1]);
    for (name, reader_key, entries) in [
        ("museum-empty", None, vec![]),
        (
            "library-two-entries",
            Some([0x5a; 32]),
            vec![
                ManifestEntry {
                    pseudonym: venue_pseudonym(21, 0x12_3456),
                    start_min: 840,
                    end_min: 900,
                    kind: EntryKind::Booking,
                },
                ManifestEntry {
                    pseudonym: venue_pseudonym(21, 100),
                    start_min: 0,
                    end_min: 1440,
                    kind: EntryKind::AnnualPass,
                },
            ],
        ),
    ] {
        let m = sign_manifest(
            &issuer_key(),
            ManifestBody {
                signer_key_id: ISSUER_KEY_ID,
                venue_id: 21,
                day: today(),
                issued_at: (NOW - 3_600) as u64,
                rules: VenueRules {
                    requires_booking: true,
                    priority_seniors: true,
                    entry_early_min: 30,
                    entry_late_min: 0,
                    loan_limit: 10,
                    reader_key,
                },
                entries,
            },
        )
        .unwrap();
        add("manifest", name, m.to_bytes());
    }
    let full_and_delta = bundle(Some(&trust2), &[&full2, &delta3]);
    let delta_only = bundle(None, &[&delta3]);
    let mut unknown_section = golden_bundle.clone();
    unknown_section[5] += 1; // one more section…
    unknown_section.extend_from_slice(&[9, 0, 0, 0, 3, 1, 2, 3]); // …of an unknown tag 9
    for (target, prefix) in [("bundle", &[][..]), ("gate_state", &[0u8, 0, 0][..])] {
        for (name, b) in [
            ("golden", &golden_bundle),
            ("v2-full-and-delta", &full_and_delta),
            ("delta-only", &delta_only),
            ("unknown-section", &unknown_section),
        ] {
            add(target, name, [prefix, b].concat());
        }
    }
    let mut gate = museum_gate();
    assert!(gate.verify(&code.to_text(), NOW).admitted);
    assert!(gate.verify(&library.to_text(), NOW + 31).code == "WRONG_SCENE");
    assert!(
        gate.verify(
            &w.code_at(NOW, 30, Scene::General, 3).unwrap().to_text(),
            NOW
        )
        .admitted
    );
    add(
        "gate_state",
        "replay-two",
        [&[1u8, 0, 0][..], &gate.save_replay()].concat(),
    );

    for (name, t, text) in [
        ("golden", 0i16, code.to_text()),
        ("golden-29s-later", 29, code.to_text()),
        ("library-31s-ahead", 0, library.to_text()),
        ("general-10s", 0, general_10s.to_text()),
        ("wrong-prefix", 0, "https://example.org/".to_string()),
    ] {
        add(
            "gate_verify",
            name,
            [&t.to_be_bytes()[..], text.as_bytes()].concat(),
        );
    }

    // (flags: bit 0 delta, bit 1 ends a bundle; version; base; entries) then entries.
    add(
        "revocation_sync",
        "full-then-delta",
        vec![2, 2, 0, 1, 0, 0x61, 3, 3, 2, 1, 1, 0x22],
    );
    add("revocation_sync", "delta-gap", vec![3, 5, 4, 1, 0, 0x80]);
    add(
        "revocation_sync",
        "rollback",
        vec![2, 4, 0, 0, 2, 3, 0, 1, 0, 0xe1],
    );
    add(
        "revocation_sync",
        "two-in-one-bundle",
        vec![0, 2, 0, 1, 0, 0x42, 3, 3, 2, 1, 4, 0x00],
    );

    let id = |kind: u8, number: &str| [&doc_today()[..], &[kind], number.as_bytes()].concat();
    for (name, kind, number) in [
        ("resident-id", 0u8, "11010519491231002X".to_string()),
        ("resident-id-lower-x", 0, " 11010519491231002x ".to_string()),
        ("residence-permit-hk", 1, with_check("81000019900101123")),
        ("residence-permit-tw", 1, with_check("83000020000229004")),
        ("permanent-2023", 2, "932682198501010017".to_string()),
        ("permanent-2017", 2, "KAZ110090123105".to_string()),
        ("hk-permit", 3, "H12345678".to_string()),
        ("macao-permit-non-chinese", 3, "MA1234567".to_string()),
        ("hk-permit-10", 3, "H1234567890".to_string()),
        ("taiwan-permit", 4, "12345678".to_string()),
        ("chinese-passport-e", 5, "EA1234567".to_string()),
        ("chinese-passport-g", 5, "G12345678".to_string()),
        ("foreign-passport", 6, "X12345678".to_string()),
        ("uscc", 0, "914403001922038216".to_string()),
        ("iso-date", 0, "2000-02-29".to_string()),
        ("nationality", 6, "KAZ".to_string()),
    ] {
        add("document_numbers", name, id(kind, &number));
    }

    let adult = with_check("41072119900101123");
    let other = with_check("41072119850715002");
    let child = with_check("41072120150601003");
    let parent = with_check("41072119850302004");
    let roster = format!(
        "\u{feff}category,name,phone,document_kind,document_number,guardian_name,guardian_id_number,guardian_relation,guardian_proof\n\
         citizen,赵一,13900000001,resident_id,{adult},,,,\n\
         citizen,钱二,13900000002,resident_id,{other}\n\
         citizen,孙小三,13900000003,resident_id,{child},孙大,{parent},father,household_register\n\
         martian,李四,13900000004,resident_id,{adult},,,,\n\
         citizen,\"周,五\",13900000005,passport,X1,,,,\n"
    );
    add(
        "csv_import",
        "employer",
        [&[0u8][..], roster.as_bytes()].concat(),
    );
    let school = format!(
        "category,name,phone,document_kind,document_number,birth_date,nationality\r\n\
         foreigner,JOHN SMITH,13900000007,foreign_passport,X12345678,2001-02-03,USA\r\n\
         citizen,王五,13900000008,resident_id,{adult},,\r\n"
    );
    add(
        "csv_import",
        "school-crlf",
        [&[1u8][..], school.as_bytes()].concat(),
    );
    s
}

fn seed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds")
}

#[test]
#[ignore = "writes fuzz/seeds; run when the formats or the fixtures change"]
fn write_fuzz_seeds() {
    for ((target, name), bytes) in seeds() {
        let dir = seed_dir().join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[test]
fn fuzz_seeds_are_current() {
    for ((target, name), bytes) in seeds() {
        let path = seed_dir().join(target).join(&name);
        let on_disk = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run write_fuzz_seeds)", path.display()));
        assert!(
            on_disk == bytes,
            "{} is stale (run write_fuzz_seeds)",
            path.display()
        );
    }
}

#[test]
fn the_seed_examples_are_what_they_claim() {
    let s = seeds();
    let get = |t: &'static str, n: &str| s[&(t, n.to_string())].clone();
    let full2 = RevocationList::from_bytes(&get("revocation_list", "full-v2")).unwrap();
    let delta3 = RevocationList::from_bytes(&get("revocation_list", "delta-v3-on-v2")).unwrap();
    assert!(!full2.body.is_delta() && delta3.body.is_delta());
    let mut gate = museum_gate();
    gate.load_bundle(&get("bundle", "v2-full-and-delta"), NOW)
        .unwrap();
    assert_eq!(gate.sync_status(NOW).revocation_version, 3);
    assert_eq!(gate.sync_status(NOW).revoked_count, 4);
    let unknown = SyncBundle::from_bytes(&get("bundle", "unknown-section")).unwrap();
    assert_eq!(
        unknown,
        SyncBundle::from_bytes(&get("bundle", "golden")).unwrap()
    );
    let today = ecard_core::rules::date::Date::from_unix_cst(NOW);
    let docs = [
        "resident-id",
        "residence-permit-hk",
        "residence-permit-tw",
        "permanent-2023",
        "permanent-2017",
        "hk-permit",
        "macao-permit-non-chinese",
        "taiwan-permit",
        "chinese-passport-e",
        "foreign-passport",
    ];
    for name in docs {
        let b = get("document_numbers", name);
        assert_eq!(&b[..2], &doc_today());
        let number = std::str::from_utf8(&b[3..]).unwrap();
        ecard_core::rules::document::check(DocumentKind::ALL[usize::from(b[2])], number, today)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
}
