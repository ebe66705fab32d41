/*
 * sec_model.c — the risk model: how it was validated (target, split, dates, rows), how well it ranks (ROC and
 * precision–recall curves), whether its probabilities can be read as such (calibration), what acting on the top
 * k % would find, the flag threshold with what it catches and saves, and what drives the score (standardized
 * coefficients of logistic regression, or the boosted trees' gain), named in the user's columns.
 *
 * Everything about validation comes from the metrics.json that train wrote beside the model; nothing is
 * recomputed, so the page shows exactly the figures `train` printed and `evaluate` prints.
 */
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml/gbdt.h"

#define DRIVERS 15                   /* bars in the drivers chart */

double rp_json_num(const cJSON *o, const char *key) {
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *rp_json_str(const cJSON *o, const char *key) {
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *obj(const cJSON *o, const char *key) {
    return o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

/* Reads an array of [x, y] pairs into xs, ys (at most cap); returns the count. */
static int pairs(const cJSON *arr, double *xs, double *ys, int cap) {
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr) {
        if (n == cap) break;
        const cJSON *a = cJSON_GetArrayItem(e, 0), *b = cJSON_GetArrayItem(e, 1);
        if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b)) continue;
        xs[n] = a->valuedouble, ys[n] = b->valuedouble;
        n++;
    }
    return n;
}

/* ---- validation in words --------------------------------------------------------------------------------- */

static void validation_text(rp_ctx *c, const cJSON *m) {
    const cJSON *test = obj(m, "test"), *train = obj(m, "train");
    const char *kind = rp_json_str(m, "model_kind");
    int gbdt = kind && strcmp(kind, "gbdt") == 0;
    rp_puts(c, NULL, "<p>");
    const char *target = rp_json_str(m, "target_desc");
    rp_puts(c, NULL, "<b>Target:</b> ");
    if (c->model->source == AS_MODEL_CSV) {
        /* a flat-file model: its target is a column of that file, not this shop's labels */
        rp_puts(c, NULL, "column ");
        rp_esc(c, NULL, c->model->target ? c->model->target : "?");
        rp_puts(c, NULL, " of a flat CSV file (train --csv); it cannot score this shop's orders");
    } else {
        rp_esc(c, NULL, target && *target ? target : c->model->target_desc ? c->model->target_desc
                                                                            : "whether a purchase comes back");
    }
    rp_puts(c, NULL, ". <b>Model:</b> ");
    if (gbdt) rp_puts(c, NULL, "gradient-boosted trees (xgboost)");
    else {
        const char *pen = rp_json_str(m, "penalty");
        double C = rp_json_num(obj(m, "options"), "C");
        rp_printf(c, NULL, "logistic regression (%s penalty, C = %s", pen ? pen : "l2",
                  rp_fmt_num(c, isfinite(C) ? C : c->model->C, 2));
        const char *solver = rp_json_str(m, "solver");
        if (solver) {
            rp_puts(c, NULL, ", solver ");
            rp_esc(c, NULL, solver);
        }
        rp_puts(c, NULL, ")");
    }
    double fin = rp_json_num(m, "features_in"), comp = rp_json_num(m, "components");
    if (isfinite(fin)) rp_printf(c, NULL, " on %s inputs", rp_fmt_count(c, (int64_t)fin));
    if (isfinite(comp) && isfinite(fin) && comp < fin)
        rp_printf(c, NULL, " reduced to %s principal components", rp_fmt_count(c, (int64_t)comp));
    rp_puts(c, NULL, ".</p>\n<p><b>Validation:</b> ");
    const char *split = rp_json_str(m, "split");
    rp_esc(c, NULL, split ? split : "(not recorded)");
    rp_puts(c, NULL, ". ");
    if (strncmp(split ? split : "", "time", 4) == 0)
        rp_puts(c, NULL, "The model learned only from purchases before the test window and is judged on the later "
                         "ones, as it will be used: no fact from the future leaks into a feature. ");
    double tr_rows = rp_json_num(train, "rows"), te_rows = rp_json_num(test, "rows");
    double tr_pos = rp_json_num(train, "positive_rate"), te_pos = rp_json_num(test, "positive_rate");
    if (isfinite(te_rows) && isfinite(te_pos))
        rp_printf(c, NULL, "Training rows %s (%s came back), test rows %s (%s).", rp_fmt_count(c, (int64_t)tr_rows),
                  rp_fmt_pct(c, tr_pos, 1), rp_fmt_count(c, (int64_t)te_rows), rp_fmt_pct(c, te_pos, 1));
    else if (isfinite(te_rows))
        rp_printf(c, NULL, "Training rows %s, test rows %s.", rp_fmt_count(c, (int64_t)tr_rows),
                  rp_fmt_count(c, (int64_t)te_rows));
    const cJSON *cv = obj(m, "cv");
    if (cv) {
        const cJSON *mean = obj(cv, "mean"), *sd = obj(cv, "std");
        rp_printf(c, NULL, " %s-fold cross-validation%s: ROC-AUC %s ± %s.",
                  rp_fmt_count(c, (int64_t)rp_json_num(cv, "k")),
                  cJSON_IsTrue(obj(cv, "by_time")) ? " by expanding time windows" : "",
                  rp_fmt_num(c, rp_json_num(mean, "roc_auc"), 3), rp_fmt_num(c, rp_json_num(sd, "roc_auc"), 3));
    }
    rp_puts(c, NULL, "</p>\n");
    const cJSON *warn = obj(m, "warnings"), *w;
    if (cJSON_GetArraySize(warn) > 0) {
        rp_puts(c, NULL, "<ul class=\"small\">");
        cJSON_ArrayForEach(w, warn) {
            if (!cJSON_IsString(w)) continue;
            rp_puts(c, NULL, "<li>");
            rp_esc(c, NULL, w->valuestring);
            rp_puts(c, NULL, "</li>");
        }
        rp_puts(c, NULL, "</ul>\n");
    }
}

