/*
 * table — a typed, columnar in-memory table read from a CSV file.
 *
 * Types are inferred over the whole column, never from a first chunk: a column is INT when every
 * non-missing value is an integer without a leading zero, DOUBLE when every one is a decimal number, TIME when
 * every one is a timestamp (see as_time_parse), TEXT otherwise. An identifier with a leading zero ("02116")
 * makes the column TEXT so the code is kept as written. The empty field is missing, and so are the caller's
 * missing-value tokens. pandas' default tokens (NA, N/A, NaN, null, NULL, #N/A, …) are missing only in a column
 * whose other values are numbers or timestamps — there they can only be holes — while in a text column they
 * stay values ("NA" is Namibia's country code). A column of True/False values (any of pandas' spellings, holes
 * allowed) becomes INT 1/0, as pandas reads it as bool.
 */
#ifndef AS_TABLE_H
#define AS_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "io/csv.h"

typedef enum as_col_type { AS_COL_INT = 0, AS_COL_DOUBLE, AS_COL_TIME, AS_COL_TEXT } as_col_type;

typedef struct as_column {
    char *name;
    as_col_type type;
    double *num;          /* INT, DOUBLE, TIME (seconds): value per row; NaN where missing. NULL for TEXT */
    const char **text;    /* TEXT: NUL-terminated value per row (in the table's arena); NULL where missing */
    size_t n_missing;
    size_t n_soft_missing;  /* of n_missing: pandas' default missing-value tokens in a numeric/time column */
    int from_bool;          /* INT column read from True/False text */
} as_column;

typedef struct as_table {
    size_t nrows, ncols;
    as_column *cols;
    as_arena arena;       /* owns the text values */
} as_table;

typedef struct as_table_options {
    as_csv_options csv;
    const char *const *na_tokens;  /* extra missing-value tokens; may be NULL */
    size_t n_na_tokens;
    /* How the input is read; the table is the same every way (tests/fuzz/fuzz_table_blocks.c checks it). */
    int threads;                   /* 0: one per core (at most 8) when the input is large enough; N: N at most */
    size_t block_bytes;            /* bytes read and parsed at a time (0: 2 MiB per thread); tests make it tiny */
    int record_reader;             /* 1: record by record on one thread, the reference (pipes always are) */
} as_table_options;

as_table_options as__table_options_default(void);

/* Reads a whole CSV file with a header row. A record whose field count differs from the header's is an
 * error naming the file and line (this reader is strict; ingest is the lenient path with rejects).
 * On success *out owns the table; release with as__table_free. Text values are stored once per distinct
 * value when the block reader reads them (rows with equal text may share one pointer; treat them as const).
 * Regular files and memory are read in blocks parsed by all cores; other input (a pipe) record by record. */
as_status as__table_read_csv(const char *path, const as_table_options *opt, as_table **out, as_error *err);
/* Same from memory (tests). */
as_status as__table_read_mem(const char *data, size_t n, const char *name, const as_table_options *opt,
                             as_table **out, as_error *err);
/* Threads for reading and the CSV flow's row-parallel steps: AS_THREADS (1 … 64) when set — the variable the
 * solvers' thread pool reads too — else the online processors. */
int as__table_threads(void);
/* Index of the column named `name`, or -1. */
int as__table_find(const as_table *t, const char *name);
void as__table_free(as_table *t);
const char *as__col_type_name(as_col_type t);

#endif
