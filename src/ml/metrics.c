/* Classification metrics with scikit-learn 1.2's definitions and edge-case results (see metrics.h).
 *
 * Binary: everything that depends on the ranking (ROC-AUC, average precision, best-F1 threshold, top-k
 * precision) comes from one sort of the scores, descending, ties broken by row index so the result never depends
 * on the sort routine. Multiclass: per class, the positives' and the negatives' scores radix-sorted (linear) for
 * the one-vs-rest ROC-AUC.
 *
 * Means that scikit-learn takes with numpy (log loss, Brier, the averages of per-class scores) are summed the way
 * numpy's add.reduce sums a contiguous float64 array — pairwise summation, 8 accumulators, blocks of 128 — so the
 * last bits agree with scikit-learn, not only the first fifteen digits. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml/ml.h"

/* ---------------------------------------------------------------------------------------------------------- */
/* numpy's pairwise summation (numpy/core/src/umath/loops_utils.h.src, pairwise_sum_DOUBLE), over terms produced */
/* by a callback so no array of terms has to be allocated                                                         */
/* ---------------------------------------------------------------------------------------------------------- */

typedef double (*term_fn)(const void *ctx, size_t i);

static double pw_sum(term_fn f, const void *ctx, size_t lo, size_t n) {
    if (n < 8) {
        double res = 0.;
        for (size_t i = 0; i < n; i++) res += f(ctx, lo + i);
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++) r[j] = f(ctx, lo + (size_t)j);
        size_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += f(ctx, lo + i + (size_t)j);
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += f(ctx, lo + i);
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pw_sum(f, ctx, lo, n2) + pw_sum(f, ctx, lo + n2, n - n2);
}

static double term_array(const void *ctx, size_t i) { return ((const double *)ctx)[i]; }

/* np.sum of a small array */
static double np_sum(const double *a, size_t n) { return pw_sum(term_array, a, 0, n); }

/* np.average(x) and np.average(x, weights=w): sum(x·w) / sum(w), both sums pairwise */
static double np_average(const double *x, const double *w, size_t n) {
    if (!w) return np_sum(x, n) / (double)n;
    double xw[AS_MAX_CLASSES];
    for (size_t i = 0; i < n; i++) xw[i] = x[i] * w[i];
    return np_sum(xw, n) / np_sum(w, n);
}

/* sklearn's F-score from precision and recall (precision_recall_fscore_support, β = 1):
 * (1 + β²)·P·R / (β²·P + R), the denominator set to 1 where it is 0. Computed this way rather than as
 * 2tp / (2tp + fp + fn) so the last bits agree with sklearn's f1_score. */
static double f1_of(double prec, double rec) {
    double den = prec + rec;
    return 2 * prec * rec / (den == 0 ? 1.0 : den);
}

/* _prf_divide with zero_division = 0 */
static double prf_divide(int64_t num, int64_t den) { return den == 0 ? 0.0 : (double)num / (double)den; }

/* ---------------------------------------------------------------------------------------------------------- */
/* per-class precision / recall / F1 and their averages, from a K × K confusion matrix                        */
/* ---------------------------------------------------------------------------------------------------------- */

/* precision_recall_fscore_support(y_true, y_pred, zero_division=0) with labels=None: the labels are those present
 * in the truth or the predictions (unique_labels), and only they enter the macro / weighted averages (a class
 * neither true nor predicted is not averaged in as a 0). Per-class values of absent classes are 0. */
