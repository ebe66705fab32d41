/* Unit tests of src/ml/metrics.c against scikit-learn 1.2.1 (Debian's /usr/bin/python3, numpy 1.24.2).
 *
 * The reference numbers were printed once by the snippets quoted above each block, run after
 *     import numpy as np, warnings; warnings.simplefilter("ignore")
 *     from sklearn.metrics import (accuracy_score, precision_recall_fscore_support as prf, confusion_matrix,
 *         roc_auc_score, average_precision_score, log_loss, brier_score_loss)
 *     from sklearn.calibration import calibration_curve
 * and are compared exactly (tolerance 0) where the implementation sums as numpy does; ROC-AUC, which is computed
 * as the Mann–Whitney count rather than scikit-learn's trapezoid integral, to 1e-15. */
#include <float.h>

#include "ml/ml.h"
#include "test.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------------------- */
/* binary                                                                                                    */
/* ------------------------------------------------------------------------------------------------------- */

static void test_binary_reference(void) {
    /* y = np.array([0,0,1,1,0,1,0,0,1,1,0,1,0,0,0,1,1,0,1,0,0,1,0,1])
     * p = np.array([0.05,0.1,0.1,0.2,0.25,0.3,0.35,0.4,0.45,0.5,0.5,0.55,0.6,0.65,0.7,0.7,0.75,0.8,0.85,0.9,
     *               0.95,0.97,0.3,1.0]); pred = (p > 0.5).astype(int)
     * accuracy_score(y, pred); prf(y, pred, average=a, zero_division=0) for a in None, "binary", "macro",
     * "micro", "weighted"; confusion_matrix(y, pred); roc_auc_score(y, p); average_precision_score(y, p);
     * log_loss(y, p); brier_score_loss(y, p);
     * prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform") (every bin is occupied here;
     * 0.1 and 0.5, which sit on edges, fall in the bin below: searchsorted side="left");
     * counts = np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], p), minlength=10);
     * ECE = np.sum(counts / len(y) * np.abs(prob_true - prob_pred)) */
    static const double y[] = {0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1};
    static const double p[] = {0.05, 0.1, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.5, 0.55,
                               0.6,  0.65, 0.7, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.3, 1.0};
    as_metrics m;
    as_error err;
    CHECK_OK(as__metrics_binary(y, p, N_OF(y), &m, &err), &err);
    CHECK(m.n_classes == 2 && m.rows == 24 && m.positives == 11);
    CHECK_NEAR(m.accuracy, 0.5416666666666666, 0);
    CHECK_NEAR(m.precision, 0.5, 0);
    CHECK_NEAR(m.recall, 0.5454545454545454, 0);
    CHECK_NEAR(m.f1, 0.5217391304347826, 0);
    CHECK(m.confusion[0][0] == 7 && m.confusion[0][1] == 6 && m.confusion[1][0] == 5 && m.confusion[1][1] == 6);
    CHECK(m.tn == 7 && m.fp == 6 && m.fn == 5 && m.tp == 6);
    CHECK(m.class_support[0] == 13 && m.class_support[1] == 11);
    CHECK_NEAR(m.class_precision[0], 0.5833333333333334, 0);
    CHECK_NEAR(m.class_precision[1], 0.5, 0);
    CHECK_NEAR(m.class_recall[0], 0.5384615384615384, 0);
    CHECK_NEAR(m.class_recall[1], 0.5454545454545454, 0);
    CHECK_NEAR(m.class_f1[0], 0.5599999999999999, 0);
    CHECK_NEAR(m.class_f1[1], 0.5217391304347826, 0);
    CHECK_NEAR(m.macro_precision, 0.5416666666666667, 0);
    CHECK_NEAR(m.macro_recall, 0.5419580419580419, 0);
    CHECK_NEAR(m.macro_f1, 0.5408695652173913, 0);
    CHECK_NEAR(m.micro_precision, 0.5416666666666666, 0);
    CHECK_NEAR(m.micro_recall, 0.5416666666666666, 0);
    CHECK_NEAR(m.micro_f1, 0.5416666666666666, 0);
    CHECK_NEAR(m.weighted_precision, 0.545138888888889, 0);
    CHECK_NEAR(m.weighted_recall, 0.5416666666666666, 0);
    CHECK_NEAR(m.weighted_f1, 0.542463768115942, 0);
    CHECK_NEAR(m.roc_auc, 0.5804195804195804, 1e-15);
    CHECK_NEAR(m.roc_auc_ovr_macro, 0.5804195804195804, 1e-15);
    CHECK_NEAR(m.roc_auc_ovr_weighted, 0.5804195804195804, 1e-15);
    CHECK_NEAR(m.class_roc_auc[1], 0.5804195804195804, 1e-15);
    CHECK_NEAR(m.pr_auc, 0.6080411833272246, 1e-15);
    CHECK_NEAR(m.log_loss, 0.8565179302998166, 0);
    CHECK_NEAR(m.brier, 0.299725, 0);
    static const int64_t cnt[10] = {3, 1, 3, 2, 3, 2, 3, 2, 2, 3};
    static const double frac[10] = {0.3333333333333333, 1.0, 0.3333333333333333, 0.0, 0.6666666666666666,
                                    0.5, 0.3333333333333333, 0.5, 0.5, 0.6666666666666666};
    static const double mean[10] = {0.08333333333333333, 0.2, 0.2833333333333334, 0.375, 0.48333333333333334,
                                    0.575, 0.6833333333333332, 0.775, 0.875, 0.9733333333333333};
    for (int b = 0; b < 10; b++) {
        CHECK_MSG(m.cal_count[b] == cnt[b], "bin %d: %lld rows", b, (long long)m.cal_count[b]);
        CHECK_NEAR(m.cal_fraction_positive[b], frac[b], 0);
        CHECK_NEAR(m.cal_mean_predicted[b], mean[b], 0);
    }
    CHECK_NEAR(m.expected_calibration_error, 0.26749999999999996, 1e-16);
    CHECK(m.no_predicted_positive == 0 && m.one_class_truth == 0);
}

