//! The gate's verdicts: every refusal reason has a case, with its code and what the person at
//! the gate reads; every single-bit change of a valid code is refused.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use common::*;
use ecard_core::format::code::{Code, Presentation};
use ecard_core::format::credential::{Credential, CredentialBody};
use ecard_core::gate::StalePolicy;
use ecard_core::issuer::{issue_credential, IssueError};
use ecard_core::{
    CardState, Gate, GatePolicy, RevocationReason, Scene, SigningKey, Verdict, Wallet,
};
use ed25519_dalek::Signer;

/// Signs a credential body directly, skipping the issuer's own checks, to build codes a
/// correct issuer would never make.
fn forged_credential(edit: impl FnOnce(&mut CredentialBody)) -> Credential {
    let mut body = credential_body(device_key().verifying_key().to_bytes());
    edit(&mut body);
    let issuer_signature = issuer_key().sign(&body.signed_bytes()).to_bytes();
    Credential {
        body,
        issuer_signature,
    }
}

fn code_for(credential: Credential, device: &SigningKey, p: Presentation) -> String {
    let device_signature = device
        .sign(&Code::signed_bytes_for(&credential, &p))
        .to_bytes();
    Code {
        credential,
        presentation: p,
        device_signature,
    }
    .to_text()
}

fn museum_code_at(t: i64) -> String {
    wallet().code_at(t, 30, Scene::Museum, 0).unwrap().to_text()
}

fn refused(v: &Verdict, code: &str) {
    assert!(!v.admitted, "expected {code}, got admitted");
    assert_eq!(v.code, code, "{}", v.message);
}

#[test]
fn valid_code_is_admitted_with_masked_name_age_band_and_scene_only() {
    let v = museum_gate().verify(&museum_code_at(NOW), NOW);
    assert!(v.admitted, "{v:?}");
    assert_eq!(v.code, "ADMITTED");
    let h = v.holder.clone().unwrap();
    assert_eq!(
        (h.masked_name.as_str(), h.age_band_label),
        ("张*", "18-59岁")
    );
    assert_eq!(v.scene, Some(Scene::Museum));
    assert_eq!(v.clock_offset_secs, Some(0));
    let json = serde_json::to_string(&v).unwrap();
    for forbidden in ["birth", "id_number", "410721199"] {
        assert!(!json.contains(forbidden), "{json}");
    }
}

#[test]
fn malformed_codes_are_refused_with_their_own_reason() {
    let good = museum_code_at(NOW);
    let body = good.strip_prefix("HNSSC1:").unwrap();
    let mut bytes = Code::from_text(&good).unwrap().to_bytes();
    let with_bytes = |b: &[u8]| format!("HNSSC1:{}", base45_encode(b));
    let cases: Vec<(String, &str, &str)> = vec![
        (
            good[..good.len() - 3].to_string(),
            "TRUNCATED",
            "二维码已损坏",
        ),
        (good[..7 + 54].to_string(), "TRUNCATED", "二维码已损坏"),
        (
            "HNSSC2:".to_string() + body,
            "WRONG_PREFIX",
            "不是电子社保卡",
        ),
        (
            "https://example.org/".to_string(),
            "WRONG_PREFIX",
            "不是电子社保卡",
        ),
        (good.to_lowercase(), "WRONG_PREFIX", "不是电子社保卡"),
        (
            format!("HNSSC1:{}", body.to_lowercase()),
            "BAD_ENCODING",
            "二维码已损坏",
        ),
        (format!("{good}::"), "BAD_ENCODING", "二维码已损坏"),
        (format!("{good}\u{4e2d}"), "BAD_ENCODING", "二维码已损坏"),
        (
            with_bytes(&[bytes.as_slice(), &[0, 0]].concat()),
            "MALFORMED",
            "二维码已损坏",
        ),
        ("HNSSC1:".to_string(), "TRUNCATED", "二维码已损坏"),
    ];
    bytes[0] = 2;
    let cases = cases
        .into_iter()
        .chain([(with_bytes(&bytes), "UNSUPPORTED_VERSION", "版本过新")]);
    let mut gate = museum_gate();
    for (text, code, message) in cases {
        let v = gate.verify(&text, NOW);
        refused(&v, code);
        assert!(v.message.contains(message), "{code}: {}", v.message);
        assert!(v.holder.is_none(), "untrusted data is never shown");
    }
}

