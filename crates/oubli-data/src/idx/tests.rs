//! IDX parsing tests, including the errors for malformed files.

use super::*;
use crate::testutil::TempDir;

/// IDX bytes for `n` images of 2×3 and labels `i % 3`.
pub(crate) fn idx_pair(n: u32) -> (Vec<u8>, Vec<u8>) {
    let mut images = Vec::new();
    for v in [IMAGES_MAGIC, n, 2, 3] {
        images.extend_from_slice(&v.to_be_bytes());
    }
    images.extend((0..n * 6).map(|i| (i % 256) as u8));
    let mut labels = Vec::new();
    for v in [LABELS_MAGIC, n] {
        labels.extend_from_slice(&v.to_be_bytes());
    }
    labels.extend((0..n).map(|i| (i % 3) as u8));
    (images, labels)
}

pub(crate) fn write_idx_dir(dir: &TempDir, train: u32, test: u32, gz: bool) {
    for (prefix, n) in [("train", train), ("t10k", test)] {
        let (i, l) = idx_pair(n);
        for (kind, bytes) in [("images-idx3", i), ("labels-idx1", l)] {
            let name = format!("{prefix}-{kind}-ubyte");
            if gz {
                dir.write_gz(&format!("{name}.gz"), &bytes);
            } else {
                dir.write(&name, &bytes);
            }
        }
    }
}

#[test]
fn loads_plain_and_gzipped_dirs() {
    for gz in [false, true] {
        let dir = TempDir::new();
        write_idx_dir(&dir, 20, 5, gz);
        let ds = load_dir(dir.path(), "idx:t", None, &Default::default(), "").unwrap();
        assert_eq!(ds.shape, vec![1, 2, 3]);
        assert_eq!((ds.train.len(), ds.test.len()), (20, 5));
        assert_eq!(ds.num_classes, 3);
        assert_eq!(
            ds.train.row(1),
            &[
                6.0 / 255.0,
                7.0 / 255.0,
                8.0 / 255.0,
                9.0 / 255.0,
                10.0 / 255.0,
                11.0 / 255.0
            ]
        );
        assert_eq!(
            ds.test.ids,
            (0..5).map(|i| TEST_ID_OFFSET + i).collect::<Vec<_>>()
        );
        // 20 samples allow 20 / 5 = 4 owners.
        let owners: std::collections::BTreeSet<_> =
            ds.train.owners.iter().map(|o| o.clone().unwrap()).collect();
        assert_eq!(
            owners.into_iter().collect::<Vec<_>>(),
            vec!["0", "1", "2", "3"]
        );
        assert!(ds.test.owners.iter().all(Option::is_none));
    }
}

#[test]
fn wrong_magic_names_file_and_offset() {
    let (mut images, _) = idx_pair(2);
    images[3] = 0x01;
    let err = parse_images(&images, Path::new("x/imgs")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "x/imgs: byte offset 0: bad magic 0x00000801, expected 0x00000803 (IDX3 unsigned-byte images)"
    );
}

#[test]
fn truncated_file_names_offsets() {
    let (images, labels) = idx_pair(4);
    let err = parse_images(&images[..images.len() - 5], Path::new("imgs")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "imgs: byte offset 35: truncated: header [4, 2, 3] needs 40 bytes, the data ends at byte 35"
    );
    let err = parse_labels(&labels[..6], Path::new("lbl"), 10).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("lbl: byte offset 6: truncated header"),
        "{err}"
    );
    let mut long = labels.clone();
    long.push(0);
    let err = parse_labels(&long, Path::new("lbl"), 10).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("lbl: byte offset 12: 1 unexpected trailing"),
        "{err}"
    );
}

#[test]
fn bad_labels_are_rejected() {
    let (_, mut labels) = idx_pair(4);
    labels[10] = 12;
    let err = parse_labels(&labels, Path::new("lbl"), 10).unwrap_err();
    assert_eq!(
        err.to_string(),
        "lbl: byte offset 10: label 12 of sample 2 is not below 10"
    );

    let dir = TempDir::new();
    write_idx_dir(&dir, 4, 2, false);
    let (_, short) = idx_pair(3);
    dir.write("train-labels-idx1-ubyte", &short);
    let err = load_dir(dir.path(), "t", None, &Default::default(), "").unwrap_err();
    assert!(err.to_string().contains("3 labels but"), "{err}");
}

#[test]
fn missing_file_names_both_candidates() {
    let dir = TempDir::new();
    let err = load_dir(dir.path(), "t", None, &Default::default(), "; fetch it").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, DataError::Missing { .. }));
    assert!(
        msg.contains("train-images-idx3-ubyte: file not found (nor "),
        "{msg}"
    );
    assert!(
        msg.ends_with("train-images-idx3-ubyte.gz); fetch it"),
        "{msg}"
    );
}
