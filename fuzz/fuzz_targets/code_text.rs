//! The code's text decoder (`HNSSC1:` + canonical base45). A text that decodes is the one
//! text its code encodes to (after the scanner's trailing Enter is trimmed).
#![no_main]

use ecard_core::Code;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(code) = Code::from_text(text) {
        let again = code.to_text();
        assert_eq!(
            again,
            text.trim_matches(|c: char| c == '\r' || c == '\n' || c == '\t'),
            "two texts for one code"
        );
        assert_eq!(Code::from_text(&again).as_ref(), Ok(&code));
        assert_eq!(Code::from_bytes(&code.to_bytes()).as_ref(), Ok(&code));
    }
});
