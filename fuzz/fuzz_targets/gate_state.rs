//! What a gate loads from storage or the network: arbitrary bytes as a sync bundle
//! (first byte even) or as a stored replay set (odd), at a gate time near the fixture time.
//! A refused load changes nothing; an accepted one never goes back to older data; the gate
//! still verifies by the rules afterwards.
#![no_main]

use ecard_fuzz::common::NOW;
use ecard_fuzz::{check_verdict, gate_time, golden_text, synced_gate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(([which, t0, t1], rest)) = data.split_first_chunk::<3>().map(|(a, r)| (*a, r)) else {
        return;
    };
    let now = gate_time([t0, t1]);
    let mut gate = synced_gate();
    let code = golden_text();
    let before = gate.sync_status(now);
    if which % 2 == 0 {
        match gate.load_bundle(rest, now) {
            Ok(after) => {
                assert!(
                    after.trust_version >= before.trust_version,
                    "trust rollback"
                );
                assert!(
                    after.revocation_version >= before.revocation_version,
                    "revocation rollback"
                );
            }
            Err(_) => assert_eq!(
                gate.sync_status(now),
                before,
                "a refused bundle changed the gate"
            ),
        }
    } else {
        match gate.restore_replay(rest, now) {
            Ok(n) => {
                assert_eq!(n, gate.replay_len());
                assert!(n <= gate.policy().replay_capacity);
            }
            Err(_) => {
                assert_eq!(gate.replay_len(), 0);
                assert_eq!(gate.replay_lost_at(), Some(now), "a damaged set was not marked lost");
            }
        }
    }
    let v = gate.verify(code, NOW);
    check_verdict(code, &v);
    let again = gate.verify(code, NOW);
    assert!(!(v.admitted && again.admitted), "admitted twice");
});
