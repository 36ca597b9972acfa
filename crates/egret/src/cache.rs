//! The compilation cache: modules compiled once and kept on disk as
//! precompiled artifacts, so that compiling the same wasm bytes again with
//! an engine of the same configuration loads them instead.
//!
//! An entry is `DIRECTORY/modules/KEY.cwasm`, where KEY is the SHA-256 of
//! the engine's fingerprint (Egret's version, target, CPU features and every
//! code-shaping setting) and the wasm binary, and the file is exactly what
//! [`Module::serialize`](crate::Module::serialize) writes. What keeps it
//! sound without locks:
//!
//! - An entry is written to a temporary file of a unique name in the same
//!   directory and renamed over KEY: a reader opens the old file or the new
//!   one, never a partial one, and concurrent writers of the same key just
//!   replace one complete entry with another.
//! - An entry is loaded through the same checks as `Module::deserialize`
//!   (length, CRC-32, fingerprint, bounds of every offset), so a truncated,
//!   damaged or mismatching entry (a crash before the data reached the
//!   disk, a full disk, another build) is a miss: compiled and rewritten.
//! - No I/O failure of the cache reaches the caller: reading, writing and
//!   evicting are best effort, and the module is compiled as if there were
//!   no cache.
//!
//! What it does not protect against is someone who can write to the
//! directory: an entry's machine code runs as it is, so the directory is
//! trusted like a precompiled file (docs/precompiled.md).

use crate::{Error, Result};
use egret_frontend::artifact::Fingerprint;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

/// Where and how much to cache: the settings of a [`Cache`].
///
/// Settings and defaults follow Wasmtime's cache configuration; those of
/// its background worker (compression, cleanup interval, clock drift) have
/// no counterpart here, since Egret stores entries uncompressed and cleans
/// up right after writing one.
///
/// ```
/// let mut config = egret::CacheConfig::new();
/// config
///     .with_directory("/var/cache/my-app/egret")
///     .with_files_total_size_soft_limit(256 << 20);
/// assert_eq!(config.files_total_size_soft_limit(), 256 << 20);
/// ```
#[derive(Clone, Debug)]
pub struct CacheConfig {
    directory: Option<PathBuf>,
    file_count_soft_limit: u64,
    files_total_size_soft_limit: u64,
    file_count_limit_percent_if_deleting: u8,
    files_total_size_limit_percent_if_deleting: u8,
}

impl Default for CacheConfig {
    fn default() -> CacheConfig {
        CacheConfig {
            directory: dirs::cache_dir().map(|dir| dir.join("egret")),
            file_count_soft_limit: 65_536,
            files_total_size_soft_limit: 512 << 20,
            file_count_limit_percent_if_deleting: 70,
            files_total_size_limit_percent_if_deleting: 70,
        }
    }
}

/// The configuration file: everything is in its `[cache]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    cache: FileSettings,
}

/// The `[cache]` table as written, before its values are checked.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileSettings {
    directory: Option<PathBuf>,
    file_count_soft_limit: Option<Number>,
    files_total_size_soft_limit: Option<Number>,
    file_count_limit_percent_if_deleting: Option<Number>,
    files_total_size_limit_percent_if_deleting: Option<Number>,
}

/// A number in the file: a TOML integer, or a string with a unit
/// (`"512Mi"`, `"64K"`, `"70%"`), as Wasmtime's files have them.
#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Integer(u64),
    Text(String),
}

/// Units of a count: decimal prefixes.
const COUNT_UNITS: &[(&str, u64)] = &[
    ("", 1),
    ("K", 1_000),
    ("M", 1_000_000),
    ("G", 1_000_000_000),
    ("T", 1_000_000_000_000),
    ("P", 1_000_000_000_000_000),
];

/// Units of a size in bytes: decimal and binary prefixes.
const SIZE_UNITS: &[(&str, u64)] = &[
    ("", 1),
    ("K", 1_000),
    ("Ki", 1 << 10),
    ("M", 1_000_000),
    ("Mi", 1 << 20),
    ("G", 1_000_000_000),
    ("Gi", 1 << 30),
    ("T", 1_000_000_000_000),
    ("Ti", 1 << 40),
    ("P", 1_000_000_000_000_000),
    ("Pi", 1 << 50),
];

