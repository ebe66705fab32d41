/* The feature library on a small simulated shop: (1) changing or deleting every event after a time T never
 * changes a feature of a purchase before T, at both moments and in both tables; (2) every windowed column of
 * a sample of rows equals a brute-force count over all earlier events. */
#include <math.h>

#include "aftersales/aftersales.h"
#include "features/features.h"
#include "store/store.h"
#include "test.h"
#include "test_db.h"

static char dir[256];

static void exec(as_db *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "SQL failed: %.200s: %s\n", sql, msg);
        t_failures++;
    }
    sqlite3_free(msg);
}

static char *meta(as_db *db, const char *key) {
    static char buf[16384];
    as_error e;
    if (as__db_meta_get(db, key, buf, sizeof buf, &e)) return NULL;
    return buf;
}

/* Every feature column of the rows chosen by `where`, as text in a fixed order. */
static char *dump(as_db *db, const char *table, const char *meta_key, const char *where) {
    as_buf sql, out;
    as__buf_init(&sql, 0);
    as__buf_init(&out, 0);
    const char *cols = meta(db, meta_key);
    as__buf_printf(&sql, "SELECT order_id, %s%s FROM %s WHERE %s ORDER BY order_id%s", cols,
                   strcmp(table, "features") == 0 ? ", category, country, line_no" : ", country, main_category",
                   table, where, strcmp(table, "features") == 0 ? ", line_no" : "");
    as__buf_cstr(&sql);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->sql, sql.data, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql.data, sqlite3_errmsg(db->sql));
        as__buf_free(&sql);
        return NULL;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            if (sqlite3_column_type(st, c) == SQLITE_FLOAT) as__buf_printf(&out, "%.17g|", sqlite3_column_double(st, c));
            else as__buf_printf(&out, "%s|", (const char *)sqlite3_column_text(st, c));
        }
        as__buf_putc(&out, '\n');
    }
    sqlite3_finalize(st);
    as__buf_free(&sql);
    as__buf_cstr(&out);
    return out.data;
}

static as_db *small_shop(const char *name) {
    char shop[512], path[512];
    snprintf(shop, sizeof shop, "%s/shop", dir);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    as_error err = {0};
    as_sim_params sp = as_sim_params_default();
    sp.order_lines = 3000;
    sp.n_customers = 300;
    sp.n_products = 80;
    sp.days = 300;
    as_sim_stats ss;
    CHECK_OK(as_simulate(&sp, shop, &ss, &err), &err);
    as_db *db = NULL;
    CHECK_OK(as_db_open(path, &db, &err), &err);
    as_ingest_params ip = as_ingest_params_default();
    ip.preset = "canonical";
    as_ingest_stats is;
    CHECK_OK(as_ingest(db, shop, &ip, &is, &err), &err);
    return db;
}

/* Changes every kind of event at or after T (orders, lines, cases, deliveries, reviews): amounts, quantities,
 * kinds, reasons, delivery dates, sellers, carriers; deletes some and adds new ones. Orders placed before T but
 * delivered at or after T get a later delivery date that is still after T. */
