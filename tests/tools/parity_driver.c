/* parity_driver — calls the ml module's internal functions one at a time and prints the results as JSON, for
 * tests/reference/parity_suite.py to compare with numpy / scikit-learn.
 *
 *   parity_driver permutation N SEED
 *   parity_driver split N FRACTION SEED                          (train_test_split)
 *   parity_driver stratified_split LABELS FRACTION SEED          (train_test_split(..., stratify=y))
 *   parity_driver kfold N K SHUFFLE SEED
 *   parity_driver stratified_kfold LABELS K SHUFFLE SEED
 *   parity_driver standardize DATA.csv
 *   parity_driver pca DATA.csv VARIANCE [--transform]
 *   parity_driver logreg DATA.csv [FIT OPTIONS] [--prob]
 *   parity_driver metrics_binary FILE                            (columns: y, score)
 *   parity_driver metrics_multiclass FILE K                      (columns: class, p_0 .. p_K-1)
 *   parity_driver pipeline DATA.csv [--split random:F:S|stratified:F:S|none] [--no-scale] [--pca V] [FIT OPTIONS]
 *                                (none: fit and evaluate on all rows)
 *
 * LABELS: one integer class code per line. DATA.csv: numbers only, one optional header line (or a .npy file of
 * float64 in C order, for large inputs); for logreg and
 * pipeline the last column is the class code (0..K-1; K = 2 binary, K ≥ 3 multinomial) and, with --weighted,
 * the column before it holds per-row weights (not a feature).
 * FIT OPTIONS: --C c, --tol t, --max-iter n, --penalty l2|l1|none, --solver auto|tron|newton|lbfgs,
 * --class-weight balanced, --weighted, --no-intercept.
 * Errors of the function under test are results: {"error": CODE, "message": "..."} with exit status 0. Usage
 * and I/O errors exit 2. NaN and infinities are printed as NaN / Infinity (Python's json reads them).
 * A test tool, not library code: plain malloc, exits on the first internal error. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "matrix_io.h"
#include "ml/ml.h"

static void die(const char *fmt, const char *what) {
    fprintf(stderr, "parity_driver: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n");
    exit(2);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("%s", "out of memory");
    return p;
}

/* ---- input ---- */

/* A .npy file of little-endian float64 in C order (np.save of a 1-d or 2-d array): large inputs pass without
 * the cost of text. Returns the number of columns. */
static size_t read_npy(const char *path, double **out, size_t *rows) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open %s", path);
    unsigned char pre[12];
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)) die("%s is not a .npy file", path);
    size_t hlen = pre[8] | (size_t)pre[9] << 8;
    if (pre[6] >= 2) {
        if (fread(pre + 10, 1, 2, f) != 2) die("%s: truncated header", path);
        hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    }
    char *h = xmalloc(hlen + 1);
    if (fread(h, 1, hlen, f) != hlen) die("%s: truncated header", path);
    h[hlen] = '\0';
    if (!strstr(h, "'descr': '<f8'") || !strstr(h, "'fortran_order': False")) die("%s: float64 in C order expected", path);
    const char *sh = strstr(h, "'shape': (");
    if (!sh) die("%s: no shape", path);
    unsigned long long a = 0, b = 1;
    int got = sscanf(sh + 10, "%llu, %llu", &a, &b);
    if (got < 1) die("%s: bad shape", path);
    if (got == 1) b = 1;
    free(h);
    size_t cells = (size_t)a * (size_t)b;
    double *data = xmalloc(cells * sizeof *data);
    if (fread(data, sizeof *data, cells, f) != cells) die("%s: truncated data", path);
    fclose(f);
    *out = data;
    *rows = (size_t)a;
    return (size_t)b;
}

