//! Errors crossing into JavaScript: every thrown error carries a stable `code`, and no panic
//! ever unwinds into Node.

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::{JsError, Unknown};
use napi::Env;

use crate::core::error::CoreError;

/// The environment variable that arms test-only failpoints: a comma-separated list of
/// `panic:<export>` (for example `panic:fingerprintSync`). Unset in production.
pub const FAILPOINT_ENV: &str = "CACHECORE_FAILPOINT";

/// Panics when the failpoint for `export` is armed (see [`FAILPOINT_ENV`]).
pub fn failpoint(export: &str) {
    if let Some(v) = std::env::var_os(FAILPOINT_ENV) {
        let v = v.to_string_lossy();
        if v.split(',')
            .any(|p| p.strip_prefix("panic:") == Some(export))
        {
            panic!("failpoint {export} armed");
        }
    }
}

/// Runs `f`, turning a panic into `CoreError::Internal`.
pub fn guarded<T>(f: impl FnOnce() -> Result<T, CoreError>) -> Result<T, CoreError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(CoreError::Internal(format!("panic: {msg}")))
        }
    }
}

/// A JavaScript `Error` with `code` set, wrapped so napi hands the very object to JavaScript
/// (thrown from a sync call, or as the rejection of a promise).
pub fn coded(env: &Env, code: &str, message: impl Into<String>) -> napi::Error {
    let raw =
        unsafe { JsError::from(napi::Error::new(code, message.into())).into_value(env.raw()) };
    if raw.is_null() {
        return napi::Error::from_reason(code.to_string());
    }
    napi::Error::from(unsafe { Unknown::from_raw_unchecked(env.raw(), raw) })
}

/// A JavaScript `TypeError` with `code` set: for arguments of the wrong type or shape.
pub fn coded_type_error(env: &Env, code: &str, message: impl Into<String>) -> napi::Error {
    let raw = unsafe {
        napi::JsTypeError::from(napi::Error::new(code, message.into())).into_value(env.raw())
    };
    if raw.is_null() {
        return napi::Error::from_reason(code.to_string());
    }
    napi::Error::from(unsafe { Unknown::from_raw_unchecked(env.raw(), raw) })
}

/// The JavaScript error for a core error.
pub fn to_js(env: &Env, e: &CoreError) -> napi::Error {
    coded(env, e.code(), e.to_string())
}

/// Runs the body of export `name`: arms its failpoint, and turns a panic into a JavaScript
/// error with code `INTERNAL`. Errors the body returns (coded errors, a JavaScript exception
/// thrown by a host callback) pass through unchanged.
pub fn exported<T>(
    env: &Env,
    name: &str,
    body: impl FnOnce() -> napi::Result<T>,
) -> napi::Result<T> {
    guarded(|| {
        failpoint(name);
        Ok(body())
    })
    .unwrap_or_else(|e| Err(to_js(env, &e)))
}

/// The error for a bad argument value: code `INVALID_OPTION`.
pub fn invalid(env: &Env, option: &str, message: impl Into<String>) -> napi::Error {
    to_js(env, &CoreError::invalid_option(option, message))
}

/// Converts a JavaScript argument to `T`; a value of the wrong type or shape is a `TypeError`
/// with code `INVALID_OPTION` naming the argument, never a panic.
pub fn arg<T: napi::bindgen_prelude::FromNapiValue>(
    env: &Env,
    value: Unknown<'_>,
    option: &str,
) -> napi::Result<T> {
    use napi::JsValue;
    unsafe { T::from_napi_value(env.raw(), value.raw()) }.map_err(|e| {
        let e = CoreError::invalid_option(option, e.reason.clone());
        coded_type_error(env, e.code(), e.to_string())
    })
}

/// Checks that a converted `Function` really is one (napi does not check when converting):
/// anything else is `INVALID_OPTION`.
pub fn ensure_function<Args, Return>(
    env: &Env,
    f: &napi::bindgen_prelude::Function<'_, Args, Return>,
    option: &str,
) -> napi::Result<()>
where
    Args: napi::bindgen_prelude::JsValuesTupleIntoVec,
{
    use napi::JsValue;
    let mut t = 0;
    let status = unsafe { napi::sys::napi_typeof(env.raw(), f.raw(), &mut t) };
    if status == napi::sys::Status::napi_ok && t == napi::sys::ValueType::napi_function {
        Ok(())
    } else {
        Err(invalid(env, option, "expected a function"))
    }
}

