//! Sorting and searching records with libc: n records of a name (a short
//! lowercase string) and two numbers, sorted by libc's qsort with a
//! comparator that calls strcmp, then looked up again with bsearch, and a
//! second qsort of the keys as integers. Comparisons through a function
//! pointer into libc and back are the hot path (musl's smoothsort in wasm,
//! the host's qsort natively; the order is total, so both give the same
//! result).
//!
//! Checksum: a hash of the sorted order and of the lookups.

#include "../kernel.h"

#include <stdlib.h>
#include <string.h>

struct record {
    char name[12];
    u32 key;
    u32 id;
};

static int by_name(const void *pa, const void *pb) {
    const struct record *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    if (c != 0) {
        return c;
    }
    return a->id < b->id ? -1 : a->id > b->id;
}

static int by_u32(const void *pa, const void *pb) {
    u32 a = *(const u32 *)pa, b = *(const u32 *)pb;
    return a < b ? -1 : a > b;
}

KERNEL(records) {
    struct record *records = malloc(sizeof(struct record) * (n + 1));
    u32 *keys = malloc(sizeof(u32) * (n + 1));
    if (!records || !keys) {
        return 0;
    }
    u32 seed = 0x1234567u;
    for (u32 i = 0; i < n; i++) {
        struct record *r = &records[i];
        /* 3 to 10 letters from a small alphabet: many shared prefixes. */
        u32 len = next_random(&seed) % 8 + 3;
        for (u32 j = 0; j < len; j++) {
            r->name[j] = (char)('a' + next_random(&seed) % 6);
        }
        r->name[len] = '\0';
        r->key = next_random(&seed);
        r->id = i;
        keys[i] = r->key;
    }
    qsort(records, n, sizeof(struct record), by_name);
    qsort(keys, n, sizeof(u32), by_u32);
    u32 h = 0;
    for (u32 i = 0; i < n; i++) {
        h = h * 31 + records[i].id;
        h ^= keys[i] >> (i % 16);
    }
    /* Every 4th record's key is found again by bsearch. */
    for (u32 i = 0; i < n; i += 4) {
        u32 key = records[i].key;
        u32 *found = bsearch(&key, keys, n, sizeof(u32), by_u32);
        h += found ? (u32)(found - keys) : 0xffffffffu;
    }
    free(records);
    free(keys);
    return h;
}
