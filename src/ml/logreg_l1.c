/* L1-regularized logistic regression by proximal Newton: newGLMNET (G.-X. Yuan, C.-H. Ho & C.-J. Lin, "An improved
 * GLMNET for L1-regularized logistic regression", JMLR 13, 2012), written from the paper, on the exact Hessian.
 *
 *   F(x) = f(x) + Σ_j λ_j |x_j|      (f = C · Σ s_i ℓ_i, λ_j = 1 on the coefficients and 0 on the intercepts)
 *
 * Each outer iteration minimizes the quadratic model
 *   q(z) = gᵀ(z − x) + ½ (z − x)ᵀ (H + νI) (z − x) + Σ_j λ_j |z_j|
 * by cyclic coordinate descent (each coordinate's minimizer is a soft-threshold, which is where the exact zeros
 * come from), then backtracks on z − x until F decreases by at least σ·α·Δ, Δ = gᵀ(z − x) + Σ λ_j(|z_j| − |x_j|)
 * (the paper's condition with γ = 0).
 *
 * Unlike the paper, which keeps X and updates X(z − x) column by column, the Hessian here is formed explicitly
 * (d × d) by the caller — the binary fit in the pass that evaluates a trial point (logreg.c's Newton–Cholesky
 * pass), the multinomial one at accepted points (logreg_multi.c's mn_hessian): X is row-major, and for the models
 * this project fits (≤ 1024 unknowns) a coordinate update then costs O(d) instead of a strided pass over a column
 * of X, so the inner solve is cheap next to the data pass per iteration.
 *
 * Directions along which f is exactly flat (the multinomial loss only sees differences between classes) get an
 * extra block move per sweep, the exact minimizer of the L1 term along them (shift_groups): coordinate descent
 * alone only zig-zags there, and on 200,000 × 30, K = 5 hit the sweep limit in every outer iteration (33 outer
 * iterations instead of 7).
 *
 * Coordinate descent converges linearly at a rate set by the model's conditioning, and near separation the
 * Hessian is extremely ill-conditioned (on a separable set with C = 100, curvature along "both large coefficients
 * grow together" was tiny next to the rest): there it hit the sweep limit in every outer iteration, and the outer
 * loop took 181 iterations. So every PN_FACE_EVERY sweeps the model is also minimized exactly on the face the
 * sweeps have found — the coordinates that are nonzero (or unpenalized) with their signs fixed, where the model
 * is a plain quadratic — by one Cholesky solve (face_step), cut back where a coefficient would change sign; the
 * sweeps then correct the face if needed. */
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "ml/logreg_internal.h"

/* Sufficient decrease σ and backtracking factor β of newGLMNET's line search. */
#define PN_SIGMA 0.01
#define PN_BETA 0.5
#define PN_MAX_BACKTRACK 30
/* Coordinate-descent sweeps per model (each O(d · coordinates that move)), and every PN_FACE_EVERY sweeps a
 * Newton step on the current face (see face_step). */
#define PN_MAX_SWEEPS 500
#define PN_FACE_EVERY 8
/* Model tolerance: the model's minimum-norm subgradient must fall below η·‖∂F(x)‖ with the forcing term
 * η = min(0.1, √(‖∂F(x)‖/‖∂F(x0)‖)) (superlinear, as TRON's CG tolerance in logreg.c), but never far below the
 * outer target: a tenth of it. */
#define PN_XI 0.1

/* Minimum-norm subgradient of t ↦ b·t + λ|t| at t = z (b the smooth derivative there). */
static inline double subgrad(double b, double z, double lam) {
    if (lam <= 0) return b;
    if (z > 0) return b + lam;
    if (z < 0) return b - lam;
    if (b + lam < 0) return b + lam;
    if (b - lam > 0) return b - lam;
    return 0;
}

/* The flat-group move: along t ↦ z + t·Σ_k e_{j + k·stride} the smooth model does not change (the caller's
 * promise: Σ_k of those gradient entries is 0 and H maps the direction to 0), so only Σ_k λ|z_k + t| does, which a
 * median of the z_k minimizes. Of the minimizing interval [−upper median, −lower median] the point nearest 0 is
 * taken (no move when 0 is in it). The update of Hd still applies H to the move, so rounding in "flat" stays
 * accounted for. vals: size scratch doubles. */
