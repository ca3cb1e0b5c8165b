//! A host's own IO ports as the core's [`CacheIo`]: the `io` option of the store exports and of
//! the synchronous dispatch. `io` has the shape of the TypeScript `CacheRuntime`:
//! `{ fs: { exists, readText, statKind, listDir, writeText, deleteFile, mkdirp, realpath? },
//! path?: { join, dirname, resolve, relative }, hashText?, byteLength?, fileSize?,
//! writeTextAtomic?, deleteDir? }`.
//!
//! The policy, the steps and the file formats stay the core's; only the bytes go through the
//! host's functions, called synchronously on this thread with their object as `this`. Nothing
//! touches the disk of this machine. A port that throws (or returns a Promise) is an IO failure
//! of that step, reported as the core reports one of the disk (a warning, never a served
//! value); a `hashText` or `byteLength` that throws aborts the call with that very exception,
//! since a record is never written with a hash nobody computed.

use std::cell::RefCell;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use napi::bindgen_prelude::{JsObjectValue, Object, ToNapiValue, Unknown};
use napi::{sys, Env, JsValue, ValueType};

use super::errors::{arg, invalid};
use crate::core::contract::cache_file::{self, CacheReadFailure, CACHE_IO_ERROR, CACHE_OVERSIZE};
use crate::core::contract::dispatch_info::CacheWarning;
use crate::core::contract::hashing::TextHash;
use crate::core::contract::io::{CacheIo, DirEntry, EntryKind, IoGuard, ScanJob, Scanned};
use crate::core::error::{CoreError, CoreResult};

/// How a host hashes text: natively (no `hashText`, or an algorithm name) or with its function.
enum HostHash {
    Native(Option<TextHash>),
    Js,
}

/// The host's ports (see the module doc).
pub struct JsIo<'a> {
    env: &'a Env,
    root: Object<'a>,
    fs: Object<'a>,
    path: Option<Object<'a>>,
    hash: HostHash,
    /// The first exception of a `hashText` or `byteLength` call (thrown by the export).
    failure: RefCell<Option<napi::Error>>,
}

fn is_nullish(v: &Unknown<'_>) -> napi::Result<bool> {
    Ok(matches!(
        v.get_type()?,
        ValueType::Undefined | ValueType::Null
    ))
}

/// A thrown JavaScript value's message (`Error: boom` -> `boom`).
fn message(e: &napi::Error) -> String {
    let r = e.reason.as_str();
    match r.split_once(": ") {
        Some((name, rest)) if name.ends_with("Error") && !name.contains(' ') => rest.to_owned(),
        _ => r.to_owned(),
    }
}

fn io_error(e: &napi::Error) -> io::Error {
    io::Error::other(message(e))
}

