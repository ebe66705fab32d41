/*
 * ingest — shop exports into the canonical tables. One preset per known export family; each streams its
 * input once, in one transaction, and quarantines what it cannot load in the rejects table.
 */
#ifndef AS_INGEST_H
#define AS_INGEST_H

#include "core/core.h"
#include "io/csv.h"
#include "store/store.h"

/* State shared by the presets while one ingest runs. */
typedef struct as_ingest_ctx {
    as_db *db;
    const as_ingest_params *params;
    as_ingest_stats *stats;
    const char *source;          /* file name recorded with rejects and rows */
    sqlite3_stmt *ins_reject;
} as_ingest_ctx;

/* Records a rejected record: the rejects row keeps the raw text and the detailed reason; the stats group
 * rejects by `reason_key` (a short, stable phrase). Returns AS_OK or AS_ERR_DB. */
as_status as__ingest_reject(as_ingest_ctx *cx, int64_t line, const char *reason_key, const char *detail,
                            const char *raw, size_t raw_len, as_error *err);
/* A field equal to one of the user's missing-value tokens counts as empty. */
int as__ingest_is_missing(const as_ingest_ctx *cx, const as_csv_field *f);
/* Reports progress every so often. */
void as__ingest_progress(as_ingest_ctx *cx, as_csv_reader *r);

as_status as__ingest_online_retail(as_ingest_ctx *cx, const char *path, as_error *err);
as_status as__ingest_canonical(as_ingest_ctx *cx, const char *dir, as_error *err);

/* 1 when an Online Retail stock code is a charge or adjustment (postage, fees, discounts, vouchers, manual
 * entries) rather than a product. The list is in docs/presets.md. */
int as__online_retail_is_charge(const char *code, size_t n);

#endif
