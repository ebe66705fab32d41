/*
 * lbfgs — limited-memory BFGS with the Moré–Thuente line search, and OWL-QN (orthant-wise L-BFGS, Andrew & Gao,
 * ICML 2007) for an added weighted L1 term. Written from the papers (Nocedal 1980; Moré & Thuente, ACM TOMS 20,
 * 1994 — the MINPACK-2 dcsrch/dcstep logic; Andrew & Gao).
 *
 * Minimizes F(x) = f(x) + Σ_j l1_j |x_j| where the smooth part f is known only through trial evaluations from
 * the current point: trial(x, step) returns f(x + step) − f(x) and the gradient of f at x + step. Returning the
 * change rather than the value lets the caller compute it row by row with full relative accuracy (see logreg.c):
 * near the optimum of a sum over a million rows the change is far below the rounding error of f itself, and a
 * line search fed with differenced values would fail long before a tight gradient tolerance is reached.
 */
#ifndef AS_ML_LBFGS_H
#define AS_ML_LBFGS_H

#include <stddef.h>

#include "core/core.h"

typedef struct as_lbfgs_fun {
    size_t d;   /* unknowns */
    void *ctx;
    /* f(x + step) − f(x) and ∇f(x + step) into g. The evaluated point becomes the caller's "trial" point; a
     * non-finite return (overflow) rejects it. */
    double (*trial)(void *ctx, const double *x, const double *step, double *g);
    /* The last trial point becomes the current one (the minimizer then sets x += step itself). */
    void (*accept)(void *ctx);
} as_lbfgs_fun;

typedef struct as_lbfgs_opts {
    int m;               /* correction pairs kept */
    int max_iter;        /* iterations (each one line search) */
    double tol;          /* stop when ‖∇F‖ ≤ tol · gnorm0 (L1: the minimum-norm subgradient) */
    double gnorm0;       /* the reference norm; ≤ 0: the norm at the starting point */
    const double *l1;    /* per-coordinate L1 weights (≥ 0), or NULL for plain L-BFGS */
    /* Optional: after each accepted step, moves x along directions where f is exactly constant (its value and
     * gradient unchanged, the caller's state still valid) to where the L1 term is smallest. NULL: none. */
    void (*flat_move)(void *ctx, double *x);
} as_lbfgs_opts;

typedef struct as_lbfgs_result {
    int iterations;
    int evaluations;     /* trial evaluations (each one pass over the data for logistic regression) */
    int converged;       /* the gradient test was met (0: max_iter, or the line search found no decrease) */
    double gnorm;        /* final ‖∇F‖ (minimum-norm subgradient under L1) */
    double fchange;      /* F(x_end) − F(x_start), accumulated from the accurate changes */
} as_lbfgs_result;

/* The minimum-norm subgradient of f + Σ l1_j|x_j| (the pseudo-gradient of OWL-QN) into pg; returns its norm.
 * l1 = NULL: pg = g. */
double as__lbfgs_pseudo_gradient(const double *x, const double *g, const double *l1, size_t d, double *pg);

/* Minimizes from x, whose smooth gradient is g (both updated in place; the caller's state must describe x).
 * AS_ERR_NOMEM when the workspace cannot be allocated; not converging is not an error (res->converged). */
as_status as__lbfgs_minimize(const as_lbfgs_fun *fn, double *x, double *g, const as_lbfgs_opts *opts,
                             as_lbfgs_result *res, as_error *err);

#endif
