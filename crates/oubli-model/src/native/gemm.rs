//! A safe face on the `gemm` crate for the hand-written passes: strided views, one call.
//!
//! Every product runs on the calling thread (`Parallelism::None`). Parallelism comes from
//! the caller splitting a batch into chunks whose boundaries never depend on the thread
//! count, so each product has the same shape, and therefore the same summation order, on
//! one thread or many: that is what keeps training bit-identical across `RAYON_NUM_THREADS`.

/// A read-only matrix view: element `(i, j)` is `data[i * rs + j * cs]`. Transposing is
/// swapping the strides, so no product ever needs a transposed copy.
#[derive(Clone, Copy)]
pub(crate) struct Mat<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a> Mat<'a> {
    /// A row-major `rows × cols` matrix.
    pub(crate) fn new(data: &'a [f32], rows: usize, cols: usize) -> Self {
        assert_eq!(data.len(), rows * cols, "matrix of {rows}×{cols}");
        Self {
            data,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }

    /// Rows `r` of the matrix, as a view.
    pub(crate) fn rows(self, r: std::ops::Range<usize>) -> Self {
        Self {
            data: &self.data[r.start * self.rs..],
            rows: r.len(),
            ..self
        }
    }

    /// The transpose, as a view.
    pub(crate) fn t(self) -> Self {
        Self {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }
}

/// `dst = a · b` (or `dst += a · b` when `accumulate`), `dst` row-major `a.rows × b.cols`.
pub(crate) fn matmul(dst: &mut [f32], a: Mat<'_>, b: Mat<'_>, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "inner dimensions {k} and {}", b.rows);
    assert_eq!(dst.len(), m * n, "destination of {m}×{n}");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst.fill(0.0);
        }
        return;
    }
    // The views' last elements are in bounds, so every element gemm reads or writes is.
    assert!((m - 1) * a.rs + (k - 1) * a.cs < a.data.len());
    assert!((k - 1) * b.rs + (n - 1) * b.cs < b.data.len());
    // SAFETY: bounds checked above; `dst` is a distinct, exclusively borrowed buffer (the
    // borrow checker guarantees it does not alias `a` or `b`); strides fit in isize because
    // they index allocated slices.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Multiply-adds from which [`par_matmul`] splits a product in two.
const SPLIT_MIN: usize = 1 << 22;

/// [`matmul`], with a large product cut into two blocks of the destination's rows that run
/// side by side. Where it is cut depends on the shapes alone, so every entry is computed by
/// a product of the same shape, and comes out the same, on one thread or two. Unlike
/// splitting the batch, no block needs the other's result added: there is no reduction.
pub(crate) fn par_matmul(dst: &mut [f32], a: Mat<'_>, b: Mat<'_>, accumulate: bool) {
    let m = a.rows;
    if m < 32 || m * a.cols * b.cols < SPLIT_MIN {
        return matmul(dst, a, b, accumulate);
    }
    let half = m.div_ceil(2);
    let (top, bottom) = dst.split_at_mut(half * b.cols);
    rayon::join(
        || matmul(top, a.rows(0..half), b, accumulate),
        || matmul(bottom, a.rows(half..m), b, accumulate),
    );
}

/// `x` (row-major `rows × cols`) transposed.
pub(crate) fn transpose(x: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; x.len()];
    transpose_into(x, rows, cols, &mut out);
    out
}

/// Writes `x` (row-major `rows × cols`) transposed into `out`.
pub(crate) fn transpose_into(x: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    debug_assert_eq!(x.len(), rows * cols);
    for (i, row) in x.chunks_exact(cols).enumerate() {
        for (j, v) in row.iter().enumerate() {
            out[j * rows + i] = *v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: Mat<'_>, b: Mat<'_>) -> Vec<f32> {
        let mut out = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                out[i * b.cols + j] = (0..a.cols)
                    .map(|l| a.data[i * a.rs + l * a.cs] * b.data[l * b.rs + j * b.cs])
                    .sum();
            }
        }
        out
    }

    #[test]
    fn products_with_transposed_views_and_accumulation_match_the_naive_loop() {
        let a: Vec<f32> = (0..5 * 7).map(|i| (i % 11) as f32 * 0.25 - 1.0).collect();
        let b: Vec<f32> = (0..7 * 3).map(|i| (i % 5) as f32 * 0.5 - 0.75).collect();
        let bt: Vec<f32> = (0..3 * 7).map(|i| b[(i % 7) * 3 + i / 7]).collect();
        let (am, bm, btm) = (Mat::new(&a, 5, 7), Mat::new(&b, 7, 3), Mat::new(&bt, 3, 7));
        let want = naive(am, bm);
        let mut got = vec![9.0; 15];
        matmul(&mut got, am, bm, false);
        assert_eq!(got, want);
        let mut via_t = vec![0.0; 15];
        matmul(&mut via_t, am, btm.t(), false);
        assert_eq!(via_t, want);
        matmul(&mut via_t, am, bm, true);
        let doubled: Vec<f32> = want.iter().map(|v| 2.0 * v).collect();
        assert_eq!(via_t, doubled);
        // Split in two row blocks: the same bits as one product of each block's shape.
        let big_a: Vec<f32> = (0..80 * 300).map(|i| (i % 13) as f32 * 0.125).collect();
        let big_b: Vec<f32> = (0..300 * 200).map(|i| (i % 7) as f32 * 0.25).collect();
        let (ba, bb) = (Mat::new(&big_a, 80, 300), Mat::new(&big_b, 300, 200));
        let mut split = vec![0.0; 80 * 200];
        par_matmul(&mut split, ba, bb, false);
        assert_eq!(split, naive(ba, bb));
        // k = 0: a product of nothing is zero.
        let mut z = vec![3.0; 4];
        matmul(&mut z, Mat::new(&[], 2, 0), Mat::new(&[], 0, 2), false);
        assert_eq!(z, vec![0.0; 4]);
    }
}
