//! The code's binary decoder, and its text form: decoded bytes are exactly the code's encoding.
#![no_main]

use ecard_core::Code;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(code) = Code::from_bytes(data) {
        assert_eq!(code.to_bytes(), data, "two encodings of one code");
        assert_eq!(Code::from_bytes(&code.to_bytes()).as_ref(), Ok(&code));
        assert_eq!(Code::from_text(&code.to_text()).as_ref(), Ok(&code));
    }
});
