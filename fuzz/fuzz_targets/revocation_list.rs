//! The revocation-list decoder, full lists (base version 0) and deltas alike: decoded bytes
//! are exactly the list's encoding, entries sorted and unique, a delta's base below its version.
#![no_main]

use ecard_core::format::revocation::RevocationList;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = RevocationList::from_bytes(data) {
        assert_eq!(r.to_bytes(), data, "two encodings of one revocation list");
        assert_eq!(RevocationList::from_bytes(&r.to_bytes()).as_ref(), Ok(&r));
        assert_eq!(r.body.check_fields(), Ok(()));
        assert!(r.body.base_version < r.body.list_version);
        assert_eq!(r.body.is_delta(), r.body.base_version != 0);
    }
});
