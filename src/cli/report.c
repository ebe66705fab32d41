/*
 * report.c — what `train` and `evaluate` print about a training run (an as_metrics_report): the binary or
 * multiclass tables, cross-validation, the cost-based decision, calibration, PCA, model and solver, and the
 * report's warnings. `train` passes the report it got from the library; `evaluate` one it read back from
 * metrics.json. See cli.h for the contracts.
 */
#include "cli.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------------------------------------- */

int cli_report_classes(const as_metrics_report *rep) {
    int k = rep->n_classes;
    if (k < 2) k = 2;
    if (k > AS_MAX_CLASSES) k = AS_MAX_CLASSES;
    return k;
}

const char *cli_class_label(const as_metrics_report *rep, int k) {
    static char ring[8][80];
    static unsigned next;
    char *out = ring[next++ % 8];
    if (k >= 0 && k < AS_MAX_CLASSES && rep->class_labels[k][0])
        snprintf(out, sizeof ring[0], "%.*s", (int)sizeof rep->class_labels[k], rep->class_labels[k]);
    else if (cli_report_classes(rep) == 2 && k == 1 && rep->positive_class[0])
        snprintf(out, sizeof ring[0], "%.*s", (int)sizeof rep->positive_class, rep->positive_class);
    else
        snprintf(out, sizeof ring[0], "class %d", k);
    return out;
}

static int contains_ci(const char *text, const char *word) {
    size_t n = strlen(word);
    for (const char *p = text; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == word[i]) i++;
        if (i == n) return 1;
    }
    return 0;
}

int cli_report_warnings(const char *cmd, const as_metrics_report *rep) {
    char text[sizeof rep->warnings + 1];
    memcpy(text, rep->warnings, sizeof rep->warnings);
    text[sizeof rep->warnings] = '\0';
    int covered = 0;
    char *line = text;
    while (*line) {
        char *end = line + strcspn(line, "\n");
        char saved = *end;
        *end = '\0';
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        size_t n = strlen(p);
        while (n > 0 && isspace((unsigned char)p[n - 1])) p[--n] = '\0';
        /* A line that already says "warning:" is not prefixed twice. */
        if (strncmp(p, "warning: ", 9) == 0) p += 9;
        if (*p) {
            cli_warnf(cmd, "%s", p);
            if (contains_ci(p, "converg")) covered |= 1;
            if (contains_ci(p, "separat")) covered |= 2;
        }
        if (!saved) break;
        line = end + 1;
    }
    return covered;
}

static int label_width(const as_metrics_report *rep, int K, int min, int max) {
    int w = min;
    for (int k = 0; k < K; k++) {
        int n = (int)strlen(cli_class_label(rep, k));
        if (n > w) w = n;
    }
    return w > max ? max : w;
}

/* A share of a whole as "1,234 (5.00%)". */
static const char *count_share(int64_t n, int64_t of) {
    static char ring[4][64];
    static unsigned next;
    char *out = ring[next++ % 4];
    if (n < 0)
        snprintf(out, sizeof ring[0], "n/a");
    else if (of > 0)
        snprintf(out, sizeof ring[0], "%s (%s)", cli_count(n), cli_pct((double)n / (double)of));
    else
        snprintf(out, sizeof ring[0], "%s", cli_count(n));
    return out;
}

void cli_print_classes(const as_metrics_report *rep) {
    int K = cli_report_classes(rep);
    printf("  classes (%d):", K);
    for (int k = 0; k < K; k++) printf("%s '%s'", k ? "," : "", cli_class_label(rep, k));
    printf("\n");
}

/* ---- notes under the tables: why a value is undefined ---------------------------------------------------- */

static void notes_binary(const as_metrics *m, const char *part) {
    if (m->rows < 0) return;
    if (m->rows == 0) {
        printf("  the %s part has no rows: its metrics are undefined\n", part);
        return;
    }
    int one_class = m->one_class_truth || (m->positives >= 0 && (m->positives == 0 || m->positives == m->rows) &&
                                           isnan(m->roc_auc));
    if (one_class) {
        const char *which = m->positives == 0 ? " (no positives)" : m->positives == m->rows ? " (positives only)" : "";
        printf("  ROC-AUC%s undefined on the %s rows: they hold one class only%s\n",
               isnan(m->pr_auc) ? " and PR-AUC are" : " is", part, which);
    }
    if (m->no_predicted_positive)
        printf("  precision @0.5 on the %s rows: no row predicted positive (0/0), shown as 0 as scikit-learn does\n",
               part);
}

