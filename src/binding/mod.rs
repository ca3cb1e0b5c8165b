//! The napi layer: argument conversion, sync/async twins and error codes. All logic lives in
//! `crate::core`.

pub mod contract_config;
mod errors;
pub mod fingerprint;

use napi_derive::napi;

/// The version of this package.
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
