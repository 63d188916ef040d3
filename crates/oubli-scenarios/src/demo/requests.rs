//! The tour's three deletion requests, and what their results say in words.

use super::DemoReport;
use crate::ScenarioError;
use oubli_data::{Dataset, SampleId, Selection};
use oubli_verify::Verdict;
use serde::Serialize;
use std::collections::BTreeMap;

/// Which of the three requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestKind {
    /// Every sample of one data subject (GDPR erasure).
    Owner,
    /// Every sample of one class.
    Class,
    /// The poisoned training images (a backdoor).
    Poison,
}

impl RequestKind {
    /// Short name, as in JSON, anchors and report paths.
    pub fn key(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Class => "class",
            Self::Poison => "poison",
        }
    }
}

/// One request of the tour.
#[derive(Debug, Clone, Serialize)]
pub struct DemoRequest {
    /// Which.
    pub kind: RequestKind,
    /// In words ("owner 58 (9 samples)").
    pub title: String,
    /// Training samples it removes.
    pub forget_samples: usize,
    /// What it selects.
    #[serde(skip)]
    pub selection: Selection,
}

/// The owner with the most samples (ties: the smallest name), so that the request moves the
/// numbers as much as one person can; the class `class`; every poisoned image.
pub(super) fn choose(
    data: &Dataset,
    class: u32,
    poisoned: &[SampleId],
) -> Result<Vec<DemoRequest>, ScenarioError> {
    let mut counts = BTreeMap::<&str, usize>::new();
    for o in data.train.owners.iter().flatten() {
        *counts.entry(o.as_str()).or_default() += 1;
    }
    let owner = counts
        .into_iter()
        .max_by_key(|&(o, c)| (c, std::cmp::Reverse(o)))
        .map(|(o, _)| o.to_string())
        .ok_or_else(|| ScenarioError::UnsuitableDataset {
            dataset: data.name.clone(),
            reason: "its training samples have no owners".into(),
        })?;
    if class as usize >= data.num_classes {
        return Err(ScenarioError::InvalidParam {
            field: "class",
            reason: format!("class {class} of {}", data.num_classes),
        });
    }
    let selections = [
        (
            RequestKind::Owner,
            format!("owner {owner}"),
            Selection {
                owners: vec![owner.clone()],
                ..Selection::default()
            },
        ),
        (
            RequestKind::Class,
            format!("class {class}"),
            Selection {
                classes: vec![class],
                ..Selection::default()
            },
        ),
        (
            RequestKind::Poison,
            "the poisoned images".to_string(),
            Selection {
                ids: poisoned.to_vec(),
                ..Selection::default()
            },
        ),
    ];
    selections
        .into_iter()
        .map(|(kind, what, selection)| {
            let n = data.select(&selection)?.len();
            Ok(DemoRequest {
                kind,
                title: format!("{what} ({n} samples)"),
                forget_samples: n,
                selection,
            })
        })
        .collect()
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The tour's conclusions, in words: what the oracle did, which methods matched it, and
/// what the verdicts were.
pub(super) fn findings(r: &DemoReport) -> Vec<String> {
    let mut out = Vec::new();
    for q in &r.requests {
        let Some(oracle) = q.methods.iter().find(|m| m.method == "retrain") else {
            continue;
        };
        let mut line = format!(
            "{}: retrain takes forget accuracy from {} to {} (test {} → {})",
            q.request.title,
            pct(q.before_plain.forget_accuracy),
            pct(oracle.after.forget_accuracy),
            pct(q.before_plain.test_accuracy),
            pct(oracle.after.test_accuracy)
        );
        if q.request.kind == RequestKind::Poison {
            line += &format!(
                "; attack success {} → {}",
                pct(q.before_plain.attack_success),
                pct(oracle.after.attack_success)
            );
        }
        out.push(line);
        let by = |v: Verdict| -> Vec<&str> {
            q.methods
                .iter()
                .filter(|m| m.verdict == v)
                .map(|m| m.method.as_str())
                .collect()
        };
        let mut verdicts = Vec::new();
        for v in [
            Verdict::Forgotten,
            Verdict::NotForgotten,
            Verdict::Inconclusive,
        ] {
            let names = by(v);
            if !names.is_empty() {
                verdicts.push(format!("{v}: {}", names.join(", ")));
            }
        }
        out.push(format!("  verdicts — {}", verdicts.join("; ")));
    }
    out
}
