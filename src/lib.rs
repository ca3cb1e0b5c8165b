//! cachecore: a Node.js addon (napi-rs) over a pure Rust cache core.
//!
//! `core` never imports napi; `binding` is the thin layer that converts arguments,
//! runs the core on the right thread and maps errors to stable codes.

pub mod binding;
pub mod core;
