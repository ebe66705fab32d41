/* Multinomial (softmax) logistic regression, scikit-learn's multi_class="multinomial" objective (logreg.h):
 *
 *   f(W, b) = C · Σ_i s_i (lse(z_i) − z_i,y_i) + R(W),   z_i = W x_i + b ∈ R^K,   lse(z) = log Σ_k e^{z_k}
 *
 * Parameters v = (W, b): W is K × p row-major (class k's coefficients at v[k·p]), then the K intercepts, so the
 * caller's W and b are read and written as they are. Every class has its own row: the loss only depends on
 * score differences, so adding the same vector to every row of W (or the same number to every b_k) changes
 * nothing. L2 pins W down, L1 too except for the segments median_shift resolves, but no penalty pins the
 * intercepts (never penalized), and without a penalty nothing pins W either. scikit-learn starts at 0 and only
 * ever moves along gradients, whose class-sum is 0 (Σ_k (P_ik − Y_ik) = 0), so it lands on the solution whose
 * rows sum to 0; the solvers here do the same (TRON projects its preconditioned residuals, see project), and the
 * result is projected once more at the end to remove rounding drift.
 *
 * Solvers (logreg.h): TRON on the K·(p + 1) unknowns (the binary file's trust-region Newton-CG, with the
 * Hessian-vector product of the softmax) and L-BFGS for L2 / none; for L1 proximal Newton on the exact Hessian
 * (logreg_l1.c; K(K+1)/2 weighted Gram matrices per iteration, see mn_hessian) up to PROX_MAX_NV unknowns, and
 * OWL-QN beyond that or when L-BFGS is asked for (info->solver says which). Proximal Newton matters here more
 * than for the binary fit: the loss is flat along "the same c added to coefficient j of every class", so there
 * only the piecewise-linear L1 term varies, which neither L-BFGS's curvature pairs nor one-coordinate moves model
 * well. Both L1 solvers therefore also take the exact minimizer along those directions (the shift that puts the
 * median of the K coefficients at 0; mn_flat_move, logreg_l1.c's shift_groups): on 20,000 × 30, K = 5 OWL-QN
 * went from 564 iterations to 46 with it, proximal Newton (200,000 rows) from 33 to 7.
 *
 * Cost model: one pass over X per evaluation or Hessian-vector product. X is read in blocks of MBLOCK rows; per
 * block the scores (B × K) come from one dgemm against W, the per-row softmax work is done on them, and the
 * gradient block Rᵀ X_b (K × p) from a second dgemm while X_b is still in cache. */
#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ml/logreg_internal.h"

/* Rows per block: the block (≤ 256 × p doubles) stays in L2 between the two dgemm calls, and partial sums over a
 * block are added into the totals (rounding grows with the number of blocks, as in logreg.c). */
#define MBLOCK 256
/* Proximal Newton (L1) forms the exact Hessian, K·d × K·d: up to PROX_MAX_NV unknowns (8 MiB), beyond that
 * OWL-QN. Its formation scales blocks of HBLOCK_DOUBLES / d rows (≤ 256 KiB, in L2 while dsyrk reads them). */
#define PROX_MAX_NV 1024
#define HBLOCK_DOUBLES ((size_t)1 << 15)
/* Chunks of rows for the parallel passes, as logreg.c's: at most NCHUNK_MAX of at least about CHUNK_MIN_ROWS rows;
 * the exact Hessian uses fewer when the chunks' Gram matrices would exceed DENSE_CHUNK_DOUBLES (16 MiB) in all. */
#define NCHUNK_MAX 16
#define CHUNK_MIN_ROWS 1024
#define DENSE_CHUNK_DOUBLES ((size_t)1 << 21)

/* TRON's constants are logreg.c's (AS_LR_ETA0 .. AS_LR_PRECOND_ALPHA, logreg_internal.h). */

enum { MPASS_DIAG = 0, MPASS_GRAD = 1 };

typedef struct mn_ws {
    const double *X, *sw;
    const int *cls;
    size_t n, p, K, nv;           /* nv = K·p + (intercept ? K : 0) unknowns; b_k at v[K·p + k] */
    int icpt, l2, pen_none, mode;
    double C, l1;
    /* per row, at the current point and the trial point (swapped on acceptance): scores z (n × K),
     * probabilities P (n × K), lse(z_i) (n) */
    double *Z, *P, *lse, *Zt, *Pt, *lset;
    /* per unknown */
    double *v, *g, *gt, *M, *Mt, *s, *r, *u, *dir, *Hd, *l1w;
    /* per thread, at the stride tstride: per block scores / coefficients (B × K) in A and R, squared rows (B × p)
     * in Xsq, a K × p product in Gb */
    double *tA, *tR, *tXsq, *tGb;
    size_t tstride;
    /* proximal Newton only: the Hessian (nv × nv, both triangles), the K(K+1)/2 class-pair Gram matrices
     * (d × d each, d = p + intercept) per Hessian chunk, and per thread a block of hrows scaled rows (stride
     * hstride) */
    double *H, *Gk, *thblk;
    size_t hrows, hstride;
    int nfev, formations;
    /* chunks of rows (logreg.c's header): nck of ckrows rows for the passes, nckh of ckrowsh rows for the exact
     * Hessian; per chunk its partial sums cg, cm (nv each), cl, cmin, cmax */
    size_t nck, ckrows, nckh, ckrowsh;
    double *cg, *cm, *cl, *cmin, *cmax;
    as_pool *pool;
    const double *arg;            /* the step or vector of the running pass */
} mn_ws;

