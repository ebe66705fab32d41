/*
 * io/csv — the streaming RFC 4180 reader (contract in csv.h).
 *
 * How it works. Input (a file through zlib, or borrowed memory) is read in big chunks into one input buffer.
 * A record is always parsed from a contiguous stretch of that buffer: when a record runs past the end of
 * what has been read, the unread tail is moved to the front, more input is read behind it, and the record is
 * parsed again from its start (this happens about once per buffer, so the cost is negligible). When a single
 * record does not fit in the buffer, the buffer doubles, up to max_record_bytes. Field contents are written
 * NUL-terminated into a second buffer of the same size (unquoting can only shrink a field, and each field's
 * NUL takes the place of its delimiter, so the record always fits); the raw record stays untouched in the
 * input buffer for as__csv_raw. Nothing is allocated per record or per field.
 *
 * A record longer than max_record_bytes is not an end: once its bytes fill the buffer (or it is seen whole and
 * too long), skip_long_record() follows it to its real end with a small quote-aware scanner over the rest of the
 * input, streamed through the field buffer (unused meanwhile), so that the input buffer keeps the record's start
 * for as__csv_raw. Then it reports the record and leaves the reader on the next one. Only an input that ends
 * inside quotes is a final error.
 *
 * Fast path: a line with no field that starts with a quote is copied in one memcpy and split on the delimiter
 * with memchr. Only a quote at the start of a field opens a quoted field (elsewhere a quote is literal), so
 * such a line cannot contain a quoted newline or delimiter. Everything else goes through a small state machine.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "io/csv.h"

#define CSV_FILE_BUF (1u << 20)          /* input chunk for files: large reads keep zlib and the kernel busy */
#define CSV_GZ_BUF (1u << 18)            /* zlib's own buffer (default 8 KiB is slow) */
#define CSV_MEM_BUF 256u                 /* input chunk for memory input: small on purpose, so that tests and
                                          * the fuzzer exercise the refill and restart logic on small inputs */
#define CSV_MAX_READ (1u << 30)          /* gzread takes an unsigned int length */
#define CSV_DEFAULT_MAX_RECORD ((size_t)64 << 20)
#define CSV_RAW_KEEP 4096u               /* as__csv_raw of a skipped over-long record: at most this many bytes */

struct as_csv_reader {
    char *name;
    char delim;
    size_t max_record;

    /* source: exactly one of gz / mem is in use */
    gzFile gz;
    const char *mem;
    size_t mem_n, mem_off;
    int64_t file_size;

    /* input buffer: bytes [pos, end) are read but not yet consumed */
    char *buf;
    size_t cap, pos, end;
    int eof;                 /* the source has no more bytes */
    int done;                /* a final error happened: the reader stays at the end */

    char *fbuf;              /* field contents, NUL-terminated; capacity cap + 1 */
    as_csv_field *fields;
    size_t fields_cap;

    int64_t line;            /* physical line of the byte at pos (1-based) */
    int64_t rec_line;        /* line on which the last returned record started */
    const char *raw;
    size_t raw_n;
    char raw_keep[CSV_RAW_KEEP]; /* the start of a skipped record, when the input buffer had to be reused */
};

as_csv_options as__csv_options_default(void) {
    as_csv_options o;
    o.delimiter = ',';
    o.max_record_bytes = CSV_DEFAULT_MAX_RECORD;
    return o;
}

static as_status reader_new(const char *name, const as_csv_options *opt, size_t cap, as_csv_reader **out,
                            as_error *err) {
    as_csv_options o = opt ? *opt : as__csv_options_default();
    if (o.delimiter == '\0') o.delimiter = ',';
    if (o.max_record_bytes == 0) o.max_record_bytes = CSV_DEFAULT_MAX_RECORD;
    /* Keeps the buffer arithmetic (max + CRLF, doubling) far from overflow; nobody has such a record. */
    if (o.max_record_bytes > SIZE_MAX / 4) o.max_record_bytes = SIZE_MAX / 4;
    if (o.delimiter == '"' || o.delimiter == '\n' || o.delimiter == '\r')
        return as__err(err, AS_ERR_INVALID, "%s: the CSV delimiter cannot be a quote or a line end; use ',' or ';'",
                       name);
    as_csv_reader *r = as__calloc(1, sizeof *r);
    if (!r) return as__err(err, AS_ERR_NOMEM, "%s: out of memory opening the CSV reader", name);
    r->delim = o.delimiter;
    r->max_record = o.max_record_bytes;
    r->cap = cap;
    r->line = 1;
    r->name = as__strdup(name);
    r->buf = as__malloc(cap);
    r->fbuf = as__malloc(cap + 1);
    r->fields_cap = 16;
    r->fields = as__calloc(r->fields_cap, sizeof *r->fields);
    if (!r->name || !r->buf || !r->fbuf || !r->fields) {
        as__csv_close(r);
        return as__err(err, AS_ERR_NOMEM, "%s: out of memory opening the CSV reader", name);
    }
    r->raw = "";
    *out = r;
    return AS_OK;
}

