/*
 * cmd_demo.c — `aftersales demo`: the whole job of DESIGN.md §2 on the embedded simulated shop, in one go:
 * simulate → ingest (canonical) → build → train (time split) → score the test window → quality alerts → report.
 *
 * The demo is repeatable: it deletes DIR/shop.db before ingesting (an existing database would otherwise keep
 * the rows of an earlier run with other options) and overwrites the other files it writes.
 */
#define _GNU_SOURCE   /* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define N_STEPS 7
#define TOP_PRODUCTS 5

void cmd_demo_usage(FILE *out) {
    as_sim_params d = as_sim_params_default();
    fprintf(out,
            "Usage: aftersales demo [options]\n"
            "\n"
            "Run the whole after-sales job on the built-in simulated shop.\n"
            "\n"
            "Simulates the shop (DIR/shop/), ingests it (DIR/shop.db, recreated on every run), builds labels\n"
            "and features, trains with a time split (DIR/model.json, DIR/metrics.json), scores the test window\n"
            "(DIR/scores_lines.csv, DIR/scores_orders.csv), raises quality alerts (DIR/alerts.csv, DIR/alerts.json)\n"
            "and writes the report (DIR/report.html: one page to open in a browser).\n"
            "\n"
            "Options:\n"
            "  --out DIR       folder for everything the demo writes (default: demo-out)\n"
            "  --seed N        seed of the simulated shop (default: %llu)\n"
            "  --lines N       about this many purchase lines (default: %lld)\n"
            "  -q, --quiet     print only errors and the final list of files\n"
            "  -v, --verbose   print more detail (confusion counts, per-step figures)\n"
            "  -h, --help      show this help\n"
            "\n"
            "Example:\n"
            "  aftersales demo --out demo-out --seed 7 --lines 100000\n",
            (unsigned long long)d.seed, (long long)d.order_lines);
}

static int step_fail(const char *step, as_status st, const as_error *err) {
    cli_errorf("demo", "%s: %s", step, (err && err->msg[0]) ? err->msg : as_strerror(st));
    return cli_exit_code(st);
}

/* "[n/6] name  " — the start of each step's summary line. */
static void step_head(int n, const char *name) { cli_printf("[%d/%d] %-9s ", n, N_STEPS, name); }

/* Removes path when present; a missing file is fine. */
static int remove_if_present(const char *path) {
    if (unlink(path) == 0 || errno == ENOENT) return 1;
    cli_errorf("demo", "cannot remove '%s' to start afresh: %s", path, strerror(errno));
    return 0;
}

