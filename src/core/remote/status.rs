//! `cachecore remote status`: is the remote reachable, is the token accepted, can this process
//! write, and do signatures survive the round trip (a server that drops `x-artifact-tag` makes
//! every signed artifact look unsigned). Each check is a line with `ok` and a message; no
//! message holds a secret.

use std::io::Read;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::backend::server;
use super::codes::RemoteFailure;
use super::config::{Backend, RemoteConfig, RemoteSettings};
use super::http::Download;
use super::signature::Signer;
use super::{backend, dir};

/// One check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusCheck {
    /// `configuration`, `reachable`, `auth`, `write` or `signature`.
    pub name: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// What was found.
    pub message: String,
}

/// The report of `remote status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteStatus {
    /// Whether a remote is configured at all.
    pub configured: bool,
    /// `http` or `dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    /// The API URL and team, or the directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Read-only.
    pub read_only: bool,
    /// A signature key is set.
    pub signed: bool,
    /// The producer identity the keys use by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub producer: Option<String>,
    /// The checks, in order.
    pub checks: Vec<StatusCheck>,
    /// Every check passed.
    pub ok: bool,
}

/// The key the probe artifact is stored under (one fixed key: probes overwrite each other).
pub fn probe_key() -> String {
    format!("{:x}", Sha256::digest(b"cachecore remote status probe v1"))
}

const PROBE: &[u8] = b"cachecore remote status probe";

fn check(name: &'static str, ok: bool, message: impl Into<String>) -> StatusCheck {
    StatusCheck {
        name,
        ok,
        message: message.into(),
    }
}

fn failed(name: &'static str, f: &RemoteFailure) -> StatusCheck {
    check(name, false, format!("{} ({})", f.message, f.code))
}

fn get_raw(s: &RemoteSettings, key: &str) -> Result<Option<Download>, RemoteFailure> {
    match (&s.backend, server(s)) {
        (_, Some(srv)) => srv.get(key, 1 << 20),
        (Backend::Dir { dir }, None) => dir::get(dir, key, 1 << 20),
        _ => unreachable!("an http backend has a server"),
    }
}

/// Runs the checks of `config`.
pub fn check_remote(config: &RemoteConfig) -> RemoteStatus {
    let s = match config {
        RemoteConfig::Off => {
            return RemoteStatus {
                configured: false,
                backend: None,
                endpoint: None,
                read_only: false,
                signed: false,
                producer: None,
                checks: vec![check(
                    "configuration",
                    false,
                    "no remote cache configured: set TURBO_TOKEN (with TURBO_API and TURBO_TEAM) or CACHECORE_REMOTE_DIR",
                )],
                ok: false,
            }
        }
        RemoteConfig::Unusable(w) => {
            return RemoteStatus {
                configured: true,
                backend: None,
                endpoint: None,
                read_only: false,
                signed: false,
                producer: None,
                checks: vec![check("configuration", false, w.message.clone())],
                ok: false,
            }
        }
        RemoteConfig::On(s) => s.as_ref(),
    };
    let mut checks = Vec::new();
    run_checks(s, &mut checks);
    RemoteStatus {
        configured: true,
        backend: Some(s.backend.kind().to_owned()),
        endpoint: Some(s.backend.endpoint()),
        read_only: s.read_only,
        signed: s.signature_key.is_some(),
        producer: Some(s.producer.clone()),
        ok: checks.iter().all(|c| c.ok),
        checks,
    }
}

