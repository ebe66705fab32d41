/*
 * Gradient-boosted trees through libxgboost's C API (written against Debian's libxgboost 1.7.4).
 *
 * Data: the caller's doubles are rounded to float32 (xgboost's storage type) into a scratch buffer, checked on the
 * way (NaN is the missing-value marker; an infinity, or a finite value beyond float range, is refused: xgboost would
 * reject it with a less helpful message), and handed to XGDMatrixCreateFromMat_omp with missing = NaN, so a 0 is a
 * real value. xgboost copies the data, so the buffer is freed at once.
 *
 * Every booster parameter that could change between xgboost versions is set explicitly (base_score 0.5, hist,
 * the objective and metric), so a fit does not depend on the library's defaults.
 *
 * Early stopping is done here, not by xgboost: after each round the validation rows are predicted (xgboost keeps
 * a prediction cache per DMatrix, so each round only adds the new trees) and their unweighted mean log loss is
 * computed in double from the float probabilities, with probabilities clipped to [1e-15, 1 − 1e-15] as
 * scikit-learn's log_loss does. A round is the new best only when its loss is strictly lower. After
 * `early_stopping` rounds without improvement training stops and the booster is sliced to rounds [0, best]
 * (XGBoosterSlice), so predictions, contributions, importance and the saved JSON all see the kept rounds only.
 * (The booster is sliced even when every round is kept: the slice holds only the trees, not the updater's
 * training buffers.) Predict calls still pass iteration_range [0, rounds kept) explicitly (a no-op on a sliced
 * booster). With validation rows but early_stopping = 0 every round is kept and best_validation_logloss is the
 * validation loss of the final model; without validation rows it is NaN.
 *
 * Threads: training uses params->threads (0 = all cores) for the DMatrix and the booster; scoring DMatrix
 * creation uses all cores, and a booster rebuilt from JSON predicts with xgboost's default (all cores).
 * Prediction results do not depend on the thread count.
 *
 * Errors from xgboost become AS_ERR_NUMERIC with the first line of XGBGetLastError() (its stack trace dropped),
 * except that booster text xgboost cannot load is AS_ERR_FORMAT (a damaged model file, not a library fault).
 */
#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xgboost/c_api.h>

#include "ml/gbdt.h"

/* Probability clip for the validation log loss (scikit-learn's log_loss eps). */
#define LOGLOSS_EPS 1e-15

struct as_gbdt {
    BoosterHandle bst;
    size_t p;
    int K;
    int rounds;     /* boosting rounds in the (sliced) booster = rounds kept */
};

as_gbdt_params as__gbdt_params_default(void) {
    as_gbdt_params p;
    p.rounds = 500;
    p.learning_rate = 0.1;
    p.max_depth = 6;
    p.min_child_weight = 1.0;
    p.subsample = 1.0;
    p.colsample_bytree = 1.0;
    p.reg_lambda = 1.0;
    p.early_stopping = 20;
    p.threads = 0;
    p.seed = 0;
    return p;
}

/* ---- errors ---------------------------------------------------------------------------------------------- */

/* xgboost's last error without its "[hh:mm:ss] " prefix and without the stack trace that follows the first line. */
static as_status xgb_fail_code(as_error *err, as_status code, const char *what) {
    const char *m = XGBGetLastError();
    if (!m || !*m) m = "(xgboost gave no message)";
    if (m[0] == '[') {
        const char *close = strstr(m, "] ");
        if (close && close - m < 16) m = close + 2;
    }
    size_t len = strcspn(m, "\r\n");
    if (len > 700) len = 700;
    return as__err(err, code, "gbdt: xgboost %s failed: %.*s", what, (int)len, m);
}

static as_status xgb_fail(as_error *err, const char *what) { return xgb_fail_code(err, AS_ERR_NUMERIC, what); }

#define XGB(call, what)                       \
    do {                                      \
        if ((call) != 0) {                    \
            st = xgb_fail(err, what);         \
            goto done;                        \
        }                                     \
    } while (0)

/* ---- data ------------------------------------------------------------------------------------------------ */

