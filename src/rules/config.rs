//! Everything a deployment may change, with the defaults from the 新乡县 guide and the card
//! photo standard. JSON fields are all optional: a missing one keeps its default.

use serde::{Deserialize, Serialize};

use super::bank::{default_banks, ServiceBank};
use super::minor::MinorRule;
use super::photo::PhotoRules;
use super::window::WindowRules;

/// The configurable rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RulesConfig {
    /// Who is a minor and how old a guardian must be.
    pub minor: MinorRule,
    /// The card photo.
    pub photo: PhotoRules,
    /// The cooperating service banks.
    pub banks: Vec<ServiceBank>,
    /// The service window's hours and holidays.
    pub window: WindowRules,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig {
            minor: MinorRule::default(),
            photo: PhotoRules::default(),
            banks: default_banks(),
            window: WindowRules::default(),
        }
    }
}
