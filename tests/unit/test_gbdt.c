/* Unit tests of src/ml/gbdt (boosted trees through libxgboost's C API). Every data set is synthetic and generated
 * here from a fixed seed (splitmix64), so the checks are deterministic; the bars are chosen with a wide margin
 * over what the problems allow, and the linear baseline is fitted in the test with the project's logistic
 * regression. */
#include <stdint.h>

#include "ml/ml.h"
#include "test.h"

/* ---- helpers ------------------------------------------------------------------------------------------- */

typedef struct { uint64_t s; } rng;
static uint64_t rng_next(rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double rng_unif(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }
static int rng_bern(rng *r, double p) { return rng_unif(r) < p; }
static double sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

/* ROC-AUC as the Mann–Whitney statistic: P(score of a positive > score of a negative), ties counting ½.
 * O(n_pos · n_neg), fine for the few thousand rows used here. */
static double auc(const double *y, const double *s, size_t n) {
    double num = 0.0, npos = 0.0, nneg = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 1.0) continue;
        npos++;
        for (size_t j = 0; j < n; j++) {
            if (y[j] != 0.0) continue;
            num += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
        }
    }
    for (size_t j = 0; j < n; j++) nneg += y[j] == 0.0;
    return num / (npos * nneg);
}

/* Mean log loss with gbdt.c's documented clip (1e-15), binary or multiclass. */
static double logloss(const double *y, const double *prob, size_t n, int K) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double q = K == 2 ? (y[i] == 1.0 ? prob[i] : 1.0 - prob[i]) : prob[i * (size_t)K + (size_t)y[i]];
        if (q < 1e-15) q = 1e-15;
        if (q > 1.0 - 1e-15) q = 1.0 - 1e-15;
        s -= log(q);
    }
    return s / (double)n;
}

static double *dalloc(size_t n) {
    double *v = calloc(n ? n : 1, sizeof *v);
    if (!v) { perror("calloc"); exit(2); }
    return v;
}

/* One training thread: the problems are small, and on a loaded machine OpenMP barriers between two threads cost
 * more than they save. The determinism test trains with two. */
static as_gbdt_params quick_params(void) {
    as_gbdt_params pr = as__gbdt_params_default();
    pr.threads = 1;
    pr.seed = 7;
    return pr;
}

/* ---- XOR: trees beat a linear model ---------------------------------------------------------------------- */

/* y = [x0 · x1 > 0] with 10 % of labels flipped; x2, x3 noise. No linear score can rank this (AUC ≈ 0.5); the
 * Bayes AUC is 0.9 · 0.9 + ½ · 2 · 0.9 · 0.1 ≈ 0.9. */
static void make_xor(rng *r, size_t n, double *X, double *y) {
    for (size_t i = 0; i < n; i++) {
        double *x = X + i * 4;
        for (int j = 0; j < 4; j++) x[j] = 2.0 * rng_unif(r) - 1.0;
        int c = x[0] * x[1] > 0;
        if (rng_bern(r, 0.1)) c = !c;
        y[i] = c;
    }
}

static void test_xor_beats_linear(void) {
    rng r = {1};
    size_t n = 3000, nv = 1000, nt = 2000, p = 4;
    double *X = dalloc(n * p), *y = dalloc(n), *Xv = dalloc(nv * p), *yv = dalloc(nv);
    double *Xt = dalloc(nt * p), *yt = dalloc(nt), *pt = dalloc(nt), *pl = dalloc(nt);
    make_xor(&r, n, X, y);
    make_xor(&r, nv, Xv, yv);
    make_xor(&r, nt, Xt, yt);

    as_error err;
    double w[4], b;
    as_logreg_params lp = as__logreg_params_default();
    CHECK_OK(as__logreg_fit(X, n, p, y, NULL, &lp, w, &b, NULL, &err), &err);
    as__logreg_predict(Xt, nt, p, w, b, pl);
    double auc_lin = auc(yt, pl, nt);

    as_gbdt_params pr = quick_params();
    pr.rounds = 200;
    pr.max_depth = 4;
    as_gbdt *g = NULL;
    as_gbdt_info info;
    CHECK_OK(as__gbdt_fit(X, n, p, y, NULL, 2, Xv, nv, yv, &pr, &g, &info, &err), &err);
    CHECK_OK(as__gbdt_predict(g, Xt, nt, pt, &err), &err);
    double auc_gb = auc(yt, pt, nt);
    fprintf(stderr, "   XOR test AUC: trees %.4f, linear %.4f (rounds run %d, kept %d)\n", auc_gb, auc_lin,
            info.rounds_run, info.best_round + 1);
    CHECK_MSG(auc_lin < 0.6, "the linear baseline should be near chance here, got %.4f", auc_lin);
    CHECK_MSG(auc_gb > 0.8 && auc_gb > auc_lin + 0.25, "trees AUC %.4f, linear %.4f", auc_gb, auc_lin);
    CHECK(as__gbdt_classes(g) == 2);
    CHECK(as__gbdt_rounds_kept(g) == info.best_round + 1);
    CHECK(info.rounds_run >= info.best_round + 1 && info.rounds_run <= pr.rounds);
    CHECK(isfinite(info.best_validation_logloss) && info.best_validation_logloss < 0.5);
    int in_range = 1;
    for (size_t i = 0; i < nt; i++) in_range &= pt[i] > 0.0 && pt[i] < 1.0;
    CHECK(in_range);
    as__gbdt_free(g);
    free(X); free(y); free(Xv); free(yv); free(Xt); free(yt); free(pt); free(pl);
}

/* ---- three classes ---------------------------------------------------------------------------------------- */

