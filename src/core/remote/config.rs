//! What the remote cache talks to, resolved from the environment Turborepo users already have
//! (`TURBO_API`, `TURBO_TOKEN`, `TURBO_TEAM`/`TURBO_TEAMID`, `TURBO_REMOTE_CACHE_SIGNATURE_KEY`,
//! `TURBO_REMOTE_CACHE_READ_ONLY`, `TURBO_REMOTE_CACHE_TIMEOUT`) and cachecore's own
//! (`CACHECORE_REMOTE`, `CACHECORE_REMOTE_DIR`, `CACHECORE_REMOTE_BASE`,
//! `CACHECORE_REMOTE_READ_ONLY`), with the host's options winning field by field.
//!
//! Secrets (the token, the signature key) are [`Secret`]s: their `Debug` prints `***`, and no
//! message of this module names them.

use std::path::PathBuf;
use std::time::Duration;

use super::codes::{RemoteFailure, REMOTE_UNAVAILABLE};
use crate::core::contract::config::CACHE_SCHEMA_VERSION;
use crate::core::contract::dispatch_info::CacheWarning;

/// Turborepo's default API (Vercel's remote cache), used when `TURBO_TOKEN` is set without
/// `TURBO_API`.
pub const DEFAULT_TURBO_API: &str = "https://vercel.com/api";
/// How long connecting (DNS, TCP, TLS) may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one request may take in all, body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest artifact sent or accepted (compressed): the ducktors server's default body
/// limit, 100 MiB.
pub const DEFAULT_MAX_ARTIFACT_BYTES: u64 = 100 * 1024 * 1024;
/// How long a process exit waits for pending uploads.
pub const DEFAULT_EXIT_WAIT: Duration = Duration::from_secs(10);

/// A secret string (a token, a signature key). It is only ever read through
/// [`Secret::expose`]; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself, for the one place that sends or uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How requests name the team: `teamId=` (Vercel's `team_…` ids, `TURBO_TEAMID`) or `slug=`
/// (`TURBO_TEAM`), or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Team {
    /// No team parameter.
    None,
    /// `?slug=<team>`.
    Slug(String),
    /// `?teamId=<id>`.
    Id(String),
}

impl Team {
    /// The team as the signature's metadata names it (empty when none).
    pub fn name(&self) -> &str {
        match self {
            Team::None => "",
            Team::Slug(s) | Team::Id(s) => s,
        }
    }
}

/// Where artifacts live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// A Turborepo Remote Cache API server.
    Http {
        /// The API base (`TURBO_API`), without a trailing slash.
        api: String,
        /// The bearer token.
        token: Secret,
        /// The team.
        team: Team,
    },
    /// A plain shared directory (a network mount, a CI cache folder restored between jobs).
    Dir {
        /// The directory.
        dir: PathBuf,
    },
}

impl Backend {
    /// `http` or `dir`.
    pub fn kind(&self) -> &'static str {
        match self {
            Backend::Http { .. } => "http",
            Backend::Dir { .. } => "dir",
        }
    }

    /// Where it is, for people and for the per-process health record: the API URL with the
    /// team, or the directory. Never holds the token.
    pub fn endpoint(&self) -> String {
        match self {
            Backend::Http { api, team, .. } => match team {
                Team::None => api.clone(),
                Team::Slug(s) => format!("{api} (team {s})"),
                Team::Id(s) => format!("{api} (team id {s})"),
            },
            Backend::Dir { dir } => dir.display().to_string(),
        }
    }
}

/// A usable remote configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSettings {
    /// The backend.
    pub backend: Backend,
    /// The HMAC key: every upload is signed, and an unsigned or badly signed artifact is refused.
    pub signature_key: Option<Secret>,
    /// Read the remote, never write it (untrusted runs, Turborepo's `--remote-cache-read-only`).
    pub read_only: bool,
    /// The producer identity: tool, version and the config that shapes the analysis. Part of
    /// every key.
    pub producer: String,
    /// The candidate base commits in order; `None` asks git (HEAD, then the merge-base with the
    /// default branch and its first parents).
    pub base_commits: Option<Vec<String>>,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// The largest compressed artifact sent or accepted.
    pub max_artifact_bytes: u64,
    /// How long a process exit waits for this dispatch's upload.
    pub exit_wait: Duration,
}

/// The resolved remote of a dispatch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RemoteConfig {
    /// No remote (not configured, or switched off).
    #[default]
    Off,
    /// A remote to use.
    On(Box<RemoteSettings>),
    /// Configured but unusable: the dispatch runs as without a remote, with this warning.
    Unusable(CacheWarning),
}

