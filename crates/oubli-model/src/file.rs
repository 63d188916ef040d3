//! Model files: safetensors in PyTorch's layout and names, lineage in `__metadata__`.
//!
//! A file written here loads into the equivalent `torch.nn` module with `load_state_dict`
//! (see the README for the module definitions). The metadata says where the weights came
//! from: spec, training config, dataset and a fingerprint of the exact sample ids trained
//! on, the parent model's hash and the method that produced them.

use crate::params::Params;
use crate::spec::ModelSpec;
use crate::ModelError;
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Version of the metadata layout; bumped on incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// Key in [`Lineage::extra`] listing every sample id removed along a model's lineage, so a
/// later request (or retrain) starts from the right data and deleted samples never return.
pub const REMOVED_IDS_KEY: &str = "removed_ids";

/// Where a model came from. Stored as strings in the safetensors `__metadata__` map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    /// Metadata layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// The architecture.
    pub spec: ModelSpec,
    /// The training configuration (JSON).
    pub train_config: serde_json::Value,
    /// Dataset name the model was trained on.
    pub dataset: String,
    /// The CSV options it was loaded with (`csv:PATH` only), so later commands reload the
    /// same columns and split without repeating them. Absent from files written before
    /// oubli recorded them, and for other datasets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_options: Option<oubli_data::CsvOptions>,
    /// `oubli_data::fingerprint` of the sample ids trained on (after every deletion).
    pub trained_ids_fingerprint: String,
    /// How many training samples that is.
    pub trained_samples: usize,
    /// `weights_sha256` of the model this one was derived from, if any.
    pub parent_sha256: Option<String>,
    /// What produced these weights: `train`, or an unlearning method's name.
    pub method: String,
    /// That method's resolved configuration (JSON; `null` for `train`).
    pub method_config: serde_json::Value,
    /// Fingerprint of the forget set, for unlearned models.
    pub forget_fingerprint: Option<String>,
    /// Sample ids removed so far across the whole lineage (count).
    pub forgotten_samples: usize,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
    /// SHA-256 over the tensors only (see [`Params::sha256`]).
    pub weights_sha256: String,
    /// Method-specific facts (certified budget, SISA layout, …).
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Lineage {
    /// The ids removed along this lineage (empty for a model trained on all its data).
    /// Loading refuses a file whose list is malformed, so this never guesses.
    pub fn removed_ids(&self) -> Vec<oubli_data::SampleId> {
        self.extra
            .get(REMOVED_IDS_KEY)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }
}

/// A model: weights plus lineage.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFile {
    /// The weights.
    pub params: Params,
    /// Where they came from.
    pub lineage: Lineage,
}

fn bad(path: &Path, problem: impl Into<String>) -> ModelError {
    ModelError::BadFile {
        path: path.display().to_string(),
        problem: problem.into(),
    }
}

const KEYS: [&str; 13] = [
    "format_version",
    "spec",
    "train_config",
    "dataset",
    "trained_ids_fingerprint",
    "trained_samples",
    "parent_sha256",
    "method",
    "method_config",
    "forget_fingerprint",
    "forgotten_samples",
    "created_at",
    "weights_sha256",
];

/// The optional key of [`Lineage::dataset_options`].
const DATASET_OPTIONS_KEY: &str = "dataset_options";

impl Lineage {
    /// The dataset the model was trained on, with its recorded options.
    pub fn dataset_spec(&self) -> oubli_data::DatasetSpec {
        oubli_data::DatasetSpec {
            name: self.dataset.clone(),
            csv: self.dataset_options.clone(),
        }
    }
}

impl ModelFile {
    /// Serialises to safetensors bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelError> {
        let mut lineage = self.lineage.clone();
        lineage.weights_sha256 = self.params.sha256();
        let json = serde_json::to_value(&lineage).expect("lineage serialises");
        let mut meta = HashMap::new();
        meta.insert("format".to_string(), "oubli".to_string());
        if let serde_json::Value::Object(map) = json {
            for (k, v) in map {
                // Plain strings stay plain so that other tools can read them.
                let s = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                meta.insert(k, s);
            }
        }
        let bytes: Vec<Vec<u8>> = self
            .params
            .ranges()
            .iter()
            .map(|&(a, b)| {
                self.params.data[a..b]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect()
            })
            .collect();
        let views: Vec<(String, TensorView<'_>)> = self
            .params
            .shapes
            .iter()
            .zip(&bytes)
            .map(|(s, b)| {
                let view = TensorView::new(Dtype::F32, s.shape.clone(), b).expect("consistent");
                (s.name.clone(), view)
            })
            .collect();
        safetensors::serialize(views, Some(meta))
            .map_err(|e| ModelError::Mismatch(format!("safetensors: {e}")))
    }

    /// Writes the file atomically (temporary file, then rename), so that a crash never
    /// leaves a half-written model where a served one was.
    pub fn save(&self, path: &Path) -> Result<String, ModelError> {
        let bytes = self.to_bytes()?;
        write_atomic(path, &bytes).map_err(|(p, source)| ModelError::Io {
            path: p.display().to_string(),
            source,
        })?;
        Ok(self.params.sha256())
    }

