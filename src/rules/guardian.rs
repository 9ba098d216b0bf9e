//! A minor applies through a guardian (监护人): the guardian's own resident ID number (an adult,
//! valid number), how they are related, and a proof of guardianship — the 户口簿 page that
//! shows the relation, or the child's 出生医学证明 (which names the parents only).
//!
//! The guardian's number may be a citizen's 居民身份证 or a 港澳台居民居住证 (the same form),
//! so that Hong Kong, Macao and Taiwan minors can apply through their parents too.

use serde::{Deserialize, Serialize};

use super::date::Date;
use super::id_number::IdNumber;
use super::minor::MinorRule;
use super::problem::{Explain, Problem, Problems, Required};

/// How the guardian is related to the minor (民法典 第二十七条 order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// 父亲.
    Father,
    /// 母亲.
    Mother,
    /// 祖父母、外祖父母.
    Grandparent,
    /// 兄、姐.
    ElderSibling,
    /// 其他监护人 (appointed or willing, with the approval of the residents' committee).
    OtherGuardian,
}

impl Relation {
    /// The relation's Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Father => "父亲",
            Self::Mother => "母亲",
            Self::Grandparent => "祖父母/外祖父母",
            Self::ElderSibling => "兄、姐",
            Self::OtherGuardian => "其他监护人",
        }
    }
}

/// What proves the guardianship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardianshipProof {
    /// 户口簿 page showing the minor and the relation.
    HouseholdRegister,
    /// 出生医学证明 (names the mother and father only).
    BirthCertificate,
}

/// The guardian as typed into the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GuardianForm {
    /// Name.
    pub name: String,
    /// The guardian's own 18-character resident ID (or residence permit) number.
    pub id_number: String,
    /// Relation to the minor.
    pub relation: Option<Relation>,
    /// Proof of guardianship.
    pub proof: Option<GuardianshipProof>,
}

/// A checked guardian.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Guardian {
    /// Name, trimmed.
    pub name: String,
    /// ID number, upper-case.
    pub id_number: String,
    /// Relation to the minor.
    pub relation: Relation,
    /// Proof of guardianship.
    pub proof: GuardianshipProof,
}

/// Why a guardian is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum GuardianError {
    /// The guardian is younger than the configured minimum age (18).
    NotAdult(u32),
    /// The guardian's number is the minor's own.
    SameAsApplicant,
    /// A birth certificate names only the parents; another guardian needs the 户口簿.
    ProofDoesNotShowRelation,
}

impl Explain for GuardianError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotAdult(_) => "GUARDIAN_NOT_ADULT",
            Self::SameAsApplicant => "GUARDIAN_SAME_AS_APPLICANT",
            Self::ProofDoesNotShowRelation => "GUARDIAN_PROOF_MISMATCH",
        }
    }
    fn message_zh(&self) -> String {
        match self {
            Self::NotAdult(age) => format!("监护人须年满 {age} 周岁"),
            Self::SameAsApplicant => "监护人身份证号码不能与申请人相同".into(),
            Self::ProofDoesNotShowRelation => {
                "出生医学证明只能证明父母的监护关系，其他监护人请提供显示监护关系的户口簿".into()
            }
        }
    }
}

/// Checks the guardian of a minor whose document number is `applicant_number` (if valid),
/// applying on `today`. Problems name fields inside the guardian (`id_number`, `relation`…).
pub fn check(
    form: &GuardianForm,
    applicant_number: Option<&str>,
    today: Date,
    rule: &MinorRule,
) -> Result<Guardian, Vec<Problem>> {
    let mut problems = Problems::default();
    let name = super::person::check_name(&mut problems, "name", &form.name);
    let id = guardian_id(&mut problems, form, applicant_number, today, rule);
    let relation = required(&mut problems, "relation", form.relation);
    let proof = required(&mut problems, "proof", form.proof);
    let parent = matches!(relation, Some(Relation::Father | Relation::Mother));
    if proof == Some(GuardianshipProof::BirthCertificate) && relation.is_some() && !parent {
        problems.add("proof", &GuardianError::ProofDoesNotShowRelation);
    }
    problems.finish(|| Guardian {
        name: name.unwrap_or_default(),
        id_number: id.map(|i| i.as_str().to_string()).unwrap_or_default(),
        relation: relation.unwrap_or(Relation::OtherGuardian),
        proof: proof.unwrap_or(GuardianshipProof::HouseholdRegister),
    })
}

fn guardian_id(
    problems: &mut Problems,
    form: &GuardianForm,
    applicant_number: Option<&str>,
    today: Date,
    rule: &MinorRule,
) -> Option<IdNumber> {
    if form.id_number.trim().is_empty() {
        problems.add("id_number", &Required);
        return None;
    }
    let id = problems.take("id_number", IdNumber::parse(&form.id_number, today.ymd()))?;
    if applicant_number == Some(id.as_str()) {
        problems.add("id_number", &GuardianError::SameAsApplicant);
    } else if today.years_since(id.birth()) < rule.guardian_min_age {
        problems.add("id_number", &GuardianError::NotAdult(rule.guardian_min_age));
    }
    Some(id)
}

fn required<T: Copy>(problems: &mut Problems, field: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        problems.add(field, &Required);
    }
    value
}
