/*
 * cli.c — helpers shared by the subcommands: messages and exit codes, strict option values, files,
 * numbers for people, the progress bar and the metrics table. See cli.h for the contracts.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, access, mkdir, isatty; CMake also sets it */
#endif
#define _XOPEN_SOURCE 700   /* realpath (cli_same_file) */
#define _DEFAULT_SOURCE     /* struct winsize, TIOCGWINSZ (the progress bar's width) */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

cli_verbosity cli_verbosity_level = CLI_NORMAL;

/* ---- messages ---------------------------------------------------------------------------------------- */

static void vmessage(const char *cmd, const char *kind, const char *fmt, va_list ap) {
    cli_progress_clear();
    fflush(stdout);   /* keep stdout and stderr in order when both go to the same terminal or file */
    if (cmd && *cmd)
        fprintf(stderr, "aftersales %s: %s", cmd, kind);
    else
        fprintf(stderr, "aftersales: %s", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_errorf(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vmessage(cmd, "", fmt, ap);
    va_end(ap);
}

void cli_warnf(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vmessage(cmd, "warning: ", fmt, ap);
    va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vmessage(cmd, "", fmt, ap);
    va_end(ap);
    if (cmd && *cmd)
        fprintf(stderr, "Try 'aftersales %s --help'.\n", cmd);
    else
        fprintf(stderr, "Try 'aftersales --help'.\n");
    return CLI_EXIT_USAGE;
}

int cli_exit_code(as_status st) {
    switch (st) {
    case AS_OK: return CLI_EXIT_OK;
    case AS_ERR_IO: return CLI_EXIT_IO;
    case AS_ERR_PARSE:
    case AS_ERR_NODATA:
    case AS_ERR_INVALID:
    case AS_ERR_FORMAT: return CLI_EXIT_DATA;
    case AS_ERR_NOMEM:
    case AS_ERR_DB:
    case AS_ERR_NUMERIC:
    case AS_ERR_STATE: return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_FAIL;
}

int cli_fail(const char *cmd, as_status st, const as_error *err) {
    const char *msg = (err && err->msg[0]) ? err->msg : as_strerror(st);
    cli_errorf(cmd, "%s", msg);
    return cli_exit_code(st);
}

void cli_printf(const char *fmt, ...) {
    if (cli_verbosity_level < CLI_NORMAL) return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void cli_vprintf(const char *fmt, ...) {
    if (cli_verbosity_level < CLI_VERBOSE) return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

/* ---- option handling --------------------------------------------------------------------------------- */

int cli_common_option(const char *cmd, int c, char **argv) {
    switch (c) {
    case CLI_OPT_QUIET: cli_verbosity_level = CLI_QUIET; return 0;
    case CLI_OPT_VERBOSE: cli_verbosity_level = CLI_VERBOSE; return 0;
    case ':': {
        const char *arg = optind > 0 ? argv[optind - 1] : "?";
        return cli_usage_error(cmd, "option '%s' needs a value", arg);
    }
    case '?': {
        /* getopt leaves the unknown long option in argv[optind - 1] and sets optopt only for short ones. */
        const char *arg = optind > 0 ? argv[optind - 1] : NULL;
        if (arg && strncmp(arg, "--", 2) == 0)
            return cli_usage_error(cmd, "unknown option '%s'", arg);
        if (optopt > 0 && optopt < 128 && isprint(optopt))
            return cli_usage_error(cmd, "unknown option '-%c'", optopt);
        return cli_usage_error(cmd, "unknown option '%s'", arg ? arg : "?");
    }
    default: return -1;
    }
}

int cli_parse_int64(const char *cmd, const char *opt, const char *text, int64_t min, int64_t max, int64_t *out) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || isspace((unsigned char)text[0])) {
        cli_usage_error(cmd, "%s expects a whole number, got '%s'", opt, text);
        return 0;
    }
    if (v < min || v > max) {
        if (max >= INT64_MAX / 4)   /* "no upper limit" in practice: 4611686018427387903 helps nobody */
            cli_usage_error(cmd, "%s must be at least %s, got %s", opt, cli_count(min), text);
        else
            cli_usage_error(cmd, "%s must be between %s and %s, got %s", opt, cli_count(min), cli_count(max), text);
        return 0;
    }
    *out = (int64_t)v;
    return 1;
}

int cli_parse_int(const char *cmd, const char *opt, const char *text, int min, int max, int *out) {
    int64_t v;
    if (!cli_parse_int64(cmd, opt, text, min, max, &v)) return 0;
    *out = (int)v;
    return 1;
}

int cli_parse_double(const char *cmd, const char *opt, const char *text, double min, double max, double *out) {
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v) || isspace((unsigned char)text[0])) {
        cli_usage_error(cmd, "%s expects a number, got '%s'", opt, text);
        return 0;
    }
    if (v < min || v > max) {
        cli_usage_error(cmd, "%s must be between %g and %g, got %s", opt, min, max, text);
        return 0;
    }
    *out = v;
    return 1;
}

int cli_parse_time(const char *cmd, const char *opt, const char *text, int64_t *out) {
    as_error err;
    memset(&err, 0, sizeof err);
    if (as_time_parse(text, out, &err) != AS_OK) {
        cli_usage_error(cmd, "%s expects a date like 2011-06-30 or '2011-06-30 12:00', got '%s'", opt, text);
        return 0;
    }
    return 1;
}

const char *const cli_level_names[] = {"line", "order", NULL};
const int cli_level_values[] = {AS_TARGET_LINE, AS_TARGET_ORDER};
const char *const cli_label_names[] = {"any", "kind", "reason", NULL};
const int cli_label_values[] = {AS_LABEL_ANY, AS_LABEL_KIND, AS_LABEL_REASON};
const char *const cli_feature_set_names[] = {"all", "main", NULL};
const int cli_feature_set_values[] = {AS_FEATURES_ALL, AS_FEATURES_MAIN};

int cli_parse_choice(const char *cmd, const char *opt, const char *text, const char *const *names, const int *values,
                     int *out) {
    for (int i = 0; names[i]; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = values[i];
            return 1;
        }
    char list[512];
    size_t o = 0;
    list[0] = '\0';
    for (int i = 0; names[i] && o + 1 < sizeof list; i++) {
        int n = snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", names[i]);
        if (n < 0) break;
        o += (size_t)n;
    }
    cli_usage_error(cmd, "%s expects one of %s; got '%s'", opt, list, text);
    return 0;
}

/* ---- files ------------------------------------------------------------------------------------------- */

int cli_check_readable(const char *cmd, const char *what, const char *path) {
    if (access(path, R_OK) == 0) return 1;
    int e = errno;
    if (e == ENOENT)
        cli_errorf(cmd, "%s '%s' not found", what, path);
    else
        cli_errorf(cmd, "cannot read %s '%s': %s", what, path, strerror(e));
    return 0;
}

/* Absolute form of path with its folder resolved (the file itself need not exist); "" when the folder is absent. */
static void resolved_path(const char *path, char *out, size_t size) {
    char dir[4096], real[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
    else snprintf(dir, sizeof dir, ".");
    if (!realpath(dir, real)) { out[0] = '\0'; return; }
    snprintf(out, size, "%s/%s", strcmp(real, "/") ? real : "", base);
}

int cli_same_file(const char *a, const char *b) {
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char ra[4096 + 256], rb[4096 + 256];
    resolved_path(a, ra, sizeof ra);
    resolved_path(b, rb, sizeof rb);
    return ra[0] ? strcmp(ra, rb) == 0 : strcmp(a, b) == 0;
}

/* What an existing file holds that no output may ever replace, whichever command wrote it and whatever its name:
 * "a SQLite database" (any program's: the header), "a pseudonymization key" (64 hex digits: a key kept under a
 * --key-file path the database does not record), or NULL. */
static const char *precious_content(const char *path) {
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char buf[80];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (n >= 16 && memcmp(buf, "SQLite format 3", 16) == 0) return "a SQLite database";
    size_t hex = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (isxdigit(c)) hex++;
        else if (!isspace(c)) other++;
    }
    if (n < sizeof buf && hex == 64 && other == 0) return "a pseudonymization key";
    return NULL;
}

/* 1 when writing `out`, or its temporary twin "<out>.part", would replace `path`. */
static int writes_over(const char *out, const char *path) {
    char part[4096 + 8];
    if (cli_same_file(out, path)) return 1;
    return (size_t)snprintf(part, sizeof part, "%s.part", out) < sizeof part && cli_same_file(part, path);
}

int cli_check_outputs(const char *cmd, const char *db_path, const char *const *inputs, const char *const *input_names,
                      int n_inputs, const char *const *outs, const char *const *out_names, int n_outs) {
    static const char *const db_suffix[] = {"", "-journal", "-wal", "-shm", ".key"};
    static const char *const db_what[] = {"the database", "the database's journal", "the database's WAL",
                                          "the database's shared-memory file", "the database's key file"};
    for (int i = 0; i < n_outs; i++) {
        const char *out = outs[i];
        if (!out) continue;
        /* outputs are written whole to OUT.part and renamed, so a half-written file is never left: a stream
         * cannot be written that way */
        if (strcmp(out, "-") == 0)
            return cli_usage_error(cmd, "%s -: writing to standard output is not supported; name a file instead",
                                   out_names[i]);
        if (cli_is_dir(out))
            return cli_usage_error(cmd, "%s %s is a folder; name the file to write in it", out_names[i], out);
        char part[4096 + 8];
        const char *what = precious_content(out);
        if (!what && (size_t)snprintf(part, sizeof part, "%s.part", out) < sizeof part) {
            what = precious_content(part);
            if (what) out = part;
        }
        if (what)
            return cli_usage_error(cmd, "%s would overwrite %s, which is %s; choose another file", out_names[i], out,
                                   what);
        for (int k = 0; db_path && k < (int)(sizeof db_suffix / sizeof db_suffix[0]); k++) {
            char p[4096 + 16];
            if ((size_t)snprintf(p, sizeof p, "%s%s", db_path, db_suffix[k]) >= sizeof p) continue;
            if (writes_over(out, p))
                return cli_usage_error(cmd, "%s %s would overwrite %s %s; choose another file", out_names[i], out,
                                       db_what[k], p);
        }
        for (int j = 0; j < n_inputs; j++)
            if (inputs[j] && writes_over(out, inputs[j]))
                return cli_usage_error(cmd, "%s %s would overwrite %s %s; choose another file", out_names[i], out,
                                       input_names[j], inputs[j]);
        for (int j = 0; j < i; j++)
            if (outs[j] && (writes_over(out, outs[j]) || writes_over(outs[j], out)))
                return cli_usage_error(cmd, "%s %s and %s %s would write the same file; give each its own",
                                       out_names[j], outs[j], out_names[i], out);
    }
    return CLI_EXIT_OK;
}

int cli_is_dir(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* mkdir -p; `created` (when not NULL) receives the first directory this call made, "" when none. */
static int mkdir_p(const char *cmd, const char *path, char *created, size_t created_size) {
    char buf[4096];
    size_t n = strlen(path);
    if (created && created_size) created[0] = '\0';
    if (n == 0) return 1;
    if (n >= sizeof buf) {
        cli_errorf(cmd, "path too long: '%s'", path);
        return 0;
    }
    memcpy(buf, path, n + 1);
    /* Create each prefix that ends before a '/', then the whole path. */
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) == 0) {
            if (created && created_size && !created[0]) snprintf(created, created_size, "%s", buf);
        } else if (errno != EEXIST) {
            cli_errorf(cmd, "cannot create directory '%s': %s", buf, strerror(errno));
            return 0;
        }
        buf[i] = saved;
    }
    if (!cli_is_dir(path)) {
        cli_errorf(cmd, "'%s' exists and is not a directory", path);
        return 0;
    }
    return 1;
}

