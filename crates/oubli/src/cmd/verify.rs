//! `oubli verify`: did the unlearned model forget? Attacks and divergences against the
//! retrain-from-scratch oracle, a verdict, and a report a person (HTML) and a machine
//! (JSON) can read.

use crate::args::{check_output_dir, read_toml, DatasetArgs, ForgetSpecArgs};
use crate::output::{json, pct};
use anyhow::Context;
use clap::Args;
use oubli_audit::{check_compatible_any, recorded_markers, AuditConfig, Auditor};
use oubli_bench::{summarise_attacks, AttackRecord, Stat};
use oubli_engine::AnyModel;
use oubli_verify::{Report, Verdict};
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `oubli verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The model before forgetting.
    #[arg(long)]
    pub original: PathBuf,
    /// The model after forgetting. Repeat it for several runs of a method (other seeds):
    /// each gets its own report in `OUT/run-N/`, and the summary gives mean ± std.
    #[arg(long, required = true)]
    pub unlearned: Vec<PathBuf>,
    /// The retrain-from-scratch oracle, if you have it.
    #[arg(long, conflicts_with = "retrain")]
    pub retrained: Option<PathBuf>,
    /// Train the oracle now (the default when --retrained is not given).
    #[arg(long)]
    pub retrain: bool,
    #[command(flatten)]
    pub spec: ForgetSpecArgs,
    #[command(flatten)]
    pub data: DatasetArgs,
    /// LiRA shadow models (0 skips LiRA).
    #[arg(long, default_value_t = 16)]
    pub shadows: usize,
    /// Extra retrains (other seeds) for the calibrated verdict: the unlearned model is judged
    /// against retrain-to-retrain variation. 0 skips it; otherwise at least 3, 5 or more
    /// recommended. Each costs one training run. Overrides the config file.
    #[arg(long)]
    pub calibration_oracles: Option<usize>,
    /// Reference trainings (shadows, calibration retrains) run side by side, one thread
    /// each; 0 = one per core (or RAYON_NUM_THREADS), 1 = one after the other. The report
    /// is the same for every value. Overrides the config file.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// N unlearned and N retrained runs for the NeurIPS-2023 ε score (needs --method).
    #[arg(long, default_value_t = 0)]
    pub challenge_runs: usize,
    /// The method to rerun for the ε score.
    #[arg(long)]
    pub method: Option<String>,
    /// Also run the data subjects' marker tests (Athena): the original must have been
    /// trained with `oubli train --markers`, and --forget-owners must name marked owners;
    /// each gets a p-value (small: the model still reacts to their marker).
    #[arg(long)]
    pub markers: bool,
    /// Audit config file (TOML, fields of AuditConfig); flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Seed of the audit's random choices.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Directory for report.json and report.html.
    #[arg(long, default_value = "oubli-report")]
    pub out: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `oubli verify`. Exit code 0 `forgotten`, 3 `not_forgotten`, 4 `inconclusive`.
pub fn run(a: VerifyArgs) -> anyhow::Result<i32> {
    check_output_dir(&a.out)?;
    // Any kind: a single network, a SISA ensemble or a certified model (the oracle and
    // the shadows are then trained as the same kind).
    let original =
        AnyModel::load(&a.original).with_context(|| format!("loading {}", a.original.display()))?;
    let unlearned: Vec<AnyModel> = a
        .unlearned
        .iter()
        .map(|p| AnyModel::load(p).with_context(|| format!("loading {}", p.display())))
        .collect::<Result<_, _>>()?;
    let retrained = a
        .retrained
        .as_ref()
        .map(|p| AnyModel::load(p).with_context(|| format!("loading {}", p.display())))
        .transpose()?;
    // Before any work: models that cannot be compared are refused in words.
    for (path, m) in a.unlearned.iter().zip(&unlearned) {
        check_compatible_any(&original, m, "unlearned")
            .with_context(|| format!("--unlearned {}", path.display()))?;
    }
    if let (Some(path), Some(m)) = (&a.retrained, &retrained) {
        check_compatible_any(&original, m, "retrained")
            .with_context(|| format!("--retrained {}", path.display()))?;
    }
    let dataset = a.data.load_recorded(&original.dataset_spec())?;
    let selection = a.spec.selection()?;
    let mut config: AuditConfig = match read_toml(&a.config)? {
        Some(v) => serde_json::from_value(v).context("audit config")?,
        None => AuditConfig::default(),
    };
    config.shadows = a.shadows;
    if let Some(n) = a.calibration_oracles {
        config.calibration_oracles = n;
    }
    if let Some(jobs) = a.jobs {
        config.jobs = jobs;
    }
    config.challenge_runs = a.challenge_runs;
    config.seed = a.seed;
    if a.challenge_runs > 0 && a.method.is_none() {
        anyhow::bail!("--challenge-runs needs --method (the method to rerun)");
    }
    let markers = if a.markers {
        if a.spec.forget_owners.is_none() {
            anyhow::bail!("--markers tests the owners of the request: give --forget-owners FILE");
        }
        if unlearned.len() > 1 {
            anyhow::bail!("--markers audits one --unlearned model at a time");
        }
        Some(recorded_markers(&original)?.with_context(|| {
            format!(
                "--markers: {} records no markers (train it with `oubli train --markers FRACTION_OF_OWNERS`)",
                a.original.display()
            )
        })?)
    } else {
        None
    };
    let verbose = crate::progress::logs_enabled();
    let mut progress = |msg: &str| {
        if verbose {
            eprintln!("verify: {msg}");
        }
    };
    let method = a.method.as_deref().map(|m| (m, None));
    let auditor = Auditor::prepare_any(
        &original,
        retrained.as_ref(),
        &dataset,
        &selection,
        method,
        &config,
        &mut progress,
    )?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    if unlearned.len() > 1 {
        return several(&a, &auditor, &unlearned, method, &mut progress);
    }
    let mut report = auditor.audit_any(&unlearned[0], method, &mut progress)?;
    if let Some(m) = &markers {
        auditor.add_marker_tests(&mut report, &unlearned[0], m)?;
    }
    report
        .write_to_dir(&a.out)
        .with_context(|| format!("writing the report to {}", a.out.display()))?;
    let html = a.out.join("report.html");
    let verdict = serde_json::to_value(report.verdict)?;
    if a.json {
        let attacks = attack_rows(&report);
        json(&json!({
            "verdict": verdict,
            "reasons": report.reasons,
            "avg_gap": report.avg_gap,
            "accuracies": report.accuracies,
            "attacks": attacks,
            "js_divergence_forget": report.js_divergence_forget,
            "js_divergence_test": report.js_divergence_test,
            "weight_l2": report.weight_l2,
            "relearn_steps": report.relearn_steps,
            "challenge": report.challenge.as_ref().map(|c| json!({"forgetting_quality": c.forgetting_quality, "score": c.score})),
            "owner_tests": report.owner_tests,
            "markers": report.markers,
            "calibration": report.calibration.as_ref().map(|c| json!({
                "verdict": c.verdict,
                "oracles": c.oracles,
                "retrain_pass_rate": c.retrain_pass_rate,
                "noop_fail_rate": c.noop_fail_rate,
                "reasons": c.reasons,
            })),
            "report_html": html.display().to_string(),
            "report_json": a.out.join("report.json").display().to_string(),
        }))?;
    } else {
        println!("verdict: {}", verdict.as_str().unwrap_or("?"));
        for r in &report.reasons {
            println!("  - {r}");
        }
        let acc = &report.accuracies;
        println!("\n             original  unlearned  retrained");
        println!(
            "  forget   {:>10} {:>10} {:>10}",
            pct(acc.original.forget),
            pct(acc.unlearned.forget),
            pct(acc.retrained.forget)
        );
        println!(
            "  retain   {:>10} {:>10} {:>10}",
            pct(acc.original.retain),
            pct(acc.unlearned.retain),
            pct(acc.retrained.retain)
        );
        println!(
            "  test     {:>10} {:>10} {:>10}",
            pct(acc.original.test),
            pct(acc.unlearned.test),
            pct(acc.retrained.test)
        );
        println!(
            "  average gap to the oracle: {:.2} points",
            report.avg_gap * 100.0
        );
        println!(
            "\n  attack (on the unlearned model)      accuracy    AUC   TPR@1%FPR  TPR@0.1%FPR"
        );
        for r in &report.attacks.unlearned {
            println!(
                "  {:<34} {:>9.3} {:>6.3} {:>10.3} {:>12.3}",
                r.name, r.accuracy, r.auc, r.tpr_at_1pct_fpr, r.tpr_at_0_1pct_fpr
            );
        }
        if let Some(m) = &report.markers {
            println!(
                "\n  marker tests (α = {}): owner, hits of the trigger, p-value, verdict",
                m.alpha
            );
            for o in &m.owners {
                println!(
                    "  {:<10} {:>3}/{:<3} p = {:<9.3e} {}",
                    o.owner,
                    o.unlearned.counts.hits,
                    o.unlearned.counts.queries,
                    o.unlearned.p_value,
                    o.verdict
                );
            }
        }
        println!("\nreport: {} (and report.json)", html.display());
    }
    Ok(exit_code(report.verdict))
}

/// The exit code of a verdict: 0 `forgotten`, 3 `not_forgotten`, 4 `inconclusive`.
fn exit_code(v: Verdict) -> i32 {
    match v {
        Verdict::Forgotten => 0,
        Verdict::NotForgotten => 3,
        Verdict::Inconclusive => 4,
    }
}

/// The attacks of one report's unlearned model, as `--json` prints them.
fn attack_rows(report: &Report) -> Vec<serde_json::Value> {
    report
        .attacks
        .unlearned
        .iter()
        .map(|r| json!({"name": r.name, "accuracy": r.accuracy, "auc": r.auc, "tpr_at_1pct_fpr": r.tpr_at_1pct_fpr, "tpr_at_0_1pct_fpr": r.tpr_at_0_1pct_fpr}))
        .collect()
}

/// Several unlearned runs against the same evidence: one report each in `OUT/run-N/`,
/// mean ± std of the numbers, and the overall verdict: `not_forgotten` if any run is,
/// else `inconclusive` if any run is, else `forgotten`.
fn several(
    a: &VerifyArgs,
    auditor: &Auditor,
    unlearned: &[AnyModel],
    method: Option<(&str, Option<&serde_json::Value>)>,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<i32> {
    let mut reports = Vec::new();
    for (i, model) in unlearned.iter().enumerate() {
        progress(&format!("run {}/{}", i + 1, unlearned.len()));
        let report = auditor.audit_any(model, method, progress)?;
        let dir = a.out.join(format!("run-{}", i + 1));
        std::fs::create_dir_all(&dir)?;
        report
            .write_to_dir(&dir)
            .with_context(|| format!("writing the report to {}", dir.display()))?;
        reports.push((dir, report));
    }
    let verdicts: Vec<Verdict> = reports.iter().map(|(_, r)| r.verdict).collect();
    let overall = [Verdict::NotForgotten, Verdict::Inconclusive]
        .into_iter()
        .find(|v| verdicts.contains(v))
        .unwrap_or(Verdict::Forgotten);
    let stat =
        |f: &dyn Fn(&Report) -> Option<f64>| Stat::of_present(reports.iter().map(|(_, r)| f(r)));
    let attack_runs: Vec<Vec<AttackRecord>> = reports
        .iter()
        .map(|(_, r)| r.attacks.unlearned.iter().map(AttackRecord::from).collect())
        .collect();
    let attacks = summarise_attacks(&attack_runs.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let summary = json!({
        "verdict": overall,
        "verdicts": verdicts,
        "runs": reports.len(),
        "avg_gap": stat(&|r| Some(r.avg_gap)),
        "forget_accuracy": stat(&|r| Some(r.accuracies.unlearned.forget)),
        "retain_accuracy": stat(&|r| Some(r.accuracies.unlearned.retain)),
        "test_accuracy": stat(&|r| Some(r.accuracies.unlearned.test)),
        "attacks": attacks,
        "js_divergence_forget": stat(&|r| r.js_divergence_forget),
        "js_divergence_test": stat(&|r| r.js_divergence_test),
        "reports": reports.iter().map(|(d, _)| d.join("report.html").display().to_string()).collect::<Vec<_>>(),
    });
    std::fs::write(
        a.out.join("summary.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    if a.json {
        json(&summary)?;
    } else {
        println!("verdict over {} runs: {overall}", reports.len());
        for (i, (dir, r)) in reports.iter().enumerate() {
            println!(
                "  run {}: {} (average gap {:.2} points) {}",
                i + 1,
                r.verdict,
                r.avg_gap * 100.0,
                dir.join("report.html").display()
            );
        }
        println!("summary: {}", a.out.join("summary.json").display());
    }
    Ok(exit_code(overall))
}
