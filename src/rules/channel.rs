//! How the application reaches the 人社 department (新乡县 guide, 申报方式): the applicant
//! online or at the window, or on the applicant's behalf by the employer, the school or a
//! cooperating service bank (bulk applications).

use serde::{Deserialize, Serialize};

use super::problem::Explain;

/// The application channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 本人网上申领 (豫事办 or this service's pages).
    SelfOnline,
    /// 窗口申领 at the county service centre.
    Window,
    /// 用人单位代为申领.
    Employer,
    /// 就读学校代为申领.
    School,
    /// 社保卡服务银行代为申领.
    Bank,
}

impl Channel {
    /// The channel's Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::SelfOnline => "本人网上申领",
            Self::Window => "窗口申领",
            Self::Employer => "用人单位代办",
            Self::School => "就读学校代办",
            Self::Bank => "服务银行代办",
        }
    }

    /// True when an organisation applies for the applicant and must name itself (its name and
    /// 统一社会信用代码) in the form's `agent`.
    pub fn needs_agent(self) -> bool {
        matches!(self, Self::Employer | Self::School)
    }
}

/// Why the channel does not fit the rest of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelError {
    /// A bank applying on the applicant's behalf is the service bank: "assign for me" does
    /// not fit.
    BankChannelNeedsBank,
}

impl Explain for ChannelError {
    fn code(&self) -> &'static str {
        match self {
            Self::BankChannelNeedsBank => "BANK_CHANNEL_NEEDS_BANK",
        }
    }
    fn message_zh(&self) -> String {
        match self {
            Self::BankChannelNeedsBank => "通过服务银行代办时，请选择该银行作为服务银行".into(),
        }
    }
}
