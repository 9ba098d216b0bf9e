//! Why a gate refuses a code: one variant per reason, each with a stable code for programs and
//! a short Chinese sentence that tells the person at the gate what to do.

use crate::format::code::CodeTextError;
use crate::format::fields::{CardState, RevocationReason, Scene};
use crate::format::WireError;

/// A refusal. The variants follow the order in which the gate checks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The text is not an e-card code at all.
    WrongPrefix,
    /// The text has the prefix but is not canonical base45 (damaged or mistyped).
    BadEncoding,
    /// The code ends too early.
    Truncated,
    /// The code has extra bytes or a field out of range (the field's name is given).
    Malformed(&'static str),
    /// The code was made by a newer format version than this gate reads.
    UnsupportedVersion(u8),
    /// The gate holds no trust list yet.
    NotSynced,
    /// No issuer key with the credential's key id is in the trust list.
    UnknownIssuer(u16),
    /// The issuer key is listed but not valid today.
    IssuerKeyNotValid(u16),
    /// The issuer's signature over the credential does not verify (strict ed25519).
    BadIssuerSignature,
    /// The credential was issued for a card that is not 正常.
    CardNotNormal(CardState),
    /// The credential's first valid day is still ahead.
    NotYetValid,
    /// The credential's last valid day has passed.
    Expired,
    /// The credential's device key is not a usable key (small order or not a point).
    WeakDeviceKey,
    /// The device's signature over the code does not verify (strict ed25519).
    BadDeviceSignature,
    /// The code's step length is outside what this gate accepts.
    StepNotAllowed(u8),
    /// The phone's clock is ahead of the gate's by about this many seconds.
    ClockAhead(i64),
    /// The code is older than the tolerance: a stale screenshot, or a phone clock behind by
    /// about this many seconds.
    ClockBehind(i64),
    /// The gate's revocation data is older than its stated usable time.
    BundleStale,
    /// The credential is on the revocation list.
    Revoked(RevocationReason),
    /// This code was already used at this gate.
    Replayed,
    /// The gate's record of used codes was lost after this code could have been used, so it
    /// cannot tell whether it was: a code made about this many seconds later will pass.
    ReplayStateLost(i64),
    /// The code was made for another scene than this gate accepts.
    WrongScene {
        /// The scene in the code.
        code: Scene,
        /// The gate's own scene.
        gate: Scene,
    },
    /// The gate belongs to a venue but holds no reservation manifest for today.
    BookingsNotSynced,
    /// The venue requires a booking and the holder has none today here.
    NoBooking,
    /// The holder's booking starts later: entry opens at `opens_min`.
    TooEarly {
        /// Slot start and end, minutes after Beijing midnight.
        slot: (u16, u16),
        /// When entry opens, minutes after Beijing midnight.
        opens_min: u16,
    },
    /// The holder's booking has passed its entry window.
    TooLate {
        /// Slot start and end, minutes after Beijing midnight.
        slot: (u16, u16),
    },
}

/// `14:00` from minutes after midnight (1440 reads `24:00`).
pub fn clock_zh(min: u16) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

/// `14:00–15:00`.
pub fn slot_zh((start, end): (u16, u16)) -> String {
    format!("{}–{}", clock_zh(start), clock_zh(end))
}