/* Reads a numeric CSV (optional header line) into a row-major matrix; returns the number of columns. */
static size_t read_csv(const char *path, double **out, size_t *rows) {
    size_t len0 = strlen(path), cols;
    if (len0 > 4 && !strcmp(path + len0 - 4, ".npy")) return read_npy(path, out, rows);
    mio_error e;
    switch (mio_read_csv(path, MIO_EOL_ALL, out, rows, &cols, &e)) {
    case MIO_OK: break;
    case MIO_ERR_OPEN: die("cannot open %s", path); break;
    case MIO_ERR_NOMEM: die("%s", "out of memory"); break;
    case MIO_ERR_NOT_NUMERIC: die("non-numeric line in %s", path); break;
    case MIO_ERR_RAGGED: die("ragged rows in %s", path); break;
    }
    return cols;
}

static int *read_labels(const char *path, size_t *n, int *K) {
    double *d;
    size_t rows, cols = read_csv(path, &d, &rows);
    if (cols != 1) die("%s: one label per line expected", path);
    int *cls = xmalloc(rows * sizeof *cls), mx = -1;
    for (size_t i = 0; i < rows; i++) {
        cls[i] = (int)d[i];
        if (cls[i] < 0 || (double)cls[i] != d[i]) die("%s: labels must be codes 0, 1, ...", path);
        if (cls[i] > mx) mx = cls[i];
    }
    free(d);
    *n = rows;
    *K = mx + 1;
    return cls;
}

/* ---- output ---- */

static void put_num(double v) {
    if (isnan(v)) printf("NaN");
    else if (isinf(v)) printf(v > 0 ? "Infinity" : "-Infinity");
    else printf("%.17g", v);
}

static void put_vec(const char *key, const double *v, size_t n) {
    printf("\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i) printf(",");
        put_num(v[i]);
    }
    printf("]");
}

static void put_sizes(const char *key, const size_t *v, size_t n) {
    printf("\"%s\":[", key);
    for (size_t i = 0; i < n; i++) printf("%s%zu", i ? "," : "", v[i]);
    printf("]");
}

static void put_ints(const char *key, const int *v, size_t n) {
    printf("\"%s\":[", key);
    for (size_t i = 0; i < n; i++) printf("%s%d", i ? "," : "", v[i]);
    printf("]");
}

static void put_str(const char *key, const char *s) {
    printf("\"%s\":\"", key);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    printf("\"");
}

static int put_error(as_status st, const as_error *err) {
    printf("{\"error\":%d,", (int)st);
    put_str("message", err->msg);
    printf("}\n");
    return 0;
}

static void put_metrics(const as_metrics *m) {
    int K = m->n_classes > 0 && m->n_classes <= AS_MAX_CLASSES ? m->n_classes : 2;
    printf("{\"rows\":%lld,\"positives\":%lld,\"n_classes\":%d,\"tp\":%lld,\"fp\":%lld,\"tn\":%lld,\"fn\":%lld,"
           "\"no_predicted_positive\":%d,\"one_class_truth\":%d",
           (long long)m->rows, (long long)m->positives, m->n_classes, (long long)m->tp, (long long)m->fp,
           (long long)m->tn, (long long)m->fn, m->no_predicted_positive, m->one_class_truth);
#define F(name) printf(",\"" #name "\":"), put_num(m->name)
    F(positive_rate);
    F(accuracy);
    F(precision);
    F(recall);
    F(f1);
    F(best_f1_threshold);
    F(best_f1);
    F(best_f1_precision);
    F(best_f1_recall);
    F(roc_auc);
    F(pr_auc);
    F(log_loss);
    F(brier);
    F(precision_top1);
    F(precision_top5);
    F(macro_precision);
    F(macro_recall);
    F(macro_f1);
    F(micro_precision);
    F(micro_recall);
    F(micro_f1);
    F(weighted_precision);
    F(weighted_recall);
    F(weighted_f1);
    F(roc_auc_ovr_macro);
    F(roc_auc_ovr_weighted);
    F(expected_calibration_error);
#undef F
    printf(",\"class_support\":[");
    for (int k = 0; k < K; k++) printf("%s%lld", k ? "," : "", (long long)m->class_support[k]);
    printf("],");
    put_vec("class_precision", m->class_precision, (size_t)K);
    printf(",");
    put_vec("class_recall", m->class_recall, (size_t)K);
    printf(",");
    put_vec("class_f1", m->class_f1, (size_t)K);
    printf(",");
    put_vec("class_roc_auc", m->class_roc_auc, (size_t)K);
    printf(",\"confusion\":[");
    for (int a = 0; a < K; a++) {
        printf("%s[", a ? "," : "");
        for (int b = 0; b < K; b++) printf("%s%lld", b ? "," : "", (long long)m->confusion[a][b]);
        printf("]");
    }
    printf("],\"cal_count\":[");
    for (int b = 0; b < AS_CALIBRATION_BINS; b++) printf("%s%lld", b ? "," : "", (long long)m->cal_count[b]);
    printf("],");
    put_vec("cal_mean_predicted", m->cal_mean_predicted, AS_CALIBRATION_BINS);
    printf(",");
    put_vec("cal_fraction_positive", m->cal_fraction_positive, AS_CALIBRATION_BINS);
    printf("}");
}

