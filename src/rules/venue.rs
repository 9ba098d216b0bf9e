//! Venue reservations (实施清单 item 21): what an operator configures for a library, museum or
//! scenic area, and the booking rules the service applies in its transaction: opening days
//! (with the holiday calendar), how far ahead booking opens, the per-holder limit,
//! cancellation up to the slot's start, and the no-show ban. Capacity is the database's job
//! (one conditional update per booking); everything else is decided here, without I/O.

use serde::{Deserialize, Serialize};

use super::date::{cst_moment, Date};
use super::holidays::{DayKind, HolidayCalendar};
use super::problem::{Explain, Problem, Problems};
use super::window::ClockTime;
use crate::format::fields::{day_start, Scene};
use crate::format::manifest::VenueRules;

/// What the venue does on statutory holidays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayOpening {
    /// Open on every statutory holiday, even one that falls on a weekly closing day (the
    /// usual rule for public museums and libraries).
    Open,
    /// Closed on statutory holidays.
    Closed,
    /// Holidays follow the weekly schedule.
    Weekly,
}

/// One daily slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotTemplate {
    /// Start, Beijing time.
    pub start: ClockTime,
    /// End, Beijing time, after `start`.
    pub end: ClockTime,
    /// Places.
    pub capacity: u32,
}

/// The no-show rule: `limit` no-shows within `window_days` days → no booking for `ban_days`
/// days from the last of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoShowRule {
    /// No-shows that trigger the ban (default 3; 0 turns the rule off).
    pub limit: u32,
    /// Days within which they count (default 30).
    pub window_days: u32,
    /// Days the ban lasts (default 30).
    pub ban_days: u32,
}

impl Default for NoShowRule {
    fn default() -> Self {
        NoShowRule {
            limit: 3,
            window_days: 30,
            ban_days: 30,
        }
    }
}

/// A venue as its operator configures it. In JSON every field but `name`, `kind` and `slots`
/// may be left out and takes the default shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VenueConfig {
    /// Name shown to citizens.
    pub name: String,
    /// `library`, `museum` or `scenic_area`.
    pub kind: Scene,
    /// ISO weekdays the venue opens (1 = Monday … 7 = Sunday; default Tuesday to Sunday).
    #[serde(default = "default_weekdays")]
    pub open_weekdays: Vec<u32>,
    /// Statutory holidays (default `open`).
    #[serde(default = "default_holidays")]
    pub holidays: HolidayOpening,
    /// Daily slots, in order, not overlapping.
    pub slots: Vec<SlotTemplate>,
    /// How many days ahead booking opens (default 7: today and the next 7 days).
    #[serde(default = "default_days_ahead")]
    pub booking_days_ahead: u32,
    /// Bookings one holder may hold at this venue on one day (default 1).
    #[serde(default = "one")]
    pub per_holder_daily_limit: u32,
    /// The no-show rule.
    #[serde(default)]
    pub no_show: NoShowRule,
    /// Minutes before the slot's start that entry opens (default 30).
    #[serde(default = "default_early")]
    pub entry_early_min: u16,
    /// Minutes after the slot's end that entry is still allowed (default 0).
    #[serde(default)]
    pub entry_late_min: u16,
    /// Whether visitors need a booking (default true).
    #[serde(default = "yes")]
    pub requires_booking: bool,
    /// Holders aged 60 and over enter without booking (default true).
    #[serde(default = "yes")]
    pub priority_seniors: bool,
    /// Loans a reader may hold (libraries; default 10, 0 elsewhere).
    #[serde(default)]
    pub loan_limit: Option<u8>,
}

fn default_weekdays() -> Vec<u32> {
    vec![2, 3, 4, 5, 6, 7]
}
fn default_holidays() -> HolidayOpening {
    HolidayOpening::Open
}
fn default_days_ahead() -> u32 {
    7
}
fn one() -> u32 {
    1
}
fn default_early() -> u16 {
    30
}
fn yes() -> bool {
    true
}

