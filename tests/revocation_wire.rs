//! Revocation lists, layout 2 (docs/FORMAT.md 3.4): compact entries round-trip, every other
//! encoding is refused, the sizes the speed issue asks for hold, and the independent Python
//! checker (`docs/format_check.py`) reads every list, broken or not, the same way.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use ecard_core::format::bundle::SyncBundle;
use ecard_core::format::revocation::{RevocationList, RevocationListBody, Revoked};
use ecard_core::format::WireError;
use ecard_core::issuer::{sign_revocation_list, sign_trust_list};
use ecard_core::RevocationReason;
use ed25519_dalek::{Signature, Signer};
use proptest::prelude::*;

fn body(entries: Vec<Revoked>) -> RevocationListBody {
    RevocationListBody {
        entries,
        ..common::revocation_body(1, 0, &[])
    }
}

fn entry(serial: u64, not_after: u16, reason: u8) -> Revoked {
    Revoked {
        serial,
        not_after,
        reason: RevocationReason::from_byte(reason).unwrap(),
    }
}

/// A list signed by the fixture issuer key over `body_bytes` as given, however wrong.
fn signed_raw(body_bytes: &[u8]) -> Vec<u8> {
    let mut message = b"HNSSC-REVOCATION-V1\0".to_vec();
    message.extend_from_slice(body_bytes);
    let sig = common::issuer_key().sign(&message);
    let mut out = body_bytes.to_vec();
    out.extend_from_slice(&sig.to_bytes());
    out
}

/// The 33-byte header of a full list v1 of the fixtures with `count` entries and `first_day`.
fn header(count: u32, first_day: u16) -> Vec<u8> {
    let mut h = body(Vec::new()).to_bytes();
    h.truncate(27);
    h.extend_from_slice(&count.to_be_bytes());
    h.extend_from_slice(&first_day.to_be_bytes());
    h
}

fn parse(body_bytes: &[u8]) -> Result<RevocationList, WireError> {
    RevocationList::from_bytes(&signed_raw(body_bytes))
}

#[test]
fn the_fixture_delta_is_the_documented_bytes() {
    let today = common::today();
    let list = sign_revocation_list(
        &common::issuer_key(),
        common::revocation_body(2, 1, &[(common::SERIAL, RevocationReason::Lost)]),
    )
    .unwrap();
    let bytes = list.to_bytes();
    // Header, first_day = not_after, then the serial as one varint and (0 × 8 + 2).
    assert_eq!(&bytes[0..1], [2]);
    assert_eq!(&bytes[31..33], (today + 6).to_be_bytes());
    let mut serial = Vec::new();
    let mut v = common::SERIAL;
    while v >= 0x80 {
        serial.push(v as u8 | 0x80);
        v >>= 7;
    }
    serial.push(v as u8);
    assert_eq!(&bytes[33..33 + serial.len()], serial);
    assert_eq!(bytes[33 + serial.len()], 2);
    assert_eq!(bytes.len(), 33 + serial.len() + 1 + 64);
    assert_eq!(RevocationList::from_bytes(&bytes).unwrap(), list);
}

#[test]
fn other_encodings_of_entries_are_refused() {
    let field = |f| Err(WireError::InvalidField(f));
    // One entry: serial 5, day offset 0, reason 2.
    let good = [header(1, 20_790), vec![5, 2]].concat();
    assert_eq!(parse(&good).unwrap().body.entries, [entry(5, 20_790, 2)]);
    // Overlong serial gap.
    assert_eq!(
        parse(&[header(1, 20_790), vec![0x85, 0x00, 2]].concat()),
        field("serial")
    );
    // Overlong day-and-reason.
    assert_eq!(
        parse(&[header(1, 20_790), vec![5, 0x82, 0x00]].concat()),
        field("not_after")
    );
    // A serial twice (gap 0 after the first entry).
    assert_eq!(
        parse(&[header(2, 20_790), vec![5, 2, 0, 2]].concat()),
        field("serial")
    );
    // Serials past 2^64 - 1.
    let mut big = vec![0xff; 9];
    big.push(0x01);
    assert_eq!(
        parse(&[header(2, 20_790), big, vec![2, 1, 2]].concat()),
        field("serial")
    );
    // Reason 6.
    assert_eq!(
        parse(&[header(1, 20_790), vec![5, 6]].concat()),
        field("revocation_reason")
    );
    // A day past 65535.
    assert_eq!(
        parse(&[header(1, 65_535), vec![5, 8 | 2]].concat()),
        field("not_after")
    );
    // first_day is not the earliest day (no entry at offset 0), or not 0 for no entries.
    assert_eq!(
        parse(&[header(1, 20_789), vec![5, 8 | 2]].concat()),
        field("first_day")
    );
    assert_eq!(parse(&header(0, 1)), field("first_day"));
    // A count the input cannot hold is refused before reading.
    assert_eq!(parse(&header(1_000_000, 0)), Err(WireError::Truncated));
    // Layout 1 is not read.
    let mut v1 = good.clone();
    v1[0] = 1;
    assert_eq!(parse(&v1), Err(WireError::UnsupportedVersion(1)));
}