/// Rejects a key of an options object that is not one of `known` (a typo such as `exlude`
/// would otherwise be ignored silently): `INVALID_OPTION` naming `<what>.<key>`. Enumerable
/// string keys are checked, whatever their value.
pub fn reject_unknown_keys(
    env: &Env,
    o: &napi::bindgen_prelude::Object<'_>,
    known: &[&str],
    what: &str,
) -> napi::Result<()> {
    use napi::bindgen_prelude::JsObjectValue;
    let names = o.get_property_names()?;
    let len = names.get_array_length()?;
    for i in 0..len {
        let key: Unknown<'_> = names.get_element(i)?;
        let key: String = match key.get_type()? {
            napi::ValueType::String => arg(env, key, what)?,
            _ => continue,
        };
        if !known.contains(&key.as_str()) {
            let name = if what.is_empty() {
                key.clone()
            } else {
                format!("{what}.{key}")
            };
            let mut expected: Vec<&str> = known.to_vec();
            expected.sort_unstable();
            return Err(invalid(
                env,
                &name,
                format!("unknown option (expected one of: {})", expected.join(", ")),
            ));
        }
    }
    Ok(())
}

/// [`reject_unknown_keys`] on `value` when it is an object (anything else is left to the
/// conversion that follows, which reports a wrong type).
pub fn check_keys(env: &Env, value: Unknown<'_>, known: &[&str], what: &str) -> napi::Result<()> {
    if value.get_type()? == napi::ValueType::Object {
        let o: napi::bindgen_prelude::Object<'_> = arg(env, value, what)?;
        reject_unknown_keys(env, &o, known, what)?;
    }
    Ok(())
}

/// [`check_keys`] on the property `field` of `value` (when both are objects).
pub fn check_field_keys(
    env: &Env,
    value: Unknown<'_>,
    field: &str,
    known: &[&str],
    prefix: &str,
) -> napi::Result<()> {
    use napi::bindgen_prelude::JsObjectValue;
    if value.get_type()? != napi::ValueType::Object {
        return Ok(());
    }
    let o: napi::bindgen_prelude::Object<'_> = arg(env, value, prefix)?;
    let v: Option<Unknown<'_>> = o.get_named_property(field)?;
    match v {
        Some(v) => {
            let what = if prefix.is_empty() {
                field.to_owned()
            } else {
                format!("{prefix}.{field}")
            };
            check_keys(env, v, known, &what)
        }
        None => Ok(()),
    }
}

/// Converts the options argument `option` to `T` after checking its keys (and those of the
/// nested options objects `nested`: `(field, keys)`); see [`reject_unknown_keys`].
pub fn strict_arg<T: napi::bindgen_prelude::FromNapiValue>(
    env: &Env,
    value: Unknown<'_>,
    option: &str,
    known: &[&str],
    nested: &[(&str, &[&str])],
) -> napi::Result<T> {
    // A top-level argument's keys are named bare (`exlude`), nested ones with their path.
    let prefix = "";
    check_keys(env, value, known, prefix)?;
    for (field, keys) in nested {
        check_field_keys(env, value, field, keys, prefix)?;
    }
    arg(env, value, option)
}

/// Calls a host function (`producer`, `parseCachedData`) with `this` undefined. An exception
/// it throws stays pending, so the export rethrows the very value it threw, whatever it is (a
/// string, a number, `undefined`, an object): napi's own call path turns a thrown primitive
/// into `InvalidArg: Create Error reference failed` on Node-API < 10, losing it. The caller
/// must return the error at once, calling nothing else into JavaScript.
pub fn call_host<'a>(
    env: &'a Env,
    f: Unknown<'a>,
    args: &[Unknown<'a>],
) -> napi::Result<Unknown<'a>> {
    use napi::JsValue;
    let raw_env = env.raw();
    let mut this = std::ptr::null_mut();
    // SAFETY: plain Node-API calls on the current env, with values of its current scope.
    unsafe {
        let status = napi::sys::napi_get_undefined(raw_env, &mut this);
        if status != napi::sys::Status::napi_ok {
            return Err(napi::Error::new(
                napi::Status::from(status),
                "could not get undefined",
            ));
        }
        let argv: Vec<napi::sys::napi_value> = args.iter().map(|a| a.raw()).collect();
        let mut result = std::ptr::null_mut();
        let status = napi::sys::napi_call_function(
            raw_env,
            this,
            f.raw(),
            argv.len(),
            argv.as_ptr(),
            &mut result,
        );
        if status == napi::sys::Status::napi_ok {
            return Ok(Unknown::from_raw_unchecked(raw_env, result));
        }
        if status == napi::sys::Status::napi_pending_exception {
            // Left pending: the export returns at once, and napi does not throw over a pending
            // exception tagged so; the host sees the very value its function threw.
            return Err(napi::Error::new(
                napi::Status::PendingException,
                "the host function threw",
            ));
        }
        Err(napi::Error::new(
            napi::Status::from(status),
            "calling a host function failed",
        ))
    }
}
