//! The service window's hours against the 2026 holiday calendar (DOMAIN.md §8): opening and
//! closing to the second, lunch, weekends, holidays, make-up working days both ways, and the
//! first day of a year whose calendar is not loaded.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use ecard_core::rules::date::Date;
use ecard_core::rules::holidays::{DayKind, HolidayCalendar};
use ecard_core::rules::window::WindowRules;

/// Unix time of `YYYY-MM-DD HH:MM:SS` in China Standard Time.
fn cst(date: &str, h: i64, m: i64, s: i64) -> i64 {
    let d = Date::parse_iso(date).unwrap();
    d.days_since_epoch() * 86_400 + h * 3600 + m * 60 + s - 8 * 3600
}

fn next(rules: &WindowRules, date: &str, h: i64, m: i64) -> (bool, Option<String>) {
    let s = rules.status(cst(date, h, m, 0));
    (s.open, s.next_open.map(|n| n.to_string()))
}

#[test]
fn the_2026_calendar_matches_the_state_council_notice() {
    let calendar = HolidayCalendar::builtin();
    let mut closed_weekdays = Vec::new();
    let mut makeup = Vec::new();
    let mut day = Date::new(2026, 1, 1).unwrap();
    while day.year() == 2026 {
        match calendar.day(day) {
            DayKind::Holiday(_) if day.iso_weekday() <= 5 => {
                closed_weekdays.push(day.to_string()[5..].to_string())
            }
            DayKind::MakeUpWorkday(_) => makeup.push(day.to_string()[5..].to_string()),
            _ => {}
        }
        day = day.succ();
    }
    let want_closed = [
        "01-01", "01-02", "02-16", "02-17", "02-18", "02-19", "02-20", "02-23", "04-06", "05-01",
        "05-04", "05-05", "06-19", "09-25", "10-01", "10-02", "10-05", "10-06", "10-07",
    ];
    assert_eq!(closed_weekdays, want_closed);
    assert_eq!(
        makeup,
        ["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"]
    );
    assert!(calendar.knows_year(2026));
    assert!(!calendar.knows_year(2027));
}

#[test]
fn opens_at_nine_closes_for_lunch_and_at_five() {
    let rules = WindowRules::default();
    let monday = "2026-11-30";
    assert!(!rules.status(cst(monday, 8, 59, 59)).open);
    assert!(rules.status(cst(monday, 9, 0, 0)).open);
    assert!(rules.status(cst(monday, 11, 59, 59)).open);
    assert_eq!(
        next(&rules, monday, 12, 0),
        (false, Some("2026-11-30 13:00".into()))
    );
    assert!(rules.status(cst(monday, 13, 0, 0)).open);
    assert!(rules.status(cst(monday, 16, 59, 59)).open);
    assert_eq!(
        next(&rules, monday, 17, 0),
        (false, Some("2026-12-01 09:00".into()))
    );
    assert_eq!(
        next(&rules, monday, 7, 0),
        (false, Some("2026-11-30 09:00".into()))
    );
    let open = rules.status(cst(monday, 10, 0, 0));
    assert_eq!(open.closes_at.unwrap().to_string(), "2026-11-30 12:00");
    assert!(open.message.contains("12:00"), "{}", open.message);
}

#[test]
fn weekends_and_holidays_are_closed() {
    let rules = WindowRules::default();
    assert_eq!(
        next(&rules, "2026-12-04", 17, 30),
        (false, Some("2026-12-07 09:00".into()))
    );
    assert_eq!(
        next(&rules, "2026-12-05", 10, 0),
        (false, Some("2026-12-07 09:00".into()))
    );
    // 国庆节: closed from 1 to 7 October; 8 October is a Thursday.
    assert_eq!(
        next(&rules, "2026-09-30", 17, 0),
        (false, Some("2026-10-08 09:00".into()))
    );
    let holiday = rules.status(cst("2026-10-05", 10, 0, 0));
    assert!(!holiday.open);
    assert!(holiday.message.contains("国庆节"), "{}", holiday.message);
    assert!(
        holiday.message.contains("2026-10-08 09:00"),
        "{}",
        holiday.message
    );
    // 春节: the Saturday before is worked.
    assert_eq!(
        next(&rules, "2026-02-13", 17, 0),
        (false, Some("2026-02-14 09:00".into()))
    );
    assert_eq!(
        next(&rules, "2026-02-14", 17, 0),
        (false, Some("2026-02-24 09:00".into()))
    );
}

#[test]
fn make_up_working_days_open_by_default_and_can_be_closed() {
    let mut rules = WindowRules::default();
    assert!(rules.status(cst("2026-10-10", 10, 0, 0)).open);
    assert!(rules.status(cst("2026-09-20", 15, 0, 0)).open);
    rules.open_on_makeup_days = false;
    let s = rules.status(cst("2026-10-10", 10, 0, 0));
    assert!(!s.open);
    assert_eq!(s.next_open.unwrap().to_string(), "2026-10-12 09:00");
    assert!(s.message.contains("调休"), "{}", s.message);
}

#[test]
fn a_year_without_a_calendar_counts_weekends_only_and_says_so() {
    let rules = WindowRules::default();
    let s = rules.status(cst("2026-12-31", 17, 0, 0));
    // 2027-01-01 is a Friday (and, in fact, New Year's Day: its calendar is not loaded yet).
    assert_eq!(s.next_open.unwrap().to_string(), "2027-01-01 09:00");
    assert!(!s.calendar_known);
    assert!(
        s.message.contains("2027 年节假日安排尚未收录"),
        "{}",
        s.message
    );
    let mut with_2027 = WindowRules::default();
    with_2027
        .calendar
        .add_year("year 2027\nholiday 2027-01-01 元旦\n")
        .unwrap();
    let s = with_2027.status(cst("2026-12-31", 17, 0, 0));
    assert_eq!(s.next_open.unwrap().to_string(), "2027-01-04 09:00");
    assert!(s.calendar_known);
}

#[test]
fn malformed_calendar_files_are_refused_with_the_line() {
    let mut c = HolidayCalendar::default();
    let cases = [
        ("holiday 2027-01-01 元旦", 1),
        ("year 2027\nholiday 2027-01-01", 2),
        ("year 2027\nholiday 2027-02-30 春节", 2),
        ("year 2027\nholiday 2026-12-31 元旦", 2),
        ("year 2027\nholiday 2027-01-03..2027-01-01 元旦", 2),
        ("year 2027\nworkday 2027-01-04 元旦", 2),
        ("year 2027\nclosed 2027-01-04 元旦", 2),
        ("# nothing", 0),
    ];
    for (text, line) in cases {
        assert_eq!(c.add_year(text).unwrap_err().line, line, "{text}");
    }
    assert_eq!(c.years().count(), 0);
}

#[test]
fn session_times_are_configurable_as_hh_mm() {
    let rules: WindowRules = serde_json::from_str(
        r#"{"sessions": [{"start": "08:30", "end": "12:00"}], "open_on_makeup_days": false}"#,
    )
    .unwrap();
    assert!(rules.status(cst("2026-11-30", 8, 30, 0)).open);
    assert!(!rules.status(cst("2026-11-30", 13, 0, 0)).open);
    assert!(
        rules.calendar.knows_year(2026),
        "the calendar is not part of the JSON"
    );
    assert!(serde_json::from_str::<WindowRules>(
        r#"{"sessions": [{"start": "8:30", "end": "12:00"}]}"#
    )
    .is_err());
    assert!(serde_json::from_str::<WindowRules>(
        r#"{"sessions": [{"start": "24:00", "end": "12:00"}]}"#
    )
    .is_err());
}
