/* libFuzzer target: the CSV reader with a small record limit, checked record by record against the reference
 * parser (csv_reference.h, ref_parse_max). The first two input bytes choose the limit and the delimiter.
 * Checks: every record's fields and raw text; an over-long record is reported with its start line and size,
 * skipped, and reading goes on; a quote never closed is final, its raw text runs to the end of the input (cut
 * at the limit); as__csv_at_end is 1 at the end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "csv_reference.h"

#define REQUIRE(cond) do { if (!(cond)) { fprintf(stderr, "fuzz_csv_limits: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
    abort(); } } while (0)

typedef struct limit_state {
    as_csv_reader *r;
    size_t max;
} limit_state;

static void check_record(void *u, const char *out, const ref_field *rf, size_t nf, int64_t line, const char *raw,
                         size_t raw_n) {
    limit_state *d = u;
    as_csv_field *f;
    size_t n, gn;
    as_error err;
    as_status st = as__csv_next(d->r, &f, &n, &err);
    REQUIRE(as__csv_line(d->r) == line);
    const char *g;
    if (nf == 0) {   /* the reference marks an over-long record with no fields */
        REQUIRE(st == AS_ERR_PARSE);
        char want[200];
        snprintf(want, sizeof want, "f.csv:%lld: record of %zu bytes is longer than the limit of %zu bytes; it was skipped",
                 (long long)line, raw_n, d->max);
        REQUIRE(strcmp(err.msg, want) == 0);
        g = as__csv_raw(d->r, &gn);
        size_t keep = d->max < 4096 ? d->max : 4096;
        REQUIRE(gn == keep && memcmp(g, raw, keep) == 0);
        return;
    }
    REQUIRE(st == AS_OK && n == nf);
    for (size_t j = 0; j < n; j++) {
        REQUIRE(f[j].n == rf[j].n && f[j].quoted == rf[j].quoted);
        REQUIRE(memcmp(f[j].p, out + rf[j].start, f[j].n) == 0 && f[j].p[f[j].n] == '\0');
    }
    g = as__csv_raw(d->r, &gn);
    REQUIRE(gn == raw_n && memcmp(g, raw, raw_n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    size_t max = data[0] < 128 ? 1 + data[0] % 64 : 200 + (size_t)data[0] * 8;
    char delim = data[1] % 3 == 0 ? ';' : ',';
    const char *s = (const char *)data + 2;
    size_t n = size - 2;
    as_csv_options o = as__csv_options_default();
    o.delimiter = delim;
    o.max_record_bytes = max;
    as_csv_reader *r = NULL;
    as_error err;
    REQUIRE(as__csv_open_mem(s, n, "f.csv", &o, &r, &err) == AS_OK);
    limit_state d = {r, max};
    size_t bad_start = 0;
    int64_t bad = ref_parse_max(s, n, delim, max, check_record, &d, &bad_start);
    REQUIRE(bad >= 0);
    as_csv_field *f;
    size_t nf;
    as_status st = as__csv_next(r, &f, &nf, &err);
    if (bad) {
        REQUIRE(st == AS_ERR_PARSE && as__csv_line(r) == bad);
        size_t gn;
        const char *g = as__csv_raw(r, &gn);
        size_t want = n - bad_start;
        int over = want > max;
        if (over) want = max;
        REQUIRE(gn == want && memcmp(g, s + bad_start, want) == 0);
        REQUIRE((strstr(err.msg, "past the limit") != NULL) == over);
        REQUIRE(strstr(err.msg, "a quoted field opened on line") != NULL);
    } else {
        REQUIRE(st == AS_ERR_NODATA);
    }
    REQUIRE(as__csv_at_end(r) == 1);
    REQUIRE(as__csv_next(r, &f, &nf, &err) == AS_ERR_NODATA);
    as__csv_close(r);
    return 0;
}
