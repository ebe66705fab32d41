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
            "Reads the metrics.json that 'aftersales train' wrote beside MODEL and prints its train/test table.\n"
            "Nothing is recomputed: to measure on other data or with another split, run 'aftersales train'\n"
            "again.\n"
            "\n"
            "Options:\n"
            "  --model MODEL   model file written by 'aftersales train' (or the directory that holds it)\n"
            "  --raw           print metrics.json as it is instead of the table\n"
            "  -q, --quiet     print only errors and a one-line summary\n"
            "  -v, --verbose   print more detail (confusion counts)\n"
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

static void read_metrics(const char *obj, as_metrics *m) {
    cli_metrics_unknown(m);
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
    if (!cli_is_dir(model) && !cli_check_readable(cmd, "model file", model)) return CLI_EXIT_IO;
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
    as_metrics mtrain, mtest;
    read_metrics(train, &mtrain);
    read_metrics(test, &mtest);

    if (cli_verbosity_level == CLI_QUIET) {
        printf("evaluate: test ROC-AUC %s, PR-AUC %s, accuracy %s (%s test rows) from %s\n",
               cli_num(mtest.roc_auc, 4), cli_num(mtest.pr_auc, 4), cli_pct(mtest.accuracy),
               mtest.rows < 0 ? "n/a" : cli_count(mtest.rows), path);
        free(json);
        return CLI_EXIT_OK;
    }
    char desc[512];
    const char *v = member(root, "split_desc");
    string_at(v ? v : member(root, "split"), desc, sizeof desc);
    printf("evaluate: metrics recorded at training time, from %s\n", path);
    if (desc[0]) printf("  split: %s\n", desc);
    char w[4][64];
    if (window(root, "train_window", w[0], w[1]) && window(root, "test_window", w[2], w[3]))
        printf("  train %s to %s, test %s to %s\n", w[0], w[1], w[2], w[3]);
    double nf = number_of(root, "n_features_in,features_in"), nc = number_of(root, "n_components,components");
    if (isfinite(nf) && isfinite(nc) && nf != nc)
        printf("  features: %s after one-hot, %s PCA components\n", cli_count(llround(nf)), cli_count(llround(nc)));
    else if (isfinite(nf))
        printf("  features: %s after one-hot\n", cli_count(llround(nf)));
    const char *pc = member(root, "positive_class");
    if (pc && *pc == '"') {
        char cls[256];
        string_at(pc, cls, sizeof cls);
        printf("  positive class: '%s'\n", cls);
    }
    printf("\n");
    cli_print_metrics_table(stdout, &mtrain, &mtest);
    /* Only a top-level member: the train / test sections hold best_f1_threshold, a different figure. */
    double thr = number_at(member(root, "threshold"));
    double it = number_of(root, "iterations"), gn = number_of(root, "grad_norm,gradient_norm");
    if (isfinite(thr) || isfinite(it)) printf("\n");
    if (isfinite(thr)) {
        const char *origin = cli_threshold_origin(thr, mtrain.best_f1_threshold);
        printf("  decision threshold for flags: %s%s%s%s\n", cli_num(thr, 4), origin ? " (" : "",
               origin ? origin : "", origin ? ")" : "");
    }
    const char *conv = member(root, "converged");
    if (isfinite(it)) {
        double cv = number_at(conv);
        int converged = conv && (strncmp(conv, "true", 4) == 0 || (isfinite(cv) && cv != 0));
        printf("  solver: %s iterations, gradient norm %.3g, %s\n", cli_count(llround(it)), gn,
               conv ? (converged ? "converged" : "NOT converged") : "convergence not recorded");
    }
    free(json);
    return CLI_EXIT_OK;
}
