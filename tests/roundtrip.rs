//! Property tests: every format decodes to what was encoded, and random truncation or
//! corruption is refused without a panic. Native only (proptest); the wasm run covers the
//! fixed-vector tests.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use ecard_core::format::bundle::SyncBundle;
use ecard_core::format::code::{Code, Presentation};
use ecard_core::format::credential::{Credential, CredentialBody};
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

fn revocation_list() -> impl Strategy<Value = RevocationList> {
    (
        proptest::collection::btree_map(
            any::<u64>(),
            (any::<u16>(), pick(RevocationReason::ALL)),
            0..50,
        ),
        1u32..1000,
        any::<[u8; 32]>(),
    )
        .prop_map(|(entries, version, s)| RevocationList {
            body: RevocationListBody {
                signer_key_id: 3,
                list_version: version,
                base_version: version / 2,
                issued_at: 1,
                usable_until: 2,
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
        })
}

fn trust_list() -> impl Strategy<Value = TrustList> {
    (
        proptest::collection::btree_map(any::<u16>(), any::<[u8; 32]>(), 0..10),
        any::<u32>(),
    )
        .prop_map(|(keys, version)| TrustList {
            body: TrustListBody {
                list_version: version,
                issued_at: 10,
                usable_until: 20,
                keys: keys
                    .into_iter()
                    .map(|(key_id, public_key)| IssuerKey {
                        key_id,
                        not_before: 1,
                        not_after: 2,
                        public_key,
                    })
                    .collect(),
            },
            root_signature: [7u8; 64],
        })
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
    fn lists_and_bundles_round_trip(t in trust_list(), r in revocation_list()) {
        prop_assert_eq!(TrustList::from_bytes(&t.to_bytes()).unwrap(), t.clone());
        prop_assert_eq!(RevocationList::from_bytes(&r.to_bytes()).unwrap(), r.clone());
        let b = SyncBundle { trust: Some(t), revocations: vec![r], manifests: Vec::new() };
        prop_assert_eq!(SyncBundle::from_bytes(&b.to_bytes().unwrap()).unwrap(), b);
    }

    #[test]
    fn every_truncation_of_a_code_is_refused(c in code(), cut in 0usize..1000) {
        let bytes = c.to_bytes();
        let cut = cut % bytes.len();
        prop_assert!(Code::from_bytes(&bytes[..cut]).is_err());
    }

    #[test]
    fn multi_bit_corruption_of_a_real_code_is_refused(
        flips in proptest::collection::btree_set(0usize..1536, 2..12),
    ) {
        let mut bytes = golden_code().to_bytes();
        let len = bytes.len();
        for bit in &flips {
            bytes[(bit / 8) % len] ^= 1 << (bit % 8);
        }
        let text = format!("HNSSC1:{}", base45_encode(&bytes));
        let v = museum_gate().verify(&text, NOW);
        prop_assert!(!v.admitted, "flips {:?} admitted", flips);
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