static inline double weight(const mn_ws *L, size_t i) { return L->sw ? L->sw[i] : 1.0; }

/* Removes the directions the objective does not see: the mean over classes of the intercepts, and without a
 * penalty also of every column of W. Applied to CG's preconditioned residual, it keeps TRON's iterates on
 * scikit-learn's solution set (the diagonal preconditioner alone would mix the null directions in). */
static void project(const mn_ws *L, double *x) {
    const size_t K = L->K, p = L->p;
    if (L->pen_none)
        for (size_t j = 0; j < p; j++) {
            double m = 0;
            for (size_t k = 0; k < K; k++) m += x[k * p + j];
            m /= (double)K;
            for (size_t k = 0; k < K; k++) x[k * p + j] -= m;
        }
    if (L->icpt) {
        double m = 0;
        for (size_t k = 0; k < K; k++) m += x[K * p + k];
        m /= (double)K;
        for (size_t k = 0; k < K; k++) x[K * p + k] -= m;
    }
}

/* One pass at the trial point v + step, given Z, P, lse at v: Zt, Pt, lset there; gt = C Σ_i s_i (P_i − Y_i) x̃_iᵀ
 * (data part of the gradient); in MPASS_DIAG also Mt = C diag(Σ_i s_i diag(P_i(1 − P_i)) ⊗ x̃_i x̃_iᵀ) (the data
 * part of the Hessian's diagonal, for TRON's preconditioner). Returns Σ_i s_i (ℓ_i(v + step) − ℓ_i(v)), each
 * term computed from the score change δ = X̃ step directly as log Σ_k P_ik e^{δ_k} − δ_y = log1p(Σ_k P_ik
 * expm1(δ_k)) − δ_y, which keeps its relative accuracy when the change is far below the loss itself (see
 * logreg.c's trial_pass for why that matters). The scores z are kept too (z + δ), for large changes and for the
 * separation test; P and lse are updated from δ while it is small, so they drift from softmax(z) by a few ulps
 * per iteration at most, far below anything reported. */
static inline void chunk_rows(const mn_ws *L, size_t c, size_t rows, size_t *r0, size_t *r1) {
    *r0 = c * rows;
    *r1 = L->n - *r0 < rows ? L->n : *r0 + rows;
}

/* out[j] = Σ_c part[c·m + j] in chunk order, whatever the number of threads that computed the parts. */
static void sum_chunks(const double *part, size_t nck, size_t m, double *out) {
    memcpy(out, part, m * sizeof(double));
    for (size_t c = 1; c < nck; c++)
        for (size_t j = 0; j < m; j++) out[j] += part[c * m + j];
}

/* One chunk of trial_pass (one task of the pool): its rows' new scores and probabilities, and its partial
 * gradient, diagonal and loss change. */
