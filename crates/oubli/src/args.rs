//! Argument groups shared by several commands.

use anyhow::Context;
use clap::Args;
use oubli_data::{
    default_data_dir, read_id_list, read_owner_list, CsvOptions, Dataset, DatasetSpec, Selection,
};
use std::path::PathBuf;

/// Which dataset, and how to read a user's own CSV.
#[derive(Args, Clone, Debug)]
pub struct DatasetArgs {
    /// digits (embedded, default), mnist, fashion-mnist, adult, compas, csv:PATH or idx:DIR.
    #[arg(long)]
    pub dataset: Option<String>,
    /// Where fetched datasets live [default: $OUBLI_DATA_DIR, else ./data if it exists, else
    /// $XDG_CACHE_HOME/oubli/data or ~/.cache/oubli/data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// CSV: the label column.
    #[arg(long)]
    pub label: Option<String>,
    /// CSV: a column of unique integer sample ids [default: row number].
    #[arg(long = "id")]
    pub id_column: Option<String>,
    /// CSV: the column naming each row's owner (data subject).
    #[arg(long)]
    pub owner: Option<String>,
    /// CSV: group-attribute columns (comma-separated), e.g. sex,race.
    #[arg(long, value_delimiter = ',')]
    pub group: Vec<String>,
    /// CSV: columns to one-hot encode even if they look numeric.
    #[arg(long, value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// CSV: a separate test file with the same columns.
    #[arg(long)]
    pub test: Option<PathBuf>,
    /// CSV: share of rows held out for testing when there is no --test file [default: 0.2].
    #[arg(long)]
    pub test_fraction: Option<f64>,
}

impl DatasetArgs {
    /// Loads the dataset of a command without a model (`fallback` when --dataset was not
    /// given).
    pub fn load(&self, fallback: &str) -> anyhow::Result<Dataset> {
        self.load_recorded(&DatasetSpec {
            name: fallback.to_string(),
            csv: None,
        })
    }

    /// Loads the dataset a model records (`recorded`, from its lineage), with every flag
    /// given overriding the recorded value: the one place where "flags, else lineage" is
    /// decided, so a CSV model is evaluated, forgotten and verified on the columns and split
    /// it was trained on without repeating --label, --owner, --test-fraction, ….
    pub fn load_recorded(&self, recorded: &DatasetSpec) -> anyhow::Result<Dataset> {
        let spec = self.over(recorded);
        let data_dir = self.data_dir.clone().unwrap_or_else(default_data_dir);
        let name = &spec.name;
        spec.load(&data_dir)
            .with_context(|| format!("loading dataset `{name}`"))
    }

    /// `recorded` with the given flags replacing its fields (the CSV flags apply to
    /// `csv:PATH` only, as `load` ignores them elsewhere).
    fn over(&self, recorded: &DatasetSpec) -> DatasetSpec {
        let name = self
            .dataset
            .clone()
            .unwrap_or_else(|| recorded.name.clone());
        if !name.starts_with("csv:") {
            return DatasetSpec { name, csv: None };
        }
        let base = recorded.csv.clone().unwrap_or_default();
        let or_base = |given: &Vec<String>, base: Vec<String>| {
            if given.is_empty() {
                base
            } else {
                given.clone()
            }
        };
        let csv = CsvOptions {
            label: self.label.clone().or(base.label),
            id: self.id_column.clone().or(base.id),
            owner: self.owner.clone().or(base.owner),
            groups: or_base(&self.group, base.groups),
            categorical: or_base(&self.categorical, base.categorical),
            test: self.test.clone().or(base.test),
            test_fraction: self.test_fraction.unwrap_or(base.test_fraction),
            seed: base.seed,
        };
        DatasetSpec {
            name,
            csv: Some(csv),
        }
    }
}

/// What to forget: every criterion given is unioned into one request.
#[derive(Args, Clone, Debug, Default)]
pub struct ForgetSpecArgs {
    /// File of sample ids to forget, one per line.
    #[arg(long)]
    pub forget_ids: Option<PathBuf>,
    /// File of owners (data subjects) whose samples to forget, one per line.
    #[arg(long)]
    pub forget_owners: Option<PathBuf>,
    /// Classes to forget entirely, e.g. 3 or 3,5.
    #[arg(long, value_delimiter = ',')]
    pub forget_class: Vec<u32>,
    /// A random fraction of the training samples (seeded by --forget-seed).
    #[arg(long)]
    pub forget_random: Option<f64>,
    /// Seed of --forget-random.
    #[arg(long, default_value_t = 0)]
    pub forget_seed: u64,
    /// Samples whose group attribute matches, e.g. sex=Female (repeatable).
    #[arg(long)]
    pub forget_where: Vec<String>,
}

impl ForgetSpecArgs {
    /// The selection these flags describe; an error when none was given.
    pub fn selection(&self) -> anyhow::Result<Selection> {
        let mut s = Selection::default();
        if let Some(p) = &self.forget_ids {
            s.ids = read_id_list(p)?;
        }
        if let Some(p) = &self.forget_owners {
            s.owners = read_owner_list(p)?;
        }
        s.classes = self.forget_class.clone();
        s.random_fraction = self.forget_random;
        s.random_seed = self.forget_seed;
        for w in &self.forget_where {
            s.attributes.push(Selection::parse_where(w)?);
        }
        if s.is_empty() {
            anyhow::bail!(
                "nothing to forget: give --forget-ids, --forget-owners, --forget-class, --forget-random or --forget-where"
            );
        }
        Ok(s)
    }
}

/// Reads an optional TOML config file into JSON for a method or trainer.
pub fn read_toml(path: &Option<PathBuf>) -> anyhow::Result<Option<serde_json::Value>> {
    let Some(path) = path else { return Ok(None) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: serde_json::Value =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    Ok(Some(value))
}

/// Refuses an output file path that cannot be written, before any long work starts: an
/// existing directory, or a parent that is a file.
pub fn check_output_file(path: &std::path::Path) -> anyhow::Result<()> {
    if path.is_dir() {
        anyhow::bail!("--out {}: is a directory; give a file name", path.display());
    }
    check_parent(path)
}

/// Refuses an output directory that cannot be created, before any long work starts.
pub fn check_output_dir(path: &std::path::Path) -> anyhow::Result<()> {
    if path.exists() && !path.is_dir() {
        anyhow::bail!(
            "--out {}: is a file; give a directory (it will hold several files)",
            path.display()
        );
    }
    check_parent(path)
}

fn check_parent(path: &std::path::Path) -> anyhow::Result<()> {
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
        if d.exists() {
            if !d.is_dir() {
                anyhow::bail!(
                    "--out {}: {} is a file, not a directory",
                    path.display(),
                    d.display()
                );
            }
            return Ok(());
        }
        dir = d.parent();
    }
    Ok(())
}