static void notes_multiclass(const as_metrics_report *rep, const as_metrics *m, const char *part, int K) {
    if (m->rows < 0) return;
    if (m->rows == 0) {
        printf("  the %s part has no rows: its metrics are undefined\n", part);
        return;
    }
    if (!isnan(m->roc_auc_ovr_macro) && !isnan(m->roc_auc_ovr_weighted)) return;
    char absent[512] = "";
    size_t o = 0;
    int n_absent = 0;
    for (int k = 0; k < K; k++) {
        if (m->class_support[k] != 0) continue;
        int w = snprintf(absent + o, sizeof absent - o, "%s'%s'", n_absent ? ", " : "", cli_class_label(rep, k));
        if (w < 0 || (size_t)w >= sizeof absent - o) break;
        o += (size_t)w;
        n_absent++;
    }
    if (n_absent)
        printf("  ROC-AUC OvR is undefined on the %s rows: class%s %s ha%s no rows there\n", part,
               n_absent == 1 ? "" : "es", absent, n_absent == 1 ? "s" : "ve");
    else
        printf("  ROC-AUC OvR is undefined on the %s rows\n", part);
}

/* ---- multiclass ------------------------------------------------------------------------------------------ */

static void print_multiclass_table(const as_metrics *tr, const as_metrics *te, int K) {
    const char *row = "  %-22s %14s %14s\n";
    char brier[32];
    snprintf(brier, sizeof brier, "Brier (%d classes)", K);
    printf(row, "", "train", "test");
    printf(row, "rows", tr->rows < 0 ? "n/a" : cli_count(tr->rows), te->rows < 0 ? "n/a" : cli_count(te->rows));
    printf(row, "accuracy", cli_metric_pct(tr->accuracy), cli_metric_pct(te->accuracy));
    printf(row, "macro precision", cli_metric_pct(tr->macro_precision), cli_metric_pct(te->macro_precision));
    printf(row, "macro recall", cli_metric_pct(tr->macro_recall), cli_metric_pct(te->macro_recall));
    printf(row, "macro F1", cli_metric(tr->macro_f1, 4), cli_metric(te->macro_f1, 4));
    printf(row, "weighted F1", cli_metric(tr->weighted_f1, 4), cli_metric(te->weighted_f1, 4));
    printf(row, "ROC-AUC OvR macro", cli_metric(tr->roc_auc_ovr_macro, 4), cli_metric(te->roc_auc_ovr_macro, 4));
    printf(row, "ROC-AUC OvR weighted", cli_metric(tr->roc_auc_ovr_weighted, 4),
           cli_metric(te->roc_auc_ovr_weighted, 4));
    printf(row, "log loss", cli_metric(tr->log_loss, 4), cli_metric(te->log_loss, 4));
    printf(row, brier, cli_metric(tr->brier, 4), cli_metric(te->brier, 4));
}

/* scikit-learn's classification_report, with the one-vs-rest ROC-AUC of each class. */
static void print_class_table(const as_metrics_report *rep, const as_metrics *m, const char *part, int K) {
    if (m->rows <= 0) return;
    int w = label_width(rep, K, 12, 24);
    const char *fmt = "  %-*.*s %10s %10s %8s %10s %9s\n";
    printf("  %s rows by class (ROC-AUC: the class against the rest):\n", part);
    printf(fmt, w, w, "class", "precision", "recall", "F1", "support", "ROC-AUC");
    for (int k = 0; k < K; k++)
        printf(fmt, w, w, cli_class_label(rep, k), cli_metric_pct(m->class_precision[k]),
               cli_metric_pct(m->class_recall[k]), cli_metric(m->class_f1[k], 4), cli_count(m->class_support[k]),
               cli_metric(m->class_roc_auc[k], 4));
    printf(fmt, w, w, "macro avg", cli_metric_pct(m->macro_precision), cli_metric_pct(m->macro_recall),
           cli_metric(m->macro_f1, 4), cli_count(m->rows), cli_metric(m->roc_auc_ovr_macro, 4));
    printf(fmt, w, w, "micro avg", cli_metric_pct(m->micro_precision), cli_metric_pct(m->micro_recall),
           cli_metric(m->micro_f1, 4), cli_count(m->rows), "");
    printf(fmt, w, w, "weighted avg", cli_metric_pct(m->weighted_precision), cli_metric_pct(m->weighted_recall),
           cli_metric(m->weighted_f1, 4), cli_count(m->rows), cli_metric(m->roc_auc_ovr_weighted, 4));
}

