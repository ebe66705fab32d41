/* Binary logistic regression, scikit-learn's objective (logreg.h). This file holds the binary workspace (per-row
 * margins, the accurate trial passes), its Newton paths and the parameter checks shared with logreg_multi.c; the
 * L1 and quasi-Newton solvers are generic (logreg_l1.c: proximal Newton, lbfgs.c: L-BFGS / OWL-QN) and run on
 * this workspace through lb_trial / lb_accept / lb_hessian. Penalties: L2 is part of the smooth objective below;
 * without a penalty the same code runs with R = 0 (L->l2 = 0: no ½‖w‖², no identity in the Hessian); L1 is
 * added by the L1 solvers on top of the loss alone.
 *
 * L2 (and none): a trust-region Newton method whose steps come from (preconditioned) conjugate gradients: TRON,
 * as described by Lin, Weng & Keerthi, "Trust region Newton method for large-scale logistic regression", JMLR 9
 * (2008), with the diagonal preconditioner of Hsia, Chiang & Lin (ACML 2018). Written from the papers.
 *
 *   f(v) = C · Σ_i s_i · ℓ(y_i z_i) + ½ ‖w‖²,   z_i = x_i·w + b,   ℓ(m) = log(1 + e^{−m}),   v = (w, b)
 *
 * The intercept b is an extra coordinate of v without penalty. The Hessian H = R + C·X̃ᵀ D X̃ (R = identity
 * on w and 0 on b, X̃ = [X 1], D_i = s_i σ(m_i) σ(−m_i)) is then only positive semi-definite in the b
 * direction; CG never needs more: dᵀHd = ‖d_w‖² + C Σ D_i (x̃_i·d)² is 0 only when d_w = 0 and every D_i
 * underflowed, and that case is handled as a direction of zero curvature (step to the trust-region boundary).
 * Without a penalty H = C·X̃ᵀ D X̃ is singular along collinear columns (and nearly so under separation): the same
 * zero-curvature handling covers CG, and newton_step's ridge covers the Cholesky factorization.
 *
 * Cost model: every product streams X once, row by row (row-major), doing a dot product and an axpy on the
 * row while it is in L1: Hv = R v + C X̃ᵀ(D (X̃ v)) in one pass, and a trial point's margins, loss change,
 * gradient and Hessian diagonal in one pass. All buffers are allocated once before the loop.
 *
 * Small d: Newton–Cholesky. One Hessian-vector product reads all n·d entries of X for 4 flops per 8 bytes, so it
 * runs at memory speed; forming the whole Hessian C·X̃ᵀ D X̃ costs n·d² flops, but as BLAS-3 rank-k updates
 * (dsyrk) near the arithmetic peak. Measured on the 2-core EPYC this was tuned on (OpenBLAS 0.3.21, one thread):
 * at d = 73, n = 188k a formation costs ~40 ms against ~14 ms per product (d/18 products); at d = 256 to 1024 about
 * d/40 products. CG, on the other hand, needs many products per Newton step on the ill-conditioned designs real
 * data gives (one-hot columns whose rare levels standardize to values ~100, collinear groups, rare positives): 35
 * per step on the real 188k × 72 matrix, 431 products in all (6 s) where Newton–Cholesky forms 13 Hessians
 * (0.85 s). Newton–Cholesky's iteration count does not depend on the conditioning, and its step is exact.
 * The Hessian is formed inside the pass that evaluates a trial point (rows are scaled by √D_i while in cache), so
 * an accepted step costs one pass. The step is globalized by Levenberg–Marquardt damping, a trust region in the
 * form that suits a Cholesky solver (see newton_solve). When to use which path: see NEWTON_ALWAYS_D.
 *
 * Threads and chunks. Every pass over the rows — the trial pass (loss change, gradient, and the Hessian or its
 * diagonal), the Hessian-vector product, L-BFGS's gradient pass, the objective — is split into chunks of rows that
 * a small worker pool (pool.c, created once per fit) runs: AS_THREADS threads when that variable is set, else every
 * online processor once the matrix has AS_LR_THREAD_MIN_CELLS entries (n·d; below that a pass is too short to pay
 * for waking a thread), else one. The chunking is a function of n only (of n and d for the passes that form H),
 * never of the thread count: nck = min(NCHUNK_MAX, ⌊n / CHUNK_MIN_ROWS⌋ + 1) chunks of ⌈n / nck⌉ rows rounded up
 * to a multiple of RBLOCK, the last one shorter (as__lr_chunks); the passes that form H use
 * min(nck, max(1, DENSE_CHUNK_DOUBLES / d²)) chunks, so that the chunks' partial Hessians fit in 16 MiB. A chunk
 * sums its rows (in RBLOCK blocks, as above) into its own partial gradient, diagonal, loss change and Hessian
 * (dsyrk of its own scaled blocks), whichever thread runs it, and the pass then adds the chunks' partial sums in
 * chunk order. A fit therefore gives the same bits with any number of threads (test_logreg's
 * test_threads_identical compares 1, 2 and 3). OpenBLAS is set to one thread for the whole fit: the rank-k updates
 * run inside the workers, and OpenBLAS's own threads (it threads dsyrk from d ≈ 128 on) would compete with them
 * for the same cores. logreg_multi.c chunks its passes the same way. */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ml/logreg_internal.h"
#include "ml/ml.h"

/* TRON's constants from the paper (AS_LR_ETA0 .. AS_LR_PRECOND_ALPHA): logreg_internal.h. */
/* Rows per partial sum: sums over a few hundred rows are added into the total, so rounding error grows with
 * the number of blocks rather than the number of rows (near the optimum the gradient is a difference of two
 * large sums, and its tiny value is what the stopping test reads). */
#define RBLOCK 256

/* Auto path choice (measured with tests/tools/ml_bench on a 2-core EPYC, OpenBLAS 0.3.21, see the header):
 * one Hessian formation costs about d/18 Hessian-vector products at d = 73 and d/40 at d = 256 to 1024. Up to
 * NEWTON_ALWAYS_D unknowns that is at most ~7 products, about what CG spends per Newton step even on
 * well-conditioned data, so Newton–Cholesky is used from the start (well-conditioned random problems: equal to
 * TRON at d = 60, 1.3× faster at d = 128; with one-hot columns 1.5–2× faster; the real 188k × 72 matrix 7×).
 * Above that the answer depends on the conditioning (well-conditioned d = 256 to 1024: TRON 1.5–2.5× faster;
 * with one-hot columns Newton–Cholesky 1–3× faster): TRON runs first, and once one of its steps needs at least
 * d / NEWTON_SWITCH_DIV CG products (about one formation, rounded in TRON's favour) the solver switches to
 * Newton–Cholesky from the current point. TRON's first steps are cheap (loose CG tolerance), its last ones are
 * where CG gets expensive, so the mix beats both on one-hot data (d = 192, 256, 512: 1.1, 1.3, 2.0 s against
 * TRON's 3.8, 4.4, 3.3 s and Newton–Cholesky's 1.6, 2.0, 3.2 s) and is on a par with TRON otherwise (d = 192,
 * 256 well-conditioned: within the ±15 % run-to-run noise of this machine). Above NEWTON_MAX_D unknowns the
 * 2·d² doubles (16 MiB at 1024) and the d³/3 factorizations are not worth it: TRON only. n < d (fewer rows than
 * unknowns) also stays with TRON: there the factorization, not the formation, would dominate. */
