//! The deletion service under SIGKILL: a stream of deletions while the worker applies them,
//! the server killed at varying moments and restarted. After every restart each request
//! that got a 202 is still there, the audit chain and tables check, and the served model
//! loads with its recorded hash; at the end every acknowledged request is applied and no
//! erased sample's data is back. `OUBLI_CRASH_KILLS` sets the number of kills (default 5;
//! `scripts/crash-test.sh` runs 30).

mod support;

use oubli_ledger::{Status, Store};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "crash-test-token";

/// One HTTP/1.1 exchange on a fresh connection: (status, body).
fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line in {out:?}")))?;
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// Every run's stderr, appended beside the store: printed when the test fails.
fn log_file(dir: &Path) -> std::fs::File {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.with_extension("log"))
        .unwrap()
}

fn log_tail(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.with_extension("log")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server process, killed when dropped (also when a check panics).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &Path, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_oubli"))
        .args([
            "serve",
            "--store",
            dir.to_str().unwrap(),
            "--port",
            &port.to_string(),
            "--token",
            TOKEN,
            "--poll-ms",
            "10",
            "--deletions-per-second",
            "100000",
        ])
        .stdout(Stdio::null())
        .stderr(log_file(dir))
        .spawn()
        .expect("oubli serve starts");
    // Owned at once, so a panic below still kills the child.
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok((200, _)) = http(port, "GET", "/v1/health", None) {
            return server;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the server did not come up on port {port}");
}

/// Everything that must hold whenever the server is down.
fn check_invariants(dir: &Path, acknowledged: &[String]) {
    let store = Store::open(dir).unwrap();
    for id in acknowledged {
        store
            .request(id)
            .unwrap_or_else(|e| panic!("acknowledged request {id} lost: {e}"));
    }
    store.verify_chain().expect("audit chain intact");
    store.verify_state().expect("tables agree with the log");
    let (model, v) = oubli_worker::load_active(&store).expect("the active model loads");
    assert_eq!(
        model.lineage().weights_sha256,
        store.model(v).unwrap().weights_hash
    );
    let left = store.dataset().unwrap();
    let ids: std::collections::HashSet<u64> = left
        .train
        .ids
        .iter()
        .chain(&left.test.ids)
        .copied()
        .collect();
    for t in store.tombstones().unwrap() {
        assert!(
            !ids.contains(&t.sample_id),
            "erased sample {} is back",
            t.sample_id
        );
    }
}

#[test]
fn acknowledged_deletions_survive_sigkill_and_are_all_applied() {
    let kills: usize = std::env::var("OUBLI_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    support::ok_json(&[
        "store",
        "init",
        "--dir",
        store_dir.to_str().unwrap(),
        "--model",
        "logreg",
        "--epochs",
        "2",
        "--lr",
        "1e-2",
        "--json",
    ]);
    let owners: Vec<String> = {
        let ds = support::digits();
        let mut o: Vec<String> = ds.train.owners.iter().flatten().cloned().collect();
        o.sort();
        o.dedup();
        o
    };
    let mut acknowledged = Vec::new();
    let mut next_owner = 0usize;
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..kills {
        let port = free_port();
        let child = start(&store_dir, port);
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let run_for = Duration::from_millis(50 + rng % 400);
        let t0 = Instant::now();
        while t0.elapsed() < run_for {
            // Half the owners, over and over: repeats end as no_data, and the store keeps
            // training rows (erasing all of them is its own test, in oubli-worker).
            let owner = &owners[next_owner % (owners.len() / 2)];
            next_owner += 1;
            let body = format!("{{\"owner\": \"{owner}\"}}");
            match http(port, "POST", "/v1/deletions", Some(&body)) {
                Ok((202, b)) => {
                    let v: serde_json::Value = serde_json::from_str(&b).unwrap();
                    acknowledged.push(v["id"].as_str().unwrap().to_string());
                }
                Ok((code, b)) => panic!("POST answered {code}: {b}"),
                Err(_) => break,
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(child); // SIGKILL
        check_invariants(&store_dir, &acknowledged);
    }
    // A last run drains the queue.
    let port = free_port();
    let child = start(&store_dir, port);
    let deadline = Instant::now() + Duration::from_secs(60);
    let store = Store::open(&store_dir).unwrap();
    loop {
        let open: Vec<_> = acknowledged
            .iter()
            .filter(|id| {
                !matches!(
                    store.request(id).unwrap().status,
                    Status::Verified | Status::NoData
                )
            })
            .collect();
        if open.is_empty() {
            break;
        }
        if Instant::now() >= deadline {
            let r = store.request(open[0]).unwrap();
            panic!(
                "{} requests never applied, e.g. {} {:?}: {:?}\nserver log:\n{}",
                open.len(),
                r.id,
                r.status,
                r.reason,
                log_tail(&store_dir)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (code, body) = http(port, "GET", "/v1/audit/verify", None).unwrap();
    assert_eq!(code, 200);
    assert!(body.contains("\"ok\":true"), "{body}");
    drop(child);
    check_invariants(&store_dir, &acknowledged);
    assert!(!acknowledged.is_empty());
}