/* Reads up to `room` bytes into dst and sets *n_got. Sets eof when the source is exhausted. */
static as_status source_read_to(as_csv_reader *r, char *dst, size_t room, size_t *n_got, as_error *err) {
    *n_got = 0;
    if (room > CSV_MAX_READ) room = CSV_MAX_READ;
    if (room == 0) return AS_OK;
    if (r->gz) {
        int got = gzread(r->gz, dst, (unsigned)room);
        int zerr = Z_OK;
        const char *msg = NULL;
        /* gzread reports a truncated gzip stream as a plain end of file (0) with Z_BUF_ERROR set; a shortened
         * download must not pass for a complete one. */
        if (got <= 0) msg = gzerror(r->gz, &zerr);
        if (got < 0 || zerr != Z_OK) {
            r->done = 1;
            if (zerr == Z_ERRNO)
                return as__err(err, AS_ERR_IO, "%s: cannot read: %s", r->name, strerror(errno));
            if (!msg) msg = "zlib error";
            size_t nl = strlen(r->name);    /* zlib puts the path in front of its message: drop it */
            if (strncmp(msg, r->name, nl) == 0 && msg[nl] == ':' && msg[nl + 1] == ' ') msg += nl + 2;
            return as__err(err, AS_ERR_IO, "%s: the gzip data is damaged or truncated (%s); re-download or "
                           "re-compress the file", r->name, msg);
        }
        if (got == 0) r->eof = 1;
        *n_got = (size_t)got;
    } else {
        size_t left = r->mem_n - r->mem_off;
        size_t n = left < room ? left : room;
        if (n) memcpy(dst, r->mem + r->mem_off, n);
        r->mem_off += n;
        *n_got = n;
        if (r->mem_off == r->mem_n) r->eof = 1;
    }
    return AS_OK;
}

/* Reads more bytes behind end. */
static as_status source_read(as_csv_reader *r, as_error *err) {
    size_t got;
    as_status st = source_read_to(r, r->buf + r->end, r->cap - r->end, &got, err);
    r->end += got;
    return st;
}

/* Reports a record of `size` bytes (its line end not counted) that started on line `start_line` and was longer
 * than the limit; raw points at its first bytes, which stay in place until the next call. The caller has already
 * moved pos and line past it: the reader goes on with the next record. */
static as_status record_skipped(as_csv_reader *r, const char *raw, size_t size, int64_t start_line, as_error *err) {
    size_t keep = r->max_record < CSV_RAW_KEEP ? r->max_record : CSV_RAW_KEEP;
    r->rec_line = start_line;
    r->raw = raw;
    r->raw_n = size < keep ? size : keep;
    return as__err(err, AS_ERR_PARSE, "%s:%lld: record of %zu bytes is longer than the limit of %zu bytes; it was "
                   "skipped", r->name, (long long)start_line, size, r->max_record);
}

/* Reports a record whose quoted field (opened on qline) is still open at the end of the input: a final error.
 * raw/n are the record's bytes from its start to the end of the input, of which as__csv_raw keeps at most
 * max_record_bytes. */
static as_status quote_never_closed(as_csv_reader *r, const char *raw, size_t n, int64_t start_line, int64_t qline,
                                    as_error *err) {
    r->done = 1;
    r->rec_line = start_line;
    r->raw = raw;
    r->raw_n = n;
    if (n <= r->max_record)
        return as__err(err, AS_ERR_PARSE,
                       "%s:%lld: a quoted field opened on line %lld is never closed; close the quote or remove it",
                       r->name, (long long)start_line, (long long)qline);
    r->raw_n = r->max_record;
    return as__err(err, AS_ERR_PARSE,
                   "%s:%lld: a quoted field opened on line %lld is never closed; it runs to the end of the input, "
                   "past the limit of %zu bytes for a record; close the quote or remove it",
                   r->name, (long long)start_line, (long long)qline, r->max_record);
}

