//! §6 `projects/<id>/analysis.json`: `{ version: 1, updatedAt, projectId, data, inputFilesEpoch }`.
//!
//! `data` is never built as a typed tree: it stays raw JSON text ([`RawValue`]) so a binding
//! can hand it to JavaScript's `JSON.parse`, and a reuse writes the stored bytes back verbatim.
//! cachecore writes the envelope compact (no indentation); readers accept any spacing.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::cache_file::{self, CacheReadFailure};
use super::config::CACHE_SCHEMA_VERSION;
use super::dispatch_info::CacheWarning;

/// Raw JSON text of an analysis, shared without copying.
pub type RawData = Arc<RawValue>;

/// A loaded, validated `analysis.json` envelope.
#[derive(Debug, Clone)]
pub struct AnalysisEnvelope {
    /// `updatedAt` as stored.
    pub updated_at: Option<String>,
    /// `projectId` as stored.
    pub project_id: Option<String>,
    /// The data, as the raw JSON text stored.
    pub data: RawData,
    /// The input files epoch the data was produced from.
    pub input_files_epoch: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEnvelope {
    #[serde(default)]
    version: Option<serde_json::Value>,
    #[serde(default)]
    updated_at: Option<serde_json::Value>,
    #[serde(default)]
    project_id: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "present_raw")]
    data: Option<Box<RawValue>>,
    #[serde(default)]
    input_files_epoch: Option<serde_json::Value>,
}

/// `data: null` is present data (JavaScript's `'data' in o`), unlike a missing key.
fn present_raw<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(d).map(Some)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeOut<'a> {
    version: u32,
    updated_at: &'a str,
    project_id: &'a str,
    data: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_files_epoch: Option<&'a str>,
}

/// Parses an envelope: `data` required, `version` 1 when present, `projectId` equal to
/// `project_id` when present, `inputFilesEpoch` a string when present.
pub fn parse_analysis(
    bytes: &[u8],
    path: &Path,
    project_id: &str,
) -> Result<AnalysisEnvelope, CacheReadFailure> {
    let invalid = |m: &str| {
        CacheReadFailure::malformed(format!("cache analysis envelope invalid ({m})"), path)
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|_| CacheReadFailure::malformed("invalid JSON: not UTF-8".into(), path))?;
    // Validate it is JSON at all first, so garbage gets the JSON message.
    let raw: Box<RawValue> = serde_json::from_str(text)
        .map_err(|e| CacheReadFailure::malformed(format!("invalid JSON: {e}"), path))?;
    if !raw.get().trim_start().starts_with('{') {
        return Err(invalid("root is not an object"));
    }
    let env: RawEnvelope = serde_json::from_str(raw.get()).map_err(|e| invalid(&e.to_string()))?;
    let Some(data) = env.data else {
        return Err(invalid("missing required field: data"));
    };
    if let Some(v) = &env.version {
        if v.as_u64() != Some(u64::from(CACHE_SCHEMA_VERSION)) {
            return Err(invalid(&format!("unsupported cache schema version: {v}")));
        }
    }
    let stored_id = match env.project_id {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => return Err(invalid("invalid field type: projectId")),
    };
    if stored_id.as_deref().is_some_and(|id| id != project_id) {
        return Err(invalid("projectId belongs to another project"));
    }
    let input_files_epoch = match env.input_files_epoch {
        None => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => return Err(invalid("invalid field type: inputFilesEpoch")),
    };
    Ok(AnalysisEnvelope {
        updated_at: env.updated_at.and_then(|v| v.as_str().map(str::to_owned)),
        project_id: stored_id,
        data: Arc::from(data),
        input_files_epoch,
    })
}

/// Loads `analysis.json` with its cap. `Ok(None)` when missing; failures carry a warning.
pub fn load_analysis(
    path: &Path,
    cap: u64,
    project_id: &str,
) -> Result<Option<AnalysisEnvelope>, CacheReadFailure> {
    match cache_file::read_cache_file(path, cap)? {
        None => Ok(None),
        Some(bytes) => parse_analysis(&bytes, path, project_id).map(Some),
    }
}

