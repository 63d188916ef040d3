//! Exactness of SISA deletion on `digits`: the unlearned ensemble is bit-identical to one
//! trained from scratch without the forgotten samples.

mod support;
use oubli_sisa::assign::{shard_of, slice_of};
use oubli_sisa::{ShardBy, ShardRetrain, SisaConfig, SisaError, SisaModel};
use support::*;

#[test]
fn forgetting_ids_is_exact_uses_checkpoints_and_composes() {
    let ds = digits();
    let (seed, arch) = (11, "logreg");
    let train = train_config(2, seed);
    let sisa = SisaConfig {
        shards: 4,
        slices: 3,
        ..SisaConfig::default()
    };
    let (mut model, _) = SisaModel::train(&ds, spec(&ds, arch), sisa.clone(), &train).unwrap();
    let before = model.clone();

    // Request A: shard 0 only in its last slice; shard 1 in slices 0 and 1.
    let mut a = ids_in(&ds, &sisa, seed, 0, 2, 1, &[]);
    a.extend(ids_in(&ds, &sisa, seed, 1, 0, 1, &[]));
    a.extend(ids_in(&ds, &sisa, seed, 1, 1, 2, &[]));
    let report = model.forget(&ds.train, &a).unwrap();
    assert_eq!(report.forgotten, 4);
    assert_eq!((report.shards_retrained, report.slices_retrained), (2, 4));
    assert!(report.slices_retrained < sisa.slices * report.shards_retrained);
    let shards: Vec<(usize, usize, usize, usize)> = report
        .retrained
        .iter()
        .map(|r: &ShardRetrain| (r.shard, r.from_stage, r.stages, r.forgotten))
        .collect();
    assert_eq!(shards, vec![(0, 2, 1, 1), (1, 0, 3, 3)]);
    assert_eq!(
        report.full_retrain_sample_gradients,
        2 * (ds.train.len() as u64 - 4)
    );
    assert!(report.sample_gradients < report.whole_shard_retrain_sample_gradients);
    assert!(report.speedup_vs_full_retrain > 1.0 && report.speedup_vs_whole_shard_retrain > 1.0);

    // Unaffected shards untouched; shard 0 restarted from its stage-1 checkpoint.
    let (old, new) = (before.shard_weights_sha256(), model.shard_weights_sha256());
    assert_eq!(old[2..], new[2..], "unaffected shards changed");
    assert!(
        old[0] != new[0] && old[1] != new[1],
        "affected shards unchanged"
    );
    assert_eq!(
        model.shards()[0].stages[..2],
        before.shards()[0].stages[..2]
    );
    assert_ne!(model.shards()[0].stages[2], before.shards()[0].stages[2]);

    assert_eq!(
        new,
        scratch_hashes(&ds, &a, arch, &sisa, &train),
        "A: not exact"
    );
    assert_eq!(model.removed_ids().len(), 4);
    assert_eq!(model.lineage().parent_sha256, Some(before.weights_sha256()));

    // Request B, sequential: from the unlearned ensemble and the data without A.
    let mut without_a = ds.clone();
    without_a.exclude(&a).unwrap();
    let mut b = ids_in(&ds, &sisa, seed, 2, 1, 1, &[]);
    b.extend(ids_in(&ds, &sisa, seed, 0, 0, 1, &a));
    let report = model.forget(&without_a.train, &b).unwrap();
    assert_eq!(report.shards_retrained, 2);
    let both: Vec<u64> = a.iter().chain(&b).copied().collect();
    assert_eq!(
        model.shard_weights_sha256(),
        scratch_hashes(&ds, &both, arch, &sisa, &train),
        "A then B: not exact"
    );
    assert_eq!(model.shard_weights_sha256()[3], old[3]);

    // Requests that would break exactness are refused.
    let mut now = without_a.clone();
    now.exclude(&b).unwrap();
    let err = model.forget(&ds.train, &[now.train.ids[0]]).unwrap_err();
    assert!(matches!(err, SisaError::DataChanged { .. }), "{err}");
    let err = model.forget(&now.train, &[a[0]]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "sample id {} was already forgotten by an earlier request",
            a[0]
        )
    );
    let err = model.forget(&now.train, &[9_999_999]).unwrap_err();
    assert!(
        err.to_string().contains("unknown sample id 9999999"),
        "{err}"
    );
    assert!(matches!(
        model.forget(&now.train, &[]),
        Err(SisaError::EmptyForgetSet)
    ));
}

#[test]
fn forgetting_an_owner_retrains_one_shard_exactly() {
    let ds = digits();
    let (seed, arch) = (5, "logreg");
    let train = train_config(2, seed);
    let sisa = SisaConfig {
        shards: 4,
        slices: 2,
        shard_by: ShardBy::Owner,
        ..SisaConfig::default()
    };
    let (mut model, _) = SisaModel::train(&ds, spec(&ds, arch), sisa.clone(), &train).unwrap();
    let before = model.shard_weights_sha256();

    let owner = ds.train.owners[0]
        .clone()
        .expect("digits samples have owners");
    let ids: Vec<u64> = (0..ds.train.len())
        .filter(|&i| ds.train.owners[i] == Some(owner.clone()))
        .map(|i| ds.train.ids[i])
        .collect();
    assert!(ids.len() > 1, "owner {owner} has {} samples", ids.len());
    let report = model.forget(&ds.train, &ids).unwrap();
    assert_eq!(report.shards_retrained, 1, "{report:?}");
    let shard = shard_of(seed, ShardBy::Owner, ids[0], Some(&owner), sisa.shards);
    assert_eq!(report.retrained[0].shard, shard);
    assert_eq!(report.retrained[0].forgotten, ids.len());
    let after = model.shard_weights_sha256();
    for s in 0..sisa.shards {
        assert_eq!(before[s] == after[s], s != shard, "shard {s}");
    }
    assert_eq!(
        after,
        scratch_hashes(&ds, &ids, arch, &sisa, &train),
        "owner deletion not exact"
    );
}

#[test]
fn an_owner_sliced_ensemble_restarts_at_the_owners_slice_exactly() {
    let ds = digits();
    let (seed, arch) = (5, "logreg");
    let train = train_config(1, seed);
    let sisa = SisaConfig {
        shards: 3,
        slices: 4,
        shard_by: ShardBy::Owner,
        slice_by: ShardBy::Owner,
        ..SisaConfig::default()
    };
    // An owner in the last slice: sliced by id, their samples would reach back to slice 0.
    let owner = ds
        .train
        .owners
        .iter()
        .flatten()
        .find(|o| slice_of(seed, ShardBy::Owner, 0, Some(o), sisa.slices) == 3)
        .expect("an owner in the last slice")
        .clone();
    let ids: Vec<u64> = (0..ds.train.len())
        .filter(|&i| ds.train.owners[i].as_deref() == Some(&owner))
        .map(|i| ds.train.ids[i])
        .collect();
    assert!(ids.len() > 1, "owner {owner} has {} samples", ids.len());
    let (mut model, _) = SisaModel::train(&ds, spec(&ds, arch), sisa.clone(), &train).unwrap();
    let report = model.forget(&ds.train, &ids).unwrap();
    assert_eq!(report.shards_retrained, 1, "{report:?}");
    assert_eq!(report.retrained[0].from_stage, 3, "{report:?}");
    assert_eq!(report.slices_retrained, 1, "{report:?}");
    assert_eq!(
        model.shard_weights_sha256(),
        scratch_hashes(&ds, &ids, arch, &sisa, &train),
        "owner-sliced deletion not exact"
    );
}
