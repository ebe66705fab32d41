/*
 * Scoring and metrics output. Risk per purchase line comes with the three encoded columns that push it up
 * most (their contribution to the logit, computed through the scaler and PCA); an order's risk is the
 * probability that at least one of its lines comes back, 1 − Π(1 − p_line), treating lines as independent.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pipeline.h"
#include "features/features.h"
#include "table/table.h"

as_score_params as_score_params_default(void) {
    as_score_params p;
    memset(&p, 0, sizeof p);
    p.threshold = -1;   /* the model's own */
    return p;
}

static void csv_text(FILE *f, const char *s) {
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n")) { fputs(s, f); return; }
    fputc('"', f);
    for (; *s; s++) { if (*s == '"') fputc('"', f); fputc(*s, f); }
    fputc('"', f);
}

#define SCORE_CHUNK 4096   /* rows predicted together: bounded memory, and one batch call per chunk */

/* Scores write millions of rows: numbers go through as__fmt_fixed / as__fmt_i64 (printf's text, a fraction of
 * its time) and strings through put_text, which appends like snprintf at buf + off: the logical length grows by
 * n, the bytes stop at size − 1 (callers terminate at the end). */
static size_t put_text(char *buf, size_t size, size_t off, const char *s, size_t n) {
    if (off + 1 < size) memcpy(buf + off, s, off + n + 1 <= size ? n : size - 1 - off);
    return off + n;
}
static size_t put_end(char *buf, size_t size, size_t off) {
    buf[off < size ? off : size - 1] = '\0';
    return off;
}
static void put_fixed(FILE *f, double x, int decimals) {
    char num[AS_FMT_FIXED_SIZE];
    fwrite(num, 1, as__fmt_fixed(x, decimals, num), f);
}
static void put_int(FILE *f, int64_t v) {
    char num[24];
    fwrite(num, 1, as__fmt_i64(v, num), f);
}

/* The name an explanation shows for input column c of a row: the column itself, or "column=value" for text. */
static void reason_name(const as_model *m, size_t c, const char *const *cat, char *buf, size_t size) {
    size_t o;
    if (c < m->n_num) {
        o = put_text(buf, size, 0, m->num_names[c], strlen(m->num_names[c]));
    } else {
        const char *name = m->cats[c - m->n_num].name, *v = cat[c - m->n_num] ? cat[c - m->n_num] : "(missing)";
        o = put_text(buf, size, 0, name, strlen(name));
        o = put_text(buf, size, o, "=", 1);
        o = put_text(buf, size, o, v, strlen(v));
    }
    put_end(buf, size, o);
}

/* Top-3 positive contributions to the row's margin, as "name (+0.42); …". */
static void top_reasons(const as_model *m, const double *contrib, const char *const *cat, char *buf, size_t size) {
    size_t ni = m->n_num + m->n_cat;
    int best[3] = {-1, -1, -1};
    for (size_t j = 0; j < ni; j++) {
        if (!(contrib[j] > 0)) continue;
        for (int r = 0; r < 3; r++) {
            if (best[r] < 0 || contrib[j] > contrib[best[r]]) {
                for (int s = 2; s > r; s--) best[s] = best[s - 1];
                best[r] = (int)j;
                break;
            }
        }
    }
    size_t off = 0;
    char name[320], num[AS_FMT_FIXED_SIZE];
    buf[0] = '\0';
    for (int r = 0; r < 3 && best[r] >= 0 && off < size; r++) {
        reason_name(m, (size_t)best[r], cat, name, sizeof name);
        if (r) off = put_text(buf, size, off, "; ", 2);
        off = put_text(buf, size, off, name, strlen(name));
        off = put_text(buf, size, off, " (+", 3);
        off = put_text(buf, size, off, num, as__fmt_fixed(contrib[best[r]], 2, num));
        off = put_text(buf, size, off, ")", 1);
    }
    put_end(buf, size, off);
}

/* The first text column of a row whose value the model's vocabulary does not hold (the row is known to have one:
 * as__model_encode counted it). Only called for the first such row of a run, so a linear scan is fine. */
