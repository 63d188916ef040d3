//! Id and owner list files, and the fingerprint of a sample set.

use crate::{DataError, SampleId};
use sha2::{Digest, Sha256};
use std::path::Path;

/// SHA-256 (hex) of the sorted, deduplicated `ids`, each as 8 little-endian bytes.
///
/// It identifies a sample set regardless of order and repeats, so a model file can record
/// exactly which samples it was trained on, and a deletion request which samples it removed.
pub fn fingerprint(ids: &[SampleId]) -> String {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut hasher = Sha256::new();
    for id in sorted {
        hasher.update(id.to_le_bytes());
    }
    hex::encode(hasher.finalize())
}

/// The meaningful lines of a list file: trimmed, without blank lines and `#` comments (a `#`
/// anywhere starts a comment), each with its 1-based line number.
fn entries(path: &Path) -> Result<Vec<(u64, String)>, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e, ""))?;
    let mut out = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i as u64 + 1;
        let text = std::str::from_utf8(raw)
            .map_err(|_| DataError::at_line(path, line, "not valid UTF-8"))?;
        let text = text.split('#').next().unwrap_or("").trim();
        if !text.is_empty() {
            out.push((line, text.to_string()));
        }
    }
    Ok(out)
}

/// Reads sample ids, one unsigned integer per line; blank lines and `#` comments are skipped.
pub fn read_id_list(path: impl AsRef<Path>) -> Result<Vec<SampleId>, DataError> {
    let path = path.as_ref();
    entries(path)?
        .into_iter()
        .map(|(line, text)| {
            text.parse::<SampleId>().map_err(|_| {
                DataError::at_line(
                    path,
                    line,
                    format!("not a sample id (an unsigned integer): `{text}`"),
                )
            })
        })
        .collect()
}

/// Reads owner ids, one per line; blank lines and `#` comments are skipped.
pub fn read_owner_list(path: impl AsRef<Path>) -> Result<Vec<String>, DataError> {
    Ok(entries(path.as_ref())?
        .into_iter()
        .map(|(_, text)| text)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    #[test]
    fn fingerprint_ignores_order_and_repeats() {
        assert_eq!(fingerprint(&[3, 1, 2, 3]), fingerprint(&[1, 2, 3]));
        assert_ne!(fingerprint(&[1, 2, 3]), fingerprint(&[1, 2]));
        // sha256 of zero bytes: the empty set.
        assert_eq!(
            fingerprint(&[]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // sha256 of 01 00 00 00 00 00 00 00: little-endian u64 1.
        assert_eq!(
            fingerprint(&[1]),
            "7c9fa136d4413fa6173637e883b6998d32e1d675f88cddff9dcbcf331820f4b8"
        );
    }

    #[test]
    fn lists_skip_comments_and_name_bad_lines() {
        let dir = TempDir::new();
        let p = dir.write("ids.txt", "# deleted on request\n3\n\n  7  # Bob\r\n12\n");
        assert_eq!(read_id_list(&p).unwrap(), vec![3, 7, 12]);
        let p = dir.write("bad.txt", "1\n\n2x\n");
        let err = read_id_list(&p).unwrap_err().to_string();
        assert!(
            err.ends_with("bad.txt:3: not a sample id (an unsigned integer): `2x`"),
            "{err}"
        );
        let p = dir.write("owners.txt", "alice\n# x\n bob smith \n");
        assert_eq!(read_owner_list(&p).unwrap(), vec!["alice", "bob smith"]);
        let err = read_owner_list(dir.path().join("none.txt")).unwrap_err();
        assert!(matches!(err, DataError::Missing { .. }));
    }
}