/* ---- subcommands: splits ---- */

static unsigned long parse_ulong(const char *s) {
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end) die("not a whole number: %s", s);
    return v;
}

static int cmd_permutation(int argc, char **argv) {
    if (argc != 4) die("%s", "usage: permutation N SEED");
    size_t n = parse_ulong(argv[2]);
    size_t *perm = xmalloc(n * sizeof *perm);
    as__permutation(n, (uint32_t)parse_ulong(argv[3]), perm);
    printf("{");
    put_sizes("perm", perm, n);
    printf("}\n");
    free(perm);
    return 0;
}

static int cmd_split(int argc, char **argv) {
    if (argc != 5) die("%s", "usage: split N FRACTION SEED");
    size_t n = parse_ulong(argv[2]), ntr = 0, nte = 0;
    size_t *tr = xmalloc(n * sizeof *tr), *te = xmalloc(n * sizeof *te);
    as__random_split(n, atof(argv[3]), (uint32_t)parse_ulong(argv[4]), tr, &ntr, te, &nte);
    printf("{");
    put_sizes("train", tr, ntr);
    printf(",");
    put_sizes("test", te, nte);
    printf("}\n");
    free(tr), free(te);
    return 0;
}

static int cmd_stratified_split(int argc, char **argv) {
    if (argc != 5) die("%s", "usage: stratified_split LABELS FRACTION SEED");
    size_t n, ntr = 0, nte = 0;
    int K;
    int *cls = read_labels(argv[2], &n, &K);
    size_t *tr = xmalloc(n * sizeof *tr), *te = xmalloc(n * sizeof *te);
    as_error err;
    as_status st = as__stratified_split(cls, n, K, atof(argv[3]), (uint32_t)parse_ulong(argv[4]), tr, &ntr, te,
                                        &nte, &err);
    if (st != AS_OK) {
        free(cls), free(tr), free(te);
        return put_error(st, &err);
    }
    printf("{");
    put_sizes("train", tr, ntr);
    printf(",");
    put_sizes("test", te, nte);
    printf("}\n");
    free(cls), free(tr), free(te);
    return 0;
}

static int cmd_kfold(int argc, char **argv) {
    if (argc != 6) die("%s", "usage: kfold N K SHUFFLE SEED");
    size_t n = parse_ulong(argv[2]);
    int *fold = xmalloc(n * sizeof *fold);
    as_error err;
    as_status st = as__kfold(n, atoi(argv[3]), atoi(argv[4]), (uint32_t)parse_ulong(argv[5]), fold, &err);
    if (st != AS_OK) {
        free(fold);
        return put_error(st, &err);
    }
    printf("{");
    put_ints("fold", fold, n);
    printf("}\n");
    free(fold);
    return 0;
}

