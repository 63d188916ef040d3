//! One constituent: its stage-by-stage training and the checkpoint after each stage.

use crate::assign::Layout;
use crate::SisaError;
use oubli_data::Split;
use oubli_model::{
    derive_seed, train_from, Network, OptimizerState, Params, Silent, ValidTrainConfig,
};

/// The state after one training stage: enough to resume training bit for bit, plus what the
/// stage trained on (so a restart can check it still holds).
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Parameters after the stage.
    pub params: Params,
    /// Optimiser state after the stage (moments and step count).
    pub state: OptimizerState,
    /// Samples the stage trained on (slices `0..=stage` of the shard).
    pub samples: usize,
    /// `oubli_data::fingerprint` of those samples' ids.
    pub ids_fingerprint: String,
}

/// One constituent model: the checkpoint after each of its `R` stages. The last one holds the
/// constituent's parameters and covers the whole shard.
#[derive(Debug, Clone, PartialEq)]
pub struct Shard {
    /// One checkpoint per stage, in stage order.
    pub stages: Vec<Checkpoint>,
}

impl Shard {
    /// The constituent's parameters (those after the last stage).
    pub fn params(&self) -> &Params {
        &self.last().params
    }

    /// Samples in the shard.
    pub fn samples(&self) -> usize {
        self.last().samples
    }

    /// Fingerprint of the shard's sample ids.
    pub fn ids_fingerprint(&self) -> &str {
        &self.last().ids_fingerprint
    }

    /// SHA-256 of the constituent's weights ([`Params::sha256`]): what a standalone model
    /// file of this constituent would record.
    pub fn weights_sha256(&self) -> String {
        self.params().sha256()
    }

    fn last(&self) -> &Checkpoint {
        self.stages.last().expect("a shard has at least one stage")
    }
}

/// The shuffle stream of stage `stage` of shard `shard`: distinct per (shard, stage) and
/// independent of every other stream, so a stage's batches depend on its own data only.
pub fn shuffle_stream(seed: u64, shard: usize, stage: usize) -> u64 {
    derive_seed(seed, "sisa-shuffle", ((shard as u64) << 32) | stage as u64)
}

/// Cost of a run of stages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StageCost {
    /// Per-sample gradient evaluations.
    pub sample_gradients: u64,
    /// Optimisation steps.
    pub steps: usize,
}

/// Training one shard of an ensemble: the one function behind in-process training
/// ([`crate::SisaModel::train`]), exact forgetting ([`crate::SisaModel::forget`]) and a
/// shard trained as a standalone job, so all three give the same bits by construction.
#[derive(Debug, Clone, Copy)]
pub struct ShardRun<'a> {
    /// The constituents' network.
    pub net: &'a Network,
    /// The training split the layout was computed on.
    pub split: &'a Split,
    /// Which samples each shard and stage trains on.
    pub layout: &'a Layout,
    /// The shard to train.
    pub shard: usize,
    /// Stages per shard (R).
    pub slices: usize,
    /// Training hyperparameters of each stage.
    pub config: &'a ValidTrainConfig,
}

impl ShardRun<'_> {
    /// Trains stages `from..slices`, starting from the checkpoint of stage `from − 1` in
    /// `stages`, or from the shard's own initialisation when `from` is 0. Checkpoints
    /// `from..` are replaced; `on_stage(stage, checkpoint)` sees each new one as soon as it
    /// exists (a job persists it there, so a killed job resumes from it).
    ///
    /// Every stage is a [`train_from`] call over its own data with `config.epochs` epochs,
    /// so its learning-rate schedule and batches depend on that stage's data only, and the
    /// optimiser state carries over from the previous stage as it would in one long run:
    /// resuming from a stored checkpoint is bit-identical to not stopping.
    pub fn train(
        &self,
        stages: &mut Vec<Checkpoint>,
        from: usize,
        on_stage: &mut dyn FnMut(usize, &Checkpoint) -> Result<(), SisaError>,
    ) -> Result<StageCost, SisaError> {
        let (net, config, shard) = (self.net, self.config, self.shard);
        if from > stages.len() || from > self.slices {
            return Err(SisaError::Mismatch(format!(
                "shard {shard}: cannot resume at stage {from} with {} checkpoints of {} stages",
                stages.len(),
                self.slices
            )));
        }
        let (mut params, mut state) = match from {
            0 => {
                let seed = derive_seed(config.seed, "sisa-init", shard as u64);
                let params = Params::init(net.spec(), seed);
                let state =
                    OptimizerState::new(config.optimizer, params.len(), config.momentum as f32);
                (params, state)
            }
            _ => (
                stages[from - 1].params.clone(),
                stages[from - 1].state.clone(),
            ),
        };
        stages.truncate(from);
        let mut cost = StageCost::default();
        for stage in from..self.slices {
            let data = self.split.subset(&self.layout.stage(shard, stage));
            let stream = shuffle_stream(config.seed, shard, stage);
            let stats = train_from(
                net,
                &mut params,
                &mut state,
                &data,
                config,
                stream,
                &mut Silent,
            )?;
            cost.sample_gradients += stats.sample_gradients;
            cost.steps += stats.steps;
            let checkpoint = Checkpoint {
                params: params.clone(),
                state: state.clone(),
                samples: data.len(),
                ids_fingerprint: data.fingerprint(),
            };
            on_stage(stage, &checkpoint)?;
            stages.push(checkpoint);
        }
        Ok(cost)
    }

    /// The `oubli_data::fingerprint` of the ids stage `stage` trains on: what its checkpoint
    /// must record to be resumed from.
    pub fn stage_fingerprint(&self, stage: usize) -> String {
        let ids: Vec<_> = self
            .layout
            .stage(self.shard, stage)
            .iter()
            .map(|&i| self.split.ids[i])
            .collect();
        oubli_data::fingerprint(&ids)
    }
}
