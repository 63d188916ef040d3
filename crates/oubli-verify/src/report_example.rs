//! A deterministic, realistic example report built from synthetic data with
//! this crate's own functions: a fixture for tests, demos and for checking
//! the HTML page by eye.

use std::collections::BTreeMap;

use crate::attacks::{
    confidence_attack, loss_threshold_attack, neurips_simple_attack, AttackResult,
};
use crate::epsilon::ChallengeScore;
use crate::features::ConfidenceFeatures;
use crate::lira::{lira, LiraInput};
use crate::report::{
    average_gap, InputsDescription, LossSamples, PerModel, RelearnSteps, Report, WeightDistances,
};
use crate::sampling::normal_samples;
use crate::verdict::{SetAccuracies, Verdict, VerdictThresholds};

/// Synthetic per-sample losses: |N(mean, std²)|, losses are non-negative.
fn losses(n: usize, mean: f64, std: f64, seed: u64) -> Vec<f64> {
    normal_samples(n, mean, std, seed)
        .into_iter()
        .map(f64::abs)
        .collect()
}

fn features(n: usize, conf: f64, entropy: f64, seed: u64) -> Vec<ConfidenceFeatures> {
    let c = normal_samples(n, conf, 1.5, seed);
    let h = normal_samples(n, entropy, 0.25, seed ^ 0xff);
    c.into_iter()
        .zip(h)
        .map(|(logit_confidence, e)| ConfidenceFeatures {
            logit_confidence,
            entropy: e.abs(),
        })
        .collect()
}

/// The three attacks on one synthetic model whose forget losses have mean
/// `forget_loss` (test losses have mean 0.9, retain 0.1).
fn attacks_for(forget_loss: f64, forget_conf: f64, seed: u64) -> (Vec<AttackResult>, LossSamples) {
    let forget = losses(400, forget_loss, 0.35, seed);
    let test = losses(400, 0.9, 0.45, seed + 1);
    let conf = confidence_attack(
        &features(800, 5.0, 0.15, seed + 2),
        &features(400, 2.2, 0.55, seed + 3),
        &features(400, forget_conf, 0.5, seed + 4),
        seed,
    );
    let attacks = vec![
        loss_threshold_attack(&forget, &test),
        neurips_simple_attack(&forget, &test, seed),
        conf,
    ];
    let to_f32 = |v: &[f64]| v.iter().map(|&x| x as f32).collect();
    (
        attacks,
        LossSamples {
            forget: to_f32(&forget),
            test: to_f32(&test),
        },
    )
}

