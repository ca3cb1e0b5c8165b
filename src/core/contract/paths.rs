//! Path spelling shared by the contract: keys and roots use POSIX separators.

use std::borrow::Cow;

/// Replaces every `\` with `/` (the TypeScript `replace(/\\/g, '/')`); borrows when there is none.
pub fn to_posix_path(path: &str) -> Cow<'_, str> {
    if path.contains('\\') {
        Cow::Owned(path.replace('\\', "/"))
    } else {
        Cow::Borrowed(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backslashes_become_slashes() {
        assert_eq!(to_posix_path(r"src\a\b.ts"), "src/a/b.ts");
        assert_eq!(to_posix_path(r"C:\Users\Me\"), "C:/Users/Me/");
    }

    #[test]
    fn posix_paths_are_borrowed() {
        assert!(matches!(
            to_posix_path("src/a.ts"),
            Cow::Borrowed("src/a.ts")
        ));
    }
}
