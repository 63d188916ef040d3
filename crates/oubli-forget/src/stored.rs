//! Parameter updates recorded during training, for the amnesiac method.
//!
//! Training with an [`UpdateRecorder`] as its observer stores, for every optimisation step,
//! the ids of the batch and the parameter change `after − before`. Amnesiac unlearning later
//! subtracts the updates of every batch that held a forgotten sample.
//!
//! # Storage cost
//!
//! One `f32` per parameter per recorded step: `steps × params × 4` bytes (plus 8 bytes per
//! batch id and 4 per step). With the default batch of 64:
//!
//! - `digits` MLP (64·256 + 256 + 256·10 + 10 = 19,210 parameters, 1,438 training samples →
//!   23 steps per epoch): 20 epochs = 460 steps, a 35.6 MB file.
//! - MNIST MLP (784·256 + 256 + 256·10 + 10 = 203,530 parameters, 60,000 samples → 938 steps
//!   per epoch): ≈ 764 MB per epoch, ≈ 7.6 GB for 10 epochs.
//!
//! `watch` cuts this to the batches that touch watched samples, but a batch of 64 drawn from
//! data of which a fraction `f` is watched touches one with probability `1 − (1 − f)^64`:
//! already 47% for `f` = 1%, so watching only pays for very small watch lists.

use oubli_data::SampleId;
use oubli_model::{StepRecord, TrainObserver};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// One recorded optimisation step: which samples were in the batch and how the parameters
/// moved (`after − before`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredStep {
    /// Sample ids in the batch.
    pub ids: Vec<SampleId>,
    /// Parameter change of the step.
    pub delta: Vec<f32>,
}

/// Every recorded step of a training run (or only those touching watched samples).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredUpdates {
    /// The steps, in training order.
    pub steps: Vec<StoredStep>,
}

/// File magic of the binary format.
const MAGIC: &[u8; 8] = b"OUBLIUPD";
/// Format version written after the magic.
const VERSION: u32 = 1;
/// Magic, version, parameter count, step count.
const HEADER_BYTES: usize = 8 + 4 + 8 + 8;

/// Reading or writing a stored-updates file failed.
#[derive(Debug, thiserror::Error)]
pub enum StoredUpdatesError {
    /// The file could not be read or written (the OS message is the source, not repeated
    /// here).
    #[error("stored updates {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid stored-updates file (truncated, corrupt, other format).
    #[error("stored updates {path} is corrupt: {problem}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

impl StoredUpdates {
    /// Parameters per step (0 when nothing was recorded).
    pub fn num_params(&self) -> usize {
        self.steps.first().map_or(0, |s| s.delta.len())
    }

    /// Bytes of the binary file: header, per step an id count, the ids and the delta, and a
    /// 4-byte checksum.
    pub fn file_bytes(&self) -> u64 {
        let body: usize = self
            .steps
            .iter()
            .map(|s| 4 + 8 * s.ids.len() + 4 * s.delta.len())
            .sum();
        (HEADER_BYTES + body + 4) as u64
    }

    /// Writes the compact binary format: `OUBLIUPD`, version (u32), parameter count (u64),
    /// step count (u64), then per step the id count (u32), the ids (u64 each) and the delta
    /// (f32 each), and a CRC-32 of everything before it. All little-endian.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), StoredUpdatesError> {
        let path = path.as_ref();
        let io = |source| StoredUpdatesError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::create(path).map_err(io)?;
        let mut out = Crc32Writer {
            inner: BufWriter::new(file),
            crc: !0,
        };
        let p = self.num_params();
        let mut write = || -> std::io::Result<()> {
            out.write_all(MAGIC)?;
            out.write_all(&VERSION.to_le_bytes())?;
            out.write_all(&(p as u64).to_le_bytes())?;
            out.write_all(&(self.steps.len() as u64).to_le_bytes())?;
            for s in &self.steps {
                assert_eq!(
                    s.delta.len(),
                    p,
                    "every stored step has the same parameter count"
                );
                out.write_all(&(s.ids.len() as u32).to_le_bytes())?;
                for id in &s.ids {
                    out.write_all(&id.to_le_bytes())?;
                }
                for v in &s.delta {
                    out.write_all(&v.to_le_bytes())?;
                }
            }
            let crc = !out.crc;
            out.inner.write_all(&crc.to_le_bytes())?;
            out.inner.flush()
        };
        write().map_err(io)
    }

