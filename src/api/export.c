/*
 * Export: the feature table of a target level as one flat CSV — the model's inputs as the shop training flow reads
 * them (as__shop_source), the country, and the label last — so that the analysts' flat flow (`train --csv`, the
 * seed script in pandas + scikit-learn, LIBLINEAR through a converter) runs on exactly what the shop model sees.
 *
 * One streaming pass over the table in rowid (time) order with one row in memory. Columns that are NULL on every
 * exported row are found first (only the columns NULL in the first exported row are counted over the table), since
 * a flat reader's dropna would otherwise drop every row.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/pipeline.h"

as_export_params as_export_params_default(void) {
    as_export_params p;
    memset(&p, 0, sizeof p);
    p.target_level = AS_TARGET_LINE;
    p.target_label = AS_LABEL_ANY;
    p.feature_set = AS_FEATURES_ALL;
    p.labelled_only = 1;
    return p;
}

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One output column: the table column it reads and the header it gets. */
typedef struct ex_col {
    const char *name;     /* column of the table (borrowed from the source or a literal) */
    const char *header;   /* header in the file */
    int64_t pos;          /* position in the table (inputs are written in table order) */
    int is_input, is_label, is_id, is_country, keep;
} ex_col;

typedef struct ex_plan {
    ex_col *cols;
    size_t n;
    const char *table, *label_col;
    int labelled_only;
} ex_plan;

static int cmp_pos(const void *a, const void *b) {
    int64_t x = ((const ex_col *)a)->pos, y = ((const ex_col *)b)->pos;
    return (x > y) - (x < y);
}

static const char *label_column(int label) {
    return label == AS_LABEL_KIND ? "label_kind" : label == AS_LABEL_REASON ? "label_reason" : "label";
}

/* Appends a quoted SQL identifier ("name", inner quotes doubled), every append checked: a statement cut short by a
 * failed allocation must never reach SQLite. */
static as_status put_ident(as_buf *b, const char *name, as_status st) {
    if (!st) st = as__buf_putc(b, '"');
    for (const char *c = name; *c && !st; c++) {
        if (*c == '"') st = as__buf_putc(b, '"');
        if (!st) st = as__buf_putc(b, *c);
    }
    return st ? st : as__buf_putc(b, '"');
}

static as_status put_str(as_buf *b, const char *text, as_status st) {
    return st ? st : as__buf_append(b, text, strlen(text));
}

/* SELECT <the columns (only the kept ones when keep_only), each wrapped as wrap(col) when wrap is given>[, rowid]
 * FROM table [WHERE label IS NOT NULL]<tail>. */
static as_status plan_select(const ex_plan *pl, int keep_only, const char *wrap, const char *tail, as_buf *sql) {
    as__buf_clear(sql);
    as_status st = put_str(sql, "SELECT ", AS_OK);
    int first = 1;
    for (size_t k = 0; k < pl->n; k++) {
        if (keep_only && !pl->cols[k].keep) continue;
        if (!first) st = put_str(sql, ", ", st);
        first = 0;
        if (wrap) { st = put_str(sql, wrap, st); st = put_str(sql, "(", st); }
        st = put_ident(sql, pl->cols[k].name, st);
        if (wrap) st = put_str(sql, ")", st);
    }
    st = put_str(sql, wrap ? " FROM " : ", rowid FROM ", st);
    st = put_ident(sql, pl->table, st);
    if (pl->labelled_only) {
        st = put_str(sql, " WHERE ", st);
        st = put_ident(sql, pl->label_col, st);
        st = put_str(sql, " IS NOT NULL", st);
    }
    st = put_str(sql, tail, st);
    return st ? st : as__buf_cstr(sql);
}

/* Marks the columns that hold a value on some exported row (keep = 1). The first exported row settles most of
 * them; the rest are counted over every exported row in one aggregate query. AS_ERR_NODATA when no row would be
 * exported. */
