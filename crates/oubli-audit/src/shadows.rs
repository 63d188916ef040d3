//! LiRA shadow models (Carlini et al. 2022) for membership of the forget set.
//!
//! The **target pool** is up to `lira_targets` forget samples (members of the
//! original's training) plus as many test samples (never trained on). Every
//! target is put in exactly ⌊K/2⌋ of the K shadows, chosen at random per
//! target, so each target has in and out statistics and each shadow sees
//! about half the pool. Shadow `k` trains from scratch with the original's
//! training config (seed replaced by `derive_seed(seed, "lira-shadow", k)`)
//! on the retain set (or a seeded `shadow_retain_fraction` of it) plus its
//! half of the pool. The retain set is in every shadow because it is in
//! every audited model: only the pool's membership varies.
//!
//! This is LiRA against *training* membership: it asks whether the audited
//! model's confidence on a forget sample looks like that of models that
//! trained on it. Against the original that should succeed; against a model
//! that really forgot, forget samples should score like test samples, as on
//! the retrained oracle. Hayes et al.'s U-LiRA (2024) instead compares
//! "trained on it, then *unlearned* by the method" with "never trained on
//! it"; with `u_lira` on we also apply the method inside every shadow to the
//! pool half it trained on and score the unlearned model against those.

use oubli_data::Split;
use oubli_forget::{find, ForgetContext};
use oubli_model::derive_seed;
use oubli_verify::{lira, rmia_offline, AttackResult, LiraInput, RmiaInput, RmiaParams};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::family::{Family, Fitted};
use crate::outputs::SetOutputs;
use crate::AuditError;

/// Forget targets (members) followed by test targets (non-members).
pub(crate) struct TargetPool {
    /// The targets as one split; only features, labels and ids are kept.
    pub split: Split,
    /// The first `members` targets are forget samples.
    pub members: usize,
    /// Owner of every target (`None` for test targets and unowned samples).
    pub owners: Vec<Option<String>>,
}

/// A seeded RNG for one named stream of the audit.
pub(crate) fn rng(seed: u64, stream: &str, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(derive_seed(seed, stream, index))
}

/// `k` of the indices `0..n`, uniformly without replacement, sorted (all of
/// them when `k >= n`).
pub(crate) fn choose_sorted(n: usize, k: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if k < n {
        idx.shuffle(rng);
        idx.truncate(k);
        idx.sort_unstable();
    }
    idx
}

/// Rows of `a` then `b` as one split. Owners and group attributes are
/// dropped: training and scoring only read features and labels.
pub(crate) fn concat(a: &Split, b: &Split) -> Split {
    let mut out = Split {
        ids: a.ids.iter().chain(&b.ids).copied().collect(),
        features: a.features.iter().chain(&b.features).copied().collect(),
        labels: a.labels.iter().chain(&b.labels).copied().collect(),
        dim: a.dim,
        ..Split::default()
    };
    out.owners = vec![None; out.labels.len()];
    out
}

impl TargetPool {
    /// Balanced pool: `min(cap, |forget|, |test|)` samples from each side.
    pub fn new(forget: &Split, test: &Split, cap: usize, seed: u64) -> Self {
        let n = cap.min(forget.len()).min(test.len());
        let mut r = rng(seed, "lira-pool", 0);
        let f = forget.subset(&choose_sorted(forget.len(), n, &mut r));
        let t = test.subset(&choose_sorted(test.len(), n, &mut r));
        let owners = f
            .owners
            .iter()
            .cloned()
            .chain(std::iter::repeat_n(None, t.len()))
            .collect();
        Self {
            split: concat(&f, &t),
            members: n,
            owners,
        }
    }

    /// Number of targets.
    pub fn len(&self) -> usize {
        self.split.len()
    }

    /// φ (logit true-class confidence) of every target under `model`.
    pub fn phi(&self, family: &Family, model: &Fitted) -> Vec<f64> {
        SetOutputs::compute(family, model, &self.split).phi
    }
}

/// What the shadows said about every target.
pub(crate) struct Shadows {
    /// `phi[k][t]`: φ of target `t` under shadow `k`.
    pub phi: Vec<Vec<f64>>,
    /// `included[k][t]`: did shadow `k` train on target `t`?
    pub included: Vec<Vec<bool>>,
    /// U-LiRA: φ under shadow `k` after the method unlearned its pool half.
    pub unlearned_phi: Option<Vec<Vec<f64>>>,
    /// Why U-LiRA was skipped, if it was asked for but could not run.
    pub u_lira_note: Option<String>,
}

