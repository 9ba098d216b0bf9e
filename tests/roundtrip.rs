//! Property tests: every format decodes to what was encoded, and random truncation or
//! corruption is refused without a panic. Native only (proptest); the wasm run covers the
//! fixed-vector tests.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use ecard_core::format::bundle::SyncBundle;
use ecard_core::format::code::{Code, Presentation};
use ecard_core::format::credential::{Credential, CredentialBody};
use ecard_core::format::manifest::{EntryKind, Manifest, ManifestBody, ManifestEntry, VenueRules};
use ecard_core::format::revocation::{RevocationList, RevocationListBody, Revoked};
use ecard_core::format::trust::{IssuerKey, TrustList, TrustListBody};
use ecard_core::{AgeBand, CardState, RevocationReason, Scene};
use proptest::prelude::*;

fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(all)
}

fn credential() -> impl Strategy<Value = Credential> {
    (
        any::<u16>(),
        any::<u64>(),
        pick(CardState::ALL),
        (0u16..40_000, 0u16..400),
        100_000u32..=999_999,
        pick(AgeBand::ALL),
        any::<[u8; 32]>(),
        "[张王李欧阳A-Z ]{0,8}\\*{1,3}",
        proptest::collection::vec(any::<u8>(), 64),
    )
        .prop_map(
            |(key_id, serial, state, (nb, len), region, band, device, name, sig)| Credential {
                body: CredentialBody {
                    issuer_key_id: key_id,
                    serial,
                    card_state: state,
                    not_before: nb,
                    not_after: nb + len,
                    region,
                    age_band: band,
                    device_key: device,
                    masked_name: name,
                },
                issuer_signature: sig.try_into().unwrap(),
            },
        )
}

fn code() -> impl Strategy<Value = Code> {
    (
        credential(),
        1u8..=255,
        any::<u32>(),
        pick(Scene::ALL),
        any::<u8>(),
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
    )
        .prop_map(
            |(credential, step_secs, step, scene, counter, s1, s2)| Code {
                credential,
                presentation: Presentation {
                    step_secs,
                    step,
                    scene,
                    counter,
                },
                device_signature: [s1, s2].concat().try_into().unwrap(),
            },
        )
}

/// A revocation list, full (base version 0) or a delta (base below the list's version).
fn revocation_list_of(delta: bool) -> impl Strategy<Value = RevocationList> {
    (
        proptest::collection::btree_map(
            any::<u64>(),
            (any::<u16>(), pick(RevocationReason::ALL)),
            0..50,
        ),
        2u32..=u32::MAX,
        any::<u32>(),
        any::<u16>(),
        (any::<u64>(), any::<u64>()),
        any::<[u8; 32]>(),
    )
        .prop_map(
            move |(entries, version, base, signer, (issued, until), s)| RevocationList {
                body: RevocationListBody {
                    signer_key_id: signer,
                    list_version: version,
                    base_version: if delta { 1 + base % (version - 1) } else { 0 },
                    issued_at: issued,
                    usable_until: until,
                    entries: entries
                        .into_iter()
                        .map(|(serial, (not_after, reason))| Revoked {
                            serial,
                            not_after,
                            reason,
                        })
                        .collect(),
                },
                signature: [s, s].concat().try_into().unwrap(),
            },
        )
}

fn revocation_list() -> impl Strategy<Value = RevocationList> {
    prop_oneof![revocation_list_of(false), revocation_list_of(true)]
}

fn trust_list() -> impl Strategy<Value = TrustList> {
    (
        proptest::collection::btree_map(
            any::<u16>(),
            (any::<[u8; 32]>(), any::<u16>(), any::<u16>()),
            0..10,
        ),
        any::<u32>(),
        (any::<u64>(), any::<u64>()),
        any::<[u8; 32]>(),
    )
        .prop_map(|(keys, version, (issued, until), s)| TrustList {
            body: TrustListBody {
                list_version: version,
                issued_at: issued,
                usable_until: until,
                keys: keys
                    .into_iter()
                    .map(|(key_id, (public_key, a, b))| IssuerKey {
                        key_id,
                        not_before: a.min(b),
                        not_after: a.max(b),
                        public_key,
                    })
                    .collect(),
            },
            root_signature: [s, s].concat().try_into().unwrap(),
        })
}

