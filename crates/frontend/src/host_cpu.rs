//! The CPU features of the machine Egret runs on, under the names of
//! Cranelift's ISA flags, detected without Cranelift: what a runtime built
//! without the compiler checks a precompiled module's `has_*` flags
//! against. The list follows `cranelift-native`'s detection for the
//! Cranelift release Egret pins; a flag missing here is "not detected", so
//! an artifact that needs it is refused rather than run.

/// `has_*=true|false` for every feature this runtime can detect.
pub fn detected_isa_flags() -> Vec<String> {
    detected()
        .into_iter()
        .map(|(name, present)| format!("{name}={present}"))
        .collect()
}

#[cfg(target_arch = "x86_64")]
fn detected() -> Vec<(&'static str, bool)> {
    use std::arch::is_x86_feature_detected as has;
    vec![
        ("has_cmpxchg16b", has!("cmpxchg16b")),
        ("has_sse3", has!("sse3")),
        ("has_ssse3", has!("ssse3")),
        ("has_sse41", has!("sse4.1")),
        ("has_sse42", has!("sse4.2")),
        ("has_popcnt", has!("popcnt")),
        ("has_avx", has!("avx")),
        ("has_avx2", has!("avx2")),
        ("has_fma", has!("fma")),
        ("has_avx_vnni", has!("avxvnni")),
        ("has_avx512vnni", has!("avx512vnni")),
        ("has_bmi1", has!("bmi1")),
        ("has_bmi2", has!("bmi2")),
        ("has_avx512bitalg", has!("avx512bitalg")),
        ("has_avx512dq", has!("avx512dq")),
        ("has_avx512f", has!("avx512f")),
        ("has_avx512vl", has!("avx512vl")),
        ("has_avx512vbmi", has!("avx512vbmi")),
        ("has_lzcnt", has!("lzcnt")),
    ]
}

#[cfg(target_arch = "aarch64")]
fn detected() -> Vec<(&'static str, bool)> {
    use std::arch::is_aarch64_feature_detected as has;
    vec![
        ("has_lse", has!("lse")),
        ("has_pauth", has!("paca")),
        ("has_fp16", has!("fp16")),
        ("has_dotprod", has!("dotprod")),
        ("has_i8mm", has!("i8mm")),
    ]
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn detected() -> Vec<(&'static str, bool)> {
    Vec::new()
}

#[cfg(all(test, feature = "compiler"))]
mod tests {
    use super::*;
    use crate::compiler::Compiler;
    use crate::config::CompilerConfig;

    #[test]
    fn detection_agrees_with_cranelift_native() {
        let compiler = Compiler::new(CompilerConfig::default()).unwrap();
        let mut cranelift: Vec<String> = compiler
            .fingerprint()
            .isa_flags
            .into_iter()
            .filter(|flag| flag.starts_with("has_"))
            .collect();
        let mut ours = detected_isa_flags();
        cranelift.sort();
        ours.sort();
        assert_eq!(ours, cranelift);
    }
}
