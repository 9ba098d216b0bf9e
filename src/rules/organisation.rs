//! An employer, school or other organisation named on a form: its name and its unified social
//! credit code.

use serde::{Deserialize, Serialize};

use super::problem::{Explain, Problem, Problems, Required};
use super::uscc::Uscc;

/// An organisation as typed into the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrganisationForm {
    /// Registered name (单位名称).
    pub name: String,
    /// 统一社会信用代码.
    pub uscc: String,
}

/// A checked organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    /// Registered name, trimmed.
    pub name: String,
    /// 统一社会信用代码, upper-case.
    pub uscc: String,
}

/// The organisation's name is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrganisationNameError;

impl Explain for OrganisationNameError {
    fn code(&self) -> &'static str {
        "ORGANISATION_NAME_INVALID"
    }
    fn message_zh(&self) -> String {
        "单位名称应为 2–100 个字，与营业执照或登记证书一致".into()
    }
}

/// Checks both fields; problems name `name` and `uscc`.
pub fn check(form: &OrganisationForm) -> Result<Organisation, Vec<Problem>> {
    let mut problems = Problems::default();
    let name = form.name.trim();
    let length = name.chars().count();
    if length == 0 {
        problems.add("name", &Required);
    } else if !(2..=100).contains(&length) || name.chars().any(char::is_control) {
        problems.add("name", &OrganisationNameError);
    }
    let uscc = if form.uscc.trim().is_empty() {
        problems.add("uscc", &Required);
        None
    } else {
        problems.take("uscc", Uscc::parse(&form.uscc))
    };
    problems.finish(|| Organisation {
        name: name.to_string(),
        uscc: uscc.map(|u| u.as_str().to_string()).unwrap_or_default(),
    })
}
