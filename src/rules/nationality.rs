//! A foreigner's nationality: the ISO 3166-1 alpha-3 code as printed in the passport's
//! machine-readable zone (`USA`, `KAZ`).

use super::problem::Explain;

/// Why a nationality is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NationalityError {
    /// Not 3 letters.
    Format,
    /// `CHN`: a Chinese citizen is not a foreigner.
    Chinese,
    /// Differs from the nationality in a 2017 permanent residence card number.
    Mismatch,
}

impl Explain for NationalityError {
    fn code(&self) -> &'static str {
        match self {
            Self::Format => "NATIONALITY_FORMAT",
            Self::Chinese => "NATIONALITY_CHINESE",
            Self::Mismatch => "NATIONALITY_MISMATCH",
        }
    }
    fn message_zh(&self) -> String {
        match self {
            Self::Format => "国籍应为 3 位英文字母代码（与护照一致，如 USA、KAZ）",
            Self::Chinese => "中国公民请选择“在豫居住的中国公民”或“华侨”类别",
            Self::Mismatch => "国籍与永久居留身份证号码中的国籍代码不一致",
        }
        .into()
    }
}

/// Checks a typed code; `from_document` is the code inside the document number, if any.
pub fn check(text: &str, from_document: Option<&str>) -> Result<String, NationalityError> {
    let code = text.trim().to_ascii_uppercase();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(NationalityError::Format);
    }
    if code == "CHN" {
        return Err(NationalityError::Chinese);
    }
    if from_document.is_some_and(|d| d != code) {
        return Err(NationalityError::Mismatch);
    }
    Ok(code)
}
