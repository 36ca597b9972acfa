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
    /// Run a WASI program (its `_start` export), or call the export given
    /// with `--invoke` and print its results.
    ///
    /// The program gets WASI preview1, sandboxed to the directories given
    /// with `--dir`. Exits with the program's exit code, 1 if wasm traps
    /// (the trap and its wasm backtrace go to stderr), 2 on any other
    /// error.
    Run(run::RunOptions),
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
        Command::Run(options) => run::run(&options),
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
