/* StandardScaler: per-column mean and population standard deviation (ddof = 0), with scikit-learn's rule for
 * constant columns (scale 1, so they come out as 0 instead of a division by zero). */
#include <float.h>
#include <math.h>

#include "ml/ml.h"

/* Columns are processed in blocks whose accumulators live on the stack: the data are row-major, so one pass
 * over the rows per block reads X sequentially (a column at a time would touch a new cache line per value),
 * and the function needs no allocation, so it cannot fail. */
#define SBLOCK 64

void as__standardize_fit(const double *X, size_t n, size_t p, double *mean, double *scale) {
    for (size_t j0 = 0; j0 < p; j0 += SBLOCK) {
        size_t nb = p - j0 < SBLOCK ? p - j0 : SBLOCK;
        double sum[SBLOCK], comp[SBLOCK], dsum[SBLOCK], dsq[SBLOCK];
        int constant[SBLOCK];
        if (n == 0) {
            for (size_t b = 0; b < nb; b++) mean[j0 + b] = 0, scale[j0 + b] = 1;
            continue;
        }
        for (size_t b = 0; b < nb; b++) sum[b] = comp[b] = dsum[b] = dsq[b] = 0, constant[b] = 1;
        /* Pass 1: the mean, with Kahan–Babuška (Neumaier) compensated summation so a long column of large
         * values does not lose the low digits numpy's pairwise sum keeps. */
        for (size_t i = 0; i < n; i++) {
            const double *x = X + i * p + j0;
            const double *x0 = X + j0;
            for (size_t b = 0; b < nb; b++) {
                double v = x[b], t = sum[b] + v;
                if (fabs(sum[b]) >= fabs(v)) comp[b] += (sum[b] - t) + v;
                else comp[b] += (v - t) + sum[b];
                sum[b] = t;
                if (v != x0[b]) constant[b] = 0;
            }
        }
        for (size_t b = 0; b < nb; b++) {
            /* A constant column's mean is its value exactly (sum/n may be off by an ulp), so the
             * standardized column is exactly 0, as the contract promises. */
            mean[j0 + b] = constant[b] ? X[j0 + b] : (sum[b] + comp[b]) / (double)n;
        }
        /* Pass 2: corrected two-pass variance (Chan, Golub & LeVeque): Σd² − (Σd)²/n with d = x − mean;
         * the second term removes the error left in the mean. This is what sklearn's
         * _incremental_mean_and_var computes for a first batch. */
        for (size_t i = 0; i < n; i++) {
            const double *x = X + i * p + j0;
            for (size_t b = 0; b < nb; b++) {
                double d = x[b] - mean[j0 + b];
                dsum[b] += d;
                dsq[b] += d * d;
            }
        }
        for (size_t b = 0; b < nb; b++) {
            double m = mean[j0 + b];
            double var = (dsq[b] - dsum[b] * dsum[b] / (double)n) / (double)n;
            if (var < 0) var = 0;
            /* sklearn's _is_constant_feature: a variance within rounding noise of the mean's magnitude is
             * treated as zero, so near-constant columns are not blown up by 1/tiny. */
            double nd = (double)n;
            double bound = nd * DBL_EPSILON * var + (nd * m * DBL_EPSILON) * (nd * m * DBL_EPSILON);
            scale[j0 + b] = (constant[b] || var <= bound) ? 1.0 : sqrt(var);
        }
    }
}

void as__standardize_apply(double *X, size_t n, size_t p, const double *mean, const double *scale) {
    for (size_t i = 0; i < n; i++) {
        double *x = X + i * p;
        /* divide rather than multiply by a reciprocal: the same rounding as sklearn's X /= scale */
        for (size_t j = 0; j < p; j++) x[j] = (x[j] - mean[j]) / scale[j];
    }
}
