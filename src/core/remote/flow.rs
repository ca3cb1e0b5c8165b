//! What a dispatch does with a remote, at its two hook points:
//!
//! 1. [`consult`], at the end of `begin` (after the local cache was read): when the local cache
//!    can serve (memory, or an analysis bound to these files), nothing remote happens. Else the
//!    exact key of these files is fetched: a verified artifact becomes the stored state (its
//!    records the baseline, its analysis the previous data), so the decision is a hit served
//!    without the producer, and the commit stores it locally in the v1 shapes. Without an exact
//!    hit and without a local base, the candidate base commits are tried in order; a verified
//!    base becomes the baseline the same way, and the decision is the contract's partial or full
//!    with its reason, exactly as if that base had been built on this machine.
//! 2. [`publish`], at the commit of newly produced (or reused) data: the artifact goes to a
//!    background upload ([`super::upload`]) unless the remote is read-only.
//!
//! Nothing remote is trusted beyond its verification: the signature when a key is set, the
//! binding of the artifact to the key it was fetched under, its records to its epoch; the host's
//! `parseCachedData` still validates the data before it is served or patched.

use std::time::Instant;

use super::artifact::{DecodeLimits, Expect};
use super::backend::{self, Fetched};
use super::codes::{RemoteFailure, REMOTE_SKIPPED};
use super::config::{RemoteConfig, RemoteSettings};
use super::git;
use super::health;
use super::key::Identity;
use super::upload::{self, UploadJob};
use crate::core::contract::dispatch::{DispatchBegin, DispatchInput};
use crate::core::contract::dispatch_info::{CacheRemoteInfo, CacheRemoteSource};
use crate::core::contract::json_data::JsonData;
use crate::core::contract::records::FileRecordMap;
use crate::core::contract::store_paths::resolve_path;

/// At most this many base commits are asked for.
pub const MAX_BASE_CANDIDATES: usize = 6;

/// A verified artifact, ready to become a dispatch's stored state.
#[derive(Debug)]
pub struct Adoption {
    /// The src records of the artifact.
    pub files: FileRecordMap,
    /// Its locale segment records.
    pub locale_segments: FileRecordMap,
    /// The data, bound to `epoch` (validated when used, as stored data is).
    pub data: JsonData,
    /// The input files epoch of its records.
    pub epoch: String,
    /// What the dispatch reports about it.
    pub info: CacheRemoteInfo,
}

fn info_of(s: &RemoteSettings) -> CacheRemoteInfo {
    CacheRemoteInfo {
        backend: s.backend.kind().to_owned(),
        endpoint: s.backend.endpoint(),
        source: CacheRemoteSource::Local,
        read_only: s.read_only,
        signed: s.signature_key.is_some(),
        key: None,
        commit: None,
        bytes: None,
        fetch_ms: None,
        upload: None,
    }
}

/// The settings and identity of a dispatch's remote, or the warning that it is unusable.
fn usable(input: &DispatchInput) -> Option<Result<(&RemoteSettings, Identity), RemoteFailure>> {
    let settings = match &input.remote {
        RemoteConfig::Off => return None,
        RemoteConfig::Unusable(w) => {
            let code = super::codes::REMOTE_UNAVAILABLE;
            return Some(Err(RemoteFailure::new(code, w.message.clone())));
        }
        RemoteConfig::On(s) => s.as_ref(),
    };
    Some(Identity::of_dispatch(input, &settings.producer).map(|id| (settings, id)))
}

/// Fetches `key` and checks its binding.
fn fetch_bound(
    s: &RemoteSettings,
    identity: &Identity,
    key: &str,
    expect: Expect<'_>,
    limits: DecodeLimits,
) -> Result<Option<Fetched>, RemoteFailure> {
    let Some(f) = backend::fetch(s, key, limits)? else {
        return Ok(None);
    };
    f.artifact.header.check_binding(identity, key, expect)?;
    Ok(Some(f))
}

fn adoption(f: Fetched, mut info: CacheRemoteInfo, key: String, started: Instant) -> Adoption {
    info.key = Some(key);
    info.bytes = Some(f.bytes);
    info.fetch_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
    let header = f.artifact.header;
    Adoption {
        files: header.files,
        locale_segments: header.locale_segments,
        data: JsonData::unchecked(f.artifact.data),
        epoch: header.input_files_epoch,
        info,
    }
}

