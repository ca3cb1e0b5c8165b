//! §1 configuration: profiles, `resolveCacheConfig`, `resolveCacheRebuildConfig`, the schema
//! version and the cache file size caps (argument conversion only; the rules live in
//! `crate::core::contract::config`).

use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;

use super::errors::{exported, invalid, strict_arg};
use super::option_keys::CACHE_CONFIG_SOURCE;
use crate::core::contract::config as core;

/// `CacheProfileId = 'safe' | 'balanced' | 'fast'`.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheProfileId {
    /// Always a full rebuild, threshold 10.
    #[napi(value = "safe")]
    Safe,
    /// Partial rebuilds, threshold 40 (the default).
    #[napi(value = "balanced")]
    Balanced,
    /// Partial rebuilds, threshold 70.
    #[napi(value = "fast")]
    Fast,
}

/// `'readWrite' | 'readOnly'`: whether cache files may be written and deleted.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheMode {
    /// Read and write cache files.
    #[napi(value = "readWrite")]
    ReadWrite,
    /// Read cache files; write or delete nothing.
    #[napi(value = "readOnly")]
    ReadOnly,
}

/// `'partial' | 'full'`: whether the analysis may be patched.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheRebuildMode {
    /// Patch the analysis when the policy allows it.
    #[napi(value = "partial")]
    Partial,
    /// Always rebuild the analysis from scratch.
    #[napi(value = "full")]
    Full,
}

mirror_enum!(CacheMode, core::CacheMode, [ReadWrite, ReadOnly]);
mirror_enum!(CacheRebuildMode, core::CacheRebuildMode, [Partial, Full]);

/// The defaults one profile sets.
#[napi(object)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CacheProfileDefaults {
    /// The rebuild mode.
    pub rebuild: CacheRebuildMode,
    /// The percentage of affected source files at which a partial rebuild becomes full.
    pub full_rescan_threshold_percent: f64,
    /// The read/write mode.
    pub mode: CacheMode,
}

impl CacheProfileDefaults {
    const fn of(rebuild: CacheRebuildMode, full_rescan_threshold_percent: f64) -> Self {
        Self {
            rebuild,
            full_rescan_threshold_percent,
            mode: CacheMode::ReadWrite,
        }
    }
}

/// The defaults of every profile, keyed by `CacheProfileId`
/// (`Record<CacheProfileId, CacheProfileDefaults>`).
#[napi(object)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CacheProfileDefaultsTable {
    /// `{ rebuild: 'full', fullRescanThresholdPercent: 10, mode: 'readWrite' }`.
    pub safe: CacheProfileDefaults,
    /// `{ rebuild: 'partial', fullRescanThresholdPercent: 40, mode: 'readWrite' }`.
    pub balanced: CacheProfileDefaults,
    /// `{ rebuild: 'partial', fullRescanThresholdPercent: 70, mode: 'readWrite' }`.
    pub fast: CacheProfileDefaults,
}

/// The profile defaults: `safe = {'full', 10, 'readWrite'}`, `balanced = {'partial', 40,
/// 'readWrite'}`, `fast = {'partial', 70, 'readWrite'}`.
#[napi]
pub const CACHE_PROFILE_DEFAULTS: CacheProfileDefaultsTable = CacheProfileDefaultsTable {
    safe: CacheProfileDefaults::of(CacheRebuildMode::Full, 10.0),
    balanced: CacheProfileDefaults::of(CacheRebuildMode::Partial, 40.0),
    fast: CacheProfileDefaults::of(CacheRebuildMode::Partial, 70.0),
};

/// The default profile, `'balanced'`.
#[napi]
pub const DEFAULT_CACHE_PROFILE_ID: CacheProfileId = CacheProfileId::Balanced;

/// The schema version written to every cache file (1).
#[napi]
pub const CACHE_SCHEMA_VERSION: u32 = core::CACHE_SCHEMA_VERSION;

/// Size cap of `meta.json`, in bytes (2 MiB).
#[napi]
pub const MAX_META_BYTES: u32 = core::MAX_META_BYTES as u32;

/// Size cap of `projects/<id>/files.json`, in bytes (32 MiB).
#[napi]
pub const MAX_FILES_BYTES: u32 = core::MAX_FILES_BYTES as u32;

/// Size cap of `projects/<id>/analysis.json` in the TypeScript core, in bytes (16 MiB).
#[napi]
pub const MAX_ANALYSIS_BYTES: u32 = core::MAX_ANALYSIS_BYTES as u32;

/// Size cap of `projects/<id>/translations/<code>.json`, in bytes (32 MiB).
#[napi]
pub const MAX_TRANSLATIONS_BYTES: u32 = core::MAX_TRANSLATIONS_BYTES as u32;