static size_t first_unseen_column(const as_model *m, const char *const *cat) {
    for (size_t c = 0; c < m->n_cat; c++) {
        const as_catvar *v = &m->cats[c];
        int known = !cat[c];
        for (size_t l = 0; l < v->n_levels && !known; l++) known = strcmp(v->levels[l], cat[c]) == 0;
        for (size_t l = 0; l < v->n_pooled && !known; l++) known = strcmp(v->pooled[l], cat[c]) == 0;
        if (!known) return c;
    }
    return 0;
}

/* One chunk of shop rows (purchase lines or orders) waiting for prediction. */
typedef struct shop_chunk {
    size_t n;
    char *oid[SCORE_CHUNK], *cust[SCORE_CHUNK], *prod[SCORE_CHUNK], *label_text[SCORE_CHUNK];
    const char **cat;                /* SCORE_CHUNK × n_cat */
    int64_t line[SCORE_CHUNK], at[SCORE_CHUNK];
    int label[SCORE_CHUNK];          /* binary label; −1 = unlabelled */
    as_arena arena;
} shop_chunk;

typedef struct order_acc {
    char order[256], cust[256];
    int64_t at, lines;
    double keep, max, sum;
    int flagged;
    char reasons[1024];              /* the riskiest line's top reasons (only kept for a sink) */
} order_acc;

/* Everything one scoring run of a shop model shares. */
typedef struct score_run {
    const as_model *m;
    int order_level;                 /* the model scores order_features: one output row per order */
    int multiclass;                  /* three classes or more: per-class columns */
    int text_label;                  /* the label column holds a class name (kind / reason targets) */
    int none_class;                  /* multiclass: the class "none" (no case), or −1 */
    int explicit_threshold;          /* --threshold given: multiclass rows are flagged by risk, not by class */
    double thr;
    FILE *fl, *fo;
    double *X, *prob, *contrib;
    order_acc o;
    double sum;
    as_score_stats *stats;
    as_order_sink sink;              /* internal callers: every scored order (NULL = none) */
    void *sink_user;
    as_status sink_st;               /* the first error a sink returned: scoring stops there */
    as_error *err;
} score_run;

static char *dup_col(as_arena *a, sqlite3_stmt *q, int c) {
    const unsigned char *t = sqlite3_column_text(q, c);
    return t ? as__arena_strndup(a, (const char *)t, strlen((const char *)t)) : NULL;
}

static void flush_order(score_run *s) {
    order_acc *o = &s->o;
    if (!o->lines) return;
    if (s->sink && !s->sink_st) {
        as_scored_order so = {o->order, o->cust, o->at, o->lines, 1 - o->keep, o->max, o->sum, o->flagged, o->reasons};
        s->sink_st = s->sink(s->sink_user, &so, s->err);
    }
    if (s->fo) {
        char when[24];
        as_time_format(o->at, 0, when, sizeof when);
        csv_text(s->fo, o->order); fputc(',', s->fo); csv_text(s->fo, o->cust);
        fputc(',', s->fo); fputs(when, s->fo);
        fputc(',', s->fo); put_int(s->fo, o->lines);
        fputc(',', s->fo); put_fixed(s->fo, 1 - o->keep, 6);
        fputc(',', s->fo); put_fixed(s->fo, o->max, 6);
        fputs(o->flagged ? ",1\n" : ",0\n", s->fo);
    }
    s->stats->orders++;
    s->stats->flagged_orders += o->flagged;   /* an order is flagged by its riskiest (any flagged) line */
    o->lines = 0; o->keep = 1; o->max = 0; o->sum = 0; o->flagged = 0;
}

/* The multiclass columns of a row: predicted class and one probability per class. */
static void write_classes(FILE *f, const as_model *m, const double *pr, size_t predicted) {
    fputc(',', f);
    csv_text(f, m->class_labels[predicted]);
    for (int k = 0; k < m->n_classes; k++) { fputc(',', f); put_fixed(f, pr[k], 6); }
}