static void test_binary_calibration_edges(void) {
    /* calibration_curve keeps only occupied bins; the table keeps all ten (count 0, NaN means). Scores on the
     * edges go to the lower bin, 0.30000000000000004 (= 3 · 0.1, numpy's edge) too, 0.3 as well; 0 → bin 0.
     * np.searchsorted(np.linspace(0, 1, 11)[1:-1], [0.0, 0.3, 0.30000000000000004, 0.3000000000000001, 1.0])
     * = [0, 2, 2, 3, 9] */
    static const double y[] = {0, 1, 1, 0, 1};
    static const double p[] = {0.0, 0.3, 0.30000000000000004, 0.3000000000000001, 1.0};
    as_metrics m;
    as_error err;
    CHECK_OK(as__metrics_binary(y, p, 5, &m, &err), &err);
    static const int64_t cnt[10] = {1, 0, 2, 1, 0, 0, 0, 0, 0, 1};
    for (int b = 0; b < 10; b++) {
        CHECK_MSG(m.cal_count[b] == cnt[b], "bin %d: %lld rows", b, (long long)m.cal_count[b]);
        if (!cnt[b]) CHECK(isnan(m.cal_mean_predicted[b]) && isnan(m.cal_fraction_positive[b]));
    }
    CHECK_NEAR(m.cal_fraction_positive[2], 1.0, 0);
    CHECK_NEAR(m.cal_mean_predicted[2], (0.3 + 0.30000000000000004) / 2, 0);
    CHECK_NEAR(m.cal_fraction_positive[9], 1.0, 0);
    CHECK(isfinite(m.expected_calibration_error));
}

static void test_binary_edges(void) {
    as_metrics m;
    as_error err;
    /* For each (y, p): prf(y, (p > 0.5).astype(int), average=a, zero_division=0)[:3] for macro / micro /
     * weighted; log_loss(y, p, labels=[0, 1]); confusion_matrix(y, pred, labels=[0, 1]). The averages run over
     * the labels present in y or pred, as scikit-learn does without labels=. */
    static const struct {
        double y[4], p[4];
        size_t n;
        double macro[3], micro[3], weighted[3], log_loss;
        int64_t cm[2][2];
        int npp, one_class;
    } cs[] = {
        /* all negative truth: ROC-AUC and PR-AUC NaN (one_class_truth) */
        {{0, 0, 0}, {0.2, 0.7, 0.1}, 3, {0.5, 0.3333333333333333, 0.4},
         {0.6666666666666666, 0.6666666666666666, 0.6666666666666666}, {1.0, 0.6666666666666666, 0.8000000000000002},
         0.5108256237659906, {{2, 1}, {0, 0}}, 0, 1},
        /* all positive truth */
        {{1, 1, 1}, {0.2, 0.7, 0.1}, 3, {0.5, 0.16666666666666666, 0.25},
         {0.3333333333333333, 0.3333333333333333, 0.3333333333333333}, {1.0, 0.3333333333333333, 0.5},
         1.422899316455626, {{0, 0}, {2, 1}}, 0, 1},
        /* no predicted positive */
        {{0, 1, 0, 1}, {0.1, 0.4, 0.2, 0.5}, 4, {0.25, 0.5, 0.3333333333333333}, {0.5, 0.5, 0.5},
         {0.25, 0.5, 0.3333333333333333}, 0.484485494851534, {{2, 0}, {2, 0}}, 1, 0},
        /* all scores equal */
        {{0, 1, 0, 1}, {0.3, 0.3, 0.3, 0.3}, 4, {0.25, 0.5, 0.3333333333333333}, {0.5, 0.5, 0.5},
         {0.25, 0.5, 0.3333333333333333}, 0.7803238741323343, {{2, 0}, {2, 0}}, 1, 0},
        /* one row, right: only label 1 is present, so every average is 1 */
        {{1}, {0.9}, 1, {1.0, 1.0, 1.0}, {1.0, 1.0, 1.0}, {1.0, 1.0, 1.0}, 0.10536051565782628, {{0, 0}, {0, 1}}, 0, 1},
        /* one row, wrong */
        {{0}, {0.9}, 1, {0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}, 2.302585092994046, {{0, 1}, {0, 0}}, 0, 1},
        /* only label 0 anywhere: scikit-learn averages over that one label */
        {{0, 0}, {0.1, 0.2}, 2, {1.0, 1.0, 1.0}, {1.0, 1.0, 1.0}, {1.0, 1.0, 1.0}, 0.164252033486018,
         {{2, 0}, {0, 0}}, 1, 1},
    };
    for (size_t c = 0; c < N_OF(cs); c++) {
        as_status st = as__metrics_binary(cs[c].y, cs[c].p, cs[c].n, &m, &err);
        CHECK_MSG(st == AS_OK, "case %zu: %s", c, err.msg);
        fprintf(stderr, "   case %zu\n", c);
        CHECK_NEAR(m.macro_precision, cs[c].macro[0], 0);
        CHECK_NEAR(m.macro_recall, cs[c].macro[1], 0);
        CHECK_NEAR(m.macro_f1, cs[c].macro[2], 0);
        CHECK_NEAR(m.micro_precision, cs[c].micro[0], 0);
        CHECK_NEAR(m.micro_recall, cs[c].micro[1], 0);
        CHECK_NEAR(m.micro_f1, cs[c].micro[2], 0);
        CHECK_NEAR(m.weighted_precision, cs[c].weighted[0], 0);
        CHECK_NEAR(m.weighted_recall, cs[c].weighted[1], 0);
        CHECK_NEAR(m.weighted_f1, cs[c].weighted[2], 0);
        CHECK_NEAR(m.log_loss, cs[c].log_loss, 0);
        CHECK(m.confusion[0][0] == cs[c].cm[0][0] && m.confusion[0][1] == cs[c].cm[0][1] &&
              m.confusion[1][0] == cs[c].cm[1][0] && m.confusion[1][1] == cs[c].cm[1][1]);
        CHECK(m.no_predicted_positive == cs[c].npp && m.one_class_truth == cs[c].one_class);
        if (cs[c].one_class) CHECK(isnan(m.roc_auc) && isnan(m.roc_auc_ovr_macro) && isnan(m.class_roc_auc[1]));
        CHECK(isfinite(m.brier) && isfinite(m.precision_top1) && isfinite(m.best_f1));
        int64_t total = 0;
        for (int b = 0; b < AS_CALIBRATION_BINS; b++) total += m.cal_count[b];
        CHECK(total == (int64_t)cs[c].n && isfinite(m.expected_calibration_error));
    }
    /* all equal scores: AUC ½ */
    CHECK_OK(as__metrics_binary(cs[3].y, cs[3].p, 4, &m, &err), &err);
    CHECK(m.roc_auc == 0.5 && m.cal_count[2] == 4);

    /* n = 0: no data, everything undefined, nothing read */
    CHECK(as__metrics_binary(NULL, NULL, 0, &m, &err) == AS_ERR_NODATA);
    CHECK(m.rows == 0 && m.n_classes == 2 && isnan(m.roc_auc) && isnan(m.macro_f1) && isnan(m.cal_mean_predicted[0]) &&
          isnan(m.expected_calibration_error) && m.cal_count[0] == 0);
    /* a label other than 0/1: INVALID, and the message points at the multiclass metrics */
    static const double y3[] = {0, 1, 2}, p3[] = {0.1, 0.5, 0.9};
    CHECK(as__metrics_binary(y3, p3, 3, &m, &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "row 2") && strstr(err.msg, "multiclass"), "%s", err.msg);
    static const double yh[] = {0, 0.5};
    CHECK(as__metrics_binary(yh, p3, 2, &m, &err) == AS_ERR_INVALID);
    static const double yn[] = {0, NAN};
    CHECK(as__metrics_binary(yn, p3, 2, &m, &err) == AS_ERR_INVALID);
}