static void print_confusion(const as_metrics_report *rep, const as_metrics *m, const char *part, int K) {
    if (m->rows <= 0) return;
    int lw = label_width(rep, K, 16, 24);   /* at least as wide as "true \\ predicted" */
    int cw = 6;
    for (int k = 0; k < K; k++) {
        int n = (int)strlen(cli_class_label(rep, k));
        if (n > cw) cw = n;
        for (int j = 0; j < K; j++) {
            int d = (int)strlen(cli_count(m->confusion[k][j]));
            if (d > cw) cw = d;
        }
    }
    if (cw > 12) {
        cw = 12;
        for (int k = 0; k < K; k++)
            for (int j = 0; j < K; j++) {
                int d = (int)strlen(cli_count(m->confusion[k][j]));
                if (d > cw) cw = d;
            }
    }
    printf("  confusion matrix, %s rows (a row per true class, a column per predicted class):\n", part);
    printf("  %-*s", lw, "true \\ predicted");
    for (int j = 0; j < K; j++) printf(" %*.*s", cw, cw, cli_class_label(rep, j));
    printf("\n");
    for (int k = 0; k < K; k++) {
        printf("  %-*.*s", lw, lw, cli_class_label(rep, k));
        for (int j = 0; j < K; j++) printf(" %*s", cw, cli_count(m->confusion[k][j]));
        printf("\n");
    }
}

/* ---- cross-validation ------------------------------------------------------------------------------------ */

static void cv_row(const char *name, const as_cv_fold *f, int K, int counts) {
    char tr[32] = "", te[32] = "";
    if (counts) {
        snprintf(tr, sizeof tr, "%s", cli_count(f->train_rows));
        snprintf(te, sizeof te, "%s", cli_count(f->test_rows));
    }
    if (K >= 3)
        printf("  %-5s %11s %10s %9s %10s %9s %9s %9s %9s %9s\n", name, tr, te, cli_metric_pct(f->accuracy),
               cli_metric_pct(f->precision), cli_metric_pct(f->recall), cli_metric(f->f1, 4),
               cli_metric(f->roc_auc, 4), cli_metric(f->log_loss, 4), cli_metric(f->brier, 4));
    else
        printf("  %-5s %11s %10s %9s %10s %9s %9s %9s %9s %9s %9s\n", name, tr, te, cli_metric_pct(f->accuracy),
               cli_metric_pct(f->precision), cli_metric_pct(f->recall), cli_metric(f->f1, 4),
               cli_metric(f->roc_auc, 4), cli_metric(f->pr_auc, 4), cli_metric(f->log_loss, 4),
               cli_metric(f->brier, 4));
}