/// The remote step of `begin` (see the module doc).
pub fn consult(state: &mut DispatchBegin) {
    let input = state.dispatch_input();
    let (settings, identity) = match usable(input) {
        None => return,
        Some(Ok(pair)) => (pair.0.clone(), pair.1),
        Some(Err(f)) => {
            state.push_warning(f.warning(""));
            return;
        }
    };
    let mut info = info_of(&settings);
    if state.local_serves() {
        state.set_remote_info(info);
        return;
    }
    let started = Instant::now();
    let endpoint = settings.backend.endpoint();
    let caps = input.caps;
    let limits = DecodeLimits {
        header: caps.files,
        data: caps.analysis,
    };
    let project_root = input.location.project_root.clone();
    let local_base = state.local_base();
    let fallback = if local_base {
        CacheRemoteSource::Local
    } else {
        CacheRemoteSource::Nothing
    };
    if let Some(f) = health::failed(&endpoint) {
        let skipped = RemoteFailure::new(
            REMOTE_SKIPPED,
            format!(
                "remote cache skipped: an earlier request of this process failed ({})",
                f.message
            ),
        );
        state.push_warning(skipped.warning(&endpoint));
        info.source = fallback;
        state.set_remote_info(info);
        return;
    }
    let fail = |state: &mut DispatchBegin, f: RemoteFailure, key: &str| {
        health::record(&endpoint, &f);
        state.push_warning(f.warning(&backend::place(&settings, key)));
        f.disables_remote()
    };
    // The exact key of these files.
    let epoch = state.input_files_epoch().to_owned();
    let key = identity.exact_key(&epoch);
    match fetch_bound(
        &settings,
        &identity,
        &key,
        Expect::Exact { epoch: &epoch },
        limits,
    ) {
        Ok(Some(f)) => {
            let mut info = info;
            info.source = CacheRemoteSource::RemoteExact;
            state.adopt_remote(adoption(f, info, key, started));
            return;
        }
        Ok(None) => {}
        Err(f) => {
            if fail(state, f, &key) {
                info.source = fallback;
                info.fetch_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
                state.set_remote_info(info);
                return;
            }
        }
    }
    if local_base {
        state.set_remote_info(info);
        return;
    }
    // A base: the candidates in order. Asking git for HEAD costs one process; the merge-base
    // and its parents only when HEAD has no artifact.
    let given = settings.base_commits.as_ref();
    let mut tried: Vec<String> = Vec::new();
    let batches: [&dyn Fn() -> Vec<String>; 2] = [
        &|| match given {
            Some(g) => git::resolve_all(&project_root, g),
            None => git::resolve(&project_root, "HEAD").into_iter().collect(),
        },
        &|| match given {
            Some(_) => Vec::new(),
            None => git::candidates(&project_root),
        },
    ];
    'batches: for batch in batches {
        for commit in batch() {
            if tried.contains(&commit) || tried.len() >= MAX_BASE_CANDIDATES {
                continue;
            }
            tried.push(commit.clone());
            let key = identity.base_key(&commit);
            match fetch_bound(
                &settings,
                &identity,
                &key,
                Expect::Base { commit: &commit },
                limits,
            ) {
                Ok(Some(f)) => {
                    let mut info = info;
                    info.source = CacheRemoteSource::RemoteBase;
                    info.commit = Some(commit);
                    state.adopt_remote(adoption(f, info, key, started));
                    return;
                }
                Ok(None) => {}
                Err(f) => {
                    if fail(state, f, &key) {
                        break 'batches;
                    }
                }
            }
        }
    }
    info.source = CacheRemoteSource::Nothing;
    info.fetch_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
    state.set_remote_info(info);
}

/// The remote step of `commit`, for newly produced or reused data bound to `epoch`: starts the
/// background upload (unless read-only) and says what became of it (`scheduled`, `read_only`),
/// or `None` without a usable remote.
pub fn publish(
    input: &DispatchInput,
    epoch: String,
    files: FileRecordMap,
    locale_segments: FileRecordMap,
    data: JsonData,
) -> Option<&'static str> {
    let (settings, identity) = usable(input)?.ok()?;
    if settings.read_only {
        return Some("read_only");
    }
    upload::spawn(UploadJob {
        settings: settings.clone(),
        identity,
        epoch,
        files,
        locale_segments,
        data,
        project_root: input.location.project_root.clone(),
        tracked: vec![resolve_path(&input.src_root), input.locales.dir.clone()],
        duration_ms: 0,
    });
    Some("scheduled")
}
