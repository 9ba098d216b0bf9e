//! The two mainland travel permits (通行证) of Hong Kong, Macao and Taiwan residents. Neither
//! number carries a birth date or a check digit, so only the shape is checked.
//!
//! * 港澳居民来往内地通行证 (公安部 2012, cards since 2013): `H` (Hong Kong) or `M` (Macao)
//!   and 8 digits; cards issued before 2013 add a 2-digit issue count (`H` + 10 digits). Since
//!   2024, non-Chinese permanent residents of Hong Kong and Macao get `HA` / `MA` and 7 digits.
//! * 台湾居民来往大陆通行证 (since 2008): 8 digits.

use serde::Serialize;

use super::problem::Explain;

/// Why a travel permit number is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum TravelPermitError {
    /// Not `H`/`M` + 8 digits, `H`/`M` + 10 digits, or `HA`/`MA` + 7 digits.
    HongKongMacaoFormat,
    /// Not 8 digits.
    TaiwanFormat,
}

impl Explain for TravelPermitError {
    fn code(&self) -> &'static str {
        match self {
            Self::HongKongMacaoFormat => "HK_MACAO_PERMIT_FORMAT",
            Self::TaiwanFormat => "TAIWAN_PERMIT_FORMAT",
        }
    }
    fn message_zh(&self) -> String {
        match self {
            Self::HongKongMacaoFormat => {
                "港澳居民来往内地通行证号码应为 H 或 M 加 8 位数字（旧证加 2 位签发次数），或 HA、MA 加 7 位数字"
            }
            Self::TaiwanFormat => "台湾居民来往大陆通行证号码应为 8 位数字",
        }
        .into()
    }
}

/// Whose permit a Hong Kong / Macao number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HkMacaoRegion {
    /// Prefix `H`.
    HongKong,
    /// Prefix `M`.
    Macao,
}

/// A checked 港澳居民来往内地通行证 number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HkMacaoPermit {
    text: String,
    region: HkMacaoRegion,
    non_chinese_holder: bool,
}

impl HkMacaoPermit {
    /// Checks the shape; letters are taken upper-case, surrounding spaces ignored.
    pub fn parse(input: &str) -> Result<Self, TravelPermitError> {
        let text = input.trim().to_ascii_uppercase();
        let b = text.as_bytes();
        let region = match b.first() {
            Some(b'H') => HkMacaoRegion::HongKong,
            Some(b'M') => HkMacaoRegion::Macao,
            _ => return Err(TravelPermitError::HongKongMacaoFormat),
        };
        let non_chinese_holder = b.get(1) == Some(&b'A');
        let digits = &b[if non_chinese_holder { 2 } else { 1 }..];
        let len_ok = if non_chinese_holder {
            digits.len() == 7
        } else {
            digits.len() == 8 || digits.len() == 10
        };
        if !len_ok || !digits.iter().all(u8::is_ascii_digit) {
            return Err(TravelPermitError::HongKongMacaoFormat);
        }
        Ok(HkMacaoPermit {
            text,
            region,
            non_chinese_holder,
        })
    }

    /// The number, upper-case.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Hong Kong or Macao.
    pub fn region(&self) -> HkMacaoRegion {
        self.region
    }

    /// True for the `HA`/`MA` permits of non-Chinese permanent residents (since 2024).
    pub fn non_chinese_holder(&self) -> bool {
        self.non_chinese_holder
    }
}

/// A checked 台湾居民来往大陆通行证 number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaiwanPermit(String);

impl TaiwanPermit {
    /// Checks the shape: 8 digits, surrounding spaces ignored.
    pub fn parse(input: &str) -> Result<Self, TravelPermitError> {
        let text = input.trim();
        if text.len() != 8 || !text.bytes().all(|c| c.is_ascii_digit()) {
            return Err(TravelPermitError::TaiwanFormat);
        }
        Ok(TaiwanPermit(text.to_string()))
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