impl<'a> JsIo<'a> {
    /// The ports of an `io` option: `None` when it is absent (`undefined` or `null`); anything
    /// but an object with an `fs` object is `INVALID_OPTION`.
    pub fn from_option(env: &'a Env, value: Option<Unknown<'a>>) -> napi::Result<Option<Self>> {
        let Some(value) = value else { return Ok(None) };
        if is_nullish(&value)? {
            return Ok(None);
        }
        if value.get_type()? != ValueType::Object {
            return Err(invalid(
                env,
                "io",
                "expected the host's runtime ports (an object)",
            ));
        }
        let root: Object<'a> = arg(env, value, "io")?;
        let fs: Option<Unknown<'a>> = root.get_named_property("fs")?;
        let fs = match fs {
            Some(v) if v.get_type()? == ValueType::Object => arg::<Object<'a>>(env, v, "io.fs")?,
            _ => {
                return Err(invalid(
                    env,
                    "io.fs",
                    "expected the host's file-system port",
                ))
            }
        };
        let path: Option<Unknown<'a>> = root.get_named_property("path")?;
        let path = match path {
            Some(v) if v.get_type()? == ValueType::Object => {
                Some(arg::<Object<'a>>(env, v, "io.path")?)
            }
            _ => None,
        };
        let h: Option<Unknown<'a>> = root.get_named_property("hashText")?;
        let hash = match h {
            None => HostHash::Native(None),
            Some(h) => match h.get_type()? {
                ValueType::Undefined | ValueType::Null => HostHash::Native(None),
                ValueType::Function => HostHash::Js,
                ValueType::String => {
                    let name: String = arg(env, h, "io.hashText")?;
                    HostHash::Native(Some(TextHash::parse(&name).ok_or_else(|| {
                        invalid(env, "io.hashText", format!("unknown algorithm {name:?}"))
                    })?))
                }
                other => {
                    return Err(invalid(
                        env,
                        "io.hashText",
                        format!("expected a function or an algorithm name, got {other}"),
                    ))
                }
            },
        };
        Ok(Some(Self {
            env,
            root,
            fs,
            path,
            hash,
            failure: RefCell::new(None),
        }))
    }

    /// The algorithm of file records and epochs when the host names one (or gives none:
    /// SHA-256, as the dispatch's own default; a host's function is called instead).
    pub fn record_hash(&self) -> TextHash {
        match self.hash {
            HostHash::Native(algo) => algo.unwrap_or(TextHash::Sha256),
            HostHash::Js => TextHash::Sha256,
        }
    }

    /// The algorithm of the project id when the host names one (or gives none: the contract's
    /// FNV-1a; a host's function is called instead).
    pub fn id_hash(&self) -> TextHash {
        match self.hash {
            HostHash::Native(algo) => algo.unwrap_or_default(),
            HostHash::Js => TextHash::default(),
        }
    }

    /// Turns a core error caused by a host callback back into that callback's exception.
    pub fn error(&self, e: CoreError) -> napi::Error {
        match self.failure.borrow_mut().take() {
            Some(js) => js,
            None => super::errors::to_js(self.env, &e),
        }
    }

    /// Takes the exception a host callback threw during a call that cannot fail, if any.
    pub fn take_failure(&self) -> Option<napi::Error> {
        self.failure.borrow_mut().take()
    }

    /// Calls `owner[name](...args)` with `owner` as `this`. `Ok(None)` when the function is
    /// absent (and `required` is false).
    fn call(
        &self,
        owner: &Object<'a>,
        what: &str,
        name: &str,
        args: &[&str],
        required: bool,
    ) -> napi::Result<Option<Unknown<'a>>> {
        let f: Option<Unknown<'a>> = owner.get_named_property(name)?;
        let f = match f {
            Some(f) if f.get_type()? == ValueType::Function => f,
            _ if !required => return Ok(None),
            _ => {
                return Err(napi::Error::from_reason(format!(
                    "{what}.{name} is not a function"
                )))
            }
        };
        let env = self.env.raw();
        let mut raw_args = Vec::with_capacity(args.len());
        for a in args {
            // SAFETY: a string value created in this env's current scope.
            raw_args.push(unsafe { <&str as ToNapiValue>::to_napi_value(env, a)? });
        }
        let mut out = std::ptr::null_mut();
        // SAFETY: `f` is a function and `owner` an object of this env; the exception a host
        // function throws is taken and cleared before anything else runs.
        let status = unsafe {
            sys::napi_call_function(
                env,
                owner.raw(),
                f.raw(),
                raw_args.len(),
                raw_args.as_ptr(),
                &mut out,
            )
        };
        if status == sys::Status::napi_pending_exception {
            let mut exception = std::ptr::null_mut();
            unsafe { sys::napi_get_and_clear_last_exception(env, &mut exception) };
            return Err(napi::Error::from(unsafe {
                Unknown::from_raw_unchecked(env, exception)
            }));
        }
        if status != sys::Status::napi_ok {
            return Err(napi::Error::from_reason(format!(
                "{what}.{name} could not be called"
            )));
        }
        let value = unsafe { Unknown::from_raw_unchecked(env, out) };
        if value.get_type()? == ValueType::Object {
            let o: Object<'a> = arg(self.env, value, name)?;
            let then: Option<Unknown<'a>> = o.get_named_property("then")?;
            if let Some(then) = then {
                if then.get_type()? == ValueType::Function {
                    let at = args.first().copied().unwrap_or("");
                    return Err(napi::Error::from_reason(format!(
                        "Synchronous {what}.{name} requires a plain value (got a Promise at {at})"
                    )));
                }
            }
        }
        Ok(Some(value))
    }

