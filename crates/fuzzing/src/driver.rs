//! The stable, long-running fuzzing driver behind the `fuzz-*` binaries:
//! seeded cases on every core, progress lines, and at the first finding
//! (a violated oracle or a panic) the input saved for reproduction.
//!
//! Case `i` of a run with seed `s` depends on nothing else, so
//! `--seed s --start i --cases 1` replays it, and `--replay file` runs the
//! oracle on a saved (or hand-minimised) `.wasm` or `.wat` file.

use crate::generators;
use crate::oracles::{self, Engines, Finding, Stats};
use crate::rng::Rng;
use arbitrary::Unstructured;
use clap::Parser;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Which oracle a driver runs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// [`oracles::compile`] on [`generators::compile_input`].
    Compile,
    /// [`oracles::instantiate`] on [`generators::instantiate_module`].
    Instantiate,
    /// [`oracles::differential`] on [`generators::differential_module`].
    Differential,
    /// `oracles::differential_wasmtime` on
    /// [`generators::wasmtime_differential_module`] (cargo feature
    /// `wasmtime`).
    #[cfg(feature = "wasmtime")]
    DifferentialWasmtime,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Compile => "compile",
            Target::Instantiate => "instantiate",
            Target::Differential => "differential",
            #[cfg(feature = "wasmtime")]
            Target::DifferentialWasmtime => "differential-wasmtime",
        }
    }

    /// The input of case `case` of a run seeded with `seed`; `None` when
    /// wasm-smith could not build a module from the random bytes.
    pub fn input(self, seed: u64, case: u64) -> Option<Vec<u8>> {
        let data = Rng::for_case(seed, case).input_bytes();
        let mut u = Unstructured::new(&data);
        match self {
            Target::Compile => generators::compile_input(&mut u),
            Target::Instantiate => generators::instantiate_module(&mut u),
            Target::Differential => generators::differential_module(&mut u),
            #[cfg(feature = "wasmtime")]
            Target::DifferentialWasmtime => generators::wasmtime_differential_module(&mut u),
        }
        .ok()
    }

    /// Runs the oracle on `wasm`.
    pub fn check(self, engines: &Engines, wasm: &[u8]) -> Result<Stats, Finding> {
        match self {
            Target::Compile => oracles::compile(&engines.egret, wasm).map(|()| Stats::default()),
            Target::Instantiate => {
                oracles::instantiate(&engines.egret, wasm).map(|()| Stats::default())
            }
            Target::Differential => oracles::differential(engines, wasm),
            #[cfg(feature = "wasmtime")]
            Target::DifferentialWasmtime => oracles::differential_wasmtime(engines, wasm),
        }
    }
}

/// Command-line options of the `fuzz-*` binaries.
#[derive(Debug, Parser)]
#[command(about = "Fuzz Egret with seeded, reproducible cases (stable Rust, no libFuzzer)")]
pub struct Options {
    /// How many cases to run.
    #[arg(long, default_value_t = 10_000)]
    pub cases: u64,
    /// The run's seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The first case number (to replay case N: `--start N --cases 1`).
    #[arg(long, default_value_t = 0)]
    pub start: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Where findings and in-flight inputs are written.
    #[arg(long, default_value = "fuzz-findings")]
    pub out: PathBuf,
    /// Seconds between progress lines.
    #[arg(long, default_value_t = 10)]
    pub progress: u64,
    /// Run the oracle once on this `.wasm` or `.wat` file instead.
    #[arg(long)]
    pub replay: Option<PathBuf>,
    /// With `--replay` and the differential oracle: seed the call
    /// arguments with this (from a finding's message) rather than the
    /// file's hash, so a hand-minimised module gets the same arguments.
    #[arg(long, value_parser = parse_u64)]
    pub arg_seed: Option<u64>,
}

fn parse_u64(text: &str) -> Result<u64, std::num::ParseIntError> {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    }
}