    /// Reads a file written by [`save`](Self::save), checking its magic, version, sizes and
    /// checksum.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, StoredUpdatesError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| StoredUpdatesError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(&bytes).map_err(|problem| StoredUpdatesError::Corrupt {
            path: path.to_path_buf(),
            problem,
        })
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() < HEADER_BYTES + 4 || &bytes[..8] != MAGIC {
            return Err("not an oubli stored-updates file (bad magic or too short)".into());
        }
        let (body, tail) = bytes.split_at(bytes.len() - 4);
        let stored = u32::from_le_bytes(tail.try_into().expect("4 bytes"));
        let actual = !crc32_update(!0, body);
        if stored != actual {
            return Err(format!(
                "checksum mismatch (stored {stored:08x}, computed {actual:08x})"
            ));
        }
        let mut r = Reader { bytes: body, at: 8 };
        let version = r.u32()?;
        if version != VERSION {
            return Err(format!(
                "format version {version}, this build reads {VERSION}"
            ));
        }
        let p = usize::try_from(r.u64()?).map_err(|_| "parameter count overflows")?;
        let n = r.u64()?;
        let mut steps = Vec::new();
        let delta_bytes = p.checked_mul(4).ok_or("parameter count overflows")?;
        for i in 0..n {
            let mut step = || -> Result<StoredStep, String> {
                let m = r.u32()? as usize;
                let ids = (0..m).map(|_| r.u64()).collect::<Result<_, _>>()?;
                let raw = r.take(delta_bytes)?;
                let delta = raw
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().expect("4")))
                    .collect();
                Ok(StoredStep { ids, delta })
            };
            steps.push(step().map_err(|e| format!("step {i} of {n}: {e}"))?);
        }
        if r.at != body.len() {
            return Err(format!(
                "{} trailing bytes after {n} steps",
                body.len() - r.at
            ));
        }
        Ok(Self { steps })
    }
}

/// A cursor over the file body whose reads fail, rather than panic, past its end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, len: usize) -> Result<&[u8], String> {
        let end = self.at.checked_add(len).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("truncated at byte {}", self.at))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
}

/// CRC-32 (IEEE, as in gzip and zip): catches truncation and bit flips, needs no dependency.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

fn crc32_update(mut crc: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        crc = CRC_TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    crc
}

/// A writer that checksums what passes through it.
struct Crc32Writer<W: Write> {
    inner: W,
    crc: u32,
}

impl<W: Write> Write for Crc32Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc = crc32_update(self.crc, &buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A [`TrainObserver`] that records every step's update (the training option amnesiac
/// unlearning needs). It does not change training: the same config and seed give the same
/// weights with or without it.
#[derive(Debug, Default)]
pub struct UpdateRecorder {
    watch: Option<HashSet<SampleId>>,
    updates: StoredUpdates,
}

impl UpdateRecorder {
    /// Records every step.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records only the steps whose batch holds at least one of `watch` (samples that may be
    /// deleted later); `None` records every step.
    pub fn watching(watch: Option<HashSet<SampleId>>) -> Self {
        Self {
            watch,
            updates: StoredUpdates::default(),
        }
    }

    /// The updates recorded so far.
    pub fn updates(&self) -> &StoredUpdates {
        &self.updates
    }

    /// Consumes the recorder, returning its updates.
    pub fn into_updates(self) -> StoredUpdates {
        self.updates
    }
}

impl TrainObserver for UpdateRecorder {
    fn wants_parameters(&self) -> bool {
        true
    }
    fn on_step(&mut self, r: &StepRecord<'_>) {
        if let Some(w) = &self.watch {
            if !r.batch_ids.iter().any(|id| w.contains(id)) {
                return;
            }
        }
        let delta = r.after.iter().zip(r.before).map(|(a, b)| a - b).collect();
        self.updates.steps.push(StoredStep {
            ids: r.batch_ids.to_vec(),
            delta,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error and its sources joined by `: `, as the binary prints them.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut parts = vec![e.to_string()];
        let mut at = e.source();
        while let Some(s) = at {
            parts.push(s.to_string());
            at = s.source();
        }
        parts.join(": ")
    }

    #[test]
    fn an_os_error_appears_once_in_the_printed_chain() {
        let e = StoredUpdatesError::Io {
            path: "u.bin".into(),
            source: std::io::Error::other("Is a directory"),
        };
        assert_eq!(chain(&e), "stored updates u.bin: Is a directory");
    }

    fn sample() -> StoredUpdates {
        StoredUpdates {
            steps: vec![
                StoredStep {
                    ids: vec![1, 7],
                    delta: vec![0.5, -1.25, 3.0],
                },
                StoredStep {
                    ids: vec![],
                    delta: vec![f32::MIN_POSITIVE, 0.0, -0.0],
                },
            ],
        }
    }

    #[test]
    fn round_trips_and_rejects_corruption() {
        let dir = std::env::temp_dir().join(format!("oubli-stored-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("u.bin");
        let u = sample();
        u.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len() as u64, u.file_bytes());
        let back = StoredUpdates::load(&path).unwrap();
        assert_eq!(back.steps.len(), 2);
        assert_eq!(back.steps[0].ids, vec![1, 7]);
        assert_eq!(
            back.steps[1].delta[0].to_bits(),
            f32::MIN_POSITIVE.to_bits()
        );
        assert_eq!(back.steps[1].delta[2].to_bits(), (-0.0f32).to_bits());

        let mut flipped = bytes.clone();
        flipped[HEADER_BYTES + 5] ^= 0x10;
        std::fs::write(&path, &flipped).unwrap();
        let err = StoredUpdates::load(&path).unwrap_err().to_string();
        assert!(err.contains("checksum mismatch"), "{err}");

        std::fs::write(&path, &bytes[..bytes.len() - 9]).unwrap();
        assert!(matches!(
            StoredUpdates::load(&path),
            Err(StoredUpdatesError::Corrupt { .. })
        ));
        std::fs::write(&path, b"not it").unwrap();
        assert!(StoredUpdates::load(&path)
            .unwrap_err()
            .to_string()
            .contains("bad magic"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
