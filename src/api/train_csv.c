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
 */
#include <math.h>
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

/* Sorted as numpy sorts the labels: numerically for a numeric column, byte-wise for text. */
typedef struct class_value { char text[256]; double num; } class_value;
static int numeric_target;
static int cmp_class(const void *a, const void *b) {
    const class_value *x = a, *y = b;
    if (numeric_target) return (x->num > y->num) - (x->num < y->num);
    return strcmp(x->text, y->text);
}

/* Finds the classes of the target over the kept rows and fills y with class codes. Without `positive`, two
 * values make a binary target (class 1 the larger in sorted order) and three to AS_MAX_CLASSES a multinomial
 * one; with it, that value is class 1 and every other value class 0 (one class against the rest). */
static as_status target_classes(const as_column *tc, const size_t *rows, size_t n, const char *positive, as_model *m,
                                double *y, as_error *err) {
    class_value v[AS_MAX_CLASSES + 1];
    char cur[256];
    int k = 0, found = 0;
    for (size_t i = 0; i < n; i++) {
        value_text(tc, rows[i], cur, sizeof cur);
        if (positive && strcmp(cur, positive) == 0) found = 1;
        int seen = 0;
        for (int c = 0; c < k && !seen; c++) seen = strcmp(v[c].text, cur) == 0;
        if (seen) continue;
        if (k == AS_MAX_CLASSES + 1) {
            if (positive) continue;
            return as__err(err, AS_ERR_INVALID, "target column '%s' has more than %d distinct values; a classifier "
                           "over that many classes is not what you want here: group the values, or name the class to "
                           "predict with --positive VALUE (it is then modelled against all the others)", tc->name,
                           AS_MAX_CLASSES);
        }
        snprintf(v[k].text, sizeof v[k].text, "%s", cur);
        v[k].num = tc->num ? tc->num[rows[i]] : 0;
        k++;
    }
    if (k < 2)
        return as__err(err, AS_ERR_NODATA, "target column '%s' has only one class ('%s') in the rows kept; a "
                       "classifier needs two", tc->name, k ? v[0].text : "");
    if (positive && !found)
        return as__err(err, AS_ERR_INVALID, "--positive '%s' is not a value of '%s' in the rows kept (values include "
                       "'%s', '%s')", positive, tc->name, v[0].text, v[1].text);
    numeric_target = is_numeric(tc);
    if (positive || k == AS_MAX_CLASSES + 1) {
        m->n_classes = 2;
        m->class_labels = as__calloc(2, sizeof *m->class_labels);
        char other[280];
        if (k == 2) snprintf(other, sizeof other, "%s", strcmp(v[0].text, positive) == 0 ? v[1].text : v[0].text);
        else snprintf(other, sizeof other, "not %s", positive);
        if (!m->class_labels || !(m->class_labels[0] = as__strdup(other)) || !(m->class_labels[1] = as__strdup(positive)))
            return as__err(err, AS_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            value_text(tc, rows[i], cur, sizeof cur);
            y[i] = strcmp(cur, positive) == 0;
        }
    } else {
        qsort(v, (size_t)k, sizeof *v, cmp_class);
        m->n_classes = k;
        m->class_labels = as__calloc((size_t)k, sizeof *m->class_labels);
        if (!m->class_labels) return as__err(err, AS_ERR_NOMEM, "out of memory");
        for (int c = 0; c < k; c++)
            if (!(m->class_labels[c] = as__strdup(v[c].text))) return as__err(err, AS_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            value_text(tc, rows[i], cur, sizeof cur);
            int c = 0;
            while (c < k - 1 && strcmp(v[c].text, cur) != 0) c++;
            y[i] = c;
        }
    }
    if (!(m->target = as__strdup(tc->name))) return as__err(err, AS_ERR_NOMEM, "out of memory");
    return AS_OK;
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
        st = tcol >= 0 && wcol == tcol
                 ? as__err(err, AS_ERR_INVALID, "%s: the weight column cannot be the target '%s'", csv_path, name)
                 : as__err(err, AS_ERR_INVALID, "%s has no column '%s'%s%s%s", csv_path, name,
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
    double *num = NULL, *y = NULL;
    const char **cat = NULL;
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
    num = as__reallocarray(NULL, n * (m->n_num ? m->n_num : 1), sizeof *num);
    cat = as__reallocarray(NULL, n * (m->n_cat ? m->n_cat : 1), sizeof *cat);
    train = as__calloc(n, sizeof *train);
    test = as__calloc(n, sizeof *test);
    if (!m->num_names || !m->cats || !num || !cat || !train || !test) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
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
                for (size_t i = 0; i < n; i++) cat[i * m->n_cat + jc] = col->text[rows[i]];
                const char **vals = as__calloc(n, sizeof *vals);
                if (!vals) { st = AS_ERR_NOMEM; break; }
                for (size_t i = 0; i < n; i++) vals[i] = col->text[rows[i]];
                as_catvar *cv = &m->cats[jc];
                cv->name = as__strdup(col->name);
                st = cv->name ? as__vocab_build_pooled(vals, train, n_train, params->min_level_count, &cv->levels,
                                                       &cv->n_levels, &cv->pooled, &cv->n_pooled)
                              : AS_ERR_NOMEM;
                as__free(vals);
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
                if (params->max_levels && (cv->n_levels > params->max_levels || (lv > 100 && 2 * lv > n_train))) {
                    as__buf_printf(&wide, "%s'%s' (%zu distinct values)", wide.len ? ", " : "", col->name, lv);
                    as__buf_printf(&wide_drop, " --drop '%s'", col->name);
                    if (lv > wide_max) wide_max = lv;
                }
                jc++;
            } else {
                for (size_t i = 0; i < n; i++) num[i * m->n_num + jn] = col->num[rows[i]];
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
    d.n = n;
    d.p = m->p;
    d.y = y;
    d.X = as__reallocarray(NULL, n * m->p, sizeof *d.X);
    if (!d.X) { st = as__err(err, AS_ERR_NOMEM, "out of memory: %zu rows × %zu encoded columns", n, m->p); goto out; }
    char ntr[32], nte[32], ndr[32];
    unsigned char *flag = as__calloc(n, 1);
    if (!flag) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    for (size_t i = 0; i < n; i++)
        flag[i] = as__model_encode(m, num + i * m->n_num, cat + i * m->n_cat, d.X + i * m->p, &rep->imputed_values) > 0;
    for (size_t i = 0; i < n_test; i++) rep->unseen_categories += flag[test[i]];
    as__free(flag);
    snprintf(rep->split_desc, sizeof rep->split_desc,
             "%s split: %.4g %% test, seed %u (scikit-learn's train_test_split rows): %s train / %s test rows; "
             "%s rows dropped for missing values", split_name(params->split.kind), params->split.test_fraction * 100,
             params->split.seed, as__fmt_count((int64_t)n_train, ntr, sizeof ntr),
             as__fmt_count((int64_t)n_test, nte, sizeof nte), as__fmt_count(rep->dropped_missing, ndr, sizeof ndr));
    st = as__fit_and_evaluate(m, &d, train, n_train, test, n_test, params, rep, err);
out:
    if (st && err && !strstr(err->msg, csv_path)) as__err_prefix(err, "%s", csv_path);
    as__free(rows); as__free(num); as__free(cat); as__free(y); as__free(train); as__free(test); as__free(d.X);
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
