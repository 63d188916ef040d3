//! # oubli-audit
//!
//! The orchestration behind `oubli verify`: given the original model, the
//! unlearned model, optionally the retrained oracle, the dataset and the
//! forget request, [`audit`] runs every model on the forget / retain / test
//! sets, trains LiRA shadow models, measures relearn time and (optionally) the
//! NeurIPS 2023 challenge score, and returns an [`oubli_verify::Report`] with
//! its verdict: `forgotten`, `not_forgotten` or `inconclusive`.
//!
//! The verdict compares the unlearned model with the **retrained oracle**,
//! never with an absolute target, and uses the original to tell whether any
//! test could have seen a difference (see [`oubli_verify::decide`]).
//! Inputs that cannot be compared are refused before any work, in words:
//! models of another dataset, input size, class count or architecture
//! ([`check_compatible`]), and a given oracle whose recorded training set
//! is not train − forget ([`AuditError::OracleMismatch`]).
//!
//! ## What is measured
//!
//! * accuracies on forget / retain (≤ 5000, seeded) / test and SalUn's
//!   average gap;
//! * per model: loss-threshold and NeurIPS 2023 simple attacks (forget =
//!   member, test = non-member), the confidence attack (retain vs test,
//!   applied to the forget set), **LiRA** with K shared shadow models, and
//!   offline **RMIA** (Zarifzadeh et al. 2024) with the same shadows as
//!   reference models (from K = 1); every attack with its AUC, TPR at 1 %
//!   and 0.1 % FPR, and DeLong's paired test between models;
//! * **per-owner tests** when the forget targets have owners: the sum of an
//!   owner's LiRA log likelihood ratios against class-matched non-member
//!   sums, a p-value per model and a verdict per owner;
//! * with `calibration_oracles = n ≥ 3`: n more retrains from other seeds
//!   and the **calibrated verdict** against their spread, with the rate at
//!   which a fresh retrain passes and a noop fails it (leave-one-out);
//! * JS divergence of unlearned vs retrained predictions (forget, test) and
//!   weight L2 distances;
//! * relearn time: Adam steps on the forget set until forget accuracy is
//!   within 1 point of the original's (censored at `relearn_max_steps`);
//! * with `challenge_runs = N` and the method: the challenge's ε score.
//!
//! Losses and logit confidences φ are computed from the logits in f64 (not
//! from f32 probabilities, which round a confident p_y to exactly 1).
//!
//! ## LiRA here, and U-LiRA
//!
//! The `lira` attack is Carlini et al.'s online LiRA against *training
//! membership*. The target pool is up to `lira_targets` forget samples and
//! as many test samples; every target is in exactly ⌊K/2⌋ of the K shadows,
//! which train from scratch with the original's training config (seed
//! varied per shadow) on the retain set plus their half of the pool. A
//! target's in/out φ come from the shadows that did/did not train on it; the
//! observed φ is the audited model's. On the original the forget targets
//! look like members; after real forgetting they should score like the
//! test targets, exactly as on the retrained oracle: the verdict compares the
//! AUCs. Hayes et al.'s **U-LiRA** (2024) instead asks whether the model
//! looks "trained on the sample and then unlearned by this method" or "never
//! trained on it": with [`AuditConfig::u_lira`] the method is also run inside
//! every shadow on the pool half it trained on, and a `u_lira` attack (0.5 =
//! indistinguishable from never training) is added to the unlearned model's
//! attacks. It is reported only; it cannot enter the verdict, which needs
//! an attack on all three models.
//!
//! ## Several models, one oracle
//!
//! [`audit`] is [`Auditor::prepare`] (the oracle, the original's and the
//! oracle's outputs and attacks, the shadows, the oracle's relearn time)
//! followed by [`Auditor::audit`] of the one unlearned model. To audit
//! several models of the same request (seeds of a method, or every method of
//! `oubli bench`), prepare once and audit each: the shared evidence, and its
//! cost, are paid once.
//!
//! ## Cost
//!
//! LiRA's K shadow models dominate: each is a full training run on the
//! retain set (or `shadow_retain_fraction` of it) plus half the pool, so an
//! audit costs about K + 1 trainings without a given oracle, plus 2N with
//! `challenge_runs = N` and K more unlearning runs with U-LiRA. On digits a
//! K = 16 audit takes ≈ 3 s; see `examples/verify_cost.rs` for MNIST.
//!
//! ```no_run
//! use oubli_audit::{audit, AuditConfig};
//! use oubli_data::{load, LoadOptions, Selection};
//! use oubli_forget::forget_model;
//! use oubli_model::{fit, ModelSpec, Silent, TrainConfig};
//!
//! let ds = load("digits", &LoadOptions::default()).unwrap();
//! let spec = ModelSpec::by_name("mlp", ds.shape.clone(), ds.num_classes).unwrap();
//! let train = TrainConfig { epochs: 20, lr: 3e-3, ..TrainConfig::default() }.validate().unwrap();
//! let (original, _) = fit(&ds, spec, &train, &mut Silent).unwrap();
//!
//! let forget = Selection { classes: vec![3], ..Selection::default() };
//! let (unlearned, _) = forget_model(&original, &ds, &forget, "finetune", None, 0, None).unwrap();
//!
//! let config = AuditConfig { shadows: 8, ..AuditConfig::default() };
//! let report = audit(
//!     &original,
//!     &unlearned,
//!     None, // the audit retrains the oracle itself
//!     &ds,
//!     &forget,
//!     Some(("finetune", None)),
//!     &config,
//!     &mut |stage| eprintln!("{stage}"),
//! )
//! .unwrap();
//! println!("{}: {}", report.verdict, report.reasons[0]);
//! report.write_to_dir(std::path::Path::new(".")).unwrap();
//! ```

#![deny(missing_docs)]

mod audit;
mod challenge;
mod compat;
mod config;
mod describe;
mod error;
mod family;
mod outputs;
mod relearn;
mod shadows;

pub use audit::{audit, audit_any, recorded_markers, Auditor};
pub use compat::{check_compatible, check_compatible_any};
pub use config::AuditConfig;
pub use error::AuditError;
