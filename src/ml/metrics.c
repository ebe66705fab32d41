/* Binary classification metrics with scikit-learn's definitions and edge-case results (see ml.h). Everything
 * that depends on the ranking (ROC-AUC, average precision, best-F1 threshold, top-k precision) comes from one
 * sort of the scores, descending, ties broken by row index so the result never depends on the sort routine. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml/ml.h"

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

/* sklearn's F-score from precision and recall: 2PR / (P + R), 0 when both are 0. Computed this way rather
 * than as 2tp / (2tp + fp + fn) so the last bits agree with sklearn's f1_score. */
static double f1_of(double prec, double rec) {
    double den = prec + rec;
    return den == 0 ? 0.0 : 2 * prec * rec / den;
}

as_status as__metrics_binary(const double *y, const double *score, size_t n, as_metrics *out, as_error *err) {
    memset(out, 0, sizeof *out);
    out->rows = (int64_t)n;
    out->positive_rate = out->accuracy = out->precision = out->recall = out->f1 = NAN;
    out->best_f1_threshold = out->best_f1 = out->best_f1_precision = out->best_f1_recall = NAN;
    out->roc_auc = out->pr_auc = out->log_loss = out->brier = NAN;
    out->precision_top1 = out->precision_top5 = NAN;
    if (n == 0) return as__err(err, AS_ERR_NODATA, "metrics: no rows to evaluate");
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 0 && y[i] != 1)
            return as__err(err, AS_ERR_INVALID, "metrics: label of row %zu is %g, expected 0 or 1", i, y[i]);
        if (!isfinite(score[i]))
            return as__err(err, AS_ERR_NUMERIC, "metrics: score of row %zu is not a finite number", i);
    }

    /* ---- threshold 0.5: predicted positive when p > 0.5, i.e. decision_function > 0 as LogisticRegression.predict ---- */
    int64_t tp = 0, fp = 0, tn = 0, fn = 0;
    double ll = 0, brier = 0;
    const double eps = DBL_EPSILON;   /* log_loss(eps="auto") in scikit-learn 1.2: the dtype's machine epsilon */
    for (size_t i = 0; i < n; i++) {
        int pos = y[i] == 1, pred = score[i] > 0.5;
        if (pos && pred) tp++;
        else if (pos) fn++;
        else if (pred) fp++;
        else tn++;
        /* sklearn's log_loss, step for step: clip p to [eps, 1 − eps], form the columns [1 − p, p], renormalize
         * each row, −log of the true column. (So p = 1 on a negative costs −log(1 − (1 − eps)), not −log(eps).) */
        double p1 = score[i] < eps ? eps : score[i] > 1 - eps ? 1 - eps : score[i];
        double p0 = 1 - p1;
        ll -= log((pos ? p1 : p0) / (p0 + p1));
        double e = (double)pos - score[i];
        brier += e * e;
    }
    int64_t P = tp + fn, N = fp + tn;
    double dn = (double)n;
    out->positives = P;
    out->positive_rate = (double)P / dn;
    out->tp = tp, out->fp = fp, out->tn = tn, out->fn = fn;
    out->accuracy = (double)(tp + tn) / dn;
    out->precision = tp + fp ? (double)tp / (double)(tp + fp) : 0.0;   /* zero_division → 0 */
    out->recall = P ? (double)tp / (double)P : 0.0;
    out->f1 = f1_of(out->precision, out->recall);
    out->log_loss = ll / dn;
    out->brier = brier / dn;

    /* ---- ranking metrics ---- */
    ranked *rk = as__malloc(n * sizeof *rk);
    if (!rk) return as__err(err, AS_ERR_NOMEM, "metrics: out of memory ranking %zu scores", n);
    for (size_t i = 0; i < n; i++) rk[i].score = score[i], rk[i].row = i;
    qsort(rk, n, sizeof *rk, cmp_ranked);

    /* Walk the distinct scores from the highest down. At a group of tied scores with tp_g positives and fp_g
     * negatives, after tp_b positives above it:
     *   ROC-AUC (Mann–Whitney): each negative of the group beats nothing above, loses to tp_b positives and
     *     ties tp_g (½ each): twice the count is fp_g (2 tp_b + tp_g), summed exactly in integers and divided
     *     once by 2PN at the end.
     *   Average precision: Σ (R_k − R_{k−1}) · P_k over the distinct thresholds (sklearn's step sum, with
     *     recall formed as tp/P first and then differenced as sklearn does).
     *   Best F1: predicted positive when score ≥ threshold; the highest threshold wins among equal F1 (the
     *     fewest flagged rows for the same F1). */
    uint64_t auc2 = 0;
    int64_t tpc = 0, fpc = 0;
    double ap = 0, rec_prev = 0;
    double best = -1, best_t = rk[0].score, best_p = 0, best_r = 0;
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
        a = b;
    }
    out->roc_auc = (P && N) ? (double)auc2 / (2.0 * (double)P * (double)N) : NAN;
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
    as__free(rk);
    return AS_OK;
}
