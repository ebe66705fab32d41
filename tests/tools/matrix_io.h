/* matrix_io — what the test tools (tests/tools/) and bench/bench_solvers.c share: clocks, the splitmix64
 * generator their synthetic problems draw from, and the reader of numeric CSV files into a row-major matrix.
 * Header-only (static inline, so a tool that uses only part of it compiles without unused-function warnings).
 * The reader reports failures by code and position; each tool words its own message and exits. Not library
 * code: plain malloc. */
#ifndef AS_TESTS_MATRIX_IO_H
#define AS_TESTS_MATRIX_IO_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>

/* ---- clocks ---- */

/* Wall-clock seconds (monotonic). */
static inline double mio_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds of the whole process. */
static inline double mio_cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- random numbers ---- */

/* splitmix64 → (0, 1), advancing *state. */
static inline double mio_uniform(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

/* Standard normal by Box–Muller from two uniforms of *state. */
static inline double mio_normal(uint64_t *state) {
    return sqrt(-2 * log(mio_uniform(state))) * cos(6.283185307179586 * mio_uniform(state));
}

/* ---- numeric CSV ---- */

typedef enum mio_status {
    MIO_OK = 0,
    MIO_ERR_OPEN,          /* fopen failed (errno is left as it set it) */
    MIO_ERR_NOMEM,
    MIO_ERR_NOT_NUMERIC,   /* a line other than the first is not all numbers */
    MIO_ERR_RAGGED         /* a row's field count differs from the first row's */
} mio_status;

/* Where a read failed: rows = data rows read before the failing line, fields = that line's count of fields
 * (MIO_ERR_RAGGED), cols = the first row's count. */
typedef struct mio_error {
    size_t rows, fields, cols;
} mio_error;

/* Line endings the reader strips before parsing a line. */
enum {
    MIO_EOL_ALL = 0,   /* every trailing '\n' and '\r' */
    MIO_EOL_ONCE = 1   /* one '\n', then one '\r' */
};

/* Reads a numeric CSV (comma-separated numbers; blank lines skipped; a first line that is not numeric is a
 * header and skipped) into a row-major matrix *out (malloc'd, free it) of *rows × *cols. On failure *out is
 * NULL and *e says where. */
static inline mio_status mio_read_csv(const char *path, int eol, double **out, size_t *rows, size_t *cols,
                                      mio_error *e) {
    *out = NULL;
    *rows = *cols = 0;
    e->rows = e->fields = e->cols = 0;
    FILE *f = fopen(path, "r");
    if (!f) return MIO_ERR_OPEN;
    size_t cap = 1 << 16, len = 0, ncol = 0, nrow = 0;
    double *data = malloc(cap * sizeof *data);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    int first = 1;
    mio_status st = data ? MIO_OK : MIO_ERR_NOMEM;
    while (st == MIO_OK && (got = getline(&line, &lcap, f)) != -1) {
        if (eol == MIO_EOL_ONCE) {
            if (got > 0 && line[got - 1] == '\n') line[--got] = '\0';
            if (got > 0 && line[got - 1] == '\r') line[--got] = '\0';
        } else {
            while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = '\0';
        }
        if (got == 0) continue;
        size_t c = 0, start = len;
        int numeric = 1;
        for (char *s = line;;) {
            char *end;
            double v = strtod(s, &end);
            if (end == s || (*end != ',' && *end != '\0')) {
                numeric = 0;
                break;
            }
            if (len == cap) {
                double *grown = realloc(data, 2 * cap * sizeof *data);
                if (!grown) {
                    st = MIO_ERR_NOMEM;
                    break;
                }
                data = grown;
                cap *= 2;
            }
            data[len++] = v;
            c++;
            if (*end == '\0') break;
            s = end + 1;
        }
        if (st != MIO_OK) break;
        if (!numeric) {
            if (!first) {
                st = MIO_ERR_NOT_NUMERIC;
                break;
            }
            len = start;   /* the header line */
            first = 0;
            continue;
        }
        first = 0;
        if (!ncol) ncol = c;
        if (c != ncol) {
            e->fields = c;
            st = MIO_ERR_RAGGED;
            break;
        }
        nrow++;
    }
    free(line);
    fclose(f);
    e->rows = nrow, e->cols = ncol;
    if (st != MIO_OK) {
        free(data);
        return st;
    }
    *out = data;
    *rows = nrow;
    *cols = ncol;
    return MIO_OK;
}

#endif
