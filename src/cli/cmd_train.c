/*
 * cmd_train.c — `aftersales train`: logistic regression (binary or multinomial) or boosted trees on the shop
 * database (as_train_db) or on any flat CSV with a target column (as_train_csv, the seed's flow); writes the model
 * file and metrics.json beside it. Option values are checked here (exit 2) before any work starts.
 */
#define _GNU_SOURCE   /* getopt_long */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_NA_TOKENS 64
#define CSV_DEFAULT_SPLIT "random:0.2:42"
#define CSV_DEFAULT_PCA 0.95

void cmd_train_usage(FILE *out) {
    as_train_params d = as_train_params_default();
    fprintf(out,
            "Usage: aftersales train (--db FILE | --csv FILE --target COL) --out MODEL [options]\n"
            "\n"
            "Train a model and measure it on held-out data.\n"
            "\n"
            "The model is a logistic regression (scikit-learn's objective, L2 penalty by default) or, with\n"
            "--model gbdt, gradient-boosted trees (libxgboost). With --db it learns from the features of\n"
            "'aftersales build'; with --csv it runs the seed's flow on any flat CSV: drop rows with missing\n"
            "values (or impute them), one-hot encode text columns, split, standardize, PCA. A target with three\n"
            "or more values gives a multinomial model (a probability per class) unless --positive names the\n"
            "class to predict. Writes the model to MODEL and its metrics to metrics.json in the same directory\n"
            "(created when absent, and removed again when training fails). The model keeps a decision threshold\n"
            "for flags, which 'aftersales score' uses unless given --threshold: with --db the F1-best threshold\n"
            "on the training rows; with costs (below) the one with the best expected savings on validation rows.\n"
            "\n"
            "Data (one of):\n"
            "  --db FILE          database with features from 'aftersales build'\n"
            "  --csv FILE         flat CSV file with a header row (- reads standard input)\n"
            "  --target COL       (--csv) the column to predict\n"
            "\n"
            "Target and features (--db):\n"
            "  --target LEVEL     line (default: one row per purchase line, table features) or order (one row\n"
            "                     per order, table order_features; score then writes a risk per order)\n"
            "  --label WHAT       any (default: binary, any case within the build's horizon), kind (the case\n"
            "                     kind: none, return, exchange, complaint, ...) or reason (the reason class of the\n"
            "                     case: none, size_fit, defect, ..., unknown); kind and reason are multiclass, with\n"
            "                     'none' as the first class, and classes seen in fewer than 5 training rows merged\n"
            "                     into 'other' (a warning names them)\n"
            "  --features SET     all (default: every model-input column build wrote) or main (the main job's\n"
            "                     first feature set: its 36 numeric columns and category; line level only)\n"
            "  --max-rows N[:SEED]  train and test on a uniform random sample of N labelled rows (at least 1,000;\n"
            "                     seed 42 unless given), kept in time order: memory then grows with N, not with\n"
            "                     the shop (about 1.3 KB a row with every feature); a warning says so\n"
            "  The class counts of the training and test rows are printed and recorded in metrics.json.\n"
            "  Example: aftersales train --db shop.db --target order --label kind --out kind/model.json\n"
            "\n"
            "Flat CSV (--csv):\n"
            "  --positive VALUE   (--csv) model this target value against all others (default: automatic with two\n"
            "                     values; a multinomial model with three or more)\n"
            "  --na TOKEN         (--csv) one more text that means a missing value (repeatable)\n"
            "  --drop COL         (--csv) leave column COL out (repeatable); a column named 'split' always is\n"
            "  --max-levels N     (--csv) refuse a text column with more than N distinct values, such as free\n"
            "                     text or an ID, instead of one-hot encoding it (default: %zu; 0 = no limit)\n"
            "  --weight COL       (--csv) a numeric column of row weights (used for fitting, not a feature)\n"
            "\n"
            "Preprocessing:\n"
            "  --impute HOW       (--csv) missing values: drop (drop the rows, as dropna; default for logistic\n"
            "                     regression), median (numbers: training median; text: most frequent value),\n"
            "                     most_frequent (every column; smallest value on ties), keep (boosted trees only,\n"
            "                     and their default: the trees learn where missing values go)\n"
            "  --min-count N      pool text values seen in fewer than N training rows into one '(other)' level\n"
            "                     (default: 0 = no pooling)\n"
            "  --no-scale         do not standardize columns before PCA and the model\n"
            "  --pca N|F          PCA before the model: N (a whole number, 1 or more) keeps N components; F (0 < F\n"
            "                     < 1) keeps the fewest components that explain more than F of the variance;\n"
            "                     0 = no PCA (default: %g for --csv, 0 for --db; logistic regression only)\n"
            "  Example: aftersales train --csv orders.csv --target returned --impute median --min-count 20 \\\n"
            "             --pca 10 --out model/model.json\n"
            "\n"
            "Split and validation:\n"
            "  --split SPEC       time | time:YYYY-MM-DD | random:FRACTION:SEED | stratified:FRACTION:SEED\n"
            "                     (default: time for --db, " CSV_DEFAULT_SPLIT " for --csv, as scikit-learn's\n"
            "                     train_test_split(test_size=0.2, random_state=42); stratified keeps each class's\n"
            "                     share in both parts, as train_test_split(..., stratify=y))\n"
            "  --cv K             also run K-fold cross-validation on the training rows (2 to 20): stratified,\n"
            "                     as scikit-learn's StratifiedKFold(K); with the time split of --db expanding\n"
            "                     windows by time instead, as TimeSeriesSplit(K). K:shuffle:SEED shuffles the\n"
            "                     rows first with SEED (not by time) (default: no cross-validation)\n"
            "  --validation F     share of the training rows held out for early stopping (--model gbdt) and for\n"
            "                     the cost-based threshold: the latest by time with --db, a seeded random part\n"
            "                     with --csv (0 < F <= 0.5, default: %g)\n"
            "  Example: aftersales train --csv iris.csv --target species --split stratified:0.2:42 --cv 5 \\\n"
            "             --out model/model.json\n"
            "\n"
            "Model:\n"
            "  --model KIND       logreg (logistic regression, default) or gbdt (gradient-boosted trees)\n"
            "  --class-weight W   balanced (weight class k by n / (K * n_k), as scikit-learn's\n"
            "                     class_weight=\"balanced\") or none (default)\n"
            "  --threads N        threads for boosted trees (default: 0 = one on machines with up to 2 cores,\n"
            "                     where OpenMP spin-waiting made two threads 4x slower when busy; else cores - 1)\n"
            "  Example: aftersales train --db shop.db --class-weight balanced --out model/model.json\n"
            "\n"
            "Logistic regression:\n"
            "  --penalty P        l2 (default), l1 (sparse: many coefficients exactly 0) or none\n"
            "  --C VALUE          inverse regularization strength (default: %g)\n"
            "  --solver S         newton (default: Newton-Cholesky for small models, trust-region Newton for\n"
            "                     large ones, proximal Newton for l1) or lbfgs (L-BFGS; OWL-QN for l1); for\n"
            "                     experts also tron or newton-cholesky. All reach the same optimum\n"
            "  --tol VALUE        stop when the gradient norm falls below VALUE times its start (default: %g)\n"
            "  --max-iter N       at most N solver iterations (default: %d)\n"
            "  Example: aftersales train --csv data.csv --target y --penalty l1 --C 0.5 --solver lbfgs \\\n"
            "             --out model/model.json\n"
            "\n"
            "Boosted trees (--model gbdt):\n"
            "  --rounds N         most boosting rounds (default: %d)\n"
            "  --learning-rate F  shrinkage of each round, 0 < F <= 1 (default: %g)\n"
            "  --max-depth N      deepest tree, 1 to 32 (default: %d)\n"
            "  --early-stopping N stop after N rounds without a better validation log loss and keep the best\n"
            "                     round; 0 = keep every round (default: %d)\n"
            "  Example: aftersales train --db shop.db --model gbdt --rounds 800 --learning-rate 0.05 \\\n"
            "             --out gbdt/model.json\n"
            "\n"
            "Costs (binary targets: flag where contacting the customer saves the most):\n"
            "  --return-cost X    what one return costs (> 0)\n"
            "  --contact-cost Y   what one contact costs (> 0); with both given, the flag threshold maximizes\n"
            "                     X * S * (returns flagged) - Y * (contacts) on the validation rows\n"
            "  --contact-success S\n"
            "                     share of contacted would-be returns that the contact prevents (0 < S <= 1,\n"
            "                     default: %g)\n"
            "  Example: aftersales train --db shop.db --return-cost 25 --contact-cost 1.5 --contact-success 0.3 \\\n"
            "             --out model/model.json\n"
            "\n"
            "Output:\n"
            "  --out MODEL        model file to write (required); metrics.json goes beside it\n"
            "  -q, --quiet        print only errors, warnings and a one-line summary\n"
            "  -v, --verbose      print more detail (confusion counts, calibration, PCA explained variance)\n"
            "  -h, --help         show this help\n"
            "\n"
            "Example:\n"
            "  aftersales train --db shop.db --out model/model.json\n"
            "  aftersales train --csv returns.csv --target returned --positive yes --out csvmodel/model.json\n",
            d.max_levels, CSV_DEFAULT_PCA, d.validation_fraction, d.C, d.tol, d.max_iter, d.gbdt_rounds,
            d.gbdt_learning_rate, d.gbdt_max_depth, d.gbdt_early_stopping, d.contact_success);
}

