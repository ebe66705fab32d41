/* L2-regularized binary logistic regression, scikit-learn's objective, solved by a trust-region Newton method
 * whose steps come from (preconditioned) conjugate gradients: TRON, as described by Lin, Weng & Keerthi,
 * "Trust region Newton method for large-scale logistic regression", JMLR 9 (2008), with the diagonal
 * preconditioner of Hsia, Chiang & Lin (ACML 2018). Written from the papers.
 *
 *   f(v) = C · Σ_i s_i · ℓ(y_i z_i) + ½ ‖w‖²,   z_i = x_i·w + b,   ℓ(m) = log(1 + e^{−m}),   v = (w, b)
 *
 * The intercept b is an extra coordinate of v without penalty. The Hessian H = R + C·X̃ᵀ D X̃ (R = identity
 * on w and 0 on b, X̃ = [X 1], D_i = s_i σ(m_i) σ(−m_i)) is then only positive semi-definite in the b
 * direction; CG never needs more: dᵀHd = ‖d_w‖² + C Σ D_i (x̃_i·d)² is 0 only when d_w = 0 and every D_i
 * underflowed, and that case is handled as a direction of zero curvature (step to the trust-region boundary).
 *
 * Cost model: every product streams X once, row by row (row-major), doing a dot product and an axpy on the
 * row while it is in L1: Hv = R v + C X̃ᵀ(D (X̃ v)) in one pass, and a trial point's margins, loss change,
 * gradient and Hessian diagonal in one pass. All buffers are allocated once before the loop. */
#include <math.h>
#include <string.h>

#include "ml/ml.h"

/* Trust-region constants from the paper (η0, η1, η2 and the σ's bounding the radius update). */
#define ETA0 1e-4
#define ETA1 0.25
#define ETA2 0.75
#define SIGMA1 0.25
#define SIGMA2 0.5
#define SIGMA3 4.0
/* CG stops when ‖r‖ ≤ η ‖∇f‖ with η ≤ XI (the paper's forcing term; see the loop for η). */
#define XI 0.1
/* Mixed preconditioner M = (1 − α) I + α diag(H) (Hsia et al.; α = 0.01 there). */
#define PRECOND_ALPHA 0.01
/* Rows per partial sum: sums over a few hundred rows are added into the total, so rounding error grows with
 * the number of blocks rather than the number of rows (near the optimum the gradient is a difference of two
 * large sums, and its tiny value is what the stopping test reads). */
#define RBLOCK 256

as_logreg_params as__logreg_params_default(void) {
    as_logreg_params p;
    p.C = 1.0;
    p.tol = 1e-8;
    p.max_iter = 200;
    p.fit_intercept = 1;
    return p;
}

typedef struct lr_ws {
    const double *X, *y, *sw;
    size_t n, p, d;              /* d = p + (intercept ? 1 : 0); the intercept is coordinate p */
    int icpt;
    double C;
    /* per row, at the current point and at the trial point (swapped on acceptance) */
    double *z, *q, *D;           /* z_i = x̃_i·v, q_i = σ(−y_i z_i) = 1 − P(label | x_i), D_i = s_i q_i (1 − q_i) */
    double *zt, *qt, *Dt;
    /* per coordinate */
    double *v, *g, *gt, *M, *Mt, *s, *r, *u, *dir, *Hd, *acc, *acc2;
} lr_ws;

static inline double dot(const double *restrict a, const double *restrict b, size_t p) {
    /* four independent sums: the additions pipeline instead of waiting on each other */
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t j = 0;
    for (; j + 4 <= p; j += 4) {
        s0 += a[j] * b[j];
        s1 += a[j + 1] * b[j + 1];
        s2 += a[j + 2] * b[j + 2];
        s3 += a[j + 3] * b[j + 3];
    }
    for (; j < p; j++) s0 += a[j] * b[j];
    return (s0 + s1) + (s2 + s3);
}

