//! The ensemble file: one safetensors file with every constituent, plus its checkpoints.
//!
//! Tensors are named `shards.{s}.{torch_name}`: the state-dict names of a module whose
//! attribute `shards` is an `nn.ModuleList` of the S constituent modules, so
//! `m.shards = nn.ModuleList([Net() for _ in range(S)])` then
//! `m.load_state_dict(safetensors.torch.load_file(path))` loads it.
//! `__metadata__` carries the keys of a single model's lineage (`format = oubli`, `spec`,
//! `train_config`, `method` = `sisa-train` or `sisa`, `weights_sha256` over all tensors, …)
//! plus `sisa`: a JSON object with S, R, `shard_by`, `aggregation`, each constituent's
//! `weights_sha256`, sample count and id fingerprint, each checkpoint's file name and
//! SHA-256, and the removed ids (with their fingerprint and count).
//!
//! Checkpoints live in `<file name>.ckpt/` next to the file and are verified against their
//! recorded hashes on load. They carry the influence of the data they saw: deleting an
//! ensemble for compliance means deleting its `.ckpt` directory too, and saving an unlearned
//! ensemble removes checkpoint files of the directory that it no longer references.

use crate::checkpoint::{
    checkpoint_bytes, checkpoint_name, read_checkpoint, read_f32, serialize, sha256_hex,
    write_atomic,
};
use crate::config::{Aggregation, ShardBy, SisaConfig};
use crate::model::SisaModel;
use crate::shard::Shard;
use crate::SisaError;
use oubli_data::{fingerprint, SampleId};
use oubli_model::file::Lineage;
use oubli_model::{Network, Params, TrainConfig};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// The `sisa` metadata entry.
#[derive(Debug, Serialize, Deserialize)]
struct SisaMeta {
    shards: usize,
    slices: usize,
    shard_by: ShardBy,
    /// Absent in files written before owner slicing existed (and whenever it is `id`).
    #[serde(default, skip_serializing_if = "ShardBy::is_id")]
    slice_by: ShardBy,
    aggregation: Aggregation,
    /// Directory of the checkpoints, relative to the ensemble file's directory.
    checkpoint_dir: String,
    constituents: Vec<ConstituentMeta>,
    removed_ids_fingerprint: String,
    removed_count: usize,
    removed_ids: Vec<SampleId>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ConstituentMeta {
    shard: usize,
    weights_sha256: String,
    samples: usize,
    ids_fingerprint: String,
    checkpoints: Vec<CheckpointMeta>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CheckpointMeta {
    stage: usize,
    file: String,
    sha256: String,
    samples: usize,
}

/// Lineage keys whose values are plain strings (never parsed as JSON, so `"123"` stays a
/// string), and those that are optional strings (`null` when absent).
const STRING_KEYS: [&str; 5] = [
    "dataset",
    "trained_ids_fingerprint",
    "method",
    "created_at",
    "weights_sha256",
];
const OPTIONAL_STRING_KEYS: [&str; 2] = ["parent_sha256", "forget_fingerprint"];

/// True when `path` is a SISA ensemble file written by oubli (reads the header only), so a
/// caller can choose between this crate and `oubli_model::file::ModelFile`.
pub fn is_sisa_file(path: &Path) -> bool {
    let header = || -> Option<Value> {
        let mut f = std::fs::File::open(path).ok()?;
        let mut len = [0u8; 8];
        f.read_exact(&mut len).ok()?;
        let n = u64::from_le_bytes(len);
        // safetensors caps headers at 100 MB; anything larger is not one.
        if n > 100_000_000 {
            return None;
        }
        let mut buf = vec![0u8; n as usize];
        f.read_exact(&mut buf).ok()?;
        serde_json::from_slice(&buf).ok()
    };
    header().is_some_and(|h| {
        let meta = &h["__metadata__"];
        meta["format"] == "oubli" && meta["sisa"].is_string()
    })
}

impl SisaModel {
    /// Writes the checkpoints to `<path>.ckpt/`, then the ensemble file at `path` (each
    /// atomically); returns the ensemble's `weights_sha256`.
    pub fn save(&self, path: &Path) -> Result<String, SisaError> {
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| SisaError::bad(path, "not a file name"))?;
        let dir_name = format!("{file_name}.ckpt");
        let ckpt_dir = path.with_file_name(&dir_name);
        std::fs::create_dir_all(&ckpt_dir).map_err(|e| SisaError::io(&ckpt_dir, e))?;
        let mut constituents = Vec::with_capacity(self.shards.len());
        let mut written = Vec::new();
        for (s, shard) in self.shards.iter().enumerate() {
            let mut checkpoints = Vec::with_capacity(shard.stages.len());
            for (r, c) in shard.stages.iter().enumerate() {
                let bytes = checkpoint_bytes(c, s, r);
                let file = checkpoint_name(s, r);
                write_atomic(&ckpt_dir.join(&file), &bytes)?;
                checkpoints.push(CheckpointMeta {
                    stage: r,
                    sha256: sha256_hex(&bytes),
                    samples: c.samples,
                    file: file.clone(),
                });
                written.push(file);
            }
            constituents.push(ConstituentMeta {
                shard: s,
                weights_sha256: shard.weights_sha256(),
                samples: shard.samples(),
                ids_fingerprint: shard.ids_fingerprint().to_string(),
                checkpoints,
            });
        }
        remove_stale(&ckpt_dir, &written)?;
        let sisa = SisaMeta {
            shards: self.config.shards,
            slices: self.config.slices,
            shard_by: self.config.shard_by,
            slice_by: self.config.slice_by,
            aggregation: self.config.aggregation,
            checkpoint_dir: dir_name,
            constituents,
            removed_ids_fingerprint: fingerprint(&self.removed_ids),
            removed_count: self.removed_ids.len(),
            removed_ids: self.removed_ids.clone(),
        };
        let lineage = self.lineage();
        let mut meta = HashMap::new();
        meta.insert("format".to_string(), "oubli".to_string());
        if let Value::Object(map) = serde_json::to_value(&lineage).expect("lineage serialises") {
            for (k, v) in map {
                // Plain strings stay plain so that other tools can read them.
                meta.insert(
                    k,
                    if let Value::String(s) = v {
                        s
                    } else {
                        v.to_string()
                    },
                );
            }
        }
        meta.insert(
            "sisa".into(),
            serde_json::to_string(&sisa).expect("serialises"),
        );
        let params = self.ensemble_params();
        let tensors: Vec<(String, Vec<usize>, &[f32])> = params
            .shapes
            .iter()
            .zip(params.ranges())
            .map(|(s, (a, b))| (s.name.clone(), s.shape.clone(), &params.data[a..b]))
            .collect();
        write_atomic(path, &serialize(&tensors, meta))?;
        Ok(lineage.weights_sha256)
    }

    /// Reads an ensemble file and every checkpoint it references, verifying tensor names,
    /// shapes and hashes (ensemble, constituents and checkpoint files).
    pub fn load(path: &Path) -> Result<Self, SisaError> {
        let bytes = std::fs::read(path).map_err(|e| SisaError::io(path, e))?;
        let bad = |problem: String| SisaError::bad(path, problem);
        let (_, header) = SafeTensors::read_metadata(&bytes)
            .map_err(|e| bad(format!("not a safetensors file ({e})")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        if meta.get("format").map(String::as_str) != Some("oubli") {
            return Err(bad("no oubli metadata: not a model written by oubli".into()));
        }
        let raw_sisa = meta.get("sisa").ok_or_else(|| {
            bad("not a SISA ensemble (no `sisa` metadata): load it as a single model".into())
        })?;
        let sisa: SisaMeta = serde_json::from_str(raw_sisa)
            .map_err(|e| bad(format!("metadata `sisa` is malformed: {e}")))?;
        let lineage =
            parse_lineage(&meta).map_err(|e| bad(format!("metadata is malformed: {e}")))?;
        lineage.spec.validate().map_err(|e| bad(e.to_string()))?;
        let train_config: TrainConfig = serde_json::from_value(lineage.train_config.clone())
            .map_err(|e| bad(format!("metadata `train_config`: {e}")))?;
        let config = SisaConfig {
            shards: sisa.shards,
            slices: sisa.slices,
            shard_by: sisa.shard_by,
            slice_by: sisa.slice_by,
            aggregation: sisa.aggregation,
        };
        config.validate()?;
        if sisa.constituents.len() != config.shards
            || sisa
                .constituents
                .iter()
                .any(|c| c.checkpoints.len() != config.slices)
        {
            return Err(bad(format!(
                "metadata `sisa` must list {} constituents with {} checkpoints each",
                config.shards, config.slices
            )));
        }
        if fingerprint(&sisa.removed_ids) != sisa.removed_ids_fingerprint
            || sisa.removed_ids.len() != sisa.removed_count
        {
            return Err(bad(
                "removed ids do not match their recorded fingerprint and count".into(),
            ));
        }
        // The file may come from elsewhere: never follow it outside its own directory.
        let dir = sisa.checkpoint_dir.as_str();
        if dir.is_empty() || dir.starts_with('.') || dir.contains(['/', '\\']) {
            return Err(bad(format!(
                "checkpoint_dir `{}` must be a plain directory name",
                sisa.checkpoint_dir
            )));
        }
        let st = SafeTensors::deserialize(&bytes)
            .map_err(|e| bad(format!("corrupt tensor data ({e})")))?;
        let layout = Params::zeros(&lineage.spec);
        if st.len() != config.shards * layout.shapes.len() {
            return Err(bad(format!(
                "has {} tensors, {} shards of this spec need {}",
                st.len(),
                config.shards,
                config.shards * layout.shapes.len()
            )));
        }
        let ckpt_dir = path.with_file_name(&sisa.checkpoint_dir);
        let mut shards = Vec::with_capacity(config.shards);
        for (s, c) in sisa.constituents.iter().enumerate() {
            let mut params = layout.clone();
            for (sh, (a, b)) in layout.shapes.iter().zip(layout.ranges()) {
                params.data[a..b].copy_from_slice(&read_f32(
                    &st,
                    &format!("shards.{s}.{}", sh.name),
                    &sh.shape,
                    &bad,
                )?);
            }
            if c.shard != s || params.sha256() != c.weights_sha256 {
                return Err(bad(format!("constituent {s}: weights hash {} does not match recorded {}: the file was altered or corrupted", params.sha256(), c.weights_sha256)));
            }
            let mut stages = Vec::with_capacity(config.slices);
            for (r, m) in c.checkpoints.iter().enumerate() {
                if m.stage != r || m.file != checkpoint_name(s, r) {
                    return Err(bad(format!(
                        "constituent {s}: checkpoint {r} is listed as `{}`, expected `{}`",
                        m.file,
                        checkpoint_name(s, r)
                    )));
                }
                stages.push(read_checkpoint(
                    &ckpt_dir.join(&m.file),
                    &m.sha256,
                    &lineage.spec,
                    s,
                    r,
                )?);
            }
            let shard = Shard { stages };
            if shard.params() != &params
                || shard.samples() != c.samples
                || shard.ids_fingerprint() != c.ids_fingerprint
            {
                return Err(SisaError::checkpoint(
                    &ckpt_dir.join(checkpoint_name(s, config.slices - 1)),
                    format!("does not hold constituent {s}'s weights and data"),
                ));
            }
            shards.push(shard);
        }
        let model = SisaModel {
            net: Network::new(lineage.spec.clone())?,
            config,
            train_config: train_config.validate()?,
            dataset: lineage.dataset,
            dataset_options: lineage.dataset_options,
            shards,
            removed_ids: sisa.removed_ids,
            trained_ids_fingerprint: lineage.trained_ids_fingerprint,
            parent_sha256: lineage.parent_sha256,
            method: lineage.method,
            forget_fingerprint: lineage.forget_fingerprint,
            created_at: lineage.created_at,
            extra: lineage.extra,
        };
        let actual = model.weights_sha256();
        if actual != lineage.weights_sha256 {
            return Err(bad(format!("weights hash {actual} does not match recorded {}: the file was altered or corrupted", lineage.weights_sha256)));
        }
        Ok(model)
    }
}

/// Rebuilds the [`Lineage`] from `__metadata__` strings.
fn parse_lineage(meta: &HashMap<String, String>) -> Result<Lineage, serde_json::Error> {
    let mut obj = serde_json::Map::new();
    for (k, raw) in meta {
        let value = if STRING_KEYS.contains(&k.as_str()) {
            Value::String(raw.clone())
        } else if OPTIONAL_STRING_KEYS.contains(&k.as_str()) {
            if raw == "null" {
                Value::Null
            } else {
                Value::String(raw.clone())
            }
        } else {
            serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.clone()))
        };
        obj.insert(k.clone(), value);
    }
    serde_json::from_value(Value::Object(obj))
}

/// Deletes checkpoint files in `dir` that the ensemble being saved does not reference: they
/// may hold the influence of forgotten data.
fn remove_stale(dir: &Path, keep: &[String]) -> Result<(), SisaError> {
    for entry in std::fs::read_dir(dir).map_err(|e| SisaError::io(dir, e))? {
        let entry = entry.map_err(|e| SisaError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("shard-") && name.ends_with(".safetensors") && !keep.contains(&name) {
            std::fs::remove_file(entry.path()).map_err(|e| SisaError::io(&entry.path(), e))?;
        }
    }
    Ok(())
}
