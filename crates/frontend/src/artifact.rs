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

use crate::compiler::CompiledModule;
use crate::image::CodeImage;
use crate::module_info::ModuleInfo;
use serde::{Deserialize, Serialize};

/// The first bytes of every artifact.
pub const MAGIC: [u8; 8] = *b"\0egret-m";
/// The version of this layout and of the payload's encoding.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes before the payload: magic, format version, payload length.
const PREFIX: usize = 8 + 4 + 8;
/// Bytes after the payload: its checksum.
const SUFFIX: usize = 4;

/// What produced an artifact's code; everything that must match the
/// engine that loads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// Egret's version.
    pub egret_version: String,
    /// The target triple.
    pub target: String,
    /// The ISA flags (CPU features the code may use and other
    /// target-specific settings), as `name=value` each.
    pub isa_flags: Vec<String>,
    /// WebAssembly features, code-shaping tunables and Cranelift's shared
    /// settings (optimisation level included), as `name=value` each.
    pub settings: Vec<String>,
}

/// The module itself.
#[derive(Serialize, Deserialize)]
struct Body {
    info: ModuleInfo,
    image: CodeImage,
    array_calls: Vec<Option<u32>>,
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
        array_calls: module.array_calls().to_vec(),
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

/// Reads an artifact for an engine with `fingerprint`: the module's
/// description (without engine type ids), its code image, and the image
/// position of each type's array-call trampoline.
pub fn read(
    fingerprint: &Fingerprint,
    bytes: &[u8],
) -> Result<(ModuleInfo, CodeImage, Vec<Option<u32>>), ArtifactError> {
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
    check_fingerprint(&found, fingerprint)?;
    let (body, rest) = postcard::take_from_bytes::<Body>(rest).map_err(corrupted)?;
    if !rest.is_empty() {
        return Err(ArtifactError::Corrupted(format!(
            "{} bytes after the module",
            rest.len()
        )));
    }
    check_body(&body).map_err(ArtifactError::Corrupted)?;
    Ok((body.info, body.image, body.array_calls))
}

/// Compares what produced the artifact with this engine, field by field.
fn check_fingerprint(artifact: &Fingerprint, engine: &Fingerprint) -> Result<(), ArtifactError> {
    let pair = |a: &String, e: &String| (a.clone(), e.clone());
    if artifact.egret_version != engine.egret_version {
        let (artifact, engine) = pair(&artifact.egret_version, &engine.egret_version);
        return Err(ArtifactError::EgretVersion { artifact, engine });
    }
    if artifact.target != engine.target {
        let (artifact, engine) = pair(&artifact.target, &engine.target);
        return Err(ArtifactError::Target { artifact, engine });
    }
    // Code that does not use a CPU feature (Cranelift's `has_*` flags) runs
    // where it is present: such a flag off in the artifact may be on here;
    // any other difference counts.
    let unused_feature = |a: &str, e: &str| {
        a.strip_suffix("=false")
            .is_some_and(|name| name.starts_with("has_") && e.strip_suffix("=true") == Some(name))
    };
    if let Some((artifact, engine)) =
        first_difference(&artifact.isa_flags, &engine.isa_flags, unused_feature)
    {
        return Err(ArtifactError::IsaFlags { artifact, engine });
    }
    if let Some((artifact, engine)) =
        first_difference(&artifact.settings, &engine.settings, |_, _| false)
    {
        return Err(ArtifactError::Settings { artifact, engine });
    }
    Ok(())
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
    if body.array_calls.len() != body.info.types.len() {
        return Err("array-call table does not match the type section".into());
    }
    let positions = image.functions.len() as u32;
    if body.array_calls.iter().flatten().any(|&p| p >= positions) {
        return Err("array-call trampoline outside the code".into());
    }
    let types = body.info.types.len();
    if body.info.functions.iter().any(|t| t.index() >= types) {
        return Err("function of an unknown type".into());
    }
    let info = &body.info;
    let imported_within = [
        (info.num_imported_tables, info.tables.len()),
        (info.num_imported_memories, info.memories.len()),
        (info.num_imported_globals, info.globals.len()),
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

    fn fingerprint(isa_flags: &[&str]) -> Fingerprint {
        Fingerprint {
            egret_version: "1".into(),
            target: "t".into(),
            isa_flags: isa_flags.iter().map(|s| s.to_string()).collect(),
            settings: vec!["opt_level=speed".into()],
        }
    }

    #[test]
    fn code_without_a_cpu_feature_loads_where_it_is_present_but_not_the_reverse() {
        let without = fingerprint(&["has_avx=false", "sign_return_address=false"]);
        let with = fingerprint(&["has_avx=true", "sign_return_address=false"]);
        assert_eq!(check_fingerprint(&without, &with), Ok(()));
        assert_eq!(
            check_fingerprint(&with, &without),
            Err(ArtifactError::IsaFlags {
                artifact: "has_avx=true".into(),
                engine: "has_avx=false".into()
            })
        );
        let other = fingerprint(&["has_avx=false", "sign_return_address=true"]);
        assert!(check_fingerprint(&without, &other).is_err());
    }
}