/* Where the scanner of an over-long record stands: the same rules as parse_general, without storing anything. */
enum skip_state { SK_FIELD, SK_TEXT, SK_QUOTED, SK_QUOTE };

typedef struct skip_scan {
    enum skip_state state;
    int64_t line;            /* line of the next byte */
    int64_t qline;           /* line on which the last quoted field opened */
    size_t size;             /* bytes of the record so far */
    char last;               /* its last byte so far (a CR before the line end is not part of the record) */
} skip_scan;

/* Scans p[0, n) as the continuation of the record; returns the index of its line end, or n when it goes on. */
static size_t skip_chunk(skip_scan *k, const char *p, size_t n, char d) {
    size_t i = 0;
    enum skip_state state = k->state;
    while (i < n) {
        if (state == SK_QUOTED) {
            const char *q = memchr(p + i, '"', n - i);
            size_t stop = q ? (size_t)(q - p) : n;
            for (const char *c = p + i; (c = memchr(c, '\n', (size_t)(p + stop - c))) != NULL; c++) k->line++;
            i = q ? stop + 1 : n;
            if (q) state = SK_QUOTE;
            continue;
        }
        if (state == SK_QUOTE) {                    /* a quote inside quotes: "" or the closing one */
            if (p[i] == '"') { i++; state = SK_QUOTED; continue; }
            state = SK_TEXT;
        } else if (state == SK_FIELD) {
            if (p[i] == '"') { k->qline = k->line; i++; state = SK_QUOTED; continue; }
            state = SK_TEXT;
        }
        while (i < n && p[i] != d && p[i] != '\n') i++;
        if (i == n) break;
        if (p[i] == '\n') break;
        i++;                                        /* past the delimiter */
        state = SK_FIELD;
    }
    k->state = state;
    k->size += i;
    if (i) k->last = p[i - 1];
    return i;
}

/* The record at pos, of which [pos, end) has been read, is longer than max_record_bytes. Follows it to its end
 * without storing it, then reports it and leaves the reader on the next record (or reports the quote that is
 * never closed, when the input ends inside it). The input buffer keeps the record's start; the rest of the record
 * is read through fbuf, which holds no field while no record is returned. */
static as_status skip_long_record(as_csv_reader *r, as_error *err) {
    skip_scan k = {SK_FIELD, r->line, 0, 0, 0};
    const char *rec = r->buf + r->pos;
    size_t held = r->end - r->pos;
    int64_t start_line = r->line;
    size_t e = skip_chunk(&k, rec, held, r->delim);
    if (e < held) {                                 /* its end was already read */
        r->pos += e + 1;
        r->line = k.line + 1;
        return record_skipped(r, rec, k.size - (k.last == '\r'), start_line, err);
    }
    while (!r->eof) {
        size_t got;
        as_status st = source_read_to(r, r->fbuf, r->cap, &got, err);
        if (st) return st;
        e = skip_chunk(&k, r->fbuf, got, r->delim);
        if (e < got) {
            /* The input buffer gets the bytes after the record; the record's start moves aside for as__csv_raw. */
            size_t keep = r->max_record < CSV_RAW_KEEP ? r->max_record : CSV_RAW_KEEP;
            memcpy(r->raw_keep, rec, keep);
            size_t left = got - e - 1;
            memcpy(r->buf, r->fbuf + e + 1, left);
            r->pos = 0;
            r->end = left;
            r->line = k.line + 1;
            return record_skipped(r, r->raw_keep, k.size - (k.last == '\r'), start_line, err);
        }
    }
    /* The input ends inside the record. */
    r->pos = r->end;
    r->line = k.line;
    if (k.state == SK_QUOTED) return quote_never_closed(r, rec, held, start_line, k.qline, err);
    return record_skipped(r, rec, k.size - (k.last == '\r'), start_line, err);
}

/* Makes more input available after the unconsumed bytes [pos, end): moves them to the front, grows the buffer
 * when they fill it, and reads. Called only when the record at pos is incomplete and the source is not at
 * its end. */
