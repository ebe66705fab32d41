/* Labels and point-in-time features. The central check: changing or deleting every event after a time T
 * never changes a feature of a purchase made before T. */
#include <math.h>
#include <unistd.h>

#include "aftersales/aftersales.h"
#include "features/features.h"
#include "store/store.h"
#include "test.h"

static char dir[256];

static void exec(as_db *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "SQL failed: %s: %s\n", sql, msg);
        t_failures++;
    }
    sqlite3_free(msg);
}

static double feature(as_db *db, const char *order, int line, const char *col) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM features WHERE order_id = '%s' AND line_no = %d", col, order, line);
    sqlite3_stmt *st;
    double v = NAN;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

#define DAY 86400
static void test_labels_and_history(void) {
    as_error err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/labels.db", dir);
    as_db *db = NULL;
    CHECK_OK(as_db_open(path, &db, &err), &err);
    if (!db) return;
    /* day 0: c1 buys p1 (o1). day 10: c1 cancels p1 (no order named). day 20: c1 buys p1 again (o2) and p2.
     * day 30: c2 buys p1 (o3); a case names o3/p1 on day 130 (beyond 90 days). day 400: last event. */
    exec(db, "INSERT INTO orders(order_id,customer_id,ordered_at,channel,country,payment,promised_at,delivered_at) VALUES('o1','c1',0,NULL,'UK',NULL,NULL,NULL),"
             "('o2','c1',20*86400,NULL,'UK',NULL,NULL,NULL),('o3','c2',30*86400,NULL,'FR',NULL,NULL,NULL),"
             "('o4','c3',400*86400,NULL,'UK',NULL,NULL,NULL),('o5',NULL,5*86400,NULL,'UK',NULL,NULL,NULL);"
             "INSERT INTO order_lines(order_id,line_no,product_id,quantity,unit_price) VALUES"
             "('o1',1,'p1',1,10),('o2',1,'p1',2,20),('o2',2,'p2',1,5),('o3',1,'p1',1,10),('o4',1,'p1',1,10),"
             "('o5',1,'p1',1,10);"
             "INSERT INTO cases(case_id,customer_id,product_id,kind,opened_at) VALUES('k1','c1','p1','cancel',10*86400);"
             "INSERT INTO cases(case_id,order_id,product_id,kind,opened_at) VALUES('k2','o3','p1','return',130*86400);"
             /* c9 buys p9 on days 1 and 3 and cancels one on day 5: the cancellation belongs to the day-3 purchase */
             "INSERT INTO orders(order_id,customer_id,ordered_at,channel,country,payment,promised_at,delivered_at) VALUES('o6','c9',1*86400,NULL,'UK',NULL,NULL,NULL),('o7','c9',3*86400,NULL,'UK',NULL,NULL,NULL);"
             "INSERT INTO order_lines(order_id,line_no,product_id,quantity,unit_price) VALUES('o6',1,'p9',1,3),('o7',1,'p9',1,3);"
             "INSERT INTO cases(case_id,customer_id,product_id,kind,opened_at) VALUES('k3','c9','p9','cancel',5*86400);");
    as_build_params bp = as_build_params_default();
    as_build_stats bs;
    CHECK_OK(as_build(db, &bp, &bs, &err), &err);
    CHECK(bs.purchase_lines == 7);            /* o5 has no customer: not a feature row */
    CHECK(bs.lines_without_customer == 1);
    CHECK(bs.labelled == 6);                  /* o4 on day 400: its horizon passes the end of the data */
    CHECK(bs.positives == 2);
    CHECK_NEAR(feature(db, "o6", 1, "label"), 0, 0);     /* the later purchase o7 took the cancellation */
    CHECK_NEAR(feature(db, "o7", 1, "label"), 1, 0);
    CHECK(bs.label_until == 310LL * DAY);
    CHECK_NEAR(feature(db, "o1", 1, "label"), 1, 0);     /* cancelled 10 days later */
    CHECK_NEAR(feature(db, "o2", 1, "label"), 0, 0);     /* nothing after day 20 for c1/p1 */
    CHECK_NEAR(feature(db, "o3", 1, "label"), 0, 0);     /* the case came after 100 days */
    CHECK(isnan(feature(db, "o4", 1, "label")));
    /* history strictly before the purchase */
    CHECK_NEAR(feature(db, "o1", 1, "ln_cust_prev_lines"), 0, 0);
    CHECK_NEAR(feature(db, "o1", 1, "cust_is_new"), 1, 0);
    CHECK_NEAR(feature(db, "o2", 1, "ln_cust_prev_lines"), log1p(1.0), 1e-12);
    CHECK_NEAR(feature(db, "o2", 1, "ln_cust_prev_orders"), log1p(1.0), 1e-12);
    CHECK_NEAR(feature(db, "o2", 1, "ln_cust_prev_returns"), log1p(1.0), 1e-12);
    CHECK_NEAR(feature(db, "o2", 1, "cust_bought_product_before"), 1, 0);
    CHECK_NEAR(feature(db, "o2", 1, "cust_returned_product_before"), 1, 0);
    CHECK_NEAR(feature(db, "o2", 2, "cust_bought_product_before"), 0, 0);
    CHECK_NEAR(feature(db, "o2", 1, "ln_cust_days_since_first"), log1p(20.0), 1e-12);
    CHECK_NEAR(feature(db, "o2", 1, "ln_price_vs_product"), log(2.0), 1e-12);   /* 20 against o1's 10 (o5 has no customer) */
    CHECK_NEAR(feature(db, "o2", 1, "ln_order_lines"), log1p(2.0), 1e-12);
    CHECK_NEAR(feature(db, "o2", 1, "ln_order_value"), log1p(45.0), 1e-12);
    CHECK_NEAR(feature(db, "o3", 1, "ln_prod_prev_returns"), log1p(1.0), 1e-12);
    CHECK_NEAR(feature(db, "o3", 1, "ln_prod_prev_sales"), log1p(2.0), 1e-12);   /* o1 and o2 (o5 has no customer) */
    CHECK_NEAR(feature(db, "o1", 1, "weekday"), 3, 0);   /* 1970-01-01 was a Thursday (Monday = 0) */
    CHECK_NEAR(feature(db, "o1", 1, "month"), 1, 0);
    /* c1's day-10 cancellation: 10 days before o2, weighted exp(−10/30) in the recent count */
    CHECK_NEAR(feature(db, "o2", 1, "ln_cust_recent_returns"), log1p(exp(-10.0 / 30.0)), 1e-12);
    CHECK_NEAR(feature(db, "o2", 1, "ln_cust_days_since_last_return"), log1p(10.0), 1e-12);
    /* o3 (France) is the first French purchase: its country rate is the shop's running rate, shrunk to itself */
    CHECK(feature(db, "o3", 1, "country_return_logit") == feature(db, "o3", 1, "cat_return_logit"));
    as_db_close(db);
}

