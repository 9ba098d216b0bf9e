//! What rqrr does with a module grid the gate's locator sampled: any bits at all, since the
//! phone in front of a gate may show a code made to hurt it. The first byte picks the side
//! (21 to 177 modules, a QR version's), the rest are the modules, eight to a byte, row by row
//! (missing ones light). Reading must never panic, and a grid read twice gives the same answer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&v, bits)) = data.split_first() else {
        return;
    };
    let dim = 21 + 4 * usize::from(v % 40);
    let dark = |x: usize, y: usize| {
        let i = y * dim + x;
        bits.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1)
    };
    let read = || {
        rqrr::Grid::new(rqrr::SimpleGrid::from_func(dim, dark))
            .decode()
            .map(|(meta, text)| (meta.version.0, meta.ecc_level, meta.mask, text))
            .map_err(|e| e.to_string())
    };
    assert_eq!(read(), read(), "two readings of one grid");
});
