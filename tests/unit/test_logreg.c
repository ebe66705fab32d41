/* Unit tests of logistic regression beyond test_ml.c's binary L2 checks: penalties none and L1, multinomial,
 * L-BFGS / OWL-QN, proximal Newton, class weights, parameter validation, allocation failures.
 *
 * Reference numbers were computed once with Debian's numpy 1.24.2 / scikit-learn 1.2.1 (/usr/bin/python3); each
 * block names the exact call. Optimality is also checked directly: the gradient (L1: the KKT conditions) is
 * recomputed here from the definitions, independently of the solvers. */
#include <float.h>

#include "ml/ml.h"
#include "test.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------------------- */
/* data                                                                                                      */
/* ------------------------------------------------------------------------------------------------------- */

/* 60 × 3 deterministic rows, three classes (25 / 21 / 14 rows), not separable. The Python twin:
 *   i = np.arange(60)
 *   X = np.stack([((i*7) % 11 - 5) / 2.0, ((i*5) % 13 - 6) / 3.0, (i % 4) - 1.5], axis=1)
 *   s0 = X[:, 0] + 0.8 * (((i*11) % 7) - 3) / 3.0
 *   s1 = X[:, 1] - 0.5 * X[:, 0] + 0.8 * (((i*3) % 5) - 2) / 2.0
 *   s2 = 0.4 * X[:, 2] + 0.3
 *   cls = np.argmax(np.stack([s0, s1, s2], axis=1), axis=1);  yb = (cls == 0).astype(float) */
static void m_data(double *X, int *cls, double *yb) {
    for (int i = 0; i < 60; i++) {
        double *x = X + i * 3;
        x[0] = ((i * 7) % 11 - 5) / 2.0;
        x[1] = ((i * 5) % 13 - 6) / 3.0;
        x[2] = (i % 4) - 1.5;
        double s[3] = {x[0] + 0.8 * (((i * 11) % 7) - 3) / 3.0, x[1] - 0.5 * x[0] + 0.8 * (((i * 3) % 5) - 2) / 2.0,
                       0.4 * x[2] + 0.3};
        int c = 0;
        for (int k = 1; k < 3; k++)
            if (s[k] > s[c]) c = k;   /* np.argmax: the first of equal maxima */
        cls[i] = c;
        if (yb) yb[i] = c == 0 ? 1 : 0;
    }
}

static uint64_t rng;
static double unif(void) {   /* splitmix64 → (0, 1) */
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void) { return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif()); }

/* A random non-separable problem: n × p correlated normal columns; K = 2 gives y (0/1) from a logistic model,
 * K ≥ 3 gives cls from a softmax model; weights in (0.2, 3) with every 9th row 0. */
static void r_data(uint64_t seed, size_t n, size_t p, int K, double *X, double *y, int *cls, double *sw) {
    rng = seed;
    double beta[8 * 8];
    for (size_t j = 0; j < (size_t)(K < 3 ? 1 : K) * p; j++) beta[j] = 0.8 * gauss();
    for (size_t i = 0; i < n; i++) {
        double f = gauss();
        for (size_t j = 0; j < p; j++) X[i * p + j] = gauss() + 0.4 * f;
        if (K < 3) {
            double z = 0.2;
            for (size_t j = 0; j < p; j++) z += beta[j] * X[i * p + j];
            y[i] = unif() < 1 / (1 + exp(-z)) ? 1 : 0;
            cls[i] = (int)y[i];
        } else {
            double e[8], tot = 0;
            for (int k = 0; k < K; k++) {
                double z = 0;
                for (size_t j = 0; j < p; j++) z += beta[(size_t)k * p + j] * X[i * p + j];
                tot += (e[k] = exp(z));
            }
            double u = unif() * tot;
            int c = K - 1;
            for (int k = 0; k < K; k++)
                if ((u -= e[k]) < 0) { c = k; break; }
            cls[i] = c;
            y[i] = c;
        }
        sw[i] = i % 9 == 4 ? 0.0 : 0.2 + 2.8 * unif();
    }
}

/* ------------------------------------------------------------------------------------------------------- */
/* independent gradients                                                                                     */
/* ------------------------------------------------------------------------------------------------------- */

/* g = C Σ s_i (σ(x̃_i·v) − y_i) x̃_i, the gradient of the loss term (no penalty); g[p] is the intercept's. */
static void bin_loss_grad(const double *X, size_t n, size_t p, const double *y, const double *sw, double C,
                          const double *w, double b, double *g) {
    memset(g, 0, (p + 1) * sizeof *g);
    for (size_t i = 0; i < n; i++) {
        double z = b;
        for (size_t j = 0; j < p; j++) z += X[i * p + j] * w[j];
        double r = C * (sw ? sw[i] : 1.0) * (1 / (1 + exp(-z)) - y[i]);
        for (size_t j = 0; j < p; j++) g[j] += r * X[i * p + j];
        g[p] += r;
    }
}

/* The same for the multinomial loss: G (K × p) then the K intercept entries. */
static void mn_loss_grad(const double *X, size_t n, size_t p, const int *cls, int K, const double *sw, double C,
                         const double *W, const double *b, double *g) {
    memset(g, 0, (size_t)K * (p + 1) * sizeof *g);
    double z[8];
    for (size_t i = 0; i < n; i++) {
        double mx = -INFINITY, tot = 0;
        for (int k = 0; k < K; k++) {
            z[k] = b[k];
            for (size_t j = 0; j < p; j++) z[k] += W[(size_t)k * p + j] * X[i * p + j];
            mx = fmax(mx, z[k]);
        }
        for (int k = 0; k < K; k++) tot += (z[k] = exp(z[k] - mx));
        for (int k = 0; k < K; k++) {
            double r = C * (sw ? sw[i] : 1.0) * (z[k] / tot - (cls[i] == k));
            for (size_t j = 0; j < p; j++) g[(size_t)k * p + j] += r * X[i * p + j];
            g[(size_t)K * p + k] += r;
        }
    }
}

/* Optimality of the full objective from the loss gradient g of `count` coefficients followed by `nb` intercepts:
 * L2: g_j + w_j = 0; none: g_j = 0; L1 (KKT): g_j = −sign(w_j) where w_j ≠ 0, |g_j| ≤ 1 where w_j = 0; the
 * intercepts always g = 0. Returns the largest violation. */
static double kkt_violation(const double *g, const double *w, size_t count, size_t nb, int penalty) {
    double worst = 0;
    for (size_t j = 0; j < count; j++) {
        double v;
        if (penalty == AS_PENALTY_L2) v = fabs(g[j] + w[j]);
        else if (penalty == AS_PENALTY_NONE) v = fabs(g[j]);
        else v = w[j] != 0 ? fabs(g[j] + (w[j] > 0 ? 1 : -1)) : fmax(0, fabs(g[j]) - 1);
        worst = fmax(worst, v);
    }
    for (size_t k = 0; k < nb; k++) worst = fmax(worst, fabs(g[count + k]));
    return worst;
}

/* max |a − b| relative to the largest |b| */
static double rel_diff(const double *a, const double *b, size_t m) {
    double scale = 0, worst = 0;
    for (size_t j = 0; j < m; j++) scale = fmax(scale, fabs(b[j]));
    for (size_t j = 0; j < m; j++) worst = fmax(worst, fabs(a[j] - b[j]));
    return worst / (scale > 0 ? scale : 1);
}