/// Totals over a run.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Cases run (generated and checked).
    pub cases: u64,
    /// Cases whose random bytes did not make a module.
    pub not_generated: u64,
    /// Cases where both engines instantiated the module.
    pub instantiated: u64,
    /// Cases where both engines refused to instantiate it.
    pub instantiation_failed: u64,
    /// Compared calls.
    pub calls: u64,
    /// Compared calls that trapped alike.
    pub traps: u64,
    /// Cases cut short by stack or GC heap exhaustion.
    pub inconclusive: u64,
    /// Exported functions not called (a non-nullable reference
    /// parameter).
    pub uncallable: u64,
    /// Cases abandoned because wasmi panicked.
    pub oracle_panicked: u64,
    /// Cases skipped because they use what wasmi gets wrong.
    pub oracle_unsupported: u64,
    /// Modules with `throw` or `throw_ref` (Wasmtime differential only).
    pub throwing_modules: u64,
    /// Modules with `try_table` (Wasmtime differential only).
    pub try_table_modules: u64,
    /// Compared calls that ended in the same uncaught exception.
    pub uncaught: u64,
    /// Compared calls that returned a caught exception (a non-null
    /// `exnref`) in both engines.
    pub caught_exnrefs: u64,
    /// Modules allocating structs or arrays (Wasmtime differential only).
    pub allocating_modules: u64,
    /// Modules with `ref.test`, `ref.cast` or `br_on_cast[_fail]`.
    pub casting_modules: u64,
    /// Modules with `ref.i31`.
    pub i31_modules: u64,
    /// Compared calls that returned an `i31`, a struct or an array alike.
    pub gc_results: u64,
    /// Cases not run: a table or global import of a struct or array type
    /// (Egret's host API cannot make one yet).
    pub gc_typed_imports: u64,
}

impl Summary {
    fn add(&mut self, stats: Stats) {
        self.cases += 1;
        self.instantiated += u64::from(stats.instantiated);
        self.instantiation_failed += u64::from(stats.instantiation_failed);
        self.calls += stats.calls;
        self.traps += stats.traps;
        self.inconclusive += u64::from(stats.inconclusive);
        self.uncallable += stats.uncallable;
        self.oracle_panicked += u64::from(stats.oracle_panicked);
        self.oracle_unsupported += u64::from(stats.oracle_unsupported);
        self.throwing_modules += u64::from(stats.instructions.throws);
        self.try_table_modules += u64::from(stats.instructions.try_tables);
        self.allocating_modules += u64::from(
            stats.instructions.struct_allocations || stats.instructions.array_allocations,
        );
        self.casting_modules += u64::from(stats.instructions.casts);
        self.i31_modules += u64::from(stats.instructions.i31s);
        self.gc_results += stats.gc_results;
        self.gc_typed_imports += u64::from(stats.gc_typed_import);
        self.uncaught += stats.uncaught;
        self.caught_exnrefs += stats.caught_exnrefs;
    }

