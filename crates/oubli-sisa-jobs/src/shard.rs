//! One shard job: train every remaining stage of one shard, checkpointing each to the store,
//! then record the shard as finished. A re-run resumes from the last stored checkpoint.
//!
//! Objects, under the plan's [id](crate::JobPlan::id):
//! `{id}/shard-{s}/shard-{s}-stage-{r}.safetensors` (the checkpoint after stage `r`, in the
//! ensemble's checkpoint format) and `{id}/shard-{s}/done.json` ([`ShardDone`], written last).

use crate::plan::JobPlan;
use crate::store::ArtifactStore;
use crate::JobError;
use oubli_model::Network;
use oubli_sisa::assign::Layout;
use oubli_sisa::{
    check_fit, checkpoint_bytes, checkpoint_from_bytes, checkpoint_name, Checkpoint, Shard,
    ShardRun,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::Instant;

/// `format` of a shard's `done.json`.
pub const DONE_FORMAT: &str = "oubli-sisa-shard";

/// Name of the checkpoint object of `shard`/`stage` of plan `plan_id`.
pub fn checkpoint_object(plan_id: &str, shard: usize, stage: usize) -> String {
    format!("{plan_id}/shard-{shard}/{}", checkpoint_name(shard, stage))
}

/// Name of the `done.json` object of `shard` of plan `plan_id`.
pub fn done_object(plan_id: &str, shard: usize) -> String {
    format!("{plan_id}/shard-{shard}/done.json")
}

/// One stored checkpoint, as `done.json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCheckpoint {
    /// The stage.
    pub stage: usize,
    /// Its object name.
    pub object: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Samples the stage trained on.
    pub samples: usize,
}

/// A finished shard: written after its last checkpoint, read by `assemble`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardDone {
    /// [`DONE_FORMAT`].
    pub format: String,
    /// The plan's id.
    pub plan_id: String,
    /// The shard.
    pub shard: usize,
    /// SHA-256 of the constituent's weights.
    pub weights_sha256: String,
    /// Samples in the shard.
    pub samples: usize,
    /// Fingerprint of their ids.
    pub ids_fingerprint: String,
    /// Every stage's checkpoint.
    pub checkpoints: Vec<StoredCheckpoint>,
}

/// What one shard job did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardReport {
    /// The shard.
    pub shard: usize,
    /// The plan's id.
    pub plan_id: String,
    /// The artefact store.
    pub artifacts: String,
    /// True when the shard was already finished and nothing ran.
    pub already_done: bool,
    /// First stage trained by this run (stages before it came from stored checkpoints).
    pub resumed_from_stage: usize,
    /// Stages trained by this run.
    pub stages_trained: usize,
    /// Per-sample gradient evaluations of this run.
    pub sample_gradients: u64,
    /// Optimisation steps of this run.
    pub steps: usize,
    /// Wall-clock seconds of this run.
    pub seconds: f64,
    /// Samples in the shard.
    pub samples: usize,
    /// SHA-256 of the constituent's weights.
    pub weights_sha256: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads finished shard `shard` from the store, verifying every checkpoint's hash, its data