static as_status find_empty_columns(as_db *db, ex_plan *pl, as_buf *sql, as_error *err) {
    for (size_t k = 0; k < pl->n; k++) pl->cols[k].keep = 1;
    as_status st = plan_select(pl, 0, NULL, " ORDER BY rowid LIMIT 1", sql);
    if (st) return as__err(err, st, "out of memory");
    sqlite3_stmt *q = NULL;
    if ((st = as__db_prepare(db, sql->data, &q, err))) return st;
    int s = sqlite3_step(q);
    size_t candidates = 0;
    if (s == SQLITE_ROW) {
        for (size_t k = 0; k < pl->n; k++)
            if (!pl->cols[k].is_label && sqlite3_column_type(q, (int)k) == SQLITE_NULL) {
                pl->cols[k].keep = 0;
                candidates++;
            }
    }
    sqlite3_finalize(q);
    if (s == SQLITE_DONE)
        return as__err(err, AS_ERR_NODATA, "%s has no %s%s to export%s", db->path, pl->labelled_only ? "labelled " : "",
                       strcmp(pl->table, "order_features") == 0 ? "orders" : "purchase lines",
                       pl->labelled_only ? ": the data must span more than the label horizon (build --horizon), or "
                                           "export every row (--all-rows)" : "");
    if (s != SQLITE_ROW) return as__err(err, AS_ERR_DB, "%s: %s", db->path, sqlite3_errmsg(db->sql));
    if (!candidates) return AS_OK;
    /* count(col) over the candidates only: a column is kept when one exported row holds a value */
    ex_plan cand = *pl;
    cand.cols = as__calloc(candidates, sizeof *cand.cols);
    if (!cand.cols) return as__err(err, AS_ERR_NOMEM, "out of memory");
    cand.n = 0;
    for (size_t k = 0; k < pl->n; k++)
        if (!pl->cols[k].keep) cand.cols[cand.n++] = pl->cols[k];
    st = plan_select(&cand, 0, "count", "", sql);
    as__free(cand.cols);
    if (st) return as__err(err, st, "out of memory");
    if ((st = as__db_prepare(db, sql->data, &q, err))) return st;
    s = sqlite3_step(q);
    if (s == SQLITE_ROW) {
        size_t c = 0;
        for (size_t k = 0; k < pl->n; k++)
            if (!pl->cols[k].keep) pl->cols[k].keep = sqlite3_column_int64(q, (int)c++) > 0;
    } else {
        st = as__err(err, AS_ERR_DB, "%s: %s", db->path, sqlite3_errmsg(db->sql));
    }
    sqlite3_finalize(q);
    return st;
}

/* Appends a text field, quoted (RFC 4180: inner quotes doubled) when it holds a comma, a quote or a line break,
 * and the empty text as "" so that it stays apart from a NULL. */
static as_status put_text(as_buf *b, const char *s, size_t n) {
    int quote = n == 0;
    for (size_t i = 0; i < n && !quote; i++) quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) return as__buf_append(b, s, n);
    as_status st = as__buf_putc(b, '"');
    for (size_t i = 0; i < n && !st; i++) {
        if (s[i] == '"') st = as__buf_putc(b, '"');
        if (!st) st = as__buf_putc(b, s[i]);
    }
    return st ? st : as__buf_putc(b, '"');
}

/* Whole numbers up to 2^53 as integers (indicators and counts are most of the cells: no %g needed), the rest with
 * %.17g, which reads back to the same double. */
static as_status put_double(as_buf *b, double x) {
    char tmp[40];
    int n;
    if (x == floor(x) && fabs(x) < 9007199254740992.0 && !(x == 0 && signbit(x)))
        n = snprintf(tmp, sizeof tmp, "%lld", (long long)x);
    else
        n = snprintf(tmp, sizeof tmp, "%.17g", x);
    return as__buf_append(b, tmp, (size_t)n);
}

