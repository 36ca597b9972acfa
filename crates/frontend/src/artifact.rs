//! The serialized form of a compiled module (what `Module::serialize`
//! writes and `egret compile -o` saves as a `.cwasm` file), and reading it
//! back.
//!
//! Layout, all integers little-endian:
//!
//! ```text
//! 0   8 bytes   MAGIC: "\0egret-m"
//! 8   u32       FORMAT_VERSION
//! 12  u64       payload length n
//! 20  n bytes   payload: postcard encoding of a Header, then of a Body
//! 20+n u32      CRC-32 of the payload
//! ```
//!
//! The header says what produced the code: Egret's version, the target
//! triple, the ISA flags (CPU features the code may use) and every setting
//! that changes generated code. A loader compares each with its own and
//! refuses a mismatch with an error that names it. The body is the module's
//! description and its [`CodeImage`], which is position independent and
//! holds no engine-specific value: type ids are assigned again when the
//! module is read into an engine.
//!
//! Subtle: loading an artifact trusts it (its code runs as is). The checks
//! here catch accidents (a truncated or damaged file, another version, a
//! file that is not an artifact) with a clear error, never a crash: every
//! length is checked before use, the checksum covers the whole payload, and
//! the code image's offsets are checked against its text. They do not make
//! a deliberately forged artifact safe.

use crate::compiled::{CompiledModule, Trampolines};
use crate::config::CompilerConfig;
use crate::host_cpu;
use crate::image::CodeImage;
use crate::module_info::ModuleInfo;
use crate::types::TypeIndex;
use serde::{Deserialize, Serialize};

/// Egret's version and the hash of the source its code generation and
/// runtime were built from (`build.rs`): what an artifact's
/// `egret_version` must equal.
pub const EGRET_BUILD: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "+src.",
    env!("EGRET_SOURCE_HASH")
);

/// The first bytes of every artifact.
pub const MAGIC: [u8; 8] = *b"\0egret-m";
/// The version of this layout and of the payload's encoding.
pub const FORMAT_VERSION: u32 = 8;
/// Bytes before the payload: magic, format version, payload length.
const PREFIX: usize = 8 + 4 + 8;
/// Bytes after the payload: its checksum.
const SUFFIX: usize = 4;

/// What produced an artifact's code; everything that must match the
/// engine that loads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// Egret's version and source hash ([`EGRET_BUILD`]).
    pub egret_version: String,
    /// The target triple.
    pub target: String,
    /// The ISA flags (CPU features the code may use and other
    /// target-specific settings), as `name=value` each.
    pub isa_flags: Vec<String>,
    /// WebAssembly features and code-shaping tunables, as `name=value`
    /// each.
    pub settings: Vec<String>,
    /// Cranelift's shared settings (optimisation level included), as
    /// `name=value` each.
    pub codegen: Vec<String>,
}

/// The Cranelift settings the runtime relies on, which a runtime built
/// without the compiler checks an artifact for (backtraces walk frame
/// pointers).
pub const REQUIRED_CODEGEN: &[&str] = &["preserve_frame_pointers=true"];

/// What an engine accepts: its own fingerprint, and how much of it it
/// knows.
#[derive(Clone, Debug)]
pub struct Expected {
    /// The engine's fingerprint. Without a compiler its `isa_flags` are
    /// the CPU features detected on this machine and its `codegen` is
    /// empty.
    pub fingerprint: Fingerprint,
    /// Whether the engine has a compiler, and so knows every ISA flag and
    /// Cranelift setting its own code would be made with: then they must
    /// match. Without one, an artifact's `has_*` flags must be detected
    /// here, its other ISA flags (such as aarch64's return-address
    /// signing, whose instructions run as no-ops where unsupported) are
    /// accepted, and of its Cranelift settings those in
    /// [`REQUIRED_CODEGEN`] must be present.
    pub with_compiler: bool,
}

/// The module itself.
#[derive(Serialize, Deserialize)]
struct Body {
    info: ModuleInfo,
    image: CodeImage,
    trampolines: Trampolines,
}

impl Expected {
    /// What a runtime without a compiler accepts on this machine: an
    /// artifact for this build's Egret and the host triple, made with the
    /// settings in `config`, needing only CPU features detected here.
    pub fn runtime_only(config: &CompilerConfig) -> Expected {
        Expected {
            fingerprint: Fingerprint {
                egret_version: EGRET_BUILD.to_string(),
                target: target_lexicon::HOST.to_string(),
                isa_flags: host_cpu::detected_isa_flags(),
                settings: config.code_settings(),
                codegen: Vec::new(),
            },
            with_compiler: false,
        }
    }
}

