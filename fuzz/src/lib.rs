//! What the fuzz targets share: the integration tests' fixed keys, time and credential
//! (`tests/common`, included as is so there is one copy), and a gate built from them.
#![forbid(unsafe_code)]

#[path = "../../tests/common/mod.rs"]
pub mod common;

use ecard_core::Gate;

/// A museum gate synced with the fixture bundle (trust list v1, empty revocation list v1),
/// built once; targets clone it so every input starts from the same state.
pub fn synced_gate() -> Gate {
    static GATE: std::sync::OnceLock<Gate> = std::sync::OnceLock::new();
    GATE.get_or_init(common::museum_gate).clone()
}

/// The gate's time for an input: [`common::NOW`] moved by up to ±32,767 seconds (about nine
/// hours), so inputs reach every clock refusal and the admissions around `NOW`.
pub fn gate_time(two_bytes: [u8; 2]) -> i64 {
    common::NOW + i64::from(i16::from_be_bytes(two_bytes))
}

/// The fixture wallet (the only holder the fixture issuer signed a credential for), built once.
pub fn wallet() -> &'static ecard_core::Wallet {
    static WALLET: std::sync::OnceLock<ecard_core::Wallet> = std::sync::OnceLock::new();
    WALLET.get_or_init(common::wallet)
}

/// What every verdict must satisfy, whatever the input: an admission is a code the fixture
/// wallet really made, and a holder is shown only from the credential the issuer really signed.
pub fn check_verdict(gate_text: &str, v: &ecard_core::Verdict) {
    assert!(!v.code.is_empty() && !v.message.is_empty());
    if v.admitted {
        let code = ecard_core::Code::from_text(gate_text).expect("an admitted code parses");
        assert_eq!(
            wallet().sign(code.presentation),
            code,
            "admitted a code the wallet did not make"
        );
        assert_eq!(v.code, "ADMITTED");
    }
    if v.holder.is_some() || v.serial.is_some() {
        let code = ecard_core::Code::from_text(gate_text).expect("a trusted code parses");
        assert_eq!(
            &code.credential,
            wallet().credential(),
            "holder of a forged credential"
        );
    }
}

/// The fixture wallet's museum code at [`common::NOW`] (the golden code), made once.
pub fn golden_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| common::golden_code().to_text())
}
