/*
 * cmd_build.c — `aftersales build`: labels (a case within the horizon) and point-in-time features (as_build).
 */
#define _GNU_SOURCE   /* getopt_long */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cmd_build_usage(FILE *out) {
    as_build_params d = as_build_params_default();
    fprintf(out,
            "Usage: aftersales build [options]\n"
            "\n"
            "Compute return labels and point-in-time features in the database.\n"
            "\n"
            "One feature row per purchase line (table 'features'): the label says whether an after-sales\n"
            "case opened within the horizon, and every feature counts only facts strictly before the order.\n"
            "Purchases whose horizon reaches past the end of the data stay unlabelled. One row per order\n"
            "(table 'order_features') sums up its lines. Both tables carry three targets: any case (label),\n"
            "the kind of the first case (label_kind) and its reason class (label_reason). The columns are\n"
            "described in docs/features.md.\n"
            "\n"
            "Options:\n"
            "  --db FILE        database made by 'aftersales ingest' (default: shop.db)\n"
            "  --horizon DAYS   a purchase is positive when a case opens within this many days (default: %d)\n"
            "  --moment WHEN    when the score is used: 'order' (at the purchase; default) or 'delivery'\n"
            "                   (after delivery: the order's own days to delivery and days late are features)\n"
            "  --hash-buckets N hashed-word features per text source (product descriptions, earlier case\n"
            "                   reasons of the product); 0 = none (default: %d, at most %d)\n"
            "  --features SET   all (default: the whole feature library, both tables) or main (only the main job's\n"
            "                   36 numeric columns: about a quarter of the database and memory, no windows, no\n"
            "                   hashed words, no order table; for shops too large for the library, then\n"
            "                   'train --features main')\n"
            "  -q, --quiet      print only errors and a one-line summary\n"
            "  -v, --verbose    print more detail\n"
            "  -h, --help       show this help\n"
            "\n"
            "Example:\n"
            "  aftersales build --db shop.db --horizon 60\n"
            "  aftersales build --db shop.db --moment delivery --hash-buckets 32\n"
            "  aftersales build --db big.db --features main\n",
            d.horizon_days, d.hash_buckets, AS_BUILD_MAX_HASH_BUCKETS);
}

/* One target's classes as a small table: name, count, share of the labelled rows. */
static void class_table(const char *title, const as_class_balance *b) {
    int64_t total = 0;
    for (int i = 0; i < b->n; i++) total += b->count[i];
    printf("  %s\n", title);
    for (int i = 0; i < b->n; i++)
        printf("    %-20s %12s  %7s\n", b->name[i], cli_count(b->count[i]),
               cli_pct(total ? (double)b->count[i] / (double)total : NAN));
}

static void balance_table(const char *title, int64_t negatives, int64_t positives) {
    as_class_balance b;
    memset(&b, 0, sizeof b);
    b.n = 2;
    snprintf(b.name[0], sizeof b.name[0], "0 (no case)");
    snprintf(b.name[1], sizeof b.name[1], "1 (a case)");
    b.count[0] = negatives;
    b.count[1] = positives;
    class_table(title, &b);
}

