//! Files for a real cluster: a Kubernetes Indexed Job manifest and a Slurm array script,
//! each running `oubli sisa shard-train` once per job of the plan, the scheduler's index
//! picking the shard ([`crate::resolve_shard`]).

use crate::plan::JobPlan;
use crate::plan::DEFAULT_ARTIFACTS;
use crate::store::is_url;
use std::path::{Path, PathBuf};

/// Options of the Kubernetes manifest.
#[derive(Debug, Clone)]
pub struct K8sOptions {
    /// Container image with `oubli` on its `PATH`.
    pub image: String,
    /// Pods at once [default: every job].
    pub parallelism: Option<usize>,
    /// The PersistentVolumeClaim holding the plan directory (at its root) and, unless the
    /// artefact store is a cloud URL, the artefacts.
    pub claim: String,
    /// Where the claim is mounted in the pod.
    pub mount: String,
}

/// Options of the Slurm script.
#[derive(Debug, Clone)]
pub struct SlurmOptions {
    /// The `oubli` binary as the compute nodes see it.
    pub oubli: String,
    /// Array tasks at once (`%N` throttle) [default: no limit].
    pub parallelism: Option<usize>,
    /// `--cpus-per-task` of each array task.
    pub cpus: usize,
}

/// The artefact store as a job sees it: a URL as is; the default `PLAN_DIR/artifacts` under
/// `plan_in_job`; another directory by its absolute path (it must be shared at that path).
pub fn artifacts_for_job(
    plan: &JobPlan,
    plan_dir: &Path,
    plan_in_job: &str,
    flag: Option<&str>,
) -> String {
    let location = plan.artifacts_location(plan_dir, flag);
    if is_url(&location) {
        return location;
    }
    if Path::new(&location) == plan_dir.join(DEFAULT_ARTIFACTS) {
        return format!("{}/{DEFAULT_ARTIFACTS}", plan_in_job.trim_end_matches('/'));
    }
    absolute(Path::new(&location)).display().to_string()
}

/// `path` made absolute against the current directory (not resolved: it need not exist).
pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

/// A YAML scalar: a JSON string is a valid double-quoted YAML scalar.
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// The Indexed Job manifest: `completions` = the plan's jobs, pod index `i` trains shard
/// `jobs[i]` (for a training plan, shard `i`). `artifacts` is the store as pods see it.
pub fn k8s_manifest(plan: &JobPlan, artifacts: &str, o: &K8sOptions) -> String {
    let id = plan.id();
    let jobs = plan.jobs.len();
    let parallelism = o.parallelism.unwrap_or(jobs).clamp(1, jobs.max(1));
    let mount = o.mount.trim_end_matches('/');
    let command = [
        "oubli",
        "sisa",
        "shard-train",
        "--plan",
        mount,
        "--artifacts",
        artifacts,
        "--json",
    ]
    .map(q)
    .join(", ");
    format!(
        r#"# Kubernetes Indexed Job for oubli SISA plan {id} ({kind:?}): {jobs} shard jobs of an
# ensemble of {shards} shards x {slices} slices. Pod index $JOB_COMPLETION_INDEX = i trains
# shard jobs[i] of plan.json; a pod that fails or is evicted is retried and resumes from its
# shard's last checkpoint. Before `kubectl apply -f` this file: copy the plan directory to
# the root of the volume claim {claim} (ReadWriteMany when pods run on several nodes).
# Afterwards: `oubli sisa assemble --plan PLAN_DIR --out MODEL` where the artefacts are.
apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  labels:
    app.kubernetes.io/name: oubli-sisa
    oubli/plan: {qid}
spec:
  completionMode: Indexed
  completions: {jobs}
  parallelism: {parallelism}
  backoffLimit: {backoff}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: oubli-sisa
        oubli/plan: {qid}
    spec:
      restartPolicy: Never
      containers:
        - name: shard
          image: {image}
          command: [{command}]
          env:
            - name: OUBLI_DATA_DIR
              value: {data_dir}
          volumeMounts:
            - name: plan
              mountPath: {qmount}
      volumes:
        - name: plan
          persistentVolumeClaim:
            claimName: {qclaim}
"#,
        kind = plan.kind,
        shards = plan.sisa.shards,
        slices = plan.sisa.slices,
        claim = o.claim,
        name = q(&format!("oubli-sisa-{id}")),
        qid = q(&id),
        backoff = 3 * jobs,
        image = q(&o.image),
        data_dir = q(&format!("{mount}/data")),
        qmount = q(mount),
        qclaim = q(&o.claim),
    )
}

/// A word for a POSIX shell: single-quoted unless plainly safe.
fn sh(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:=@%+,".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The sbatch script: `#SBATCH --array=0-(J-1)`, task `i` training shard `jobs[i]`.
/// `plan_dir` and `artifacts` are paths (or the store URL) as the compute nodes see them;
/// logs go to `plan_dir/logs`.
pub fn slurm_script(plan: &JobPlan, plan_dir: &str, artifacts: &str, o: &SlurmOptions) -> String {
    let id = plan.id();
    let last = plan.jobs.len().saturating_sub(1);
    let throttle = o
        .parallelism
        .map(|p| format!("%{}", p.max(1)))
        .unwrap_or_default();
    let logs = format!("{}/logs/slurm-%A_%a.out", plan_dir.trim_end_matches('/'));
    format!(
        r#"#!/bin/bash
#SBATCH --job-name=oubli-sisa-{id}
#SBATCH --array=0-{last}{throttle}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task={cpus}
#SBATCH --output={logs}
#SBATCH --requeue
# oubli SISA plan {id} ({kind:?}): {jobs} shard jobs of an ensemble of {shards} shards x
# {slices} slices. Array task $SLURM_ARRAY_TASK_ID = i trains shard jobs[i] of plan.json; a
# requeued or re-submitted task resumes from its shard's last checkpoint. The plan directory
# and the artefact store must be on a filesystem every node shares (or the store a cloud
# URL). Submit with `sbatch {script}`; afterwards `oubli sisa assemble --plan {plan_dir} --out MODEL`.
set -euo pipefail
exec {oubli} sisa shard-train --plan {plan} --artifacts {artifacts} --json
"#,
        cpus = o.cpus.max(1),
        kind = plan.kind,
        jobs = plan.jobs.len(),
        shards = plan.sisa.shards,
        slices = plan.sisa.slices,
        script = sh(&format!("{}/{SLURM_FILE}", plan_dir.trim_end_matches('/'))),
        oubli = sh(&o.oubli),
        plan = sh(plan_dir),
        artifacts = sh(artifacts),
    )
}

/// File name of the emitted manifest in the plan directory.
pub const K8S_FILE: &str = "k8s-job.yaml";
/// File name of the emitted script in the plan directory.
pub const SLURM_FILE: &str = "sisa.sbatch";

#[cfg(test)]
mod tests {
    use super::sh;

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(sh("/a/b-c.d"), "/a/b-c.d");
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(sh(""), "''");
    }
}
