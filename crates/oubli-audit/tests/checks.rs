//! Inputs that cannot be audited are refused first, in words: models of
//! another dataset, input size, class count or architecture, and a
//! "retrained" oracle that was not trained on train − forget.

mod support;
use oubli_audit::{audit, check_compatible, AuditError};
use oubli_data::Selection;
use oubli_model::{Arch, TrainConfig};
use support::*;

fn quick() -> TrainConfig {
    TrainConfig {
        epochs: 2,
        ..digits_config()
    }
}

#[test]
fn models_that_differ_are_refused_with_the_difference_in_words() {
    let ds = digits();
    let original = original(&ds, quick());
    let message = |edit: &dyn Fn(&mut oubli_model::file::Lineage)| {
        let mut other = original.clone();
        edit(&mut other.lineage);
        let e = check_compatible(&original, &other, "unlearned").unwrap_err();
        assert!(matches!(e, AuditError::Incompatible { .. }), "{e:?}");
        e.to_string()
    };
    assert_eq!(
        message(&|l| l.dataset = "mnist".into()),
        "cannot audit: the unlearned model's dataset is mnist, the original's is digits"
    );
    assert_eq!(
        message(&|l| l.spec.input_shape = vec![1, 28, 28]),
        "cannot audit: the unlearned model's input size is 784 values (1×28×28), the original's is 64 values (1×8×8)"
    );
    assert_eq!(
        message(&|l| l.spec.num_classes = 2),
        "cannot audit: the unlearned model's number of classes is 2, the original's is 10"
    );
    let arch = message(&|l| l.spec.arch = Arch::Mlp { hidden: vec![64] });
    assert!(
        arch.contains("architecture is an MLP with hidden layer of 64"),
        "{arch}"
    );
    assert!(
        !arch.contains('{') && !arch.contains("Mlp"),
        "Rust Debug output: {arch}"
    );
    check_compatible(&original, &original, "retrained").unwrap();
}

#[test]
fn an_oracle_not_trained_on_train_minus_forget_is_refused_before_any_work() {
    let ds = digits();
    let original = original(&ds, quick());
    let selection = Selection {
        random_fraction: Some(0.1),
        random_seed: 5,
        ..Selection::default()
    };
    let unlearned = noop(&original, &ds, &selection);
    let mut stages = Vec::new();
    // The original itself passed as the oracle: it trained on the forget set.
    let e = audit(
        &original,
        &unlearned,
        Some(&original),
        &ds,
        &selection,
        None,
        &lean_config(),
        &mut |s| stages.push(s.to_string()),
    )
    .unwrap_err();
    assert!(matches!(e, AuditError::OracleMismatch { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("not trained on the original's training data minus the forget set")
            && text.contains("forget set included"),
        "{text}"
    );
    assert!(stages.is_empty(), "work started: {stages:?}");
    // A real retrain on train − forget is accepted.
    let exact = independent_retrain(&original, &ds, &selection, 9);
    let config = oubli_audit::AuditConfig {
        shadows: 0,
        relearn_max_steps: 10,
        ..lean_config()
    };
    audit(
        &original,
        &unlearned,
        Some(&exact),
        &ds,
        &selection,
        None,
        &config,
        &mut |_| {},
    )
    .unwrap();
}
