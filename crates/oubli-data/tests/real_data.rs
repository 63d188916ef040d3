//! Loads the real fetched datasets when they are present under the data directory
//! (`$OUBLI_DATA_DIR`, else `data/` at the repository root) and skips, saying so, when they are
//! not, except in CI (`CI` set), where a missing dataset fails the test: `.ci/run` fetches
//! them all (`scripts/fetch-datasets.sh`) and must not pass by skipping.

use oubli_data::{load, Dataset, LoadOptions, TEST_ID_OFFSET};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    match std::env::var_os("OUBLI_DATA_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data"),
    }
}

/// The dataset, or `None` (with a message) when one of its files is absent.
fn load_if_present(name: &str, files: &[&str]) -> Option<Dataset> {
    let dir = data_dir();
    if let Some(missing) = files.iter().find(|f| !dir.join(name).join(f).exists()) {
        let why = format!(
            "{} is absent; run scripts/fetch-datasets.sh {name}",
            dir.join(name).join(missing).display()
        );
        assert!(
            std::env::var_os("CI").is_none(),
            "{name}: {why} (CI is set)"
        );
        eprintln!("skipping {name}: {why}");
        return None;
    }
    let opts = LoadOptions {
        data_dir: dir,
        ..LoadOptions::default()
    };
    Some(load(name, &opts).unwrap_or_else(|e| panic!("{name}: {e}")))
}

fn assert_ids_distinct(ds: &Dataset) {
    let mut seen = HashSet::new();
    for id in ds.train.ids.iter().chain(&ds.test.ids) {
        assert!(seen.insert(*id), "{}: id {id} appears twice", ds.name);
    }
}

fn assert_consistent(ds: &Dataset) {
    for split in [&ds.train, &ds.test] {
        assert_eq!(split.dim, ds.dim());
        assert_eq!(split.features.len(), split.len() * split.dim);
        assert_eq!(split.ids.len(), split.len());
        assert_eq!(split.owners.len(), split.len());
        assert!(split.labels.iter().all(|&l| (l as usize) < ds.num_classes));
        assert!(split.features.iter().all(|x| x.is_finite()));
        assert!(split.groups.values().all(|g| g.len() == split.len()));
    }
    assert_eq!(ds.class_names.len(), ds.num_classes);
    assert_ids_distinct(ds);
}

const IDX_FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

fn check_image_set(ds: &Dataset) {
    assert_consistent(ds);
    assert_eq!((ds.train.len(), ds.test.len()), (60_000, 10_000));
    assert_eq!(ds.shape, vec![1, 28, 28]);
    assert_eq!(ds.num_classes, 10);
    assert_eq!(ds.train.ids[59_999], 59_999);
    assert_eq!(ds.test.ids[0], TEST_ID_OFFSET);
    assert!(ds.train.features.iter().all(|&x| (0.0..=1.0).contains(&x)));
    assert!(ds.train.features.contains(&1.0));
    let info = ds.info();
    assert_eq!(info.owners, 1000);
    assert_eq!(info.unowned, 0);
    let sizes = info.owner_sizes.unwrap();
    assert!(sizes.max as f64 > 10.0 * sizes.median, "{sizes:?}");
    assert!(ds.test.owners.iter().all(Option::is_none));
}

#[test]
fn mnist() {
    let Some(ds) = load_if_present("mnist", &IDX_FILES) else {
        return;
    };
    check_image_set(&ds);
    // Well-known MNIST class sizes.
    let info = ds.info();
    assert_eq!(info.train_class_counts[1], 6742);
    assert_eq!(info.test_class_counts[0], 980);
}

#[test]
fn fashion_mnist() {
    let gz: Vec<String> = IDX_FILES.iter().map(|f| format!("{f}.gz")).collect();
    let gz: Vec<&str> = gz.iter().map(String::as_str).collect();
    let Some(ds) = load_if_present("fashion-mnist", &gz) else {
        return;
    };
    check_image_set(&ds);
    assert_eq!(ds.class_names[0], "T-shirt/top");
    assert_eq!(ds.class_names[9], "Ankle boot");
    let info = ds.info();
    assert_eq!(info.train_class_counts, vec![6000; 10]);
    assert_eq!(info.test_class_counts, vec![1000; 10]);
}

#[test]
fn adult() {
    let Some(ds) = load_if_present("adult", &["adult.data", "adult.test"]) else {
        return;
    };
    assert_consistent(&ds);
    assert_eq!((ds.train.len(), ds.test.len()), (32_561, 16_281));
    assert_eq!(ds.class_names, vec!["<=50K", ">50K"]);
    let info = ds.info();
    assert_eq!(info.train_class_counts, vec![24_720, 7_841]);
    assert_eq!(info.test_class_counts, vec![12_435, 3_846]);
    assert_eq!(info.owners, 32_561, "one owner per person");
    assert_eq!(ds.train.owners[5].as_deref(), Some("5"));
    assert_eq!(info.groups["sex"]["Female"], 10_771);
    assert_eq!(info.groups["race"].len(), 5);
    assert_eq!(ds.test.ids[0], TEST_ID_OFFSET);
    // Numeric columns are standardised on train: mean ~0 there.
    let age_mean: f64 = (0..ds.train.len())
        .map(|i| ds.train.row(i)[0] as f64)
        .sum::<f64>()
        / ds.train.len() as f64;
    assert!(age_mean.abs() < 1e-4, "{age_mean}");
}

#[test]
fn compas() {
    let Some(ds) = load_if_present("compas", &["compas-scores-two-years.csv"]) else {
        return;
    };
    assert_consistent(&ds);
    assert_eq!(
        ds.train.len() + ds.test.len(),
        6_172,
        "ProPublica's filtered row count"
    );
    assert_eq!((ds.train.len(), ds.test.len()), (4_937, 1_235));
    assert_eq!(ds.class_names, vec!["no-recid", "recid"]);
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for &l in ds.train.labels.iter().chain(&ds.test.labels) {
        *counts.entry(l).or_default() += 1;
    }
    assert_eq!(counts, BTreeMap::from([(0, 3_363), (1, 2_809)]));
    let info = ds.info();
    assert_eq!(info.groups["race"].len(), 6);
    assert_eq!(
        ds.train.owners[0].as_deref(),
        Some(ds.train.ids[0].to_string().as_str())
    );
}
