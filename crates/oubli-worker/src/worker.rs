//! One worker step: take a batch of pending requests, answer it with one model update under
//! the [`Policy`], check the result, and record every outcome in the store.
//!
//! Order within a step, and why it survives a crash at any point:
//! 1. apply the batch to the active model in memory (the store still holds the data, which
//!    the approximate, SISA and certified methods need);
//! 2. write the new model file (temporary name, fsync, rename);
//! 3. erase the subjects' rows (`received → erased`: the law's half, done even if step 4
//!    fails, so a failing model never delays the erasure);
//! 4. run the quick checks; on failure mark the batch `failed` (retried later, now from the
//!    erased state) and keep serving the old model;
//! 5. register the model, mark the batch `applied` and activate it in one transaction;
//! 6. mark it `verified` with the check summary, which issues the signed certificates.
//!
//! A crash before 3 leaves the requests `received` (the step reruns); between 3 and 5 they
//! are `erased`, and an erased request is answered by a full retrain on the store's rows,
//! which no longer hold them; between 5 and 6 they are `applied`, and the next step
//! verifies them against the active model.

use crate::checks::{quick_checks, CheckReport};
use crate::{Policy, WorkerError};
use oubli_data::{Dataset, Selection, Split};
use oubli_engine::{apply, train, AnyModel, DeletionRequest};
use oubli_ledger::{DeletionRequest as Pending, NewModel, Status, Store, Subject};
use oubli_model::Silent;
use serde::Serialize;
use serde_json::json;
use std::time::Instant;

/// What one step did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StepReport {
    /// Requests taken.
    pub requests: Vec<String>,
    /// The method that answered them (`None` when nothing was pending).
    pub method: Option<String>,
    /// Model version activated, if any.
    pub activated: Option<i64>,
    /// Requests that ended `verified`.
    pub verified: usize,
    /// Requests that ended `no_data`.
    pub no_data: usize,
    /// Requests that ended `failed`.
    pub failed: usize,
    /// The checks, when a model was produced.
    pub checks: Option<CheckReport>,
    /// Seconds of the step.
    pub seconds: f64,
}

/// The worker: the store, the policy, and the model it serves.
pub struct Worker<'a> {
    store: &'a Store,
    policy: Policy,
    model: AnyModel,
    version: i64,
    stale: bool,
}

/// Loads the store's active model, refusing a missing or altered file and falling back to
/// the last good version (the refused one is marked rejected, with the reason).
pub fn load_active(store: &Store) -> Result<(AnyModel, i64), WorkerError> {
    let mut refused = Vec::new();
    loop {
        // A rejected version stays marked active until another is activated: skip it.
        let active = store
            .active_model()?
            .filter(|v| v.rejected_reason.is_none());
        let Some(v) = active.or(store.last_good()?) else {
            return Err(WorkerError::NoActiveModel);
        };
        if refused.contains(&v.version) {
            // Cannot happen while last_good skips rejected versions; never loop on it.
            return Err(WorkerError::NoActiveModel);
        }
        let path = store.model_path(&v);
        let loaded = AnyModel::load(&path)
            .map_err(|e| e.to_string())
            .and_then(|m| {
                let found = m.lineage().weights_sha256;
                if found == v.weights_hash {
                    Ok(m)
                } else {
                    Err(format!(
                        "weights {found} differ from the recorded {}",
                        v.weights_hash
                    ))
                }
            });
        match loaded {
            Ok(m) => {
                if !v.active {
                    store.activate(v.version)?;
                }
                return Ok((m, v.version));
            }
            Err(reason) => {
                eprintln!(
                    "oubli: refusing model version {} ({}): {reason}; falling back to the last good version",
                    v.version,
                    path.display()
                );
                store.reject_model(v.version, &reason)?;
                refused.push(v.version);
            }
        }
    }
}

impl<'a> Worker<'a> {
    /// A worker over `store`, serving its active model.
    pub fn new(store: &'a Store, policy: Policy) -> Result<Self, WorkerError> {
        let (model, version) = load_active(store)?;
        let stale = matches!(
            model.training_data(&store.dataset()?),
            Err(oubli_engine::EngineError::NotTrainedOn { .. })
        );
        Ok(Self {
            store,
            policy,
            model,
            version,
            stale,
        })
    }

