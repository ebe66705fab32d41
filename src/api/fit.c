/*
 * The modelling step shared by the shop flow and the CSV flow: cross-validation, validation part, final fit,
 * predictions, metrics, threshold and warnings (DESIGN.md §4).
 *
 * Leak-free by construction: everything fitted (scaler, PCA, coefficients, trees, class weights) is fitted on
 * the rows of the part being trained — the training rows, a CV fold's training folds, or the training rows
 * without the validation part — and only applied to the rows it is measured on. The encoding (vocabulary,
 * imputed values) comes from all training rows, also inside CV; a value seen only in a held-out fold then
 * behaves like an unseen value (its indicator is constant in the fold's training rows and gets no weight).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/pipeline.h"

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void as__report_warn(as_metrics_report *rep, const char *fmt, ...) {
    size_t len = strlen(rep->warnings);
    if (len + 2 >= sizeof rep->warnings) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->warnings + len, sizeof rep->warnings - len - 1, fmt, ap);
    va_end(ap);
    len = strlen(rep->warnings);
    if (len + 1 < sizeof rep->warnings) { rep->warnings[len] = '\n'; rep->warnings[len + 1] = '\0'; }
}

as_status as__train_params_check(const as_train_params *p, as_error *err) {
    if (p->model_kind != AS_MODEL_LOGREG && p->model_kind != AS_MODEL_GBDT)
        return as__err(err, AS_ERR_INVALID, "unknown model kind %d (use logreg or gbdt)", p->model_kind);
    if (p->penalty < AS_PENALTY_L2 || p->penalty > AS_PENALTY_NONE)
        return as__err(err, AS_ERR_INVALID, "unknown penalty %d (use l2, l1 or none)", p->penalty);
    if (p->solver < AS_SOLVER_AUTO || p->solver > AS_SOLVER_LBFGS)
        return as__err(err, AS_ERR_INVALID, "unknown solver %d (use newton or lbfgs)", p->solver);
    if (p->penalty != AS_PENALTY_NONE && !(p->C > 0 && isfinite(p->C)))
        return as__err(err, AS_ERR_INVALID, "--C must be a positive number (got %g)", p->C);
    if (!(p->tol > 0) || p->max_iter < 1)
        return as__err(err, AS_ERR_INVALID, "--tol must be > 0 and --max-iter ≥ 1 (got %g, %d)", p->tol, p->max_iter);
    if (p->cv_folds && (p->cv_folds < 2 || p->cv_folds > AS_MAX_FOLDS))
        return as__err(err, AS_ERR_INVALID, "--cv %d: use 2 to %d folds", p->cv_folds, AS_MAX_FOLDS);
    if (!(p->validation_fraction > 0 && p->validation_fraction <= 0.5))
        return as__err(err, AS_ERR_INVALID, "--validation %g: use a share of the training rows above 0 and at most 0.5, "
                       "e.g. 0.15 (the rest is what the model learns from)", p->validation_fraction);
    if (p->impute < AS_IMPUTE_DEFAULT || p->impute > AS_IMPUTE_KEEP)
        return as__err(err, AS_ERR_INVALID, "unknown imputation %d", p->impute);
    if (p->impute == AS_IMPUTE_KEEP && p->model_kind != AS_MODEL_GBDT)
        return as__err(err, AS_ERR_INVALID, "--impute keep leaves missing values in, which only boosted trees "
                       "(--model gbdt) accept; use --impute drop, median or most_frequent");
    if (p->model_kind == AS_MODEL_GBDT &&
        (p->gbdt_rounds < 1 || !(p->gbdt_learning_rate > 0 && p->gbdt_learning_rate <= 1) || p->gbdt_max_depth < 1 ||
         p->gbdt_max_depth > 32 || p->gbdt_early_stopping < 0))
        return as__err(err, AS_ERR_INVALID, "boosted trees need --rounds ≥ 1, 0 < --learning-rate ≤ 1, 1 ≤ --max-depth ≤ 32 "
                       "and --early-stopping ≥ 0");
    if (p->pca_variance < 0 || (p->pca_variance >= 1 && p->pca_variance != floor(p->pca_variance)))
        return as__err(err, AS_ERR_INVALID, "--pca %g: give a share of variance between 0 and 1 or a whole number of "
                       "components", p->pca_variance);
    return AS_OK;
}

static const char *solver_name(int solver) {
    switch (solver) {
    case AS_SOLVER_TRON: return "tron";
    case AS_SOLVER_NEWTON_CHOLESKY: return "newton-cholesky";
    case AS_SOLVER_LBFGS: return "lbfgs";
    default: return "newton";
    }
}

/* Copies rows `idx` of the data set into a dense block. */
static double *gather(const as_dataset *d, const size_t *idx, size_t n, double **y, double **w) {
    double *X = as__reallocarray(NULL, (n ? n : 1) * (d->p ? d->p : 1), sizeof *X);
    *y = as__reallocarray(NULL, n ? n : 1, sizeof **y);
    *w = d->w ? as__reallocarray(NULL, n ? n : 1, sizeof **w) : NULL;
    if (!X || !*y || (d->w && !*w)) {
        as__free(X); as__free(*y); as__free(*w);
        *y = *w = NULL;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(X + i * d->p, d->X + idx[i] * d->p, d->p * sizeof *X);
        (*y)[i] = d->y[idx[i]];
        if (d->w) (*w)[i] = d->w[idx[i]];
    }
    return X;
}

