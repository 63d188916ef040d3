//! Printing results: one JSON object on stdout with `--json`, a readable table otherwise.

use serde::Serialize;

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Formats an accuracy in [0, 1] as a percentage.
pub fn pct(x: f64) -> String {
    if x.is_nan() {
        "—".into()
    } else {
        format!("{:.2}%", x * 100.0)
    }
}
