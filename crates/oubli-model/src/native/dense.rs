//! Fully connected layers in PyTorch's layout (`weight` is `[out, in]`, `y = x Wᵀ + b`) and
//! the ReLU stack they make: the whole of `logreg` and `mlp`, and the head of `cnn`.
//!
//! Activations are kept feature-major (`[features, rows]`, i.e. `yᵀ`), so that every large
//! product has the layer's units as its destination rows: [`par_matmul`] splits those
//! across threads without any reduction, and each block reads only its own share of the
//! weights. Only the stack's input (and its gradient) is row-major, as callers hold it.

use super::gemm::{par_matmul, Mat};
use std::ops::Range;

/// Where one linear layer's weight and bias sit in the flat parameter vector.
#[derive(Debug, Clone)]
pub(crate) struct Linear {
    pub weight: Range<usize>,
    pub bias: Range<usize>,
    pub inputs: usize,
    pub outputs: usize,
}

impl Linear {
    fn weight<'a>(&self, params: &'a [f32]) -> Mat<'a> {
        Mat::new(&params[self.weight.clone()], self.outputs, self.inputs)
    }

    /// `yᵀ = W xᵀ + b` for `n` rows of the input view `x` (rows × inputs).
    fn forward(&self, params: &[f32], x: Mat<'_>, n: usize) -> Vec<f32> {
        let mut yt = vec![0.0; self.outputs * n];
        for (row, b) in yt.chunks_exact_mut(n).zip(&params[self.bias.clone()]) {
            row.fill(*b);
        }
        par_matmul(&mut yt, self.weight(params), x.t(), true);
        yt
    }

    /// Writes `dW = dyᵀ x` and `db = Σ_rows dy` into `grad` (the whole flat gradient).
    fn backward(&self, x: Mat<'_>, dyt: &[f32], n: usize, grad: &mut [f32]) {
        let dyt_m = Mat::new(dyt, self.outputs, n);
        par_matmul(&mut grad[self.weight.clone()], dyt_m, x, false);
        for (g, row) in grad[self.bias.clone()].iter_mut().zip(dyt.chunks_exact(n)) {
            *g = row.iter().sum();
        }
    }
}

/// Linear layers with a ReLU between each two (none after the last).
#[derive(Debug, Clone)]
pub(crate) struct DenseStack {
    pub layers: Vec<Linear>,
}

impl DenseStack {
    /// The outputs of every layer for `n` rows of `x` (row-major), feature-major: hidden
    /// activations after their ReLU, and last the logits.
    pub fn forward(&self, params: &[f32], x: &[f32], n: usize) -> Vec<Vec<f32>> {
        let mut outs: Vec<Vec<f32>> = Vec::with_capacity(self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            let input = match outs.last() {
                Some(prev) => Mat::new(prev, layer.inputs, n).t(),
                None => Mat::new(x, n, layer.inputs),
            };
            let mut yt = layer.forward(params, input, n);
            if l + 1 < self.layers.len() {
                yt.iter_mut().for_each(|v| *v = v.max(0.0));
            }
            outs.push(yt);
        }
        outs
    }

    /// Back-propagates `dzt`, the gradient of the loss by the logits (feature-major),
    /// through the stack: every layer's gradient goes into `grad`; the gradient by `x`
    /// (row-major, like `x`) is returned when asked.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        params: &[f32],
        x: &[f32],
        outs: &[Vec<f32>],
        dzt: Vec<f32>,
        n: usize,
        grad: &mut [f32],
        want_dx: bool,
    ) -> Option<Vec<f32>> {
        let mut dyt = dzt;
        for l in (0..self.layers.len()).rev() {
            let layer = &self.layers[l];
            let input = match l {
                0 => Mat::new(x, n, layer.inputs),
                _ => Mat::new(&outs[l - 1], layer.inputs, n).t(),
            };
            layer.backward(input, &dyt, n, grad);
            let dyt_m = Mat::new(&dyt, layer.outputs, n);
            if l == 0 {
                return want_dx.then(|| {
                    let mut dx = vec![0.0; n * layer.inputs];
                    par_matmul(&mut dx, dyt_m.t(), layer.weight(params), false);
                    dx
                });
            }
            let mut dxt = vec![0.0; layer.inputs * n];
            par_matmul(&mut dxt, layer.weight(params).t(), dyt_m, false);
            // ReLU: the gradient passes where the activation was positive.
            for (d, a) in dxt.iter_mut().zip(&outs[l - 1]) {
                if *a <= 0.0 {
                    *d = 0.0;
                }
            }
            dyt = dxt;
        }
        None
    }
}
