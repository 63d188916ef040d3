//! Ensemble files (round trip, checkpoint verification) and ensemble accuracy on `digits`.

mod support;
use oubli_model::{fit, Silent};
use oubli_sisa::{checkpoint_name, is_sisa_file, Aggregation, SisaConfig, SisaError, SisaModel};
use support::*;

#[test]
fn save_load_round_trip_verifies_checkpoints() {
    let ds = digits();
    let train = train_config(1, 2);
    let sisa = SisaConfig {
        shards: 3,
        slices: 2,
        ..SisaConfig::default()
    };
    let (mut model, _) = SisaModel::train(&ds, spec(&ds, "logreg"), sisa, &train).unwrap();
    model.forget(&ds.train, &[ds.train.ids[3]]).unwrap();
    let mut data = ds.clone();
    data.exclude(&[ds.train.ids[3]]).unwrap();

    let dir = TempDir::new("roundtrip");
    let path = dir.path().join("ens.safetensors");
    let sha = model.save(&path).unwrap();
    assert!(is_sisa_file(&path));
    let loaded = SisaModel::load(&path).unwrap();
    assert_eq!(loaded.weights_sha256(), sha);
    assert_eq!(loaded.lineage(), model.lineage());
    assert_eq!(
        loaded.shards(),
        model.shards(),
        "params, optimiser state and stage data survive"
    );
    assert_eq!(loaded.removed_ids(), model.removed_ids());
    let x = &ds.test.features[..20 * ds.test.dim];
    assert_eq!(loaded.probabilities(x, 20), model.probabilities(x, 20));

    // Forgetting continues exactly after a reload.
    let (mut a, mut b) = (model.clone(), loaded);
    a.forget(&data.train, &[ds.train.ids[700]]).unwrap();
    b.forget(&data.train, &[ds.train.ids[700]]).unwrap();
    assert_eq!(a.shard_weights_sha256(), b.shard_weights_sha256());

    // A single model is not an ensemble.
    let single = dir.path().join("single.safetensors");
    let (file, _) = fit(&ds, spec(&ds, "logreg"), &train, &mut Silent).unwrap();
    file.save(&single).unwrap();
    assert!(!is_sisa_file(&single) && !is_sisa_file(&dir.path().join("absent")));
    let err = SisaModel::load(&single).unwrap_err().to_string();
    assert!(err.contains("not a SISA ensemble"), "{err}");

    // A tampered checkpoint is named and refused; so is a missing one.
    let ckpt = dir
        .path()
        .join("ens.safetensors.ckpt")
        .join(checkpoint_name(1, 0));
    let mut bytes = std::fs::read(&ckpt).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&ckpt, &bytes).unwrap();
    let err = SisaModel::load(&path).unwrap_err();
    assert!(matches!(err, SisaError::Checkpoint { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("shard-1-stage-0.safetensors") && msg.contains("altered"),
        "{msg}"
    );
    std::fs::remove_file(&ckpt).unwrap();
    let msg = SisaModel::load(&path).unwrap_err().to_string();
    assert!(
        msg.contains("shard-1-stage-0.safetensors") && msg.contains("missing"),
        "{msg}"
    );

    // Altered ensemble weights are refused too.
    model.save(&path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let msg = SisaModel::load(&path).unwrap_err().to_string();
    assert!(msg.contains("altered or corrupted"), "{msg}");
}

#[test]
fn mlp_ensemble_is_accurate() {
    let ds = digits();
    let train = train_config(12, 7);
    let sisa = SisaConfig {
        shards: 4,
        slices: 2,
        ..SisaConfig::default()
    };
    let (mut model, report) = SisaModel::train(&ds, spec(&ds, "mlp"), sisa, &train).unwrap();
    let mean = model.evaluate(&ds.test);
    model.set_aggregation(Aggregation::Vote);
    let vote = model.evaluate(&ds.test);
    eprintln!(
        "digits mlp S=4 R=2: mean-prob {:.4}, vote {:.4}, {} sample gradients in {:.2}s",
        mean.accuracy, vote.accuracy, report.sample_gradients, report.seconds
    );
    assert_eq!(report.shard_samples.iter().sum::<usize>(), ds.train.len());
    assert!(
        mean.accuracy >= 0.90,
        "mean-prob accuracy {}",
        mean.accuracy
    );
    assert!(vote.accuracy >= 0.88, "vote accuracy {}", vote.accuracy);
}