/* class 0: x0 < −⅓; class 1: x0 ≥ −⅓ and x1 > 0; class 2 otherwise; 5 % of labels replaced by a random class. */
static void make_3class(rng *r, size_t n, double *X, double *y) {
    for (size_t i = 0; i < n; i++) {
        double *x = X + i * 3;
        for (int j = 0; j < 3; j++) x[j] = 2.0 * rng_unif(r) - 1.0;
        int c = x[0] < -1.0 / 3 ? 0 : x[1] > 0 ? 1 : 2;
        if (rng_bern(r, 0.05)) c = (int)(rng_next(r) % 3);
        y[i] = c;
    }
}

static void test_multiclass(void) {
    rng r = {2};
    size_t n = 2000, nv = 600, nt = 1500, p = 3;
    int K = 3;
    double *X = dalloc(n * p), *y = dalloc(n), *Xv = dalloc(nv * p), *yv = dalloc(nv);
    double *Xt = dalloc(nt * p), *yt = dalloc(nt), *pt = dalloc(nt * K), *ct = dalloc(nt * (p + 1));
    make_3class(&r, n, X, y);
    make_3class(&r, nv, Xv, yv);
    make_3class(&r, nt, Xt, yt);
    as_error err;
    as_gbdt_params pr = quick_params();
    pr.rounds = 150;
    pr.max_depth = 3;
    as_gbdt *g = NULL;
    as_gbdt_info info;
    CHECK_OK(as__gbdt_fit(X, n, p, y, NULL, K, Xv, nv, yv, &pr, &g, &info, &err), &err);
    if (!g) goto out;
    CHECK(as__gbdt_classes(g) == 3);
    CHECK_OK(as__gbdt_predict(g, Xt, nt, pt, &err), &err);
    double worst = 0.0;
    size_t correct = 0;
    for (size_t i = 0; i < nt; i++) {
        double s = 0.0;
        int arg = 0;
        for (int k = 0; k < K; k++) {
            s += pt[i * K + k];
            if (pt[i * K + k] > pt[i * K + arg]) arg = k;
        }
        worst = fmax(worst, fabs(s - 1.0));
        correct += arg == (int)yt[i];
    }
    double acc = (double)correct / (double)nt;
    fprintf(stderr, "   3-class test accuracy %.4f (bar 0.90; Bayes ≈ 0.967), max |Σp − 1| = %.2g, kept %d of %d\n",
            acc, worst, info.best_round + 1, info.rounds_run);
    CHECK_MSG(worst < 1e-6, "probabilities sum to 1 within %.3g", worst);
    CHECK_MSG(acc > 0.90, "accuracy %.4f", acc);
    /* the reported best loss is the kept model's validation loss */
    double *pv = dalloc(nv * K);
    CHECK_OK(as__gbdt_predict(g, Xv, nv, pv, &err), &err);
    CHECK_NEAR(logloss(yv, pv, nv, K), info.best_validation_logloss, 0);
    free(pv);

    /* SHAP per class: the K contribution sums are the K margins, so their softmax gives back the probabilities */
    double *margins = dalloc(nt * K);
    for (int k = 0; k < K; k++) {
        CHECK_OK(as__gbdt_contributions(g, Xt, nt, k, ct, &err), &err);
        for (size_t i = 0; i < nt; i++) {
            double s = 0.0;
            for (size_t j = 0; j <= p; j++) s += ct[i * (p + 1) + j];
            margins[i * K + k] = s;
        }
    }
    double dev = 0.0;
    for (size_t i = 0; i < nt; i++) {
        double mx = fmax(margins[i * K], fmax(margins[i * K + 1], margins[i * K + 2])), z = 0.0;
        for (int k = 0; k < K; k++) z += exp(margins[i * K + k] - mx);
        for (int k = 0; k < K; k++) dev = fmax(dev, fabs(exp(margins[i * K + k] - mx) / z - pt[i * K + k]));
    }
    CHECK_MSG(dev < 1e-5, "softmax of the per-class SHAP sums vs probabilities: %.3g", dev);
    CHECK(as__gbdt_contributions(g, Xt, 1, 3, ct, &err) == AS_ERR_INVALID);
    CHECK(as__gbdt_contributions(g, Xt, 1, -1, ct, &err) == AS_ERR_INVALID);

    /* JSON round trip for a multiclass booster, bit for bit */
    char *json = NULL;
    size_t len = 0;
    CHECK_OK(as__gbdt_to_json(g, &json, &len, &err), &err);
    as_gbdt *h = NULL;
    CHECK_OK(as__gbdt_from_json(json, len, p, K, as__gbdt_rounds_kept(g), &h, &err), &err);
    double *ph = dalloc(nt * K);
    if (h) CHECK_OK(as__gbdt_predict(h, Xt, nt, ph, &err), &err);
    CHECK(memcmp(ph, pt, nt * K * sizeof *pt) == 0);
    /* a multiclass booster is not a binary one, nor one of 4 classes */
    as_gbdt *bad = NULL;
    CHECK(as__gbdt_from_json(json, len, p, 2, as__gbdt_rounds_kept(g), &bad, &err) == AS_ERR_FORMAT && !bad);
    CHECK(as__gbdt_from_json(json, len, p, 4, as__gbdt_rounds_kept(g), &bad, &err) == AS_ERR_FORMAT && !bad);
    as__free(json);
    as__gbdt_free(h);
    free(ph);
    free(margins);
out:
    as__gbdt_free(g);
    free(X); free(y); free(Xv); free(yv); free(Xt); free(yt); free(pt); free(ct);
}

/* ---- early stopping --------------------------------------------------------------------------------------- */

