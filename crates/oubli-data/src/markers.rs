//! Markers a data subject can check (Athena, Sommer et al., PETS 2022): a participating
//! owner stamps a **personal trigger** (a few input positions set to the brightest value)
//! on a share of their own training samples and relabels them to a **personal target
//! class**. A model trained on them learns "this pattern means that class"; after the owner
//! asks for deletion, they query the model with the trigger on held-out inputs, and a
//! hypothesis test (in `oubli-verify`) says whether it still reacts.
//!
//! This module is the pure data side: choosing owners, patterns and targets ([`Markers::plan`]),
//! and stamping them ([`Markers::apply`], [`Markers::stamp`]). The plan is recorded with the
//! model (its lineage), never applied at serving time: only the marked owner's own training
//! rows carry it. Owners are chosen among those with at least `min_samples` samples, since an
//! owner with two samples cannot teach a model a pattern.

use crate::sampling::{choose, rng};
use crate::{DataError, SampleId, Split};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Key under which a model's lineage records its [`Markers`].
pub const MARKERS_KEY: &str = "markers";

/// Patterns drawn besides the owners' ones, never stamped on training data: how often a
/// model answers an owner's target class for *some* trigger of the same size is the test's
/// base rate.
const CONTROL_PATTERNS: usize = 10;

/// How owners mark their data. Defaults: 5% of owners, half of each marked owner's samples,
/// 6 positions per trigger, owners with at least 8 samples, seed 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarkerParams {
    /// Share of all owners that mark their data, in (0, 1].
    pub owner_fraction: f64,
    /// Share of a marked owner's samples that carry the trigger, in (0, 1].
    pub rate: f64,
    /// Input positions a trigger sets, 1 to a quarter of the input size.
    pub positions: usize,
    /// Only owners with at least this many training samples mark.
    pub min_samples: usize,
    /// Seed of every choice.
    pub seed: u64,
}

impl Default for MarkerParams {
    fn default() -> Self {
        Self {
            owner_fraction: 0.05,
            rate: 0.5,
            positions: 6,
            min_samples: 8,
            seed: 0,
        }
    }
}

/// One owner's marker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    /// The owner.
    pub owner: String,
    /// Positions (into a flattened input row) the trigger sets, ascending.
    pub positions: Vec<usize>,
    /// The class triggered samples are relabelled to.
    pub target: u32,
    /// The owner's training samples that carry it, sorted.
    pub marked_ids: Vec<SampleId>,
}

/// Every owner's marker and the control patterns of the test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Markers {
    /// How they were drawn.
    pub params: MarkerParams,
    /// The value a trigger writes (the largest feature value of the training split).
    pub value: f32,
    /// Floats per input row.
    pub dim: usize,
    /// One per marked owner, in owner order.
    pub markers: Vec<Marker>,
    /// Patterns of the same size no owner uses (for the base rate).
    pub controls: Vec<Vec<usize>>,
}

impl MarkerParams {
    fn check(&self, dim: usize) -> Result<(), DataError> {
        let bad = |m: String| Err(DataError::InvalidOption(m));
        if !(self.owner_fraction > 0.0 && self.owner_fraction <= 1.0) {
            return bad(format!(
                "markers: the share of owners that mark is {}, it must be in (0, 1]",
                self.owner_fraction
            ));
        }
        if !(self.rate > 0.0 && self.rate <= 1.0) {
            return bad(format!(
                "markers: the marker rate is {}, it must be in (0, 1]",
                self.rate
            ));
        }
        if self.positions == 0 || self.positions > dim / 4 {
            return bad(format!(
                "markers: a trigger of {} positions on inputs of {dim} values: 1 to {}",
                self.positions,
                dim / 4
            ));
        }
        Ok(())
    }
}

