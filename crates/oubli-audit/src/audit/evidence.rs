//! Evidence beyond the single oracle: the shadow attacks on one model
//! (LiRA, RMIA) with the owner tests they feed, and the extra retrains of
//! the calibrated verdict.

use std::collections::BTreeMap;

use oubli_data::Split;
use oubli_model::derive_seed;
use oubli_verify::{
    calibrated_verdict, owner_tests, AttackResult, CalibratedVerdict, NullSamples, OwnerTest,
    OwnerTestInput, RmiaParams,
};

use crate::family::{Family, Fitted};
use crate::outputs::{ModelOutputs, Sets};
use crate::shadows::{Shadows, TargetPool};
use crate::{AuditConfig, AuditError};

/// Attacks whose AUC (with forget accuracy) enters the calibrated verdict.
/// The confidence attack is left out: its AUC measures retain vs test, not
/// the forget set.
const CALIBRATED_ATTACKS: [&str; 4] = [
    "loss_threshold",
    "neurips_simple_mia",
    "lira",
    "rmia_offline",
];

/// The shared shadows and the pool they scored.
pub(crate) struct ShadowEvidence {
    /// The K shadow models' φ and memberships.
    pub shadows: Shadows,
    /// The targets.
    pub pool: TargetPool,
}

impl ShadowEvidence {
    /// The shadow attacks on `model` and that model's owner tests (empty
    /// when no member target has an owner).
    pub fn attack(
        &self,
        family: &Family,
        model: &Fitted,
        config: &AuditConfig,
    ) -> (Vec<AttackResult>, Vec<OwnerTest>, Vec<f64>) {
        let phi = self.pool.phi(family, model);
        let rmia = RmiaParams {
            offline_a: config.rmia_offline_a,
            ..RmiaParams::default()
        };
        let (attacks, scores) = self.shadows.attacks(&phi, self.pool.members, rmia);
        let is_member: Vec<bool> = (0..self.pool.len())
            .map(|t| t < self.pool.members)
            .collect();
        let owners = owner_tests(
            &OwnerTestInput {
                scores: &scores,
                is_member: &is_member,
                labels: &self.pool.split.labels,
                owners: &self.pool.owners,
            },
            config.owner_resamples,
            derive_seed(config.seed, "owner-tests", 0),
        );
        (attacks, owners, phi)
    }
}

/// The statistics of one model that the calibrated verdict compares.
pub(crate) fn null_statistics(
    forget_accuracy: f64,
    attacks: &[AttackResult],
) -> BTreeMap<String, f64> {
    let mut stats = BTreeMap::from([("forget accuracy".to_string(), forget_accuracy)]);
    for a in attacks
        .iter()
        .filter(|a| CALIBRATED_ATTACKS.contains(&a.name.as_str()))
    {
        stats.insert(format!("{} AUC", a.name), a.auc);
    }
    stats
}

/// What the extra retrains need.
pub(crate) struct OraclePlan<'a> {
    /// The audited kind; each retrain is the original's plan with another seed.
    pub family: &'a Family,
    /// Train − forget.
    pub retain: &'a Split,
    /// The sets every model is evaluated on.
    pub sets: Sets<'a>,
    /// The shadow attacks, if any.
    pub shadows: Option<&'a ShadowEvidence>,
    /// The audit's settings.
    pub config: &'a AuditConfig,
}

impl OraclePlan<'_> {
    /// Trains `calibration_oracles` retrains and returns each one's statistics.
    pub fn run(
        &self,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Vec<BTreeMap<String, f64>>, AuditError> {
        let n = self.config.calibration_oracles;
        let one = |i: usize| -> Result<BTreeMap<String, f64>, AuditError> {
            let seed = derive_seed(self.config.seed, "calibration-oracle", i as u64);
            let model = self.family.fit(self.retain, seed)?;
            let outputs = ModelOutputs::compute(self.family, &model, &self.sets);
            let mut attacks = outputs.attacks(self.config.seed);
            if let Some(s) = self.shadows {
                attacks.extend(s.attack(self.family, &model, self.config).0);
            }
            Ok(null_statistics(outputs.forget.accuracy, &attacks))
        };
        oubli_model::side_by_side(n, self.config.jobs, one, &mut |done, n| {
            progress(&format!("calibration retrain {done}/{n}"))
        })
    }
}

/// The calibrated verdict of a model with statistics `unlearned`, over the
/// statistics every model has. `None` without retrains.
pub(crate) fn calibrate(
    oracles: &[BTreeMap<String, f64>],
    original: &BTreeMap<String, f64>,
    unlearned: &BTreeMap<String, f64>,
    alpha: f64,
) -> Option<CalibratedVerdict> {
    let first = oracles.first()?;
    let stats: Vec<NullSamples> = first
        .keys()
        .filter_map(|name| {
            Some(NullSamples {
                name: name.clone(),
                oracles: oracles
                    .iter()
                    .map(|o| o.get(name).copied())
                    .collect::<Option<_>>()?,
                original: *original.get(name)?,
                unlearned: *unlearned.get(name)?,
            })
        })
        .collect();
    (!stats.is_empty()).then(|| calibrated_verdict(&stats, alpha))
}
