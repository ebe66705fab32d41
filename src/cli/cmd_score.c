/*
 * cmd_score.c — `aftersales score`: risk per purchase line and per order from the database (as_score_db), or
 * a prediction per row of a flat CSV (as_score_csv): the probability of the positive class for a binary model,
 * one probability per class for a multinomial one; each with its top reasons.
 */
#define _GNU_SOURCE   /* getopt_long */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cmd_score_usage(FILE *out) {
    fprintf(out,
            "Usage: aftersales score --db FILE --model MODEL [--from DATE] [--threshold P] [--out-lines CSV]\n"
            "                        [--out-orders CSV]\n"
            "       aftersales score --csv FILE --model MODEL --out CSV\n"
            "\n"
            "Score purchase lines and orders, or the rows of a flat CSV, with a trained model.\n"
            "\n"
            "With --db: the risk that each purchase line (and each order) comes back, for the feature rows of\n"
            "'aftersales build' (model trained with --db). With --csv: a prediction per row of a flat CSV (model\n"
            "trained with --csv).\n"
            "\n"
            "Columns of the --csv output:\n"
            "  two classes        row, probability (of the positive class), predicted (the label at the\n"
            "                     model's threshold), top_reasons\n"
            "  three or more      row, predicted (the most probable class), one probability_<label> column per\n"
            "                     class (in the model's class order; they sum to 1), top_reasons\n"
            "  row is the data row's number in the input (1 = the first row after the header).\n"
            "\n"
            "What top_reasons explains:\n"
            "  two classes        the (up to) three input columns that push the probability of the positive class\n"
            "                     (the one 'train' named, e.g. 'yes') up the most. It is the same question for every\n"
            "                     row, also for rows predicted negative: there it names what raised the probability\n"
            "                     even though it stayed below the threshold\n"
            "  three or more      the (up to) three input columns that push the predicted class (the row's\n"
            "                     'predicted' value) up the most\n"
            "  Each reason reads 'column (+0.42)', or 'column=value (+0.42)' for a text value, separated by '; '.\n"
            "  The contributions are on the log-odds scale: through standardization and PCA back to your columns\n"
            "  (logistic regression), or each tree's change along the row's path credited to the column it splits\n"
            "  on (boosted trees, xgboost's approximate contributions). The --out-lines file of --db has a\n"
            "  top_reasons column of the same form (what raises the risk that the line comes back).\n"
            "\n"
            "Models of other targets (train --target order, --label kind|reason):\n"
            "  order level        scores the orders of the order_features table; --out-orders then holds\n"
            "                     order_id, customer_id, ordered_at, risk, flagged, label, top_reasons (no\n"
            "                     --out-lines)\n"
            "  kind / reason      adds predicted (the most probable class) and one probability_<class> column per\n"
            "                     class after risk; risk is 1 - probability_none (the chance of any case) and a\n"
            "                     row is flagged when its predicted class is not 'none' (or, with --threshold,\n"
            "                     when its risk reaches it); label holds the row's class when it is known\n"
            "\n"
            "Lines (and orders, by their riskiest line) whose risk reaches the decision threshold are flagged.\n"
            "The default is the model's own threshold, shown by 'train' and 'evaluate' (for --db models the\n"
            "F1-best one on the training rows, or the cost-based one when trained with --return-cost and\n"
            "--contact-cost); --threshold sets another. With --csv the model's own threshold always decides the\n"
            "predicted label of a binary model; a model of three or more classes predicts the most probable one.\n"
            "\n"
            "Options:\n"
            "  --model MODEL      model file written by 'aftersales train', or the folder that holds it as\n"
            "                     model.json (required)\n"
            "  --db FILE          database with features from 'aftersales build'\n"
            "  --from DATE        (--db) score purchases ordered at or after DATE (YYYY-MM-DD[ HH:MM[:SS]]);\n"
            "                     default: all\n"
            "  --out-lines CSV    (--db) write the risk per purchase line\n"
            "  --out-orders CSV   (--db) write the risk per order\n"
            "  --threshold P      (--db) flag lines and orders with a risk of at least P (0 < P < 1);\n"
            "                     default: the model's own threshold\n"
            "  --csv FILE         flat CSV with the columns the model was trained on (- reads standard input)\n"
            "  --out CSV          (--csv) write the predictions, columns as above (required)\n"
            "  -q, --quiet        print only errors and a one-line summary\n"
            "  -v, --verbose      print more detail\n"
            "  -h, --help         show this help\n"
            "\n"
            "Example:\n"
            "  aftersales score --db shop.db --model model/model.json --from 2011-09-01 --out-orders orders.csv\n"
            "  aftersales score --db shop.db --model model/model.json --threshold 0.3 --out-lines lines.csv\n"
            "  aftersales score --csv new.csv --model csvmodel/model.json --out scores.csv\n");
}

