//! The whole verify path on arbitrary input: a synced museum gate, a gate time near the
//! fixture time (first two bytes), and the rest as the scanned text. The gate admits only
//! codes the fixture wallet made, never twice, and shows a holder only from a real credential.
#![no_main]

use ecard_fuzz::{check_verdict, gate_time, synced_gate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((t, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let now = gate_time(*t);
    let text = String::from_utf8_lossy(rest);
    let mut gate = synced_gate();
    let v = gate.verify(&text, now);
    check_verdict(&text, &v);
    let again = gate.verify(&text, now);
    check_verdict(&text, &again);
    assert!(!again.admitted, "admitted twice");
    if v.admitted {
        assert_eq!(again.code, "REPLAYED");
        assert_eq!(gate.replay_len(), 1);
    } else {
        assert_eq!(gate.replay_len(), 0, "a refused code was remembered");
    }
});
