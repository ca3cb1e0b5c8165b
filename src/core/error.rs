//! Errors of the core, each with a stable code that the binding hands to JavaScript.

use std::io;

/// A real failure of a core operation. Expected outcomes (a missing or corrupt previous
/// manifest, an unreadable file) are not errors: they come back as warnings in the result.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The root directory does not exist.
    #[error("root not found: {0}")]
    RootNotFound(String),
    /// The root exists but is not a directory.
    #[error("root is not a directory: {0}")]
    RootNotDirectory(String),
    /// An option has a bad value.
    #[error("invalid option `{option}`: {message}")]
    InvalidOption {
        /// The option's name as the caller spelled it.
        option: String,
        /// What is wrong with it.
        message: String,
    },
    /// A key (a locale code, a path) would leave its directory or is otherwise unsafe.
    #[error("invalid key {key:?}: {message}")]
    InvalidKey {
        /// The rejected key.
        key: String,
        /// Why it was rejected.
        message: String,
    },
    /// An I/O failure that the operation cannot work around.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A directory given as a cache root is not positively one (no valid `meta.json`).
    #[error("refusing to clean {0}: it is not a cachecore cache root (no valid meta.json)")]
    NotACacheRoot(String),
    /// The caller aborted the operation.
    #[error("the operation was aborted")]
    Aborted,
    /// A bug: a panic or a broken invariant inside the core.
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    /// The stable code of this error (`ROOT_NOT_FOUND`, `INVALID_OPTION`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::RootNotFound(_) => "ROOT_NOT_FOUND",
            CoreError::RootNotDirectory(_) => "ROOT_NOT_DIRECTORY",
            CoreError::InvalidOption { .. } => "INVALID_OPTION",
            CoreError::InvalidKey { .. } => "INVALID_KEY",
            CoreError::Io { .. } => "IO_ERROR",
            CoreError::NotACacheRoot(_) => "NOT_A_CACHE_ROOT",
            CoreError::Aborted => "ABORTED",
            CoreError::Internal(_) => "INTERNAL",
        }
    }

    /// Builds an [`CoreError::InvalidOption`].
    pub fn invalid_option(option: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::InvalidOption {
            option: option.into(),
            message: message.into(),
        }
    }

    /// Builds an [`CoreError::Io`] with what was being done.
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        CoreError::Io {
            context: context.into(),
            source,
        }
    }
}

/// Result with a [`CoreError`].
pub type CoreResult<T> = Result<T, CoreError>;

/// A structured, non-fatal diagnostic: something the caller should know, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Warning {
    /// Stable code, e.g. `unreadable_dir`, `previous_malformed`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The path concerned, root-relative where it is inside the root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Warning {
    /// A warning with a path.
    pub fn at(code: &str, message: impl Into<String>, path: impl Into<String>) -> Self {
        Warning {
            code: code.to_string(),
            message: message.into(),
            path: Some(path.into()),
        }
    }

    /// A warning without a path.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Warning {
            code: code.to_string(),
            message: message.into(),
            path: None,
        }
    }
}
