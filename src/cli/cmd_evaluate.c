/*
 * cmd_evaluate.c — `aftersales evaluate`: shows the metrics recorded at training time (metrics.json beside a
 * model file) as the same table `train` prints.
 *
 * It does not recompute anything: the public API has no call that evaluates a saved model on new data with a
 * split, and the tool may not reach into the library's internals. To measure on other data, train again with
 * the split you want. The JSON is read with a small reader below that only looks up members by name; it needs
 * nothing from the library. Keys follow the fields of as_metrics_report / as_metrics, with a few common aliases.
 */
#define _GNU_SOURCE   /* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_JSON_BYTES (64u << 20)
#define MAX_JSON_DEPTH 64

void cmd_evaluate_usage(FILE *out) {
    fprintf(out,
            "Usage: aftersales evaluate --model MODEL [options]\n"
            "\n"
            "Show the metrics recorded when a model was trained.\n"
            "\n"
            "Reads the metrics.json that 'aftersales train' wrote beside MODEL and prints what 'train' printed:\n"
            "the train/test table (for three or more classes: averages, a table per class and the confusion\n"
            "matrix), the cross-validation folds with mean and standard deviation, the cost-based decision, the\n"
            "model and solver, and the warnings of the run. Nothing is recomputed: to measure on other data or\n"
            "with another split, run 'aftersales train' again.\n"
            "\n"
            "Options:\n"
            "  --model MODEL   model file written by 'aftersales train' (or the directory that holds it)\n"
            "  --raw           print metrics.json as it is instead of the table\n"
            "  -q, --quiet     print only errors and a one-line summary\n"
            "  -v, --verbose   print more detail (confusion counts, calibration, PCA explained variance)\n"
            "  -h, --help      show this help\n"
            "\n"
            "Example:\n"
            "  aftersales evaluate --model model/model.json\n");
}

/* ---- a minimal JSON reader: find members by name, read numbers and strings -------------------------- */