impl Number {
    /// The value, with `text` read as a number followed by one of `units`.
    fn with_units(&self, key: &str, units: &[(&str, u64)], example: &str) -> Result<u64> {
        let text = match self {
            Number::Integer(value) => return Ok(*value),
            Number::Text(text) => text.trim(),
        };
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let scale = units.iter().find(|(name, _)| *name == unit.trim());
        digits
            .parse::<u64>()
            .ok()
            .zip(scale)
            .and_then(|(value, (_, scale))| value.checked_mul(*scale))
            .ok_or_else(|| {
                Error::Cache(format!("{key}: `{text}` is not a value like \"{example}\""))
            })
    }

    /// A percentage, 0 to 100, written `70` or `"70%"`.
    fn percent(&self, key: &str) -> Result<u8> {
        let value = match self {
            Number::Integer(value) => Some(*value),
            Number::Text(text) => text
                .trim()
                .strip_suffix('%')
                .and_then(|digits| digits.trim().parse().ok()),
        };
        match value {
            Some(value @ 0..=100) => Ok(value as u8),
            _ => Err(Error::Cache(format!(
                "{key}: expected a percentage from \"0%\" to \"100%\""
            ))),
        }
    }
}

impl CacheConfig {
    /// The default settings: the platform's cache directory
    /// (`$XDG_CACHE_HOME/egret` or `~/.cache/egret` on Linux,
    /// `~/Library/Caches/egret` on macOS), at most about 512 MiB and 65,536
    /// entries.
    pub fn new() -> CacheConfig {
        CacheConfig::default()
    }

    /// Reads settings from a TOML file whose `[cache]` table may set
    /// `directory` (an absolute path), `files-total-size-soft-limit` (bytes:
    /// `"512Mi"`, `"1G"` or an integer), `file-count-soft-limit`,
    /// `files-total-size-limit-percent-if-deleting` and
    /// `file-count-limit-percent-if-deleting` (`"70%"`); unset ones keep
    /// their defaults.
    ///
    /// With `None`, reads the default file, `config.toml` in the platform's
    /// configuration directory (`~/.config/egret/config.toml` on Linux),
    /// and if there is none uses the defaults, as Wasmtime does with its
    /// own default file.
    ///
    /// # Errors
    /// If the file cannot be read, is not TOML, has no `[cache]` table, has
    /// a key this version does not know (including Wasmtime's settings of
    /// its background worker, which Egret does not have), or a value that
    /// does not parse.
    pub fn from_file(path: Option<&Path>) -> Result<CacheConfig> {
        let path = match path {
            Some(path) => path.to_path_buf(),
            None => match default_config_file() {
                Some(path) if path.exists() => path,
                _ => return Ok(CacheConfig::new()),
            },
        };
        let text = fs::read_to_string(&path)
            .map_err(|e| Error::Cache(format!("cannot read {}: {e}", path.display())))?;
        let file: ConfigFile =
            toml::from_str(&text).map_err(|e| Error::Cache(format!("{}: {e}", path.display())))?;
        let settings = file.cache;
        let mut config = CacheConfig::new();
        if let Some(directory) = settings.directory {
            config.with_directory(directory);
        }
        if let Some(n) = settings.file_count_soft_limit {
            config.file_count_soft_limit =
                n.with_units("file-count-soft-limit", COUNT_UNITS, "64K")?;
        }
        if let Some(n) = settings.files_total_size_soft_limit {
            config.files_total_size_soft_limit =
                n.with_units("files-total-size-soft-limit", SIZE_UNITS, "512Mi")?;
        }
        if let Some(n) = settings.file_count_limit_percent_if_deleting {
            config.file_count_limit_percent_if_deleting =
                n.percent("file-count-limit-percent-if-deleting")?;
        }
        if let Some(n) = settings.files_total_size_limit_percent_if_deleting {
            config.files_total_size_limit_percent_if_deleting =
                n.percent("files-total-size-limit-percent-if-deleting")?;
        }
        Ok(config)
    }

