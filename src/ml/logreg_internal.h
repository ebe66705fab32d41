/*
 * logreg_internal — what the logistic-regression files (logreg.c binary, logreg_multi.c multinomial,
 * logreg_l1.c proximal Newton) share. Not part of the logreg contract (logreg.h).
 */
#ifndef AS_ML_LOGREG_INTERNAL_H
#define AS_ML_LOGREG_INTERNAL_H

#include <math.h>

#include "ml/lbfgs.h"
#include "ml/logreg.h"

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

/* Number of coefficients that are not exactly 0. */
size_t as__lr_nonzero(const double *w, size_t count);

#endif
