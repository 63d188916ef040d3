//! Whether two models can be compared at all, said in words before any
//! work is done: same dataset, same input size, same classes, same
//! architecture.

use oubli_engine::AnyModel;
use oubli_model::file::ModelFile;
use oubli_model::{Arch, ModelSpec};

use crate::AuditError;

/// The architecture in words, e.g. "an MLP with hidden layers of 256".
pub(crate) fn describe_arch(arch: &Arch) -> String {
    let list = |v: &[usize]| {
        v.iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match arch {
        Arch::Logreg => "a logistic regression".to_string(),
        Arch::Mlp { hidden } if hidden.is_empty() => "an MLP without hidden layers".to_string(),
        Arch::Mlp { hidden } => format!(
            "an MLP with hidden layer{} of {}",
            if hidden.len() == 1 { "" } else { "s" },
            list(hidden)
        ),
        Arch::Cnn { channels, hidden } => format!(
            "a CNN with {} and {} convolution channels and a hidden layer of {hidden}",
            channels[0], channels[1]
        ),
    }
}

/// The input shape in words, e.g. "64 values (1×8×8)".
fn describe_input(spec: &ModelSpec) -> String {
    let n: usize = spec.input_shape.iter().product();
    if spec.input_shape.len() <= 1 {
        format!("{n} values")
    } else {
        let dims: Vec<String> = spec.input_shape.iter().map(usize::to_string).collect();
        format!("{n} values ({})", dims.join("×"))
    }
}

/// Checks that `other` (the model in `role`: "unlearned" or "retrained")
/// can be audited against `original`: trained on the same dataset, with the
/// same input size, classes and architecture. The error names the first
/// difference in words.
pub fn check_compatible(
    original: &ModelFile,
    other: &ModelFile,
    role: &'static str,
) -> Result<(), AuditError> {
    let (o, m) = (&original.lineage, &other.lineage);
    check_specs(
        (o.dataset.as_str(), &o.spec),
        (m.dataset.as_str(), &m.spec),
        role,
    )
}

/// [`check_compatible`] for models of any kind: the same kind (a SISA ensemble is
/// audited against SISA retrains, a certified model against certified retrains), then
/// the same dataset, input size, classes and, for networks, architecture.
pub fn check_compatible_any(
    original: &AnyModel,
    other: &AnyModel,
    role: &'static str,
) -> Result<(), AuditError> {
    let differ = |what: &'static str, original: String, other: String| {
        Err(AuditError::Incompatible {
            role,
            what,
            original,
            other,
        })
    };
    let (ko, km) = (original.kind(), other.kind());
    if ko != km {
        return differ("kind", ko.article().into(), km.article().into());
    }
    match (original, other) {
        (AnyModel::Single(o), AnyModel::Single(m)) => check_specs(
            (o.file.lineage.dataset.as_str(), &o.file.lineage.spec),
            (m.file.lineage.dataset.as_str(), &m.file.lineage.spec),
            role,
        ),
        (AnyModel::Sisa(o), AnyModel::Sisa(m)) => {
            check_specs((o.dataset(), o.spec()), (m.dataset(), m.spec()), role)
        }
        _ => {
            if original.dataset() != other.dataset() {
                return differ("dataset", original.dataset().into(), other.dataset().into());
            }
            if original.input_dim() != other.input_dim() {
                let values = |n: usize| format!("{n} values");
                return differ(
                    "input size",
                    values(original.input_dim()),
                    values(other.input_dim()),
                );
            }
            if original.num_classes() != other.num_classes() {
                return differ(
                    "number of classes",
                    original.num_classes().to_string(),
                    other.num_classes().to_string(),
                );
            }
            Ok(())
        }
    }
}

/// [`check_compatible`] on (dataset name, spec) pairs.
pub(crate) fn check_specs(
    (o_dataset, o_spec): (&str, &ModelSpec),
    (m_dataset, m_spec): (&str, &ModelSpec),
    role: &'static str,
) -> Result<(), AuditError> {
    let differ = |what: &'static str, original: String, other: String| {
        Err(AuditError::Incompatible {
            role,
            what,
            original,
            other,
        })
    };
    if o_dataset != m_dataset {
        return differ("dataset", o_dataset.to_string(), m_dataset.to_string());
    }
    if o_spec.input_shape != m_spec.input_shape {
        return differ("input size", describe_input(o_spec), describe_input(m_spec));
    }
    if o_spec.num_classes != m_spec.num_classes {
        return differ(
            "number of classes",
            o_spec.num_classes.to_string(),
            m_spec.num_classes.to_string(),
        );
    }
    if o_spec.arch != m_spec.arch {
        return differ(
            "architecture",
            describe_arch(&o_spec.arch),
            describe_arch(&m_spec.arch),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_are_described_in_words() {
        assert_eq!(
            describe_arch(&Arch::Mlp { hidden: vec![256] }),
            "an MLP with hidden layer of 256"
        );
        assert_eq!(
            describe_arch(&Arch::Mlp {
                hidden: vec![128, 64]
            }),
            "an MLP with hidden layers of 128, 64"
        );
        assert_eq!(
            describe_arch(&Arch::Cnn {
                channels: [16, 32],
                hidden: 128
            }),
            "a CNN with 16 and 32 convolution channels and a hidden layer of 128"
        );
    }
}
