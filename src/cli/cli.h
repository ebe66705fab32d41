/*
 * cli — what the subcommands of the `aftersales` tool share: exit codes, option parsing helpers, number
 * formatting for people, the terminal progress bar, the metrics table (cli.c) and the training report that
 * `train` and `evaluate` print (report.c).
 *
 * The tool is a thin wrapper over the public API: it includes only <aftersales/aftersales.h>, the C standard
 * library and POSIX. Each command lives in cmd_<name>.c and exposes cmd_<name>() and cmd_<name>_usage().
 *
 * Exit codes (also listed in `aftersales --help`):
 *   0  success
 *   1  runtime failure: database, numeric method, out of memory, step run out of order
 *   2  usage error: unknown command or option, missing or malformed option value
 *   3  input data error: the library reported AS_ERR_PARSE, AS_ERR_NODATA or AS_ERR_INVALID while working on
 *      data (option values are checked by the tool first and give 2), or AS_ERR_FORMAT (a model file or
 *      database of a version or shape this build does not understand)
 *   4  I/O error: a file is missing, unreadable or unwritable (AS_ERR_IO, and the tool's own checks)
 */
#ifndef AS_CLI_H
#define AS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <aftersales/aftersales.h>

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAIL = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_DATA = 3,
    CLI_EXIT_IO = 4
};

/* Verbosity chosen by --quiet / --verbose (anywhere on the command line). */
typedef enum cli_verbosity { CLI_QUIET = 0, CLI_NORMAL = 1, CLI_VERBOSE = 2 } cli_verbosity;
extern cli_verbosity cli_verbosity_level;

/* Long-option values shared by every command; command-specific values start at CLI_OPT_FIRST. */
enum { CLI_OPT_QUIET = 'q', CLI_OPT_VERBOSE = 'v', CLI_OPT_HELP = 'h', CLI_OPT_FIRST = 256 };
/* The entries every command's option table starts with, and its short-option string (leading ':' so that a
 * missing argument is reported apart from an unknown option). */
#define CLI_COMMON_LONG_OPTIONS                          \
    {"help", no_argument, NULL, CLI_OPT_HELP},           \
    {"quiet", no_argument, NULL, CLI_OPT_QUIET},         \
    {"verbose", no_argument, NULL, CLI_OPT_VERBOSE}
#define CLI_SHORT_OPTIONS ":hqv"

/* ---- messages ---------------------------------------------------------------------------------------- */