#[test]
fn invalid_codes_are_refused_with_their_own_reason() {
    let device = device_key();
    let at_now = Presentation::at(NOW, 30, Scene::Museum, 0).unwrap();
    let small_order = {
        let mut k = [0u8; 32];
        k[0] = 1; // the identity point: order 1
        k
    };
    let other_device = SigningKey::from_bytes(&[0x44; 32]);
    let cases = [
        (
            code_for(forged_credential(|b| b.issuer_key_id = 99), &device, at_now),
            "UNKNOWN_ISSUER",
            "签发机构未知",
        ),
        (
            code_for(
                forged_credential(|b| b.not_before = today() + 1),
                &device,
                at_now,
            ),
            "NOT_YET_VALID",
            "尚未生效",
        ),
        (
            code_for(
                forged_credential(|b| b.not_after = today() - 1),
                &device,
                at_now,
            ),
            "EXPIRED",
            "已过期",
        ),
        (
            code_for(
                forged_credential(|b| b.card_state = CardState::Lost),
                &device,
                at_now,
            ),
            "CARD_NOT_NORMAL",
            "正式挂失",
        ),
        (
            code_for(
                forged_credential(|b| b.device_key = small_order),
                &device,
                at_now,
            ),
            "WEAK_DEVICE_KEY",
            "不安全",
        ),
        (
            code_for(forged_credential(|_| {}), &other_device, at_now),
            "BAD_DEVICE_SIGNATURE",
            "签名无效",
        ),
        (
            museum_code_at(NOW + 180),
            "CLOCK_AHEAD",
            "手机时间快了约 3 分钟",
        ),
        (museum_code_at(NOW - 7_200), "CLOCK_BEHIND", "慢了约 2 小时"),
        (
            wallet()
                .code_at(NOW, 30, Scene::Library, 0)
                .unwrap()
                .to_text(),
            "WRONG_SCENE",
            "请在手机上选择“博物馆”",
        ),
        (
            wallet()
                .code_at(NOW, 5, Scene::Museum, 0)
                .unwrap()
                .to_text(),
            "STEP_NOT_ALLOWED",
            "刷新周期",
        ),
    ];
    let mut gate = museum_gate();
    for (text, code, message) in cases {
        let v = gate.verify(&text, NOW);
        refused(&v, code);
        assert!(v.message.contains(message), "{code}: {}", v.message);
    }
}

#[test]
fn a_tampered_issuer_signature_is_refused() {
    let mut c = forged_credential(|_| {});
    c.issuer_signature[10] ^= 1;
    let text = code_for(
        c,
        &device_key(),
        Presentation::at(NOW, 30, Scene::Museum, 0).unwrap(),
    );
    let v = museum_gate().verify(&text, NOW);
    refused(&v, "BAD_ISSUER_SIGNATURE");
    assert!(v.holder.is_none());
}

#[test]
fn issuance_refuses_weak_keys_unmasked_names_and_cards_not_in_use() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let body = |edit: fn(&mut CredentialBody)| {
        let mut b = credential_body(device_key().verifying_key().to_bytes());
        edit(&mut b);
        b
    };
    let issue = |b| issue_credential(&issuer_key(), b).unwrap_err();
    assert_eq!(issue(credential_body(identity)), IssueError::WeakDeviceKey);
    assert_eq!(issue(credential_body([0u8; 32])), IssueError::WeakDeviceKey);
    assert_eq!(
        issue(body(|b| b.masked_name = "张三".into())),
        IssueError::NameNotMasked
    );
    assert_eq!(
        issue(body(|b| b.card_state = CardState::TempLost)),
        IssueError::CardNotNormal(CardState::TempLost)
    );
}

#[test]
fn revoked_card_is_refused_with_the_reason() {
    let mut gate = Gate::new(
        &root_key().verifying_key().to_bytes(),
        GatePolicy::for_scene(Scene::Museum),
    )
    .unwrap();
    gate.load_bundle(&bundle(&[(SERIAL, RevocationReason::Lost)]), NOW)
        .unwrap();
    let v = gate.verify(&museum_code_at(NOW), NOW);
    refused(&v, "REVOKED");
    assert_eq!(v.message, "该卡已挂失，不能使用");
    assert_eq!(v.holder.unwrap().masked_name, "张*");
}