static void trial_chunk(void *ctx, size_t c, int th) {
    const mn_ws *L = ctx;
    const size_t p = L->p, K = L->K, nv = L->nv;
    const int diag = L->mode == MPASS_DIAG;
    const double *step = L->arg;
    const double *sb = L->icpt ? step + K * p : NULL;
    double *gt = L->cg + c * nv, *Mt = L->cm + c * nv;
    const size_t to = (size_t)th * L->tstride;
    double *Ab = L->tA + to, *Rb = L->tR + to, *Xsq = L->tXsq + to, *Gb = L->tGb + to;
    size_t r0, r1;
    chunk_rows(L, c, L->ckrows, &r0, &r1);
    double dloss = 0;
    memset(gt, 0, nv * sizeof(double));
    memset(Mt, 0, nv * sizeof(double));
    for (size_t i0 = r0; i0 < r1; i0 += MBLOCK) {
        const size_t nb = r1 - i0 < MBLOCK ? r1 - i0 : MBLOCK;
        const double *Xb = L->X + i0 * p;
        double *dZ = L->Zt + i0 * K;
        if (p)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)K, (int)p, 1.0, Xb, (int)p, step,
                        (int)p, 0.0, dZ, (int)K);
        else memset(dZ, 0, nb * K * sizeof(double));
        double bl = 0;
        for (size_t t = 0; t < nb; t++) {
            const size_t i = i0 + t;
            const double s = weight(L, i);
            const size_t y = (size_t)L->cls[i];
            const double *z = L->Z + i * K, *P = L->P + i * K;
            double *zt = dZ + t * K, *Pt = L->Pt + i * K, *R = Rb + t * K, *A = Ab + t * K;
            double dmax = 0, pmin = INFINITY;
            for (size_t k = 0; k < K; k++) {
                double dz = zt[k] + (sb ? sb[k] : 0.0);
                R[k] = dz;   /* the score change, kept for the loss change below */
                zt[k] = z[k] + dz;
                dmax = fmax(dmax, fabs(dz));
                pmin = fmin(pmin, P[k]);
            }
            double dl;
            if (dmax <= 1 && pmin > 1e-200) {
                /* Small change (every iteration but the first few): softmax(z + δ) = P ∘ e^δ / Σ_k P_k e^δ_k and
                 * lse(z + δ) = lse(z) + log1p(E) with E = Σ_k P_k expm1(δ_k) ≥ expm1(−1) > −1, so the loss change
                 * log1p(E) − δ_y comes with the new probabilities for K expm1 and one log1p — Taylor series when
                 * tiny (as__lr_expm1) — instead of K exp and a log more. A class whose probability underflowed is
                 * left to the full formula below, which can bring it back. */
                double E = 0;
                for (size_t k = 0; k < K; k++) {
                    double em1 = as__lr_expm1(R[k]);
                    Pt[k] = P[k] * (1 + em1);
                    E += P[k] * em1;
                }
                const double l1p = as__lr_log1p(E), inv = 1 / (1 + E);
                for (size_t k = 0; k < K; k++) Pt[k] *= inv;
                L->lset[i] = L->lse[i] + l1p;
                dl = l1p - R[y];
            } else {
                double mx = -INFINITY, sum = 0;
                for (size_t k = 0; k < K; k++) mx = fmax(mx, zt[k]);
                for (size_t k = 0; k < K; k++) sum += (Pt[k] = exp(zt[k] - mx));
                const double lt = mx + log(sum), inv = 1 / sum;
                for (size_t k = 0; k < K; k++) Pt[k] *= inv;
                L->lset[i] = lt;
                dl = (lt - zt[y]) - (L->lse[i] - z[y]);   /* a large change: no cancellation to fear */
            }
            if (s != 0) bl += s * dl;
            for (size_t k = 0; k < K; k++) {
                R[k] = s * (Pt[k] - (k == y ? 1.0 : 0.0));
                if (diag) A[k] = s * Pt[k] * (1 - Pt[k]);
            }
        }
        dloss += bl;
        if (p) {
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)p, (int)nb, 1.0, Rb, (int)K, Xb,
                        (int)p, 0.0, Gb, (int)p);
            for (size_t j = 0; j < K * p; j++) gt[j] += Gb[j];
        }
        if (L->icpt)
            for (size_t t = 0; t < nb; t++)
                for (size_t k = 0; k < K; k++) gt[K * p + k] += Rb[t * K + k];
        if (diag) {
            if (p) {
                for (size_t j = 0; j < nb * p; j++) Xsq[j] = Xb[j] * Xb[j];
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)p, (int)nb, 1.0, Ab, (int)K, Xsq,
                            (int)p, 0.0, Gb, (int)p);
                for (size_t j = 0; j < K * p; j++) Mt[j] += Gb[j];
            }
            if (L->icpt)
                for (size_t t = 0; t < nb; t++)
                    for (size_t k = 0; k < K; k++) Mt[K * p + k] += Ab[t * K + k];
        }
    }
    L->cl[c] = dloss;
}

static double trial_pass(mn_ws *L, const double *step) {
    const size_t nv = L->nv;
    L->nfev++;
    L->arg = step;
    as__pool_run(L->pool, L->nck, trial_chunk, L);
    sum_chunks(L->cg, L->nck, nv, L->gt);
    sum_chunks(L->cm, L->nck, nv, L->Mt);
    for (size_t j = 0; j < nv; j++) L->gt[j] *= L->C, L->Mt[j] *= L->C;
    double dloss = 0;
    for (size_t c = 0; c < L->nck; c++) dloss += L->cl[c];
    return dloss;
}

/* Adds the L2 penalty at v + step to the trial gradient and Hessian diagonal, turns Mt into the preconditioner;
 * returns the penalty's change (0 without it). */
static double finish_trial(mn_ws *L, const double *step) {
    double dreg = 0;
    if (L->l2)
        for (size_t j = 0; j < L->K * L->p; j++) {
            L->gt[j] += L->v[j] + step[j];
            L->Mt[j] += 1.0;
            dreg += L->v[j] * step[j] + 0.5 * step[j] * step[j];
        }
    for (size_t j = 0; j < L->nv; j++) {
        double m = (1 - AS_LR_PRECOND_ALPHA) + AS_LR_PRECOND_ALPHA * L->Mt[j];
        L->Mt[j] = m > 0 ? m : 1.0;
    }
    return dreg;
}

static void accept(mn_ws *L) {
    as__lr_swap_ptr(&L->Z, &L->Zt), as__lr_swap_ptr(&L->P, &L->Pt), as__lr_swap_ptr(&L->lse, &L->lset);
    as__lr_swap_ptr(&L->g, &L->gt), as__lr_swap_ptr(&L->M, &L->Mt);
}

/* out = H vv = R vv + C Σ_i s_i ((diag(P_i) − P_i P_iᵀ) A_i) x̃_iᵀ with A_i = W_vv x̃_i + b_vv, one pass over X:
 * per row (diag(P) − PPᵀ) a = P ∘ (a − Pᵀa). */
