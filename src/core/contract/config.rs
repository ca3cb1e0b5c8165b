//! §1 Configuration: cache profiles and their defaults, the resolution of a `cache` config
//! block, the schema version and the cache file size caps.

use serde::{Deserialize, Serialize};

use super::js_number::{serialize_js_number, serialize_opt_js_number};

/// The schema version written to every cache file.
pub const CACHE_SCHEMA_VERSION: u32 = 1;

const MIB: u64 = 1024 * 1024;

/// Size cap of `meta.json`, in bytes (2 MiB).
pub const MAX_META_BYTES: u64 = 2 * MIB;
/// Size cap of `projects/<id>/files.json`, in bytes (32 MiB).
pub const MAX_FILES_BYTES: u64 = 32 * MIB;
/// Size cap of `projects/<id>/analysis.json` in the TypeScript core, in bytes (16 MiB).
pub const MAX_ANALYSIS_BYTES: u64 = 16 * MIB;
/// Size cap of `projects/<id>/translations/<code>.json`, in bytes (32 MiB).
pub const MAX_TRANSLATIONS_BYTES: u64 = 32 * MIB;
/// cachecore's default effective cap for `analysis.json` (256 MiB): large enough for 20,000
/// source files. The effective cap is configurable; [`MAX_ANALYSIS_BYTES`] is the contract value.
pub const DEFAULT_EFFECTIVE_ANALYSIS_CAP: u64 = 256 * MIB;
/// cachecore's default effective cap for `files.json` (256 MiB). A record takes about 195
/// bytes (a 64-hex hash, the size, `mtimeMs` and `updatedAt` beside its path), so the contract's
/// 32 MiB ([`MAX_FILES_BYTES`]) stops at about 170,000 files: a 200,000-file project wrote a
/// 39 MB index every run and refused it on every next one. 256 MiB holds about 1.3 million
/// tracked files; the effective cap is configurable, and no cache file is ever written over
/// the cap its readers use.
pub const DEFAULT_EFFECTIVE_FILES_CAP: u64 = 256 * MIB;

string_enum! {
    /// `CacheProfileId = 'safe' | 'balanced' | 'fast'`.
    pub enum CacheProfileId {
        /// Always a full rebuild, threshold 10.
        Safe => "safe",
        /// Partial rebuilds, threshold 40 (the default).
        Balanced => "balanced",
        /// Partial rebuilds, threshold 70.
        Fast => "fast",
    }
}

string_enum! {
    /// `mode: 'readWrite' | 'readOnly'`.
    pub enum CacheMode {
        /// Read and write cache files.
        ReadWrite => "readWrite",
        /// Read cache files; write or delete nothing.
        ReadOnly => "readOnly",
    }
}

string_enum! {
    /// `rebuild: 'partial' | 'full'`.
    pub enum CacheRebuildMode {
        /// Patch the analysis when the policy allows it.
        Partial => "partial",
        /// Always rebuild the analysis from scratch.
        Full => "full",
    }
}

/// The defaults one profile sets: `{ rebuild, fullRescanThresholdPercent, mode }`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheProfileDefaults {
    /// The rebuild mode.
    pub rebuild: CacheRebuildMode,
    /// The percentage of affected source files at which a partial rebuild becomes full.
    #[serde(serialize_with = "serialize_js_number")]
    pub full_rescan_threshold_percent: f64,
    /// The read/write mode.
    pub mode: CacheMode,
}

impl CacheProfileId {
    /// This profile's defaults (the single source of [`CACHE_PROFILE_DEFAULTS`]).
    pub const fn defaults(self) -> CacheProfileDefaults {
        let (rebuild, full_rescan_threshold_percent) = match self {
            Self::Safe => (CacheRebuildMode::Full, 10.0),
            Self::Balanced => (CacheRebuildMode::Partial, 40.0),
            Self::Fast => (CacheRebuildMode::Partial, 70.0),
        };
        CacheProfileDefaults {
            rebuild,
            full_rescan_threshold_percent,
            mode: CacheMode::ReadWrite,
        }
    }
}

/// The default profile, `'balanced'`.
pub const DEFAULT_CACHE_PROFILE_ID: CacheProfileId = CacheProfileId::Balanced;

impl Default for CacheProfileId {
    fn default() -> Self {
        DEFAULT_CACHE_PROFILE_ID
    }
}

/// The profile defaults table, one row per profile.
pub const CACHE_PROFILE_DEFAULTS: [(CacheProfileId, CacheProfileDefaults); 3] = [
    (CacheProfileId::Safe, CacheProfileId::Safe.defaults()),
    (
        CacheProfileId::Balanced,
        CacheProfileId::Balanced.defaults(),
    ),
    (CacheProfileId::Fast, CacheProfileId::Fast.defaults()),
];

/// The host's `cache` config block: `CacheConfigSource`. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheConfigSource {
    /// Whether the cache is on (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The cache directory, resolved against the project root by the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    /// The profile id; a string so that an unknown id can be echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The read/write mode; beats the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<CacheMode>,
    /// The rebuild mode; beats the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebuild: Option<CacheRebuildMode>,
    /// The full-rescan threshold; beats the profile and is clamped to [0, 100].
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_opt_js_number"
    )]
    pub full_rescan_threshold_percent: Option<f64>,
}