static void write_class_header(FILE *f, const as_model *m) {
    fputs(",predicted", f);
    char name[320];
    for (int k = 0; k < m->n_classes; k++) {
        snprintf(name, sizeof name, "probability_%s", m->class_labels[k]);
        fputc(',', f);
        csv_text(f, name);
    }
}

static void write_label(FILE *f, const score_run *s, const shop_chunk *ch, size_t i) {
    fputc(',', f);
    if (s->text_label) csv_text(f, ch->label_text[i]);
    else if (ch->label[i] >= 0) put_int(f, ch->label[i]);
}

/* Predicts a chunk and writes its rows; line-level orders are aggregated across chunks (lines of an order are
 * adjacent). The risk of a row is the probability of any case: p (binary) or 1 − p("none") (multiclass). */
static as_status score_chunk(score_run *s, shop_chunk *ch, as_error *err) {
    const as_model *m = s->m;
    size_t ni = m->n_num + m->n_cat, pw = as__model_prob_width(m);
    FILE *out = s->order_level ? s->fo : s->fl;   /* the file that shows each scored row */
    const int want_reasons = out || s->sink;      /* reasons cost a contribution pass: only when shown */
    as_status st = as__model_predict(m, s->X, ch->n, s->prob, want_reasons ? s->contrib : NULL, err);
    if (st) return st;
    char when[24], reasons[1024] = "";
    for (size_t i = 0; i < ch->n; i++) {
        const double *pr = s->prob + i * pw;
        size_t predicted = 0;
        double risk;
        int flag;
        if (s->multiclass) {
            for (size_t k = 1; k < pw; k++) if (pr[k] > pr[predicted]) predicted = k;
            risk = 1.0 - (s->none_class >= 0 ? pr[s->none_class] : 0.0);
            flag = s->explicit_threshold ? risk >= s->thr : (int)predicted != s->none_class;
        } else {
            risk = pr[0];
            flag = risk >= s->thr;
        }
        if (want_reasons) top_reasons(m, s->contrib + i * ni, ch->cat + i * m->n_cat, reasons, sizeof reasons);
        if (out) {
            as_time_format(ch->at[i], 0, when, sizeof when);
            csv_text(out, ch->oid[i]);
            if (!s->order_level) { fputc(',', out); put_int(out, ch->line[i]); }
            fputc(',', out);
            csv_text(out, ch->cust[i]);
            if (!s->order_level) { fputc(',', out); csv_text(out, ch->prod[i]); }
            fputc(',', out); fputs(when, out);
            fputc(',', out); put_fixed(out, risk, 6);
            if (s->multiclass) write_classes(out, m, pr, predicted);
            fputs(flag ? ",1" : ",0", out);
            write_label(out, s, ch, i);
            fputc(',', out);
            csv_text(out, reasons);
            fputc('\n', out);
        }
        s->sum += risk;
        if (s->order_level) {
            s->stats->orders++;
            s->stats->flagged_orders += flag;
            if (s->sink && !s->sink_st) {
                as_scored_order so = {ch->oid[i] ? ch->oid[i] : "", ch->cust[i] ? ch->cust[i] : "", ch->at[i], 1,
                                      risk, risk, risk, flag, reasons};
                s->sink_st = s->sink(s->sink_user, &so, err);
            }
            continue;
        }
        s->stats->flagged_lines += flag;
        s->stats->lines++;
        order_acc *o = &s->o;
        if (o->lines && strcmp(ch->oid[i] ? ch->oid[i] : "", o->order) != 0) flush_order(s);
        if (!o->lines) {
            const char *oid = ch->oid[i] ? ch->oid[i] : "", *cust = ch->cust[i] ? ch->cust[i] : "";
            put_end(o->order, sizeof o->order, put_text(o->order, sizeof o->order, 0, oid, strlen(oid)));
            put_end(o->cust, sizeof o->cust, put_text(o->cust, sizeof o->cust, 0, cust, strlen(cust)));
            o->at = ch->at[i];
        }
        o->lines++;
        o->keep *= 1 - risk;
        o->sum += risk;
        if (risk > o->max || o->lines == 1) {
            o->max = risk;
            if (s->sink) snprintf(o->reasons, sizeof o->reasons, "%s", reasons);
        }
        o->flagged |= flag;
    }
    if (s->sink_st) return s->sink_st;
    ch->n = 0;
    as__arena_free(&ch->arena);   /* keeps memory bounded by one chunk of strings */
    as__arena_init(&ch->arena, 1 << 16);
    return AS_OK;
}

