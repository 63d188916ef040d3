-- Schema version 1 of the oubli store. Run once, in one transaction, by Store::init/open;
-- the version is kept in PRAGMA user_version.

-- Descriptive fields of the dataset and the store's own settings, as JSON values.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The training data itself: one row per sample, train and test.
-- id is the SampleId (u64) stored as the i64 with the same bits.
-- position keeps the original order within the split, so dataset() rebuilds it exactly.
-- features are the f32 values little-endian; groups is a JSON object attribute -> value.
CREATE TABLE samples (
    id       INTEGER PRIMARY KEY,
    split    TEXT    NOT NULL CHECK (split IN ('train', 'test')),
    position INTEGER NOT NULL,
    owner    TEXT,
    label    INTEGER NOT NULL,
    features BLOB    NOT NULL,
    groups   TEXT    NOT NULL
);
CREATE INDEX samples_by_owner ON samples (owner) WHERE owner IS NOT NULL;
CREATE UNIQUE INDEX samples_by_position ON samples (split, position);

-- Deletion requests. subject is {"owner": ".."} or {"sample_ids": [..]}.
CREATE TABLE requests (
    seq               INTEGER PRIMARY KEY,
    id                TEXT    NOT NULL UNIQUE,
    subject           TEXT    NOT NULL,
    received_at       TEXT    NOT NULL,
    due_at            TEXT    NOT NULL,
    extension_months  INTEGER NOT NULL DEFAULT 0,
    extension_reason  TEXT,
    status            TEXT    NOT NULL CHECK (status IN
                          ('received', 'erased', 'applied', 'verified', 'failed', 'no_data')),
    status_at         TEXT    NOT NULL,
    reason            TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    samples_erased    INTEGER,
    erased_at         TEXT,
    applied_at        TEXT,
    verified_at       TEXT,
    model_before      INTEGER REFERENCES models (version),
    model_after       INTEGER REFERENCES models (version),
    method            TEXT,
    verification      TEXT,
    certificate       TEXT
);
CREATE INDEX requests_by_status ON requests (status, seq);
CREATE INDEX requests_by_due ON requests (status, due_at);

-- What is left of an erased sample: who, which request, when. Never the data.
-- erasure numbers the erase transactions, so a model can say which erasures it accounts for.
CREATE TABLE tombstones (
    sample_id  INTEGER PRIMARY KEY,
    owner      TEXT,
    request_id TEXT    NOT NULL REFERENCES requests (id),
    erased_at  TEXT    NOT NULL,
    erasure    INTEGER NOT NULL
);
CREATE INDEX tombstones_by_owner ON tombstones (owner) WHERE owner IS NOT NULL;

-- Model versions. path is relative to the store directory.
-- At most one row has active = 1 (the partial unique index); activate() swaps it atomically.
CREATE TABLE models (
    version         INTEGER PRIMARY KEY,
    weights_hash    TEXT    NOT NULL,
    parent          INTEGER REFERENCES models (version),
    kind            TEXT    NOT NULL,
    method          TEXT,
    config          TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    covers_erasures INTEGER NOT NULL,
    active          INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    created_at      TEXT    NOT NULL,
    activated_at    TEXT,
    rejected_reason TEXT
);
CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active = 1;

-- The append-only audit log. hash = SHA-256(prev_hash bytes || canonical JSON of
-- {"at", "event", "seq"}); prev_hash of entry 1 is 64 zeros. See audit.rs.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    event     TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

-- Refuse edits through SQL. Someone with the file can drop these; the chain catches that.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
