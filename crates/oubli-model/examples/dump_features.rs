//! Writes a trained network's penultimate-layer features of a dataset as raw little-endian
//! files, for benchmarks that run outside burn (the certified and ridge removal bench in
//! oubli-certified reads them with `features DIR`).
//!
//! ```text
//! oubli train --dataset mnist --model mlp --out /tmp/mlp.safetensors
//! cargo run --release --workspace --example dump_features -- mnist /tmp/mlp.safetensors /tmp/mnist-features
//! ```
//!
//! DIR gets `train.f32`, `train.u32`, `test.f32`, `test.u32` (features row-major, labels) and
//! `meta.txt` (`dim classes`).

use oubli_data::{load, LoadOptions, Split};
use oubli_model::file::ModelFile;
use oubli_model::Network;
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dataset, model, out] = args.as_slice() else {
        return Err("usage: dump_features DATASET MODEL_FILE OUT_DIR".into());
    };
    let ds = load(dataset, &LoadOptions::default())?;
    let file = ModelFile::load(Path::new(model))?;
    let net = Network::new(file.lineage.spec.clone())?;
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let write = |name: &str, split: &Split| -> std::io::Result<()> {
        let f = net.penultimate(&file.params, &split.features, split.len());
        let bytes: Vec<u8> = f.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(out.join(format!("{name}.f32")), bytes)?;
        let labels: Vec<u8> = split.labels.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(out.join(format!("{name}.u32")), labels)
    };
    write("train", &ds.train)?;
    write("test", &ds.test)?;
    let dim = net.penultimate_dim();
    std::fs::write(out.join("meta.txt"), format!("{dim} {}\n", ds.num_classes))?;
    println!(
        "{}: {} + {} rows of {dim} features in {}",
        ds.name,
        ds.train.len(),
        ds.test.len(),
        out.display()
    );
    Ok(())
}