static inline void axpy(double a, const double *restrict x, double *restrict y, size_t p) {
    size_t j = 0;
    for (; j + 4 <= p; j += 4) {
        y[j] += a * x[j];
        y[j + 1] += a * x[j + 1];
        y[j + 2] += a * x[j + 2];
        y[j + 3] += a * x[j + 3];
    }
    for (; j < p; j++) y[j] += a * x[j];
}

/* y += a x and y2 += h x² in one sweep of the row (the gradient and the Hessian diagonal). */
static inline void axpy2(double a, double h, const double *restrict x, double *restrict y, double *restrict y2,
                         size_t p) {
    size_t j = 0;
    for (; j + 4 <= p; j += 4) {
        double x0 = x[j], x1 = x[j + 1], x2 = x[j + 2], x3 = x[j + 3];
        y[j] += a * x0;
        y[j + 1] += a * x1;
        y[j + 2] += a * x2;
        y[j + 3] += a * x3;
        y2[j] += h * x0 * x0;
        y2[j + 1] += h * x1 * x1;
        y2[j + 2] += h * x2 * x2;
        y2[j + 3] += h * x3 * x3;
    }
    for (; j < p; j++) y[j] += a * x[j], y2[j] += h * x[j] * x[j];
}

static double vdot(const double *a, const double *b, size_t d) {
    double s = 0;
    for (size_t j = 0; j < d; j++) s += a[j] * b[j];
    return s;
}

/* ℓ(m) = log(1 + e^{−m}) without overflow for large |m| and without losing the tiny value for large m. */
static inline double log1pexp_neg(double m) {
    return (m > 0 ? 0.0 : -m) + log1p(exp(-fabs(m)));
}

static inline double ysign(const lr_ws *L, size_t i) { return L->y[i] > 0.5 ? 1.0 : -1.0; }
static inline double weight(const lr_ws *L, size_t i) { return L->sw ? L->sw[i] : 1.0; }

/* One pass at the trial point v + step, given z, q at v:
 *   zt = z + X̃ step, qt, Dt at the trial point; gt = C X̃ᵀ(−y s qt) (data part of the gradient);
 *   Mt = C diag(X̃ᵀ Dt X̃) (data part of the Hessian diagonal); returns Σ_i s_i (ℓ(m'_i) − ℓ(m_i)).
 * The loss change is computed per row from the margin change δ = y_i (x̃_i·step) directly,
 * ℓ(m + δ) − ℓ(m) = log1p(σ(−m) · expm1(−δ)), which keeps full relative accuracy even when the change is
 * 1e-12 of the loss itself. Differencing two evaluations of f would leave only rounding noise there and the
 * trust-region ratio would stall well before a tight tolerance. */
static double trial_pass(lr_ws *L, const double *step) {
    const size_t n = L->n, p = L->p, d = L->d;
    const double sb = L->icpt ? step[p] : 0.0;
    double dloss = 0;
    memset(L->gt, 0, d * sizeof(double));
    memset(L->Mt, 0, d * sizeof(double));
    for (size_t i0 = 0; i0 < n; i0 += RBLOCK) {
        size_t i1 = n - i0 < RBLOCK ? n : i0 + RBLOCK;
        double bl = 0, bg = 0, bh = 0;
        memset(L->acc, 0, p * sizeof(double));
        memset(L->acc2, 0, p * sizeof(double));
        for (size_t i = i0; i < i1; i++) {
            const double *x = L->X + i * p;
            double s = weight(L, i), y = ysign(L, i);
            double dz = dot(x, step, p) + sb;
            double zt = L->z[i] + dz;
            double m = y * zt, delta = y * dz;
            double e = exp(-fabs(m));
            double qt = m >= 0 ? e / (1 + e) : 1 / (1 + e);
            double Dt = s * e / ((1 + e) * (1 + e));   /* σ(m)σ(−m), accurate on both tails */
            L->zt[i] = zt;
            L->qt[i] = qt;
            L->Dt[i] = Dt;
            if (s != 0) {
                double dl;
                if (fabs(delta) <= 1) dl = log1p(L->q[i] * expm1(-delta));   /* argument > −1 for |δ| ≤ 1 */
                else dl = log1pexp_neg(m) - log1pexp_neg(y * L->z[i]);       /* large change: no cancellation */
                bl += s * dl;
                double coef = -y * s * qt;
                axpy2(coef, Dt, x, L->acc, L->acc2, p);
                bg += coef;
                bh += Dt;
            }
        }
        for (size_t j = 0; j < p; j++) L->gt[j] += L->acc[j], L->Mt[j] += L->acc2[j];
        if (L->icpt) L->gt[p] += bg, L->Mt[p] += bh;
        dloss += bl;
    }
    for (size_t j = 0; j < d; j++) L->gt[j] *= L->C, L->Mt[j] *= L->C;
    return dloss;
}

