/*
 * Preset canonical: a folder holding one CSV (or CSV.gz) per canonical table, with the canonical column
 * names as the header (DESIGN.md §3; the simulated shop writes this form). Columns may come in any order;
 * optional columns may be absent; unknown columns are ignored. Timestamps accept the forms of as_time_parse.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/ingest.h"

typedef enum { K_TEXT, K_INT, K_REAL, K_TIME } col_kind;
typedef struct col_spec { const char *name; col_kind kind; int required; } col_spec;
typedef struct table_spec {
    const char *file;           /* without extension */
    const char *table;
    int required;
    int n_key;                  /* the first n_key columns are the table's key */
    col_spec cols[10];
} table_spec;

static const table_spec tables[] = {
    {"customers", "customers", 0, 1, {{"customer_id", K_TEXT, 1}, {"country", K_TEXT, 0}, {"first_seen", K_TIME, 0}}},
    {"products", "products", 0, 1, {{"product_id", K_TEXT, 1}, {"description", K_TEXT, 0}, {"category", K_TEXT, 0},
                                 {"supplier", K_TEXT, 0}, {"list_price", K_REAL, 0}}},
    {"orders", "orders", 1, 1, {{"order_id", K_TEXT, 1}, {"customer_id", K_TEXT, 0}, {"ordered_at", K_TIME, 1},
                             {"channel", K_TEXT, 0}, {"country", K_TEXT, 0}, {"payment", K_TEXT, 0},
                             {"promised_at", K_TIME, 0}, {"delivered_at", K_TIME, 0}}},
    {"order_lines", "order_lines", 1, 2, {{"order_id", K_TEXT, 1}, {"line_no", K_INT, 1}, {"product_id", K_TEXT, 1},
                                       {"quantity", K_REAL, 1}, {"unit_price", K_REAL, 0}, {"discount", K_REAL, 0}}},
    {"cases", "cases", 0, 1, {{"case_id", K_TEXT, 1}, {"order_id", K_TEXT, 0}, {"customer_id", K_TEXT, 0},
                           {"product_id", K_TEXT, 0}, {"kind", K_TEXT, 1}, {"reason", K_TEXT, 0},
                           {"opened_at", K_TIME, 1}, {"quantity", K_REAL, 0}, {"amount", K_REAL, 0}}},
    {"truth_products", "truth_products", 0, 1, {{"product_id", K_TEXT, 1}, {"category", K_TEXT, 0},
                                             {"defective", K_INT, 0}, {"onset", K_TIME, 0},
                                             {"base_rate", K_REAL, 0}, {"defect_rate", K_REAL, 0}}},
    {"truth_customers", "truth_customers", 0, 1, {{"customer_id", K_TEXT, 1}, {"propensity", K_REAL, 0}}},
};

static const char *kind_name(col_kind k) {
    return k == K_INT ? "an integer" : k == K_REAL ? "a number" : k == K_TIME ? "a date" : "text";
}

static int find_file(const char *dir, const char *stem, char *path, size_t size) {
    struct stat sb;
    snprintf(path, size, "%s/%s.csv", dir, stem);
    if (stat(path, &sb) == 0) return 1;
    snprintf(path, size, "%s/%s.csv.gz", dir, stem);
    return stat(path, &sb) == 0;
}

/* The closest header name to a missing canonical column, for "did you mean". */
static const char *closest_header(const as_csv_field *f, size_t nf, const char *want, char *buf, size_t size) {
    const char *names[256];
    size_t lens[256], n = nf < 256 ? nf : 256;
    for (size_t i = 0; i < n; i++) { names[i] = f[i].p; lens[i] = f[i].n; }
    size_t k = as__closest_name(want, strlen(want), names, lens, n);
    if (k == (size_t)-1) return NULL;     /* nothing close: no suggestion is better than a wild one */
    snprintf(buf, size, "%.*s", (int)lens[k], names[k]);
    return buf;
}

typedef struct table_run {
    as_ingest_ctx *cx;
    const table_spec *ts;
    int src[10], ncols;
    sqlite3_stmt *ins, *upd;
    int64_t *counter;
} table_run;