/* Every column the model reads must be in the table: name the first one that is not. */
static as_status check_model_columns(as_db *db, const as_model *m, const char *table, int *has_label,
                                     const char *label_col, as_error *err) {
    as_strmap cols;
    size_t n_cols = 0;
    as_status st = as__table_columns(db, table, &cols, &n_cols, err);
    if (!st && n_cols == 0)
        st = m->target_level == AS_TARGET_ORDER
                 ? as__err(err, AS_ERR_STATE, "%s has no order-level features (table order_features), which this "
                           "order-level model scores; run `aftersales build --db %s` again", db->path, db->path)
                 : as__err(err, AS_ERR_STATE, "%s has no features; run `aftersales build --db %s` first", db->path,
                           db->path);
    for (size_t k = 0; !st && k < m->n_num + m->n_cat; k++) {
        const char *name = k < m->n_num ? m->num_names[k] : m->cats[k - m->n_num].name;
        if (!as__strmap_get(&cols, name, strlen(name))) {
            char built[16] = "";
            as_error ignore;
            if (as__db_meta_get(db, "build_feature_set", built, sizeof built, &ignore) != AS_OK) built[0] = '\0';
            if (strcmp(built, "main") == 0) {   /* the usual cause: a whole-library model on a main-set build */
                st = as__err(err, AS_ERR_FORMAT, "the model reads column '%s', which %s does not have: it was built "
                             "with --features main (the main job's columns only). Score it with a model trained "
                             "with --features main, or run `aftersales build --db %s` (the whole library)", name,
                             db->path, db->path);
                break;
            }
            char opts[96] = "the options the model was trained on";
            if (m->build_moment >= 0)
                snprintf(opts, sizeof opts, "--moment %s --hash-buckets %d (the model's)",
                         m->build_moment == 1 ? "delivery" : "order", m->build_hash_buckets);
            st = as__err(err, AS_ERR_FORMAT, "the model reads column '%s', which the %s table of %s does not have "
                         "(its features were built by another version or with other options): run `aftersales "
                         "build --db %s` again with %s, or train the model again on these features", name, table,
                         db->path, db->path, opts);
        }
    }
    *has_label = !st && as__strmap_get(&cols, label_col, strlen(label_col)) != NULL;
    as__strmap_free(&cols);
    return st;
}

as_status as_score_db(as_db *db, const as_model *m, const as_score_params *params, as_score_stats *stats,
                      as_error *err) {
    return as__score_db_orders(db, m, params, NULL, NULL, stats, err);
}

