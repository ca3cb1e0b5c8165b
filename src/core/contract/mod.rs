//! The host contract (host-contract.md): configuration, policy, helpers and messages.
//!
//! Pure Rust: nothing here imports napi. Every data type serialises with the contract's
//! TypeScript field names (camelCase) and string literals, so the binding layer can pass
//! values through serde unchanged.
#![deny(missing_docs)]

#[macro_use]
mod literal;

pub mod analysis_file;
pub mod analysis_inputs;
pub mod cache_file;
pub mod cache_tree;
pub mod classify;
pub mod config;
pub mod decide;
pub mod delta;
pub mod dispatch;
pub mod dispatch_info;
pub mod files_index;
pub mod files_shadow;
pub mod hashing;
pub mod invalidation;
pub mod io;
pub mod iso_time;
pub mod js_number;
pub mod json_data;
pub mod layout;
pub mod lock;
pub mod memory;
pub mod messages;
pub mod meta_file;
pub mod paths;
pub mod port_scan;
pub mod records;
pub mod store_paths;
pub mod tracked;
pub mod translate_keys;
pub mod translations;
pub mod walk_specs;
pub mod watched;