static void print_cv(const as_metrics_report *rep, int K) {
    int n = rep->cv_folds > AS_MAX_FOLDS ? AS_MAX_FOLDS : rep->cv_folds;
    /* A time split's folds are expanding windows by time (TimeSeriesSplit); the others StratifiedKFold's. */
    if (rep->cv_by_time)
        printf("  %d-fold cross-validation by time on the training rows (each fold trains on all rows before its "
               "block)%s:\n", n, K >= 3 ? "; precision, recall, F1: macro averages" : "");
    else
        printf("  %d-fold stratified cross-validation on the training rows%s:\n", n,
               K >= 3 ? " (precision, recall, F1: macro averages)" : "");
    if (K >= 3)
        printf("  %-5s %11s %10s %9s %10s %9s %9s %9s %9s %9s\n", "fold", "train rows", "test rows", "accuracy",
               "precision", "recall", "F1", "ROC-AUC", "log loss", "Brier");
    else
        printf("  %-5s %11s %10s %9s %10s %9s %9s %9s %9s %9s %9s\n", "fold", "train rows", "test rows", "accuracy",
               "precision", "recall", "F1", "ROC-AUC", "PR-AUC", "log loss", "Brier");
    for (int i = 0; i < n; i++) {
        char name[8];
        snprintf(name, sizeof name, "%d", i + 1);
        cv_row(name, &rep->cv[i], K, 1);
    }
    cv_row("mean", &rep->cv_mean, K, 0);
    cv_row("std", &rep->cv_std, K, 0);
    const as_cv_fold *m = &rep->cv_mean, *s = &rep->cv_std;
    if (K >= 3)
        printf("  mean ± std over the folds: accuracy %s ± %s, macro F1 %s ± %s, ROC-AUC OvR %s ± %s\n",
               cli_metric_pct(m->accuracy), cli_metric_pct(s->accuracy), cli_metric(m->f1, 4), cli_metric(s->f1, 4),
               cli_metric(m->roc_auc, 4), cli_metric(s->roc_auc, 4));
    else
        printf("  mean ± std over the folds: ROC-AUC %s ± %s, PR-AUC %s ± %s, F1 %s ± %s\n",
               cli_metric(m->roc_auc, 4), cli_metric(s->roc_auc, 4), cli_metric(m->pr_auc, 4),
               cli_metric(s->pr_auc, 4), cli_metric(m->f1, 4), cli_metric(s->f1, 4));
    printf("  (standard deviation with ddof 0, as numpy's std of cross_val_score's results)\n");
}

/* ---- the cost-based decision ----------------------------------------------------------------------------- */

int cli_report_has_decision(const as_metrics_report *rep) {
    /* memset reports (a library that made no decision) hold 0 rows; a decision always has rows. */
    return !isnan(rep->decision_validation.threshold) && rep->decision_validation.rows > 0;
}

static void print_decision(const as_metrics_report *rep) {
    const as_decision *v = &rep->decision_validation, *t = &rep->decision_test;
    const char *row = "  %-28s %20s %20s\n";
    printf("  decision by expected savings (threshold chosen on the validation rows, then applied to the test "
           "rows):\n");
    if (rep->opt_return_cost > 0 && rep->opt_contact_cost > 0)
        printf("  costs: a return %s, a contact %s; a contact prevents %s of would-be returns\n",
               cli_amount(rep->opt_return_cost, 2), cli_amount(rep->opt_contact_cost, 2),
               rep->opt_contact_success > 0 ? cli_pct(rep->opt_contact_success) : "n/a");
    printf(row, "", "validation", "test");
    if (v->contacts == 0)
        printf(row, "threshold", "above every score", t->rows > 0 ? "(the same)" : "");
    else
        printf(row, "threshold", cli_num(v->threshold, 4), t->rows > 0 ? cli_num(t->threshold, 4) : "");
    printf(row, "rows", cli_count(v->rows), cli_count(t->rows));
    printf(row, "contacts (flagged rows)", count_share(v->contacts, v->rows), count_share(t->contacts, t->rows));
    printf(row, "returns", count_share(v->returns, v->rows), count_share(t->returns, t->rows));
    printf(row, "returns flagged", count_share(v->returns_flagged, v->returns),
           count_share(t->returns_flagged, t->returns));
    printf(row, "returns prevented (exp.)", cli_amount(v->returns_prevented, 1), cli_amount(t->returns_prevented, 1));
    printf(row, "savings (expected)", cli_amount(v->savings, 2), cli_amount(t->savings, 2));
    printf(row, "savings per row", cli_amount(v->savings_per_row, 4), cli_amount(t->savings_per_row, 4));
    printf("  (returns flagged: share of the returns; contacts and returns: share of the rows)\n");
    if (v->contacts == 0)
        printf("  no threshold saves money on the validation rows at these costs: the best decision is to contact "
               "nobody\n");
    else if (t->rows > 0 && t->savings < 0)
        printf("  on the test rows the contacts cost more than they save (%s)\n", cli_amount(t->savings, 2));
}

/* ---- calibration and PCA (verbose) ----------------------------------------------------------------------- */

