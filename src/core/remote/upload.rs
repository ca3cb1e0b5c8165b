//! Uploads in the background of the host's work. A dispatch hands its artifact to [`spawn`]
//! and returns at once; a thread compresses it, signs it and stores it under its exact key and,
//! when the tracked trees are clean at a commit, under that commit's base key. [`wait`] waits
//! for pending uploads, at most a given time: the binding calls it at process exit with the
//! largest `exit_wait` of the pending uploads, so an exit never waits longer than that.

use std::path::PathBuf;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::artifact::{self, ArtifactHeader};
use super::backend;
use super::codes::{RemoteFailure, REMOTE_SKIPPED};
use super::config::RemoteSettings;
use super::git;
use super::health;
use super::key::Identity;
use crate::core::contract::dispatch_info::CacheWarning;
use crate::core::contract::iso_time::now_iso;
use crate::core::contract::json_data::JsonData;
use crate::core::contract::records::FileRecordMap;

/// Everything an upload needs, taken from a committed dispatch.
#[derive(Debug)]
pub struct UploadJob {
    /// Where to.
    pub settings: RemoteSettings,
    /// The identity of the dispatch.
    pub identity: Identity,
    /// The input files epoch of the records.
    pub epoch: String,
    /// The src records.
    pub files: FileRecordMap,
    /// The locale segment records.
    pub locale_segments: FileRecordMap,
    /// The data (shared with the dispatch's result, never copied).
    pub data: JsonData,
    /// The project root (where git is asked).
    pub project_root: PathBuf,
    /// The tracked trees (src root, locales dir) that must be clean for a base key.
    pub tracked: Vec<PathBuf>,
    /// How long the producer took (Turborepo's `x-artifact-duration`).
    pub duration_ms: u64,
}

/// What became of one store.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadOutcome {
    /// The key.
    pub key: String,
    /// `exact` or `base`.
    pub kind: &'static str,
    /// The commit of a base key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The compressed bytes sent (0 when skipped).
    pub bytes: u64,
    /// `uploaded`, `present` (already stored: not sent again) or `failed`.
    pub result: &'static str,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<CacheWarning>,
}

/// The uploads finished since the last report, and how many are still running.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadReport {
    /// Uploads still running.
    pub pending: u32,
    /// Finished stores, oldest first.
    pub done: Vec<UploadOutcome>,
}

#[derive(Default)]
struct State {
    pending: u32,
    exit_wait: Duration,
    done: Vec<UploadOutcome>,
}

fn registry() -> &'static (Mutex<State>, Condvar) {
    static R: OnceLock<(Mutex<State>, Condvar)> = OnceLock::new();
    R.get_or_init(|| (Mutex::new(State::default()), Condvar::new()))
}

fn lock() -> std::sync::MutexGuard<'static, State> {
    registry().0.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts `job` on its own thread.
pub fn spawn(job: UploadJob) {
    {
        let mut s = lock();
        s.pending += 1;
        s.exit_wait = s.exit_wait.max(job.settings.exit_wait);
    }
    let started = std::thread::Builder::new()
        .name("cachecore-upload".into())
        .spawn(move || {
            let outcomes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&job)))
                .unwrap_or_default();
            finish(outcomes);
        });
    if started.is_err() {
        finish(Vec::new());
    }
}

fn finish(outcomes: Vec<UploadOutcome>) {
    let mut s = lock();
    s.pending -= 1;
    s.done.extend(outcomes);
    registry().1.notify_all();
}

/// Waits until no upload is pending or `timeout` has passed, and returns (and clears) the
/// finished outcomes.
pub fn wait(timeout: Duration) -> UploadReport {
    let deadline = Instant::now() + timeout;
    let mut s = lock();
    while s.pending > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        s = registry()
            .1
            .wait_timeout(s, left)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
    UploadReport {
        pending: s.pending,
        done: std::mem::take(&mut s.done),
    }
}

