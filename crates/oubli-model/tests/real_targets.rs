//! The accuracy targets that show training is real, on the fetched datasets. Each test
//! skips (with a message) when its data is absent, except in CI (`CI` set), where it fails;
//! `.ci/run` fetches the data first.

use oubli_data::{load, LoadOptions};
use oubli_model::{fit, ModelSpec, Silent, TrainConfig};

fn data_dir() -> std::path::PathBuf {
    std::env::var_os("OUBLI_DATA_DIR")
        .map(Into::into)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data"))
}

fn accuracy(name: &str, arch: &str, epochs: usize) -> Option<f64> {
    let opts = LoadOptions {
        data_dir: data_dir(),
        ..LoadOptions::default()
    };
    let ds = match load(name, &opts) {
        Ok(ds) => ds,
        Err(e) => {
            // In CI (`CI` set) the data is fetched first: a missing dataset is a failure there.
            assert!(std::env::var_os("CI").is_none(), "{name}: {e} (CI is set)");
            eprintln!("skipping {name}: {e} (run scripts/fetch-datasets.sh {name})");
            return None;
        }
    };
    let spec = ModelSpec::by_name(arch, ds.shape.clone(), ds.num_classes).unwrap();
    let config = TrainConfig {
        epochs,
        seed: 0,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    let (_, report) = fit(&ds, spec, &config, &mut Silent).unwrap();
    eprintln!(
        "{name} {arch} {epochs} epochs: test {:.4} in {:.1}s",
        report.test_accuracy, report.seconds
    );
    Some(report.test_accuracy)
}

#[test]
fn adult_logreg_reaches_84_percent() {
    if let Some(acc) = accuracy("adult", "logreg", 5) {
        assert!(acc >= 0.84, "adult logreg test accuracy {acc}");
    }
}

#[test]
fn mnist_mlp_reaches_97_5_percent_in_5_epochs() {
    if let Some(acc) = accuracy("mnist", "mlp", 5) {
        assert!(acc >= 0.975, "mnist mlp test accuracy {acc}");
    }
}