/* ---- curves ---------------------------------------------------------------------------------------------- */

static void unit_chart(rp_chart *ch, rp_ctx *c) {
    rp_scale u = {0, 1, 0};
    rp_chart_begin(ch, c, 380, 300, u, u);
}

static void roc_chart(rp_ctx *c, const cJSON *curves, const cJSON *test) {
    double xs[256], ys[256];
    int n = pairs(obj(curves, "roc"), xs, ys, 256);
    rp_chart ch;
    unit_chart(&ch, c);
    rp_chart_axes(&ch, RP_TICK_PCT, RP_TICK_PCT, "false-positive rate", "true-positive rate (recall)");
    double d[2] = {0, 1};
    rp_chart_line(&ch, d, d, 2, "ref");
    rp_chart_line(&ch, xs, ys, (size_t)n, "line s0");
    for (int i = 0; i < n; i++) {
        char tip[96];
        snprintf(tip, sizeof tip, "%s of the lines that came back at %s false positives", rp_fmt_pct(c, ys[i], 1),
                 rp_fmt_pct(c, xs[i], 1));
        rp_chart_point(&ch, xs[i], ys[i], 2, "s0", tip);
    }
    char cap[256];
    snprintf(cap, sizeof cap, "ROC curve on the test rows: ROC-AUC %s (0.5 is a random ranking, the dashed line).",
             rp_fmt_num(c, rp_json_num(test, "roc_auc"), 4));
    rp_chart_end(&ch, "roc", "ROC curve", cap);
}

static void pr_chart(rp_ctx *c, const cJSON *curves, const cJSON *test) {
    double xs[256], ys[256];
    int n = pairs(obj(curves, "pr"), xs, ys, 256);
    rp_chart ch;
    unit_chart(&ch, c);
    rp_chart_axes(&ch, RP_TICK_PCT, RP_TICK_PCT, "recall: share of the lines that came back", "precision");
    double base = rp_json_num(test, "positive_rate");
    double bx[2] = {0, 1}, by[2] = {base, base};
    rp_chart_line(&ch, bx, by, 2, "ref");
    rp_chart_line(&ch, xs, ys, (size_t)n, "line s1");
    for (int i = 0; i < n; i++) {
        char tip[96];
        snprintf(tip, sizeof tip, "recall %s at precision %s", rp_fmt_pct(c, xs[i], 1), rp_fmt_pct(c, ys[i], 1));
        rp_chart_point(&ch, xs[i], ys[i], 2, "s1", tip);
    }
    char cap[256];
    snprintf(cap, sizeof cap, "Precision against recall on the test rows: PR-AUC (average precision) %s; the dashed "
             "line is the base rate %s.", rp_fmt_num(c, rp_json_num(test, "pr_auc"), 4), rp_fmt_pct(c, base, 1));
    rp_chart_end(&ch, "pr", "precision-recall curve", cap);
}

