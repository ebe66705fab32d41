/*
 * Preset canonical: a folder holding one CSV (or CSV.gz) per canonical table, with the canonical column
 * names as the header (DESIGN.md §3; the simulated shop writes this form). Columns may come in any order;
 * optional columns may be absent; unknown columns are left out and listed in the stats (the CLI warns).
 * Timestamps accept the forms of as_time_parse.
 *
 * Personal data (docs/presets.md, "Personal data"): a column whose name looks personal (name, email, phone,
 * street, …: as__pii_name_looks_personal) is declared personal by this preset and dropped — its values reach
 * neither the tables nor the rejects; free text (product descriptions, case reasons, review texts) has its
 * e-mail addresses and phone numbers replaced by pseudonyms. Cases get their reason class from the lexicon.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/ingest.h"
#include "quality/reasons.h"

/* K_CLASS: not read from the file; the reason class of the row's reason text (NULL when it has none). */
typedef enum { K_TEXT, K_INT, K_REAL, K_TIME, K_CLASS } col_kind;
#define MAX_COLS 12
typedef struct col_spec {
    const char *name;
    col_kind kind;
    int required;
    int free_text;              /* scrubbed of e-mail addresses and phone numbers */
} col_spec;
typedef struct table_spec {
    const char *file;           /* without extension */
    const char *table;
    int required;
    int n_key;                  /* the first n_key columns are the table's key */
    col_spec cols[MAX_COLS];
} table_spec;

static const table_spec tables[] = {
    {"customers", "customers", 0, 1, {{"customer_id", K_TEXT, 1, 0}, {"country", K_TEXT, 0, 0},
                                      {"first_seen", K_TIME, 0, 0}}},
    {"products", "products", 0, 1, {{"product_id", K_TEXT, 1, 0}, {"description", K_TEXT, 0, 1},
                                    {"category", K_TEXT, 0, 0}, {"supplier", K_TEXT, 0, 0},
                                    {"list_price", K_REAL, 0, 0}}},
    {"orders", "orders", 1, 1, {{"order_id", K_TEXT, 1, 0}, {"customer_id", K_TEXT, 0, 0},
                                {"ordered_at", K_TIME, 1, 0}, {"channel", K_TEXT, 0, 0}, {"country", K_TEXT, 0, 0},
                                {"payment", K_TEXT, 0, 0}, {"promised_at", K_TIME, 0, 0},
                                {"delivered_at", K_TIME, 0, 0}, {"carrier", K_TEXT, 0, 0},
                                {"status", K_TEXT, 0, 0}}},
    {"order_lines", "order_lines", 1, 2, {{"order_id", K_TEXT, 1, 0}, {"line_no", K_INT, 1, 0},
                                          {"product_id", K_TEXT, 1, 0}, {"quantity", K_REAL, 1, 0},
                                          {"unit_price", K_REAL, 0, 0}, {"discount", K_REAL, 0, 0},
                                          {"seller_id", K_TEXT, 0, 0}, {"freight", K_REAL, 0, 0}}},
    {"cases", "cases", 0, 1, {{"case_id", K_TEXT, 1, 0}, {"order_id", K_TEXT, 0, 0}, {"customer_id", K_TEXT, 0, 0},
                              {"product_id", K_TEXT, 0, 0}, {"kind", K_TEXT, 1, 0}, {"reason", K_TEXT, 0, 1},
                              {"opened_at", K_TIME, 1, 0}, {"quantity", K_REAL, 0, 0}, {"amount", K_REAL, 0, 0},
                              {"reason_class", K_CLASS, 0, 0}}},
    {"reviews", "reviews", 0, 1, {{"review_id", K_TEXT, 1, 0}, {"order_id", K_TEXT, 1, 0}, {"score", K_INT, 1, 0},
                                  {"text", K_TEXT, 0, 1}, {"created_at", K_TIME, 1, 0}}},
    {"truth_products", "truth_products", 0, 1, {{"product_id", K_TEXT, 1, 0}, {"category", K_TEXT, 0, 0},
                                                {"defective", K_INT, 0, 0}, {"onset", K_TIME, 0, 0},
                                                {"base_rate", K_REAL, 0, 0}, {"defect_rate", K_REAL, 0, 0}}},
    {"truth_customers", "truth_customers", 0, 1, {{"customer_id", K_TEXT, 1, 0}, {"propensity", K_REAL, 0, 0},
                                                  {"serial_returner", K_INT, 0, 0}}},
    {"truth_carriers", "truth_carriers", 0, 1, {{"carrier", K_TEXT, 1, 0}, {"late_rate", K_REAL, 0, 0},
                                                {"peak_late_rate", K_REAL, 0, 0}}},
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
    int src[MAX_COLS], ncols;
    int reason_src;              /* header field of the reason text (K_CLASS), −1 when absent */
    int is_reviews;
    sqlite3_stmt *ins, *upd;
    sqlite3_stmt *key_find, *key_add;   /* reviews: temp.as_review_keys (review_id → rowid) */
    int64_t *counter;
    const unsigned char *personal;      /* per header field: AS_PII_DROP for a column dropped as personal */
    size_t header_n;
} table_run;

