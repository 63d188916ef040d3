//! The training data in the store: copied in at init, rebuilt as a [`Dataset`] for every
//! training, minus erased rows.

use crate::store::{get_meta, set_meta};
use crate::{LedgerError, Store};
use oubli_data::{Dataset, SampleId, Split};
use rusqlite::{params, Transaction};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The descriptive fields of the dataset, kept in `meta` under `dataset`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DatasetMeta {
    name: String,
    shape: Vec<usize>,
    num_classes: usize,
    class_names: Vec<String>,
    train: SplitMeta,
    test: SplitMeta,
    /// The CSV options the data was read with, so models trained from the store record
    /// them and can be evaluated against the original file later.
    #[serde(default)]
    csv: Option<oubli_data::CsvOptions>,
}

/// What a split needs besides its rows: an empty split must still come back with its
/// `dim` and group attribute names.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SplitMeta {
    dim: usize,
    groups: Vec<String>,
}

const SPLITS: [&str; 2] = ["train", "test"];

/// SampleIds are u64; SQLite integers are i64. The same 64 bits are stored, so every id
/// round-trips exactly (ids above `i64::MAX` sort after the others only in SQL).
pub(crate) fn to_sql_id(id: SampleId) -> i64 {
    id as i64
}

pub(crate) fn from_sql_id(id: i64) -> SampleId {
    id as SampleId
}

/// The features of one sample as stored: f32 little-endian.
pub fn feature_bytes(row: &[f32]) -> Vec<u8> {
    row.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn check_split(name: &str, which: &str, s: &Split) -> Result<(), LedgerError> {
    let n = s.len();
    let bad = |reason: String| LedgerError::InvalidDataset {
        name: name.to_string(),
        reason: format!("{which}: {reason}"),
    };
    if s.ids.len() != n || s.owners.len() != n || s.features.len() != n * s.dim {
        return Err(bad(format!(
            "{} ids, {} owners, {} labels, {} floats for dim {}",
            s.ids.len(),
            s.owners.len(),
            n,
            s.features.len(),
            s.dim
        )));
    }
    if let Some((attr, v)) = s.groups.iter().find(|(_, v)| v.len() != n) {
        return Err(bad(format!(
            "group {attr:?} has {} values for {n} samples",
            v.len()
        )));
    }
    Ok(())
}

pub(crate) fn insert_dataset(tx: &Transaction<'_>, ds: &Dataset) -> Result<(), LedgerError> {
    check_split(&ds.name, "train", &ds.train)?;
    check_split(&ds.name, "test", &ds.test)?;
    let split_meta = |s: &Split| SplitMeta {
        dim: s.dim,
        groups: s.groups.keys().cloned().collect(),
    };
    let meta = DatasetMeta {
        name: ds.name.clone(),
        shape: ds.shape.clone(),
        num_classes: ds.num_classes,
        class_names: ds.class_names.clone(),
        train: split_meta(&ds.train),
        test: split_meta(&ds.test),
        csv: ds.csv.clone(),
    };
    set_meta(tx, "dataset", &serde_json::to_value(&meta)?)?;
    let mut stmt = tx.prepare(
        "INSERT INTO samples (id, split, position, owner, label, features, groups)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (which, split) in SPLITS.iter().zip([&ds.train, &ds.test]) {
        for i in 0..split.len() {
            let groups: BTreeMap<&str, &str> = split
                .groups
                .iter()
                .map(|(k, v)| (k.as_str(), v[i].as_str()))
                .collect();
            stmt.execute(params![
                to_sql_id(split.ids[i]),
                which,
                i as i64,
                split.owners[i],
                split.labels[i],
                feature_bytes(split.row(i)),
                serde_json::to_string(&groups)?,
            ])?;
        }
    }
    Ok(())
}

impl Store {
    /// The dataset as the store holds it now: the original minus every erased sample, in
    /// the original order. This is what every training must read.
    pub fn dataset(&self) -> Result<Dataset, LedgerError> {
        let conn = self.conn();
        let meta: DatasetMeta = match get_meta(&conn, "dataset")? {
            Some(v) => serde_json::from_value(v)?,
            None => return Err(LedgerError::Corrupt("no dataset in meta".into())),
        };
        let mut stmt = conn.prepare(
            "SELECT id, owner, label, features, groups FROM samples
             WHERE split = ?1 ORDER BY position",
        )?;
        let mut splits = Vec::with_capacity(2);
        for (which, sm) in SPLITS.iter().zip([&meta.train, &meta.test]) {
            let mut split = Split {
                dim: sm.dim,
                groups: sm.groups.iter().map(|g| (g.clone(), Vec::new())).collect(),
                ..Split::default()
            };
            let mut rows = stmt.query([which])?;
            while let Some(row) = rows.next()? {
                let id = from_sql_id(row.get(0)?);
                let blob: Vec<u8> = row.get(3)?;
                if blob.len() != sm.dim * 4 {
                    return Err(LedgerError::Corrupt(format!(
                        "sample {id}: {} feature bytes, expected {}",
                        blob.len(),
                        sm.dim * 4
                    )));
                }
                let text: String = row.get(4)?;
                let mut groups: BTreeMap<String, String> = serde_json::from_str(&text)?;
                for (attr, values) in split.groups.iter_mut() {
                    values.push(groups.remove(attr).ok_or_else(|| {
                        LedgerError::Corrupt(format!("sample {id}: no group {attr:?}"))
                    })?);
                }
                split.ids.push(id);
                split.owners.push(row.get(1)?);
                split.labels.push(row.get(2)?);
                split.features.extend(
                    blob.chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                );
            }
            splits.push(split);
        }
        let test = splits.pop().expect("two splits");
        let train = splits.pop().expect("two splits");
        Ok(Dataset {
            name: meta.name,
            shape: meta.shape,
            num_classes: meta.num_classes,
            class_names: meta.class_names,
            train,
            test,
            csv: meta.csv,
        })
    }

    /// The dataset's name.
    pub fn dataset_name(&self) -> Result<String, LedgerError> {
        let conn = self.conn();
        get_meta(&conn, "dataset")?
            .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(String::from))
            .ok_or_else(|| LedgerError::Corrupt("no dataset in meta".into()))
    }

    /// Number of samples still held, train and test.
    pub fn sample_count(&self) -> Result<u64, LedgerError> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM samples", [], |r| r.get(0))?)
    }
}
