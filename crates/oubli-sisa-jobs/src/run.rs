//! Running a plan's jobs on this machine: one child process per shard, at most N at once —
//! what a cluster scheduler does, for a workstation or a test.

use crate::plan::JobPlan;
use crate::JobError;
use serde::Serialize;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How one child job ended.
#[derive(Debug, Clone, Serialize)]
pub struct JobOutcome {
    /// The shard it trained.
    pub shard: usize,
    /// Exit code (`None`: killed by a signal).
    pub exit_code: Option<i32>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Its standard output (one JSON object for `shard-train --json`).
    pub stdout_log: String,
    /// Its standard error.
    pub stderr_log: String,
    /// Its standard output parsed as JSON, when it is.
    pub report: Option<serde_json::Value>,
}

/// What running the plan did.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The plan's id.
    pub plan_id: String,
    /// Jobs run.
    pub jobs: usize,
    /// Jobs run at once at most.
    pub parallel: usize,
    /// Most jobs seen running at the same time.
    pub peak_running: usize,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
    /// One per job, in shard order.
    pub outcomes: Vec<JobOutcome>,
}

impl RunReport {
    /// Shards whose job failed.
    pub fn failed(&self) -> Vec<usize> {
        self.outcomes
            .iter()
            .filter(|o| o.exit_code != Some(0))
            .map(|o| o.shard)
            .collect()
    }
}

/// Runs every job of `plan`, `parallel` at a time (at least 1), each as the process
/// `command(shard)` builds, with its output in `logs/shard-{s}.out` and `.err`. Returns
/// when all have ended; [`JobError::JobsFailed`] names those that failed.
pub fn run_local(
    plan: &JobPlan,
    logs: &Path,
    parallel: usize,
    command: &dyn Fn(usize) -> Command,
) -> Result<RunReport, JobError> {
    let start = Instant::now();
    let parallel = parallel.max(1);
    std::fs::create_dir_all(logs).map_err(|e| JobError::io(logs, e))?;
    let mut pending: Vec<usize> = plan.jobs.iter().rev().copied().collect();
    let mut running: Vec<(usize, Child, Instant)> = Vec::new();
    let mut outcomes = Vec::with_capacity(plan.jobs.len());
    let mut peak = 0;
    let log = |s: usize, ext: &str| logs.join(format!("shard-{s}.{ext}"));
    while !pending.is_empty() || !running.is_empty() {
        while running.len() < parallel {
            let Some(s) = pending.pop() else { break };
            let (out, err) = (log(s, "out"), log(s, "err"));
            let stdout = std::fs::File::create(&out).map_err(|e| JobError::io(&out, e))?;
            let stderr = std::fs::File::create(&err).map_err(|e| JobError::io(&err, e))?;
            let spawned = command(s)
                .stdin(Stdio::null())
                .stdout(stdout)
                .stderr(stderr)
                .spawn();
            match spawned {
                Ok(child) => running.push((s, child, Instant::now())),
                Err(e) => {
                    // Leave no orphan behind: stop the jobs this run started.
                    for (_, mut child, _) in running {
                        let _ = child.kill();
                        let _ = child.wait();
                    }
                    return Err(JobError::io(Path::new("starting a shard job"), e));
                }
            }
        }
        peak = peak.max(running.len());
        let mut i = 0;
        while i < running.len() {
            match running[i]
                .1
                .try_wait()
                .map_err(|e| JobError::io(&log(running[i].0, "out"), e))?
            {
                Some(status) => {
                    let (s, _, began) = running.swap_remove(i);
                    let (out, err) = (log(s, "out"), log(s, "err"));
                    let report = std::fs::read(&out)
                        .ok()
                        .and_then(|b| serde_json::from_slice(&b).ok());
                    outcomes.push(JobOutcome {
                        shard: s,
                        exit_code: status.code(),
                        seconds: began.elapsed().as_secs_f64(),
                        stdout_log: out.display().to_string(),
                        stderr_log: err.display().to_string(),
                        report,
                    });
                }
                None => i += 1,
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    outcomes.sort_by_key(|o| o.shard);
    let report = RunReport {
        plan_id: plan.id(),
        jobs: plan.jobs.len(),
        parallel,
        peak_running: peak,
        seconds: start.elapsed().as_secs_f64(),
        outcomes,
    };
    let failed = report.failed();
    if !failed.is_empty() {
        return Err(JobError::JobsFailed {
            failed,
            logs: logs.display().to_string(),
        });
    }
    Ok(report)
}
