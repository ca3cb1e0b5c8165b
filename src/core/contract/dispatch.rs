//! §5 dispatch: check, produce, persist — as a two-phase API.
//!
//! 1. [`begin`] runs steps 1–6 (disabled check, `meta.json` maintenance, `files.json` load,
//!    fingerprint of src and locale segments, baseline and delta, input files epoch), consults
//!    the per-process memory and loads `analysis.json`'s envelope (its `data` stays on disk).
//! 2. When the decision will use the stored data ([`DispatchBegin::previous_needed`]) the host
//!    reads and parses it once (the binding: V8's `JSON.parse`, which also validates it; a
//!    parse failure is [`DispatchBegin::reject_previous`], a malformed cache), validates
//!    [`DispatchBegin::previous_data`] (its `parseCachedData`) and calls
//!    [`DispatchBegin::decide`] with the result: steps 7–9 give a [`DispatchPlan`] that either
//!    serves cached data, reuses it without the producer, or asks for the producer with a
//!    [`ProducerContext`].
//! 3. [`commit`] persists (under the project lock, atomically; nothing in `readOnly` mode) and
//!    returns `{ data, cache }`. [`dispatch`] is the synchronous one-shot form.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::analysis_file::{self, AnalysisEnvelope, JsonData};
use super::analysis_inputs::{self, AnalysisInputs, InputsCheck};
use super::cache_file::{
    self, CACHE_DIR_UNAVAILABLE, CACHE_INPUTS_CHANGED, CACHE_IO_ERROR, CACHE_LOCK_TIMEOUT,
    CACHE_READ_ONLY, CACHE_UNKNOWN_FILES,
};
use super::classify::{
    classify_cache_file_delta, ClassifiedCacheFileDelta, ClassifyCacheFileDeltaInput,
};
use super::config::{
    CacheMode, CacheRebuildConfig, DEFAULT_EFFECTIVE_ANALYSIS_CAP, DEFAULT_EFFECTIVE_FILES_CAP,
    MAX_META_BYTES, MAX_TRANSLATIONS_BYTES,
};
use super::decide::{
    decide_analysis_rebuild, AnalysisRebuildDecision, AnalysisRebuildReason,
    AnalysisRebuildStrategy,
};
use super::delta::{diff_project_files, CacheFileDelta, FilesIndexStatus};
use super::dispatch_info::{
    CacheDispatchInfo, CacheDispatchPaths, CacheDispatchReason, CacheDispatchStatus,
    CacheInputFilesEpochDebug, CacheRemoteInfo, CacheRemoteSource, CacheWarning,
};
use super::files_index::{self, FilesIndex};
use super::files_shadow::{self, FilesShadow};
use super::hashing::{compute_input_files_epoch, input_files_epoch_text, TextHash};
use super::io::{CacheIo, EntryKind, NativeIo, ScanJob, ScanTree, Scanned};
use super::iso_time::now_iso;
use super::json_data::DataError;
use super::layout::{layout_matches, CachedLocalesLayout, LocalesLayoutMode};
use super::lock::{self, DEFAULT_LOCK_TIMEOUT};
use super::memory::{self, MemoryRecord};
use super::meta_file;
use super::records::FileRecordMap;
use super::store_paths::CacheLocation;
use super::tracked::{LOCALE_HINT_PREFIX, SRC_HINT_PREFIX};
use super::walk_specs::{self, SrcWalkRules};
use crate::core::control::Control;
use crate::core::error::{CoreError, CoreResult};
use crate::core::filter::Filter;
use crate::core::hints::Hint;
use crate::core::remote::{flow as remote_flow, RemoteConfig};

/// Warning code: the src root does not exist (it is tracked as an empty tree).
pub const SRC_ROOT_MISSING: &str = "src_root_missing";
/// Warning code: the locales dir does not exist (it is tracked as an empty tree).
pub const LOCALES_DIR_MISSING: &str = "locales_dir_missing";

/// Effective size caps of the cache files, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheCaps {
    /// `meta.json` (default 2 MiB).
    pub meta: u64,
    /// `files.json` (default 256 MiB, cachecore's effective default).
    pub files: u64,
    /// `analysis.json` (default 256 MiB, cachecore's effective default).
    pub analysis: u64,
    /// `translations/<code>.json` (default 32 MiB).
    pub translations: u64,
}

impl Default for CacheCaps {
    fn default() -> Self {
        Self {
            meta: MAX_META_BYTES,
            files: DEFAULT_EFFECTIVE_FILES_CAP,
            analysis: DEFAULT_EFFECTIVE_ANALYSIS_CAP,
            translations: MAX_TRANSLATIONS_BYTES,
        }
    }
}

/// The locales the dispatch tracks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalesInput {
    /// The locales directory (absolute or relative to the working directory).
    pub dir: PathBuf,
    /// The configured layout (stored in `files.json`).
    pub layout: CachedLocalesLayout,
    /// The source segment keys; when absent, `<source>.json` for `flat_file` and every
    /// segment under `<source>/` for `locale_directory`.
    pub source_segment_keys: Option<Vec<String>>,
}

/// Everything one dispatch needs.
#[derive(Debug, Clone)]
pub struct DispatchInput {
    /// Whether the cache is on.
    pub enabled: bool,
    /// When off: whether the host's no-cache flag turned it off (`bypass`) rather than config
    /// (`disabled`).
    pub bypass: bool,
    /// `readWrite` or `readOnly`.
    pub mode: CacheMode,
    /// The rebuild config.
    pub rebuild: CacheRebuildConfig,
    /// The cache paths.
    pub location: CacheLocation,
    /// The text hash of records, epochs and ids.
    pub hash: TextHash,
    /// The src root.
    pub src_root: PathBuf,
    /// The src walk rules.
    pub src_rules: SrcWalkRules,
    /// The locales.
    pub locales: LocalesInput,
    /// A baseline the host gives instead of the stored index.
    pub baseline_files: Option<FileRecordMap>,
    /// Size caps.
    pub caps: CacheCaps,
    /// How long a writer waits for a lock.
    pub lock_timeout: Duration,
    /// Take the src and locale records from a live, settled watcher of this process that
    /// covers both trees, when its options allow (default true); else walk.
    pub use_watcher: bool,
    /// The source locale file the host reads (an input of the analysis; `None` when the host
    /// gives none).
    pub source_locale_path: Option<PathBuf>,
    /// The shared cache across machines (off by default; see `crate::core::remote`).
    pub remote: RemoteConfig,
}

