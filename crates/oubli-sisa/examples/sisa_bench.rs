//! SISA versus monolithic training: accuracy, and the cost of deleting one sample and one
//! owner compared with a full retrain.
//!
//! ```text
//! cargo run --release -p oubli-sisa --example sisa_bench -- \
//!     --dataset mnist --model mlp --shards 5 --slices 1 --epochs 5 [--seed 0] [--lr 0.001] [--verify]
//!     [--stage-epochs E] [--stage-lr X] [--slice-by id|owner] [--json-out FILE]
//! ```
//!
//! `--epochs` and `--lr` are the monolithic model's and, unless `--stage-epochs` /
//! `--stage-lr` say otherwise, every SISA stage's: a constituent sees 1/S of the data, so
//! it may want more epochs or a larger step than the whole-data model. `--slice-by owner`
//! keeps each owner in one slice (for the owner-sharded ensemble).
//!
//! Besides one measured deletion per ensemble, the expected cost of a request is computed
//! from the layout, exactly as `SisaModel::forget` spends it (stage sizes × stage epochs
//! from the earliest affected stage on): over every single sample, over every owner, and
//! for batches of B random samples arriving in one window (one retrain per affected
//! shard; 200 seeded draws), each against one full retrain of the monolithic model. The full-retrain cost
//! is the monolithic training run (measured on all samples; a retrain on `n − 1` costs the
//! same within noise). `--verify` also retrains each SISA ensemble from scratch without the
//! deleted data and checks the hashes are equal (doubles the run time). Prints one line per
//! step and a final JSON summary.

use oubli_data::{load, LoadOptions, SampleId};
use oubli_model::{derive_seed, fit, ModelSpec, Silent, TrainConfig};
use oubli_sisa::{Aggregation, ShardBy, SisaConfig, SisaForgetReport, SisaModel};
use serde_json::json;
use std::collections::BTreeSet;

#[path = "sisa_bench/expected.rs"]
mod expected;

