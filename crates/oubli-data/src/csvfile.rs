//! `csv:PATH`: the user's own tabular data.
//!
//! The file needs a header row. Column roles come from [`CsvOptions`]:
//! - `label` (default: a column named `label`) gives the classes, in sorted order of the
//!   distinct label strings of the train file;
//! - `id` (optional) holds unsigned-integer sample ids; without it, row `i` (0-based, header
//!   excluded) has id `i`, and row `i` of a separate test file has id `TEST_ID_OFFSET + i`;
//! - `owner` (optional) names each row's data subject (empty cell = no owner); without it no
//!   sample has an owner;
//! - `groups` are kept as group attributes for selections and audits and are **not** features,
//!   so a model cannot use them directly, unless also listed in `categorical`;
//! - every other column is a feature, encoded by the [tabular rules](crate::tabular): categorical
//!   if declared in `categorical` or if any value is not a number, numeric otherwise. Empty
//!   cells and `?` are missing values.
//!
//! The test split is the file at `test` (same columns, any order) or, without one, a stratified
//! seeded split of `test_fraction` of the rows.

use crate::table::{Format, Table};
use crate::tabular::{build, IdSource, OwnerSource, Spec};
use crate::{CsvOptions, DataError, Dataset};
use std::path::Path;

/// Loads `path` as dataset `csv:PATH`.
pub(crate) fn load_csv(path: &Path, opts: &CsvOptions) -> Result<Dataset, DataError> {
    let train = Table::read(path, &Format::default(), "")?;
    let test = match &opts.test {
        Some(p) => Some(Table::read(p, &Format::default(), "")?),
        None => None,
    };
    let label = opts.label.clone().unwrap_or_else(|| "label".to_string());
    let mut named: Vec<&String> = vec![&label];
    named.extend(&opts.id);
    named.extend(&opts.owner);
    named.extend(&opts.groups);
    named.extend(&opts.categorical);
    for name in named {
        train.column(name)?;
    }
    let not_feature = |c: &String| {
        *c == label
            || opts.id.as_ref() == Some(c)
            || opts.owner.as_ref() == Some(c)
            || (opts.groups.contains(c) && !opts.categorical.contains(c))
    };
    let features = train
        .header
        .iter()
        .filter(|c| !not_feature(c))
        .cloned()
        .collect();
    let spec = Spec {
        name: format!("csv:{}", path.display()),
        label,
        id: opts.id.clone().map_or(IdSource::RowIndex, IdSource::Column),
        owner: opts
            .owner
            .clone()
            .map_or(OwnerSource::None, OwnerSource::Column),
        groups: opts.groups.clone(),
        features,
        categorical: opts.categorical.clone(),
        missing: vec!["".into(), "?".into()],
        test_fraction: opts.test_fraction,
        seed: opts.seed,
    };
    let mut dataset = build(&spec, &train, test.as_ref())?;
    dataset.csv = Some(opts.clone());
    Ok(dataset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;
    use crate::TEST_ID_OFFSET;

    const PEOPLE: &str = "\
person,age,city,sex,who,outcome
10,30,Paris,F,alice,good
11,40,Lyon,M,bob,bad
12,50,Paris,F,alice,good
13,60,Nice,M,carol,bad
";

    #[test]
    fn roles_and_groups_are_not_features() {
        let dir = TempDir::new();
        let train = dir.write("p.csv", PEOPLE);
        let test = dir.write(
            "t.csv",
            "outcome,age,city,sex,who,person\ngood,45,Nice,F,dave,99\n",
        );
        let opts = CsvOptions {
            label: Some("outcome".into()),
            id: Some("person".into()),
            owner: Some("who".into()),
            groups: vec!["sex".into()],
            test: Some(test),
            ..CsvOptions::default()
        };
        let ds = load_csv(&train, &opts).unwrap();
        assert_eq!(ds.class_names, vec!["bad", "good"]);
        assert_eq!(
            ds.shape,
            vec![4],
            "age + 3 city levels; sex is a group only"
        );
        assert_eq!(ds.train.ids, vec![10, 11, 12, 13]);
        assert_eq!(ds.train.owners[2].as_deref(), Some("alice"));
        assert_eq!(ds.train.groups["sex"], vec!["F", "M", "F", "M"]);
        assert_eq!(ds.test.ids, vec![99]);
        assert_eq!(
            ds.test.row(0)[1..],
            [0.0, 1.0, 0.0],
            "Lyon, Nice, Paris one-hot"
        );

        let with_sex = CsvOptions {
            categorical: vec!["sex".into()],
            ..opts
        };
        assert_eq!(load_csv(&train, &with_sex).unwrap().shape, vec![6]);
    }

    #[test]
    fn defaults_label_column_and_row_ids() {
        let dir = TempDir::new();
        let train = dir.write("d.csv", "a,label\n1,x\n2,y\n");
        let test = dir.write("e.csv", "a,label\n3,y\n");
        let opts = CsvOptions {
            test: Some(test),
            ..CsvOptions::default()
        };
        let ds = load_csv(&train, &opts).unwrap();
        assert_eq!(ds.train.ids, vec![0, 1]);
        assert_eq!(ds.test.ids, vec![TEST_ID_OFFSET]);
        assert!(ds.train.owners.iter().all(Option::is_none));
    }

    #[test]
    fn a_repeated_header_name_fails_every_role_naming_both_positions() {
        let dir = TempDir::new();
        let err = |train: &str, test: Option<&str>, opts: CsvOptions| {
            let train = dir.write("r.csv", train);
            let opts = CsvOptions {
                test: test.map(|t| dir.write("rt.csv", t)),
                ..opts
            };
            load_csv(&train, &opts).unwrap_err().to_string()
        };
        let feature = err("x,x,label\n1,2,a\n3,4,b\n", None, CsvOptions::default());
        assert!(
            feature.ends_with("r.csv:1: column name `x` is repeated in the header, at positions 1 and 2 (1-based); rename all but one"),
            "{feature}"
        );
        let label = err("label,x,label\n1,2,a\n", None, CsvOptions::default());
        assert!(label.contains("`label` is repeated in the header, at positions 1 and 3"));
        let owner = CsvOptions {
            owner: Some("who".into()),
            ..CsvOptions::default()
        };
        let in_test = err(
            "who,x,label\na,1,a\nb,2,b\n",
            Some("who,x,who,label\na,1,b,a\n"),
            owner,
        );
        assert!(
            in_test.contains(
                "rt.csv:1: column name `who` is repeated in the header, at positions 1 and 3"
            ),
            "{in_test}"
        );
    }

    #[test]
    fn unknown_columns_are_named() {
        let dir = TempDir::new();
        let train = dir.write("p.csv", PEOPLE);
        let opts = CsvOptions {
            label: Some("outcome".into()),
            groups: vec!["gender".into()],
            ..CsvOptions::default()
        };
        let err = load_csv(&train, &opts).unwrap_err().to_string();
        assert!(
            err.ends_with(
                "p.csv:1: no column `gender`; columns are: person, age, city, sex, who, outcome"
            ),
            "{err}"
        );
        let err = load_csv(&dir.path().join("nope.csv"), &opts)
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("nope.csv: file not found"), "{err}");
    }
}