static as_status refill(as_csv_reader *r, as_error *err) {
    size_t have = r->end - r->pos;
    /* The record so far (minus a possible CR of its line end) already exceeds the limit. */
    if (have > r->max_record + 1) return skip_long_record(r, err);
    if (r->pos > 0) {
        if (have) memmove(r->buf, r->buf + r->pos, have);
        r->pos = 0;
        r->end = have;
    }
    if (r->end == r->cap) {
        size_t ncap = r->cap * 2;
        if (ncap < r->cap || ncap > r->max_record + 2) ncap = r->max_record + 2;  /* room for max + CRLF */
        if (ncap <= r->cap) return skip_long_record(r, err);
        char *nb = as__realloc(r->buf, ncap);
        if (!nb) return as__err(err, AS_ERR_NOMEM, "%s:%lld: out of memory for a record of %zu bytes", r->name,
                                (long long)r->line, have);
        r->buf = nb;
        char *nf = as__realloc(r->fbuf, ncap + 1);
        if (!nf) return as__err(err, AS_ERR_NOMEM, "%s:%lld: out of memory for a record of %zu bytes", r->name,
                                (long long)r->line, have);
        r->fbuf = nf;
        r->cap = ncap;
    }
    return source_read(r, err);
}

static as_status strip_bom(as_csv_reader *r, as_error *err) {
    while (!r->eof && r->end < 3) {
        as_status st = source_read(r, err);
        if (st) return st;
    }
    if (r->end >= 3 && (unsigned char)r->buf[0] == 0xEF && (unsigned char)r->buf[1] == 0xBB &&
        (unsigned char)r->buf[2] == 0xBF)
        r->pos = 3;
    return AS_OK;
}

as_status as__csv_open(const char *path, const as_csv_options *opt, as_csv_reader **out, as_error *err) {
    *out = NULL;
    if (!path) return as__err(err, AS_ERR_INVALID, "no CSV file name given");
    as_csv_reader *r = NULL;
    as_status st = reader_new(path, opt, CSV_FILE_BUF, &r, err);
    if (st) return st;
    errno = 0;
    r->gz = gzopen(path, "rb");
    if (!r->gz) {
        int e = errno;
        as__csv_close(r);
        if (e == 0) return as__err(err, AS_ERR_NOMEM, "%s: out of memory opening the file", path);
        return as__err(err, AS_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            as__csv_close(r);
            return as__err(err, AS_ERR_IO, "%s: is a folder, not a CSV file", path);
        }
        if (S_ISREG(sb.st_mode)) r->file_size = (int64_t)sb.st_size;
    }
    gzbuffer(r->gz, CSV_GZ_BUF);
    st = strip_bom(r, err);
    if (st) { as__csv_close(r); return st; }
    *out = r;
    return AS_OK;
}

as_status as__csv_open_mem(const char *data, size_t n, const char *name, const as_csv_options *opt,
                           as_csv_reader **out, as_error *err) {
    *out = NULL;
    as_csv_reader *r = NULL;
    as_status st = reader_new(name ? name : "<memory>", opt, CSV_MEM_BUF, &r, err);
    if (st) return st;
    r->mem = data ? data : "";
    r->mem_n = data ? n : 0;
    r->file_size = (int64_t)r->mem_n;
    st = strip_bom(r, err);
    if (st) { as__csv_close(r); return st; }
    *out = r;
    return AS_OK;
}

static as_status add_field(as_csv_reader *r, size_t *nf, const char *p, size_t n, int quoted, as_error *err) {
    if (*nf == r->fields_cap) {
        size_t ncap = r->fields_cap * 2;
        as_csv_field *f = as__reallocarray(r->fields, ncap, sizeof *f);
        if (!f) return as__err(err, AS_ERR_NOMEM, "%s:%lld: out of memory for a record of %zu fields", r->name,
                               (long long)r->line, *nf);
        r->fields = f;
        r->fields_cap = ncap;
    }
    as_csv_field *f = &r->fields[(*nf)++];
    f->p = p;
    f->n = n;
    f->quoted = quoted;
    return AS_OK;
}

/* What a parser made of the bytes at pos, when it returns AS_OK. (A record seen whole and longer than the limit
 * is consumed and reported as AS_ERR_PARSE.) */
enum parse_outcome {
    PARSE_DONE,     /* a record is ready */
    PARSE_SKIP,     /* an empty line was consumed */
    PARSE_MORE,     /* the record runs past the bytes read so far: refill and parse it again */
    PARSE_QUOTED    /* (fast path only) a field starts with a quote: use the general parser */
};

/* A line [pos, nl) of len bytes, longer than the limit: skipped, unless a field starts with a quote (then the
 * record may run past this line, and the general parser decides). */
