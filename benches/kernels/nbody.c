//! Float math: a gravitational n-body simulation with a fixed time step.
//!
//! Twelve bodies start on a deterministic spiral; each of the n steps
//! computes all pairwise forces (f64 multiply, divide, square root) and
//! moves the bodies. Checksum: the bits of the final total energy, which is
//! exact only if every f64 operation rounds as IEEE-754 says.

#include "kernel.h"

#define BODIES 12

struct body {
    double x, y, z;
    double vx, vy, vz;
    double mass;
};

static struct body bodies[BODIES];

static void setup(void) {
    u32 seed = 0x2545f491u;
    for (u32 i = 0; i < BODIES; i++) {
        double r = 1.0 + 0.5 * (double)i;
        double jitter = (double)(next_random(&seed) % 1000) / 1000.0;
        bodies[i].x = r * (1.0 - jitter * 0.1);
        bodies[i].y = r * 0.5 * jitter;
        bodies[i].z = 0.01 * (double)i;
        bodies[i].vx = -0.1 * jitter;
        bodies[i].vy = 1.0 / r;
        bodies[i].vz = 0.001 * (double)(i % 3);
        bodies[i].mass = 0.01 + (double)(next_random(&seed) % 100) / 5000.0;
    }
    bodies[0].x = bodies[0].y = bodies[0].z = 0.0;
    bodies[0].vx = bodies[0].vy = bodies[0].vz = 0.0;
    bodies[0].mass = 4.0;
}

static void step(double dt) {
    for (u32 i = 0; i < BODIES; i++) {
        struct body *a = &bodies[i];
        for (u32 j = i + 1; j < BODIES; j++) {
            struct body *b = &bodies[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            double d2 = dx * dx + dy * dy + dz * dz + 1e-9;
            double d = __builtin_sqrt(d2);
            double f = dt / (d2 * d);
            a->vx -= dx * b->mass * f;
            a->vy -= dy * b->mass * f;
            a->vz -= dz * b->mass * f;
            b->vx += dx * a->mass * f;
            b->vy += dy * a->mass * f;
            b->vz += dz * a->mass * f;
        }
    }
    for (u32 i = 0; i < BODIES; i++) {
        bodies[i].x += dt * bodies[i].vx;
        bodies[i].y += dt * bodies[i].vy;
        bodies[i].z += dt * bodies[i].vz;
    }
}

static double energy(void) {
    double e = 0.0;
    for (u32 i = 0; i < BODIES; i++) {
        struct body *a = &bodies[i];
        e += 0.5 * a->mass * (a->vx * a->vx + a->vy * a->vy + a->vz * a->vz);
        for (u32 j = i + 1; j < BODIES; j++) {
            struct body *b = &bodies[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            e -= a->mass * b->mass / __builtin_sqrt(dx * dx + dy * dy + dz * dz + 1e-9);
        }
    }
    return e;
}

KERNEL(nbody) {
    setup();
    for (u32 i = 0; i < n; i++) {
        step(0.001);
    }
    return fold64(bits_of(energy()));
}
