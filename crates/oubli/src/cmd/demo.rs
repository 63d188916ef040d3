//! `oubli demo`: the tour on the embedded digits set (oubli_scenarios::demo): plain and
//! SISA models, an owner, a class and poisoned samples forgotten with `retrain`, `sisa` and
//! two approximate methods, each verified; a table here and a linked report on disk.

use crate::args::check_output_dir;
use crate::output::{json, pct};
use crate::progress::Bar;
use clap::Args;
use oubli_data::{load, LoadOptions};
use oubli_scenarios::demo::{self, DemoParams, DemoReport, RequestKind};
use std::path::PathBuf;

/// Arguments of `oubli demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Seed for training, the methods and the audits.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The approximate methods run beside `retrain` and `sisa`, comma-separated
    /// (`oubli methods`).
    #[arg(long, value_delimiter = ',', default_values_t = demo::DEFAULT_APPROXIMATE.map(String::from))]
    pub methods: Vec<String>,
    /// Cheaper audits (no LiRA shadows): verdicts from accuracy and the shadow-free attacks.
    #[arg(long, conflicts_with = "shadows")]
    pub quick: bool,
    /// LiRA shadow models of each request's audit (default: the tour's).
    #[arg(long)]
    pub shadows: Option<usize>,
    /// Directory for report.html, report.json and each audit's report.
    #[arg(long, default_value = "demo-report")]
    pub out: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs the demo.
pub fn run(a: DemoArgs) -> anyhow::Result<i32> {
    check_output_dir(&a.out)?;
    for m in &a.methods {
        if m == "retrain" || m == oubli_sisa::METHOD_FORGET {
            anyhow::bail!("--methods: `{m}` always runs; name approximate methods only");
        }
        if !oubli_engine::method_exists(m) {
            anyhow::bail!("--methods: unknown method `{m}` (see `oubli methods`)");
        }
    }
    let mut params = if a.quick {
        DemoParams::quick(a.seed)
    } else {
        DemoParams::full(a.seed)
    };
    params.approximate = a.methods.clone();
    if let Some(k) = a.shadows {
        params.audit.shadows = k;
    }
    let dataset = load("digits", &LoadOptions::default())?;
    let verbose = crate::progress::logs_enabled();
    let mut progress = |m: &str| {
        if verbose {
            eprintln!("demo: {m}");
        }
    };
    let mut bar = Bar::new("train");
    let report = demo::run(&dataset, &params, &mut bar, &mut progress)?;
    drop(bar);
    demo::write_report(&report, &a.out)
        .map_err(|e| anyhow::anyhow!("writing the report to {}: {e}", a.out.display()))?;
    let html = a.out.join("report.html");
    if a.json {
        let mut v = serde_json::to_value(&report)?;
        v["report_html"] = html.display().to_string().into();
        json(&v)?;
        return Ok(0);
    }
    print_table(&report);
    println!("\nreport: {}", html.display());
    Ok(0)
}

fn print_table(r: &DemoReport) {
    println!(
        "oubli demo — {} ({} train / {} test, {} poisoned), {}, seed {}",
        r.dataset, r.train_samples, r.test_samples, r.poisoned_samples, r.model, r.seed
    );
    for m in &r.models {
        println!(
            "  {:<6} {}: test {}, ASR {}, trained in {:.2} s",
            m.name,
            m.description,
            pct(m.test_accuracy),
            pct(m.attack_success),
            m.seconds
        );
    }
    println!(
        "\n  {:<33} {:<13} {:>10} {:>8} {:>7}  {:<14} {:>7}",
        "request", "method", "forget acc", "test acc", "ASR", "verdict", "seconds"
    );
    for q in &r.requests {
        let poison = q.request.kind == RequestKind::Poison;
        let asr = |x: f64| if poison { pct(x) } else { "-".into() };
        let b = &q.before_plain;
        println!(
            "  {:<33} {:<13} {:>10} {:>8} {:>7}",
            q.request.title,
            "(before)",
            pct(b.forget_accuracy),
            pct(b.test_accuracy),
            asr(b.attack_success)
        );
        for m in &q.methods {
            println!(
                "  {:<33} {:<13} {:>10} {:>8} {:>7}  {:<14} {:>7.2}",
                "",
                m.method,
                pct(m.after.forget_accuracy),
                pct(m.after.test_accuracy),
                asr(m.after.attack_success),
                m.verdict.as_str(),
                m.seconds + m.verify_seconds
            );
        }
    }
    println!();
    for f in &r.findings {
        println!("{f}");
    }
    println!("({:.1} s in all)", r.seconds);
}