fn manifest() -> impl Strategy<Value = Manifest> {
    (
        (any::<u16>(), any::<u32>(), any::<u16>(), any::<u64>()),
        (
            any::<bool>(),
            any::<bool>(),
            0u16..=1440,
            0u16..=1440,
            any::<u8>(),
        ),
        proptest::option::of(any::<[u8; 32]>()),
        proptest::collection::btree_set((any::<u64>(), 0u16..1440, 1u16..=1440, 1u8..=3), 0..20),
        any::<[u8; 32]>(),
    )
        .prop_map(|(ids, flags, reader_key, entries, s)| {
            let (signer_key_id, venue_id, day, issued_at) = ids;
            let (requires_booking, priority_seniors, entry_early_min, entry_late_min, loan_limit) =
                flags;
            let kind = |k| match k {
                1 => EntryKind::Booking,
                2 => EntryKind::AnnualPass,
                _ => EntryKind::Priority,
            };
            let mut entries: Vec<ManifestEntry> = entries
                .into_iter()
                .map(|(pseudonym, a, len, k)| ManifestEntry {
                    pseudonym,
                    start_min: a,
                    end_min: (a + len).min(1440).max(a + 1),
                    kind: kind(k),
                })
                .collect();
            entries.sort();
            entries.dedup();
            Manifest {
                body: ManifestBody {
                    signer_key_id,
                    venue_id,
                    day,
                    issued_at,
                    rules: VenueRules {
                        requires_booking,
                        priority_seniors,
                        entry_early_min,
                        entry_late_min,
                        loan_limit,
                        reader_key,
                    },
                    entries,
                },
                signature: [s, s].concat().try_into().unwrap(),
            }
        })
}

fn any_bundle() -> impl Strategy<Value = SyncBundle> {
    (
        proptest::option::of(trust_list()),
        proptest::collection::vec(revocation_list(), 0..4),
        proptest::collection::vec(manifest(), 0..3),
    )
        .prop_map(|(trust, revocations, manifests)| SyncBundle {
            trust,
            revocations,
            manifests,
        })
}

/// Every format's canonical bytes, for the truncation and corruption properties.
fn any_encoded() -> impl Strategy<Value = (&'static str, Vec<u8>)> {
    prop_oneof![
        code().prop_map(|c| ("code", c.to_bytes())),
        credential().prop_map(|c| ("credential", c.to_bytes())),
        trust_list().prop_map(|t| ("trust", t.to_bytes())),
        revocation_list_of(false).prop_map(|r| ("revocation_full", r.to_bytes())),
        revocation_list_of(true).prop_map(|r| ("revocation_delta", r.to_bytes())),
        manifest().prop_map(|m| ("manifest", m.to_bytes())),
        any_bundle().prop_map(|b| ("bundle", b.to_bytes().unwrap())),
    ]
}

/// Decodes `bytes` as the format `kind` names; `Some(re-encoded bytes)` when it decodes.
fn decode_as(kind: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    match kind {
        "code" => Code::from_bytes(bytes).ok().map(|c| c.to_bytes()),
        "credential" => Credential::from_bytes(bytes).ok().map(|c| c.to_bytes()),
        "trust" => TrustList::from_bytes(bytes).ok().map(|t| t.to_bytes()),
        "revocation_full" | "revocation_delta" => {
            RevocationList::from_bytes(bytes).ok().map(|r| r.to_bytes())
        }
        "manifest" => Manifest::from_bytes(bytes).ok().map(|m| m.to_bytes()),
        "bundle" => SyncBundle::from_bytes(bytes)
            .ok()
            .map(|b| b.to_bytes().unwrap()),
        other => unreachable!("{other}"),
    }
}

/// Flips each listed bit (taken modulo the input's length in bits).
fn flip(bytes: &mut [u8], bits: &std::collections::BTreeSet<usize>) {
    let len = bytes.len() * 8;
    for &bit in bits {
        let bit = bit % len;
        bytes[bit / 8] ^= 1 << (bit % 8);
    }
}