/* Rounds X (n × p) to float32 and builds a DMatrix with NaN as missing. `what` names the rows in messages. */
static as_status make_dmatrix(const double *X, size_t n, size_t p, int threads, const char *what, DMatrixHandle *out,
                              as_error *err) {
    *out = NULL;
    if (p != 0 && n > SIZE_MAX / sizeof(float) / p)
        return as__err(err, AS_ERR_NOMEM, "gbdt: %s matrix too large (%zu x %zu)", what, n, p);
    float *f = as__malloc(n * p * sizeof *f);
    if (!f) return as__err(err, AS_ERR_NOMEM, "gbdt: out of memory converting %zu x %zu %s values", n, p, what);
    for (size_t i = 0; i < n; i++) {
        const double *row = X + i * p;
        float *frow = f + i * p;
        for (size_t j = 0; j < p; j++) {
            double v = row[j];
            float fv = (float)v;
            if (isinf(fv)) {
                as__free(f);
                return as__err(err, AS_ERR_INVALID,
                               "gbdt: %s row %zu, column %zu is %g: infinite or beyond float32 range (use NaN for a "
                               "missing value)",
                               what, i, j, v);
            }
            frow[j] = fv;
        }
    }
    as_status st = AS_OK;
    if (XGDMatrixCreateFromMat_omp(f, (bst_ulong)n, (bst_ulong)p, NAN, out, threads) != 0) {
        *out = NULL;
        st = xgb_fail(err, "DMatrix creation");
    }
    as__free(f);
    return st;
}

/* Copies n doubles into float32 for a DMatrix info field ("label", "weight"). */
static as_status set_float_info(DMatrixHandle d, const char *field, const double *v, size_t n, as_error *err) {
    if (n > SIZE_MAX / sizeof(float)) return as__err(err, AS_ERR_NOMEM, "gbdt: too many rows (%zu)", n);
    float *f = as__malloc((n ? n : 1) * sizeof *f);
    if (!f) return as__err(err, AS_ERR_NOMEM, "gbdt: out of memory storing %zu %s values", n, field);
    for (size_t i = 0; i < n; i++) f[i] = (float)v[i];
    as_status st = AS_OK;
    if (XGDMatrixSetFloatInfo(d, field, f, (bst_ulong)n) != 0) st = xgb_fail(err, field);
    as__free(f);
    return st;
}

/* ---- validation ------------------------------------------------------------------------------------------ */

static as_status check_labels(const double *y, size_t n, int K, const char *what, as_error *err) {
    for (size_t i = 0; i < n; i++) {
        double v = y[i];
        if (isnan(v)) return as__err(err, AS_ERR_INVALID, "gbdt: %s label of row %zu is NaN", what, i);
        if (K == 2) {
            if (v != 0.0 && v != 1.0)
                return as__err(err, AS_ERR_INVALID, "gbdt: %s label of row %zu is %g, expected 0 or 1", what, i, v);
        } else if (!(v >= 0.0 && v < (double)K && v == floor(v))) {
            return as__err(err, AS_ERR_INVALID, "gbdt: %s label of row %zu is %g, expected a class code 0..%d", what,
                           i, v, K - 1);
        }
    }
    return AS_OK;
}

