//! The aws-cli emulation.
