//! Matrix multiply: C = A * B for n-by-n f64 matrices (n at most 256), in
//! i-k-j order so the inner loop streams through rows.
//!
//! Loads, stores and multiply-adds in a loop nest; shows how well the
//! compiler hoists address computations and bounds checks. Checksum: the
//! bits of the sum of C (exact: all inputs are small multiples of 1/8).

#include "kernel.h"

#define MAX_N 256

static double a[MAX_N * MAX_N];
static double b[MAX_N * MAX_N];
static double c[MAX_N * MAX_N];

KERNEL(matmul) {
    if (n > MAX_N) {
        n = MAX_N;
    }
    for (u32 i = 0; i < n; i++) {
        for (u32 j = 0; j < n; j++) {
            a[i * n + j] = (double)((i * 3 + j * 5) % 17) * 0.125;
            b[i * n + j] = (double)((i * 7 + j * 2) % 13) * 0.25 - 1.0;
            c[i * n + j] = 0.0;
        }
    }
    for (u32 i = 0; i < n; i++) {
        for (u32 k = 0; k < n; k++) {
            double aik = a[i * n + k];
            double *crow = &c[i * n];
            const double *brow = &b[k * n];
            for (u32 j = 0; j < n; j++) {
                crow[j] += aik * brow[j];
            }
        }
    }
    double sum = 0.0;
    for (u32 i = 0; i < n * n; i++) {
        sum += c[i];
    }
    return fold64(bits_of(sum));
}
