//! Hand-written forward and backward passes on the `gemm` crate: what training, evaluation
//! and serving run.
//!
//! burn's autodiff computed every pass until the profile of issue 12 showed where its time
//! went: uploading and downloading every parameter per step, transposed-weight copies, and
//! for the CNN a generic conv weight gradient and zero fills that left under a fifth of the
//! instructions in the GEMM kernels. These passes read the flat parameter vector in place,
//! write the flat gradient directly, and run every product as one GEMM call. burn's
//! autodiff stays as the reference they are checked against (`Network::loss_and_grad_autodiff`
//! and `tests/native_passes.rs`).
//!
//! **Determinism.** A batch is cut into chunks whose boundaries depend only on the number of
//! rows (one chunk for a usual dense batch, chunks of 32 for the CNN), and a large product
//! into two blocks of its destination rows whose boundary depends only on its shape. Every
//! block is one single-threaded GEMM call, and the chunks' gradients are added in chunk
//! order. The same batch therefore gives the same bits on any number of threads; more
//! threads only run more chunks and blocks at once.

mod cnn;
mod conv;
mod dense;
mod gemm;

use crate::spec::{Arch, ModelSpec, CONV_KERNEL, CONV_PADDING};
use cnn::ConvTrunk;
use conv::Conv;
use dense::{DenseStack, Linear};
use gemm::transpose;
use rayon::prelude::*;
use std::ops::Range;

/// The passes of one [`ModelSpec`].
#[derive(Debug, Clone)]
pub(crate) struct Passes {
    trunk: Option<ConvTrunk>,
    head: DenseStack,
    input_dim: usize,
    num_classes: usize,
    params: usize,
}

impl Passes {
    pub fn new(spec: &ModelSpec) -> Self {
        let shapes = spec.param_shapes();
        let mut ranges = Vec::with_capacity(shapes.len());
        let mut at = 0;
        for s in &shapes {
            ranges.push(at..at + s.numel());
            at += s.numel();
        }
        let linear = |i: usize| Linear {
            weight: ranges[i].clone(),
            bias: ranges[i + 1].clone(),
            inputs: shapes[i].shape[1],
            outputs: shapes[i].shape[0],
        };
        let (trunk, first_dense) = match &spec.arch {
            Arch::Logreg | Arch::Mlp { .. } => (None, 0),
            Arch::Cnn { channels, .. } => {
                let (c, h, w) = (
                    spec.input_shape[0],
                    spec.input_shape[1],
                    spec.input_shape[2],
                );
                let conv = |i: usize, in_channels, out_channels, height, width| Conv {
                    weight: ranges[i].clone(),
                    bias: ranges[i + 1].clone(),
                    in_channels,
                    out_channels,
                    height,
                    width,
                    kernel: CONV_KERNEL,
                    padding: CONV_PADDING,
                };
                let trunk = ConvTrunk {
                    conv1: conv(0, c, channels[0], h, w),
                    conv2: conv(2, channels[0], channels[1], h / 2, w / 2),
                };
                (Some(trunk), 4)
            }
        };
        Self {
            trunk,
            head: DenseStack {
                layers: (first_dense..shapes.len()).step_by(2).map(linear).collect(),
            },
            input_dim: spec.input_dim(),
            num_classes: spec.num_classes,
            params: at,
        }
    }

    /// Rows per chunk. A conv chunk runs its samples in blocks anyway, so chunks of 32 cost
    /// it only the (cheap, next to its step) addition of their gradients, and a batch of
    /// 128 keeps several cores busy.
    fn chunk_rows(&self) -> usize {
        if self.trunk.is_some() {
            32
        } else {
            CHUNK_ROWS_DENSE
        }
    }

    /// `n` rows cut into chunks of at most `chunk_rows`, as even as possible: a function of
    /// `n` alone, never of the thread count.
    fn chunks(&self, n: usize) -> Vec<Range<usize>> {
        let count = n.div_ceil(self.chunk_rows()).max(1);
        let (base, extra) = (n / count, n % count);
        let mut start = 0;
        (0..count)
            .map(|i| {
                let len = base + usize::from(i < extra);
                start += len;
                start - len..start
            })
            .collect()
    }

