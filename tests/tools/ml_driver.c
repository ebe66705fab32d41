/* ml_driver — runs the seed's reference pipeline with the library's ml module on a numeric CSV and prints every
 * intermediate result as JSON, for tests/reference/parity_ml.py to compare against scikit-learn.
 *
 *   ml_driver DATA.csv [C [PCA_VARIANCE [TOL]]]
 *
 * DATA.csv: numbers only, one optional header line; the last column is the 0/1 label.
 * Pipeline: split (test 0.2, seed 42) → StandardScaler fitted on train → (a) logistic regression on the
 * standardized columns, (b) PCA(PCA_VARIANCE) fitted on train → logistic regression on the components;
 * metrics on the test rows for both. Defaults: C = 1, PCA_VARIANCE = 0.95, TOL = 1e-8.
 * A test tool, not library code: it uses plain malloc and exits on the first error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "matrix_io.h"
#include "ml/ml.h"

static void die(const char *what, const as_error *err) {
    fprintf(stderr, "ml_driver: %s: %s\n", what, err ? err->msg : "");
    exit(2);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory", NULL);
    return p;
}

/* Reads the whole CSV into a row-major matrix; returns the number of columns (label included). */
static size_t read_csv(const char *path, double **out, size_t *rows) {
    size_t cols;
    mio_error e;
    switch (mio_read_csv(path, MIO_EOL_ONCE, out, rows, &cols, &e)) {
    case MIO_OK: return cols;
    case MIO_ERR_OPEN: perror(path); break;
    case MIO_ERR_NOMEM: die("out of memory", NULL); break;
    case MIO_ERR_NOT_NUMERIC: fprintf(stderr, "ml_driver: %s: line %zu is not numeric\n", path, e.rows + 2); break;
    case MIO_ERR_RAGGED:
        fprintf(stderr, "ml_driver: %s: row %zu has %zu fields, expected %zu\n", path, e.rows + 1, e.fields, e.cols);
        break;
    }
    exit(2);
}

static void put_num(double v) {
    if (isnan(v) || isinf(v)) printf("null");
    else printf("%.17g", v);
}

static void put_vec(const double *v, size_t n) {
    printf("[");
    for (size_t i = 0; i < n; i++) {
        if (i) printf(",");
        put_num(v[i]);
    }
    printf("]");
}

static void put_metrics(const as_metrics *m) {
    printf("{\"rows\":%lld,\"positives\":%lld,\"positive_rate\":", (long long)m->rows, (long long)m->positives);
    put_num(m->positive_rate);
#define F(name) printf(",\"" #name "\":"), put_num(m->name)
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
#undef F
    printf(",\"tp\":%lld,\"fp\":%lld,\"tn\":%lld,\"fn\":%lld}", (long long)m->tp, (long long)m->fp,
           (long long)m->tn, (long long)m->fn);
}

