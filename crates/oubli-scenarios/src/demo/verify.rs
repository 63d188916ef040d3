//! Verifying each of the tour's results: single networks by `oubli verify`'s audit against
//! the request's retrain oracle, the ensemble by SISA's exactness promise.

use super::{DemoParams, DemoRequest};
use crate::ScenarioError;
use oubli_audit::Auditor;
use oubli_data::Dataset;
use oubli_engine::{train, AnyModel, TrainPlan};
use oubli_model::file::ModelFile;
use oubli_verify::{Report, Verdict};

fn file(model: &AnyModel) -> &ModelFile {
    match model {
        AnyModel::Single(m) => &m.file,
        // The tour audits only the networks it trained itself, which are single.
        _ => unreachable!("the demo audits single networks only"),
    }
}

/// The audit's shared evidence for one request: `oracle` (the request's `retrain` result)
/// is given, so the audit trains only its shadows.
pub(super) fn prepare(
    original: &AnyModel,
    oracle: &AnyModel,
    data: &Dataset,
    request: &DemoRequest,
    params: &DemoParams,
    progress: &mut dyn FnMut(&str),
) -> Result<Auditor, ScenarioError> {
    Ok(Auditor::prepare(
        file(original),
        Some(file(oracle)),
        data,
        &request.selection,
        None,
        &params.audit,
        progress,
    )?)
}

/// Audits one unlearned network.
pub(super) fn audit(
    auditor: &Auditor,
    unlearned: &AnyModel,
    progress: &mut dyn FnMut(&str),
) -> Result<Report, ScenarioError> {
    Ok(auditor.audit(file(unlearned), None, progress)?)
}

/// How a single network was verified, in words.
pub(super) fn audit_description(params: &DemoParams, is_oracle: bool) -> String {
    let k = params.audit.shadows;
    let attacks = if k == 0 {
        "accuracy and shadow-free membership attacks (no LiRA shadows)".to_string()
    } else {
        format!("accuracy and membership attacks, LiRA and RMIA with {k} shadows")
    };
    let base = format!("`oubli verify` audit against the retrain oracle: {attacks}");
    if is_oracle {
        format!("{base}; this is the oracle itself, so it passes by construction (a check of the audit, not of the method)")
    } else {
        base
    }
}

/// The ensemble's verification.
pub(super) struct Exactness {
    pub verdict: Verdict,
    pub description: String,
    pub reasons: Vec<String>,
}

/// SISA promises the forgotten ensemble is bit-identical to one trained from scratch
/// without every sample it has removed: train that one and compare the hashes.
pub(super) fn sisa_exact(
    forgot: &AnyModel,
    data: &Dataset,
    plan: &TrainPlan,
) -> Result<Exactness, ScenarioError> {
    let lineage = forgot.lineage();
    let (scratch, _) = train(data, plan, &lineage.removed_ids, &mut oubli_model::Silent)?;
    let expected = scratch.lineage().weights_sha256;
    let same = expected == lineage.weights_sha256;
    let reason = if same {
        format!(
            "weights_sha256 {} equals that of an ensemble trained from scratch without the {} removed samples",
            short(&expected),
            lineage.removed_ids.len()
        )
    } else {
        format!(
            "weights_sha256 {} differs from {} of an ensemble trained from scratch without the {} removed samples",
            short(&lineage.weights_sha256),
            short(&expected),
            lineage.removed_ids.len()
        )
    };
    Ok(Exactness {
        verdict: if same {
            Verdict::Forgotten
        } else {
            Verdict::NotForgotten
        },
        description:
            "exactness: bit-identical to the ensemble retrained from scratch without the forget set"
                .into(),
        reasons: vec![reason],
    })
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}
