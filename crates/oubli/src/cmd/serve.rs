//! `oubli serve`: the deletion service over HTTP.

use crate::args::read_toml;
use clap::Args;
use oubli_server::{store_token, Limits, ServeConfig};
use oubli_worker::Policy;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `oubli serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The store; created on the embedded digits data with a trained mlp if it does not exist.
    #[arg(long, default_value = "oubli-store")]
    pub store: PathBuf,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Worker policy (TOML; see the README): methods, retrain schedule, checks.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Bearer token for mutating calls [default: $OUBLI_TOKEN, else STORE/api-token, created].
    #[arg(long)]
    pub token: Option<String>,
    /// Deletion requests per second per token.
    #[arg(long, default_value_t = 100.0)]
    pub deletions_per_second: f64,
    /// Largest predict batch (rows).
    #[arg(long, default_value_t = 1024)]
    pub max_predict_rows: usize,
    /// Worker poll interval when idle, milliseconds.
    #[arg(long, default_value_t = 200)]
    pub poll_ms: u64,
}

/// Runs `oubli serve`.
pub fn run(a: ServeArgs) -> anyhow::Result<i32> {
    let policy = match read_toml(&a.config)? {
        Some(v) => serde_json::from_value::<Policy>(v)
            .map_err(|e| anyhow::anyhow!("{}: {e}", a.config.as_ref().unwrap().display()))?
            .validate()?,
        None => Policy::default(),
    };
    if a.deletions_per_second.is_nan() || a.deletions_per_second <= 0.0 {
        anyhow::bail!("--deletions-per-second must be positive");
    }
    let store = if a.store.join(oubli_ledger::DB_FILE).exists() {
        oubli_ledger::Store::open(&a.store)?
    } else {
        eprintln!(
            "oubli: no store at {}: creating one on the embedded digits data with a trained mlp",
            a.store.display()
        );
        let dataset = oubli_data::load("digits", &oubli_data::LoadOptions::default())?;
        let spec =
            oubli_model::ModelSpec::by_name("mlp", dataset.shape.clone(), dataset.num_classes)?;
        let config = oubli_model::TrainConfig {
            epochs: 20,
            lr: 3e-3,
            ..oubli_model::TrainConfig::default()
        }
        .validate()?;
        let plan = oubli_engine::TrainPlan::Single { spec, config };
        oubli_worker::init_store(
            &a.store,
            &dataset,
            &plan,
            Default::default(),
            &mut oubli_model::Silent,
        )?
        .0
    };
    let token = match a.token.or_else(|| std::env::var("OUBLI_TOKEN").ok()) {
        Some(t) if !t.is_empty() => t,
        _ => {
            let t = store_token(&a.store)?;
            eprintln!(
                "oubli: bearer token for mutating calls is in {}",
                a.store.join("api-token").display()
            );
            t
        }
    };
    let config = ServeConfig {
        addr: SocketAddr::new(a.bind, a.port),
        token,
        limits: Limits {
            deletions_per_second: a.deletions_per_second,
            predict_rows: a.max_predict_rows,
            ..Limits::default()
        },
        policy,
        poll: Duration::from_millis(a.poll_ms),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(oubli_server::serve(store, config))?;
    Ok(0)
}
