//! Forward and backward passes on burn's flex backend.
//!
//! burn is used as the autodiff engine only: parameters live in a flat [`Params`] vector and
//! are uploaded as leaf tensors for each pass, gradients come back as a flat vector. That keeps
//! every unlearning method (masks, noise, stored updates, Newton steps) plain Rust, and keeps
//! randomness out of burn's process-global RNG, which is what makes training bit-reproducible.

use crate::params::Params;
use crate::spec::{Arch, ModelSpec, CONV_KERNEL, CONV_PADDING};
use burn::tensor::activation::{log_softmax, relu, softmax};
use burn::tensor::module::{conv2d, max_pool2d};
use burn::tensor::ops::{ConvOptions, MaxPoolOptions};
use burn::tensor::{Device, Tensor, TensorData};

/// One uploaded parameter tensor of whichever rank.
#[derive(Clone)]
enum Leaf {
    R1(Tensor<1>),
    R2(Tensor<2>),
    R4(Tensor<4>),
}

impl Leaf {
    fn r1(&self) -> Tensor<1> {
        match self {
            Leaf::R1(t) => t.clone(),
            _ => unreachable!("layout is fixed by ModelSpec::param_shapes"),
        }
    }
    fn r2(&self) -> Tensor<2> {
        match self {
            Leaf::R2(t) => t.clone(),
            _ => unreachable!("layout is fixed by ModelSpec::param_shapes"),
        }
    }
    fn r4(&self) -> Tensor<4> {
        match self {
            Leaf::R4(t) => t.clone(),
            _ => unreachable!("layout is fixed by ModelSpec::param_shapes"),
        }
    }
    fn grad_into(&self, grads: &burn::tensor::Gradients, out: &mut Vec<f32>, numel: usize) {
        let g = match self {
            Leaf::R1(t) => t.grad(grads).map(|g| g.into_data()),
            Leaf::R2(t) => t.grad(grads).map(|g| g.into_data()),
            Leaf::R4(t) => t.grad(grads).map(|g| g.into_data()),
        };
        match g {
            Some(data) => out.extend_from_slice(data.as_slice::<f32>().expect("f32 gradient")),
            // A parameter the loss does not reach has a zero gradient.
            None => out.extend(std::iter::repeat_n(0.0, numel)),
        }
    }
}

/// A network with its parameters already uploaded: see [`Network::prepare`].
#[derive(Clone)]
pub struct PreparedNetwork {
    net: Network,
    leaves: Vec<Leaf>,
}

impl PreparedNetwork {
    /// Softmax probabilities (row-major `n × num_classes`).
    pub fn probabilities(&self, x: &[f32], n: usize) -> Vec<f32> {
        self.net.batched_on(&self.leaves, x, n, |t| softmax(t, 1))
    }
}

impl std::fmt::Debug for PreparedNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedNetwork")
            .field("spec", &self.net.spec)
            .finish_non_exhaustive()
    }
}

/// A network of a given [`ModelSpec`], able to run forward and backward passes.
#[derive(Debug, Clone)]
pub struct Network {
    spec: ModelSpec,
    device: Device,
    autodiff: Device,
}

/// Rows per inference batch: large enough to amortise dispatch, small enough for cache.
const EVAL_BATCH: usize = 512;

impl Network {
    /// A network for `spec` on the flex CPU backend.
    pub fn new(spec: ModelSpec) -> Result<Self, crate::ModelError> {
        spec.validate()?;
        let device = Device::flex();
        Ok(Self {
            spec,
            autodiff: device.clone().autodiff(),
            device,
        })
    }

