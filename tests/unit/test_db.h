/* Look-ups into a test's database: one value of a query's first row. Tests only (no error handling beyond a
 * sentinel: -1 / "" when the query fails or has no row, so a CHECK on the value fails visibly). */
#ifndef AS_TEST_DB_H
#define AS_TEST_DB_H

#include <stdio.h>

#include "store/store.h"

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
