//! Runs WebAssembly spec scripts (`.wast`) on Egret, through its public
//! embedding API only.
//!
//! Every directive of a script (`module`, `register`, `invoke`, and each
//! `assert_*`) is one check that passes or fails on its own; a [`Report`]
//! counts them and lists the failures with their lines.
//!
//! Assertions hold only as they would in the reference interpreter's
//! harness: `assert_malformed` needs a module whose text does not parse or
//! whose binary does not decode, `assert_invalid` one that decodes but
//! does not validate, `assert_unlinkable` one that compiles but fails to
//! link (with the expected message), and `assert_trap` on a module one
//! that links and then traps. A trap's expected text, for `assert_trap`
//! and `assert_exhaustion` (which needs a stack overflow), must be a
//! prefix of the reference interpreter's message for the trap Egret raised
//! (Egret's own messages are Wasmtime's), short of the element index the
//! reference interpreter appends to its element traps.
//!
//! ```
//! let runner = egret_wast::WastRunner::new()?;
//! let report = runner.run_str("example.wast", r#"
//!     (module (func (export "id") (param i32) (result i32) local.get 0))
//!     (assert_invalid (module (func (result i32))) "type mismatch")
//!     (assert_malformed (module quote "(func") "unexpected end")
//! "#);
//! assert_eq!(report.total(), 3);
//! # Ok::<(), egret::Error>(())
//! ```

// The one exception: loading the runner's own artifacts in precompiled
// mode (`Script::load`).
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod script;
mod spectest;
mod values;

use anyhow::Context;
use egret::{Config, Engine};
use std::fmt;
use std::path::Path;

/// One failed check of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The 1-based line of the directive in the script.
    pub line: usize,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The outcome of one script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The script's name (its path, for files).
    pub name: String,
    /// How many directives passed.
    pub passed: usize,
    /// The directives that failed, in script order. A script that does not
    /// parse has one failure, at the parse error.
    pub failed: Vec<Failure>,
}

impl Report {
    /// How many checks ran.
    pub fn total(&self) -> usize {
        self.passed + self.failed.len()
    }

    /// Whether every check passed.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
    }
}

impl fmt::Display for Report {
    /// `PASS name (N assertions)`, or `FAIL name: N of M failed` followed
    /// by one indented line per failure.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_success() {
            return write!(f, "PASS {} ({} assertions)", self.name, self.total());
        }
        write!(
            f,
            "FAIL {}: {} of {} failed",
            self.name,
            self.failed.len(),
            self.total()
        )?;
        for failure in &self.failed {
            write!(f, "\n  {failure}")?;
        }
        Ok(())
    }
}

/// Runs scripts on an engine configured for spec testing (Cranelift's IR
/// verifier on). Each script gets a fresh store with the `spectest` module.
#[derive(Clone, Debug)]
pub struct WastRunner {
    engine: Engine,
    /// In precompiled mode, the engine that compiles every module before it
    /// is serialized and loaded into `engine` (see
    /// [`WastRunner::precompiled`]).
    compiler: Option<Engine>,
}

impl WastRunner {
    /// A runner with its own engine (default features).
    pub fn new() -> egret::Result<WastRunner> {
        WastRunner::with_config(Config::new())
    }

    /// A runner with an engine built from `config` (with Cranelift's IR
    /// verifier turned on), e.g. to enable proposals a suite needs.
    pub fn with_config(mut config: Config) -> egret::Result<WastRunner> {
        config.cranelift_debug_verifier(true);
        Ok(WastRunner {
            engine: Engine::new(&config)?,
            compiler: None,
        })
    }

    /// A runner that checks precompiled modules: every module is compiled
    /// by one engine, serialized, and loaded with `Module::deserialize`
    /// into another engine of the same configuration, which runs the
    /// script. What the script asserts must hold of the loaded modules.
    pub fn precompiled(config: Config) -> egret::Result<WastRunner> {
        let mut runner = WastRunner::with_config(config.clone())?;
        runner.compiler = Some(WastRunner::with_config(config)?.engine);
        Ok(runner)
    }

    /// Runs the script `text`, called `name` in the report.
    pub fn run_str(&self, name: &str, text: &str) -> Report {
        match script::Script::new(&self.engine, self.compiler.as_ref(), text) {
            Ok(script) => script.run(name),
            Err(e) => Report {
                name: name.to_string(),
                passed: 0,
                failed: vec![Failure {
                    line: 1,
                    message: format!("cannot set up the spectest module: {e}"),
                }],
            },
        }
    }

    /// Runs the script in the file at `path`; fails only if the file cannot
    /// be read as UTF-8 text.
    pub fn run_file(&self, path: impl AsRef<Path>) -> anyhow::Result<Report> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok(self.run_str(&path.display().to_string(), &text))
    }
}

/// Runs the script `text` on a new [`WastRunner`].
pub fn run_str(name: &str, text: &str) -> egret::Result<Report> {
    Ok(WastRunner::new()?.run_str(name, text))
}

/// Runs the script in the file at `path` on a new [`WastRunner`].
pub fn run_file(path: impl AsRef<Path>) -> anyhow::Result<Report> {
    WastRunner::new()?.run_file(path)
}
