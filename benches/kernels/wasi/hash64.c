//! A 64-bit multiply/rotate hash over a buffer, in the style of xxHash64:
//! four lanes, each 8-byte word loaded with memcpy (how portable C loads
//! unaligned words), multiplied, rotated and multiplied again, then a
//! finalising avalanche. Run over a 1 MiB buffer at n different offsets.
//!
//! Checksum: the 64-bit hashes folded to 32 bits.

#include "../kernel.h"

#include <string.h>

#define SIZE (1024 * 1024)
#define P1 0x9e3779b185ebca87ULL
#define P2 0xc2b2ae3d27d4eb4fULL
#define P3 0x165667b19e3779f9ULL
#define P4 0x85ebca77c2b2ae63ULL
#define P5 0x27d4eb2f165667c5ULL

static u8 buffer[SIZE + 8];

static inline u64 rotl64(u64 x, int r) {
    return (x << r) | (x >> (64 - r));
}

static inline u64 read64(const u8 *p) {
    u64 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline u64 round64(u64 acc, u64 input) {
    acc += input * P2;
    acc = rotl64(acc, 31);
    return acc * P1;
}

static NOINLINE u64 hash(const u8 *p, u32 len, u64 seed) {
    const u8 *end = p + len;
    u64 v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    while (p + 32 <= end) {
        v1 = round64(v1, read64(p));
        v2 = round64(v2, read64(p + 8));
        v3 = round64(v3, read64(p + 16));
        v4 = round64(v4, read64(p + 24));
        p += 32;
    }
    u64 h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
    h += len;
    while (p + 8 <= end) {
        h ^= round64(0, read64(p));
        h = rotl64(h, 27) * P1 + P4;
        p += 8;
    }
    while (p < end) {
        h ^= (*p++) * P5;
        h = rotl64(h, 11) * P1;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

KERNEL(hash64) {
    u32 seed = 12345;
    for (u32 i = 0; i < SIZE + 8; i++) {
        buffer[i] = (u8)next_random(&seed);
    }
    u64 acc = 0;
    for (u32 i = 0; i < n; i++) {
        /* Odd offsets and lengths: unaligned loads and every tail. */
        u32 offset = i % 8;
        acc ^= hash(buffer + offset, SIZE - (i % 31), acc + i);
    }
    return fold64(acc);
}