    /// The cache directory.
    ///
    /// # Panics
    /// If none was set and the platform has no cache directory (no home
    /// directory could be found).
    pub fn directory(&self) -> &PathBuf {
        self.directory
            .as_ref()
            .expect("no cache directory was set and the platform has none")
    }

    /// Where to keep the cache: an absolute path, created if missing when
    /// the [`Cache`] is made.
    pub fn with_directory(&mut self, directory: impl Into<PathBuf>) -> &mut Self {
        self.directory = Some(directory.into());
        self
    }

    /// The most entries to keep before evicting.
    pub fn file_count_soft_limit(&self) -> u64 {
        self.file_count_soft_limit
    }

    /// Evict least recently used entries once there are more than `limit`
    /// (65,536 by default).
    pub fn with_file_count_soft_limit(&mut self, limit: u64) -> &mut Self {
        self.file_count_soft_limit = limit;
        self
    }

    /// The most bytes of entries to keep before evicting.
    pub fn files_total_size_soft_limit(&self) -> u64 {
        self.files_total_size_soft_limit
    }

    /// Evict least recently used entries once their sizes add up to more
    /// than `limit` bytes (512 MiB by default). "Soft": checked after
    /// each write, so the directory may exceed it by one entry meanwhile.
    pub fn with_files_total_size_soft_limit(&mut self, limit: u64) -> &mut Self {
        self.files_total_size_soft_limit = limit;
        self
    }

    /// How far below the count limit eviction goes, in percent of it.
    pub fn file_count_limit_percent_if_deleting(&self) -> u8 {
        self.file_count_limit_percent_if_deleting
    }

    /// Once over the count limit, evict until at most `percent`% of it
    /// remain (70 by default, so that eviction does not run after every
    /// write of a full cache). [`Cache::new`] refuses more than 100.
    pub fn with_file_count_limit_percent_if_deleting(&mut self, percent: u8) -> &mut Self {
        self.file_count_limit_percent_if_deleting = percent;
        self
    }

    /// How far below the size limit eviction goes, in percent of it.
    pub fn files_total_size_limit_percent_if_deleting(&self) -> u8 {
        self.files_total_size_limit_percent_if_deleting
    }

    /// Once over the size limit, evict until at most `percent`% of it
    /// remain (70 by default). [`Cache::new`] refuses more than 100.
    pub fn with_files_total_size_limit_percent_if_deleting(&mut self, percent: u8) -> &mut Self {
        self.files_total_size_limit_percent_if_deleting = percent;
        self
    }
}

/// The default configuration file.
fn default_config_file() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("egret").join("config.toml"))
}

/// A compilation cache, for [`Config::cache`](crate::Config::cache). Cheap
/// to clone: clones share the directory and the hit and miss counts.
///
/// ```
/// use egret::{Cache, CacheConfig, Config, Engine, Module};
/// # let dir = std::env::temp_dir().join(format!("egret-doc-cache-{}", std::process::id()));
/// let mut cache_config = CacheConfig::new();
/// cache_config.with_directory(&dir);
/// let cache = Cache::new(cache_config)?;
/// let engine = Engine::new(Config::new().cache(Some(cache.clone())))?;
/// Module::new(&engine, "(module (func))")?; // compiled and written
/// Module::new(&engine, "(module (func))")?; // loaded
/// assert_eq!((cache.cache_hits(), cache.cache_misses()), (1, 1));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), egret::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Cache {
    inner: Arc<CacheInner>,
}

