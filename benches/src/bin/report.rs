//! Prints Egret's benchmark figures as Markdown tables, with Wasmtime,
//! wasmi and native code beside them when built with `--features compare`:
//!
//! ```sh
//! cargo run --release -p egret-benches --features compare --bin report
//! ```
//!
//! Options: `--samples N` (samples per figure, default 7),
//! `--min-batch-ms N` (shortest timed batch, default 50) and `--cpu-time`
//! (time with the process's CPU clock instead of the wall clock: steadier
//! on a machine shared with other work, but parallel compilation then
//! counts the time of every thread). Progress goes to stderr, the tables
//! to stdout.

use egret_benches::report::{self, Column, Inputs};
use egret_benches::timing::{Clock, Timing};
use std::io::Write;

fn main() {
    let timing = parse_args();
    let load_before = load_average();
    let inputs = Inputs::new();
    eprintln!("preparing: compiling and checking every kernel on every runtime");
    let mut columns: Vec<Column> = Vec::new();
    columns.push(report::column::<egret_benches::runtimes::Egret>(&inputs));
    egret_benches::if_compare! {
        columns.push(report::column::<egret_benches::runtimes::Wasmtime>(&inputs));
        columns.push(report::column::<egret_benches::runtimes::Wasmi>(&inputs));
    }
    let runtimes: Vec<&'static str> = columns.iter().map(|c| c.name).collect();
    columns.push(report::native_column());
    eprintln!("checksums agree with native code on every runtime");

    let results = report::measure(&mut columns, timing, |what| {
        eprint!("\r\x1b[2Kmeasuring {what}");
        let _ = std::io::stderr().flush();
    });
    eprintln!();

    println!("## Egret benchmark report\n");
    println!("{}\n", machine());
    println!(
        "Each figure: the median of {} samples, each sample a batch of at least {} ms, \
         timed with the {}. Load average (1 min) before: {load_before}, after: {}.\n",
        timing.samples,
        (timing.min_batch * 1e3).round(),
        match timing.clock {
            Clock::Wall => "wall clock",
            Clock::ProcessCpu => "process CPU clock (all threads)",
        },
        load_average(),
    );
    print!("{}", report::markdown(&results, &runtimes, &inputs));
}

fn parse_args() -> Timing {
    let mut timing = Timing::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage(&format!("{name} needs a number")))
        };
        match arg.as_str() {
            "--samples" => timing.samples = value("--samples") as usize,
            "--min-batch-ms" => timing.min_batch = value("--min-batch-ms") as f64 / 1e3,
            "--cpu-time" => timing.clock = Clock::ProcessCpu,
            other => usage(&format!("unknown argument `{other}`")),
        }
    }
    timing
}

fn usage(problem: &str) -> ! {
    eprintln!("report: {problem}\nusage: report [--samples N] [--min-batch-ms N] [--cpu-time]");
    std::process::exit(2);
}

/// The 1-minute load average: other work competing for the cores.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// The machine, as `docs/performance.md` records it.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown date".into(), |d| d.trim().to_string());
    format!(
        "Machine: {model}, {cpus} CPUs ({} {}); {date}; compare feature {}.",
        std::env::consts::OS,
        std::env::consts::ARCH,
        if cfg!(feature = "compare") {
            "on"
        } else {
            "off"
        }
    )
}
