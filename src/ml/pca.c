/* PCA with scikit-learn 1.2's full-solver semantics (sklearn.decomposition.PCA(svd_solver="full")), by one of
 * two routes chosen by the size of the data:
 *
 *   SVD route — small and medium data (the rule is below): exactly sklearn's computation, step for
 *     step, so the results agree with it bit for bit (same LAPACK on the same machine):
 *       mean  = np.mean(X, axis=0) of a C-ordered array: a plain running sum down the rows per column, then
 *               / n (numpy's reduction is pairwise only along the contiguous axis, i.e. when p = 1);
 *       Xc    = X − mean, in column-major order, as scipy hands it to Fortran;
 *       U,S,Vᵀ = LAPACK dgesdd(jobz="S") at the optimal workspace, as scipy.linalg.svd(Xc,
 *               full_matrices=False) (scipy and this library both call the dgesdd of the system's liblapack.so.3,
 *               OpenBLAS's on Debian);
 *       signs = svd_flip(U, Vᵀ, u_based_decision=True): the entry of largest |U| in each column (the first on
 *               ties, as np.argmax) is made positive;
 *       explained_variance = S² / (n − 1); total = explained_variance.sum() with numpy's pairwise summation
 *               (replicated below); ratio = explained_variance / total;
 *       fractional n_components = searchsorted(cumsum(ratio), v, side="right") + 1 (stable_cumsum is a plain
 *               running sum).
 *   Covariance route — larger data: the eigenvectors of XcᵀXc are the right singular vectors of Xc and its
 *     eigenvalues the squared singular values, and forming the p × p matrix costs one pass over the n × p data
 *     (and no copy of it), far cheaper than an SVD when rows ≫ columns (DESIGN.md §4; benchmarked on 1M rows).
 *     The price of squaring: eigenvalues carry an absolute error of about ε·λ_max, so tiny trailing ones are
 *     noise; PCA keeps the large ones and reports shares of the total, where that error is invisible. Results
 *     agree with sklearn to ~1e-12 relative, not to the last bit.
 *
 * The rule: the SVD route when n·p ≤ AS_PCA_SVD_MAX_CELLS (4 Mi cells, 32 MB of input) or when the data are
 * wider than tall (n < p), the covariance route otherwise. dgesdd needs the centered copy and U beside the
 * input (~3 n·p doubles) and costs several n·p² flops against the covariance route's n·p²/2. Measured on the
 * project's 2-core bench machine at 4 Mi cells: 1M × 4 0.21 s (covariance 0.11 s), 200k × 20 0.35 s (0.10 s),
 * 100k × 40 0.49 s (0.10 s), 30k × 128 0.86 s (0.39 s), 4000 × 1000 1.9 s (0.67 s), ~100 MB — affordable for
 * exact agreement; 1M × 30 (the benchmark) would take 4.5 s and 700 MB by SVD against 0.5 s by covariance. Wide
 * data go by SVD at any size: 1000 × 4000 takes 5.4 s by SVD and 26 s by the p³ eigen-decomposition (p is
 * capped at AS_PCA_MAX_COLUMNS, so that is at most ~400 MB). Should dgesdd fail to converge (its info > 0), the
 * covariance route runs instead. Zero total variance (every column constant on the
 * training rows, detected exactly, before any arithmetic) is AS_ERR_NUMERIC on both routes. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "ml/ml.h"

#ifndef AS_PCA_SVD_MAX_CELLS   /* overridable at build time, for measuring the two routes */
#define AS_PCA_SVD_MAX_CELLS ((size_t)4 << 20)
#endif

/* numpy's pairwise_sum for float64 (numpy/core/src/umath/loops_utils.h.src), the sum behind ndarray.sum() of
 * a contiguous vector: below 8 terms a running sum; up to 128 eight interleaved running sums combined as
 * ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) plus the tail; above, split at n/2 rounded down to a multiple of 8. */
static double pairwise_sum(const double *a, size_t n, size_t stride) {
    if (n < 8) {
        double res = 0.;
        for (size_t i = 0; i < n; i++) res += a[i * stride];
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++) r[j] = a[(size_t)j * stride];
        size_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[(i + (size_t)j) * stride];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i * stride];
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2, stride) + pairwise_sum(a + n2 * stride, n - n2, stride);
}

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
    as__free(pca->all_variance_ratio);
    memset(pca, 0, sizeof *pca);
}