/// Why a venue configuration was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// Name empty or longer than 60 characters.
    Name,
    /// The kind is not a venue (`general`).
    Kind,
    /// A weekday outside 1–7, or a repeat.
    Weekdays,
    /// No slot, more than 48, a slot that ends before it starts, or overlapping slots.
    Slots,
    /// A slot's capacity is 0 or over 100,000.
    Capacity,
    /// Booking horizon outside 0–90 days.
    DaysAhead,
    /// Per-holder limit outside 1–10.
    HolderLimit,
    /// No-show rule out of range (window or ban over 365 days).
    NoShow,
    /// Entry margin over 4 hours.
    Margin,
}

impl Explain for ConfigError {
    fn code(&self) -> &'static str {
        match self {
            ConfigError::Name => "VENUE_NAME",
            ConfigError::Kind => "VENUE_KIND",
            ConfigError::Weekdays => "VENUE_WEEKDAYS",
            ConfigError::Slots => "VENUE_SLOTS",
            ConfigError::Capacity => "VENUE_CAPACITY",
            ConfigError::DaysAhead => "VENUE_DAYS_AHEAD",
            ConfigError::HolderLimit => "VENUE_HOLDER_LIMIT",
            ConfigError::NoShow => "VENUE_NO_SHOW_RULE",
            ConfigError::Margin => "VENUE_ENTRY_MARGIN",
        }
    }
    fn message_zh(&self) -> String {
        match self {
            ConfigError::Name => "场馆名称应为 1–60 个字",
            ConfigError::Kind => "场馆类型应为图书馆、博物馆或景区",
            ConfigError::Weekdays => "开放日应为 1–7（周一至周日），不重复",
            ConfigError::Slots => "时段应有 1–48 个，按时间先后排列，结束晚于开始且互不重叠",
            ConfigError::Capacity => "每个时段的名额应为 1–100000",
            ConfigError::DaysAhead => "提前预约天数应为 0–90",
            ConfigError::HolderLimit => "每人每天预约次数应为 1–10",
            ConfigError::NoShow => "爽约规则的统计天数和限制天数应为 1–365",
            ConfigError::Margin => "提前或延后入场的时间不能超过 240 分钟",
        }
        .into()
    }
}

impl VenueConfig {
    /// Every problem with the configuration.
    pub fn check(&self) -> Result<(), Vec<Problem>> {
        let mut p = Problems::default();
        let name_len = self.name.trim().chars().count();
        if !(1..=60).contains(&name_len) || self.name.chars().any(char::is_control) {
            p.add("name", &ConfigError::Name);
        }
        if self.kind == Scene::General {
            p.add("kind", &ConfigError::Kind);
        }
        let mut days = self.open_weekdays.clone();
        days.sort_unstable();
        days.dedup();
        if days.len() != self.open_weekdays.len() || days.iter().any(|d| !(1..=7).contains(d)) {
            p.add("open_weekdays", &ConfigError::Weekdays);
        }
        let ordered = self.slots.iter().all(|s| s.start < s.end)
            && self.slots.windows(2).all(|w| w[0].end <= w[1].start);
        if self.slots.is_empty() || self.slots.len() > 48 || !ordered {
            p.add("slots", &ConfigError::Slots);
        }
        if self
            .slots
            .iter()
            .any(|s| !(1..=100_000).contains(&s.capacity))
        {
            p.add("slots", &ConfigError::Capacity);
        }
        if self.booking_days_ahead > 90 {
            p.add("booking_days_ahead", &ConfigError::DaysAhead);
        }
        if !(1..=10).contains(&self.per_holder_daily_limit) {
            p.add("per_holder_daily_limit", &ConfigError::HolderLimit);
        }
        let n = &self.no_show;
        if !(1..=365).contains(&n.window_days) || !(1..=365).contains(&n.ban_days) || n.limit > 100
        {
            p.add("no_show", &ConfigError::NoShow);
        }
        if self.entry_early_min > 240 || self.entry_late_min > 240 {
            p.add("entry_early_min", &ConfigError::Margin);
        }
        p.finish(|| ())
    }

