//! Shared definitions for Egret's benchmark kernels.
//!
//! Every kernel is one C file with one entry point, `KERNEL(name)`, taking a
//! problem size `n` and returning a 32-bit checksum of its work. The same
//! source is built twice:
//!
//! - for wasm32 by `build.sh` (clang, no libc, no imports), where the entry
//!   point is exported as `run`;
//! - for the host by `build.rs` (the `cc` crate), where it is the C symbol
//!   `egret_kernel_<name>` called through FFI as the native floor.
//!
//! No headers are included, so nothing depends on a libc: the types below
//! have the same sizes on wasm32 (ILP32) and x86_64/aarch64 (LP64).

#ifndef EGRET_KERNEL_H
#define EGRET_KERNEL_H

typedef unsigned char u8;
typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;
typedef long long i64;

#ifdef __wasm__
#define KERNEL(name) \
    __attribute__((export_name("run"))) u32 egret_kernel_##name(u32 n)
#else
#define KERNEL(name) u32 egret_kernel_##name(u32 n)
#endif

#define NOINLINE __attribute__((noinline))

/* A 64-bit mix folded to 32 bits: how kernels hash doubles and sums. */
static inline u32 fold64(u64 x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (u32)x ^ (u32)(x >> 32);
}

/* The bit pattern of a double, without memcpy or a libc. */
static inline u64 bits_of(double d) {
    union {
        double d;
        u64 u;
    } v;
    v.d = d;
    return v.u;
}

/* xorshift32: the kernels' deterministic input generator. */
static inline u32 next_random(u32 *state) {
    u32 x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

#endif