int cli_mkdir_p(const char *cmd, const char *path) { return mkdir_p(cmd, path, NULL, 0); }

/* The directory part of file `path` into dir: 1, or 0 when there is none (current directory or the root), or -1
 * when it is too long (reported when cmd is not NULL). */
static int parent_dir(const char *cmd, const char *path, char *dir, size_t size) {
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return 0;
    size_t n = (size_t)(slash - path);
    if (n >= size) {
        if (cmd) cli_errorf(cmd, "path too long: '%s'", path);
        return -1;
    }
    memcpy(dir, path, n);
    dir[n] = '\0';
    return 1;
}

int cli_make_parent_tracked(const char *cmd, const char *path, char *created, size_t size) {
    char dir[4096];
    if (created && size) created[0] = '\0';
    int r = parent_dir(cmd, path, dir, sizeof dir);
    if (r <= 0) return r == 0;
    return mkdir_p(cmd, dir, created, size);
}

int cli_make_parent(const char *cmd, const char *path) { return cli_make_parent_tracked(cmd, path, NULL, 0); }

static void strip_trailing_slashes(char *p) {
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/') p[--n] = '\0';
}

void cli_undo_make_parent(const char *path, const char *created) {
    if (!created || !created[0]) return;
    char dir[4096], top[4096];
    if (parent_dir(NULL, path, dir, sizeof dir) <= 0) return;
    snprintf(top, sizeof top, "%s", created);
    strip_trailing_slashes(top);
    strip_trailing_slashes(dir);
    size_t top_len = strlen(top);
    /* From the deepest directory up to the first one created; rmdir leaves any that are not empty. */
    while (strlen(dir) >= top_len) {
        if (rmdir(dir) != 0) return;
        if (strcmp(dir, top) == 0) return;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) return;
        *slash = '\0';
        strip_trailing_slashes(dir);
    }
}

