//! The convolutional trunk of `cnn`: conv → ReLU → pool → conv → ReLU → pool, flattened in
//! PyTorch's `[channels, height, width]` order.
//!
//! A chunk is run in blocks of [`BLOCK`] samples, channels-last: one product per layer
//! covers a block, and a block's column matrix (1.25 MB for conv2 on MNIST) stays in the
//! core's L2 cache; whole chunks at once (5 MB) were bound by memory, not by the products.
//! The backward pass rebuilds each block's columns from the small pooled activations
//! instead of keeping them.

use super::conv::{relu_pool_backward, relu_pool_forward, Conv};
use super::gemm::transpose_into;

/// Samples per block.
const BLOCK: usize = 4;

#[derive(Debug, Clone)]
pub(crate) struct ConvTrunk {
    pub conv1: Conv,
    pub conv2: Conv,
}

/// What the backward pass needs from the forward one, for a chunk of samples: the pooled
/// activations (channels-last) and the positions of their maxima.
pub(crate) struct Tape {
    p1: Vec<f32>,
    a1: Vec<u8>,
    p2: Vec<f32>,
    a2: Vec<u8>,
}

/// Scratch buffers sized for a full block, reused by every block of a chunk.
#[derive(Default)]
struct Scratch {
    input: Vec<f32>,
    cols: Vec<f32>,
    y: Vec<f32>,
}

impl ConvTrunk {
    fn in_len(&self) -> usize {
        self.conv1.in_channels * self.conv1.height * self.conv1.width
    }
    fn p1_len(&self) -> usize {
        self.conv2.in_channels * self.conv2.height * self.conv2.width
    }
    fn pooled2(&self) -> usize {
        (self.conv2.height / 2) * (self.conv2.width / 2)
    }

    /// Width of the flattened output.
    pub fn out_len(&self) -> usize {
        self.conv2.out_channels * self.pooled2()
    }