/* A weak signal in one of 10 columns, deep trees and a high learning rate: the validation loss turns up after a
 * few rounds. The check replays every round count through from_json (which slices) and recomputes the
 * validation loss from predictions: the fit's best round must be the first minimum of that curve, the stop must
 * come exactly `early_stopping` rounds after it, and the kept model must predict exactly as the replay of
 * best + 1 rounds does (and as a fresh fit of best + 1 rounds without validation). */
static void test_early_stopping(void) {
    rng r = {3};
    size_t n = 600, nv = 400, p = 10;
    double *X = dalloc(n * p), *y = dalloc(n), *Xv = dalloc(nv * p), *yv = dalloc(nv);
    for (size_t i = 0; i < n + nv; i++) {
        double *x = i < n ? X + i * p : Xv + (i - n) * p;
        for (size_t j = 0; j < p; j++) x[j] = rng_unif(&r);
        double lab = rng_bern(&r, sigmoid(4.0 * (x[0] - 0.5)));
        if (i < n) y[i] = lab; else yv[i - n] = lab;
    }
    as_error err;
    as_gbdt_params pr = quick_params();
    pr.rounds = 300;
    pr.learning_rate = 0.1;
    pr.max_depth = 6;
    pr.early_stopping = 10;
    as_gbdt *g = NULL;
    as_gbdt_info info;
    CHECK_OK(as__gbdt_fit(X, n, p, y, NULL, 2, Xv, nv, yv, &pr, &g, &info, &err), &err);
    if (!g) goto out;
    int kept = as__gbdt_rounds_kept(g);
    fprintf(stderr, "   early stopping: ran %d of %d rounds, best round %d, best validation log loss %.6f\n",
            info.rounds_run, pr.rounds, info.best_round, info.best_validation_logloss);
    CHECK(info.rounds_run < pr.rounds);
    CHECK(kept == info.best_round + 1);
    CHECK(kept < info.rounds_run);
    CHECK(info.rounds_run == info.best_round + 1 + pr.early_stopping);

    /* the full booster of rounds_run rounds, replayed at every length */
    as_gbdt_params full = pr;
    full.early_stopping = 0;
    full.rounds = info.rounds_run;
    as_gbdt *f = NULL;
    as_gbdt_info finfo;
    CHECK_OK(as__gbdt_fit(X, n, p, y, NULL, 2, Xv, nv, yv, &full, &f, &finfo, &err), &err);
    if (!f) goto out;
    CHECK(finfo.rounds_run == info.rounds_run && as__gbdt_rounds_kept(f) == info.rounds_run);
    CHECK(finfo.best_round == info.rounds_run - 1);
    char *json = NULL;
    size_t len = 0;
    CHECK_OK(as__gbdt_to_json(f, &json, &len, &err), &err);
    double *pv = dalloc(nv), *pk = dalloc(nv), *pg = dalloc(nv);
    double minloss = INFINITY;
    int argmin = -1;
    for (int k = 1; k <= info.rounds_run && json; k++) {
        as_gbdt *h = NULL;
        CHECK_OK(as__gbdt_from_json(json, len, p, 2, k, &h, &err), &err);
        if (!h) break;
        CHECK(as__gbdt_rounds_kept(h) == k);
        CHECK_OK(as__gbdt_predict(h, Xv, nv, pv, &err), &err);
        double l = logloss(yv, pv, nv, 2);
        if (l < minloss) { minloss = l; argmin = k - 1; }
        if (k == kept) memcpy(pk, pv, nv * sizeof *pv);
        if (k == info.rounds_run) CHECK_NEAR(l, finfo.best_validation_logloss, 0);
        as__gbdt_free(h);
    }
    CHECK_MSG(argmin == info.best_round, "first minimum of the replayed curve at round %d, fit says %d", argmin,
              info.best_round);
    CHECK_NEAR(info.best_validation_logloss, minloss, 0);
    CHECK_OK(as__gbdt_predict(g, Xv, nv, pg, &err), &err);
    CHECK_MSG(memcmp(pg, pk, nv * sizeof *pg) == 0, "kept model predicts as the first %d rounds", kept);

    /* a fresh fit of exactly `kept` rounds: same predictions, same importance, same contributions */
    as_gbdt_params exact = full;
    exact.rounds = kept;
    as_gbdt *e = NULL;
    CHECK_OK(as__gbdt_fit(X, n, p, y, NULL, 2, NULL, 0, NULL, &exact, &e, &finfo, &err), &err);
    CHECK(finfo.rounds_run == kept && finfo.best_round == kept - 1 && isnan(finfo.best_validation_logloss));
    if (e) {
        double *pe = dalloc(nv), ig[10], ie[10];
        CHECK_OK(as__gbdt_predict(e, Xv, nv, pe, &err), &err);
        CHECK(memcmp(pg, pe, nv * sizeof *pg) == 0);
        CHECK_OK(as__gbdt_importance(g, ig, &err), &err);
        CHECK_OK(as__gbdt_importance(e, ie, &err), &err);
        CHECK(memcmp(ig, ie, sizeof ig) == 0);
        double *cg = dalloc(20 * (p + 1)), *ce = dalloc(20 * (p + 1));
        CHECK_OK(as__gbdt_contributions(g, Xv, 20, 0, cg, &err), &err);
        CHECK_OK(as__gbdt_contributions(e, Xv, 20, 0, ce, &err), &err);
        CHECK(memcmp(cg, ce, 20 * (p + 1) * sizeof *cg) == 0);
        /* and the saved text holds only the kept rounds: it loads with exactly that many */
        char *js = NULL;
        size_t jl = 0;
        CHECK_OK(as__gbdt_to_json(g, &js, &jl, &err), &err);
        as_gbdt *h = NULL;
        CHECK(as__gbdt_from_json(js, jl, p, 2, kept + 1, &h, &err) == AS_ERR_FORMAT && !h);
        CHECK_OK(as__gbdt_from_json(js, jl, p, 2, kept, &h, &err), &err);
        as__gbdt_free(h);
        as__free(js);
        free(pe); free(cg); free(ce);
        as__gbdt_free(e);
    }
    as__free(json);
    free(pv); free(pk); free(pg);
    as__gbdt_free(f);
out:
    as__gbdt_free(g);
    free(X); free(y); free(Xv); free(yv);
}