static void hess_vec_chunk(void *ctx, size_t c, int th) {
    const mn_ws *L = ctx;
    const size_t p = L->p, K = L->K, nv = L->nv;
    const double *vv = L->arg;
    const double *vb = L->icpt ? vv + K * p : NULL;
    double *out = L->cg + c * nv;
    const size_t to = (size_t)th * L->tstride;
    double *Ab = L->tA + to, *Rb = L->tR + to, *Gb = L->tGb + to;
    size_t r0, r1;
    chunk_rows(L, c, L->ckrows, &r0, &r1);
    memset(out, 0, nv * sizeof(double));
    for (size_t i0 = r0; i0 < r1; i0 += MBLOCK) {
        const size_t nb = r1 - i0 < MBLOCK ? r1 - i0 : MBLOCK;
        const double *Xb = L->X + i0 * p;
        if (p)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)K, (int)p, 1.0, Xb, (int)p, vv,
                        (int)p, 0.0, Ab, (int)K);
        else memset(Ab, 0, nb * K * sizeof(double));
        for (size_t t = 0; t < nb; t++) {
            const size_t i = i0 + t;
            const double s = weight(L, i), *P = L->P + i * K;
            double *a = Ab + t * K, *u = Rb + t * K, pa = 0;
            for (size_t k = 0; k < K; k++) {
                a[k] += vb ? vb[k] : 0.0;
                pa += P[k] * a[k];
            }
            for (size_t k = 0; k < K; k++) u[k] = s * P[k] * (a[k] - pa);
        }
        if (p) {
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)p, (int)nb, 1.0, Rb, (int)K, Xb,
                        (int)p, 0.0, Gb, (int)p);
            for (size_t j = 0; j < K * p; j++) out[j] += Gb[j];
        }
        if (L->icpt)
            for (size_t t = 0; t < nb; t++)
                for (size_t k = 0; k < K; k++) out[K * p + k] += Rb[t * K + k];
    }
}

static void hess_vec(mn_ws *L, const double *vv, double *out) {
    const size_t p = L->p, K = L->K, nv = L->nv;
    L->arg = vv;
    as__pool_run(L->pool, L->nck, hess_vec_chunk, L);
    sum_chunks(L->cg, L->nck, nv, out);
    for (size_t j = 0; j < nv; j++) out[j] *= L->C;
    if (L->l2)
        for (size_t j = 0; j < K * p; j++) out[j] += vv[j];
}

/* f at the current point from the cached scores; min and max over rows of positive weight of the score gap
 * z_y − max_{k≠y} z_k (> 0: the row is on its class's side of every boundary). */
static void objective_chunk(void *ctx, size_t c, int th) {
    const mn_ws *L = ctx;
    const size_t K = L->K;
    double obj = 0, mn = INFINITY, mx = -INFINITY;
    size_t r0, r1;
    (void)th;
    chunk_rows(L, c, L->ckrows, &r0, &r1);
    for (size_t i0 = r0; i0 < r1; i0 += MBLOCK) {
        size_t i1 = r1 - i0 < MBLOCK ? r1 : i0 + MBLOCK;
        double bl = 0;
        for (size_t i = i0; i < i1; i++) {
            double s = weight(L, i);
            if (s == 0) continue;
            const size_t y = (size_t)L->cls[i];
            const double *z = L->Z + i * K;
            bl += s * (L->lse[i] - z[y]);
            double other = -INFINITY;
            for (size_t k = 0; k < K; k++)
                if (k != y && z[k] > other) other = z[k];
            double gap = z[y] - other;
            if (gap < mn) mn = gap;
            if (gap > mx) mx = gap;
        }
        obj += bl;
    }
    L->cl[c] = obj, L->cmin[c] = mn, L->cmax[c] = mx;
}

static double objective(mn_ws *L, double *min_gap, double *max_gap) {
    const size_t K = L->K, p = L->p;
    as__pool_run(L->pool, L->nck, objective_chunk, L);
    double obj = 0, mn = INFINITY, mx = -INFINITY;
    for (size_t c = 0; c < L->nck; c++) obj += L->cl[c], mn = fmin(mn, L->cmin[c]), mx = fmax(mx, L->cmax[c]);
    *min_gap = mn, *max_gap = mx;
    double reg = 0;
    for (size_t j = 0; j < K * p; j++) reg += L->l2 ? 0.5 * L->v[j] * L->v[j] : L->l1 * fabs(L->v[j]);
    return L->C * obj + reg;
}

/* ---- TRON (as logreg.c's, on the multinomial products) ---- */

/* Steihaug's truncated preconditioned CG on min gᵀs + ½ sᵀHs, ‖s‖_M ≤ Δ; the preconditioned residual is
 * projected (project) so every iterate stays where the objective has curvature. Returns the products. */
static int trcg(mn_ws *L, double delta, double cgtol) {
    const size_t d = L->nv;
    double *s = L->s, *r = L->r, *u = L->u, *dir = L->dir, *Hd = L->Hd;
    const double *M = L->M;
    for (size_t j = 0; j < d; j++) s[j] = 0, r[j] = -L->g[j], u[j] = r[j] / M[j];
    project(L, u);
    memcpy(dir, u, d * sizeof(double));
    double ru = as__lr_vdot(r, u, d);
    int it = 0, max_it = (int)(2 * d + 20);
    while (it < max_it) {
        if (sqrt(as__lr_vdot(r, r, d)) <= cgtol) break;
        hess_vec(L, dir, Hd);
        it++;
        double dHd = as__lr_vdot(dir, Hd, d);
        double alpha = ru / dHd, snew2 = 0;
        if (dHd > 0)
            for (size_t j = 0; j < d; j++) {
                double t = s[j] + alpha * dir[j];
                snew2 += M[j] * t * t;
            }
        if (!(dHd > 0) || snew2 > delta * delta) {
            /* no curvature along dir, or the step leaves the region: to the boundary */
            double tau = as__lr_boundary_step(s, dir, M, d, delta);
            for (size_t j = 0; j < d; j++) s[j] += tau * dir[j], r[j] -= tau * Hd[j];
            break;
        }
        for (size_t j = 0; j < d; j++) s[j] += alpha * dir[j], r[j] -= alpha * Hd[j], u[j] = r[j] / M[j];
        project(L, u);
        double ru_new = as__lr_vdot(r, u, d);
        double beta = ru_new / ru;
        ru = ru_new;
        for (size_t j = 0; j < d; j++) dir[j] = u[j] + beta * dir[j];
    }
    return it;
}

