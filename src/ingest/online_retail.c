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
#include <math.h>
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

/* Text fields lose surrounding blanks: the export pads descriptions ("PLASTERS IN TIN CIRCUS PARADE "). */
static void trim(const char **p, size_t *n) {
    while (*n && ((*p)[0] == ' ' || (*p)[0] == '\t')) { (*p)++; (*n)--; }
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t')) (*n)--;
}

/* Quantities and prices beyond these are typing or export errors, not sales (they would swamp every sum). */
#define MAX_ABS_QUANTITY 1e7
#define MAX_UNIT_PRICE 1e7

typedef struct cust_first { int64_t at; const char *country; } cust_first;

/* One ingest of one file: statements, column positions and what this run has already written. */
typedef struct retail_run {
    as_ingest_ctx *cx;
    int col[C_N];
    sqlite3_stmt *ins_order, *upd_order, *ins_line, *upd_line, *ins_product, *ins_customer;
    sqlite3_stmt *ins_case, *upd_case, *ins_charge, *upd_charge;
    /* invoice → lines so far (the line number within the invoice); orders and products written this run;
     * customer → position in `first` (earliest purchase, written once at the end) */
    as_strmap line_no, orders_done, products_done, customers;
    cust_first *first;
    size_t n_first, cap_first;
    as_arena arena;
} retail_run;