static as_status check_params(const as_gbdt_params *pr, as_error *err) {
    if (pr->rounds < 1) return as__err(err, AS_ERR_INVALID, "gbdt: rounds must be >= 1, got %d", pr->rounds);
    if (!(pr->learning_rate > 0.0 && pr->learning_rate <= 1.0))
        return as__err(err, AS_ERR_INVALID, "gbdt: learning_rate must be in (0, 1], got %g", pr->learning_rate);
    if (pr->max_depth < 1 || pr->max_depth > 64)
        return as__err(err, AS_ERR_INVALID, "gbdt: max_depth must be in 1..64, got %d", pr->max_depth);
    if (!(pr->min_child_weight >= 0.0 && isfinite(pr->min_child_weight)))
        return as__err(err, AS_ERR_INVALID, "gbdt: min_child_weight must be a finite number >= 0, got %g",
                       pr->min_child_weight);
    if (!(pr->subsample > 0.0 && pr->subsample <= 1.0))
        return as__err(err, AS_ERR_INVALID, "gbdt: subsample must be in (0, 1], got %g", pr->subsample);
    if (!(pr->colsample_bytree > 0.0 && pr->colsample_bytree <= 1.0))
        return as__err(err, AS_ERR_INVALID, "gbdt: colsample_bytree must be in (0, 1], got %g", pr->colsample_bytree);
    if (!(pr->reg_lambda >= 0.0 && isfinite(pr->reg_lambda)))
        return as__err(err, AS_ERR_INVALID, "gbdt: reg_lambda must be a finite number >= 0, got %g", pr->reg_lambda);
    if (pr->early_stopping < 0)
        return as__err(err, AS_ERR_INVALID, "gbdt: early_stopping must be >= 0 (0 = off), got %d", pr->early_stopping);
    if (pr->threads < 0) return as__err(err, AS_ERR_INVALID, "gbdt: threads must be >= 0 (0 = all cores), got %d",
                                        pr->threads);
    return AS_OK;
}

/* ---- booster parameters ---------------------------------------------------------------------------------- */

static as_status set_params(BoosterHandle b, const as_gbdt_params *pr, int K, as_error *err) {
    char v[64];
    as_status st = AS_OK;
    XGB(XGBoosterSetParam(b, "verbosity", "0"), "parameter verbosity");
    snprintf(v, sizeof v, "%d", pr->threads);
    XGB(XGBoosterSetParam(b, "nthread", v), "parameter nthread");
    snprintf(v, sizeof v, "%u", (unsigned)pr->seed);
    XGB(XGBoosterSetParam(b, "seed", v), "parameter seed");
    XGB(XGBoosterSetParam(b, "booster", "gbtree"), "parameter booster");
    XGB(XGBoosterSetParam(b, "tree_method", "hist"), "parameter tree_method");
    if (K == 2) {
        XGB(XGBoosterSetParam(b, "objective", "binary:logistic"), "parameter objective");
        XGB(XGBoosterSetParam(b, "eval_metric", "logloss"), "parameter eval_metric");
    } else {
        XGB(XGBoosterSetParam(b, "objective", "multi:softprob"), "parameter objective");
        snprintf(v, sizeof v, "%d", K);
        XGB(XGBoosterSetParam(b, "num_class", v), "parameter num_class");
        XGB(XGBoosterSetParam(b, "eval_metric", "mlogloss"), "parameter eval_metric");
    }
    XGB(XGBoosterSetParam(b, "base_score", "0.5"), "parameter base_score");
    snprintf(v, sizeof v, "%.17g", pr->learning_rate);
    XGB(XGBoosterSetParam(b, "eta", v), "parameter eta");
    snprintf(v, sizeof v, "%d", pr->max_depth);
    XGB(XGBoosterSetParam(b, "max_depth", v), "parameter max_depth");
    snprintf(v, sizeof v, "%.17g", pr->min_child_weight);
    XGB(XGBoosterSetParam(b, "min_child_weight", v), "parameter min_child_weight");
    snprintf(v, sizeof v, "%.17g", pr->subsample);
    XGB(XGBoosterSetParam(b, "subsample", v), "parameter subsample");
    snprintf(v, sizeof v, "%.17g", pr->colsample_bytree);
    XGB(XGBoosterSetParam(b, "colsample_bytree", v), "parameter colsample_bytree");
    snprintf(v, sizeof v, "%.17g", pr->reg_lambda);
    XGB(XGBoosterSetParam(b, "lambda", v), "parameter lambda");
done:
    return st;
}

/* ---- prediction ------------------------------------------------------------------------------------------ */

/* Runs XGBoosterPredictFromDMatrix with the given type over rounds [0, end) (end 0 = all) and checks that the
 * result holds exactly `expect` floats. *res points into xgboost's buffer (valid until the next call). */
