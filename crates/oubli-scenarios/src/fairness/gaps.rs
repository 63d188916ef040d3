//! Group fairness of hard predictions: the demographic-parity and equalised-odds gaps between
//! the two groups of one sensitive attribute, split in two ([`Protected`]).
//!
//! - Demographic parity gap: `|P(ŷ=1 | A) − P(ŷ=1 | B)|`.
//! - Equalised-odds gap (Hardt et al. 2016, as fairlearn's `equalized_odds_difference`): the
//!   larger of the true-positive-rate gap and the false-positive-rate gap,
//!   `max_y |P(ŷ=1 | A, y) − P(ŷ=1 | B, y)|`.
//!
//! ŷ = 1 is the dataset's class 1 (`>50K` on adult, `recid` on compas).

use crate::ScenarioError;
use oubli_data::Split;
use serde::Serialize;

/// A sensitive attribute split into two groups: `A` (rows whose value is `value`) and `B`
/// (every other row, missing values included).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Protected {
    /// The group attribute (`sex`, `race`).
    pub attribute: String,
    /// The value that puts a row in group A.
    pub value: String,
}

impl Protected {
    /// Parses `ATTR=VALUE`, or a bare `ATTR` with the documented default split for the
    /// benchmarks: `sex` → Male vs the rest; `race` → White vs non-white on adult,
    /// African-American vs the rest on compas (ProPublica's comparison).
    pub fn parse(dataset: &str, spec: &str) -> Result<Self, ScenarioError> {
        if let Some((attribute, value)) = spec.split_once('=') {
            if attribute.is_empty() || value.is_empty() {
                return Err(ScenarioError::InvalidParam {
                    field: "attribute",
                    reason: format!("`{spec}`: expected ATTR or ATTR=VALUE"),
                });
            }
            return Ok(Self {
                attribute: attribute.into(),
                value: value.into(),
            });
        }
        let value = match (dataset, spec) {
            (_, "sex") => "Male",
            ("adult", "race") => "White",
            ("compas", "race") => "African-American",
            _ => {
                return Err(ScenarioError::InvalidParam {
                    field: "attribute",
                    reason: format!(
                        "no default split of `{spec}` on `{dataset}`: name the group, e.g. {spec}=VALUE"
                    ),
                })
            }
        };
        Ok(Self {
            attribute: spec.into(),
            value: value.into(),
        })
    }

    /// `VALUE vs other` in words.
    pub fn describe(&self) -> String {
        format!("{}: {} vs other", self.attribute, self.value)
    }

    /// Per row of `split`: whether it is in group A. Refuses a split without the attribute,
    /// or one where either group is empty (no gap is defined then).
    pub fn members(&self, split: &Split, dataset: &str) -> Result<Vec<bool>, ScenarioError> {
        let values =
            split
                .groups
                .get(&self.attribute)
                .ok_or_else(|| ScenarioError::UnsuitableDataset {
                    dataset: dataset.into(),
                    reason: format!(
                        "no group attribute `{}` (it has: {})",
                        self.attribute,
                        split.groups.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                })?;
        let a: Vec<bool> = values.iter().map(|v| *v == self.value).collect();
        let in_a = a.iter().filter(|&&x| x).count();
        if in_a == 0 || in_a == a.len() {
            return Err(ScenarioError::UnsuitableDataset {
                dataset: dataset.into(),
                reason: format!(
                    "{}: {in_a} of {} rows are `{}`; both groups need rows",
                    self.attribute,
                    a.len(),
                    self.value
                ),
            });
        }
        Ok(a)
    }
}

/// The gaps of one attribute, with the rates behind them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Gaps {
    /// `|P(ŷ=1 | A) − P(ŷ=1 | B)|`.
    pub demographic_parity: f64,
    /// `max(|TPR_A − TPR_B|, |FPR_A − FPR_B|)`.
    pub equalised_odds: f64,
    /// `P(ŷ=1 | A)`.
    pub positive_rate_a: f64,
    /// `P(ŷ=1 | B)`.
    pub positive_rate_b: f64,
}

fn rate(hits: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        hits as f64 / of as f64
    }
}

/// The gaps of hard predictions `predicted` (class 1 = positive) against `labels` for the
/// groups `in_a`. A group without rows of some label contributes a rate of 0 to that term.
pub fn gaps(predicted: &[bool], labels: &[u32], in_a: &[bool]) -> Gaps {
    // counts[group][label] = (rows, predicted positive)
    let mut counts = [[(0usize, 0usize); 2]; 2];
    for ((&p, &y), &a) in predicted.iter().zip(labels).zip(in_a) {
        let c = &mut counts[usize::from(!a)][usize::from(y == 1)];
        c.0 += 1;
        c.1 += usize::from(p);
    }
    let group = |g: usize| {
        let [neg, pos] = counts[g];
        (
            rate(neg.1 + pos.1, neg.0 + pos.0),
            rate(pos.1, pos.0),
            rate(neg.1, neg.0),
        )
    };
    let (pa, tpr_a, fpr_a) = group(0);
    let (pb, tpr_b, fpr_b) = group(1);
    Gaps {
        demographic_parity: (pa - pb).abs(),
        equalised_odds: (tpr_a - tpr_b).abs().max((fpr_a - fpr_b).abs()),
        positive_rate_a: pa,
        positive_rate_b: pb,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_count_rates_per_group_and_label() {
        // A: labels 1,1,0,0 predicted 1,0,1,0 → rate 1/2, TPR 1/2, FPR 1/2.
        // B: labels 1,0,0,0 predicted 1,0,0,0 → rate 1/4, TPR 1,   FPR 0.
        let predicted = [true, false, true, false, true, false, false, false];
        let labels = [1, 1, 0, 0, 1, 0, 0, 0];
        let in_a = [true, true, true, true, false, false, false, false];
        let g = gaps(&predicted, &labels, &in_a);
        assert_eq!(g.positive_rate_a, 0.5);
        assert_eq!(g.positive_rate_b, 0.25);
        assert_eq!(g.demographic_parity, 0.25);
        assert_eq!(g.equalised_odds, 0.5);
    }

    #[test]
    fn default_splits_and_refusals() {
        let p = Protected::parse("compas", "race").unwrap();
        assert_eq!(p.value, "African-American");
        assert_eq!(Protected::parse("adult", "race").unwrap().value, "White");
        assert_eq!(Protected::parse("digits", "sex").unwrap().value, "Male");
        assert_eq!(
            Protected::parse("x", "race=Black").unwrap(),
            Protected {
                attribute: "race".into(),
                value: "Black".into()
            }
        );
        assert!(Protected::parse("digits", "race").is_err());
        assert!(Protected::parse("adult", "=x").is_err());
        let split = Split {
            labels: vec![0, 1],
            groups: [("sex".to_string(), vec!["Male".to_string(), "Male".into()])].into(),
            ..Split::default()
        };
        let err = p.members(&split, "t").unwrap_err().to_string();
        assert!(err.contains("no group attribute `race`"), "{err}");
        let sex = Protected::parse("t", "sex").unwrap();
        let err = sex.members(&split, "t").unwrap_err().to_string();
        assert!(err.contains("both groups need rows"), "{err}");
    }
}
