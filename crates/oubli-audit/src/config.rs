//! [`AuditConfig`]: how much work an audit does, and the verdict's tolerances.

use oubli_verify::VerdictThresholds;
use serde::{Deserialize, Serialize};

use crate::AuditError;

/// Settings of [`audit`](crate::audit). Every field has a default chosen so
/// that a small model on a small dataset (digits, MNIST MLP) is audited in
/// minutes; the costly knobs are `shadows`, `shadow_retain_fraction` and
/// `challenge_runs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// K, the number of LiRA shadow models, each a full training run (the
    /// dominant cost). Every target is *in* exactly ⌊K/2⌋ of them. Default 16:
    /// below 64 LiRA uses one pooled variance (Carlini et al. 2022, §VI).
    /// 0 skips the shadow attacks; 1 runs offline RMIA only (the one
    /// shadow is every target's out reference); from 2 on, online LiRA too
    /// (one in and one out shadow per target at least).
    pub shadows: usize,
    /// Share of the retain set each shadow trains on (a fresh seeded draw per
    /// shadow), plus its half of the target pool. Default 1.0 = the audited
    /// models' own training data, which is what LiRA's calibration assumes;
    /// smaller values make shadows cheaper on large sets but generalise
    /// worse than the audited model, which shifts both the in and the out
    /// distributions (the attack stays valid, it only loses power).
    pub shadow_retain_fraction: f64,
    /// LiRA target pool: at most this many forget samples (members) and as
    /// many test samples (non-members). Default 500. Each shadow trains on
    /// half the pool, so a larger pool costs little training time but every
    /// target needs its own in/out statistics.
    pub lira_targets: usize,
    /// Also run U-LiRA (Hayes et al. 2024): the unlearning method is applied
    /// inside every shadow to the pool half it trained on. Needs the method
    /// (`method_for_runs`); reported on the unlearned model only, so it does
    /// not enter the verdict. Default false (it adds K unlearning runs).
    pub u_lira: bool,
    /// Relearn time: stop fine-tuning after this many steps (the result is
    /// then reported as censored, `None`). Default 500.
    pub relearn_max_steps: usize,
    /// Relearn time: Adam learning rate. Default 1e-3.
    pub relearn_lr: f64,
    /// Relearn time: forget samples per fine-tuning step. Default 32.
    pub relearn_batch: usize,
    /// N for the NeurIPS 2023 challenge score: the method is run N times and
    /// the model retrained N times (different seeds). Default 0 = skipped
    /// (the report says so), because it costs N retrains.
    pub challenge_runs: usize,
    /// Retain samples evaluated (a seeded subsample), for speed. Default 5000.
    pub max_retain_eval: usize,
    /// `a` of offline RMIA's Pr(x) ≈ ½((1 + a)·Pr_out(x) + (1 − a))
    /// (Zarifzadeh et al. 2024). Default 0.3.
    pub rmia_offline_a: f64,
    /// Significance level of the per-owner tests. Default 0.05.
    pub owner_alpha: f64,
    /// Class-matched null resamples per owner test. Default 999.
    pub owner_resamples: usize,
    /// n extra retrains (seeds derived from `seed`) for the calibrated
    /// verdict: every statistic's retrain-to-retrain spread. Each costs one
    /// training run, shared by every model audited with the same
    /// preparation. Default 0 = skipped; otherwise at least 3 (5 or more
    /// recommended: with 3 the prediction intervals are wide).
    pub calibration_oracles: usize,
    /// Family-wise level of the calibrated verdict: a fresh retrain should
    /// pass with probability 1 − this. Default 0.05.
    pub calibration_alpha: f64,
    /// Marker tests: held-out inputs each forgotten owner's trigger is stamped on
    /// (Athena's 30). Default 30.
    pub marker_queries: usize,
    /// Level of each owner's marker test. Default 0.01.
    pub marker_alpha: f64,
    /// Reference trainings (shadows, calibration retrains) run side by side,
    /// one thread each (see `oubli_model::side_by_side`). Default 0 = one per
    /// thread of rayon's pool (`RAYON_NUM_THREADS` or the cores); 1 = one
    /// after the other, each on every thread. Every value gives the same
    /// report, so it is not part of what the audit measures.
    pub jobs: usize,
    /// Tolerances of the verdict.
    pub thresholds: VerdictThresholds,
    /// Seed of every random choice the audit makes (subsamples, shadow
    /// seeds, pool halves, the retrain oracle's method seed).
    pub seed: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            shadows: 16,
            shadow_retain_fraction: 1.0,
            lira_targets: 500,
            u_lira: false,
            relearn_max_steps: 500,
            relearn_lr: 1e-3,
            relearn_batch: 32,
            challenge_runs: 0,
            max_retain_eval: 5000,
            rmia_offline_a: oubli_verify::rmia::DEFAULT_OFFLINE_A,
            owner_alpha: oubli_verify::owners::DEFAULT_OWNER_ALPHA,
            owner_resamples: oubli_verify::owners::DEFAULT_RESAMPLES,
            calibration_oracles: 0,
            calibration_alpha: oubli_verify::calibrated::DEFAULT_CALIBRATION_ALPHA,
            marker_queries: 30,
            marker_alpha: oubli_verify::DEFAULT_MARKER_ALPHA,
            jobs: 0,
            thresholds: VerdictThresholds::default(),
            seed: 0,
        }
    }
}