static void tron_solve(mn_ws *L, const as_logreg_params *prm, double gnorm0, double *gnorm_io, as_logreg_info *inf) {
    const size_t d = L->nv;
    double gnorm = *gnorm_io;
    double delta = 0;
    for (size_t j = 0; j < d; j++) delta += L->g[j] * L->g[j] / L->M[j];
    delta = sqrt(delta);
    int first = 1;
    while (as__lr_next_iteration(gnorm, gnorm0, prm->tol, prm->max_iter, &inf->iterations, &inf->converged)) {
        /* the forcing sequence and its floor of logreg.c's tron_solve */
        double eta = fmax(fmin(AS_LR_XI, sqrt(gnorm / gnorm0)), 0.1 * prm->tol * gnorm0 / gnorm);
        inf->hessian_products += trcg(L, delta, eta * gnorm);
        double gs = as__lr_vdot(L->g, L->s, d), sr = as__lr_vdot(L->s, L->r, d);
        double prered = -0.5 * (gs - sr);
        double snorm = 0;
        for (size_t j = 0; j < d; j++) snorm += L->M[j] * L->s[j] * L->s[j];
        snorm = sqrt(snorm);
        if (!(prered > 0) || snorm == 0) break;

        double dloss = trial_pass(L, L->s);
        double dreg = finish_trial(L, L->s);
        double actred = -(L->C * dloss + dreg);
        double gtn = sqrt(as__lr_vdot(L->gt, L->gt, d));
        if (first) delta = delta < snorm ? delta : snorm;
        first = 0;
        if (!isfinite(actred) || !isfinite(gtn)) {
            delta = AS_LR_SIGMA1 * (delta < snorm ? delta : snorm);
            continue;
        }
        delta = as__lr_tron_radius(delta, snorm, gs, actred, prered);
        if (actred > AS_LR_ETA0 * prered) {
            for (size_t j = 0; j < d; j++) L->v[j] += L->s[j];
            accept(L);
            gnorm = gtn;
        }
        if (!(delta > 0)) break;
    }
    *gnorm_io = gnorm;
}

/* ---- the exact Hessian, for proximal Newton ----
 * H = C Σ_i s_i (diag(P_i) − P_i P_iᵀ) ⊗ x̃_i x̃_iᵀ: block (k, l) is C X̃ᵀ diag(s (δ_kl P_k − P_k P_l)) X̃. Each of
 * the K(K+1)/2 blocks is one weighted Gram matrix with weights of one sign (≥ 0 on the diagonal blocks, ≤ 0 off
 * it), so it is a rank-k update (dsyrk) of the rows scaled by √|weight| — half the flops of a general product.
 * P_k(1 − P_k) is formed as P_k · Σ_{l≠k} P_l, accurate when P_k is close to 1. One pass over X at the current
 * point, only at accepted points (trial evaluations need no Hessian). */
static void hessian_chunk(void *ctx, size_t c, int th) {
    const mn_ws *L = ctx;
    const size_t p = L->p, K = L->K, d = p + (size_t)L->icpt, hb = L->hrows;
    const size_t npair = K * (K + 1) / 2;
    double *Gc = L->Gk + c * npair * d * d, *blk = L->thblk + (size_t)th * L->hstride;
    size_t r0, r1;
    chunk_rows(L, c, L->ckrowsh, &r0, &r1);
    memset(Gc, 0, npair * d * d * sizeof(double));
    for (size_t i0 = r0; i0 < r1; i0 += hb) {
        const size_t nb = r1 - i0 < hb ? r1 - i0 : hb;
        double *G = Gc;
        for (size_t k = 0; k < K; k++)
            for (size_t l = k; l < K; l++, G += d * d) {
                for (size_t t = 0; t < nb; t++) {
                    const size_t i = i0 + t;
                    const double *P = L->P + i * K, *x = L->X + i * p;
                    double w;
                    if (k == l) {
                        double r = 0;
                        for (size_t m = 0; m < K; m++)
                            if (m != k) r += P[m];
                        w = P[k] * r;
                    } else w = P[k] * P[l];
                    double sc = sqrt(weight(L, i) * w), *row = blk + t * d;
                    for (size_t j = 0; j < p; j++) row[j] = sc * x[j];
                    if (L->icpt) row[p] = sc;
                }
                cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)d, (int)nb, k == l ? 1.0 : -1.0, blk,
                            (int)d, 1.0, G, (int)d);
            }
    }
}

