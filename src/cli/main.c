/*
 * main.c — `aftersales <command> [options]`: global options, the command table, dispatch.
 *
 * Exit codes (the contract scripts rely on; cli.h has the mapping from library status codes):
 *   0  success
 *   1  runtime failure (database, numeric method, out of memory, step run out of order)
 *   2  usage error (unknown command or option, missing or malformed option value)
 *   3  input data error (malformed or unusable data; model file or database of an unsupported version)
 *   4  I/O error (a file missing, unreadable or unwritable)
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct command {
    const char *name;
    const char *purpose;
    int (*run)(int argc, char **argv);
    void (*usage)(FILE *out);
} command;

static const command commands[] = {
    {"demo", "run the whole job on the built-in simulated shop and write every output", cmd_demo,
     cmd_demo_usage},
    {"simulate", "write a simulated shop as canonical CSV files (with planted ground truth)", cmd_simulate,
     cmd_simulate_usage},
    {"ingest", "load shop exports (CSV, CSV.gz or a canonical folder) into a SQLite database", cmd_ingest,
     cmd_ingest_usage},
    {"build", "compute return labels and point-in-time features in the database", cmd_build, cmd_build_usage},
    {"train", "train a logistic regression or boosted trees (database or flat CSV); write model and metrics", cmd_train,
     cmd_train_usage},
    {"evaluate", "show the metrics recorded beside a model file (metrics.json)", cmd_evaluate,
     cmd_evaluate_usage},
    {"score", "score purchase lines and orders (database) or rows (flat CSV) with a model", cmd_score,
     cmd_score_usage},
    {"quality", "quality alerts for products, suppliers, sellers and categories (CSV, JSON, tables)", cmd_quality,
     cmd_quality_usage},
    {"reasons", "train the reason-text classifier (shop texts or labelled CSV) and try it on texts", cmd_reasons,
     cmd_reasons_usage},
    {"report", "write the after-sales report: one self-contained HTML page with charts", cmd_report,
     cmd_report_usage},
    {"export", "write the feature table as one flat CSV (model inputs, country, label) for other tools", cmd_export,
     cmd_export_usage},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
    fprintf(out, "aftersales %s - after-sales analytics for online shops\n\n", AS_VERSION);
    fprintf(out, "Usage: aftersales [--quiet | --verbose] <command> [options]\n\n");
    fprintf(out, "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].purpose);
    fprintf(out, "  %-10s %s\n", "help", "show this help, or the help of one command: aftersales help <command>");
    fprintf(out,
            "\n"
            "Global options (before or after the command):\n"
            "  -q, --quiet     print only errors and the final summary\n"
            "  -v, --verbose   print more detail\n"
            "  -h, --help      show this help; 'aftersales <command> --help' shows a command's options\n"
            "  -V, --version   print the version\n"
            "\n"
            "Progress bars are drawn on stderr when it is a terminal; otherwise each step prints one summary line.\n"
            "\n"
            "Example, a shop export step by step:\n"
            "  aftersales ingest  --db shop.db online_retail.csv.gz\n"
            "  aftersales build   --db shop.db --horizon 90\n"
            "  aftersales train   --db shop.db --out model/model.json\n"
            "  aftersales score   --db shop.db --model model/model.json --out-orders orders.csv\n"
            "  aftersales quality --db shop.db --out quality.csv\n"
            "  aftersales report  --db shop.db --model model/model.json --out report.html\n"
            "  aftersales export  --db shop.db --out flat.csv   (the flat file for pandas or train --csv)\n"
            "Everything at once on the simulated shop:\n"
            "  aftersales demo --out demo-out\n"
            "\n"
            "Exit codes:\n"
            "  0  success\n"
            "  1  runtime failure (database, numeric method, out of memory, step run out of order)\n"
            "  2  usage error (unknown command or option, missing or malformed option value)\n"
            "  3  input data error (malformed or unusable data; model file or database of an unsupported version)\n"
            "  4  I/O error (a file missing, unreadable or unwritable)\n");
}

static const command *find_command(const char *name) {
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

int main(int argc, char **argv) {
    int i = 1;
    /* Global options before the command; the commands accept --quiet / --verbose themselves as well. */
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            cli_verbosity_level = CLI_QUIET;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            cli_verbosity_level = CLI_VERBOSE;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("aftersales %s (model format %d)\n", AS_VERSION, AS_MODEL_FORMAT_VERSION);
            return CLI_EXIT_OK;
        } else {
            return cli_usage_error(NULL, "unknown option '%s' (options of a command go after its name)", a);
        }
    }
    if (i >= argc) {
        fprintf(stderr, "aftersales: missing command\n\n");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }

    const char *name = argv[i];
    if (strcmp(name, "help") == 0) {
        /* `help`, `help help`, `help --help` and `help -h` all show this help. */
        const char *topic = i + 1 < argc ? argv[i + 1] : NULL;
        if (!topic || strcmp(topic, "help") == 0 || strcmp(topic, "--help") == 0 || strcmp(topic, "-h") == 0) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        const command *c = find_command(topic);
        if (!c) return cli_usage_error(NULL, "unknown command '%s'", topic);
        c->usage(stdout);
        return CLI_EXIT_OK;
    }
    const command *c = find_command(name);
    if (!c) return cli_usage_error(NULL, "unknown command '%s'", name);
    /* The command sees argv[0] = its own name, as getopt expects. */
    return c->run(argc - i, argv + i);
}
