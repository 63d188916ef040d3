//! The crate's one error type.

/// Everything that can go wrong planning, running or assembling SISA shard jobs.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Reading or writing a local file failed (the OS message is the source).
    #[error("{path}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A plan file that is missing, malformed or of another format.
    #[error("plan {path}: {problem}")]
    BadPlan {
        /// The plan file.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// The artefact store could not be opened or used.
    #[error("artefact store {location}: {problem}")]
    Store {
        /// The store's directory or URL.
        location: String,
        /// What went wrong.
        problem: String,
    },
    /// An artefact in the store is corrupt, altered or from another plan.
    #[error("artefact {object}: {problem}")]
    BadArtifact {
        /// The object's name in the store.
        object: String,
        /// What is wrong.
        problem: String,
    },
    /// No shard was given and the scheduler's index variables are unset or unusable.
    #[error("{0}")]
    NoShard(String),
    /// Shards that have not finished: assembly needs every one.
    #[error("{} of {total} shards not finished: {} (run `oubli sisa shard-train` for them, or `oubli sisa run-plan`)", missing.len(), list(missing))]
    MissingShards {
        /// The unfinished shards.
        missing: Vec<usize>,
        /// Shards in the ensemble.
        total: usize,
    },
    /// The data a job loaded is not the data the plan was made on.
    #[error("dataset `{dataset}`: {problem}: load it with the options (and data directory contents) the plan was made with")]
    DataChanged {
        /// Dataset name.
        dataset: String,
        /// What differs.
        problem: String,
    },
    /// The plan's model is not a SISA ensemble, or the flags do not ask for one.
    #[error("{0}")]
    NotSisa(String),
    /// Shard jobs run by `run-plan` that failed.
    #[error("{} shard jobs failed: {} (logs: {logs})", failed.len(), list(failed))]
    JobsFailed {
        /// The failed shards.
        failed: Vec<usize>,
        /// Directory of their logs.
        logs: String,
    },
    /// A SISA error (training, checkpoints, model file).
    #[error(transparent)]
    Sisa(#[from] oubli_sisa::SisaError),
    /// An engine error (loading a model, resolving a deletion request).
    #[error(transparent)]
    Engine(#[from] oubli_engine::EngineError),
    /// A model error (spec, training config).
    #[error(transparent)]
    Model(#[from] oubli_model::ModelError),
    /// A dataset error.
    #[error(transparent)]
    Data(#[from] oubli_data::DataError),
}

fn list(shards: &[usize]) -> String {
    let names: Vec<String> = shards.iter().map(|s| format!("shard {s}")).collect();
    names.join(", ")
}

impl JobError {
    /// A [`JobError::Io`] for `path`.
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        JobError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_shards_are_named() {
        let e = JobError::MissingShards {
            missing: vec![1, 4],
            total: 5,
        };
        assert!(e
            .to_string()
            .starts_with("2 of 5 shards not finished: shard 1, shard 4 ("));
    }
}
