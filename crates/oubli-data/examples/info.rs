//! Prints a dataset summary and how long loading took:
//! `cargo run --release -p oubli-data --example info -- mnist`.

use oubli_data::{load, LoadOptions};

fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "digits".to_string());
    let start = std::time::Instant::now();
    match load(&name, &LoadOptions::default()) {
        Ok(ds) => {
            let took = start.elapsed();
            print!("{}", ds.info());
            println!("loaded in {:.3} s", took.as_secs_f64());
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