static void calibration_chart(rp_ctx *c, const cJSON *test) {
    const cJSON *bins = obj(test, "calibration"), *b;
    double mx = 0, max_count = 0;
    cJSON_ArrayForEach(b, bins) {
        double n = rp_json_num(b, "count"), p = rp_json_num(b, "mean_predicted"), f = rp_json_num(b, "fraction_positive");
        if (!(n > 0)) continue;
        mx = fmax(mx, fmax(p, f));
        max_count = fmax(max_count, n);
    }
    double top = mx > 0 ? fmin(1.0, ceil(mx * 10.5) / 10) : 1;
    rp_scale u = {0, top, 0};
    rp_chart ch;
    rp_chart_begin(&ch, c, 380, 300, u, u);
    rp_chart_axes(&ch, RP_TICK_PCT, RP_TICK_PCT, "predicted risk (mean of the bin)", "share that came back");
    double d[2] = {0, top};
    rp_chart_line(&ch, d, d, 2, "ref");
    cJSON_ArrayForEach(b, bins) {
        double n = rp_json_num(b, "count"), p = rp_json_num(b, "mean_predicted"), f = rp_json_num(b, "fraction_positive");
        if (!(n > 0) || !isfinite(p) || !isfinite(f)) continue;
        char tip[160];
        snprintf(tip, sizeof tip, "%s–%s: %s lines, predicted %s, came back %s",
                 rp_fmt_pct(c, rp_json_num(b, "bin_low"), 0), rp_fmt_pct(c, rp_json_num(b, "bin_high"), 0),
                 rp_fmt_count(c, (int64_t)n), rp_fmt_pct(c, p, 1), rp_fmt_pct(c, f, 1));
        rp_chart_point(&ch, p, f, 2.5 + 4.5 * sqrt(n / max_count), "s2", tip);
    }
    char cap[256];
    snprintf(cap, sizeof cap, "Calibration on the test rows, ten bins of predicted risk (circle size: lines in the "
             "bin). On the diagonal a predicted 20 %% comes back 20 %% of the time; expected calibration error %s.",
             rp_fmt_pct(c, rp_json_num(test, "expected_calibration_error"), 2));
    rp_chart_end(&ch, "calibration", "calibration chart", cap);
}

static void topk_chart(rp_ctx *c, const cJSON *curves, const cJSON *test) {
    const cJSON *arr = obj(curves, "top_k_precision");
    double prec[20];
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr) {
        if (n == 20) break;
        prec[n++] = cJSON_IsNumber(e) ? e->valuedouble : NAN;
    }
    double base = rp_json_num(test, "positive_rate"), mx = base;
    for (int i = 0; i < n; i++) if (isfinite(prec[i])) mx = fmax(mx, prec[i]);
    rp_scale xs = {0.5, 20.5, 0}, ys = {0, fmin(1, mx * 1.1 + 0.01), 0};
    rp_chart ch;
    rp_chart_begin(&ch, c, 380, 300, xs, ys);
    rp_chart_axes(&ch, RP_TICK_NUM, RP_TICK_PCT, "top k % of lines by risk", "share that came back");
    for (int i = 0; i < n; i++) {
        if (!isfinite(prec[i])) continue;
        char tip[128];
        snprintf(tip, sizeof tip, "riskiest %d %%: %s came back", i + 1, rp_fmt_pct(c, prec[i], 1));
        rp_chart_bar(&ch, i + 1 - 0.38, 0, i + 1 + 0.38, prec[i], "s3", tip);
    }
    double bx[2] = {0.5, 20.5}, by[2] = {base, base};
    rp_chart_line(&ch, bx, by, 2, "ref");
    char cap[320];
    snprintf(cap, sizeof cap, "What acting on the riskiest lines finds: of the top 1 %% of test lines by risk %s came "
             "back, of the top 5 %% %s, against %s of all lines (dashed).",
             rp_fmt_pct(c, rp_json_num(test, "precision_top1"), 1), rp_fmt_pct(c, rp_json_num(test, "precision_top5"), 1),
             rp_fmt_pct(c, base, 1));
    rp_chart_end(&ch, "topk", "precision in the top k percent", cap);
}

