/*
 * ml — the numerical core: reproducible splits, standardization, PCA, L2 logistic regression, metrics.
 *
 * Matrices are dense, row-major, double: X[i * p + j] is row i, column j. Labels are 0/1 doubles.
 * Every routine here is pure computation over caller-owned arrays: no I/O, no globals.
 * Definitions follow scikit-learn unless a comment says otherwise.
 */
#ifndef AS_ML_H
#define AS_ML_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* ---- numpy's legacy RandomState (MT19937 seeded by init_genrand) ---- */
typedef struct as_mt19937 {
    uint32_t mt[624];
    int mti;
} as_mt19937;
void as__mt_seed(as_mt19937 *r, uint32_t seed);
uint32_t as__mt_next32(as_mt19937 *r);
/* numpy's random_interval: uniform integer in [0, max] by masked rejection sampling. */
uint64_t as__mt_interval(as_mt19937 *r, uint64_t max);
/* perm[0..n) = RandomState(seed).permutation(n). */
void as__permutation(size_t n, uint32_t seed, size_t *perm);
/* train_test_split(range(n), test_size=fraction, random_state=seed): n_test = ceil(fraction * n);
 * test = perm[0..n_test), train = perm[n_test..n). Arrays are caller-allocated with n entries each. */
void as__random_split(size_t n, double fraction, uint32_t seed, size_t *train, size_t *n_train, size_t *test,
                      size_t *n_test);

/* ---- standardization (StandardScaler: mean, population standard deviation; zero variance → scale 1) ---- */
void as__standardize_fit(const double *X, size_t n, size_t p, double *mean, double *scale);
void as__standardize_apply(double *X, size_t n, size_t p, const double *mean, const double *scale);

/* ---- PCA (sklearn.decomposition.PCA, full solver semantics, computed by eigen-decomposition) ---- */
#define AS_PCA_MAX_COLUMNS 4096   /* wider input is refused with AS_ERR_INVALID (p³ work) */
typedef struct as_pca {
    size_t p, k;               /* input columns, components kept */
    double *mean;              /* p */
    double *components;        /* k × p, row-major: component c is components[c*p .. c*p+p) */
    double *explained_variance;        /* k (ddof = 1) */
    double *explained_variance_ratio;  /* k */
    double total_variance;
} as_pca;
/* Fits on X (n × p). `variance` in (0,1): keep the smallest k whose cumulative explained-variance ratio is
 * strictly greater than it; variance ≥ 1: keep that many components. Signs follow scikit-learn 1.2's
 * svd_flip(u_based_decision=True): in each component, the projected training row with the largest absolute
 * value is positive. AS_ERR_NUMERIC on zero total variance or a LAPACK failure. */
as_status as__pca_fit(const double *X, size_t n, size_t p, double variance, as_pca *out, as_error *err);
/* Z (n × k) = (X − mean) · componentsᵀ. */
void as__pca_transform(const as_pca *pca, const double *X, size_t n, double *Z);
void as__pca_free(as_pca *pca);

/* ---- L2-regularized logistic regression, scikit-learn's objective ----
 *   f(w, b) = C · Σ_i s_i · log(1 + exp(−y_i (x_i·w + b))) + ½ ‖w‖²       (y_i ∈ {−1, +1}, b not penalized)
 * solved by Newton's method: for small d with the exact Hessian (Cholesky, Levenberg–Marquardt damping), else by
 * a trust-region Newton method with conjugate-gradient steps (LIBLINEAR's TRON). Both reach the same optimum. */
typedef struct as_logreg_params {
    double C;
    double tol;                /* stop when ‖∇f‖ ≤ tol · ‖∇f(0)‖ */
    int max_iter;
    int fit_intercept;
    int solver;                /* 0 = auto: with d = p + intercept ≤ n, Newton–Cholesky for d ≤ 128, TRON then
                                * Newton–Cholesky once CG gets expensive for d ≤ 1024, else TRON (logreg.c);
                                * 1 = TRON; 2 = Newton with the exact Hessian factorized by Cholesky */
} as_logreg_params;
as_logreg_params as__logreg_params_default(void);   /* C = 1, tol = 1e-8, max_iter = 200, intercept, auto */

typedef struct as_logreg_info {
    int iterations;
    int converged;
    double grad_norm;          /* final ‖∇f‖ */
    double objective;
    int quasi_separated;       /* weights grew large while the loss went to ~0: (quasi-)separation */
    int hessian_products;      /* conjugate-gradient steps, each one pass over the data (TRON only) */
    int solver;                /* the path that finished: 1 = TRON, 2 = Newton–Cholesky */
    int hessian_formations;    /* Newton–Cholesky: full Hessians formed, each in one pass plus ~n·d² flops
                                * (counted apart: one costs ~d/18 to d/40 Hessian-vector products, not d) */
} as_logreg_info;

/* X is n × p; y holds 0/1; sw holds per-row weights or is NULL (all 1). On success w[0..p) holds the
 * coefficients and *intercept the intercept. */
as_status as__logreg_fit(const double *X, size_t n, size_t p, const double *y, const double *sw,
                         const as_logreg_params *params, double *w, double *intercept, as_logreg_info *info,
                         as_error *err);
/* prob[i] = σ(x_i·w + b). */
void as__logreg_predict(const double *X, size_t n, size_t p, const double *w, double intercept, double *prob);

/* ---- metrics for a binary problem (y ∈ {0,1}, score = predicted probability of 1) ----
 * ROC-AUC counts ties ½ (Mann–Whitney); NaN when only one class is present.
 * PR-AUC is average precision (sklearn.metrics.average_precision_score).
 * Log loss clips probabilities to [ε, 1 − ε] with ε = DBL_EPSILON, as scikit-learn 1.2's log_loss(eps="auto").
 * Precision with no predicted positives is 0 (scikit-learn's zero_division default, with its warning).
 * precision_top1/top5: among the ceil(1 % · n) / ceil(5 % · n) highest scores (ties broken by row order). */
as_status as__metrics_binary(const double *y, const double *score, size_t n, as_metrics *out, as_error *err);

#endif
