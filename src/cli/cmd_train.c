/*
 * cmd_train.c — `aftersales train`: logistic regression on the shop database (as_train_db) or on any flat CSV
 * with a target column (as_train_csv, the seed's flow); writes the model file and metrics.json beside it.
 */
#define _GNU_SOURCE   /* getopt_long */
#include <getopt.h>
#include <stdio.h>
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
            "Train a logistic regression and measure it on held-out data.\n"
            "\n"
            "The model is an L2-regularized logistic regression (scikit-learn's objective). With --db it learns\n"
            "from the features of 'aftersales build'; with --csv it runs the seed's flow on any flat CSV: drop\n"
            "rows with missing values, one-hot encode text columns, split, standardize, PCA. Writes the model\n"
            "to MODEL and its metrics to metrics.json in the same directory (created when absent, and removed\n"
            "again when training fails). The model keeps a decision threshold for flags, which 'aftersales\n"
            "score' uses unless given --threshold: with --db the F1-best threshold on the training rows.\n"
            "\n"
            "Data (one of):\n"
            "  --db FILE          database with features from 'aftersales build'\n"
            "  --csv FILE         flat CSV file with a header row\n"
            "  --target COL       (--csv) the column to predict\n"
            "  --positive VALUE   (--csv) the target value that is the positive class (default: automatic)\n"
            "  --na TOKEN         (--csv) one more text that means a missing value (repeatable)\n"
            "  --drop COL         (--csv) leave column COL out (repeatable); a column named 'split' always is\n"
            "  --max-levels N     (--csv) refuse a text column with more than N distinct values, such as free\n"
            "                     text or an ID, instead of one-hot encoding it (default: %zu; 0 = no limit)\n"
            "\n"
            "Options:\n"
            "  --out MODEL        model file to write (required); metrics.json goes beside it\n"
            "  --split SPEC       time | time:YYYY-MM-DD | random:FRACTION:SEED\n"
            "                     (default: time for --db, " CSV_DEFAULT_SPLIT " for --csv, as scikit-learn's\n"
            "                     train_test_split(test_size=0.2, random_state=42))\n"
            "  --C VALUE          inverse regularization strength (default: %g)\n"
            "  --tol VALUE        stop when the gradient norm falls below VALUE times its start (default: %g)\n"
            "  --max-iter N       at most N Newton iterations (default: %d)\n"
            "  --no-scale         do not standardize columns before PCA and the model\n"
            "  --pca VARIANCE     keep PCA components until this share of variance (below 1) is explained;\n"
            "                     0 = no PCA (default: %g for --csv, 0 for --db)\n"
            "  -q, --quiet        print only errors and a one-line summary\n"
            "  -v, --verbose      print more detail (confusion counts)\n"
            "  -h, --help         show this help\n"
            "\n"
            "Example:\n"
            "  aftersales train --db shop.db --out model/model.json\n"
            "  aftersales train --csv returns.csv --target returned --positive yes --out csvmodel/model.json\n",
            d.max_levels, d.C, d.tol, d.max_iter, CSV_DEFAULT_PCA);
}

/* One line that says what was trained, for the header of the output. */
static void describe_params(const as_train_params *p, char *buf, size_t size) {
    char pca[48];
    if (p->pca_variance > 0)
        snprintf(pca, sizeof pca, "PCA to %s of variance", cli_pct(p->pca_variance));
    else
        snprintf(pca, sizeof pca, "no PCA");
    snprintf(buf, size, "C = %g, tol = %g, at most %s iterations, %s, %s", p->C, p->tol, cli_count(p->max_iter),
             p->scale ? "standardized" : "not standardized", pca);
}