    fn merge(&mut self, other: &Summary) {
        self.cases += other.cases;
        self.not_generated += other.not_generated;
        self.instantiated += other.instantiated;
        self.instantiation_failed += other.instantiation_failed;
        self.calls += other.calls;
        self.traps += other.traps;
        self.inconclusive += other.inconclusive;
        self.uncallable += other.uncallable;
        self.oracle_panicked += other.oracle_panicked;
        self.oracle_unsupported += other.oracle_unsupported;
        self.throwing_modules += other.throwing_modules;
        self.try_table_modules += other.try_table_modules;
        self.uncaught += other.uncaught;
        self.caught_exnrefs += other.caught_exnrefs;
        self.allocating_modules += other.allocating_modules;
        self.casting_modules += other.casting_modules;
        self.i31_modules += other.i31_modules;
        self.gc_results += other.gc_results;
        self.gc_typed_imports += other.gc_typed_imports;
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} cases ({} not generated), {} instantiated, {} failed to instantiate alike, \
             {} calls compared, {} traps alike, {} inconclusive (stack or GC heap exhausted), \
             {} functions uncallable (non-null reference parameter), \
             {} abandoned (wasmi panicked), {} skipped (wasmi gets them wrong); \
             {} modules with throw/throw_ref, {} with try_table, \
             {} uncaught exceptions alike, {} caught exnrefs returned alike; \
             {} modules allocating structs/arrays, {} with casts, {} with ref.i31, \
             {} i31/struct/array results alike, \
             {} skipped (struct/array-typed table or global import)",
            self.cases,
            self.not_generated,
            self.instantiated,
            self.instantiation_failed,
            self.calls,
            self.traps,
            self.inconclusive,
            self.uncallable,
            self.oracle_panicked,
            self.oracle_unsupported,
            self.throwing_modules,
            self.try_table_modules,
            self.uncaught,
            self.caught_exnrefs,
            self.allocating_modules,
            self.casting_modules,
            self.i31_modules,
            self.gc_results,
            self.gc_typed_imports
        )
    }
}

/// The first finding of a run: where it came from and what it was.
#[derive(Debug)]
pub struct Failure {
    /// The case number.
    pub case: u64,
    /// The oracle's finding, or the panic message.
    pub finding: Finding,
    /// The saved input, when it could be written.
    pub saved: Option<PathBuf>,
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".into())
}

/// The stack size of threads that run oracles. wasmi's interpreter uses
/// the host stack for wasm calls (a few KiB per call in unoptimised
/// builds, up to its limit of 1000 nested calls), more than the 2 MiB a
/// spawned thread gets by default.
pub const STACK_SIZE: usize = 64 << 20;

/// Runs `f` on a new thread with a [`STACK_SIZE`] stack.
pub fn on_big_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, f)
            .expect("spawning a thread")
            .join()
            .expect("oracle threads catch their panics")
    })
}

/// Runs an oracle, turning a panic into a finding.
pub fn caught(oracle: impl FnOnce() -> Result<Stats, Finding>) -> Result<Stats, Finding> {
    catch_unwind(AssertUnwindSafe(oracle))
        .unwrap_or_else(|payload| Err(Finding(format!("panic: {}", panic_message(payload)))))
}

/// Saves a finding's input as `.wasm` (and `.wat` when it parses) with
/// the message in `.txt`; returns the `.wasm` path.
fn save(out: &Path, stem: &str, wasm: &[u8], message: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(out)?;
    let path = out.join(format!("{stem}.wasm"));
    std::fs::write(&path, wasm)?;
    if let Ok(text) = wasmprinter::print_bytes(wasm) {
        std::fs::write(out.join(format!("{stem}.wat")), text)?;
    }
    std::fs::write(out.join(format!("{stem}.txt")), format!("{message}\n"))?;
    Ok(path)
}

