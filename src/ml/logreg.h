/*
 * logreg — logistic regression with scikit-learn's objective (DESIGN.md §4).
 *
 * Binary (y ∈ {0,1}, sigmoid; parameters w[p], b):
 *     f(w, b) = C · Σ_i s_i · log(1 + exp(−y±_i (x_i·w + b))) + R(w)
 * Multinomial (K ≥ 3 classes, softmax, scikit-learn's multi_class="multinomial"; parameters W[K×p], b[K]):
 *     f(W, b) = C · Σ_i s_i · (−log softmax(W x_i + b)[y_i]) + R(W)     (every class has its own row of W:
 *     no reference class, exactly as scikit-learn's lbfgs parametrizes it)
 * R = ½‖w‖² (L2, default), ‖w‖₁ (L1) or 0 (none). The intercept is never penalized. s_i are per-row weights
 * (class weights multiplied in by the caller; see as__class_weight_balanced).
 *
 * Solvers, all reaching the same optimum (tests check that they agree):
 *   Newton: binary L2/none — exact-Hessian Newton–Cholesky for small d, LIBLINEAR's trust-region Newton (TRON,
 *           conjugate-gradient steps with Hessian–vector products) for large d; multinomial — TRON on the K·d
 *           parameters; L1 — proximal Newton (quadratic model solved by coordinate descent, as newGLMNET).
 *   L-BFGS: limited-memory quasi-Newton with a Moré–Thuente / strong-Wolfe line search; for L1, OWL-QN
 *           (orthant-wise L-BFGS, exact zeros).
 * Stopping: ‖∇f‖ ≤ tol · ‖∇f(w₀)‖ (L1: the norm of the minimum-norm subgradient), or max_iter.
 */
#ifndef AS_ML_LOGREG_H
#define AS_ML_LOGREG_H

#include <stddef.h>

#include "aftersales/aftersales.h"   /* as_penalty, as_solver */
#include "core/core.h"




typedef struct as_logreg_params {
    double C;
    double tol;                /* stop when ‖∇f‖ ≤ tol · ‖∇f(w0)‖ */
    int max_iter;              /* Newton / quasi-Newton iterations */
    int fit_intercept;
    int solver;                /* as_solver */
    int penalty;               /* as_penalty */
    int lbfgs_memory;          /* L-BFGS correction pairs (default 10, scikit-learn's maxcor) */
} as_logreg_params;
as_logreg_params as__logreg_params_default(void);   /* C = 1, tol = 1e-8, max_iter = 200, intercept, auto, L2 */

typedef struct as_logreg_info {
    int iterations;
    int converged;
    double grad_norm;          /* final ‖∇f‖ (L1: minimum-norm subgradient) */
    double objective;
    int quasi_separated;       /* weights grew large while the loss went to ~0: (quasi-)separation */
    int hessian_products;      /* conjugate-gradient steps, each one pass over the data (TRON only) */
    int solver;                /* the path that finished: as_solver (never AUTO) */
    int hessian_formations;    /* Newton–Cholesky: full Hessians formed, each in one pass plus ~n·d² flops */
    int function_evaluations;  /* loss+gradient passes (L-BFGS line search, TRON) */
    size_t nonzero;            /* coefficients (intercepts excluded) that are not exactly 0 */
} as_logreg_info;

/* Binary. X is n × p; y holds 0/1; sw holds per-row weights or is NULL (all 1). On success w[0..p) holds the
 * coefficients and *intercept the intercept. Non-convergence is not an error: info->converged says it.
 * AS_ERR_INVALID for a bad parameter (C ≤ 0, unknown solver/penalty), AS_ERR_NUMERIC on NaN/Inf in the data. */
as_status as__logreg_fit(const double *X, size_t n, size_t p, const double *y, const double *sw,
                         const as_logreg_params *params, double *w, double *intercept, as_logreg_info *info,
                         as_error *err);
/* prob[i] = σ(x_i·w + b). */
void as__logreg_predict(const double *X, size_t n, size_t p, const double *w, double intercept, double *prob);

/* Multinomial over K ≥ 3 classes: cls[i] ∈ [0, K). W is K × p row-major (class k's coefficients at W[k*p]),
 * b has K entries. Same parameters, info and errors as the binary fit. */
as_status as__logreg_fit_multinomial(const double *X, size_t n, size_t p, const int *cls, int K, const double *sw,
                                     const as_logreg_params *params, double *W, double *b, as_logreg_info *info,
                                     as_error *err);
/* prob (n × K, row-major) = softmax(W x_i + b), computed stably (max subtracted). */
void as__logreg_predict_multinomial(const double *X, size_t n, size_t p, int K, const double *W, const double *b,
                                    double *prob);

/* class_weight="balanced": cw[k] = n / (K · n_k) from the plain class counts of the rows (as scikit-learn's
 * compute_class_weight; row weights do not enter). Classes with no rows get weight 0. */
void as__class_weight_balanced(const int *cls, size_t n, int K, double *cw);

#endif
