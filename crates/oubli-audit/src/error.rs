//! The crate's one error type.

/// Everything that can stop an audit.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// An [`AuditConfig`](crate::AuditConfig) field is out of range.
    #[error("invalid audit config: {field} {problem}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The three models or the dataset do not belong together (different
    /// architectures, an unreadable training config, an empty set).
    #[error("cannot audit: {0}")]
    Mismatch(String),
    /// Resolving the forget set, or running an unlearning method, failed.
    #[error(transparent)]
    Forget(#[from] oubli_forget::ForgetError),
    /// A model error (bad spec or training config).
    #[error(transparent)]
    Model(#[from] oubli_model::ModelError),
    /// A dataset error.
    #[error(transparent)]
    Data(#[from] oubli_data::DataError),
}
