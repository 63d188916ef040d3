//! Progress bars on stderr, only when stderr is a terminal (never in pipes, CI or `--json`
//! consumers' logs).

use indicatif::{ProgressBar, ProgressStyle};
use oubli_model::{StepRecord, TrainObserver};
use std::io::IsTerminal;

/// A training observer that draws a bar of steps with the running loss.
pub struct Bar {
    bar: Option<ProgressBar>,
    label: String,
}

impl Bar {
    /// A bar labelled `label`; hidden unless stderr is a terminal.
    pub fn new(label: &str) -> Self {
        Self {
            bar: None,
            label: label.to_string(),
        }
    }
}

impl TrainObserver for Bar {
    fn on_start(&mut self, total_steps: usize) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::new(total_steps as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
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
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
