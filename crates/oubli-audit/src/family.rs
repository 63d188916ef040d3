//! The kind of model under audit, and how the audit trains and runs more of it.
//!
//! The attacks only need per-sample outputs, but the reference models they compare
//! against (LiRA's shadows, the oracle, the calibration retrains) must be of the audited
//! kind: a SISA ensemble's membership signal is that of one shard's network averaged
//! over S, a certified model's is that of a noisy ridge-regularised linear model, and
//! neither looks like a single network's. So a [`Family`] trains every reference model
//! through the engine's own train path with the original's plan, only the seed changed.
//!
//! Single networks keep their fast path (logits from the network, training without
//! building a model file), and only they have weights to fine-tune: relearn time, weight
//! distances, U-LiRA and the challenge score need [`Family::net`].

use oubli_data::{Dataset, Split};
use oubli_engine::{train as engine_train, AnyModel, TrainPlan};
use oubli_model::{train, Network, Params, Silent, TrainConfig, ValidTrainConfig};

use crate::AuditError;

/// Probabilities are floored here before taking logs, so a class an ensemble gave no
/// vote stays finite (e^-87 is far below anything an attack threshold separates).
const PROB_FLOOR: f32 = 1e-38;

/// One trained model of the audited family.
#[derive(Clone)]
pub(crate) enum Fitted {
    /// A single network's parameters (the network is the family's).
    Net(Params),
    /// A SISA ensemble or a certified model.
    Any(Box<AnyModel>),
}

impl Fitted {
    /// The parameters of a single network.
    pub fn params(&self) -> Option<&Params> {
        match self {
            Self::Net(p) => Some(p),
            Self::Any(_) => None,
        }
    }
}

/// How models of the audited kind are run and trained.
pub(crate) enum Family {
    /// Single networks: the architecture and the original's training config.
    Net {
        /// The architecture.
        net: Network,
        /// The original's training config (reference models only change its seed).
        config: ValidTrainConfig,
    },
    /// SISA ensembles and certified models, trained through `oubli_engine::train`.
    Engine {
        /// The original's own plan (`AnyModel::retrain_plan`).
        plan: TrainPlan,
        /// The dataset's name, shape, classes and test split; `train` is replaced per fit.
        template: Box<Dataset>,
        /// Classes predicted.
        num_classes: usize,
    },
}

impl Family {
    /// The family of `original`, whose training data is `data`.
    pub fn of(original: &AnyModel, data: &Dataset) -> Result<Self, AuditError> {
        Ok(match original {
            AnyModel::Single(m) => {
                let c: TrainConfig = serde_json::from_value(m.file.lineage.train_config.clone())
                    .map_err(|e| {
                        AuditError::Mismatch(format!(
                            "the original's training config is unreadable: {e}"
                        ))
                    })?;
                Self::Net {
                    net: m.network().clone(),
                    config: c.validate()?,
                }
            }
            AnyModel::Sisa(_) | AnyModel::Certified(_) => Self::Engine {
                plan: original.retrain_plan()?,
                template: Box::new(Dataset {
                    train: Split::default(),
                    ..data.clone()
                }),
                num_classes: original.num_classes(),
            },
        })
    }

    /// The network, for a family of single networks.
    pub fn net(&self) -> Option<(&Network, &ValidTrainConfig)> {
        match self {
            Self::Net { net, config } => Some((net, config)),
            Self::Engine { .. } => None,
        }
    }

    /// Classes predicted.
    pub fn num_classes(&self) -> usize {
        match self {
            Self::Net { net, .. } => net.spec().num_classes,
            Self::Engine { num_classes, .. } => *num_classes,
        }
    }

    /// Row-major `n × k` scores whose softmax is the model's prediction: a network's
    /// logits, or the log-probabilities of an ensemble or certified model.
    pub fn logits(&self, model: &Fitted, split: &Split) -> Vec<f32> {
        match (self, model) {
            (Self::Net { net, .. }, Fitted::Net(p)) => net.logits(p, &split.features, split.len()),
            (_, Fitted::Any(m)) => m
                .predict(&split.features)
                .expect("the audit checked the input size before running any model")
                .into_iter()
                .map(|p| p.max(PROB_FLOOR).ln())
                .collect(),
            (Self::Engine { .. }, Fitted::Net(_)) => {
                unreachable!("a family of ensembles or certified models holds no bare parameters")
            }
        }
    }

    /// The retrain-from-scratch oracle: the original's plan, seed included, on `retain`
    /// (for SISA the same ensemble its exact forgetting builds).
    pub fn retrain(&self, retain: &Split) -> Result<Fitted, AuditError> {
        match self {
            Self::Net { net, config } => {
                Ok(Fitted::Net(train(net, retain, config, &mut Silent)?.0))
            }
            Self::Engine { plan, template, .. } => self.fit_plan(plan, template, retain),
        }
    }

    fn fit_plan(
        &self,
        plan: &TrainPlan,
        template: &Dataset,
        data: &Split,
    ) -> Result<Fitted, AuditError> {
        let dataset = Dataset {
            train: data.clone(),
            ..template.clone()
        };
        let (model, _) = engine_train(&dataset, plan, &[], &mut Silent)?;
        Ok(Fitted::Any(Box::new(model)))
    }

    /// Trains a fresh model of the family on `data` with `seed` in place of the
    /// original's.
    pub fn fit(&self, data: &Split, seed: u64) -> Result<Fitted, AuditError> {
        match self {
            Self::Net { net, config } => {
                let config = TrainConfig {
                    seed,
                    ..config.inner().clone()
                }
                .validate()?;
                Ok(Fitted::Net(train(net, data, &config, &mut Silent)?.0))
            }
            Self::Engine { plan, template, .. } => {
                self.fit_plan(&with_seed(plan, seed)?, template, data)
            }
        }
    }
}

/// `plan` with its seed replaced (the SISA layout follows the seed too, as in a retrain
/// with another seed).
fn with_seed(plan: &TrainPlan, seed: u64) -> Result<TrainPlan, AuditError> {
    let reseed = |c: &ValidTrainConfig| {
        TrainConfig {
            seed,
            ..c.inner().clone()
        }
        .validate()
    };
    Ok(match plan {
        TrainPlan::Single { spec, config } => TrainPlan::Single {
            spec: spec.clone(),
            config: reseed(config)?,
        },
        TrainPlan::Sisa { spec, config, sisa } => TrainPlan::Sisa {
            spec: spec.clone(),
            config: reseed(config)?,
            sisa: sisa.clone(),
        },
        TrainPlan::Certified(p) => {
            let mut p = p.clone();
            p.seed = seed;
            TrainPlan::Certified(p)
        }
    })
}
