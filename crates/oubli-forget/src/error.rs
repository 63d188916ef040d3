//! The crate's one error type.

/// Everything that can go wrong while forgetting.
#[derive(Debug, thiserror::Error)]
pub enum ForgetError {
    /// `--method` named no registered method.
    #[error("unknown method `{0}` (see `oubli methods`)")]
    UnknownMethod(String),
    /// A method's config field is invalid.
    #[error("invalid config for `{method}`: {field} {problem}")]
    InvalidConfig {
        /// The method.
        method: &'static str,
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The config file could not be parsed into the method's config.
    #[error("config for `{method}`: {message}")]
    BadConfig {
        /// The method.
        method: &'static str,
        /// Parser message.
        message: String,
    },
    /// The forget set is empty or covers everything.
    #[error("forget set: {0}")]
    ForgetSet(String),
    /// The method needs something the model or request does not have.
    #[error("`{method}` cannot run: {reason}")]
    Unsupported {
        /// The method.
        method: &'static str,
        /// Why.
        reason: String,
    },
    /// A model error.
    #[error(transparent)]
    Model(#[from] oubli_model::ModelError),
    /// A dataset error.
    #[error(transparent)]
    Data(#[from] oubli_data::DataError),
}
