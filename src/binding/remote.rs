//! The shared cache across machines (issue 16), napi side: the `remote` option of a dispatch,
//! `remoteCacheStatus`, `flushRemoteUploads` / `flushRemoteUploadsSync`, and how a pending
//! upload is tied to the process's lifetime. The logic lives in `crate::core::remote`.
//!
//! Process lifetime: an upload runs on a detached thread and never holds the event loop, so a
//! dispatch's result is never delayed by it. At process exit (the event loop drained, or
//! `process.exit()`), a C `atexit` hook waits for pending uploads at most their `exitWaitMs`
//! (default 10 s): the artifact is published unless the server is slower than that.

use std::sync::Once;
use std::time::Duration;

use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi::{Env, ScopedTask, ValueType};
use napi_derive::napi;

use super::errors::{arg, check_keys, exported, invalid};
use super::fingerprint::CacheWarning;
use super::option_keys::REMOTE_CACHE_OPTIONS;
use crate::core::contract::dispatch_info as core_info;
use crate::core::remote::config::{self as core_config, RemoteConfig, RemoteOverrides, Secret};
use crate::core::remote::{status as core_status, upload as core_upload};

/// The remote cache of a dispatch (and of `remoteCacheStatus`). Every field is optional and
/// wins over the environment (`TURBO_API`, `TURBO_TOKEN`, `TURBO_TEAM`/`TURBO_TEAMID`,
/// `TURBO_REMOTE_CACHE_SIGNATURE_KEY`, `TURBO_REMOTE_CACHE_READ_ONLY`,
/// `TURBO_REMOTE_CACHE_TIMEOUT`, `CACHECORE_REMOTE_DIR`, `CACHECORE_REMOTE_BASE`,
/// `CACHECORE_REMOTE=off`); with none given, the environment alone decides.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct RemoteCacheOptions {
    /// `false` switches the remote off whatever the environment says.
    pub enabled: Option<bool>,
    /// The Turborepo Remote Cache API base (default `TURBO_API`, else `https://vercel.com/api`).
    pub api: Option<String>,
    /// The bearer token (default `TURBO_TOKEN`). Never printed, logged or written to a file.
    pub token: Option<String>,
    /// The team slug, sent as `slug=` (default `TURBO_TEAM`).
    pub team: Option<String>,
    /// The team id, sent as `teamId=` (default `TURBO_TEAMID`).
    pub team_id: Option<String>,
    /// The HMAC key (default `TURBO_REMOTE_CACHE_SIGNATURE_KEY`): uploads are signed, and an
    /// unsigned or badly signed artifact is refused with a warning.
    pub signature_key: Option<String>,
    /// A shared directory instead of a server (default `CACHECORE_REMOTE_DIR`).
    pub dir: Option<String>,
    /// Read the remote, never write it (untrusted runs; default `TURBO_REMOTE_CACHE_READ_ONLY`).
    pub read_only: Option<bool>,
    /// The producer identity in every key: tool, version and the config that shapes the
    /// analysis (default `cachecore@<version> schema <n>`).
    pub producer: Option<String>,
    /// The candidate base commits, best first (default `CACHECORE_REMOTE_BASE`, else git:
    /// HEAD, then the merge-base with the default branch and its first parents).
    pub base_commits: Option<Vec<String>>,
    /// Connect timeout in ms (default 2000).
    pub connect_timeout_ms: Option<f64>,
    /// Whole-request timeout in ms, body included (default `TURBO_REMOTE_CACHE_TIMEOUT`
    /// seconds, else 10000).
    pub timeout_ms: Option<f64>,
    /// The largest compressed artifact sent or accepted, in bytes (default 100 MiB, the
    /// ducktors server's body limit).
    pub max_artifact_bytes: Option<f64>,
    /// How long a process exit waits for this dispatch's upload, in ms (default 10000).
    pub exit_wait_ms: Option<f64>,
}

fn millis(env: &Env, v: Option<f64>, name: &str) -> napi::Result<Option<Duration>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(Duration::from_secs_f64(x / 1000.0))),
        Some(x) => Err(invalid(
            env,
            name,
            format!("expected a non-negative number of ms, got {x}"),
        )),
    }
}

