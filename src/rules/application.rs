//! The application form (申领) and the one check that the phone (through wasm, as the
//! applicant types) and the server (before it stores anything) both run: [`validate`]. It
//! reports every problem at once, each against its field's JSON path. [`required_materials`]
//! lists what the applicant must upload. The JSON shape is documented in `docs/APPLICATION.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::bank::{self, BankChoice};
use super::birth;
use super::category::ApplicantCategory;
use super::channel::{Channel, ChannelError};
use super::config::RulesConfig;
use super::date::Date;
use super::document::{self, CheckedDocument, DocumentKind};
use super::guardian::{self, Guardian, GuardianForm};
use super::henan_link::{self, HenanLink, HenanLinkForm};
use super::materials::{
    self, MaterialKind, MaterialMissing, MaterialProfile, MaterialRequirement,
    SharedDataConfirmations,
};
use super::nationality;
use super::organisation::{self, Organisation, OrganisationForm};
use super::person;
use super::problem::{Problem, Problems, Required};

/// The identity document as typed into the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentForm {
    /// The document type.
    pub kind: Option<DocumentKind>,
    /// The number.
    pub number: String,
}

/// The application as the browser (or the server's API) sends it. Every field may be missing:
/// a missing required field becomes a `REQUIRED` problem rather than a parse error. Unknown
/// fields are refused when parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApplicationForm {
    /// Who is applying.
    pub category: Option<ApplicantCategory>,
    /// Name as in the document.
    pub name: String,
    /// Contact phone.
    pub phone: String,
    /// Identity document.
    pub document: DocumentForm,
    /// `YYYY-MM-DD`; required when the document number carries no birth date (passports,
    /// travel permits), else optional and then must agree with the number.
    pub birth_date: Option<String>,
    /// ISO 3166-1 alpha-3; foreigners only.
    pub nationality: Option<String>,
    /// Employment or insurance in Henan; all but citizens.
    pub henan_link: Option<HenanLinkForm>,
    /// The guardian; minors only (ignored for adults).
    pub guardian: Option<GuardianForm>,
    /// The service bank: a bank's code from the configured list, or `assign`
    /// (由人社部门指定).
    pub service_bank: Option<String>,
    /// How the application arrives.
    pub channel: Option<Channel>,
    /// The employer or school applying on the applicant's behalf (channels `employer` and
    /// `school`).
    pub agent: Option<OrganisationForm>,
    /// Uploaded materials: kind → upload reference (an id the upload returned).
    pub materials: BTreeMap<MaterialKind, String>,
}

/// An application that passed every rule, normalised (trimmed, upper-case numbers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedApplication {
    /// The application date (China Standard Time).
    pub application_date: Date,
    /// Who is applying.
    pub category: ApplicantCategory,
    /// Name.
    pub name: String,
    /// Contact phone.
    pub phone: String,
    /// Identity document.
    pub document: CheckedDocument,
    /// Birth date.
    pub birth_date: Date,
    /// Age in whole years on the application date.
    pub age: u32,
    /// True when the minor rule applies.
    pub minor: bool,
    /// Foreigners' nationality.
    pub nationality: Option<String>,
    /// Employment or insurance in Henan.
    pub henan_link: Option<HenanLink>,
    /// Minors' guardian.
    pub guardian: Option<Guardian>,
    /// The service bank.
    pub service_bank: BankChoice,
    /// How the application arrives.
    pub channel: Channel,
    /// The organisation applying on the applicant's behalf.
    pub agent: Option<Organisation>,
    /// The materials for this applicant, waived ones marked.
    pub materials: Vec<MaterialRequirement>,
    /// Upload references of the materials that had to be uploaded.
    pub uploads: BTreeMap<MaterialKind, String>,
}

