//! 统一社会信用代码, the unified social credit code of an employer, school or other
//! organisation (GB 32100-2015): 18 characters over a 31-character alphabet (digits and upper-case
//! letters without I, O, Z, S, V), the last a check character.
//!
//! Check: S = Σ vᵢ·wᵢ over the first 17 characters, where vᵢ is the character's index in the
//! alphabet and w = 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28 (3ⁱ mod 31); the check
//! character has index 31 − (S mod 31), with 31 written as `0`. Worked example: 华为技术有限公司
//! `914403001922038216` (S = 831, 831 mod 31 = 25, 31 − 25 = 6).
//!
//! The 9-character organisation code inside (positions 9–17, GB 11714) has its own check
//! character; it is not verified here, since the outer check already catches any single
//! mistyped character.

use serde::Serialize;

use super::problem::Explain;

/// The code's alphabet; a character's value is its index.
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a unified social credit code is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum UsccError {
    /// Not 18 characters of the code's alphabet.
    Format,
    /// The check character does not match.
    CheckCharacter,
}

impl Explain for UsccError {
    fn code(&self) -> &'static str {
        match self {
            Self::Format => "USCC_FORMAT",
            Self::CheckCharacter => "USCC_CHECK_CHARACTER",
        }
    }
    fn message_zh(&self) -> String {
        match self {
            Self::Format => "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）",
            Self::CheckCharacter => "统一社会信用代码校验位不正确，请核对",
        }
        .into()
    }
}

/// A checked unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uscc(String);

impl Uscc {
    /// Checks a code; letters are taken upper-case, surrounding spaces ignored.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let text = input.trim().to_ascii_uppercase();
        let b = text.as_bytes();
        if b.len() != 18 || !b.iter().all(|c| ALPHABET.contains(c)) {
            return Err(UsccError::Format);
        }
        if check_character(&b[..17]) != Some(b[17]) {
            return Err(UsccError::CheckCharacter);
        }
        Ok(Uscc(text))
    }

    /// The code, upper-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The check character for the first 17 characters; `None` if one is outside the alphabet.
pub fn check_character(first17: &[u8]) -> Option<u8> {
    let mut sum = 0;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        let value = ALPHABET.iter().position(|a| a == c)? as u32;
        sum += value * w;
    }
    let index = (31 - sum % 31) % 31;
    Some(ALPHABET[index as usize])
}
