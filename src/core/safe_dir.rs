//! Cache directories opened one component at a time, never through a link.
//!
//! The cache root is the host's choice: its own path is taken as given (a link in it, such as a
//! home on another disk, is followed). Everything *below* it is cachecore's, and there a link is
//! never followed: on Unix each directory below the root is opened relative to its parent's
//! descriptor with `O_NOFOLLOW | O_DIRECTORY`, and every file operation (open, create, rename,
//! unlink, list) is relative to the descriptor of the directory that holds it (`openat`,
//! `renameat`, `unlinkat`, `fstatat`). A link swapped in for `projects/<id>` or `translations/`
//! while a run is under way cannot redirect a write or a delete: the run holds the descriptor of
//! the directory it checked, not a path that could be re-resolved.
//!
//! Files are opened with `O_NOFOLLOW | O_NONBLOCK` and their type is checked with `fstat` on the
//! opened descriptor, so a symlink, a FIFO or a device in place of a cache file is never read,
//! never written through and never blocks.
//!
//! Windows has no `openat` in its public API: there each component below the root is checked
//! with `symlink_metadata` (a symlink or junction is refused) just before the path-based
//! operation. That leaves a race window a local attacker with write access to the cache
//! directory could use; `docs/security.md` says so.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::atomic;

/// What a directory entry is, as `lstat` sees it (links are links).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (or, on Windows, any reparse point).
    Link,
    /// A FIFO, socket or device.
    Special,
}

/// The error for a component below the root that is a link or not a directory.
fn not_a_real_dir(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotADirectory,
        format!(
            "{} is a symbolic link or not a directory; cachecore never writes, reads or deletes \
             through a link inside its cache",
            path.display()
        ),
    )
}

/// The error for a cache file that is a link, a directory, a FIFO or a device.
pub fn not_a_file(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{} is not a regular file", path.display()),
    )
}

/// Whether an error means "this is not a regular file / a link was refused".
pub fn is_not_a_file(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::InvalidInput | io::ErrorKind::NotADirectory
    )
}

/// An open directory of the cache.
#[derive(Debug)]
pub struct SafeDir {
    path: PathBuf,
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
}

/// Opens the directory that holds `path` (which must lie under `root`, both as given by the
/// caller's derived cache location), one component at a time below `root`, creating missing
/// directories when `create`. Returns the directory and the file name of `path`.
pub fn open_parent<'p>(
    root: &Path,
    path: &'p Path,
    create: bool,
) -> io::Result<(SafeDir, &'p OsStr)> {
    let rel = path.strip_prefix(root).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is not inside the cache root {}",
                path.display(),
                root.display()
            ),
        )
    })?;
    let mut parts: Vec<&OsStr> = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(p) => parts.push(p),
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{} has a non-plain component", path.display()),
                ))
            }
        }
    }
    let Some(leaf) = parts.pop() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} names the cache root itself", path.display()),
        ));
    };
    let mut dir = SafeDir::open_root(root, create)?;
    for part in parts {
        dir = dir.child(part, create)?;
    }
    Ok((dir, leaf))
}

/// Opens `root/<rel...>` as a directory ([`open_parent`] of a child under it).
pub fn open_dir(root: &Path, dir: &Path, create: bool) -> io::Result<SafeDir> {
    if dir == root {
        return SafeDir::open_root(root, create);
    }
    let (parent, name) = open_parent(root, dir, create)?;
    parent.child(name, create)
}

impl SafeDir {
    /// The directory's path (for messages; never used to reach a file on Unix).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn shown(&self, name: &OsStr) -> PathBuf {
        self.path.join(name)
    }
}

