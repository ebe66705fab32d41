/* api — the public steps that tie modules together (train, score, metrics output). Internal helpers. */
#ifndef AS_API_PIPELINE_H
#define AS_API_PIPELINE_H

#include "ml/model.h"
#include "store/store.h"

/* A labelled data set in encoded form, ready to split and fit. */
typedef struct as_dataset {
    size_t n, p;
    double *X;            /* n × p encoded (one-hot applied, imputed), not yet scaled; NaN only for boosted trees */
    double *y;            /* class codes 0 .. K−1 (0/1 when binary) */
    double *w;            /* per-row weights, or NULL (all 1) */
    int64_t *at;          /* time of each row (shop flow; rows in time order), or NULL */
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

#endif
