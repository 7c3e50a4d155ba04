//! The Sigma engine as its users meet it: real rules over real records, every modifier and
//! condition form through one table helper, correlation sequences, problems with positions, and
//! a differential run against another implementation.

mod common;
mod corpus;
mod correlation;
mod differential;
mod modifiers;
mod problems;
mod quirks;
