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
    /// Reading or writing a model file failed (the OS message is the source, not repeated
    /// here).
    #[error("{path}")]
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
    /// The model needs more memory to train than the machine has (checked before allocating).
    #[error("{}", crate::memory::too_large_message(*params, *needed_bytes, *available_bytes))]
    TooLarge {
        /// Parameter count; `None` when it overflows a `u64`.
        params: Option<u64>,
        /// Estimated peak bytes of training; `None` when it overflows a `u64`.
        needed_bytes: Option<u64>,
        /// `MemAvailable` of the machine; `None` where it cannot be read.
        available_bytes: Option<u64>,
    },
    /// Training diverged: a non-finite loss, or an epoch's mean loss over
    /// [`DIVERGENCE_FACTOR`](crate::DIVERGENCE_FACTOR) times the reference loss.
    #[error(
        "training diverged at epoch {epoch}: loss {loss:e}, against {reference:.3} at the start; \
         the learning rate lr = {lr:e} is too large: try one 10 to 100 times smaller"
    )]
    Diverged {
        /// The epoch (1-based) in which it was detected.
        epoch: usize,
        /// The offending loss (a batch loss if non-finite, else the epoch's mean).
        loss: f32,
        /// The reference loss: the first step's, or ln K if larger.
        reference: f32,
        /// The base learning rate of the run.
        lr: f64,
    },
    /// A dataset error surfaced while training.
    #[error(transparent)]
    Data(#[from] oubli_data::DataError),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error and its sources joined by `: `, as the binary prints them.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut parts = vec![e.to_string()];
        let mut at = e.source();
        while let Some(s) = at {
            parts.push(s.to_string());
            at = s.source();
        }
        parts.join(": ")
    }

    #[test]
    fn an_os_error_appears_once_in_the_printed_chain() {
        let e = ModelError::Io {
            path: "m.safetensors".into(),
            source: std::io::Error::other("Is a directory"),
        };
        assert_eq!(chain(&e), "m.safetensors: Is a directory");
    }
}
