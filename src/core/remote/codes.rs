//! The warning codes of the remote cache. Every remote problem is one of these warnings on the
//! dispatch's `cache.warnings` (or on the upload report), never a thrown error.

use crate::core::contract::dispatch_info::CacheWarning;

/// The remote configuration cannot be used (a bad URL, records hashed with FNV-1a, ...).
pub const REMOTE_UNAVAILABLE: &str = "remote_unavailable";
/// The server could not be reached (connection refused, DNS, TLS).
pub const REMOTE_UNREACHABLE: &str = "remote_unreachable";
/// A connect or request timeout.
pub const REMOTE_TIMEOUT: &str = "remote_timeout";
/// The server refused the token (401 or 403).
pub const REMOTE_AUTH: &str = "remote_auth";
/// Any other unexpected HTTP status (5xx, 400, 413, ...).
pub const REMOTE_HTTP_ERROR: &str = "remote_http_error";
/// The body ended early or its compressed stream is cut or corrupt.
pub const REMOTE_TRUNCATED: &str = "remote_truncated";
/// An artifact over the size limit (on download or upload).
pub const REMOTE_OVERSIZE: &str = "remote_oversize";
/// An artifact that does not bind to the key it was fetched under, or is not an artifact.
pub const REMOTE_INVALID: &str = "remote_invalid";
/// A signature key is set and the artifact is unsigned or its signature does not verify.
pub const REMOTE_SIGNATURE: &str = "remote_signature";
/// The remote was skipped: an earlier request of this process failed.
pub const REMOTE_SKIPPED: &str = "remote_skipped";
/// A shared-directory backend could not be read or written.
pub const REMOTE_IO_ERROR: &str = "remote_io_error";

/// A remote problem: a warning code and a message (never holding a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFailure {
    /// One of the codes above.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
}

impl RemoteFailure {
    /// A failure with this code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Whether this failure says the remote itself is unusable for now (down, refusing the
    /// token, failing), so that the rest of the process skips it. A bad artifact is not: other
    /// keys may be fine.
    pub fn disables_remote(&self) -> bool {
        !matches!(
            self.code,
            REMOTE_INVALID | REMOTE_SIGNATURE | REMOTE_OVERSIZE | REMOTE_UNAVAILABLE
        )
    }

    /// The dispatch warning: `{ code, message, path: <where> }`.
    pub fn warning(&self, place: &str) -> CacheWarning {
        CacheWarning {
            code: self.code.to_owned(),
            message: self.message.clone(),
            path: (!place.is_empty()).then(|| place.to_owned()),
        }
    }
}