/// What a host (or the CLI) sets; each field given wins over the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteOverrides {
    /// `false` switches the remote off whatever the environment says.
    pub enabled: Option<bool>,
    /// The API base URL.
    pub api: Option<String>,
    /// The bearer token.
    pub token: Option<Secret>,
    /// The team slug.
    pub team: Option<String>,
    /// The team id.
    pub team_id: Option<String>,
    /// The signature key.
    pub signature_key: Option<Secret>,
    /// A shared directory instead of a server.
    pub dir: Option<PathBuf>,
    /// Read-only.
    pub read_only: Option<bool>,
    /// The producer identity.
    pub producer: Option<String>,
    /// The candidate base commits.
    pub base_commits: Option<Vec<String>>,
    /// Connect timeout.
    pub connect_timeout: Option<Duration>,
    /// Request timeout.
    pub timeout: Option<Duration>,
    /// Size limit.
    pub max_artifact_bytes: Option<u64>,
    /// Exit wait.
    pub exit_wait: Option<Duration>,
}

/// cachecore's default producer identity: the contract's cache schema and cachecore's version.
pub fn default_producer() -> String {
    format!(
        "cachecore@{} schema {}",
        env!("CARGO_PKG_VERSION"),
        CACHE_SCHEMA_VERSION
    )
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

fn falsy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "0" | "false" | "no" | "off"
    )
}

/// Turborepo 2's `TURBO_CACHE` (`local:rw,remote:r`): whether it makes the remote read-only.
fn turbo_cache_read_only(v: &str) -> bool {
    v.split(',').any(|part| {
        let part = part.trim();
        part.strip_prefix("remote:")
            .is_some_and(|mode| mode.contains('r') && !mode.contains('w'))
    })
}

fn unusable(message: impl Into<String>) -> RemoteConfig {
    RemoteConfig::Unusable(RemoteFailure::new(REMOTE_UNAVAILABLE, message).warning(""))
}