static as_status table_record(void *user, const as_csv_field *f, size_t nf, int64_t line, const char *raw,
                              size_t raw_n, as_error *err) {
    (void)nf;
    table_run *tr = user;
    as_ingest_ctx *cx = tr->cx;
    const table_spec *ts = tr->ts;
    const char *bad_col = NULL;
    col_kind bad_kind = K_TEXT;
    const as_csv_field *bad_f = NULL;
    sqlite3_stmt *stmts[2] = {tr->ins, tr->upd};
    for (int k = 0; k < 2; k++) {
        if (!stmts[k]) continue;
        sqlite3_reset(stmts[k]);
        sqlite3_clear_bindings(stmts[k]);
    }
    for (int c = 0; c < tr->ncols && !bad_col; c++) {
        if (tr->src[c] < 0) continue;
        const as_csv_field *v = &f[tr->src[c]];
        const col_spec *cs = &ts->cols[c];
        if (as__ingest_is_missing(cx, v)) {
            if (cs->required) { bad_col = cs->name; bad_kind = cs->kind; bad_f = v; }
            continue;
        }
        int64_t iv;
        double dv;
        for (int k = 0; k < 2 && !bad_col; k++) {
            sqlite3_stmt *q = stmts[k];
            if (!q) continue;
            switch (cs->kind) {
            case K_TEXT: sqlite3_bind_text(q, c + 1, v->p, (int)v->n, SQLITE_TRANSIENT); break;
            case K_INT:
                if (as__parse_int64(v->p, v->n, &iv)) sqlite3_bind_int64(q, c + 1, iv);
                else { bad_col = cs->name; bad_kind = cs->kind; bad_f = v; }
                break;
            case K_REAL:
                if (as__parse_double(v->p, v->n, &dv) && fabs(dv) <= 1e12) sqlite3_bind_double(q, c + 1, dv);
                else { bad_col = cs->name; bad_kind = cs->kind; bad_f = v; }
                break;
            case K_TIME:
                if (as__time_parse_n(v->p, v->n, &iv)) sqlite3_bind_int64(q, c + 1, iv);
                else { bad_col = cs->name; bad_kind = cs->kind; bad_f = v; }
                break;
            }
        }
    }
    if (bad_col) {
        char key[96], detail[512];
        snprintf(key, sizeof key, "%s: %s %s", ts->table, bad_col, bad_f->n ? "is not valid" : "is empty");
        snprintf(detail, sizeof detail, "%s:%lld: field %s = '%.*s' is not %s; fix it or leave the row out",
                 cx->source, (long long)line, bad_col, (int)(bad_f->n > 80 ? 80 : bad_f->n), bad_f->p,
                 bad_kind == K_REAL ? "a number (at most 1e12 in size)" : kind_name(bad_kind));
        return as__ingest_reject(cx, line, key, detail, raw, raw_n, err);
    }
    return as__ingest_upsert(cx, tr->ins, tr->upd, tr->counter, err);
}