static int cmd_stratified_kfold(int argc, char **argv) {
    if (argc != 6) die("%s", "usage: stratified_kfold LABELS K SHUFFLE SEED");
    size_t n;
    int K;
    int *cls = read_labels(argv[2], &n, &K);
    int *fold = xmalloc(n * sizeof *fold);
    char warning[512];
    as_error err;
    as_status st = as__stratified_kfold(cls, n, atoi(argv[3]), atoi(argv[4]), (uint32_t)parse_ulong(argv[5]), fold,
                                        warning, sizeof warning, &err);
    if (st != AS_OK) {
        free(cls), free(fold);
        return put_error(st, &err);
    }
    printf("{");
    put_ints("fold", fold, n);
    printf(",");
    put_str("warning", warning);
    printf("}\n");
    free(cls), free(fold);
    return 0;
}

/* ---- preprocessing ---- */

static int cmd_standardize(int argc, char **argv) {
    if (argc != 3) die("%s", "usage: standardize DATA.csv");
    double *X;
    size_t n, p = read_csv(argv[2], &X, &n);
    double *mean = xmalloc(p * sizeof *mean), *scale = xmalloc(p * sizeof *scale);
    as__standardize_fit(X, n, p, mean, scale);
    as__standardize_apply(X, n, p, mean, scale);
    printf("{");
    put_vec("mean", mean, p);
    printf(",");
    put_vec("scale", scale, p);
    printf(",");
    put_vec("transformed", X, n * p);
    printf("}\n");
    free(X), free(mean), free(scale);
    return 0;
}

static int cmd_pca(int argc, char **argv) {
    if (argc < 4) die("%s", "usage: pca DATA.csv VARIANCE [--transform]");
    int transform = argc > 4 && !strcmp(argv[4], "--transform");
    double *X;
    size_t n, p = read_csv(argv[2], &X, &n);
    as_pca pca;
    as_error err;
    double t0 = mio_now();
    as_status st = as__pca_fit(X, n, p, atof(argv[3]), &pca, &err);
    double secs = mio_now() - t0;
    if (st != AS_OK) {
        free(X);
        return put_error(st, &err);
    }
    printf("{\"k\":%zu,\"p\":%zu,\"n_all\":%zu,\"seconds\":%.6f,", pca.k, pca.p, pca.n_all, secs);
    put_vec("mean", pca.mean, p);
    printf(",\"total_variance\":");
    put_num(pca.total_variance);
    printf(",");
    put_vec("explained_variance", pca.explained_variance, pca.k);
    printf(",");
    put_vec("explained_variance_ratio", pca.explained_variance_ratio, pca.k);
    printf(",");
    put_vec("all_variance_ratio", pca.all_variance_ratio, pca.n_all);
    /* the cumulative ratios as a running sum (sklearn's stable_cumsum), over the whole spectrum */
    double *cum = xmalloc((pca.n_all ? pca.n_all : 1) * sizeof *cum), s = 0;
    for (size_t c = 0; c < pca.n_all; c++) cum[c] = s += pca.all_variance_ratio[c];
    printf(",");
    put_vec("cumulative_ratio", cum, pca.n_all);
    printf(",");
    put_vec("components", pca.components, pca.k * p);
    if (transform) {
        double *Z = xmalloc(n * pca.k * sizeof *Z);
        as__pca_transform(&pca, X, n, Z);
        printf(",");
        put_vec("transformed", Z, n * pca.k);
        free(Z);
    }
    printf("}\n");
    free(cum);
    as__pca_free(&pca);
    free(X);
    return 0;
}

/* ---- logistic regression ---- */

typedef struct fit_opts {
    as_logreg_params prm;
    int balanced, weighted, prob;
    const char *split;
    int scale;
    double pca;
} fit_opts;