/// against the plan, and the weights against `done.json`; `None` if it has not finished.
pub fn read_shard(
    plan: &JobPlan,
    store: &ArtifactStore,
    shard: usize,
) -> Result<Option<(Shard, ShardDone)>, JobError> {
    let id = plan.id();
    let name = done_object(&id, shard);
    let Some(bytes) = store.get(&name)? else {
        return Ok(None);
    };
    let bad = |problem: String| JobError::BadArtifact {
        object: name.clone(),
        problem,
    };
    let done: ShardDone =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("malformed: {e}")))?;
    let expected = &plan.shards[shard];
    if done.format != DONE_FORMAT || done.plan_id != id || done.shard != shard {
        return Err(bad(format!("is not shard {shard} of plan {id}")));
    }
    if done.checkpoints.len() != plan.sisa.slices
        || done.ids_fingerprint != expected.ids_fingerprint
    {
        return Err(bad(format!(
            "does not hold the {} stages of the data planned for shard {shard}",
            plan.sisa.slices
        )));
    }
    let mut stages = Vec::with_capacity(plan.sisa.slices);
    for (r, c) in done.checkpoints.iter().enumerate() {
        let object = checkpoint_object(&id, shard, r);
        if c.stage != r || c.object != object {
            return Err(bad(format!(
                "lists `{}` as stage {r}, expected `{object}`",
                c.object
            )));
        }
        let bytes = store.get(&object)?.ok_or_else(|| JobError::BadArtifact {
            object: object.clone(),
            problem: format!("missing; {name} references it"),
        })?;
        let actual = sha256_hex(&bytes);
        if actual != c.sha256 {
            return Err(JobError::BadArtifact {
                object,
                problem: format!(
                    "sha256 {actual} does not match {} recorded in done.json: altered or corrupted",
                    c.sha256
                ),
            });
        }
        stages.push(checkpoint_from_bytes(
            &bytes, &object, &plan.spec, shard, r,
        )?);
    }
    let shard_model = Shard { stages };
    if shard_model.weights_sha256() != done.weights_sha256
        || shard_model.ids_fingerprint() != done.ids_fingerprint
    {
        return Err(bad(
            "its last checkpoint does not hold the recorded weights and data".into(),
        ));
    }
    Ok(Some((shard_model, done)))
}

/// Stores the checkpoints `stages` (stages `0..`) of `shard`: those a forget plan starts
/// from. One already stored (by an earlier run of the same plan: the id is the plan's hash)
/// is kept, since a finished shard's `done.json` records the hash of its bytes, and the
/// bytes of a checkpoint written again may differ (its metadata order is not fixed).
pub(crate) fn put_checkpoints(
    store: &ArtifactStore,
    plan_id: &str,
    shard: usize,
    stages: &[Checkpoint],
) -> Result<Vec<StoredCheckpoint>, JobError> {
    let mut out = Vec::with_capacity(stages.len());
    for (r, c) in stages.iter().enumerate() {
        let object = checkpoint_object(plan_id, shard, r);
        let sha256 = match store.get(&object)? {
            Some(bytes) => sha256_hex(&bytes),
            None => {
                let bytes = checkpoint_bytes(c, shard, r);
                let sha256 = sha256_hex(&bytes);
                store.put(&object, bytes)?;
                sha256
            }
        };
        out.push(StoredCheckpoint {
            stage: r,
            object,
            sha256,
            samples: c.samples,
        });
    }
    Ok(out)
}

/// Records `shard` as finished.
pub(crate) fn put_done(
    store: &ArtifactStore,
    plan_id: &str,
    shard: usize,
    model: &Shard,
    checkpoints: Vec<StoredCheckpoint>,
) -> Result<(), JobError> {
    let done = ShardDone {
        format: DONE_FORMAT.into(),
        plan_id: plan_id.to_string(),
        shard,
        weights_sha256: model.weights_sha256(),
        samples: model.samples(),
        ids_fingerprint: model.ids_fingerprint().to_string(),
        checkpoints,
    };
    let bytes = serde_json::to_vec_pretty(&done).expect("serialises");
    store.put(&done_object(plan_id, shard), bytes)
}

