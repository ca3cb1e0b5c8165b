//! The host contract (host-contract.md): configuration, policy, helpers and messages.
//!
//! Pure Rust: nothing here imports napi. Every data type serialises with the contract's
//! TypeScript field names (camelCase) and string literals, so the binding layer can pass
//! values through serde unchanged.
#![deny(missing_docs)]

#[macro_use]
mod literal;

pub mod classify;
pub mod config;
pub mod decide;
pub mod delta;
pub mod dispatch_info;
pub mod hashing;
pub mod invalidation;
pub mod js_number;
pub mod layout;
pub mod messages;
pub mod paths;
pub mod records;