fn overrides(env: &Env, o: RemoteCacheOptions) -> napi::Result<RemoteOverrides> {
    let bytes = match o.max_artifact_bytes {
        None => None,
        Some(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 => Some(x as u64),
        Some(x) => {
            return Err(invalid(
                env,
                "remote.maxArtifactBytes",
                format!("expected a non-negative integer, got {x}"),
            ))
        }
    };
    Ok(RemoteOverrides {
        enabled: o.enabled,
        api: o.api,
        token: o.token.map(Secret::new),
        team: o.team,
        team_id: o.team_id,
        signature_key: o.signature_key.map(Secret::new),
        dir: o.dir.map(Into::into),
        read_only: o.read_only,
        producer: o.producer,
        base_commits: o.base_commits,
        connect_timeout: millis(env, o.connect_timeout_ms, "remote.connectTimeoutMs")?,
        timeout: millis(env, o.timeout_ms, "remote.timeoutMs")?,
        max_artifact_bytes: bytes,
        exit_wait: millis(env, o.exit_wait_ms, "remote.exitWaitMs")?,
    })
}

/// The remote of a `remote` option: `false` off, `true` or absent from the environment, an
/// object field by field over the environment. A usable remote that may upload arms the exit
/// hook.
pub(crate) fn remote_config(env: &Env, v: Option<Unknown<'_>>) -> napi::Result<RemoteConfig> {
    let o = match v {
        None => RemoteOverrides::default(),
        Some(v) => match v.get_type()? {
            ValueType::Undefined | ValueType::Null => RemoteOverrides::default(),
            ValueType::Boolean => {
                let on: bool = arg(env, v, "remote")?;
                RemoteOverrides {
                    enabled: Some(on),
                    ..Default::default()
                }
            }
            ValueType::Object => {
                check_keys(env, v, REMOTE_CACHE_OPTIONS, "remote")?;
                let o: RemoteCacheOptions = arg(env, v, "remote")?;
                overrides(env, o)?
            }
            other => {
                return Err(invalid(
                    env,
                    "remote",
                    format!("expected false or an options object, got {other}"),
                ))
            }
        },
    };
    let config = core_config::resolve_from_process(&o);
    if let RemoteConfig::On(s) = &config {
        if !s.read_only {
            ensure_exit_hook();
        }
    }
    Ok(config)
}

extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::os::raw::c_int;
}

extern "C" fn wait_for_uploads_at_exit() {
    let _ = std::panic::catch_unwind(|| {
        let bound = core_upload::exit_wait();
        if !bound.is_zero() {
            core_upload::wait(bound);
        }
    });
}

/// Registers, once per process, the exit hook that waits for pending uploads (bounded).
fn ensure_exit_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: `atexit` takes a plain function pointer; ours never unwinds.
        unsafe {
            atexit(wait_for_uploads_at_exit);
        }
    });
}

/// Where the analysis came from when a remote is configured: `'local' | 'remote_exact' |
/// 'remote_base' | 'none'`.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheRemoteSource {
    /// The local cache (or nothing remote was needed).
    #[napi(value = "local")]
    Local,
    /// The remote artifact of these exact files, served without the producer.
    #[napi(value = "remote_exact")]
    RemoteExact,
    /// The remote artifact of a base commit, patched like a local base.
    #[napi(value = "remote_base")]
    RemoteBase,
    /// Nothing local, nothing remote: a full build.
    #[napi(value = "none")]
    Nothing,
}

mirror_enum!(
    CacheRemoteSource,
    core_info::CacheRemoteSource,
    [Local, RemoteExact, RemoteBase, Nothing]
);

/// The remote cache's part of a dispatch's `cache` info (cachecore's; absent without a remote).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CacheRemoteInfo {
    /// `http` (the Turborepo Remote Cache API) or `dir` (a shared directory).
    #[napi(ts_type = "'http' | 'dir'")]
    pub backend: String,
    /// The API URL and team, or the directory (never a token).
    pub endpoint: String,
    /// Where the served or patched analysis came from.
    pub source: CacheRemoteSource,
    /// Read-only: this process never uploads.
    pub read_only: bool,
    /// A signature key is set.
    pub signed: bool,
    /// The key of the artifact used.
    pub key: Option<String>,
    /// The base commit of a `remote_base` artifact.
    pub commit: Option<String>,
    /// The compressed bytes downloaded.
    pub bytes: Option<f64>,
    /// The time spent asking the remote, in ms.
    pub fetch_ms: Option<f64>,
    /// `scheduled` (an upload runs in the background) or `read_only`, after a commit.
    #[napi(ts_type = "'scheduled' | 'read_only'")]
    pub upload: Option<String>,
}

impl From<CacheRemoteInfo> for core_info::CacheRemoteInfo {
    fn from(r: CacheRemoteInfo) -> Self {
        Self {
            backend: r.backend,
            endpoint: r.endpoint,
            source: r.source.into(),
            read_only: r.read_only,
            signed: r.signed,
            key: r.key,
            commit: r.commit,
            bytes: r
                .bytes
                .filter(|b| b.is_finite() && *b >= 0.0)
                .map(|b| b as u64),
            fetch_ms: r.fetch_ms,
            upload: r.upload,
        }
    }
}

/// One check of `remoteCacheStatus`.
#[napi(object, object_from_js = false)]
pub struct RemoteCacheCheck {
    /// `configuration`, `reachable`, `auth`, `write` or `signature`.
    #[napi(ts_type = "'configuration' | 'reachable' | 'auth' | 'write' | 'signature'")]
    pub name: String,
    /// Whether it passed.
    pub ok: bool,
    /// What was found (never a secret).
    pub message: String,
}

