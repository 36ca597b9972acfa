//! `-W` options (WebAssembly features and runtime bounds, in Wasmtime's
//! `-W KEY[=VALUE]` form), shared by `egret run`, `compile` and `wast`.
//! Those that change generated code (fuel, epoch interruption, proposals)
//! must be given alike to `egret compile` and to the `egret run
//! --allow-precompiled` of the artifact it writes; the others (the fuel
//! amount, time, memory and stack bounds) matter to `run` only.

use crate::codegen::yes_or_no;
use anyhow::{Context, bail};
use egret::Config;
use std::time::Duration;

/// Help for `-W`, shown by `--help`.
pub(crate) const HELP: &str = "\
WebAssembly options, as KEY[=VALUE], several separated by commas or in \
several -W flags:
  fuel=N                 count fuel and stop the program after about N \
instructions (also --fuel)
  epoch-interruption[=y|n]  compile epoch-deadline checks
  timeout=DURATION       stop the program after this long, e.g. 2s, 500ms \
(implies epoch-interruption; also --timeout)
  max-memory-size=SIZE   most bytes of linear memory, e.g. 64MiB (also \
--max-memory)
  max-wasm-stack=SIZE    most bytes of wasm stack (also --max-wasm-stack)
  simd, bulk-memory, reference-types, multi-value, multi-memory, \
extended-const, memory64, tail-call, function-references, relaxed-simd, \
wide-arithmetic, custom-page-sizes, gc, exceptions [=y|n]  turn a \
WebAssembly proposal on or off (see docs/features.md for what Egret \
implements)
Fuel, epoch-interruption, timeout and the proposals change the code: give \
them to `egret compile` too when running its output.";

/// The `-W` options given.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct WasmOptions {
    /// `fuel`: count fuel, and give the program this much.
    pub fuel: Option<u64>,
    /// `epoch-interruption`: compile epoch-deadline checks.
    pub epoch_interruption: bool,
    /// `timeout`: interrupt the program after this long.
    pub timeout: Option<Duration>,
    /// `max-memory-size`: most bytes of linear memory.
    pub max_memory_size: Option<usize>,
    /// `max-wasm-stack`: most bytes of wasm stack.
    pub max_wasm_stack: Option<usize>,
    /// Proposals turned on or off, in the order given.
    proposals: Vec<(Proposal, bool)>,
}

/// Turns a proposal on or off in a configuration.
type Proposal = fn(&mut Config, bool) -> &mut Config;

/// The proposals `-W` knows, by name.
const PROPOSALS: &[(&str, Proposal)] = &[
    ("simd", Config::wasm_simd),
    ("bulk-memory", Config::wasm_bulk_memory),
    ("reference-types", Config::wasm_reference_types),
    ("multi-value", Config::wasm_multi_value),
    ("multi-memory", Config::wasm_multi_memory),
    ("extended-const", Config::wasm_extended_const),
    ("memory64", Config::wasm_memory64),
    ("tail-call", Config::wasm_tail_call),
    ("function-references", Config::wasm_function_references),
    ("relaxed-simd", Config::wasm_relaxed_simd),
    ("wide-arithmetic", Config::wasm_wide_arithmetic),
    ("custom-page-sizes", Config::wasm_custom_page_sizes),
    ("gc", Config::wasm_gc),
    ("exceptions", Config::wasm_exceptions),
];

/// What a `-W` key does with its value (`None` when given without `=`).
type Setter = fn(&mut WasmOptions, Option<&str>) -> anyhow::Result<()>;

/// The `-W` keys other than proposals, each with what it sets.
const KEYS: &[(&str, Setter)] = &[
    ("fuel", |w, value| {
        let value = required(value, "fuel=N")?;
        w.fuel = Some(
            value
                .parse()
                .with_context(|| format!("`{value}` is not a number"))?,
        );
        Ok(())
    }),
    ("epoch-interruption", |w, value| {
        w.epoch_interruption = yes_or_no(value)?;
        Ok(())
    }),
    ("timeout", |w, value| {
        w.timeout = Some(parse_duration(required(value, "timeout=DURATION")?)?);
        Ok(())
    }),
    ("max-memory-size", |w, value| {
        w.max_memory_size = Some(parse_size(required(value, "max-memory-size=SIZE")?)?);
        Ok(())
    }),
    ("max-wasm-stack", |w, value| {
        w.max_wasm_stack = Some(parse_size(required(value, "max-wasm-stack=SIZE")?)?);
        Ok(())
    }),
];

fn required<'a>(value: Option<&'a str>, form: &str) -> anyhow::Result<&'a str> {
    match value {
        Some(value) if !value.is_empty() => Ok(value),
        _ => bail!("expects a value: {form}"),
    }
}

