//! burn's autodiff over the same networks: the reference the hand-written passes of
//! [`crate::native`] are checked against (`tests/native_passes.rs`), and the engine every
//! pass ran on before them (`step_bench` runs both side by side).
//!
//! Parameters are uploaded from the flat [`Params`] vector as leaf tensors for each pass and
//! the gradients come back as a flat vector, so the reference sees exactly the inputs the
//! native passes see.

use crate::params::Params;
use crate::spec::{Arch, ModelSpec, CONV_KERNEL, CONV_PADDING};
use burn::tensor::activation::{log_softmax, relu};
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

/// burn's autodiff for one [`ModelSpec`].
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    spec: ModelSpec,
    autodiff: Device,
}

impl Reference {
    pub fn new(spec: ModelSpec) -> Self {
        Self {
            spec,
            autodiff: Device::flex().autodiff(),
        }
    }

    /// Every parameter as a leaf tensor that records its gradient.
    fn upload(&self, params: &Params) -> Vec<Leaf> {
        let device = &self.autodiff;
        params
            .shapes
            .iter()
            .zip(params.ranges())
            .map(|(s, (a, b))| {
                let data = TensorData::new(params.data[a..b].to_vec(), s.shape.clone());
                match s.shape.len() {
                    1 => Leaf::R1(Tensor::<1>::from_data(data, device).require_grad()),
                    2 => Leaf::R2(Tensor::<2>::from_data(data, device).require_grad()),
                    _ => Leaf::R4(Tensor::<4>::from_data(data, device).require_grad()),
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

    fn input(&self, x: &[f32], n: usize) -> Tensor<2> {
        let d = self.spec.input_dim();
        assert_eq!(
            x.len(),
            n * d,
            "input has {} floats, expected {n}×{d}",
            x.len()
        );
        Tensor::<2>::from_data(TensorData::new(x.to_vec(), [n, d]), &self.autodiff)
    }

    /// What `Network::loss_and_grad` computes, by burn's autodiff.
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
        let leaves = self.upload(params);
        let xb = self.input(x, n);
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
