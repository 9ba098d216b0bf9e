//! Which materials an applicant must upload (新乡县 guide, 申请材料: 户口簿, 居民身份证, 电子照片;
//! minors the 户口本), and which of them the provincial data-sharing service makes unnecessary
//! (“上述材料能够通过数据共享获取的无需提供实体材料”).
//!
//! The seam to the data-sharing service is [`SharedDataConfirmations`]: the server asks the
//! service about the applicant and fills in what it confirmed. The phone has no such answer and
//! passes `None`: then every material must be uploaded.

use serde::{Deserialize, Serialize};

use super::category::ApplicantCategory;
use super::document::DocumentKind;
use super::henan_link::LinkBasis;
use super::problem::Explain;

/// A material the applicant may have to upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialKind {
    /// The applicant's own page of the 户口簿 (citizens; for minors the child's page).
    HouseholdRegister,
    /// 居民身份证 portrait side.
    IdCardFront,
    /// 居民身份证 national-emblem side.
    IdCardBack,
    /// The identity page(s) of any other document: residence permit, travel permit,
    /// permanent residence card or passport.
    IdentityDocument,
    /// The card photo (358×441 JPEG, see [`super::photo`]).
    Photo,
    /// The guardian's 居民身份证, portrait side.
    GuardianIdFront,
    /// The guardian's 居民身份证, national-emblem side.
    GuardianIdBack,
    /// Proof of guardianship: the 户口簿 page showing the relation, or the 出生医学证明.
    GuardianshipProof,
    /// Proof of employment in Henan (labour contract or the employer's certificate).
    EmploymentProof,
    /// Proof of insurance in Henan (参保证明).
    InsuranceProof,
}

impl MaterialKind {
    /// Every material, in the order the form shows them.
    pub const ALL: [MaterialKind; 10] = [
        Self::HouseholdRegister,
        Self::IdCardFront,
        Self::IdCardBack,
        Self::IdentityDocument,
        Self::Photo,
        Self::GuardianIdFront,
        Self::GuardianIdBack,
        Self::GuardianshipProof,
        Self::EmploymentProof,
        Self::InsuranceProof,
    ];

    /// The JSON name (`household_register`), also the last part of a problem's field path.
    pub fn key(self) -> &'static str {
        match self {
            Self::HouseholdRegister => "household_register",
            Self::IdCardFront => "id_card_front",
            Self::IdCardBack => "id_card_back",
            Self::IdentityDocument => "identity_document",
            Self::Photo => "photo",
            Self::GuardianIdFront => "guardian_id_front",
            Self::GuardianIdBack => "guardian_id_back",
            Self::GuardianshipProof => "guardianship_proof",
            Self::EmploymentProof => "employment_proof",
            Self::InsuranceProof => "insurance_proof",
        }
    }

    /// The material's Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::HouseholdRegister => "户口簿本人页",
            Self::IdCardFront => "居民身份证人像面",
            Self::IdCardBack => "居民身份证国徽面",
            Self::IdentityDocument => "有效身份证件",
            Self::Photo => "电子照片",
            Self::GuardianIdFront => "监护人居民身份证人像面",
            Self::GuardianIdBack => "监护人居民身份证国徽面",
            Self::GuardianshipProof => "监护关系证明（户口簿或出生医学证明）",
            Self::EmploymentProof => "在豫就业证明（劳动合同或单位证明）",
            Self::InsuranceProof => "在豫参保证明",
        }
    }
}

/// What the provincial data-sharing service confirmed about this applicant. Each confirmed
/// fact waives the materials that would prove it. Filled by the server; all `false` (the
/// default) waives nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SharedDataConfirmations {
    /// 户籍信息 (public-security population data): waives the 户口簿 page.
    pub household_register: bool,
    /// The identity document's data: waives its scans (ID card sides or the document pages).
    pub identity: bool,
    /// A usable card photo (e.g. the ID-card photo library): waives the photo upload.
    pub photo: bool,
    /// The guardian's identity: waives the guardian's ID card scans.
    pub guardian_identity: bool,
    /// The guardianship (户籍 relation or 出生医学证明 data): waives the proof.
    pub guardianship: bool,
    /// Employment registration in Henan: waives the employment proof.
    pub employment: bool,
    /// Social insurance in Henan: waives the insurance proof.
    pub insurance: bool,
}

impl SharedDataConfirmations {
    /// True when a confirmed fact makes uploading `kind` unnecessary.
    pub fn waives(&self, kind: MaterialKind) -> bool {
        use MaterialKind as M;
        match kind {
            M::HouseholdRegister => self.household_register,
            M::IdCardFront | M::IdCardBack | M::IdentityDocument => self.identity,
            M::Photo => self.photo,
            M::GuardianIdFront | M::GuardianIdBack => self.guardian_identity,
            M::GuardianshipProof => self.guardianship,
            M::EmploymentProof => self.employment,
            M::InsuranceProof => self.insurance,
        }
    }
}

/// What decides the materials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaterialProfile {
    /// The applicant's category.
    pub category: ApplicantCategory,
    /// The identity document's type, when chosen.
    pub document: Option<DocumentKind>,
    /// Whether the applicant is a minor.
    pub minor: bool,
    /// The tie to Henan, for the categories that need one.
    pub link: Option<LinkBasis>,
}

/// A required material was not uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaterialMissing(pub MaterialKind);

impl Explain for MaterialMissing {
    fn code(&self) -> &'static str {
        "MATERIAL_MISSING"
    }
    fn message_zh(&self) -> String {
        format!("请上传{}", self.0.label_zh())
    }
}

/// One material in the list shown to the applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaterialRequirement {
    /// Which material.
    pub kind: MaterialKind,
    /// Its Chinese name.
    pub label: &'static str,
    /// True when the data-sharing service confirmed it: no upload needed.
    pub waived: bool,
}

/// The materials for this applicant, in the order the form shows them.
pub fn required(
    profile: &MaterialProfile,
    confirmations: Option<&SharedDataConfirmations>,
) -> Vec<MaterialRequirement> {
    needed(profile)
        .into_iter()
        .map(|kind| MaterialRequirement {
            kind,
            label: kind.label_zh(),
            waived: confirmations.is_some_and(|c| c.waives(kind)),
        })
        .collect()
}

fn needed(p: &MaterialProfile) -> Vec<MaterialKind> {
    use MaterialKind as M;
    let mut list = Vec::new();
    let citizen = p.category == ApplicantCategory::Citizen;
    let id_card = match p.document {
        Some(kind) => kind == DocumentKind::ResidentId,
        None => citizen,
    };
    if citizen {
        list.push(M::HouseholdRegister);
    }
    // A citizen under 16 applies with the 户口本 instead of the ID card (新乡县 guide:
    // 未成年需提供户口本); the 户口簿 page is already in the list.
    if !id_card {
        list.push(M::IdentityDocument);
    } else if !(citizen && p.minor) {
        list.extend([M::IdCardFront, M::IdCardBack]);
    }
    list.push(M::Photo);
    if p.minor {
        list.extend([M::GuardianIdFront, M::GuardianIdBack, M::GuardianshipProof]);
    }
    match p.link {
        Some(LinkBasis::Employed) => list.push(M::EmploymentProof),
        Some(LinkBasis::Insured) => list.push(M::InsuranceProof),
        None => {}
    }
    list
}
