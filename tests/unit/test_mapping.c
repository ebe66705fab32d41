/* Mapping files: the reader's errors, the date formats, and loads through as_ingest (preset "mapping") of small
 * files written here and of the garden-shop example in tests/data/mapping. */
#include <sys/stat.h>

#include "aftersales/aftersales.h"
#include "ingest/mapping.h"
#include "store/store.h"
#include "test.h"
#include "test_db.h"

static char dir[256];

/* Parses text; returns the status and leaves the message in err. */
static as_status parse(const char *text, as_error *err) {
    as_mapping m;
    as_status st = as__mapping_parse(text, strlen(text), "shop.ini", &m, err);
    if (!st) as__mapping_free(&m);
    return st;
}

#define HEAD "[source s]\nfile = a.csv\nfeeds = orders\norder_id = id\n"

static void test_parse_errors(void) {
    as_error err;
    CHECK(parse(HEAD "ordered_at = when\n", &err) == AS_OK);
    CHECK(parse(HEAD "orderd_at = when\n", &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "shop.ini:5:") && strstr(err.msg, "did you mean 'ordered_at'"), "%s", err.msg);
    CHECK(parse(HEAD, &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "shop.ini:1:") && strstr(err.msg, "feeds orders, which needs 'ordered_at'"), "%s", err.msg);
    CHECK(parse("[sorce s]\n", &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "did you mean 'source'"), "%s", err.msg);
    CHECK(parse(HEAD "ordered_at = when\ndates = %d/%q/%Y\n", &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "shop.ini:6:") && strstr(err.msg, "%q is not supported"), "%s", err.msg);
    CHECK(parse(HEAD "ordered_at = when\nreason = why\n", &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "'reason' belongs to cases"), "%s", err.msg);
    CHECK(parse(HEAD "ordered_at = when\ncase = st in x -> retrun\n", &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "did you mean 'return'"), "%s", err.msg);
    CHECK(parse(HEAD "ordered_at = when\ncharge = code in X\n", &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "charge rules need a source that feeds order_lines"), "%s", err.msg);
    CHECK(parse(HEAD "ordered_at = when\ncategory = c via nowhere\n", &err) == AS_ERR_INVALID);
    CHECK(parse(HEAD "ordered_at = when\nfeeds = orders\n", &err) == AS_OK);   /* feeds adds */
    CHECK(parse(HEAD "ordered_at = when\nordered_at = other\n", &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "mapped twice") && strstr(err.msg, "line 5"), "%s", err.msg);
    CHECK(parse("# nothing\n", &err) == AS_ERR_INVALID);
    CHECK(parse(HEAD "ordered_at = when\nreject = qty <= x -> bad\n", &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "not a number"), "%s", err.msg);
    CHECK(parse(HEAD "ordered_at = when\npersonal = mail keep\n", &err) == AS_ERR_INVALID);
    CHECK(parse(HEAD "ordered_at = when\ndelimiter = ;;\n", &err) == AS_ERR_INVALID);
}

static void test_time_formats(void) {
    int64_t t;
    CHECK(as__mapping_parse_time("31.12.2023 23:59", 16, "%d.%m.%Y %H:%M", &t) && t == 1704067140);
    CHECK(as__mapping_parse_time("1.2.2023", 8, "%d.%m.%Y", &t) && t == 1675209600);
    CHECK(!as__mapping_parse_time("31.02.2023", 10, "%d.%m.%Y", &t));
    CHECK(!as__mapping_parse_time("29.02.2023", 10, "%d.%m.%Y", &t));
    CHECK(as__mapping_parse_time("29.02.2024", 10, "%d.%m.%Y", &t));
    CHECK(as__mapping_parse_time("05-Mar-24", 9, "%d-%b-%y", &t) && t == 1709596800);
    CHECK(as__mapping_parse_time("2024-03-05 10:00:00", 19, "iso", &t) && t == 1709632800);
    CHECK(!as__mapping_parse_time("3/5/2024 10:00", 14, "iso", &t));     /* US form only when a format says so */
    CHECK(as__mapping_parse_time("3/5/2024 10:00", 14, "%m/%d/%Y %H:%M", &t) && t == 1709632800);
    CHECK(!as__mapping_parse_time("2024-03-05x", 11, "%Y-%m-%d", &t));   /* trailing junk */
}

