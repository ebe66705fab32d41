/* Unit tests of src/ml: split (numpy RandomState), standardization, PCA, logistic regression, metrics.
 * Reference numbers were computed once with Debian's numpy 1.24.2 / scikit-learn 1.2.1 (/usr/bin/python3);
 * each block names the exact call. The live comparison with scikit-learn is tests/reference/parity_ml.sh. */
#include <float.h>

#include "ml/ml.h"
#include "test.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------------------- */
/* split                                                                                                     */
/* ------------------------------------------------------------------------------------------------------- */

static void test_mt_raw(void) {
    /* bg = np.random.MT19937(); bg._legacy_seeding(seed); bg.random_raw(5)  (= RandomState(seed) raw draws) */
    static const struct { uint32_t seed; uint32_t v[5]; } ref[] = {
        {5489, {3499211612u, 581869302u, 3890346734u, 3586334585u, 545404204u}},
        {42, {1608637542u, 3421126067u, 4083286876u, 787846414u, 3143890026u}},
        {0, {2357136044u, 2546248239u, 3071714933u, 3626093760u, 2588848963u}},
    };
    for (size_t t = 0; t < N_OF(ref); t++) {
        as_mt19937 r;
        as__mt_seed(&r, ref[t].seed);
        for (int k = 0; k < 5; k++) {
            uint32_t v = as__mt_next32(&r);
            CHECK_MSG(v == ref[t].v[k], "seed %u draw %d: %u, expected %u", ref[t].seed, k, v, ref[t].v[k]);
        }
    }
    /* the same, then bg.random_raw(1000); bg.random_raw(3): crosses the state regeneration twice */
    as_mt19937 r;
    as__mt_seed(&r, 42);
    for (int k = 0; k < 1000; k++) as__mt_next32(&r);
    CHECK(as__mt_next32(&r) == 2998581749u);
    CHECK(as__mt_next32(&r) == 138795966u);
    CHECK(as__mt_next32(&r) == 2302516368u);
}

static void test_mt_interval(void) {
    /* np.random.RandomState(42).randint(0, 11, size=8, dtype=np.int64): masked rejection on 32-bit draws */
    static const uint64_t small[] = {6, 3, 10, 7, 4, 6, 9, 2};
    as_mt19937 r;
    as__mt_seed(&r, 42);
    for (size_t k = 0; k < N_OF(small); k++) CHECK(as__mt_interval(&r, 10) == small[k]);
    /* np.random.RandomState(42).randint(0, 2**40 + 1, size=5, dtype=np.int64): 64-bit draws, first draw high */
    static const uint64_t big[] = {441507790259ull, 458615280711ull, 810017303572ull, 440001501305ull,
                                   375095422324ull};
    as__mt_seed(&r, 42);
    for (size_t k = 0; k < N_OF(big); k++) CHECK(as__mt_interval(&r, 1ull << 40) == big[k]);
    /* np.random.RandomState(7).randint(0, 2**33 + 5, size=4, dtype=np.int64) */
    static const uint64_t mid[] = {5664942582ull, 1322904761ull, 372560217ull, 3731473840ull};
    as__mt_seed(&r, 7);
    for (size_t k = 0; k < N_OF(mid); k++) CHECK(as__mt_interval(&r, (1ull << 33) + 4) == mid[k]);
    CHECK(as__mt_interval(&r, 0) == 0);
}

static void test_permutation(void) {
    size_t perm[10];
    /* np.random.RandomState(42).permutation(10) */
    static const size_t p42[] = {8, 1, 5, 0, 7, 2, 9, 4, 3, 6};
    as__permutation(10, 42, perm);
    for (size_t k = 0; k < 10; k++) CHECK(perm[k] == p42[k]);
    /* np.random.RandomState(0).permutation(5) */
    static const size_t p0[] = {2, 0, 1, 3, 4};
    as__permutation(5, 0, perm);
    for (size_t k = 0; k < 5; k++) CHECK(perm[k] == p0[k]);
    /* np.random.RandomState(4294967295).permutation(6): the largest seed */
    static const size_t pmax[] = {1, 4, 5, 0, 2, 3};
    as__permutation(6, 4294967295u, perm);
    for (size_t k = 0; k < 6; k++) CHECK(perm[k] == pmax[k]);
    as__permutation(1, 42, perm);
    CHECK(perm[0] == 0);
    as__permutation(0, 42, perm);   /* nothing to do, must not touch perm */

    /* p = np.random.RandomState(42).permutation(10**6); p[:8], p[-4:], (p * np.arange(1, 10**6 + 1)).sum() */
    size_t n = 1000000;
    size_t *big = malloc(n * sizeof *big);
    CHECK(big != NULL);
    if (!big) return;
    as__permutation(n, 42, big);
    static const size_t head[] = {987231, 79954, 567130, 500891, 55399, 135049, 733378, 732057};
    static const size_t tail[] = {365838, 131932, 671155, 121958};
    for (size_t k = 0; k < 8; k++) CHECK(big[k] == head[k]);
    for (size_t k = 0; k < 4; k++) CHECK(big[n - 4 + k] == tail[k]);
    unsigned long long sum = 0;
    for (size_t k = 0; k < n; k++) sum += (unsigned long long)big[k] * (k + 1);
    CHECK_MSG(sum == 249979574398523828ull, "checksum %llu", sum);
    free(big);
}

