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
        // k = 0: a product of nothing is zero.
        let mut z = vec![3.0; 4];
        matmul(&mut z, Mat::new(&[], 2, 0), Mat::new(&[], 0, 2), false);
        assert_eq!(z, vec![0.0; 4]);
    }
}