    /// The loan limit the library desk shows (10 for a library unless configured, 0
    /// elsewhere).
    pub fn loans(&self) -> u8 {
        match (self.kind, self.loan_limit) {
            (_, Some(n)) => n,
            (Scene::Library, None) => 10,
            _ => 0,
        }
    }

    /// Whether the venue opens on `date`, and if not, why (for the citizen).
    pub fn opening(&self, date: Date, calendar: &HolidayCalendar) -> Result<(), BookingError> {
        let weekly = self.open_weekdays.contains(&date.iso_weekday());
        let open = match (calendar.day(date), self.holidays) {
            (DayKind::Holiday(_), HolidayOpening::Open) => true,
            (DayKind::Holiday(_), HolidayOpening::Closed) => false,
            _ => weekly,
        };
        if open {
            Ok(())
        } else {
            Err(BookingError::Closed(date))
        }
    }

    /// The slot starting at `start`.
    pub fn slot(&self, start: ClockTime) -> Option<&SlotTemplate> {
        self.slots.iter().find(|s| s.start == start)
    }

    /// The gate's rules for the manifest.
    pub fn gate_rules(&self, reader_key: Option<[u8; 32]>) -> VenueRules {
        VenueRules {
            requires_booking: self.requires_booking,
            priority_seniors: self.priority_seniors,
            entry_early_min: self.entry_early_min,
            entry_late_min: self.entry_late_min,
            loan_limit: self.loans(),
            reader_key,
        }
    }

    /// When an unattended booking of a slot ending at `slot_end` (Unix) becomes a no-show:
    /// once its entry window has closed.
    pub fn no_show_after(&self, slot_end: i64) -> i64 {
        slot_end + i64::from(self.entry_late_min) * 60
    }
}

/// Unix start and end of `slot` on `date`.
pub fn slot_times(date: Date, slot: &SlotTemplate) -> (i64, i64) {
    let midnight = day_start(date.days_since_epoch());
    (
        midnight + i64::from(slot.start.minutes()) * 60,
        midnight + i64::from(slot.end.minutes()) * 60,
    )
}

/// Why a booking (or a cancellation) was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingError {
    /// The venue is closed that day.
    Closed(Date),
    /// The date is before today.
    PastDate,
    /// The date is beyond the booking horizon; booking opens on the given day.
    NotYetOpen(Date),
    /// No slot of the venue starts at that time.
    NoSuchSlot,
    /// The slot has started (or ended).
    SlotStarted,
    /// No place left.
    Full,
    /// The holder already holds the day's limit of bookings here.
    HolderLimit(u32),
    /// The holder may not book until this day (no-show rule).
    Banned(Date),
    /// The slot has started: a booking can no longer be cancelled.
    CancelTooLate,
    /// The holder has no card in normal state.
    NoCard,
}

impl Explain for BookingError {
    fn code(&self) -> &'static str {
        match self {
            BookingError::Closed(_) => "VENUE_CLOSED",
            BookingError::PastDate => "DATE_PASSED",
            BookingError::NotYetOpen(_) => "BOOKING_NOT_OPEN",
            BookingError::NoSuchSlot => "NO_SUCH_SLOT",
            BookingError::SlotStarted => "SLOT_STARTED",
            BookingError::Full => "SLOT_FULL",
            BookingError::HolderLimit(_) => "HOLDER_LIMIT",
            BookingError::Banned(_) => "BOOKING_BANNED",
            BookingError::CancelTooLate => "CANCEL_TOO_LATE",
            BookingError::NoCard => "NO_CARD",
        }
    }
    fn message_zh(&self) -> String {
        match self {
            BookingError::Closed(d) => format!("场馆 {d} 闭馆，请选择其他日期"),
            BookingError::PastDate => "不能预约已经过去的日期".into(),
            BookingError::NotYetOpen(d) => format!("该日期尚未开放预约，{d} 起可预约"),
            BookingError::NoSuchSlot => "没有这个预约时段".into(),
            BookingError::SlotStarted => "该时段已开始，不能再预约".into(),
            BookingError::Full => "该时段已约满，请选择其他时段".into(),
            BookingError::HolderLimit(n) => {
                format!("您当天在本场馆已有 {n} 个预约，已达上限")
            }
            BookingError::Banned(d) => {
                format!("您近期多次预约未到场，{d} 前不能预约本场馆")
            }
            BookingError::CancelTooLate => "时段已开始，不能取消预约".into(),
            BookingError::NoCard => "需要状态正常的社保卡才能预约，请先申领".into(),
        }
    }
}

