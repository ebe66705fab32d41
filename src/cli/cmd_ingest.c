/*
 * cmd_ingest.c — `aftersales ingest`: shop exports → canonical tables of the SQLite database (as_ingest).
 */
#define _GNU_SOURCE   /* getopt_long */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_NA_TOKENS 64

void cmd_ingest_usage(FILE *out) {
    fprintf(out,
            "Usage: aftersales ingest [options] FILE\n"
            "\n"
            "Load a shop export into the SQLite database.\n"
            "\n"
            "Records are parsed, typed, cleaned and mapped to the canonical schema; bad records are kept in the\n"
            "rejects table with their line and reason. Loading the same data twice adds nothing the second time;\n"
            "records loaded before whose values changed are updated.\n"
            "\n"
            "When more than 5 %% of the records are rejected (often a stray quote, the wrong delimiter or the\n"
            "wrong preset), a warning on stderr gives the count, the share, the most common reason and the\n"
            "sqlite3 command that lists them; the valid records are still loaded and the exit code is 0.\n"
            "\n"
            "FILE is a CSV or CSV.gz export (preset online-retail) or a folder of canonical CSV files\n"
            "(preset canonical: customers.csv, products.csv, orders.csv, order_lines.csv, cases.csv, ...).\n"
            "\n"
            "Options:\n"
            "  --preset NAME   online-retail (UCI Online Retail I/II, the default) or canonical\n"
            "  --db FILE       database file, created when absent with its folder (default: shop.db)\n"
            "  --na TOKEN      one more text that means a missing value, besides the empty field\n"
            "                  (repeatable, e.g. --na NA --na ?)\n"
            "  -q, --quiet     print only errors and a one-line summary\n"
            "  -v, --verbose   print more detail\n"
            "  -h, --help      show this help\n"
            "\n"
            "Example:\n"
            "  aftersales ingest --db shop.db ../shared/data/raw/uci-online-retail/online_retail.csv.gz\n"
            "  aftersales ingest --preset canonical --db shop.db demo-out/shop\n");
}

/* Removes a database file this run created (and SQLite's side files) after a failed ingest, so that a failed
 * first ingest does not leave an empty database behind. */
static void remove_new_db(const char *db_path) {
    static const char *const side[] = {"", "-journal", "-wal", "-shm"};
    char p[4200];
    for (size_t i = 0; i < sizeof side / sizeof side[0]; i++) {
        int n = snprintf(p, sizeof p, "%s%s", db_path, side[i]);
        if (n > 0 && (size_t)n < sizeof p) unlink(p);
    }
}

static void print_stats(const char *path, const char *preset, const char *db_path, const as_ingest_stats *s,
                        double seconds) {
    if (cli_verbosity_level == CLI_QUIET) {
        char updated[64] = "";
        if (s->updated > 0) snprintf(updated, sizeof updated, ", %s updated", cli_count(s->updated));
        printf("ingest: %s read, %s loaded, %s rejected, %s already present%s, into %s in %s\n",
               cli_count(s->records_read), cli_count(s->loaded), cli_count(s->rejected),
               cli_count(s->skipped_duplicates), updated, db_path, cli_duration(seconds));
        return;
    }
    const char *row = "  %-22s %14s\n";
    printf("ingest: %s (preset %s) into %s\n", path, preset, db_path);
    printf(row, "records read", cli_count(s->records_read));
    printf(row, "loaded", cli_count(s->loaded));
    printf(row, "rejected", cli_count(s->rejected));
    int64_t listed = 0;
    for (int i = 0; i < s->n_reject_reasons && i < 8; i++) {
        printf("    - %.*s: %s\n", (int)sizeof s->reject_reason[i], s->reject_reason[i],
               cli_count(s->reject_count[i]));
        listed += s->reject_count[i];
    }
    if (s->n_reject_reasons > 0 && listed < s->rejected)
        printf("    - other reasons: %s\n", cli_count(s->rejected - listed));
    if (s->skipped_duplicates > 0 || cli_verbosity_level >= CLI_VERBOSE)
        printf(row, "already present", cli_count(s->skipped_duplicates));
    if (s->updated > 0 || cli_verbosity_level >= CLI_VERBOSE)
        printf(row, "updated", cli_count(s->updated));
    if (s->orphan_lines > 0) printf(row, "orphan order lines", cli_count(s->orphan_lines));
    printf(row, "purchases", cli_count(s->purchases));
    printf(row, "cases", cli_count(s->cases));
    printf(row, "charges", cli_count(s->charges));
    printf(row, "customers", cli_count(s->customers));
    printf(row, "products", cli_count(s->products));
    printf(row, "orders", cli_count(s->orders));
    printf(row, "elapsed", cli_duration(seconds));
    if (s->rejected > 0)
        printf("Rejected records are kept with their line and reason in the table 'rejects' of %s.\n", db_path);
}

