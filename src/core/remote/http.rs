//! The Turborepo Remote Cache API over HTTP(S), with `ureq` (blocking, rustls, the platform's
//! certificate verifier): `GET`/`PUT`/`HEAD /v8/artifacts/:hash` and
//! `GET /v8/artifacts/status`, `Authorization: Bearer <token>`, the team as `teamId=` or
//! `slug=`, the signature in `x-artifact-tag`.
//!
//! Every request has a connect timeout and a whole-request timeout (body included). Failures
//! are [`RemoteFailure`]s whose messages name the URL (which never holds the token) and never
//! the token.

use std::io::Read;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use super::codes::{
    RemoteFailure, REMOTE_AUTH, REMOTE_HTTP_ERROR, REMOTE_OVERSIZE, REMOTE_TIMEOUT,
    REMOTE_TRUNCATED, REMOTE_UNREACHABLE,
};
use super::config::{Secret, Team};

/// The header that carries an artifact's signature.
pub const TAG_HEADER: &str = "x-artifact-tag";

/// One server: where, who, and how long to wait.
#[derive(Debug, Clone)]
pub struct Server<'a> {
    /// The API base URL (no trailing slash).
    pub api: &'a str,
    /// The bearer token.
    pub token: &'a Secret,
    /// The team.
    pub team: &'a Team,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
}

/// A response body being read.
pub struct Download {
    /// The body (compressed artifact bytes), bounded by the caller's limit.
    pub reader: Box<dyn Read + Send>,
    /// The `x-artifact-tag` header, when present.
    pub tag: Option<String>,
    /// The `Content-Length`, when given.
    pub len: Option<u64>,
}

type Agents = Mutex<Vec<((Duration, Duration), ureq::Agent)>>;

/// One agent per pair of timeouts, kept for the process: its TLS configuration (the
/// platform's roots) is built once.
fn agent(connect: Duration, timeout: Duration) -> ureq::Agent {
    static AGENTS: OnceLock<Agents> = OnceLock::new();
    let agents = AGENTS.get_or_init(|| Mutex::new(Vec::new()));
    let mut agents = agents.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, a)) = agents.iter().find(|(k, _)| *k == (connect, timeout)) {
        return a.clone();
    }
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .build();
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(connect))
        .timeout_global(Some(timeout))
        .user_agent(format!("cachecore/{}", env!("CARGO_PKG_VERSION")))
        .tls_config(tls)
        .build();
    let a = ureq::Agent::new_with_config(config);
    agents.push(((connect, timeout), a.clone()));
    a
}

impl Server<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}/v8/{path}", self.api)
    }

    /// The artifact's URL, for messages (no query, no token).
    pub fn artifact_url(&self, key: &str) -> String {
        self.url(&format!("artifacts/{key}"))
    }

    fn request<B>(&self, rb: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        let rb = rb.header("Authorization", format!("Bearer {}", self.token.expose()));
        match self.team {
            Team::None => rb,
            Team::Slug(s) => rb.query("slug", s),
            Team::Id(s) => rb.query("teamId", s),
        }
    }

    /// A failure message with the token scrubbed, whatever produced it.
    fn scrub(&self, message: String) -> String {
        let t = self.token.expose();
        if t.is_empty() {
            message
        } else {
            message.replace(t, "***")
        }
    }

    fn failure(&self, what: &str, e: ureq::Error) -> RemoteFailure {
        let f = classify(e);
        RemoteFailure::new(f.code, self.scrub(format!("{what}: {}", f.message)))
    }

    fn status_failure(&self, what: &str, status: u16) -> RemoteFailure {
        let code = match status {
            401 | 403 => REMOTE_AUTH,
            413 => REMOTE_OVERSIZE,
            _ => REMOTE_HTTP_ERROR,
        };
        let hint = match status {
            401 | 403 => " (check TURBO_TOKEN and TURBO_TEAM)",
            413 => " (the server's body limit)",
            _ => "",
        };
        RemoteFailure::new(code, format!("{what}: HTTP {status}{hint}"))
    }

    /// `GET /v8/artifacts/:key`: `None` on 404 (a miss), the body otherwise. The body's reader
    /// fails past `limit` bytes.
    pub fn get(&self, key: &str, limit: u64) -> Result<Option<Download>, RemoteFailure> {
        let what = format!("GET {}", self.artifact_url(key));
        let a = agent(self.connect_timeout, self.timeout);
        let resp = self
            .request(a.get(&self.artifact_url(key)))
            .call()
            .map_err(|e| self.failure(&what, e))?;
        let status = resp.status().as_u16();
        if status == 404 {
            return Ok(None);
        }
        if !(200..300).contains(&status) {
            return Err(self.status_failure(&what, status));
        }
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let tag = header(TAG_HEADER).filter(|t| !t.is_empty());
        let len = header("content-length").and_then(|v| v.parse().ok());
        let reader = resp.into_body().into_with_config().limit(limit).reader();
        Ok(Some(Download {
            reader: Box::new(BodyErrors { inner: reader }),
            tag,
            len,
        }))
    }

    /// `HEAD /v8/artifacts/:key`: whether the server has it.
    pub fn exists(&self, key: &str) -> Result<bool, RemoteFailure> {
        let what = format!("HEAD {}", self.artifact_url(key));
        let a = agent(self.connect_timeout, self.timeout);
        let resp = self
            .request(a.head(&self.artifact_url(key)))
            .call()
            .map_err(|e| self.failure(&what, e))?;
        match resp.status().as_u16() {
            404 => Ok(false),
            s if (200..300).contains(&s) => Ok(true),
            s => Err(self.status_failure(&what, s)),
        }
    }

    /// `PUT /v8/artifacts/:key` with the body and, when signing, its tag.
    pub fn put(
        &self,
        key: &str,
        body: &[u8],
        tag: Option<&str>,
        duration_ms: u64,
    ) -> Result<(), RemoteFailure> {
        let what = format!("PUT {}", self.artifact_url(key));
        let a = agent(self.connect_timeout, self.timeout);
        let mut rb = self
            .request(a.put(&self.artifact_url(key)))
            .content_type("application/octet-stream")
            .header("x-artifact-client-ci", ci_name());
        if duration_ms > 0 {
            rb = rb.header("x-artifact-duration", duration_ms.to_string());
        }
        if let Some(tag) = tag {
            rb = rb.header(TAG_HEADER, tag);
        }
        let resp = rb.send(body).map_err(|e| self.failure(&what, e))?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(self.status_failure(&what, status));
        }
        Ok(())
    }

    /// `GET /v8/artifacts/status` (some servers check the token there, some do not): the
    /// reported status (`enabled`, `disabled`, ...).
    pub fn status(&self) -> Result<String, RemoteFailure> {
        let url = self.url("artifacts/status");
        let what = format!("GET {url}");
        let a = agent(self.connect_timeout, self.timeout);
        let mut resp = self
            .request(a.get(&url))
            .call()
            .map_err(|e| self.failure(&what, e))?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(self.status_failure(&what, status));
        }
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .map_err(|e| self.failure(&what, e))?;
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        Ok(v.get("status")
            .and_then(|s| s.as_str())
            .unwrap_or("unknown")
            .to_owned())
    }
}

