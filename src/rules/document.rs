//! The identity documents an applicant may name, each checked by its own rules, behind one
//! entry point: [`check`] takes the document type the applicant chose and the number typed in.

use serde::{Deserialize, Serialize};

use super::date::Date;
use super::id_number::{IdNumber, IdNumberError, IdNumberKind};
use super::passport::{ChinesePassport, ForeignPassport, PassportError};
use super::permanent_residence::{PermanentResidenceCard, PermanentResidenceError};
use super::problem::Explain;
use super::travel_permit::{HkMacaoPermit, HkMacaoRegion, TaiwanPermit, TravelPermitError};

/// A type of identity document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 居民身份证: a citizen's 18-character number (GB 11643).
    ResidentId,
    /// 港澳台居民居住证: the same form, address code 810000 / 820000 / 830000.
    ResidencePermit,
    /// 外国人永久居留身份证, 2023 (18 digits) or 2017 (15 characters) edition.
    PermanentResidence,
    /// 港澳居民来往内地通行证.
    HkMacaoPermit,
    /// 台湾居民来往大陆通行证.
    TaiwanPermit,
    /// 中华人民共和国护照 (held by 华侨).
    ChinesePassport,
    /// A foreign passport.
    ForeignPassport,
}

impl DocumentKind {
    /// Every document type, in declaration order.
    pub const ALL: [DocumentKind; 7] = [
        Self::ResidentId,
        Self::ResidencePermit,
        Self::PermanentResidence,
        Self::HkMacaoPermit,
        Self::TaiwanPermit,
        Self::ChinesePassport,
        Self::ForeignPassport,
    ];

    /// The document's Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::ResidentId => "居民身份证",
            Self::ResidencePermit => "港澳台居民居住证",
            Self::PermanentResidence => "外国人永久居留身份证",
            Self::HkMacaoPermit => "港澳居民来往内地通行证",
            Self::TaiwanPermit => "台湾居民来往大陆通行证",
            Self::ChinesePassport => "中华人民共和国护照",
            Self::ForeignPassport => "外国护照",
        }
    }

    /// True when the number itself carries the holder's birth date.
    pub fn carries_birth_date(self) -> bool {
        matches!(
            self,
            Self::ResidentId | Self::ResidencePermit | Self::PermanentResidence
        )
    }
}

/// Where a Hong Kong, Macao or Taiwan document says its holder lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// 香港.
    HongKong,
    /// 澳门.
    Macao,
    /// 台湾.
    Taiwan,
}

/// Why a document number is not valid for the chosen document type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum DocumentError {
    /// The 18-character number is wrong (resident ID or residence permit).
    IdNumber(IdNumberError),
    /// A residence permit number (810000/820000/830000) was given as a 居民身份证.
    PermitGivenAsResidentId,
    /// A citizen's number was given as a 港澳台居民居住证.
    NotAResidencePermit,
    /// The permanent residence card number is wrong.
    PermanentResidence(PermanentResidenceError),
    /// The travel permit number is wrong.
    TravelPermit(TravelPermitError),
    /// The passport number is wrong.
    Passport(PassportError),
}

impl Explain for DocumentError {
    fn code(&self) -> &'static str {
        match self {
            Self::IdNumber(e) => e.code(),
            Self::PermitGivenAsResidentId => "ID_NUMBER_IS_RESIDENCE_PERMIT",
            Self::NotAResidencePermit => "RESIDENCE_PERMIT_ADDRESS",
            Self::PermanentResidence(e) => e.code(),
            Self::TravelPermit(e) => e.code(),
            Self::Passport(e) => e.code(),
        }
    }
    fn message_zh(&self) -> String {
        match self {
            Self::IdNumber(e) => e.message_zh(),
            Self::PermitGivenAsResidentId => {
                "这是港澳台居民居住证号码，请将证件类型选为“港澳台居民居住证”".into()
            }
            Self::NotAResidencePermit => {
                "港澳台居民居住证号码的前 6 位应为 810000（香港）、820000（澳门）或 830000（台湾）"
                    .into()
            }
            Self::PermanentResidence(e) => e.message_zh(),
            Self::TravelPermit(e) => e.message_zh(),
            Self::Passport(e) => e.message_zh(),
        }
    }
}

