/* ml_bench — times the logistic-regression solver on a random dense problem (the LIBLINEAR comparison size is
 * 235,000 × 60).
 *
 *   ml_bench [ROWS [COLS [C [TOL [CSV_OUT]]]]]      defaults: 235000 60 1 1e-8
 *
 * Columns are standard normal with some shared factors (correlated, as real features are), labels are drawn
 * from a logistic model. With CSV_OUT the problem is also written (last column = label), so other solvers can
 * be timed on the same data. A test tool: plain malloc, exits on error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ml/ml.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static double uniform(void) {   /* splitmix64 → (0, 1) */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}
static double normal(void) { return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform()); }

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 235000, p = argc > 2 ? (size_t)atol(argv[2]) : 60;
    as_logreg_params prm = as__logreg_params_default();
    if (argc > 3) prm.C = atof(argv[3]);
    if (argc > 4) prm.tol = atof(argv[4]);
    prm.max_iter = 1000;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y), *w = malloc(p * sizeof *w);
    double *beta = malloc(p * sizeof *beta), f[4];
    if (!X || !y || !w || !beta) return 2;
    for (size_t j = 0; j < p; j++) beta[j] = 0.3 * normal();
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 4; k++) f[k] = normal();
        double z = -0.5;
        for (size_t j = 0; j < p; j++) {
            double v = normal() + 0.5 * f[j % 4];
            X[i * p + j] = v;
            z += beta[j] * v;
        }
        y[i] = uniform() < 1 / (1 + exp(-z)) ? 1 : 0;
    }
    if (argc > 5) {
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
    double b, t0 = now();
    clock_t c0 = clock();   /* CPU time too: on a loaded machine the wall clock overstates the cost */
    if (as__logreg_fit(X, n, p, y, NULL, &prm, w, &b, &info, &err) != AS_OK) {
        fprintf(stderr, "ml_bench: %s\n", err.msg);
        return 1;
    }
    double secs = now() - t0, cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    printf("logreg %zu x %zu C=%g tol=%g: %.3f s (cpu %.3f s), %d iterations, converged %d, |g| %.3g, objective %.10g, "
           "quasi_separated %d\n", n, p, prm.C, prm.tol, secs, cpu, info.iterations, info.converged, info.grad_norm,
           info.objective, info.quasi_separated);
    free(X), free(y), free(w), free(beta);
    return 0;
}