typedef struct fit_info {
    as_logreg_info lr;
    as_gbdt_info gb;
} fit_info;

/* Fits the model's scaler, PCA and classifier on rows `fit` (boosted trees: early-stopped on rows `val`).
 * The model's encoding, classes and kind must be set; its fitted parts must be empty. */
static as_status fit_core(as_model *m, const as_dataset *d, const size_t *fit, size_t n_fit, const size_t *val,
                          size_t n_val, const as_train_params *params, fit_info *fi, int in_place, as_error *err) {
    size_t p = d->p, K = (size_t)m->n_classes;
    double *y = NULL, *w = NULL, *X = NULL;
    if (in_place) {
        /* rows 0 … n_fit − 1 of the caller's matrix, scaled where they are (see prefix_in_place) */
        X = d->X;
        y = as__reallocarray(NULL, n_fit ? n_fit : 1, sizeof *y);
        w = d->w ? as__reallocarray(NULL, n_fit ? n_fit : 1, sizeof *w) : NULL;
        if (!y || (d->w && !w)) X = NULL;
        for (size_t i = 0; X && i < n_fit; i++) {
            y[i] = d->y[i];
            if (w) w[i] = d->w[i];
        }
    } else {
        X = gather(d, fit, n_fit, &y, &w);
    }
    double *Z = NULL, *sw = NULL, *Xv = NULL, *yv = NULL, *wv = NULL;
    int *cls = NULL;
    as_status st = AS_OK;
    memset(fi, 0, sizeof *fi);
    if (!X) {
        as__free(y); as__free(w);
        return as__err(err, AS_ERR_NOMEM, "out of memory: %zu rows × %zu columns", n_fit, p);
    }
    /* Row weights × class weights (class_weight="balanced" counts the classes of the rows being fitted). */
    if (w || params->class_weight_balanced) {
        sw = as__reallocarray(NULL, n_fit ? n_fit : 1, sizeof *sw);
        cls = as__reallocarray(NULL, n_fit ? n_fit : 1, sizeof *cls);
        if (!sw || !cls) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
        double cw[AS_MAX_CLASSES];
        for (size_t i = 0; i < n_fit; i++) cls[i] = (int)y[i];
        for (size_t k = 0; k < K; k++) cw[k] = 1.0;
        if (params->class_weight_balanced) as__class_weight_balanced(cls, n_fit, (int)K, cw);
        for (size_t i = 0; i < n_fit; i++) sw[i] = (w ? w[i] : 1.0) * cw[cls[i]];
    }
    m->mean = as__calloc(p ? p : 1, sizeof *m->mean);
    m->scale = as__calloc(p ? p : 1, sizeof *m->scale);
    if (!m->mean || !m->scale) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    for (size_t j = 0; j < p; j++) m->scale[j] = 1.0;

    if (m->kind == AS_MODEL_GBDT) {
        as_gbdt_params gp = as__gbdt_params_default();
        gp.rounds = params->gbdt_rounds > 0 ? params->gbdt_rounds : gp.rounds;
        gp.learning_rate = params->gbdt_learning_rate > 0 ? params->gbdt_learning_rate : gp.learning_rate;
        gp.max_depth = params->gbdt_max_depth > 0 ? params->gbdt_max_depth : gp.max_depth;
        gp.early_stopping = n_val ? params->gbdt_early_stopping : 0;
        /* libgomp spin-waits between parallel regions: on a busy 2-core machine two xgboost threads ran the
         * Online Retail fit in 22 s against 5.5 s for one (measured), so small machines default to one thread. */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        gp.threads = params->threads > 0 ? params->threads : cores <= 2 ? 1 : (int)cores - 1;
        gp.seed = params->split.seed;
        if (n_val && !(Xv = gather(d, val, n_val, &yv, &wv))) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
        st = as__gbdt_fit(X, n_fit, p, y, sw ? sw : w, (int)K, Xv, n_val, yv, &gp, &m->gbdt, &fi->gb, err);
        goto out;
    }

    m->scaled = params->scale;
    if (params->scale) {
        as__standardize_fit(X, n_fit, p, m->mean, m->scale);
        as__standardize_apply(X, n_fit, p, m->mean, m->scale);
    }
    const double *F = X;
    m->dim = p;
    if (params->pca_variance > 0) {
        if ((st = as__pca_fit(X, n_fit, p, params->pca_variance, &m->pca, err))) {
            /* constant training columns are a property of the data, not a numerical failure */
            if (st == AS_ERR_NUMERIC && err && strstr(err->msg, "constant")) {
                char why[sizeof err->msg];
                snprintf(why, sizeof why, "%s", err->msg);   /* as__err writes into err->msg */
                st = as__err(err, AS_ERR_NODATA, "%s; train without PCA (--pca 0) or with columns that vary", why);
            }
            goto out;
        }
        m->has_pca = 1;
        m->dim = m->pca.k;
        if (!(Z = as__reallocarray(NULL, n_fit * m->dim, sizeof *Z))) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
        as__pca_transform(&m->pca, X, n_fit, Z);
        F = Z;
    }
    as_logreg_params lp = as__logreg_params_default();
    lp.C = params->C;
    lp.tol = params->tol;
    lp.max_iter = params->max_iter;
    lp.penalty = params->penalty;
    lp.solver = params->solver;
    m->n_out = K > 2 ? K : 1;
    m->coef = as__calloc(m->n_out * (m->dim ? m->dim : 1), sizeof *m->coef);
    m->intercepts = as__calloc(m->n_out, sizeof *m->intercepts);
    if (!m->coef || !m->intercepts) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    const double *rw = sw ? sw : w;
    if (K > 2) {
        if (!cls && !(cls = as__reallocarray(NULL, n_fit ? n_fit : 1, sizeof *cls))) {
            st = as__err(err, AS_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n_fit; i++) cls[i] = (int)y[i];
        st = as__logreg_fit_multinomial(F, n_fit, m->dim, cls, (int)K, rw, &lp, m->coef, m->intercepts, &fi->lr, err);
    } else {
        st = as__logreg_fit(F, n_fit, m->dim, y, rw, &lp, m->coef, m->intercepts, &fi->lr, err);
    }
out:
    if (!in_place) as__free(X);
    as__free(y); as__free(w); as__free(Z); as__free(sw); as__free(cls);
    as__free(Xv); as__free(yv); as__free(wv);
    return st;
}

/* Whether the final fit may scale its rows in place: the caller gave the matrix away, the rows are 0 … n − 1 (the
 * time split's training rows), and nothing reads their raw values afterwards — logistic regression without the
 * cost-based threshold, whose second fit on part of those rows comes later. Saves a copy of every training row
 * (9.7 GB at 10 M lines). The training rows' predictions then come from predict_prescaled. */
static int prefix_in_place(const as_model *m, const as_dataset *d, const size_t *rows, size_t n, int costs) {
    if (!d->disposable || m->kind != AS_MODEL_LOGREG || costs) return 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i] != i) return 0;
    return 1;
}