#define NEWTON_ALWAYS_D 128
#define NEWTON_MAX_D 1024
#define NEWTON_SWITCH_DIV 32
/* Newton's constant κ = ‖g⁺‖/‖g‖² counts as settled (the quadratic regime reached) when it grew by at most this
 * factor over the last plain step; only then may a trial pass skip the formation for a chord step (newton_solve).
 * Measured: 1.1–1.5 in the last steps of well-conditioned fits, ~2 and erratic on collinear one-hot groups, where
 * the convergence is linear long before the end. */
#define KAPPA_STABLE 1.6
/* Rows per dsyrk call: the scaled row block (≤ 2^17 doubles = 1 MiB) stays in L2 while BLAS reads it; fewer
 * than 64 rows would make each rank-k update too thin to run at BLAS-3 speed. */
#define HBLOCK_DOUBLES ((size_t)1 << 17)
#define HBLOCK_MIN_ROWS 64
/* Chunks (see the header): at most NCHUNK_MAX of at least about CHUNK_MIN_ROWS rows; passes that form H use
 * fewer when the chunks' d × d partial Hessians would exceed DENSE_CHUNK_DOUBLES (16 MiB) in all. */
#define NCHUNK_MAX 16
#define CHUNK_MIN_ROWS 1024
/* The per-row loops (dot products and axpys on a row in L1) are compiled twice, for the baseline x86-64 and for
 * AVX2, and the fit picks the AVX2 copy when the processor has it (LR_VARIANTS below). Only the vector width
 * changes: each of dot's four partial sums keeps its own lane, axpy has no sum at all, and ISO C mode
 * (-std=c11) forbids contracting a·b + c into an FMA, so both copies give the same bits (test_logreg compares
 * fits across threads, the tests run on the AVX2 copy on such machines and on the baseline one elsewhere). Not
 * with ifunc/target_clones: the sanitizers' runtimes are not up yet when an ifunc resolver runs. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define LR_INLINE static inline __attribute__((always_inline))
#define LR_VARIANTS(name)                                                                                        \
    __attribute__((target("avx2"))) static void name##_avx2(void *ctx, size_t c, int t) { name##_body(ctx, c, t); } \
    static void name##_base(void *ctx, size_t c, int t) { name##_body(ctx, c, t); }                                 \
    static as_pool_fn name##_fn(void) { return __builtin_cpu_supports("avx2") ? name##_avx2 : name##_base; }
#else
#define LR_INLINE static inline
#define LR_VARIANTS(name) \
    static as_pool_fn name##_fn(void) { return name##_body; }
#endif
#define DENSE_CHUNK_DOUBLES ((size_t)1 << 21)

enum { SOLVER_AUTO = AS_SOLVER_AUTO, SOLVER_TRON = AS_SOLVER_TRON, SOLVER_NEWTON = AS_SOLVER_NEWTON_CHOLESKY,
       SOLVER_LBFGS = AS_SOLVER_LBFGS };
/* What a trial pass computes besides the loss change and the gradient: TRON's diagonal, Newton's whole Hessian,
 * or nothing (L-BFGS / OWL-QN; that pass runs on BLAS, see grad_pass). */
enum { PASS_DIAG = 0, PASS_DENSE = 1, PASS_GRAD = 2, PASS_NONE = 3 };

as_logreg_params as__logreg_params_default(void) {
    as_logreg_params p;
    p.C = 1.0;
    p.tol = 1e-8;
    p.max_iter = 200;
    p.fit_intercept = 1;
    p.solver = SOLVER_AUTO;
    p.penalty = AS_PENALTY_L2;
    p.lbfgs_memory = 10;
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
    double *l, *lt;              /* ℓ(y_i z_i), kept up to date by the accurate changes (rows of weight 0: unused) */
    /* per coordinate */
    double *v, *g, *gt, *M, *Mt, *s, *r, *u, *dir, *Hd;
    /* Newton–Cholesky only: the Hessian at the trial point (formed by the trial pass) and at the current point
     * (d × d, column-major; swapped on acceptance like the per-row arrays; the current one's upper triangle is
     * factorized in place, its strict lower triangle keeps a copy so H + σI can be refactorized), the current
     * one's diagonal */
    double *H, *Hc, *hdiag;
    size_t hrows;                /* rows per rank-k update (the scaled block √D_i·x̃_i of each thread) */
    int dense;                   /* PASS_*: trial passes form H (Newton–Cholesky), the diagonal (TRON) or neither */
    int formed;                  /* the last trial pass formed H (accept then swaps H and Hc) */
    int l2;                      /* the smooth part carries ½‖w‖² (penalty L2); L1 is added by the L1 solvers */
    double l1;                   /* weight of ‖w‖₁ in the objective (1 under penalty L1, else 0) */
    int nfev;                    /* trial passes (loss + gradient evaluations) */
    /* Chunks (see the header): nck chunks of ckrows rows, nckd of ckrowsd rows in passes that form H. Per chunk
     * its partial sums: cg, cm (d each: gradient and diagonal, or a Hessian-vector product), cl (the loss or its
     * change), cmin, cmax (margins), cH (d × d, dense passes). Per thread its scratch: tacc, tacc2 (p each, at
     * the stride tstride), thblk (hrows × d, at the stride hstride). */
    size_t nck, ckrows, nckd, ckrowsd, tstride, hstride;
    double *cg, *cm, *cl, *cmin, *cmax, *cH, *tacc, *tacc2, *thblk;
    as_pool *pool;
    const double *arg;           /* the step (trial passes) or the vector (Hessian-vector products) of the pass */
} lr_ws;