static const char *solver_name[] = {"auto", "TRON", "Newton-Cholesky", "L-BFGS"};

/* ------------------------------------------------------------------------------------------------------- */
/* the issue's example: a separable 4-row design with two columns equal to the intercept                     */
/* ------------------------------------------------------------------------------------------------------- */

static void test_issue_example(void) {
    const double X[] = {1, 0, 1, 1, 0, 1, 1, 2, 1, 1, 1, 1}, y[] = {1, 1, 0, 0};
    /* LogisticRegression(C=1, tol=1e-12, max_iter=10000).fit(X, y) (lbfgs, 9 iterations):
     * coef_ [-8.591540001646236e-09, -0.9155697188759786, -8.591540001646236e-09], intercept_ 0.6695650054810686.
     * (The exact optimum has the two constant columns at 0 — the unpenalized intercept carries their effect — and
     * w1 = -0.9155697725191838, b = 0.6695651132636234, lbfgs's answer polished by Newton steps in numpy.) */
    static const double ref[] = {-8.591540001646236e-09, -0.9155697188759786, -8.591540001646236e-09,
                                 0.6695650054810686};
    for (int s = 0; s < 4; s++) {
        as_logreg_params prm = as__logreg_params_default();
        prm.solver = s;
        double w[3], b, v[4], g[4];
        as_logreg_info info;
        as_error err;
        CHECK_OK(as__logreg_fit(X, 4, 3, y, NULL, &prm, w, &b, &info, &err), &err);
        memcpy(v, w, sizeof w);
        v[3] = b;
        CHECK_MSG(rel_diff(v, ref, 4) <= 1e-6, "%s: rel diff %g", solver_name[s], rel_diff(v, ref, 4));
        CHECK(info.converged && info.quasi_separated == 1 && info.solver != 0 && info.function_evaluations > 0);
        CHECK(info.solver == (s == 0 ? 2 : s));
        /* tighter: the exact optimum (the default tol 1e-8 leaves ~3e-9 on the Newton paths) */
        prm.tol = 1e-12;
        CHECK_OK(as__logreg_fit(X, 4, 3, y, NULL, &prm, w, &b, &info, &err), &err);
        CHECK_NEAR(w[1], -0.9155697725191838, 1e-10);
        CHECK_NEAR(b, 0.6695651132636234, 1e-10);
        CHECK(fabs(w[0]) < 1e-10 && fabs(w[2]) < 1e-10);
        bin_loss_grad(X, 4, 3, y, NULL, 1.0, w, b, g);
        CHECK_MSG(kkt_violation(g, w, 3, 1, AS_PENALTY_L2) < 1e-9, "%s: gradient %g", solver_name[s],
                  kkt_violation(g, w, 3, 1, AS_PENALTY_L2));

        /* no penalty: no minimizer exists (the classes separate); every solver stops, finite, flagged */
        prm.tol = 1e-8;
        prm.penalty = AS_PENALTY_NONE;
        CHECK_OK(as__logreg_fit(X, 4, 3, y, NULL, &prm, w, &b, &info, &err), &err);
        CHECK_MSG(info.quasi_separated == 1 && info.converged == 0, "%s: quasi %d converged %d", solver_name[s],
                  info.quasi_separated, info.converged);
        CHECK(isfinite(w[0]) && isfinite(w[1]) && isfinite(w[2]) && isfinite(b) && isfinite(info.objective));
        CHECK(w[1] < -5);                                     /* it did run off along the separating direction */
        CHECK(info.objective >= 0 && info.objective < 1e-3);  /* with the loss going to 0 */
        CHECK(info.iterations <= prm.max_iter);
        /* and with max_iter small it stops there */
        prm.max_iter = 3;
        CHECK_OK(as__logreg_fit(X, 4, 3, y, NULL, &prm, w, &b, &info, &err), &err);
        CHECK(info.iterations <= 3 && info.converged == 0 && isfinite(w[1]) && isfinite(b));
    }
}

/* ------------------------------------------------------------------------------------------------------- */
/* binary: every solver reaches the optimum, under every penalty                                             */
/* ------------------------------------------------------------------------------------------------------- */

static void test_binary_agreement(void) {
    enum { N = 400, P = 6 };
    static double X[N * P], y[N], sw[N];
    int cls[N];
    r_data(0x51ed2701u, N, P, 2, X, y, cls, sw);
    static const int pens[] = {AS_PENALTY_L2, AS_PENALTY_NONE, AS_PENALTY_L1};
    for (size_t t = 0; t < N_OF(pens); t++)
        for (int weighted = 0; weighted < 2; weighted++) {
            double v[4][P + 1], g[P + 1];
            as_logreg_info info[4];
            for (int s = 0; s < 4; s++) {
                as_logreg_params prm = as__logreg_params_default();
                prm.penalty = pens[t];
                prm.solver = s;
                prm.C = pens[t] == AS_PENALTY_L1 ? 0.02 : 0.5;   /* L1: strong enough for exact zeros */
                prm.tol = 1e-10;
                as_error err;
                CHECK_OK(as__logreg_fit(X, N, P, y, weighted ? sw : NULL, &prm, v[s], &v[s][P], &info[s], &err),
                         &err);
                CHECK_MSG(info[s].converged, "penalty %d, %s: not converged (|g| %g, %d iterations)", pens[t],
                          solver_name[s], info[s].grad_norm, info[s].iterations);
                bin_loss_grad(X, N, P, y, weighted ? sw : NULL, prm.C, v[s], v[s][P], g);
                double viol = kkt_violation(g, v[s], P, 1, pens[t]);
                CHECK_MSG(viol < 1e-7, "penalty %d, %s: optimality violated by %g", pens[t], solver_name[s], viol);
                CHECK(info[s].grad_norm < 1e-6 && !info[s].quasi_separated);
                CHECK(info[s].nonzero <= P && info[s].function_evaluations >= info[s].iterations);
                int expect = s == 3 ? 3 : pens[t] == AS_PENALTY_L1 ? 2 : s == 0 ? 2 : s;
                CHECK_MSG(info[s].solver == expect, "penalty %d, %s: solver %d", pens[t], solver_name[s],
                          info[s].solver);
            }
            for (int s = 0; s < 3; s++) {
                double diff = rel_diff(v[s], v[3], P + 1);
                CHECK_MSG(diff <= 1e-7, "penalty %d weighted %d: %s vs L-BFGS differ by %g", pens[t], weighted,
                          solver_name[s], diff);
                CHECK(fabs(info[s].objective - info[3].objective) <= 1e-12 * info[3].objective);
            }
            if (pens[t] == AS_PENALTY_L1) {
                /* exact zeros, the same ones on both paths */
                size_t zeros = 0;
                for (int j = 0; j < P; j++) {
                    zeros += v[2][j] == 0;
                    CHECK((v[2][j] == 0) == (v[3][j] == 0));
                }
                CHECK_MSG(zeros >= 1 && zeros < P, "L1: %zu zeros of %d", zeros, P);
                CHECK(info[2].nonzero == P - zeros && info[3].nonzero == P - zeros);
                CHECK(info[2].hessian_formations > 0 && info[3].hessian_formations == 0);
            }
        }
}

