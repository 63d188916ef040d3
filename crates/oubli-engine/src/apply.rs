//! [`apply`]: one deletion request against any kind of model. The CLI's `oubli forget`, the
//! service's worker and the scenarios all call this, so a request means the same thing
//! everywhere: the same checks, in the same order, with the same errors.

use crate::certified;
use crate::kind::CertifiedBundle;
use crate::kind::{trained_on, AnyModel, SingleModel};
use crate::report::{CertifiedDetail, DeletionReport, KindDetail, SingleDetail, SisaDetail};
use crate::{DeletionRequest, EngineError, Kind};
use oubli_data::{fingerprint, Dataset, SampleId, Selection, Split};
use oubli_forget::{forget_split, MethodRun, StoredUpdates};
use oubli_model::file::now_rfc3339;
use oubli_sisa::SisaModel;
use std::time::Instant;

/// Applies `request` to `model`, trained on `dataset` (the whole registered dataset: the
/// lineage's removed ids are taken out here and the rest checked against the recorded
/// fingerprint). Returns the new model (not yet saved) and what happened.
///
/// The method must suit the kind: `sisa` for an ensemble, `certified` for a certified model,
/// any other registered method for a single network. The request is refused before any
/// work if it names an id already forgotten, selects nothing, or selects everything.
pub fn apply(
    model: &AnyModel,
    dataset: &Dataset,
    request: &DeletionRequest,
) -> Result<(AnyModel, DeletionReport), EngineError> {
    apply_with(model, dataset, request, None)
}

/// [`apply`] with the updates recorded at training, for `amnesiac`.
pub fn apply_with(
    model: &AnyModel,
    dataset: &Dataset,
    request: &DeletionRequest,
    stored_updates: Option<&StoredUpdates>,
) -> Result<(AnyModel, DeletionReport), EngineError> {
    check_method(model.kind(), request)?;
    let lineage = model.lineage();
    check_not_removed(&request.selection, &lineage.removed_ids)?;
    match model {
        AnyModel::Single(m) => {
            let data = model.training_data(dataset)?;
            let (forget, retain, _) = partition(&data, &request.selection)?;
            let run = MethodRun {
                method: &request.method,
                config: request.config.as_ref(),
                seed: request.seed,
                stored_updates,
                reason: request.reason,
            };
            let (file, r) = forget_split(&m.file, &forget, &retain, &dataset.test, &run)?;
            let removed_total = file.lineage.removed_ids().len();
            let report = DeletionReport {
                method: r.method,
                kind: Kind::Single,
                forget_samples: r.forget_samples,
                forget_accuracy: r.forget_accuracy,
                retain_accuracy: r.retain_accuracy,
                test_accuracy: r.test_accuracy,
                original_forget_accuracy: r.original_forget_accuracy,
                original_retain_accuracy: r.original_retain_accuracy,
                original_test_accuracy: r.original_test_accuracy,
                seconds: r.seconds,
                forget_fingerprint: r.forget_fingerprint,
                weights_sha256: r.weights_sha256,
                parent_sha256: r.parent_sha256,
                removed_total,
                changed: r.changed,
                detail: KindDetail::Single(SingleDetail {
                    sample_gradients: r.sample_gradients,
                    retrain_sample_gradients: r.retrain_sample_gradients,
                    stats: r.stats,
                }),
            };
            let single = SingleModel::new(file)?;
            Ok((AnyModel::Single(Box::new(single)), report))
        }
        AnyModel::Sisa(m) => apply_sisa(m, &model.training_data(dataset)?, &request.selection),
        AnyModel::Certified(c) => apply_certified(c, dataset, &request.selection),
    }
}

/// Refuses a method that does not suit the kind, and a config for the exact kinds.
fn check_method(kind: Kind, request: &DeletionRequest) -> Result<(), EngineError> {
    let method = request.method.as_str();
    let needs = match method {
        oubli_sisa::METHOD_FORGET => Some(Kind::Sisa),
        certified::METHOD_FORGET => Some(Kind::Certified),
        _ => None,
    };
    match (needs, kind) {
        (Some(needs), found) if needs != found => Err(EngineError::MethodNeedsKind {
            method: method.into(),
            needs,
            found,
        }),
        (None, Kind::Sisa | Kind::Certified) => Err(EngineError::KindNeedsMethod {
            kind,
            method: method.into(),
        }),
        (Some(Kind::Sisa), _) if request.config.is_some() => Err(EngineError::NoConfig {
            method: method.into(),
            why: "the ensemble's own layout and training config are reused",
        }),
        (Some(_), _) if request.config.is_some() => Err(EngineError::NoConfig {
            method: method.into(),
            why: "λ, σ, ε and δ are fixed at training",
        }),
        _ => Ok(()),
    }
}

/// Refuses a request naming ids an earlier request already removed, with that reason, for
/// every kind alike (instead of an "unknown id" from a dataset that no longer holds them).
pub fn check_not_removed(selection: &Selection, removed: &[SampleId]) -> Result<(), EngineError> {
    match selection
        .ids
        .iter()
        .find(|id| removed.binary_search(id).is_ok())
    {
        Some(&id) => Err(EngineError::AlreadyForgotten(id)),
        None => Ok(()),
    }
}