LR_INLINE double dot(const double *restrict a, const double *restrict b, size_t p) {
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

LR_INLINE void axpy(double a, const double *restrict x, double *restrict y, size_t p) {
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
LR_INLINE void axpy2(double a, double h, const double *restrict x, double *restrict y, double *restrict y2,
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

static inline double ysign(const lr_ws *L, size_t i) { return L->y[i] > 0.5 ? 1.0 : -1.0; }
static inline double weight(const lr_ws *L, size_t i) { return L->sw ? L->sw[i] : 1.0; }

/* The rows [*r0, *r1) of chunk c (rows per chunk: ckrows, or ckrowsd in passes that form H). */
static inline void chunk_rows(const lr_ws *L, size_t c, int dense, size_t *r0, size_t *r1) {
    const size_t rows = dense ? L->ckrowsd : L->ckrows;
    *r0 = c * rows;
    *r1 = L->n - *r0 < rows ? L->n : *r0 + rows;
}

/* Adds the chunks' partial sums in chunk order: out[j] = Σ_c part[c·d + j] — never in the order the threads
 * happened to finish, so the result does not depend on how many there were. */
static void sum_chunks(const double *part, size_t nck, size_t d, double *out) {
    memcpy(out, part, d * sizeof(double));
    for (size_t c = 1; c < nck; c++)
        for (size_t j = 0; j < d; j++) out[j] += part[c * d + j];
}
static double sum_scalars(const double *part, size_t nck) {
    double t = 0;
    for (size_t c = 0; c < nck; c++) t += part[c];
    return t;
}

/* Newton–Cholesky: appends the row √D_i·x̃_i to a thread's block of scaled rows; a full block goes into the
 * chunk's H by one rank-k update, H += C · blockᵀ block (column-major: the block is d × k, row c of it is
 * column c). */
LR_INLINE void hess_row(const lr_ws *L, const double *x, double Di, double *blk, double *H, size_t *k) {
    const size_t p = L->p, d = L->d;
    double r = sqrt(Di);
    double *row = blk + *k * d;
    for (size_t j = 0; j < p; j++) row[j] = r * x[j];
    if (L->icpt) row[p] = r;
    if (++*k == L->hrows) {
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)d, (int)*k, L->C, blk, (int)d, 1.0, H, (int)d);
        *k = 0;
    }
}

/* One pass at the trial point v + step, given z, q at v:
 *   zt = z + X̃ step, qt, Dt at the trial point; gt = C X̃ᵀ(−y s qt) (data part of the gradient);
 *   TRON (PASS_DIAG): Mt = C diag(X̃ᵀ Dt X̃) (data part of the Hessian diagonal, for the preconditioner);
 *   Newton–Cholesky (PASS_DENSE): instead H = C X̃ᵀ Dt X̃ + R, the whole Hessian at the trial point, built from the
 *   rows while they are in cache. Newton steps are nearly always accepted, so this is the Hessian of the next
 *   iteration and no second pass over X is needed; for a refused step the formation is wasted. PASS_NONE: the
 *   gradient only (a Newton step expected to end the fit, see newton_solve).
 * Returns Σ_i s_i (ℓ(m'_i) − ℓ(m_i)).
 * The loss change is computed per row from the margin change δ = y_i (x̃_i·step) directly,
 * ℓ(m + δ) − ℓ(m) = log1p(σ(−m) · expm1(−δ)), which keeps full relative accuracy even when the change is
 * 1e-12 of the loss itself. Differencing two evaluations of f would leave only rounding noise there and the
 * trust-region ratio would stall well before a tight tolerance.
 * Each chunk of rows (trial_chunk, one task of the pool) sums its rows into its own partial gradient, diagonal,
 * loss change and Hessian; trial_pass adds the chunks in order. */
LR_INLINE void trial_chunk_body(void *ctx, size_t c, int t) {
    const lr_ws *L = ctx;
    const size_t p = L->p, d = L->d;
    const double *step = L->arg;
    const double sb = L->icpt ? step[p] : 0.0;
    const int dense = L->dense == PASS_DENSE && d > 0;   /* d = 0: nothing to form (and BLAS wants lda ≥ 1) */
    const int diag = L->dense == PASS_DIAG;
    size_t r0, r1, hk = 0;
    chunk_rows(L, c, dense, &r0, &r1);
    double *g = L->cg + c * d, *Mg = L->cm + c * d, *H = dense ? L->cH + c * d * d : NULL;
    double *acc = L->tacc + (size_t)t * L->tstride, *acc2 = L->tacc2 + (size_t)t * L->tstride;
    double *blk = dense ? L->thblk + (size_t)t * L->hstride : NULL;
    double dloss = 0;
    memset(g, 0, d * sizeof(double));
    memset(Mg, 0, d * sizeof(double));
    if (dense) memset(H, 0, d * d * sizeof(double));
    for (size_t i0 = r0; i0 < r1; i0 += RBLOCK) {
        size_t i1 = r1 - i0 < RBLOCK ? r1 : i0 + RBLOCK;
        double bl = 0, bg = 0, bh = 0;
        memset(acc, 0, p * sizeof(double));
        if (diag) memset(acc2, 0, p * sizeof(double));
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
                double dl, lt;
                if (fabs(delta) <= 1) {   /* ℓ changes by a factor e^{±1} at most: ℓ + dl loses nothing */
                    dl = as__lr_log1p(L->q[i] * as__lr_expm1(-delta));   /* argument > −1 */
                    lt = L->l[i] + dl;
                } else {   /* a large change: ℓ itself, and the difference has no cancellation to fear */
                    lt = (m > 0 ? 0.0 : -m) + log1p(e);
                    dl = lt - L->l[i];
                }
                L->lt[i] = lt;
                bl += s * dl;
                double coef = -y * s * qt;
                bg += coef;
                if (diag) {
                    axpy2(coef, Dt, x, acc, acc2, p);
                    bh += Dt;
                } else {
                    axpy(coef, x, acc, p);
                    if (dense && Dt > 0) hess_row(L, x, Dt, blk, H, &hk);   /* saturated rows add no curvature */
                }
            }
        }
        for (size_t j = 0; j < p; j++) g[j] += acc[j];
        if (diag)
            for (size_t j = 0; j < p; j++) Mg[j] += acc2[j];
        if (L->icpt) g[p] += bg, Mg[p] += bh;
        dloss += bl;
    }
    if (hk) cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)d, (int)hk, L->C, blk, (int)d, 1.0, H, (int)d);
    L->cl[c] = dloss;
}

LR_VARIANTS(trial_chunk)

static double grad_pass(lr_ws *L, const double *step);
static double trial_pass(lr_ws *L, const double *step) {
    if (L->dense == PASS_GRAD) return grad_pass(L, step);
    const size_t d = L->d;
    const int dense = L->dense == PASS_DENSE && d > 0;
    const size_t nck = dense ? L->nckd : L->nck;
    L->nfev++;
    L->formed = L->dense == PASS_DENSE;
    L->arg = step;
    as__pool_run(L->pool, nck, trial_chunk_fn(), L);
    sum_chunks(L->cg, nck, d, L->gt);
    sum_chunks(L->cm, nck, d, L->Mt);
    for (size_t j = 0; j < d; j++) L->gt[j] *= L->C, L->Mt[j] *= L->C;
    if (dense) {
        /* the upper triangle, column by column, chunk after chunk */
        double *H = L->H;
        for (size_t col = 0; col < d; col++) {
            double *h = H + col * d;
            memcpy(h, L->cH + col * d, (col + 1) * sizeof(double));
            for (size_t c = 1; c < nck; c++) {
                const double *hc = L->cH + c * d * d + col * d;
                for (size_t i = 0; i <= col; i++) h[i] += hc[i];
            }
        }
        if (L->l2)
            for (size_t j = 0; j < L->p; j++) H[j + j * d] += 1.0;
    }
    return sum_scalars(L->cl, nck);
}

/* The trial pass of L-BFGS and OWL-QN, which need neither the Hessian nor its diagonal: per block of rows that
 * stays in cache, dz = X_b step by one dgemv, the per-row loss change, probabilities and gradient coefficients,
 * then X_bᵀ coef by a second dgemv while the block is still in L2 (one pass over X from memory). The row
 * coefficients go into Dt, which this mode does not otherwise need; D is not valid in this mode. Chunked as
 * trial_pass. */