/* L1 against scikit-learn's saga (which, like this objective and unlike liblinear, leaves the intercept
 * unpenalized): LogisticRegression(penalty="l1", solver="saga", C=0.3, tol=1e-12, max_iter=1000000).fit(X, yb) on
 * m_data: coef_ [1.7051040387559662, -0.19800554826519573, 0.0], intercept_ -0.811086719765612. */
static void test_binary_l1_reference(void) {
    double X[180], yb[60], w[3], b, g[4];
    int cls[60];
    m_data(X, cls, yb);
    static const double ref[] = {1.7051040387559662, -0.19800554826519573, 0.0, -0.811086719765612};
    for (int s = 0; s < 4; s++) {
        as_logreg_params prm = as__logreg_params_default();
        prm.penalty = AS_PENALTY_L1;
        prm.C = 0.3;
        prm.solver = s;
        prm.tol = 1e-10;
        as_logreg_info info;
        as_error err;
        CHECK_OK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err), &err);
        double v[4] = {w[0], w[1], w[2], b};
        CHECK_MSG(rel_diff(v, ref, 4) <= 1e-7, "%s: rel diff %g", solver_name[s], rel_diff(v, ref, 4));
        CHECK(w[2] == 0 && w[0] != 0 && w[1] != 0 && info.nonzero == 2 && info.converged);
        bin_loss_grad(X, 60, 3, yb, NULL, prm.C, w, b, g);
        CHECK(kkt_violation(g, w, 3, 1, AS_PENALTY_L1) < 1e-8);
        CHECK(fabs(g[2]) < 1);   /* the zero is a strict KKT zero, not a rounding accident */
    }
    /* C small enough: every coefficient 0, the intercept alone, b = log(25 / 35) */
    as_logreg_params prm = as__logreg_params_default();
    prm.penalty = AS_PENALTY_L1;
    prm.C = 1e-3;
    as_logreg_info info;
    as_error err;
    CHECK_OK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err), &err);
    CHECK(w[0] == 0 && w[1] == 0 && w[2] == 0 && info.nonzero == 0);
    CHECK_NEAR(b, log(25.0 / 35.0), 1e-9);
}

/* L1 on wide shapes: fewer rows than columns (proximal Newton needs no factorization, so it still runs), and
 * more than 1024 unknowns, where the Newton family falls back to OWL-QN and reports L-BFGS. */
static void test_l1_shapes(void) {
    static const struct { size_t n, p; int K; } shp[] = {{30, 40, 2}, {120, 1100, 2}, {60, 300, 4}};
    for (size_t t = 0; t < N_OF(shp); t++) {
        const size_t n = shp[t].n, p = shp[t].p, K = (size_t)shp[t].K, m = K < 3 ? p + 1 : K * (p + 1);
        double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y), *sw = malloc(n * sizeof *sw);
        double *v = malloc(2 * m * sizeof *v), *g = malloc(m * sizeof *g);
        int *cls = malloc(n * sizeof *cls);
        CHECK(X && y && sw && v && g && cls);
        if (!X || !y || !sw || !v || !g || !cls) return;
        rng = 0x5eed + t;
        for (size_t i = 0; i < n * p; i++) X[i] = gauss();
        for (size_t i = 0; i < n; i++) {   /* labels from the first columns, with noise */
            double z = X[i * p] - X[i * p + 1] + 0.5 * gauss();
            cls[i] = K < 3 ? z > 0 : (int)(i % K);
            y[i] = cls[i];
        }
        as_logreg_info info[2];
        for (int s = 0; s < 2; s++) {
            as_logreg_params prm = as__logreg_params_default();
            prm.penalty = AS_PENALTY_L1;
            prm.C = 0.2;
            prm.tol = 1e-10;
            prm.max_iter = 2000;
            prm.solver = s ? AS_SOLVER_LBFGS : AS_SOLVER_AUTO;
            as_error err;
            double *vs = v + s * m;
            if (K < 3) {
                CHECK_OK(as__logreg_fit(X, n, p, y, NULL, &prm, vs, vs + p, &info[s], &err), &err);
                bin_loss_grad(X, n, p, y, NULL, prm.C, vs, vs[p], g);
            } else {
                CHECK_OK(as__logreg_fit_multinomial(X, n, p, cls, (int)K, NULL, &prm, vs, vs + K * p, &info[s], &err),
                         &err);
                mn_loss_grad(X, n, p, cls, (int)K, NULL, prm.C, vs, vs + K * p, g);
            }
            size_t coefs = K < 3 ? p : K * p;
            double viol = kkt_violation(g, vs, coefs, K < 3 ? 1 : K, AS_PENALTY_L1);
            CHECK_MSG(info[s].converged && viol < 1e-7, "shape %zu solver %d: converged %d, KKT violated by %g", t, s,
                      info[s].converged, viol);
            CHECK(info[s].nonzero > 0 && info[s].nonzero < coefs);   /* sparse, as L1 with n ≪ p must be */
        }
        /* auto: proximal Newton up to 1024 unknowns, OWL-QN beyond (and it says so) */
        CHECK(info[0].solver == (m > 1024 ? AS_SOLVER_LBFGS : AS_SOLVER_NEWTON_CHOLESKY) && info[1].solver == 3);
        CHECK_MSG(rel_diff(v, v + m, m) <= 1e-7, "shape %zu: paths differ by %g", t, rel_diff(v, v + m, m));
        free(X), free(y), free(sw), free(v), free(g), free(cls);
    }
}

/* L1 on separable classes with a large C: the optimum has large, saturated weights and a Hessian with a tiny
 * curvature along "both large weights grow together". Proximal Newton's coordinate descent alone crawled there
 * (39 outer iterations here, 181 on a harder set) and OWL-QN with Andrew & Gao's full sign constraint took 740
 * (stalling 25 % above the optimum on the harder set); with face_step and the relaxed constraint 16 and 42.
 * Both must converge quickly, to the same point. */
static void test_l1_near_separable(void) {
    enum { N = 500, P = 4 };
    static double X[N * P], y[N];
    rng = 0xdecade;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < P; j++) X[i * P + j] = gauss();
        y[i] = X[i * P] + X[i * P + 1] > 0;
    }
    double v[2][P + 1], g[P + 1];
    as_logreg_info info[2];
    for (int s = 0; s < 2; s++) {
        as_logreg_params prm = as__logreg_params_default();
        prm.penalty = AS_PENALTY_L1;
        prm.C = 100;
        prm.tol = 1e-10;
        prm.max_iter = 1000;
        prm.solver = s ? AS_SOLVER_LBFGS : AS_SOLVER_AUTO;
        as_error err;
        CHECK_OK(as__logreg_fit(X, N, P, y, NULL, &prm, v[s], &v[s][P], &info[s], &err), &err);
        bin_loss_grad(X, N, P, y, NULL, prm.C, v[s], v[s][P], g);
        double viol = kkt_violation(g, v[s], P, 1, AS_PENALTY_L1);
        CHECK_MSG(info[s].converged && viol < 1e-6, "solver %d: converged %d after %d iterations, KKT %g", s,
                  info[s].converged, info[s].iterations, viol);
        CHECK(v[s][0] > 20 && v[s][1] > 20);   /* the large weights the separation allows */
    }
    CHECK_MSG(info[0].iterations <= 25 && info[1].iterations <= 100, "iterations: proximal Newton %d, OWL-QN %d",
              info[0].iterations, info[1].iterations);
    CHECK_MSG(rel_diff(v[0], v[1], P + 1) <= 1e-6, "paths differ by %g", rel_diff(v[0], v[1], P + 1));
    CHECK(fabs(info[0].objective - info[1].objective) <= 1e-11 * info[1].objective);
}

