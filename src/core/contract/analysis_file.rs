//! §6 `projects/<id>/analysis.json`: `{ version: 1, updatedAt, projectId, data, inputFilesEpoch }`.
//!
//! `data` is never built as a tree in Rust: it is JSON text ([`JsonData`]) handed to
//! JavaScript's `JSON.parse`, and a reuse writes the stored bytes back verbatim.
//!
//! cachecore writes the envelope compact and **envelope first**:
//! `{"version":1,"updatedAt":…,"projectId":…,"inputFilesEpoch":…,"data":…}`. JSON readers
//! (the TypeScript core's `JSON.parse`) do not care about key order, and a reader that does can
//! decide from the first bytes: [`load_analysis`] reads the head of the file, validates the
//! envelope, and leaves `data` on disk until a decision uses it (then [`JsonData`] reads that
//! range once and it is validated by whoever parses it). Files in the TypeScript core's order
//! (`data` before `inputFilesEpoch`, any spacing) take the full path: one read, one validating
//! parse.

use std::fs::File;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::cache_file::{self, CacheReadFailure};
use super::config::CACHE_SCHEMA_VERSION;
use super::dispatch_info::CacheWarning;
pub use super::json_data::JsonData;

/// How many bytes [`load_analysis`] reads to find the envelope before `data`.
const HEAD_BYTES: u64 = 64 * 1024;
/// How many bytes at the end of the file it reads to find the envelope's closing brace.
const TAIL_BYTES: u64 = 256;

/// A loaded, validated `analysis.json` envelope (its `data` possibly not read yet).
#[derive(Debug, Clone)]
pub struct AnalysisEnvelope {
    /// `updatedAt` as stored.
    pub updated_at: Option<String>,
    /// `projectId` as stored.
    pub project_id: Option<String>,
    /// The data, as the JSON text stored.
    pub data: JsonData,
    /// The input files epoch the data was produced from.
    pub input_files_epoch: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEnvelope<'a> {
    #[serde(default)]
    version: Option<serde_json::Value>,
    #[serde(default)]
    updated_at: Option<serde_json::Value>,
    #[serde(default)]
    project_id: Option<serde_json::Value>,
    #[serde(default, borrow, deserialize_with = "present_raw")]
    data: Option<&'a RawValue>,
    #[serde(default)]
    input_files_epoch: Option<serde_json::Value>,
}

/// `data: null` is present data (JavaScript's `'data' in o`), unlike a missing key.
fn present_raw<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&'de RawValue>::deserialize(d).map(Some)
}

fn envelope_invalid(m: &str, path: &Path) -> CacheReadFailure {
    CacheReadFailure::malformed(format!("cache analysis envelope invalid ({m})"), path)
}

/// The envelope fields other than `data`, checked as [`parse_analysis`] documents.
struct Fields {
    version: Option<serde_json::Value>,
    updated_at: Option<serde_json::Value>,
    project_id: Option<serde_json::Value>,
    input_files_epoch: Option<serde_json::Value>,
}

impl Fields {
    fn check(
        self,
        data: JsonData,
        path: &Path,
        project_id: &str,
    ) -> Result<AnalysisEnvelope, CacheReadFailure> {
        let invalid = |m: &str| envelope_invalid(m, path);
        if let Some(v) = &self.version {
            if v.as_u64() != Some(u64::from(CACHE_SCHEMA_VERSION)) {
                return Err(invalid(&format!("unsupported cache schema version: {v}")));
            }
        }
        let stored_id = match self.project_id {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s),
            Some(_) => return Err(invalid("invalid field type: projectId")),
        };
        if stored_id.as_deref().is_some_and(|id| id != project_id) {
            return Err(invalid("projectId belongs to another project"));
        }
        let input_files_epoch = match self.input_files_epoch {
            None => None,
            Some(serde_json::Value::String(s)) => Some(s),
            Some(_) => return Err(invalid("invalid field type: inputFilesEpoch")),
        };
        Ok(AnalysisEnvelope {
            updated_at: self.updated_at.and_then(|v| v.as_str().map(str::to_owned)),
            project_id: stored_id,
            data,
            input_files_epoch,
        })
    }
}