static void parse_fit_opts(int argc, char **argv, int first, fit_opts *o) {
    o->prm = as__logreg_params_default();
    o->balanced = o->weighted = o->prob = 0;
    o->split = NULL;
    o->scale = 1;
    o->pca = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--balanced") || !strcmp(a, "--class-weight")) {
            if (!strcmp(a, "--class-weight")) {
                if (!v || strcmp(v, "balanced")) die("%s", "--class-weight takes 'balanced'");
                i++;
            }
            o->balanced = 1;
        } else if (!strcmp(a, "--weighted")) o->weighted = 1;
        else if (!strcmp(a, "--prob")) o->prob = 1;
        else if (!strcmp(a, "--no-intercept")) o->prm.fit_intercept = 0;
        else if (!strcmp(a, "--no-scale")) o->scale = 0;
        else if (!v) die("option %s needs a value", a);
        else {
            i++;
            if (!strcmp(a, "--C")) o->prm.C = atof(v);
            else if (!strcmp(a, "--tol")) o->prm.tol = atof(v);
            else if (!strcmp(a, "--max-iter")) o->prm.max_iter = atoi(v);
            else if (!strcmp(a, "--split")) o->split = v;
            else if (!strcmp(a, "--pca")) o->pca = atof(v);
            else if (!strcmp(a, "--penalty")) {
                if (!strcmp(v, "l2")) o->prm.penalty = AS_PENALTY_L2;
                else if (!strcmp(v, "l1")) o->prm.penalty = AS_PENALTY_L1;
                else if (!strcmp(v, "none")) o->prm.penalty = AS_PENALTY_NONE;
                else die("unknown penalty %s", v);
            } else if (!strcmp(a, "--solver")) {
                if (!strcmp(v, "auto")) o->prm.solver = AS_SOLVER_AUTO;
                else if (!strcmp(v, "tron")) o->prm.solver = AS_SOLVER_TRON;
                else if (!strcmp(v, "newton")) o->prm.solver = AS_SOLVER_NEWTON_CHOLESKY;
                else if (!strcmp(v, "lbfgs")) o->prm.solver = AS_SOLVER_LBFGS;
                else die("unknown solver %s", v);
            } else die("unknown option %s", a);
        }
    }
}

static const char *solver_name(int s) {
    switch (s) {
    case AS_SOLVER_TRON: return "tron";
    case AS_SOLVER_NEWTON_CHOLESKY: return "newton-cholesky";
    case AS_SOLVER_LBFGS: return "lbfgs";
    default: return "auto";
    }
}

/* A fitted model of either kind: binary (K = 2: W has p entries, b one) or multinomial (W K × p, b K). */
typedef struct fitted {
    int K;
    size_t p;
    double *W, *b;
    as_logreg_info info;
    double seconds;
} fitted;

/* Splits DATA's columns into X (n × p), optional weights and class codes. */
static void split_columns(const double *D, size_t n, size_t cols, int weighted, double **X, size_t *p, double **w,
                          int **cls, int *K) {
    size_t q = cols - 1 - (size_t)weighted;
    if (cols < 2 + (size_t)weighted) die("%s", "DATA needs feature columns and a label column");
    *X = xmalloc(n * q * sizeof **X);
    *w = weighted ? xmalloc(n * sizeof **w) : NULL;
    *cls = xmalloc(n * sizeof **cls);
    int mx = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(*X + i * q, D + i * cols, q * sizeof **X);
        if (weighted) (*w)[i] = D[i * cols + q];
        double y = D[i * cols + cols - 1];
        int c = (int)y;
        if ((double)c != y || c < 0 || c >= AS_MAX_CLASSES) die("%s", "labels must be class codes 0, 1, ...");
        (*cls)[i] = c;
        if (c > mx) mx = c;
    }
    *p = q;
    *K = mx + 1 < 2 ? 2 : mx + 1;
}

