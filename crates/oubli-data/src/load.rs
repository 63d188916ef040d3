//! [`load`]: from a dataset name to a [`Dataset`].

use crate::{csvfile, default_data_dir, digits, idx, uci, DataError, Dataset, OwnerAssignment};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The built-in dataset names [`load`] accepts, besides `csv:PATH` and `idx:DIR`.
pub const DATASETS: [&str; 5] = ["digits", "mnist", "fashion-mnist", "adult", "compas"];

/// Test samples get ids from here on when a source has no ids of its own (`TEST_ID_OFFSET + i`
/// for test sample `i`), keeping train and test ids apart.
pub const TEST_ID_OFFSET: u64 = 1_000_000;

/// Column roles and splitting for `csv:PATH`; see [`crate::csvfile`] for the rules. Model
/// files record them (see [`DatasetSpec`]), so they are serde with every field optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsvOptions {
    /// Label column; `None` means a column named `label`. Default: `None`.
    pub label: Option<String>,
    /// Column of unsigned-integer sample ids; `None` numbers the rows. Default: `None`.
    pub id: Option<String>,
    /// Column naming each row's owner; `None` leaves samples without owners. Default: `None`.
    pub owner: Option<String>,
    /// Group attribute columns (not features unless also in `categorical`). Default: none.
    pub groups: Vec<String>,
    /// Columns to one-hot encode even if their values are numbers. Default: none.
    pub categorical: Vec<String>,
    /// A separate test file with the same columns; `None` splits the main file.
    /// Default: `None`.
    pub test: Option<PathBuf>,
    /// Share of rows (per class) held out for testing when there is no test file.
    /// Default: 0.2.
    pub test_fraction: f64,
    /// Seed of that split. Default: 0.
    pub seed: u64,
}

/// Everything that decides which dataset [`load`] builds, apart from where fetched files
/// live: what a model file records so that a later command reloads the very dataset, split
/// included, that the model was trained on, without repeating the options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatasetSpec {
    /// The name given to [`load`]. Default: `digits`.
    pub name: String,
    /// The CSV options, for `csv:PATH` only. Default: `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csv: Option<CsvOptions>,
}

impl Default for DatasetSpec {
    fn default() -> Self {
        DatasetSpec {
            name: "digits".into(),
            csv: None,
        }
    }
}

impl DatasetSpec {
    /// Loads the dataset, reading fetched files from `data_dir`.
    pub fn load(&self, data_dir: &Path) -> Result<Dataset, DataError> {
        let opts = LoadOptions {
            data_dir: data_dir.to_path_buf(),
            csv: self.csv.clone().unwrap_or_default(),
            ..LoadOptions::default()
        };
        load(&self.name, &opts)
    }
}

impl Dataset {
    /// The name and options this dataset was loaded with.
    pub fn spec(&self) -> DatasetSpec {
        DatasetSpec {
            name: self.name.clone(),
            csv: self.csv.clone(),
        }
    }
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
    /// `DIR/compas`). Default: [`default_data_dir`]: `$OUBLI_DATA_DIR`, else an existing
    /// `./data`, else the per-user cache `$XDG_CACHE_HOME/oubli/data` or
    /// `~/.cache/oubli/data`.
    pub data_dir: PathBuf,
    /// Used by `csv:PATH` only.
    pub csv: CsvOptions,
    /// Used by the image datasets (`digits`, `mnist`, `fashion-mnist`, `idx:DIR`) only.
    pub owners: OwnerAssignment,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            data_dir: default_data_dir(),
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
    format!("; run `oubli data fetch {name}` (or scripts/fetch-datasets.sh {name}), or set OUBLI_DATA_DIR")
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
    fn a_csv_dataset_records_its_options_and_reloads_identically() {
        let dir = TempDir::new();
        let csv = dir.write(
            "p.csv",
            "who,x,y\na,1,p\nb,2,q\nc,3,p\nd,4,q\ne,5,p\nf,6,q\n",
        );
        let opts = LoadOptions {
            csv: CsvOptions {
                label: Some("y".into()),
                owner: Some("who".into()),
                test_fraction: 0.5,
                ..CsvOptions::default()
            },
            ..LoadOptions::default()
        };
        let ds = load(&format!("csv:{}", csv.display()), &opts).unwrap();
        let spec = ds.spec();
        assert_eq!(spec.csv.as_ref(), Some(&opts.csv));
        let json = serde_json::to_string(&spec).unwrap();
        let back: DatasetSpec = serde_json::from_str(&json).unwrap();
        let again = back.load(dir.path()).unwrap();
        assert_eq!(again.train.ids, ds.train.ids);
        assert_eq!(again.test.ids, ds.test.ids);
        assert_eq!(again.train.owners, ds.train.owners);

        let digits = load("digits", &LoadOptions::default()).unwrap().spec();
        assert_eq!(
            serde_json::to_string(&digits).unwrap(),
            r#"{"name":"digits"}"#
        );
        let partial: CsvOptions = serde_json::from_str(r#"{"label":"y"}"#).unwrap();
        assert_eq!(
            partial.test_fraction, 0.2,
            "absent fields take their defaults"
        );
        assert!(serde_json::from_str::<CsvOptions>(r#"{"lable":"y"}"#).is_err());
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
            err.ends_with(
                "run `oubli data fetch mnist` (or scripts/fetch-datasets.sh mnist), or set OUBLI_DATA_DIR"
            ),
            "{err}"
        );
        let err = load("adult", &opts).unwrap_err().to_string();
        assert!(
            err.contains("adult/adult.data: file not found; run `oubli data fetch adult`"),
            "{err}"
        );
    }
}