as_status as__score_db_orders(as_db *db, const as_model *m, const as_score_params *params, as_order_sink sink,
                              void *sink_user, as_score_stats *stats, as_error *err) {
    memset(stats, 0, sizeof *stats);
    stats->n_classes = m->n_classes;
    stats->target_level = m->target_level;
    if (m->source != AS_MODEL_SHOP)
        return as__err(err, AS_ERR_INVALID, "this model was trained on a flat CSV; score it with --csv");
    score_run s;
    memset(&s, 0, sizeof s);
    s.m = m;
    s.order_level = m->target_level == AS_TARGET_ORDER;
    s.multiclass = m->n_classes > 2;
    s.text_label = m->target_label != AS_LABEL_ANY;
    s.none_class = -1;
    for (int k = 0; s.multiclass && k < m->n_classes; k++)
        if (strcmp(m->class_labels[k], "none") == 0) s.none_class = k;
    s.explicit_threshold = params->threshold >= 0;
    s.thr = s.explicit_threshold ? params->threshold : s.multiclass ? NAN : m->threshold;
    s.stats = stats;
    {
        char sid[64];
        as_error ignore;
        stats->foreign_model = m->shop_id && as__db_meta_get(db, "shop_id", sid, sizeof sid, &ignore) == AS_OK &&
                               strcmp(sid, m->shop_id) != 0;
    }
    s.sink = sink;
    s.sink_user = sink_user;
    s.err = err;
    stats->threshold = s.thr;
    if (s.order_level && params->lines_csv)
        return as__err(err, AS_ERR_INVALID, "this model scores orders (it was trained with --target order): write "
                       "its scores with --out-orders, or train a line-level model for a risk per purchase line");
    as_status st = as__features_current(db, err);
    if (st) return st;
    const char *table = s.order_level ? "order_features" : "features";
    const char *label_col = m->target_label == AS_LABEL_KIND ? "label_kind"
                          : m->target_label == AS_LABEL_REASON ? "label_reason" : "label";
    int has_label = 0;
    if ((st = check_model_columns(db, m, table, &has_label, label_col, err))) return st;
    size_t nn = m->n_num, nc = m->n_cat;
    as_buf sql;
    as__buf_init(&sql, 0);
    /* The same six leading columns for both tables, so one reader serves lines and orders. */
    as__buf_printf(&sql, s.order_level ? "SELECT order_id, 0, customer_id, NULL, ordered_at, "
                                       : "SELECT order_id, line_no, customer_id, product_id, ordered_at, ");
    if (has_label) as__sql_ident(&sql, label_col);
    else as__buf_printf(&sql, "NULL");
    for (size_t c = 0; c < nc; c++) { as__buf_printf(&sql, ", "); as__sql_ident(&sql, m->cats[c].name); }
    for (size_t k = 0; k < nn; k++) { as__buf_printf(&sql, ", "); as__sql_ident(&sql, m->num_names[k]); }
    as__buf_printf(&sql, " FROM %s WHERE ordered_at >= ? ORDER BY rowid", table);
    st = as__buf_cstr(&sql);
    sqlite3_stmt *q = NULL;
    if (st) st = as__err(err, AS_ERR_NOMEM, "out of memory");
    else st = as__db_prepare(db, sql.data, &q, err);
    as__buf_free(&sql);
    if (st) return st;
    sqlite3_bind_int64(q, 1, params->from);
    s.fl = params->lines_csv ? fopen(params->lines_csv, "w") : NULL;
    s.fo = params->orders_csv ? fopen(params->orders_csv, "w") : NULL;
    shop_chunk *ch = NULL;
    double *num = NULL;
    size_t pw = as__model_prob_width(m);
    /* A NULL number: the model's imputed value, or missing for boosted trees; models of the first version had
     * neither and read NULL as 0, as SQLite does. */
    const int null_is_missing = m->num_fill != NULL || m->kind == AS_MODEL_GBDT;
    if ((params->lines_csv && !s.fl) || (params->orders_csv && !s.fo)) {
        st = as__err(err, AS_ERR_IO, "cannot write %s", params->lines_csv && !s.fl ? params->lines_csv : params->orders_csv);
        goto out;
    }
    if (s.fl) {
        fputs("order_id,line_no,customer_id,product_id,ordered_at,risk", s.fl);
        if (s.multiclass) write_class_header(s.fl, m);
        fputs(",flagged,label,top_reasons\n", s.fl);
    }
    if (s.fo && s.order_level) {
        fputs("order_id,customer_id,ordered_at,risk", s.fo);
        if (s.multiclass) write_class_header(s.fo, m);
        fputs(",flagged,label,top_reasons\n", s.fo);
    } else if (s.fo) {
        fputs("order_id,customer_id,ordered_at,lines,risk,max_line_risk,flagged\n", s.fo);
    }
    ch = as__calloc(1, sizeof *ch);
    if (ch) ch->cat = as__calloc(SCORE_CHUNK * (nc ? nc : 1), sizeof *ch->cat);
    num = as__calloc(nn ? nn : 1, sizeof *num);
    s.X = as__reallocarray(NULL, SCORE_CHUNK * (m->p ? m->p : 1), sizeof *s.X);
    s.prob = as__reallocarray(NULL, SCORE_CHUNK * pw, sizeof *s.prob);
    s.contrib = as__reallocarray(NULL, SCORE_CHUNK * (nn + nc ? nn + nc : 1), sizeof *s.contrib);
    if (!ch || !ch->cat || !num || !s.X || !s.prob || !s.contrib) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    as__arena_init(&ch->arena, 1 << 16);
    s.o.keep = 1;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        size_t i = ch->n;
        ch->oid[i] = dup_col(&ch->arena, q, 0);
        ch->line[i] = sqlite3_column_int64(q, 1);
        ch->cust[i] = dup_col(&ch->arena, q, 2);
        ch->prod[i] = dup_col(&ch->arena, q, 3);
        ch->at[i] = sqlite3_column_int64(q, 4);
        ch->label[i] = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 5);
        ch->label_text[i] = s.text_label ? dup_col(&ch->arena, q, 5) : NULL;
        const char **cat = ch->cat + i * nc;
        for (size_t c = 0; c < nc; c++) {
            cat[c] = dup_col(&ch->arena, q, 6 + (int)c);
            if (!cat[c]) cat[c] = AS_MISSING_LEVEL;   /* as training read it */
        }
        for (size_t k = 0; k < nn; k++) {
            int col = 6 + (int)(nc + k);
            num[k] = null_is_missing && sqlite3_column_type(q, col) == SQLITE_NULL ? NAN : sqlite3_column_double(q, col);
        }
        if (as__model_encode(m, num, cat, s.X + i * m->p, NULL) > 0 && !stats->unseen_categories++) {
            size_t c = first_unseen_column(m, cat);
            if (s.order_level)
                snprintf(stats->first_unseen, sizeof stats->first_unseen, "order %.60s: %s=%.60s",
                         ch->oid[i] ? ch->oid[i] : "", m->cats[c].name, cat[c] ? cat[c] : "");
            else
                snprintf(stats->first_unseen, sizeof stats->first_unseen, "order %.60s line %lld: %s=%.60s",
                         ch->oid[i] ? ch->oid[i] : "", (long long)ch->line[i], m->cats[c].name, cat[c] ? cat[c] : "");
        }
        if (++ch->n == SCORE_CHUNK && (st = score_chunk(&s, ch, err))) break;
    }
    if (!st && ch->n) st = score_chunk(&s, ch, err);
    if (!st && !s.order_level) flush_order(&s);
    if (!st) st = s.sink_st;
    if (!st && r != SQLITE_DONE && r != SQLITE_ROW) st = as__err(err, AS_ERR_DB, "%s: %s", db->path, sqlite3_errmsg(db->sql));
    {
        int64_t rows = s.order_level ? stats->orders : stats->lines;
        stats->mean_risk = rows ? s.sum / (double)rows : NAN;
    }
