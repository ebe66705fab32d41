/* Throughput of the CSV reader and of the typed table on one file.
 *
 *   bench_csv FILE [REPEATS]
 *
 * Prints, for the streaming reader (best of REPEATS runs, default 3) and for as__table_read_csv (one run):
 * records, seconds, records/s, and MB/s over the file's bytes on disk and over the text (uncompressed) bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "io/csv.h"
#include "table/table.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct pass {
    long long records, fields;
    double text_bytes, file_bytes, seconds;
} pass;

static int read_pass(const char *path, pass *p) {
    as_error err;
    as_csv_reader *r = NULL;
    double t0 = now();
    if (as__csv_open(path, NULL, &r, &err) != AS_OK) { fprintf(stderr, "%s\n", err.msg); return 1; }
    as_csv_field *f;
    size_t nf, raw_n;
    as_status st;
    p->records = p->fields = 0;
    p->text_bytes = 0;
    while ((st = as__csv_next(r, &f, &nf, &err)) == AS_OK) {
        p->records++;
        p->fields += (long long)nf;
        as__csv_raw(r, &raw_n);
        p->text_bytes += (double)raw_n + 1;   /* + the line end (CRs and empty lines are not counted) */
    }
    p->seconds = now() - t0;
    p->file_bytes = (double)as__csv_bytes_total(r);
    as__csv_close(r);
    if (st != AS_ERR_NODATA) { fprintf(stderr, "%s\n", err.msg); return 1; }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [REPEATS]\n", argv[0]);
        return 2;
    }
    int repeats = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
    if (repeats < 1) repeats = 1;
    pass best = {0, 0, 0, 0, 1e300};
    for (int k = 0; k < repeats; k++) {
        pass p;
        if (read_pass(argv[1], &p)) return 1;
        if (p.seconds < best.seconds) best = p;
    }
    printf("csv reader : %lld records, %lld fields, %.3f s, %.0f records/s, %.1f MB/s of file, %.1f MB/s of text\n",
           best.records, best.fields, best.seconds, (double)best.records / best.seconds,
           best.file_bytes / best.seconds / 1e6, best.text_bytes / best.seconds / 1e6);

    as_error err;
    as_table *t = NULL;
    double t0 = now();
    if (as__table_read_csv(argv[1], NULL, &t, &err) != AS_OK) { fprintf(stderr, "%s\n", err.msg); return 1; }
    double s = now() - t0;
    printf("table      : %zu rows x %zu columns, %.3f s, %.0f rows/s, %.1f MB/s of text\n", t->nrows, t->ncols, s,
           (double)t->nrows / s, best.text_bytes / s / 1e6);
    for (size_t j = 0; j < t->ncols; j++)
        printf("  %-24s %-6s %zu missing\n", t->cols[j].name, as__col_type_name(t->cols[j].type), t->cols[j].n_missing);
    as__table_free(t);
    return 0;
}
