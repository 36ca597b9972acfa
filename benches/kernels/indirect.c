//! Indirect calls: a loop calling through a table of function pointers,
//! which wasm compiles to `call_indirect` (a table load and a signature
//! check per call).
//!
//! The table is rebuilt from n on every run and indexed by a pseudo-random
//! sequence, so the compiler can neither devirtualise nor inline the calls.
//! Checksum: the final accumulator.

#include "kernel.h"

typedef u32 (*binary_op)(u32, u32);

static NOINLINE u32 op_add(u32 a, u32 b) { return a + b; }
static NOINLINE u32 op_sub(u32 a, u32 b) { return a - b; }
static NOINLINE u32 op_mul(u32 a, u32 b) { return a * (b | 1); }
static NOINLINE u32 op_xor(u32 a, u32 b) { return a ^ b; }
static NOINLINE u32 op_rotl(u32 a, u32 b) {
    u32 s = b & 31;
    return (a << s) | (a >> ((32 - s) & 31));
}
static NOINLINE u32 op_min(u32 a, u32 b) { return (a < b ? a : b) + 1; }
static NOINLINE u32 op_max(u32 a, u32 b) { return (a > b ? a : b) - 1; }
static NOINLINE u32 op_mix(u32 a, u32 b) { return (a ^ (b >> 7)) * 0x01000193u; }

static const binary_op ops[8] = {
    op_add, op_sub, op_mul, op_xor, op_rotl, op_min, op_max, op_mix,
};

static binary_op table[16];

KERNEL(indirect) {
    for (u32 i = 0; i < 16; i++) {
        table[i] = ops[(i * 5 + n) & 7];
    }
    u32 seed = 0x6a09e667u;
    u32 acc = n;
    for (u32 i = 0; i < n; i++) {
        u32 r = next_random(&seed);
        acc = table[r & 15](acc, r);
    }
    return acc;
}