static as_status fit_model(const double *X, size_t n, size_t p, const int *cls, int K, const double *rw,
                           const fit_opts *o, fitted *f, as_error *err) {
    double *sw = NULL;
    if (o->balanced || rw) {
        sw = xmalloc(n * sizeof *sw);
        double cw[AS_MAX_CLASSES];
        if (o->balanced) as__class_weight_balanced(cls, n, K, cw);
        /* sklearn: sample_weight *= class_weight_[y] */
        for (size_t i = 0; i < n; i++) sw[i] = (rw ? rw[i] : 1.0) * (o->balanced ? cw[cls[i]] : 1.0);
    }
    f->K = K;
    f->p = p;
    as_status st;
    double t0 = mio_now();
    if (K == 2) {
        f->W = xmalloc(p * sizeof *f->W);
        f->b = xmalloc(sizeof *f->b);
        double *y = xmalloc(n * sizeof *y);
        for (size_t i = 0; i < n; i++) y[i] = cls[i];
        st = as__logreg_fit(X, n, p, y, sw, &o->prm, f->W, f->b, &f->info, err);
        free(y);
    } else {
        f->W = xmalloc((size_t)K * p * sizeof *f->W);
        f->b = xmalloc((size_t)K * sizeof *f->b);
        st = as__logreg_fit_multinomial(X, n, p, cls, K, sw, &o->prm, f->W, f->b, &f->info, err);
    }
    f->seconds = mio_now() - t0;
    free(sw);
    return st;
}

/* prob: n × K for multinomial, n (probability of class 1) for binary */
static double *predict(const fitted *f, const double *X, size_t n) {
    double *prob = xmalloc(n * (size_t)(f->K == 2 ? 1 : f->K) * sizeof *prob);
    if (f->K == 2) as__logreg_predict(X, n, f->p, f->W, f->b[0], prob);
    else as__logreg_predict_multinomial(X, n, f->p, f->K, f->W, f->b, prob);
    return prob;
}

static void put_fit(const fitted *f) {
    size_t rows = f->K == 2 ? 1 : (size_t)f->K;
    printf("\"K\":%d,", f->K);
    put_vec("coef", f->W, rows * f->p);
    printf(",");
    put_vec("intercept", f->b, rows);
    printf(",\"iterations\":%d,\"converged\":%d,\"quasi_separated\":%d,\"solver\":\"%s\",\"nonzero\":%zu,"
           "\"seconds\":%.6f,\"grad_norm\":",
           f->info.iterations, f->info.converged, f->info.quasi_separated, solver_name(f->info.solver),
           f->info.nonzero, f->seconds);
    put_num(f->info.grad_norm);
    printf(",\"objective\":");
    put_num(f->info.objective);
}

/* Metrics of prob against the class codes: binary or multiclass; prints "key":{...} or "key":{"error":...}. */
static void put_eval(const char *key, const int *cls, const double *prob, size_t n, int K) {
    as_metrics m;
    as_error err;
    as_status st;
    if (K == 2) {
        double *y = xmalloc(n * sizeof *y);
        for (size_t i = 0; i < n; i++) y[i] = cls[i];
        st = as__metrics_binary(y, prob, n, &m, &err);
        free(y);
    } else {
        st = as__metrics_multiclass(cls, prob, n, K, &m, &err);
    }
    printf("\"%s\":", key);
    if (st != AS_OK) {
        printf("{\"error\":%d,", (int)st);
        put_str("message", err.msg);
        printf("}");
    } else {
        put_metrics(&m);
    }
}

static int cmd_logreg(int argc, char **argv) {
    if (argc < 3) die("%s", "usage: logreg DATA.csv [FIT OPTIONS] [--prob]");
    fit_opts o;
    parse_fit_opts(argc, argv, 3, &o);
    double *D, *X, *rw;
    int *cls, K;
    size_t n, p, cols = read_csv(argv[2], &D, &n);
    split_columns(D, n, cols, o.weighted, &X, &p, &rw, &cls, &K);
    fitted f;
    as_error err;
    as_status st = fit_model(X, n, p, cls, K, rw, &o, &f, &err);
    if (st != AS_OK) {
        free(f.W), free(f.b), free(D), free(X), free(rw), free(cls);
        return put_error(st, &err);
    }
    printf("{");
    put_fit(&f);
    double *prob = predict(&f, X, n);
    if (o.prob) {
        printf(",");
        put_vec("prob", prob, n * (size_t)(K == 2 ? 1 : K));
    }
    printf(",");
    put_eval("train_metrics", cls, prob, n, K);
    printf("}\n");
    free(prob), free(f.W), free(f.b), free(D), free(X), free(rw), free(cls);
    return 0;
}

