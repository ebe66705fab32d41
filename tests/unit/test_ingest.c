/* Ingest of the online-retail and canonical presets on small files written by the test. */
#include <sys/stat.h>
#include <unistd.h>

#include "aftersales/aftersales.h"
#include "ingest/ingest.h"
#include "store/store.h"
#include "test.h"
#include "test_db.h"

static char dir[256];

static void write_file(const char *name, const char *text) { test_write(dir, name, text); }

static const char *retail =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
    "536365,POST,POSTAGE,1,2010-12-01 08:26:00,18,17850,United Kingdom\n"
    "536366,22633,HAND WARMER,6,12/2/2010 8:28,1.85,17850.0,United Kingdom\n"
    "C536379,85123A,WHITE HANGING HEART,-2,2010-12-05 09:41:00,2.55,17850,United Kingdom\n"
    "536380,22633,HAND WARMER,-5,2010-12-05 10:00:00,0,,United Kingdom\n"
    "536381,22633,HAND WARMER,3,notadate,1.85,12345,France\n"
    "536382,22633,\"HAND, WARMER\",3,2010-12-06 10:00:00,1.85,12345,France,extra\n"
    "536383,22633,HAND WARMER,2,2010-12-07 10:00:00,1.85,,NA\n";

static void test_online_retail(void) {
    as_error err = {0};
    char db_path[512], path[512], buf[256];
    snprintf(db_path, sizeof db_path, "%s/shop.db", dir);
    snprintf(path, sizeof path, "%s/retail.csv", dir);
    write_file("retail.csv", retail);
    as_db *db = NULL;
    CHECK_OK(as_db_open(db_path, &db, &err), &err);
    if (!db) return;
    as_ingest_params ip = as_ingest_params_default();
    as_ingest_stats s;
    CHECK_OK(as_ingest(db, path, &ip, &s, &err), &err);
    CHECK(s.records_read == 8);
    CHECK(s.purchases == 3);
    CHECK(s.charges == 1);
    CHECK(s.cases == 1);
    CHECK(s.rejected == 3);
    CHECK(s.loaded == 5);
    CHECK(s.orders == 3);
    CHECK(s.customers == 1);          /* 17850 and 17850.0 are one customer; 12345 only in rejected rows */
    CHECK(s.products == 2);           /* POST is a charge, not a product */
    CHECK(q_int(db, "SELECT count(*) FROM rejects") == 3);
    CHECK(q_int(db, "SELECT line FROM rejects WHERE reason LIKE '%InvoiceDate%'") == 7);
    CHECK(q_int(db, "SELECT line FROM rejects WHERE reason LIKE '%fields%'") == 8);
    q_text(db, "SELECT reason FROM rejects WHERE line = 8", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "expected 8 fields as in the header, found 9") && strstr(buf, "check the delimiter (',' here)")
              && strstr(buf, "quoted"), "%s", buf);
    int grouped = 0;
    for (int i = 0; i < s.n_reject_reasons; i++)
        grouped += strcmp(s.reject_reason[i], "wrong number of fields (expected 8)") == 0 && s.reject_count[i] == 1;
    CHECK(grouped == 1);
    q_text(db, "SELECT raw FROM rejects WHERE line = 8", buf, sizeof buf);
    CHECK_STR(buf, "536382,22633,\"HAND, WARMER\",3,2010-12-06 10:00:00,1.85,12345,France,extra");
    q_text(db, "SELECT customer_id FROM cases", buf, sizeof buf);
    CHECK_STR(buf, "17850");
    CHECK(q_int(db, "SELECT quantity FROM cases") == 2);
    q_text(db, "SELECT kind FROM cases", buf, sizeof buf);
    CHECK_STR(buf, "cancel");
    q_text(db, "SELECT customer_id FROM orders WHERE order_id = '536366'", buf, sizeof buf);
    CHECK_STR(buf, "17850");
    CHECK(q_int(db, "SELECT ordered_at FROM orders WHERE order_id = '536366'") == 1291278480);  /* 2010-12-02 08:28 */
    q_text(db, "SELECT country FROM orders WHERE order_id = '536383'", buf, sizeof buf);
    CHECK_STR(buf, "NA");             /* the text NA is a country here (Namibia), not a hole */
    CHECK(q_int(db, "SELECT count(*) FROM orders WHERE order_id = '536383' AND customer_id IS NULL") == 1);

    /* A second ingest of the same file adds nothing. */
    CHECK_OK(as_ingest(db, path, &ip, &s, &err), &err);
    CHECK(s.loaded == 0);
    CHECK(s.skipped_duplicates == 5);
    CHECK(q_int(db, "SELECT count(*) FROM order_lines") == 3);
    CHECK(q_int(db, "SELECT count(*) FROM rejects") == 3);
    as_db_close(db);
}

