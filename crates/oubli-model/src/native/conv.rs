//! "Same" convolutions (stride 1, odd kernel, padding `kernel / 2`) as im2col + GEMM, and
//! the fused ReLU + 2×2 max-pool that follows each of them, for a chunk of samples at once.
//!
//! A chunk's activations are laid out channel-major, `[channels, samples, height, width]`,
//! so that one product covers the whole chunk: `Y[out, samples·pixels] = W[out, patch] ·
//! cols[patch, samples·pixels]`. PyTorch's weight layout `[out, in, kh, kw]`, read
//! row-major, is already that `W`.

use super::gemm::{matmul, Mat};
use std::ops::Range;

/// One conv layer: where its parameters sit and the sizes it runs at.
#[derive(Debug, Clone)]
pub(crate) struct Conv {
    pub weight: Range<usize>,
    pub bias: Range<usize>,
    pub in_channels: usize,
    pub out_channels: usize,
    pub height: usize,
    pub width: usize,
    pub kernel: usize,
    pub padding: usize,
}

impl Conv {
    fn patch(&self) -> usize {
        self.in_channels * self.kernel * self.kernel
    }

    fn pixels(&self) -> usize {
        self.height * self.width
    }

    /// Floats of the column matrix for `samples` samples.
    pub fn cols_len(&self, samples: usize) -> usize {
        self.patch() * samples * self.pixels()
    }

    /// Floats of the output for `samples` samples.
    pub fn out_len(&self, samples: usize) -> usize {
        self.out_channels * samples * self.pixels()
    }

    /// The output columns `lo..hi` whose source column `j + kj − pad` is inside the image.
    fn valid_columns(&self, kj: usize) -> (usize, usize) {
        let (w, p) = (self.width, self.padding);
        (p.saturating_sub(kj), (w + p).saturating_sub(kj).min(w))
    }

    /// `cols[(c, ki, kj), (s, i, j)] = x[c, s, i + ki − pad, j + kj − pad]`, zero outside
    /// the image; `x` is channel-major over `samples` samples.
    pub fn im2col(&self, x: &[f32], samples: usize, cols: &mut [f32]) {
        let (h, w, k, p) = (self.height, self.width, self.kernel, self.padding);
        let plane = h * w;
        debug_assert_eq!(x.len(), self.in_channels * samples * plane);
        for (row, dst) in cols.chunks_exact_mut(samples * plane).enumerate() {
            let (c, ki, kj) = (row / (k * k), (row / k) % k, row % k);
            let (lo, hi) = self.valid_columns(kj);
            for (s, dst) in dst.chunks_exact_mut(plane).enumerate() {
                let src = &x[(c * samples + s) * plane..(c * samples + s + 1) * plane];
                for (i, out) in dst.chunks_exact_mut(w).enumerate() {
                    let r = i + ki;
                    if r < p || r - p >= h || lo >= hi {
                        out.fill(0.0);
                        continue;
                    }
                    let line = &src[(r - p) * w..(r - p + 1) * w];
                    out[..lo].fill(0.0);
                    out[lo..hi].copy_from_slice(&line[lo + kj - p..hi + kj - p]);
                    out[hi..].fill(0.0);
                }
            }
        }
    }

    /// The adjoint of [`Conv::im2col`]: adds each column entry back onto the pixel it came
    /// from (`dx` is overwritten).
    fn col2im(&self, cols: &[f32], samples: usize, dx: &mut [f32]) {
        let (h, w, k, p) = (self.height, self.width, self.kernel, self.padding);
        let plane = h * w;
        dx.fill(0.0);
        for (row, src) in cols.chunks_exact(samples * plane).enumerate() {
            let (c, ki, kj) = (row / (k * k), (row / k) % k, row % k);
            let (lo, hi) = self.valid_columns(kj);
            if lo >= hi {
                continue;
            }
            for (s, src) in src.chunks_exact(plane).enumerate() {
                let img = &mut dx[(c * samples + s) * plane..(c * samples + s + 1) * plane];
                for (i, line) in src.chunks_exact(w).enumerate() {
                    let r = i + ki;
                    if r < p || r - p >= h {
                        continue;
                    }
                    let dst = &mut img[(r - p) * w + lo + kj - p..(r - p) * w + hi + kj - p];
                    for (d, v) in dst.iter_mut().zip(&line[lo..hi]) {
                        *d += v;
                    }
                }
            }
        }
    }

