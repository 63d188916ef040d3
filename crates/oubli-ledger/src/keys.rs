//! The store's Ed25519 key pair, made at init from the operating system's randomness.
//!
//! Files in the store directory, both one line of lowercase hex:
//! - `certificate-key`: the 32-byte secret seed, mode 0600 (created with that mode, so it is
//!   never readable by others even for an instant);
//! - `certificate-key.pub`: the 32-byte public key, to hand to whoever checks certificates.

use crate::LedgerError;
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

/// File name of the secret key in the store directory.
pub const SECRET_KEY_FILE: &str = "certificate-key";
/// File name of the public key in the store directory.
pub const PUBLIC_KEY_FILE: &str = "certificate-key.pub";

/// `n` bytes from the operating system's randomness.
pub(crate) fn os_random(n: usize) -> Result<Vec<u8>, LedgerError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| {
        LedgerError::io(
            "operating system randomness",
            std::io::Error::other(e.to_string()),
        )
    })?;
    Ok(bytes)
}

/// Creates a new key pair in `dir`; fails if a key is already there.
pub(crate) fn create(dir: &Path) -> Result<SigningKey, LedgerError> {
    let seed: [u8; 32] = os_random(32)?.try_into().expect("32 bytes asked");
    let key = SigningKey::from_bytes(&seed);
    let secret = dir.join(SECRET_KEY_FILE);
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut file = opts
        .open(&secret)
        .map_err(|e| LedgerError::io(&secret, e))?;
    writeln!(file, "{}", hex::encode(seed)).map_err(|e| LedgerError::io(&secret, e))?;
    file.sync_all().map_err(|e| LedgerError::io(&secret, e))?;
    let public = dir.join(PUBLIC_KEY_FILE);
    let text = format!("{}\n", hex::encode(key.verifying_key().as_bytes()));
    std::fs::write(&public, text).map_err(|e| LedgerError::io(&public, e))?;
    Ok(key)
}

/// Reads the store's secret key.
pub(crate) fn load(dir: &Path) -> Result<SigningKey, LedgerError> {
    let path = dir.join(SECRET_KEY_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| LedgerError::io(&path, e))?;
    let seed = decode32(text.trim()).map_err(|reason| LedgerError::BadKey {
        path: path.clone(),
        reason,
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Parses a public key written as [`PUBLIC_KEY_FILE`] is: 64 hex digits (surrounding
/// whitespace ignored). A bad key is `BadKey` with the path `<inline key>`.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, LedgerError> {
    parse(text).map_err(|reason| LedgerError::BadKey {
        path: "<inline key>".into(),
        reason,
    })
}

/// Reads a public key file.
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, LedgerError> {
    let text = std::fs::read_to_string(path).map_err(|e| LedgerError::io(path, e))?;
    parse(&text).map_err(|reason| LedgerError::BadKey {
        path: path.to_path_buf(),
        reason,
    })
}

fn parse(text: &str) -> Result<VerifyingKey, String> {
    let bytes = decode32(text.trim())?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("not an Ed25519 public key: {e}"))
}

fn decode32(text: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(text).map_err(|e| format!("not hex: {e}"))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("{} bytes, expected 32", b.len()))
}
