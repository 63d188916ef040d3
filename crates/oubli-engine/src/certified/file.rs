//! The certified-removal model file: one safetensors file.
//!
//! - Tensor `linear.weight`, F32 `[num_models, d]`: the one-vs-rest weights with the model's
//!   feature scale folded in, so `torch.nn.Linear(d, num_models, bias=False)` loads it with
//!   `load_state_dict` and maps raw features (or the extractor's penultimate features) to
//!   margins. `num_models` is 1 for two classes (margin > 0 ⇒ class 1), else one per class
//!   (largest margin wins). This tensor is for other tools; it is rounded to f32.
//! - `__metadata__` (strings; plain for string fields, JSON otherwise): `format =
//!   oubli-certified`, `certified` (the whole [`CertifiedModel`] as JSON, exact f64 state:
//!   weights, noise b, residual spent, norm bound, removals, retrains — what removals continue
//!   from), and the [`CertifiedMeta`] fields: dataset, trained-ids fingerprint, removed ids,
//!   feature extractor path and `weights_sha256`, seed, parent hash, method, `created_at` and
//!   `weights_sha256` (of the tensor, as `oubli_model::Params::sha256` computes it).
//!
//! Loading checks that the tensor is exactly what the JSON state implies, so neither can be
//! altered alone.

use crate::EngineError;
use oubli_certified::CertifiedModel;
use oubli_data::{fingerprint, SampleId};
use oubli_model::{ParamShape, Params};
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// `format` metadata value of a certified-removal model file.
pub const FORMAT: &str = "oubli-certified";
/// Version of the metadata layout; bumped on incompatible change.
pub const FORMAT_VERSION: u32 = 1;
/// The one tensor's name: a bias-free `torch.nn.Linear` called `linear`.
pub const TENSOR: &str = "linear.weight";

/// Where a certified model came from, beside the model state itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertifiedMeta {
    /// Metadata layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Dataset name trained on.
    pub dataset: String,
    /// The CSV options it was loaded with (`csv:PATH` only; absent from older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_options: Option<oubli_data::CsvOptions>,
    /// `oubli_data::fingerprint` of the sample ids currently trained on.
    pub trained_ids_fingerprint: String,
    /// Sample ids removed over the whole lineage (`--exclude-ids` at training included),
    /// sorted: the current training data is the dataset minus these.
    pub removed_ids: Vec<SampleId>,
    /// Fingerprint of `removed_ids`, checked on load.
    pub removed_ids_fingerprint: String,
    /// Absolute path of the feature extractor (an oubli mlp/cnn file) whose penultimate
    /// layer gives the features, or `None` for the dataset's own features.
    pub feature_extractor: Option<String>,
    /// The extractor's `weights_sha256`: a changed extractor is refused, as it would change
    /// every feature the certificate was computed on.
    pub feature_extractor_sha256: Option<String>,
    /// Seed of the loss perturbation b.
    pub seed: u64,
    /// `weights_sha256` of the model this one was derived from.
    pub parent_sha256: Option<String>,
    /// `certified-train` or `certified`.
    pub method: String,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
    /// Hash of the `linear.weight` tensor.
    pub weights_sha256: String,
}

/// Keys holding plain strings (never parsed as JSON, so a dataset called `123` stays a
/// string) and optional plain strings (`null` when absent).
const STRING_KEYS: [&str; 5] = [
    "dataset",
    "trained_ids_fingerprint",
    "method",
    "created_at",
    "weights_sha256",
];
const OPTIONAL_STRING_KEYS: [&str; 3] = [
    "feature_extractor",
    "feature_extractor_sha256",
    "parent_sha256",
];

/// A certified-removal model with its lineage.
#[derive(Debug, Clone, PartialEq)]
pub struct CertifiedFile {
    /// The exact model state.
    pub model: CertifiedModel,
    /// Lineage and feature source.
    pub meta: CertifiedMeta,
}

/// The `linear.weight` tensor of `model`: weights times the feature scale, as f32.
pub fn export_weights(model: &CertifiedModel) -> Params {
    let s = model.feature_scale();
    Params {
        shapes: vec![ParamShape {
            name: TENSOR.into(),
            shape: vec![model.num_models(), model.dim()],
        }],
        data: model.weights().iter().map(|&w| (w * s) as f32).collect(),
    }
}

/// Reads the safetensors header of `path` (nothing else), if it is one.
fn header(path: &Path) -> Option<Value> {
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
}

/// True when `path` is a certified-removal model file (reads the header only).
pub fn is_certified_file(path: &Path) -> bool {
    header(path).is_some_and(|h| h["__metadata__"]["format"] == FORMAT)
}

impl CertifiedMeta {
    /// The dataset trained on, with its recorded options.
    pub fn dataset_spec(&self) -> oubli_data::DatasetSpec {
        oubli_data::DatasetSpec {
            name: self.dataset.clone(),
            csv: self.dataset_options.clone(),
        }
    }
}

