/*
 * table — what the two readers share (private to src/table).
 *
 * table.c holds the record reader: one record at a time from the streaming CSV reader, the reference for
 * every rule, and the path for input that cannot be read twice (a pipe). table_par.c holds the block reader,
 * the default for files and memory: blocks of a few MB split into pieces that the cores parse at once and
 * merge in order. The block reader gives the record reader's table, bit for bit; on anything it does not
 * handle itself (an error in the input, a record longer than its limit, an I/O error) it steps aside and the
 * record reader reads the input again from the start, so every message comes from one place.
 */
#ifndef AS_TABLE_INTERNAL_H
#define AS_TABLE_INTERNAL_H

#include "table/table.h"

#define AS_TABLE_ARENA_BLOCK ((size_t)1 << 18)

/* Where a table comes from: a file (path) or borrowed memory (data, n, name). */
typedef struct as_table_src {
    const char *path;
    const char *data;
    size_t n;
    const char *name;
    int64_t size;              /* bytes of the input on disk (0 = unknown) */
} as_table_src;

as_status as__table_src_open(const as_table_src *src, const as_table_options *o, as_csv_reader **rd, as_error *err);

/* The type rules (table.h), value by value. */
int as__table_leading_zero(const char *s, size_t n);
int as__table_pandas_na(const char *s, size_t n);
int as__table_bool_token(const char *s);
int as__table_user_na(const char *s, size_t n, const as_table_options *o);

/* Reads the header record and makes the table with its named, empty columns (AS_ERR_NODATA for an empty
 * input, with the message). */
as_status as__table_header(as_csv_reader *rd, as_table **out, as_error *err);

/* The block reader. Returns AS_OK with *out, or an error (out of memory, or what opening the input or reading
 * its header reported); *step_aside = 1 instead when the record reader must read the input (nothing is set). */
as_status as__table_read_blocks(const as_table_src *src, const as_table_options *o, as_table **out, int *step_aside,
                                as_error *err);

#endif
