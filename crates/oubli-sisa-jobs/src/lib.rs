//! SISA shards as jobs on a cluster scheduler.
//!
//! In-process SISA training ([`oubli_sisa::SisaModel::train`]) trains the `S` shards one
//! after another; they are independent, so a cluster can train them at once. This crate
//! cuts that training into jobs without changing a bit of the result:
//!
//! 1. **Plan** ([`JobPlan::train`], [`plan_forget`]): `plan.json` records the dataset (with
//!    its CSV options), the architecture, the training and SISA configs, the ids left out,
//!    and each shard's data fingerprint; a forget plan lists only the shards a deletion
//!    touches and seeds the store with their last clean checkpoints.
//! 2. **One job per shard** ([`train_shard`]): loads the data, checks it against the plan,
//!    and trains the shard with [`oubli_sisa::ShardRun::train`] — the very function the
//!    in-process path calls — storing each stage's checkpoint as soon as it exists. Which
//!    shard comes from `--shard`, `$JOB_COMPLETION_INDEX` (Kubernetes Indexed Job) or
//!    `$SLURM_ARRAY_TASK_ID` (Slurm array), see [`resolve_shard`]. A killed job re-run
//!    resumes from its shard's last checkpoint: each stage depends only on the previous
//!    checkpoint and its own data, so the result is the same.
//! 3. **Assemble** ([`assemble`]): verifies every finished shard and builds the ensemble,
//!    bit-identical (same `weights_sha256`, tensors and checkpoints) to `oubli train` or
//!    `oubli forget --method sisa` with the same inputs.
//!
//! Artefacts go through [`ArtifactStore`] (the `object_store` crate): a local or shared
//! directory by default, S3, GCS or Azure with the `aws`, `gcp` or `azure` feature.
//! [`run_local`] runs a plan's jobs as child processes on one machine; [`k8s_manifest`] and
//! [`slurm_script`] write the files that run them on a cluster.

#![warn(missing_docs)]

mod assemble;
mod emit;
mod error;
mod forget;
mod index;
mod plan;
mod run;
mod shard;
mod store;

pub use assemble::{assemble, AssembleReport};
pub use emit::{
    absolute, artifacts_for_job, k8s_manifest, slurm_script, K8sOptions, SlurmOptions, K8S_FILE,
    SLURM_FILE,
};
pub use error::JobError;
pub use forget::{plan_forget, ForgetPlanReport};
pub use index::{resolve_shard, ShardSource, K8S_INDEX, SLURM_INDEX};
pub use plan::{
    ForgetRequest, JobPlan, PlanKind, ShardPlan, CONFIG_FILE, DEFAULT_ARTIFACTS, PLAN_FILE,
    PLAN_FORMAT, PLAN_VERSION,
};
pub use run::{run_local, JobOutcome, RunReport};
pub use shard::{
    checkpoint_object, done_object, read_shard, train_shard, ShardDone, ShardReport,
    StoredCheckpoint, DONE_FORMAT,
};
pub use store::{is_url, ArtifactStore};
