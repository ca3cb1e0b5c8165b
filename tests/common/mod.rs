//! Shared by the multi-process tests: a dispatch input for a flat-file project
//! (`<root>/src`, `<root>/locales/en.json` as source) with its cache under `<home>/cache`.

use std::path::Path;

use cachecore::core::contract::dispatch::{DispatchInput, LocalesInput};
use cachecore::core::contract::hashing::TextHash;
use cachecore::core::contract::layout::{
    CachedLocalesLayout, LocalesLayoutMode, LocalesLayoutStructure,
};
use cachecore::core::contract::store_paths::{resolve_cache_location, CacheLocationInput};

/// Writes `text` at `path`, creating its directory.
#[allow(dead_code)] // not every test binary that includes this module writes files
pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The dispatch input of the project at `root` with its cache home at `home`.
pub fn flat_file_input(root: &Path, home: &Path) -> DispatchInput {
    let loc = resolve_cache_location(&CacheLocationInput {
        home: Some(home.to_path_buf()),
        config_dir: None,
        project_root: root.to_path_buf(),
        hash: TextHash::Sha256,
    })
    .unwrap();
    DispatchInput::new(
        loc,
        root.join("src"),
        LocalesInput {
            dir: root.join("locales"),
            layout: CachedLocalesLayout {
                mode: LocalesLayoutMode::FlatFile,
                structure: LocalesLayoutStructure::LocaleFile,
                directory: "locales".into(),
                source: "en".into(),
            },
            source_segment_keys: None,
        },
    )
}
