//! The pure Rust cache core. Nothing here imports napi.
pub mod contract;
