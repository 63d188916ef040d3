//! `oubli methods`.

use crate::output::json;
use clap::Args;

/// Arguments of `oubli methods`.
#[derive(Args, Debug)]
pub struct MethodsArgs {
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `oubli methods`.
pub fn run(a: MethodsArgs) -> anyhow::Result<i32> {
    let infos: Vec<_> = oubli_forget::registry().iter().map(|m| m.info()).collect();
    if a.json {
        json(&infos)?;
    } else {
        for m in &infos {
            println!("{:<14} {:<15} {}", m.name, m.family, m.summary);
            println!("{:<14} paper: {}", "", m.paper);
            println!("{:<14} defaults: {}", "", m.defaults);
        }
    }
    Ok(0)
}
