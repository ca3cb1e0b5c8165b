//! After a first failure the remote is skipped for the rest of the process: a server that is
//! down, refuses the token or times out costs its timeout once, not on every dispatch.

use std::sync::{Mutex, OnceLock};

use super::codes::RemoteFailure;

fn down() -> &'static Mutex<Vec<(String, RemoteFailure)>> {
    static DOWN: OnceLock<Mutex<Vec<(String, RemoteFailure)>>> = OnceLock::new();
    DOWN.get_or_init(|| Mutex::new(Vec::new()))
}

/// The failure that disabled `endpoint` in this process, if one did.
pub fn failed(endpoint: &str) -> Option<RemoteFailure> {
    let d = down().lock().unwrap_or_else(|p| p.into_inner());
    d.iter()
        .find(|(e, _)| e == endpoint)
        .map(|(_, f)| f.clone())
}

/// Records `failure` for `endpoint` when it says the remote is unusable
/// ([`RemoteFailure::disables_remote`]); the first one is kept.
pub fn record(endpoint: &str, failure: &RemoteFailure) {
    if !failure.disables_remote() {
        return;
    }
    let mut d = down().lock().unwrap_or_else(|p| p.into_inner());
    if !d.iter().any(|(e, _)| e == endpoint) {
        d.push((endpoint.to_owned(), failure.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::remote::codes::{REMOTE_INVALID, REMOTE_TIMEOUT};

    #[test]
    fn only_server_failures_disable_and_the_first_is_kept() {
        let e = "test://health";
        assert!(failed(e).is_none());
        record(e, &RemoteFailure::new(REMOTE_INVALID, "bad artifact"));
        assert!(
            failed(e).is_none(),
            "a bad artifact does not disable the remote"
        );
        record(e, &RemoteFailure::new(REMOTE_TIMEOUT, "first"));
        record(e, &RemoteFailure::new(REMOTE_TIMEOUT, "second"));
        assert_eq!(failed(e).unwrap().message, "first");
        assert!(failed("test://other").is_none());
    }
}