/* ------------------------------------------------------------------------------------------------------- */
/* weights                                                                                                   */
/* ------------------------------------------------------------------------------------------------------- */

static void test_class_weight(void) {
    double X[180], yb[60], sw[60], w[3], b;
    int cls[60];
    m_data(X, cls, yb);
    /* compute_class_weight("balanced", classes=np.arange(3), y=cls) = [0.8, 0.9523809523809523, 1.4285714285714286] */
    double cw[3];
    as__class_weight_balanced(cls, 60, 3, cw);
    CHECK_NEAR(cw[0], 0.8, 1e-15);
    CHECK_NEAR(cw[1], 0.9523809523809523, 1e-15);
    CHECK_NEAR(cw[2], 1.4285714285714286, 1e-15);
    int two[] = {0, 0, 0, 2, 2};   /* class 1 absent: weight 0; n / (K n_k) with K = 3 */
    as__class_weight_balanced(two, 5, 3, cw);
    CHECK(cw[1] == 0);
    CHECK_NEAR(cw[0], 5.0 / 9, 1e-15);
    CHECK_NEAR(cw[2], 5.0 / 6, 1e-15);

    /* binary: LogisticRegression(solver="newton-cg", class_weight="balanced", tol=1e-12, max_iter=10000)
     * .fit(X, yb): coef_ [2.079591502219459, -0.5486461081427487, -0.1686139169266696], intercept_
     * -0.6917698510705492 (lbfgs at tol=1e-12 stops at 2.0795892741223785, ..., 3e-6 away) */
    static const double refb[] = {2.079591502219459, -0.5486461081427487, -0.1686139169266696, -0.6917698510705492};
    int ybi[60];
    for (int i = 0; i < 60; i++) ybi[i] = (int)yb[i];
    double cwb[2];
    as__class_weight_balanced(ybi, 60, 2, cwb);
    CHECK_NEAR(cwb[0], 0.8571428571428571, 1e-15);
    CHECK_NEAR(cwb[1], 1.2, 1e-15);
    for (int i = 0; i < 60; i++) sw[i] = cwb[ybi[i]];
    for (int s = 0; s < 4; s++) {
        as_logreg_params prm = as__logreg_params_default();
        prm.solver = s;
        prm.tol = 1e-10;
        as_logreg_info info;
        as_error err;
        CHECK_OK(as__logreg_fit(X, 60, 3, yb, sw, &prm, w, &b, &info, &err), &err);
        double v[4] = {w[0], w[1], w[2], b};
        CHECK_MSG(rel_diff(v, refb, 4) <= 1e-8, "%s: rel diff %g", solver_name[s], rel_diff(v, refb, 4));
    }

    /* multinomial: the same with multi_class="multinomial" on cls */
    static const double refm[] = {1.6352215808457087, -0.5677155540994556, -0.02437329949227896, -1.102564775425144,
                                  1.2127186238072467, -0.432842173543914, -0.5326568054205655, -0.6450030697077898,
                                  0.45721547303619453, -0.2653404203751429, -0.046779299588060166,
                                  0.31211971996320514};
    as__class_weight_balanced(cls, 60, 3, cw);
    for (int i = 0; i < 60; i++) sw[i] = cw[cls[i]];
    for (int s = 0; s < 4; s++) {
        as_logreg_params prm = as__logreg_params_default();
        prm.solver = s;
        prm.tol = 1e-10;
        double v[12];
        as_logreg_info info;
        as_error err;
        CHECK_OK(as__logreg_fit_multinomial(X, 60, 3, cls, 3, sw, &prm, v, v + 9, &info, &err), &err);
        CHECK_MSG(rel_diff(v, refm, 12) <= 1e-8, "%s: rel diff %g", solver_name[s], rel_diff(v, refm, 12));
    }
}

/* Doubling every row weight is doubling C (the objective doubles with it under no penalty). */
static void test_weight_scaling(void) {
    enum { N = 300, P = 5 };
    static double X[N * P], y[N], sw[N], sw2[N];
    int cls[N];
    for (int K = 2; K <= 4; K += 2) {
        r_data(0xabcdefu + (uint64_t)K, N, P, K, X, y, cls, sw);
        for (int i = 0; i < N; i++) sw2[i] = 2 * sw[i];
        static const int pens[] = {AS_PENALTY_L2, AS_PENALTY_L1, AS_PENALTY_NONE};
        for (size_t t = 0; t < N_OF(pens); t++) {
            double a[4 * (P + 1)], c[4 * (P + 1)];
            size_t m = K < 3 ? P + 1 : (size_t)K * (P + 1);
            as_logreg_info ia, ic;
            as_error err;
            as_logreg_params prm = as__logreg_params_default();
            prm.penalty = pens[t];
            prm.tol = 1e-11;
            prm.C = 0.1;
            if (K < 3) CHECK_OK(as__logreg_fit(X, N, P, y, sw2, &prm, a, a + P, &ia, &err), &err);
            else CHECK_OK(as__logreg_fit_multinomial(X, N, P, cls, K, sw2, &prm, a, a + K * P, &ia, &err), &err);
            prm.C = 0.2;
            if (K < 3) CHECK_OK(as__logreg_fit(X, N, P, y, sw, &prm, c, c + P, &ic, &err), &err);
            else CHECK_OK(as__logreg_fit_multinomial(X, N, P, cls, K, sw, &prm, c, c + K * P, &ic, &err), &err);
            CHECK_MSG(rel_diff(a, c, m) <= 1e-9, "K %d penalty %d: 2·weights vs 2·C differ by %g", K, pens[t],
                      rel_diff(a, c, m));
            CHECK_NEAR(ia.objective, ic.objective, 1e-11 * ic.objective);
        }
    }
}

/* ------------------------------------------------------------------------------------------------------- */
/* multinomial                                                                                               */
/* ------------------------------------------------------------------------------------------------------- */

/* scikit-learn references on m_data: LogisticRegression(multi_class="multinomial", solver="newton-cg", tol=1e-12,
 * max_iter=10000, **kw).fit(X, cls, sample_weight=sw). newton-cg is used because lbfgs, even at tol=1e-12, stops
 * ~1e-5 (relative) short of the optimum on these (scipy's ftol test); newton-cg's answer agrees to 1e-10 with
 * lbfgs's answer polished by exact Newton steps in numpy. coef_ row by row, then intercept_. */
