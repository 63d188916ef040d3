//! Deletion requests: what they name, their states, submitting them durably, and reading
//! them back.
//!
//! Ids are `del_` followed by 32 lowercase hex digits (128 bits from the operating system's
//! randomness): unguessable, so one client cannot probe for another's requests, and
//! revealing nothing about how many requests the store has seen. Order is kept separately
//! (the `seq` column).

use crate::samples::to_sql_id;
use crate::{audit, LedgerError, Store, Timestamp};
use oubli_data::SampleId;
use rusqlite::{params, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::fmt;

/// Whose data a request erases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Subject {
    /// Every sample of this owner (data subject): `{"owner": "ID"}`.
    Owner(String),
    /// These samples: `{"sample_ids": [..]}`.
    SampleIds(Vec<SampleId>),
}

impl Subject {
    /// The subject with its ids sorted and deduplicated; an error if it names nothing.
    pub fn normalised(&self) -> Result<Subject, LedgerError> {
        match self {
            Subject::Owner(o) if o.is_empty() => Err(LedgerError::InvalidSubject("empty owner")),
            Subject::Owner(o) => Ok(Subject::Owner(o.clone())),
            Subject::SampleIds(ids) if ids.is_empty() => {
                Err(LedgerError::InvalidSubject("empty sample id list"))
            }
            Subject::SampleIds(ids) => {
                let mut ids = ids.clone();
                ids.sort_unstable();
                ids.dedup();
                Ok(Subject::SampleIds(ids))
            }
        }
    }
}

/// The state of a request.
///
/// ```text
/// received ─► erased ─► applied ─► verified
///    │  │        │         │
///    │  └► no_data         │
///    └───────────┴─────────┴──► failed ─► (retry) received or erased
/// ```
/// `erased`: the subject's rows are gone from the store (the law's demand) but the active
/// model has not yet forgotten them. `no_data`: the subject had nothing left to erase.
/// `verified` and `no_data` are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Durably recorded, not yet acted on.
    Received,
    /// The data is deleted from the store; the model still has to forget it.
    Erased,
    /// A model version that forgot the data was produced and activated.
    Applied,
    /// That model passed verification; a certificate was issued.
    Verified,
    /// The last attempt failed (with a reason); may be retried.
    Failed,
    /// Nothing to erase: the subject's data was already gone.
    NoData,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 6] = [
        Status::Received,
        Status::Erased,
        Status::Applied,
        Status::Verified,
        Status::Failed,
        Status::NoData,
    ];

    /// The name used in the database, JSON and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Erased => "erased",
            Status::Applied => "applied",
            Status::Verified => "verified",
            Status::Failed => "failed",
            Status::NoData => "no_data",
        }
    }

    /// The status with this name.
    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// True for `verified` and `no_data`: nothing more will happen.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Verified | Status::NoData)
    }

    /// Whether the state machine allows going from `self` to `to`.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Received, Erased | NoData | Failed)
                | (Erased, Applied | Failed)
                | (Applied, Verified | Failed)
                | (Failed, Received | Erased)
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `submit` returns once the request is durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    /// The request id.
    pub id: String,
    /// Always `received`.
    pub status: Status,
    /// When it was received.
    pub received_at: Timestamp,
    /// When it is due.
    pub due_at: Timestamp,
}

impl Store {
    /// Records one request durably (committed and synced when this returns).
    pub fn submit(&self, subject: &Subject) -> Result<Submitted, LedgerError> {
        self.submit_many(std::slice::from_ref(subject))?
            .pop()
            .expect("one result per subject")
    }

    /// Records many requests in ONE transaction, so one fsync covers them all (group
    /// commit). The outer error means nothing was recorded; an inner error rejects only
    /// that subject (unknown owner or sample, empty subject) and the others are recorded.
    pub fn submit_many(
        &self,
        subjects: &[Subject],
    ) -> Result<Vec<Result<Submitted, LedgerError>>, LedgerError> {
        let random = crate::keys::os_random(16 * subjects.len())?;
        let months = self.options().due_months;
        self.write(|tx, now| {
            let mut out = Vec::with_capacity(subjects.len());
            for (subject, bytes) in subjects.iter().zip(random.chunks_exact(16)) {
                let subject = match subject.normalised().and_then(|s| check_known(tx, s)) {
                    Ok(s) => s,
                    Err(e) => {
                        out.push(Err(e));
                        continue;
                    }
                };
                let id = format!("del_{}", hex::encode(bytes));
                let due = now.plus_months(months);
                let subject_json = serde_json::to_value(&subject)?;
                tx.prepare_cached(
                    "INSERT INTO requests (id, subject, received_at, due_at, status, status_at)
                     VALUES (?1, ?2, ?3, ?4, 'received', ?3)",
                )?
                .execute(params![
                    id,
                    crate::canonical::to_string(&subject_json),
                    now.to_string(),
                    due.to_string()
                ])?;
                audit::append(
                    tx,
                    now,
                    json!({"type": "request.received", "request": id,
                           "subject": subject_json, "due_at": due.to_string()}),
                )?;
                out.push(Ok(Submitted {
                    id,
                    status: Status::Received,
                    received_at: now,
                    due_at: due,
                }));
            }
            Ok(out)
        })
    }
}

/// Rejects subjects that never had data in the store. A subject whose data is already
/// erased is accepted: it ends as `no_data`, a clear answer to a repeated request.
fn check_known(tx: &Transaction<'_>, subject: Subject) -> Result<Subject, LedgerError> {
    match &subject {
        Subject::Owner(owner) => {
            let known: bool = tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM samples WHERE owner = ?1)
                         OR EXISTS (SELECT 1 FROM tombstones WHERE owner = ?1)",
                )?
                .query_row([owner], |r| r.get(0))?;
            if !known {
                return Err(LedgerError::UnknownOwner(owner.clone()));
            }
        }
        Subject::SampleIds(ids) => {
            let mut stmt = tx.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM samples WHERE id = ?1)
                     OR EXISTS (SELECT 1 FROM tombstones WHERE sample_id = ?1)",
            )?;
            for &id in ids {
                if !stmt.query_row([to_sql_id(id)], |r| r.get::<_, bool>(0))? {
                    return Err(LedgerError::UnknownSample(id));
                }
            }
        }
    }
    Ok(subject)
}

/// Parses a JSON column.
pub(crate) fn json_column(text: Option<String>) -> Result<Option<Value>, LedgerError> {
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_documented_steps_are_allowed_and_final_states_go_nowhere() {
        use Status::*;
        let allowed: Vec<(Status, Status)> = Status::ALL
            .iter()
            .flat_map(|&a| Status::ALL.iter().map(move |&b| (a, b)))
            .filter(|(a, b)| a.can_become(*b))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Received, Erased),
                (Received, Failed),
                (Received, NoData),
                (Erased, Applied),
                (Erased, Failed),
                (Applied, Verified),
                (Applied, Failed),
                (Failed, Received),
                (Failed, Erased),
            ]
        );
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn subjects_serialise_as_the_http_bodies_and_normalise_their_ids() {
        let s: Subject = serde_json::from_str(r#"{"sample_ids": [5, 3, 5]}"#).unwrap();
        assert_eq!(s.normalised().unwrap(), Subject::SampleIds(vec![3, 5]));
        let o = Subject::Owner("42".into());
        assert_eq!(serde_json::to_string(&o).unwrap(), r#"{"owner":"42"}"#);
        assert!(serde_json::from_str::<Subject>(r#"{"owner": "a", "x": 1}"#).is_err());
    }
}
