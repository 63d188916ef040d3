//! Which samples a request names: [`Selection`] and its evaluation against a [`Split`].
//!
//! A selection is a deletion (or audit) request, so its criteria are **unioned**: "samples
//! 3 and 9, everything of owner `alice`, and everyone with `sex=Female`" names all of those.
//! Anything that names nothing real — an id not in the split, an owner owning nothing, a class
//! out of range, an attribute or value no sample has — is an error rather than a silent no-op,
//! because a typo in a deletion request must not look like a successful deletion.

use crate::sampling::{choose, rng};
use crate::{DataError, Dataset, SampleId, Split};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// A set of samples named by ids, owners, classes, a seeded random fraction and/or group
/// attributes; the result is the union of all criteria.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Selection {
    /// Samples by id.
    pub ids: Vec<SampleId>,
    /// All samples of these owners.
    pub owners: Vec<String>,
    /// All samples of these classes.
    pub classes: Vec<u32>,
    /// `round(f * n)` samples drawn uniformly from the whole split.
    pub random_fraction: Option<f64>,
    /// Seed of the ChaCha8 generator behind `random_fraction`.
    pub random_seed: u64,
    /// All samples whose group attribute equals the value (`("sex", "Female")`).
    pub attributes: Vec<(String, String)>,
}

impl Selection {
    /// Parses `ATTR=VALUE` (e.g. `sex=Female`) into an entry for [`Selection::attributes`].
    /// Splits at the first `=`, so values may contain `=`; spaces around both parts are trimmed.
    pub fn parse_where(text: &str) -> Result<(String, String), DataError> {
        match text.split_once('=') {
            Some((attr, value)) if !attr.trim().is_empty() => {
                Ok((attr.trim().to_string(), value.trim().to_string()))
            }
            _ => Err(DataError::InvalidSelection(format!(
                "`{text}` is not ATTR=VALUE (e.g. sex=Female)"
            ))),
        }
    }

    /// True when no criterion is set, so the selection names nothing.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
            && self.owners.is_empty()
            && self.classes.is_empty()
            && self.random_fraction.is_none()
            && self.attributes.is_empty()
    }
}

impl Split {
    /// Map from sample id to its index in this split.
    pub fn id_index(&self) -> HashMap<SampleId, usize> {
        self.ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i))
            .collect()
    }

    /// Sorted, unique indices of the samples `selection` names (see [`Selection`]). Classes are
    /// checked against `1 + the largest label` of this split; [`Dataset::select`] checks them
    /// against the dataset's `num_classes` instead.
    pub fn select(&self, selection: &Selection) -> Result<Vec<usize>, DataError> {
        let inferred = self.labels.iter().max().map_or(0, |&m| m as usize + 1);
        select(self, selection, inferred)
    }
}

impl Dataset {
    /// [`Split::select`] on the training split, with classes checked against `num_classes`.
    pub fn select(&self, selection: &Selection) -> Result<Vec<usize>, DataError> {
        select(&self.train, selection, self.num_classes)
    }
}

fn select(split: &Split, sel: &Selection, num_classes: usize) -> Result<Vec<usize>, DataError> {
    let mut picked = BTreeSet::new();
    if !sel.ids.is_empty() {
        let index = split.id_index();
        for (k, id) in sel.ids.iter().enumerate() {
            let i = index.get(id).ok_or_else(|| DataError::UnknownId {
                id: *id,
                context: format!("selection ids[{k}]"),
            })?;
            picked.insert(*i);
        }
    }
    for (k, owner) in sel.owners.iter().enumerate() {
        let mut found = false;
        for (i, o) in split.owners.iter().enumerate() {
            if o.as_deref() == Some(owner.as_str()) {
                picked.insert(i);
                found = true;
            }
        }
        if !found {
            return Err(DataError::UnknownOwner {
                owner: owner.clone(),
                context: format!("selection owners[{k}]"),
            });
        }
    }
    for (k, &class) in sel.classes.iter().enumerate() {
        if class as usize >= num_classes {
            return Err(DataError::UnknownClass {
                class,
                num_classes,
                context: format!("selection classes[{k}]"),
            });
        }
        picked.extend(
            split
                .labels
                .iter()
                .enumerate()
                .filter(|(_, &l)| l == class)
                .map(|(i, _)| i),
        );
    }
    if let Some(f) = sel.random_fraction {
        if !(0.0..=1.0).contains(&f) {
            return Err(DataError::InvalidSelection(format!(
                "random fraction must be in [0, 1], got {f}"
            )));
        }
        let k = (f * split.len() as f64).round() as usize;
        picked.extend(choose(&mut rng(sel.random_seed), split.len(), k));
    }
    for (k, (attr, value)) in sel.attributes.iter().enumerate() {
        let context = format!("selection attributes[{k}]");
        let values = split
            .groups
            .get(attr)
            .ok_or_else(|| DataError::UnknownAttribute {
                what: format!("`{attr}`"),
                known: join(split.groups.keys()),
                context: context.clone(),
            })?;
        let mut found = false;
        for (i, v) in values.iter().enumerate() {
            if v == value {
                picked.insert(i);
                found = true;
            }
        }
        if !found {
            let distinct: BTreeSet<&String> = values.iter().collect();
            return Err(DataError::UnknownAttribute {
                what: format!("value `{attr}={value}`"),
                known: join(distinct),
                context,
            });
        }
    }
    Ok(picked.into_iter().collect())
}

