//! Passport numbers.
//!
//! * Chinese ordinary passport (held by 华侨): `E` + 8 digits (electronic passports since
//!   2012), or `E` + a letter other than `I` and `O` + 7 digits once the `E` + 8-digit series
//!   ran out; older passports `G` + 8 digits. The `G` series is from third-party sources and
//!   kept because such passports can still be met; there is no check digit.
//! * Foreign passports have no common format: 5–20 characters of `A`–`Z` and `0`–`9`
//!   (ICAO 9303 document numbers are 9 characters, but states issue others).

use serde::Serialize;

use super::problem::Explain;

/// Why a passport number is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum PassportError {
    /// Not `E` + 8 digits, `E` + letter (not I/O) + 7 digits, or `G` + 8 digits.
    ChineseFormat,
    /// Not 5–20 characters of `A`–`Z` and `0`–`9`.
    ForeignFormat,
}

impl Explain for PassportError {
    fn code(&self) -> &'static str {
        match self {
            Self::ChineseFormat => "CHINESE_PASSPORT_FORMAT",
            Self::ForeignFormat => "FOREIGN_PASSPORT_FORMAT",
        }
    }
    fn message_zh(&self) -> String {
        match self {
            Self::ChineseFormat => {
                "中国护照号码应为 E 加 8 位数字、E 加 1 个字母（不含 I、O）和 7 位数字，或 G 加 8 位数字"
            }
            Self::ForeignFormat => "外国护照号码应为 5–20 位英文字母或数字",
        }
        .into()
    }
}

/// A checked Chinese passport number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChinesePassport(String);

impl ChinesePassport {
    /// Checks the shape; letters are taken upper-case, surrounding spaces ignored.
    pub fn parse(input: &str) -> Result<Self, PassportError> {
        let text = input.trim().to_ascii_uppercase();
        let b = text.as_bytes();
        let digits = |r: &[u8], n: usize| r.len() == n && r.iter().all(u8::is_ascii_digit);
        let ok = match b {
            [b'E', second, rest @ ..] if second.is_ascii_uppercase() => {
                !matches!(second, b'I' | b'O') && digits(rest, 7)
            }
            [b'E' | b'G', rest @ ..] => digits(rest, 8),
            _ => false,
        };
        if !ok {
            return Err(PassportError::ChineseFormat);
        }
        Ok(ChinesePassport(text))
    }

    /// The number, upper-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A checked foreign passport number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignPassport(String);

impl ForeignPassport {
    /// Checks the shape; letters are taken upper-case, surrounding spaces ignored.
    pub fn parse(input: &str) -> Result<Self, PassportError> {
        let text = input.trim().to_ascii_uppercase();
        let ok = (5..=20).contains(&text.len())
            && text
                .bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !ok {
            return Err(PassportError::ForeignFormat);
        }
        Ok(ForeignPassport(text))
    }

    /// The number, upper-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