    /// The model being served and its version.
    pub fn model(&self) -> (&AnyModel, i64) {
        (&self.model, self.version)
    }

    /// Applies up to `batch_max` pending requests. Returns `None` when nothing was pending.
    pub fn step(&mut self) -> Result<Option<StepReport>, WorkerError> {
        let start = Instant::now();
        if self.stale {
            // The served model saw rows the store has since erased (a fallback to an older
            // version after a bad file): retrain on the store's rows before anything else.
            self.stale = false;
            return self.resync(&self.store.dataset()?, start).map(Some);
        }
        self.verify_applied()?;
        self.retry_failed()?;
        let mut batch = self
            .store
            .requests(Some(Status::Received), self.policy.batch_max)?;
        let erased = self
            .store
            .requests(Some(Status::Erased), self.policy.batch_max)?;
        if batch.is_empty() && erased.is_empty() {
            return Ok(None);
        }
        let dataset = self.store.dataset()?;
        if erased.is_empty()
            && matches!(
                self.model.training_data(&dataset),
                Err(oubli_engine::EngineError::NotTrainedOn { .. })
            )
        {
            // The served model saw rows the store has since erased: retrain on the store's
            // rows before answering anything from it.
            return self.resync(&dataset, start).map(Some);
        }
        let mut report = StepReport {
            requests: Vec::new(),
            method: None,
            activated: None,
            verified: 0,
            no_data: 0,
            failed: 0,
            checks: None,
            seconds: 0.0,
        };
        // Subjects with nothing the model trains on: erase what the store holds (test rows,
        // or nothing: `no_data`) and answer them with the current model.
        let (trained, untouched): (Vec<Pending>, Vec<Pending>) = batch.drain(..).partition(|r| {
            !dataset
                .train
                .subset(&select_idx(&dataset.train, &r.subject))
                .is_empty()
        });
        self.close_untouched(&untouched, &mut report)?;
        // Erased requests first: their rows are gone, so only a retrain on the store answers
        // them, and until then the served model does not match the store.
        let from_erased = !erased.is_empty();
        let pending: Vec<Pending> = if from_erased { erased } else { trained };
        if pending.is_empty() {
            report.seconds = start.elapsed().as_secs_f64();
            return Ok(Some(report));
        }
        let ids: Vec<String> = pending.iter().map(|r| r.id.clone()).collect();
        report.requests.extend(ids.iter().cloned());
        let left = if from_erased {
            dataset.train.len()
        } else {
            let selection = union(&pending, &dataset.train);
            dataset.train.len() - dataset.select(&selection)?.len()
        };
        if left == 0 {
            let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            self.fail_leaving_nothing(&id_refs, !from_erased, &mut report)?;
            report.seconds = start.elapsed().as_secs_f64();
            return Ok(Some(report));
        }
        let (next, method, forget) = if from_erased {
            (
                self.retrain(&dataset)?,
                "retrain".to_string(),
                dataset.train.subset(&[]),
            )
        } else {
            let selection = union(&pending, &dataset.train);
            let method = self.method_for(&dataset)?;
            let request = DeletionRequest {
                selection: selection.clone(),
                method: method.clone(),
                config: None,
                seed: self.policy.seed,
                reason: oubli_engine::ForgetReason::Privacy,
            };
            let forget = dataset.train.subset(&dataset.select(&selection)?);
            let (next, _) = apply(&self.model, &dataset, &request)?;
            (next, method, forget)
        };
        report.method = Some(method.clone());
        let mut next = next;
        let name = format!("model-{}.safetensors", &next.lineage().weights_sha256[..16]);
        let path = self.store.models_dir().join(&name);
        next.save(&path)?;
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        if !from_erased {
            for e in self.store.erase_many(&id_refs)? {
                if e.status == Status::NoData {
                    report.no_data += 1;
                }
            }
        }
        let still: Vec<&str> = id_refs
            .iter()
            .copied()
            .filter(|id| {
                self.store
                    .request(id)
                    .map(|r| r.status == Status::Erased)
                    .unwrap_or(false)
            })
            .collect();
        let retained = self.store.dataset()?;
        // A retrain is the oracle itself: the accuracy it reaches is the reference, so it is
        // never refused for falling below an approximate parent.
        let max_drop = if method == "retrain" {
            1.0
        } else {
            self.policy.max_test_accuracy_drop
        };
        let checks = quick_checks(&self.model, &next, &forget, &retained, max_drop)?;
        report.checks = Some(checks.clone());
        if !checks.passed {
            self.store.mark_failed(&still, &checks.reasons.join("; "))?;
            report.failed = still.len();
            report.seconds = start.elapsed().as_secs_f64();
            return Ok(Some(report));
        }
        let lineage = next.lineage();
        let version = self.store.register_model(&NewModel {
            weights_hash: lineage.weights_sha256.clone(),
            parent: Some(self.version),
            kind: next.kind().name().to_string(),
            method: Some(method.clone()),
            config: json!({"policy": self.policy}),
            path: format!("models/{name}"),
            covers_erasures: None,
        })?;
        self.store.mark_applied(&still, version.version, &method)?;
        self.model = next;
        self.version = version.version;
        report.activated = Some(version.version);
        let summary = json!({
            "checks": checks,
            "verdict": "passed_quick_checks",
            "method": method,
        });
        report.verified = self.store.mark_verified(&still, &summary)?.len();
        report.seconds = start.elapsed().as_secs_f64();
        Ok(Some(report))
    }