static void print_calibration(const as_metrics *m, const as_metrics *train) {
    if (m->rows <= 0) return;
    int64_t total = 0;
    for (int b = 0; b < AS_CALIBRATION_BINS; b++) total += m->cal_count[b] > 0 ? m->cal_count[b] : 0;
    if (total == 0) return;   /* not recorded */
    printf("  calibration, test rows (%d equal-width bins of the predicted probability)\n", AS_CALIBRATION_BINS);
    printf("  expected calibration error: train %s, test %s\n", cli_metric(train->expected_calibration_error, 4),
           cli_metric(m->expected_calibration_error, 4));
    printf("  %-11s %11s %15s %18s\n", "bin", "rows", "mean predicted", "fraction positive");
    for (int b = 0; b < AS_CALIBRATION_BINS; b++) {
        char bin[24];
        snprintf(bin, sizeof bin, "%.1f-%.1f", (double)b / AS_CALIBRATION_BINS, (double)(b + 1) / AS_CALIBRATION_BINS);
        int empty = m->cal_count[b] <= 0;
        printf("  %-11s %11s %15s %18s\n", bin, cli_count(m->cal_count[b]),
               empty ? "-" : cli_pct(m->cal_mean_predicted[b]), empty ? "-" : cli_pct(m->cal_fraction_positive[b]));
    }
    printf("\n");
}

static void print_pca(const as_metrics_report *rep) {
    int n = rep->n_pca_table;
    if (n <= 0) return;
    if (n > (int)(sizeof rep->pca_variance_ratio / sizeof rep->pca_variance_ratio[0]))
        n = (int)(sizeof rep->pca_variance_ratio / sizeof rep->pca_variance_ratio[0]);
    printf("  PCA explained variance on the training rows (%s; %s kept):\n", cli_nouns(n, "component", "components"),
           cli_count(rep->n_components));
    printf("  %-10s %10s %12s\n", "component", "ratio", "cumulative");
    /* The kept components and a few more; the rest in one line. */
    int shown = rep->n_components + 5 > 10 ? rep->n_components + 5 : 10;
    if (shown > n) shown = n;
    double cum = 0, rest = 0;
    for (int i = shown; i < n; i++) rest += rep->pca_variance_ratio[i];
    for (int i = 0; i < shown; i++) {
        cum += rep->pca_variance_ratio[i];
        char name[24];
        snprintf(name, sizeof name, "%d", i + 1);
        printf("  %-10s %10s %12s%s\n", name, cli_pct(rep->pca_variance_ratio[i]), cli_pct(cum),
               i < rep->n_components ? "  kept" : "");
    }
    if (shown < n)
        printf("  (%s more %s the remaining %s)\n", cli_nouns(n - shown, "component", "components"),
               n - shown == 1 ? "explains" : "explain", cli_pct(rest));
    printf("\n");
}

/* ---- model and solver ------------------------------------------------------------------------------------ */

static int is_gbdt(const as_metrics_report *rep) { return strcmp(rep->model_kind, "gbdt") == 0; }

/* A fixed-size text field of the report as a terminated string. */
static const char *field(const char *text, size_t size) {
    static char ring[4][128];
    static unsigned next;
    char *out = ring[next++ % 4];
    snprintf(out, sizeof ring[0], "%.*s", (int)(size < sizeof ring[0] ? size : sizeof ring[0] - 1), text);
    return out;
}

