//! The venue check: after a code passed every other check, a gate that belongs to a venue looks
//! the holder up in the day's signed manifest (bookings, annual passes, priority entry) and
//! applies the venue's rules. A library desk also gets the holder's reader id.

use serde::Serialize;

use super::refusal::{slot_zh, Refusal};
use crate::format::code::Code;
use crate::format::fields::{day_of, day_start, AgeBand};
use crate::format::manifest::{
    holder_of, reader_id, venue_pseudonym, EntryKind, Manifest, ManifestEntry,
};

/// Why a holder may enter, as the gate shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryView {
    /// `booking`, `annual_pass`, `priority`, `senior` or `open` (no booking needed).
    pub kind: &'static str,
    /// Chinese label, e.g. `预约 14:00–15:00`, `年卡`.
    pub label: String,
}

/// What a library desk passes to the library's own system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReaderView {
    /// The reader id at this library (16 digits); another library gets another id.
    pub reader_id: String,
    /// Loans the reader may hold, from the library's configuration.
    pub loan_limit: u8,
}

/// The outcome of the venue check for an admitted code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) view: EntryView,
    pub(crate) reader: Option<ReaderView>,
}

/// Applies the manifest of `now`'s day for `venue` to a code.
pub(crate) fn check(
    manifest: Option<&Manifest>,
    venue: u32,
    code: &Code,
    now: i64,
) -> Result<Entry, Refusal> {
    let m = manifest.ok_or(Refusal::BookingsNotSynced)?;
    let rules = &m.body.rules;
    let holder = holder_of(code.credential.body.serial);
    let entries: &[ManifestEntry] = if holder == 0 {
        &[]
    } else {
        m.body.entries_for(venue_pseudonym(venue, holder))
    };
    let reader = match (&rules.reader_key, holder) {
        (Some(key), h) if h != 0 => Some(ReaderView {
            reader_id: reader_id(key, h),
            loan_limit: rules.loan_limit,
        }),
        _ => None,
    };
    let view = admission(m, entries, code, now)?;
    Ok(Entry { view, reader })
}

fn admission(
    m: &Manifest,
    entries: &[ManifestEntry],
    code: &Code,
    now: i64,
) -> Result<EntryView, Refusal> {
    let rules = &m.body.rules;
    let has = |k: EntryKind| entries.iter().any(|e| e.kind == k);
    if has(EntryKind::AnnualPass) {
        return Ok(view("annual_pass", "年卡".into()));
    }
    if has(EntryKind::Priority) {
        return Ok(view("priority", "优先入场".into()));
    }
    let senior = code.credential.body.age_band >= AgeBand::From60To64;
    if rules.priority_seniors && senior {
        return Ok(view("senior", "优先入场（60岁以上）".into()));
    }
    let minute = (now - day_start(day_of(now))) / 60;
    let early = i64::from(rules.entry_early_min);
    let late = i64::from(rules.entry_late_min);
    let bookings = entries.iter().filter(|e| e.kind == EntryKind::Booking);
    let opens = |e: &ManifestEntry| i64::from(e.start_min) - early;
    let closes = |e: &ManifestEntry| i64::from(e.end_min) + late;
    if let Some(e) = bookings
        .clone()
        .find(|e| opens(e) <= minute && minute <= closes(e))
    {
        let slot = (e.start_min, e.end_min);
        return Ok(view("booking", format!("预约 {}", slot_zh(slot))));
    }
    if !rules.requires_booking {
        return Ok(view("open", "无需预约".into()));
    }
    // Not inside any window: name the next booking today, else the last one that passed.
    if let Some(e) = bookings
        .clone()
        .filter(|e| opens(e) > minute)
        .min_by_key(|e| e.start_min)
    {
        return Err(Refusal::TooEarly {
            slot: (e.start_min, e.end_min),
            opens_min: opens(e).max(0) as u16,
        });
    }
    match bookings.max_by_key(|e| e.end_min) {
        Some(e) => Err(Refusal::TooLate {
            slot: (e.start_min, e.end_min),
        }),
        None => Err(Refusal::NoBooking),
    }
}

fn view(kind: &'static str, label: String) -> EntryView {
    EntryView { kind, label }
}
