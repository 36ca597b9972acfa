//! Sorting: quicksort of n pseudo-random 32-bit integers (n at most 2^20).
//!
//! Median-of-three pivot, Hoare partition, insertion sort below 16
//! elements, recursion on the smaller side only. Branchy code with many
//! memory accesses. Checksum: a position-weighted hash of the sorted array,
//! spoiled if it is not sorted.

#include "kernel.h"

#define MAX_N (1u << 20)

static u32 data[MAX_N];

static void insertion_sort(u32 *v, i32 lo, i32 hi) {
    for (i32 i = lo + 1; i <= hi; i++) {
        u32 x = v[i];
        i32 j = i - 1;
        while (j >= lo && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static void swap(u32 *v, i32 i, i32 j) {
    u32 t = v[i];
    v[i] = v[j];
    v[j] = t;
}

static void quicksort(u32 *v, i32 lo, i32 hi) {
    while (hi - lo >= 16) {
        i32 mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo]) swap(v, mid, lo);
        if (v[hi] < v[lo]) swap(v, hi, lo);
        if (v[hi] < v[mid]) swap(v, hi, mid);
        u32 pivot = v[mid];
        i32 i = lo - 1, j = hi + 1;
        for (;;) {
            do i++; while (v[i] < pivot);
            do j--; while (v[j] > pivot);
            if (i >= j) break;
            swap(v, i, j);
        }
        if (j - lo < hi - j) {
            quicksort(v, lo, j);
            lo = j + 1;
        } else {
            quicksort(v, j + 1, hi);
            hi = j;
        }
    }
    insertion_sort(v, lo, hi);
}

KERNEL(sort) {
    if (n > MAX_N) {
        n = MAX_N;
    }
    u32 seed = 0x9e3779b9u;
    for (u32 i = 0; i < n; i++) {
        data[i] = next_random(&seed);
    }
    quicksort(data, 0, (i32)n - 1);
    u32 hash = 0, unsorted = 0;
    for (u32 i = 0; i < n; i++) {
        hash = hash * 31u + data[i] * (i + 1);
        if (i > 0 && data[i - 1] > data[i]) {
            unsorted++;
        }
    }
    return hash ^ (unsorted ? 0xdeadbeefu : 0);
}