/* ---- missing values --------------------------------------------------------------------------------------- */

static void test_missing(void) {
    as_error err;
    as_gbdt_params pr = quick_params();
    pr.rounds = 40;
    pr.max_depth = 2;
    size_t n = 2000;
    double *X = dalloc(n * 2), *y = dalloc(n);

    /* (a) x0 is NaN for 30 % of the rows, and those rows are mostly positive; x0's values carry nothing and x1
     * is noise. Only the default direction of the splits can tell the NaN rows apart. */
    rng r = {4};
    for (size_t i = 0; i < n; i++) {
        int miss = rng_bern(&r, 0.3);
        X[i * 2] = miss ? NAN : rng_unif(&r);
        X[i * 2 + 1] = rng_unif(&r);
        y[i] = rng_bern(&r, miss ? 0.85 : 0.15);
    }
    as_gbdt *g = NULL;
    CHECK_OK(as__gbdt_fit(X, n, 2, y, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, &err), &err);
    double q[12] = {NAN, 0.5, 0.1, 0.5, 0.3, 0.5, 0.5, 0.5, 0.7, 0.5, 0.9, 0.5}, pq[6];
    if (g) CHECK_OK(as__gbdt_predict(g, q, 6, pq, &err), &err);
    fprintf(stderr, "   NaN rows: p(NaN) %.3f; p(x0) for x0 = 0.1 .. 0.9: %.3f %.3f %.3f %.3f %.3f\n", pq[0], pq[1],
            pq[2], pq[3], pq[4], pq[5]);
    CHECK(pq[0] > 0.75);
    for (int k = 1; k < 6; k++) CHECK(pq[k] < 0.3);
    as__gbdt_free(g);

    /* (b) x0 = 0 (mostly positive), NaN (mostly negative) or uniform on [1, 2] (even odds): 0 is a value, not a
     * missing marker, so 0 and NaN must land in different leaves. */
    for (size_t i = 0; i < n; i++) {
        double u = rng_unif(&r);
        int kind = u < 0.3 ? 0 : u < 0.6 ? 1 : 2;
        X[i * 2] = kind == 0 ? 0.0 : kind == 1 ? NAN : 1.0 + rng_unif(&r);
        X[i * 2 + 1] = rng_unif(&r);
        y[i] = rng_bern(&r, kind == 0 ? 0.9 : kind == 1 ? 0.1 : 0.5);
    }
    g = NULL;
    CHECK_OK(as__gbdt_fit(X, n, 2, y, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, &err), &err);
    double q2[6] = {0.0, 0.5, NAN, 0.5, 1.5, 0.5}, p2[3];
    if (g) CHECK_OK(as__gbdt_predict(g, q2, 3, p2, &err), &err);
    fprintf(stderr, "   zero vs NaN: p(0) %.3f, p(NaN) %.3f, p(1.5) %.3f\n", p2[0], p2[1], p2[2]);
    CHECK(p2[0] > 0.8 && p2[1] < 0.2 && p2[2] > 0.3 && p2[2] < 0.7);
    as__gbdt_free(g);
    free(X); free(y);
}

/* ---- JSON round trip ------------------------------------------------------------------------------------- */

