//! A venue's gate with the day's signed reservation manifest: the booking window at its edges,
//! passes, priority entry, the manifest's signature and venue, and library reader ids.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use common::*;
use ecard_core::format::bundle::SyncBundle;
use ecard_core::format::fields::{day_of, day_start};
use ecard_core::format::manifest::{
    serial_for, venue_pseudonym, EntryKind, ManifestBody, ManifestEntry, VenueRules,
};
use ecard_core::gate::SyncError;
use ecard_core::issuer::{issue_credential, sign_manifest, sign_revocation_list, sign_trust_list};
use ecard_core::{AgeBand, Gate, GatePolicy, Scene, SigningKey, Verdict, Wallet};

const MUSEUM: u32 = 21;
const OTHER_MUSEUM: u32 = 22;
const HOLDER: u64 = 0x12_3456_789a;

/// Unix time of `hh:mm` today (Beijing time).
fn at(hh: i64, mm: i64) -> i64 {
    day_start(day_of(NOW)) + hh * 3600 + mm * 60
}

fn rules() -> VenueRules {
    VenueRules {
        requires_booking: true,
        priority_seniors: false,
        entry_early_min: 30,
        entry_late_min: 0,
        loan_limit: 0,
        reader_key: None,
    }
}

fn entry(venue: u32, holder: u64, start: u16, end: u16, kind: EntryKind) -> ManifestEntry {
    ManifestEntry {
        pseudonym: venue_pseudonym(venue, holder),
        start_min: start,
        end_min: end,
        kind,
    }
}

fn manifest_bundle(venue: u32, rules: VenueRules, entries: Vec<ManifestEntry>) -> Vec<u8> {
    let manifest = sign_manifest(
        &issuer_key(),
        ManifestBody {
            signer_key_id: ISSUER_KEY_ID,
            venue_id: venue,
            day: today(),
            issued_at: (NOW - 3_600) as u64,
            rules,
            entries,
        },
    )
    .unwrap();
    SyncBundle {
        trust: Some(sign_trust_list(&root_key(), trust_body(1)).unwrap()),
        revocations: vec![sign_revocation_list(&issuer_key(), revocation_body(1, 0, &[])).unwrap()],
        manifests: vec![manifest],
    }
    .to_bytes()
    .unwrap()
}

fn venue_gate(venue: u32, scene: Scene, bundle: &[u8]) -> Gate {
    let mut policy = GatePolicy::for_scene(scene);
    policy.venue_id = Some(venue);
    let mut gate = Gate::new(&root_key().verifying_key().to_bytes(), policy).unwrap();
    gate.load_bundle(bundle, NOW)
        .expect("manifest bundle loads");
    gate
}

/// A wallet whose credential carries `holder` (credential number `n`) and `age_band`.
fn holder_wallet(holder: u64, n: u32, age_band: AgeBand) -> Wallet {
    let device = SigningKey::from_bytes(&[0x40 + n as u8; 32]);
    let mut body = credential_body(device.verifying_key().to_bytes());
    body.serial = serial_for(holder, n);
    body.age_band = age_band;
    Wallet::new(device, issue_credential(&issuer_key(), body).unwrap()).unwrap()
}

fn scan(gate: &mut Gate, wallet: &Wallet, scene: Scene, now: i64) -> Verdict {
    let text = wallet.code_at(now, 30, scene, 0).unwrap().to_text();
    gate.verify(&text, now)
}

fn booked_14_to_15() -> Gate {
    let b = manifest_bundle(
        MUSEUM,
        rules(),
        vec![entry(MUSEUM, HOLDER, 840, 900, EntryKind::Booking)],
    );
    venue_gate(MUSEUM, Scene::Museum, &b)
}

#[test]
fn a_booking_admits_only_within_its_entry_window() {
    let w = holder_wallet(HOLDER, 1, AgeBand::From18To59);
    let mut gate = booked_14_to_15();
    let v = scan(&mut gate, &w, Scene::Museum, at(13, 29));
    assert_eq!(v.code, "BOOKING_TOO_EARLY");
    assert_eq!(
        v.message,
        "已预约 14:00–15:00，尚未到入场时间（13:30 起可入场）"
    );
    let v = scan(&mut gate, &w, Scene::Museum, at(13, 30));
    assert!(v.admitted, "{v:?}");
    assert_eq!(v.message, "验证通过（博物馆） · 预约 14:00–15:00");
    assert_eq!(v.entry.as_ref().unwrap().kind, "booking");
    // The last minute of the slot still admits; one minute later the window has closed.
    let v = scan(&mut gate, &w, Scene::Museum, at(15, 0) + 59);
    assert!(v.admitted, "{v:?}");
    let v = scan(&mut gate, &w, Scene::Museum, at(15, 1));
    assert_eq!(v.code, "BOOKING_TOO_LATE");
    assert_eq!(v.message, "已预约 14:00–15:00，入场时间已过，请重新预约");
}

