//! The suite's modules; see `tests/main.rs`.

mod pdf_text;
mod util;

mod atomicity;
mod determinism;
mod errors;
mod glyphs;
mod injection;
mod labels;
mod layout;
mod manifest;
mod preview;
mod reference;
mod sandbox;