impl std::fmt::Display for BookingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_zh())
    }
}

impl std::error::Error for BookingError {}

/// What the service knows about the holder when they book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolderState {
    /// Active bookings the holder has at this venue on the requested day.
    pub bookings_that_day: u32,
    /// The end of a no-show ban (Unix seconds), if any ([`ban_until`]).
    pub banned_until: Option<i64>,
}

/// Checks a booking of the slot starting at `start` on `date` at `now`, everything except
/// capacity. Returns the slot.
pub fn check_booking<'a>(
    venue: &'a VenueConfig,
    calendar: &HolidayCalendar,
    now: i64,
    date: Date,
    start: ClockTime,
    holder: HolderState,
) -> Result<&'a SlotTemplate, BookingError> {
    if let Some(until) = holder.banned_until.filter(|&t| t > now) {
        return Err(BookingError::Banned(cst_moment(until).0));
    }
    let (today, _) = cst_moment(now);
    if date < today {
        return Err(BookingError::PastDate);
    }
    let ahead = date.days_since_epoch() - today.days_since_epoch();
    if ahead > i64::from(venue.booking_days_ahead) {
        let opens = Date::from_days_since_epoch(
            date.days_since_epoch() - i64::from(venue.booking_days_ahead),
        );
        return Err(BookingError::NotYetOpen(opens));
    }
    venue.opening(date, calendar)?;
    let slot = venue.slot(start).ok_or(BookingError::NoSuchSlot)?;
    if now >= slot_times(date, slot).0 {
        return Err(BookingError::SlotStarted);
    }
    if holder.bookings_that_day >= venue.per_holder_daily_limit {
        return Err(BookingError::HolderLimit(holder.bookings_that_day));
    }
    Ok(slot)
}

/// Checks a cancellation at `now` of a booking whose slot starts at `slot_start` (Unix).
pub fn check_cancel(now: i64, slot_start: i64) -> Result<(), BookingError> {
    if now < slot_start {
        Ok(())
    } else {
        Err(BookingError::CancelTooLate)
    }
}

/// The end of the holder's no-show ban (Unix seconds) from the times their no-shows became
/// no-shows, or `None`. A ban starts at a no-show that is the `limit`-th within `window_days`
/// and lasts `ban_days`; the latest such ban counts, and only while it lasts.
pub fn ban_until(rule: &NoShowRule, no_shows: &[i64], now: i64) -> Option<i64> {
    if rule.limit == 0 {
        return None;
    }
    let mut t = no_shows.to_vec();
    t.sort_unstable();
    let k = rule.limit as usize;
    let window = i64::from(rule.window_days) * 86_400;
    let ban = i64::from(rule.ban_days) * 86_400;
    (k - 1..t.len())
        .filter(|&i| t[i] - t[i + 1 - k] < window)
        .map(|i| t[i] + ban)
        .max()
        .filter(|&until| until > now)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn bans_start_at_the_limit_th_no_show_within_the_window() {
        let rule = NoShowRule::default();
        let d = 86_400;
        // Days 1, 2 and 29: three within 30 days → banned until day 59.
        let t = [d, 2 * d, 29 * d];
        assert_eq!(ban_until(&rule, &t, 30 * d), Some(59 * d));
        assert_eq!(ban_until(&rule, &t, 59 * d), None);
        // Days 1, 2 and 31: never three within 30 days.
        assert_eq!(ban_until(&rule, &[d, 2 * d, 31 * d], 32 * d), None);
        assert_eq!(ban_until(&rule, &[d, 2 * d], 3 * d), None);
    }
}
