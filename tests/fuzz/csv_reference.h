/* A reference CSV parser for differential testing of src/io/csv.c (used by tests/unit/test_csv.c and
 * tests/fuzz/fuzz_csv.c). It applies the reader's rules (csv.h) in one plain loop over the whole input, with
 * no buffering, no fast path and no restarts, so a disagreement points at the reader's buffer handling. */
#ifndef AS_CSV_REFERENCE_H
#define AS_CSV_REFERENCE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct ref_field {
    size_t start, n;      /* into the output buffer passed to the callback */
    int quoted;
} ref_field;

/* Called for each record: field contents (NUL-terminated in `out`), the record's first line, its raw bytes.
 * With a max_record (ref_parse_max), a record longer than that comes with nf == 0 (a real record has at least
 * one field) and its whole raw bytes: the reader reports it as a recoverable error and goes on. */
typedef void (*ref_cb)(void *u, const char *out, const ref_field *f, size_t nf, int64_t line, const char *raw,
                       size_t raw_n);

/* Returns 0 after a clean end, or the first line of the record whose quoted field is never closed (the records
 * before it have been passed to cb; *bad_start, when not NULL, is set to the offset where it starts), or -1 when
 * out of memory. max_record == 0: no limit. */
static inline int64_t ref_parse_max(const char *s, size_t n, char delim, size_t max_record, ref_cb cb, void *u,
                                    size_t *bad_start) {
    size_t i = 0;
    int64_t line = 1;
    char *out = malloc(n + 1);
    ref_field *fl = malloc((n + 1) * sizeof *fl);
    if (!out || !fl) { free(out); free(fl); return -1; }
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) i = 3;
    while (i < n) {
        size_t rs = i, o = 0, nf = 0;
        int64_t rline = line;
        for (;;) {
            ref_field *f = &fl[nf++];
            f->start = o;
            f->quoted = 0;
            if (i < n && s[i] == '"') {
                f->quoted = 1;
                i++;
                for (;;) {
                    if (i >= n) {
                        if (bad_start) *bad_start = rs;
                        free(out);
                        free(fl);
                        return rline;
                    }
                    if (s[i] == '"') {
                        if (i + 1 < n && s[i + 1] == '"') { out[o++] = '"'; i += 2; continue; }
                        i++;
                        break;
                    }
                    if (s[i] == '\n') line++;
                    out[o++] = s[i++];
                }
            }
            size_t us = o;
            while (i < n && s[i] != delim && s[i] != '\n') out[o++] = s[i++];
            int last = i >= n || s[i] == '\n';
            if (last && o > us && out[o - 1] == '\r') o--;    /* the CR of a CRLF line end */
            f->n = o - f->start;
            out[o++] = '\0';
            if (last) break;
            i++;
        }
        size_t raw_n = i - rs;
        if (raw_n && s[i - 1] == '\r') raw_n--;
        if (i < n) { i++; line++; }
        if (max_record && raw_n > max_record) nf = 0;          /* skipped by the reader */
        if (raw_n) cb(u, out, fl, nf, rline, s + rs, raw_n);   /* an empty line is skipped */
    }
    free(out);
    free(fl);
    return 0;
}

/* Without a limit on the record size. */
static inline int64_t ref_parse(const char *s, size_t n, char delim, ref_cb cb, void *u) {
    return ref_parse_max(s, n, delim, 0, cb, u, NULL);
}

#endif
