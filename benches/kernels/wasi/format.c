//! Text formatting and string functions as report and log code uses them:
//! snprintf of integers (decimal, padded, hex), strings and doubles
//! (`%.3f`, `%g`) into a line buffer, then strlen, strcmp against the
//! previous line, strchr and strncpy, n lines in all. In wasm this is
//! wasi-libc's printf (musl's, doubles only), natively the host libc's;
//! both print the same correctly rounded decimals.
//!
//! Checksum: a hash of every line's bytes and of the string results.

#include "../kernel.h"

#include <stdio.h>
#include <string.h>

static const char *const words[8] = {
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
};

KERNEL(format) {
    char line[128], previous[128], field[16];
    previous[0] = '\0';
    u32 seed = 0xabcdef1u;
    u32 h = 2166136261u;
    for (u32 i = 0; i < n; i++) {
        u32 r = next_random(&seed);
        double value = (double)(i32)(r % 200000 - 100000) / 64.0;
        int len = snprintf(line, sizeof line, "%6u|%-8s|%08x|%.3f|%g|%c%d", i,
                           words[r % 8], r, value, value * 1e-3, 'A' + (int)(r % 26),
                           (int)(r % 1000) - 500);
        if (len < 0) {
            return 0;
        }
        u32 size = (u32)strlen(line);
        int order = strcmp(line + 7, previous + (previous[0] ? 7 : 0));
        const char *bar = strchr(line + 7, '|');
        strncpy(field, line + 7, sizeof field - 1);
        field[sizeof field - 1] = '\0';
        h = (h ^ size) * 16777619u;
        h = (h ^ (u32)(order > 0) ^ (u32)(order < 0) << 1) * 16777619u;
        h = (h ^ (u32)(bar ? bar - line : 0)) * 16777619u;
        for (u32 j = 0; j < size; j++) {
            h = (h ^ (u8)line[j]) * 16777619u;
        }
        h ^= (u32)strlen(field);
        memcpy(previous, line, size + 1);
    }
    return h;
}