/* "aftersales <cmd>: <message>" on stderr (the progress line is cleared first). */
void cli_errorf(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "aftersales <cmd>: warning: <message>" on stderr. */
void cli_warnf(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports a usage error with the hint "Try 'aftersales <cmd> --help'." and returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports a failed library call (its message, or as_strerror when it left none) and returns the exit code
 * for its status (see the table at the top of this file). */
int cli_fail(const char *cmd, as_status st, const as_error *err);
/* The exit code for a library status. */
int cli_exit_code(as_status st);
/* Prints to stdout unless --quiet. */
void cli_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints to stdout only with --verbose. */
void cli_vprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- option handling --------------------------------------------------------------------------------- */

/* Handles the outcome of getopt_long that every command treats the same way: --quiet / --verbose (returns 0,
 * meaning "consumed, go on"), and '?' / ':' (prints the error, returns CLI_EXIT_USAGE). Any other value is
 * returned as -1 so that the command handles it. `argv` is the command's argument vector. */
int cli_common_option(const char *cmd, int c, char **argv);
/* Strict number parsing of an option value: the whole text must be a number within [min, max].
 * On failure reports a usage error and returns 0; returns 1 on success. */
int cli_parse_int64(const char *cmd, const char *opt, const char *text, int64_t min, int64_t max, int64_t *out);
int cli_parse_int(const char *cmd, const char *opt, const char *text, int min, int max, int *out);
int cli_parse_double(const char *cmd, const char *opt, const char *text, double min, double max, double *out);
/* Parses a date/time option with as_time_parse; on failure reports a usage error and returns 0. */
int cli_parse_time(const char *cmd, const char *opt, const char *text, int64_t *out);
/* One of a fixed set of words: `names` is NULL-terminated and values[i] is the value of names[i]. On an unknown
 * word reports "OPT expects one of a, b, c; got 'x'" and returns 0; returns 1 on success. */
int cli_parse_choice(const char *cmd, const char *opt, const char *text, const char *const *names, const int *values,
                     int *out);

/* The words of the shop-target options shared by train and export: --target (level), --label, --features.
 * NULL-terminated for cli_parse_choice; names[v] is the word of the library's value v. */
extern const char *const cli_level_names[];
extern const int cli_level_values[];
extern const char *const cli_label_names[];
extern const int cli_label_values[];
extern const char *const cli_feature_set_names[];
extern const int cli_feature_set_values[];

/* ---- files ------------------------------------------------------------------------------------------- */

/* 1 when `path` exists and can be read; otherwise reports "cannot read '<path>': <reason>" (with `what`
 * naming the file's role, e.g. "database") and returns 0. The caller then exits with CLI_EXIT_IO. */
int cli_check_readable(const char *cmd, const char *what, const char *path);
/* 1 when `path` names an existing directory. */
int cli_is_dir(const char *path);
/* Creates directory `path` and its missing parents (like mkdir -p). Returns 1, or reports and returns 0. */
int cli_mkdir_p(const char *cmd, const char *path);
/* Creates the missing parent directories of file `path`. Returns 1, or reports and returns 0. */
int cli_make_parent(const char *cmd, const char *path);
/* 1 when a and b name the same file: the same inode when both exist, else the same absolute path once the
 * existing folder part is resolved ("./x.csv", "x.csv" and "out/../x.csv" are one file). */
int cli_same_file(const char *a, const char *b);
/* The guard every command that writes files runs before any work: no output may replace an input. Each of the
 * n_outs outputs (NULL entries skipped; out_names[i] is its option, e.g. "--out") is compared, and so is
 * "<output>.part", the temporary name outputs are first written under, with
 *  - the database db_path (may be NULL) and its companions: "-journal", "-wal", "-shm" and the ".key" file;
 *  - each of the n_inputs other inputs (NULL skipped; input_names[i] says what it is, e.g. "the model");
 *  - every other output;
 * and no output may be a folder, or replace (itself or its .part) an existing SQLite database or key file,
 * whatever its name. On a clash prints a usage error naming both and returns CLI_EXIT_USAGE; else CLI_EXIT_OK. */
int cli_check_outputs(const char *cmd, const char *db_path, const char *const *inputs, const char *const *input_names,
                      int n_inputs, const char *const *outs, const char *const *out_names, int n_outs);
/* Like cli_make_parent, and records in `created` (`size` bytes) the topmost directory this call created, or ""
 * when every directory existed already; cli_undo_make_parent removes them again after a failed step. */
int cli_make_parent_tracked(const char *cmd, const char *path, char *created, size_t size);
/* Removes the directories that cli_make_parent_tracked created for file `path` (the parent of `path` up to and
 * including `created`), as long as they are empty; does nothing when `created` is "". Never reports. */
void cli_undo_make_parent(const char *path, const char *created);
/* The path of `name` in the directory of file `path` ("out/model.json" + "metrics.json" →
 * "out/metrics.json"). Returns 0 when it does not fit into buf. */
int cli_sibling_path(const char *path, const char *name, char *buf, size_t size);
/* dir + "/" + name into buf; returns 0 when it does not fit. */
int cli_join_path(const char *dir, const char *name, char *buf, size_t size);
/* The model file that a --model argument names, into buf: the file itself, or for a folder its model.json (else
 * the model that the folder's metrics.json names), as `evaluate` reads it. When there is none, reports what was
 * expected (a model file written by 'aftersales train', or the folder that holds it) and returns CLI_EXIT_IO;
 * returns CLI_EXIT_USAGE when the path does not fit into buf; CLI_EXIT_OK on success. */
int cli_resolve_model(const char *cmd, const char *arg, char *buf, size_t size);
/* The hint printed after a model file could not be loaded or does not belong where it was named. */
void cli_model_hint(const char *arg);

/* Opens the database at `path`. With must_exist, a missing file is an I/O error with a hint to run
 * `aftersales ingest` first (as_db_open would otherwise create an empty database). Returns an exit code;
 * on CLI_EXIT_OK *out owns the handle. */
/* CLI_EXIT_OK when the database file exists; else says so with the ingest command that creates it (CLI_EXIT_IO). */
int cli_db_missing(const char *cmd, const char *path);
/* CLI_EXIT_OK unless value is "-" (standard input / output), which a path option cannot take: a usage error that
 * shows `opt example`. */
int cli_refuse_dash(const char *cmd, const char *opt, const char *value, const char *example);
int cli_open_db(const char *cmd, const char *path, int must_exist, as_db **out);

/* ---- ingest ------------------------------------------------------------------------------------------ */

/* Share of the records read above which `ingest` (and the demo) warn that many records were rejected. */
#define CLI_REJECT_WARN_SHARE 0.05
/* The warnings every ingest gives on stderr, even with --quiet (the `ingest` command and the demo): order lines
 * whose order is missing, and a reject share above CLI_REJECT_WARN_SHARE with its count, share and most common
 * reason and the sqlite3 command that lists the rejected lines, so that a stray quote or the wrong delimiter
 * cannot pass unnoticed. `input` is the file or folder ingested, `preset` its preset. */
void cli_ingest_warnings(const char *cmd, const char *input, const char *preset, const char *db_path,
                         const as_ingest_stats *s);

/* ---- numbers for people ------------------------------------------------------------------------------ */

/* Each returns a pointer into a small ring of static buffers, so up to 16 calls can appear in one printf. */
const char *cli_count(int64_t n);        /* 1234567 → "1,234,567" */
const char *cli_pct(double fraction);    /* 0.12345 → "12.35%"; NaN → "n/a" */
const char *cli_num(double x, int decimals);  /* fixed decimals; NaN → "n/a" */
const char *cli_si(double x);            /* 1234567 → "1.23M" (progress bar) */
const char *cli_date(int64_t t);         /* "YYYY-MM-DD", or "-" for 0 */
const char *cli_datetime(int64_t t);     /* "YYYY-MM-DD HH:MM:SS", or "-" for 0 */
const char *cli_duration(double seconds);  /* "0.42 s", "12.3 s", "3 min 05 s" */
const char *cli_amount(double x, int decimals);  /* 1234.5, 2 → "1,234.50"; NaN → "n/a" */
/* A count with its noun in the right number: (1, "row", "rows") → "1 row", (1234, …) → "1,234 rows". */
const char *cli_nouns(int64_t n, const char *one, const char *many);
/* Just the noun for n: `one` when n is 1, else `many`. */
const char *cli_noun(int64_t n, const char *one, const char *many);
/* A metric for a table: like cli_num / cli_pct, but NaN (a value that is undefined, such as ROC-AUC when the
 * truth has one class) is shown as "undefined"; the table explains why below it. */
const char *cli_metric(double x, int decimals);
const char *cli_metric_pct(double fraction);

/* Monotonic clock in seconds. */
double cli_now(void);

/* ---- progress ---------------------------------------------------------------------------------------- */

/* An as_progress_fn. When stderr is a terminal (and not --quiet, and TERM is not "dumb") it draws a one-line
 * bar on stderr, redrawn with '\r': the step, percent done, done/total in the step's unit (bytes for ingest,
 * lines for build, rows for load, folds for cv), the rate and the time left; without a total, the count, rate
 * and time elapsed. A step is drawn only once it has run for three redraw intervals (so a quick step shows
 * nothing), then at most once per interval: 0.1 s, or AS_PROGRESS_INTERVAL seconds from the environment (0 =
 * at every report, for tests). A report of done >= total ends the step and erases its bar; a step the library
 * reports only as started (0 of 1, such as "train" for the final fit) shows what it does until the next step.
 * When stderr is not a terminal it prints nothing at all (no '\r', no escape sequences). `user` is ignored (the
 * tool runs one step at a time, so the bar state is global). */
void cli_progress(void *user, const char *step, double done, double total);
/* Clears the bar line when one was drawn. Safe to call at any time. */
void cli_progress_clear(void);
/* The short block `train` and `evaluate` end with, to stdout: "CMD: summary", then the model, features, rows, the
 * test metrics that matter most, the cross-validation mean ± std and the flag threshold (each when known). The
 * caller adds the time and the files. */
void cli_print_train_summary(const char *cmd, const as_metrics_report *rep);

/* ---- metrics ----------------------------------------------------------------------------------------- */

/* Prints the binary train/test metrics table (rows, positive rate, accuracy, precision, recall, F1 @0.5, best-F1
 * threshold and F1, ROC-AUC, PR-AUC, log loss, Brier, precision in the top 1 % / 5 %) to `out`. An undefined
 * (NaN) metric of a part shows "undefined"; every figure of a part that is unknown (rows < 0) shows "n/a". */
void cli_print_metrics_table(FILE *out, const as_metrics *train, const as_metrics *test);
/* How a model's decision threshold was chosen, for a note after it: "F1-best on the training rows" when it is
 * the training rows' best-F1 threshold, "the usual 0.5 cut-off" for 0.5, else NULL. */
const char *cli_threshold_origin(double threshold, double train_best_f1_threshold);
/* Sets every field of m to "unknown" (NaN for doubles, -1 for counts). */
void cli_metrics_unknown(as_metrics *m);
/* The number of classes of a report or of one split's metrics (2 when the library left it 0: binary). */
int cli_report_classes(const as_metrics_report *rep);
/* Class k's label for people: the recorded label, else the positive class for k = 1 of a binary model, else
 * "class k". */
const char *cli_class_label(const as_metrics_report *rep, int k);
/* "  classes (K): 'a', 'b', 'c'" on stdout. */
void cli_print_classes(const as_metrics_report *rep);
/* Everything after the header that `train` and `evaluate` print about a training run, to stdout: the train /
 * test table (binary) or the multiclass tables (averages, per class, confusion matrix), the notes that explain
 * undefined values, the cross-validation table, the cost-based decision with its costs, the decision threshold and
 * how it was chosen (rep->threshold_rule when the library gave one), the model and solver lines and one line of the
 * options the model was trained with (rep->opt_*; "not recorded" for a metrics.json without them); with --verbose
 * also the calibration table and the PCA explained-variance table.
 * Fields a reader could not recover are marked as unknown: iterations < 0, converged < 0. */
void cli_print_report(const as_metrics_report *rep);
/* 1 when the report holds a cost-based decision (a threshold chosen on validation rows). */
int cli_report_has_decision(const as_metrics_report *rep);
/* Prints every line of rep->warnings to stderr as "aftersales CMD: warning: …" (even with --quiet). Returns a
 * bit mask of what they covered: 1 = non-convergence, 2 = separation, so that the caller does not say it twice. */
int cli_report_warnings(const char *cmd, const as_metrics_report *rep);

/* ---- commands ---------------------------------------------------------------------------------------- */

int cmd_demo(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_quality(int argc, char **argv);
int cmd_reasons(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_export(int argc, char **argv);

void cmd_demo_usage(FILE *out);
void cmd_simulate_usage(FILE *out);
void cmd_ingest_usage(FILE *out);
void cmd_build_usage(FILE *out);
void cmd_train_usage(FILE *out);
void cmd_evaluate_usage(FILE *out);
void cmd_score_usage(FILE *out);
void cmd_quality_usage(FILE *out);
void cmd_reasons_usage(FILE *out);
void cmd_report_usage(FILE *out);
void cmd_export_usage(FILE *out);

/* Shared by `quality` and `demo`: prints the first `top` data rows of a CSV file as a table, only the named
 * columns in the given order (NULL-terminated; columns = NULL: all). Returns 1 on success, 0 when the file cannot
 * be read (reported as a warning, since the file was just written). */
int cli_print_csv_head(const char *cmd, const char *path, int top, const char *const *columns);

#endif
