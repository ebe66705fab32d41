/* bench_solvers — our logistic-regression solvers against LIBLINEAR's train() on one in-memory matrix.
 *
 *   bench_solvers [--rows N] [--cols P] [--onehot R] [--C C] [--tol T] [--csv FILE] [--repeat K] [--no-liblinear]
 *                 [--write-npy FILE] [--write-libsvm FILE] [--write-summary FILE]
 *
 * The matrix: by default a deterministic synthetic binary problem, N × P (1,000,000 × 30): standard-normal
 * columns sharing four latent factors (correlated, as real features are), labels drawn from a logistic model
 * (~40 % positives); --onehot R makes the last R of the P columns one-hot groups of 8 levels with frequencies
 * ∝ 4^−k (sparse 0/1 columns whose last levels are rare, ~1e-4; each group sums to 1, so after standardization
 * the group is exactly collinear: the ill-conditioning real one-hot data brings, as tests/tools/ml_bench's RARE);
 * with --csv a numeric CSV (optional header line, last column the 0/1 label), for example the Online Retail
 * feature table bench/solvers.sh exports. Either way the columns are standardized in memory
 * (as__standardize_fit / _apply), as the pipeline feeds the solver.
 *
 * Fits, each timed in-process on that matrix (fit only; best of K with --repeat):
 *   ours newton (auto)  as_logreg_params.solver = AUTO: Newton–Cholesky for d ≤ 128 unknowns, TRON / switching
 *                       above (src/ml/logreg.c); threads as the library chooses them (every core for large
 *                       problems), and again with AS_THREADS=1 and AS_THREADS=2 (same coefficients, bit for bit)
 *   ours tron           LIBLINEAR's trust-region Newton method, reimplemented
 *   ours lbfgs          L-BFGS
 *     all at tol T (default 1e-8): ‖∇f‖ ≤ T·‖∇f(0)‖
 *   liblinear -s 0      train() of Debian's liblinear (2.3), L2R_LR primal (TRON), bias = 1, same C, at
 *                       (a) its default eps = 0.01 and (b) eps matched to T: LIBLINEAR stops when
 *                       ‖∇f‖ ≤ eps·max(min(#pos, #neg), 1)/l · ‖∇f(0)‖, so eps = T·l / max(min(#pos, #neg), 1).
 *                       The conversion to its sparse feature_node rows is timed separately.
 * Objective: every solution is scored by one function, scikit-learn's objective
 *     f(w, b) = C · Σ_i log(1 + exp(−y±_i (x_i·w + b))) + ½‖w‖²           (intercept not penalized)
 * (compensated summation, stable log1p). LIBLINEAR minimizes f + ½b² instead: it treats the bias as one more
 * feature of value 1 under the same penalty. With 10⁶ rows the ½b² term moves b by ~b/(C·Σ p(1−p)) ≈ 1e-6
 * relative, so its optimum is within rounding of ours on f; the table shows each solution's f and its excess
 * over the best.
 *
 * --write-npy FILE writes the standardized matrix with the label as last column (float64, C order) and
 * --write-libsvm FILE the same rows in LIBLINEAR's text format (17 significant digits), for bench/solvers.sh,
 * which times scikit-learn and liblinear-train on them; --write-summary FILE writes C, tol, the matched eps and
 * the best objective for that script. Not a test: figures, not pass/fail. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/tools/matrix_io.h"
#include "ml/ml.h"

#ifdef AS_HAVE_LIBLINEAR
#include <linear.h>
#endif

static void die(const char *msg, const char *arg) {
    fprintf(stderr, "bench_solvers: %s%s\n", msg, arg ? arg : "");
    exit(2);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory", NULL);
    return p;
}

/* ---- data ---- */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static double uniform(void) { return mio_uniform(&rng_state); }
static double normal(void) { return mio_normal(&rng_state); }

