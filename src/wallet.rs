//! The holder's side: a device key and a credential, turned into a fresh code each step.

use ed25519_dalek::{Signer, SigningKey};

use crate::format::code::{Code, Presentation};
use crate::format::credential::Credential;
use crate::format::fields::Scene;

/// Why the wallet could not act.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WalletError {
    /// The credential names another device key than this wallet's.
    CredentialForOtherDevice,
    /// The clock gave a time outside the code's range (before 1970 or far in the future).
    TimeOutOfRange,
    /// The step length is zero.
    InvalidStep,
}

impl WalletError {
    /// Stable code for programs.
    pub fn code(&self) -> &'static str {
        match self {
            WalletError::CredentialForOtherDevice => "CREDENTIAL_FOR_OTHER_DEVICE",
            WalletError::TimeOutOfRange => "TIME_OUT_OF_RANGE",
            WalletError::InvalidStep => "INVALID_STEP",
        }
    }
}

impl std::fmt::Display for WalletError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WalletError::CredentialForOtherDevice => "该电子凭证不属于本机，请重新申领",
            WalletError::TimeOutOfRange => "手机时间无效，请校准时间",
            WalletError::InvalidStep => "刷新周期无效",
        })
    }
}

impl std::error::Error for WalletError {}

/// A device key together with the credential issued for it.
pub struct Wallet {
    key: SigningKey,
    credential: Credential,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret key is never printed.
        f.debug_struct("Wallet")
            .field("serial", &self.credential.body.serial)
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// Pairs a device key with its credential, refusing a credential for another key.
    pub fn new(key: SigningKey, credential: Credential) -> Result<Self, WalletError> {
        if key.verifying_key().to_bytes() != credential.body.device_key {
            return Err(WalletError::CredentialForOtherDevice);
        }
        Ok(Wallet { key, credential })
    }

    /// The credential this wallet shows.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The code for phone time `now` (Unix seconds).
    pub fn code_at(
        &self,
        now: i64,
        step_secs: u8,
        scene: Scene,
        counter: u8,
    ) -> Result<Code, WalletError> {
        if step_secs == 0 {
            return Err(WalletError::InvalidStep);
        }
        let p =
            Presentation::at(now, step_secs, scene, counter).ok_or(WalletError::TimeOutOfRange)?;
        Ok(self.sign(p))
    }

    /// Signs a presentation.
    pub fn sign(&self, presentation: Presentation) -> Code {
        let msg = Code::signed_bytes_for(&self.credential, &presentation);
        Code {
            credential: self.credential.clone(),
            presentation,
            device_signature: self.key.sign(&msg).to_bytes(),
        }
    }

    /// Seconds until the code shown at `now` changes.
    pub fn seconds_to_next(now: i64, step_secs: u8) -> i64 {
        let s = i64::from(step_secs.max(1));
        s - now.rem_euclid(s)
    }
}
