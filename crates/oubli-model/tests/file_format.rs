//! Model files follow the safetensors format rules and PyTorch's names and layouts, so they
//! load into `torch.nn` modules; a corrupt or altered file is refused with a clear error.

use oubli_data::{load, LoadOptions};
use oubli_model::file::ModelFile;
use oubli_model::{fit, ModelSpec, Silent, TrainConfig};
use std::path::Path;

fn trained(arch: &str) -> ModelFile {
    let ds = load("digits", &LoadOptions::default()).unwrap();
    let spec = ModelSpec::by_name(arch, ds.shape.clone(), ds.num_classes).unwrap();
    let config = TrainConfig {
        epochs: 1,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    fit(&ds, spec, &config, &mut Silent).unwrap().0
}

/// Parses the header by the format's rules: u64 little-endian header length, then a JSON
/// object of name → {dtype, shape, data_offsets}, then the byte buffer.
fn header(bytes: &[u8]) -> serde_json::Map<String, serde_json::Value> {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let json: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    json.as_object().unwrap().clone()
}

#[test]
fn cnn_file_has_torch_names_shapes_and_offsets() {
    let model = trained("cnn");
    let bytes = model.to_bytes().unwrap();
    let h = header(&bytes);
    let expect = [
        ("conv1.weight", vec![16, 1, 5, 5]),
        ("conv1.bias", vec![16]),
        ("conv2.weight", vec![32, 16, 5, 5]),
        ("conv2.bias", vec![32]),
        ("fc1.weight", vec![128, 32 * 2 * 2]),
        ("fc1.bias", vec![128]),
        ("fc2.weight", vec![10, 128]),
        ("fc2.bias", vec![10]),
    ];
    let buffer = bytes.len() - 8 - u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut covered = 0;
    for (name, shape) in expect {
        let t = &h[name];
        assert_eq!(t["dtype"], "F32", "{name}");
        let got: Vec<usize> = t["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(got, shape, "{name}");
        let off = t["data_offsets"].as_array().unwrap();
        let len = off[1].as_u64().unwrap() - off[0].as_u64().unwrap();
        assert_eq!(len as usize, shape.iter().product::<usize>() * 4, "{name}");
        covered += len as usize;
    }
    assert_eq!(covered, buffer, "tensors cover the whole buffer");
    let meta = h["__metadata__"].as_object().unwrap();
    for key in [
        "format_version",
        "spec",
        "train_config",
        "dataset",
        "trained_ids_fingerprint",
        "parent_sha256",
        "method",
        "created_at",
        "weights_sha256",
    ] {
        assert!(meta.contains_key(key), "metadata lacks {key}");
    }
    assert_eq!(meta["weights_sha256"], model.params.sha256());
}

#[test]
fn round_trip_and_corruption_detection() {
    let model = trained("mlp");
    let dir = std::env::temp_dir().join(format!("oubli-file-test-{}", std::process::id()));
    let path = dir.join("m.safetensors");
    model.save(&path).unwrap();
    let back = ModelFile::load(&path).unwrap();
    assert_eq!(back, model);

    // Flip one weight byte: the hash over the tensors no longer matches.
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x40;
    let err = ModelFile::from_bytes(&bytes, Path::new("x.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not match recorded"), "{err}");
    // Truncated file.
    let err = ModelFile::from_bytes(&bytes[..bytes.len() / 2], Path::new("x.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("x.safetensors"), "{err}");
    // Metadata says mlp but tensors are a different width.
    let other = trained("logreg");
    let mut mixed = other.clone();
    mixed.lineage.spec = model.lineage.spec.clone();
    let bytes = mixed.to_bytes().unwrap();
    let err = ModelFile::from_bytes(&bytes, Path::new("y.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("tensors") || err.contains("missing tensor"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn csv_options_round_trip_and_files_without_them_still_load() {
    let mut model = trained("logreg");
    assert_eq!(
        model.lineage.dataset_options, None,
        "digits has no CSV options"
    );
    let bytes = model.to_bytes().unwrap();
    assert!(
        !String::from_utf8_lossy(&bytes).contains("dataset_options"),
        "nothing is recorded for a non-CSV dataset, as in older files"
    );
    let back = ModelFile::from_bytes(&bytes, Path::new("old.safetensors")).unwrap();
    assert_eq!(back.lineage.dataset_spec().csv, None);

    let options = oubli_data::CsvOptions {
        label: Some("outcome".into()),
        owner: Some("who".into()),
        groups: vec!["sex".into()],
        test_fraction: 0.3,
        ..oubli_data::CsvOptions::default()
    };
    model.lineage.dataset = "csv:people.csv".into();
    model.lineage.dataset_options = Some(options.clone());
    let bytes = model.to_bytes().unwrap();
    let back = ModelFile::from_bytes(&bytes, Path::new("m.safetensors")).unwrap();
    let spec = back.lineage.dataset_spec();
    assert_eq!(spec.name, "csv:people.csv");
    assert_eq!(spec.csv, Some(options));
}

#[test]
fn a_malformed_removed_ids_field_is_refused_as_corrupt() {
    let mut model = trained("logreg");
    model.lineage.extra.insert(
        oubli_model::file::REMOVED_IDS_KEY.into(),
        serde_json::json!("3,5"),
    );
    let bytes = model.to_bytes().unwrap();
    let err = ModelFile::from_bytes(&bytes, Path::new("m.safetensors")).unwrap_err();
    assert!(
        err.to_string().contains("is not a list of sample ids"),
        "read as no removals, deleted samples would come back: {err}"
    );
    model.lineage.extra.insert(
        oubli_model::file::REMOVED_IDS_KEY.into(),
        serde_json::json!([3, 5]),
    );
    let back = ModelFile::from_bytes(&model.to_bytes().unwrap(), Path::new("m.safetensors"));
    assert_eq!(back.unwrap().lineage.removed_ids(), vec![3, 5]);
}