/// Parses a whole envelope (one validating pass, `data` included): `data` required, `version`
/// 1 when present, `projectId` equal to `project_id` when present, `inputFilesEpoch` a string
/// when present.
pub fn parse_analysis(
    bytes: &[u8],
    path: &Path,
    project_id: &str,
) -> Result<AnalysisEnvelope, CacheReadFailure> {
    let invalid = |m: &str| envelope_invalid(m, path);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| CacheReadFailure::malformed("invalid JSON: not UTF-8".into(), path))?;
    let not_json =
        |e: serde_json::Error| CacheReadFailure::malformed(format!("invalid JSON: {e}"), path);
    if !text.trim_start().starts_with('{') {
        // Garbage gets the JSON message, JSON of another shape the envelope's.
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(not_json)?;
        return Err(invalid("root is not an object"));
    }
    let env: RawEnvelope<'_> = serde_json::from_str(text).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => invalid(&e.to_string()),
            Category::Io | Category::Syntax | Category::Eof => not_json(e),
        }
    })?;
    let Some(data) = env.data else {
        return Err(invalid("missing required field: data"));
    };
    let data = JsonData::trusted(data.get());
    Fields {
        version: env.version,
        updated_at: env.updated_at,
        project_id: env.project_id,
        input_files_epoch: env.input_files_epoch,
    }
    .check(data, path, project_id)
}

/// The envelope fields found before `"data":` in cachecore's layout, and where `data` starts.
/// `None` when the head is not in that layout (no `inputFilesEpoch` before `data`, a repeated
/// key, anything unexpected): the caller then parses the whole file.
fn parse_head(head: &str) -> Option<(Fields, usize)> {
    let bytes = head.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    };
    let value_at = |i: usize| -> Option<(serde_json::Value, usize)> {
        let mut it =
            serde_json::Deserializer::from_str(&head[i..]).into_iter::<serde_json::Value>();
        let v = it.next()?.ok()?;
        Some((v, i + it.byte_offset()))
    };
    let mut fields = Fields {
        version: None,
        updated_at: None,
        project_id: None,
        input_files_epoch: None,
    };
    let mut i = skip_ws(0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_ws(i);
        let (key, next) = value_at(i)?;
        let serde_json::Value::String(key) = key else {
            return None;
        };
        i = skip_ws(next);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(i + 1);
        let slot = match key.as_str() {
            "data" => {
                return fields.input_files_epoch.is_some().then_some((fields, i));
            }
            "version" => &mut fields.version,
            "updatedAt" => &mut fields.updated_at,
            "projectId" => &mut fields.project_id,
            "inputFilesEpoch" => &mut fields.input_files_epoch,
            _ => return None,
        };
        if slot.is_some() {
            return None;
        }
        let (value, next) = value_at(i)?;
        *slot = Some(value);
        i = skip_ws(next);
        if bytes.get(i) != Some(&b',') {
            return None;
        }
        i += 1;
    }
}

/// Where `data` lies in a file of `len` bytes in cachecore's layout, from its first bytes
/// (`head`) and its last ones (`tail`, which ends the file): the envelope's fields and the data's
/// byte range. `None` when the file is in another layout (or too small to tell).
fn locate(head: &[u8], tail: &[u8], len: u64) -> Option<(Fields, u64, u64)> {
    // A multi-byte character cut at the end of the head is fine: the envelope is before it.
    let head_text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
    };
    let (fields, data_start) = parse_head(head_text)?;
    // The data runs to the closing brace of the envelope, the file's last non-space byte.
    let close = tail
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .filter(|&p| tail[p] == b'}')?;
    let end = len - tail.len() as u64 + close as u64;
    let start = data_start as u64;
    (end > start).then_some((fields, start, end))
}

/// The envelope of an opened file in cachecore's layout, its data left on disk; `None` when the
/// file is in another layout (or too small to tell).
fn load_head(
    file: &File,
    len: u64,
    path: &Path,
    project_id: &str,
) -> Result<Option<AnalysisEnvelope>, CacheReadFailure> {
    let io_error = |e| CacheReadFailure::io(e, path);
    let mut head = vec![0u8; len.min(HEAD_BYTES) as usize];
    let n = cache_file::read_full_at(file, &mut head, 0).map_err(io_error)?;
    head.truncate(n);
    let tail_len = len.min(TAIL_BYTES);
    let mut tail = vec![0u8; tail_len as usize];
    let n = cache_file::read_full_at(file, &mut tail, len - tail_len).map_err(io_error)?;
    tail.truncate(n);
    // A tail cut short (the file shrank) still ends at `len - tail_len + n`.
    let Some((fields, start, end)) = locate(&head, &tail, len - tail_len + n as u64) else {
        return Ok(None);
    };
    let file = file.try_clone().map_err(io_error)?;
    let data = JsonData::pending(file, start, end - start, path);
    fields.check(data, path, project_id).map(Some)
}

