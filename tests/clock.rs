//! Gate clock against phone clock. The policy (`GatePolicy::for_scene`): 30-second steps and a
//! tolerance of one step either way, compared in whole steps: the code's step index against
//! `floor(gate time / 30)`. So a skew of up to ±30 s always passes, from ±60 s it is always
//! refused, and in between the verdict depends on where in its 30-second step the gate's clock
//! is (pinned below, see `skews_between_30_and_60_seconds_depend_on_the_phase`). The offset
//! a verdict reports is in whole steps (a multiple of 30 s), and so are the refusal messages.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use common::*;
use ecard_core::{Scene, Verdict};

/// `NOW` (2026-11-29 10:00:00 CST) starts a 30-second step.
const STEP_START: i64 = NOW;

/// The verdict of a museum gate at gate time `gate` for the code the phone shows when its own
/// clock reads `gate + skew`.
fn verdict(gate: i64, skew: i64) -> Verdict {
    let code = wallet()
        .code_at(gate + skew, 30, Scene::Museum, 0)
        .unwrap()
        .to_text();
    museum_gate().verify(&code, gate)
}

fn admitted(v: &Verdict, offset: i64) {
    assert!(v.admitted, "{}: {}", v.code, v.message);
    assert_eq!(
        (v.code, v.message.as_str()),
        ("ADMITTED", "验证通过（博物馆）")
    );
    assert_eq!(v.clock_offset_secs, Some(offset));
}

fn refused(v: &Verdict, code: &str, message: &str, offset: i64) {
    assert!(!v.admitted, "expected {code}");
    assert_eq!((v.code, v.message.as_str()), (code, message));
    assert_eq!(v.clock_offset_secs, Some(offset));
    assert_eq!(v.holder.as_ref().unwrap().masked_name, "张*");
}

#[test]
fn the_fixture_time_starts_a_step() {
    assert_eq!(STEP_START % 30, 0);
    assert_eq!(
        ecard_core::GatePolicy::for_scene(Scene::Museum).tolerance_steps,
        1
    );
}

#[test]
fn thirty_seconds_either_way_passes_at_every_phase_of_the_step() {
    for phase in 0..30 {
        let gate = STEP_START + phase;
        admitted(&verdict(gate, 30), 30);
        admitted(&verdict(gate, -30), -30);
        admitted(&verdict(gate, 0), 0);
    }
}

#[test]
fn two_minutes_or_two_hours_either_way_are_refused_with_the_size_of_the_skew() {
    let ahead = |size: &str| format!("手机时间快了约 {size}，请校准手机时间后刷新二维码");
    let behind =
        |size: &str| format!("二维码已过期（或手机时间慢了约 {size}），请刷新二维码后重新出示");
    let cases = [
        (120, "CLOCK_AHEAD", ahead("2 分钟")),
        (-120, "CLOCK_BEHIND", behind("2 分钟")),
        (7_200, "CLOCK_AHEAD", ahead("2 小时")),
        (-7_200, "CLOCK_BEHIND", behind("2 小时")),
    ];
    for (skew, code, message) in cases {
        for phase in [0, 15, 29] {
            refused(&verdict(STEP_START + phase, skew), code, &message, skew);
        }
    }
}

#[test]
fn across_a_step_boundary_a_two_second_skew_reads_as_one_step() {
    let boundary = STEP_START + 30;
    // Phone 2 s behind: its code is from the step before the gate's.
    admitted(&verdict(boundary + 1, -2), -30);
    // Phone 2 s ahead: its code is from the step after the gate's.
    admitted(&verdict(boundary - 1, 2), 30);
    // A code shown from the last second of a step is still good through the next step…
    let last_second = wallet()
        .code_at(boundary - 1, 30, Scene::Museum, 0)
        .unwrap()
        .to_text();
    assert!(museum_gate().verify(&last_second, boundary + 29).admitted);
    // …and refused one step later, as 60 s old.
    refused(
        &museum_gate().verify(&last_second, boundary + 30),
        "CLOCK_BEHIND",
        "二维码已过期（或手机时间慢了约 1 分钟），请刷新二维码后重新出示",
        -60,
    );
}

#[test]
fn skews_between_30_and_60_seconds_depend_on_the_phase() {
    // 31 s fast: passes when the gate is mid-step…
    admitted(&verdict(STEP_START + 15, 31), 30);
    // …and is refused as "about 1 minute" fast when the gate is at the step's last second.
    refused(
        &verdict(STEP_START + 29, 31),
        "CLOCK_AHEAD",
        "手机时间快了约 1 分钟，请校准手机时间后刷新二维码",
        60,
    );
    // The same for 45 s slow.
    admitted(&verdict(STEP_START + 20, -45), -30);
    refused(
        &verdict(STEP_START + 10, -45),
        "CLOCK_BEHIND",
        "二维码已过期（或手机时间慢了约 1 分钟），请刷新二维码后重新出示",
        -60,
    );
    // Over every phase, a skew of s seconds passes on exactly 60 - s of the 30 phases.
    for skew in 30..=60i64 {
        for sign in [1, -1] {
            let passing = (0..30)
                .filter(|p| verdict(STEP_START + p, sign * skew).admitted)
                .count() as i64;
            assert_eq!(passing, (60 - skew).min(30), "skew {}", sign * skew);
        }
    }
}
