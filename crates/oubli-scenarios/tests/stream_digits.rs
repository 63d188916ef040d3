//! The user-stream scenario on the embedded digits, eight one-owner requests: the worker's
//! cadence is followed (approximate, then a retrain once k were answered approximately),
//! a retrain lands bit for bit on the oracle, SISA retrains one owner shard per request and
//! costs less than a retrain per request, approximate-only never retrains and spends the
//! least, and the certified model removes every owner within its budget.

use oubli_certified::CertifiedParams;
use oubli_data::{load, LoadOptions};
use oubli_engine::certified::CertifiedPlan;
use oubli_model::{ModelSpec, Silent, TrainConfig};
use oubli_scenarios::stream::{render_html, run, StreamPlan, StreamPolicy, StreamReport};
use oubli_sisa::{ShardBy, SisaConfig};
use oubli_worker::Policy;

const REQUESTS: usize = 8;
const K: usize = 3;

fn report() -> StreamReport {
    let ds = load("digits", &LoadOptions::default()).unwrap();
    let spec = ModelSpec::by_name("mlp", ds.shape.clone(), ds.num_classes).unwrap();
    let config = TrainConfig {
        epochs: 10,
        lr: 3e-3,
        seed: 1,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    let plan = StreamPlan {
        requests: REQUESTS,
        spec,
        config,
        sisa: SisaConfig {
            shards: 4,
            slices: 1,
            shard_by: ShardBy::Id, // the scenario shards by owner whatever this says
            ..SisaConfig::default()
        },
        certified: CertifiedPlan {
            params: CertifiedParams {
                sigma: 1.0,
                ..CertifiedParams::default()
            },
            seed: 1,
            features: None,
        },
        policy: Policy {
            retrain_every_requests: K,
            ..Policy::default()
        },
        policies: StreamPolicy::ALL.to_vec(),
        // Checkpoints 4 and 8: the requests at which approx+retrain retrains (k + 1 = 4).
        oracle_every: 4,
        seed: 3,
    };
    run(&ds, &plan, &mut Silent, &mut |_| {}).unwrap()
}

#[test]
fn every_policy_answers_the_stream_and_the_exact_ones_pay_what_they_should() {
    let r = report();
    assert_eq!(r.owners.len(), REQUESTS);
    assert_eq!(
        r.oracle.iter().map(|o| o.request).collect::<Vec<_>>(),
        [0, 4, 8]
    );
    let trace = |name: &str| r.policies.iter().find(|t| t.policy == name).unwrap();
    for t in &r.policies {
        assert!(t.failed.is_none(), "{}: {:?}", t.policy, t.failed);
        assert_eq!(t.steps.len(), REQUESTS, "{}", t.policy);
        assert!(t.steps.iter().all(|s| s.changed), "{}", t.policy);
        let cum: Vec<f64> = t.steps.iter().map(|s| s.cumulative_seconds).collect();
        assert!(cum.windows(2).all(|w| w[1] >= w[0]), "{}", t.policy);
    }

    // approx+retrain follows the worker's cadence: k approximate requests, then a retrain.
    let ar = trace("approx+retrain");
    let methods: Vec<&str> = ar.steps.iter().map(|s| s.method.as_str()).collect();
    let a = r.approximate_method.as_str();
    assert_eq!(methods, [a, a, a, "retrain", a, a, a, "retrain"]);
    // A retrain through the engine is the oracle itself, bit for bit, at both checkpoints.
    assert_eq!(ar.oracle_gaps.len(), 2);
    assert!(ar.oracle_gaps.iter().all(|g| g.identical && g.test == 0.0));
    assert_eq!(
        ar.step(8).unwrap().measured.forget_accuracy,
        r.oracle[2].measured.forget_accuracy
    );

    // approx-only never retrains and spends the least gradient work of the network policies.
    let ao = trace("approx-only");
    assert!(ao.steps.iter().all(|s| s.method == a));
    assert!(ao.total().1 < ar.total().1);
    assert!(!ao.oracle_gaps.iter().any(|g| g.identical));

    // SISA: one owner lives in one shard, so each request retrains exactly one, and the
    // stream costs less than a retrain per request (which it would be with 1 shard).
    let sisa = trace("sisa");
    assert!(sisa.steps.iter().all(
        |s| s.method == "sisa" && s.note.as_deref() == Some("1 shard(s), 1 stage(s) retrained")
    ));
    let per_request = *r
        .retrain_each_request
        .cumulative_sample_gradients
        .last()
        .unwrap();
    assert!(
        sisa.total().1 * 2 < per_request,
        "sisa {} vs a retrain per request {per_request}",
        sisa.total().1
    );

    // Certified: a Newton step per owner, no gradient training, no retrain needed.
    let cert = trace("certified");
    assert!(cert
        .steps
        .iter()
        .all(|s| s.method == "certified" && s.sample_gradients == 0 && s.note.is_none()));
    assert!(cert.step(8).unwrap().measured.test_accuracy > 0.85);

    // The deleted owners' accuracy is measured on the growing forget set.
    let last = &r.oracle[2];
    assert!(last.measured.forget_accuracy.is_some());
    assert!(last.measured.membership_auc.is_some());

    let html = render_html(&r);
    for needle in [
        "<svg",
        "Cumulative compute: seconds",
        "approx-only",
        "oracle (retrained, at checkpoints)",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(!html.contains("plot failed"));
}
