//! `-C` options (code generation, in Wasmtime's `-C KEY[=VALUE]` form):
//! which ones exist, how their values are read, and the compilation cache
//! they set up.

use anyhow::{Context, bail};
use std::path::PathBuf;

/// Help for `-C`, shown by `egret run --help`.
pub(crate) const HELP: &str = "\
Code generation options, as KEY[=VALUE], several separated by commas or \
in several -C flags:
  cache[=y|n]        keep compiled modules in the compilation cache and load \
them from it (`-C cache` alone is y; also `--cache`). Off unless asked for: \
Wasmtime's CLI has it on by default, but an entry is machine code that runs \
without being compiled again, so Egret lets you choose to trust a directory \
for it
  cache-config=FILE  the cache's TOML configuration file (its [cache] table: \
directory, files-total-size-soft-limit, ...); turns the cache on unless \
cache=n. Without it: ~/.config/egret/config.toml if it exists, otherwise the \
defaults (~/.cache/egret, 512 MiB)
  inlining[=y|n]     inline small functions into their direct callers within \
a module (`-C inlining` alone is y; default n, as in Wasmtime); backtraces \
then omit the inlined frames";

/// The `-C` options given.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Codegen {
    /// `cache`: on or off, if given.
    pub cache: Option<bool>,
    /// `cache-config`: the configuration file, if given.
    pub cache_config: Option<PathBuf>,
    /// `inlining`: on or off, if given.
    pub inlining: Option<bool>,
}

/// What a `-C` key does with its value (`None` when given without `=`).
type Setter = fn(&mut Codegen, Option<&str>) -> anyhow::Result<()>;

/// The `-C` keys, each with what it sets.
const KEYS: &[(&str, Setter)] = &[
    ("cache", |c, value| {
        c.cache = Some(yes_or_no(value)?);
        Ok(())
    }),
    ("cache-config", |c, value| {
        match value {
            Some(path) if !path.is_empty() => c.cache_config = Some(PathBuf::from(path)),
            _ => bail!("expects a file: cache-config=FILE"),
        }
        Ok(())
    }),
    ("inlining", |c, value| {
        c.inlining = Some(yes_or_no(value)?);
        Ok(())
    }),
];

impl Codegen {
    /// Reads the values of all `-C` flags, in order (a later value of a
    /// key replaces an earlier one), and `--cache`.
    pub(crate) fn parse(flags: &[String], cache_flag: bool) -> anyhow::Result<Codegen> {
        let mut codegen = Codegen::default();
        for option in flags.iter().flat_map(|flag| flag.split(',')) {
            let (key, value) = match option.split_once('=') {
                Some((key, value)) => (key, Some(value)),
                None => (option, None),
            };
            let Some((_, set)) = KEYS.iter().find(|(name, _)| *name == key) else {
                let known: Vec<&str> = KEYS.iter().map(|(name, _)| *name).collect();
                bail!(
                    "-C {option}: unknown option `{key}` (known: {})",
                    known.join(", ")
                );
            };
            set(&mut codegen, value).with_context(|| format!("-C {option}"))?;
        }
        if cache_flag {
            if codegen.cache == Some(false) {
                bail!("--cache contradicts -C cache=n");
            }
            codegen.cache = Some(true);
        }
        Ok(codegen)
    }

    /// Sets the engine settings these options give (the cache apart).
    pub(crate) fn configure(&self, config: &mut egret::Config) {
        if let Some(enable) = self.inlining {
            let inlining = if enable {
                egret::Inlining::Yes
            } else {
                egret::Inlining::No
            };
            config.compiler_inlining(inlining);
        }
    }

    /// The compilation cache these options ask for, if any.
    pub(crate) fn cache(&self) -> anyhow::Result<Option<egret::Cache>> {
        let wanted = self.cache.unwrap_or(self.cache_config.is_some());
        if !wanted {
            return Ok(None);
        }
        Ok(Some(egret::Cache::from_file(self.cache_config.as_deref())?))
    }
}

/// A boolean option's value: absent (yes), `y`/`yes`/`true`, `n`/`no`/`false`.
pub(crate) fn yes_or_no(value: Option<&str>) -> anyhow::Result<bool> {
    match value {
        None | Some("y" | "yes" | "true") => Ok(true),
        Some("n" | "no" | "false") => Ok(false),
        Some(other) => bail!("`{other}` is not y or n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(flags: &[&str], cache_flag: bool) -> anyhow::Result<Codegen> {
        let flags: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        Codegen::parse(&flags, cache_flag)
    }

    #[test]
    fn options_read_like_wasmtimes() {
        assert_eq!(parse(&[], false).unwrap(), Codegen::default());
        assert_eq!(parse(&["cache"], false).unwrap().cache, Some(true));
        assert_eq!(parse(&["cache=n"], false).unwrap().cache, Some(false));
        assert_eq!(parse(&["cache=yes"], false).unwrap().cache, Some(true));
        assert_eq!(
            parse(&["cache=y", "cache=no"], false).unwrap().cache,
            Some(false)
        );
        assert_eq!(parse(&[], true).unwrap().cache, Some(true));
        let both = parse(&["cache=y,cache-config=/etc/c.toml"], false).unwrap();
        assert_eq!(
            both,
            Codegen {
                cache: Some(true),
                cache_config: Some("/etc/c.toml".into()),
                inlining: None,
            }
        );
        assert_eq!(parse(&["inlining"], false).unwrap().inlining, Some(true));
        assert_eq!(parse(&["inlining=n"], false).unwrap().inlining, Some(false));
    }

    #[test]
    fn bad_options_say_what_is_wrong() {
        let error =
            |flags: &[&str], cache_flag| format!("{:#}", parse(flags, cache_flag).unwrap_err());
        assert!(error(&["opt-level=2"], false).contains("unknown option `opt-level`"));
        assert!(error(&["cache=maybe"], false).contains("`maybe` is not y or n"));
        assert!(error(&["inlining=always"], false).contains("`always` is not y or n"));
        assert!(error(&["cache-config"], false).contains("cache-config=FILE"));
        assert!(error(&["cache-config="], false).contains("cache-config=FILE"));
        assert!(error(&["cache=n"], true).contains("contradicts"));
    }

    #[test]
    fn a_configuration_file_turns_the_cache_on_unless_it_is_off() {
        let with_file = parse(&["cache-config=/nonexistent/c.toml"], false).unwrap();
        assert!(with_file.cache().is_err(), "the file is read");
        let off = parse(&["cache-config=/nonexistent/c.toml", "cache=n"], false).unwrap();
        assert!(off.cache().unwrap().is_none());
        assert!(parse(&[], false).unwrap().cache().unwrap().is_none());
    }
}
