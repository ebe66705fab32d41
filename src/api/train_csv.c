/*
 * The seed's generic flow on any flat CSV with a target column. What it does, in the seed's order:
 *   read (typed over whole columns) → drop a column named `split` → drop rows with any missing value →
 *   numeric columns as they are, text columns one-hot (vocabulary from the training rows, sorted as
 *   pandas.get_dummies sorts it) → random split (scikit-learn's rows) → standardize (unless --no-scale) →
 *   PCA (fraction of variance) → L2 logistic regression → metrics.
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

/* Finds the classes of the target over the kept rows and fills y (1 = positive class). Without `positive`
 * the target must have exactly two values, and class 1 is the larger one in scikit-learn's sorted order; with
 * it, that value is class 1 and every other value class 0 (one class against the rest). */
static as_status target_classes(const as_column *tc, const size_t *rows, size_t n, const char *positive, as_model *m,
                                double *y, as_error *err) {
    char v0[256] = "", v1[256] = "", v2[256] = "", cur[256];
    double d0 = 0, d1 = 0;
    int k = 0, found = 0;
    for (size_t i = 0; i < n; i++) {
        value_text(tc, rows[i], cur, sizeof cur);
        if (positive && strcmp(cur, positive) == 0) found = 1;
        if (k >= 1 && strcmp(cur, v0) == 0) continue;
        if (k >= 2 && strcmp(cur, v1) == 0) continue;
        if (k == 0) { snprintf(v0, sizeof v0, "%s", cur); if (tc->num) d0 = tc->num[rows[i]]; k = 1; }
        else if (k == 1) { snprintf(v1, sizeof v1, "%s", cur); if (tc->num) d1 = tc->num[rows[i]]; k = 2; }
        else if (k == 2) { snprintf(v2, sizeof v2, "%s", cur); k = 3; }
    }
    if (positive) {
        if (!found)
            return as__err(err, AS_ERR_INVALID, "--positive '%s' is not a value of '%s' in the rows kept (values "
                           "include '%s'%s%s%s)", positive, tc->name, v0, k > 1 ? ", '" : "", k > 1 ? v1 : "",
                           k > 1 ? "'" : "");
        if (k < 2)
            return as__err(err, AS_ERR_NODATA, "target column '%s' has only one class ('%s') in the rows kept; "
                           "a classifier needs two", tc->name, v0);
        char other[280];
        if (k == 2) snprintf(other, sizeof other, "%s", strcmp(v0, positive) == 0 ? v1 : v0);
        else snprintf(other, sizeof other, "not %s", positive);
        m->label0 = as__strdup(other);
        m->label1 = as__strdup(positive);
    } else {
        if (k > 2)
            return as__err(err, AS_ERR_INVALID, "target column '%s' has more than two classes ('%s', '%s', '%s', …); "
                           "name the class to predict with --positive VALUE: it is then modelled against all the "
                           "others", tc->name, v0, v1, v2);
        if (k < 2)
            return as__err(err, AS_ERR_NODATA, "target column '%s' has only one class ('%s') in the rows kept; "
                           "a classifier needs two", tc->name, v0);
        int swap = tc->type == AS_COL_TEXT ? strcmp(v0, v1) > 0 : d0 > d1;
        m->label0 = as__strdup(swap ? v1 : v0);
        m->label1 = as__strdup(swap ? v0 : v1);
    }
    m->target = as__strdup(tc->name);
    if (!m->label0 || !m->label1 || !m->target) return as__err(err, AS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        value_text(tc, rows[i], cur, sizeof cur);
        y[i] = strcmp(cur, m->label1) == 0;
    }
    return AS_OK;
}

/* The closest column name by edit distance, for "did you mean". */
static const char *closest(const as_table *t, const char *name) {
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t c = 0; c < t->ncols; c++) {
        const char *a = t->cols[c].name;
        size_t la = strlen(a), lb = strlen(name), prev[256], cur[256];
        if (la > 250 || lb > 250) continue;
        for (size_t j = 0; j <= lb; j++) prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
            cur[0] = i;
            for (size_t j = 1; j <= lb; j++) {
                size_t sub = prev[j - 1] + ((a[i - 1] | 32) != (name[j - 1] | 32));
                size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
                cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            }
            memcpy(prev, cur, (lb + 1) * sizeof *prev);
        }
        if (prev[lb] < best_d) { best_d = prev[lb]; best = a; }
    }
    return best;
}