int cmd_train(int argc, char **argv) {
    static const char cmd[] = "train";
    enum {
        OPT_DB = CLI_OPT_FIRST, OPT_CSV, OPT_TARGET, OPT_POSITIVE, OPT_NA, OPT_SPLIT, OPT_C, OPT_TOL, OPT_MAX_ITER,
        OPT_NO_SCALE, OPT_PCA, OPT_OUT, OPT_DROP, OPT_MAX_LEVELS
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
        {NULL, 0, NULL, 0},
    };
    const char *db_path = NULL, *csv_path = NULL, *target = NULL, *positive = NULL, *split = NULL, *out = NULL;
    const char *na[MAX_NA_TOKENS];
    size_t n_na = 0, n_drop = 0;
    const char *drop[MAX_NA_TOKENS];
    int pca_given = 0, drop_given = 0;
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
        case OPT_CSV: csv_path = optarg; break;
        case OPT_TARGET: target = optarg; break;
        case OPT_POSITIVE: positive = optarg; break;
        case OPT_NA:
            if (n_na == MAX_NA_TOKENS) return cli_usage_error(cmd, "at most %d --na tokens", MAX_NA_TOKENS);
            na[n_na++] = optarg;
            break;
        case OPT_SPLIT: split = optarg; break;
        case OPT_C:
            if (!cli_parse_double(cmd, "--C", optarg, 1e-12, 1e12, &tp.C)) return CLI_EXIT_USAGE;
            break;
        case OPT_TOL:
            if (!cli_parse_double(cmd, "--tol", optarg, 1e-300, 1.0, &tp.tol)) return CLI_EXIT_USAGE;
            break;
        case OPT_MAX_ITER:
            if (!cli_parse_int(cmd, "--max-iter", optarg, 1, 1000000, &tp.max_iter)) return CLI_EXIT_USAGE;
            break;
        case OPT_NO_SCALE: tp.scale = 0; break;
        case OPT_PCA:
            /* The library reads a value of 1 or more as a number of components; the tool offers only the
             * share of variance, which is what the seed's PCA(0.95) means. */
            if (!cli_parse_double(cmd, "--pca", optarg, 0.0, 1.0, &tp.pca_variance)) return CLI_EXIT_USAGE;
            if (tp.pca_variance >= 1.0)
                return cli_usage_error(cmd, "--pca is a share of variance below 1 (e.g. 0.95), or 0 for no PCA");
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
        default: return cli_usage_error(cmd, "unhandled option");
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!db_path == !csv_path) return cli_usage_error(cmd, "give exactly one of --db FILE or --csv FILE");
    if (!out) return cli_usage_error(cmd, "missing --out MODEL (the model file to write)");
    if (db_path && (target || positive || n_na || drop_given))
        return cli_usage_error(cmd, "--target, --positive, --na, --drop and --max-levels apply only with --csv");
    if (csv_path && !target) return cli_usage_error(cmd, "--csv needs --target COL (the column to predict)");

    char metrics_path[4096];
    const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
    if (*base == '\0') return cli_usage_error(cmd, "--out needs a file name, not a directory: '%s'", out);
    if (strcmp(base, "metrics.json") == 0)
        return cli_usage_error(cmd, "--out cannot be named metrics.json: that name is kept for the metrics");
    if (!cli_sibling_path(out, "metrics.json", metrics_path, sizeof metrics_path))
        return cli_usage_error(cmd, "--out path too long");

    as_error err;
    memset(&err, 0, sizeof err);
    const char *split_text = split ? split : (csv_path ? CSV_DEFAULT_SPLIT : NULL);
    if (split_text && as_split_parse(split_text, &tp.split, &err) != AS_OK) {
        /* The library's message names the option and the value already. */
        if (err.msg[0]) return cli_usage_error(cmd, "%s", err.msg);
        return cli_usage_error(cmd, "--split '%s' is not understood", split_text);
    }
    if (!pca_given) tp.pca_variance = csv_path ? CSV_DEFAULT_PCA : 0.0;
    tp.progress = cli_progress;
    tp.progress_user = NULL;

    /* What can be checked before training is checked here, before anything is created. */
    const char *input = db_path ? db_path : csv_path;
    const char *input_what = db_path ? "database" : "input";
    if (!cli_check_readable(cmd, input_what, input)) return CLI_EXIT_IO;
    if (cli_is_dir(input)) {
        cli_errorf(cmd, "%s '%s' is a folder; %s", input_what, input,
                   db_path ? "--db names the database file" : "--csv names one CSV file");
        return CLI_EXIT_IO;
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
    as_metrics_report rep;
    memset(&rep, 0, sizeof rep);
    as_status st;
    if (db_path) {
        st = as_train_db(db, &tp, &model, &rep, &err);
        as_db_close(db);
    } else {
        tp.target = target;
        tp.positive_label = positive;
        tp.na_tokens = n_na ? na : NULL;
        tp.n_na_tokens = n_na;
        tp.drop_columns = n_drop ? drop : NULL;
        tp.n_drop_columns = n_drop;
        st = as_train_csv(csv_path, &tp, &model, &rep, &err);
    }
    cli_progress_clear();
    if (st == AS_OK) st = as_model_save(model, out, &err);
    as_model_free(model);
    /* metrics.json names its model, so that `evaluate` can tell when another model of the folder wrote it. */
    snprintf(rep.model_file, sizeof rep.model_file, "%s", base);
    if (st == AS_OK) st = as_metrics_write_json(&rep, metrics_path, &err);
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

    /* The header comes once training has worked: a failure, even one the library finds at the first line of the
     * input (an unknown --target column), then shows only its message. */
    char desc[256];
    describe_params(&tp, desc, sizeof desc);
    cli_printf("train: logistic regression on %s (%s)\n", input, desc);
    if (!rep.converged)
        cli_warnf(cmd, "the solver stopped after %s iteration%s without converging (gradient norm %.3g); the model "
                  "may be imprecise: raise --max-iter, loosen --tol or lower --C", cli_count(rep.iterations),
                  rep.iterations == 1 ? "" : "s", rep.grad_norm);
    if (rep.separated)
        cli_warnf(cmd, "the model separates the two training classes completely: its weights are limited only by "
                  "the penalty (C = %g), and its training probabilities are overconfident; check for a column "
                  "that gives the answer away (a leak) or lower --C", tp.C);

    if (cli_verbosity_level == CLI_QUIET) {
        printf("train: test ROC-AUC %s, PR-AUC %s, accuracy %s (%s train / %s test rows); wrote %s and %s\n",
               cli_num(rep.test.roc_auc, 4), cli_num(rep.test.pr_auc, 4), cli_pct(rep.test.accuracy),
               cli_count(rep.train.rows), cli_count(rep.test.rows), out, metrics_path);
        return CLI_EXIT_OK;
    }
    printf("  split: %s\n", rep.split_desc[0] ? rep.split_desc : "(not described)");
    if (rep.train_start || rep.test_start)
        printf("  train %s to %s, test %s to %s\n", cli_datetime(rep.train_start), cli_datetime(rep.train_end),
               cli_datetime(rep.test_start), cli_datetime(rep.test_end));
    if (rep.n_components != rep.n_features_in)
        printf("  features: %s after one-hot, %s PCA components\n", cli_count(rep.n_features_in),
               cli_count(rep.n_components));
    else
        printf("  features: %s after one-hot\n", cli_count(rep.n_features_in));
    /* The CSV flow's split description may already say how many rows were dropped: say it once. */
    if (csv_path && !strstr(rep.split_desc, "dropped for missing values"))
        printf("  rows dropped for missing values: %s\n", cli_count(rep.dropped_missing));
    if (csv_path && rep.positive_class[0])
        printf("  positive class: '%.*s'\n", (int)sizeof rep.positive_class, rep.positive_class);
    if (rep.unseen_categories > 0 || cli_verbosity_level >= CLI_VERBOSE)
        printf("  test rows with a category unseen in training: %s\n", cli_count(rep.unseen_categories));
    printf("\n");
    cli_print_metrics_table(stdout, &rep.train, &rep.test);
    printf("\n");
    if (rep.threshold > 0 && rep.threshold < 1) {
        const char *origin = cli_threshold_origin(rep.threshold, rep.train.best_f1_threshold);
        printf("  decision threshold for flags: %s%s%s%s\n", cli_num(rep.threshold, 4), origin ? " (" : "",
               origin ? origin : "", origin ? ")" : "");
    }
    if (rep.hessian_formations)   /* small models: exact Newton with the Hessian formed and factorized */
        printf("  solver: %s Newton iterations (%s Hessians formed, %s Hessian-vector products), gradient norm "
               "%.3g, objective %.6g, %s\n", cli_count(rep.iterations), cli_count(rep.hessian_formations),
               cli_count(rep.hessian_products), rep.grad_norm, rep.objective,
               rep.converged ? "converged" : "NOT converged");
    else
        printf("  solver: %s Newton iterations (%s Hessian-vector products), gradient norm %.3g, objective %.6g, %s\n",
               cli_count(rep.iterations), cli_count(rep.hessian_products), rep.grad_norm, rep.objective,
               rep.converged ? "converged" : "NOT converged");
    printf("  time: %s training, %s in all\n", cli_duration(rep.seconds_train), cli_duration(seconds));
    printf("wrote %s and %s\n", out, metrics_path);
    return CLI_EXIT_OK;
}