/* Appends ", " (unless first) and a formatted item to line[*o..size). */
static void add(char *line, size_t size, size_t *o, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add(char *line, size_t size, size_t *o, const char *fmt, ...) {
    if (*o + 3 >= size) return;
    if (*o) {
        memcpy(line + *o, ", ", 3);
        *o += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(line + *o, size - *o, fmt, ap);
    va_end(ap);
    if (w > 0) *o = *o + (size_t)w < size ? *o + (size_t)w : size - 1;
}

/* 1 when the report records the options of its run (metrics.json of earlier versions does not). */
static int has_options(const as_metrics_report *rep) {
    return rep->opt_C > 0 || rep->opt_tol > 0 || rep->opt_max_iter > 0 || rep->opt_impute[0];
}

/* "options: C 1, tol 1e-08, max-iter 200, class weight balanced, row weights from 'w', impute median, min-count 5":
 * what the model was trained with, leaving out what does not apply to it (C without a penalty; C, tol and max-iter
 * for boosted trees). The costs are shown with the decision. */
static void print_options(const as_metrics_report *rep) {
    if (!has_options(rep)) {
        printf("  options: not recorded (a metrics.json of an earlier version)\n");
        return;
    }
    char line[512] = "";
    size_t o = 0;
    if (!is_gbdt(rep)) {
        const char *penalty = rep->penalty[0] ? field(rep->penalty, sizeof rep->penalty) : "l2";
        if (strcmp(penalty, "none") != 0 && rep->opt_C > 0) add(line, sizeof line, &o, "C %g", rep->opt_C);
        if (rep->opt_tol > 0) add(line, sizeof line, &o, "tol %g", rep->opt_tol);
        if (rep->opt_max_iter > 0) add(line, sizeof line, &o, "max-iter %d", rep->opt_max_iter);
    }
    add(line, sizeof line, &o, "class weight %s", rep->opt_class_weight_balanced ? "balanced" : "none");
    if (rep->opt_weight_column[0])
        add(line, sizeof line, &o, "row weights from '%s'",
            field(rep->opt_weight_column, sizeof rep->opt_weight_column));
    if (rep->opt_impute[0]) add(line, sizeof line, &o, "impute %s", field(rep->opt_impute, sizeof rep->opt_impute));
    add(line, sizeof line, &o, "min-count %lld", (long long)rep->opt_min_level_count);
    if (rep->cv_folds > 0 && rep->opt_cv_shuffle)
        add(line, sizeof line, &o, "CV folds shuffled with seed %u", (unsigned)rep->opt_cv_seed);
    printf("  options: %s\n", line);
}

static void print_model(const as_metrics_report *rep, int K) {
    char classes[48];
    if (K >= 3)
        snprintf(classes, sizeof classes, "%d classes", K);
    else
        snprintf(classes, sizeof classes, "binary");
    if (!rep->model_kind[0] && rep->iterations < 0) {
        /* a metrics file that records neither: nothing to say about the model */
    } else if (is_gbdt(rep)) {
        char best[80] = "";
        if (!isnan(rep->gbdt_best_validation_logloss))
            snprintf(best, sizeof best, ", best validation log loss %s", cli_num(rep->gbdt_best_validation_logloss, 4));
        char run[48] = "";
        if (rep->iterations > rep->gbdt_rounds)
            snprintf(run, sizeof run, " of %s run", cli_count(rep->iterations));
        printf("  model: boosted trees (xgboost, %s), %s round%s kept%s%s\n", classes, cli_count(rep->gbdt_rounds),
               rep->gbdt_rounds == 1 ? "" : "s", run, best);
    } else {
        const char *penalty = rep->penalty[0] ? rep->penalty : "l2";
        char nz[96] = "";
        if (strcmp(penalty, "l1") == 0) {
            int64_t total = (int64_t)rep->n_components * (K >= 3 ? K : 1);
            if (total > 0)
                snprintf(nz, sizeof nz, ", %s of %s coefficients not zero", cli_count(rep->nonzero_coefficients),
                         cli_count(total));
            else
                snprintf(nz, sizeof nz, ", %s not zero",
                         cli_nouns(rep->nonzero_coefficients, "coefficient", "coefficients"));
        }
        printf("  model: logistic regression (%s%s), penalty %s%s\n", K >= 3 ? "multinomial, " : "", classes, penalty,
               nz);
        if (rep->iterations >= 0) {
            char work[160] = "";
            size_t o = 0;
            if (rep->hessian_formations > 0)
                o += (size_t)snprintf(work + o, sizeof work - o, "%s%s formed", o ? ", " : "",
                                      cli_nouns(rep->hessian_formations, "Hessian", "Hessians"));
            if (rep->hessian_products > 0 && o < sizeof work)
                o += (size_t)snprintf(work + o, sizeof work - o, "%s%s", o ? ", " : "",
                                      cli_nouns(rep->hessian_products, "Hessian-vector product",
                                                "Hessian-vector products"));
            if (rep->function_evaluations > 0 && o < sizeof work)
                o += (size_t)snprintf(work + o, sizeof work - o, "%s%s", o ? ", " : "",
                                      cli_nouns(rep->function_evaluations, "function evaluation",
                                                "function evaluations"));
            char obj[64] = "";
            if (!isnan(rep->objective)) snprintf(obj, sizeof obj, ", objective %.6g", rep->objective);
            printf("  solver: %s%s%s iteration%s%s%s%s, gradient norm %.3g%s, %s\n", rep->solver[0] ? rep->solver : "",
                   rep->solver[0] ? ", " : "", cli_count(rep->iterations), rep->iterations == 1 ? "" : "s",
                   work[0] ? " (" : "", work, work[0] ? ")" : "", rep->grad_norm, obj,
                   rep->converged < 0 ? "convergence not recorded" : rep->converged ? "converged" : "NOT converged");
        }
    }
    if (rep->validation_rows > 0 && is_gbdt(rep))
        printf("  validation rows: %s of the training rows, held out for %s; the trees are not fitted on them\n",
               cli_count(rep->validation_rows),
               cli_report_has_decision(rep) ? "early stopping and the cost-based threshold" : "early stopping");
    else if (rep->validation_rows > 0)
        printf("  validation rows: %s of the training rows, held out to choose the cost-based threshold; the final "
               "model is fitted on all training rows\n", cli_count(rep->validation_rows));
    if (rep->imputed_values > 0) printf("  missing values filled in: %s\n", cli_count(rep->imputed_values));
    if (rep->pooled_levels > 0)
        printf("  rare text values pooled into '(other)': %s\n", cli_count(rep->pooled_levels));
    print_options(rep);
}

/* ---- the target and its class balance (shop data) ------------------------------------------------------- */

static const char *level_word(int v) { return v == AS_TARGET_ORDER ? "order" : "line"; }
static const char *label_word(int v) { return v == AS_LABEL_KIND ? "kind" : v == AS_LABEL_REASON ? "reason" : "any"; }
static const char *set_word(int v) { return v == AS_FEATURES_MAIN ? "main" : "all"; }

/* "  target: order line: any case within 90 days (--target line --label any --features all)" and a table of class
 * counts and shares of the training and test rows. Nothing for a report without a class balance (--csv). */
static void print_target(const as_metrics_report *rep) {
    const as_class_balance *tr = &rep->balance_train, *te = &rep->balance_test;
    if (tr->n <= 0 && !rep->target_desc[0]) return;
    printf("  target: %s (--target %s --label %s --features %s)\n",
           rep->target_desc[0] ? field(rep->target_desc, sizeof rep->target_desc) : "not described",
           level_word(rep->target_level), label_word(rep->target_label), set_word(rep->feature_set));
    int n = tr->n > te->n ? tr->n : te->n;
    if (n > AS_MAX_TARGET_CLASSES) n = AS_MAX_TARGET_CLASSES;
    if (n <= 0) return;
    int64_t sum_tr = 0, sum_te = 0;
    for (int k = 0; k < n; k++) {
        sum_tr += k < tr->n ? tr->count[k] : 0;
        sum_te += k < te->n ? te->count[k] : 0;
    }
    int w = 12;
    for (int k = 0; k < n; k++) {
        int len = (int)strlen(field(k < tr->n ? tr->name[k] : te->name[k], sizeof tr->name[k]));
        if (len > w) w = len;
    }
    printf("  class balance:\n");
    printf("  %-*s %22s %22s\n", w, "class", "train rows", "test rows");
    for (int k = 0; k < n; k++) {
        const char *name = field(k < tr->n ? tr->name[k] : te->name[k], sizeof tr->name[k]);
        printf("  %-*s %22s %22s\n", w, name, count_share(k < tr->n ? tr->count[k] : 0, sum_tr),
               count_share(k < te->n ? te->count[k] : 0, sum_te));
    }
    printf("\n");
}

/* ---- the whole report ------------------------------------------------------------------------------------ */

void cli_print_report(const as_metrics_report *rep) {
    if (cli_verbosity_level < CLI_NORMAL) return;
    int K = cli_report_classes(rep);
    const int verbose = cli_verbosity_level >= CLI_VERBOSE;
    print_target(rep);
    if (K >= 3) {
        print_multiclass_table(&rep->train, &rep->test, K);
        notes_multiclass(rep, &rep->train, "training", K);
        notes_multiclass(rep, &rep->test, "test", K);
        printf("\n");
        print_class_table(rep, &rep->test, "test", K);
        printf("\n");
        print_confusion(rep, &rep->test, "test", K);
        printf("\n");
        if (verbose) {
            print_class_table(rep, &rep->train, "training", K);
            printf("\n");
            print_confusion(rep, &rep->train, "training", K);
            printf("\n");
        }
    } else {
        cli_print_metrics_table(stdout, &rep->train, &rep->test);
        notes_binary(&rep->train, "training");
        notes_binary(&rep->test, "test");
        printf("\n");
    }
    if (rep->cv_folds > 0) {
        print_cv(rep, K);
        printf("\n");
    }
    int decision = cli_report_has_decision(rep);
    if (decision) {
        print_decision(rep);
        printf("\n");
    }
    if (verbose && K == 2) print_calibration(&rep->test, &rep->train);
    if (verbose) print_pca(rep);

    const char *rule = field(rep->threshold_rule, sizeof rep->threshold_rule);
    if (K >= 3) {
        printf("  predicted class: the most probable one\n");
    } else if (decision && rep->decision_validation.contacts == 0) {
        printf("  decision threshold for flags: above every score (%s%sno contact pays at these costs)\n", rule,
               rule[0] ? "; " : "");
    } else if (isfinite(rep->threshold) && rep->threshold > 0 && rep->threshold < 1) {
        const char *origin = NULL;
        if (rule[0])
            origin = rule;   /* the library's own words for how it chose the threshold */
        else if (decision && fabs(rep->threshold - rep->decision_validation.threshold) <= 1e-12)
            origin = "the best expected savings on the validation rows";
        else
            origin = cli_threshold_origin(rep->threshold, rep->train.best_f1_threshold);
        printf("  decision threshold for flags: %s%s%s%s\n", cli_num(rep->threshold, 4), origin ? " (" : "",
               origin ? origin : "", origin ? ")" : "");
    }
    print_model(rep, K);
}

/* ---- summary --------------------------------------------------------------------------------------------- */

void cli_print_train_summary(const char *cmd, const as_metrics_report *rep) {
    const int K = cli_report_classes(rep);
    const char *row = "  %-22s %s\n";
    char what[160];
    snprintf(what, sizeof what, "%s", is_gbdt(rep) ? "boosted trees"
                                      : K >= 3     ? "multinomial logistic regression"
                                                   : "logistic regression");
    printf("%s: summary\n", cmd);
    if (K >= 3)
        printf("  %-22s %s (%d classes)\n", "model", what, K);
    else
        printf(row, "model", what);
    if (rep->n_features_in > 0 && rep->n_components > 0 && rep->n_components != rep->n_features_in)
        printf("  %-22s %s, %s\n", "features", cli_count(rep->n_features_in),
               cli_nouns(rep->n_components, "PCA component", "PCA components"));
    else if (rep->n_features_in > 0)
        printf(row, "features", cli_count(rep->n_features_in));
    if (rep->train.rows >= 0 && rep->test.rows >= 0)
        printf("  %-22s %s train, %s test\n", "rows", cli_count(rep->train.rows), cli_count(rep->test.rows));
    if (K >= 3)
        printf("  %-22s accuracy %s, macro F1 %s, ROC-AUC OvR %s\n", "test", cli_metric_pct(rep->test.accuracy),
               cli_metric(rep->test.macro_f1, 4), cli_metric(rep->test.roc_auc_ovr_macro, 4));
    else
        printf("  %-22s ROC-AUC %s, PR-AUC %s, accuracy %s\n", "test", cli_metric(rep->test.roc_auc, 4),
               cli_metric(rep->test.pr_auc, 4), cli_metric_pct(rep->test.accuracy));
    if (rep->cv_folds > 0) {
        if (K >= 3)
            printf("  %-22s accuracy %s ± %s over %d folds\n", "cross-validation",
                   cli_metric_pct(rep->cv_mean.accuracy), cli_metric_pct(rep->cv_std.accuracy), rep->cv_folds);
        else
            printf("  %-22s ROC-AUC %s ± %s over %d folds\n", "cross-validation", cli_metric(rep->cv_mean.roc_auc, 4),
                   cli_metric(rep->cv_std.roc_auc, 4), rep->cv_folds);
    }
    if (K < 3 && isfinite(rep->threshold) && rep->threshold > 0 && rep->threshold < 1)
        printf(row, "flag threshold", cli_num(rep->threshold, 4));
}