#[test]
fn a_late_margin_extends_the_window() {
    let mut r = rules();
    r.entry_late_min = 20;
    let b = manifest_bundle(
        MUSEUM,
        r,
        vec![entry(MUSEUM, HOLDER, 840, 900, EntryKind::Booking)],
    );
    let mut gate = venue_gate(MUSEUM, Scene::Museum, &b);
    let w = holder_wallet(HOLDER, 1, AgeBand::From18To59);
    assert!(scan(&mut gate, &w, Scene::Museum, at(15, 20)).admitted);
    let v = scan(&mut gate, &w, Scene::Museum, at(15, 21) + 5);
    assert_eq!(v.code, "BOOKING_TOO_LATE");
}

#[test]
fn no_booking_here_or_at_another_museum_is_refused_with_the_reason() {
    let w = holder_wallet(HOLDER, 1, AgeBand::From18To59);
    let stranger = holder_wallet(HOLDER + 1, 1, AgeBand::From18To59);
    let mut gate = booked_14_to_15();
    let v = scan(&mut gate, &stranger, Scene::Museum, at(14, 10));
    assert!(!v.admitted);
    assert_eq!(v.code, "NO_BOOKING");
    assert_eq!(v.message, "今日无预约，请先在“豫事办”预约后再来");
    // The other museum's manifest lists someone else: the holder's booking does not carry over.
    let b = manifest_bundle(
        OTHER_MUSEUM,
        rules(),
        vec![entry(
            OTHER_MUSEUM,
            HOLDER + 1,
            840,
            900,
            EntryKind::Booking,
        )],
    );
    let mut other = venue_gate(OTHER_MUSEUM, Scene::Museum, &b);
    assert_eq!(
        scan(&mut other, &w, Scene::Museum, at(14, 10)).code,
        "NO_BOOKING"
    );
    // A pseudonym made for one venue means nothing at another.
    let b = manifest_bundle(
        OTHER_MUSEUM,
        rules(),
        vec![entry(MUSEUM, HOLDER, 840, 900, EntryKind::Booking)],
    );
    let mut other = venue_gate(OTHER_MUSEUM, Scene::Museum, &b);
    assert_eq!(
        scan(&mut other, &w, Scene::Museum, at(14, 10)).code,
        "NO_BOOKING"
    );
}

#[test]
fn a_refusal_for_the_booking_does_not_use_up_the_code() {
    let w = holder_wallet(HOLDER, 1, AgeBand::From18To59);
    let mut gate = booked_14_to_15();
    let text = w
        .code_at(at(13, 29), 30, Scene::Museum, 0)
        .unwrap()
        .to_text();
    assert_eq!(gate.verify(&text, at(13, 29)).code, "BOOKING_TOO_EARLY");
    assert_eq!(gate.replay_len(), 0);
}

#[test]
fn passes_priority_and_seniors_enter_without_booking() {
    let mut r = rules();
    r.priority_seniors = true;
    let b = manifest_bundle(
        MUSEUM,
        r,
        vec![
            entry(MUSEUM, 100, 0, 1440, EntryKind::AnnualPass),
            entry(MUSEUM, 200, 0, 1440, EntryKind::Priority),
        ],
    );
    let mut gate = venue_gate(MUSEUM, Scene::ScenicArea, &b);
    let v = scan(
        &mut gate,
        &holder_wallet(100, 1, AgeBand::From18To59),
        Scene::ScenicArea,
        at(9, 0),
    );
    assert!(v.admitted);
    assert_eq!(v.message, "验证通过（景区） · 年卡");
    let v = scan(
        &mut gate,
        &holder_wallet(200, 2, AgeBand::From18To59),
        Scene::ScenicArea,
        at(9, 0),
    );
    assert_eq!(v.entry.unwrap().kind, "priority");
    let v = scan(
        &mut gate,
        &holder_wallet(300, 3, AgeBand::From65To69),
        Scene::ScenicArea,
        at(9, 0),
    );
    assert_eq!(v.entry.unwrap().label, "优先入场（60岁以上）");
    let v = scan(
        &mut gate,
        &holder_wallet(400, 4, AgeBand::From18To59),
        Scene::ScenicArea,
        at(9, 0),
    );
    assert_eq!(v.code, "NO_BOOKING");
}

#[test]
fn a_venue_without_booking_admits_everyone_and_a_gate_without_todays_manifest_refuses() {
    let mut r = rules();
    r.requires_booking = false;
    let mut gate = venue_gate(MUSEUM, Scene::Museum, &manifest_bundle(MUSEUM, r, vec![]));
    let v = scan(
        &mut gate,
        &holder_wallet(HOLDER, 1, AgeBand::From18To59),
        Scene::Museum,
        at(10, 0),
    );
    assert_eq!(v.entry.unwrap().kind, "open");
    // Tomorrow the gate holds no manifest for the day.
    let tomorrow = at(10, 0) + 86_400;
    let v = scan(
        &mut gate,
        &holder_wallet(HOLDER, 1, AgeBand::From18To59),
        Scene::Museum,
        tomorrow,
    );
    assert_eq!(v.code, "BOOKINGS_NOT_SYNCED");
}

