//! Fetching and storing one artifact, whatever the backend: the size limit, the signature
//! (computed over the body as it streams) and the decoding, in one pass over the body.

use std::io::{self, Read};

use super::artifact::{self, Artifact, DecodeLimits};
use super::codes::{RemoteFailure, REMOTE_IO_ERROR, REMOTE_OVERSIZE, REMOTE_SIGNATURE};
use super::config::{Backend, RemoteSettings};
use super::dir;
use super::http::{self, Download, Server};
use super::signature::{self, Signer};

/// A verified-as-far-as-bytes-go artifact: decoded, within the limits, its signature checked
/// when a key is set. Its binding to a key is the caller's check.
#[derive(Debug)]
pub struct Fetched {
    /// The artifact.
    pub artifact: Artifact,
    /// The compressed bytes read.
    pub bytes: u64,
    /// Whether its signature was verified.
    pub signed: bool,
}

/// The HTTP server of an `http` backend (`None` for a directory).
pub(crate) fn server(s: &RemoteSettings) -> Option<Server<'_>> {
    match &s.backend {
        Backend::Http { api, token, team } => Some(Server {
            api,
            token,
            team,
            connect_timeout: s.connect_timeout,
            timeout: s.timeout,
        }),
        Backend::Dir { .. } => None,
    }
}

/// The team the signature's metadata names.
pub(crate) fn team(s: &RemoteSettings) -> &str {
    match &s.backend {
        Backend::Http { team, .. } => team.name(),
        Backend::Dir { .. } => "",
    }
}

/// Where the artifact of `key` lives, for warnings (a URL or a path; never a secret).
pub fn place(s: &RemoteSettings, key: &str) -> String {
    match (&s.backend, server(s)) {
        (_, Some(srv)) => srv.artifact_url(key),
        (Backend::Dir { dir }, None) => dir.join(key).display().to_string(),
        (Backend::Http { .. }, None) => unreachable!("an http backend has a server"),
    }
}

/// Counts, bounds and signs the body as the decoder reads it, and remembers the first failure
/// of the source (a timeout, a cut connection) so it is reported as what it is.
struct Metered<R> {
    inner: R,
    signer: Option<Signer>,
    count: u64,
    max: u64,
    failure: Option<RemoteFailure>,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.count += n as u64;
                if self.count > self.max {
                    let f = RemoteFailure::new(
                        REMOTE_OVERSIZE,
                        format!("artifact over the size limit of {} bytes", self.max),
                    );
                    self.failure.get_or_insert(f);
                    return Err(io::Error::other("artifact over the size limit"));
                }
                if let Some(s) = &mut self.signer {
                    s.update(&buf[..n]);
                }
                Ok(n)
            }
            Err(e) => {
                let f = http::carried_failure(&e).unwrap_or_else(|| {
                    RemoteFailure::new(REMOTE_IO_ERROR, format!("artifact read failed ({e})"))
                });
                self.failure.get_or_insert(f);
                Err(e)
            }
        }
    }
}

/// Fetches and decodes the artifact of `key`: `None` when there is none.
pub fn fetch(
    s: &RemoteSettings,
    key: &str,
    limits: DecodeLimits,
) -> Result<Option<Fetched>, RemoteFailure> {
    let max = s.max_artifact_bytes;
    let download = match (&s.backend, server(s)) {
        (_, Some(srv)) => srv.get(key, max)?,
        (Backend::Dir { dir }, None) => dir::get(dir, key, max)?,
        (Backend::Http { .. }, None) => unreachable!("an http backend has a server"),
    };
    let Some(Download { reader, tag, len }) = download else {
        return Ok(None);
    };
    if let Some(len) = len.filter(|&l| l > max) {
        return Err(RemoteFailure::new(
            REMOTE_OVERSIZE,
            format!("artifact of {len} bytes over the size limit of {max} bytes"),
        ));
    }
    let signer = match (&s.signature_key, &tag) {
        (Some(_), None) => {
            return Err(RemoteFailure::new(
                REMOTE_SIGNATURE,
                "unsigned artifact refused (a signature key is set)",
            ))
        }
        (Some(k), Some(_)) => Some(Signer::new(k, key, team(s))),
        (None, _) => None,
    };
    let mut body = Metered {
        inner: reader,
        signer,
        count: 0,
        max,
        failure: None,
    };
    let decoded = artifact::decode(&mut body, limits);
    // The signature covers the whole body: read what the decoder left (within the limit),
    // also after a decoding error, so that a tampered body is reported as tampered.
    if body.failure.is_none() {
        if let Err(e) = io::copy(&mut body, &mut io::sink()) {
            body.failure.get_or_insert_with(|| {
                RemoteFailure::new(REMOTE_IO_ERROR, format!("artifact read failed ({e})"))
            });
        }
    }
    // The source failing (a timeout, a cut connection, the limit) is what happened.
    if let Some(f) = body.failure.take() {
        return Err(f);
    }
    let signed = match (body.signer.take(), tag) {
        (Some(signer), Some(tag)) => {
            if !signer.verify(&tag) {
                return Err(RemoteFailure::new(
                    REMOTE_SIGNATURE,
                    "artifact signature does not verify (tampered, or signed with another key); refused",
                ));
            }
            true
        }
        _ => false,
    };
    Ok(Some(Fetched {
        artifact: decoded?,
        bytes: body.count,
        signed,
    }))
}

