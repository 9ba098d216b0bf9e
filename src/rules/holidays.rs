//! The statutory holiday calendar, kept as data: one text file a year under
//! `src/rules/holidays/`, embedded at build time. A year is added by dropping in its file
//! (and listing it in [`BUILTIN`]) when the State Council publishes it, usually in November;
//! a server can also load one at run time with [`HolidayCalendar::add_year`].

use std::collections::BTreeMap;
use std::fmt;

use super::date::Date;

/// The embedded years.
pub const BUILTIN: &[&str] = &[include_str!("holidays/2026.txt")];

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    /// Monday to Friday, no holiday.
    Weekday,
    /// Saturday or Sunday, not a make-up working day.
    Weekend,
    /// A statutory holiday (its name, e.g. `国庆节`).
    Holiday(String),
    /// A weekend day worked instead of a holiday (调休上班), and which holiday.
    MakeUpWorkday(String),
}

/// The holiday calendars of the years loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    years: BTreeMap<u32, Year>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Year {
    holidays: BTreeMap<Date, String>,
    workdays: BTreeMap<Date, String>,
}

/// A calendar file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError {
    /// 1-based line number (0: the file as a whole).
    pub line: usize,
    /// What is wrong.
    pub reason: &'static str,
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "节假日文件第 {} 行：{}", self.line, self.reason)
    }
}

impl std::error::Error for CalendarError {}

impl HolidayCalendar {
    /// The embedded years.
    pub fn builtin() -> HolidayCalendar {
        let mut calendar = HolidayCalendar::default();
        for text in BUILTIN {
            calendar
                .add_year(text)
                .expect("embedded holiday files are checked by the tests");
        }
        calendar
    }

    /// Adds (or replaces) one year from the text of its file; returns the year.
    pub fn add_year(&mut self, text: &str) -> Result<u32, CalendarError> {
        let (number, year) = parse_year(text)?;
        self.years.insert(number, year);
        Ok(number)
    }

    /// True when the calendar of `year` is loaded.
    pub fn knows_year(&self, year: u32) -> bool {
        self.years.contains_key(&year)
    }

    /// The years loaded.
    pub fn years(&self) -> impl Iterator<Item = u32> + '_ {
        self.years.keys().copied()
    }

    /// What kind of day `date` is. For a year not loaded, only weekends are known.
    pub fn day(&self, date: Date) -> DayKind {
        let year = self.years.get(&date.year());
        if let Some(name) = year.and_then(|y| y.holidays.get(&date)) {
            return DayKind::Holiday(name.clone());
        }
        if let Some(name) = year.and_then(|y| y.workdays.get(&date)) {
            return DayKind::MakeUpWorkday(name.clone());
        }
        if date.iso_weekday() >= 6 {
            DayKind::Weekend
        } else {
            DayKind::Weekday
        }
    }
}

fn parse_year(text: &str) -> Result<(u32, Year), CalendarError> {
    let mut number = None;
    let mut year = Year::default();
    for (index, raw) in text.lines().enumerate() {
        let err = |reason| CalendarError {
            line: index + 1,
            reason,
        };
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let (keyword, value) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        let name = words.collect::<Vec<_>>().join(" ");
        match keyword {
            "year" => number = Some(value.parse().map_err(|_| err("年份无效"))?),
            "holiday" | "workday" => {
                let y = number.ok_or(err("缺少 year 行"))?;
                if name.is_empty() {
                    return Err(err("缺少节日名称"));
                }
                let (first, last) = date_range(value, y).ok_or(err("日期或日期范围无效"))?;
                if keyword == "holiday" {
                    add_range(&mut year.holidays, first, last, &name);
                } else if first != last || first.iso_weekday() < 6 {
                    return Err(err("调休上班日应为单独的一个周末日期"));
                } else {
                    year.workdays.insert(first, name);
                }
            }
            _ => return Err(err("未知的行类型（应为 year、holiday 或 workday）")),
        }
    }
    let number = number.ok_or(CalendarError {
        line: 0,
        reason: "缺少 year 行",
    })?;
    if year.workdays.keys().any(|d| year.holidays.contains_key(d)) {
        return Err(CalendarError {
            line: 0,
            reason: "同一天既是假日又是调休上班日",
        });
    }
    Ok((number, year))
}

/// `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`, both in `year`, in order.
fn date_range(value: &str, year: u32) -> Option<(Date, Date)> {
    let (a, b) = value.split_once("..").unwrap_or((value, value));
    let (first, last) = (Date::parse_iso(a)?, Date::parse_iso(b)?);
    (first <= last && first.year() == year && last.year() == year).then_some((first, last))
}

fn add_range(map: &mut BTreeMap<Date, String>, first: Date, last: Date, name: &str) {
    let mut day = first;
    while day <= last {
        map.insert(day, name.to_string());
        day = day.succ();
    }
}
