//! The napi layer: argument conversion, sync/async twins and error codes. All logic lives in
//! `crate::core`.

mod errors;
pub mod fingerprint;

use napi_derive::napi;

/// The version of this package.
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The Rust target triple this binary was built for (for example
/// `x86_64-unknown-linux-gnu`), for diagnostics: which platform package a host really loaded.
#[napi]
pub fn binary_target() -> String {
    env!("CACHECORE_TARGET").to_string()
}