static void grad_chunk(void *ctx, size_t c, int t) {
    const lr_ws *L = ctx;
    const size_t p = L->p, d = L->d;
    const double *step = L->arg;
    const double sb = L->icpt ? step[p] : 0.0;
    size_t r0, r1;
    chunk_rows(L, c, 0, &r0, &r1);
    double *g = L->cg + c * d, *acc = L->tacc + (size_t)t * L->tstride;
    double dloss = 0;
    memset(g, 0, d * sizeof(double));
    for (size_t i0 = r0; i0 < r1; i0 += RBLOCK) {
        const size_t nb = r1 - i0 < RBLOCK ? r1 - i0 : RBLOCK;
        const double *Xb = L->X + i0 * p;
        double *zt = L->zt + i0, *coef = L->Dt + i0;
        if (p) cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)nb, (int)p, 1.0, Xb, (int)p, step, 1, 0.0, zt, 1);
        else memset(zt, 0, nb * sizeof(double));
        double bl = 0, bg = 0;
        for (size_t k = 0; k < nb; k++) {
            const size_t i = i0 + k;
            double s = weight(L, i), y = ysign(L, i);
            double dz = zt[k] + sb;
            double z = L->z[i] + dz;
            double m = y * z, delta = y * dz;
            double e = exp(-fabs(m));
            double qt = m >= 0 ? e / (1 + e) : 1 / (1 + e);
            zt[k] = z;
            L->qt[i] = qt;
            double cf = 0;
            if (s != 0) {
                double dl, lt;   /* as trial_pass */
                if (fabs(delta) <= 1) {
                    dl = as__lr_log1p(L->q[i] * as__lr_expm1(-delta));
                    lt = L->l[i] + dl;
                } else {
                    lt = (m > 0 ? 0.0 : -m) + log1p(e);
                    dl = lt - L->l[i];
                }
                L->lt[i] = lt;
                bl += s * dl;
                cf = -y * s * qt;
                bg += cf;
            }
            coef[k] = cf;
        }
        if (p) {
            cblas_dgemv(CblasRowMajor, CblasTrans, (int)nb, (int)p, 1.0, Xb, (int)p, coef, 1, 0.0, acc, 1);
            for (size_t j = 0; j < p; j++) g[j] += acc[j];
        }
        if (L->icpt) g[p] += bg;
        dloss += bl;
    }
    L->cl[c] = dloss;
}

static double grad_pass(lr_ws *L, const double *step) {
    const size_t d = L->d;
    L->nfev++;
    L->formed = 0;
    L->arg = step;
    as__pool_run(L->pool, L->nck, grad_chunk, L);
    sum_chunks(L->cg, L->nck, d, L->gt);
    memset(L->Mt, 0, d * sizeof(double));
    for (size_t j = 0; j < d; j++) L->gt[j] *= L->C;
    return sum_scalars(L->cl, L->nck);
}

/* out = H v = R v + C X̃ᵀ (D (X̃ v)), one pass over X (chunked as trial_pass). */
LR_INLINE void hess_vec_chunk_body(void *ctx, size_t c, int t) {
    const lr_ws *L = ctx;
    const size_t p = L->p, d = L->d;
    const double *vv = L->arg;
    const double vb = L->icpt ? vv[p] : 0.0;
    size_t r0, r1;
    chunk_rows(L, c, 0, &r0, &r1);
    double *out = L->cg + c * d, *acc = L->tacc + (size_t)t * L->tstride;
    memset(out, 0, d * sizeof(double));
    for (size_t i0 = r0; i0 < r1; i0 += RBLOCK) {
        size_t i1 = r1 - i0 < RBLOCK ? r1 : i0 + RBLOCK;
        double bb = 0;
        memset(acc, 0, p * sizeof(double));
        for (size_t i = i0; i < i1; i++) {
            double Di = L->D[i];
            if (Di == 0) continue;   /* saturated or zero-weight rows carry no curvature */
            const double *x = L->X + i * p;
            double t2 = Di * (dot(x, vv, p) + vb);
            axpy(t2, x, acc, p);
            bb += t2;
        }
        for (size_t j = 0; j < p; j++) out[j] += acc[j];
        if (L->icpt) out[p] += bb;
    }
}

LR_VARIANTS(hess_vec_chunk)

static void hess_vec(lr_ws *L, const double *vv, double *out) {
    const size_t p = L->p, d = L->d;
    L->arg = vv;
    as__pool_run(L->pool, L->nck, hess_vec_chunk_fn(), L);
    sum_chunks(L->cg, L->nck, d, out);
    for (size_t j = 0; j < d; j++) out[j] *= L->C;
    if (L->l2)
        for (size_t j = 0; j < p; j++) out[j] += vv[j];
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
    double ru = as__lr_vdot(r, u, d);
    int it = 0, max_it = (int)(2 * d + 20);   /* exact CG ends within d steps; rounding may need a few more */
    while (it < max_it) {
        if (sqrt(as__lr_vdot(r, r, d)) <= cgtol) break;
        hess_vec(L, dir, Hd);
        it++;
        double dHd = as__lr_vdot(dir, Hd, d);
        if (!(dHd > 0)) {
            /* zero (or rounding-negative) curvature along dir: the model decreases all the way to the boundary */
            double tau = as__lr_boundary_step(s, dir, M, d, delta);
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
            double tau = as__lr_boundary_step(s, dir, M, d, delta);
            for (size_t j = 0; j < d; j++) s[j] += tau * dir[j], r[j] -= tau * Hd[j];
            *hit_boundary = 1;
            break;
        }
        for (size_t j = 0; j < d; j++) s[j] += alpha * dir[j], r[j] -= alpha * Hd[j], u[j] = r[j] / M[j];
        double ru_new = as__lr_vdot(r, u, d);
        double beta = ru_new / ru;
        ru = ru_new;
        for (size_t j = 0; j < d; j++) dir[j] = u[j] + beta * dir[j];
    }
    return it;
}

/* Completes a trial evaluation: adds the L2 penalty (when it is part of the smooth objective) to the gradient and
 * Hessian diagonal at v + step and turns Mt into the preconditioner. Returns the change of the penalty
 * ½‖w + s_w‖² − ½‖w‖² = w·s_w + ½‖s_w‖² (0 without it). */
static double finish_trial(lr_ws *L, const double *step) {
    double dreg = 0;
    if (L->l2)
        for (size_t j = 0; j < L->p; j++) {
            double wn = L->v[j] + step[j];
            L->gt[j] += wn;
            L->Mt[j] += 1.0;
            dreg += L->v[j] * step[j] + 0.5 * step[j] * step[j];
        }
    for (size_t j = 0; j < L->d; j++) {
        double m = (1 - AS_LR_PRECOND_ALPHA) + AS_LR_PRECOND_ALPHA * L->Mt[j];
        L->Mt[j] = m > 0 ? m : 1.0;
    }
    return dreg;
}

/* The trial point becomes the current one: its per-row values, gradient, preconditioner and Hessian. */
static void accept(lr_ws *L) {
    as__lr_swap_ptr(&L->z, &L->zt), as__lr_swap_ptr(&L->q, &L->qt), as__lr_swap_ptr(&L->D, &L->Dt);
    as__lr_swap_ptr(&L->l, &L->lt);
    as__lr_swap_ptr(&L->g, &L->gt), as__lr_swap_ptr(&L->M, &L->Mt);
    if (L->formed) as__lr_swap_ptr(&L->H, &L->Hc);   /* else Hc stays the Hessian of an earlier point */
}

/* f at the current point from the cached margins (no pass over X), and min_i y_i z_i over rows of positive
 * weight (max_margin, when not NULL, receives the largest). The margins are updated incrementally and drift from
 * X̃v by a few ulps per iteration, far below anything reported. */
