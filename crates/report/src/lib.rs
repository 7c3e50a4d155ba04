//! Renderers. Each takes a finished result and a writer; none reads input or decides anything.
//!
//! - [`events`]: one line per record as a table, CSV or JSON lines (the record's own text).
//! - [`scan`]: the scan report as text for a person or JSON for a machine.
//! - [`alerts`]: detection alerts as a table, JSON lines, one JSON document, or OCSF Detection
//!   Findings.
//! - [`verify`]: the integrity report (digest chains, logs) as text or JSON.

#![deny(missing_docs)]

pub mod alerts;
pub mod events;
pub mod scan;
mod text;
pub mod verify;

pub use text::Style;