/// The report of `remoteCacheStatus`.
#[napi(object, object_from_js = false)]
pub struct RemoteCacheStatus {
    /// Whether a remote is configured at all.
    pub configured: bool,
    /// `http` or `dir`.
    pub backend: Option<String>,
    /// The API URL and team, or the directory.
    pub endpoint: Option<String>,
    /// Read-only.
    pub read_only: bool,
    /// A signature key is set.
    pub signed: bool,
    /// The default producer identity of the keys.
    pub producer: Option<String>,
    /// The checks, in order.
    pub checks: Vec<RemoteCacheCheck>,
    /// Every check passed.
    pub ok: bool,
}

/// `remoteCacheStatus(options?)`: checks the remote the environment (and `options`) configure:
/// reachable, token accepted, a probe written and read back (unless read-only), and whether
/// signatures survive the round trip. Never throws for a remote problem: each is a failed
/// check. Bounded by the connect and request timeouts.
#[napi(ts_args_type = "options?: boolean | RemoteCacheOptions")]
pub fn remote_cache_status(
    env: Env,
    options: Option<Unknown<'_>>,
) -> napi::Result<RemoteCacheStatus> {
    exported(&env, "remoteCacheStatus", || {
        let config = remote_config(&env, options)?;
        let s = core_status::check_remote(&config);
        Ok(RemoteCacheStatus {
            configured: s.configured,
            backend: s.backend,
            endpoint: s.endpoint,
            read_only: s.read_only,
            signed: s.signed,
            producer: s.producer,
            checks: s
                .checks
                .into_iter()
                .map(|c| RemoteCacheCheck {
                    name: c.name.to_owned(),
                    ok: c.ok,
                    message: c.message,
                })
                .collect(),
            ok: s.ok,
        })
    })
}

/// One finished store of a background upload.
#[napi(object, object_from_js = false)]
pub struct RemoteUploadOutcome {
    /// The key.
    pub key: String,
    /// `exact` or `base`.
    #[napi(ts_type = "'exact' | 'base'")]
    pub kind: String,
    /// The commit of a base key.
    pub commit: Option<String>,
    /// The compressed bytes sent (0 when skipped).
    pub bytes: f64,
    /// `uploaded`, `present` (already stored, not sent again) or `failed`.
    #[napi(ts_type = "'uploaded' | 'present' | 'failed'")]
    pub result: String,
    /// Why it failed.
    pub warning: Option<CacheWarning>,
}

/// `{ pending, done }`: uploads still running, and those finished since the last report.
#[napi(object, object_from_js = false)]
pub struct RemoteUploadReport {
    /// Uploads still running when the wait ended.
    pub pending: u32,
    /// Finished stores, oldest first (each reported once).
    pub done: Vec<RemoteUploadOutcome>,
}

fn report_js(r: core_upload::UploadReport) -> RemoteUploadReport {
    RemoteUploadReport {
        pending: r.pending,
        done: r
            .done
            .into_iter()
            .map(|o| RemoteUploadOutcome {
                key: o.key,
                kind: o.kind.to_owned(),
                commit: o.commit,
                bytes: o.bytes as f64,
                result: o.result.to_owned(),
                warning: o.warning.map(|w| CacheWarning {
                    code: w.code,
                    message: w.message,
                    path: w.path,
                }),
            })
            .collect(),
    }
}

fn wait_bound(env: &Env, timeout_ms: Option<f64>) -> napi::Result<Duration> {
    Ok(millis(env, timeout_ms, "timeoutMs")?.unwrap_or(core_config::DEFAULT_EXIT_WAIT))
}

/// `flushRemoteUploadsSync(timeoutMs?)`: waits (blocking) until the background uploads of this
/// process are done, at most `timeoutMs` (default 10000), and reports them.
#[napi]
pub fn flush_remote_uploads_sync(
    env: Env,
    timeout_ms: Option<f64>,
) -> napi::Result<RemoteUploadReport> {
    exported(&env, "flushRemoteUploadsSync", || {
        Ok(report_js(core_upload::wait(wait_bound(&env, timeout_ms)?)))
    })
}

/// The async wait of `flushRemoteUploads`.
pub struct FlushTask {
    bound: Duration,
}

impl<'task> ScopedTask<'task> for FlushTask {
    type Output = core_upload::UploadReport;
    type JsValue = RemoteUploadReport;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(core_upload::wait(self.bound))
    }

    fn resolve(&mut self, _env: &'task Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(report_js(output))
    }
}

/// `flushRemoteUploads(timeoutMs?)`: resolves when the background uploads of this process are
/// done, or after `timeoutMs` (default 10000), with what became of them (a host prints upload
/// warnings from here: they happen after its dispatch returned).
#[napi(ts_return_type = "Promise<RemoteUploadReport>")]
pub fn flush_remote_uploads(
    env: Env,
    timeout_ms: Option<f64>,
) -> napi::Result<AsyncTask<FlushTask>> {
    let bound = wait_bound(&env, timeout_ms)?;
    Ok(AsyncTask::new(FlushTask { bound }))
}