static as_status predict_raw(BoosterHandle b, DMatrixHandle d, int type, int end, size_t expect, const float **res,
                             as_error *err) {
    char cfg[160];
    snprintf(cfg, sizeof cfg,
             "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": %d, "
             "\"strict_shape\": false}",
             type, end);
    const bst_ulong *shape = NULL;
    bst_ulong dim = 0;
    const float *out = NULL;
    if (XGBoosterPredictFromDMatrix(b, d, cfg, &shape, &dim, &out) != 0) return xgb_fail(err, "prediction");
    size_t total = 1;
    for (bst_ulong k = 0; k < dim; k++) total *= (size_t)shape[k];
    if (dim == 0 || total != expect || !out)
        return as__err(err, AS_ERR_NUMERIC, "gbdt: xgboost returned %zu prediction values, expected %zu", total,
                       expect);
    *res = out;
    return AS_OK;
}

/* Unweighted mean log loss of float probabilities (n × outputs) against labels y. */
static double log_loss(const float *prob, const double *y, size_t n, int K) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double q;
        if (K == 2) {
            double p1 = prob[i];
            q = y[i] == 1.0 ? p1 : 1.0 - p1;
        } else {
            q = prob[i * (size_t)K + (size_t)y[i]];
        }
        if (q < LOGLOSS_EPS) q = LOGLOSS_EPS;
        if (q > 1.0 - LOGLOSS_EPS) q = 1.0 - LOGLOSS_EPS;
        s -= log(q);
    }
    return s / (double)n;
}

/* ---- fit ------------------------------------------------------------------------------------------------- */

