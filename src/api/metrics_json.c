/*
 * metrics.json: the report of a training run (as_metrics_report) as JSON, written beside the model file.
 *
 * Valid JSON always: NaN and ±Inf are written as null, strings are escaped. Keys follow the report's fields;
 * a few carry scikit-learn's names as well (n_components beside components, n_features_in beside features_in).
 * Binary reports add "curves" (ROC, precision–recall and top-k % precision per part, for charts) and
 * "at_threshold" (flagged rows and their precision / recall at the model's threshold) after "test".
 * "options" records what the model was trained with (C, tol, max_iter, class_weight, …) and "threshold_rule" how
 * its flag threshold was chosen, so that two runs can be told apart from their files.
 * `aftersales evaluate` reads this file back (src/cli/cmd_evaluate.c): change both together.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"

/* A string of at most `max` bytes (the report's fixed-size fields need not be terminated at their end). */
static void json_string_n(FILE *f, const char *s, size_t max) {
    fputc('"', f);
    for (size_t i = 0; i < max && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c < 0x20 || c == 0x7f) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void json_string(FILE *f, const char *s) { json_string_n(f, s, (size_t)-1); }

static void json_value(FILE *f, double v) {
    if (isnan(v) || isinf(v)) fputs("null", f);
    else fprintf(f, "%.17g", v);
}

static void json_num(FILE *f, const char *name, double v, int comma) {
    fprintf(f, "\"%s\": ", name);
    json_value(f, v);
    if (comma) fputs(", ", f);
}

static void json_int(FILE *f, const char *name, long long v, int comma) {
    fprintf(f, "\"%s\": %lld%s", name, v, comma ? ", " : "");
}

static void json_bool(FILE *f, const char *name, int v, int comma) {
    fprintf(f, "\"%s\": %s%s", name, v ? "true" : "false", comma ? ", " : "");
}

static int report_classes(int k) { return k < 2 ? 2 : k > AS_MAX_CLASSES ? AS_MAX_CLASSES : k; }

/* Class k's label: as recorded, else its index. */
static void json_label(FILE *f, const char (*labels)[64], int k) {
    if (labels[k][0]) {
        json_string_n(f, labels[k], sizeof labels[k]);
    } else {
        char buf[16];
        snprintf(buf, sizeof buf, "%d", k);
        json_string(f, buf);
    }
}

static void json_metrics(FILE *f, const char *name, const as_metrics *m, const char (*labels)[64], int K, int comma) {
    fprintf(f, "  \"%s\": {", name);
    fprintf(f, "\"rows\": %lld, \"positives\": %lld, ", (long long)m->rows, (long long)m->positives);
    json_num(f, "positive_rate", m->positive_rate, 1);
    json_num(f, "accuracy", m->accuracy, 1);
    json_num(f, "precision", m->precision, 1);
    json_num(f, "recall", m->recall, 1);
    json_num(f, "f1", m->f1, 1);
    json_num(f, "best_f1_threshold", m->best_f1_threshold, 1);
    json_num(f, "best_f1", m->best_f1, 1);
    json_num(f, "best_f1_precision", m->best_f1_precision, 1);
    json_num(f, "best_f1_recall", m->best_f1_recall, 1);
    json_num(f, "roc_auc", m->roc_auc, 1);
    json_num(f, "pr_auc", m->pr_auc, 1);
    json_num(f, "log_loss", m->log_loss, 1);
    json_num(f, "brier", m->brier, 1);
    json_num(f, "precision_top1", m->precision_top1, 1);
    json_num(f, "precision_top5", m->precision_top5, 1);
    fprintf(f, "\"confusion\": {\"tp\": %lld, \"fp\": %lld, \"tn\": %lld, \"fn\": %lld},\n    ", (long long)m->tp,
            (long long)m->fp, (long long)m->tn, (long long)m->fn);

    /* ---- format 2: multiclass averages, per class, confusion matrix, calibration ---- */
    json_int(f, "n_classes", K, 1);
    json_num(f, "macro_precision", m->macro_precision, 1);
    json_num(f, "macro_recall", m->macro_recall, 1);
    json_num(f, "macro_f1", m->macro_f1, 1);
    json_num(f, "micro_precision", m->micro_precision, 1);
    json_num(f, "micro_recall", m->micro_recall, 1);
    json_num(f, "micro_f1", m->micro_f1, 1);
    json_num(f, "weighted_precision", m->weighted_precision, 1);
    json_num(f, "weighted_recall", m->weighted_recall, 1);
    json_num(f, "weighted_f1", m->weighted_f1, 1);
    json_num(f, "roc_auc_ovr_macro", m->roc_auc_ovr_macro, 1);
    json_num(f, "roc_auc_ovr_weighted", m->roc_auc_ovr_weighted, 0);
    fputs(",\n    \"per_class\": [", f);
    for (int k = 0; k < K; k++) {
        fputs(k ? ", {\"label\": " : "{\"label\": ", f);
        json_label(f, labels, k);
        fprintf(f, ", \"support\": %lld, ", (long long)m->class_support[k]);
        json_num(f, "precision", m->class_precision[k], 1);
        json_num(f, "recall", m->class_recall[k], 1);
        json_num(f, "f1", m->class_f1[k], 1);
        json_num(f, "roc_auc", m->class_roc_auc[k], 0);
        fputc('}', f);
    }
    fputs("],\n    \"confusion_matrix\": [", f);
    /* A binary report from a library that filled only tp/fp/tn/fn: the matrix from those. */
    int64_t cm[2][2] = {{0, 0}, {0, 0}};
    int from_counts = 0;
    if (K == 2) {
        int64_t sum = m->confusion[0][0] + m->confusion[0][1] + m->confusion[1][0] + m->confusion[1][1];
        if (sum == 0 && m->tp + m->fp + m->tn + m->fn > 0) {
            cm[0][0] = m->tn; cm[0][1] = m->fp; cm[1][0] = m->fn; cm[1][1] = m->tp;
            from_counts = 1;
        }
    }
    for (int i = 0; i < K; i++) {
        fputs(i ? ", [" : "[", f);
        for (int j = 0; j < K; j++)
            fprintf(f, "%s%lld", j ? ", " : "", (long long)(from_counts ? cm[i][j] : m->confusion[i][j]));
        fputc(']', f);
    }
    fputs("],\n    \"calibration\": ", f);
    if (K == 2) {
        fputc('[', f);
        for (int b = 0; b < AS_CALIBRATION_BINS; b++) {
            int empty = m->cal_count[b] <= 0;   /* an empty bin has no means */
            fprintf(f, "%s{", b ? ", " : "");
            json_num(f, "bin_low", (double)b / AS_CALIBRATION_BINS, 1);
            json_num(f, "bin_high", (double)(b + 1) / AS_CALIBRATION_BINS, 1);
            json_int(f, "count", (long long)m->cal_count[b], 1);
            json_num(f, "mean_predicted", empty ? NAN : m->cal_mean_predicted[b], 1);
            json_num(f, "fraction_positive", empty ? NAN : m->cal_fraction_positive[b], 0);
            fputc('}', f);
        }
        fputc(']', f);
    } else {
        fputs("null", f);   /* calibration is reported for binary models */
    }
    fputs(",\n    ", f);
    json_num(f, "expected_calibration_error", K == 2 ? m->expected_calibration_error : NAN, 1);
    json_bool(f, "no_predicted_positive", m->no_predicted_positive, 1);
    json_bool(f, "one_class_truth", m->one_class_truth, 0);
    fprintf(f, "}%s\n", comma ? "," : "");
}

/* [[x, y], …] of the first n points; n is clamped to the arrays' size (a report filled by another program). */
static void json_pairs(FILE *f, const double *x, const double *y, int n) {
    if (n < 0) n = 0;
    if (n > AS_CURVE_POINTS) n = AS_CURVE_POINTS;
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", [" : "[", f);
        json_value(f, x[i]);
        fputs(", ", f);
        json_value(f, y[i]);
        fputc(']', f);
    }
    fputc(']', f);
}

