/* The quality list: Wilson intervals, the beta prior, shrinkage and ranking on a hand-built database. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aftersales/aftersales.h"
#include "quality/quality.h"
#include "sim/sim.h"
#include "store/store.h"
#include "test.h"

static void test_wilson(void) {
    /* Reference values: statsmodels proportion_confint(method="wilson") and R's prop.test(correct=FALSE). */
    double lo, hi;
    as__wilson(7, 50, AS_Z95, &lo, &hi);
    CHECK_NEAR(lo, 0.069508, 1e-6);
    CHECK_NEAR(hi, 0.261862, 1e-6);
    as__wilson(0, 10, AS_Z95, &lo, &hi);
    CHECK(lo == 0.0);
    CHECK_NEAR(hi, 0.277533, 1e-6);
    as__wilson(1, 3, AS_Z95, &lo, &hi);
    CHECK_NEAR(lo, 0.061492, 1e-6);
    CHECK_NEAR(hi, 0.792340, 1e-6);
    as__wilson(10, 10, AS_Z95, &lo, &hi);          /* mirror of 0/10 */
    CHECK_NEAR(lo, 1.0 - 0.277533, 1e-6);
    CHECK(hi == 1.0);
    as__wilson(1, 1, AS_Z95, &lo, &hi);
    CHECK(lo > 0.0 && lo < 0.5 && hi == 1.0);
}

/* Binomial draw by counting Bernoulli trials: slow and obviously right. */
static int64_t binomial(as_sim_rng *r, int64_t n, double p) {
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) k += as__sim_u01(r) < p;
    return k;
}

static void test_prior_fit(void) {
    double a, b;
    /* Recovery: true rates 0.05 or 0.15 (mean 0.10, variance 0.0025 = μ(1−μ)/(α+β+1) → α+β = 35),
     * binomial counts with unequal n. */
    enum { M = 3000 };
    as_quality_count *c = malloc(M * sizeof *c);
    as_sim_rng r;
    as__sim_rng_seed(&r, 7, 0);
    for (int i = 0; i < M; i++) {
        c[i].n = 20 + (i / 2 % 10) * 40;          /* both rates see the same spread of n */
        c[i].k = binomial(&r, c[i].n, i % 2 ? 0.15 : 0.05);
    }
    CHECK(as__beta_prior_fit(c, M, &a, &b) == 1);
    CHECK_NEAR(a / (a + b), 0.10, 0.003);
    CHECK_MSG(a + b > 30 && a + b < 41, "prior strength %.2f, expected about 35", a + b);

    /* No spread beyond binomial noise: identical true rates → ρ̂ ≤ 0 (or tiny) → not a usable strength, or a
     * very strong prior; either way the centre is the overall rate. */
    for (int i = 0; i < M; i++) c[i].k = binomial(&r, c[i].n, 0.2);
    as__beta_prior_fit(c, M, &a, &b);
    CHECK_NEAR(a / (a + b), 0.2, 0.003);

    /* Degenerate inputs fall back to the weak prior α + β = 2 centred on the overall rate. */
    as_quality_count one[1] = {{10, 3}};
    CHECK(as__beta_prior_fit(one, 1, &a, &b) == 0);
    CHECK_NEAR(a, 0.6, 1e-12);
    CHECK_NEAR(b, 1.4, 1e-12);
    as_quality_count ones[4] = {{1, 1}, {1, 0}, {1, 0}, {1, 0}};     /* all n = 1 */
    CHECK(as__beta_prior_fit(ones, 4, &a, &b) == 0);
    CHECK_NEAR(a, 0.5, 1e-12);
    as_quality_count zero[3] = {{10, 0}, {20, 0}, {5, 0}};           /* no cases at all */
    CHECK(as__beta_prior_fit(zero, 3, &a, &b) == 0);
    CHECK(a > 0 && b > 0 && a + b == 2.0);
    as_quality_count same[3] = {{10, 2}, {20, 4}, {5, 1}};           /* no spread at all: under-dispersed */
    CHECK(as__beta_prior_fit(same, 3, &a, &b) == 0);
    CHECK_NEAR(a / (a + b), 0.2, 1e-12);
    free(c);
}

/* ---- a hand-built shop ---- */

static void exec(as_db *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "SQL failed: %s\n  in: %.200s\n", msg, sql);
        exit(2);
    }
}

