//! Configs of the fine-tuning / knowledge-editing family: defaults are valid, every field is
//! checked by name, unknown fields are refused, and every default is listed by `oubli methods`.

use oubli_forget::methods::{grad_ascent, l1_sparse, neggrad_plus, random_label, salun};
use oubli_forget::{find, ForgetError, MethodConfig};
use serde_json::json;

/// The field an invalid config is rejected for.
fn rejected<C: MethodConfig>(value: serde_json::Value) -> &'static str {
    let config: C = serde_json::from_value(value).expect("parses");
    match config.validate() {
        Err(ForgetError::InvalidConfig { field, .. }) => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

#[test]
fn defaults_are_valid_and_listed() {
    grad_ascent::GradAscentConfig::default().validate().unwrap();
    neggrad_plus::NegGradPlusConfig::default()
        .validate()
        .unwrap();
    random_label::RandomLabelConfig::default()
        .validate()
        .unwrap();
    l1_sparse::L1SparseConfig::default().validate().unwrap();
    salun::SalunConfig::default().validate().unwrap();
    for name in [
        "grad-ascent",
        "neggrad-plus",
        "random-label",
        "l1-sparse",
        "salun",
    ] {
        let info = find(name).unwrap().info();
        assert_eq!(info.family, "fine-tuning");
        let defaults = info.defaults.as_object().unwrap();
        assert_eq!(defaults["collapse_budget"], json!(0.03), "{name}");
        assert_eq!(defaults["stop_at_target"], json!(true), "{name}");
    }
}

#[test]
fn each_invalid_field_is_named() {
    assert_eq!(
        rejected::<grad_ascent::GradAscentConfig>(json!({"epochs": 0})),
        "epochs"
    );
    assert_eq!(
        rejected::<grad_ascent::GradAscentConfig>(json!({"lr": -1.0})),
        "lr"
    );
    assert_eq!(
        rejected::<neggrad_plus::NegGradPlusConfig>(json!({"alpha": 1.5})),
        "alpha"
    );
    assert_eq!(
        rejected::<neggrad_plus::NegGradPlusConfig>(json!({"retain_fraction": 0.0})),
        "retain_fraction"
    );
    assert_eq!(
        rejected::<random_label::RandomLabelConfig>(json!({"forget_weight": -1.0})),
        "forget_weight"
    );
    assert_eq!(
        rejected::<random_label::RandomLabelConfig>(json!({"batch_size": 0})),
        "batch_size"
    );
    assert_eq!(
        rejected::<l1_sparse::L1SparseConfig>(json!({"gamma": -0.1})),
        "gamma"
    );
    assert_eq!(
        rejected::<l1_sparse::L1SparseConfig>(json!({"collapse_budget": 1.5})),
        "collapse_budget"
    );
    assert_eq!(
        rejected::<salun::SalunConfig>(json!({"saliency_fraction": 0.0})),
        "saliency_fraction"
    );
    assert_eq!(rejected::<salun::SalunConfig>(json!({"lr": 0.0})), "lr");
}

#[test]
fn unknown_fields_are_refused() {
    let bad = serde_json::from_value::<salun::SalunConfig>(json!({"saliency": 0.5}));
    assert!(bad.is_err());
    let bad = serde_json::from_value::<neggrad_plus::NegGradPlusConfig>(json!({"beta": 0.5}));
    assert!(bad.is_err());
}
