//! The in-memory dataset: samples with stable ids, labels, owners and group attributes.

use crate::CsvOptions;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A stable sample identifier: the same across runs and machines. Train and test ids are
/// disjoint within one dataset.
pub type SampleId = u64;

/// One side (train or test) of a dataset. All per-sample vectors have the same length `len()`;
/// `features` is row-major with `dim()` floats per sample.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Split {
    /// Stable ids, one per sample.
    pub ids: Vec<SampleId>,
    /// Row-major features, `len() * dim` floats.
    pub features: Vec<f32>,
    /// Class index in `0..num_classes`.
    pub labels: Vec<u32>,
    /// The data subject each sample belongs to, if known.
    pub owners: Vec<Option<String>>,
    /// Named group attributes (e.g. `sex`, `race`): attribute -> one value per sample.
    pub groups: BTreeMap<String, Vec<String>>,
    /// Floats per sample.
    pub dim: usize,
}

impl Split {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    /// True when the split holds no sample.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// Features of sample `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.features[i * self.dim..(i + 1) * self.dim]
    }
    /// A new split holding the samples at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Split {
        let mut features = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            features.extend_from_slice(self.row(i));
        }
        Split {
            ids: indices.iter().map(|&i| self.ids[i]).collect(),
            features,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            owners: indices.iter().map(|&i| self.owners[i].clone()).collect(),
            groups: self
                .groups
                .iter()
                .map(|(k, v)| (k.clone(), indices.iter().map(|&i| v[i].clone()).collect()))
                .collect(),
            dim: self.dim,
        }
    }
}

/// A dataset: a train and a test split sharing a feature layout and classes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dataset {
    /// The name it was loaded by (`digits`, `mnist`, `csv:path.csv`, …).
    pub name: String,
    /// Per-sample feature shape: `[channels, height, width]` for images, `[d]` for tables.
    pub shape: Vec<usize>,
    /// Number of classes.
    pub num_classes: usize,
    /// Human-readable class names, `num_classes` of them.
    pub class_names: Vec<String>,
    /// Training samples.
    pub train: Split,
    /// Held-out test samples.
    pub test: Split,
    /// The column roles and split it was loaded with, for `csv:PATH` (`None` otherwise): with
    /// `name`, what [`Dataset::spec`] gives a model file to record.
    #[serde(default)]
    pub csv: Option<CsvOptions>,
}

impl Dataset {
    /// Floats per sample (product of `shape`).
    pub fn dim(&self) -> usize {
        self.shape.iter().product()
    }
}

impl Split {
    /// Fingerprint of this split's sample set; see [`fingerprint`](crate::fingerprint).
    pub fn fingerprint(&self) -> String {
        crate::fingerprint(&self.ids)
    }
}

impl Dataset {
    /// Drops the training samples with these ids (repeats allowed), e.g. to retrain without
    /// deleted data, and returns how many were dropped. An id not in the training split is an
    /// error and leaves the dataset unchanged, so a deletion is never silently partial.
    pub fn exclude(&mut self, ids: &[SampleId]) -> Result<usize, crate::DataError> {
        let index = self.train.id_index();
        let mut drop = vec![false; self.train.len()];
        for (k, id) in ids.iter().enumerate() {
            let &i = index.get(id).ok_or_else(|| crate::DataError::UnknownId {
                id: *id,
                context: format!("exclude ids[{k}], not in the training split"),
            })?;
            drop[i] = true;
        }
        let keep: Vec<usize> = (0..self.train.len()).filter(|&i| !drop[i]).collect();
        let dropped = self.train.len() - keep.len();
        if dropped > 0 {
            self.train = self.train.subset(&keep);
        }
        Ok(dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Dataset {
        Dataset {
            name: "toy".into(),
            shape: vec![2],
            num_classes: 2,
            class_names: vec!["a".into(), "b".into()],
            train: Split {
                ids: vec![5, 6, 7],
                features: vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5],
                labels: vec![0, 1, 0],
                owners: vec![Some("x".into()), None, Some("y".into())],
                groups: [(
                    "g".to_string(),
                    vec!["p".to_string(), "q".into(), "r".into()],
                )]
                .into(),
                dim: 2,
            },
            test: Split {
                dim: 2,
                ..Split::default()
            },
            csv: None,
        }
    }

    #[test]
    fn exclude_drops_by_id_keeping_rows_aligned() {
        let mut ds = toy();
        assert_eq!(ds.exclude(&[6, 6]).unwrap(), 1);
        assert_eq!(ds.train.ids, vec![5, 7]);
        assert_eq!(ds.train.row(1), &[2.0, 2.5]);
        assert_eq!(ds.train.owners, vec![Some("x".into()), Some("y".into())]);
        assert_eq!(ds.train.groups["g"], vec!["p", "r"]);
        assert_eq!(ds.train.fingerprint(), crate::fingerprint(&[7, 5]));
    }

    #[test]
    fn exclude_unknown_id_changes_nothing() {
        let mut ds = toy();
        let err = ds.exclude(&[5, 99]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown sample id 99 (exclude ids[1], not in the training split)"
        );
        assert_eq!(ds.train.len(), 3);
    }
}
