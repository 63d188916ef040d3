//! One constituent: its stage-by-stage training and the checkpoint after each stage.

use crate::assign::Layout;
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
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StageCost {
    pub sample_gradients: u64,
    pub steps: usize,
}

/// Trains stages `from..slices` of `shard` on `split` (the shard's data found through
/// `layout`), starting from the checkpoint of stage `from − 1`, or from the shard's own
/// initialisation when `from` is 0. Checkpoints `from..` are replaced.
///
/// Every stage is a [`train_from`] call over its own data with `config.epochs` epochs, so
/// its learning-rate schedule and batches depend on that stage's data only, and the
/// optimiser state carries over from the previous stage as it would in one long run.
#[allow(clippy::too_many_arguments)] // internal: one call site each in training and forgetting
pub(crate) fn train_stages(
    net: &Network,
    split: &Split,
    layout: &Layout,
    shard: usize,
    from: usize,
    slices: usize,
    stages: &mut Vec<Checkpoint>,
    config: &ValidTrainConfig,
) -> Result<StageCost, oubli_model::ModelError> {
    let (mut params, mut state) = match from {
        0 => {
            let seed = derive_seed(config.seed, "sisa-init", shard as u64);
            let params = Params::init(net.spec(), seed);
            let state = OptimizerState::new(config.optimizer, params.len(), config.momentum as f32);
            (params, state)
        }
        _ => (
            stages[from - 1].params.clone(),
            stages[from - 1].state.clone(),
        ),
    };
    stages.truncate(from);
    let mut cost = StageCost::default();
    for stage in from..slices {
        let data = split.subset(&layout.stage(shard, stage));
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
        stages.push(Checkpoint {
            params: params.clone(),
            state: state.clone(),
            samples: data.len(),
            ids_fingerprint: data.fingerprint(),
        });
    }
    Ok(cost)
}
