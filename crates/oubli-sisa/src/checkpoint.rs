//! Checkpoint files and the safetensors plumbing shared with the ensemble file.
//!
//! A checkpoint `shard-{s}-stage-{r}.safetensors` holds the constituent's parameters under
//! their PyTorch names (so it loads into the module with `strict=False`), the optimiser's
//! flat moment vectors `optimizer.m` and (Adam) `optimizer.v`, and in `__metadata__` the
//! step count `t`, the optimiser kind and momentum, and the stage's sample count and id
//! fingerprint. The ensemble file records each checkpoint's SHA-256 over its bytes.

use crate::shard::Checkpoint;
use crate::SisaError;
use oubli_model::{ModelSpec, OptimizerKind, OptimizerState, Params};
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// `format` metadata value of a checkpoint file.
pub const CHECKPOINT_FORMAT: &str = "oubli-sisa-checkpoint";

/// File name of the checkpoint after stage `stage` of shard `shard`.
pub fn checkpoint_name(shard: usize, stage: usize) -> String {
    format!("shard-{shard}-stage-{stage}.safetensors")
}

/// Hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Serialises named f32 tensors (name, shape, values) with string metadata.
pub(crate) fn serialize(
    tensors: &[(String, Vec<usize>, &[f32])],
    meta: HashMap<String, String>,
) -> Vec<u8> {
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, _, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let views = tensors.iter().zip(&bytes).map(|((name, shape, _), b)| {
        (
            name.clone(),
            TensorView::new(Dtype::F32, shape.clone(), b).expect("shape matches data"),
        )
    });
    safetensors::serialize(views, Some(meta)).expect("f32 tensors with consistent shapes serialise")
}

/// Reads the f32 tensor `name` of shape `shape`, naming `what` in errors.
pub(crate) fn read_f32(
    st: &SafeTensors<'_>,
    name: &str,
    shape: &[usize],
    what: &dyn Fn(String) -> SisaError,
) -> Result<Vec<f32>, SisaError> {
    let t = st
        .tensor(name)
        .map_err(|_| what(format!("missing tensor `{name}`")))?;
    if t.dtype() != Dtype::F32 {
        return Err(what(format!(
            "tensor `{name}` is {:?}, expected F32",
            t.dtype()
        )));
    }
    if t.shape() != shape {
        return Err(what(format!(
            "tensor `{name}` has shape {:?}, expected {shape:?}",
            t.shape()
        )));
    }
    let values: Vec<f32> = t
        .data()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect();
    if values.iter().any(|v| !v.is_finite()) {
        return Err(what(format!("tensor `{name}` contains NaN or infinity")));
    }
    Ok(values)
}

/// Writes `bytes` to `path` through a temporary file and a rename, so that a crash never
/// leaves a half-written file under the final name.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SisaError> {
    let tmp = path.with_extension("safetensors.tmp");
    std::fs::write(&tmp, bytes).map_err(|e| SisaError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| SisaError::io(path, e))
}