static void change_the_future(as_db *db, int64_t T) {
    char sql[4096];
    snprintf(sql, sizeof sql,
        "UPDATE order_lines SET unit_price = unit_price * 3 + 1, quantity = quantity + 2, discount = 0.5,"
        " freight = coalesce(freight, 0) + 7, seller_id = 'NewSeller' WHERE order_id IN (SELECT order_id FROM orders"
        " WHERE ordered_at >= %1$lld);"
        "DELETE FROM order_lines WHERE order_id IN (SELECT order_id FROM orders WHERE ordered_at >= %1$lld AND rowid %% 3 = 0);"
        "UPDATE orders SET country = 'ZZ', carrier = 'SlowPost', delivered_at = ordered_at + 30 * 86400,"
        " promised_at = ordered_at + 86400 WHERE ordered_at >= %1$lld;"
        "UPDATE orders SET delivered_at = delivered_at + 3 * 86400 WHERE ordered_at < %1$lld AND delivered_at >= %1$lld;"
        "UPDATE cases SET kind = 'complaint', reason = 'stopped working, broken', reason_class = 'defective',"
        " amount = coalesce(amount, 0) * 2 + 1, quantity = coalesce(quantity, 0) + 1 WHERE opened_at >= %1$lld;"
        "DELETE FROM cases WHERE opened_at >= %1$lld AND rowid %% 4 = 0;"
        /* new cases after T that name orders placed before T, and one exactly at T */
        "INSERT INTO cases(case_id, order_id, product_id, kind, reason, opened_at) SELECT 'late' || ol.order_id ||"
        " ol.line_no, ol.order_id, ol.product_id, 'return', 'too small', %1$lld + 3600 * ol.line_no FROM order_lines ol"
        " JOIN orders o ON o.order_id = ol.order_id WHERE o.ordered_at < %1$lld AND o.ordered_at > %1$lld - 20 * 86400;"
        "INSERT INTO cases(case_id, customer_id, product_id, kind, opened_at) SELECT 'atT', customer_id,"
        " (SELECT product_id FROM order_lines LIMIT 1), 'cancel', %1$lld FROM orders LIMIT 1;"
        /* new orders after T */
        "INSERT INTO orders(order_id, customer_id, ordered_at, country, carrier, promised_at, delivered_at)"
        " SELECT 'N' || order_id, customer_id, ordered_at + 100 * 86400, 'YY', 'FastPost', ordered_at + 101 * 86400,"
        " ordered_at + 100 * 86400 + 3600 FROM orders WHERE ordered_at < %1$lld AND ordered_at > %1$lld - 100 * 86400;"
        "INSERT INTO order_lines(order_id, line_no, product_id, quantity, unit_price, seller_id, freight)"
        " SELECT 'N' || order_id, line_no, product_id, 9, 999, 'OtherSeller', 50 FROM order_lines WHERE 'N' || order_id"
        " IN (SELECT order_id FROM orders);"
        "UPDATE reviews SET score = 1, text = 'awful' WHERE created_at >= %1$lld;"
        "INSERT INTO reviews(order_id, score, text, created_at) SELECT order_id, 1, 'late', %1$lld + 10 FROM orders LIMIT 5;",
        (long long)T);
    exec(db, sql);
}

static void pit_at(int moment) {
    as_db *db = small_shop(moment ? "pit_delivery.db" : "pit_order.db");
    if (!db) return;
    as_error err = {0};
    as_build_params bp = as_build_params_default();
    bp.moment = moment;
    as_build_stats bs;
    CHECK_OK(as_build(db, &bp, &bs, &err), &err);
    CHECK(bs.purchase_lines > 2400 && bs.orders > 600);
    CHECK(q_int(db, "SELECT count(*) FROM orders WHERE carrier IS NOT NULL") > 0);
    int64_t T = q_int(db, "SELECT ordered_at FROM features ORDER BY rowid LIMIT 1 OFFSET (SELECT count(*) / 2 FROM features)");
    /* At moment "delivery" a row also holds its order's own delivery: it is fixed once the order is delivered. */
    char where[512];
    snprintf(where, sizeof where, "ordered_at < %lld", (long long)T);
    if (moment)
        snprintf(where, sizeof where, "ordered_at < %1$lld AND order_id IN (SELECT order_id FROM orders WHERE "
                 "delivered_at IS NULL OR delivered_at < %1$lld)", (long long)T);
    char *lines_before = dump(db, "features", "feature_numeric", where);
    char *orders_before = dump(db, "order_features", "order_feature_numeric", where);
    CHECK(lines_before && strlen(lines_before) > 100000);
    CHECK(orders_before && strlen(orders_before) > 30000);
    int64_t pos_before = q_int(db, "SELECT sum(label) FROM features");

    change_the_future(db, T);
    CHECK_OK(as_build(db, &bp, &bs, &err), &err);
    char *lines_after = dump(db, "features", "feature_numeric", where);
    char *orders_after = dump(db, "order_features", "order_feature_numeric", where);
    CHECK_MSG(lines_before && lines_after && strcmp(lines_before, lines_after) == 0,
              "moment %d: a line feature before T changed when only the future changed", moment);
    CHECK_MSG(orders_before && orders_after && strcmp(orders_before, orders_after) == 0,
              "moment %d: an order feature before T changed when only the future changed", moment);
    /* Labels of purchases within the horizon before T do change: the cases added after T name them (a label looks
     * H days ahead by definition — that is why the time split leaves a gap of H). Only features must not. */
    CHECK(q_int(db, "SELECT sum(label) FROM features") != pos_before);

    /* The check has teeth: one case in the past changes features before T. */
    exec(db, "INSERT INTO cases(case_id, customer_id, product_id, kind, opened_at) SELECT 'past', customer_id,"
             " product_id, 'return', ordered_at + 60 FROM features ORDER BY rowid LIMIT 1");
    CHECK_OK(as_build(db, &bp, &bs, &err), &err);
    char *changed = dump(db, "features", "feature_numeric", where);
    CHECK(changed && lines_before && strcmp(changed, lines_before) != 0);
    as__free(lines_before); as__free(lines_after); as__free(orders_before); as__free(orders_after); as__free(changed);
    as_db_close(db);
}

