//! The crate's one error type.

use oubli_data::SampleId;

/// Everything that can go wrong training, unlearning, saving or loading a SISA ensemble.
#[derive(Debug, thiserror::Error)]
pub enum SisaError {
    /// A [`SisaConfig`](crate::SisaConfig) field is out of range.
    #[error("invalid SISA config: {field} {problem}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The dataset does not fit the model, or there is nothing to train on.
    #[error("dataset/model mismatch: {0}")]
    Mismatch(String),
    /// The data handed to `forget` is not what the ensemble was trained on: a shard's sample
    /// set differs, so retraining from its checkpoints would not be exact.
    #[error(
        "shard {shard}: the data passed to forget holds {found_samples} samples (fingerprint \
         {found}), the ensemble was trained on {expected_samples} (fingerprint {expected}); pass \
         the training split minus every id removed so far"
    )]
    DataChanged {
        /// The first shard that differs.
        shard: usize,
        /// Fingerprint the ensemble recorded.
        expected: String,
        /// Samples the ensemble recorded.
        expected_samples: usize,
        /// Fingerprint of the data passed in.
        found: String,
        /// Samples passed in for that shard.
        found_samples: usize,
    },
    /// A forget request that names nothing.
    #[error("forget set is empty: nothing to forget")]
    EmptyForgetSet,
    /// A forget request naming a sample removed by an earlier request.
    #[error("sample id {0} was already forgotten by an earlier request")]
    AlreadyForgotten(SampleId),
    /// Reading or writing a file failed (the OS message is the source, not repeated here).
    #[error("{path}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// An ensemble file is corrupt, altered or not a SISA ensemble.
    #[error("{path}: {problem}")]
    BadFile {
        /// The file.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// A checkpoint referenced by an ensemble file is missing, altered or inconsistent.
    #[error("checkpoint {path}: {problem}")]
    Checkpoint {
        /// The checkpoint file.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// The caller's `on_stage` of [`ShardRun::train`](crate::ShardRun::train) could not keep
    /// a stage's checkpoint (a job storing it, say): training stopped after that stage.
    #[error("shard {shard} stage {stage}: the checkpoint could not be kept: {problem}")]
    Keep {
        /// The shard.
        shard: usize,
        /// The stage.
        stage: usize,
        /// What went wrong.
        problem: String,
    },
    /// A model error (spec, training config).
    #[error(transparent)]
    Model(#[from] oubli_model::ModelError),
    /// A dataset error (unknown sample id, …).
    #[error(transparent)]
    Data(#[from] oubli_data::DataError),
}

impl SisaError {
    /// A [`SisaError::BadFile`] for `path`.
    pub(crate) fn bad(path: &std::path::Path, problem: impl Into<String>) -> Self {
        SisaError::BadFile {
            path: path.display().to_string(),
            problem: problem.into(),
        }
    }

    /// A [`SisaError::Checkpoint`] for `path`.
    pub(crate) fn checkpoint(path: &std::path::Path, problem: impl Into<String>) -> Self {
        SisaError::Checkpoint {
            path: path.display().to_string(),
            problem: problem.into(),
        }
    }

    /// A [`SisaError::Io`] for `path`.
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        SisaError::Io {
            path: path.display().to_string(),
            source,
        }
    }
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
        let e = SisaError::io(
            std::path::Path::new("e.sisa"),
            std::io::Error::other("Is a directory"),
        );
        assert_eq!(chain(&e), "e.sisa: Is a directory");
    }
}
