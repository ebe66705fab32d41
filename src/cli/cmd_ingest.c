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
            "       aftersales ingest --mapping MAPPING.ini [options]\n"
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
            "When nothing is loaded (a file with a header only, or every record rejected) the exit code is 3.\n"
            "\n"
            "FILE is a CSV or CSV.gz export (preset online-retail), a folder of canonical CSV files (preset\n"
            "canonical: customers.csv, products.csv, orders.csv, order_lines.csv, cases.csv, reviews.csv, ...) or\n"
            "the folder of the Olist export (preset olist). Any other shop is described by a mapping file\n"
            "(docs/mapping.md) given with --mapping instead of FILE.\n"
            "\n"
            "Personal data: columns declared personal (by the preset or the mapping) are dropped or replaced by\n"
            "keyed pseudonyms, and e-mail addresses and phone numbers inside free text are replaced, so no raw\n"
            "value reaches the database. The key lives in a file (default: the database path + \".key\"), created\n"
            "with mode 0600 on first use; keep it private and keep it to get the same pseudonyms next time.\n"
            "\n"
            "Options:\n"
            "  --preset NAME    online-retail (UCI Online Retail I/II, the default), canonical or olist\n"
            "  --mapping FILE   load the shop a mapping file describes (preset mapping; no FILE argument)\n"
            "  --data-dir DIR   folder the mapping's file names are relative to (default: the mapping's folder)\n"
            "  --key-file PATH  pseudonymization key (default: DB.key), created when absent\n"
            "  --db FILE        database file, created when absent with its folder (default: shop.db)\n"
            "  --na TOKEN       one more text that means a missing value, besides the empty field\n"
            "                   (repeatable, e.g. --na NA --na ?)\n"
            "  -q, --quiet      print only errors and a one-line summary\n"
            "  -v, --verbose    print more detail\n"
            "  -h, --help       show this help\n"
            "\n"
            "Examples:\n"
            "  aftersales ingest --db shop.db ../shared/data/raw/uci-online-retail/online_retail.csv.gz\n"
            "  aftersales ingest --preset canonical --db shop.db demo-out/shop\n"
            "  aftersales ingest --preset olist --db olist.db ../shared/data/raw/olist-brazilian-ecommerce-partial\n"
            "  aftersales ingest --mapping docs/examples/garden-shop.ini --data-dir tests/data/mapping \\\n"
            "                    --db garden.db --key-file ~/private/garden.key\n");
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
        char updated[64] = "", key[600] = "";
        if (s->updated > 0) snprintf(updated, sizeof updated, ", %s updated", cli_count(s->updated));
        if (s->key_created) snprintf(key, sizeof key, "; key file %s created, keep it private", s->key_path);
        printf("ingest: %s read, %s loaded, %s rejected, %s already present%s, into %s in %s%s\n",
               cli_count(s->records_read), cli_count(s->loaded), cli_count(s->rejected),
               cli_count(s->skipped_duplicates), updated, db_path, cli_duration(seconds), key);
        return;
    }
    const char *row = "  %-30s %14s\n";
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
    if (s->orphan_cases > 0) printf(row, "orphan cases", cli_count(s->orphan_cases));
    if (s->orphan_reviews > 0) printf(row, "orphan reviews", cli_count(s->orphan_reviews));
    printf("  rows loaded per table:\n");
    printf(row, "  orders", cli_count(s->orders));
    printf(row, "  order lines", cli_count(s->purchases));
    /* customers and products are derived from every order and line seen so far: their count is the table's */
    printf(row, "  customers (in the database)", cli_count(s->customers));
    printf(row, "  products (in the database)", cli_count(s->products));
    printf(row, "  cases", cli_count(s->cases));
    printf(row, "  reviews", cli_count(s->reviews));
    printf(row, "  charges", cli_count(s->charges));
    if (s->pseudonymized || s->pii_dropped || s->scrubbed || s->key_path[0] || cli_verbosity_level >= CLI_VERBOSE) {
        printf("  personal data:\n");
        printf(row, "  values pseudonymized", cli_count(s->pseudonymized));
        printf(row, "  values dropped", cli_count(s->pii_dropped));
        printf(row, "  e-mails/phones scrubbed", cli_count(s->scrubbed));
        if (s->key_path[0])
            printf("    key file: %s%s\n", s->key_path,
                   s->key_created ? " (created; keep it private, it links pseudonyms to values)" : "");
    }
    printf(row, "elapsed", cli_duration(seconds));
    if (s->rejected > 0)
        printf("Rejected records are kept with their line and reason in the table 'rejects' of %s.\n", db_path);
}