static void bind_text(sqlite3_stmt *st, int i, const char *p, size_t n, int present) {
    if (present) sqlite3_bind_text(st, i, p, (int)n, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

/* Binds the same values to an insert and its update (they share numbered parameters ?1…?n). */
#define BIND2(fn, a, b, i, ...) do { fn(a, i, __VA_ARGS__); fn(b, i, __VA_ARGS__); } while (0)

static as_status note_customer(retail_run *rr, const char *id, size_t n, int64_t at, const as_csv_field *country,
                               int has_country, as_error *err) {
    int fresh;
    int64_t *pos = as__strmap_upsert(&rr->customers, id, n, (int64_t)rr->n_first, &fresh);
    if (!pos) return as__err(err, AS_ERR_NOMEM, "out of memory");
    if (fresh) {
        if (rr->n_first == rr->cap_first) {
            size_t cap = rr->cap_first ? rr->cap_first * 2 : 1024;
            cust_first *p = as__reallocarray(rr->first, cap, sizeof *p);
            if (!p) return as__err(err, AS_ERR_NOMEM, "out of memory");
            rr->first = p;
            rr->cap_first = cap;
        }
        rr->first[rr->n_first++] = (cust_first){INT64_MAX, NULL};
    }
    cust_first *cf = &rr->first[*pos];
    if (at < cf->at) {
        cf->at = at;
        cf->country = has_country ? as__arena_strndup(&rr->arena, country->p, country->n) : NULL;
        if (has_country && !cf->country) return as__err(err, AS_ERR_NOMEM, "out of memory");
    }
    return AS_OK;
}

static as_status retail_record(void *user, const as_csv_field *f, size_t nf, int64_t line, const char *raw,
                               size_t raw_n, as_error *err) {
    (void)nf;
    retail_run *rr = user;
    as_ingest_ctx *cx = rr->cx;
    as_ingest_stats *stats = cx->stats;
    const int *col = rr->col;
    const as_csv_field *inv = &f[col[C_INVOICE]], *code = &f[col[C_STOCK]], *qf = &f[col[C_QTY]],
                       *df = &f[col[C_DATE]], *pf = &f[col[C_PRICE]], *cf = &f[col[C_CUSTOMER]];
    const as_csv_field *desc = col[C_DESC] >= 0 ? &f[col[C_DESC]] : NULL;
    const as_csv_field *country = col[C_COUNTRY] >= 0 ? &f[col[C_COUNTRY]] : NULL;
    double qty = 0, price = 0;
    int64_t at = 0;
    const char *bad = NULL, *field = NULL;
    const as_csv_field *bad_f = NULL;
    if (as__ingest_is_missing(cx, inv)) bad = "InvoiceNo is empty", bad_f = inv;
    else if (as__ingest_is_missing(cx, code)) bad = "StockCode is empty", bad_f = code;
    else if (!as__parse_double(qf->p, qf->n, &qty)) bad = "Quantity is not a number", bad_f = qf;
    else if (!as__time_parse_n(df->p, df->n, &at)) bad = "InvoiceDate is not a date", bad_f = df;
    else if (!as__parse_double(pf->p, pf->n, &price)) bad = "UnitPrice is not a number", bad_f = pf;
    else if (fabs(qty) > MAX_ABS_QUANTITY) bad = "Quantity is out of range", bad_f = qf, field = "±1e7";
    else if (fabs(price) > MAX_UNIT_PRICE) bad = "UnitPrice is out of range", bad_f = pf, field = "±1e7";
    if (bad) {
        char detail[512];
        snprintf(detail, sizeof detail, "line %lld: %s: '%.*s'%s%s; fix the value or leave the row out", (long long)line,
                 bad, (int)(bad_f->n > 80 ? 80 : bad_f->n), bad_f->p, field ? ", allowed " : "", field ? field : "");
        return as__ingest_reject(cx, line, bad, detail, raw, raw_n, err);
    }
    const char *dp = desc ? desc->p : NULL;
    size_t dn = desc ? desc->n : 0;
    if (desc) trim(&dp, &dn);
    int has_customer = !as__ingest_is_missing(cx, cf);
    size_t cust_n = has_customer ? customer_len(cf) : 0;
    int has_country = country && !as__ingest_is_missing(cx, country);
    int has_desc = desc && dn && !as__ingest_is_missing(cx, desc);
    int64_t *ln = as__strmap_upsert(&rr->line_no, inv->p, inv->n, 0, NULL);
    if (!ln) return as__err(err, AS_ERR_NOMEM, "out of memory reading %s", cx->source);
    int64_t lno = ++*ln;
    as_status st;

    if (as__online_retail_is_charge(code->p, code->n) || inv->p[0] == 'A') {
        sqlite3_stmt *a = rr->ins_charge, *b = rr->upd_charge;
        BIND2(sqlite3_bind_text, a, b, 1, inv->p, (int)inv->n, SQLITE_TRANSIENT);
        BIND2(sqlite3_bind_int64, a, b, 2, lno);
        BIND2(sqlite3_bind_text, a, b, 3, code->p, (int)code->n, SQLITE_TRANSIENT);
        bind_text(a, 4, dp, dn, has_desc); bind_text(b, 4, dp, dn, has_desc);
        BIND2(sqlite3_bind_double, a, b, 5, qty);
        BIND2(sqlite3_bind_double, a, b, 6, qty * price);
        BIND2(sqlite3_bind_int64, a, b, 7, at);
        return as__ingest_upsert(cx, a, b, &stats->charges, err);
    }
    if (inv->p[0] == 'C') {
        char case_id[160];
        snprintf(case_id, sizeof case_id, "%.*s/%lld", (int)(inv->n > 120 ? 120 : inv->n), inv->p, (long long)lno);
        sqlite3_stmt *a = rr->ins_case, *b = rr->upd_case;
        BIND2(sqlite3_bind_text, a, b, 1, case_id, -1, SQLITE_TRANSIENT);
        bind_text(a, 2, cf->p, cust_n, has_customer); bind_text(b, 2, cf->p, cust_n, has_customer);
        BIND2(sqlite3_bind_text, a, b, 3, code->p, (int)code->n, SQLITE_TRANSIENT);
        BIND2(sqlite3_bind_int64, a, b, 4, at);
        BIND2(sqlite3_bind_double, a, b, 5, fabs(qty));
        BIND2(sqlite3_bind_double, a, b, 6, fabs(qty * price));
        BIND2(sqlite3_bind_text, a, b, 7, cx->source, -1, SQLITE_STATIC);
        BIND2(sqlite3_bind_int64, a, b, 8, line);
        return as__ingest_upsert(cx, a, b, &stats->cases, err);
    }
    if (qty <= 0 || price < 0) {
        const char *why = qty <= 0 ? "non-positive quantity on a sales invoice (stock adjustment)"
                                   : "negative unit price on a sales invoice";
        char detail[512];
        snprintf(detail, sizeof detail, "line %lld: %s: Quantity %.*s, UnitPrice %.*s", (long long)line, why,
                 (int)qf->n, qf->p, (int)pf->n, pf->p);
        return as__ingest_reject(cx, line, why, detail, raw, raw_n, err);
    }
    /* A purchase line. The order row comes from the invoice's first purchase line in this file. */
    int fresh;
    if (!as__strmap_upsert(&rr->orders_done, inv->p, inv->n, 0, &fresh)) return as__err(err, AS_ERR_NOMEM, "out of memory");
    if (fresh) {
        sqlite3_stmt *a = rr->ins_order, *b = rr->upd_order;
        BIND2(sqlite3_bind_text, a, b, 1, inv->p, (int)inv->n, SQLITE_TRANSIENT);
        bind_text(a, 2, cf->p, cust_n, has_customer); bind_text(b, 2, cf->p, cust_n, has_customer);
        BIND2(sqlite3_bind_int64, a, b, 3, at);
        bind_text(a, 4, country ? country->p : NULL, country ? country->n : 0, has_country);
        bind_text(b, 4, country ? country->p : NULL, country ? country->n : 0, has_country);
        /* orders are not records of their own: count them, but not as loaded/updated records */
        if (sqlite3_step(a) != SQLITE_DONE) return as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(cx->db->sql));
        int inserted = sqlite3_changes(cx->db->sql) > 0;
        sqlite3_reset(a);
        if (inserted) stats->orders++;
        else if (sqlite3_step(b) != SQLITE_DONE) return as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(cx->db->sql));
        sqlite3_reset(b);
    }
    if (!as__strmap_upsert(&rr->products_done, code->p, code->n, 0, &fresh)) return as__err(err, AS_ERR_NOMEM, "out of memory");
    if (fresh) {
        sqlite3_stmt *q = rr->ins_product;
        sqlite3_bind_text(q, 1, code->p, (int)code->n, SQLITE_TRANSIENT);
        bind_text(q, 2, dp, dn, has_desc);
        if (sqlite3_step(q) != SQLITE_DONE) return as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(cx->db->sql));
        sqlite3_reset(q);
    }
    if (has_customer && (st = note_customer(rr, cf->p, cust_n, at, country, has_country, err))) return st;

    sqlite3_stmt *a = rr->ins_line, *b = rr->upd_line;
    BIND2(sqlite3_bind_text, a, b, 1, inv->p, (int)inv->n, SQLITE_TRANSIENT);
    BIND2(sqlite3_bind_int64, a, b, 2, lno);
    BIND2(sqlite3_bind_text, a, b, 3, code->p, (int)code->n, SQLITE_TRANSIENT);
    BIND2(sqlite3_bind_double, a, b, 4, qty);
    BIND2(sqlite3_bind_double, a, b, 5, price);
    BIND2(sqlite3_bind_text, a, b, 6, cx->source, -1, SQLITE_STATIC);
    BIND2(sqlite3_bind_int64, a, b, 7, line);
    return as__ingest_upsert(cx, a, b, &stats->purchases, err);
}

