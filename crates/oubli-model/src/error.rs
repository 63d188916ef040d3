//! The crate's one error type.

/// Everything that can go wrong building, training, saving or loading a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// `--model` named an architecture that does not exist.
    #[error("unknown model `{0}`: expected logreg, mlp or cnn")]
    UnknownArch(String),
    /// The spec cannot be built.
    #[error("invalid model spec: {0}")]
    InvalidSpec(String),
    /// A training hyperparameter is out of range.
    #[error("invalid training config: {field} {problem}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// Reading or writing a model file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A model file is corrupt or does not match its spec.
    #[error("{path}: {problem}")]
    BadFile {
        /// The file.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// The dataset does not fit the model.
    #[error("dataset/model mismatch: {0}")]
    Mismatch(String),
    /// A dataset error surfaced while training.
    #[error(transparent)]
    Data(#[from] oubli_data::DataError),
}
