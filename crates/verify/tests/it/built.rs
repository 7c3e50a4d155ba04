//! Chains the generator does not make.
