/*
 * metrics — evaluation with scikit-learn's definitions (sklearn.metrics 1.2) and their edge cases documented.
 * Every function fills an as_metrics (public header) and never fails on degenerate input: undefined values are
 * NaN and flagged, not errors.
 */
#ifndef AS_ML_METRICS_H
#define AS_ML_METRICS_H

#include <stddef.h>

#include "core/core.h"

/* Binary problem (y ∈ {0,1}, score = predicted probability of 1).
 * ROC-AUC counts ties ½ (Mann–Whitney); NaN (one_class_truth set) when only one class is present.
 * PR-AUC is average precision (sklearn.metrics.average_precision_score); NaN without positives.
 * Log loss clips probabilities to [ε, 1 − ε] with ε = DBL_EPSILON, as scikit-learn 1.2's log_loss(eps="auto").
 * Precision with no predicted positives is 0 (scikit-learn's zero_division default; no_predicted_positive set).
 * precision_top1/top5: among the ceil(1 % · n) / ceil(5 % · n) highest scores (ties broken by row order);
 * top_precision[k − 1] the same for every k = 1 … 100 (so top_precision[0] and [4] are top1 and top5).
 * Curves for charts: ROC vertices (fpr, tpr) and precision–recall vertices (recall, precision), one per
 * distinct score as roc_curve(drop_intermediate=False) / precision_recall_curve give them, thinned to at most
 * AS_CURVE_POINTS (docs/methods.md); n_roc = 0 with one class only, n_pr = 0 without positives. The thr_*
 * fields are left unknown (thr_rows = 0): the threshold is the caller's.
 * Also fills n_classes = 2, the 2×2 confusion, per-class and macro/micro/weighted P/R/F1 over both classes,
 * and the calibration table. AS_ERR_INVALID when y holds a value other than 0/1 (a multiclass truth given to a
 * binary metric: the message says to use the multiclass metrics); AS_ERR_NOMEM. */
as_status as__metrics_binary(const double *y, const double *score, size_t n, as_metrics *out, as_error *err);

/* Multiclass (K ≥ 3): cls[i] ∈ [0, K) the truth, prob (n × K, row-major) the predicted probabilities; the
 * predicted class is the argmax (first on ties, as numpy). accuracy; per-class precision/recall/F1 and their
 * macro/micro/weighted averages (precision_recall_fscore_support, zero_division → 0); confusion matrix;
 * log loss (sklearn 1.2: clip to [ε, 1−ε], renormalize rows); Brier = mean Σ_k (p_k − [y=k])²; one-vs-rest
 * ROC-AUC per class and its macro / weighted (by support) averages (roc_auc_score(multi_class="ovr")), NaN when
 * some class is absent from the truth. No curves (n_roc = n_pr = 0, top_precision NaN). AS_ERR_INVALID when
 * K < 3, K > AS_MAX_CLASSES or a class code is out of range. */
as_status as__metrics_multiclass(const int *cls, const double *prob, size_t n, int K, as_metrics *out,
                                 as_error *err);

#endif