struct Args {
    dataset: String,
    model: String,
    shards: usize,
    slices: usize,
    epochs: usize,
    seed: u64,
    lr: f64,
    verify: bool,
    stage_epochs: Option<usize>,
    stage_lr: Option<f64>,
    slice_by: ShardBy,
    json_out: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        dataset: "mnist".into(),
        model: "mlp".into(),
        shards: 5,
        slices: 1,
        epochs: 5,
        seed: 0,
        lr: 1e-3,
        verify: false,
        stage_epochs: None,
        stage_lr: None,
        slice_by: ShardBy::Id,
        json_out: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--verify" {
            a.verify = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--dataset" => a.dataset = value,
            "--model" => a.model = value,
            "--shards" => a.shards = num(&value)? as usize,
            "--slices" => a.slices = num(&value)? as usize,
            "--epochs" => a.epochs = num(&value)? as usize,
            "--seed" => a.seed = num(&value)?,
            "--stage-epochs" => a.stage_epochs = Some(num(&value)? as usize),
            "--stage-lr" => {
                a.stage_lr = Some(
                    value
                        .parse()
                        .map_err(|_| format!("--stage-lr: not a number: {value}"))?,
                )
            }
            "--slice-by" => {
                a.slice_by = match value.as_str() {
                    "id" => ShardBy::Id,
                    "owner" => ShardBy::Owner,
                    v => return Err(format!("--slice-by: id or owner, not {v}")),
                }
            }
            "--json-out" => a.json_out = Some(value),
            "--lr" => {
                a.lr = value
                    .parse()
                    .map_err(|_| format!("--lr: not a number: {value}"))?
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(a)
}

fn forget_json(r: &SisaForgetReport, full_seconds: f64) -> serde_json::Value {
    json!({
        "forgotten": r.forgotten,
        "seconds": r.seconds,
        "sample_gradients": r.sample_gradients,
        "shards_retrained": r.shards_retrained,
        "slices_retrained": r.slices_retrained,
        "full_retrain_seconds": full_seconds,
        "full_retrain_sample_gradients": r.full_retrain_sample_gradients,
        "whole_shard_retrain_sample_gradients": r.whole_shard_retrain_sample_gradients,
        "speedup_vs_full_retrain_sample_gradients": r.speedup_vs_full_retrain,
        "speedup_vs_full_retrain_seconds": full_seconds / r.seconds,
        "speedup_vs_whole_shard_retrain": r.speedup_vs_whole_shard_retrain,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse().map_err(|e| format!("{e}\nusage: sisa_bench --dataset D --model M --shards S --slices R --epochs E [--seed N] [--lr X] [--verify]"))?;
    let ds = load(&args.dataset, &LoadOptions::default())?;
    let spec = ModelSpec::by_name(&args.model, ds.shape.clone(), ds.num_classes)?;
    let train = TrainConfig {
        epochs: args.epochs,
        seed: args.seed,
        lr: args.lr,
        ..TrainConfig::default()
    }
    .validate()?;
    let stage = TrainConfig {
        epochs: args.stage_epochs.unwrap_or(args.epochs),
        seed: args.seed,
        lr: args.stage_lr.unwrap_or(args.lr),
        ..TrainConfig::default()
    }
    .validate()?;
    let n = ds.train.len();
    println!(
        "{} {}: {n} train, {} test; S={} R={} epochs={} (stages: {} at lr {})",
        args.dataset,
        args.model,
        ds.test.len(),
        args.shards,
        args.slices,
        args.epochs,
        stage.epochs,
        stage.lr
    );

    let (_, mono) = fit(&ds, spec.clone(), &train, &mut Silent)?;
    println!(
        "monolithic: test {:.4}, {:.1}s, {} sample gradients",
        mono.test_accuracy, mono.seconds, mono.sample_gradients
    );

    let mut summary = json!({
        "dataset": args.dataset, "model": args.model, "shards": args.shards, "slices": args.slices,
        "epochs": args.epochs, "seed": args.seed, "train_samples": n,
        "stage_epochs": stage.epochs, "stage_lr": stage.lr, "lr": args.lr,
        "owner_slice_by": args.slice_by,
        "monolithic": { "test_accuracy": mono.test_accuracy, "seconds": mono.seconds, "sample_gradients": mono.sample_gradients },
    });
    for shard_by in [ShardBy::Id, ShardBy::Owner] {
        let sisa = SisaConfig {
            shards: args.shards,
            slices: args.slices,
            shard_by,
            slice_by: if shard_by == ShardBy::Owner {
                args.slice_by
            } else {
                ShardBy::Id
            },
            aggregation: Aggregation::MeanProb,
        };
        let (mut model, trained) = SisaModel::train(&ds, spec.clone(), sisa.clone(), &stage)?;
        let costs = expected::Costs::new(&ds.train, args.seed, &sisa, stage.epochs);
        let full = mono.sample_gradients as f64;
        let batches: Vec<serde_json::Value> = [1usize, 10, 100, 1000]
            .iter()
            .map(|&b| json!({"batch": b, "speedup": full / costs.batch(b, args.seed)}))
            .collect();
        let expected = json!({
            "single_sample_speedup": full / costs.single_sample(),
            "owner_speedup": costs.per_owner(&ds.train).map(|c| full / c),
            "batch_speedup": batches,
        });
        println!("  expected speed-up (sample gradients, from the layout): {expected}");
        let mean = model.evaluate(&ds.test).accuracy;
        model.set_aggregation(Aggregation::Vote);
        let vote = model.evaluate(&ds.test).accuracy;
        model.set_aggregation(Aggregation::MeanProb);
        let label = match shard_by {
            ShardBy::Id => "id",
            ShardBy::Owner => "owner",
        };
        println!(
            "sisa (shard by {label}): test {mean:.4} mean-prob, {vote:.4} vote; trained in {:.1}s, {} sample gradients, shards {:?}",
            trained.seconds, trained.sample_gradients, trained.shard_samples
        );
        // The deletion request: one seeded random sample, or every sample of one seeded
        // random owner.
        let pick = derive_seed(args.seed, "sisa-bench", 0);
        let forget: Vec<SampleId> = match shard_by {
            ShardBy::Id => vec![ds.train.ids[(pick % n as u64) as usize]],
            ShardBy::Owner => {
                let owners: Vec<&String> = ds
                    .train
                    .owners
                    .iter()
                    .flatten()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                if owners.is_empty() {
                    println!(
                        "  no owners in {}: skipping the owner deletion",
                        args.dataset
                    );
                    continue;
                }
                let owner = owners[(pick % owners.len() as u64) as usize].clone();
                (0..n)
                    .filter(|&i| ds.train.owners[i].as_ref() == Some(&owner))
                    .map(|i| ds.train.ids[i])
                    .collect()
            }
        };
        let report = model.forget(&ds.train, &forget)?;
        let after = model.evaluate(&ds.test).accuracy;
        println!(
            "  delete {} sample(s): {:.2}s, {} sample gradients, {} shard(s) / {} stage(s) retrained; full retrain {:.1}s, {} sample gradients: {:.1}x fewer gradients, {:.1}x faster; test after {after:.4}",
            report.forgotten, report.seconds, report.sample_gradients, report.shards_retrained, report.slices_retrained,
            mono.seconds, report.full_retrain_sample_gradients, report.speedup_vs_full_retrain, mono.seconds / report.seconds
        );
        let mut entry = json!({
            "test_accuracy_mean_prob": mean, "test_accuracy_vote": vote,
            "train_seconds": trained.seconds, "train_sample_gradients": trained.sample_gradients,
            "shard_samples": trained.shard_samples, "test_accuracy_after_delete": after,
            "delete": forget_json(&report, mono.seconds),
            "expected": expected,
        });
        if args.verify {
            let mut rest = ds.clone();
            rest.exclude(&forget)?;
            let (scratch, _) = SisaModel::train(&rest, spec.clone(), sisa, &stage)?;
            let exact = scratch.shard_weights_sha256() == model.shard_weights_sha256();
            println!("  exact (hashes equal to a from-scratch SISA run): {exact}");
            entry["exact"] = json!(exact);
        }
        summary[format!("sisa_by_{label}")] = entry;
    }
    println!("{}", serde_json::to_string_pretty(&summary)?);
    if let Some(path) = args.json_out {
        std::fs::write(path, serde_json::to_string_pretty(&summary)?)?;
    }
    Ok(())
}
