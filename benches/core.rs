//! Native baselines for the two operations that must feel instant:
//! - rotate: the phone signs a fresh code, writes its text, builds the QR matrix and the SVG;
//! - gate verify: parse, issuer and device signatures, revocation lookup, replay check;
//! - camera decode: a 640×480 greyscale frame with the code at 5 pixels per module, decoded and
//!   verified (the gate's camera path).
//!
//! Run: `cargo bench --bench core` (or the whole harness, `node benches/peers/run.mjs`, which
//! reads these figures from target/criterion). Figures go to docs/PERFORMANCE.md.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ecard_core::render::decode::decode_qr;
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

/// The matrix drawn at `scale` pixels per module (4-module quiet zone) in the middle of a
/// `w`×`h` frame, dark 24 on light 226 as benches/peers/ops.mjs draws it.
fn frame(m: &QrMatrix, w: usize, h: usize, scale: usize) -> Vec<u8> {
    let mut px = vec![226u8; w * h];
    let side = (m.width + 8) * scale;
    let (ox, oy) = ((w - side) / 2, (h - side) / 2);
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
            if mx < m.width && my < m.width && m.is_dark(mx, my) {
                px[(oy + y) * w + ox + x] = 24;
            }
        }
    }
    px
}

fn camera(c: &mut Criterion) {
    let text = common::golden_code().to_text();
    let px = frame(&QrMatrix::encode(&text).unwrap(), 640, 480, 5);
    let gate = common::museum_gate();
    c.bench_function("camera decode (640x480 frame, decode + verify)", |b| {
        b.iter_batched(
            || gate.clone(),
            |mut g| {
                let texts = decode_qr(&px, 640, 480);
                assert_eq!(texts, [text.as_str()]);
                let v = g.verify(&texts[0], common::NOW);
                assert!(v.admitted);
                v
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, rotate, verify, camera);
criterion_main!(benches);
