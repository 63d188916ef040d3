//! Independent trainings side by side, one thread each.
//!
//! A small model's training step splits poorly over a few cores: most of the MLP's GEMMs
//! are under burn-flex's parallel threshold, and the ones above it synchronise the threads
//! once per op. K independent trainings (LiRA shadows, calibration retrains, bench seeds)
//! therefore finish sooner as `jobs` single-threaded trainings at a time than as K
//! trainings that each use every thread.
//!
//! Each job runs inside its own one-thread rayon pool, so burn-flex and gemm, which size
//! their work by `rayon::current_num_threads()`, stay on it. Training is bit-identical
//! whatever the thread count (`tests/train_digits.rs` checks 1 against 2), so the results
//! equal the sequential run's, in the same order, for every `jobs`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

thread_local! {
    /// Set on the threads [`side_by_side`] starts: work nested in a job (a SISA model's
    /// shards inside one LiRA shadow) then runs one training at a time on that thread.
    static IN_JOB: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// How many trainings to run side by side when the caller does not say: 1 inside a job of
/// [`side_by_side`]; else `OUBLI_JOBS` if it is set to a positive number (1 restores one
/// training at a time on every thread), else one per thread of the current rayon pool
/// (`RAYON_NUM_THREADS`, or the cores).
pub fn default_jobs() -> usize {
    if IN_JOB.with(|j| j.get()) {
        return 1;
    }
    std::env::var("OUBLI_JOBS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&j| j > 0)
        .unwrap_or_else(|| rayon::current_num_threads().max(1))
}

/// `f(0), …, f(n − 1)` with up to `jobs` of them running at once, each on one thread;
/// `jobs` of 0 means [`default_jobs`]. Returns the results in index order, or the error
/// of the lowest failed index among those that ran (no new index starts after a
/// failure). `on_done(finished, n)` is called on the caller's thread after each
/// completion, for progress.
pub fn side_by_side<T, E, F>(
    n: usize,
    jobs: usize,
    f: F,
    on_done: &mut dyn FnMut(usize, usize),
) -> Result<Vec<T>, E>
where
    T: Send,
    E: Send,
    F: Fn(usize) -> Result<T, E> + Sync,
{
    let jobs = if jobs == 0 { default_jobs() } else { jobs }.min(n);
    if jobs <= 1 {
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            out.push(f(i)?);
            on_done(i + 1, n);
        }
        return Ok(out);
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
    let mut first_error: Option<(usize, E)> = None;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Result<T, E>)>();
        for _ in 0..jobs {
            let tx = tx.clone();
            let (f, next, failed) = (&f, &next, &failed);
            scope.spawn(move || {
                IN_JOB.with(|j| j.set(true));
                // Without a pool of its own a job would share the global one with the
                // others: still correct, only slower.
                let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().ok();
                loop {
                    if failed.load(Ordering::SeqCst) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n {
                        break;
                    }
                    let result = match &pool {
                        Some(pool) => pool.install(|| f(i)),
                        None => f(i),
                    };
                    if result.is_err() {
                        failed.store(true, Ordering::SeqCst);
                    }
                    if tx.send((i, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut finished = 0;
        for (i, result) in rx {
            match result {
                Ok(value) => {
                    slots[i] = Some(value);
                    finished += 1;
                    on_done(finished, n);
                }
                Err(e) => {
                    if first_error.as_ref().is_none_or(|(j, _)| i < *j) {
                        first_error = Some((i, e));
                    }
                }
            }
        }
    });
    if let Some((_, e)) = first_error {
        return Err(e);
    }
    Ok(slots
        .into_iter()
        .map(|slot| slot.expect("every index ran: no job failed"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_index_order_for_every_job_count() {
        let square = |i: usize| -> Result<(usize, usize), String> {
            // Later indices finish first when run side by side.
            std::thread::sleep(std::time::Duration::from_millis((8 - i as u64) * 2));
            Ok((i * i, rayon::current_num_threads()))
        };
        for jobs in [1, 2, 3, 8, 20] {
            let mut seen = Vec::new();
            let got = side_by_side(8, jobs, square, &mut |d, n| seen.push((d, n))).unwrap();
            // Sequentially the caller's pool is used; side by side, a one-thread pool each.
            let threads = if jobs == 1 {
                rayon::current_num_threads()
            } else {
                1
            };
            let want: Vec<(usize, usize)> = (0..8).map(|i| (i * i, threads)).collect();
            assert_eq!(got, want, "jobs {jobs}");
            assert_eq!(seen, (1..=8).map(|d| (d, 8)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn work_nested_in_a_job_runs_one_at_a_time() {
        let nested = |_: usize| Ok::<_, ()>(default_jobs());
        let got = side_by_side(2, 2, nested, &mut |_, _| {}).unwrap();
        assert_eq!(got, vec![1, 1]);
    }

    #[test]
    fn the_lowest_failed_index_is_reported_and_nothing_is_lost_silently() {
        let f = |i: usize| {
            if i == 3 {
                Err(format!("job {i} failed"))
            } else {
                Ok(i)
            }
        };
        assert_eq!(
            side_by_side(6, 1, f, &mut |_, _| {}),
            Err("job 3 failed".into())
        );
        assert_eq!(
            side_by_side(6, 2, f, &mut |_, _| {}),
            Err("job 3 failed".into())
        );
        assert_eq!(side_by_side(0, 2, f, &mut |_, _| {}), Ok(vec![]));
    }
}
