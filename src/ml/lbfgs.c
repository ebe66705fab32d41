/* L-BFGS with the Moré–Thuente line search, OWL-QN for L1 (see lbfgs.h). Written from the papers:
 *   J. Nocedal, "Updating quasi-Newton matrices with limited storage", Math. Comp. 35 (1980) — the two-loop
 *   recursion; J. J. Moré & D. J. Thuente, "Line search algorithms with guaranteed sufficient decrease",
 *   ACM TOMS 20 (1994) — the step selection of MINPACK-2's dcsrch/dcstep, kept in its structure so it can be
 *   checked against the paper; G. Andrew & J. Gao, "Scalable training of L1-regularized log-linear models",
 *   ICML 2007 — OWL-QN. */
#include "ml/lbfgs.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "ml/logreg_internal.h"   /* as__lr_vdot, as__lr_next_iteration */

/* Line-search constants: sufficient decrease (Armijo) and curvature (strong Wolfe) as L-BFGS-B's
 * (ftol 1e-3 there; 1e-4 is the textbook value and the one scikit-learn's other solvers use), the relative
 * interval width below which Moré–Thuente gives up refining, and the evaluation budgets (scikit-learn: maxls 20). */
#define LS_FTOL 1e-4
#define LS_GTOL 0.9
#define LS_XTOL 0.1
#define LS_STPMAX 1e10
#define LS_MAX_EVAL 20
/* OWL-QN backtracks (Andrew & Gao): halving, with more room since a projected step may need many halvings
 * before the orthant constraint stops cutting it. */
#define OWL_MAX_EVAL 40

double as__lbfgs_pseudo_gradient(const double *x, const double *g, const double *l1, size_t d, double *pg) {
    double s = 0;
    for (size_t j = 0; j < d; j++) {
        double v = g[j], lam = l1 ? l1[j] : 0.0;
        if (lam > 0) {
            if (x[j] > 0) v = g[j] + lam;
            else if (x[j] < 0) v = g[j] - lam;
            else if (g[j] + lam < 0) v = g[j] + lam;   /* moving up decreases F */
            else if (g[j] - lam > 0) v = g[j] - lam;   /* moving down decreases F */
            else v = 0;                                /* 0 is in the subdifferential: optimal in this coordinate */
        }
        pg[j] = v;
        s += v * v;
    }
    return sqrt(s);
}

/* ---- Moré–Thuente (MINPACK-2 dcsrch/dcstep) on φ(α) = F(x + α d) − F(x), φ'(α) = ∇F·d ---- */

typedef struct mt_state {
    int brackt, stage;
    double ginit, gtest, width, width1;
    double stx, fx, gx, sty, fy, gy, stmin, stmax;
} mt_state;

enum { MT_EVAL, MT_CONVERGED, MT_WARNING };

/* dcstep: a safeguarded cubic / quadratic step from the interval ends (stx, fx, dx), (sty, fy, dy) and the
 * current point (stp, fp, dp); updates the interval and returns the new trial step in *stp. */