/* Predictions for rows `idx` (n × prob width). */
/* Rows predicted at a time: each row's prediction depends on that row alone, so chunks give the same numbers as
 * one call, and memory stays one chunk of gathered (and, inside the model, transformed) rows instead of two
 * copies of every training row. */
#define PREDICT_CHUNK 16384

/* Predictions for rows 0 … n − 1 that the final fit scaled in place: the model with a scaler of mean 0 and scale 1,
 * whose (x − 0) / 1 is x exactly, so every probability is bit for bit what as__model_predict gives on the raw rows
 * (it scales them with the same (x − mean) / scale). */
static as_status predict_prescaled(const as_model *m, const as_dataset *d, size_t n, double **prob, double **y,
                                   as_error *err) {
    size_t pw = as__model_prob_width(m), p = d->p ? d->p : 1;
    double *zero = as__calloc(p, sizeof *zero), *one = as__reallocarray(NULL, p, sizeof *one);
    *prob = as__reallocarray(NULL, (n ? n : 1) * pw, sizeof **prob);
    *y = as__reallocarray(NULL, n ? n : 1, sizeof **y);
    as_status st = AS_OK;
    if (!zero || !one || !*prob || !*y) {
        as__free(*prob); as__free(*y);
        *prob = *y = NULL;
        st = as__err(err, AS_ERR_NOMEM, "out of memory");
    }
    for (size_t j = 0; !st && j < p; j++) one[j] = 1.0;
    as_model view = *m;
    view.mean = zero;
    view.scale = one;
    for (size_t at = 0; !st && at < n; at += PREDICT_CHUNK) {
        size_t k = n - at < PREDICT_CHUNK ? n - at : PREDICT_CHUNK;
        memcpy(*y + at, d->y + at, k * sizeof **y);
        st = as__model_predict(&view, d->X + at * d->p, k, *prob + at * pw, NULL, err);
    }
    as__free(zero);
    as__free(one);
    return st;
}