/* out = H v = R v + C X̃ᵀ (D (X̃ v)), one pass over X. */
static void hess_vec(lr_ws *L, const double *vv, double *out) {
    const size_t n = L->n, p = L->p, d = L->d;
    const double vb = L->icpt ? vv[p] : 0.0;
    memset(out, 0, d * sizeof(double));
    for (size_t i0 = 0; i0 < n; i0 += RBLOCK) {
        size_t i1 = n - i0 < RBLOCK ? n : i0 + RBLOCK;
        double bb = 0;
        memset(L->acc, 0, p * sizeof(double));
        for (size_t i = i0; i < i1; i++) {
            double Di = L->D[i];
            if (Di == 0) continue;   /* saturated or zero-weight rows carry no curvature */
            const double *x = L->X + i * p;
            double t = Di * (dot(x, vv, p) + vb);
            axpy(t, x, L->acc, p);
            bb += t;
        }
        for (size_t j = 0; j < p; j++) out[j] += L->acc[j];
        if (L->icpt) out[p] += bb;
    }
    for (size_t j = 0; j < d; j++) out[j] *= L->C;
    for (size_t j = 0; j < p; j++) out[j] += vv[j];
}

/* ‖a + τ b‖_M = Δ for τ ≥ 0, in the form that avoids cancellation. */
static double boundary_step(const double *a, const double *b, const double *M, size_t d, double delta) {
    double ab = 0, bb = 0, aa = 0;
    for (size_t j = 0; j < d; j++) ab += M[j] * a[j] * b[j], bb += M[j] * b[j] * b[j], aa += M[j] * a[j] * a[j];
    double gap = delta * delta - aa;
    if (gap < 0) gap = 0;
    if (bb <= 0) return 0;
    double rad = sqrt(ab * ab + bb * gap);
    return ab >= 0 ? gap / (ab + rad) : (rad - ab) / bb;
}

/* Steihaug's truncated (preconditioned) CG on min gᵀs + ½ sᵀHs, ‖s‖_M ≤ Δ. Leaves s and the residual
 * r = −g − Hs; returns the number of Hessian-vector products. */
static int trcg(lr_ws *L, double delta, double cgtol, int *hit_boundary) {
    const size_t d = L->d;
    double *s = L->s, *r = L->r, *u = L->u, *dir = L->dir, *Hd = L->Hd;
    const double *M = L->M;
    *hit_boundary = 0;
    for (size_t j = 0; j < d; j++) {
        s[j] = 0;
        r[j] = -L->g[j];
        u[j] = r[j] / M[j];
        dir[j] = u[j];
    }
    double ru = vdot(r, u, d);
    int it = 0, max_it = (int)(2 * d + 20);   /* exact CG ends within d steps; rounding may need a few more */
    while (it < max_it) {
        if (sqrt(vdot(r, r, d)) <= cgtol) break;
        hess_vec(L, dir, Hd);
        it++;
        double dHd = vdot(dir, Hd, d);
        if (!(dHd > 0)) {
            /* zero (or rounding-negative) curvature along dir: the model decreases all the way to the boundary */
            double tau = boundary_step(s, dir, M, d, delta);
            for (size_t j = 0; j < d; j++) s[j] += tau * dir[j], r[j] -= tau * Hd[j];
            *hit_boundary = 1;
            break;
        }
        double alpha = ru / dHd;
        double snew2 = 0;
        for (size_t j = 0; j < d; j++) {
            double t = s[j] + alpha * dir[j];
            snew2 += M[j] * t * t;
        }
        if (snew2 > delta * delta) {
            double tau = boundary_step(s, dir, M, d, delta);
            for (size_t j = 0; j < d; j++) s[j] += tau * dir[j], r[j] -= tau * Hd[j];
            *hit_boundary = 1;
            break;
        }
        for (size_t j = 0; j < d; j++) s[j] += alpha * dir[j], r[j] -= alpha * Hd[j], u[j] = r[j] / M[j];
        double ru_new = vdot(r, u, d);
        double beta = ru_new / ru;
        ru = ru_new;
        for (size_t j = 0; j < d; j++) dir[j] = u[j] + beta * dir[j];
    }
    return it;
}

