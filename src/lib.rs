//! letterpress: a campaign TOML → a letter and an envelope PDF per recipient → one zip.
//!
//! The stages, each a module, in the order data flows through them (see
//! `ARCHITECTURE.md`): [`campaign`] loads and checks the TOML, [`postal`] knows
//! paper, envelopes and address formats, [`render`] typesets and checks each
//! document with Typst, [`bundle`] writes the zip, and [`pipeline`] runs the
//! stages in parallel. [`diag`] is the error type they all share.

pub mod archive;
pub mod bundle;
pub mod campaign;
pub mod civil;
pub mod clock;
pub mod diag;
pub mod fork;
pub mod ledger;
pub mod pipeline;
pub mod postal;
pub mod preview;
pub mod printfile;
pub mod render;
pub mod sandbox;
