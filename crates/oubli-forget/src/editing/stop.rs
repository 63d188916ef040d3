//! The two stopping rules of a run of the fine-tuning family: the [`ForgetTarget`] (the
//! forget set is forgotten enough) and the collapse guard (the retain set is damaged too
//! much), checked together by a [`Monitor`].

use crate::common::{rng, CollapseGuard};
use crate::editing::WarmupAdam;
use crate::unlearner::{ForgetContext, UnlearnStats};
use crate::ForgetReason;
use oubli_data::Split;
use oubli_model::{evaluate, Network, Params};
use rand::seq::SliceRandom;

/// Samples of the forget set (and of the retain set, for the reference) a [`ForgetTarget`]
/// evaluates: enough for a stable accuracy, bounded so that checking after every step stays
/// cheap on large sets.
const TARGET_SAMPLES: usize = 1000;

/// When the forget set counts as forgotten: its accuracy is at or below an estimate of what
/// a model that never saw it would score. Every method of this family stops there
/// (`finetune` checks it after each epoch, the others after every step).
///
/// The estimate is per class of the forget samples:
/// - a class with no sample left in the retain set scores 0: a model trained without it
///   cannot predict it (class forgetting);
/// - any other class scores its accuracy on the validation split when the caller gave one
///   (held-out data: the right reference), else its accuracy on a seeded slice of the retain
///   set. Retain samples were trained on, so that reference over-estimates what retraining
///   would score: it is the *least* forgetting consistent with the forget samples being
///   unseen ("fit no better than the data the model still learns from"). On a random forget
///   set, whose samples a good model mostly generalises to, that means stopping at the first
///   dent, which keeps the ascent-style methods from overshooting into the damage they are
///   known for there; a forgotten class, whose target is 0, runs until it is gone. Pass a
///   validation split for a tighter target.
///
/// For [`ForgetReason::Poisoned`] data the labels are the attacker's: a model that never saw
/// them agrees with a poisoned label only where it errs, and then on one of `k − 1` wrong
/// classes. The target is that rate, `(1 − reference accuracy) / (k − 1)` (0.3% on MNIST),
/// so the methods run until the poisoned association is gone rather than stopping at the
/// first dent (with the privacy target, a backdoor's forget set counts as forgotten after a
/// few hundred sample gradients while the trigger still works on 95–99% of test images).
///
/// The forget accuracy must also have fallen below the original's (see [`Self::reached`]).
/// Evaluations are forward passes only and are not counted as sample gradients.
pub struct ForgetTarget<'a> {
    net: &'a Network,
    slice: Split,
    target: f64,
    start: f64,
    source: &'static str,
    reason: ForgetReason,
}

impl<'a> ForgetTarget<'a> {
    /// The target for `ctx`.
    pub fn new(ctx: &ForgetContext<'a>) -> Self {
        let k = ctx.net.spec().num_classes;
        let (reference, source) = match ctx.validation.filter(|v| !v.is_empty()) {
            Some(v) => (evaluate(ctx.net, ctx.original, v), "validation accuracy"),
            None => {
                let slice = seeded_slice(ctx.retain, ctx.seed, "forget-target/retain");
                (evaluate(ctx.net, ctx.original, &slice), "retain accuracy")
            }
        };
        let mut in_retain = vec![false; k];
        for &y in &ctx.retain.labels {
            in_retain[y as usize] = true;
        }
        let slice = seeded_slice(ctx.forget, ctx.seed, "forget-target/forget");
        let per_sample = |&y: &u32| -> f64 {
            if in_retain[y as usize] {
                reference.per_class_accuracy[y as usize].unwrap_or(reference.accuracy)
            } else {
                0.0
            }
        };
        let target = match ctx.reason {
            ForgetReason::Privacy => {
                slice.labels.iter().map(per_sample).sum::<f64>() / slice.len().max(1) as f64
            }
            ForgetReason::Poisoned => (1.0 - reference.accuracy) / (k.max(2) - 1) as f64,
        };
        let start = evaluate(ctx.net, ctx.original, &slice).accuracy;
        Self {
            net: ctx.net,
            slice,
            target,
            start,
            source,
            reason: ctx.reason,
        }
    }

    /// True when `params` fit the forget set no better than the target *and* worse than the
    /// original did. The second condition matters when the original fits its training data
    /// perfectly: the target is then 100%, already met, and "forgotten" must still mean that
    /// something changed.
    pub fn reached(&self, params: &Params) -> bool {
        let acc = evaluate(self.net, params, &self.slice).accuracy;
        acc <= self.target && acc < self.start
    }

    /// The target accuracy on the forget set.
    pub fn target(&self) -> f64 {
        self.target
    }

    /// Records in `stats` that the method stopped at the target (after `stats.steps` steps).
    pub fn note(&self, stats: &mut UnlearnStats) {
        let how = match self.reason {
            ForgetReason::Privacy => format!(
                "per class: 0 for classes absent from the retain set, else the original's {}",
                self.source
            ),
            ForgetReason::Poisoned => format!(
                "poisoned labels: the original's error rate on its {} spread over the wrong classes",
                self.source
            ),
        };
        stats.notes.push(format!(
            "stopped at step {}: forget accuracy reached the target {:.1}% ({how})",
            stats.steps,
            self.target * 100.0,
        ));
    }
}

