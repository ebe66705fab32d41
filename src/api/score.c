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

/* The name an explanation shows for input column c of a row: the column itself, or "column=value" for text. */
static void reason_name(const as_model *m, size_t c, const char *const *cat, char *buf, size_t size) {
    if (c < m->n_num) snprintf(buf, size, "%s", m->num_names[c]);
    else snprintf(buf, size, "%s=%s", m->cats[c - m->n_num].name, cat[c - m->n_num] ? cat[c - m->n_num] : "(missing)");
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
    char name[320];
    buf[0] = '\0';
    for (int r = 0; r < 3 && best[r] >= 0 && off < size; r++) {
        reason_name(m, (size_t)best[r], cat, name, sizeof name);
        off += (size_t)snprintf(buf + off, size - off, "%s%s (+%.2f)", r ? "; " : "", name, contrib[best[r]]);
    }
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

/* One chunk of shop rows waiting for prediction. */
typedef struct shop_chunk {
    size_t n;
    char *oid[SCORE_CHUNK], *cust[SCORE_CHUNK], *prod[SCORE_CHUNK];
    const char *cat[SCORE_CHUNK][8];
    int64_t line[SCORE_CHUNK], at[SCORE_CHUNK];
    int label[SCORE_CHUNK];          /* −1 = unlabelled */
    as_arena arena;
} shop_chunk;

typedef struct order_acc {
    char order[256], cust[256];
    int64_t at, lines;
    double keep, max;
} order_acc;

static char *dup_col(as_arena *a, sqlite3_stmt *q, int c) {
    const unsigned char *t = sqlite3_column_text(q, c);
    return t ? as__arena_strndup(a, (const char *)t, strlen((const char *)t)) : NULL;
}

static void flush_order(FILE *fo, order_acc *o, double thr, as_score_stats *stats) {
    if (!o->lines) return;
    if (fo) {
        char when[24];
        as_time_format(o->at, 0, when, sizeof when);
        csv_text(fo, o->order); fputc(',', fo); csv_text(fo, o->cust);
        fprintf(fo, ",%s,%lld,%.6f,%.6f,%d\n", when, (long long)o->lines, 1 - o->keep, o->max, o->max >= thr);
    }
    stats->orders++;
    stats->flagged_orders += o->max >= thr;   /* an order is flagged by its riskiest line */
    o->lines = 0; o->keep = 1; o->max = 0;
}

/* Predicts a chunk and writes its lines; orders are aggregated across chunks (lines of an order are adjacent). */
static as_status score_chunk(const as_model *m, shop_chunk *ch, double *X, double *prob, double *contrib, FILE *fl,
                             FILE *fo, double thr, order_acc *o, as_score_stats *stats, double *sum, as_error *err) {
    size_t ni = m->n_num + m->n_cat;
    as_status st = as__model_predict(m, X, ch->n, prob, fl ? contrib : NULL, err);   /* reasons only when written */
    if (st) return st;
    char when[24], reasons[1024];
    for (size_t i = 0; i < ch->n; i++) {
        double p = prob[i];
        stats->flagged_lines += p >= thr;
        if (fl) {
            top_reasons(m, contrib + i * ni, ch->cat[i], reasons, sizeof reasons);
            as_time_format(ch->at[i], 0, when, sizeof when);
            csv_text(fl, ch->oid[i]);
            fprintf(fl, ",%lld,", (long long)ch->line[i]);
            csv_text(fl, ch->cust[i]); fputc(',', fl);
            csv_text(fl, ch->prod[i]);
            fprintf(fl, ",%s,%.6f,%d,", when, p, p >= thr);
            if (ch->label[i] >= 0) fprintf(fl, "%d", ch->label[i]);
            fputc(',', fl);
            csv_text(fl, reasons);
            fputc('\n', fl);
        }
        if (o->lines && strcmp(ch->oid[i] ? ch->oid[i] : "", o->order) != 0) flush_order(fo, o, thr, stats);
        if (!o->lines) {
            snprintf(o->order, sizeof o->order, "%s", ch->oid[i] ? ch->oid[i] : "");
            snprintf(o->cust, sizeof o->cust, "%s", ch->cust[i] ? ch->cust[i] : "");
            o->at = ch->at[i];
        }
        o->lines++;
        o->keep *= 1 - p;
        if (p > o->max) o->max = p;
        stats->lines++;
        *sum += p;
    }
    ch->n = 0;
    as__arena_free(&ch->arena);   /* keeps memory bounded by one chunk of strings */
    as__arena_init(&ch->arena, 1 << 16);
    return AS_OK;
}

as_status as_score_db(as_db *db, const as_model *m, const as_score_params *params, as_score_stats *stats,
                      as_error *err) {
    memset(stats, 0, sizeof *stats);
    stats->n_classes = m->n_classes;
    if (m->source != AS_MODEL_SHOP)
        return as__err(err, AS_ERR_INVALID, "this model was trained on a flat CSV; score it with --csv");
    if (m->n_classes != 2)
        return as__err(err, AS_ERR_INVALID, "shop scoring needs a two-class model (return risk); this one has %d classes",
                       m->n_classes);
    if (m->n_num != (size_t)as__n_feature_numeric || m->n_cat != (size_t)as__n_feature_categorical)
        return as__err(err, AS_ERR_FORMAT, "the model expects %zu numeric features, this build makes %d; retrain it",
                       m->n_num, as__n_feature_numeric);
    for (size_t k = 0; k < m->n_num; k++)
        if (strcmp(m->num_names[k], as__feature_numeric[k]) != 0)
            return as__err(err, AS_ERR_FORMAT, "the model's feature %zu is '%s', this build makes '%s'; retrain it", k,
                           m->num_names[k], as__feature_numeric[k]);
    as_status st = as__features_current(db, err);
    if (st) return st;
    int nn = as__n_feature_numeric, nc = as__n_feature_categorical;
    as_buf sql;
    as__buf_init(&sql, 0);
    as__buf_printf(&sql, "SELECT order_id, line_no, customer_id, product_id, ordered_at, label");
    for (int c = 0; c < nc; c++) as__buf_printf(&sql, ", %s", as__feature_categorical[c]);
    for (int k = 0; k < nn; k++) as__buf_printf(&sql, ", %s", as__feature_numeric[k]);
    as__buf_printf(&sql, " FROM features WHERE ordered_at >= ? ORDER BY rowid");
    st = as__buf_cstr(&sql);
    sqlite3_stmt *q = NULL;
    if (!st) st = as__db_prepare(db, sql.data, &q, err);
    as__buf_free(&sql);
    if (st) {
        if (strstr(err->msg, "no such table"))
            return as__err(err, AS_ERR_STATE, "%s has no features; run `aftersales build --db %s` first", db->path, db->path);
        return st;
    }
    sqlite3_bind_int64(q, 1, params->from);
    double thr = params->threshold >= 0 ? params->threshold : m->threshold;
    stats->threshold = thr;
    FILE *fl = params->lines_csv ? fopen(params->lines_csv, "w") : NULL;
    FILE *fo = params->orders_csv ? fopen(params->orders_csv, "w") : NULL;
    shop_chunk *ch = NULL;
    double *X = NULL, *prob = NULL, *contrib = NULL;
    if ((params->lines_csv && !fl) || (params->orders_csv && !fo)) {
        st = as__err(err, AS_ERR_IO, "cannot write %s", params->lines_csv && !fl ? params->lines_csv : params->orders_csv);
        goto out;
    }
    if (fl) fputs("order_id,line_no,customer_id,product_id,ordered_at,risk,flagged,label,top_reasons\n", fl);
    if (fo) fputs("order_id,customer_id,ordered_at,lines,risk,max_line_risk,flagged\n", fo);
    ch = as__calloc(1, sizeof *ch);
    X = as__reallocarray(NULL, SCORE_CHUNK * m->p, sizeof *X);
    prob = as__reallocarray(NULL, SCORE_CHUNK, sizeof *prob);
    contrib = as__reallocarray(NULL, SCORE_CHUNK * (m->n_num + m->n_cat), sizeof *contrib);
    if (!ch || !X || !prob || !contrib) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
    as__arena_init(&ch->arena, 1 << 16);
    order_acc o = {.keep = 1};
    double sum = 0, num[64];
    int s;
    while ((s = sqlite3_step(q)) == SQLITE_ROW) {
        size_t i = ch->n;
        ch->oid[i] = dup_col(&ch->arena, q, 0);
        ch->line[i] = sqlite3_column_int64(q, 1);
        ch->cust[i] = dup_col(&ch->arena, q, 2);
        ch->prod[i] = dup_col(&ch->arena, q, 3);
        ch->at[i] = sqlite3_column_int64(q, 4);
        ch->label[i] = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 5);
        for (int c = 0; c < nc; c++) ch->cat[i][c] = dup_col(&ch->arena, q, 6 + c);
        for (int k = 0; k < nn; k++) num[k] = sqlite3_column_double(q, 6 + nc + k);
        if (as__model_encode(m, num, ch->cat[i], X + i * m->p, NULL) > 0 && !stats->unseen_categories++) {
            size_t c = first_unseen_column(m, ch->cat[i]);
            snprintf(stats->first_unseen, sizeof stats->first_unseen, "order %.60s line %lld: %s=%.60s",
                     ch->oid[i] ? ch->oid[i] : "", (long long)ch->line[i], m->cats[c].name,
                     ch->cat[i][c] ? ch->cat[i][c] : "");
        }
        if (++ch->n == SCORE_CHUNK && (st = score_chunk(m, ch, X, prob, contrib, fl, fo, thr, &o, stats, &sum, err)))
            break;
    }
    if (!st && ch->n) st = score_chunk(m, ch, X, prob, contrib, fl, fo, thr, &o, stats, &sum, err);
    if (!st) flush_order(fo, &o, thr, stats);
    if (!st && s != SQLITE_DONE && s != SQLITE_ROW) st = as__err(err, AS_ERR_DB, "%s: %s", db->path, sqlite3_errmsg(db->sql));
    stats->mean_risk = stats->lines ? sum / (double)stats->lines : NAN;
out:
    if (ch) as__arena_free(&ch->arena);
    as__free(ch); as__free(X); as__free(prob); as__free(contrib);
    sqlite3_finalize(q);
    if (fl && fclose(fl) != 0 && !st) st = as__err(err, AS_ERR_IO, "writing %s failed", params->lines_csv);
    if (fo && fclose(fo) != 0 && !st) st = as__err(err, AS_ERR_IO, "writing %s failed", params->orders_csv);
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
            fprintf(f, "%zu", row[i]);
            for (size_t k = 0; k < (m->n_classes <= 2 ? 3 : pw + 2); k++) fputc(',', f);
            fputc('\n', f);
            continue;
        }
        top_reasons(m, contrib + i * ni, cats + i * m->n_cat, reasons, sizeof reasons);
        if (m->n_classes <= 2) {
            double p = prob[i];
            int flag = p >= m->threshold && !(m->threshold == 0.5 && p == 0.5);   /* predict(): p > 0.5 */
            fprintf(f, "%zu,%.6f,", row[i], p);
            csv_text(f, m->class_labels[flag]);
            stats->flagged_lines += flag;
            *sum += p;
        } else {
            const double *pr = prob + i * pw;
            size_t b = 0;
            for (size_t k = 1; k < pw; k++) if (pr[k] > pr[b]) b = k;
            fprintf(f, "%zu,", row[i]);
            csv_text(f, m->class_labels[b]);
            for (size_t k = 0; k < pw; k++) fprintf(f, ",%.6f", pr[k]);
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
        fputs("row,predicted", f);
        char name[320];
        for (int k = 0; k < m->n_classes; k++) {
            snprintf(name, sizeof name, "probability_%s", m->class_labels[k]);
            fputc(',', f);
            csv_text(f, name);
        }
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
