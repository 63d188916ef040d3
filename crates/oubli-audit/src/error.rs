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
    /// The three models or the dataset do not belong together (an
    /// unreadable training config, an empty set).
    #[error("cannot audit: {0}")]
    Mismatch(String),
    /// A model cannot be compared with the original: it differs in dataset,
    /// input size, number of classes or architecture.
    #[error("cannot audit: the {role} model's {what} is {other}, the original's is {original}")]
    Incompatible {
        /// `unlearned` or `retrained`.
        role: &'static str,
        /// What differs: `dataset`, `input size`, `number of classes`, `architecture`.
        what: &'static str,
        /// The original's value, in words.
        original: String,
        /// The other model's value, in words.
        other: String,
    },
    /// The given retrained model was not trained on train − forget, so it is
    /// no oracle for this request.
    #[error(
        "cannot audit: the given retrained model was not trained on the original's training data minus the \
         forget set ({why}; its recorded training-set fingerprint is {recorded}, train − forget is {expected}); \
         retrain it for this forget request, or omit it and let the audit retrain"
    )]
    OracleMismatch {
        /// The retrained model's recorded `trained_ids_fingerprint`.
        recorded: String,
        /// The fingerprint of train − forget.
        expected: String,
        /// What the recorded set is, when recognisable.
        why: &'static str,
    },
    /// Resolving the forget set, or running an unlearning method, failed.
    #[error(transparent)]
    Forget(#[from] oubli_forget::ForgetError),
    /// A model error (bad spec or training config).
    #[error(transparent)]
    Model(#[from] oubli_model::ModelError),
    /// Loading, training or running a SISA ensemble or certified model failed.
    #[error(transparent)]
    Engine(#[from] oubli_engine::EngineError),
    /// A dataset error.
    #[error(transparent)]
    Data(#[from] oubli_data::DataError),
}