/// The result of [`resolve_cache_config`]: `{ enabled, profile, mode, rebuild, fullRescanThresholdPercent, dir? }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedCacheConfig {
    /// Whether the cache is on.
    pub enabled: bool,
    /// The profile id as given (an unknown id is echoed), or `"balanced"`.
    pub profile: String,
    /// The read/write mode.
    pub mode: CacheMode,
    /// The rebuild mode.
    pub rebuild: CacheRebuildMode,
    /// The full-rescan threshold, in percent.
    #[serde(serialize_with = "serialize_js_number")]
    pub full_rescan_threshold_percent: f64,
    /// The cache directory, only when the source gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
}

/// The rebuild slice of the config: `CacheRebuildConfig = { rebuild, fullRescanThresholdPercent }`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheRebuildConfig {
    /// The rebuild mode.
    pub rebuild: CacheRebuildMode,
    /// The full-rescan threshold, in percent.
    #[serde(serialize_with = "serialize_js_number")]
    pub full_rescan_threshold_percent: f64,
}

impl Default for CacheRebuildConfig {
    /// The balanced profile's rebuild settings (what dispatch uses when the host gives none).
    fn default() -> Self {
        resolve_cache_rebuild_config(None)
    }
}

impl ResolvedCacheConfig {
    /// The rebuild slice of this config.
    pub fn rebuild_config(&self) -> CacheRebuildConfig {
        CacheRebuildConfig {
            rebuild: self.rebuild,
            full_rescan_threshold_percent: self.full_rescan_threshold_percent,
        }
    }
}

/// Clamps an explicit threshold to [0, 100] (NaN stays NaN, as in the TypeScript code).
fn clamp_threshold_percent(value: f64) -> f64 {
    value.clamp(0.0, 100.0)
}

/// `resolveCacheConfig(source?)`: explicit `rebuild`, `mode` and threshold beat the profile field
/// by field; an explicit threshold is clamped to [0, 100], a profile one is taken as is; an
/// unknown profile gets the balanced defaults but is echoed in `profile`; `enabled` defaults to
/// `true`; `dir` appears only when given.
pub fn resolve_cache_config(source: Option<&CacheConfigSource>) -> ResolvedCacheConfig {
    let source_profile = source.and_then(|s| s.profile.as_deref());
    let defaults = source_profile
        .and_then(CacheProfileId::parse)
        .unwrap_or(DEFAULT_CACHE_PROFILE_ID)
        .defaults();
    let profile = source_profile
        .unwrap_or(DEFAULT_CACHE_PROFILE_ID.as_str())
        .to_owned();
    ResolvedCacheConfig {
        enabled: source.and_then(|s| s.enabled).unwrap_or(true),
        profile,
        mode: source.and_then(|s| s.mode).unwrap_or(defaults.mode),
        rebuild: source.and_then(|s| s.rebuild).unwrap_or(defaults.rebuild),
        full_rescan_threshold_percent: source.and_then(|s| s.full_rescan_threshold_percent).map_or(
            defaults.full_rescan_threshold_percent,
            clamp_threshold_percent,
        ),
        dir: source.and_then(|s| s.dir.clone()),
    }
}