int cmd_score(int argc, char **argv) {
    static const char cmd[] = "score";
    enum {
        OPT_DB = CLI_OPT_FIRST, OPT_CSV, OPT_MODEL, OPT_FROM, OPT_OUT_LINES, OPT_OUT_ORDERS, OPT_OUT, OPT_THRESHOLD
    };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"db", required_argument, NULL, OPT_DB},
        {"csv", required_argument, NULL, OPT_CSV},
        {"model", required_argument, NULL, OPT_MODEL},
        {"from", required_argument, NULL, OPT_FROM},
        {"out-lines", required_argument, NULL, OPT_OUT_LINES},
        {"out-orders", required_argument, NULL, OPT_OUT_ORDERS},
        {"out", required_argument, NULL, OPT_OUT},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {NULL, 0, NULL, 0},
    };
    const char *db_path = NULL, *csv_path = NULL, *model_path = NULL, *from_text = NULL;
    const char *out_lines = NULL, *out_orders = NULL, *out = NULL, *threshold_text = NULL;
    as_score_params sp = as_score_params_default();

    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        switch (c) {
        case CLI_OPT_HELP: cmd_score_usage(stdout); return CLI_EXIT_OK;
        case OPT_DB: db_path = optarg; break;
        case OPT_CSV: csv_path = strcmp(optarg, "-") == 0 ? "/dev/stdin" : optarg; break;   /* - : standard input */
        case OPT_MODEL: model_path = optarg; break;
        case OPT_FROM:
            from_text = optarg;
            if (!cli_parse_time(cmd, "--from", optarg, &sp.from)) return CLI_EXIT_USAGE;
            break;
        case OPT_OUT_LINES: out_lines = optarg; break;
        case OPT_OUT_ORDERS: out_orders = optarg; break;
        case OPT_OUT: out = optarg; break;
        case OPT_THRESHOLD:
            threshold_text = optarg;
            if (!cli_parse_double(cmd, "--threshold", optarg, 0.0, 1.0, &sp.threshold)) return CLI_EXIT_USAGE;
            if (!(sp.threshold > 0.0 && sp.threshold < 1.0))
                return cli_usage_error(cmd, "--threshold is a risk strictly between 0 and 1 (e.g. 0.3), got %s",
                                       optarg);
            break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!db_path == !csv_path) return cli_usage_error(cmd, "give exactly one of --db FILE or --csv FILE");
    if (!model_path) return cli_usage_error(cmd, "missing --model MODEL");
    if (db_path && out) return cli_usage_error(cmd, "with --db, write scores with --out-lines and --out-orders");
    if (csv_path && (out_lines || out_orders || from_text))
        return cli_usage_error(cmd, "--from, --out-lines and --out-orders apply only with --db");
    if (csv_path && threshold_text)
        return cli_usage_error(cmd, "--threshold applies only with --db; with --csv the predicted label uses the "
                               "model's own threshold");
    if (csv_path && !out) return cli_usage_error(cmd, "--csv needs --out CSV (the scores file to write)");

    char model_file[4096];
    int rc_model = cli_resolve_model(cmd, model_path, model_file, sizeof model_file);
    if (rc_model != CLI_EXIT_OK) return rc_model;
    model_path = model_file;
    if (db_path && cli_db_missing(cmd, db_path) != CLI_EXIT_OK) return CLI_EXIT_IO;
    if (!cli_check_readable(cmd, db_path ? "database" : "input", db_path ? db_path : csv_path)) return CLI_EXIT_IO;
    if (csv_path && cli_is_dir(csv_path))
        return cli_usage_error(cmd, "input '%s' is a folder; --csv names one CSV file", csv_path);
    const char *outs[3] = {out_lines, out_orders, out};
    {
        const char *out_names[] = {"--out-lines", "--out-orders", "--out"};
        char metrics_path[4096];
        int has_metrics = cli_sibling_path(model_path, "metrics.json", metrics_path, sizeof metrics_path);
        const char *inputs[] = {model_path, has_metrics ? metrics_path : NULL, csv_path};
        const char *input_names[] = {"the model", "the model's metrics", "the input"};
        int rc = cli_check_outputs(cmd, db_path, inputs, input_names, 3, outs, out_names, 3);
        if (rc != CLI_EXIT_OK) return rc;
    }
    for (int i = 0; i < 3; i++)
        if (outs[i] && !cli_make_parent(cmd, outs[i])) return CLI_EXIT_IO;

    double t0 = cli_now();
    as_error err;
    memset(&err, 0, sizeof err);
    as_model *model = NULL;
    as_status st = as_model_load(model_path, &model, &err);
    if (st != AS_OK) {
        int rc = cli_fail(cmd, st, &err);
        if (st == AS_ERR_PARSE || st == AS_ERR_FORMAT || st == AS_ERR_INVALID) cli_model_hint(model_path);
        return rc;
    }

    as_score_stats s;
    memset(&s, 0, sizeof s);
    if (db_path) {
        as_db *db = NULL;
        int rc = cli_open_db(cmd, db_path, 1, &db);
        if (rc != CLI_EXIT_OK) {
            as_model_free(model);
            return rc;
        }
        sp.lines_csv = out_lines;
        sp.orders_csv = out_orders;
        st = as_score_db(db, model, &sp, &s, &err);
        as_db_close(db);
    } else {
        st = as_score_csv(model, csv_path, out, &s, &err);
    }
    cli_progress_clear();
    as_model_free(model);
    if (st != AS_OK) return cli_fail(cmd, st, &err);
    double seconds = cli_now() - t0;

    if (db_path && s.foreign_model)
        cli_warnf(cmd, "the model %s was trained on another shop's database; its risks say little about the orders "
                  "of %s: train one on this database", model_path, db_path);
    if (s.unseen_categories > 0) {
        /* "3 rows have a text value the model never saw in training (first: row 12: shop=atlantis); …" */
        const int one = s.unseen_categories == 1;
        char first[sizeof s.first_unseen + 16] = "";
        if (s.first_unseen[0])
            snprintf(first, sizeof first, " (%s%.*s)", one ? "" : "first: ", (int)sizeof s.first_unseen,
                     s.first_unseen);
        cli_warnf(cmd, "%s %s a text value the model never saw in training%s; %s as all zeros (the model learned "
                  "nothing about such values), so %s less reliable",
                  cli_nouns(s.unseen_categories, db_path ? "line" : "row", db_path ? "lines" : "rows"),
                  one ? "has" : "have", first, one ? "it encodes" : "they encode",
                  one ? "its score is" : "their scores are");
    }
    char skipped[96] = "";
    if (s.skipped_missing > 0)
        snprintf(skipped, sizeof skipped, ", %s not scored (missing values)",
                 cli_nouns(s.skipped_missing, db_path ? "line" : "row", db_path ? "lines" : "rows"));

    const int classes = s.n_classes > 2 ? s.n_classes : 0;   /* 0: binary */
    const int order_model = db_path && s.target_level == AS_TARGET_ORDER;
    char thr_text[64];
    if (isnan(s.threshold)) snprintf(thr_text, sizeof thr_text, "predicted class not 'none'");
    else snprintf(thr_text, sizeof thr_text, "%s", cli_num(s.threshold, 4));
    if (cli_verbosity_level == CLI_QUIET) {
        /* The files written, as the other commands' one-line summaries name theirs. */
        char wrote[8400] = "";
        if (db_path && (out_lines || out_orders))
            snprintf(wrote, sizeof wrote, ", wrote %s%s%s", out_lines ? out_lines : "",
                     out_lines && out_orders ? " and " : "", out_orders ? out_orders : "");
        if (order_model)
            printf("score: %s, mean risk %s, %s flagged at %s in %s%s\n", cli_nouns(s.orders, "order", "orders"),
                   cli_pct(s.mean_risk), cli_nouns(s.flagged_orders, "order", "orders"), thr_text,
                   cli_duration(seconds), wrote);
        else if (classes >= 3 && !db_path)
            printf("score: %s, %d classes, mean probability of the predicted class %s%s in %s, wrote %s\n",
                   cli_nouns(s.lines, "row", "rows"), classes, cli_pct(s.mean_risk), skipped, cli_duration(seconds),
                   out);
        else if (db_path)
            printf("score: %s in %s, mean risk %s, %s / %s flagged at %s%s in %s%s\n",
                   cli_nouns(s.lines, "line", "lines"), cli_nouns(s.orders, "order", "orders"), cli_pct(s.mean_risk),
                   cli_nouns(s.flagged_lines, "line", "lines"), cli_nouns(s.flagged_orders, "order", "orders"),
                   thr_text, skipped, cli_duration(seconds), wrote);
        else
            printf("score: %s, mean probability %s, %s flagged at %s%s in %s, wrote %s\n",
                   cli_nouns(s.lines, "row", "rows"), cli_pct(s.mean_risk), cli_count(s.flagged_lines),
                   cli_num(s.threshold, 4), skipped, cli_duration(seconds), out);
    } else {
        const char *row = "  %-22s %s\n";
        const char *thr_src = threshold_text ? "(--threshold)" : "(the model's own)";
        double line_share = s.lines > 0 ? (double)s.flagged_lines / (double)s.lines : NAN;
        if (db_path) {
            double order_share = s.orders > 0 ? (double)s.flagged_orders / (double)s.orders : NAN;
            printf("score: %s with %s\n", db_path, model_path);
            printf(row, "scored from", sp.from ? cli_datetime(sp.from) : "the first purchase");
            if (!order_model) printf(row, "purchase lines", cli_count(s.lines));
            printf(row, "orders", cli_count(s.orders));
            if (classes >= 3) printf("  %-22s %d (risk: 1 - probability of 'none')\n", "classes", classes);
            printf(row, "mean risk", cli_pct(s.mean_risk));
            if (isnan(s.threshold)) printf(row, "flag rule", thr_text);
            else printf("  %-22s %s %s\n", "threshold for flags", thr_text, thr_src);
            if (!order_model)
                printf("  %-22s %s (%s)\n", "flagged lines", cli_count(s.flagged_lines), cli_pct(line_share));
            printf("  %-22s %s (%s)\n", "flagged orders", cli_count(s.flagged_orders), cli_pct(order_share));
        } else if (classes >= 3) {
            printf("score: %s with %s\n", csv_path, model_path);
            printf(row, "rows", cli_count(s.lines));
            printf("  %-22s %d\n", "classes", classes);
            printf(row, "mean top probability", cli_pct(s.mean_risk));
            printf("  %-22s %s\n", "predicted class", "the most probable one");
        } else {
            printf("score: %s with %s\n", csv_path, model_path);
            printf(row, "rows", cli_count(s.lines));
            printf(row, "mean probability", cli_pct(s.mean_risk));
            printf("  %-22s %s %s\n", "threshold for label", cli_num(s.threshold, 4), thr_src);
            printf("  %-22s %s (%s)\n", "predicted positive", cli_count(s.flagged_lines), cli_pct(line_share));
        }
        if (s.skipped_missing > 0) {
            printf(row, "not scored", cli_count(s.skipped_missing));
            printf("    %s %s a missing value the model needs; the model was trained without missing values,\n"
                   "    so %s left without a score\n", s.skipped_missing == 1 ? "this" : "these",
                   s.skipped_missing == 1 ? (db_path ? "line has" : "row has") : (db_path ? "lines have" : "rows have"),
                   s.skipped_missing == 1 ? "it is" : "they are");
        }
        printf(row, "elapsed", cli_duration(seconds));
        if (db_path) {
            if (out_lines) printf("wrote %s (risk per purchase line)\n", out_lines);
            if (out_orders) printf("wrote %s (risk per order%s)\n", out_orders, order_model ? ", by the order-level model" : "");
            if (!out_lines && !out_orders)
                printf("No file written: add --out-lines CSV and/or --out-orders CSV to keep the scores.\n");
        } else {
            if (classes >= 3)
                printf("wrote %s (row, predicted class, a probability per class, top reasons)\n", out);
            else
                printf("wrote %s (row, probability, predicted label, top reasons)\n", out);
        }
    }
    if ((order_model ? s.orders : s.lines) == 0)
        cli_warnf(cmd, "nothing was scored%s", sp.from ? "; is --from after the last purchase?" : "");
    return CLI_EXIT_OK;
}