static double *mn_hessian(void *ctx) {
    mn_ws *L = ctx;
    const size_t p = L->p, K = L->K, nv = L->nv, d = p + (size_t)L->icpt;
    const size_t npair = K * (K + 1) / 2, gsz = npair * d * d;
    if (d > 0) {   /* d = 0: nothing to form (and BLAS wants lda ≥ 1) */
        as__pool_run(L->pool, L->nckh, hessian_chunk, L);
        /* the chunks' Gram matrices, added in chunk order into the first chunk's (upper triangles) */
        for (size_t c = 1; c < L->nckh; c++) {
            const double *src = L->Gk + c * gsz;
            for (size_t q = 0; q < npair; q++)
                for (size_t col = 0; col < d; col++)
                    for (size_t i = 0; i <= col; i++) L->Gk[q * d * d + col * d + i] += src[q * d * d + col * d + i];
        }
    }
    /* scatter the pair blocks into H (both triangles): coordinate j of class k is k·p + j, its intercept K·p + k */
    const double *G = L->Gk;
    for (size_t k = 0; k < K; k++)
        for (size_t l = k; l < K; l++, G += d * d)
            for (size_t a = 0; a < d; a++)
                for (size_t c = 0; c < d; c++) {
                    double val = L->C * (a <= c ? G[a + c * d] : G[c + a * d]);
                    size_t u = a < p ? k * p + a : K * p + k, v = c < p ? l * p + c : K * p + l;
                    L->H[u + v * nv] = val;
                    L->H[v + u * nv] = val;
                }
    if (L->l2)
        for (size_t j = 0; j < K * p; j++) L->H[j + j * nv] += 1.0;
    L->formations++;
    return L->H;
}

/* ---- L-BFGS / OWL-QN glue (the minimizer owns L->v, as in logreg.c) ---- */
static double lb_trial(void *ctx, const double *x, const double *step, double *g) {
    mn_ws *L = ctx;
    (void)x;
    double dloss = trial_pass(L, step);
    double dreg = finish_trial(L, step);
    memcpy(g, L->gt, L->nv * sizeof(double));
    return L->C * dloss + dreg;
}
static void lb_accept(void *ctx) { accept((mn_ws *)ctx); }

/* The exact minimizer along the flat directions under L1: coefficient j of every class shifted by the t that
 * minimizes Σ_k |W_kj + t|, any point of [−upper median, −lower median] (logreg_l1.c's shift_groups). During
 * OWL-QN (canonical = 0) the point nearest 0, i.e. the smallest move; at the end (canonical = 1) the point nearest
 * −mean_k W_kj, i.e. of the L1-optimal coefficients the ones with the smallest ‖W_:j‖₂ (the limit of a vanishing
 * extra ridge). With K odd the interval is one point and both agree; with K even the L1 optimum is not unique
 * (every point of the interval has the same objective), and without the canonical choice two solvers, or
 * scikit-learn's saga, stop at different ones. The scores of each row all move by t·x_ij, which changes no
 * probability, loss or gradient, so the cached per-row state stays valid as it is (only differences of scores
 * are ever read). */
static void median_shift(mn_ws *L, double *x, int canonical) {
    const size_t K = L->K, p = L->p;
    double *vals = L->tGb;   /* K scratch doubles (thread 0's Gb holds K·p, free between passes) */
    for (size_t j = 0; j < p; j++) {
        double mean = 0;
        for (size_t k = 0; k < K; k++) {   /* insertion sort: K is the number of classes */
            double v = x[k * p + j];
            size_t m = k;
            mean += v;
            for (; m > 0 && vals[m - 1] > v; m--) vals[m] = vals[m - 1];
            vals[m] = v;
        }
        double lo = -vals[K / 2], hi = -vals[(K - 1) / 2], want = canonical ? -mean / (double)K : 0.0;
        double t = want < lo ? lo : want > hi ? hi : want;
        if (t != 0)
            for (size_t k = 0; k < K; k++) x[k * p + j] += t;
    }
}
static void mn_flat_move(void *ctx, double *x) { median_shift((mn_ws *)ctx, x, 0); }

