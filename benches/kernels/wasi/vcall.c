//! Virtual calls as C programs make them: objects (structs) whose first
//! field points to a table of function pointers, four kinds of shape in a
//! random order, and a hot loop calling `area`, `scale` and `bump` through
//! the table (`call_indirect`s whose target changes from one object to the
//! next). The objects come from malloc.
//!
//! Checksum: the bits of the summed areas and the objects' counters.

#include "../kernel.h"

#include <stdlib.h>

#define OBJECTS 1024

struct shape;

struct shape_ops {
    double (*area)(const struct shape *);
    void (*scale)(struct shape *, double);
    u32 (*bump)(struct shape *, u32);
};

struct shape {
    const struct shape_ops *ops;
    double x, y;
    u32 counter;
};

static double rect_area(const struct shape *s) { return s->x * s->y; }
static double tri_area(const struct shape *s) { return s->x * s->y * 0.5; }
static double square_area(const struct shape *s) { return s->x * s->x; }
static double circle_area(const struct shape *s) { return s->x * s->x * 3.125; }

static void scale_both(struct shape *s, double f) {
    s->x *= f;
    s->y *= f;
}
static void scale_x(struct shape *s, double f) { s->x *= f; }

static u32 bump_add(struct shape *s, u32 v) { return s->counter += v; }
static u32 bump_xor(struct shape *s, u32 v) { return s->counter ^= v * 2654435761u; }
static u32 bump_rot(struct shape *s, u32 v) {
    s->counter = (s->counter << 5 | s->counter >> 27) + v;
    return s->counter;
}

static const struct shape_ops rect_ops = {rect_area, scale_both, bump_add};
static const struct shape_ops tri_ops = {tri_area, scale_both, bump_xor};
static const struct shape_ops square_ops = {square_area, scale_x, bump_rot};
static const struct shape_ops circle_ops = {circle_area, scale_x, bump_add};
static const struct shape_ops *const kinds[4] = {&rect_ops, &tri_ops, &square_ops, &circle_ops};

KERNEL(vcall) {
    struct shape **objects = malloc(sizeof(struct shape *) * OBJECTS);
    if (!objects) {
        return 0;
    }
    u32 seed = 0x2545f491u;
    for (u32 i = 0; i < OBJECTS; i++) {
        struct shape *s = malloc(sizeof *s);
        if (!s) {
            return 0;
        }
        s->ops = kinds[next_random(&seed) % 4];
        s->x = (double)(next_random(&seed) % 64 + 1) * 0.25;
        s->y = (double)(next_random(&seed) % 64 + 1) * 0.5;
        s->counter = i;
        objects[i] = s;
    }
    double total = 0.0;
    u32 mix = 0;
    for (u32 round = 0; round < n; round++) {
        /* Scale up and back down by powers of two: exact, so the areas stay
         * small and the sum is the same everywhere. */
        double f = (round & 1) ? 0.5 : 2.0;
        for (u32 i = 0; i < OBJECTS; i++) {
            struct shape *s = objects[i];
            total += s->ops->area(s);
            s->ops->scale(s, f);
            mix += s->ops->bump(s, round + i);
        }
    }
    for (u32 i = 0; i < OBJECTS; i++) {
        mix ^= objects[i]->counter;
        free(objects[i]);
    }
    free(objects);
    return fold64(bits_of(total)) ^ mix;
}