/* The seed's flow on numeric data: split → StandardScaler (fit on train) → PCA (fit on train) → logistic
 * regression → metrics on the test rows. */
static int cmd_pipeline(int argc, char **argv) {
    if (argc < 3) die("%s", "usage: pipeline DATA.csv [--split random:F:S|stratified:F:S] [--no-scale] [--pca V] ...");
    fit_opts o;
    parse_fit_opts(argc, argv, 3, &o);
    double *D, *X, *rw;
    int *cls, K;
    size_t n, p, cols = read_csv(argv[2], &D, &n);
    split_columns(D, n, cols, o.weighted, &X, &p, &rw, &cls, &K);
    char kind[32] = "random";
    double fraction = 0.2;
    unsigned long seed = 42;
    if (o.split && strcmp(o.split, "none") && sscanf(o.split, "%31[a-z]:%lf:%lu", kind, &fraction, &seed) != 3)
        die("bad --split %s", o.split);
    size_t *tr = xmalloc(n * sizeof *tr), *te = xmalloc(n * sizeof *te), ntr = 0, nte = 0;
    as_error err;
    as_status st;
    if (o.split && !strcmp(o.split, "none")) {   /* fit and evaluate on every row, in order */
        for (size_t i = 0; i < n; i++) tr[i] = te[i] = i;
        ntr = nte = n;
    } else if (!strcmp(kind, "random")) as__random_split(n, fraction, (uint32_t)seed, tr, &ntr, te, &nte);
    else if (!strcmp(kind, "stratified")) {
        if ((st = as__stratified_split(cls, n, K, fraction, (uint32_t)seed, tr, &ntr, te, &nte, &err))) {
            free(tr), free(te), free(D), free(X), free(rw), free(cls);
            return put_error(st, &err);
        }
    } else die("unknown split kind %s", kind);

    double *Xtr = xmalloc(ntr * p * sizeof *Xtr), *Xte = xmalloc(nte * p * sizeof *Xte);
    double *wtr = rw ? xmalloc(ntr * sizeof *wtr) : NULL;
    int *ctr = xmalloc(ntr * sizeof *ctr), *cte = xmalloc(nte * sizeof *cte);
    for (size_t k = 0; k < ntr; k++) {
        memcpy(Xtr + k * p, X + tr[k] * p, p * sizeof *X);
        ctr[k] = cls[tr[k]];
        if (rw) wtr[k] = rw[tr[k]];
    }
    for (size_t k = 0; k < nte; k++) {
        memcpy(Xte + k * p, X + te[k] * p, p * sizeof *X);
        cte[k] = cls[te[k]];
    }
    printf("{\"n_train\":%zu,\"n_test\":%zu,", ntr, nte);
    put_sizes("test_rows", te, nte);
    if (o.scale) {
        double *mean = xmalloc(p * sizeof *mean), *scale = xmalloc(p * sizeof *scale);
        as__standardize_fit(Xtr, ntr, p, mean, scale);
        as__standardize_apply(Xtr, ntr, p, mean, scale);
        as__standardize_apply(Xte, nte, p, mean, scale);
        free(mean), free(scale);
    }
    size_t dim = p;
    if (o.pca > 0) {
        as_pca pca;
        if ((st = as__pca_fit(Xtr, ntr, p, o.pca, &pca, &err))) {
            printf(",\"pca_error\":%d,", (int)st);
            put_str("message", err.msg);
            printf("}\n");
            goto done;
        }
        double *Ztr = xmalloc(ntr * pca.k * sizeof *Ztr), *Zte = xmalloc(nte * pca.k * sizeof *Zte);
        as__pca_transform(&pca, Xtr, ntr, Ztr);
        as__pca_transform(&pca, Xte, nte, Zte);
        printf(",\"n_components\":%zu,", pca.k);
        put_vec("explained_variance_ratio", pca.explained_variance_ratio, pca.k);
        free(Xtr), free(Xte);
        Xtr = Ztr, Xte = Zte, dim = pca.k;
        as__pca_free(&pca);
    }
    fitted f;
    if ((st = fit_model(Xtr, ntr, dim, ctr, K, wtr, &o, &f, &err))) {
        printf(",\"fit_error\":%d,", (int)st);
        put_str("message", err.msg);
        printf("}\n");
    } else {
        printf(",");
        put_fit(&f);
        double *prob = predict(&f, Xte, nte);
        printf(",");
        put_vec("test_prob", prob, nte * (size_t)(K == 2 ? 1 : K));
        printf(",");
        put_eval("test", cte, prob, nte, K);
        printf("}\n");
        free(prob);
    }
    free(f.W), free(f.b);
done:
    free(Xtr), free(Xte), free(wtr), free(ctr), free(cte);
    free(tr), free(te), free(D), free(X), free(rw), free(cls);
    return 0;
}

