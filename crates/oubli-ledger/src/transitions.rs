//! Status changes after erasure: applied, failed, retried, deadline extended. Each is one
//! transaction with its audit entry. (Erasure is in `erase.rs`, verification with its
//! certificate in `certificate.rs`.)

use crate::models::{activate_in, query_one};
use crate::query::{self, DeletionRequest};
use crate::{audit, LedgerError, Status, Store};
use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::json;

/// GDPR art. 12(3): the one-month deadline "may be extended by two further months".
pub const MAX_EXTENSION_MONTHS: u32 = 2;

/// Reads a request and checks the state machine allows moving it to `to`.
pub(crate) fn checked(
    tx: &Transaction<'_>,
    id: &str,
    to: Status,
) -> Result<DeletionRequest, LedgerError> {
    let req = query::get(tx, id)?;
    if !req.status.can_become(to) {
        return Err(LedgerError::InvalidTransition {
            request: id.to_string(),
            from: req.status,
            to,
        });
    }
    Ok(req)
}

impl Store {
    /// Marks `erased` requests as applied by model `version` with `method`, activating that
    /// version in the same transaction, so the model swap and the requests' status can
    /// never disagree after a crash. `model_before` is recorded as the version active before
    /// (or the version's parent, if it was already active).
    pub fn mark_applied(
        &self,
        request_ids: &[&str],
        version: i64,
        method: &str,
    ) -> Result<Vec<DeletionRequest>, LedgerError> {
        self.write(|tx, now| {
            let model = query_one(tx, "WHERE version = ?1", [version])?
                .ok_or(LedgerError::UnknownModel(version))?;
            let active: Option<i64> = tx
                .query_row("SELECT version FROM models WHERE active = 1", [], |r| {
                    r.get(0)
                })
                .optional()?;
            let before = if active == Some(version) {
                model.parent
            } else {
                activate_in(tx, version, now)?
            };
            let mut out = Vec::with_capacity(request_ids.len());
            for id in request_ids {
                checked(tx, id, Status::Applied)?;
                tx.execute(
                    "UPDATE requests SET status = 'applied', status_at = ?2, applied_at = ?2,
                     model_before = ?3, model_after = ?4, method = ?5, reason = NULL
                     WHERE id = ?1",
                    params![id, now.to_string(), before, version, method],
                )?;
                audit::append(
                    tx,
                    now,
                    json!({"type": "request.applied", "request": id, "model_before": before,
                           "model_after": version, "method": method}),
                )?;
                out.push(query::get(tx, id)?);
            }
            Ok(out)
        })
    }

    /// Marks requests as failed with `reason` (an attempt is counted). Their erased data
    /// stays erased; [`retry`](Self::retry) puts them back in the queue.
    pub fn mark_failed(
        &self,
        request_ids: &[&str],
        reason: &str,
    ) -> Result<Vec<DeletionRequest>, LedgerError> {
        self.write(|tx, now| {
            let mut out = Vec::with_capacity(request_ids.len());
            for id in request_ids {
                let req = checked(tx, id, Status::Failed)?;
                tx.execute(
                    "UPDATE requests SET status = 'failed', status_at = ?2, reason = ?3,
                     attempts = attempts + 1 WHERE id = ?1",
                    params![id, now.to_string(), reason],
                )?;
                audit::append(
                    tx,
                    now,
                    json!({"type": "request.failed", "request": id, "from": req.status,
                           "reason": reason}),
                )?;
                out.push(query::get(tx, id)?);
            }
            Ok(out)
        })
    }

    /// Puts a failed request back: to `erased` if its data is already gone, else `received`.
    pub fn retry(&self, request_id: &str) -> Result<DeletionRequest, LedgerError> {
        self.write(|tx, now| {
            let req = query::get(tx, request_id)?;
            let to = if req.erased_at.is_some() {
                Status::Erased
            } else {
                Status::Received
            };
            checked(tx, request_id, to)?;
            tx.execute(
                "UPDATE requests SET status = ?2, status_at = ?3 WHERE id = ?1",
                params![request_id, to.as_str(), now.to_string()],
            )?;
            audit::append(
                tx,
                now,
                json!({"type": "request.retried", "request": request_id, "to": to}),
            )?;
            query::get(tx, request_id)
        })
    }

    /// Extends a pending request's deadline by `months` (at most
    /// [`MAX_EXTENSION_MONTHS`] in total) for the recorded `reason`.
    pub fn extend(
        &self,
        request_id: &str,
        months: u32,
        reason: &str,
    ) -> Result<DeletionRequest, LedgerError> {
        if reason.trim().is_empty() {
            return Err(LedgerError::ExtensionWithoutReason);
        }
        let due_months = self.options().due_months;
        self.write(|tx, now| {
            let req = query::get(tx, request_id)?;
            if req.status.is_final() {
                return Err(LedgerError::RequestClosed {
                    request: request_id.to_string(),
                    status: req.status,
                });
            }
            let left = MAX_EXTENSION_MONTHS - req.extension_months.min(MAX_EXTENSION_MONTHS);
            if months == 0 || months > left {
                return Err(LedgerError::ExtensionRefused {
                    request: request_id.to_string(),
                    asked: months,
                    left,
                });
            }
            let total = req.extension_months + months;
            let due = req.received_at.plus_months(due_months + total);
            tx.execute(
                "UPDATE requests SET due_at = ?2, extension_months = ?3, extension_reason = ?4
                 WHERE id = ?1",
                params![request_id, due.to_string(), total, reason],
            )?;
            audit::append(
                tx,
                now,
                json!({"type": "request.extended", "request": request_id, "months": months,
                       "due_at": due.to_string(), "reason": reason}),
            )?;
            query::get(tx, request_id)
        })
    }
}
