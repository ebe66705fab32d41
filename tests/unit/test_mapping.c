/* Mapping files: the reader's errors, the date formats, and loads through as_ingest (preset "mapping") of small
 * files written here and of the garden-shop example in tests/data/mapping. */
#include <sys/stat.h>

#include "aftersales/aftersales.h"
#include "ingest/mapping.h"
#include "store/store.h"
#include "test.h"
#include "test_db.h"

static char dir[256];

/* Opens (creating) dir/NAME; NULL after a failed check. */
static as_db *open_db(const char *name, as_error *err) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    as_db *db = NULL;
    CHECK_OK(as_db_open(path, &db, err), err);
    return db;
}

static as_ingest_params mapping_params(void) {
    as_ingest_params ip = as_ingest_params_default();
    ip.preset = "mapping";
    return ip;
}

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
    CHECK(parse(HEAD "ordered_at = when\npersonal = mail keep\n", &err) == AS_OK);
    CHECK(parse(HEAD "ordered_at = when\npersonal = mail hide\n", &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "use pseudonymize, drop or keep"), "%s", err.msg);
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
    char sub[512], map[600];
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
    as_error err = {0};
    as_db *db = open_db("rules.db", &err);
    if (!db) return;
    as_ingest_params ip = mapping_params();
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
    char map[1024], data[1024];
    snprintf(map, sizeof map, "%s/docs/examples/garden-shop.ini", src ? src : ".");
    snprintf(data, sizeof data, "%s/tests/data/mapping", src ? src : ".");
    as_error err = {0};
    as_db *db = open_db("garden.db", &err);
    if (!db) return;
    as_ingest_params ip = mapping_params();
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


/* A mapped column that looks personal, or that another source declares personal, must be declared in its own
 * source; `keep` loads it raw on purpose. */
static void test_personal_must_be_declared(void) {
    as_error err;
    CHECK(parse(HEAD "ordered_at = when\ncustomer_id = E-Mail\n", &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "shop.ini:6:") && strstr(err.msg, "'E-Mail' (mapped to customer_id) looks like personal") &&
              strstr(err.msg, "declare it: personal = E-Mail pseudonymize (or drop, or keep to load it as is)"),
              "%s", err.msg);
    CHECK(parse(HEAD "ordered_at = when\ncustomer_id = E-Mail\npersonal = E-Mail pseudonymize\n", &err) == AS_OK);
    CHECK(parse(HEAD "ordered_at = when\ncustomer_id = E-Mail\npersonal = E-Mail keep\n", &err) == AS_OK);
    /* a part of a joined field counts too */
    CHECK(parse(HEAD "ordered_at = when\nchannel = shop + street\n", &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "shop.ini:6:") && strstr(err.msg, "'street'"), "%s", err.msg);
    /* declared in one source, forgotten in the other: the forgetful source's line is named */
    const char *two = "[source orders]\nfile = o.csv\nfeeds = orders\norder_id = id\nordered_at = at\n"
                      "customer_id = kunde\npersonal = kunde pseudonymize\n"
                      "[source returns]\nfile = r.csv\nfeeds = cases\nkind = \"return\"\nopened_at = at\n"
                      "customer_id = kunde\n";
    CHECK(parse(two, &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "shop.ini:13:") && strstr(err.msg, "declared personal in [source orders] (line 7)") &&
              strstr(err.msg, "not in [source returns]") && strstr(err.msg, "personal = kunde pseudonymize"),
              "%s", err.msg);
    /* another source's keep is no declaration of personal data */
    const char *kept = "[source orders]\nfile = o.csv\nfeeds = orders\norder_id = id\nordered_at = at\n"
                       "customer_id = kunde\npersonal = kunde keep\n"
                       "[source returns]\nfile = r.csv\nfeeds = cases\nkind = \"return\"\nopened_at = at\n"
                       "customer_id = kunde\n";
    CHECK(parse(kept, &err) == AS_OK);

    /* keep loads the raw value; pseudonymize does not */
    char sub[512], map[600];
    snprintf(sub, sizeof sub, "%s/keep", dir);
    mkdir(sub, 0700);
    test_write(sub, "o.csv", "id,at,email\n1,2024-01-02,ann@example.org\n");
    test_write(sub, "keep.ini", "[source o]\nfile = o.csv\nfeeds = orders\norder_id = id\nordered_at = at\n"
                                "customer_id = email\npersonal = email keep\n");
    snprintf(map, sizeof map, "%s/keep.ini", sub);
    as_db *db = open_db("keep.db", &err);
    if (!db) return;
    as_ingest_params ip = mapping_params();
    as_ingest_stats s;
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    char buf[100];
    q_text(db, "SELECT customer_id FROM orders", buf, sizeof buf);
    CHECK_STR(buf, "ann@example.org");
    CHECK(s.pseudonymized == 0);
    as_db_close(db);
}