static void add_product(as_db *db, const char *id, const char *desc, const char *cat, int n, int k) {
    char sql[512];
    snprintf(sql, sizeof sql, "INSERT INTO products(product_id, description, category) VALUES('%s', '%s', '%s')",
             id, desc, cat);
    exec(db, sql);
    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof sql, "INSERT INTO order_lines(order_id, line_no, product_id, quantity, unit_price)"
                 " VALUES('O-%s-%d', 1, '%s', 1, 9.99)", id, i, id);
        exec(db, sql);
    }
    for (int i = 0; i < k; i++) {
        snprintf(sql, sizeof sql, "INSERT INTO cases(case_id, order_id, product_id, kind, reason, opened_at)"
                 " VALUES('C-%s-%d', 'O-%s-%d', '%s', '%s', 'too small', 1700000000)", id, i, id, i, id,
                 i % 3 ? "return" : "complaint");
        exec(db, sql);
    }
}

typedef struct expect { const char *id; int n, k; double shrunk; } expect;

static int cmp_expect(const void *a, const void *b) {
    const expect *x = a, *y = b;
    if (x->shrunk != y->shrunk) return x->shrunk > y->shrunk ? -1 : 1;
    return strcmp(x->id, y->id);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    s[n] = '\0';
    fclose(f);
    return s;
}