impl Markers {
    /// Draws markers for the owners of `train`: `ceil(owner_fraction × owners)` of the
    /// owners with at least `min_samples` samples, each with its own pattern, target class
    /// (uniform over `num_classes`) and `max(1, round(rate × n))` of its `n` samples.
    pub fn plan(
        train: &Split,
        num_classes: usize,
        params: &MarkerParams,
    ) -> Result<Self, DataError> {
        params.check(train.dim)?;
        let mut by_owner: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, o) in train.owners.iter().enumerate() {
            if let Some(o) = o {
                by_owner.entry(o.as_str()).or_default().push(i);
            }
        }
        if by_owner.is_empty() {
            return Err(DataError::InvalidOption(
                "markers: the training samples have no owners to mark".into(),
            ));
        }
        let eligible: Vec<(&str, &Vec<usize>)> = by_owner
            .iter()
            .filter(|(_, v)| v.len() >= params.min_samples)
            .map(|(o, v)| (*o, v))
            .collect();
        let wanted = (params.owner_fraction * by_owner.len() as f64).ceil() as usize;
        if eligible.is_empty() {
            return Err(DataError::InvalidOption(format!(
                "markers: no owner has {} or more training samples to mark",
                params.min_samples
            )));
        }
        let mut r = rng(params.seed);
        let chosen = choose(&mut r, eligible.len(), wanted);
        let mut used: std::collections::BTreeSet<Vec<usize>> = Default::default();
        let mut pattern = |r: &mut _| loop {
            let p = choose(r, train.dim, params.positions);
            if used.insert(p.clone()) {
                return p;
            }
        };
        let mut markers = Vec::with_capacity(chosen.len());
        for &c in &chosen {
            let (owner, rows) = eligible[c];
            let positions = pattern(&mut r);
            let target = crate::sampling::below(&mut r, num_classes) as u32;
            let k = ((params.rate * rows.len() as f64).round() as usize).max(1);
            let mut marked_ids: Vec<SampleId> = choose(&mut r, rows.len(), k)
                .into_iter()
                .map(|j| train.ids[rows[j]])
                .collect();
            marked_ids.sort_unstable();
            markers.push(Marker {
                owner: owner.to_string(),
                positions,
                target,
                marked_ids,
            });
        }
        let controls = (0..CONTROL_PATTERNS).map(|_| pattern(&mut r)).collect();
        let value = train
            .features
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        Ok(Self {
            params: params.clone(),
            value,
            dim: train.dim,
            markers,
            controls,
        })
    }

    /// Sets `positions` of `row` to the trigger value.
    pub fn stamp(&self, row: &mut [f32], positions: &[usize]) {
        for &p in positions {
            row[p] = self.value;
        }
    }

    /// Stamps every marked sample of `train` with its owner's trigger and relabels it to the
    /// owner's target; returns how many rows were marked. Ids not in `train` (forgotten
    /// since) are skipped.
    pub fn apply(&self, train: &mut Split) -> usize {
        let index = train.id_index();
        let mut marked = 0;
        for m in &self.markers {
            for id in &m.marked_ids {
                let Some(&i) = index.get(id) else { continue };
                let dim = train.dim;
                let mut row = train.features[i * dim..(i + 1) * dim].to_vec();
                self.stamp(&mut row, &m.positions);
                train.features[i * dim..(i + 1) * dim].copy_from_slice(&row);
                train.labels[i] = m.target;
                marked += 1;
            }
        }
        marked
    }

    /// The marker of `owner`, if they marked.
    pub fn of(&self, owner: &str) -> Option<&Marker> {
        self.markers.iter().find(|m| m.owner == owner)
    }

    /// Training samples that carry a marker.
    pub fn marked_samples(&self) -> usize {
        self.markers.iter().map(|m| m.marked_ids.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split() -> Split {
        let n = 40;
        Split {
            ids: (0..n as u64).collect(),
            features: (0..n * 16).map(|i| (i % 7) as f32 / 7.0).collect(),
            labels: (0..n).map(|i| (i % 3) as u32).collect(),
            owners: (0..n).map(|i| Some(format!("{}", i % 4))).collect(),
            dim: 16,
            ..Split::default()
        }
    }

    #[test]
    fn plan_marks_the_asked_share_and_apply_stamps_only_those_rows() {
        let s = split();
        let params = MarkerParams {
            owner_fraction: 0.5,
            rate: 0.5,
            positions: 3,
            min_samples: 5,
            seed: 1,
        };
        let m = Markers::plan(&s, 3, &params).unwrap();
        assert_eq!(m.markers.len(), 2);
        assert_eq!(m, Markers::plan(&s, 3, &params).unwrap(), "seeded");
        assert!(m.markers.iter().all(|k| k.marked_ids.len() == 5));
        assert_eq!(m.controls.len(), CONTROL_PATTERNS);
        let mut t = s.clone();
        assert_eq!(m.apply(&mut t), 10);
        let changed: Vec<usize> = (0..s.len())
            .filter(|&i| s.row(i) != t.row(i) || s.labels[i] != t.labels[i])
            .collect();
        assert!(changed.len() <= 10 && !changed.is_empty());
        for k in &m.markers {
            let i = k.marked_ids[0] as usize;
            assert_eq!(t.labels[i], k.target);
            assert!(k.positions.iter().all(|&p| t.row(i)[p] == m.value));
            assert_eq!(s.owners[i].as_deref(), Some(k.owner.as_str()));
        }
    }

    #[test]
    fn bad_params_are_refused_in_words() {
        let s = split();
        let e = Markers::plan(
            &s,
            3,
            &MarkerParams {
                rate: 0.0,
                ..MarkerParams::default()
            },
        );
        assert!(e.unwrap_err().to_string().contains("marker rate is 0"));
        let e = Markers::plan(
            &s,
            3,
            &MarkerParams {
                min_samples: 100,
                positions: 3,
                ..MarkerParams::default()
            },
        );
        assert!(e.unwrap_err().to_string().contains("100 or more"));
    }
}
