//! The HTTP face of an oubli store (axum + tokio).
//!
//! - [`router`] builds the whole API over an [`AppState`]; tests call it with `oneshot`.
//! - [`serve`] opens a store, loads its active model (falling back to the last good one if
//!   the file is missing or altered), starts the group-commit intake and the worker, and
//!   serves until SIGTERM or Ctrl-C, then lets in-flight requests finish and stops the
//!   worker between steps.
//!
//! The worker applies deletions in the background with [`oubli_worker::Worker`] and swaps
//! the served model atomically ([`arc_swap`]): a predict call uses one model from start to
//! end, and there is no downtime.

#![warn(missing_docs)]

mod error;
mod intake;
pub mod openapi;
mod routes;
mod state;

pub use error::ApiError;
pub use intake::{Intake, MAX_BATCH};
pub use routes::{router, ROUTES};
pub use state::{Active, AppState, Counters, Limits, RateLimiter};

use arc_swap::ArcSwap;
use oubli_ledger::Store;
use oubli_worker::{Policy, Worker};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Bearer token for mutating calls.
    pub token: String,
    /// Limits.
    pub limits: Limits,
    /// The worker's policy.
    pub policy: Policy,
    /// Pause between worker polls when the queue is empty.
    pub poll: Duration,
}

/// Reads the store's API token (`STORE/api-token`), creating a random one (mode 0600) on
/// first use.
pub fn store_token(dir: &Path) -> std::io::Result<String> {
    let path = dir.join("api-token");
    if let Ok(t) = std::fs::read_to_string(&path) {
        return Ok(t.trim().to_string());
    }
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(&path, format!("{token}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(token)
}

/// The state for `store`: its active model loaded, intake started.
pub fn state(
    store: Arc<Store>,
    token: String,
    limits: Limits,
) -> Result<AppState, oubli_worker::WorkerError> {
    let (model, version) = oubli_worker::load_active(&store)?;
    Ok(AppState {
        intake: Intake::start(store.clone()),
        store,
        active: Arc::new(ArcSwap::from_pointee(Active::new(&model, version))),
        token: Arc::new(token),
        limits: Arc::new(limits),
        rate: Arc::new(RateLimiter::default()),
        counters: Arc::new(Counters::default()),
    })
}

/// How much nicer than the serving threads the worker's threads run (Linux nice levels).
pub const WORKER_NICE: i32 = 10;

/// Lowers the calling thread's scheduling priority (on Linux, nice is per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority takes no pointers; on failure the thread keeps its priority.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, WORKER_NICE);
    }
}

/// The worker's compute pool. Training and forgetting would otherwise run on rayon's
/// global pool, the one a prediction's forward pass uses: a prediction arriving during a
/// retrain waited behind its tasks (predict p99 3.2 ms at 2,000 requests/s on MNIST while
/// the worker retrained). In its own niced pool the worker takes what serving leaves.
fn worker_pool() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("oubli-worker-{i}"))
        .start_handler(|_| lower_priority())
        .build()
        .map_err(|e| eprintln!("oubli-server: worker pool not built ({e}): sharing the global one"))
        .ok()
}

/// Runs the worker until `stop`: each step that activates a model swaps it into `state`.
pub fn run_worker(state: AppState, policy: Policy, poll: Duration, stop: Arc<AtomicBool>) {
    lower_priority();
    let pool = worker_pool();
    let mut worker = match Worker::new(&state.store, policy) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("oubli-server: worker not started: {e}");
            return;
        }
    };
    while !stop.load(Ordering::Relaxed) {
        let step = match &pool {
            Some(pool) => pool.install(|| worker.step()),
            None => worker.step(),
        };
        match step {
            Ok(Some(r)) => {
                if let Some(v) = r.activated {
                    let (model, _) = worker.model();
                    state.active.store(Arc::new(Active::new(model, v)));
                    state.counters.model_swaps.fetch_add(1, Ordering::Relaxed);
                }
                eprintln!(
                    "oubli-server: worker: {} requests by {} in {:.2}s: {} verified, {} no data, {} failed{}",
                    r.requests.len(),
                    r.method.as_deref().unwrap_or("-"),
                    r.seconds,
                    r.verified,
                    r.no_data,
                    r.failed,
                    r.activated.map(|v| format!(", serving version {v}")).unwrap_or_default()
                );
            }
            Ok(None) => std::thread::sleep(poll),
            Err(e) => {
                eprintln!("oubli-server: worker step failed: {e}");
                std::thread::sleep(poll * 10);
            }
        }
    }
}

/// Serves `store` until SIGTERM / Ctrl-C.
pub async fn serve(store: Store, config: ServeConfig) -> std::io::Result<()> {
    let store = Arc::new(store);
    let state =
        state(store, config.token.clone(), config.limits.clone()).map_err(std::io::Error::other)?;
    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let (state, policy, stop) = (state.clone(), config.policy.clone(), stop.clone());
        std::thread::Builder::new()
            .name("oubli-worker".into())
            .spawn(move || run_worker(state, policy, config.poll, stop))?
    };
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    eprintln!(
        "oubli-server: listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    stop.store(true, Ordering::Relaxed);
    eprintln!("oubli-server: stopping: waiting for the worker to reach a safe point");
    let _ = tokio::task::spawn_blocking(move || worker.join()).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
