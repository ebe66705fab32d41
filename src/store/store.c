/* The SQLite database: schema creation, meta values, bulk-load settings. */
#define _XOPEN_SOURCE 700   /* realpath */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

const char *const as__schema_sql =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);\n"
    "CREATE TABLE IF NOT EXISTS customers(customer_id TEXT PRIMARY KEY, country TEXT, first_seen INTEGER);\n"
    "CREATE TABLE IF NOT EXISTS products(product_id TEXT PRIMARY KEY, description TEXT, category TEXT,"
    " supplier TEXT, list_price REAL);\n"
    "CREATE TABLE IF NOT EXISTS orders(order_id TEXT PRIMARY KEY, customer_id TEXT, ordered_at INTEGER NOT NULL,"
    " channel TEXT, country TEXT, payment TEXT, promised_at INTEGER, delivered_at INTEGER, carrier TEXT, status TEXT);\n"
    "CREATE TABLE IF NOT EXISTS order_lines(order_id TEXT NOT NULL, line_no INTEGER NOT NULL,"
    " product_id TEXT NOT NULL, quantity REAL NOT NULL, unit_price REAL, discount REAL, source TEXT,"
    " source_line INTEGER, seller_id TEXT, freight REAL, PRIMARY KEY(order_id, line_no)) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS cases(case_id TEXT PRIMARY KEY, order_id TEXT, customer_id TEXT, product_id TEXT,"
    " kind TEXT NOT NULL, reason TEXT, opened_at INTEGER NOT NULL, quantity REAL, amount REAL, source TEXT,"
    " source_line INTEGER, reason_class TEXT);\n"
    "CREATE TABLE IF NOT EXISTS charges(order_id TEXT NOT NULL, line_no INTEGER NOT NULL, code TEXT,"
    " description TEXT, quantity REAL, amount REAL, at INTEGER, PRIMARY KEY(order_id, line_no));\n"
    "CREATE TABLE IF NOT EXISTS reviews(order_id TEXT, score INTEGER, text TEXT, created_at INTEGER, review_id TEXT,"
    " source TEXT, source_line INTEGER);\n"
    "CREATE TABLE IF NOT EXISTS rejects(source TEXT NOT NULL, line INTEGER NOT NULL, reason TEXT NOT NULL,"
    " raw TEXT, PRIMARY KEY(source, line));\n"
    "CREATE TABLE IF NOT EXISTS truth_products(product_id TEXT PRIMARY KEY, category TEXT, defective INTEGER,"
    " onset INTEGER, base_rate REAL, defect_rate REAL);\n"
    "CREATE TABLE IF NOT EXISTS truth_customers(customer_id TEXT PRIMARY KEY, propensity REAL, serial_returner INTEGER);\n"
    "CREATE TABLE IF NOT EXISTS truth_carriers(carrier TEXT PRIMARY KEY, late_rate REAL, peak_late_rate REAL);\n"
    "CREATE TABLE IF NOT EXISTS ingest_sources(source TEXT PRIMARY KEY, records INTEGER NOT NULL,"
    " rejected INTEGER NOT NULL, ingested_at INTEGER NOT NULL);\n"
    ;
/* No secondary indexes: every step reads whole tables in one pass (GROUP BY, ORDER BY, hash joins), and each
 * index would cost a B-tree insert per loaded line. order_lines is clustered on its key (WITHOUT ROWID) for
 * the same reason. */

as_status as__db_exec(as_db *db, const char *sql, as_error *err) {
    char *msg = NULL;
    if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) != SQLITE_OK) {
        as__err(err, AS_ERR_DB, "%s: %s", db->path, msg ? msg : sqlite3_errmsg(db->sql));
        sqlite3_free(msg);
        return AS_ERR_DB;
    }
    return AS_OK;
}

as_status as__db_prepare(as_db *db, const char *sql, sqlite3_stmt **st, as_error *err) {
    if (sqlite3_prepare_v2(db->sql, sql, -1, st, NULL) != SQLITE_OK)
        return as__err(err, AS_ERR_DB, "%s: %s (in: %.80s)", db->path, sqlite3_errmsg(db->sql), sql);
    return AS_OK;
}