/// Checks `form` at Unix time `now_unix` under `config`. `confirmations` is what the provincial
/// data-sharing service confirmed (server side); `None` means nothing is waived.
pub fn validate(
    form: &ApplicationForm,
    now_unix: i64,
    config: &RulesConfig,
    confirmations: Option<&SharedDataConfirmations>,
) -> Result<CheckedApplication, Vec<Problem>> {
    let today = Date::from_unix_cst(now_unix);
    let mut p = Problems::default();
    let category = required(&mut p, "category", form.category);
    let name = person::check_name(&mut p, "name", &form.name);
    let phone = person::check_phone(&mut p, "phone", &form.phone);
    let document = check_document(&mut p, form, category, today);
    let birth_date = check_birth_date(&mut p, form, document.as_ref(), today);
    let nationality = check_nationality(&mut p, form, category, document.as_ref());
    let henan_link = check_henan_link(&mut p, form, category, document.as_ref());
    let minor = birth_date.map(|b| config.minor.is_minor(b, today));
    let guardian = check_guardian(&mut p, form, minor, document.as_ref(), today, config);
    let (service_bank, channel, agent) = check_channel(&mut p, form, config);
    let materials = category
        .map(|c| materials::required(&profile(form, c, minor), confirmations))
        .unwrap_or_default();
    let uploads = check_uploads(&mut p, form, &materials);
    p.finish(|| {
        let birth_date = birth_date.expect("no problems: known");
        CheckedApplication {
            application_date: today,
            category: category.expect("no problems: known"),
            name: name.unwrap_or_default(),
            phone: phone.unwrap_or_default(),
            document: document.expect("no problems: known"),
            birth_date,
            age: today.years_since(birth_date),
            minor: minor.unwrap_or(false),
            nationality,
            henan_link,
            guardian,
            service_bank: service_bank.expect("no problems: known"),
            channel: channel.expect("no problems: known"),
            agent,
            materials,
            uploads,
        }
    })
}

/// The materials this applicant must upload (waived ones marked), as far as the form tells:
/// with no category yet, none; with no usable birth date yet, the adult's list.
pub fn required_materials(
    form: &ApplicationForm,
    now_unix: i64,
    config: &RulesConfig,
    confirmations: Option<&SharedDataConfirmations>,
) -> Vec<MaterialRequirement> {
    let Some(category) = form.category else {
        return Vec::new();
    };
    let today = Date::from_unix_cst(now_unix);
    let minor = known_birth_date(form, today).map(|b| config.minor.is_minor(b, today));
    materials::required(&profile(form, category, minor), confirmations)
}

/// True when the form's applicant is a minor under `config`, if the birth date is known.
pub fn is_minor(form: &ApplicationForm, now_unix: i64, config: &RulesConfig) -> Option<bool> {
    let today = Date::from_unix_cst(now_unix);
    known_birth_date(form, today).map(|b| config.minor.is_minor(b, today))
}

fn known_birth_date(form: &ApplicationForm, today: Date) -> Option<Date> {
    let from_document = form
        .document
        .kind
        .and_then(|kind| document::check(kind, &form.document.number, today).ok())
        .and_then(|d| d.birth_date);
    let typed = || birth::parse_typed(form.birth_date.as_deref()?, today).ok();
    from_document.or_else(typed)
}

fn profile(
    form: &ApplicationForm,
    category: ApplicantCategory,
    minor: Option<bool>,
) -> MaterialProfile {
    let link = match &form.henan_link {
        Some(link) if category.needs_henan_link() => link.basis,
        _ => None,
    };
    MaterialProfile {
        category,
        document: form.document.kind,
        minor: minor.unwrap_or(false),
        link,
    }
}

fn required<T: Copy>(p: &mut Problems, field: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        p.add(field, &Required);
    }
    value
}

fn check_document(
    p: &mut Problems,
    form: &ApplicationForm,
    category: Option<ApplicantCategory>,
    today: Date,
) -> Option<CheckedDocument> {
    let kind = required(p, "document.kind", form.document.kind);
    if form.document.number.trim().is_empty() {
        p.add("document.number", &Required);
        return None;
    }
    let doc = p.take(
        "document.number",
        document::check(kind?, &form.document.number, today),
    )?;
    let suits = category.map(|c| c.check_document(&doc));
    p.take("document.kind", suits.unwrap_or(Ok(())))?;
    Some(doc)
}

