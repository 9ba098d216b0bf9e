//! The 18-character resident identity number (GB 11643-1999): address code, birth date,
//! sequence, and an ISO 7064 MOD 11-2 check character.

use serde::Serialize;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// Why an ID number is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum IdNumberError {
    /// Not 18 characters of digits (the last may be `X`).
    Format,
    /// The address code is not a plausible province-level code.
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
        f.write_str(self.message_zh())
    }
}

impl std::error::Error for IdNumberError {}

/// A checked resident ID number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber {
    text: String,
    birth: (u32, u32, u32),
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
        let num = |r: std::ops::Range<usize>| text[r].parse::<u32>().unwrap_or(0);
        if !(11..=91).contains(&num(0..2)) {
            return Err(IdNumberError::AddressCode);
        }
        let birth = (num(6..10), num(10..12), num(12..14));
        if birth.0 < 1880 || !is_real_date(birth) {
            return Err(IdNumberError::BirthDate);
        }
        if birth > today {
            return Err(IdNumberError::BirthInFuture);
        }
        if check_char(&b[..17]) != b[17] {
            return Err(IdNumberError::CheckDigit);
        }
        Ok(IdNumber { text, birth })
    }

    /// The number, upper-case.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Birth date (year, month, day).
    pub fn birth_date(&self) -> (u32, u32, u32) {
        self.birth
    }

    /// Age in whole years on `day`.
    pub fn age_on(&self, day: (u32, u32, u32)) -> u32 {
        let (y, m, d) = self.birth;
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

fn is_real_date((y, m, d): (u32, u32, u32)) -> bool {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
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