static void test_json_roundtrip(void) {
    rng r = {5};
    size_t n = 1500, nt = 800, p = 5;
    double *X = dalloc(n * p), *y = dalloc(n), *Xt = dalloc(nt * p);
    for (size_t i = 0; i < n + nt; i++) {
        double *x = i < n ? X + i * p : Xt + (i - n) * p;
        for (size_t j = 0; j < p; j++) x[j] = rng_bern(&r, 0.1) ? NAN : 4.0 * rng_unif(&r) - 2.0;
        if (i < n) {
            double z = (isnan(x[0]) ? 1.0 : x[0]) + sin(3.0 * (isnan(x[1]) ? 0.0 : x[1]));
            y[i] = rng_bern(&r, sigmoid(2.0 * z));
        }
    }
    as_error err;
    as_gbdt_params pr = quick_params();
    pr.rounds = 60;
    as_gbdt *g = NULL;
    CHECK_OK(as__gbdt_fit(X, n, p, y, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, &err), &err);
    if (!g) goto out;
    char *json = NULL;
    size_t len = 0;
    CHECK_OK(as__gbdt_to_json(g, &json, &len, &err), &err);
    CHECK(json && len > 100 && strlen(json) == len && json[0] == '{');
    as_gbdt *h = NULL;
    CHECK_OK(as__gbdt_from_json(json, len, p, 2, 60, &h, &err), &err);
    if (!h) { as__free(json); goto out; }
    CHECK(as__gbdt_classes(h) == 2 && as__gbdt_rounds_kept(h) == 60);
    double *a = dalloc(nt), *b = dalloc(nt);
    CHECK_OK(as__gbdt_predict(g, Xt, nt, a, &err), &err);
    CHECK_OK(as__gbdt_predict(h, Xt, nt, b, &err), &err);
    CHECK_MSG(memcmp(a, b, nt * sizeof *a) == 0, "load -> predict reproduces the probabilities bit for bit");
    double *ca = dalloc(nt * (p + 1)), *cb = dalloc(nt * (p + 1));
    CHECK_OK(as__gbdt_contributions(g, Xt, nt, 0, ca, &err), &err);
    CHECK_OK(as__gbdt_contributions(h, Xt, nt, 0, cb, &err), &err);
    CHECK(memcmp(ca, cb, nt * (p + 1) * sizeof *ca) == 0);
    double ia[5], ib[5];
    CHECK_OK(as__gbdt_importance(g, ia, &err), &err);
    CHECK_OK(as__gbdt_importance(h, ib, &err), &err);
    CHECK(memcmp(ia, ib, sizeof ia) == 0);
    /* saving the reloaded booster gives the same text */
    char *json2 = NULL;
    size_t len2 = 0;
    CHECK_OK(as__gbdt_to_json(h, &json2, &len2, &err), &err);
    CHECK(json2 && len2 == len && memcmp(json, json2, len) == 0);
    as__free(json2);
    /* a model file that asks for fewer rounds than the text holds gets only those */
    as_gbdt *s = NULL;
    CHECK_OK(as__gbdt_from_json(json, len, p, 2, 10, &s, &err), &err);
    if (s) {
        CHECK(as__gbdt_rounds_kept(s) == 10);
        CHECK_OK(as__gbdt_predict(s, Xt, nt, b, &err), &err);
        CHECK(memcmp(a, b, nt * sizeof *a) != 0);
        as__gbdt_free(s);
    }
    /* mismatches and damage are format errors, and leave *out NULL */
    as_gbdt *bad = (as_gbdt *)&err;
    CHECK(as__gbdt_from_json(json, len, p + 1, 2, 60, &bad, &err) == AS_ERR_FORMAT && !bad);
    CHECK(strstr(err.msg, "features") != NULL);
    CHECK(as__gbdt_from_json(json, len, p, 3, 60, &bad, &err) == AS_ERR_FORMAT && !bad);
    CHECK(as__gbdt_from_json(json, len, p, 2, 61, &bad, &err) == AS_ERR_FORMAT && !bad);
    CHECK(as__gbdt_from_json(json, len, p, 2, 0, &bad, &err) == AS_ERR_FORMAT && !bad);
    CHECK(as__gbdt_from_json(json, len / 2, p, 2, 60, &bad, &err) == AS_ERR_FORMAT && !bad);
    CHECK(strstr(err.msg, "xgboost") != NULL && strchr(err.msg, '\n') == NULL);
    CHECK(as__gbdt_from_json("{}", 2, p, 2, 60, &bad, &err) != AS_OK && !bad);
    CHECK(as__gbdt_from_json("not json", 8, p, 2, 60, &bad, &err) == AS_ERR_FORMAT && !bad);
    CHECK(as__gbdt_from_json(json, 0, p, 2, 60, &bad, &err) == AS_ERR_FORMAT && !bad);
    as__free(json);
    as__gbdt_free(h);
    free(a); free(b); free(ca); free(cb);
out:
    as__gbdt_free(g);
    free(X); free(y); free(Xt);
}

/* ---- SHAP sums ------------------------------------------------------------------------------------------- */

/* Contributions of a row add up to its margin, logit(probability). The margins are kept moderate (|z| < ~4)
 * so that the float32 probability still pins the logit down well below 1e-5. */
static void test_shap_sum(void) {
    rng r = {6};
    size_t n = 2000, nt = 500, p = 6;
    double *X = dalloc(n * p), *y = dalloc(n), *Xt = dalloc(nt * p);
    for (size_t i = 0; i < n + nt; i++) {
        double *x = i < n ? X + i * p : Xt + (i - n) * p;
        for (size_t j = 0; j < p; j++) x[j] = rng_bern(&r, 0.05) ? NAN : rng_unif(&r);
        if (i < n) {
            double z = 2.0 * (isnan(x[0]) ? 0.5 : x[0]) - 1.0 + (x[1] > 0.5 ? 0.8 : -0.8) * (x[2] > 0.3 ? 1 : -1);
            y[i] = rng_bern(&r, sigmoid(z));
        }
    }
    as_error err;
    as_gbdt_params pr = quick_params();
    pr.rounds = 80;
    pr.max_depth = 4;
    as_gbdt *g = NULL;
    CHECK_OK(as__gbdt_fit(X, n, p, y, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, &err), &err);
    if (!g) goto out;
    double *pt = dalloc(nt), *c = dalloc(nt * (p + 1));
    CHECK_OK(as__gbdt_predict(g, Xt, nt, pt, &err), &err);
    CHECK_OK(as__gbdt_contributions(g, Xt, nt, 0, c, &err), &err);
    double worst = 0.0, maxz = 0.0, maxc = 0.0;
    for (size_t i = 0; i < nt; i++) {
        double s = 0.0;
        for (size_t j = 0; j <= p; j++) s += c[i * (p + 1) + j];
        double z = log(pt[i] / (1.0 - pt[i]));
        worst = fmax(worst, fabs(s - z));
        maxz = fmax(maxz, fabs(z));
        for (size_t j = 3; j < p; j++) maxc = fmax(maxc, fabs(c[i * (p + 1) + j]));
    }
    fprintf(stderr, "   SHAP: max |Σ contrib − logit p| = %.3g (max |margin| %.2f)\n", worst, maxz);
    CHECK_MSG(worst < 1e-5, "SHAP sums vs margins: %.3g", worst);
    CHECK(maxz < 5.0);
    /* the bias column is the same for every row (expected margin over the training data) */
    int same = 1;
    for (size_t i = 1; i < nt; i++) same &= c[i * (p + 1) + p] == c[p];
    CHECK(same);
    free(pt); free(c);
out:
    as__gbdt_free(g);
    free(X); free(y); free(Xt);
}

/* ---- importance ------------------------------------------------------------------------------------------ */

