/* ml_bench — times the logistic-regression solver on a random dense problem (the LIBLINEAR comparison size is
 * 235,000 × 60).
 *
 *   ml_bench [ROWS [COLS [C [TOL [CSV_OUT [SOLVER [RARE]]]]]]]      defaults: 235000 60 1 1e-8 - 0 0
 *
 * Columns are standard normal with some shared factors (correlated, as real features are), labels are drawn
 * from a logistic model. With CSV_OUT the problem is also written (last column = label), so other solvers can
 * be timed on the same data ("-" writes nothing). SOLVER is as_logreg_params.solver: 0 auto, 1 TRON, 2 Newton–Cholesky.
 * RARE of the COLS columns are instead one-hot groups of 8 levels with frequencies ∝ 4^−k, standardized as the
 * pipeline does (rare levels take values up to ~100, each group is exactly collinear), and the classes are
 * imbalanced (~5 % positives): the ill-conditioning real data brings (CG then needs many products per step).
 * A test tool: plain malloc, exits on error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "matrix_io.h"
#include "ml/ml.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static double uniform(void) { return mio_uniform(&rng_state); }
static double normal(void) { return mio_normal(&rng_state); }

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 235000, p = argc > 2 ? (size_t)atol(argv[2]) : 60;
    as_logreg_params prm = as__logreg_params_default();
    if (argc > 3) prm.C = atof(argv[3]);
    if (argc > 4) prm.tol = atof(argv[4]);
    if (argc > 6) prm.solver = atoi(argv[6]);
    size_t rare = argc > 7 ? (size_t)atol(argv[7]) : 0;
    if (rare > p) rare = p;
    prm.max_iter = 1000;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y), *w = malloc(p * sizeof *w);
    double *beta = malloc(p * sizeof *beta), f[4];
    if (!X || !y || !w || !beta) return 2;
    for (size_t j = 0; j < p; j++) beta[j] = 0.3 * normal();
    const size_t first_rare = p - rare;
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 4; k++) f[k] = normal();
        double z = rare ? -3.5 : -0.5;   /* with one-hot columns also the class imbalance of real data (~5 %) */
        for (size_t j = 0; j < first_rare; j++) {
            double v = normal() + 0.5 * f[j % 4];
            X[i * p + j] = v;
            z += beta[j] * v;
        }
        /* one-hot groups of (up to) 8 levels, level k drawn with probability ∝ 4^−k: each group sums to 1, so
         * the standardized columns are exactly collinear, and the last levels are rare (~1e-4) */
        for (size_t g = first_rare; g < p; g += 8) {
            size_t levels = p - g < 8 ? p - g : 8;
            double u = uniform(), tot = 0, acc = 0;
            for (size_t k = 0; k < levels; k++) tot += pow(0.25, (double)k);
            size_t pick = levels - 1;
            for (size_t k = 0; k < levels; k++) {
                acc += pow(0.25, (double)k) / tot;
                if (u < acc) { pick = k; break; }
            }
            for (size_t k = 0; k < levels; k++) X[i * p + g + k] = k == pick ? 1 : 0;
            z += 3 * beta[g + pick];
        }
        y[i] = uniform() < 1 / (1 + exp(-z)) ? 1 : 0;
    }
    for (size_t j = first_rare; j < p; j++) {   /* standardize the indicators as the pipeline does */
        double m = 0, v = 0;
        for (size_t i = 0; i < n; i++) m += X[i * p + j];
        m /= (double)n;
        for (size_t i = 0; i < n; i++) v += (X[i * p + j] - m) * (X[i * p + j] - m);
        v = sqrt(v / (double)n);
        for (size_t i = 0; i < n; i++) X[i * p + j] = v > 0 ? (X[i * p + j] - m) / v : 0;
    }
    if (argc > 5 && strcmp(argv[5], "-") != 0) {
        FILE *out = fopen(argv[5], "w");
        if (!out) return 2;
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < p; j++) fprintf(out, "%.17g,", X[i * p + j]);
            fprintf(out, "%d\n", (int)y[i]);
        }
        fclose(out);
    }
    as_error err;
    as_logreg_info info;
    double b, t0 = mio_now();
    clock_t c0 = clock();   /* CPU time too: on a loaded machine the wall clock overstates the cost */
    if (as__logreg_fit(X, n, p, y, NULL, &prm, w, &b, &info, &err) != AS_OK) {
        fprintf(stderr, "ml_bench: %s\n", err.msg);
        return 1;
    }
    double secs = mio_now() - t0, cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    printf("logreg %zu x %zu (%zu rare) C=%g tol=%g %s: %.3f s (cpu %.3f s), %d iterations, "
           "%d Hessian-vector products, %d Hessians formed, converged %d, |g| %.3g, objective %.12g, "
           "quasi_separated %d\n", n, p, rare, prm.C, prm.tol, info.solver == 2 ? "newton-cholesky" : "tron", secs, cpu,
           info.iterations, info.hessian_products, info.hessian_formations, info.converged, info.grad_norm,
           info.objective, info.quasi_separated);
    free(X), free(y), free(w), free(beta);
    return 0;
}
