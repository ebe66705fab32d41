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

/* Called for each record: field contents (NUL-terminated in `out`), the record's first line, its raw bytes. */
typedef void (*ref_cb)(void *u, const char *out, const ref_field *f, size_t nf, int64_t line, const char *raw,
                       size_t raw_n);

/* Returns 0 after a clean end, or the first line of the record whose quoted field is never closed (the records
 * before it have been passed to cb), or -1 when out of memory. */
static inline int64_t ref_parse(const char *s, size_t n, char delim, ref_cb cb, void *u) {
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
                    if (i >= n) { free(out); free(fl); return rline; }
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
        if (raw_n) cb(u, out, fl, nf, rline, s + rs, raw_n);   /* an empty line is skipped */
    }
    free(out);
    free(fl);
    return 0;
}

#endif
