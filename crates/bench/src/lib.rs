//! Benchmarks only: see `benches/`. Run with `cargo bench -p trailguard-bench`.
