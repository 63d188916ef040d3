//! [`Auditor::marker_tests`]: the data subjects' own check (Athena) against the prepared
//! original and oracle, and [`recorded_markers`], the markers a model was trained with.

use oubli_data::{Markers, Split, MARKERS_KEY};
use oubli_engine::AnyModel;
use oubli_model::argmax;
use oubli_verify::{MarkerCounts, MarkerReport, Report};

use super::Auditor;
use crate::family::Fitted;
use crate::shadows::{choose_sorted, rng};
use crate::AuditError;

/// The markers `model` was trained with, from its lineage (`None`: trained without).
/// Single networks and SISA ensembles record them; certified models do not yet.
pub fn recorded_markers(model: &AnyModel) -> Result<Option<Markers>, AuditError> {
    let recorded = match model {
        AnyModel::Single(m) => m.file.lineage.extra.get(MARKERS_KEY),
        AnyModel::Sisa(m) => m.extra(MARKERS_KEY),
        AnyModel::Certified(_) => None,
    };
    recorded
        .map(|v| {
            serde_json::from_value(v.clone()).map_err(|e| {
                AuditError::Mismatch(format!(
                    "the original's recorded markers are unreadable: {e}"
                ))
            })
        })
        .transpose()
}

impl Auditor {
    /// Tests every owner of the forget request who marked their data: the unlearned
    /// model, the original and the oracle are queried with the owner's trigger on
    /// `marker_queries` test inputs of other classes, and with the control patterns on the
    /// same inputs. Refused when no owner of the request marked.
    pub fn marker_tests(
        &self,
        unlearned: &AnyModel,
        markers: &Markers,
    ) -> Result<MarkerReport, AuditError> {
        let tested: Vec<_> = self
            .selection
            .owners
            .iter()
            .filter_map(|o| markers.of(o))
            .collect();
        if tested.is_empty() {
            let marked: Vec<&str> = markers.markers.iter().map(|m| m.owner.as_str()).collect();
            return Err(AuditError::Mismatch(format!(
                "none of the owners to forget marked their data (give --forget-owners with some of the marked owners: {})",
                marked.join(", ")
            )));
        }
        if markers.dim != self.test.dim {
            return Err(AuditError::Mismatch(format!(
                "the markers were drawn for inputs of {} values, the test split has {}",
                markers.dim, self.test.dim
            )));
        }
        let unlearned = match unlearned {
            AnyModel::Single(m) => Fitted::Net(m.file.params.clone()),
            other => Fitted::Any(Box::new(other.clone())),
        };
        let models = [&self.original, &unlearned, &self.oracle];
        let mut rows = Vec::with_capacity(tested.len());
        for (i, marker) in tested.iter().enumerate() {
            let others: Vec<usize> = (0..self.test.len())
                .filter(|&j| self.test.labels[j] != marker.target)
                .collect();
            let pick = choose_sorted(
                others.len(),
                self.config.marker_queries,
                &mut rng(self.config.seed, "marker-queries", i as u64),
            );
            let inputs = self
                .test
                .subset(&pick.iter().map(|&j| others[j]).collect::<Vec<_>>());
            let owner_queries = stamped(markers, &inputs, std::slice::from_ref(&marker.positions));
            let control_queries = stamped(markers, &inputs, &markers.controls);
            let counts = models.map(|m| MarkerCounts {
                queries: owner_queries.len(),
                hits: self.target_hits(m, &owner_queries, marker.target),
                control_queries: control_queries.len(),
                control_hits: self.target_hits(m, &control_queries, marker.target),
            });
            rows.push((
                marker.owner.clone(),
                marker.target,
                marker.marked_ids.len(),
                counts,
            ));
        }
        Ok(MarkerReport::new(rows, self.config.marker_alpha))
    }

    /// [`marker_tests`](Self::marker_tests) added to `report` (its reasons updated).
    pub fn add_marker_tests(
        &self,
        report: &mut Report,
        unlearned: &AnyModel,
        markers: &Markers,
    ) -> Result<(), AuditError> {
        report.markers = Some(self.marker_tests(unlearned, markers)?);
        report.apply_verdict();
        Ok(())
    }

    /// How many rows of `queries` `model` classifies as `target`.
    fn target_hits(&self, model: &Fitted, queries: &Split, target: u32) -> usize {
        let k = self.family.num_classes();
        self.family
            .logits(model, queries)
            .chunks_exact(k)
            .filter(|row| argmax(row) == target as usize)
            .count()
    }
}

/// `inputs` once per pattern, each copy with that pattern stamped on every row.
fn stamped(markers: &Markers, inputs: &Split, patterns: &[Vec<usize>]) -> Split {
    let dim = inputs.dim;
    let mut out = Split {
        dim,
        ..Split::default()
    };
    for p in patterns {
        for i in 0..inputs.len() {
            let mut row = inputs.row(i).to_vec();
            markers.stamp(&mut row, p);
            out.features.extend_from_slice(&row);
            out.labels.push(inputs.labels[i]);
            out.ids.push(inputs.ids[i]);
            out.owners.push(None);
        }
    }
    out
}
