//! Recursion: the naive doubly recursive Fibonacci function.
//!
//! Measures call and return overhead (frame setup, stack-limit checks) with
//! almost no other work. Checksum: fib(n) modulo 2^32.

#include "kernel.h"

static NOINLINE u32 fib(u32 k) {
    if (k < 2) {
        return k;
    }
    return fib(k - 1) + fib(k - 2);
}

KERNEL(fib) { return fib(n); }
