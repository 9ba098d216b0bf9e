//! What ties a Hong Kong / Macao / Taiwan resident, an overseas Chinese or a foreigner to
//! Henan: they may apply only when **employed** in Henan (the employer's name and 统一社会信用代码)
//! or **insured** in Henan. When insured, their 社会保障号码 is their document number (for
//! people without a resident ID the number is assigned from their identity document), so the
//! number typed in must equal the document number.

use serde::{Deserialize, Serialize};

use super::organisation::{self, Organisation, OrganisationForm};
use super::problem::{Explain, Problem, Problems, Required};

/// On what ground the applicant is tied to Henan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkBasis {
    /// 在豫就业.
    Employed,
    /// 在豫参保.
    Insured,
}

/// The tie to Henan as typed into the form. JSON: `{"basis": "employed", "employer": {...}}`
/// or `{"basis": "insured", "insurance_number": "..."}`; the field of the other basis is
/// ignored. (A flat struct rather than a tagged enum: a missing field becomes a problem of its
/// own, and the wasm build stays smaller.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HenanLinkForm {
    /// Employed or insured.
    pub basis: Option<LinkBasis>,
    /// The employer, when employed.
    pub employer: Option<OrganisationForm>,
    /// 社会保障号码, when insured; must equal the document number.
    pub insurance_number: Option<String>,
}

/// A checked tie to Henan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum HenanLink {
    /// Employed by this organisation.
    Employed {
        /// The employer.
        employer: Organisation,
    },
    /// Insured under this number (the document number).
    Insured {
        /// 社会保障号码.
        insurance_number: String,
    },
}

/// The insurance number differs from the document number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsuranceNumberMismatch;

impl Explain for InsuranceNumberMismatch {
    fn code(&self) -> &'static str {
        "INSURANCE_NUMBER_MISMATCH"
    }
    fn message_zh(&self) -> String {
        "社会保障号码应与所填证件号码一致".into()
    }
}

/// Checks the tie; `document_number` is the applicant's checked document number, or `None`
/// when it was invalid (then the comparison is skipped: the number already has a problem).
pub fn check(
    form: &HenanLinkForm,
    document_number: Option<&str>,
) -> Result<HenanLink, Vec<Problem>> {
    let mut problems = Problems::default();
    match form.basis {
        None => problems.add("basis", &Required),
        Some(LinkBasis::Employed) => {
            let employer = form.employer.clone().unwrap_or_default();
            match organisation::check(&employer) {
                Ok(employer) => return Ok(HenanLink::Employed { employer }),
                Err(found) => problems.extend_under("employer", found),
            }
        }
        Some(LinkBasis::Insured) => {
            let number = form.insurance_number.as_deref().unwrap_or("");
            let number = number.trim().to_ascii_uppercase();
            if number.is_empty() {
                problems.add("insurance_number", &Required);
            } else if document_number.is_some_and(|d| d != number) {
                problems.add("insurance_number", &InsuranceNumberMismatch);
            } else {
                return Ok(HenanLink::Insured {
                    insurance_number: number,
                });
            }
        }
    }
    Err(problems.into_vec())
}
