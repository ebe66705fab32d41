/*
 * cmd_quality.c — `aftersales quality`: products ranked by shrunk return rate (as_quality), written as CSV; the
 * top of that CSV is read back and shown as a table.
 */
#define _GNU_SOURCE   /* getopt_long */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define TOP_PRODUCTS 10
#define CSV_MAX_COLS 32
#define CSV_MAX_ROWS 64
#define CELL_BYTES 256     /* longer fields are cut (display only) */
#define CELL_WIDTH 28      /* display columns per cell at most */

void cmd_quality_usage(FILE *out) {
    as_quality_params d = as_quality_params_default();
    fprintf(out,
            "Usage: aftersales quality --db FILE --out CSV [options]\n"
            "\n"
            "Rank products by shrunk return rate and write the list as CSV.\n"
            "\n"
            "Return rates are shrunk toward a beta prior fitted on all products (empirical Bayes), so that a\n"
            "product with 2 returns out of 3 sales does not outrank one with 200 out of 1,000. Writes the list as\n"
            "CSV and shows the top %d products.\n"
            "\n"
            "Options:\n"
            "  --db FILE        database with features from 'aftersales build' (default: shop.db)\n"
            "  --out CSV        the product list to write (required)\n"
            "  --min-sales N    leave out products with fewer than N purchase lines (default: %lld)\n"
            "  -q, --quiet      print only errors and a one-line summary\n"
            "  -v, --verbose    print more detail\n"
            "  -h, --help       show this help\n"
            "\n"
            "Example:\n"
            "  aftersales quality --db shop.db --min-sales 30 --out quality.csv\n",
            TOP_PRODUCTS, (long long)d.min_sales);
}

/* ---- reading a CSV back (RFC 4180: quoted fields, "" inside quotes, line breaks inside quotes) ---------- */

typedef struct csv_head {
    int n_cols;
    int n_rows;                                  /* data rows read, header excluded */
    char cell[CSV_MAX_ROWS + 1][CSV_MAX_COLS][CELL_BYTES];   /* row 0 is the header */
    int row_cols[CSV_MAX_ROWS + 1];
} csv_head;

/* Reads one record into row; returns the number of fields, or 0 at end of file. */
static int read_record(FILE *f, char row[CSV_MAX_COLS][CELL_BYTES]) {
    int ch = getc(f);
    if (ch == EOF) return 0;
    int col = 0, quoted = 0;
    size_t len = 0;
    row[0][0] = '\0';
    for (;; ch = getc(f)) {
        if (ch == EOF) break;
        if (quoted) {
            if (ch == '"') {
                int next = getc(f);
                if (next == '"') {
                    ch = '"';
                } else {
                    quoted = 0;
                    if (next != EOF) ungetc(next, f);
                    continue;
                }
            }
        } else if (ch == '"' && len == 0) {
            quoted = 1;
            continue;
        } else if (ch == ',') {
            if (col + 1 < CSV_MAX_COLS) {
                col++;
                row[col][0] = '\0';
            }
            len = 0;
            continue;
        } else if (ch == '\r') {
            continue;
        } else if (ch == '\n') {
            break;
        }
        if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';   /* keep each cell on one line */
        if (len + 1 < CELL_BYTES) {
            row[col][len++] = (char)ch;
            row[col][len] = '\0';
        }
    }
    return col + 1;
}

/* Display width of UTF-8 text: one column per code point (continuation bytes do not count). */
static int text_width(const char *s) {
    int w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

/* Prints s in `width` columns, cut with '~' when longer, padded left or right. */
static void print_cell(const char *s, int width, int right) {
    int w = text_width(s);
    if (w > width) {
        int cols = 0;
        const char *p = s;
        for (; *p; p++) {
            if (((unsigned char)*p & 0xC0) != 0x80) {
                if (cols == width - 1) break;
                cols++;
            }
        }
        fwrite(s, 1, (size_t)(p - s), stdout);
        putchar('~');
        return;
    }
    if (right) printf("%*s", width - w, "");
    fputs(s, stdout);
    if (!right) printf("%*s", width - w, "");
}

static int is_number(const char *s, double *x) {
    if (!*s || isspace((unsigned char)*s)) return 0;
    char *end = NULL;
    *x = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*x);
}

/* Identifiers that happen to be digits keep their text; counts get thousands separators. */
static int is_identifier_column(const char *name) {
    char low[CELL_BYTES];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof low; i++) low[i] = (char)tolower((unsigned char)name[i]);
    low[i] = '\0';
    return strstr(low, "id") || strstr(low, "code") || strstr(low, "rank") || strstr(low, "year");
}

static int has_fraction(const char *text) { return strpbrk(text, ".eE") != NULL; }

/* Whole numbers get thousands separators (unless the column holds identifiers); a column with fractions
 * gets one number of decimals for all its cells, chosen by its largest magnitude. */
static void format_number(double x, int whole, int identifier, int decimals, const char *text, char *out,
                          size_t size) {
    if (whole && identifier)
        snprintf(out, size, "%s", text);
    else if (whole && fabs(x) < 9e18)
        snprintf(out, size, "%s", cli_count((int64_t)x));
    else
        snprintf(out, size, "%.*f", decimals, x);
}

