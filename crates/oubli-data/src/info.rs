//! A dataset's summary, for `oubli data info` and for recording alongside results.

use crate::Dataset;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// How many training samples the owners hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnerSizes {
    /// Samples of the smallest owner.
    pub min: usize,
    /// Median samples per owner (mean of the two middle owners when their number is even).
    pub median: f64,
    /// Samples of the largest owner.
    pub max: usize,
}

/// Summary of a [`Dataset`]; counts of owners and groups are over the training split, where
/// deletion requests apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// Dataset name.
    pub name: String,
    /// Per-sample feature shape.
    pub shape: Vec<usize>,
    /// Number of classes.
    pub num_classes: usize,
    /// Class names.
    pub class_names: Vec<String>,
    /// Training samples.
    pub train_size: usize,
    /// Test samples.
    pub test_size: usize,
    /// Training samples per class.
    pub train_class_counts: Vec<usize>,
    /// Test samples per class.
    pub test_class_counts: Vec<usize>,
    /// Distinct owners of training samples.
    pub owners: usize,
    /// Training samples without an owner.
    pub unowned: usize,
    /// Owner size statistics, when there is at least one owner.
    pub owner_sizes: Option<OwnerSizes>,
    /// Group attribute -> value -> training samples with that value.
    pub groups: BTreeMap<String, BTreeMap<String, usize>>,
}

fn class_counts(labels: &[u32], num_classes: usize) -> Vec<usize> {
    let mut counts = vec![0; num_classes];
    for &l in labels {
        if let Some(c) = counts.get_mut(l as usize) {
            *c += 1;
        }
    }
    counts
}

impl Dataset {
    /// Summarises the dataset.
    pub fn info(&self) -> DatasetInfo {
        let mut per_owner: BTreeMap<&str, usize> = BTreeMap::new();
        for o in self.train.owners.iter().flatten() {
            *per_owner.entry(o).or_default() += 1;
        }
        let mut sizes: Vec<usize> = per_owner.values().copied().collect();
        sizes.sort_unstable();
        let owner_sizes = (!sizes.is_empty()).then(|| {
            let n = sizes.len();
            let median = if n % 2 == 1 {
                sizes[n / 2] as f64
            } else {
                (sizes[n / 2 - 1] + sizes[n / 2]) as f64 / 2.0
            };
            OwnerSizes {
                min: sizes[0],
                median,
                max: sizes[n - 1],
            }
        });
        let groups = self
            .train
            .groups
            .iter()
            .map(|(attr, values)| {
                let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                for v in values {
                    *counts.entry(v.clone()).or_default() += 1;
                }
                (attr.clone(), counts)
            })
            .collect();
        DatasetInfo {
            name: self.name.clone(),
            shape: self.shape.clone(),
            num_classes: self.num_classes,
            class_names: self.class_names.clone(),
            train_size: self.train.len(),
            test_size: self.test.len(),
            train_class_counts: class_counts(&self.train.labels, self.num_classes),
            test_class_counts: class_counts(&self.test.labels, self.num_classes),
            owners: per_owner.len(),
            unowned: self.train.owners.iter().filter(|o| o.is_none()).count(),
            owner_sizes,
            groups,
        }
    }
}

impl fmt::Display for DatasetInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "dataset   {}", self.name)?;
        let shape: Vec<String> = self.shape.iter().map(usize::to_string).collect();
        writeln!(
            f,
            "shape     {} ({} features)",
            shape.join("x"),
            self.shape.iter().product::<usize>()
        )?;
        writeln!(
            f,
            "samples   {} train, {} test",
            self.train_size, self.test_size
        )?;
        writeln!(f, "classes   {}", self.num_classes)?;
        let width = self
            .class_names
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(0)
            .max(5);
        writeln!(f, "  {:<width$}  {:>7}  {:>7}", "class", "train", "test")?;
        for (c, name) in self.class_names.iter().enumerate() {
            let train = self.train_class_counts.get(c).copied().unwrap_or(0);
            let test = self.test_class_counts.get(c).copied().unwrap_or(0);
            writeln!(f, "  {name:<width$}  {train:>7}  {test:>7}")?;
        }
        match &self.owner_sizes {
            Some(s) => writeln!(
                f,
                "owners    {} (samples per owner: min {}, median {}, max {})",
                self.owners, s.min, s.median, s.max
            )?,
            None => writeln!(f, "owners    none")?,
        }
        if self.unowned > 0 && self.owners > 0 {
            writeln!(
                f,
                "          {} training samples have no owner",
                self.unowned
            )?;
        }
        if !self.groups.is_empty() {
            writeln!(f, "groups")?;
            for (attr, counts) in &self.groups {
                let values: Vec<String> = counts.iter().map(|(v, n)| format!("{v} {n}")).collect();
                writeln!(f, "  {attr}: {}", values.join(", "))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Dataset, Split};

    #[test]
    fn info_counts_classes_owners_and_groups() {
        let owners = ["a", "a", "a", "b", "c", "c"];
        let train = Split {
            ids: (0..7).collect(),
            features: vec![0.0; 7],
            labels: vec![0, 1, 1, 0, 1, 1, 1],
            owners: owners
                .iter()
                .map(|o| Some(o.to_string()))
                .chain([None])
                .collect(),
            groups: [(
                "sex".to_string(),
                ["F", "M", "F", "F", "M", "F", "F"]
                    .map(String::from)
                    .to_vec(),
            )]
            .into(),
            dim: 1,
        };
        let ds = Dataset {
            name: "toy".into(),
            shape: vec![1],
            num_classes: 2,
            class_names: vec!["no".into(), "yes".into()],
            train,
            test: Split {
                dim: 1,
                ..Split::default()
            },
            csv: None,
        };
        let info = ds.info();
        assert_eq!(info.train_class_counts, vec![2, 5]);
        assert_eq!(info.test_class_counts, vec![0, 0]);
        assert_eq!((info.owners, info.unowned), (3, 1));
        let s = info.owner_sizes.clone().unwrap();
        assert_eq!((s.min, s.median, s.max), (1, 2.0, 3));
        assert_eq!(info.groups["sex"]["F"], 5);
        let text = info.to_string();
        assert!(text.contains("samples   7 train, 0 test"), "{text}");
        assert!(
            text.contains("owners    3 (samples per owner: min 1, median 2, max 3)"),
            "{text}"
        );
        assert!(text.contains("  sex: F 5, M 2"), "{text}");
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["owner_sizes"]["max"], 3);
    }
}
