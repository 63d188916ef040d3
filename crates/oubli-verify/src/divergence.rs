//! Distances between two models' outputs or weights.

/// Mean over rows of the Jensen–Shannon divergence between the predicted
/// distributions `p` and `q` (each `n × k`, row-major), natural log:
/// `JS(P, Q) = ½ KL(P ‖ M) + ½ KL(Q ‖ M)`, `M = (P + Q) / 2`.
///
/// It is symmetric, 0 for identical rows, and bounded by ln 2 (≈ 0.693) for
/// disjoint supports, unlike KL it stays finite when one model puts zero mass
/// where the other does not. Rows are renormalised to sum to 1 (negative
/// entries clipped to 0) so f32 rounding in a softmax does not bias it; an
/// all-zero row is treated as uniform. Returns 0 for zero rows.
///
/// # Panics
/// If `k == 0`, or `p` and `q` differ in length or are not a multiple of `k`.
pub fn js_divergence(p: &[f32], q: &[f32], k: usize) -> f64 {
    assert!(k > 0, "k must be positive");
    assert_eq!(p.len(), q.len(), "p and q must have the same shape");
    assert_eq!(p.len() % k, 0, "length must be a multiple of k");
    let n = p.len() / k;
    if n == 0 {
        return 0.0;
    }
    let total: f64 = p
        .chunks_exact(k)
        .zip(q.chunks_exact(k))
        .map(|(a, b)| js_row(&normalise(a), &normalise(b)))
        .sum();
    total / n as f64
}

fn normalise(row: &[f32]) -> Vec<f64> {
    let clipped: Vec<f64> = row
        .iter()
        .map(|&x| {
            if x.is_finite() {
                (x as f64).max(0.0)
            } else {
                0.0
            }
        })
        .collect();
    let sum: f64 = clipped.iter().sum();
    if sum > 0.0 {
        clipped.iter().map(|x| x / sum).collect()
    } else {
        vec![1.0 / row.len() as f64; row.len()]
    }
}

fn js_row(p: &[f64], q: &[f64]) -> f64 {
    // 0·ln(0/m) = 0, and m ≥ x/2 > 0 wherever x > 0, so no term is infinite.
    let half_kl = |x: f64, m: f64| if x > 0.0 { 0.5 * x * (x / m).ln() } else { 0.0 };
    let js: f64 = p
        .iter()
        .zip(q)
        .map(|(&a, &b)| {
            let m = 0.5 * (a + b);
            half_kl(a, m) + half_kl(b, m)
        })
        .sum();
    // Rounding can push a true 0 to −1e-17 or ln 2 a hair over.
    js.clamp(0.0, std::f64::consts::LN_2)
}

/// Euclidean distance ‖a − b‖₂ between two flattened weight vectors,
/// accumulated in f64.
///
/// # Panics
/// If `a` and `b` differ in length.
pub fn l2_distance(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len(), "weight vectors must have the same length");
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
        .sum::<f64>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::LN_2;

    #[test]
    fn identical_rows_have_zero_divergence() {
        let p = [0.7f32, 0.2, 0.1, 0.3, 0.3, 0.4];
        assert!(js_divergence(&p, &p, 3).abs() < 1e-12);
    }

    #[test]
    fn disjoint_rows_reach_ln_two() {
        let p = [1.0f32, 0.0, 0.0, 1.0];
        let q = [0.0f32, 1.0, 1.0, 0.0];
        assert!((js_divergence(&p, &q, 2) - LN_2).abs() < 1e-12);
    }

    #[test]
    fn symmetric_and_bounded_with_hand_value() {
        let p = [0.5f32, 0.5];
        let q = [1.0f32, 0.0];
        // M = (0.75, 0.25). KL(P‖M) = ½ln(2/3) + ½ln 2; KL(Q‖M) = ln(4/3).
        let expect =
            0.5 * (0.5 * (2.0f64 / 3.0).ln() + 0.5 * 2f64.ln()) + 0.5 * (4.0f64 / 3.0).ln();
        let js = js_divergence(&p, &q, 2);
        assert!((js - expect).abs() < 1e-9);
        assert_eq!(js, js_divergence(&q, &p, 2));
        assert!(js > 0.0 && js <= LN_2);
    }

    #[test]
    fn l2_distance_hand_value() {
        assert_eq!(l2_distance(&[0.0, 3.0], &[4.0, 0.0]), 5.0);
        assert_eq!(l2_distance(&[], &[]), 0.0);
    }
}
