//! Small dense f64 linear algebra: just what Newton's method and the
//! residual bound need (d ≤ ~1000, so textbook algorithms are fine).
//!
//! Matrices are `d × d`, row-major, in a flat slice.

use crate::CertifiedError;

/// `aᵀb`.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `y += alpha · x`.
pub fn axpy(y: &mut [f64], alpha: f64, x: &[f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// Euclidean norm.
pub fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// In-place Cholesky `A = L Lᵀ`; on success the lower triangle holds L (the
/// strict upper triangle is left untouched and must be ignored).
///
/// Fails with [`CertifiedError::NotPositiveDefinite`] when a pivot is not
/// strictly positive. [`spectral_norm_upper_bound`] relies on that failure
/// as its positive-definiteness test.
pub fn cholesky(a: &mut [f64], d: usize) -> Result<(), CertifiedError> {
    debug_assert_eq!(a.len(), d * d);
    for j in 0..d {
        // Row-oriented (Cholesky–Banachiewicz): rows i and j of L are both
        // contiguous prefixes, so the inner products vectorise.
        let (head, tail) = a.split_at_mut(j * d);
        let row_j = &mut tail[..d];
        for k in 0..j {
            let row_k = &head[k * d..k * d + k + 1];
            let s = dot(&row_j[..k], &row_k[..k]);
            row_j[k] = (row_j[k] - s) / row_k[k];
        }
        let diag = row_j[j] - dot(&row_j[..j], &row_j[..j]);
        if !(diag > 0.0 && diag.is_finite()) {
            return Err(CertifiedError::NotPositiveDefinite);
        }
        row_j[j] = diag.sqrt();
    }
    Ok(())
}

/// Solves `L Lᵀ x = b` in place given the factor from [`cholesky`].
pub fn cholesky_solve(l: &[f64], d: usize, b: &mut [f64]) {
    // Forward: L y = b.
    for i in 0..d {
        let s = dot(&l[i * d..i * d + i], &b[..i]);
        b[i] = (b[i] - s) / l[i * d + i];
    }
    // Backward: Lᵀ x = y (column access of L; training's Newton
    // solves are negligible next to its Hessians, and removals use the
    // transposed factor, see [`upper_solve`]).
    for i in (0..d).rev() {
        let mut s = b[i];
        for k in i + 1..d {
            s -= l[k * d + i] * b[k];
        }
        b[i] = s / l[i * d + i];
    }
}

/// The factor of [`cholesky`] transposed into `R = Lᵀ` (upper triangle,
/// row-major; the strict lower triangle is zeroed). Row k of R is column k
/// of L, so [`upper_downdate`] and [`upper_solve`] read R by contiguous rows.
pub fn upper_from_lower(l: &[f64], d: usize) -> Vec<f64> {
    let mut r = vec![0.0; d * d];
    for i in 0..d {
        for k in 0..=i {
            r[k * d + i] = l[i * d + k];
        }
    }
    r
}

/// Rank-one Cholesky downdate in O(d²): turns `R` (`A = RᵀR`, from
/// [`upper_from_lower`]) into the factor of `A − x xᵀ`; `x` is consumed.
///
/// Fails with [`CertifiedError::NotPositiveDefinite`] when `A − x xᵀ` is not
/// numerically positive definite; `R` is then garbage and must be rebuilt.
pub fn upper_downdate(r: &mut [f64], d: usize, x: &mut [f64]) -> Result<(), CertifiedError> {
    for k in 0..d {
        let row = &mut r[k * d..(k + 1) * d];
        let rkk = row[k];
        let r2 = (rkk - x[k]) * (rkk + x[k]);
        if !(r2 > 0.0 && r2.is_finite()) {
            return Err(CertifiedError::NotPositiveDefinite);
        }
        let new = r2.sqrt();
        let (c, s) = (new / rkk, x[k] / rkk);
        let inv_c = 1.0 / c;
        row[k] = new;
        for (ri, xi) in row[k + 1..].iter_mut().zip(&mut x[k + 1..]) {
            *ri = (*ri - s * *xi) * inv_c;
            *xi = c * *xi - s * *ri;
        }
    }
    Ok(())
}

/// Solves `RᵀR x = b` in place for `R` from [`upper_from_lower`].
pub fn upper_solve(r: &[f64], d: usize, b: &mut [f64]) {
    // Forward: Rᵀ y = b; row k of R is column k of Rᵀ.
    for k in 0..d {
        b[k] /= r[k * d + k];
        let yk = b[k];
        axpy(&mut b[k + 1..], -yk, &r[k * d + k + 1..(k + 1) * d]);
    }
    // Backward: R x = y.
    for i in (0..d).rev() {
        let s = dot(&r[i * d + i + 1..(i + 1) * d], &b[i + 1..]);
        b[i] = (b[i] - s) / r[i * d + i];
    }
}

/// `A += alpha · x xᵀ` on a full symmetric `d × d` matrix.
pub fn sym_rank_one(a: &mut [f64], d: usize, alpha: f64, x: &[f64]) {
    for (i, &xi) in x.iter().enumerate().take(d) {
        axpy(&mut a[i * d..(i + 1) * d], alpha * xi, x);
    }
}

/// `vᵀ A v` for a full `d × d` matrix.
pub fn quad_form(a: &[f64], d: usize, v: &[f64]) -> f64 {
    (0..d).map(|i| v[i] * dot(&a[i * d..(i + 1) * d], v)).sum()
}

/// `y = A x` for a full `d × d` matrix.
pub fn matvec(a: &[f64], d: usize, x: &[f64], y: &mut [f64]) {
    for (i, yi) in y.iter_mut().enumerate().take(d) {
        *yi = dot(&a[i * d..(i + 1) * d], x);
    }
}

/// A guaranteed upper bound on `λ_max(G)` for a symmetric PSD `G`.
///
/// The residual bound (Corollary 1) needs `‖X‖₂ = sqrt(λ_max(XᵀX))` from
/// above; plain power iteration (as in the authors' code) converges from
/// below and would make the certificate optimistic. So: power iteration
/// gives a near-tight estimate θ, then μ slightly above θ is *verified* by
/// a successful Cholesky of `μI − G` (positive definite ⇔ μ > λ_max), with μ
/// grown geometrically until it succeeds. The trace is always a valid
/// fallback. The 1e-6 relative margin dwarfs the rounding error of both
/// Cholesky (~d·1e-16) and of accumulating G.
pub fn spectral_norm_upper_bound(g: &[f64], d: usize) -> f64 {
    let trace: f64 = (0..d).map(|i| g[i * d + i]).sum();
    if trace <= 0.0 || !trace.is_finite() {
        return trace.max(0.0);
    }
    // Deterministic, non-symmetric start so it is not orthogonal to the top
    // eigenvector of a structured G by accident.
    let mut v: Vec<f64> = (0..d)
        .map(|i| 1.0 + (i as f64 * 0.618_033_988_75).fract())
        .collect();
    let mut w = vec![0.0; d];
    let mut theta = 0.0;
    for _ in 0..500 {
        let nv = norm(&v);
        v.iter_mut().for_each(|x| *x /= nv);
        matvec(g, d, &v, &mut w);
        let next = dot(&v, &w);
        std::mem::swap(&mut v, &mut w);
        if (next - theta).abs() <= 1e-12 * next {
            theta = next;
            break;
        }
        theta = next;
    }
    let mut mu = theta * (1.0 + 1e-6) + 1e-12 * trace;
    let mut m = vec![0.0; d * d];
    while mu < trace {
        for (k, (mk, gk)) in m.iter_mut().zip(g).enumerate() {
            *mk = if k % (d + 1) == 0 { mu - gk } else { -gk };
        }
        if cholesky(&mut m, d).is_ok() {
            return mu;
        }
        mu *= 1.05;
    }
    trace
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_spd_system() {
        let d = 3;
        let a = [4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let x_true = [1.0, -2.0, 0.5];
        let mut b = vec![0.0; d];
        matvec(&a, d, &x_true, &mut b);
        let mut l = a.to_vec();
        cholesky(&mut l, d).unwrap();
        cholesky_solve(&l, d, &mut b);
        for (x, t) in b.iter().zip(&x_true) {
            assert!((x - t).abs() < 1e-12, "{x} vs {t}");
        }
    }

    #[test]
    fn upper_downdate_matches_a_fresh_factor_and_solves() {
        let d = 3;
        let a = [4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let x = [0.5, -0.3, 0.8];
        let mut l = a.to_vec();
        cholesky(&mut l, d).unwrap();
        let mut r = upper_from_lower(&l, d);
        upper_downdate(&mut r, d, &mut x.to_vec()).unwrap();
        let mut b = a.to_vec();
        sym_rank_one(&mut b, d, -1.0, &x);
        let mut fresh = b.clone();
        cholesky(&mut fresh, d).unwrap();
        let fresh = upper_from_lower(&fresh, d);
        for (k, (got, want)) in r.iter().zip(&fresh).enumerate() {
            assert!((got - want).abs() < 1e-14, "R[{k}]: {got} vs {want}");
        }
        assert!((quad_form(&b, d, &x) - 1.8096).abs() < 1e-12);
        // R solves the downdated system.
        let x_true = [1.0, -2.0, 0.5];
        let mut rhs = vec![0.0; d];
        matvec(&b, d, &x_true, &mut rhs);
        upper_solve(&r, d, &mut rhs);
        for (x, t) in rhs.iter().zip(&x_true) {
            assert!((x - t).abs() < 1e-12, "{x} vs {t}");
        }
        // Removing more than the matrix holds is refused.
        let mut too_much = [3.0, 0.0, 0.0];
        assert_eq!(
            upper_downdate(&mut r, d, &mut too_much),
            Err(CertifiedError::NotPositiveDefinite)
        );
    }

    #[test]
    fn cholesky_rejects_indefinite() {
        let mut a = vec![1.0, 2.0, 2.0, 1.0];
        assert_eq!(
            cholesky(&mut a, 2),
            Err(CertifiedError::NotPositiveDefinite)
        );
    }

    #[test]
    fn spectral_bound_is_tight_upper_bound() {
        // G = diag(9, 4, 1) rotated by a Householder reflection: λ_max = 9.
        let d = 3;
        let u = [1.0 / 3f64.sqrt(); 3];
        let q: Vec<f64> = (0..9)
            .map(|k| f64::from(u8::from(k / 3 == k % 3)) - 2.0 * u[k / 3] * u[k % 3])
            .collect();
        let diag = [9.0, 4.0, 1.0];
        let mut g = vec![0.0; 9];
        for i in 0..d {
            for j in 0..d {
                g[i * d + j] = (0..d).map(|k| q[i * d + k] * diag[k] * q[j * d + k]).sum();
            }
        }
        let mu = spectral_norm_upper_bound(&g, d);
        assert!(mu >= 9.0, "{mu}");
        assert!(mu < 9.0 * (1.0 + 1e-5), "{mu}");
    }
}
