/* api — the public steps that tie modules together (train, score, metrics output). Internal helpers. */
#ifndef AS_API_PIPELINE_H
#define AS_API_PIPELINE_H

#include "ingest/strmap.h"
#include "ml/model.h"
#include "store/store.h"

/* A labelled data set in encoded form, ready to split and fit. */
typedef struct as_dataset {
    size_t n, p;
    double *X;            /* n × p encoded (one-hot applied, imputed), not yet scaled; NaN only for boosted trees */
    double *y;            /* class codes 0 .. K−1 (0/1 when binary) */
    double *w;            /* per-row weights, or NULL (all 1) */
    int64_t *at;          /* time of each row (shop flow; rows in time order), or NULL */
    int disposable;       /* the caller needs X no more after the fit: the final logistic-regression fit may scale
                           * its rows in place instead of copying them (when they are rows 0 … n_fit − 1) */
} as_dataset;

/* The whole modelling step on an encoded data set whose model `m` already holds the encoding, the classes and
 * the target: optional k-fold cross-validation on the training rows, the validation part (early stopping,
 * cost-based threshold), the final fit (scaler, PCA, logistic regression or boosted trees), predictions and
 * metrics on train and test, the threshold, warnings. */
as_status as__fit_and_evaluate(as_model *m, const as_dataset *d, const size_t *train, size_t n_train,
                               const size_t *test, size_t n_test, const as_train_params *params,
                               as_metrics_report *rep, as_error *err);

/* Checks the parameters every training flow shares; AS_ERR_INVALID naming the flag otherwise. */
as_status as__train_params_check(const as_train_params *params, as_error *err);

/* Appends one line to the report's warnings (printf-style; silently cut when the buffer is full). */
void as__report_warn(as_metrics_report *rep, const char *fmt, ...);

/* AS_OK when the features table exists and was built after the last ingest; AS_ERR_STATE naming the step
 * to run otherwise. */
as_status as__features_current(as_db *db, as_error *err);

/* Sorted unique copy of the given strings (NULLs skipped) as a new level list (caller frees). */
as_status as__vocab_build(const char *const *values, const size_t *rows, size_t n, char ***levels, size_t *n_levels);

/* Vocabulary with rare values pooled: values seen in fewer than min_count of the given rows go to *pooled
 * (sorted), the others to *levels (sorted). min_count ≤ 1 pools nothing. */
as_status as__vocab_build_pooled(const char *const *values, const size_t *rows, size_t n, size_t min_count,
                                 char ***levels, size_t *n_levels, char ***pooled, size_t *n_pooled);

/* ---- the shop flow's sources: targets and feature columns (issue 4) ---- */

/* A class of a multiclass shop target seen in fewer training rows than this is merged into "other": a class the
 * model meets a handful of times gets coefficients fitted to noise and metrics that swing with one row. */
#define AS_TARGET_MIN_CLASS_ROWS 5
/* Text value the shop flow reads for a NULL categorical cell (a level of its own, never a hole). */
#define AS_MISSING_LEVEL "(missing)"

/* Where the shop flow's rows come from: the table of a target level and its model-input columns as build listed
 * them in meta (feature_numeric / feature_categorical, order_feature_…), or the first version's static lists
 * (features/features.h) for a database built before the feature library. */
typedef struct as_shop_source {
    int level;                   /* as_target_level */
    const char *table;           /* "features" or "order_features" */
    size_t n_num, n_cat;
    char **num, **cat;           /* column names, in table order (owned: as__shop_source_free) */
    int from_meta;               /* 0: built before the feature library (static lists, line level only) */
    int has_label_text;          /* the table has label_kind and label_reason (multiclass targets) */
} as_shop_source;

/* Fills src for a target level and feature set (as_feature_set). AS_ERR_STATE naming `aftersales build` when the
 * database lacks what the level needs; AS_ERR_INVALID for `--features main` at order level. */
as_status as__shop_source(as_db *db, int level, int feature_set, as_shop_source *src, as_error *err);
void as__shop_source_free(as_shop_source *src);
/* The column names of a table (PRAGMA table_info) as a set; *n_cols = 0 when the table does not exist. Keys
 * are the names; values their position. Free with as__strmap_free. */
as_status as__table_columns(as_db *db, const char *table, as_strmap *cols, size_t *n_cols, as_error *err);
/* Appends a quoted SQL identifier ("name", inner quotes doubled). */
void as__sql_ident(as_buf *sql, const char *name);
/* "order line: any case within 90 days", "order: case kind within 90 days" (horizon 0 = unknown). */
void as__target_describe(int level, int label, int horizon_days, char *buf, size_t size);
const char *as__target_level_name(int level);   /* "line", "order" */
const char *as__target_label_name(int label);   /* "any", "kind", "reason" */
const char *as__feature_set_name(int set);      /* "all", "main" */

/* ---- scoring for callers inside the library (the report) ---- */

/* One scored order: a line-level model's order risk is 1 − Π(1 − p) over its lines, with the riskiest line's top
 * reasons; an order-level model's is its own. Strings are valid during the callback only. */
typedef struct as_scored_order {
    const char *order_id, *customer_id;
    int64_t at, lines;
    double risk, max_line_risk;
    double sum_line_risk;            /* Σ p over the lines: the lines expected to come back (the risk for an order
                                      * model: the chance the order comes back) */
    int flagged;
    const char *top_reasons;         /* "basket_repeat (+2.46); category=apparel (+0.65); …" */
} as_scored_order;
/* Receives every scored order in table order; a status other than AS_OK stops scoring and is returned. */
typedef as_status (*as_order_sink)(void *user, const as_scored_order *order, as_error *err);
/* as_score_db with a sink for the scored orders besides (or instead of) the CSV files of params. */
as_status as__score_db_orders(as_db *db, const as_model *m, const as_score_params *params, as_order_sink sink,
                              void *sink_user, as_score_stats *stats, as_error *err);

#endif
