//! The reservation-manifest decoder: decoded bytes are exactly the manifest's encoding, its
//! fields pass their own checks, and every entry is found again by its pseudonym.
#![no_main]

use ecard_core::format::manifest::Manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Manifest::from_bytes(data) {
        assert_eq!(m.to_bytes(), data, "two encodings of one manifest");
        assert_eq!(m.body.check_fields(), Ok(()));
        for e in &m.body.entries {
            assert!(m.body.entries_for(e.pseudonym).contains(e));
            assert!(e.start_min < e.end_min && e.end_min <= 1440);
        }
    }
});