static as_status predict_rows(const as_model *m, const as_dataset *d, const size_t *idx, size_t n, double **prob,
                              double **y, as_error *err) {
    size_t pw = as__model_prob_width(m), chunk = n < PREDICT_CHUNK ? n : PREDICT_CHUNK;
    *prob = as__reallocarray(NULL, (n ? n : 1) * pw, sizeof **prob);
    *y = as__reallocarray(NULL, n ? n : 1, sizeof **y);
    double *X = as__reallocarray(NULL, (chunk ? chunk : 1) * (d->p ? d->p : 1), sizeof *X);
    if (!X || !*prob || !*y) {
        as__free(X); as__free(*prob); as__free(*y);
        *prob = *y = NULL;
        return as__err(err, AS_ERR_NOMEM, "out of memory");
    }
    as_status st = AS_OK;
    for (size_t at = 0; at < n && !st; at += chunk) {
        size_t k = n - at < chunk ? n - at : chunk;
        for (size_t i = 0; i < k; i++) {
            memcpy(X + i * d->p, d->X + idx[at + i] * d->p, d->p * sizeof *X);
            (*y)[at + i] = d->y[idx[at + i]];
        }
        st = as__model_predict(m, X, k, *prob + at * pw, NULL, err);
    }
    as__free(X);
    return st;
}

static as_status measure(const as_model *m, const double *y, const double *prob, size_t n, as_metrics *out,
                         as_error *err) {
    if (m->n_classes <= 2) return as__metrics_binary(y, prob, n, out, err);
    int *cls = as__reallocarray(NULL, n ? n : 1, sizeof *cls);
    if (!cls) return as__err(err, AS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) cls[i] = (int)y[i];
    as_status st = as__metrics_multiclass(cls, prob, n, m->n_classes, out, err);
    as__free(cls);
    return st;
}

/* The operating point of a binary model on one part: rows with score ≥ threshold are flagged, the rule of
 * as_decision and of the shop scorer, so the figures say what the flags will do. (The CSV scorer keeps
 * predict()'s p > 0.5 at the default 0.5: a score of exactly 0.5 is counted here and not flagged there.) */
static void at_threshold(const double *y, const double *score, size_t n, double threshold, as_metrics *out) {
    int64_t flagged = 0, hits = 0, positives = 0;
    for (size_t i = 0; i < n; i++) {
        int pos = y[i] == 1, flag = score[i] >= threshold;
        positives += pos;
        flagged += flag;
        hits += pos && flag;
    }
    out->thr = threshold;
    out->thr_rows = (int64_t)n;
    out->thr_flagged = flagged;
    out->thr_flagged_positives = hits;
    out->thr_precision = flagged ? (double)hits / (double)flagged : 0.0;
    out->thr_recall = positives ? (double)hits / (double)positives : NAN;
}

/* Splits `rows` (n, in the data set's order) into a fit part and a validation part of ⌈fraction·n⌉ rows:
 * the latest rows for time-ordered data, scikit-learn's train_test_split rows (seeded) otherwise. */
static as_status carve_validation(const as_dataset *d, const size_t *rows, size_t n, double fraction, uint32_t seed,
                                  int by_time, size_t **fit, size_t *n_fit, size_t **val, size_t *n_val, as_error *err) {
    *fit = as__calloc(n ? n : 1, sizeof **fit);
    *val = as__calloc(n ? n : 1, sizeof **val);
    size_t *pos_fit = as__calloc(n ? n : 1, sizeof *pos_fit), *pos_val = as__calloc(n ? n : 1, sizeof *pos_val);
    if (!*fit || !*val || !pos_fit || !pos_val) {
        as__free(pos_fit); as__free(pos_val);
        return as__err(err, AS_ERR_NOMEM, "out of memory");
    }
    (void)d;
    if (by_time) {
        size_t nv = (size_t)ceil(fraction * (double)n);
        if (nv >= n) nv = n ? n - 1 : 0;
        *n_fit = n - nv;
        *n_val = nv;
        for (size_t i = 0; i < n; i++) {
            if (i < *n_fit) (*fit)[i] = rows[i];
            else (*val)[i - *n_fit] = rows[i];
        }
    } else {
        as__random_split(n, fraction, seed, pos_fit, n_fit, pos_val, n_val);
        for (size_t i = 0; i < *n_fit; i++) (*fit)[i] = rows[pos_fit[i]];
        for (size_t i = 0; i < *n_val; i++) (*val)[i] = rows[pos_val[i]];
    }
    as__free(pos_fit); as__free(pos_val);
    if (*n_fit < 2 || *n_val < 1)
        return as__err(err, AS_ERR_NODATA, "%zu training rows are too few to hold out a validation part of %.3g", n,
                       fraction);
    return AS_OK;
}

/* A model that shares m's encoding (vocabularies, imputed values, classes) and has nothing fitted yet: it fits
 * its own scaler, PCA and classifier. Release only its fitted parts (as__model_free_fitted), never the shell. */
static as_model model_shell(const as_model *m) {
    as_model s = *m;
    s.mean = s.scale = s.coef = s.intercepts = NULL;
    s.gbdt = NULL;
    s.has_pca = 0;
    s.dim = s.n_out = 0;
    memset(&s.pca, 0, sizeof s.pca);
    return s;
}