static void objective_chunk(void *ctx, size_t c, int t) {
    const lr_ws *L = ctx;
    double obj = 0, minm = INFINITY, maxm = -INFINITY;
    size_t r0, r1;
    (void)t;
    chunk_rows(L, c, 0, &r0, &r1);
    for (size_t i0 = r0; i0 < r1; i0 += RBLOCK) {
        size_t i1 = r1 - i0 < RBLOCK ? r1 : i0 + RBLOCK;
        double bl = 0;
        for (size_t i = i0; i < i1; i++) {
            double s = weight(L, i);
            if (s == 0) continue;
            double m = ysign(L, i) * L->z[i];
            bl += s * L->l[i];
            if (m < minm) minm = m;
            if (m > maxm) maxm = m;
        }
        obj += bl;
    }
    L->cl[c] = obj, L->cmin[c] = minm, L->cmax[c] = maxm;
}

static double objective(lr_ws *L, double *min_margin, double *max_margin) {
    as__pool_run(L->pool, L->nck, objective_chunk, L);
    double obj = sum_scalars(L->cl, L->nck), minm = INFINITY, maxm = -INFINITY;
    for (size_t c = 0; c < L->nck; c++) minm = fmin(minm, L->cmin[c]), maxm = fmax(maxm, L->cmax[c]);
    *min_margin = minm;
    if (max_margin) *max_margin = maxm;
    double reg = L->l2 ? 0.5 * as__lr_vdot(L->v, L->v, L->p) : 0.0;
    if (L->l1 > 0)
        for (size_t j = 0; j < L->p; j++) reg += L->l1 * fabs(L->v[j]);
    return L->C * obj + reg;
}

/* Re-evaluates the current point (a zero step) in the other mode: with L->dense the pass forms the Hessian for
 * Newton–Cholesky, without it the diagonal TRON preconditions with. Returns ‖∇f‖. */
static double reevaluate(lr_ws *L, int dense, double *zero) {
    L->dense = dense;
    memset(zero, 0, L->d * sizeof(double));
    trial_pass(L, zero);
    finish_trial(L, zero);
    accept(L);
    return sqrt(as__lr_vdot(L->g, L->g, L->d));
}

/* ---- TRON ---- */

/* Trust-region Newton-CG from the current point (v, z, q, D, g, M all describe it). Counts iterations on
 * inf->iterations, so a switch between the paths continues the same budget. Returns 1 when a step needed at least
 * switch_cg CG products (0 = never), i.e. Newton–Cholesky should take over from the current point; else 0. */
static int tron_solve(lr_ws *L, const as_logreg_params *prm, double gnorm0, int switch_cg, double *gnorm_io,
                      as_logreg_info *inf) {
    const size_t d = L->d;
    double gnorm = *gnorm_io;
    /* Initial radius ‖g‖ in the preconditioner's dual norm, i.e. ‖g‖ itself when M = I (the paper's Δ0). */
    double delta = 0;
    for (size_t j = 0; j < d; j++) delta += L->g[j] * L->g[j] / L->M[j];
    delta = sqrt(delta);
    int first = 1, to_newton = 0;
    while (as__lr_next_iteration(gnorm, gnorm0, prm->tol, prm->max_iter, &inf->iterations, &inf->converged)) {
        int boundary;
        /* CG accuracy: the paper's fixed ξ = 0.1 gives linear convergence, so reaching 1e-8 takes many outer
         * iterations (one extra data pass each). min(ξ, √(‖g‖/‖g0‖)) tightens as the gradient shrinks (the
         * classic superlinear forcing sequence of inexact Newton methods). The next gradient is about the CG
         * residual, so there is no point in a residual far below the stopping target: the floor is a tenth of it
         * (the tenth leaves room for the second-order term, and lands the coefficients well inside 1e-6 of the
         * optimum on the parity data; half of it measured 2–4e-7 there). */
        double eta = fmax(fmin(AS_LR_XI, sqrt(gnorm / gnorm0)), 0.1 * prm->tol * gnorm0 / gnorm);
        int cg = trcg(L, delta, eta * gnorm, &boundary);
        inf->hessian_products += cg;
        if (switch_cg > 0 && cg >= switch_cg) to_newton = 1;   /* after this step is taken or refused */
        double gs = as__lr_vdot(L->g, L->s, d), sr = as__lr_vdot(L->s, L->r, d);
        double prered = -0.5 * (gs - sr);   /* −(gᵀs + ½ sᵀHs), using Hs = −g − r */
        double snorm = 0;
        for (size_t j = 0; j < d; j++) snorm += L->M[j] * L->s[j] * L->s[j];
        snorm = sqrt(snorm);
        if (!(prered > 0) || snorm == 0) break;   /* no model decrease left: rounding has the last word */

        double dloss = trial_pass(L, L->s);
        double dreg = finish_trial(L, L->s);
        double actred = -(L->C * dloss + dreg);   /* f(v) − f(v + s), accurate even when tiny */
        double gtn = sqrt(as__lr_vdot(L->gt, L->gt, d));

        if (first) delta = delta < snorm ? delta : snorm;
        first = 0;
        if (!isfinite(actred) || !isfinite(gtn)) {
            /* overflow at the trial point (absurd step): reject and shrink hard */
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
        if (to_newton) break;
    }
    *gnorm_io = gnorm;
    return to_newton;
}

/* ---- Newton–Cholesky ---- */

/* s = −(H + σI)⁻¹ g by Cholesky of the current point's Hessian Hc, with σ = λ (the Levenberg–Marquardt damping
 * of newton_solve) plus a ridge when needed. H is positive definite in exact arithmetic unless every D_i underflowed
 * (then the intercept has no curvature), but with C·D·x² up to ~1e4 × ‖R‖ on one-hot columns rounding can still
 * break the factorization. Then a ridge starting at 1e-12 of the largest diagonal entry and growing ×100 is added:
 * H + σI still gives a descent direction, and the trust-region test and the next iterations correct for it.
 * fresh: Hc was just formed; its diagonal is saved and its upper triangle copied into the strict lower one, which
 * the factorization (upper) leaves alone, so later calls at the same point can rebuild Hc + σI.
 * Returns 0 with the step in s and σ in *shift, −1 when no factorization gave a descent direction. */
static int newton_step(lr_ws *L, double lambda, int fresh, double *dmax_io, double *shift) {
    const size_t d = L->d;
    double *H = L->Hc;
    if (fresh) {
        double dmax = 0;
        for (size_t j = 0; j < d; j++) {
            double h = H[j + j * d];
            if (!isfinite(h)) return -1;
            L->hdiag[j] = h;
            if (h > dmax) dmax = h;
            for (size_t i = 0; i < j; i++) H[j + i * d] = H[i + j * d];
        }
        *dmax_io = dmax;
    }
    double ridge = 0;
    for (int attempt = 0; attempt < 8; attempt++) {
        double sigma = lambda + ridge;
        if (!(fresh && attempt == 0))
            for (size_t j = 0; j < d; j++)
                for (size_t i = 0; i < j; i++) H[i + j * d] = H[j + i * d];
        for (size_t j = 0; j < d; j++) H[j + j * d] = L->hdiag[j] + sigma;
        ridge = ridge == 0 ? 1e-12 * fmax(*dmax_io, 1.0) : 100 * ridge;
        /* the _work variants: column-major needs no transposed copy, so LAPACKE allocates nothing */
        if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)d, H, (lapack_int)d) != 0) continue;
        for (size_t j = 0; j < d; j++) L->s[j] = -L->g[j];
        if (LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'U', (lapack_int)d, 1, H, (lapack_int)d, L->s, (lapack_int)d) != 0)
            continue;
        double gs = as__lr_vdot(L->g, L->s, d), ss = as__lr_vdot(L->s, L->s, d);
        if (gs < 0 && isfinite(ss)) {
            *shift = sigma;
            return 0;
        }
    }
    return -1;
}

