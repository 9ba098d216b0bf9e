//! The applicant's birth date: read from the document number when the number carries one,
//! otherwise typed into the form (`birth_date`, `YYYY-MM-DD`).

use super::date::Date;
use super::problem::Explain;

/// Why a typed birth date is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BirthDateError {
    /// Not a real date in the form `YYYY-MM-DD`, or before 1880.
    Invalid,
    /// After the application date.
    InFuture,
    /// Differs from the birth date in the document number.
    Mismatch,
}

impl Explain for BirthDateError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid => "BIRTH_DATE_INVALID",
            Self::InFuture => "BIRTH_DATE_FUTURE",
            Self::Mismatch => "BIRTH_DATE_MISMATCH",
        }
    }
    fn message_zh(&self) -> String {
        match self {
            Self::Invalid => "出生日期应为有效日期，格式为 YYYY-MM-DD",
            Self::InFuture => "出生日期晚于今天",
            Self::Mismatch => "出生日期与证件号码中的出生日期不一致",
        }
        .into()
    }
}

/// Checks a typed birth date against the application date.
pub fn parse_typed(text: &str, today: Date) -> Result<Date, BirthDateError> {
    let date = Date::parse_iso(text)
        .filter(|d| d.year() >= 1880)
        .ok_or(BirthDateError::Invalid)?;
    if date > today {
        return Err(BirthDateError::InFuture);
    }
    Ok(date)
}