static void test_online_retail_ii_spelling(void) {
    as_error err = {0};
    char db_path[512], path[512];
    snprintf(db_path, sizeof db_path, "%s/shop2.db", dir);
    snprintf(path, sizeof path, "%s/retail2.csv", dir);
    write_file("retail2.csv",
               "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
               "489434,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom\n"
               "C489449,22087,PAPER BUNTING WHITE LACE,-12,2009-12-01 10:33:00,2.95,16321.0,Australia\n");
    as_db *db = NULL;
    CHECK_OK(as_db_open(db_path, &db, &err), &err);
    as_ingest_params ip = as_ingest_params_default();
    as_ingest_stats s;
    CHECK_OK(as_ingest(db, path, &ip, &s, &err), &err);
    CHECK(s.purchases == 1 && s.cases == 1 && s.rejected == 0);
    as_db_close(db);

    write_file("bad.csv", "Invoice,StockCode,Quantity,Price,Customer ID\n1,2,3,4,5\n");
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    snprintf(db_path, sizeof db_path, "%s/shop3.db", dir);
    CHECK_OK(as_db_open(db_path, &db, &err), &err);
    as_status st = as_ingest(db, path, &ip, &s, &err);
    CHECK(st == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "InvoiceDate") && strstr(err.msg, "bad.csv"), "%s", err.msg);
    as_db_close(db);
}

static void test_unterminated_quote_keeps_rows(void) {
    as_error err = {0};
    char db_path[512], path[512];
    snprintf(db_path, sizeof db_path, "%s/shop4.db", dir);
    snprintf(path, sizeof path, "%s/quote.csv", dir);
    write_file("quote.csv",
               "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
               "1,A1,ok,1,2011-01-01 10:00,1,5,UK\n"
               "2,A2,\"never closed,1,2011-01-02 10:00,1,5,UK\n"
               "3,A3,x,1,2011-01-03 10:00,1,5,UK\n");
    as_db *db = NULL;
    CHECK_OK(as_db_open(db_path, &db, &err), &err);
    as_ingest_params ip = as_ingest_params_default();
    as_ingest_stats s;
    CHECK_OK(as_ingest(db, path, &ip, &s, &err), &err);
    CHECK(s.purchases == 2);                  /* line 4 is read again on its own and kept */
    CHECK(s.rejected == 1);
    CHECK(s.records_read == 3);
    CHECK(q_int(db, "SELECT line FROM rejects") == 3);
    CHECK(q_int(db, "SELECT source_line FROM order_lines WHERE order_id = '3'") == 4);
    as_db_close(db);
}

/* A stray quote in the middle of a long file costs its own line, not the rest of the file. */
static void test_stray_quote_mid_file(void) {
    as_error err = {0};
    char db_path[512], path[512];
    snprintf(db_path, sizeof db_path, "%s/shop5.db", dir);
    snprintf(path, sizeof path, "%s/stray.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n", f);
    for (int i = 1; i <= 1000; i++) {
        if (i == 60) fprintf(f, "%d,A%d,\"BROKEN DESCRIPTION,1,2011-01-01 10:00,1,5,UK\n", i, i);
        else if (i == 500) fprintf(f, "%d,A%d,\"two\nline\",1,2011-01-01 10:00,1,5,UK\n", i, i);   /* legit */
        else fprintf(f, "%d,A%d,ITEM %d,1,2011-01-01 10:00,1,5,UK\n", i, i, i);
    }
    fclose(f);
    as_db *db = NULL;
    CHECK_OK(as_db_open(db_path, &db, &err), &err);
    as_ingest_params ip = as_ingest_params_default();
    as_ingest_stats s;
    CHECK_OK(as_ingest(db, path, &ip, &s, &err), &err);
    /* the quote on line 61 (record 60) runs to the quote of record 500, whose lines are then read one by one:
     * record 500's two halves are rejected with line 61; every other record is loaded */
    CHECK_MSG(s.purchases == 998, "purchases %lld", (long long)s.purchases);   /* all but records 60 and 500 */
    CHECK_MSG(s.rejected == 3, "rejected %lld", (long long)s.rejected);
    CHECK(s.loaded + s.rejected + s.skipped_duplicates + s.updated == s.records_read);
    CHECK(q_int(db, "SELECT min(line) FROM rejects") == 61);
    CHECK(q_int(db, "SELECT count(*) FROM order_lines WHERE order_id = '999'") == 1);
    as_db_close(db);
}