static void fold_from_metrics(const as_metrics *mt, int64_t train_rows, as_cv_fold *f) {
    f->train_rows = train_rows;
    f->test_rows = mt->rows;
    f->test_positives = mt->positives;
    f->accuracy = mt->accuracy;
    f->precision = mt->precision;
    f->recall = mt->recall;
    f->f1 = mt->f1;
    f->roc_auc = mt->roc_auc;
    f->pr_auc = mt->pr_auc;
    f->log_loss = mt->log_loss;
    f->brier = mt->brier;
}

#define CV_FIELDS(X) X(accuracy) X(precision) X(recall) X(f1) X(roc_auc) X(pr_auc) X(log_loss) X(brier)

/* Mean and standard deviation (ddof = 0, numpy's default) over the folds. */
static void cv_summary(as_metrics_report *rep) {
    int k = rep->cv_folds;
    memset(&rep->cv_mean, 0, sizeof rep->cv_mean);
    memset(&rep->cv_std, 0, sizeof rep->cv_std);
    for (int i = 0; i < k; i++) {
        rep->cv_mean.train_rows += rep->cv[i].train_rows;
        rep->cv_mean.test_rows += rep->cv[i].test_rows;
        rep->cv_mean.test_positives += rep->cv[i].test_positives;
    }
    rep->cv_mean.train_rows /= k;
    rep->cv_mean.test_rows /= k;
    rep->cv_mean.test_positives /= k;
#define MEAN_STD(f)                                                                  \
    {                                                                                \
        double s = 0, q = 0;                                                         \
        for (int i = 0; i < k; i++) s += rep->cv[i].f;                               \
        double mu = s / k;                                                           \
        for (int i = 0; i < k; i++) q += (rep->cv[i].f - mu) * (rep->cv[i].f - mu);  \
        rep->cv_mean.f = mu;                                                         \
        rep->cv_std.f = sqrt(q / k);                                                 \
    }
    CV_FIELDS(MEAN_STD)
#undef MEAN_STD
}

/* k-fold cross-validation on the training rows: stratified folds (scikit-learn's StratifiedKFold) for random
 * splits; for time-ordered data expanding windows (scikit-learn's TimeSeriesSplit: fold i trains on everything
 * before its test block), so no fold learns from its own future. */
static as_status cross_validate(const as_model *m, const as_dataset *d, const size_t *train, size_t n_train,
                                const as_train_params *params, as_metrics_report *rep, as_error *err) {
    int k = params->cv_folds, by_time = params->split.kind == AS_SPLIT_TIME && d->at;
    if (k < 2 || k > AS_MAX_FOLDS)
        return as__err(err, AS_ERR_INVALID, "--cv %d: use 2 to %d folds", k, AS_MAX_FOLDS);
    int *fold = as__calloc(n_train ? n_train : 1, sizeof *fold);
    int *cls = as__calloc(n_train ? n_train : 1, sizeof *cls);
    size_t *tr = as__calloc(n_train ? n_train : 1, sizeof *tr), *te = as__calloc(n_train ? n_train : 1, sizeof *te);
    as_status st = AS_OK;
    if (!fold || !cls || !tr || !te) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    size_t block = n_train / (size_t)(k + 1);
    if (by_time) {
        if (block < 1) { st = as__err(err, AS_ERR_INVALID, "--cv %d: %zu training rows are too few", k, n_train); goto out; }
    } else {
        char warning[256] = "";
        for (size_t i = 0; i < n_train; i++) cls[i] = (int)d->y[train[i]];
        if ((st = as__stratified_kfold(cls, n_train, k, params->cv_shuffle, params->cv_seed, fold, warning,
                                       sizeof warning, err))) {
            as__err_prefix(err, "--cv %d", k);
            goto out;
        }
        if (warning[0]) as__report_warn(rep, "cross-validation: %s", warning);
    }
    if (params->progress) params->progress(params->progress_user, "cv", 0, k);   /* the rate counts from here */
    for (int f = 0; f < k && !st; f++) {
        size_t ntr = 0, nte = 0;
        if (by_time) {
            /* TimeSeriesSplit: test block f starts at n − (k − f)·block */
            size_t start = n_train - (size_t)(k - f) * block;
            for (size_t i = 0; i < start; i++) tr[ntr++] = train[i];
            for (size_t i = start; i < start + block; i++) te[nte++] = train[i];
        } else {
            for (size_t i = 0; i < n_train; i++) {
                if (fold[i] == f) te[nte++] = train[i];
                else tr[ntr++] = train[i];
            }
        }
        /* An expanding time window's first folds may hold no row of a rare class yet; a model cannot learn a class
         * it never saw, so say which class and what to do rather than fail inside the solver. */
        if (by_time && m->n_classes >= 2 && m->n_classes <= AS_MAX_CLASSES) {
            int64_t seen[AS_MAX_CLASSES] = {0};
            for (size_t i = 0; i < ntr; i++) {
                int c = (int)d->y[tr[i]];
                if (c >= 0 && c < m->n_classes) seen[c]++;
            }
            for (int c = 0; c < m->n_classes; c++)
                if (!seen[c]) {
                    char rows[32];
                    char advice[64] = "train without --cv";
                    if (k > 2) snprintf(advice, sizeof advice, "use fewer folds (--cv %d) or train without --cv", k - 1);
                    st = as__err(err, AS_ERR_NODATA, "--cv %d: fold %d trains on the earliest %s rows, which hold no "
                                 "row of class '%s'; every class needs training rows in every fold: %s", k, f + 1,
                                 as__fmt_count((int64_t)ntr, rows, sizeof rows),
                                 m->class_labels && m->class_labels[c] ? m->class_labels[c] : "?", advice);
                    break;
                }
            if (st) break;
        }
        as_model fm = model_shell(m);
        size_t *fit = NULL, *val = NULL, n_fit = ntr, n_val = 0;
        fit_info fi;
        if (m->kind == AS_MODEL_GBDT && params->gbdt_early_stopping > 0) {
            st = carve_validation(d, tr, ntr, params->validation_fraction, params->split.seed, by_time, &fit, &n_fit,
                                  &val, &n_val, err);
        }
        if (!st) st = fit_core(&fm, d, fit ? fit : tr, n_fit, val, n_val, params, &fi, 0, err);
        double *prob = NULL, *y = NULL;
        as_metrics mt;
        memset(&mt, 0, sizeof mt);
        if (!st) st = predict_rows(&fm, d, te, nte, &prob, &y, err);
        if (!st) st = measure(&fm, y, prob, nte, &mt, err);
        if (!st) fold_from_metrics(&mt, (int64_t)ntr, &rep->cv[f]);
        if (st) as__err_prefix(err, "cross-validation fold %d of %d", f + 1, k);
        as__free(prob); as__free(y); as__free(fit); as__free(val);
        as__model_free_fitted(&fm);
        if (params->progress) params->progress(params->progress_user, "cv", f + 1, k);
    }
    if (!st) {
        rep->cv_folds = k;
        rep->cv_by_time = by_time;
        cv_summary(rep);
    }
out:
    as__free(fold); as__free(cls); as__free(tr); as__free(te);
    return st;
}

