/* StandardScaler: per-column mean and population standard deviation (ddof = 0), with scikit-learn's rule for
 * constant columns (scale 1, so they come out as 0 instead of a division by zero). */
#include <float.h>
#include <math.h>

#include "ml/ml.h"

/* The vector clones below must round exactly as the plain one: no contraction of a·b + c into a fused
 * multiply-add (GCC does not contract in ISO C mode; clang would, unless told). */
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

/* Each column's sums run in row order in every clone; only how many columns share one instruction differs, so
 * the results are the same bits on every CPU. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCALER_NO_CLONES 1            /* ifunc resolvers run before the sanitizer is up */
#endif
#endif
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(SCALER_NO_CLONES)
#define SCALER_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SCALER_CLONES
#endif

/* Columns are processed in blocks whose accumulators live on the stack: the data are row-major, so one pass
 * over the rows per block reads X sequentially (a column at a time would touch a new cache line per value),
 * and the functions need no allocation, so they cannot fail. */
#define SBLOCK 64

/* Pass 1 over columns [j0, j0 + nb): the mean, with Kahan–Babuška (Neumaier) compensated summation so a long
 * column of large values does not lose the low digits numpy's pairwise sum keeps. Written without branches
 * (the larger of the two terms is picked, not branched on) so the compiler runs it on vector registers. n ≥ 1. */
SCALER_CLONES
static void mean_block(const double *X, size_t n, size_t p, size_t j0, size_t nb, double *mean, int *constant) {
    double sum[SBLOCK], comp[SBLOCK], differs[SBLOCK];
    for (size_t b = 0; b < nb; b++) sum[b] = comp[b] = differs[b] = 0;
    const double *x0 = X + j0;
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * p + j0;
        for (size_t b = 0; b < nb; b++) {
            double v = x[b], s = sum[b], t = s + v;
            int s_big = fabs(s) >= fabs(v);
            double big = s_big ? s : v, small = s_big ? v : s;
            comp[b] += (big - t) + small;
            sum[b] = t;
            differs[b] += v != x0[b];
        }
    }
    for (size_t b = 0; b < nb; b++) {
        constant[b] = differs[b] == 0;
        /* A constant column's mean is its value exactly (sum/n may be off by an ulp), so the standardized
         * column is exactly 0, as the contract promises. */
        mean[b] = constant[b] ? x0[b] : (sum[b] + comp[b]) / (double)n;
    }
}

/* Pass 2: corrected two-pass variance (Chan, Golub & LeVeque): Σd² − (Σd)²/n with d = x − mean; the second
 * term removes the error left in the mean. This is what sklearn's _incremental_mean_and_var computes for a
 * first batch. */
SCALER_CLONES
static void scale_block(const double *X, size_t n, size_t p, size_t j0, size_t nb, const double *mean,
                        const int *constant, double *scale) {
    double dsum[SBLOCK], dsq[SBLOCK];
    for (size_t b = 0; b < nb; b++) dsum[b] = dsq[b] = 0;
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * p + j0;
        for (size_t b = 0; b < nb; b++) {
            double d = x[b] - mean[b];
            dsum[b] += d;
            dsq[b] += d * d;
        }
    }
    for (size_t b = 0; b < nb; b++) {
        double m = mean[b];
        double var = (dsq[b] - dsum[b] * dsum[b] / (double)n) / (double)n;
        if (var < 0) var = 0;
        /* sklearn's _is_constant_feature: a variance within rounding noise of the mean's magnitude is
         * treated as zero, so near-constant columns are not blown up by 1/tiny. */
        double nd = (double)n;
        double bound = nd * DBL_EPSILON * var + (nd * m * DBL_EPSILON) * (nd * m * DBL_EPSILON);
        scale[b] = (constant[b] || var <= bound) ? 1.0 : sqrt(var);
    }
}

void as__standardize_fit(const double *X, size_t n, size_t p, double *mean, double *scale) {
    for (size_t j0 = 0; j0 < p; j0 += SBLOCK) {
        size_t nb = p - j0 < SBLOCK ? p - j0 : SBLOCK;
        int constant[SBLOCK];
        if (n == 0) {
            for (size_t b = 0; b < nb; b++) mean[j0 + b] = 0, scale[j0 + b] = 1;
            continue;
        }
        mean_block(X, n, p, j0, nb, mean + j0, constant);
        scale_block(X, n, p, j0, nb, mean + j0, constant, scale + j0);
    }
}

void as__standardize_mean(const double *X, size_t n, size_t p, double *mean) {
    for (size_t j0 = 0; j0 < p; j0 += SBLOCK) {
        size_t nb = p - j0 < SBLOCK ? p - j0 : SBLOCK;
        int constant[SBLOCK];
        if (n == 0) {
            for (size_t b = 0; b < nb; b++) mean[j0 + b] = 0;
            continue;
        }
        mean_block(X, n, p, j0, nb, mean + j0, constant);
    }
}

void as__standardize_apply(double *X, size_t n, size_t p, const double *mean, const double *scale) {
    for (size_t i = 0; i < n; i++) {
        double *x = X + i * p;
        /* divide rather than multiply by a reciprocal: the same rounding as sklearn's X /= scale */
        for (size_t j = 0; j < p; j++) x[j] = (x[j] - mean[j]) / scale[j];
    }
}