/* ------------------------------------------------------------------------------------------------------- */
/* multiclass                                                                                                */
/* ------------------------------------------------------------------------------------------------------- */

static void test_multiclass_reference(void) {
    /* Y = np.array([0,1,2,2,1,0,0,2,1,1,2,0,1,2,2,0,1,1,0,2,2,1,0,2,1,0,2,2,1,0])
     * rs = np.random.RandomState(5); P = np.round(rs.dirichlet([1, 1, 1], size=30), 3)
     * P[:, 2] = np.round(1 - P[:, 0] - P[:, 1], 3); P[3] = [0.4, 0.4, 0.2]; P[7] = [0.3, 0.35, 0.35]
     * (rows 3 and 7 tie for the argmax: classes 0 and 1 are predicted, the first maximum)
     * pred = P.argmax(axis=1); accuracy_score(Y, pred); prf(Y, pred, average=a, zero_division=0) for a in
     * None, "macro", "micro", "weighted"; confusion_matrix(Y, pred); log_loss(Y, P);
     * np.mean(np.sum((P - np.eye(3)[Y]) ** 2, axis=1)); roc_auc_score(Y, P, multi_class="ovr", average=a) for
     * a in "macro", "weighted"; roc_auc_score(Y == k, P[:, k]) for k in range(3) */
    static const int Y[] = {0, 1, 2, 2, 1, 0, 0, 2, 1, 1, 2, 0, 1, 2, 2, 0, 1, 1, 0, 2, 2, 1, 0, 2, 1, 0, 2, 2, 1, 0};
    static const double P[] = {
        0.099, 0.809, 0.092, 0.608, 0.162, 0.23,  0.573, 0.288, 0.139, 0.4,   0.4,   0.2,   0.203, 0.06,  0.737,
        0.266, 0.443, 0.291, 0.357, 0.313, 0.33,  0.3,   0.35,  0.35,  0.541, 0.212, 0.247, 0.492, 0.477, 0.031,
        0.017, 0.157, 0.826, 0.631, 0.01,  0.359, 0.001, 0.415, 0.584, 0.688, 0.049, 0.263, 0.444, 0.556, 0.0,
        0.124, 0.777, 0.099, 0.426, 0.2,   0.374, 0.847, 0.038, 0.115, 0.031, 0.077, 0.892, 0.283, 0.481, 0.236,
        0.191, 0.316, 0.493, 0.57,  0.407, 0.023, 0.351, 0.028, 0.621, 0.859, 0.028, 0.113, 0.196, 0.121, 0.683,
        0.204, 0.478, 0.318, 0.134, 0.428, 0.438, 0.049, 0.774, 0.177, 0.082, 0.371, 0.547, 0.872, 0.125, 0.003};
    as_metrics m;
    as_error err;
    CHECK_OK(as__metrics_multiclass(Y, P, 30, 3, &m, &err), &err);
    CHECK(m.n_classes == 3 && m.rows == 30);
    CHECK_NEAR(m.accuracy, 0.2, 0);
    static const int64_t cm[3][3] = {{3, 4, 2}, {6, 0, 4}, {4, 4, 3}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) CHECK_MSG(m.confusion[i][j] == cm[i][j], "confusion[%d][%d]", i, j);
    static const double cp[] = {0.23076923076923078, 0.0, 0.3333333333333333};
    static const double cr[] = {0.3333333333333333, 0.0, 0.2727272727272727};
    static const double cf[] = {0.27272727272727276, 0.0, 0.3};
    static const int64_t sup[] = {9, 10, 11};
    for (int k = 0; k < 3; k++) {
        CHECK_NEAR(m.class_precision[k], cp[k], 0);
        CHECK_NEAR(m.class_recall[k], cr[k], 0);
        CHECK_NEAR(m.class_f1[k], cf[k], 0);
        CHECK(m.class_support[k] == sup[k]);
    }
    CHECK_NEAR(m.macro_precision, 0.18803418803418803, 0);
    CHECK_NEAR(m.macro_recall, 0.202020202020202, 0);
    CHECK_NEAR(m.macro_f1, 0.19090909090909092, 0);
    CHECK_NEAR(m.precision, 0.18803418803418803, 0);   /* the macro averages in the headline fields */
    CHECK_NEAR(m.recall, 0.202020202020202, 0);
    CHECK_NEAR(m.f1, 0.19090909090909092, 0);
    CHECK_NEAR(m.micro_precision, 0.2, 0);
    CHECK_NEAR(m.micro_recall, 0.2, 0);
    CHECK_NEAR(m.micro_f1, 0.20000000000000004, 0);
    CHECK_NEAR(m.weighted_precision, 0.19145299145299147, 0);
    CHECK_NEAR(m.weighted_recall, 0.2, 0);
    CHECK_NEAR(m.weighted_f1, 0.19181818181818183, 0);
    CHECK_NEAR(m.log_loss, 2.6413444020431385, 0);
    CHECK_NEAR(m.brier, 0.9360951333333335, 0);
    CHECK_NEAR(m.roc_auc_ovr_macro, 0.43490384209682453, 1e-15);
    CHECK_NEAR(m.roc_auc_ovr_weighted, 0.43474519632414377, 1e-15);
    CHECK_NEAR(m.roc_auc, 0.43490384209682453, 1e-15);
    CHECK_NEAR(m.class_roc_auc[0], 0.4497354497354497, 1e-15);
    CHECK_NEAR(m.class_roc_auc[1], 0.41000000000000003, 1e-15);
    CHECK_NEAR(m.class_roc_auc[2], 0.44497607655502397, 1e-15);
    /* every class is predicted somewhere (class 1 never correctly: precision 0/8, not 0/0) */
    CHECK(m.no_predicted_positive == 0 && m.one_class_truth == 0);
    /* binary-only fields */
    CHECK(isnan(m.pr_auc) && isnan(m.best_f1) && isnan(m.best_f1_threshold) && isnan(m.precision_top1) &&
          isnan(m.precision_top5) && isnan(m.expected_calibration_error) && isnan(m.cal_mean_predicted[0]));
    CHECK(m.tp == 0 && m.fp == 0 && m.tn == 0 && m.fn == 0 && m.cal_count[0] == 0);
}