static void report_fit(as_model *m, const fit_info *fi, as_metrics_report *rep, const as_train_params *params) {
    if (m->kind == AS_MODEL_GBDT) {
        snprintf(rep->model_kind, sizeof rep->model_kind, "gbdt");
        snprintf(rep->solver, sizeof rep->solver, "xgboost");
        snprintf(rep->penalty, sizeof rep->penalty, "l2");
        rep->gbdt_rounds = fi->gb.best_round + 1;
        rep->gbdt_best_validation_logloss = fi->gb.best_validation_logloss;
        rep->iterations = fi->gb.rounds_run;
        rep->converged = 1;
        rep->grad_norm = NAN;
        rep->objective = NAN;
        if (fi->gb.rounds_run >= params->gbdt_rounds && rep->validation_rows)
            as__report_warn(rep, "boosted trees used all %d rounds without the validation loss stopping to improve; "
                            "raise --rounds or --learning-rate", params->gbdt_rounds);
        return;
    }
    const as_logreg_info *in = &fi->lr;
    snprintf(rep->model_kind, sizeof rep->model_kind, "logreg");
    snprintf(rep->penalty, sizeof rep->penalty, "%s",
             params->penalty == AS_PENALTY_L1 ? "l1" : params->penalty == AS_PENALTY_NONE ? "none" : "l2");
    snprintf(rep->solver, sizeof rep->solver, "%s",
             params->penalty == AS_PENALTY_L1 && in->solver == AS_SOLVER_LBFGS ? "owlqn"
             : params->penalty == AS_PENALTY_L1 && in->solver != AS_SOLVER_LBFGS ? "prox-newton"
             : solver_name(in->solver));
    rep->iterations = in->iterations;
    rep->hessian_products = in->hessian_products;
    rep->hessian_formations = in->hessian_formations;
    rep->function_evaluations = in->function_evaluations;
    rep->separated = in->quasi_separated;
    rep->converged = in->converged;
    rep->grad_norm = in->grad_norm;
    rep->objective = in->objective;
    rep->nonzero_coefficients = (int64_t)in->nonzero;
    int unbounded = in->quasi_separated && params->penalty == AS_PENALTY_NONE && !in->converged;
    if (!in->converged && !unbounded)
        as__report_warn(rep, "logistic regression did not converge in %d iterations (gradient norm %.3g): the "
                        "coefficients are not the optimum; raise --max-iter%s", in->iterations, in->grad_norm,
                        params->scale ? "" : ", or standardize the columns (drop --no-scale)");
    if (unbounded)
        as__report_warn(rep, "the training classes are (quasi-)separated and there is no penalty: no finite optimum "
                        "exists, so the solver did not converge — the coefficients kept growing until it stopped after "
                        "%d iterations, and more iterations would only make them larger; their size means nothing: "
                        "use --penalty l2 (or l1)", in->iterations);
    else if (in->quasi_separated && params->penalty == AS_PENALTY_NONE)
        as__report_warn(rep, "some training rows are predicted with probability 0 or 1 to double precision: the "
                        "classes are close to separated, the optimum was found but its probabilities are overconfident");
    else if (in->quasi_separated)
        as__report_warn(rep, "the training classes are (quasi-)separated: the coefficients' size is set by C alone "
                        "(a larger C gives larger coefficients and more extreme probabilities)");
    if (params->penalty == AS_PENALTY_L1 && in->nonzero == 0)
        as__report_warn(rep, "the L1 penalty set every coefficient to 0: the model predicts the base rate; raise --C");
}