/* sklearn: n_components = np.searchsorted(stable_cumsum(ratio), variance, side="right") + 1, i.e. one more than
 * the number of cumulative ratios ≤ variance (the cumulative sums never decrease): the smallest k whose
 * cumulative ratio is strictly greater. Capped at m (sklearn would report m + 1 when rounding leaves the last
 * cumulative ratio below a threshold just under 1, and then keep the m components there are). */
static size_t choose_k(const double *ratio, size_t m, double variance, size_t k_fixed) {
    if (k_fixed) return k_fixed;
    double cum = 0;
    size_t le = 0;
    for (size_t c = 0; c < m; c++) {
        cum += ratio[c];
        if (cum <= variance) le++;
    }
    return le + 1 < m ? le + 1 : m;
}

/* Fills the per-component outputs from the whole spectrum ev_all / ratio_all (m entries, descending): k, the
 * explained variances, their ratios and the owned copy of the whole ratio spectrum. Components are the
 * route's business. */
static as_status store_spectrum(as_pca *out, size_t p, size_t m, size_t k, double total, const double *ev_all,
                                const double *ratio_all, as_error *err) {
    out->p = p;
    out->k = k;
    out->total_variance = total;
    out->n_all = m;
    out->components = as__malloc(k * p * sizeof *out->components);
    out->explained_variance = as__malloc(k * sizeof *out->explained_variance);
    out->explained_variance_ratio = as__malloc(k * sizeof *out->explained_variance_ratio);
    out->all_variance_ratio = as__malloc(m * sizeof *out->all_variance_ratio);
    if (!out->components || !out->explained_variance || !out->explained_variance_ratio || !out->all_variance_ratio)
        return as__err(err, AS_ERR_NOMEM, "out of memory storing %zu PCA components", k);
    memcpy(out->explained_variance, ev_all, k * sizeof *ev_all);
    memcpy(out->explained_variance_ratio, ratio_all, k * sizeof *ratio_all);
    memcpy(out->all_variance_ratio, ratio_all, m * sizeof *ratio_all);
    return AS_OK;
}

/* ---- SVD route: sklearn's own computation (see the top of the file) ---- */
static as_status fit_svd(const double *X, size_t n, size_t p, double variance, size_t k_fixed, as_pca *out,
                         int *lapack_failed, as_error *err) {
    as_status st = AS_OK;
    size_t m = n < p ? n : p;
    double *A = as__malloc(n * p * sizeof *A);
    double *U = as__malloc(n * m * sizeof *U);
    double *VT = as__malloc(m * p * sizeof *VT);
    double *S = as__malloc(m * sizeof *S);
    double *ev = as__malloc(2 * m * sizeof *ev);
    lapack_int *iwork = as__malloc(8 * m * sizeof *iwork);
    double *work = NULL;
    out->mean = as__malloc(p * sizeof *out->mean);
    if (!A || !U || !VT || !S || !ev || !iwork || !out->mean) {
        st = as__err(err, AS_ERR_NOMEM, "out of memory fitting PCA on %zu x %zu", n, p);
        goto done;
    }
    double *mean = out->mean, *ratio = ev + m;

    /* np.mean(X, axis=0): the reduction runs down the rows with the columns as the inner loop — a running sum
     * per column — except for a single column, which is contiguous and summed pairwise. */
    if (p == 1) {
        mean[0] = pairwise_sum(X, n, 1) / (double)n;
    } else {
        for (size_t j = 0; j < p; j++) mean[j] = 0;
        for (size_t i = 0; i < n; i++) {
            const double *x = X + i * p;
            for (size_t j = 0; j < p; j++) mean[j] += x[j];
        }
        for (size_t j = 0; j < p; j++) mean[j] /= (double)n;
    }
    /* X −= mean, stored column-major (what scipy's Fortran wrapper copies the C-ordered array into) */
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * p;
        for (size_t j = 0; j < p; j++) A[j * n + i] = x[j] - mean[j];
    }

    /* scipy.linalg.svd(lapack_driver="gesdd", full_matrices=False): a workspace query, its answer truncated to
     * an integer (scipy's _compute_lwork), then the decomposition */
    double wq = 0;
    lapack_int ln = (lapack_int)n, lp = (lapack_int)p, lm = (lapack_int)m;
    lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', ln, lp, A, ln, S, U, ln, VT, lm, &wq, -1, iwork);
    if (info != 0) {
        st = as__err(err, AS_ERR_NUMERIC, "LAPACK dgesdd workspace query failed (info %d)", (int)info);
        goto done;
    }
    size_t lwork = (size_t)wq;
    work = as__malloc((lwork ? lwork : 1) * sizeof *work);
    if (!work) {
        st = as__err(err, AS_ERR_NOMEM, "out of memory for the PCA singular value decomposition (%zu x %zu)", n, p);
        goto done;
    }
    info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', ln, lp, A, ln, S, U, ln, VT, lm, work, (lapack_int)lwork, iwork);
    if (info != 0) {
        *lapack_failed = 1;
        st = as__err(err, AS_ERR_NUMERIC, "LAPACK dgesdd failed on the centered %zu x %zu data (info %d)", n, p,
                     (int)info);
        goto done;
    }

    double denom = (double)(n - 1);   /* n ≥ 2: a single row has no varying column */
    for (size_t c = 0; c < m; c++) ev[c] = (S[c] * S[c]) / denom;
    double total = pairwise_sum(ev, m, 1);
    if (!(total > 0) || !isfinite(total)) {
        st = as__err(err, AS_ERR_NUMERIC, "PCA found no variance to explain on the training rows (total %g)", total);
        goto done;
    }
    for (size_t c = 0; c < m; c++) ratio[c] = ev[c] / total;
    size_t k = choose_k(ratio, m, variance, k_fixed);
    if ((st = store_spectrum(out, p, m, k, total, ev, ratio, err))) goto done;

    /* svd_flip(u_based_decision=True) */
    for (size_t c = 0; c < k; c++) {
        const double *u = U + c * n;
        size_t best = 0;
        double best_abs = fabs(u[0]);
        for (size_t i = 1; i < n; i++)
            if (fabs(u[i]) > best_abs) best_abs = fabs(u[i]), best = i;
        double sign = u[best] < 0 ? -1.0 : 1.0;
        for (size_t j = 0; j < p; j++) out->components[c * p + j] = VT[j * m + c] * sign;
    }

