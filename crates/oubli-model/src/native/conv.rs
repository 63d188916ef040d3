//! "Same" convolutions (stride 1, odd kernel, padding `kernel / 2`) as im2col + GEMM, and
//! the fused ReLU + 2×2 max-pool that follows each of them, for a block of samples at once.
//!
//! Activations are channels-last, `[samples, height, width, channels]`: a patch row of the
//! column matrix is then `kernel` runs of `kernel · channels` contiguous floats (80 for
//! conv2 on MNIST) rather than runs of one image row, and the products have the output
//! channels (a multiple of the micro-kernel's 16 rows) on the side gemm tiles by 16 and the
//! pixels on the side it tiles by 6. Weights are used as `W'[out, (ki, kj, c)]`, a
//! permuted copy of PyTorch's `[out, c, ki, kj]`, and their gradient is permuted back.

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
    /// Floats of one patch: `kernel² · in_channels`.
    pub fn patch(&self) -> usize {
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

    /// The weights as `W'[out, (ki, kj, c)]`.
    pub fn permuted_weight(&self, params: &[f32]) -> Vec<f32> {
        let (k, c) = (self.kernel, self.in_channels);
        let w = &params[self.weight.clone()];
        let mut out = vec![0.0; w.len()];
        for o in 0..self.out_channels {
            for ci in 0..c {
                for q in 0..k * k {
                    out[o * k * k * c + q * c + ci] = w[(o * c + ci) * k * k + q];
                }
            }
        }
        out
    }

    /// Writes a gradient kept as `[(ki, kj, c), out]` into `grad` in PyTorch's layout.
    pub fn store_weight_grad(&self, gt: &[f32], grad: &mut [f32]) {
        let (k, c, co) = (self.kernel, self.in_channels, self.out_channels);
        let g = &mut grad[self.weight.clone()];
        for o in 0..co {
            for ci in 0..c {
                for q in 0..k * k {
                    g[(o * c + ci) * k * k + q] = gt[(q * c + ci) * co + o];
                }
            }
        }
    }

    /// The image size with its zero border: `(height + 2·pad, width + 2·pad)`.
    fn padded(&self) -> (usize, usize) {
        (
            self.height + 2 * self.padding,
            self.width + 2 * self.padding,
        )
    }

    /// `samples` channels-last images with a zero border of `padding`.
    fn pad(&self, x: &[f32], samples: usize) -> Vec<f32> {
        let (h, w, c, p) = (self.height, self.width, self.in_channels, self.padding);
        let (hp, wp) = self.padded();
        let mut xp = vec![0.0; samples * hp * wp * c];
        for (image, padded) in x
            .chunks_exact(h * w * c)
            .zip(xp.chunks_exact_mut(hp * wp * c))
        {
            for (line, dst) in image
                .chunks_exact(w * c)
                .zip(padded.chunks_exact_mut(wp * c).skip(p))
            {
                dst[p * c..(p + w) * c].copy_from_slice(line);
            }
        }
        xp
    }

    /// Calls `f` with where each run of the column matrix starts in the zero-bordered
    /// input, in the matrix's order: with the border in place, each `(pixel, ki)` is one
    /// run of `kernel · channels` floats, `padded[s, i + ki, j.., ..]`. (Nested loops and a
    /// closure: as a `flat_map` iterator this walk cost 10% of a CNN step.)
    #[inline(always)]
    fn for_each_run(&self, samples: usize, mut f: impl FnMut(usize)) {
        let (h, w, k, c) = (self.height, self.width, self.kernel, self.in_channels);
        let (hp, wp) = self.padded();
        for s in 0..samples {
            for i in 0..h {
                for j in 0..w {
                    for ki in 0..k {
                        f(((s * hp + i + ki) * wp + j) * c);
                    }
                }
            }
        }
    }

    /// `cols[(s, i, j), (ki, kj, c)] = x[s, i + ki − pad, j + kj − pad, c]`, zero outside
    /// the image.
    pub fn im2col(&self, x: &[f32], samples: usize, cols: &mut [f32]) {
        let xp = self.pad(x, samples);
        let run = self.kernel * self.in_channels;
        let mut rows = cols.chunks_exact_mut(run);
        self.for_each_run(samples, |src| {
            let dst = rows.next().expect("cols sized for the block");
            copy_run(dst, &xp[src..src + run]);
        });
    }

    /// The adjoint of [`Conv::im2col`]: adds each column entry back onto the input entry it
    /// came from (`dx` is overwritten).
    fn col2im(&self, cols: &[f32], samples: usize, dx: &mut [f32]) {
        let (h, w, c, p) = (self.height, self.width, self.in_channels, self.padding);
        let (hp, wp) = self.padded();
        let mut dxp = vec![0.0; samples * hp * wp * c];
        let run = self.kernel * c;
        let mut rows = cols.chunks_exact(run);
        self.for_each_run(samples, |dst| {
            let from = rows.next().expect("cols sized for the block");
            for (d, v) in dxp[dst..dst + run].iter_mut().zip(from) {
                *d += v;
            }
        });
        for (padded, image) in dxp
            .chunks_exact(hp * wp * c)
            .zip(dx.chunks_exact_mut(h * w * c))
        {
            for (line, dst) in padded
                .chunks_exact(wp * c)
                .skip(p)
                .zip(image.chunks_exact_mut(w * c))
            {
                dst.copy_from_slice(&line[p * c..(p + w) * c]);
            }
        }
    }

    /// `y = cols · W'ᵀ + b` for the block, `y` as `[pixels, out_channels]`.
    pub fn forward(&self, params: &[f32], wp: &[f32], cols: &[f32], samples: usize, y: &mut [f32]) {
        let q = samples * self.pixels();
        let bias = &params[self.bias.clone()];
        for row in y.chunks_exact_mut(self.out_channels) {
            row.copy_from_slice(bias);
        }
        let w = Mat::new(wp, self.out_channels, self.patch());
        matmul(y, Mat::new(cols, q, self.patch()), w.t(), true);
    }

    /// Adds this block's weight gradient (`dW'ᵀ += colsᵀ · dy`, kept as `[patch, out]`) to
    /// `gt` and its bias gradient to `db`, and writes the input gradient into `dx` when
    /// given; `cols` is overwritten then (the scratch for the input gradient's columns).
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        wp: &[f32],
        cols: &mut [f32],
        dy: &[f32],
        samples: usize,
        gt: &mut [f32],
        db: &mut [f32],
        dx: Option<&mut [f32]>,
    ) {
        let q = samples * self.pixels();
        let dy_m = Mat::new(dy, q, self.out_channels);
        matmul(gt, Mat::new(cols, q, self.patch()).t(), dy_m, true);
        for row in dy.chunks_exact(self.out_channels) {
            for (g, d) in db.iter_mut().zip(row) {
                *g += d;
            }
        }
        if let Some(dx) = dx {
            let w = Mat::new(wp, self.out_channels, self.patch());
            matmul(cols, dy_m, w, false);
            self.col2im(cols, samples, dx);
        }
    }
}

