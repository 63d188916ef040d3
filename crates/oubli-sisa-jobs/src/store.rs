//! The artefact store: where shard jobs put their checkpoints and results, through the
//! `object_store` crate so that the same code writes a local (or shared) directory, S3, GCS
//! or Azure Blob Storage.
//!
//! A location is a directory path, a `file://` URL, or with the cargo feature of the same
//! name an `s3://bucket/prefix` (`aws`), `gs://bucket/prefix` (`gcp`) or
//! `az://container/prefix` (`azure`) URL; cloud credentials and options come from the usual
//! environment variables (`AWS_ACCESS_KEY_ID`, `AWS_REGION`, `GOOGLE_SERVICE_ACCOUNT`,
//! `AZURE_STORAGE_ACCOUNT_NAME`, …). Each object is written in one put, so a killed job
//! never leaves a half-written checkpoint under its final name.

use crate::JobError;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use std::path::Path;

/// An open artefact store (see the [module docs](self)).
pub struct ArtifactStore {
    location: String,
    store: Box<dyn ObjectStore>,
    prefix: ObjectPath,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for ArtifactStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArtifactStore")
            .field("location", &self.location)
            .finish()
    }
}

/// Whether `location` is a URL rather than a directory path.
pub fn is_url(location: &str) -> bool {
    location.contains("://")
}

impl ArtifactStore {
    /// Opens the store at `location` (a directory is created if missing).
    pub fn open(location: &str) -> Result<Self, JobError> {
        let fail = |problem: String| JobError::Store {
            location: location.to_string(),
            problem,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start an I/O runtime: {e}")))?;
        let (store, prefix): (Box<dyn ObjectStore>, ObjectPath) = if is_url(location) {
            let url = url::Url::parse(location).map_err(|e| fail(format!("not a URL: {e}")))?;
            if url.scheme() == "file" {
                let dir = url
                    .to_file_path()
                    .map_err(|()| fail("not a local path".into()))?;
                (local(&dir).map_err(fail)?, ObjectPath::default())
            } else {
                check_feature(url.scheme()).map_err(fail)?;
                // Options from the environment, lower-cased as object_store names them
                // (`aws_region`, `google_service_account`, …); others are ignored.
                let env = std::env::vars().map(|(k, v)| (k.to_ascii_lowercase(), v));
                object_store::parse_url_opts(&url, env).map_err(|e| fail(e.to_string()))?
            }
        } else {
            (
                local(Path::new(location)).map_err(fail)?,
                ObjectPath::default(),
            )
        };
        Ok(Self {
            location: location.to_string(),
            store,
            prefix,
            runtime,
        })
    }

    /// The location the store was opened with.
    pub fn location(&self) -> &str {
        &self.location
    }

    fn path(&self, name: &str) -> ObjectPath {
        name.split('/')
            .fold(self.prefix.clone(), |p, part| p.child(part))
    }

    fn fail(&self, name: &str, e: impl std::fmt::Display) -> JobError {
        JobError::Store {
            location: self.location.clone(),
            problem: format!("{name}: {e}"),
        }
    }

    /// The bytes of object `name` (`/`-separated, relative to the store), `None` if absent.
    pub fn get(&self, name: &str) -> Result<Option<Vec<u8>>, JobError> {
        let path = self.path(name);
        let result = self.runtime.block_on(async {
            match self.store.get(&path).await {
                Ok(r) => r.bytes().await.map(Some),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        });
        result
            .map(|b| b.map(|b| b.to_vec()))
            .map_err(|e| self.fail(name, e))
    }

    /// Writes object `name` in one put (atomic: readers see the old object or the new one).
    pub fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), JobError> {
        let path = self.path(name);
        self.runtime
            .block_on(self.store.put(&path, PutPayload::from(bytes)))
            .map(|_| ())
            .map_err(|e| self.fail(name, e))
    }

    /// Deletes object `name`; absent is fine.
    pub fn delete(&self, name: &str) -> Result<(), JobError> {
        let path = self.path(name);
        match self.runtime.block_on(self.store.delete(&path)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.fail(name, e)),
        }
    }
}

fn local(dir: &Path) -> Result<Box<dyn ObjectStore>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the directory: {e}"))?;
    let store =
        object_store::local::LocalFileSystem::new_with_prefix(dir).map_err(|e| e.to_string())?;
    Ok(Box::new(store))
}

/// Refuses a cloud scheme whose backend this build lacks, naming the feature to enable.
fn check_feature(scheme: &str) -> Result<(), String> {
    let (feature, enabled) = match scheme {
        "s3" | "s3a" => ("aws", cfg!(feature = "aws")),
        "gs" => ("gcp", cfg!(feature = "gcp")),
        "az" | "adl" | "azure" | "abfs" | "abfss" => ("azure", cfg!(feature = "azure")),
        other => {
            return Err(format!(
                "unknown scheme `{other}`: use a directory, file://, s3://, gs:// or az://"
            ))
        }
    };
    if enabled {
        Ok(())
    } else {
        Err(format!(
            "{scheme}:// needs the `{feature}` feature: build oubli with `cargo install --features {feature}` (or use a shared directory)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_store_round_trips_and_reports_absence() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("new/artifacts");
        let store = ArtifactStore::open(root.to_str().unwrap()).unwrap();
        assert_eq!(store.get("a/b.json").unwrap(), None);
        store.put("a/b.json", b"{}".to_vec()).unwrap();
        assert_eq!(store.get("a/b.json").unwrap().as_deref(), Some(&b"{}"[..]));
        assert!(root.join("a/b.json").is_file());
        store.delete("a/b.json").unwrap();
        store.delete("a/b.json").unwrap();
        assert_eq!(store.get("a/b.json").unwrap(), None);
        let url = format!("file://{}", root.display());
        let again = ArtifactStore::open(&url).unwrap();
        again.put("x", vec![1, 2]).unwrap();
        assert_eq!(store.get("x").unwrap(), Some(vec![1, 2]));
    }

    #[test]
    fn a_cloud_url_without_its_feature_names_the_feature() {
        if cfg!(feature = "aws") {
            return;
        }
        let e = ArtifactStore::open("s3://bucket/prefix").unwrap_err();
        assert!(e.to_string().contains("`aws` feature"), "{e}");
        let e = ArtifactStore::open("ftp://x/y").unwrap_err();
        assert!(e.to_string().contains("unknown scheme"), "{e}");
    }
}
