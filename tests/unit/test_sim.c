/* The simulated shop: determinism, sizes, file layout, and that the planted ground truth is in the data. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aftersales/aftersales.h"
#include "core/core.h"
#include "test.h"

static const char *const files[] = {"customers.csv", "products.csv", "orders.csv", "order_lines.csv",
                                    "cases.csv", "reviews.csv", "truth_products.csv", "truth_customers.csv",
                                    "truth_carriers.csv"};
enum { N_FILES = sizeof files / sizeof *files };
enum { F_TRUTH_CARRIERS = N_FILES - 1 };

/* The carriers of docs/simulated-shop.md: off-peak late probability and its multiplier in the peak. */
static const struct { const char *name; double late, peak_factor; } carriers[] = {
    {"Parcelwise", 0.04, 1.8}, {"EuroLink", 0.07, 2.0}, {"Swiftbox", 0.10, 2.2}, {"BudgetPost", 0.18, 2.5}};
enum { N_CARRIERS = sizeof carriers / sizeof *carriers };

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

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

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
    CHECK(memcmp(&sa, &sc, sizeof sa) != 0);
    int differing = 0;
    for (int i = 0; i < N_FILES; i++) {
        size_t la = 0, lb = 0, lc = 0;
        char *xa = slurp(a, files[i], &la), *xb = slurp(b, files[i], &lb), *xc = slurp(c, files[i], &lc);
        CHECK_MSG(xa && xb && xc, "%s missing", files[i]);
        if (xa && xb) CHECK_MSG(la == lb && memcmp(xa, xb, la) == 0, "%s differs between two runs", files[i]);
        int differs = xa && xc && (la != lc || memcmp(xa, xc, la) != 0);
        /* the carriers' specification is the model's, not the seed's */
        if (i == F_TRUTH_CARRIERS) CHECK_MSG(!differs, "truth_carriers.csv changed with the seed");
        else differing += differs;
        free(xa);
        free(xb);
        free(xc);
    }
    CHECK_MSG(differing == N_FILES - 1, "only %d of %d files changed with the seed", differing, N_FILES - 1);
    remove_tmp(a);
    remove_tmp(b);
    remove_tmp(c);
}

static void test_layout_and_sizes(void) {
    static const char *const headers[N_FILES] = {
        "customer_id,country,first_seen,name,email,phone,street",
        "product_id,description,category,supplier,list_price",
        "order_id,customer_id,ordered_at,channel,country,payment,promised_at,delivered_at,carrier,status",
        "order_id,line_no,product_id,quantity,unit_price,discount,seller_id,freight",
        "case_id,order_id,product_id,kind,reason,opened_at,quantity,amount",
        "review_id,order_id,score,text,created_at",
        "product_id,category,defective,onset,base_rate,defect_rate",
        "customer_id,propensity,serial_returner",
        "carrier,late_rate,peak_late_rate"};
    static const int width[N_FILES] = {7, 5, 10, 8, 8, 5, 6, 3, 3};
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
    CHECK(rows[0] == st.customers && rows[7] == st.customers);
    CHECK(rows[1] == st.products && rows[6] == st.products);
    CHECK(rows[2] == st.orders);
    CHECK(rows[3] == st.order_lines);
    CHECK(rows[4] == st.cases);
    CHECK(rows[5] == st.reviews && st.reviews > st.orders / 5 && st.reviews < st.orders / 2);
    CHECK(rows[8] == N_CARRIERS);
    CHECK(quoted_products > 0);               /* descriptions and suppliers with commas are quoted ... */
    CHECK(doubled_quotes > 0);                /* ... and quotes inside them doubled */

    /* A second run into the same folder overwrites it. */
    CHECK_OK(as_simulate(&p, sub, NULL, &err), &err);
    remove_tmp(sub);
    remove_tmp(dir);
}

/* What one order of the default shop looked like, for the checks across files. */
typedef struct order_fact {
    int64_t ordered, promised, delivered, last_case, customer;
    int carrier, late, peak, marketplace, complaint_or_defect, any_case;
    int64_t net_cents, freight_cents;   /* over its lines */
} order_fact;

static int carrier_index(const char *name) {
    for (int i = 0; i < N_CARRIERS; i++)
        if (strcmp(carriers[i].name, name) == 0) return i;
    return -1;
}

/* The carrier peak of the model: 22 November to 23 December. */
static int in_peak(int64_t t) {
    char buf[24];
    as_time_format(t, 0, buf, sizeof buf);
    int m = atoi(buf + 5), d = atoi(buf + 8);
    return (m == 11 && d >= 22) || (m == 12 && d <= 23);
}

