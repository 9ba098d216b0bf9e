//! Who may apply (新乡县 guide, 适用对象): Chinese citizens living in Henan, and Hong Kong,
//! Macao and Taiwan residents, overseas Chinese (华侨) and foreigners **employed or insured**
//! in Henan. Which identity documents each may use is the table [`DOCUMENTS`].

use serde::{Deserialize, Serialize};

use super::document::{CheckedDocument, DocumentKind, Region};
use super::problem::Explain;

/// The applicant's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantCategory {
    /// 中国公民 living in Henan.
    Citizen,
    /// 港澳居民.
    HongKongMacao,
    /// 台湾居民.
    Taiwan,
    /// 华侨: a Chinese citizen settled abroad.
    OverseasChinese,
    /// 外国人.
    Foreigner,
}

use ApplicantCategory as C;
use DocumentKind as D;

/// The documents each category may apply with. 华侨 may still hold a valid 居民身份证 besides
/// the passport; a Hong Kong or Macao resident who is not a Chinese citizen holds an
/// `HA`/`MA` permit, which [`DocumentKind::HkMacaoPermit`] covers.
pub const DOCUMENTS: [(ApplicantCategory, &[DocumentKind]); 5] = [
    (C::Citizen, &[D::ResidentId]),
    (C::HongKongMacao, &[D::ResidencePermit, D::HkMacaoPermit]),
    (C::Taiwan, &[D::ResidencePermit, D::TaiwanPermit]),
    (C::OverseasChinese, &[D::ChinesePassport, D::ResidentId]),
    (C::Foreigner, &[D::PermanentResidence, D::ForeignPassport]),
];

impl ApplicantCategory {
    /// The category's Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            C::Citizen => "在豫居住的中国公民",
            C::HongKongMacao => "港澳居民",
            C::Taiwan => "台湾居民",
            C::OverseasChinese => "华侨",
            C::Foreigner => "外国人",
        }
    }

    /// The documents this category may apply with.
    pub fn allowed_documents(self) -> &'static [DocumentKind] {
        DOCUMENTS
            .iter()
            .find(|(c, _)| *c == self)
            .map_or(&[], |(_, docs)| docs)
    }

    /// True for everyone but citizens living in Henan: they must be employed or insured in
    /// Henan (see [`super::henan_link`]).
    pub fn needs_henan_link(self) -> bool {
        self != C::Citizen
    }

    /// Checks that a valid document suits this category: the type is in the table, and a
    /// residence permit's region matches (a Taiwan permit for a Taiwan resident).
    pub fn check_document(self, doc: &CheckedDocument) -> Result<(), CategoryError> {
        if !self.allowed_documents().contains(&doc.kind) {
            return Err(CategoryError::DocumentNotAllowed(self));
        }
        let region_ok = match (self, doc.region) {
            (C::HongKongMacao, Some(r)) => r != Region::Taiwan,
            (C::Taiwan, Some(r)) => r == Region::Taiwan,
            _ => true,
        };
        if !region_ok {
            return Err(CategoryError::RegionMismatch(self));
        }
        Ok(())
    }
}

/// Why a document does not suit the applicant's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum CategoryError {
    /// The category may not apply with this document type.
    DocumentNotAllowed(ApplicantCategory),
    /// A residence permit of the other region (Taiwan for a Hong Kong / Macao resident or the
    /// reverse).
    RegionMismatch(ApplicantCategory),
}

impl Explain for CategoryError {
    fn code(&self) -> &'static str {
        match self {
            Self::DocumentNotAllowed(_) => "DOCUMENT_NOT_ALLOWED",
            Self::RegionMismatch(_) => "DOCUMENT_REGION_MISMATCH",
        }
    }
    fn message_zh(&self) -> String {
        match self {
            Self::DocumentNotAllowed(c) => {
                let names: Vec<&str> = c.allowed_documents().iter().map(|d| d.label_zh()).collect();
                format!("{}应使用以下证件申请：{}", c.label_zh(), names.join("、"))
            }
            Self::RegionMismatch(c) => format!("该居住证不属于{}，请核对申请人类别", c.label_zh()),
        }
    }
}
