//! The bundle decoder. Unknown sections are skipped and the trust list is written first, so
//! bytes need not re-encode identically, but a decoded bundle must: decode(encode(decode(x)))
//! is decode(x), and that encoding is a fixed point.
#![no_main]

use ecard_core::format::bundle::SyncBundle;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = SyncBundle::from_bytes(data) {
        let bytes = b
            .to_bytes()
            .expect("a decoded bundle has at most 255 sections");
        let again = SyncBundle::from_bytes(&bytes).expect("an encoded bundle decodes");
        assert_eq!(again, b);
        assert_eq!(again.to_bytes().as_ref(), Ok(&bytes));
    }
});