as_status as__gbdt_fit(const double *X, size_t n, size_t p, const double *y, const double *sw, int K,
                       const double *Xv, size_t nv, const double *yv, const as_gbdt_params *params, as_gbdt **out,
                       as_gbdt_info *info, as_error *err) {
    if (!out) return as__err(err, AS_ERR_INVALID, "gbdt: no place for the model (out is NULL)");
    *out = NULL;
    if (info) {
        info->rounds_run = 0;
        info->best_round = -1;
        info->best_validation_logloss = NAN;
    }
    as_gbdt_params pr = params ? *params : as__gbdt_params_default();
    as_status st = check_params(&pr, err);
    if (st != AS_OK) return st;
    if (K < 2) return as__err(err, AS_ERR_INVALID, "gbdt: the number of classes must be >= 2, got %d", K);
    if (p == 0) return as__err(err, AS_ERR_INVALID, "gbdt: no feature columns (p = 0)");
    if (p > (size_t)INT_MAX) return as__err(err, AS_ERR_INVALID, "gbdt: too many feature columns (%zu)", p);
    if (n == 0) return as__err(err, AS_ERR_NODATA, "gbdt: no training rows");
    if (!X || !y) return as__err(err, AS_ERR_INVALID, "gbdt: training features or labels missing (NULL)");
    if (nv > 0 && (!Xv || !yv))
        return as__err(err, AS_ERR_INVALID, "gbdt: %zu validation rows but their features or labels are NULL", nv);
    if ((st = check_labels(y, n, K, "training", err)) != AS_OK) return st;
    if (nv > 0 && (st = check_labels(yv, nv, K, "validation", err)) != AS_OK) return st;
    if (sw) {
        int any = 0;
        for (size_t i = 0; i < n; i++) {
            float f = (float)sw[i];
            if (isnan(sw[i])) return as__err(err, AS_ERR_INVALID, "gbdt: weight of row %zu is NaN", i);
            if (!(sw[i] >= 0.0) || isinf(f))
                return as__err(err, AS_ERR_INVALID, "gbdt: weight of row %zu is %g, expected a finite number >= 0", i,
                               sw[i]);
            any |= f > 0.0f;
        }
        if (!any) return as__err(err, AS_ERR_NODATA, "gbdt: every training row has weight 0");
    }
    size_t per_row = K == 2 ? 1 : (size_t)K;
    if (nv > SIZE_MAX / per_row) return as__err(err, AS_ERR_NOMEM, "gbdt: too many validation rows (%zu)", nv);

    DMatrixHandle dtrain = NULL, dvalid = NULL;
    BoosterHandle bst = NULL, sliced = NULL;
    as_gbdt *g = NULL;
    const float *pred = NULL;
    int best = -1, ran = 0;
    double best_loss = NAN;

    if ((st = make_dmatrix(X, n, p, pr.threads, "training", &dtrain, err)) != AS_OK) goto done;
    if ((st = set_float_info(dtrain, "label", y, n, err)) != AS_OK) goto done;
    if (sw && (st = set_float_info(dtrain, "weight", sw, n, err)) != AS_OK) goto done;
    if (nv > 0 && (st = make_dmatrix(Xv, nv, p, pr.threads, "validation", &dvalid, err)) != AS_OK) goto done;

    DMatrixHandle cache[2] = {dtrain, dvalid};
    XGB(XGBoosterCreate(cache, dvalid ? 2 : 1, &bst), "booster creation");
    if ((st = set_params(bst, &pr, K, err)) != AS_OK) goto done;

    int stopping = nv > 0 && pr.early_stopping > 0;
    for (int r = 0; r < pr.rounds; r++) {
        XGB(XGBoosterUpdateOneIter(bst, r, dtrain), "boosting round");
        ran = r + 1;
        if (!stopping) continue;
        if ((st = predict_raw(bst, dvalid, 0, 0, nv * per_row, &pred, err)) != AS_OK) goto done;
        double loss = log_loss(pred, yv, nv, K);
        if (isnan(loss)) {
            st = as__err(err, AS_ERR_NUMERIC, "gbdt: validation log loss is NaN after round %d", r);
            goto done;
        }
        if (best < 0 || loss < best_loss) {
            best = r;
            best_loss = loss;
        } else if (r - best >= pr.early_stopping) {
            break;
        }
    }
    if (!stopping) {
        best = ran - 1;
        if (nv > 0) {   /* early stopping off: report the validation loss of the (full) model */
            if ((st = predict_raw(bst, dvalid, 0, 0, nv * per_row, &pred, err)) != AS_OK) goto done;
            best_loss = log_loss(pred, yv, nv, K);
        }
    }
    /* Sliced even when every round is kept: the slice is a fresh booster holding only the trees, so the
     * training-time state (histogram buffers, row partitions, gradient caches) is released with the original. */
    {
        int rc = XGBoosterSlice(bst, 0, best + 1, 1, &sliced);
        if (rc == -2) {
            st = as__err(err, AS_ERR_NUMERIC, "gbdt: xgboost could not slice rounds [0, %d) of %d", best + 1, ran);
            goto done;
        }
        if (rc != 0) {
            st = xgb_fail(err, "booster slice");
            goto done;
        }
        XGBoosterFree(bst);
        bst = sliced;
        sliced = NULL;
    }
    int have = 0;
    XGB(XGBoosterBoostedRounds(bst, &have), "round count");
    if (have != best + 1) {
        st = as__err(err, AS_ERR_NUMERIC, "gbdt: booster holds %d rounds, expected %d", have, best + 1);
        goto done;
    }

    g = as__calloc(1, sizeof *g);
    if (!g) {
        st = as__err(err, AS_ERR_NOMEM, "gbdt: out of memory");
        goto done;
    }
    g->bst = bst;
    bst = NULL;
    g->p = p;
    g->K = K;
    g->rounds = best + 1;
    *out = g;
    if (info) {
        info->rounds_run = ran;
        info->best_round = best;
        info->best_validation_logloss = best_loss;
    }
done:
    if (sliced) XGBoosterFree(sliced);
    if (bst) XGBoosterFree(bst);
    if (dvalid) XGDMatrixFree(dvalid);
    if (dtrain) XGDMatrixFree(dtrain);
    return st;
}

/* ---- predict, contributions ------------------------------------------------------------------------------ */

/* Number of threads for scoring DMatrix creation: all cores (xgboost's 0). */
#define PREDICT_THREADS 0