impl Report {
    /// A complete example report (synthetic numbers) whose verdict is
    /// `forgotten`: the original memorised the forget set, the unlearned
    /// model and the retrained oracle both treat it like test data.
    pub fn example() -> Report {
        let (orig_attacks, orig_losses) = attacks_for(0.12, 5.0, 10);
        let (unl_attacks, unl_losses) = attacks_for(0.9, 2.2, 20);
        let (ret_attacks, ret_losses) = attacks_for(0.9, 2.2, 30);

        // U-LiRA on the unlearned model: 100 targets, 16 shadows per side,
        // unlearned-in and retrained-out shadows barely differ.
        let mu = normal_samples(100, 1.0, 2.0, 40);
        let noise = normal_samples(100 * 33, 0.0, 1.0, 41);
        let mut z = noise.into_iter();
        let mut lira_input = LiraInput::default();
        for (i, m) in mu.iter().enumerate() {
            lira_input
                .in_confs
                .push(z.by_ref().take(16).map(|e| m + 0.15 + e).collect());
            lira_input
                .out_confs
                .push(z.by_ref().take(16).map(|e| m + e).collect());
            lira_input
                .observed
                .push(m + if i % 2 == 0 { 0.15 } else { 0.0 } + z.next().unwrap_or(0.0));
            lira_input.is_member.push(i % 2 == 0);
        }
        let mut unlearned_attacks = unl_attacks;
        unlearned_attacks.push(lira(&lira_input).attack);

        let accuracies = PerModel {
            original: SetAccuracies {
                forget: 1.0,
                retain: 0.998,
                test: 0.861,
            },
            unlearned: SetAccuracies {
                forget: 0.853,
                retain: 0.981,
                test: 0.849,
            },
            retrained: SetAccuracies {
                forget: 0.862,
                retain: 0.997,
                test: 0.858,
            },
        };
        let mia = |a: &[AttackResult]| {
            a.iter()
                .find(|x| x.name == "confidence_mia")
                .map(|x| x.extra["mia_efficacy"])
        };
        let avg_gap = average_gap(
            &accuracies.unlearned,
            &accuracies.retrained,
            mia(&unlearned_attacks).zip(mia(&ret_attacks)),
        );

        // Challenge score from 40 forget samples × 32 models per side.
        let unl: Vec<Vec<f64>> = (0..40)
            .map(|i| normal_samples(32, 2.0, 1.0, 100 + i))
            .collect();
        let ret: Vec<Vec<f64>> = (0..40)
            .map(|i| normal_samples(32, 2.1, 1.0, 200 + i))
            .collect();
        let challenge = ChallengeScore::compute(&unl, &ret, 0.981, 0.997, 0.849, 0.858);

        let details: BTreeMap<String, String> = [
            ("dataset", "synthetic (CIFAR-10-like)"),
            ("model", "ResNet-18 stand-in"),
            ("method", "gradient ascent + retain fine-tuning"),
            ("forget set", "400 random training samples"),
            ("seed", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let loss_aucs = [orig_attacks[0].auc, unlearned_attacks[0].auc];
        let mut report = Report {
            inputs: InputsDescription {
                title: "Example: unlearning 400 samples <synthetic>".into(),
                description: "Synthetic numbers made by Report::example() to show every part of the report & page."
                    .into(),
                details,
            },
            accuracies,
            avg_gap,
            attacks: PerModel { original: orig_attacks, unlearned: unlearned_attacks, retrained: ret_attacks },
            js_divergence_forget: Some(0.0213),
            js_divergence_test: Some(0.0158),
            weight_l2: Some(WeightDistances {
                unlearned_to_original: Some(3.42),
                unlearned_to_retrained: Some(41.7),
                original_to_retrained: Some(42.9),
            }),
            relearn_steps: Some(RelearnSteps { target_accuracy: 0.99, budget: 500, unlearned: Some(96), retrained: Some(110) }),
            challenge: Some(challenge),
            verdict: Verdict::Inconclusive,
            reasons: Vec::new(),
            thresholds: VerdictThresholds::default(),
            loss_samples: PerModel { original: orig_losses, unlearned: unl_losses, retrained: ret_losses },
            timings: [("unlearning", 12.4), ("retraining", 301.9), ("attacks", 1.7)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            paired_std_errors: BTreeMap::new(),
            owner_tests: example_owners(),
            owner_alpha: crate::owners::DEFAULT_OWNER_ALPHA,
            markers: None,
            calibration: Some(example_calibration(&loss_aucs)),
        };
        report.apply_verdict();
        // As a reloaded report.json: the per-sample scores are not kept (the
        // paired errors they gave are, in `paired_std_errors`).
        for list in [
            &mut report.attacks.original,
            &mut report.attacks.unlearned,
            &mut report.attacks.retrained,
        ] {
            for a in list.iter_mut() {
                a.sample_scores = None;
            }
        }
        report
    }
}

/// Three owners: one still visible, one forgotten, one the test cannot see.
fn example_owners() -> Vec<crate::owners::OwnerVerdict> {
    let row = |owner: &str, samples, p: [f64; 3], verdict| crate::owners::OwnerVerdict {
        owner: owner.into(),
        samples,
        p_original: p[0],
        p_unlearned: p[1],
        p_retrained: p[2],
        verdict,
    };
    vec![
        row("alice", 31, [0.0005, 0.004, 0.41], Verdict::NotForgotten),
        row("bob", 24, [0.002, 0.37, 0.52], Verdict::Forgotten),
        row("carol", 6, [0.21, 0.35, 0.64], Verdict::Inconclusive),
    ]
}

/// The calibrated verdict over five synthetic retrains.
fn example_calibration(loss: &[f64; 2]) -> crate::calibrated::CalibratedVerdict {
    let oracles = normal_samples(5, 0.51, 0.015, 77);
    crate::calibrated::calibrated_verdict(
        &[crate::calibrated::NullSamples {
            name: "loss_threshold AUC".into(),
            oracles,
            original: loss[0],
            unlearned: loss[1],
        }],
        crate::calibrated::DEFAULT_CALIBRATION_ALPHA,
    )
}
