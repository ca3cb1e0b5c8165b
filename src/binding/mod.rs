//! The napi layer.
use napi_derive::napi;

/// The version of this package.
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