static const char *penalty_name(int p) { return p == AS_PENALTY_L1 ? "L1" : p == AS_PENALTY_NONE ? "no" : "L2"; }

static const char *solver_name(int s) {
    switch (s) {
    case AS_SOLVER_TRON: return "tron";
    case AS_SOLVER_NEWTON_CHOLESKY: return "newton-cholesky";
    case AS_SOLVER_LBFGS: return "lbfgs";
    default: return "newton (Newton-Cholesky or trust-region, chosen by size)";
    }
}

/* One line that says what was trained, for the header of the output. */
static void describe_params(const as_train_params *p, char *buf, size_t size) {
    char pca[64], extra[160] = "";
    size_t o = 0;
    if (p->pca_variance >= 1)
        snprintf(pca, sizeof pca, "PCA to %s", cli_nouns((int64_t)p->pca_variance, "component", "components"));
    else if (p->pca_variance > 0)
        snprintf(pca, sizeof pca, "PCA to %s of variance", cli_pct(p->pca_variance));
    else
        snprintf(pca, sizeof pca, "no PCA");
    if (p->class_weight_balanced) o += (size_t)snprintf(extra + o, sizeof extra - o, ", balanced class weights");
    if (p->cv_folds > 0 && o < sizeof extra)
        o += (size_t)snprintf(extra + o, sizeof extra - o, ", %d-fold CV%s", p->cv_folds,
                              p->cv_shuffle ? " (shuffled)" : "");
    if (p->return_cost > 0 && o < sizeof extra)
        snprintf(extra + o, sizeof extra - o, ", cost-based threshold");
    /* C weighs the penalty: without one it means nothing and is not shown. */
    char c_text[48] = "";
    if (p->penalty != AS_PENALTY_NONE) snprintf(c_text, sizeof c_text, ", C = %g", p->C);
    if (p->model_kind == AS_MODEL_GBDT)
        snprintf(buf, size, "at most %s, learning rate %g, depth %d, %s, %s%s",
                 cli_nouns(p->gbdt_rounds, "round", "rounds"), p->gbdt_learning_rate, p->gbdt_max_depth,
                 p->gbdt_early_stopping > 0 ? "early stopping" : "no early stopping", pca, extra);
    else
        snprintf(buf, size, "%s penalty%s, solver %s, tol = %g, at most %s, %s, %s%s", penalty_name(p->penalty),
                 c_text, solver_name(p->solver), p->tol, cli_nouns(p->max_iter, "iteration", "iterations"),
                 p->scale ? "standardized" : "not standardized", pca, extra);
}

