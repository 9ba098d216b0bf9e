//! The trust-list decoder: decoded bytes are exactly the list's encoding; keys come sorted,
//! unique, each with a valid day range.
#![no_main]

use ecard_core::format::trust::TrustList;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = TrustList::from_bytes(data) {
        assert_eq!(t.to_bytes(), data, "two encodings of one trust list");
        assert_eq!(TrustList::from_bytes(&t.to_bytes()).as_ref(), Ok(&t));
        assert_eq!(t.body.check_fields(), Ok(()));
        for k in &t.body.keys {
            assert_eq!(t.key(k.key_id), Some(k));
        }
    }
});