/// Serialises the checkpoint after stage `stage` of shard `shard` (the bytes of its
/// `shard-{s}-stage-{r}.safetensors` file).
pub fn checkpoint_bytes(c: &Checkpoint, shard: usize, stage: usize) -> Vec<u8> {
    let p = &c.params;
    let mut tensors: Vec<(String, Vec<usize>, &[f32])> = p
        .shapes
        .iter()
        .zip(p.ranges())
        .map(|(s, (a, b))| (s.name.clone(), s.shape.clone(), &p.data[a..b]))
        .collect();
    tensors.push(("optimizer.m".into(), vec![c.state.m.len()], &c.state.m));
    if c.state.kind == OptimizerKind::Adam {
        tensors.push(("optimizer.v".into(), vec![c.state.v.len()], &c.state.v));
    }
    let kind = serde_json::to_value(c.state.kind).expect("serialises");
    let meta: HashMap<String, String> = [
        ("format", CHECKPOINT_FORMAT.to_string()),
        ("shard", shard.to_string()),
        ("stage", stage.to_string()),
        ("optimizer", kind.as_str().unwrap_or_default().to_string()),
        ("t", c.state.t.to_string()),
        ("momentum", c.state.momentum.to_string()),
        ("samples", c.samples.to_string()),
        ("ids_fingerprint", c.ids_fingerprint.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    serialize(&tensors, meta)
}

/// Reads and verifies the checkpoint at `path`: its bytes must hash to `sha256` (recorded by
/// the ensemble), and it must be the checkpoint of `shard`/`stage` for `spec`.
pub(crate) fn read_checkpoint(
    path: &Path,
    sha256: &str,
    spec: &ModelSpec,
    shard: usize,
    stage: usize,
) -> Result<Checkpoint, SisaError> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SisaError::checkpoint(
            path,
            format!("missing; the ensemble references it with sha256 {sha256} (checkpoints live in `<model file>.ckpt/` next to the model file)"),
        ),
        _ => SisaError::io(path, e),
    })?;
    let actual = sha256_hex(&bytes);
    if actual != sha256 {
        return Err(SisaError::checkpoint(
            path,
            format!("sha256 {actual} does not match {sha256} recorded by the ensemble: the file was altered or corrupted"),
        ));
    }
    checkpoint_from_bytes(&bytes, &path.display().to_string(), spec, shard, stage)
}

/// Parses checkpoint bytes written by [`checkpoint_bytes`], checking that they are the
/// checkpoint of `shard`/`stage` for `spec`; `name` (a path or object name) is named in
/// errors.
pub fn checkpoint_from_bytes(
    bytes: &[u8],
    name: &str,
    spec: &ModelSpec,
    shard: usize,
    stage: usize,
) -> Result<Checkpoint, SisaError> {
    let bad = |problem: String| SisaError::Checkpoint {
        path: name.to_string(),
        problem,
    };
    let st = SafeTensors::deserialize(bytes).map_err(|e| bad(format!("corrupt ({e})")))?;
    let (_, header) =
        SafeTensors::read_metadata(bytes).map_err(|e| bad(format!("corrupt ({e})")))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let get = |key: &str| {
        meta.get(key)
            .cloned()
            .ok_or_else(|| bad(format!("metadata lacks `{key}`")))
    };
    let number = |key: &str| -> Result<u64, SisaError> {
        get(key)?
            .parse()
            .map_err(|_| bad(format!("metadata `{key}` is not a number")))
    };
    if get("format")? != CHECKPOINT_FORMAT {
        return Err(bad("not a SISA checkpoint".into()));
    }
    if (number("shard")?, number("stage")?) != (shard as u64, stage as u64) {
        return Err(bad(format!(
            "is not the checkpoint of shard {shard} stage {stage}"
        )));
    }
    let kind: OptimizerKind = serde_json::from_value(serde_json::Value::String(get("optimizer")?))
        .map_err(|e| bad(format!("metadata `optimizer`: {e}")))?;
    let momentum: f32 = get("momentum")?
        .parse()
        .map_err(|_| bad("metadata `momentum` is not a number".into()))?;
    let mut params = Params::zeros(spec);
    for (s, (a, b)) in params.shapes.clone().iter().zip(params.ranges()) {
        params.data[a..b].copy_from_slice(&read_f32(&st, &s.name, &s.shape, &bad)?);
    }
    let n = params.len();
    let m = read_f32(&st, "optimizer.m", &[n], &bad)?;
    let v = match kind {
        OptimizerKind::Adam => read_f32(&st, "optimizer.v", &[n], &bad)?,
        OptimizerKind::Sgd => Vec::new(),
    };
    let state = OptimizerState {
        kind,
        m,
        v,
        t: number("t")?,
        momentum,
    };
    Ok(Checkpoint {
        params,
        state,
        samples: number("samples")? as usize,
        ids_fingerprint: get("ids_fingerprint")?,
    })
}
