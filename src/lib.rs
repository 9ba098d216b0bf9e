//! Henan electronic social security card (电子社保卡): credentials signed by the issuer, QR
//! codes signed by the holder's phone every 30 seconds, and a gate that verifies them with no
//! network.
//!
//! Data flows one way through the modules:
//! [`issuer`] signs a [`format::credential`] for a device key → the phone's [`wallet`] signs a
//! [`format::code`] each step → [`render`] turns it into a QR matrix and SVG → the [`gate`]
//! verifies it against a synced [`format::bundle`].
//!
//! Beside that flow, [`rules`] holds the application rules (who may apply with which
//! document, minors and guardians, materials, the card photo, the service window's hours) that
//! the phone and the server share.
//!
//! The crate does no I/O and reads no clock: every function that needs the time takes it as a
//! Unix time in seconds. It builds for `wasm32-unknown-unknown` (see `wasm`) and natively.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod format;
pub mod gate;
pub mod issuer;
pub mod render;
pub mod rules;
pub mod wallet;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use format::code::{Code, Presentation};
pub use format::credential::{Credential, CredentialBody};
pub use format::fields::{AgeBand, CardState, RevocationReason, Scene};
pub use gate::{Gate, GatePolicy, Refusal, Verdict};
pub use wallet::Wallet;
