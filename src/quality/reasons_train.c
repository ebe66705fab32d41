/*
 * reasons_train — as_reasons_train (aftersales.h "Reason classifier"): gathers labelled reason texts from a CSV
 * file or from the shop's own texts the lexicon recognises, estimates the classifier's accuracy by stratified
 * k-fold cross-validation, fits it on all texts and writes the model file; and the small public wrappers around a
 * loaded model (as_reasons_load / as_reasons_classify).
 *
 * Self-training reads the shop's texts grouped (one row per distinct text with its count), so a shop whose
 * customers typed "too small" fifty thousand times costs one text; the examples handed to the model still carry
 * every occurrence (reason_model.c merges them again into one weighted row). Cross-validation folds are drawn
 * over occurrences, so a canned phrase lands in training and test folds alike — the estimate says how well the
 * model reproduces the lexicon on this shop's texts, not how it does on phrases it never saw.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "ml/split.h"
#include "quality/reason_model.h"
#include "store/store.h"

#define CV_SEED 0u               /* StratifiedKFold(shuffle=True, random_state=0) */
#define RECLASSIFY_PROB 0.5      /* the quality step's default threshold (reason_model.h) */
#define N_SHOWN 5                /* example texts in the stats */

as_reasons_train_params as_reasons_train_params_default(void) {
    as_reasons_train_params p;
    memset(&p, 0, sizeof p);
    p.text_column = "text";
    p.class_column = "class";
    p.folds = 5;
    return p;
}

const char *as_reasons_class_name(int c) { return as__reason_class_name((as_reason_class)c); }

/* ---- the labelled texts ---- */

typedef struct unrec {
    const char *text;
    size_t len;
    int64_t count;                   /* as a case reason (the quality step reads only those) */
} unrec;

typedef struct corpus {
    as_arena arena;                  /* the texts */
    as_reason_example *ex;           /* one entry per occurrence (repeated texts share their bytes) */
    size_t n, cap;
    unrec *un;                       /* case reasons the lexicon did not recognise, distinct, with counts */
    size_t n_un, cap_un;
} corpus;

static as_status grow(void **p, size_t *cap, size_t need, size_t size, as_error *err) {
    if (need <= *cap) return AS_OK;
    size_t c = *cap ? *cap : 256;
    while (c < need) c *= 2;
    void *q = as__reallocarray(*p, c, size);
    if (!q) return as__err(err, AS_ERR_NOMEM, "out of memory collecting %zu reason texts", need);
    *p = q;
    *cap = c;
    return AS_OK;
}

static as_status add_text(corpus *cp, const char *text, size_t len, as_reason_class cls, int64_t count,
                          as_error *err) {
    as_status st = grow((void **)&cp->ex, &cp->cap, cp->n + (size_t)count, sizeof *cp->ex, err);
    if (st) return st;
    char *copy = as__arena_strndup(&cp->arena, text, len);
    if (!copy) return as__err(err, AS_ERR_NOMEM, "out of memory collecting reason texts");
    for (int64_t k = 0; k < count; k++) cp->ex[cp->n++] = (as_reason_example){copy, len, cls};
    return AS_OK;
}

static as_status add_unrecognised(corpus *cp, const char *text, size_t len, int64_t count, as_error *err) {
    as_status st = grow((void **)&cp->un, &cp->cap_un, cp->n_un + 1, sizeof *cp->un, err);
    if (st) return st;
    char *copy = as__arena_strndup(&cp->arena, text, len);
    if (!copy) return as__err(err, AS_ERR_NOMEM, "out of memory collecting reason texts");
    cp->un[cp->n_un++] = (unrec){copy, len, count};
    return AS_OK;
}

