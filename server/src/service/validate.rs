//! Field checks shared by the routes. Each failure names its field and says what is wrong.

use ecard_core::rules::id_number::IdNumber;

use super::error::{ApiError, ApiResult};

/// (year, month, day) in China Standard Time.
pub fn cst_date(unix: i64) -> (u32, u32, u32) {
    let t = time::OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::macros::offset!(+8));
    (
        t.year() as u32,
        u8::from(t.month()) as u32,
        u32::from(t.day()),
    )
}

/// A resident ID number, checked against today's date.
pub fn id_number(field: &'static str, input: &str, now: i64) -> ApiResult<IdNumber> {
    IdNumber::parse(input, cst_date(now))
        .map_err(|e| ApiError::field(field, e.code(), e.message_zh()))
}

/// A person's name as written on the ID card: 2–30 characters, no digits or control characters.
pub fn name(field: &'static str, input: &str) -> ApiResult<String> {
    let n = input.trim();
    let count = n.chars().count();
    if !(2..=30).contains(&count) || n.chars().any(|c| c.is_control() || c.is_ascii_digit()) {
        return Err(ApiError::field(
            field,
            "NAME_INVALID",
            "姓名应为 2–30 个字，不含数字",
        ));
    }
    Ok(n.to_string())
}

/// A mainland mobile number: 11 digits starting with 1.
pub fn phone(field: &'static str, input: &str) -> ApiResult<String> {
    let p = input.trim();
    if p.len() != 11 || !p.starts_with('1') || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::field(
            field,
            "PHONE_INVALID",
            "手机号码应为 11 位数字",
        ));
    }
    Ok(p.to_string())
}

/// A password of 8–128 characters with at least a letter and a digit.
pub fn password(field: &'static str, input: &str) -> ApiResult<String> {
    let len = input.chars().count();
    let ok = (8..=128).contains(&len)
        && input.chars().any(|c| c.is_ascii_digit())
        && input.chars().any(|c| c.is_alphabetic());
    if !ok {
        return Err(ApiError::field(
            field,
            "PASSWORD_WEAK",
            "密码应为 8–128 位，且同时包含字母和数字",
        ));
    }
    Ok(input.to_string())
}

/// An ID number as anyone but the holder sees it: `110105********002X`; anything not 18
/// characters long is shown as its first and last two.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() == 18 {
        format!(
            "{}********{}",
            chars[..6].iter().collect::<String>(),
            chars[14..].iter().collect::<String>()
        )
    } else if chars.len() > 4 {
        format!(
            "{}{}{}",
            chars[..2].iter().collect::<String>(),
            "*".repeat(chars.len() - 4),
            chars[chars.len() - 2..].iter().collect::<String>()
        )
    } else {
        "*".repeat(chars.len())
    }
}

/// Masks a phone number for display: `138****5678`.
pub fn mask_phone(p: &str) -> String {
    if p.len() == 11 {
        format!("{}****{}", &p[..3], &p[7..])
    } else {
        "***".into()
    }
}