#[test]
fn a_code_is_used_once_and_a_fresh_counter_is_a_new_code() {
    let mut gate = museum_gate();
    let code = museum_code_at(NOW);
    assert!(gate.verify(&code, NOW).admitted);
    let again = gate.verify(&code, NOW + 5);
    refused(&again, "REPLAYED");
    assert_eq!(again.message, "该二维码已使用过，请刷新后重新出示");
    let fresh = wallet()
        .code_at(NOW, 30, Scene::Museum, 1)
        .unwrap()
        .to_text();
    assert!(gate.verify(&fresh, NOW + 5).admitted);
}

#[test]
fn a_refused_code_is_not_used_up() {
    let mut gate = museum_gate();
    let library = wallet()
        .code_at(NOW, 30, Scene::Library, 0)
        .unwrap()
        .to_text();
    refused(&gate.verify(&library, NOW), "WRONG_SCENE");
    let mut library_gate = Gate::new(
        &root_key().verifying_key().to_bytes(),
        GatePolicy::for_scene(Scene::Library),
    )
    .unwrap();
    library_gate.load_bundle(&bundle(&[]), NOW).unwrap();
    assert!(library_gate.verify(&library, NOW).admitted);
}

#[test]
fn replays_stay_refused_after_a_restart() {
    let mut gate = museum_gate();
    let code = museum_code_at(NOW);
    assert!(gate.verify(&code, NOW).admitted);
    let saved = gate.save_replay();
    let mut restarted = museum_gate();
    assert_eq!(restarted.restore_replay(&saved, NOW + 10).unwrap(), 1);
    refused(&restarted.verify(&code, NOW + 10), "REPLAYED");
    // Once the code's time window closed, the entry is no longer needed.
    let mut later = museum_gate();
    assert_eq!(later.restore_replay(&saved, NOW + 120).unwrap(), 0);
    // A torn or altered file is detected, not half-loaded.
    for cut in [0, 5, saved.len() - 1] {
        assert!(museum_gate().restore_replay(&saved[..cut], NOW).is_err());
    }
    let mut flipped = saved.clone();
    flipped[12] ^= 0x40;
    assert!(museum_gate().restore_replay(&flipped, NOW).is_err());
}

/// A gate rebuilt while running takes over the running one's set (`www/js/gate.js`): a loss the
/// rebuilt gate found must survive that restore of a set saved without it.
#[test]
fn restoring_a_set_keeps_a_loss_the_gate_already_knows_of() {
    let mut running = museum_gate();
    let used = museum_code_at(NOW);
    assert!(running.verify(&used, NOW).admitted);
    let mut rebuilt = museum_gate();
    rebuilt.mark_replay_lost(NOW + 5);
    assert_eq!(
        rebuilt
            .restore_replay(&running.save_replay(), NOW + 6)
            .unwrap(),
        1
    );
    assert_eq!(rebuilt.replay_lost_at(), Some(NOW + 5));
    refused(&rebuilt.verify(&used, NOW + 6), "REPLAYED");
    refused(
        &rebuilt.verify(&museum_code_at(NOW + 30), NOW + 6),
        "REPLAY_STATE_LOST",
    );
    // The later of two marks holds: a set stored with an older loss does not move it back.
    let mut older = museum_gate();
    older.mark_replay_lost(NOW + 1);
    assert_eq!(
        rebuilt
            .restore_replay(&older.save_replay(), NOW + 7)
            .unwrap(),
        0
    );
    assert_eq!(rebuilt.replay_lost_at(), Some(NOW + 5));
}

