/* Tests of the streaming CSV reader (src/io/csv.c): RFC 4180 cases, line numbers, errors (records over the limit
 * are skipped and reading goes on; a quote never closed is final), gzip, the buffer refill logic against a simple
 * whole-input reference parser (with and without a limit on the record size), and allocation failures. */
#include <stdint.h>
#include <unistd.h>
#include <zlib.h>

#include "io/csv.h"
#include "test.h"
#include "../fuzz/csv_reference.h"

/* ---- helpers ---- */

#define MAXF 64
#define MAXR 64

/* A copy of what the reader returned, so that tests can look at every record after the reader moved on. */
typedef struct rec {
    size_t nf;
    char *f[MAXF];
    size_t fn[MAXF];
    int quoted[MAXF];
    int64_t line;
    char *raw;
    size_t raw_n;
    char *msg;              /* read_all_on: the message of an AS_ERR_PARSE in place of this record, else NULL */
    int at_end;             /* read_all_on: as__csv_at_end after it */
} rec;

typedef struct doc {
    size_t n;
    rec r[MAXR];
    as_status end;          /* the status that ended the read: AS_ERR_NODATA on a clean end */
    as_error err;
} doc;

static char *dup_n(const char *p, size_t n) {
    char *s = malloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static void doc_free(doc *d) {
    for (size_t i = 0; i < d->n && i < MAXR; i++) {
        for (size_t j = 0; j < d->r[i].nf && j < MAXF; j++) free(d->r[i].f[j]);
        free(d->r[i].raw);
        free(d->r[i].msg);
    }
    d->n = 0;
}

/* Reads every record into d. go_on: an AS_ERR_PARSE becomes an entry with its message, and reading goes on
 * (after a final error the reader answers AS_ERR_NODATA); otherwise it ends the read. */
static void read_all_ex(as_csv_reader *r, doc *d, int go_on) {
    as_csv_field *f;
    size_t nf;
    memset(d, 0, sizeof *d);
    for (;;) {
        as_status st = as__csv_next(r, &f, &nf, &d->err);
        if (st == AS_ERR_PARSE && go_on) {
            CHECK(f == NULL && nf == 0);
            if (d->n == MAXR) continue;
            rec *x = &d->r[d->n++];
            x->msg = dup_n(d->err.msg, strlen(d->err.msg));
            x->line = as__csv_line(r);
            const char *raw = as__csv_raw(r, &x->raw_n);
            x->raw = dup_n(raw, x->raw_n);
            x->at_end = as__csv_at_end(r);
            continue;
        }
        if (st != AS_OK) { d->end = st; break; }
        if (d->n == MAXR) continue;
        rec *x = &d->r[d->n++];
        x->nf = nf;
        for (size_t j = 0; j < nf && j < MAXF; j++) {
            /* The contract: p[n] is NUL even though the length is given. */
            CHECK(f[j].p[f[j].n] == '\0');
            x->f[j] = dup_n(f[j].p, f[j].n);
            x->fn[j] = f[j].n;
            x->quoted[j] = f[j].quoted;
        }
        x->line = as__csv_line(r);
        const char *raw = as__csv_raw(r, &x->raw_n);
        x->raw = dup_n(raw, x->raw_n);
        x->at_end = as__csv_at_end(r);
    }
}

static void read_all(as_csv_reader *r, doc *d) { read_all_ex(r, d, 0); }

static as_status read_mem(const char *s, size_t n, const as_csv_options *opt, doc *d) {
    as_csv_reader *r = NULL;
    as_status st = as__csv_open_mem(s, n, "mem.csv", opt, &r, &d->err);
    if (st) { memset(d, 0, sizeof *d); d->end = st; return st; }
    read_all(r, d);
    as__csv_close(r);
    return AS_OK;
}

static as_status read_str(const char *s, doc *d) { return read_mem(s, strlen(s), NULL, d); }

/* Like read_mem, going on after errors; `file`: through a temporary file instead of memory. */
static char tmpdir[64];
static void write_file(const char *path, const char *s, size_t n);

static void read_on(const char *s, size_t n, const as_csv_options *opt, int file, doc *d) {
    as_csv_reader *r = NULL;
    as_error err;
    char path[128];
    if (file) {
        snprintf(path, sizeof path, "%s/mem.csv", tmpdir);
        write_file(path, s, n);
        CHECK_OK(as__csv_open(path, opt, &r, &err), &err);
    } else {
        CHECK_OK(as__csv_open_mem(s, n, "mem.csv", opt, &r, &err), &err);
    }
    memset(d, 0, sizeof *d);
    if (!r) return;
    read_all_ex(r, d, 1);
    as__csv_close(r);
    if (file) unlink(path);
}

/* "...FILE:LINE: record of N bytes is longer than the limit of M bytes; it was skipped" (a file is named by its
 * whole path) */
static int is_skipped(const rec *x, const char *file, int64_t line, size_t size, size_t max) {
    char want[256];
    snprintf(want, sizeof want, "%s:%lld: record of %zu bytes is longer than the limit of %zu bytes; it was skipped",
             file, (long long)line, size, max);
    size_t mn = x->msg ? strlen(x->msg) : 0, wn = strlen(want);
    int ok = mn >= wn && strcmp(x->msg + mn - wn, want) == 0 && (mn == wn || x->msg[mn - wn - 1] == '/') &&
             x->line == line;
    if (!ok) fprintf(stderr, "expected \"%s\" on line %lld, got \"%s\" on line %lld\n", want, (long long)line,
                     x->msg ? x->msg : "(a record)", (long long)x->line);
    return ok;
}

static void put(char *s, size_t *n, const char *t) {
    size_t k = strlen(t);
    memcpy(s + *n, t, k);
    *n += k;
}

static void put_rep(char *s, size_t *n, char c, size_t k) {
    memset(s + *n, c, k);
    *n += k;
}

/* ---- RFC 4180 cases ---- */

static void test_newline_in_quotes(void) {
    doc d;
    read_str("id,comment\n1,\"line one\nline two\"\n2,ok\n", &d);
    CHECK(d.end == AS_ERR_NODATA);
    CHECK(d.n == 3);
    CHECK_STR(d.r[0].f[0], "id");
    CHECK(d.r[0].line == 1);
    CHECK(d.r[1].nf == 2);
    CHECK_STR(d.r[1].f[0], "1");
    CHECK_STR(d.r[1].f[1], "line one\nline two");
    CHECK(d.r[1].quoted[1] == 1 && d.r[1].quoted[0] == 0);
    CHECK(d.r[1].line == 2);
    CHECK_STR(d.r[1].raw, "1,\"line one\nline two\"");
    CHECK_STR(d.r[2].f[1], "ok");
    CHECK(d.r[2].line == 4);
    doc_free(&d);
}

static void test_doubled_quotes(void) {
    doc d;
    read_str("1,\"a, \"\"b\"\"\"", &d);
    CHECK(d.end == AS_ERR_NODATA);
    CHECK(d.n == 1);
    CHECK(d.r[0].nf == 2);
    CHECK_STR(d.r[0].f[1], "a, \"b\"");
    CHECK(d.r[0].fn[1] == 6);
    CHECK_STR(d.r[0].raw, "1,\"a, \"\"b\"\"\"");
    doc_free(&d);

    /* Only "" stands for a quote; a lone quote inside a quoted field ends it. */
    read_str("\"\"\"\",\"x\"\"\"\n", &d);
    CHECK(d.n == 1 && d.r[0].nf == 2);
    CHECK_STR(d.r[0].f[0], "\"");
    CHECK_STR(d.r[0].f[1], "x\"");
    doc_free(&d);
}

static void test_bom(void) {
    doc d;
    read_str("\xEF\xBB\xBFid,qty\n7,1\n", &d);
    CHECK(d.n == 2);
    CHECK_STR(d.r[0].f[0], "id");
    CHECK(d.r[0].fn[0] == 2);
    CHECK_STR(d.r[0].raw, "id,qty");
    CHECK(d.r[1].line == 2);
    doc_free(&d);

    /* A BOM followed by a quoted header name. */
    read_str("\xEF\xBB\xBF\"id\",qty\n", &d);
    CHECK(d.n == 1);
    CHECK_STR(d.r[0].f[0], "id");
    CHECK(d.r[0].quoted[0] == 1);
    doc_free(&d);

    /* Only at the start: the same bytes later are data. */
    read_str("a\n\xEF\xBB\xBF" "b\n", &d);
    CHECK(d.n == 2);
    CHECK_STR(d.r[1].f[0], "\xEF\xBB\xBF" "b");
    doc_free(&d);

    read_str("\xEF\xBB\xBF", &d);
    CHECK(d.n == 0 && d.end == AS_ERR_NODATA);
    doc_free(&d);
}

static void test_crlf(void) {
    doc d;
    read_str("a,b\r\nx,\"y\"\r\n\"p\r\nq\",z\r\n\r\nlast,\r\n", &d);
    CHECK(d.end == AS_ERR_NODATA);
    CHECK(d.n == 4);
    CHECK_STR(d.r[0].f[1], "b");
    CHECK_STR(d.r[0].raw, "a,b");
    CHECK_STR(d.r[1].f[0], "x");
    CHECK_STR(d.r[1].f[1], "y");
    CHECK_STR(d.r[1].raw, "x,\"y\"");
    CHECK_STR(d.r[2].f[0], "p\r\nq");      /* a CRLF inside quotes is data */
    CHECK_STR(d.r[2].f[1], "z");
    CHECK(d.r[2].line == 3);
    CHECK(d.r[3].line == 6);               /* line 5 is an empty CRLF line */
    CHECK(d.r[3].nf == 2);
    CHECK_STR(d.r[3].f[0], "last");
    CHECK_STR(d.r[3].f[1], "");
    doc_free(&d);

    /* A CR at the very end of the input is a line end too; a lone CR elsewhere is data. */
    read_str("a,b\r", &d);
    CHECK(d.n == 1 && d.r[0].nf == 2);
    CHECK_STR(d.r[0].f[1], "b");
    CHECK_STR(d.r[0].raw, "a,b");
    doc_free(&d);
    read_str("a\rb,c\n", &d);
    CHECK(d.n == 1);
    CHECK_STR(d.r[0].f[0], "a\rb");
    doc_free(&d);
}

static void test_empty_lines_and_last_record(void) {
    doc d;
    read_str("\n\na\n\n\nb\n\n", &d);
    CHECK(d.n == 2);
    CHECK_STR(d.r[0].f[0], "a");
    CHECK(d.r[0].line == 3);
    CHECK_STR(d.r[1].f[0], "b");
    CHECK(d.r[1].line == 6);
    doc_free(&d);

    read_str("a,b\n1,2", &d);                /* no line end after the last record */
    CHECK(d.n == 2);
    CHECK_STR(d.r[1].f[1], "2");
    CHECK(d.r[1].line == 2);
    doc_free(&d);

    read_str("a,\"b\"", &d);
    CHECK(d.n == 1 && d.r[0].nf == 2);
    CHECK_STR(d.r[0].f[1], "b");
    doc_free(&d);

    /* A line of blanks or of one delimiter is not empty. */
    read_str(" \n,\n", &d);
    CHECK(d.n == 2);
    CHECK(d.r[0].nf == 1);
    CHECK_STR(d.r[0].f[0], " ");
    CHECK(d.r[1].nf == 2);
    doc_free(&d);

    read_str("", &d);
    CHECK(d.n == 0 && d.end == AS_ERR_NODATA);
    doc_free(&d);
}

static void test_empty_quoted_and_lenient(void) {
    doc d;
    read_str("a,\"\",b,,\"\"\n", &d);
    CHECK(d.n == 1 && d.r[0].nf == 5);
    CHECK_STR(d.r[0].f[1], "");
    CHECK(d.r[0].fn[1] == 0 && d.r[0].quoted[1] == 1);
    CHECK(d.r[0].fn[3] == 0 && d.r[0].quoted[3] == 0);
    CHECK(d.r[0].fn[4] == 0 && d.r[0].quoted[4] == 1);
    doc_free(&d);

    /* A quote inside an unquoted field is literal; text after a closing quote is appended. */
    read_str("a\"b,\"x\"y z,5\" tall\n", &d);
    CHECK(d.n == 1 && d.r[0].nf == 3);
    CHECK_STR(d.r[0].f[0], "a\"b");
    CHECK_STR(d.r[0].f[1], "xy z");
    CHECK(d.r[0].quoted[1] == 1);
    CHECK_STR(d.r[0].f[2], "5\" tall");
    doc_free(&d);

    /* A delimiter and a newline inside quotes do not split. */
    read_str("\"a,b\nc\",d\n", &d);
    CHECK(d.n == 1 && d.r[0].nf == 2);
    CHECK_STR(d.r[0].f[0], "a,b\nc");
    doc_free(&d);
}

static void test_delimiter(void) {
    as_csv_options o = as__csv_options_default();
    CHECK(o.delimiter == ',');
    CHECK(o.max_record_bytes == (size_t)64 << 20);
    o.delimiter = ';';
    doc d;
    const char *s = "a;b,c\n\"x;y\";2,5\n";
    read_mem(s, strlen(s), &o, &d);
    CHECK(d.n == 2);
    CHECK(d.r[0].nf == 2);
    CHECK_STR(d.r[0].f[1], "b,c");
    CHECK_STR(d.r[1].f[0], "x;y");
    CHECK_STR(d.r[1].f[1], "2,5");
    doc_free(&d);

    o.delimiter = '\t';
    s = "a\tb\n1\t\"2\t3\"\n";
    read_mem(s, strlen(s), &o, &d);
    CHECK(d.n == 2 && d.r[1].nf == 2);
    CHECK_STR(d.r[1].f[1], "2\t3");
    doc_free(&d);

    o.delimiter = '"';
    as_csv_reader *r = NULL;
    as_error err;
    CHECK(as__csv_open_mem("a", 1, "x", &o, &r, &err) == AS_ERR_INVALID);
    CHECK(r == NULL);
}

static void test_ragged(void) {
    doc d;
    read_str("a,b\n1,2\n3,4,5\n", &d);
    CHECK(d.end == AS_ERR_NODATA);
    CHECK(d.n == 3);
    CHECK(d.r[0].nf == 2 && d.r[1].nf == 2 && d.r[2].nf == 3);
    CHECK(d.r[2].line == 3);
    CHECK_STR(d.r[2].raw, "3,4,5");
    doc_free(&d);
}

static void test_unterminated_quote(void) {
    doc d;
    read_str("a,b\n1,2\n3,\"x\ny\n", &d);
    CHECK(d.n == 2);
    CHECK(d.end == AS_ERR_PARSE);
    CHECK(d.err.code == AS_ERR_PARSE);
    CHECK_MSG(strstr(d.err.msg, "mem.csv:3:") != NULL, "%s", d.err.msg);
    CHECK_MSG(strstr(d.err.msg, "line 3 is never closed") != NULL, "%s", d.err.msg);
    doc_free(&d);

    /* The record starts on line 2, the unclosed field on line 3. */
    read_str("a,b\n1,\"x\ny\",\"open\nmore\n", &d);
    CHECK(d.n == 1);
    CHECK(d.end == AS_ERR_PARSE);
    CHECK_MSG(strstr(d.err.msg, "mem.csv:2: a quoted field opened on line 3 is never closed; close the quote or "
                                "remove it") != NULL, "%s", d.err.msg);
    doc_free(&d);

    /* After the error the reader stays at the end, and raw/line describe the bad record (for rejects). */
    const char *s = "h\nok\n\"bad\n";
    as_csv_reader *r = NULL;
    as_error err;
    as_csv_field *f;
    size_t nf;
    CHECK_OK(as__csv_open_mem(s, strlen(s), "q.csv", NULL, &r, &err), &err);
    CHECK(as__csv_next(r, &f, &nf, &err) == AS_OK);
    CHECK(as__csv_next(r, &f, &nf, &err) == AS_OK);
    CHECK(as__csv_next(r, &f, &nf, &err) == AS_ERR_PARSE);
    CHECK(as__csv_line(r) == 3);
    size_t rn;
    const char *raw = as__csv_raw(r, &rn);
    CHECK(rn == 5 && memcmp(raw, "\"bad\n", 5) == 0);
    CHECK(as__csv_next(r, &f, &nf, &err) == AS_ERR_NODATA);
    CHECK(as__csv_next(r, &f, &nf, &err) == AS_ERR_NODATA);
    as__csv_close(r);
}

static void test_max_record(void) {
    as_csv_options o = as__csv_options_default();
    o.max_record_bytes = 10;
    doc d;
    /* 10 bytes is allowed (a CR before the line end does not count); 11 is not. */
    const char *s = "a,b\n0123456789\r\n0123456789abc\nz\n0123456789\"\n";
    read_on(s, strlen(s), &o, 0, &d);
    CHECK(d.n == 5 && d.end == AS_ERR_NODATA);
    CHECK_STR(d.r[1].f[0], "0123456789");
    CHECK(is_skipped(&d.r[2], "mem.csv", 3, 13, 10));
    CHECK(d.r[2].raw_n == 10 && memcmp(d.r[2].raw, "0123456789", 10) == 0);
    CHECK(d.r[2].at_end == 0);
    CHECK_STR(d.r[3].f[0], "z");
    CHECK(d.r[3].line == 4);
    CHECK(is_skipped(&d.r[4], "mem.csv", 5, 11, 10));
    CHECK(d.r[4].at_end == 1);
    doc_free(&d);

    /* A record larger than the input buffer but under the limit is read whole. */
    size_t n = 100000;
    char *big = malloc(n);
    o.max_record_bytes = 0;                    /* 0 = the default */
    memset(big, 'y', n);
    big[0] = '"';
    big[n - 3] = '"';
    big[n - 2] = ',';
    big[n - 1] = '1';
    big[5000] = '\n';
    read_mem(big, n, &o, &d);
    CHECK(d.end == AS_ERR_NODATA);
    CHECK(d.n == 1 && d.r[0].nf == 2);
    CHECK(d.r[0].fn[0] == n - 4);
    CHECK(d.r[0].raw_n == n);
    CHECK_STR(d.r[0].f[1], "1");
    doc_free(&d);
    free(big);
}

/* Good, over-long unquoted, over-long quoted with line ends inside, good, good: the long records are reported
 * with their first line and size, and reading goes on. With LF and CRLF line ends; small and large records
 * (seen whole in the buffer, or followed to their end past it); from memory and from a file. */
static void test_skip_long_records(void) {
    static const size_t lens[] = {100, 5000, 300000};
    static const size_t maxes[] = {64, 300, 4096, 100000};
    char *s = malloc(1100000);
    for (int crlf = 0; crlf < 2; crlf++)
        for (size_t li = 0; li < 3; li++)
            for (size_t mi = 0; mi < 4; mi++)
                for (int file = 0; file < 2; file++) {
                    size_t len = lens[li], max = maxes[mi];
                    if (len <= max) continue;
                    const char *eol = crlf ? "\r\n" : "\n";
                    size_t n = 0, at2, at3, size2, size3;
                    put(s, &n, "id,text");
                    put(s, &n, eol);
                    at2 = n;                                  /* line 2: long, unquoted */
                    put(s, &n, "1,");
                    put_rep(s, &n, 'u', len);
                    size2 = n - at2;
                    put(s, &n, eol);
                    at3 = n;                                  /* lines 3-5: long, quoted, with line ends */
                    put(s, &n, "2,\"");
                    put_rep(s, &n, 'a', len / 3);
                    put(s, &n, eol);
                    put_rep(s, &n, 'b', len / 3);
                    put(s, &n, ",\"\"");
                    put(s, &n, eol);
                    put_rep(s, &n, 'c', len / 3);
                    put(s, &n, "\",tail");
                    size3 = n - at3;
                    put(s, &n, eol);
                    put(s, &n, "3,ok");                       /* line 6 */
                    put(s, &n, eol);
                    put(s, &n, "4,\"q");                      /* lines 7-8 */
                    put(s, &n, eol);
                    put(s, &n, "r\"");
                    put(s, &n, eol);
                    put(s, &n, "5,z");                        /* line 9, no line end */
                    as_csv_options o = as__csv_options_default();
                    o.max_record_bytes = max;
                    doc d;
                    int before = t_failures;
                    read_on(s, n, &o, file, &d);
                    size_t keep = max < 4096 ? max : 4096;
                    CHECK(d.end == AS_ERR_NODATA);
                    CHECK(d.n == 6);
                    CHECK(d.r[0].line == 1 && d.r[0].nf == 2 && !d.r[0].msg);
                    CHECK_STR(d.r[0].f[1], "text");
                    CHECK(d.r[0].at_end == 0);
                    CHECK(is_skipped(&d.r[1], "mem.csv", 2, size2, max));
                    CHECK(d.r[1].raw_n == keep && memcmp(d.r[1].raw, s + at2, keep) == 0);
                    CHECK(d.r[1].at_end == 0);
                    CHECK(is_skipped(&d.r[2], "mem.csv", 3, size3, max));
                    CHECK(d.r[2].raw_n == keep && memcmp(d.r[2].raw, s + at3, keep) == 0);
                    CHECK(d.r[2].at_end == 0);
                    CHECK(d.r[3].line == 6 && d.r[3].nf == 2 && !d.r[3].msg);
                    CHECK_STR(d.r[3].f[1], "ok");
                    CHECK_STR(d.r[3].raw, "3,ok");
                    CHECK(d.r[4].line == 7 && d.r[4].nf == 2);
                    CHECK_STR(d.r[4].f[1], crlf ? "q\r\nr" : "q\nr");
                    CHECK(d.r[4].quoted[1] == 1);
                    CHECK(d.r[5].line == 9 && d.r[5].nf == 2);
                    CHECK_STR(d.r[5].f[1], "z");
                    CHECK(d.r[5].at_end == 1);
                    doc_free(&d);
                    if (t_failures != before)
                        fprintf(stderr, "  with crlf %d, long fields of %zu bytes, max %zu, file %d\n", crlf, len,
                                max, file);
                }
    free(s);
}

/* An over-long record at the very end of the input, with or without a line end. */
static void test_skip_long_last_record(void) {
    as_csv_options o = as__csv_options_default();
    o.max_record_bytes = 64;
    char s[1024];
    for (size_t len = 65; len < 700; len += 211) {
        for (int variant = 0; variant < 4; variant++) {
            size_t n = 0, at;
            put(s, &n, "h\nok\n");
            at = n;
            if (variant == 1) put(s, &n, "\"");
            put_rep(s, &n, variant == 1 ? ',' : 'x', len);
            if (variant == 1) put(s, &n, "\"");           /* a quoted field closed at the end of the input */
            size_t size = n - at;
            if (variant == 2) put(s, &n, "\r\n");
            if (variant == 3) put(s, &n, "\r\n\n\r\n");    /* only empty lines after it */
            doc d;
            read_on(s, n, &o, 0, &d);
            CHECK(d.end == AS_ERR_NODATA);
            CHECK(d.n == 3);
            CHECK(d.r[1].line == 2 && d.r[1].at_end == 0);
            CHECK_MSG(is_skipped(&d.r[2], "mem.csv", 3, size, 64), "len %zu, variant %d", len, variant);
            CHECK(d.r[2].raw_n == 64 && memcmp(d.r[2].raw, s + at, 64) == 0);
            CHECK_MSG(d.r[2].at_end == 1, "len %zu, variant %d", len, variant);
            doc_free(&d);
        }
    }
}

/* An over-long record, then a quote never closed: the first is recoverable, the second final. And a quote that
 * stays open past the limit: final, with the record's first max_record_bytes bytes. */
static void test_skip_then_unclosed_quote(void) {
    as_csv_options o = as__csv_options_default();
    o.max_record_bytes = 64;
    char *s = malloc(100000);
    for (size_t len = 100; len < 20000; len += 9900) {
        size_t n = 0;
        put(s, &n, "h\n");
        put_rep(s, &n, 'x', len);
        put(s, &n, "\na,\"open\nmore\n");
        doc d;
        read_on(s, n, &o, 0, &d);
        CHECK(d.end == AS_ERR_NODATA);
        CHECK(d.n == 3);
        CHECK(is_skipped(&d.r[1], "mem.csv", 2, len, 64));
        CHECK(d.r[1].at_end == 0);
        CHECK_STR(d.r[2].msg, "mem.csv:3: a quoted field opened on line 3 is never closed; close the quote or remove "
                              "it");
        CHECK(d.r[2].line == 3);
        CHECK_STR(d.r[2].raw, "a,\"open\nmore\n");          /* everything after the quote */
        CHECK(d.r[2].at_end == 1);
        doc_free(&d);
    }

    /* The open quote runs past the limit: seen whole in the buffer (short input), or followed to the end. */
    for (size_t len = 100; len < 100000; len += 49900) {
        for (int max = 64; max <= 300; max += 236) {
            if (len <= (size_t)max) continue;
            o.max_record_bytes = (size_t)max;
            size_t n = 0;
            put(s, &n, "h\n\"a\nb\",\"x");
            for (size_t k = 0; k < len; k++) s[n++] = k % 10 == 9 ? '\n' : 'y';
            doc d;
            read_on(s, n, &o, 0, &d);
            CHECK(d.end == AS_ERR_NODATA);
            CHECK(d.n == 2);
            char want[256];
            snprintf(want, sizeof want, "mem.csv:2: a quoted field opened on line 3 is never closed; it runs to the "
                     "end of the input, past the limit of %d bytes for a record; close the quote or remove it", max);
            CHECK_STR(d.r[1].msg, want);
            CHECK(d.r[1].line == 2);
            CHECK(d.r[1].raw_n == (size_t)max && memcmp(d.r[1].raw, s + 2, (size_t)max) == 0);
            CHECK(d.r[1].at_end == 1);
            doc_free(&d);
        }
    }
    free(s);

    /* Within the limit, the raw text is everything from the record's start to the end of the input; the limit
     * applies to it as a whole. */
    const char *t = "h\n\"bad\n1,2\n3,4\n";
    for (size_t max = 12; max <= 13; max++) {
        o.max_record_bytes = max;
        doc d;
        read_on(t, strlen(t), &o, 0, &d);
        CHECK(d.n == 2 && d.r[1].msg && d.r[1].line == 2);
        CHECK(d.r[1].raw_n == max && memcmp(d.r[1].raw, t + 2, max) == 0);
        CHECK_MSG(d.r[1].msg && (strstr(d.r[1].msg, "past the limit of 12 bytes") != NULL) == (max == 12), "%s",
                  d.r[1].msg);
        doc_free(&d);
    }
}

static void test_at_end(void) {
    as_csv_reader *r = NULL;
    as_error err;
    as_csv_field *f;
    size_t nf;
    CHECK_OK(as__csv_open_mem("", 0, "e.csv", NULL, &r, &err), &err);
    CHECK(as__csv_at_end(r) == 1);
    as__csv_close(r);

    static const struct { const char *s; int after_a; } cases[] = {
        {"a\n", 1}, {"a", 1}, {"a\n\n\r\n\n", 1}, {"a\n\r", 1}, {"a\n\r\r\n", 0}, {"a\n \n", 0}, {"a\nb", 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        CHECK_OK(as__csv_open_mem(cases[k].s, strlen(cases[k].s), "e.csv", NULL, &r, &err), &err);
        CHECK(as__csv_at_end(r) == 0);
        CHECK(as__csv_next(r, &f, &nf, &err) == AS_OK);
        CHECK_MSG(as__csv_at_end(r) == cases[k].after_a, "case %zu", k);
        as_status st;
        while ((st = as__csv_next(r, &f, &nf, &err)) == AS_OK) {}
        CHECK(st == AS_ERR_NODATA);
        CHECK(as__csv_at_end(r) == 1);
        as__csv_close(r);
    }
}

/* The case from the field: a header, one good row, a 70 MB field, a 70 MB quoted field with line ends, then
 * 1,000 good rows, read from a file with the default options: only the two long records are lost. */
static void test_skip_70mb_fields(void) {
    size_t big = (size_t)70 << 20;
    size_t cap = 2 * big + 100000, n = 0;
    char *s = malloc(cap);
    put(s, &n, "id,text\n0,first\n1,");
    put_rep(s, &n, 'u', big);
    put(s, &n, "\n2,\"");
    int64_t quoted_lines = 1;
    for (size_t k = 0; k < big; k++) {
        char c = k % 100000 == 99999 ? '\n' : k % 1000 == 999 ? ',' : 'q';
        quoted_lines += c == '\n';
        s[n++] = c;
    }
    put(s, &n, "\",end\n");
    for (int k = 0; k < 1000; k++) n += (size_t)snprintf(s + n, cap - n, "%d,row %d\n", 3 + k, k);
    char path[128];
    snprintf(path, sizeof path, "%s/big70.csv", tmpdir);
    write_file(path, s, n);
    free(s);
    as_csv_reader *r = NULL;
    as_error err;
    CHECK_OK(as__csv_open(path, NULL, &r, &err), &err);
    if (!r) return;
    as_csv_field *f;
    size_t nf;
    as_status st;
    int64_t good = 0, bad = 0, last_line = 0;
    while ((st = as__csv_next(r, &f, &nf, &err)) != AS_ERR_NODATA) {
        if (st == AS_ERR_PARSE) {
            CHECK(as__csv_at_end(r) == 0);
            size_t rn;
            as__csv_raw(r, &rn);
            CHECK(rn == 4096);
            char want[160];
            snprintf(want, sizeof want, ":%lld: record of %zu bytes is longer than the limit of 67108864 bytes; it "
                     "was skipped", bad == 0 ? 3LL : 4LL, bad == 0 ? big + 2 : big + 8);
            CHECK_MSG(strstr(err.msg, want) != NULL, "%s", err.msg);
            bad++;
            continue;
        }
        if (st != AS_OK) { CHECK_MSG(0, "%s", err.msg); break; }
        good++;
        last_line = as__csv_line(r);
        CHECK(nf == 2);
    }
    CHECK(bad == 2);
    CHECK_MSG(good == 1002, "%lld records", (long long)good);
    CHECK(last_line == 4 + quoted_lines + 999);
    as__csv_close(r);
    unlink(path);
}

/* ---- refill and restart logic: compare with the whole-input reference parser (tests/fuzz/csv_reference.h) ---- */

typedef struct cmp_state {
    as_csv_reader *r;
    size_t max;             /* max_record_bytes given to the reader and the reference (0: the default, no limit) */
    int64_t records;
    int64_t skipped;        /* records over the limit */
    int mismatches;
} cmp_state;

static void cmp_cb(void *u, const char *out, const ref_field *rf, size_t nf, int64_t line, const char *raw,
                   size_t raw_n) {
    cmp_state *c = u;
    as_csv_field *f;
    size_t n;
    as_error err;
    as_status st = as__csv_next(c->r, &f, &n, &err);
    if (nf == 0) {                               /* over the limit: a recoverable error, then the next record */
        char want[160];
        snprintf(want, sizeof want, "%s:%lld: record of %zu bytes is longer than the limit of %zu bytes; it was "
                 "skipped", as__csv_name(c->r), (long long)line, raw_n, c->max);
        size_t keep = c->max < 4096 ? c->max : 4096, gn = 0;
        const char *g = as__csv_raw(c->r, &gn);
        int ok = st == AS_ERR_PARSE && strcmp(err.msg, want) == 0 && as__csv_line(c->r) == line && gn == keep &&
                 memcmp(g, raw, keep) == 0 && n == 0 && f == NULL;
        if (!ok && c->mismatches++ < 3)
            fprintf(stderr, "record %lld (line %lld, %zu bytes): expected \"%s\", got status %d \"%s\" (line %lld, "
                    "raw %zu bytes)\n", (long long)c->records, (long long)line, raw_n, want, (int)st,
                    st == AS_OK ? "" : err.msg, (long long)as__csv_line(c->r), gn);
        c->records++;
        c->skipped++;
        return;
    }
    int ok = st == AS_OK && n == nf && as__csv_line(c->r) == line;
    for (size_t j = 0; ok && j < n; j++)
        ok = f[j].n == rf[j].n && f[j].quoted == rf[j].quoted && memcmp(f[j].p, out + rf[j].start, f[j].n) == 0 &&
             f[j].p[f[j].n] == '\0';
    size_t gn = 0;
    const char *g = ok ? as__csv_raw(c->r, &gn) : NULL;
    ok = ok && gn == raw_n && memcmp(g, raw, raw_n) == 0;
    if (!ok && c->mismatches++ < 3)
        fprintf(stderr, "record %lld (line %lld): reader and reference differ (status %d, %zu vs %zu fields)\n",
                (long long)c->records, (long long)line, (int)st, n, nf);
    c->records++;
}

/* Checks the reader on s against the reference: same records (and the same records skipped as longer than
 * max, when max is not 0), then the same end (clean or unclosed quote). Returns the number of records. */
static int64_t compare_with_reference_max(as_csv_reader *r, const char *s, size_t n, char delim, size_t max,
                                          int64_t *skipped) {
    cmp_state c = {r, max, 0, 0, 0};
    size_t bad_start = 0;
    int64_t bad_line = ref_parse_max(s, n, delim, max, cmp_cb, &c, &bad_start);
    CHECK_MSG(c.mismatches == 0, "%d mismatches in %lld records", c.mismatches, (long long)c.records);
    if (skipped) *skipped = c.skipped;
    as_csv_field *f;
    size_t nf;
    as_error err;
    as_status st = as__csv_next(r, &f, &nf, &err);
    if (bad_line) {
        char want[64];
        snprintf(want, sizeof want, ":%lld: a quoted field", (long long)bad_line);
        CHECK_MSG(st == AS_ERR_PARSE && strstr(err.msg, want), "status %d, expected a parse error at %s", (int)st,
                  want);
        /* The whole rest of the input, up to the limit. */
        size_t want_n = n - bad_start, gn = 0;
        int over = max && want_n > max;
        if (over) want_n = max;
        const char *g = as__csv_raw(r, &gn);
        CHECK_MSG(gn == want_n && memcmp(g, s + bad_start, want_n) == 0, "raw of %zu bytes, expected %zu", gn,
                  want_n);
        CHECK_MSG(st != AS_ERR_PARSE || (strstr(err.msg, "past the limit") != NULL) == over, "%s", err.msg);
        CHECK(as__csv_line(r) == bad_line);
        CHECK(as__csv_at_end(r) == 1);
        CHECK(as__csv_next(r, &f, &nf, &err) == AS_ERR_NODATA);
    } else {
        CHECK_MSG(st == AS_ERR_NODATA, "status %d: %s", (int)st, st == AS_ERR_NODATA ? "" : err.msg);
    }
    CHECK(as__csv_at_end(r) == 1);
    return c.records;
}

static int64_t compare_with_reference(as_csv_reader *r, const char *s, size_t n, char delim) {
    return compare_with_reference_max(r, s, n, delim, 0, NULL);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(uint32_t n) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* Random CSV-ish text built from the bytes that matter; quoted fields are closed most of the time. With
 * long_per_mille, that many pieces in a thousand are a long run (up to long_max bytes) of plain text, or of
 * quoted text with newlines, delimiters and doubled quotes inside. */
static size_t random_csv_long(char *s, size_t cap, char delim, uint32_t long_per_mille, uint32_t long_max) {
    static const char plain[] = "abcXYZ 019.-\xC3\xA9";
    size_t i = 0;
    while (i + 16 < cap) {
        if (long_per_mille && rnd(1000) < long_per_mille) {
            size_t len = rnd(long_max) + 1;
            int quoted = rnd(2);
            if (quoted) s[i++] = '"';
            for (size_t j = 0; j < len && i + 8 < cap; j++) {
                uint32_t c = rnd(40);
                if (quoted && c == 0) { s[i++] = '"'; s[i++] = '"'; }
                else if (quoted && c == 1) s[i++] = '\n';
                else if (quoted && c == 2) s[i++] = delim;
                else if (c == 3) s[i++] = '\r';
                else s[i++] = plain[rnd(sizeof plain - 1)];
            }
            if (quoted && rnd(20)) s[i++] = '"';
            continue;
        }
        uint32_t k = rnd(100);
        if (k < 40) s[i++] = plain[rnd(sizeof plain - 1)];
        else if (k < 55) s[i++] = delim;
        else if (k < 65) s[i++] = '\n';
        else if (k < 70) { s[i++] = '\r'; s[i++] = '\n'; }
        else if (k < 73) s[i++] = '\r';
        else if (k < 76) s[i++] = '"';
        else if (k < 78) { s[i++] = '\xEF'; s[i++] = '\xBB'; s[i++] = '\xBF'; }
        else {                                   /* a quoted field with the awkward bytes inside */
            s[i++] = '"';
            uint32_t len = rnd(12);
            for (uint32_t j = 0; j < len && i + 8 < cap; j++) {
                uint32_t c = rnd(10);
                if (c < 2) { s[i++] = '"'; s[i++] = '"'; }
                else if (c < 4) s[i++] = '\n';
                else if (c < 5) s[i++] = delim;
                else if (c < 6) s[i++] = '\r';
                else s[i++] = plain[rnd(sizeof plain - 1)];
            }
            if (rnd(50)) s[i++] = '"';
        }
    }
    return i;
}

static size_t random_csv(char *s, size_t cap, char delim) { return random_csv_long(s, cap, delim, 0, 0); }

static void test_against_reference(void) {
    char *s = malloc(8192);
    int64_t total = 0;
    for (int round = 0; round < 3000; round++) {
        char delim = round % 3 == 0 ? ';' : ',';
        size_t n = random_csv(s, 20 + rnd(6000), delim);
        if (round % 7 == 0 && n >= 3) memcpy(s, "\xEF\xBB\xBF", 3);
        as_csv_options o = as__csv_options_default();
        o.delimiter = delim;
        as_csv_reader *r = NULL;
        as_error err;
        CHECK_OK(as__csv_open_mem(s, n, "rand.csv", &o, &r, &err), &err);
        if (!r) continue;
        int before = t_failures;
        total += compare_with_reference(r, s, n, delim);
        as__csv_close(r);
        if (t_failures != before) { fprintf(stderr, "round %d failed\n", round); break; }
    }
    CHECK_MSG(total > 100000, "%lld records", (long long)total);
    free(s);
}

/* The same with a small max_record_bytes and some long fields: records over the limit are skipped and reported,
 * the others read as usual. Limits below the memory reader's 256-byte buffer, and above it (the buffer grows to
 * the limit, and the rest of a long record is streamed through). */
static void test_against_reference_max(void) {
    size_t cap = 64000;
    char *s = malloc(cap);
    int64_t total = 0, skipped = 0;
    for (int round = 0; round < 1500; round++) {
        char delim = round % 3 == 0 ? ';' : ',';
        size_t max = round % 2 ? 1 + rnd(80) : 200 + rnd(900);
        size_t n = random_csv_long(s, 20 + rnd(round % 10 ? 6000 : (uint32_t)cap - 20), delim, 30,
                                   (uint32_t)(round % 2 ? 200 : 3000));
        if (round % 7 == 0 && n >= 3) memcpy(s, "\xEF\xBB\xBF", 3);
        as_csv_options o = as__csv_options_default();
        o.delimiter = delim;
        o.max_record_bytes = max;
        as_csv_reader *r = NULL;
        as_error err;
        CHECK_OK(as__csv_open_mem(s, n, "rand.csv", &o, &r, &err), &err);
        if (!r) continue;
        int before = t_failures;
        int64_t sk = 0;
        total += compare_with_reference_max(r, s, n, delim, max, &sk);
        skipped += sk;
        as__csv_close(r);
        if (t_failures != before) { fprintf(stderr, "round %d failed (max %zu)\n", round, max); break; }
    }
    CHECK_MSG(total > 50000 && skipped > 5000, "%lld records, %lld skipped", (long long)total, (long long)skipped);
    free(s);
}

/* ---- files: plain and gzip, larger than the 1 MiB file buffer ---- */

static void make_tmpdir(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/as_test_csv.XXXXXX");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); exit(2); }
}

static void write_file(const char *path, const char *s, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(s, 1, n, f) != n) { perror(path); exit(2); }
    fclose(f);
}

static void write_gz(const char *path, const char *s, size_t n) {
    gzFile g = gzopen(path, "wb6");
    if (!g) { perror(path); exit(2); }
    size_t off = 0;
    while (off < n) {
        unsigned chunk = n - off > (1u << 20) ? 1u << 20 : (unsigned)(n - off);
        if (gzwrite(g, s + off, chunk) != (int)chunk) { fprintf(stderr, "gzwrite failed\n"); exit(2); }
        off += chunk;
    }
    gzclose(g);
}

/* About 3.5 MB: the random text, some long quoted fields, one quoted field of 1.5 MB (larger than the buffer). */
static char *big_csv(size_t *n_out) {
    size_t cap = 4u << 20, n = 0;
    char *s = malloc(cap);
    n += (size_t)snprintf(s, cap, "id,text\n");
    for (int k = 0; k < 20000; k++)
        n += (size_t)snprintf(s + n, cap - n, "%d,\"row %d, \"\"quoted\"\"\nok\"\r\n", k, k);
    n += random_csv(s + n, 300000, ',');
    s[n++] = '\n';
    s[n++] = 'x';
    s[n++] = ',';
    s[n++] = '"';
    for (size_t k = 0; k < 1500000; k++) s[n++] = k % 1000 == 999 ? '\n' : (char)('a' + k % 26);
    s[n++] = '"';
    s[n++] = '\n';
    for (int k = 0; k < 30000 && n + 64 < cap; k++) n += (size_t)snprintf(s + n, cap - n, "%d,plain %d\n", k, k);
    *n_out = n;
    return s;
}

static void test_files(void) {
    size_t n;
    char *s = big_csv(&n);
    char plain[128], gz[128];
    snprintf(plain, sizeof plain, "%s/big.csv", tmpdir);
    snprintf(gz, sizeof gz, "%s/big.csv.gz", tmpdir);
    write_file(plain, s, n);
    write_gz(gz, s, n);
    const char *paths[2] = {plain, gz};
    for (int k = 0; k < 2; k++) {
        as_csv_reader *r = NULL;
        as_error err;
        CHECK_OK(as__csv_open(paths[k], NULL, &r, &err), &err);
        if (!r) continue;
        CHECK_STR(as__csv_name(r), paths[k]);
        CHECK(as__csv_bytes_total(r) > 0);
        int64_t nrec = compare_with_reference(r, s, n, ',');
        CHECK_MSG(nrec > 20000, "%lld records", (long long)nrec);
        CHECK(as__csv_bytes_read(r) == as__csv_bytes_total(r));
        as__csv_close(r);

        /* With a limit of 100 kB, the 1.5 MB field is skipped (followed past the buffer through zlib) and the
         * records after it are read as usual. */
        as_csv_options o = as__csv_options_default();
        o.max_record_bytes = 100000;
        CHECK_OK(as__csv_open(paths[k], &o, &r, &err), &err);
        if (!r) continue;
        int64_t skipped = 0;
        nrec = compare_with_reference_max(r, s, n, ',', o.max_record_bytes, &skipped);
        CHECK_MSG(nrec > 50000 && skipped == 1, "%lld records, %lld skipped", (long long)nrec, (long long)skipped);
        CHECK(as__csv_bytes_read(r) == as__csv_bytes_total(r));
        as__csv_close(r);
    }
    free(s);

    /* A small gzip file, named without .gz: detected by its magic bytes. */
    char gz2[128];
    snprintf(gz2, sizeof gz2, "%s/small.csv", tmpdir);
    const char *txt = "\xEF\xBB\xBFid,comment\r\n1,\"line one\r\nline two\"\r\n2,ok\r\n";
    write_gz(gz2, txt, strlen(txt));
    as_csv_reader *r = NULL;
    as_error err;
    CHECK_OK(as__csv_open(gz2, NULL, &r, &err), &err);
    if (r) {
        doc d;
        read_all(r, &d);
        CHECK(d.n == 3);
        CHECK_STR(d.r[0].f[0], "id");
        CHECK_STR(d.r[1].f[1], "line one\r\nline two");
        CHECK(d.r[2].line == 4);
        CHECK_STR(d.r[2].f[1], "ok");
        doc_free(&d);
        as__csv_close(r);
    }

    /* A damaged gzip file is an I/O error, not garbage records. */
    char bad[128];
    snprintf(bad, sizeof bad, "%s/bad.csv.gz", tmpdir);
    {
        size_t bn;
        char *b = big_csv(&bn);
        write_gz(bad, b, bn);
        free(b);
        FILE *f = fopen(bad, "r+b");
        fseek(f, 20000, SEEK_SET);
        fputs("garbage garbage garbage", f);
        fclose(f);
        CHECK_OK(as__csv_open(bad, NULL, &r, &err), &err);
        as_status st = AS_OK;
        as_csv_field *fl;
        size_t nf;
        while (r && (st = as__csv_next(r, &fl, &nf, &err)) == AS_OK) {}
        CHECK_MSG(st == AS_ERR_IO, "status %d", (int)st);
        as__csv_close(r);
    }

    /* A truncated gzip file (an interrupted download) is an I/O error too, not a shorter file. */
    {
        FILE *f = fopen(gz2, "rb");
        char b[4096];
        size_t bn = fread(b, 1, sizeof b, f);
        fclose(f);
        write_file(bad, b, bn - 12);
        CHECK_OK(as__csv_open(bad, NULL, &r, &err), &err);
        as_status st = AS_OK;
        as_csv_field *fl;
        size_t nf;
        while (r && (st = as__csv_next(r, &fl, &nf, &err)) == AS_OK) {}
        CHECK_MSG(st == AS_ERR_IO &&
                      strstr(err.msg, "bad.csv.gz: the gzip data is damaged or truncated (unexpected end of file)"),
                  "status %d: %s", (int)st, err.msg);
        as__csv_close(r);
    }

    CHECK(as__csv_open("/nonexistent/x.csv", NULL, &r, &err) == AS_ERR_IO);
    CHECK(r == NULL);
    CHECK_MSG(strstr(err.msg, "/nonexistent/x.csv") != NULL, "%s", err.msg);
    CHECK(as__csv_open(tmpdir, NULL, &r, &err) == AS_ERR_IO);
    CHECK(r == NULL);

    unlink(plain);
    unlink(gz);
    unlink(gz2);
    unlink(bad);
}

static void test_progress_counters(void) {
    const char *s = "a,b\n1,2\n";
    as_csv_reader *r = NULL;
    as_error err;
    CHECK_OK(as__csv_open_mem(s, strlen(s), NULL, NULL, &r, &err), &err);
    CHECK_STR(as__csv_name(r), "<memory>");
    CHECK(as__csv_bytes_total(r) == 8);
    size_t rn = 99;
    as__csv_raw(r, &rn);
    CHECK(rn == 0);                            /* nothing read yet */
    as_csv_field *f;
    size_t nf;
    while (as__csv_next(r, &f, &nf, &err) == AS_OK) {}
    CHECK(as__csv_bytes_read(r) == 8);
    as__csv_close(r);
    as__csv_close(NULL);
}

/* ---- allocation failures ---- */

static void test_alloc_failures(void) {
    const char *s = "id,comment\n1,\"line one\nline two\"\n2,ok\n3,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u\n";
    int nomem = 0;
    for (long k = 1; k <= 40; k++) {
        as__alloc_fail_after(k);
        as_csv_reader *r = NULL;
        as_error err;
        as_status st = as__csv_open_mem(s, strlen(s), "m.csv", NULL, &r, &err);
        if (st == AS_OK) {
            as_csv_field *f;
            size_t nf;
            while ((st = as__csv_next(r, &f, &nf, &err)) == AS_OK) {}
            if (st == AS_ERR_NODATA) st = AS_OK;
            as__csv_close(r);
        }
        CHECK_MSG(st == AS_OK || st == AS_ERR_NOMEM, "k=%ld status %d", k, (int)st);
        if (st == AS_ERR_NOMEM) nomem++;
    }
    as__alloc_fail_after(0);
    CHECK(nomem > 0);
}

/* as__csv_read_raw hands over exactly the bytes after the records as__csv_next returned, from memory, a plain file
 * and a gzip file (read ahead into the reader's buffer or not), in pieces of any size. */
static void test_read_raw(void) {
    size_t n;
    char *s = big_csv(&n);
    char plain[128], gz[128];
    snprintf(plain, sizeof plain, "%s/raw.csv", tmpdir);
    snprintf(gz, sizeof gz, "%s/raw.csv.gz", tmpdir);
    write_file(plain, s, n);
    write_gz(gz, s, n);
    static const size_t rooms[] = {1, 7, 4096, 1u << 20, 8u << 20};
    for (int src = 0; src < 3; src++)
        for (size_t ri = 0; ri < sizeof rooms / sizeof *rooms; ri++) {
            as_csv_reader *r = NULL;
            as_error err;
            as_status st = src == 0 ? as__csv_open_mem(s, n, "m.csv", NULL, &r, &err)
                                    : as__csv_open(src == 1 ? plain : gz, NULL, &r, &err);
            CHECK_OK(st, &err);
            if (!r) continue;
            as_csv_field *f;
            size_t nf;
            CHECK(as__csv_next(r, &f, &nf, &err) == AS_OK && nf == 2);   /* the header, "id,text" */
            size_t room = rooms[ri], at = 8, got = 1;
            char *buf = malloc(room);
            int same = 1;
            while (same && got) {
                CHECK_OK(as__csv_read_raw(r, buf, room, &got, &err), &err);
                same = at + got <= n && memcmp(buf, s + at, got) == 0;
                at += got;
            }
            CHECK_MSG(same && at == n, "source %d, room %zu: %zu of %zu bytes handed over", src, room, at, n);
            CHECK_OK(as__csv_read_raw(r, buf, room, &got, &err), &err);
            CHECK(got == 0);
            free(buf);
            as__csv_close(r);
        }
    unlink(plain);
    unlink(gz);
    free(s);
}

int main(void) {
    make_tmpdir();
    RUN(test_newline_in_quotes);
    RUN(test_doubled_quotes);
    RUN(test_bom);
    RUN(test_crlf);
    RUN(test_empty_lines_and_last_record);
    RUN(test_empty_quoted_and_lenient);
    RUN(test_delimiter);
    RUN(test_ragged);
    RUN(test_unterminated_quote);
    RUN(test_max_record);
    RUN(test_skip_long_records);
    RUN(test_skip_long_last_record);
    RUN(test_skip_then_unclosed_quote);
    RUN(test_at_end);
    RUN(test_skip_70mb_fields);
    RUN(test_against_reference);
    RUN(test_against_reference_max);
    RUN(test_files);
    RUN(test_read_raw);
    RUN(test_progress_counters);
    RUN(test_alloc_failures);
    rmdir(tmpdir);
    return test_report("csv");
}