/* One part's curves for the charts: ROC (fpr, tpr), precision–recall (recall, precision), top-k % precision. */
static void json_curves(FILE *f, const as_metrics *m) {
    fputs("{\"roc\": ", f);
    json_pairs(f, m->roc_fpr, m->roc_tpr, m->n_roc);
    fputs(",\n      \"pr\": ", f);
    json_pairs(f, m->pr_recall, m->pr_precision, m->n_pr);
    fputs(",\n      \"top_k_precision\": [", f);
    for (int k = 0; k < 100; k++) {
        if (k) fputs(", ", f);
        json_value(f, m->top_precision[k]);
    }
    fputs("]}", f);
}

/* One part at the model's flag threshold; thr_rows = 0 (not known) leaves threshold, precision and recall null. */
static void json_at_threshold(FILE *f, const as_metrics *m) {
    int known = m->thr_rows > 0;
    fputc('{', f);
    json_num(f, "threshold", known ? m->thr : NAN, 1);
    json_int(f, "rows", (long long)m->thr_rows, 1);
    json_int(f, "flagged", (long long)m->thr_flagged, 1);
    json_int(f, "flagged_positives", (long long)m->thr_flagged_positives, 1);
    json_num(f, "precision", known ? m->thr_precision : NAN, 1);
    json_num(f, "recall", known ? m->thr_recall : NAN, 0);
    fputc('}', f);
}