as_status as__gbdt_predict(const as_gbdt *g, const double *X, size_t n, double *prob, as_error *err) {
    if (!g) return as__err(err, AS_ERR_INVALID, "gbdt: no model (NULL)");
    if (n == 0) return AS_OK;
    if (!X || !prob) return as__err(err, AS_ERR_INVALID, "gbdt: features or output missing (NULL)");
    size_t per_row = g->K == 2 ? 1 : (size_t)g->K;
    if (n > SIZE_MAX / per_row) return as__err(err, AS_ERR_NOMEM, "gbdt: too many rows (%zu)", n);
    DMatrixHandle d = NULL;
    as_status st = make_dmatrix(X, n, g->p, PREDICT_THREADS, "scoring", &d, err);
    if (st != AS_OK) return st;
    const float *res = NULL;
    st = predict_raw(g->bst, d, 0, g->rounds, n * per_row, &res, err);
    if (st == AS_OK)
        for (size_t k = 0; k < n * per_row; k++) prob[k] = res[k];
    XGDMatrixFree(d);
    return st;
}

as_status as__gbdt_contributions(const as_gbdt *g, const double *X, size_t n, int cls, double *contrib,
                                 as_error *err) {
    if (!g) return as__err(err, AS_ERR_INVALID, "gbdt: no model (NULL)");
    if (g->K > 2 && (cls < 0 || cls >= g->K))
        return as__err(err, AS_ERR_INVALID, "gbdt: class %d out of range 0..%d", cls, g->K - 1);
    if (n == 0) return AS_OK;
    if (!X || !contrib) return as__err(err, AS_ERR_INVALID, "gbdt: features or output missing (NULL)");
    size_t w = g->p + 1, per_row = (g->K == 2 ? 1 : (size_t)g->K) * w;
    if (n > SIZE_MAX / sizeof(float) / per_row) return as__err(err, AS_ERR_NOMEM, "gbdt: too many rows (%zu)", n);
    DMatrixHandle d = NULL;
    as_status st = make_dmatrix(X, n, g->p, PREDICT_THREADS, "scoring", &d, err);
    if (st != AS_OK) return st;
    const float *res = NULL;
    st = predict_raw(g->bst, d, 2, g->rounds, n * per_row, &res, err);
    if (st == AS_OK) {
        /* binary: n × (p + 1); multiclass: n × K × (p + 1) */
        size_t off = g->K == 2 ? 0 : (size_t)cls * w;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < w; j++) contrib[i * w + j] = res[i * per_row + off + j];
    }
    XGDMatrixFree(d);
    return st;
}

as_status as__gbdt_contributions_fast(const as_gbdt *g, const double *X, size_t n, const int *cls, double *contrib,
                                      as_error *err) {
    if (!g) return as__err(err, AS_ERR_INVALID, "gbdt: no model (NULL)");
    if (n == 0) return AS_OK;
    if (!X || !contrib || (g->K > 2 && !cls)) return as__err(err, AS_ERR_INVALID, "gbdt: features or output missing (NULL)");
    size_t w = g->p + 1, per_row = (g->K == 2 ? 1 : (size_t)g->K) * w;
    if (n > SIZE_MAX / sizeof(float) / per_row) return as__err(err, AS_ERR_NOMEM, "gbdt: too many rows (%zu)", n);
    for (size_t i = 0; g->K > 2 && i < n; i++)
        if (cls[i] < 0 || cls[i] >= g->K)
            return as__err(err, AS_ERR_INVALID, "gbdt: class %d out of range 0..%d", cls[i], g->K - 1);
    DMatrixHandle d = NULL;
    as_status st = make_dmatrix(X, n, g->p, PREDICT_THREADS, "scoring", &d, err);
    if (st != AS_OK) return st;
    const float *res = NULL;
    /* type 3: xgboost's approximate contributions (Saabas: the change of each tree's expected value along the
     * row's path, credited to the split feature) — one pass down each tree, like a prediction */
    st = predict_raw(g->bst, d, 3, g->rounds, n * per_row, &res, err);
    if (st == AS_OK)
        for (size_t i = 0; i < n; i++) {
            size_t off = g->K == 2 ? 0 : (size_t)cls[i] * w;
            for (size_t j = 0; j < w; j++) contrib[i * w + j] = res[i * per_row + off + j];
        }
    XGDMatrixFree(d);
    return st;
}

/* ---- importance ------------------------------------------------------------------------------------------ */

