//! Integration tests of the validator, in one binary.
//!
//! - `support`: trails in memory (generated, or built by hand for what the generator does not
//!   make), tampering helpers, and a run of the validator over them as over a local copy.
//! - `generated`: the generator's signed chains, intact (several seeds and layouts) and in
//!   every tamper variant, each with the expected finding naming the right object.
//! - `built`: chains the generator does not make, signed here: a stop of logging (gap), a key
//!   used outside its validity, SPKI keys, a previous-digest hash that disagrees.
//! - `awscli`: the `--format aws-cli` emulation's wording and exit codes on generated chains,
//!   without the CLI.
//! - `differential`: the real AWS CLI (against moto_server) and trailguard on every tamper
//!   variant: the emulation prints what the CLI prints; trailguard agrees wherever the CLI is
//!   right.
//! - `oracle`: running the real AWS CLI on loopback (shared with the CLI's tests).

mod awscli;
mod built;
mod differential;
mod generated;
mod oracle;
mod support;