/// Why bytes could not be read as an artifact for this engine.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArtifactError {
    /// The bytes do not start like an artifact.
    #[error("not a precompiled Egret module (wrong magic bytes)")]
    NotAnArtifact,
    /// An artifact of another layout version.
    #[error(
        "precompiled module has format version {found}, this Egret reads version {FORMAT_VERSION}"
    )]
    FormatVersion {
        /// The artifact's version.
        found: u32,
    },
    /// The artifact ends early.
    #[error("precompiled module is truncated ({len} bytes, {expected} expected)")]
    Truncated {
        /// Its length.
        len: usize,
        /// The length its prefix announces.
        expected: u128,
    },
    /// The checksum or the encoding does not hold.
    #[error("precompiled module is corrupted: {0}")]
    Corrupted(String),
    /// Compiled by another version of Egret.
    #[error("precompiled module was compiled by Egret {artifact}, this is Egret {engine}")]
    EgretVersion {
        /// The artifact's.
        artifact: String,
        /// This engine's.
        engine: String,
    },
    /// Compiled for another target.
    #[error("precompiled module was compiled for {artifact}, this engine targets {engine}")]
    Target {
        /// The artifact's.
        artifact: String,
        /// This engine's.
        engine: String,
    },
    /// Compiled for a CPU feature (or another target setting) this engine
    /// does not have.
    #[error("precompiled module was compiled with {artifact}, this engine has {engine}")]
    IsaFlags {
        /// The artifact's flag, as `name=value`.
        artifact: String,
        /// This engine's.
        engine: String,
    },
    /// Compiled with another value of a setting.
    #[error("precompiled module was compiled with {artifact}, this engine has {engine}")]
    Settings {
        /// The artifact's setting, as `name=value`.
        artifact: String,
        /// This engine's.
        engine: String,
    },
}

