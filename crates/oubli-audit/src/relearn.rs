//! Relearn time (Golatkar et al. 2020): how many fine-tuning steps on the
//! forget set bring a model's forget accuracy back to the original's. A model
//! that only hid the forget set (rather than forgetting it) snaps back much
//! faster than the retrained oracle, which has to learn it anew.

use oubli_data::Split;
use oubli_model::{evaluate, gather_rows, one_hot, Network, OptimizerKind, OptimizerState, Params};
use rand::seq::SliceRandom;

use crate::shadows::rng;

/// Fine-tuning settings shared by both relearn runs.
pub(crate) struct Relearn<'a> {
    /// The architecture.
    pub net: &'a Network,
    /// Batches are drawn from here (the whole forget set).
    pub forget: &'a Split,
    /// Accuracy is checked here after every step (a seeded slice of the
    /// forget set, so the check costs one small forward pass).
    pub check: &'a Split,
    /// Accuracy on `check` that counts as relearned.
    pub target: f64,
    /// Step budget.
    pub max_steps: usize,
    /// Adam learning rate.
    pub lr: f64,
    /// Samples per step.
    pub batch: usize,
    /// Seed of the batch order (the same for both models, so they see the
    /// same batches in the same order).
    pub seed: u64,
}

impl Relearn<'_> {
    /// Steps `start` needs to reach the target; `Some(0)` if it already
    /// does, `None` if the budget runs out first (censored).
    pub fn steps(&self, start: &Params) -> Option<u64> {
        let mut params = start.clone();
        if self.reached(&params) {
            return Some(0);
        }
        let k = self.net.spec().num_classes;
        let mut state = OptimizerState::new(OptimizerKind::Adam, params.len(), 0.9);
        let mask = params.weight_mask();
        let mut r = rng(self.seed, "relearn", 0);
        let mut order: Vec<usize> = Vec::new();
        let mut cursor = 0;
        for step in 1..=self.max_steps {
            // Epochs over the forget set, reshuffled each time round.
            if cursor >= order.len() {
                order = (0..self.forget.len()).collect();
                order.shuffle(&mut r);
                cursor = 0;
            }
            let end = (cursor + self.batch).min(order.len());
            let idx = &order[cursor..end];
            cursor = end;
            let x = gather_rows(self.forget, idx);
            let labels: Vec<u32> = idx.iter().map(|&i| self.forget.labels[i]).collect();
            let targets = one_hot(&labels, k);
            let (_, grad) =
                self.net
                    .loss_and_grad(&params, &x, &targets, idx.len(), idx.len() as f32);
            state.step(&mut params.data, &grad, self.lr as f32, 0.0, &mask);
            if self.reached(&params) {
                return Some(step as u64);
            }
        }
        None
    }

    fn reached(&self, params: &Params) -> bool {
        evaluate(self.net, params, self.check).accuracy >= self.target
    }
}
