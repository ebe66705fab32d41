/*
 * Mapping files (docs/mapping.md): the parsed form of a mapping and the loader that runs it. Private to ingest;
 * mapping_ini.c reads the text, mapping.c loads the data it describes, olist.c embeds one.
 */
#ifndef AS_INGEST_MAPPING_H
#define AS_INGEST_MAPPING_H

#include "ingest/ingest.h"
#include "ingest/strmap.h"

/* Canonical tables a source can feed (bit i = table i). Sources load in this order: masters before the
 * records that refer to them, orders before their lines, cases and reviews last. */
typedef enum map_table { MT_CUSTOMERS, MT_PRODUCTS, MT_ORDERS, MT_LINES, MT_CASES, MT_REVIEWS, MT_N } map_table;

typedef enum map_type { MF_TEXT, MF_INT, MF_REAL, MF_TIME } map_type;

/* Canonical fields a mapping may set. */
typedef enum map_field {
    F_ORDER_ID, F_LINE_NO, F_PRODUCT_ID, F_QUANTITY, F_UNIT_PRICE, F_DISCOUNT, F_SELLER_ID, F_FREIGHT,
    F_CUSTOMER_ID, F_ORDERED_AT, F_CHANNEL, F_COUNTRY, F_PAYMENT, F_PROMISED_AT, F_DELIVERED_AT, F_CARRIER,
    F_STATUS, F_DESCRIPTION, F_CATEGORY, F_SUPPLIER, F_LIST_PRICE, F_CASE_ID, F_KIND, F_REASON, F_OPENED_AT,
    F_AMOUNT, F_REVIEW_ID, F_SCORE, F_TEXT, F_CREATED_AT, F_FIRST_SEEN, F_N
} map_field;

typedef struct map_field_info {
    const char *name;
    map_type type;
    unsigned tables;            /* bit mask of the tables that hold the field */
    int free_text;              /* scrubbed of e-mail addresses and phone numbers */
} map_field_info;
extern const map_field_info as__map_fields[F_N];
extern const char *const as__map_table_names[MT_N];

#define MAP_MAX_PARTS 4         /* columns joined into one field ("title + message") */
#define MAP_MAX_AT 8            /* columns of a case rule's "at latest(...)" */

typedef struct map_value {
    int set;                    /* 0: not mapped */
    int line;                   /* line of the mapping file that set it */
    const char *constant;       /* a quoted constant, or NULL */
    const char *cols[MAP_MAX_PARTS];
    int ncols;
    int lookup;                 /* index of a [lookup] section the value is translated through, or -1 */
    int idx[MAP_MAX_PARTS];     /* header positions, resolved per data file */
} map_value;

typedef enum map_rule_kind { MR_CHARGE, MR_CASE, MR_REJECT } map_rule_kind;
typedef enum map_op { OP_IN, OP_NOT_IN, OP_STARTS, OP_EMPTY, OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE } map_op;

typedef struct map_rule {
    map_rule_kind kind;
    int line;
    const char *column;
    int idx;
    map_op op;
    const char **values;
    size_t *value_n;
    size_t n_values;
    double number;
    const char *case_kind;      /* MR_CASE */
    int without_order;          /* MR_CASE: the case names no order (a credit note is its own document) */
    const char *at_cols[MAP_MAX_AT];
    int n_at, at_idx[MAP_MAX_AT];
    const char *reason;         /* MR_REJECT */
} map_rule;

typedef struct map_pii {
    const char *column;
    as_pii_action action;
    int line;
} map_pii;

#define MAP_MAX_RULES 32
#define MAP_MAX_PII 16
#define MAP_MAX_FORMATS 8
#define MAP_MAX_NA 16

typedef struct map_source {
    const char *name;
    int line;
    const char *file;           /* may hold * and ? (every match is loaded, in name order) */
    char delimiter, decimal;
    const char *formats[MAP_MAX_FORMATS];
    int n_formats;
    const char *na[MAP_MAX_NA];
    int n_na;
    unsigned feeds;
    map_value fields[F_N];
    map_rule rules[MAP_MAX_RULES];
    int n_rules;
    map_pii pii[MAP_MAX_PII];
    int n_pii;
} map_source;

typedef struct map_lookup {
    const char *name;
    int line;
    const char *file, *key, *value;
    char delimiter;
    int optional;               /* a missing file leaves values untranslated instead of failing */
    int loaded;                 /* the file was found and read */
    as_strmap map;              /* key → index into vals */
    const char **vals;
    size_t n_vals, cap_vals;
} map_lookup;

#define MAP_MAX_SOURCES 16
#define MAP_MAX_LOOKUPS 8

typedef struct as_mapping {
    const char *path;           /* the mapping file's name in messages */
    const char *na[MAP_MAX_NA]; /* [shop] na: tokens for every source */
    int n_na;
    map_source src[MAP_MAX_SOURCES];
    int n_src;
    map_lookup lk[MAP_MAX_LOOKUPS];
    int n_lk;
    as_arena arena;
    /* What to do when a data file is not in the folder, for a mapping the user did not write (a preset's
     * embedded one): replaces the mapping line and the --data-dir advice in that message. NULL for files. */
    const char *folder_hint;
} as_mapping;

/* Parses mapping text (name: how messages call it) into *m. Errors name the mapping line and the fix. */
as_status as__mapping_parse(const char *text, size_t n, const char *name, as_mapping *m, as_error *err);
void as__mapping_free(as_mapping *m);

/* Loads the data a parsed mapping describes; file names are relative to dir. */
as_status as__mapping_load(as_ingest_ctx *cx, as_mapping *m, const char *dir, as_error *err);

/* Parses s[0..n) with a strftime-like format (%Y %y %m %d %H %M %S %b, or "iso"); 1 on success. */
int as__mapping_parse_time(const char *s, size_t n, const char *fmt, int64_t *out);

#endif