static as_status write_rows(as_db *db, const ex_plan *pl, const as_export_params *p, FILE *f, as_buf *sql,
                            as_export_stats *stats, as_error *err) {
    as_buf line;
    as__buf_init(&line, 0);
    /* header */
    as_status st = AS_OK;
    int first = 1;
    for (size_t k = 0; k < pl->n && !st; k++) {
        if (!pl->cols[k].keep) continue;
        if (!first) st = as__buf_putc(&line, ',');
        first = 0;
        if (!st) st = put_text(&line, pl->cols[k].header, strlen(pl->cols[k].header));
    }
    if (!st) st = as__buf_putc(&line, '\n');
    if (st) { as__buf_free(&line); return as__err(err, AS_ERR_NOMEM, "out of memory"); }
    if (fwrite(line.data, 1, line.len, f) != line.len) {
        as__buf_free(&line);
        return as__err(err, AS_ERR_IO, "writing %s failed: %s", p->out_csv, strerror(errno));
    }
    stats->bytes = (int64_t)line.len;

    double last_rowid = 0;
    if (p->progress) {
        as_buf mx;
        as__buf_init(&mx, 0);
        as_status ms = put_ident(&mx, pl->table, put_str(&mx, "SELECT max(rowid) FROM ", AS_OK));
        sqlite3_stmt *mq = NULL;
        as_error ignore;   /* without a total the bar shows a count */
        if (!ms && !as__buf_cstr(&mx) && as__db_prepare(db, mx.data, &mq, &ignore) == AS_OK &&
            sqlite3_step(mq) == SQLITE_ROW)
            last_rowid = sqlite3_column_double(mq, 0);
        sqlite3_finalize(mq);
        as__buf_free(&mx);
        p->progress(p->progress_user, "export", 0, last_rowid);
    }
    if ((st = plan_select(pl, 1, NULL, " ORDER BY rowid", sql))) {
        as__buf_free(&line);
        return as__err(err, st, "out of memory");
    }
    sqlite3_stmt *q = NULL;
    if ((st = as__db_prepare(db, sql->data, &q, err))) { as__buf_free(&line); return st; }
    int nk = sqlite3_column_count(q) - 1;   /* the last one is rowid */
    int s;
    while ((s = sqlite3_step(q)) == SQLITE_ROW) {
        as__buf_clear(&line);
        for (int c = 0; c < nk && !st; c++) {
            if (c) st = as__buf_putc(&line, ',');
            if (st) break;
            switch (sqlite3_column_type(q, c)) {
            case SQLITE_NULL: break;
            case SQLITE_INTEGER: {
                char tmp[24];
                int n = snprintf(tmp, sizeof tmp, "%lld", (long long)sqlite3_column_int64(q, c));
                st = as__buf_append(&line, tmp, (size_t)n);
                break;
            }
            case SQLITE_FLOAT: st = put_double(&line, sqlite3_column_double(q, c)); break;
            default: {
                const char *t = (const char *)sqlite3_column_text(q, c);
                st = put_text(&line, t ? t : "", (size_t)sqlite3_column_bytes(q, c));
                break;
            }
            }
        }
        if (!st) st = as__buf_putc(&line, '\n');
        if (st) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
        if (fwrite(line.data, 1, line.len, f) != line.len) {
            st = as__err(err, AS_ERR_IO, "writing %s failed: %s", p->out_csv, strerror(errno));
            break;
        }
        stats->bytes += (int64_t)line.len;
        stats->rows++;
        if (p->progress && (stats->rows & 0xfff) == 0)
            p->progress(p->progress_user, "export", sqlite3_column_double(q, nk), last_rowid);
    }
    if (!st && s != SQLITE_DONE) st = as__err(err, AS_ERR_DB, "%s: %s", db->path, sqlite3_errmsg(db->sql));
    sqlite3_finalize(q);
    as__buf_free(&line);
    if (!st && p->progress) p->progress(p->progress_user, "export", last_rowid, last_rowid);
    return st;
}

/* Position of column `name` in the table (PRAGMA table_info's cid), or -1 when the table has no such column. */
static int64_t column_pos(sqlite3_stmt *q, const char *name) {
    sqlite3_reset(q);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    int64_t pos = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_reset(q);
    return pos;
}

/* The output columns: ids (when asked and present), the inputs in table order, country, the label. */
static as_status make_plan(as_db *db, const as_shop_source *src, const as_export_params *p, ex_plan *pl,
                           as_error *err) {
    static const char *const line_ids[] = {"order_id", "line_no", "customer_id", "product_id"};
    static const char *const order_ids[] = {"order_id", "customer_id"};
    const int order = p->target_level == AS_TARGET_ORDER;
    const char *const *ids = order ? order_ids : line_ids;
    const size_t n_ids = order ? 2 : 4, n_in = src->n_num + src->n_cat;
    sqlite3_stmt *q = NULL;
    as_status st = as__db_prepare(db, "SELECT cid FROM pragma_table_info(?1) WHERE name = ?2", &q, err);
    if (st) return st;
    sqlite3_bind_text(q, 1, src->table, -1, SQLITE_STATIC);
    memset(pl, 0, sizeof *pl);
    pl->table = src->table;
    pl->label_col = label_column(p->target_label);
    pl->labelled_only = p->labelled_only != 0;
    pl->cols = as__calloc(n_ids + n_in + 2, sizeof *pl->cols);
    if (!pl->cols) { sqlite3_finalize(q); return as__err(err, AS_ERR_NOMEM, "out of memory"); }
    for (size_t k = 0; p->include_ids && k < n_ids; k++)
        if (column_pos(q, ids[k]) >= 0) {
            ex_col *c = &pl->cols[pl->n++];
            c->name = c->header = ids[k];
            c->is_id = 1;
        }
    size_t first_input = pl->n;
    int country_is_input = 0;
    for (size_t k = 0; k < n_in; k++) {
        const char *name = k < src->n_num ? src->num[k] : src->cat[k - src->n_num];
        int64_t pos = column_pos(q, name);
        ex_col *c = &pl->cols[pl->n++];
        c->name = c->header = name;
        c->pos = pos >= 0 ? pos : INT64_MAX;   /* as__shop_source checked that every input exists */
        c->is_input = 1;
        country_is_input |= strcmp(name, "country") == 0;
    }
    qsort(pl->cols + first_input, n_in, sizeof *pl->cols, cmp_pos);
    if (!country_is_input && column_pos(q, "country") >= 0) {
        ex_col *c = &pl->cols[pl->n++];
        c->name = c->header = "country";
        c->is_country = 1;
    }
    sqlite3_finalize(q);
    ex_col *c = &pl->cols[pl->n++];
    c->name = pl->label_col;
    c->header = "label";
    c->is_label = 1;
    return AS_OK;
}

