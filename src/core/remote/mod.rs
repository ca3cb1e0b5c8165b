//! The shared cache across machines (issue 16): CI runners and teammates reuse each other's
//! analysis through the Turborepo Remote Cache API (`GET`/`PUT /v8/artifacts/:hash`) or a
//! plain shared directory.
//!
//! - [`config`]: what to talk to (from `TURBO_API`/`TURBO_TOKEN`/`TURBO_TEAM` and the host's
//!   options), secrets that never print;
//! - [`key`]: content-addressed keys (no machine path in them) and the producer identity;
//! - [`artifact`]: the compressed artifact (envelope, records, data), streamed both ways;
//! - [`signature`]: the optional HMAC-SHA256 tag (`x-artifact-tag`, Turborepo's scheme);
//! - [`http`] and [`dir`]: the two backends, behind [`backend`];
//! - [`health`]: after a first failure the remote is skipped for the rest of the process;
//! - [`git`]: the candidate base commits, asked of git with a time bound;
//! - [`flow`]: what a dispatch does with all of it (local first, then an exact key, then a base;
//!   after a build, an upload in the background, [`upload`]);
//! - [`status`]: the checks of `cachecore remote status`.
//!
//! A remote never makes a dispatch fail: every problem is a warning (codes in [`codes`]) and the
//! run goes on exactly as without a remote.
#![deny(missing_docs)]

pub mod artifact;
pub mod backend;
pub mod codes;
pub mod config;
pub mod dir;
pub mod flow;
pub mod git;
pub mod health;
pub mod http;
pub mod key;
pub mod signature;
pub mod status;
pub mod upload;

pub use config::{RemoteConfig, RemoteSettings};
