//! Fixed keys, a fixed time and a fixed credential shared by the integration tests, so every
//! output they check is reproducible byte for byte.
#![allow(dead_code)]

use ecard_core::format::bundle::SyncBundle;
use ecard_core::format::fields::day_of;
use ecard_core::format::revocation::{RevocationListBody, Revoked};
use ecard_core::format::trust::{IssuerKey, TrustListBody};
use ecard_core::issuer::{issue_credential, sign_revocation_list, sign_trust_list};
use ecard_core::{
    AgeBand, CardState, Code, CredentialBody, Gate, GatePolicy, Scene, SigningKey, Wallet,
};

/// 2026-11-29 10:00:00 China Standard Time.
pub const NOW: i64 = 1_795_917_600;
pub const SERIAL: u64 = 4_107_212_026_112_900_001;
pub const ISSUER_KEY_ID: u16 = 7;

pub fn root_key() -> SigningKey {
    SigningKey::from_bytes(&[0x11; 32])
}
pub fn issuer_key() -> SigningKey {
    SigningKey::from_bytes(&[0x22; 32])
}
pub fn device_key() -> SigningKey {
    SigningKey::from_bytes(&[0x33; 32])
}

pub fn today() -> u16 {
    day_of(NOW) as u16
}

pub fn credential_body(device_key: [u8; 32]) -> CredentialBody {
    CredentialBody {
        issuer_key_id: ISSUER_KEY_ID,
        serial: SERIAL,
        card_state: CardState::Normal,
        not_before: today() - 1,
        not_after: today() + 6,
        region: 410_721,
        age_band: AgeBand::From18To59,
        device_key,
        masked_name: "张*".into(),
    }
}

pub fn wallet() -> Wallet {
    let device = device_key();
    let body = credential_body(device.verifying_key().to_bytes());
    let credential = issue_credential(&issuer_key(), body).expect("fixture credential issues");
    Wallet::new(device, credential).expect("credential matches device")
}

/// The code the golden vector pins: museum scene, counter 0, 30-second steps, at [`NOW`].
pub fn golden_code() -> Code {
    wallet().code_at(NOW, 30, Scene::Museum, 0).expect("code")
}

pub fn trust_body(version: u32) -> TrustListBody {
    TrustListBody {
        list_version: version,
        issued_at: (NOW - 3_600) as u64,
        usable_until: (NOW + 7 * 86_400) as u64,
        keys: vec![IssuerKey {
            key_id: ISSUER_KEY_ID,
            not_before: today() - 30,
            not_after: today() + 365,
            public_key: issuer_key().verifying_key().to_bytes(),
        }],
    }
}

pub fn revocation_body(
    version: u32,
    base: u32,
    serials: &[(u64, ecard_core::RevocationReason)],
) -> RevocationListBody {
    RevocationListBody {
        signer_key_id: ISSUER_KEY_ID,
        list_version: version,
        base_version: base,
        issued_at: (NOW - 600) as u64,
        usable_until: (NOW + 86_400) as u64,
        entries: serials
            .iter()
            .map(|&(serial, reason)| Revoked {
                serial,
                not_after: today() + 6,
                reason,
            })
            .collect(),
    }
}

/// A bundle with trust list v1 and a full revocation list v1 revoking `revoked`.
pub fn bundle(revoked: &[(u64, ecard_core::RevocationReason)]) -> Vec<u8> {
    SyncBundle {
        trust: Some(sign_trust_list(&root_key(), trust_body(1)).unwrap()),
        revocations: vec![
            sign_revocation_list(&issuer_key(), revocation_body(1, 0, revoked)).unwrap(),
        ],
        manifests: Vec::new(),
    }
    .to_bytes()
    .unwrap()
}

/// A museum gate synced with an empty revocation list.
pub fn museum_gate() -> Gate {
    let mut gate = Gate::new(
        &root_key().verifying_key().to_bytes(),
        GatePolicy::for_scene(Scene::Museum),
    )
    .unwrap();
    gate.load_bundle(&bundle(&[]), NOW)
        .expect("fixture bundle loads");
    gate
}

/// An independent base45 (RFC 9285) encoder written from `docs/FORMAT.md`, to build texts for
/// bytes no parser would accept.
pub fn base45_encode(b: &[u8]) -> String {
    const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut out = String::new();
    for chunk in b.chunks(2) {
        let mut n = chunk.iter().fold(0u32, |acc, &x| acc * 256 + u32::from(x));
        for _ in 0..=chunk.len() {
            out.push(ALPHABET[(n % 45) as usize] as char);
            n /= 45;
        }
    }
    out
}
