/* Look-ups into a test's database: one value of a query's first row. Tests only (no error handling beyond a
 * sentinel: -1 / "" when the query fails or has no row, so a CHECK on the value fails visibly). */
#ifndef AS_TEST_DB_H
#define AS_TEST_DB_H

#include <stdio.h>

#include "aftersales/aftersales.h"
#include "store/store.h"

/* A small simulated shop: simulated into <dir>/shop and ingested (canonical preset) into <dir>/shop.db, which is
 * returned open; NULL with *err set when a step fails. */
static inline as_db *test_small_shop(const char *dir, int64_t lines, int customers, int products, int days,
                                     as_error *err) {
    char shop[512], dbp[512];
    snprintf(shop, sizeof shop, "%s/shop", dir);
    snprintf(dbp, sizeof dbp, "%s/shop.db", dir);
    as_sim_params sp = as_sim_params_default();
    sp.order_lines = lines;
    sp.n_customers = customers;
    sp.n_products = products;
    sp.days = days;
    as_sim_stats sst;
    as_db *db = NULL;
    if (as_simulate(&sp, shop, &sst, err) != AS_OK || as_db_open(dbp, &db, err) != AS_OK) return NULL;
    as_ingest_params ip = as_ingest_params_default();
    ip.preset = "canonical";
    as_ingest_stats is;
    if (as_ingest(db, shop, &ip, &is, err) != AS_OK) {
        as_db_close(db);
        return NULL;
    }
    return db;
}

static inline int64_t q_int(as_db *db, const char *sql) {
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static inline void q_text(as_db *db, const char *sql, char *buf, size_t n) {
    sqlite3_stmt *st;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(buf, n, "%s", t ? (const char *)t : "(null)");
    }
    sqlite3_finalize(st);
}

#endif