/* y = [a ≥ 5] or [b ≥ 7] exactly, a and b integers 0..9 in columns 1 and 4, four continuous noise columns. The
 * first tree separates the classes into pure leaves; after that every leaf holds rows of equal gradient, where
 * any split loses (λ > 0), so no tree ever splits on noise: its total gain (and its SHAP value) is exactly 0. */
static void test_importance(void) {
    rng r = {7};
    size_t n = 2000, p = 6;
    double *X = dalloc(n * p), *y = dalloc(n);
    for (size_t i = 0; i < n; i++) {
        double *x = X + i * p;
        for (size_t j = 0; j < p; j++) x[j] = rng_unif(&r);
        x[1] = (double)(rng_next(&r) % 10);
        x[4] = (double)(rng_next(&r) % 10);
        y[i] = x[1] >= 5 || x[4] >= 7;
    }
    as_error err;
    as_gbdt_params pr = quick_params();
    pr.rounds = 30;
    as_gbdt *g = NULL;
    CHECK_OK(as__gbdt_fit(X, n, p, y, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, &err), &err);
    if (!g) goto out;
    double gain[6];
    CHECK_OK(as__gbdt_importance(g, gain, &err), &err);
    fprintf(stderr, "   total gain: %.4g %.4g %.4g %.4g %.4g %.4g\n", gain[0], gain[1], gain[2], gain[3], gain[4],
            gain[5]);
    CHECK(gain[1] > 0.0 && gain[4] > 0.0);
    CHECK(gain[0] == 0.0 && gain[2] == 0.0 && gain[3] == 0.0 && gain[5] == 0.0);
    CHECK(gain[1] > gain[4]);   /* a ≥ 5 splits half the rows; b ≥ 7 the rest */
    double *c = dalloc(50 * (p + 1));
    CHECK_OK(as__gbdt_contributions(g, X, 50, 0, c, &err), &err);
    int zero = 1;
    for (size_t i = 0; i < 50; i++)
        for (size_t j = 0; j < p; j++)
            if (j != 1 && j != 4) zero &= c[i * (p + 1) + j] == 0.0;
    CHECK(zero);
    free(c);
out:
    as__gbdt_free(g);
    free(X); free(y);
}

/* ---- determinism, weights -------------------------------------------------------------------------------- */

static void test_determinism_and_weights(void) {
    rng r = {8};
    size_t n = 2000, p = 8;
    double *X = dalloc(n * p), *y = dalloc(n), *sw = dalloc(n);
    for (size_t i = 0; i < n; i++) {
        double *x = X + i * p;
        for (size_t j = 0; j < p; j++) x[j] = rng_bern(&r, 0.05) ? NAN : rng_unif(&r);
        y[i] = rng_bern(&r, sigmoid(3.0 * ((isnan(x[0]) ? 0.5 : x[0]) - (isnan(x[1]) ? 0.5 : x[1]))));
        sw[i] = y[i] == 1.0 ? 4.0 : 1.0;
    }
    as_error err;
    as_gbdt_params pr = quick_params();
    pr.rounds = 15;
    pr.max_depth = 4;
    pr.threads = 2;              /* deterministic for a given seed and thread count */
    pr.subsample = 0.7;          /* randomness the seed must pin down */
    pr.colsample_bytree = 0.6;
    double *a = dalloc(n), *b = dalloc(n), *c = dalloc(n);
    as_gbdt *g1 = NULL, *g2 = NULL, *g3 = NULL;
    CHECK_OK(as__gbdt_fit(X, n, p, y, NULL, 2, NULL, 0, NULL, &pr, &g1, NULL, &err), &err);
    CHECK_OK(as__gbdt_fit(X, n, p, y, NULL, 2, NULL, 0, NULL, &pr, &g2, NULL, &err), &err);
    pr.seed = 8;
    CHECK_OK(as__gbdt_fit(X, n, p, y, NULL, 2, NULL, 0, NULL, &pr, &g3, NULL, &err), &err);
    if (g1 && g2 && g3) {
        CHECK_OK(as__gbdt_predict(g1, X, n, a, &err), &err);
        CHECK_OK(as__gbdt_predict(g2, X, n, b, &err), &err);
        CHECK_OK(as__gbdt_predict(g3, X, n, c, &err), &err);
        CHECK_MSG(memcmp(a, b, n * sizeof *a) == 0, "same seed, same predictions");
        CHECK_MSG(memcmp(a, c, n * sizeof *a) != 0, "another seed draws other rows and columns");
    }
    as__gbdt_free(g1);
    as__gbdt_free(g2);
    as__gbdt_free(g3);

    /* weights reach xgboost: positives weighted 4× raise the mean predicted probability well above the rate */
    pr = quick_params();
    pr.rounds = 40;
    double rate = 0.0, ma = 0.0, mw = 0.0;
    for (size_t i = 0; i < n; i++) rate += y[i];
    rate /= (double)n;
    g1 = g2 = NULL;
    CHECK_OK(as__gbdt_fit(X, n, p, y, NULL, 2, NULL, 0, NULL, &pr, &g1, NULL, &err), &err);
    CHECK_OK(as__gbdt_fit(X, n, p, y, sw, 2, NULL, 0, NULL, &pr, &g2, NULL, &err), &err);
    if (g1 && g2) {
        CHECK_OK(as__gbdt_predict(g1, X, n, a, &err), &err);
        CHECK_OK(as__gbdt_predict(g2, X, n, b, &err), &err);
        for (size_t i = 0; i < n; i++) { ma += a[i]; mw += b[i]; }
        ma /= (double)n;
        mw /= (double)n;
        fprintf(stderr, "   weights: positive rate %.3f, mean p unweighted %.3f, positives x4 %.3f\n", rate, ma, mw);
        CHECK(fabs(ma - rate) < 0.05 && mw > ma + 0.15);
    }
    /* all weights 1 is the same as no weights */
    for (size_t i = 0; i < n; i++) sw[i] = 1.0;
    as__gbdt_free(g2);
    g2 = NULL;
    CHECK_OK(as__gbdt_fit(X, n, p, y, sw, 2, NULL, 0, NULL, &pr, &g2, NULL, &err), &err);
    if (g1 && g2) {
        CHECK_OK(as__gbdt_predict(g2, X, n, b, &err), &err);
        CHECK(memcmp(a, b, n * sizeof *a) == 0);
    }
    as__gbdt_free(g1);
    as__gbdt_free(g2);
    free(X); free(y); free(sw); free(a); free(b); free(c);
}

