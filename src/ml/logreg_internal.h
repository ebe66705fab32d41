/*
 * logreg_internal — what the logistic-regression files (logreg.c binary, logreg_multi.c multinomial,
 * logreg_l1.c proximal Newton, lbfgs.c L-BFGS / OWL-QN) share. Not part of the logreg contract (logreg.h).
 */
#ifndef AS_ML_LOGREG_INTERNAL_H
#define AS_ML_LOGREG_INTERNAL_H

#include <math.h>

#include "ml/lbfgs.h"
#include "ml/logreg.h"
#include "ml/pool.h"

/* −log(ε): a row whose margin (binary) or score gap (multinomial) exceeds this has a fitted probability of its
 * own label that rounds to 1; without a penalty, weights that put rows there are running off along a
 * separating direction (see quasi_separated). */
#define AS_LR_SATURATED 36.04365338911715

/* Validates params (NULL: the defaults) into *out: C > 0 and finite (without a penalty C only scales the loss,
 * and a value that is not a positive number counts as 1), tol ≥ 0, max_iter ≥ 0, known solver and penalty,
 * lbfgs_memory ≥ 0 (0: the default 10). AS_ERR_INVALID with a message naming the parameter. */
as_status as__lr_check_params(const as_logreg_params *params, as_logreg_params *out, as_error *err);

/* Proximal Newton for F(x) = f(x) + Σ_j l1_j |x_j| (newGLMNET; logreg_l1.c). fn->trial must also form the
 * Hessian of f at the trial point (so res->evaluations counts formations); after fn->accept, hessian(ctx)
 * returns the current point's Hessian (d × d, column-major, the upper triangle filled; the solver overwrites the
 * strict lower triangle). x, g: the current point and ∇f there (updated). Uses opts' max_iter, tol, gnorm0.
 * shift (or NULL): groups of coordinates along whose common shift f is flat (the multinomial loss: coefficient j
 * of every class); the coordinate descent then also takes the exact minimizing shift of each group, which it
 * would otherwise approach only by zig-zagging. */
typedef struct as_lr_shift {
    size_t groups, size, stride;   /* group j: coordinates j + k·stride, k < size (equal L1 weights) */
} as_lr_shift;
as_status as__lr_prox_newton(const as_lbfgs_fun *fn, double *(*hessian)(void *ctx), double *x, double *g,
                             const double *l1, const as_lr_shift *shift, const as_lbfgs_opts *opts,
                             as_lbfgs_result *res, as_error *err);

/* expm1 and log1p for the per-row loss changes (logreg.c trial_pass). Near the optimum every argument is tiny,
 * and there a few Taylor terms are exact to well below an ulp (|x| ≤ 1e-3: the first term left out is below
 * x⁷/7 relative to x, < 1.5e-19) and cost a fraction of the libm calls, which otherwise take as long per row
 * as reading the row. */
static inline double as__lr_expm1(double x) {
    if (fabs(x) > 1e-3) return expm1(x);
    return x * (1 + x * (1.0 / 2 + x * (1.0 / 6 + x * (1.0 / 24 + x * (1.0 / 120 + x * (1.0 / 720))))));
}
static inline double as__lr_log1p(double x) {
    if (fabs(x) > 1e-3) return log1p(x);
    return x * (1 - x * (1.0 / 2 - x * (1.0 / 3 - x * (1.0 / 4 - x * (1.0 / 5 - x * (1.0 / 6))))));
}

/* TRON's constants (Lin, Weng & Keerthi 2008; the preconditioner of Hsia, Chiang & Lin), for logreg.c's and
 * logreg_multi.c's tron_solve: η0, η1, η2 and the σ's bounding the radius update; CG stops when ‖r‖ ≤ η ‖∇f‖ with
 * η ≤ XI (the paper's forcing term); mixed preconditioner M = (1 − α) I + α diag(H) (α = 0.01 there). */
#define AS_LR_ETA0 1e-4
#define AS_LR_ETA1 0.25
#define AS_LR_ETA2 0.75
#define AS_LR_SIGMA1 0.25
#define AS_LR_SIGMA2 0.5
#define AS_LR_SIGMA3 4.0
#define AS_LR_XI 0.1
#define AS_LR_PRECOND_ALPHA 0.01