as_status as__gbdt_importance(const as_gbdt *g, double *gain, as_error *err) {
    if (!g) return as__err(err, AS_ERR_INVALID, "gbdt: no model (NULL)");
    if (!gain) return as__err(err, AS_ERR_INVALID, "gbdt: output missing (NULL)");
    for (size_t j = 0; j < g->p; j++) gain[j] = 0.0;
    as_status st = AS_OK;
    bst_ulong nf = 0, dim = 0;
    const char **names = NULL;
    const bst_ulong *shape = NULL;
    const float *scores = NULL;
    /* Without feature names in the booster xgboost names feature j "f<j>". */
    XGB(XGBoosterFeatureScore(g->bst, "{\"importance_type\": \"total_gain\"}", &nf, &names, &dim, &shape, &scores),
        "feature importance");
    if (nf > 0 && (dim != 1 || shape[0] != nf || !names || !scores)) {
        st = as__err(err, AS_ERR_NUMERIC, "gbdt: xgboost returned importance scores of an unexpected shape");
        goto done;
    }
    for (bst_ulong k = 0; k < nf; k++) {
        const char *s = names[k];
        char *end = NULL;
        unsigned long long j = 0;
        if (s && s[0] == 'f' && s[1] >= '0' && s[1] <= '9') j = strtoull(s + 1, &end, 10);
        if (!end || *end != '\0' || j >= g->p) {
            st = as__err(err, AS_ERR_FORMAT, "gbdt: the booster names a feature '%s', expected f0..f%zu", s ? s : "",
                         g->p - 1);
            goto done;
        }
        gain[j] = scores[k];
    }
done:
    return st;
}

/* ---- JSON ------------------------------------------------------------------------------------------------ */

as_status as__gbdt_to_json(const as_gbdt *g, char **json, size_t *len, as_error *err) {
    if (json) *json = NULL;
    if (len) *len = 0;
    if (!g || !json) return as__err(err, AS_ERR_INVALID, "gbdt: no model or no output (NULL)");
    bst_ulong n = 0;
    const char *buf = NULL;
    as_status st = AS_OK;
    XGB(XGBoosterSaveModelToBuffer(g->bst, "{\"format\": \"json\"}", &n, &buf), "model export");
    if (n >= SIZE_MAX || !buf) {
        st = as__err(err, AS_ERR_NUMERIC, "gbdt: xgboost returned no model text");
        goto done;
    }
    char *s = as__malloc((size_t)n + 1);
    if (!s) {
        st = as__err(err, AS_ERR_NOMEM, "gbdt: out of memory copying the %zu-byte model text", (size_t)n);
        goto done;
    }
    memcpy(s, buf, (size_t)n);
    s[n] = '\0';
    *json = s;
    if (len) *len = (size_t)n;
done:
    return st;
}

/* Reads objective name and num_class from the booster's JSON configuration. */
static as_status booster_objective(BoosterHandle b, char *obj, size_t objsize, int *num_class, as_error *err) {
    bst_ulong n = 0;
    const char *cfg = NULL;
    if (XGBoosterSaveJsonConfig(b, &n, &cfg) != 0) return xgb_fail(err, "configuration export");
    cJSON *root = cJSON_ParseWithLength(cfg, (size_t)n);
    if (!root) return as__err(err, AS_ERR_NOMEM, "gbdt: cannot parse xgboost's configuration (out of memory?)");
    cJSON *learner = cJSON_GetObjectItemCaseSensitive(root, "learner");
    cJSON *mp = cJSON_GetObjectItemCaseSensitive(learner, "learner_model_param");
    cJSON *nc = cJSON_GetObjectItemCaseSensitive(mp, "num_class");
    cJSON *ob = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(learner, "objective"), "name");
    as_status st = AS_OK;
    if (!cJSON_IsString(nc) || !cJSON_IsString(ob)) {
        st = as__err(err, AS_ERR_FORMAT, "gbdt: xgboost's configuration lacks the objective or num_class");
    } else {
        *num_class = atoi(nc->valuestring);
        snprintf(obj, objsize, "%s", ob->valuestring);
    }
    cJSON_Delete(root);
    return st;
}