static void synthetic(size_t n, size_t p, size_t onehot, double *X, double *y) {
    double *beta = xmalloc(p * sizeof *beta), *load = xmalloc(4 * p * sizeof *load);
    for (size_t j = 0; j < p; j++) beta[j] = 0.25 * normal();
    for (size_t k = 0; k < 4 * p; k++) load[k] = 0.6 * normal();
    const size_t dense = p - onehot;
    for (size_t i = 0; i < n; i++) {
        double f[4], z = -0.4;
        for (int k = 0; k < 4; k++) f[k] = normal();
        for (size_t j = 0; j < dense; j++) {
            double v = normal() + load[j * 4] * f[0] + load[j * 4 + 1] * f[1] + load[j * 4 + 2] * f[2] +
                       load[j * 4 + 3] * f[3];
            v = v * (1 + 0.5 * (double)(j % 5)) + 3.0 * (double)(j % 7);   /* assorted scales and offsets */
            X[i * p + j] = v;
            z += beta[j] * (v - 3.0 * (double)(j % 7)) / (1 + 0.5 * (double)(j % 5));
        }
        /* one-hot groups of (up to) 8 levels, level k drawn with probability ∝ 4^−k */
        for (size_t g = dense; g < p; g += 8) {
            size_t levels = p - g < 8 ? p - g : 8, pick = levels - 1;
            double u = uniform(), tot = 0, acc = 0;
            for (size_t k = 0; k < levels; k++) tot += pow(0.25, (double)k);
            for (size_t k = 0; k < levels; k++) {
                acc += pow(0.25, (double)k) / tot;
                if (u < acc) {
                    pick = k;
                    break;
                }
            }
            for (size_t k = 0; k < levels; k++) X[i * p + g + k] = k == pick ? 1 : 0;
            z += 4 * beta[g + pick];
        }
        y[i] = uniform() < 1 / (1 + exp(-z)) ? 1 : 0;
    }
    free(beta), free(load);
}

/* Numeric CSV, optional header, last column the 0/1 label. */
static void read_csv(const char *path, double **Xo, double **yo, size_t *no, size_t *po) {
    double *d;
    size_t rows, cols;
    mio_error e;
    switch (mio_read_csv(path, MIO_EOL_ALL, &d, &rows, &cols, &e)) {
    case MIO_OK: break;
    case MIO_ERR_OPEN: die("cannot open ", path); break;
    case MIO_ERR_NOMEM: die("out of memory", NULL); break;
    case MIO_ERR_NOT_NUMERIC: die("non-numeric line in ", path); break;
    case MIO_ERR_RAGGED: die("ragged rows in ", path); break;
    }
    if (cols < 2 || rows < 2) die("need at least 2 rows and 2 columns in ", path);
    size_t p = cols - 1;
    double *X = xmalloc(rows * p * sizeof *X), *y = xmalloc(rows * sizeof *y);
    for (size_t i = 0; i < rows; i++) {
        memcpy(X + i * p, d + i * cols, p * sizeof *X);
        y[i] = d[i * cols + p] != 0 ? 1 : 0;
    }
    free(d);
    *Xo = X, *yo = y, *no = rows, *po = p;
}

/* ---- the common objective ---- */

/* scikit-learn's f(w, b) = C Σ log(1 + exp(−m_i)) + ½‖w‖², m_i = y±_i (x_i·w + b); Neumaier-compensated sums. */
static double objective(const double *X, const double *y, size_t n, size_t p, const double *w, double b, double C) {
    double s = 0, c = 0;
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * p;
        double z = b;
        for (size_t j = 0; j < p; j++) z += x[j] * w[j];
        double m = y[i] > 0 ? z : -z;
        double l = m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m));
        double t = s + l;
        c += fabs(s) >= fabs(l) ? (s - t) + l : (l - t) + s;
        s = t;
    }
    double r = 0;
    for (size_t j = 0; j < p; j++) r += w[j] * w[j];
    return C * (s + c) + 0.5 * r;
}

/* ---- results ---- */

typedef struct result {
    char name[48];
    char path[24];
    int iterations;
    double seconds, cpu, objective, extra_seconds;
    int ok;
} result;

static result results[16];
static int n_results;

static const char *path_name(int s) {
    switch (s) {
    case AS_SOLVER_TRON: return "tron";
    case AS_SOLVER_NEWTON_CHOLESKY: return "newton-cholesky";
    case AS_SOLVER_LBFGS: return "lbfgs";
    default: return "?";
    }
}