as_status as__logreg_fit_multinomial(const double *X, size_t n, size_t p, const int *cls, int K, const double *sw,
                                     const as_logreg_params *params, double *W, double *b, as_logreg_info *info,
                                     as_error *err) {
    as_logreg_params prm;
    as_logreg_info inf;
    memset(&inf, 0, sizeof inf);
    if (info) *info = inf;
    as_status st = as__lr_check_params(params, &prm, err);
    if (st) return st;
    if (K < 3)
        return as__err(err, AS_ERR_INVALID,
                       "multinomial logistic regression needs K >= 3 classes, got %d (two classes: the binary fit)", K);
    if (n == 0) return as__err(err, AS_ERR_NODATA, "multinomial logistic regression: no training rows");
    const size_t Kz = (size_t)K;
    if (p >= (size_t)INT_MAX / Kz || Kz > (size_t)INT_MAX / MBLOCK)
        return as__err(err, AS_ERR_INVALID, "multinomial logistic regression: too many columns or classes (%zu x %d)",
                       p, K);
    size_t *count = as__calloc(Kz, sizeof *count);
    if (!count) return as__err(err, AS_ERR_NOMEM, "out of memory");
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        if (cls[i] < 0 || cls[i] >= K) {
            as__free(count);
            return as__err(err, AS_ERR_INVALID,
                           "multinomial logistic regression: class of row %zu is %d, expected 0 .. %d", i, cls[i],
                           K - 1);
        }
        double s = sw ? sw[i] : 1.0;
        if (!(s >= 0) || !isfinite(s)) {
            as__free(count);
            return as__err(err, AS_ERR_INVALID,
                           "multinomial logistic regression: weight of row %zu is %g, expected >= 0", i, s);
        }
        if (s > 0) count[cls[i]]++, live++;
    }
    int missing = -1;
    for (int k = 0; k < K && missing < 0; k++)
        if (count[k] == 0) missing = k;
    as__free(count);
    if (live == 0) return as__err(err, AS_ERR_NODATA, "multinomial logistic regression: every row has weight 0");
    if (prm.fit_intercept && missing >= 0)
        /* that class's unpenalized intercept would run off to −∞ */
        return as__err(err, AS_ERR_NODATA,
                       "multinomial logistic regression: class %d has no rows (of positive weight); every class of "
                       "the K = %d needs some", missing, K);

    mn_ws L;
    memset(&L, 0, sizeof L);
    L.X = X, L.sw = sw, L.cls = cls, L.n = n, L.p = p, L.K = Kz, L.icpt = prm.fit_intercept ? 1 : 0;
    L.nv = Kz * p + (L.icpt ? Kz : 0);
    L.C = prm.C;
    L.l2 = prm.penalty == AS_PENALTY_L2;
    L.pen_none = prm.penalty == AS_PENALTY_NONE;
    L.l1 = prm.penalty == AS_PENALTY_L1 ? 1.0 : 0.0;
    const int l1 = prm.penalty == AS_PENALTY_L1;
    /* L1: proximal Newton while the Hessian is small enough, else (and when L-BFGS is asked for) OWL-QN;
     * L2 / none: L-BFGS when asked for, else TRON (also for auto and Newton–Cholesky) */
    const int prox = l1 && prm.solver != AS_SOLVER_LBFGS && L.nv <= PROX_MAX_NV;
    const int quasi = (l1 && !prox) || prm.solver == AS_SOLVER_LBFGS;
    L.mode = quasi || prox ? MPASS_GRAD : MPASS_DIAG;
    const size_t nv = L.nv, blk = MBLOCK * (Kz > p ? Kz : p);
    const size_t dd = p + (size_t)L.icpt, npair = Kz * (Kz + 1) / 2;
    if (n > SIZE_MAX / (sizeof(double) * (4 * Kz + 2)) || nv > SIZE_MAX / (sizeof(double) * 64) ||
        blk > SIZE_MAX / (sizeof(double) * 4 * NCHUNK_MAX))
        return as__err(err, AS_ERR_NOMEM, "multinomial logistic regression: problem too large (%zu x %zu, K = %d)", n,
                       p, K);
    /* chunks and threads (logreg.c's header); the exact Hessian's chunks each hold npair Gram matrices */
    size_t want = n / CHUNK_MIN_ROWS + 1;
    if (want > NCHUNK_MAX) want = NCHUNK_MAX;
    size_t wanth = dd ? DENSE_CHUNK_DOUBLES / (npair * dd * dd) : want;
    wanth = wanth < 1 ? 1 : wanth > want ? want : wanth;
    as__lr_chunks(n, want, MBLOCK, &L.nck, &L.ckrows);
    as__lr_chunks(n, wanth, MBLOCK, &L.nckh, &L.ckrowsh);
    const int nthr = as__lr_threads((double)n * (double)(nv ? nv : 1), L.nck);
    const size_t T = (size_t)nthr, nck = L.nck, nckh = prox ? L.nckh : 0;
    L.tstride = (3 * blk + Kz * p + 7) / 8 * 8 + 8;   /* a cache line between two threads' scratch */
    const size_t ncols = 11 * nv + 2 * nck * nv + 3 * nck + T * L.tstride + 1;
    double *rows = as__malloc(n * (4 * Kz + 2) * sizeof(double));
    double *cols = as__malloc(ncols * sizeof(double));
    double *dense = NULL;
    if (prox && rows && cols) {
        L.hrows = HBLOCK_DOUBLES / (dd ? dd : 1);
        if (L.hrows < 64) L.hrows = 64;
        if (L.hrows > L.ckrowsh) L.hrows = L.ckrowsh;
        L.hstride = (L.hrows * dd + 7) / 8 * 8 + 8;   /* every thread's block at the same alignment */
        dense = as__malloc((nv * nv + nckh * npair * dd * dd + T * L.hstride + 1) * sizeof(double));
        if (dense) L.H = dense, L.Gk = dense + nv * nv, L.thblk = L.Gk + nckh * npair * dd * dd;
    }
    if (!rows || !cols || (prox && !dense)) {
        as__free(rows);
        as__free(cols);
        as__free(dense);
        return as__err(err, AS_ERR_NOMEM, "out of memory fitting multinomial logistic regression on %zu x %zu, K = %d",
                       n, p, K);
    }
    L.Z = rows, L.P = rows + n * Kz, L.Zt = rows + 2 * n * Kz, L.Pt = rows + 3 * n * Kz;
    L.lse = rows + 4 * n * Kz, L.lset = L.lse + n;
    memset(cols, 0, ncols * sizeof(double));
    double *c = cols;
    double **vec[] = {&L.v, &L.g, &L.gt, &L.M, &L.Mt, &L.s, &L.r, &L.u, &L.dir, &L.Hd, &L.l1w};
    for (size_t k = 0; k < sizeof vec / sizeof vec[0]; k++) *vec[k] = c, c += nv;
    L.cg = c, c += nck * nv;
    L.cm = c, c += nck * nv;
    L.cl = c, c += nck;
    L.cmin = c, c += nck;
    L.cmax = c, c += nck;
    /* per thread: A, R, Xsq (blk each) and Gb (K·p) */
    L.tA = c, L.tR = c + blk, L.tXsq = c + 2 * blk, L.tGb = c + 3 * blk;
    L.pool = as__pool_new(nthr);   /* NULL (one thread) when nthr is 1 or the threads cannot be had */
    const int blas_threads = as__pool_blas_single();
    for (size_t j = 0; j < Kz * p; j++) L.l1w[j] = 1.0;   /* intercepts: 0, never penalized */

    /* Start at v = 0: every score 0, P = 1/K, lse = log K; the zero step fills gradient and preconditioner. */
    for (size_t i = 0; i < n * Kz; i++) L.Z[i] = 0, L.P[i] = 1.0 / (double)K;
    for (size_t i = 0; i < n; i++) L.lse[i] = log((double)K);
    trial_pass(&L, L.s);
    finish_trial(&L, L.s);
    accept(&L);
    double gnorm = sqrt(as__lr_vdot(L.g, L.g, nv));
    if (!isfinite(gnorm)) {
        st = as__err(err, AS_ERR_NUMERIC,
                     "multinomial logistic regression: the features hold non-finite values (NaN or infinity)");
        goto done;
    }
    if (quasi || prox) {
        as_lbfgs_fun fn = {nv, &L, lb_trial, lb_accept};
        as_lbfgs_opts o = {prm.lbfgs_memory, prm.max_iter, prm.tol, 0.0, l1 ? L.l1w : NULL,
                           l1 ? mn_flat_move : NULL};
        as_lbfgs_result res;
        as_lr_shift sh = {p, Kz, p};   /* coefficient j of every class: the loss only sees their differences */
        st = prox ? as__lr_prox_newton(&fn, mn_hessian, L.v, L.g, L.l1w, &sh, &o, &res, err)
                  : as__lbfgs_minimize(&fn, L.v, L.g, &o, &res, err);
        if (st) goto done;
        inf.solver = prox ? AS_SOLVER_NEWTON_CHOLESKY : AS_SOLVER_LBFGS;
        inf.iterations = res.iterations;
        inf.converged = res.converged;
        inf.hessian_formations = L.formations;
        gnorm = res.gnorm;
    } else {
        inf.solver = AS_SOLVER_TRON;
        tron_solve(&L, &prm, gnorm, &gnorm, &inf);
    }
    inf.grad_norm = gnorm;
    inf.function_evaluations = L.nfev;
    /* quasi_separated as in the binary fit: every row of positive weight scored highest for its own class
     * (certified separability; no penalty → no minimizer, reported as not converged), or, without a penalty, some
     * row's probability of its own class rounding to 1 */
    {
        double mingap, maxgap;
        double obj = objective(&L, &mingap, &maxgap);
        inf.objective = obj;
        inf.quasi_separated = mingap > 0 || (L.pen_none && maxgap > AS_LR_SATURATED);
        if (L.pen_none && mingap > 0) inf.converged = 0;
        if (!isfinite(obj)) {
            st = as__err(err, AS_ERR_NUMERIC, "multinomial logistic regression diverged (objective %g)", obj);
            goto done;
        }
    }
    /* rounding drift along the directions the objective ignores (see the header); under L1 the canonical point of
     * the (for K even, not unique) optimum */
    project(&L, L.v);
    if (l1) median_shift(&L, L.v, 1);
    memcpy(W, L.v, Kz * p * sizeof(double));
    for (size_t k = 0; k < Kz; k++) b[k] = L.icpt ? L.v[Kz * p + k] : 0.0;
    inf.nonzero = as__lr_nonzero(W, Kz * p);