static void prf_from_confusion(as_metrics *out, int K) {
    double P[AS_MAX_CLASSES], R[AS_MAX_CLASSES], F[AS_MAX_CLASSES], W[AS_MAX_CLASSES];
    int64_t tp_sum = 0, pred_all = 0, true_all = 0;
    size_t L = 0;
    for (int c = 0; c < K; c++) {
        int64_t tp = out->confusion[c][c], pred = 0, tru = 0;
        for (int j = 0; j < K; j++) pred += out->confusion[j][c], tru += out->confusion[c][j];
        out->class_support[c] = tru;
        out->class_precision[c] = prf_divide(tp, pred);
        out->class_recall[c] = prf_divide(tp, tru);
        out->class_f1[c] = f1_of(out->class_precision[c], out->class_recall[c]);
        if (tru == 0 && pred == 0) continue;   /* not among unique_labels(y_true, y_pred) */
        P[L] = out->class_precision[c], R[L] = out->class_recall[c], F[L] = out->class_f1[c], W[L] = (double)tru;
        L++;
        tp_sum += tp, pred_all += pred, true_all += tru;
    }
    if (L == 0) return;   /* no rows */
    out->macro_precision = np_average(P, NULL, L);
    out->macro_recall = np_average(R, NULL, L);
    out->macro_f1 = np_average(F, NULL, L);
    /* average="weighted": weights = true_sum; their sum is the row count, > 0 here */
    out->weighted_precision = np_average(P, W, L);
    out->weighted_recall = np_average(R, W, L);
    out->weighted_f1 = np_average(F, W, L);
    /* average="micro": the sums of tp, predicted and true over the labels, then the same divisions */
    out->micro_precision = prf_divide(tp_sum, pred_all);
    out->micro_recall = prf_divide(tp_sum, true_all);
    out->micro_f1 = f1_of(out->micro_precision, out->micro_recall);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* ranking                                                                                                        */
/* ---------------------------------------------------------------------------------------------------------- */

typedef struct ranked {
    double score;
    size_t row;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    if (x->score > y->score) return -1;
    if (x->score < y->score) return 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* common initialization: every double that may stay undefined starts as NaN                                      */
/* ---------------------------------------------------------------------------------------------------------- */

static void metrics_init(as_metrics *out, size_t n, int n_classes) {
    memset(out, 0, sizeof *out);
    out->rows = (int64_t)n;
    out->n_classes = n_classes;
    out->positive_rate = out->accuracy = out->precision = out->recall = out->f1 = NAN;
    out->best_f1_threshold = out->best_f1 = out->best_f1_precision = out->best_f1_recall = NAN;
    out->roc_auc = out->pr_auc = out->log_loss = out->brier = NAN;
    out->precision_top1 = out->precision_top5 = NAN;
    out->macro_precision = out->macro_recall = out->macro_f1 = NAN;
    out->micro_precision = out->micro_recall = out->micro_f1 = NAN;
    out->weighted_precision = out->weighted_recall = out->weighted_f1 = NAN;
    out->roc_auc_ovr_macro = out->roc_auc_ovr_weighted = NAN;
    for (int c = 0; c < AS_MAX_CLASSES; c++) out->class_roc_auc[c] = NAN;
    for (int b = 0; b < AS_CALIBRATION_BINS; b++) out->cal_mean_predicted[b] = out->cal_fraction_positive[b] = NAN;
    out->expected_calibration_error = NAN;
    for (int k = 0; k < 100; k++) out->top_precision[k] = NAN;
    out->thr = out->thr_precision = out->thr_recall = NAN;   /* thr_rows = 0: the fitting step fills these */
}

/* ---------------------------------------------------------------------------------------------------------- */
/* binary                                                                                                         */
/* ---------------------------------------------------------------------------------------------------------- */

/* Curve thinning: a chart needs a vertex where the curve visibly moves, not one per distinct score (a million
 * rows would give a million). ROC vertices are kept every 0.02 of fpr + tpr (their path length in the L1 sense,
 * so steep and flat stretches are both sampled), PR vertices every 0.01 of recall; each rule keeps at most 100
 * vertices besides the two ends, within AS_CURVE_POINTS. */
#define ROC_STEP 0.02
#define PR_STEP 0.01

static void roc_keep(as_metrics *out, double fpr, double tpr) {
    if (out->n_roc >= AS_CURVE_POINTS) return;
    out->roc_fpr[out->n_roc] = fpr, out->roc_tpr[out->n_roc] = tpr;
    out->n_roc++;
}

static void pr_keep(as_metrics *out, double rec, double prec) {
    if (out->n_pr >= AS_CURVE_POINTS) return;
    out->pr_recall[out->n_pr] = rec, out->pr_precision[out->n_pr] = prec;
    out->n_pr++;
}

typedef struct bin_ctx {
    const double *y, *score;
} bin_ctx;

/* sklearn's log_loss, step for step: clip p to [eps, 1 − eps], form the columns [1 − p, p], renormalize each row
 * (its sum is (0 + (1 − p)) + p), −log of the true column. (So p = 1 on a negative costs −log(1 − (1 − eps)),
 * not −log(eps).) eps = DBL_EPSILON: log_loss(eps="auto") in scikit-learn 1.2 is the dtype's machine epsilon. */
static double term_logloss_bin(const void *ctx, size_t i) {
    const bin_ctx *c = ctx;
    const double eps = DBL_EPSILON;
    double s = c->score[i];
    double p1 = s < eps ? eps : s > 1 - eps ? 1 - eps : s;
    double p0 = 1 - p1;
    return -log((c->y[i] == 1 ? p1 : p0) / (p0 + p1));
}

/* brier_score_loss: np.average((y_true − y_prob) ** 2) */
static double term_brier_bin(const void *ctx, size_t i) {
    const bin_ctx *c = ctx;
    double e = c->y[i] - c->score[i];
    return e * e;
}

/* sklearn.calibration.calibration_curve(strategy="uniform", n_bins=10): the edges are np.linspace(0, 1, 11),
 * i.e. i · 0.1 (0.30000000000000004 for i = 3 — the product, as numpy forms it), and the bin of p is
 * np.searchsorted(edges[1:-1], p) with side="left": the number of inner edges strictly below p. So a bin is
 * (lo, hi], the first [0, 0.1]; scores outside [0, 1] (which calibration_curve refuses) land in the end bins. */
static int calibration_bin(double p) {
    int b = 0;
    for (int i = 1; i < AS_CALIBRATION_BINS; i++) b += (double)i * (1.0 / AS_CALIBRATION_BINS) < p;
    return b;
}

as_status as__metrics_binary(const double *y, const double *score, size_t n, as_metrics *out, as_error *err) {
    metrics_init(out, n, 2);
    if (n == 0) return as__err(err, AS_ERR_NODATA, "metrics: no rows to evaluate");
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 0 && y[i] != 1)
            return as__err(err, AS_ERR_INVALID,
                           "metrics: the label of row %zu is %g, but binary metrics need labels 0 and 1; a target "
                           "with three or more classes needs the multiclass metrics",
                           i, y[i]);
        if (!isfinite(score[i]))
            return as__err(err, AS_ERR_NUMERIC, "metrics: score of row %zu is not a finite number", i);
    }

    /* ---- threshold 0.5: predicted positive when p > 0.5, i.e. decision_function > 0 as LogisticRegression.predict ---- */
    int64_t tp = 0, fp = 0, tn = 0, fn = 0;
    int64_t cal_pos[AS_CALIBRATION_BINS] = {0};
    double cal_sum[AS_CALIBRATION_BINS] = {0};
    for (size_t i = 0; i < n; i++) {
        int pos = y[i] == 1, pred = score[i] > 0.5;
        if (pos && pred) tp++;
        else if (pos) fn++;
        else if (pred) fp++;
        else tn++;
        /* np.bincount(binids, weights=...) accumulates in row order */
        int b = calibration_bin(score[i]);
        out->cal_count[b]++;
        cal_sum[b] += score[i];
        cal_pos[b] += pos;
    }
    int64_t P = tp + fn, N = fp + tn;
    double dn = (double)n;
    bin_ctx bc = {y, score};
    out->positives = P;
    out->positive_rate = (double)P / dn;
    out->tp = tp, out->fp = fp, out->tn = tn, out->fn = fn;
    out->accuracy = (double)(tp + tn) / dn;
    out->precision = prf_divide(tp, tp + fp);   /* zero_division → 0 */
    out->recall = prf_divide(tp, P);
    out->f1 = f1_of(out->precision, out->recall);
    out->log_loss = pw_sum(term_logloss_bin, &bc, 0, n) / dn;   /* np.average(loss): pairwise sum / n */
    out->brier = pw_sum(term_brier_bin, &bc, 0, n) / dn;
    out->no_predicted_positive = tp + fp == 0;
    out->one_class_truth = P == 0 || N == 0;

    /* ---- both classes: confusion [true][predicted] and precision_recall_fscore_support ---- */
    out->confusion[0][0] = tn, out->confusion[0][1] = fp;
    out->confusion[1][0] = fn, out->confusion[1][1] = tp;
    prf_from_confusion(out, 2);

    /* ---- calibration table; the empty bins stay (count 0, NaN means) ---- */
    double ece = 0;
    for (int b = 0; b < AS_CALIBRATION_BINS; b++) {
        int64_t c = out->cal_count[b];
        if (!c) continue;
        out->cal_mean_predicted[b] = cal_sum[b] / (double)c;
        out->cal_fraction_positive[b] = (double)cal_pos[b] / (double)c;
        ece += (double)c / dn * fabs(out->cal_fraction_positive[b] - out->cal_mean_predicted[b]);
    }
    out->expected_calibration_error = ece;

    /* ---- ranking metrics ---- */
    ranked *rk = as__malloc(n * sizeof *rk);
    if (!rk) return as__err(err, AS_ERR_NOMEM, "metrics: out of memory ranking %zu scores", n);
    for (size_t i = 0; i < n; i++) rk[i].score = score[i], rk[i].row = i;
    qsort(rk, n, sizeof *rk, cmp_ranked);

    /* Walk the distinct scores from the highest down. At a group of tied scores with tp_g positives and fp_g
     * negatives, after tp_b positives above it:
     *   ROC-AUC (Mann–Whitney): each negative of the group beats nothing above, loses to tp_b positives and
     *     ties tp_g (½ each): twice the count is fp_g (2 tp_b + tp_g), summed exactly in integers and divided
     *     once by 2PN at the end. (scikit-learn integrates the ROC curve with the trapezoid rule; the area is the
     *     same number, the last bit may differ.)
     *   Average precision: Σ (R_k − R_{k−1}) · P_k over the distinct thresholds (sklearn's step sum, with
     *     recall formed as tp/P first and then differenced as sklearn does).
     *   Best F1: predicted positive when score ≥ threshold; the highest threshold wins among equal F1 (the
     *     fewest flagged rows for the same F1). */
    uint64_t auc2 = 0;
    int64_t tpc = 0, fpc = 0;
    double ap = 0, rec_prev = 0;
    double best = -1, best_t = rk[0].score, best_p = 0, best_r = 0;
    /* Curves: the vertex of each group is (fp/N, tp/P) on the ROC (roc_curve(drop_intermediate=False), which
     * starts at (0, 0)) and (tp/P, tp/(tp+fp)) on the PR curve (precision_recall_curve without its appended
     * (0, 1), which belongs to no threshold). The last group's vertex is always kept so the curves end where
     * every row is flagged; the step test reads the kept vertex back so a test can repeat it to the bit. */
    int roc_on = P && N, pr_on = P > 0;
    if (roc_on) roc_keep(out, 0.0, 0.0);
    for (size_t a = 0; a < n;) {
        size_t b = a;
        int64_t tpg = 0, fpg = 0;
        while (b < n && rk[b].score == rk[a].score) {
            if (y[rk[b].row] == 1) tpg++;
            else fpg++;
            b++;
        }
        auc2 += (uint64_t)fpg * (uint64_t)(2 * tpc + tpg);
        tpc += tpg, fpc += fpg;
        double prec = (double)tpc / (double)(tpc + fpc);
        double rec = P ? (double)tpc / (double)P : 0.0;
        if (P) ap += (rec - rec_prev) * prec;
        rec_prev = rec;
        double f1 = f1_of(prec, rec);   /* with no positives prec = rec = 0 everywhere: best F1 is 0 */
        if (f1 > best) best = f1, best_t = rk[a].score, best_p = prec, best_r = rec;
        int last = b == n;
        if (roc_on) {
            double fpr = (double)fpc / (double)N, tpr = (double)tpc / (double)P;
            int j = out->n_roc - 1;
            if (last || (fpr + tpr) - (out->roc_fpr[j] + out->roc_tpr[j]) >= ROC_STEP) roc_keep(out, fpr, tpr);
        }
        if (pr_on && (a == 0 || last || rec - out->pr_recall[out->n_pr - 1] >= PR_STEP)) pr_keep(out, rec, prec);
        a = b;
    }
    out->roc_auc = (P && N) ? (double)auc2 / (2.0 * (double)P * (double)N) : NAN;
    /* roc_auc_score on a binary truth ignores `average` and multi_class: both "averages" are the binary AUC,
     * and class 0's one-vs-rest AUC (scores 1 − p) is the same area. */
    out->roc_auc_ovr_macro = out->roc_auc_ovr_weighted = out->roc_auc;
    out->class_roc_auc[0] = out->class_roc_auc[1] = out->roc_auc;
    out->pr_auc = P ? ap : NAN;
    out->best_f1 = best;
    out->best_f1_threshold = best_t;
    out->best_f1_precision = best_p;
    out->best_f1_recall = best_r;

    /* top 1 % / 5 %: ceil(n/100) and ceil(n/20) rows, in integers so no float product can round across an
     * integer boundary. */
    size_t k1 = (n + 99) / 100, k5 = (n + 19) / 20, hits = 0;
    for (size_t k = 0; k < k5; k++) {
        if (y[rk[k].row] == 1) hits++;
        if (k + 1 == k1) out->precision_top1 = (double)hits / (double)k1;
    }
    out->precision_top5 = (double)hits / (double)k5;
    /* top k % for k = 1 … 100 the same way: ceil(k·n/100) rows, in integers; several k share a cut when n < 100 */
    hits = 0;
    int k = 1;
    for (size_t i = 0; i < n && k <= 100; i++) {
        if (y[rk[i].row] == 1) hits++;
        for (; k <= 100 && ((size_t)k * n + 99) / 100 == i + 1; k++)
            out->top_precision[k - 1] = (double)hits / (double)(i + 1);
    }
    as__free(rk);
    return AS_OK;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* multiclass                                                                                                     */
/* ---------------------------------------------------------------------------------------------------------- */

typedef struct mc_ctx {
    const int *cls;
    const double *prob;
    size_t K;
    size_t row;   /* for the per-row sums over classes */
} mc_ctx;

static double term_clipped(const void *ctx, size_t k) {
    const mc_ctx *c = ctx;
    const double eps = DBL_EPSILON;
    double p = c->prob[c->row * c->K + k];
    return p < eps ? eps : p > 1 - eps ? 1 - eps : p;
}

/* log_loss (sklearn 1.2): y_pred = clip(y_pred, eps, 1 − eps); y_pred /= y_pred.sum(axis=1); loss_i =
 * −Σ_k xlogy(Y_ik, y_pred_ik), which is −log of the true column (the other terms are exact zeros). */
static double term_logloss_mc(const void *ctx, size_t i) {
    mc_ctx c = *(const mc_ctx *)ctx;
    c.row = i;
    double s = pw_sum(term_clipped, &c, 0, c.K);
    return -log(term_clipped(&c, (size_t)c.cls[i]) / s);
}

static double term_sqerr(const void *ctx, size_t k) {
    const mc_ctx *c = ctx;
    double e = c->prob[c->row * c->K + k] - (c->cls[c->row] == (int)k ? 1.0 : 0.0);
    return e * e;
}

/* Brier: Σ_k (p_k − [y = k])² of one row, summed as np.sum(..., axis=1) does */
static double term_brier_mc(const void *ctx, size_t i) {
    mc_ctx c = *(const mc_ctx *)ctx;
    c.row = i;
    return pw_sum(term_sqerr, &c, 0, c.K);
}

/* Order-preserving map of a double (not NaN) to an unsigned key: ascending keys = ascending values. −0 is folded
 * into +0 so equal scores always share a key. */
static uint64_t order_key(double x) {
    if (x == 0) x = 0.0;
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return (u >> 63) ? ~u : u | 0x8000000000000000ull;
}

/* LSD radix sort of n keys, one byte per pass, skipping the bytes all keys share (for probabilities the sign and
 * most exponent bits): linear time, so the K one-vs-rest rankings cost K linear passes rather than K comparison
 * sorts. tmp has n entries. */
static void radix_sort_keys(uint64_t *a, uint64_t *tmp, size_t n) {
    if (n < 2) return;
    uint64_t *src = a, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++) cnt[(src[i] >> shift) & 255]++;
        if (cnt[(src[0] >> shift) & 255] == n) continue;
        size_t pos = 0;
        for (int d = 0; d < 256; d++) {
            size_t c = cnt[d];
            cnt[d] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++) dst[cnt[(src[i] >> shift) & 255]++] = src[i];
        uint64_t *t = src;
        src = dst, dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

/* Mann–Whitney count for one class against the rest: the positives' and the negatives' scores each sorted
 * ascending; every positive beats the negatives below it and ties the equal ones (½ each), so twice the count is
 * Σ over positive groups of size g at value v: g · (2 · #{neg < v} + #{neg = v}). One merge walk, O(n). */
static uint64_t mann_whitney2(const uint64_t *pos, size_t np, const uint64_t *neg, size_t nn) {
    uint64_t auc2 = 0;
    size_t j = 0;
    for (size_t a = 0; a < np;) {
        size_t b = a;
        while (b < np && pos[b] == pos[a]) b++;
        while (j < nn && neg[j] < pos[a]) j++;
        size_t t = j;
        while (t < nn && neg[t] == pos[a]) t++;
        auc2 += (uint64_t)(b - a) * (uint64_t)(2 * j + (t - j));
        a = b;
    }
    return auc2;
}

as_status as__metrics_multiclass(const int *cls, const double *prob, size_t n, int K, as_metrics *out,
                                 as_error *err) {
    metrics_init(out, n, K);
    if (K < 3 || K > AS_MAX_CLASSES)
        return as__err(err, AS_ERR_INVALID,
                       "multiclass metrics: %d classes; they need 3 to %d (two classes use the binary metrics)", K,
                       AS_MAX_CLASSES);
    if (n == 0) return as__err(err, AS_ERR_NODATA, "metrics: no rows to evaluate");
    size_t Ku = (size_t)K;
    for (size_t i = 0; i < n; i++) {
        if (cls[i] < 0 || cls[i] >= K)
            return as__err(err, AS_ERR_INVALID, "multiclass metrics: the class of row %zu is %d, expected 0..%d", i,
                           cls[i], K - 1);
        for (size_t k = 0; k < Ku; k++)
            if (!isfinite(prob[i * Ku + k]))
                return as__err(err, AS_ERR_NUMERIC,
                               "multiclass metrics: probability of class %zu in row %zu is not a finite number", k, i);
    }
    uint64_t *keys = as__malloc(2 * n * sizeof *keys);   /* positives | negatives, then the radix buffer */
    if (!keys) return as__err(err, AS_ERR_NOMEM, "multiclass metrics: out of memory ranking %zu rows", n);

    /* predicted class = argmax, the first on ties (np.argmax) */
    int64_t correct = 0;
    for (size_t i = 0; i < n; i++) {
        const double *p = prob + i * Ku;
        size_t best = 0;
        for (size_t k = 1; k < Ku; k++)
            if (p[k] > p[best]) best = k;
        out->confusion[cls[i]][best]++;
        correct += (size_t)cls[i] == best;
    }
    double dn = (double)n;
    out->accuracy = (double)correct / dn;
    prf_from_confusion(out, K);
    out->precision = out->macro_precision;
    out->recall = out->macro_recall;
    out->f1 = out->macro_f1;
    int present = 0;
    for (size_t k = 0; k < Ku; k++) {
        present += out->class_support[k] > 0;
        /* precision was 0/0 for a class in the truth (sklearn's UndefinedMetricWarning, set to 0) */
        if (out->class_support[k] > 0) {
            int64_t pred = 0;
            for (size_t j = 0; j < Ku; j++) pred += out->confusion[j][k];
            if (pred == 0) out->no_predicted_positive = 1;
        }
    }
    out->one_class_truth = present == 1;

    mc_ctx mc = {cls, prob, Ku, 0};
    out->log_loss = pw_sum(term_logloss_mc, &mc, 0, n) / dn;
    out->brier = pw_sum(term_brier_mc, &mc, 0, n) / dn;

    /* one-vs-rest ROC-AUC per class (Mann–Whitney, ties ½, as in the binary case), then
     * roc_auc_score(multi_class="ovr"): NaN when a class is absent (scikit-learn raises: "Number of classes in
     * y_true not equal to the number of columns in 'y_score'"); macro = np.average(scores), weighted =
     * np.average(scores, weights=support). */
    double auc[AS_MAX_CLASSES], sup[AS_MAX_CLASSES];
    for (size_t k = 0; k < Ku; k++) {
        int64_t Pk = out->class_support[k], Nk = (int64_t)n - Pk;
        sup[k] = (double)Pk;
        if (Pk == 0 || Nk == 0) continue;   /* stays NaN */
        uint64_t *pos = keys, *neg = keys + Pk;
        size_t a = 0, b = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t key = order_key(prob[i * Ku + k]);
            if ((size_t)cls[i] == k) pos[a++] = key;
            else neg[b++] = key;
        }
        radix_sort_keys(pos, keys + n, a);
        radix_sort_keys(neg, keys + n, b);
        uint64_t auc2 = mann_whitney2(pos, a, neg, b);
        out->class_roc_auc[k] = (double)auc2 / (2.0 * (double)Pk * (double)Nk);
    }
    as__free(keys);
    if (present == K) {
        for (size_t k = 0; k < Ku; k++) auc[k] = out->class_roc_auc[k];
        out->roc_auc_ovr_macro = np_average(auc, NULL, Ku);
        out->roc_auc_ovr_weighted = np_average(auc, sup, Ku);
    }
    out->roc_auc = out->roc_auc_ovr_macro;
    return AS_OK;
}