static void test_random_split(void) {
    size_t train[1000], test[1000], ntr, nte;
    /* train_test_split(np.arange(10), test_size=0.2, random_state=42) → train, test */
    as__random_split(10, 0.2, 42, train, &ntr, test, &nte);
    static const size_t tr10[] = {5, 0, 7, 2, 9, 4, 3, 6}, te10[] = {8, 1};
    CHECK(ntr == 8 && nte == 2);
    for (size_t k = 0; k < 8; k++) CHECK(train[k] == tr10[k]);
    for (size_t k = 0; k < 2; k++) CHECK(test[k] == te10[k]);
    /* train_test_split(np.arange(1000), test_size=0.2, random_state=42): test[:20] and test.sum() */
    static const size_t te1000[] = {521, 737, 740, 660, 411, 678, 626, 513, 859, 136,
                                    811, 76,  636, 973, 938, 899, 280, 883, 761, 319};
    as__random_split(1000, 0.2, 42, train, &ntr, test, &nte);
    CHECK(nte == 200 && ntr == 800);
    for (size_t k = 0; k < 20; k++) CHECK(test[k] == te1000[k]);
    size_t s = 0;
    for (size_t k = 0; k < nte; k++) s += test[k];
    CHECK(s == 101565);
    /* every row exactly once */
    char seen[1000] = {0};
    for (size_t k = 0; k < ntr; k++) seen[train[k]]++;
    for (size_t k = 0; k < nte; k++) seen[test[k]]++;
    int once = 1;
    for (size_t k = 0; k < 1000; k++) once &= seen[k] == 1;
    CHECK(once);
    /* train_test_split(np.arange(7), test_size=0.2, random_state=42)[1] → [0, 1]: ceil(1.4) = 2 */
    as__random_split(7, 0.2, 42, train, &ntr, test, &nte);
    CHECK(nte == 2 && test[0] == 0 && test[1] == 1);
    /* train_test_split(np.arange(100), test_size=0.07, random_state=42)[1]: 0.07 * 100 is
     * 7.000000000000001 in double, so sklearn takes ceil = 8 rows, and so must we */
    static const size_t te007[] = {83, 53, 70, 45, 44, 39, 22, 80};
    as__random_split(100, 0.07, 42, train, &ntr, test, &nte);
    CHECK_MSG(nte == 8, "n_test %zu", nte);
    for (size_t k = 0; k < 8 && k < nte; k++) CHECK(test[k] == te007[k]);
    /* train_test_split(np.arange(7), test_size=0.3, random_state=7) → train [6, 3, 1, 4], test [2, 5, 0] */
    as__random_split(7, 0.3, 7, train, &ntr, test, &nte);
    CHECK(nte == 3 && test[0] == 2 && test[1] == 5 && test[2] == 0);
    CHECK(ntr == 4 && train[0] == 6 && train[1] == 3 && train[2] == 1 && train[3] == 4);
    /* degenerate fractions */
    as__random_split(10, 0.0, 42, train, &ntr, test, &nte);
    CHECK(nte == 0 && ntr == 10 && train[0] == 8);
    as__random_split(10, 1.0, 42, train, &ntr, test, &nte);
    CHECK(nte == 10 && ntr == 0 && test[0] == 8);
}

/* ------------------------------------------------------------------------------------------------------- */
/* standardize                                                                                               */
/* ------------------------------------------------------------------------------------------------------- */

static void test_standardize(void) {
    /* StandardScaler().fit(X) with X below: mean_ [4, 2, 0.1, 1e10], scale_ [2.23606797749979, 1, 1, 1]
     * (var_[3] = 2.5e-12 is below sklearn's constant-feature bound, so its scale is 1 too);
     * transform(X)[:, 0] = [-1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738] */
    double X[] = {1, 2, 0.1, 1e10,
                  3, 2, 0.1, 1e10 + 1.9073486328125e-06,
                  5, 2, 0.1, 1e10,
                  7, 2, 0.1, 1e10 + 3.814697265625e-06};
    double mean[4], scale[4];
    as__standardize_fit(X, 4, 4, mean, scale);
    CHECK_NEAR(mean[0], 4.0, 0);
    CHECK_NEAR(scale[0], 2.23606797749979, 1e-15);
    CHECK(mean[1] == 2.0 && scale[1] == 1.0);
    CHECK(mean[2] == 0.1 && scale[2] == 1.0);   /* constant 0.1: mean exactly the value, not sum/n */
    CHECK(scale[3] == 1.0);                      /* near-constant at 1e10: sklearn's rounding bound */
    CHECK_NEAR(mean[3], 1e10, 4e-6);
    as__standardize_apply(X, 4, 4, mean, scale);
    static const double z0[] = {-1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738};
    for (int i = 0; i < 4; i++) {
        CHECK_NEAR(X[i * 4 + 0], z0[i], 1e-15);
        CHECK(X[i * 4 + 1] == 0.0);   /* zero variance → exactly 0 */
        CHECK(X[i * 4 + 2] == 0.0);
        CHECK(fabs(X[i * 4 + 3]) < 4e-6);
    }
    /* large offset, small spread: the two-pass variance keeps the digits (naive E[x²] − E[x]² gives 0 or < 0) */
    double Y[1000];
    for (int i = 0; i < 1000; i++) Y[i] = 1e9 + (i % 2 ? 1e-3 : -1e-3);
    as__standardize_fit(Y, 1000, 1, mean, scale);
    CHECK_NEAR(mean[0], 1e9, 1e-6);
    /* the spread of the doubles actually stored (1e-3 is not representable next to 1e9) */
    CHECK_NEAR(scale[0], ((1e9 + 1e-3) - (1e9 - 1e-3)) / 2, 1e-15);
    /* no rows: mean 0, scale 1 */
    as__standardize_fit(Y, 0, 1, mean, scale);
    CHECK(mean[0] == 0 && scale[0] == 1);
    /* more columns than one stack block (64) */
    enum { P = 130, N = 3 };
    double W[N * P], m2[P], s2[P];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < P; j++) W[i * P + j] = (double)(i * (j + 1));
    as__standardize_fit(W, N, P, m2, s2);
    for (int j = 0; j < P; j++) {
        CHECK_NEAR(m2[j], (double)(j + 1), 1e-12);
        if (j == 0) CHECK_NEAR(s2[j], sqrt(2.0 / 3.0), 1e-15);
        else CHECK_NEAR(s2[j], (double)(j + 1) * sqrt(2.0 / 3.0), 1e-12 * (j + 1));
    }
}

/* ------------------------------------------------------------------------------------------------------- */
/* PCA                                                                                                       */
/* ------------------------------------------------------------------------------------------------------- */

/* The 10 × 3 example; references from sklearn.decomposition.PCA(n).fit(Xp) */
static const double Xp[] = {2.5, 2.4, 1.0,  0.5, 0.7, -1.0, 2.2, 2.9, 0.5,  1.9, 2.2, 0.0,  3.1, 3.0, 1.5,
                            2.3, 2.7, -0.5, 2.0, 1.6, 0.3,  1.0, 1.1, -0.2, 1.5, 1.6, 2.0,  1.1, 0.9, -1.3};
static const double pca_ratio[] = {0.7678561076756207, 0.21322067383635943, 0.01892321848801986};
static const double pca_ev[] = {1.8803089730070006, 0.5221300478532807, 0.046338756917496636};
static const double pca_comp[3][3] = {{-0.5195596880161193, -0.540078501964139, -0.6620973812852339},
                                      {-0.39742786947542597, -0.5332139037966485, 0.7468159220063286},
                                      {-0.7563787537687828, 0.6511513990725277, 0.06239420111735633}};

static void check_pca(const as_pca *pca, size_t k) {
    CHECK(pca->p == 3 && pca->k == k);
    CHECK_NEAR(pca->mean[0], 1.81, 1e-15);
    CHECK_NEAR(pca->mean[1], 1.91, 1e-15);
    CHECK_NEAR(pca->mean[2], 0.23, 1e-15);
    CHECK_NEAR(pca->total_variance, pca_ev[0] + pca_ev[1] + pca_ev[2], 1e-14);
    for (size_t c = 0; c < k && c < 3; c++) {
        CHECK_NEAR(pca->explained_variance_ratio[c], pca_ratio[c], 1e-14);
        CHECK_NEAR(pca->explained_variance[c], pca_ev[c], 1e-14);
        for (size_t j = 0; j < 3; j++) CHECK_NEAR(pca->components[c * 3 + j], pca_comp[c][j], 1e-13);
    }
}

