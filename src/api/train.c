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
    p.sample_seed = 42;
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

/* ---- shop flow: where the rows come from (table, columns) and what they are labelled with ---- */

const char *as__target_level_name(int level) { return level == AS_TARGET_ORDER ? "order" : "line"; }
const char *as__target_label_name(int label) {
    return label == AS_LABEL_KIND ? "kind" : label == AS_LABEL_REASON ? "reason" : "any";
}
const char *as__feature_set_name(int set) { return set == AS_FEATURES_MAIN ? "main" : "all"; }

void as__target_describe(int level, int label, int horizon_days, char *buf, size_t size) {
    const char *what = label == AS_LABEL_KIND ? "case kind" : label == AS_LABEL_REASON ? "reason class" : "any case";
    char within[48] = "";
    if (horizon_days > 0) snprintf(within, sizeof within, " within %d days", horizon_days);
    snprintf(buf, size, "%s: %s%s", level == AS_TARGET_ORDER ? "order" : "order line", what, within);
}

void as__sql_ident(as_buf *sql, const char *name) {
    as__buf_putc(sql, '"');
    for (const char *p = name; *p; p++) {
        if (*p == '"') as__buf_putc(sql, '"');
        as__buf_putc(sql, *p);
    }
    as__buf_putc(sql, '"');
}

as_status as__table_columns(as_db *db, const char *table, as_strmap *cols, size_t *n_cols, as_error *err) {
    as__strmap_init(cols);
    *n_cols = 0;
    as_buf sql;
    as__buf_init(&sql, 0);
    as__buf_printf(&sql, "PRAGMA table_info(");
    as__sql_ident(&sql, table);
    as_status st = as__buf_printf(&sql, ")");
    if (!st) st = as__buf_cstr(&sql);
    sqlite3_stmt *q = NULL;
    if (st) st = as__err(err, AS_ERR_NOMEM, "out of memory");
    else st = as__db_prepare(db, sql.data, &q, err);
    as__buf_free(&sql);
    if (st) return st;
    int s;
    while ((s = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 1);
        int ins;
        if (!name) continue;
        if (!as__strmap_upsert(cols, name, strlen(name), (int64_t)*n_cols, &ins)) {
            st = as__err(err, AS_ERR_NOMEM, "out of memory");
            break;
        }
        (*n_cols)++;
    }
    if (!st && s != SQLITE_DONE) st = as__err(err, AS_ERR_DB, "%s: %s", db->path, sqlite3_errmsg(db->sql));
    sqlite3_finalize(q);
    return st;
}