#[cfg(unix)]
mod imp {
    use super::*;
    use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags};
    use rustix::io::Errno;
    use std::os::fd::OwnedFd;

    const DIR_FLAGS: OFlags = OFlags::RDONLY
        .union(OFlags::DIRECTORY)
        .union(OFlags::NOFOLLOW)
        .union(OFlags::CLOEXEC);
    const READ_FLAGS: OFlags = OFlags::RDONLY
        .union(OFlags::NOFOLLOW)
        .union(OFlags::NONBLOCK)
        .union(OFlags::NOCTTY)
        .union(OFlags::CLOEXEC);

    pub(super) fn kind_of(ft: FileType) -> EntryKind {
        match ft {
            FileType::RegularFile => EntryKind::File,
            FileType::Directory => EntryKind::Dir,
            FileType::Symlink => EntryKind::Link,
            _ => EntryKind::Special,
        }
    }

    fn fd_kind(fd: &OwnedFd) -> io::Result<(EntryKind, rfs::Stat)> {
        let st = rfs::fstat(fd)?;
        Ok((kind_of(FileType::from_raw_mode(st.st_mode)), st))
    }

    impl SafeDir {
        /// The cache root as named (links in its own path followed), created when `create`.
        pub fn open_root(root: &Path, create: bool) -> io::Result<SafeDir> {
            if create {
                std::fs::create_dir_all(root)?;
            }
            let fd = rfs::open(
                root,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            Ok(SafeDir {
                path: root.to_path_buf(),
                fd,
            })
        }

        /// A child directory, never through a link; created (mode 0777 less umask) when
        /// missing and `create`.
        pub fn child(&self, name: &OsStr, create: bool) -> io::Result<SafeDir> {
            let path = self.shown(name);
            let open = || rfs::openat(&self.fd, name, DIR_FLAGS, Mode::empty());
            let fd = match open() {
                Ok(fd) => fd,
                Err(Errno::NOENT) if create => {
                    match rfs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o777)) {
                        Ok(()) | Err(Errno::EXIST) => {}
                        Err(e) => return Err(e.into()),
                    }
                    open().map_err(|e| match e {
                        Errno::LOOP | Errno::NOTDIR => not_a_real_dir(&path),
                        e => e.into(),
                    })?
                }
                Err(Errno::LOOP | Errno::NOTDIR) => return Err(not_a_real_dir(&path)),
                Err(e) => return Err(e.into()),
            };
            Ok(SafeDir { path, fd })
        }

        /// Opens `name` with `flags` (which include `O_NOFOLLOW`): a link is [`not_a_file`],
        /// and so is anything the open descriptor says is not a regular file.
        fn open_regular(&self, name: &OsStr, flags: OFlags, mode: Mode) -> io::Result<File> {
            let fd = match rfs::openat(&self.fd, name, flags, mode) {
                Ok(fd) => fd,
                Err(Errno::LOOP) => return Err(not_a_file(&self.shown(name))),
                Err(e) => return Err(e.into()),
            };
            if fd_kind(&fd)?.0 != EntryKind::File {
                return Err(not_a_file(&self.shown(name)));
            }
            Ok(File::from(fd))
        }

        /// Opens a regular file for reading: never through a link, never blocking on a FIFO;
        /// anything but a regular file is [`not_a_file`].
        pub fn open_read(&self, name: &OsStr) -> io::Result<File> {
            self.open_regular(name, READ_FLAGS, Mode::empty())
        }

        /// Opens (creating it when missing) a lock file for an advisory lock: never through a
        /// link, never blocking, only a regular file.
        pub fn open_lock(&self, name: &OsStr) -> io::Result<File> {
            let flags = OFlags::RDWR
                | OFlags::CREATE
                | OFlags::NOFOLLOW
                | OFlags::NONBLOCK
                | OFlags::NOCTTY
                | OFlags::CLOEXEC;
            self.open_regular(name, flags, Mode::from_raw_mode(0o666))
        }

        /// Creates a new file (never an existing one, never through a link).
        pub(super) fn create_new(&self, name: &OsStr) -> io::Result<File> {
            let flags =
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            Ok(File::from(rfs::openat(
                &self.fd,
                name,
                flags,
                Mode::from_raw_mode(0o666),
            )?))
        }

        pub(super) fn rename(&self, from: &OsStr, to: &OsStr) -> io::Result<()> {
            Ok(rfs::renameat(&self.fd, from, &self.fd, to)?)
        }

        /// Removes a file or link entry of this directory (a link itself, never its target).
        pub fn remove_file(&self, name: &OsStr) -> io::Result<()> {
            Ok(rfs::unlinkat(&self.fd, name, AtFlags::empty())?)
        }

        /// Removes an empty child directory (fails when it is not empty).
        pub fn remove_empty_dir(&self, name: &OsStr) -> io::Result<()> {
            Ok(rfs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR)?)
        }

        /// The kind of an entry (`lstat`), `None` when it does not exist.
        pub fn kind(&self, name: &OsStr) -> io::Result<Option<EntryKind>> {
            match rfs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => Ok(Some(kind_of(FileType::from_raw_mode(st.st_mode)))),
                Err(Errno::NOENT) => Ok(None),
                Err(e) => Err(e.into()),
            }
        }

        /// The size of an entry (`lstat`; 0 when it cannot be read).
        #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
        pub fn size(&self, name: &OsStr) -> u64 {
            rfs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW)
                .map(|st| st.st_size as u64)
                .unwrap_or(0)
        }

        /// The modification time of an entry (`lstat`), if it exists.
        #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
        pub fn modified(&self, name: &OsStr) -> Option<SystemTime> {
            let st = rfs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW).ok()?;
            let secs = st.st_mtime as i64;
            let nanos = st.st_mtime_nsec as u32;
            if secs >= 0 {
                Some(SystemTime::UNIX_EPOCH + Duration::new(secs as u64, nanos))
            } else {
                None
            }
        }

        /// The entries of this directory with UTF-8 names, with their kinds (`lstat`); other
        /// names are skipped (cachecore never creates one).
        pub fn entries(&self) -> io::Result<Vec<(String, EntryKind)>> {
            let mut out = Vec::new();
            let dir = rfs::Dir::read_from(&self.fd)?;
            for item in dir {
                let item = item?;
                let Ok(name) = item.file_name().to_str() else {
                    continue;
                };
                if name == "." || name == ".." {
                    continue;
                }
                let kind = match item.file_type() {
                    FileType::Unknown => match self.kind(OsStr::new(name))? {
                        Some(k) => k,
                        None => continue,
                    },
                    ft => kind_of(ft),
                };
                out.push((name.to_owned(), kind));
            }
            Ok(out)
        }

        /// fsync of the directory (publishes a rename).
        pub(super) fn sync(&self) {
            let _ = rfs::fsync(&self.fd);
        }

        /// Reads the file-system clock through the sentinel `name`: a missing sentinel is
        /// created (`O_EXCL`, never through a link); an existing one is used only when it is a
        /// regular file cachecore could have made (one link, at most one byte), and is never
        /// truncated or written: its mtime is set to the file system's "now" (`futimens`) and
        /// read back. `Err(message)` when something else is there (a link, a FIFO, a
        /// directory, a file with data or other links): the caller warns and uses the wall
        /// clock. `Ok(None)` on other failures (not writable): the wall clock, silently.
        pub fn clock(&self, name: &OsStr) -> Result<Option<i64>, String> {
            let shown = self.shown(name);
            // The stat field types differ between platforms (`i64` here, `i32` elsewhere).
            #[allow(clippy::unnecessary_cast)]
            let mtime_ns = |st: &rfs::Stat| {
                (st.st_mtime as i64).saturating_mul(1_000_000_000) + st.st_mtime_nsec as i64
            };
            match rfs::openat(&self.fd, name, READ_FLAGS, Mode::empty()) {
                Ok(fd) => {
                    let (kind, st) = fd_kind(&fd).map_err(|e| e.to_string())?;
                    if kind != EntryKind::File {
                        return Err(format!(
                            "{} is not a regular file; the racy window uses the wall clock",
                            shown.display()
                        ));
                    }
                    if st.st_nlink > 1 || st.st_size > 1 {
                        return Err(format!(
                            "{} is not cachecore's clock (it has data or other links) and is \
                             left untouched; the racy window uses the wall clock",
                            shown.display()
                        ));
                    }
                    let now = rfs::Timestamps {
                        last_access: rfs::Timespec {
                            tv_sec: 0,
                            tv_nsec: rfs::UTIME_OMIT,
                        },
                        last_modification: rfs::Timespec {
                            tv_sec: 0,
                            tv_nsec: rfs::UTIME_NOW,
                        },
                    };
                    if rfs::futimens(&fd, &now).is_err() {
                        return Ok(None);
                    }
                    Ok(rfs::fstat(&fd).ok().map(|st| mtime_ns(&st)))
                }
                Err(Errno::NOENT) => match self.create_new(name) {
                    Ok(f) => Ok(rfs::fstat(&f).ok().map(|st| mtime_ns(&st))),
                    Err(_) => Ok(None),
                },
                Err(Errno::LOOP) => Err(format!(
                    "{} is a symbolic link and is never followed; the racy window uses the wall \
                     clock",
                    shown.display()
                )),
                Err(_) => Ok(None),
            }
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use super::*;
    use std::fs;

    fn kind_of(md: &fs::Metadata) -> EntryKind {
        let ft = md.file_type();
        if ft.is_symlink() {
            EntryKind::Link
        } else if ft.is_dir() {
            EntryKind::Dir
        } else if ft.is_file() {
            EntryKind::File
        } else {
            EntryKind::Special
        }
    }

    /// `FILE_FLAG_OPEN_REPARSE_POINT`: open a link or junction itself, never its target.
    const OPEN_REPARSE_POINT: u32 = 0x0020_0000;

    impl SafeDir {
        /// The cache root as named, created when `create`.
        pub fn open_root(root: &Path, create: bool) -> io::Result<SafeDir> {
            if create {
                fs::create_dir_all(root)?;
            }
            if !fs::metadata(root)?.is_dir() {
                return Err(not_a_real_dir(root));
            }
            Ok(SafeDir {
                path: root.to_path_buf(),
            })
        }

        /// A child directory, refused when it is a link or junction (checked just before use).
        pub fn child(&self, name: &OsStr, create: bool) -> io::Result<SafeDir> {
            let path = self.shown(name);
            match fs::symlink_metadata(&path) {
                Ok(md) if kind_of(&md) == EntryKind::Dir => {}
                Ok(_) => return Err(not_a_real_dir(&path)),
                Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
                    match fs::create_dir(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                        Err(e) => return Err(e),
                    }
                    if !fs::symlink_metadata(&path).is_ok_and(|m| kind_of(&m) == EntryKind::Dir) {
                        return Err(not_a_real_dir(&path));
                    }
                }
                Err(e) => return Err(e),
            }
            Ok(SafeDir { path })
        }

        fn open_with(&self, name: &OsStr, o: &mut fs::OpenOptions) -> io::Result<File> {
            use std::os::windows::fs::OpenOptionsExt;
            o.custom_flags(OPEN_REPARSE_POINT);
            let f = o.open(self.shown(name))?;
            if !f.metadata()?.file_type().is_file() {
                return Err(not_a_file(&self.shown(name)));
            }
            Ok(f)
        }

        /// Opens a regular file for reading, never a link.
        pub fn open_read(&self, name: &OsStr) -> io::Result<File> {
            self.open_with(name, fs::OpenOptions::new().read(true))
        }

        /// Opens (creating it) a lock file, never a link.
        pub fn open_lock(&self, name: &OsStr) -> io::Result<File> {
            self.open_with(
                name,
                fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false),
            )
        }

        pub(super) fn create_new(&self, name: &OsStr) -> io::Result<File> {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(self.shown(name))
        }

        pub(super) fn rename(&self, from: &OsStr, to: &OsStr) -> io::Result<()> {
            fs::rename(self.shown(from), self.shown(to))
        }

        /// Removes a file or link entry (a link itself, never its target).
        pub fn remove_file(&self, name: &OsStr) -> io::Result<()> {
            fs::remove_file(self.shown(name))
        }

        /// Removes an empty child directory.
        pub fn remove_empty_dir(&self, name: &OsStr) -> io::Result<()> {
            fs::remove_dir(self.shown(name))
        }

        /// The kind of an entry (`lstat`), `None` when it does not exist.
        pub fn kind(&self, name: &OsStr) -> io::Result<Option<EntryKind>> {
            match fs::symlink_metadata(self.shown(name)) {
                Ok(md) => Ok(Some(kind_of(&md))),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        }

        /// The size of an entry (0 when it cannot be read).
        pub fn size(&self, name: &OsStr) -> u64 {
            fs::symlink_metadata(self.shown(name))
                .map(|m| m.len())
                .unwrap_or(0)
        }

        /// The modification time of an entry, if it exists.
        pub fn modified(&self, name: &OsStr) -> Option<SystemTime> {
            fs::symlink_metadata(self.shown(name)).ok()?.modified().ok()
        }

        /// The entries with UTF-8 names and their kinds.
        pub fn entries(&self) -> io::Result<Vec<(String, EntryKind)>> {
            let mut out = Vec::new();
            for e in fs::read_dir(&self.path)? {
                let e = e?;
                let Ok(name) = e.file_name().into_string() else {
                    continue;
                };
                let Ok(md) = e.metadata() else { continue };
                out.push((name, kind_of(&md)));
            }
            Ok(out)
        }

        pub(super) fn sync(&self) {}

        /// The file-system clock through the sentinel (see the Unix twin): never through a
        /// link, never truncated; its mtime is set to now.
        pub fn clock(&self, name: &OsStr) -> Result<Option<i64>, String> {
            let shown = self.shown(name);
            match fs::symlink_metadata(&shown) {
                Ok(md) if kind_of(&md) != EntryKind::File => {
                    return Err(format!(
                        "{} is not a regular file; the racy window uses the wall clock",
                        shown.display()
                    ))
                }
                Ok(md) if md.len() > 1 => {
                    return Err(format!(
                        "{} is not cachecore's clock and is left untouched; the racy window \
                         uses the wall clock",
                        shown.display()
                    ))
                }
                Ok(_) => {
                    let f = match self.open_with(name, fs::OpenOptions::new().write(true)) {
                        Ok(f) => f,
                        Err(_) => return Ok(None),
                    };
                    if f.set_modified(SystemTime::now()).is_err() {
                        return Ok(None);
                    }
                    Ok(f.metadata()
                        .ok()
                        .and_then(|m| m.modified().ok())
                        .map(crate::core::stat::system_time_ns))
                }
                Err(_) => match self.create_new(name) {
                    Ok(f) => Ok(f
                        .metadata()
                        .ok()
                        .and_then(|m| m.modified().ok())
                        .map(crate::core::stat::system_time_ns)),
                    Err(_) => Ok(None),
                },
            }
        }
    }
}