/* ---- the threshold --------------------------------------------------------------------------------------- */

static void threshold_text(rp_ctx *c, const cJSON *m) {
    double thr = rp_json_num(m, "threshold");
    const char *rule = rp_json_str(m, "threshold_rule");
    const cJSON *at = obj(obj(m, "at_threshold"), "test");
    rp_printf(c, NULL, "<h3>The flag threshold</h3>\n<p>Lines are flagged at a risk of %s or more",
              rp_fmt_pct(c, thr, 1));
    if (rule) {
        rp_puts(c, NULL, " (");
        rp_esc(c, NULL, rule);
        rp_puts(c, NULL, ")");
    }
    rp_puts(c, NULL, ".");
    if (at) {
        double rows = rp_json_num(at, "rows"), fl = rp_json_num(at, "flagged");
        if (fl > 0)
            rp_printf(c, NULL, " On the test rows that flags %s of %s lines (%s); they hold %s of the lines that came "
                      "back, and %s of the flagged lines did come back.", rp_fmt_count(c, (int64_t)fl),
                      rp_fmt_count(c, (int64_t)rows), rp_fmt_pct(c, rows > 0 ? fl / rows : NAN, 1),
                      rp_fmt_pct(c, rp_json_num(at, "recall"), 1), rp_fmt_pct(c, rp_json_num(at, "precision"), 1));
        else if (isfinite(rows))
            rp_printf(c, NULL, " On the %s test rows no line reaches it.", rp_fmt_count(c, (int64_t)rows));
    }
    const cJSON *dt = obj(obj(m, "decision"), "test");
    if (dt) {
        const cJSON *o = obj(m, "options");
        rp_printf(c, NULL, " With a return costing %s, a contact %s and %s of contacted would-be returns prevented, "
                  "contacting the flagged test lines saves <b>%s</b> (%s per line, %s returns prevented).",
                  rp_fmt_num(c, rp_json_num(o, "return_cost"), 2), rp_fmt_num(c, rp_json_num(o, "contact_cost"), 2),
                  rp_fmt_pct(c, rp_json_num(o, "contact_success"), 0), rp_fmt_num(c, rp_json_num(dt, "savings"), 0),
                  rp_fmt_num(c, rp_json_num(dt, "savings_per_row"), 3),
                  rp_fmt_num(c, rp_json_num(dt, "returns_prevented"), 1));
        rp_puts(c, NULL, "</p>\n");
    } else {
        rp_puts(c, NULL, "</p>\n<p class=\"small\">Expected savings need costs: train with --return-cost and "
                         "--contact-cost (and --contact-success) to choose the threshold for money.</p>\n");
    }
}

/* ---- drivers --------------------------------------------------------------------------------------------- */

typedef struct driver { double w; size_t j; } driver;

static int by_size(const void *a, const void *b) {
    double x = fabs(((const driver *)a)->w), y = fabs(((const driver *)b)->w);
    if (x != y) return x < y ? 1 : -1;
    return ((const driver *)a)->j < ((const driver *)b)->j ? -1 : 1;
}

