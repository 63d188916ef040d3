//! Methods by name. Adding a method: one file in `methods/` plus one line in [`registry`].

use crate::methods;
use crate::unlearner::{ForgetContext, MethodConfig, Unlearned, Unlearner};
use crate::ForgetError;
use serde::Serialize;

/// A registered method, usable by name.
#[derive(Clone, Copy)]
pub struct MethodEntry {
    /// Registry name.
    pub name: &'static str,
    /// Family.
    pub family: &'static str,
    /// One line.
    pub summary: &'static str,
    /// The paper.
    pub paper: &'static str,
    default_config: fn() -> serde_json::Value,
    run: fn(Option<&serde_json::Value>, &ForgetContext<'_>) -> Result<Ran, ForgetError>,
}

/// A method's output plus the config it actually ran with.
pub struct Ran {
    /// The result.
    pub unlearned: Unlearned,
    /// The resolved config (defaults filled in), for the model's lineage.
    pub config: serde_json::Value,
}

/// Description of a method for `oubli methods --json`.
#[derive(Debug, Serialize)]
pub struct MethodInfo {
    /// Registry name.
    pub name: &'static str,
    /// Family.
    pub family: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// The paper.
    pub paper: &'static str,
    /// Its config with every default.
    pub defaults: serde_json::Value,
}

fn resolve<C: MethodConfig>(
    method: &'static str,
    raw: Option<&serde_json::Value>,
) -> Result<C, ForgetError> {
    let config: C = match raw {
        None => C::default(),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| ForgetError::BadConfig {
            method,
            message: e.to_string(),
        })?,
    };
    config.validate()?;
    Ok(config)
}

fn entry<U: Unlearner>() -> MethodEntry {
    MethodEntry {
        name: U::NAME,
        family: U::FAMILY,
        summary: U::SUMMARY,
        paper: U::PAPER,
        default_config: || serde_json::to_value(U::Config::default()).expect("config serialises"),
        run: |raw, ctx| {
            let config: U::Config = resolve(U::NAME, raw)?;
            let unlearned = U::unlearn(&config, ctx)?;
            Ok(Ran {
                unlearned,
                config: serde_json::to_value(&config).expect("config serialises"),
            })
        },
    }
}

/// Every method, in the order `oubli methods` lists them.
pub fn registry() -> Vec<MethodEntry> {
    vec![
        entry::<methods::retrain::Retrain>(),
        entry::<methods::finetune::Finetune>(),
        entry::<methods::noop::Noop>(),
        entry::<methods::grad_ascent::GradAscent>(),
        entry::<methods::neggrad_plus::NegGradPlus>(),
        entry::<methods::random_label::RandomLabel>(),
        entry::<methods::l1_sparse::L1Sparse>(),
        entry::<methods::salun::Salun>(),
        entry::<methods::fisher::Fisher>(),
        entry::<methods::influence::Influence>(),
        entry::<methods::bad_teacher::BadTeacher>(),
        entry::<methods::scrub::Scrub>(),
        entry::<methods::amnesiac::Amnesiac>(),
    ]
}

/// Looks a method up by name.
pub fn find(name: &str) -> Result<MethodEntry, ForgetError> {
    registry()
        .into_iter()
        .find(|m| m.name == name)
        .ok_or_else(|| ForgetError::UnknownMethod(name.to_string()))
}

impl MethodEntry {
    /// Runs the method with `config` (a JSON/TOML table; `None` for the defaults).
    pub fn run(
        &self,
        config: Option<&serde_json::Value>,
        ctx: &ForgetContext<'_>,
    ) -> Result<Ran, ForgetError> {
        if ctx.forget.is_empty() {
            return Err(ForgetError::ForgetSet(
                "it is empty: nothing to forget".into(),
            ));
        }
        if ctx.retain.is_empty() {
            return Err(ForgetError::ForgetSet(
                "it covers every training sample".into(),
            ));
        }
        (self.run)(config, ctx)
    }
    /// The method's description and defaults.
    pub fn info(&self) -> MethodInfo {
        MethodInfo {
            name: self.name,
            family: self.family,
            summary: self.summary,
            paper: self.paper,
            defaults: (self.default_config)(),
        }
    }
}
