//! A network of a given [`ModelSpec`]: forward and backward passes over the flat
//! [`Params`] vector.
//!
//! Parameters stay one plain vector in PyTorch's layout, so every unlearning method (masks,
//! noise, stored updates, Newton steps) is plain Rust. The passes are the hand-written ones
//! of [`crate::native`], which read that vector in place; burn's autodiff computes the same
//! loss and gradient in [`Network::loss_and_grad_autodiff`], the reference they are tested
//! against. No pass draws random numbers, which is what keeps training bit-reproducible.

use crate::native::Passes;
use crate::params::Params;
use crate::reference::Reference;
use crate::spec::ModelSpec;
use std::sync::Arc;

/// A network ready for repeated inference with one set of parameters (serving).
#[derive(Clone)]
pub struct PreparedNetwork {
    net: Network,
    params: Params,
}

impl PreparedNetwork {
    /// Softmax probabilities (row-major `n × num_classes`), bit-identical to
    /// [`Network::probabilities`].
    pub fn probabilities(&self, x: &[f32], n: usize) -> Vec<f32> {
        self.net.probabilities(&self.params, x, n)
    }
}

impl std::fmt::Debug for PreparedNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedNetwork")
            .field("spec", &self.net.spec)
            .finish_non_exhaustive()
    }
}

/// Rows that a pass runs on the calling thread, without visiting rayon's pool: a visit
/// costs two context switches, several times a one-row MNIST-MLP prediction (serving) or
/// a small batch's gradient (Fisher estimates, per-sample scores).
const FEW_ROWS: usize = 16;

/// Runs a pass over `n` rows on rayon's pool (see `native::on_pool`), or right here when
/// the rows are few. The bits are the same either way: where a pass runs does not change
/// how it cuts its work.
fn on_pool_unless_few<R: Send>(n: usize, f: impl FnOnce() -> R + Send) -> R {
    if n <= FEW_ROWS {
        f()
    } else {
        crate::native::on_pool(f)
    }
}

/// A network of a given [`ModelSpec`], able to run forward and backward passes.
#[derive(Debug, Clone)]
pub struct Network {
    spec: ModelSpec,
    // Shared: a network is cloned per reference model and per prepared model, and the pass
    // layouts never change after `new`.
    passes: Arc<Passes>,
    reference: Arc<Reference>,
}

impl Network {
    /// A network for `spec`.
    pub fn new(spec: ModelSpec) -> Result<Self, crate::ModelError> {
        spec.validate()?;
        Ok(Self {
            passes: Arc::new(Passes::new(&spec)),
            reference: Arc::new(Reference::new(spec.clone())),
            spec,
        })
    }

    /// The spec this network runs.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// Logits (row-major `n × num_classes`) for `n` samples.
    pub fn logits(&self, params: &Params, x: &[f32], n: usize) -> Vec<f32> {
        on_pool_unless_few(n, || self.passes.logits(&params.data, x, n))
    }

    /// Softmax probabilities (row-major `n × num_classes`).
    pub fn probabilities(&self, params: &Params, x: &[f32], n: usize) -> Vec<f32> {
        let mut p = self.logits(params, x, n);
        for row in p.chunks_exact_mut(self.spec.num_classes) {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0;
            for v in row.iter_mut() {
                *v = (*v - max).exp();
                sum += *v;
            }
            row.iter_mut().for_each(|v| *v /= sum);
        }
        p
    }

    /// This network with `params`, for repeated inference (serving). The passes read the
    /// parameters in place, so preparing is a copy of them and nothing more.
    pub fn prepare(&self, params: &Params) -> PreparedNetwork {
        PreparedNetwork {
            net: self.clone(),
            params: params.clone(),
        }
    }

    /// Width of the last linear layer's input: the dimension of [`Network::penultimate`]
    /// (the input dimension for `logreg`, the last hidden width for `mlp`, `fc1`'s width
    /// for `cnn`).
    pub fn penultimate_dim(&self) -> usize {
        let shapes = self.spec.param_shapes();
        // Layout is (weight, bias) pairs; the last weight is `[num_classes, in]`.
        shapes[shapes.len() - 2].shape[1]
    }

    /// The forward pass without the last linear layer (row-major `n × penultimate_dim`):
    /// the frozen features a linear head such as a certified-removal logistic regression
    /// can be trained on. For `logreg` this is the input itself.
    pub fn penultimate(&self, params: &Params, x: &[f32], n: usize) -> Vec<f32> {
        let width = self.penultimate_dim();
        on_pool_unless_few(n, || self.passes.penultimate(&params.data, x, n, width))
    }

    /// Loss and its gradient for a batch of `n` samples with target matrix `targets`
    /// (row-major `n × num_classes`):
    ///
    /// `loss = −Σᵢ Σₖ targets[i,k] · log softmax(z)[i,k] / denom`.
    ///
    /// One-hot rows give cross-entropy; soft rows give the cross-entropy to a teacher (whose
    /// gradient equals that of the KL divergence); a row scaled by −1 turns descent into
    /// ascent for that sample. Every method of oubli is built on this one primitive.
    pub fn loss_and_grad(
        &self,
        params: &Params,
        x: &[f32],
        targets: &[f32],
        n: usize,
        denom: f32,
    ) -> (f32, Vec<f32>) {
        on_pool_unless_few(n, || {
            self.passes
                .loss_and_grad(&params.data, x, targets, n, denom)
        })
    }

    /// [`Network::loss_and_grad`] computed by burn's autodiff instead of the hand-written
    /// passes: the reference those are tested against, several times slower. Equal to it
    /// up to float rounding (≤ 1e-5 relative).
    pub fn loss_and_grad_autodiff(
        &self,
        params: &Params,
        x: &[f32],
        targets: &[f32],
        n: usize,
        denom: f32,
    ) -> (f32, Vec<f32>) {
        self.reference.loss_and_grad(params, x, targets, n, denom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The last layer applied by hand to `penultimate` must give `logits`: the trunk is a
    /// copy of `forward` and must not drift from it.
    #[test]
    fn penultimate_then_last_layer_is_the_logits() {
        for name in ["logreg", "mlp", "cnn"] {
            let spec = ModelSpec::by_name(name, vec![1, 8, 8], 3).unwrap();
            let net = Network::new(spec).unwrap();
            let params = Params::init(net.spec(), 7);
            let n = 5;
            let x: Vec<f32> = (0..n * 64).map(|i| ((i * 37) % 17) as f32 / 17.0).collect();
            let feats = net.penultimate(&params, &x, n);
            let h = net.penultimate_dim();
            assert_eq!(feats.len(), n * h, "{name}");
            let ranges = params.ranges();
            let (wa, wb) = ranges[ranges.len() - 2];
            let (ba, _) = ranges[ranges.len() - 1];
            let (w, b) = (&params.data[wa..wb], &params.data[ba..]);
            let logits = net.logits(&params, &x, n);
            for i in 0..n {
                for k in 0..3 {
                    let z: f32 =
                        b[k] + (0..h).map(|j| feats[i * h + j] * w[k * h + j]).sum::<f32>();
                    assert!(
                        (z - logits[i * 3 + k]).abs() < 1e-4,
                        "{name}: {z} vs {}",
                        logits[i * 3 + k]
                    );
                }
            }
        }
    }
}