fn invalid(field: &'static str, problem: impl Into<String>) -> AuditError {
    AuditError::InvalidConfig {
        field,
        problem: problem.into(),
    }
}

impl AuditConfig {
    /// Checks every field; the error names the first invalid one.
    pub fn validate(&self) -> Result<(), AuditError> {
        let f = self.shadow_retain_fraction;
        if !(f.is_finite() && f > 0.0 && f <= 1.0) {
            return Err(invalid(
                "shadow_retain_fraction",
                format!("must be in (0, 1], got {f}"),
            ));
        }
        if self.shadows > 0 && self.lira_targets == 0 {
            return Err(invalid(
                "lira_targets",
                "must be at least 1 when shadows > 0",
            ));
        }
        if !(self.relearn_lr.is_finite() && self.relearn_lr > 0.0) {
            return Err(invalid(
                "relearn_lr",
                format!("must be a positive number, got {}", self.relearn_lr),
            ));
        }
        if self.relearn_batch == 0 {
            return Err(invalid("relearn_batch", "must be at least 1"));
        }
        if self.challenge_runs == 1 {
            return Err(invalid(
                "challenge_runs",
                "must be 0 (skip) or at least 2: one run per side cannot show a spread",
            ));
        }
        if self.max_retain_eval == 0 {
            return Err(invalid("max_retain_eval", "must be at least 1"));
        }
        if !(self.rmia_offline_a.is_finite() && (0.0..=1.0).contains(&self.rmia_offline_a)) {
            return Err(invalid(
                "rmia_offline_a",
                format!("must be in [0, 1], got {}", self.rmia_offline_a),
            ));
        }
        for (field, v) in [
            ("owner_alpha", self.owner_alpha),
            ("calibration_alpha", self.calibration_alpha),
            ("marker_alpha", self.marker_alpha),
        ] {
            if !(v > 0.0 && v < 1.0) {
                return Err(invalid(field, format!("must be in (0, 1), got {v}")));
            }
        }
        if self.marker_queries == 0 {
            return Err(invalid("marker_queries", "must be at least 1"));
        }
        if self.owner_resamples == 0 {
            return Err(invalid("owner_resamples", "must be at least 1"));
        }
        if matches!(self.calibration_oracles, 1 | 2) {
            return Err(invalid(
                "calibration_oracles",
                "must be 0 (skip) or at least 3, so that leave-one-out still leaves a spread",
            ));
        }
        let t = &self.thresholds;
        for (field, v) in [
            (
                "thresholds.accuracy_gap_tolerance",
                t.accuracy_gap_tolerance,
            ),
            ("thresholds.power_margin", t.power_margin),
            ("thresholds.auc_margin", t.auc_margin),
            ("thresholds.significance_z", t.significance_z),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(
                    field,
                    format!("must be a non-negative number, got {v}"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_fields_are_named() {
        AuditConfig::default().validate().unwrap();
        let bad = |c: AuditConfig| c.validate().unwrap_err().to_string();
        let d = AuditConfig::default;
        AuditConfig { shadows: 1, ..d() }.validate().unwrap();
        assert!(bad(AuditConfig {
            calibration_oracles: 2,
            ..d()
        })
        .contains("calibration_oracles"));
        assert!(bad(AuditConfig {
            owner_alpha: 0.0,
            ..d()
        })
        .contains("owner_alpha"));
        assert!(bad(AuditConfig {
            shadow_retain_fraction: 0.0,
            ..d()
        })
        .contains("shadow_retain_fraction"));
        assert!(bad(AuditConfig {
            relearn_lr: -1.0,
            ..d()
        })
        .contains("relearn_lr"));
        assert!(bad(AuditConfig {
            relearn_batch: 0,
            ..d()
        })
        .contains("relearn_batch"));
        assert!(bad(AuditConfig {
            challenge_runs: 1,
            ..d()
        })
        .contains("challenge_runs"));
        let mut t = d();
        t.thresholds.auc_margin = f64::NAN;
        assert!(bad(t).contains("auc_margin"));
        AuditConfig {
            shadows: 0,
            challenge_runs: 2,
            ..d()
        }
        .validate()
        .unwrap();
    }
}
