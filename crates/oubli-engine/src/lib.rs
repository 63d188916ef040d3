//! One model type over oubli's three kinds of model file, and one way to apply a deletion.
//!
//! - [`AnyModel`]: a single network, a SISA ensemble or a certified linear model, told apart
//!   by the file's header. Load, save, [`AnyModel::predict`], [`AnyModel::outputs`],
//!   [`AnyModel::lineage`] and [`AnyModel::training_data`] work the same for every kind.
//! - [`DeletionRequest`] + [`apply`]: what to forget and with which method; the kind
//!   decides which methods apply (`sisa`, `certified`, or any registered method for single
//!   networks). The CLI, the deletion service's worker and the scenarios call this one
//!   function, so a request means the same everywhere.
//! - [`TrainPlan`] + [`train`]: training for every kind, recording excluded ids so a
//!   deleted sample never comes back.
//! - [`EngineError`]: typed refusals a front end can map to its own words or status codes.
//!
//! ```
//! use oubli_data::{load, LoadOptions, Selection};
//! use oubli_engine::{apply, train, DeletionRequest, TrainPlan};
//! use oubli_model::{ModelSpec, Silent, TrainConfig};
//!
//! let ds = load("digits", &LoadOptions::default()).unwrap();
//! let spec = ModelSpec::by_name("logreg", ds.shape.clone(), ds.num_classes).unwrap();
//! let config = TrainConfig { epochs: 2, ..TrainConfig::default() }.validate().unwrap();
//! let plan = TrainPlan::Single { spec, config };
//! let (model, _) = train(&ds, &plan, &[], &mut Silent).unwrap();
//!
//! let request = DeletionRequest::new(Selection { owners: vec!["3".into()], ..Selection::default() }, "retrain");
//! let (forgot, report) = apply(&model, &ds, &request).unwrap();
//! assert!(report.changed);
//! assert_eq!(forgot.lineage().removed_ids.len(), report.forget_samples);
//! assert_eq!(forgot.lineage().parent_sha256, Some(model.lineage().weights_sha256));
//! ```

#![warn(missing_docs)]

mod apply;
pub mod certified;
mod error;
mod kind;
mod predictor;
mod report;
mod request;
mod train;

pub use apply::{apply, apply_with, check_not_removed, select_forget};
pub use error::EngineError;
pub use kind::{trained_on, AnyModel, CertifiedBundle, Kind, LineageView, SingleModel};
pub use oubli_forget::ForgetReason;
pub use predictor::Predictor;
pub use report::{CertifiedDetail, DeletionReport, KindDetail, SingleDetail, SisaCost, SisaDetail};
pub use request::DeletionRequest;
pub use train::{
    majority_note, train, SingleTrainReport, SisaTrainSummary, TrainPlan, TrainReport,
};

/// Whether `name` is a registered single-model method (`oubli methods`).
pub fn method_exists(name: &str) -> bool {
    oubli_forget::find(name).is_ok()
}