int cli_sibling_path(const char *path, const char *name, char *buf, size_t size) {
    const char *slash = strrchr(path, '/');
    int len;
    if (!slash)
        len = snprintf(buf, size, "%s", name);
    else
        len = snprintf(buf, size, "%.*s/%s", (int)(slash - path), path, name);
    return len >= 0 && (size_t)len < size;
}

int cli_join_path(const char *dir, const char *name, char *buf, size_t size) {
    size_t n = strlen(dir);
    int len = (n > 0 && dir[n - 1] == '/') ? snprintf(buf, size, "%s%s", dir, name)
                                            : snprintf(buf, size, "%s/%s", dir, name);
    return len >= 0 && (size_t)len < size;
}

/* The model file that the metrics.json of folder `dir` names ("model_file": "NAME", as the library writes it), into
 * buf; 0 when there is none. A small search, not a JSON reader: it accepts only the writer's own form. */
static int model_named_by_metrics(const char *dir, char *buf, size_t size) {
    char path[4096];
    if (!cli_join_path(dir, "metrics.json", path, sizeof path)) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *p = strstr(text, "\"model_file\"");
    if (!p) return 0;
    p += strlen("\"model_file\"");
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
    if (*p++ != ':') return 0;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
    if (*p++ != '"') return 0;
    size_t len = strcspn(p, "\"\\/");
    if (len == 0 || p[len] != '"' || len >= 256) return 0;   /* escapes or a path: not this simple form */
    char name[256];
    memcpy(name, p, len);
    name[len] = '\0';
    if (strcmp(name, "metrics.json") == 0) return 0;
    return cli_join_path(dir, name, buf, size) && access(buf, R_OK) == 0;
}