as_status as_train_csv(const char *csv_path, const as_train_params *params, as_model **out, as_metrics_report *rep,
                       as_error *err) {
    *out = NULL;
    memset(rep, 0, sizeof *rep);
    if (!params || !params->target) return as__err(err, AS_ERR_INVALID, "name the target column (--target COL)");
    if (params->split.kind != AS_SPLIT_RANDOM)
        return as__err(err, AS_ERR_INVALID, "a flat CSV has no time order this version knows; use --split random:FRACTION:SEED");
    if (!(params->C > 0)) return as__err(err, AS_ERR_INVALID, "C must be > 0 (got %g)", params->C);
    as_table_options topt = as__table_options_default();
    topt.na_tokens = params->na_tokens;
    topt.n_na_tokens = params->n_na_tokens;
    as_table *t = NULL;
    as_status st = as__table_read_csv(csv_path, &topt, &t, err);
    if (st) return st;
    int tcol = as__table_find(t, params->target);
    if (tcol < 0) {
        const char *near = closest(t, params->target);
        st = as__err(err, AS_ERR_INVALID, "%s has no column '%s'%s%s%s", csv_path, params->target,
                     near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        as__table_free(t);
        return st;
    }
    int split_col = as__table_find(t, "split");
    /* Columns the user leaves out are treated like the seed's `split` column: not read, not checked for holes. */
    unsigned char *skip = as__calloc(t->ncols ? t->ncols : 1, 1);
    if (!skip) { as__table_free(t); return as__err(err, AS_ERR_NOMEM, "out of memory"); }
    if (split_col >= 0 && split_col != tcol) skip[split_col] = 1;
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
    /* dropna over every column the seed keeps */
    size_t *rows = as__calloc(t->nrows ? t->nrows : 1, sizeof *rows), n = 0;
    as_model *m = as__model_new();
    double *num = NULL, *y = NULL;
    const char **cat = NULL;
    size_t *train = NULL, *test = NULL, n_train = 0, n_test = 0;
    as_dataset d = {0};
    if (!rows || !m) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    for (size_t i = 0; i < t->nrows; i++) {
        int miss = 0;
        for (size_t c = 0; c < t->ncols && !miss; c++)
            if (!skip[c]) miss = is_missing(&t->cols[c], i);
        if (!miss) rows[n++] = i;
    }
    rep->dropped_missing = (int64_t)(t->nrows - n);
    if (n < 2) { st = as__err(err, AS_ERR_NODATA, "%s: %zu of %zu rows are left after dropping rows with missing values; "
                              "name the real missing-value tokens with --na or fill the gaps", csv_path, n, t->nrows); goto out; }
    y = as__calloc(n, sizeof *y);
    if (!y) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    if ((st = target_classes(&t->cols[tcol], rows, n, params->positive_label, m, y, err))) goto out;

    m->source = AS_MODEL_CSV;
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
    as__random_split(n, params->split.test_fraction, params->split.seed, train, &n_train, test, &n_test);
    if (!n_train || !n_test) { st = as__err(err, AS_ERR_NODATA, "the split leaves an empty part with %zu rows", n); goto out; }
    {
        size_t jn = 0, jc = 0;
        for (size_t c = 0; c < t->ncols; c++) {
            if ((int)c == tcol || skip[c]) continue;
            const as_column *col = &t->cols[c];
            if (col->type == AS_COL_TEXT) {
                for (size_t i = 0; i < n; i++) cat[i * m->n_cat + jc] = col->text[rows[i]];
                const char **vals = as__calloc(n, sizeof *vals);
                if (!vals) { st = AS_ERR_NOMEM; break; }
                for (size_t i = 0; i < n; i++) vals[i] = col->text[rows[i]];
                m->cats[jc].name = as__strdup(col->name);
                st = m->cats[jc].name ? as__vocab_build(vals, train, n_train, &m->cats[jc].levels, &m->cats[jc].n_levels)
                                      : AS_ERR_NOMEM;
                as__free(vals);
                if (st) break;
                /* Free text or an identifier: more levels than the limit, or (with more than 100 levels) a
                 * different value in most training rows — one-hot would learn each row by heart. */
                size_t lv = m->cats[jc].n_levels;
                if (params->max_levels && (lv > params->max_levels || (lv > 100 && 2 * lv > n_train))) {
                    as__buf_printf(&wide, "%s'%s' (%zu distinct values)", wide.len ? ", " : "", col->name, lv);
                    as__buf_printf(&wide_drop, " --drop '%s'", col->name);
                    if (lv > wide_max) wide_max = lv;
                }
                jc++;
            } else {
                for (size_t i = 0; i < n; i++) num[i * m->n_num + jn] = col->num[rows[i]];
                if (!(m->num_names[jn] = as__strdup(col->name))) { st = AS_ERR_NOMEM; break; }
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
    for (size_t c = 0; c < m->n_cat; c++) m->p += m->cats[c].n_levels;
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
        flag[i] = as__model_encode(m, num + i * m->n_num, cat + i * m->n_cat, d.X + i * m->p) > 0;
    for (size_t i = 0; i < n_test; i++) rep->unseen_categories += flag[test[i]];
    as__free(flag);
    snprintf(rep->split_desc, sizeof rep->split_desc,
             "random split: %.4g %% test, seed %u (scikit-learn's train_test_split rows): %s train / %s test rows; "
             "%s rows dropped for missing values", params->split.test_fraction * 100, params->split.seed,
             as__fmt_count((int64_t)n_train, ntr, sizeof ntr), as__fmt_count((int64_t)n_test, nte, sizeof nte),
             as__fmt_count(rep->dropped_missing, ndr, sizeof ndr));
    st = as__fit_and_evaluate(m, &d, train, n_train, test, n_test, params, rep, err);
out:
    if (st && err && !strstr(err->msg, csv_path)) as__err_prefix(err, "%s", csv_path);
    as__free(rows); as__free(num); as__free(cat); as__free(y); as__free(train); as__free(test); as__free(d.X);
    as__free(skip);
    as__buf_free(&wide);
    as__buf_free(&wide_drop);
    as__table_free(t);
    if (st) { as_model_free(m); return st; }
    m->report = *rep;
    *out = m;
    return AS_OK;
}