static void json_fold(FILE *f, const as_cv_fold *c, int counts) {
    fputc('{', f);
    if (counts) {
        json_int(f, "train_rows", (long long)c->train_rows, 1);
        json_int(f, "test_rows", (long long)c->test_rows, 1);
        json_int(f, "test_positives", (long long)c->test_positives, 1);
    }
    json_num(f, "accuracy", c->accuracy, 1);
    json_num(f, "precision", c->precision, 1);
    json_num(f, "recall", c->recall, 1);
    json_num(f, "f1", c->f1, 1);
    json_num(f, "roc_auc", c->roc_auc, 1);
    json_num(f, "pr_auc", c->pr_auc, 1);
    json_num(f, "log_loss", c->log_loss, 1);
    json_num(f, "brier", c->brier, 0);
    fputc('}', f);
}

static void json_decision(FILE *f, const as_decision *d) {
    fputc('{', f);
    json_num(f, "threshold", d->threshold, 1);
    json_int(f, "rows", (long long)d->rows, 1);
    json_int(f, "contacts", (long long)d->contacts, 1);
    json_int(f, "returns", (long long)d->returns, 1);
    json_int(f, "returns_flagged", (long long)d->returns_flagged, 1);
    json_num(f, "returns_prevented", d->returns_prevented, 1);
    json_num(f, "savings", d->savings, 1);
    json_num(f, "savings_per_row", d->savings_per_row, 0);
    fputc('}', f);
}

/* "options": what the model was trained with (scikit-learn's names where it has them). A value the report does not
 * hold (C, tol or max_iter of 0, an empty impute) is null; so is weight_column when no row weights were used.
 * Costs of 0 mean no cost-based decision. */
static void json_options(FILE *f, const as_metrics_report *r) {
    fputs("  \"options\": {", f);
    json_num(f, "C", r->opt_C > 0 ? r->opt_C : NAN, 1);
    json_num(f, "tol", r->opt_tol > 0 ? r->opt_tol : NAN, 1);
    if (r->opt_max_iter > 0) json_int(f, "max_iter", r->opt_max_iter, 1);
    else fputs("\"max_iter\": null, ", f);
    fputs("\"class_weight\": ", f);
    json_string(f, r->opt_class_weight_balanced ? "balanced" : "none");
    fputs(", \"weight_column\": ", f);
    if (r->opt_weight_column[0]) json_string_n(f, r->opt_weight_column, sizeof r->opt_weight_column);
    else fputs("null", f);
    fputs(", \"impute\": ", f);
    if (r->opt_impute[0]) json_string_n(f, r->opt_impute, sizeof r->opt_impute);
    else fputs("null", f);
    fputs(",\n    ", f);
    json_int(f, "min_level_count", (long long)r->opt_min_level_count, 1);
    json_bool(f, "cv_shuffle", r->opt_cv_shuffle, 1);
    json_int(f, "cv_seed", (long long)r->opt_cv_seed, 1);
    json_num(f, "return_cost", r->opt_return_cost, 1);
    json_num(f, "contact_cost", r->opt_contact_cost, 1);
    json_num(f, "contact_success", r->opt_contact_success, 0);
    fputs("},\n", f);
}

/* "class_balance" of one part: [{"class": "none", "rows": 900, "share": 0.9}, …] in class order. */
static void json_balance(FILE *f, const as_class_balance *b) {
    int n = b->n < 0 ? 0 : b->n > AS_MAX_TARGET_CLASSES ? AS_MAX_TARGET_CLASSES : b->n;
    int64_t total = 0;
    for (int k = 0; k < n; k++) total += b->count[k];
    fputc('[', f);
    for (int k = 0; k < n; k++) {
        fputs(k ? ", {\"class\": " : "{\"class\": ", f);
        json_string_n(f, b->name[k], sizeof b->name[k]);
        fputs(", ", f);
        json_int(f, "rows", (long long)b->count[k], 1);
        json_num(f, "share", total > 0 ? (double)b->count[k] / (double)total : NAN, 0);
        fputc('}', f);
    }
    fputc(']', f);
}

