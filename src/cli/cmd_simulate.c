/*
 * cmd_simulate.c — `aftersales simulate`: the embedded simulated shop written as canonical CSV files
 * (as_simulate), with its planted ground truth.
 */
#define _GNU_SOURCE   /* getopt_long */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cmd_simulate_usage(FILE *out) {
    as_sim_params d = as_sim_params_default();
    fprintf(out,
            "Usage: aftersales simulate --out DIR [options]\n"
            "\n"
            "Write a simulated shop as canonical CSV files.\n"
            "\n"
            "Folder DIR gets customers.csv, products.csv, orders.csv, order_lines.csv, cases.csv and\n"
            "reviews.csv, plus the planted ground truth (truth_products.csv, truth_customers.csv,\n"
            "truth_carriers.csv). customers.csv holds fake personal data (name, email, phone, street) for the\n"
            "ingest to pseudonymize. The same seed and sizes give the same files; memory does not grow with\n"
            "--lines. Load them with 'aftersales ingest --preset canonical'. docs/simulated-shop.md describes\n"
            "the model.\n"
            "\n"
            "Options:\n"
            "  --out DIR         folder to write, created when absent (required)\n"
            "  --seed N          random seed (default: %llu)\n"
            "  --lines N         about this many purchase lines (default: %lld)\n"
            "  --customers N     number of customers (default: %d)\n"
            "  --products N      number of products (default: %d)\n"
            "  --days N          the shop runs for N days (default: %d)\n"
            "  -q, --quiet       print only errors and a one-line summary\n"
            "  -v, --verbose     print more detail\n"
            "  -h, --help        show this help\n"
            "\n"
            "Example:\n"
            "  aftersales simulate --out sim --seed 7 --lines 200000\n",
            (unsigned long long)d.seed, (long long)d.order_lines, d.n_customers, d.n_products, d.days);
}

/* What was simulated: a block, or one line with --quiet. */
static void print_stats(const char *dir, const as_sim_stats *s, double seconds) {
    if (cli_verbosity_level == CLI_QUIET) {
        printf("simulate: %s, %s, %s into %s in %s\n", cli_nouns(s->order_lines, "purchase line", "purchase lines"),
               cli_nouns(s->orders, "order", "orders"), cli_nouns(s->cases, "case", "cases"), dir,
               cli_duration(seconds));
        return;
    }
    const char *row = "  %-22s %s\n";
    printf("simulate: a shop written to %s\n", dir);
    printf(row, "customers", cli_count(s->customers));
    printf("  %-22s %s (%s with a planted defect)\n", "products", cli_count(s->products),
           cli_count(s->defective_products));
    printf(row, "orders", cli_count(s->orders));
    printf(row, "purchase lines", cli_count(s->order_lines));
    printf(row, "after-sales cases", cli_count(s->cases));
    printf(row, "reviews", cli_count(s->reviews));
    printf(row, "elapsed", cli_duration(seconds));
}

int cmd_simulate(int argc, char **argv) {
    static const char cmd[] = "simulate";
    enum { OPT_OUT = CLI_OPT_FIRST, OPT_SEED, OPT_LINES, OPT_CUSTOMERS, OPT_PRODUCTS, OPT_DAYS };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"out", required_argument, NULL, OPT_OUT},
        {"seed", required_argument, NULL, OPT_SEED},
        {"lines", required_argument, NULL, OPT_LINES},
        {"customers", required_argument, NULL, OPT_CUSTOMERS},
        {"products", required_argument, NULL, OPT_PRODUCTS},
        {"days", required_argument, NULL, OPT_DAYS},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL;
    as_sim_params sp = as_sim_params_default();
    int64_t seed;

    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        switch (c) {
        case CLI_OPT_HELP: cmd_simulate_usage(stdout); return CLI_EXIT_OK;
        case OPT_OUT:
            if (cli_refuse_dash(cmd, "--out", optarg, "sim")) return CLI_EXIT_USAGE;
            dir = optarg;
            break;
        case OPT_SEED:
            if (!cli_parse_int64(cmd, "--seed", optarg, 0, INT64_MAX, &seed)) return CLI_EXIT_USAGE;
            sp.seed = (uint64_t)seed;
            break;
        case OPT_LINES:
            if (!cli_parse_int64(cmd, "--lines", optarg, 1, INT64_C(1000000000), &sp.order_lines))
                return CLI_EXIT_USAGE;
            break;
        case OPT_CUSTOMERS:
            if (!cli_parse_int(cmd, "--customers", optarg, 1, 100000000, &sp.n_customers)) return CLI_EXIT_USAGE;
            break;
        case OPT_PRODUCTS:
            if (!cli_parse_int(cmd, "--products", optarg, 1, 100000000, &sp.n_products)) return CLI_EXIT_USAGE;
            break;
        case OPT_DAYS:
            if (!cli_parse_int(cmd, "--days", optarg, 1, 36500, &sp.days)) return CLI_EXIT_USAGE;
            break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!dir) return cli_usage_error(cmd, "missing --out DIR (the folder to write)");
    if (!cli_mkdir_p(cmd, dir)) return CLI_EXIT_IO;

    double t0 = cli_now();
    as_sim_stats s;
    memset(&s, 0, sizeof s);
    as_error err;
    memset(&err, 0, sizeof err);
    as_status st = as_simulate(&sp, dir, &s, &err);
    cli_progress_clear();
    if (st != AS_OK) return cli_fail(cmd, st, &err);
    print_stats(dir, &s, cli_now() - t0);
    cli_printf("Load it with: aftersales ingest --preset canonical --db shop.db %s\n", dir);
    return CLI_EXIT_OK;
}
