//! A trained `digits` model and forget scenarios shared by the method tests.

#![allow(dead_code)]

use oubli_data::{load, Dataset, LoadOptions, Selection, Split};
use oubli_forget::{find, ForgetContext, StoredUpdates, UpdateRecorder};
use oubli_model::{
    evaluate, fit, ModelSpec, Network, Params, Silent, TrainConfig, ValidTrainConfig,
};

/// The original model and a forget/retain partition of its training data.
pub struct Scenario {
    pub dataset: Dataset,
    pub net: Network,
    pub original: Params,
    pub config: ValidTrainConfig,
    pub forget: Split,
    pub retain: Split,
}

/// The training config every scenario uses: 20 epochs of Adam at 3e-3 on digits (≈98% test).
pub fn train_config() -> ValidTrainConfig {
    TrainConfig {
        epochs: 20,
        lr: 3e-3,
        seed: 11,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap()
}

/// Trains the original `mlp` on digits and splits off `selection` as the forget set.
pub fn scenario(selection: &Selection) -> Scenario {
    scenario_observed(selection, &mut Silent)
}

/// [`scenario`], training the original with an [`UpdateRecorder`] (amnesiac needs its
/// updates). Same config and seed, so the same original weights.
pub fn recorded_scenario(selection: &Selection) -> (Scenario, StoredUpdates) {
    let mut recorder = UpdateRecorder::new();
    let s = scenario_observed(selection, &mut recorder);
    (s, recorder.into_updates())
}

fn scenario_observed(
    selection: &Selection,
    observer: &mut dyn oubli_model::TrainObserver,
) -> Scenario {
    let dataset = load("digits", &LoadOptions::default()).unwrap();
    let spec = ModelSpec::by_name("mlp", dataset.shape.clone(), dataset.num_classes).unwrap();
    let config = train_config();
    let (model, _) = fit(&dataset, spec.clone(), &config, observer).unwrap();
    let forget_idx = dataset.train.select(selection).unwrap();
    let retain_idx: Vec<usize> = (0..dataset.train.len())
        .filter(|i| forget_idx.binary_search(i).is_err())
        .collect();
    Scenario {
        forget: dataset.train.subset(&forget_idx),
        retain: dataset.train.subset(&retain_idx),
        net: Network::new(spec).unwrap(),
        original: model.params,
        config,
        dataset,
    }
}

/// Forget every training sample of class 3.
pub fn class_scenario() -> Scenario {
    scenario(&Selection {
        classes: vec![3],
        ..Selection::default()
    })
}

/// Forget a seeded random 10% of the training samples.
pub fn random_scenario() -> Scenario {
    scenario(&Selection {
        random_fraction: Some(0.1),
        random_seed: 5,
        ..Selection::default()
    })
}

/// The class scenario's selection.
pub fn class_selection() -> Selection {
    Selection {
        classes: vec![3],
        ..Selection::default()
    }
}

/// The random scenario's selection.
pub fn random_selection() -> Selection {
    Selection {
        random_fraction: Some(0.1),
        random_seed: 5,
        ..Selection::default()
    }
}

/// Accuracies of one model in a scenario.
#[derive(Debug, Clone, Copy)]
pub struct Accuracies {
    pub forget: f64,
    pub retain: f64,
    pub test: f64,
}

impl Scenario {
    pub fn accuracies(&self, params: &Params) -> Accuracies {
        Accuracies {
            forget: evaluate(&self.net, params, &self.forget).accuracy,
            retain: evaluate(&self.net, params, &self.retain).accuracy,
            test: evaluate(&self.net, params, &self.dataset.test).accuracy,
        }
    }

    /// Runs a registered method with its defaults.
    pub fn run(
        &self,
        method: &str,
        stored: Option<&StoredUpdates>,
    ) -> (Params, oubli_forget::UnlearnStats) {
        self.run_with(method, None, stored)
    }

    /// Runs a registered method with `config` (a JSON object of the fields to override).
    pub fn run_with(
        &self,
        method: &str,
        config: Option<&serde_json::Value>,
        stored: Option<&StoredUpdates>,
    ) -> (Params, oubli_forget::UnlearnStats) {
        let ctx = ForgetContext {
            net: &self.net,
            original: &self.original,
            train_config: &self.config,
            forget: &self.forget,
            retain: &self.retain,
            validation: None,
            seed: 1,
            stored_updates: stored,
            reason: oubli_forget::ForgetReason::Privacy,
        };
        let ran = find(method).unwrap().run(config, &ctx).unwrap();
        (ran.unlearned.params, ran.unlearned.stats)
    }

    /// Test accuracy of the class the class scenario forgets, on the test split.
    pub fn test_accuracy_of_class(&self, params: &Params, class: usize) -> f64 {
        evaluate(&self.net, params, &self.dataset.test).per_class_accuracy[class].unwrap()
    }
}

/// The class-forgetting check of the methods issue: forget accuracy ≤ 10% and retain
/// accuracy within 3 points of the original's.
pub fn passes_class_check(s: &Scenario, params: &Params) -> Result<(), String> {
    let orig = s.accuracies(&s.original);
    let got = s.accuracies(params);
    if got.forget > 0.10 {
        return Err(format!("forget accuracy {:.3} > 0.10", got.forget));
    }
    if got.retain < orig.retain - 0.03 {
        return Err(format!(
            "retain accuracy {:.3} vs original {:.3}",
            got.retain, orig.retain
        ));
    }
    Ok(())
}

/// The random-forgetting check: forget accuracy moves toward the oracle's (strictly closer
/// than the original's, or already within 1 point) and test accuracy within 3 points of it.
pub fn passes_random_check(
    s: &Scenario,
    params: &Params,
    oracle: &Accuracies,
) -> Result<(), String> {
    let orig = s.accuracies(&s.original);
    let got = s.accuracies(params);
    let before = (orig.forget - oracle.forget).abs();
    let after = (got.forget - oracle.forget).abs();
    if !(after < before || after <= 0.01) {
        return Err(format!(
            "forget accuracy {:.4} did not move toward the oracle's {:.4} (original {:.4})",
            got.forget, oracle.forget, orig.forget
        ));
    }
    if (got.test - oracle.test).abs() > 0.03 {
        return Err(format!(
            "test accuracy {:.3} vs oracle {:.3}",
            got.test, oracle.test
        ));
    }
    Ok(())
}
