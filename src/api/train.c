/*
 * Training: the shop flow (features table, time split by default) and the seed's generic flow on any flat
 * CSV (drop rows with missing values, one-hot, random split 0.2/42, standardize, PCA 0.95, logistic
 * regression). Scaler, vocabularies and PCA are fitted on the training rows only, so nothing about the test
 * rows leaks into the model — a deliberate difference from the seed script, which fits PCA on all rows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/pipeline.h"
#include "features/features.h"
#include "ingest/strmap.h"
#include "table/table.h"

as_train_params as_train_params_default(void) {
    as_train_params p;
    memset(&p, 0, sizeof p);
    p.split.kind = AS_SPLIT_TIME;
    p.split.test_fraction = 0.15;
    p.split.seed = 42;
    p.C = 1.0;
    p.tol = 1e-8;
    p.max_iter = 200;
    p.scale = 1;
    p.pca_variance = 0;
    p.max_levels = 1000;
    p.model_kind = AS_MODEL_LOGREG;
    p.penalty = AS_PENALTY_L2;
    p.solver = AS_SOLVER_AUTO;
    p.impute = AS_IMPUTE_DEFAULT;
    p.cv_seed = 42;
    p.contact_success = 1.0;
    p.validation_fraction = 0.15;
    as_gbdt_params g = as__gbdt_params_default();   /* one place for the boosted trees' defaults */
    p.gbdt_rounds = g.rounds;
    p.gbdt_learning_rate = g.learning_rate;
    p.gbdt_max_depth = g.max_depth;
    p.gbdt_early_stopping = g.early_stopping;
    return p;
}