/// Resolves the remote from the overrides and the environment (`env(name)`, for tests a map).
pub fn resolve(o: &RemoteOverrides, env: impl Fn(&str) -> Option<String>) -> RemoteConfig {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if o.enabled == Some(false) {
        return RemoteConfig::Off;
    }
    if o.enabled.is_none() && env("CACHECORE_REMOTE").is_some_and(|v| falsy(&v)) {
        return RemoteConfig::Off;
    }
    let dir = o
        .dir
        .clone()
        .or_else(|| env("CACHECORE_REMOTE_DIR").map(PathBuf::from));
    let token = o
        .token
        .clone()
        .or_else(|| env("TURBO_TOKEN").map(Secret::new));
    let backend = match (dir, token) {
        (Some(dir), _) => Backend::Dir { dir },
        (None, Some(token)) => {
            let api = o
                .api
                .clone()
                .or_else(|| env("TURBO_API"))
                .unwrap_or_else(|| DEFAULT_TURBO_API.to_owned());
            let api = api.trim().trim_end_matches('/').to_owned();
            if !(api.starts_with("https://") || api.starts_with("http://")) {
                return unusable(format!(
                    "remote cache API must be an http:// or https:// URL (got {api:?}); running without the remote"
                ));
            }
            let team = match (&o.team_id, &o.team) {
                (Some(id), _) => Team::Id(id.clone()),
                (None, Some(slug)) => Team::Slug(slug.clone()),
                (None, None) => match (env("TURBO_TEAMID"), env("TURBO_TEAM")) {
                    (Some(id), _) => Team::Id(id),
                    (None, Some(slug)) => Team::Slug(slug),
                    (None, None) => Team::None,
                },
            };
            Backend::Http { api, token, team }
        }
        (None, None) => {
            if o.enabled == Some(true) {
                return unusable(
                    "remote cache enabled but neither a token (TURBO_TOKEN) nor a directory (CACHECORE_REMOTE_DIR) is set; running without the remote",
                );
            }
            return RemoteConfig::Off;
        }
    };
    let read_only = o.read_only.unwrap_or_else(|| {
        env("TURBO_REMOTE_CACHE_READ_ONLY").is_some_and(|v| truthy(&v))
            || env("CACHECORE_REMOTE_READ_ONLY").is_some_and(|v| truthy(&v))
            || env("TURBO_CACHE").is_some_and(|v| turbo_cache_read_only(&v))
    });
    let timeout = o.timeout.unwrap_or_else(|| {
        env("TURBO_REMOTE_CACHE_TIMEOUT")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64)
            .unwrap_or(DEFAULT_TIMEOUT)
    });
    let base_commits = o.base_commits.clone().or_else(|| {
        env("CACHECORE_REMOTE_BASE").map(|v| {
            v.split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
    });
    RemoteConfig::On(Box::new(RemoteSettings {
        backend,
        signature_key: o
            .signature_key
            .clone()
            .or_else(|| env("TURBO_REMOTE_CACHE_SIGNATURE_KEY").map(Secret::new)),
        read_only,
        producer: o.producer.clone().unwrap_or_else(default_producer),
        base_commits,
        connect_timeout: o.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        timeout,
        max_artifact_bytes: o.max_artifact_bytes.unwrap_or(DEFAULT_MAX_ARTIFACT_BYTES),
        exit_wait: o.exit_wait.unwrap_or(DEFAULT_EXIT_WAIT),
    }))
}

/// [`resolve`] against the process environment.
pub fn resolve_from_process(o: &RemoteOverrides) -> RemoteConfig {
    resolve(o, |name| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn on(c: RemoteConfig) -> RemoteSettings {
        match c {
            RemoteConfig::On(s) => *s,
            other => panic!("expected a remote, got {other:?}"),
        }
    }

    #[test]
    fn turbo_environment_is_enough() {
        let s = on(resolve(
            &RemoteOverrides::default(),
            env(&[
                ("TURBO_API", "http://127.0.0.1:3000/"),
                ("TURBO_TOKEN", "tok"),
                ("TURBO_TEAM", "acme"),
            ]),
        ));
        assert_eq!(
            s.backend,
            Backend::Http {
                api: "http://127.0.0.1:3000".into(),
                token: Secret::new("tok"),
                team: Team::Slug("acme".into())
            }
        );
        assert!(!s.read_only && s.signature_key.is_none());
        assert_eq!(s.producer, default_producer());
        assert!(s.producer.contains(env!("CARGO_PKG_VERSION")) && s.producer.contains("schema 1"));
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
    }

    #[test]
    fn token_alone_means_vercel_and_nothing_means_off() {
        let s = on(resolve(
            &RemoteOverrides::default(),
            env(&[("TURBO_TOKEN", "t"), ("TURBO_TEAMID", "team-1")]),
        ));
        match s.backend {
            Backend::Http { api, team, .. } => {
                assert_eq!(api, DEFAULT_TURBO_API);
                assert_eq!(team, Team::Id("team-1".into()));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            resolve(&RemoteOverrides::default(), env(&[])),
            RemoteConfig::Off
        );
        assert_eq!(
            resolve(&RemoteOverrides::default(), env(&[("TURBO_TEAM", "x")])),
            RemoteConfig::Off
        );
    }

    #[test]
    fn overrides_win_and_switch_off() {
        let e = env(&[
            ("TURBO_TOKEN", "t"),
            ("TURBO_API", "http://a"),
            ("TURBO_REMOTE_CACHE_READ_ONLY", "1"),
        ]);
        let o = RemoteOverrides {
            api: Some("http://b".into()),
            read_only: Some(false),
            timeout: Some(Duration::from_millis(500)),
            ..Default::default()
        };
        let s = on(resolve(&o, &e));
        assert!(matches!(s.backend, Backend::Http { ref api, .. } if api == "http://b"));
        assert!(!s.read_only);
        assert_eq!(s.timeout, Duration::from_millis(500));
        let off = RemoteOverrides {
            enabled: Some(false),
            ..Default::default()
        };
        assert_eq!(resolve(&off, &e), RemoteConfig::Off);
        assert_eq!(
            resolve(
                &RemoteOverrides::default(),
                env(&[("TURBO_TOKEN", "t"), ("CACHECORE_REMOTE", "off")])
            ),
            RemoteConfig::Off
        );
    }

    #[test]
    fn read_only_from_turbo_cache_and_dir_backend() {
        let s = on(resolve(
            &RemoteOverrides::default(),
            env(&[
                ("CACHECORE_REMOTE_DIR", "/mnt/cache"),
                ("TURBO_CACHE", "local:rw,remote:r"),
                ("CACHECORE_REMOTE_BASE", "abc, def"),
                ("TURBO_REMOTE_CACHE_TIMEOUT", "1.5"),
            ]),
        ));
        assert_eq!(
            s.backend,
            Backend::Dir {
                dir: "/mnt/cache".into()
            }
        );
        assert!(s.read_only);
        assert_eq!(s.base_commits, Some(vec!["abc".into(), "def".into()]));
        assert_eq!(s.timeout, Duration::from_millis(1500));
        assert!(!turbo_cache_read_only("local:rw,remote:rw"));
    }

    #[test]
    fn bad_api_is_unusable_and_secrets_never_print() {
        let c = resolve(
            &RemoteOverrides::default(),
            env(&[("TURBO_TOKEN", "s3cr3t"), ("TURBO_API", "ftp://x")]),
        );
        let RemoteConfig::Unusable(w) = &c else {
            panic!("{c:?}")
        };
        assert_eq!(w.code, REMOTE_UNAVAILABLE);
        let s = on(resolve(
            &RemoteOverrides::default(),
            env(&[
                ("TURBO_TOKEN", "s3cr3t"),
                ("TURBO_REMOTE_CACHE_SIGNATURE_KEY", "k3y"),
            ]),
        ));
        let shown = format!("{s:?} {} {}", s.backend.endpoint(), w.message);
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("k3y"),
            "{shown}"
        );
        let enabled_alone = RemoteOverrides {
            enabled: Some(true),
            ..Default::default()
        };
        assert!(matches!(
            resolve(&enabled_alone, env(&[])),
            RemoteConfig::Unusable(_)
        ));
    }
}