proptest! {
    #[test]
    fn codes_round_trip_through_bytes_and_text(c in code()) {
        prop_assert_eq!(Code::from_bytes(&c.to_bytes()).unwrap(), c.clone());
        prop_assert_eq!(Code::from_text(&c.to_text()).unwrap(), c);
    }

    #[test]
    fn credentials_round_trip(c in credential()) {
        prop_assert_eq!(Credential::from_bytes(&c.to_bytes()).unwrap(), c);
    }

    #[test]
    fn lists_and_bundles_round_trip(t in trust_list(), r in revocation_list(), m in manifest()) {
        prop_assert_eq!(TrustList::from_bytes(&t.to_bytes()).unwrap(), t.clone());
        prop_assert_eq!(RevocationList::from_bytes(&r.to_bytes()).unwrap(), r.clone());
        prop_assert_eq!(Manifest::from_bytes(&m.to_bytes()).unwrap(), m.clone());
        let b = SyncBundle { trust: Some(t), revocations: vec![r], manifests: vec![m] };
        prop_assert_eq!(SyncBundle::from_bytes(&b.to_bytes().unwrap()).unwrap(), b);
    }

    #[test]
    fn full_and_delta_revocation_lists_round_trip(
        full in revocation_list_of(false),
        delta in revocation_list_of(true),
    ) {
        for r in [full, delta] {
            let bytes = r.to_bytes();
            let back = RevocationList::from_bytes(&bytes).unwrap();
            prop_assert_eq!(back.body.is_delta(), r.body.base_version != 0);
            prop_assert_eq!(back.to_bytes(), bytes);
            prop_assert_eq!(back, r);
        }
    }

    #[test]
    fn bundles_of_any_sections_round_trip(b in any_bundle()) {
        let bytes = b.to_bytes().unwrap();
        let back = SyncBundle::from_bytes(&bytes).unwrap();
        prop_assert_eq!(back.to_bytes().unwrap(), bytes);
        prop_assert_eq!(back, b);
    }

    #[test]
    fn every_truncation_of_every_format_is_refused((kind, bytes) in any_encoded()) {
        prop_assert!(decode_as(kind, &bytes).is_some(), "{} does not decode", kind);
        for cut in 0..bytes.len() {
            prop_assert!(
                decode_as(kind, &bytes[..cut]).is_none(),
                "{} cut to {} of {} bytes decoded", kind, cut, bytes.len()
            );
        }
    }

    /// Corrupted bytes either are refused or decode to a value written exactly as those bytes
    /// (bundles: one that re-encodes stably, since unknown sections are skipped): a decoder never
    /// "repairs" a corruption into another value, and never panics.
    #[test]
    fn multi_bit_corruption_of_every_format_is_refused_or_exact(
        (kind, bytes) in any_encoded(),
        bits in proptest::collection::btree_set(any::<usize>(), 2..=16),
    ) {
        let mut corrupted = bytes.clone();
        flip(&mut corrupted, &bits);
        if let Some(re) = decode_as(kind, &corrupted) {
            if kind == "bundle" {
                prop_assert_eq!(decode_as(kind, &re), Some(re.clone()));
            } else {
                prop_assert_eq!(re, corrupted);
            }
        }
    }

    #[test]
    fn multi_bit_corruption_of_a_real_code_is_refused(
        flips in proptest::collection::btree_set(0usize..1536, 2..=16),
    ) {
        let mut bytes = golden_code().to_bytes();
        prop_assert_eq!(bytes.len() * 8, 1536);
        flip(&mut bytes, &flips);
        let text = format!("HNSSC1:{}", base45_encode(&bytes));
        let v = museum_gate().verify(&text, NOW);
        prop_assert!(!v.admitted, "flips {:?} admitted", flips);
        prop_assert!(v.holder.is_none() || Code::from_text(&text).unwrap().credential
            == golden_code().credential, "holder shown from a forged credential");
    }

    /// Bit flips in the text itself (what a bad scan does): refused, with a refusal code.
    #[test]
    fn multi_bit_corruption_of_the_code_text_is_refused(
        flips in proptest::collection::btree_set(0usize..(295 * 8), 2..=16),
    ) {
        let text = golden_code().to_text();
        prop_assert_eq!(text.len(), 295);
        let mut bytes = text.into_bytes();
        flip(&mut bytes, &flips);
        let scanned = String::from_utf8_lossy(&bytes);
        let v = museum_gate().verify(&scanned, NOW);
        prop_assert!(!v.admitted, "flips {:?} admitted", flips);
        prop_assert_ne!(v.code, "ADMITTED");
    }

    /// A corrupted trust or revocation list never loads: the signature covers every byte.
    #[test]
    fn multi_bit_corruption_of_signed_lists_never_loads(
        which in 0usize..2,
        bits in proptest::collection::btree_set(any::<usize>(), 2..=16),
    ) {
        use ecard_core::issuer::{sign_revocation_list, sign_trust_list};
        let trust = sign_trust_list(&root_key(), trust_body(2)).unwrap();
        let revocations =
            sign_revocation_list(&issuer_key(), revocation_body(2, 1, &[(SERIAL, RevocationReason::Lost)]))
                .unwrap();
        let mut bytes = if which == 0 { trust.to_bytes() } else { revocations.to_bytes() };
        let original = bytes.clone();
        flip(&mut bytes, &bits);
        prop_assume!(bytes != original);
        let section = if which == 0 {
            TrustList::from_bytes(&bytes).map(|t| SyncBundle { trust: Some(t), revocations: vec![], manifests: vec![] })
        } else {
            RevocationList::from_bytes(&bytes).map(|r| SyncBundle { trust: None, revocations: vec![r], manifests: vec![] })
        };
        let mut gate = museum_gate();
        let before = gate.sync_status(NOW);
        if let Ok(b) = section {
            prop_assert!(gate.load_bundle(&b.to_bytes().unwrap(), NOW).is_err());
        }
        prop_assert_eq!(gate.sync_status(NOW), before);
        prop_assert!(gate.verify(&golden_code().to_text(), NOW).admitted);
    }

    /// A corrupted bundle (container and sections) leaves the gate at its old state or at a
    /// state the issuer signed, never anything else; the card it revokes is refused or admitted
    /// accordingly.
    #[test]
    fn multi_bit_corruption_of_a_bundle_leaves_old_or_signed_state(
        bits in proptest::collection::btree_set(any::<usize>(), 2..=16),
    ) {
        use ecard_core::issuer::{sign_revocation_list, sign_trust_list};
        let bundle = SyncBundle {
            trust: Some(sign_trust_list(&root_key(), trust_body(2)).unwrap()),
            revocations: vec![sign_revocation_list(
                &issuer_key(),
                revocation_body(2, 1, &[(SERIAL, RevocationReason::Lost)]),
            )
            .unwrap()],
            manifests: vec![],
        };
        let mut bytes = bundle.to_bytes().unwrap();
        flip(&mut bytes, &bits);
        let mut gate = museum_gate();
        let _ = gate.load_bundle(&bytes, NOW);
        let s = gate.sync_status(NOW);
        let v = gate.verify(&golden_code().to_text(), NOW);
        match s.revocation_version {
            1 => prop_assert!(v.admitted && s.revoked_count == 0, "{:?} {:?}", s, v),
            2 => prop_assert!(v.code == "REVOKED" && s.revoked_count == 1, "{:?} {:?}", s, v),
            other => prop_assert!(false, "revocation version {} after a corrupted bundle", other),
        }
        prop_assert!(s.trust_version == 1 || s.trust_version == 2);
    }

    #[test]
    fn arbitrary_text_never_panics_the_gate(s in "HNSSC1:[0-9A-Z $%*+./:-]{0,400}") {
        let v = museum_gate().verify(&s, NOW);
        prop_assert!(!v.admitted);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoders(b in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Code::from_bytes(&b);
        let _ = Credential::from_bytes(&b);
        let _ = TrustList::from_bytes(&b);
        let _ = RevocationList::from_bytes(&b);
        let _ = SyncBundle::from_bytes(&b);
    }
}

const B45: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

#[test]
fn every_truncation_of_the_code_text_is_refused_by_the_gate() {
    let text = golden_code().to_text();
    let mut gate = museum_gate();
    for cut in 0..text.len() {
        let v = gate.verify(&text[..cut], NOW);
        assert!(!v.admitted, "cut to {cut} admitted");
        let expected = if cut < "HNSSC1:".len() {
            "WRONG_PREFIX"
        } else {
            // base45 takes 3 characters for 2 bytes and 2 for a last odd byte: one character
            // past a whole group is no base45, nor are 2 that stand for more than 255.
            let body = &text.as_bytes()["HNSSC1:".len()..cut];
            let value = |c: u8| B45.iter().position(|&a| a == c).unwrap();
            match body.len() % 3 {
                1 => "BAD_ENCODING",
                2 if value(body[body.len() - 2]) + 45 * value(body[body.len() - 1]) > 255 => {
                    "BAD_ENCODING"
                }
                _ => "TRUNCATED",
            }
        };
        assert_eq!(v.code, expected, "cut to {cut}: {}", v.message);
        assert!(v.holder.is_none());
    }
    assert!(
        gate.verify(&text, NOW).admitted,
        "the whole text still passes"
    );
}

#[test]
fn every_truncation_of_a_bundle_is_refused_and_changes_nothing() {
    let full = bundle(&[(SERIAL, RevocationReason::Lost)]);
    let mut gate = museum_gate();
    let before = gate.sync_status(NOW);
    for cut in 0..full.len() {
        let err = gate.load_bundle(&full[..cut], NOW).unwrap_err();
        assert_eq!(err.code(), "BUNDLE_MALFORMED", "cut to {cut}");
        assert_eq!(
            gate.sync_status(NOW),
            before,
            "cut to {cut} changed the gate"
        );
    }
    assert!(gate.verify(&golden_code().to_text(), NOW).admitted);
}
