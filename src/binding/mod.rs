//! The napi layer: argument conversion, sync/async twins and error codes. All logic lives in
//! `crate::core`.

/// `From` both ways between a napi string enum and the core enum with the same variants.
macro_rules! mirror_enum {
    ($js:ty, $core:ty, [$($v:ident),+ $(,)?]) => {
        impl From<$js> for $core {
            fn from(v: $js) -> Self {
                match v {
                    $(<$js>::$v => <$core>::$v),+
                }
            }
        }
        impl From<$core> for $js {
            fn from(v: $core) -> Self {
                match v {
                    $(<$core>::$v => <$js>::$v),+
                }
            }
        }
    };
}

pub mod contract_config;
pub mod contract_dispatch;
pub mod contract_helpers;
pub mod contract_maintenance;
pub mod contract_messages;
pub mod contract_policy;
pub mod contract_state;
pub mod contract_translations;
mod errors;
pub mod fingerprint;
mod handoff;
pub mod host_io;
mod js_regexp;
mod option_keys;
pub mod remote;
pub mod watch;

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
