//! The plan: everything a shard job needs to train its shard exactly as in-process training
//! would, in one JSON file (`plan.json`) that every job of a cluster reads.

use crate::JobError;
use oubli_data::{fingerprint, Dataset, DatasetSpec, SampleId, Split};
use oubli_model::{ModelSpec, TrainConfig, ValidTrainConfig};
use oubli_sisa::assign::Layout;
use oubli_sisa::{check_fit, SisaConfig, METHOD_TRAIN};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// `format` of a plan file.
pub const PLAN_FORMAT: &str = "oubli-sisa-plan";
/// Version of the plan format this crate writes and reads.
pub const PLAN_VERSION: u32 = 1;
/// File name of the plan in its directory.
pub const PLAN_FILE: &str = "plan.json";
/// File name of the training config saved beside the plan (TOML, for `oubli train --config`).
pub const CONFIG_FILE: &str = "train-config.toml";
/// The artefact store's directory inside the plan directory, unless `--artifacts` says
/// otherwise.
pub const DEFAULT_ARTIFACTS: &str = "artifacts";

/// What the plan produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// A fresh ensemble (`oubli train --sisa-shards …`).
    Train,
    /// An ensemble after an exact deletion (`oubli forget --method sisa`).
    Forget,
}

/// One shard of the plan: the data it trains on (as a fingerprint a job checks) and where
/// its training starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardPlan {
    /// The shard.
    pub shard: usize,
    /// Samples assigned to it.
    pub samples: usize,
    /// `oubli_data::fingerprint` of their ids.
    pub ids_fingerprint: String,
    /// Samples of each stage (stage `r` trains on slices `0..=r`).
    pub stage_samples: Vec<usize>,
    /// First stage its job trains (0 for a fresh training; a forget plan puts the clean
    /// checkpoints before it in the store).
    pub from_stage: usize,
    /// Samples of the deletion request it held (forget plans).
    pub forgotten: usize,
}

/// The deletion a forget plan carries out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgetRequest {
    /// The ensemble file the plan was made from.
    pub model: String,
    /// The ids forgotten, in dataset order.
    pub forget_ids: Vec<SampleId>,
    /// Their `oubli_data::fingerprint` (the new lineage's `forget_fingerprint`).
    pub forget_fingerprint: String,
}

/// A plan of SISA shard jobs (see the [crate docs](crate)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobPlan {
    /// [`PLAN_FORMAT`].
    pub format: String,
    /// [`PLAN_VERSION`].
    pub version: u32,
    /// Fresh training or deletion.
    pub kind: PlanKind,
    /// The dataset, with its CSV options.
    pub dataset: DatasetSpec,
    /// Each constituent's architecture.
    pub spec: ModelSpec,
    /// Training hyperparameters (`epochs` per stage).
    pub train_config: TrainConfig,
    /// Shards, slices, assignment and aggregation.
    pub sisa: SisaConfig,
    /// Ids left out of the dataset's training split, sorted: `--exclude-ids` for a training
    /// plan, every id removed along the lineage (this request's included) for a forget plan.
    pub excluded_ids: Vec<SampleId>,
    /// Samples trained on.
    pub trained_samples: usize,
    /// `oubli_data::fingerprint` of their ids; every job checks the data it loads against it.
    pub trained_ids_fingerprint: String,
    /// Every shard of the ensemble, in order.
    pub shards: Vec<ShardPlan>,
    /// The shards to train, ascending: job index `i` (a scheduler's array index) trains
    /// shard `jobs[i]`. All shards for a training plan, the affected ones for a forget plan.
    pub jobs: Vec<usize>,
    /// The artefact store given at planning (`None`: `PLAN_DIR/artifacts`).
    pub artifacts: Option<String>,
    /// The assembled ensemble's lineage method (`sisa-train` or `sisa`).
    pub method: String,
    /// Hash of the ensemble a forget plan starts from.
    pub parent_sha256: Option<String>,
    /// The deletion (forget plans).
    pub forget: Option<ForgetRequest>,
}

impl JobPlan {
    /// A training plan: the ensemble `oubli train` would train on `dataset` minus `excluded`.
    pub fn train(
        dataset: &Dataset,
        spec: ModelSpec,
        train_config: &ValidTrainConfig,
        sisa: SisaConfig,
        excluded: &[SampleId],
    ) -> Result<Self, JobError> {
        sisa.validate()?;
        let mut excluded = excluded.to_vec();
        excluded.sort_unstable();
        excluded.dedup();
        let mut data = dataset.clone();
        data.exclude(&excluded)?;
        check_fit(&spec, &data.train, &data.name)?;
        let layout = Layout::new(&data.train, train_config.seed, &sisa);
        Ok(Self {
            format: PLAN_FORMAT.into(),
            version: PLAN_VERSION,
            kind: PlanKind::Train,
            dataset: DatasetSpec {
                name: dataset.name.clone(),
                csv: dataset.csv.clone(),
            },
            shards: shard_plans(&data.train, &layout, &sisa, |_| (0, 0)),
            jobs: (0..sisa.shards).collect(),
            spec,
            train_config: train_config.inner().clone(),
            sisa,
            excluded_ids: excluded,
            trained_samples: data.train.len(),
            trained_ids_fingerprint: fingerprint(&data.train.ids),
            artifacts: None,
            method: METHOD_TRAIN.into(),
            parent_sha256: None,
            forget: None,
        })
    }