impl SafeDir {
    /// Publishes `parts` as `name` atomically in this directory: a new temp file (`O_EXCL`,
    /// never through a link) with cachecore's temp name, fsync, rename over `name`, fsync of
    /// the directory. An existing link at `name` is replaced, never written through.
    pub fn write_atomic(&self, name: &OsStr, parts: &[&[u8]]) -> io::Result<()> {
        let (tmp, mut file) = loop {
            let candidate = atomic::temp_name(name);
            match self.create_new(OsStr::new(&candidate)) {
                Ok(f) => break (candidate, f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        };
        let tmp = OsStr::new(&tmp);
        let result = (|| {
            for part in parts {
                file.write_all(part)?;
            }
            if let Some(d) = atomic::test_write_delay() {
                std::thread::sleep(d);
            }
            file.sync_all()?;
            drop(file);
            self.rename(tmp, name)?;
            self.sync();
            Ok(())
        })();
        if result.is_err() {
            let _ = self.remove_file(tmp);
        }
        result
    }

    /// Removes cachecore's temp files in this directory left by a crashed writer (their name
    /// has cachecore's temp shape, they are regular files, and their writer is gone or they
    /// are older than `min_age`). Never follows a link; other files are never touched.
    pub fn sweep_temps(&self, min_age: Duration) -> usize {
        let Ok(entries) = self.entries() else {
            return 0;
        };
        let now = SystemTime::now();
        let mut removed = 0;
        for (name, kind) in entries {
            if kind != EntryKind::File || !atomic::is_temp_name(&name) {
                continue;
            }
            let dead = atomic::temp_writer_pid(&name).is_some_and(atomic::writer_is_dead);
            let old = self
                .modified(OsStr::new(&name))
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|age| age >= min_age);
            if (dead || old) && self.remove_file(OsStr::new(&name)).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    #[test]
    fn never_through_a_directory_link() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("cache");
        let victim = d.path().join("victim");
        fs::create_dir_all(root.join("projects")).unwrap();
        fs::create_dir_all(&victim).unwrap();
        symlink(&victim, root.join("projects/abc")).unwrap();
        let target = root.join("projects/abc/files.json");
        let e = open_parent(&root, &target, true).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotADirectory);
        assert_eq!(fs::read_dir(&victim).unwrap().count(), 0);
        // Outside the root, or with `..`, is refused.
        assert!(open_parent(&root, &d.path().join("x"), true).is_err());
        assert!(open_parent(&root, &root.join("projects/../x"), true).is_err());
    }

    #[test]
    fn write_read_and_refuse_links_and_fifos() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let target = root.join("p/q/f.json");
        let (dir, name) = open_parent(root, &target, true).unwrap();
        dir.write_atomic(name, &[b"ab", b"c"]).unwrap();
        assert_eq!(fs::read(root.join("p/q/f.json")).unwrap(), b"abc");
        let outside = root.join("outside");
        fs::write(&outside, "keep").unwrap();
        symlink(&outside, root.join("p/q/link.json")).unwrap();
        assert!(is_not_a_file(
            &dir.open_read(OsStr::new("link.json")).unwrap_err()
        ));
        assert!(is_not_a_file(
            &dir.open_lock(OsStr::new("link.json")).unwrap_err()
        ));
        dir.write_atomic(OsStr::new("link.json"), &[b"new"])
            .unwrap();
        assert_eq!(fs::read(&outside).unwrap(), b"keep");
        let fifo = root.join("p/q/fifo.json");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        assert!(is_not_a_file(
            &dir.open_read(OsStr::new("fifo.json")).unwrap_err()
        ));
        assert!(dir.clock(OsStr::new("fifo.json")).is_err());
        // A regular file with data is not cachecore's clock.
        assert!(dir.clock(OsStr::new("link.json")).is_err());
    }

    #[test]
    fn clock_never_truncates_and_never_follows() {
        let d = tempfile::tempdir().unwrap();
        let dir = SafeDir::open_root(d.path(), false).unwrap();
        let name = OsStr::new(".cachecore-clock");
        assert!(dir.clock(name).unwrap().is_some());
        assert!(dir.clock(name).unwrap().is_some());
        let victim = d.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        fs::remove_file(d.path().join(name)).unwrap();
        symlink(&victim, d.path().join(name)).unwrap();
        assert!(dir.clock(name).is_err());
        fs::remove_file(d.path().join(name)).unwrap();
        fs::hard_link(&victim, d.path().join(name)).unwrap();
        assert!(dir.clock(name).is_err());
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
    }
}
