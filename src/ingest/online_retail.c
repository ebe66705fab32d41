/*
 * Preset online-retail: the UCI Online Retail (and Online Retail II) export, one row per invoice line.
 *
 * Mapping (docs/presets.md has the full table):
 *   - an invoice starting with 'C' is a cancellation: each line becomes a case of kind 'cancel' with the
 *     customer, product, date, quantity (as a positive number of units) and amount;
 *   - a stock code that is a charge or adjustment (POST, DOT, M, D, S, B, C2, CRUK, PADS, BANK CHARGES,
 *     AMAZONFEE, ADJUST*, TEST*, gift_0001_*) goes to the charges table, never to products;
 *   - every other line with a positive quantity is a purchase: orders, order_lines, products, customers;
 *   - a non-cancellation line with quantity ≤ 0 is a stock adjustment, not a sale: it is kept in rejects
 *     with that reason so it can be inspected;
 *   - lines without a customer are loaded (orders.customer_id NULL) but cannot feed customer history.
 * Both column spellings are accepted: InvoiceNo/UnitPrice/CustomerID and Invoice/Price/Customer ID.
 * Keys are deterministic (invoice, line number within the invoice in file order), so loading the same file
 * twice adds nothing.
 */
#include <stdio.h>
#include <string.h>

#include "ingest/ingest.h"
#include "ingest/strmap.h"

enum { C_INVOICE, C_STOCK, C_DESC, C_QTY, C_DATE, C_PRICE, C_CUSTOMER, C_COUNTRY, C_N };

static const char *const col_names[C_N][2] = {
    {"InvoiceNo", "Invoice"}, {"StockCode", "StockCode"}, {"Description", "Description"},
    {"Quantity", "Quantity"}, {"InvoiceDate", "InvoiceDate"}, {"UnitPrice", "Price"},
    {"CustomerID", "Customer ID"}, {"Country", "Country"},
};

int as__online_retail_is_charge(const char *code, size_t n) {
    static const char *const exact[] = {"POST", "DOT", "M", "m", "D", "S", "B", "C2", "CRUK", "PADS",
                                        "BANK CHARGES", "AMAZONFEE", "CRUK Commission"};
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if (strlen(exact[i]) == n && memcmp(exact[i], code, n) == 0) return 1;
    if (n >= 5 && memcmp(code, "gift_", 5) == 0) return 1;
    if (n >= 6 && memcmp(code, "ADJUST", 6) == 0) return 1;
    if (n >= 4 && memcmp(code, "TEST", 4) == 0) return 1;
    return 0;
}

static int field_is(const as_csv_field *f, const char *name) {
    /* Header names are matched ignoring surrounding blanks: exports often pad them. */
    const char *p = f->p;
    size_t n = f->n;
    while (n && (*p == ' ' || *p == '\t')) { p++; n--; }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    return strlen(name) == n && memcmp(p, name, n) == 0;
}

/* Customer IDs sometimes arrive as "17850.0" when a spreadsheet touched the file: keep "17850". */
static size_t customer_len(const as_csv_field *f) {
    size_t n = f->n;
    if (n > 2 && f->p[n - 2] == '.' && f->p[n - 1] == '0') {
        int digits = 1;
        for (size_t i = 0; i + 2 < n; i++) digits &= f->p[i] >= '0' && f->p[i] <= '9';
        if (digits) n -= 2;
    }
    return n;
}

typedef struct cust_first { int64_t at; const char *country; } cust_first;

typedef struct retail_stmts {
    sqlite3_stmt *order, *line, *product, *customer, *cas, *charge;
} retail_stmts;

static as_status step_done(as_ingest_ctx *cx, sqlite3_stmt *st, int *changed, as_error *err) {
    if (sqlite3_step(st) != SQLITE_DONE)
        return as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(cx->db->sql));
    if (changed) *changed = sqlite3_changes(cx->db->sql) > 0;
    sqlite3_reset(st);
    return AS_OK;
}

static void bind_field(sqlite3_stmt *st, int i, const as_csv_field *f, size_t n, int missing) {
    if (missing) sqlite3_bind_null(st, i);
    else sqlite3_bind_text(st, i, f->p, (int)n, SQLITE_TRANSIENT);
}

