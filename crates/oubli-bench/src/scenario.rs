//! What a benchmark forgets: `random:F`, `class:C` or `owners:F`.

use crate::BenchError;
use oubli_data::{Dataset, Selection};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// A forgetting scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scenario {
    /// A seeded random fraction of the training samples.
    Random {
        /// Fraction in (0, 1).
        fraction: f64,
    },
    /// Every training sample of these classes.
    Class {
        /// The classes.
        classes: Vec<u32>,
    },
    /// Every sample of a seeded random fraction of the owners (data subjects).
    Owners {
        /// Fraction of owners in (0, 1).
        fraction: f64,
    },
}

impl Scenario {
    /// Parses `random:0.1`, `class:3` (or `class:3,5`), `owners:0.01`.
    pub fn parse(s: &str) -> Result<Self, BenchError> {
        let bad = || {
            BenchError::Scenario(format!(
                "`{s}`: expected random:F, class:C[,C…] or owners:F"
            ))
        };
        let (kind, arg) = s.split_once(':').ok_or_else(bad)?;
        let fraction = || -> Result<f64, BenchError> {
            let f: f64 = arg.parse().map_err(|_| bad())?;
            if f > 0.0 && f < 1.0 {
                Ok(f)
            } else {
                Err(bad())
            }
        };
        Ok(match kind {
            "random" => Scenario::Random {
                fraction: fraction()?,
            },
            "owners" => Scenario::Owners {
                fraction: fraction()?,
            },
            "class" => Scenario::Class {
                classes: arg
                    .split(',')
                    .map(|c| c.trim().parse().map_err(|_| bad()))
                    .collect::<Result<_, _>>()?,
            },
            _ => return Err(bad()),
        })
    }

    /// The selection for `seed` on `dataset`.
    pub fn selection(&self, dataset: &Dataset, seed: u64) -> Result<Selection, BenchError> {
        Ok(match self {
            Scenario::Random { fraction } => Selection {
                random_fraction: Some(*fraction),
                random_seed: seed,
                ..Selection::default()
            },
            Scenario::Class { classes } => Selection {
                classes: classes.clone(),
                ..Selection::default()
            },
            Scenario::Owners { fraction } => {
                let mut owners: Vec<String> =
                    dataset.train.owners.iter().flatten().cloned().collect();
                owners.sort_unstable();
                owners.dedup();
                if owners.is_empty() {
                    return Err(BenchError::Scenario(format!(
                        "dataset `{}` has no owners",
                        dataset.name
                    )));
                }
                let take = ((owners.len() as f64 * fraction).round() as usize).max(1);
                owners.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
                owners.truncate(take);
                Selection {
                    owners,
                    ..Selection::default()
                }
            }
        })
    }

    /// Short label for tables, e.g. `class:3`.
    pub fn label(&self) -> String {
        match self {
            Scenario::Random { fraction } => format!("random:{fraction}"),
            Scenario::Owners { fraction } => format!("owners:{fraction}"),
            Scenario::Class { classes } => {
                format!(
                    "class:{}",
                    classes
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
        }
    }
}