#[derive(Debug)]
struct CacheInner {
    /// Validated: the directory is set, absolute and exists.
    config: CacheConfig,
    /// `directory/modules`, where the entries are.
    modules: PathBuf,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

impl Cache {
    /// A cache with `config`'s settings. Creates the directory if needed.
    ///
    /// # Errors
    /// If the directory is not set and the platform has none, is not an
    /// absolute path, or cannot be created; or if a percentage is above
    /// 100.
    pub fn new(mut config: CacheConfig) -> Result<Cache> {
        let directory = config.directory.as_ref().ok_or_else(|| {
            Error::Cache("no cache directory was set and the platform has none".into())
        })?;
        if !directory.is_absolute() {
            return Err(Error::Cache(format!(
                "the cache directory must be an absolute path, not {}",
                directory.display()
            )));
        }
        let modules = directory.join("modules");
        fs::create_dir_all(&modules)
            .map_err(|e| Error::Cache(format!("cannot create {}: {e}", modules.display())))?;
        for (key, percent) in [
            (
                "file-count-limit-percent-if-deleting",
                config.file_count_limit_percent_if_deleting,
            ),
            (
                "files-total-size-limit-percent-if-deleting",
                config.files_total_size_limit_percent_if_deleting,
            ),
        ] {
            if percent > 100 {
                return Err(Error::Cache(format!("{key} is {percent}%, above 100%")));
            }
        }
        // Canonical, so that a relative symlink in the path cannot change
        // meaning later on.
        let directory = fs::canonicalize(directory)
            .map_err(|e| Error::Cache(format!("cannot resolve {}: {e}", directory.display())))?;
        let modules = directory.join("modules");
        config.directory = Some(directory);
        Ok(Cache {
            inner: Arc::new(CacheInner {
                config,
                modules,
                hits: AtomicUsize::new(0),
                misses: AtomicUsize::new(0),
            }),
        })
    }

    /// A cache with the settings of a configuration file:
    /// [`CacheConfig::from_file`] then [`Cache::new`]. With `None`, the
    /// default file if there is one, otherwise the defaults.
    pub fn from_file(path: Option<&Path>) -> Result<Cache> {
        Cache::new(CacheConfig::from_file(path)?)
    }

    /// The cache directory (absolute, symlinks resolved). Entries are in
    /// its `modules` subdirectory.
    pub fn directory(&self) -> &PathBuf {
        self.inner.config.directory()
    }

    /// See [`CacheConfig::with_file_count_soft_limit`].
    pub fn file_count_soft_limit(&self) -> u64 {
        self.inner.config.file_count_soft_limit
    }

    /// See [`CacheConfig::with_files_total_size_soft_limit`].
    pub fn files_total_size_soft_limit(&self) -> u64 {
        self.inner.config.files_total_size_soft_limit
    }

    /// See [`CacheConfig::with_file_count_limit_percent_if_deleting`].
    pub fn file_count_limit_percent_if_deleting(&self) -> u8 {
        self.inner.config.file_count_limit_percent_if_deleting
    }

    /// See [`CacheConfig::with_files_total_size_limit_percent_if_deleting`].
    pub fn files_total_size_limit_percent_if_deleting(&self) -> u8 {
        self.inner.config.files_total_size_limit_percent_if_deleting
    }

    /// How many modules were loaded from this cache so far.
    pub fn cache_hits(&self) -> usize {
        self.inner.hits.load(Ordering::Relaxed)
    }

    /// How many modules were compiled with this cache on so far because
    /// no usable entry was found (whether or not writing one then worked).
    pub fn cache_misses(&self) -> usize {
        self.inner.misses.load(Ordering::Relaxed)
    }

