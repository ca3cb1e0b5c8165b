//! JSON crossing the napi boundary: values go to JavaScript as one JSON text parsed by V8's own
//! `JSON.parse`, and come back through `JSON.stringify`.
//!
//! Building a result object property by property through napi costs a call per property
//! (about 250 ms for the 100,000 records of a fingerprint here); serialising once in Rust and
//! parsing once in V8 costs a fraction of that, and hosts still get plain objects.

use napi::bindgen_prelude::{FnArgs, Function, JsObjectValue, JsValue, Object, Unknown};
use napi::{Env, ValueType};

use super::errors::{coded, to_js};
use crate::core::contract::analysis_file::JsonData;
use crate::core::contract::json_data::DataError;
use crate::core::error::CoreError;

/// The global `JSON.parse` of raw JSON text.
pub(crate) fn json_parse<'a>(env: &'a Env, text: &str) -> napi::Result<Unknown<'a>> {
    json_parse_string(env, js_string(env, text)?)
}

/// A JavaScript string holding `text` (V8's own copy).
fn js_string<'a>(env: &'a Env, text: &str) -> napi::Result<Unknown<'a>> {
    use napi::bindgen_prelude::ToNapiValue;
    // SAFETY: a string value created in this env's current scope.
    unsafe {
        let raw = <&str as ToNapiValue>::to_napi_value(env.raw(), text)?;
        Ok(Unknown::from_raw_unchecked(env.raw(), raw))
    }
}

/// The global `JSON.parse` of a JavaScript string.
fn json_parse_string<'a>(env: &'a Env, text: Unknown<'_>) -> napi::Result<Unknown<'a>> {
    let json: Object<'_> = env.get_global()?.get_named_property("JSON")?;
    let parse: Function<'_, Unknown<'_>, Unknown<'_>> = json.get_named_property("parse")?;
    let v = parse.apply(json, text)?;
    // SAFETY: the value lives in the current handle scope, as `env` does.
    Ok(unsafe { std::mem::transmute::<Unknown<'_>, Unknown<'a>>(v) })
}

/// `JSON.parse` of text that may not be JSON (a cache file's): `Ok(Err(message))` for a syntax
/// error, whose exception is cleared rather than thrown (a malformed cache is data, not a
/// failure).
fn try_json_parse<'a>(env: &'a Env, text: &str) -> napi::Result<Result<Unknown<'a>, String>> {
    match json_parse(env, text) {
        Ok(v) => Ok(Ok(v)),
        Err(e) => {
            use napi::sys;
            let mut pending = false;
            // SAFETY: plain queries on this env's exception state.
            unsafe {
                sys::napi_is_exception_pending(env.raw(), &mut pending);
                if pending {
                    let mut exception = std::ptr::null_mut();
                    sys::napi_get_and_clear_last_exception(env.raw(), &mut exception);
                }
            }
            Ok(Err(e.reason))
        }
    }
}

/// Stored data handed to JavaScript: read (if still on disk) and parsed once with `JSON.parse`,
/// which is its validation; `Ok(Err(_))` when it cannot be read or is not JSON (a malformed
/// cache, not a failure).
pub(crate) fn parse_stored<'a>(
    env: &'a Env,
    data: &JsonData,
) -> napi::Result<Result<Unknown<'a>, DataError>> {
    let text = match data.text() {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    Ok(match try_json_parse(env, text)? {
        Ok(value) => {
            data.mark_valid();
            Ok(value)
        }
        Err(message) => Err(DataError::malformed(format!("invalid JSON: {message}"))),
    })
}

/// A Rust value handed to JavaScript through `JSON.parse` of its JSON text (raw JSON inside,
/// such as analysis data, is spliced in unchanged).
pub(crate) fn to_js_json<'a>(
    env: &'a Env,
    value: &impl serde::Serialize,
) -> napi::Result<Unknown<'a>> {
    let text = serde_json::to_string(value)
        .map_err(|e| to_js(env, &CoreError::Internal(format!("serialise: {e}"))))?;
    json_parse(env, &text)
}