/// Trains shard `shard` of `plan` (a job of the plan), reading the dataset from `data_dir`.
///
/// A finished shard is verified and left alone. Otherwise the stored checkpoints of stages
/// `0..k` (those of an earlier, killed run, or the clean ones a forget plan put there) are
/// verified against the stage data and training resumes at stage `k`: since each stage
/// depends only on the previous checkpoint and its own data, the result is the same bits as
/// an uninterrupted run, and as the same shard trained by `oubli train`.
pub fn train_shard(
    plan: &JobPlan,
    store: &ArtifactStore,
    shard: usize,
    data_dir: &Path,
) -> Result<ShardReport, JobError> {
    let start = Instant::now();
    let id = plan.id();
    if !plan.jobs.contains(&shard) {
        return Err(JobError::NoShard(format!(
            "shard {shard} is not a job of plan {id} (its jobs are shards {:?})",
            plan.jobs
        )));
    }
    let mut report = ShardReport {
        shard,
        plan_id: id.clone(),
        artifacts: store.location().to_string(),
        already_done: true,
        resumed_from_stage: plan.sisa.slices,
        stages_trained: 0,
        sample_gradients: 0,
        steps: 0,
        seconds: 0.0,
        samples: 0,
        weights_sha256: String::new(),
    };
    if let Some((done, _)) = read_shard(plan, store, shard)? {
        report.samples = done.samples();
        report.weights_sha256 = done.weights_sha256();
        report.seconds = start.elapsed().as_secs_f64();
        return Ok(report);
    }
    let config = plan.valid_train_config()?;
    let data = plan.load_data(data_dir)?;
    check_fit(&plan.spec, &data.train, &data.name)?;
    let available = oubli_model::memory::available_memory();
    oubli_model::memory::check_training_memory(&plan.spec, &config, 1, available)?;
    let layout = Layout::new(&data.train, config.seed, &plan.sisa);
    let net = Network::new(plan.spec.clone())?;
    let run = ShardRun {
        net: &net,
        split: &data.train,
        layout: &layout,
        shard,
        slices: plan.sisa.slices,
        config: &config,
    };
    let mut stages = Vec::new();
    for r in 0..plan.sisa.slices {
        let object = checkpoint_object(&id, shard, r);
        let Some(bytes) = store.get(&object)? else {
            break;
        };
        let c = checkpoint_from_bytes(&bytes, &object, &plan.spec, shard, r)?;
        if c.ids_fingerprint != run.stage_fingerprint(r) {
            return Err(JobError::BadArtifact {
                object,
                problem: format!("was not trained on the data of shard {shard} stage {r}"),
            });
        }
        stages.push(c);
    }
    let from = stages.len();
    let mut failed = None;
    let result = run.train(&mut stages, from, &mut |r, c| {
        let object = checkpoint_object(&id, shard, r);
        store
            .put(&object, checkpoint_bytes(c, shard, r))
            .map_err(|e| {
                let problem = e.to_string();
                failed = Some(e);
                oubli_sisa::SisaError::Keep {
                    shard,
                    stage: r,
                    problem,
                }
            })
    });
    let cost = match (result, failed) {
        (Err(_), Some(store_error)) => return Err(store_error),
        (result, _) => result?,
    };
    // Hash what the store holds now: a second run of the same job (a scheduler's retry
    // while the first still ran) may have written the same checkpoints with other bytes.
    let mut stored = Vec::with_capacity(stages.len());
    for (r, c) in stages.iter().enumerate() {
        let object = checkpoint_object(&id, shard, r);
        let bytes = store.get(&object)?.ok_or_else(|| JobError::BadArtifact {
            object: object.clone(),
            problem: "disappeared while the job ran".into(),
        })?;
        if &checkpoint_from_bytes(&bytes, &object, &plan.spec, shard, r)? != c {
            return Err(JobError::BadArtifact {
                object,
                problem: "was replaced by another checkpoint while the job ran".into(),
            });
        }
        stored.push(StoredCheckpoint {
            stage: r,
            object,
            sha256: sha256_hex(&bytes),
            samples: c.samples,
        });
    }
    let model = Shard { stages };
    put_done(store, &id, shard, &model, stored)?;
    report.already_done = false;
    report.resumed_from_stage = from;
    report.stages_trained = plan.sisa.slices - from;
    report.sample_gradients = cost.sample_gradients;
    report.steps = cost.steps;
    report.samples = model.samples();
    report.weights_sha256 = model.weights_sha256();
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}