static void shift_groups(const as_lr_shift *sh, const double *H, size_t d, double nu, double *z, double *Hd,
                         double *vals) {
    const size_t K = sh->size;
    for (size_t j = 0; j < sh->groups; j++) {
        for (size_t k = 0; k < K; k++) {   /* insertion sort: K is the number of classes */
            double v = z[j + k * sh->stride];
            size_t m = k;
            for (; m > 0 && vals[m - 1] > v; m--) vals[m] = vals[m - 1];
            vals[m] = v;
        }
        double lo = -vals[K / 2], hi = -vals[(K - 1) / 2];
        double t = lo > 0 ? lo : hi < 0 ? hi : 0.0;
        if (t == 0) continue;
        for (size_t k = 0; k < K; k++) {
            size_t c = j + k * sh->stride;
            z[c] += t;
            const double *col = H + c * d;
            for (size_t i = 0; i < d; i++) Hd[i] += t * col[i];
            Hd[c] += nu * t;
        }
    }
}

/* The Newton step on the current face: with F = {j : z_j ≠ 0 or λ_j = 0} and σ_j = sign(z_j), the model restricted
 * to the face is smooth, with gradient G_F + λ_F σ_F (G = g + Hd, the smooth model's gradient at z) and Hessian
 * H_FF + νI, so one Newton step δ_F reaches its minimizer. Along z + tδ the model decreases for t ∈ [0, 1] (a
 * convex quadratic on the segment towards its minimizer), so the step is taken up to the first coefficient that
 * would change sign, which lands exactly on 0. Updates z and Hd; A (d × d) and idx (d) are scratch, delta (d)
 * too. Returns 0, or −1 when the factorization failed (rounding; nothing is changed). */
static int face_step(const double *H, size_t d, double nu, const double *g, const double *l1, double *z, double *Hd,
                     double *A, size_t *idx, double *delta) {
    size_t m = 0;
    for (size_t j = 0; j < d; j++)
        if (z[j] != 0 || !l1 || l1[j] <= 0) idx[m++] = j;
    if (m == 0) return 0;
    for (size_t b = 0; b < m; b++) {
        const size_t jb = idx[b];
        for (size_t a = 0; a <= b; a++) A[a + b * m] = H[idx[a] + jb * d];
        A[b + b * m] += nu;
        double lam = l1 ? l1[jb] : 0.0;
        delta[b] = -(g[jb] + Hd[jb] + (lam > 0 ? (z[jb] > 0 ? lam : -lam) : 0.0));
    }
    if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)m, A, (lapack_int)m) != 0) return -1;
    if (LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'U', (lapack_int)m, 1, A, (lapack_int)m, delta, (lapack_int)m) != 0)
        return -1;
    double t = 1;
    size_t stop = m;   /* the coefficient that reaches 0 first */
    for (size_t b = 0; b < m; b++) {
        const size_t j = idx[b];
        if (l1 && l1[j] > 0 && (z[j] + delta[b]) * z[j] < 0) {
            double tj = z[j] / (z[j] - (z[j] + delta[b]));   /* = −z_j / δ_j ∈ (0, 1) */
            if (tj < t) t = tj, stop = b;
        }
    }
    if (!isfinite(t)) return -1;
    for (size_t b = 0; b < m; b++) {
        const size_t j = idx[b];
        const double step = b == stop ? -z[j] : t * delta[b];
        if (step == 0) continue;
        z[j] = b == stop ? 0.0 : z[j] + step;
        const double *col = H + j * d;
        for (size_t i = 0; i < d; i++) Hd[i] += step * col[i];
        Hd[j] += nu * step;
    }
    return 0;
}