static as_status load_table(as_ingest_ctx *cx, const table_spec *ts, const char *path, as_error *err) {
    as_csv_reader *r;
    as_csv_field *f;
    size_t nf;
    as_status st = as__ingest_open(path, &r, &f, &nf, err);
    if (st == AS_ERR_NODATA) return AS_OK;   /* an empty file is an empty table */
    if (st) return st;
    size_t header_n = nf;
    table_run tr;
    memset(&tr, 0, sizeof tr);
    tr.cx = cx;
    tr.ts = ts;
    /* INSERT OR IGNORE, and an UPDATE of the present non-key columns where some value differs, both with
     * parameters ?1…?n in column order so one binding serves both. */
    as_buf ins, upd, diff;
    as__buf_init(&ins, 0);
    as__buf_init(&upd, 0);
    as__buf_init(&diff, 0);
    as__buf_printf(&ins, "INSERT OR IGNORE INTO %s(", ts->table);
    as__buf_printf(&upd, "UPDATE %s SET ", ts->table);
    int n_set = 0;
    char near[128];
    for (int c = 0; c < 10 && ts->cols[c].name; c++, tr.ncols++) {
        tr.src[c] = -1;
        for (size_t i = 0; i < nf; i++)
            if (strlen(ts->cols[c].name) == f[i].n && memcmp(f[i].p, ts->cols[c].name, f[i].n) == 0) tr.src[c] = (int)i;
        if (tr.src[c] < 0 && ts->cols[c].required) {
            const char *guess = closest_header(f, nf, ts->cols[c].name, near, sizeof near);
            st = as__err(err, AS_ERR_INVALID, "%s:1: required column '%s' is missing from the header%s%s%s; "
                         "rename the column (docs/presets.md lists the canonical names)", path, ts->cols[c].name,
                         guess ? " (did you mean '" : "", guess ? guess : "", guess ? "'?)" : "");
            break;
        }
        as__buf_printf(&ins, "%s%s", c ? "," : "", ts->cols[c].name);
        if (c >= ts->n_key && tr.src[c] >= 0) {
            as__buf_printf(&upd, "%s%s = ?%d", n_set ? ", " : "", ts->cols[c].name, c + 1);
            as__buf_printf(&diff, "%s%s IS NOT ?%d", n_set ? " OR " : "", ts->cols[c].name, c + 1);
            n_set++;
        }
    }
    if (!st) {
        as__buf_printf(&ins, ") VALUES(");
        for (int c = 0; c < tr.ncols; c++) as__buf_printf(&ins, "%s?%d", c ? "," : "", c + 1);
        as__buf_printf(&ins, ")");
        as__buf_printf(&upd, " WHERE ");
        for (int c = 0; c < ts->n_key; c++) as__buf_printf(&upd, "%s%s = ?%d", c ? " AND " : "", ts->cols[c].name, c + 1);
        as__buf_printf(&upd, " AND (");
        if (diff.len) as__buf_append(&upd, diff.data, diff.len);
        as__buf_printf(&upd, ")");
        if (as__buf_cstr(&ins) || as__buf_cstr(&upd)) st = as__err(err, AS_ERR_NOMEM, "out of memory");
    }
    if (!st) st = as__db_prepare(cx->db, ins.data, &tr.ins, err);
    if (!st && n_set) st = as__db_prepare(cx->db, upd.data, &tr.upd, err);
    as__buf_free(&ins);
    as__buf_free(&upd);
    as__buf_free(&diff);

    as_ingest_stats *stats = cx->stats;
    tr.counter = ts == &tables[3] ? &stats->purchases : ts == &tables[4] ? &stats->cases
               : ts == &tables[2] ? &stats->orders : ts == &tables[1] ? &stats->products
               : ts == &tables[0] ? &stats->customers : NULL;
    const char *saved_source = cx->source;
    const char *slash = strrchr(path, '/');
    cx->source = slash ? slash + 1 : path;
    if (!st) st = as__ingest_drive(cx, r, header_n, table_record, &tr, err);
    cx->source = saved_source;
    sqlite3_finalize(tr.ins);
    sqlite3_finalize(tr.upd);
    as__csv_close(r);
    return st;
}

as_status as__ingest_canonical(as_ingest_ctx *cx, const char *dir, as_error *err) {
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return as__err(err, AS_ERR_IO, "%s is not a folder; the canonical preset reads a folder with orders.csv, "
                       "order_lines.csv and optionally customers.csv, products.csv, cases.csv", dir);
    char path[4096];
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        if (!find_file(dir, tables[t].file, path, sizeof path)) {
            if (tables[t].required)
                return as__err(err, AS_ERR_IO, "%s/%s.csv is missing; the canonical preset needs it", dir,
                               tables[t].file);
            continue;
        }
        as_status st = load_table(cx, &tables[t], path, err);
        if (st) return st;
    }
    /* Order lines whose order is missing are kept (their order may come in a later ingest) and counted. */
    sqlite3_stmt *q;
    as_status st0 = as__db_prepare(cx->db, "SELECT count(*) FROM order_lines ol WHERE NOT EXISTS "
                                           "(SELECT 1 FROM orders o WHERE o.order_id = ol.order_id)", &q, err);
    if (st0) return st0;
    if (sqlite3_step(q) == SQLITE_ROW) cx->stats->orphan_lines = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    /* Customers and products referenced by orders but not listed get a row, so history has a home. */
    as_status st = as__db_exec(cx->db,
        "INSERT OR IGNORE INTO customers(customer_id, first_seen) SELECT customer_id, min(ordered_at) FROM orders "
        "WHERE customer_id IS NOT NULL GROUP BY customer_id;"
        "INSERT OR IGNORE INTO products(product_id) SELECT DISTINCT product_id FROM order_lines;", err);
    return st;
}