/// What [`load_analysis`] does with a file in cachecore's layout, on bytes in memory (for the
/// fuzzers and tests): the envelope checked, the data not validated yet. `Ok(None)` when the
/// bytes are in another layout ([`parse_analysis`] then applies).
pub fn parse_analysis_layout(
    bytes: &[u8],
    path: &Path,
    project_id: &str,
) -> Result<Option<AnalysisEnvelope>, CacheReadFailure> {
    let len = bytes.len() as u64;
    let head = &bytes[..len.min(HEAD_BYTES) as usize];
    let tail = &bytes[(len - len.min(TAIL_BYTES)) as usize..];
    let Some((fields, start, end)) = locate(head, tail, len) else {
        return Ok(None);
    };
    let data = std::str::from_utf8(&bytes[start as usize..end as usize])
        .map_err(|_| CacheReadFailure::malformed("invalid JSON: not UTF-8".into(), path))?;
    fields
        .check(JsonData::unchecked(data), path, project_id)
        .map(Some)
}

/// Loads `analysis.json` with its cap. `Ok(None)` when missing; failures carry a warning. In
/// cachecore's layout only the envelope is read now (see the module doc).
pub fn load_analysis(
    root: &Path,
    path: &Path,
    cap: u64,
    project_id: &str,
) -> Result<Option<AnalysisEnvelope>, CacheReadFailure> {
    let Some((file, len)) = cache_file::open_cache_file(root, path, cap)? else {
        return Ok(None);
    };
    if let Some(env) = load_head(&file, len, path, project_id)? {
        return Ok(Some(env));
    }
    let bytes = cache_file::read_opened(file, len, path, cap)?;
    parse_analysis(&bytes, path, project_id).map(Some)
}

/// The envelope around `data`, in three parts to write in a row: the head (everything before
/// the data's text), the data's text, and the closing brace.
pub fn analysis_parts<'a>(
    updated_at: &str,
    project_id: &str,
    data: &'a str,
    input_files_epoch: Option<&str>,
) -> [std::borrow::Cow<'a, [u8]>; 3] {
    use std::fmt::Write;
    let quoted = |s: &str| serde_json::to_string(s).expect("a string serialises");
    let mut head = String::with_capacity(160);
    let _ = write!(
        head,
        "{{\"version\":{CACHE_SCHEMA_VERSION},\"updatedAt\":{},\"projectId\":{},",
        quoted(updated_at),
        quoted(project_id)
    );
    if let Some(e) = input_files_epoch {
        let _ = write!(head, "\"inputFilesEpoch\":{},", quoted(e));
    }
    head.push_str("\"data\":");
    [
        head.into_bytes().into(),
        data.as_bytes().into(),
        (&b"}"[..]).into(),
    ]
}

/// The compact bytes of an envelope, envelope first; `data`'s text is spliced in unchanged.
pub fn analysis_bytes(
    updated_at: &str,
    project_id: &str,
    data: &str,
    input_files_epoch: Option<&str>,
) -> Vec<u8> {
    analysis_parts(updated_at, project_id, data, input_files_epoch).concat()
}

/// Writes `analysis.json` (under the cache `root`) atomically, never concatenating the data in
/// memory, and never over `cap` (the cap its readers use); a failure is a warning.
pub fn save_analysis(
    io: &dyn super::io::CacheIo,
    path: &Path,
    cap: u64,
    project_id: &str,
    data: &str,
    input_files_epoch: &str,
) -> Option<CacheWarning> {
    save_analysis_at(
        io,
        path,
        cap,
        project_id,
        data,
        input_files_epoch,
        &super::iso_time::now_iso(),
    )
}