/// Whether `bytes` start like an artifact (nothing else is checked).
pub fn is_artifact(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// Writes `module`, compiled by an engine with `fingerprint`.
pub fn write(fingerprint: &Fingerprint, module: &CompiledModule) -> Vec<u8> {
    let body = Body {
        info: module.info().clone(),
        image: module.image().clone(),
        trampolines: module.trampolines().clone(),
    };
    let mut payload = postcard::to_allocvec(fingerprint).expect("a fingerprint encodes");
    payload.extend(postcard::to_allocvec(&body).expect("a module encodes"));
    let mut out = Vec::with_capacity(PREFIX + payload.len() + SUFFIX);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out
}

/// An artifact's contents.
pub struct Contents {
    /// What made it.
    pub fingerprint: Fingerprint,
    /// The module's description, without engine type ids.
    pub info: ModuleInfo,
    /// Its code.
    pub image: CodeImage,
    /// Where its trampolines are.
    pub trampolines: Trampolines,
}

/// Reads an artifact for an engine that expects `engine`.
pub fn read(engine: &Expected, bytes: &[u8]) -> Result<Contents, ArtifactError> {
    if !is_artifact(bytes) {
        return Err(ArtifactError::NotAnArtifact);
    }
    let truncated = |expected| ArtifactError::Truncated {
        len: bytes.len(),
        expected,
    };
    let Some(prefix) = bytes.get(..PREFIX) else {
        return Err(truncated(PREFIX as u128));
    };
    let version = u32::from_le_bytes(prefix[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(ArtifactError::FormatVersion { found: version });
    }
    let payload_len = u64::from_le_bytes(prefix[12..20].try_into().expect("8 bytes"));
    let expected = PREFIX as u128 + u128::from(payload_len) + SUFFIX as u128;
    if (bytes.len() as u128) < expected {
        return Err(truncated(expected));
    }
    if (bytes.len() as u128) > expected {
        return Err(ArtifactError::Corrupted(format!(
            "{} bytes after the end",
            bytes.len() as u128 - expected
        )));
    }
    let payload = &bytes[PREFIX..bytes.len() - SUFFIX];
    let checksum = u32::from_le_bytes(bytes[bytes.len() - SUFFIX..].try_into().expect("4 bytes"));
    if crc32fast::hash(payload) != checksum {
        return Err(ArtifactError::Corrupted("checksum mismatch".into()));
    }
    let corrupted = |e: postcard::Error| ArtifactError::Corrupted(e.to_string());
    let (found, rest) = postcard::take_from_bytes::<Fingerprint>(payload).map_err(corrupted)?;
    check_fingerprint(&found, engine)?;
    let (body, rest) = postcard::take_from_bytes::<Body>(rest).map_err(corrupted)?;
    if !rest.is_empty() {
        return Err(ArtifactError::Corrupted(format!(
            "{} bytes after the module",
            rest.len()
        )));
    }
    check_body(&body).map_err(ArtifactError::Corrupted)?;
    Ok(Contents {
        fingerprint: found,
        info: body.info,
        image: body.image,
        trampolines: body.trampolines,
    })
}

/// Compares what produced the artifact with this engine, field by field.
fn check_fingerprint(artifact: &Fingerprint, expected: &Expected) -> Result<(), ArtifactError> {
    let engine = &expected.fingerprint;
    let pair = |a: &String, e: &String| (a.clone(), e.clone());
    if artifact.egret_version != engine.egret_version {
        let (artifact, engine) = pair(&artifact.egret_version, &engine.egret_version);
        return Err(ArtifactError::EgretVersion { artifact, engine });
    }
    if artifact.target != engine.target {
        let (artifact, engine) = pair(&artifact.target, &engine.target);
        return Err(ArtifactError::Target { artifact, engine });
    }
    if let Some((artifact, engine)) = isa_flag_mismatch(artifact, expected) {
        return Err(ArtifactError::IsaFlags { artifact, engine });
    }
    if let Some((artifact, engine)) =
        first_difference(&artifact.settings, &engine.settings, |_, _| false)
    {
        return Err(ArtifactError::Settings { artifact, engine });
    }
    let codegen = if expected.with_compiler {
        first_difference(&artifact.codegen, &engine.codegen, |_, _| false)
    } else {
        REQUIRED_CODEGEN
            .iter()
            .find(|required| !artifact.codegen.iter().any(|s| s == *required))
            .map(|required| {
                let name = required.split('=').next().unwrap_or(required);
                let found = artifact.codegen.iter().find(|s| s.starts_with(name));
                let missing = || format!("{name} unset");
                (found.cloned().unwrap_or_else(missing), required.to_string())
            })
    };
    if let Some((artifact, engine)) = codegen {
        return Err(ArtifactError::Settings { artifact, engine });
    }
    Ok(())
}

/// The first ISA flag of the artifact this engine cannot run, as
/// (artifact's, engine's). Code that does not use a CPU feature (a `has_*`
/// flag off) runs where it is present; a feature it uses must be here.
/// Other flags must be equal, if the engine knows them (see [`Expected`]).
fn isa_flag_mismatch(artifact: &Fingerprint, expected: &Expected) -> Option<(String, String)> {
    let engine = &expected.fingerprint.isa_flags;
    for flag in &artifact.isa_flags {
        let (name, value) = split(flag);
        let here = engine.iter().find(|e| split(e).0 == name);
        let feature = name.starts_with("has_");
        let ok = match here {
            Some(here) => (feature && value == "false") || here == flag,
            None if expected.with_compiler => false,
            None => !feature || value == "false",
        };
        if !ok {
            let missing = || format!("{name} not detected");
            return Some((flag.clone(), here.cloned().unwrap_or_else(missing)));
        }
    }
    if expected.with_compiler
        && let Some(extra) = engine
            .iter()
            .find(|e| !artifact.isa_flags.iter().any(|a| split(a).0 == split(e).0))
    {
        return Some(("(no such flag)".to_string(), extra.clone()));
    }
    None
}

/// A `name=value` entry's name and value.
fn split(entry: &str) -> (&str, &str) {
    entry.split_once('=').unwrap_or((entry, ""))
}

/// The first pair of `name=value` entries that differ, unless `allowed`
/// accepts the difference; a missing entry shows as "(no such setting)".
fn first_difference(
    artifact: &[String],
    engine: &[String],
    allowed: impl Fn(&str, &str) -> bool,
) -> Option<(String, String)> {
    let missing = || "(no such setting)".to_string();
    if let Some((a, e)) = artifact
        .iter()
        .zip(engine)
        .find(|(a, e)| a != e && !allowed(a, e))
    {
        return Some((a.clone(), e.clone()));
    }
    match artifact.len().cmp(&engine.len()) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Greater => Some((artifact[engine.len()].clone(), missing())),
        std::cmp::Ordering::Less => Some((missing(), engine[artifact.len()].clone())),
    }
}

/// Checks that the body's offsets and indices stay inside what they index.
/// Whether recursion groups starting at `starts` cut `0..types` into
/// non-empty consecutive ranges.
fn rec_groups_partition(starts: &[TypeIndex], types: usize) -> bool {
    match (starts.first(), starts.last()) {
        (None, _) | (_, None) => types == 0,
        (Some(first), Some(last)) => {
            first.0 == 0 && last.index() < types && starts.windows(2).all(|w| w[0] < w[1])
        }
    }
}

fn check_body(body: &Body) -> Result<(), String> {
    let image = &body.image;
    let text = image.text.len() as u64;
    let defined = (body.info.functions.len() as u64)
        .checked_sub(u64::from(body.info.num_imported_funcs))
        .ok_or("more imported functions than functions")?;
    if (image.functions.len() as u64) < defined {
        return Err("fewer functions in the code than the module defines".into());
    }
    for f in &image.functions {
        if u64::from(f.start) + u64::from(f.len) > text {
            return Err(format!("function at {:#x} extends past the code", f.start));
        }
    }
    if let Some((offset, _)) = image.traps.iter().find(|(o, _)| u64::from(*o) >= text) {
        return Err(format!("trap site at {offset:#x} outside the code"));
    }
    if !image.traps.is_sorted_by_key(|(o, _)| *o) {
        return Err("trap sites out of order".into());
    }
    if !image.handler_sites.is_sorted_by_key(|site| site.ret_addr) {
        return Err("exception handler sites out of order".into());
    }
    let tags = body.info.tags.len() as u64;
    for site in &image.handler_sites {
        let outside = u64::from(site.ret_addr) > text
            || u64::from(site.vmctx_offset) + 8 > u64::from(site.frame_offset)
            || site.handlers.iter().any(|h| {
                u64::from(h.offset) >= text || h.tag.is_some_and(|t| u64::from(t) >= tags)
            });
        if outside {
            return Err(format!(
                "exception handlers of the call returning to {:#x} outside the code, the tags or the frame",
                site.ret_addr
            ));
        }
    }
    if !image.stack_maps.is_sorted_by_key(|map| map.ret_addr) {
        return Err("stack maps out of order".into());
    }
    for map in &image.stack_maps {
        let frame = u64::from(map.frame_size);
        let outside = u64::from(map.ret_addr) > text
            || map.any_slots.iter().any(|&o| u64::from(o) + 4 > frame)
            || map.extern_slots.iter().any(|&o| u64::from(o) + 8 > frame);
        if outside {
            return Err(format!(
                "stack map of the call returning to {:#x} outside the code or the frame",
                map.ret_addr
            ));
        }
    }
    if let Some(reloc) = image
        .host_relocs
        .iter()
        .find(|r| u64::from(r.offset) + 8 > text)
    {
        return Err(format!(
            "relocation at {:#x} outside the code",
            reloc.offset
        ));
    }
    let Trampolines {
        array_calls,
        host_calls,
    } = &body.trampolines;
    let types = body.info.types.len();
    if !rec_groups_partition(&body.info.rec_groups, types) {
        return Err("recursion groups do not match the type section".into());
    }
    if array_calls.len() != types || host_calls.len() != types {
        return Err("trampoline table does not match the type section".into());
    }
    let positions = image.functions.len() as u32;
    if array_calls
        .iter()
        .chain(host_calls)
        .flatten()
        .any(|&p| p >= positions)
    {
        return Err("trampoline outside the code".into());
    }
    let is_func_type = |t: &TypeIndex| {
        body.info
            .types
            .get(t.index())
            .is_some_and(|ty| ty.as_func().is_some())
    };
    if !body.info.functions.iter().all(is_func_type) {
        return Err("function of an unknown or non-function type".into());
    }
    if !body.info.tags.iter().all(is_func_type) {
        return Err("tag of an unknown or non-function type".into());
    }
    let info = &body.info;
    let imported_within = [
        (info.num_imported_tables, info.tables.len()),
        (info.num_imported_memories, info.memories.len()),
        (info.num_imported_globals, info.globals.len()),
        (info.num_imported_tags, info.tags.len()),
    ];
    if imported_within.iter().any(|&(n, len)| n as usize > len) {
        return Err("more imports of a kind than items of that kind".into());
    }
    // The vmctx layout (`VMOffsets`) must fit in 32-bit offsets: at most 32
    // bytes per item of any kind.
    let items = info.functions.len() + info.tables.len() + info.memories.len() + info.globals.len();
    if items.saturating_mul(32) >= u32::MAX as usize {
        return Err("more items than a module can hold".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(isa_flags: &[&str], codegen: &[&str]) -> Fingerprint {
        let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        Fingerprint {
            egret_version: "1".into(),
            target: "t".into(),
            isa_flags: strings(isa_flags),
            settings: vec!["consume_fuel=false".into()],
            codegen: strings(codegen),
        }
    }

    fn compiler(fingerprint: Fingerprint) -> Expected {
        Expected {
            fingerprint,
            with_compiler: true,
        }
    }

    fn runtime_only(isa_flags: &[&str]) -> Expected {
        Expected {
            fingerprint: fingerprint(isa_flags, &[]),
            with_compiler: false,
        }
    }

    const CODEGEN: &[&str] = &["opt_level=speed", "preserve_frame_pointers=true"];

    #[test]
    fn recursion_groups_must_partition_the_types() {
        let starts = |s: &[u32]| s.iter().map(|&i| TypeIndex(i)).collect::<Vec<_>>();
        assert!(rec_groups_partition(&[], 0));
        assert!(rec_groups_partition(&starts(&[0, 2, 3]), 4));
        assert!(!rec_groups_partition(&[], 1));
        assert!(!rec_groups_partition(&starts(&[1]), 2));
        assert!(!rec_groups_partition(&starts(&[0, 2, 2]), 4));
        assert!(!rec_groups_partition(&starts(&[0, 3, 2]), 4));
        assert!(!rec_groups_partition(&starts(&[0, 4]), 4));
    }

    #[test]
    fn code_without_a_cpu_feature_loads_where_it_is_present_but_not_the_reverse() {
        let without = fingerprint(&["has_avx=false", "sign_return_address=false"], CODEGEN);
        let with = fingerprint(&["has_avx=true", "sign_return_address=false"], CODEGEN);
        assert_eq!(check_fingerprint(&without, &compiler(with.clone())), Ok(()));
        assert_eq!(
            check_fingerprint(&with, &compiler(without.clone())),
            Err(ArtifactError::IsaFlags {
                artifact: "has_avx=true".into(),
                engine: "has_avx=false".into()
            })
        );
        let other = fingerprint(&["has_avx=false", "sign_return_address=true"], CODEGEN);
        assert!(check_fingerprint(&without, &compiler(other)).is_err());
    }

    #[test]
    fn an_engine_with_a_compiler_wants_every_setting_equal() {
        let artifact = fingerprint(&["has_avx=false"], CODEGEN);
        let engine = fingerprint(&["has_avx=false"], &["opt_level=none", CODEGEN[1]]);
        assert_eq!(
            check_fingerprint(&artifact, &compiler(engine)),
            Err(ArtifactError::Settings {
                artifact: "opt_level=speed".into(),
                engine: "opt_level=none".into()
            })
        );
        let newer = fingerprint(&["has_avx=false", "has_apx=false"], CODEGEN);
        assert!(check_fingerprint(&artifact, &compiler(newer)).is_err());
    }

    #[test]
    fn a_runtime_without_compiler_checks_detected_features_and_required_settings() {
        let artifact = fingerprint(&["has_avx=true", "has_apx=false", "use_bti=true"], CODEGEN);
        assert_eq!(
            check_fingerprint(&artifact, &runtime_only(&["has_avx=true"])),
            Ok(())
        );
        assert_eq!(
            check_fingerprint(&artifact, &runtime_only(&["has_avx=false"])),
            Err(ArtifactError::IsaFlags {
                artifact: "has_avx=true".into(),
                engine: "has_avx=false".into()
            })
        );
        let unknown = fingerprint(&["has_apx=true"], CODEGEN);
        assert_eq!(
            check_fingerprint(&unknown, &runtime_only(&["has_avx=true"])),
            Err(ArtifactError::IsaFlags {
                artifact: "has_apx=true".into(),
                engine: "has_apx not detected".into()
            })
        );
        let no_frame_pointers = fingerprint(&[], &["preserve_frame_pointers=false"]);
        assert_eq!(
            check_fingerprint(&no_frame_pointers, &runtime_only(&[])),
            Err(ArtifactError::Settings {
                artifact: "preserve_frame_pointers=false".into(),
                engine: "preserve_frame_pointers=true".into()
            })
        );
    }
}
