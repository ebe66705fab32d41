/*
 * metrics.json: the report of a training run (as_metrics_report) as JSON, written beside the model file.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/pipeline.h"

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, const char *name, double v, int comma) {
    if (isnan(v) || isinf(v)) fprintf(f, "\"%s\": null%s", name, comma ? ", " : "");
    else fprintf(f, "\"%s\": %.17g%s", name, v, comma ? ", " : "");
}

static void json_metrics(FILE *f, const char *name, const as_metrics *m, int comma) {
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
    fprintf(f, "\"confusion\": {\"tp\": %lld, \"fp\": %lld, \"tn\": %lld, \"fn\": %lld}}%s\n", (long long)m->tp,
            (long long)m->fp, (long long)m->tn, (long long)m->fn, comma ? "," : "");
}

as_status as_metrics_write_json(const as_metrics_report *r, const char *path, as_error *err) {
    FILE *f = fopen(path, "w");
    if (!f) return as__err(err, AS_ERR_IO, "cannot write %s", path);
    char a[24], b[24], c[24], d[24];
    fprintf(f, "{\n  \"model_file\": ");
    json_string(f, r->model_file);
    fprintf(f, ",\n  \"positive_class\": ");
    json_string(f, r->positive_class);
    fprintf(f, ",\n  \"threshold\": %.17g,\n  \"split\": ", r->threshold);
    json_string(f, r->split_desc);
    fprintf(f, ",\n");
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
    json_metrics(f, "train", &r->train, 1);
    json_metrics(f, "test", &r->test, 0);
    fprintf(f, "}\n");
    if (fclose(f) != 0) return as__err(err, AS_ERR_IO, "writing %s failed", path);
    return AS_OK;
}
