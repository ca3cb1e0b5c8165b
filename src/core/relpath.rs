//! Root-relative POSIX paths: the only form of path that cachecore stores.

/// Why a stored path is not a safe root-relative POSIX path, or `None` when it is.
///
/// Safe means: not empty, no NUL, no backslash, not absolute (`/x`, `C:x`), and no empty, `.`
/// or `..` component. Such a path can never leave the root it is joined to.
pub fn unsafe_reason(p: &str) -> Option<&'static str> {
    if p.is_empty() {
        return Some("empty path");
    }
    if p.contains('\0') {
        return Some("NUL byte in path");
    }
    if p.contains('\\') {
        return Some("backslash in path");
    }
    if p.starts_with('/') {
        return Some("absolute path");
    }
    let b = p.as_bytes();
    if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
        return Some("drive-qualified path");
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
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a/.",
            "C:\\x",
            "C:x",
            "a\\b",
            "a\0b",
        ] {
            assert!(!is_safe(bad), "{bad:?} must be rejected");
        }
        for good in ["a", "a/b.ts", ".hidden/x", "a..b", "...", "é/ü.json"] {
            assert!(is_safe(good), "{good:?} must be accepted");
        }
    }
}