/* The shop flow's target (issue 4): level, label, feature set, in words, and the class balance of the training and
 * test rows. Left out for the CSV flow, whose target is a column (its classes are in class_labels). */
static void json_target(FILE *f, const as_metrics_report *r) {
    if (r->balance_train.n <= 0 && !r->target_desc[0]) return;
    fprintf(f, "  \"target_level\": \"%s\",\n  \"target_label\": \"%s\",\n  \"feature_set\": \"%s\",\n",
            r->target_level == AS_TARGET_ORDER ? "order" : "line",
            r->target_label == AS_LABEL_KIND ? "kind" : r->target_label == AS_LABEL_REASON ? "reason" : "any",
            r->feature_set == AS_FEATURES_MAIN ? "main" : "all");
    fputs("  \"target_desc\": ", f);
    json_string_n(f, r->target_desc, sizeof r->target_desc);
    fputs(",\n  \"class_balance\": {\"train\": ", f);
    json_balance(f, &r->balance_train);
    fputs(",\n    \"test\": ", f);
    json_balance(f, &r->balance_test);
    fputs("},\n", f);
    if (r->rows_sampled > 0)
        fprintf(f, "  \"sample\": {\"rows\": %lld, \"of\": %lld, \"seed\": %u},\n", (long long)r->rows_sampled,
                (long long)r->rows_labelled, r->sample_seed);
}

