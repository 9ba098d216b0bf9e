//! Rules about the people and documents behind a card, shared by the phone (through wasm, for
//! instant feedback) and the server (which enforces them).
//!
//! The entry points are [`application::validate`] and [`application::required_materials`]
//! for the application form, [`photo::check`] for the card photo and
//! [`window::WindowRules::status`] for the service window's hours. The modules below them,
//! one idea each:
//!
//! * documents: [`id_number`] (居民身份证 and 港澳台居民居住证), [`permanent_residence`],
//!   [`travel_permit`], [`passport`], gathered by [`document`];
//! * who may apply with what: [`category`], [`henan_link`] (employed or insured in Henan),
//!   [`uscc`] and [`organisation`] (employers, schools);
//! * minors: [`minor`], [`guardian`];
//! * [`materials`] and the data-sharing seam [`materials::SharedDataConfirmations`];
//! * [`bank`], [`channel`], [`person`] (name, phone), [`birth`], [`nationality`];
//! * time: [`date`] (China Standard Time), [`holidays`] (one data file a year), [`window`];
//! * [`config`] ([`RulesConfig`]) and [`problem`] ([`Problem`]: field, code, message).

pub mod application;
pub mod bank;
pub mod birth;
pub mod category;
pub mod channel;
pub mod config;
pub mod date;
pub mod document;
pub mod guardian;
pub mod henan_link;
pub mod holidays;
pub mod id_number;
pub mod materials;
pub mod minor;
pub mod nationality;
pub mod organisation;
pub mod passport;
pub mod permanent_residence;
pub mod person;
pub mod photo;
pub mod problem;
pub mod travel_permit;
pub mod uscc;
pub mod venue;
pub mod window;

pub use application::{
    required_materials, validate, ApplicationForm, CheckedApplication, DocumentForm,
};
pub use config::RulesConfig;
pub use materials::{MaterialKind, MaterialRequirement, SharedDataConfirmations};
pub use problem::{Explain, Problem};