int cmd_demo(int argc, char **argv) {
    static const char cmd[] = "demo";
    enum { OPT_OUT = CLI_OPT_FIRST, OPT_SEED, OPT_LINES };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"out", required_argument, NULL, OPT_OUT},
        {"seed", required_argument, NULL, OPT_SEED},
        {"lines", required_argument, NULL, OPT_LINES},
        {NULL, 0, NULL, 0},
    };
    const char *dir = "demo-out";
    as_sim_params simp = as_sim_params_default();
    int64_t seed;

    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        switch (c) {
        case CLI_OPT_HELP: cmd_demo_usage(stdout); return CLI_EXIT_OK;
        case OPT_OUT:
            if (cli_refuse_dash(cmd, "--out", optarg, "demo-out")) return CLI_EXIT_USAGE;
            dir = optarg;
            break;
        case OPT_SEED:
            if (!cli_parse_int64(cmd, "--seed", optarg, 0, INT64_MAX, &seed)) return CLI_EXIT_USAGE;
            simp.seed = (uint64_t)seed;
            break;
        case OPT_LINES:
            if (!cli_parse_int64(cmd, "--lines", optarg, 100, INT64_C(1000000000), &simp.order_lines))
                return CLI_EXIT_USAGE;
            break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    enum { F_SHOP, F_DB, F_KEY, F_MODEL, F_METRICS, F_LINES, F_ORDERS, F_QUALITY, F_QUALITY_JSON, F_REPORT, N_FILES };
    static const char *const names[N_FILES] = {"shop", "shop.db", "shop.db.key", "model.json", "metrics.json",
                                               "scores_lines.csv", "scores_orders.csv", "alerts.csv", "alerts.json",
                                               "report.html"};
    static const char *const what[N_FILES] = {
        "simulated shop: canonical CSV files and the planted ground truth",
        "SQLite database: canonical tables, rejects, features",
        "pseudonymization key (kept between runs, so pseudonyms stay the same; keep it private)",
        "model: preprocessing and coefficients",
        "metrics of the train and test windows (JSON)",
        "risk per purchase line in the test window",
        "risk per order in the test window",
        "quality alerts: products, suppliers, sellers, categories; onset and reasons",
        "the same alerts as JSON",
        "the report: the shop, the model, quality alerts, open orders, data quality (open in a browser)",
    };
    char path[N_FILES][4096];
    for (int i = 0; i < N_FILES; i++)
        if (!cli_join_path(dir, names[i], path[i], sizeof path[i])) return cli_usage_error(cmd, "--out too long");
    char db_side[3][4096];
    static const char *const side_suffix[3] = {"-journal", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        int n = snprintf(db_side[i], sizeof db_side[i], "%s%s", path[F_DB], side_suffix[i]);
        if (n < 0 || (size_t)n >= sizeof db_side[i]) return cli_usage_error(cmd, "--out too long");
    }

    /* The demo replaces its own files on every run, but never a shop database it did not make: a shop.db in --out
     * is the demo's when the simulated shop's ground truth lies beside it (shop/truth_products.csv). */
    {
        char truth[4096];
        struct stat sb;
        if (stat(path[F_DB], &sb) == 0 &&
            (!cli_join_path(path[F_SHOP], "truth_products.csv", truth, sizeof truth) || stat(truth, &sb) != 0))
            return cli_usage_error(cmd, "%s already holds a shop database the demo did not make (%s); the demo "
                                   "would replace it: give it another folder, e.g. --out demo-out", dir, path[F_DB]);
    }

    double t_all = cli_now();
    cli_printf("aftersales demo: the whole after-sales job on the built-in simulated shop (seed %llu) into %s\n\n",
               (unsigned long long)simp.seed, dir);
    if (!cli_mkdir_p(cmd, dir)) return CLI_EXIT_IO;

    as_error err;
    memset(&err, 0, sizeof err);
    as_status st;
    double t;

    /* 1. simulate */
    t = cli_now();
    as_sim_stats sims;
    memset(&sims, 0, sizeof sims);
    st = as_simulate(&simp, path[F_SHOP], &sims, &err);
    cli_progress_clear();
    if (st != AS_OK) return step_fail("simulate", st, &err);
    step_head(1, "simulate");
    cli_printf("%s in %s, %s; %s of %s defective  (%s)\n",
               cli_nouns(sims.order_lines, "purchase line", "purchase lines"), cli_nouns(sims.orders, "order", "orders"),
               cli_nouns(sims.cases, "case", "cases"), cli_count(sims.defective_products),
               cli_nouns(sims.products, "product", "products"), cli_duration(cli_now() - t));

    /* 2. ingest into a fresh database */
    t = cli_now();
    if (!remove_if_present(path[F_DB])) return CLI_EXIT_IO;
    for (int i = 0; i < 3; i++)
        if (!remove_if_present(db_side[i])) return CLI_EXIT_IO;
    as_db *db = NULL;
    st = as_db_open(path[F_DB], &db, &err);
    if (st != AS_OK) return step_fail("ingest", st, &err);
    as_ingest_params ip = as_ingest_params_default();
    ip.preset = "canonical";
    ip.progress = cli_progress;
    as_ingest_stats is;
    memset(&is, 0, sizeof is);
    st = as_ingest(db, path[F_SHOP], &ip, &is, &err);
    cli_progress_clear();
    if (st != AS_OK) {
        as_db_close(db);
        return step_fail("ingest", st, &err);
    }
    step_head(2, "ingest");
    cli_printf("%s loaded, %s rejected: %s, %s, %s  (%s)\n", cli_nouns(is.loaded, "record", "records"),
               cli_count(is.rejected), cli_nouns(is.purchases, "purchase", "purchases"),
               cli_nouns(is.cases, "case", "cases"), cli_nouns(is.customers, "customer", "customers"),
               cli_duration(cli_now() - t));
    for (int i = 0; i < is.n_reject_reasons && i < 8; i++)
        cli_vprintf("      rejected: %.*s: %s\n", (int)sizeof is.reject_reason[i], is.reject_reason[i],
                    cli_count(is.reject_count[i]));
    cli_ingest_warnings(cmd, path[F_SHOP], "canonical", path[F_DB], &is);

    /* 3. build */
    t = cli_now();
    as_build_params bp = as_build_params_default();
    bp.progress = cli_progress;
    as_build_stats bs;
    memset(&bs, 0, sizeof bs);
    st = as_build(db, &bp, &bs, &err);
    cli_progress_clear();
    if (st != AS_OK) {
        as_db_close(db);
        return step_fail("build", st, &err);
    }
    step_head(3, "build");
    cli_printf("%s, %s labelled, %s came back (%s) within %s  (%s)\n",
               cli_nouns(bs.purchase_lines, "purchase line", "purchase lines"), cli_count(bs.labelled),
               cli_count(bs.positives), cli_pct(bs.labelled > 0 ? (double)bs.positives / (double)bs.labelled : 0),
               cli_nouns(bp.horizon_days, "day", "days"), cli_duration(cli_now() - t));
    cli_vprintf("      data %s to %s, labelled until %s\n", cli_datetime(bs.data_start), cli_datetime(bs.data_end),
                cli_datetime(bs.label_until));

    /* 4. train with the default time split; no PCA on the shop features */
    t = cli_now();
    as_train_params tp = as_train_params_default();
    tp.pca_variance = 0;
    tp.progress = cli_progress;
    as_model *model = NULL;
    as_metrics_report rep;
    memset(&rep, 0, sizeof rep);
    st = as_train_db(db, &tp, &model, &rep, &err);
    cli_progress_clear();
    if (st == AS_OK) st = as_model_save(model, path[F_MODEL], &err);
    snprintf(rep.model_file, sizeof rep.model_file, "%s", names[F_MODEL]);
    if (st == AS_OK) st = as_metrics_write_json(&rep, path[F_METRICS], &err);
    if (st == AS_OK) st = as_db_note_model(db, path[F_MODEL], &err);
    if (st != AS_OK) {
        as_model_free(model);
        as_db_close(db);
        return step_fail("train", st, &err);
    }
    step_head(4, "train");
    cli_printf("test ROC-AUC %s, PR-AUC %s, precision in the top 5%% %s (base rate %s)  (%s)\n",
               cli_num(rep.test.roc_auc, 4), cli_num(rep.test.pr_auc, 4), cli_pct(rep.test.precision_top5),
               cli_pct(rep.test.positive_rate), cli_duration(cli_now() - t));
    if (cli_verbosity_level >= CLI_NORMAL) {
        printf("      split: %s\n\n", rep.split_desc[0] ? rep.split_desc : "(not described)");
        cli_print_metrics_table(stdout, &rep.train, &rep.test);
        printf("\n");
    }
    int covered = cli_report_warnings(cmd, &rep);
    if (!rep.converged && !(covered & 1))
        cli_warnf(cmd, "train: the solver stopped after %s without converging (gradient norm %.3g)",
                  cli_nouns(rep.iterations, "iteration", "iterations"), rep.grad_norm);

    /* 5. score the test window: what an after-sales team would have seen for those orders */
    t = cli_now();
    as_score_params sp = as_score_params_default();
    sp.from = rep.test_start;
    sp.lines_csv = path[F_LINES];
    sp.orders_csv = path[F_ORDERS];
    as_score_stats ss;
    memset(&ss, 0, sizeof ss);
    st = as_score_db(db, model, &sp, &ss, &err);
    cli_progress_clear();
    as_model_free(model);
    if (st != AS_OK) {
        as_db_close(db);
        return step_fail("score", st, &err);
    }
    step_head(5, "score");
    cli_printf("%s in %s from %s, mean risk %s; %s flagged at %s  (%s)\n",
               cli_nouns(ss.lines, "purchase line", "purchase lines"), cli_nouns(ss.orders, "order", "orders"),
               sp.from ? cli_date(sp.from) : "the start", cli_pct(ss.mean_risk),
               cli_nouns(ss.flagged_orders, "order", "orders"), cli_num(ss.threshold, 4), cli_duration(cli_now() - t));

    /* 6. quality alerts */
    t = cli_now();
    as_quality_params qp = as_quality_params_default();
    qp.out_csv = path[F_QUALITY];
    qp.out_json = path[F_QUALITY_JSON];
    as_quality_stats qs;
    memset(&qs, 0, sizeof qs);
    st = as_quality(db, &qp, &qs, &err);
    cli_progress_clear();
    if (st != AS_OK) {
        as_db_close(db);
        return step_fail("quality", st, &err);
    }
    step_head(6, "quality");
    cli_printf("%s (%s, %s, %s, %s) among %s products, %s expected excess returns on products  (%s)\n",
               cli_nouns(qs.alerts, "quality alert", "quality alerts"),
               cli_nouns(qs.product_alerts, "product", "products"), cli_nouns(qs.supplier_alerts, "supplier", "suppliers"),
               cli_nouns(qs.seller_alerts, "seller", "sellers"), cli_nouns(qs.category_alerts, "category", "categories"),
               cli_count(qs.products), cli_amount(qs.excess_returns, 0), cli_duration(cli_now() - t));
    if (cli_verbosity_level >= CLI_NORMAL && qs.alerts > 0) {
        static const char *const cols[] = {"rank", "kind", "unit_id", "category", "signal", "sales", "cases", "rate",
                                           "baseline", "onset_date", "top_reasons", NULL};
        if (qs.alerts > TOP_PRODUCTS)
            printf("\n  Top %d of %s quality alerts (ranked by expected excess returns; all in %s):\n", TOP_PRODUCTS,
                   cli_count(qs.alerts), names[F_QUALITY]);
        else
            printf("\n  Quality alerts (ranked by expected excess returns):\n");
        cli_print_csv_head(cmd, path[F_QUALITY], TOP_PRODUCTS, cols);
    }

    /* 7. the report */
    t = cli_now();
    as_report_params rp = as_report_params_default();
    rp.out_html = path[F_REPORT];
    rp.model_path = path[F_MODEL];
    rp.progress = cli_progress;
    as_report_stats rs;
    st = as_report(db, &rp, &rs, &err);
    cli_progress_clear();
    as_db_close(db);
    if (st != AS_OK) return step_fail("report", st, &err);
    cli_printf("%s", cli_verbosity_level >= CLI_NORMAL && qs.alerts > 0 ? "\n" : "");
    step_head(7, "report");
    cli_printf("%s, %s charts, %s open orders scored, %s KB  (%s)\n", names[F_REPORT], cli_count(rs.charts),
               cli_count(rs.open_orders), cli_count((rs.bytes + 512) / 1024), cli_duration(cli_now() - t));

    /* The final summary is printed even with --quiet. */
    printf("%sFiles written:\n", cli_verbosity_level >= CLI_NORMAL ? "\n" : "");
    int width = 0;
    for (int i = 0; i < N_FILES; i++)
        if ((int)strlen(path[i]) + 1 > width) width = (int)strlen(path[i]) + 1;
    for (int i = 0; i < N_FILES; i++) {
        char shown[4100];
        snprintf(shown, sizeof shown, "%s%s", path[i], i == F_SHOP ? "/" : "");
        printf("  %-*s  %s\n", width, shown, what[i]);
    }
    printf("Total time %s\n", cli_duration(cli_now() - t_all));
    return CLI_EXIT_OK;
}
