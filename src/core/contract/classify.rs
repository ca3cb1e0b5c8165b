//! §2 classification: `classifyCacheFileDelta` splits a delta into src, source-locale and
//! target-locale buckets and tells whether the locales layout changed.

use std::borrow::Cow;
use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::delta::{CacheFileDelta, FilesIndexStatus};
use super::layout::{layout_matches, CachedLocalesLayout};
use super::paths::to_posix_path;

/// `ClassifiedSrcDelta = { added, changed, deleted }`: the src paths of a delta.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassifiedSrcDelta {
    /// Added src paths.
    pub added: Vec<String>,
    /// Changed src paths.
    pub changed: Vec<String>,
    /// Deleted src paths.
    pub deleted: Vec<String>,
}

impl ClassifiedSrcDelta {
    /// `added + changed + deleted`, the affected src file count.
    pub fn affected(&self) -> u64 {
        (self.added.len() + self.changed.len() + self.deleted.len()) as u64
    }

    /// Whether no src path was added, changed or deleted.
    pub fn is_empty(&self) -> bool {
        self.affected() == 0
    }
}

/// `ClassifiedCacheFileDelta = { src, sourceLocale, targetLocale, layoutChanged, filesIndexStatus }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassifiedCacheFileDelta {
    /// The src paths, by kind.
    pub src: ClassifiedSrcDelta,
    /// Changed source-locale segments (any kind).
    pub source_locale: Vec<String>,
    /// Changed target-locale segments (any kind).
    pub target_locale: Vec<String>,
    /// Whether the index is usable and its layout differs from the current one.
    pub layout_changed: bool,
    /// The status of `files.json`, passed through.
    pub files_index_status: FilesIndexStatus,
}

/// The input of `classifyCacheFileDelta`. Key sets are arrays here (JavaScript passes sets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassifyCacheFileDeltaInput {
    /// The delta to classify.
    pub delta: CacheFileDelta,
    /// Src keys of the current scan.
    pub current_src_file_keys: Vec<String>,
    /// Src keys of the baseline (so deletions classify).
    pub baseline_src_file_keys: Vec<String>,
    /// Locale segment keys of the current scan.
    pub current_locale_segment_keys: Vec<String>,
    /// Locale segment keys of the baseline.
    pub baseline_locale_segment_keys: Vec<String>,
    /// The primary source-locale segment key.
    pub source_locale_segment_key: String,
    /// Every source-locale segment key (`locale_directory`: `en/common.json`, `en/auth.json`);
    /// classified as `sourceLocale` beside [`Self::source_locale_segment_key`].
    #[serde(default)]
    pub source_locale_segment_keys: Vec<String>,
    /// The layout stored in `files.json`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_layout: Option<CachedLocalesLayout>,
    /// The current layout.
    pub current_layout: CachedLocalesLayout,
    /// The status of `files.json`.
    pub files_index_status: FilesIndexStatus,
}

/// The POSIX spellings of the given keys.
fn posix_set<'a>(keys: impl IntoIterator<Item = &'a String>) -> HashSet<Cow<'a, str>> {
    keys.into_iter().map(|key| to_posix_path(key)).collect()
}