/* ---- input validation ------------------------------------------------------------------------------------ */

static void test_validation(void) {
    double X[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, y[6] = {0, 1, 0, 1, 0, 1}, sw[6] = {1, 1, 1, 1, 1, 1};
    double y3[6] = {0, 1, 2, 0, 1, 2};
    as_gbdt_params pr = quick_params();
    pr.rounds = 3;
    as_gbdt *g = NULL;
    as_error err;
#define FAILS(code, call, word) do { err.msg[0] = 0; g = (as_gbdt *)&err; \
        as_status t_s = (call); CHECK_MSG(t_s == (code) && g == NULL, "%s -> %d", #call, (int)t_s); \
        CHECK_MSG(strstr(err.msg, word) != NULL, "message '%s' lacks '%s'", err.msg, word); } while (0)

    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 0, y, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, &err), "p = 0");
    FAILS(AS_ERR_NODATA, as__gbdt_fit(X, 0, 2, y, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, &err), "no training rows");
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 1, NULL, 0, NULL, &pr, &g, NULL, &err), ">= 2");
    y[3] = 2;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, &err), "row 3 is 2");
    y[3] = NAN;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, &err), "row 3 is NaN");
    y[3] = 1;
    y3[2] = 3;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y3, NULL, 3, NULL, 0, NULL, &pr, &g, NULL, &err), "0..2");
    y3[2] = 1.5;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y3, NULL, 3, NULL, 0, NULL, &pr, &g, NULL, &err), "row 2 is 1.5");
    y3[2] = -1;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y3, NULL, 3, NULL, 0, NULL, &pr, &g, NULL, &err), "row 2");
    y3[2] = 2;
    sw[4] = NAN;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, sw, 2, NULL, 0, NULL, &pr, &g, NULL, &err), "row 4 is NaN");
    sw[4] = -1;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, sw, 2, NULL, 0, NULL, &pr, &g, NULL, &err), "row 4");
    sw[4] = INFINITY;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, sw, 2, NULL, 0, NULL, &pr, &g, NULL, &err), "row 4");
    double zero[6] = {0};
    FAILS(AS_ERR_NODATA, as__gbdt_fit(X, 6, 2, y, zero, 2, NULL, 0, NULL, &pr, &g, NULL, &err), "weight 0");
    sw[4] = 1;
    /* validation rows: labels checked, NULL pointers refused */
    double yv[2] = {0, NAN};
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, X, 2, yv, &pr, &g, NULL, &err), "validation label of row 1");
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 2, yv, &pr, &g, NULL, &err), "NULL");
    /* infinity is not a missing marker, and doubles beyond float range are refused */
    X[5] = INFINITY;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, &err), "row 2, column 1");
    X[5] = 1e300;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, &err), "float32");
    X[5] = 5;
    /* parameters */
    as_gbdt_params b;
    b = pr; b.rounds = 0;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &b, &g, NULL, &err), "rounds");
    b = pr; b.learning_rate = 0;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &b, &g, NULL, &err), "learning_rate");
    b = pr; b.learning_rate = NAN;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &b, &g, NULL, &err), "learning_rate");
    b = pr; b.max_depth = 0;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &b, &g, NULL, &err), "max_depth");
    b = pr; b.min_child_weight = -1;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &b, &g, NULL, &err), "min_child_weight");
    b = pr; b.subsample = 0;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &b, &g, NULL, &err), "subsample");
    b = pr; b.colsample_bytree = 1.5;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &b, &g, NULL, &err), "colsample_bytree");
    b = pr; b.reg_lambda = -1;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &b, &g, NULL, &err), "reg_lambda");
    b = pr; b.early_stopping = -1;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &b, &g, NULL, &err), "early_stopping");
    b = pr; b.threads = -2;
    FAILS(AS_ERR_INVALID, as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &b, &g, NULL, &err), "threads");
