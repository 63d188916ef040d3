//! Turning raw tables into a [`Dataset`]: labels to classes, one-hot categoricals,
//! standardised numerics — shared by `adult`, `compas` and `csv:PATH`.
//!
//! Rules (all statistics come from the **training rows only**, so nothing about the test set
//! leaks into the features a model sees):
//! - Classes are the distinct label strings of the train file, in sorted order. A test label
//!   not among them is an error.
//! - A feature column is categorical when declared so, or when any non-missing cell of the
//!   train file does not parse as a number. Its one-hot levels are the sorted distinct values
//!   of the training rows; a missing or unseen value encodes as all zeros.
//! - A numeric column is standardised with the training mean and (population) standard
//!   deviation; a constant column becomes 0. A missing cell becomes 0 (the training mean).
//!   `NaN` and infinities are errors, because they are usually a bug upstream, not data.
//! - Group attributes keep their raw strings.

use crate::sampling::stratified_split;
use crate::table::Table;
use crate::{DataError, Dataset, SampleId, Split, TEST_ID_OFFSET};
use std::collections::{BTreeSet, HashMap};

mod encoding;
#[cfg(test)]
mod tests;

use encoding::{encode, fit, Encoding};

/// Where sample ids come from.
#[derive(Debug, Clone)]
pub(crate) enum IdSource {
    /// A column of unsigned integers.
    Column(String),
    /// Row `i` of the train file has id `i`; row `i` of a test file `TEST_ID_OFFSET + i`.
    RowIndex,
}

/// Where owners come from.
#[derive(Debug, Clone)]
pub(crate) enum OwnerSource {
    /// No owners.
    None,
    /// A column (an empty or missing cell means no owner).
    Column(String),
    /// Each sample is its own owner, named by its id.
    PerSample,
}

/// What to build from the tables.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub name: String,
    pub label: String,
    pub id: IdSource,
    pub owner: OwnerSource,
    pub groups: Vec<String>,
    /// Feature columns, in output order.
    pub features: Vec<String>,
    /// Feature columns that are categorical even if every value is a number.
    pub categorical: Vec<String>,
    /// Cell values that mean "missing".
    pub missing: Vec<String>,
    /// Used only without a test table.
    pub test_fraction: f64,
    pub seed: u64,
}

/// The rows of one side, as (table, row) pairs.
type Rows<'a> = Vec<(&'a Table, usize)>;