    fn fs_call(&self, name: &str, args: &[&str]) -> napi::Result<Unknown<'a>> {
        Ok(self
            .call(&self.fs, "fs", name, args, true)?
            .expect("required"))
    }

    fn string(&self, v: Unknown<'a>, what: &str) -> napi::Result<String> {
        if v.get_type()? != ValueType::String {
            return Err(napi::Error::from_reason(format!(
                "{what} must return a string, returned {}",
                v.get_type()?
            )));
        }
        arg(self.env, v, what)
    }

    fn path_call(&self, name: &str, args: &[&str]) -> napi::Result<Option<String>> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        match self.call(path, "path", name, args, false)? {
            Some(v) => self.string(v, &format!("path.{name}")).map(Some),
            None => Ok(None),
        }
    }

    /// The host's `path.resolve(p)` (the native resolution without a path port).
    pub fn resolve(&self, p: &str) -> napi::Result<String> {
        match self.path_call("resolve", &[p])? {
            Some(r) => Ok(r),
            None => Ok(
                crate::core::contract::store_paths::resolve_path(Path::new(p))
                    .display()
                    .to_string(),
            ),
        }
    }

    /// The host's `path.join(a, b)`.
    pub fn join_str(&self, a: &str, b: &str) -> napi::Result<String> {
        match self.path_call("join", &[a, b])? {
            Some(r) => Ok(r),
            None => Ok(Path::new(a).join(b).display().to_string()),
        }
    }

    /// The host's `path.relative(from, to)` made POSIX (`None` without a path port).
    pub fn relative(&self, from: &str, to: &str) -> napi::Result<Option<String>> {
        Ok(self
            .path_call("relative", &[from, to])?
            .map(|r| r.replace('\\', "/")))
    }

    fn text_of(p: &Path) -> String {
        p.display().to_string()
    }

    fn kind_str(&self, v: Unknown<'a>) -> napi::Result<Option<EntryKind>> {
        let s = self.string(v, "fs.statKind")?;
        Ok(match s.as_str() {
            "missing" => None,
            "file" => Some(EntryKind::File),
            "directory" => Some(EntryKind::Dir),
            _ => Some(EntryKind::Other),
        })
    }

    /// The host's `byteLength(text)` (UTF-8 length without one).
    fn byte_len(&self, text: &str) -> napi::Result<u64> {
        match self.call(&self.root, "runtime", "byteLength", &[text], false)? {
            None => Ok(text.len() as u64),
            Some(v) if v.get_type()? == ValueType::Number => {
                let n: f64 = arg(self.env, v, "byteLength")?;
                Ok(if n.is_finite() && n >= 0.0 {
                    n as u64
                } else {
                    0
                })
            }
            Some(_) => Err(napi::Error::from_reason("byteLength must return a number")),
        }
    }

    fn fail(&self, e: napi::Error) -> CoreError {
        let msg = message(&e);
        self.failure.borrow_mut().get_or_insert(e);
        CoreError::Internal(format!("a host callback failed: {msg}"))
    }

    fn read_checked(
        &self,
        path: &Path,
        cap: u64,
    ) -> napi::Result<Result<Option<Vec<u8>>, CacheReadFailure>> {
        let p = Self::text_of(path);
        let exists = self.fs_call("exists", &[&p])?;
        if !exists.coerce_to_bool()? {
            return Ok(Ok(None));
        }
        let kind = self.fs_call("statKind", &[&p])?;
        if self.kind_str(kind)? != Some(EntryKind::File) {
            return Ok(Err(CacheReadFailure {
                warning: cache_file::warning(
                    CACHE_IO_ERROR,
                    "cache path is not a file; skipping",
                    path,
                ),
                corrupt: false,
            }));
        }
        let oversize = |size: u64| CacheReadFailure {
            warning: cache_file::warning(
                CACHE_OVERSIZE,
                format!("cache file exceeds size limit ({size} > {cap} bytes); skipping"),
                path,
            ),
            corrupt: true,
        };
        let known = match self.call(&self.root, "runtime", "fileSize", &[&p], false)? {
            Some(v) if v.get_type()? == ValueType::Number => {
                Some(arg::<f64>(self.env, v, "fileSize")?)
            }
            _ => None,
        };
        if let Some(size) = known {
            if size > cap as f64 {
                return Ok(Err(oversize(size as u64)));
            }
        }
        let text = self.fs_call("readText", &[&p])?;
        let text = self.string(text, "fs.readText")?;
        let size = match known {
            Some(s) => s as u64,
            None => self.byte_len(&text)?,
        };
        if size > cap {
            return Ok(Err(oversize(size)));
        }
        Ok(Ok(Some(text.into_bytes())))
    }
}

