//! JSON crossing the napi boundary: values go to JavaScript as one JSON text parsed by V8's own
//! `JSON.parse`, and come back through `JSON.stringify`.
//!
//! Building a result object property by property through napi costs a call per property
//! (about 250 ms for the 100,000 records of a fingerprint here); serialising once in Rust and
//! parsing once in V8 costs a fraction of that, and hosts still get plain objects.

use napi::bindgen_prelude::{Function, JsObjectValue, Object, Unknown};
use napi::{Env, ValueType};

use super::errors::{arg, coded, to_js};
use crate::core::contract::analysis_file::{self, RawData};
use crate::core::error::CoreError;

/// The global `JSON.parse` of raw JSON text.
pub(crate) fn json_parse<'a>(env: &'a Env, text: &str) -> napi::Result<Unknown<'a>> {
    let json: Object<'_> = env.get_global()?.get_named_property("JSON")?;
    let parse: Function<'_, &str, Unknown<'_>> = json.get_named_property("parse")?;
    let v = parse.apply(json, text)?;
    // SAFETY: the value lives in the current handle scope, as `env` does.
    Ok(unsafe { std::mem::transmute::<Unknown<'_>, Unknown<'a>>(v) })
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

/// The global `JSON.stringify` of a JavaScript value as raw JSON: `undefined` (a function, a
/// symbol, `undefined` itself) and values it rejects (a `BigInt`, a cycle) are `INVALID_DATA`.
pub(crate) fn json_stringify(env: &Env, value: Unknown<'_>, what: &str) -> napi::Result<RawData> {
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
    let text: String = arg(env, out, what)?;
    analysis_file::raw_data(&text).map_err(|e| {
        coded(
            env,
            "INVALID_DATA",
            format!("{what} is not valid JSON: {e}"),
        )
    })
}
