//! Writes the example report (`report.json`, `report.html`) into a folder,
//! to look at the page: `cargo run -p oubli-verify --example example_report -- DIR`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    oubli_verify::Report::example().write_to_dir(dir)?;
    println!("wrote {}/report.json and report.html", dir.display());
    Ok(())
}