    /// Reads and validates a model file: names, shapes and dtypes must match the spec in its
    /// metadata, and the tensors must hash to the recorded `weights_sha256`.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_bytes(&bytes, path)
    }

    /// Parses safetensors bytes; `path` names the source in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, ModelError> {
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| bad(path, format!("not a safetensors file ({e})")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        if meta.get("format").map(String::as_str) != Some("oubli") {
            return Err(bad(path, "no oubli metadata: not a model written by oubli"));
        }
        let mut obj = serde_json::Map::new();
        if let Some(raw) = meta.get(DATASET_OPTIONS_KEY) {
            let value = serde_json::from_str(raw)
                .map_err(|e| bad(path, format!("metadata `{DATASET_OPTIONS_KEY}`: {e}")))?;
            obj.insert(DATASET_OPTIONS_KEY.to_string(), value);
        }
        for key in KEYS.iter().chain(&["extra"]) {
            let raw = meta
                .get(*key)
                .ok_or_else(|| bad(path, format!("metadata lacks `{key}`")))?;
            let value = serde_json::from_str(raw)
                .unwrap_or_else(|_| serde_json::Value::String(raw.clone()));
            obj.insert((*key).to_string(), value);
        }
        let lineage: Lineage = serde_json::from_value(serde_json::Value::Object(obj))
            .map_err(|e| bad(path, format!("metadata is malformed: {e}")))?;
        if let Some(v) = lineage.extra.get(REMOVED_IDS_KEY) {
            // Read as "no removals", a malformed list would let deleted samples come back.
            serde_json::from_value::<Vec<oubli_data::SampleId>>(v.clone()).map_err(|e| {
                bad(
                    path,
                    format!("lineage field `{REMOVED_IDS_KEY}` is not a list of sample ids ({e}): the deletion record is corrupt"),
                )
            })?;
        }
        if lineage.format_version > FORMAT_VERSION {
            return Err(bad(
                path,
                format!(
                    "format version {} is newer than this oubli ({FORMAT_VERSION})",
                    lineage.format_version
                ),
            ));
        }
        lineage
            .spec
            .validate()
            .map_err(|e| bad(path, e.to_string()))?;
        let tensors = SafeTensors::deserialize(bytes)
            .map_err(|e| bad(path, format!("corrupt tensor data ({e})")))?;
        let mut params = Params::zeros(&lineage.spec);
        let expected = params.shapes.clone();
        if tensors.len() != expected.len() {
            return Err(bad(
                path,
                format!(
                    "has {} tensors, the spec needs {}",
                    tensors.len(),
                    expected.len()
                ),
            ));
        }
        for (s, (a, b)) in expected.iter().zip(params.ranges()) {
            let t = tensors
                .tensor(&s.name)
                .map_err(|_| bad(path, format!("missing tensor `{}`", s.name)))?;
            if t.dtype() != Dtype::F32 {
                return Err(bad(
                    path,
                    format!("tensor `{}` is {:?}, expected F32", s.name, t.dtype()),
                ));
            }
            if t.shape() != s.shape.as_slice() {
                return Err(bad(
                    path,
                    format!(
                        "tensor `{}` has shape {:?}, expected {:?}",
                        s.name,
                        t.shape(),
                        s.shape
                    ),
                ));
            }
            for (dst, chunk) in params.data[a..b].iter_mut().zip(t.data().chunks_exact(4)) {
                *dst = f32::from_le_bytes(chunk.try_into().expect("4 bytes"));
            }
        }
        if params.data.iter().any(|v| !v.is_finite()) {
            return Err(bad(path, "weights contain NaN or infinity"));
        }
        let actual = params.sha256();
        if actual != lineage.weights_sha256 {
            return Err(bad(path, format!("weights hash {actual} does not match recorded {}: the file was altered or corrupted", lineage.weights_sha256)));
        }
        Ok(Self { params, lineage })
    }
}

/// Writes `bytes` to `path` so that a reader (or a crash) sees the old file or the new one,
/// never half of either: a temporary name beside it, synced to disk, renamed over `path`,
/// then the directory synced so the rename itself survives a power cut. Creates missing
/// parent directories. The error names the file that failed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), (std::path::PathBuf, std::io::Error)> {
    use std::io::Write;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|e| (dir.to_path_buf(), e))?;
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    let fail = |e| (tmp.clone(), e);
    let mut f = std::fs::File::create(&tmp).map_err(fail)?;
    f.write_all(bytes).map_err(fail)?;
    f.sync_all().map_err(fail)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| (path.to_path_buf(), e))?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir.unwrap_or(Path::new("."))) {
        // Best effort: some filesystems refuse to sync a directory handle.
        let _ = d.sync_all();
    }
    Ok(())
}

/// Current time as RFC 3339 UTC (`2026-11-27T11:15:37Z`), without a date-time dependency.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