as_status as__lr_prox_newton(const as_lbfgs_fun *fn, double *(*hessian)(void *ctx), double *x, double *g,
                             const double *l1, const as_lr_shift *shift, const as_lbfgs_opts *o,
                             as_lbfgs_result *res, as_error *err) {
    const size_t d = fn->d, ks = shift ? shift->size : 0;
    memset(res, 0, sizeof *res);
    if (d > ((size_t)1 << 20)) return as__err(err, AS_ERR_NOMEM, "proximal Newton: too many unknowns (%zu)", d);
    /* doubles: z, Hd, step, gn, pg, the face step (d each), the face matrix (d²), the shift scratch; then the face
     * indices (size_t, 8-byte aligned after the doubles) */
    const size_t nd = 6 * d + d * d + ks + 1;
    double *mem = as__malloc(nd * sizeof(double) + (d + 1) * sizeof(size_t));
    if (!mem) return as__err(err, AS_ERR_NOMEM, "out of memory for proximal Newton (%zu unknowns)", d);
    double *z = mem, *Hd = z + d, *step = Hd + d, *gn = step + d, *pg = gn + d, *fstep = pg + d, *fmat = fstep + d;
    double *vals = fmat + d * d;
    size_t *fidx = (size_t *)(void *)(mem + nd);

    double gnorm = as__lbfgs_pseudo_gradient(x, g, l1, d, pg);
    const double gnorm0 = o->gnorm0 > 0 ? o->gnorm0 : gnorm;
    while (as__lr_next_iteration(gnorm, gnorm0, o->tol, o->max_iter, &res->iterations, &res->converged)) {
        /* the Hessian at x, made symmetric in full so column j is contiguous for the coordinate updates */
        double *H = hessian(fn->ctx);
        double hmax = 0;
        for (size_t j = 0; j < d; j++) {
            for (size_t i = 0; i < j; i++) H[j + i * d] = H[i + j * d];
            if (H[j + j * d] > hmax) hmax = H[j + j * d];
        }
        /* ν keeps every coordinate's curvature positive (the intercept's is 0 once every row saturates, collinear
         * columns make H singular); the paper's 1e-12, relative to the Hessian's scale */
        const double nu = 1e-12 * (hmax > 0 ? hmax : 1.0);

        /* coordinate descent on the model from z = x; Hd = (H + νI)(z − x) */
        double tol_in = fmax(fmin(PN_XI, sqrt(gnorm / gnorm0)) * gnorm, 0.1 * o->tol * gnorm0);
        memcpy(z, x, d * sizeof(double));
        memset(Hd, 0, d * sizeof(double));
        for (int sweep = 1; sweep <= PN_MAX_SWEEPS; sweep++) {
            for (size_t j = 0; j < d; j++) {
                const double a = H[j + j * d] + nu, lam = l1 ? l1[j] : 0.0;
                const double u = z[j] - (g[j] + Hd[j]) / a;
                double t = u;
                if (lam > 0) t = u > lam / a ? u - lam / a : u < -lam / a ? u + lam / a : 0.0;   /* soft-threshold */
                const double delta = t - z[j];
                if (delta == 0) continue;
                z[j] = t;
                const double *col = H + j * d;
                for (size_t i = 0; i < d; i++) Hd[i] += delta * col[i];
                Hd[j] += nu * delta;
            }
            if (shift) shift_groups(shift, H, d, nu, z, Hd, vals);
            double r = 0;
            for (size_t j = 0; j < d; j++) {
                double v = subgrad(g[j] + Hd[j], z[j], l1 ? l1[j] : 0.0);
                r += v * v;
            }
            if (sqrt(r) <= tol_in) break;
            if (sweep % PN_FACE_EVERY == 0) face_step(H, d, nu, g, l1, z, Hd, fmat, fidx, fstep);
        }

        /* the direction z − x (z_j = 0 gives exactly −x_j, so a full step lands on an exact zero) and the
         * model's predicted change Δ */
        double delta_f = 0;
        for (size_t j = 0; j < d; j++) {
            step[j] = z[j] - x[j];
            delta_f += g[j] * step[j] + (l1 ? l1[j] : 0.0) * (fabs(z[j]) - fabs(x[j]));
        }
        if (!(delta_f < 0)) break;   /* the model sees no decrease left: rounding has the last word */

        double alpha = 1, df = 0;
        int ok = 0;
        for (int k = 0; k < PN_MAX_BACKTRACK; k++, alpha *= PN_BETA) {
            double dl1 = 0;
            for (size_t j = 0; j < d; j++) {
                double sj = alpha == 1 ? z[j] - x[j] : alpha * (z[j] - x[j]);
                step[j] = sj;
                if (l1 && l1[j] > 0) dl1 += l1[j] * (fabs(x[j] + sj) - fabs(x[j]));
            }
            res->evaluations++;
            df = fn->trial(fn->ctx, x, step, gn) + dl1;
            if (isfinite(df) && df <= PN_SIGMA * alpha * delta_f) {
                ok = 1;
                break;
            }
        }
        if (!ok) break;
        fn->accept(fn->ctx);
        for (size_t j = 0; j < d; j++) x[j] += step[j], g[j] = gn[j];
        res->fchange += df;
        gnorm = as__lbfgs_pseudo_gradient(x, g, l1, d, pg);
        if (!isfinite(gnorm)) break;
    }
    res->gnorm = gnorm;
    as__free(mem);
    return AS_OK;
}