/* Fits, predicts the test rows, prints one JSON object (without the closing brace, so callers can add). */
static void fit_and_report(const double *Xtr, size_t ntr, const double *Xte, size_t nte, size_t p, const double *ytr,
                           const double *yte, const as_logreg_params *prm) {
    as_error err;
    double *w = xmalloc(p * sizeof *w), b = 0;
    as_logreg_info info;
    double t0 = mio_now();
    if (as__logreg_fit(Xtr, ntr, p, ytr, NULL, prm, w, &b, &info, &err) != AS_OK) die("logistic regression", &err);
    double secs = mio_now() - t0;
    double *prob = xmalloc(nte * sizeof *prob);
    as__logreg_predict(Xte, nte, p, w, b, prob);
    as_metrics m;
    if (as__metrics_binary(yte, prob, nte, &m, &err) != AS_OK) die("metrics", &err);
    printf("{\"coef\":");
    put_vec(w, p);
    printf(",\"intercept\":");
    put_num(b);
    printf(",\"iterations\":%d,\"converged\":%d,\"grad_norm\":", info.iterations, info.converged);
    put_num(info.grad_norm);
    printf(",\"objective\":");
    put_num(info.objective);
    printf(",\"quasi_separated\":%d,\"seconds\":%.6f,\"test_prob\":", info.quasi_separated, secs);
    put_vec(prob, nte);
    printf(",\"metrics\":");
    put_metrics(&m);
    free(w);
    free(prob);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: ml_driver DATA.csv [C [PCA_VARIANCE [TOL]]]\n");
        return 2;
    }
    as_logreg_params prm = as__logreg_params_default();
    prm.max_iter = 1000;
    double variance = 0.95;
    if (argc > 2) prm.C = atof(argv[2]);
    if (argc > 3) variance = atof(argv[3]);
    if (argc > 4) prm.tol = atof(argv[4]);

    double *data;
    size_t n, cols = read_csv(argv[1], &data, &n);
    if (cols < 2 || n < 2) die("need at least 2 rows and 2 columns", NULL);
    size_t p = cols - 1;

    size_t *train = xmalloc(n * sizeof *train), *test = xmalloc(n * sizeof *test), ntr, nte;
    as__random_split(n, 0.2, 42, train, &ntr, test, &nte);
    unsigned long long checksum = 0;
    for (size_t k = 0; k < nte; k++) checksum += (unsigned long long)(k + 1) * test[k];

    double *Xtr = xmalloc(ntr * p * sizeof *Xtr), *Xte = xmalloc(nte * p * sizeof *Xte);
    double *ytr = xmalloc(ntr * sizeof *ytr), *yte = xmalloc(nte * sizeof *yte);
    for (size_t k = 0; k < ntr; k++) {
        memcpy(Xtr + k * p, data + train[k] * cols, p * sizeof(double));
        ytr[k] = data[train[k] * cols + p];
    }
    for (size_t k = 0; k < nte; k++) {
        memcpy(Xte + k * p, data + test[k] * cols, p * sizeof(double));
        yte[k] = data[test[k] * cols + p];
    }

    double *mean = xmalloc(p * sizeof *mean), *scale = xmalloc(p * sizeof *scale);
    as__standardize_fit(Xtr, ntr, p, mean, scale);
    as__standardize_apply(Xtr, ntr, p, mean, scale);
    as__standardize_apply(Xte, nte, p, mean, scale);

    printf("{\"n\":%zu,\"p\":%zu,\"n_train\":%zu,\"n_test\":%zu,\"test_checksum\":%llu,\"test_head\":[", n, p, ntr,
           nte, checksum);
    for (size_t k = 0; k < nte && k < 10; k++) printf("%s%zu", k ? "," : "", test[k]);
    printf("],\"scaler_mean\":");
    put_vec(mean, p);
    printf(",\"scaler_scale\":");
    put_vec(scale, p);

    printf(",\"nopca\":");
    fit_and_report(Xtr, ntr, Xte, nte, p, ytr, yte, &prm);
    printf("}");

    as_pca pca;
    as_error err;
    double t0 = mio_now();
    as_status st = as__pca_fit(Xtr, ntr, p, variance, &pca, &err);
    double secs = mio_now() - t0;
    if (st != AS_OK) {
        printf(",\"pca\":{\"error\":%d}}\n", (int)st);
        return 0;
    }
    double *Ztr = xmalloc(ntr * pca.k * sizeof *Ztr), *Zte = xmalloc(nte * pca.k * sizeof *Zte);
    as__pca_transform(&pca, Xtr, ntr, Ztr);
    as__pca_transform(&pca, Xte, nte, Zte);
    printf(",\"pca\":");
    fit_and_report(Ztr, ntr, Zte, nte, pca.k, ytr, yte, &prm);
    printf(",\"k\":%zu,\"pca_seconds\":%.6f,\"total_variance\":", pca.k, secs);
    put_num(pca.total_variance);
    printf(",\"explained_variance\":");
    put_vec(pca.explained_variance, pca.k);
    printf(",\"explained_variance_ratio\":");
    put_vec(pca.explained_variance_ratio, pca.k);
    printf(",\"components\":[");
    for (size_t c = 0; c < pca.k; c++) {
        if (c) printf(",");
        put_vec(pca.components + c * p, p);
    }
    printf("]}}\n");
    as__pca_free(&pca);
    free(Ztr), free(Zte), free(Xtr), free(Xte), free(ytr), free(yte), free(mean), free(scale);
    free(train), free(test), free(data);
    return 0;
}