static void test_pca(void) {
    as_pca pca;
    as_error err;
    /* PCA(0.95): k = 2 (0.7679 ≤ 0.95 < 0.7679 + 0.2132) */
    CHECK_OK(as__pca_fit(Xp, 10, 3, 0.95, &pca, &err), &err);
    check_pca(&pca, 2);
    /* PCA(2).fit(Xp).transform(Xp[:3]) */
    static const double T[3][2] = {{-1.1329496342831806, 0.039548217146471366},
                                   {2.148497957658562, 0.24723574853896832},
                                   {-0.9160722882177975, -0.48123833491238954}};
    double Z[6];
    as__pca_transform(&pca, Xp, 3, Z);
    for (int i = 0; i < 3; i++)
        for (int c = 0; c < 2; c++) CHECK_NEAR(Z[i * 2 + c], T[i][c], 1e-13);
    as__pca_free(&pca);
    as__pca_free(&pca);   /* idempotent on a freed struct */
    /* PCA(0.5): k = 1; PCA(2), PCA(3): fixed counts */
    CHECK_OK(as__pca_fit(Xp, 10, 3, 0.5, &pca, &err), &err);
    check_pca(&pca, 1);
    as__pca_free(&pca);
    CHECK_OK(as__pca_fit(Xp, 10, 3, 2, &pca, &err), &err);
    check_pca(&pca, 2);
    as__pca_free(&pca);
    CHECK_OK(as__pca_fit(Xp, 10, 3, 3, &pca, &err), &err);
    check_pca(&pca, 3);
    as__pca_free(&pca);
    /* "strictly greater": a threshold equal to the first cumulative ratio takes one more component, one ulp
     * below it does not (sklearn: searchsorted(cumsum, v, side="right") + 1). Columns with sums of squares
     * 6 and 2 (ratios 0.75 and 0.25 up to rounding) */
    static const double Q[] = {1, 0, -1, 0, 1, 0, -1, 0, 1, 0, -1, 0, 0, 1, 0, -1};   /* 8 × 2 */
    CHECK_OK(as__pca_fit(Q, 8, 2, 1, &pca, &err), &err);
    double r0 = pca.explained_variance_ratio[0];
    CHECK_NEAR(r0, 0.75, 1e-15);
    as__pca_free(&pca);
    CHECK_OK(as__pca_fit(Q, 8, 2, r0, &pca, &err), &err);
    CHECK_MSG(pca.k == 2, "k = %zu at variance = ratio %.17g", pca.k, r0);
    as__pca_free(&pca);
    CHECK_OK(as__pca_fit(Q, 8, 2, nextafter(r0, 0), &pca, &err), &err);
    CHECK(pca.k == 1);
    as__pca_free(&pca);
}

/* The scaler's vector clones and its mean-only pass against the plain loop they replace (bit for bit); the
 * BLAS transform against plain sums over several blocks, and against itself (bit for bit). */
static void reference_mean_scale(const double *X, size_t n, size_t p, double *mean, double *scale) {
    for (size_t j = 0; j < p; j++) {
        double sum = 0, comp = 0;
        int constant = 1;
        for (size_t i = 0; i < n; i++) {
            double v = X[i * p + j], t = sum + v;
            if (fabs(sum) >= fabs(v)) comp += (sum - t) + v;
            else comp += (v - t) + sum;
            sum = t;
            if (v != X[j]) constant = 0;
        }
        mean[j] = constant ? X[j] : (sum + comp) / (double)n;
        double dsum = 0, dsq = 0;
        for (size_t i = 0; i < n; i++) {
            double d = X[i * p + j] - mean[j];
            dsum += d;
            dsq += d * d;
        }
        double var = (dsq - dsum * dsum / (double)n) / (double)n;
        if (var < 0) var = 0;
        double nd = (double)n, m = mean[j];
        double bound = nd * DBL_EPSILON * var + (nd * m * DBL_EPSILON) * (nd * m * DBL_EPSILON);
        scale[j] = (constant || var <= bound) ? 1.0 : sqrt(var);
    }
}

static void test_scaler_and_transform_twins(void) {
    enum { N = 5000, P = 70 };
    double *X = malloc(sizeof(double) * N * P), *Y = malloc(sizeof(double) * N * P);
    double *Z = malloc(sizeof(double) * N * P), *R = malloc(sizeof(double) * N * P);
    double m1[P], s1[P], m2[P], s2[P], m3[P];
    uint64_t r = 12345;
    for (size_t i = 0; i < (size_t)N * P; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t j = i % P;
        double u = (double)(r >> 11) / 9007199254740992.0;
        X[i] = j % 7 == 0 ? 3.25 : j % 5 == 0 ? 1e9 + u : (u - 0.5) * (double)(j + 1) + (double)j;   /* constants, offsets */
    }
    as__standardize_fit(X, N, P, m1, s1);
    reference_mean_scale(X, N, P, m2, s2);
    as__standardize_mean(X, N, P, m3);
    int same = 1;
    for (int j = 0; j < P; j++) same &= !memcmp(&m1[j], &m2[j], sizeof(double)) && !memcmp(&s1[j], &s2[j], sizeof(double)) &&
                                        !memcmp(&m1[j], &m3[j], sizeof(double));
    CHECK_MSG(same, "the scaler differs from its plain twin");
    as__standardize_apply(X, N, P, m1, s1);
    as_pca pca;
    as_error err;
    CHECK_OK(as__pca_fit(X, N, P, 0.9, &pca, &err), &err);
    size_t k = pca.k;
    CHECK(k > 1 && k < P);
    as__pca_transform(&pca, X, N, Z);
    double worst = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t c = 0; c < k; c++) {
            double s = 0, a = 0;
            for (size_t j = 0; j < P; j++) {
                double t = (X[i * P + j] - pca.mean[j]) * pca.components[c * P + j];
                s += t;
                a += fabs(t);
            }
            double e = fabs(Z[i * k + c] - s) / (a > 0 ? a : 1);
            if (e > worst) worst = e;
        }
    CHECK_MSG(worst < 1e-14, "transform against plain sums: %g", worst);
    /* the same rows again: the same bits (blocks, not timing, decide the sums) */
    as__pca_transform(&pca, X, N, Y);
    CHECK_MSG(!memcmp(Y, Z, sizeof(double) * N * k), "a second transform differs");
    /* rows one at a time: the same numbers within rounding (OpenBLAS may sum a lone row in another order) */
    for (size_t i = 0; i < 50; i++) {
        as__pca_transform(&pca, X + i * P, 1, R);
        for (size_t c = 0; c < k; c++) CHECK_NEAR(R[c], Z[i * k + c], 1e-13);
    }
    as__pca_free(&pca);
    free(X); free(Y); free(Z); free(R);
}