/// Builds the dataset from a train table and an optional separate test table.
pub(crate) fn build(
    spec: &Spec,
    train: &Table,
    test: Option<&Table>,
) -> Result<Dataset, DataError> {
    if spec.features.is_empty() {
        return Err(DataError::InvalidOption(format!(
            "{}: no feature columns left after label, id, owner and group columns",
            train.path.display()
        )));
    }
    if train.rows.is_empty() {
        return Err(DataError::at_line(
            &train.path,
            train.header_line + 1,
            "no data rows after the header",
        ));
    }
    let tables: Vec<&Table> = std::iter::once(train).chain(test).collect();
    let label_cols = col_in_all(&tables, &spec.label)?;
    let class_names: Vec<String> = {
        let mut set = BTreeSet::new();
        for r in 0..train.rows.len() {
            let v = train.cell(r, label_cols[0]);
            if is_missing(spec, v) {
                return Err(train.cell_error(r, label_cols[0], "missing label"));
            }
            set.insert(v.to_string());
        }
        set.into_iter().collect()
    };
    let class_of: HashMap<&str, u32> = class_names
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i as u32))
        .collect();
    let labels_of = |t: usize| -> Result<Vec<u32>, DataError> {
        let table = tables[t];
        (0..table.rows.len())
            .map(|r| {
                let v = table.cell(r, label_cols[t]);
                class_of.get(v).copied().ok_or_else(|| {
                    table.cell_error(
                        r,
                        label_cols[t],
                        format!(
                            "unknown class `{v}`; the train file has: {}",
                            class_names.join(", ")
                        ),
                    )
                })
            })
            .collect()
    };
    let labels: Vec<Vec<u32>> = (0..tables.len()).map(labels_of).collect::<Result<_, _>>()?;
    let ids = ids(spec, &tables)?;

    let (train_rows, test_rows): (Rows, Rows) = match test {
        Some(t) => (
            (0..train.rows.len()).map(|r| (train, r)).collect(),
            (0..t.rows.len()).map(|r| (t, r)).collect(),
        ),
        None => {
            let (tr, te) = stratified_split(&labels[0], spec.test_fraction, spec.seed)?;
            (
                tr.into_iter().map(|r| (train, r)).collect(),
                te.into_iter().map(|r| (train, r)).collect(),
            )
        }
    };

    let mut encodings = Vec::new();
    let mut feature_cols = Vec::new();
    for name in &spec.features {
        let cols = col_in_all(&tables, name)?;
        encodings.push(fit(spec, train, cols[0], &train_rows)?);
        feature_cols.push(cols);
    }
    let dim: usize = encodings.iter().map(Encoding::width).sum();
    let index_of = |t: &Table| {
        tables
            .iter()
            .position(|x| std::ptr::eq(*x, t))
            .expect("own table")
    };

    let owner_cols = match &spec.owner {
        OwnerSource::Column(c) => Some(col_in_all(&tables, c)?),
        _ => None,
    };
    let group_cols: Vec<Vec<usize>> = spec
        .groups
        .iter()
        .map(|g| col_in_all(&tables, g))
        .collect::<Result<_, _>>()?;

    let make_split = |rows: &Rows| -> Result<Split, DataError> {
        let mut split = Split {
            dim,
            features: Vec::with_capacity(rows.len() * dim),
            ..Split::default()
        };
        for (g, name) in spec.groups.iter().enumerate() {
            let values = rows
                .iter()
                .map(|&(t, r)| t.cell(r, group_cols[g][index_of(t)]).to_string());
            split.groups.insert(name.clone(), values.collect());
        }
        for &(t, r) in rows {
            let ti = index_of(t);
            let id = ids[ti][r];
            split.ids.push(id);
            split.labels.push(labels[ti][r]);
            split.owners.push(match (&spec.owner, &owner_cols) {
                (OwnerSource::PerSample, _) => Some(id.to_string()),
                (OwnerSource::Column(_), Some(cols)) => {
                    let v = t.cell(r, cols[ti]);
                    (!is_missing(spec, v)).then(|| v.to_string())
                }
                _ => None,
            });
            for (e, enc) in encodings.iter().enumerate() {
                encode(spec, enc, t, r, feature_cols[e][ti], &mut split.features)?;
            }
        }
        Ok(split)
    };
    Ok(Dataset {
        name: spec.name.clone(),
        shape: vec![dim],
        num_classes: class_names.len(),
        class_names,
        train: make_split(&train_rows)?,
        test: make_split(&test_rows)?,
        csv: None,
    })
}

fn is_missing(spec: &Spec, v: &str) -> bool {
    spec.missing.iter().any(|m| m == v)
}

/// The column `name` in every table.
fn col_in_all(tables: &[&Table], name: &str) -> Result<Vec<usize>, DataError> {
    tables.iter().map(|t| t.column(name)).collect()
}

/// Ids of every row of every table, checked to be distinct.
fn ids(spec: &Spec, tables: &[&Table]) -> Result<Vec<Vec<SampleId>>, DataError> {
    let mut all = Vec::new();
    for (ti, t) in tables.iter().enumerate() {
        let ids: Vec<SampleId> = match &spec.id {
            IdSource::Column(name) => {
                let c = t.column(name)?;
                (0..t.rows.len())
                    .map(|r| {
                        t.cell(r, c).parse::<u64>().map_err(|_| {
                            t.cell_error(
                                r,
                                c,
                                format!(
                                    "not a sample id (an unsigned integer): `{}`",
                                    t.cell(r, c)
                                ),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?
            }
            IdSource::RowIndex if ti == 0 => (0..t.rows.len() as u64).collect(),
            IdSource::RowIndex => {
                if tables[0].rows.len() as u64 > TEST_ID_OFFSET {
                    return Err(DataError::InvalidOption(format!(
                        "{}: over {TEST_ID_OFFSET} rows would collide with test ids; add an id column",
                        tables[0].path.display()
                    )));
                }
                (0..t.rows.len() as u64)
                    .map(|i| TEST_ID_OFFSET + i)
                    .collect()
            }
        };
        all.push(ids);
    }
    let mut seen: HashMap<SampleId, (usize, usize)> = HashMap::new();
    for (ti, ids) in all.iter().enumerate() {
        for (r, &id) in ids.iter().enumerate() {
            if let Some(&(t0, r0)) = seen.get(&id) {
                let first = tables[t0];
                return Err(DataError::at_line(
                    &tables[ti].path,
                    tables[ti].lines[r],
                    format!(
                        "duplicate sample id {id} (first at {}:{})",
                        first.path.display(),
                        first.lines[r0]
                    ),
                ));
            }
            seen.insert(id, (ti, r));
        }
    }
    Ok(all)
}