/* The ten-class fixture: raw[i][k] = (i·31 + k·17) % 23 + 1, column 8 = 1, column 9 = ½, rows normalized. */
static void ten_class_probs(double *P, size_t n) {
    for (size_t i = 0; i < n; i++) {
        double raw[10], s = 0;
        for (size_t k = 0; k < 10; k++) raw[k] = (double)((i * 31 + k * 17) % 23 + 1);
        raw[8] = 1.0, raw[9] = 0.5;
        for (size_t k = 0; k < 10; k++) s += raw[k];   /* integers and halves: exact in any order */
        for (size_t k = 0; k < 10; k++) P[i * 10 + k] = raw[k] / s;
    }
}

static void test_multiclass_ten(void) {
    /* n, K = 60, 10; i = np.arange(n)[:, None]; k = np.arange(K)[None, :]
     * raw = ((i * 31 + k * 17) % 23 + 1).astype(float); raw[:, 8] = 1.0; raw[:, 9] = 0.5
     * P = raw / raw.sum(axis=1, keepdims=True); pred = P.argmax(axis=1)
     * (a) Y = (np.arange(n) * 7) % 9: class 9 absent from the truth (and never predicted), class 8 never
     *     predicted. prf(Y, pred, average=a, zero_division=0) averages over the nine labels present;
     *     log_loss(Y, P, labels=range(10)); roc_auc_score(Y == c, P[:, c]) per class; roc_auc_score(Y, P,
     *     multi_class="ovr") raises "Number of classes in y_true not equal to the number of columns in
     *     'y_score'" → NaN here.
     * (b) Y2 = np.arange(n) % 10: every class present; roc_auc_score(Y2, P, multi_class="ovr", average=a),
     *     log_loss(Y2, P), prf macro / weighted. Ten classes exercise numpy's eight-accumulator pairwise sums. */
    size_t n = 60;
    double P[600];
    ten_class_probs(P, n);
    int Y[60], Y2[60];
    for (size_t i = 0; i < n; i++) Y[i] = (int)((i * 7) % 9), Y2[i] = (int)(i % 10);
    as_metrics m;
    as_error err;
    CHECK_OK(as__metrics_multiclass(Y, P, n, 10, &m, &err), &err);
    CHECK_NEAR(m.accuracy, 0.1, 0);
    CHECK_NEAR(m.macro_precision, 0.05026455026455026, 0);
    CHECK_NEAR(m.macro_recall, 0.10052910052910052, 0);
    CHECK_NEAR(m.macro_f1, 0.06677805625174046, 0);
    CHECK_NEAR(m.micro_precision, 0.1, 0);
    CHECK_NEAR(m.micro_f1, 0.10000000000000002, 0);
    CHECK_NEAR(m.weighted_precision, 0.0503968253968254, 0);
    CHECK_NEAR(m.weighted_recall, 0.1, 0);
    CHECK_NEAR(m.weighted_f1, 0.06678362573099415, 0);
    CHECK_NEAR(m.class_f1[3], 0.2105263157894737, 0);
    CHECK(m.class_support[8] == 7 && m.class_support[9] == 0 && m.confusion[3][3] == 2);
    CHECK_NEAR(m.log_loss, 2.532082393282668, 0);
    CHECK_NEAR(m.brier, 0.9268714612914458, 0);
    static const double auc[9] = {0.4258760107816712, 0.5471698113207547, 0.6419753086419753,
                                  0.5741239892183289, 0.6111111111111112, 0.5040431266846361,
                                  0.4876543209876543, 0.47978436657681933, 0.49326145552560646};
    for (int k = 0; k < 9; k++) CHECK_NEAR(m.class_roc_auc[k], auc[k], 1e-15);
    CHECK(isnan(m.class_roc_auc[9]) && isnan(m.roc_auc_ovr_macro) && isnan(m.roc_auc_ovr_weighted) && isnan(m.roc_auc));
    CHECK(m.no_predicted_positive == 1 && m.one_class_truth == 0);

    CHECK_OK(as__metrics_multiclass(Y2, P, n, 10, &m, &err), &err);
    CHECK_NEAR(m.roc_auc_ovr_macro, 0.4722222222222222, 1e-15);
    CHECK_NEAR(m.roc_auc_ovr_weighted, 0.47222222222222227, 1e-15);
    CHECK_NEAR(m.log_loss, 2.9218671171455455, 0);
    CHECK_NEAR(m.macro_precision, 0.05555555555555556, 0);
    CHECK_NEAR(m.macro_recall, 0.05, 0);
    CHECK_NEAR(m.macro_f1, 0.048888888888888885, 0);
    CHECK_NEAR(m.weighted_precision, 0.05555555555555555, 0);
    CHECK_NEAR(m.weighted_recall, 0.05, 0);
    CHECK_NEAR(m.weighted_f1, 0.04888888888888889, 0);
}

