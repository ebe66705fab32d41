/*
 * cmd_reasons.c — `aftersales reasons train | classify`: the trained reason-text classifier (as_reasons_train) and
 * a way to check it by hand on texts from the command line or stdin (as_reasons_load / as_reasons_classify).
 */
#define _GNU_SOURCE   /* getopt_long, getline */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"

#define N_CLASSES 7
#define MAX_MAP 256

static void usage_train(FILE *out) {
    fprintf(out,
            "Usage: aftersales reasons train --out FILE [--db FILE | --labels CSV [options]]\n"
            "\n"
            "Train the reason classifier (hashed words + logistic regression) that `quality` uses for the\n"
            "reason texts its keyword lexicon does not recognise.\n"
            "\n"
            "From the shop (default): case reasons and the texts of reviews scored 1 or 2 that the lexicon\n"
            "recognises are the labelled examples; the model learns which other words go with them and then\n"
            "classifies part of the texts the lexicon missed (shown with examples).\n"
            "From a labelled CSV (--labels): one text and one class per row. Class values are the class names\n"
            "(size_fit, defective, not_as_described, wrong_item, delivery, changed_mind, other) or are translated\n"
            "with --map; a value mapped to '-' skips its rows, any other value is an error naming its line.\n"
            "An empty class value is translated by --map '=CLASS' (or skipped by --map '=-').\n"
            "Both print the k-fold cross-validated accuracy; with --labels also the lexicon's on the same texts.\n"
            "\n"
            "Options:\n"
            "  --out FILE           the model file to write (JSON; required)\n"
            "  --db FILE            database from 'aftersales ingest' (default: shop.db)\n"
            "  --labels CSV         train on this labelled file instead of the shop's texts (not with --db)\n"
            "  --text-column C      the labels' text column (default: text)\n"
            "  --class-column C     the labels' class column (default: class)\n"
            "  --map VALUE=CLASS    translate a class value (repeatable); CLASS '-' skips the value's rows;\n"
            "                       an empty VALUE ('=CLASS') stands for an empty class value\n"
            "  --folds K            cross-validation folds: 0 for none, or 2 to 100 and at most the number of\n"
            "                       texts of the smallest class in the model (default: 5)\n"
            "  --hash-bits B        2^B word buckets, 8 to 22 (default: 14)\n"
            "  --C X                inverse regularization strength (default: 1)\n"
            "  -q, --quiet          print only errors and a one-line summary\n"
            "  -v, --verbose        print more detail\n"
            "  -h, --help           show this help\n"
            "\n"
            "Examples:\n"
            "  aftersales reasons train --db shop.db --out reasons.json\n"
            "  aftersales reasons train --labels tickets.csv --text-column remark --class-column topic \\\n"
            "      --map Damaged=defective --map 'Late delivery=delivery' --map Billing=- --out reasons.json\n");
}

static void usage_classify(FILE *out) {
    fprintf(out,
            "Usage: aftersales reasons classify --model FILE [TEXT ...]\n"
            "\n"
            "Classify reason texts with a model from 'aftersales reasons train': the texts given as arguments, or\n"
            "else one text per line of standard input (one output line per input line; an empty line gets\n"
            "class other, marked \"(no text)\"). Per text: the class the quality step uses (the lexicon's when it\n"
            "recognises the text, else the model's when the text has a word the model was trained on and the\n"
            "model's probability is at least 0.5, else other), what decided it, the model's own top class with its\n"
            "probability, and the text.\n"
            "\n"
            "Options:\n"
            "  --model FILE   the model file (required)\n"
            "  -q, --quiet    print only class and probability, tab-separated ('-' for an empty text)\n"
            "  -v, --verbose  end with a count of the texts by what decided their class\n"
            "  -h, --help     show this help\n"
            "\n"
            "Examples:\n"
            "  aftersales reasons classify --model reasons.json \"the zip came off\" \"nunca chegou\"\n"
            "  sqlite3 shop.db \"SELECT reason FROM cases WHERE reason <> ''\" | aftersales reasons classify --model reasons.json\n");
}

void cmd_reasons_usage(FILE *out) {
    fprintf(out,
            "Usage: aftersales reasons train|classify [options]\n"
            "\n"
            "The trained reason classifier: hashed words + logistic regression for return and complaint reasons\n"
            "the keyword lexicon does not recognise.\n"
            "\n"
            "  train      learn from the shop's texts the lexicon recognises, or from a labelled CSV\n"
            "  classify   show what a model makes of some texts\n"
            "\n"
            "'aftersales reasons train --help' and 'aftersales reasons classify --help' (or 'aftersales reasons\n"
            "help train') list their options; -q / -v may come before or after the subcommand.\n"
            "\n"
            "Examples:\n"
            "  aftersales reasons train --db shop.db --out reasons.json\n"
            "  aftersales reasons classify --model reasons.json \"the zip came off\"\n");
}

