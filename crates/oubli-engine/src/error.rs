//! Errors at the kind boundary, typed so that a caller can react to each: the CLI adds a
//! hint per variant, the HTTP server maps them to 400 / 404 / 409 / 422.

use crate::Kind;
use oubli_data::SampleId;
use std::path::PathBuf;

/// Everything [`crate::apply`], [`crate::train`] and [`crate::AnyModel`] can refuse.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The method exists only for another kind of model (`sisa`, `certified`).
    #[error("--method {method} needs {}, but this model is {}", needs.article(), found.article())]
    MethodNeedsKind {
        /// Requested method.
        method: String,
        /// The kind it needs.
        needs: Kind,
        /// The kind given.
        found: Kind,
    },
    /// A SISA ensemble or certified model forgets only with its own exact method.
    #[error("this model is {}: forget with --method {}; `{method}` works on single models", kind.article(), kind.own_method().unwrap_or("?"))]
    KindNeedsMethod {
        /// The model's kind.
        kind: Kind,
        /// The method asked for.
        method: String,
    },
    /// `sisa` and `certified` reuse the settings fixed at training.
    #[error("--method {method} takes no config: {why}")]
    NoConfig {
        /// The method.
        method: String,
        /// What it reuses instead.
        why: &'static str,
    },
    /// The request names a sample an earlier request already removed.
    #[error("sample id {0} was already forgotten by an earlier request")]
    AlreadyForgotten(SampleId),
    /// The selection matches nothing the model is still trained on.
    #[error("the selection matches no sample the model is still trained on")]
    NothingSelected,
    /// The selection would remove every training sample.
    #[error("the selection covers all {0} training samples: nothing would be left to train on")]
    SelectsEverything(usize),
    /// The dataset given is not the one the model was trained on (other split options,
    /// another file, or samples missing).
    #[error("dataset `{dataset}` minus the model's {removed} removed ids ({samples} samples, fingerprint {found}) does not hold the samples this model was trained on (fingerprint {expected}): load it with the dataset and options the model records")]
    NotTrainedOn {
        /// Dataset name.
        dataset: String,
        /// Ids removed along the lineage.
        removed: usize,
        /// Samples left after removing them.
        samples: usize,
        /// Fingerprint found.
        found: String,
        /// Fingerprint recorded in the model.
        expected: String,
    },
    /// The model and the data disagree on the input size.
    #[error("{what} expects {expected} inputs per sample, dataset `{dataset}` has {found}")]
    InputSize {
        /// "the model" or "the feature extractor".
        what: &'static str,
        /// Inputs the model takes.
        expected: usize,
        /// Inputs the dataset has.
        found: usize,
        /// Dataset name.
        dataset: String,
    },
    /// A batch of inputs whose length is not a multiple of the input size.
    #[error("{floats} input values are not a whole number of samples of {dim} values each")]
    RaggedInput {
        /// Values given.
        floats: usize,
        /// Values per sample.
        dim: usize,
    },
    /// The feature extractor of a certified model is not a single network.
    #[error("{}: a feature extractor must be a single mlp or cnn model file", .0.display())]
    ExtractorKind(PathBuf),
    /// The feature extractor's weights differ from the ones the model was trained on.
    #[error("feature extractor {path} has weights {found} but the model was trained on {expected}: features would differ")]
    ExtractorChanged {
        /// Recorded path.
        path: String,
        /// Hash found.
        found: String,
        /// Hash recorded.
        expected: String,
    },
    /// A model file that cannot be read as the kind its header claims.
    #[error("{}: {problem}", path.display())]
    CorruptFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error (shown in the message, so not also a `source`).
        source: std::io::Error,
    },
    /// Training-plan flags that do not fit together.
    #[error("{0}")]
    Plan(&'static str),
    /// From a single-model method.
    #[error(transparent)]
    Forget(#[from] oubli_forget::ForgetError),
    /// From SISA training or removal.
    #[error(transparent)]
    Sisa(#[from] oubli_sisa::SisaError),
    /// From certified training or removal.
    #[error(transparent)]
    Certified(#[from] oubli_certified::CertifiedError),
    /// From a network or model file.
    #[error(transparent)]
    Model(#[from] oubli_model::ModelError),
    /// From the data.
    #[error(transparent)]
    Data(#[from] oubli_data::DataError),
}