/// [`to_js_json`] for a large owned value, giving up each copy as soon as the next exists: the
/// value is dropped once serialised and the text once V8 holds its own string, so a result of
/// 100,000 records is never held three times over while `JSON.parse` builds the objects.
pub(crate) fn into_js_json<'a, T: serde::Serialize>(
    env: &'a Env,
    value: T,
) -> napi::Result<Unknown<'a>> {
    let text = serde_json::to_string(&value)
        .map_err(|e| to_js(env, &CoreError::Internal(format!("serialise: {e}"))))?;
    drop(value);
    release_freed_memory();
    let js_text = js_string(env, &text)?;
    drop(text);
    json_parse_string(env, js_text)
}

/// `(obj, name, make) => void`, the installer of a lazy property.
type LazyInstaller<'a> = Function<'a, FnArgs<(Object<'a>, &'a str, Function<'a, (), String>)>, ()>;

/// Installs `make` as an accessor: see [`define_lazy_json`].
const LAZY_PROPERTY: &str = "(function (obj, name, make) {
  const own = (target, value) => Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true })
  Object.defineProperty(obj, name, {
    enumerable: true,
    configurable: true,
    get() { const value = JSON.parse(make()); own(this, value); return value },
    set(value) { own(this, value) },
  })
})";

/// Defines `obj[name]` as a lazy value: on its first read, `make()`'s JSON text is parsed by V8
/// and the property becomes a plain data property holding that value (so later reads see the
/// same object, and an assignment replaces it as on any object). Enumerable, so
/// `JSON.stringify`, spreading and `assert.deepEqual` read it like any property.
pub(crate) fn define_lazy_json(
    env: &Env,
    obj: &Object<'_>,
    name: &str,
    make: impl Fn() -> String + 'static,
) -> napi::Result<()> {
    let install: LazyInstaller<'_> = env.run_script(LAZY_PROPERTY)?;
    let make = env.create_function_from_closure::<(), String, _>(name, move |_| Ok(make()))?;
    install.call(FnArgs::from((*obj, name, make)))
}

/// Hands memory the allocator keeps after a large result was freed back to the system, so V8's
/// heap, which grows next while `JSON.parse` builds the objects, can reuse those pages instead of
/// adding to them (glibc keeps freed small blocks in its arenas: about 40 MB after a 100,000-file
/// run). A no-op elsewhere.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free memory to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The global `JSON.stringify` of a JavaScript value as JSON text (not re-validated): `undefined` (a function, a
/// symbol, `undefined` itself) and values it rejects (a `BigInt`, a cycle) are `INVALID_DATA`.
pub(crate) fn json_stringify(env: &Env, value: Unknown<'_>, what: &str) -> napi::Result<JsonData> {
    let json: Object<'_> = env.get_global()?.get_named_property("JSON")?;
    let stringify: Function<'_, Unknown<'_>, Unknown<'_>> = json.get_named_property("stringify")?;
    let out = stringify.apply(json, value).map_err(|e| {
        coded(
            env,
            "INVALID_DATA",
            format!("{what} is not JSON-serialisable: {}", e.reason),
        )
    })?;
    if out.get_type()? != ValueType::String {
        return Err(coded(
            env,
            "INVALID_DATA",
            format!("{what} is not JSON-serialisable (JSON.stringify returned undefined)"),
        ));
    }
    let text = utf8_of_string(env, out).map_err(|e| {
        coded(
            env,
            "INVALID_DATA",
            format!("{what}: cannot read the serialised text: {}", e.reason),
        )
    })?;
    // What `JSON.stringify` returns is JSON by construction: not validated again.
    Ok(JsonData::trusted(text))
}