static void test_multinomial_reference(void) {
    double X[180], sw[60];
    int cls[60];
    m_data(X, cls, NULL);
    for (int i = 0; i < 60; i++) sw[i] = 1.0 + (i % 3);
    static const struct {
        int penalty;
        double C;
        int weighted;
        double obj;   /* the objective at the polished optimum */
        double v[12];
    } ref[] = {
        /* kw = dict(C=1.0) */
        {AS_PENALTY_L2, 1.0, 0, 26.54470201631917,
         {1.6051331688625248, -0.5283745484730498, -0.0547477874755697, -1.0485651367622242, 1.1494657835958748,
          -0.3966293193912594, -0.5565680321003004, -0.6210912351228257, 0.45137710686682825, -0.052778463522957175,
          0.0597646498949588, -0.006986186372001854}},
        /* kw = dict(C=0.3), sample_weight = 1 + i % 3 */
        {AS_PENALTY_L2, 0.3, 1, 17.264583289356782,
         {1.3394387069811369, -0.45598221855562393, -0.01585414921646353, -0.8449141771678917, 0.9895959553610003,
          -0.38087845799042636, -0.49452452981324496, -0.5336137368053759, 0.39673260720688847, 0.10830814595149729,
          0.08357976460817283, -0.19188791055967058}},
        /* kw = dict(penalty=None): scikit-learn's rows (and intercepts) sum to 0, as ours */
        {AS_PENALTY_NONE, 1.0, 0, 21.586005553766825,
         {2.644851812869899, -1.218046498445459, 0.13121266423576752, -2.0072516697371525, 2.153319376161116,
          -0.7957863458768413, -0.6376001431327563, -0.9352728777156455, 0.6645736816410664, -0.26138909903512864,
          -0.09349497429984106, 0.3548840733349766}},
    };
    for (size_t t = 0; t < N_OF(ref); t++)
        for (int s = 0; s < 4; s++) {
            as_logreg_params prm = as__logreg_params_default();
            prm.penalty = ref[t].penalty;
            prm.C = ref[t].C;
            prm.solver = s;
            prm.tol = 1e-10;
            double v[12], g[12];
            as_logreg_info info;
            as_error err;
            const double *w8 = ref[t].weighted ? sw : NULL;
            CHECK_OK(as__logreg_fit_multinomial(X, 60, 3, cls, 3, w8, &prm, v, v + 9, &info, &err), &err);
            double diff = rel_diff(v, ref[t].v, 12);
            CHECK_MSG(diff <= 1e-6, "case %zu, %s: rel diff %g", t, solver_name[s], diff);
            CHECK_MSG(diff <= 1e-8, "case %zu, %s: rel diff %g (within the test's 1e-6 but not 1e-8)", t,
                      solver_name[s], diff);
            CHECK_NEAR(info.objective, ref[t].obj, 1e-11 * ref[t].obj);
            CHECK(info.converged && !info.quasi_separated && info.nonzero == 9);
            CHECK(info.solver == (s == 3 ? 3 : 1));   /* the Newton family is TRON for the multinomial fit */
            CHECK(s == 3 ? info.hessian_products == 0 : info.hessian_products > 0);
            mn_loss_grad(X, 60, 3, cls, 3, w8, prm.C, v, v + 9, g);
            CHECK(kkt_violation(g, v, 9, 3, prm.penalty) < 1e-8);
            CHECK_NEAR(v[9] + v[10] + v[11], 0, 1e-12);   /* the intercepts' free direction: sum 0, as sklearn */
        }

    /* L1 against saga: LogisticRegression(penalty="l1", solver="saga", C=0.2, tol=1e-12, max_iter=1000000,
     * multi_class="multinomial").fit(X, cls) */
    static const double refl1[] = {1.485274932970555, 0.0, 0.0, 0.0, 0.7593004046041889, 0.0, 0.0, 0.0, 0.0,
                                   0.0667077336809444, 0.14372071789135546, -0.21042845157230955};
    for (int s = 0; s < 4; s++) {
        as_logreg_params prm = as__logreg_params_default();
        prm.penalty = AS_PENALTY_L1;
        prm.C = 0.2;
        prm.solver = s;
        prm.tol = 1e-10;
        double v[12], g[12];
        as_logreg_info info;
        as_error err;
        CHECK_OK(as__logreg_fit_multinomial(X, 60, 3, cls, 3, NULL, &prm, v, v + 9, &info, &err), &err);
        CHECK_MSG(rel_diff(v, refl1, 12) <= 1e-7, "L1, %s: rel diff %g", solver_name[s], rel_diff(v, refl1, 12));
        for (int j = 0; j < 9; j++) CHECK((v[j] == 0) == (refl1[j] == 0));   /* exact zeros where saga has them */
        CHECK(info.nonzero == 2 && info.converged);
        /* the Newton family is proximal Newton (exact Hessian, reported as Newton-Cholesky), L-BFGS is OWL-QN */
        CHECK(info.solver == (s == 3 ? 3 : 2));
        CHECK(s == 3 ? info.hessian_formations == 0 : info.hessian_formations > 0);
        mn_loss_grad(X, 60, 3, cls, 3, NULL, prm.C, v, v + 9, g);
        CHECK(kkt_violation(g, v, 9, 3, AS_PENALTY_L1) < 1e-8);
    }

    /* prediction: rows sum to 1, extreme scores neither overflow nor give NaN */
    double Wt[] = {1, 0, 0, 0, 1, 0, -1, -1, 0}, bt[] = {0, 0, 0.5}, xs[] = {1000, 0, 0, -800, 800, 0, 0, 0, 0},
           pr[9];
    as__logreg_predict_multinomial(xs, 3, 3, 3, Wt, bt, pr);
    for (int i = 0; i < 3; i++) CHECK_NEAR(pr[i * 3] + pr[i * 3 + 1] + pr[i * 3 + 2], 1, 1e-15);
    CHECK(pr[0] == 1.0 && pr[1] == 0 && pr[4] == 1.0);
    double e = exp(0.5);
    CHECK_NEAR(pr[8], e / (2 + e), 1e-15);
}

/* TRON and L-BFGS agree on a larger random problem, for every penalty, weighted and not. */
static void test_multinomial_agreement(void) {
    enum { N = 500, P = 4, K = 4 };
    static double X[N * P], y[N], sw[N];
    int cls[N];
    r_data(0x77aa11u, N, P, K, X, y, cls, sw);
    static const int pens[] = {AS_PENALTY_L2, AS_PENALTY_NONE, AS_PENALTY_L1};
    for (size_t t = 0; t < N_OF(pens); t++)
        for (int weighted = 0; weighted < 2; weighted++) {
            double v[2][K * (P + 1)], g[K * (P + 1)];
            as_logreg_info info[2];
            for (int s = 0; s < 2; s++) {
                as_logreg_params prm = as__logreg_params_default();
                prm.penalty = pens[t];
                prm.solver = s ? AS_SOLVER_LBFGS : AS_SOLVER_TRON;
                /* L1 with K = 4 (even): the optimum is a segment along "coefficient j of every class + t" for some
                 * j; both paths must return its canonical point (smallest ‖W_:j‖₂) */
                prm.C = pens[t] == AS_PENALTY_L1 ? 0.1 : 0.5;
                prm.tol = 1e-10;
                as_error err;
                const double *w8 = weighted ? sw : NULL;
                CHECK_OK(as__logreg_fit_multinomial(X, N, P, cls, K, w8, &prm, v[s], v[s] + K * P, &info[s], &err),
                         &err);
                CHECK(info[s].converged);
                mn_loss_grad(X, N, P, cls, K, w8, prm.C, v[s], v[s] + K * P, g);
                double viol = kkt_violation(g, v[s], K * P, K, pens[t]);
                CHECK_MSG(viol < 1e-7, "penalty %d, solver %d: optimality violated by %g", pens[t], s, viol);
            }
            double diff = rel_diff(v[0], v[1], K * (P + 1));
            CHECK_MSG(diff <= 1e-7, "penalty %d weighted %d: TRON vs L-BFGS differ by %g", pens[t], weighted, diff);
            CHECK(fabs(info[0].objective - info[1].objective) <= 1e-12 * info[1].objective);
            if (pens[t] == AS_PENALTY_NONE)   /* rows of W sum to 0 per column (scikit-learn's solution) */
                for (int j = 0; j < P; j++) {
                    double sum = 0;
                    for (int k = 0; k < K; k++) sum += v[0][k * P + j];
                    CHECK_NEAR(sum, 0, 1e-10);
                }
            if (pens[t] == AS_PENALTY_L1) {
                CHECK(info[0].nonzero < K * P && info[0].nonzero > 0 && info[0].nonzero == info[1].nonzero);
                for (int j = 0; j < P; j++) {   /* canonical: the middle two of the K values straddle 0 ... */
                    double c[K], mean = 0;
                    for (int k = 0; k < K; k++) c[k] = v[0][k * P + j], mean += c[k] / K;
                    for (int a = 1; a < K; a++)
                        for (int m = a; m > 0 && c[m - 1] > c[m]; m--) {
                            double tmp = c[m];
                            c[m] = c[m - 1], c[m - 1] = tmp;
                        }
                    CHECK(c[1] <= 0 && c[2] >= 0);
                    /* ... and the mean is 0 unless a middle value sits at 0 (the segment's end) */
                    CHECK(fabs(mean) < 1e-9 || c[1] == 0 || c[2] == 0);
                }
            }
        }
}