as_status as_split_parse(const char *text, as_split_spec *out, as_error *err) {
    memset(out, 0, sizeof *out);
    if (strcmp(text, "time") == 0) { out->kind = AS_SPLIT_TIME; out->test_fraction = 0.15; return AS_OK; }
    if (strncmp(text, "time:", 5) == 0) {
        out->kind = AS_SPLIT_TIME;
        out->test_fraction = 0.15;
        if (as_time_parse(text + 5, &out->cutoff, err)) {
            as__err_prefix(err, "--split %s", text);
            return AS_ERR_INVALID;
        }
        return AS_OK;
    }
    int strat = strncmp(text, "stratified", 10) == 0;
    const char *rest = strat ? text + 10 : strncmp(text, "random", 6) == 0 ? text + 6 : NULL;
    if (rest && (*rest == '\0' || *rest == ':')) {
        double f = 0.2;
        unsigned long seed = 42;
        int ok = 1;
        if (*rest == ':') {
            char *end;
            f = strtod(rest + 1, &end);
            ok = end != rest + 1;
            if (ok && *end == ':') {
                char *e2;
                seed = strtoul(end + 1, &e2, 10);
                ok = !*e2 && e2 != end + 1 && seed <= 0xffffffffUL && end[1] != '-';
            } else if (*end) {
                ok = 0;
            }
        }
        if (!ok || !(f > 0 && f < 1))
            return as__err(err, AS_ERR_INVALID, "--split %s: write %s:FRACTION:SEED with 0 < FRACTION < 1 and SEED a "
                           "whole number below 2^32, e.g. %s:0.2:42", text, strat ? "stratified" : "random",
                           strat ? "stratified" : "random");
        out->kind = strat ? AS_SPLIT_STRATIFIED : AS_SPLIT_RANDOM;
        out->test_fraction = f;
        out->seed = (uint32_t)seed;
        return AS_OK;
    }
    return as__err(err, AS_ERR_INVALID, "--split %s: use time, time:YYYY-MM-DD, random:FRACTION:SEED or stratified:FRACTION:SEED", text);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

as_status as__vocab_build(const char *const *values, const size_t *rows, size_t n, char ***levels, size_t *n_levels) {
    as_strmap seen;
    as__strmap_init(&seen);
    const char **tmp = as__calloc(n ? n : 1, sizeof *tmp);
    size_t k = 0;
    as_status st = tmp ? AS_OK : AS_ERR_NOMEM;
    for (size_t i = 0; i < n && !st; i++) {
        const char *v = values[rows ? rows[i] : i];
        if (!v) continue;
        int ins;
        if (!as__strmap_upsert(&seen, v, strlen(v), 0, &ins)) st = AS_ERR_NOMEM;
        else if (ins) tmp[k++] = v;
    }
    if (!st) {
        qsort(tmp, k, sizeof *tmp, cmp_str);
        *levels = as__calloc(k ? k : 1, sizeof **levels);
        if (!*levels) st = AS_ERR_NOMEM;
        for (size_t i = 0; i < k && !st; i++)
            if (!((*levels)[i] = as__strdup(tmp[i]))) st = AS_ERR_NOMEM;
        *n_levels = k;
    }
    as__free(tmp);
    as__strmap_free(&seen);
    return st;
}

as_status as__vocab_build_pooled(const char *const *values, const size_t *rows, size_t n, size_t min_count,
                                 char ***levels, size_t *n_levels, char ***pooled, size_t *n_pooled) {
    *pooled = NULL;
    *n_pooled = 0;
    as_status st = as__vocab_build(values, rows, n, levels, n_levels);
    if (st || min_count <= 1 || *n_levels == 0) return st;
    size_t *count = as__calloc(*n_levels, sizeof *count);
    char **keep = as__calloc(*n_levels, sizeof *keep), **pool = as__calloc(*n_levels, sizeof *pool);
    if (!count || !keep || !pool) { as__free(count); as__free(keep); as__free(pool); return AS_ERR_NOMEM; }
    for (size_t i = 0; i < n; i++) {
        const char *v = values[rows ? rows[i] : i];
        if (!v) continue;
        char **hit = bsearch(&v, *levels, *n_levels, sizeof **levels, cmp_str);
        if (hit) count[hit - *levels]++;
    }
    size_t nk = 0, np = 0;
    for (size_t l = 0; l < *n_levels; l++) {
        if (count[l] >= min_count) keep[nk++] = (*levels)[l];
        else pool[np++] = (*levels)[l];
    }
    as__free(*levels);
    as__free(count);
    *levels = keep;
    *n_levels = nk;
    if (np) *pooled = pool; else as__free(pool);
    *n_pooled = np;
    return AS_OK;
}

/* ---- shop flow ---- */

typedef struct shop_rows {
    size_t n;
    double *num;          /* n × n_num */
    const char **cat;     /* n × n_cat */
    double *y;
    int64_t *at;
    as_arena arena;
} shop_rows;

static void shop_rows_free(shop_rows *r) {
    as__free(r->num); as__free(r->cat); as__free(r->y); as__free(r->at);
    as__arena_free(&r->arena);
}

/* Features are stale when an ingest ran after the last build (ingest removes the build_* meta keys). */
as_status as__features_current(as_db *db, as_error *err) {
    char v[32];
    as_error ignore;
    sqlite3_stmt *q;
    int has_table = 0;
    if (as__db_prepare(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'features'", &q, err) == AS_OK) {
        has_table = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
    }
    if (!has_table)
        return as__err(err, AS_ERR_STATE, "%s has no features yet; run `aftersales build --db %s` first", db->path,
                       db->path);
    if (as__db_meta_get(db, "build_horizon_days", v, sizeof v, &ignore) != AS_OK)
        return as__err(err, AS_ERR_STATE, "the data in %s changed after its features were built; run "
                       "`aftersales build --db %s` again so they include it", db->path, db->path);
    return AS_OK;
}

/* Reads feature rows (labelled only, or all from `from` on when labelled_only is 0) in time order. */
static as_status read_feature_rows(as_db *db, int labelled_only, int64_t from, shop_rows *r, char ***ids,
                                   as_error *err) {
    int nn = as__n_feature_numeric, nc = as__n_feature_categorical;
    as_buf sql;
    as__buf_init(&sql, 0);
    as__buf_printf(&sql, "SELECT label, ordered_at, order_id, line_no, customer_id, product_id");
    for (int c = 0; c < nc; c++) as__buf_printf(&sql, ", %s", as__feature_categorical[c]);
    for (int k = 0; k < nn; k++) as__buf_printf(&sql, ", %s", as__feature_numeric[k]);
    as__buf_printf(&sql, " FROM features WHERE %s ordered_at >= %lld ORDER BY rowid",
                   labelled_only ? "label IS NOT NULL AND" : "", (long long)from);
    as_status st = as__buf_cstr(&sql);
    sqlite3_stmt *q = NULL;
    if (st) { as__buf_free(&sql); return as__err(err, st, "out of memory"); }
    st = as__db_prepare(db, sql.data, &q, err);
    as__buf_free(&sql);
    if (st) {
        if (strstr(err->msg, "no such table"))
            return as__err(err, AS_ERR_STATE, "%s has no features yet; run `aftersales build --db %s` first",
                           db->path, db->path);
        return st;
    }
    memset(r, 0, sizeof *r);
    as__arena_init(&r->arena, 1 << 16);
    size_t cap = 0;
    int s;
    while ((s = sqlite3_step(q)) == SQLITE_ROW) {
        if (r->n == cap) {
            cap = cap ? cap * 2 : 4096;
            double *num = as__reallocarray(r->num, cap * (size_t)nn, sizeof *num);
            if (num) r->num = num;
            const char **cat = as__reallocarray(r->cat, cap * (size_t)nc, sizeof *cat);
            if (cat) r->cat = cat;
            double *y = as__reallocarray(r->y, cap, sizeof *y);
            if (y) r->y = y;
            int64_t *at = as__reallocarray(r->at, cap, sizeof *at);
            if (at) r->at = at;
            char **idv = ids ? as__reallocarray(*ids, cap * 4, sizeof **ids) : NULL;
            if (idv) *ids = idv;
            if (!num || !cat || !y || !at || (ids && !idv)) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
        }
        size_t i = r->n++;
        r->y[i] = sqlite3_column_type(q, 0) == SQLITE_NULL ? NAN : (double)sqlite3_column_int(q, 0);
        r->at[i] = sqlite3_column_int64(q, 1);
        if (ids) {
            for (int k = 0; k < 4; k++) {
                const unsigned char *t = sqlite3_column_text(q, 2 + k);
                (*ids)[i * 4 + k] = t ? as__arena_strndup(&r->arena, (const char *)t, strlen((const char *)t)) : NULL;
            }
        }
        for (int c = 0; c < nc; c++) {
            const unsigned char *t = sqlite3_column_text(q, 6 + c);
            r->cat[i * (size_t)nc + (size_t)c] = t ? as__arena_strndup(&r->arena, (const char *)t, strlen((const char *)t)) : NULL;
        }
        for (int k = 0; k < nn; k++) r->num[i * (size_t)nn + (size_t)k] = sqlite3_column_double(q, 6 + nc + k);
    }
    if (!st && s != SQLITE_DONE) st = as__err(err, AS_ERR_DB, "%s: %s", db->path, sqlite3_errmsg(db->sql));
    sqlite3_finalize(q);
    if (st) shop_rows_free(r);
    return st;
}

static as_status shop_model_spec(as_model *m, const shop_rows *r, const size_t *train, size_t n_train,
                                 size_t min_count) {
    int nn = as__n_feature_numeric, nc = as__n_feature_categorical;
    m->source = AS_MODEL_SHOP;
    m->n_num = (size_t)nn;
    m->num_names = as__calloc((size_t)nn, sizeof *m->num_names);
    m->n_cat = (size_t)nc;
    m->cats = as__calloc((size_t)nc, sizeof *m->cats);
    if (!m->num_names || !m->cats) return AS_ERR_NOMEM;
    for (int k = 0; k < nn; k++)
        if (!(m->num_names[k] = as__strdup(as__feature_numeric[k]))) return AS_ERR_NOMEM;
    const char **col = as__calloc(r->n ? r->n : 1, sizeof *col);
    if (!col) return AS_ERR_NOMEM;
    m->p = (size_t)nn;
    for (int c = 0; c < nc; c++) {
        for (size_t i = 0; i < r->n; i++) col[i] = r->cat[i * (size_t)nc + (size_t)c];
        if (!(m->cats[c].name = as__strdup(as__feature_categorical[c])) ||
            as__vocab_build_pooled(col, train, n_train, min_count, &m->cats[c].levels, &m->cats[c].n_levels,
                                   &m->cats[c].pooled, &m->cats[c].n_pooled)) {
            as__free(col);
            return AS_ERR_NOMEM;
        }
        m->p += as__catvar_width(&m->cats[c]);
    }
    as__free(col);
    m->n_classes = 2;
    m->class_labels = as__calloc(2, sizeof *m->class_labels);
    if (!m->class_labels || !(m->class_labels[0] = as__strdup("0")) || !(m->class_labels[1] = as__strdup("1")))
        return AS_ERR_NOMEM;
    return AS_OK;
}

/* Encodes all rows; counts the `test` rows that hold a category the training rows never had. */
static as_status encode_rows(const as_model *m, const double *num, const char **cat, size_t n, double **X,
                             const size_t *test, size_t n_test, int64_t *unseen) {
    *X = as__reallocarray(NULL, n * m->p, sizeof **X);
    unsigned char *has_unseen = as__calloc(n ? n : 1, 1);
    if (!*X || !has_unseen) { as__free(has_unseen); return AS_ERR_NOMEM; }
    for (size_t i = 0; i < n; i++)
        has_unseen[i] = as__model_encode(m, num + i * m->n_num, cat + i * m->n_cat, *X + i * m->p, NULL) > 0;
    *unseen = 0;
    for (size_t i = 0; i < n_test; i++) *unseen += has_unseen[test[i]];
    as__free(has_unseen);
    return AS_OK;
}

as_status as_train_db(as_db *db, const as_train_params *params, as_model **out, as_metrics_report *rep,
                      as_error *err) {
    as_train_params defaults = as_train_params_default();
    if (!params) params = &defaults;
    *out = NULL;
    memset(rep, 0, sizeof *rep);
    as_status st = as__train_params_check(params, err);
    if (st) return st;
    st = as__features_current(db, err);
    if (st) return st;
    shop_rows r;
    st = read_feature_rows(db, 1, INT64_MIN, &r, NULL, err);
    if (st) return st;
    if (r.n == 0) {
        shop_rows_free(&r);
        return as__err(err, AS_ERR_NODATA, "%s has no labelled purchase lines: the data must span more than the "
                       "label horizon (build --horizon)", db->path);
    }
    size_t *train = as__calloc(r.n, sizeof *train), *test = as__calloc(r.n, sizeof *test);
    size_t n_train = 0, n_test = 0;
    as_model *m = as__model_new();
    as_dataset d = {0};
    if (!train || !test || !m) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    char a[24], b[24], c[24], e[24], ntr[32], nte[32];
    if (params->split.kind == AS_SPLIT_RANDOM) {
        as__random_split(r.n, params->split.test_fraction, params->split.seed, train, &n_train, test, &n_test);
        snprintf(rep->split_desc, sizeof rep->split_desc, "random split: %.4g %% test, seed %u, %s train / %s test rows",
                 params->split.test_fraction * 100, params->split.seed, as__fmt_count((int64_t)n_train, ntr, sizeof ntr),
                 as__fmt_count((int64_t)n_test, nte, sizeof nte));
    } else if (params->split.kind == AS_SPLIT_STRATIFIED) {
        int *cls = as__calloc(r.n, sizeof *cls);
        if (!cls) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
        for (size_t i = 0; i < r.n; i++) cls[i] = r.y[i] > 0.5;
        st = as__stratified_split(cls, r.n, 2, params->split.test_fraction, params->split.seed, train, &n_train, test,
                                  &n_test, err);
        as__free(cls);
        if (st) goto out;
        snprintf(rep->split_desc, sizeof rep->split_desc, "stratified split: %.4g %% test, seed %u, %s train / %s test rows",
                 params->split.test_fraction * 100, params->split.seed, as__fmt_count((int64_t)n_train, ntr, sizeof ntr),
                 as__fmt_count((int64_t)n_test, nte, sizeof nte));
    } else {
        int64_t cutoff = params->split.cutoff;
        if (!cutoff) {
            double f = params->split.test_fraction > 0 ? params->split.test_fraction : 0.15;
            size_t idx = (size_t)floor((double)r.n * (1.0 - f));
            if (idx >= r.n) idx = r.n - 1;
            cutoff = r.at[idx];
        }
        for (size_t i = 0; i < r.n; i++) {
            if (r.at[i] < cutoff) train[n_train++] = i;
            else test[n_test++] = i;
        }
        if (!n_train || !n_test) {
            as_time_format(cutoff, 1, a, sizeof a);
            as_time_format(r.at[0], 1, b, sizeof b);
            as_time_format(r.at[r.n - 1], 1, c, sizeof c);
            st = as__err(err, AS_ERR_INVALID, "time split at %s leaves no %s rows: labelled purchases run from %s to %s; "
                         "choose a cutoff inside that range", a, n_train ? "test" : "training", b, c);
            goto out;
        }
        rep->train_start = r.at[train[0]];
        rep->train_end = r.at[train[n_train - 1]];
        rep->test_start = r.at[test[0]];
        rep->test_end = r.at[test[n_test - 1]];
        as_time_format(rep->train_start, 1, a, sizeof a);
        as_time_format(rep->train_end, 1, b, sizeof b);
        as_time_format(rep->test_start, 1, c, sizeof c);
        as_time_format(rep->test_end, 1, e, sizeof e);
        snprintf(rep->split_desc, sizeof rep->split_desc,
                 "time split: train %s .. %s (%s rows), test %s .. %s (%s rows)", a, b,
                 as__fmt_count((int64_t)n_train, ntr, sizeof ntr), c, e, as__fmt_count((int64_t)n_test, nte, sizeof nte));
    }
    if ((st = shop_model_spec(m, &r, train, n_train, params->min_level_count))) { as__err(err, st, "out of memory"); goto out; }
    for (size_t v = 0; v < m->n_cat; v++) rep->pooled_levels += (int64_t)m->cats[v].n_pooled;
    {
        char v[32];
        as_error ignore;
        if (as__db_meta_get(db, "build_horizon_days", v, sizeof v, &ignore) == AS_OK) m->horizon_days = atoi(v);
    }
    d.n = r.n;
    d.p = m->p;
    d.y = r.y;
    d.at = r.at;
    if ((st = encode_rows(m, r.num, r.cat, r.n, &d.X, test, n_test, &rep->unseen_categories))) {
        as__err(err, st, "out of memory");
        goto out;
    }
    st = as__fit_and_evaluate(m, &d, train, n_train, test, n_test, params, rep, err);
out:
    as__free(d.X);
    as__free(train);
    as__free(test);
    shop_rows_free(&r);
    if (st) { as_model_free(m); return st; }
    m->report = *rep;
    *out = m;
    return AS_OK;
}
