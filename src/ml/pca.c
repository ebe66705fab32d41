/* PCA with scikit-learn's full-solver semantics, computed from the covariance matrix instead of an SVD of the
 * data: the eigenvectors of XcᵀXc are the right singular vectors of Xc and its eigenvalues the squared
 * singular values, and forming the p × p matrix costs one pass over the n × p data, far cheaper than an SVD
 * when rows ≫ columns (DESIGN.md §4). The price of squaring: eigenvalues carry an absolute error of about
 * ε·λ_max, so tiny trailing ones are noise; PCA keeps the large ones and reports shares of the total, where
 * that error is invisible. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "ml/ml.h"

/* Rows are centered into a small buffer block by block, so covariance and projections never need a copy of
 * the whole (possibly hundreds of MB) matrix. */
static size_t block_rows(size_t n, size_t p) {
    size_t b = (size_t)65536 / (p ? p : 1);   /* ~512 KB of doubles: stays in L2, large enough for BLAS-3 */
    if (b < 16) b = 16;
    if (b > n) b = n;
    return b ? b : 1;
}

static void center_rows(const double *X, size_t i0, size_t rows, size_t p, const double *mean, double *buf) {
    for (size_t r = 0; r < rows; r++) {
        const double *x = X + (i0 + r) * p;
        double *o = buf + r * p;
        for (size_t j = 0; j < p; j++) o[j] = x[j] - mean[j];
    }
}

void as__pca_free(as_pca *pca) {
    if (!pca) return;
    as__free(pca->mean);
    as__free(pca->components);
    as__free(pca->explained_variance);
    as__free(pca->explained_variance_ratio);
    memset(pca, 0, sizeof *pca);
}

