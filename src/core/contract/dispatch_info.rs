//! §5 the `cache` object of a dispatch result (`CacheDispatchInfo`) and its parts.

use serde::{Deserialize, Serialize};

use super::classify::ClassifiedCacheFileDelta;
use super::decide::AnalysisRebuildDecision;
use super::delta::{CacheFileDelta, FilesIndexStatus};

string_enum! {
    /// `status: 'hit' | 'miss' | 'bypass' | 'disabled'`.
    pub enum CacheDispatchStatus {
        /// Cached data served.
        Hit => "hit",
        /// Data produced (or reused without the producer) and persisted.
        Miss => "miss",
        /// Cache skipped by the host's no-cache flag.
        Bypass => "bypass",
        /// Cache disabled by config or by the environment.
        Disabled => "disabled",
    }
}

string_enum! {
    /// `CacheDispatchReason`.
    pub enum CacheDispatchReason {
        /// Cached data parsed and its epoch matched.
        CacheHit => "cache_hit",
        /// The cache is disabled or bypassed.
        NoCache => "no_cache",
        /// The cache could not be used.
        CacheUnavailable => "cache_unavailable",
        /// No cached data.
        RunMissing => "run_missing",
        /// Tracked files changed.
        FilesChanged => "files_changed",
        /// `files.json` was rebuilt and the analysis reused (epoch unchanged).
        FilesIndexRecovered => "files_index_recovered",
        /// Cached data's input files epoch differs from the current one.
        RunBindingStale => "run_binding_stale",
        /// The producer ran and succeeded.
        ProducerSucceeded => "producer_succeeded",
        /// Cached data failed the host's validation.
        RunInvalid => "run_invalid",
    }
}

string_enum! {
    /// Where the analysis a dispatch served or patched came from, when a remote cache is
    /// configured: `'local' | 'remote_exact' | 'remote_base' | 'none'`.
    pub enum CacheRemoteSource {
        /// The local cache (a hit, a reuse or a local base), or nothing remote was needed.
        Local => "local",
        /// The remote artifact of these exact files (served without the producer).
        RemoteExact => "remote_exact",
        /// The remote artifact of a base commit (patched as a local base would be).
        RemoteBase => "remote_base",
        /// Nothing: no local cache and no remote artifact (a full build).
        Nothing => "none",
    }
}

/// The remote cache's part of a dispatch (cachecore's; absent without a remote).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheRemoteInfo {
    /// `http` (the Turborepo Remote Cache API) or `dir` (a shared directory).
    pub backend: String,
    /// The API URL and team, or the directory (never a token).
    pub endpoint: String,
    /// Where the served or patched analysis came from.
    pub source: CacheRemoteSource,
    /// Read-only: this process never uploads.
    pub read_only: bool,
    /// A signature key is set: uploads are signed, unsigned artifacts refused.
    pub signed: bool,
    /// The key of the artifact used, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The base commit of a `remote_base` artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The compressed bytes downloaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// The time spent asking the remote, in ms (downloads and verification included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetch_ms: Option<f64>,
    /// After the commit: `scheduled` (an upload runs in the background), `read_only`, or
    /// absent (nothing to upload: a hit, or no commit yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<String>,
}

/// A non-fatal diagnostic: `{ code, message, path? }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheWarning {
    /// A stable code (the TypeScript core uses `cache_io_error`, `cache_oversize`, `cache_malformed`, ...).
    pub code: String,
    /// A human-readable message.
    pub message: String,
    /// The file concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// The cache files of the project: `{ meta, files, analysis, projectDir }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheDispatchPaths {
    /// `<root>/meta.json`.
    pub meta: String,
    /// `projects/<id>/files.json`.
    pub files: String,
    /// `projects/<id>/analysis.json`.
    pub analysis: String,
    /// `projects/<id>`.
    pub project_dir: String,
}

