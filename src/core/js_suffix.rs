//! An exact fast path for one shape of JavaScript `RegExp`: a dot, a group of literal
//! alternatives, and the end of the input, such as the contract's src file pattern
//! `/\.(tsx?|jsx?|mjs|cjs|vue|svelte)$/i`. Such a pattern matches a name exactly when the name
//! ends with `.` and one of a finite set of ASCII words, so the test is a few byte compares
//! instead of a backtracking search: on a 20,000-file tree `regress` spent about 48 million
//! instructions of a dispatch hit on this one pattern.
//!
//! Exactness, not approximation (decision 36): a pattern is taken only when every part of it has
//! one reading in ECMAScript:
//! - the text is `\.` then `(` or `(?:`, alternatives, `)` then `$`; each alternative is ASCII
//!   letters and digits, each optionally followed by `?` (expanded into both words);
//! - the flags are a subset of `d`, `i`, `s`: no `m` (where `$` would also match before a line
//!   break), no `u`/`v` (where case folding maps U+017F and U+212A onto `s` and `k`).
//!
//! Without `u`, JavaScript's case-insensitive `Canonicalize` never maps a character outside
//! ASCII onto one inside it, and a UTF-8 byte of a non-ASCII character is never an ASCII byte,
//! so comparing the name's last bytes ASCII-case-insensitively is exactly `RegExp.test`. A
//! differential test holds this against `regress` over randomized names.

/// The words of a recognised pattern, each with its leading dot, and whether case is ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteralSuffixes {
    suffixes: Vec<Vec<u8>>,
    ignore_case: bool,
}

/// The most words a pattern may expand to before the fast path declines it.
const MAX_WORDS: usize = 256;

impl LiteralSuffixes {
    /// The fast form of `/source/flags`, or `None` when the pattern has any other shape.
    pub fn recognise(source: &str, flags: &str) -> Option<Self> {
        if !flags.chars().all(|c| matches!(c, 'd' | 'i' | 's')) {
            return None;
        }
        let body = source.strip_prefix(r"\.")?.strip_suffix(")$")?;
        let body = body
            .strip_prefix("(?:")
            .or_else(|| body.strip_prefix('('))?;
        let mut suffixes = Vec::new();
        for alternative in body.split('|') {
            let mut words: Vec<Vec<u8>> = vec![b".".to_vec()];
            let bytes = alternative.as_bytes();
            if bytes.is_empty() {
                return None;
            }
            let mut i = 0;
            while i < bytes.len() {
                let c = bytes[i];
                if !c.is_ascii_alphanumeric() {
                    return None;
                }
                let optional = bytes.get(i + 1) == Some(&b'?');
                let mut next = Vec::with_capacity(words.len() * 2);
                for w in &words {
                    let mut with = w.clone();
                    with.push(c);
                    next.push(with);
                    if optional {
                        next.push(w.clone());
                    }
                }
                words = next;
                if words.len() > MAX_WORDS {
                    return None;
                }
                i += if optional { 2 } else { 1 };
            }
            suffixes.extend(words);
            if suffixes.len() > MAX_WORDS {
                return None;
            }
        }
        suffixes.sort();
        suffixes.dedup();
        Some(Self {
            suffixes,
            ignore_case: flags.contains('i'),
        })
    }

    /// Whether `text` ends with one of the words: `RegExp.prototype.test` of the pattern.
    pub fn is_match(&self, text: &str) -> bool {
        let t = text.as_bytes();
        self.suffixes.iter().any(|s| {
            t.len() >= s.len() && {
                let tail = &t[t.len() - s.len()..];
                if self.ignore_case {
                    tail.eq_ignore_ascii_case(s)
                } else {
                    tail == s.as_slice()
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_src_pattern_expands_to_its_words() {
        let s = LiteralSuffixes::recognise(r"\.(tsx?|jsx?|mjs|cjs|vue|svelte)$", "i").unwrap();
        let words: Vec<&str> = s
            .suffixes
            .iter()
            .map(|w| std::str::from_utf8(w).unwrap())
            .collect();
        assert_eq!(
            words,
            [".cjs", ".js", ".jsx", ".mjs", ".svelte", ".ts", ".tsx", ".vue"]
        );
        assert!(s.is_match("a.TSX") && s.is_match(".ts") && !s.is_match("a.ts.map"));
    }

    #[test]
    fn other_shapes_and_flags_are_declined() {
        for (source, flags) in [
            (r"\.(ts)$", "m"),
            (r"\.(ts)$", "iu"),
            (r"\.(ts)$", "v"),
            (r"\.(ts)$", "g"),
            (r"\.(t.)$", ""),
            (r"\.(ts|)$", ""),
            (r"\.(ts*)$", ""),
            (r"\.(t\d)$", ""),
            (r"^\.(ts)$", ""),
            (r"\.(ts)", ""),
            (r"\.ts$", ""),
            (r"\.(a?b?c?d?e?f?g?h?i?)$", ""),
        ] {
            assert_eq!(
                LiteralSuffixes::recognise(source, flags),
                None,
                "/{source}/{flags}"
            );
        }
        assert!(LiteralSuffixes::recognise(r"\.(?:ts|md)$", "dis").is_some());
    }
}