static void test_multiclass_edges(void) {
    as_metrics m;
    as_error err;
    /* one row: log_loss([2], [[0.2, 0.3, 0.5]], labels=[0, 1, 2]) = 0.6931471805599453; one class in the truth */
    static const int y1[] = {2};
    static const double p1[] = {0.2, 0.3, 0.5};
    CHECK_OK(as__metrics_multiclass(y1, p1, 1, 3, &m, &err), &err);
    CHECK_NEAR(m.log_loss, 0.6931471805599453, 0);
    CHECK(m.accuracy == 1 && m.macro_f1 == 1 && m.one_class_truth == 1 && isnan(m.roc_auc_ovr_macro));
    CHECK(isnan(m.class_roc_auc[0]) && isnan(m.class_roc_auc[2]));
    /* all probabilities equal: argmax is class 0 everywhere (the first maximum).
     * Pe = np.full((4, 3), 1/3); ye = [0, 1, 2, 1]: accuracy 0.25, prf macro
     * [0.08333333333333333, 0.3333333333333333, 0.13333333333333333], roc_auc_score(ye, Pe, multi_class="ovr")
     * = 0.5, log_loss(ye, Pe) = 1.0986122886681098 */
    static const int ye[] = {0, 1, 2, 1};
    double pe[12];
    for (int i = 0; i < 12; i++) pe[i] = 1.0 / 3;
    CHECK_OK(as__metrics_multiclass(ye, pe, 4, 3, &m, &err), &err);
    CHECK(m.confusion[0][0] == 1 && m.confusion[1][0] == 2 && m.confusion[2][0] == 1);
    CHECK_NEAR(m.accuracy, 0.25, 0);
    CHECK_NEAR(m.macro_precision, 0.08333333333333333, 0);
    CHECK_NEAR(m.macro_recall, 0.3333333333333333, 0);
    CHECK_NEAR(m.macro_f1, 0.13333333333333333, 0);
    CHECK_NEAR(m.roc_auc_ovr_macro, 0.5, 0);
    CHECK_NEAR(m.log_loss, 1.0986122886681098, 0);
    CHECK(m.no_predicted_positive == 1);
    /* clipping: a probability of 0 on the true class costs −log(eps / (1 + eps)), finite */
    static const int yc[] = {0, 1, 2};
    static const double pc[] = {0, 1, 0, 0, 0, 1, 1, 0, 0};
    CHECK_OK(as__metrics_multiclass(yc, pc, 3, 3, &m, &err), &err);
    CHECK_NEAR(m.log_loss, 36.04365338911715, 1e-13);   /* log_loss([0, 1, 2], P): 36.04365338911715 */
    CHECK(isfinite(m.log_loss) && m.accuracy == 0 && m.roc_auc_ovr_macro == 0.25);
    /* errors */
    CHECK(as__metrics_multiclass(ye, pe, 4, 2, &m, &err) == AS_ERR_INVALID);
    CHECK(as__metrics_multiclass(ye, pe, 4, AS_MAX_CLASSES + 1, &m, &err) == AS_ERR_INVALID);
    static const int yo[] = {0, 3, 1, 1};
    CHECK(as__metrics_multiclass(yo, pe, 4, 3, &m, &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "row 1") != NULL, "%s", err.msg);
    CHECK(as__metrics_multiclass(ye, pe, 0, 3, &m, &err) == AS_ERR_NODATA);
    CHECK(m.rows == 0 && isnan(m.accuracy) && isnan(m.log_loss));
    pe[5] = NAN;
    CHECK(as__metrics_multiclass(ye, pe, 4, 3, &m, &err) == AS_ERR_NUMERIC);
}