static void test_multinomial_edges(void) {
    double X[180], W[9], b[3];
    int cls[60];
    m_data(X, cls, NULL);
    as_logreg_info info;
    as_error err;
    as_logreg_params prm = as__logreg_params_default();

    /* intercept only (p = 0): b_k = log n_k − mean_k log n_k */
    CHECK_OK(as__logreg_fit_multinomial(X, 60, 0, cls, 3, NULL, &prm, W, b, &info, &err), &err);
    double mlog = (log(25.0) + log(21.0) + log(14.0)) / 3;
    CHECK_NEAR(b[0], log(25.0) - mlog, 1e-9);
    CHECK_NEAR(b[2], log(14.0) - mlog, 1e-9);
    /* nothing to fit at all (p = 0, no intercept), on every path: the start, reported as converged */
    for (int pen = 0; pen < 3; pen++)
        for (int s = 0; s < 4; s++) {
            as_logreg_params q = as__logreg_params_default();
            q.penalty = pen, q.solver = s, q.fit_intercept = 0;
            double yb[60], wb, bb = 1;
            for (int i = 0; i < 60; i++) yb[i] = cls[i] == 0;
            CHECK_OK(as__logreg_fit_multinomial(X, 60, 0, cls, 3, NULL, &q, W, b, &info, &err), &err);
            CHECK(info.converged && b[0] == 0 && isfinite(info.objective));
            CHECK_OK(as__logreg_fit(X, 60, 0, yb, NULL, &q, &wb, &bb, &info, &err), &err);
            CHECK(info.converged && bb == 0);
            CHECK_NEAR(info.objective, 60 * log(2.0), 1e-12);
        }
    /* no intercept: b left 0 */
    prm.fit_intercept = 0;
    CHECK_OK(as__logreg_fit_multinomial(X, 60, 3, cls, 3, NULL, &prm, W, b, &info, &err), &err);
    CHECK(b[0] == 0 && b[1] == 0 && b[2] == 0 && info.converged);
    prm.fit_intercept = 1;

    /* separable without a penalty: stops, finite, flagged, not converged; with L2 a proper optimum */
    int sep[60];
    for (int i = 0; i < 60; i++) sep[i] = X[i * 3] < -1 ? 0 : X[i * 3] < 1 ? 1 : 2;
    for (int s = 1; s <= 3; s += 2) {
        prm.solver = s;
        prm.penalty = AS_PENALTY_NONE;
        CHECK_OK(as__logreg_fit_multinomial(X, 60, 3, sep, 3, NULL, &prm, W, b, &info, &err), &err);
        CHECK(info.quasi_separated && !info.converged && isfinite(info.objective));
        for (int j = 0; j < 9; j++) CHECK(isfinite(W[j]));
        prm.penalty = AS_PENALTY_L2;
        CHECK_OK(as__logreg_fit_multinomial(X, 60, 3, sep, 3, NULL, &prm, W, b, &info, &err), &err);
        CHECK(info.quasi_separated && info.converged);
    }
    prm = as__logreg_params_default();

    /* errors */
    CHECK(as__logreg_fit_multinomial(X, 60, 3, cls, 2, NULL, &prm, W, b, &info, &err) == AS_ERR_INVALID);
    CHECK(strstr(err.msg, "K >= 3") != NULL);
    int bad[60];
    memcpy(bad, cls, sizeof bad);
    bad[7] = 3;
    CHECK(as__logreg_fit_multinomial(X, 60, 3, bad, 3, NULL, &prm, W, b, &info, &err) == AS_ERR_INVALID);
    CHECK(strstr(err.msg, "row 7") != NULL);
    bad[7] = -1;
    CHECK(as__logreg_fit_multinomial(X, 60, 3, bad, 3, NULL, &prm, W, b, &info, &err) == AS_ERR_INVALID);
    /* a class without rows: its free intercept has no optimum */
    for (int i = 0; i < 60; i++) bad[i] = cls[i] == 2 ? 1 : cls[i];
    CHECK(as__logreg_fit_multinomial(X, 60, 3, bad, 3, NULL, &prm, W, b, &info, &err) == AS_ERR_NODATA);
    CHECK(strstr(err.msg, "class 2") != NULL);
    prm.fit_intercept = 0;   /* without intercepts the penalty keeps it finite */
    CHECK_OK(as__logreg_fit_multinomial(X, 60, 3, bad, 3, NULL, &prm, W, b, &info, &err), &err);
    prm.fit_intercept = 1;
    double sw[60];
    for (int i = 0; i < 60; i++) sw[i] = 1;
    sw[3] = NAN;
    CHECK(as__logreg_fit_multinomial(X, 60, 3, cls, 3, sw, &prm, W, b, &info, &err) == AS_ERR_INVALID);
    prm.C = -1;
    CHECK(as__logreg_fit_multinomial(X, 60, 3, cls, 3, NULL, &prm, W, b, &info, &err) == AS_ERR_INVALID);
    CHECK(strstr(err.msg, "C must") != NULL);
    prm.C = 1;
    CHECK(as__logreg_fit_multinomial(X, 0, 3, cls, 3, NULL, &prm, W, b, &info, &err) == AS_ERR_NODATA);
    double Xn[180];
    for (int s = 0; s < 4; s++) {
        prm.solver = s;
        memcpy(Xn, X, sizeof Xn);
        Xn[100] = NAN;
        CHECK(as__logreg_fit_multinomial(Xn, 60, 3, cls, 3, NULL, &prm, W, b, &info, &err) == AS_ERR_NUMERIC);
        Xn[100] = -INFINITY;
        CHECK(as__logreg_fit_multinomial(Xn, 60, 3, cls, 3, NULL, &prm, W, b, &info, &err) == AS_ERR_NUMERIC);
    }
}

