//! Certified removal (Guo et al., ICML 2020) from the command line: training a one-vs-rest
//! L2 logistic regression on the dataset's features or on a frozen network's penultimate
//! features, Newton-step removal with budget accounting, and the file they live in.
//!
//! The certificate is about the linear model on fixed features. With `--features`, the
//! extractor is not unlearned: train it on data that never needs deleting (the paper uses
//! public data) or the removed samples' influence survives in the features.

pub mod file;

use crate::cmd::forget::ForgetArgs;
use crate::output::pct;
use anyhow::{bail, Context};
use file::{export_weights, CertifiedFile, CertifiedMeta, FORMAT_VERSION};
use oubli_certified::{CertifiedModel, CertifiedParams, RemovalReport};
use oubli_data::{fingerprint, Dataset, SampleId, Split};
use oubli_model::file::{now_rfc3339, ModelFile};
use oubli_model::{Network, Outputs};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Instant;

/// Lineage method of a freshly trained certified model.
pub const METHOD_TRAIN: &str = "certified-train";
/// Lineage method of a model produced by a certified removal.
pub const METHOD_FORGET: &str = "certified";

/// Where features come from: the dataset itself, or an extractor's penultimate layer.
pub struct Features {
    extractor: Option<(Network, ModelFile)>,
}

impl Features {
    /// Loads the extractor at `path` (or none), checking it is a single oubli model.
    pub fn open(path: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = path else {
            return Ok(Self { extractor: None });
        };
        if oubli_sisa::is_sisa_file(path) || file::is_certified_file(path) {
            bail!(
                "{}: a feature extractor must be a single mlp or cnn model file",
                path.display()
            );
        }
        let model = ModelFile::load(path)
            .with_context(|| format!("loading the feature extractor {}", path.display()))?;
        let net = Network::new(model.lineage.spec.clone())?;
        Ok(Self {
            extractor: Some((net, model)),
        })
    }

    /// Opens the extractor a certified file records, refusing one whose weights changed.
    pub fn of(meta: &CertifiedMeta) -> anyhow::Result<Self> {
        let f = Self::open(meta.feature_extractor.as_deref().map(Path::new))
            .context("the model's features come from this extractor: restore it at that path")?;
        if let (Some((_, m)), Some(want)) = (&f.extractor, &meta.feature_extractor_sha256) {
            if &m.params.sha256() != want {
                bail!(
                    "feature extractor {} has weights {} but the model was trained on {}: features would differ",
                    meta.feature_extractor.as_deref().unwrap_or_default(),
                    m.params.sha256(),
                    want
                );
            }
        }
        Ok(f)
    }

    /// The extractor's model file, if any.
    pub fn extractor(&self) -> Option<&ModelFile> {
        self.extractor.as_ref().map(|(_, m)| m)
    }

    /// Floats the dataset must have per sample.
    pub fn input_dim(&self, dataset: &Dataset) -> usize {
        match &self.extractor {
            Some((net, _)) => net.spec().input_dim(),
            None => dataset.dim(),
        }
    }

    /// `split` in feature space.
    pub fn split(&self, split: &Split) -> Split {
        let Some((net, m)) = &self.extractor else {
            return split.clone();
        };
        Split {
            features: net.penultimate(&m.params, &split.features, split.len()),
            dim: net.penultimate_dim(),
            ..split.clone()
        }
    }

    /// The dataset in feature space (ids, labels, owners and groups unchanged). Always
    /// computed over the whole split, before any exclusion, so every run sees the same rows
    /// in the same batches and hence bit-identical features.
    pub fn dataset(&self, dataset: &Dataset) -> anyhow::Result<Dataset> {
        let want = self.input_dim(dataset);
        if want != dataset.dim() {
            bail!(
                "the feature extractor expects {want} inputs, dataset `{}` has {}",
                dataset.name,
                dataset.dim()
            );
        }
        let (train, test) = (self.split(&dataset.train), self.split(&dataset.test));
        Ok(Dataset {
            shape: vec![train.dim],
            train,
            test,
            ..dataset.clone()
        })
    }
}