impl CacheIo for JsIo<'_> {
    fn join(&self, dir: &Path, name: &str) -> PathBuf {
        let d = Self::text_of(dir);
        match self.path_call("join", &[&d, name]) {
            Ok(Some(p)) => PathBuf::from(p),
            _ => dir.join(name),
        }
    }

    fn parent(&self, path: &Path) -> PathBuf {
        let p = Self::text_of(path);
        match self.path_call("dirname", &[&p]) {
            Ok(Some(d)) => PathBuf::from(d),
            _ => path.parent().map(Path::to_path_buf).unwrap_or_default(),
        }
    }

    fn kind(&self, path: &Path) -> io::Result<Option<EntryKind>> {
        let p = Self::text_of(path);
        self.fs_call("statKind", &[&p])
            .and_then(|v| self.kind_str(v))
            .map_err(|e| io_error(&e))
    }

    fn read_cache(&self, path: &Path, cap: u64) -> Result<Option<Vec<u8>>, CacheReadFailure> {
        match self.read_checked(path, cap) {
            Ok(r) => r,
            Err(e) => Err(CacheReadFailure::io(io_error(&e), path)),
        }
    }

    fn write_cache(&self, path: &Path, parts: &[&[u8]]) -> Option<CacheWarning> {
        let text = String::from_utf8_lossy(&parts.concat()).into_owned();
        let p = Self::text_of(path);
        let written = (|| -> napi::Result<()> {
            if self
                .call(
                    &self.root,
                    "runtime",
                    "writeTextAtomic",
                    &[&p, &text],
                    false,
                )?
                .is_some()
            {
                return Ok(());
            }
            let dir = Self::text_of(&self.parent(path));
            self.fs_call("mkdirp", &[&dir])?;
            self.fs_call("writeText", &[&p, &text])?;
            Ok(())
        })();
        written.err().map(|e| {
            cache_file::warning(
                CACHE_IO_ERROR,
                format!("cache write error: {}", message(&e)),
                path,
            )
        })
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        let p = Self::text_of(path);
        self.fs_call("deleteFile", &[&p])
            .map(|_| ())
            .map_err(|e| io_error(&e))
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        let p = Self::text_of(path);
        self.fs_call("mkdirp", &[&p])
            .map(|_| ())
            .map_err(|e| io_error(&e))
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        let p = Self::text_of(path);
        let listed = (|| -> napi::Result<Vec<DirEntry>> {
            let v = self.fs_call("listDir", &[&p])?;
            let items: Vec<Object<'_>> = arg(self.env, v, "fs.listDir")?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let name: Option<String> = item.get_named_property("name")?;
                let kind: Option<String> = item.get_named_property("kind")?;
                let Some(name) = name else { continue };
                let kind = match kind.as_deref() {
                    Some("file") => EntryKind::File,
                    Some("directory") => EntryKind::Dir,
                    _ => EntryKind::Other,
                };
                out.push(DirEntry { name, kind });
            }
            Ok(out)
        })();
        listed.map_err(|e| io_error(&e))
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        let p = Self::text_of(path);
        self.call(&self.root, "runtime", "deleteDir", &[&p], false)
            .map(|_| ())
            .map_err(|e| io_error(&e))
    }

    fn lock(&self, _lock_path: &Path, _timeout: Duration) -> io::Result<Option<IoGuard>> {
        Ok(Some(IoGuard::Unlocked))
    }

    fn read_text(&self, path: &Path) -> io::Result<String> {
        let p = Self::text_of(path);
        self.fs_call("readText", &[&p])
            .and_then(|v| self.string(v, "fs.readText"))
            .map_err(|e| io_error(&e))
    }

    fn hash_text(&self, algo: TextHash, text: &str) -> CoreResult<String> {
        match &self.hash {
            HostHash::Native(Some(named)) => Ok(named.hash_text(text)),
            HostHash::Native(None) => Ok(algo.hash_text(text)),
            HostHash::Js => {
                let r = self
                    .call(&self.root, "runtime", "hashText", &[text], true)
                    .and_then(|v| self.string(v.expect("required"), "hashText"));
                r.map_err(|e| self.fail(e))
            }
        }
    }

    fn text_len(&self, text: &str) -> CoreResult<u64> {
        self.byte_len(text).map_err(|e| self.fail(e))
    }

    fn realpath(&self, path: &Path) -> Option<PathBuf> {
        let p = Self::text_of(path);
        match self.call(&self.fs, "fs", "realpath", &[&p], false) {
            Ok(Some(v)) => self.string(v, "fs.realpath").ok().map(PathBuf::from),
            _ => None,
        }
    }

    fn scan(&self, job: &ScanJob<'_>) -> CoreResult<Scanned> {
        crate::core::contract::port_scan::scan(self, job)
    }
}