/// Indices into `data.train` (ascending) of the samples `selection` picks; refuses an empty
/// or total selection. `data` is the model's [`AnyModel::training_data`]: every kind
/// resolves a request here, and so does a SISA forget planned as separate jobs.
pub fn select_forget(data: &Dataset, selection: &Selection) -> Result<Vec<usize>, EngineError> {
    let forget_idx = data.select(selection)?;
    if forget_idx.is_empty() {
        return Err(EngineError::NothingSelected);
    }
    if forget_idx.len() == data.train.len() {
        return Err(EngineError::SelectsEverything(data.train.len()));
    }
    Ok(forget_idx)
}

/// (forget, retain, forget indices) of `data.train`; refuses an empty or total selection.
fn partition(
    data: &Dataset,
    selection: &Selection,
) -> Result<(Split, Split, Vec<usize>), EngineError> {
    let forget_idx = select_forget(data, selection)?;
    let mut is_forget = vec![false; data.train.len()];
    for &i in &forget_idx {
        is_forget[i] = true;
    }
    let retain: Vec<usize> = (0..data.train.len()).filter(|&i| !is_forget[i]).collect();
    Ok((
        data.train.subset(&forget_idx),
        data.train.subset(&retain),
        forget_idx,
    ))
}

fn apply_sisa(
    model: &SisaModel,
    data: &Dataset,
    selection: &Selection,
) -> Result<(AnyModel, DeletionReport), EngineError> {
    let (forget, retain, _) = partition(data, selection)?;
    let splits = [&forget, &retain, &data.test];
    let before = splits.map(|s| model.evaluate(s).accuracy);
    let parent_sha256 = model.weights_sha256();
    let mut next = model.clone();
    let r = next.forget(&data.train, &forget.ids)?;
    let after = splits.map(|s| next.evaluate(s).accuracy);
    let weights_sha256 = next.weights_sha256();
    let report = DeletionReport {
        method: oubli_sisa::METHOD_FORGET.into(),
        kind: Kind::Sisa,
        forget_samples: forget.len(),
        forget_accuracy: after[0],
        retain_accuracy: after[1],
        test_accuracy: after[2],
        original_forget_accuracy: before[0],
        original_retain_accuracy: before[1],
        original_test_accuracy: before[2],
        seconds: r.seconds,
        forget_fingerprint: fingerprint(&forget.ids),
        changed: weights_sha256 != parent_sha256,
        weights_sha256,
        parent_sha256,
        removed_total: next.removed_ids().len(),
        detail: KindDetail::Sisa(SisaDetail::new(r, next.shard_weights_sha256())),
    };
    Ok((AnyModel::Sisa(Box::new(next)), report))
}

fn apply_certified(
    bundle: &CertifiedBundle,
    dataset: &Dataset,
    selection: &Selection,
) -> Result<(AnyModel, DeletionReport), EngineError> {
    let start = Instant::now();
    // Features over the whole dataset before exclusion, so every run maps the same rows in
    // the same batches (bit-identical features), then the lineage's removals.
    let meta = &bundle.file.meta;
    let feats = trained_on(
        &bundle.features.dataset(dataset)?,
        &meta.removed_ids,
        &meta.trained_ids_fingerprint,
    )?;
    let (forget, retain, forget_idx) = partition(&feats, selection)?;
    let feature_seconds = start.elapsed().as_secs_f64();
    let mut file = bundle.file.clone();
    let splits = [&forget, &retain, &feats.test];
    let accuracies = |m: &oubli_certified::CertifiedModel| -> Result<[f64; 3], EngineError> {
        Ok([
            certified::accuracy(m, splits[0])?,
            certified::accuracy(m, splits[1])?,
            certified::accuracy(m, splits[2])?,
        ])
    };
    let before = accuracies(&file.model)?;
    let t = &feats.train;
    let r = file.model.remove(&t.features, &t.labels, &forget_idx)?;
    let after = accuracies(&file.model)?;
    let parent_sha256 = bundle.file.meta.weights_sha256.clone();
    let meta = &mut file.meta;
    meta.removed_ids.extend(&forget.ids);
    meta.removed_ids.sort_unstable();
    meta.trained_ids_fingerprint = fingerprint(&retain.ids);
    meta.parent_sha256 = Some(parent_sha256.clone());
    meta.method = certified::METHOD_FORGET.into();
    meta.created_at = now_rfc3339();
    meta.weights_sha256 = certified::weights_sha256(&file.model);
    let report = DeletionReport {
        method: certified::METHOD_FORGET.into(),
        kind: Kind::Certified,
        forget_samples: forget.len(),
        forget_accuracy: after[0],
        retain_accuracy: after[1],
        test_accuracy: after[2],
        original_forget_accuracy: before[0],
        original_retain_accuracy: before[1],
        original_test_accuracy: before[2],
        seconds: r.seconds,
        forget_fingerprint: fingerprint(&forget.ids),
        changed: meta.weights_sha256 != parent_sha256,
        weights_sha256: meta.weights_sha256.clone(),
        parent_sha256,
        removed_total: meta.removed_ids.len(),
        detail: KindDetail::Certified(CertifiedDetail::new(&r, feature_seconds, &file.model)),
    };
    let features = bundle.features.clone();
    Ok((
        AnyModel::Certified(Box::new(CertifiedBundle { file, features })),
        report,
    ))
}