/// The CI the process runs in (Turborepo's `x-artifact-client-ci`), or `local`.
fn ci_name() -> &'static str {
    if std::env::var_os("GITHUB_ACTIONS").is_some() {
        "github-actions"
    } else if std::env::var_os("GITLAB_CI").is_some() {
        "gitlab"
    } else if std::env::var_os("CI").is_some() {
        "ci"
    } else {
        "local"
    }
}

/// What kind of failure a `ureq` error is.
pub fn classify(e: ureq::Error) -> RemoteFailure {
    use std::io::ErrorKind as K;
    match e {
        ureq::Error::Timeout(t) => RemoteFailure::new(REMOTE_TIMEOUT, format!("timed out ({t})")),
        ureq::Error::HostNotFound => RemoteFailure::new(REMOTE_UNREACHABLE, "host not found"),
        ureq::Error::ConnectionFailed => {
            RemoteFailure::new(REMOTE_UNREACHABLE, "connection failed")
        }
        ureq::Error::BodyExceedsLimit(n) => RemoteFailure::new(
            REMOTE_OVERSIZE,
            format!("artifact over the size limit of {n} bytes"),
        ),
        ureq::Error::Io(io) => match io.kind() {
            K::TimedOut | K::WouldBlock => {
                RemoteFailure::new(REMOTE_TIMEOUT, format!("timed out ({io})"))
            }
            K::ConnectionRefused | K::NotFound | K::AddrNotAvailable => {
                RemoteFailure::new(REMOTE_UNREACHABLE, format!("connection refused ({io})"))
            }
            K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => {
                RemoteFailure::new(REMOTE_TRUNCATED, format!("connection cut ({io})"))
            }
            _ => RemoteFailure::new(REMOTE_UNREACHABLE, format!("I/O error ({io})")),
        },
        other => {
            let text = other.to_string();
            let code = if text.to_ascii_lowercase().contains("tls")
                || text.to_ascii_lowercase().contains("certificate")
            {
                REMOTE_UNREACHABLE
            } else {
                REMOTE_HTTP_ERROR
            };
            RemoteFailure::new(code, text)
        }
    }
}

/// Errors from reading a body as `io::Error`s whose payload is the [`RemoteFailure`] they
/// stand for, so a reader above can tell a timeout from a cut body.
struct BodyErrors<R> {
    inner: R,
}

impl<R: Read> Read for BodyErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            let f = classify(ureq::Error::from(e));
            std::io::Error::other(FailureError(f))
        })
    }
}

/// A [`RemoteFailure`] carried inside an `io::Error`.
#[derive(Debug)]
pub struct FailureError(pub RemoteFailure);

impl std::fmt::Display for FailureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for FailureError {}

/// The [`RemoteFailure`] an `io::Error` from a body reader carries, if any.
pub fn carried_failure(e: &std::io::Error) -> Option<RemoteFailure> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<FailureError>())
        .map(|f| f.0.clone())
}
