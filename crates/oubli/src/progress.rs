//! Progress bars and log lines on stderr, only when stderr is a terminal (never in pipes, CI
//! or `--json` consumers' logs), as the README promises. One exception: a training run
//! estimated to take over an hour says so on stderr once, terminal or not, since without
//! a bar nothing else would tell that `--epochs 1000000000000` will not end.

use indicatif::{ProgressBar, ProgressStyle};
use oubli_model::{StepRecord, TrainObserver};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Whether progress bars and log lines are drawn: only when stderr is a terminal.
pub fn logs_enabled() -> bool {
    std::io::stderr().is_terminal()
}

/// Runs estimated longer than this are announced when no bar shows their ETA.
const LONG_RUN: Duration = Duration::from_secs(3600);

/// Steps are timed for at least this long (or one epoch) before estimating.
const TIMING: Duration = Duration::from_secs(1);

/// The warning for a run of `total` steps that did `done` in `elapsed`, if it is estimated
/// to take over [`LONG_RUN`].
fn long_run_warning(label: &str, elapsed: Duration, done: usize, total: usize) -> Option<String> {
    let per_step = elapsed.as_secs_f64() / done.max(1) as f64;
    let estimate = per_step * total as f64;
    (estimate > LONG_RUN.as_secs_f64()).then(|| {
        let hours = estimate / 3600.0;
        let when = if hours < 48.0 {
            format!("{hours:.1} hours")
        } else if hours < 24.0 * 730.0 {
            format!("{:.0} days", hours / 24.0)
        } else {
            format!("{:.0} years", hours / (24.0 * 365.25))
        };
        format!(
            "{label}: {total} steps at {:.2} ms per step: estimated total time about {when}; \
             lower --epochs if that is not what you meant",
            per_step * 1e3
        )
    })
}

/// A training observer that draws a bar of steps with the running loss.
pub struct Bar {
    bar: Option<ProgressBar>,
    label: String,
    start: Instant,
    total: usize,
    done: usize,
    /// Whether the long-run estimate was made (it is made once).
    estimated: bool,
}

impl Bar {
    /// A bar labelled `label`; hidden unless stderr is a terminal.
    pub fn new(label: &str) -> Self {
        Self {
            bar: None,
            label: label.to_string(),
            start: Instant::now(),
            total: 0,
            done: 0,
            estimated: false,
        }
    }

    /// Without a bar, warns once when the run looks longer than [`LONG_RUN`].
    fn estimate(&mut self, epoch_done: bool) {
        let elapsed = self.start.elapsed();
        if self.estimated || self.bar.is_some() || !(epoch_done || elapsed >= TIMING) {
            return;
        }
        self.estimated = true;
        if let Some(w) = long_run_warning(&self.label, elapsed, self.done, self.total) {
            eprintln!("{w}");
        }
    }
}

impl TrainObserver for Bar {
    fn on_start(&mut self, total_steps: usize) {
        // One bar may watch several runs (the demo's network, then each SISA stage): the
        // finished run's bar goes, so only the current one is drawn.
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        self.estimated = false;
        self.done = 0;
        self.start = Instant::now();
        self.total = total_steps;
        if !logs_enabled() {
            return;
        }
        let bar = ProgressBar::new(total_steps as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} eta {eta} {msg}",
            )
            .expect("valid template"),
        );
        bar.set_prefix(self.label.clone());
        self.bar = Some(bar);
    }
    fn on_step(&mut self, r: &StepRecord<'_>) {
        if let Some(b) = &self.bar {
            b.inc(1);
            if r.step.is_multiple_of(20) {
                b.set_message(format!("epoch {} loss {:.4}", r.epoch + 1, r.loss));
            }
        }
        self.done = r.step + 1;
        self.estimate(false);
    }
    fn on_epoch(&mut self, _epoch: usize, _mean_loss: f32) {
        self.estimate(true);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_over_an_hour_is_announced_with_its_estimate() {
        let ms = Duration::from_millis;
        let w = long_run_warning("train", ms(500), 100, 1_000_000).unwrap();
        assert_eq!(
            w,
            "train: 1000000 steps at 5.00 ms per step: estimated total time about 1.4 hours; \
             lower --epochs if that is not what you meant"
        );
        let w = long_run_warning("train", ms(1000), 23, 23_000_000_000_000).unwrap();
        assert!(w.contains("about 31688 years"), "{w}");
        assert_eq!(long_run_warning("train", ms(1000), 100, 300_000), None);
    }
}