/* Newton's method with the exact Hessian from the current point, whose Hessian the last pass formed, globalized
 * by Levenberg–Marquardt damping, i.e. a trust region in the form that suits a Cholesky solver: the step is
 * s = −(H + λI)⁻¹ g, the model's predicted decrease −gᵀs − ½sᵀHs is compared with the actual one (the accurate
 * loss-change pass), λ = 0 (the plain Newton step) as long as the model predicts well, and λ grows ×10 on a
 * refused step, starting at 1e-3 of the largest curvature. Damping shortens the step most along the directions of
 * least curvature, which is where the plain Newton step overshoots (rare one-hot levels, nearly separated rows);
 * scaling the whole step back, as a line search does, also slows every well-modelled direction: measured on
 * ml_bench 14000 × 1000 with one-hot columns, a backtracking line search took 14 steps of α = 0.1 in a row.
 * A refused step costs a pass (with a wasted formation, see trial_pass) and a refactorization of the same Hessian
 * with the larger λ. Returns 1 when the Hessian could not give a descent direction, so the caller should continue
 * with TRON from the current point, else 0. */
static int newton_solve(lr_ws *L, const as_logreg_params *prm, double gnorm0, double fstart, double *gnorm_io,
                        as_logreg_info *inf) {
    const size_t d = L->d;
    double gnorm = *gnorm_io;
    /* f only to recognize changes at the rounding level: fstart when the caller knows it (NAN: from the margins) */
    double minm, fval = isnan(fstart) ? objective(L, &minm, NULL) : fstart;
    double lambda = 0, dmax = 0;
    /* The Hessian in Hc was formed at a point `age` accepted steps back (0: the current point), whose gradient
     * norm was ga; kappa is Newton's constant measured on the last plain step (0: none yet, or a damped step since) */
    double kappa = 0, kgrow = INFINITY, ga = gnorm;   /* kgrow: kappa over the one before */
    const double target = 0.5 * prm->tol * gnorm0;
    int age = 0, fresh = 1, refused = 0, fallback = 0;
    while (as__lr_next_iteration(gnorm, gnorm0, prm->tol, prm->max_iter, &inf->iterations, &inf->converged)) {
        double sigma;
        /* plain: the undamped Newton step on the current point's own Hessian */
        const int plain = age == 0 && lambda == 0;
        if (newton_step(L, lambda, fresh, &dmax, &sigma) != 0) {
            fallback = 1;
            break;
        }
        fresh = 0;
        /* Formations the fit would not use. Near the optimum Newton converges quadratically, ‖g⁺‖ ≈ κ‖g‖², and κ
         * measured on the last plain step predicts the next gradient well (within a few % on the benchmark
         * sets). A step on the Hessian of the point before (a chord step) contracts the gradient by about 2κ‖g_a‖
         * instead, g_a the gradient where that Hessian was formed (the Hessian's change over the last step, in
         * one dimension exactly that). The trial pass skips forming the Hessian at the trial point when the
         * prediction says it will not be needed: the trial point ends the fit (predicted ‖g⁺‖ below half the
         * stopping target), or the chord step from it will (predicted ‖g⁺‖ · 2κ‖g‖ below it; only once κ has
         * settled, KAPPA_STABLE). While κ still grows it is extrapolated by its last growth. On the benchmark sets
         * that saves 1 or 2 of 6 or 7 formations, and the fit ends at the same iteration; on collinear one-hot
         * groups (linear convergence to the end) the predictions never fire. If one fails the fit goes on with
         * chord steps on the older Hessian (still contracting strongly at that distance from the optimum), and as
         * soon as no prediction applies the trial pass forms the Hessian again. The decisions depend on the
         * gradient norms only, so they are the same with any number of threads. */
        int form = 1;
        if (kappa > 0 && kgrow < INFINITY && lambda == 0 && age <= 1) {
            const double kap = kappa * fmax(kgrow, 1.0);   /* κ still growing: extrapolated */
            const double gpred = age == 0 ? kap * gnorm * gnorm : 2 * kap * ga * gnorm;
            form = !(gpred <= target || (age == 0 && kgrow <= KAPPA_STABLE && gpred * 2 * kap * gnorm <= target));
        }
        double gs = as__lr_vdot(L->g, L->s, d), ss = as__lr_vdot(L->s, L->s, d);
        double prered = 0.5 * (sigma * ss - gs);   /* −gᵀs − ½sᵀHs with sᵀHs = −gᵀs − σ‖s‖² */
        L->dense = form ? PASS_DENSE : PASS_NONE;
        double dloss = trial_pass(L, L->s);
        L->dense = PASS_DENSE;
        double dreg = finish_trial(L, L->s);
        inf->hessian_formations += form;
        double actred = -(L->C * dloss + dreg);   /* f(v) − f(v + s), accurate even when tiny */
        double gtn = sqrt(as__lr_vdot(L->gt, L->gt, d));
        int finite = isfinite(actred) && isfinite(gtn);
        /* Changes of f below ~16 ulps of f are rounding (the per-row loss changes are accurate, their sum is not
         * better than the ulps of its largest terms): when both the promised and the actual change are that small,
         * the gradient decides, as in scikit-learn's newton-cholesky. */
        double noise = 16 * DBL_EPSILON * fabs(fval);
        int rounding = fabs(actred) <= noise && prered <= noise;
        if (finite && (actred > AS_LR_ETA0 * prered || (rounding && gtn < gnorm))) {
            for (size_t j = 0; j < d; j++) L->v[j] += L->s[j];
            accept(L);
            if (plain) {
                double k = gtn / (gnorm * gnorm);
                kgrow = kappa > 0 ? k / kappa : INFINITY;
                kappa = k;
            } else if (lambda > 0) kappa = 0, kgrow = INFINITY;
            if (form) age = 0, ga = gtn;
            else age++;
            gnorm = gtn;
            fval -= actred;
            fresh = form;
            refused = 0;
            double rho = actred / prered;
            /* below 1e-6 the damping is lost next to the penalty's curvature 1: back to the plain Newton step */
            if (rho > AS_LR_ETA2) lambda = lambda < 1e-5 ? 0 : lambda / 10;
            else if (rho < AS_LR_ETA1) lambda = fmax(4 * lambda, 1e-3 * fmax(dmax, 1.0));
        } else {
            if (prered <= noise || ++refused > 40) break;   /* rounding has the last word */
            lambda = fmax(10 * lambda, 1e-3 * fmax(dmax, 1.0));
        }
    }
    *gnorm_io = gnorm;
    return fallback;
}

