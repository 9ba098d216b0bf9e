//! The county service centre window's hours (新乡县 guide): Monday to Friday 09:00–12:00 and
//! 13:00–17:00 China Standard Time, closed on statutory holidays. Online applications are
//! accepted 24 hours a day. Whether the window opens on the weekend days worked instead of a
//! holiday (调休上班) is not stated in the guide: it is configuration (default: open, as
//! government service centres follow the national working-day schedule).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::date::{cst_moment, Date};
use super::holidays::{DayKind, HolidayCalendar};

/// A time of day in minutes after midnight; JSON `"HH:MM"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct ClockTime(u32);

impl ClockTime {
    /// `hour:minute`, if it is a time of day.
    pub fn new(hour: u32, minute: u32) -> Option<ClockTime> {
        (hour < 24 && minute < 60).then_some(ClockTime(hour * 60 + minute))
    }

    /// Minutes after midnight.
    pub fn minutes(self) -> u32 {
        self.0
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl From<ClockTime> for String {
    fn from(t: ClockTime) -> String {
        t.to_string()
    }
}

impl TryFrom<String> for ClockTime {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let parsed = s
            .split_once(':')
            .filter(|(h, m)| h.len() == 2 && m.len() == 2)
            .and_then(|(h, m)| ClockTime::new(h.parse().ok()?, m.parse().ok()?));
        parsed.ok_or_else(|| format!("invalid time of day {s:?}, expected HH:MM"))
    }
}

/// One opening period of a day, `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Opens.
    pub start: ClockTime,
    /// Closes.
    pub end: ClockTime,
}

/// The window's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WindowRules {
    /// Opening periods of a working day, in order (default 09:00–12:00, 13:00–17:00).
    pub sessions: Vec<Session>,
    /// Whether the window opens on 调休上班 weekend days (default true).
    pub open_on_makeup_days: bool,
    /// Holidays and make-up days (default: the embedded years).
    #[serde(skip)]
    pub calendar: HolidayCalendar,
}

impl Default for WindowRules {
    fn default() -> Self {
        let at = |h| ClockTime::new(h, 0).expect("whole hours are times of day");
        WindowRules {
            sessions: vec![
                Session {
                    start: at(9),
                    end: at(12),
                },
                Session {
                    start: at(13),
                    end: at(17),
                },
            ],
            open_on_makeup_days: true,
            calendar: HolidayCalendar::builtin(),
        }
    }
}

/// A wall-clock moment in China Standard Time; JSON `"YYYY-MM-DD HH:MM"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalDateTime {
    /// The date.
    pub date: Date,
    /// The time of day.
    pub time: ClockTime,
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.date, self.time)
    }
}

impl Serialize for LocalDateTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Whether the window is open, and when it next opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowStatus {
    /// Open now.
    pub open: bool,
    /// When open: when the current period ends.
    pub closes_at: Option<LocalDateTime>,
    /// When closed: the next opening, or `None` if there is none within a year (no sessions
    /// configured).
    pub next_open: Option<LocalDateTime>,
    /// False when the holidays of the day of `next_open` (or of today, when open) are not in
    /// the calendar: then only weekends were taken into account.
    pub calendar_known: bool,
    /// What the applicant reads.
    pub message: String,
}

/// How far ahead to look for the next opening: every holiday stretch is far shorter.
const SEARCH_DAYS: i64 = 366;

impl WindowRules {
    /// True when the window opens at all on `date`.
    pub fn opens_on(&self, date: Date) -> bool {
        match self.calendar.day(date) {
            DayKind::Weekday => true,
            DayKind::MakeUpWorkday(_) => self.open_on_makeup_days,
            DayKind::Weekend | DayKind::Holiday(_) => false,
        }
    }

    /// The window's status at Unix time `now_unix`.
    pub fn status(&self, now_unix: i64) -> WindowStatus {
        let (today, minute) = cst_moment(now_unix);
        let current = self
            .sessions
            .iter()
            .find(|s| (s.start.minutes()..s.end.minutes()).contains(&minute));
        match current.filter(|_| self.opens_on(today)) {
            Some(session) => WindowStatus {
                open: true,
                closes_at: Some(LocalDateTime {
                    date: today,
                    time: session.end,
                }),
                next_open: None,
                calendar_known: self.calendar.knows_year(today.year()),
                message: format!("窗口正在办公，本时段 {} 结束", session.end),
            },
            None => self.closed_status(today, minute),
        }
    }

    /// The first opening strictly after `minute` of `today`.
    pub fn next_opening(&self, today: Date, minute: u32) -> Option<LocalDateTime> {
        if self.opens_on(today) {
            let later = self.sessions.iter().find(|s| s.start.minutes() > minute);
            if let Some(s) = later {
                return Some(LocalDateTime {
                    date: today,
                    time: s.start,
                });
            }
        }
        let first = self.sessions.iter().map(|s| s.start).min()?;
        (1..=SEARCH_DAYS)
            .map(|n| Date::from_days_since_epoch(today.days_since_epoch() + n))
            .find(|d| self.opens_on(*d))
            .map(|date| LocalDateTime { date, time: first })
    }

    fn closed_status(&self, today: Date, minute: u32) -> WindowStatus {
        let next = self.next_opening(today, minute);
        let calendar_known = next.is_none_or(|n| self.calendar.knows_year(n.date.year()));
        let mut message = self.closed_reason(today, next);
        if let Some(n) = next {
            message.push_str(&format!("，下次办公时间：{n}"));
            if !calendar_known {
                message.push_str(&format!(
                    "（{} 年节假日安排尚未收录，以实际公告为准）",
                    n.date.year()
                ));
            }
        }
        message.push_str("。网上申报 24 小时均可提交");
        WindowStatus {
            open: false,
            closes_at: None,
            next_open: next,
            calendar_known,
            message,
        }
    }

    fn closed_reason(&self, today: Date, next: Option<LocalDateTime>) -> String {
        match self.calendar.day(today) {
            DayKind::Holiday(name) => format!("{name}假期，窗口不办公"),
            DayKind::Weekend => "周末窗口不办公".into(),
            DayKind::MakeUpWorkday(_) if !self.open_on_makeup_days => {
                "今天是调休上班日，窗口不办公".into()
            }
            _ if next.is_some_and(|n| n.date == today) => "现在不在窗口办公时间".into(),
            _ => "今天的窗口办公时间已结束".into(),
        }
    }
}
