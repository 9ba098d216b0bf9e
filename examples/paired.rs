//! The native side of the harness's paired wasm ÷ native samples (`benches/peers/run.mjs`).
//! Criterion's figures and the Node loops are taken minutes apart, and on a shared machine the
//! speed of both drifts by tens of percent between them; the harness therefore also starts this
//! program and takes a native sample right after each wasm sample, the same calls in the same
//! order, so that both see the same machine.
//!
//! Reads lines `rotate N` or `verify N` on stdin; for each, makes N consecutive calls (verify:
//! a fresh synced museum gate, then codes 1..=N, each admitted once, as the wasm sample does)
//! and prints the mean microseconds a call. Run by the harness as
//! `cargo run --release --example paired`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{BufRead, Write};
use std::time::Instant;

use ecard_core::render::{svg::to_svg, QrMatrix};
use ecard_core::Scene;

fn main() {
    let wallet = common::wallet();
    let codes: Vec<String> = (0..=255u8)
        .map(|i| {
            wallet
                .code_at(common::NOW, 30, Scene::Museum, i)
                .expect("the fixture wallet makes codes")
                .to_text()
        })
        .collect();
    let mut synced = common::museum_gate();
    synced
        .load_bundle(&common::bundle(&[]), common::NOW)
        .expect("the fixture bundle loads");
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        let mut words = line.split_whitespace();
        let (Some(op), Some(n)) = (
            words.next(),
            words.next().and_then(|n| n.parse::<u32>().ok()),
        ) else {
            writeln!(out, "error: expected `rotate N` or `verify N`").expect("stdout");
            continue;
        };
        let micros = match op {
            "rotate" => {
                let t0 = Instant::now();
                for i in 1..=n {
                    let code = wallet
                        .code_at(common::NOW, 30, Scene::Museum, (i & 0xff) as u8)
                        .expect("a code");
                    std::hint::black_box(to_svg(&QrMatrix::encode(&code.to_text()).expect("fits")));
                }
                t0.elapsed().as_secs_f64() * 1e6 / f64::from(n)
            }
            "verify" => {
                let mut gate = synced.clone();
                let t0 = Instant::now();
                for i in 1..=n {
                    let v = gate.verify(&codes[(i & 0xff) as usize], common::NOW);
                    assert!(v.admitted, "code {i} refused");
                }
                t0.elapsed().as_secs_f64() * 1e6 / f64::from(n)
            }
            _ => {
                writeln!(out, "error: unknown operation {op}").expect("stdout");
                continue;
            }
        };
        writeln!(out, "{micros}").expect("stdout");
        out.flush().expect("stdout");
    }
}
