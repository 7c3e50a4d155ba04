//! Digest file types (owned by the generator work; see crates/gen).