int cmd_build(int argc, char **argv) {
    static const char cmd[] = "build";
    enum { OPT_DB = CLI_OPT_FIRST, OPT_HORIZON, OPT_MOMENT, OPT_HASH, OPT_FEATURES };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"db", required_argument, NULL, OPT_DB},
        {"horizon", required_argument, NULL, OPT_HORIZON},
        {"moment", required_argument, NULL, OPT_MOMENT},
        {"hash-buckets", required_argument, NULL, OPT_HASH},
        {"features", required_argument, NULL, OPT_FEATURES},
        {NULL, 0, NULL, 0},
    };
    const char *db_path = "shop.db";
    as_build_params bp = as_build_params_default();

    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        switch (c) {
        case CLI_OPT_HELP: cmd_build_usage(stdout); return CLI_EXIT_OK;
        case OPT_DB: db_path = optarg; break;
        case OPT_HORIZON:
            if (!cli_parse_int(cmd, "--horizon", optarg, 1, 3650, &bp.horizon_days)) return CLI_EXIT_USAGE;
            break;
        case OPT_MOMENT: {
            static const char *const names[] = {"order", "delivery", NULL};
            static const int values[] = {AS_MOMENT_ORDER, AS_MOMENT_DELIVERY};
            if (!cli_parse_choice(cmd, "--moment", optarg, names, values, &bp.moment)) return CLI_EXIT_USAGE;
            break;
        }
        case OPT_HASH:
            if (!cli_parse_int(cmd, "--hash-buckets", optarg, 0, AS_BUILD_MAX_HASH_BUCKETS, &bp.hash_buckets))
                return CLI_EXIT_USAGE;
            break;
        case OPT_FEATURES:
            if (!cli_parse_choice(cmd, "--features", optarg, cli_feature_set_names, cli_feature_set_values,
                                  &bp.feature_set))
                return CLI_EXIT_USAGE;
            break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    double t0 = cli_now();
    as_db *db = NULL;
    int rc = cli_open_db(cmd, db_path, 1, &db);
    if (rc != CLI_EXIT_OK) return rc;
    bp.progress = cli_progress;
    bp.progress_user = NULL;
    as_build_stats s;
    memset(&s, 0, sizeof s);
    as_error err;
    memset(&err, 0, sizeof err);
    as_status st = as_build(db, &bp, &s, &err);
    cli_progress_clear();
    as_db_close(db);
    if (st != AS_OK) return cli_fail(cmd, st, &err);

    double seconds = cli_now() - t0;
    double pos_rate = s.labelled > 0 ? (double)s.positives / (double)s.labelled : NAN;
    if (cli_verbosity_level == CLI_QUIET) {
        printf("build: %s, %s labelled, %s (%s) in %s\n",
               cli_nouns(s.purchase_lines, "purchase line", "purchase lines"), cli_count(s.labelled),
               cli_nouns(s.positives, "positive", "positives"), cli_pct(pos_rate), cli_duration(seconds));
        return CLI_EXIT_OK;
    }
    /* The class balance first, the summary of the build last: the lines a reader sees when the command ends. */
    if (s.labelled > 0) {
        printf("class balance (labelled rows)\n");
        const int orders = bp.feature_set != AS_FEATURES_MAIN;   /* the main set writes no order table */
        balance_table("line, any case", s.labelled - s.positives, s.positives);
        if (orders) balance_table("order, any case", s.orders_labelled - s.order_positives, s.order_positives);
        class_table("line, case kind", &s.line_kind);
        if (orders) class_table("order, case kind", &s.order_kind);
        class_table("line, reason class", &s.line_reason);
        if (orders) class_table("order, reason class", &s.order_reason);
        printf("\n");
    }
    const char *row = "  %-22s %s\n";
    printf("build: features and labels in %s (horizon %s)\n", db_path, cli_nouns(bp.horizon_days, "day", "days"));
    printf(row, "feature rows", cli_count(s.purchase_lines));
    if (s.lines_without_customer > 0)
        printf("  %-22s %s more purchase lines have no customer to match returns to or build a history for: "
               "they are not feature rows\n", "", cli_count(s.lines_without_customer));
    printf(row, "labelled", cli_count(s.labelled));
    printf("  %-22s %s (%s of labelled)\n", "positives", cli_count(s.positives), cli_pct(pos_rate));
    printf("  %-22s %s to %s\n", "data range", cli_datetime(s.data_start), cli_datetime(s.data_end));
    printf(row, "labelled until", cli_datetime(s.label_until));
    double order_rate = s.orders_labelled > 0 ? (double)s.order_positives / (double)s.orders_labelled : NAN;
    printf(row, "orders", cli_count(s.orders));
    printf("  %-22s %s labelled, %s positive (%s)\n", "", cli_count(s.orders_labelled), cli_count(s.order_positives),
           cli_pct(order_rate));
    printf("  %-22s %d (numeric and categorical, line table; moment: %s%s)\n", "feature columns", s.n_features,
           bp.moment == AS_MOMENT_DELIVERY ? "delivery" : "order",
           bp.feature_set == AS_FEATURES_MAIN ? "; the main set only, no order table" : "");
    if (cli_verbosity_level >= CLI_VERBOSE)
        printf("  %-22s features (one row per purchase line)%s in %s\n", "tables",
               bp.feature_set == AS_FEATURES_MAIN ? "" : ", order_features (one per order)", db_path);
    printf(row, "elapsed", cli_duration(seconds));
    if (s.labelled == 0)
        cli_warnf(cmd, "no purchase is labelled: the data spans less than the %s-day horizon; try a shorter "
                  "--horizon", cli_count(bp.horizon_days));
    return CLI_EXIT_OK;
}