static const char *skip_ws(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* p at '"'; returns the character after the closing quote, or NULL when the string is unterminated. */
static const char *skip_string(const char *p) {
    for (p++; *p; p++) {
        if (*p == '\\') {
            if (!p[1]) return NULL;
            p++;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

/* Returns the character after the value at p, or NULL when it is malformed. */
static const char *skip_value(const char *p, int depth) {
    p = skip_ws(p);
    if (depth > MAX_JSON_DEPTH) return NULL;
    if (*p == '"') return skip_string(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = skip_ws(p + 1);
        if (*p == close) return p + 1;
        for (;;) {
            if (close == '}') {
                if (*p != '"') return NULL;
                p = skip_string(p);
                if (!p) return NULL;
                p = skip_ws(p);
                if (*p != ':') return NULL;
                p++;
            }
            p = skip_value(p, depth + 1);
            if (!p) return NULL;
            p = skip_ws(p);
            if (*p == ',') {
                p = skip_ws(p + 1);
                continue;
            }
            if (*p == close) return p + 1;
            return NULL;
        }
    }
    /* number, true, false, null (and the non-standard NaN / Infinity some writers emit) */
    const char *start = p;
    while (*p && !strchr(",}] \t\r\n", *p)) p++;
    return p > start ? p : NULL;
}

/* obj points at '{'. Returns the start of the value of member `key` at this level, or NULL. */
static const char *member(const char *obj, const char *key) {
    obj = skip_ws(obj);
    if (*obj != '{') return NULL;
    size_t klen = strlen(key);
    const char *p = skip_ws(obj + 1);
    while (*p == '"') {
        const char *kend = skip_string(p);
        if (!kend) return NULL;
        int match = (size_t)(kend - p - 2) == klen && memcmp(p + 1, key, klen) == 0;
        p = skip_ws(kend);
        if (*p != ':') return NULL;
        p = skip_ws(p + 1);
        if (match) return p;
        p = skip_value(p, 1);
        if (!p) return NULL;
        p = skip_ws(p);
        if (*p != ',') return NULL;
        p = skip_ws(p + 1);
    }
    return NULL;
}

/* Like member(), but when `key` is not at this level, searches nested objects depth-first. */
static const char *member_deep(const char *obj, const char *key, int depth) {
    const char *v = member(obj, key);
    if (v || depth > MAX_JSON_DEPTH) return v;
    const char *p = skip_ws(skip_ws(obj) + 1);
    while (*p == '"') {
        p = skip_string(p);
        if (!p) return NULL;
        p = skip_ws(p);
        if (*p != ':') return NULL;
        p = skip_ws(p + 1);
        if (*p == '{') {
            v = member_deep(p, key, depth + 1);
            if (v) return v;
        }
        p = skip_value(p, 1);
        if (!p) return NULL;
        p = skip_ws(p);
        if (*p != ',') return NULL;
        p = skip_ws(p + 1);
    }
    return NULL;
}

/* The number at v: a JSON number, or null / "NaN" / a quoted number. NaN when absent or not a number. */
static double number_at(const char *v) {
    if (!v) return NAN;
    const char *p = *v == '"' ? v + 1 : v;
    char *end = NULL;
    double x = strtod(p, &end);
    return end == p ? NAN : x;
}

/* The first of the comma-separated names in `keys` that `obj` has (at any depth), as a number. */
static double number_of(const char *obj, const char *keys) {
    char key[64];
    while (*keys) {
        size_t n = strcspn(keys, ",");
        if (n < sizeof key) {
            memcpy(key, keys, n);
            key[n] = '\0';
            const char *v = member_deep(obj, key, 0);
            if (v) return number_at(v);
        }
        keys += n + (keys[n] == ',');
    }
    return NAN;
}

static int64_t count_of(const char *obj, const char *keys) {
    double x = number_of(obj, keys);
    return isfinite(x) ? (int64_t)llround(x) : -1;
}

/* Copies the JSON string at v into buf (common escapes decoded, \u escapes kept as-is). */
static void string_at(const char *v, char *buf, size_t size) {
    size_t o = 0;
    buf[0] = '\0';
    if (!v || *v != '"' || size == 0) return;
    for (const char *p = v + 1; *p && *p != '"' && o + 1 < size; p++) {
        char ch = *p;
        if (ch == '\\' && p[1]) {
            p++;
            ch = *p == 'n' ? ' ' : *p == 't' ? ' ' : *p == 'u' ? '\\' : *p;
            if (*p == 'u') p--;   /* keep "\uXXXX" literally */
        }
        buf[o++] = ch;
    }
    buf[o] = '\0';
}

/* A two-string array member such as "train_window": ["2011-01-01 00:00:00", "2011-09-30 23:59:00"]. */
static int window(const char *obj, const char *key, char from[64], char to[64]) {
    const char *v = member(obj, key);
    if (!v || *v != '[') return 0;
    v = skip_ws(v + 1);
    if (*v != '"') return 0;
    string_at(v, from, 64);
    v = skip_string(v);
    if (!v) return 0;
    v = skip_ws(v);
    if (*v != ',') return 0;
    v = skip_ws(v + 1);
    if (*v != '"') return 0;
    string_at(v, to, 64);
    return 1;
}

/* The i-th element (0-based) of the array at v, or NULL. */
static const char *element(const char *v, int i) {
    if (!v || *v != '[') return NULL;
    const char *p = skip_ws(v + 1);
    if (*p == ']') return NULL;
    for (int k = 0;; k++) {
        if (k == i) return p;
        p = skip_value(p, 1);
        if (!p) return NULL;
        p = skip_ws(p);
        if (*p != ',') return NULL;
        p = skip_ws(p + 1);
    }
}

/* true / false / a number at v: 1 or 0; -1 when absent or neither. */
static int flag_at(const char *v) {
    if (!v) return -1;
    if (strncmp(v, "true", 4) == 0) return 1;
    if (strncmp(v, "false", 5) == 0) return 0;
    double x = number_at(v);
    return isfinite(x) ? x != 0 : -1;
}

/* A member of this object only (not nested ones) as a number / count. */
static double num_here(const char *obj, const char *key) { return number_at(member(obj, key)); }
static int64_t count_here(const char *obj, const char *key, int64_t absent) {
    double x = num_here(obj, key);
    return isfinite(x) ? (int64_t)llround(x) : absent;
}

static void read_metrics(const char *obj, as_metrics *m, int K) {
    memset(m, 0, sizeof *m);
    cli_metrics_unknown(m);
    m->n_classes = K;
    double *nan_fields[] = {&m->macro_precision, &m->macro_recall, &m->macro_f1, &m->micro_precision,
                            &m->micro_recall, &m->micro_f1, &m->weighted_precision, &m->weighted_recall,
                            &m->weighted_f1, &m->roc_auc_ovr_macro, &m->roc_auc_ovr_weighted,
                            &m->expected_calibration_error};
    for (size_t i = 0; i < sizeof nan_fields / sizeof nan_fields[0]; i++) *nan_fields[i] = NAN;
    for (int k = 0; k < AS_MAX_CLASSES; k++)
        m->class_precision[k] = m->class_recall[k] = m->class_f1[k] = m->class_roc_auc[k] = NAN;
    for (int b = 0; b < AS_CALIBRATION_BINS; b++) m->cal_mean_predicted[b] = m->cal_fraction_positive[b] = NAN;
    if (!obj) return;
    m->rows = count_of(obj, "rows,n,n_rows");
    m->positives = count_of(obj, "positives,n_positives");
    m->positive_rate = number_of(obj, "positive_rate,base_rate");
    m->accuracy = number_of(obj, "accuracy");
    m->precision = number_of(obj, "precision");
    m->recall = number_of(obj, "recall");
    m->f1 = number_of(obj, "f1");
    m->best_f1_threshold = number_of(obj, "best_f1_threshold,best_threshold");
    m->best_f1 = number_of(obj, "best_f1");
    m->best_f1_precision = number_of(obj, "best_f1_precision");
    m->best_f1_recall = number_of(obj, "best_f1_recall");
    m->roc_auc = number_of(obj, "roc_auc,auc");
    m->pr_auc = number_of(obj, "pr_auc,average_precision");
    m->log_loss = number_of(obj, "log_loss,logloss");
    m->brier = number_of(obj, "brier,brier_score");
    m->precision_top1 = number_of(obj, "precision_top1,precision_top_1,precision_at_1pct");
    m->precision_top5 = number_of(obj, "precision_top5,precision_top_5,precision_at_5pct");
    m->tp = count_of(obj, "tp");
    m->fp = count_of(obj, "fp");
    m->tn = count_of(obj, "tn");
    m->fn = count_of(obj, "fn");
    if (!isfinite(m->positive_rate) && m->rows > 0 && m->positives >= 0)
        m->positive_rate = (double)m->positives / (double)m->rows;

    /* multiclass averages and the per-class table */
    m->macro_precision = num_here(obj, "macro_precision");
    m->macro_recall = num_here(obj, "macro_recall");
    m->macro_f1 = num_here(obj, "macro_f1");
    m->micro_precision = num_here(obj, "micro_precision");
    m->micro_recall = num_here(obj, "micro_recall");
    m->micro_f1 = num_here(obj, "micro_f1");
    m->weighted_precision = num_here(obj, "weighted_precision");
    m->weighted_recall = num_here(obj, "weighted_recall");
    m->weighted_f1 = num_here(obj, "weighted_f1");
    m->roc_auc_ovr_macro = num_here(obj, "roc_auc_ovr_macro");
    m->roc_auc_ovr_weighted = num_here(obj, "roc_auc_ovr_weighted");
    /* A multiclass file without the averages: the contract's macro values stand in precision / recall / f1. */
    if (K >= 3) {
        if (isnan(m->macro_precision)) m->macro_precision = m->precision;
        if (isnan(m->macro_recall)) m->macro_recall = m->recall;
        if (isnan(m->macro_f1)) m->macro_f1 = m->f1;
        if (isnan(m->roc_auc_ovr_macro)) m->roc_auc_ovr_macro = m->roc_auc;
    }
    const char *pc = member(obj, "per_class");
    for (int k = 0; k < K; k++) {
        const char *e = element(pc, k);
        if (!e || *e != '{') break;
        m->class_support[k] = count_here(e, "support", 0);
        m->class_precision[k] = num_here(e, "precision");
        m->class_recall[k] = num_here(e, "recall");
        m->class_f1[k] = num_here(e, "f1");
        m->class_roc_auc[k] = num_here(e, "roc_auc");
    }
    const char *cm = member(obj, "confusion_matrix");
    for (int i = 0; i < K; i++) {
        const char *r = element(cm, i);
        for (int j = 0; r && j < K; j++) {
            double x = number_at(element(r, j));
            m->confusion[i][j] = isfinite(x) ? (int64_t)llround(x) : 0;
        }
    }
    const char *cal = member(obj, "calibration");
    for (int b = 0; b < AS_CALIBRATION_BINS; b++) {
        const char *e = element(cal, b);
        if (!e || *e != '{') break;
        m->cal_count[b] = count_here(e, "count", 0);
        m->cal_mean_predicted[b] = num_here(e, "mean_predicted");
        m->cal_fraction_positive[b] = num_here(e, "fraction_positive");
    }
    m->expected_calibration_error = num_here(obj, "expected_calibration_error");
    m->no_predicted_positive = flag_at(member(obj, "no_predicted_positive")) == 1;
    m->one_class_truth = flag_at(member(obj, "one_class_truth")) == 1;
}

static void read_fold(const char *obj, as_cv_fold *f) {
    f->train_rows = count_here(obj, "train_rows", 0);
    f->test_rows = count_here(obj, "test_rows", 0);
    f->test_positives = count_here(obj, "test_positives", 0);
    f->accuracy = num_here(obj, "accuracy");
    f->precision = num_here(obj, "precision");
    f->recall = num_here(obj, "recall");
    f->f1 = num_here(obj, "f1");
    f->roc_auc = num_here(obj, "roc_auc");
    f->pr_auc = num_here(obj, "pr_auc");
    f->log_loss = num_here(obj, "log_loss");
    f->brier = num_here(obj, "brier");
}

static void read_decision(const char *obj, as_decision *d) {
    d->threshold = num_here(obj, "threshold");
    d->rows = count_here(obj, "rows", 0);
    d->contacts = count_here(obj, "contacts", 0);
    d->returns = count_here(obj, "returns", 0);
    d->returns_flagged = count_here(obj, "returns_flagged", 0);
    d->returns_prevented = num_here(obj, "returns_prevented");
    d->savings = num_here(obj, "savings");
    d->savings_per_row = num_here(obj, "savings_per_row");
}

static void string_here(const char *obj, const char *key, char *buf, size_t size) {
    const char *v = member(obj, key);
    string_at(v && *v == '"' ? v : NULL, buf, size);
}

/* One part of "class_balance": [{"class": "none", "rows": 900, "share": 0.9}, …]. */
static void read_balance(const char *v, as_class_balance *b) {
    memset(b, 0, sizeof *b);
    for (int k = 0; k < AS_MAX_TARGET_CLASSES; k++) {
        const char *e = element(v, k);
        if (!e || *e != '{') break;
        string_here(e, "class", b->name[k], sizeof b->name[k]);
        b->count[k] = count_here(e, "rows", 0);
        b->n = k + 1;
    }
}

/* The shop flow's target and class balance (absent from metrics.json of the CSV flow and of earlier versions). */
static void read_target(const char *root, as_metrics_report *rep) {
    char word[16];
    string_here(root, "target_level", word, sizeof word);
    rep->target_level = strcmp(word, "order") == 0 ? AS_TARGET_ORDER : AS_TARGET_LINE;
    string_here(root, "target_label", word, sizeof word);
    rep->target_label = strcmp(word, "kind") == 0 ? AS_LABEL_KIND : strcmp(word, "reason") == 0 ? AS_LABEL_REASON
                                                                                                 : AS_LABEL_ANY;
    string_here(root, "feature_set", word, sizeof word);
    rep->feature_set = strcmp(word, "main") == 0 ? AS_FEATURES_MAIN : AS_FEATURES_ALL;
    string_here(root, "target_desc", rep->target_desc, sizeof rep->target_desc);
    const char *cb = member(root, "class_balance");
    if (cb && *cb == '{') {
        read_balance(member(cb, "train"), &rep->balance_train);
        read_balance(member(cb, "test"), &rep->balance_test);
    }
}

/* The report `train` wrote, read back from metrics.json (what the file does not hold stays unknown / empty). */
static void read_report(const char *root, const char *train, const char *test, as_metrics_report *rep) {
    memset(rep, 0, sizeof *rep);
    string_here(root, "split_desc", rep->split_desc, sizeof rep->split_desc);
    if (!rep->split_desc[0]) string_here(root, "split", rep->split_desc, sizeof rep->split_desc);
    string_here(root, "positive_class", rep->positive_class, sizeof rep->positive_class);
    string_here(root, "model_file", rep->model_file, sizeof rep->model_file);
    string_here(root, "model_kind", rep->model_kind, sizeof rep->model_kind);
    string_here(root, "penalty", rep->penalty, sizeof rep->penalty);
    string_here(root, "solver", rep->solver, sizeof rep->solver);

    int K = (int)count_here(root, "n_classes", 2);
    if (K < 2) K = 2;
    if (K > AS_MAX_CLASSES) K = AS_MAX_CLASSES;
    rep->n_classes = K;
    const char *labels = member(root, "class_labels");
    for (int k = 0; k < K; k++) {
        const char *e = element(labels, k);
        string_at(e && *e == '"' ? e : NULL, rep->class_labels[k], sizeof rep->class_labels[k]);
    }
    read_metrics(train, &rep->train, K);
    read_metrics(test, &rep->test, K);
    read_target(root, rep);

    double nf = number_of(root, "n_features_in,features_in"), nc = number_of(root, "n_components,components");
    rep->n_features_in = isfinite(nf) ? (int)llround(nf) : 0;
    rep->n_components = isfinite(nc) ? (int)llround(nc) : rep->n_features_in;
    rep->threshold = num_here(root, "threshold");
    rep->iterations = (int)count_here(root, "iterations", -1);
    rep->converged = flag_at(member(root, "converged"));
    rep->separated = flag_at(member(root, "separated")) == 1;
    rep->grad_norm = number_at(member(root, "gradient_norm"));
    if (isnan(rep->grad_norm)) rep->grad_norm = number_at(member(root, "grad_norm"));
    rep->objective = num_here(root, "objective");
    rep->hessian_products = (int)count_here(root, "hessian_products", 0);
    rep->hessian_formations = (int)count_here(root, "hessian_formations", 0);
    rep->function_evaluations = (int)count_here(root, "function_evaluations", 0);
    rep->unseen_categories = count_here(root, "unseen_categories_test_rows", 0);
    rep->dropped_missing = count_here(root, "dropped_missing_rows", 0);
    rep->seconds_train = num_here(root, "seconds_train");
    rep->nonzero_coefficients = count_here(root, "nonzero_coefficients", 0);
    rep->imputed_values = count_here(root, "imputed_values", 0);
    rep->pooled_levels = count_here(root, "pooled_levels", 0);
    rep->validation_rows = count_here(root, "validation_rows", 0);
    rep->gbdt_rounds = (int)count_here(root, "gbdt_rounds", 0);
    rep->gbdt_best_validation_logloss = num_here(root, "gbdt_best_validation_logloss");

    const char *pca = member(root, "pca_variance_ratio");
    int max_pca = (int)(sizeof rep->pca_variance_ratio / sizeof rep->pca_variance_ratio[0]);
    for (int i = 0; i < max_pca; i++) {
        const char *e = element(pca, i);
        if (!e) break;
        rep->pca_variance_ratio[i] = number_at(e);
        rep->n_pca_table = i + 1;
    }

    const char *cv = member(root, "cv");
    if (cv && *cv == '{') {
        const char *by_time = member(cv, "by_time");
        rep->cv_by_time = by_time && strncmp(by_time, "true", 4) == 0;
        const char *folds = member(cv, "folds");
        for (int i = 0; i < AS_MAX_FOLDS; i++) {
            const char *e = element(folds, i);
            if (!e || *e != '{') break;
            read_fold(e, &rep->cv[i]);
            rep->cv_folds = i + 1;
        }
        const char *mean = member(cv, "mean"), *std = member(cv, "std");
        if (mean && *mean == '{') read_fold(mean, &rep->cv_mean);
        if (std && *std == '{') read_fold(std, &rep->cv_std);
    }

    rep->decision_validation.threshold = rep->decision_test.threshold = NAN;
    const char *dec = member(root, "decision");
    if (dec && *dec == '{') {
        const char *v = member(dec, "validation"), *t = member(dec, "test");
        if (v && *v == '{') read_decision(v, &rep->decision_validation);
        if (t && *t == '{') read_decision(t, &rep->decision_test);
    }

    /* The options of the run, and how the threshold was chosen (absent from metrics.json of earlier versions:
     * then everything stays 0 / empty, and the report says the options were not recorded). */
    string_here(root, "threshold_rule", rep->threshold_rule, sizeof rep->threshold_rule);
    const char *opt = member(root, "options");
    if (opt && *opt == '{') {
        if (!rep->threshold_rule[0]) string_here(opt, "threshold_rule", rep->threshold_rule, sizeof rep->threshold_rule);
        double x = num_here(opt, "C");
        rep->opt_C = isfinite(x) ? x : 0;
        x = num_here(opt, "tol");
        rep->opt_tol = isfinite(x) ? x : 0;
        rep->opt_max_iter = (int)count_here(opt, "max_iter", 0);
        char cw[32];
        string_here(opt, "class_weight", cw, sizeof cw);
        rep->opt_class_weight_balanced = strcmp(cw, "balanced") == 0 || flag_at(member(opt, "class_weight")) == 1;
        string_here(opt, "weight_column", rep->opt_weight_column, sizeof rep->opt_weight_column);
        string_here(opt, "impute", rep->opt_impute, sizeof rep->opt_impute);
        rep->opt_min_level_count = count_here(opt, "min_level_count", 0);
        rep->opt_cv_shuffle = flag_at(member(opt, "cv_shuffle")) == 1;
        int64_t seed = count_here(opt, "cv_seed", 0);
        rep->opt_cv_seed = seed >= 0 && seed <= 4294967295LL ? (uint32_t)seed : 0;
        x = num_here(opt, "return_cost");
        rep->opt_return_cost = isfinite(x) ? x : 0;
        x = num_here(opt, "contact_cost");
        rep->opt_contact_cost = isfinite(x) ? x : 0;
        x = num_here(opt, "contact_success");
        rep->opt_contact_success = isfinite(x) ? x : 0;
    }

    const char *w = member(root, "warnings");
    size_t o = 0;
    for (int i = 0;; i++) {
        const char *e = element(w, i);
        if (!e || *e != '"') break;
        char line[1024];
        string_at(e, line, sizeof line);
        int n = snprintf(rep->warnings + o, sizeof rep->warnings - o, "%s%s", o ? "\n" : "", line);
        if (n < 0 || (size_t)n >= sizeof rep->warnings - o) break;
        o += (size_t)n;
    }
}

/* Reads a whole file into a NUL-terminated buffer (caller frees). Reports and returns NULL on failure. */
static char *slurp(const char *cmd, const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_errorf(cmd, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            if (cap >= MAX_JSON_BYTES) {
                cli_errorf(cmd, "'%s' is larger than %u MB; not a metrics file", path, MAX_JSON_BYTES >> 20);
                free(buf);
                fclose(f);
                return NULL;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    if (!buf) {
        cli_errorf(cmd, "out of memory reading '%s'", path);
        fclose(f);
        return NULL;
    }
    if (ferror(f)) {
        cli_errorf(cmd, "cannot read '%s': %s", path, strerror(errno));
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* metrics.json names the model file it belongs to ("model_file", its base name). Several models trained into
 * one folder share one metrics.json, which describes the last one trained: say so when the model named is
 * another. Nothing to check when --model names the folder or the file does not record its model. */
static void check_model_file(const char *cmd, const char *json, const char *model, const char *metrics_path) {
    if (cli_is_dir(model)) return;
    const char *v = member(json, "model_file");
    if (!v || *v != '"') return;
    char recorded[1024];
    string_at(v, recorded, sizeof recorded);
    const char *slash = strrchr(model, '/');
    const char *named = slash ? slash + 1 : model;
    if (!recorded[0] || strcmp(recorded, named) == 0) return;
    cli_warnf(cmd, "%s belongs to '%s', another model in the same folder, not to '%s': the figures below are "
              "those of '%s'. Train '%s' again, or into a folder of its own, to record its metrics", metrics_path,
              recorded, named, recorded, named);
}

int cmd_evaluate(int argc, char **argv) {
    static const char cmd[] = "evaluate";
    enum { OPT_MODEL = CLI_OPT_FIRST, OPT_RAW };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"model", required_argument, NULL, OPT_MODEL},
        {"raw", no_argument, NULL, OPT_RAW},
        {NULL, 0, NULL, 0},
    };
    const char *model = NULL;
    int raw = 0;

    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        switch (c) {
        case CLI_OPT_HELP: cmd_evaluate_usage(stdout); return CLI_EXIT_OK;
        case OPT_MODEL: model = optarg; break;
        case OPT_RAW: raw = 1; break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!model) return cli_usage_error(cmd, "missing --model MODEL");

    char path[4096];
    int ok = cli_is_dir(model) ? cli_join_path(model, "metrics.json", path, sizeof path)
                               : cli_sibling_path(model, "metrics.json", path, sizeof path);
    if (!ok) return cli_usage_error(cmd, "--model path too long");
    if (!cli_is_dir(model)) {
        char resolved[4096];
        int rc = cli_resolve_model(cmd, model, resolved, sizeof resolved);
        if (rc != CLI_EXIT_OK) return rc;
    }
    if (!cli_check_readable(cmd, "metrics file", path)) {
        fprintf(stderr, "(metrics.json is written by 'aftersales train' beside the model file)\n");
        return CLI_EXIT_IO;
    }
    size_t len = 0;
    char *json = slurp(cmd, path, &len);
    if (!json) return CLI_EXIT_IO;
    check_model_file(cmd, json, model, path);
    if (raw) {
        fwrite(json, 1, len, stdout);
        if (len && json[len - 1] != '\n') putchar('\n');
        free(json);
        return CLI_EXIT_OK;
    }

    const char *root = skip_ws(json);
    const char *end = skip_value(root, 0);
    if (*root != '{' || !end || *skip_ws(end) != '\0') {
        cli_errorf(cmd, "%s is not a JSON object; show it as it is with --raw", path);
        free(json);
        return CLI_EXIT_DATA;
    }
    const char *train = member_deep(root, "train", 0), *test = member_deep(root, "test", 0);
    if (train && *train != '{') train = NULL;
    if (test && *test != '{') test = NULL;
    if (!train && !test) {
        cli_warnf(cmd, "%s has no 'train' / 'test' sections this version knows; showing it as it is", path);
        fwrite(json, 1, len, stdout);
        if (len && json[len - 1] != '\n') putchar('\n');
        free(json);
        return CLI_EXIT_OK;
    }
    static as_metrics_report rep;
    read_report(root, train, test, &rep);
    const int K = cli_report_classes(&rep);
    cli_report_warnings(cmd, &rep);

    if (cli_verbosity_level == CLI_QUIET) {
        if (K >= 3)
            printf("evaluate: test accuracy %s, macro F1 %s, ROC-AUC OvR %s (%s) from %s\n",
                   cli_pct(rep.test.accuracy), cli_num(rep.test.macro_f1, 4), cli_num(rep.test.roc_auc_ovr_macro, 4),
                   rep.test.rows < 0 ? "test rows n/a" : cli_nouns(rep.test.rows, "test row", "test rows"), path);
        else
            printf("evaluate: test ROC-AUC %s, PR-AUC %s, accuracy %s (%s) from %s\n",
                   cli_num(rep.test.roc_auc, 4), cli_num(rep.test.pr_auc, 4), cli_pct(rep.test.accuracy),
                   rep.test.rows < 0 ? "test rows n/a" : cli_nouns(rep.test.rows, "test row", "test rows"), path);
        free(json);
        return CLI_EXIT_OK;
    }
    printf("evaluate: metrics recorded at training time, from %s\n", path);
    if (rep.split_desc[0]) printf("  split: %s\n", rep.split_desc);
    const char *sample = member(root, "sample");
    if (sample && *sample == '{') {
        int64_t rows = count_here(sample, "rows", -1), of = count_here(sample, "of", -1);
        if (rows >= 0 && of >= 0) {
            printf("  sample: %s of %s labelled rows (train --max-rows, seed %lld); every figure is the sample's\n",
                   cli_count(rows), cli_count(of), (long long)count_here(sample, "seed", 0));
        }
    }
    char w[4][64];
    if (window(root, "train_window", w[0], w[1]) && window(root, "test_window", w[2], w[3]))
        printf("  train %s to %s, test %s to %s\n", w[0], w[1], w[2], w[3]);
    if (rep.n_features_in > 0 && rep.n_components != rep.n_features_in)
        printf("  features: %s after one-hot, %s\n", cli_count(rep.n_features_in),
               cli_nouns(rep.n_components, "PCA component", "PCA components"));
    else if (rep.n_features_in > 0)
        printf("  features: %s after one-hot\n", cli_count(rep.n_features_in));
    if (K >= 3)
        cli_print_classes(&rep);
    else if (rep.positive_class[0])
        printf("  positive class: '%s'\n", rep.positive_class);
    printf("\n");
    cli_print_report(&rep);
    printf("\n");
    cli_print_train_summary(cmd, &rep);
    if (rep.seconds_train > 0) printf("  %-22s %s\n", "training took", cli_duration(rep.seconds_train));
    printf("  %-22s %s\n", "metrics from", path);
    free(json);
    return CLI_EXIT_OK;
}
