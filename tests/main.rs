//! The integration suite of letterpress: one test binary, modules under
//! `tests/suite/`, fixtures under `tests/fixtures/`.
//!
//! Issue "Build the reference campaign end to end": the reference build, its
//! PDFs read back, the laid-out positions, the manifest, determinism,
//! atomicity, error messages (snapshots in `tests/fixtures/errors/`),
//! injection, glyph coverage and the sandbox.
//!
//! Snapshots: `SNAPSHOTS=overwrite cargo test --release --test main` rewrites
//! every `tests/fixtures/errors/<case>/expected.txt`; read them before
//! committing.

mod suite;
