//! `digits`: scikit-learn's 8×8 handwritten digits, compiled into the binary.
//!
//! 1,797 images of 8×8 pixels valued 0..16, scaled to `[0, 1]` by dividing by 16; shape
//! `[1, 8, 8]`, classes `"0"` … `"9"`. The file is `assets/digits.csv.gz` from the
//! scikit-learn wheel (BSD-3-Clause; see `assets/README.md`), one image per line: 64 pixels
//! then the label.
//!
//! Sample id = 0-based line number in that file, for train and test alike (they are disjoint
//! sets of lines). Split: stratified 80/20 with seed [`DIGITS_SPLIT_SEED`], giving 1,438 train
//! and 359 test samples. Owners: [`OwnerAssignment`] over the train samples (287 owners by
//! default); test samples have none.

use crate::sampling::stratified_split;
use crate::{DataError, Dataset, OwnerAssignment, Split};
use std::io::Read;
use std::path::Path;

/// Seed of the fixed digits train/test split.
pub const DIGITS_SPLIT_SEED: u64 = 1797;

const DIGITS_GZ: &[u8] = include_bytes!("../assets/digits.csv.gz");
const SOURCE: &str = "<embedded assets/digits.csv.gz>";

/// Loads the embedded digits dataset.
pub(crate) fn load_digits(owners: &OwnerAssignment) -> Result<Dataset, DataError> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(DIGITS_GZ)
        .read_to_string(&mut text)
        .map_err(|e| DataError::io(SOURCE, e, ""))?;
    let all = parse(&text, Path::new(SOURCE))?;
    let (train_idx, test_idx) = stratified_split(&all.labels, 0.2, DIGITS_SPLIT_SEED)?;
    let mut train = all.subset(&train_idx);
    train.owners = owners
        .assign(&train.labels, 10)
        .into_iter()
        .map(Some)
        .collect();
    Ok(Dataset {
        name: "digits".into(),
        shape: vec![1, 8, 8],
        num_classes: 10,
        class_names: (0..10).map(|c| c.to_string()).collect(),
        train,
        test: all.subset(&test_idx),
        csv: None,
    })
}

fn parse(text: &str, path: &Path) -> Result<Split, DataError> {
    let mut split = Split {
        dim: 64,
        ..Split::default()
    };
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != 65 {
            return Err(DataError::at_line(
                path,
                line_no,
                format!("expected 65 fields, found {}", cells.len()),
            ));
        }
        let mut values = [0u32; 65];
        for (c, cell) in cells.iter().enumerate() {
            values[c] = cell
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|&v| if c < 64 { v <= 16 } else { v < 10 })
                .ok_or_else(|| {
                    DataError::at_line(
                        path,
                        line_no,
                        format!("field {}: bad value `{cell}`", c + 1),
                    )
                })?;
        }
        split
            .features
            .extend(values[..64].iter().map(|&v| v as f32 / 16.0));
        split.labels.push(values[64]);
        split.ids.push(i as u64);
        split.owners.push(None);
    }
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_digits_load_deterministically() {
        let ds = load_digits(&OwnerAssignment::default()).unwrap();
        assert_eq!((ds.train.len(), ds.test.len()), (1438, 359));
        assert_eq!(ds.dim(), 64);
        assert!(ds.train.features.iter().all(|&x| (0.0..=1.0).contains(&x)));
        let mut ids: Vec<u64> = ds.train.ids.iter().chain(&ds.test.ids).copied().collect();
        ids.sort_unstable();
        assert_eq!(ids, (0..1797).collect::<Vec<_>>());
        let again = load_digits(&OwnerAssignment::default()).unwrap();
        assert_eq!(ds.train.ids, again.train.ids);
        assert_eq!(ds.train.owners, again.train.owners);
        let owners: std::collections::BTreeSet<_> = ds.train.owners.iter().flatten().collect();
        assert_eq!(owners.len(), 287);
    }

    #[test]
    fn bad_lines_are_named() {
        let err = parse("1,2\n", Path::new("d.csv")).unwrap_err();
        assert_eq!(err.to_string(), "d.csv:1: expected 65 fields, found 2");
        let line = format!("{}17,3", "0,".repeat(63));
        let err = parse(&line, Path::new("d.csv")).unwrap_err();
        assert_eq!(err.to_string(), "d.csv:1: field 64: bad value `17`");
    }
}
