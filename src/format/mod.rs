//! The wire formats, one module each, in the order data flows: the issuer's credential, the
//! phone's code, and what a gate syncs (trust list, revocation lists, a venue's reservation
//! manifests, in a bundle).
//! `docs/FORMAT.md` documents every byte.

pub mod bundle;
pub mod code;
pub mod credential;
pub mod fields;
pub mod manifest;
pub mod revocation;
pub mod trust;
pub(crate) mod wire;

pub use wire::WireError;
