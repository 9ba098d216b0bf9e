//! Native baselines for the two operations that must feel instant:
//! - rotate: the phone signs a fresh code, writes its text, builds the QR matrix and the SVG;
//! - gate verify: parse, issuer and device signatures, revocation lookup, replay check.
//!
//! Run: `cargo bench --bench core`. Figures go to the README.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ecard_core::render::{svg::to_svg, QrMatrix};
use ecard_core::{RevocationReason, Scene};

fn rotate(c: &mut Criterion) {
    let wallet = common::wallet();
    let text = common::golden_code().to_text();
    let m = QrMatrix::encode(&text).unwrap();
    eprintln!(
        "typical code: {} characters, QR version {} at level M",
        text.len(),
        m.version
    );
    c.bench_function("rotate (sign + text + QR matrix + SVG)", |b| {
        b.iter(|| {
            let code = wallet.code_at(common::NOW, 30, Scene::Museum, 0).unwrap();
            to_svg(&QrMatrix::encode(&code.to_text()).unwrap())
        })
    });
    c.bench_function("rotate: sign + text only", |b| {
        b.iter(|| {
            wallet
                .code_at(common::NOW, 30, Scene::Museum, 0)
                .unwrap()
                .to_text()
        })
    });
    c.bench_function("rotate: QR matrix only", |b| {
        b.iter(|| QrMatrix::encode(&text).unwrap())
    });
    c.bench_function("rotate: SVG only", |b| b.iter(|| to_svg(&m)));
}

fn verify(c: &mut Criterion) {
    let text = common::golden_code().to_text();
    // A realistic revocation list: 10,000 revoked credentials, none of them this one.
    let revoked: Vec<_> = (1..=10_000u64)
        .map(|s| (s, RevocationReason::Lost))
        .collect();
    let mut gate = common::museum_gate();
    gate.load_bundle(&common::bundle(&revoked), common::NOW)
        .unwrap();
    c.bench_function(
        "gate verify (parse + 2 signatures + revocation + replay)",
        |b| {
            b.iter_batched(
                || gate.clone(),
                |mut g| {
                    let v = g.verify(&text, common::NOW);
                    assert!(v.admitted);
                    v
                },
                BatchSize::SmallInput,
            )
        },
    );
}

criterion_group!(benches, rotate, verify);
criterion_main!(benches);
