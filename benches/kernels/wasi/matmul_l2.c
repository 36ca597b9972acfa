//! A textbook f64 matrix multiply, C = A * B in naive i-j-k order, on
//! matrices up to 512 by 512 (the bench uses 256: three 512 KiB matrices,
//! 1.5 MiB in all, more than a core's L2 cache holds), and the inner loop
//! walks B down a column (a stride of n * 8 bytes), so the caches and the
//! load addressing decide the time. The matrices come from malloc and
//! calloc (wasi-libc's dlmalloc in wasm).
//!
//! Checksum: the bits of the sum of C (exact: all inputs are small
//! multiples of 1/8).

#include "../kernel.h"

#include <stdlib.h>

#define MAX_N 512

KERNEL(matmul_l2) {
    if (n > MAX_N) {
        n = MAX_N;
    }
    double *a = malloc(sizeof(double) * n * n);
    double *b = malloc(sizeof(double) * n * n);
    double *c = calloc((size_t)n * n, sizeof(double));
    if (!a || !b || !c) {
        return 0;
    }
    for (u32 i = 0; i < n; i++) {
        for (u32 j = 0; j < n; j++) {
            a[i * n + j] = (double)((i * 3 + j * 5) % 17) * 0.125;
            b[i * n + j] = (double)((i * 7 + j * 2) % 13) * 0.25 - 1.0;
        }
    }
    for (u32 i = 0; i < n; i++) {
        for (u32 j = 0; j < n; j++) {
            double sum = 0.0;
            for (u32 k = 0; k < n; k++) {
                sum += a[i * n + k] * b[k * n + j];
            }
            c[i * n + j] = sum;
        }
    }
    double total = 0.0;
    for (u32 i = 0; i < n * n; i++) {
        total += c[i];
    }
    free(a);
    free(b);
    free(c);
    return fold64(bits_of(total));
}