/* A random shop written straight into the database (deterministic LCG). */
static uint64_t lcg = 12345;
static unsigned rnd(unsigned n) { lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL; return (unsigned)((lcg >> 33) % n); }

static void make_shop(as_db *db) {
    exec(db, "BEGIN");
    char sql[512];
    int line_orders = 0;
    for (int o = 0; o < 1500; o++) {
        int64_t at = (int64_t)o * 5000 + rnd(4000);         /* ~87 days of orders, some at equal instants */
        if (o % 50 == 7) at = (int64_t)(o - 1) * 5000;       /* force ties between orders */
        snprintf(sql, sizeof sql, "INSERT INTO orders(order_id,customer_id,ordered_at,channel,country,payment,promised_at,delivered_at) VALUES('o%d','c%u',%lld,NULL,'%s',NULL,NULL,NULL)", o, rnd(120),
                 (long long)at, rnd(3) ? "UK" : "DE");
        exec(db, sql);
        int nl = 1 + (int)rnd(3);
        for (int l = 1; l <= nl; l++) {
            unsigned prod = rnd(60);
            snprintf(sql, sizeof sql, "INSERT INTO order_lines(order_id,line_no,product_id,quantity,unit_price) "
                                      "VALUES('o%d',%d,'p%u',%u,%u.5)", o, l, prod, 1 + rnd(4), 1 + rnd(30));
            exec(db, sql);
            if (rnd(6) == 0) {
                snprintf(sql, sizeof sql, "INSERT INTO cases(case_id,order_id,product_id,kind,opened_at) VALUES"
                                          "('k%d_%d','o%d','p%u','return',%lld)", o, l, o, prod,
                         (long long)(at + rnd(40 * 86400)));
                exec(db, sql);
            }
            line_orders++;
        }
    }
    exec(db, "COMMIT");
}

