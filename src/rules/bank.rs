//! The service bank (社保卡服务银行): the applicant picks one of the cooperating banks by its
//! code, or lets the 人社 department assign one (由人社部门指定, the value `assign`). No official Henan list was found; the
//! default list is the banks nationally named as e-card channels plus 中原银行 and the rural
//! credit cooperatives, and deployments replace it through [`super::RulesConfig`].

use serde::{Deserialize, Serialize};

use super::problem::Explain;

/// A cooperating bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceBank {
    /// Stable code stored with the application (`icbc`).
    pub code: String,
    /// Name shown to the applicant (`中国工商银行`).
    pub name: String,
}

/// The default list of cooperating banks.
pub fn default_banks() -> Vec<ServiceBank> {
    [
        ("icbc", "中国工商银行"),
        ("abc", "中国农业银行"),
        ("boc", "中国银行"),
        ("ccb", "中国建设银行"),
        ("bocom", "交通银行"),
        ("psbc", "中国邮政储蓄银行"),
        ("cmb", "招商银行"),
        ("zybank", "中原银行"),
        ("hnrcu", "河南省农村信用社"),
    ]
    .into_iter()
    .map(|(code, name)| ServiceBank {
        code: code.into(),
        name: name.into(),
    })
    .collect()
}

/// The form's value for 由人社部门指定 ("assign one for me"); no bank may use this code.
pub const ASSIGN: &str = "assign";

/// A checked choice. JSON: `{"choice": "bank", "code": "icbc", "name": "中国工商银行"}` or
/// `{"choice": "assign"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "choice", rename_all = "snake_case")]
pub enum BankChoice {
    /// This bank.
    Bank(ServiceBank),
    /// The department assigns one.
    Assign,
}

/// The chosen bank is not a cooperating bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownBank;

impl Explain for UnknownBank {
    fn code(&self) -> &'static str {
        "SERVICE_BANK_UNKNOWN"
    }
    fn message_zh(&self) -> String {
        "请从合作银行中选择服务银行，或选择“由人社部门指定”".into()
    }
}

/// Checks the form's value — a bank's code, or [`ASSIGN`] — against the configured list.
pub fn check(code: &str, banks: &[ServiceBank]) -> Result<BankChoice, UnknownBank> {
    let code = code.trim();
    if code == ASSIGN {
        return Ok(BankChoice::Assign);
    }
    banks
        .iter()
        .find(|b| b.code == code)
        .map(|b| BankChoice::Bank(b.clone()))
        .ok_or(UnknownBank)
}