impl CertifiedFile {
    /// Writes the file atomically (temporary file, then rename); returns `weights_sha256`.
    pub fn save(&mut self, path: &Path) -> Result<String, EngineError> {
        let params = export_weights(&self.model);
        self.meta.weights_sha256 = params.sha256();
        self.meta.removed_ids_fingerprint = fingerprint(&self.meta.removed_ids);
        let mut meta = HashMap::new();
        meta.insert("format".to_string(), FORMAT.to_string());
        meta.insert(
            "certified".into(),
            serde_json::to_string(&self.model).expect("model state serialises"),
        );
        if let Value::Object(map) = serde_json::to_value(&self.meta).expect("meta serialises") {
            for (k, v) in map {
                // Plain strings stay plain so that other tools can read them.
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                meta.insert(k, text);
            }
        }
        let bytes: Vec<u8> = params.data.iter().flat_map(|v| v.to_le_bytes()).collect();
        let view = TensorView::new(Dtype::F32, params.shapes[0].shape.clone(), &bytes)
            .expect("shape matches data");
        let out = safetensors::serialize([(TENSOR, view)], Some(meta)).map_err(|e| {
            EngineError::CorruptFile {
                path: path.to_path_buf(),
                problem: format!("cannot serialise: {e}"),
            }
        })?;
        oubli_model::file::write_atomic(path, &out)
            .map_err(|(p, source)| EngineError::Io { path: p, source })?;
        Ok(self.meta.weights_sha256.clone())
    }

    /// Reads and validates a certified model file.
    pub fn load(path: &Path) -> Result<Self, EngineError> {
        let bytes = std::fs::read(path).map_err(|source| EngineError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |problem: String| EngineError::CorruptFile {
            path: path.to_path_buf(),
            problem,
        };
        let (_, header) = SafeTensors::read_metadata(&bytes)
            .map_err(|e| bad(format!("not a safetensors file ({e})")))?;
        let raw = header.metadata().clone().unwrap_or_default();
        if raw.get("format").map(String::as_str) != Some(FORMAT) {
            return Err(bad("not a certified-removal model written by oubli".into()));
        }
        let model: CertifiedModel = serde_json::from_str(
            raw.get("certified")
                .ok_or_else(|| bad("metadata lacks `certified`".into()))?,
        )
        .map_err(|e| bad(format!("metadata `certified` is malformed: {e}")))?;
        let mut obj = serde_json::Map::new();
        for (k, v) in &raw {
            let value = if STRING_KEYS.contains(&k.as_str()) {
                Value::String(v.clone())
            } else if OPTIONAL_STRING_KEYS.contains(&k.as_str()) {
                if v == "null" {
                    Value::Null
                } else {
                    Value::String(v.clone())
                }
            } else if k == "format" || k == "certified" {
                continue;
            } else {
                serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.clone()))
            };
            obj.insert(k.clone(), value);
        }
        let meta: CertifiedMeta = serde_json::from_value(Value::Object(obj))
            .map_err(|e| bad(format!("metadata is malformed: {e}")))?;
        if meta.format_version > FORMAT_VERSION {
            return Err(bad(format!(
                "format version {} is newer than this oubli ({FORMAT_VERSION})",
                meta.format_version
            )));
        }
        if fingerprint(&meta.removed_ids) != meta.removed_ids_fingerprint {
            return Err(bad(
                "removed ids do not match their recorded fingerprint".into()
            ));
        }
        let expected = export_weights(&model);
        let st = SafeTensors::deserialize(&bytes)
            .map_err(|e| bad(format!("corrupt tensor data ({e})")))?;
        let t = st
            .tensor(TENSOR)
            .map_err(|_| bad(format!("missing tensor `{TENSOR}`")))?;
        let stored: Vec<f32> = t
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        if st.len() != 1
            || t.dtype() != Dtype::F32
            || t.shape() != expected.shapes[0].shape.as_slice()
            || stored
                .iter()
                .map(|v| v.to_bits())
                .ne(expected.data.iter().map(|v| v.to_bits()))
        {
            return Err(bad(format!(
                "tensor `{TENSOR}` is not the weights the `certified` state holds: the file was altered or corrupted"
            )));
        }
        if expected.sha256() != meta.weights_sha256 {
            return Err(bad(format!(
                "weights hash {} does not match recorded {}: the file was altered or corrupted",
                expected.sha256(),
                meta.weights_sha256
            )));
        }
        Ok(Self { model, meta })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oubli_certified::CertifiedParams;

    fn toy() -> CertifiedFile {
        let (n, d) = (60, 3);
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i * 7) % 11) as f32 / 5.0 - 1.0)
            .collect();
        let labels: Vec<u32> = (0..n).map(|i| (i % 3) as u32).collect();
        let p = CertifiedParams {
            sigma: 1.0,
            ..CertifiedParams::default()
        };
        let model = CertifiedModel::train(&x, &labels, d, 3, p, 5).unwrap();
        CertifiedFile {
            model,
            meta: CertifiedMeta {
                format_version: FORMAT_VERSION,
                dataset: "123".into(),
                dataset_options: None,
                trained_ids_fingerprint: fingerprint(&[1, 2]),
                removed_ids: vec![9],
                removed_ids_fingerprint: String::new(),
                feature_extractor: None,
                feature_extractor_sha256: None,
                seed: 5,
                parent_sha256: None,
                method: "certified-train".into(),
                created_at: "2026-01-01T00:00:00Z".into(),
                weights_sha256: String::new(),
            },
        }
    }

    #[test]
    fn round_trips_the_exact_f64_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.safetensors");
        let mut f = toy();
        f.save(&path).unwrap();
        assert!(is_certified_file(&path));
        let back = CertifiedFile::load(&path).unwrap();
        assert_eq!(
            back, f,
            "every f64 (weights, noise, residuals) must survive exactly"
        );
        assert_eq!(back.meta.dataset, "123");
    }

    #[test]
    fn an_altered_tensor_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.safetensors");
        toy().save(&path).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x40;
        std::fs::write(&path, bytes).unwrap();
        let err = CertifiedFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("altered"), "{err}");
    }
}