/* threads: NULL for the library's choice, else the AS_THREADS value for this fit */
static void fit_ours(const char *name, int solver, const char *threads, const double *X, const double *y, size_t n,
                     size_t p, double C, double tol, int repeat, double *w) {
    result *r = &results[n_results++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    as_logreg_params prm = as__logreg_params_default();
    prm.C = C;
    prm.tol = tol;
    prm.max_iter = 1000;
    prm.solver = solver;
    double b = 0;
    r->seconds = 1e300;
    const char *saved = getenv("AS_THREADS");
    char keep[32];
    snprintf(keep, sizeof keep, "%s", saved ? saved : "");
    if (threads) setenv("AS_THREADS", threads, 1);
    for (int k = 0; k < repeat; k++) {
        as_logreg_info info;
        as_error err;
        double t0 = mio_now(), c0 = mio_cpu_now();
        as_status st = as__logreg_fit(X, n, p, y, NULL, &prm, w, &b, &info, &err);
        double secs = mio_now() - t0, cpu = mio_cpu_now() - c0;
        if (st != AS_OK) {
            fprintf(stderr, "bench_solvers: %s: %s\n", name, err.msg);
            break;
        }
        if (secs < r->seconds) r->seconds = secs, r->cpu = cpu;
        r->iterations = info.iterations;
        snprintf(r->path, sizeof r->path, "%s%s", path_name(info.solver), info.converged ? "" : " (not conv.)");
        if (k == repeat - 1)
            printf("%s: %d iterations, %d Hessians formed, %d Hessian-vector products, %d passes (loss + gradient), "
                   "final |g| %.3g\n", name, info.iterations, info.hessian_formations, info.hessian_products,
                   info.function_evaluations, info.grad_norm);
    }
    if (saved) setenv("AS_THREADS", keep, 1);
    else unsetenv("AS_THREADS");
    if (r->seconds == 1e300) return;
    r->objective = objective(X, y, n, p, w, b, C);
    r->ok = 1;
}

#ifdef AS_HAVE_LIBLINEAR
/* LIBLINEAR reports progress through this hook: TRON prints one "iter N act ..." line per Newton step, which
 * gives the iteration count. */
static int ll_iterations;
static void count_iterations(const char *s) {
    if (!strncmp(s, "iter", 4)) ll_iterations++;
}

static struct feature_node *ll_nodes;
static struct feature_node **ll_rows;
static double *ll_y;

/* LIBLINEAR's own objective for reference: f + ½b² */
static void fit_liblinear(const char *name, const double *X, const double *y, size_t n, size_t p, double C,
                          double eps, int repeat, double *w, double convert_secs) {
    result *r = &results[n_results++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->path, sizeof r->path, "tron (liblinear %d)", liblinear_version);
    struct problem prob;
    prob.l = (int)n;
    prob.n = (int)p + 1;   /* the bias is feature p + 1 */
    prob.y = ll_y;
    prob.x = ll_rows;
    prob.bias = 1;
    struct parameter par;
    memset(&par, 0, sizeof par);
    par.solver_type = L2R_LR;
    par.eps = eps;
    par.C = C;
    par.p = 0.1;
    const char *bad = check_parameter(&prob, &par);
    if (bad) {
        fprintf(stderr, "bench_solvers: liblinear: %s\n", bad);
        return;
    }
    double b = 0;
    r->seconds = 1e300;
    for (int k = 0; k < repeat; k++) {
        ll_iterations = 0;
        double t0 = mio_now(), c0 = mio_cpu_now();
        struct model *m = train(&prob, &par);
        double secs = mio_now() - t0, cpu = mio_cpu_now() - c0;
        if (secs < r->seconds) r->seconds = secs, r->cpu = cpu;
        r->iterations = ll_iterations;
        /* w is the decision function of label[0]; our class 1 is the positive one */
        double sign = m->label[0] == 1 ? 1.0 : -1.0;
        for (size_t j = 0; j < p; j++) w[j] = sign * m->w[j];
        b = sign * m->w[p];
        free_and_destroy_model(&m);
    }
    r->extra_seconds = convert_secs;
    r->objective = objective(X, y, n, p, w, b, C);
    r->ok = 1;
}
#endif

/* ---- output files for bench/solvers.sh ---- */

static void write_npy(const char *path, const double *X, const double *y, size_t n, size_t p) {
    FILE *f = fopen(path, "wb");
    if (!f) die("cannot write ", path);
    char h[128];
    int len = snprintf(h, sizeof h, "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu, %zu), }", n, p + 1);
    int total = 10 + len + 1;
    int pad = (64 - total % 64) % 64;
    unsigned short hl = (unsigned short)(len + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(hl & 0xff, f), fputc(hl >> 8, f);
    fwrite(h, 1, (size_t)len, f);
    for (int i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
    double *row = xmalloc((p + 1) * sizeof *row);
    for (size_t i = 0; i < n; i++) {
        memcpy(row, X + i * p, p * sizeof *row);
        row[p] = y[i];
        fwrite(row, sizeof *row, p + 1, f);
    }
    free(row);
    if (fclose(f)) die("write failed: ", path);
}

static void write_libsvm(const char *path, const double *X, const double *y, size_t n, size_t p) {
    FILE *f = fopen(path, "w");
    if (!f) die("cannot write ", path);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%d", y[i] > 0 ? 1 : -1);
        for (size_t j = 0; j < p; j++)
            if (X[i * p + j] != 0) fprintf(f, " %zu:%.17g", j + 1, X[i * p + j]);
        fputc('\n', f);
    }
    if (fclose(f)) die("write failed: ", path);
}

int main(int argc, char **argv) {
    size_t n = 1000000, p = 30, onehot = 0;
    double C = 1.0, tol = 1e-8;
    int repeat = 1, use_liblinear = 1;
    const char *csv = NULL, *npy = NULL, *libsvm = NULL, *summary = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-liblinear")) {
            use_liblinear = 0;
            continue;
        }
        if (!v) die("missing value for ", a);
        i++;
        if (!strcmp(a, "--rows")) n = (size_t)atol(v);
        else if (!strcmp(a, "--cols")) p = (size_t)atol(v);
        else if (!strcmp(a, "--onehot")) onehot = (size_t)atol(v);
        else if (!strcmp(a, "--C")) C = atof(v);
        else if (!strcmp(a, "--tol")) tol = atof(v);
        else if (!strcmp(a, "--repeat")) repeat = atoi(v) > 0 ? atoi(v) : 1;
        else if (!strcmp(a, "--csv")) csv = v;
        else if (!strcmp(a, "--write-npy")) npy = v;
        else if (!strcmp(a, "--write-libsvm")) libsvm = v;
        else if (!strcmp(a, "--write-summary")) summary = v;
        else die("unknown option ", a);
    }

    double *X, *y;
    double t0 = mio_now();
    if (csv) {
        read_csv(csv, &X, &y, &n, &p);
    } else {
        if (onehot > p) onehot = p;
        X = xmalloc(n * p * sizeof *X), y = xmalloc(n * sizeof *y);
        synthetic(n, p, onehot, X, y);
    }
    double *mean = xmalloc(p * sizeof *mean), *scale = xmalloc(p * sizeof *scale);
    as__standardize_fit(X, n, p, mean, scale);
    as__standardize_apply(X, n, p, mean, scale);
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) pos += y[i] > 0;
    size_t minority = pos < n - pos ? pos : n - pos;
    double eps_matched = tol * (double)n / (double)(minority > 1 ? minority : 1);
    printf("bench_solvers: %s %zu x %zu (%zu one-hot), %zu positives (%.1f %%), standardized; C = %g, tol = %g; "
           "prepared in %.2f s\n", csv ? csv : "synthetic", n, p, csv ? 0 : onehot, pos,
           100.0 * (double)pos / (double)n, C, tol, mio_now() - t0);
    if (npy) write_npy(npy, X, y, n, p);
    if (libsvm) write_libsvm(libsvm, X, y, n, p);

    double *w = xmalloc(p * sizeof *w);
    fit_ours("ours newton (auto)", AS_SOLVER_AUTO, NULL, X, y, n, p, C, tol, repeat, w);
    double *w1 = xmalloc(p * sizeof *w1);
    fit_ours("ours newton (auto), 1 thread", AS_SOLVER_AUTO, "1", X, y, n, p, C, tol, repeat, w1);
    fit_ours("ours newton (auto), 2 threads", AS_SOLVER_AUTO, "2", X, y, n, p, C, tol, repeat, w);
    size_t differ = 0;
    for (size_t j = 0; j < p; j++) differ += w1[j] != w[j];
    printf("ours newton with 1 and 2 threads: %s\n",
           differ ? "coefficients DIFFER (they should be the same bits)" : "the same coefficients, bit for bit");
    free(w1);
    fit_ours("ours tron", AS_SOLVER_TRON, NULL, X, y, n, p, C, tol, repeat, w);
    fit_ours("ours lbfgs", AS_SOLVER_LBFGS, NULL, X, y, n, p, C, tol, repeat, w);
