/* Throughput of the CSV reader and of the typed table on one file.
 *
 *   bench_csv FILE [REPEATS]
 *
 * Prints: the streaming reader, best of REPEATS runs (default 3: records, seconds, records/s, MB/s over the
 * file's bytes on disk and over the text); the table as `train --csv` reads it (default options, best of REPEATS
 * as well, as pandas is timed; the line bench/run.sh reads); then, best of REPEATS, the table by the record reader (one thread, the reference)
 * and by the block reader with 1, 2 … up to the cores' threads, with CPU seconds beside wall seconds; and the
 * columns' types. The block reader's table is compared with the record reader's, cell by cell, and a difference is an
 * error (exit status 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/csv.h"
#include "table/table.h"
#include "../tests/fuzz/table_compare.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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

/* Best of `repeats` table reads; keeps the last table in *keep when keep is not NULL. */
static int table_pass(const char *path, const as_table_options *o, int repeats, double *wall, double *cpu,
                      as_table **keep) {
    *wall = *cpu = 1e300;
    for (int k = 0; k < repeats; k++) {
        as_error err;
        as_table *t = NULL;
        double c0 = cpu_now(), t0 = now();
        if (as__table_read_csv(path, o, &t, &err) != AS_OK) { fprintf(stderr, "%s\n", err.msg); return 1; }
        double w = now() - t0, c = cpu_now() - c0;
        if (w < *wall) *wall = w;
        if (c < *cpu) *cpu = c;
        if (keep && k + 1 == repeats) *keep = t;
        else as__table_free(t);
    }
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
    printf("csv reader    : %lld records, %lld fields, %.3f s, %.0f records/s, %.1f MB/s of file, %.1f MB/s of text\n",
           best.records, best.fields, best.seconds, (double)best.records / best.seconds,
           best.file_bytes / best.seconds / 1e6, best.text_bytes / best.seconds / 1e6);

    /* the table as `train --csv` reads it (default options), best of `repeats` like pandas.read_csv in
     * bench/run.sh (a single run also paid for the first touch of every page of the table): the line run.sh reads */
    as_table_options o = as__table_options_default();
    as_table *ref = NULL;
    double wall, cpu;
    if (table_pass(argv[1], &o, repeats, &wall, &cpu, &ref)) return 1;
    printf("table         : %zu rows x %zu columns, %.3f s, %.0f rows/s, %.1f MB/s of text\n", ref->nrows, ref->ncols,
           wall, (double)ref->nrows / wall, best.text_bytes / wall / 1e6);
    as__table_free(ref);
    ref = NULL;
    o.record_reader = 1;
    if (table_pass(argv[1], &o, repeats, &wall, &cpu, &ref)) return 1;
    printf("record reader : %zu rows x %zu columns, %.3f s (%.3f s CPU), %.1f MB/s of text\n", ref->nrows, ref->ncols,
           wall, cpu, best.text_bytes / wall / 1e6);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int status = 0;
    for (int threads = 1; threads <= (cores > 1 ? (int)cores : 1) && threads <= 8; threads++) {
        o = as__table_options_default();
        o.threads = threads;
        as_table *t = NULL;
        if (table_pass(argv[1], &o, repeats, &wall, &cpu, &t)) return 1;
        char why[512];
        int same = table_diff(ref, t, why, sizeof why) == 0;
        printf("block reader  : %d thread%s, %.3f s (%.3f s CPU), %.1f MB/s of text, %s\n", threads,
               threads > 1 ? "s" : " ", wall, cpu, best.text_bytes / wall / 1e6,
               same ? "same table" : "DIFFERENT TABLE");
        if (!same) { fprintf(stderr, "block reader, %d threads: %s\n", threads, why); status = 1; }
        as__table_free(t);
    }
    for (size_t j = 0; j < ref->ncols; j++)
        printf("  %-24s %-6s %zu missing\n", ref->cols[j].name, as__col_type_name(ref->cols[j].type), ref->cols[j].n_missing);
    as__table_free(ref);
    return status;
}