/* A line-level export with rules, generated line numbers and an orders file that is only a slice. */
static void test_load_rules(void) {
    char sub[512], db_path[600], map[600];
    snprintf(sub, sizeof sub, "%s/rules", dir);
    mkdir(sub, 0700);
    test_write(sub, "sales.csv",
               "inv|code|qty|price|when|cust\n"
               "1|A|2|1.5|2024-01-02|c1\n"
               "1|SHIP|1|4|2024-01-02|c1\n"
               "1|B|1|3|2024-01-02|c1\n"
               "R1|A|-1|1.5|2024-01-05|c1\n"
               "2|A|0|1.5|2024-01-06|c2\n"
               "2|B|1|x|2024-01-06|c2\n"
               "3|C|1|2|06/01/2024|c2\n");
    test_write(sub, "shop.ini",
               "[source sales]\nfile = sales.csv\ndelimiter = pipe\nfeeds = order_lines, orders\n"
               "order_id = inv\nproduct_id = code\nquantity = qty\nunit_price = price\nordered_at = when\n"
               "customer_id = cust\n"
               "charge = code in SHIP\ncase = inv starts-with R -> return without order\n"
               "reject = qty <= 0 -> not a sale\n");
    snprintf(map, sizeof map, "%s/shop.ini", sub);
    snprintf(db_path, sizeof db_path, "%s/rules.db", dir);
    as_db *db = NULL;
    as_error err = {0};
    CHECK_OK(as_db_open(db_path, &db, &err), &err);
    if (!db) return;
    as_ingest_params ip = as_ingest_params_default();
    ip.preset = "mapping";
    as_ingest_stats s;
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(s.records_read == 7);
    CHECK(s.purchases == 2 && s.charges == 1 && s.cases == 1 && s.orders == 1);
    CHECK(s.rejected == 3);
    CHECK(s.loaded + s.rejected == s.records_read);
    CHECK(q_int(db, "SELECT line_no FROM order_lines WHERE product_id = 'B'") == 3);   /* the charge counts */
    CHECK(q_int(db, "SELECT count(*) FROM cases WHERE case_id = 'R1/1' AND order_id IS NULL AND quantity = 1 "
                    "AND amount = 1.5") == 1);
    CHECK(q_int(db, "SELECT count(*) FROM rejects WHERE reason LIKE '%unit_price%price%x%'") == 1);
    char buf[400];
    q_text(db, "SELECT reason FROM rejects WHERE line = 8", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "ordered_at") && strstr(buf, "06/01/2024") && strstr(buf, "expected iso"), "%s", buf);
    CHECK(q_int(db, "SELECT count(*) FROM customers") == 1);
    /* loading again adds nothing */
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(s.loaded == 0 && s.skipped_duplicates == 4 && s.rejected == 3);

    /* a mapped column the file does not have: named, with the closest header name */
    test_write(sub, "bad.ini", "[source sales]\nfile = sales.csv\ndelimiter = |\nfeeds = order_lines\n"
                               "order_id = inv\nproduct_id = code\nquantity = qtyy\n");
    snprintf(map, sizeof map, "%s/bad.ini", sub);
    CHECK(as_ingest(db, map, &ip, &s, &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "bad.ini:7: column 'qtyy'") && strstr(err.msg, "did you mean 'qty'"), "%s", err.msg);
    /* a missing data file: named */
    test_write(sub, "gone.ini", "[source sales]\nfile = nothere.csv\nfeeds = products\nproduct_id = p\n");
    snprintf(map, sizeof map, "%s/gone.ini", sub);
    CHECK(as_ingest(db, map, &ip, &s, &err) == AS_ERR_IO);
    CHECK_MSG(strstr(err.msg, "gone.ini:1:") && strstr(err.msg, "'nothere.csv'"), "%s", err.msg);
    as_db_close(db);
}

/* docs/examples/garden-shop.ini on tests/data/mapping: semicolons, decimal comma, day-first dates, returns file,
 * e-mail addresses as customer ids (pseudonymized). */
static void test_garden_shop(void) {
    const char *src = getenv("AS_SOURCE_DIR");
    char map[1024], data[1024], db_path[600];
    snprintf(map, sizeof map, "%s/docs/examples/garden-shop.ini", src ? src : ".");
    snprintf(data, sizeof data, "%s/tests/data/mapping", src ? src : ".");
    snprintf(db_path, sizeof db_path, "%s/garden.db", dir);
    as_db *db = NULL;
    as_error err = {0};
    CHECK_OK(as_db_open(db_path, &db, &err), &err);
    if (!db) return;
    as_ingest_params ip = as_ingest_params_default();
    ip.preset = "mapping";
    ip.data_dir = data;
    as_ingest_stats s;
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(s.records_read == 23);
    CHECK(s.orders == 4 && s.purchases == 7 && s.charges == 1 && s.cases == 3 && s.products == 4);
    CHECK(s.rejected == 4 && s.orphan_lines == 1);
    CHECK(q_int(db, "SELECT count(*) FROM customers") == 2);
    CHECK(q_int(db, "SELECT count(*) FROM orders WHERE customer_id IS NULL") == 1);        /* "-" is missing */
    CHECK(q_int(db, "SELECT count(*) FROM orders o JOIN cases c ON c.customer_id = o.customer_id "
                    "WHERE o.order_id = 'B1001' AND c.case_id = 'R1'") == 1);              /* same pseudonym */
    CHECK(q_int(db, "SELECT count(*) FROM orders WHERE customer_id LIKE '%@%'") == 0);
    CHECK(q_int(db, "SELECT count(*) FROM cases WHERE case_id = 'R4' AND kind = 'refund' AND reason_class = 'delivery'") == 1);
    CHECK(q_int(db, "SELECT count(*) FROM cases WHERE case_id = 'R1' AND amount = 149 AND reason_class = 'defective'") == 1);
    CHECK(q_int(db, "SELECT count(*) FROM order_lines WHERE order_id = 'B1001' AND line_no = 2 AND discount = 10.5") == 1);
    CHECK(q_int(db, "SELECT ordered_at FROM orders WHERE order_id = 'B1002'") == 1672840920);   /* 04.01.2023 14:02 */
    as_db_close(db);
}

int main(void) {
    test_tmpdir(dir, sizeof dir, "mapping");
    RUN(test_parse_errors);
    RUN(test_time_formats);
    RUN(test_load_rules);
    RUN(test_garden_shop);
    test_rmtree(dir);
    return test_report("mapping");
}