static void note_dropped(const ex_plan *pl, as_export_stats *s) {
    size_t o = 0;
    for (size_t k = 0; k < pl->n; k++) {
        if (pl->cols[k].keep) {
            s->columns++;
            s->inputs += pl->cols[k].is_input;
            s->ids += pl->cols[k].is_id;
            s->country |= pl->cols[k].is_country;
            continue;
        }
        s->columns_dropped_all_missing++;
        if (o < sizeof s->dropped) {
            int n = snprintf(s->dropped + o, sizeof s->dropped - o, "%s%s", o ? ", " : "", pl->cols[k].header);
            o += n > 0 ? (size_t)n : 0;
        }
    }
}

as_status as_export_csv(as_db *db, const as_export_params *params, as_export_stats *stats, as_error *err) {
    as_export_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    double t0 = seconds_now();
    if (!db) return as__err(err, AS_ERR_INVALID, "no database given to the export");
    as_export_params p = params ? *params : as_export_params_default();
    if (!p.out_csv || !*p.out_csv) return as__err(err, AS_ERR_INVALID, "the export needs an output file (--out)");
    if (p.target_level < AS_TARGET_LINE || p.target_level > AS_TARGET_ORDER || p.target_label < AS_LABEL_ANY ||
        p.target_label > AS_LABEL_REASON || p.feature_set < AS_FEATURES_ALL || p.feature_set > AS_FEATURES_MAIN)
        return as__err(err, AS_ERR_INVALID, "unknown target level %d, label %d or feature set %d (use line|order, "
                       "any|kind|reason, all|main)", p.target_level, p.target_label, p.feature_set);
    char part[4200];
    int pn = snprintf(part, sizeof part, "%s.part", p.out_csv);
    if (pn < 0 || (size_t)pn >= sizeof part) return as__err(err, AS_ERR_INVALID, "output path too long: %s", p.out_csv);

    as_status st = as__features_current(db, err);
    if (st) return st;
    as_shop_source src;
    if ((st = as__shop_source(db, p.target_level, p.feature_set, &src, err))) return st;
    if (p.target_label != AS_LABEL_ANY && !src.has_label_text) {
        st = as__err(err, AS_ERR_STATE, "%s has no %s labels (column %s of %s): its features were built before "
                     "multiclass targets existed; run `aftersales build --db %s` again", db->path,
                     p.target_label == AS_LABEL_KIND ? "case kind" : "reason class", label_column(p.target_label),
                     src.table, db->path);
        as__shop_source_free(&src);
        return st;
    }
    ex_plan pl;
    memset(&pl, 0, sizeof pl);
    as_buf sql;
    as__buf_init(&sql, 0);
    FILE *f = NULL;
    if ((st = make_plan(db, &src, &p, &pl, err))) goto out;
    if ((st = find_empty_columns(db, &pl, &sql, err))) goto out;
    note_dropped(&pl, stats);
    f = fopen(part, "wb");
    if (!f) { st = as__err(err, AS_ERR_IO, "cannot write %s: %s", part, strerror(errno)); goto out; }
    setvbuf(f, NULL, _IOFBF, (size_t)1 << 20);
    st = write_rows(db, &pl, &p, f, &sql, stats, err);
    int bad = ferror(f);
    if (fclose(f) != 0) bad = 1;
    f = NULL;
    if (!st && bad) st = as__err(err, AS_ERR_IO, "writing %s failed (disk full?)", p.out_csv);
    if (!st && rename(part, p.out_csv) != 0)
        st = as__err(err, AS_ERR_IO, "cannot rename %s to %s: %s", part, p.out_csv, strerror(errno));
    if (st) remove(part);
out:
    as__free(pl.cols);
    as__buf_free(&sql);
    as__shop_source_free(&src);
    stats->seconds = seconds_now() - t0;
    if (st) {
        double secs = stats->seconds;
        memset(stats, 0, sizeof *stats);
        stats->seconds = secs;
    }
    return st;
}