static void mt_step(double *stx, double *fx, double *dx, double *sty, double *fy, double *dy, double *stp, double fp,
                    double dp, int *brackt, double stpmin, double stpmax) {
    double sgnd = dp * (*dx / fabs(*dx));
    double stpf, stpc, stpq, theta, s, gamma, p, q, r;
    if (fp > *fx) {
        /* higher function value: the minimum is bracketed; cubic if it is closer to stx, else the average */
        theta = 3 * (*fx - fp) / (*stp - *stx) + *dx + dp;
        s = fmax(fmax(fabs(theta), fabs(*dx)), fabs(dp));
        gamma = s * sqrt((theta / s) * (theta / s) - (*dx / s) * (dp / s));
        if (*stp < *stx) gamma = -gamma;
        p = (gamma - *dx) + theta;
        q = ((gamma - *dx) + gamma) + dp;
        r = p / q;
        stpc = *stx + r * (*stp - *stx);
        stpq = *stx + ((*dx / ((*fx - fp) / (*stp - *stx) + *dx)) / 2) * (*stp - *stx);
        stpf = fabs(stpc - *stx) < fabs(stpq - *stx) ? stpc : stpc + (stpq - stpc) / 2;
        *brackt = 1;
    } else if (sgnd < 0) {
        /* lower value, derivatives of opposite sign: bracketed; the step farther from stp */
        theta = 3 * (*fx - fp) / (*stp - *stx) + *dx + dp;
        s = fmax(fmax(fabs(theta), fabs(*dx)), fabs(dp));
        gamma = s * sqrt((theta / s) * (theta / s) - (*dx / s) * (dp / s));
        if (*stp > *stx) gamma = -gamma;
        p = (gamma - dp) + theta;
        q = ((gamma - dp) + gamma) + *dx;
        r = p / q;
        stpc = *stp + r * (*stx - *stp);
        stpq = *stp + (dp / (dp - *dx)) * (*stx - *stp);
        stpf = fabs(stpc - *stp) > fabs(stpq - *stp) ? stpc : stpq;
        *brackt = 1;
    } else if (fabs(dp) < fabs(*dx)) {
        /* lower value, same sign, derivative decreasing in size: the cubic may not have a minimizer */
        theta = 3 * (*fx - fp) / (*stp - *stx) + *dx + dp;
        s = fmax(fmax(fabs(theta), fabs(*dx)), fabs(dp));
        gamma = s * sqrt(fmax(0.0, (theta / s) * (theta / s) - (*dx / s) * (dp / s)));
        if (*stp > *stx) gamma = -gamma;
        p = (gamma - dp) + theta;
        q = (gamma + (*dx - dp)) + gamma;
        r = p / q;
        if (r < 0 && gamma != 0) stpc = *stp + r * (*stx - *stp);
        else if (*stp > *stx) stpc = stpmax;
        else stpc = stpmin;
        stpq = *stp + (dp / (dp - *dx)) * (*stx - *stp);
        if (*brackt) {
            stpf = fabs(stpc - *stp) < fabs(stpq - *stp) ? stpc : stpq;
            if (*stp > *stx) stpf = fmin(*stp + 0.66 * (*sty - *stp), stpf);
            else stpf = fmax(*stp + 0.66 * (*sty - *stp), stpf);
        } else {
            stpf = fabs(stpc - *stp) > fabs(stpq - *stp) ? stpc : stpq;
            stpf = fmax(stpmin, fmin(stpmax, stpf));
        }
    } else {
        /* lower value, same sign, derivative not decreasing: step to the far end or the cubic inside the bracket */
        if (*brackt) {
            theta = 3 * (fp - *fy) / (*sty - *stp) + *dy + dp;
            s = fmax(fmax(fabs(theta), fabs(*dy)), fabs(dp));
            gamma = s * sqrt((theta / s) * (theta / s) - (*dy / s) * (dp / s));
            if (*stp > *sty) gamma = -gamma;
            p = (gamma - dp) + theta;
            q = ((gamma - dp) + gamma) + *dy;
            r = p / q;
            stpc = *stp + r * (*sty - *stp);
            stpf = stpc;
        } else stpf = *stp > *stx ? stpmax : stpmin;
    }
    if (fp > *fx) {
        *sty = *stp, *fy = fp, *dy = dp;
    } else {
        if (sgnd < 0) *sty = *stx, *fy = *fx, *dy = *dx;
        *stx = *stp, *fx = fp, *dx = dp;
    }
    *stp = stpf;
}

static void mt_init(mt_state *s, double stp, double ginit) {
    s->brackt = 0;
    s->stage = 1;
    s->ginit = ginit;
    s->gtest = LS_FTOL * ginit;
    s->width = LS_STPMAX;
    s->width1 = 2 * LS_STPMAX;
    s->stx = 0, s->fx = 0, s->gx = ginit;   /* φ(0) = 0: the function is the change from x */
    s->sty = 0, s->fy = 0, s->gy = ginit;
    s->stmin = 0;
    s->stmax = stp + 4 * stp;
}

/* dcsrch after an evaluation φ(stp) = f, φ'(stp) = g: MT_CONVERGED (strong Wolfe holds at stp), MT_WARNING
 * (rounding or the interval limits leave nothing to refine; stp is the last evaluated point) or MT_EVAL with the
 * next step in *stp. */