/* reviews has no key constraint (other sources write it too), so during one file its keys are kept in a
 * temporary table: one B-tree lookup per record instead of a scan. */
static as_status review_upsert(table_run *tr, const as_csv_field *id, int64_t line, as_error *err) {
    as_ingest_ctx *cx = tr->cx;
    sqlite3 *sql = cx->db->sql;
    sqlite3_bind_text(tr->ins, tr->ncols + 1, cx->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(tr->ins, tr->ncols + 2, line);
    sqlite3_reset(tr->key_find);
    sqlite3_bind_text(tr->key_find, 1, id->p, (int)id->n, SQLITE_STATIC);
    int rc = sqlite3_step(tr->key_find);
    as_status st = AS_OK;
    if (rc == SQLITE_ROW) {
        sqlite3_int64 rid = sqlite3_column_int64(tr->key_find, 0);
        sqlite3_reset(tr->key_find);
        if (!tr->upd) {
            cx->stats->skipped_duplicates++;
            return AS_OK;
        }
        sqlite3_bind_int64(tr->upd, tr->ncols + 3, rid);
        if (sqlite3_step(tr->upd) != SQLITE_DONE) st = as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(sql));
        else if (sqlite3_changes(sql) > 0) cx->stats->updated++;
        else cx->stats->skipped_duplicates++;
        sqlite3_reset(tr->upd);
        return st;
    }
    sqlite3_reset(tr->key_find);
    if (rc != SQLITE_DONE) return as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(sql));
    if (sqlite3_step(tr->ins) != SQLITE_DONE)
        return as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(sql));
    sqlite3_reset(tr->ins);
    cx->stats->loaded++;
    cx->stats->reviews++;
    sqlite3_reset(tr->key_add);
    sqlite3_bind_text(tr->key_add, 1, id->p, (int)id->n, SQLITE_STATIC);
    sqlite3_bind_int64(tr->key_add, 2, sqlite3_last_insert_rowid(sql));
    if (sqlite3_step(tr->key_add) != SQLITE_DONE) st = as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(sql));
    sqlite3_reset(tr->key_add);
    return st;
}