/* A --map entry's CLASS: a class name (any case, blanks around it ignored) or '-'. */
static int is_map_class(const char *entry) {
    const char *c = strrchr(entry, '=') + 1, *end = c + strlen(c);
    while (*c == ' ' || *c == '\t') c++;
    while (end > c && (end[-1] == ' ' || end[-1] == '\t')) end--;
    size_t n = (size_t)(end - c);
    if (n == 1 && *c == '-') return 1;
    for (int k = 0; k < N_CLASSES; k++)
        if (strlen(as_reasons_class_name(k)) == n && strncasecmp(c, as_reasons_class_name(k), n) == 0) return 1;
    return 0;
}

static int train(int argc, char **argv) {
    static const char cmd[] = "reasons train";
    enum { OPT_OUT = CLI_OPT_FIRST, OPT_DB, OPT_LABELS, OPT_TEXT, OPT_CLASS, OPT_MAP, OPT_FOLDS, OPT_BITS, OPT_C };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"out", required_argument, NULL, OPT_OUT},
        {"db", required_argument, NULL, OPT_DB},
        {"labels", required_argument, NULL, OPT_LABELS},
        {"text-column", required_argument, NULL, OPT_TEXT},
        {"class-column", required_argument, NULL, OPT_CLASS},
        {"map", required_argument, NULL, OPT_MAP},
        {"folds", required_argument, NULL, OPT_FOLDS},
        {"hash-bits", required_argument, NULL, OPT_BITS},
        {"C", required_argument, NULL, OPT_C},
        {NULL, 0, NULL, 0},
    };
    const char *db_path = "shop.db", *map[MAX_MAP];
    as_reasons_train_params p = as_reasons_train_params_default();
    size_t n_map = 0;
    int db_given = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        switch (c) {
        case CLI_OPT_HELP: usage_train(stdout); return CLI_EXIT_OK;
        case OPT_OUT: p.out_model = optarg; break;
        case OPT_DB: db_path = optarg, db_given = 1; break;
        case OPT_LABELS: p.labels_csv = optarg; break;
        case OPT_TEXT: p.text_column = optarg; break;
        case OPT_CLASS: p.class_column = optarg; break;
        case OPT_MAP:
            if (!strchr(optarg, '='))
                return cli_usage_error(cmd, "--map expects VALUE=CLASS (for example Damaged=defective), got '%s'",
                                       optarg);
            if (!is_map_class(optarg))
                return cli_usage_error(cmd, "--map '%s': '%s' is not a class (size_fit, defective, not_as_described, "
                                       "wrong_item, delivery, changed_mind, other) or '-'", optarg,
                                       strrchr(optarg, '=') + 1);
            if (n_map == MAX_MAP) return cli_usage_error(cmd, "more than %d --map options", MAX_MAP);
            map[n_map++] = optarg;
            break;
        case OPT_FOLDS: {
            int64_t folds;
            if (!cli_parse_int64(cmd, "--folds", optarg, INT64_MIN, INT64_MAX, &folds)) return CLI_EXIT_USAGE;
            if (folds < 0 || folds == 1 || folds > 100)
                return cli_usage_error(cmd, "--folds must be 0 (no cross-validation) or 2 to 100, and at most the "
                                       "number of texts of the smallest class; got %s", optarg);
            p.folds = (int)folds;
            break;
        }
        case OPT_BITS:
            if (!cli_parse_int(cmd, "--hash-bits", optarg, 8, 22, &p.hash_bits)) return CLI_EXIT_USAGE;
            break;
        case OPT_C:
            if (!cli_parse_double(cmd, "--C", optarg, 1e-12, 1e12, &p.C)) return CLI_EXIT_USAGE;
            break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!p.out_model) return cli_usage_error(cmd, "missing --out FILE (the model file to write)");
    if (n_map && !p.labels_csv) return cli_usage_error(cmd, "--map translates the class values of --labels; give --labels");
    if (p.labels_csv && db_given)
        return cli_usage_error(cmd, "--labels and --db: the model learns from one of them; drop --db to train on the "
                               "labelled file, or --labels to train on the shop's texts");
    if (p.labels_csv && strcasecmp(p.text_column, p.class_column) == 0)
        return cli_usage_error(cmd, "--text-column and --class-column both name '%s'; the text and the class must be "
                               "two different columns", p.text_column);
    p.value_map = map;
    p.n_value_map = n_map;
    if (p.labels_csv && !cli_check_readable(cmd, "labels file", p.labels_csv)) return CLI_EXIT_IO;
    {
        const char *outs[] = {p.out_model}, *out_names[] = {"--out"};
        const char *inputs[] = {p.labels_csv}, *input_names[] = {"the labels file"};
        int rc = cli_check_outputs(cmd, p.labels_csv ? NULL : db_path, inputs, input_names, 1, outs, out_names, 1);
        if (rc != CLI_EXIT_OK) return rc;
    }
    if (!cli_make_parent(cmd, p.out_model)) return CLI_EXIT_IO;

    double t0 = cli_now();
    as_db *db = NULL;
    if (!p.labels_csv) {
        int rc = cli_open_db(cmd, db_path, 1, &db);
        if (rc != CLI_EXIT_OK) return rc;
    }
    as_reasons_train_stats s;
    as_error err;
    memset(&err, 0, sizeof err);
    as_status st = as_reasons_train(db, &p, &s, &err);
    if (db) as_db_close(db);
    if (st != AS_OK) {
        int rc = cli_fail(cmd, st, &err);
        if (p.labels_csv && st == AS_ERR_INVALID && strstr(err.msg, "value map"))
            fprintf(stderr, "  (value map entries are given as --map 'VALUE=CLASS'; see 'aftersales reasons train --help')\n");
        return rc;
    }
    const char *from = p.labels_csv ? p.labels_csv : db_path;
    if (cli_verbosity_level == CLI_QUIET) {
        printf("reasons train: %s from %s, cross-validated accuracy %s, wrote %s\n", cli_nouns(s.texts, "text", "texts"),
               from, s.cv_accuracy >= 0 ? cli_pct(s.cv_accuracy) : "not estimated", p.out_model);
        return CLI_EXIT_OK;
    }
    printf("reasons train: %s from %s%s\n", cli_nouns(s.texts, "labelled text", "labelled texts"), from,
           p.labels_csv ? "" : " (labelled by the keyword lexicon)");
    if (s.skipped)
        printf("  %s skipped (%s)\n", cli_count(s.skipped),
               p.labels_csv ? "an empty text, a class value mapped to '-', or a row too short to hold the text or the "
                              "class column"
                            : "no words");
    printf("  %-18s %10s\n", "class", "texts");
    for (int k = 0; k < N_CLASSES; k++)
        if (s.per_class[k])
            printf("  %-18s %10s%s\n", as_reasons_class_name(k), cli_count(s.per_class[k]),
                   s.in_model[k] ? "" : "   too few: left out of the model");
    if (s.cv_accuracy >= 0)
        printf("  %d-fold cross-validation: accuracy %s, macro F1 %s\n", p.folds, cli_pct(s.cv_accuracy),
               cli_num(s.cv_macro_f1, 3));
    if (s.lexicon_accuracy >= 0)
        printf("  the keyword lexicon alone on the same texts: accuracy %s\n", cli_pct(s.lexicon_accuracy));
    if (!p.labels_csv) {
        printf("  case reasons the lexicon does not recognise: %s; the model classifies %s of them (%s), as "
               "'quality --reason-model' will\n", cli_count(s.unrecognised), cli_count(s.reclassified),
               s.unrecognised ? cli_pct((double)s.reclassified / (double)s.unrecognised) : "n/a");
        if (s.n_examples) printf("  examples:\n");
        for (int e = 0; e < s.n_examples; e++)
            printf("    %-18s %s  \"%s\" (%s)\n", as_reasons_class_name(s.example_class[e]),
                   cli_num(s.example_prob[e], 2), s.example_text[e], cli_nouns(s.example_count[e], "text", "texts"));
    }
    printf("  elapsed %s\n", cli_duration(cli_now() - t0));
    printf("wrote %s\n", p.out_model);
    return CLI_EXIT_OK;
}

