//! Times and dates on the command line. The core counts in Unix seconds and in CST day
//! numbers (days since 1970-01-01 in China Standard Time); people type RFC 3339 times and
//! `YYYY-MM-DD` dates, which are calendar dates in Beijing.

use std::time::{SystemTime, UNIX_EPOCH};

use ecard_core::format::fields::{day_start, CST_OFFSET_SECS};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::error::{CliError, CliResult};

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

/// The current Unix time from the system clock.
pub fn now() -> CliResult<i64> {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| CliError::new("BAD_CLOCK", "系统时间早于 1970 年，请校准时间"))?;
    i64::try_from(d.as_secs()).map_err(|_| CliError::new("BAD_CLOCK", "系统时间超出范围"))
}

/// The given time, or the system clock's when none was given.
pub fn time_or_now(arg: Option<&str>) -> CliResult<i64> {
    arg.map_or_else(now, parse_time)
}

/// Parses unix seconds (`1795924800`) or RFC 3339 (`2026-11-29T10:00:00+08:00`).
pub fn parse_time(s: &str) -> CliResult<i64> {
    if let Ok(secs) = s.parse::<i64>() {
        return Ok(secs);
    }
    OffsetDateTime::parse(s, &Rfc3339).map(OffsetDateTime::unix_timestamp).map_err(|e| {
        CliError::new(
            "BAD_TIME",
            format!("时间 “{s}” 无效，请用 Unix 秒数或 RFC 3339（如 2026-11-29T10:00:00+08:00）（{e}）"),
        )
    })
}

/// Parses `YYYY-MM-DD` into a CST day number that fits the formats' 16-bit day fields.
pub fn parse_day(s: &str) -> CliResult<u16> {
    let date = Date::parse(s, DATE_FORMAT).map_err(|e| {
        CliError::new(
            "BAD_DATE",
            format!("日期 “{s}” 无效，请用 YYYY-MM-DD（{e}）"),
        )
    })?;
    day_number(date).ok_or_else(|| {
        CliError::new(
            "BAD_DATE",
            format!("日期 “{s}” 超出范围（1970-01-01 至 2149-06-06）"),
        )
    })
}

/// A CST day number as a 16-bit field, refusing days before 1970 or after 2149.
pub fn day_field(day: i64) -> CliResult<u16> {
    u16::try_from(day)
        .map_err(|_| CliError::new("BAD_DATE", format!("日期超出范围（第 {day} 天）")))
}

/// The day number of a calendar date: whole days since 1970-01-01.
fn day_number(date: Date) -> Option<u16> {
    let days = date.to_julian_day() - Date::from_ordinal_date(1970, 1).ok()?.to_julian_day();
    u16::try_from(days).ok()
}

/// A day number as `YYYY-MM-DD`, for output a person reads next to the raw number.
pub fn format_day(day: u16) -> String {
    format_time(day_start(i64::from(day)))[..10].to_owned()
}

/// A Unix time as RFC 3339 in Beijing time.
pub fn format_time(unix: i64) -> String {
    let cst = UtcOffset::from_whole_seconds(CST_OFFSET_SECS as i32).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.to_offset(cst).format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecard_core::format::fields::day_of;

    #[test]
    fn dates_agree_with_the_core_calendar() {
        let day = parse_day("2026-11-29").unwrap();
        let beijing_midnight = parse_time("2026-11-29T00:00:00+08:00").unwrap();
        assert_eq!(i64::from(day), day_of(beijing_midnight));
        assert_eq!(format_day(day), "2026-11-29");
    }

    #[test]
    fn times_accept_unix_seconds_and_rfc3339() {
        assert_eq!(parse_time("1795924800").unwrap(), 1_795_924_800);
        assert_eq!(
            parse_time("2026-11-29T10:00:00+08:00").unwrap(),
            1_795_917_600
        );
        assert_eq!(parse_time("tomorrow").unwrap_err().code, "BAD_TIME");
        assert_eq!(parse_day("1969-12-31").unwrap_err().code, "BAD_DATE");
    }
}
