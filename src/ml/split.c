/* Reproducible row allocation: numpy's legacy RandomState (MT19937 seeded by init_genrand, masked rejection
 * sampling, Fisher–Yates from the end) and what scikit-learn 1.2.1 builds on it — permutation /
 * train_test_split, StratifiedShuffleSplit (train_test_split(..., stratify=y)), KFold and StratifiedKFold — so
 * `random:0.2:42` or `stratified:0.2:42` selects the same rows, in the same order, as random_state=42 there
 * (DESIGN.md §4). Error and warning texts are scikit-learn's. Everything is O(n + K log K). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* RandomState.shuffle of a 1-d ndarray (numpy 1.24 mtrand.pyx, _shuffle_raw): i walks from n−1 down to 1 and
 * a[i] is swapped with a[random_interval(i)]. Arrays with fewer than 2 entries draw nothing. */
void as__mt_shuffle(as_mt19937 *r, size_t *a, size_t n) {
    if (n < 2) return;
    for (size_t i = n - 1; i >= 1; i--) {
        size_t j = (size_t)as__mt_interval(r, (uint64_t)i);
        size_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* RandomState(seed).permutation(n) = arange(n) followed by the legacy shuffle. */
void as__permutation(size_t n, uint32_t seed, size_t *perm) {
    for (size_t i = 0; i < n; i++) perm[i] = i;
    if (n < 2) return;
    as_mt19937 r;
    as__mt_seed(&r, seed);
    as__mt_shuffle(&r, perm, n);
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

/* ---------------------------------------------------------------------------------------------------------- */
/* Stratified allocation (sklearn.model_selection 1.2.1: StratifiedShuffleSplit, KFold, StratifiedKFold)        */
/* ---------------------------------------------------------------------------------------------------------- */

/* Python's repr of a float (shortest round-trip digits; fixed notation for exponents in [−4, 16), else
 * scientific with a two-digit exponent), so messages quote fractions exactly as scikit-learn's do. */
static void py_float_repr(double v, char *out, size_t size) {
    if (isnan(v)) {
        snprintf(out, size, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(out, size, v < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[64];
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
        if (strtod(tmp, NULL) == v) break;
    }
    /* tmp = [-]d[.ddd]e±XX */
    const char *s = tmp;
    int neg = *s == '-';
    if (neg) s++;
    char dig[32];
    size_t nd = 0;
    while (*s && *s != 'e') {
        if (*s != '.' && nd + 1 < sizeof dig) dig[nd++] = *s;
        s++;
    }
    dig[nd] = '\0';
    int e = *s == 'e' ? atoi(s + 1) : 0;
    while (nd > 1 && dig[nd - 1] == '0') dig[--nd] = '\0';
    char body[96];
    if (e >= 16 || e < -4) {
        if (nd > 1) snprintf(body, sizeof body, "%c.%se%c%02d", dig[0], dig + 1, e < 0 ? '-' : '+', e < 0 ? -e : e);
        else snprintf(body, sizeof body, "%ce%c%02d", dig[0], e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else if (e >= 0) {
        size_t k = 0;
        for (int i = 0; i <= e; i++) body[k++] = (size_t)i < nd ? dig[i] : '0';
        body[k++] = '.';
        if ((size_t)e + 1 < nd) {
            for (size_t i = (size_t)e + 1; i < nd; i++) body[k++] = dig[i];
        } else {
            body[k++] = '0';
        }
        body[k] = '\0';
    } else {
        size_t k = 0;
        body[k++] = '0';
        body[k++] = '.';
        for (int i = 0; i < -e - 1; i++) body[k++] = '0';
        for (size_t i = 0; i < nd; i++) body[k++] = dig[i];
        body[k] = '\0';
    }
    snprintf(out, size, "%s%s", neg ? "-" : "", body);
}

typedef struct rem_entry {
    double rem;
    size_t cls;
} rem_entry;

/* np.unique(remainder) sorted descending, and within one value np.where's ascending class order. */
static int cmp_rem_desc(const void *a, const void *b) {
    const rem_entry *x = a, *y = b;
    if (x->rem > y->rem) return -1;
    if (x->rem < y->rem) return 1;
    return (x->cls > y->cls) - (x->cls < y->cls);
}

/* sklearn.utils._approximate_mode(class_counts, n_draws, rng), step for step:
 *   continuous = class_counts / class_counts.sum() * n_draws      (double division, then product)
 *   floored = floor(continuous); need_to_add = int(n_draws - floored.sum())
 *   for each distinct remainder, largest first: inds = classes with that remainder (ascending);
 *       add_now = min(len(inds), need_to_add); inds = rng.choice(inds, add_now, replace=False); floored[inds] += 1
 * Legacy RandomState.choice without replacement is permutation(len(inds))[:add_now], so a tie group draws a full
 * permutation of its size even when all of it is taken. Scratch: rem (K entries), perm (K entries). */
static void approximate_mode(const int64_t *counts, size_t K, int64_t n_draws, as_mt19937 *r, int64_t *out,
                             rem_entry *rem, size_t *perm) {
    int64_t total = 0;
    for (size_t i = 0; i < K; i++) total += counts[i];
    double floored_sum = 0;
    for (size_t i = 0; i < K; i++) {
        double cont = (double)counts[i] / (double)total * (double)n_draws;
        double fl = floor(cont);
        out[i] = (int64_t)fl;
        rem[i].rem = cont - fl;
        rem[i].cls = i;
        floored_sum += fl;   /* integers below 2^53: exact, the same as numpy's pairwise sum */
    }
    int64_t need = (int64_t)((double)n_draws - floored_sum);   /* Python int() truncates toward zero */
    if (need <= 0) return;
    qsort(rem, K, sizeof *rem, cmp_rem_desc);
    for (size_t a = 0; a < K && need > 0;) {
        size_t b = a;
        while (b < K && rem[b].rem == rem[a].rem) b++;
        size_t m = b - a;
        size_t add_now = (size_t)need < m ? (size_t)need : m;
        for (size_t j = 0; j < m; j++) perm[j] = j;
        as__mt_shuffle(r, perm, m);   /* rng.choice(inds, add_now, replace=False) = inds[permutation(m)[:add_now]] */
        for (size_t j = 0; j < add_now; j++) out[rem[a + perm[j]].cls]++;
        need -= (int64_t)add_now;
        a = b;
    }
}

as_status as__stratified_split(const int *cls, size_t n, int K, double fraction, uint32_t seed, size_t *train,
                               size_t *n_train, size_t *test, size_t *n_test, as_error *err) {
    *n_train = *n_test = 0;
    if (K < 1)
        return as__err(err, AS_ERR_INVALID, "stratified split: the number of classes must be positive, got %d", K);
    for (size_t i = 0; i < n; i++)
        if (cls[i] < 0 || cls[i] >= K)
            return as__err(err, AS_ERR_INVALID, "stratified split: class code of row %zu is %d, expected 0..%d", i,
                           cls[i], K - 1);
    char fr[64];
    py_float_repr(fraction, fr, sizeof fr);
    /* train_test_split → _validate_shuffle_split(n, test_size=fraction, train_size=None): a float test_size must
     * lie in (0, 1) (NaN, which Python would fail to ceil, is refused with the same message). */
    if (!(fraction > 0 && fraction < 1))
        return as__err(err, AS_ERR_INVALID,
                       "test_size=%s should be either positive and smaller than the number of samples %zu or a "
                       "float in the (0, 1) range",
                       fr, n);
    /* n_test = ceil(test_size * n_samples): the double product, as Python's math.ceil sees it */
    size_t nte = (size_t)ceil(fraction * (double)n), ntr = n - nte;
    if (ntr == 0)
        return as__err(err, AS_ERR_INVALID,
                       "With n_samples=%zu, test_size=%s and train_size=None, the resulting train set will be "
                       "empty. Adjust any of the aforementioned parameters.",
                       n, fr);
    /* The integer sizes then pass StratifiedShuffleSplit's own validation (0 < n_test < n, 0 < n_train < n). */

    /* np.unique(y, return_inverse=True): only classes present take part. Codes are ranks in sorted label order,
     * so the present codes in ascending order are scikit-learn's classes; rows are grouped by class in ascending
     * row order (np.argsort(y_indices, kind="mergesort") is stable) by a counting sort. */
    size_t Ku = (size_t)K;
    size_t *cur = as__calloc(Ku, sizeof *cur);
    size_t *order = as__malloc((n ? n : 1) * sizeof *order);
    if (!cur || !order) {
        as__free(cur), as__free(order);
        return as__err(err, AS_ERR_NOMEM, "stratified split: out of memory for %zu rows", n);
    }
    for (size_t i = 0; i < n; i++) cur[cls[i]]++;
    size_t C = 0, min_count = SIZE_MAX;
    for (size_t k = 0; k < Ku; k++)
        if (cur[k]) {
            C++;
            if (cur[k] < min_count) min_count = cur[k];
        }
    as_status st = AS_OK;
    if (min_count < 2)
        st = as__err(err, AS_ERR_INVALID,
                     "The least populated class in y has only 1 member, which is too few. The minimum number of "
                     "groups for any class cannot be less than 2.");
    else if (ntr < C)
        st = as__err(err, AS_ERR_INVALID,
                     "The train_size = %zu should be greater or equal to the number of classes = %zu", ntr, C);
    else if (nte < C)
        st = as__err(err, AS_ERR_INVALID,
                     "The test_size = %zu should be greater or equal to the number of classes = %zu", nte, C);
    if (st != AS_OK) {
        as__free(cur), as__free(order);
        return st;
    }
    /* per present class: count, n_i, class_counts − n_i, t_i, block start in `order` */
    int64_t *cnt = as__malloc(4 * C * sizeof *cnt);
    size_t *start = as__malloc(C * sizeof *start);
    rem_entry *rem = as__malloc(C * sizeof *rem);
    size_t *perm = as__malloc((n > C ? n : C) * sizeof *perm);
    if (!cnt || !start || !rem || !perm) {
        as__free(cnt), as__free(start), as__free(rem), as__free(perm), as__free(cur), as__free(order);
        return as__err(err, AS_ERR_NOMEM, "stratified split: out of memory for %zu rows", n);
    }
    int64_t *n_i = cnt + C, *left = cnt + 2 * C, *t_i = cnt + 3 * C;
    size_t acc = 0;
    for (size_t k = 0, c = 0; k < Ku; k++) {
        size_t m = cur[k];
        cur[k] = acc;
        if (m) cnt[c] = (int64_t)m, start[c] = acc, c++;
        acc += m;
    }
    for (size_t i = 0; i < n; i++) order[cur[cls[i]]++] = i;

    as_mt19937 r;
    as__mt_seed(&r, seed);
    /* n_i = _approximate_mode(class_counts, n_train, rng);
     * t_i = _approximate_mode(class_counts − n_i, n_test, rng) — the same stream */
    approximate_mode(cnt, C, (int64_t)ntr, &r, n_i, rem, perm);
    for (size_t c = 0; c < C; c++) left[c] = cnt[c] - n_i[c];
    approximate_mode(left, C, (int64_t)nte, &r, t_i, rem, perm);
    /* for each class: permutation = rng.permutation(class_counts[i]); rows = class_indices[i].take(permutation,
     * mode="clip") (the permutation never leaves the class, so "clip" never acts); train gets rows[:n_i] and test
     * rows[n_i : n_i + t_i] (a Python slice: clipped to the class size) */
    size_t a_tr = 0, a_te = 0;
    for (size_t c = 0; c < C; c++) {
        size_t m = (size_t)cnt[c];
        for (size_t j = 0; j < m; j++) perm[j] = j;
        as__mt_shuffle(&r, perm, m);
        const size_t *rows = order + start[c];
        size_t ni = n_i[c] < 0 ? 0 : (size_t)n_i[c] > m ? m : (size_t)n_i[c];
        size_t hi = n_i[c] + t_i[c] < 0 ? 0 : (size_t)(n_i[c] + t_i[c]) > m ? m : (size_t)(n_i[c] + t_i[c]);
        for (size_t j = 0; j < ni && a_tr < n; j++) train[a_tr++] = rows[perm[j]];
        for (size_t j = ni; j < hi && a_te < n; j++) test[a_te++] = rows[perm[j]];
    }
    /* train = rng.permutation(train); test = rng.permutation(test): the same stream, train first */
    as__mt_shuffle(&r, train, a_tr);
    as__mt_shuffle(&r, test, a_te);
    *n_train = a_tr;
    *n_test = a_te;
    as__free(cnt), as__free(start), as__free(rem), as__free(perm), as__free(cur), as__free(order);
    return AS_OK;
}

/* KFold._iter_test_indices: indices = arange(n), shuffled by RandomState(seed) when asked; fold f takes the next
 * n // k (+1 for the first n % k folds) entries of that order. */
as_status as__kfold(size_t n, int k, int shuffle, uint32_t seed, int *fold, as_error *err) {
    /* _BaseKFold.__init__, then split()'s check, with scikit-learn's words */
    if (k <= 1)
        return as__err(err, AS_ERR_INVALID,
                       "k-fold cross-validation requires at least one train/test split by setting n_splits=2 or "
                       "more, got n_splits=%d.",
                       k);
    if ((size_t)k > n)
        return as__err(err, AS_ERR_INVALID,
                       "Cannot have number of splits n_splits=%d greater than the number of samples: n_samples=%zu.",
                       k, n);
    size_t *idx = as__malloc(n * sizeof *idx);
    if (!idx) return as__err(err, AS_ERR_NOMEM, "k-fold: out of memory for %zu rows", n);
    for (size_t i = 0; i < n; i++) idx[i] = i;
    if (shuffle) {
        as_mt19937 r;
        as__mt_seed(&r, seed);
        as__mt_shuffle(&r, idx, n);
    }
    size_t ku = (size_t)k, q = n / ku, extra = n % ku, pos = 0;
    for (size_t f = 0; f < ku; f++) {
        size_t size = q + (f < extra);
        for (size_t j = 0; j < size; j++) fold[idx[pos++]] = (int)f;
    }
    as__free(idx);
    return AS_OK;
}

/* StratifiedKFold._make_test_folds (scikit-learn 1.2.1):
 *   classes re-encoded by first appearance (np.unique(y, return_index) then the rank of each first index);
 *   y_order = sort(y_encoded); allocation[i] = bincount(y_order[i::k]) — so class c, occupying positions
 *   [s_c, s_c + n_c) of y_order, gets in fold f the number of those positions p with p % k == f;
 *   folds_for_class = arange(k).repeat(allocation[:, c]) — the residues p % k of its positions, sorted —
 *   shuffled by the one rng when shuffle=True (class by class, in encoded order), then written to the class's
 *   rows in row order (test_folds[y_encoded == c] = folds_for_class).
 * Everything is O(n + K): the sorted residues of a run of consecutive positions are produced directly. */
as_status as__stratified_kfold(const int *cls, size_t n, int k, int shuffle, uint32_t seed, int *fold,
                               char *warning, size_t warning_size, as_error *err) {
    if (warning && warning_size) warning[0] = '\0';
    if (k <= 1)
        return as__err(err, AS_ERR_INVALID,
                       "k-fold cross-validation requires at least one train/test split by setting n_splits=2 or "
                       "more, got n_splits=%d.",
                       k);
    if ((size_t)k > n)
        return as__err(err, AS_ERR_INVALID,
                       "Cannot have number of splits n_splits=%d greater than the number of samples: n_samples=%zu.",
                       k, n);
    int K = 0;
    for (size_t i = 0; i < n; i++) {
        if (cls[i] < 0)
            return as__err(err, AS_ERR_INVALID, "stratified k-fold: class code of row %zu is %d", i, cls[i]);
        if (cls[i] >= K) K = cls[i] + 1;
    }
    size_t Ku = (size_t)K;
    int *enc = as__malloc(Ku * sizeof *enc);
    size_t *cnt = as__calloc(n + 1, sizeof *cnt);        /* per encoded class (at most n classes) */
    size_t *cur = as__malloc((n + 1) * sizeof *cur);
    size_t *ff = as__malloc(n * sizeof *ff);             /* folds_for_class of every class, concatenated */
    if (!enc || !cnt || !cur || !ff) {
        as__free(enc), as__free(cnt), as__free(cur), as__free(ff);
        return as__err(err, AS_ERR_NOMEM, "stratified k-fold: out of memory for %zu rows", n);
    }
    for (size_t c = 0; c < Ku; c++) enc[c] = -1;
    size_t C = 0;
    for (size_t i = 0; i < n; i++) {
        if (enc[cls[i]] < 0) enc[cls[i]] = (int)C++;
        cnt[enc[cls[i]]]++;
    }
    size_t ku = (size_t)k, min_count = SIZE_MAX, max_count = 0;
    for (size_t c = 0; c < C; c++) {
        if (cnt[c] < min_count) min_count = cnt[c];
        if (cnt[c] > max_count) max_count = cnt[c];
    }
    if (max_count < ku) {   /* np.all(n_splits > y_counts) */
        as__free(enc), as__free(cnt), as__free(cur), as__free(ff);
        return as__err(err, AS_ERR_INVALID, "n_splits=%d cannot be greater than the number of members in each class.",
                       k);
    }
    if (min_count < ku && warning && warning_size)   /* scikit-learn's UserWarning */
        snprintf(warning, warning_size,
                 "The least populated class in y has only %zu members, which is less than n_splits=%d.", min_count, k);

    as_mt19937 r;
    as__mt_seed(&r, seed);
    size_t s = 0;
    for (size_t c = 0; c < C; c++) {
        size_t m = cnt[c], *out = ff + s;
        size_t r0 = s % ku;
        if (m >= ku) {
            /* every residue occurs m / k times, and the m % k residues from r0 on (cyclically) once more */
            size_t q = m / ku, extra = m % ku, o = 0;
            for (size_t f = 0; f < ku; f++) {
                size_t d = (f + ku - r0) % ku;   /* distance of residue f from r0, going up */
                size_t times = q + (d < extra);
                for (size_t t = 0; t < times; t++) out[o++] = f;
            }
        } else if (r0 + m <= ku) {
            for (size_t j = 0; j < m; j++) out[j] = r0 + j;   /* no wrap: r0 … r0 + m − 1 */
        } else {
            size_t wrapped = r0 + m - ku, o = 0;              /* 0 … wrapped − 1, then r0 … k − 1 */
            for (size_t f = 0; f < wrapped; f++) out[o++] = f;
            for (size_t f = r0; f < ku; f++) out[o++] = f;
        }
        if (shuffle) as__mt_shuffle(&r, out, m);   /* rng.shuffle(folds_for_class) */
        cur[c] = s;
        s += m;
    }
    for (size_t i = 0; i < n; i++) fold[i] = (int)ff[cur[enc[cls[i]]]++];
    as__free(enc), as__free(cnt), as__free(cur), as__free(ff);
    return AS_OK;
}