/// Per-sample outputs of a certified model on a split already in its feature space.
pub fn outputs(model: &CertifiedModel, split: &Split) -> anyhow::Result<Outputs> {
    let k = model.num_classes();
    let probs: Vec<f32> = model
        .predict_proba(&split.features)?
        .iter()
        .map(|&p| p as f32)
        .collect();
    let losses = probs
        .chunks(k)
        .zip(&split.labels)
        .map(|(row, &y)| -(row[y as usize].max(1e-12)).ln())
        .collect();
    Ok(Outputs {
        probs,
        losses,
        predictions: model.predict(&split.features)?,
        labels: split.labels.clone(),
        num_classes: k,
    })
}

fn accuracy(model: &CertifiedModel, split: &Split) -> anyhow::Result<f64> {
    if split.is_empty() {
        return Ok(f64::NAN);
    }
    Ok(model.accuracy(&split.features, &split.labels)?)
}

/// Accuracy on the forget, retain and test splits.
fn accuracies(model: &CertifiedModel, splits: [&Split; 3]) -> anyhow::Result<[f64; 3]> {
    Ok([
        accuracy(model, splits[0])?,
        accuracy(model, splits[1])?,
        accuracy(model, splits[2])?,
    ])
}

/// What `oubli train --certified` takes besides the dataset.
pub struct TrainRequest<'a> {
    /// λ, σ, ε, δ.
    pub params: CertifiedParams,
    /// Seed of the loss perturbation b.
    pub seed: u64,
    /// Frozen feature extractor, if any.
    pub features: Option<&'a Path>,
    /// Ids left out (sorted, unique).
    pub excluded: &'a [SampleId],
}

/// Trains a certified model; returns the file (not yet saved) and the JSON report.
pub fn train(dataset: &Dataset, req: &TrainRequest) -> anyhow::Result<(CertifiedFile, Value)> {
    let start = Instant::now();
    let features = Features::open(req.features)?;
    let mut data = features.dataset(dataset)?;
    data.exclude(req.excluded)?;
    let t = &data.train;
    let model = CertifiedModel::train(
        &t.features,
        &t.labels,
        t.dim,
        data.num_classes,
        req.params,
        req.seed,
    )?;
    let seconds = start.elapsed().as_secs_f64();
    let mut notes = Vec::new();
    let extractor = match (req.features, features.extractor()) {
        (Some(path), Some(m)) => {
            if m.lineage.dataset == dataset.name {
                notes.push(format!(
                    "the feature extractor was trained on `{}`: the certificate covers the logistic head only, not what the extractor learned from samples you later forget; train it on data that never needs deleting",
                    dataset.name
                ));
            }
            let abs = std::fs::canonicalize(path)
                .with_context(|| format!("resolving {}", path.display()))?;
            Some((abs.display().to_string(), m.params.sha256()))
        }
        _ => None,
    };
    let file = CertifiedFile {
        meta: CertifiedMeta {
            format_version: FORMAT_VERSION,
            dataset: dataset.name.clone(),
            trained_ids_fingerprint: fingerprint(&t.ids),
            removed_ids: req.excluded.to_vec(),
            removed_ids_fingerprint: fingerprint(req.excluded),
            feature_extractor: extractor.as_ref().map(|e| e.0.clone()),
            feature_extractor_sha256: extractor.map(|e| e.1),
            seed: req.seed,
            parent_sha256: None,
            method: METHOD_TRAIN.into(),
            created_at: now_rfc3339(),
            weights_sha256: export_weights(&model).sha256(),
        },
        model,
    };
    let m = &file.model;
    let report = json!({
        "method": METHOD_TRAIN,
        "dataset": dataset.name,
        "model": "logreg",
        "certified": true,
        "train_accuracy": accuracy(m, t)?,
        "test_accuracy": accuracy(m, &data.test)?,
        "seconds": seconds,
        "trained_samples": t.len(),
        "excluded_samples": req.excluded.len(),
        "feature_dim": m.dim(),
        "feature_scale": m.feature_scale(),
        "feature_extractor": file.meta.feature_extractor,
        "num_models": m.num_models(),
        "epsilon": m.params().epsilon(),
        "delta": m.params().delta(),
        "lambda": m.params().lambda(),
        "sigma": m.params().sigma(),
        "budget": m.budget(),
        "residual_total": m.residual_total(),
        "budget_remaining": m.budget_remaining(),
        "weights_sha256": file.meta.weights_sha256,
        "notes": notes,
    });
    Ok((file, report))
}