#[test]
fn a_manifest_for_another_venue_or_tampered_is_not_loaded_and_changes_nothing() {
    let mut gate = booked_14_to_15();
    let before = gate.sync_status(NOW);
    let other = manifest_bundle(OTHER_MUSEUM, rules(), vec![]);
    assert_eq!(
        gate.load_bundle(&other, NOW),
        Err(SyncError::WrongVenue {
            gate: MUSEUM,
            got: OTHER_MUSEUM
        })
    );
    // Flip one bit in each byte of the manifest section's body: every flip is refused (as
    // malformed or as a bad signature), and the gate keeps its manifest.
    let good = manifest_bundle(
        MUSEUM,
        rules(),
        vec![entry(MUSEUM, HOLDER + 5, 600, 660, EntryKind::Booking)],
    );
    let parsed = SyncBundle::from_bytes(&good).unwrap();
    let section = parsed.manifests[0].to_bytes();
    let start = good.len() - section.len();
    for i in start..good.len() - 64 {
        let mut bad = good.clone();
        bad[i] ^= 0x04;
        let r = gate.load_bundle(&bad, NOW);
        assert!(
            matches!(
                r,
                Err(SyncError::BadManifestSignature)
                    | Err(SyncError::Malformed(_))
                    | Err(SyncError::WrongVenue { .. })
            ),
            "byte {i}: {r:?}"
        );
    }
    assert_eq!(gate.sync_status(NOW), before);
    let w = holder_wallet(HOLDER, 1, AgeBand::From18To59);
    assert!(scan(&mut gate, &w, Scene::Museum, at(14, 0)).admitted);
}

#[test]
fn a_gate_without_a_venue_ignores_manifests() {
    let b = manifest_bundle(MUSEUM, rules(), vec![]);
    let mut gate = Gate::new(
        &root_key().verifying_key().to_bytes(),
        GatePolicy::for_scene(Scene::Museum),
    )
    .unwrap();
    gate.load_bundle(&b, NOW).unwrap();
    assert!(gate.sync_status(NOW).manifests.is_empty());
    let v = scan(
        &mut gate,
        &holder_wallet(HOLDER, 1, AgeBand::From18To59),
        Scene::Museum,
        at(10, 0),
    );
    assert!(v.admitted);
    assert_eq!(v.entry, None);
}

#[test]
fn reader_ids_are_stable_in_one_library_and_differ_between_libraries() {
    let library = |venue: u32, key: u8| {
        let mut r = rules();
        r.requires_booking = false;
        r.loan_limit = 10;
        r.reader_key = Some([key; 32]);
        venue_gate(venue, Scene::Library, &manifest_bundle(venue, r, vec![]))
    };
    let (mut a, mut b) = (library(31, 0xa1), library(32, 0xb2));
    let phone = holder_wallet(HOLDER, 1, AgeBand::From18To59);
    // A renewed credential (another serial, another phone key) for the same holder.
    let new_phone = holder_wallet(HOLDER, 2, AgeBand::From18To59);
    let someone_else = holder_wallet(HOLDER + 1, 3, AgeBand::From18To59);
    let id = |g: &mut Gate, w: &Wallet, t: i64| {
        let v = scan(g, w, Scene::Library, t);
        assert!(v.admitted, "{v:?}");
        let r = v.reader.unwrap();
        assert_eq!(r.loan_limit, 10);
        r.reader_id
    };
    let a1 = id(&mut a, &phone, at(9, 0));
    assert_eq!(a1, id(&mut a, &new_phone, at(9, 1)));
    assert_ne!(a1, id(&mut a, &someone_else, at(9, 2)));
    let b1 = id(&mut b, &phone, at(9, 0));
    assert_ne!(a1, b1);
    assert_eq!(b1, id(&mut b, &new_phone, at(9, 1)));
    assert_eq!(a1.len(), 16);
    assert!(!a1.contains(&HOLDER.to_string()));
}

#[test]
fn a_venue_bundle_matches_its_golden_file() {
    let mut r = rules();
    r.loan_limit = 10;
    r.reader_key = Some([0x5a; 32]);
    let bundle = manifest_bundle(
        MUSEUM,
        r,
        vec![
            entry(MUSEUM, HOLDER, 840, 900, EntryKind::Booking),
            entry(MUSEUM, 100, 0, 1440, EntryKind::AnnualPass),
        ],
    );
    let text = hex::encode(bundle) + "\n";
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/venue_bundle.hex");
        std::fs::write(path, &text).unwrap();
    }
    assert_eq!(text, include_str!("golden/venue_bundle.hex"));
}