as_status as__fit_and_evaluate(as_model *m, const as_dataset *d, const size_t *train, size_t n_train,
                               const size_t *test, size_t n_test, const as_train_params *params,
                               as_metrics_report *rep, as_error *err) {
    double t0 = now_seconds();
    int K = m->n_classes, by_time = params->split.kind == AS_SPLIT_TIME && d->at != NULL;
    int costs = params->return_cost > 0 || params->contact_cost > 0;
    as_status st = AS_OK;
    size_t *fit = NULL, *val = NULL, n_fit = 0, n_val = 0;
    double *prob = NULL, *y = NULL;
    fit_info fi;
    m->p = d->p;
    m->C = params->C;
    m->penalty = params->penalty;
    m->kind = params->model_kind;
    rep->n_classes = K;
    for (int k = 0; k < K && k < AS_MAX_CLASSES; k++)
        snprintf(rep->class_labels[k], sizeof rep->class_labels[k], "%s", m->class_labels[k]);
    if (costs) {
        if (K > 2) return as__err(err, AS_ERR_INVALID, "a cost-based threshold needs a two-class target; this one has %d classes", K);
        if (!(params->return_cost > 0) || !(params->contact_cost > 0) || !(params->contact_success > 0 && params->contact_success <= 1))
            return as__err(err, AS_ERR_INVALID, "a cost-based threshold needs --return-cost > 0, --contact-cost > 0 and "
                           "0 < --contact-success ≤ 1 (got %g, %g, %g)", params->return_cost, params->contact_cost,
                           params->contact_success);
    }
    if (m->kind == AS_MODEL_GBDT && (params->penalty != AS_PENALTY_L2 || params->pca_variance > 0))
        return as__err(err, AS_ERR_INVALID, "--penalty and --pca apply to logistic regression, not to boosted trees");

    if (params->cv_folds && (st = cross_validate(m, d, train, n_train, params, rep, err))) return st;

    int need_val = costs || (m->kind == AS_MODEL_GBDT && params->gbdt_early_stopping > 0);
    if (need_val) {
        double f = params->validation_fraction > 0 && params->validation_fraction < 1 ? params->validation_fraction : 0.15;
        if ((st = carve_validation(d, train, n_train, f, params->split.seed, by_time, &fit, &n_fit, &val, &n_val, err)))
            goto out;
        rep->validation_rows = (int64_t)n_val;
    }
    if (params->progress) params->progress(params->progress_user, "train", 0, 1);
    const int in_place = prefix_in_place(m, d, train, n_train, costs);
    if (m->kind == AS_MODEL_GBDT) {
        /* The trees keep the round that did best on the validation part; refitting on all rows would need a
         * round count chosen without validation, so the final model is the early-stopped one. */
        st = need_val ? fit_core(m, d, fit, n_fit, val, n_val, params, &fi, 0, err)
                      : fit_core(m, d, train, n_train, NULL, 0, params, &fi, 0, err);
    } else {
        st = fit_core(m, d, train, n_train, NULL, 0, params, &fi, in_place, err);
    }
    if (st) goto out;
    report_fit(m, &fi, rep, params);
    rep->n_features_in = (int)d->p;
    rep->n_components = (int)(m->kind == AS_MODEL_GBDT ? d->p : m->dim);
    if (m->has_pca) {
        size_t nt = m->pca.n_all ? m->pca.n_all : m->pca.k;
        const double *r = m->pca.n_all ? m->pca.all_variance_ratio : m->pca.explained_variance_ratio;
        rep->n_pca_table = (int)(nt < 64 ? nt : 64);
        memcpy(rep->pca_variance_ratio, r, (size_t)rep->n_pca_table * sizeof *r);
    }

    rep->opt_C = params->C;
    rep->opt_tol = params->tol;
    rep->opt_max_iter = params->max_iter;
    rep->opt_class_weight_balanced = params->class_weight_balanced;
    snprintf(rep->opt_weight_column, sizeof rep->opt_weight_column, "%s", params->weight_column ? params->weight_column : "");
    snprintf(rep->opt_impute, sizeof rep->opt_impute, "%s", m->source == AS_MODEL_SHOP ? "" /* no holes there */
             : m->impute == AS_IMPUTE_MEDIAN ? "median"
             : m->impute == AS_IMPUTE_MOST_FREQUENT ? "most_frequent" : m->impute == AS_IMPUTE_KEEP ? "keep" : "drop");
    rep->opt_min_level_count = (int64_t)params->min_level_count;
    rep->opt_cv_shuffle = params->cv_shuffle;
    rep->opt_cv_seed = params->cv_seed;
    if (costs) {
        rep->opt_return_cost = params->return_cost;
        rep->opt_contact_cost = params->contact_cost;
        rep->opt_contact_success = params->contact_success;
    }

    /* Threshold for flags (binary): chosen on rows the model was not fitted on when costs are given; otherwise
     * the F1-best threshold for shop data — on the validation rows when there are some (boosted trees: their
     * training rows are fitted too closely to choose on), else on the training rows — and 0.5 (scikit-learn's
     * predict) for CSV. */
    m->threshold = 0.5;
    snprintf(rep->threshold_rule, sizeof rep->threshold_rule, "%s", K > 2 ? "the most probable class"
             : "0.5, as scikit-learn's predict");
    if (costs) {
        as_costs c = {params->return_cost, params->contact_cost, params->contact_success};
        as_model vm = model_shell(m), *chooser = m;
        if (m->kind != AS_MODEL_GBDT) {
            /* logistic regression: a model fitted without the validation rows chooses the threshold; the final
             * model (all training rows) keeps it */
            fit_info vfi;
            if ((st = fit_core(&vm, d, fit, n_fit, NULL, 0, params, &vfi, 0, err))) goto free_vm;
            chooser = &vm;
        }
        if ((st = predict_rows(chooser, d, val, n_val, &prob, &y, err))) goto free_vm;
        if ((st = as__decision_best(y, prob, n_val, &c, &rep->decision_validation, err))) goto free_vm;
        m->threshold = rep->decision_validation.threshold;
        snprintf(rep->threshold_rule, sizeof rep->threshold_rule, "the highest expected savings on the validation rows");
        m->return_cost = c.return_cost;
        m->contact_cost = c.contact_cost;
        m->contact_success = c.contact_success;
    free_vm:
        as__model_free_fitted(&vm);
        as__free(prob); as__free(y);
        prob = y = NULL;
        if (st) goto out;
    }

    if ((st = in_place ? predict_prescaled(m, d, n_train, &prob, &y, err) : predict_rows(m, d, train, n_train, &prob, &y, err)))
        goto out;
    if ((st = measure(m, y, prob, n_train, &rep->train, err))) goto out;
    if (!costs && K == 2 && m->source == AS_MODEL_SHOP && n_val) {
        double *pv = NULL, *yv = NULL;
        as_metrics mv;
        if ((st = predict_rows(m, d, val, n_val, &pv, &yv, err)) == AS_OK &&
            (st = as__metrics_binary(yv, pv, n_val, &mv, err)) == AS_OK && mv.best_f1_threshold > 0 &&
            mv.best_f1_threshold < 1) {
            m->threshold = mv.best_f1_threshold;
            snprintf(rep->threshold_rule, sizeof rep->threshold_rule, "F1-best on the validation rows");
        }
        as__free(pv); as__free(yv);
        if (st) goto out;
    } else if (!costs && K == 2 && m->source == AS_MODEL_SHOP && rep->train.best_f1_threshold > 0 &&
               rep->train.best_f1_threshold < 1) {
        m->threshold = rep->train.best_f1_threshold;
        snprintf(rep->threshold_rule, sizeof rep->threshold_rule, "F1-best on the training rows");
    }
    /* the threshold is settled now, and the training predictions are still at hand */
    if (K == 2) at_threshold(y, prob, n_train, m->threshold, &rep->train);
    as__free(prob); as__free(y);
    prob = y = NULL;
    if ((st = predict_rows(m, d, test, n_test, &prob, &y, err))) goto out;
    if ((st = measure(m, y, prob, n_test, &rep->test, err))) goto out;
    if (K == 2) at_threshold(y, prob, n_test, m->threshold, &rep->test);
    if (costs) {
        as_costs c = {params->return_cost, params->contact_cost, params->contact_success};
        as__decision_at(y, prob, n_test, &c, m->threshold, &rep->decision_test);
    } else {
        rep->decision_validation.threshold = rep->decision_test.threshold = NAN;
    }
    rep->threshold = m->threshold;
    snprintf(rep->positive_class, sizeof rep->positive_class, "%s", K == 2 ? m->class_labels[1] : "");
    if (rep->test.one_class_truth)
        as__report_warn(rep, "the test rows hold one class only: ROC-AUC and PR-AUC are undefined (reported as null)");
    if (rep->test.no_predicted_positive && K == 2)
        as__report_warn(rep, "no test row reaches the 0.5 threshold: precision at 0.5 is reported as 0 "
                        "(scikit-learn's zero_division); see the best-F1 and top-k rows");
    if (rep->unseen_categories)
        as__report_warn(rep, "%lld test rows hold a text value the training rows never had: it encodes as all zeros",
                        (long long)rep->unseen_categories);
    rep->seconds_train = now_seconds() - t0;
out:
    as__free(prob); as__free(y); as__free(fit); as__free(val);
    return st;
}
