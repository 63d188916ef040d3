//! `oubli store init|status|export`: the durable store of training data, deletion
//! requests, model versions and the audit log.

use crate::cmd::train::{plan, TrainFlags};
use crate::output::{json, pct};
use crate::progress::Bar;
use clap::{Args, Subcommand};
use oubli_engine::TrainReport;
use oubli_ledger::{Store, StoreOptions};
use std::path::PathBuf;

/// `oubli store …`.
#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Create a store: copy the dataset into it and train its first model from the store.
    Init(Box<InitArgs>),
    /// Requests by status, models, the audit chain's length and head.
    Status(DirArgs),
    /// Everything but the training data, as JSON (requests, models, tombstones, audit log).
    Export(DirArgs),
    /// Extend a pending request's due date (GDPR art. 12(3): up to 2 more months in all),
    /// recording the reason in the request and the audit log.
    Extend(ExtendArgs),
}

/// Arguments of `oubli store extend`.
#[derive(Args, Debug)]
pub struct ExtendArgs {
    /// The store directory.
    #[arg(long, default_value = "oubli-store")]
    pub dir: PathBuf,
    /// The request id (`del_…`).
    #[arg(long)]
    pub request: String,
    /// Months to add (1 or 2; at most 2 over all extensions).
    #[arg(long)]
    pub months: u32,
    /// Why (recorded, and required).
    #[arg(long)]
    pub reason: String,
}

/// Arguments of `oubli store init`.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// The store directory (created; must not hold a store yet).
    #[arg(long)]
    pub dir: PathBuf,
    /// Months between receiving a request and its due date (GDPR art. 12(3)).
    #[arg(long, default_value_t = 1)]
    pub due_months: u32,
    #[command(flatten)]
    pub train: TrainFlags,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// A store directory.
#[derive(Args, Debug)]
pub struct DirArgs {
    /// The store directory.
    #[arg(long, default_value = "oubli-store")]
    pub dir: PathBuf,
}

/// Runs `oubli store …`.
pub fn run(c: StoreCommand) -> anyhow::Result<i32> {
    match c {
        StoreCommand::Init(a) => init(*a),
        StoreCommand::Status(a) => {
            json(&Store::open(&a.dir)?.status()?)?;
            Ok(0)
        }
        StoreCommand::Export(a) => {
            json(&Store::open(&a.dir)?.export()?)?;
            Ok(0)
        }
        StoreCommand::Extend(a) => {
            let req = Store::open(&a.dir)?.extend(&a.request, a.months, &a.reason)?;
            json(&req)?;
            Ok(0)
        }
    }
}

fn init(a: InitArgs) -> anyhow::Result<i32> {
    let dataset = a.train.data.load("digits")?;
    let plan = plan(&a.train, &dataset)?;
    if a.train.exclude_ids.is_some() {
        anyhow::bail!("--exclude-ids does not apply to a store: file deletion requests instead");
    }
    let options = StoreOptions {
        due_months: a.due_months,
    };
    let mut bar = Bar::new("train");
    let (_store, report) = oubli_worker::init_store(&a.dir, &dataset, &plan, options, &mut bar)?;
    drop(bar);
    if a.json {
        json(&serde_json::json!({"dir": a.dir.display().to_string(), "train": report}))?;
    } else {
        let (model, test) = match &report {
            TrainReport::Single(r) => (r.fit.model.clone(), r.fit.test_accuracy),
            TrainReport::Sisa(r) => (format!("sisa {}", r.model), r.test_accuracy),
            TrainReport::Certified(r) => ("certified logreg".into(), r.test_accuracy),
        };
        println!(
            "created store {} with {} ({} train / {} test samples) and a {model} (test {})",
            a.dir.display(),
            dataset.name,
            dataset.train.len(),
            dataset.test.len(),
            pct(test)
        );
    }
    Ok(0)
}