fn run_checks(s: &RemoteSettings, checks: &mut Vec<StatusCheck>) {
    // Reachable.
    match (&s.backend, server(s)) {
        (_, Some(srv)) => match srv.status() {
            Ok(status) => checks.push(check(
                "reachable",
                status == "enabled",
                format!("{} answers; remote caching {status}", srv.api),
            )),
            Err(f) if f.code == super::codes::REMOTE_AUTH => {
                checks.push(check("reachable", true, format!("{} answers", srv.api)));
            }
            Err(f) => {
                checks.push(failed("reachable", &f));
                return;
            }
        },
        (Backend::Dir { dir }, None) => {
            if !dir.is_dir() {
                checks.push(check(
                    "reachable",
                    false,
                    format!("{} is not a directory", dir.display()),
                ));
                return;
            }
            checks.push(check(
                "reachable",
                true,
                format!("{} is a directory", dir.display()),
            ));
        }
        _ => unreachable!("an http backend has a server"),
    }
    // Auth: a read of the probe key is a 404 or the probe, never a 401/403.
    let key = probe_key();
    match backend::exists(s, &key) {
        Ok(_) => checks.push(check(
            "auth",
            true,
            match s.backend {
                Backend::Http { .. } => "token accepted for reading",
                Backend::Dir { .. } => "directory readable",
            },
        )),
        Err(f) => {
            checks.push(failed("auth", &f));
            return;
        }
    }
    if s.read_only {
        checks.push(check(
            "write",
            true,
            "skipped: read-only (this process never uploads)",
        ));
        checks.push(check(
            "signature",
            true,
            match s.signature_key {
                Some(_) => "key set: artifacts without a valid signature are refused (round trip not checked: read-only)",
                None => "off: artifacts are not verified by signature (set TURBO_REMOTE_CACHE_SIGNATURE_KEY)",
            },
        ));
        return;
    }
    // Write, then read back: the body and, with a key, a verifying tag.
    if let Err(f) = backend::store(s, &key, PROBE, 0) {
        checks.push(failed("write", &f));
        return;
    }
    let back = match get_raw(s, &key) {
        Ok(Some(mut d)) => {
            let mut body = Vec::new();
            match d.reader.read_to_end(&mut body) {
                Ok(_) => Some((body, d.tag)),
                Err(e) => {
                    checks.push(check(
                        "write",
                        false,
                        format!("probe read back failed: {e}"),
                    ));
                    return;
                }
            }
        }
        Ok(None) => None,
        Err(f) => {
            checks.push(failed("write", &f));
            return;
        }
    };
    let Some((body, tag)) = back else {
        let why = if s.signature_key.is_some() {
            "probe stored but not served back: a server that keeps no x-artifact-tag answers 404 for signed artifacts (ducktors: set TURBO_REMOTE_CACHE_SIGNATURE_KEY on the server too)"
        } else {
            "probe stored but not served back"
        };
        checks.push(check("write", false, why));
        return;
    };
    if body != PROBE {
        checks.push(check("write", false, "probe read back differs"));
        return;
    }
    checks.push(check("write", true, "upload and read back work"));
    match (&s.signature_key, tag) {
        (None, _) => checks.push(check(
            "signature",
            true,
            "off: artifacts are not signed or verified (set TURBO_REMOTE_CACHE_SIGNATURE_KEY)",
        )),
        (Some(_), None) => checks.push(check(
            "signature",
            false,
            "the server does not keep x-artifact-tag: every signed artifact would be refused as unsigned (ducktors: set TURBO_REMOTE_CACHE_SIGNATURE_KEY on the server)",
        )),
        (Some(k), Some(tag)) => {
            let mut v = Signer::new(k, &key, backend::team(s));
            v.update(&body);
            if v.verify(&tag) {
                checks.push(check("signature", true, "signed upload verified on the way back"));
            } else {
                checks.push(check(
                    "signature",
                    false,
                    "the tag served back does not verify",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::remote::config::{resolve, RemoteOverrides};

    #[test]
    fn directory_backend_checks() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().to_str().unwrap().to_owned();
        let cfg = resolve(&RemoteOverrides::default(), |n| {
            (n == "CACHECORE_REMOTE_DIR").then(|| dir.clone())
        });
        let st = check_remote(&cfg);
        assert!(st.ok, "{st:?}");
        assert_eq!(
            st.checks.iter().map(|c| c.name).collect::<Vec<_>>(),
            ["reachable", "auth", "write", "signature"]
        );
        let off = check_remote(&RemoteConfig::Off);
        assert!(!off.ok && !off.configured);
        let missing = resolve(&RemoteOverrides::default(), |n| {
            (n == "CACHECORE_REMOTE_DIR").then(|| "/nonexistent/cachecore".to_owned())
        });
        assert!(!check_remote(&missing).ok);
    }
}