/* A corrected export replaces what an earlier one loaded; a different preset is refused. */
static void test_reingest_updates(void) {
    as_error err = {0};
    char db_path[512], path[512];
    snprintf(db_path, sizeof db_path, "%s/shop6.db", dir);
    snprintf(path, sizeof path, "%s/v1.csv", dir);
    write_file("v1.csv", "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
                         "1,A1,x,1,2011-01-01 10:00,1e6,5,UK\n2,A2,y,2,2011-01-02 10:00,3,5,UK\n");
    as_db *db = NULL;
    CHECK_OK(as_db_open(db_path, &db, &err), &err);
    as_ingest_params ip = as_ingest_params_default();
    as_ingest_stats s;
    CHECK_OK(as_ingest(db, path, &ip, &s, &err), &err);
    CHECK(s.purchases == 2);
    write_file("v1.csv", "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
                         "1,A1,x,1,2011-01-01 10:00,1.5,5,UK\n2,A2,y,2,2011-01-02 10:00,3,5,UK\n");
    CHECK_OK(as_ingest(db, path, &ip, &s, &err), &err);
    CHECK(s.updated == 1 && s.skipped_duplicates == 1 && s.loaded == 0);
    sqlite3_stmt *st;
    double price = 0;
    if (sqlite3_prepare_v2(db->sql, "SELECT unit_price FROM order_lines WHERE order_id = '1'", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        price = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    CHECK_NEAR(price, 1.5, 0);

    /* out-of-range values are rejected with the value named */
    write_file("v2.csv", "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
                         "3,A1,x,1,2011-01-01 10:00,1e308,5,UK\n");
    snprintf(path, sizeof path, "%s/v2.csv", dir);
    CHECK_OK(as_ingest(db, path, &ip, &s, &err), &err);
    CHECK(s.rejected == 1);
    char buf[256];
    q_text(db, "SELECT reason FROM rejects WHERE source = 'v2.csv'", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "out of range") && strstr(buf, "1e308"), "%s", buf);

    ip.preset = "canonical";
    as_status rc = as_ingest(db, dir, &ip, &s, &err);
    CHECK(rc == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "online-retail") && strstr(err.msg, "new database"), "%s", err.msg);
    as_db_close(db);
}

static void test_canonical(void) {
    as_error err = {0};
    char db_path[512], sub[300];
    snprintf(sub, sizeof sub, "%s/canon", dir);
    mkdir(sub, 0700);
    write_file("canon/orders.csv", "order_id,customer_id,ordered_at,country\no1,c1,2024-01-01 10:00:00,DE\n"
                                   "o2,c2,2024-01-02,FR\no3,c1,yesterday,DE\n");
    write_file("canon/order_lines.csv", "order_id,line_no,product_id,quantity,unit_price\no1,1,p1,1,10\no1,2,p2,2,5\n"
                                        "o2,1,p1,1,10\n");
    write_file("canon/products.csv", "product_id,category,list_price\np1,apparel,10\np2,home,5\n");
    write_file("canon/cases.csv", "case_id,order_id,product_id,kind,reason,opened_at\n"
                                  "k1,o1,p1,return,too small,2024-01-10\n");
    snprintf(db_path, sizeof db_path, "%s/canon.db", dir);
    as_db *db = NULL;
    CHECK_OK(as_db_open(db_path, &db, &err), &err);
    as_ingest_params ip = as_ingest_params_default();
    ip.preset = "canonical";
    as_ingest_stats s;
    CHECK_OK(as_ingest(db, sub, &ip, &s, &err), &err);
    CHECK(s.orders == 2);
    CHECK(s.purchases == 3);
    CHECK(s.cases == 1);
    CHECK(s.rejected == 1);
    char buf[256];
    q_text(db, "SELECT reason FROM rejects", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "ordered_at") && strstr(buf, "yesterday"), "%s", buf);
    CHECK(q_int(db, "SELECT count(*) FROM customers") == 2);
    CHECK(s.all_rejected_source[0] == '\0');

    /* A file whose every record is rejected is named; once fixed and loaded again, its old rejects are gone. */
    write_file("canon/cases.csv", "case_id,order_id,product_id,kind,reason,opened_at\n"
                                  "k2,o1,p2,return,broken,10/01/2024x\nk3,o2,p1,return,late,soon\n");
    CHECK_OK(as_ingest(db, sub, &ip, &s, &err), &err);
    CHECK_MSG(strcmp(s.all_rejected_source, "cases.csv") == 0, "'%s'", s.all_rejected_source);
    CHECK(q_int(db, "SELECT count(*) FROM rejects WHERE source = 'cases.csv'") == 2);
    write_file("canon/cases.csv", "case_id,order_id,product_id,kind,reason,opened_at\n"
                                  "k2,o1,p2,return,broken,2024-01-10\nk3,o2,p1,return,late,2024-01-11\n");
    CHECK_OK(as_ingest(db, sub, &ip, &s, &err), &err);
    CHECK(s.all_rejected_source[0] == '\0');
    CHECK(q_int(db, "SELECT count(*) FROM rejects WHERE source = 'cases.csv'") == 0);
    CHECK(q_int(db, "SELECT count(*) FROM rejects WHERE source = 'orders.csv'") == 1);   /* still wrong there */
    CHECK(q_int(db, "SELECT count(*) FROM cases") == 3);
    as_db_close(db);
}


