//! Printing results: one JSON object on stdout with `--json`, a readable table otherwise.

use serde::Serialize;

/// Prints `value` as pretty JSON on stdout. A closed pipe (`oubli … --json | head`) ends
/// the program quietly instead of panicking, as Unix tools do (on Unix `main` restores
/// SIGPIPE's default action, which ends it first; this is the fallback elsewhere).
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let text = serde_json::to_string_pretty(value)?;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => Ok(other?),
    }
}

/// Formats an accuracy in [0, 1] as a percentage.
pub fn pct(x: f64) -> String {
    if x.is_nan() {
        "—".into()
    } else {
        format!("{:.2}%", x * 100.0)
    }
}