/// A gate whose stored set of used codes is gone (the browser reset its database after a crash)
/// must not admit a second time what it admitted before: every code that could have passed the
/// time check before the loss is refused until its time is up; codes made after it pass.
#[test]
fn a_gate_that_lost_its_used_codes_admits_only_codes_made_after_the_loss() {
    let mut before = museum_gate();
    let used = museum_code_at(NOW);
    assert!(before.verify(&used, NOW).admitted);

    // The restarted gate found nothing stored: it marks the loss 5 s into the step.
    let mut gate = museum_gate();
    gate.mark_replay_lost(NOW + 5);
    let v = gate.verify(&used, NOW + 5);
    refused(&v, "REPLAY_STATE_LOST");
    // The phone shows a code of step +2 (the first one nobody could have shown before) in 55 s.
    assert!(v.message.contains("约 55 秒"), "{}", v.message);
    // Never seen, but indistinguishable from one that was: a fresh counter, a phone 30 s ahead.
    let counter = wallet().code_at(NOW + 5, 30, Scene::Museum, 1).unwrap();
    refused(
        &gate.verify(&counter.to_text(), NOW + 5),
        "REPLAY_STATE_LOST",
    );
    refused(
        &gate.verify(&museum_code_at(NOW + 30), NOW + 5),
        "REPLAY_STATE_LOST",
    );
    // A refused code is not used up: the mark, not the set, refused it.
    assert_eq!(gate.replay_len(), 0);
    // The gate says so until the last code from before could pass (60 s steps, ±1 step).
    assert_eq!(gate.replay_lost_until(NOW + 5), Some(NOW + 5 + 180));
    assert_eq!(gate.replay_lost_until(NOW + 185), None);
    assert_eq!(museum_gate().replay_lost_until(NOW), None);

    // The mark is stored with the set and survives the next restart.
    let saved = gate.save_replay();
    let mut restarted = museum_gate();
    assert_eq!(restarted.restore_replay(&saved, NOW + 20).unwrap(), 0);
    assert_eq!(restarted.replay_lost_at(), Some(NOW + 5));
    refused(&restarted.verify(&used, NOW + 20), "REPLAY_STATE_LOST");

    // 30 s later a phone 30 s ahead shows step +2: made after the loss, it passes, once.
    let fresh = museum_code_at(NOW + 60);
    assert!(restarted.verify(&fresh, NOW + 35).admitted);
    refused(&restarted.verify(&fresh, NOW + 36), "REPLAYED");
    // Once the old codes' time is up, they fail the time check as they would anyway.
    refused(&restarted.verify(&used, NOW + 60), "CLOCK_BEHIND");
    refused(
        &restarted.verify(&museum_code_at(NOW + 60), NOW + 60),
        "REPLAYED",
    );
    assert!(
        restarted
            .verify(&museum_code_at(NOW + 90), NOW + 90)
            .admitted
    );
}

#[test]
fn a_damaged_stored_set_is_treated_as_lost() {
    let mut gate = museum_gate();
    let used = museum_code_at(NOW);
    assert!(gate.verify(&used, NOW).admitted);
    let saved = gate.save_replay();
    let mut flipped = saved.clone();
    flipped[20] ^= 0x01;
    for damaged in [&saved[..saved.len() - 1], &flipped[..], &[][..]] {
        let mut restarted = museum_gate();
        assert!(restarted.restore_replay(damaged, NOW + 10).is_err());
        assert_eq!(restarted.replay_lost_at(), Some(NOW + 10));
        refused(&restarted.verify(&used, NOW + 10), "REPLAY_STATE_LOST");
    }
    // Noticed in the next step: a phone with the right time passes from step +3, 55 s on.
    let mut next_step = museum_gate();
    assert!(next_step.restore_replay(&[], NOW + 35).is_err());
    let v = next_step.verify(&museum_code_at(NOW + 35), NOW + 35);
    refused(&v, "REPLAY_STATE_LOST");
    assert!(v.message.contains("约 55 秒"), "{}", v.message);
    refused(
        &next_step.verify(&museum_code_at(NOW + 65), NOW + 35),
        "REPLAY_STATE_LOST",
    );
    assert!(
        next_step
            .verify(&museum_code_at(NOW + 90), NOW + 65)
            .admitted
    );
}

#[test]
fn clock_offsets_give_the_expected_verdicts() {
    // (phone clock minus gate clock, admitted?, words in the message)
    let cases: [(i64, bool, &str); 7] = [
        (30, true, ""),
        (-30, true, ""),
        (120, false, "快了约 2 分钟"),
        (-120, false, "慢了约 2 分钟"),
        (7_200, false, "快了约 2 小时"),
        (-7_200, false, "慢了约 2 小时"),
        (0, true, ""),
    ];
    for (skew, admitted, words) in cases {
        let mut gate = museum_gate();
        let v = gate.verify(&museum_code_at(NOW + skew), NOW);
        assert_eq!(v.admitted, admitted, "skew {skew}: {}", v.message);
        assert!(v.message.contains(words), "skew {skew}: {}", v.message);
    }
}

