/*
 * cmd_export.c — `aftersales export`: the feature table as one flat CSV (as_export_csv), the file the analysts'
 * flat flow reads: `aftersales train --csv`, the seed script in pandas + scikit-learn, bench/flat_to_libsvm.py.
 */
#define _GNU_SOURCE   /* getopt_long */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cmd_export_usage(FILE *out) {
    fprintf(out,
            "Usage: aftersales export --db FILE --out FLAT.csv [--target line|order] [--label any|kind|reason]\n"
            "                         [--features all|main] [--all-rows] [--ids]\n"
            "\n"
            "Write the feature table of 'aftersales build' as one flat CSV file: one row per labelled purchase line\n"
            "(or order), the model's input columns exactly as 'aftersales train --db' reads them with the same\n"
            "--target, --label and --features, then country, then the target as the last column, named 'label'.\n"
            "It is the file the analysts' flat flow reads: 'aftersales train --csv FLAT.csv --target label', or\n"
            "pandas.read_csv.\n"
            "\n"
            "A column that is empty (NULL) on every exported row is left out and named in the summary: a flat\n"
            "reader that drops rows with missing values would otherwise drop them all. Other NULL cells are empty\n"
            "fields. Numbers are written so that they read back to the same double (%%.17g); text is quoted when it\n"
            "holds a comma, a quote or a line break. The file is written under FLAT.csv.part and renamed when\n"
            "complete.\n"
            "\n"
            "Options:\n"
            "  --db FILE          database with features from 'aftersales build' (default: shop.db)\n"
            "  --out FILE         the CSV file to write (required; its folder is created when missing)\n"
            "  --target LEVEL     line (default: one row per purchase line, table features) or order (one row\n"
            "                     per order, table order_features)\n"
            "  --label WHAT       what the label column holds: any (default: 1 when a case opened within the\n"
            "                     build's horizon, else 0), kind (the case kind, 'none' without a case) or\n"
            "                     reason (the reason class)\n"
            "  --features SET     all (default: every model-input column build wrote) or main (the main job's\n"
            "                     36 numeric columns and category; line level only)\n"
            "  --all-rows         every row, also those whose label is not known yet (their label is empty)\n"
            "  --ids              add the identifiers first (order_id, line_no, customer_id, product_id; at order\n"
            "                     level order_id, customer_id); without it the file holds no identifiers\n"
            "  -q, --quiet        print only errors and a one-line summary\n"
            "  -v, --verbose      print more detail\n"
            "  -h, --help         show this help\n"
            "\n"
            "Example:\n"
            "  aftersales export --db shop.db --features main --out flat.csv\n"
            "  aftersales train --csv flat.csv --target label --out flatmodel/model.json\n");
}

