//! JavaScript `RegExp` values crossing into the core as [`JsPattern`]s (their `source` and
//! `flags`), compiled once here so that a pattern the core cannot run with JavaScript
//! semantics is `INVALID_OPTION` naming the exact option (`exclude.dirs[2]`).

use napi::bindgen_prelude::{JsObjectValue, Object, Unknown};
use napi::{Env, ValueType};

use super::errors::{arg, to_js};
use crate::core::filter::{JsPattern, JsRegex};

/// The pattern of a `RegExp` (an object with string `source` and `flags`), checked by
/// compiling it; `None` for any other object.
pub(crate) fn js_pattern(env: &Env, v: Unknown<'_>, what: &str) -> napi::Result<Option<JsPattern>> {
    if v.get_type()? != ValueType::Object {
        return Ok(None);
    }
    let o: Object<'_> = arg(env, v, what)?;
    let source: Option<Unknown<'_>> = o.get_named_property("source")?;
    let flags: Option<Unknown<'_>> = o.get_named_property("flags")?;
    let (Some(source), Some(flags)) = (source, flags) else {
        return Ok(None);
    };
    if source.get_type()? != ValueType::String || flags.get_type()? != ValueType::String {
        return Ok(None);
    }
    let p = JsPattern::new(
        arg::<String>(env, source, what)?,
        arg::<String>(env, flags, what)?,
    );
    JsRegex::new(&p, what).map_err(|e| to_js(env, &e))?;
    Ok(Some(p))
}