    /// `y = W · cols + b` for the chunk, `y` channel-major.
    pub fn forward(&self, params: &[f32], cols: &[f32], samples: usize, y: &mut [f32]) {
        let n = samples * self.pixels();
        for (row, b) in y.chunks_exact_mut(n).zip(&params[self.bias.clone()]) {
            row.fill(*b);
        }
        let w = Mat::new(
            &params[self.weight.clone()],
            self.out_channels,
            self.patch(),
        );
        matmul(y, w, Mat::new(cols, self.patch(), n), true);
    }

    /// Adds these samples' weight and bias gradients (`dW += dy · colsᵀ`, `db += Σ dy`) to
    /// `grad`, and writes the input gradient into `dx` when given; `cols` is overwritten
    /// then (it is the scratch for the input gradient's columns).
    pub fn backward(
        &self,
        params: &[f32],
        cols: &mut [f32],
        dy: &[f32],
        samples: usize,
        grad: &mut [f32],
        dx: Option<&mut [f32]>,
    ) {
        let n = samples * self.pixels();
        let dy_m = Mat::new(dy, self.out_channels, n);
        let cols_m = Mat::new(cols, self.patch(), n);
        matmul(&mut grad[self.weight.clone()], dy_m, cols_m.t(), true);
        for (g, row) in grad[self.bias.clone()].iter_mut().zip(dy.chunks_exact(n)) {
            *g += row.iter().sum::<f32>();
        }
        if let Some(dx) = dx {
            let w = Mat::new(
                &params[self.weight.clone()],
                self.out_channels,
                self.patch(),
            );
            matmul(cols, w.t(), dy_m, false);
            self.col2im(cols, samples, dx);
        }
    }
}

/// `relu(max_pool_2×2(y))` for each of `planes` `h × w` planes (which equals max-pooling
/// after the ReLU), with the position of each maximum (0–3 within its window) for the
/// backward pass. Odd trailing rows and columns are dropped, as PyTorch's floor mode does.
pub(crate) fn relu_pool_forward(
    y: &[f32],
    planes: usize,
    h: usize,
    w: usize,
    out: &mut [f32],
    argmax: &mut [u8],
) {
    let (oh, ow) = (h / 2, w / 2);
    for c in 0..planes {
        let plane = &y[c * h * w..(c + 1) * h * w];
        for i in 0..oh {
            let top = &plane[2 * i * w..2 * i * w + 2 * ow];
            let bottom = &plane[(2 * i + 1) * w..(2 * i + 1) * w + 2 * ow];
            let at = c * oh * ow + i * ow;
            let outs = out[at..at + ow].iter_mut().zip(&mut argmax[at..at + ow]);
            for ((o, a), (t, b)) in outs.zip(top.chunks_exact(2).zip(bottom.chunks_exact(2))) {
                // First maximum in scan order, as a cascade of strict comparisons.
                let (mut best, mut q) = (t[0], 0u8);
                if t[1] > best {
                    (best, q) = (t[1], 1);
                }
                if b[0] > best {
                    (best, q) = (b[0], 2);
                }
                if b[1] > best {
                    (best, q) = (b[1], 3);
                }
                *o = best.max(0.0);
                *a = q;
            }
        }
    }
}

/// The gradient of [`relu_pool_forward`]: each pooled gradient goes to its window's
/// maximum when that maximum was positive; every other entry of `dy` is zero.
pub(crate) fn relu_pool_backward(
    dout: &[f32],
    out: &[f32],
    argmax: &[u8],
    planes: usize,
    h: usize,
    w: usize,
    dy: &mut [f32],
) {
    let (oh, ow) = (h / 2, w / 2);
    dy.fill(0.0);
    for c in 0..planes {
        let plane = &mut dy[c * h * w..(c + 1) * h * w];
        for i in 0..oh {
            let at = c * oh * ow + i * ow;
            let pooled = dout[at..at + ow].iter().zip(&out[at..at + ow]);
            for (j, ((d, o), q)) in pooled.zip(&argmax[at..at + ow]).enumerate() {
                if *o > 0.0 {
                    let q = *q as usize;
                    plane[(2 * i + q / 2) * w + 2 * j + q % 2] = *d;
                }
            }
        }
    }
}
