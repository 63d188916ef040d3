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

fn accuracy(name: &str, arch: &str, epochs: usize, seed: u64) -> Option<f64> {
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
        seed,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    let (_, report) = fit(&ds, spec, &config, &mut Silent).unwrap();
    eprintln!(
        "{name} {arch} {epochs} epochs, seed {seed}: test {:.4} in {:.1}s",
        report.test_accuracy, report.seconds
    );
    Some(report.test_accuracy)
}

#[test]
fn adult_logreg_reaches_84_percent() {
    if let Some(acc) = accuracy("adult", "logreg", 5, 0) {
        assert!(acc >= 0.84, "adult logreg test accuracy {acc}");
    }
}

/// The mean of three seeds: one seed's accuracy moves by ±0.1 point between machines (the
/// GEMM kernels are picked for the CPU at run time, so the last bits of every product differ),
/// and seed 0 alone sat 0.03 points under the target on one machine and above it on another.
#[test]
fn mnist_mlp_reaches_97_5_percent_in_5_epochs() {
    let accs: Option<Vec<f64>> = (0..3)
        .map(|seed| accuracy("mnist", "mlp", 5, seed))
        .collect();
    if let Some(accs) = accs {
        let mean = accs.iter().sum::<f64>() / accs.len() as f64;
        assert!(
            mean >= 0.975,
            "mnist mlp test accuracy {accs:?}, mean {mean}"
        );
    }
}
