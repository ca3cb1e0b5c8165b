//! The locales layout fingerprint stored in `files.json` and its comparison.

use serde::{Deserialize, Serialize};

string_enum! {
    /// `mode: 'flat_file' | 'locale_directory'`.
    pub enum LocalesLayoutMode {
        /// One file per locale (`en.json`).
        FlatFile => "flat_file",
        /// One directory per locale (`en/common.json`).
        LocaleDirectory => "locale_directory",
    }
}

string_enum! {
    /// `structure: 'locale_file' | 'locale_per_dir' | 'feature_bundle'`.
    pub enum LocalesLayoutStructure {
        /// A single file per locale.
        LocaleFile => "locale_file",
        /// A directory per locale.
        LocalePerDir => "locale_per_dir",
        /// Feature bundles.
        FeatureBundle => "feature_bundle",
    }
}

/// `CachedLocalesLayout = { mode, structure, directory, source }` (config-relative paths).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedLocalesLayout {
    /// The layout mode.
    pub mode: LocalesLayoutMode,
    /// The layout structure.
    pub structure: LocalesLayoutStructure,
    /// The locales directory, as configured.
    pub directory: String,
    /// The source locale, as configured.
    pub source: String,
}

/// `layoutMatches(a?, b)`: all four fields equal; false when `a` is absent.
pub fn layout_matches(
    previous: Option<&CachedLocalesLayout>,
    current: &CachedLocalesLayout,
) -> bool {
    previous.is_some_and(|previous| {
        previous.mode == current.mode
            && previous.structure == current.structure
            && previous.directory == current.directory
            && previous.source == current.source
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A flat-file layout with `locales` / `en`.
    pub(crate) fn flat() -> CachedLocalesLayout {
        CachedLocalesLayout {
            mode: LocalesLayoutMode::FlatFile,
            structure: LocalesLayoutStructure::LocaleFile,
            directory: "locales".to_owned(),
            source: "en".to_owned(),
        }
    }

    #[test]
    fn json_shape_and_literals() {
        let layout = CachedLocalesLayout {
            mode: LocalesLayoutMode::LocaleDirectory,
            structure: LocalesLayoutStructure::LocalePerDir,
            directory: "i18n".to_owned(),
            source: "en".to_owned(),
        };
        assert_eq!(
            serde_json::to_string(&layout).unwrap(),
            r#"{"mode":"locale_directory","structure":"locale_per_dir","directory":"i18n","source":"en"}"#
        );
        assert_eq!(
            serde_json::to_value(LocalesLayoutMode::FlatFile).unwrap(),
            "flat_file"
        );
        assert_eq!(
            serde_json::to_value(LocalesLayoutStructure::LocaleFile).unwrap(),
            "locale_file"
        );
        assert_eq!(
            serde_json::to_value(LocalesLayoutStructure::FeatureBundle).unwrap(),
            "feature_bundle"
        );
    }

    #[test]
    fn matches_only_when_all_four_fields_are_equal() {
        assert!(layout_matches(Some(&flat()), &flat()));
        assert!(!layout_matches(None, &flat()));
        let changes: [fn(&mut CachedLocalesLayout); 4] = [
            |l| l.mode = LocalesLayoutMode::LocaleDirectory,
            |l| l.structure = LocalesLayoutStructure::FeatureBundle,
            |l| l.directory = "i18n".to_owned(),
            |l| l.source = "fr".to_owned(),
        ];
        for change in changes {
            let mut other = flat();
            change(&mut other);
            assert!(!layout_matches(Some(&other), &flat()));
        }
    }
}
