/* The simulated shop: determinism, sizes, file layout, and that the planted ground truth is in the data. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aftersales/aftersales.h"
#include "core/core.h"
#include "test.h"

static const char *const files[] = {"customers.csv", "products.csv", "orders.csv", "order_lines.csv",
                                    "cases.csv", "truth_products.csv", "truth_customers.csv"};
enum { N_FILES = sizeof files / sizeof *files };

/* ---- helpers ---- */

static void make_tmp(char *buf, size_t size) {
    snprintf(buf, size, "/tmp/as-test-sim-XXXXXX");
    if (!mkdtemp(buf)) { perror("mkdtemp"); exit(2); }
}

static void remove_tmp(const char *dir) {
    char path[512];
    for (int i = 0; i < N_FILES; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/sub/deeper", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/sub", dir);
    rmdir(path);
    rmdir(dir);
}

/* Whole file as a NUL-terminated string (NULL if unreadable). */
static char *slurp(const char *dir, const char *name, size_t *len) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) { free(s); s = NULL; }
    fclose(f);
    if (s) s[n] = '\0';
    if (len) *len = (size_t)n;
    return s;
}

/* Splits one CSV record starting at *p (RFC 4180: quotes, doubled quotes) into at most max fields, written
 * NUL-terminated into the record's own bytes; advances *p past the line end. Returns the field count. */
static int split(char **p, char **field, int max) {
    char *s = *p, *out = s;
    int n = 0;
    if (!*s) return 0;
    for (;;) {
        char *start = out;
        if (*s == '"') {
            s++;
            for (;;) {
                if (*s == '"' && s[1] == '"') { *out++ = '"'; s += 2; }
                else if (*s == '"') { s++; break; }
                else if (!*s) break;
                else *out++ = *s++;
            }
        }
        while (*s && *s != ',' && *s != '\n') *out++ = *s++;
        char sep = *s;
        *out++ = '\0';
        if (n < max) field[n] = start;
        n++;
        if (sep == ',') { s++; continue; }
        if (sep == '\n') s++;
        break;
    }
    *p = s;
    return n;
}

static int64_t id_num(const char *id) { return strtoll(id + 1, NULL, 10); }

