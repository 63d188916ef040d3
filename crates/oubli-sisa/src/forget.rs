//! Exact unlearning: retrain only the affected shards, from the last checkpoint that never
//! saw a forgotten sample.

use crate::assign::{shard_of, slice_of, Layout};
use crate::model::{check_fit, SisaModel, SisaParts, METHOD_FORGET};
use crate::shard::{Shard, ShardRun};
use crate::SisaError;
use oubli_data::{fingerprint, DataError, SampleId, Split};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// What one affected shard retrained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShardRetrain {
    /// The shard.
    pub shard: usize,
    /// First stage retrained: the earliest stage holding a forgotten sample. Training
    /// restarted from the checkpoint of the stage before it (from initialisation for 0).
    pub from_stage: usize,
    /// Stages retrained (`R − from_stage`).
    pub stages: usize,
    /// Samples of this request that were in the shard.
    pub forgotten: usize,
    /// Per-sample gradient evaluations spent on the shard.
    pub sample_gradients: u64,
}

/// What a deletion request cost, and what the alternatives would have cost.
#[derive(Debug, Clone, Serialize)]
pub struct SisaForgetReport {
    /// Distinct samples removed by this request.
    pub forgotten: usize,
    /// Training samples left in the ensemble.
    pub remaining_samples: usize,
    /// Number of shards retrained.
    pub shards_retrained: usize,
    /// Number of stages (slices) retrained, summed over those shards.
    pub slices_retrained: usize,
    /// The affected shards, in shard order.
    pub retrained: Vec<ShardRetrain>,
    /// Per-sample gradient evaluations spent.
    pub sample_gradients: u64,
    /// Optimisation steps taken.
    pub steps: usize,
    /// Wall-clock seconds, checks included.
    pub seconds: f64,
    /// What the monolithic comparator costs: one model trained on all remaining data for
    /// `epochs` epochs, i.e. `epochs × remaining_samples`.
    pub full_retrain_sample_gradients: u64,
    /// What SISA without checkpoints costs: every affected shard retrained from its
    /// initialisation through all `R` stages on its remaining data.
    pub whole_shard_retrain_sample_gradients: u64,
    /// `full_retrain_sample_gradients / sample_gradients`.
    pub speedup_vs_full_retrain: f64,
    /// `whole_shard_retrain_sample_gradients / sample_gradients`.
    pub speedup_vs_whole_shard_retrain: f64,
}

/// What an exact deletion retrains, worked out (and checked) before any training, so that
/// the retraining can run in this process or as one job per affected shard.
#[derive(Debug, Clone)]
pub struct ForgetPlan {
    /// The training split after the deletion (dataset order).
    pub remaining: Split,
    /// The layout of `remaining`.
    pub layout: Layout,
    /// Affected shards in shard order: shard → (first stage to retrain, samples of this
    /// request it held). Training restarts from the checkpoint of the stage before.
    pub affected: BTreeMap<usize, (usize, usize)>,
    /// The ids forgotten, in dataset order.
    pub forget_ids: Vec<SampleId>,
    /// Hash of the ensemble before the deletion.
    pub parent_sha256: String,
}

impl SisaModel {
    /// Forgets `forget_ids` exactly: afterwards every constituent is bit-identical to the one
    /// a from-scratch SISA training on the remaining data would produce (same seed, S, R).
    ///
    /// `data_after_previous_removals` is the training split the ensemble was trained on, minus
    /// every id removed by earlier requests (checked shard by shard against the recorded
    /// fingerprints). For each shard holding a forgotten sample, training restarts from the
    /// checkpoint before the earliest stage holding one and reruns the remaining stages on
    /// the remaining data; other shards are untouched. All ids of one request are grouped by
    /// shard, so a shard is retrained once however many of its samples go.
    pub fn forget(
        &mut self,
        data_after_previous_removals: &Split,
        forget_ids: &[SampleId],
    ) -> Result<SisaForgetReport, SisaError> {
        let start = Instant::now();
        let plan = self.plan_forget(data_after_previous_removals, forget_ids)?;
        let (remaining, after) = (&plan.remaining, &plan.layout);
        let config = self.config.clone();
        let epochs = self.train_config.epochs as u64;
        let affected: Vec<(usize, (usize, usize))> =
            plan.affected.iter().map(|(&s, &v)| (s, v)).collect();
        // Affected shards retrain side by side, one thread each, from copies of their
        // checkpoints (same result for every job count, see `oubli_model::side_by_side`).
        let this = &*self;
        let retrain_shard = |i: usize| {
            let (s, (from, _)) = affected[i];
            let run = ShardRun {
                net: &this.net,
                split: remaining,
                layout: after,
                shard: s,
                slices: config.slices,
                config: &this.train_config,
            };
            let mut stages = this.shards[s].stages.clone();
            let cost = run.train(&mut stages, from, &mut |_, _| Ok(()))?;
            Ok::<_, SisaError>((stages, cost))
        };
        let runs = oubli_model::side_by_side(affected.len(), 0, retrain_shard, &mut |_, _| {})?;
        let mut retrained = Vec::new();
        let (mut steps, mut whole_shard) = (0, 0);
        for (&(s, (from, forgotten)), (stages, cost)) in affected.iter().zip(runs) {
            self.shards[s].stages = stages;
            steps += cost.steps;
            whole_shard += (0..config.slices)
                .map(|r| epochs * after.stage(s, r).len() as u64)
                .sum::<u64>();
            retrained.push(ShardRetrain {
                shard: s,
                from_stage: from,
                stages: config.slices - from,
                forgotten,
                sample_gradients: cost.sample_gradients,
            });
        }
        let shards = std::mem::take(&mut self.shards);
        let extra = std::mem::take(&mut self.extra);
        *self = SisaModel::from_parts(self.forgotten_parts(&plan, shards))?;
        self.extra = extra;
        let sample_gradients: u64 = retrained.iter().map(|r| r.sample_gradients).sum();
        let full = epochs * remaining.len() as u64;
        let ratio = |x: u64| x as f64 / sample_gradients as f64;
        Ok(SisaForgetReport {
            forgotten: plan.forget_ids.len(),
            remaining_samples: remaining.len(),
            shards_retrained: retrained.len(),
            slices_retrained: retrained.iter().map(|r| r.stages).sum(),
            retrained,
            sample_gradients,
            steps,
            seconds: start.elapsed().as_secs_f64(),
            full_retrain_sample_gradients: full,
            whole_shard_retrain_sample_gradients: whole_shard,
            speedup_vs_full_retrain: ratio(full),
            speedup_vs_whole_shard_retrain: ratio(whole_shard),
        })
    }

