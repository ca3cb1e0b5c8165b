//! The engine's delta: what changed between the previous index and the current tree, and why,
//! per file (fingerprints.md §Diagnostics).

/// Which way a file went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Change {
    /// Only in the current tree.
    Added,
    /// In both, with another hash, size or type, or read unstably.
    Changed,
    /// Only in the previous index.
    Deleted,
    /// In both, same content.
    Unchanged,
    /// Could not be read: neither unchanged nor deleted.
    Unknown,
}

impl Change {
    /// The name hosts see.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Changed => "changed",
            Change::Deleted => "deleted",
            Change::Unchanged => "unchanged",
            Change::Unknown => "unknown",
        }
    }
}

/// Why a file is counted added, changed, deleted or unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// New file.
    Added,
    /// File gone.
    Removed,
    /// Same size, other content.
    ContentChanged,
    /// Other size.
    SizeChanged,
    /// Another kind of entry (a file became a symlink, or the reverse).
    TypeChanged,
    /// The stat tuple was equal, but the record was racy, and re-hashing found new content.
    Racy,
    /// The file moved while it was read; it is not recorded as clean.
    Unstable,
    /// The file, or a directory above it, could not be read.
    Unreadable,
}

impl Reason {
    /// The stable code hosts see.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Added => "added",
            Reason::Removed => "removed",
            Reason::ContentChanged => "content_changed",
            Reason::SizeChanged => "size_changed",
            Reason::TypeChanged => "type_changed",
            Reason::Racy => "racy",
            Reason::Unstable => "unstable",
            Reason::Unreadable => "unreadable",
        }
    }
}

/// One file that is not plainly unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileReason {
    /// Root-relative POSIX path.
    pub path: String,
    /// Which way it went.
    pub change: Change,
    /// Why.
    pub reason: Reason,
}

/// The delta, every list sorted by path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delta {
    /// New files.
    pub added: Vec<String>,
    /// Changed files.
    pub changed: Vec<String>,
    /// Removed files.
    pub deleted: Vec<String>,
    /// Files with the same content.
    pub unchanged: Vec<String>,
    /// Files that could not be read (previously known ones under an unreadable directory too).
    pub unknown: Vec<String>,
    /// Why each added, changed, deleted or unknown file is so.
    pub reasons: Vec<FileReason>,
}

impl Delta {
    /// Records one file.
    pub fn push(&mut self, path: &str, change: Change, reason: Option<Reason>) {
        let list = match change {
            Change::Added => &mut self.added,
            Change::Changed => &mut self.changed,
            Change::Deleted => &mut self.deleted,
            Change::Unchanged => &mut self.unchanged,
            Change::Unknown => &mut self.unknown,
        };
        list.push(path.to_string());
        if let Some(reason) = reason {
            self.reasons.push(FileReason {
                path: path.to_string(),
                change,
                reason,
            });
        }
    }

    /// Sorts every list by path (byte order).
    pub fn sort(&mut self) {
        for l in [
            &mut self.added,
            &mut self.changed,
            &mut self.deleted,
            &mut self.unchanged,
            &mut self.unknown,
        ] {
            l.sort_unstable();
        }
        self.reasons.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Whether nothing was added, changed, deleted or unknown.
    pub fn is_clean(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.deleted.is_empty()
            && self.unknown.is_empty()
    }
}