static void drivers_chart(rp_ctx *c) {
    const as_model *m = c->model;
    size_t p = m->p;
    if (!p) return;
    int gbdt = m->kind == AS_MODEL_GBDT;
    if (!gbdt && m->n_out != 1) {
        rp_puts(c, NULL, "<p class=\"small\">A multinomial model has one set of coefficients per class; "
                         "aftersales evaluate --verbose lists them.</p>\n");
        return;
    }
    driver *d = as__calloc(p, sizeof *d);
    double *gain = gbdt ? as__calloc(p, sizeof *gain) : NULL;
    char **names = as__calloc(p, sizeof *names);
    as_arena arena;
    as__arena_init(&arena, 1 << 14);
    as_error e;
    if (!d || !names || (gbdt && !gain) || as__model_encoded_names(m, &arena, names) != AS_OK) {
        rp_fail(c, AS_ERR_NOMEM, "out of memory for the drivers chart");
        goto out;
    }
    double total = 0;
    if (gbdt) {
        if (as__gbdt_importance(m->gbdt, gain, &e) != AS_OK) {
            rp_puts(c, NULL, "<p class=\"small\">The boosted trees' importances could not be read.</p>\n");
            goto out;
        }
        for (size_t j = 0; j < p; j++) total += gain[j];
        for (size_t j = 0; j < p; j++) d[j] = (driver){total > 0 ? gain[j] / total : 0, j};
    } else {
        /* the coefficient of each encoded column in the space the model standardized: through PCA when there is
         * one (w = Σ_c coef_c · component_c), so a bar is the change in log-odds per standard deviation */
        for (size_t j = 0; j < p; j++) {
            double w = 0;
            if (m->has_pca)
                for (size_t k = 0; k < m->pca.k; k++) w += m->coef[k] * m->pca.components[k * p + j];
            else
                w = m->coef[j];
            d[j] = (driver){w, j};
        }
    }
    qsort(d, p, sizeof *d, by_size);
    size_t n = p < DRIVERS ? p : DRIVERS;
    while (n && d[n - 1].w == 0) n--;
    if (!n) {
        rp_puts(c, NULL, "<p class=\"small\">Every coefficient is 0: the model predicts the base rate.</p>\n");
        goto out;
    }
    double mx = 0;
    for (size_t i = 0; i < n; i++) mx = fmax(mx, fabs(d[i].w));
    rp_scale xs = {gbdt ? 0 : -mx * 1.08, mx * 1.08, 0}, ys = {0, (double)n, 0};
    rp_chart ch;
    rp_chart_begin(&ch, c, 900, 40 + 20.0 * (double)n, xs, ys);
    ch.l = 250;
    ch.b = 30;
    rp_chart_axes(&ch, gbdt ? RP_TICK_PCT : RP_TICK_NUM, RP_TICK_NONE,
                  gbdt ? "share of the trees' total gain" : "change in log-odds per standard deviation", NULL);
    if (!gbdt) {
        double zx[2] = {0, 0}, zy[2] = {0, (double)n};
        rp_chart_line(&ch, zx, zy, 2, "ref");
    }
    for (size_t i = 0; i < n; i++) {
        double y0 = (double)n - (double)i - 0.82, y1 = (double)n - (double)i - 0.18;
        char tip[320], label[80];
        const char *name = names[d[i].j];
        snprintf(label, sizeof label, "%.40s%s", name, strlen(name) > 40 ? "…" : "");
        if (gbdt)
            snprintf(tip, sizeof tip, "%s: %s of the gain", name, rp_fmt_pct(c, d[i].w, 1));
        else
            snprintf(tip, sizeof tip, "%s: %+.3f log-odds per standard deviation (%s risk)", name, d[i].w,
                     d[i].w > 0 ? "raises" : "lowers");
        rp_chart_bar(&ch, 0, y0, d[i].w, y1, gbdt ? "s0" : d[i].w > 0 ? "pos" : "neg", tip);
        rp_chart_text(&ch, ch.l - 6, rp_chart_py(&ch, (y0 + y1) / 2) + 3.5, "end", NULL, label);
    }
    char cap[400];
    if (gbdt)
        snprintf(cap, sizeof cap, "What the boosted trees split on most: share of the total gain (xgboost's "
                 "total_gain) of the %zu largest of %zu inputs.", n, p);
    else
        snprintf(cap, sizeof cap, "What drives the risk: the %zu largest of %zu coefficients in standard deviations of "
                 "each input%s; red raises the risk, green lowers it. Inputs that move together share their "
                 "weight, so read them as a group.", n, p, m->has_pca ? " (through the principal components)" : "");
    rp_chart_end(&ch, "drivers", "drivers of the risk score", cap);
out:
    as__arena_free(&arena);
    as__free(d);
    as__free(gain);
    as__free(names);
}

/* ---- multiclass: per-class table ------------------------------------------------------------------------- */