fn check_birth_date(
    p: &mut Problems,
    form: &ApplicationForm,
    doc: Option<&CheckedDocument>,
    today: Date,
) -> Option<Date> {
    let text = form.birth_date.as_deref().map(str::trim).unwrap_or("");
    let typed = if text.is_empty() {
        None
    } else {
        p.take("birth_date", birth::parse_typed(text, today))
    };
    match doc.map(|d| d.birth_date) {
        Some(Some(printed)) => {
            if typed.is_some_and(|t| t != printed) {
                p.add("birth_date", &birth::BirthDateError::Mismatch);
            }
            Some(printed)
        }
        Some(None) if text.is_empty() => {
            p.add("birth_date", &Required);
            None
        }
        Some(None) => typed,
        // The document is invalid: its problem is reported; a typed date still helps decide
        // whether a guardian is needed.
        None => typed,
    }
}

fn check_nationality(
    p: &mut Problems,
    form: &ApplicationForm,
    category: Option<ApplicantCategory>,
    doc: Option<&CheckedDocument>,
) -> Option<String> {
    if category != Some(ApplicantCategory::Foreigner) {
        return None;
    }
    let text = form.nationality.as_deref().unwrap_or("");
    if text.trim().is_empty() {
        p.add("nationality", &Required);
        return None;
    }
    let from_document = doc.and_then(|d| d.nationality.as_deref());
    p.take("nationality", nationality::check(text, from_document))
}

fn check_henan_link(
    p: &mut Problems,
    form: &ApplicationForm,
    category: Option<ApplicantCategory>,
    doc: Option<&CheckedDocument>,
) -> Option<HenanLink> {
    if !category.is_some_and(ApplicantCategory::needs_henan_link) {
        return None;
    }
    let Some(link) = &form.henan_link else {
        p.add("henan_link", &Required);
        return None;
    };
    let number = doc.map(|d| d.number.as_str());
    henan_link::check(link, number)
        .map_err(|problems| p.extend_under("henan_link", problems))
        .ok()
}

fn check_guardian(
    p: &mut Problems,
    form: &ApplicationForm,
    minor: Option<bool>,
    doc: Option<&CheckedDocument>,
    today: Date,
    config: &RulesConfig,
) -> Option<Guardian> {
    if minor != Some(true) {
        return None;
    }
    let Some(g) = &form.guardian else {
        p.add("guardian", &Required);
        return None;
    };
    let number = doc.map(|d| d.number.as_str());
    guardian::check(g, number, today, &config.minor)
        .map_err(|problems| p.extend_under("guardian", problems))
        .ok()
}

fn check_channel(
    p: &mut Problems,
    form: &ApplicationForm,
    config: &RulesConfig,
) -> (Option<BankChoice>, Option<Channel>, Option<Organisation>) {
    let bank = match form
        .service_bank
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    {
        Some(code) => p.take("service_bank", bank::check(code, &config.banks)),
        None => {
            p.add("service_bank", &Required);
            None
        }
    };
    let channel = required(p, "channel", form.channel);
    if channel == Some(Channel::Bank) && bank == Some(BankChoice::Assign) {
        p.add("service_bank", &ChannelError::BankChannelNeedsBank);
    }
    let agent = match (channel, &form.agent) {
        (Some(c), Some(a)) if c.needs_agent() => organisation::check(a)
            .map_err(|problems| p.extend_under("agent", problems))
            .ok(),
        (Some(c), None) if c.needs_agent() => {
            p.add("agent", &Required);
            None
        }
        _ => None,
    };
    (bank, channel, agent)
}

fn check_uploads(
    p: &mut Problems,
    form: &ApplicationForm,
    materials: &[MaterialRequirement],
) -> BTreeMap<MaterialKind, String> {
    let mut uploads = BTreeMap::new();
    for m in materials.iter().filter(|m| !m.waived) {
        match form.materials.get(&m.kind).map(|r| r.trim()) {
            Some(reference) if !reference.is_empty() => {
                uploads.insert(m.kind, reference.to_string());
            }
            _ => p.add(
                format!("materials.{}", m.kind.key()),
                &MaterialMissing(m.kind),
            ),
        }
    }
    uploads
}
