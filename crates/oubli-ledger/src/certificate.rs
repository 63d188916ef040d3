//! Deletion certificates: signed, self-contained statements that a request was carried out.
//!
//! Signature: Ed25519 over the canonical JSON (see [`canonical`](crate::canonical): keys
//! sorted, no whitespace) of the certificate object *without* its `signature` field; the
//! signature is 128 hex digits. Every other field, including `format`, `public_key` and
//! `does_not_prove`, is covered, so any edit, added or removed field fails verification.
//! A third party checks one with [`verify_certificate`] and the store's public key alone.

use crate::models::query_one;
use crate::query;
use crate::transitions::checked;
use crate::{audit, canonical, ChainPosition, LedgerError, Status, Store, Subject, Timestamp};
use ed25519_dalek::{Signature, Signer, VerifyingKey};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The `format` of certificates this build writes.
pub const CERTIFICATE_FORMAT: &str = "oubli-deletion-certificate/1";

/// What every certificate says it does not prove.
pub const DOES_NOT_PROVE: [&str; 5] = [
    "That copies of the data outside this store are gone: the original dataset files, backups, exports, logs, caches, and any system the data was sent to.",
    "That models trained or copied outside this store forgot the data, including earlier model versions kept as files.",
    "Physical erasure on the storage medium: the store overwrites freed database pages and truncates its write-ahead log, but file systems, SSD wear levelling and snapshots may keep old blocks.",
    "That the model holds no residual influence of the data when the method is approximate: the verification metrics bound it, only exact methods (retraining, SISA) remove it by construction.",
    "That the store's audit log was not rewritten as a whole by someone holding the store and its key; this certificate's audit_hash pins that log up to its entry.",
];

/// A model version as a certificate names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelRef {
    /// Version number in the store.
    pub version: i64,
    /// Hash of its weights.
    pub weights_hash: String,
}

/// A signed deletion certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// [`CERTIFICATE_FORMAT`].
    pub format: String,
    /// The deletion request.
    pub request_id: String,
    /// Whose data.
    pub subject: Subject,
    /// The dataset the data was erased from.
    pub dataset: String,
    /// Samples erased from the store.
    pub samples_erased: u64,
    /// The model serving before (none if there was none).
    pub model_before: Option<ModelRef>,
    /// The model that forgot the data.
    pub model_after: ModelRef,
    /// The unlearning method.
    pub method: String,
    /// Verification metrics and verdict, as the worker reported them.
    pub verification: Value,
    /// When the request was received.
    pub received_at: Timestamp,
    /// When it was due.
    pub due_at: Timestamp,
    /// When the data was erased from the store.
    pub erased_at: Timestamp,
    /// When the model that forgot it was activated.
    pub applied_at: Timestamp,
    /// When verification passed.
    pub verified_at: Timestamp,
    /// The audit entry recording the verification.
    pub audit_seq: u64,
    /// That entry's hash.
    pub audit_hash: String,
    /// The signer's public key, hex.
    pub public_key: String,
    /// What this certificate does not prove.
    pub does_not_prove: Vec<String>,
    /// Ed25519 signature, hex, over the canonical JSON of all other fields.
    pub signature: String,
}

/// The bytes signed: the canonical JSON of the certificate object without `signature`.
fn signed_bytes(mut value: Value) -> Result<Vec<u8>, LedgerError> {
    let obj = value
        .as_object_mut()
        .ok_or_else(|| LedgerError::BadCertificate("not a JSON object".into()))?;
    obj.remove("signature");
    Ok(canonical::to_bytes(&value))
}

/// Checks a certificate against a public key, offline. Returns it parsed when the
/// signature is good; any edited, added or removed field, or another key, is an error.
pub fn verify_certificate(
    cert_json: &str,
    public_key: &VerifyingKey,
) -> Result<Certificate, LedgerError> {
    let bad = |m: String| LedgerError::BadCertificate(m);
    let value: Value = serde_json::from_str(cert_json).map_err(|e| bad(format!("json: {e}")))?;
    let sig_hex = value
        .get("signature")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no signature".into()))?;
    let sig_bytes: [u8; 64] = hex::decode(sig_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("signature is not 64 bytes of hex".into()))?;
    let stated = value
        .get("public_key")
        .and_then(Value::as_str)
        .unwrap_or("");
    if stated != hex::encode(public_key.as_bytes()) {
        return Err(bad("signed by another key than the one given".into()));
    }
    let message = signed_bytes(value.clone())?;
    public_key
        .verify_strict(&message, &Signature::from_bytes(&sig_bytes))
        .map_err(|_| bad("signature does not match the contents".into()))?;
    let cert: Certificate =
        serde_json::from_value(value).map_err(|e| bad(format!("fields: {e}")))?;
    if cert.format != CERTIFICATE_FORMAT {
        return Err(bad(format!("unknown format {:?}", cert.format)));
    }
    Ok(cert)
}