/// `resolveCacheRebuildConfig(source?)`: the rebuild slice of [`resolve_cache_config`].
pub fn resolve_cache_rebuild_config(source: Option<&CacheConfigSource>) -> CacheRebuildConfig {
    resolve_cache_config(source).rebuild_config()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(json: &str) -> CacheConfigSource {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn profile_table_matches_the_contract() {
        let json = serde_json::to_string(&CACHE_PROFILE_DEFAULTS).unwrap();
        assert_eq!(
            json,
            r#"[["safe",{"rebuild":"full","fullRescanThresholdPercent":10,"mode":"readWrite"}],["balanced",{"rebuild":"partial","fullRescanThresholdPercent":40,"mode":"readWrite"}],["fast",{"rebuild":"partial","fullRescanThresholdPercent":70,"mode":"readWrite"}]]"#
        );
        assert_eq!(DEFAULT_CACHE_PROFILE_ID.as_str(), "balanced");
        assert_eq!(CacheProfileId::default(), CacheProfileId::Balanced);
    }

    #[test]
    fn constants_match_the_contract() {
        assert_eq!(CACHE_SCHEMA_VERSION, 1);
        assert_eq!(MAX_META_BYTES, 2_097_152);
        assert_eq!(MAX_FILES_BYTES, 33_554_432);
        assert_eq!(MAX_ANALYSIS_BYTES, 16_777_216);
        assert_eq!(MAX_TRANSLATIONS_BYTES, 33_554_432);
        assert_eq!(DEFAULT_EFFECTIVE_ANALYSIS_CAP, 268_435_456);
    }

    #[test]
    fn literals_round_trip() {
        for id in CacheProfileId::ALL {
            assert_eq!(serde_json::to_value(id).unwrap(), id.as_str());
            assert_eq!(CacheProfileId::parse(id.as_str()), Some(*id));
        }
        assert_eq!(
            serde_json::to_value(CacheMode::ReadWrite).unwrap(),
            "readWrite"
        );
        assert_eq!(
            serde_json::to_value(CacheMode::ReadOnly).unwrap(),
            "readOnly"
        );
        assert_eq!(
            serde_json::to_value(CacheRebuildMode::Partial).unwrap(),
            "partial"
        );
        assert_eq!(
            serde_json::to_value(CacheRebuildMode::Full).unwrap(),
            "full"
        );
        assert_eq!(CacheProfileId::parse("Safe"), None);
    }

    #[test]
    fn no_source_gives_balanced_defaults() {
        let resolved = resolve_cache_config(None);
        assert_eq!(
            serde_json::to_string(&resolved).unwrap(),
            r#"{"enabled":true,"profile":"balanced","mode":"readWrite","rebuild":"partial","fullRescanThresholdPercent":40}"#
        );
        assert_eq!(
            resolve_cache_config(Some(&CacheConfigSource::default())),
            resolved
        );
    }

    #[test]
    fn each_profile_applies_its_defaults() {
        for (id, defaults) in CACHE_PROFILE_DEFAULTS {
            let resolved = resolve_cache_config(Some(&CacheConfigSource {
                profile: Some(id.as_str().to_owned()),
                ..CacheConfigSource::default()
            }));
            assert_eq!(resolved.profile, id.as_str());
            assert_eq!(resolved.rebuild, defaults.rebuild);
            assert_eq!(resolved.mode, defaults.mode);
            assert_eq!(
                resolved.full_rescan_threshold_percent,
                defaults.full_rescan_threshold_percent
            );
        }
    }

    #[test]
    fn explicit_fields_beat_the_profile_field_by_field() {
        let resolved =
            resolve_cache_config(Some(&source(r#"{"profile":"safe","rebuild":"partial"}"#)));
        assert_eq!(resolved.rebuild, CacheRebuildMode::Partial);
        assert_eq!(resolved.full_rescan_threshold_percent, 10.0);
        assert_eq!(resolved.mode, CacheMode::ReadWrite);

        let resolved = resolve_cache_config(Some(&source(
            r#"{"profile":"fast","mode":"readOnly","fullRescanThresholdPercent":25}"#,
        )));
        assert_eq!(resolved.rebuild, CacheRebuildMode::Partial);
        assert_eq!(resolved.full_rescan_threshold_percent, 25.0);
        assert_eq!(resolved.mode, CacheMode::ReadOnly);

        let resolved =
            resolve_cache_config(Some(&source(r#"{"profile":"balanced","rebuild":"full"}"#)));
        assert_eq!(resolved.rebuild, CacheRebuildMode::Full);
        assert_eq!(resolved.full_rescan_threshold_percent, 40.0);
    }

    #[test]
    fn explicit_threshold_is_clamped() {
        let threshold = |t: f64| {
            resolve_cache_config(Some(&CacheConfigSource {
                full_rescan_threshold_percent: Some(t),
                ..CacheConfigSource::default()
            }))
            .full_rescan_threshold_percent
        };
        assert_eq!(threshold(-5.0), 0.0);
        assert_eq!(threshold(0.0), 0.0);
        assert_eq!(threshold(55.5), 55.5);
        assert_eq!(threshold(100.0), 100.0);
        assert_eq!(threshold(250.0), 100.0);
    }

    #[test]
    fn unknown_profile_gets_balanced_defaults_but_is_echoed() {
        let resolved = resolve_cache_config(Some(&source(r#"{"profile":"turbo"}"#)));
        assert_eq!(resolved.profile, "turbo");
        assert_eq!(resolved.rebuild, CacheRebuildMode::Partial);
        assert_eq!(resolved.full_rescan_threshold_percent, 40.0);
        assert_eq!(resolved.mode, CacheMode::ReadWrite);
    }

    #[test]
    fn enabled_defaults_true_and_dir_only_when_given() {
        let resolved =
            resolve_cache_config(Some(&source(r#"{"enabled":false,"dir":".cache/i18n"}"#)));
        assert!(!resolved.enabled);
        assert_eq!(resolved.dir.as_deref(), Some(".cache/i18n"));
        let json = serde_json::to_value(&resolved).unwrap();
        assert_eq!(json["dir"], ".cache/i18n");

        let json = serde_json::to_value(resolve_cache_config(Some(&source("{}")))).unwrap();
        assert!(json.get("dir").is_none());
        assert_eq!(json["enabled"], true);
    }

    #[test]
    fn rebuild_config_follows_the_same_rules() {
        let rebuild = resolve_cache_rebuild_config(Some(&source(
            r#"{"profile":"nope","rebuild":"full","fullRescanThresholdPercent":101}"#,
        )));
        assert_eq!(
            serde_json::to_string(&rebuild).unwrap(),
            r#"{"rebuild":"full","fullRescanThresholdPercent":100}"#
        );
        assert_eq!(
            CacheRebuildConfig::default(),
            CacheRebuildConfig {
                rebuild: CacheRebuildMode::Partial,
                full_rescan_threshold_percent: 40.0
            }
        );
    }
}