/// [`save_analysis`] with the `updatedAt` to write.
pub fn save_analysis_at(
    io: &dyn super::io::CacheIo,
    path: &Path,
    cap: u64,
    project_id: &str,
    data: &str,
    input_files_epoch: &str,
    now: &str,
) -> Option<CacheWarning> {
    let parts = analysis_parts(now, project_id, data, Some(input_files_epoch));
    let slices: Vec<&[u8]> = parts.iter().map(|p| p.as_ref()).collect();
    io.write_cache_capped(path, &slices, cap, "caps.analysis")
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
        let out = analysis_bytes("u", "abc", env.data.get(), Some("e"));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"version\":1,\"updatedAt\":\"u\",\"projectId\":\"abc\",\"inputFilesEpoch\":\"e\",\"data\":{\n    \"k\": [1, 2.50]\n  }}"
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

#[cfg(test)]
mod head_tests {
    use super::*;

    fn load(dir: &Path, text: &str) -> Result<Option<AnalysisEnvelope>, CacheReadFailure> {
        let path = dir.join("analysis.json");
        std::fs::write(&path, text).unwrap();
        load_analysis(dir, &path, u64::MAX, "abc")
    }

    /// Loads and validates the data too, as a decision that uses it does.
    fn usable(dir: &Path, text: &str) -> bool {
        match load(dir, text) {
            Ok(Some(env)) => env.data.validate().is_ok(),
            _ => false,
        }
    }

    #[test]
    fn our_layout_leaves_the_data_on_disk_until_used() {
        let dir = tempfile::tempdir().unwrap();
        let text =
            String::from_utf8(analysis_bytes("t", "abc", "{\"a\":[1,\"é\"]}", Some("e"))).unwrap();
        let env = load(dir.path(), &format!("{text}\n")).unwrap().unwrap();
        assert_eq!(env.input_files_epoch.as_deref(), Some("e"));
        assert_eq!(env.updated_at.as_deref(), Some("t"));
        assert!(
            !env.data.is_loaded(),
            "the head path reads only the envelope"
        );
        assert_eq!(env.data.get(), "{\"a\":[1,\"é\"]}");
        assert!(!env.data.is_valid());
        env.data.validate().unwrap();
    }

    #[test]
    fn the_typescript_layout_is_read_whole_and_validated() {
        let dir = tempfile::tempdir().unwrap();
        let pretty = "{\n  \"version\": 1,\n  \"updatedAt\": \"t\",\n  \"projectId\": \"abc\",\n  \"data\": {\n    \"k\": 1\n  },\n  \"inputFilesEpoch\": \"e\"\n}";
        let env = load(dir.path(), pretty).unwrap().unwrap();
        assert!(env.data.is_loaded() && env.data.is_valid());
        assert_eq!(env.data.get(), "{\n    \"k\": 1\n  }");
        assert_eq!(env.input_files_epoch.as_deref(), Some("e"));
    }

    #[test]
    fn envelope_errors_on_the_head_path() {
        let dir = tempfile::tempdir().unwrap();
        for (text, needle) in [
            (
                "{\"version\":2,\"inputFilesEpoch\":\"e\",\"data\":1}",
                "version: 2",
            ),
            (
                "{\"projectId\":\"x\",\"inputFilesEpoch\":\"e\",\"data\":1}",
                "another project",
            ),
            (
                "{\"projectId\":7,\"inputFilesEpoch\":\"e\",\"data\":1}",
                "projectId",
            ),
            ("{\"inputFilesEpoch\":5,\"data\":1}", "inputFilesEpoch"),
        ] {
            let e = load(dir.path(), text).unwrap_err();
            assert_eq!(e.warning.code, "cache_malformed", "{text}");
            assert!(
                e.warning.message.contains(needle),
                "{text}: {}",
                e.warning.message
            );
        }
    }

    #[test]
    fn every_truncation_and_trailing_key_is_never_usable() {
        let dir = tempfile::tempdir().unwrap();
        let text = String::from_utf8(analysis_bytes(
            "t",
            "abc",
            "{\"a\":[1,2,{\"b\":\"}\"}],\"c\":{}}",
            Some("e"),
        ))
        .unwrap();
        assert!(usable(dir.path(), &text));
        for n in 0..text.len() {
            assert!(
                !usable(dir.path(), &text[..n]),
                "prefix {n}: {}",
                &text[..n]
            );
        }
        // A key after the data (a crafted or hand-edited file) makes the data text invalid.
        let trailing = format!("{},\"inputFilesEpoch\":\"f\"}}", &text[..text.len() - 1]);
        assert!(!usable(dir.path(), &trailing));
    }
}