static void test_pca_errors(void) {
    as_pca pca;
    as_error err;
    /* zero total variance: every column constant */
    double C[] = {1, 5, 1, 5, 1, 5, 1, 5};
    CHECK(as__pca_fit(C, 4, 2, 0.95, &pca, &err) == AS_ERR_NUMERIC);
    CHECK(strstr(err.msg, "all columns are constant on the training rows") != NULL);
    CHECK(pca.components == NULL && pca.mean == NULL);
    CHECK(as__pca_fit(Xp, 1, 3, 0.95, &pca, &err) == AS_ERR_NUMERIC);   /* one row has no variance */
    /* a constant column next to varying ones is fine: it gets weight 0 */
    double D[] = {1, 7, 2, 7, 4, 7, 8, 7};
    CHECK_OK(as__pca_fit(D, 4, 2, 0.95, &pca, &err), &err);
    CHECK(pca.k == 1 && fabs(pca.components[0]) == 1.0 && pca.components[1] == 0.0);
    CHECK(pca.components[0] == 1.0);   /* the sign rule: the largest projection (8 − 3.75) is positive */
    as__pca_free(&pca);
    /* invalid component requests */
    CHECK(as__pca_fit(Xp, 10, 3, 0, &pca, &err) == AS_ERR_INVALID);
    CHECK(as__pca_fit(Xp, 10, 3, -0.5, &pca, &err) == AS_ERR_INVALID);
    CHECK(as__pca_fit(Xp, 10, 3, NAN, &pca, &err) == AS_ERR_INVALID);
    CHECK(as__pca_fit(Xp, 10, 3, 2.5, &pca, &err) == AS_ERR_INVALID);
    CHECK(as__pca_fit(Xp, 10, 3, 4, &pca, &err) == AS_ERR_INVALID);
    CHECK(as__pca_fit(Xp, 2, 3, 3, &pca, &err) == AS_ERR_INVALID);    /* > min(n, p) */
    CHECK(as__pca_fit(Xp, 0, 3, 0.9, &pca, &err) == AS_ERR_NODATA);
    double bad[] = {1, 2, NAN, 4};
    CHECK(as__pca_fit(bad, 2, 2, 0.9, &pca, &err) == AS_ERR_NUMERIC);
}

/* ------------------------------------------------------------------------------------------------------- */
/* logistic regression                                                                                       */
/* ------------------------------------------------------------------------------------------------------- */

/* 40 × 3 deterministic data (exact in binary except the thirds), not separable. The Python twin:
 *   i = np.arange(40)
 *   X = np.stack([((i*7) % 11 - 5) / 2.0, ((i*5) % 13 - 6) / 3.0, (i % 4) - 1.5], axis=1)
 *   y = ((X[:, 0] + 0.5 * X[:, 1] + ((i*11) % 5 - 2) * 0.7) > 0).astype(float)          (19 positives) */
static void lr_data(double *X, double *y) {
    for (int i = 0; i < 40; i++) {
        X[i * 3] = ((i * 7) % 11 - 5) / 2.0;
        X[i * 3 + 1] = ((i * 5) % 13 - 6) / 3.0;
        X[i * 3 + 2] = (i % 4) - 1.5;
        y[i] = (X[i * 3] + 0.5 * X[i * 3 + 1] + ((i * 11) % 5 - 2) * 0.7) > 0 ? 1 : 0;
    }
}

/* References: the exact optimum of sklearn's objective. LogisticRegression(C, tol=1e-10, max_iter=10000)
 * (lbfgs) stops ~3e-7 away from it (scipy's ftol), so its answer was polished by Newton steps on the same
 * objective in numpy (the script is newton_polish in tests/reference/parity_ml.py); the lbfgs numbers are
 * given in the comments. */
static void check_coef(const double *w, double b, const double *ref, size_t p, double tol) {
    double scale = fabs(ref[p]);
    for (size_t j = 0; j < p; j++) scale = fmax(scale, fabs(ref[j]));
    for (size_t j = 0; j < p; j++) CHECK_NEAR(w[j] / scale, ref[j] / scale, tol);
    CHECK_NEAR(b / scale, ref[p] / scale, tol);
}

/* The solver path the reference and edge tests run with (as_logreg_params.solver): each runs once per path. */
static int lr_solver;

static void test_logreg_reference(void) {
    double X[120], y[40], w[3], b;
    lr_data(X, y);
    as_error err;
    as_logreg_info info;
    as_logreg_params prm = as__logreg_params_default();
    CHECK(prm.C == 1 && prm.tol == 1e-8 && prm.max_iter == 200 && prm.fit_intercept == 1 && prm.solver == 0);
    prm.solver = lr_solver;

    /* C = 1 (lbfgs: coef [1.8783605429865244, 0.3936116785270555, -0.19435104854819957], b -0.3302246) */
    static const double ref1[] = {1.8783608034794659, 0.393611136211771, -0.19434939413392588, -0.33022413990262117};
    CHECK_OK(as__logreg_fit(X, 40, 3, y, NULL, &prm, w, &b, &info, &err), &err);
    check_coef(w, b, ref1, 3, 1e-7);
    CHECK(info.converged && info.iterations > 0 && info.iterations < 20 && !info.quasi_separated);
    CHECK(info.solver == (lr_solver == 1 ? 1 : 2));   /* auto: d = 4 is small, Newton–Cholesky */
    CHECK(lr_solver == 1 ? info.hessian_formations == 0 : info.hessian_products == 0 && info.hessian_formations > 0);
    CHECK_NEAR(info.objective, 9.957209073785618, 1e-12);
    prm.tol = 1e-12;
    CHECK_OK(as__logreg_fit(X, 40, 3, y, NULL, &prm, w, &b, &info, &err), &err);
    check_coef(w, b, ref1, 3, 1e-11);

    /* C = 0.1 */
    static const double ref01[] = {0.8617024526889576, 0.172933551479822, -0.034221203307290685, -0.1667579359636777};
    prm.C = 0.1;
    CHECK_OK(as__logreg_fit(X, 40, 3, y, NULL, &prm, w, &b, &info, &err), &err);
    check_coef(w, b, ref01, 3, 1e-11);
    CHECK_NEAR(info.objective, 1.6712580871094163, 1e-12);

    /* sample weights 1, 2, 3, 1, 2, 3, ... (fit(X, y, sample_weight=1 + i % 3)) */
    static const double refw[] = {2.231861034803404, 0.46451368556137396, -0.21008704052302177, -0.3514222237607589};
    double sw[40];
    for (int i = 0; i < 40; i++) sw[i] = 1.0 + (i % 3);
    prm.C = 1;
    CHECK_OK(as__logreg_fit(X, 40, 3, y, sw, &prm, w, &b, &info, &err), &err);
    check_coef(w, b, refw, 3, 1e-11);
    CHECK_NEAR(info.objective, 17.89640146417993, 1e-11);

    /* weight 2 is the same as the row twice */
    double X2[240], y2[80], w2[3], b2;
    for (int i = 0; i < 40; i++) sw[i] = (i % 2) ? 2.0 : 1.0;
    size_t m = 0;
    for (int i = 0; i < 40; i++)
        for (int r = 0; r < (i % 2 ? 2 : 1); r++, m++) {
            memcpy(X2 + m * 3, X + i * 3, 3 * sizeof(double));
            y2[m] = y[i];
        }
    CHECK_OK(as__logreg_fit(X, 40, 3, y, sw, &prm, w, &b, &info, &err), &err);
    CHECK_OK(as__logreg_fit(X2, m, 3, y2, NULL, &prm, w2, &b2, &info, &err), &err);
    for (int j = 0; j < 3; j++) CHECK_NEAR(w[j], w2[j], 1e-10);
    CHECK_NEAR(b, b2, 1e-10);

    /* no intercept (fit_intercept=False) */
    static const double refn[] = {1.8500203516043041, 0.3972766670768806, -0.2152810196926222, 0};
    prm.fit_intercept = 0;
    b = 123;
    CHECK_OK(as__logreg_fit(X, 40, 3, y, NULL, &prm, w, &b, &info, &err), &err);
    check_coef(w, b, refn, 3, 1e-11);
    CHECK(b == 0);
    CHECK_NEAR(info.objective, 10.15170312485748, 1e-12);

    /* prediction: σ(x·w + b), stable at the tails */
    double xs[] = {1, 0, 0, -1000, 0, 0, 1000, 0, 0}, pr[3], wt[3] = {1, 0, 0};
    as__logreg_predict(xs, 3, 3, wt, 0.5, pr);
    CHECK_NEAR(pr[0], 1 / (1 + exp(-1.5)), 1e-16);
    CHECK(pr[1] >= 0 && pr[1] < 1e-300);
    CHECK(pr[2] == 1.0);
}