static void class_table(rp_ctx *c, const cJSON *test) {
    const cJSON *pc = obj(test, "per_class"), *e;
    rp_puts(c, NULL, "<div class=\"tablewrap\"><table id=\"classes-table\"><thead><tr><th>class</th>"
                     "<th class=\"n\">test rows</th><th class=\"n\">precision</th><th class=\"n\">recall</th>"
                     "<th class=\"n\">F1</th><th class=\"n\">ROC-AUC (one vs rest)</th></tr></thead><tbody>\n");
    cJSON_ArrayForEach(e, pc) {
        rp_puts(c, NULL, "<tr><td>");
        rp_esc(c, NULL, rp_json_str(e, "label"));
        rp_printf(c, NULL, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                  "<td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
                  rp_fmt_count(c, (int64_t)rp_json_num(e, "support")), rp_fmt_pct(c, rp_json_num(e, "precision"), 1),
                  rp_fmt_pct(c, rp_json_num(e, "recall"), 1), rp_fmt_num(c, rp_json_num(e, "f1"), 3),
                  rp_fmt_num(c, rp_json_num(e, "roc_auc"), 3));
    }
    rp_puts(c, NULL, "</tbody></table></div>\n");
}

void rp_model(rp_ctx *c) {
    rp_section_begin(c, RP_MODEL, "The risk model", NULL);
    if (!c->model) {
        rp_missing(c, "This section describes a trained model, and there is none: %s", c->model_note);
        rp_section_end(c);
        return;
    }
    const cJSON *m = c->metrics, *test = obj(m, "test");
    if (c->foreign_model)
        rp_puts(c, NULL, "<p class=\"warn\">This model was trained on another shop's database (its shop id differs "
                         "from this database's): the figures below describe that shop, not this one, and its "
                         "scores say nothing about these orders.</p>\n");
    if (c->weak_model[0]) {
        rp_puts(c, NULL, "<p class=\"warn\">");
        rp_esc(c, NULL, c->weak_model);
        rp_puts(c, NULL, "</p>\n");
    }
    if (!m) {
        rp_missing(c, "%s", c->model_note);
    } else {
        if (c->model_note[0]) {
            rp_puts(c, NULL, "<p class=\"missing\">");
            rp_esc(c, NULL, c->model_note);
            rp_puts(c, NULL, "</p>\n");
        }
        validation_text(c, m);
        int K = (int)rp_json_num(m, "n_classes");
        rp_puts(c, NULL, "<dl class=\"kpis\">\n");
        rp_kpi(c, "roc_auc", rp_json_num(test, "roc_auc"), "ROC-AUC (test)",
               rp_fmt_num(c, rp_json_num(test, "roc_auc"), 3), K > 2 ? "one vs rest, macro average" : NULL);
        if (K <= 2) {
            rp_kpi(c, "pr_auc", rp_json_num(test, "pr_auc"), "PR-AUC (test)", rp_fmt_num(c, rp_json_num(test, "pr_auc"), 3),
                   NULL);
            rp_kpi(c, "precision_top5", rp_json_num(test, "precision_top5"), "precision, top 5 %",
                   rp_fmt_pct(c, rp_json_num(test, "precision_top5"), 1), NULL);
        } else {
            rp_kpi(c, "accuracy", rp_json_num(test, "accuracy"), "accuracy (test)",
                   rp_fmt_pct(c, rp_json_num(test, "accuracy"), 1), NULL);
        }
        rp_kpi(c, "log_loss", rp_json_num(test, "log_loss"), "log loss (test)",
               rp_fmt_num(c, rp_json_num(test, "log_loss"), 4), NULL);
        rp_kpi(c, "brier", rp_json_num(test, "brier"), "Brier score (test)", rp_fmt_num(c, rp_json_num(test, "brier"), 4),
               NULL);
        rp_puts(c, NULL, "</dl>\n");
        const cJSON *curves = obj(obj(m, "curves"), "test");
        if (K <= 2 && curves) {
            rp_puts(c, NULL, "<div class=\"charts\">\n");
            roc_chart(c, curves, test);
            pr_chart(c, curves, test);
            calibration_chart(c, test);
            topk_chart(c, curves, test);
            rp_puts(c, NULL, "</div>\n");
            threshold_text(c, m);
        } else if (K <= 2) {
            rp_missing(c, "This metrics.json has no curves (it was written by an older aftersales): train the model "
                       "again to see the ROC, precision-recall and top-k charts.");
        } else {
            class_table(c, test);
        }
    }
    rp_puts(c, NULL, "<h3>What drives the score</h3>\n");
    drivers_chart(c);
    rp_section_end(c);
}
