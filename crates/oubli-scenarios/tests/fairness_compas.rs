//! The fairness scenario on COMPAS (6,172 rows, 15 features: seconds): the logistic model
//! favours one sex in its predictions, and forgetting the samples the influence estimate
//! selects shrinks that demographic-parity gap, both by retraining without them and by a
//! certified removal on the certified model.

use oubli_data::{load, LoadOptions};
use oubli_engine::certified::CertifiedPlan;
use oubli_model::{ModelSpec, Silent, TrainConfig};
use oubli_scenarios::fairness::{run, FairnessPlan, Protected, CERTIFIED_ORACLE};

#[test]
fn forgetting_the_selected_samples_shrinks_the_parity_gap() {
    let ds = load("compas", &LoadOptions::default()).expect("compas is fetched (.ci/run)");
    let spec = ModelSpec::by_name("logreg", ds.shape.clone(), ds.num_classes).unwrap();
    let config = TrainConfig {
        epochs: 5,
        lr: 1e-2,
        seed: 1,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap();
    let sex = Protected::parse("compas", "sex").unwrap();
    let plan = FairnessPlan {
        spec,
        config,
        certified: CertifiedPlan {
            params: oubli_certified::CertifiedParams {
                sigma: 1.0,
                ..Default::default()
            },
            seed: 1,
            features: None,
        },
        methods: vec!["retrain".into(), "certified".into()],
        configs: Default::default(),
        target: sex.clone(),
        measured: vec![sex, Protected::parse("compas", "race").unwrap()],
        removals: vec![0.02],
        lambda: 1e-3,
        seed: 1,
    };
    let r = run(&ds, &plan, &mut Silent, &mut |_| {}).unwrap();
    assert_eq!(r.validation_samples + r.report_samples, ds.test.len());
    assert!(r.helpful_samples > 0);
    let before = r.before.gaps["sex"].demographic_parity;
    assert!(before > 0.05, "the model favours one sex: gap {before}");
    let p = &r.points[0];
    assert_eq!(p.removed, (0.02 * ds.train.len() as f64).round() as usize);
    assert!(p.predicted_soft_gap < r.soft_gap_before.abs());
    let retrain = &p.methods["retrain"];
    let gap = retrain.after.gaps["sex"].demographic_parity;
    assert!(gap < 0.75 * before, "retrain: {before} → {gap}");
    let cert_before = r.certified_before.as_ref().unwrap().gaps["sex"].demographic_parity;
    for name in ["certified", CERTIFIED_ORACLE] {
        let gap = p.methods[name].after.gaps["sex"].demographic_parity;
        assert!(gap < 0.75 * cert_before, "{name}: {cert_before} → {gap}");
    }
    // Certified removal lands next to its own retrain.
    let c = &p.methods["certified"];
    assert!(c.parity_gap_to_oracle.unwrap().abs() < 0.01, "{c:?}");
    assert!(c.accuracy_to_oracle.unwrap().abs() < 0.01, "{c:?}");
    assert!(r.findings.iter().any(|f| f.starts_with("retrain:")));
    let html = oubli_scenarios::fairness::render_html(&r);
    assert!(html.contains("<svg") && !html.contains("plot failed"));
}