/* ------------------------------------------------------------------------------------------------------- */
/* curves for charts: the one-pass walk against a slow, obvious twin                                         */
/* ------------------------------------------------------------------------------------------------------- */

static uint64_t lcg(uint64_t *st) {
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return *st >> 11;
}

static double unit(uint64_t *st) { return (double)lcg(st) / 9007199254740992.0; }

static int cmp_desc(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* Brute force over the distinct scores t, highest first: tp(t), fp(t) = positives / negatives with score ≥ t.
 * Fills thr[], tp[], fp[] (up to n entries) and returns how many distinct scores there are. */
static size_t brute_counts(const double *y, const double *s, size_t n, double *thr, int64_t *tp, int64_t *fp) {
    memcpy(thr, s, n * sizeof *thr);
    qsort(thr, n, sizeof *thr, cmp_desc);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        if (d == 0 || thr[i] != thr[d - 1]) thr[d++] = thr[i];
    for (size_t j = 0; j < d; j++) {
        tp[j] = fp[j] = 0;
        for (size_t i = 0; i < n; i++)
            if (s[i] >= thr[j]) {
                if (y[i] == 1) tp[j]++;
                else fp[j]++;
            }
    }
    return d;
}

/* Checks every curve field of m (computed from y, s) against brute force; tag names the case in messages. */
static void check_curves(const double *y, const double *s, size_t n, const as_metrics *m, const char *tag) {
    double *thr = malloc(n * sizeof *thr);
    int64_t *tp = malloc(n * sizeof *tp), *fp = malloc(n * sizeof *fp);
    size_t *rank = malloc(n * sizeof *rank);
    if (!thr || !tp || !fp || !rank) { free(thr); free(tp); free(fp); free(rank); CHECK(!"out of memory"); return; }
    size_t d = brute_counts(y, s, n, thr, tp, fp);
    int64_t P = tp[d - 1], N = fp[d - 1];

    /* ROC: every vertex is (fp/N, tp/P) of some threshold, or the start (0, 0) */
    CHECK_MSG(m->n_roc >= 0 && m->n_roc <= AS_CURVE_POINTS, "%s: n_roc %d", tag, m->n_roc);
    if (P == 0 || N == 0) {
        CHECK_MSG(m->n_roc == 0, "%s: one class, n_roc %d", tag, m->n_roc);
    } else if (m->n_roc >= 2 && m->n_roc <= AS_CURVE_POINTS) {
        int k = m->n_roc;
        CHECK_MSG(m->roc_fpr[0] == 0 && m->roc_tpr[0] == 0, "%s: ROC starts at (%g, %g)", tag, m->roc_fpr[0],
                  m->roc_tpr[0]);
        CHECK_MSG(m->roc_fpr[k - 1] == 1 && m->roc_tpr[k - 1] == 1, "%s: ROC ends at (%g, %g)", tag,
                  m->roc_fpr[k - 1], m->roc_tpr[k - 1]);
        for (int i = 1; i < k; i++) {
            int found = 0;
            for (size_t j = 0; j < d && !found; j++)
                found = m->roc_fpr[i] == (double)fp[j] / (double)N && m->roc_tpr[i] == (double)tp[j] / (double)P;
            CHECK_MSG(found, "%s: ROC vertex %d (%.17g, %.17g) is no threshold's", tag, i, m->roc_fpr[i],
                      m->roc_tpr[i]);
            CHECK_MSG(m->roc_fpr[i] >= m->roc_fpr[i - 1] && m->roc_tpr[i] >= m->roc_tpr[i - 1],
                      "%s: ROC vertex %d goes back", tag, i);
            double step = (m->roc_fpr[i] + m->roc_tpr[i]) - (m->roc_fpr[i - 1] + m->roc_tpr[i - 1]);
            if (i < k - 1) CHECK_MSG(step >= 0.02, "%s: ROC vertex %d moves only %.17g", tag, i, step);
            else CHECK_MSG(step > 0, "%s: the last ROC vertex repeats the one before", tag);
        }
        /* and no more were dropped than the rule drops: the same greedy pass over the brute-force list */
        int g = 1, same = 1;
        double lf = 0, lt = 0;
        for (size_t j = 0; j < d; j++) {
            double f = (double)fp[j] / (double)N, t = (double)tp[j] / (double)P;
            if (j + 1 == d || (f + t) - (lf + lt) >= 0.02) {
                same &= g < k && m->roc_fpr[g] == f && m->roc_tpr[g] == t;
                g++, lf = f, lt = t;
            }
        }
        CHECK_MSG(same && g == k, "%s: ROC keeps %d vertices, the rule %d", tag, k, g);
    } else {
        CHECK_MSG(0, "%s: n_roc %d with both classes", tag, m->n_roc);
    }

    /* PR: every vertex is (tp/P, tp/(tp + fp)) of some threshold; the first and the last threshold's are kept */
    CHECK_MSG(m->n_pr >= 0 && m->n_pr <= AS_CURVE_POINTS, "%s: n_pr %d", tag, m->n_pr);
    if (P == 0) {
        CHECK_MSG(m->n_pr == 0, "%s: no positives, n_pr %d", tag, m->n_pr);
    } else if (m->n_pr >= 1 && m->n_pr <= AS_CURVE_POINTS) {
        int k = m->n_pr;
        CHECK_MSG(m->pr_recall[0] == (double)tp[0] / (double)P &&
                  m->pr_precision[0] == (double)tp[0] / (double)(tp[0] + fp[0]),
                  "%s: the first PR vertex is not the highest threshold's", tag);
        CHECK_MSG(m->pr_recall[k - 1] == 1 && m->pr_precision[k - 1] == (double)P / (double)n,
                  "%s: the last PR vertex is (%.17g, %.17g)", tag, m->pr_recall[k - 1], m->pr_precision[k - 1]);
        for (int i = 0; i < k; i++) {
            int found = 0;
            for (size_t j = 0; j < d && !found; j++)
                found = m->pr_recall[i] == (double)tp[j] / (double)P &&
                        m->pr_precision[i] == (double)tp[j] / (double)(tp[j] + fp[j]);
            CHECK_MSG(found, "%s: PR vertex %d (%.17g, %.17g) is no threshold's", tag, i, m->pr_recall[i],
                      m->pr_precision[i]);
            if (i == 0) continue;
            double step = m->pr_recall[i] - m->pr_recall[i - 1];
            CHECK_MSG(step >= 0, "%s: PR vertex %d goes back", tag, i);
            if (i < k - 1) CHECK_MSG(step >= 0.01, "%s: PR vertex %d moves only %.17g", tag, i, step);
        }
        int g = 0, same = 1;
        double lr = 0;
        for (size_t j = 0; j < d; j++) {
            double r = (double)tp[j] / (double)P, pr = (double)tp[j] / (double)(tp[j] + fp[j]);
            if (j == 0 || j + 1 == d || r - lr >= 0.01) {
                same &= g < k && m->pr_recall[g] == r && m->pr_precision[g] == pr;
                g++, lr = r;
            }
        }
        CHECK_MSG(same && g == k, "%s: PR keeps %d vertices, the rule %d", tag, k, g);
    } else {
        CHECK_MSG(0, "%s: n_pr %d with positives", tag, m->n_pr);
    }

    /* top k %: the rows ranked by score, ties by row order; the cut is the least c with 100 · c ≥ k · n */
    for (size_t i = 0; i < n; i++) {
        rank[i] = 0;
        for (size_t j = 0; j < n; j++) rank[i] += s[j] > s[i] || (s[j] == s[i] && j < i);
    }
    for (int k = 1; k <= 100; k++) {
        size_t c = 0;
        while (100 * c < (size_t)k * n) c++;
        size_t hits = 0;
        for (size_t i = 0; i < n; i++) hits += rank[i] < c && y[i] == 1;
        CHECK_MSG(m->top_precision[k - 1] == (double)hits / (double)c, "%s: top %d %%: %.17g, brute force %.17g",
                  tag, k, m->top_precision[k - 1], (double)hits / (double)c);
    }
    CHECK_MSG(m->precision_top1 == m->top_precision[0] && m->precision_top5 == m->top_precision[4],
              "%s: top1 / top5 %.17g %.17g against %.17g %.17g", tag, m->precision_top1, m->precision_top5,
              m->top_precision[0], m->top_precision[4]);
    CHECK_MSG(m->thr_rows == 0 && isnan(m->thr) && isnan(m->thr_precision) && isnan(m->thr_recall),
              "%s: the metrics set an operating point of their own", tag);
    free(thr); free(tp); free(fp); free(rank);
}

static void test_curves_brute_force(void) {
    /* scores rounded to 2 decimals (at most 101 distinct, many ties) or left continuous (thousands of distinct
     * scores: the thinning has to work); positives more likely at high scores; small n for the shared top-k cuts */
    static const struct { size_t n; uint64_t seed; int round2; double base; } cs[] = {
        {5000, 1, 1, 0.3}, {5000, 2, 0, 0.3}, {5000, 3, 1, 0.02}, {5000, 4, 0, 0.9}, {37, 5, 1, 0.4},
        {150, 6, 0, 0.5}, {99, 7, 1, 0.3}, {101, 8, 1, 0.3}, {2, 9, 0, 0.5},
    };
    for (size_t c = 0; c < N_OF(cs); c++) {
        size_t n = cs[c].n;
        double *y = malloc(n * sizeof *y), *s = malloc(n * sizeof *s);
        if (!y || !s) { free(y); free(s); CHECK(!"out of memory"); return; }
        uint64_t st = cs[c].seed;
        for (size_t i = 0; i < n; i++) {
            double u = unit(&st);
            s[i] = cs[c].round2 ? round(u * 100) / 100 : u;
            y[i] = unit(&st) < cs[c].base * (0.4 + 1.2 * u);
        }
        if (n >= 2) y[0] = 1, y[1] = 0;   /* both classes in every case */
        as_metrics m;
        as_error err;
        char tag[64];
        snprintf(tag, sizeof tag, "case %zu (n %zu)", c, n);
        CHECK_OK(as__metrics_binary(y, s, n, &m, &err), &err);
        check_curves(y, s, n, &m, tag);
        if (n == 5000) CHECK_MSG(m.n_roc > 50 && m.n_pr > 50, "%s: only %d / %d vertices", tag, m.n_roc, m.n_pr);
        free(y);
        free(s);
    }
}

static void test_curves_edges(void) {
    as_metrics m;
    as_error err;
    /* one class only: no ROC; no positives: no PR curve either; all positives: PR precision 1 throughout */
    static const double y0[] = {0, 0, 0, 0}, y1[] = {1, 1, 1, 1}, s4[] = {0.9, 0.2, 0.2, 0.5};
    CHECK_OK(as__metrics_binary(y0, s4, 4, &m, &err), &err);
    CHECK(m.n_roc == 0 && m.n_pr == 0 && m.top_precision[0] == 0 && m.top_precision[99] == 0);
    check_curves(y0, s4, 4, &m, "no positives");
    CHECK_OK(as__metrics_binary(y1, s4, 4, &m, &err), &err);
    CHECK(m.n_roc == 0 && m.n_pr == 3 && m.pr_precision[0] == 1 && m.pr_precision[2] == 1 && m.pr_recall[2] == 1);
    check_curves(y1, s4, 4, &m, "no negatives");
    /* all scores tied: one threshold, so ROC (0, 0) → (1, 1) and one PR vertex (1, P/n) */
    static const double yt[] = {1, 0, 0, 1, 0}, st[] = {0.4, 0.4, 0.4, 0.4, 0.4};
    CHECK_OK(as__metrics_binary(yt, st, 5, &m, &err), &err);
    CHECK(m.n_roc == 2 && m.roc_fpr[0] == 0 && m.roc_tpr[0] == 0 && m.roc_fpr[1] == 1 && m.roc_tpr[1] == 1);
    CHECK(m.n_pr == 1 && m.pr_recall[0] == 1 && m.pr_precision[0] == 0.4);
    check_curves(yt, st, 5, &m, "all tied");
    /* one row: every top-k cut is that row */
    static const double ya[] = {1}, yb[] = {0}, sa[] = {0.7};
    CHECK_OK(as__metrics_binary(ya, sa, 1, &m, &err), &err);
    CHECK(m.n_roc == 0 && m.n_pr == 1 && m.pr_recall[0] == 1 && m.pr_precision[0] == 1);
    CHECK(m.top_precision[0] == 1 && m.top_precision[99] == 1);
    check_curves(ya, sa, 1, &m, "one positive row");
    CHECK_OK(as__metrics_binary(yb, sa, 1, &m, &err), &err);
    CHECK(m.n_roc == 0 && m.n_pr == 0 && m.top_precision[49] == 0);
    check_curves(yb, sa, 1, &m, "one negative row");
    /* no rows: an error, and the curves stay empty with NaN top-k */
    CHECK(as__metrics_binary(ya, sa, 0, &m, &err) == AS_ERR_NODATA);
    CHECK(m.n_roc == 0 && m.n_pr == 0 && isnan(m.top_precision[0]) && isnan(m.top_precision[99]));
    /* multiclass: no curves, no top-k, no operating point */
    static const int yc[] = {0, 1, 2, 1};
    double pe[12];
    for (int i = 0; i < 12; i++) pe[i] = (double)(i % 3 + 1) / 6;
    CHECK_OK(as__metrics_multiclass(yc, pe, 4, 3, &m, &err), &err);
    CHECK(m.n_roc == 0 && m.n_pr == 0 && m.thr_rows == 0 && isnan(m.thr));
    int nan_all = 1;
    for (int k = 0; k < 100; k++) nan_all &= isnan(m.top_precision[k]);
    CHECK(nan_all);
}

static void test_alloc_failures(void) {
    as_error err;
    as_metrics m;
    static const double y[] = {0, 0, 1, 1}, s[] = {0.1, 0.4, 0.35, 0.8};
    int nomem = 0, ok = 0;
    for (long k = 1; k <= 4; k++) {
        as__alloc_fail_after(k);
        as_status st = as__metrics_binary(y, s, 4, &m, &err);
        as__alloc_fail_after(0);
        nomem += st == AS_ERR_NOMEM, ok += st == AS_OK;
    }
    CHECK(nomem == 1 && ok == 3);
    static const int yc[] = {0, 1, 2, 1};
    double pe[12];
    for (int i = 0; i < 12; i++) pe[i] = (double)(i % 3 + 1) / 6;
    nomem = ok = 0;
    for (long k = 1; k <= 4; k++) {
        as__alloc_fail_after(k);
        as_status st = as__metrics_multiclass(yc, pe, 4, 3, &m, &err);
        as__alloc_fail_after(0);
        nomem += st == AS_ERR_NOMEM, ok += st == AS_OK;
    }
    CHECK(nomem == 1 && ok == 3);
}

int main(void) {
    RUN(test_binary_reference);
    RUN(test_binary_calibration_edges);
    RUN(test_binary_edges);
    RUN(test_multiclass_reference);
    RUN(test_multiclass_ten);
    RUN(test_multiclass_edges);
    RUN(test_curves_brute_force);
    RUN(test_curves_edges);
    RUN(test_alloc_failures);
    return test_report("metrics");
}