static int64_t cents(const char *text) { return llround(atof(text) * 100.0); }

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
    char *text = slurp(dir, "truth_products.csv", NULL), *q = text, *f[16];
    int n_def = 0, onset_ok = 1;
    split(&q, f, 16);
    while (split(&q, f, 16) == 6) {
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

    /* truth_carriers: the specification, as documented */
    text = slurp(dir, "truth_carriers.csv", NULL);
    q = text;
    split(&q, f, 16);
    for (int i = 0; i < N_CARRIERS; i++) {
        CHECK(split(&q, f, 16) == 3);
        CHECK_STR(f[0], carriers[i].name);
        CHECK_NEAR(atof(f[1]), carriers[i].late, 1e-6);
        CHECK_NEAR(atof(f[2]), carriers[i].late * carriers[i].peak_factor, 1e-6);
    }
    free(text);

    /* truth_customers and customers: serial returners, personal data filled in and unique where it must be */
    int64_t n_cust = st.customers;
    int *serial = calloc((size_t)n_cust + 1, sizeof *serial);
    char **email = calloc((size_t)n_cust + 1, sizeof *email), **phone = calloc((size_t)n_cust + 1, sizeof *phone);
    double serial_prop = 0, other_prop = 0;
    int n_serial = 0;
    text = slurp(dir, "truth_customers.csv", NULL);
    q = text;
    split(&q, f, 16);
    while (split(&q, f, 16) == 3) {
        int64_t u = id_num(f[0]);
        serial[u] = strcmp(f[2], "1") == 0;
        if (serial[u]) { n_serial++; serial_prop += atof(f[1]); } else other_prop += atof(f[1]);
    }
    free(text);
    /* 3 % of customers: four standard deviations either side */
    double sd = sqrt(0.03 * 0.97 / (double)n_cust);
    CHECK_MSG(fabs((double)n_serial / (double)n_cust - 0.03) < 4 * sd, "%d serial returners of %lld", n_serial,
              (long long)n_cust);
    if (n_serial) CHECK(serial_prop / n_serial > 2.0 * other_prop / (double)(n_cust - n_serial));
    text = slurp(dir, "customers.csv", NULL);
    q = text;
    split(&q, f, 16);
    int pii_ok = 1;
    while (split(&q, f, 16) == 7) {
        int64_t u = id_num(f[0]);
        if (!*f[3] || !strchr(f[3], ' ') || !strstr(f[4], "@example.") || f[5][0] != '+' || strlen(f[5]) < 12 ||
            !*f[6])
            pii_ok = 0;
        email[u] = strdup(f[4]);
        phone[u] = strdup(f[5]);
    }
    free(text);
    CHECK(pii_ok);
    char **sorted = malloc((size_t)n_cust * sizeof *sorted);
    for (int which = 0; which < 2; which++) {
        memcpy(sorted, (which ? phone : email) + 1, (size_t)n_cust * sizeof *sorted);
        qsort(sorted, (size_t)n_cust, sizeof *sorted, cmp_str);
        int dup = 0;
        for (int64_t i = 1; i < n_cust; i++) dup += strcmp(sorted[i - 1], sorted[i]) == 0;
        CHECK_MSG(dup == 0, "%d repeated %s", dup, which ? "phone numbers" : "e-mail addresses");
    }
    free(sorted);

    /* orders: time order, delivery after the order, status, carriers' late rates off-peak and in the peak */
    order_fact *of = calloc((size_t)st.orders + 1, sizeof *of);
    text = slurp(dir, "orders.csv", NULL);
    q = text;
    split(&q, f, 16);
    int64_t prev = 0, late = 0, n_car[N_CARRIERS][2] = {{0}}, late_car[N_CARRIERS][2] = {{0}};
    int sorted_ok = 1, delivery_ok = 1, status_ok = 1, carrier_ok = 1;
    while (split(&q, f, 16) == 10) {
        int64_t no = id_num(f[0]);
        order_fact *o = &of[no];
        o->ordered = ts(f[2]);
        o->promised = ts(f[6]);
        o->delivered = ts(f[7]);
        o->customer = id_num(f[1]);
        o->marketplace = strcmp(f[3], "marketplace") == 0;
        o->carrier = carrier_index(f[8]);
        if (o->carrier < 0) { carrier_ok = 0; o->carrier = 0; }
        if (o->ordered < prev) sorted_ok = 0;
        prev = o->ordered;
        if (o->promised <= o->ordered || (o->delivered && o->delivered <= o->ordered)) delivery_ok = 0;
        if (strcmp(f[9], o->delivered ? "delivered" : "canceled") != 0) status_ok = 0;
        if (!o->delivered) continue;
        o->late = o->delivered > o->promised;
        o->peak = in_peak(o->ordered);
        late += o->late;
        n_car[o->carrier][o->peak]++;
        late_car[o->carrier][o->peak] += o->late;
    }
    free(text);
    CHECK(sorted_ok);
    CHECK(delivery_ok);
    CHECK(status_ok);
    CHECK(carrier_ok);
    CHECK(late > st.orders / 50 && late < st.orders / 5);
    for (int c = 0; c < N_CARRIERS; c++)
        for (int pk = 0; pk < 2; pk++) {
            double want = carriers[c].late * (pk ? carriers[c].peak_factor : 1.0), n = (double)n_car[c][pk];
            double got = n ? (double)late_car[c][pk] / n : 0, tol = 4.0 * sqrt(want * (1 - want) / (n ? n : 1));
            fprintf(stderr, "   %-10s %s: late %.4f (specified %.4f, n=%.0f)\n", carriers[c].name,
                    pk ? "peak    " : "off-peak", got, want, n);
            CHECK_MSG(n >= 200 && fabs(got - want) < tol, "%s %s late rate %.4f, specified %.4f ± %.4f",
                      carriers[c].name, pk ? "peak" : "off-peak", got, want, tol);
        }

    /* cases: keys (order, product) of lines that came back; each opened after its order; late orders get the
     * order-level complaints; personal data in a few reasons is the customer's own */
    int64_t *keys = malloc((size_t)st.cases * sizeof *keys), n_keys = 0, n_cases = 0;
    int64_t late_complaints = 0, pii_reasons = 0, pii_foreign = 0;
    text = slurp(dir, "cases.csv", NULL);
    q = text;
    split(&q, f, 16);
    int opened_ok = 1, order_level_ok = 1;
    while (split(&q, f, 16) == 8) {
        int64_t no = id_num(f[1]), opened = ts(f[5]);
        order_fact *o = &of[no];
        if (opened < o->ordered) opened_ok = 0;
        if (opened > o->last_case) o->last_case = opened;
        o->any_case = 1;
        n_cases++;
        if (strcmp(f[3], "complaint") == 0 || strstr(f[4], "broken") || strstr(f[4], "stopped working") ||
            strstr(f[4], "defective"))
            o->complaint_or_defect = 1;
        if (!*f[2]) {
            if (!o->late || strcmp(f[3], "complaint") != 0) order_level_ok = 0;
            late_complaints++;
        }
        if (strstr(f[4], "Please call me on ") || strstr(f[4], "Contact me at ")) {
            pii_reasons++;
            int64_t u = o->customer;
            if (!strstr(f[4], email[u]) && !strstr(f[4], phone[u])) pii_foreign++;
        }
        if (*f[2] && strcmp(f[3], "cancel") != 0) keys[n_keys++] = no * 10000000 + id_num(f[2]);
    }
    free(text);
    CHECK(opened_ok);
    CHECK(order_level_ok);
    CHECK(n_cases == st.cases);
    CHECK(late_complaints > late / 25 && late_complaints < late / 4);
    /* 0.5 % of cases: four standard deviations either side */
    double want_pii = 0.005 * (double)st.cases;
    CHECK_MSG(fabs((double)pii_reasons - want_pii) < 4 * sqrt(want_pii), "%lld reasons with a phone or e-mail",
              (long long)pii_reasons);
    CHECK(pii_foreign == 0);
    qsort(keys, (size_t)n_keys, sizeof *keys, cmp_i64);

    /* order_lines: return rate overall, and of defective products before and after their onset; sellers and
     * freight */
    int64_t lines = 0, returned = 0, nb = 0, kb = 0, na = 0, ka = 0;
    int seller_ok = 1, freight_ok = 1;
    text = slurp(dir, "order_lines.csv", NULL);
    q = text;
    split(&q, f, 16);
    while (split(&q, f, 16) == 8) {
        int64_t no = id_num(f[0]), prod = id_num(f[2]), key = no * 10000000 + prod;
        order_fact *o = &of[no];
        int back = bsearch(&key, keys, (size_t)n_keys, sizeof *keys, cmp_i64) != NULL;
        lines++;
        returned += back;
        if (onset[prod]) {
            if (o->ordered < onset[prod]) { nb++; kb += back; } else { na++; ka += back; }
        }
        int64_t net = atoi(f[3]) * llround((double)cents(f[4]) * (1.0 - atof(f[5])));
        int64_t freight = cents(f[7]);
        o->net_cents += net;
        o->freight_cents += freight;
        if (!*f[6] || (o->marketplace != (f[6][0] == 'M' && strlen(f[6]) == 6))) seller_ok = 0;
        if (freight < 0 || (o->marketplace && freight < 299)) freight_ok = 0;
    }
    free(text);
    CHECK(seller_ok);
    CHECK(freight_ok);
    /* own-shop orders: the country's fee (4.95 … 7.95) below 50 € net, free from there (±1 cent of rounding) */
    int64_t own = 0, own_ok = 0;
    for (int64_t no = 1; no <= st.orders; no++) {
        const order_fact *o = &of[no];
        if (o->marketplace) continue;
        own++;
        if (o->net_cents >= 5001) own_ok += o->freight_cents == 0;
        else if (o->net_cents <= 4999) own_ok += o->freight_cents >= 495 && o->freight_cents <= 795;
        else own_ok++;
    }
    CHECK_MSG(own_ok == own, "%lld of %lld own-shop orders have the documented freight", (long long)own_ok,
              (long long)own);
    double overall = (double)returned / (double)lines;
    double before = nb ? (double)kb / (double)nb : 0, after = na ? (double)ka / (double)na : 0;
    fprintf(stderr, "   overall return rate %.4f; defective products: %.4f before onset (n=%lld), %.4f after (n=%lld)\n",
            overall, before, (long long)nb, after, (long long)na);
    CHECK(overall > 0.07 && overall < 0.16);
    CHECK(nb > 200 && na > 200);
    CHECK_MSG(after > before + 0.10, "after onset %.3f vs before %.3f", after, before);

    /* reviews: after the delivery and after every case of the order; low scores follow complaints, defects
     * and late parcels */
    int64_t rv = 0, low[3] = {0}, n_grp[3] = {0}, pii_reviews = 0;
    int review_ok = 1;
    text = slurp(dir, "reviews.csv", NULL);
    q = text;
    split(&q, f, 16);
    while (split(&q, f, 16) == 5) {
        const order_fact *o = &of[id_num(f[1])];
        int score = atoi(f[2]);
        int64_t created = ts(f[4]);
        rv++;
        if (score < 1 || score > 5 || created <= (o->delivered ? o->delivered : o->ordered) ||
            created <= o->last_case)
            review_ok = 0;
        if (strstr(f[3], "Please call me on ") || strstr(f[3], "Contact me at ")) pii_reviews++;
        if (!o->delivered) continue;
        int grp = o->complaint_or_defect ? 2 : o->late ? 1 : o->any_case ? -1 : 0;   /* fine, late, bad */
        if (grp < 0) continue;
        n_grp[grp]++;
        low[grp] += score <= 2;
    }
    free(text);
    CHECK(rv == st.reviews);
    CHECK(review_ok);
    CHECK(pii_reviews > 0);
    double low_fine = (double)low[0] / (double)n_grp[0], low_late = (double)low[1] / (double)n_grp[1],
           low_bad = (double)low[2] / (double)n_grp[2];
    fprintf(stderr, "   reviews scored 1-2: %.3f of fine orders, %.3f of late ones, %.3f with a complaint or defect\n",
            low_fine, low_late, low_bad);
    /* model: 6 % of fine orders, 25 % of late ones, 65-75 % with a complaint or defect */
    CHECK(low_fine > 0.04 && low_fine < 0.08);
    CHECK(low_late > 0.18 && low_late < 0.32);
    CHECK(low_bad > 0.55);

    for (int64_t u = 0; u <= n_cust; u++) { free(email[u]); free(phone[u]); }
    free(email);
    free(phone);
    free(serial);
    free(of);
    free(keys);
    free(onset);
    remove_tmp(dir);
}

/* Memory does not grow with the number of lines: the same shop with ten times the lines makes exactly the
 * same allocations (the generator allocates per customer, product and day, never per order or line). */
static void test_memory_bounded(void) {
    char dir[64];
    make_tmp(dir, sizeof dir);
    as_error err;
    as_sim_params p = small_params();
    long count[2];
    as_sim_stats st[2];
    for (int i = 0; i < 2; i++) {
        p.order_lines = i ? 100000 : 10000;
        as__alloc_fail_after(0);             /* resets the allocation counter */
        CHECK_OK(as_simulate(&p, dir, &st[i], &err), &err);
        count[i] = as__alloc_count();
    }
    CHECK(st[1].order_lines > 9 * st[0].order_lines);
    CHECK_MSG(count[0] == count[1] && count[0] > 0, "%ld allocations for %lld lines, %ld for %lld lines", count[0],
              (long long)st[0].order_lines, count[1], (long long)st[1].order_lines);
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
    RUN(test_memory_bounded);
    RUN(test_errors);
    RUN(test_alloc_failures);
    return test_report("sim");
}
