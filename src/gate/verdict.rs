//! What the gate shows and logs after a scan. An admission carries only the masked name, the
//! age band and the scene: never an ID number or a birth date, which the code does not hold.

use serde::Serialize;

use super::entry::{Entry, EntryView, ReaderView};
use super::refusal::Refusal;
use crate::format::code::Code;
use crate::format::fields::{AgeBand, Scene};

/// The holder as the gate may show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HolderView {
    /// Masked name, e.g. `张*`.
    pub masked_name: String,
    /// Age band identifier, e.g. `60-64`.
    pub age_band: AgeBand,
    /// Age band as a person reads it.
    pub age_band_label: &'static str,
}

/// A note on an admission or refusal that does not change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Stable code.
    pub code: &'static str,
    /// Chinese text.
    pub message: String,
}

/// The gate's answer for one code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Whether to open the gate.
    pub admitted: bool,
    /// `ADMITTED`, or the refusal's code.
    pub code: &'static str,
    /// Chinese sentence for the screen.
    pub message: String,
    /// The holder, once the issuer's signature has been checked.
    pub holder: Option<HolderView>,
    /// The code's scene, once parsed.
    pub scene: Option<Scene>,
    /// Credential serial (decimal), once the issuer's signature has been checked; for scan
    /// logs and reservations, not for the screen.
    pub serial: Option<String>,
    /// Phone clock minus gate clock, in whole steps times the step length, once the device
    /// signature has been checked.
    pub clock_offset_secs: Option<i64>,
    /// Notes that do not change the verdict (stale data under the `warn` policy).
    pub warnings: Vec<Warning>,
    /// At a venue's gate: why the holder may enter (booking, pass, priority).
    pub entry: Option<EntryView>,
    /// At a library: the holder's reader id there and the loan limit.
    pub reader: Option<ReaderView>,
}

impl Verdict {
    pub(crate) fn admit(
        code: &Code,
        offset: i64,
        warnings: Vec<Warning>,
        entry: Option<Entry>,
    ) -> Self {
        let scene = code.presentation.scene;
        let mut message = format!("验证通过（{}）", scene.label_zh());
        if let Some(e) = &entry {
            message.push_str(" · ");
            message.push_str(&e.view.label);
        }
        let (entry, reader) = match entry {
            Some(e) => (Some(e.view), e.reader),
            None => (None, None),
        };
        Verdict {
            admitted: true,
            code: "ADMITTED",
            message,
            holder: Some(HolderView::of(code)),
            scene: Some(scene),
            serial: Some(code.credential.body.serial.to_string()),
            clock_offset_secs: Some(offset),
            warnings,
            entry,
            reader,
        }
    }

    /// A refusal; `trusted` is the code once its issuer signature verified.
    pub(crate) fn refuse(reason: &Refusal, trusted: Option<&Code>, offset: Option<i64>) -> Self {
        Verdict {
            admitted: false,
            code: reason.code(),
            message: reason.message_zh(),
            holder: trusted.map(HolderView::of),
            scene: trusted.map(|c| c.presentation.scene),
            serial: trusted.map(|c| c.credential.body.serial.to_string()),
            clock_offset_secs: offset,
            warnings: Vec::new(),
            entry: None,
            reader: None,
        }
    }
}

impl HolderView {
    fn of(code: &Code) -> Self {
        let b = &code.credential.body;
        HolderView {
            masked_name: b.masked_name.clone(),
            age_band: b.age_band,
            age_band_label: b.age_band.label_zh(),
        }
    }
}
