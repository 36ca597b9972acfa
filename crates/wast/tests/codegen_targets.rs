//! Code generation for every target Egret supports, checked on this
//! machine: every module of the spec suites compiles, with Cranelift's
//! verifier on, for aarch64 Linux, for x86_64 at the lowest CPU level Egret
//! supports (x86-64-v2, see `egret_frontend::target`), and for the host;
//! every function gets code, and the trap sites are recorded.

mod suites;

use egret::{CodeKind, Config, Engine, FunctionReport};
use suites::Suite;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective};

/// The binary of every module the suite's scripts define and expect to be
/// valid (`module` and `module definition` directives).
fn suite_modules(suite: Suite) -> Vec<(String, Vec<u8>)> {
    let mut modules = Vec::new();
    for file in suite.files() {
        let mut lexer = wast::lexer::Lexer::new(file.raw());
        lexer.allow_confusing_unicode(true);
        let buffer = ParseBuffer::new_with_lexer(lexer).expect("script lexes");
        let script: Wast<'_> = parser::parse(&buffer).expect("script parses");
        for directive in script.directives {
            let (mut quote, span) = match directive {
                WastDirective::Module(q) | WastDirective::ModuleDefinition(q) => {
                    let span = q_span(&q);
                    (q, span)
                }
                _ => continue,
            };
            if let Ok(binary) = quote.encode() {
                let (line, _) = span.linecol_in(file.raw());
                modules.push((format!("{}:{}", file.name(), line + 1), binary));
            }
        }
    }
    modules
}

fn q_span(quote: &QuoteWat<'_>) -> wast::token::Span {
    match quote {
        QuoteWat::Wat(w) => w.span(),
        QuoteWat::QuoteModule(span, _) | QuoteWat::QuoteComponent(span, _) => *span,
    }
}

/// Compiles every module of `suite` for `target` and checks the reports
/// against the host's.
fn check(suite: Suite, target: &str) {
    let mut config = suite.config();
    config.cranelift_debug_verifier(true);
    let host = Engine::new(&config).unwrap();
    config.target(target).unwrap();
    let engine = Engine::new(&config).unwrap();

    let (mut functions, mut traps) = (0, 0);
    for (name, binary) in suite_modules(suite) {
        // Modules the host rejects (invalid ones the script only defines
        // to check the error) are not code generation cases.
        let Ok(expected) = host.compile_report(&binary) else {
            continue;
        };
        let report: Vec<FunctionReport> = engine
            .compile_report(&binary)
            .unwrap_or_else(|e| panic!("{name} does not compile for {target}: {e}"));
        let kinds = |r: &[FunctionReport]| r.iter().map(|f| f.kind).collect::<Vec<CodeKind>>();
        assert_eq!(
            kinds(&report),
            kinds(&expected),
            "{name}: different functions for {target}"
        );
        for f in &report {
            assert!(
                f.code_size > 0,
                "{name}: {:?} has no code for {target}",
                f.kind
            );
        }
        functions += report.len();
        traps += report.iter().map(|f| f.trap_sites).sum::<usize>();
    }
    assert!(
        functions > 0 && traps > 0,
        "{suite:?} for {target}: {functions} functions, {traps} trap sites"
    );
}

macro_rules! targets {
    ($($suite:ident => $module:ident;)*) => {$(
        mod $module {
            use super::*;

            #[test]
            fn aarch64_linux() {
                check(Suite::$suite, "aarch64-unknown-linux-gnu");
            }

            #[test]
            fn x86_64_baseline() {
                check(Suite::$suite, "x86_64-baseline");
            }

            #[test]
            fn host() {
                check(Suite::$suite, "host");
            }
        }
    )*};
}

targets! {
    V1 => v1;
    V2 => v2;
    Simd => simd;
    MultiMemory => multi_memory;
    ExtendedConst => extended_const;
}

#[test]
fn foreign_targets_cannot_run_here() {
    let mut config = Config::new();
    config.target("aarch64-unknown-linux-gnu").unwrap();
    let engine = Engine::new(&config).unwrap();
    assert!(egret::Module::new(&engine, "(module (func))").is_err());
    assert!(engine.compile_report("(module (func))").is_ok());
}