/* Numbers: a thousands separator is accepted where it cannot be a decimal separator; the rest is named. */
static void test_numbers(void) {
    char sub[512], map[600];
    snprintf(sub, sizeof sub, "%s/numbers", dir);
    mkdir(sub, 0700);
    test_write(sub, "p.csv", "id;price\n"
                             "a;1.045,00\n"        /* 1045 */
                             "b;1.234.567\n"       /* 1234567 */
                             "c;12,5\n"            /* 12.5 */
                             "d;1.045\n"           /* 1045 or 1.045? */
                             "e;149.00\n"          /* the wrong decimal separator */
                             "f;1.04,5\n"          /* not a grouping */
                             "g;-2.500,75\n");     /* -2500.75 */
    test_write(sub, "n.ini", "[source p]\nfile = p.csv\ndelimiter = ;\ndecimal = ,\nfeeds = products\n"
                             "product_id = id\nlist_price = price\n");
    snprintf(map, sizeof map, "%s/n.ini", sub);
    as_error err = {0};
    as_db *db = open_db("numbers.db", &err);
    if (!db) return;
    as_ingest_params ip = mapping_params();
    as_ingest_stats s;
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(s.products == 4 && s.rejected == 3);
    CHECK(q_int(db, "SELECT count(*) FROM products WHERE product_id = 'a' AND list_price = 1045") == 1);
    CHECK(q_int(db, "SELECT count(*) FROM products WHERE product_id = 'b' AND list_price = 1234567") == 1);
    CHECK(q_int(db, "SELECT count(*) FROM products WHERE product_id = 'c' AND list_price = 12.5") == 1);
    CHECK(q_int(db, "SELECT count(*) FROM products WHERE product_id = 'g' AND list_price = -2500.75") == 1);
    char buf[600];
    q_text(db, "SELECT reason FROM rejects WHERE line = 5", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "'1.045'") && strstr(buf, "could be a thousands separator or a decimal point"), "%s", buf);
    q_text(db, "SELECT reason FROM rejects WHERE line = 6", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "'149.00'") && strstr(buf, "wrong decimal separator") &&
              strstr(buf, "only between groups of three digits"), "%s", buf);
    CHECK(q_int(db, "SELECT count(*) FROM rejects WHERE line = 7 AND reason LIKE '%1.04,5%wrong decimal separator%'") == 1);
    int found = 0;
    for (int i = 0; i < s.n_reject_reasons; i++)
        found += strcmp(s.reject_reason[i], "list_price: ambiguous separator") == 0 && s.reject_count[i] == 1;
    CHECK(found == 1);
    as_db_close(db);

    /* decimal point: "1,045.50" is 1045.5 */
    test_write(sub, "q.csv", "id,price\nx,\"1,045.50\"\ny,\"149,00\"\n");
    test_write(sub, "q.ini", "[source p]\nfile = q.csv\nfeeds = products\nproduct_id = id\nlist_price = price\n");
    snprintf(map, sizeof map, "%s/q.ini", sub);
    db = open_db("numbers2.db", &err);
    if (!db) return;
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(s.products == 1 && s.rejected == 1);
    CHECK(q_int(db, "SELECT count(*) FROM products WHERE product_id = 'x' AND list_price = 1045.5") == 1);
    as_db_close(db);
}

/* A 0-byte data file is an error naming the file and the columns; a header-only file loads nothing. Cases and
 * reviews of orders that are not loaded are counted. A wrong Olist folder says what to pass. */