#ifdef AS_HAVE_LIBLINEAR
    if (use_liblinear) {
        set_print_string_function(count_iterations);
        double c0 = mio_now();
        ll_nodes = xmalloc(n * (p + 2) * sizeof *ll_nodes);
        ll_rows = xmalloc(n * sizeof *ll_rows);
        ll_y = xmalloc(n * sizeof *ll_y);
        for (size_t i = 0; i < n; i++) {
            struct feature_node *r = ll_nodes + i * (p + 2);
            size_t k = 0;
            for (size_t j = 0; j < p; j++)
                if (X[i * p + j] != 0) r[k].index = (int)j + 1, r[k++].value = X[i * p + j];
            r[k].index = (int)p + 1, r[k++].value = 1.0;   /* the bias feature (prob.bias = 1) */
            r[k].index = -1, r[k].value = 0;
            ll_rows[i] = r;
            ll_y[i] = y[i] > 0 ? 1 : -1;
        }
        double convert = mio_now() - c0;
        char name[48];
        fit_liblinear("liblinear -s 0 (eps 0.01, default)", X, y, n, p, C, 0.01, repeat, w, convert);
        snprintf(name, sizeof name, "liblinear -s 0 (eps %.3g, matched)", eps_matched);
        fit_liblinear(name, X, y, n, p, C, eps_matched, repeat, w, convert);
        free(ll_nodes), free(ll_rows), free(ll_y);
    }
