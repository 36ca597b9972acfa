//! The `egret` command: run WebAssembly modules and spec scripts.

#![forbid(unsafe_code)]

mod run;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Egret, a WebAssembly runtime.
#[derive(Parser)]
#[command(name = "egret", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a module: call its `_start` export, or the export given with
    /// `--invoke`, and print the results.
    ///
    /// The module gets no imports (WASI is not supported yet). Exits with
    /// 1 if wasm traps, 2 on any other error.
    Run {
        /// Call this export with ARGS instead of `_start`.
        #[arg(long, value_name = "NAME")]
        invoke: Option<String>,
        /// The module: a `.wasm` binary or `.wat` text file.
        file: PathBuf,
        /// Arguments for the invoked function, read as its parameter types
        /// (i32, i64, f32, f64).
        #[arg(allow_hyphen_values = true, trailing_var_arg = true)]
        args: Vec<String>,
    },
    /// Run WebAssembly spec scripts (`.wast`): one line per file, then the
    /// total. Exits with 1 if any check failed.
    Wast {
        /// The scripts.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run { invoke, file, args } => run::run(&file, invoke.as_deref(), &args),
        Command::Wast { files } => wast(&files),
    }
}

/// Runs each script, printing its report, then the assertion totals.
fn wast(files: &[PathBuf]) -> ExitCode {
    let runner = match egret_wast::WastRunner::new() {
        Ok(runner) => runner,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        match runner.run_file(file) {
            Ok(report) => {
                println!("{report}");
                passed += report.passed;
                failed += report.failed.len();
            }
            Err(e) => {
                println!("FAIL {}: {e:#}", file.display());
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