    /// Retrains on the store's rows and activates the result, answering no request: the
    /// pending ones are taken by the next step, from a model that matches the store.
    fn resync(&mut self, dataset: &Dataset, start: Instant) -> Result<StepReport, WorkerError> {
        let mut next = self.retrain(dataset)?;
        let sha = next.lineage().weights_sha256;
        let name = format!("model-{}.safetensors", &sha[..16]);
        next.save(&self.store.models_dir().join(&name))?;
        let v = self.store.register_model(&NewModel {
            weights_hash: sha,
            parent: Some(self.version),
            kind: next.kind().name().to_string(),
            method: Some("retrain".into()),
            config: json!({"reason": "the served model did not match the store's rows"}),
            path: format!("models/{name}"),
            covers_erasures: None,
        })?;
        self.store.activate(v.version)?;
        self.model = next;
        self.version = v.version;
        Ok(StepReport {
            requests: Vec::new(),
            method: Some("retrain".into()),
            activated: Some(v.version),
            verified: 0,
            no_data: 0,
            failed: 0,
            checks: None,
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// The method for the next batch of a single network: approximate, or `retrain` when the
    /// policy says one is due. Ensembles and certified models always use their exact method.
    fn method_for(&self, _dataset: &Dataset) -> Result<String, WorkerError> {
        let kind = self.model.kind();
        if kind.own_method().is_some() || self.policy.retrain_every_requests == 0 {
            // The decision needs no history: skip reading the store.
            return Ok(self.policy.method_for(kind, 0, 0.0));
        }
        let (since, hours) = self.approximate_since_exact()?;
        Ok(self.policy.method_for(kind, since, hours))
    }

    /// Requests answered approximately since the last exact model, and that model's age.
    fn approximate_since_exact(&self) -> Result<(usize, f64), WorkerError> {
        let models = self.store.models()?;
        let exact = |m: &oubli_ledger::ModelVersion| !matches!(m.method.as_deref(), Some(x) if x == self.policy.approximate_method);
        let last_exact = models
            .iter()
            .filter(|m| m.rejected_reason.is_none() && exact(m))
            .map(|m| (m.version, m.created_at))
            .max();
        let Some((v, at)) = last_exact else {
            return Ok((usize::MAX, f64::INFINITY));
        };
        let since = self
            .store
            .requests(Some(Status::Verified), usize::MAX)?
            .iter()
            .filter(|r| r.model_after.is_some_and(|m| m > v))
            .count();
        let hours = (self.store.now().0 - at.0) as f64 / 3600.0;
        Ok((since, hours))
    }

    /// A model of the same kind retrained from scratch on the store's rows.
    fn retrain(&self, dataset: &Dataset) -> Result<AnyModel, WorkerError> {
        let plan = self.model.retrain_plan()?;
        let (mut model, _) = train(dataset, &plan, &[], &mut Silent)?;
        if let AnyModel::Single(m) = &mut model {
            m.file.lineage.method = "retrain".into();
            m.file.lineage.parent_sha256 = Some(self.model.lineage().weights_sha256);
        }
        Ok(model)
    }

    /// Requests whose subject has no training rows: erase (or `no_data`) and close them
    /// with the current model, which never trained on them.
    fn close_untouched(
        &mut self,
        reqs: &[Pending],
        report: &mut StepReport,
    ) -> Result<(), WorkerError> {
        if reqs.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = reqs.iter().map(|r| r.id.as_str()).collect();
        report.requests.extend(ids.iter().map(|s| s.to_string()));
        let mut erased = Vec::new();
        for e in self.store.erase_many(&ids)? {
            match e.status {
                Status::NoData => report.no_data += 1,
                _ => erased.push(e.request_id),
            }
        }
        if !erased.is_empty() {
            let refs: Vec<&str> = erased.iter().map(String::as_str).collect();
            self.store
                .mark_applied(&refs, self.version, "none: not in the training data")?;
            let summary = json!({"verdict": "not_trained_on", "note": "the subject's rows were test rows only; the model never trained on them"});
            report.verified += self.store.mark_verified(&refs, &summary)?.len();
        }
        Ok(())
    }

    /// `applied` requests left by a crash before step 6: verify them against the active
    /// model (their forget rows are gone, so only the accuracy check can run).
    fn verify_applied(&mut self) -> Result<(), WorkerError> {
        let applied = self.store.requests(Some(Status::Applied), usize::MAX)?;
        if applied.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = applied.iter().map(|r| r.id.as_str()).collect();
        let summary = json!({"verdict": "passed_quick_checks", "note": "verified after a restart: the forget rows were already erased, so only the model's presence and hash were checked"});
        self.store.mark_verified(&ids, &summary)?;
        Ok(())
    }

    /// Requests whose erasure leaves no training data: no model can be trained without it,
    /// so none can forget it. The data is still erased (the law's half does not wait on the
    /// model), and the requests end `failed` saying so; retries (bounded by `max_attempts`)
    /// meet the same answer, never an error loop.
    fn fail_leaving_nothing(
        &mut self,
        ids: &[&str],
        erase: bool,
        report: &mut StepReport,
    ) -> Result<(), WorkerError> {
        if erase {
            for e in self.store.erase_many(ids)? {
                if e.status == Status::NoData {
                    report.no_data += 1;
                }
            }
        }
        let mut still = Vec::with_capacity(ids.len());
        for id in ids {
            if self.store.request(id)?.status == Status::Erased {
                still.push(*id);
            }
        }
        let reason = format!(
            "erasing this leaves no training data: the data is erased, but no model can be trained without it, and the served model (version {}) still reflects it: retire it or add data",
            self.version
        );
        report.failed += self.store.mark_failed(&still, &reason)?.len();
        Ok(())
    }

    /// `failed` requests with attempts left go back to the queue.
    fn retry_failed(&mut self) -> Result<(), WorkerError> {
        for r in self.store.requests(Some(Status::Failed), usize::MAX)? {
            if r.attempts < self.policy.max_attempts {
                self.store.retry(&r.id)?;
            }
        }
        Ok(())
    }
}

/// Indices of `split` rows a subject names.
fn select_idx(split: &Split, subject: &Subject) -> Vec<usize> {
    let sel = subject_selection(subject, split);
    split.select(&sel).unwrap_or_default()
}

/// The selection of a subject, restricted to ids the split still holds (an id list may
/// name test rows or rows already erased).
fn subject_selection(subject: &Subject, split: &Split) -> Selection {
    match subject {
        Subject::Owner(o) => Selection {
            owners: vec![o.clone()],
            ..Selection::default()
        },
        Subject::SampleIds(ids) => {
            let index = split.id_index();
            Selection {
                ids: ids
                    .iter()
                    .copied()
                    .filter(|i| index.contains_key(i))
                    .collect(),
                ..Selection::default()
            }
        }
    }
}

/// One selection for a batch of subjects (owners and ids unioned), over `train`'s rows.
fn union(reqs: &[Pending], train: &Split) -> Selection {
    let mut s = Selection::default();
    for r in reqs {
        let one = subject_selection(&r.subject, train);
        s.owners.extend(one.owners);
        s.ids.extend(one.ids);
    }
    s.owners.sort();
    s.owners.dedup();
    s.ids.sort_unstable();
    s.ids.dedup();
    s
}
