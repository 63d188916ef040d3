//! SISA training and exact unlearning (Bourtoule et al., "Machine Unlearning", IEEE S&P
//! 2021): **S**harded, **I**solated, **S**liced, **A**ggregated.
//!
//! The training data is cut into `S` shards by a stable hash of each sample's id (or owner,
//! so one person's data sits in one shard), and every shard into `R` slices by a stable hash
//! of the id ([`assign`]). Each shard trains its own constituent model in `R` stages — stage
//! `r` on slices `0..=r`, `epochs` epochs, continuing parameters and optimiser state — and is
//! checkpointed after every stage. The ensemble predicts by averaging the constituents'
//! probabilities or by majority vote ([`Aggregation`]).
//!
//! Deleting samples retrains only the shards holding them, from the checkpoint taken before
//! the earliest stage holding one. Because assignment ignores which other samples exist,
//! initialisation and shuffling are seeded per (shard, stage), and each stage's
//! learning-rate schedule depends on that stage's data only, the result is **bit-identical**
//! to training the ensemble from scratch without those samples: the deletion is exact, not
//! approximate. [`SisaForgetReport`] compares its cost with a monolithic retrain.
//!
//! Cost model: with `epochs` per stage, training costs `epochs · Σᵣ |slices 0..=r|` sample
//! gradients per shard, about `epochs · n · (R+1)/2` in all, versus `epochs · n` for one
//! monolithic model.
//!
//! ```
//! use oubli_data::{load, LoadOptions};
//! use oubli_model::{ModelSpec, TrainConfig};
//! use oubli_sisa::{SisaConfig, SisaModel};
//!
//! let mut ds = load("digits", &LoadOptions::default()).unwrap();
//! let spec = ModelSpec::by_name("logreg", ds.shape.clone(), ds.num_classes).unwrap();
//! let train = TrainConfig { epochs: 1, seed: 4, ..TrainConfig::default() }.validate().unwrap();
//! let sisa = SisaConfig { shards: 3, slices: 2, ..SisaConfig::default() };
//!
//! let (mut model, _) = SisaModel::train(&ds, spec.clone(), sisa.clone(), &train).unwrap();
//! let forget = [ds.train.ids[10], ds.train.ids[500]];
//! let report = model.forget(&ds.train, &forget).unwrap();
//! assert!(report.shards_retrained <= 2);
//! assert!(report.sample_gradients < report.full_retrain_sample_gradients * 2);
//!
//! // Exact: the same as training without those samples in the first place.
//! ds.exclude(&forget).unwrap();
//! let (scratch, _) = SisaModel::train(&ds, spec, sisa, &train).unwrap();
//! assert_eq!(model.shard_weights_sha256(), scratch.shard_weights_sha256());
//! ```

#![warn(missing_docs)]

pub mod assign;
mod checkpoint;
mod config;
mod error;
mod file;
mod forget;
mod model;
mod shard;

pub use checkpoint::{checkpoint_bytes, checkpoint_from_bytes, checkpoint_name, CHECKPOINT_FORMAT};
pub use config::{Aggregation, ShardBy, SisaConfig, MAX_PARTS};
pub use error::SisaError;
pub use file::is_sisa_file;
pub use forget::{ForgetPlan, ShardRetrain, SisaForgetReport};
pub use model::{check_fit, SisaModel, SisaParts, SisaTrainReport, METHOD_FORGET, METHOD_TRAIN};
pub use shard::{shuffle_stream, Checkpoint, Shard, ShardRun, StageCost};