static as_status table_record(void *user, const as_csv_field *f, size_t nf, int64_t line, const char *raw,
                              size_t raw_n, as_error *err) {
    table_run *tr = user;
    as_ingest_ctx *cx = tr->cx;
    const table_spec *ts = tr->ts;
    const char *bad_col = NULL;
    col_kind bad_kind = K_TEXT;
    const as_csv_field *bad_f = NULL;
    as_status st = AS_OK;
    sqlite3_stmt *stmts[2] = {tr->ins, tr->upd};
    for (int k = 0; k < 2; k++) {
        if (!stmts[k]) continue;
        sqlite3_reset(stmts[k]);
        sqlite3_clear_bindings(stmts[k]);
    }
    /* Values of the columns dropped as personal are counted, never looked at further. */
    if (tr->personal)
        for (size_t i = 0; i < nf; i++)
            if (tr->personal[i] && !as__ingest_is_missing(cx, &f[i])) cx->stats->pii_dropped++;
    for (int c = 0; c < tr->ncols && !bad_col && !st; c++) {
        const col_spec *cs = &ts->cols[c];
        if (cs->kind == K_CLASS) {
            if (tr->reason_src < 0 || as__ingest_is_missing(cx, &f[tr->reason_src])) continue;
            const as_csv_field *rv = &f[tr->reason_src];
            const char *name = as__reason_class_name(as__reason_classify(rv->p, rv->n, NULL));
            for (int k = 0; k < 2; k++)
                if (stmts[k]) sqlite3_bind_text(stmts[k], c + 1, name, -1, SQLITE_STATIC);
            continue;
        }
        if (tr->src[c] < 0) continue;
        const as_csv_field *v = &f[tr->src[c]];
        if (as__ingest_is_missing(cx, v)) {
            if (cs->required) { bad_col = cs->name; bad_kind = cs->kind; bad_f = v; }
            continue;
        }
        int64_t iv;
        double dv;
        const char *text = v->p;
        size_t text_n = v->n;
        if (cs->free_text && (st = as__ingest_scrub(cx, v->p, v->n, &text, &text_n, err))) break;
        for (int k = 0; k < 2 && !bad_col; k++) {
            sqlite3_stmt *q = stmts[k];
            if (!q) continue;
            switch (cs->kind) {
            case K_TEXT: sqlite3_bind_text(q, c + 1, text, (int)text_n, SQLITE_TRANSIENT); break;
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
            case K_CLASS: break;
            }
        }
    }
    if (st) return st;
    if (bad_col) {
        char key[96], detail[512];
        snprintf(key, sizeof key, "%s: %s %s", ts->table, bad_col, bad_f->n ? "is not valid" : "is empty");
        if (bad_f->n)
            snprintf(detail, sizeof detail, "%s:%lld: field %s = '%.*s' is not %s; fix it or leave the row out",
                     cx->source, (long long)line, bad_col, (int)(bad_f->n > 80 ? 80 : bad_f->n), bad_f->p,
                     bad_kind == K_REAL ? "a number (at most 1e12 in size)" : kind_name(bad_kind));
        else
            snprintf(detail, sizeof detail, "%s:%lld: field %s is empty but required; fill it or leave the row out",
                     cx->source, (long long)line, bad_col);
        return as__ingest_reject(cx, line, key, detail, raw, raw_n, err);
    }
    if (tr->is_reviews) return review_upsert(tr, &f[tr->src[0]], line, err);
    return as__ingest_upsert(cx, tr->ins, tr->upd, tr->counter, err);
}

static int64_t *table_counter(as_ingest_stats *s, const char *table) {
    if (!strcmp(table, "order_lines")) return &s->purchases;
    if (!strcmp(table, "cases")) return &s->cases;
    if (!strcmp(table, "orders")) return &s->orders;
    if (!strcmp(table, "products")) return &s->products;
    if (!strcmp(table, "customers")) return &s->customers;
    if (!strcmp(table, "reviews")) return &s->reviews;
    return NULL;
}