/* ---- metrics on given scores ---- */

static int cmd_metrics_binary(int argc, char **argv) {
    if (argc != 3) die("%s", "usage: metrics_binary FILE (columns y, score)");
    double *D;
    size_t n, cols = read_csv(argv[2], &D, &n);
    if (cols != 2) die("%s: two columns expected", argv[2]);
    double *y = xmalloc(n * sizeof *y), *s = xmalloc(n * sizeof *s);
    for (size_t i = 0; i < n; i++) y[i] = D[2 * i], s[i] = D[2 * i + 1];
    as_metrics m;
    as_error err;
    as_status st = as__metrics_binary(y, s, n, &m, &err);
    free(D), free(y), free(s);
    if (st != AS_OK) return put_error(st, &err);
    put_metrics(&m);
    printf("\n");
    return 0;
}

static int cmd_metrics_multiclass(int argc, char **argv) {
    if (argc != 4) die("%s", "usage: metrics_multiclass FILE K (columns class, p_0 .. p_K-1)");
    double *D;
    size_t n, cols = read_csv(argv[2], &D, &n);
    int K = atoi(argv[3]);
    if (K < 1 || cols != (size_t)K + 1) die("%s: K + 1 columns expected", argv[2]);
    int *cls = xmalloc(n * sizeof *cls);
    double *prob = xmalloc(n * (size_t)K * sizeof *prob);
    for (size_t i = 0; i < n; i++) {
        cls[i] = (int)D[i * cols];
        memcpy(prob + i * (size_t)K, D + i * cols + 1, (size_t)K * sizeof *prob);
    }
    as_metrics m;
    as_error err;
    as_status st = as__metrics_multiclass(cls, prob, n, K, &m, &err);
    free(D), free(cls), free(prob);
    if (st != AS_OK) return put_error(st, &err);
    put_metrics(&m);
    printf("\n");
    return 0;
}

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"permutation", cmd_permutation},
                {"split", cmd_split},
                {"stratified_split", cmd_stratified_split},
                {"kfold", cmd_kfold},
                {"stratified_kfold", cmd_stratified_kfold},
                {"standardize", cmd_standardize},
                {"pca", cmd_pca},
                {"logreg", cmd_logreg},
                {"pipeline", cmd_pipeline},
                {"metrics_binary", cmd_metrics_binary},
                {"metrics_multiclass", cmd_metrics_multiclass}};
    if (argc >= 2)
        for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
            if (!strcmp(argv[1], cmds[i].name)) return cmds[i].fn(argc, argv);
    fprintf(stderr, "usage: parity_driver permutation|split|stratified_split|kfold|stratified_kfold|standardize|pca|"
                    "logreg|pipeline|metrics_binary|metrics_multiclass ... (see the source)\n");
    return 2;
}
