//! The crate's single error type.
//!
//! Every variant that comes from a file names that file and a position in it (a 1-based line,
//! optionally a column, or a byte offset), so a user can open the file and find the problem.
//! Variants that come from an in-memory request (a [`Selection`](crate::Selection), an id list
//! already read) name the request entry instead, e.g. `selection ids[3]`.

use std::path::PathBuf;

/// Anything that can go wrong while loading, selecting or describing data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A file could not be read for a reason other than being absent. The OS message is
    /// the [`source`](std::error::Error::source), not part of this message, so a printer of the
    /// whole chain (`{:#}` of anyhow) shows it once.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// A required file does not exist.
    #[error("{}: file not found{hint}", path.display())]
    Missing {
        /// The file that was looked for (for optionally gzipped files, the uncompressed name).
        path: PathBuf,
        /// Extra advice, e.g. which fetch command provides the file; empty or starting with `; `.
        hint: String,
    },

    /// A malformed IDX (MNIST-format) file.
    #[error("{}: byte offset {offset}: {message}", path.display())]
    Idx {
        /// The file (for `.gz` files, offsets are into the decompressed bytes).
        path: PathBuf,
        /// Byte offset where the problem starts.
        offset: u64,
        /// What is wrong.
        message: String,
    },

    /// A malformed line in a text file (CSV, id list, owner list).
    #[error("{}:{line}: {}{message}", path.display(), column.as_ref().map(|c| format!("column `{c}`: ")).unwrap_or_default())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Column name, when the problem is in one cell.
        column: Option<String>,
        /// What is wrong.
        message: String,
    },

    /// `load` was given a name it does not know.
    #[error("unknown dataset `{0}`: expected digits, mnist, fashion-mnist, adult, compas, csv:PATH or idx:DIR")]
    UnknownDataset(String),

    /// An option value that cannot work (e.g. a test fraction outside `[0, 1)`).
    #[error("invalid option: {0}")]
    InvalidOption(String),

    /// A sample id that the split does not hold.
    #[error("unknown sample id {id} ({context})")]
    UnknownId {
        /// The id asked for.
        id: u64,
        /// Where it was asked for, e.g. `selection ids[2]`.
        context: String,
    },

    /// An owner that owns no sample of the split.
    #[error("unknown owner `{owner}` ({context})")]
    UnknownOwner {
        /// The owner asked for.
        owner: String,
        /// Where it was asked for.
        context: String,
    },

    /// A class index outside `0..num_classes`.
    #[error("unknown class {class}: the dataset has {num_classes} classes ({context})")]
    UnknownClass {
        /// The class asked for.
        class: u32,
        /// Number of classes of the dataset.
        num_classes: usize,
        /// Where it was asked for.
        context: String,
    },

    /// A group attribute the split does not have, or a value no sample has.
    #[error("unknown attribute {what} ({context}); known: {known}")]
    UnknownAttribute {
        /// `` `sex` `` or `` `sex`=`Femal` ``.
        what: String,
        /// The attributes (or the attribute's values) that do exist, comma separated.
        known: String,
        /// Where it was asked for.
        context: String,
    },

    /// A selection that cannot be evaluated (bad fraction, `ATTR=VALUE` without `=`, …).
    #[error("invalid selection: {0}")]
    InvalidSelection(String),
}

impl DataError {
    /// Wraps an I/O error on `path`, turning "not found" into [`DataError::Missing`] with `hint`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error, hint: &str) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            DataError::Missing {
                path,
                hint: hint.to_string(),
            }
        } else {
            DataError::Io { path, source }
        }
    }

    /// A [`DataError::Parse`] without a column.
    pub(crate) fn at_line(path: impl Into<PathBuf>, line: u64, message: impl AsRef<str>) -> Self {
        DataError::Parse {
            path: path.into(),
            line,
            column: None,
            message: message.as_ref().to_string(),
        }
    }

    /// A [`DataError::Parse`] naming a column.
    pub(crate) fn at_cell(
        path: impl Into<PathBuf>,
        line: u64,
        column: &str,
        message: impl AsRef<str>,
    ) -> Self {
        DataError::Parse {
            path: path.into(),
            line,
            column: Some(column.to_string()),
            message: message.as_ref().to_string(),
        }
    }

    /// A [`DataError::Idx`].
    pub(crate) fn idx(path: impl Into<PathBuf>, offset: u64, message: impl Into<String>) -> Self {
        DataError::Idx {
            path: path.into(),
            offset,
            message: message.into(),
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
        let dir = std::io::Error::new(std::io::ErrorKind::IsADirectory, "Is a directory");
        let e = DataError::io("adir", dir, "");
        assert_eq!(chain(&e), "adir: Is a directory");
    }

    #[test]
    fn messages_name_file_and_position() {
        let e = DataError::at_cell("a.csv", 7, "age", "not a number: `x`");
        assert_eq!(e.to_string(), "a.csv:7: column `age`: not a number: `x`");
        let e = DataError::at_line("ids.txt", 3, "bad id");
        assert_eq!(e.to_string(), "ids.txt:3: bad id");
        let e = DataError::idx("t.idx", 16, "truncated");
        assert_eq!(e.to_string(), "t.idx: byte offset 16: truncated");
        let nf = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = DataError::io("x/y", nf, "; run scripts/fetch-datasets.sh mnist");
        assert!(matches!(e, DataError::Missing { .. }));
        assert_eq!(
            e.to_string(),
            "x/y: file not found; run scripts/fetch-datasets.sh mnist"
        );
    }
}
