//! `oubli certificate verify`: checks a deletion certificate offline, with only the
//! store's public key: an auditor or the person who asked can run it without the store.

use crate::output::json;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Exit code of a certificate whose signature or content does not check.
pub const EXIT_BAD_CERTIFICATE: i32 = 7;

/// `oubli certificate …`.
#[derive(Subcommand, Debug)]
pub enum CertificateCommand {
    /// Check a certificate's signature against a public key.
    Verify(VerifyArgs),
}

/// Arguments of `oubli certificate verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The certificate (JSON, as `GET /v1/deletions/{id}` returns under `certificate`).
    pub certificate: PathBuf,
    /// The store's public key (`STORE/certificate-key.pub`, or `GET /v1/public-key`).
    #[arg(long)]
    pub public_key: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `oubli certificate verify`: exit 0 when valid, 7 when not.
pub fn run(c: CertificateCommand) -> anyhow::Result<i32> {
    let CertificateCommand::Verify(a) = c;
    let text = std::fs::read_to_string(&a.certificate)
        .map_err(|e| anyhow::anyhow!("{}: {e}", a.certificate.display()))?;
    // Accept a whole `GET /v1/deletions/{id}` answer too.
    let text = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) if v.get("certificate").is_some() => v["certificate"].to_string(),
        _ => text,
    };
    let key = oubli_ledger::read_public_key(&a.public_key)?;
    match oubli_ledger::verify_certificate(&text, &key) {
        Ok(cert) => {
            if a.json {
                json(&serde_json::json!({"valid": true, "certificate": cert}))?;
            } else {
                println!(
                    "valid: request {} ({} samples erased), model {} → {}, signed by {}",
                    cert.request_id,
                    cert.samples_erased,
                    cert.model_before
                        .as_ref()
                        .map(|m| m.weights_hash.as_str())
                        .unwrap_or("-"),
                    cert.model_after.weights_hash,
                    cert.public_key
                );
                for n in &cert.does_not_prove {
                    println!("  does not prove: {n}");
                }
            }
            Ok(0)
        }
        Err(e) => {
            if a.json {
                json(&serde_json::json!({"valid": false, "reason": e.to_string()}))?;
            } else {
                println!("INVALID: {e}");
            }
            Ok(EXIT_BAD_CERTIFICATE)
        }
    }
}