/// The UTF-8 text of a JavaScript string, copied as cheaply as V8 allows. napi-rs's `String`
/// conversion asks V8 for the UTF-8 length (a full pass) and then encodes (V8's `WriteUtf8`,
/// about 2 ns a byte here): over 100 ms for the 58 MB of a large analysis. An ASCII string
/// (Node's `Buffer.byteLength`, SIMD, equals its length) is copied as Latin-1 instead, which is
/// a plain copy and the same bytes; any other string is encoded once into a buffer sized from its
/// UTF-16 length (at most 3 bytes a unit; pages never written are never touched).
fn utf8_of_string(env: &Env, value: Unknown<'_>) -> napi::Result<String> {
    use napi::sys;
    let (raw_env, raw) = (env.raw(), value.raw());
    let mut units = 0usize;
    // SAFETY: `value` is a live string of this env; a null buffer asks only for the length.
    let status = unsafe {
        sys::napi_get_value_string_utf16(raw_env, raw, std::ptr::null_mut(), 0, &mut units)
    };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason("not a string"));
    }
    let ascii = units > 4096 && utf8_length(env, value)? == units;
    let capacity = if ascii {
        units + 1
    } else {
        units.saturating_mul(3).saturating_add(1)
    };
    let mut buf: Vec<u8> = Vec::with_capacity(capacity);
    let mut written = 0usize;
    // SAFETY: `buf` has `capacity` writable bytes; V8 writes at most `capacity - 1` of them and
    // a terminating NUL, and reports how many it wrote before the NUL.
    let status = unsafe {
        if ascii {
            sys::napi_get_value_string_latin1(
                raw_env,
                raw,
                buf.as_mut_ptr().cast(),
                capacity,
                &mut written,
            )
        } else {
            sys::napi_get_value_string_utf8(
                raw_env,
                raw,
                buf.as_mut_ptr().cast(),
                capacity,
                &mut written,
            )
        }
    };
    if status != sys::Status::napi_ok || written >= capacity {
        return Err(napi::Error::from_reason("cannot read the string"));
    }
    // SAFETY: V8 initialised `written` bytes.
    unsafe { buf.set_len(written) };
    if !ascii {
        buf.shrink_to_fit();
    }
    // Checked all the same (ASCII, or V8's well-formed UTF-8): a fast pass beside the copy.
    String::from_utf8(buf).map_err(|_| napi::Error::from_reason("V8 wrote invalid UTF-8"))
}

/// `Buffer.byteLength(value, 'utf8')`.
fn utf8_length(env: &Env, value: Unknown<'_>) -> napi::Result<usize> {
    let buffer: Function<'_, (), Unknown<'_>> = env.get_global()?.get_named_property("Buffer")?;
    let byte_length: Function<'_, Unknown<'_>, f64> = buffer.get_named_property("byteLength")?;
    Ok(byte_length.apply(buffer, value)? as usize)
}

/// A JavaScript value kept from one call to a later one: an object (or function) by reference,
/// a primitive by its JSON text (Node 20's napi cannot reference a primitive). Release it with
/// [`HeldValue::release`] on the JavaScript thread.
pub(crate) enum HeldValue {
    /// An object or function.
    Ref(napi::UnknownRef),
    /// A primitive, as JSON (data values are JSON values: null, a boolean, a number, a string).
    Json(String),
}

impl HeldValue {
    /// Keeps `value`.
    pub(crate) fn hold(env: &Env, value: Unknown<'_>) -> napi::Result<Self> {
        match value.get_type()? {
            ValueType::Object | ValueType::Function => Ok(HeldValue::Ref(value.create_ref()?)),
            _ => Ok(HeldValue::Json(
                json_stringify(env, value, "a kept value")?.get().to_owned(),
            )),
        }
    }

    /// The kept value, in this call's scope.
    pub(crate) fn get<'a>(&self, env: &'a Env) -> napi::Result<Unknown<'a>> {
        match self {
            HeldValue::Ref(r) => r.get_value(env),
            HeldValue::Json(text) => json_parse(env, text),
        }
    }

    /// Lets the value go.
    pub(crate) fn release(self, env: &Env) -> napi::Result<()> {
        match self {
            HeldValue::Ref(r) => r.unref(env),
            HeldValue::Json(_) => Ok(()),
        }
    }
}