    /// The plan's id: the first 16 hex digits of the SHA-256 of its JSON. Artefacts live
    /// under it, so two plans sharing a store never mix their checkpoints.
    pub fn id(&self) -> String {
        let bytes = serde_json::to_vec(self).expect("a plan serialises");
        hex::encode(&Sha256::digest(&bytes)[..8])
    }

    /// The validated training config.
    pub fn valid_train_config(&self) -> Result<ValidTrainConfig, JobError> {
        Ok(self.train_config.clone().validate()?)
    }

    /// Where the artefacts go: `flag` if given, else the store recorded at planning, else
    /// `plan_dir/artifacts`.
    pub fn artifacts_location(&self, plan_dir: &Path, flag: Option<&str>) -> String {
        match flag.map(str::to_string).or_else(|| self.artifacts.clone()) {
            Some(l) => l,
            None => plan_dir.join(DEFAULT_ARTIFACTS).display().to_string(),
        }
    }

    /// Writes `plan.json` and `train-config.toml` into `dir` (created if missing).
    pub fn write(&self, dir: &Path) -> Result<PathBuf, JobError> {
        std::fs::create_dir_all(dir).map_err(|e| JobError::io(dir, e))?;
        let path = dir.join(PLAN_FILE);
        let text = serde_json::to_string_pretty(self).expect("a plan serialises");
        write_atomic(&path, text.as_bytes())?;
        let config = toml::to_string(&self.train_config).map_err(|e| JobError::BadPlan {
            path: path.display().to_string(),
            problem: format!("training config does not serialise as TOML: {e}"),
        })?;
        let header = format!(
            "# Training config of SISA plan {} ({} shards × {} slices; --epochs is per stage).\n",
            self.id(),
            self.sisa.shards,
            self.sisa.slices
        );
        write_atomic(&dir.join(CONFIG_FILE), (header + &config).as_bytes())?;
        Ok(path)
    }

    /// Reads and checks `dir/plan.json`.
    pub fn read(dir: &Path) -> Result<Self, JobError> {
        let path = dir.join(PLAN_FILE);
        let bad = |problem: String| JobError::BadPlan {
            path: path.display().to_string(),
            problem,
        };
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                bad("missing: make one with `oubli sisa plan` or `oubli sisa forget-plan`".into())
            }
            _ => JobError::io(&path, e),
        })?;
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
        if value["format"] != PLAN_FORMAT {
            return Err(bad(format!(
                "not a SISA plan (format is not `{PLAN_FORMAT}`)"
            )));
        }
        if value["version"] != PLAN_VERSION {
            return Err(bad(format!(
                "version {} is not {PLAN_VERSION}: made by another oubli",
                value["version"]
            )));
        }
        let plan: Self = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        plan.sisa.validate()?;
        plan.spec.validate()?;
        let ordered = plan.shards.iter().enumerate().all(|(s, p)| {
            p.shard == s
                && p.stage_samples.len() == plan.sisa.slices
                && p.from_stage < plan.sisa.slices
        });
        if plan.shards.len() != plan.sisa.shards || !ordered {
            return Err(bad(format!(
                "must list shards 0..{} in order, each with {} stages",
                plan.sisa.shards, plan.sisa.slices
            )));
        }
        if plan.jobs.windows(2).any(|w| w[0] >= w[1])
            || plan.jobs.iter().any(|&s| s >= plan.sisa.shards)
        {
            return Err(bad("jobs must be distinct shards, ascending".into()));
        }
        Ok(plan)
    }

    /// The dataset the plan trains on, loaded from `data_dir` and checked: the training
    /// split minus the excluded ids must be exactly the one planned.
    pub fn load_data(&self, data_dir: &Path) -> Result<Dataset, JobError> {
        let mut data = self.dataset.load(data_dir)?;
        let present = data.train.id_index();
        let here: Vec<SampleId> = self
            .excluded_ids
            .iter()
            .copied()
            .filter(|id| present.contains_key(id))
            .collect();
        data.exclude(&here)?;
        let found = fingerprint(&data.train.ids);
        if found != self.trained_ids_fingerprint {
            return Err(JobError::DataChanged {
                dataset: data.name.clone(),
                problem: format!(
                    "minus the plan's {} excluded ids it holds {} samples (fingerprint {found}), the plan has {} (fingerprint {})",
                    self.excluded_ids.len(),
                    data.train.len(),
                    self.trained_samples,
                    self.trained_ids_fingerprint
                ),
            });
        }
        Ok(data)
    }
}

/// The plan of every shard of `layout`; `start(s)` is (first stage, forgotten) of shard `s`.
pub(crate) fn shard_plans(
    split: &Split,
    layout: &Layout,
    sisa: &SisaConfig,
    start: impl Fn(usize) -> (usize, usize),
) -> Vec<ShardPlan> {
    (0..sisa.shards)
        .map(|s| {
            let (from_stage, forgotten) = start(s);
            ShardPlan {
                shard: s,
                samples: layout.members[s].len(),
                ids_fingerprint: fingerprint(&layout.ids(split, s)),
                stage_samples: (0..sisa.slices).map(|r| layout.stage(s, r).len()).collect(),
                from_stage,
                forgotten,
            }
        })
        .collect()
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), JobError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| JobError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| JobError::io(path, e))
}