/* Prints one text's line; returns what decided its class: 0 no text, 1 the lexicon, 2 the model, 3 nothing (other). */
static int classify_one(const as_reason_model *m, char *text, size_t len, int header) {
    as_reason_result r;
    const int other = N_CLASSES - 1;
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r')) text[--len] = '\0';
    size_t blank = 0;
    while (blank < len && (text[blank] == ' ' || text[blank] == '\t')) blank++;
    if (header && cli_verbosity_level != CLI_QUIET)
        printf("%-18s %-8s %-18s %6s  %s\n", "class", "by", "model class", "prob", "text");
    if (blank == len) {   /* as the quality step: a case without a reason text is "other" */
        if (cli_verbosity_level == CLI_QUIET) printf("%s\t-\n", as_reasons_class_name(other));
        else printf("%-18s %-8s %-18s %6s  (no text)\n", as_reasons_class_name(other), "-", "-", "-");
        return 0;
    }
    as_reasons_classify(m, text, len, &r);
    int decided = r.final_class == other ? 3 : r.lexicon_class == r.final_class ? 1 : 2;
    if (cli_verbosity_level == CLI_QUIET) {
        printf("%s\t%.3f\n", as_reasons_class_name(r.final_class), r.model_prob);
        return decided;
    }
    const char *by = decided == 3 ? "-" : decided == 1 ? "lexicon" : "model";
    printf("%-18s %-8s %-18s %6s  %s\n", as_reasons_class_name(r.final_class), by,
           as_reasons_class_name(r.model_class), cli_num(r.model_prob, 3), text);
    return decided;
}

