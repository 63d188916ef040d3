//! Connection settings and numbered migrations.
//!
//! Every connection runs with:
//! - `journal_mode=WAL`: readers never block the writer, one fsync per commit;
//! - `synchronous=FULL`: the WAL is synced at every commit, so a commit that returned survives
//!   a power cut (NORMAL would only guarantee consistency, not durability);
//! - `secure_delete=ON`: deleted content is overwritten with zeros, not just unlinked;
//! - `foreign_keys=ON` and a busy timeout for other processes (the CLI next to the server).
//!
//! Migrations are the files `migrations/NNNN_*.sql`, compiled in and applied in order, each
//! in its own transaction that also sets `PRAGMA user_version` to its number.

use crate::LedgerError;
use rusqlite::Connection;
use std::time::Duration;

/// The migrations, numbered from 1; the schema version is the number of the last applied.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/0001_store.sql"))];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// How long a statement waits for another connection's lock.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Applies the connection settings above.
pub(crate) fn configure(conn: &Connection) -> Result<(), LedgerError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(LedgerError::Corrupt(format!(
            "the database refused WAL mode (got {mode})"
        )));
    }
    conn.execute_batch(
        "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;",
    )?;
    let secure: i64 = conn.query_row("PRAGMA secure_delete", [], |r| r.get(0))?;
    if secure != 1 {
        return Err(LedgerError::Corrupt(
            "secure_delete could not be enabled".into(),
        ));
    }
    Ok(())
}

/// Brings the schema up to [`SCHEMA_VERSION`]; returns the version now in force.
pub(crate) fn migrate(conn: &mut Connection) -> Result<i64, LedgerError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(LedgerError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for &(version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(SCHEMA_VERSION)
}