fn spread(count: u64, span: u64) -> Vec<Revoked> {
    (0..count)
        .map(|i| {
            entry(
                1 + i * (span / count),
                common::today() + (i % 7) as u16,
                (i % 6) as u8,
            )
        })
        .collect()
}

#[test]
fn a_delta_of_ten_thousand_fits_in_100_kb() {
    // Serials the server hands out in sequence, 10,000 revoked among 100 million live ones.
    let seq = sign_revocation_list(&common::issuer_key(), body(spread(10_000, 100_000_000)))
        .unwrap()
        .to_bytes();
    assert!(seq.len() <= 50_000, "{} bytes", seq.len());
    // The worst case: random 64-bit serials (evenly spread over all of u64 here).
    let random = sign_revocation_list(&common::issuer_key(), body(spread(10_000, u64::MAX)))
        .unwrap()
        .to_bytes();
    let bundle = SyncBundle {
        trust: Some(sign_trust_list(&common::root_key(), common::trust_body(1)).unwrap()),
        revocations: vec![RevocationList::from_bytes(&random).unwrap()],
        manifests: Vec::new(),
    }
    .to_bytes()
    .unwrap();
    assert!(bundle.len() <= 100_000, "{} bytes", bundle.len());
}

proptest! {
    #[test]
    fn lists_round_trip(
        mut raw in proptest::collection::vec((any::<u64>(), 0u16..=u16::MAX, 0u8..6), 0..60),
        small in any::<bool>(),
    ) {
        if small {
            for e in &mut raw {
                e.0 %= 1_000;
                e.1 = 20_000 + e.1 % 30;
            }
        }
        let mut entries: Vec<Revoked> = raw.iter().map(|&(s, d, r)| entry(s, d, r)).collect();
        entries.sort_by_key(|e| e.serial);
        entries.dedup_by_key(|e| e.serial);
        let list = sign_revocation_list(&common::issuer_key(), body(entries)).unwrap();
        let bytes = list.to_bytes();
        prop_assert_eq!(RevocationList::from_bytes(&bytes).unwrap(), list.clone());
        // At most 10 bytes of serial gap and 3 of day and reason an entry.
        prop_assert!(bytes.len() <= 97 + 13 * list.body.entries.len());
    }
}

/// What the Rust side makes of a bundle, in the checker's words.
fn rust_verdict(bundle: &[u8]) -> String {
    let parsed = match SyncBundle::from_bytes(bundle) {
        Ok(b) => b,
        Err(WireError::Truncated) => return "REFUSED TRUNCATED".into(),
        Err(WireError::UnsupportedVersion(_)) => return "REFUSED UNSUPPORTED_VERSION".into(),
        Err(WireError::InvalidField(f)) => return format!("REFUSED MALFORMED {f}"),
        Err(WireError::TrailingBytes) => return "REFUSED MALFORMED trailing_bytes".into(),
        Err(e) => return format!("REFUSED {e}"),
    };
    let issuer = common::issuer_key().verifying_key();
    let mut entries = Vec::new();
    for r in &parsed.revocations {
        let sig = Signature::from_bytes(&r.signature);
        if issuer.verify_strict(&r.body.signed_bytes(), &sig).is_err() {
            return "REFUSED BAD_REVOCATION_SIGNATURE".into();
        }
        for e in &r.body.entries {
            entries.push(format!(
                "{},{},{}",
                e.serial,
                e.not_after,
                e.reason.to_byte()
            ));
        }
    }
    format!("OK {}", entries.join(";"))
}