static void test_logreg_edges(void) {
    double X[120], y[40], w[3], b;
    lr_data(X, y);
    as_error err;
    as_logreg_info info;
    as_logreg_params prm = as__logreg_params_default();
    prm.solver = lr_solver;

    /* separable: label = x0 > 0 (x0 is never 0 here) → quasi_separated, finite weights, converged */
    double ys[40];
    for (int i = 0; i < 40; i++) ys[i] = X[i * 3] > 0 ? 1 : 0;
    CHECK_OK(as__logreg_fit(X, 40, 3, ys, NULL, &prm, w, &b, &info, &err), &err);
    CHECK(info.quasi_separated == 1);
    CHECK(info.converged == 1);
    CHECK(isfinite(w[0]) && w[0] > 1 && isfinite(b));
    /* and with a huge C the weights grow but stay finite (the penalty bounds them) */
    prm.C = 1e6;
    CHECK_OK(as__logreg_fit(X, 40, 3, ys, NULL, &prm, w, &b, &info, &err), &err);
    CHECK(info.quasi_separated == 1 && isfinite(w[0]) && w[0] > 5);
    CHECK(isfinite(info.objective));
    prm.C = 1;

    /* max_iter = 0: no step, reported as not converged */
    prm.max_iter = 0;
    CHECK_OK(as__logreg_fit(X, 40, 3, y, NULL, &prm, w, &b, &info, &err), &err);
    CHECK(info.iterations == 0 && info.converged == 0 && w[0] == 0 && b == 0);
    CHECK_NEAR(info.objective, 40 * log(2.0), 1e-12);
    prm.max_iter = 200;

    /* one class: the unpenalized intercept has no finite optimum */
    double ones[40];
    for (int i = 0; i < 40; i++) ones[i] = 1;
    CHECK(as__logreg_fit(X, 40, 3, ones, NULL, &prm, w, &b, &info, &err) == AS_ERR_NODATA);
    CHECK(strstr(err.msg, "one class") != NULL);
    prm.fit_intercept = 0;   /* without an intercept it is a proper (if odd) problem */
    CHECK_OK(as__logreg_fit(X, 40, 3, ones, NULL, &prm, w, &b, &info, &err), &err);
    prm.fit_intercept = 1;

    /* invalid input */
    double yb[40];
    memcpy(yb, y, sizeof yb);
    yb[5] = 2;
    CHECK(as__logreg_fit(X, 40, 3, yb, NULL, &prm, w, &b, &info, &err) == AS_ERR_INVALID);
    double swn[40];
    for (int i = 0; i < 40; i++) swn[i] = 1;
    swn[3] = -1;
    CHECK(as__logreg_fit(X, 40, 3, y, swn, &prm, w, &b, &info, &err) == AS_ERR_INVALID);
    for (int i = 0; i < 40; i++) swn[i] = 0;
    CHECK(as__logreg_fit(X, 40, 3, y, swn, &prm, w, &b, &info, &err) == AS_ERR_NODATA);
    prm.C = 0;
    CHECK(as__logreg_fit(X, 40, 3, y, NULL, &prm, w, &b, &info, &err) == AS_ERR_INVALID);
    prm.C = 1;
    prm.solver = 99;   /* 3 is L-BFGS since issue 3 */
    CHECK(as__logreg_fit(X, 40, 3, y, NULL, &prm, w, &b, &info, &err) == AS_ERR_INVALID);
    CHECK(strstr(err.msg, "solver") != NULL);
    prm.solver = lr_solver;
    CHECK(as__logreg_fit(X, 0, 3, y, NULL, &prm, w, &b, &info, &err) == AS_ERR_NODATA);
    double Xn[120];
    memcpy(Xn, X, sizeof Xn);
    Xn[7] = NAN;
    CHECK(as__logreg_fit(Xn, 40, 3, y, NULL, &prm, w, &b, &info, &err) == AS_ERR_NUMERIC);
    Xn[7] = INFINITY;
    CHECK(as__logreg_fit(Xn, 40, 3, y, NULL, &prm, w, &b, &info, &err) == AS_ERR_NUMERIC);

    /* zero columns and zero-weight rows are harmless */
    double Xz[120];
    memcpy(Xz, X, sizeof Xz);
    for (int i = 0; i < 40; i++) Xz[i * 3 + 2] = 0;
    CHECK_OK(as__logreg_fit(Xz, 40, 3, y, NULL, &prm, w, &b, &info, &err), &err);
    CHECK(w[2] == 0 && info.converged);
    /* only the intercept (p = 0): b = log(pos / neg) */
    CHECK_OK(as__logreg_fit(X, 40, 0, y, NULL, &prm, w, &b, &info, &err), &err);
    CHECK_NEAR(b, log(19.0 / 21.0), 1e-9);
}

