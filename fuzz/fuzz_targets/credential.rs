//! The credential decoder: decoded bytes are exactly the credential's encoding, and a decoded
//! credential passes the same range checks an issuer's would.
#![no_main]

use ecard_core::Credential;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Credential::from_bytes(data) {
        assert_eq!(c.to_bytes(), data, "two encodings of one credential");
        assert_eq!(Credential::from_bytes(&c.to_bytes()).as_ref(), Ok(&c));
        let b = &c.body;
        assert!(b.not_before <= b.not_after);
        assert!((100_000..=999_999).contains(&b.region));
        assert!(!b.masked_name.is_empty() && b.masked_name.len() <= 30);
    }
});
