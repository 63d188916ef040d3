//! Creating a store with its first model: the dataset is copied into the store, and the
//! model is trained from the store's rows (never from the original files), registered and
//! activated.

use crate::WorkerError;
use oubli_engine::{train, TrainPlan, TrainReport};
use oubli_ledger::{NewModel, Store, StoreOptions};
use oubli_model::TrainObserver;
use serde_json::json;
use std::path::Path;

/// Creates the store in `dir` from `dataset` and trains its first model with `plan`.
pub fn init_store(
    dir: &Path,
    dataset: &oubli_data::Dataset,
    plan: &TrainPlan,
    options: StoreOptions,
    observer: &mut dyn TrainObserver,
) -> Result<(Store, TrainReport), WorkerError> {
    let store = Store::init(dir, dataset, options)?;
    let data = store.dataset()?;
    let (mut model, report) = train(&data, plan, &[], observer)?;
    let sha = model.lineage().weights_sha256;
    let name = format!("model-{}.safetensors", &sha[..16]);
    model.save(&store.models_dir().join(&name))?;
    let v = store.register_model(&NewModel {
        weights_hash: sha,
        parent: None,
        kind: model.kind().name().to_string(),
        method: Some(model.lineage().method),
        config: json!({"train": serde_json::to_value(&report).unwrap_or_default()}),
        path: format!("models/{name}"),
        covers_erasures: None,
    })?;
    store.activate(v.version)?;
    Ok((store, report))
}