/// Runs `f` over the host's ports when `io` is given, else over the disk under the cache root
/// `root` (every cache path reached from it without following links). An exception a host
/// hasher threw during `f` is thrown by the call.
pub fn with_io<'a, T>(
    env: &'a Env,
    io: Option<Unknown<'a>>,
    root: &std::path::Path,
    f: impl FnOnce(&dyn CacheIo, Option<&JsIo<'a>>) -> napi::Result<T>,
) -> napi::Result<T> {
    match JsIo::from_option(env, io)? {
        Some(js) => {
            let out = f(&js, Some(&js));
            match js.take_failure() {
                Some(e) => Err(e),
                None => out,
            }
        }
        None => f(&crate::core::contract::io::NativeIo::new(root), None),
    }
}

/// The host's ports (the TypeScript `CacheRuntime`): when an export gets them as `io`, every
/// read, write, listing and deletion goes through them and nothing touches this machine's disk;
/// the policy and the file formats stay cachecore's. `hashText` and `byteLength` make the
/// records' hashes and sizes (native FNV-1a and UTF-8 length without them).
#[napi_derive::napi(object, object_to_js = false)]
pub struct CacheIoPorts<'a> {
    /// `{ exists, readText, statKind, listDir, writeText, deleteFile, mkdirp, realpath? }`,
    /// each synchronous.
    #[napi(
        ts_type = "{ exists(path: string): boolean; readText(path: string): string; statKind(path: string): 'file' | 'directory' | 'other' | 'missing'; listDir(path: string): Array<{ name: string; kind: 'file' | 'directory' | 'other' }>; writeText(path: string, text: string): void; deleteFile(path: string): void; mkdirp(path: string): void; realpath?(path: string): string }"
    )]
    pub fs: Unknown<'a>,
    /// `{ join, dirname, resolve, relative }` of the host's paths (native path rules without it).
    #[napi(
        ts_type = "{ join(...parts: string[]): string; dirname(path: string): string; resolve(...parts: string[]): string; relative(from: string, to: string): string; [key: string]: unknown }"
    )]
    pub path: Option<Unknown<'a>>,
    /// The text hasher: a function, or an algorithm name (default SHA-256 for file records and
    /// epochs, FNV-1a for the project id, as without ports).
    #[napi(ts_type = "((text: string) => string) | HashAlgorithm")]
    pub hash_text: Option<Unknown<'a>>,
    /// The recorded size of a text (default its UTF-8 length).
    #[napi(ts_type = "(text: string) => number")]
    pub byte_length: Option<Unknown<'a>>,
    /// A cache file's size before it is read, to refuse an oversize file unread.
    #[napi(ts_type = "(path: string) => number | undefined")]
    pub file_size: Option<Unknown<'a>>,
    /// Writes a whole file at once (else `mkdirp` of its directory and `writeText`).
    #[napi(ts_type = "(path: string, text: string) => void")]
    pub write_text_atomic: Option<Unknown<'a>>,
    /// Removes a directory tree (the periodic heal keeps orphan project dirs without it).
    #[napi(ts_type = "(path: string) => void")]
    pub delete_dir: Option<Unknown<'a>>,
}