impl WasmOptions {
    /// Reads the values of all `-W` flags, in order (a later value of a
    /// key replaces an earlier one).
    pub(crate) fn parse(flags: &[String]) -> anyhow::Result<WasmOptions> {
        let mut options = WasmOptions::default();
        for option in flags.iter().flat_map(|flag| flag.split(',')) {
            let (key, value) = match option.split_once('=') {
                Some((key, value)) => (key, Some(value)),
                None => (option, None),
            };
            if let Some((_, set)) = KEYS.iter().find(|(name, _)| *name == key) {
                set(&mut options, value).with_context(|| format!("-W {option}"))?;
            } else if let Some((_, proposal)) = PROPOSALS.iter().find(|(name, _)| *name == key) {
                let enable = yes_or_no(value).with_context(|| format!("-W {option}"))?;
                options.proposals.push((*proposal, enable));
            } else {
                let known: Vec<&str> = KEYS
                    .iter()
                    .map(|(name, _)| *name)
                    .chain(PROPOSALS.iter().map(|(name, _)| *name))
                    .collect();
                bail!(
                    "-W {option}: unknown option `{key}` (known: {})",
                    known.join(", ")
                );
            }
        }
        Ok(options)
    }

    /// Fails if an option that only `run` can honour was given to
    /// `command` (fuel, epochs and limits need a store that sets them).
    pub(crate) fn refuse_run_options(&self, command: &str) -> anyhow::Result<()> {
        let given = [
            ("fuel", self.fuel.is_some()),
            ("epoch-interruption", self.epoch_interruption),
            ("timeout", self.timeout.is_some()),
            ("max-memory-size", self.max_memory_size.is_some()),
        ];
        match given.iter().find(|(_, given)| *given) {
            Some((name, _)) => bail!("-W {name} applies to `egret run`, not `egret {command}`"),
            None => Ok(()),
        }
    }

    /// Applies what shapes the engine (code and stack) to `config`.
    pub(crate) fn configure(&self, config: &mut Config) {
        config
            .consume_fuel(self.fuel.is_some())
            .epoch_interruption(self.epoch_interruption || self.timeout.is_some());
        if let Some(bytes) = self.max_wasm_stack {
            config.max_wasm_stack(bytes);
        }
        for (proposal, enable) in &self.proposals {
            proposal(config, *enable);
        }
    }
}

/// Splits `500ms` into `500` and `ms`: the number (trimmed), then the unit
/// from the first letter on.
fn number_and_unit(text: &str) -> (&str, &str) {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    (number.trim(), unit)
}

/// Parses `2s`, `500ms`, `1.5m`, `1h`; a bare number is seconds.
pub(crate) fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let (number, unit) = number_and_unit(text);
    let Ok(value) = number.parse::<f64>() else {
        bail!("`{text}` is not a duration like 2s or 500ms");
    };
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1e3,
        "us" => value / 1e6,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => bail!("unknown unit `{unit}` (use ms, s, m or h)"),
    };
    Duration::try_from_secs_f64(seconds).with_context(|| format!("`{text}`"))
}

/// Parses a byte size: `65536`, `64KiB`, `16MiB`, `1GiB` (also K, M, G,
/// KB, MB, GB, all powers of 1024).
pub(crate) fn parse_size(text: &str) -> anyhow::Result<usize> {
    let (number, unit) = number_and_unit(text);
    let Ok(value) = number.parse::<usize>() else {
        bail!("`{text}` is not a size like 64MiB");
    };
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => bail!("unknown unit `{unit}` (use KiB, MiB or GiB)"),
    };
    value
        .checked_mul(1 << shift)
        .with_context(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(flags: &[&str]) -> anyhow::Result<WasmOptions> {
        let flags: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        WasmOptions::parse(&flags)
    }

    #[test]
    fn options_read_like_wasmtimes() {
        let options = parse(&["fuel=1000,timeout=2s", "max-wasm-stack=1MiB", "simd=n"]).unwrap();
        assert_eq!(options.fuel, Some(1000));
        assert_eq!(options.timeout, Some(Duration::from_secs(2)));
        assert_eq!(options.max_wasm_stack, Some(1 << 20));
        assert_eq!(options.proposals.len(), 1);
        assert!(parse(&["epoch-interruption"]).unwrap().epoch_interruption);
        assert!(!parse(&["epoch-interruption=n"]).unwrap().epoch_interruption);
        assert_eq!(parse(&["fuel=1", "fuel=2"]).unwrap().fuel, Some(2));
    }

    #[test]
    fn bad_options_say_what_is_wrong() {
        let error = |flags: &[&str]| format!("{:#}", parse(flags).unwrap_err());
        assert!(error(&["fuel"]).contains("expects a value: fuel=N"));
        assert!(error(&["fuel=lots"]).contains("`lots` is not a number"));
        assert!(error(&["threads=y"]).contains("unknown option `threads` (known: fuel,"));
        assert!(error(&["simd=maybe"]).contains("`maybe` is not y or n"));
        assert!(error(&["timeout=3 weeks"]).contains("unknown unit"));
    }

    #[test]
    fn run_options_are_refused_elsewhere() {
        assert!(
            parse(&["simd=n,max-wasm-stack=1MiB"])
                .unwrap()
                .refuse_run_options("wast")
                .is_ok()
        );
        let error = parse(&["fuel=10"])
            .unwrap()
            .refuse_run_options("wast")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "-W fuel applies to `egret run`, not `egret wast`"
        );
    }

    #[test]
    fn options_shape_the_engine() {
        let mut config = Config::new();
        parse(&["simd=n"]).unwrap().configure(&mut config);
        let engine = egret::Engine::new(&config).unwrap();
        let simd = "(module (func (result v128) v128.const i64x2 0 0))";
        assert!(egret::Module::new(&engine, simd).is_err());
        assert!(egret::Module::new(&egret::Engine::default(), simd).is_ok());
    }
}