/// A document number that passed its type's checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedDocument {
    /// The document type.
    pub kind: DocumentKind,
    /// The number as stored: trimmed, letters upper-case.
    pub number: String,
    /// The birth date printed in the number, for the types that carry one.
    pub birth_date: Option<Date>,
    /// Where a Hong Kong / Macao / Taiwan document's holder lives.
    pub region: Option<Region>,
    /// The 3-letter nationality in a 2017 permanent residence card.
    pub nationality: Option<String>,
}

impl CheckedDocument {
    fn plain(kind: DocumentKind, number: &str) -> Self {
        CheckedDocument {
            kind,
            number: number.to_string(),
            birth_date: None,
            region: None,
            nationality: None,
        }
    }
}

/// Checks `number` as a document of type `kind`, against the day `today`.
pub fn check(
    kind: DocumentKind,
    number: &str,
    today: Date,
) -> Result<CheckedDocument, DocumentError> {
    match kind {
        DocumentKind::ResidentId | DocumentKind::ResidencePermit => id_form(kind, number, today),
        DocumentKind::PermanentResidence => permanent_residence(number, today),
        DocumentKind::HkMacaoPermit => {
            let p = HkMacaoPermit::parse(number).map_err(DocumentError::TravelPermit)?;
            let mut doc = CheckedDocument::plain(kind, p.as_str());
            doc.region = Some(match p.region() {
                HkMacaoRegion::HongKong => Region::HongKong,
                HkMacaoRegion::Macao => Region::Macao,
            });
            Ok(doc)
        }
        DocumentKind::TaiwanPermit => {
            let p = TaiwanPermit::parse(number).map_err(DocumentError::TravelPermit)?;
            let mut doc = CheckedDocument::plain(kind, p.as_str());
            doc.region = Some(Region::Taiwan);
            Ok(doc)
        }
        DocumentKind::ChinesePassport => ChinesePassport::parse(number)
            .map(|p| CheckedDocument::plain(kind, p.as_str()))
            .map_err(DocumentError::Passport),
        DocumentKind::ForeignPassport => ForeignPassport::parse(number)
            .map(|p| CheckedDocument::plain(kind, p.as_str()))
            .map_err(DocumentError::Passport),
    }
}

fn id_form(
    kind: DocumentKind,
    number: &str,
    today: Date,
) -> Result<CheckedDocument, DocumentError> {
    let id = IdNumber::parse(number, today.ymd()).map_err(DocumentError::IdNumber)?;
    let region = match id.kind() {
        IdNumberKind::Citizen => None,
        IdNumberKind::HongKongPermit => Some(Region::HongKong),
        IdNumberKind::MacaoPermit => Some(Region::Macao),
        IdNumberKind::TaiwanPermit => Some(Region::Taiwan),
    };
    match (kind, region) {
        (DocumentKind::ResidentId, Some(_)) => return Err(DocumentError::PermitGivenAsResidentId),
        (DocumentKind::ResidencePermit, None) => return Err(DocumentError::NotAResidencePermit),
        _ => {}
    }
    let mut doc = CheckedDocument::plain(kind, id.as_str());
    doc.birth_date = Some(id.birth());
    doc.region = region;
    Ok(doc)
}

fn permanent_residence(number: &str, today: Date) -> Result<CheckedDocument, DocumentError> {
    let card =
        PermanentResidenceCard::parse(number, today).map_err(DocumentError::PermanentResidence)?;
    let mut doc = CheckedDocument::plain(DocumentKind::PermanentResidence, card.as_str());
    doc.birth_date = Some(card.birth());
    doc.nationality = card.nationality_alpha3().map(str::to_string);
    Ok(doc)
}
