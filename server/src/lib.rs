//! The `ecard` binary's library: the command line (`cli`) and the issuing service (`service`),
//! over the pure core in `ecard-core`. A library so that tests drive the service in-process.
#![forbid(unsafe_code)]

pub mod cli;
pub mod error;
pub mod files;
pub mod keyfile;
pub mod output;
pub mod qrimage;
pub mod service;
pub mod timefmt;
