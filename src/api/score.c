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

/* Top-3 positive contributions, as "name (+0.42); …". */
static void top_reasons(const as_model *m, char **names, const double *contrib, char *buf, size_t size) {
    int best[3] = {-1, -1, -1};
    for (size_t j = 0; j < m->p; j++) {
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
    buf[0] = '\0';
    for (int r = 0; r < 3 && best[r] >= 0 && off < size; r++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s (+%.2f)", r ? "; " : "", names[best[r]], contrib[best[r]]);
}

as_status as_score_db(as_db *db, const as_model *m, const as_score_params *params, as_score_stats *stats,
                      as_error *err) {
    memset(stats, 0, sizeof *stats);
    if (m->source != AS_MODEL_SHOP)
        return as__err(err, AS_ERR_INVALID, "this model was trained on a flat CSV; score it with --csv");
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
    if ((params->lines_csv && !fl) || (params->orders_csv && !fo)) {
        st = as__err(err, AS_ERR_IO, "cannot write %s", params->lines_csv && !fl ? params->lines_csv : params->orders_csv);
        goto out;
    }
    if (fl) fputs("order_id,line_no,customer_id,product_id,ordered_at,risk,flagged,label,top_reasons\n", fl);
    if (fo) fputs("order_id,customer_id,ordered_at,lines,risk,max_line_risk,flagged\n", fo);
    double *x = as__calloc(m->p + 1, sizeof *x), *work = as__calloc(m->p + m->dim + 1, sizeof *work);
    double *contrib = as__calloc(m->p + 1, sizeof *contrib), *eff = as__calloc(m->p + 1, sizeof *eff), num[64];
    const char *cat[8];
    char **names = as__calloc(m->p + 1, sizeof *names);
    as_arena arena;
    as__arena_init(&arena, 1 << 14);
    if (!x || !work || !contrib || !eff || !names || as__model_encoded_names(m, &arena, names)) {
        st = as__err(err, AS_ERR_NOMEM, "out of memory");
        goto free_work;
    }
    as__model_effective_weights(m, eff);
    char cur_order[256] = "", cur_cust[256] = "", when[24], reasons[512];
    int64_t cur_at = 0, cur_lines = 0;
    double cur_keep = 1, cur_max = 0, sum = 0;
    int s;
    for (;;) {
        s = sqlite3_step(q);
        const char *oid = s == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
        if (cur_lines && (!oid || strcmp(oid, cur_order) != 0)) {
            if (fo) {
                as_time_format(cur_at, 0, when, sizeof when);
                csv_text(fo, cur_order); fputc(',', fo); csv_text(fo, cur_cust);
                fprintf(fo, ",%s,%lld,%.6f,%.6f,%d\n", when, (long long)cur_lines, 1 - cur_keep, cur_max, cur_max >= thr);
            }
            stats->orders++;
            stats->flagged_orders += cur_max >= thr;   /* an order is flagged by its riskiest line */
            cur_lines = 0; cur_keep = 1; cur_max = 0;
        }
        if (s != SQLITE_ROW) break;
        for (int c = 0; c < nc; c++) cat[c] = (const char *)sqlite3_column_text(q, 6 + c);
        for (int k = 0; k < nn; k++) num[k] = sqlite3_column_double(q, 6 + nc + k);
        stats->unseen_categories += as__model_encode(m, num, cat, x) > 0;
        double p = as__model_predict_encoded(m, x, work, eff, contrib);
        stats->flagged_lines += p >= thr;
        top_reasons(m, names, contrib, reasons, sizeof reasons);
        int64_t at = sqlite3_column_int64(q, 4);
        if (fl) {
            as_time_format(at, 0, when, sizeof when);
            csv_text(fl, oid);
            fprintf(fl, ",%lld,", (long long)sqlite3_column_int64(q, 1));
            csv_text(fl, (const char *)sqlite3_column_text(q, 2)); fputc(',', fl);
            csv_text(fl, (const char *)sqlite3_column_text(q, 3));
            fprintf(fl, ",%s,%.6f,%d,", when, p, p >= thr);
            if (sqlite3_column_type(q, 5) != SQLITE_NULL) fprintf(fl, "%d", sqlite3_column_int(q, 5));
            fputc(',', fl);
            csv_text(fl, reasons);
            fputc('\n', fl);
        }
        if (!cur_lines) {
            snprintf(cur_order, sizeof cur_order, "%s", oid);
            const unsigned char *cu = sqlite3_column_text(q, 2);
            snprintf(cur_cust, sizeof cur_cust, "%s", cu ? (const char *)cu : "");
            cur_at = at;
        }
        cur_lines++;
        cur_keep *= 1 - p;
        if (p > cur_max) cur_max = p;
        stats->lines++;
        sum += p;
    }
    if (s != SQLITE_DONE) st = as__err(err, AS_ERR_DB, "%s: %s", db->path, sqlite3_errmsg(db->sql));
    stats->mean_risk = stats->lines ? sum / (double)stats->lines : NAN;
free_work:
    as__free(x); as__free(work); as__free(contrib); as__free(eff); as__free(names);
    as__arena_free(&arena);
out:
    sqlite3_finalize(q);
    if (fl && fclose(fl) != 0 && !st) st = as__err(err, AS_ERR_IO, "writing %s failed", params->lines_csv);
    if (fo && fclose(fo) != 0 && !st) st = as__err(err, AS_ERR_IO, "writing %s failed", params->orders_csv);
    return st;
}

as_status as_score_csv(const as_model *m, const char *csv_path, const char *out_csv, as_score_stats *stats,
                       as_error *err) {
    memset(stats, 0, sizeof *stats);
    if (m->source != AS_MODEL_CSV)
        return as__err(err, AS_ERR_INVALID, "this model was trained on shop data; score it with --db");
    as_table_options topt = as__table_options_default();
    topt.na_tokens = (const char *const *)m->na_tokens;   /* the missing-value tokens training used */
    topt.n_na_tokens = m->n_na_tokens;
    as_table *t = NULL;
    as_status st = as__table_read_csv(csv_path, &topt, &t, err);
    if (st) return st;
    stats->threshold = m->threshold;
    int *num_col = as__calloc(m->n_num + 1, sizeof *num_col), *cat_col = as__calloc(m->n_cat + 1, sizeof *cat_col);
    double *num = as__calloc(m->n_num + 1, sizeof *num), *x = as__calloc(m->p + 1, sizeof *x);
    double *work = as__calloc(m->p + m->dim + 1, sizeof *work);
    const char **cat = as__calloc(m->n_cat + 1, sizeof *cat);
    char buf[64];
    FILE *f = NULL;
    if (!num_col || !cat_col || !num || !x || !work || !cat) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); goto out; }
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
    fputs("row,probability,predicted\n", f);
    double sum = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        int miss = 0;
        for (size_t k = 0; k < m->n_num; k++) { num[k] = t->cols[num_col[k]].num[i]; miss |= isnan(num[k]); }
        for (size_t c = 0; c < m->n_cat; c++) {
            const as_column *col = &t->cols[cat_col[c]];
            if (col->type == AS_COL_TEXT) cat[c] = col->text[i];
            else if (isnan(col->num[i])) cat[c] = NULL;
            else { snprintf(buf, sizeof buf, "%.17g", col->num[i]); cat[c] = buf; }
            miss |= cat[c] == NULL;
        }
        if (miss) {                          /* the model was trained without missing values */
            fprintf(f, "%zu,,\n", i + 1);
            stats->skipped_missing++;
            continue;
        }
        stats->unseen_categories += as__model_encode(m, num, cat, x) > 0;
        double p = as__model_predict_encoded(m, x, work, NULL, NULL);
        fprintf(f, "%zu,%.6f,", i + 1, p);
        stats->flagged_lines += p > m->threshold;
        csv_text(f, p > m->threshold ? m->label1 : m->label0);
        fputc('\n', f);
        stats->lines++;
        sum += p;
    }
    stats->mean_risk = stats->lines ? sum / (double)stats->lines : NAN;
out:
    if (f && fclose(f) != 0 && !st) st = as__err(err, AS_ERR_IO, "writing %s failed", out_csv);
    as__free(num_col); as__free(cat_col); as__free(num); as__free(x); as__free(work); as__free(cat);
    as__table_free(t);
    return st;
}