/// Everything shadow training needs.
pub(crate) struct ShadowPlan<'a> {
    /// The audited kind; shadows are trained with the original's plan, only the seed changed.
    pub family: &'a Family,
    /// The original's retain set (in every shadow).
    pub retain: &'a Split,
    /// K.
    pub shadows: usize,
    /// Share of `retain` per shadow.
    pub retain_fraction: f64,
    /// The audit seed.
    pub seed: u64,
    /// Method (and config) to unlearn with inside shadows, for U-LiRA (single networks only).
    pub u_lira_method: Option<(&'a str, Option<&'a serde_json::Value>)>,
}

/// `included[k][t]`: every target is in exactly ⌊K/2⌋ shadows.
fn membership(shadows: usize, targets: usize, seed: u64) -> Vec<Vec<bool>> {
    let mut included = vec![Vec::with_capacity(targets); shadows];
    let mut r = rng(seed, "lira-membership", 0);
    let mut order: Vec<usize> = (0..shadows).collect();
    for _ in 0..targets {
        // The first ⌊K/2⌋ shadows of a fresh permutation take this target.
        order.shuffle(&mut r);
        for (rank, &k) in order.iter().enumerate() {
            included[k].push(rank < shadows / 2);
        }
    }
    included
}

/// One shadow's φ on the pool, and (U-LiRA) φ after unlearning its pool half,
/// or why that could not run.
type ShadowPhi = (Vec<f64>, Option<Result<Vec<f64>, String>>);

/// Trains the K shadows (`jobs` side by side, see [`oubli_model::side_by_side`])
/// and records every target's φ. The result does not depend on `jobs`.
pub(crate) fn train_shadows(
    plan: &ShadowPlan<'_>,
    pool: &TargetPool,
    jobs: usize,
    progress: &mut dyn FnMut(&str),
) -> Result<Shadows, AuditError> {
    let k_total = plan.shadows;
    let included = membership(k_total, pool.len(), plan.seed);
    let keep = (plan.retain.len() as f64 * plan.retain_fraction).round() as usize;
    let one = |k: usize| -> Result<ShadowPhi, AuditError> {
        let retain_idx = choose_sorted(
            plan.retain.len(),
            keep,
            &mut rng(plan.seed, "shadow-retain", k as u64),
        );
        let retain_k = if keep < plan.retain.len() {
            plan.retain.subset(&retain_idx)
        } else {
            plan.retain.clone()
        };
        let in_idx: Vec<usize> = (0..pool.len()).filter(|&t| included[k][t]).collect();
        let in_split = pool.split.subset(&in_idx);
        let data = concat(&retain_k, &in_split);
        let shadow_seed = derive_seed(plan.seed, "lira-shadow", k as u64);
        let shadow = plan.family.fit(&data, shadow_seed)?;
        let phi = pool.phi(plan.family, &shadow);
        let (Some((method, method_config)), Some((net, base)), Some(params)) =
            (plan.u_lira_method, plan.family.net(), shadow.params())
        else {
            return Ok((phi, None));
        };
        let config = oubli_model::TrainConfig {
            seed: shadow_seed,
            ..base.inner().clone()
        }
        .validate()?;
        let ctx = ForgetContext {
            net,
            original: params,
            train_config: &config,
            forget: &in_split,
            retain: &retain_k,
            validation: None,
            seed: derive_seed(plan.seed, "u-lira-unlearn", k as u64),
            stored_updates: None,
            reason: oubli_forget::ForgetReason::Privacy,
        };
        let unlearned = match find(method)?.run(method_config, &ctx) {
            Ok(ran) => Ok(pool.phi(plan.family, &Fitted::Net(ran.unlearned.params))),
            // A method that needs what shadows lack (stored updates) cannot
            // be U-LiRA'd; the rest of the audit still stands.
            Err(e) => Err(format!(
                "U-LiRA skipped: `{method}` cannot run inside shadows ({e})"
            )),
        };
        Ok((phi, Some(unlearned)))
    };
    let trained = oubli_model::side_by_side(k_total, jobs, one, &mut |done, n| {
        progress(&format!("LiRA shadow {done}/{n}"))
    })?;
    let mut phi = Vec::with_capacity(k_total);
    let mut unlearned_phi = plan.u_lira_method.map(|_| Vec::with_capacity(k_total));
    let mut u_lira_note = None;
    for (p, unlearned) in trained {
        phi.push(p);
        match unlearned {
            Some(Ok(u)) => {
                if let Some(out) = unlearned_phi.as_mut() {
                    out.push(u);
                }
            }
            Some(Err(note)) => u_lira_note = Some(note),
            None => {}
        }
    }
    if u_lira_note.is_some() {
        unlearned_phi = None;
    }
    Ok(Shadows {
        phi,
        included,
        unlearned_phi,
        u_lira_note,
    })
}

