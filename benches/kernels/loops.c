//! Integer loops: Collatz trajectories and Euclid's algorithm.
//!
//! Tight loops of 64-bit arithmetic, shifts and data-dependent branches,
//! and 32-bit remainders (which wasm must check for division by zero).
//! Checksum: total Collatz steps for 1..=n mixed with a sum of gcds.

#include "kernel.h"

static u32 collatz_steps(u64 x) {
    u32 steps = 0;
    while (x != 1) {
        x = (x & 1) ? 3 * x + 1 : x >> 1;
        steps++;
    }
    return steps;
}

static u32 gcd(u32 a, u32 b) {
    while (b != 0) {
        u32 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

KERNEL(loops) {
    u64 steps = 0;
    for (u32 i = 1; i <= n; i++) {
        steps += collatz_steps(i);
    }
    u32 gcds = 0;
    u32 side = n / 256 + 1;
    for (u32 a = 1; a <= side; a++) {
        for (u32 b = 1; b <= side; b++) {
            gcds += gcd(a * 7919u, b * 104729u);
        }
    }
    return fold64(steps) ^ gcds;
}