static int mt_next(mt_state *s, double *stp, double f, double g) {
    double ftest = *stp * s->gtest;
    if (s->stage == 1 && f <= ftest && g >= 0) s->stage = 2;
    if (f <= ftest && fabs(g) <= LS_GTOL * (-s->ginit)) return MT_CONVERGED;   /* dcsrch: overrides warnings */
    if (s->brackt && (*stp <= s->stmin || *stp >= s->stmax)) return MT_WARNING;
    if (s->brackt && s->stmax - s->stmin <= LS_XTOL * s->stmax) return MT_WARNING;
    if (*stp == LS_STPMAX && f <= ftest && g <= s->gtest) return MT_WARNING;
    if (s->stage == 1 && f <= s->fx && f > ftest) {
        /* the modified function ψ(α) = φ(α) − ftol·α·φ'(0) while no point of sufficient decrease is known */
        double fm = f - *stp * s->gtest, fxm = s->fx - s->stx * s->gtest, fym = s->fy - s->sty * s->gtest;
        double gm = g - s->gtest, gxm = s->gx - s->gtest, gym = s->gy - s->gtest;
        mt_step(&s->stx, &fxm, &gxm, &s->sty, &fym, &gym, stp, fm, gm, &s->brackt, s->stmin, s->stmax);
        s->fx = fxm + s->stx * s->gtest, s->fy = fym + s->sty * s->gtest;
        s->gx = gxm + s->gtest, s->gy = gym + s->gtest;
    } else {
        mt_step(&s->stx, &s->fx, &s->gx, &s->sty, &s->fy, &s->gy, stp, f, g, &s->brackt, s->stmin, s->stmax);
    }
    if (s->brackt) {
        /* force a sufficient shrink of the bracket (bisection when two steps did not halve it) */
        if (fabs(s->sty - s->stx) >= 0.66 * s->width1) *stp = s->stx + 0.5 * (s->sty - s->stx);
        s->width1 = s->width;
        s->width = fabs(s->sty - s->stx);
        s->stmin = fmin(s->stx, s->sty);
        s->stmax = fmax(s->stx, s->sty);
    } else {
        s->stmin = *stp + 1.1 * (*stp - s->stx);
        s->stmax = *stp + 4.0 * (*stp - s->stx);
    }
    *stp = fmax(*stp, 0.0);
    *stp = fmin(*stp, LS_STPMAX);
    if (s->brackt && (*stp <= s->stmin || *stp >= s->stmax || s->stmax - s->stmin <= LS_XTOL * s->stmax))
        *stp = s->stx;   /* no progress possible: the best point so far */
    return MT_EVAL;
}

/* ---- the minimizer ---- */

typedef struct lb_ws {
    const as_lbfgs_fun *fn;
    const double *l1;
    size_t d;
    double *x, *g;          /* current point and smooth gradient (the caller's arrays) */
    double *dir, *step, *gn, *pg;
    int evals;
} lb_ws;

/* Evaluates x + stp·dir (under L1 projected onto the orthant OWL-QN chose): returns F's change, and the smooth
 * gradient there in gn. */
static double ls_eval(lb_ws *W, double stp) {
    const size_t d = W->d;
    double dl1 = 0;
    for (size_t j = 0; j < d; j++) {
        double t = W->x[j] + stp * W->dir[j];
        double lam = W->l1 ? W->l1[j] : 0.0;
        if (lam > 0) {
            /* OWL-QN's projection: a coordinate may not leave the orthant it is in (or, at 0, the one the
             * pseudo-gradient points into); crossing stops at exactly 0, which is how zeros are produced */
            double xi = W->x[j] != 0 ? W->x[j] : -W->pg[j];
            if ((xi > 0 && t < 0) || (xi < 0 && t > 0) || xi == 0) t = 0;
            dl1 += lam * (fabs(t) - fabs(W->x[j]));
        }
        W->step[j] = t - W->x[j];
    }
    W->evals++;
    return W->fn->trial(W->fn->ctx, W->x, W->step, W->gn) + dl1;
}

