//! The data subject's check (Athena, Sommer et al., PETS 2022): after an owner's deletion,
//! does the model still answer the owner's **personal target class** when their personal
//! trigger is stamped on held-out inputs?
//!
//! Per owner and model: `hits` of `queries` triggered inputs (none of the target class) are
//! predicted as the target. The null is what a model does with a trigger it never learned,
//! taken as the larger of two rates (each with Laplace's rule, (hits + 1) / (n + 2), so a
//! rate of zero does not make every hit infinitely significant): the same model on
//! **control patterns** of the same size on the same inputs, and the **retrained oracle**
//! on the owner's own trigger. The second matters: some patterns look like a stroke of the
//! target class to any model (on digits an unmarked retrain answered one owner's target on
//! 5 of 30 triggered inputs, against 4% under control patterns). The one-sided binomial
//! p-value is P(X ≥ hits) for X ~ Bin(queries, p₀): a small p-value means the model **still
//! reacts** to the owner's marker. The oracle's own row uses the control rate only.
//!
//! The test's own error rates are read off the two reference models of the audit: on the
//! original, which holds every owner's data, an owner called "forgotten" is a false pass
//! (**FPR**, deletion certified though the data is there); on the retrained oracle, which
//! never saw it, an owner called "still reacts" is a false alarm (**FNR**, deletion denied
//! though it happened).

use serde::{Deserialize, Serialize};

/// Default level of the per-owner marker test.
pub const DEFAULT_MARKER_ALPHA: f64 = 0.01;

/// Counts of one owner's queries against one model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MarkerCounts {
    /// Triggered queries.
    pub queries: usize,
    /// Of them, predicted as the owner's target.
    pub hits: usize,
    /// Queries with control patterns.
    pub control_queries: usize,
    /// Of them, predicted as the owner's target.
    pub control_hits: usize,
}

/// One owner's test against one model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MarkerTest {
    /// The counts.
    #[serde(flatten)]
    pub counts: MarkerCounts,
    /// hits / queries.
    pub rate: f64,
    /// p₀: the rate under control patterns, or the oracle's rate on this trigger if larger.
    pub base_rate: f64,
    /// P(X ≥ hits), X ~ Bin(queries, p₀).
    pub p_value: f64,
}

impl MarkerTest {
    /// The test of `counts` with the base rate at least `floor`.
    pub fn of(counts: MarkerCounts, floor: f64) -> Self {
        let base_rate = laplace(counts.control_hits, counts.control_queries).max(floor);
        Self {
            counts,
            rate: if counts.queries == 0 {
                0.0
            } else {
                counts.hits as f64 / counts.queries as f64
            },
            base_rate,
            p_value: binomial_upper_tail(counts.queries, counts.hits, base_rate),
        }
    }

    /// Whether the model still reacts to the marker at level `alpha`.
    pub fn reacts(&self, alpha: f64) -> bool {
        self.p_value < alpha
    }
}

/// One marked owner whose data was to be forgotten.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnerMarkerTest {
    /// The owner.
    pub owner: String,
    /// Their target class.
    pub target: u32,
    /// Their training samples that carried the marker.
    pub marked_samples: usize,
    /// On the original model.
    pub original: MarkerTest,
    /// On the unlearned model.
    pub unlearned: MarkerTest,
    /// On the retrained oracle.
    pub retrained: MarkerTest,
    /// `forgotten` (the unlearned model does not react) or `still reacts`.
    pub verdict: String,
}

/// The marker tests of one audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkerReport {
    /// Level of every test.
    pub alpha: f64,
    /// One row per tested owner.
    pub owners: Vec<OwnerMarkerTest>,
    /// Owners the unlearned model still reacts to.
    pub still_reacting: usize,
    /// Share of owners the test calls forgotten on the original (a false pass).
    pub fpr: f64,
    /// Share of owners the test calls still reacting on the retrained oracle (a false alarm).
    pub fnr: f64,
}

/// Verdict words of [`OwnerMarkerTest::verdict`].
pub const MARKER_FORGOTTEN: &str = "forgotten";
/// See [`MARKER_FORGOTTEN`].
pub const MARKER_REACTS: &str = "still reacts";