int cmd_export(int argc, char **argv) {
    static const char cmd[] = "export";
    enum { OPT_DB = CLI_OPT_FIRST, OPT_OUT, OPT_TARGET, OPT_LABEL, OPT_FEATURES, OPT_ALL_ROWS, OPT_IDS };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"db", required_argument, NULL, OPT_DB},
        {"out", required_argument, NULL, OPT_OUT},
        {"target", required_argument, NULL, OPT_TARGET},
        {"label", required_argument, NULL, OPT_LABEL},
        {"features", required_argument, NULL, OPT_FEATURES},
        {"all-rows", no_argument, NULL, OPT_ALL_ROWS},
        {"ids", no_argument, NULL, OPT_IDS},
        {NULL, 0, NULL, 0},
    };
    const char *db_path = "shop.db";
    as_export_params ep = as_export_params_default();
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        int ok = 1;
        switch (c) {
        case CLI_OPT_HELP: cmd_export_usage(stdout); return CLI_EXIT_OK;
        case OPT_DB: db_path = optarg; break;
        case OPT_OUT: ep.out_csv = optarg; break;
        case OPT_TARGET:
            ok = cli_parse_choice(cmd, "--target", optarg, cli_level_names, cli_level_values, &ep.target_level);
            break;
        case OPT_LABEL:
            ok = cli_parse_choice(cmd, "--label", optarg, cli_label_names, cli_label_values, &ep.target_label);
            break;
        case OPT_FEATURES:
            ok = cli_parse_choice(cmd, "--features", optarg, cli_feature_set_names, cli_feature_set_values,
                                  &ep.feature_set);
            break;
        case OPT_ALL_ROWS: ep.labelled_only = 0; break;
        case OPT_IDS: ep.include_ids = 1; break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
        if (!ok) return CLI_EXIT_USAGE;
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!ep.out_csv || !*ep.out_csv) return cli_usage_error(cmd, "missing --out FLAT.csv (the file to write)");
    if (ep.target_level == AS_TARGET_ORDER && ep.feature_set == AS_FEATURES_MAIN)
        return cli_usage_error(cmd, "--features main is the first version's line features; order-level exports use "
                               "--features all (the default)");
    {
        const char *outs[] = {ep.out_csv}, *out_names[] = {"--out"};
        int rc = cli_check_outputs(cmd, db_path, NULL, NULL, 0, outs, out_names, 1);
        if (rc != CLI_EXIT_OK) return rc;
    }

    as_db *db = NULL;
    int rc = cli_open_db(cmd, db_path, 1, &db);
    if (rc != CLI_EXIT_OK) return rc;
    char created[4096];
    if (!cli_make_parent_tracked(cmd, ep.out_csv, created, sizeof created)) {
        as_db_close(db);
        return CLI_EXIT_IO;
    }
    ep.progress = cli_progress;
    as_export_stats s;
    as_error err;
    memset(&err, 0, sizeof err);
    as_status st = as_export_csv(db, &ep, &s, &err);
    cli_progress_clear();
    as_db_close(db);
    if (st != AS_OK) {
        cli_undo_make_parent(ep.out_csv, created);
        return cli_fail(cmd, st, &err);
    }
    const char *unit = ep.target_level == AS_TARGET_ORDER ? "order" : "line";
    const char *units = ep.target_level == AS_TARGET_ORDER ? "orders" : "lines";
    char size[64];
    if (s.bytes >= 10 * 1024 * 1024) snprintf(size, sizeof size, "%s MB", cli_count((s.bytes + (1 << 19)) >> 20));
    else snprintf(size, sizeof size, "%s KB", cli_count((s.bytes + 512) / 1024));
    if (cli_verbosity_level == CLI_QUIET) {
        char dropped[64] = "";
        if (s.columns_dropped_all_missing)
            snprintf(dropped, sizeof dropped, " (%d left out: empty on every row)", s.columns_dropped_all_missing);
        printf("export: %s, %s%s, %s in %s, wrote %s\n", cli_nouns(s.rows, unit, units),
               cli_nouns(s.columns, "column", "columns"), dropped, size, cli_duration(s.seconds), ep.out_csv);
        return CLI_EXIT_OK;
    }
    const char *row = "  %-22s %s\n";
    printf("export: %s\n", ep.out_csv);
    printf("  %-22s %s, %s label, %s features%s\n", "rows", cli_nouns(s.rows, unit, units),
           cli_label_names[ep.target_label], cli_feature_set_names[ep.feature_set],
           ep.labelled_only ? " (labelled only)" : " (every row)");
    char ids[48] = "";
    if (s.ids) snprintf(ids, sizeof ids, "%s, ", cli_nouns(s.ids, "id", "ids"));
    printf("  %-22s %s: %s%s model %s%s, label\n", "columns", cli_count(s.columns), ids, cli_count(s.inputs),
           cli_noun(s.inputs, "input", "inputs"), s.country ? ", country" : "");
    if (s.columns_dropped_all_missing)
        printf("  %-22s %d (empty on every row): %s\n", "columns left out", s.columns_dropped_all_missing, s.dropped);
    else
        printf(row, "columns left out", "none");
    printf(row, "size", size);
    printf(row, "elapsed", cli_duration(s.seconds));
    if (!s.ids)
        printf("Read it with: aftersales train --csv %s --target label --out flatmodel/model.json\n", ep.out_csv);
    else
        printf("The identifiers are not features; leave every one out of a model: aftersales train --csv %s "
               "--target label %s--out flatmodel/model.json\n", ep.out_csv,
               ep.target_level == AS_TARGET_ORDER ? "--drop order_id --drop customer_id "
                                                  : "--drop order_id --drop line_no --drop customer_id "
                                                    "--drop product_id ");
    return CLI_EXIT_OK;
}