impl Refusal {
    /// Stable code for programs and logs.
    pub fn code(&self) -> &'static str {
        use Refusal::*;
        match self {
            WrongPrefix => "WRONG_PREFIX",
            BadEncoding => "BAD_ENCODING",
            Truncated => "TRUNCATED",
            Malformed(_) => "MALFORMED",
            UnsupportedVersion(_) => "UNSUPPORTED_VERSION",
            NotSynced => "NOT_SYNCED",
            UnknownIssuer(_) => "UNKNOWN_ISSUER",
            IssuerKeyNotValid(_) => "ISSUER_KEY_NOT_VALID",
            BadIssuerSignature => "BAD_ISSUER_SIGNATURE",
            CardNotNormal(_) => "CARD_NOT_NORMAL",
            NotYetValid => "NOT_YET_VALID",
            Expired => "EXPIRED",
            WeakDeviceKey => "WEAK_DEVICE_KEY",
            BadDeviceSignature => "BAD_DEVICE_SIGNATURE",
            StepNotAllowed(_) => "STEP_NOT_ALLOWED",
            ClockAhead(_) => "CLOCK_AHEAD",
            ClockBehind(_) => "CLOCK_BEHIND",
            BundleStale => "BUNDLE_STALE",
            Revoked(_) => "REVOKED",
            Replayed => "REPLAYED",
            ReplayStateLost(_) => "REPLAY_STATE_LOST",
            WrongScene { .. } => "WRONG_SCENE",
            BookingsNotSynced => "BOOKINGS_NOT_SYNCED",
            NoBooking => "NO_BOOKING",
            TooEarly { .. } => "BOOKING_TOO_EARLY",
            TooLate { .. } => "BOOKING_TOO_LATE",
        }
    }

    /// What the person at the gate reads.
    pub fn message_zh(&self) -> String {
        use Refusal::*;
        match self {
            WrongPrefix => "这不是电子社保卡二维码".into(),
            BadEncoding | Truncated | Malformed(_) => {
                "二维码已损坏或不完整，请刷新后重新出示".into()
            }
            UnsupportedVersion(_) => "二维码版本过新，请闸机管理员更新闸机".into(),
            NotSynced => "闸机尚未同步，请管理员联网同步后再用".into(),
            UnknownIssuer(_) => "签发机构未知，请管理员联网同步闸机".into(),
            IssuerKeyNotValid(_) => "签发密钥不在有效期内，请持卡人联网更新电子社保卡".into(),
            BadIssuerSignature => "电子社保卡签名无效，可能被篡改".into(),
            CardNotNormal(s) => format!("该卡状态为“{}”，不能使用", s.label_zh()),
            NotYetValid => "电子社保卡尚未生效，请检查手机日期".into(),
            Expired => "电子社保卡已过期，请持卡人联网刷新".into(),
            WeakDeviceKey => "设备密钥不安全，请持卡人重新启用电子社保卡".into(),
            BadDeviceSignature => "二维码签名无效，不是本人手机生成或已被篡改".into(),
            StepNotAllowed(_) => "二维码刷新周期不符合本场馆要求".into(),
            ClockAhead(s) => format!(
                "手机时间快了约{}，请校准手机时间后刷新二维码",
                duration_zh(*s)
            ),
            ClockBehind(s) => format!(
                "二维码已过期（或手机时间慢了约{}），请刷新二维码后重新出示",
                duration_zh(*s)
            ),
            BundleStale => "闸机数据已过期，请管理员联网同步".into(),
            Revoked(r) => format!("该卡{}，不能使用", r.label_zh()),
            Replayed => "该二维码已使用过，请刷新后重新出示".into(),
            ReplayStateLost(wait) => format!(
                "闸机的已用码记录丢失，无法确认此码未被使用：请等手机上的二维码刷新（约{}）后重新出示",
                duration_zh(*wait)
            ),
            WrongScene { code, gate } => format!(
                "这是“{}”二维码，请在手机上选择“{}”后重新出示",
                code.label_zh(),
                gate.label_zh()
            ),
            BookingsNotSynced => "闸机未同步本场馆今日预约名单，请管理员联网同步".into(),
            NoBooking => "今日无预约，请先在“豫事办”预约后再来".into(),
            TooEarly { slot, opens_min } => format!(
                "已预约 {}，尚未到入场时间（{} 起可入场）",
                slot_zh(*slot),
                clock_zh(*opens_min)
            ),
            TooLate { slot } => format!("已预约 {}，入场时间已过，请重新预约", slot_zh(*slot)),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message_zh())
    }
}

impl From<CodeTextError> for Refusal {
    fn from(e: CodeTextError) -> Self {
        match e {
            CodeTextError::WrongPrefix => Refusal::WrongPrefix,
            CodeTextError::BadEncoding => Refusal::BadEncoding,
            CodeTextError::Wire(w) => w.into(),
        }
    }
}

impl From<WireError> for Refusal {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Truncated => Refusal::Truncated,
            WireError::TrailingBytes => Refusal::Malformed("trailing_bytes"),
            WireError::UnsupportedVersion(v) => Refusal::UnsupportedVersion(v),
            WireError::InvalidField(f) => Refusal::Malformed(f),
        }
    }
}

/// A duration as a person says it: "45 秒", "3 分钟", "2 小时", "3 天".
pub fn duration_zh(secs: i64) -> String {
    let s = secs.unsigned_abs();
    match s {
        0..=59 => format!(" {s} 秒"),
        60..=5_399 => format!(" {} 分钟", (s + 30) / 60),
        5_400..=172_799 => format!(" {} 小时", (s + 1_800) / 3_600),
        _ => format!(" {} 天", (s + 43_200) / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::duration_zh;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_zh(45), " 45 秒");
        assert_eq!(duration_zh(-180), " 3 分钟");
        assert_eq!(duration_zh(7_200), " 2 小时");
        assert_eq!(duration_zh(3 * 86_400), " 3 天");
    }
}
