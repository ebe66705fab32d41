/*
 * io/csv — a streaming RFC 4180 reader.
 *
 * Quoted fields, doubled quotes inside quotes, newlines inside quotes, CRLF and LF line ends, a UTF-8
 * byte-order mark at the start is dropped, gzip input (detected by its magic bytes, not the file name) is
 * read transparently through zlib. Memory is bounded by the longest record (capped by max_record_bytes),
 * never by the file. Lenient where RFC 4180 is silent and data in the wild needs it: a quote inside an
 * unquoted field is kept literally; text after a closing quote is appended to the field.
 */
#ifndef AS_IO_CSV_H
#define AS_IO_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

typedef struct as_csv_options {
    char delimiter;            /* ',' by default */
    size_t max_record_bytes;   /* a record longer than this is an error (runaway quote); default 64 MiB */
} as_csv_options;

as_csv_options as__csv_options_default(void);

/* One field of the current record: its content with the enclosing quotes removed and "" turned into ".
 * Points into the reader's buffer; valid until the next call to as__csv_next. Not NUL-terminated
 * (p[n] is '\0' all the same, so C string functions work on it). */
typedef struct as_csv_field {
    const char *p;
    size_t n;
    int quoted;                /* the field was written in quotes (a quoted empty field is still empty) */
} as_csv_field;

typedef struct as_csv_reader as_csv_reader;

/* Opens a file (plain or gzip); error messages name it by `path`. */
as_status as__csv_open(const char *path, const as_csv_options *opt, as_csv_reader **out, as_error *err);
/* Reads from memory (tests, fuzzing). The bytes are borrowed and must outlive the reader. */
as_status as__csv_open_mem(const char *data, size_t n, const char *name, const as_csv_options *opt,
                           as_csv_reader **out, as_error *err);

/* Reads the next record. Returns AS_OK and sets *fields / *nfields; AS_ERR_NODATA at the end of input;
 * AS_ERR_PARSE for a quote never closed (the message names the line where the field started; the reader is
 * then at the end) or a record over max_record_bytes; AS_ERR_IO / AS_ERR_NOMEM otherwise.
 * A completely empty line (no bytes before the line end) is skipped, as pandas does. */
as_status as__csv_next(as_csv_reader *r, as_csv_field **fields, size_t *nfields, as_error *err);

/* 1-based physical line on which the last record returned started (a header is line 1). */
int64_t as__csv_line(const as_csv_reader *r);
/* The raw bytes of the last record as they stood in the file (without its line end), for rejects. */
const char *as__csv_raw(const as_csv_reader *r, size_t *n);
/* Bytes consumed from the underlying file so far (compressed bytes for gzip) and the file size (0 if unknown),
 * for progress reporting. */
int64_t as__csv_bytes_read(const as_csv_reader *r);
int64_t as__csv_bytes_total(const as_csv_reader *r);
const char *as__csv_name(const as_csv_reader *r);
void as__csv_close(as_csv_reader *r);

#endif