/* ---- both solver paths reach the same optimum ----
 * Problems of the shapes that make the paths differ: correlated and nearly collinear columns, one-hot groups with
 * rare levels standardized as the pipeline does (values ~30, each group exactly collinear), strong class
 * imbalance, separable classes, sample weights (some 0), no intercept, and d > 128 (where auto runs TRON first and
 * switches to Newton–Cholesky once CG gets expensive). */

static uint64_t lr_rng;
static double lr_unif(void) {   /* splitmix64 → (0, 1) */
    uint64_t z = (lr_rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}
static double lr_norm(void) { return sqrt(-2 * log(lr_unif())) * cos(6.283185307179586 * lr_unif()); }
static double lr_draw(double z) { return lr_unif() < 1 / (1 + exp(-z)) ? 1 : 0; }

/* Columns j0 .. j0 + levels − 1 of X (n × p) become a one-hot group, level k with probability ∝ ratio^k; the
 * first rows take the rarest levels so each level occurs. Returns nothing; *level receives each row's level. */
static void lr_onehot(double *X, size_t n, size_t p, size_t j0, size_t levels, double ratio, size_t *level) {
    double tot = 0;
    for (size_t k = 0; k < levels; k++) tot += pow(ratio, (double)k);
    for (size_t i = 0; i < n; i++) {
        size_t pick = levels - 1;
        if (i < levels) pick = levels - 1 - i;
        else {
            double u = lr_unif() * tot, acc = 0;
            for (size_t k = 0; k < levels; k++) {
                acc += pow(ratio, (double)k);
                if (u < acc) { pick = k; break; }
            }
        }
        for (size_t k = 0; k < levels; k++) X[i * p + j0 + k] = k == pick ? 1 : 0;
        level[i] = pick;
    }
}

static void lr_standardize(double *X, size_t n, size_t p) {
    double mean[256], scale[256];
    as__standardize_fit(X, n, p, mean, scale);
    as__standardize_apply(X, n, p, mean, scale);
}

enum { LRP_CORRELATED, LRP_ONEHOT, LRP_IMBALANCED, LRP_SEPARABLE, LRP_WEIGHTS, LRP_NOINTERCEPT, LRP_WIDE, LRP_COUNT };

/* Fills problem `kind`: X (n × p), y, sw (or leaves *use_sw 0), and the parameters. Buffers hold 600 × 160. */
static void lr_problem(int kind, double *X, double *y, double *sw, size_t *n_out, size_t *p_out, int *use_sw,
                       as_logreg_params *prm) {
    size_t level[600];
    size_t n = 0, p = 0;
    lr_rng = 0x1234567u + (uint64_t)kind;
    *use_sw = 0;
    *prm = as__logreg_params_default();
    prm->tol = 1e-10;
    prm->max_iter = 1000;
    switch (kind) {
    case LRP_CORRELATED:
    case LRP_WEIGHTS:
        n = 500, p = 8;
        for (size_t i = 0; i < n; i++) {
            double f = lr_norm();
            for (size_t j = 0; j < 7; j++) X[i * p + j] = f + 0.3 * lr_norm();   /* pairwise correlation ~0.9 */
            X[i * p + 7] = X[i * p + 6] + 1e-4 * lr_norm();                        /* nearly a copy of column 6 */
            y[i] = lr_draw(0.3 + 0.8 * X[i * p] - 0.5 * X[i * p + 3] + 0.2 * X[i * p + 7]);
        }
        if (kind == LRP_WEIGHTS) {
            *use_sw = 1;
            for (size_t i = 0; i < n; i++) sw[i] = i % 7 == 3 ? 0.0 : 3 * lr_unif();
        }
        break;
    case LRP_ONEHOT:
    case LRP_NOINTERCEPT:
        n = 600, p = 10;
        for (size_t i = 0; i < n; i++) X[i * p] = lr_norm(), X[i * p + 1] = lr_norm();
        lr_onehot(X, n, p, 2, 8, 1.0 / 3, level);
        for (size_t i = 0; i < n; i++)
            y[i] = lr_draw(-1 + X[i * p] + (level[i] >= 5 ? 4.0 : 0.5 * (double)level[i]));
        lr_standardize(X, n, p);
        if (kind == LRP_NOINTERCEPT) prm->fit_intercept = 0;
        prm->C = 10;
        break;
    case LRP_IMBALANCED:
        n = 600, p = 5;
        for (size_t i = 0; i < n; i++) {
            double z = -4.5;
            for (size_t j = 0; j < p; j++) X[i * p + j] = lr_norm(), z += 0.7 * X[i * p + j];
            y[i] = lr_draw(z);   /* ~3 % positives */
        }
        break;
    case LRP_SEPARABLE:
        n = 200, p = 4;
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < p; j++) X[i * p + j] = lr_norm();
            double m = X[i * p] + 0.5 * X[i * p + 1];
            X[i * p] += m >= 0 ? 0.2 : -0.2;   /* a gap around the separating plane */
            y[i] = m >= 0 ? 1 : 0;
        }
        prm->C = 100;
        break;
    case LRP_WIDE:
        n = 600, p = 160;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < 40; j++) X[i * p + j] = lr_norm();
        for (size_t g = 40; g < p; g += 8) {
            lr_onehot(X, n, p, g, 8, 0.4, level);
            for (size_t i = 0; i < n; i++) X[i * p + g + level[i]] *= 1 + 0.1 * (double)(g / 8);   /* effect store */
        }
        for (size_t i = 0; i < n; i++) {
            double z = -2.5 + X[i * p] - 0.5 * X[i * p + 1];
            for (size_t j = 40; j < p; j++) z += X[i * p + j] * (j % 8 >= 5 ? 1.5 : 0.1);
            y[i] = lr_draw(z);
        }
        lr_standardize(X, n, p);
        break;
    }
    *n_out = n, *p_out = p;
}

