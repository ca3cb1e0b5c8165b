//! What shapes the analysis besides the tracked files' content, and its record beside
//! `analysis.json`.
//!
//! The input files epoch binds `analysis.json` to the content of the tracked files; it says
//! nothing of the settings the host built it with: the source locale, the locales dir and
//! layout, the src root, the src walk rules (excludes, preset, the src pattern), the source
//! locale file, the record hash. A dispatch compares them on every run, hit included, so a
//! change of settings with no file changed is never served the other settings' analysis.
//!
//! The v1 files keep the TypeScript core's shape, so the record lives in a file of cachecore's
//! own, `analysis.json.inputs`: the inputs (canonical JSON) and the identity of the
//! `analysis.json` it describes (its `updatedAt` and epoch), written after
//! `analysis.json` under the project lock. A record that is missing, damaged, or describes
//! another `analysis.json` (written by the TypeScript core, by `saveProjectRunState`, or left
//! by a crash between the two writes) means the inputs are unknown: the dispatch then judges
//! the analysis by what the v1 files record, as the TypeScript core does (a usable
//! `files.json` whose locales layout equals this run's), so a cache either core wrote is read
//! by the other without a rebuild.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::analysis_file::AnalysisEnvelope;
use super::layout::CachedLocalesLayout;
use super::walk_specs::SrcWalkRules;

/// The record's format version.
const VERSION: u32 = 1;
/// The record's size cap (it holds settings, never data).
const CAP: u64 = 1 << 20;

/// The inputs that shape an analysis, as compared between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisInputs {
    /// The record hash (`sha256`, `blake3`, `fnv1a64`).
    pub hash: String,
    /// The src root, resolved.
    pub src_root: String,
    /// The src walk rules.
    pub src_rules: SrcWalkRules,
    /// The locales dir, resolved.
    pub locales_dir: String,
    /// The locales layout (mode, structure, directory, source).
    pub layout: CachedLocalesLayout,
    /// The source locale file the host reads, resolved (absent when not given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_locale_path: Option<String>,
}

impl AnalysisInputs {
    /// The canonical JSON text (fields in declaration order, lists in the host's order).
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).expect("inputs serialise")
    }
}

/// Which `analysis.json` a record describes: its `updatedAt` (a new one on every write, in
/// milliseconds) and input files epoch. A re-serialisation of the same envelope (the TypeScript
/// core's pretty layout) keeps them; any new write changes `updatedAt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisIdentity {
    /// The envelope's `updatedAt`.
    pub updated_at: Option<String>,
    /// The envelope's `inputFilesEpoch`.
    pub input_files_epoch: Option<String>,
}

impl AnalysisIdentity {
    /// The identity of a loaded envelope.
    pub fn of(envelope: &AnalysisEnvelope) -> Self {
        Self {
            updated_at: envelope.updated_at.clone(),
            input_files_epoch: envelope.input_files_epoch.clone(),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    version: u32,
    inputs: serde_json::Value,
    analysis: AnalysisIdentity,
    /// BLAKE3 of the data's text as written (lowercase hex).
    data_hash: String,
}

/// How the stored analysis's inputs compare with this run's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputsCheck {
    /// Recorded for this very `analysis.json`, and equal: the BLAKE3 digest its data's text
    /// must have.
    Same([u8; 32]),
    /// Recorded and different: the names of the inputs that differ.
    Changed(Vec<String>),
    /// Not recorded for this `analysis.json`.
    Unknown,
}

impl InputsCheck {
    /// Whether the stored analysis was built from these inputs.
    pub fn same(&self) -> bool {
        matches!(self, InputsCheck::Same(_))
    }

    /// A sentence for the warning that says why the analysis is not used.
    pub fn describe(&self) -> Option<String> {
        match self {
            InputsCheck::Same(_) => None,
            InputsCheck::Changed(fields) => Some(format!(
                "the stored analysis was built with other settings ({}); rebuilding",
                fields.join(", ")
            )),
            InputsCheck::Unknown => Some(
                "the stored analysis has no record of the settings it was built with \
                 (written by another tool or an older cachecore, or its record is damaged), \
                 and its files index does not vouch for this run's locales layout; rebuilding"
                    .to_owned(),
            ),
        }
    }
}

/// The record's path: `<analysis.json>.inputs`.
pub fn path_of(analysis_path: &Path) -> PathBuf {
    let mut s = analysis_path.as_os_str().to_owned();
    s.push(".inputs");
    PathBuf::from(s)
}

/// Compares the record beside `analysis_path` with `current`, for the loaded `envelope`.
pub fn check(
    io: &dyn super::io::CacheIo,
    analysis_path: &Path,
    envelope: &AnalysisEnvelope,
    current: &AnalysisInputs,
) -> InputsCheck {
    let identity = AnalysisIdentity::of(envelope);
    if identity.updated_at.is_none() {
        return InputsCheck::Unknown;
    }
    let Ok(Some(bytes)) = io.read_cache(&path_of(analysis_path), CAP) else {
        return InputsCheck::Unknown;
    };
    let Ok(record) = serde_json::from_slice::<Record>(&bytes) else {
        return InputsCheck::Unknown;
    };
    if record.version != VERSION || record.analysis != identity {
        return InputsCheck::Unknown;
    }
    let Some(digest) = crate::core::digest::Digest::from_hex(&record.data_hash)
        .and_then(|d| <[u8; 32]>::try_from(d.as_bytes()).ok())
    else {
        return InputsCheck::Unknown;
    };
    let now = serde_json::to_value(current).expect("inputs serialise");
    if record.inputs == now {
        return InputsCheck::Same(digest);
    }
    let mut fields: Vec<String> = Vec::new();
    match (record.inputs.as_object(), now.as_object()) {
        (Some(old), Some(new)) => {
            for (k, v) in new {
                if old.get(k) != Some(v) {
                    fields.push(k.clone());
                }
            }
            for k in old.keys() {
                if !new.contains_key(k) {
                    fields.push(k.clone());
                }
            }
        }
        _ => return InputsCheck::Unknown,
    }
    InputsCheck::Changed(fields)
}

/// Records `inputs` for the `analysis.json` just written at `analysis_path` with `updated_at`
/// and `epoch` (called under the project lock, right after that write). A failure removes any
/// older record, so the analysis reads as unknown rather than as another's.
pub fn record(
    io: &dyn super::io::CacheIo,
    analysis_path: &Path,
    inputs: &AnalysisInputs,
    updated_at: &str,
    epoch: &str,
    data: &str,
) {
    let path = path_of(analysis_path);
    let record = Record {
        version: VERSION,
        inputs: serde_json::to_value(inputs).expect("inputs serialise"),
        analysis: AnalysisIdentity {
            updated_at: Some(updated_at.to_owned()),
            input_files_epoch: Some(epoch.to_owned()),
        },
        data_hash: blake3::hash(data.as_bytes()).to_hex().to_string(),
    };
    let bytes = serde_json::to_vec(&record).expect("a record serialises");
    if io.write_cache(&path, &[&bytes]).is_some() {
        let _ = io.remove_file(&path);
    }
}
