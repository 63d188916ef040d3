//! The store: one SQLite file, a `models/` folder and the certificate key pair in one
//! directory. See the crate README for the layout.

use crate::{audit, keys, samples, schema, LedgerError, Timestamp};
use ed25519_dalek::{SigningKey, VerifyingKey};
use oubli_data::Dataset;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// File name of the database in the store directory.
pub const DB_FILE: &str = "oubli.sqlite";
/// Folder of model files in the store directory.
pub const MODELS_DIR: &str = "models";

/// Settings fixed at init and kept in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreOptions {
    /// Calendar months between receiving a request and its due date (GDPR art. 12(3): one
    /// month). Must be at least 1. Default: 1.
    pub due_months: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { due_months: 1 }
    }
}

/// Where the store gets the time from; replaceable so tests can move the clock.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The durable deletion store. All methods take `&self`: one connection behind a mutex, so
/// a `Store` can be shared (`Arc<Store>`) between the HTTP handlers and the worker. Writes
/// are `BEGIN IMMEDIATE` transactions, each with its audit entries.
pub struct Store {
    dir: PathBuf,
    conn: Mutex<Connection>,
    key: SigningKey,
    options: StoreOptions,
    clock: Clock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Creates a store in `dir` (created if missing) holding a copy of `dataset`, with a new
    /// key pair. Fails with `AlreadyInitialised` if `dir` already holds a store.
    pub fn init(
        dir: &Path,
        dataset: &Dataset,
        options: StoreOptions,
    ) -> Result<Store, LedgerError> {
        if options.due_months == 0 {
            return Err(LedgerError::InvalidOption {
                field: "due_months",
                reason: "must be at least 1",
            });
        }
        let db = dir.join(DB_FILE);
        if db.exists() || dir.join(keys::SECRET_KEY_FILE).exists() {
            return Err(LedgerError::AlreadyInitialised(dir.to_path_buf()));
        }
        let models = dir.join(MODELS_DIR);
        std::fs::create_dir_all(&models).map_err(|e| LedgerError::io(&models, e))?;
        let key = keys::create(dir)?;
        let result = Self::create_db(dir, dataset, &options, &key);
        if result.is_err() {
            for f in [
                DB_FILE,
                "oubli.sqlite-wal",
                "oubli.sqlite-shm",
                keys::SECRET_KEY_FILE,
            ] {
                let _ = std::fs::remove_file(dir.join(f));
            }
        }
        let conn = result?;
        Ok(Store {
            dir: dir.to_path_buf(),
            conn: Mutex::new(conn),
            key,
            options,
            clock: Arc::new(Timestamp::now),
        })
    }

    fn create_db(
        dir: &Path,
        dataset: &Dataset,
        options: &StoreOptions,
        key: &SigningKey,
    ) -> Result<Connection, LedgerError> {
        let mut conn = Connection::open(dir.join(DB_FILE))?;
        schema::configure(&conn)?;
        schema::migrate(&mut conn)?;
        let now = Timestamp::now();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        samples::insert_dataset(&tx, dataset)?;
        set_meta(&tx, "options", &serde_json::to_value(options)?)?;
        set_meta(&tx, "created_at", &json!(now.to_string()))?;
        let public = hex::encode(key.verifying_key().as_bytes());
        set_meta(&tx, "public_key", &json!(public))?;
        set_meta(&tx, "erasures", &json!(0))?;
        audit::append(
            &tx,
            now,
            json!({
                "type": "store.initialised",
                "schema_version": schema::SCHEMA_VERSION,
                "dataset": dataset.name,
                "train_samples": dataset.train.len(),
                "test_samples": dataset.test.len(),
                "train_fingerprint": dataset.train.fingerprint(),
                "test_fingerprint": dataset.test.fingerprint(),
                "public_key": public,
            }),
        )?;
        audit::record_head(&tx)?;
        tx.commit()?;
        // The copied data goes from the WAL into the main file now, not at some later time.
        crate::erase::checkpoint(&conn)?;
        Ok(conn)
    }

    /// Opens the store in `dir`, applying any newer migrations.
    pub fn open(dir: &Path) -> Result<Store, LedgerError> {
        let db = dir.join(DB_FILE);
        if !db.is_file() {
            return Err(LedgerError::NoStore(dir.to_path_buf()));
        }
        let mut conn = Connection::open(&db)?;
        schema::configure(&conn)?;
        schema::migrate(&mut conn)?;
        let key = keys::load(dir)?;
        let stored: Option<Value> = get_meta(&conn, "public_key")?;
        let public = hex::encode(key.verifying_key().as_bytes());
        if stored.as_ref().and_then(Value::as_str) != Some(public.as_str()) {
            return Err(LedgerError::BadKey {
                path: dir.join(keys::SECRET_KEY_FILE),
                reason: "does not match the public key recorded in the store".into(),
            });
        }
        let options = match get_meta(&conn, "options")? {
            Some(v) => serde_json::from_value(v)?,
            None => return Err(LedgerError::Corrupt("no options in meta".into())),
        };
        Ok(Store {
            dir: dir.to_path_buf(),
            conn: Mutex::new(conn),
            key,
            options,
            clock: Arc::new(Timestamp::now),
        })
    }

    /// Replaces the clock (tests, simulations).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// The time now, by the store's clock.
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The database file.
    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    /// The folder model files go in.
    pub fn models_dir(&self) -> PathBuf {
        self.dir.join(MODELS_DIR)
    }

    /// The settings fixed at init.
    pub fn options(&self) -> &StoreOptions {
        &self.options
    }

    /// The schema version in force.
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// The public half of the certificate key.
    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock left no transaction open (rusqlite rolls back on
        // drop), so the connection is still sound.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction, committed (and synced) on `Ok`.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>, Timestamp) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx, self.now())?;
        audit::record_head(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

pub(crate) fn set_meta(tx: &Transaction<'_>, key: &str, value: &Value) -> Result<(), LedgerError> {
    tx.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, crate::canonical::to_string(value)])?;
    Ok(())
}

pub(crate) fn get_meta(conn: &Connection, key: &str) -> Result<Option<Value>, LedgerError> {
    let text: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?;
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}
