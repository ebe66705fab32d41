/* Random numbers for the simulated shop: xoshiro256** (Blackman & Vigna) seeded through splitmix64.
 * Integer-exact and platform-independent; the few doubles derived from it use only IEEE-754 arithmetic,
 * sqrt (exact everywhere) and log. */
#include <math.h>

#include "sim/sim.h"

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void as__sim_rng_seed(as_sim_rng *r, uint64_t seed, uint64_t stream) {
    /* Streams differ in the splitmix64 starting point; splitmix64 scrambles well enough that neighbouring
     * seeds and streams give unrelated xoshiro states (the usual recommendation of the xoshiro authors). */
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ULL);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t as__sim_rng_next(as_sim_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double as__sim_u01(as_sim_rng *r) { return (double)(as__sim_rng_next(r) >> 11) * 0x1.0p-53; }

double as__sim_u01_open(as_sim_rng *r) { return (double)((as__sim_rng_next(r) >> 11) + 1) * 0x1.0p-53; }

int64_t as__sim_range(as_sim_rng *r, int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    uint64_t span = (uint64_t)(hi - lo) + 1;
    /* Rejection keeps every value equally likely: plain modulo would favour small values slightly. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    uint64_t x;
    do x = as__sim_rng_next(r); while (x >= limit);
    return lo + (int64_t)(x % span);
}

double as__sim_normal(as_sim_rng *r) {
    /* Marsaglia's polar method: no trigonometric functions, whose last bit differs between C libraries.
     * The second variate of each pair is dropped so the stream position never depends on hidden state. */
    for (;;) {
        double u = 2.0 * as__sim_u01(r) - 1.0, v = 2.0 * as__sim_u01(r) - 1.0;
        double s = u * u + v * v;
        if (s > 0.0 && s < 1.0) return u * sqrt(-2.0 * log(s) / s);
    }
}

int as__sim_pick(as_sim_rng *r, const double *weights, int n) {
    double total = 0;
    for (int i = 0; i < n; i++) total += weights[i];
    double x = as__sim_u01(r) * total;
    for (int i = 0; i < n - 1; i++) {
        if (x < weights[i]) return i;
        x -= weights[i];
    }
    return n - 1;
}
