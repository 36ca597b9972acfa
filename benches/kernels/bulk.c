//! Bulk memory: memset, memcpy and memmove over 4 MiB buffers.
//!
//! Built for wasm with `-mbulk-memory`, so the builtins become
//! `memory.fill` and `memory.copy`; natively they are the C library's
//! routines. Each of the n rounds fills, patches, copies and shifts the
//! buffers, then samples them. Checksum: a hash of the samples.

#include "kernel.h"

#define SIZE (4u << 20)

static u8 src[SIZE];
static u8 dst[SIZE];

KERNEL(bulk) {
    u32 hash = 0;
    for (u32 round = 0; round < n; round++) {
        __builtin_memset(src, (int)(round * 37u + 1u), SIZE);
        for (u32 k = 0; k < 64; k++) {
            src[(k * 65599u + round) % SIZE] = (u8)(k ^ round);
        }
        __builtin_memcpy(dst, src, SIZE);
        /* Overlapping move: shift the buffer up by a few bytes. */
        u32 shift = 1 + round % 61;
        __builtin_memmove(dst + shift, dst, SIZE - shift);
        /* Block copies of assorted sizes between the buffers. */
        for (u32 block = 64; block <= 65536; block *= 4) {
            u32 at = (round * 4099u + block) % (SIZE - block);
            __builtin_memcpy(src + at, dst + (SIZE - block - at), block);
        }
        for (u32 i = round % 4093; i < SIZE; i += 4093) {
            hash = hash * 16777619u ^ src[i] ^ ((u32)dst[i] << 8);
        }
    }
    return hash;
}