/* A meta value of any length (column lists outgrow a fixed buffer); NULL with *st = AS_OK when absent. */
static char *meta_text(as_db *db, const char *key, as_status *st, as_error *err) {
    sqlite3_stmt *q = NULL;
    *st = as__db_prepare(db, "SELECT value FROM meta WHERE key = ?", &q, err);
    if (*st) return NULL;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    char *out = NULL;
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) {
        out = as__strdup((const char *)sqlite3_column_text(q, 0));
        if (!out) *st = as__err(err, AS_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(q);
    return out;
}

static void free_names(char **v, size_t n) {
    for (size_t i = 0; v && i < n; i++) as__free(v[i]);
    as__free(v);
}

/* "a, b,c" → {"a", "b", "c"} (empty entries skipped). */
static as_status split_names(const char *text, char ***out, size_t *n) {
    size_t cap = 1;
    for (const char *p = text; *p; p++) cap += *p == ',';
    *out = as__calloc(cap, sizeof **out);
    *n = 0;
    if (!*out) return AS_ERR_NOMEM;
    const char *p = text;
    for (;;) {
        size_t len = strcspn(p, ",");
        const char *a = p, *b = p + len;
        while (a < b && (*a == ' ' || *a == '\t' || *a == '\n')) a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n')) b--;
        if (b > a) {
            char *s = as__calloc((size_t)(b - a) + 1, 1);
            if (!s) return AS_ERR_NOMEM;
            memcpy(s, a, (size_t)(b - a));
            (*out)[(*n)++] = s;
        }
        if (!p[len]) break;
        p += len + 1;
    }
    return AS_OK;
}

static as_status static_names(const char *const *names, int n, char ***out, size_t *n_out) {
    *out = as__calloc(n ? (size_t)n : 1, sizeof **out);
    *n_out = 0;
    if (!*out) return AS_ERR_NOMEM;
    for (int k = 0; k < n; k++) {
        if (!((*out)[k] = as__strdup(names[k]))) return AS_ERR_NOMEM;
        *n_out = (size_t)k + 1;
    }
    return AS_OK;
}

void as__shop_source_free(as_shop_source *src) {
    free_names(src->num, src->n_num);
    free_names(src->cat, src->n_cat);
    src->num = src->cat = NULL;
    src->n_num = src->n_cat = 0;
}

as_status as__shop_source(as_db *db, int level, int feature_set, as_shop_source *src, as_error *err) {
    memset(src, 0, sizeof *src);
    src->level = level;
    src->table = level == AS_TARGET_ORDER ? "order_features" : "features";
    if (level == AS_TARGET_ORDER && feature_set == AS_FEATURES_MAIN)
        return as__err(err, AS_ERR_INVALID, "--features main is the main job's line-level feature set (its 36 "
                       "numeric columns and category); an order-level model has no such set: use --features all, "
                       "or --target line to compare the two sets");
    as_strmap cols;
    size_t n_cols = 0;
    as_status st = as__table_columns(db, src->table, &cols, &n_cols, err);
    if (st) { as__strmap_free(&cols); return st; }
    char *nums = NULL, *cats = NULL;
    char built[16] = "";
    {
        as_error ignore;
        if (as__db_meta_get(db, "build_feature_set", built, sizeof built, &ignore) != AS_OK) built[0] = '\0';
    }
    if (n_cols == 0 && level == AS_TARGET_ORDER && strcmp(built, "main") == 0) {
        st = as__err(err, AS_ERR_STATE, "%s was built with --features main, which writes no order-level table; run "
                     "`aftersales build --db %s` (the whole library) for order-level models", db->path, db->path);
        goto out;
    }
    if (n_cols == 0) {
        st = level == AS_TARGET_ORDER
                 ? as__err(err, AS_ERR_STATE, "%s has no order-level features (table order_features): its features "
                           "were built before order-level targets existed; run `aftersales build --db %s` again",
                           db->path, db->path)
                 : as__err(err, AS_ERR_STATE, "%s has no features yet; run `aftersales build --db %s` first",
                           db->path, db->path);
        goto out;
    }
    src->has_label_text = as__strmap_get(&cols, "label_kind", 10) && as__strmap_get(&cols, "label_reason", 12);
    nums = meta_text(db, level == AS_TARGET_ORDER ? "order_feature_numeric" : "feature_numeric", &st, err);
    if (!st) cats = meta_text(db, level == AS_TARGET_ORDER ? "order_feature_categorical" : "feature_categorical", &st, err);
    if (st) goto out;
    if (nums && feature_set != AS_FEATURES_MAIN) {
        src->from_meta = 1;
        if (split_names(nums, &src->num, &src->n_num) || split_names(cats ? cats : "", &src->cat, &src->n_cat)) {
            st = as__err(err, AS_ERR_NOMEM, "out of memory");
            goto out;
        }
    } else if (level == AS_TARGET_ORDER) {
        st = as__err(err, AS_ERR_STATE, "%s does not list its order-level feature columns (meta key "
                     "order_feature_numeric): it was built by an earlier version; run `aftersales build --db %s` "
                     "again", db->path, db->path);
        goto out;
    } else {
        src->from_meta = nums != NULL;
        if (static_names(as__feature_numeric, as__n_feature_numeric, &src->num, &src->n_num) ||
            static_names(as__feature_categorical, as__n_feature_categorical, &src->cat, &src->n_cat)) {
            st = as__err(err, AS_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    if (src->n_num + src->n_cat == 0) {
        st = as__err(err, AS_ERR_STATE, "%s lists no feature columns for table %s; run `aftersales build --db %s` "
                     "again", db->path, src->table, db->path);
        goto out;
    }
    for (size_t k = 0; k < src->n_num + src->n_cat; k++) {
        const char *name = k < src->n_num ? src->num[k] : src->cat[k - src->n_num];
        if (!as__strmap_get(&cols, name, strlen(name))) {
            st = as__err(err, AS_ERR_STATE, "the %s table of %s has no column '%s'%s; run `aftersales build --db %s` "
                         "again", src->table, db->path, name,
                         feature_set == AS_FEATURES_MAIN ? " of the main job's feature set" : " that build listed",
                         db->path);
            goto out;
        }
    }
out:
    as__free(nums);
    as__free(cats);
    as__strmap_free(&cols);
    if (st) as__shop_source_free(src);
    return st;
}

typedef struct shop_rows {
    size_t n;
    size_t n_num, n_cat;
    double *num;          /* n × n_num; a NULL cell reads as NaN */
    const char **cat;     /* n × n_cat; a NULL cell reads as AS_MISSING_LEVEL */
    double *y;            /* binary target: 0 / 1; multiclass: class codes once the classes are known */
    const char **ytext;   /* multiclass target: the raw class of each row (interned), else NULL */
    int64_t *at;
    as_strmap interned;   /* text values are stored once: a category repeats in millions of rows */
    char **pool;
    size_t n_pool, cap_pool;
    as_arena arena;
} shop_rows;

static void shop_rows_free(shop_rows *r) {
    as__free(r->num); as__free(r->cat); as__free(r->y); as__free(r->ytext); as__free(r->at); as__free(r->pool);
    as__strmap_free(&r->interned);
    as__arena_free(&r->arena);
}

static const char *intern(shop_rows *r, const unsigned char *text) {
    const char *t = text ? (const char *)text : AS_MISSING_LEVEL;
    size_t len = strlen(t);
    int ins;
    int64_t *v = as__strmap_upsert(&r->interned, t, len, (int64_t)r->n_pool, &ins);
    if (!v) return NULL;
    if (ins) {
        if (r->n_pool == r->cap_pool) {
            size_t cap = r->cap_pool ? r->cap_pool * 2 : 256;
            char **p = as__reallocarray(r->pool, cap, sizeof *p);
            if (!p) return NULL;
            r->pool = p;
            r->cap_pool = cap;
        }
        if (!(r->pool[r->n_pool] = as__arena_strndup(&r->arena, t, len))) return NULL;
        r->n_pool++;
    }
    return r->pool[*v];
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

static const char *label_column(int label) {
    return label == AS_LABEL_KIND ? "label_kind" : label == AS_LABEL_REASON ? "label_reason" : "label";
}

/* Reads the labelled rows of the source table in time (rowid) order. Progress ("load") is rows read against the
 * labelled rows build counted (meta), or the rowid reached against the table's largest for a database built
 * before it counted them. */
/* Puts row `from` of r where row `to` is (from ≠ to; rows are moved whole, so a row's cells stay together). */
static void move_row(shop_rows *r, size_t to, size_t from) {
    size_t nn = r->n_num, nc = r->n_cat;
    memcpy(r->num + to * nn, r->num + from * nn, nn * sizeof *r->num);
    memcpy(r->cat + to * nc, r->cat + from * nc, nc * sizeof *r->cat);
    r->y[to] = r->y[from];
    if (r->ytext) r->ytext[to] = r->ytext[from];
    r->at[to] = r->at[from];
}

typedef struct seq_slot {
    int64_t seq;
    size_t slot;
} seq_slot;

static int by_seq(const void *a, const void *b) {
    int64_t x = ((const seq_slot *)a)->seq, y = ((const seq_slot *)b)->seq;
    return (x > y) - (x < y);
}

/* Reorders the sampled rows by their position in the table (seq): the sample keeps time order, which the time
 * split and the time-ordered folds rely on. Cycle by cycle through the permutation, with one row aside. */
static as_status sort_sample(shop_rows *r, int64_t *seq) {
    size_t n = r->n, nn = r->n_num, nc = r->n_cat;
    size_t *order = as__reallocarray(NULL, n ? n : 1, sizeof *order);
    double *num = as__reallocarray(NULL, nn ? nn : 1, sizeof *num);
    const char **cat = as__reallocarray(NULL, nc ? nc : 1, sizeof *cat);
    unsigned char *done = as__calloc(n ? n : 1, 1);
    if (!order || !num || !cat || !done) {
        as__free(order); as__free(num); as__free(cat); as__free(done);
        return AS_ERR_NOMEM;
    }
    /* order[k] = the slot holding the k-th row by seq (seq values are distinct): sort (seq, slot) pairs */
    seq_slot *pairs = as__reallocarray(NULL, n ? n : 1, sizeof *pairs);
    if (!pairs) {
        as__free(order); as__free(num); as__free(cat); as__free(done);
        return AS_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) pairs[i] = (seq_slot){seq[i], i};
    qsort(pairs, n, sizeof *pairs, by_seq);
    for (size_t k = 0; k < n; k++) order[k] = pairs[k].slot;
    as__free(pairs);
    for (size_t k = 0; k < n; k++) {
        if (done[k] || order[k] == k) { done[k] = 1; continue; }
        /* the cycle k ← order[k] ← order[order[k]] …: save row k, pull each row into place, finish with it */
        memcpy(num, r->num + k * nn, nn * sizeof *num);
        memcpy(cat, r->cat + k * nc, nc * sizeof *cat);
        double y = r->y[k];
        const char *yt = r->ytext ? r->ytext[k] : NULL;
        int64_t at = r->at[k], sq = seq[k];
        size_t to = k;
        while (order[to] != k) {
            size_t from = order[to];
            move_row(r, to, from);
            seq[to] = seq[from];
            done[to] = 1;
            to = from;
        }
        memcpy(r->num + to * nn, num, nn * sizeof *num);
        memcpy(r->cat + to * nc, cat, nc * sizeof *cat);
        r->y[to] = y;
        if (r->ytext) r->ytext[to] = yt;
        r->at[to] = at;
        seq[to] = sq;
        done[to] = 1;
    }
    as__free(order); as__free(num); as__free(cat); as__free(done);
    return AS_OK;
}

/* splitmix64: the sample's random numbers (small, seedable, the same on every platform). */
static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Reads the labelled rows of the source table in time (rowid) order — all of them, or with params->max_rows a
 * uniform sample of that many (Algorithm R: row t, counted from 0, replaces a random slot with probability
 * max_rows / (t + 1)), returned in time order. *seen receives the labelled rows read. */
static as_status read_shop_rows(as_db *db, const as_shop_source *src, int label, const as_train_params *params,
                                shop_rows *r, int64_t *seen, as_error *err) {
    size_t nn = src->n_num, nc = src->n_cat;
    int text_label = label != AS_LABEL_ANY;
    as_buf sql;
    as__buf_init(&sql, 0);
    as__buf_printf(&sql, "SELECT ordered_at, %s", label_column(label));
    for (size_t c = 0; c < nc; c++) { as__buf_printf(&sql, ", "); as__sql_ident(&sql, src->cat[c]); }
    for (size_t k = 0; k < nn; k++) { as__buf_printf(&sql, ", "); as__sql_ident(&sql, src->num[k]); }
    as__buf_printf(&sql, ", rowid FROM %s WHERE %s IS NOT NULL ORDER BY rowid", src->table, label_column(label));
    as_status st = as__buf_cstr(&sql);
    sqlite3_stmt *q = NULL;
    if (st) { as__buf_free(&sql); return as__err(err, st, "out of memory"); }
    st = as__db_prepare(db, sql.data, &q, err);
    as__buf_free(&sql);
    if (st) return st;
    const int rowid_col = 2 + (int)(nc + nn);
    double last_rowid = 0;
    double labelled_rows = 0;
    if (params->progress) {
        char v[32];
        as_error ignore;   /* without a total the bar shows a count */
        if (as__db_meta_get(db, src->level == AS_TARGET_ORDER ? "build_labelled_orders" : "build_labelled_lines", v,
                            sizeof v, &ignore) == AS_OK)
            labelled_rows = strtod(v, NULL);
        if (!(labelled_rows > 0)) {
            sqlite3_stmt *mq = NULL;
            as_buf mx;
            as__buf_init(&mx, 0);
            as__buf_printf(&mx, "SELECT max(rowid) FROM %s", src->table);
            if (!as__buf_cstr(&mx) && as__db_prepare(db, mx.data, &mq, &ignore) == AS_OK &&
                sqlite3_step(mq) == SQLITE_ROW)
                last_rowid = sqlite3_column_double(mq, 0);
            sqlite3_finalize(mq);
            as__buf_free(&mx);
        }
        params->progress(params->progress_user, "load", 0, labelled_rows > 0 ? labelled_rows : last_rowid);
    }
    memset(r, 0, sizeof *r);
    r->n_num = nn;
    r->n_cat = nc;
    as__arena_init(&r->arena, 1 << 16);
    as__strmap_init(&r->interned);
    size_t cap = 0;
    int s;
    const int64_t max_rows = params->max_rows > 0 ? params->max_rows : 0;
    int64_t t = 0;                   /* labelled rows read so far */
    int64_t *seq = NULL;             /* sampling: each slot's row number in the table order */
    uint64_t rng = params->sample_seed;
    while ((s = sqlite3_step(q)) == SQLITE_ROW) {
        size_t i;
        if (max_rows && t >= max_rows) {
            /* the reservoir is full: row t takes slot j when j = uniform(0 … t) falls inside it */
            uint64_t j = (uint64_t)(((unsigned __int128)splitmix64(&rng) * (uint64_t)(t + 1)) >> 64);
            t++;
            if (params->progress && (t & 0xfff) == 0)
                params->progress(params->progress_user, "load", labelled_rows > 0 ? (double)t
                                                                                : sqlite3_column_double(q, rowid_col),
                                 labelled_rows > 0 ? labelled_rows : last_rowid);
            if (j >= (uint64_t)max_rows) continue;
            i = (size_t)j;
            seq[i] = t - 1;
            goto fill;
        }
        if (r->n == cap) {
            cap = cap ? cap * 2 : 4096;
            if (max_rows && cap > (size_t)max_rows) cap = (size_t)max_rows;
            if (max_rows) {
                int64_t *sq = as__reallocarray(seq, cap, sizeof *sq);
                if (!sq) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
                seq = sq;
            }
            double *num = as__reallocarray(r->num, cap * (nn ? nn : 1), sizeof *num);
            if (num) r->num = num;
            const char **cat = as__reallocarray(r->cat, cap * (nc ? nc : 1), sizeof *cat);
            if (cat) r->cat = cat;
            double *y = as__reallocarray(r->y, cap, sizeof *y);
            if (y) r->y = y;
            const char **yt = text_label ? as__reallocarray(r->ytext, cap, sizeof *yt) : NULL;
            if (yt) r->ytext = yt;
            int64_t *at = as__reallocarray(r->at, cap, sizeof *at);
            if (at) r->at = at;
            if (!num || !cat || !y || !at || (text_label && !yt)) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
        }
        i = r->n++;
        if (seq) seq[i] = t;
        t++;
    fill:
        r->at[i] = sqlite3_column_int64(q, 0);
        if (text_label) {
            r->y[i] = NAN;
            if (!(r->ytext[i] = intern(r, sqlite3_column_text(q, 1)))) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
        } else {
            r->y[i] = sqlite3_column_int(q, 1) != 0;
        }
        for (size_t c = 0; c < nc; c++)
            if (!(r->cat[i * nc + c] = intern(r, sqlite3_column_text(q, 2 + (int)c)))) {
                st = as__err(err, AS_ERR_NOMEM, "out of memory");
                break;
            }
        if (st) break;
        for (size_t k = 0; k < nn; k++) {
            int col = 2 + (int)(nc + k);
            r->num[i * nn + k] = sqlite3_column_type(q, col) == SQLITE_NULL ? NAN : sqlite3_column_double(q, col);
        }
        if (params->progress && (t & 0xfff) == 0)
            params->progress(params->progress_user, "load", labelled_rows > 0 ? (double)t
                                                                            : sqlite3_column_double(q, rowid_col),
                             labelled_rows > 0 ? labelled_rows : last_rowid);
    }
    if (!st && s != SQLITE_DONE) st = as__err(err, AS_ERR_DB, "%s: %s", db->path, sqlite3_errmsg(db->sql));
    sqlite3_finalize(q);
    if (!st && seq && t > max_rows && sort_sample(r, seq) != AS_OK) st = as__err(err, AS_ERR_NOMEM, "out of memory");
    as__free(seq);
    *seen = t;
    if (!st && params->progress) {
        double total = labelled_rows > 0 ? labelled_rows : last_rowid;
        params->progress(params->progress_user, "load", total, total);
    }
    if (st) shop_rows_free(r);
    return st;
}

/* The distinct raw classes of a multiclass target (interned pointers) and each row's raw class. */
#define MAX_RAW_CLASSES 256
typedef struct raw_class { const char *name; size_t train, test; int cls; } raw_class;

static as_status raw_classes(const shop_rows *r, raw_class *raw, int *n_raw, int *rid, const char *what,
                             as_error *err) {
    *n_raw = 0;
    for (size_t i = 0; i < r->n; i++) {
        int k = 0;
        while (k < *n_raw && raw[k].name != r->ytext[i]) k++;
        if (k == *n_raw) {
            if (k == MAX_RAW_CLASSES)
                return as__err(err, AS_ERR_INVALID, "the %s target has more than %d distinct values; it is not a class "
                               "label build writes (run `aftersales build` again)", what, MAX_RAW_CLASSES);
            memset(&raw[k], 0, sizeof raw[k]);
            raw[k].name = r->ytext[i];
            (*n_raw)++;
        }
        rid[i] = k;
    }
    return AS_OK;
}

static int cmp_raw_name(const void *a, const void *b) {
    return strcmp((*(raw_class *const *)a)->name, (*(raw_class *const *)b)->name);
}
static int cmp_raw_train_desc(const void *a, const void *b) {
    const raw_class *x = *(raw_class *const *)a, *y = *(raw_class *const *)b;
    return (x->train < y->train) - (x->train > y->train);
}

/* The classes of a multiclass target from the training rows: "none" first, then the other classes byte-wise,
 * then "other" holding every class seen in fewer than AS_TARGET_MIN_CLASS_ROWS training rows (and, beyond
 * AS_MAX_TARGET_CLASSES classes, the smallest ones). Test rows of a class no training row has count as "other"
 * when the model has it; otherwise they are left out of the test rows (a warning says how many). Fills m's
 * classes and r->y; may shorten the test list. */
static as_status assign_classes(shop_rows *r, raw_class *raw, int n_raw, const int *rid, const size_t *train,
                                size_t n_train, size_t *test, size_t *n_test, as_model *m, as_metrics_report *rep,
                                const char *what, as_error *err) {
    raw_class *kept[MAX_RAW_CLASSES];
    int n_kept = 0, merged = 0;
    for (size_t i = 0; i < n_train; i++) raw[rid[train[i]]].train++;
    for (size_t i = 0; i < *n_test; i++) raw[rid[test[i]]].test++;
    for (int k = 0; k < n_raw; k++) {
        raw[k].cls = -1;
        if (raw[k].train >= AS_TARGET_MIN_CLASS_ROWS && strcmp(raw[k].name, "other") != 0) kept[n_kept++] = &raw[k];
        else if (raw[k].train > 0) merged = 1;
    }
    /* Too many classes for the report's tables: the largest stay ("none" always), the rest join "other". */
    if (n_kept + merged > AS_MAX_TARGET_CLASSES) {
        qsort(kept, (size_t)n_kept, sizeof *kept, cmp_raw_train_desc);
        int none_at = -1;
        for (int k = 0; k < n_kept; k++) if (strcmp(kept[k]->name, "none") == 0) none_at = k;
        if (none_at >= AS_MAX_TARGET_CLASSES - 1) {   /* keep "none" among the survivors */
            raw_class *t = kept[AS_MAX_TARGET_CLASSES - 2];
            kept[AS_MAX_TARGET_CLASSES - 2] = kept[none_at];
            kept[none_at] = t;
        }
        n_kept = AS_MAX_TARGET_CLASSES - 1;
        merged = 1;
    }
    qsort(kept, (size_t)n_kept, sizeof *kept, cmp_raw_name);
    int K = 0;
    const char *labels[AS_MAX_TARGET_CLASSES];
    for (int k = 0; k < n_kept; k++)
        if (strcmp(kept[k]->name, "none") == 0) { kept[k]->cls = K; labels[K++] = kept[k]->name; }
    for (int k = 0; k < n_kept; k++)
        if (kept[k]->cls < 0) { kept[k]->cls = K; labels[K++] = kept[k]->name; }
    int other = merged ? K : -1;
    if (merged) labels[K++] = "other";
    if (K < 2) {
        const char *only = K ? labels[0] : "";
        return as__err(err, AS_ERR_NODATA, "the training rows hold one %s only ('%s'): a classifier needs two; "
                       "use --label any, or a longer history (more rows before the split)", what, only);
    }
    /* Say which classes were merged, and what happens to test-only classes. */
    char list[512] = "", unseen[512] = "";
    size_t o = 0, u = 0;
    size_t dropped = 0;
    for (int k = 0; k < n_raw; k++) {
        if (raw[k].cls >= 0) continue;
        if (raw[k].train > 0) {
            raw[k].cls = other;
            if (strcmp(raw[k].name, "other") != 0 && o < sizeof list)
                o += (size_t)snprintf(list + o, sizeof list - o, "%s'%s' (%zu training %s)", o ? ", " : "",
                                      raw[k].name, raw[k].train, raw[k].train == 1 ? "row" : "rows");
        } else {
            raw[k].cls = other;   /* −1 when the model has no "other": such test rows are left out */
            if (other < 0) dropped += raw[k].test;
            if (u < sizeof unseen)
                u += (size_t)snprintf(unseen + u, sizeof unseen - u, "%s'%s' (%zu)", u ? ", " : "", raw[k].name,
                                      raw[k].test);
        }
    }
    if (o)
        as__report_warn(rep, "values of the %s with fewer than %d training rows are merged into class 'other': %s",
                        what, AS_TARGET_MIN_CLASS_ROWS, list);
    if (u && other >= 0)
        as__report_warn(rep, "test rows of a %s no training row has count as 'other': %s", what, unseen);
    else if (u)
        as__report_warn(rep, "test rows of a %s no training row has are left out of the test metrics (the model "
                        "cannot predict a class it never saw): %s", what, unseen);
    for (size_t i = 0; i < r->n; i++) r->y[i] = raw[rid[i]].cls;
    if (dropped) {
        size_t w = 0;
        for (size_t i = 0; i < *n_test; i++)
            if (r->y[test[i]] >= 0) test[w++] = test[i];
        *n_test = w;
        if (!w) return as__err(err, AS_ERR_NODATA, "no test row is left: every test row has a %s no training row has",
                               what);
    }
    m->n_classes = K;
    m->class_labels = as__calloc((size_t)K, sizeof *m->class_labels);
    if (!m->class_labels) return as__err(err, AS_ERR_NOMEM, "out of memory");
    for (int k = 0; k < K; k++)
        if (!(m->class_labels[k] = as__strdup(labels[k]))) return as__err(err, AS_ERR_NOMEM, "out of memory");
    return AS_OK;
}

/* Class counts of the rows `idx` under the model's classes. */
static void class_balance(const as_model *m, const double *y, const size_t *idx, size_t n, as_class_balance *b) {
    memset(b, 0, sizeof *b);
    b->n = m->n_classes < AS_MAX_TARGET_CLASSES ? m->n_classes : AS_MAX_TARGET_CLASSES;
    for (int k = 0; k < b->n; k++) snprintf(b->name[k], sizeof b->name[k], "%s", m->class_labels[k]);
    for (size_t i = 0; i < n; i++) {
        int k = (int)y[idx[i]];
        if (k >= 0 && k < b->n) b->count[k]++;
    }
}

/* numpy's median of the finite training values of each numeric column (0 when a column has none): the value a
 * NULL cell takes for logistic regression, which cannot take a hole. Quickselect: linear time per column. */
static double select_kth(double *a, size_t n, size_t k) {
#define SWAP_D(x, y) do { double t_ = (x); (x) = (y); (y) = t_; } while (0)
    size_t l = 0, ir = n - 1;
    for (;;) {   /* Numerical Recipes' select: median-of-three pivot, Hoare partition (fast on ties) */
        if (ir <= l + 1) {
            if (ir == l + 1 && a[ir] < a[l]) SWAP_D(a[l], a[ir]);
            return a[k];
        }
        size_t mid = (l + ir) / 2;
        SWAP_D(a[mid], a[l + 1]);
        if (a[l] > a[ir]) SWAP_D(a[l], a[ir]);
        if (a[l + 1] > a[ir]) SWAP_D(a[l + 1], a[ir]);
        if (a[l] > a[l + 1]) SWAP_D(a[l], a[l + 1]);
        size_t i = l + 1, j = ir;
        double x = a[l + 1];
        for (;;) {
            do i++; while (a[i] < x);
            do j--; while (a[j] > x);
            if (j < i) break;
            SWAP_D(a[i], a[j]);
        }
        a[l + 1] = a[j];
        a[j] = x;
        if (j >= k) ir = j - 1;
        if (j <= k) l = i;
    }
#undef SWAP_D
}

static as_status numeric_medians(as_model *m, const shop_rows *r, const size_t *train, size_t n_train) {
    double *v = as__reallocarray(NULL, n_train ? n_train : 1, sizeof *v);
    m->num_fill = as__calloc(m->n_num ? m->n_num : 1, sizeof *m->num_fill);
    if (!v || !m->num_fill) { as__free(v); return AS_ERR_NOMEM; }
    for (size_t k = 0; k < m->n_num; k++) {
        size_t c = 0;
        for (size_t i = 0; i < n_train; i++) {
            double x = r->num[train[i] * r->n_num + k];
            if (isfinite(x)) v[c++] = x;
        }
        if (!c) { m->num_fill[k] = 0; continue; }
        double hi = select_kth(v, c, c / 2);
        if (c % 2) { m->num_fill[k] = hi; continue; }
        double lo = v[0];   /* the largest of the lower half: select_kth left every value below hi before it */
        for (size_t i = 1; i < c / 2; i++) if (v[i] > lo) lo = v[i];
        m->num_fill[k] = (lo + hi) / 2.0;
    }
    as__free(v);
    return AS_OK;
}

static as_status shop_model_spec(as_model *m, const as_shop_source *src, const shop_rows *r, const size_t *train,
                                 size_t n_train, size_t min_count) {
    m->source = AS_MODEL_SHOP;
    m->n_num = src->n_num;
    m->num_names = as__calloc(src->n_num ? src->n_num : 1, sizeof *m->num_names);
    m->n_cat = src->n_cat;
    m->cats = as__calloc(src->n_cat ? src->n_cat : 1, sizeof *m->cats);
    if (!m->num_names || !m->cats) return AS_ERR_NOMEM;
    for (size_t k = 0; k < src->n_num; k++)
        if (!(m->num_names[k] = as__strdup(src->num[k]))) return AS_ERR_NOMEM;
    const char **col = as__calloc(r->n ? r->n : 1, sizeof *col);
    if (!col) return AS_ERR_NOMEM;
    m->p = src->n_num;
    for (size_t c = 0; c < src->n_cat; c++) {
        for (size_t i = 0; i < r->n; i++) col[i] = r->cat[i * src->n_cat + c];
        if (!(m->cats[c].name = as__strdup(src->cat[c])) ||
            as__vocab_build_pooled(col, train, n_train, min_count, &m->cats[c].levels, &m->cats[c].n_levels,
                                   &m->cats[c].pooled, &m->cats[c].n_pooled)) {
            as__free(col);
            return AS_ERR_NOMEM;
        }
        m->p += as__catvar_width(&m->cats[c]);
    }
    as__free(col);
    return AS_OK;
}

static as_status binary_classes(as_model *m) {
    m->n_classes = 2;
    m->class_labels = as__calloc(2, sizeof *m->class_labels);
    if (!m->class_labels || !(m->class_labels[0] = as__strdup("0")) || !(m->class_labels[1] = as__strdup("1")))
        return AS_ERR_NOMEM;
    return AS_OK;
}

/* Encodes all rows into the buffer of the raw numeric columns (*num, n × n_num, which becomes *X, n × p): the raw
 * and the encoded matrix are each about as large as the data, and holding both was the peak of training. An
 * encoded row is never narrower (p = n_num + the one-hot columns), so row i's encoded block starts at or after
 * where its raw row does and ends after every earlier raw row: encoding from the last row back, each raw row is
 * read (copied aside) before anything overwrites it. Counts the `test` rows that hold a category the training
 * rows never had. On failure *num is left as it was. */
static as_status encode_rows(const as_model *m, double **num, const char **cat, size_t n, double **X,
                             const size_t *test, size_t n_test, int64_t *unseen, int64_t *imputed) {
    size_t nn = m->n_num, p = m->p;
    double *raw = as__reallocarray(NULL, nn ? nn : 1, sizeof *raw);
    unsigned char *has_unseen = as__calloc(n ? n : 1, 1);
    double *buf = raw && has_unseen ? as__reallocarray(*num, (n ? n : 1) * (p ? p : 1), sizeof *buf) : NULL;
    if (!buf) { as__free(raw); as__free(has_unseen); return AS_ERR_NOMEM; }
    *num = NULL;
    *X = buf;
    for (size_t i = n; i-- > 0;) {
        memcpy(raw, buf + i * nn, nn * sizeof *raw);
        has_unseen[i] = as__model_encode(m, raw, cat + i * m->n_cat, buf + i * p, imputed) > 0;
    }
    as__free(raw);
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
    if (params->target_level < AS_TARGET_LINE || params->target_level > AS_TARGET_ORDER ||
        params->target_label < AS_LABEL_ANY || params->target_label > AS_LABEL_REASON ||
        params->feature_set < AS_FEATURES_ALL || params->feature_set > AS_FEATURES_MAIN)
        return as__err(err, AS_ERR_INVALID, "unknown target level %d, label %d or feature set %d (use line|order, "
                       "any|kind|reason, all|main)", params->target_level, params->target_label, params->feature_set);
    st = as__features_current(db, err);
    if (st) return st;
    as_shop_source src;
    st = as__shop_source(db, params->target_level, params->feature_set, &src, err);
    if (st) return st;
    const int multiclass = params->target_label != AS_LABEL_ANY;
    const char *what = params->target_label == AS_LABEL_KIND ? "case kind" : "reason class";
    if (multiclass && !src.has_label_text) {
        as__shop_source_free(&src);
        return as__err(err, AS_ERR_STATE, "%s has no %s labels (column %s of %s): its features were built before "
                       "multiclass targets existed; run `aftersales build --db %s` again", db->path, what,
                       label_column(params->target_label), src.table, db->path);
    }
    int horizon = 0;
    {
        char v[32];
        as_error ignore;
        if (as__db_meta_get(db, "build_horizon_days", v, sizeof v, &ignore) == AS_OK) horizon = atoi(v);
    }
    shop_rows r;
    int64_t labelled = 0;
    st = read_shop_rows(db, &src, params->target_label, params, &r, &labelled, err);
    if (st) { as__shop_source_free(&src); return st; }
    if (r.n == 0) {
        shop_rows_free(&r);
        as__shop_source_free(&src);
        return as__err(err, AS_ERR_NODATA, "%s has no labelled %s: the data must span more than the label horizon "
                       "(build --horizon)", db->path, params->target_level == AS_TARGET_ORDER ? "orders"
                                                                                             : "purchase lines");
    }
    size_t *train = as__calloc(r.n, sizeof *train), *test = as__calloc(r.n, sizeof *test);
    int *rid = multiclass ? as__calloc(r.n, sizeof *rid) : NULL;
    raw_class *raw = multiclass ? as__calloc(MAX_RAW_CLASSES, sizeof *raw) : NULL;
    int n_raw = 0;
    size_t n_train = 0, n_test = 0;
    as_model *m = as__model_new();
    as_dataset d = {0};
    if (!train || !test || !m || (multiclass && (!rid || !raw))) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    if (multiclass && (st = raw_classes(&r, raw, &n_raw, rid, what, err))) goto out;
    char a[24], b[24], c[24], e[24], ntr[32], nte[32];
    if (params->split.kind == AS_SPLIT_RANDOM) {
        as__random_split(r.n, params->split.test_fraction, params->split.seed, train, &n_train, test, &n_test);
        snprintf(rep->split_desc, sizeof rep->split_desc, "random split: %.4g %% test, seed %u, %s train / %s test rows",
                 params->split.test_fraction * 100, params->split.seed, as__fmt_count((int64_t)n_train, ntr, sizeof ntr),
                 as__fmt_count((int64_t)n_test, nte, sizeof nte));
    } else if (params->split.kind == AS_SPLIT_STRATIFIED) {
        int *cls = as__calloc(r.n, sizeof *cls);
        if (!cls) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
        /* multiclass: stratified by the raw classes (the merge into "other" needs the training rows first) */
        for (size_t i = 0; i < r.n; i++) cls[i] = multiclass ? rid[i] : r.y[i] > 0.5;
        st = as__stratified_split(cls, r.n, multiclass ? n_raw : 2, params->split.test_fraction, params->split.seed,
                                  train, &n_train, test, &n_test, err);
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
            st = as__err(err, AS_ERR_INVALID, "time split at %s leaves no %s rows: labelled %s run from %s to %s; "
                         "choose a cutoff inside that range", a, n_train ? "test" : "training",
                         params->target_level == AS_TARGET_ORDER ? "orders" : "purchases", b, c);
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
    if (multiclass) {
        if ((st = assign_classes(&r, raw, n_raw, rid, train, n_train, test, &n_test, m, rep, what, err))) goto out;
    } else if ((st = binary_classes(m))) {
        as__err(err, st, "out of memory");
        goto out;
    }
    if ((st = shop_model_spec(m, &src, &r, train, n_train, params->min_level_count))) { as__err(err, st, "out of memory"); goto out; }
    for (size_t v = 0; v < m->n_cat; v++) rep->pooled_levels += (int64_t)m->cats[v].n_pooled;
    /* A NULL number (a fact build could not know, such as a delay without a delivery date): boosted trees keep
     * it as missing; logistic regression takes the training median. */
    m->impute = params->model_kind == AS_MODEL_GBDT ? AS_IMPUTE_KEEP : AS_IMPUTE_MEDIAN;
    if (m->impute == AS_IMPUTE_MEDIAN && (st = numeric_medians(m, &r, train, n_train))) {
        as__err(err, st, "out of memory");
        goto out;
    }
    m->horizon_days = horizon;
    {
        char v[32];
        as_error ignore;
        if (as__db_meta_get(db, "build_moment", v, sizeof v, &ignore) == AS_OK) m->build_moment = strcmp(v, "delivery") == 0;
        if (as__db_meta_get(db, "build_hash_buckets", v, sizeof v, &ignore) == AS_OK) m->build_hash_buckets = atoi(v);
    }
    {
        char sid[64];
        as_error ignore;
        if (as__db_meta_get(db, "shop_id", sid, sizeof sid, &ignore) == AS_OK && !(m->shop_id = as__strdup(sid))) {
            st = as__err(err, AS_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    m->target_level = params->target_level;
    m->target_label = params->target_label;
    m->feature_set = params->feature_set;
    as__target_describe(params->target_level, params->target_label, horizon, rep->target_desc, sizeof rep->target_desc);
    if (!(m->target = as__strdup(label_column(params->target_label))) ||
        !(m->target_desc = as__strdup(rep->target_desc))) {
        st = as__err(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    rep->target_level = params->target_level;
    rep->target_label = params->target_label;
    rep->feature_set = params->feature_set;
    class_balance(m, r.y, train, n_train, &rep->balance_train);
    class_balance(m, r.y, test, n_test, &rep->balance_test);
    d.n = r.n;
    d.p = m->p;
    d.y = r.y;
    d.at = r.at;
    d.disposable = 1;   /* freed below, after the fit */
    if ((st = encode_rows(m, &r.num, r.cat, r.n, &d.X, test, n_test, &rep->unseen_categories, &rep->imputed_values))) {
        as__err(err, st, "out of memory");
        goto out;
    }
    as__free(r.cat);   /* encoded now */
    r.cat = NULL;
    st = as__fit_and_evaluate(m, &d, train, n_train, test, n_test, params, rep, err);
    rep->rows_labelled = labelled;
    if (!st && labelled > (int64_t)r.n) {
        char a1[32], a2[32];
        rep->rows_sampled = (int64_t)r.n;
        rep->sample_seed = params->sample_seed;
        as__report_warn(rep, "trained and tested on a uniform sample of %s of the %s labelled rows (--max-rows, seed "
                        "%u): every figure here is the sample's", as__fmt_count((int64_t)r.n, a1, sizeof a1),
                        as__fmt_count(labelled, a2, sizeof a2), params->sample_seed);
    } else if (!st && params->max_rows > 0) {
        char a1[32], a2[32];
        as__report_warn(rep, "--max-rows %s is not below the %s labelled rows: every row was used, no sample",
                        as__fmt_count(params->max_rows, a1, sizeof a1), as__fmt_count(labelled, a2, sizeof a2));
    }
    if (!st && rep->imputed_values > 0)
        snprintf(rep->opt_impute, sizeof rep->opt_impute, "%s", m->impute == AS_IMPUTE_KEEP ? "keep" : "median");
out:
    as__free(d.X);
    as__free(train);
    as__free(test);
    as__free(rid);
    as__free(raw);
    shop_rows_free(&r);
    as__shop_source_free(&src);
    if (st) { as_model_free(m); return st; }
    m->report = *rep;
    *out = m;
    return AS_OK;
}