static int is_folder_preset(const char *preset) {
    return strcmp(preset, "canonical") == 0 || strcmp(preset, "olist") == 0;
}

int cmd_ingest(int argc, char **argv) {
    static const char cmd[] = "ingest";
    enum { OPT_PRESET = CLI_OPT_FIRST, OPT_DB, OPT_NA, OPT_MAPPING, OPT_DATA_DIR, OPT_KEY_FILE };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"preset", required_argument, NULL, OPT_PRESET},
        {"db", required_argument, NULL, OPT_DB},
        {"na", required_argument, NULL, OPT_NA},
        {"mapping", required_argument, NULL, OPT_MAPPING},
        {"data-dir", required_argument, NULL, OPT_DATA_DIR},
        {"key-file", required_argument, NULL, OPT_KEY_FILE},
        {NULL, 0, NULL, 0},
    };
    const char *preset = NULL, *db_path = "shop.db", *mapping = NULL, *data_dir = NULL, *key_file = NULL;
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
        case OPT_DB:
            if (cli_refuse_dash(cmd, "--db", optarg, "shop.db")) return CLI_EXIT_USAGE;
            db_path = optarg;
            break;
        case OPT_MAPPING: mapping = optarg; break;
        case OPT_DATA_DIR: data_dir = optarg; break;
        case OPT_KEY_FILE:
            if (cli_refuse_dash(cmd, "--key-file", optarg, "shop.key")) return CLI_EXIT_USAGE;
            key_file = optarg;
            break;
        case OPT_NA:
            if (n_na == MAX_NA_TOKENS) return cli_usage_error(cmd, "at most %d --na tokens", MAX_NA_TOKENS);
            na[n_na++] = optarg;
            break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
    }
    if (mapping) {
        if (preset && strcmp(preset, "mapping") != 0)
            return cli_usage_error(cmd, "--mapping describes the shop itself; leave out --preset %s", preset);
        preset = "mapping";
    } else if (!preset) {
        preset = "online-retail";
    }
    if (strcmp(preset, "mapping") == 0 && !mapping)
        return cli_usage_error(cmd, "--preset mapping needs the mapping file: --mapping FILE");
    if (strcmp(preset, "online-retail") != 0 && strcmp(preset, "canonical") != 0 && strcmp(preset, "olist") != 0 &&
        !mapping)
        return cli_usage_error(cmd, "unknown preset '%s' (known: online-retail, canonical, olist; or --mapping FILE)",
                               preset);
    if (data_dir && !mapping) return cli_usage_error(cmd, "--data-dir goes with --mapping FILE");
    if (key_file && !*key_file) return cli_usage_error(cmd, "--key-file needs a file name");
    const char *path;
    if (mapping) {
        if (optind < argc)
            return cli_usage_error(cmd, "with --mapping the files to load are named in the mapping; unexpected '%s'",
                                   argv[optind]);
        path = mapping;
        if (!cli_check_readable(cmd, "mapping file", path)) return CLI_EXIT_IO;
        if (cli_is_dir(path))
            return cli_usage_error(cmd, "--mapping names a mapping file (docs/mapping.md); '%s' is a folder", path);
        if (data_dir && !cli_is_dir(data_dir)) {
            if (!cli_check_readable(cmd, "data folder", data_dir)) return CLI_EXIT_IO;
            return cli_usage_error(cmd, "--data-dir '%s' is a file; give the folder that holds the exports",
                                   data_dir);
        }
    } else {
        if (optind >= argc)
            return cli_usage_error(cmd, "missing the input FILE (or folder for --preset canonical or olist)");
        if (optind + 1 < argc) return cli_usage_error(cmd, "one input at a time; unexpected '%s'", argv[optind + 1]);
        path = argv[optind];
        /* Check the input before opening the database, so that a typo does not leave an empty database behind. */
        if (!cli_check_readable(cmd, "input", path)) return CLI_EXIT_IO;
        int is_dir = cli_is_dir(path);
        if (strcmp(preset, "canonical") == 0 && !is_dir)
            return cli_usage_error(cmd, "--preset canonical reads a folder of canonical CSV files; '%s' is a file",
                                   path);
        if (strcmp(preset, "olist") == 0 && !is_dir)
            return cli_usage_error(cmd, "--preset olist reads the folder of the Olist export (olist_orders_dataset.csv, "
                                   "...); '%s' is a file", path);
        if (strcmp(preset, "online-retail") == 0 && is_dir)
            return cli_usage_error(cmd, "'%s' is a folder; --preset online-retail reads one CSV or CSV.gz file "
                                   "(use --preset canonical for a folder of canonical CSVs, --preset olist for the "
                                   "Olist export)", path);
    }

    /* A database in a folder that does not exist yet: create the folder, as train does for --out. If the
     * ingest fails, what this run created (the folder, a new database file) is removed again. */
    double t0 = cli_now();
    int db_existed = access(db_path, F_OK) == 0;
    char created[4096];
    if (!cli_make_parent_tracked(cmd, db_path, created, sizeof created)) return CLI_EXIT_IO;
    if (key_file && cli_same_file(key_file, db_path))
        return cli_usage_error(cmd, "--key-file %s is the database itself; name a separate file for the key",
                               key_file);
    if (key_file && !cli_make_parent(cmd, key_file)) return CLI_EXIT_IO;   /* as for --db */
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
    ip.key_file = key_file;
    ip.data_dir = data_dir;
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
        /* The transaction was rolled back, so a key made by this run protects nothing: it goes too. */
        if (stats.key_created && stats.key_path[0]) unlink(stats.key_path);
        if (!db_existed) remove_new_db(db_path);
        cli_undo_make_parent(db_path, created);
        return rc;
    }

    print_stats(path, preset, db_path, &stats, cli_now() - t0);
    cli_ingest_warnings(cmd, path, preset, db_path, &stats);
    if (stats.unknown_columns[0])
        cli_warnf(cmd, "columns that are not canonical were left out: %s. docs/presets.md lists the canonical names; "
                  "rename a column to load it", stats.unknown_columns);
    if (stats.key_world_readable)
        cli_warnf(cmd, "the key file %s can be read by other users; anyone with it can test guesses against the "
                  "pseudonyms. Make it private with: chmod 600 %s", stats.key_path, stats.key_path);
    /* Nothing loaded is a data error (exit 3), so a script stops here rather than at build: no records at all,
     * or every record rejected (the rejects table, kept in the database, says why). */
    if (stats.records_read == 0) {
        if (mapping) cli_errorf(cmd, "the data files %s names have a header but no records: nothing was loaded", path);
        else if (is_folder_preset(preset))
            cli_errorf(cmd, "the files in %s have a header but no records: nothing was loaded", path);
        else cli_errorf(cmd, "%s has a header but no records: nothing was loaded", path);
        return CLI_EXIT_DATA;
    }
    if (stats.loaded == 0 && stats.updated == 0 && stats.skipped_duplicates == 0 && stats.rejected > 0) {
        cli_errorf(cmd, "nothing was loaded from %s: every record was rejected (%s; the warnings above say how to "
                   "see why)", path, cli_count(stats.rejected));
        return CLI_EXIT_DATA;
    }
    if (stats.loaded == 0 && stats.updated == 0 && stats.skipped_duplicates > 0)
        cli_printf("Nothing new: every record of %s was already in %s.\n", path, db_path);
    else if (stats.loaded == 0 && stats.updated > 0)
        cli_printf("No new records; %s changed record%s replaced the earlier values in %s.\n",
                   cli_count(stats.updated), stats.updated == 1 ? "" : "s", db_path);
    return CLI_EXIT_OK;
}
