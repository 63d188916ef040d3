//! Fully connected layers in PyTorch's layout (`weight` is `[out, in]`, `y = x Wᵀ + b`) and
//! the ReLU stack they make: the whole of `logreg` and `mlp`, and the head of `cnn`.

use super::gemm::{matmul, Mat};
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
    /// `y = x Wᵀ + b` for `n` rows; `y` is overwritten.
    fn forward(&self, params: &[f32], x: &[f32], n: usize, y: &mut [f32]) {
        let bias = &params[self.bias.clone()];
        for row in y.chunks_exact_mut(self.outputs) {
            row.copy_from_slice(bias);
        }
        let w = Mat::new(&params[self.weight.clone()], self.outputs, self.inputs);
        matmul(y, Mat::new(x, n, self.inputs), w.t(), true);
    }

    /// Writes `dW = dyᵀ x` and `db = Σ_rows dy` into `grad` (the whole flat gradient), and
    /// returns `dx = dy W` when asked.
    fn backward(
        &self,
        params: &[f32],
        x: &[f32],
        dy: &[f32],
        n: usize,
        grad: &mut [f32],
        want_dx: bool,
    ) -> Option<Vec<f32>> {
        let dy_m = Mat::new(dy, n, self.outputs);
        matmul(
            &mut grad[self.weight.clone()],
            dy_m.t(),
            Mat::new(x, n, self.inputs),
            false,
        );
        let db = &mut grad[self.bias.clone()];
        db.fill(0.0);
        for row in dy.chunks_exact(self.outputs) {
            for (g, d) in db.iter_mut().zip(row) {
                *g += d;
            }
        }
        want_dx.then(|| {
            let mut dx = vec![0.0; n * self.inputs];
            let w = Mat::new(&params[self.weight.clone()], self.outputs, self.inputs);
            matmul(&mut dx, dy_m, w, false);
            dx
        })
    }
}

/// Linear layers with a ReLU between each two (none after the last).
#[derive(Debug, Clone)]
pub(crate) struct DenseStack {
    pub layers: Vec<Linear>,
}

impl DenseStack {
    /// The outputs of every layer for `n` rows of `x`: hidden activations after their ReLU,
    /// and last the logits.
    pub fn forward(&self, params: &[f32], x: &[f32], n: usize) -> Vec<Vec<f32>> {
        let mut outs: Vec<Vec<f32>> = Vec::with_capacity(self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            let input = outs.last().map_or(x, Vec::as_slice);
            let mut y = vec![0.0; n * layer.outputs];
            layer.forward(params, input, n, &mut y);
            if l + 1 < self.layers.len() {
                y.iter_mut().for_each(|v| *v = v.max(0.0));
            }
            outs.push(y);
        }
        outs
    }

    /// Back-propagates `dz`, the gradient of the loss by the logits, through the stack:
    /// every layer's gradient goes into `grad`; the gradient by `x` is returned when asked.
    pub fn backward(
        &self,
        params: &[f32],
        x: &[f32],
        outs: &[Vec<f32>],
        dz: Vec<f32>,
        n: usize,
        grad: &mut [f32],
        want_dx: bool,
    ) -> Option<Vec<f32>> {
        let mut dy = dz;
        for l in (0..self.layers.len()).rev() {
            let input = if l == 0 { x } else { &outs[l - 1] };
            let dx = self.layers[l].backward(params, input, &dy, n, grad, l > 0 || want_dx);
            match dx {
                Some(mut dx) if l > 0 => {
                    // ReLU: the gradient passes where the activation was positive.
                    for (d, a) in dx.iter_mut().zip(input) {
                        if *a <= 0.0 {
                            *d = 0.0;
                        }
                    }
                    dy = dx;
                }
                dx => return dx,
            }
        }
        None
    }
}