    /// The cache of one engine: this cache and the engine's fingerprint.
    pub(crate) fn for_engine(&self, fingerprint: &Fingerprint) -> EngineCache {
        let mut hasher = Sha256::new();
        field(&mut hasher, b"egret compilation cache, key version 1");
        field(&mut hasher, env!("CARGO_PKG_VERSION").as_bytes());
        let Fingerprint {
            egret_version,
            target,
            isa_flags,
            settings,
            codegen,
        } = fingerprint;
        field(&mut hasher, egret_version.as_bytes());
        field(&mut hasher, target.as_bytes());
        for list in [isa_flags, settings, codegen] {
            hasher.update((list.len() as u64).to_le_bytes());
            for item in list {
                field(&mut hasher, item.as_bytes());
            }
        }
        EngineCache {
            cache: self.clone(),
            engine_hash: hasher.finalize().into(),
        }
    }
}

/// Hashes `bytes` with its length first, so that fields cannot run into
/// each other.
fn field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

/// A [`Cache`] as one engine uses it: entries are keyed by the engine's
/// fingerprint, hashed once here, and the wasm bytes.
#[derive(Clone, Debug)]
pub(crate) struct EngineCache {
    cache: Cache,
    engine_hash: [u8; 32],
}

/// An entry of an [`EngineCache`]: where the compiled form of one wasm
/// binary lives.
pub(crate) struct Entry<'a> {
    cache: &'a CacheInner,
    key: String,
}

/// Temporary files left behind by writers that died are removed once this
/// old.
const STALE_TEMPORARY: Duration = Duration::from_secs(60 * 60);

/// Distinguishes temporary files written by threads of this process.
static NEXT_TEMPORARY: AtomicU64 = AtomicU64::new(0);

impl EngineCache {
    /// The entry for `binary`.
    pub(crate) fn entry(&self, binary: &[u8]) -> Entry<'_> {
        let mut hasher = Sha256::new();
        hasher.update(self.engine_hash);
        field(&mut hasher, binary);
        let key = hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Entry {
            cache: &self.cache.inner,
            key,
        }
    }
}

impl Entry<'_> {
    fn path(&self) -> PathBuf {
        self.cache.modules.join(format!("{}.cwasm", self.key))
    }

    /// The entry's bytes, if there is an entry.
    pub(crate) fn read(&self) -> Option<Vec<u8>> {
        fs::read(self.path()).ok()
    }

    /// Counts a hit and marks the entry as just used, for eviction.
    pub(crate) fn hit(&self) {
        self.cache.hits.fetch_add(1, Ordering::Relaxed);
        if let Ok(file) = fs::File::options().write(true).open(self.path()) {
            let _ = file.set_modified(SystemTime::now());
        }
    }

    /// Counts a miss and writes `artifact` as the entry, replacing any
    /// entry there, then evicts if the cache is over its limits. Failures
    /// are ignored: the cache is only ever an optimisation.
    pub(crate) fn miss(&self, artifact: &[u8]) {
        self.cache.misses.fetch_add(1, Ordering::Relaxed);
        if self.write(artifact).is_ok() {
            self.cache.evict();
        }
    }

    fn write(&self, artifact: &[u8]) -> std::io::Result<()> {
        let temporary = self.cache.modules.join(format!(
            ".{}.{}.{}.tmp",
            self.key,
            std::process::id(),
            NEXT_TEMPORARY.fetch_add(1, Ordering::Relaxed)
        ));
        let written = fs::File::options()
            .write(true)
            .create_new(true)
            .open(&temporary)
            .and_then(|mut file| file.write_all(artifact))
            .and_then(|()| fs::rename(&temporary, self.path()));
        if written.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        written
    }
}

/// One file in the cache's directory, as eviction sees it.
struct Stored {
    path: PathBuf,
    size: u64,
    used: SystemTime,
}