const DRIVER: &str = r#"
import argparse, contextlib, io, sys
sys.path.insert(0, sys.argv[1])
import format_check as f
args = argparse.Namespace(root_key=sys.argv[2])
for path in sys.argv[3:]:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            _, revs = f.show_bundle(path, args)
        print("OK " + ";".join(f"{e['serial']},{e['not_after']},{e['reason']}"
                               for v in revs for e in v["entries"]))
    except f.Refused as e:
        field = e.detail if e.code == "MALFORMED" else ""
        print(f"REFUSED {e.code} {field}".rstrip())
"#;

#[test]
fn the_python_checker_reads_revocation_lists_as_the_gate_does() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("python3 not found: skipped");
        return;
    }
    let trust = sign_trust_list(&common::root_key(), common::trust_body(1)).unwrap();
    let bundle_of = |list: Vec<u8>| {
        let mut b = b"HNSB\x01\x02".to_vec();
        let t = trust.to_bytes();
        b.push(1);
        b.extend_from_slice(&(t.len() as u32).to_be_bytes());
        b.extend_from_slice(&t);
        b.push(2);
        b.extend_from_slice(&(list.len() as u32).to_be_bytes());
        b.extend_from_slice(&list);
        b
    };
    let mut cases: Vec<Vec<u8>> = Vec::new();
    // Well-formed lists: empty, small serials, random-looking 64-bit serials, far days.
    let lists = [
        Vec::new(),
        vec![
            entry(0, 20_790, 0),
            entry(1, 20_791, 5),
            entry(300, 20_800, 3),
        ],
        spread(40, u64::MAX),
        vec![entry(u64::MAX - 1, 0, 1), entry(u64::MAX, 65_535, 4)],
    ];
    for entries in lists {
        let signed = sign_revocation_list(&common::issuer_key(), body(entries)).unwrap();
        cases.push(bundle_of(signed.to_bytes()));
    }
    // Re-signed wrong encodings (each must be refused for the same field).
    let mut big = vec![0xff; 9];
    big.push(0x02);
    for raw in [
        [header(1, 20_790), vec![0x85, 0x00, 2]].concat(),
        [header(1, 20_790), vec![5, 0x82, 0x00]].concat(),
        [header(2, 20_790), vec![5, 2, 0, 2]].concat(),
        [header(2, 20_790), vec![0xff; 9], vec![0x01, 2, 1, 2]].concat(),
        [header(1, 20_790), big, vec![2]].concat(),
        [header(1, 20_790), vec![5, 7]].concat(),
        [header(1, 65_535), vec![5, 8 | 2]].concat(),
        [header(1, 20_789), vec![5, 8 | 2]].concat(),
        header(0, 1),
        header(3, 0),
        [header(1, 20_790), vec![5]].concat(),
        [header(1, 20_790), vec![0x80]].concat(),
    ] {
        cases.push(bundle_of(signed_raw(&raw)));
    }
    // Every byte of a small list's entries changed, and every truncation of it.
    let small = sign_revocation_list(
        &common::issuer_key(),
        body(vec![
            entry(3, 20_790, 2),
            entry(200, 20_792, 1),
            entry(70_000, 20_791, 5),
        ]),
    )
    .unwrap()
    .to_bytes();
    for i in 27..small.len() - 64 {
        for x in [0x00, 0x01, 0x7f, 0x80, 0xff] {
            let mut m = small.clone();
            if m[i] != x {
                m[i] = x;
                cases.push(bundle_of(m));
            }
        }
    }
    for cut in 27..small.len() {
        cases.push(bundle_of(small[..cut].to_vec()));
    }
    let dir = tempdir();
    let mut paths = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let p = dir.join(format!("case{i}.bin"));
        std::fs::write(&p, case).unwrap();
        paths.push(p);
    }
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(DRIVER)
        .arg(&docs)
        .arg(hex::encode(common::root_key().verifying_key().to_bytes()))
        .args(&paths)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(python.len(), cases.len());
    let mut refused = 0;
    for (i, case) in cases.iter().enumerate() {
        let rust = rust_verdict(case);
        refused += usize::from(rust.starts_with("REFUSED"));
        assert_eq!(rust, python[i], "case {i}: {}", hex::encode(case));
    }
    // The cases reach both outcomes and more than one refusal.
    assert!(refused > 20 && refused < cases.len() - 3, "{refused}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ecard-revocation-wire-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
