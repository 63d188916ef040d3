//! Putting model files into `models/` so that a crash never leaves a half-written file under
//! a name the store refers to: write elsewhere, sync, rename, sync the folder.

use crate::{LedgerError, Store, MODELS_DIR};
use std::fs::File;
use std::io::Write;
use std::path::Path;

fn check_name(name: &str) -> Result<(), LedgerError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(LedgerError::InvalidOption {
            field: "name",
            reason: "a file name of letters, digits, '.', '-' and '_', not starting with '.'",
        })
    }
}

fn sync_dir(dir: &Path) -> Result<(), LedgerError> {
    // Makes the rename itself durable; directories cannot be opened this way on Windows.
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| LedgerError::io(dir, e))?;
    Ok(())
}

impl Store {
    /// Moves the finished file `from` to `models/NAME` atomically and durably and returns
    /// the path to register (`models/NAME`). `from` should be on the same filesystem as the
    /// store (e.g. written inside [`models_dir`](Self::models_dir) under a temporary name)
    /// so the rename is atomic. An existing file of that name is replaced.
    pub fn install_model_file(&self, from: &Path, name: &str) -> Result<String, LedgerError> {
        check_name(name)?;
        File::open(from)
            .and_then(|f| f.sync_all())
            .map_err(|e| LedgerError::io(from, e))?;
        let dir = self.models_dir();
        let to = dir.join(name);
        std::fs::rename(from, &to).map_err(|e| LedgerError::io(&to, e))?;
        sync_dir(&dir)?;
        Ok(format!("{MODELS_DIR}/{name}"))
    }

    /// Writes `bytes` to `models/NAME` atomically and durably (through a temporary file in
    /// the same folder) and returns the path to register.
    pub fn write_model_file(&self, name: &str, bytes: &[u8]) -> Result<String, LedgerError> {
        check_name(name)?;
        let tmp = self.models_dir().join(format!(".{name}.tmp"));
        let mut f = File::create(&tmp).map_err(|e| LedgerError::io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| LedgerError::io(&tmp, e))?;
        drop(f);
        self.install_model_file(&tmp, name)
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn model_file_names_cannot_leave_the_models_folder() {
        for bad in ["", "../x", "a/b", ".hidden", "x y"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        check_name("v3-sisa_2.oubli").unwrap();
    }
}