impl DispatchInput {
    /// An enabled, read-write, balanced dispatch with sha256 records (as the i18nprune CLI).
    pub fn new(location: CacheLocation, src_root: PathBuf, locales: LocalesInput) -> Self {
        Self {
            enabled: true,
            bypass: false,
            mode: CacheMode::ReadWrite,
            rebuild: CacheRebuildConfig::default(),
            location,
            hash: TextHash::Sha256,
            src_root,
            src_rules: SrcWalkRules::default(),
            locales,
            baseline_files: None,
            caps: CacheCaps::default(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            use_watcher: true,
            source_locale_path: None,
            remote: RemoteConfig::Off,
        }
    }

    /// Everything besides the tracked files' content that shapes the analysis (compared on
    /// every dispatch, hit included, and recorded beside `analysis.json`).
    pub fn analysis_inputs(&self) -> AnalysisInputs {
        let resolved = |p: &std::path::Path| {
            super::paths::to_posix_path(&super::store_paths::resolve_path(p).display().to_string())
                .into_owned()
        };
        AnalysisInputs {
            hash: self.hash.as_str().to_owned(),
            src_root: resolved(&self.src_root),
            src_rules: self.src_rules.clone(),
            locales_dir: resolved(&self.locales.dir),
            layout: self.locales.layout.clone(),
            source_locale_path: self.source_locale_path.as_deref().map(resolved),
        }
    }

    fn paths(&self) -> CacheDispatchPaths {
        let l = &self.location;
        CacheDispatchPaths {
            meta: l.meta_path.display().to_string(),
            files: l.files_path.display().to_string(),
            analysis: l.analysis_path.display().to_string(),
            project_dir: l.project_dir.display().to_string(),
        }
    }

    /// The per-process memory key: the project dir and every analysis input.
    fn memory_key(&self) -> String {
        format!(
            "{}\0{}",
            self.location.project_dir.display(),
            self.analysis_inputs().canonical()
        )
    }
}

/// The producer's context: `{ delta, classified, previous?, trackedSrcCount, rebuildConfig, analysisRebuild }`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerContext {
    /// The delta against the baseline.
    pub delta: CacheFileDelta,
    /// The classified delta.
    pub classified: ClassifiedCacheFileDelta,
    /// The previous data (JSON text), when usable as a base. Not serialised: the binding hands
    /// it to JavaScript on its own (`JSON.parse` of the stored text, once).
    #[serde(skip)]
    pub previous: Option<JsonData>,
    /// The tracked src file count.
    pub tracked_src_count: u64,
    /// The rebuild config.
    pub rebuild_config: CacheRebuildConfig,
    /// The rebuild decision.
    pub analysis_rebuild: AnalysisRebuildDecision,
}

/// Counters of the fingerprint step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Tracked files whose content was read.
    pub hashed: u64,
    /// Tracked files whose stored hash was reused without reading.
    pub reused: u64,
    /// Content bytes read.
    pub bytes_read: u64,
    /// Whether the records came from a live watcher's index (no walk, nothing stat'ed or read).
    pub from_watcher: bool,
    /// Whether the binary shadow of `files.json` stood for it: every stored record was found
    /// again with its whole stat tuple vouched for, and no JSON was parsed.
    pub from_shadow: bool,
}

/// Where [`begin`] spent its time (for hosts that explain a slow run, and the benchmark).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhaseTimes {
    /// `meta.json` maintenance, `files.json` and hints, walking, stat'ing and hashing.
    pub scan: Duration,
    /// Reading and checking `analysis.json`'s envelope (its data excluded when it stays on
    /// disk).
    pub envelope: Duration,
}

/// The state after [`begin`].
#[derive(Debug)]
pub struct DispatchBegin {
    input: DispatchInput,
    info: CacheDispatchInfo,
    memory: Option<JsonData>,
    status: FilesIndexStatus,
    previous_layout: Option<CachedLocalesLayout>,
    current_src: FileRecordMap,
    current_locales: FileRecordMap,
    baseline: FileRecordMap,
    epoch: String,
    baseline_epoch: String,
    previous: Option<AnalysisEnvelope>,
    /// How the stored analysis's inputs compare with this run's.
    inputs_check: InputsCheck,
    /// Tracked paths whose content could not be read (kept with their stored records).
    unknown: Vec<String>,
    stored_files_bytes: Option<Vec<u8>>,
    /// The shadow that stood for the stored index on the fast path: the current records, the
    /// baseline and the hints are then the stored ones, built from `files.json` only if the
    /// decision needs them ([`DispatchBegin::materialize`]).
    elided: Option<FilesShadow>,
    /// A current shadow (of these `files.json` bytes) was found beside the stored index.
    shadow_current: bool,
    hints: Vec<(String, Hint)>,
    stats: ScanStats,
    times: PhaseTimes,
    corrupt_files: bool,
    corrupt_analysis: bool,
}

/// What the host does next.
#[derive(Debug, Clone)]
pub enum DispatchAction {
    /// Serve this data (a hit; `commit` may still rewrite `files.json` on a recovery).
    UseCached(JsonData),
    /// Reuse the previous data without the producer (`target_locale_only`); `commit` persists.
    Reuse(JsonData),
    /// Call the producer (with a context unless the cache is off), then `commit` its data.
    Produce(Option<Box<ProducerContext>>),
}

/// The decision of a dispatch, ready for [`commit`].
#[derive(Debug)]
pub struct DispatchPlan {
    /// The `cache` info so far (commit adds write warnings).
    pub cache: CacheDispatchInfo,
    /// What to do.
    pub action: DispatchAction,
    /// Whether this is a same-process memory hit (`memory hit (same_run)`).
    pub memory_hit: bool,
    /// Whether the current records came from a live watcher's index instead of a walk.
    pub from_watcher: bool,
    persist: Persist,
    begin: Option<Box<DispatchBegin>>,
}

