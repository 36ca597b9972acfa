// clock_random: checks the clocks (realtime is after 2020, monotonic
// never goes back, a 20 ms sleep takes at least 20 ms, resolutions are
// sane) and random bytes (two draws differ, not all zero). Prints one
// line per check, "ok" or "FAIL".
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

static int failures;

static void check(const char *what, int ok) {
    printf("%s: %s\n", what, ok ? "ok" : "FAIL");
    failures += !ok;
}

static int64_t ns(struct timespec t) {
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(void) {
    struct timespec real, mono1, mono2, res;
    check("realtime", clock_gettime(CLOCK_REALTIME, &real) == 0 && real.tv_sec > 1577836800);
    check("monotonic", clock_gettime(CLOCK_MONOTONIC, &mono1) == 0);
    check("resolution", clock_getres(CLOCK_MONOTONIC, &res) == 0 && ns(res) > 0 && ns(res) <= 1000000);
    struct timespec nap = {.tv_sec = 0, .tv_nsec = 20 * 1000000};
    check("nanosleep", nanosleep(&nap, NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &mono2);
    check("slept 20ms", ns(mono2) - ns(mono1) >= 20 * 1000000);
    check("slept under 5s", ns(mono2) - ns(mono1) < 5000000000LL);
    check("time()", time(NULL) >= real.tv_sec);

    unsigned char a[64], b[64], zero[64] = {0};
    check("getentropy", getentropy(a, sizeof a) == 0 && getentropy(b, sizeof b) == 0);
    check("draws differ", memcmp(a, b, sizeof a) != 0);
    check("not all zero", memcmp(a, zero, sizeof a) != 0);
    return failures;
}