/// A seeded subset of at most [`TARGET_SAMPLES`] samples of `split`.
fn seeded_slice(split: &Split, seed: u64, stream: &str) -> Split {
    let mut idx: Vec<usize> = (0..split.len()).collect();
    idx.shuffle(&mut rng(seed, stream));
    idx.truncate(TARGET_SAMPLES);
    idx.sort_unstable();
    split.subset(&idx)
}

/// How many times a run may step back from a collapse before the guard ends it. Each
/// time it halves the learning rate, so the fourth retry moves at 1/16 of the configured rate.
const MAX_BACKOFFS: usize = 4;

/// The two stopping rules of a run: the collapse guard and (for methods that push the
/// forget set away) the [`ForgetTarget`], checked together after every step (or every
/// [`every`](Monitor::every) steps).
///
/// The guard works as a trust region rather than only as an emergency stop: ascent on a
/// large forget set (a whole MNIST class) goes from "not yet forgotten" to "collapsed" within
/// a step or two at a rate that is right for a small one, and stopping there would return the
/// model unforgotten. So when a step leaves the budget, the run goes back to the last state
/// within it, halves the learning rate and carries on, up to [`MAX_BACKOFFS`] times; only
/// then does the guard end the run. Either way `params` stay within the guard's budget.
pub struct Monitor<'a> {
    guard: Option<CollapseGuard<'a>>,
    target: Option<ForgetTarget<'a>>,
    ended: bool,
    backoffs: usize,
    steps: usize,
    interval: usize,
}

impl<'a> Monitor<'a> {
    /// A monitor for `ctx`; `stop_at_target` enables the forget target.
    pub fn new(ctx: &ForgetContext<'a>, collapse_budget: f64, stop_at_target: bool) -> Self {
        Self {
            guard: Some(CollapseGuard::new(ctx, collapse_budget)),
            target: stop_at_target.then(|| ForgetTarget::new(ctx)),
            ended: false,
            backoffs: 0,
            steps: 0,
            interval: 1,
        }
    }

    /// Checks only every `steps` steps (default 1): for methods whose steps are much cheaper
    /// than a check's two 1,000-sample forward passes (`finetune`'s small batches).
    pub fn every(mut self, steps: usize) -> Self {
        self.interval = steps.max(1);
        self
    }

    /// After a step of epoch `epoch`: [`check`](Self::check)s every `every` steps.
    pub fn after_step(
        &mut self,
        params: &mut Params,
        stats: &mut UnlearnStats,
        epoch: usize,
        opt: &mut WarmupAdam,
    ) -> bool {
        self.steps += 1;
        self.steps.is_multiple_of(self.interval) && self.check(params, stats, epoch, opt)
    }

    /// True when the run must end, because the forget target is reached within budget or
    /// because the guard ran out of backoffs (then `params` are the last state within
    /// budget). When `params` left the budget with backoffs to spare, they go back to the
    /// last state within it and `opt`'s rate is halved.
    pub fn check(
        &mut self,
        params: &mut Params,
        stats: &mut UnlearnStats,
        epoch: usize,
        opt: &mut WarmupAdam,
    ) -> bool {
        let guard = self.guard.as_mut().expect("a stopped run is not resumed");
        if !guard.check(params) {
            if self.backoffs == MAX_BACKOFFS {
                self.stop(params, stats, epoch);
                return true;
            }
            self.backoffs += 1;
            *params = guard.last_good().clone();
            opt.scale_lr(0.5);
            return false;
        }
        if !self.target.as_ref().is_some_and(|t| t.reached(params)) {
            return false;
        }
        stats.epochs = epoch + 1;
        self.target.as_ref().expect("checked above").note(stats);
        self.ended = true;
        true
    }

    /// After epoch `epoch`: true when the collapse guard ended the run (then `params` are
    /// the last state within budget).
    pub fn after_epoch(
        &mut self,
        params: &mut Params,
        stats: &mut UnlearnStats,
        epoch: usize,
    ) -> bool {
        let guard = self.guard.as_mut().expect("a stopped run is not resumed");
        if guard.check(params) {
            stats.epochs = epoch + 1;
            return false;
        }
        self.stop(params, stats, epoch);
        true
    }

    /// Ends the run at the guard: `params` go back to the last state within budget.
    fn stop(&mut self, params: &mut Params, stats: &mut UnlearnStats, epoch: usize) {
        stats.epochs = epoch + 1;
        *params = self
            .guard
            .take()
            .expect("a stopped run is not resumed")
            .stop(stats, epoch);
        self.ended = true;
    }

    /// After the last epoch: notes in `stats` when the run used its whole schedule without
    /// reaching the forget target, so that a weak result is never silent.
    pub fn finish(self, stats: &mut UnlearnStats) {
        if self.backoffs > 0 {
            stats.notes.push(format!(
                "collapse guard: {} step(s) left the retain-accuracy budget; each time the run went back to the last state within it and halved the learning rate",
                self.backoffs
            ));
        }
        if let (Some(target), false) = (self.target, self.ended) {
            stats.notes.push(format!(
                "ran all {} epochs without reaching the forget target {:.1}%: more epochs or a higher lr would forget more",
                stats.epochs,
                target.target() * 100.0
            ));
        }
    }
}