/// Runs cases `start..start + cases` of `seed` on `workers` threads until
/// done or the first finding. Every `progress` interval prints a line.
pub fn run(target: Target, options: &Options) -> Result<Summary, Failure> {
    let workers = options
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let next = AtomicU64::new(options.start);
    let end = options.start.saturating_add(options.cases);
    let stop = AtomicBool::new(false);
    let failure: Mutex<Option<Failure>> = Mutex::new(None);
    let totals = Mutex::new(Summary::default());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for worker in 0..workers {
            let (next, stop, failure, totals) = (&next, &stop, &failure, &totals);
            let worker_thread = std::thread::Builder::new().stack_size(STACK_SIZE);
            let spawned = worker_thread.spawn_scoped(scope, move || {
                let engines = Engines::new();
                let in_flight = options.out.join(format!("in-flight-{worker}.wasm"));
                let mut local = Summary::default();
                while !stop.load(Ordering::Relaxed) {
                    let case = next.fetch_add(1, Ordering::Relaxed);
                    if case >= end {
                        break;
                    }
                    let Some(wasm) = target.input(options.seed, case) else {
                        local.not_generated += 1;
                        continue;
                    };
                    // If Egret crashes the process, this file holds the input.
                    let _ = std::fs::create_dir_all(&options.out);
                    let _ = std::fs::write(&in_flight, &wasm);
                    match caught(|| target.check(&engines, &wasm)) {
                        Ok(stats) => local.add(stats),
                        Err(finding) => {
                            stop.store(true, Ordering::Relaxed);
                            let stem = format!("{}-seed{}-case{case}", target.name(), options.seed);
                            let saved = save(&options.out, &stem, &wasm, &finding.0).ok();
                            failure.lock().unwrap().get_or_insert(Failure {
                                case,
                                finding,
                                saved,
                            });
                        }
                    }
                    if local.cases % 64 == 0 {
                        totals.lock().unwrap().merge(&std::mem::take(&mut local));
                    }
                }
                totals.lock().unwrap().merge(&local);
                let _ = std::fs::remove_file(&in_flight);
            });
            spawned.expect("spawning a worker thread");
        }
        let interval = Duration::from_secs(options.progress.max(1));
        let mut last = Instant::now();
        while next.load(Ordering::Relaxed) < end && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            if last.elapsed() >= interval {
                last = Instant::now();
                let done = next.load(Ordering::Relaxed).min(end) - options.start;
                let secs = started.elapsed().as_secs_f64();
                eprintln!(
                    "[{}] {secs:.0}s: case {done}/{} ({:.0}/s); {}",
                    target.name(),
                    options.cases,
                    done as f64 / secs,
                    totals.lock().unwrap()
                );
            }
        }
    });
    match failure.into_inner().unwrap() {
        Some(f) => Err(f),
        None => Ok(totals.into_inner().unwrap()),
    }
}

/// The `main` of a `fuzz-*` binary: parses [`Options`], runs or replays,
/// prints the result; exits with status 1 on a finding.
pub fn main(target: Target) {
    let options = Options::parse();
    if let Some(path) = &options.replay {
        let bytes = std::fs::read(path).unwrap_or_else(|e| {
            eprintln!("cannot read {}: {e}", path.display());
            std::process::exit(2)
        });
        let wasm = wat::parse_bytes(&bytes).unwrap_or_else(|e| {
            eprintln!("cannot parse {}: {e}", path.display());
            std::process::exit(2)
        });
        let engines = Engines::new();
        let check = || match (target, options.arg_seed) {
            (Target::Differential, Some(seed)) => {
                oracles::differential_with_args(&engines, &wasm, seed)
            }
            #[cfg(feature = "wasmtime")]
            (Target::DifferentialWasmtime, Some(seed)) => {
                oracles::differential_wasmtime_with_args(&engines, &wasm, seed)
            }
            _ => target.check(&engines, &wasm),
        };
        match on_big_stack(|| caught(check)) {
            Ok(stats) => println!("no finding: {stats:?}"),
            Err(finding) => {
                println!("finding: {finding}");
                std::process::exit(1)
            }
        }
        return;
    }
    let started = Instant::now();
    let result = run(target, &options);
    let secs = started.elapsed().as_secs_f64();
    match result {
        Ok(summary) => println!(
            "[{}] seed {} cases {}..{}: no finding in {secs:.1}s; {summary}",
            target.name(),
            options.seed,
            options.start,
            options.start + options.cases
        ),
        Err(failure) => {
            println!(
                "[{}] seed {} case {}: FINDING after {secs:.1}s\n{}",
                target.name(),
                options.seed,
                failure.case,
                failure.finding
            );
            if let Some(path) = failure.saved {
                println!(
                    "saved to {} (replay: --replay {0}, or --seed {} --start {} --cases 1)",
                    path.display(),
                    options.seed,
                    failure.case
                );
            }
            std::process::exit(1)
        }
    }
}
