//! Shared set-up of the SISA tests: the embedded `digits` data and small, fast configs.

#![allow(dead_code)] // each test binary uses a different part

use oubli_data::{load, Dataset, LoadOptions, SampleId};
use oubli_model::{ModelSpec, TrainConfig, ValidTrainConfig};
use oubli_sisa::assign::{shard_of, slice_of};
use oubli_sisa::{SisaConfig, SisaModel};
use std::path::{Path, PathBuf};

/// The embedded digits dataset (1,438 train, 359 test samples).
pub fn digits() -> Dataset {
    load("digits", &LoadOptions::default()).expect("digits is compiled in")
}

/// A spec of `arch` for `ds`.
pub fn spec(ds: &Dataset, arch: &str) -> ModelSpec {
    ModelSpec::by_name(arch, ds.shape.clone(), ds.num_classes).unwrap()
}

/// Adam, cosine per stage, `epochs` per stage.
pub fn train_config(epochs: usize, seed: u64) -> ValidTrainConfig {
    TrainConfig {
        epochs,
        seed,
        lr: 3e-3,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap()
}

/// Constituent hashes of an ensemble trained from scratch on `ds` minus `removed`.
pub fn scratch_hashes(
    ds: &Dataset,
    removed: &[SampleId],
    arch: &str,
    sisa: &SisaConfig,
    train: &ValidTrainConfig,
) -> Vec<String> {
    let mut ds = ds.clone();
    ds.exclude(removed).unwrap();
    let (model, _) = SisaModel::train(&ds, spec(&ds, arch), sisa.clone(), train).unwrap();
    model.shard_weights_sha256()
}

/// The first `count` training ids of `ds` whose (shard, slice) is `(shard, slice)`, skipping
/// `skip` (id sharding).
pub fn ids_in(
    ds: &Dataset,
    sisa: &SisaConfig,
    seed: u64,
    shard: usize,
    slice: usize,
    count: usize,
    skip: &[SampleId],
) -> Vec<SampleId> {
    let found: Vec<SampleId> = ds
        .train
        .ids
        .iter()
        .copied()
        .filter(|&id| {
            !skip.contains(&id)
                && shard_of(seed, sisa.shard_by, id, None, sisa.shards) == shard
                && slice_of(seed, sisa.slice_by, id, None, sisa.slices) == slice
        })
        .take(count)
        .collect();
    assert_eq!(
        found.len(),
        count,
        "digits has {count} ids in shard {shard} slice {slice}"
    );
    found
}

/// A directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh directory named after the test.
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("oubli-sisa-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