static void test_future_never_changes_the_past(void) {
    pit_at(AS_MOMENT_ORDER);
    pit_at(AS_MOMENT_DELIVERY);
}

static double col(sqlite3_stmt *st, int i) { return sqlite3_column_double(st, i); }

/* Every windowed count of a sample of rows against a scan of all earlier events in SQL. */
static void test_windows_against_brute_force(void) {
    as_db *db = small_shop("windows.db");
    if (!db) return;
    as_error err = {0};
    as_build_params bp = as_build_params_default();
    as_build_stats bs;
    CHECK_OK(as_build(db, &bp, &bs, &err), &err);
    exec(db, "CREATE TEMP TABLE ev_lines AS SELECT o.customer_id AS cust, ol.product_id AS prod, p.category AS cat,"
             " coalesce(ol.seller_id, p.supplier) AS seller, o.ordered_at AS at, ol.quantity * coalesce(ol.unit_price, 0)"
             " AS amount FROM order_lines ol JOIN orders o ON o.order_id = ol.order_id LEFT JOIN products p ON"
             " p.product_id = ol.product_id WHERE ol.quantity > 0 AND o.customer_id IS NOT NULL;"
             "CREATE TEMP TABLE ev_cases AS SELECT coalesce(c.customer_id, o.customer_id) AS cust, c.product_id AS prod,"
             " p.category AS cat, coalesce((SELECT ol.seller_id FROM order_lines ol WHERE ol.order_id = c.order_id AND"
             " ol.product_id = c.product_id AND ol.seller_id IS NOT NULL LIMIT 1), p.supplier) AS seller,"
             " c.opened_at AS at FROM cases c LEFT JOIN orders o ON o.order_id = c.order_id LEFT JOIN products p ON"
             " p.product_id = c.product_id;");
    static const char *const ent[] = {"cust", "prod", "cat", "seller"};
    static const char *const win[] = {"30d", "90d", "365d", "all"};
    static const int64_t secs[] = {30 * 86400LL, 90 * 86400LL, 365 * 86400LL, 1LL << 40};
    sqlite3_stmt *rows;
    CHECK(sqlite3_prepare_v2(db->sql, "SELECT f.rowid, f.customer_id, f.product_id, p.category, coalesce(ol.seller_id,"
          " p.supplier), f.ordered_at FROM features f JOIN order_lines ol ON ol.order_id = f.order_id AND ol.line_no ="
          " f.line_no LEFT JOIN products p ON p.product_id = f.product_id WHERE f.rowid % 97 = 5", -1, &rows, NULL) == SQLITE_OK);
    int sampled = 0, nonzero = 0;
    while (sqlite3_step(rows) == SQLITE_ROW) {
        sampled++;
        int64_t rowid = sqlite3_column_int64(rows, 0), t = sqlite3_column_int64(rows, 5);
        for (int e = 0; e < 4; e++) {
            const char *id = (const char *)sqlite3_column_text(rows, 1 + e);
            for (int w = 0; w < 4; w++) {
                char sql[1024];
                snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM ev_lines WHERE %1$s = ?1 AND at >= ?2 AND at < ?3),"
                         " (SELECT count(*) FROM ev_cases WHERE %1$s = ?1 AND at >= ?2 AND at < ?3),"
                         " (SELECT total(amount) FROM ev_lines WHERE %1$s = ?1 AND at >= ?2 AND at < ?3),"
                         " f.%1$s_lines_%2$s, f.%1$s_returns_%2$s, %3$s FROM features f WHERE f.rowid = ?4",
                         ent[e], win[w], e < 2 ? (e == 0 ? "f.cust_amount_" : "f.prod_amount_") : "0");
                if (e < 2) snprintf(sql + strlen(sql) - strlen(" FROM features f WHERE f.rowid = ?4"), 64,
                                    "%s FROM features f WHERE f.rowid = ?4", win[w]);
                sqlite3_stmt *q;
                if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK) {
                    fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db->sql));
                    t_failures++;
                    continue;
                }
                if (id) sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(q, 1);
                sqlite3_bind_int64(q, 2, t - secs[w]);
                sqlite3_bind_int64(q, 3, t);
                sqlite3_bind_int64(q, 4, rowid);
                if (sqlite3_step(q) == SQLITE_ROW) {
                    CHECK_NEAR(col(q, 3), log1p(col(q, 0)), 1e-12);
                    CHECK_NEAR(col(q, 4), log1p(col(q, 1)), 1e-12);
                    if (e < 2) CHECK_NEAR(col(q, 5), log1p(col(q, 2)), 1e-5 * (1 + log1p(col(q, 2))));
                    nonzero += col(q, 0) > 0 && col(q, 1) > 0;
                }
                sqlite3_finalize(q);
            }
        }
    }
    sqlite3_finalize(rows);
    CHECK(sampled > 25);
    CHECK(nonzero > 50);     /* the sample exercises real histories, not empty ones */
    as_db_close(db);
}