/* Version 2 (issue 4) added columns only: carriers and order status, sellers and freight per line, a reason
 * class per case, review ids and their source, serial returners in the simulated shop's truth (and the new
 * truth_carriers table, which the schema script creates). A version-1 database gains them (empty) in place. */
static as_status migrate_1_to_2(as_db *db, as_error *err) {
    return as__db_exec(db,
        "BEGIN; ALTER TABLE orders ADD COLUMN carrier TEXT; ALTER TABLE orders ADD COLUMN status TEXT;"
        " ALTER TABLE order_lines ADD COLUMN seller_id TEXT; ALTER TABLE order_lines ADD COLUMN freight REAL;"
        " ALTER TABLE cases ADD COLUMN reason_class TEXT; ALTER TABLE reviews ADD COLUMN review_id TEXT;"
        " ALTER TABLE reviews ADD COLUMN source TEXT; ALTER TABLE reviews ADD COLUMN source_line INTEGER;"
        " ALTER TABLE truth_customers ADD COLUMN serial_returner INTEGER;"
        " INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', '2'); COMMIT;", err);
}

/* A random id for the database, made when it is first opened (meta shop_id): models record the id of the database
 * they were trained on, so that a model used on another shop's data can be told apart (the report refuses to score
 * with it). Random rather than derived from the path: a copied database is the same shop, a new one at the same
 * path is not. */
static as_status ensure_shop_id(as_db *db, as_error *err) {
    char v[64];
    as_error ignore;
    if (as__db_meta_get(db, "shop_id", v, sizeof v, &ignore) == AS_OK) return AS_OK;
    unsigned char r[8] = {0};
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = f ? fread(r, 1, sizeof r, f) : 0;
    if (f) fclose(f);
    if (got != sizeof r) {   /* no /dev/urandom: time and address, unique enough to tell shops apart */
        uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)db << 16);
        memcpy(r, &x, sizeof r);
    }
    char hex[2 * sizeof r + 1];
    for (size_t i = 0; i < sizeof r; i++) snprintf(hex + 2 * i, 3, "%02x", r[i]);
    return as__db_meta_set(db, "shop_id", hex, err);
}

