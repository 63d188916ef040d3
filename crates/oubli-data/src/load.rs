//! [`load`]: from a dataset name to a [`Dataset`].

use crate::{csvfile, digits, idx, uci, DataError, Dataset, OwnerAssignment};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The built-in dataset names [`load`] accepts, besides `csv:PATH` and `idx:DIR`.
pub const DATASETS: [&str; 5] = ["digits", "mnist", "fashion-mnist", "adult", "compas"];

/// Test samples get ids from here on when a source has no ids of its own (`TEST_ID_OFFSET + i`
/// for test sample `i`), keeping train and test ids apart.
pub const TEST_ID_OFFSET: u64 = 1_000_000;

/// Column roles and splitting for `csv:PATH`; see [`crate::csvfile`] for the rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CsvOptions {
    /// Label column; `None` means a column named `label`.
    pub label: Option<String>,
    /// Column of unsigned-integer sample ids; `None` numbers the rows.
    pub id: Option<String>,
    /// Column naming each row's owner; `None` leaves samples without owners.
    pub owner: Option<String>,
    /// Group attribute columns (not features unless also in `categorical`).
    pub groups: Vec<String>,
    /// Columns to one-hot encode even if their values are numbers.
    pub categorical: Vec<String>,
    /// A separate test file with the same columns; `None` splits the main file.
    pub test: Option<PathBuf>,
    /// Share of rows (per class) held out for testing when there is no test file.
    pub test_fraction: f64,
    /// Seed of that split.
    pub seed: u64,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            label: None,
            id: None,
            owner: None,
            groups: Vec::new(),
            categorical: Vec::new(),
            test: None,
            test_fraction: 0.2,
            seed: 0,
        }
    }
}

/// Options of [`load`].
#[derive(Debug, Clone, PartialEq)]
pub struct LoadOptions {
    /// Where fetched datasets live (`DIR/mnist`, `DIR/fashion-mnist`, `DIR/adult`,
    /// `DIR/compas`). Default: `$OUBLI_DATA_DIR`, else `data` (relative to the working dir).
    pub data_dir: PathBuf,
    /// Used by `csv:PATH` only.
    pub csv: CsvOptions,
    /// Used by the image datasets (`digits`, `mnist`, `fashion-mnist`, `idx:DIR`) only.
    pub owners: OwnerAssignment,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            data_dir: std::env::var_os("OUBLI_DATA_DIR")
                .filter(|d| !d.is_empty())
                .map_or_else(|| PathBuf::from("data"), PathBuf::from),
            csv: CsvOptions::default(),
            owners: OwnerAssignment::default(),
        }
    }
}

/// Loads a dataset by name: `digits`, `mnist`, `fashion-mnist`, `adult`, `compas`, `csv:PATH`
/// or `idx:DIR`. The fetched datasets are read from `opts.data_dir` (see
/// `scripts/fetch-datasets.sh`); `digits` is compiled in.
pub fn load(name: &str, opts: &LoadOptions) -> Result<Dataset, DataError> {
    let fetched = |sub: &str| (opts.data_dir.join(sub), fetch_hint(sub));
    match name {
        "digits" => digits::load_digits(&opts.owners),
        "mnist" => {
            let (dir, hint) = fetched("mnist");
            let classes = (0..10).map(|c| c.to_string()).collect();
            idx::load_dir(&dir, name, Some(classes), &opts.owners, &hint)
        }
        "fashion-mnist" => {
            let (dir, hint) = fetched("fashion-mnist");
            let classes = idx::FASHION_CLASSES.iter().map(|c| c.to_string()).collect();
            idx::load_dir(&dir, name, Some(classes), &opts.owners, &hint)
        }
        "adult" => uci::load_adult(&opts.data_dir),
        "compas" => uci::load_compas(&opts.data_dir),
        _ => {
            if let Some(path) = name.strip_prefix("csv:") {
                csvfile::load_csv(non_empty(path, name)?, &opts.csv)
            } else if let Some(dir) = name.strip_prefix("idx:") {
                idx::load_dir(non_empty(dir, name)?, name, None, &opts.owners, "")
            } else {
                Err(DataError::UnknownDataset(name.to_string()))
            }
        }
    }
}

/// Advice appended to "file not found" for a dataset the fetch script provides.
pub(crate) fn fetch_hint(name: &str) -> String {
    format!("; run scripts/fetch-datasets.sh {name} (or set OUBLI_DATA_DIR)")
}

fn non_empty<'a>(path: &'a str, name: &str) -> Result<&'a Path, DataError> {
    if path.is_empty() {
        Err(DataError::InvalidOption(format!(
            "`{name}` needs a path after the colon"
        )))
    } else {
        Ok(Path::new(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    #[test]
    fn dispatches_by_name() {
        let opts = LoadOptions::default();
        assert_eq!(load("digits", &opts).unwrap().train.len(), 1438);
        assert!(matches!(
            load("cifar", &opts),
            Err(DataError::UnknownDataset(_))
        ));
        assert!(matches!(
            load("csv:", &opts),
            Err(DataError::InvalidOption(_))
        ));

        let dir = TempDir::new();
        crate::idx::tests::write_idx_dir(&dir, 6, 2, true);
        let ds = load(&format!("idx:{}", dir.path().display()), &opts).unwrap();
        assert_eq!((ds.train.len(), ds.test.len()), (6, 2));

        let csv = dir.write("x.csv", "a,label\n1,p\n2,q\n3,p\n4,q\n5,p\n");
        let ds = load(&format!("csv:{}", csv.display()), &opts).unwrap();
        assert_eq!(ds.train.len() + ds.test.len(), 5);
    }

    #[test]
    fn missing_fetched_dataset_says_how_to_fetch() {
        let dir = TempDir::new();
        let opts = LoadOptions {
            data_dir: dir.path().to_path_buf(),
            ..LoadOptions::default()
        };
        let err = load("mnist", &opts).unwrap_err().to_string();
        assert!(
            err.contains("mnist/train-images-idx3-ubyte: file not found"),
            "{err}"
        );
        assert!(
            err.ends_with("run scripts/fetch-datasets.sh mnist (or set OUBLI_DATA_DIR)"),
            "{err}"
        );
        let err = load("adult", &opts).unwrap_err().to_string();
        assert!(
            err.contains("adult/adult.data: file not found; run scripts/fetch-datasets.sh adult"),
            "{err}"
        );
    }
}
