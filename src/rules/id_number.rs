//! The 18-character resident identity number (GB 11643-1999): address code, birth date,
//! sequence, and an ISO 7064 MOD 11-2 check character.
//!
//! The same form is used by the residence permits of Hong Kong, Macao and Taiwan residents
//! (港澳台居民居住证, 国办发〔2018〕81号), whose address code is exactly 810000, 820000 or
//! 830000. [`IdNumber::kind`] tells the two apart.

use serde::Serialize;

use super::date::Date;
use super::problem::Explain;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// Why an ID number is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum IdNumberError {
    /// Not 18 characters of digits (the last may be `X`).
    Format,
    /// The first two digits are not a province-level code of GB/T 2260, or a residence
    /// permit's address code is not exactly 810000, 820000 or 830000.
    AddressCode,
    /// The birth date is not a real date.
    BirthDate,
    /// The birth date is after the given day.
    BirthInFuture,
    /// The check character does not match.
    CheckDigit,
}

impl IdNumberError {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            IdNumberError::Format => "ID_NUMBER_FORMAT",
            IdNumberError::AddressCode => "ID_NUMBER_ADDRESS",
            IdNumberError::BirthDate => "ID_NUMBER_BIRTH_DATE",
            IdNumberError::BirthInFuture => "ID_NUMBER_BIRTH_FUTURE",
            IdNumberError::CheckDigit => "ID_NUMBER_CHECK_DIGIT",
        }
    }

    /// What the person filling in the form reads.
    pub fn message_zh(self) -> &'static str {
        match self {
            IdNumberError::Format => "身份证号码应为 18 位数字（最后一位可以是 X）",
            IdNumberError::AddressCode => "身份证号码的前 6 位地址码无效",
            IdNumberError::BirthDate => "身份证号码中的出生日期无效",
            IdNumberError::BirthInFuture => "身份证号码中的出生日期晚于今天",
            IdNumberError::CheckDigit => "身份证号码校验位不正确，请核对",
        }
    }
}

impl std::fmt::Display for IdNumberError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(IdNumberError::message_zh(*self))
    }
}

impl std::error::Error for IdNumberError {}

impl Explain for IdNumberError {
    fn code(&self) -> &'static str {
        IdNumberError::code(*self)
    }
    fn message_zh(&self) -> String {
        IdNumberError::message_zh(*self).into()
    }
}

/// Province-level codes of GB/T 2260 (the first two digits of a number): the 31 mainland
/// provinces, 71 台湾 (in the standard, unused by issued cards) and 81/82/83, used only by
/// residence permits.
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// Which kind of holder a number in the GB 11643 form belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdNumberKind {
    /// A citizen's 居民身份证 number (first digit 1–8, not 81/82/83).
    Citizen,
    /// 港澳台居民居住证 of a Hong Kong resident (address code 810000).
    HongKongPermit,
    /// 港澳台居民居住证 of a Macao resident (address code 820000).
    MacaoPermit,
    /// 港澳台居民居住证 of a Taiwan resident (address code 830000).
    TaiwanPermit,
}

/// A checked resident ID number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber {
    text: String,
    birth: Date,
}

impl IdNumber {
    /// Checks an ID number against the day `today` = (year, month, day). A lower-case `x` is
    /// accepted and stored upper-case.
    pub fn parse(input: &str, today: (u32, u32, u32)) -> Result<Self, IdNumberError> {
        let text = input.trim().to_ascii_uppercase();
        let b = text.as_bytes();
        let digits_ok = b.len() == 18
            && b[..17].iter().all(u8::is_ascii_digit)
            && (b[17].is_ascii_digit() || b[17] == b'X');
        if !digits_ok {
            return Err(IdNumberError::Format);
        }
        if !address_code_ok(&b[..6]) {
            return Err(IdNumberError::AddressCode);
        }
        let birth = match Date::parse_compact(&b[6..14]) {
            Some(d) if d.year() >= 1880 => d,
            _ => return Err(IdNumberError::BirthDate),
        };
        if birth.ymd() > today {
            return Err(IdNumberError::BirthInFuture);
        }
        if check_char(&b[..17]) != b[17] {
            return Err(IdNumberError::CheckDigit);
        }
        Ok(IdNumber { text, birth })
    }

    /// Citizen or residence permit (and whose).
    pub fn kind(&self) -> IdNumberKind {
        match &self.text[..2] {
            "81" => IdNumberKind::HongKongPermit,
            "82" => IdNumberKind::MacaoPermit,
            "83" => IdNumberKind::TaiwanPermit,
            _ => IdNumberKind::Citizen,
        }
    }

    /// Birth date as a [`Date`].
    pub fn birth(&self) -> Date {
        self.birth
    }

    /// The number, upper-case.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Birth date (year, month, day).
    pub fn birth_date(&self) -> (u32, u32, u32) {
        self.birth.ymd()
    }

    /// Age in whole years on `day`.
    pub fn age_on(&self, day: (u32, u32, u32)) -> u32 {
        let (y, m, d) = self.birth.ymd();
        let before_birthday = (day.1, day.2) < (m, d);
        day.0
            .saturating_sub(y)
            .saturating_sub(u32::from(before_birthday))
    }

    /// The form shown to anyone but the holder: first 6, eight `*`, last 4.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.text[..6], &self.text[14..])
    }
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

/// True for a mainland province-level code (11 北京 … 65 新疆), as used by the issuing
/// authority field of the foreigner's permanent residence card.
pub fn is_mainland_province(code: u8) -> bool {
    code < 71 && PROVINCES.contains(&code)
}

/// The first six digits: a province-level code, and for 81/82/83 exactly `xx0000`.
fn address_code_ok(code: &[u8]) -> bool {
    let province = (code[0] - b'0') * 10 + (code[1] - b'0');
    let permit = (81..=83).contains(&province);
    PROVINCES.contains(&province) && (!permit || &code[2..] == b"0000")
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const TODAY: (u32, u32, u32) = (2026, 11, 29);

    #[test]
    fn the_standards_worked_example_is_valid() {
        let id = IdNumber::parse("11010519491231002x", TODAY).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), (1949, 12, 31));
        assert_eq!(id.age_on(TODAY), 76);
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn each_kind_of_mistake_has_its_own_error() {
        let cases = [
            ("1101051949123100", IdNumberError::Format),
            ("11010519491231002Y", IdNumberError::Format),
            ("00010519491231002X", IdNumberError::AddressCode),
            ("110105194902300028", IdNumberError::BirthDate),
            ("110105203001010011", IdNumberError::BirthInFuture),
            ("110105194912310021", IdNumberError::CheckDigit),
        ];
        for (input, want) in cases {
            assert_eq!(IdNumber::parse(input, TODAY).unwrap_err(), want, "{input}");
        }
    }

    #[test]
    fn age_turns_on_the_birthday() {
        let mut number = b"41072120101129001".to_vec();
        number.push(check_char(&number));
        let id = IdNumber::parse(std::str::from_utf8(&number).unwrap(), TODAY).unwrap();
        assert_eq!(id.age_on((2026, 11, 28)), 15);
        assert_eq!(id.age_on(TODAY), 16);
    }
}