static int classify(int argc, char **argv) {
    static const char cmd[] = "reasons classify";
    enum { OPT_MODEL = CLI_OPT_FIRST };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"model", required_argument, NULL, OPT_MODEL},
        {NULL, 0, NULL, 0},
    };
    const char *model_path = NULL;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        switch (c) {
        case CLI_OPT_HELP: usage_classify(stdout); return CLI_EXIT_OK;
        case OPT_MODEL: model_path = optarg; break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
    }
    if (!model_path) return cli_usage_error(cmd, "missing --model FILE (a model from 'aftersales reasons train')");
    if (!cli_check_readable(cmd, "model file", model_path)) {
        if (access(model_path, F_OK) != 0)
            fprintf(stderr, "  (make one with 'aftersales reasons train --db shop.db --out %s')\n", model_path);
        return CLI_EXIT_IO;
    }
    as_reason_model *m = NULL;
    as_error err;
    memset(&err, 0, sizeof err);
    as_status st = as_reasons_load(model_path, &m, &err);
    if (st != AS_OK) return cli_fail(cmd, st, &err);
    int header = 1;
    int64_t by[4] = {0, 0, 0, 0};
    if (optind < argc) {
        for (int i = optind; i < argc; i++, header = 0) by[classify_one(m, argv[i], strlen(argv[i]), header)]++;
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, stdin)) > 0) {
            by[classify_one(m, line, (size_t)n, header)]++;
            header = 0;
        }
        free(line);
    }
    as_reasons_free(m);
    /* Only with --verbose: without it the output is one line per text (and a header), for scripts. */
    if (cli_verbosity_level >= CLI_VERBOSE)
        printf("reasons classify: %s: %s by the lexicon, %s by the model, %s other, %s without text\n",
               cli_nouns(by[0] + by[1] + by[2] + by[3], "text", "texts"), cli_count(by[1]), cli_count(by[2]),
               cli_count(by[3]), cli_count(by[0]));
    return CLI_EXIT_OK;
}

int cmd_reasons(int argc, char **argv) {
    /* --quiet / --verbose may come before the subcommand too, as before any command. */
    int s = 1;
    for (; s < argc; s++) {
        if (!strcmp(argv[s], "-q") || !strcmp(argv[s], "--quiet")) cli_verbosity_level = CLI_QUIET;
        else if (!strcmp(argv[s], "-v") || !strcmp(argv[s], "--verbose")) cli_verbosity_level = CLI_VERBOSE;
        else break;
    }
    if (s >= argc) {
        fprintf(stderr, "aftersales reasons: missing subcommand (train or classify)\n\n");
        cmd_reasons_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *sub = argv[s];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        /* `reasons help train` shows the subcommand's help */
        const char *topic = s + 1 < argc ? argv[s + 1] : NULL;
        if (topic && !strcmp(topic, "train")) usage_train(stdout);
        else if (topic && !strcmp(topic, "classify")) usage_classify(stdout);
        else if (topic && strcmp(sub, "help") == 0 && strcmp(topic, "--help") && strcmp(topic, "-h"))
            return cli_usage_error("reasons", "unknown subcommand '%s' (train or classify)", topic);
        else cmd_reasons_usage(stdout);
        return CLI_EXIT_OK;
    }
    optind = 1;   /* the subcommand is argv[0] of its own options */
    if (!strcmp(sub, "train")) return train(argc - s, argv + s);
    if (!strcmp(sub, "classify")) return classify(argc - s, argv + s);
    return cli_usage_error("reasons", "unknown subcommand '%s' (train or classify)", sub);
}
