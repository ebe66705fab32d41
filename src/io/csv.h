/*
 * io/csv — a streaming RFC 4180 reader.
 *
 * Quoted fields, doubled quotes inside quotes, newlines inside quotes, CRLF and LF line ends, a UTF-8
 * byte-order mark at the start is dropped, gzip input (detected by its magic bytes, not the file name) is
 * read transparently through zlib. Memory is bounded by the longest record (capped by max_record_bytes: a
 * longer record is skipped, not stored), never by the file. Lenient where RFC 4180 is silent and data in the
 * wild needs it: a quote inside an unquoted field is kept literally; text after a closing quote is appended to
 * the field.
 */
#ifndef AS_IO_CSV_H
#define AS_IO_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

typedef struct as_csv_options {
    char delimiter;            /* ',' by default */
    size_t max_record_bytes;   /* a longer record is skipped with an error (see as__csv_next); default 64 MiB */
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
 * AS_ERR_IO / AS_ERR_NOMEM when reading fails. A completely empty line (no bytes before the line end) is
 * skipped, as pandas does. AS_ERR_PARSE comes in two kinds (as__csv_at_end tells them apart):
 *
 *  - Recoverable: a record longer than max_record_bytes. The reader follows it to its real end (its line end
 *    outside quotes, or the end of the input) without storing it, and reports "FILE:LINE: record of N bytes is
 *    longer than the limit of M bytes; it was skipped" (LINE: where it started; N: its bytes without the line
 *    end). as__csv_line is that line, as__csv_raw its first min(4096, max_record_bytes) bytes. Calling again
 *    continues with the next record.
 *  - Final: a quoted field never closed before the end of the input. Everything after the quote is part of the
 *    record, so as__csv_raw holds the record's raw text from its start line to the end of the input, line ends
 *    included (callers may re-read it line by line to recover the records after a stray quote), or only its
 *    first max_record_bytes bytes when it is longer, in which case the message says so. The message names the
 *    line where the record started and the line where the field opened. The reader is then at the end: every
 *    later call returns AS_ERR_NODATA. */
as_status as__csv_next(as_csv_reader *r, as_csv_field **fields, size_t *nfields, as_error *err);

/* 1 when the reader certainly has nothing more to yield (as__csv_next would return AS_ERR_NODATA): after a final
 * error (the quote never closed, an I/O error) or once all the input has been read and only empty lines are
 * left. 0 means: call as__csv_next again (at the very end of a file it may still answer AS_ERR_NODATA). So after
 * AS_ERR_PARSE: 1 for a final error, 0 for a recoverable one followed by more input. */
int as__csv_at_end(const as_csv_reader *r);

/* 1-based physical line on which the last record returned started (a header is line 1); after AS_ERR_PARSE,
 * the line where the bad record started. */
int64_t as__csv_line(const as_csv_reader *r);
/* The raw bytes of the last record as they stood in the file (without its line end), for rejects; after
 * AS_ERR_PARSE, the bad record's bytes as described at as__csv_next. Valid until the next call to as__csv_next. */
const char *as__csv_raw(const as_csv_reader *r, size_t *n);
/* Bytes consumed from the underlying file so far (compressed bytes for gzip) and the file size (0 if unknown),
 * for progress reporting. */
int64_t as__csv_bytes_read(const as_csv_reader *r);
int64_t as__csv_bytes_total(const as_csv_reader *r);
const char *as__csv_name(const as_csv_reader *r);

/* Hands over the rest of the input as raw bytes, for a reader of its own (the table's block reader takes over
 * after the header this reader parsed): first the bytes read ahead and not yet consumed by as__csv_next, then
 * the source's (gzip decompressed). Reads up to `room` bytes into dst; *got = 0 (with room > 0) only at the end
 * of the input. AS_ERR_IO when the source fails (the message names the file). Once this has been called,
 * as__csv_next must not be called again. */
as_status as__csv_read_raw(as_csv_reader *r, char *dst, size_t room, size_t *got, as_error *err);
void as__csv_close(as_csv_reader *r);

#endif
