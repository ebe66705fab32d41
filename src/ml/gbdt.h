/*
 * gbdt — gradient-boosted trees through libxgboost's C API (Debian's libxgboost-dev).
 *
 * NaN is the only missing-value marker (DMatrix missing = NaN; a 0 is a value). Binary targets use
 * binary:logistic, K ≥ 3 classes multi:softprob. Early stopping: after each round the validation rows' log loss
 * is evaluated; training stops after `early_stopping` rounds without improvement and the model keeps the best
 * round (predictions use iteration_range [0, best + 1)). Deterministic for a given seed and thread count
 * (tree_method "hist"). The booster round-trips through JSON text so the model file can hold it and load →
 * predict gives identical probabilities.
 */
#ifndef AS_ML_GBDT_H
#define AS_ML_GBDT_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

typedef struct as_gbdt_params {
    int rounds;                /* most boosting rounds (default 500) */
    double learning_rate;      /* eta (0.1) */
    int max_depth;             /* 6 */
    double min_child_weight;   /* 1 */
    double subsample;          /* 1 (row sampling off: deterministic and simple) */
    double colsample_bytree;   /* 1 */
    double reg_lambda;         /* 1 */
    int early_stopping;        /* 20; 0 = no early stopping (all rounds kept) */
    int threads;               /* 0 = all cores */
    uint32_t seed;             /* 0 */
} as_gbdt_params;
as_gbdt_params as__gbdt_params_default(void);

typedef struct as_gbdt as_gbdt;

typedef struct as_gbdt_info {
    int rounds_run;            /* rounds trained before stopping */
    int best_round;            /* 0-based; rounds kept = best_round + 1 */
    double best_validation_logloss;   /* NaN without validation rows */
} as_gbdt_info;

/* Fits on X (n × p, NaN = missing) with labels y (0/1 for K = 2, class codes 0..K−1 as doubles for K ≥ 3) and
 * optional row weights sw (NULL = 1). Xv/yv (nv rows) are the validation rows for early stopping (nv may be 0:
 * then all rounds are kept). AS_ERR_INVALID for bad parameters, AS_ERR_NUMERIC with xgboost's message on a
 * library failure. */
as_status as__gbdt_fit(const double *X, size_t n, size_t p, const double *y, const double *sw, int K,
                       const double *Xv, size_t nv, const double *yv, const as_gbdt_params *params, as_gbdt **out,
                       as_gbdt_info *info, as_error *err);
/* prob: n entries (probability of class 1) for K = 2, n × K row-major for K ≥ 3. */
as_status as__gbdt_predict(const as_gbdt *g, const double *X, size_t n, double *prob, as_error *err);
/* Per-row feature contributions to the margin (TreeSHAP, xgboost's pred_contribs) for the predicted margin of
 * class 1 (K = 2) or of class `cls` (K ≥ 3): contrib is n × (p + 1), the last column the bias. */
as_status as__gbdt_contributions(const as_gbdt *g, const double *X, size_t n, int cls, double *contrib,
                                 as_error *err);
/* The same shape from xgboost's approximate contributions (Saabas's path attribution, approx_contribs): they
 * also add up to the margin, cost about one prediction (TreeSHAP costs ~5 ms per row with 500 trees) and serve
 * the per-row explanations of scoring. cls[i] picks row i's class for K ≥ 3 (ignored, may be NULL, for K = 2). */
as_status as__gbdt_contributions_fast(const as_gbdt *g, const double *X, size_t n, const int *cls, double *contrib,
                                      as_error *err);
/* Total gain per feature (xgboost's "total_gain" importance), p entries, 0 for unused features. */
as_status as__gbdt_importance(const as_gbdt *g, double *gain, as_error *err);
/* The booster as xgboost JSON text (malloc'd via as__malloc, NUL-terminated; free with as__free). */
as_status as__gbdt_to_json(const as_gbdt *g, char **json, size_t *len, as_error *err);
/* Rebuilds a booster from as__gbdt_to_json's text; p, K and the kept rounds come from the caller's model file. */
as_status as__gbdt_from_json(const char *json, size_t len, size_t p, int K, int rounds_kept, as_gbdt **out,
                             as_error *err);
int as__gbdt_classes(const as_gbdt *g);
int as__gbdt_rounds_kept(const as_gbdt *g);
void as__gbdt_free(as_gbdt *g);

#endif