as_status as__ingest_online_retail(as_ingest_ctx *cx, const char *path, as_error *err) {
    as_csv_options copt = as__csv_options_default();
    as_csv_reader *r = NULL;
    as_status st = as__csv_open(path, &copt, &r, err);
    if (st) return st;

    as_csv_field *f;
    size_t nf;
    st = as__csv_next(r, &f, &nf, err);
    if (st == AS_ERR_NODATA) {
        as__csv_close(r);
        return as__err(err, AS_ERR_NODATA, "%s is empty; expected a header line with InvoiceNo, StockCode, ...", path);
    }
    if (st) { as__csv_close(r); return st; }
    size_t header_n = nf;
    int col[C_N];
    for (int c = 0; c < C_N; c++) {
        col[c] = -1;
        for (size_t i = 0; i < nf && col[c] < 0; i++)
            if (field_is(&f[i], col_names[c][0]) || field_is(&f[i], col_names[c][1])) col[c] = (int)i;
        if (col[c] < 0 && c != C_DESC && c != C_COUNTRY) {
            as__err(err, AS_ERR_INVALID,
                    "%s:1: no column '%s' (or '%s') in the header; this preset expects the UCI Online Retail "
                    "columns InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, "
                    "Country; use --preset canonical or a mapping for other exports",
                    path, col_names[c][0], col_names[c][1]);
            as__csv_close(r);
            return AS_ERR_INVALID;
        }
    }

    retail_stmts s = {0};
    as_db *db = cx->db;
    if ((st = as__db_prepare(db, "INSERT OR IGNORE INTO orders(order_id, customer_id, ordered_at, country) "
                                 "VALUES(?,?,?,?)", &s.order, err)) ||
        (st = as__db_prepare(db, "INSERT OR IGNORE INTO order_lines(order_id, line_no, product_id, quantity, "
                                 "unit_price, source, source_line) VALUES(?,?,?,?,?,?,?)", &s.line, err)) ||
        (st = as__db_prepare(db, "INSERT INTO products(product_id, description) VALUES(?,?) "
                                 "ON CONFLICT(product_id) DO UPDATE SET description = excluded.description "
                                 "WHERE products.description IS NULL", &s.product, err)) ||
        (st = as__db_prepare(db, "INSERT INTO customers(customer_id, country, first_seen) VALUES(?,?,?) "
                                 "ON CONFLICT(customer_id) DO UPDATE SET first_seen = excluded.first_seen "
                                 "WHERE excluded.first_seen < customers.first_seen", &s.customer, err)) ||
        (st = as__db_prepare(db, "INSERT OR IGNORE INTO cases(case_id, customer_id, product_id, kind, opened_at, "
                                 "quantity, amount, source, source_line) VALUES(?,?,?,'cancel',?,?,?,?,?)",
                             &s.cas, err)) ||
        (st = as__db_prepare(db, "INSERT OR IGNORE INTO charges(order_id, line_no, code, description, quantity, "
                                 "amount, at) VALUES(?,?,?,?,?,?,?)", &s.charge, err)))
        goto done;

    /* What this run has already written, so each order, product and customer costs one statement, not one
     * per line: invoice → lines so far; product → seen; customer → earliest purchase (written at the end). */
    as_strmap line_no, orders_done, products_done, customers;
    as__strmap_init(&line_no);
    as__strmap_init(&orders_done);
    as__strmap_init(&products_done);
    as__strmap_init(&customers);
    cust_first *first = NULL;         /* per customer (the map's value is the position): earliest purchase */
    size_t n_first = 0, cap_first = 0;
    as_arena country_arena;           /* the countries of those earliest purchases */
    as__arena_init(&country_arena, 1 << 14);
    as_ingest_stats *stats = cx->stats;
    char detail[512];
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
        const as_csv_field *inv = &f[col[C_INVOICE]], *code = &f[col[C_STOCK]], *qf = &f[col[C_QTY]],
                           *df = &f[col[C_DATE]], *pf = &f[col[C_PRICE]], *cf = &f[col[C_CUSTOMER]];
        const as_csv_field *desc = col[C_DESC] >= 0 ? &f[col[C_DESC]] : NULL;
        const as_csv_field *country = col[C_COUNTRY] >= 0 ? &f[col[C_COUNTRY]] : NULL;
        double qty, price;
        int64_t at;
        const char *bad = NULL;
        if (as__ingest_is_missing(cx, inv)) bad = "InvoiceNo is empty";
        else if (as__ingest_is_missing(cx, code)) bad = "StockCode is empty";
        else if (!as__parse_double(qf->p, qf->n, &qty)) bad = "Quantity is not a number";
        else if (!as__time_parse_n(df->p, df->n, &at)) bad = "InvoiceDate is not a date";
        else if (!as__parse_double(pf->p, pf->n, &price)) bad = "UnitPrice is not a number";
        if (bad) {
            snprintf(detail, sizeof detail, "%s (line %lld); fix the value or leave the row out", bad,
                     (long long)line);
            if ((st = as__ingest_reject(cx, line, bad, detail, raw, raw_n, err))) break;
            continue;
        }
        int has_customer = !as__ingest_is_missing(cx, cf);
        size_t cust_n = has_customer ? customer_len(cf) : 0;
        int has_country = country && !as__ingest_is_missing(cx, country);
        int has_desc = desc && !as__ingest_is_missing(cx, desc);
        int64_t *ln = as__strmap_upsert(&line_no, inv->p, inv->n, 0, NULL);
        if (!ln) { st = as__err(err, AS_ERR_NOMEM, "out of memory reading %s", path); break; }
        int64_t lno = ++*ln;
        int changed = 0;

        if (as__online_retail_is_charge(code->p, code->n) || inv->p[0] == 'A') {
            sqlite3_stmt *q = s.charge;
            sqlite3_bind_text(q, 1, inv->p, (int)inv->n, SQLITE_TRANSIENT);
            sqlite3_bind_int64(q, 2, lno);
            sqlite3_bind_text(q, 3, code->p, (int)code->n, SQLITE_TRANSIENT);
            bind_field(q, 4, desc, desc ? desc->n : 0, !has_desc);
            sqlite3_bind_double(q, 5, qty);
            sqlite3_bind_double(q, 6, qty * price);
            sqlite3_bind_int64(q, 7, at);
            if ((st = step_done(cx, q, &changed, err))) break;
            if (changed) { stats->charges++; stats->loaded++; } else stats->skipped_duplicates++;
            continue;
        }
        if (inv->p[0] == 'C') {
            char case_id[160];
            snprintf(case_id, sizeof case_id, "%.*s/%lld", (int)(inv->n > 120 ? 120 : inv->n), inv->p,
                     (long long)lno);
            sqlite3_stmt *q = s.cas;
            sqlite3_bind_text(q, 1, case_id, -1, SQLITE_TRANSIENT);
            bind_field(q, 2, cf, cust_n, !has_customer);
            sqlite3_bind_text(q, 3, code->p, (int)code->n, SQLITE_TRANSIENT);
            sqlite3_bind_int64(q, 4, at);
            sqlite3_bind_double(q, 5, qty < 0 ? -qty : qty);
            sqlite3_bind_double(q, 6, qty * price < 0 ? -qty * price : qty * price);
            sqlite3_bind_text(q, 7, cx->source, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 8, line);
            if ((st = step_done(cx, q, &changed, err))) break;
            if (changed) { stats->cases++; stats->loaded++; } else stats->skipped_duplicates++;
            continue;
        }
        if (qty <= 0 || price < 0) {
            const char *why = qty <= 0 ? "non-positive quantity on a sales invoice (stock adjustment)"
                                       : "negative unit price on a sales invoice";
            snprintf(detail, sizeof detail, "%s: Quantity %.*s, UnitPrice %.*s", why, (int)qf->n, qf->p,
                     (int)pf->n, pf->p);
            if ((st = as__ingest_reject(cx, line, why, detail, raw, raw_n, err))) break;
            continue;
        }
        /* A purchase line. The order row comes from the invoice's first purchase line. */
        sqlite3_stmt *q;
        int fresh;
        if (!as__strmap_upsert(&orders_done, inv->p, inv->n, 0, &fresh)) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
        if (fresh) {
            q = s.order;
            sqlite3_bind_text(q, 1, inv->p, (int)inv->n, SQLITE_TRANSIENT);
            bind_field(q, 2, cf, cust_n, !has_customer);
            sqlite3_bind_int64(q, 3, at);
            bind_field(q, 4, country, country ? country->n : 0, !has_country);
            if ((st = step_done(cx, q, &changed, err))) break;
            stats->orders += changed;
        }
        if (!as__strmap_upsert(&products_done, code->p, code->n, 0, &fresh)) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
        if (fresh) {
            q = s.product;
            sqlite3_bind_text(q, 1, code->p, (int)code->n, SQLITE_TRANSIENT);
            bind_field(q, 2, desc, desc ? desc->n : 0, !has_desc);
            if ((st = step_done(cx, q, NULL, err))) break;
        }
        if (has_customer) {
            int64_t *pos = as__strmap_upsert(&customers, cf->p, cust_n, (int64_t)n_first, &fresh);
            if (!pos) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
            if (fresh) {
                if (n_first == cap_first) {
                    cap_first = cap_first ? cap_first * 2 : 1024;
                    cust_first *p = as__reallocarray(first, cap_first, sizeof *p);
                    if (!p) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
                    first = p;
                }
                first[n_first++] = (cust_first){INT64_MAX, NULL};
            }
            cust_first *cfirst = &first[*pos];
            if (at < cfirst->at) {
                cfirst->at = at;
                cfirst->country = has_country ? as__arena_strndup(&country_arena, country->p, country->n) : NULL;
                if (has_country && !cfirst->country) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
            }
        }

        q = s.line;
        sqlite3_bind_text(q, 1, inv->p, (int)inv->n, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, lno);
        sqlite3_bind_text(q, 3, code->p, (int)code->n, SQLITE_TRANSIENT);
        sqlite3_bind_double(q, 4, qty);
        sqlite3_bind_double(q, 5, price);
        sqlite3_bind_text(q, 6, cx->source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 7, line);
        if ((st = step_done(cx, q, &changed, err))) break;
        if (changed) { stats->purchases++; stats->loaded++; } else stats->skipped_duplicates++;
    }
    if (st == AS_ERR_NODATA) st = AS_OK;
    else if (st == AS_ERR_PARSE) {
        /* An unterminated quote swallows the rest of the file: keep what came before, quarantine the record
         * where it started, and say so. */
        size_t raw_n;
        const char *raw = as__csv_raw(r, &raw_n);
        as_error perr = *err;
        cx->stats->records_read++;   /* the malformed record counts as read, and as rejected */
        st = as__ingest_reject(cx, as__csv_line(r), "malformed CSV record", perr.msg, raw, raw_n, err);
    }
    /* Customers, once each, with their earliest purchase (kept when an earlier ingest saw an earlier one). */
    for (size_t i = 0; i < customers.cap && !st; i++) {
        if (!customers.keys[i]) continue;
        const cust_first *cfirst = &first[customers.vals[i]];
        sqlite3_stmt *q = s.customer;
        sqlite3_bind_text(q, 1, customers.keys[i], (int)customers.lens[i], SQLITE_STATIC);
        if (cfirst->country) sqlite3_bind_text(q, 2, cfirst->country, -1, SQLITE_STATIC);
        else sqlite3_bind_null(q, 2);
        sqlite3_bind_int64(q, 3, cfirst->at);
        st = step_done(cx, q, NULL, err);
    }
    as__strmap_free(&line_no);
    as__strmap_free(&orders_done);
    as__strmap_free(&products_done);
    as__strmap_free(&customers);
    as__free(first);
    as__arena_free(&country_arena);
    if (!st) {
        sqlite3_stmt *cnt;
        if (!(st = as__db_prepare(db, "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM products)",
                                  &cnt, err))) {
            if (sqlite3_step(cnt) == SQLITE_ROW) {
                stats->customers = sqlite3_column_int64(cnt, 0);
                stats->products = sqlite3_column_int64(cnt, 1);
            }
            sqlite3_finalize(cnt);
        }
    }
done:
    sqlite3_finalize(s.order); sqlite3_finalize(s.line); sqlite3_finalize(s.product);
    sqlite3_finalize(s.customer); sqlite3_finalize(s.cas); sqlite3_finalize(s.charge);
    as__csv_close(r);
    return st;
}