/// The longest time a process exit should wait for the uploads started so far (0 when none is
/// pending).
pub fn exit_wait() -> Duration {
    let s = lock();
    if s.pending == 0 {
        Duration::ZERO
    } else {
        s.exit_wait
    }
}

fn outcome(
    key: &str,
    kind: &'static str,
    commit: Option<&str>,
    bytes: u64,
    result: Result<&'static str, (RemoteFailure, String)>,
) -> UploadOutcome {
    let (result, warning) = match result {
        Ok(r) => (r, None),
        Err((f, place)) => ("failed", Some(f.warning(&place))),
    };
    UploadOutcome {
        key: key.to_owned(),
        kind,
        commit: commit.map(str::to_owned),
        bytes,
        result,
        warning,
    }
}

/// One upload: encode once, store under the exact key and the base key.
fn run(job: &UploadJob) -> Vec<UploadOutcome> {
    let s = &job.settings;
    let endpoint = s.backend.endpoint();
    let exact = job.identity.exact_key(&job.epoch);
    let skipped = |f: RemoteFailure| {
        let f = RemoteFailure::new(
            REMOTE_SKIPPED,
            format!(
                "upload skipped: an earlier remote request of this process failed ({})",
                f.message
            ),
        );
        vec![outcome(
            &exact,
            "exact",
            None,
            0,
            Err((f, endpoint.clone())),
        )]
    };
    if let Some(f) = health::failed(&endpoint) {
        return skipped(f);
    }
    let tracked: Vec<&std::path::Path> = job.tracked.iter().map(PathBuf::as_path).collect();
    let commit = git::clean_head(&job.project_root, &tracked);
    let data = match job.data.text() {
        Ok(t) => t,
        Err(_) => return Vec::new(),
    };
    let header = ArtifactHeader {
        identity: job.identity.clone(),
        input_files_epoch: job.epoch.clone(),
        commit: commit.clone(),
        files: job.files.clone(),
        locale_segments: job.locale_segments.clone(),
        data_bytes: data.len() as u64,
        created_at: now_iso(),
        created_by: format!("cachecore@{}", env!("CARGO_PKG_VERSION")),
    };
    let mut keys = vec![(exact.clone(), "exact", None)];
    if let Some(c) = &commit {
        keys.push((job.identity.base_key(c), "base", Some(c.as_str())));
    }
    let mut out = Vec::new();
    let mut body: Option<Vec<u8>> = None;
    for (key, kind, commit) in keys {
        let place = backend::place(s, &key);
        if let Some(f) = health::failed(&endpoint) {
            let f = RemoteFailure::new(REMOTE_SKIPPED, format!("upload skipped ({})", f.message));
            out.push(outcome(&key, kind, commit, 0, Err((f, place))));
            continue;
        }
        // An exact key names its inputs: an artifact already stored there is this one.
        if kind == "exact" {
            match backend::exists(s, &key) {
                Ok(true) => {
                    out.push(outcome(&key, kind, commit, 0, Ok("present")));
                    continue;
                }
                Ok(false) => {}
                Err(f) => {
                    health::record(&endpoint, &f);
                    out.push(outcome(&key, kind, commit, 0, Err((f, place))));
                    continue;
                }
            }
        }
        if body.is_none() {
            match artifact::encode_to_vec(&header, data) {
                Ok(b) => body = Some(b),
                Err(e) => {
                    let f = RemoteFailure::new(
                        super::codes::REMOTE_IO_ERROR,
                        format!("artifact encoding failed ({e})"),
                    );
                    out.push(outcome(&key, kind, commit, 0, Err((f, place))));
                    break;
                }
            }
        }
        let bytes = body.as_deref().expect("encoded above");
        let n = bytes.len() as u64;
        match backend::store(s, &key, bytes, job.duration_ms) {
            Ok(()) => out.push(outcome(&key, kind, commit, n, Ok("uploaded"))),
            Err(f) => {
                health::record(&endpoint, &f);
                out.push(outcome(&key, kind, commit, 0, Err((f, place))));
            }
        }
    }
    out
}