int cmd_ingest(int argc, char **argv) {
    static const char cmd[] = "ingest";
    enum { OPT_PRESET = CLI_OPT_FIRST, OPT_DB, OPT_NA };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"preset", required_argument, NULL, OPT_PRESET},
        {"db", required_argument, NULL, OPT_DB},
        {"na", required_argument, NULL, OPT_NA},
        {NULL, 0, NULL, 0},
    };
    const char *preset = "online-retail", *db_path = "shop.db";
    const char *na[MAX_NA_TOKENS];
    size_t n_na = 0;

    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        switch (c) {
        case CLI_OPT_HELP: cmd_ingest_usage(stdout); return CLI_EXIT_OK;
        case OPT_PRESET: preset = optarg; break;
        case OPT_DB: db_path = optarg; break;
        case OPT_NA:
            if (n_na == MAX_NA_TOKENS) return cli_usage_error(cmd, "at most %d --na tokens", MAX_NA_TOKENS);
            na[n_na++] = optarg;
            break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
    }
    if (strcmp(preset, "online-retail") != 0 && strcmp(preset, "canonical") != 0)
        return cli_usage_error(cmd, "unknown preset '%s' (known: online-retail, canonical)", preset);
    if (optind >= argc) return cli_usage_error(cmd, "missing the input FILE (or folder for --preset canonical)");
    if (optind + 1 < argc) return cli_usage_error(cmd, "one input at a time; unexpected '%s'", argv[optind + 1]);
    const char *path = argv[optind];

    /* Check the input before opening the database, so that a typo does not leave an empty database behind. */
    if (!cli_check_readable(cmd, "input", path)) return CLI_EXIT_IO;
    int is_dir = cli_is_dir(path);
    if (strcmp(preset, "canonical") == 0 && !is_dir)
        return cli_usage_error(cmd, "--preset canonical reads a folder of canonical CSV files; '%s' is a file",
                               path);
    if (strcmp(preset, "online-retail") == 0 && is_dir)
        return cli_usage_error(cmd, "'%s' is a folder; --preset online-retail reads one CSV or CSV.gz file "
                               "(use --preset canonical for a folder of canonical CSVs)", path);

    /* A database in a folder that does not exist yet: create the folder, as train does for --out. If the
     * ingest fails, what this run created (the folder, a new database file) is removed again. */
    double t0 = cli_now();
    int db_existed = access(db_path, F_OK) == 0;
    char created[4096];
    if (!cli_make_parent_tracked(cmd, db_path, created, sizeof created)) return CLI_EXIT_IO;
    as_db *db = NULL;
    int rc = cli_open_db(cmd, db_path, 0, &db);
    if (rc != CLI_EXIT_OK) {
        if (!db_existed) remove_new_db(db_path);
        cli_undo_make_parent(db_path, created);
        return rc;
    }

    as_ingest_params ip = as_ingest_params_default();
    ip.preset = preset;
    ip.na_tokens = n_na ? na : NULL;
    ip.n_na_tokens = n_na;
    ip.progress = cli_progress;
    ip.progress_user = NULL;
    as_ingest_stats stats;
    memset(&stats, 0, sizeof stats);
    as_error err;
    memset(&err, 0, sizeof err);
    as_status st = as_ingest(db, path, &ip, &stats, &err);
    cli_progress_clear();
    as_db_close(db);
    if (st != AS_OK) {
        rc = cli_fail(cmd, st, &err);
        if (!db_existed) remove_new_db(db_path);
        cli_undo_make_parent(db_path, created);
        return rc;
    }

    print_stats(path, preset, db_path, &stats, cli_now() - t0);
    cli_ingest_warnings(cmd, path, preset, db_path, &stats);
    if (stats.records_read == 0)
        cli_warnf(cmd, "%s has a header but no records: nothing was loaded", path);
    else if (stats.loaded == 0 && stats.updated == 0 && stats.skipped_duplicates > 0)
        cli_printf("Nothing new: every record of %s was already in %s.\n", path, db_path);
    else if (stats.loaded == 0 && stats.updated > 0)
        cli_printf("No new records; %s changed record%s replaced the earlier values in %s.\n",
                   cli_count(stats.updated), stats.updated == 1 ? "" : "s", db_path);
    return CLI_EXIT_OK;
}
