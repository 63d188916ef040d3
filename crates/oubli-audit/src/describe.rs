//! The report's header: what was audited, in words and key facts, with
//! warnings when the inputs do not belong together.

use std::collections::BTreeMap;

use oubli_data::{fingerprint, Selection, Split};
use oubli_engine::AnyModel;
use oubli_verify::InputsDescription;

/// What the report's header says about the inputs.
pub(crate) struct Facts<'a> {
    /// The dataset's name.
    pub dataset_name: &'a str,
    /// Test samples (the audit's test split).
    pub test_samples: usize,
    /// The audited model (its lineage names the method).
    pub unlearned: &'a AnyModel,
    /// The forget request.
    pub selection: &'a Selection,
    /// The resolved forget set.
    pub forget: &'a Split,
    /// The resolved retain set.
    pub retain: &'a Split,
    /// Retain samples actually evaluated.
    pub retain_eval: usize,
    /// The given retrained model's recorded training-set fingerprint
    /// (`None`: the audit trained the oracle). A given one has been checked
    /// to be train − forget before the audit started.
    pub oracle_fingerprint: Option<&'a str>,
    /// How LiRA ran, or why not.
    pub lira: String,
    /// How the challenge score ran, or why not.
    pub challenge: String,
    /// Anything skipped along the way.
    pub notes: Vec<String>,
    /// The audit seed.
    pub seed: u64,
}

impl Facts<'_> {
    /// The [`InputsDescription`] of the report.
    pub fn describe(&self) -> InputsDescription {
        let lineage = self.unlearned.lineage();
        let method = lineage.method.as_str();
        let (model, recorded_forget) = match self.unlearned {
            AnyModel::Single(m) => (
                m.file.lineage.spec.arch_name().to_string(),
                m.file.lineage.forget_fingerprint.clone(),
            ),
            AnyModel::Sisa(m) => (
                format!("SISA ensemble of {}", m.spec().arch_name()),
                m.lineage().forget_fingerprint,
            ),
            AnyModel::Certified(_) => ("certified-removal logistic regression".to_string(), None),
        };
        let mut details: BTreeMap<String, String> = [
            ("dataset", self.dataset_name.to_string()),
            ("model", model),
            ("method", method.to_string()),
            ("forget set", summarise(self.selection)),
            ("forget samples", self.forget.len().to_string()),
            (
                "retain samples",
                format!("{} ({} evaluated)", self.retain.len(), self.retain_eval),
            ),
            ("test samples", self.test_samples.to_string()),
            (
                "retrained oracle",
                if self.oracle_fingerprint.is_some() {
                    "given".to_string()
                } else {
                    "trained by the audit: original's config and seed, without the forget set"
                        .to_string()
                },
            ),
            ("LiRA", self.lira.clone()),
            ("challenge score", self.challenge.clone()),
            ("audit seed", self.seed.to_string()),
            ("unlearned weights sha256", lineage.weights_sha256.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        // A model unlearned by oubli records its forget set; a different one
        // means the audit is asking about samples the method was not told of.
        let asked = fingerprint(&self.forget.ids);
        if let Some(recorded) = recorded_forget.as_ref().filter(|r| **r != asked) {
            details.insert(
                "warning".into(),
                format!(
                    "the unlearned model records forget set {recorded}, the audit checks {asked}"
                ),
            );
        }
        for (i, n) in self.notes.iter().enumerate() {
            details.insert(format!("note {}", i + 1), n.clone());
        }
        InputsDescription {
            title: format!(
                "Unlearning audit: {} {} samples forgotten by {method}",
                self.forget.len(),
                self.dataset_name
            ),
            description: format!(
                "The unlearned model is compared with a model retrained from scratch without the forget set, on \
                 accuracy, membership attacks (loss threshold, NeurIPS 2023 simple MIA, confidence MIA, LiRA), \
                 prediction divergence, weight distance and relearn time. The original model shows whether there \
                 was anything to forget. {} forget, {} retain and {} test samples.",
                self.forget.len(),
                self.retain.len(),
                self.test_samples
            ),
            details,
        }
    }
}

/// The request's criteria in a line ("classes 3; owners 58, 59"); long id
/// lists are counted, not listed, so the page header stays readable.
fn summarise(sel: &Selection) -> String {
    let list = |v: Vec<String>| {
        if v.len() > 10 {
            format!("{} of them", v.len())
        } else {
            v.join(", ")
        }
    };
    let mut parts = Vec::new();
    if !sel.ids.is_empty() {
        parts.push(format!(
            "ids {}",
            list(sel.ids.iter().map(u64::to_string).collect())
        ));
    }
    if !sel.owners.is_empty() {
        parts.push(format!("owners {}", list(sel.owners.clone())));
    }
    if !sel.classes.is_empty() {
        parts.push(format!(
            "classes {}",
            list(sel.classes.iter().map(u32::to_string).collect())
        ));
    }
    if let Some(f) = sel.random_fraction {
        parts.push(format!("random {}% (seed {})", 100.0 * f, sel.random_seed));
    }
    for (attr, value) in &sel.attributes {
        parts.push(format!("{attr}={value}"));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_are_summarised_in_one_line() {
        let sel = Selection {
            ids: (0..12).collect(),
            owners: vec!["58".into(), "59".into()],
            random_fraction: Some(0.25),
            random_seed: 5,
            attributes: vec![("sex".into(), "F".into())],
            ..Selection::default()
        };
        assert_eq!(
            summarise(&sel),
            "ids 12 of them; owners 58, 59; random 25% (seed 5); sex=F"
        );
    }
}