/* Moré–Thuente along dir (no L1). Returns 1 with the accepted point's change in *df (the trial point in the
 * caller's state is the accepted one), 0 when no decrease was found. */
static int line_search_mt(lb_ws *W, double stp, double dg0, double *df) {
    mt_state s;
    mt_init(&s, stp, dg0);
    double cap = LS_STPMAX, f = 0, at = stp;
    for (int k = 0; k < LS_MAX_EVAL; k++) {
        at = stp;
        f = ls_eval(W, stp);
        double g = as__lr_vdot(W->gn, W->dir, W->d);
        if (!isfinite(f) || !isfinite(g)) {
            /* overflow far out along dir: never go that far again, retreat towards the best point */
            cap = stp;
            stp = s.stx + 0.1 * (stp - s.stx);
            f = INFINITY;
            continue;
        }
        int r = mt_next(&s, &stp, f, g);
        if (r == MT_CONVERGED) {
            *df = f;
            return 1;
        }
        if (r == MT_WARNING) {
            *df = f;
            return f < 0;   /* nothing more to refine: take it if it decreased F at all */
        }
        if (stp >= cap) stp = s.stx + 0.5 * (cap - s.stx);
    }
    /* budget spent: the last evaluated point (the one the caller's state holds) if it decreased F enough */
    *df = f;
    return isfinite(f) && f < 0 && f <= LS_FTOL * at * dg0;
}

/* OWL-QN's backtracking: halve until F(x') ≤ F(x) + c1 · pgᵀ(x' − x) (Andrew & Gao's Armijo condition with the
 * pseudo-gradient). Returns 1 with the change in *df, 0 when no decrease was found. */
static int line_search_owl(lb_ws *W, double stp, double *df) {
    const size_t d = W->d;
    for (int k = 0; k < OWL_MAX_EVAL; k++, stp *= 0.5) {
        double f = ls_eval(W, stp);
        double slope = as__lr_vdot(W->pg, W->step, d);
        int moved = 0;
        for (size_t j = 0; j < d && !moved; j++) moved = W->step[j] != 0;
        if (!moved) return 0;   /* the projection cut the whole step: no progress in this direction */
        if (isfinite(f) && f <= LS_FTOL * slope && slope < 0) {
            *df = f;
            return 1;
        }
    }
    return 0;
}

