//! A person's name and contact phone as typed into the form.

use super::problem::{Explain, Problems, Required};

/// Why a name or phone number is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PersonError {
    /// A name must be 2–60 characters without digits or control characters (60 leaves room
    /// for foreign names as printed in a passport; Chinese names are 2–6 characters).
    Name,
    /// A phone number must be a mainland mobile number (11 digits starting with 1) or an
    /// international number `+` and 8–15 digits.
    Phone,
}

impl Explain for PersonError {
    fn code(&self) -> &'static str {
        match self {
            Self::Name => "NAME_INVALID",
            Self::Phone => "PHONE_INVALID",
        }
    }
    fn message_zh(&self) -> String {
        match self {
            Self::Name => "姓名应为 2–60 个字，与证件一致，不含数字",
            Self::Phone => "手机号码应为 11 位数字，境外号码请以 + 和国家代码开头",
        }
        .into()
    }
}

/// The trimmed name, or `None` after recording a problem against `field`.
pub fn check_name(problems: &mut Problems, field: &str, input: &str) -> Option<String> {
    let name = input.trim();
    let length = name.chars().count();
    if length == 0 {
        problems.add(field, &Required);
        return None;
    }
    let bad_char = |c: char| c.is_control() || c.is_ascii_digit() || ('０'..='９').contains(&c);
    if !(2..=60).contains(&length) || name.chars().any(bad_char) {
        problems.add(field, &PersonError::Name);
        return None;
    }
    Some(name.to_string())
}

/// The trimmed phone number, or `None` after recording a problem against `field`.
pub fn check_phone(problems: &mut Problems, field: &str, input: &str) -> Option<String> {
    let phone = input.trim();
    if phone.is_empty() {
        problems.add(field, &Required);
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mainland = phone.len() == 11 && phone.starts_with('1') && digits(phone);
    let international = phone
        .strip_prefix('+')
        .is_some_and(|rest| (8..=15).contains(&rest.len()) && digits(rest));
    if !(mainland || international) {
        problems.add(field, &PersonError::Phone);
        return None;
    }
    Some(phone.to_string())
}
