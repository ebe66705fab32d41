/*
 * logreg — logistic regression with scikit-learn's objective (DESIGN.md §4).
 *
 * Binary (y ∈ {0,1}, sigmoid; parameters w[p], b):
 *     f(w, b) = C · Σ_i s_i · log(1 + exp(−y±_i (x_i·w + b))) + R(w)
 * Multinomial (K ≥ 3 classes, softmax, scikit-learn's multi_class="multinomial"; parameters W[K×p], b[K]):
 *     f(W, b) = C · Σ_i s_i · (−log softmax(W x_i + b)[y_i]) + R(W)     (every class has its own row of W:
 *     no reference class, exactly as scikit-learn's lbfgs parametrizes it)
 * R = ½‖w‖² (L2, default), ‖w‖₁ (L1) or 0 (none). The intercept is never penalized. s_i are per-row weights
 * (class weights multiplied in by the caller; see as__class_weight_balanced). Without a penalty C only scales
 * the loss (same minimizer): any value is accepted there, and one that is not a positive number counts as 1.
 * The multinomial loss sees only differences between classes, so where nothing else pins them the solution is
 * the one scikit-learn reaches from 0: the intercepts sum to 0 over the classes, and without a penalty every
 * column of W does too. Under L1 with K even the optimum can be a segment along "coefficient j of every class
 * + t"; the point with the smallest ‖W_:j‖₂ is returned (scikit-learn's saga stops at some point of it).
 *
 * Solvers (as_logreg_params.solver; info->solver reports the path that finished):
 *   AUTO, TRON, NEWTON_CHOLESKY — the Newton family:
 *     binary L2/none: exact-Hessian Newton–Cholesky for small d, LIBLINEAR's trust-region Newton (TRON,
 *       conjugate-gradient steps with Hessian–vector products) for large d; AUTO chooses (see logreg.c);
 *     multinomial L2/none: TRON on the K·d unknowns, whichever of the three is asked for (reported TRON);
 *     L1, binary and multinomial: proximal Newton (newGLMNET: the quadratic model on the exact Hessian solved by
 *       coordinate descent), reported NEWTON_CHOLESKY; above 1024 unknowns (d, resp. K·d) the exact Hessian is not
 *       formed and OWL-QN runs instead, reported LBFGS.
 *   LBFGS: limited-memory quasi-Newton (lbfgs_memory pairs) with the Moré–Thuente line search (strong Wolfe);
 *     for L1, OWL-QN (orthant-wise L-BFGS, exact zeros).
 * Every path reaches the same optimum (tests/unit/test_logreg.c checks they agree to 1e-7).
 * Stopping: ‖∇f‖ ≤ tol · ‖∇f(w₀)‖ at the start w₀ = 0 (L1: the norm of the minimum-norm subgradient), or
 * max_iter, or when the remaining decrease is below what double precision resolves (then converged = 0).
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
    int lbfgs_memory;          /* L-BFGS correction pairs (default 10, scikit-learn's maxcor; 0 = 10) */
} as_logreg_params;
/* C = 1, tol = 1e-8, max_iter = 200, intercept, auto, L2, lbfgs_memory 10. */
as_logreg_params as__logreg_params_default(void);

typedef struct as_logreg_info {
    int iterations;
    int converged;
    double grad_norm;          /* final ‖∇f‖ (L1: minimum-norm subgradient) */
    double objective;
    int quasi_separated;       /* weights grew large while the loss went to ~0: (quasi-)separation. Set when the fit
                                  puts every row of positive weight strictly on its own class's side (certified
                                  separability), and without a penalty also when some row's fitted probability of
                                  its own class rounds to 1 (the weights are running off, see logreg.c). With
                                  certified separation and no penalty no minimizer exists: converged is then 0,
                                  and the (finite) weights are where the gradient test or max_iter stopped */
    int hessian_products;      /* conjugate-gradient steps, each one pass over the data (TRON only) */
    int solver;                /* the path that finished: as_solver (never AUTO) */
    int hessian_formations;    /* Newton–Cholesky / proximal Newton: full Hessians formed (one pass plus ~n·d² flops
                                  each; multinomial ~n·d²·K(K+1)/2) */
    int function_evaluations;  /* loss+gradient passes over the data, the first one at w₀ included */
    size_t nonzero;            /* coefficients (intercepts excluded) that are not exactly 0 */
} as_logreg_info;

/* Binary. X is n × p; y holds 0/1; sw holds per-row weights or is NULL (all 1). On success w[0..p) holds the
 * coefficients and *intercept the intercept. Non-convergence is not an error: info->converged says it.
 * AS_ERR_INVALID for a bad parameter (C ≤ 0 with a penalty, unknown solver/penalty, tol < 0, max_iter < 0,
 * lbfgs_memory outside 0..1000) or label/weight, AS_ERR_NODATA without rows (of positive weight) or, with an
 * intercept, with only one class, AS_ERR_NUMERIC on NaN/Inf in the data, AS_ERR_NOMEM. */
as_status as__logreg_fit(const double *X, size_t n, size_t p, const double *y, const double *sw,
                         const as_logreg_params *params, double *w, double *intercept, as_logreg_info *info,
                         as_error *err);
/* prob[i] = σ(x_i·w + b). */
void as__logreg_predict(const double *X, size_t n, size_t p, const double *w, double intercept, double *prob);

/* Multinomial over K ≥ 3 classes: cls[i] ∈ [0, K). W is K × p row-major (class k's coefficients at W[k*p]),
 * b has K entries (0 without an intercept). Same parameters, info and errors as the binary fit; also
 * AS_ERR_INVALID for K < 3 or a class code out of range, AS_ERR_NODATA when, with an intercept, a class has no
 * row of positive weight (its intercept would run off to −∞). */
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
