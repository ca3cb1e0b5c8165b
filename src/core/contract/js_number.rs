//! JavaScript number semantics the contract depends on: `String(n)`, `Math.round`, and
//! `JSON.stringify` of integral numbers (`0`, not `0.0`).

use serde::Serializer;

/// The largest integer a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// `Math.round(x)`: halves round up, towards +∞ (`Math.round(-2.5) === -2`), unlike `f64::round`.
pub fn js_math_round(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let floor = x.floor();
    // `x - floor` is exact, so 0.49999999999999994 stays below one half.
    if x - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    }
}

/// `String(x)` for a JavaScript number: `40`, `12.5`, `1e-7`, `1e+21`, `NaN`, `-Infinity`.
pub fn js_number_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if x == 0.0 {
        return "0".to_owned(); // also -0
    }
    if (1e-6..1e21).contains(&x.abs()) {
        // Rust's shortest round-trip digits, without an exponent, as JavaScript writes them.
        return format!("{x}");
    }
    let exponential = format!("{x:e}");
    match exponential.split_once('e') {
        Some((mantissa, exponent)) if !exponent.starts_with('-') => {
            format!("{mantissa}e+{exponent}")
        }
        _ => exponential,
    }
}

/// Serialises an `f64` as `JSON.stringify` does: an integral value has no fractional part.
pub fn serialize_js_number<S: Serializer>(x: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if x.fract() == 0.0 && x.abs() <= MAX_SAFE_INTEGER {
        serializer.serialize_i64(*x as i64)
    } else {
        serializer.serialize_f64(*x)
    }
}

/// [`serialize_js_number`] for an optional field (pair it with `skip_serializing_if`).
pub fn serialize_opt_js_number<S: Serializer>(
    x: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match x {
        Some(x) => serialize_js_number(x, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn math_round_is_half_up() {
        assert_eq!(js_math_round(2.5), 3.0);
        assert_eq!(js_math_round(-2.5), -2.0);
        assert_eq!(js_math_round(2.4999), 2.0);
        assert_eq!(js_math_round(0.49999999999999994), 0.0);
        assert_eq!(js_math_round(33.333333333333336), 33.0);
        assert_eq!(js_math_round(66.66666666666667), 67.0);
        assert!(js_math_round(f64::NAN).is_nan());
    }

    #[test]
    fn number_to_string_matches_javascript() {
        // Expected values from `node -e 'console.log(String(x))'`.
        assert_eq!(js_number_to_string(40.0), "40");
        assert_eq!(js_number_to_string(12.5), "12.5");
        assert_eq!(js_number_to_string(0.1), "0.1");
        assert_eq!(js_number_to_string(-0.0), "0");
        assert_eq!(js_number_to_string(1e-7), "1e-7");
        assert_eq!(js_number_to_string(1e21), "1e+21");
        assert_eq!(js_number_to_string(1e20), "100000000000000000000");
        assert_eq!(js_number_to_string(f64::NAN), "NaN");
        assert_eq!(js_number_to_string(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn integral_numbers_serialise_without_fraction() {
        #[derive(serde::Serialize)]
        struct N {
            #[serde(serialize_with = "serialize_js_number")]
            a: f64,
            #[serde(serialize_with = "serialize_js_number")]
            b: f64,
            #[serde(serialize_with = "serialize_opt_js_number")]
            c: Option<f64>,
        }
        let json = serde_json::to_string(&N {
            a: 0.0,
            b: 12.5,
            c: Some(40.0),
        })
        .unwrap();
        assert_eq!(json, r#"{"a":0,"b":12.5,"c":40}"#);
    }
}
