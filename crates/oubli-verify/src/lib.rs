//! # oubli-verify
//!
//! Model-agnostic verification of machine unlearning: did the unlearned model
//! forget the forget set, **as judged against the retrain-from-scratch
//! oracle**? This crate sees only plain per-sample numbers (losses,
//! probability rows, logit-scaled confidences), so the code that trains and
//! runs models feeds it without this crate knowing any model type.
//!
//! * [`roc`]: ROC curves, AUC (= Mann–Whitney), TPR at a fixed FPR.
//! * [`attacks`]: loss-threshold, the NeurIPS 2023 challenge's simple MIA,
//!   the SalUn-style confidence attack ("MIA efficacy").
//! * [`mod@lira`]: LiRA / U-LiRA likelihood-ratio attacks from shadow models.
//! * [`rmia`]: offline RMIA (Zarifzadeh et al. 2024) from out-reference models.
//! * [`epsilon`]: the NeurIPS 2023 challenge's per-sample ε and final score.
//! * [`divergence`]: Jensen–Shannon divergence of predictions, weight L2.
//! * [`paired`]: DeLong's paired test for two AUCs on the same targets.
//! * [`owners`]: one membership test with a p-value per data owner.
//! * [`calibrated`]: the verdict against n retrains' prediction intervals.
//! * [`verdict`]: `forgotten` / `not_forgotten` / `inconclusive`, with reasons.
//! * [`report`], [`html`], [`plots`]: `report.json` and a self-contained
//!   HTML page with inline SVG charts.
//!
//! Convention: attack scores are "higher = more likely a member"; accuracies
//! are fractions in [0, 1]; every randomised step takes an explicit seed.
//!
//! ```
//! use oubli_verify::{decide, loss_threshold_attack, roc_curve, tpr_at_fpr};
//! use oubli_verify::{AttackEvidence, Evidence, SetAccuracies, Verdict, VerdictThresholds};
//!
//! // Members have lower losses than non-members: the attack sees them.
//! let members = [0.05, 0.10, 0.12, 0.20, 0.30];
//! let nonmembers = [0.25, 0.60, 0.90, 1.20, 2.00];
//! let attack = loss_threshold_attack(&members, &nonmembers);
//! assert!((attack.auc - 0.96).abs() < 1e-12); // 24 of 25 pairs ordered right
//! assert_eq!(attack.accuracy, 0.9);
//!
//! // Identical scores carry no information.
//! let roc = roc_curve(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]);
//! assert_eq!(roc.auc, 0.5);
//! assert_eq!(tpr_at_fpr(&roc, 0.01), 0.0);
//!
//! // The verdict compares the unlearned model with the retrained oracle.
//! let acc = |forget, retain, test| SetAccuracies { forget, retain, test };
//! let evidence = Evidence {
//!     original: acc(1.00, 1.00, 0.85),
//!     unlearned: acc(0.85, 0.99, 0.84),
//!     retrained: acc(0.86, 1.00, 0.85),
//!     attacks: vec![AttackEvidence {
//!         name: "loss_threshold".into(),
//!         auc_original: 0.80,
//!         auc_unlearned: 0.52,
//!         auc_retrained: 0.51,
//!         std_errors: [0.02; 3],
//!         paired: None, // or DeLong's, from per-sample scores (see `paired`)
//!     }],
//!     js_divergence_forget: None,
//! };
//! let (verdict, reasons) = decide(&evidence, &VerdictThresholds::default());
//! assert_eq!(verdict, Verdict::Forgotten);
//! assert!(reasons[0].starts_with("forgotten"));
//! ```

#![deny(missing_docs)]

pub mod attacks;
pub mod calibrated;
pub mod divergence;
pub mod epsilon;
pub mod features;
pub mod html;
pub mod lira;
mod logistic;
pub mod markers;
pub mod owners;
pub mod paired;
pub mod plots;
pub mod plots_frontier;
pub mod plots_stream;
pub mod report;
mod report_example;
pub mod rmia;
pub mod roc;
mod sampling;
mod stats;
pub mod verdict;

pub use attacks::{
    auc_std_error, confidence_attack, loss_threshold_attack, neurips_simple_attack, AttackResult,
    MAX_ROC_POINTS,
};
pub use calibrated::{calibrated_verdict, CalibratedStatistic, CalibratedVerdict, NullSamples};
pub use divergence::{js_divergence, l2_distance};
pub use epsilon::{
    bin_score, challenge_score, epsilon_from_rates, forgetting_quality, per_sample_epsilon,
    ChallengeScore,
};
pub use features::{
    accuracy, confidence_features, entropies, logit_scale, true_class_logit_confidences,
    ConfidenceFeatures,
};
pub use html::render_html;
pub use lira::{lira, lira_with, LiraInput, LiraResult, VarianceMode};
pub use markers::{
    binomial_upper_tail, MarkerCounts, MarkerReport, MarkerTest, OwnerMarkerTest,
    DEFAULT_MARKER_ALPHA,
};
pub use owners::{owner_tests, owner_verdicts, OwnerTest, OwnerTestInput, OwnerVerdict};
pub use paired::{delong_auc, delong_diff_std_error, PairedStdErrors, SampleScores};
pub use report::{
    average_gap, InputsDescription, LossSamples, PerModel, RelearnSteps, Report, ReportError,
    WeightDistances,
};
pub use rmia::{rmia_offline, RmiaInput, RmiaParams, RmiaResult};
pub use roc::{best_balanced_accuracy, roc_curve, tpr_at_fpr, Roc};
pub use verdict::{decide, AttackEvidence, Evidence, SetAccuracies, Verdict, VerdictThresholds};
