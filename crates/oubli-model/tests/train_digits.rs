//! Training is real and reproducible on the embedded `digits` set.

use oubli_data::{load, LoadOptions};
use oubli_model::{fit, ModelSpec, Silent, TrainConfig};

fn digits() -> oubli_data::Dataset {
    load("digits", &LoadOptions::default()).expect("digits is compiled in")
}

#[test]
fn mlp_reaches_95_percent_and_is_bit_reproducible() {
    let ds = digits();
    let spec = ModelSpec::by_name("mlp", ds.shape.clone(), ds.num_classes).unwrap();
    let config = TrainConfig {
        epochs: 20,
        seed: 7,
        lr: 3e-3,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    let (a, report) = fit(&ds, spec.clone(), &config, &mut Silent).unwrap();
    eprintln!(
        "digits mlp: test {:.4} train {:.4} in {:.2}s",
        report.test_accuracy, report.train_accuracy, report.seconds
    );
    assert!(
        report.test_accuracy >= 0.95,
        "test accuracy {}",
        report.test_accuracy
    );
    let (b, _) = fit(&ds, spec, &config, &mut Silent).unwrap();
    assert_eq!(
        a.params.sha256(),
        b.params.sha256(),
        "same seed must give identical weights"
    );
    assert_eq!(a.params.data, b.params.data);
}

#[test]
fn different_seeds_give_different_weights() {
    let ds = digits();
    let spec = ModelSpec::by_name("logreg", ds.shape.clone(), ds.num_classes).unwrap();
    let c1 = TrainConfig {
        epochs: 2,
        seed: 1,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    let c2 = TrainConfig {
        epochs: 2,
        seed: 2,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    let (a, _) = fit(&ds, spec.clone(), &c1, &mut Silent).unwrap();
    let (b, _) = fit(&ds, spec, &c2, &mut Silent).unwrap();
    assert_ne!(a.params.sha256(), b.params.sha256());
}

#[test]
fn cnn_trains_on_digits() {
    let ds = digits();
    let spec = ModelSpec::by_name("cnn", ds.shape.clone(), ds.num_classes).unwrap();
    let config = TrainConfig {
        epochs: 20,
        seed: 3,
        lr: 3e-3,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    let (_, report) = fit(&ds, spec, &config, &mut Silent).unwrap();
    eprintln!(
        "digits cnn: test {:.4} in {:.2}s",
        report.test_accuracy, report.seconds
    );
    assert!(
        report.test_accuracy >= 0.93,
        "test accuracy {}",
        report.test_accuracy
    );
}

#[test]
fn a_learning_rate_of_a_million_is_stopped_as_divergence_naming_the_epoch() {
    let ds = digits();
    let spec = ModelSpec::by_name("mlp", ds.shape.clone(), ds.num_classes).unwrap();
    let config = TrainConfig {
        epochs: 3,
        lr: 1e6,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    let err = fit(&ds, spec, &config, &mut Silent).unwrap_err();
    let oubli_model::ModelError::Diverged {
        epoch,
        loss,
        reference,
        lr,
    } = err
    else {
        panic!("expected divergence, got {err}")
    };
    assert_eq!((epoch, lr), (1, 1e6));
    assert!(
        !loss.is_finite() || loss > oubli_model::DIVERGENCE_FACTOR * reference,
        "{loss} vs {reference}"
    );
    assert!(
        err.to_string().contains("try one 10 to 100 times smaller"),
        "{err}"
    );
}