static void test_logreg_paths(void) {
    static const char *names[] = {"correlated", "one-hot", "imbalanced", "separable", "weights", "no intercept",
                                  "wide"};
    double *X = malloc(600 * 160 * sizeof *X), y[600], sw[600];
    double w[3][160], b[3];
    CHECK(X != NULL);
    if (!X) return;
    for (int kind = 0; kind < LRP_COUNT; kind++) {
        size_t n, p;
        int use_sw;
        as_logreg_params prm;
        lr_problem(kind, X, y, sw, &n, &p, &use_sw, &prm);
        as_logreg_info info[3];
        as_error err;
        for (int s = 0; s < 3; s++) {   /* s = the solver: auto, TRON, Newton–Cholesky */
            prm.solver = s;
            CHECK_OK(as__logreg_fit(X, n, p, y, use_sw ? sw : NULL, &prm, w[s], &b[s], &info[s], &err), &err);
            CHECK_MSG(info[s].converged, "%s, solver %d: not converged (|g| %g after %d iterations)", names[kind], s,
                      info[s].grad_norm, info[s].iterations);
        }
        CHECK(info[1].solver == 1 && info[1].hessian_formations == 0 && info[1].hessian_products > 0);
        CHECK(info[2].solver == 2 && info[2].hessian_products == 0 && info[2].hessian_formations > 0);
        if (kind == LRP_WIDE)   /* d = 161 > 128: TRON first, then Newton–Cholesky once CG took ≥ d/32 steps */
            CHECK_MSG(info[0].solver == 2 && info[0].hessian_products > 0 && info[0].hessian_formations > 0,
                      "wide: auto ran solver %d with %d products and %d formations", info[0].solver,
                      info[0].hessian_products, info[0].hessian_formations);
        else
            CHECK(info[0].solver == 2 && info[0].hessian_products == 0);
        /* the same optimum: coefficients within 1e-7 of the largest, objectives within 1e-12 relative */
        double scale = fabs(b[2]);
        for (size_t j = 0; j < p; j++) scale = fmax(scale, fabs(w[2][j]));
        for (int s = 0; s < 2; s++) {
            double worst = fabs(b[s] - b[2]);
            for (size_t j = 0; j < p; j++) worst = fmax(worst, fabs(w[s][j] - w[2][j]));
            CHECK_MSG(worst <= 1e-7 * scale, "%s: solver %d differs from Newton-Cholesky by %g (scale %g)",
                      names[kind], s, worst, scale);
            CHECK_MSG(fabs(info[s].objective - info[2].objective) <= 1e-12 * info[2].objective,
                      "%s: objective %.17g (solver %d) vs %.17g", names[kind], info[s].objective, s,
                      info[2].objective);
            CHECK(info[s].quasi_separated == info[2].quasi_separated);
        }
        if (kind == LRP_SEPARABLE) CHECK(info[2].quasi_separated && scale > 5);
        if (kind == LRP_NOINTERCEPT) CHECK(b[0] == 0 && b[1] == 0 && b[2] == 0);
    }
    free(X);
}

/* ------------------------------------------------------------------------------------------------------- */
/* metrics                                                                                                   */
/* ------------------------------------------------------------------------------------------------------- */

static void test_metrics_reference(void) {
    as_metrics m;
    as_error err;
    /* sklearn's doc example y = [0, 0, 1, 1], p = [0.1, 0.4, 0.35, 0.8]: roc_auc_score 0.75,
     * average_precision_score 0.8333333333333333, log_loss 0.47228795380917615, brier 0.158125 */
    double y1[] = {0, 0, 1, 1}, s1[] = {0.1, 0.4, 0.35, 0.8};
    CHECK_OK(as__metrics_binary(y1, s1, 4, &m, &err), &err);
    CHECK_NEAR(m.roc_auc, 0.75, 0);
    CHECK_NEAR(m.pr_auc, 0.8333333333333333, 1e-16);
    CHECK_NEAR(m.log_loss, 0.47228795380917615, 1e-15);
    CHECK_NEAR(m.brier, 0.15812500000000002, 1e-16);
    CHECK_NEAR(m.best_f1, 0.8, 1e-16);
    CHECK_NEAR(m.best_f1_threshold, 0.35, 0);
    CHECK(m.tp == 1 && m.fp == 0 && m.tn == 2 && m.fn == 1);

    /* ties: y and p below; the values are sklearn's (accuracy_score, precision/recall/f1_score at p > 0.5,
     * precision_recall_curve for best F1 (highest threshold among equal F1), roc_auc_score,
     * average_precision_score, log_loss, brier_score_loss, top-k by np.argsort(-p, kind="stable")) */
    double y2[] = {1, 0, 1, 1, 0, 0, 1, 0, 1, 0}, s2[] = {0.9, 0.9, 0.7, 0.5, 0.5, 0.5, 0.3, 0.2, 0.2, 0.6};
    CHECK_OK(as__metrics_binary(y2, s2, 10, &m, &err), &err);
    CHECK(m.rows == 10 && m.positives == 5);
    CHECK_NEAR(m.positive_rate, 0.5, 0);
    CHECK(m.tp == 2 && m.fp == 2 && m.tn == 3 && m.fn == 3);   /* 0.5 itself is predicted negative */
    CHECK_NEAR(m.accuracy, 0.5, 0);
    CHECK_NEAR(m.precision, 0.5, 0);
    CHECK_NEAR(m.recall, 0.4, 0);
    CHECK_NEAR(m.f1, 0.4444444444444445, 1e-16);
    CHECK_NEAR(m.best_f1_threshold, 0.2, 0);
    CHECK_NEAR(m.best_f1, 0.6666666666666666, 1e-16);
    CHECK_NEAR(m.best_f1_precision, 0.5, 0);
    CHECK_NEAR(m.best_f1_recall, 1.0, 0);
    CHECK_NEAR(m.roc_auc, 0.48, 1e-16);
    CHECK_NEAR(m.pr_auc, 0.519047619047619, 1e-15);
    CHECK_NEAR(m.log_loss, 0.8796907094218842, 1e-15);
    CHECK_NEAR(m.brier, 0.319, 1e-16);
    CHECK_NEAR(m.precision_top1, 1.0, 0);   /* rows 0 and 1 tie at 0.9: row 0 (a positive) comes first */
    CHECK_NEAR(m.precision_top5, 1.0, 0);

    /* n = 250 with many ties: i = np.arange(250); p = ((i*37) % 50) / 50; y = ((i*13) % 7 < 2):
     * top 1 % = 3 rows, top 5 % = 13 rows */
    double y3[250], s3[250];
    for (int i = 0; i < 250; i++) s3[i] = ((i * 37) % 50) / 50.0, y3[i] = (i * 13) % 7 < 2 ? 1 : 0;
    CHECK_OK(as__metrics_binary(y3, s3, 250, &m, &err), &err);
    CHECK_NEAR(m.precision_top1, 0.6666666666666666, 1e-16);
    CHECK_NEAR(m.precision_top5, 0.3076923076923077, 1e-16);
    CHECK_NEAR(m.roc_auc, 0.5021638209143127, 1e-15);
    CHECK_NEAR(m.pr_auc, 0.2959828583448626, 1e-15);
    CHECK_NEAR(m.best_f1, 0.44372990353697744, 1e-15);
    CHECK_NEAR(m.best_f1_threshold, 0.04, 0);

    /* clipping: scikit-learn 1.2.1 log_loss([1, 0], [0.0, 1.0]) = 36.04365338911715 (eps="auto" = machine
     * epsilon; the mean of −log(eps) and −log(1 − (1 − eps)): sklearn clips p before forming 1 − p) */
    double y4[] = {1, 0}, s4[] = {0.0, 1.0};
    CHECK_OK(as__metrics_binary(y4, s4, 2, &m, &err), &err);
    CHECK_NEAR(m.log_loss, 36.04365338911715, 1e-12);
    CHECK_NEAR(m.roc_auc, 0.0, 0);
}