static int64_t ts(const char *text) {
    int64_t t = 0;
    if (!*text) return 0;
    if (as_time_parse(text, &t, NULL) != AS_OK) return -1;
    return t;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static as_sim_params small_params(void) {
    as_sim_params p = as_sim_params_default();
    p.order_lines = 20000;
    p.n_customers = 1500;
    p.n_products = 300;
    p.days = 200;
    return p;
}

/* ---- tests ---- */

static void test_defaults(void) {
    as_sim_params p = as_sim_params_default();
    CHECK(p.seed == 42);
    CHECK(p.order_lines == 60000);
    CHECK(p.n_customers == 4000);
    CHECK(p.n_products == 600);
    CHECK(p.days == 540);
    char buf[24];
    as_time_format(p.start, 0, buf, sizeof buf);
    CHECK_STR(buf, "2023-01-01 00:00:00");
}

static void test_determinism(void) {
    char a[64], b[64], c[64];
    make_tmp(a, sizeof a);
    make_tmp(b, sizeof b);
    make_tmp(c, sizeof c);
    as_error err;
    as_sim_params p = small_params();
    as_sim_stats sa, sb, sc;
    CHECK_OK(as_simulate(&p, a, &sa, &err), &err);
    CHECK_OK(as_simulate(&p, b, &sb, &err), &err);
    p.seed = 43;
    CHECK_OK(as_simulate(&p, c, &sc, &err), &err);
    CHECK(memcmp(&sa, &sb, sizeof sa) == 0);
    int differing = 0;
    for (int i = 0; i < N_FILES; i++) {
        size_t la = 0, lb = 0, lc = 0;
        char *xa = slurp(a, files[i], &la), *xb = slurp(b, files[i], &lb), *xc = slurp(c, files[i], &lc);
        CHECK_MSG(xa && xb && xc, "%s missing", files[i]);
        if (xa && xb) CHECK_MSG(la == lb && memcmp(xa, xb, la) == 0, "%s differs between two runs", files[i]);
        if (xa && xc && (la != lc || memcmp(xa, xc, la) != 0)) differing++;
        free(xa);
        free(xb);
        free(xc);
    }
    CHECK_MSG(differing == N_FILES, "only %d of %d files changed with the seed", differing, N_FILES);
    remove_tmp(a);
    remove_tmp(b);
    remove_tmp(c);
}

static void test_layout_and_sizes(void) {
    static const char *const headers[N_FILES] = {
        "customer_id,country,first_seen",
        "product_id,description,category,supplier,list_price",
        "order_id,customer_id,ordered_at,channel,country,payment,promised_at,delivered_at",
        "order_id,line_no,product_id,quantity,unit_price,discount",
        "case_id,order_id,product_id,kind,reason,opened_at,quantity,amount",
        "product_id,category,defective,onset,base_rate,defect_rate",
        "customer_id,propensity"};
    static const int width[N_FILES] = {3, 5, 8, 6, 8, 6, 2};
    char dir[64], sub[128];
    make_tmp(dir, sizeof dir);
    snprintf(sub, sizeof sub, "%s/sub/deeper", dir);     /* missing parents are created */
    as_error err;
    as_sim_params p = small_params();
    as_sim_stats st;
    CHECK_OK(as_simulate(&p, sub, &st, &err), &err);
    CHECK(st.order_lines > p.order_lines * 0.95 && st.order_lines < p.order_lines * 1.05);
    CHECK(st.products == p.n_products);
    CHECK(st.customers > p.n_customers / 3 && st.customers <= p.n_customers);
    CHECK(st.orders > 0 && st.orders < st.order_lines);
    CHECK(st.cases > st.order_lines / 50 && st.cases < st.order_lines / 3);
    CHECK(st.defective_products == 6);        /* 2 % of 300 */

    int64_t rows[N_FILES] = {0};
    int quoted_products = 0, doubled_quotes = 0;
    for (int i = 0; i < N_FILES; i++) {
        char *text = slurp(sub, files[i], NULL), *q = text, *f[16];
        CHECK_MSG(text != NULL, "%s missing", files[i]);
        if (!text) continue;
        size_t hl = strlen(headers[i]);
        CHECK_MSG(strncmp(text, headers[i], hl) == 0 && text[hl] == '\n', "%s: header is %.100s", files[i], text);
        split(&q, f, 16);
        for (;;) {
            /* look at the raw record before split() unquotes it in place */
            char *eol = strchr(q, '\n');
            size_t len = eol ? (size_t)(eol - q) : strlen(q);
            if (i == 1 && memchr(q, '"', len)) quoted_products++;
            for (size_t j = 0; i == 1 && j + 1 < len; j++)
                if (q[j] == '"' && q[j + 1] == '"') { doubled_quotes++; break; }
            int n = split(&q, f, 16);
            if (!n) break;
            rows[i]++;
            if (n != width[i]) { CHECK_MSG(n == width[i], "%s row %lld has %d fields", files[i], (long long)rows[i], n); break; }
        }
        free(text);
    }
    CHECK(rows[0] == st.customers && rows[6] == st.customers);
    CHECK(rows[1] == st.products && rows[5] == st.products);
    CHECK(rows[2] == st.orders);
    CHECK(rows[3] == st.order_lines);
    CHECK(rows[4] == st.cases);
    CHECK(quoted_products > 0);               /* descriptions and suppliers with commas are quoted ... */
    CHECK(doubled_quotes > 0);                /* ... and quotes inside them doubled */

    /* A second run into the same folder overwrites it. */
    CHECK_OK(as_simulate(&p, sub, NULL, &err), &err);
    remove_tmp(sub);
    remove_tmp(dir);
}

/* Everything that the model promises and a reader of the files can check. */
static void test_planted_truth(void) {
    char dir[64];
    make_tmp(dir, sizeof dir);
    as_error err;
    as_sim_params p = as_sim_params_default();
    as_sim_stats st;
    CHECK_OK(as_simulate(&p, dir, &st, &err), &err);
    if (st.orders == 0) { remove_tmp(dir); return; }

    /* truth_products: defective share and onsets inside the middle 60 % of the period */
    int64_t *onset = calloc((size_t)st.products + 1, sizeof *onset);
    char *text = slurp(dir, "truth_products.csv", NULL), *q = text, *f[8];
    int n_def = 0, onset_ok = 1;
    split(&q, f, 8);
    while (split(&q, f, 8) == 6) {
        if (strcmp(f[2], "1") == 0) {
            int64_t t = ts(f[3]);
            onset[id_num(f[0])] = t;
            n_def++;
            if (t < p.start + p.days * AS_DAY / 5 || t > p.start + p.days * AS_DAY * 4 / 5) onset_ok = 0;
            CHECK(atof(f[5]) > atof(f[4]) + 0.1);
        } else {
            CHECK(strcmp(f[3], "") == 0 && strcmp(f[4], f[5]) == 0);
        }
    }
    free(text);
    CHECK(n_def == st.defective_products);
    CHECK_MSG(n_def >= 0.01 * st.products && n_def <= 0.03 * st.products, "%d defective of %lld", n_def,
              (long long)st.products);
    CHECK(onset_ok);

    /* orders: time order, delivery after the order */
    int64_t *ordered = calloc((size_t)st.orders + 1, sizeof *ordered);
    text = slurp(dir, "orders.csv", NULL);
    q = text;
    split(&q, f, 8);
    int64_t prev = 0;
    int sorted = 1, delivery_ok = 1, late = 0;
    while (split(&q, f, 8) == 8) {
        int64_t no = id_num(f[0]), t = ts(f[2]), promised = ts(f[6]), delivered = ts(f[7]);
        ordered[no] = t;
        if (t < prev) sorted = 0;
        prev = t;
        if (promised <= t || (delivered && delivered <= t)) delivery_ok = 0;
        if (delivered > promised) late++;
    }
    free(text);
    CHECK(sorted);
    CHECK(delivery_ok);
    CHECK(late > st.orders / 50 && late < st.orders / 5);

    /* cases: keys (order, product) of lines that came back; each opened after its order */
    int64_t *keys = malloc((size_t)st.cases * sizeof *keys), n_keys = 0, n_cases = 0;
    text = slurp(dir, "cases.csv", NULL);
    q = text;
    split(&q, f, 8);
    int opened_ok = 1;
    while (split(&q, f, 8) == 8) {
        int64_t no = id_num(f[1]);
        if (ts(f[5]) < ordered[no]) opened_ok = 0;
        n_cases++;
        if (*f[2] && strcmp(f[3], "cancel") != 0) keys[n_keys++] = no * 10000000 + id_num(f[2]);
    }
    free(text);
    CHECK(opened_ok);
    CHECK(n_cases == st.cases);
    qsort(keys, (size_t)n_keys, sizeof *keys, cmp_i64);

    /* order_lines: return rate overall, and of defective products before and after their onset */
    int64_t lines = 0, returned = 0, nb = 0, kb = 0, na = 0, ka = 0;
    text = slurp(dir, "order_lines.csv", NULL);
    q = text;
    split(&q, f, 8);
    while (split(&q, f, 8) == 6) {
        int64_t no = id_num(f[0]), prod = id_num(f[2]), key = no * 10000000 + prod;
        int back = bsearch(&key, keys, (size_t)n_keys, sizeof *keys, cmp_i64) != NULL;
        lines++;
        returned += back;
        if (onset[prod]) {
            if (ordered[no] < onset[prod]) { nb++; kb += back; } else { na++; ka += back; }
        }
    }
    free(text);
    double overall = (double)returned / (double)lines;
    double before = nb ? (double)kb / (double)nb : 0, after = na ? (double)ka / (double)na : 0;
    fprintf(stderr, "   overall return rate %.4f; defective products: %.4f before onset (n=%lld), %.4f after (n=%lld)\n",
            overall, before, (long long)nb, after, (long long)na);
    CHECK(overall > 0.07 && overall < 0.16);
    CHECK(nb > 200 && na > 200);
    CHECK_MSG(after > before + 0.10, "after onset %.3f vs before %.3f", after, before);

    free(keys);
    free(ordered);
    free(onset);
    remove_tmp(dir);
}

static void test_errors(void) {
    char dir[64], file[128];
    make_tmp(dir, sizeof dir);
    as_error err;
    as_sim_params p = small_params();
    p.order_lines = 0;
    CHECK(as_simulate(&p, dir, NULL, &err) == AS_ERR_INVALID);
    p = small_params();
    p.days = 0;
    CHECK(as_simulate(&p, dir, NULL, &err) == AS_ERR_INVALID);
    CHECK(as_simulate(NULL, NULL, NULL, &err) == AS_ERR_INVALID);
    p = small_params();
    /* an output "folder" that is a file */
    snprintf(file, sizeof file, "%s/customers.csv", dir);
    FILE *f = fopen(file, "w");
    if (f) fclose(f);
    as_status st = as_simulate(&p, file, NULL, &err);
    CHECK_MSG(st == AS_ERR_IO, "%d: %s", (int)st, err.msg);
    CHECK(strstr(err.msg, "customers.csv") != NULL);
    remove_tmp(dir);
}

/* Every allocation of the generator may fail; each failure must come back as AS_ERR_NOMEM with nothing
 * leaked (the sanitizer build checks the leaks). */
static void test_alloc_failures(void) {
    char dir[64];
    make_tmp(dir, sizeof dir);
    as_sim_params p = small_params();
    p.order_lines = 500;
    as_error err;
    int ok = 0, failures = 0;
    for (long n = 1; n < 200 && !ok; n++) {
        as__alloc_fail_after(n);
        as_status st = as_simulate(&p, dir, NULL, &err);
        as__alloc_fail_after(0);
        if (st == AS_OK) ok = 1;
        else { failures++; CHECK_MSG(st == AS_ERR_NOMEM, "failing allocation %ld gave %d: %s", n, (int)st, err.msg); }
    }
    CHECK(ok);
    CHECK(failures >= 15);        /* writers, catalogue, customers, calendar, pilot: all were exercised */
    remove_tmp(dir);
}

int main(void) {
    RUN(test_defaults);
    RUN(test_determinism);
    RUN(test_layout_and_sizes);
    RUN(test_planted_truth);
    RUN(test_errors);
    RUN(test_alloc_failures);
    return test_report("sim");
}