/* Order rows aggregate their lines' labels; class balances add up; hashed words are 0/1 and normalized counts. */
static void test_orders_balances_hashes(void) {
    as_db *db = small_shop("orders.db");
    if (!db) return;
    as_error err = {0};
    as_build_params bp = as_build_params_default();
    bp.hash_buckets = 8;
    as_build_stats bs;
    CHECK_OK(as_build(db, &bp, &bs, &err), &err);
    CHECK(q_int(db, "SELECT count(*) FROM order_features") == bs.orders);
    CHECK(q_int(db, "SELECT count(DISTINCT order_id) FROM features") == bs.orders);
    /* an order is positive exactly when one of its lines is */
    CHECK(q_int(db, "SELECT count(*) FROM order_features o JOIN (SELECT order_id, max(label) AS l FROM features"
                     " GROUP BY order_id) f ON f.order_id = o.order_id WHERE o.label IS NOT f.l") == 0);
    CHECK(q_int(db, "SELECT sum(label) FROM order_features") == bs.order_positives);
    CHECK(bs.order_positives > 0 && bs.order_positives < bs.orders_labelled);
    /* its kind is the kind of one of its positive lines */
    CHECK(q_int(db, "SELECT count(*) FROM order_features o WHERE o.label = 1 AND o.label_kind NOT IN"
                     " (SELECT label_kind FROM features f WHERE f.order_id = o.order_id AND f.label = 1)") == 0);
    CHECK(q_int(db, "SELECT count(*) FROM features WHERE (label IS NULL) != (label_kind IS NULL) OR"
                     " (label = 0) != (label_kind = 'none') OR (label = 0) != (label_reason = 'none')") == 0);
    as_class_balance *bal[] = {&bs.line_kind, &bs.line_reason, &bs.order_kind, &bs.order_reason};
    int64_t want[] = {bs.labelled, bs.labelled, bs.orders_labelled, bs.orders_labelled};
    for (int k = 0; k < 4; k++) {
        int64_t total = 0;
        for (int i = 0; i < bal[k]->n; i++) total += bal[k]->count[i];
        CHECK(total == want[k]);
        CHECK_STR(bal[k]->name[0], "none");
        for (int i = 2; i < bal[k]->n; i++) CHECK(bal[k]->count[i] <= bal[k]->count[i - 1]);
        CHECK(bal[k]->n >= 3);
    }
    CHECK(bal[0]->count[0] == bs.labelled - bs.positives);
    CHECK(q_int(db, "SELECT count(*) FROM features WHERE label_kind = 'return'") == bs.line_kind.count[1]);
    CHECK_STR(bs.line_kind.name[1], "return");     /* the simulated shop's most common kind */
    /* hashed words: descriptions 0/1 and the same for every row of a product; reasons are counts per earlier case */
    CHECK(q_int(db, "SELECT count(*) FROM features WHERE desc_hash_00 NOT IN (0, 1)") == 0);
    CHECK(q_int(db, "SELECT count(DISTINCT product_id) FROM (SELECT product_id FROM features GROUP BY product_id"
                     " HAVING count(DISTINCT desc_hash_03) > 1)") == 0);
    CHECK(q_int(db, "SELECT count(*) FROM features WHERE desc_hash_00 + desc_hash_01 + desc_hash_02 + desc_hash_03 +"
                     " desc_hash_04 + desc_hash_05 + desc_hash_06 + desc_hash_07 = 0") < bs.purchase_lines / 2);
    CHECK(q_int(db, "SELECT count(*) FROM features WHERE reason_hash_00 + reason_hash_01 + reason_hash_02 +"
                     " reason_hash_03 + reason_hash_04 + reason_hash_05 + reason_hash_06 + reason_hash_07 > 0") > 100);
    /* a product's first row knows no case of it */
    CHECK(q_int(db, "SELECT count(*) FROM features WHERE prod_is_new = 1 AND reason_hash_00 + reason_hash_01 +"
                     " reason_hash_02 + reason_hash_03 > 0") == 0);
    as_db_close(db);
}

int main(void) {
    test_tmpdir(dir, sizeof dir, "features_pit");
    RUN(test_future_never_changes_the_past);
    RUN(test_windows_against_brute_force);
    RUN(test_orders_balances_hashes);
    test_rmtree(dir);
    return test_report("features_pit");
}