static void trim(const char **s, size_t *n) {
    while (*n && isspace((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

static int equal_nocase(const char *a, size_t na, const char *b, size_t nb) {
    if (na != nb) return 0;
    for (size_t i = 0; i < na; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return 0;
    return 1;
}

#define CLASS_NAMES "size_fit, defective, not_as_described, wrong_item, delivery, changed_mind, other"

/* The class a name stands for (case-insensitive), AS_REASON_N for "-" (skip), -1 for neither. */
static int class_of_name(const char *s, size_t n) {
    if (n == 1 && s[0] == '-') return AS_REASON_N;
    for (int c = 0; c < AS_REASON_N; c++) {
        const char *name = as__reason_class_name((as_reason_class)c);
        if (equal_nocase(s, n, name, strlen(name))) return c;
    }
    return -1;
}

/* The value map, checked: value i is map[i][0 .. vlen[i]) and stands for class to[i] (AS_REASON_N: skip). */
typedef struct value_map {
    const char *const *entry;
    size_t n;
    size_t *vlen;
    int *to;
} value_map;

static as_status parse_map(const as_reasons_train_params *p, value_map *vm, as_error *err) {
    vm->entry = p->value_map;
    vm->n = p->value_map ? p->n_value_map : 0;
    vm->vlen = as__calloc(vm->n + 1, sizeof *vm->vlen);
    vm->to = as__calloc(vm->n + 1, sizeof *vm->to);
    if (!vm->vlen || !vm->to) return as__err(err, AS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < vm->n; i++) {
        const char *e = vm->entry[i], *eq = e ? strrchr(e, '=') : NULL;
        if (!eq)   /* an empty VALUE ('=CLASS') stands for rows whose class value is empty */
            return as__err(err, AS_ERR_INVALID, "value map entry '%s' is not VALUE=CLASS (for example "
                                                "'Damaged=defective', or 'Feedback=-' to skip those rows)", e ? e : "");
        const char *c = eq + 1;
        size_t cn = strlen(c);
        trim(&c, &cn);
        if ((vm->to[i] = class_of_name(c, cn)) < 0)
            return as__err(err, AS_ERR_INVALID, "value map entry '%s': '%s' is not a class (" CLASS_NAMES ") or '-'",
                           e, eq + 1);
        vm->vlen[i] = (size_t)(eq - e);
    }
    return AS_OK;
}

/* The class of a class-column value: the value map first (exact, then ignoring case), then the class names. */
static int map_value(const value_map *vm, const char *v, size_t n) {
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < vm->n; i++) {
            const char *e = vm->entry[i];
            size_t en = vm->vlen[i];
            trim(&e, &en);
            if (pass == 0 ? (en == n && memcmp(e, v, n) == 0) : equal_nocase(e, en, v, n)) return vm->to[i];
        }
    return class_of_name(v, n);
}

static int find_column(const as_csv_field *f, size_t nf, const char *name) {
    for (size_t i = 0; i < nf; i++)
        if (strcmp(f[i].p, name) == 0) return (int)i;
    for (size_t i = 0; i < nf; i++) {
        const char *s = f[i].p;
        size_t n = f[i].n;
        trim(&s, &n);
        if (equal_nocase(s, n, name, strlen(name))) return (int)i;
    }
    return -1;
}

static as_status missing_column(const char *path, const as_csv_field *f, size_t nf, const char *name,
                                const char *what, as_error *err) {
    char cols[512];
    size_t m = 0;
    cols[0] = '\0';
    for (size_t i = 0; i < nf && m < sizeof cols; i++)
        m += (size_t)snprintf(cols + m, sizeof cols - m, "%s'%s'", i ? ", " : "", f[i].p);
    return as__err(err, AS_ERR_INVALID, "%s: no %s column '%s'; the columns are %s", path, what, name, cols);
}

static as_status read_labels(const as_reasons_train_params *p, corpus *cp, as_reasons_train_stats *s,
                             as_error *err) {
    value_map vm = {0};
    as_csv_reader *r = NULL;
    as_status st = parse_map(p, &vm, err);
    as_csv_options opt = as__csv_options_default();
    if (!st) st = as__csv_open(p->labels_csv, &opt, &r, err);
    as_csv_field *f;
    size_t nf;
    int tc = -1, cc = -1;
    if (!st && (st = as__csv_next(r, &f, &nf, err)) == AS_ERR_NODATA)
        st = as__err(err, AS_ERR_NODATA, "%s is empty; a labels file has a header and one labelled text per row",
                     p->labels_csv);
    if (!st && (tc = find_column(f, nf, p->text_column)) < 0)
        st = missing_column(p->labels_csv, f, nf, p->text_column, "text", err);
    if (!st && (cc = find_column(f, nf, p->class_column)) < 0)
        st = missing_column(p->labels_csv, f, nf, p->class_column, "class", err);
    if (!st && tc == cc)
        st = as__err(err, AS_ERR_INVALID, "%s: the text column '%s' and the class column '%s' are the same column; "
                     "name two different columns", p->labels_csv, p->text_column, p->class_column);
    while (!st) {
        st = as__csv_next(r, &f, &nf, err);
        if (st == AS_ERR_NODATA) {
            st = AS_OK;
            break;
        }
        if (st == AS_ERR_PARSE && !as__csv_at_end(r)) {   /* an over-long record, skipped */
            s->skipped++;
            st = AS_OK;
            continue;
        }
        if (st) break;
        if ((size_t)tc >= nf || (size_t)cc >= nf) {   /* a short row: no text or no class field at all */
            s->skipped++;
            continue;
        }
        const char *text = f[tc].p, *v = f[cc].p;
        size_t tn = f[tc].n, vn = f[cc].n;
        trim(&text, &tn);
        trim(&v, &vn);
        int c = map_value(&vm, v, vn);
        if (c < 0 && vn == 0) {
            st = as__err(err, AS_ERR_INVALID, "%s:%lld: the class value is empty; give its rows a class with the "
                         "value map entry '=CLASS', or skip them with '=-'", p->labels_csv, (long long)as__csv_line(r));
            break;
        }
        if (c < 0) {
            st = as__err(err, AS_ERR_INVALID,
                         "%s:%lld: class value '%.*s' is not a reason class (" CLASS_NAMES "); translate it with a "
                         "value map entry '%.*s=CLASS', or '%.*s=-' to skip its rows", p->labels_csv,
                         (long long)as__csv_line(r), (int)(vn > 80 ? 80 : vn), v, (int)(vn > 80 ? 80 : vn), v,
                         (int)(vn > 80 ? 80 : vn), v);
            break;
        }
        if (c == AS_REASON_N || tn == 0) {
            s->skipped++;
            continue;
        }
        st = add_text(cp, text, tn, (as_reason_class)c, 1, err);
    }
    as__csv_close(r);
    as__free(vm.vlen);
    as__free(vm.to);
    return st;
}

/* The shop's case reasons and the texts of reviews scored 1 or 2, grouped; the lexicon labels what it
 * recognises. Of the rest only the case reasons are kept, to count what the model adds where the quality step
 * will use it (it reads cases.reason alone). */
static as_status read_shop(as_db *db, corpus *cp, as_reasons_train_stats *s, as_error *err) {
    static const char sql[] =
        "SELECT t, COUNT(*), SUM(is_case) FROM (SELECT reason AS t, 1 AS is_case FROM cases"
        " WHERE reason IS NOT NULL AND trim(reason) <> ''"
        " UNION ALL SELECT text, 0 FROM reviews WHERE score <= 2 AND text IS NOT NULL AND trim(text) <> '')"
        " GROUP BY t ORDER BY t";
    sqlite3_stmt *q = NULL;
    as_status st = as__db_prepare(db, sql, &q, err);
    if (st) return st;
    int rc;
    while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(q, 0);
        size_t len = (size_t)sqlite3_column_bytes(q, 0);
        int64_t count = sqlite3_column_int64(q, 1), cases = sqlite3_column_int64(q, 2);
        if (!text) continue;
        int how;
        as_reason_class c = as__reason_class_of(NULL, 1.0, text, len, &how);
        if (how == 1) st = add_text(cp, text, len, c, count, err);
        else if (how == 3 && cases) st = add_unrecognised(cp, text, len, cases, err);
        else if (how == 3) continue;   /* a review text: counted nowhere, the quality step never reads it */
        else s->skipped += count;   /* no words at all */
    }
    if (!st && rc != SQLITE_DONE)
        st = as__err(err, AS_ERR_DB, "reading reason texts from %s: %s", db->path, sqlite3_errmsg(db->sql));
    sqlite3_finalize(q);
    return st;
}

/* ---- cross-validation ---- */

static as_status cross_validate(const corpus *cp, int folds, const as_reason_model_params *mp,
                                as_reasons_train_stats *s, as_error *err) {
    const size_t n = cp->n;
    int *cls = as__malloc(n * sizeof *cls), *fold = as__malloc(n * sizeof *fold);
    as_reason_example *sub = as__malloc(n * sizeof *sub);
    int64_t conf[AS_REASON_N][AS_REASON_N] = {{0}};
    as_status st = AS_OK;
    if (!cls || !fold || !sub) st = as__err(err, AS_ERR_NOMEM, "out of memory for cross-validation");
    int64_t count[AS_REASON_N] = {0};
    for (size_t i = 0; !st && i < n; i++) count[cls[i] = (int)cp->ex[i].cls]++;
    /* every fold must hold texts of every class in the model, else its test part scores a class no fold
     * learned and its training part may lose the class */
    int smallest = -1;
    for (int c = 0; c < AS_REASON_N; c++)
        if (count[c] >= mp->min_per_class && (smallest < 0 || count[c] < count[smallest])) smallest = c;
    if (!st && smallest >= 0 && count[smallest] < folds)
        st = as__err(err, AS_ERR_INVALID, "cross-validation folds (--folds) is %d, expected 0 (none) or 2 to %lld: "
                     "the smallest class in the model, %s, has %lld texts", folds,
                     (long long)(count[smallest] < 100 ? count[smallest] : 100),
                     as__reason_class_name((as_reason_class)smallest), (long long)count[smallest]);
    if (!st && (st = as__stratified_kfold(cls, n, folds, 1, CV_SEED, fold, NULL, 0, err)))
        as__err_prefix(err, "%d-fold cross-validation of the reason model on %zu texts", folds, n);
    /* a fold trains on (k − 1)/k of the texts: a class with just enough texts for the final model keeps its
     * place in every fold, as the final model it estimates will have it */
    as_reason_model_params fold_params = *mp;
    fold_params.min_per_class = mp->min_per_class * (folds - 1) / folds;
    if (fold_params.min_per_class < 1) fold_params.min_per_class = 1;
    for (int f = 0; !st && f < folds; f++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (fold[i] != f) sub[m++] = cp->ex[i];
        as_reason_model *model = NULL;
        if ((st = as__reason_model_train(sub, m, &fold_params, &model, err))) {
            as__err_prefix(err, "cross-validation fold %d of %d", f + 1, folds);
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (fold[i] == f) conf[cp->ex[i].cls][as__reason_model_predict(model, cp->ex[i].text, cp->ex[i].len, NULL, NULL)]++;
        as__reason_model_free(model);
    }
    if (!st) {
        /* macro F1 over the classes that occur in the labels or the predictions (scikit-learn's labels) */
        int64_t right = 0;
        double f1 = 0;
        int classes = 0;
        for (int c = 0; c < AS_REASON_N; c++) {
            int64_t tp = conf[c][c], truth = 0, pred = 0;
            for (int d = 0; d < AS_REASON_N; d++) truth += conf[c][d], pred += conf[d][c];
            right += tp;
            if (!truth && !pred) continue;
            classes++;
            f1 += 2.0 * (double)tp / (double)(truth + pred);
        }
        s->cv_accuracy = (double)right / (double)n;
        s->cv_macro_f1 = f1 / classes;
    }
    as__free(cls), as__free(fold), as__free(sub);
    return st;
}

/* ---- examples of what the model adds ---- */

typedef struct candidate {
    size_t u;
    int64_t count;
    int cls;
    double prob;
} candidate;

/* most frequent first, then in text order */
static int cmp_candidate(const void *a, const void *b) {
    const candidate *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return x->u < y->u ? -1 : x->u > y->u;
}

/* Copies at most size − 1 bytes of text, cut on a character boundary, line breaks and tabs as spaces. */
static void excerpt(const char *text, size_t len, char *out, size_t size) {
    size_t n = len < size - 1 ? len : size - 1;
    while (n < len && n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) n--;
    for (size_t i = 0; i < n; i++) out[i] = text[i] == '\n' || text[i] == '\r' || text[i] == '\t' ? ' ' : text[i];
    out[n] = '\0';
}

static as_status reclassify(const corpus *cp, const as_reason_model *m, as_reasons_train_stats *s, as_error *err) {
    candidate *cand = as__malloc((cp->n_un + 1) * sizeof *cand);
    if (!cand) return as__err(err, AS_ERR_NOMEM, "out of memory");
    size_t nc = 0;
    for (size_t u = 0; u < cp->n_un; u++) {
        s->unrecognised += cp->un[u].count;
        int how;
        as_reason_class c = as__reason_class_of(m, RECLASSIFY_PROB, cp->un[u].text, cp->un[u].len, &how);
        if (how != 2) continue;
        s->reclassified += cp->un[u].count;
        as__reason_model_predict(m, cp->un[u].text, cp->un[u].len, &cand[nc].prob, NULL);
        cand[nc].u = u;
        cand[nc].count = cp->un[u].count;
        cand[nc++].cls = (int)c;
    }
    qsort(cand, nc, sizeof *cand, cmp_candidate);
    /* the most frequent text of each class first, then the most frequent of the rest */
    char taken[AS_REASON_N] = {0};
    unsigned char *used = as__calloc(nc + 1, 1);
    if (!used) {
        as__free(cand);
        return as__err(err, AS_ERR_NOMEM, "out of memory");
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nc && s->n_examples < N_SHOWN; i++) {
            if (used[i] || (pass == 0 && taken[cand[i].cls])) continue;
            used[i] = 1;
            taken[cand[i].cls] = 1;
            int e = s->n_examples++;
            const unrec *un = &cp->un[cand[i].u];
            excerpt(un->text, un->len, s->example_text[e], sizeof s->example_text[e]);
            s->example_class[e] = cand[i].cls;
            s->example_prob[e] = cand[i].prob;
            s->example_count[e] = un->count;
        }
    as__free(used);
    as__free(cand);
    return AS_OK;
}

/* ---- the whole step ---- */

as_status as_reasons_train(as_db *db, const as_reasons_train_params *params, as_reasons_train_stats *stats,
                           as_error *err) {
    as_reasons_train_stats s;
    memset(&s, 0, sizeof s);
    s.cv_accuracy = s.cv_macro_f1 = s.lexicon_accuracy = -1;
    if (stats) *stats = s;
    as_reasons_train_params p = params ? *params : as_reasons_train_params_default();
    if (!p.text_column) p.text_column = "text";
    if (!p.class_column) p.class_column = "class";
    if (!p.out_model || !*p.out_model)
        return as__err(err, AS_ERR_INVALID, "reasons train: no model file to write (out_model)");
    if (!p.labels_csv && !db)
        return as__err(err, AS_ERR_INVALID, "reasons train: needs a labels file or a shop database to learn from");
    if (p.folds < 0 || p.folds == 1 || p.folds > 100)
        return as__err(err, AS_ERR_INVALID, "reasons train: folds is %d, expected 0 (none) or 2 to 100", p.folds);
    as_reason_model_params mp = as__reason_model_params_default();
    if (p.hash_bits) mp.hash_bits = p.hash_bits;
    if (p.C != 0) mp.C = p.C;

    corpus cp;
    memset(&cp, 0, sizeof cp);
    as__arena_init(&cp.arena, (size_t)1 << 16);
    as_reason_model *m = NULL;
    as_status st = p.labels_csv ? read_labels(&p, &cp, &s, err) : read_shop(db, &cp, &s, err);
    if (!st && cp.n == 0)
        st = p.labels_csv ? as__err(err, AS_ERR_NODATA, "%s: no labelled texts (every row was empty or skipped)",
                                    p.labels_csv)
                          : as__err(err, AS_ERR_NODATA, "%s: no case reason or low-score review text that the lexicon "
                                                        "recognises, so there is nothing to learn from; train on a "
                                                        "labels file instead", db->path);
    if (!st) {
        s.texts = (int64_t)cp.n;
        for (size_t i = 0; i < cp.n; i++) s.per_class[cp.ex[i].cls]++;
        if (p.labels_csv) {
            int64_t agree = 0;
            for (size_t i = 0; i < cp.n; i++) agree += as__reason_classify(cp.ex[i].text, cp.ex[i].len, NULL) == cp.ex[i].cls;
            s.lexicon_accuracy = (double)agree / (double)cp.n;
        }
        st = as__reason_model_train(cp.ex, cp.n, &mp, &m, err);
    }
    if (!st && p.folds) st = cross_validate(&cp, p.folds, &mp, &s, err);
    if (!st) {
        for (int c = 0; c < AS_REASON_N; c++) s.in_model[c] = as__reason_model_has_class(m, (as_reason_class)c);
        char source[1100] = "lexicon";
        if (p.labels_csv) snprintf(source, sizeof source, "labels %s", p.labels_csv);
        st = as__reason_model_set_source(m, source, err);
    }
    if (!st) st = reclassify(&cp, m, &s, err);
    if (!st) st = as__reason_model_save(m, p.out_model, err);
    as__reason_model_free(m);
    as__arena_free(&cp.arena);
    as__free(cp.ex);
    as__free(cp.un);
    if (stats) *stats = s;
    return st;
}

/* ---- a loaded model, for the CLI ---- */

as_status as_reasons_load(const char *path, as_reason_model **out, as_error *err) {
    return as__reason_model_load(path, out, err);
}

void as_reasons_classify(const as_reason_model *m, const char *text, size_t len, as_reason_result *out) {
    int recognised;
    double prob;
    out->model_class = (int)as__reason_model_predict(m, text, len, &prob, NULL);
    out->model_prob = prob;
    out->lexicon_class = (int)as__reason_classify(text, len, &recognised);
    out->final_class = (int)as__reason_class_of(m, RECLASSIFY_PROB, text, len, NULL);
}

void as_reasons_free(as_reason_model *m) { as__reason_model_free(m); }