void as__lr_chunks(size_t n, size_t want, size_t block, size_t *nck, size_t *rows) {
    if (want < 1) want = 1;
    size_t r = n / want + (n % want != 0);
    r = (r / block + (r % block != 0)) * block;
    if (r == 0) r = block;
    *rows = r;
    *nck = n / r + (n % r != 0);
    if (*nck == 0) *nck = 1;
}

int as__lr_threads(double cells, size_t nck) {
    int t = as__pool_threads_env();
    if (t == 0) t = cells >= AS_LR_THREAD_MIN_CELLS ? as__pool_cpus() : 1;
    if ((size_t)t > nck) t = (int)nck;
    return t < 1 ? 1 : t;
}

as_status as__lr_check_params(const as_logreg_params *params, as_logreg_params *out, as_error *err) {
    as_logreg_params prm = params ? *params : as__logreg_params_default();
    if (prm.penalty != AS_PENALTY_L2 && prm.penalty != AS_PENALTY_L1 && prm.penalty != AS_PENALTY_NONE)
        return as__err(err, AS_ERR_INVALID,
                       "logistic regression: penalty must be 0 (L2), 1 (L1) or 2 (none), got %d", prm.penalty);
    if (prm.penalty == AS_PENALTY_NONE) {
        if (!(prm.C > 0) || !isfinite(prm.C)) prm.C = 1.0;   /* C only scales the loss: same minimizer */
    } else if (!(prm.C > 0) || !isfinite(prm.C))
        return as__err(err, AS_ERR_INVALID, "logistic regression: C must be a positive number, got %g", prm.C);
    if (!(prm.tol >= 0)) return as__err(err, AS_ERR_INVALID, "logistic regression: tol must be >= 0, got %g", prm.tol);
    if (prm.max_iter < 0)
        return as__err(err, AS_ERR_INVALID, "logistic regression: max_iter must be >= 0, got %d", prm.max_iter);
    if (prm.solver != SOLVER_AUTO && prm.solver != SOLVER_TRON && prm.solver != SOLVER_NEWTON &&
        prm.solver != SOLVER_LBFGS)
        return as__err(err, AS_ERR_INVALID,
                       "logistic regression: solver must be 0 (auto), 1 (TRON), 2 (Newton-Cholesky) or 3 (L-BFGS), "
                       "got %d", prm.solver);
    if (prm.lbfgs_memory < 0 || prm.lbfgs_memory > 1000)
        return as__err(err, AS_ERR_INVALID, "logistic regression: lbfgs_memory must be in 0..1000, got %d",
                       prm.lbfgs_memory);
    if (prm.lbfgs_memory == 0) prm.lbfgs_memory = 10;
    *out = prm;
    return AS_OK;
}

size_t as__lr_nonzero(const double *w, size_t count) {
    size_t nz = 0;
    for (size_t j = 0; j < count; j++) nz += w[j] != 0;
    return nz;
}

/* ---- L-BFGS, OWL-QN and proximal Newton on the binary workspace ----
 * The minimizers own the point: they get L->v itself as x, so finish_trial's penalty change (which reads L->v)
 * sees the current point, and they add the accepted step to it after accept. */
static double lb_trial(void *ctx, const double *x, const double *step, double *g) {
    lr_ws *L = ctx;
    (void)x;   /* == L->v */
    double dloss = trial_pass(L, step);
    double dreg = finish_trial(L, step);
    memcpy(g, L->gt, L->d * sizeof(double));
    return L->C * dloss + dreg;
}
static void lb_accept(void *ctx) { accept((lr_ws *)ctx); }
static double *lb_hessian(void *ctx) { return ((lr_ws *)ctx)->Hc; }

