/* Reproducible random splits: numpy's legacy RandomState (MT19937 seeded by init_genrand) and the
 * permutation / train_test_split built on it, so `random:0.2:42` selects the same rows as
 * sklearn.model_selection.train_test_split(test_size=0.2, random_state=42) (DESIGN.md §4). */
#include <math.h>

#include "ml/ml.h"

#define MT_N 624
#define MT_M 397
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu
#define MT_MATRIX_A 0x9908b0dfu

/* init_genrand (Matsumoto & Nishimura 2002); numpy's RandomState(int) seeds exactly this way. */
void as__mt_seed(as_mt19937 *r, uint32_t seed) {
    r->mt[0] = seed;
    for (int i = 1; i < MT_N; i++) {
        uint32_t prev = r->mt[i - 1];
        r->mt[i] = 1812433253u * (prev ^ (prev >> 30)) + (uint32_t)i;   /* uint32 arithmetic wraps mod 2^32 */
    }
    r->mti = MT_N;   /* the first draw regenerates the whole state block */
}

static void mt_generate(as_mt19937 *r) {
    uint32_t *mt = r->mt;
    int k;
    for (k = 0; k < MT_N - MT_M; k++) {
        uint32_t y = (mt[k] & MT_UPPER) | (mt[k + 1] & MT_LOWER);
        mt[k] = mt[k + MT_M] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
    }
    for (; k < MT_N - 1; k++) {
        uint32_t y = (mt[k] & MT_UPPER) | (mt[k + 1] & MT_LOWER);
        mt[k] = mt[k + (MT_M - MT_N)] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
    }
    uint32_t y = (mt[MT_N - 1] & MT_UPPER) | (mt[0] & MT_LOWER);
    mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
    r->mti = 0;
}

uint32_t as__mt_next32(as_mt19937 *r) {
    if (r->mti >= MT_N) mt_generate(r);
    uint32_t y = r->mt[r->mti++];
    /* tempering */
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
}

/* numpy's random_interval (legacy distributions): draw `next & mask` until it is ≤ max, where mask is max
 * with every lower bit set. Ranges that fit 32 bits consume one 32-bit draw per attempt; wider ranges build
 * a 64-bit draw as (first << 32) | second, the order numpy's mt19937_next64 uses (checked against
 * RandomState(42).randint(0, 2**40 + 1, dtype=np.int64) in tests/unit/test_ml.c). */
uint64_t as__mt_interval(as_mt19937 *r, uint64_t max) {
    if (max == 0) return 0;
    uint64_t mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    uint64_t value;
    if (max <= 0xffffffffu) {
        while ((value = ((uint64_t)as__mt_next32(r) & mask)) > max) {
        }
    } else {
        do {
            uint64_t hi = as__mt_next32(r);
            uint64_t lo = as__mt_next32(r);
            value = ((hi << 32) | lo) & mask;
        } while (value > max);
    }
    return value;
}

/* RandomState(seed).permutation(n) = arange(n) followed by the legacy shuffle, which walks i from n−1 down
 * to 1 and swaps a[i] with a[random_interval(i)]. */
void as__permutation(size_t n, uint32_t seed, size_t *perm) {
    for (size_t i = 0; i < n; i++) perm[i] = i;
    if (n < 2) return;
    as_mt19937 r;
    as__mt_seed(&r, seed);
    for (size_t i = n - 1; i >= 1; i--) {
        size_t j = (size_t)as__mt_interval(&r, (uint64_t)i);
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

void as__random_split(size_t n, double fraction, uint32_t seed, size_t *train, size_t *n_train, size_t *test,
                      size_t *n_test) {
    /* sklearn: n_test = ceil(test_size * n_samples), computed in double exactly like this product, so the
     * rounding of e.g. 0.2 * n matches Python's float arithmetic bit for bit. */
    size_t nt = 0;
    if (fraction > 0 && n > 0) {
        double t = ceil(fraction * (double)n);
        nt = t >= (double)n ? n : (size_t)t;
    }
    /* The permutation is written into `train` (n entries, caller-allocated) and then shifted, so no scratch
     * allocation is needed and this stays infallible. */
    as__permutation(n, seed, train);
    for (size_t k = 0; k < nt; k++) test[k] = train[k];
    for (size_t k = nt; k < n; k++) train[k - nt] = train[k];
    *n_test = nt;
    *n_train = n - nt;
}