as_status as__pca_fit(const double *X, size_t n, size_t p, double variance, as_pca *out, as_error *err) {
    memset(out, 0, sizeof *out);
    if (p == 0) return as__err(err, AS_ERR_INVALID, "PCA needs at least one column");
    if (n == 0) return as__err(err, AS_ERR_NODATA, "PCA needs at least one training row");
    /* The covariance route costs p² memory and p³ time: past this width it would run for tens of minutes.
     * (Wide, short data would want the n × n Gram matrix instead; not built yet.) */
    if (p > AS_PCA_MAX_COLUMNS)
        return as__err(err, AS_ERR_INVALID, "PCA over %zu columns is too large for an exact decomposition (at most %d "
                       "columns); leave out wide text columns (--drop, --max-levels) or train without PCA (--pca 0)",
                       p, AS_PCA_MAX_COLUMNS);
    if (!(variance > 0) || !isfinite(variance))
        return as__err(err, AS_ERR_INVALID, "PCA variance must be in (0, 1) or a component count >= 1, got %g",
                       variance);
    size_t max_k = n < p ? n : p;   /* sklearn's full SVD yields min(n, p) components */
    size_t k_fixed = 0;
    if (variance >= 1) {
        if (variance != floor(variance) || variance > (double)max_k)
            return as__err(err, AS_ERR_INVALID,
                           "PCA component count must be a whole number between 1 and min(rows, columns) = %zu, "
                           "got %g", max_k, variance);
        k_fixed = (size_t)variance;
    }
    if (p > 46000)   /* LAPACK indexes the p × p matrix with 32-bit ints: p² < 2^31 */
        return as__err(err, AS_ERR_INVALID, "PCA supports at most 46000 columns, got %zu", p);

    as_status st = AS_OK;
    size_t B = block_rows(n, p);
    double *scale = as__malloc(p * sizeof *scale);
    double *cov = as__malloc(p * p * sizeof *cov);
    double *buf = as__malloc(B * p * sizeof *buf);
    double *eig = as__malloc(p * sizeof *eig);
    double *work = NULL, *proj = NULL, *best = NULL;
    lapack_int *iwork = NULL;
    out->mean = as__malloc(p * sizeof *out->mean);
    if (!scale || !cov || !buf || !eig || !out->mean) {
        st = as__err(err, AS_ERR_NOMEM, "out of memory fitting PCA on %zu x %zu", n, p);
        goto done;
    }

    /* The mean exactly as StandardScaler computes it (compensated, constant columns exact), so a constant
     * column centers to exact zeros and zero total variance is detected exactly rather than as 1e-33. */
    as__standardize_fit(X, n, p, out->mean, scale);

    /* cov (upper triangle, row-major) = Σ over row blocks of XcᵀXc */
    for (size_t i0 = 0; i0 < n; i0 += B) {
        size_t rows = n - i0 < B ? n - i0 : B;
        center_rows(X, i0, rows, p, out->mean, buf);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)rows, 1.0, buf, (int)p,
                    i0 == 0 ? 0.0 : 1.0, cov, (int)p);
    }
    double trace = 0;
    for (size_t j = 0; j < p; j++) trace += cov[j * p + j];
    if (!isfinite(trace)) {
        st = as__err(err, AS_ERR_NUMERIC, "PCA input holds non-finite values (NaN or infinity)");
        goto done;
    }
    if (trace <= 0) {
        st = as__err(err, AS_ERR_NUMERIC,
                     "all columns are constant on the training rows; PCA needs at least one varying column");
        goto done;
    }

    /* Symmetric eigen-decomposition by divide and conquer. A row-major upper triangle is, read column-major,
     * the lower triangle, and column-major eigenvectors come out one per contiguous run of p values, i.e.
     * already in the row-major component layout. The _work variant takes our workspace, so every allocation
     * goes through as__malloc (and the failure tests reach it). */
    double wq = 0;
    lapack_int iwq = 0;
    lapack_int info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', (lapack_int)p, cov, (lapack_int)p, eig, &wq,
                                          -1, &iwq, -1);
    if (info != 0) {
        st = as__err(err, AS_ERR_NUMERIC, "LAPACK dsyevd workspace query failed (info %d)", (int)info);
        goto done;
    }
    size_t lwork = (size_t)wq, liwork = (size_t)iwq;
    work = as__malloc((lwork ? lwork : 1) * sizeof *work);
    iwork = as__malloc((liwork ? liwork : 1) * sizeof *iwork);
    if (!work || !iwork) {
        st = as__err(err, AS_ERR_NOMEM, "out of memory for the PCA eigen-decomposition (%zu columns)", p);
        goto done;
    }
    info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', (lapack_int)p, cov, (lapack_int)p, eig, work,
                               (lapack_int)lwork, iwork, (lapack_int)liwork);
    if (info != 0) {
        st = as__err(err, AS_ERR_NUMERIC, "LAPACK dsyevd failed to converge on the %zu x %zu covariance (info %d)",
                     p, p, (int)info);
        goto done;
    }

    /* Descending order; explained variance with ddof = 1 as sklearn (S² / (n − 1)). Rounding can leave
     * eigenvalues of a singular covariance slightly negative: they are 0. The total is the trace, i.e. the sum
     * of all eigenvalues, equal to sklearn's Σ S² / (n − 1) = ‖Xc‖²_F / (n − 1). */
    double denom = (double)(n - 1);   /* n ≥ 2 here: a single row has zero trace */
    double total = trace / denom;
    size_t k = k_fixed;
    if (!k) {
        /* sklearn: np.searchsorted(cumsum(ratio), variance, side="right") + 1, i.e. one more than the
         * number of cumulative ratios ≤ variance: the smallest k whose cumulative ratio is strictly greater. */
        double cum = 0;
        size_t le = 0;
        for (size_t c = 0; c < max_k; c++) {
            double lam = eig[p - 1 - c] > 0 ? eig[p - 1 - c] : 0;
            cum += (lam / denom) / total;
            if (cum <= variance) le++;
        }
        k = le + 1 < max_k ? le + 1 : max_k;
    }

    out->p = p;
    out->k = k;
    out->total_variance = total;
    out->components = as__malloc(k * p * sizeof *out->components);
    out->explained_variance = as__malloc(k * sizeof *out->explained_variance);
    out->explained_variance_ratio = as__malloc(k * sizeof *out->explained_variance_ratio);
    proj = as__malloc(B * k * sizeof *proj);
    best = as__malloc(2 * k * sizeof *best);
    if (!out->components || !out->explained_variance || !out->explained_variance_ratio || !proj || !best) {
        st = as__err(err, AS_ERR_NOMEM, "out of memory storing %zu PCA components", k);
        goto done;
    }
    for (size_t c = 0; c < k; c++) {
        double lam = eig[p - 1 - c] > 0 ? eig[p - 1 - c] : 0;
        out->explained_variance[c] = lam / denom;
        out->explained_variance_ratio[c] = out->explained_variance[c] / total;
        memcpy(out->components + c * p, cov + (p - 1 - c) * p, p * sizeof(double));
    }

    /* Signs as sklearn 1.2's svd_flip(u_based_decision=True): U's column c is Xc·v_c / s_c, and the sign makes
     * its entry of largest magnitude (the first such row on exact ties, as np.argmax) positive. */
    double *bestabs = best, *bestval = best + k;
    for (size_t c = 0; c < k; c++) bestabs[c] = -1, bestval[c] = 0;
    for (size_t i0 = 0; i0 < n; i0 += B) {
        size_t rows = n - i0 < B ? n - i0 : B;
        center_rows(X, i0, rows, p, out->mean, buf);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)k, (int)p, 1.0, buf,
                    (int)p, out->components, (int)p, 0.0, proj, (int)k);
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < k; c++) {
                double v = proj[r * k + c];
                if (fabs(v) > bestabs[c]) bestabs[c] = fabs(v), bestval[c] = v;
            }
    }
    for (size_t c = 0; c < k; c++)
        if (bestval[c] < 0)
            for (size_t j = 0; j < p; j++) out->components[c * p + j] = -out->components[c * p + j];

done:
    as__free(scale);
    as__free(cov);
    as__free(buf);
    as__free(eig);
    as__free(work);
    as__free(iwork);
    as__free(proj);
    as__free(best);
    if (st != AS_OK) as__pca_free(out);
    return st;
}

void as__pca_transform(const as_pca *pca, const double *X, size_t n, double *Z) {
    size_t p = pca->p, k = pca->k;
    const double *m = pca->mean;
    /* sklearn: (X − mean) · componentsᵀ, centering first so a large mean cannot cancel digits away. Four
     * components share each centered value, which gives the CPU four independent sums to overlap. */
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * p;
        double *z = Z + i * k;
        size_t c = 0;
        for (; c + 4 <= k; c += 4) {
            const double *v0 = pca->components + c * p, *v1 = v0 + p, *v2 = v1 + p, *v3 = v2 + p;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (size_t j = 0; j < p; j++) {
                double d = x[j] - m[j];
                s0 += d * v0[j];
                s1 += d * v1[j];
                s2 += d * v2[j];
                s3 += d * v3[j];
            }
            z[c] = s0, z[c + 1] = s1, z[c + 2] = s2, z[c + 3] = s3;
        }
        for (; c < k; c++) {
            const double *v = pca->components + c * p;
            double s = 0;
            for (size_t j = 0; j < p; j++) s += (x[j] - m[j]) * v[j];
            z[c] = s;
        }
    }
}
