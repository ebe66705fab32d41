/*
 * ingest — shop exports into the canonical tables. One preset per known export family; each streams its
 * input once, in one transaction, and quarantines what it cannot load in the rejects table.
 */
#ifndef AS_INGEST_H
#define AS_INGEST_H

#include "core/core.h"
#include "io/csv.h"
#include "ingest/strmap.h"
#include "privacy/pii.h"
#include "store/store.h"

/* State shared by the presets while one ingest runs. */
typedef struct as_ingest_ctx {
    as_db *db;
    const as_ingest_params *params;
    as_ingest_stats *stats;
    const char *source;          /* file name recorded with rejects and rows */
    sqlite3_stmt *ins_reject;
    /* Personal data (privacy/pii.h). The key is loaded on first use by as__ingest_pii_key. A preset that reads a
     * source with declared personal columns sets reject_mask to one flag per header field (1 = personal) while it
     * reads that source, so as__ingest_reject never stores those fields' raw values; NULL = none declared. */
    as_pii_key pii_key;
    int pii_loaded;
    const unsigned char *reject_mask;
    size_t reject_mask_n;
    as_buf scratch;              /* reusable output of as__ingest_scrub / pseudonyms */
    as_strmap cleared;           /* sources whose earlier rejects this ingest already removed (read once each) */
    /* Optional, beside reject_mask: the pseudonym domain of each field whose mask is AS_PII_PSEUDONYMIZE (the
     * canonical field it feeds, so a reject shows the same pseudonym as the loaded rows; NULL = "personal"), and
     * the delimiter of the source (0 = ','), needed to split a rejected record into its fields again. A mask
     * value of AS_PII_DROP writes "[dropped]" in place of a non-empty value. */
    const char *const *reject_domain;
    char reject_delimiter;
    /* Progress (as__ingest_progress): bytes of the input files read to the end so far, and of all the files this
     * ingest will read (0 = unknown), so that one bar covers a folder of files. */
    int64_t bytes_done, bytes_total;
} as_ingest_ctx;

/* Records a rejected record: the rejects row keeps the raw text and the detailed reason; the stats group
 * rejects by `reason_key` (a short, stable phrase). E-mail addresses and phone numbers in the raw text and the
 * detail are replaced by pseudonyms; while cx->reject_mask is set, the record's personal fields are replaced
 * (see as_ingest_ctx), and a record that cannot be split into the header's fields is stored with every field
 * withheld except empty ones, dates and numbers of fewer than 8 digits (docs/presets.md, "Personal data").
 * Returns AS_OK, AS_ERR_DB, AS_ERR_NOMEM or a key-file error. */
as_status as__ingest_reject(as_ingest_ctx *cx, int64_t line, const char *reason_key, const char *detail,
                            const char *raw, size_t raw_len, as_error *err);
/* A field equal to one of the user's missing-value tokens counts as empty. */
int as__ingest_is_missing(const as_ingest_ctx *cx, const as_csv_field *f);
/* Reports progress every 4,096 records (a counter check; no clock, no system call in between): bytes read of
 * all the input files against their total size, compressed bytes for .gz. */
void as__ingest_progress(as_ingest_ctx *cx, as_csv_reader *r);
/* Adds the size of file `path` to cx->bytes_total (nothing when it cannot be read: opening it reports that). */
void as__ingest_count_bytes(as_ingest_ctx *cx, const char *path);

/* Handles one record that has the header's number of fields. */
typedef as_status (*as_record_fn)(void *user, const as_csv_field *f, size_t nf, int64_t line, const char *raw,
                                  size_t raw_n, as_error *err);

/* Reads every record of r after its header, hands the well-formed ones to fn and quarantines the rest, so that
 * one bad record never costs the records around it:
 *  - a record with the wrong number of fields on one line is rejected;
 *  - a record that runs over several lines with the wrong number of fields — a stray quote swallowed the line
 *    ends — and a quote never closed before the end of the file: the record's first line is rejected and every
 *    following line it swallowed is read again on its own (quotes cannot span lines there), so one stray quote
 *    costs one line, not the rest of the file;
 *  - a record longer than the reader's limit is rejected and reading continues after it.
 * Counts records_read for every record and line it handles. */
as_status as__ingest_drive(as_ingest_ctx *cx, as_csv_reader *r, size_t header_n, as_record_fn fn, void *user,
                           as_error *err);

/* "INSERT OR IGNORE" then, when the row existed, "UPDATE … WHERE key AND some value differs": counts the record
 * as loaded, updated or an unchanged duplicate. Both statements must be bound already. */
as_status as__ingest_upsert(as_ingest_ctx *cx, sqlite3_stmt *insert, sqlite3_stmt *update, int64_t *counter,
                            as_error *err);

/* Opens path and reads its header record into *f / *nf; AS_ERR_NODATA for a file with no header. */
as_status as__ingest_open(const char *path, as_csv_reader **r, as_csv_field **f, size_t *nf, as_error *err);

/* The pseudonymization key of this ingest: loaded (or created) on first use from params->key_file or
 * "<db path>.key"; records stats->key_path and key_created. */
as_status as__ingest_pii_key(as_ingest_ctx *cx, const as_pii_key **key, as_error *err);
/* The pseudonym of a personal value in the canonical field's domain, written into out (AS_PII_PSEUDONYM_LEN + 1
 * bytes); counts stats->pseudonymized. An empty value gives "" (nothing counted). */
as_status as__ingest_pseudonym(as_ingest_ctx *cx, const char *domain, const char *value, size_t n, char *out,
                               as_error *err);
/* Free text with e-mail addresses and phone numbers replaced: *out points at text itself when nothing was
 * replaced, else into cx->scratch (valid until the next call); counts stats->scrubbed. */
as_status as__ingest_scrub(as_ingest_ctx *cx, const char *text, size_t n, const char **out, size_t *out_n,
                           as_error *err);

as_status as__ingest_online_retail(as_ingest_ctx *cx, const char *path, as_error *err);
/* A shop described by a mapping file (docs/mapping.md); file names inside it are relative to
 * cx->params->data_dir, or to the mapping file's folder. */
as_status as__ingest_mapping(as_ingest_ctx *cx, const char *mapping_path, as_error *err);
/* The Olist export folder (docs/presets.md#olist): an embedded mapping plus Olist's own rules. */
as_status as__ingest_olist(as_ingest_ctx *cx, const char *dir, as_error *err);
as_status as__ingest_canonical(as_ingest_ctx *cx, const char *dir, as_error *err);

/* 1 when an Online Retail stock code is a charge or adjustment (postage, fees, discounts, vouchers, manual
 * entries) rather than a product. The list is in docs/presets.md. */
int as__online_retail_is_charge(const char *code, size_t n);

#endif
