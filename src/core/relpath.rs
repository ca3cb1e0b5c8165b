//! Root-relative POSIX paths: the only form of path that cachecore stores.

/// Why a stored path is not a safe root-relative POSIX path on this platform, or `None` when it
/// is.
///
/// Safe means: not empty, no NUL, not absolute (`/x`), and no empty, `.` or `..` component; on
/// Windows also no backslash and no drive prefix (`C:x`). Such a path can never leave the root
/// it is joined to. On Unix-like systems a backslash or a colon is an ordinary byte of a name
/// (`a\b.txt` and `C:x` are files the walk lists), so they are kept: rejecting them made an
/// index holding such a name unreadable on every later run.
pub fn unsafe_reason(p: &str) -> Option<&'static str> {
    unsafe_reason_for(p, cfg!(windows))
}

/// [`unsafe_reason`] with the platform's separator rules chosen by `windows`.
pub fn unsafe_reason_for(p: &str, windows: bool) -> Option<&'static str> {
    if p.is_empty() {
        return Some("empty path");
    }
    if p.contains('\0') {
        return Some("NUL byte in path");
    }
    if p.starts_with('/') {
        return Some("absolute path");
    }
    if windows {
        if p.contains('\\') {
            return Some("backslash in path");
        }
        let b = p.as_bytes();
        if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
            return Some("drive-qualified path");
        }
    }
    for c in p.split('/') {
        match c {
            "" => return Some("empty path component"),
            "." | ".." => return Some("dot component in path"),
            _ => {}
        }
    }
    None
}

/// Whether `p` is a safe root-relative POSIX path (see [`unsafe_reason`]).
pub fn is_safe(p: &str) -> bool {
    unsafe_reason(p).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_every_escape() {
        for windows in [false, true] {
            for bad in [
                "",
                "/etc/passwd",
                "../x",
                "a/../../x",
                "a//b",
                "./a",
                "a/.",
                "a\0b",
            ] {
                assert!(
                    unsafe_reason_for(bad, windows).is_some(),
                    "{bad:?} must be rejected"
                );
            }
            for good in ["a", "a/b.ts", ".hidden/x", "a..b", "...", "é/ü.json", "-rf"] {
                assert!(
                    unsafe_reason_for(good, windows).is_none(),
                    "{good:?} must be accepted"
                );
            }
        }
        // Separators and drive prefixes of Windows only.
        for name in ["C:\\x", "C:x", "a\\b", "..\\x"] {
            assert!(
                unsafe_reason_for(name, true).is_some(),
                "{name:?} on Windows"
            );
            assert!(unsafe_reason_for(name, false).is_none(), "{name:?} on Unix");
        }
    }
}