as_status as__logreg_fit(const double *X, size_t n, size_t p, const double *y, const double *sw,
                         const as_logreg_params *params, double *w, double *intercept, as_logreg_info *info,
                         as_error *err) {
    as_logreg_params prm;
    as_logreg_info inf;
    memset(&inf, 0, sizeof inf);
    if (info) *info = inf;
    as_status st = as__lr_check_params(params, &prm, err);
    if (st) return st;
    if (n == 0) return as__err(err, AS_ERR_NODATA, "logistic regression: no training rows");
    if (p >= (size_t)INT_MAX)   /* BLAS takes int dimensions */
        return as__err(err, AS_ERR_INVALID, "logistic regression: too many columns (%zu)", p);

    size_t npos = 0, nneg = 0;
    double wsum = 0;   /* Σ s_i */
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 0 && y[i] != 1)
            return as__err(err, AS_ERR_INVALID, "logistic regression: label of row %zu is %g, expected 0 or 1", i,
                           y[i]);
        double s = sw ? sw[i] : 1.0;
        if (!(s >= 0) || !isfinite(s))
            return as__err(err, AS_ERR_INVALID, "logistic regression: weight of row %zu is %g, expected >= 0", i, s);
        wsum += s;
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
    L.l2 = prm.penalty == AS_PENALTY_L2;
    L.l1 = prm.penalty == AS_PENALTY_L1 ? 1.0 : 0.0;
    const size_t d = L.d;
    /* The path. L1: proximal Newton on the exact Hessian while it fits (NEWTON_MAX_D; the inner coordinate
     * descent needs no factorization, so n < d is fine), OWL-QN when asked for L-BFGS or beyond that size.
     * L2 / none: L-BFGS when asked; otherwise newton = Newton–Cholesky from the start, may_switch = TRON first,
     * Newton–Cholesky when CG gets expensive. */
    int fits = d <= NEWTON_MAX_D && d <= n;
    int l1 = prm.penalty == AS_PENALTY_L1;
    int prox = l1 && prm.solver != SOLVER_LBFGS && d <= NEWTON_MAX_D;
    int quasi = prm.solver == SOLVER_LBFGS || (l1 && !prox);
    int newton = !l1 && !quasi &&
                 (prm.solver == SOLVER_NEWTON || (prm.solver == SOLVER_AUTO && fits && d <= NEWTON_ALWAYS_D));
    int may_switch = !l1 && !quasi && prm.solver == SOLVER_AUTO && fits && !newton;
    int want_dense = newton || may_switch || prox;
    /* chunks and threads (see the header) */
    size_t want = n / CHUNK_MIN_ROWS + 1, wantd;
    if (want > NCHUNK_MAX) want = NCHUNK_MAX;
    wantd = d ? DENSE_CHUNK_DOUBLES / d / d : want;
    wantd = wantd < 1 ? 1 : wantd > want ? want : wantd;
    as__lr_chunks(n, want, RBLOCK, &L.nck, &L.ckrows);
    as__lr_chunks(n, wantd, RBLOCK, &L.nckd, &L.ckrowsd);
    const int nthr = as__lr_threads((double)n * (double)(d ? d : 1), L.nck);
    const size_t T = (size_t)nthr, nck = L.nck, nckd = want_dense ? L.nckd : 0;
    L.tstride = (p + 7) / 8 * 8 + 8;   /* a cache line between two threads' sums */
    if (n > SIZE_MAX / (8 * sizeof(double)) || d > SIZE_MAX / (64 * sizeof(double)) ||
        (want_dense && d > ((size_t)1 << 20)))   /* 2d² doubles, and d must fit LAPACK's int */
        return as__err(err, AS_ERR_NOMEM, "logistic regression: problem too large (%zu x %zu)", n, p);
    /* columns: 12 vectors of d, per chunk 2 of d and 3 scalars, per thread 2 of tstride */
    const size_t ncols = 12 * (d ? d : 1) + 2 * nck * d + 3 * nck + 2 * T * L.tstride;
    double *rows = as__malloc(8 * n * sizeof(double));
    double *cols = as__malloc(ncols * sizeof(double));
    double *dense = NULL;
    if (want_dense && rows && cols) {
        L.hrows = HBLOCK_DOUBLES / (d ? d : 1);
        if (L.hrows < HBLOCK_MIN_ROWS) L.hrows = HBLOCK_MIN_ROWS;
        if (L.hrows > L.ckrowsd) L.hrows = L.ckrowsd;
        L.hstride = (L.hrows * d + 7) / 8 * 8 + 8;   /* every thread's block at the same alignment */
        /* H, Hc, the diagonal, the chunks' Hessians, the threads' scaled blocks */
        dense = as__malloc(((2 + nckd) * d * d + d + T * L.hstride + 1) * sizeof(double));
    }
    if (!rows || !cols || (want_dense && !dense)) {
        as__free(rows);
        as__free(cols);
        as__free(dense);
        return as__err(err, AS_ERR_NOMEM, "out of memory fitting logistic regression on %zu x %zu", n, p);
    }
    if (dense) {
        L.H = dense, L.Hc = dense + d * d, L.hdiag = dense + 2 * d * d;
        L.cH = L.hdiag + d, L.thblk = L.cH + nckd * d * d;
    }
    L.z = rows, L.q = rows + n, L.D = rows + 2 * n, L.zt = rows + 3 * n, L.qt = rows + 4 * n, L.Dt = rows + 5 * n;
    L.l = rows + 6 * n, L.lt = rows + 7 * n;
    memset(cols, 0, ncols * sizeof(double));
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
    double *l1w = c;     /* L1 weights per coordinate: 1 on w, 0 on the (never penalized) intercept */
    c += d;
    double *zero = c;    /* the zero step of the first evaluation (and of re-evaluations when switching paths) */
    c += d ? d : 1;
    L.cg = c, c += nck * d;
    L.cm = c, c += nck * d;
    L.cl = c, c += nck;
    L.cmin = c, c += nck;
    L.cmax = c, c += nck;
    L.tacc = c, c += T * L.tstride;
    L.tacc2 = c;
    L.pool = as__pool_new(nthr);   /* NULL (one thread) when nthr is 1 or the threads cannot be had */
    const int blas_threads = as__pool_blas_single();
    for (size_t j = 0; j < p; j++) l1w[j] = 1.0;

    /* Start at v = 0: z = 0, q = σ(0) = ½. Evaluating the zero step fills the gradient and the preconditioner
     * (or the Hessian) through the same code as every later point. */
    const double ln2 = log(2.0);   /* ℓ(0) */
    for (size_t i = 0; i < n; i++) L.z[i] = 0, L.q[i] = 0.5, L.l[i] = ln2;
    double gnorm = reevaluate(&L, quasi ? PASS_GRAD : want_dense && !may_switch ? PASS_DENSE : PASS_DIAG, zero);
    inf.hessian_formations = newton || prox;
    if (!isfinite(gnorm)) {
        st = as__err(err, AS_ERR_NUMERIC, "logistic regression: the features hold non-finite values (NaN or infinity)");
        goto done;
    }
    if (quasi || prox) {
        as_lbfgs_fun fn = {d, &L, lb_trial, lb_accept};
        as_lbfgs_opts o = {prm.lbfgs_memory, prm.max_iter, prm.tol, 0.0, l1 ? l1w : NULL, NULL};
        as_lbfgs_result res;
        st = prox ? as__lr_prox_newton(&fn, lb_hessian, L.v, L.g, l1w, NULL, &o, &res, err)
                  : as__lbfgs_minimize(&fn, L.v, L.g, &o, &res, err);
        if (st) goto done;
        inf.solver = prox ? SOLVER_NEWTON : SOLVER_LBFGS;
        inf.iterations = res.iterations;
        inf.converged = res.converged;
        gnorm = res.gnorm;
        if (prox) inf.hessian_formations += res.evaluations;
    } else {
        double gnorm0 = gnorm;
        /* At most two changes of path: TRON → Newton–Cholesky (CG got expensive), and Newton–Cholesky → TRON (the
         * Hessian gave no descent direction), never back. */
        for (;;) {
            if (newton) {
                inf.solver = SOLVER_NEWTON;
                /* from the start (v = 0) f is C·log 2·Σ s_i: no pass for it */
                if (!newton_solve(&L, &prm, gnorm0, inf.iterations ? NAN : prm.C * log(2.0) * wsum, &gnorm,
                                  &inf))
                    break;
                /* the Newton passes skipped the diagonal TRON preconditions with: one more pass computes it */
                newton = may_switch = 0;
                gnorm = reevaluate(&L, PASS_DIAG, zero);
            } else {
                inf.solver = SOLVER_TRON;
                int switch_cg = may_switch ? (int)(d / NEWTON_SWITCH_DIV) : 0;
                if (!tron_solve(&L, &prm, gnorm0, switch_cg, &gnorm, &inf)) break;
                newton = 1, may_switch = 0;
                gnorm = reevaluate(&L, PASS_DENSE, zero);
                inf.hessian_formations++;
            }
        }
    }
    inf.grad_norm = gnorm;
    inf.function_evaluations = L.nfev;

    /* Final report from the cached margins, so no extra pass over X: the objective, and the separation test.
     * quasi_separated: the fitted hyperplane puts every row of positive weight strictly on its label's side
     * (min_i y_i z_i > 0). That certifies the classes are linearly separable: without the penalty the loss
     * could be pushed to 0 by scaling the weights up without bound, so with it the weights' size is set by C
     * alone and training probabilities are overconfident. Quasi-complete separation (a separating direction
     * with some rows exactly on the boundary) is flagged only when the fit itself separates; proving it in
     * general needs a linear program. Without a penalty nothing bounds the weights, so there the flag is also
     * raised when some row's probability of its own label rounds to 1 (margin > AS_LR_SATURATED): the weights are
     * running off along a (quasi-)separating direction, or at best the fit is overconfident on that row. With
     * complete separation and no penalty no minimizer exists, so the fit is reported as not converged whatever
     * the gradient test said (the weights are finite: the test stops the growth once the gradient underflows
     * relative to the start, or max_iter does). */
    {
        double minm, maxm;
        double obj = objective(&L, &minm, &maxm);
        inf.objective = obj;
        inf.quasi_separated = minm > 0 || (prm.penalty == AS_PENALTY_NONE && maxm > AS_LR_SATURATED);
        if (prm.penalty == AS_PENALTY_NONE && minm > 0) inf.converged = 0;
        if (!isfinite(obj)) {
            st = as__err(err, AS_ERR_NUMERIC, "logistic regression diverged (objective %g)", obj);
            goto done;
        }
    }
    memcpy(w, L.v, p * sizeof(double));
    if (intercept) *intercept = L.icpt ? L.v[p] : 0.0;
    inf.nonzero = as__lr_nonzero(w, p);

done:
    if (info) *info = inf;
    as__pool_free(L.pool);
    as__pool_blas_restore(blas_threads);
    as__free(rows);
    as__free(cols);
    as__free(dense);
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