as_status as__gbdt_from_json(const char *json, size_t len, size_t p, int K, int rounds_kept, as_gbdt **out,
                             as_error *err) {
    if (!out) return as__err(err, AS_ERR_INVALID, "gbdt: no place for the model (out is NULL)");
    *out = NULL;
    if (!json || len == 0) return as__err(err, AS_ERR_FORMAT, "gbdt: the booster text is empty");
    if (p == 0 || p > (size_t)INT_MAX) return as__err(err, AS_ERR_FORMAT, "gbdt: invalid feature count %zu", p);
    if (K < 2) return as__err(err, AS_ERR_FORMAT, "gbdt: invalid class count %d", K);
    if (rounds_kept < 1) return as__err(err, AS_ERR_FORMAT, "gbdt: invalid round count %d", rounds_kept);
    as_status st = AS_OK;
    BoosterHandle bst = NULL, sliced = NULL;
    as_gbdt *g = NULL;
    XGB(XGBoosterCreate(NULL, 0, &bst), "booster creation");
    XGB(XGBoosterSetParam(bst, "verbosity", "0"), "parameter verbosity");
    {
        /* scoring threads: as training's default, one on small machines where OpenMP spin-waiting costs more
         * than the second core gives (predictions do not depend on the thread count) */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        char nt[16];
        snprintf(nt, sizeof nt, "%ld", cores <= 2 ? 1L : cores - 1);
        XGB(XGBoosterSetParam(bst, "nthread", nt), "parameter nthread");
    }
    if (XGBoosterLoadModelFromBuffer(bst, json, (bst_ulong)len) != 0) {
        st = xgb_fail_code(err, AS_ERR_FORMAT, "model load");   /* the model file's text, not a library fault */
        goto done;
    }
    bst_ulong nfeat = 0;
    XGB(XGBoosterGetNumFeature(bst, &nfeat), "feature count");
    if ((size_t)nfeat != p) {
        st = as__err(err, AS_ERR_FORMAT, "gbdt: the booster has %zu features, the model file says %zu", (size_t)nfeat,
                     p);
        goto done;
    }
    char obj[64];
    int num_class = 0;
    if ((st = booster_objective(bst, obj, sizeof obj, &num_class, err)) != AS_OK) goto done;
    if (K == 2 ? strcmp(obj, "binary:logistic") != 0 : (strcmp(obj, "multi:softprob") != 0 || num_class != K)) {
        st = as__err(err, AS_ERR_FORMAT, "gbdt: the booster's objective is %s with %d classes, the model file says %d "
                     "classes", obj, num_class, K);
        goto done;
    }
    int have = 0;
    XGB(XGBoosterBoostedRounds(bst, &have), "round count");
    if (have < rounds_kept) {
        st = as__err(err, AS_ERR_FORMAT, "gbdt: the booster holds %d rounds, the model file says %d", have,
                     rounds_kept);
        goto done;
    }
    if (have > rounds_kept) {   /* keep only the rounds the model file names */
        int rc = XGBoosterSlice(bst, 0, rounds_kept, 1, &sliced);
        if (rc != 0) {
            st = rc == -2 ? as__err(err, AS_ERR_FORMAT, "gbdt: cannot keep %d of the booster's %d rounds", rounds_kept,
                                    have)
                          : xgb_fail(err, "booster slice");
            goto done;
        }
        XGBoosterFree(bst);
        bst = sliced;
        sliced = NULL;
    }
    g = as__calloc(1, sizeof *g);
    if (!g) {
        st = as__err(err, AS_ERR_NOMEM, "gbdt: out of memory");
        goto done;
    }
    g->bst = bst;
    bst = NULL;
    g->p = p;
    g->K = K;
    g->rounds = rounds_kept;
    *out = g;
done:
    if (sliced) XGBoosterFree(sliced);
    if (bst) XGBoosterFree(bst);
    return st;
}

int as__gbdt_classes(const as_gbdt *g) { return g ? g->K : 0; }
int as__gbdt_rounds_kept(const as_gbdt *g) { return g ? g->rounds : 0; }

void as__gbdt_free(as_gbdt *g) {
    if (!g) return;
    if (g->bst) XGBoosterFree(g->bst);
    as__free(g);
}
