//! SISA's own hyperparameters: how the data is cut up and how constituents vote.
//!
//! The training hyperparameters are the usual [`oubli_model::ValidTrainConfig`]; its `epochs`
//! is the number of epochs **per slice stage** (the paper's "each slice is trained for e
//! epochs"), so a shard with `R` slices runs `R · epochs` epochs over growing data.

use crate::SisaError;
use serde::{Deserialize, Serialize};

/// What decides a sample's shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShardBy {
    /// A stable hash of the sample id: shards are uniform random subsets.
    #[default]
    Id,
    /// A stable hash of the owner, so that all of one person's data sits in one shard and
    /// deleting that person retrains one shard only. Samples without an owner fall back to
    /// the hash of their id.
    Owner,
}

impl ShardBy {
    /// `self == Id` (the default, left out of files).
    pub fn is_id(&self) -> bool {
        *self == ShardBy::Id
    }
}

/// How constituents' predictions are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Mean of the constituents' softmax probabilities.
    #[default]
    MeanProb,
    /// Majority vote: each constituent's prediction as a one-hot row, averaged (the result
    /// is the share of votes per class; ties go to the lowest class index).
    Vote,
}

/// SISA layout: `shards` constituents, each trained on `slices` incrementally growing stages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SisaConfig {
    /// Number of shards S (independent constituent models). Default: 5.
    pub shards: usize,
    /// Number of slices R per shard (training stages, each checkpointed). Default: 1.
    pub slices: usize,
    /// What decides a sample's shard. Default: `id`.
    pub shard_by: ShardBy,
    /// What decides a sample's slice within its shard. `owner` keeps all of one person's
    /// samples in one slice, so deleting that person restarts the shard at that slice
    /// instead of at the first (an owner's samples spread over every slice by id).
    /// Default: `id`; left out of files when `id`, so files without it read the same.
    #[serde(skip_serializing_if = "ShardBy::is_id")]
    pub slice_by: ShardBy,
    /// How constituents are combined at inference. Default: `mean_prob`.
    pub aggregation: Aggregation,
}

impl Default for SisaConfig {
    fn default() -> Self {
        Self {
            shards: 5,
            slices: 1,
            shard_by: ShardBy::Id,
            slice_by: ShardBy::Id,
            aggregation: Aggregation::MeanProb,
        }
    }
}

/// Upper bound on shards and slices: far beyond any useful layout, low enough that a typo
/// (an extra zero or three) fails fast instead of writing thousands of checkpoints.
pub const MAX_PARTS: usize = 1024;

impl SisaConfig {
    /// Checks every field; one error naming the first invalid field.
    pub fn validate(&self) -> Result<(), SisaError> {
        let invalid = |field, problem: String| Err(SisaError::InvalidConfig { field, problem });
        if !(1..=MAX_PARTS).contains(&self.shards) {
            return invalid(
                "shards",
                format!("must be in 1..={MAX_PARTS}, got {}", self.shards),
            );
        }
        if !(1..=MAX_PARTS).contains(&self.slices) {
            return invalid(
                "slices",
                format!("must be in 1..={MAX_PARTS}, got {}", self.slices),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_paper_and_validate() {
        let c = SisaConfig::default();
        assert_eq!((c.shards, c.slices), (5, 1));
        c.validate().unwrap();
    }

    #[test]
    fn each_field_has_its_error() {
        let err = SisaConfig {
            shards: 0,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(
            matches!(
                err,
                SisaError::InvalidConfig {
                    field: "shards",
                    ..
                }
            ),
            "{err}"
        );
        let err = SisaConfig {
            slices: 5000,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid SISA config: slices must be in 1..=1024, got 5000"
        );
    }

    #[test]
    fn serde_names_are_snake_case_and_strict() {
        let c: SisaConfig =
            serde_json::from_str(r#"{"shards":3,"shard_by":"owner","aggregation":"vote"}"#)
                .unwrap();
        assert_eq!(c.shard_by, ShardBy::Owner);
        assert_eq!(c.aggregation, Aggregation::Vote);
        assert_eq!(c.slices, 1);
        assert_eq!(c.slice_by, ShardBy::Id);
        let json = serde_json::to_string(&c).unwrap();
        assert!(!json.contains("slice_by"), "{json}");
        let owner_sliced = SisaConfig {
            slice_by: ShardBy::Owner,
            ..c
        };
        let json = serde_json::to_string(&owner_sliced).unwrap();
        assert!(json.contains(r#""slice_by":"owner""#), "{json}");
        assert_eq!(
            serde_json::from_str::<SisaConfig>(&json).unwrap(),
            owner_sliced
        );
        assert!(serde_json::from_str::<SisaConfig>(r#"{"shard":3}"#).is_err());
    }
}
