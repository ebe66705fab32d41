/* api — the public steps that tie modules together (train, score, metrics output). Internal helpers. */
#ifndef AS_API_PIPELINE_H
#define AS_API_PIPELINE_H

#include "ml/model.h"
#include "store/store.h"

/* A labelled data set in encoded form, ready to split and fit. */
typedef struct as_dataset {
    size_t n, p;
    double *X;            /* n × p encoded (one-hot applied), not yet scaled */
    double *y;            /* 0/1 */
    int64_t *at;          /* time of each row (shop flow), or NULL */
} as_dataset;

/* Fits scaler, PCA and logistic regression on the rows `train`, evaluates on `train` and `test`, and fills
 * the model's preprocessing and coefficients plus the report's metrics. */
as_status as__fit_and_evaluate(as_model *m, const as_dataset *d, const size_t *train, size_t n_train,
                               const size_t *test, size_t n_test, const as_train_params *params,
                               as_metrics_report *rep, as_error *err);

/* AS_OK when the features table exists and was built after the last ingest; AS_ERR_STATE naming the step
 * to run otherwise. */
as_status as__features_current(as_db *db, as_error *err);

/* Sorted unique copy of the given strings (NULLs skipped) as a new level list (caller frees). */
as_status as__vocab_build(const char *const *values, const size_t *rows, size_t n, char ***levels, size_t *n_levels);

#endif