fn join<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let v: Vec<&str> = items.into_iter().map(String::as_str).collect();
    if v.is_empty() {
        "(none)".to_string()
    } else {
        v.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split() -> Split {
        let n = 10;
        Split {
            ids: (100..100 + n as u64).collect(),
            features: vec![0.0; n],
            labels: (0..n as u32).map(|i| i % 3).collect(),
            owners: (0..n)
                .map(|i| {
                    if i < 8 {
                        Some(format!("o{}", i / 4))
                    } else {
                        None
                    }
                })
                .collect(),
            groups: [(
                "sex".to_string(),
                (0..n)
                    .map(|i| if i % 2 == 0 { "F" } else { "M" }.to_string())
                    .collect(),
            )]
            .into_iter()
            .collect(),
            dim: 1,
        }
    }

    #[test]
    fn union_of_criteria_sorted_unique() {
        let s = split();
        let sel = Selection {
            ids: vec![109, 100, 109],
            owners: vec!["o1".into()],
            classes: vec![],
            attributes: vec![Selection::parse_where("sex = M").unwrap()],
            ..Selection::default()
        };
        assert_eq!(s.select(&sel).unwrap(), vec![0, 1, 3, 4, 5, 6, 7, 9]);
        let by_class = Selection {
            classes: vec![2],
            ..Selection::default()
        };
        assert_eq!(s.select(&by_class).unwrap(), vec![2, 5, 8]);
        assert!(s.select(&Selection::default()).unwrap().is_empty());
    }

    #[test]
    fn random_fraction_is_seeded() {
        let s = split();
        let sel = Selection {
            random_fraction: Some(0.35),
            random_seed: 5,
            ..Selection::default()
        };
        let a = s.select(&sel).unwrap();
        assert_eq!(a.len(), 4, "round(0.35 * 10)");
        assert_eq!(a, s.select(&sel).unwrap());
        let other = Selection {
            random_seed: 6,
            ..sel.clone()
        };
        assert_ne!(a, s.select(&other).unwrap());
        let bad = Selection {
            random_fraction: Some(1.5),
            ..sel
        };
        assert!(matches!(
            s.select(&bad),
            Err(DataError::InvalidSelection(_))
        ));
    }

    #[test]
    fn unknown_id_names_the_entry() {
        let sel = Selection {
            ids: vec![100, 7],
            ..Selection::default()
        };
        let err = split().select(&sel).unwrap_err();
        assert_eq!(err.to_string(), "unknown sample id 7 (selection ids[1])");
    }

    #[test]
    fn unknown_owner_names_the_entry() {
        let sel = Selection {
            owners: vec!["o0".into(), "zed".into()],
            ..Selection::default()
        };
        let err = split().select(&sel).unwrap_err();
        assert_eq!(err.to_string(), "unknown owner `zed` (selection owners[1])");
    }

    #[test]
    fn unknown_class_is_out_of_range() {
        let sel = Selection {
            classes: vec![3],
            ..Selection::default()
        };
        let err = split().select(&sel).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown class 3: the dataset has 3 classes (selection classes[0])"
        );
    }

    #[test]
    fn unknown_attribute_and_value() {
        let sel = Selection {
            attributes: vec![("race".into(), "x".into())],
            ..Selection::default()
        };
        let err = split().select(&sel).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown attribute `race` (selection attributes[0]); known: sex"
        );
        let sel = Selection {
            attributes: vec![("sex".into(), "f".into())],
            ..Selection::default()
        };
        let err = split().select(&sel).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown attribute value `sex=f` (selection attributes[0]); known: F, M"
        );
    }

    #[test]
    fn parse_where_and_serde() {
        assert_eq!(
            Selection::parse_where("a=b=c").unwrap(),
            ("a".into(), "b=c".into())
        );
        assert!(Selection::parse_where("sex").is_err());
        assert!(Selection::parse_where("=x").is_err());
        let sel: Selection =
            serde_json::from_str(r#"{"owners":["7"],"attributes":[["sex","F"]]}"#).unwrap();
        assert_eq!(sel.owners, vec!["7"]);
        assert_eq!(sel.attributes, vec![("sex".to_string(), "F".to_string())]);
        assert!(!sel.is_empty());
        assert!(Selection::default().is_empty());
    }
}