/// `classifyCacheFileDelta(input)`: every path is made POSIX; a path among the current or
/// baseline src keys goes to `src[kind]`; else a path among the current or baseline locale keys
/// goes to `sourceLocale` when it is a source segment, else to `targetLocale`; else it is dropped.
/// `layoutChanged = index usable && !layoutMatches(previousLayout, currentLayout)`.
pub fn classify_cache_file_delta(input: &ClassifyCacheFileDeltaInput) -> ClassifiedCacheFileDelta {
    let src_keys = posix_set(
        input
            .current_src_file_keys
            .iter()
            .chain(&input.baseline_src_file_keys),
    );
    let locale_keys = posix_set(
        input
            .current_locale_segment_keys
            .iter()
            .chain(&input.baseline_locale_segment_keys),
    );
    let source_keys = posix_set(
        std::iter::once(&input.source_locale_segment_key).chain(&input.source_locale_segment_keys),
    );

    let mut src = ClassifiedSrcDelta::default();
    let mut source_locale = Vec::new();
    let mut target_locale = Vec::new();
    let kinds = [
        (&input.delta.added, &mut src.added),
        (&input.delta.changed, &mut src.changed),
        (&input.delta.deleted, &mut src.deleted),
    ];
    for (paths, src_bucket) in kinds {
        for path in paths {
            let path = to_posix_path(path);
            let bucket = if src_keys.contains(&path) {
                &mut *src_bucket
            } else if !locale_keys.contains(&path) {
                continue;
            } else if source_keys.contains(&path) {
                &mut source_locale
            } else {
                &mut target_locale
            };
            bucket.push(path.into_owned());
        }
    }

    let layout_changed = input.files_index_status.is_usable()
        && !layout_matches(input.previous_layout.as_ref(), &input.current_layout);
    ClassifiedCacheFileDelta {
        src,
        source_locale,
        target_locale,
        layout_changed,
        files_index_status: input.files_index_status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::contract::layout::tests::flat;
    use crate::core::contract::layout::LocalesLayoutMode;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn input(delta: CacheFileDelta) -> ClassifyCacheFileDeltaInput {
        ClassifyCacheFileDeltaInput {
            delta,
            current_src_file_keys: strings(&["src/a.ts", "src/new.ts"]),
            baseline_src_file_keys: strings(&["src/a.ts", "src/gone.ts"]),
            current_locale_segment_keys: strings(&["en.json", "fr.json", "de.json"]),
            baseline_locale_segment_keys: strings(&["en.json", "fr.json", "it.json"]),
            source_locale_segment_key: "en.json".to_owned(),
            source_locale_segment_keys: Vec::new(),
            previous_layout: Some(flat()),
            current_layout: flat(),
            files_index_status: FilesIndexStatus::Ok,
        }
    }

    fn delta(added: &[&str], changed: &[&str], deleted: &[&str]) -> CacheFileDelta {
        CacheFileDelta {
            added: strings(added),
            changed: strings(changed),
            deleted: strings(deleted),
            unchanged: Vec::new(),
        }
    }

    #[test]
    fn buckets_src_source_and_target_paths_and_drops_the_rest() {
        let classified = classify_cache_file_delta(&input(delta(
            &["src/new.ts", "de.json", "README.md"],
            &["src/a.ts", "en.json", "fr.json"],
            &["src/gone.ts", "it.json"],
        )));
        assert_eq!(classified.src.added, ["src/new.ts"]);
        assert_eq!(classified.src.changed, ["src/a.ts"]);
        assert_eq!(classified.src.deleted, ["src/gone.ts"]); // only in the baseline keys
        assert_eq!(classified.source_locale, ["en.json"]);
        assert_eq!(classified.target_locale, ["de.json", "fr.json", "it.json"]);
        assert!(!classified.layout_changed);
        assert_eq!(classified.files_index_status, FilesIndexStatus::Ok);
        assert_eq!(classified.src.affected(), 3);
    }

    #[test]
    fn paths_and_keys_are_made_posix() {
        let mut i = input(delta(&[], &[r"src\a.ts", r"en\common.json"], &[]));
        i.current_locale_segment_keys = strings(&[r"en\common.json"]);
        i.source_locale_segment_key = r"en\common.json".to_owned();
        let classified = classify_cache_file_delta(&i);
        assert_eq!(classified.src.changed, ["src/a.ts"]);
        assert_eq!(classified.source_locale, ["en/common.json"]);
    }

    #[test]
    fn every_source_segment_is_source_locale() {
        let mut i = input(delta(
            &["en/auth.json"],
            &["en/common.json", "fr/common.json"],
            &[],
        ));
        i.current_layout.mode = LocalesLayoutMode::LocaleDirectory;
        i.previous_layout = Some(i.current_layout.clone());
        i.current_locale_segment_keys =
            strings(&["en/common.json", "en/auth.json", "fr/common.json"]);
        i.source_locale_segment_key = "en/common.json".to_owned();
        i.source_locale_segment_keys = strings(&["en/common.json", "en/auth.json"]);
        let classified = classify_cache_file_delta(&i);
        assert_eq!(classified.source_locale, ["en/auth.json", "en/common.json"]);
        assert_eq!(classified.target_locale, ["fr/common.json"]);

        // Without the list only the primary key is a source segment (the TypeScript behaviour).
        i.source_locale_segment_keys.clear();
        let classified = classify_cache_file_delta(&i);
        assert_eq!(classified.source_locale, ["en/common.json"]);
        assert_eq!(classified.target_locale, ["en/auth.json", "fr/common.json"]);
    }

    #[test]
    fn layout_changed_only_with_a_usable_index() {
        let mut i = input(CacheFileDelta::default());
        i.previous_layout = None;
        assert!(classify_cache_file_delta(&i).layout_changed); // usable index without a layout
        i.previous_layout = Some(flat());
        i.current_layout.source = "fr".to_owned();
        assert!(classify_cache_file_delta(&i).layout_changed);
        for status in [
            FilesIndexStatus::Missing,
            FilesIndexStatus::Malformed,
            FilesIndexStatus::Empty,
        ] {
            i.files_index_status = status;
            let classified = classify_cache_file_delta(&i);
            assert!(!classified.layout_changed);
            assert_eq!(classified.files_index_status, status);
        }
    }

    #[test]
    fn json_shapes() {
        let json = r#"{"delta":{"added":["src/x.ts"],"changed":[],"deleted":[],"unchanged":[]},
            "currentSrcFileKeys":["src/x.ts"],"baselineSrcFileKeys":[],
            "currentLocaleSegmentKeys":["en.json"],"baselineLocaleSegmentKeys":["en.json"],
            "sourceLocaleSegmentKey":"en.json",
            "currentLayout":{"mode":"flat_file","structure":"locale_file","directory":"locales","source":"en"},
            "filesIndexStatus":{"kind":"ok"}}"#;
        let i: ClassifyCacheFileDeltaInput = serde_json::from_str(json).unwrap();
        assert!(i.source_locale_segment_keys.is_empty() && i.previous_layout.is_none());
        assert_eq!(
            serde_json::to_value(classify_cache_file_delta(&i)).unwrap(),
            serde_json::json!({
                "src": {"added": ["src/x.ts"], "changed": [], "deleted": []},
                "sourceLocale": [],
                "targetLocale": [],
                "layoutChanged": true,
                "filesIndexStatus": {"kind": "ok"},
            })
        );
    }
}