/// The epochs compared on `run_binding_stale`: `{ cached?, current }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheInputFilesEpochDebug {
    /// The epoch stored with the cached data, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached: Option<String>,
    /// The epoch of the current files.
    pub current: String,
}

/// `CacheDispatchInfo`, the `cache` of `{ data, cache }`. Field names follow the TypeScript type;
/// `classified` is cachecore's addition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheDispatchInfo {
    /// Hit, miss, bypass or disabled.
    pub status: CacheDispatchStatus,
    /// Why.
    pub reason: CacheDispatchReason,
    /// Non-fatal diagnostics, in the order they arose.
    #[serde(default)]
    pub warnings: Vec<CacheWarning>,
    /// The file delta against the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<CacheFileDelta>,
    /// The cache files of the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths: Option<CacheDispatchPaths>,
    /// The compared epochs, on `run_binding_stale`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_files_epoch_debug: Option<CacheInputFilesEpochDebug>,
    /// The rebuild decision, when the analysis was rebuilt or reused on a miss or recovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis_rebuild: Option<AnalysisRebuildDecision>,
    /// The status of `files.json`, when it was not usable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files_index_status: Option<FilesIndexStatus>,
    /// The classified delta, when dispatch classified one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classified: Option<ClassifiedCacheFileDelta>,
    /// The remote cache's part, when one is configured (cachecore's addition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<CacheRemoteInfo>,
}

impl CacheDispatchInfo {
    /// An info with the given status and reason and no optional part.
    pub fn new(status: CacheDispatchStatus, reason: CacheDispatchReason) -> Self {
        Self {
            status,
            reason,
            warnings: Vec::new(),
            delta: None,
            paths: None,
            input_files_epoch_debug: None,
            analysis_rebuild: None,
            files_index_status: None,
            classified: None,
            remote: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        for (status, literal) in CacheDispatchStatus::ALL
            .iter()
            .zip(["hit", "miss", "bypass", "disabled"])
        {
            assert_eq!(serde_json::to_value(status).unwrap(), literal);
        }
        let reasons = [
            "cache_hit",
            "no_cache",
            "cache_unavailable",
            "run_missing",
            "files_changed",
            "files_index_recovered",
            "run_binding_stale",
            "producer_succeeded",
            "run_invalid",
        ];
        assert_eq!(CacheDispatchReason::ALL.len(), reasons.len());
        for (reason, literal) in CacheDispatchReason::ALL.iter().zip(reasons) {
            assert_eq!(serde_json::to_value(reason).unwrap(), literal);
        }
    }

    #[test]
    fn json_shape_uses_the_typescript_names() {
        let mut info = CacheDispatchInfo::new(
            CacheDispatchStatus::Miss,
            CacheDispatchReason::RunBindingStale,
        );
        info.paths = Some(CacheDispatchPaths {
            meta: "/c/meta.json".to_owned(),
            files: "/c/p/files.json".to_owned(),
            analysis: "/c/p/analysis.json".to_owned(),
            project_dir: "/c/p".to_owned(),
        });
        info.input_files_epoch_debug = Some(CacheInputFilesEpochDebug {
            cached: None,
            current: "e".to_owned(),
        });
        info.files_index_status = Some(FilesIndexStatus::Empty);
        info.warnings.push(CacheWarning {
            code: "cache_oversize".to_owned(),
            message: "m".to_owned(),
            path: None,
        });
        assert_eq!(
            serde_json::to_value(&info).unwrap(),
            serde_json::json!({
                "status": "miss",
                "reason": "run_binding_stale",
                "warnings": [{"code": "cache_oversize", "message": "m"}],
                "paths": {"meta": "/c/meta.json", "files": "/c/p/files.json", "analysis": "/c/p/analysis.json", "projectDir": "/c/p"},
                "inputFilesEpochDebug": {"current": "e"},
                "filesIndexStatus": {"kind": "empty"},
            })
        );
    }
}