int cli_resolve_model(const char *cmd, const char *arg, char *buf, size_t size) {
    if (!cli_is_dir(arg)) {
        if (strlen(arg) >= size) return cli_usage_error(cmd, "--model path too long");
        if (access(arg, R_OK) == 0) {
            snprintf(buf, size, "%s", arg);
            return CLI_EXIT_OK;
        }
        int e = errno;
        if (e == ENOENT)
            cli_errorf(cmd, "model '%s' not found: --model expects the model file that 'aftersales train --out MODEL' "
                       "wrote (such as model/model.json), or the folder that holds it", arg);
        else
            cli_errorf(cmd, "cannot read model '%s': %s", arg, strerror(e));
        return CLI_EXIT_IO;
    }
    /* A folder: its model.json, as `evaluate` reads its metrics.json; else the model its metrics.json names. */
    if (!cli_join_path(arg, "model.json", buf, size)) return cli_usage_error(cmd, "--model path too long");
    if (access(buf, R_OK) == 0) return CLI_EXIT_OK;
    char named[4096];
    if (model_named_by_metrics(arg, named, sizeof named) && strlen(named) < size) {
        snprintf(buf, size, "%s", named);
        return CLI_EXIT_OK;
    }
    cli_errorf(cmd, "folder '%s' holds no model: --model expects the model file that 'aftersales train --out MODEL' "
               "wrote, or the folder that holds it as model.json (%s not found)", arg, buf);
    return CLI_EXIT_IO;
}

void cli_model_hint(const char *arg) {
    const char *slash = strrchr(arg, '/');
    const char *base = slash ? slash + 1 : arg;
    if (strcmp(base, "metrics.json") == 0)
        fprintf(stderr, "('%s' is the metrics file of a training run; --model names the model file beside it, the "
                "one 'aftersales train --out MODEL' wrote, or the folder that holds both)\n", arg);
    else
        fprintf(stderr, "(--model expects the model file that 'aftersales train --out MODEL' wrote, such as "
                "model/model.json, or the folder that holds it)\n");
}

int cli_db_missing(const char *cmd, const char *path) {
    if (access(path, F_OK) == 0) return CLI_EXIT_OK;
    cli_errorf(cmd, "database '%s' not found; create it with 'aftersales ingest --db %s FILE'", path, path);
    return CLI_EXIT_IO;
}

int cli_refuse_dash(const char *cmd, const char *opt, const char *value, const char *example) {
    if (strcmp(value, "-") != 0) return CLI_EXIT_OK;
    return cli_usage_error(cmd, "%s -: name a file or folder, such as %s %s; this option takes no stream", opt, opt,
                           example);
}

int cli_open_db(const char *cmd, const char *path, int must_exist, as_db **out) {
    *out = NULL;
    if (must_exist && cli_db_missing(cmd, path) != CLI_EXIT_OK) return CLI_EXIT_IO;
    /* SQLite takes an empty file for a new database, and opening writes the schema into it: a command that needs
     * data already there must not turn a stray empty file into an (empty) aftersales database. */
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        cli_errorf(cmd, "--db %s is a folder; name the database file (e.g. %s/shop.db)", path, path);
        return CLI_EXIT_USAGE;
    }
    if (must_exist && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0) {
        cli_errorf(cmd, "database '%s' is an empty file, not an aftersales database; create it with "
                   "'aftersales ingest --db %s FILE'", path, path);
        return CLI_EXIT_DATA;
    }
    as_error err;
    memset(&err, 0, sizeof err);
    as_status st = as_db_open(path, out, &err);
    if (st != AS_OK) {
        *out = NULL;
        return cli_fail(cmd, st, &err);
    }
    return CLI_EXIT_OK;
}