    /// The head's input for `n` rows: the conv trunk's features, or `x` itself.
    fn features<'a>(&self, params: &[f32], x: &'a [f32], n: usize) -> std::borrow::Cow<'a, [f32]> {
        match &self.trunk {
            Some(trunk) => trunk.forward(params, x, n).0.into(),
            None => x.into(),
        }
    }

    /// Logits of `n` rows, row-major.
    pub fn logits(&self, params: &[f32], x: &[f32], n: usize) -> Vec<f32> {
        let k = self.num_classes;
        self.per_chunk(x, n, k, |x, m| {
            let h = self.features(params, x, m);
            let zt = self.head.forward(params, &h, m).pop();
            transpose(&zt.expect("at least one layer"), k, m)
        })
    }

    /// The last linear layer's input for `n` rows (see `Network::penultimate`).
    pub fn penultimate(&self, params: &[f32], x: &[f32], n: usize, width: usize) -> Vec<f32> {
        self.per_chunk(x, n, width, |x, m| {
            let h = self.features(params, x, m);
            let mut outs = self.head.forward(params, &h, m);
            outs.pop();
            match outs.pop() {
                Some(ht) => transpose(&ht, width, m),
                None => h.into_owned(),
            }
        })
    }

    fn check_input(&self, x: &[f32], n: usize) {
        let d = self.input_dim;
        assert_eq!(
            x.len(),
            n * d,
            "input has {} floats, expected {n}×{d}",
            x.len()
        );
    }

    /// Runs `f` on every chunk of rows side by side and concatenates its `width`-wide rows.
    fn per_chunk(
        &self,
        x: &[f32],
        n: usize,
        width: usize,
        f: impl Fn(&[f32], usize) -> Vec<f32> + Sync,
    ) -> Vec<f32> {
        let d = self.input_dim;
        self.check_input(x, n);
        if n == 0 {
            return Vec::new();
        }
        let parts: Vec<Vec<f32>> = self
            .chunks(n)
            .into_par_iter()
            .map(|r| f(&x[r.start * d..r.end * d], r.len()))
            .collect();
        let mut out = Vec::with_capacity(n * width);
        parts.iter().for_each(|p| out.extend_from_slice(p));
        out
    }

    /// `(loss, gradient)` of `−Σᵢ Σₖ targets[i,k] · log softmax(z)[i,k] / denom`.
    pub fn loss_and_grad(
        &self,
        params: &[f32],
        x: &[f32],
        targets: &[f32],
        n: usize,
        denom: f32,
    ) -> (f32, Vec<f32>) {
        let (d, k) = (self.input_dim, self.num_classes);
        self.check_input(x, n);
        assert_eq!(targets.len(), n * k, "targets must be n × num_classes");
        if n == 0 {
            // The sum over no samples.
            return (0.0, vec![0.0; self.params]);
        }
        // Chunks run in waves of one per thread, so at most that many chunk gradients are
        // alive at once; each wave's are added to the total in chunk order, which makes the
        // sum the same, ((g₀ + g₁) + g₂) + …, whatever the waves' size.
        let chunks = self.chunks(n);
        let mut total: Option<(f64, Vec<f32>)> = None;
        for wave in chunks.chunks(rayon::current_num_threads().max(1)) {
            let mut parts: Vec<(f64, Vec<f32>)> = wave
                .par_iter()
                .map(|r| {
                    let (x, t) = (&x[r.start * d..r.end * d], &targets[r.start * k..r.end * k]);
                    self.chunk_loss_and_grad(params, x, t, r.len(), denom)
                })
                .collect();
            let (loss, grad) = match total.as_mut() {
                Some(sum) => sum,
                None => total.insert(parts.remove(0)),
            };
            for (l, _) in &parts {
                *loss += l;
            }
            grad.par_chunks_mut(SUM_SPAN)
                .enumerate()
                .for_each(|(i, span)| {
                    for (_, g) in &parts {
                        for (a, b) in span.iter_mut().zip(&g[i * SUM_SPAN..]) {
                            *a += b;
                        }
                    }
                });
        }
        let (loss, grad) = total.expect("at least one chunk");
        (loss as f32, grad)
    }

    fn chunk_loss_and_grad(
        &self,
        params: &[f32],
        x: &[f32],
        targets: &[f32],
        n: usize,
        denom: f32,
    ) -> (f64, Vec<f32>) {
        let mut grad = vec![0.0; self.params];
        let (h, tape) = match &self.trunk {
            Some(trunk) => {
                let (flat, tape) = trunk.forward(params, x, n);
                (std::borrow::Cow::Owned(flat), Some(tape))
            }
            None => (std::borrow::Cow::Borrowed(x), None),
        };
        let k = self.num_classes;
        let outs = self.head.forward(params, &h, n);
        let mut dz = transpose(outs.last().expect("at least one layer"), k, n);
        let loss = softmax_cross_entropy(&mut dz, targets, k, denom);
        let dz = transpose(&dz, n, k);
        let head_outs = &outs[..outs.len() - 1];
        let dh = self
            .head
            .backward(params, &h, head_outs, dz, n, &mut grad, tape.is_some());
        if let (Some(trunk), Some(tape), Some(dh)) = (&self.trunk, &tape, dh) {
            trunk.backward(params, x, tape, &dh, &mut grad);
        }
        (loss, grad)
    }
}

/// Runs `f` on a thread of rayon's pool. Every parallel iterator started from outside the
/// pool hands its work to the pool and sleeps until it is done: two context switches each,
/// several per training step, which showed in the profile as scheduler time. From inside,
/// the calling thread works on its share and nothing sleeps.
pub(crate) fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if rayon::current_thread_index().is_some() {
        f()
    } else {
        rayon::scope(|_| f())
    }
}

/// Rows per chunk of a dense network: one chunk for a usual batch, whose large products are
/// split by units instead ([`gemm::par_matmul`]); cutting the batch into two chunks made
/// one thread pack every weight twice and add two gradients, 13% slower on the MNIST MLP.
const CHUNK_ROWS_DENSE: usize = 256;

/// Gradient entries one task adds up when the chunks' gradients are summed.
const SUM_SPAN: usize = 1 << 15;

/// Turns logits `z` into the gradient of the loss by them, in place, and returns the loss
/// `−Σᵢ Σₖ t[i,k] · log softmax(z)[i,k] / denom`. The gradient is
/// `(softmax(z) · Σₖ t[i,k] − t) / denom`: targets need not sum to one (soft rows, rows
/// scaled by −1 for ascent).
fn softmax_cross_entropy(z: &mut [f32], t: &[f32], k: usize, denom: f32) -> f64 {
    let mut loss = 0.0f64;
    for (row, trow) in z.chunks_exact_mut(k).zip(t.chunks_exact(k)) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let lse = row.iter().map(|v| (v - max).exp()).sum::<f32>().ln();
        let mass: f32 = trow.iter().sum();
        let mut row_loss = 0.0f32;
        for (v, &tk) in row.iter_mut().zip(trow) {
            let logp = *v - max - lse;
            // A zero target contributes nothing, even where log p underflows to −∞.
            if tk != 0.0 {
                row_loss -= tk * logp;
            }
            *v = (logp.exp() * mass - tk) / denom;
        }
        loss += f64::from(row_loss);
    }
    loss / f64::from(denom)
}