as_status as_db_open(const char *path, as_db **out, as_error *err) {
    *out = NULL;
    as_db *db = as__calloc(1, sizeof *db);
    if (!db) return as__err(err, AS_ERR_NOMEM, "out of memory opening %s", path);
    db->path = as__strdup(path);
    if (!db->path) { as__free(db); return as__err(err, AS_ERR_NOMEM, "out of memory opening %s", path); }
    if (sqlite3_open_v2(path, &db->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        as__err(err, AS_ERR_IO, "cannot open database %s: %s; check the folder exists and is writable", path,
                db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
        as_db_close(db);
        return AS_ERR_IO;
    }
    sqlite3_busy_timeout(db->sql, 5000);
    /* Another program's database: refuse before the first write (the schema, the journal mode) changes it. */
    sqlite3_stmt *probe = NULL;
    if (sqlite3_prepare_v2(db->sql, "SELECT (SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE"
                           " 'sqlite_%' ORDER BY name LIMIT 1), EXISTS(SELECT 1 FROM sqlite_master WHERE type ="
                           " 'table' AND name = 'meta')", -1, &probe, NULL) == SQLITE_OK &&
        sqlite3_step(probe) == SQLITE_ROW && sqlite3_column_type(probe, 0) != SQLITE_NULL &&
        !sqlite3_column_int(probe, 1)) {
        as__err(err, AS_ERR_FORMAT, "%s is a SQLite database of another program (it holds table '%s' and no aftersales "
                "tables); give aftersales a file of its own with --db", path, (const char *)sqlite3_column_text(probe, 0));
        sqlite3_finalize(probe);
        as_db_close(db);
        return AS_ERR_FORMAT;
    }
    sqlite3_finalize(probe);
    /* WAL lets readers (a report, the service) work while a step writes; NORMAL sync is safe with WAL. */
    as_status st = as__db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;", err);
    if (!st) st = as__db_exec(db, as__schema_sql, err);
    if (st) {
        /* The first statements are where a wrong or unwritable file shows itself: say which it is. */
        int code = sqlite3_errcode(db->sql) & 0xff;
        if (code == SQLITE_NOTADB)
            st = as__err(err, AS_ERR_FORMAT, "%s is not an aftersales (SQLite) database; name a new file with --db or "
                         "the database that ingest wrote", path);
        else if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM || code == SQLITE_IOERR)
            st = as__err(err, AS_ERR_IO, "cannot write database %s (%s); aftersales needs write access to the file "
                         "and its folder (it keeps a write-ahead log beside it)", path, sqlite3_errmsg(db->sql));
    }
    if (!st) {
        char v[32];
        as_error e2;
        if (as__db_meta_get(db, "schema_version", v, sizeof v, &e2) == AS_OK) {
            if (strcmp(v, "1") == 0) st = migrate_1_to_2(db, err);
            else if (strcmp(v, "2") != 0)
                st = as__err(err, AS_ERR_FORMAT, "%s has schema version %s; this build understands versions 1 and %d",
                             path, v, AS_SCHEMA_VERSION);
        } else {
            st = as__db_meta_set(db, "schema_version", AS_SCHEMA_VERSION_TEXT, err);
        }
    }
    if (!st) st = ensure_shop_id(db, err);
    if (st) { as_db_close(db); return st; }
    *out = db;
    return AS_OK;
}

void as_db_close(as_db *db) {
    if (!db) return;
    if (db->sql) sqlite3_close_v2(db->sql);
    as__free(db->path);
    as__free(db);
}

as_status as__db_meta_get(as_db *db, const char *key, char *buf, size_t size, as_error *err) {
    sqlite3_stmt *st;
    as_status rc = as__db_prepare(db, "SELECT value FROM meta WHERE key = ?", &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        snprintf(buf, size, "%s", v ? v : "");
        rc = AS_OK;
    } else {
        rc = as__err(err, AS_ERR_NODATA, "%s has no '%s' yet", db->path, key);
    }
    sqlite3_finalize(st);
    return rc;
}

as_status as__db_meta_set(as_db *db, const char *key, const char *value, as_error *err) {
    sqlite3_stmt *st;
    as_status rc = as__db_prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = as__err(err, AS_ERR_DB, "%s: %s", db->path, sqlite3_errmsg(db->sql));
    sqlite3_finalize(st);
    return rc;
}

/* Bulk load: one transaction for the whole step (atomic: a failed step leaves nothing behind) and a large page
 * cache (256 MiB). Temporary B-trees (the build's sort of every purchase line) may spill to files: with
 * temp_store=MEMORY they never did, and the sort alone held about 150 bytes a line (1.5 GB at 10 M lines); on
 * files it stays within the cache budget and measured no slower at 1 M lines. For the step the database leaves WAL for a rollback journal: WAL writes
 * every page twice (log, then checkpoint) and looks each one up in its index, which cost about a third of a
 * feature build measured with perf; a rollback journal saves only pages that existed before the step, so the
 * pages of a new table (the features, a first ingest) are written once. The switch needs the database to
 * itself; when another connection has it open (a reader, the service) it stays in WAL, which is only slower.
 * bulk_end goes back to WAL so readers can work beside later writers. */
as_status as__db_bulk_begin(as_db *db, as_error *err) {
    as_error ignored;
    as__db_exec(db, "PRAGMA journal_mode=DELETE;", &ignored);
    return as__db_exec(db, "PRAGMA cache_size=-262144; PRAGMA temp_store=FILE; BEGIN IMMEDIATE;", err);
}

as_status as__db_bulk_end(as_db *db, int commit, as_error *err) {
    as_error ignored;
    as_status st = AS_OK;
    if (commit) st = as__db_exec(db, "COMMIT;", err);
    else as__db_exec(db, "ROLLBACK;", &ignored);
    as__db_exec(db, "PRAGMA journal_mode=WAL;", &ignored);
    return st;
}

as_status as_db_note_model(as_db *db, const char *model_path, as_error *err) {
    if (!db || !model_path) return as__err(err, AS_ERR_INVALID, "as_db_note_model needs a database and a path");
    /* absolute, so a report started from another folder finds it */
    char *abs = realpath(model_path, NULL);
    as_status st = as__db_meta_set(db, "last_model", abs ? abs : model_path, err);
    free(abs);
    return st;
}