/* ------------------------------------------------------------------------------------------------------- */
/* parameters                                                                                                */
/* ------------------------------------------------------------------------------------------------------- */

static void test_params(void) {
    as_logreg_params prm = as__logreg_params_default();
    CHECK(prm.C == 1 && prm.tol == 1e-8 && prm.max_iter == 200 && prm.fit_intercept == 1);
    CHECK(prm.solver == AS_SOLVER_AUTO && prm.penalty == AS_PENALTY_L2 && prm.lbfgs_memory == 10);

    double X[180], yb[60], w[3], b;
    int cls[60];
    m_data(X, cls, yb);
    as_logreg_info info;
    as_error err;
    prm.solver = 4;
    CHECK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err) == AS_ERR_INVALID);
    CHECK(strstr(err.msg, "solver") != NULL);
    prm.solver = -1;
    CHECK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err) == AS_ERR_INVALID);
    prm.solver = 0;
    prm.penalty = 3;
    CHECK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err) == AS_ERR_INVALID);
    CHECK(strstr(err.msg, "penalty") != NULL);
    prm.penalty = AS_PENALTY_L1;
    prm.C = 0;
    CHECK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err) == AS_ERR_INVALID);
    prm.C = INFINITY;
    CHECK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err) == AS_ERR_INVALID);
    /* without a penalty C does not matter: any value is accepted, a non-positive one counts as 1 */
    prm.penalty = AS_PENALTY_NONE;
    prm.C = 0;
    double w1[3], b1;
    CHECK_OK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err), &err);
    double obj0 = info.objective;
    prm.C = 1;
    CHECK_OK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w1, &b1, &info, &err), &err);
    CHECK(w[0] == w1[0] && b == b1 && obj0 == info.objective);
    prm.C = 7;   /* same minimizer */
    CHECK_OK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err), &err);
    CHECK_NEAR(w[0], w1[0], 1e-7 * fabs(w1[0]));
    prm = as__logreg_params_default();
    prm.lbfgs_memory = -1;
    CHECK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err) == AS_ERR_INVALID);
    CHECK(strstr(err.msg, "lbfgs_memory") != NULL);
    prm.lbfgs_memory = 0;   /* 0: the default */
    prm.solver = AS_SOLVER_LBFGS;
    CHECK_OK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err), &err);
    CHECK(info.converged);
    prm.lbfgs_memory = 1;   /* memory 1 still converges, just slower */
    prm.max_iter = 1000;
    CHECK_OK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w1, &b1, &info, &err), &err);
    CHECK(info.converged && fabs(w1[0] - w[0]) < 1e-6 * fabs(w[0]));
    prm = as__logreg_params_default();
    prm.tol = NAN;
    CHECK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err) == AS_ERR_INVALID);
    prm.tol = 1e-8;
    prm.max_iter = -2;
    CHECK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err) == AS_ERR_INVALID);
    /* max_iter = 0 on every path: no step, the start reported honestly */
    prm.max_iter = 0;
    for (int pen = 0; pen < 3; pen++)
        for (int s = 0; s < 4; s++) {
            prm.penalty = pen;
            prm.solver = s;
            CHECK_OK(as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err), &err);
            CHECK(info.iterations == 0 && !info.converged && w[0] == 0 && b == 0 && info.nonzero == 0);
            CHECK_NEAR(info.objective, 60 * log(2.0), 1e-12);
            double W[9], bm[3];
            CHECK_OK(as__logreg_fit_multinomial(X, 60, 3, cls, 3, NULL, &prm, W, bm, &info, &err), &err);
            CHECK(info.iterations == 0 && !info.converged && W[0] == 0);
            CHECK_NEAR(info.objective, 60 * log(3.0), 1e-12);
        }
    /* NaN / infinity in the features, on the new paths (test_ml covers the Newton ones) */
    double Xn[180];
    memcpy(Xn, X, sizeof Xn);
    Xn[50] = NAN;
    prm = as__logreg_params_default();
    for (int pen = 0; pen < 3; pen++) {
        prm.penalty = pen;
        prm.solver = AS_SOLVER_LBFGS;
        CHECK(as__logreg_fit(Xn, 60, 3, yb, NULL, &prm, w, &b, &info, &err) == AS_ERR_NUMERIC);
        prm.solver = AS_SOLVER_AUTO;
        CHECK(as__logreg_fit(Xn, 60, 3, yb, NULL, &prm, w, &b, &info, &err) == AS_ERR_NUMERIC);
    }
}

/* ------------------------------------------------------------------------------------------------------- */
/* threads: the passes run on row chunks whose partial sums are added in chunk order, so the fit is the same    */
/* bits with 1, 2 or 3 threads (AS_THREADS), on every path                                                     */
/* ------------------------------------------------------------------------------------------------------- */

/* n × p correlated normal columns, a few of them one-hot-like (0/1 with a rare level) and standardized-looking;
 * K = 2: y from a logistic model, K ≥ 3: cls from a softmax model; weights in (0.2, 3), every 7th row 0. */
static void t_data(uint64_t seed, size_t n, size_t p, int K, double *X, double *y, int *cls, double *sw) {
    rng = seed;
    size_t nb = (size_t)(K < 3 ? 1 : K) * p;
    double *beta = malloc(nb * sizeof *beta);
    if (!beta) exit(2);
    for (size_t j = 0; j < nb; j++) beta[j] = 0.6 * gauss() / sqrt((double)p / 8 + 1);
    for (size_t i = 0; i < n; i++) {
        double f = gauss();
        for (size_t j = 0; j < p; j++)
            X[i * p + j] = j % 5 == 4 ? (unif() < 0.02 ? 7.0 : -0.14) : gauss() + 0.4 * f;
        double z[8], tot = 0;
        int kk = K < 3 ? 1 : K;
        for (int k = 0; k < kk; k++) {
            z[k] = 0.1 * k;
            for (size_t j = 0; j < p; j++) z[k] += beta[(size_t)k * p + j] * X[i * p + j];
        }
        if (K < 3) {
            y[i] = unif() < 1 / (1 + exp(-z[0])) ? 1 : 0;
            cls[i] = (int)y[i];
        } else {
            for (int k = 0; k < K; k++) tot += (z[k] = exp(z[k]));
            double u = unif() * tot;
            int c = K - 1;
            for (int k = 0; k < K; k++)
                if ((u -= z[k]) < 0) { c = k; break; }
            cls[i] = c;
            y[i] = c;
        }
        sw[i] = i % 7 == 3 ? 0.0 : 0.2 + 2.8 * unif();
    }
    free(beta);
}

typedef struct t_fit {
    as_status st;
    double v[8 * 170];   /* coefficients, then intercepts */
    as_logreg_info info;
} t_fit;

static void t_run(const char *threads, const double *X, size_t n, size_t p, const double *y, const int *cls, int K,
                  const double *sw, const as_logreg_params *prm, t_fit *out) {
    as_error err;
    setenv("AS_THREADS", threads, 1);
    memset(out, 0, sizeof *out);
    if (K < 3) out->st = as__logreg_fit(X, n, p, y, sw, prm, out->v, out->v + p, &out->info, &err);
    else out->st = as__logreg_fit_multinomial(X, n, p, cls, K, sw, prm, out->v, out->v + (size_t)K * p, &out->info,
                                              &err);
    unsetenv("AS_THREADS");
    if (out->st != AS_OK) fprintf(stderr, "fit failed: %s\n", err.msg);
}