/* --cv K or K:shuffle:SEED. */
static int parse_cv(const char *cmd, const char *text, as_train_params *tp) {
    const char *colon = strchr(text, ':');
    char k_text[32];
    size_t n = colon ? (size_t)(colon - text) : strlen(text);
    int k = 0;
    int ok = n > 0 && n < sizeof k_text;
    if (ok) {
        memcpy(k_text, text, n);
        k_text[n] = '\0';
        for (size_t i = 0; i < n; i++)
            if (k_text[i] < '0' || k_text[i] > '9') ok = 0;
        if (ok) k = atoi(k_text);
        if (n > 3) ok = 0;
    }
    if (!ok) {
        cli_usage_error(cmd, "--cv expects K (a number of folds from 2 to %d) or K:shuffle:SEED, e.g. 5 or "
                        "5:shuffle:42; got '%s'", AS_MAX_FOLDS, text);
        return 0;
    }
    if (k < 2 || k > AS_MAX_FOLDS) {
        cli_usage_error(cmd, "--cv: the number of folds must be between 2 and %d, got %d", AS_MAX_FOLDS, k);
        return 0;
    }
    tp->cv_folds = k;
    tp->cv_shuffle = 0;
    if (!colon) return 1;
    const char *seed_text = NULL;
    if (strncmp(colon + 1, "shuffle:", 8) == 0) seed_text = colon + 9;
    int64_t seed = -1;
    if (seed_text && *seed_text) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(seed_text, &end, 10);
        if (end != seed_text && *end == '\0' && errno == 0 && v >= 0 && v <= 4294967295LL && seed_text[0] != '+' &&
            seed_text[0] != ' ')
            seed = v;
    }
    if (seed < 0) {
        cli_usage_error(cmd, "--cv expects K or K:shuffle:SEED with SEED a whole number from 0 to 4294967295, "
                        "e.g. 5:shuffle:42; got '%s'", text);
        return 0;
    }
    tp->cv_shuffle = 1;
    tp->cv_seed = (uint32_t)seed;
    return 1;
}

/* --pca N (components, a whole number >= 1), F (0 < F < 1, a share of variance) or 0 (none). */
static int parse_pca(const char *cmd, const char *text, double *out) {
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v) || isspace((unsigned char)text[0])) {
        cli_usage_error(cmd, "--pca expects a number of components (1, 2, ...), a share of variance between 0 "
                        "and 1 (e.g. 0.95) or 0 for no PCA; got '%s'", text);
        return 0;
    }
    if (v < 0 || (v >= 1 && (v != floor(v) || v > 1e6))) {
        cli_usage_error(cmd, "--pca is a whole number of components (1 or more), a share of variance below 1 "
                        "(e.g. 0.95) or 0 for no PCA; got '%s'", text);
        return 0;
    }
    *out = v;
    return 1;
}

/* A cost: a number > 0. */
static int parse_cost(const char *cmd, const char *opt, const char *text, double *out) {
    if (!cli_parse_double(cmd, opt, text, 0.0, 1e15, out)) return 0;
    if (!(*out > 0)) {
        cli_usage_error(cmd, "%s must be greater than 0, got %s", opt, text);
        return 0;
    }
    return 1;
}

