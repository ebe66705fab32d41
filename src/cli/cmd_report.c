/*
 * cmd_report.c — `aftersales report`: the after-sales report as one self-contained HTML page (as_report).
 */
#define _GNU_SOURCE   /* getopt_long */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cmd_report_usage(FILE *out) {
    as_report_params d = as_report_params_default();
    fprintf(out,
            "Usage: aftersales report --db FILE [--model FILE] [--out report.html] [options]\n"
            "\n"
            "Write the after-sales report: one HTML file with everything inline (charts as SVG, no script, nothing\n"
            "fetched), so it opens offline, prints, and survives being e-mailed. Sections: the shop at a glance, the\n"
            "return rate over time, the risk model (validation, ROC, precision-recall, calibration, top-k, the flag\n"
            "threshold, what drives the score), quality alerts (funnel plot, ranked table with onset, weekly\n"
            "sparkline and reasons), the riskiest open orders, and data quality (files read, rejects, missing\n"
            "values). A section whose data is missing says which command produces it. Customers appear only by\n"
            "their shop id or pseudonym (docs/report.md).\n"
            "\n"
            "Options:\n"
            "  --db FILE           database from 'aftersales ingest' (default: shop.db)\n"
            "  --model FILE        model from 'aftersales train' (a file, or the folder holding model.json);\n"
            "                      default: the model last trained on this database\n"
            "  --out FILE          the page to write (default: report.html next to the database)\n"
            "  --title TEXT        the page's title (default: \"After-sales report\")\n"
            "  --top-orders N      riskiest open orders listed (default: %d)\n"
            "  --top-alerts N      quality alerts listed (default: %d)\n"
            "  --funnels N         funnel plots, one per peer group of the top product alerts (default: %d)\n"
            "  -q, --quiet         print only errors and a one-line summary\n"
            "  -v, --verbose       print more detail\n"
            "  -h, --help          show this help\n"
            "\n"
            "Example:\n"
            "  aftersales report --db shop.db --model model/model.json --out report.html\n",
            d.top_orders, d.top_alerts, d.max_funnels);
}

int cmd_report(int argc, char **argv) {
    static const char cmd[] = "report";
    enum { OPT_DB = CLI_OPT_FIRST, OPT_MODEL, OPT_OUT, OPT_TITLE, OPT_TOP_ORDERS, OPT_TOP_ALERTS, OPT_FUNNELS };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"db", required_argument, NULL, OPT_DB},
        {"model", required_argument, NULL, OPT_MODEL},
        {"out", required_argument, NULL, OPT_OUT},
        {"title", required_argument, NULL, OPT_TITLE},
        {"top-orders", required_argument, NULL, OPT_TOP_ORDERS},
        {"top-alerts", required_argument, NULL, OPT_TOP_ALERTS},
        {"funnels", required_argument, NULL, OPT_FUNNELS},
        {NULL, 0, NULL, 0},
    };
    const char *db_path = "shop.db", *model_arg = NULL;
    as_report_params rp = as_report_params_default();
    char default_out[4096], model_path[4096];
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        int ok = 1;
        switch (c) {
        case CLI_OPT_HELP: cmd_report_usage(stdout); return CLI_EXIT_OK;
        case OPT_DB: db_path = optarg; break;
        case OPT_MODEL: model_arg = optarg; break;
        case OPT_OUT: rp.out_html = optarg; break;
        case OPT_TITLE: rp.title = optarg; break;
        case OPT_TOP_ORDERS: ok = cli_parse_int(cmd, "--top-orders", optarg, 0, 1000, &rp.top_orders); break;
        case OPT_TOP_ALERTS: ok = cli_parse_int(cmd, "--top-alerts", optarg, 0, 1000, &rp.top_alerts); break;
        case OPT_FUNNELS: ok = cli_parse_int(cmd, "--funnels", optarg, 0, 12, &rp.max_funnels); break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
        if (!ok) return CLI_EXIT_USAGE;
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!*db_path) return cli_usage_error(cmd, "--db is empty; name the database from 'aftersales ingest'");
    if (rp.out_html && !*rp.out_html) return cli_usage_error(cmd, "--out is empty; name the page to write");
    if (model_arg && !*model_arg) return cli_usage_error(cmd, "--model is empty; name a model file or its folder");
    if (!rp.out_html) {
        if (!cli_sibling_path(db_path, "report.html", default_out, sizeof default_out))
            return cli_usage_error(cmd, "the database path is too long to place report.html beside it; give --out");
        rp.out_html = default_out;
    }
    if (model_arg) {
        int rc = cli_resolve_model(cmd, model_arg, model_path, sizeof model_path);
        if (rc != CLI_EXIT_OK) return rc;
        rp.model_path = model_path;
    }
    {
        char metrics_path[4096];
        int has_metrics = rp.model_path && cli_sibling_path(rp.model_path, "metrics.json", metrics_path,
                                                            sizeof metrics_path);
        const char *inputs[] = {rp.model_path, has_metrics ? metrics_path : NULL};
        const char *input_names[] = {"the model", "the model's metrics"};
        const char *outs[] = {rp.out_html}, *out_names[] = {"--out"};
        int rc = cli_check_outputs(cmd, db_path, inputs, input_names, 2, outs, out_names, 1);
        if (rc != CLI_EXIT_OK) return rc;
    }
    if (!cli_make_parent(cmd, rp.out_html)) return CLI_EXIT_IO;

    as_db *db = NULL;
    int rc = cli_open_db(cmd, db_path, 1, &db);
    if (rc != CLI_EXIT_OK) return rc;
    rp.progress = cli_progress;
    as_report_stats s;
    as_error err;
    memset(&err, 0, sizeof err);
    as_status st = as_report(db, &rp, &s, &err);
    cli_progress_clear();
    as_db_close(db);
    if (st != AS_OK) {
        if (rp.model_path && (st == AS_ERR_FORMAT || st == AS_ERR_PARSE)) cli_model_hint(model_arg);
        return cli_fail(cmd, st, &err);
    }
    if (s.foreign_model)
        cli_warnf(cmd, "the model %s was trained on another shop's database: the page says so and does not score "
                  "this shop's open orders with it", s.model_path);
    if (s.weak_model) cli_warnf(cmd, "the model barely ranks on its test rows; the page warns its readers");
    if (cli_verbosity_level == CLI_QUIET) {
        printf("report: wrote %s (%s KB, %s) in %s\n", rp.out_html, cli_count((s.bytes + 512) / 1024),
               cli_nouns(s.charts, "chart", "charts"), cli_duration(s.seconds));
        return CLI_EXIT_OK;
    }
    const char *row = "  %-22s %s\n";
    printf("report: %s\n", rp.out_html);
    printf(row, "model", s.model_path[0] ? s.model_path : "none (the model sections say how to add one)");
    printf(row, "charts", cli_count(s.charts));
    printf(row, "quality alerts listed", cli_count(s.alerts_listed));
    printf("  %-22s %s scored, %s listed\n", "open orders", cli_count(s.open_orders), cli_count(s.open_orders_listed));
    if (s.missing_sections)
        printf(row, "notes on missing data", cli_nouns(s.missing_sections, "note (see the page)", "notes (see the page)"));
    printf("  %-22s %s KB\n", "size", cli_count((s.bytes + 512) / 1024));
    printf(row, "elapsed", cli_duration(s.seconds));
    char *abs = realpath(rp.out_html, NULL);
    printf("Open it in a browser: file://%s\n", abs ? abs : rp.out_html);
    free(abs);
    return CLI_EXIT_OK;
}