done:
    as__free(A);
    as__free(U);
    as__free(VT);
    as__free(S);
    as__free(ev);
    as__free(iwork);
    as__free(work);
    return st;
}

/* ---- covariance route: eigen-decomposition of XcᵀXc (large data) ---- */
static as_status fit_cov(const double *X, size_t n, size_t p, double variance, size_t k_fixed, as_pca *out,
                         as_error *err) {
    as_status st = AS_OK;
    size_t m = n < p ? n : p;   /* sklearn's full SVD yields min(n, p) components */
    size_t B = block_rows(n, p);
    double *cov = as__malloc(p * p * sizeof *cov);
    double *buf = as__malloc(B * p * sizeof *buf);
    double *eig = as__malloc(p * sizeof *eig);
    double *ev = as__malloc(2 * m * sizeof *ev);
    double *work = NULL, *proj = NULL, *best = NULL;
    lapack_int *iwork = NULL;
    out->mean = as__malloc(p * sizeof *out->mean);
    if (!cov || !buf || !eig || !ev || !out->mean) {
        st = as__err(err, AS_ERR_NOMEM, "out of memory fitting PCA on %zu x %zu", n, p);
        goto done;
    }
    double *ratio = ev + m;

    /* The mean as StandardScaler computes it (compensated, constant columns exact): over a million rows a plain
     * running sum would lose digits. (Only the mean: the scale's second pass over the data is not needed.) */
    as__standardize_mean(X, n, p, out->mean);

    /* cov (upper triangle, row-major) = Σ over row blocks of XcᵀXc */
    for (size_t i0 = 0; i0 < n; i0 += B) {
        size_t rows = n - i0 < B ? n - i0 : B;
        center_rows(X, i0, rows, p, out->mean, buf);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)rows, 1.0, buf, (int)p,
                    i0 == 0 ? 0.0 : 1.0, cov, (int)p);
    }
    double trace = 0;
    for (size_t j = 0; j < p; j++) trace += cov[j * p + j];
    if (!(trace > 0) || !isfinite(trace)) {
        st = as__err(err, AS_ERR_NUMERIC, "PCA found no variance to explain on the training rows (total %g)", trace);
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
     * of all eigenvalues, equal to sklearn's Σ S² / (n − 1) = ‖Xc‖²_F / (n − 1), without the eigenvalues'
     * rounding noise. */
    double denom = (double)(n - 1);   /* n ≥ 2 here: a single row has zero trace */
    double total = trace / denom;
    for (size_t c = 0; c < m; c++) {
        double lam = eig[p - 1 - c] > 0 ? eig[p - 1 - c] : 0;
        ev[c] = lam / denom;
        ratio[c] = ev[c] / total;
    }
    size_t k = choose_k(ratio, m, variance, k_fixed);
    if ((st = store_spectrum(out, p, m, k, total, ev, ratio, err))) goto done;
    proj = as__malloc(B * k * sizeof *proj);
    best = as__malloc(2 * k * sizeof *best);
    if (!proj || !best) {
        st = as__err(err, AS_ERR_NOMEM, "out of memory storing %zu PCA components", k);
        goto done;
    }
    for (size_t c = 0; c < k; c++) memcpy(out->components + c * p, cov + (p - 1 - c) * p, p * sizeof(double));

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
    as__free(cov);
    as__free(buf);
    as__free(eig);
    as__free(ev);
    as__free(work);
    as__free(iwork);
    as__free(proj);
    as__free(best);
    return st;
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
    if (n > (size_t)0x7fffffff)   /* LAPACK and CBLAS dimensions are 32-bit ints */
        return as__err(err, AS_ERR_INVALID, "PCA supports at most 2147483647 rows, got %zu", n);

    /* One pass that decides, exactly, whether there is anything to decompose: a non-finite value makes every
     * result meaningless, and with every column constant the total variance is zero (sklearn would divide 0 by 0
     * and report NaN ratios). */
    int varying = 0;
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * p;
        int bad = 0;
        for (size_t j = 0; j < p; j++) {
            bad |= !isfinite(x[j]);
            varying |= x[j] != X[j];
        }
        if (bad)
            for (size_t j = 0; j < p; j++)
                if (!isfinite(x[j]))
                    return as__err(err, AS_ERR_NUMERIC, "PCA input holds non-finite values (NaN or infinity), first "
                                   "at row %zu, column %zu", i + 1, j + 1);
    }
    if (!varying)
        return as__err(err, AS_ERR_NUMERIC, "all columns are constant on the training rows (zero total variance); PCA "
                       "needs at least one varying column");

    int by_svd = n * p <= AS_PCA_SVD_MAX_CELLS || n < p, lapack_failed = 0;
    as_status st = by_svd ? fit_svd(X, n, p, variance, k_fixed, out, &lapack_failed, err)
                          : fit_cov(X, n, p, variance, k_fixed, out, err);
    if (st != AS_OK && lapack_failed) {   /* dgesdd did not converge (rare): the eigen route still can */
        as__pca_free(out);
        st = fit_cov(X, n, p, variance, k_fixed, out, err);
    }
    if (st != AS_OK) as__pca_free(out);
    return st;
}