impl Shadows {
    /// Per target: (in values, out values) from `in_phi` and the plain shadows.
    fn lira_input(&self, in_phi: &[Vec<f64>], observed: Vec<f64>, members: usize) -> LiraInput {
        let n = observed.len();
        let side = |src: &[Vec<f64>], want: bool, t: usize| -> Vec<f64> {
            src.iter()
                .zip(&self.included)
                .filter(|(_, inc)| inc[t] == want)
                .map(|(p, _)| p[t])
                .collect()
        };
        LiraInput {
            in_confs: (0..n).map(|t| side(in_phi, true, t)).collect(),
            out_confs: (0..n).map(|t| side(&self.phi, false, t)).collect(),
            observed,
            is_member: (0..n).map(|t| t < members).collect(),
        }
    }

    /// The attacks that use the shadows against a model whose φ on the pool
    /// is `observed` (forget targets are members, test targets non-members):
    /// online LiRA (when every target has an in and an out shadow, K ≥ 2)
    /// and offline RMIA (out shadows as reference models), plus the
    /// per-target scores the owner tests sum (LiRA's log likelihood ratios,
    /// or RMIA's log ratios when LiRA cannot run).
    pub fn attacks(
        &self,
        observed: &[f64],
        members: usize,
        rmia_params: RmiaParams,
    ) -> (Vec<AttackResult>, Vec<f64>) {
        let mut out = Vec::new();
        let rmia = rmia_offline(&self.rmia_input(observed, members), rmia_params);
        let mut owner_scores = rmia.log_ratios.clone();
        if self.phi.len() >= 2 {
            let lira = lira(&self.lira_input(&self.phi, observed.to_vec(), members));
            let mut a = lira.attack;
            a.name = "lira".into();
            a.description = "Per-example likelihood ratio (Carlini et al. 2022) of the logit true-class confidence \
                under Gaussians fitted to shadow models that trained / did not train on the sample; forget samples \
                are members, test samples non-members."
                .into();
            out.push(a);
            owner_scores = lira.scores;
        }
        out.push(rmia.attack);
        (out, owner_scores)
    }

    /// RMIA's input: per target, φ under the shadows that did not train on it.
    fn rmia_input(&self, observed: &[f64], members: usize) -> RmiaInput {
        let n = observed.len();
        RmiaInput {
            out_phi: (0..n)
                .map(|t| {
                    self.phi
                        .iter()
                        .zip(&self.included)
                        .filter(|(_, inc)| !inc[t])
                        .map(|(v, _)| v[t])
                        .collect()
                })
                .collect(),
            observed: observed.to_vec(),
            is_member: (0..n).map(|t| t < members).collect(),
        }
    }

    /// U-LiRA against the unlearned model, if the unlearned shadows exist.
    pub fn u_lira_attack(&self, observed: Vec<f64>, members: usize) -> Option<AttackResult> {
        let unlearned = self
            .unlearned_phi
            .as_ref()
            .filter(|_| self.phi.len() >= 2)?;
        let mut a = lira(&self.lira_input(unlearned, observed, members)).attack;
        a.name = "u_lira".into();
        a.description = "U-LiRA (Hayes et al. 2024): likelihood ratio of the logit true-class confidence under \
            shadows that trained on the sample and then unlearned it with the same method, versus shadows that \
            never saw it; forget samples are members, test samples non-members. 0.5 = unlearning \
            indistinguishable from never training."
            .into();
        Some(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_is_in_half_the_shadows() {
        let inc = membership(8, 50, 3);
        assert!((0..50).all(|t| inc.iter().filter(|v| v[t]).count() == 4));
        let per_shadow: Vec<usize> = inc
            .iter()
            .map(|v| v.iter().filter(|&&b| b).count())
            .collect();
        assert!(
            per_shadow.iter().all(|&c| (10..=40).contains(&c)),
            "{per_shadow:?}"
        );
        assert_eq!(inc, membership(8, 50, 3));
    }

    #[test]
    fn choose_sorted_is_a_sorted_subset() {
        let v = choose_sorted(10, 4, &mut rng(1, "x", 0));
        assert_eq!(v.len(), 4);
        assert!(v.windows(2).all(|w| w[0] < w[1]) && v.iter().all(|&i| i < 10));
        assert_eq!(choose_sorted(3, 5, &mut rng(1, "x", 0)), vec![0, 1, 2]);
    }
}