static void test_threads_identical(void) {
    /* rows: 5003 = 4 chunks of 1280 rows and a short one; 20000 rows with d = 161 (TRON, then Newton–Cholesky);
     * the penalties and solvers of every path: Newton–Cholesky (with and without sample weights), TRON, L-BFGS,
     * proximal Newton (L1), OWL-QN, no penalty; multinomial TRON, L-BFGS, proximal Newton and OWL-QN */
    static const struct {
        size_t n, p;
        int K, solver, penalty, weights;
    } cases[] = {
        {5003, 12, 2, AS_SOLVER_AUTO, AS_PENALTY_L2, 1},  {5003, 12, 2, AS_SOLVER_AUTO, AS_PENALTY_L2, 0},
        {5003, 12, 2, AS_SOLVER_TRON, AS_PENALTY_L2, 1},  {5003, 12, 2, AS_SOLVER_LBFGS, AS_PENALTY_L2, 1},
        {5003, 12, 2, AS_SOLVER_AUTO, AS_PENALTY_L1, 1},  {5003, 12, 2, AS_SOLVER_LBFGS, AS_PENALTY_L1, 1},
        {5003, 12, 2, AS_SOLVER_AUTO, AS_PENALTY_NONE, 0}, {20000, 160, 2, AS_SOLVER_AUTO, AS_PENALTY_L2, 0},
        {5003, 6, 4, AS_SOLVER_AUTO, AS_PENALTY_L2, 1},   {5003, 6, 4, AS_SOLVER_LBFGS, AS_PENALTY_L2, 1},
        {5003, 6, 4, AS_SOLVER_AUTO, AS_PENALTY_L1, 1},   {5003, 6, 4, AS_SOLVER_LBFGS, AS_PENALTY_L1, 0},
        {5003, 6, 4, AS_SOLVER_AUTO, AS_PENALTY_NONE, 0},
    };
    for (size_t c = 0; c < N_OF(cases); c++) {
        const size_t n = cases[c].n, p = cases[c].p;
        const int K = cases[c].K;
        double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y), *sw = malloc(n * sizeof *sw);
        int *cls = malloc(n * sizeof *cls);
        t_fit *f = malloc(3 * sizeof *f);
        CHECK(X && y && sw && cls && f);
        if (!X || !y || !sw || !cls || !f) {
            free(X), free(y), free(sw), free(cls), free(f);
            continue;
        }
        t_data(0x7e57u + c, n, p, K, X, y, cls, sw);
        as_logreg_params prm = as__logreg_params_default();
        prm.solver = cases[c].solver;
        prm.penalty = cases[c].penalty;
        prm.C = cases[c].penalty == AS_PENALTY_L1 ? 0.05 : 1.0;
        const double *w = cases[c].weights ? sw : NULL;
        t_run("1", X, n, p, y, cls, K, w, &prm, &f[0]);
        t_run("2", X, n, p, y, cls, K, w, &prm, &f[1]);
        t_run("3", X, n, p, y, cls, K, w, &prm, &f[2]);
        const size_t m = (size_t)(K < 3 ? 1 : K) * (p + 1);
        for (int t = 1; t < 3; t++) {
            int same = f[t].st == f[0].st && f[t].info.iterations == f[0].info.iterations &&
                       f[t].info.function_evaluations == f[0].info.function_evaluations &&
                       f[t].info.hessian_products == f[0].info.hessian_products &&
                       f[t].info.objective == f[0].info.objective && f[t].info.grad_norm == f[0].info.grad_norm;
            size_t diff = 0;
            for (size_t j = 0; j < m; j++) diff += !(f[t].v[j] == f[0].v[j]);
            CHECK_MSG(f[0].st == AS_OK && same && diff == 0,
                      "case %zu (n %zu, p %zu, K %d, solver %d, penalty %d): %d threads differ from 1 in %zu of %zu "
                      "values (iterations %d / %d, objective %.17g / %.17g)", c, n, p, K, cases[c].solver,
                      cases[c].penalty, t + 1, diff, m, f[t].info.iterations, f[0].info.iterations,
                      f[t].info.objective, f[0].info.objective);
        }
        CHECK_MSG(f[0].info.converged, "case %zu: not converged", c);
        /* and the fit itself is right: the optimality conditions, recomputed here */
        if (K < 3 && cases[c].penalty != AS_PENALTY_L1) {
            double *g = malloc((p + 1) * sizeof *g);
            if (g) {
                bin_loss_grad(X, n, p, y, w, prm.C, f[0].v, f[0].v[p], g);
                double scale = 0;
                for (size_t i = 0; i < n; i++) scale += w ? w[i] : 1.0;
                CHECK_MSG(kkt_violation(g, f[0].v, p, 1, cases[c].penalty) <= 1e-6 * scale, "case %zu: gradient %g",
                          c, kkt_violation(g, f[0].v, p, 1, cases[c].penalty));
                free(g);
            }
        }
        free(X), free(y), free(sw), free(cls), free(f);
    }
}

/* ------------------------------------------------------------------------------------------------------- */
/* allocation failures on the new paths: AS_ERR_NOMEM, never a crash or a leak (ASan)                        */
/* ------------------------------------------------------------------------------------------------------- */

static void test_alloc_failures(void) {
    double X[180], yb[60], w[3], b, W[9], bm[3];
    int cls[60];
    m_data(X, cls, yb);
    as_logreg_info info;
    as_error err;
    for (int pen = 0; pen < 3; pen++)
        for (int s = 0; s < 4; s++) {
            as_logreg_params prm = as__logreg_params_default();
            prm.penalty = pen;
            prm.solver = s;
            for (int multi = 0; multi < 2; multi++) {
                int nomem = 0, ok = 0, other = 0;
                for (long k = 1; k <= 8; k++) {
                    as__alloc_fail_after(k);
                    as_status st = multi ? as__logreg_fit_multinomial(X, 60, 3, cls, 3, NULL, &prm, W, bm, &info, &err)
                                         : as__logreg_fit(X, 60, 3, yb, NULL, &prm, w, &b, &info, &err);
                    as__alloc_fail_after(0);
                    if (st == AS_ERR_NOMEM) nomem++;
                    else if (st == AS_OK) ok++;
                    else other++;
                }
                CHECK_MSG(nomem >= 2 && ok >= 1 && other == 0, "penalty %d solver %d multi %d: nomem %d ok %d other %d",
                          pen, s, multi, nomem, ok, other);
            }
        }
}

int main(void) {
    RUN(test_issue_example);
    RUN(test_binary_agreement);
    RUN(test_binary_l1_reference);
    RUN(test_l1_shapes);
    RUN(test_l1_near_separable);
    RUN(test_class_weight);
    RUN(test_weight_scaling);
    RUN(test_multinomial_reference);
    RUN(test_multinomial_agreement);
    RUN(test_multinomial_edges);
    RUN(test_params);
    RUN(test_threads_identical);
    RUN(test_alloc_failures);
    return test_report("logreg");
}
