//! Tests of the tabular rules, including the error messages users see.

use super::*;
use crate::table::Format;
use std::path::Path;

fn table(name: &str, text: &str) -> Table {
    Table::parse(Path::new(name), text.as_bytes(), &Format::default()).unwrap()
}

fn spec(features: &[&str]) -> Spec {
    Spec {
        name: "t".into(),
        label: "y".into(),
        id: IdSource::RowIndex,
        owner: OwnerSource::None,
        groups: vec![],
        features: features.iter().map(|s| s.to_string()).collect(),
        categorical: vec![],
        missing: vec!["".into(), "?".into()],
        test_fraction: 0.5,
        seed: 1,
    }
}

const TRAIN: &str = "x,c,y\n1,a,no\n3,b,yes\n,?,no\n5,a,yes\n";

#[test]
fn encodes_with_training_statistics_only() {
    let train = table("train.csv", TRAIN);
    let test = table("test.csv", "x,c,y\n100,z,yes\n");
    let ds = build(&spec(&["x", "c"]), &train, Some(&test)).unwrap();
    assert_eq!(ds.class_names, vec!["no", "yes"]);
    assert_eq!(ds.train.labels, vec![0, 1, 0, 1]);
    assert_eq!(ds.shape, vec![3]);
    // mean 3, std sqrt(8/3) over the three present values
    let s = (8.0f64 / 3.0).sqrt();
    assert_eq!(ds.train.row(0), &[(-2.0 / s) as f32, 1.0, 0.0]);
    assert_eq!(
        ds.train.row(2),
        &[0.0, 0.0, 0.0],
        "missing -> mean and no level"
    );
    assert_eq!(
        ds.test.row(0),
        &[(97.0 / s) as f32, 0.0, 0.0],
        "unseen level -> zeros"
    );
    assert_eq!(ds.test.ids, vec![TEST_ID_OFFSET]);
}

#[test]
fn seeded_split_without_test_file() {
    let train = table("train.csv", TRAIN);
    let a = build(&spec(&["x"]), &train, None).unwrap();
    let b = build(&spec(&["x"]), &train, None).unwrap();
    assert_eq!(a.train.ids, b.train.ids);
    assert_eq!((a.train.len(), a.test.len()), (2, 2));
    let mut all: Vec<u64> = a.train.ids.iter().chain(&a.test.ids).copied().collect();
    all.sort_unstable();
    assert_eq!(all, vec![0, 1, 2, 3]);
}

#[test]
fn non_numeric_value_in_numeric_column() {
    let train = table("train.csv", TRAIN);
    let test = table("test.csv", "x,c,y\n2,a,no\nabc,a,no\n");
    let err = build(&spec(&["x"]), &train, Some(&test)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "test.csv:3: column `x`: not a number: `abc` (the column is numeric in the train file)"
    );
}

#[test]
fn nan_is_an_error() {
    let train = table("train.csv", "x,y\n1,a\nNaN,b\n");
    let err = build(&spec(&["x"]), &train, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "train.csv:3: column `x`: `NaN` is not allowed; leave the cell empty for a missing value"
    );
}

#[test]
fn unknown_class_in_test_file() {
    let train = table("train.csv", TRAIN);
    let test = table("test.csv", "x,c,y\n2,a,maybe\n");
    let err = build(&spec(&["x"]), &train, Some(&test)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "test.csv:2: column `y`: unknown class `maybe`; the train file has: no, yes"
    );
}

#[test]
fn bad_and_duplicate_ids() {
    let mut s = spec(&["x"]);
    s.id = IdSource::Column("id".into());
    let train = table("train.csv", "id,x,y\n7,1,a\n8,2,b\n");
    let test = table("test.csv", "id,x,y\n9,1,a\n7,2,b\n");
    let err = build(&s, &train, Some(&test)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "test.csv:3: duplicate sample id 7 (first at train.csv:2)"
    );
    let bad = table("train.csv", "id,x,y\n7,1,a\n-1,2,b\n");
    let err = build(&s, &bad, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "train.csv:3: column `id`: not a sample id (an unsigned integer): `-1`"
    );
}

#[test]
fn header_only_file_is_an_error() {
    let train = table("train.csv", "x,y\n");
    let err = build(&spec(&["x"]), &train, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "train.csv:2: no data rows after the header"
    );
}