#[test]
fn a_code_made_just_before_a_step_boundary_passes_just_after_it() {
    let boundary = (NOW / 30 + 1) * 30;
    let mut gate = museum_gate();
    let v = gate.verify(&museum_code_at(boundary - 1), boundary + 1);
    assert!(v.admitted, "{}", v.message);
    assert_eq!(v.clock_offset_secs, Some(-30));
    // Two steps later it is refused as too old.
    refused(
        &gate.verify(&museum_code_at(boundary - 1), boundary + 31),
        "CLOCK_BEHIND",
    );
}

#[test]
fn an_unsynced_gate_refuses_and_says_to_sync() {
    let mut gate = Gate::new(
        &root_key().verifying_key().to_bytes(),
        GatePolicy::default(),
    )
    .unwrap();
    let v = gate.verify(&museum_code_at(NOW), NOW);
    refused(&v, "NOT_SYNCED");
}

#[test]
fn stale_data_refuses_by_default_and_warns_when_configured() {
    let two_days = NOW + 2 * 86_400;
    let code = museum_code_at(two_days);
    refused(&museum_gate().verify(&code, two_days), "BUNDLE_STALE");
    let policy = GatePolicy {
        stale: StalePolicy::Warn,
        ..GatePolicy::for_scene(Scene::Museum)
    };
    let mut gate = Gate::new(&root_key().verifying_key().to_bytes(), policy).unwrap();
    gate.load_bundle(&bundle(&[]), NOW).unwrap();
    let v = gate.verify(&code, two_days);
    assert!(v.admitted);
    assert_eq!(v.warnings[0].code, "BUNDLE_STALE");
}

#[test]
fn issuer_key_outside_its_validity_is_refused() {
    use ecard_core::format::bundle::SyncBundle;
    use ecard_core::issuer::{sign_revocation_list, sign_trust_list};
    let mut trust = trust_body(1);
    trust.keys[0].not_after = today() - 1;
    let b = SyncBundle {
        trust: Some(sign_trust_list(&root_key(), trust).unwrap()),
        revocations: vec![sign_revocation_list(&issuer_key(), revocation_body(1, 0, &[])).unwrap()],
        manifests: Vec::new(),
    };
    let mut gate = Gate::new(
        &root_key().verifying_key().to_bytes(),
        GatePolicy::for_scene(Scene::Museum),
    )
    .unwrap();
    gate.load_bundle(&b.to_bytes().unwrap(), NOW).unwrap();
    refused(
        &gate.verify(&museum_code_at(NOW), NOW),
        "ISSUER_KEY_NOT_VALID",
    );
}

#[test]
fn every_single_bit_flip_of_the_binary_code_is_refused() {
    let code = Code::from_text(&museum_code_at(NOW)).unwrap();
    let bytes = code.to_bytes();
    let mut gate = museum_gate();
    let mut admitted = 0;
    for bit in 0..bytes.len() * 8 {
        let mut b = bytes.clone();
        b[bit / 8] ^= 1 << (bit % 8);
        let text = format!("HNSSC1:{}", base45_encode(&b));
        if gate.verify(&text, NOW).admitted {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 0, "of {} flipped bits", bytes.len() * 8);
}

#[test]
fn every_single_bit_flip_of_the_code_text_is_refused() {
    let text = museum_code_at(NOW);
    let mut gate = museum_gate();
    let mut admitted = 0;
    for bit in 0..text.len() * 8 {
        let mut b = text.clone().into_bytes();
        b[bit / 8] ^= 1 << (bit % 8);
        let flipped = String::from_utf8_lossy(&b);
        if gate.verify(&flipped, NOW).admitted {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 0, "of {} flipped bits", text.len() * 8);
}

#[test]
fn a_wallet_refuses_a_credential_for_another_device() {
    let credential = wallet().credential().clone();
    let err = Wallet::new(SigningKey::from_bytes(&[0x55; 32]), credential).unwrap_err();
    assert_eq!(err.code(), "CREDENTIAL_FOR_OTHER_DEVICE");
}
