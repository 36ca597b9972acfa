//! The `report` binary's timing loop: simple, repeated, and the same for
//! every runtime. (The Criterion benches do their own statistics.)

use std::time::Instant;

/// Which clock measures a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// Elapsed (wall-clock) time: what a user waits for.
    Wall,
    /// CPU time of the whole process, all threads: robust against other
    /// processes competing for the cores, but for multi-threaded work
    /// (parallel compilation) it adds up the threads' times.
    ProcessCpu,
}

/// How long, how often and with which clock to measure one figure.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Each sample runs the figure enough times to last at least this many
    /// seconds.
    pub min_batch: f64,
    /// Samples per figure; the result is their median.
    pub samples: usize,
    /// The clock.
    pub clock: Clock,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            min_batch: 0.05,
            samples: 7,
            clock: Clock::Wall,
        }
    }
}

/// The process's CPU time in seconds.
fn process_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write to.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Seconds taken by `f(iters)`.
fn time(clock: Clock, f: &mut dyn FnMut(u64), iters: u64) -> f64 {
    match clock {
        Clock::Wall => {
            let start = Instant::now();
            f(iters);
            start.elapsed().as_secs_f64()
        }
        Clock::ProcessCpu => {
            let start = process_cpu_seconds();
            f(iters);
            process_cpu_seconds() - start
        }
    }
}

/// The median time in seconds of one iteration of `f`, where `f(k)` runs
/// `k` iterations. Two untimed warm-up batches come first (the first call
/// may pay for lazy initialisation, page faults in fresh memory, ...) and
/// size the batches.
pub fn per_iteration(timing: Timing, f: &mut dyn FnMut(u64)) -> f64 {
    per_iteration_each(timing, &mut [f])[0]
}

/// [`per_iteration`] of several contenders measured side by side: after
/// each one's warm-up, the samples alternate between them (one batch of
/// the first, one of the second, ..., then again), so a change in machine
/// load or clock speed during the measurement reaches all of them alike
/// instead of whichever ran last. The medians, in `fs`'s order.
pub fn per_iteration_each(timing: Timing, fs: &mut [&mut dyn FnMut(u64)]) -> Vec<f64> {
    let batches: Vec<u64> = fs
        .iter_mut()
        .map(|f| {
            let once = time(timing.clock, *f, 1);
            let iters = batch_size(timing.min_batch, once);
            let warm = time(timing.clock, *f, iters);
            batch_size(timing.min_batch, warm / iters as f64)
        })
        .collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); fs.len()];
    for _ in 0..timing.samples.max(1) {
        for ((f, &iters), times) in fs.iter_mut().zip(&batches).zip(&mut samples) {
            times.push(time(timing.clock, *f, iters) / iters as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut times| {
            times.sort_by(f64::total_cmp);
            times[times.len() / 2]
        })
        .collect()
}

fn batch_size(min_batch: f64, one: f64) -> u64 {
    (min_batch / one.max(1e-9)).clamp(1.0, (1u64 << 30) as f64) as u64
}

/// A time in seconds with a unit that keeps about three significant digits.
pub fn format_seconds(s: f64) -> String {
    let ns = s * 1e9;
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// `a / b` as a ratio for tables, e.g. `1.23×`.
pub fn format_ratio(a: f64, b: f64) -> String {
    format!("{:.2}×", a / b)
}

/// The geometric mean of some ratios.
pub fn geomean(ratios: &[f64]) -> f64 {
    let logs: f64 = ratios.iter().map(|r| r.ln()).sum();
    (logs / ratios.len() as f64).exp()
}