/// The host's `cache` config block. Every field is optional.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct CacheConfigSource {
    /// Whether the cache is on (default `true`).
    pub enabled: Option<bool>,
    /// The cache directory, resolved against the project root by the host.
    pub dir: Option<String>,
    /// The profile id; an unknown id gets the balanced defaults and is echoed back.
    #[napi(ts_type = "CacheProfileId | (string & {})")]
    pub profile: Option<String>,
    /// The read/write mode; beats the profile.
    pub mode: Option<CacheMode>,
    /// The rebuild mode; beats the profile.
    pub rebuild: Option<CacheRebuildMode>,
    /// The full-rescan threshold in percent; beats the profile and is clamped to [0, 100].
    pub full_rescan_threshold_percent: Option<f64>,
}

impl From<CacheConfigSource> for core::CacheConfigSource {
    fn from(s: CacheConfigSource) -> Self {
        Self {
            enabled: s.enabled,
            dir: s.dir,
            profile: s.profile,
            mode: s.mode.map(Into::into),
            rebuild: s.rebuild.map(Into::into),
            full_rescan_threshold_percent: s.full_rescan_threshold_percent,
        }
    }
}

/// The result of `resolveCacheConfig`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ResolvedCacheConfig {
    /// Whether the cache is on.
    pub enabled: bool,
    /// The profile id as given (an unknown id is echoed), or `'balanced'`.
    #[napi(ts_type = "CacheProfileId | (string & {})")]
    pub profile: String,
    /// The read/write mode.
    pub mode: CacheMode,
    /// The rebuild mode.
    pub rebuild: CacheRebuildMode,
    /// The full-rescan threshold, in percent.
    pub full_rescan_threshold_percent: f64,
    /// The cache directory, only when the source gave one.
    pub dir: Option<String>,
}

/// The rebuild slice of the config: `{ rebuild, fullRescanThresholdPercent }`.
#[napi(object)]
#[derive(Debug, Clone, Copy)]
pub struct CacheRebuildConfig {
    /// The rebuild mode.
    pub rebuild: CacheRebuildMode,
    /// The full-rescan threshold, in percent.
    pub full_rescan_threshold_percent: f64,
}

impl From<CacheRebuildConfig> for core::CacheRebuildConfig {
    fn from(c: CacheRebuildConfig) -> Self {
        Self {
            rebuild: c.rebuild.into(),
            full_rescan_threshold_percent: c.full_rescan_threshold_percent,
        }
    }
}

impl From<core::CacheRebuildConfig> for CacheRebuildConfig {
    fn from(c: core::CacheRebuildConfig) -> Self {
        Self {
            rebuild: c.rebuild.into(),
            full_rescan_threshold_percent: c.full_rescan_threshold_percent,
        }
    }
}

/// Reads the optional `source` argument: `undefined` and `null` mean none; anything but an
/// object is `INVALID_OPTION`.
fn source_arg(env: &Env, source: Option<Unknown<'_>>) -> napi::Result<core::CacheConfigSource> {
    let source = match source {
        None => return Ok(core::CacheConfigSource::default()),
        Some(v) => v,
    };
    match source.get_type()? {
        napi::ValueType::Undefined | napi::ValueType::Null => {
            Ok(core::CacheConfigSource::default())
        }
        napi::ValueType::Object => {
            Ok(
                strict_arg::<CacheConfigSource>(env, source, "source", CACHE_CONFIG_SOURCE, &[])?
                    .into(),
            )
        }
        other => Err(invalid(
            env,
            "source",
            format!("expected an object, got {other}"),
        )),
    }
}

/// `resolveCacheConfig(source?)`: explicit `rebuild`, `mode` and threshold beat the profile,
/// field by field; an explicit threshold is clamped to [0, 100], a profile one is taken as is;
/// an unknown profile id gets the balanced defaults but is echoed in `profile`; `enabled`
/// defaults to `true`; `dir` appears only when given. Throws `INVALID_OPTION` for a value of
/// the wrong type.
#[napi(ts_args_type = "source?: CacheConfigSource | undefined | null")]
pub fn resolve_cache_config(
    env: Env,
    source: Option<Unknown<'_>>,
) -> napi::Result<ResolvedCacheConfig> {
    exported(&env, "resolveCacheConfig", || {
        let source = source_arg(&env, source)?;
        let r = core::resolve_cache_config(Some(&source));
        Ok(ResolvedCacheConfig {
            enabled: r.enabled,
            profile: r.profile,
            mode: r.mode.into(),
            rebuild: r.rebuild.into(),
            full_rescan_threshold_percent: r.full_rescan_threshold_percent,
            dir: r.dir,
        })
    })
}

/// `resolveCacheRebuildConfig(source?)`: the `{ rebuild, fullRescanThresholdPercent }` slice of
/// `resolveCacheConfig`, by the same rules.
#[napi(ts_args_type = "source?: CacheConfigSource | undefined | null")]
pub fn resolve_cache_rebuild_config(
    env: Env,
    source: Option<Unknown<'_>>,
) -> napi::Result<CacheRebuildConfig> {
    exported(&env, "resolveCacheRebuildConfig", || {
        let source = source_arg(&env, source)?;
        Ok(core::resolve_cache_rebuild_config(Some(&source)).into())
    })
}