static void test_list(void) {
    char dir[64], dbpath[128], csv[128];
    snprintf(dir, sizeof dir, "/tmp/as-test-quality-XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(2); }
    snprintf(dbpath, sizeof dbpath, "%s/shop.db", dir);
    snprintf(csv, sizeof csv, "%s/quality.csv", dir);
    as_error err;
    as_db *db = NULL;
    CHECK_OK(as_db_open(dbpath, &db, &err), &err);
    if (!db) return;

    /* An empty database: the step says which step is missing. */
    as_quality_params qp = as_quality_params_default();
    CHECK(qp.min_sales == 1 && qp.out_csv == NULL);
    as_quality_stats qs;
    CHECK(as_quality(db, &qp, &qs, &err) == AS_ERR_STATE);
    CHECK(strstr(err.msg, "ingest data first") != NULL);

    static expect ex[] = {
        {"A", 100, 30, 0}, {"B", 10, 5, 0}, {"C", 200, 10, 0}, {"D", 1, 1, 0},
        {"E", 50, 0, 0},   {"F", 3, 1, 0},  {"G", 2, 2, 0},   {"H", 40, 4, 0}, {"I", 40, 4, 0},
        /* the ordinary bulk of a shop, which gives the prior its strength */
        {"J", 80, 8, 0},   {"K", 120, 15, 0}, {"L", 60, 5, 0}, {"M", 90, 12, 0}, {"N", 150, 12, 0}, {"O", 70, 9, 0},
    };
    enum { NE = sizeof ex / sizeof *ex };
    exec(db, "BEGIN");
    for (int i = 0; i < NE; i++) add_product(db, ex[i].id, i == 1 ? "Shirt, \"slim\"" : "Thing", "apparel", ex[i].n, ex[i].k);
    /* Ignored: a returned line with negative quantity, cases without a product, a product with cases but no
     * sales; clipped: more cases than sales. */
    exec(db, "INSERT INTO order_lines(order_id, line_no, product_id, quantity) VALUES('O-A-0', 2, 'A', -1)");
    exec(db, "INSERT INTO cases(case_id, order_id, kind, opened_at) VALUES('X1', 'O-A-1', 'complaint', 1700000000)");
    exec(db, "INSERT INTO cases(case_id, order_id, product_id, kind, opened_at) VALUES('X2', 'O-Z', 'Z', 'return', 1700000000)");
    exec(db, "INSERT INTO cases(case_id, order_id, product_id, kind, opened_at) VALUES('X3', 'O-G-0', 'G', 'refund', 1700000000)");
    exec(db, "COMMIT");

    qp.out_csv = csv;
    CHECK_OK(as_quality(db, &qp, &qs, &err), &err);
    CHECK(qs.products == NE);

    /* The slow twin: prior from the same counts, shrunk rates, expected order. */
    as_quality_count c[NE];
    double K = 0, N = 0;
    for (int i = 0; i < NE; i++) { c[i].n = ex[i].n; c[i].k = ex[i].k; K += ex[i].k; N += ex[i].n; }
    double a, b;
    as__beta_prior_fit(c, NE, &a, &b);
    CHECK_NEAR(qs.prior_alpha, a, 1e-12);
    CHECK_NEAR(qs.prior_beta, b, 1e-12);
    CHECK_NEAR(qs.overall_rate, K / N, 1e-12);
    double mean = a / (a + b);
    for (int i = 0; i < NE; i++) ex[i].shrunk = (ex[i].k + a) / (ex[i].n + a + b);
    qsort(ex, NE, sizeof *ex, cmp_expect);

    /* Shrinkage: every rate moves towards the prior mean, small products much further than large ones. */
    for (int i = 0; i < NE; i++) {
        double raw = (double)ex[i].k / ex[i].n;
        CHECK(fabs(ex[i].shrunk - mean) <= fabs(raw - mean) + 1e-12);
        CHECK((raw - mean) * (ex[i].shrunk - mean) >= 0);
    }

    /* The table, in rank order. */
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(db->sql, "SELECT rank, product_id, description, sales, returns, raw_rate, shrunk_rate,"
                             " wilson_low, wilson_high FROM quality ORDER BY rank", -1, &st, NULL) == SQLITE_OK);
    int row = 0;
    double shrunk_D = 0, shrunk_G = 0, shrunk_A = 0;
    while (sqlite3_step(st) == SQLITE_ROW && row < NE) {
        const expect *e = &ex[row];
        CHECK(sqlite3_column_int(st, 0) == row + 1);
        CHECK_STR((const char *)sqlite3_column_text(st, 1), e->id);
        CHECK(sqlite3_column_int(st, 3) == e->n);
        CHECK(sqlite3_column_int(st, 4) == e->k);
        CHECK_NEAR(sqlite3_column_double(st, 5), (double)e->k / e->n, 1e-12);
        CHECK_NEAR(sqlite3_column_double(st, 6), e->shrunk, 1e-12);
        double lo, hi;
        as__wilson(e->k, e->n, AS_Z95, &lo, &hi);
        CHECK_NEAR(sqlite3_column_double(st, 7), lo, 1e-12);
        CHECK_NEAR(sqlite3_column_double(st, 8), hi, 1e-12);
        if (strcmp(e->id, "D") == 0) shrunk_D = e->shrunk;
        if (strcmp(e->id, "G") == 0) shrunk_G = e->shrunk;
        if (strcmp(e->id, "A") == 0) shrunk_A = e->shrunk;
        row++;
    }
    sqlite3_finalize(st);
    CHECK(row == NE);
    /* D sold once and came back once, G twice of two (raw 100 %); A is 30 of 100. The prior (strength about
     * 11 here) puts the evidence of A ahead of them. */
    CHECK(a + b > 5 && a + b < 20);
    CHECK(shrunk_D < shrunk_A && shrunk_G < shrunk_A);
    CHECK(shrunk_D < 0.25 && shrunk_G < 0.3);
    /* H and I tie exactly and are ordered by product id. */
    for (int i = 0; i + 1 < NE; i++)
        if (strcmp(ex[i].id, "I") == 0) CHECK(i > 0 && strcmp(ex[i - 1].id, "H") == 0);

    /* The CSV: header, quoting, rows in the same order, six decimals. */
    char *text = slurp(csv);
    CHECK(text != NULL);
    if (text) {
        const char *hdr = "rank,product_id,description,category,sales,returns,raw_rate,shrunk_rate,wilson_low,wilson_high\n";
        CHECK(strncmp(text, hdr, strlen(hdr)) == 0);
        char want[256], lo_s[32], hi_s[32];
        double lo, hi;
        const char *p = text + strlen(hdr);
        for (int i = 0; i < NE && p && *p; i++) {
            const expect *e = &ex[i];
            as__wilson(e->k, e->n, AS_Z95, &lo, &hi);
            snprintf(lo_s, sizeof lo_s, "%.6f", lo);
            snprintf(hi_s, sizeof hi_s, "%.6f", hi);
            snprintf(want, sizeof want, "%d,%s,%s,apparel,%d,%d,%.6f,%.6f,%s,%s\n", i + 1, e->id,
                     strcmp(e->id, "B") == 0 ? "\"Shirt, \"\"slim\"\"\"" : "Thing", e->n, e->k,
                     (double)e->k / e->n, e->shrunk, lo_s, hi_s);
            CHECK_MSG(strncmp(p, want, strlen(want)) == 0, "row %d is %.120s, expected %s", i + 1, p, want);
            p = strchr(p, '\n');
            if (p) p++;
        }
        CHECK(p && *p == '\0');
        free(text);
    }

    /* min_sales leaves small products out of the list but not out of the prior; a rerun replaces the table. */
    qp.min_sales = 10;
    qp.out_csv = NULL;
    CHECK_OK(as_quality(db, &qp, &qs, &err), &err);
    CHECK(qs.products == 12);                     /* all but D, F, G */
    CHECK_NEAR(qs.prior_alpha, a, 1e-12);
    CHECK(sqlite3_prepare_v2(db->sql, "SELECT COUNT(*), MIN(sales) FROM quality", -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == 12);
    CHECK(sqlite3_column_int(st, 1) >= 10);
    sqlite3_finalize(st);

    as_db_close(db);
    char path[160];
    const char *const leftovers[] = {"shop.db", "shop.db-wal", "shop.db-shm", "quality.csv"};
    for (size_t i = 0; i < sizeof leftovers / sizeof *leftovers; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, leftovers[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(void) {
    RUN(test_wilson);
    RUN(test_prior_fit);
    RUN(test_list);
    return test_report("quality");
}
