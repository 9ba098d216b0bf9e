//! 外国人永久居留身份证, the foreigner's permanent residence ID card, in both editions:
//!
//! * **2023 edition** (issued from December 2023): 18 digits — `9`, the 2-digit province of
//!   the receiving authority, a 3-digit numeric nationality code, the birth date `YYYYMMDD`, a
//!   3-digit sequence and a MOD 11-2 check character computed exactly as for the resident ID
//!   (GB 11643). Example: `932682198501010017`.
//! * **2017 edition**: 15 characters — 3-letter nationality (ISO 3166-1 alpha-3), 4-digit
//!   province and city code, the birth date `YYMMDD`, a sequence digit and a check digit.
//!   Example: `KAZ110090123105`. The check digit's algorithm is not published in a source we
//!   could confirm (a 7-3-1 weighting with A = 10 … is reported but unverified), so **the
//!   check digit of a 2017 card is not verified**: only the shape, the province and the date
//!   are. A wrong last digit of a 2017 card is accepted; the reviewer sees the card itself.

use serde::Serialize;

use super::date::Date;
use super::id_number::{check_char, is_mainland_province};
use super::problem::Explain;

/// Why a permanent residence card number is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum PermanentResidenceError {
    /// Neither 18 digits starting with 9 (the last may be `X`) nor 3 letters and 12 digits.
    Format,
    /// The province digits are not a mainland province-level code.
    Province,
    /// The birth date is not a real date.
    BirthDate,
    /// The birth date is after the given day.
    BirthInFuture,
    /// The check character of a 2023 card does not match.
    CheckDigit,
}

impl Explain for PermanentResidenceError {
    fn code(&self) -> &'static str {
        match self {
            Self::Format => "PERMANENT_RESIDENCE_FORMAT",
            Self::Province => "PERMANENT_RESIDENCE_PROVINCE",
            Self::BirthDate => "PERMANENT_RESIDENCE_BIRTH_DATE",
            Self::BirthInFuture => "PERMANENT_RESIDENCE_BIRTH_FUTURE",
            Self::CheckDigit => "PERMANENT_RESIDENCE_CHECK_DIGIT",
        }
    }
    fn message_zh(&self) -> String {
        match self {
            Self::Format => "永久居留身份证号码应为以 9 开头的 18 位数字（2023 版）或 3 个字母加 12 位数字（2017 版）",
            Self::Province => "永久居留身份证号码中的受理地省份代码无效",
            Self::BirthDate => "永久居留身份证号码中的出生日期无效",
            Self::BirthInFuture => "永久居留身份证号码中的出生日期晚于今天",
            Self::CheckDigit => "永久居留身份证号码校验位不正确，请核对",
        }
        .into()
    }
}

/// Which edition of the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Edition {
    /// 18 digits, check character verified.
    Edition2023,
    /// 15 characters, check digit **not** verified (see the module documentation).
    Edition2017,
}

/// A checked permanent residence card number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermanentResidenceCard {
    text: String,
    edition: Edition,
    birth: Date,
}

impl PermanentResidenceCard {
    /// Checks a card number of either edition against the day `today`. Letters are taken
    /// upper-case; surrounding spaces are ignored.
    pub fn parse(input: &str, today: Date) -> Result<Self, PermanentResidenceError> {
        let text = input.trim().to_ascii_uppercase();
        let (edition, birth) = match text.len() {
            18 => (Edition::Edition2023, parse_2023(text.as_bytes(), today)?),
            15 => (Edition::Edition2017, parse_2017(text.as_bytes(), today)?),
            _ => return Err(PermanentResidenceError::Format),
        };
        Ok(PermanentResidenceCard {
            text,
            edition,
            birth,
        })
    }

    /// The number, upper-case.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Which edition.
    pub fn edition(&self) -> Edition {
        self.edition
    }

    /// Birth date printed in the number.
    pub fn birth(&self) -> Date {
        self.birth
    }

    /// The 3-letter nationality of a 2017 card (the 2023 card's numeric code is not mapped).
    pub fn nationality_alpha3(&self) -> Option<&str> {
        (self.edition == Edition::Edition2017).then(|| &self.text[..3])
    }
}

fn parse_2023(b: &[u8], today: Date) -> Result<Date, PermanentResidenceError> {
    let shape_ok = b[0] == b'9'
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X');
    if !shape_ok {
        return Err(PermanentResidenceError::Format);
    }
    if !is_mainland_province(two_digits(&b[1..3])) {
        return Err(PermanentResidenceError::Province);
    }
    let birth = Date::parse_compact(&b[6..14]).ok_or(PermanentResidenceError::BirthDate)?;
    not_after(birth, today)?;
    if check_char(&b[..17]) != b[17] {
        return Err(PermanentResidenceError::CheckDigit);
    }
    Ok(birth)
}

fn parse_2017(b: &[u8], today: Date) -> Result<Date, PermanentResidenceError> {
    let shape_ok =
        b[..3].iter().all(u8::is_ascii_uppercase) && b[3..].iter().all(u8::is_ascii_digit);
    if !shape_ok {
        return Err(PermanentResidenceError::Format);
    }
    if !is_mainland_province(two_digits(&b[3..5])) {
        return Err(PermanentResidenceError::Province);
    }
    let birth = two_digit_year_date(&b[7..13], today).ok_or(PermanentResidenceError::BirthDate)?;
    not_after(birth, today)?;
    Ok(birth)
}

/// `YYMMDD` in the latest century that does not put the date after `today`.
fn two_digit_year_date(yymmdd: &[u8], today: Date) -> Option<Date> {
    let yy = u32::from(two_digits(&yymmdd[..2]));
    let (m, d) = (
        u32::from(two_digits(&yymmdd[2..4])),
        u32::from(two_digits(&yymmdd[4..6])),
    );
    let this_century = today.year() / 100 * 100;
    Date::new(this_century + yy, m, d)
        .filter(|date| *date <= today)
        .or_else(|| Date::new(this_century - 100 + yy, m, d))
}

fn not_after(birth: Date, today: Date) -> Result<(), PermanentResidenceError> {
    if birth > today {
        return Err(PermanentResidenceError::BirthInFuture);
    }
    Ok(())
}

fn two_digits(b: &[u8]) -> u8 {
    (b[0] - b'0') * 10 + (b[1] - b'0')
}
