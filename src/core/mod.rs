//! The pure Rust cache core. Nothing here imports napi, so `cargo test` covers all of it.

pub mod atomic;
pub mod bytes;
pub mod contract;
pub mod control;
pub mod delta;
pub mod digest;
pub mod error;
pub mod filter;
pub mod fingerprint;
pub mod hash;
pub mod hints;
pub mod ignore_rules;
pub mod index_table;
pub mod js_suffix;
pub mod manifest;
pub mod relpath;
pub mod remote;
pub mod safe_dir;
pub mod shadow;
pub mod stat;
pub mod walk;
pub mod watch;
