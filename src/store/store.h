/*
 * store — the SQLite database: canonical schema (DESIGN.md §3), opening, bulk-load settings, helpers.
 */
#ifndef AS_STORE_H
#define AS_STORE_H

#include <sqlite3.h>

#include "core/core.h"

#define AS_SCHEMA_VERSION 2
#define AS_SCHEMA_VERSION_TEXT "2"

struct as_db {
    sqlite3 *sql;
    char *path;
};

/* The canonical tables. Timestamps are INTEGER seconds since 1970-01-01 (shop local time).
 *   customers(customer_id TEXT PK, country TEXT, first_seen INTEGER)
 *   products(product_id TEXT PK, description TEXT, category TEXT, supplier TEXT, list_price REAL)
 *   orders(order_id TEXT PK, customer_id TEXT NULL, ordered_at INTEGER NOT NULL, channel TEXT, country TEXT,
 *          payment TEXT, promised_at INTEGER, delivered_at INTEGER, carrier TEXT, status TEXT)
 *   order_lines(order_id TEXT, line_no INTEGER, product_id TEXT NOT NULL, quantity REAL NOT NULL,
 *               unit_price REAL, discount REAL, source TEXT, source_line INTEGER, seller_id TEXT, freight REAL,
 *               PK(order_id, line_no))   freight: shipping charged for the line (Olist's freight_value)
 *   cases(case_id TEXT PK, order_id TEXT NULL, customer_id TEXT NULL, product_id TEXT NULL, kind TEXT NOT NULL,
 *         reason TEXT, opened_at INTEGER NOT NULL, quantity REAL, amount REAL, source TEXT, source_line INTEGER,
 *         reason_class TEXT)
 *         kind ∈ return, exchange, repair, refund, complaint, cancel
 *         reason_class: the reason text's class (quality/reasons.h) set at ingest, NULL without a reason
 *   charges(order_id, line_no, code, description, quantity, amount, at) — non-product lines (postage, fees…)
 *   reviews(order_id, score, text, created_at, review_id, source, source_line)
 *   rejects(source TEXT, line INTEGER, reason TEXT, raw TEXT, PK(source, line)) — nothing is silently lost
 *   truth_products(product_id PK, category, defective INTEGER, onset INTEGER, base_rate REAL, defect_rate REAL)
 *   truth_customers(customer_id PK, propensity REAL, serial_returner INTEGER) — planted ground truth of the
 *   simulated shop; truth_carriers(carrier PK, late_rate REAL, peak_late_rate REAL) — its carriers' late rates
 *   ingest_sources(source TEXT PK, records INTEGER, rejected INTEGER, ingested_at INTEGER) — per source file,
 *   the records its latest ingest read and how many of them went to rejects (the report's data-quality table)
 *   meta(key TEXT PK, value TEXT)
 * build adds: features(...) — see features/features.h. */
extern const char *const as__schema_sql;

/* Runs sql (no result rows expected); fills err with the SQLite message on failure. */
as_status as__db_exec(as_db *db, const char *sql, as_error *err);
as_status as__db_prepare(as_db *db, const char *sql, sqlite3_stmt **st, as_error *err);
/* Reads / writes a meta value. get returns AS_ERR_NODATA when absent; buf gets a NUL-terminated copy. */
as_status as__db_meta_get(as_db *db, const char *key, char *buf, size_t size, as_error *err);
as_status as__db_meta_set(as_db *db, const char *key, const char *value, as_error *err);
/* Pragmas for a bulk load (documented in store.c) and back to safe defaults afterwards. */
as_status as__db_bulk_begin(as_db *db, as_error *err);
as_status as__db_bulk_end(as_db *db, int commit, as_error *err);

/* ---- rows written by a thread of their own (rowq.c) ----
 * For bulk steps: the producer builds rows for up to AS_ROWQ_MAX_STMTS prepared INSERT statements (begin, one
 * call per column in order, end); full batches are bound and stepped by one writer thread, in queue order. While
 * a queue exists, every other use of the connection must sit between as__rowq_lock and as__rowq_unlock (the
 * connection is opened without SQLite's mutex). as__rowq_end and as__rowq_finish return the writer's first error
 * (AS_ERR_DB with SQLite's message); finish flushes and joins the thread, free without finish drops what is
 * queued. Text is copied; statements stay the caller's. */
#define AS_ROWQ_MAX_STMTS 4
typedef struct as_rowq as_rowq;
as_status as__rowq_new(as_db *db, sqlite3_stmt *const *stmts, int n_stmts, int max_cols, as_rowq **out,
                       as_error *err);
void as__rowq_begin(as_rowq *q, int stmt);
void as__rowq_null(as_rowq *q);
void as__rowq_int(as_rowq *q, int64_t v);
void as__rowq_double(as_rowq *q, double v);
as_status as__rowq_text(as_rowq *q, const char *s);   /* NULL binds NULL; AS_ERR_NOMEM */
as_status as__rowq_end(as_rowq *q, as_error *err);
as_status as__rowq_finish(as_rowq *q, as_error *err);
void as__rowq_free(as_rowq *q);
void as__rowq_lock(as_rowq *q);
void as__rowq_unlock(as_rowq *q);

#endif