/// Whether an artifact is stored under `key`.
pub fn exists(s: &RemoteSettings, key: &str) -> Result<bool, RemoteFailure> {
    match (&s.backend, server(s)) {
        (_, Some(srv)) => srv.exists(key),
        (Backend::Dir { dir }, None) => Ok(dir.join(key).is_file()),
        (Backend::Http { .. }, None) => unreachable!("an http backend has a server"),
    }
}

/// Stores `body` under `key`, signed when a signature key is set.
pub fn store(
    s: &RemoteSettings,
    key: &str,
    body: &[u8],
    duration_ms: u64,
) -> Result<(), RemoteFailure> {
    if body.len() as u64 > s.max_artifact_bytes {
        return Err(RemoteFailure::new(
            REMOTE_OVERSIZE,
            format!(
                "artifact of {} bytes over the size limit of {} bytes; not uploaded",
                body.len(),
                s.max_artifact_bytes
            ),
        ));
    }
    let tag = s
        .signature_key
        .as_ref()
        .map(|k| signature::sign(k, key, team(s), body));
    match (&s.backend, server(s)) {
        (_, Some(srv)) => srv.put(key, body, tag.as_deref(), duration_ms),
        (Backend::Dir { dir }, None) => dir::put(dir, key, body, tag.as_deref()),
        (Backend::Http { .. }, None) => unreachable!("an http backend has a server"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::remote::artifact::tests::{header_for, identity, LIMITS};
    use crate::core::remote::codes::{REMOTE_SIGNATURE, REMOTE_TRUNCATED};
    use crate::core::remote::config::{default_producer, Secret, DEFAULT_EXIT_WAIT};
    use std::time::Duration;

    fn settings(dir: &std::path::Path, key: Option<&str>) -> RemoteSettings {
        RemoteSettings {
            backend: Backend::Dir {
                dir: dir.to_path_buf(),
            },
            signature_key: key.map(Secret::new),
            read_only: false,
            producer: default_producer(),
            base_commits: None,
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            max_artifact_bytes: 1 << 20,
            exit_wait: DEFAULT_EXIT_WAIT,
        }
    }

    fn body() -> Vec<u8> {
        let data = "{\"a\":1}";
        artifact::encode_to_vec(&header_for(&identity(), data, None), data).unwrap()
    }

    #[test]
    fn signed_round_trip_and_every_refusal() {
        let d = tempfile::tempdir().unwrap();
        let signed = settings(d.path(), Some("k"));
        store(&signed, "k1", &body(), 5).unwrap();
        let f = fetch(&signed, "k1", LIMITS).unwrap().unwrap();
        assert!(f.signed);
        assert_eq!(f.artifact.data, "{\"a\":1}");
        assert_eq!(f.bytes, body().len() as u64);
        // Another key: the tag does not verify.
        let other = settings(d.path(), Some("other"));
        assert_eq!(
            fetch(&other, "k1", LIMITS).unwrap_err().code,
            REMOTE_SIGNATURE
        );
        // Copied to another key: the tag names its key.
        std::fs::copy(d.path().join("k1"), d.path().join("k2")).unwrap();
        std::fs::copy(d.path().join("k1.tag"), d.path().join("k2.tag")).unwrap();
        assert_eq!(
            fetch(&signed, "k2", LIMITS).unwrap_err().code,
            REMOTE_SIGNATURE
        );
        // Unsigned with a key set: refused; without a key: accepted.
        let plain = settings(d.path(), None);
        store(&plain, "k3", &body(), 5).unwrap();
        assert_eq!(
            fetch(&signed, "k3", LIMITS).unwrap_err().code,
            REMOTE_SIGNATURE
        );
        assert!(!fetch(&plain, "k3", LIMITS).unwrap().unwrap().signed);
        // Cut: never decoded.
        let b = body();
        std::fs::write(d.path().join("k3"), &b[..b.len() - 3]).unwrap();
        assert_eq!(
            fetch(&plain, "k3", LIMITS).unwrap_err().code,
            REMOTE_TRUNCATED
        );
        // Over the limit, both ways.
        let mut small = settings(d.path(), None);
        small.max_artifact_bytes = 10;
        assert_eq!(
            fetch(&small, "k1", LIMITS).unwrap_err().code,
            REMOTE_OVERSIZE
        );
        assert_eq!(
            store(&small, "k4", &b, 1).unwrap_err().code,
            REMOTE_OVERSIZE
        );
        assert!(fetch(&plain, "k4", LIMITS).unwrap().is_none());
    }
}
