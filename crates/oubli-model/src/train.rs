//! Deterministic minibatch training.

use crate::config::{derive_seed, ValidTrainConfig};
use crate::network::Network;
use crate::optim::OptimizerState;
use crate::params::Params;
use crate::ModelError;
use oubli_data::{SampleId, Split};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::time::Instant;

/// What one optimisation step did; handed to [`TrainObserver::on_step`].
pub struct StepRecord<'a> {
    /// Epoch (0-based).
    pub epoch: usize,
    /// Global step (0-based).
    pub step: usize,
    /// Ids of the samples in the batch.
    pub batch_ids: &'a [SampleId],
    /// Parameters before the step (empty unless the observer asked for them with
    /// [`TrainObserver::wants_parameters`]).
    pub before: &'a [f32],
    /// Parameters after the step.
    pub after: &'a [f32],
    /// Batch loss.
    pub loss: f32,
}

/// Hooks into training: progress display, stored updates (amnesiac), logging.
pub trait TrainObserver {
    /// Whether [`StepRecord::before`] should hold the parameters before each step. Copying
    /// them costs a full parameter copy per step, so only recorders of updates ask.
    fn wants_parameters(&self) -> bool {
        false
    }
    /// Called once before the first step with the total number of steps.
    fn on_start(&mut self, _total_steps: usize) {}
    /// Called after every step.
    fn on_step(&mut self, _record: &StepRecord<'_>) {}
    /// Called after every epoch with its mean loss.
    fn on_epoch(&mut self, _epoch: usize, _mean_loss: f32) {}
}

/// An observer that does nothing.
pub struct Silent;
impl TrainObserver for Silent {}

/// Statistics of a training run.
#[derive(Debug, Clone, Serialize)]
pub struct TrainStats {
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Optimisation steps taken.
    pub steps: usize,
    /// Per-sample gradient evaluations (Σ batch sizes): the unit in which unlearning cost is
    /// compared with retraining.
    pub sample_gradients: u64,
    /// Mean loss of each epoch.
    pub epoch_losses: Vec<f32>,
}

/// One-hot target rows for `labels`.
pub fn one_hot(labels: &[u32], num_classes: usize) -> Vec<f32> {
    let mut t = vec![0.0; labels.len() * num_classes];
    for (i, &y) in labels.iter().enumerate() {
        t[i * num_classes + y as usize] = 1.0;
    }
    t
}

/// Gathers the features of `indices` into one contiguous batch.
pub fn gather_rows(split: &Split, indices: &[usize]) -> Vec<f32> {
    let mut x = Vec::with_capacity(indices.len() * split.dim);
    for &i in indices {
        x.extend_from_slice(split.row(i));
    }
    x
}

/// An epoch whose mean loss exceeds this many times the reference loss (see
/// [`DivergenceGuard`]) has diverged: cross-entropy that large means the true class gets a
/// probability below e^-(1000 ln K), which no converging run passes through.
pub const DIVERGENCE_FACTOR: f32 = 1e3;

/// Stops a run whose loss is non-finite or has exploded. The reference is the larger of the
/// first step's loss and ln K (the loss of a uniform prediction), so a run continued from
/// an already small loss (SISA stages, fine-tuning) is not stopped for a harmless rise.
struct DivergenceGuard {
    floor: f32,
    reference: Option<f32>,
    lr: f64,
}

impl DivergenceGuard {
    fn new(num_classes: usize, lr: f64) -> Self {
        Self {
            floor: (num_classes.max(2) as f32).ln(),
            reference: None,
            lr,
        }
    }

    fn check_step(&mut self, epoch: usize, loss: f32) -> Result<(), ModelError> {
        if !loss.is_finite() {
            return Err(self.diverged(epoch, loss));
        }
        self.reference.get_or_insert(loss.max(self.floor));
        Ok(())
    }

    fn check_epoch(&self, epoch: usize, mean: f32) -> Result<(), ModelError> {
        match self.reference {
            Some(r) if !mean.is_finite() || mean > DIVERGENCE_FACTOR * r => {
                Err(self.diverged(epoch, mean))
            }
            _ => Ok(()),
        }
    }

