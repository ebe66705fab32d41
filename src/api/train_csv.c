/*
 * The seed's generic flow on any flat CSV with a target column. What it does, in the seed's order:
 *   read (typed over whole columns) → drop a column named `split` (and --drop columns) → rows without a target
 *   are left out → missing feature values: drop the row (the seed's dropna, default for logistic regression),
 *   impute (median / most frequent, learned on the training rows) or keep as NaN (boosted trees) →
 *   split (scikit-learn's rows: random or stratified) → text columns one-hot (vocabulary from the training rows,
 *   sorted as pandas.get_dummies sorts it; rare values optionally pooled) → the modelling step (fit.c).
 * Two target values make a binary model (class 1 = the larger in scikit-learn's sorted order, or --positive);
 * three or more a multinomial one (or one-vs-rest with --positive).
 * Timestamp columns enter as seconds since 1970 (pandas would leave them as text and one-hot them).
 *
 * Memory: the table is read in blocks by all cores (table/table_par.c), the encoded matrix is written straight
 * from its columns, and the table is released before the model is fitted, so what the fit starts with is the
 * encoded matrix and the row lists.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pipeline.h"
#include "table/table.h"

static void value_text(const as_column *c, size_t row, char *buf, size_t size) {
    if (c->type == AS_COL_TEXT) snprintf(buf, size, "%s", c->text[row]);
    else if (c->type == AS_COL_INT) snprintf(buf, size, "%.0f", c->num[row]);
    else snprintf(buf, size, "%.17g", c->num[row]);
}

static int is_missing(const as_column *c, size_t row) {
    return c->type == AS_COL_TEXT ? c->text[row] == NULL : isnan(c->num[row]);
}

static int is_numeric(const as_column *c) { return c->type != AS_COL_TEXT; }

/* A text column whose values are numbers but for a few (a typo, a stray "abc"): at least 90 % of its values
 * among the kept rows read as numbers. Gives how many do not and the first of them (its table row), so the
 * message can name the value instead of calling the column free text or one-hot encoding it in silence. The
 * table stores each distinct text once, so a value repeated on consecutive rows is parsed once. */
static int mostly_numbers(const as_column *col, const size_t *rows, size_t n, size_t *n_text, size_t *first) {
    size_t numbers = 0, texts = 0;
    const char *last = NULL;
    int last_is_number = 0;
    double v;
    for (size_t i = 0; i < n; i++) {
        const char *t = col->text[rows[i]];
        if (!t) continue;
        if (t != last) {
            last = t;
            last_is_number = as__parse_number(t, strlen(t), &v) != AS_NUM_NONE;
        }
        if (last_is_number) numbers++;
        else if (!texts++) *first = rows[i];
    }
    *n_text = texts;
    return texts && numbers >= 9 * texts;
}

/* Sorted as numpy sorts the labels: numerically for a numeric column, byte-wise for text. */
typedef struct class_value { char text[256]; double num; int id; } class_value;
static int numeric_target;
static int cmp_class(const void *a, const void *b) {
    const class_value *x = a, *y = b;
    if (numeric_target) return (x->num > y->num) - (x->num < y->num);
    return strcmp(x->text, y->text);
}

/* What value_text says about a row, remembered per value: a row's text is a function of its number's bits (a
 * numeric column) or of its string (equal pointers hold equal strings), so each distinct value is printed and
 * compared once, not once per row. cls: index into the classes found (−2: a value left out once the classes
 * were full); pos: the text is `positive`. */
#define TC_SLOTS 256
typedef struct text_cache {
    uint64_t key[TC_SLOTS];
    int cls[TC_SLOTS];
    unsigned char pos[TC_SLOTS], used[TC_SLOTS];
} text_cache;

static uint64_t row_key(const as_column *c, size_t row) {
    uint64_t k;
    if (c->type == AS_COL_TEXT) k = (uint64_t)(uintptr_t)c->text[row];
    else memcpy(&k, &c->num[row], sizeof k);
    return k;
}

static size_t tc_slot(uint64_t k) { return (size_t)((k * 0x9E3779B97F4A7C15ULL) >> 56) & (TC_SLOTS - 1); }

/* Finds the classes of the target over the kept rows and fills y with class codes. Without `positive`, two
 * values make a binary target (class 1 the larger in sorted order) and three to AS_MAX_CLASSES a multinomial
 * one; with it, that value is class 1 and every other value class 0 (one class against the rest). */