/* The transform's block loop, with a buffer of B centred rows. */
static void transform_blocks(const as_pca *pca, const double *X, size_t n, double *Z, double *buf, size_t B) {
    size_t p = pca->p, k = pca->k;
    for (size_t i0 = 0; i0 < n; i0 += B) {
        size_t rows = n - i0 < B ? n - i0 : B;
        center_rows(X, i0, rows, p, pca->mean, buf);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)k, (int)p, 1.0, buf, (int)p,
                    pca->components, (int)p, 0.0, Z + i0 * k, (int)k);
    }
}

void as__pca_transform(const as_pca *pca, const double *X, size_t n, double *Z) {
    size_t p = pca->p, k = pca->k;
    if (n == 0 || k == 0) return;
    /* sklearn: (X − mean) · componentsᵀ, centering first so a large mean cannot cancel digits away, and the
     * product by BLAS, as numpy's matmul computes it: rows are centred a block at a time (no copy of X), each
     * block one dgemm. The sums are OpenBLAS's (fused multiply-adds in its kernels' order), equal to numpy's on
     * the same rows with one thread and within an ulp of them when OpenBLAS splits a product across threads
     * differently. Without memory for the block, a block on the stack does the same with fewer rows. */
    size_t B = block_rows(n, p);
    double stack_buf[AS_PCA_MAX_COLUMNS];
    double *buf = as__malloc(B * p * sizeof *buf);
    if (!buf && p > AS_PCA_MAX_COLUMNS) {   /* a model wider than any fit makes, and no memory: plain sums */
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < k; c++) {
                double s = 0;
                for (size_t j = 0; j < p; j++) s += (X[i * p + j] - pca->mean[j]) * pca->components[c * p + j];
                Z[i * k + c] = s;
            }
        return;
    }
    if (!buf) {
        buf = stack_buf;
        B = AS_PCA_MAX_COLUMNS / p;
    }
    transform_blocks(pca, X, n, Z, buf, B);
    if (buf != stack_buf) as__free(buf);
}