    fn diverged(&self, epoch: usize, loss: f32) -> ModelError {
        ModelError::Diverged {
            epoch: epoch + 1,
            loss,
            reference: self.reference.unwrap_or(self.floor),
            lr: self.lr,
        }
    }
}

/// Trains from scratch: parameters initialised from `config.seed`, then [`train_from`].
pub fn train(
    net: &Network,
    data: &Split,
    config: &ValidTrainConfig,
    observer: &mut dyn TrainObserver,
) -> Result<(Params, TrainStats), ModelError> {
    let mut params = Params::init(net.spec(), derive_seed(config.seed, "init", 0));
    let mut state = OptimizerState::new(config.optimizer, params.len(), config.momentum as f32);
    let stats = train_from(net, &mut params, &mut state, data, config, 0, observer)?;
    Ok((params, stats))
}

/// Continues training `params` with optimiser `state` on `data` for `config.epochs` epochs.
///
/// Shuffling uses a stream derived only from `(config.seed, shuffle_stream)`, so the same
/// parameters, state, data and config always give the same run, bit for bit: the property
/// the exactness proof of SISA unlearning rests on.
///
/// # Errors
/// [`ModelError::Diverged`] as soon as a batch loss is non-finite, or after an epoch whose
/// mean loss is over [`DIVERGENCE_FACTOR`] times the first step's (or ln K, if larger):
/// the weights would be garbage, so no model is returned.
pub fn train_from(
    net: &Network,
    params: &mut Params,
    state: &mut OptimizerState,
    data: &Split,
    config: &ValidTrainConfig,
    shuffle_stream: u64,
    observer: &mut dyn TrainObserver,
) -> Result<TrainStats, ModelError> {
    let start = Instant::now();
    let k = net.spec().num_classes;
    let n = data.len();
    let batches_per_epoch = n.div_ceil(config.batch_size);
    // Saturating: `epochs` can be any usize a user typed; the run stops long before.
    let total = batches_per_epoch.saturating_mul(config.epochs);
    let decay_mask = params.weight_mask();
    let mut rng = ChaCha8Rng::seed_from_u64(derive_seed(config.seed, "shuffle", shuffle_stream));
    let mut order: Vec<usize> = (0..n).collect();
    let mut stats = TrainStats {
        seconds: 0.0,
        steps: 0,
        sample_gradients: 0,
        epoch_losses: vec![],
    };
    observer.on_start(total);
    let mut before = Vec::new();
    let keep_before = observer.wants_parameters();
    let mut guard = DivergenceGuard::new(k, config.lr);
    for epoch in 0..config.epochs {
        order.sort_unstable();
        order.shuffle(&mut rng);
        let mut loss_sum = 0.0f64;
        for batch in order.chunks(config.batch_size) {
            let x = gather_rows(data, batch);
            let labels: Vec<u32> = batch.iter().map(|&i| data.labels[i]).collect();
            let targets = one_hot(&labels, k);
            let lr = config.schedule.lr(config.lr, stats.steps, total, epoch) as f32;
            if keep_before {
                before.clear();
                before.extend_from_slice(&params.data);
            }
            // The pass and the update in one visit to rayon's pool (see `on_pool`).
            let loss = crate::native::on_pool(|| {
                let (loss, grad) =
                    net.loss_and_grad(params, &x, &targets, batch.len(), batch.len() as f32);
                state.step(
                    &mut params.data,
                    &grad,
                    lr,
                    config.weight_decay as f32,
                    &decay_mask,
                );
                loss
            });
            let ids: Vec<SampleId> = batch.iter().map(|&i| data.ids[i]).collect();
            observer.on_step(&StepRecord {
                epoch,
                step: stats.steps,
                batch_ids: &ids,
                before: &before,
                after: &params.data,
                loss,
            });
            loss_sum += f64::from(loss) * batch.len() as f64;
            stats.steps += 1;
            stats.sample_gradients += batch.len() as u64;
            guard.check_step(epoch, loss)?;
        }
        let mean = (loss_sum / n.max(1) as f64) as f32;
        stats.epoch_losses.push(mean);
        observer.on_epoch(epoch, mean);
        guard.check_epoch(epoch, mean)?;
    }
    stats.seconds = start.elapsed().as_secs_f64();
    Ok(stats)
}