static as_status prepare_all(retail_run *rr, as_error *err) {
    as_db *db = rr->cx->db;
    as_status st;
    /* Inserts and updates share numbered parameters, so one set of values binds both. An update changes a row
     * only when some value differs: a corrected export replaces what an earlier one loaded. */
    if ((st = as__db_prepare(db, "INSERT OR IGNORE INTO orders(order_id, customer_id, ordered_at, country) "
                                 "VALUES(?1,?2,?3,?4)", &rr->ins_order, err)) ||
        (st = as__db_prepare(db, "UPDATE orders SET customer_id = ?2, ordered_at = ?3, country = ?4 WHERE order_id = ?1 "
                                 "AND (customer_id IS NOT ?2 OR ordered_at IS NOT ?3 OR country IS NOT ?4)",
                             &rr->upd_order, err)) ||
        (st = as__db_prepare(db, "INSERT OR IGNORE INTO order_lines(order_id, line_no, product_id, quantity, unit_price, "
                                 "source, source_line) VALUES(?1,?2,?3,?4,?5,?6,?7)", &rr->ins_line, err)) ||
        (st = as__db_prepare(db, "UPDATE order_lines SET product_id = ?3, quantity = ?4, unit_price = ?5, source = ?6, "
                                 "source_line = ?7 WHERE order_id = ?1 AND line_no = ?2 AND (product_id IS NOT ?3 OR "
                                 "quantity IS NOT ?4 OR unit_price IS NOT ?5)", &rr->upd_line, err)) ||
        (st = as__db_prepare(db, "INSERT INTO products(product_id, description) VALUES(?,?) "
                                 "ON CONFLICT(product_id) DO UPDATE SET description = excluded.description "
                                 "WHERE products.description IS NULL", &rr->ins_product, err)) ||
        (st = as__db_prepare(db, "INSERT INTO customers(customer_id, country, first_seen) VALUES(?,?,?) "
                                 "ON CONFLICT(customer_id) DO UPDATE SET first_seen = excluded.first_seen, "
                                 "country = excluded.country WHERE excluded.first_seen < customers.first_seen",
                             &rr->ins_customer, err)) ||
        (st = as__db_prepare(db, "INSERT OR IGNORE INTO cases(case_id, customer_id, product_id, kind, opened_at, quantity, "
                                 "amount, source, source_line) VALUES(?1,?2,?3,'cancel',?4,?5,?6,?7,?8)",
                             &rr->ins_case, err)) ||
        (st = as__db_prepare(db, "UPDATE cases SET customer_id = ?2, product_id = ?3, opened_at = ?4, quantity = ?5, "
                                 "amount = ?6, source = ?7, source_line = ?8 WHERE case_id = ?1 AND (customer_id IS NOT ?2 "
                                 "OR product_id IS NOT ?3 OR opened_at IS NOT ?4 OR quantity IS NOT ?5 OR amount IS NOT ?6)",
                             &rr->upd_case, err)) ||
        (st = as__db_prepare(db, "INSERT OR IGNORE INTO charges(order_id, line_no, code, description, quantity, amount, at) "
                                 "VALUES(?1,?2,?3,?4,?5,?6,?7)", &rr->ins_charge, err)) ||
        (st = as__db_prepare(db, "UPDATE charges SET code = ?3, description = ?4, quantity = ?5, amount = ?6, at = ?7 "
                                 "WHERE order_id = ?1 AND line_no = ?2 AND (code IS NOT ?3 OR description IS NOT ?4 OR "
                                 "quantity IS NOT ?5 OR amount IS NOT ?6 OR at IS NOT ?7)", &rr->upd_charge, err)))
        return st;
    return AS_OK;
}