done:
    if (info) *info = inf;
    as__pool_free(L.pool);
    as__pool_blas_restore(blas_threads);
    as__free(rows);
    as__free(cols);
    as__free(dense);
    return st;
}

void as__logreg_predict_multinomial(const double *X, size_t n, size_t p, int K, const double *W, const double *b,
                                    double *prob) {
    const size_t Kz = (size_t)K;
    for (size_t i0 = 0; i0 < n; i0 += MBLOCK) {
        const size_t nb = n - i0 < MBLOCK ? n - i0 : MBLOCK;
        double *Z = prob + i0 * Kz;
        if (p)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, K, (int)p, 1.0, X + i0 * p, (int)p, W,
                        (int)p, 0.0, Z, K);
        else memset(Z, 0, nb * Kz * sizeof(double));
        for (size_t t = 0; t < nb; t++) {
            double *z = Z + t * Kz, mx = -INFINITY, sum = 0;
            for (size_t k = 0; k < Kz; k++) {
                z[k] += b ? b[k] : 0.0;
                if (z[k] > mx) mx = z[k];
            }
            for (size_t k = 0; k < Kz; k++) sum += (z[k] = exp(z[k] - mx));
            for (size_t k = 0; k < Kz; k++) z[k] /= sum;
        }
    }
}

void as__class_weight_balanced(const int *cls, size_t n, int K, double *cw) {
    if (K <= 0) return;
    for (int k = 0; k < K; k++) cw[k] = 0;
    for (size_t i = 0; i < n; i++)
        if (cls[i] >= 0 && cls[i] < K) cw[cls[i]] += 1;
    /* n / (K · n_k) from the counts: rows whose code is out of range count in n (they are rows) but in no n_k */
    for (int k = 0; k < K; k++) cw[k] = cw[k] > 0 ? (double)n / ((double)K * cw[k]) : 0.0;
}