impl Store {
    /// Marks `applied` requests as verified with the worker's `verification` summary
    /// (metrics and verdict), and issues and stores each one's signed certificate, all in one
    /// transaction.
    pub fn mark_verified(
        &self,
        request_ids: &[&str],
        verification: &Value,
    ) -> Result<Vec<Certificate>, LedgerError> {
        let dataset = self.dataset_name()?;
        self.write(|tx, now| {
            let mut out = Vec::with_capacity(request_ids.len());
            for id in request_ids {
                checked(tx, id, Status::Verified)?;
                tx.execute(
                    "UPDATE requests SET status = 'verified', status_at = ?2, verified_at = ?2,
                     verification = ?3, reason = NULL WHERE id = ?1",
                    params![id, now.to_string(), canonical::to_string(verification)],
                )?;
                let req = query::get(tx, id)?;
                let position = audit::append(
                    tx,
                    now,
                    json!({"type": "request.verified", "request": id,
                           "model_after": req.model_after, "verification": verification}),
                )?;
                let cert = self.issue(tx, &req, &dataset, position)?;
                let text = serde_json::to_string(&cert)?;
                tx.execute(
                    "UPDATE requests SET certificate = ?2 WHERE id = ?1",
                    params![id, text],
                )?;
                out.push(cert);
            }
            Ok(out)
        })
    }

    fn issue(
        &self,
        tx: &rusqlite::Transaction<'_>,
        req: &query::DeletionRequest,
        dataset: &str,
        position: ChainPosition,
    ) -> Result<Certificate, LedgerError> {
        let missing = |what: &str| LedgerError::Corrupt(format!("{}: no {what}", req.id));
        let model_ref = |v: Option<i64>| -> Result<Option<ModelRef>, LedgerError> {
            let Some(v) = v else { return Ok(None) };
            let m =
                query_one(tx, "WHERE version = ?1", [v])?.ok_or(LedgerError::UnknownModel(v))?;
            Ok(Some(ModelRef {
                version: v,
                weights_hash: m.weights_hash,
            }))
        };
        let mut cert = Certificate {
            format: CERTIFICATE_FORMAT.into(),
            request_id: req.id.clone(),
            subject: req.subject.clone(),
            dataset: dataset.into(),
            samples_erased: req
                .samples_erased
                .ok_or_else(|| missing("samples_erased"))?,
            model_before: model_ref(req.model_before)?,
            model_after: model_ref(req.model_after)?.ok_or_else(|| missing("model_after"))?,
            method: req.method.clone().ok_or_else(|| missing("method"))?,
            verification: req.verification.clone().unwrap_or(Value::Null),
            received_at: req.received_at,
            due_at: req.due_at,
            erased_at: req.erased_at.ok_or_else(|| missing("erased_at"))?,
            applied_at: req.applied_at.ok_or_else(|| missing("applied_at"))?,
            verified_at: req.verified_at.ok_or_else(|| missing("verified_at"))?,
            audit_seq: position.seq,
            audit_hash: position.hash,
            public_key: hex::encode(self.public_key().as_bytes()),
            does_not_prove: DOES_NOT_PROVE.iter().map(|s| s.to_string()).collect(),
            signature: String::new(),
        };
        // Sign what a verifier will parse back from the text, not the in-memory values.
        let message = signed_bytes(serde_json::from_str(&serde_json::to_string(&cert)?)?)?;
        cert.signature = hex::encode(self.signing_key().sign(&message).to_bytes());
        Ok(cert)
    }

    /// The certificate of a verified request (`None` before it is verified).
    pub fn certificate(&self, request_id: &str) -> Result<Option<Certificate>, LedgerError> {
        let text = self.certificate_json(request_id)?;
        Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
    }

    /// The certificate exactly as signed and stored: serve this text as is.
    pub fn certificate_json(&self, request_id: &str) -> Result<Option<String>, LedgerError> {
        let conn = self.conn();
        query::get(&conn, request_id)?;
        Ok(conn.query_row(
            "SELECT certificate FROM requests WHERE id = ?1",
            [request_id],
            |r| r.get(0),
        )?)
    }
}