/// `dst = src` for the short runs of im2col: a run of conv1 on MNIST is 5 floats, and
/// `copy_from_slice` made each a call to `memmove` (7% of a CNN step).
#[inline(always)]
fn copy_run(dst: &mut [f32], src: &[f32]) {
    if dst.len() <= 8 {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s;
        }
    } else {
        dst.copy_from_slice(src);
    }
}

/// `relu(max_pool_2×2(y))` over `samples` channels-last `h × w × c` images (which equals
/// max-pooling after the ReLU), with the position of each maximum (0–3 within its window)
/// for the backward pass. Odd trailing rows and columns are dropped, as PyTorch's floor
/// mode does.
#[allow(clippy::too_many_arguments)]
pub(crate) fn relu_pool_forward(
    y: &[f32],
    samples: usize,
    h: usize,
    w: usize,
    c: usize,
    out: &mut [f32],
    argmax: &mut [u8],
) {
    let (oh, ow) = (h / 2, w / 2);
    for s in 0..samples {
        for i in 0..oh {
            for j in 0..ow {
                let at = |di: usize, dj: usize| ((s * h + 2 * i + di) * w + 2 * j + dj) * c;
                let (t0, t1, b0, b1) = (at(0, 0), at(0, 1), at(1, 0), at(1, 1));
                let o = ((s * oh + i) * ow + j) * c;
                let outs = out[o..o + c].iter_mut().zip(&mut argmax[o..o + c]);
                let window = y[t0..t0 + c].iter().zip(&y[t1..t1 + c]);
                let window = window.zip(y[b0..b0 + c].iter().zip(&y[b1..b1 + c]));
                for ((o, a), ((v0, v1), (v2, v3))) in outs.zip(window) {
                    // First maximum in scan order, as a cascade of strict comparisons.
                    let (mut best, mut q) = (*v0, 0u8);
                    if *v1 > best {
                        (best, q) = (*v1, 1);
                    }
                    if *v2 > best {
                        (best, q) = (*v2, 2);
                    }
                    if *v3 > best {
                        (best, q) = (*v3, 3);
                    }
                    *o = best.max(0.0);
                    *a = q;
                }
            }
        }
    }
}

/// The gradient of [`relu_pool_forward`]: each pooled gradient goes to its window's
/// maximum when that maximum was positive; every other entry of `dy` is zero.
#[allow(clippy::too_many_arguments)]
pub(crate) fn relu_pool_backward(
    dout: &[f32],
    out: &[f32],
    argmax: &[u8],
    samples: usize,
    h: usize,
    w: usize,
    c: usize,
    dy: &mut [f32],
) {
    let (oh, ow) = (h / 2, w / 2);
    dy.fill(0.0);
    for s in 0..samples {
        for i in 0..oh {
            for j in 0..ow {
                let o = ((s * oh + i) * ow + j) * c;
                for ch in 0..c {
                    if out[o + ch] > 0.0 {
                        let q = argmax[o + ch] as usize;
                        dy[((s * h + 2 * i + q / 2) * w + 2 * j + q % 2) * c + ch] = dout[o + ch];
                    }
                }
            }
        }
    }
}
