//! A process killed (SIGKILL) in the middle of submitting and erasing loses nothing it had
//! acknowledged, and leaves a store whose chain and tables still check.

mod common;

use oubli_ledger::{Status, Store, Subject};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "OUBLI_LEDGER_KILL_CHILD";
const TEST_NAME: &str = "acknowledged_requests_survive_sigkill_and_the_store_still_checks";

/// The child: submits batches, acknowledging each id on stdout only after `submit_many`
/// returned, and erases some of them, until it is killed.
fn child(dir: &str) -> ! {
    let store = Store::open(std::path::Path::new(dir)).unwrap();
    let out = std::io::stdout();
    for round in 0u64.. {
        let subjects: Vec<Subject> = (0..8)
            .map(|k| Subject::Owner(format!("o{}", (round * 8 + k) % 40)))
            .collect();
        let ids: Vec<String> = store
            .submit_many(&subjects)
            .unwrap()
            .into_iter()
            .map(|r| r.unwrap().id)
            .collect();
        let mut lock = out.lock();
        for id in &ids {
            writeln!(lock, "ack {id}").unwrap();
        }
        lock.flush().unwrap();
        drop(lock);
        if round % 3 == 0 {
            let some: Vec<&str> = ids.iter().take(3).map(String::as_str).collect();
            store.erase_many(&some).unwrap();
        }
    }
    unreachable!()
}

#[test]
fn acknowledged_requests_survive_sigkill_and_the_store_still_checks() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        child(&dir);
    }
    let dir = tempfile::tempdir().unwrap();
    drop(common::marked_store(dir.path(), 400, 40).0);
    let mut acked: Vec<String> = Vec::new();
    for round in 0..6 {
        let mut proc = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let reader = BufReader::new(proc.stdout.take().unwrap());
        // Kill after a different number of acknowledgements each round.
        let wanted = 20 + round * 13;
        let mut got = 0;
        for line in reader.lines() {
            let line = line.unwrap();
            if let Some(id) = line.strip_prefix("ack ") {
                acked.push(id.to_string());
                got += 1;
                if got >= wanted {
                    break;
                }
            }
        }
        proc.kill().unwrap();
        proc.wait().unwrap();
        assert_eq!(got, wanted, "child stopped early in round {round}");

        let store = Store::open(dir.path()).unwrap();
        for id in &acked {
            store.request(id).unwrap();
        }
        store.verify_chain().unwrap();
        store.verify_state().unwrap();
        let ds = store.dataset().unwrap();
        let erased: Vec<u64> = store
            .tombstones()
            .unwrap()
            .iter()
            .map(|t| t.sample_id)
            .collect();
        assert!(!erased.is_empty() || round == 0);
        assert!(erased.iter().all(|id| !ds.train.ids.contains(id)));
        let counts = store.counts().unwrap();
        assert!(
            counts[&Status::Received] + counts[&Status::Erased] + counts[&Status::NoData]
                >= acked.len() as u64
        );
    }
}