/* "warnings": one string per non-empty line of the report's warnings. */
static void json_warnings(FILE *f, const char *text, size_t max) {
    fputs("  \"warnings\": [", f);
    size_t i = 0;
    int first = 1;
    while (i < max && text[i]) {
        size_t j = i;
        while (j < max && text[j] && text[j] != '\n') j++;
        size_t a = i, b = j;
        while (a < b && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r')) a++;
        while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t' || text[b - 1] == '\r')) b--;
        if (b > a) {
            if (!first) fputs(", ", f);
            json_string_n(f, text + a, b - a);
            first = 0;
        }
        i = j < max && text[j] == '\n' ? j + 1 : j;
    }
    fputs("]\n", f);
}

as_status as_metrics_write_json(const as_metrics_report *r, const char *path, as_error *err) {
    FILE *f = fopen(path, "w");
    if (!f) return as__err(err, AS_ERR_IO, "cannot write %s", path);
    const int K = report_classes(r->n_classes);
    char a[24], b[24], c[24], d[24];
    fprintf(f, "{\n  \"model_file\": ");
    json_string_n(f, r->model_file, sizeof r->model_file);
    fprintf(f, ",\n  \"positive_class\": ");
    json_string_n(f, r->positive_class, sizeof r->positive_class);
    fprintf(f, ",\n  ");
    json_num(f, "threshold", r->threshold, 0);
    fprintf(f, ",\n  \"threshold_rule\": ");
    json_string_n(f, r->threshold_rule, sizeof r->threshold_rule);
    fprintf(f, ",\n  \"split\": ");
    json_string_n(f, r->split_desc, sizeof r->split_desc);
    fprintf(f, ",\n");
    json_target(f, r);
    if (r->train_start || r->test_start) {
        as_time_format(r->train_start, 0, a, sizeof a); as_time_format(r->train_end, 0, b, sizeof b);
        as_time_format(r->test_start, 0, c, sizeof c); as_time_format(r->test_end, 0, d, sizeof d);
        fprintf(f, "  \"train_window\": [\"%s\", \"%s\"],\n  \"test_window\": [\"%s\", \"%s\"],\n", a, b, c, d);
    }
    fprintf(f, "  \"features_in\": %d,\n  \"components\": %d,\n  \"iterations\": %d,\n  \"hessian_products\": %d,\n"
               "  \"hessian_formations\": %d,\n  \"converged\": %s,\n  \"separated\": %s,\n",
            r->n_features_in, r->n_components, r->iterations, r->hessian_products, r->hessian_formations,
            r->converged ? "true" : "false", r->separated ? "true" : "false");
    fprintf(f, "  ");
    json_num(f, "gradient_norm", r->grad_norm, 0);
    fprintf(f, ",\n  ");
    json_num(f, "objective", r->objective, 0);
    fprintf(f, ",\n  \"unseen_categories_test_rows\": %lld,\n  \"dropped_missing_rows\": %lld,\n",
            (long long)r->unseen_categories, (long long)r->dropped_missing);
    fprintf(f, "  ");
    json_num(f, "seconds_train", r->seconds_train, 0);
    fprintf(f, ",\n");

    /* ---- format 2: model, classes, preprocessing counts, PCA table ---- */
    fprintf(f, "  \"model_kind\": ");
    json_string_n(f, r->model_kind[0] ? r->model_kind : "logreg", sizeof r->model_kind);
    fprintf(f, ",\n  \"penalty\": ");
    json_string_n(f, r->penalty[0] ? r->penalty : "l2", sizeof r->penalty);
    fprintf(f, ",\n  \"solver\": ");
    json_string_n(f, r->solver, sizeof r->solver);
    fprintf(f, ",\n");
    json_options(f, r);
    fprintf(f, "  \"function_evaluations\": %d,\n  \"n_classes\": %d,\n  \"class_labels\": [",
            r->function_evaluations, K);
    for (int k = 0; k < K; k++) {
        if (k) fputs(", ", f);
        json_label(f, r->class_labels, k);
    }
    fprintf(f, "],\n  \"n_features_in\": %d,\n  \"n_components\": %d,\n  \"nonzero_coefficients\": %lld,\n"
               "  \"imputed_values\": %lld,\n  \"pooled_levels\": %lld,\n  \"validation_rows\": %lld,\n",
            r->n_features_in, r->n_components, (long long)r->nonzero_coefficients, (long long)r->imputed_values,
            (long long)r->pooled_levels, (long long)r->validation_rows);
    int n_pca = r->n_pca_table;
    int max_pca = (int)(sizeof r->pca_variance_ratio / sizeof r->pca_variance_ratio[0]);
    if (n_pca < 0) n_pca = 0;
    if (n_pca > max_pca) n_pca = max_pca;
    fputs("  \"pca_variance_ratio\": [", f);
    for (int i = 0; i < n_pca; i++) {
        if (i) fputs(", ", f);
        json_value(f, r->pca_variance_ratio[i]);
    }
    fputs("],\n", f);
    if (strncmp(r->model_kind, "gbdt", sizeof r->model_kind) == 0) {
        fprintf(f, "  \"gbdt_rounds\": %d,\n  ", r->gbdt_rounds);
        json_num(f, "gbdt_best_validation_logloss", r->gbdt_best_validation_logloss, 0);
        fputs(",\n", f);
    }

    /* ---- cross-validation and the cost-based decision, when there are any ---- */
    if (r->cv_folds > 0) {
        int n = r->cv_folds > AS_MAX_FOLDS ? AS_MAX_FOLDS : r->cv_folds;
        fprintf(f, "  \"cv\": {\"k\": %d, \"by_time\": %s, \"folds\": [", n, r->cv_by_time ? "true" : "false");
        for (int i = 0; i < n; i++) {
            fputs(i ? ",\n    " : "\n    ", f);
            json_fold(f, &r->cv[i], 1);
        }
        fputs("],\n    \"mean\": ", f);
        json_fold(f, &r->cv_mean, 0);
        fputs(",\n    \"std\": ", f);
        json_fold(f, &r->cv_std, 0);
        fputs("},\n", f);
    }
    if (!isnan(r->decision_validation.threshold) && r->decision_validation.rows > 0) {
        fputs("  \"decision\": {\"validation\": ", f);
        json_decision(f, &r->decision_validation);
        fputs(",\n    \"test\": ", f);
        json_decision(f, &r->decision_test);
        fputs("},\n", f);
    }

    json_metrics(f, "train", &r->train, r->class_labels, K, 1);
    json_metrics(f, "test", &r->test, r->class_labels, K, 1);
    if (K == 2) {   /* curves and the operating point are binary figures */
        fputs("  \"curves\": {\"train\": ", f);
        json_curves(f, &r->train);
        fputs(",\n    \"test\": ", f);
        json_curves(f, &r->test);
        fputs("},\n  \"at_threshold\": {\"train\": ", f);
        json_at_threshold(f, &r->train);
        fputs(",\n    \"test\": ", f);
        json_at_threshold(f, &r->test);
        fputs("},\n", f);
    }
    json_warnings(f, r->warnings, sizeof r->warnings);
    fprintf(f, "}\n");
    if (ferror(f)) {
        fclose(f);
        return as__err(err, AS_ERR_IO, "writing %s failed", path);
    }
    if (fclose(f) != 0) return as__err(err, AS_ERR_IO, "writing %s failed", path);
    return AS_OK;
}