impl DispatchPlan {
    /// The cache root of its dispatch (empty when there is nothing to persist), where
    /// [`commit`]'s disk IO is rooted.
    pub fn cache_root(&self) -> PathBuf {
        self.begin
            .as_ref()
            .map(|b| b.input.location.root_dir.clone())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persist {
    Nothing,
    HintsOnly,
    FilesOnly,
    Both,
}

/// The result of a dispatch: `{ data, cache }`.
#[derive(Debug, Clone)]
pub struct DispatchOutcome {
    /// The data (raw JSON).
    pub data: JsonData,
    /// The cache info (`CacheDispatchInfo`).
    pub cache: CacheDispatchInfo,
    /// Whether the data came from the per-process memory.
    pub memory_hit: bool,
    /// Whether the current records came from a live watcher's index instead of a walk.
    pub from_watcher: bool,
}

fn source_segment_keys(locales: &LocalesInput, keys: &[&str]) -> (String, Vec<String>) {
    let source = &locales.layout.source;
    let all: Vec<String> = match (&locales.source_segment_keys, locales.layout.mode) {
        (Some(given), _) => given.clone(),
        (None, LocalesLayoutMode::FlatFile) => vec![format!("{source}.json")],
        (None, LocalesLayoutMode::LocaleDirectory) => {
            let prefix = format!("{source}/");
            let mut v: Vec<String> = keys
                .iter()
                .filter(|k| k.starts_with(&prefix))
                .map(|k| k.to_string())
                .collect();
            v.sort();
            v.dedup();
            v
        }
    };
    let primary = all
        .first()
        .cloned()
        .unwrap_or_else(|| format!("{source}.json"));
    (primary, all)
}

/// Steps 1–6 of §5 (see the module doc) on the disk. Fails only on a bad option (a bad exclude
/// regex).
pub fn begin(input: DispatchInput) -> CoreResult<DispatchBegin> {
    begin_with(&NativeIo::new(&input.location.root_dir), input)
}

/// [`begin`] through `io` (the disk, or a host's ports).
pub fn begin_with(io: &dyn CacheIo, input: DispatchInput) -> CoreResult<DispatchBegin> {
    begin_with_control(io, input, &Control::default())
}

/// [`begin_with`] with cancellation and progress: the walks and the hashing check `ctl` between
/// directories and files (an abort is [`CoreError::Aborted`], nothing written) and report what
/// they found, must read and have read.
pub fn begin_with_control(
    io: &dyn CacheIo,
    input: DispatchInput,
    ctl: &Control,
) -> CoreResult<DispatchBegin> {
    let started = std::time::Instant::now();
    let mut info =
        CacheDispatchInfo::new(CacheDispatchStatus::Miss, CacheDispatchReason::RunMissing);
    info.paths = Some(input.paths());
    let mut state = DispatchBegin {
        info,
        memory: None,
        status: FilesIndexStatus::Missing,
        previous_layout: None,
        current_src: FileRecordMap::new(),
        current_locales: FileRecordMap::new(),
        baseline: FileRecordMap::new(),
        epoch: String::new(),
        baseline_epoch: String::new(),
        previous: None,
        inputs_check: InputsCheck::Unknown,
        unknown: Vec::new(),
        stored_files_bytes: None,
        elided: None,
        shadow_current: false,
        hints: Vec::new(),
        stats: ScanStats::default(),
        times: PhaseTimes::default(),
        corrupt_files: false,
        corrupt_analysis: false,
        input,
    };
    // Step 1: disabled.
    if !state.input.enabled {
        return Ok(state);
    }
    // Aborted before it started: nothing is touched, not even meta.json.
    ctl.check()?;
    let input = &state.input;
    let loc = &input.location;
    let read_only = input.mode == CacheMode::ReadOnly;
    // The trees: a path with a NUL or a tree that is not a directory is a bad option (the
    // host's own walk would throw on it); a missing tree is empty, as the host's own walk has
    // it (i18nprune lists nothing under a missing root), and said so in a warning.
    for (dir, option, code) in [
        (&input.src_root, "srcRoot", SRC_ROOT_MISSING),
        (&input.locales.dir, "localesDir", LOCALES_DIR_MISSING),
    ] {
        if dir.as_os_str().as_encoded_bytes().contains(&0) {
            return Err(CoreError::invalid_option(
                option,
                "contains a NUL character",
            ));
        }
        match io.kind_followed(dir) {
            Ok(Some(kind)) if kind != EntryKind::Dir => {
                return Err(CoreError::RootNotDirectory(format!(
                    "{option} {}",
                    dir.display()
                )))
            }
            Ok(None) => {
                state.info.warnings.push(cache_file::warning(
                    code,
                    format!("{option} does not exist; it is tracked as an empty tree"),
                    dir,
                ));
            }
            _ => {}
        }
    }
    if let Some(p) = &input.source_locale_path {
        if p.as_os_str().as_encoded_bytes().contains(&0) {
            return Err(CoreError::invalid_option(
                "sourceLocalePath",
                "contains a NUL character",
            ));
        }
    }
    let src_filter = Filter::new(&input.src_rules.filter_spec())?;
    let locale_filter = Filter::new(&walk_specs::locale_filter_spec())?;

    // Step 2: maintenance.
    let (_meta, warnings) =
        meta_file::run_maintenance_in(io, loc, read_only, input.caps.meta, input.lock_timeout);
    state.info.warnings.extend(warnings);
    if !read_only {
        if let Err(e) = io.create_dir_all(&loc.project_dir) {
            state.info.warnings.push(cache_file::warning(
                CACHE_DIR_UNAVAILABLE,
                format!("unable to create cache project dir: {e}"),
                &loc.project_dir,
            ));
        }
    }

    // Steps 3 and 4: files.json (and, on the disk, its stat hints) and the fingerprint of src
    // and locale segments (src always walked; a stored hash is reused only when the disk vouches
    // for it, so a layout change never keeps a stale hash).
    let now = now_iso();
    let src_spec = input.src_rules.filter_spec();
    let locale_spec = walk_specs::locale_filter_spec();
    let locale_depth = walk_specs::locale_max_depth(input.locales.layout.structure);
    let scanned = io.scan(&ScanJob {
        files_path: Some(&loc.files_path),
        hints_path: &loc.hints_path,
        project_dir: &loc.project_dir,
        read_only,
        files_cap: input.caps.files,
        hash: input.hash,
        src: Some(ScanTree {
            root: &input.src_root,
            filter: &src_filter,
            spec: &src_spec,
            max_depth: walk_specs::SRC_MAX_DEPTH,
            hint_prefix: SRC_HINT_PREFIX,
        }),
        locales: Some(ScanTree {
            root: &input.locales.dir,
            filter: &locale_filter,
            spec: &locale_spec,
            max_depth: locale_depth,
            hint_prefix: LOCALE_HINT_PREFIX,
        }),
        use_watcher: input.use_watcher,
        shadow_may_stand: input.baseline_files.is_none(),
        now: &now,
        ctl,
    })?;
    let Scanned {
        loaded,
        src,
        locales,
        from_watcher,
        warnings,
        elided,
        shadow_current,
    } = scanned;
    state.info.warnings.extend(warnings);
    // The fast path: a shadow of the stored index whose every record the walks found again with
    // its whole stat tuple vouched for. The current records are then the stored ones, unread.
    if let Some(e) = elided {
        state.status = if e.shadow.empty() {
            FilesIndexStatus::Empty
        } else {
            FilesIndexStatus::Ok
        };
        state.info.warnings.extend(e.walk_warnings);
        state.stats = ScanStats {
            hashed: 0,
            reused: e.unchanged.len() as u64,
            bytes_read: 0,
            from_watcher: false,
            from_shadow: true,
        };
        state.epoch = e.shadow.epoch().to_owned();
        state.baseline_epoch = state.epoch.clone();
        state.info.delta = Some(CacheFileDelta {
            unchanged: e.unchanged,
            ..CacheFileDelta::default()
        });
        if !state.status.is_usable() {
            state.info.files_index_status = Some(state.status);
        }
        state.stored_files_bytes = Some(e.bytes);
        state.elided = Some(e.shadow);
        state.shadow_current = true;
        state.times.scan = started.elapsed();
        return finish_begin(io, state);
    }
    state.shadow_current = shadow_current;
    state.status = loaded.status();
    state.corrupt_files = loaded.corrupt;
    state.info.warnings.extend(loaded.warnings.iter().cloned());
    let stored: Option<&FilesIndex> = loaded.index.as_ref();
    state.previous_layout = stored.and_then(|s| s.locales_layout.clone());
    state.stats = ScanStats {
        hashed: src.hashed + locales.hashed,
        reused: src.reused + locales.reused,
        bytes_read: src.bytes_read + locales.bytes_read,
        from_watcher,
        from_shadow: false,
    };
    state.info.warnings.extend(src.warnings);
    state.info.warnings.extend(locales.warnings);
    state.hints = src.hints;
    state.hints.extend(locales.hints);
    state.current_src = src.records;
    state.current_locales = locales.records;
    state.unknown = src.unknown;
    state.unknown.extend(locales.unknown);

    // Step 5: baseline and delta.
    state.baseline = match &input.baseline_files {
        Some(b) => b.clone(),
        None => stored.map(FilesIndex::merged).unwrap_or_default(),
    };
    let merged = state.merged();
    let mut delta = diff_project_files(&state.baseline, &merged);
    // An unknown file kept its stored record, so it diffs as unchanged: it may have changed.
    if !state.unknown.is_empty() {
        let unknown: rustc_hash::FxHashSet<&str> =
            state.unknown.iter().map(String::as_str).collect();
        let (maybe, unchanged): (Vec<String>, Vec<String>) = std::mem::take(&mut delta.unchanged)
            .into_iter()
            .partition(|k| unknown.contains(k.as_str()));
        delta.unchanged = unchanged;
        delta.changed.extend(maybe);
        state.info.warnings.push(cache_file::warning(
            CACHE_UNKNOWN_FILES,
            format!(
                "{} tracked path(s) could not be read ({}); their stored records are kept, and \
                 the analysis is rebuilt and not cached until they can be read",
                state.unknown.len(),
                state
                    .unknown
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            &state.input.src_root,
        ));
    }

    // Step 6: epochs.
    let epoch_of = |files: &FileRecordMap| io.hash_text(input.hash, &input_files_epoch_text(files));
    state.epoch = epoch_of(&merged)?;
    // No difference in any key, hash, size or mtime means the same epoch (it covers keys,
    // hashes and sizes): computed once on a hit.
    state.baseline_epoch = if delta.has_changes() {
        epoch_of(&state.baseline)?
    } else {
        state.epoch.clone()
    };
    state.info.delta = Some(delta);
    if !state.status.is_usable() {
        state.info.files_index_status = Some(state.status);
    }
    state.stored_files_bytes = loaded.bytes;

    state.times.scan = started.elapsed();
    finish_begin(io, state)
}

/// The end of [`begin`]: the per-process memory, then `analysis.json`'s envelope.
fn finish_begin(io: &dyn CacheIo, mut state: DispatchBegin) -> CoreResult<DispatchBegin> {
    // Same-process memory (never while something is unknown).
    if let Some(record) =
        memory::recall(&state.input.memory_key()).filter(|_| state.unknown.is_empty())
    {
        if record.serves(&state.epoch, |p| io.stamp(p)) {
            state.memory = Some(record.data);
            return Ok(state);
        }
    }
    let envelope_started = std::time::Instant::now();
    let input = &state.input;
    match io.load_analysis(
        &input.location.analysis_path,
        input.caps.analysis,
        &input.location.project_id,
    ) {
        Ok(previous) => {
            if let Some(p) = &previous {
                state.inputs_check = analysis_inputs::check(
                    io,
                    &input.location.analysis_path,
                    p,
                    &input.analysis_inputs(),
                );
                // Its data is used only if its bytes are the ones written (a bit flip or an
                // edit that keeps it JSON is caught when it is read).
                if let InputsCheck::Same(digest) = state.inputs_check {
                    p.data.expect_digest(digest);
                }
                // Without cachecore's record, the stored layout vouches for the inputs
                // (`inputs_vouched`): the shadow does not hold it, so the stored index is
                // parsed after all.
                if state.inputs_check == InputsCheck::Unknown {
                    state.materialize();
                }
            }
            state.previous = previous;
        }
        Err(f) => {
            state.corrupt_analysis = f.corrupt;
            state.info.warnings.push(f.warning);
        }
    }
    state.times.envelope = envelope_started.elapsed();
    if state.input.remote != RemoteConfig::Off {
        remote_flow::consult(&mut state);
    }
    Ok(state)
}

/// The remote hooks (`crate::core::remote::flow`): what it reads of the local state, and how a
/// verified artifact becomes the stored state.
impl DispatchBegin {
    /// The dispatch's input.
    pub(crate) fn dispatch_input(&self) -> &DispatchInput {
        &self.input
    }

    /// Whether the stored analysis may be taken as built from this run's settings. With
    /// cachecore's record beside it, the record decides. Without one for this very
    /// `analysis.json` (the TypeScript core wrote it, or an older cachecore), what the v1 files
    /// record decides, as in the TypeScript core: a usable `files.json` whose locales layout
    /// (mode, structure, directory, source locale) equals this run's, compared on every
    /// dispatch, hit included; the src walk's settings show in the tracked files themselves.
    /// So each core reads the other's cache without a rebuild.
    fn inputs_vouched(&self) -> bool {
        match &self.inputs_check {
            InputsCheck::Same(_) => true,
            InputsCheck::Changed(_) => false,
            InputsCheck::Unknown => {
                self.status.is_usable()
                    && layout_matches(self.previous_layout.as_ref(), &self.input.locales.layout)
            }
        }
    }

    /// Whether the local cache can serve without the producer: a memory record, or stored
    /// data bound to the current files.
    pub(crate) fn local_serves(&self) -> bool {
        self.memory.is_some()
            || (self.inputs_vouched()
                && self
                    .previous
                    .as_ref()
                    .is_some_and(|p| p.input_files_epoch.as_deref() == Some(self.epoch.as_str())))
    }

    /// Whether the stored data is bound to the stored index (a local base to patch).
    pub(crate) fn local_base(&self) -> bool {
        self.inputs_vouched()
            && self.previous.as_ref().is_some_and(|p| {
                p.input_files_epoch.as_deref() == Some(self.baseline_epoch.as_str())
            })
    }

    /// Adds a warning to the dispatch's `cache` info.
    pub(crate) fn push_warning(&mut self, w: CacheWarning) {
        self.info.warnings.push(w);
    }

    /// Records the remote's part of the `cache` info.
    pub(crate) fn set_remote_info(&mut self, info: CacheRemoteInfo) {
        self.info.remote = Some(info);
    }

    /// A verified remote artifact becomes the stored state, as if it had been built here: its
    /// records the baseline (a usable index with the current layout), its data the previous
    /// analysis bound to its epoch. The delta and the baseline epoch follow from them.
    pub(crate) fn adopt_remote(&mut self, a: remote_flow::Adoption) {
        // The current records, when the shadow stood for them.
        self.materialize();
        let index = FilesIndex::new(
            a.files,
            a.locale_segments,
            self.input.locales.layout.clone(),
        );
        self.baseline = index.merged();
        self.status = FilesIndexStatus::Ok;
        self.previous_layout = index.locales_layout;
        let delta = diff_project_files(&self.baseline, &self.merged());
        self.baseline_epoch = if delta.has_changes() {
            compute_input_files_epoch(&self.baseline, self.input.hash)
        } else {
            self.epoch.clone()
        };
        self.info.delta = Some(delta);
        self.info.files_index_status = None;
        // The remote key binds every analysis input (`remote::key::Identity`): an adopted
        // artifact was built from this run's settings, and its data is what was verified.
        self.inputs_check = match a.data.text() {
            Ok(text) => InputsCheck::Same(*blake3::hash(text.as_bytes()).as_bytes()),
            Err(_) => InputsCheck::Unknown,
        };
        self.previous = Some(AnalysisEnvelope {
            updated_at: None,
            project_id: None,
            data: a.data,
            input_files_epoch: Some(a.epoch),
        });
        self.info.remote = Some(a.info);
    }

    fn served_remote_exact(info: &CacheDispatchInfo) -> bool {
        info.remote
            .as_ref()
            .is_some_and(|r| r.source == CacheRemoteSource::RemoteExact)
    }
}

impl DispatchBegin {
    /// After the fast path, builds what it left out from the stored index: the current records
    /// (the stored ones: every record was vouched for), the baseline, the layout and the hints.
    fn materialize(&mut self) {
        let Some(shadow) = self.elided.take() else {
            return;
        };
        let bytes = self.stored_files_bytes.as_deref().unwrap_or_default();
        let path = &self.input.location.files_path;
        // These bytes parsed when their shadow was written, and they are the bytes in memory.
        let index = files_index::parse_files_index(bytes, path).ok();
        debug_assert!(index.is_some(), "a shadowed files.json parses");
        let Some(index) = index else { return };
        self.baseline = index.merged();
        self.previous_layout = index.locales_layout.clone();
        // In the walk's order, as a scan lists them.
        self.current_src = index.files.sorted_by_key();
        self.current_locales = index.locale_segments.unwrap_or_default().sorted_by_key();
        self.hints = shadow.hints();
    }

    fn merged(&self) -> FileRecordMap {
        let mut m = self.current_src.clone();
        for (k, r) in self.current_locales.iter() {
            m.insert(k, r.clone());
        }
        m
    }

    /// Whether the decision will use the stored data: it is bound to the current files (a hit
    /// or a recovery) or to the baseline's (a reuse, or the base of a partial rebuild). Only
    /// then is it read and validated.
    pub fn previous_needed(&self) -> bool {
        self.input.enabled
            && self.memory.is_none()
            && self.previous.as_ref().is_some_and(|p| {
                let bound = p.input_files_epoch.as_deref();
                bound == Some(self.epoch.as_str()) || bound == Some(self.baseline_epoch.as_str())
            })
    }

    /// The stored data the decision will use ([`Self::previous_needed`]), for the host to
    /// validate (its `parseCachedData`) before [`Self::decide`]. It may not be read yet:
    /// [`JsonData::text`] reads it, and a host that parses it with a full JSON parser calls
    /// [`JsonData::mark_valid`] (else `decide` validates it natively) or, when that parser
    /// rejects it, [`Self::reject_previous`].
    pub fn previous_data(&self) -> Option<&JsonData> {
        if !self.previous_needed() {
            return None;
        }
        self.previous.as_ref().map(|p| &p.data)
    }

    /// Reads and validates (serde, no tree built) the stored data the decision will use, unless
    /// a full parser already accepted it ([`JsonData::mark_valid`]); data that cannot be read or
    /// is not JSON is dropped ([`Self::reject_previous`]).
    pub fn validate_previous(&mut self) {
        if let Some(data) = self.previous_data().cloned() {
            if let Err(e) = data.validate() {
                self.reject_previous(e);
            }
        }
    }

    /// Drops stored data that could not be read or is not JSON: the dispatch goes on as for a
    /// malformed `analysis.json` (a warning, never reused, replaced by the rebuild).
    pub fn reject_previous(&mut self, error: DataError) {
        if self.previous.take().is_some() {
            self.corrupt_analysis |= error.corrupt;
            self.info
                .warnings
                .push(error.warning(&self.input.location.analysis_path));
        }
    }

    /// The input files epoch of the current files.
    pub fn input_files_epoch(&self) -> &str {
        &self.epoch
    }

    /// What the fingerprint step read.
    pub fn scan_stats(&self) -> ScanStats {
        self.stats
    }

    /// Where [`begin`] spent its time.
    pub fn phase_times(&self) -> PhaseTimes {
        self.times
    }

    /// The current src records (what `files.json` will hold under `files`).
    pub fn current_src(&mut self) -> &FileRecordMap {
        self.materialize();
        &self.current_src
    }

    /// The current locale segment records.
    pub fn current_locale_segments(&mut self) -> &FileRecordMap {
        self.materialize();
        &self.current_locales
    }

    /// Steps 7–9 of §5, given whether the previous data passed the host's validation
    /// (`true` when the host has no validator).
    pub fn decide(mut self, previous_valid: bool) -> DispatchPlan {
        // Never decide on stored data nobody validated: a host that did not parse it gets it
        // validated here.
        self.validate_previous();
        let mut info = std::mem::replace(
            &mut self.info,
            CacheDispatchInfo::new(CacheDispatchStatus::Miss, CacheDispatchReason::RunMissing),
        );
        if !self.input.enabled {
            info.status = if self.input.bypass {
                CacheDispatchStatus::Bypass
            } else {
                CacheDispatchStatus::Disabled
            };
            info.reason = CacheDispatchReason::NoCache;
            return DispatchPlan {
                cache: info,
                action: DispatchAction::Produce(None),
                memory_hit: false,
                from_watcher: false,
                persist: Persist::Nothing,
                begin: None,
            };
        }
        if let Some(data) = self.memory.take() {
            info.status = CacheDispatchStatus::Hit;
            info.reason = CacheDispatchReason::CacheHit;
            return self.plan(
                info,
                DispatchAction::UseCached(data),
                true,
                Persist::Nothing,
            );
        }
        // The delta is cloned only for a decision that lists it again (step 9): on a hit of
        // 20,000 files it would be 20,000 keys copied and dropped.
        let has_changes = info.delta.as_ref().is_some_and(CacheFileDelta::has_changes);
        let previous = self.previous.take();
        let prev_ok = previous.as_ref().filter(|_| previous_valid);
        // The stored analysis is served or built upon only when it was built from these very
        // inputs (settings), whatever the files say.
        let same_inputs = self.inputs_vouched();
        // Something tracked could not be read: nothing is served from the cache, and what the
        // producer builds is not stored (it was built without those files).
        let complete = self.unknown.is_empty();
        if previous.is_some() && !same_inputs {
            if let Some(message) = self.inputs_check.describe() {
                info.warnings.push(cache_file::warning(
                    CACHE_INPUTS_CHANGED,
                    message,
                    &analysis_inputs::path_of(&self.input.location.analysis_path),
                ));
            }
        }

        // Step 7: index unusable, files changed, previous parses and is bound to these files.
        if !self.status.is_usable() && has_changes && same_inputs && complete {
            if let Some(p) = prev_ok.filter(|p| p.input_files_epoch.as_deref() == Some(&self.epoch))
            {
                info.status = CacheDispatchStatus::Hit;
                info.reason = CacheDispatchReason::FilesIndexRecovered;
                info.analysis_rebuild = Some(AnalysisRebuildDecision::new(
                    AnalysisRebuildStrategy::Reuse,
                    AnalysisRebuildReason::FilesIndexRecovered,
                ));
                let data = p.data.clone();
                return self.plan(
                    info,
                    DispatchAction::UseCached(data),
                    false,
                    Persist::FilesOnly,
                );
            }
        }
        // Step 8: no file change and cached data.
        let mut reason = if has_changes {
            CacheDispatchReason::FilesChanged
        } else {
            CacheDispatchReason::RunMissing
        };
        if !has_changes && complete {
            if let Some(p) = &previous {
                if p.input_files_epoch.as_deref() != Some(self.epoch.as_str()) {
                    reason = CacheDispatchReason::RunBindingStale;
                    info.input_files_epoch_debug = Some(CacheInputFilesEpochDebug {
                        cached: p.input_files_epoch.clone(),
                        current: self.epoch.clone(),
                    });
                } else if !same_inputs {
                    // Same files, other settings: the analysis is bound to inputs that are not
                    // this run's.
                    reason = CacheDispatchReason::RunBindingStale;
                } else if previous_valid {
                    info.status = CacheDispatchStatus::Hit;
                    info.reason = CacheDispatchReason::CacheHit;
                    let data = p.data.clone();
                    // Hints to refresh, or no current shadow beside the stored index yet (one
                    // written by an older cachecore): written once, then the fast path serves.
                    let refresh = self.stats.hashed > 0 || !self.shadow_current;
                    // A remote artifact is stored locally (both files, the v1 shapes).
                    let persist = if Self::served_remote_exact(&info) {
                        self.materialize();
                        Persist::Both
                    } else if refresh && self.stored_files_bytes.is_some() {
                        Persist::HintsOnly
                    } else {
                        Persist::Nothing
                    };
                    return self.plan(info, DispatchAction::UseCached(data), false, persist);
                } else {
                    reason = CacheDispatchReason::RunInvalid;
                }
            }
        }
        // Step 9: classify and decide. The previous data is a valid base only when it parses
        // and is bound to the baseline's files (a crash between the two writes, or a stale
        // analysis, never gets patched).
        self.materialize();
        let delta = info.delta.clone().unwrap_or_default();
        let base = prev_ok
            .filter(|p| p.input_files_epoch.as_deref() == Some(self.baseline_epoch.as_str()));
        let locale_keys: Vec<&str> = self
            .current_locales
            .keys()
            .chain(
                self.baseline
                    .keys()
                    .filter(|k| !self.current_src.contains_key(k)),
            )
            .collect();
        let (primary, sources) = source_segment_keys(&self.input.locales, &locale_keys);
        // Src and locale keys never collide: src files match the src pattern, segments end in
        // `.json`, which it never matches.
        // Checked when the walk's filter was compiled (`begin`), so it compiles here.
        let src_keys = self.input.src_rules.src_matcher().unwrap_or_default();
        let (baseline_src, baseline_locale): (Vec<String>, Vec<String>) = self
            .baseline
            .keys()
            .map(str::to_owned)
            .partition(|k| src_keys.is_src_key(k));
        let classified = classify_cache_file_delta(&ClassifyCacheFileDeltaInput {
            delta: delta.clone(),
            current_src_file_keys: self.current_src.keys().map(str::to_owned).collect(),
            baseline_src_file_keys: baseline_src,
            current_locale_segment_keys: self.current_locales.keys().map(str::to_owned).collect(),
            baseline_locale_segment_keys: baseline_locale,
            source_locale_segment_key: primary,
            source_locale_segment_keys: sources,
            previous_layout: self.previous_layout.clone(),
            current_layout: self.input.locales.layout.clone(),
            files_index_status: self.status,
        });
        // Inputs the v1 layout does not record (src root, walk rules, source locale file, the
        // record hash) count as layout: a usable index with an analysis of other inputs is a
        // full `layout_changed` rebuild, never a patch of the other inputs' analysis.
        let mut classified = classified;
        if base.is_some() && !same_inputs && self.status.is_usable() {
            classified.layout_changed = true;
        }
        let tracked_src_count = self.current_src.len() as u64;
        let decision = decide_analysis_rebuild(
            &self.input.rebuild,
            &classified,
            base.is_some(),
            tracked_src_count,
        )
        .with_src_delta(classified.src.clone());
        info.status = CacheDispatchStatus::Miss;
        info.reason = reason;
        info.analysis_rebuild = Some(decision.clone());
        info.classified = Some(classified.clone());
        let base = base.filter(|_| same_inputs);
        let persist = if complete {
            Persist::Both
        } else {
            Persist::Nothing
        };
        if decision.strategy == AnalysisRebuildStrategy::Reuse {
            if let Some(b) = base {
                let data = b.data.clone();
                return self.plan(info, DispatchAction::Reuse(data), false, persist);
            }
        }
        let ctx = ProducerContext {
            delta,
            classified,
            previous: base.map(|b| b.data.clone()),
            tracked_src_count,
            rebuild_config: self.input.rebuild,
            analysis_rebuild: decision,
        };
        self.plan(
            info,
            DispatchAction::Produce(Some(Box::new(ctx))),
            false,
            persist,
        )
    }

    fn plan(
        self,
        cache: CacheDispatchInfo,
        action: DispatchAction,
        memory_hit: bool,
        persist: Persist,
    ) -> DispatchPlan {
        DispatchPlan {
            cache,
            action,
            memory_hit,
            from_watcher: self.stats.from_watcher,
            persist,
            begin: Some(Box::new(self)),
        }
    }
}

impl DispatchPlan {
    /// Whether the host must call its producer before [`commit`].
    pub fn needs_producer(&self) -> bool {
        matches!(self.action, DispatchAction::Produce(_))
    }

    /// The producer's context (`None` when the cache is off or no producer is needed).
    pub fn producer_context(&self) -> Option<&ProducerContext> {
        match &self.action {
            DispatchAction::Produce(Some(ctx)) => Some(ctx),
            _ => None,
        }
    }
}

fn read_only_warning(what: &str, path: &std::path::Path) -> CacheWarning {
    cache_file::warning(
        CACHE_READ_ONLY,
        format!("cache is read-only; skipped persisting {what}"),
        path,
    )
}

/// Persists a plan on the disk and returns `{ data, cache }`. `produced` is the producer's data,
/// required when [`DispatchPlan::needs_producer`] and ignored otherwise.
pub fn commit(plan: DispatchPlan, produced: Option<JsonData>) -> CoreResult<DispatchOutcome> {
    commit_with(&NativeIo::new(plan.cache_root()), plan, produced)
}

/// [`commit`] through `io` (the same IO as its [`begin_with`]).
pub fn commit_with(
    io: &dyn CacheIo,
    plan: DispatchPlan,
    produced: Option<JsonData>,
) -> CoreResult<DispatchOutcome> {
    let DispatchPlan {
        mut cache,
        action,
        memory_hit,
        from_watcher,
        persist,
        begin,
    } = plan;
    // Data made or reused here (not served from a cache) is worth sharing.
    let built_here = !matches!(action, DispatchAction::UseCached(_));
    let data = match action {
        DispatchAction::UseCached(d) | DispatchAction::Reuse(d) => d,
        DispatchAction::Produce(_) => produced.ok_or_else(|| {
            CoreError::invalid_option("data", "the producer's data is required to commit")
        })?,
    };
    if let Some(mut begin) = begin.filter(|b| b.unknown.is_empty()) {
        // (Built without unknown files, the data is neither remembered nor stored.)
        // Whatever is persisted or published needs the records the shadow may have stood for.
        if persist != Persist::Nothing {
            begin.materialize();
        }
        let input = &begin.input;
        let loc = &input.location;
        if persist_plan(io, &begin, persist, built_here, &data, &mut cache) {
            // Remembered with the stamps of the files it relies on, taken after the writes: a
            // later dispatch of this process is served from memory only while they hold.
            let stamps = [&loc.files_path, &loc.analysis_path]
                .into_iter()
                .map(|p| (p.clone(), io.stamp(p)))
                .collect();
            memory::remember(
                &input.memory_key(),
                MemoryRecord {
                    epoch: begin.epoch.clone(),
                    data: data.clone(),
                    stamps,
                },
            );
        } else {
            // Not on disk: the next dispatch in this process must persist, not serve memory.
            memory::forget(&input.memory_key());
        }
    }
    Ok(DispatchOutcome {
        data,
        cache,
        memory_hit,
        from_watcher,
    })
}

/// Writes what `persist` says (nothing in `readOnly` mode, a warning says what was skipped), and
/// shares data made or reused here (`built_here`) with the remote cache when it is on. `false`
/// when the project lock could not be taken (nothing written).
fn persist_plan(
    io: &dyn CacheIo,
    begin: &DispatchBegin,
    persist: Persist,
    built_here: bool,
    data: &JsonData,
    cache: &mut CacheDispatchInfo,
) -> bool {
    let input = &begin.input;
    let loc = &input.location;
    if persist == Persist::Nothing {
        return true;
    }
    if built_here && matches!(input.remote, RemoteConfig::On(_)) {
        let upload = remote_flow::publish(
            input,
            begin.epoch.clone(),
            begin.current_src.clone(),
            begin.current_locales.clone(),
            data.clone(),
        );
        if let (Some(upload), Some(r)) = (upload, cache.remote.as_mut()) {
            r.upload = Some(upload.to_owned());
        }
    }
    if input.mode == CacheMode::ReadOnly {
        if persist != Persist::HintsOnly {
            cache
                .warnings
                .push(read_only_warning("files index", &loc.files_path));
        }
        if persist == Persist::Both {
            cache
                .warnings
                .push(read_only_warning("analysis cache", &loc.analysis_path));
        }
        return true;
    }
    let _guard = match io.lock(&loc.lock_path, input.lock_timeout) {
        Ok(Some(g)) => g,
        Ok(None) => {
            cache.warnings.push(cache_file::warning(
                CACHE_LOCK_TIMEOUT,
                format!(
                    "cache lock busy after {} ms; skipped persisting project cache",
                    input.lock_timeout.as_millis()
                ),
                &loc.lock_path,
            ));
            return false;
        }
        Err(e) => {
            cache.warnings.push(cache_file::warning(
                CACHE_IO_ERROR,
                format!("cache lock error: {e}"),
                &loc.lock_path,
            ));
            return false;
        }
    };
    for dir in [&loc.root_dir, &loc.project_dir, &loc.translations_dir] {
        io.sweep_temps(dir);
    }
    if persist == Persist::HintsOnly {
        begin.write_hints_only(io);
        return true;
    }
    if begin.corrupt_files {
        let _ = io.remove_file(&loc.files_path);
    }
    if begin.corrupt_analysis && persist == Persist::Both {
        let _ = io.remove_file(&loc.analysis_path);
    }
    if let Some(w) = begin.write_files_index(io) {
        cache.warnings.push(w);
    }
    if persist == Persist::Both {
        let now = now_iso();
        match analysis_file::save_analysis_at(
            io,
            &loc.analysis_path,
            input.caps.analysis,
            &loc.project_id,
            data.get(),
            &begin.epoch,
            &now,
        ) {
            Some(w) => cache.warnings.push(w),
            None => analysis_inputs::record(
                io,
                &loc.analysis_path,
                &input.analysis_inputs(),
                &now,
                &begin.epoch,
                data.get(),
            ),
        }
    }
    true
}

impl DispatchBegin {
    /// Publishes the binary shadow (the stat hints of this scan, the stored keys and epoch) of
    /// the stored `files.json` bytes (their records are this scan's: nothing changed), where
    /// the IO keeps hints. Caller holds the project lock.
    fn write_hints_only(&self, io: &dyn CacheIo) {
        let loc = &self.input.location;
        if let Some(bytes) = &self.stored_files_bytes {
            if !io.keeps_hints() {
                return;
            }
            if let Ok(stored) = files_index::parse_files_index(bytes, &loc.files_path) {
                let empty = self.status == FilesIndexStatus::Empty;
                let shadow = files_shadow::encode(
                    self.input.hash,
                    bytes,
                    &stored,
                    empty,
                    &self.hints,
                    &self.epoch,
                );
                let _ = io.write_cache(&loc.hints_path, &[&shadow]);
            }
        }
    }

    /// Publishes `files.json` of this scan and its binary shadow, never over the files cap (a
    /// `cache_oversize` warning instead). Caller holds the project lock.
    fn write_files_index(&self, io: &dyn CacheIo) -> Option<CacheWarning> {
        let input = &self.input;
        let loc = &input.location;
        let index = FilesIndex::new(
            self.current_src.clone(),
            self.current_locales.clone(),
            input.locales.layout.clone(),
        );
        let bytes = index.to_bytes();
        let w = io.write_cache_capped(&loc.files_path, &[&bytes], input.caps.files, "caps.files");
        if w.is_none() && io.keeps_hints() {
            let shadow =
                files_shadow::encode(input.hash, &bytes, &index, false, &self.hints, &self.epoch);
            let _ = io.write_cache(&loc.hints_path, &[&shadow]);
        }
        w
    }
}

/// What [`scan_files_index`] found and wrote.
#[derive(Debug, Clone, Default)]
pub struct FilesIndexScan {
    /// Tracked src files.
    pub src_files: u64,
    /// Tracked locale segments.
    pub locale_segments: u64,
    /// What the fingerprint step read (hashes reused through stat hints, content bytes read).
    pub stats: ScanStats,
    /// Whether `files.json` was (re)written.
    pub written: bool,
    /// Whether the stored `files.json` already held exactly these records (only its stat
    /// hints were refreshed, when files were read).
    pub unchanged: bool,
    /// Diagnostics.
    pub warnings: Vec<CacheWarning>,
}

/// Refreshes a project's `files.json` as a dispatch does, without an analysis: steps 2–4 of §5
/// (maintenance, the stored index and its stat hints, the walk with hashes reused where a
/// whole-tuple stat hint vouches for them), then, under the project lock, `files.json` and its
/// hints when the records changed, or only the hints when files had to be read. What
/// `cachecore scan` runs: a second scan of an unchanged tree reads no content and writes
/// nothing, and a dispatch or a status after it reads none either.
pub fn scan_files_index(input: DispatchInput) -> CoreResult<FilesIndexScan> {
    let mut begun = begin(input)?;
    // The records, layout and hints the shadow may have stood for: the scan counts, compares
    // and may write them.
    begun.materialize();
    let mut out = FilesIndexScan {
        src_files: begun.current_src.len() as u64,
        locale_segments: begun.current_locales.len() as u64,
        stats: begun.stats,
        warnings: begun.info.warnings.clone(),
        ..FilesIndexScan::default()
    };
    if !begun.input.enabled {
        return Ok(out);
    }
    let loc = &begun.input.location;
    out.unchanged = begun.status.is_usable()
        && begun.stored_files_bytes.is_some()
        && !begun.info.delta.as_ref().is_some_and(|d| d.has_changes())
        && begun.previous_layout.as_ref() == Some(&begun.input.locales.layout);
    if out.unchanged && begun.stats.hashed == 0 {
        return Ok(out);
    }
    if begun.input.mode == CacheMode::ReadOnly {
        out.warnings
            .push(read_only_warning("files index", &loc.files_path));
        return Ok(out);
    }
    let _guard = match lock::acquire_or_warn(
        &loc.root_dir,
        &loc.lock_path,
        begun.input.lock_timeout,
        "files index",
    ) {
        Ok(g) => g,
        Err(w) => {
            out.warnings.push(w);
            return Ok(out);
        }
    };
    let io = NativeIo::new(&loc.root_dir);
    if out.unchanged {
        begun.write_hints_only(&io);
        return Ok(out);
    }
    if begun.corrupt_files {
        cache_file::remove_corrupt(&loc.root_dir, &loc.files_path);
    }
    match begun.write_files_index(&io) {
        Some(w) => out.warnings.push(w),
        None => out.written = true,
    }
    Ok(out)
}

/// The synchronous one-shot dispatch: [`begin`], the host's validator, [`DispatchBegin::decide`],
/// the producer when needed, [`commit`].
pub fn dispatch(
    input: DispatchInput,
    parse_cached: impl FnOnce(&JsonData) -> bool,
    producer: impl FnOnce(Option<&ProducerContext>) -> CoreResult<JsonData>,
) -> CoreResult<DispatchOutcome> {
    let mut begun = begin(input)?;
    begun.validate_previous();
    let valid = begun.previous_data().is_none_or(parse_cached);
    let plan = begun.decide(valid);
    let produced = if plan.needs_producer() {
        Some(producer(plan.producer_context())?)
    } else {
        None
    };
    commit(plan, produced)
}