/// Runs `oubli forget --method certified`.
pub fn forget(a: &ForgetArgs) -> anyhow::Result<i32> {
    if a.config.is_some() {
        bail!("--method certified takes no --config: λ, σ, ε and δ are fixed at training");
    }
    let mut file = CertifiedFile::load(&a.model)?;
    let dataset = a.data.load(&file.meta.dataset)?;
    let selection = a.spec.selection()?;
    crate::models::check_not_removed(&selection, &file.meta.removed_ids)?;
    let start = Instant::now();
    let mut data = Features::of(&file.meta)?.dataset(&dataset)?;
    data.exclude(&file.meta.removed_ids)?;
    crate::models::check_trained_on(
        &data.train.ids,
        &file.meta.trained_ids_fingerprint,
        &dataset.name,
    )?;
    let forget_idx = data.select(&selection)?;
    let (forget, retain) = crate::models::split_at(&data.train, &forget_idx)?;
    let feature_seconds = start.elapsed().as_secs_f64();
    let model = &mut file.model;
    let splits = [&forget, &retain, &data.test];
    let [of, or, ot] = accuracies(model, splits)?;
    let t = &data.train;
    let r: RemovalReport = model.remove(&t.features, &t.labels, &forget_idx)?;
    let [af, ar, at] = accuracies(model, splits)?;
    let parent = file.meta.weights_sha256.clone();
    let meta = &mut file.meta;
    meta.removed_ids.extend(&forget.ids);
    meta.removed_ids.sort_unstable();
    meta.trained_ids_fingerprint = fingerprint(&retain.ids);
    meta.parent_sha256 = Some(parent.clone());
    meta.method = METHOD_FORGET.into();
    meta.created_at = now_rfc3339();
    let (out, as_json) = (&a.out, a.json);
    let sha = file.save(out)?;
    let m = &file.model;
    if as_json {
        crate::output::json(&json!({
            "method": METHOD_FORGET,
            "forget_samples": forget.len(),
            "forget_accuracy": af,
            "retain_accuracy": ar,
            "test_accuracy": at,
            "original_forget_accuracy": of,
            "original_retain_accuracy": or,
            "original_test_accuracy": ot,
            "seconds": r.seconds,
            "feature_seconds": feature_seconds,
            "residual_bound": r.residual_bound,
            "per_model_bound": r.per_model_bound,
            "residual_total": r.residual_total,
            "budget": r.budget,
            "budget_remaining": r.budget_remaining,
            "retrained": r.retrained,
            "removals": m.removals(),
            "retrains": m.retrains(),
            "remaining_samples": m.n_train(),
            "forget_fingerprint": fingerprint(&forget.ids),
            "weights_sha256": sha,
            "parent_sha256": parent,
            "out": out.display().to_string(),
        }))?;
    } else {
        println!(
            "certified: removed {} samples in {:.3}s ({}); residual bound {:.3e}, spent {:.3e} of {:.3e}",
            forget.len(),
            r.seconds,
            if r.retrained { "budget exhausted: retrained from scratch" } else { "Newton step" },
            r.residual_bound,
            r.residual_total,
            r.budget
        );
        println!("              before     after");
        println!("  forget   {:>9} {:>9}", pct(of), pct(af));
        println!("  retain   {:>9} {:>9}", pct(or), pct(ar));
        println!("  test     {:>9} {:>9}", pct(ot), pct(at));
        println!("wrote {} (weights_sha256 {sha})", out.display());
    }
    Ok(0)
}

/// The `certified` section of `oubli inspect`.
pub fn inspect_json(f: &CertifiedFile) -> Value {
    let m = &f.model;
    let p = m.params();
    json!({
        "epsilon": p.epsilon(),
        "delta": p.delta(),
        "lambda": p.lambda(),
        "sigma": p.sigma(),
        "budget": m.budget(),
        "residual_spent": m.residual_total(),
        "residual_spent_per_model": m.residual_spent(),
        "budget_remaining": m.budget_remaining(),
        "removals": m.removals(),
        "retrains": m.retrains(),
        "trained_samples": m.n_train(),
        "num_classes": m.num_classes(),
        "num_models": m.num_models(),
        "feature_dim": m.dim(),
        "feature_scale": m.feature_scale(),
        "norm_bound": m.norm_bound(),
        "feature_extractor": f.meta.feature_extractor,
        "feature_extractor_sha256": f.meta.feature_extractor_sha256,
    })
}