/* The pseudonymization key of a database is fixed by its first use: a missing key file is not replaced by a new
 * key, and another key is refused, so no customer is split across two pseudonyms. */
static void test_key_fingerprint(void) {
    as_error err = {0};
    char sub[300], db_path[512], map[512], key[512], other_key[512];
    snprintf(sub, sizeof sub, "%s/keyed", dir);
    mkdir(sub, 0700);
    write_file("keyed/o.csv", "id,at,mail\n1,2024-01-02,ann@example.org\n2,2024-01-03,bob@example.org\n");
    write_file("keyed/m.ini", "[source o]\nfile = o.csv\nfeeds = orders\norder_id = id\nordered_at = at\n"
                              "customer_id = mail\npersonal = mail pseudonymize\n");
    snprintf(map, sizeof map, "%s/m.ini", sub);
    snprintf(db_path, sizeof db_path, "%s/keyed.db", dir);
    snprintf(key, sizeof key, "%s/keyed.db.key", dir);       /* the default: the database path + ".key" */
    snprintf(other_key, sizeof other_key, "%s/other.key", dir);
    as_db *db = NULL;
    CHECK_OK(as_db_open(db_path, &db, &err), &err);
    if (!db) return;
    as_ingest_params ip = as_ingest_params_default();
    ip.preset = "mapping";
    as_ingest_stats s;
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(s.key_created == 1 && s.pseudonymized == 2);
    char fp[64];
    q_text(db, "SELECT value FROM meta WHERE key = 'pii_key_fingerprint'", fp, sizeof fp);
    CHECK_MSG(strncmp(fp, "px", 2) == 0 && strlen(fp) == AS_PII_PSEUDONYM_LEN, "%s", fp);
    /* the fingerprint is not a pseudonym of any loaded value, and not the key */
    CHECK(q_int(db, "SELECT count(*) FROM orders WHERE customer_id = (SELECT value FROM meta WHERE key = "
                    "'pii_key_fingerprint')") == 0);

    /* the key file deleted: refused, and no new key made */
    CHECK(unlink(key) == 0);
    CHECK(as_ingest(db, map, &ip, &s, &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "key file is missing") && strstr(err.msg, fp) && strstr(err.msg, "--key-file") &&
              strstr(err.msg, "new --db"), "%s", err.msg);
    CHECK(access(key, F_OK) != 0);

    /* another key: refused with the database's fingerprint, nothing loaded */
    as_pii_key k2;
    int made = 0;
    CHECK_OK(as__pii_key_load(other_key, 1, &k2, &made, NULL, &err), &err);
    CHECK(made == 1);
    ip.key_file = other_key;
    write_file("keyed/o.csv", "id,at,mail\n1,2024-01-02,ann@example.org\n2,2024-01-03,bob@example.org\n"
                              "3,2024-01-04,ann@example.org\n");
    CHECK(as_ingest(db, map, &ip, &s, &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "was built with another pseudonymization key (fingerprint ") && strstr(err.msg, fp) &&
              strstr(err.msg, "pass that key with --key-file, or ingest into a new --db"), "%s", err.msg);
    CHECK(q_int(db, "SELECT count(*) FROM orders") == 2);
    CHECK(q_int(db, "SELECT count(DISTINCT customer_id) FROM orders") == 2);
    as_db_close(db);

    /* a new database takes other.key; the same key again is accepted and ann's orders share one pseudonym */
    char db2[512];
    snprintf(db2, sizeof db2, "%s/keyed2.db", dir);
    CHECK_OK(as_db_open(db2, &db, &err), &err);
    if (!db) return;
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(s.key_created == 0 && s.orders == 3);
    char fp2[64];
    q_text(db, "SELECT value FROM meta WHERE key = 'pii_key_fingerprint'", fp2, sizeof fp2);
    CHECK_MSG(strlen(fp2) == AS_PII_PSEUDONYM_LEN && strcmp(fp2, fp) != 0, "%s vs %s", fp2, fp);
    CHECK(q_int(db, "SELECT count(DISTINCT customer_id) FROM orders") == 2);
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(s.loaded == 0 && s.skipped_duplicates == 3);
    as_db_close(db);
}

int main(void) {
    test_tmpdir(dir, sizeof dir, "ingest");
    RUN(test_online_retail);
    RUN(test_online_retail_ii_spelling);
    RUN(test_unterminated_quote_keeps_rows);
    RUN(test_stray_quote_mid_file);
    RUN(test_reingest_updates);
    RUN(test_canonical);
    RUN(test_key_fingerprint);
    test_rmtree(dir);
    return test_report("ingest");
}