/* ---- ingest ------------------------------------------------------------------------------------------ */

/* Writes `text` for a POSIX shell: as it is when it needs no quoting, else in single quotes. */
static void shell_word(char *out, size_t size, const char *text) {
    size_t o = 0;
    int plain = *text != '\0';
    for (const char *p = text; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_./-+,:@%", *p)) plain = 0;
    if (plain) {
        snprintf(out, size, "%s", text);
        return;
    }
    if (size < 3) {
        if (size) out[0] = '\0';
        return;
    }
    out[o++] = '\'';
    for (const char *p = text; *p && o + 5 < size; p++) {
        if (*p == '\'') {
            memcpy(out + o, "'\\''", 4);
            o += 4;
        } else {
            out[o++] = *p;
        }
    }
    out[o++] = '\'';
    out[o] = '\0';
}

/* Writes `text` as an SQL string literal inside a double-quoted shell argument. */
static void sql_literal_in_dquotes(char *out, size_t size, const char *text) {
    size_t o = 0;
    if (size < 3) {
        if (size) out[0] = '\0';
        return;
    }
    out[o++] = '\'';
    for (const char *p = text; *p && o + 4 < size; p++) {
        if (*p == '\'') out[o++] = '\'';
        else if (strchr("\"$`\\", *p)) out[o++] = '\\';
        out[o++] = *p;
    }
    out[o++] = '\'';
    out[o] = '\0';
}

/* "3 cases name an order that is not in the orders table; they are loaded but label no order until their
 * orders are", with the singular forms for one. */
static void warn_orphans(const char *cmd, int64_t n, const char *one, const char *many, const char *fate_one,
                         const char *fate_many) {
    if (n == 1)
        cli_warnf(cmd, "1 %s names an order that is not in the orders table; it is loaded but %s until its order "
                  "is", one, fate_one);
    else if (n > 1)
        cli_warnf(cmd, "%s %s name an order that is not in the orders table; they are loaded but %s until their "
                  "orders are", cli_count(n), many, fate_many);
}

void cli_ingest_warnings(const char *cmd, const char *input, const char *preset, const char *db_path,
                         const as_ingest_stats *s) {
    /* A line, case or review of an order that is not loaded is kept but used by nothing: rates built from the
     * loaded orders then understate the truth, which the user must know. */
    warn_orphans(cmd, s->orphan_lines, "order line", "order lines", "cannot be used", "cannot be used");
    warn_orphans(cmd, s->orphan_cases, "case", "cases", "labels no order", "label no order");
    warn_orphans(cmd, s->orphan_reviews, "review", "reviews", "belongs to no order", "belong to no order");
    if (s->all_rejected_source[0])
        cli_warnf(cmd, "every record of %.*s was rejected: check its date format, delimiter, decimal separator and "
                  "column names (see the reasons in the table 'rejects')", (int)sizeof s->all_rejected_source,
                  s->all_rejected_source);
    if (s->records_read <= 0 || s->rejected <= 0) return;
    double share = (double)s->rejected / (double)s->records_read;
    if (share <= CLI_REJECT_WARN_SHARE) return;

    char reason[160] = "";
    int best = -1;
    for (int i = 0; i < s->n_reject_reasons && i < 8; i++)
        if (best < 0 || s->reject_count[i] > s->reject_count[best]) best = i;
    if (best >= 0)
        snprintf(reason, sizeof reason, "; the most common reason is '%.*s' (%s)", (int)sizeof s->reject_reason[best],
                 s->reject_reason[best], cli_count(s->reject_count[best]));

    char db_word[4200], query[600];
    shell_word(db_word, sizeof db_word, db_path);
    if (preset && (strcmp(preset, "canonical") == 0 || strcmp(preset, "olist") == 0 || strcmp(preset, "mapping") == 0)) {
        /* Each file of the folder (or named by the mapping) is its own source. */
        snprintf(query, sizeof query, "SELECT source, line, reason FROM rejects LIMIT 20");
    } else {
        const char *slash = strrchr(input, '/');
        char lit[400];
        sql_literal_in_dquotes(lit, sizeof lit, slash ? slash + 1 : input);
        snprintf(query, sizeof query, "SELECT line, reason FROM rejects WHERE source = %s LIMIT 20", lit);
    }
    cli_warnf(cmd, "%s of %s records (%s) were rejected%s. So large a share usually means a stray quote, the "
              "wrong delimiter or the wrong preset rather than a few bad records; the valid records were loaded. "
              "See the rejected lines with:\n  sqlite3 %s \"%s\"", cli_count(s->rejected),
              cli_count(s->records_read), cli_pct(share), reason, db_word, query);
}

/* ---- numbers for people ------------------------------------------------------------------------------ */

/* A ring of buffers so that several formatted numbers can be passed to one printf. */
static char *ring_buf(void) {
    static char ring[16][48];
    static unsigned next;
    return ring[next++ % 16];
}

const char *cli_count(int64_t n) {
    char *out = ring_buf();
    char digits[32];
    /* Format the magnitude as unsigned so INT64_MIN does not overflow. */
    uint64_t mag = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
    size_t o = 0;
    if (n < 0) out[o++] = '-';
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0) out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

const char *cli_pct(double fraction) {
    char *out = ring_buf();
    if (!isfinite(fraction))
        snprintf(out, 48, "n/a");
    else
        snprintf(out, 48, "%.2f%%", fraction * 100.0);
    return out;
}

const char *cli_num(double x, int decimals) {
    char *out = ring_buf();
    if (!isfinite(x))
        snprintf(out, 48, "n/a");
    else
        snprintf(out, 48, "%.*f", decimals, x);
    return out;
}

const char *cli_si(double x) {
    char *out = ring_buf();
    static const char *const unit[] = {"", "k", "M", "G", "T"};
    int u = 0;
    while (fabs(x) >= 1000.0 && u < 4) {
        x /= 1000.0;
        u++;
    }
    if (u == 0 && x != floor(x) && fabs(x) < 10)
        snprintf(out, 48, "%.2g", x);   /* a slow rate: 0.25 folds a second, not "0" */
    else if (u == 0)
        snprintf(out, 48, "%.0f", x);
    else
        snprintf(out, 48, "%.*f%s", fabs(x) < 10 ? 2 : fabs(x) < 100 ? 1 : 0, x, unit[u]);
    return out;
}

const char *cli_date(int64_t t) {
    char *out = ring_buf();
    if (t == 0)
        snprintf(out, 48, "-");
    else
        as_time_format(t, 1, out, 48);
    return out;
}

const char *cli_datetime(int64_t t) {
    char *out = ring_buf();
    if (t == 0)
        snprintf(out, 48, "-");
    else
        as_time_format(t, 0, out, 48);
    return out;
}

const char *cli_duration(double s) {
    char *out = ring_buf();
    if (!isfinite(s) || s < 0) s = 0;
    if (s < 10)
        snprintf(out, 48, "%.2f s", s);
    else if (s < 60)
        snprintf(out, 48, "%.1f s", s);
    else if (s < 3600)
        snprintf(out, 48, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(out, 48, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
    return out;
}

const char *cli_amount(double x, int decimals) {
    char *out = ring_buf();
    if (!isfinite(x)) {
        snprintf(out, 48, "n/a");
        return out;
    }
    if (decimals < 0) decimals = 0;
    if (decimals > 6) decimals = 6;
    char plain[48];
    snprintf(plain, sizeof plain, "%.*f", decimals, fabs(x));
    /* The rounded text decides the sign, so that -0.001 at 2 decimals is "0.00", not "-0.00". */
    int negative = x < 0 && strspn(plain, "0.") != strlen(plain);
    size_t int_len = strcspn(plain, ".");
    if (int_len > 30) {   /* beyond any amount a person reads: as it is */
        snprintf(out, 48, "%s%s", negative ? "-" : "", plain);
        return out;
    }
    size_t o = 0;
    if (negative) out[o++] = '-';
    for (size_t i = 0; i < int_len; i++) {
        if (i > 0 && (int_len - i) % 3 == 0) out[o++] = ',';
        out[o++] = plain[i];
    }
    snprintf(out + o, 48 - o, "%s", plain + int_len);
    return out;
}

const char *cli_noun(int64_t n, const char *one, const char *many) { return n == 1 ? one : many; }

const char *cli_nouns(int64_t n, const char *one, const char *many) {
    static char ring[8][96];
    static unsigned next;
    char *out = ring[next++ % 8];
    snprintf(out, sizeof ring[0], "%s %s", cli_count(n), cli_noun(n, one, many));
    return out;
}

const char *cli_metric(double x, int decimals) {
    if (isnan(x)) return "undefined";
    return cli_num(x, decimals);
}

const char *cli_metric_pct(double fraction) {
    if (isnan(fraction)) return "undefined";
    return cli_pct(fraction);
}

double cli_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- progress ---------------------------------------------------------------------------------------- */

/* What a step's numbers count, for the bar ("12.3MB/45.6MB", "60.0k/120k lines"), and for a step the library
 * reports only as started (done 0 of 1) what it is doing. Unknown steps show plain numbers. */
static const struct step_words {
    const char *step, *unit, *doing;
} step_words[] = {
    {"ingest", "B", NULL},
    {"build", " lines", NULL},
    {"load", " rows", NULL},
    {"cv", " folds", NULL},
    {"train", "", "fitting the model"},
    {"report", " sections", NULL},
    {"export", " rows", NULL},
};

static const struct step_words *words_of(const char *step) {
    for (size_t i = 0; i < sizeof step_words / sizeof step_words[0]; i++)
        if (strcmp(step_words[i].step, step) == 0) return &step_words[i];
    return NULL;
}

static struct {
    int checked, enabled;   /* whether stderr is a terminal (and TERM is not "dumb"), decided once */
    double interval;        /* seconds between redraws; the first frame of a step waits three of them */
    int columns;            /* width of the terminal, 80 when unknown */
    int drawn;              /* a bar is on screen and must be cleared before other output */
    char step[32];
    double t_start, t_last;
    double done0;           /* `done` at the first report of the step: the rate counts from there */
} bar;

static void clock_text(double s, char *buf, size_t size) {
    if (!isfinite(s) || s < 0 || s > 360000) {
        snprintf(buf, size, "--:--");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else
        snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

/* Decided once per process: a terminal, its width, and AS_PROGRESS_INTERVAL (seconds between redraws, 0 to 10;
 * 0 draws at every report from the first one on, which the tests use to see a bar on a small shop). */
static void bar_check(void) {
    bar.checked = 1;
    const char *term = getenv("TERM");
    bar.enabled = isatty(STDERR_FILENO) != 0 && !(term && strcmp(term, "dumb") == 0);
    bar.interval = 0.1;
    const char *iv = getenv("AS_PROGRESS_INTERVAL");
    if (iv && *iv) {
        char *end = NULL;
        double v = strtod(iv, &end);
        if (end != iv && *end == '\0' && v >= 0 && v <= 10) bar.interval = v;
    }
    bar.columns = 80;
    struct winsize ws;
    if (bar.enabled && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) bar.columns = ws.ws_col;
}

static void bar_erase(void) {
    if (!bar.drawn) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    bar.drawn = 0;
}

void cli_progress(void *user, const char *step, double done, double total) {
    (void)user;
    if (!bar.checked) bar_check();
    if (!bar.enabled || cli_verbosity_level == CLI_QUIET) return;
    if (!step) step = "";

    double now = cli_now();
    const struct step_words *w = words_of(step);
    if (strncmp(bar.step, step, sizeof bar.step - 1) != 0) {
        /* A new step: the last one's bar goes, and the rate and time left start from here. */
        bar_erase();
        snprintf(bar.step, sizeof bar.step, "%s", step);
        bar.t_start = bar.t_last = now;
        bar.done0 = done;
        /* A step that is only reported as started says what it does at once: nothing else will be drawn. */
        if (done == 0 && total == 1 && w && w->doing) {
            fprintf(stderr, "\r%-7.7s %s ...\033[K", bar.step, w->doing);
            fflush(stderr);
            bar.drawn = 1;
        }
        return;
    }
    /* A finished step leaves no bar behind: drawing 100 % would only flicker. */
    if (total > 0 && done >= total) {
        bar_erase();
        bar.step[0] = '\0';
        return;
    }
    double elapsed = now - bar.t_start;
    /* No frame for the first moments (a quick step draws nothing), then one per interval. */
    if (elapsed < 3 * bar.interval || (bar.drawn && now - bar.t_last < bar.interval)) return;
    bar.t_last = now;

    /* Rate and time left from what was done since the step's first report. */
    double rate = elapsed > 0 && done > bar.done0 ? (done - bar.done0) / elapsed : NAN;
    const char *unit = w ? w->unit : "";
    char line[256], left[24], took[24], rate_text[48];
    if (isnan(rate)) snprintf(rate_text, sizeof rate_text, "--/s");
    else snprintf(rate_text, sizeof rate_text, "%s%s/s", cli_si(rate), unit[0] == ' ' ? "" : unit);
    /* "step [####....] 42.0%  1.52MB/8.36MB  5.20MB/s  0:01 left"; the bar is left out where the terminal is too
     * narrow for the whole line, and the rest cut: a line wider than the terminal would wrap, and '\r' would then
     * redraw only its end. */
    char tail[160], fill[24];
    fill[0] = '\0';
    if (total > 0) {
        double frac = done / total;
        if (frac < 0) frac = 0;
        if (frac > 1) frac = 1;
        int width = 20, k = (int)(frac * width + 0.5);
        fill[0] = '[';
        for (int i = 0; i < width; i++) fill[1 + i] = i < k ? '#' : '.';
        fill[width + 1] = ']';
        fill[width + 2] = '\0';
        clock_text(rate > 0 ? (total - done) / rate : NAN, left, sizeof left);
        snprintf(tail, sizeof tail, "%5.1f%%  %s%s/%s%s  %s  %s left", frac * 100, cli_si(done),
                 unit[0] == ' ' ? "" : unit, cli_si(total), unit, rate_text, left);
    } else {
        clock_text(elapsed, took, sizeof took);
        snprintf(tail, sizeof tail, "%s%s  %s  %s elapsed", cli_si(done), unit, rate_text, took);
    }
    int n = snprintf(line, sizeof line, "%-7.7s %s%s%s", bar.step, fill, fill[0] ? " " : "", tail);
    if (n >= bar.columns) n = snprintf(line, sizeof line, "%-7.7s %s", bar.step, tail);
    if (n >= bar.columns) line[bar.columns - 1] = '\0';
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    bar.drawn = 1;
}

void cli_progress_clear(void) {
    bar_erase();
    bar.step[0] = '\0';
}

/* ---- metrics ----------------------------------------------------------------------------------------- */

const char *cli_threshold_origin(double threshold, double train_best_f1_threshold) {
    if (!isfinite(threshold)) return NULL;
    if (isfinite(train_best_f1_threshold) && fabs(threshold - train_best_f1_threshold) <= 1e-9)
        return "F1-best on the training rows";
    if (threshold == 0.5) return "the usual 0.5 cut-off";
    return NULL;
}

void cli_metrics_unknown(as_metrics *m) {
    m->rows = m->positives = -1;
    m->tp = m->fp = m->tn = m->fn = -1;
    m->positive_rate = m->accuracy = m->precision = m->recall = m->f1 = NAN;
    m->best_f1_threshold = m->best_f1 = m->best_f1_precision = m->best_f1_recall = NAN;
    m->roc_auc = m->pr_auc = m->log_loss = m->brier = NAN;
    m->precision_top1 = m->precision_top5 = NAN;
}

static const char *count_or_na(int64_t n) { return n < 0 ? "n/a" : cli_count(n); }

/* A metric of a split part: "undefined" when NaN in a part the report describes, "n/a" when the part itself is
 * unknown (rows < 0: a metrics file without it). */
static const char *mpct(const as_metrics *m, double x) { return m->rows < 0 ? cli_pct(x) : cli_metric_pct(x); }
static const char *mnum(const as_metrics *m, double x) { return m->rows < 0 ? cli_num(x, 4) : cli_metric(x, 4); }

void cli_print_metrics_table(FILE *out, const as_metrics *tr, const as_metrics *te) {
    const char *row = "  %-22s %14s %14s\n";
    fprintf(out, row, "", "train", "test");
    fprintf(out, row, "rows", count_or_na(tr->rows), count_or_na(te->rows));
    fprintf(out, row, "positive rate", cli_pct(tr->positive_rate), cli_pct(te->positive_rate));
    fprintf(out, row, "accuracy @0.5", mpct(tr, tr->accuracy), mpct(te, te->accuracy));
    fprintf(out, row, "precision @0.5", mpct(tr, tr->precision), mpct(te, te->precision));
    fprintf(out, row, "recall @0.5", mpct(tr, tr->recall), mpct(te, te->recall));
    fprintf(out, row, "F1 @0.5", mnum(tr, tr->f1), mnum(te, te->f1));
    fprintf(out, row, "best-F1 threshold", cli_num(tr->best_f1_threshold, 4), cli_num(te->best_f1_threshold, 4));
    fprintf(out, row, "best F1", mnum(tr, tr->best_f1), mnum(te, te->best_f1));
    fprintf(out, row, "ROC-AUC", mnum(tr, tr->roc_auc), mnum(te, te->roc_auc));
    fprintf(out, row, "PR-AUC", mnum(tr, tr->pr_auc), mnum(te, te->pr_auc));
    fprintf(out, row, "log loss", mnum(tr, tr->log_loss), mnum(te, te->log_loss));
    fprintf(out, row, "Brier", mnum(tr, tr->brier), mnum(te, te->brier));
    fprintf(out, row, "precision top 1%", mpct(tr, tr->precision_top1), mpct(te, te->precision_top1));
    fprintf(out, row, "precision top 5%", mpct(tr, tr->precision_top5), mpct(te, te->precision_top5));
    if (cli_verbosity_level >= CLI_VERBOSE) {
        fprintf(out, row, "true positives @0.5", count_or_na(tr->tp), count_or_na(te->tp));
        fprintf(out, row, "false positives @0.5", count_or_na(tr->fp), count_or_na(te->fp));
        fprintf(out, row, "true negatives @0.5", count_or_na(tr->tn), count_or_na(te->tn));
        fprintf(out, row, "false negatives @0.5", count_or_na(tr->fn), count_or_na(te->fn));
    }
}