impl CacheInner {
    /// If the entries exceed a soft limit, deletes the least recently used
    /// ones (by modification time, which a hit renews) until they are
    /// within the limits' deletion percentages. Also removes temporary
    /// files of writers that died. Only files named like entries or
    /// temporary files are ever deleted.
    fn evict(&self) {
        let Ok(listing) = fs::read_dir(&self.modules) else {
            return;
        };
        let now = SystemTime::now();
        let mut entries = Vec::new();
        for item in listing.flatten() {
            let (Ok(meta), Some(name)) = (item.metadata(), item.file_name().to_str().map(kind))
            else {
                continue;
            };
            let used = meta.modified().unwrap_or(now);
            match name {
                Some(Kind::Entry) if meta.is_file() => entries.push(Stored {
                    path: item.path(),
                    size: meta.len(),
                    used,
                }),
                Some(Kind::Temporary)
                    if now
                        .duration_since(used)
                        .is_ok_and(|age| age > STALE_TEMPORARY) =>
                {
                    let _ = fs::remove_file(item.path());
                }
                _ => {}
            }
        }
        let config = &self.config;
        let mut count = entries.len() as u64;
        let mut total: u64 = entries.iter().map(|e| e.size).sum();
        if count <= config.file_count_soft_limit && total <= config.files_total_size_soft_limit {
            return;
        }
        let count_target = percent_of(
            config.file_count_soft_limit,
            config.file_count_limit_percent_if_deleting,
        );
        let size_target = percent_of(
            config.files_total_size_soft_limit,
            config.files_total_size_limit_percent_if_deleting,
        );
        entries.sort_by_key(|e| e.used);
        for entry in entries {
            if count <= count_target && total <= size_target {
                break;
            }
            let removed = match fs::remove_file(&entry.path) {
                Ok(()) => true,
                // Another process evicted it first.
                Err(e) => e.kind() == std::io::ErrorKind::NotFound,
            };
            if removed {
                count -= 1;
                total -= entry.size;
            }
        }
    }
}

/// `percent`% of `limit`, without overflow.
fn percent_of(limit: u64, percent: u8) -> u64 {
    (limit as u128 * percent as u128 / 100) as u64
}

/// What a file in the cache's directory is, by its name.
#[derive(PartialEq, Eq)]
enum Kind {
    /// `KEY.cwasm`, KEY 64 lowercase hex digits.
    Entry,
    /// `.KEY.PID.N.tmp`: an entry being written.
    Temporary,
}

fn kind(name: &str) -> Option<Kind> {
    let is_key =
        |key: &str| key.len() == 64 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if let Some(key) = name.strip_suffix(".cwasm") {
        return is_key(key).then_some(Kind::Entry);
    }
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (key, _) = rest.split_once('.')?;
    is_key(key).then_some(Kind::Temporary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_told_apart() {
        let key = "0123456789abcdef".repeat(4);
        assert!(kind(&format!("{key}.cwasm")) == Some(Kind::Entry));
        assert!(kind(&format!(".{key}.42.7.tmp")) == Some(Kind::Temporary));
        for other in [
            "config.toml".to_string(),
            format!("{}.cwasm", &key[1..]),
            format!("{}.cwasm", key.to_uppercase()),
            format!("{key}.tmp"),
            format!(".{key}.cwasm"),
        ] {
            assert!(kind(&other).is_none(), "{other}");
        }
    }

    #[test]
    fn units_scale_and_overflow_is_an_error() {
        let text = |s: &str| Number::Text(s.into());
        assert_eq!(
            text("512Mi").with_units("k", SIZE_UNITS, "").unwrap(),
            512 << 20
        );
        assert_eq!(
            text(" 2 G ").with_units("k", SIZE_UNITS, "").unwrap(),
            2_000_000_000
        );
        assert_eq!(
            text("64K").with_units("k", COUNT_UNITS, "").unwrap(),
            64_000
        );
        assert_eq!(
            Number::Integer(7).with_units("k", SIZE_UNITS, "").unwrap(),
            7
        );
        for bad in ["", "Mi", "1Ki", "-1", "1.5G", "99999999999Pi"] {
            assert!(text(bad).with_units("k", COUNT_UNITS, "").is_err(), "{bad}");
        }
        assert!(text("1XB").with_units("k", SIZE_UNITS, "").is_err());
        assert_eq!(text("70%").percent("k").unwrap(), 70);
        assert_eq!(Number::Integer(100).percent("k").unwrap(), 100);
        assert!(text("101%").percent("k").is_err());
        assert!(text("70").percent("k").is_err());
    }

    #[test]
    fn percent_of_does_not_overflow() {
        assert_eq!(percent_of(u64::MAX, 100), u64::MAX);
        assert_eq!(percent_of(1000, 70), 700);
    }
}