    /// Checks a deletion request against the data and the checkpoints and works out what it
    /// retrains ([`SisaModel::forget`] is this, then one [`ShardRun::train`] per affected
    /// shard from [`ForgetPlan::affected`], then [`SisaModel::forgotten_parts`]).
    pub fn plan_forget(
        &self,
        data_after_previous_removals: &Split,
        forget_ids: &[SampleId],
    ) -> Result<ForgetPlan, SisaError> {
        let data = data_after_previous_removals;
        let forget = self.check_request(data, forget_ids)?;
        let (seed, config) = (self.train_config.seed, &self.config);
        let before = Layout::new(data, seed, config);
        for (s, shard) in self.shards.iter().enumerate() {
            let found = fingerprint(&before.ids(data, s));
            if found != shard.ids_fingerprint() {
                return Err(SisaError::DataChanged {
                    shard: s,
                    expected: shard.ids_fingerprint().to_string(),
                    expected_samples: shard.samples(),
                    found,
                    found_samples: before.members[s].len(),
                });
            }
        }
        // Earliest forgotten slice and forgotten count per affected shard.
        let mut affected: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
        for &i in &forget {
            let (id, owner) = (data.ids[i], data.owners.get(i).and_then(|o| o.as_deref()));
            let s = shard_of(seed, config.shard_by, id, owner, config.shards);
            let r = slice_of(seed, config.slice_by, id, owner, config.slices);
            let entry = affected.entry(s).or_insert((r, 0));
            entry.0 = entry.0.min(r);
            entry.1 += 1;
        }
        let drop: BTreeSet<usize> = forget.iter().copied().collect();
        let keep: Vec<usize> = (0..data.len()).filter(|i| !drop.contains(i)).collect();
        let remaining = data.subset(&keep);
        let after = Layout::new(&remaining, seed, config);
        for (&s, &(from, _)) in &affected {
            if from > 0 {
                // The restart point must not have seen the forgotten data; with the checks
                // above this can only fail for an ensemble whose checkpoints were mixed up.
                let expected = fingerprint(
                    &after
                        .stage(s, from - 1)
                        .iter()
                        .map(|&i| remaining.ids[i])
                        .collect::<Vec<_>>(),
                );
                if self.shards[s].stages[from - 1].ids_fingerprint != expected {
                    return Err(SisaError::Mismatch(format!(
                        "shard {s}: the checkpoint of stage {} was not trained on the data its stage holds now",
                        from - 1
                    )));
                }
            }
        }
        Ok(ForgetPlan {
            remaining,
            layout: after,
            affected,
            forget_ids: forget.iter().map(|&i| data.ids[i]).collect(),
            parent_sha256: self.weights_sha256(),
        })
    }

    /// The parts of the ensemble after `plan`'s deletion, given its constituents `shards`
    /// (this ensemble's, with the affected ones retrained): lineage method `sisa`, parent
    /// this ensemble, removed ids grown by the request.
    pub fn forgotten_parts(&self, plan: &ForgetPlan, shards: Vec<Shard>) -> SisaParts {
        let mut removed_ids = self.removed_ids.clone();
        removed_ids.extend(&plan.forget_ids);
        SisaParts {
            spec: self.spec().clone(),
            config: self.config.clone(),
            train_config: self.train_config.clone(),
            dataset: self.dataset_spec(),
            shards,
            removed_ids,
            trained_ids_fingerprint: fingerprint(&plan.remaining.ids),
            parent_sha256: Some(plan.parent_sha256.clone()),
            method: METHOD_FORGET.into(),
            forget_fingerprint: Some(fingerprint(&plan.forget_ids)),
        }
    }

    /// Sorted unique indices into `data` of the ids to forget, after checking the request.
    fn check_request(&self, data: &Split, ids: &[SampleId]) -> Result<Vec<usize>, SisaError> {
        if ids.is_empty() {
            return Err(SisaError::EmptyForgetSet);
        }
        check_fit(self.spec(), data, &self.dataset)?;
        let index = data.id_index();
        let mut out = BTreeSet::new();
        for (k, &id) in ids.iter().enumerate() {
            if self.removed_ids.binary_search(&id).is_ok() {
                return Err(SisaError::AlreadyForgotten(id));
            }
            let &i = index.get(&id).ok_or_else(|| DataError::UnknownId {
                id,
                context: format!("forget ids[{k}], not in the data passed to forget"),
            })?;
            out.insert(i);
        }
        if out.len() == data.len() {
            return Err(SisaError::Mismatch(
                "the forget set covers every training sample".into(),
            ));
        }
        Ok(out.into_iter().collect())
    }
}
