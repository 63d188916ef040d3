//! `oubli`: the command-line front end. Thin by design: every decision lives in the library
//! crates; this binary parses arguments, draws progress and prints text or JSON.
//!
//! Exit codes: 0 success; 1 error (bad input, unreadable file, failed run); 2 usage error
//! (clap); 3 `verify` found the model `not_forgotten`; 4 `verify` was `inconclusive`;
//! 5 `forget` changed nothing (see `--allow-unchanged`); 6 `audit verify` found a broken
//! link; 7 `certificate verify` found an invalid certificate.

mod args;
mod cmd;
mod output;
mod progress;

use clap::{Parser, Subcommand};

/// Train unlearning-ready models, forget data on request, and prove it.
#[derive(Parser)]
#[command(name = "oubli", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model (plain, SISA ensemble, or certified-removal-ready).
    Train(cmd::train::TrainArgs),
    /// Evaluate a model on a dataset or a subset of it.
    Eval(cmd::eval::EvalArgs),
    /// Show a model file's lineage and tensors.
    Inspect(cmd::inspect::InspectArgs),
    /// Fetch datasets or describe them.
    #[command(subcommand)]
    Data(cmd::data::DataCommand),
    /// Make a model forget samples with one of the registered methods.
    Forget(cmd::forget::ForgetArgs),
    /// List the unlearning methods with their defaults.
    Methods(cmd::methods::MethodsArgs),
    /// Prove a model forgot: attacks and divergences against the retrain oracle, a verdict,
    /// and an HTML + JSON report.
    Verify(cmd::verify::VerifyArgs),
    /// Run methods × seeds against the retrain oracle; write results.json and results.md.
    Bench(cmd::bench::BenchArgs),
    /// The tour on the embedded digits set: plain and SISA models, an owner, a class and
    /// poisoned samples forgotten with four methods, each verified; a linked HTML report.
    Demo(cmd::demo::DemoArgs),
    /// Class probabilities from any model for rows in a CSV or IDX file.
    Predict(cmd::predict::PredictArgs),
    /// The durable store: training data, deletion requests, models, audit log.
    #[command(subcommand)]
    Store(cmd::store::StoreCommand),
    /// Serve a store over HTTP: file deletions, predictions, certificates, metrics.
    Serve(cmd::serve::ServeArgs),
    /// Check a store's hash-chained audit log.
    #[command(subcommand)]
    Audit(cmd::audit::AuditCommand),
    /// Check a deletion certificate offline with the store's public key.
    #[command(subcommand)]
    Certificate(cmd::certificate::CertificateCommand),
    /// Scenarios users come with, on real data against the retrain oracle (backdoor).
    #[command(subcommand)]
    Scenario(cmd::scenario::ScenarioCommand),
    /// SISA shards as jobs on a cluster scheduler: plan, train one shard, run locally,
    /// assemble, plan a deletion, emit Kubernetes and Slurm files.
    #[command(subcommand)]
    Sisa(cmd::sisa::SisaCommand),
}

fn main() {
    // Rust ignores SIGPIPE, so printing to a closed pipe (`oubli methods | head -1`) would
    // panic; the default action ends the process quietly, as for any Unix filter.
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => cmd::train::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Inspect(a) => cmd::inspect::run(a),
        Command::Data(a) => cmd::data::run(a),
        Command::Forget(a) => cmd::forget::run(a),
        Command::Methods(a) => cmd::methods::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Bench(a) => cmd::bench::run(a),
        Command::Verify(a) => cmd::verify::run(a),
        Command::Predict(a) => cmd::predict::run(a),
        Command::Store(a) => cmd::store::run(a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Certificate(a) => cmd::certificate::run(a),
        Command::Scenario(a) => cmd::scenario::run(a),
        Command::Sisa(a) => cmd::sisa::run(a),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}
