//! `oubli audit verify`: walks a store's hash-chained audit log and replays it against the
//! tables; names the first broken link.

use crate::output::json;
use clap::{Args, Subcommand};
use oubli_ledger::Store;
use serde_json::json;
use std::path::PathBuf;

/// Exit code when the audit log or the tables do not check.
pub const EXIT_TAMPERED: i32 = 6;

/// `oubli audit …`.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the audit chain and that the tables agree with it.
    Verify(VerifyArgs),
}

/// Arguments of `oubli audit verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The store directory.
    #[arg(long, default_value = "oubli-store")]
    pub dir: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `oubli audit verify`: exit 0 when intact, 6 when a link or a table is broken.
pub fn run(c: AuditCommand) -> anyhow::Result<i32> {
    let AuditCommand::Verify(a) = c;
    let store = Store::open(&a.dir)?;
    let chain = store.verify_chain();
    let state = store.verify_state();
    let ok = chain.is_ok() && state.is_ok();
    if a.json {
        json(&json!({
            "ok": ok,
            "chain": chain.as_ref().map(|c| json!(c)).unwrap_or_else(|e| json!({"error": e.to_string()})),
            "state": state.as_ref().map(|s| json!(s)).unwrap_or_else(|e| json!({"error": e.to_string()})),
        }))?;
    } else {
        match &chain {
            Ok(c) => println!("audit chain: {} entries, every link checks", c.entries),
            Err(e) => println!("audit chain BROKEN: {e}"),
        }
        match &state {
            Ok(_) => println!("tables: agree with the log"),
            Err(e) => println!("tables DISAGREE with the log: {e}"),
        }
    }
    Ok(if ok { 0 } else { EXIT_TAMPERED })
}