int cli_print_csv_head(const char *cmd, const char *path, int top) {
    if (top > CSV_MAX_ROWS) top = CSV_MAX_ROWS;
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_warnf(cmd, "cannot read back '%s': %s", path, strerror(errno));
        return 0;
    }
    csv_head *h = calloc(1, sizeof *h);
    if (!h) {
        fclose(f);
        cli_warnf(cmd, "out of memory reading back '%s'", path);
        return 0;
    }
    h->n_cols = read_record(f, h->cell[0]);
    h->row_cols[0] = h->n_cols;
    while (h->n_rows < top) {
        int n = read_record(f, h->cell[h->n_rows + 1]);
        if (n == 0) break;
        if (n == 1 && h->cell[h->n_rows + 1][0][0] == '\0') continue;   /* blank line */
        h->row_cols[++h->n_rows] = n;
        for (int c = n; c < CSV_MAX_COLS; c++) h->cell[h->n_rows][c][0] = '\0';   /* short record */
    }
    fclose(f);
    if (h->n_cols == 0 || h->n_rows == 0) {
        printf("  (no rows in %s)\n", path);
        free(h);
        return 1;
    }

    /* Numbers are shown rounded and right-aligned; a column is numeric when all its shown cells are. */
    int width[CSV_MAX_COLS], numeric[CSV_MAX_COLS];
    for (int c = 0; c < h->n_cols; c++) {
        int whole = 1;
        double max_abs = 0;
        numeric[c] = 1;
        for (int r = 1; r <= h->n_rows; r++) {
            double x;
            const char *s = h->cell[r][c];
            if (!*s) continue;
            if (!is_number(s, &x)) {
                numeric[c] = 0;
                break;
            }
            if (has_fraction(s)) whole = 0;
            if (fabs(x) > max_abs) max_abs = fabs(x);
        }
        int ident = is_identifier_column(h->cell[0][c]);
        int decimals = max_abs < 10 ? 4 : max_abs < 1000 ? 2 : 0;
        width[c] = text_width(h->cell[0][c]);
        for (int r = 1; r <= h->n_rows; r++) {
            char *s = h->cell[r][c];
            double x;
            if (numeric[c] && is_number(s, &x)) {
                char tmp[64];
                format_number(x, whole, ident, decimals, s, tmp, sizeof tmp);
                snprintf(s, CELL_BYTES, "%s", tmp);
            }
            int w = text_width(s);
            if (w > width[c]) width[c] = w;
        }
        if (width[c] > CELL_WIDTH) width[c] = CELL_WIDTH;
    }
    for (int r = 0; r <= h->n_rows; r++) {
        fputs("  ", stdout);
        for (int c = 0; c < h->n_cols; c++) {
            if (c) fputs("  ", stdout);
            print_cell(h->cell[r][c], width[c], numeric[c]);
        }
        putchar('\n');
    }
    free(h);
    return 1;
}

int cmd_quality(int argc, char **argv) {
    static const char cmd[] = "quality";
    enum { OPT_DB = CLI_OPT_FIRST, OPT_MIN_SALES, OPT_OUT };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"db", required_argument, NULL, OPT_DB},
        {"min-sales", required_argument, NULL, OPT_MIN_SALES},
        {"out", required_argument, NULL, OPT_OUT},
        {NULL, 0, NULL, 0},
    };
    const char *db_path = "shop.db";
    as_quality_params qp = as_quality_params_default();
    qp.out_csv = NULL;

    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        switch (c) {
        case CLI_OPT_HELP: cmd_quality_usage(stdout); return CLI_EXIT_OK;
        case OPT_DB: db_path = optarg; break;
        case OPT_MIN_SALES:
            if (!cli_parse_int64(cmd, "--min-sales", optarg, 0, INT64_MAX, &qp.min_sales)) return CLI_EXIT_USAGE;
            break;
        case OPT_OUT: qp.out_csv = optarg; break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!qp.out_csv) return cli_usage_error(cmd, "missing --out CSV (the product list to write)");
    if (!cli_make_parent(cmd, qp.out_csv)) return CLI_EXIT_IO;

    double t0 = cli_now();
    as_db *db = NULL;
    int rc = cli_open_db(cmd, db_path, 1, &db);
    if (rc != CLI_EXIT_OK) return rc;
    as_quality_stats s;
    memset(&s, 0, sizeof s);
    as_error err;
    memset(&err, 0, sizeof err);
    as_status st = as_quality(db, &qp, &s, &err);
    cli_progress_clear();
    as_db_close(db);
    if (st != AS_OK) return cli_fail(cmd, st, &err);
    double seconds = cli_now() - t0;

    double ab = s.prior_alpha + s.prior_beta;
    double prior_mean = ab > 0 ? s.prior_alpha / ab : NAN;
    if (cli_verbosity_level == CLI_QUIET) {
        printf("quality: %s ranked, overall return rate %s, wrote %s\n", cli_nouns(s.products, "product", "products"),
               cli_pct(s.overall_rate), qp.out_csv);
        return CLI_EXIT_OK;
    }
    const char *row = "  %-22s %s\n";
    printf("quality: products ranked by shrunk return rate from %s\n", db_path);
    printf(row, "products", cli_count(s.products));
    printf(row, "min sales", cli_count(qp.min_sales));
    printf(row, "overall return rate", cli_pct(s.overall_rate));
    printf("  %-22s alpha %s, beta %s (mean %s, worth %s sales)\n", "beta prior", cli_num(s.prior_alpha, 3),
           cli_num(s.prior_beta, 3), cli_pct(prior_mean), cli_num(ab, 1));
    printf(row, "elapsed", cli_duration(seconds));
    int64_t top = s.products < TOP_PRODUCTS ? s.products : TOP_PRODUCTS;
    if (top == s.products)
        printf("\n%s (from %s):\n", top == 1 ? "The product" : "All products", qp.out_csv);
    else
        printf("\nTop %s (from %s):\n", cli_nouns(top, "product", "products"), qp.out_csv);
    cli_print_csv_head(cmd, qp.out_csv, TOP_PRODUCTS);
    printf("wrote %s\n", qp.out_csv);
    return CLI_EXIT_OK;
}
