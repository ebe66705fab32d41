/* libFuzzer target for the CSV reader and the typed table.
 *
 * Every input is read three ways: by the streaming reader with default options, checked record by record
 * against the reference parser (csv_reference.h); by the reader with ';' and a tiny max_record_bytes, checked
 * for the contract's invariants; and by the table reader. Any disagreement or broken invariant aborts, which
 * libFuzzer reports as a crash; sanitizers catch memory errors and leaks. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "table/table.h"
#include "csv_reference.h"

#define REQUIRE(cond) do { if (!(cond)) { fprintf(stderr, "fuzz_csv: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
    abort(); } } while (0)

typedef struct diff_state {
    as_csv_reader *r;
} diff_state;

static void diff_cb(void *u, const char *out, const ref_field *rf, size_t nf, int64_t line, const char *raw,
                    size_t raw_n) {
    diff_state *d = u;
    as_csv_field *f;
    size_t n;
    as_error err;
    REQUIRE(as__csv_next(d->r, &f, &n, &err) == AS_OK);
    REQUIRE(n == nf);
    REQUIRE(as__csv_line(d->r) == line);
    for (size_t j = 0; j < n; j++) {
        REQUIRE(f[j].n == rf[j].n);
        REQUIRE(f[j].quoted == rf[j].quoted);
        REQUIRE(memcmp(f[j].p, out + rf[j].start, f[j].n) == 0);
        REQUIRE(f[j].p[f[j].n] == '\0');
    }
    size_t gn;
    const char *g = as__csv_raw(d->r, &gn);
    REQUIRE(gn == raw_n && memcmp(g, raw, raw_n) == 0);
}

static void differential(const char *s, size_t n) {
    as_csv_reader *r = NULL;
    as_error err;
    REQUIRE(as__csv_open_mem(s, n, "fuzz.csv", NULL, &r, &err) == AS_OK);
    diff_state d = {r};
    int64_t bad_line = ref_parse(s, n, ',', diff_cb, &d);
    REQUIRE(bad_line >= 0);
    as_csv_field *f;
    size_t nf;
    as_status st = as__csv_next(r, &f, &nf, &err);
    if (bad_line) {
        char want[64];
        snprintf(want, sizeof want, "fuzz.csv:%lld: a quoted field opened on line", (long long)bad_line);
        REQUIRE(st == AS_ERR_PARSE && strstr(err.msg, want) != NULL);
        REQUIRE(as__csv_line(r) == bad_line);
    } else {
        REQUIRE(st == AS_ERR_NODATA);
    }
    REQUIRE(as__csv_next(r, &f, &nf, &err) == AS_ERR_NODATA);   /* the end stays the end */
    as__csv_close(r);
}

static void invariants(const char *s, size_t n) {
    as_csv_options o = as__csv_options_default();
    o.delimiter = ';';
    o.max_record_bytes = 16;
    as_csv_reader *r = NULL;
    as_error err;
    REQUIRE(as__csv_open_mem(s, n, "fuzz.csv", &o, &r, &err) == AS_OK);
    as_csv_field *f;
    size_t nf;
    int64_t last_line = 0;
    as_status st;
    while ((st = as__csv_next(r, &f, &nf, &err)) == AS_OK) {
        REQUIRE(nf >= 1);
        REQUIRE(as__csv_line(r) > last_line);
        last_line = as__csv_line(r);
        size_t rn, total = 0;
        as__csv_raw(r, &rn);
        REQUIRE(rn >= 1 && rn <= o.max_record_bytes);
        for (size_t j = 0; j < nf; j++) {
            REQUIRE(f[j].p[f[j].n] == '\0');
            total += f[j].n + 1;
        }
        REQUIRE(total <= rn + 1);
    }
    REQUIRE(st == AS_ERR_NODATA || st == AS_ERR_PARSE);
    REQUIRE(as__csv_bytes_read(r) <= (int64_t)n);
    as__csv_close(r);
}

static void table(const char *s, size_t n) {
    as_table_options o = as__table_options_default();
    const char *na[] = {"NA", ""};
    o.na_tokens = na;
    o.n_na_tokens = 2;
    as_table *t = NULL;
    as_error err;
    as_status st = as__table_read_mem(s, n, "fuzz.csv", &o, &t, &err);
    REQUIRE(st == AS_OK || st == AS_ERR_PARSE || st == AS_ERR_NODATA);
    REQUIRE((st == AS_OK) == (t != NULL));
    if (!t) return;
    for (size_t j = 0; j < t->ncols; j++) {
        const as_column *c = &t->cols[j];
        REQUIRE(c->name != NULL && as__table_find(t, c->name) == (int)j);   /* names are unique */
        REQUIRE((c->type == AS_COL_TEXT) == (c->num == NULL));
        REQUIRE((c->type == AS_COL_TEXT) == (c->text != NULL));
        size_t missing = 0;
        for (size_t i = 0; i < t->nrows; i++)
            missing += c->type == AS_COL_TEXT ? (size_t)(c->text[i] == NULL) : (size_t)isnan(c->num[i]);
        REQUIRE(missing == c->n_missing);
    }
    as__table_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    differential(s, size);
    invariants(s, size);
    table(s, size);
    return 0;
}