    /// The spec this network runs.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    fn upload(&self, params: &Params, device: &Device, track: bool) -> Vec<Leaf> {
        params
            .shapes
            .iter()
            .zip(params.ranges())
            .map(|(s, (a, b))| {
                let data = TensorData::new(params.data[a..b].to_vec(), s.shape.clone());
                let leaf = match s.shape.len() {
                    1 => Leaf::R1(Tensor::<1>::from_data(data, device)),
                    2 => Leaf::R2(Tensor::<2>::from_data(data, device)),
                    _ => Leaf::R4(Tensor::<4>::from_data(data, device)),
                };
                if !track {
                    return leaf;
                }
                match leaf {
                    Leaf::R1(t) => Leaf::R1(t.require_grad()),
                    Leaf::R2(t) => Leaf::R2(t.require_grad()),
                    Leaf::R4(t) => Leaf::R4(t.require_grad()),
                }
            })
            .collect()
    }

    fn linear(x: Tensor<2>, w: &Leaf, b: &Leaf) -> Tensor<2> {
        // PyTorch layout: weight is [out, in], y = x Wᵀ + b.
        x.matmul(w.r2().transpose()) + b.r1().unsqueeze::<2>()
    }

    fn forward(&self, leaves: &[Leaf], x: Tensor<2>) -> Tensor<2> {
        let n = x.dims()[0];
        match &self.spec.arch {
            Arch::Logreg => Self::linear(x, &leaves[0], &leaves[1]),
            Arch::Mlp { .. } => {
                let layers = leaves.len() / 2;
                let mut h = x;
                for l in 0..layers {
                    h = Self::linear(h, &leaves[2 * l], &leaves[2 * l + 1]);
                    if l + 1 < layers {
                        h = relu(h);
                    }
                }
                h
            }
            Arch::Cnn { .. } => {
                let s = &self.spec.input_shape;
                let img: Tensor<4> = x.reshape([n, s[0], s[1], s[2]]);
                let conv = ConvOptions::new([1, 1], [CONV_PADDING; 2], [1, 1], 1);
                let pool = MaxPoolOptions::new([2, 2]);
                debug_assert_eq!(CONV_KERNEL, 5);
                let h = conv2d(img, leaves[0].r4(), Some(leaves[1].r1()), conv.clone());
                let h = max_pool2d(relu(h), pool.clone());
                let h = conv2d(h, leaves[2].r4(), Some(leaves[3].r1()), conv);
                let h = max_pool2d(relu(h), pool);
                let [_, c, hh, ww] = h.dims();
                let flat: Tensor<2> = h.reshape([n, c * hh * ww]);
                let h = relu(Self::linear(flat, &leaves[4], &leaves[5]));
                Self::linear(h, &leaves[6], &leaves[7])
            }
        }
    }

    fn input(&self, x: &[f32], n: usize, device: &Device) -> Tensor<2> {
        let d = self.spec.input_dim();
        assert_eq!(
            x.len(),
            n * d,
            "input has {} floats, expected {n}×{d}",
            x.len()
        );
        Tensor::<2>::from_data(TensorData::new(x.to_vec(), [n, d]), device)
    }

    /// Logits (row-major `n × num_classes`) for `n` samples.
    pub fn logits(&self, params: &Params, x: &[f32], n: usize) -> Vec<f32> {
        self.batched(params, x, n, |t| t)
    }

    /// Softmax probabilities (row-major `n × num_classes`).
    pub fn probabilities(&self, params: &Params, x: &[f32], n: usize) -> Vec<f32> {
        self.batched(params, x, n, |t| softmax(t, 1))
    }

    /// The parameters uploaded once, for repeated inference (serving): each call then costs
    /// its forward pass only, not a copy of every weight (on the MNIST MLP that copy was
    /// the largest cost of a one-row prediction). Outputs are bit-identical to
    /// [`Network::probabilities`].
    pub fn prepare(&self, params: &Params) -> PreparedNetwork {
        PreparedNetwork {
            leaves: self.upload(params, &self.device, false),
            net: self.clone(),
        }
    }

    fn batched(
        &self,
        params: &Params,
        x: &[f32],
        n: usize,
        head: impl Fn(Tensor<2>) -> Tensor<2>,
    ) -> Vec<f32> {
        let leaves = self.upload(params, &self.device, false);
        self.batched_on(&leaves, x, n, head)
    }

    fn batched_on(
        &self,
        leaves: &[Leaf],
        x: &[f32],
        n: usize,
        head: impl Fn(Tensor<2>) -> Tensor<2>,
    ) -> Vec<f32> {
        let d = self.spec.input_dim();
        let mut out = Vec::with_capacity(n * self.spec.num_classes);
        for start in (0..n).step_by(EVAL_BATCH) {
            let m = EVAL_BATCH.min(n - start);
            let xb = self.input(&x[start * d..(start + m) * d], m, &self.device);
            let data = head(self.forward(leaves, xb)).into_data();
            out.extend_from_slice(data.as_slice::<f32>().expect("f32 logits"));
        }
        out
    }

    /// Width of the last linear layer's input: the dimension of [`Network::penultimate`]
    /// (the input dimension for `logreg`, the last hidden width for `mlp`, `fc1`'s width
    /// for `cnn`).
    pub fn penultimate_dim(&self) -> usize {
        let shapes = self.spec.param_shapes();
        // Layout is (weight, bias) pairs; the last weight is `[num_classes, in]`.
        shapes[shapes.len() - 2].shape[1]
    }

    /// The forward pass without the last linear layer (row-major `n × penultimate_dim`),
    /// batched like [`Network::logits`]: the frozen features a linear head such as a
    /// certified-removal logistic regression can be trained on. For `logreg` this is the
    /// input itself.
    pub fn penultimate(&self, params: &Params, x: &[f32], n: usize) -> Vec<f32> {
        let d = self.spec.input_dim();
        let leaves = self.upload(params, &self.device, false);
        let mut out = Vec::with_capacity(n * self.penultimate_dim());
        for start in (0..n).step_by(EVAL_BATCH) {
            let m = EVAL_BATCH.min(n - start);
            let xb = self.input(&x[start * d..(start + m) * d], m, &self.device);
            let data = self.trunk(&leaves, xb).into_data();
            out.extend_from_slice(data.as_slice::<f32>().expect("f32 features"));
        }
        out
    }

    /// Everything `forward` computes before its last linear layer. Kept as a separate copy
    /// (rather than `forward` calling it) so that adding it could not change the training
    /// graph; the test below checks the two stay in step.
    fn trunk(&self, leaves: &[Leaf], x: Tensor<2>) -> Tensor<2> {
        let n = x.dims()[0];
        match &self.spec.arch {
            Arch::Logreg => x,
            Arch::Mlp { .. } => {
                let layers = leaves.len() / 2;
                let mut h = x;
                for l in 0..layers - 1 {
                    h = relu(Self::linear(h, &leaves[2 * l], &leaves[2 * l + 1]));
                }
                h
            }
            Arch::Cnn { .. } => {
                let s = &self.spec.input_shape;
                let img: Tensor<4> = x.reshape([n, s[0], s[1], s[2]]);
                let conv = ConvOptions::new([1, 1], [CONV_PADDING; 2], [1, 1], 1);
                let pool = MaxPoolOptions::new([2, 2]);
                let h = conv2d(img, leaves[0].r4(), Some(leaves[1].r1()), conv.clone());
                let h = max_pool2d(relu(h), pool.clone());
                let h = conv2d(h, leaves[2].r4(), Some(leaves[3].r1()), conv);
                let h = max_pool2d(relu(h), pool);
                let [_, c, hh, ww] = h.dims();
                let flat: Tensor<2> = h.reshape([n, c * hh * ww]);
                relu(Self::linear(flat, &leaves[4], &leaves[5]))
            }
        }
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
        let k = self.spec.num_classes;
        assert_eq!(targets.len(), n * k, "targets must be n × num_classes");
        let leaves = self.upload(params, &self.autodiff, true);
        let xb = self.input(x, n, &self.autodiff);
        let t = Tensor::<2>::from_data(TensorData::new(targets.to_vec(), [n, k]), &self.autodiff);
        let logp = log_softmax(self.forward(&leaves, xb), 1);
        let loss = (logp * t).sum().neg().div_scalar(denom);
        let grads = loss.backward();
        let loss_value = loss.into_data().as_slice::<f32>().expect("f32 loss")[0];
        let mut flat = Vec::with_capacity(params.len());
        for (leaf, s) in leaves.iter().zip(&params.shapes) {
            leaf.grad_into(&grads, &mut flat, s.numel());
        }
        (loss_value, flat)
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
