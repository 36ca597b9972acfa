//! libc's memcpy, memset and memmove as C programs call them: many small
//! copies (byte loops), large aligned ones (word loops), copies whose
//! source and destination are misaligned to each other, and overlapping
//! moves by 1 to 7 bytes (byte-wise in musl's memmove) and by 8 (word-wise).
//!
//! Built for wasm against wasi-libc without bulk memory, so every call runs
//! wasi-libc's own loops (musl's C memcpy/memset/memmove), never
//! `memory.copy`/`memory.fill`; natively it calls the host libc's. Checksum:
//! a hash of the buffers after the work.

#include "../kernel.h"

#include <string.h>

#define SIZE (256 * 1024)

static u8 src[SIZE + 64];
static u8 dst[SIZE + 64];

static u32 hash_bytes(const u8 *p, u32 len, u32 h) {
    for (u32 i = 0; i < len; i += 61) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

KERNEL(memops) {
    u32 seed = 0x9e3779b9u;
    for (u32 i = 0; i < SIZE + 64; i++) {
        src[i] = (u8)next_random(&seed);
    }
    memset(dst, 0, sizeof dst);
    u32 h = 2166136261u;
    for (u32 round = 0; round < n; round++) {
        /* Large copies, both sides 8-byte aligned: word loops. */
        memcpy(dst, src, SIZE);
        memset(dst + 4096, (int)round, SIZE / 2);
        /* Large copies misaligned to each other (by 1, 2, 3 bytes). */
        u32 skew = round % 3 + 1;
        memcpy(dst + skew, src + 8, SIZE / 2);
        /* Overlapping moves: forward and backward, by 8 (word-wise) and by
         * 1..7 bytes (byte-wise). */
        memmove(dst + 8, dst, SIZE / 4);
        memmove(dst, dst + 8, SIZE / 4);
        u32 shift = round % 7 + 1;
        memmove(dst + shift, dst, SIZE / 8);
        memmove(dst + 4096, dst + 4096 + shift, SIZE / 8);
        /* Many small copies and fills, as string and struct code makes. */
        u32 at = round * 31 % 4096;
        for (u32 i = 0; i < 4096; i++) {
            u32 len = (i * 7 + round) % 24 + 1;
            u32 from = (at + i * 13) % (SIZE - 64);
            u32 to = (at + i * 29) % (SIZE - 64);
            memcpy(dst + to, src + from, len);
            memset(dst + from + 32, (int)i, len % 9 + 1);
        }
        h = hash_bytes(dst, SIZE, h ^ round);
    }
    return h;
}