static void test_metrics_edges(void) {
    as_metrics m;
    as_error err;
    /* one class (all negative): ROC-AUC and PR-AUC undefined → NaN; no positives → recall 0, best F1 0 */
    double y0[] = {0, 0, 0}, s0[] = {0.2, 0.7, 0.1};
    CHECK_OK(as__metrics_binary(y0, s0, 3, &m, &err), &err);
    CHECK(isnan(m.roc_auc) && isnan(m.pr_auc));
    CHECK(m.recall == 0 && m.precision == 0 && m.f1 == 0 && m.best_f1 == 0);
    CHECK(m.fp == 1 && m.tn == 2 && m.positives == 0);
    CHECK(isfinite(m.log_loss) && isfinite(m.brier));
    /* all positive: ROC-AUC NaN, average precision 1 */
    double y1[] = {1, 1, 1};
    CHECK_OK(as__metrics_binary(y1, s0, 3, &m, &err), &err);
    CHECK(isnan(m.roc_auc) && m.pr_auc == 1.0 && m.precision_top1 == 1.0);
    /* no predicted positives at 0.5 → precision 0 (sklearn's zero_division), F1 0, but ranking still works */
    double y2[] = {0, 1, 0, 1}, s2[] = {0.1, 0.4, 0.2, 0.5};
    CHECK_OK(as__metrics_binary(y2, s2, 4, &m, &err), &err);
    CHECK(m.tp == 0 && m.fp == 0 && m.precision == 0 && m.recall == 0 && m.f1 == 0);
    CHECK(m.roc_auc == 1.0 && m.best_f1 == 1.0 && m.best_f1_threshold == 0.4);
    /* all scores tied: AUC ½ */
    double s3[] = {0.3, 0.3, 0.3, 0.3};
    CHECK_OK(as__metrics_binary(y2, s3, 4, &m, &err), &err);
    CHECK(m.roc_auc == 0.5 && m.pr_auc == 0.5);
    /* errors */
    CHECK(as__metrics_binary(y2, s2, 0, &m, &err) == AS_ERR_NODATA);
    CHECK(isnan(m.roc_auc) && m.rows == 0);
    double yb[] = {0, 2};
    CHECK(as__metrics_binary(yb, s2, 2, &m, &err) == AS_ERR_INVALID);
    double sn[] = {0.1, NAN};
    CHECK(as__metrics_binary(y2, sn, 2, &m, &err) == AS_ERR_NUMERIC);
}

/* ------------------------------------------------------------------------------------------------------- */
/* allocation failures: every allocation point returns AS_ERR_NOMEM (never crashes, never leaks: ASan)        */
/* ------------------------------------------------------------------------------------------------------- */

static void test_alloc_failures(void) {
    double X[120], y[40], w[3], b;
    lr_data(X, y);
    as_error err;
    as_logreg_info info;
    int nomem = 0, ok = 0, other = 0;
    /* auto (Newton–Cholesky here: rows, columns, dense buffers), TRON, Newton–Cholesky */
    for (int solver = -1; solver <= 2; solver++) {
        as_logreg_params prm = as__logreg_params_default();
        prm.solver = solver < 0 ? 0 : solver;
        nomem = ok = other = 0;
        for (long k = 1; k <= 20; k++) {
            as__alloc_fail_after(k);
            as_status st = as__logreg_fit(X, 40, 3, y, NULL, solver < 0 ? NULL : &prm, w, &b, &info, &err);
            as__alloc_fail_after(0);
            if (st == AS_ERR_NOMEM) nomem++;
            else if (st == AS_OK) ok++;
            else other++;
        }
        CHECK_MSG(nomem == (solver == 1 ? 2 : 3) && ok >= 1 && other == 0, "solver %d: nomem %d ok %d other %d",
                  solver, nomem, ok, other);
    }
    /* auto on d = 161: TRON first with the dense buffers ready for the switch to Newton–Cholesky */
    {
        double *Xw = malloc(600 * 160 * sizeof *Xw), yw[600], sww[600], ww[160];
        CHECK(Xw != NULL);
        if (Xw) {
            size_t n, p;
            int use_sw;
            as_logreg_params prm;
            lr_problem(LRP_WIDE, Xw, yw, sww, &n, &p, &use_sw, &prm);
            prm.solver = 0;
            nomem = ok = other = 0;
            for (long k = 1; k <= 6; k++) {
                as__alloc_fail_after(k);
                as_status st = as__logreg_fit(Xw, n, p, yw, NULL, &prm, ww, &b, &info, &err);
                as__alloc_fail_after(0);
                if (st == AS_ERR_NOMEM) nomem++;
                else if (st == AS_OK) {
                    ok++;
                    CHECK(info.solver == 2 && info.hessian_products > 0);
                } else other++;
            }
            CHECK_MSG(nomem == 3 && ok >= 1 && other == 0, "wide: nomem %d ok %d other %d", nomem, ok, other);
            free(Xw);
        }
    }

    nomem = ok = other = 0;
    for (long k = 1; k <= 30; k++) {
        as_pca pca;
        as__alloc_fail_after(k);
        as_status st = as__pca_fit(Xp, 10, 3, 0.95, &pca, &err);
        as__alloc_fail_after(0);
        if (st == AS_ERR_NOMEM) {
            nomem++;
            CHECK(pca.components == NULL && pca.mean == NULL);
        } else if (st == AS_OK) {
            ok++;
            check_pca(&pca, 2);
            as__pca_free(&pca);
        } else other++;
    }
    CHECK_MSG(nomem >= 9 && ok >= 1 && other == 0, "nomem %d ok %d other %d", nomem, ok, other);

    nomem = ok = other = 0;
    double ym[] = {0, 0, 1, 1}, sm[] = {0.1, 0.4, 0.35, 0.8};
    for (long k = 1; k <= 5; k++) {
        as_metrics m;
        as__alloc_fail_after(k);
        as_status st = as__metrics_binary(ym, sm, 4, &m, &err);
        as__alloc_fail_after(0);
        if (st == AS_ERR_NOMEM) nomem++;
        else if (st == AS_OK) ok++;
        else other++;
    }
    CHECK(nomem == 1 && ok == 4 && other == 0);
}

int main(void) {
    RUN(test_mt_raw);
    RUN(test_mt_interval);
    RUN(test_permutation);
    RUN(test_random_split);
    RUN(test_standardize);
    RUN(test_pca);
    RUN(test_pca_errors);
    RUN(test_scaler_and_transform_twins);
    for (lr_solver = 0; lr_solver <= 2; lr_solver++) {
        fprintf(stderr, "   (solver %d)\n", lr_solver);
        RUN(test_logreg_reference);
        RUN(test_logreg_edges);
    }
    RUN(test_logreg_paths);
    RUN(test_metrics_reference);
    RUN(test_metrics_edges);
    RUN(test_alloc_failures);
    return test_report("ml");
}