    /// Runs `f` with this thread's scratch buffers, sized for a block of `min(n, BLOCK)`
    /// samples. They are kept between calls: allocating and zeroing them per chunk (the
    /// column matrix is 1.25 MB on MNIST) was 6% of a CNN step, with page faults besides.
    /// What they hold from the last call is never read: every user writes its part first.
    fn with_scratch<R>(&self, n: usize, f: impl FnOnce(&mut Scratch) -> R) -> R {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = const {
                std::cell::RefCell::new(Scratch { input: Vec::new(), cols: Vec::new(), y: Vec::new() })
            };
        }
        let (c1, c2) = (&self.conv1, &self.conv2);
        let b = BLOCK.min(n);
        SCRATCH.with(|cell| {
            let mut s = cell.take();
            s.input.resize(b * self.in_len().max(self.out_len()), 0.0);
            s.cols.resize(c1.cols_len(b).max(c2.cols_len(b)), 0.0);
            s.y.resize(c1.out_len(b).max(c2.out_len(b)), 0.0);
            let out = f(&mut s);
            cell.replace(s);
            out
        })
    }

    /// Samples `rows` of `x` (PyTorch's `[channels, height, width]` each), channels-last.
    fn channels_last(&self, x: &[f32], rows: std::ops::Range<usize>, out: &mut [f32]) {
        let (din, c) = (self.in_len(), self.conv1.in_channels);
        let src = x[rows.start * din..rows.end * din].chunks_exact(din);
        for (image, dst) in src.zip(out.chunks_exact_mut(din)) {
            transpose_into(image, c, din / c, dst);
        }
    }

    /// The flattened features of `n` samples (row-major `n × out_len`), and the tape for
    /// [`ConvTrunk::backward`].
    pub fn forward(&self, params: &[f32], x: &[f32], n: usize) -> (Vec<f32>, Tape) {
        let (c1, c2) = (&self.conv1, &self.conv2);
        let (din, dp1, dout) = (self.in_len(), self.p1_len(), self.out_len());
        let (wp1, wp2) = (c1.permuted_weight(params), c2.permuted_weight(params));
        let mut tape = Tape {
            p1: vec![0.0; n * dp1],
            a1: vec![0; n * dp1],
            p2: vec![0.0; n * dout],
            a2: vec![0; n * dout],
        };
        let mut flat = vec![0.0; n * dout];
        self.with_scratch(n, |s| {
            for start in (0..n).step_by(BLOCK) {
                let b = BLOCK.min(n - start);
                let rows = start..start + b;
                let input = &mut s.input[..b * din];
                self.channels_last(x, rows.clone(), input);
                let cols1 = &mut s.cols[..c1.cols_len(b)];
                c1.im2col(input, b, cols1);
                let y1 = &mut s.y[..c1.out_len(b)];
                c1.forward(params, &wp1, cols1, b, y1);
                let p1 = &mut tape.p1[rows.start * dp1..rows.end * dp1];
                let a1 = &mut tape.a1[rows.start * dp1..rows.end * dp1];
                relu_pool_forward(y1, b, c1.height, c1.width, c1.out_channels, p1, a1);
                let cols2 = &mut s.cols[..c2.cols_len(b)];
                c2.im2col(p1, b, cols2);
                let y2 = &mut s.y[..c2.out_len(b)];
                c2.forward(params, &wp2, cols2, b, y2);
                let p2 = &mut tape.p2[rows.start * dout..rows.end * dout];
                let a2 = &mut tape.a2[rows.start * dout..rows.end * dout];
                relu_pool_forward(y2, b, c2.height, c2.width, c2.out_channels, p2, a2);
                let out = flat[rows.start * dout..rows.end * dout].chunks_exact_mut(dout);
                for (image, dst) in p2.chunks_exact(dout).zip(out) {
                    transpose_into(image, self.pooled2(), c2.out_channels, dst);
                }
            }
        });
        (flat, tape)
    }

    /// Writes the conv layers' gradients into `grad`, given the samples `x` and the
    /// gradient by the flattened features (row-major `n × out_len`).
    pub fn backward(
        &self,
        params: &[f32],
        x: &[f32],
        tape: &Tape,
        dflat: &[f32],
        grad: &mut [f32],
    ) {
        let (c1, c2) = (&self.conv1, &self.conv2);
        let (din, dp1, dout) = (self.in_len(), self.p1_len(), self.out_len());
        let n = dflat.len() / dout;
        let (wp1, wp2) = (c1.permuted_weight(params), c2.permuted_weight(params));
        let (mut gt1, mut gt2) = (vec![0.0; wp1.len()], vec![0.0; wp2.len()]);
        let (mut db1, mut db2) = (vec![0.0; c1.out_channels], vec![0.0; c2.out_channels]);
        let mut dpool1 = vec![0.0; BLOCK.min(n) * dp1];
        self.with_scratch(n, |s| {
            for start in (0..n).step_by(BLOCK) {
                let b = BLOCK.min(n - start);
                let rows = start..start + b;
                let (p1, a1) = (
                    &tape.p1[rows.start * dp1..rows.end * dp1],
                    &tape.a1[rows.start * dp1..rows.end * dp1],
                );
                let (p2, a2) = (
                    &tape.p2[rows.start * dout..rows.end * dout],
                    &tape.a2[rows.start * dout..rows.end * dout],
                );
                let dp2 = &mut s.input[..b * dout];
                let src = dflat[rows.start * dout..rows.end * dout].chunks_exact(dout);
                for (image, dst) in src.zip(dp2.chunks_exact_mut(dout)) {
                    transpose_into(image, c2.out_channels, self.pooled2(), dst);
                }
                let dy2 = &mut s.y[..c2.out_len(b)];
                relu_pool_backward(dp2, p2, a2, b, c2.height, c2.width, c2.out_channels, dy2);
                let cols2 = &mut s.cols[..c2.cols_len(b)];
                c2.im2col(p1, b, cols2);
                let dp1b = &mut dpool1[..b * dp1];
                c2.backward(&wp2, cols2, dy2, b, &mut gt2, &mut db2, Some(dp1b));
                let dy1 = &mut s.y[..c1.out_len(b)];
                relu_pool_backward(dp1b, p1, a1, b, c1.height, c1.width, c1.out_channels, dy1);
                let input = &mut s.input[..b * din];
                self.channels_last(x, rows, input);
                let cols1 = &mut s.cols[..c1.cols_len(b)];
                c1.im2col(input, b, cols1);
                c1.backward(&wp1, cols1, dy1, b, &mut gt1, &mut db1, None);
            }
        });
        c1.store_weight_grad(&gt1, grad);
        c2.store_weight_grad(&gt2, grad);
        grad[c1.bias.clone()].copy_from_slice(&db1);
        grad[c2.bias.clone()].copy_from_slice(&db2);
    }
}
