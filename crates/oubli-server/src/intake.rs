//! Durable deletion intake with group commit: one writer thread drains the queue of
//! concurrent submissions into a single `submit_many` transaction (one fsync for up to
//! `MAX_BATCH` requests), then answers each waiting handler. A 202 is sent only after the
//! commit returned, so an acknowledged request survives a crash; batching trades nothing
//! of that, it only shares the fsync.

use oubli_ledger::{LedgerError, Store, Subject, Submitted};
use std::sync::mpsc;
use std::sync::Arc;
use tokio::sync::oneshot;

/// Most requests committed in one transaction.
pub const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<Submitted, LedgerError>>;

/// A handle to the intake thread.
#[derive(Clone)]
pub struct Intake {
    tx: mpsc::Sender<(Subject, Reply)>,
}

impl Intake {
    /// Starts the writer thread over `store`. It ends when every handle is dropped.
    pub fn start(store: Arc<Store>) -> Self {
        let (tx, rx) = mpsc::channel::<(Subject, Reply)>();
        std::thread::Builder::new()
            .name("oubli-intake".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(next) => batch.push(next),
                            Err(_) => break,
                        }
                    }
                    let subjects: Vec<Subject> = batch.iter().map(|(s, _)| s.clone()).collect();
                    match store.submit_many(&subjects) {
                        Ok(results) => {
                            for ((_, reply), r) in batch.into_iter().zip(results) {
                                let _ = reply.send(r);
                            }
                        }
                        Err(e) => {
                            // The transaction failed as a whole: nobody gets a 202.
                            let msg = e.to_string();
                            for (_, reply) in batch {
                                let _ = reply.send(Err(LedgerError::Corrupt(msg.clone())));
                            }
                        }
                    }
                }
            })
            .expect("spawn intake thread");
        Self { tx }
    }

    /// Submits one subject; resolves once it is committed (or refused).
    pub async fn submit(&self, subject: Subject) -> Result<Submitted, LedgerError> {
        let (reply, wait) = oneshot::channel();
        self.tx
            .send((subject, reply))
            .map_err(|_| LedgerError::Corrupt("the intake thread has stopped".into()))?;
        wait.await
            .map_err(|_| LedgerError::Corrupt("the intake thread has stopped".into()))?
    }
}