int cmd_train(int argc, char **argv) {
    static const char cmd[] = "train";
    enum {
        OPT_DB = CLI_OPT_FIRST, OPT_CSV, OPT_TARGET, OPT_POSITIVE, OPT_NA, OPT_SPLIT, OPT_C, OPT_TOL, OPT_MAX_ITER,
        OPT_NO_SCALE, OPT_PCA, OPT_OUT, OPT_DROP, OPT_MAX_LEVELS, OPT_MODEL, OPT_PENALTY, OPT_SOLVER,
        OPT_CLASS_WEIGHT, OPT_WEIGHT, OPT_IMPUTE, OPT_MIN_COUNT, OPT_CV, OPT_RETURN_COST, OPT_CONTACT_COST,
        OPT_CONTACT_SUCCESS, OPT_VALIDATION, OPT_ROUNDS, OPT_LEARNING_RATE, OPT_MAX_DEPTH, OPT_EARLY_STOPPING,
        OPT_THREADS, OPT_LABEL, OPT_FEATURES, OPT_MAX_ROWS
    };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"db", required_argument, NULL, OPT_DB},
        {"csv", required_argument, NULL, OPT_CSV},
        {"target", required_argument, NULL, OPT_TARGET},
        {"positive", required_argument, NULL, OPT_POSITIVE},
        {"na", required_argument, NULL, OPT_NA},
        {"split", required_argument, NULL, OPT_SPLIT},
        {"C", required_argument, NULL, OPT_C},
        {"tol", required_argument, NULL, OPT_TOL},
        {"max-iter", required_argument, NULL, OPT_MAX_ITER},
        {"no-scale", no_argument, NULL, OPT_NO_SCALE},
        {"pca", required_argument, NULL, OPT_PCA},
        {"out", required_argument, NULL, OPT_OUT},
        {"drop", required_argument, NULL, OPT_DROP},
        {"max-levels", required_argument, NULL, OPT_MAX_LEVELS},
        {"model", required_argument, NULL, OPT_MODEL},
        {"penalty", required_argument, NULL, OPT_PENALTY},
        {"solver", required_argument, NULL, OPT_SOLVER},
        {"class-weight", required_argument, NULL, OPT_CLASS_WEIGHT},
        {"weight", required_argument, NULL, OPT_WEIGHT},
        {"impute", required_argument, NULL, OPT_IMPUTE},
        {"min-count", required_argument, NULL, OPT_MIN_COUNT},
        {"cv", required_argument, NULL, OPT_CV},
        {"return-cost", required_argument, NULL, OPT_RETURN_COST},
        {"contact-cost", required_argument, NULL, OPT_CONTACT_COST},
        {"contact-success", required_argument, NULL, OPT_CONTACT_SUCCESS},
        {"validation", required_argument, NULL, OPT_VALIDATION},
        {"rounds", required_argument, NULL, OPT_ROUNDS},
        {"learning-rate", required_argument, NULL, OPT_LEARNING_RATE},
        {"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
        {"early-stopping", required_argument, NULL, OPT_EARLY_STOPPING},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"label", required_argument, NULL, OPT_LABEL},
        {"features", required_argument, NULL, OPT_FEATURES},
        {"max-rows", required_argument, NULL, OPT_MAX_ROWS},
        {NULL, 0, NULL, 0},
    };
    static const char *const model_names[] = {"logreg", "gbdt", NULL};
    static const int model_values[] = {AS_MODEL_LOGREG, AS_MODEL_GBDT};
    static const char *const penalty_names[] = {"l2", "l1", "none", NULL};
    static const int penalty_values[] = {AS_PENALTY_L2, AS_PENALTY_L1, AS_PENALTY_NONE};
    static const char *const solver_names[] = {"newton", "lbfgs", "tron", "newton-cholesky", NULL};
    static const int solver_values[] = {AS_SOLVER_AUTO, AS_SOLVER_LBFGS, AS_SOLVER_TRON, AS_SOLVER_NEWTON_CHOLESKY};
    static const char *const weight_names[] = {"balanced", "none", NULL};
    static const int weight_values[] = {1, 0};
    static const char *const impute_names[] = {"drop", "median", "most_frequent", "keep", NULL};
    static const int impute_values[] = {AS_IMPUTE_DROP, AS_IMPUTE_MEDIAN, AS_IMPUTE_MOST_FREQUENT, AS_IMPUTE_KEEP};
    const char *label_given = NULL;

    const char *db_path = NULL, *csv_path = NULL, *target = NULL, *positive = NULL, *split = NULL, *out = NULL;
    const char *weight_column = NULL;
    const char *na[MAX_NA_TOKENS];
    size_t n_na = 0, n_drop = 0;
    const char *drop[MAX_NA_TOKENS];
    int pca_given = 0, drop_given = 0, impute_given = 0, validation_given = 0, success_given = 0;
    /* Options of one model kind, remembered to refuse them with the other kind (the last one given is named). */
    const char *logreg_only = NULL, *gbdt_only = NULL;
    int c_given = 0;
    as_train_params tp = as_train_params_default();

    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        switch (c) {
        case CLI_OPT_HELP: cmd_train_usage(stdout); return CLI_EXIT_OK;
        case OPT_DB: db_path = optarg; break;
        case OPT_CSV: csv_path = strcmp(optarg, "-") == 0 ? "/dev/stdin" : optarg; break;   /* - : standard input */
        case OPT_TARGET: target = optarg; break;
        case OPT_POSITIVE: positive = optarg; break;
        case OPT_NA:
            if (n_na == MAX_NA_TOKENS) return cli_usage_error(cmd, "at most %d --na tokens", MAX_NA_TOKENS);
            na[n_na++] = optarg;
            break;
        case OPT_SPLIT: split = optarg; break;
        case OPT_C:
            if (!cli_parse_double(cmd, "--C", optarg, 1e-12, 1e12, &tp.C)) return CLI_EXIT_USAGE;
            logreg_only = "--C";
            c_given = 1;
            break;
        case OPT_TOL:
            if (!cli_parse_double(cmd, "--tol", optarg, 1e-300, 1.0, &tp.tol)) return CLI_EXIT_USAGE;
            logreg_only = "--tol";
            break;
        case OPT_MAX_ITER:
            if (!cli_parse_int(cmd, "--max-iter", optarg, 1, 1000000, &tp.max_iter)) return CLI_EXIT_USAGE;
            logreg_only = "--max-iter";
            break;
        case OPT_NO_SCALE: tp.scale = 0; break;
        case OPT_PCA:
            if (!parse_pca(cmd, optarg, &tp.pca_variance)) return CLI_EXIT_USAGE;
            pca_given = 1;
            break;
        case OPT_OUT: out = optarg; break;
        case OPT_DROP:
            if (n_drop == MAX_NA_TOKENS) return cli_usage_error(cmd, "at most %d --drop columns", MAX_NA_TOKENS);
            drop[n_drop++] = optarg;
            drop_given = 1;
            break;
        case OPT_MAX_LEVELS: {
            int v;
            if (!cli_parse_int(cmd, "--max-levels", optarg, 0, 1000000000, &v)) return CLI_EXIT_USAGE;
            tp.max_levels = (size_t)v;
            drop_given = 1;
            break;
        }
        case OPT_MODEL:
            /* train's --model is the kind of model; a path here is the file meant for --out. */
            if ((strchr(optarg, '/') || strstr(optarg, ".json")) && strcmp(optarg, "logreg") != 0 &&
                strcmp(optarg, "gbdt") != 0)
                return cli_usage_error(cmd, "--model expects the kind of model, logreg or gbdt; got '%s', which looks "
                                       "like a file: the model file to write is --out MODEL", optarg);
            if (!cli_parse_choice(cmd, "--model", optarg, model_names, model_values, &tp.model_kind))
                return CLI_EXIT_USAGE;
            break;
        case OPT_PENALTY:
            if (!cli_parse_choice(cmd, "--penalty", optarg, penalty_names, penalty_values, &tp.penalty))
                return CLI_EXIT_USAGE;
            logreg_only = "--penalty";
            break;
        case OPT_SOLVER:
            if (!cli_parse_choice(cmd, "--solver", optarg, solver_names, solver_values, &tp.solver))
                return CLI_EXIT_USAGE;
            logreg_only = "--solver";
            break;
        case OPT_CLASS_WEIGHT:
            if (!cli_parse_choice(cmd, "--class-weight", optarg, weight_names, weight_values,
                                  &tp.class_weight_balanced))
                return CLI_EXIT_USAGE;
            break;
        case OPT_WEIGHT:
            if (!optarg[0]) return cli_usage_error(cmd, "--weight expects a column name");
            weight_column = optarg;
            break;
        case OPT_IMPUTE:
            if (!cli_parse_choice(cmd, "--impute", optarg, impute_names, impute_values, &tp.impute))
                return CLI_EXIT_USAGE;
            impute_given = 1;
            break;
        case OPT_MIN_COUNT: {
            int v;
            if (!cli_parse_int(cmd, "--min-count", optarg, 0, 1000000000, &v)) return CLI_EXIT_USAGE;
            tp.min_level_count = (size_t)v;
            break;
        }
        case OPT_CV:
            if (!parse_cv(cmd, optarg, &tp)) return CLI_EXIT_USAGE;
            break;
        case OPT_RETURN_COST:
            if (!parse_cost(cmd, "--return-cost", optarg, &tp.return_cost)) return CLI_EXIT_USAGE;
            break;
        case OPT_CONTACT_COST:
            if (!parse_cost(cmd, "--contact-cost", optarg, &tp.contact_cost)) return CLI_EXIT_USAGE;
            break;
        case OPT_CONTACT_SUCCESS:
            if (!cli_parse_double(cmd, "--contact-success", optarg, 0.0, 1.0, &tp.contact_success))
                return CLI_EXIT_USAGE;
            if (!(tp.contact_success > 0))
                return cli_usage_error(cmd, "--contact-success is the share of contacted would-be returns that the "
                                       "contact prevents: greater than 0 and at most 1, got %s", optarg);
            success_given = 1;
            break;
        case OPT_VALIDATION:
            if (!cli_parse_double(cmd, "--validation", optarg, 0.0, 1.0, &tp.validation_fraction))
                return CLI_EXIT_USAGE;
            if (!(tp.validation_fraction > 0 && tp.validation_fraction <= 0.5))
                return cli_usage_error(cmd, "--validation is a share of the training rows above 0 and at most 0.5 "
                                       "(e.g. 0.15; the rest is what the model learns from), got %s", optarg);
            validation_given = 1;
            break;
        case OPT_ROUNDS:
            if (!cli_parse_int(cmd, "--rounds", optarg, 1, 1000000, &tp.gbdt_rounds)) return CLI_EXIT_USAGE;
            gbdt_only = "--rounds";
            break;
        case OPT_LEARNING_RATE:
            if (!cli_parse_double(cmd, "--learning-rate", optarg, 0.0, 1.0, &tp.gbdt_learning_rate))
                return CLI_EXIT_USAGE;
            if (!(tp.gbdt_learning_rate > 0))
                return cli_usage_error(cmd, "--learning-rate must be greater than 0 and at most 1 (e.g. 0.1), got %s",
                                       optarg);
            gbdt_only = "--learning-rate";
            break;
        case OPT_MAX_DEPTH:
            if (!cli_parse_int(cmd, "--max-depth", optarg, 1, 32, &tp.gbdt_max_depth)) return CLI_EXIT_USAGE;
            gbdt_only = "--max-depth";
            break;
        case OPT_EARLY_STOPPING:
            if (!cli_parse_int(cmd, "--early-stopping", optarg, 0, 1000000, &tp.gbdt_early_stopping))
                return CLI_EXIT_USAGE;
            gbdt_only = "--early-stopping";
            break;
        case OPT_THREADS:
            if (!cli_parse_int(cmd, "--threads", optarg, 0, 4096, &tp.threads)) return CLI_EXIT_USAGE;
            break;
        case OPT_LABEL:
            if (!cli_parse_choice(cmd, "--label", optarg, cli_label_names, cli_label_values, &tp.target_label))
                return CLI_EXIT_USAGE;
            label_given = "--label";
            break;
        case OPT_FEATURES:
            if (!cli_parse_choice(cmd, "--features", optarg, cli_feature_set_names, cli_feature_set_values,
                                  &tp.feature_set))
                return CLI_EXIT_USAGE;
            label_given = "--features";
            break;
        case OPT_MAX_ROWS: {
            /* N or N:SEED */
            char num[64];
            const char *colon = strchr(optarg, ':');
            snprintf(num, sizeof num, "%.*s", colon ? (int)(colon - optarg) : (int)strlen(optarg), optarg);
            int64_t seed = 42;
            if (!cli_parse_int64(cmd, "--max-rows", num, 1000, INT64_MAX / 2, &tp.max_rows) ||
                (colon && !cli_parse_int64(cmd, "--max-rows seed", colon + 1, 0, UINT32_MAX, &seed)))
                return CLI_EXIT_USAGE;
            tp.sample_seed = (uint32_t)seed;
            label_given = "--max-rows";
            break;
        }
        default: return cli_usage_error(cmd, "unhandled option");
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!db_path == !csv_path) return cli_usage_error(cmd, "give exactly one of --db FILE or --csv FILE");
    if (!out) return cli_usage_error(cmd, "missing --out MODEL (the model file to write)");
    /* --target names the level with --db (line | order) and the column with --csv. */
    if (db_path && target &&
        !cli_parse_choice(cmd, "--target", target, cli_level_names, cli_level_values, &tp.target_level))
        return CLI_EXIT_USAGE;
    if (tp.target_level == AS_TARGET_ORDER && tp.feature_set == AS_FEATURES_MAIN)
        return cli_usage_error(cmd, "--features main is the first version's line features; order-level models use "
                               "--features all (the default)");
    if (db_path && (positive || n_na || drop_given || weight_column || impute_given))
        return cli_usage_error(cmd, "--positive, --na, --drop, --max-levels, --weight and --impute apply only with "
                               "--csv");
    if (csv_path && label_given)
        return cli_usage_error(cmd, "%s applies only with --db%s", label_given,
                               strcmp(label_given, "--max-rows") == 0
                                   ? " (a flat CSV is read whole; take a sample of its rows beforehand)"
                                   : " (a flat CSV names its target with --target COL)");
    if (csv_path && !target) return cli_usage_error(cmd, "--csv needs --target COL (the column to predict)");
    const int gbdt = tp.model_kind == AS_MODEL_GBDT;
    if (gbdt && logreg_only)
        return cli_usage_error(cmd, "%s applies only to logistic regression (--model logreg), not to boosted trees",
                               logreg_only);
    if (!gbdt && gbdt_only)
        return cli_usage_error(cmd, "%s applies only to boosted trees: add --model gbdt", gbdt_only);
    if (gbdt && pca_given && tp.pca_variance > 0)
        return cli_usage_error(cmd, "--pca applies only to logistic regression: boosted trees split on your columns "
                               "as they are (leave out --pca, or use --pca 0)");
    if (!gbdt && tp.impute == AS_IMPUTE_KEEP)
        return cli_usage_error(cmd, "--impute keep leaves missing values in, which only boosted trees (--model gbdt) "
                               "can use; for logistic regression choose drop, median or most_frequent");
    int costs = tp.return_cost > 0 || tp.contact_cost > 0;
    if (costs && !(tp.return_cost > 0 && tp.contact_cost > 0))
        return cli_usage_error(cmd, "the cost-based threshold needs both --return-cost and --contact-cost (each "
                               "greater than 0); %s is missing", tp.return_cost > 0 ? "--contact-cost"
                                                                                     : "--return-cost");
    if (costs && tp.target_label != AS_LABEL_ANY)
        return cli_usage_error(cmd, "the cost-based threshold needs a two-class target: --label any (a %s target "
                               "has a class per %s)", tp.target_label == AS_LABEL_KIND ? "kind" : "reason",
                               tp.target_label == AS_LABEL_KIND ? "case kind" : "reason class");
    if (success_given && !costs)
        return cli_usage_error(cmd, "--contact-success applies only with --return-cost and --contact-cost");
    if (validation_given && !gbdt && !costs)
        return cli_usage_error(cmd, "--validation sets the rows held out for early stopping (--model gbdt) or for "
                               "the cost-based threshold (--return-cost, --contact-cost); neither is in use");
    if (tp.penalty == AS_PENALTY_NONE && c_given)
        cli_warnf(cmd, "--penalty none ignores --C (there is no penalty for C to weigh)");
    if (costs && tp.return_cost * tp.contact_success <= tp.contact_cost)
        cli_warnf(cmd, "a contact costs %s but can save at most %s (return cost %s x contact success %s): no "
                  "threshold saves money, so the model will flag nobody", cli_amount(tp.contact_cost, 2),
                  cli_amount(tp.return_cost * tp.contact_success, 2), cli_amount(tp.return_cost, 2),
                  cli_pct(tp.contact_success));

    char metrics_path[4096];
    const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
    if (*base == '\0') return cli_usage_error(cmd, "--out needs a file name, not a directory: '%s'", out);
    if (strcmp(base, "metrics.json") == 0)
        return cli_usage_error(cmd, "--out cannot be named metrics.json: that name is kept for the metrics");
    if (!cli_sibling_path(out, "metrics.json", metrics_path, sizeof metrics_path))
        return cli_usage_error(cmd, "--out path too long");
    {
        const char *outs[] = {out, metrics_path}, *out_names[] = {"--out", "its metrics.json"};
        const char *inputs[] = {csv_path}, *input_names[] = {"the input"};
        int rc = cli_check_outputs(cmd, db_path, inputs, input_names, 1, outs, out_names, 2);
        if (rc != CLI_EXIT_OK) return rc;
    }

    as_error err;
    memset(&err, 0, sizeof err);
    const char *split_text = split ? split : (csv_path ? CSV_DEFAULT_SPLIT : NULL);
    if (split_text && as_split_parse(split_text, &tp.split, &err) != AS_OK) {
        /* The library's message names the option and the value already. */
        if (err.msg[0]) return cli_usage_error(cmd, "%s", err.msg);
        return cli_usage_error(cmd, "--split '%s' is not understood", split_text);
    }
    if (db_path && tp.split.kind == AS_SPLIT_TIME && tp.cv_shuffle)
        return cli_usage_error(cmd, "--cv K:shuffle:SEED does not go with the time split: its folds are windows by "
                               "time, so that no fold learns from its future; use --cv %d, or a random or "
                               "stratified --split", tp.cv_folds);
    /* The seed's PCA(0.95) belongs to its logistic regression; trees need neither PCA nor its complete rows. */
    if (!pca_given) tp.pca_variance = csv_path && !gbdt ? CSV_DEFAULT_PCA : 0.0;
    tp.progress = cli_progress;
    tp.progress_user = NULL;

    /* What can be checked before training is checked here, before anything is created. */
    const char *input = db_path ? db_path : csv_path;
    const char *input_what = db_path ? "database" : "input";
    if (db_path && cli_db_missing(cmd, db_path) != CLI_EXIT_OK) return CLI_EXIT_IO;
    if (!cli_check_readable(cmd, input_what, input)) return CLI_EXIT_IO;
    if (cli_is_dir(input)) {   /* a usage error, as for every command given a folder where a file goes */
        cli_errorf(cmd, "%s '%s' is a folder; %s", input_what, input,
                   db_path ? "--db names the database file" : "--csv names one CSV file");
        return CLI_EXIT_USAGE;
    }
    as_db *db = NULL;
    if (db_path) {
        int rc = cli_open_db(cmd, db_path, 1, &db);
        if (rc != CLI_EXIT_OK) return rc;
    }
    /* The output folder is created when absent, and removed again when training fails. */
    char created[4096];
    if (!cli_make_parent_tracked(cmd, out, created, sizeof created)) {
        as_db_close(db);
        return CLI_EXIT_IO;
    }

    double t0 = cli_now();
    as_model *model = NULL;
    /* Large (fixed-size tables for classes and folds): kept off the stack. */
    static as_metrics_report rep;
    memset(&rep, 0, sizeof rep);
    as_status st;
    if (db_path) {
        st = as_train_db(db, &tp, &model, &rep, &err);
    } else {
        tp.target = target;
        tp.positive_label = positive;
        tp.na_tokens = n_na ? na : NULL;
        tp.n_na_tokens = n_na;
        tp.drop_columns = n_drop ? drop : NULL;
        tp.n_drop_columns = n_drop;
        tp.weight_column = weight_column;
        st = as_train_csv(csv_path, &tp, &model, &rep, &err);
    }
    cli_progress_clear();
    if (st == AS_OK) st = as_model_save(model, out, &err);
    as_model_free(model);
    /* metrics.json names its model, so that `evaluate` can tell when another model of the folder wrote it. */
    snprintf(rep.model_file, sizeof rep.model_file, "%s", base);
    if (st == AS_OK) st = as_metrics_write_json(&rep, metrics_path, &err);
    if (st == AS_OK && db) {
        /* so that `report --db` finds the model without being told */
        as_error note_err;
        if (as_db_note_model(db, out, &note_err) != AS_OK)
            cli_warnf(cmd, "could not record the model in %s (report will need --model): %s", db_path, note_err.msg);
    }
    as_db_close(db);
    if (st != AS_OK) {
        int rc = cli_fail(cmd, st, &err);
        if (created[0]) {
            /* The folder is this run's own: take back what was written into it, then the folder. */
            unlink(out);
            unlink(metrics_path);
            cli_undo_make_parent(out, created);
        }
        return rc;
    }
    double seconds = cli_now() - t0;
    const int K = cli_report_classes(&rep);

    /* The header comes once training has worked: a failure, even one the library finds at the first line of the
     * input (an unknown --target column), then shows only its message. */
    char desc[320];
    describe_params(&tp, desc, sizeof desc);
    cli_printf("train: %s on %s (%s)\n", gbdt ? "boosted trees" : K >= 3 ? "multinomial logistic regression"
                                                                         : "logistic regression",
               input, desc);
    int covered = cli_report_warnings(cmd, &rep);
    if (!gbdt && !rep.converged && !(covered & 1))
        cli_warnf(cmd, "the solver stopped after %s without converging (gradient norm %.3g); the model may be "
                  "imprecise: raise --max-iter, loosen --tol%s", cli_nouns(rep.iterations, "iteration", "iterations"),
                  rep.grad_norm, tp.penalty == AS_PENALTY_NONE ? "" : " or lower --C");
    if (!gbdt && rep.separated && !(covered & 2) && tp.penalty == AS_PENALTY_NONE)
        cli_warnf(cmd, "the model separates the training classes completely: without a penalty nothing limits its "
                  "weights, and its training probabilities are overconfident; check for a column that gives the "
                  "answer away (a leak), or use a penalty (--penalty l2 with a small --C)");
    else if (!gbdt && rep.separated && !(covered & 2))
        cli_warnf(cmd, "the model separates the training classes completely: its weights are limited only by "
                  "the penalty (C = %g), and its training probabilities are overconfident; check for a column "
                  "that gives the answer away (a leak) or lower --C", tp.C);

    /* A sampled run says so wherever its figures are printed, not only in the warning. */
    char sample[96] = "";
    if (rep.rows_sampled > 0) {
        char of[32];
        snprintf(of, sizeof of, "%s", cli_count(rep.rows_labelled));
        snprintf(sample, sizeof sample, "a sample of %s of %s labelled rows, seed %u", cli_count(rep.rows_sampled), of,
                 rep.sample_seed);
    }
    if (cli_verbosity_level == CLI_QUIET) {
        if (K >= 3)
            printf("train: test accuracy %s, macro F1 %s, ROC-AUC OvR %s (%s / %s%s%s); wrote %s and %s\n",
                   cli_metric_pct(rep.test.accuracy), cli_metric(rep.test.macro_f1, 4),
                   cli_metric(rep.test.roc_auc_ovr_macro, 4), cli_nouns(rep.train.rows, "train row", "train rows"),
                   cli_nouns(rep.test.rows, "test row", "test rows"), sample[0] ? "; " : "", sample, out,
                   metrics_path);
        else
            printf("train: test ROC-AUC %s, PR-AUC %s, accuracy %s (%s / %s%s%s); wrote %s and %s\n",
                   cli_metric(rep.test.roc_auc, 4), cli_metric(rep.test.pr_auc, 4), cli_metric_pct(rep.test.accuracy),
                   cli_nouns(rep.train.rows, "train row", "train rows"),
                   cli_nouns(rep.test.rows, "test row", "test rows"), sample[0] ? "; " : "", sample, out,
                   metrics_path);
        return CLI_EXIT_OK;
    }
    if (sample[0]) printf("  rows: %s (--max-rows)\n", sample);
    printf("  split: %s\n", rep.split_desc[0] ? rep.split_desc : "(not described)");
    if (rep.train_start || rep.test_start)
        printf("  train %s to %s, test %s to %s\n", cli_datetime(rep.train_start), cli_datetime(rep.train_end),
               cli_datetime(rep.test_start), cli_datetime(rep.test_end));
    if (rep.n_components != rep.n_features_in)
        printf("  features: %s after one-hot, %s\n", cli_count(rep.n_features_in),
               cli_nouns(rep.n_components, "PCA component", "PCA components"));
    else
        printf("  features: %s after one-hot\n", cli_count(rep.n_features_in));
    /* The CSV flow's split description may already say how many rows were dropped: say it once. */
    if (csv_path && !strstr(rep.split_desc, "dropped for missing values"))
        printf("  rows dropped for missing values: %s\n", cli_count(rep.dropped_missing));
    if (K >= 3)
        cli_print_classes(&rep);
    else if (csv_path && rep.positive_class[0])
        printf("  positive class: '%.*s'\n", (int)sizeof rep.positive_class, rep.positive_class);
    if (rep.unseen_categories > 0 || cli_verbosity_level >= CLI_VERBOSE)
        printf("  test rows with a category unseen in training: %s\n", cli_count(rep.unseen_categories));
    printf("\n");
    cli_print_report(&rep);
    printf("\n");
    cli_print_train_summary(cmd, &rep);
    printf("  %-22s %s training, %s in all\n", "elapsed", cli_duration(rep.seconds_train), cli_duration(seconds));
    printf("wrote %s and %s\n", out, metrics_path);
    return CLI_EXIT_OK;
}