/* Customers, once each, with their earliest purchase (kept when an earlier ingest saw an earlier one). */
static as_status flush_customers(retail_run *rr, as_error *err) {
    as_strmap *m = &rr->customers;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        const cust_first *cf = &rr->first[m->vals[i]];
        sqlite3_stmt *q = rr->ins_customer;
        sqlite3_bind_text(q, 1, m->keys[i], (int)m->lens[i], SQLITE_STATIC);
        if (cf->country) sqlite3_bind_text(q, 2, cf->country, -1, SQLITE_STATIC);
        else sqlite3_bind_null(q, 2);
        sqlite3_bind_int64(q, 3, cf->at);
        if (sqlite3_step(q) != SQLITE_DONE)
            return as__err(err, AS_ERR_DB, "%s: %s", rr->cx->db->path, sqlite3_errmsg(rr->cx->db->sql));
        sqlite3_reset(q);
    }
    return AS_OK;
}

as_status as__ingest_online_retail(as_ingest_ctx *cx, const char *path, as_error *err) {
    as_csv_reader *r;
    as_csv_field *f;
    size_t nf;
    as_status st = as__ingest_open(path, &r, &f, &nf, err);
    if (st == AS_ERR_NODATA)
        return as__err(err, AS_ERR_NODATA, "%s is empty; expected a header line with InvoiceNo, StockCode, ...", path);
    if (st) return st;
    retail_run rr;
    memset(&rr, 0, sizeof rr);
    rr.cx = cx;
    size_t header_n = nf;
    for (int c = 0; c < C_N; c++) {
        rr.col[c] = -1;
        for (size_t i = 0; i < nf && rr.col[c] < 0; i++)
            if (field_is(&f[i], col_names[c][0]) || field_is(&f[i], col_names[c][1])) rr.col[c] = (int)i;
        if (rr.col[c] < 0 && c != C_DESC && c != C_COUNTRY) {
            as__err(err, AS_ERR_INVALID,
                    "%s:1: no column '%s' (or '%s') in the header; this preset expects the UCI Online Retail "
                    "columns InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, "
                    "Country; for other exports write the canonical tables and use --preset canonical",
                    path, col_names[c][0], col_names[c][1]);
            as__csv_close(r);
            return AS_ERR_INVALID;
        }
    }
    as__strmap_init(&rr.line_no);
    as__strmap_init(&rr.orders_done);
    as__strmap_init(&rr.products_done);
    as__strmap_init(&rr.customers);
    as__arena_init(&rr.arena, 1 << 14);
    st = prepare_all(&rr, err);
    if (!st) st = as__ingest_drive(cx, r, header_n, retail_record, &rr, err);
    if (!st) st = flush_customers(&rr, err);
    if (!st) {
        sqlite3_stmt *cnt;
        if (!(st = as__db_prepare(cx->db, "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM products)",
                                  &cnt, err))) {
            if (sqlite3_step(cnt) == SQLITE_ROW) {
                cx->stats->customers = sqlite3_column_int64(cnt, 0);
                cx->stats->products = sqlite3_column_int64(cnt, 1);
            }
            sqlite3_finalize(cnt);
        }
    }
    sqlite3_stmt *all[] = {rr.ins_order, rr.upd_order, rr.ins_line, rr.upd_line, rr.ins_product, rr.ins_customer,
                           rr.ins_case, rr.upd_case, rr.ins_charge, rr.upd_charge};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) sqlite3_finalize(all[i]);
    as__strmap_free(&rr.line_no);
    as__strmap_free(&rr.orders_done);
    as__strmap_free(&rr.products_done);
    as__strmap_free(&rr.customers);
    as__free(rr.first);
    as__arena_free(&rr.arena);
    as__csv_close(r);
    return st;
}