out:
    if (ch) { as__arena_free(&ch->arena); as__free(ch->cat); }
    as__free(ch); as__free(num); as__free(s.X); as__free(s.prob); as__free(s.contrib);
    sqlite3_finalize(q);
    if (s.fl && fclose(s.fl) != 0 && !st) st = as__err(err, AS_ERR_IO, "writing %s failed", params->lines_csv);
    if (s.fo && fclose(s.fo) != 0 && !st) st = as__err(err, AS_ERR_IO, "writing %s failed", params->orders_csv);
    return st;
}

/* Writes predictions for the rows buffered in a chunk of a flat CSV. */
static as_status csv_chunk(const as_model *m, const double *X, const size_t *row, const unsigned char *skip,
                           const char *const *cats, size_t n, double *prob, double *contrib, FILE *f,
                           as_score_stats *stats, double *sum, as_error *err) {
    size_t pw = as__model_prob_width(m), ni = m->n_num + m->n_cat;
    as_status st = as__model_predict(m, X, n, prob, contrib, err);
    if (st) return st;
    char reasons[1024];
    for (size_t i = 0; i < n; i++) {
        if (skip[i]) {   /* not scored: a value the model needs is missing; the line keeps every field */
            put_int(f, (int64_t)row[i]);
            for (size_t k = 0; k < (m->n_classes <= 2 ? 3 : pw + 2); k++) fputc(',', f);
            fputc('\n', f);
            continue;
        }
        top_reasons(m, contrib + i * ni, cats + i * m->n_cat, reasons, sizeof reasons);
        if (m->n_classes <= 2) {
            double p = prob[i];
            int flag = p >= m->threshold && !(m->threshold == 0.5 && p == 0.5);   /* predict(): p > 0.5 */
            put_int(f, (int64_t)row[i]);
            fputc(',', f);
            put_fixed(f, p, 6);
            fputc(',', f);
            csv_text(f, m->class_labels[flag]);
            stats->flagged_lines += flag;
            *sum += p;
        } else {
            const double *pr = prob + i * pw;
            size_t b = 0;
            for (size_t k = 1; k < pw; k++) if (pr[k] > pr[b]) b = k;
            put_int(f, (int64_t)row[i]);
            fputc(',', f);
            csv_text(f, m->class_labels[b]);
            for (size_t k = 0; k < pw; k++) { fputc(',', f); put_fixed(f, pr[k], 6); }
            *sum += pr[b];
        }
        fputc(',', f);
        csv_text(f, reasons);
        fputc('\n', f);
        stats->lines++;
    }
    return AS_OK;
}