static as_status simple_too_long(as_csv_reader *r, const char *nl, size_t len, enum parse_outcome *res,
                                 as_error *err) {
    const char *s = r->buf + r->pos, *e = s + len;
    for (const char *p = s;;) {                    /* p: the start of a field */
        if (p < e && *p == '"') { *res = PARSE_QUOTED; return AS_OK; }
        const char *d = memchr(p, r->delim, (size_t)(e - p));
        if (!d) break;
        p = d + 1;
    }
    int64_t start_line = r->line;
    r->pos = (size_t)(nl - r->buf) + 1;
    r->line++;
    return record_skipped(r, s, len, start_line, err);
}

/* Fast path over a complete line [pos, nl). When a field turns out to start with a quote it gives up with
 * PARSE_QUOTED, having consumed nothing. */
static as_status parse_simple(as_csv_reader *r, const char *nl, enum parse_outcome *res, size_t *nfields,
                              as_error *err) {
    const char *s = r->buf + r->pos;
    size_t len = (size_t)(nl - s);
    if (len && s[len - 1] == '\r') len--;
    if (len == 0) {
        r->pos = (size_t)(nl - r->buf) + 1;
        r->line++;
        *res = PARSE_SKIP;
        return AS_OK;
    }
    if (len > r->max_record) return simple_too_long(r, nl, len, res, err);
    char *o = r->fbuf, *e = r->fbuf + len;
    memcpy(o, s, len);
    *e = '\0';
    size_t nf = 0;
    for (;;) {
        if (*o == '"') { *res = PARSE_QUOTED; return AS_OK; }
        char *d = memchr(o, r->delim, (size_t)(e - o));
        if (!d) d = e;
        *d = '\0';
        as_status st = add_field(r, &nf, o, (size_t)(d - o), 0, err);
        if (st) return st;
        if (d == e) break;
        o = d + 1;
    }
    r->raw = s;
    r->raw_n = len;
    r->rec_line = r->line;
    r->line++;
    r->pos = (size_t)(nl - r->buf) + 1;
    *nfields = nf;
    *res = PARSE_DONE;
    return AS_OK;
}

/* General parser for the record at pos: quoted fields, quoted newlines and delimiters, the last record of
 * the input without a line end. Consumes nothing unless it returns AS_OK with PARSE_DONE or PARSE_SKIP, or
 * AS_ERR_PARSE for a record longer than the limit or a quote never closed. */
static as_status parse_general(as_csv_reader *r, enum parse_outcome *res, size_t *nfields, as_error *err) {
    const char *b = r->buf;
    size_t i = r->pos, end = r->end;
    char *o = r->fbuf;
    int64_t nl_seen = 0;     /* newlines inside quoted fields so far */
    size_t nf = 0;
    const char d = r->delim;
    for (;;) {                                      /* one field per iteration */
        char *fstart = o;
        int quoted = 0;
        if (i < end && b[i] == '"') {
            quoted = 1;
            int64_t qline = r->line + nl_seen;
            i++;
            for (;;) {
                const char *q = memchr(b + i, '"', end - i);
                size_t stop = q ? (size_t)(q - b) : end;
                for (const char *c = b + i; (c = memchr(c, '\n', (size_t)(b + stop - c))) != NULL; c++) nl_seen++;
                memcpy(o, b + i, stop - i);
                o += stop - i;
                i = stop;
                if (!q) {
                    if (!r->eof) { *res = PARSE_MORE; return AS_OK; }
                    /* The input ends inside quotes. Report the record (for rejects) and stay at the end. */
                    const char *raw = b + r->pos;
                    size_t raw_n = end - r->pos;
                    int64_t start_line = r->line;
                    r->pos = r->end;
                    r->line += nl_seen;
                    return quote_never_closed(r, raw, raw_n, start_line, qline, err);
                }
                i++;                                /* past the quote */
                if (i < end && b[i] == '"') { *o++ = '"'; i++; continue; }   /* "" inside quotes */
                /* The closing quote. (When it is the last byte read so far, the scan below asks for more input,
                 * and the record is parsed again, so a "" split across two reads is still seen whole.) */
                break;
            }
        }
        /* Unquoted text (a whole field, or what follows a closing quote): up to the delimiter or line end. */
        size_t ustart = i;
        while (i < end && b[i] != d && b[i] != '\n') i++;
        memcpy(o, b + ustart, i - ustart);
        o += i - ustart;
        if (i == end && !r->eof) { *res = PARSE_MORE; return AS_OK; }
        int at_line_end = i == end || b[i] == '\n';
        /* A CR just before the line end belongs to the line end, unless it was inside quotes. */
        if (at_line_end && i > ustart && b[i - 1] == '\r') o--;
        *o = '\0';
        as_status st = add_field(r, &nf, fstart, (size_t)(o - fstart), quoted, err);
        if (st) return st;
        o++;
        if (!at_line_end) { i++; continue; }        /* past the delimiter */

        size_t raw_n = i - r->pos;
        if (raw_n && b[i - 1] == '\r') raw_n--;
        int64_t start_line = r->line;
        r->line += nl_seen + (i < end);             /* the terminating newline, when there is one */
        size_t next = i < end ? i + 1 : end;
        if (raw_n > r->max_record) {
            const char *raw = b + r->pos;
            r->pos = next;
            return record_skipped(r, raw, raw_n, start_line, err);
        }
        if (raw_n == 0) { r->pos = next; *res = PARSE_SKIP; return AS_OK; }
        r->raw = b + r->pos;
        r->raw_n = raw_n;
        r->rec_line = start_line;
        r->pos = next;
        *nfields = nf;
        *res = PARSE_DONE;
        return AS_OK;
    }
}

