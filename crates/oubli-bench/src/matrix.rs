//! Running the benchmark matrix.

use crate::{BenchError, Scenario};
use oubli_data::Dataset;
use oubli_forget::{forget_model, partition, StoredUpdates, UpdateRecorder};
use oubli_model::{fit, ModelSpec, Network, Outputs, Silent, TrainConfig};
use oubli_verify::neurips_simple_attack;
use serde::Serialize;

/// What to run.
#[derive(Debug, Clone, Serialize)]
pub struct BenchConfig {
    /// Architecture name (`logreg`, `mlp`, `cnn`).
    pub model: String,
    /// Methods by registry name (the oracle `retrain` is always run).
    pub methods: Vec<String>,
    /// The forgetting scenario.
    pub scenario: Scenario,
    /// Number of seeds (0..seeds).
    pub seeds: u64,
    /// Training config of the originals (its seed is replaced by each run's seed).
    pub train: TrainConfig,
}

/// One method on one seed.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// Method name (`original` for the trained model itself, `retrain` for the oracle).
    pub method: String,
    /// Seed.
    pub seed: u64,
    /// Forget-set size.
    pub forget_samples: usize,
    /// Accuracy on the forget set.
    pub forget_accuracy: f64,
    /// Accuracy on the retain set.
    pub retain_accuracy: f64,
    /// Test accuracy.
    pub test_accuracy: f64,
    /// AUC of the NeurIPS-2023 simple attack, forget (members) vs test (non-members).
    pub mia_auc: f64,
    /// Seconds.
    pub seconds: f64,
    /// Per-sample gradient evaluations.
    pub sample_gradients: u64,
    /// True when the collapse guard stopped the method.
    pub collapse_guard_triggered: bool,
}

/// Runs every method on every seed; `log` receives one line per finished run.
pub fn run_matrix(
    dataset: &Dataset,
    config: &BenchConfig,
    log: &mut dyn FnMut(&RunRecord),
) -> Result<Vec<RunRecord>, BenchError> {
    let spec = ModelSpec::by_name(&config.model, dataset.shape.clone(), dataset.num_classes)?;
    let net = Network::new(spec.clone())?;
    let needs_updates = config.methods.iter().any(|m| m == "amnesiac");
    let mut records = Vec::new();
    for seed in 0..config.seeds {
        let train = TrainConfig {
            seed,
            ..config.train.clone()
        }
        .validate()?;
        let mut recorder = UpdateRecorder::new();
        let (model, report) = if needs_updates {
            fit(dataset, spec.clone(), &train, &mut recorder)?
        } else {
            fit(dataset, spec.clone(), &train, &mut Silent)?
        };
        let stored: Option<StoredUpdates> = needs_updates.then(|| recorder.into_updates());
        let selection = config.scenario.selection(dataset, seed)?;
        let (forget, _) = partition(dataset, &selection)?;
        let mia = |params: &oubli_model::Params| {
            let f = Outputs::compute(&net, params, &forget).losses;
            let t = Outputs::compute(&net, params, &dataset.test).losses;
            let f: Vec<f64> = f.iter().map(|&l| f64::from(l)).collect();
            let t: Vec<f64> = t.iter().map(|&l| f64::from(l)).collect();
            neurips_simple_attack(&f, &t, seed).auc
        };
        let mut methods = vec!["retrain".to_string()];
        methods.extend(config.methods.iter().filter(|m| *m != "retrain").cloned());
        let mut original_done = false;
        for method in methods {
            let (new_model, r) = forget_model(
                &model,
                dataset,
                &selection,
                &method,
                None,
                seed,
                stored.as_ref(),
            )?;
            if !original_done {
                let rec = RunRecord {
                    method: "original".into(),
                    seed,
                    forget_samples: r.forget_samples,
                    forget_accuracy: r.original_forget_accuracy,
                    retain_accuracy: r.original_retain_accuracy,
                    test_accuracy: r.original_test_accuracy,
                    mia_auc: mia(&model.params),
                    seconds: report.seconds,
                    sample_gradients: report.sample_gradients,
                    collapse_guard_triggered: false,
                };
                log(&rec);
                records.push(rec);
                original_done = true;
            }
            let rec = RunRecord {
                method: method.clone(),
                seed,
                forget_samples: r.forget_samples,
                forget_accuracy: r.forget_accuracy,
                retain_accuracy: r.retain_accuracy,
                test_accuracy: r.test_accuracy,
                mia_auc: mia(&new_model.params),
                seconds: r.seconds,
                sample_gradients: r.sample_gradients,
                collapse_guard_triggered: r.stats.collapse_guard_triggered,
            };
            log(&rec);
            records.push(rec);
        }
    }
    Ok(records)
}
