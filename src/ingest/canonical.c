/*
 * Preset canonical: a folder holding one CSV (or CSV.gz) per canonical table, with the canonical column
 * names as the header (DESIGN.md §3; the simulated shop writes this form). Columns may come in any order;
 * optional columns may be absent; unknown columns are ignored. Timestamps accept the forms of as_time_parse.
 */
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
    col_spec cols[10];
} table_spec;

static const table_spec tables[] = {
    {"customers", "customers", 0, {{"customer_id", K_TEXT, 1}, {"country", K_TEXT, 0}, {"first_seen", K_TIME, 0}}},
    {"products", "products", 0, {{"product_id", K_TEXT, 1}, {"description", K_TEXT, 0}, {"category", K_TEXT, 0},
                                 {"supplier", K_TEXT, 0}, {"list_price", K_REAL, 0}}},
    {"orders", "orders", 1, {{"order_id", K_TEXT, 1}, {"customer_id", K_TEXT, 0}, {"ordered_at", K_TIME, 1},
                             {"channel", K_TEXT, 0}, {"country", K_TEXT, 0}, {"payment", K_TEXT, 0},
                             {"promised_at", K_TIME, 0}, {"delivered_at", K_TIME, 0}}},
    {"order_lines", "order_lines", 1, {{"order_id", K_TEXT, 1}, {"line_no", K_INT, 1}, {"product_id", K_TEXT, 1},
                                       {"quantity", K_REAL, 1}, {"unit_price", K_REAL, 0}, {"discount", K_REAL, 0}}},
    {"cases", "cases", 0, {{"case_id", K_TEXT, 1}, {"order_id", K_TEXT, 0}, {"customer_id", K_TEXT, 0},
                           {"product_id", K_TEXT, 0}, {"kind", K_TEXT, 1}, {"reason", K_TEXT, 0},
                           {"opened_at", K_TIME, 1}, {"quantity", K_REAL, 0}, {"amount", K_REAL, 0}}},
    {"truth_products", "truth_products", 0, {{"product_id", K_TEXT, 1}, {"category", K_TEXT, 0},
                                             {"defective", K_INT, 0}, {"onset", K_TIME, 0},
                                             {"base_rate", K_REAL, 0}, {"defect_rate", K_REAL, 0}}},
    {"truth_customers", "truth_customers", 0, {{"customer_id", K_TEXT, 1}, {"propensity", K_REAL, 0}}},
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

static as_status load_table(as_ingest_ctx *cx, const table_spec *ts, const char *path, as_error *err) {
    as_csv_options copt = as__csv_options_default();
    as_csv_reader *r = NULL;
    as_status st = as__csv_open(path, &copt, &r, err);
    if (st) return st;
    as_csv_field *f;
    size_t nf;
    st = as__csv_next(r, &f, &nf, err);
    if (st == AS_ERR_NODATA) { as__csv_close(r); return AS_OK; }   /* an empty file is an empty table */
    if (st) { as__csv_close(r); return st; }
    size_t header_n = nf;
    int src[10], ncols = 0;
    as_buf sql;
    as__buf_init(&sql, 0);
    as__buf_printf(&sql, "INSERT OR IGNORE INTO %s(", ts->table);
    for (int c = 0; c < 10 && ts->cols[c].name; c++, ncols++) {
        src[c] = -1;
        for (size_t i = 0; i < nf; i++)
            if (strlen(ts->cols[c].name) == f[i].n && memcmp(f[i].p, ts->cols[c].name, f[i].n) == 0) src[c] = (int)i;
        if (src[c] < 0 && ts->cols[c].required) {
            as__buf_free(&sql);
            as__csv_close(r);
            return as__err(err, AS_ERR_INVALID, "%s:1: required column '%s' is missing from the header", path,
                           ts->cols[c].name);
        }
        as__buf_printf(&sql, "%s%s", c ? "," : "", ts->cols[c].name);
    }
    as__buf_printf(&sql, ") VALUES(");
    for (int c = 0; c < ncols; c++) as__buf_printf(&sql, "%s?", c ? "," : "");
    st = as__buf_printf(&sql, ")");
    if (!st) st = as__buf_cstr(&sql);
    sqlite3_stmt *ins = NULL;
    if (!st) st = as__db_prepare(cx->db, sql.data, &ins, err);
    as__buf_free(&sql);
    if (st) { as__csv_close(r); return st; }

    as_ingest_stats *stats = cx->stats;
    char detail[512], key[96];
    const char *saved_source = cx->source;
    const char *slash = strrchr(path, '/');
    cx->source = slash ? slash + 1 : path;
    while ((st = as__csv_next(r, &f, &nf, err)) == AS_OK) {
        stats->records_read++;
        as__ingest_progress(cx, r);
        int64_t line = as__csv_line(r);
        size_t raw_n;
        const char *raw = as__csv_raw(r, &raw_n);
        if (nf != header_n) {
            snprintf(detail, sizeof detail, "expected %zu fields as in the header, found %zu", header_n, nf);
            if ((st = as__ingest_reject(cx, line, "wrong number of fields", detail, raw, raw_n, err))) break;
            continue;
        }
        const char *bad_col = NULL;
        col_kind bad_kind = K_TEXT;
        const as_csv_field *bad_f = NULL;
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        for (int c = 0; c < ncols && !bad_col; c++) {
            if (src[c] < 0) continue;
            const as_csv_field *v = &f[src[c]];
            const col_spec *cs = &ts->cols[c];
            if (as__ingest_is_missing(cx, v)) {
                if (cs->required) { bad_col = cs->name; bad_kind = cs->kind; bad_f = v; }
                continue;
            }
            int64_t iv;
            double dv;
            switch (cs->kind) {
            case K_TEXT: sqlite3_bind_text(ins, c + 1, v->p, (int)v->n, SQLITE_TRANSIENT); break;
            case K_INT:
                if (as__parse_int64(v->p, v->n, &iv)) sqlite3_bind_int64(ins, c + 1, iv);
                else { bad_col = cs->name; bad_kind = cs->kind; bad_f = v; }
                break;
            case K_REAL:
                if (as__parse_double(v->p, v->n, &dv)) sqlite3_bind_double(ins, c + 1, dv);
                else { bad_col = cs->name; bad_kind = cs->kind; bad_f = v; }
                break;
            case K_TIME:
                if (as__time_parse_n(v->p, v->n, &iv)) sqlite3_bind_int64(ins, c + 1, iv);
                else { bad_col = cs->name; bad_kind = cs->kind; bad_f = v; }
                break;
            }
        }
        if (bad_col) {
            snprintf(key, sizeof key, "%s: %s %s", ts->table, bad_col, bad_f->n ? "is not valid" : "is empty");
            snprintf(detail, sizeof detail, "%s:%lld: field %s = '%.*s' is not %s; fix it or leave the row out",
                     cx->source, (long long)line, bad_col, (int)(bad_f->n > 80 ? 80 : bad_f->n), bad_f->p,
                     kind_name(bad_kind));
            if ((st = as__ingest_reject(cx, line, key, detail, raw, raw_n, err))) break;
            continue;
        }
        if (sqlite3_step(ins) != SQLITE_DONE) {
            st = as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(cx->db->sql));
            break;
        }
        if (sqlite3_changes(cx->db->sql) > 0) {
            stats->loaded++;
            if (ts->table == tables[3].table) stats->purchases++;
            else if (ts->table == tables[4].table) stats->cases++;
            else if (ts->table == tables[2].table) stats->orders++;
            else if (ts->table == tables[1].table) stats->products++;
            else if (ts->table == tables[0].table) stats->customers++;
        } else {
            stats->skipped_duplicates++;
        }
    }
    if (st == AS_ERR_NODATA) st = AS_OK;
    else if (st == AS_ERR_PARSE) {
        size_t raw_n;
        const char *raw = as__csv_raw(r, &raw_n);
        as_error perr = *err;
        cx->stats->records_read++;   /* the malformed record counts as read, and as rejected */
        st = as__ingest_reject(cx, as__csv_line(r), "malformed CSV record", perr.msg, raw, raw_n, err);
    }
    cx->source = saved_source;
    sqlite3_finalize(ins);
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
    /* Customers and products referenced by orders but not listed get a row, so history has a home. */
    as_status st = as__db_exec(cx->db,
        "INSERT OR IGNORE INTO customers(customer_id, first_seen) SELECT customer_id, min(ordered_at) FROM orders "
        "WHERE customer_id IS NOT NULL GROUP BY customer_id;"
        "INSERT OR IGNORE INTO products(product_id) SELECT DISTINCT product_id FROM order_lines;", err);
    return st;
}