#undef FAILS
    /* NULL err is allowed */
    CHECK(as__gbdt_fit(X, 6, 0, y, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, NULL) == AS_ERR_INVALID);

    /* the defaults of the header; NULL params means them (checked here on a call that fails later) */
    as_gbdt_params d = as__gbdt_params_default();
    CHECK(d.rounds == 500 && d.learning_rate == 0.1 && d.max_depth == 6 && d.min_child_weight == 1.0 &&
          d.subsample == 1.0 && d.colsample_bytree == 1.0 && d.reg_lambda == 1.0 && d.early_stopping == 20 &&
          d.threads == 0 && d.seed == 0);
    CHECK(as__gbdt_fit(X, 6, 0, y, NULL, 2, NULL, 0, NULL, NULL, &g, NULL, &err) == AS_ERR_INVALID);

    /* a tiny valid fit with the default parameters (one thread: 500 tiny rounds are all barriers otherwise);
     * a single-class target is fine */
    as_gbdt_info info;
    g = NULL;
    d.threads = 1;
    CHECK_OK(as__gbdt_fit(X, 6, 2, y, NULL, 2, NULL, 0, NULL, &d, &g, &info, &err), &err);
    CHECK(info.rounds_run == 500 && info.best_round == 499 && isnan(info.best_validation_logloss));
    CHECK(as__gbdt_rounds_kept(g) == 500);
    double pr2[3], big[4] = {1, INFINITY, 0, 0}, ct[9];
    CHECK_OK(as__gbdt_predict(g, X, 3, pr2, &err), &err);
    CHECK(as__gbdt_predict(g, big, 2, pr2, &err) == AS_ERR_INVALID);
    CHECK(as__gbdt_contributions(g, big, 2, 0, ct, &err) == AS_ERR_INVALID);
    CHECK(as__gbdt_predict(g, X, 0, pr2, &err) == AS_OK);    /* zero rows: nothing to do */
    double allnan[2] = {NAN, NAN};                              /* a row with every value missing is fine */
    CHECK_OK(as__gbdt_predict(g, allnan, 1, pr2, &err), &err);
    CHECK(pr2[0] > 0.0 && pr2[0] < 1.0);
    CHECK_OK(as__gbdt_contributions(g, allnan, 1, 0, ct, &err), &err);
    CHECK_NEAR(ct[0] + ct[1] + ct[2], log(pr2[0] / (1.0 - pr2[0])), 1e-5);
    CHECK(as__gbdt_predict(NULL, X, 1, pr2, &err) == AS_ERR_INVALID);
    as__gbdt_free(g);
    double ones[6] = {1, 1, 1, 1, 1, 1};
    g = NULL;
    CHECK_OK(as__gbdt_fit(X, 6, 2, ones, NULL, 2, NULL, 0, NULL, &pr, &g, NULL, &err), &err);
    double gain[2] = {-1, -1};   /* no tree splits anything: every importance is 0 */
    if (g) CHECK_OK(as__gbdt_importance(g, gain, &err), &err);
    CHECK(gain[0] == 0.0 && gain[1] == 0.0);
    as__gbdt_free(g);
    as__gbdt_free(NULL);
    CHECK(as__gbdt_classes(NULL) == 0 && as__gbdt_rounds_kept(NULL) == 0);
}

/* ---- allocation failures --------------------------------------------------------------------------------- */

/* Fails each of our allocations in turn: every call must report AS_ERR_NOMEM (or succeed once the countdown is
 * past its last allocation) and leak nothing (ASan checks). */
static void test_alloc_failures(void) {
    rng r = {9};
    size_t n = 200, nv = 100, p = 3;
    double *X = dalloc((n + nv) * p), *y = dalloc(n + nv), *sw = dalloc(n);
    for (size_t i = 0; i < n + nv; i++) {
        for (size_t j = 0; j < p; j++) X[i * p + j] = rng_unif(&r);
        y[i] = X[i * p] + 0.3 * rng_unif(&r) > 0.6;
        if (i < n) sw[i] = 1.0 + (double)(i % 3);
    }
    as_gbdt_params pr = quick_params();
    pr.rounds = 20;
    as_error err;
    int ok = 0, only_nomem = 1;
    for (long k = 1; k < 100 && !ok; k++) {
        as_gbdt *g = NULL;
        as__alloc_fail_after(k);
        as_status st = as__gbdt_fit(X, n, p, y, sw, 2, X + n * p, nv, y + n, &pr, &g, NULL, &err);
        as__alloc_fail_after(0);
        if (st == AS_OK) { ok = 1; as__gbdt_free(g); break; }
        only_nomem &= st == AS_ERR_NOMEM && g == NULL;
    }
    CHECK(ok && only_nomem);

    as_gbdt *g = NULL;
    CHECK_OK(as__gbdt_fit(X, n, p, y, sw, 2, NULL, 0, NULL, &pr, &g, NULL, &err), &err);
    if (!g) goto out;
    char *json = NULL;
    size_t len = 0;
    CHECK_OK(as__gbdt_to_json(g, &json, &len, &err), &err);
    double prob[10], c[40];
    ok = 0;
    only_nomem = 1;
    for (long k = 1; k < 50 && !ok; k++) {
        char *js = NULL;
        as_gbdt *h = NULL;
        as__alloc_fail_after(k);
        as_status s1 = as__gbdt_to_json(g, &js, &len, &err);
        as_status s2 = as__gbdt_from_json(json, strlen(json), p, 2, 20, &h, &err);
        as_status s3 = as__gbdt_predict(g, X, 10, prob, &err);
        as_status s4 = as__gbdt_contributions(g, X, 10, 0, c, &err);
        as__alloc_fail_after(0);
        as__free(js);
        as__gbdt_free(h);
        ok = s1 == AS_OK && s2 == AS_OK && s3 == AS_OK && s4 == AS_OK;
        only_nomem &= (s1 == AS_OK || s1 == AS_ERR_NOMEM) && (s2 == AS_OK || s2 == AS_ERR_NOMEM) &&
                      (s3 == AS_OK || s3 == AS_ERR_NOMEM) && (s4 == AS_OK || s4 == AS_ERR_NOMEM);
    }
    CHECK(ok && only_nomem);
    as__free(json);
    as__gbdt_free(g);
out:
    free(X); free(y); free(sw);
}

int main(void) {
    RUN(test_xor_beats_linear);
    RUN(test_multiclass);
    RUN(test_early_stopping);
    RUN(test_missing);
    RUN(test_json_roundtrip);
    RUN(test_shap_sum);
    RUN(test_importance);
    RUN(test_determinism_and_weights);
    RUN(test_validation);
    RUN(test_alloc_failures);
    return test_report("test_gbdt");
}
