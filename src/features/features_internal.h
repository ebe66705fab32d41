/*
 * features_internal — what the files of the features module share: the windowed event log, the word hasher
 * and the order-table writer. Not used outside src/features/.
 */
#ifndef AS_FEATURES_INTERNAL_H
#define AS_FEATURES_INTERNAL_H

#include "features/features.h"

/* ---- windowed sums (windows.c) ----
 * Every purchase line and every case enters one time-ordered log once. Per window a trailing cursor walks the
 * log behind the clock and subtracts each event as it leaves the window, so a windowed sum costs O(1) per event
 * and per window over the whole build — no per-row query, no rescan. An event at time e is inside window W of
 * a purchase at t when t − W ≤ e < t (the log only ever holds events before t; see build.c). */
enum { AS__WIN_30, AS__WIN_90, AS__WIN_365, AS__WIN_ALL, AS__N_WIN };
enum { AS__ENT_CUST, AS__ENT_PROD, AS__ENT_CAT, AS__ENT_SELLER, AS__ENT_COUNTRY, AS__N_ENT };
#define AS__NO_ID UINT32_MAX
extern const char *const as__win_suffix[AS__N_WIN];   /* "30d", "90d", "365d", "all" */
extern const char *const as__ent_prefix[AS__N_ENT];   /* "cust", "prod", "cat", "seller", "country" */
extern const int64_t as__win_seconds[AS__N_WIN];      /* 0 for "all" */

/* 32 bytes per event: the entity ids (AS__NO_ID = none) and the line's value (0 for a case). */
typedef struct as__win_event {
    int64_t at;
    uint32_t id[AS__N_ENT];
    float amount;
    uint32_t is_case;
} as__win_event;

typedef struct as__win_sums { int32_t lines, cases; double amount; } as__win_sums;

typedef struct as__windows {
    as__win_event *ev;
    size_t n, cap;
    size_t cur[AS__N_WIN];              /* first event still inside each finite window */
    as__win_sums *sums[AS__N_ENT];      /* entity id × AS__N_WIN */
    size_t n_ids[AS__N_ENT];
} as__windows;

void as__win_init(as__windows *w);
void as__win_free(as__windows *w);
/* Appends an event (its time must not be before the last one's) and adds it to every window's sums. */
as_status as__win_add(as__windows *w, const as__win_event *e);
/* Moves the windows to clock t: events before t − W leave window W. */
void as__win_advance(as__windows *w, int64_t t);
/* The AS__N_WIN sums of one entity (all zero for an id never seen). */
const as__win_sums *as__win_get(const as__windows *w, int ent, uint32_t id);

/* ---- hashed words (text_hash.c) ----
 * Splits UTF-8 text into words (letters and digits; accents folded, lower-cased) and writes each word's
 * bucket as__hash64(word) % n_buckets to out[0..max); returns the number of words (at most max). */
int as__text_buckets(const char *s, size_t n, int n_buckets, uint16_t *out, int max);

/* ---- the order table (order_table.c) ---- */
typedef struct as__order_writer as__order_writer;
/* Column layout of order_features, derived from the line columns (names[0..n) of the features table). */
as_status as__order_writer_new(as_db *db, const char *const *line_names, int n_line, int moment,
                               as__order_writer **out, as_error *err);
void as__order_writer_free(as__order_writer *ow);
/* One order: its lines' numeric feature rows (row i at f + i·n_line), values and categories, and its label. */
typedef struct as__order_row {
    const char *order_id, *customer_id, *country, *main_category;
    int64_t at;
    int labelled, positive;
    const char *kind, *reason;          /* NULL when unlabelled */
    size_t n_lines;
    const double *f;                    /* n_lines × n_line line features */
    const double *qty, *value, *freight;   /* per line; freight NaN when unknown */
    const uint32_t *prod, *cat;         /* per line ids (AS__NO_ID = none) */
    int month;
} as__order_row;
/* Queues the order's row on q (statement index stmt: the one as__order_writer_stmt gave). */
as_status as__order_writer_put(as__order_writer *ow, const as__order_row *r, as_rowq *q, int stmt, as_error *err);
/* The writer's prepared INSERT, for the row queue. */
sqlite3_stmt *as__order_writer_stmt(const as__order_writer *ow);
/* The number of columns of an order row. */
int as__order_writer_columns(const as__order_writer *ow);
/* Comma-separated numeric / categorical column names of order_features (valid while ow lives). */
const char *as__order_numeric_names(const as__order_writer *ow);
const char *as__order_categorical_names(const as__order_writer *ow);

#endif