as_status as_score_csv(const as_model *m, const char *csv_path, const char *out_csv, as_score_stats *stats,
                       as_error *err) {
    memset(stats, 0, sizeof *stats);
    stats->n_classes = m->n_classes;
    if (m->source != AS_MODEL_CSV)
        return as__err(err, AS_ERR_INVALID, "this model was trained on shop data; score it with --db");
    as_table_options topt = as__table_options_default();
    topt.na_tokens = (const char *const *)m->na_tokens;   /* the missing-value tokens training used */
    topt.n_na_tokens = m->n_na_tokens;
    as_table *t = NULL;
    as_status st = as__table_read_csv(csv_path, &topt, &t, err);
    if (st) return st;
    if (t->nrows == 0) {
        st = as__err(err, AS_ERR_NODATA, "%s has a header but no data rows to score", csv_path);
        as__table_free(t);
        return st;
    }
    stats->threshold = m->threshold;
    size_t ni = m->n_num + m->n_cat, pw = as__model_prob_width(m);
    int *num_col = as__calloc(m->n_num + 1, sizeof *num_col), *cat_col = as__calloc(m->n_cat + 1, sizeof *cat_col);
    double *num = as__calloc(m->n_num + 1, sizeof *num);
    double *X = as__reallocarray(NULL, SCORE_CHUNK * (m->p ? m->p : 1), sizeof *X);
    double *prob = as__reallocarray(NULL, SCORE_CHUNK * pw, sizeof *prob);
    double *contrib = as__reallocarray(NULL, SCORE_CHUNK * (ni ? ni : 1), sizeof *contrib);
    const char **cats = as__calloc(SCORE_CHUNK * (m->n_cat + 1), sizeof *cats);
    size_t *row = as__calloc(SCORE_CHUNK, sizeof *row);
    unsigned char *skip = as__calloc(SCORE_CHUNK, 1);
    char *numbuf = as__calloc(SCORE_CHUNK * (m->n_cat + 1), 32);
    FILE *f = NULL;
    if (!num_col || !cat_col || !num || !X || !prob || !contrib || !cats || !row || !skip || !numbuf) {
        st = as__err(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < m->n_num; k++) {
        num_col[k] = as__table_find(t, m->num_names[k]);
        if (num_col[k] < 0) {
            st = as__err(err, AS_ERR_INVALID, "%s: column '%s' the model needs is missing", csv_path, m->num_names[k]);
            goto out;
        }
        const as_column *col = &t->cols[num_col[k]];
        if (col->type == AS_COL_TEXT) {
            /* Name the first value that is not a number, so the user can find it. */
            size_t bad = 0;
            double dv;
            while (bad < t->nrows && (!col->text[bad] || as__parse_double(col->text[bad], strlen(col->text[bad]), &dv)))
                bad++;
            if (bad < t->nrows)
                st = as__err(err, AS_ERR_PARSE, "%s: data row %zu: column '%s' holds '%.60s', which is not a number; "
                             "the model needs numbers there (fix the value, or mark missing values with the tokens "
                             "training used)", csv_path, bad + 1, m->num_names[k], col->text[bad]);
            else
                st = as__err(err, AS_ERR_PARSE, "%s: column '%s' the model needs is not numeric", csv_path, m->num_names[k]);
            goto out;
        }
    }
    for (size_t c = 0; c < m->n_cat; c++) {
        cat_col[c] = as__table_find(t, m->cats[c].name);
        if (cat_col[c] < 0) { st = as__err(err, AS_ERR_INVALID, "%s: column '%s' the model needs is missing", csv_path, m->cats[c].name); goto out; }
    }
    f = fopen(out_csv, "w");
    if (!f) { st = as__err(err, AS_ERR_IO, "cannot write %s", out_csv); goto out; }
    if (m->n_classes <= 2) {
        fputs("row,probability,predicted,top_reasons\n", f);
    } else {
        fputs("row", f);
        write_class_header(f, m);
        fputs(",top_reasons\n", f);
    }
    double sum = 0;
    size_t nb = 0;
    for (size_t i = 0; i < t->nrows && !st; i++) {
        const char **cat = cats + nb * m->n_cat;
        for (size_t k = 0; k < m->n_num; k++) num[k] = t->cols[num_col[k]].num[i];
        for (size_t c = 0; c < m->n_cat; c++) {
            const as_column *col = &t->cols[cat_col[c]];
            char *buf = numbuf + (nb * (m->n_cat + 1) + c) * 32;
            if (col->type == AS_COL_TEXT) cat[c] = col->text[i];
            else if (isnan(col->num[i])) cat[c] = NULL;
            else { snprintf(buf, 32, "%.17g", col->num[i]); cat[c] = buf; }
        }
        double *x = X + nb * m->p;
        if (as__model_encode(m, num, cat, x, NULL) > 0 && !stats->unseen_categories++) {
            size_t c = first_unseen_column(m, cat);
            snprintf(stats->first_unseen, sizeof stats->first_unseen, "row %zu: %s=%.80s", i + 1, m->cats[c].name,
                     cat[c] ? cat[c] : "");
        }
        int miss = 0;
        if (m->kind != AS_MODEL_GBDT)
            for (size_t j = 0; j < m->p && !miss; j++) miss = isnan(x[j]);
        if (miss) {                          /* the model was trained without missing values */
            memset(x, 0, m->p * sizeof *x);
            stats->skipped_missing++;
        }
        skip[nb] = (unsigned char)miss;
        row[nb++] = i + 1;
        if (nb == SCORE_CHUNK) {
            st = csv_chunk(m, X, row, skip, cats, nb, prob, contrib, f, stats, &sum, err);
            nb = 0;
        }
    }
    if (!st && nb) st = csv_chunk(m, X, row, skip, cats, nb, prob, contrib, f, stats, &sum, err);
    stats->mean_risk = stats->lines ? sum / (double)stats->lines : NAN;
out:
    if (f && fclose(f) != 0 && !st) st = as__err(err, AS_ERR_IO, "writing %s failed", out_csv);
    as__free(num_col); as__free(cat_col); as__free(num); as__free(X); as__free(prob); as__free(contrib);
    as__free(cats); as__free(row); as__free(skip); as__free(numbuf);
    as__table_free(t);
    return st;
}