static void test_empty_files_and_orphans(void) {
    char sub[512], map[600];
    snprintf(sub, sizeof sub, "%s/empty", dir);
    mkdir(sub, 0700);
    const char *ini = "[source orders]\nfile = o.csv\nfeeds = orders\norder_id = id\nordered_at = at\nstatus = st\n"
                      "[source cases]\nfile = c.csv\nfeeds = cases\norder_id = oid\nkind = \"return\"\nopened_at = at\n"
                      "[source reviews]\nfile = r.csv\nfeeds = reviews\norder_id = oid\nscore = stars\n";
    test_write(sub, "m.ini", ini);
    test_write(sub, "o.csv", "");
    test_write(sub, "c.csv", "oid,at\n");
    test_write(sub, "r.csv", "oid,stars\n");
    snprintf(map, sizeof map, "%s/m.ini", sub);
    as_error err = {0};
    as_db *db = open_db("empty.db", &err);
    if (!db) return;
    as_ingest_params ip = mapping_params();
    as_ingest_stats s;
    CHECK(as_ingest(db, map, &ip, &s, &err) == AS_ERR_NODATA);
    CHECK_MSG(strstr(err.msg, "/empty/o.csv is empty (no header line)") && strstr(err.msg, "[source orders]") &&
              strstr(err.msg, "m.ini line 1") && strstr(err.msg, "columns id, at, st"), "%s", err.msg);
    /* header only: fine, nothing loaded */
    test_write(sub, "o.csv", "id,at,st\n");
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(s.records_read == 0 && s.loaded == 0 && s.rejected == 0);
    /* orphans: case c2 and reviews of o8, o9 name orders that are not loaded */
    test_write(sub, "o.csv", "id,at,st\no1,2024-01-01,delivered\n");
    test_write(sub, "c.csv", "oid,at\no1,2024-01-05\no8,2024-01-06\n");
    test_write(sub, "r.csv", "oid,stars\no1,5\no8,1\no9,2\n");
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(s.orders == 1 && s.cases == 2 && s.reviews == 3);
    CHECK_MSG(s.orphan_cases == 1 && s.orphan_reviews == 2, "orphan cases %lld reviews %lld",
              (long long)s.orphan_cases, (long long)s.orphan_reviews);
    /* the orders arrive later: the count is over the whole database, so it clears */
    test_write(sub, "o.csv", "id,at,st\no1,2024-01-01,delivered\no8,2024-01-02,delivered\no9,2024-01-03,delivered\n");
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(s.orphan_cases == 0 && s.orphan_reviews == 0);
    as_db_close(db);

    /* the olist preset on a folder without its files */
    db = open_db("olist.db", &err);
    if (!db) return;
    ip.preset = "olist";
    CHECK(as_ingest(db, sub, &ip, &s, &err) == AS_ERR_IO);
    CHECK_MSG(strstr(err.msg, "pass the folder that holds the Olist CSV files") && !strstr(err.msg, "--data-dir") &&
              strstr(err.msg, sub), "%s", err.msg);
    as_db_close(db);
}

/* Two sections that read the same file keep each one's rejects; loading again replaces them. */
static void test_rejects_of_a_shared_file(void) {
    char sub[512], map[600];
    snprintf(sub, sizeof sub, "%s/shared", dir);
    mkdir(sub, 0700);
    test_write(sub, "s.csv", "id,price,cust,seen\np1,1.5,c1,2024-01-01\np2,abc,c2,2024-01-02\np3,2.5,c3,never\n");
    test_write(sub, "s.ini", "[source products]\nfile = s.csv\nfeeds = products\nproduct_id = id\nlist_price = price\n"
                             "[source customers]\nfile = s.csv\nfeeds = customers\ncustomer_id = cust\n"
                             "first_seen = seen\n");
    snprintf(map, sizeof map, "%s/s.ini", sub);
    as_error err = {0};
    as_db *db = open_db("shared.db", &err);
    if (!db) return;
    as_ingest_params ip = mapping_params();
    as_ingest_stats s;
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(q_int(db, "SELECT count(*) FROM rejects WHERE source = 's.csv'") == 2);
    CHECK(q_int(db, "SELECT line FROM rejects WHERE reason LIKE '%list_price%'") == 3);
    CHECK(q_int(db, "SELECT line FROM rejects WHERE reason LIKE '%first_seen%'") == 4);
    CHECK_OK(as_ingest(db, map, &ip, &s, &err), &err);
    CHECK(q_int(db, "SELECT count(*) FROM rejects WHERE source = 's.csv'") == 2);
    as_db_close(db);
}

int main(void) {
    test_tmpdir(dir, sizeof dir, "mapping");
    RUN(test_parse_errors);
    RUN(test_time_formats);
    RUN(test_load_rules);
    RUN(test_garden_shop);
    RUN(test_personal_must_be_declared);
    RUN(test_numbers);
    RUN(test_empty_files_and_orphans);
    RUN(test_rejects_of_a_shared_file);
    test_rmtree(dir);
    return test_report("mapping");
}