as_status as__csv_next(as_csv_reader *r, as_csv_field **fields, size_t *nfields, as_error *err) {
    *fields = NULL;
    *nfields = 0;
    if (r->done) return AS_ERR_NODATA;
    for (;;) {
        if (r->pos == r->end) {
            if (r->eof) return AS_ERR_NODATA;
            as_status st = refill(r, err);
            if (st) return st;
            continue;
        }
        const char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
        enum parse_outcome res = PARSE_MORE;
        as_status st = AS_OK;
        if (nl) {
            st = parse_simple(r, nl, &res, nfields, err);
            if (st == AS_OK && res == PARSE_QUOTED) st = parse_general(r, &res, nfields, err);
        } else if (r->eof) {
            st = parse_general(r, &res, nfields, err);
        }
        if (st) return st;
        if (res == PARSE_DONE) {
            *fields = r->fields;
            return AS_OK;
        }
        if (res == PARSE_MORE) {
            st = refill(r, err);
            if (st) return st;
        }
    }
}

int64_t as__csv_line(const as_csv_reader *r) { return r->rec_line; }

const char *as__csv_raw(const as_csv_reader *r, size_t *n) {
    if (n) *n = r->raw_n;
    return r->raw;
}

int as__csv_at_end(const as_csv_reader *r) {
    if (r->done) return 1;
    if (!r->eof) return 0;
    /* All the input has been read: at the end when only empty lines (skipped) are left. */
    for (size_t i = r->pos; i < r->end; i++) {
        char c = r->buf[i];
        if (c == '\n' || (c == '\r' && (i + 1 == r->end || r->buf[i + 1] == '\n'))) continue;
        return 0;
    }
    return 1;
}

int64_t as__csv_bytes_read(const as_csv_reader *r) {
    if (r->gz) {
        z_off_t off = gzoffset(r->gz);
        return off < 0 ? 0 : (int64_t)off;
    }
    return (int64_t)r->mem_off;
}

int64_t as__csv_bytes_total(const as_csv_reader *r) { return r->file_size; }

as_status as__csv_read_raw(as_csv_reader *r, char *dst, size_t room, size_t *got, as_error *err) {
    *got = 0;
    if (room == 0 || r->done) return AS_OK;
    if (r->pos < r->end) {
        size_t n = r->end - r->pos < room ? r->end - r->pos : room;
        memcpy(dst, r->buf + r->pos, n);
        r->pos += n;
        *got = n;
        return AS_OK;
    }
    while (!r->eof && *got == 0) {   /* a read of 0 bytes that is not the end does not count as the end */
        as_status st = source_read_to(r, dst, room, got, err);
        if (st) return st;
    }
    return AS_OK;
}
const char *as__csv_name(const as_csv_reader *r) { return r->name; }

void as__csv_close(as_csv_reader *r) {
    if (!r) return;
    if (r->gz) gzclose_r(r->gz);
    as__free(r->name);
    as__free(r->buf);
    as__free(r->fbuf);
    as__free(r->fields);
    as__free(r);
}
