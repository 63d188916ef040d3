//! SISA versus monolithic training: accuracy, and the cost of deleting one sample and one
//! owner compared with a full retrain.
//!
//! ```text
//! cargo run --release -p oubli-sisa --example sisa_bench -- \
//!     --dataset mnist --model mlp --shards 5 --slices 1 --epochs 5 [--seed 0] [--lr 0.001] [--verify]
//! ```
//!
//! `--epochs` is used for the monolithic model and for every SISA stage. The full-retrain cost
//! is the monolithic training run (measured on all samples; a retrain on `n − 1` costs the
//! same within noise). `--verify` also retrains each SISA ensemble from scratch without the
//! deleted data and checks the hashes are equal (doubles the run time). Prints one line per
//! step and a final JSON summary.

use oubli_data::{load, LoadOptions, SampleId};
use oubli_model::{derive_seed, fit, ModelSpec, Silent, TrainConfig};
use oubli_sisa::{Aggregation, ShardBy, SisaConfig, SisaForgetReport, SisaModel};
use serde_json::json;
use std::collections::BTreeSet;

struct Args {
    dataset: String,
    model: String,
    shards: usize,
    slices: usize,
    epochs: usize,
    seed: u64,
    lr: f64,
    verify: bool,
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
    let n = ds.train.len();
    println!(
        "{} {}: {n} train, {} test; S={} R={} epochs={}",
        args.dataset,
        args.model,
        ds.test.len(),
        args.shards,
        args.slices,
        args.epochs
    );

    let (_, mono) = fit(&ds, spec.clone(), &train, &mut Silent)?;
    println!(
        "monolithic: test {:.4}, {:.1}s, {} sample gradients",
        mono.test_accuracy, mono.seconds, mono.sample_gradients
    );

    let mut summary = json!({
        "dataset": args.dataset, "model": args.model, "shards": args.shards, "slices": args.slices,
        "epochs": args.epochs, "seed": args.seed, "train_samples": n,
        "monolithic": { "test_accuracy": mono.test_accuracy, "seconds": mono.seconds, "sample_gradients": mono.sample_gradients },
    });
    for shard_by in [ShardBy::Id, ShardBy::Owner] {
        let sisa = SisaConfig {
            shards: args.shards,
            slices: args.slices,
            shard_by,
            aggregation: Aggregation::MeanProb,
        };
        let (mut model, trained) = SisaModel::train(&ds, spec.clone(), sisa.clone(), &train)?;
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
        });
        if args.verify {
            let mut rest = ds.clone();
            rest.exclude(&forget)?;
            let (scratch, _) = SisaModel::train(&rest, spec.clone(), sisa, &train)?;
            let exact = scratch.shard_weights_sha256() == model.shard_weights_sha256();
            println!("  exact (hashes equal to a from-scratch SISA run): {exact}");
            entry["exact"] = json!(exact);
        }
        summary[format!("sisa_by_{label}")] = entry;
    }
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