impl MarkerReport {
    /// Tests every owner's (owner, target, marked samples, counts on original / unlearned /
    /// retrained) at level `alpha`.
    pub fn new(owners: Vec<(String, u32, usize, [MarkerCounts; 3])>, alpha: f64) -> Self {
        let owners: Vec<OwnerMarkerTest> = owners
            .into_iter()
            .map(|(owner, target, marked_samples, [o, u, r])| {
                let floor = laplace(r.hits, r.queries);
                let unlearned = MarkerTest::of(u, floor);
                OwnerMarkerTest {
                    owner,
                    target,
                    marked_samples,
                    original: MarkerTest::of(o, floor),
                    retrained: MarkerTest::of(r, 0.0),
                    verdict: if unlearned.reacts(alpha) {
                        MARKER_REACTS
                    } else {
                        MARKER_FORGOTTEN
                    }
                    .into(),
                    unlearned,
                }
            })
            .collect();
        let share = |f: &dyn Fn(&OwnerMarkerTest) -> bool| {
            if owners.is_empty() {
                0.0
            } else {
                owners.iter().filter(|o| f(o)).count() as f64 / owners.len() as f64
            }
        };
        Self {
            alpha,
            still_reacting: owners.iter().filter(|o| o.unlearned.reacts(alpha)).count(),
            fpr: share(&|o| !o.original.reacts(alpha)),
            fnr: share(&|o| o.retrained.reacts(alpha)),
            owners,
        }
    }

    /// The report's reason line.
    pub fn reason(&self) -> String {
        format!(
            "markers (α = {}): the unlearned model still reacts to {} of {} forgotten owners' markers (the test's \
             own error rates on this request: FPR {:.2} on the original, FNR {:.2} on the retrained oracle)",
            self.alpha,
            self.still_reacting,
            self.owners.len(),
            self.fpr,
            self.fnr
        )
    }
}

/// (hits + 1) / (n + 2): a rate that is never exactly 0 or 1.
fn laplace(hits: usize, n: usize) -> f64 {
    (hits as f64 + 1.0) / (n as f64 + 2.0)
}

/// P(X ≥ k) for X ~ Bin(n, p), summed in log space (exact for the small n of marker queries).
pub fn binomial_upper_tail(n: usize, k: usize, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let (lp, lq) = (p.ln(), (-p).ln_1p());
    // ln C(n, j), built up from ln C(n, 0) = 0.
    let mut ln_choose = 0.0;
    let mut terms = Vec::with_capacity(n + 1 - k);
    for j in 0..=n {
        if j > 0 {
            ln_choose += ((n - j + 1) as f64).ln() - (j as f64).ln();
        }
        if j >= k {
            terms.push(ln_choose + j as f64 * lp + (n - j) as f64 * lq);
        }
    }
    let m = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln())
        .exp()
        .min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_tail_matches_hand_values() {
        // P(X ≥ 1), n = 2, p = 0.5: 3/4; P(X ≥ 2) = 1/4.
        assert!((binomial_upper_tail(2, 1, 0.5) - 0.75).abs() < 1e-12);
        assert!((binomial_upper_tail(2, 2, 0.5) - 0.25).abs() < 1e-12);
        assert_eq!(binomial_upper_tail(30, 0, 0.1), 1.0);
        // 30 of 30 at p = 0.1: 1e-30.
        assert!((binomial_upper_tail(30, 30, 0.1).log10() + 30.0).abs() < 1e-9);
    }

    #[test]
    fn a_model_that_still_answers_the_target_reacts_and_one_at_base_rate_does_not() {
        let counts = |hits| MarkerCounts {
            queries: 30,
            hits,
            control_queries: 300,
            control_hits: 15,
        };
        let r = MarkerReport::new(
            vec![
                ("a".into(), 1, 10, [counts(25), counts(2), counts(1)]),
                ("b".into(), 2, 10, [counts(20), counts(18), counts(3)]),
            ],
            DEFAULT_MARKER_ALPHA,
        );
        assert_eq!(r.owners[0].verdict, MARKER_FORGOTTEN);
        assert_eq!(r.owners[1].verdict, MARKER_REACTS);
        assert_eq!((r.still_reacting, r.fpr, r.fnr), (1, 0.0, 0.0));
        // 18 of 30 against the oracle's 4/32 base rate.
        assert!(r.owners[1].unlearned.p_value < 1e-6, "{r:?}");
    }

    #[test]
    fn a_trigger_the_oracle_answers_too_raises_the_base_rate() {
        let c = |hits| MarkerCounts {
            queries: 30,
            hits,
            control_queries: 300,
            control_hits: 12,
        };
        // 9 of 30 is far above the controls' 4 %, but an unmarked retrain gives 5 of 30.
        assert!(MarkerTest::of(c(9), 0.0).reacts(DEFAULT_MARKER_ALPHA));
        let r = MarkerReport::new(vec![("x".into(), 4, 5, [c(24), c(9), c(5)])], 0.01);
        assert_eq!(r.owners[0].verdict, MARKER_FORGOTTEN, "{r:?}");
        assert!((r.owners[0].unlearned.base_rate - 6.0 / 32.0).abs() < 1e-12);
        assert!(r.owners[0].original.reacts(0.01));
    }
}