#else
    if (use_liblinear)
        printf("(built without liblinear: install liblinear-dev and re-run cmake for the LIBLINEAR rows)\n");
#endif

    double best = INFINITY, ours_auto = results[0].ok ? results[0].seconds : NAN, ll = NAN;
    for (int i = 0; i < n_results; i++) {
        if (results[i].ok && results[i].objective < best) best = results[i].objective;
        if (results[i].ok && strstr(results[i].name, "matched")) ll = results[i].seconds;
    }
    printf("\n%-40s | %-22s | %5s | %8s | %8s | %-22s | %-10s | %9s | %9s\n", "solver", "path", "iter", "wall s",
           "cpu s", "objective f", "f - best", "/ ours", "/ libl.");
    printf("%.*s\n", 156, "------------------------------------------------------------------------------------------"
                          "------------------------------------------------------------------------------------------");
    for (int i = 0; i < n_results; i++) {
        result *r = &results[i];
        if (!r->ok) {
            printf("%-40s | failed\n", r->name);
            continue;
        }
        printf("%-40s | %-22s | %5d | %8.3f | %8.3f | %-22.15g | %10.3g | %8.2fx | %8.2fx\n", r->name, r->path,
               r->iterations, r->seconds, r->cpu, r->objective, (r->objective - best) / best,
               r->seconds / ours_auto, r->seconds / ll);
    }
    for (int i = 0; i < n_results; i++)
        if (results[i].ok && results[i].extra_seconds > 0) {
            printf("(liblinear's rows converted to feature_node form in %.3f s, not counted above)\n",
                   results[i].extra_seconds);
            break;
        }
    printf("f = C·Σ log(1+exp(−y±(x·w+b))) + ½‖w‖² at each solution (liblinear minimizes f + ½b²); "
           "f − best relative to the lowest f; / ours = wall time over ours newton (auto); / libl. = over liblinear "
           "at matched eps.\n");
    if (summary) {
        FILE *f = fopen(summary, "w");
        if (!f) die("cannot write ", summary);
        fprintf(f, "C=%.17g\ntol=%.17g\neps_matched=%.17g\nbest=%.17g\nours_auto=%.17g\nliblinear=%.17g\nrows=%zu\n"
                   "cols=%zu\n", C, tol, eps_matched, best, ours_auto, ll, n, p);
        for (int i = 0; i < n_results; i++)
            if (results[i].ok)
                fprintf(f, "row=%s|%s|%d|%.6f|%.6f|%.17g\n", results[i].name, results[i].path, results[i].iterations,
                        results[i].seconds, results[i].cpu, results[i].objective);
        fclose(f);
    }
    free(X), free(y), free(w), free(mean), free(scale);
    return 0;
}