as_status as__lbfgs_minimize(const as_lbfgs_fun *fn, double *x, double *g, const as_lbfgs_opts *o,
                             as_lbfgs_result *res, as_error *err) {
    const size_t d = fn->d;
    const size_t m = (size_t)(o->m > 0 ? o->m : 10);
    memset(res, 0, sizeof *res);
    if (d > SIZE_MAX / sizeof(double) / (2 * m + 6))
        return as__err(err, AS_ERR_NOMEM, "L-BFGS: problem too large (%zu unknowns)", d);
    double *mem = as__malloc(((2 * m + 4) * (d ? d : 1) + 2 * m) * sizeof(double));
    if (!mem) return as__err(err, AS_ERR_NOMEM, "out of memory for L-BFGS (%zu unknowns, %zu pairs)", d, m);
    double *S = mem, *Y = S + m * d, *rho = Y + m * d, *alpha = rho + m;
    lb_ws W = {fn, o->l1, d, x, g, alpha + m, NULL, NULL, NULL, 0};
    W.step = W.dir + d, W.gn = W.step + d, W.pg = W.gn + d;

    double gnorm = as__lbfgs_pseudo_gradient(x, g, o->l1, d, W.pg);
    const double gnorm0 = o->gnorm0 > 0 ? o->gnorm0 : gnorm;
    size_t npairs = 0, head = 0;   /* pairs in S, Y: the oldest at head, the newest at head + npairs − 1 (mod m) */
    int retried = 0;
    while (as__lr_next_iteration(gnorm, gnorm0, o->tol, o->max_iter, &res->iterations, &res->converged)) {
        /* two-loop recursion: dir = −H pg, H the L-BFGS inverse Hessian with the usual scaling sᵀy / yᵀy */
        for (size_t j = 0; j < d; j++) W.dir[j] = -W.pg[j];
        for (size_t k = npairs; k-- > 0;) {
            size_t i = (head + k) % m;
            alpha[i] = rho[i] * as__lr_vdot(S + i * d, W.dir, d);
            for (size_t j = 0; j < d; j++) W.dir[j] -= alpha[i] * Y[i * d + j];
        }
        if (npairs) {
            size_t i = (head + npairs - 1) % m;
            double gam = as__lr_vdot(S + i * d, Y + i * d, d) / as__lr_vdot(Y + i * d, Y + i * d, d);
            for (size_t j = 0; j < d; j++) W.dir[j] *= gam;
        }
        for (size_t k = 0; k < npairs; k++) {
            size_t i = (head + k) % m;
            double beta = rho[i] * as__lr_vdot(Y + i * d, W.dir, d);
            for (size_t j = 0; j < d; j++) W.dir[j] += (alpha[i] - beta) * S[i * d + j];
        }
        /* OWL-QN: a penalized coordinate at 0 may only leave it in the direction −pg chooses (with a zero
         * pseudo-gradient it stays), so that pgᵀdir is F's directional derivative. Andrew & Gao constrain every
         * coordinate so; off 0, though, F is differentiable in that coordinate and pg_j is its derivative, so
         * the quasi-Newton component can be kept (Gong & Ye, "A modified orthant-wise limited memory
         * quasi-Newton method with convergence analysis", ICML 2015). Keeping them matters: on a nearly
         * separable L1 fit the full constraint zeroed one of two coefficients growing together at every other
         * step, and OWL-QN crawled (300 iterations, still 25 % above the optimum; 44 with this rule). A direction that
         * is then no descent direction falls back to −pg below. */
        if (o->l1)
            for (size_t j = 0; j < d; j++)
                if (o->l1[j] > 0 && x[j] == 0 && W.dir[j] * W.pg[j] >= 0) W.dir[j] = 0;
        double dg = as__lr_vdot(W.dir, W.pg, d);
        if (!(dg < 0)) {
            /* the quasi-Newton direction is no descent direction (lost to rounding): restart from −pg */
            if (npairs == 0) break;
            npairs = 0;
            res->iterations--;
            continue;
        }
        /* first step of a fresh memory: unit length, as L-BFGS-B; afterwards the quasi-Newton step itself */
        double stp = npairs ? 1.0 : fmin(1.0 / sqrt(as__lr_vdot(W.dir, W.dir, d)), LS_STPMAX);
        double df = 0;
        int ok = o->l1 ? line_search_owl(&W, stp, &df) : line_search_mt(&W, stp, dg, &df);
        if (!ok) {
            /* L-BFGS-B's remedy: forget the pairs and try steepest descent once; if that fails too, the
             * changes left are below what the evaluations can resolve */
            if (npairs == 0 || retried) break;
            npairs = 0;
            retried = 1;
            res->iterations--;
            continue;
        }
        retried = 0;
        fn->accept(fn->ctx);
        double ys = 0, yy = 0;
        for (size_t j = 0; j < d; j++) {
            double yj = W.gn[j] - g[j];
            ys += W.step[j] * yj;
            yy += yj * yj;
        }
        /* keep the pair only with positive curvature (always so for a convex f, up to rounding); a full memory
         * drops its oldest pair */
        if (ys > DBL_EPSILON * yy && yy > 0) {
            size_t slot = npairs < m ? (head + npairs) % m : head;
            for (size_t j = 0; j < d; j++) S[slot * d + j] = W.step[j], Y[slot * d + j] = W.gn[j] - g[j];
            rho[slot] = 1.0 / ys;
            if (npairs < m) npairs++;
            else head = (head + 1) % m;
        }
        for (size_t j = 0; j < d; j++) x[j] += W.step[j], g[j] = W.gn[j];
        res->fchange += df;
        if (o->flat_move) o->flat_move(fn->ctx, x);
        gnorm = as__lbfgs_pseudo_gradient(x, g, o->l1, d, W.pg);
        if (!isfinite(gnorm)) break;
    }
    res->gnorm = gnorm;
    res->evaluations = W.evals;
    as__free(mem);
    return AS_OK;
}