/* The outer test of every solver loop here (TRON, Newton–Cholesky, L-BFGS / OWL-QN, proximal Newton): returns 0
 * when ‖∇f‖ ≤ tol · ‖∇f(start)‖ (and sets *converged = 1) or when max_iter iterations are done; else counts the
 * iteration about to run on *iterations and returns 1. */
static inline int as__lr_next_iteration(double gnorm, double gnorm0, double tol, int max_iter, int *iterations,
                                        int *converged) {
    if (gnorm <= tol * gnorm0) {
        *converged = 1;
        return 0;
    }
    if (*iterations >= max_iter) return 0;
    (*iterations)++;
    return 1;
}

/* TRON's new trust-region radius after a trial step s (finite actual and predicted reductions actred, prered;
 * gs = gᵀs, snorm = ‖s‖_M): α minimizes the quadratic through f(v), the slope gᵀs and f(v + s) along s (Lin &
 * Moré); it proposes the radius α‖s‖, clamped by the ratio-dependent bounds of the paper. */
static inline double as__lr_tron_radius(double delta, double snorm, double gs, double actred, double prered) {
    double curv = -actred - gs;
    double alpha = curv <= 0 ? AS_LR_SIGMA3 : fmax(AS_LR_SIGMA1, -0.5 * gs / curv);
    if (actred < AS_LR_ETA0 * prered) return fmin(alpha * snorm, AS_LR_SIGMA2 * delta);
    if (actred < AS_LR_ETA1 * prered) return fmax(AS_LR_SIGMA1 * delta, fmin(alpha * snorm, AS_LR_SIGMA2 * delta));
    if (actred < AS_LR_ETA2 * prered) return fmax(AS_LR_SIGMA1 * delta, fmin(alpha * snorm, AS_LR_SIGMA3 * delta));
    return fmax(delta, fmin(alpha * snorm, AS_LR_SIGMA3 * delta));
}

/* aᵀb, summed in order. */
static inline double as__lr_vdot(const double *a, const double *b, size_t d) {
    double s = 0;
    for (size_t j = 0; j < d; j++) s += a[j] * b[j];
    return s;
}

/* ‖a + τ b‖_M = Δ for τ ≥ 0 (M diagonal), in the form that avoids cancellation (TRON's step to the trust-region
 * boundary). */
static inline double as__lr_boundary_step(const double *a, const double *b, const double *M, size_t d,
                                          double delta) {
    double ab = 0, bb = 0, aa = 0;
    for (size_t j = 0; j < d; j++) ab += M[j] * a[j] * b[j], bb += M[j] * b[j] * b[j], aa += M[j] * a[j] * a[j];
    double gap = delta * delta - aa;
    if (gap < 0) gap = 0;
    if (bb <= 0) return 0;
    double rad = sqrt(ab * ab + bb * gap);
    return ab >= 0 ? gap / (ab + rad) : (rad - ab) / bb;
}

static inline void as__lr_swap_ptr(double **a, double **b) {
    double *t = *a;
    *a = *b;
    *b = t;
}

/* Chunks of rows for the parallel passes (logreg.c's header): want chunks of a multiple of block rows, fewer when
 * n is small; *rows rows each (the last one may be shorter), *nck ≥ 1 of them. A function of its arguments only,
 * never of the number of threads, so that the chunks' partial sums, added in chunk order, are too. */
void as__lr_chunks(size_t n, size_t want, size_t block, size_t *nck, size_t *rows);
/* Threads for a fit whose passes read `cells` matrix entries: AS_THREADS when set (as__pool_threads_env), else
 * every online processor from AS_LR_THREAD_MIN_CELLS on and 1 below; never more than nck. */
#define AS_LR_THREAD_MIN_CELLS 262144.0
int as__lr_threads(double cells, size_t nck);

/* Number of coefficients that are not exactly 0. */
size_t as__lr_nonzero(const double *w, size_t count);

#endif