/* Completes a trial evaluation: adds the penalty to the gradient and Hessian diagonal at v + step and turns
 * Mt into the preconditioner. Returns the change of the penalty ½‖w + s_w‖² − ½‖w‖² = w·s_w + ½‖s_w‖². */
static double finish_trial(lr_ws *L, const double *step) {
    double dreg = 0;
    for (size_t j = 0; j < L->p; j++) {
        double wn = L->v[j] + step[j];
        L->gt[j] += wn;
        L->Mt[j] += 1.0;
        dreg += L->v[j] * step[j] + 0.5 * step[j] * step[j];
    }
    for (size_t j = 0; j < L->d; j++) {
        double m = (1 - PRECOND_ALPHA) + PRECOND_ALPHA * L->Mt[j];
        L->Mt[j] = m > 0 ? m : 1.0;
    }
    return dreg;
}

static void swap_ptr(double **a, double **b) {
    double *t = *a;
    *a = *b;
    *b = t;
}

as_status as__logreg_fit(const double *X, size_t n, size_t p, const double *y, const double *sw,
                         const as_logreg_params *params, double *w, double *intercept, as_logreg_info *info,
                         as_error *err) {
    as_logreg_params prm = params ? *params : as__logreg_params_default();
    as_logreg_info inf;
    memset(&inf, 0, sizeof inf);
    if (info) *info = inf;
    if (!(prm.C > 0) || !isfinite(prm.C))
        return as__err(err, AS_ERR_INVALID, "logistic regression: C must be a positive number, got %g", prm.C);
    if (!(prm.tol >= 0)) return as__err(err, AS_ERR_INVALID, "logistic regression: tol must be >= 0, got %g", prm.tol);
    if (prm.max_iter < 0)
        return as__err(err, AS_ERR_INVALID, "logistic regression: max_iter must be >= 0, got %d", prm.max_iter);
    if (n == 0) return as__err(err, AS_ERR_NODATA, "logistic regression: no training rows");

    size_t npos = 0, nneg = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 0 && y[i] != 1)
            return as__err(err, AS_ERR_INVALID, "logistic regression: label of row %zu is %g, expected 0 or 1", i,
                           y[i]);
        double s = sw ? sw[i] : 1.0;
        if (!(s >= 0) || !isfinite(s))
            return as__err(err, AS_ERR_INVALID, "logistic regression: weight of row %zu is %g, expected >= 0", i, s);
        if (s > 0) {
            if (y[i] == 1) npos++;
            else nneg++;
        }
    }
    if (npos + nneg == 0) return as__err(err, AS_ERR_NODATA, "logistic regression: every row has weight 0");
    if (prm.fit_intercept && (npos == 0 || nneg == 0))
        /* the unpenalized intercept would run off to ±∞ */
        return as__err(err, AS_ERR_NODATA,
                       "logistic regression: the training rows hold only one class (%zu positives, %zu negatives); "
                       "a model needs both", npos, nneg);

    lr_ws L;
    memset(&L, 0, sizeof L);
    L.X = X, L.y = y, L.sw = sw, L.n = n, L.p = p, L.icpt = prm.fit_intercept ? 1 : 0, L.C = prm.C;
    L.d = p + (size_t)L.icpt;
    const size_t d = L.d;
    if (n > SIZE_MAX / (6 * sizeof(double)) || d > SIZE_MAX / (14 * sizeof(double)))
        return as__err(err, AS_ERR_NOMEM, "logistic regression: problem too large (%zu x %zu)", n, p);
    double *rows = as__malloc(6 * n * sizeof(double));
    double *cols = as__malloc(14 * (d ? d : 1) * sizeof(double));
    if (!rows || !cols) {
        as__free(rows);
        as__free(cols);
        return as__err(err, AS_ERR_NOMEM, "out of memory fitting logistic regression on %zu x %zu", n, p);
    }
    L.z = rows, L.q = rows + n, L.D = rows + 2 * n, L.zt = rows + 3 * n, L.qt = rows + 4 * n, L.Dt = rows + 5 * n;
    double *c = cols;
    L.v = c, c += d;
    L.g = c, c += d;
    L.gt = c, c += d;
    L.M = c, c += d;
    L.Mt = c, c += d;
    L.s = c, c += d;
    L.r = c, c += d;
    L.u = c, c += d;
    L.dir = c, c += d;
    L.Hd = c, c += d;
    L.acc = c, c += d;
    L.acc2 = c, c += d;
    double *zero = c;   /* the zero step of the first evaluation */
    memset(cols, 0, 14 * (d ? d : 1) * sizeof(double));

    /* Start at v = 0: z = 0, q = σ(0) = ½. Evaluating the zero step fills the gradient and
     * preconditioner through the same code as every later point. */
    for (size_t i = 0; i < n; i++) L.z[i] = 0, L.q[i] = 0.5;
    trial_pass(&L, zero);
    finish_trial(&L, zero);
    swap_ptr(&L.z, &L.zt), swap_ptr(&L.q, &L.qt), swap_ptr(&L.D, &L.Dt);
    swap_ptr(&L.g, &L.gt), swap_ptr(&L.M, &L.Mt);

    as_status st = AS_OK;
    double gnorm = sqrt(vdot(L.g, L.g, d));
    double gnorm0 = gnorm;
    if (!isfinite(gnorm)) {
        st = as__err(err, AS_ERR_NUMERIC, "logistic regression: the features hold non-finite values (NaN or infinity)");
        goto done;
    }
    /* Initial radius ‖g‖ in the preconditioner's dual norm, i.e. ‖g‖ itself when M = I (the paper's Δ0). */
    double delta = 0;
    for (size_t j = 0; j < d; j++) delta += L.g[j] * L.g[j] / L.M[j];
    delta = sqrt(delta);

    int iter = 0;
    while (1) {
        if (gnorm <= prm.tol * gnorm0) {
            inf.converged = 1;
            break;
        }
        if (iter >= prm.max_iter) break;
        iter++;
        int boundary;
        /* CG accuracy: the paper's fixed ξ = 0.1 gives linear convergence, so reaching 1e-8 takes many outer
         * iterations (one extra data pass each). min(ξ, √(‖g‖/‖g0‖)) tightens as the gradient shrinks (the
         * classic superlinear forcing sequence of inexact Newton methods). The next gradient is about the CG
         * residual, so there is no point in a residual far below the stopping target: the floor is a tenth of it
         * (the tenth leaves room for the second-order term, and lands the coefficients well inside 1e-6 of the
         * optimum on the parity data; half of it measured 2–4e-7 there). */
        double eta = fmax(fmin(XI, sqrt(gnorm / gnorm0)), 0.1 * prm.tol * gnorm0 / gnorm);
        inf.hessian_products += trcg(&L, delta, eta * gnorm, &boundary);
        double gs = vdot(L.g, L.s, d), sr = vdot(L.s, L.r, d);
        double prered = -0.5 * (gs - sr);   /* −(gᵀs + ½ sᵀHs), using Hs = −g − r */
        double snorm = 0;
        for (size_t j = 0; j < d; j++) snorm += L.M[j] * L.s[j] * L.s[j];
        snorm = sqrt(snorm);
        if (!(prered > 0) || snorm == 0) break;   /* no model decrease left: rounding has the last word */

        double dloss = trial_pass(&L, L.s);
        double dreg = finish_trial(&L, L.s);
        double actred = -(L.C * dloss + dreg);   /* f(v) − f(v + s), accurate even when tiny */
        double gtn = sqrt(vdot(L.gt, L.gt, d));

        if (iter == 1) delta = delta < snorm ? delta : snorm;
        if (!isfinite(actred) || !isfinite(gtn)) {
            /* overflow at the trial point (absurd step): reject and shrink hard */
            delta = SIGMA1 * (delta < snorm ? delta : snorm);
            continue;
        }
        /* α minimizes the quadratic through f(v), the slope gᵀs and f(v + s) along s (Lin & Moré); it
         * proposes the new radius α‖s‖, clamped by the ratio-dependent bounds of the paper. */
        double curv = -actred - gs;
        double alpha = curv <= 0 ? SIGMA3 : fmax(SIGMA1, -0.5 * gs / curv);
        if (actred < ETA0 * prered) delta = fmin(alpha * snorm, SIGMA2 * delta);
        else if (actred < ETA1 * prered) delta = fmax(SIGMA1 * delta, fmin(alpha * snorm, SIGMA2 * delta));
        else if (actred < ETA2 * prered) delta = fmax(SIGMA1 * delta, fmin(alpha * snorm, SIGMA3 * delta));
        else delta = fmax(delta, fmin(alpha * snorm, SIGMA3 * delta));

        if (actred > ETA0 * prered) {
            for (size_t j = 0; j < d; j++) L.v[j] += L.s[j];
            swap_ptr(&L.z, &L.zt), swap_ptr(&L.q, &L.qt), swap_ptr(&L.D, &L.Dt);
            swap_ptr(&L.g, &L.gt), swap_ptr(&L.M, &L.Mt);
            gnorm = gtn;
        }
        if (!(delta > 0)) break;
    }
    inf.iterations = iter;
    inf.grad_norm = gnorm;

    /* Final report from the cached margins (updated incrementally, z drifts from X̃v by a few ulps per iteration,
     * far below anything reported), so no extra pass over X: the objective, and the separation test.
     * quasi_separated: the fitted hyperplane puts every row of positive weight strictly on its label's side
     * (min_i y_i z_i > 0). That certifies the classes are linearly separable: without the penalty the loss
     * could be pushed to 0 by scaling the weights up without bound, so with it the weights' size is set by C
     * alone and training probabilities are overconfident. Quasi-complete separation (a separating direction
     * with some rows exactly on the boundary) is flagged only when the fit itself separates; proving it in
     * general needs a linear program. */
    {
        double obj = 0, minm = INFINITY;
        for (size_t i0 = 0; i0 < n; i0 += RBLOCK) {
            size_t i1 = n - i0 < RBLOCK ? n : i0 + RBLOCK;
            double bl = 0;
            for (size_t i = i0; i < i1; i++) {
                double s = weight(&L, i);
                if (s == 0) continue;
                double m = ysign(&L, i) * L.z[i];
                bl += s * log1pexp_neg(m);
                if (m < minm) minm = m;
            }
            obj += bl;
        }
        obj = L.C * obj + 0.5 * vdot(L.v, L.v, p);
        inf.objective = obj;
        inf.quasi_separated = minm > 0;
        if (!isfinite(obj)) {
            st = as__err(err, AS_ERR_NUMERIC, "logistic regression diverged (objective %g)", obj);
            goto done;
        }
    }
    memcpy(w, L.v, p * sizeof(double));
    if (intercept) *intercept = L.icpt ? L.v[p] : 0.0;

done:
    if (info) *info = inf;
    as__free(rows);
    as__free(cols);
    return st;
}

void as__logreg_predict(const double *X, size_t n, size_t p, const double *w, double intercept, double *prob) {
    for (size_t i = 0; i < n; i++) {
        double z = dot(X + i * p, w, p) + intercept;
        /* σ(z) from exp(−|z|), which never overflows */
        double e = exp(-fabs(z));
        prob[i] = z >= 0 ? 1 / (1 + e) : e / (1 + e);
    }
}
