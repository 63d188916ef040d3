//! Per-column encodings: choosing, fitting on training rows, applying.

use super::{is_missing, Rows, Spec};
use crate::table::Table;
use crate::DataError;
use std::collections::{BTreeMap, BTreeSet};

pub(super) enum Encoding {
    /// Standardised with the training mean and standard deviation.
    Numeric { mean: f64, std: f64 },
    /// One float per training level.
    OneHot(BTreeMap<String, usize>),
}

impl Encoding {
    pub(super) fn width(&self) -> usize {
        match self {
            Encoding::Numeric { .. } => 1,
            Encoding::OneHot(levels) => levels.len(),
        }
    }
}

/// Parses a numeric cell; `Ok(None)` when it is not a number at all.
pub(super) fn number(t: &Table, r: usize, c: usize) -> Result<Option<f64>, DataError> {
    match t.cell(r, c).parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        Ok(_) => Err(t.cell_error(
            r,
            c,
            format!(
                "`{}` is not allowed; leave the cell empty for a missing value",
                t.cell(r, c)
            ),
        )),
        Err(_) => Ok(None),
    }
}

/// Decides and fits the encoding of column `c` of the train table.
pub(super) fn fit(
    spec: &Spec,
    train: &Table,
    c: usize,
    rows: &Rows,
) -> Result<Encoding, DataError> {
    let name = &train.header[c];
    let mut categorical = spec.categorical.iter().any(|x| x == name);
    if !categorical {
        for r in 0..train.rows.len() {
            if !is_missing(spec, train.cell(r, c)) && number(train, r, c)?.is_none() {
                categorical = true;
                break;
            }
        }
    }
    let present = rows
        .iter()
        .filter(|&&(t, r)| !is_missing(spec, t.cell(r, c)));
    if categorical {
        let levels: BTreeSet<&str> = present.map(|&(t, r)| t.cell(r, c)).collect();
        return Ok(Encoding::OneHot(
            levels
                .into_iter()
                .enumerate()
                .map(|(i, v)| (v.to_string(), i))
                .collect(),
        ));
    }
    let values: Vec<f64> = present
        .map(|&(t, r)| number(t, r, c).map(|x| x.expect("numeric column")))
        .collect::<Result<_, _>>()?;
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    let std = if var.sqrt() > 1e-12 { var.sqrt() } else { 1.0 };
    Ok(Encoding::Numeric { mean, std })
}

pub(super) fn encode(
    spec: &Spec,
    enc: &Encoding,
    t: &Table,
    r: usize,
    c: usize,
    out: &mut Vec<f32>,
) -> Result<(), DataError> {
    let v = t.cell(r, c);
    match enc {
        Encoding::Numeric { mean, std } => {
            if is_missing(spec, v) {
                out.push(0.0);
            } else {
                let x = number(t, r, c)?.ok_or_else(|| {
                    t.cell_error(
                        r,
                        c,
                        format!("not a number: `{v}` (the column is numeric in the train file)"),
                    )
                })?;
                out.push(((x - mean) / std) as f32);
            }
        }
        Encoding::OneHot(levels) => {
            let start = out.len();
            out.resize(start + levels.len(), 0.0);
            if let Some(&i) = levels.get(v) {
                out[start + i] = 1.0;
            }
        }
    }
    Ok(())
}