/* Every feature value of rows before T, as text, one row per line, ordered. */
static char *dump_features_before(as_db *db, int64_t T) {
    as_buf b;
    as__buf_init(&b, 0);
    char sql[4096];
    int off = snprintf(sql, sizeof sql, "SELECT order_id, line_no, country, category, month");
    for (int k = 0; k < as__n_feature_numeric; k++) off += snprintf(sql + off, sizeof sql - (size_t)off, ", %s", as__feature_numeric[k]);
    snprintf(sql + off, sizeof sql - (size_t)off, " FROM features WHERE ordered_at < %lld ORDER BY order_id, line_no", (long long)T);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) return NULL;
    int cols = sqlite3_column_count(st);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < cols; c++) {
            if (sqlite3_column_type(st, c) == SQLITE_FLOAT) as__buf_printf(&b, "%.17g|", sqlite3_column_double(st, c));
            else as__buf_printf(&b, "%s|", (const char *)sqlite3_column_text(st, c));
        }
        as__buf_putc(&b, '\n');
    }
    sqlite3_finalize(st);
    as__buf_cstr(&b);
    return b.data;
}

static void test_future_never_changes_the_past(void) {
    as_error err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/pit.db", dir);
    as_db *db = NULL;
    CHECK_OK(as_db_open(path, &db, &err), &err);
    if (!db) return;
    make_shop(db);
    as_build_params bp = as_build_params_default();
    as_build_stats bs;
    CHECK_OK(as_build(db, &bp, &bs, &err), &err);
    CHECK(bs.purchase_lines > 2500);
    int64_t T = 750 * 5000;                        /* the middle of the order stream */
    char *before = dump_features_before(db, T);
    CHECK(before && strlen(before) > 10000);

    /* Change the future: delete half of it, add cases, alter later orders and prices. */
    exec(db, "DELETE FROM order_lines WHERE order_id IN (SELECT order_id FROM orders WHERE ordered_at >= 3750000 "
             "AND (rowid % 2) = 0);"
             "DELETE FROM cases WHERE opened_at >= 3750000 AND (rowid % 3) = 0;"
             "UPDATE order_lines SET unit_price = unit_price * 7, quantity = quantity + 5 WHERE order_id IN "
             "(SELECT order_id FROM orders WHERE ordered_at >= 3750000);"
             "UPDATE orders SET country = 'FR' WHERE ordered_at >= 3750000;"
             "INSERT INTO cases(case_id, customer_id, product_id, kind, opened_at) "
             "SELECT 'new' || rowid, customer_id, 'p1', 'cancel', ordered_at + 60 FROM orders WHERE ordered_at >= 3750000;");
    /* The instant T itself is the future for purchases before T: a case exactly at T must not count either. */
    exec(db, "INSERT INTO cases(case_id, customer_id, product_id, kind, opened_at) VALUES('atT', 'c1', 'p1', 'cancel', 3750000)");
    CHECK_OK(as_build(db, &bp, &bs, &err), &err);
    char *after = dump_features_before(db, T);
    CHECK(after != NULL);
    CHECK_MSG(before && after && strcmp(before, after) == 0, "features before T changed when only the future changed");

    /* The check has teeth: changing the past does change features. */
    exec(db, "INSERT INTO cases(case_id, customer_id, product_id, kind, opened_at) VALUES('past', 'c1', 'p1', 'cancel', 1000)");
    CHECK_OK(as_build(db, &bp, &bs, &err), &err);
    char *changed = dump_features_before(db, T);
    CHECK(changed && before && strcmp(before, changed) != 0);
    as__free(before);
    as__free(after);
    as__free(changed);
    as_db_close(db);
}

int main(void) {
    test_tmpdir(dir, sizeof dir, "build");
    RUN(test_labels_and_history);
    RUN(test_future_never_changes_the_past);
    test_rmtree(dir);
    return test_report("build");
}
