//! The translator's cache identities (§6: "Translation keys and `translateConfigEpoch` always
//! use that FNV"): the L1 key of a source text for a target language, the L2 key of a row in
//! `translations/<code>.json`, and the placeholder masking both apply first. Everything works
//! on UTF-16 code units, as JavaScript strings are, so a key is byte-for-byte the TypeScript
//! core's even for a string with a lone surrogate.

use super::hashing::fnv1a64_utf16_units;

const SENTINEL_HEAD: &str = "__I18NPRUNE_";
const SENTINEL_TAIL: &str = "__";
const OPEN: u16 = b'{' as u16;
const CLOSE: u16 = b'}' as u16;

/// Replaces each `{{…}}` placeholder with `__I18NPRUNE_<n>__`, `n` counting from 0, the way the
/// JavaScript pattern `/\{\{([^}]+)\}\}/g` finds them: at each position, `{{`, then one or more
/// units other than `}`, then `}}`; where that fails the scan moves on by one unit.
pub fn mask_placeholders(units: &[u16]) -> Vec<u16> {
    let mut out = Vec::with_capacity(units.len());
    let mut n = 0usize;
    let mut i = 0usize;
    while i < units.len() {
        if units[i] == OPEN && units.get(i + 1) == Some(&OPEN) {
            let mut j = i + 2;
            while j < units.len() && units[j] != CLOSE {
                j += 1;
            }
            if j > i + 2 && units.get(j + 1) == Some(&CLOSE) {
                out.extend(format!("{SENTINEL_HEAD}{n}{SENTINEL_TAIL}").encode_utf16());
                n += 1;
                i = j + 2;
                continue;
            }
        }
        out.push(units[i]);
        i += 1;
    }
    out
}

/// FNV-1a 64 of the parts joined with NUL (`parts.join('\0')`).
fn digest_parts(parts: &[&[u16]]) -> String {
    let mut joined = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (k, p) in parts.iter().enumerate() {
        if k > 0 {
            joined.push(0);
        }
        joined.extend_from_slice(p);
    }
    fnv1a64_utf16_units(&joined)
}

/// The L1 key: the digest of epoch, provider, source and target language and the masked text.
pub fn translate_cache_key(
    translate_config_epoch: &[u16],
    provider_id: &[u16],
    source_lang: &[u16],
    target_lang: &[u16],
    source_text: &[u16],
) -> String {
    let masked = mask_placeholders(source_text);
    digest_parts(&[
        translate_config_epoch,
        provider_id,
        source_lang,
        target_lang,
        &masked,
    ])
}

/// The L2 key of a row in `translations/<code>.json`: as the L1 key without the target
/// language, which the file name already holds.
pub fn translate_cache_key_for_locale_file(
    translate_config_epoch: &[u16],
    provider_id: &[u16],
    source_lang: &[u16],
    source_text: &[u16],
) -> String {
    let masked = mask_placeholders(source_text);
    digest_parts(&[translate_config_epoch, provider_id, source_lang, &masked])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    fn masked(s: &str) -> String {
        String::from_utf16(&mask_placeholders(&u(s))).unwrap()
    }

    #[test]
    fn masks_like_the_javascript_pattern() {
        assert_eq!(
            masked("Hi {{name}}, {{ count }}!"),
            "Hi __I18NPRUNE_0__, __I18NPRUNE_1__!"
        );
        assert_eq!(masked("{{}} {{a} {b}}"), "{{}} {{a} {b}}");
        assert_eq!(masked("{{{a}}"), "__I18NPRUNE_0__");
        assert_eq!(masked("{{a\nb}}x{{c}}"), "__I18NPRUNE_0__x__I18NPRUNE_1__");
        assert_eq!(masked("no placeholders"), "no placeholders");
    }

    #[test]
    fn keys_differ_by_every_part_and_ignore_placeholder_names() {
        let k = |e: &str, p: &str, s: &str, t: &str, x: &str| {
            translate_cache_key(&u(e), &u(p), &u(s), &u(t), &u(x))
        };
        let base = k("e", "google", "en", "fr", "Hello {{name}}");
        assert_eq!(base.len(), 16);
        assert_eq!(base, k("e", "google", "en", "fr", "Hello {{other}}"));
        for other in [
            k("f", "google", "en", "fr", "Hello {{name}}"),
            k("e", "deepl", "en", "fr", "Hello {{name}}"),
            k("e", "google", "de", "fr", "Hello {{name}}"),
            k("e", "google", "en", "de", "Hello {{name}}"),
            k("e", "google", "en", "fr", "Hallo {{name}}"),
        ] {
            assert_ne!(base, other);
        }
        // The L2 key is the digest of the same parts without the target language.
        assert_eq!(
            translate_cache_key_for_locale_file(&u("e"), &u("p"), &u("en"), &u("x")),
            fnv1a64_utf16_units(&u("e\0p\0en\0x"))
        );
    }
}