/// The compact bytes of an envelope; `data`'s raw text is spliced in unchanged.
pub fn analysis_bytes(
    updated_at: &str,
    project_id: &str,
    data: &RawValue,
    input_files_epoch: Option<&str>,
) -> Vec<u8> {
    serde_json::to_vec(&EnvelopeOut {
        version: CACHE_SCHEMA_VERSION,
        updated_at,
        project_id,
        data,
        input_files_epoch,
    })
    .expect("an envelope serialises")
}

/// Writes `analysis.json` atomically; a failure is a warning.
pub fn save_analysis(
    path: &Path,
    project_id: &str,
    data: &RawValue,
    input_files_epoch: &str,
) -> Option<CacheWarning> {
    let now = super::iso_time::now_iso();
    cache_file::write_cache_file(
        path,
        &analysis_bytes(&now, project_id, data, Some(input_files_epoch)),
    )
}

/// Raw JSON text from a string (validated), for callers and tests.
pub fn raw_data(json: &str) -> Result<RawData, serde_json::Error> {
    RawValue::from_string(json.to_owned()).map(Arc::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_round_trip_splices_data() {
        let p = Path::new("/c/analysis.json");
        let stored = "{\n  \"version\": 1,\n  \"updatedAt\": \"t\",\n  \"projectId\": \"abc\",\n  \"data\": {\n    \"k\": [1, 2.50]\n  },\n  \"inputFilesEpoch\": \"e\"\n}";
        let env = parse_analysis(stored.as_bytes(), p, "abc").unwrap();
        assert_eq!(env.data.get(), "{\n    \"k\": [1, 2.50]\n  }");
        assert_eq!(env.input_files_epoch.as_deref(), Some("e"));
        let out = analysis_bytes("u", "abc", &env.data, Some("e"));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"version\":1,\"updatedAt\":\"u\",\"projectId\":\"abc\",\"data\":{\n    \"k\": [1, 2.50]\n  },\"inputFilesEpoch\":\"e\"}"
        );
    }

    #[test]
    fn invalid_envelopes() {
        let p = Path::new("/c/analysis.json");
        for (text, needle) in [
            ("", "invalid JSON"),
            ("{\"version\":1", "invalid JSON"),
            ("[1]", "root is not an object"),
            ("{\"version\":1}", "missing required field: data"),
            (
                "{\"version\":2,\"data\":1}",
                "unsupported cache schema version: 2",
            ),
            ("{\"projectId\":\"other\",\"data\":1}", "another project"),
            ("{\"data\":1,\"inputFilesEpoch\":5}", "inputFilesEpoch"),
        ] {
            let e = parse_analysis(text.as_bytes(), p, "abc").unwrap_err();
            assert_eq!(e.warning.code, "cache_malformed", "{text}");
            assert!(
                e.warning.message.contains(needle),
                "{text}: {}",
                e.warning.message
            );
        }
        let env = parse_analysis(b"{\"data\":null}", p, "abc").unwrap();
        assert_eq!(env.data.get(), "null");
    }
}

#[cfg(test)]
mod truncation_tests {
    use super::*;

    #[test]
    fn every_truncation_is_malformed() {
        let text = "{\"version\":1,\"updatedAt\":\"t\",\"projectId\":\"abc\",\"data\":{\"a\":[1,2,{\"b\":null}]},\"inputFilesEpoch\":\"e\"}";
        assert!(parse_analysis(text.as_bytes(), Path::new("a"), "abc").is_ok());
        for n in 0..text.len() {
            let e = parse_analysis(&text.as_bytes()[..n], Path::new("a"), "abc").unwrap_err();
            assert_eq!(e.warning.code, "cache_malformed", "prefix {n}");
        }
    }
}