static as_status load_table(as_ingest_ctx *cx, const table_spec *ts, const char *path, as_error *err) {
    as_csv_reader *r;
    as_csv_field *f;
    size_t nf;
    as_status st = as__ingest_open(path, &r, &f, &nf, err);
    if (st == AS_ERR_NODATA) return AS_OK;   /* an empty file is an empty table */
    if (st) return st;
    table_run tr;
    memset(&tr, 0, sizeof tr);
    tr.cx = cx;
    tr.ts = ts;
    tr.header_n = nf;
    tr.reason_src = -1;
    tr.is_reviews = strcmp(ts->table, "reviews") == 0;
    unsigned char *personal = as__calloc(nf ? nf : 1, 1);
    if (!personal) {
        as__csv_close(r);
        return as__err(err, AS_ERR_NOMEM, "out of memory");
    }
    /* INSERT OR IGNORE, and an UPDATE of the present non-key columns where some value differs, both with
     * parameters ?1…?n in column order so one binding serves both. reviews: a plain INSERT that also records
     * the source and line (?n+1, ?n+2), and an UPDATE by rowid (?n+3). */
    as_buf ins, upd, diff;
    as__buf_init(&ins, 0);
    as__buf_init(&upd, 0);
    as__buf_init(&diff, 0);
    as__buf_printf(&ins, "INSERT %sINTO %s(", tr.is_reviews ? "" : "OR IGNORE ", ts->table);
    as__buf_printf(&upd, "UPDATE %s SET ", ts->table);
    int n_set = 0;
    char near[128];
    for (int c = 0; c < MAX_COLS && ts->cols[c].name; c++, tr.ncols++) {
        const col_spec *cs = &ts->cols[c];
        tr.src[c] = -1;
        if (cs->kind != K_CLASS)
            for (size_t i = 0; i < nf; i++)
                if (strlen(cs->name) == f[i].n && memcmp(f[i].p, cs->name, f[i].n) == 0) tr.src[c] = (int)i;
        if (!strcmp(cs->name, "reason")) tr.reason_src = tr.src[c];
        if (tr.src[c] < 0 && cs->required) {
            const char *guess = closest_header(f, nf, cs->name, near, sizeof near);
            st = as__err(err, AS_ERR_INVALID, "%s:1: required column '%s' is missing from the header%s%s%s; "
                         "rename the column (docs/presets.md lists the canonical names)", path, cs->name,
                         guess ? " (did you mean '" : "", guess ? guess : "", guess ? "'?)" : "");
            break;
        }
        as__buf_printf(&ins, "%s%s", c ? "," : "", cs->name);
        int present = tr.src[c] >= 0 || (cs->kind == K_CLASS && tr.reason_src >= 0);
        if (c >= ts->n_key && present) {
            as__buf_printf(&upd, "%s%s = ?%d", n_set ? ", " : "", cs->name, c + 1);
            as__buf_printf(&diff, "%s%s IS NOT ?%d", n_set ? " OR " : "", cs->name, c + 1);
            n_set++;
        }
    }
    /* The other columns of the header: a personal-looking name is dropped, and its values kept out of the
     * rejects too (reject_mask). */
    size_t n_personal = 0;
    for (size_t i = 0; i < nf; i++) {
        int known = 0;
        for (int c = 0; c < tr.ncols; c++) known |= tr.src[c] == (int)i;
        if (!known && as__pii_name_looks_personal(f[i].p)) {
            personal[i] = AS_PII_DROP;
            n_personal++;
        } else if (!known && f[i].n) {
            /* left out: said, with the absent canonical column it most looks like (a misspelled price) */
            const char *absent[MAX_COLS];
            size_t n_absent = 0;
            for (int c = 0; c < tr.ncols; c++)
                if (tr.src[c] < 0 && ts->cols[c].kind != K_CLASS) absent[n_absent++] = ts->cols[c].name;
            char hdr[80];
            snprintf(hdr, sizeof hdr, "%.*s", (int)(f[i].n > 60 ? 60 : f[i].n), f[i].p);
            size_t g = n_absent ? as__closest_name(hdr, strlen(hdr), absent, NULL, n_absent) : (size_t)-1;
            for (size_t k = 0; k < n_absent && g == (size_t)-1 && strlen(hdr) >= 4; k++)   /* price → unit_price */
                if (strstr(absent[k], hdr) || strstr(hdr, absent[k])) g = k;
            char *u = cx->stats->unknown_columns;
            size_t used = strlen(u);
            if (used + 1 < sizeof cx->stats->unknown_columns)
                snprintf(u + used, sizeof cx->stats->unknown_columns - used, "%s%s.csv: '%s'%s%s%s", used ? "; " : "",
                         ts->table, hdr, g != (size_t)-1 ? " (did you mean '" : "", g != (size_t)-1 ? absent[g] : "",
                         g != (size_t)-1 ? "'?)" : "");
        }
    }
    if (n_personal) tr.personal = personal;
    if (!st) {
        if (tr.is_reviews) as__buf_printf(&ins, ",source,source_line");
        as__buf_printf(&ins, ") VALUES(");
        for (int c = 0; c < tr.ncols + (tr.is_reviews ? 2 : 0); c++) as__buf_printf(&ins, "%s?%d", c ? "," : "", c + 1);
        as__buf_printf(&ins, ")");
        as__buf_printf(&upd, " WHERE ");
        if (tr.is_reviews) as__buf_printf(&upd, "rowid = ?%d", tr.ncols + 3);
        for (int c = 0; c < ts->n_key && !tr.is_reviews; c++)
            as__buf_printf(&upd, "%s%s = ?%d", c ? " AND " : "", ts->cols[c].name, c + 1);
        as__buf_printf(&upd, " AND (");
        if (diff.len) as__buf_append(&upd, diff.data, diff.len);
        as__buf_printf(&upd, ")");
        if (as__buf_cstr(&ins) || as__buf_cstr(&upd)) st = as__err(err, AS_ERR_NOMEM, "out of memory");
    }
    if (!st) st = as__db_prepare(cx->db, ins.data, &tr.ins, err);
    if (!st && n_set) st = as__db_prepare(cx->db, upd.data, &tr.upd, err);
    if (!st && tr.is_reviews) {
        st = as__db_exec(cx->db, "CREATE TEMP TABLE IF NOT EXISTS as_review_keys(review_id TEXT PRIMARY KEY, "
                         "rid INTEGER) WITHOUT ROWID; DELETE FROM temp.as_review_keys; INSERT OR IGNORE INTO "
                         "temp.as_review_keys SELECT review_id, max(rowid) FROM main.reviews WHERE review_id IS "
                         "NOT NULL GROUP BY review_id;", err);
        if (!st) st = as__db_prepare(cx->db, "SELECT rid FROM temp.as_review_keys WHERE review_id = ?1",
                                     &tr.key_find, err);
        if (!st) st = as__db_prepare(cx->db, "INSERT INTO temp.as_review_keys(review_id, rid) VALUES(?1, ?2)",
                                     &tr.key_add, err);
    }
    as__buf_free(&ins);
    as__buf_free(&upd);
    as__buf_free(&diff);

    tr.counter = table_counter(cx->stats, ts->table);
    const char *saved_source = cx->source;
    const unsigned char *saved_mask = cx->reject_mask;
    size_t saved_mask_n = cx->reject_mask_n;
    const char *slash = strrchr(path, '/');
    cx->source = slash ? slash + 1 : path;
    cx->reject_mask = tr.personal;
    cx->reject_mask_n = tr.personal ? nf : 0;
    if (!st) st = as__ingest_drive(cx, r, nf, table_record, &tr, err);
    cx->source = saved_source;
    cx->reject_mask = saved_mask;
    cx->reject_mask_n = saved_mask_n;
    sqlite3_finalize(tr.ins);
    sqlite3_finalize(tr.upd);
    sqlite3_finalize(tr.key_find);
    sqlite3_finalize(tr.key_add);
    if (tr.is_reviews && !st) st = as__db_exec(cx->db, "DROP TABLE IF EXISTS temp.as_review_keys;", err);
    as__free(personal);
    as__csv_close(r);
    return st;
}

as_status as__ingest_canonical(as_ingest_ctx *cx, const char *dir, as_error *err) {
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return as__err(err, AS_ERR_IO, "%s is not a folder; the canonical preset reads a folder with orders.csv, "
                       "order_lines.csv and optionally customers.csv, products.csv, cases.csv, reviews.csv", dir);
    char path[4096];
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)   /* the whole folder is one progress bar */
        if (find_file(dir, tables[t].file, path, sizeof path)) as__ingest_count_bytes(cx, path);
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
