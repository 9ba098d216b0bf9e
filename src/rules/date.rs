//! Calendar dates and China Standard Time. The rules never read a clock: the caller passes a
//! Unix time, and this module turns it into the date and minute on a Henan wall clock
//! (UTC+8 all year; China has no daylight saving time).

use std::fmt;

/// Seconds east of UTC of China Standard Time.
pub const CST_OFFSET_SECS: i64 = 8 * 3600;

/// A day of the Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u32,
    month: u32,
    day: u32,
}

impl Date {
    /// The date, if it exists (year 1–9999).
    pub fn new(year: u32, month: u32, day: u32) -> Option<Date> {
        ((1..=9999).contains(&year) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD` (exactly that form).
    pub fn parse_iso(text: &str) -> Option<Date> {
        let b = text.trim().as_bytes();
        let shape_ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape_ok {
            return None;
        }
        let num = |r: std::ops::Range<usize>| digits_value(&b[r]);
        Date::new(num(0..4), num(5..7), num(8..10))
    }

    /// Parses 8 ASCII digits `YYYYMMDD`, as found inside document numbers.
    pub fn parse_compact(digits: &[u8]) -> Option<Date> {
        if digits.len() != 8 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Date::new(
            digits_value(&digits[..4]),
            digits_value(&digits[4..6]),
            digits_value(&digits[6..]),
        )
    }

    /// The date in China Standard Time at Unix time `unix`.
    pub fn from_unix_cst(unix: i64) -> Date {
        cst_moment(unix).0
    }

    /// (year, month, day), the form [`crate::rules::id_number`] takes.
    pub fn ymd(self) -> (u32, u32, u32) {
        (self.year, self.month, self.day)
    }

    /// The year.
    pub fn year(self) -> u32 {
        self.year
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u32;
        Date { year, month, day }
    }

    /// The next day.
    pub fn succ(self) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch() + 1)
    }

    /// Day of the week, 1 = Monday … 7 = Sunday (ISO 8601).
    pub fn iso_weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (4).
        ((self.days_since_epoch() + 3).rem_euclid(7) + 1) as u32
    }

    /// Whole years from `birth` to `self` (the birthday itself counts; someone born on
    /// 29 February turns a year older on 1 March in common years).
    pub fn years_since(self, birth: Date) -> u32 {
        let before_birthday = (self.month, self.day) < (birth.month, birth.day);
        self.year
            .saturating_sub(birth.year)
            .saturating_sub(u32::from(before_birthday))
    }

    /// 31 December of this date's year.
    pub fn end_of_year(self) -> Date {
        Date {
            year: self.year,
            month: 12,
            day: 31,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The date and the minute of the day (0–1439) in China Standard Time at Unix time `unix`.
pub fn cst_moment(unix: i64) -> (Date, u32) {
    let local = unix.saturating_add(CST_OFFSET_SECS);
    let date = Date::from_days_since_epoch(local.div_euclid(86_400));
    (date, (local.rem_euclid(86_400) / 60) as u32)
}

/// Days in `month` of `year`; 0 for a month that does not exist.
pub fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    }
}

fn digits_value(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |n, c| n * 10 + u32::from(c.wrapping_sub(b'0')))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn unix_times_become_henan_wall_clock_dates() {
        // 2026-11-30 16:00 UTC is 2026-12-01 00:00 in Henan.
        let (d, minute) = cst_moment(1_796_054_400);
        assert_eq!((d.to_string(), minute), ("2026-12-01".to_string(), 0));
        assert_eq!(Date::from_unix_cst(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_cst(-1).to_string(), "1970-01-01");
        assert_eq!(
            Date::from_unix_cst(-CST_OFFSET_SECS - 1).to_string(),
            "1969-12-31"
        );
    }

    #[test]
    fn day_numbers_round_trip_and_weekdays_are_iso() {
        for days in -719_000..2_000_000 {
            if days % 997 == 0 {
                let d = Date::from_days_since_epoch(days);
                assert_eq!(d.days_since_epoch(), days);
            }
        }
        assert_eq!(Date::new(2026, 1, 1).unwrap().iso_weekday(), 4);
        assert_eq!(Date::new(2026, 1, 4).unwrap().iso_weekday(), 7);
        assert_eq!(
            Date::new(2000, 2, 29).unwrap().succ().to_string(),
            "2000-03-01"
        );
    }

    #[test]
    fn only_real_dates_parse() {
        assert!(Date::parse_iso("2024-02-29").is_some());
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "20260101",
            "",
        ] {
            assert!(Date::parse_iso(bad).is_none(), "{bad}");
        }
        assert_eq!(Date::parse_compact(b"19491231"), Date::new(1949, 12, 31));
        assert!(Date::parse_compact(b"1949123A").is_none());
    }

    #[test]
    fn years_turn_on_the_birthday() {
        let birth = Date::new(2010, 11, 29).unwrap();
        assert_eq!(Date::new(2026, 11, 28).unwrap().years_since(birth), 15);
        assert_eq!(Date::new(2026, 11, 29).unwrap().years_since(birth), 16);
        let leap = Date::new(2008, 2, 29).unwrap();
        assert_eq!(Date::new(2026, 2, 28).unwrap().years_since(leap), 17);
        assert_eq!(Date::new(2026, 3, 1).unwrap().years_since(leap), 18);
    }
}
