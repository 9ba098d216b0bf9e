//! Small enumerated fields shared by the formats, and the calendar the formats count in.

use serde::{Deserialize, Serialize};

use super::wire::WireError;

/// Seconds east of UTC of China Standard Time. Credential days start at Beijing midnight,
/// so a credential "valid until 11-30" is valid until midnight where its holder lives.
pub const CST_OFFSET_SECS: i64 = 8 * 3600;

/// The day number (days since 1970-01-01, counted in China Standard Time) of a Unix time.
pub fn day_of(unix_secs: i64) -> i64 {
    (unix_secs + CST_OFFSET_SECS).div_euclid(86_400)
}

/// The Unix time at which a day number begins (Beijing midnight).
pub fn day_start(day: i64) -> i64 {
    day * 86_400 - CST_OFFSET_SECS
}

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident, $field:literal { $($(#[$vm:meta])* $v:ident = $n:literal => $code:literal, $zh:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum $name { $($(#[$vm])* #[serde(rename = $code)] $v = $n,)+ }

        impl $name {
            /// Every value, in wire order.
            pub const ALL: &'static [$name] = &[$($name::$v,)+];
            /// The value's byte on the wire.
            pub fn to_byte(self) -> u8 { self as u8 }
            /// Reads the byte, refusing values this build does not define.
            pub fn from_byte(b: u8) -> Result<Self, WireError> {
                match b { $($n => Ok($name::$v),)+ _ => Err(WireError::InvalidField($field)) }
            }
            /// Stable lower-case identifier, as used in JSON and on the command line.
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $code,)+ } }
            /// The label a person reads.
            pub fn label_zh(self) -> &'static str { match self { $($name::$v => $zh,)+ } }
            /// Parses [`as_str`](Self::as_str) back.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($code => Some($name::$v),)+ _ => None }
            }
        }
    };
}

wire_enum!(
    /// Where a code is shown. A gate accepts its own scene and, by default, `general`.
    Scene, "scene" {
        /// Any venue that accepts the general scene.
        General = 0 => "general", "通用";
        /// A library (实施清单 items 18 and 20).
        Library = 1 => "library", "图书馆";
        /// A museum (item 18).
        Museum = 2 => "museum", "博物馆";
        /// A scenic area (items 18 and 19).
        ScenicArea = 3 => "scenic_area", "景区";
    }
);

wire_enum!(
    /// The state of the physical card, which the e-card shares (DOMAIN.md section 6).
    CardState, "card_state" {
        /// 正常: in use. The only state a credential is issued in.
        Normal = 0 => "normal", "正常";
        /// 临时挂失: temporarily reported lost.
        TempLost = 1 => "temp_lost", "临时挂失";
        /// 正式挂失: formally reported lost.
        Lost = 2 => "lost", "正式挂失";
        /// 补领/换领: replaced by a card with a new number.
        Reissued = 3 => "reissued", "已补换";
        /// 注销: cancelled.
        Cancelled = 4 => "cancelled", "已注销";
    }
);

wire_enum!(
    /// The holder's age band at issuance. Credentials live for days, so the band stays true
    /// for the credential's life; the birth date itself never leaves the issuer.
    AgeBand, "age_band" {
        /// 0 to 5 years.
        Under6 = 0 => "0-5", "6岁以下";
        /// 6 to 15 years (a minor for card purposes).
        From6To15 = 1 => "6-15", "6-15岁";
        /// 16 or 17 years.
        From16To17 = 2 => "16-17", "16-17岁";
        /// 18 to 59 years.
        From18To59 = 3 => "18-59", "18-59岁";
        /// 60 to 64 years (priority entry).
        From60To64 = 4 => "60-64", "60-64岁";
        /// 65 to 69 years.
        From65To69 = 5 => "65-69", "65-69岁";
        /// 70 years and over.
        From70 = 6 => "70+", "70岁以上";
    }
);

impl AgeBand {
    /// The band of an age in whole years.
    pub fn from_age(years: u32) -> AgeBand {
        match years {
            0..=5 => AgeBand::Under6,
            6..=15 => AgeBand::From6To15,
            16..=17 => AgeBand::From16To17,
            18..=59 => AgeBand::From18To59,
            60..=64 => AgeBand::From60To64,
            65..=69 => AgeBand::From65To69,
            _ => AgeBand::From70,
        }
    }
}

wire_enum!(
    /// Why a credential was revoked; the gate tells the person which.
    RevocationReason, "revocation_reason" {
        /// Not stated.
        Unspecified = 0 => "unspecified", "已作废";
        /// 临时挂失.
        TempLost = 1 => "temp_lost", "已临时挂失";
        /// 正式挂失.
        Lost = 2 => "lost", "已挂失";
        /// 补领/换领: a new card replaced this one.
        Reissued = 3 => "reissued", "已补换新卡";
        /// 注销.
        Cancelled = 4 => "cancelled", "已注销";
        /// The holder moved the e-card to another phone.
        DeviceReplaced = 5 => "device_replaced", "已在其他手机上启用";
    }
);

impl From<CardState> for RevocationReason {
    fn from(s: CardState) -> Self {
        match s {
            CardState::Normal => RevocationReason::Unspecified,
            CardState::TempLost => RevocationReason::TempLost,
            CardState::Lost => RevocationReason::Lost,
            CardState::Reissued => RevocationReason::Reissued,
            CardState::Cancelled => RevocationReason::Cancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn days_start_at_beijing_midnight() {
        // 2026-11-29 00:00 CST is 2026-11-28 16:00 UTC = 1795881600.
        let midnight = 1_795_881_600;
        assert_eq!(day_of(midnight), day_of(midnight - 1) + 1);
        assert_eq!(day_start(day_of(midnight)), midnight);
    }

    #[test]
    fn age_bands_have_their_edges() {
        assert_eq!(AgeBand::from_age(15), AgeBand::From6To15);
        assert_eq!(AgeBand::from_age(16), AgeBand::From16To17);
        assert_eq!(AgeBand::from_age(60), AgeBand::From60To64);
        assert_eq!(AgeBand::from_age(120), AgeBand::From70);
    }
}