static as_status target_classes(const as_column *tc, const size_t *rows, size_t n, const char *positive, as_model *m,
                                double *y, as_error *err) {
    class_value v[AS_MAX_CLASSES + 1];
    char cur[256];
    int k = 0, found = 0;
    text_cache *cache = as__calloc(1, sizeof *cache);
    if (!cache) return as__err(err, AS_ERR_NOMEM, "out of memory");
    int *row_cls = as__reallocarray(NULL, n ? n : 1, sizeof *row_cls);   /* per row: cls, and pos in bit 30 */
    if (!row_cls) { as__free(cache); return as__err(err, AS_ERR_NOMEM, "out of memory"); }
    for (size_t i = 0; i < n; i++) {
        uint64_t key = row_key(tc, rows[i]);
        size_t sl = tc_slot(key);
        int c, pos;
        if (cache->used[sl] && cache->key[sl] == key) {
            c = cache->cls[sl];
            pos = cache->pos[sl];
        } else {
            value_text(tc, rows[i], cur, sizeof cur);
            pos = positive && strcmp(cur, positive) == 0;
            c = 0;
            while (c < k && strcmp(v[c].text, cur) != 0) c++;
            if (c == k) {
                if (k == AS_MAX_CLASSES + 1) {
                    if (!positive) {
                        as__free(cache);
                        as__free(row_cls);
                        return as__err(err, AS_ERR_INVALID, "target column '%s' has more than %d distinct values; a "
                                       "classifier over that many classes is not what you want here: group the "
                                       "values, or name the class to predict with --positive VALUE (it is then "
                                       "modelled against all the others)", tc->name, AS_MAX_CLASSES);
                    }
                    c = -2;
                } else {
                    snprintf(v[k].text, sizeof v[k].text, "%s", cur);
                    v[k].num = tc->num ? tc->num[rows[i]] : 0;
                    v[k].id = k;
                    k++;
                }
            }
            cache->used[sl] = 1;
            cache->key[sl] = key;
            cache->cls[sl] = c;
            cache->pos[sl] = (unsigned char)pos;
        }
        if (pos) found = 1;
        row_cls[i] = c < 0 ? -1 : c;
        if (pos) row_cls[i] |= 1 << 30;
    }
    as__free(cache);
    as_status st = AS_OK;
    if (k < 2) {
        st = as__err(err, AS_ERR_NODATA, "target column '%s' has only one class ('%s') in the rows kept; a "
                     "classifier needs two", tc->name, k ? v[0].text : "");
        goto out;
    }
    if (!positive && k > AS_MAX_CLASSES) {   /* exactly one value too many: the loop refuses only a second one */
        st = as__err(err, AS_ERR_INVALID, "target column '%s' has more than %d distinct values; a classifier over "
                     "that many classes is not what you want here: group the values, or name the class to predict "
                     "with --positive VALUE (it is then modelled against all the others)", tc->name, AS_MAX_CLASSES);
        goto out;
    }
    if (positive && !found) {
        st = as__err(err, AS_ERR_INVALID, "--positive '%s' is not a value of '%s' in the rows kept (values include "
                     "'%s', '%s')", positive, tc->name, v[0].text, v[1].text);
        goto out;
    }
    numeric_target = is_numeric(tc);
    if (positive || k == AS_MAX_CLASSES + 1) {
        m->n_classes = 2;
        m->class_labels = as__calloc(2, sizeof *m->class_labels);
        char other[280];
        if (k == 2) snprintf(other, sizeof other, "%s", strcmp(v[0].text, positive) == 0 ? v[1].text : v[0].text);
        else snprintf(other, sizeof other, "not %s", positive);
        if (!m->class_labels || !(m->class_labels[0] = as__strdup(other)) || !(m->class_labels[1] = as__strdup(positive))) {
            st = as__err(err, AS_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++) y[i] = (row_cls[i] >> 30) & 1;
    } else {
        qsort(v, (size_t)k, sizeof *v, cmp_class);
        int sorted[AS_MAX_CLASSES + 1];
        for (int c = 0; c < k; c++) sorted[v[c].id] = c;
        m->n_classes = k;
        m->class_labels = as__calloc((size_t)k, sizeof *m->class_labels);
        if (!m->class_labels) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
        for (int c = 0; c < k; c++)
            if (!(m->class_labels[c] = as__strdup(v[c].text))) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
        for (size_t i = 0; i < n; i++) y[i] = sorted[row_cls[i] & ((1 << 30) - 1)];
    }
    if (!(m->target = as__strdup(tc->name))) st = as__err(err, AS_ERR_NOMEM, "out of memory");
out:
    as__free(row_cls);
    return st;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static int cmp_cstr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* SimpleImputer on the training rows: numpy's median (mean of the two middle values), or the most frequent
 * value with the smallest winning on ties (scipy's mode). NaN when the column has no value there. */
static double numeric_fill(const as_column *c, const size_t *rows, const size_t *train, size_t n_train, int median) {
    double *v = as__reallocarray(NULL, n_train ? n_train : 1, sizeof *v);
    if (!v) return NAN;
    size_t k = 0;
    for (size_t i = 0; i < n_train; i++) {
        double x = c->num[rows[train[i]]];
        if (!isnan(x)) v[k++] = x;
    }
    double out = NAN;
    if (k) {
        qsort(v, k, sizeof *v, cmp_double);
        if (median) {
            out = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2.0;
        } else {
            size_t best = 0, run = 1, best_run = 0;
            for (size_t i = 1; i <= k; i++) {
                if (i < k && v[i] == v[i - 1]) { run++; continue; }
                if (run > best_run) { best_run = run; best = i - 1; }
                run = 1;
            }
            out = v[best];
        }
    }
    as__free(v);
    return out;
}

static const char *text_fill(const as_column *c, const size_t *rows, const size_t *train, size_t n_train) {
    const char **v = as__reallocarray(NULL, n_train ? n_train : 1, sizeof *v);
    if (!v) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n_train; i++)
        if (c->text[rows[train[i]]]) v[k++] = c->text[rows[train[i]]];
    const char *out = NULL;
    if (k) {
        qsort(v, k, sizeof *v, cmp_cstr);
        size_t run = 1, best_run = 0;
        for (size_t i = 1; i <= k; i++) {
            if (i < k && strcmp(v[i], v[i - 1]) == 0) { run++; continue; }
            if (run > best_run) { best_run = run; out = v[i - 1]; }
            run = 1;
        }
    }
    as__free(v);
    return out;
}

/* The closest column name by edit distance, for "did you mean". */
static const char *closest(const as_table *t, const char *name) {
    const char **names = as__calloc(t->ncols ? t->ncols : 1, sizeof *names);
    if (!names) return NULL;
    for (size_t c = 0; c < t->ncols; c++) names[c] = t->cols[c].name;
    size_t k = as__closest_name(name, strlen(name), names, NULL, t->ncols);
    as__free(names);
    return k == (size_t)-1 ? NULL : t->cols[k].name;
}

/* The vocabulary of a text column over the training rows (as__vocab_build_pooled). Without pooling the counts do
 * not matter, only the distinct values: those are handed over once each (rows sharing one string pointer hold one
 * value), instead of one string hash per training row. */
static as_status build_vocab(const as_column *col, const size_t *rows, const size_t *train, size_t n_train,
                             size_t min_count, as_catvar *cv) {
    const char **vals = as__calloc(n_train ? n_train : 1, sizeof *vals);
    if (!vals) return AS_ERR_NOMEM;
    size_t nv = 0;
    if (min_count > 1) {
        for (size_t i = 0; i < n_train; i++) vals[nv++] = col->text[rows[train[i]]];
    } else {
        size_t cap = 64;
        while (cap < 2 * n_train) cap *= 2;
        const char **set = as__calloc(cap, sizeof *set);
        if (!set) { as__free(vals); return AS_ERR_NOMEM; }
        for (size_t i = 0; i < n_train; i++) {
            const char *v = col->text[rows[train[i]]];
            if (!v) continue;
            size_t k = (size_t)(((uint64_t)(uintptr_t)v * 0x9E3779B97F4A7C15ULL) >> 20) & (cap - 1);
            while (set[k] && set[k] != v) k = (k + 1) & (cap - 1);
            if (!set[k]) set[k] = vals[nv++] = v;
        }
        as__free(set);
    }
    as_status st = as__vocab_build_pooled(vals, NULL, nv, min_count, &cv->levels, &cv->n_levels, &cv->pooled,
                                          &cv->n_pooled);
    as__free(vals);
    return st;
}

/* Which indicator a text value sets (as__model_encode): its level, the pooled "(other)" column, or none (−1). */
static int cmp_level(const void *key, const void *elem) { return strcmp((const char *)key, *(char *const *)elem); }
static long level_of(const as_catvar *v, const char *value) {
    char **hit = bsearch(value, v->levels, v->n_levels, sizeof *v->levels, cmp_level);
    if (hit) return (long)(hit - v->levels);
    if (v->n_pooled && bsearch(value, v->pooled, v->n_pooled, sizeof *v->pooled, cmp_level)) return (long)v->n_levels;
    return -1;
}

/* as__model_encode for every kept row, written straight from the table's columns into X (n × m->p): kept row i
 * (table row rows[i]) becomes encoded row dest[i]; the numbers (or their fill), then each text column's
 * indicators, whose position is looked up once per distinct string pointer instead of by a search per row. The
 * columns are read in table order (a row's 576 contiguous bytes are cheaper to place anywhere than 36 values to
 * fetch from anywhere). flag[dest[i]]: that row holds a text value the training rows never had.
 * Rows are split between the cores (each part its own lookup cache; every row's output depends on that row
 * alone, so the split changes nothing). AS_ERR_NOMEM or AS_OK. */
#define LEVEL_CACHE 1024
#define ENCODE_MAX_THREADS 8
#define ENCODE_ROWS_PER_THREAD 32768

typedef struct encode_job {
    const as_table *t;
    const size_t *rows;        /* table row of kept row i (increasing: the columns are read in order) */
    const size_t *dest;        /* the encoded row kept row i becomes */
    size_t i0, i1;
    const as_model *m;
    const double *const *numv;
    const char *const *const *catv;
    double *X;
    unsigned char *flag;
    const char **ckey;         /* n_cat × LEVEL_CACHE */
    long *cval;
    int64_t imputed;
} encode_job;

static void *encode_rows(void *arg) {
    encode_job *e = arg;
    const as_model *m = e->m;
    size_t p = m->p, nn = m->n_num, nk = m->n_cat;
    int64_t imp = 0;
    for (size_t i = e->i0; i < e->i1; i++) {
        size_t out = e->dest[i];
        double *x = e->X + out * p;
        size_t r = e->rows[i], unseen = 0, j = nn;
        for (size_t k = 0; k < nn; k++) {
            double v = e->numv[k][r];
            if (isnan(v) && m->num_fill && !isnan(m->num_fill[k])) {
                v = m->num_fill[k];
                imp++;
            }
            x[k] = v;
        }
        for (size_t c = 0; c < nk; c++) {
            const as_catvar *cv = &m->cats[c];
            size_t w = as__catvar_width(cv);
            const char *value = e->catv[c][r];
            if (!value && cv->fill) {
                value = cv->fill;
                imp++;
            }
            if (!value) {   /* only boosted trees see this: missing stays missing */
                for (size_t l = 0; l < w; l++) x[j + l] = NAN;
                j += w;
                continue;
            }
            memset(x + j, 0, w * sizeof *x);
            size_t slot = c * LEVEL_CACHE + (size_t)((((uint64_t)(uintptr_t)value) * 0x9E3779B97F4A7C15ULL) >> 54);
            long lv;
            if (e->ckey[slot] == value) {
                lv = e->cval[slot];
            } else {
                lv = level_of(cv, value);
                e->ckey[slot] = value;
                e->cval[slot] = lv;
            }
            if (lv >= 0) x[j + (size_t)lv] = 1.0;
            else unseen++;
            j += w;
        }
        e->flag[out] = unseen > 0;
    }
    e->imputed = imp;
    return NULL;
}

static as_status encode_table(const as_table *t, const size_t *rows, const size_t *dest, size_t n, const as_model *m,
                              const size_t *num_cols, const size_t *cat_cols, double *X, unsigned char *flag,
                              int64_t *imputed) {
    size_t nn = m->n_num, nk = m->n_cat;
    size_t T = (size_t)as__table_threads();
    if (T > ENCODE_MAX_THREADS) T = ENCODE_MAX_THREADS;
    if (T > n / ENCODE_ROWS_PER_THREAD) T = n / ENCODE_ROWS_PER_THREAD ? n / ENCODE_ROWS_PER_THREAD : 1;
    const double **numv = as__calloc(nn ? nn : 1, sizeof *numv);
    const char ***catv = as__calloc(nk ? nk : 1, sizeof *catv);
    const char **ckey = as__calloc(T * (nk ? nk : 1) * LEVEL_CACHE, sizeof *ckey);
    long *cval = as__calloc(T * (nk ? nk : 1) * LEVEL_CACHE, sizeof *cval);
    encode_job *jobs = as__calloc(T, sizeof *jobs);
    pthread_t *th = as__calloc(T, sizeof *th);
    as_status st = AS_OK;
    if (!numv || !catv || !ckey || !cval || !jobs || !th) {
        st = AS_ERR_NOMEM;
        goto out;
    }
    for (size_t k = 0; k < nn; k++) numv[k] = t->cols[num_cols[k]].num;
    for (size_t c = 0; c < nk; c++) catv[c] = t->cols[cat_cols[c]].text;
    for (size_t k = 0; k < T; k++) {
        encode_job *e = &jobs[k];
        e->t = t;
        e->rows = rows;
        e->dest = dest;
        e->i0 = n / T * k;
        e->i1 = k + 1 == T ? n : n / T * (k + 1);
        e->m = m;
        e->numv = numv;
        e->catv = (const char *const *const *)catv;
        e->X = X;
        e->flag = flag;
        e->ckey = ckey + k * (nk ? nk : 1) * LEVEL_CACHE;
        e->cval = cval + k * (nk ? nk : 1) * LEVEL_CACHE;
    }
    size_t started = 0;
    for (size_t k = 1; k < T; k++) {
        if (pthread_create(&th[k], NULL, encode_rows, &jobs[k])) break;
        started = k;
    }
    encode_rows(&jobs[0]);
    for (size_t k = started + 1; k < T; k++) encode_rows(&jobs[k]);   /* parts no thread could take */
    for (size_t k = 1; k <= started; k++) pthread_join(th[k], NULL);
    for (size_t k = 0; k < T; k++) *imputed += jobs[k].imputed;
out:
    as__free((void *)numv); as__free((void *)catv); as__free((void *)ckey); as__free(cval); as__free(jobs); as__free(th);
    return st;
}

static const char *split_name(as_split_kind k) { return k == AS_SPLIT_STRATIFIED ? "stratified" : "random"; }

as_status as_train_csv(const char *csv_path, const as_train_params *params, as_model **out, as_metrics_report *rep,
                       as_error *err) {
    *out = NULL;
    memset(rep, 0, sizeof *rep);
    if (!params || !params->target) return as__err(err, AS_ERR_INVALID, "name the target column (--target COL)");
    if (params->split.kind != AS_SPLIT_RANDOM && params->split.kind != AS_SPLIT_STRATIFIED)
        return as__err(err, AS_ERR_INVALID, "a flat CSV has no time order this version knows; use --split "
                       "random:FRACTION:SEED or stratified:FRACTION:SEED");
    as_status st = as__train_params_check(params, err);
    if (st) return st;
    int impute = params->impute == AS_IMPUTE_DEFAULT
                     ? (params->model_kind == AS_MODEL_GBDT ? AS_IMPUTE_KEEP : AS_IMPUTE_DROP) : params->impute;
    as_table_options topt = as__table_options_default();
    topt.na_tokens = params->na_tokens;
    topt.n_na_tokens = params->n_na_tokens;
    as_table *t = NULL;
    st = as__table_read_csv(csv_path, &topt, &t, err);
    if (st) return st;
    int tcol = as__table_find(t, params->target);
    int wcol = params->weight_column ? as__table_find(t, params->weight_column) : -1;
    if (tcol < 0 || (params->weight_column && (wcol < 0 || wcol == tcol))) {
        const char *name = tcol < 0 ? params->target : params->weight_column;
        const char *near = wcol == tcol && tcol >= 0 ? NULL : closest(t, name);
        /* One column whose name holds another separator: the file is not comma-separated. */
        const char *other = NULL;
        if (t->ncols == 1)
            other = strchr(t->cols[0].name, ';') ? "';'" : strchr(t->cols[0].name, '\t') ? "a tab"
                  : strchr(t->cols[0].name, '|') ? "'|'" : NULL;
        if (other && tcol < 0)
            st = as__err(err, AS_ERR_INVALID, "%s has no column '%s': its header reads as one column, so its fields "
                         "are probably separated by %s. train --csv reads comma-separated files (as pandas.read_csv "
                         "does by default); save it with commas", csv_path, name, other);
        else if (tcol >= 0 && wcol == tcol)
            st = as__err(err, AS_ERR_INVALID, "%s: the weight column cannot be the target '%s'", csv_path, name);
        else
            st = as__err(err, AS_ERR_INVALID, "%s has no column '%s'%s%s%s", csv_path, name,
                         near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        as__table_free(t);
        return st;
    }
    if (wcol >= 0 && !is_numeric(&t->cols[wcol])) {
        st = as__err(err, AS_ERR_INVALID, "%s: weight column '%s' must hold numbers", csv_path, params->weight_column);
        as__table_free(t);
        return st;
    }
    if (t->nrows == 0) {
        st = as__err(err, AS_ERR_NODATA, "%s has a header but no data rows", csv_path);
        as__table_free(t);
        return st;
    }
    int split_col = as__table_find(t, "split");
    /* Columns the user leaves out are treated like the seed's `split` column: not read, not checked for holes. */
    unsigned char *skip = as__calloc(t->ncols ? t->ncols : 1, 1);
    if (!skip) { as__table_free(t); return as__err(err, AS_ERR_NOMEM, "out of memory"); }
    if (split_col >= 0 && split_col != tcol) skip[split_col] = 1;
    if (wcol >= 0) skip[wcol] = 1;
    for (size_t k = 0; k < params->n_drop_columns; k++) {
        int c = as__table_find(t, params->drop_columns[k]);
        if (c < 0 || c == tcol) {
            const char *near = c < 0 ? closest(t, params->drop_columns[k]) : NULL;
            st = as__err(err, AS_ERR_INVALID, c < 0 ? "%s has no column '%s' to drop%s%s%s"
                                                    : "%s: cannot drop '%s', it is the target%s%s%s",
                         csv_path, params->drop_columns[k], near ? "; did you mean '" : "", near ? near : "",
                         near ? "'?" : "");
            as__free(skip);
            as__table_free(t);
            return st;
        }
        skip[c] = 1;
    }
    as_buf wide, wide_drop;          /* text columns that look like free text or identifiers */
    as__buf_init(&wide, 1 << 16);
    as__buf_init(&wide_drop, 1 << 16);
    size_t wide_max = 0;
    size_t *rows = as__calloc(t->nrows ? t->nrows : 1, sizeof *rows), n = 0, no_target = 0;
    as_model *m = as__model_new();
    double *y = NULL;
    size_t *num_cols = NULL, *cat_cols = NULL;   /* the table columns of the model's numbers and texts */
    size_t *train = NULL, *test = NULL, n_train = 0, n_test = 0;
    as_dataset d = {0};
    if (!rows || !m) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    /* Rows kept: a target (and a weight) always; every feature too when missing values drop rows (the seed). */
    for (size_t i = 0; i < t->nrows; i++) {
        if (is_missing(&t->cols[tcol], i)) { no_target++; continue; }
        int miss = wcol >= 0 && is_missing(&t->cols[wcol], i);
        for (size_t c = 0; c < t->ncols && !miss && impute == AS_IMPUTE_DROP; c++)
            if (!skip[c] && (int)c != tcol) miss = is_missing(&t->cols[c], i);
        if (!miss) rows[n++] = i;
    }
    rep->dropped_missing = (int64_t)(t->nrows - n);
    for (size_t c = 0; c < t->ncols; c++)
        if (!skip[c] && t->cols[c].n_soft_missing)
            as__report_warn(rep, "column '%s': %zu values such as NA or NaN are read as missing (pandas' default "
                            "missing-value tokens in a column of numbers)", t->cols[c].name, t->cols[c].n_soft_missing);
    if (split_col >= 0 && split_col != tcol)
        as__report_warn(rep, "column 'split' is left out, as the seed script does (it names a split, not a feature); "
                        "rename it to use it as a feature");
    if (no_target && impute != AS_IMPUTE_DROP)
        as__report_warn(rep, "%zu rows have no value in the target column '%s' and were left out", no_target,
                        params->target);
    if (n < 2) { st = as__err(err, AS_ERR_NODATA, "%s: %zu of %zu rows are left after dropping rows with missing values; "
                              "name the real missing-value tokens with --na, fill the gaps, or impute them with "
                              "--impute median", csv_path, n, t->nrows); goto out; }
    y = as__calloc(n, sizeof *y);
    if (!y) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    if ((st = target_classes(&t->cols[tcol], rows, n, params->positive_label, m, y, err))) goto out;
    if (wcol >= 0) {
        if (!(d.w = as__calloc(n, sizeof *d.w))) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
        for (size_t i = 0; i < n; i++) {
            double w = t->cols[wcol].num[rows[i]];
            if (!(w >= 0) || !isfinite(w)) {
                st = as__err(err, AS_ERR_INVALID, "%s: data row %zu: weight column '%s' holds %g; weights must be "
                             "finite and not negative", csv_path, rows[i] + 1, params->weight_column, w);
                goto out;
            }
            d.w[i] = w;
        }
    }

    m->source = AS_MODEL_CSV;
    m->kind = params->model_kind;
    m->impute = impute;
    if (params->n_na_tokens) {
        m->na_tokens = as__calloc(params->n_na_tokens, sizeof *m->na_tokens);
        if (!m->na_tokens) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
        m->n_na_tokens = params->n_na_tokens;
        for (size_t k = 0; k < params->n_na_tokens; k++)
            if (!(m->na_tokens[k] = as__strdup(params->na_tokens[k]))) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    }
    for (size_t c = 0; c < t->ncols; c++) {
        if ((int)c == tcol || skip[c]) continue;
        if (t->cols[c].type == AS_COL_TEXT) m->n_cat++; else m->n_num++;
    }
    m->num_names = as__calloc(m->n_num ? m->n_num : 1, sizeof *m->num_names);
    m->cats = as__calloc(m->n_cat ? m->n_cat : 1, sizeof *m->cats);
    num_cols = as__calloc(m->n_num ? m->n_num : 1, sizeof *num_cols);
    cat_cols = as__calloc(m->n_cat ? m->n_cat : 1, sizeof *cat_cols);
    train = as__calloc(n, sizeof *train);
    test = as__calloc(n, sizeof *test);
    if (!m->num_names || !m->cats || !num_cols || !cat_cols || !train || !test) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    if (impute == AS_IMPUTE_MEDIAN || impute == AS_IMPUTE_MOST_FREQUENT) {
        if (!(m->num_fill = as__calloc(m->n_num ? m->n_num : 1, sizeof *m->num_fill))) {
            st = as__err(err, AS_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    if (params->split.kind == AS_SPLIT_STRATIFIED) {
        int *cls = as__calloc(n, sizeof *cls);
        if (!cls) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
        for (size_t i = 0; i < n; i++) cls[i] = (int)y[i];
        st = as__stratified_split(cls, n, m->n_classes, params->split.test_fraction, params->split.seed, train,
                                  &n_train, test, &n_test, err);
        as__free(cls);
        if (st) { as__err_prefix(err, "--split stratified"); goto out; }
    } else {
        as__random_split(n, params->split.test_fraction, params->split.seed, train, &n_train, test, &n_test);
    }
    if (!n_train || !n_test) { st = as__err(err, AS_ERR_NODATA, "the split leaves an empty part with %zu rows", n); goto out; }
    {
        size_t jn = 0, jc = 0;
        for (size_t c = 0; c < t->ncols && !st; c++) {
            if ((int)c == tcol || skip[c]) continue;
            const as_column *col = &t->cols[c];
            if (col->type == AS_COL_TEXT) {
                cat_cols[jc] = c;
                as_catvar *cv = &m->cats[jc];
                cv->name = as__strdup(col->name);
                st = cv->name ? build_vocab(col, rows, train, n_train, params->min_level_count, cv) : AS_ERR_NOMEM;
                if (st) break;
                rep->pooled_levels += (int64_t)cv->n_pooled;
                if (m->num_fill) {   /* every column gets its value, as SimpleImputer: scoring rows may miss any */
                    /* SimpleImputer cannot take the median of text: the most frequent value it is */
                    const char *f = text_fill(col, rows, train, n_train);
                    if (!f) {
                        st = as__err(err, AS_ERR_NODATA, "%s: column '%s' has no value in the training rows to "
                                     "impute from; leave it out with --drop '%s'", csv_path, col->name, col->name);
                        break;
                    }
                    if (!(cv->fill = as__strdup(f))) { st = AS_ERR_NOMEM; break; }
                }
                /* Free text or an identifier: more levels than the limit, or (with more than 100 levels) a
                 * different value in most training rows — one-hot would learn each row by heart. */
                size_t lv = cv->n_levels;   /* after pooling: pooling rare values is a way to keep such a column */
                const int wide_col =
                    params->max_levels && (cv->n_levels > params->max_levels || (lv > 100 && 2 * lv > n_train));
                size_t n_text = 0, first = 0;
                if (mostly_numbers(col, rows, n, &n_text, &first)) {
                    char shown[96];
                    snprintf(shown, sizeof shown, "%.80s", col->text[first]);
                    if (wide_col) {
                        st = as__err(err, AS_ERR_INVALID,
                                     "%s: column '%s' holds numbers except for %zu value%s such as '%s' (data row %zu), "
                                     "so it reads as text. Fix %s, or name %s as missing with --na '%s'", csv_path,
                                     col->name, n_text, n_text == 1 ? "" : "s", shown, first + 1,
                                     n_text == 1 ? "it" : "them", n_text == 1 ? "it" : "such values", shown);
                        break;
                    }
                    char count[64];
                    if (n_text == 1) snprintf(count, sizeof count, "one of its values is not a number:");
                    else snprintf(count, sizeof count, "%zu of its values are not numbers, such as", n_text);
                    as__report_warn(rep, "column '%s' is read as text and one-hot encoded because %s '%s' (data row "
                                    "%zu); if it holds numbers, fix %s or name %s as missing with --na '%s'",
                                    col->name, count, shown, first + 1, n_text == 1 ? "it" : "them",
                                    n_text == 1 ? "it" : "such values", shown);
                }
                if (wide_col) {
                    as__buf_printf(&wide, "%s'%s' (%zu distinct values)", wide.len ? ", " : "", col->name, lv);
                    as__buf_printf(&wide_drop, " --drop '%s'", col->name);
                    if (lv > wide_max) wide_max = lv;
                }
                jc++;
            } else {
                num_cols[jn] = c;
                if (!(m->num_names[jn] = as__strdup(col->name))) { st = AS_ERR_NOMEM; break; }
                if (m->num_fill) {
                    m->num_fill[jn] = numeric_fill(col, rows, train, n_train, impute == AS_IMPUTE_MEDIAN);
                    if (isnan(m->num_fill[jn])) {
                        st = as__err(err, AS_ERR_NODATA, "%s: column '%s' has no value in the training rows to "
                                     "impute from; leave it out with --drop '%s'", csv_path, col->name, col->name);
                        break;
                    }
                }
                jn++;
            }
        }
        if (st == AS_ERR_NOMEM) as__err(err, st, "out of memory");
        if (!st && wide.len && as__buf_cstr(&wide) == AS_OK && as__buf_cstr(&wide_drop) == AS_OK)
            st = as__err(err, AS_ERR_INVALID,
                         "%s: text column%s %s look%s like free text or identifiers: one-hot encoding would add a "
                         "column per value and learn the training rows by heart. Leave %s out with%s, or keep %s "
                         "with --max-levels %zu", csv_path, strchr(wide.data, ',') ? "s" : "", wide.data,
                         strchr(wide.data, ',') ? "" : "s", strchr(wide.data, ',') ? "them" : "it", wide_drop.data,
                         strchr(wide.data, ',') ? "them" : "it", wide_max + 1);
        if (st) goto out;
    }
    m->p = m->n_num;
    for (size_t c = 0; c < m->n_cat; c++) m->p += as__catvar_width(&m->cats[c]);
    if (m->p == 0) { st = as__err(err, AS_ERR_NODATA, "%s has no feature columns besides the target", csv_path); goto out; }
    /* The encoded rows in the split's order: the training rows first (as the split lists them), then the test
     * rows. The fit sees the same rows in the same order; its training rows are then rows 0 … n_train − 1 of a
     * matrix nothing reads after the fit (d.disposable), which the final fit scales in place instead of copying. */
    size_t *order = n_train + n_test == n ? as__reallocarray(NULL, n, sizeof *order) : NULL;   /* kept row → row */
    double *ys = order ? as__reallocarray(NULL, n, sizeof *ys) : NULL;
    double *ws = order && d.w ? as__reallocarray(NULL, n, sizeof *ws) : NULL;
    if (!order || !ys || (d.w && !ws)) {
        as__free(order); as__free(ys); as__free(ws);
        st = as__err(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t r = i < n_train ? train[i] : test[i - n_train];
        order[r] = i;
        ys[i] = y[r];
        if (ws) ws[i] = d.w[r];
    }
    for (size_t i = 0; i < n_train; i++) train[i] = i;
    for (size_t i = 0; i < n_test; i++) test[i] = n_train + i;
    as__free(y);
    d.y = y = ys;
    if (ws) { as__free(d.w); d.w = ws; }
    d.n = n;
    d.p = m->p;
    d.disposable = 1;   /* freed below, after the fit */
    d.X = as__reallocarray(NULL, n * m->p, sizeof *d.X);
    if (!d.X) {
        as__free(order);
        st = as__err(err, AS_ERR_NOMEM, "out of memory: %zu rows × %zu encoded columns", n, m->p);
        goto out;
    }
    char ntr[32], nte[32], ndr[32];
    unsigned char *flag = as__calloc(n, 1);
    if (!flag || encode_table(t, rows, order, n, m, num_cols, cat_cols, d.X, flag, &rep->imputed_values)) {
        as__free(flag);
        as__free(order);
        st = as__err(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    as__free(order);
    for (size_t i = n_train; i < n; i++) rep->unseen_categories += flag[i];
    as__free(flag);
    /* Everything the fit needs is in d, m and the row lists: the table goes before the fit's own copies come. */
    as__table_free(t);
    t = NULL;
    as__free(rows);
    rows = NULL;
    snprintf(rep->split_desc, sizeof rep->split_desc,
             "%s split: %.4g %% test, seed %u (scikit-learn's train_test_split rows): %s train / %s test rows; "
             "%s rows dropped for missing values", split_name(params->split.kind), params->split.test_fraction * 100,
             params->split.seed, as__fmt_count((int64_t)n_train, ntr, sizeof ntr),
             as__fmt_count((int64_t)n_test, nte, sizeof nte), as__fmt_count(rep->dropped_missing, ndr, sizeof ndr));
    st = as__fit_and_evaluate(m, &d, train, n_train, test, n_test, params, rep, err);
out:
    if (st && err && !strstr(err->msg, csv_path)) as__err_prefix(err, "%s", csv_path);
    as__free(rows); as__free(num_cols); as__free(cat_cols); as__free(y); as__free(train); as__free(test); as__free(d.X);
    as__free(d.w);
    as__free(skip);
    as__buf_free(&wide);
    as__buf_free(&wide_drop);
    as__table_free(t);
    if (st) { as_model_free(m); return st; }
    m->report = *rep;
    *out = m;
    return AS_OK;
}
