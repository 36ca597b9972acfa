//! Float math: escape-time iteration over an n-by-n grid of the complex
//! plane around the Mandelbrot set.
//!
//! Dependent f64 multiply/add chains and a compare per iteration.
//! Checksum: the total number of iterations (exact: no rounding involved in
//! the count as long as the runtime implements IEEE-754 f64 faithfully).

#include "kernel.h"

#define MAX_ITER 200

KERNEL(mandelbrot) {
    u32 total = 0;
    double scale = 3.0 / (double)n;
    for (u32 y = 0; y < n; y++) {
        double ci = -1.5 + scale * (double)y;
        for (u32 x = 0; x < n; x++) {
            double cr = -2.25 + scale * (double)x;
            double zr = 0.0, zi = 0.0;
            u32 it = 0;
            while (it < MAX_ITER) {
                double zr2 = zr * zr, zi2 = zi * zi;
                if (zr2 + zi2 > 4.0) {
                    break;
                }
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                it++;
            }
            total += it;
        }
    }
    return total;
}
