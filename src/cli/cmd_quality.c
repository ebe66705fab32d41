/*
 * cmd_quality.c — `aftersales quality`: quality alerts for products, suppliers, sellers and categories (as_quality),
 * written as CSV (and JSON); the top of that CSV is read back and shown as a table.
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

#define TOP_ALERTS 10
#define CSV_MAX_COLS 48
#define CSV_MAX_ROWS 64
#define CELL_BYTES 256     /* longer fields are cut (display only) */
#define CELL_WIDTH 28      /* display columns per cell at most */

void cmd_quality_usage(FILE *out) {
    as_quality_params d = as_quality_params_default();
    fprintf(out,
            "Usage: aftersales quality --db FILE [--out CSV] [options]\n"
            "\n"
            "Find products, suppliers, sellers and categories with a real quality problem, date when it started\n"
            "and show why (docs/quality.md).\n"
            "\n"
            "Only cases about the product count: size/fit, defective, not as described, and cases whose reason is\n"
            "unknown; a late parcel or a change of mind is not a product problem. Rates are shrunk towards the\n"
            "category (empirical Bayes), so three sales and one return do not raise an alert. A unit is flagged when\n"
            "its credible interval lies above its baseline (the category's rate; for suppliers and sellers the rate\n"
            "their mix of categories predicts) AND its rate is outside the %.1f %% funnel limit (that coverage\n"
            "shared among the signals and windows tested), in the recent window (detection) or the long one\n"
            "(stability). Alerts are ranked by expected excess returns and carry the onset (Bernoulli CUSUM), the\n"
            "rate before and after it, top reasons and two example texts.\n"
            "\n"
            "Options:\n"
            "  --db FILE               database from 'aftersales ingest' (default: shop.db)\n"
            "  --out CSV               the alerts as CSV (default: alerts.csv next to the database)\n"
            "  --json FILE             the alerts as JSON as well\n"
            "  --units-csv FILE        every product's, supplier's, seller's and category's figures (funnel plot data)\n"
            "  --as-of DATE            end of both windows: a date means the end of that day (default: the time of\n"
            "                          the last order in the database)\n"
            "  --recent-days N         detection window (default: %d)\n"
            "  --long-days N           stability window (default: %d)\n"
            "  --min-sales N           never flag a unit with fewer sales in a window (default: %lld)\n"
            "  --min-cases N           … or with fewer cases of the signal (default: %lld)\n"
            "  --credible P            level of the shrunk rate's credible interval (default: %g)\n"
            "  --funnel P              two-sided coverage of the funnel limit that flags (default: %g)\n"
            "  --interval METHOD       interval of the raw rate: wilson, jeffreys or exact (default: wilson)\n"
            "  --min-category-products N  smaller categories are compared with the whole shop (default: %d)\n"
            "  --reason-model FILE     classifier from 'aftersales reasons train' for texts the lexicon misses\n"
            "  -q, --quiet             print only errors and a one-line summary\n"
            "  -v, --verbose           print more detail\n"
            "  -h, --help              show this help\n"
            "\n"
            "Outputs: tables alerts, alert_reasons and quality_units in the database; the CSV (and JSON) files.\n"
            "\n"
            "Example:\n"
            "  aftersales quality --db shop.db --out alerts.csv --json alerts.json\n",
            100.0 * d.funnel, d.recent_days, d.long_days, (long long)d.min_sales, (long long)d.min_cases, d.credible,
            d.funnel, d.min_category_products);
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

/* Keeps only the named columns, in the order named; names the file lacks are left out. */
static void select_columns(csv_head *h, const char *const *columns) {
    int pick[CSV_MAX_COLS], n = 0;
    for (const char *const *c = columns; *c && n < CSV_MAX_COLS; c++)
        for (int j = 0; j < h->n_cols; j++)
            if (!strcmp(h->cell[0][j], *c)) { pick[n++] = j; break; }
    static char tmp[CSV_MAX_COLS][CELL_BYTES];
    for (int r = 0; r <= h->n_rows; r++) {
        for (int j = 0; j < n; j++) memcpy(tmp[j], h->cell[r][pick[j]], CELL_BYTES);
        for (int j = 0; j < n; j++) memcpy(h->cell[r][j], tmp[j], CELL_BYTES);
        h->row_cols[r] = n;
    }
    h->n_cols = n;
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

/* Rates are shown as percentages, as in the summaries above the tables. */
static int is_share_column(const char *name) {
    size_t n = strlen(name);
    return !strcmp(name, "rate") || !strcmp(name, "baseline") || (n > 5 && !strcmp(name + n - 5, "_rate"));
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

int cli_print_csv_head(const char *cmd, const char *path, int top, const char *const *columns) {
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
    if (columns) select_columns(h, columns);

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
        int ident = is_identifier_column(h->cell[0][c]), share = is_share_column(h->cell[0][c]);
        int decimals = max_abs < 10 ? 4 : max_abs < 1000 ? 2 : 0;
        width[c] = text_width(h->cell[0][c]);
        for (int r = 1; r <= h->n_rows; r++) {
            char *s = h->cell[r][c];
            double x;
            if (numeric[c] && is_number(s, &x)) {
                char tmp[64];
                if (share) snprintf(tmp, sizeof tmp, "%.2f%%", 100.0 * x);
                else format_number(x, whole, ident, decimals, s, tmp, sizeof tmp);
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
    enum {
        OPT_DB = CLI_OPT_FIRST, OPT_MIN_SALES, OPT_MIN_CASES, OPT_OUT, OPT_JSON, OPT_UNITS, OPT_AS_OF, OPT_RECENT,
        OPT_LONG, OPT_CREDIBLE, OPT_FUNNEL, OPT_INTERVAL, OPT_MIN_CAT, OPT_REASON_MODEL
    };
    static const struct option opts[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"db", required_argument, NULL, OPT_DB},
        {"min-sales", required_argument, NULL, OPT_MIN_SALES},
        {"min-cases", required_argument, NULL, OPT_MIN_CASES},
        {"out", required_argument, NULL, OPT_OUT},
        {"json", required_argument, NULL, OPT_JSON},
        {"units-csv", required_argument, NULL, OPT_UNITS},
        {"as-of", required_argument, NULL, OPT_AS_OF},
        {"recent-days", required_argument, NULL, OPT_RECENT},
        {"long-days", required_argument, NULL, OPT_LONG},
        {"credible", required_argument, NULL, OPT_CREDIBLE},
        {"funnel", required_argument, NULL, OPT_FUNNEL},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"min-category-products", required_argument, NULL, OPT_MIN_CAT},
        {"reason-model", required_argument, NULL, OPT_REASON_MODEL},
        {NULL, 0, NULL, 0},
    };
    static const char *const interval_names[] = {"wilson", "jeffreys", "exact", NULL};
    static const int interval_values[] = {0, 1, 2};
    const char *db_path = "shop.db";
    as_quality_params qp = as_quality_params_default();
    char default_out[4096];

    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTIONS, opts, NULL)) != -1) {
        int r = cli_common_option(cmd, c, argv);
        if (r > 0) return r;
        if (r == 0) continue;
        int ok = 1;
        switch (c) {
        case CLI_OPT_HELP: cmd_quality_usage(stdout); return CLI_EXIT_OK;
        case OPT_DB: db_path = optarg; break;
        case OPT_MIN_SALES: ok = cli_parse_int64(cmd, "--min-sales", optarg, 1, INT64_MAX, &qp.min_sales); break;
        case OPT_MIN_CASES: ok = cli_parse_int64(cmd, "--min-cases", optarg, 0, INT64_MAX, &qp.min_cases); break;
        case OPT_OUT: qp.out_csv = optarg; break;
        case OPT_JSON: qp.out_json = optarg; break;
        case OPT_UNITS: qp.out_units_csv = optarg; break;
        case OPT_AS_OF:
            ok = cli_parse_time(cmd, "--as-of", optarg, &qp.as_of);
            if (ok && strlen(optarg) == 10) qp.as_of += 86399;   /* a day means all of that day */
            break;
        case OPT_RECENT: ok = cli_parse_int(cmd, "--recent-days", optarg, 1, 36500, &qp.recent_days); break;
        case OPT_LONG: ok = cli_parse_int(cmd, "--long-days", optarg, 1, 36500, &qp.long_days); break;
        case OPT_CREDIBLE: ok = cli_parse_double(cmd, "--credible", optarg, 0.501, 0.999999, &qp.credible); break;
        case OPT_FUNNEL: ok = cli_parse_double(cmd, "--funnel", optarg, 0.501, 0.999999, &qp.funnel); break;
        case OPT_INTERVAL:
            ok = cli_parse_choice(cmd, "--interval", optarg, interval_names, interval_values, &qp.interval);
            break;
        case OPT_MIN_CAT:
            ok = cli_parse_int(cmd, "--min-category-products", optarg, 1, 1 << 30, &qp.min_category_products);
            break;
        case OPT_REASON_MODEL: qp.reason_model = optarg; break;
        default: return cli_usage_error(cmd, "unhandled option");
        }
        if (!ok) return CLI_EXIT_USAGE;
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (qp.long_days < qp.recent_days)
        return cli_usage_error(cmd, "--long-days %d is shorter than --recent-days %d; the long window must contain "
                               "the recent one", qp.long_days, qp.recent_days);
    if (!qp.out_csv) {
        if (!cli_sibling_path(db_path, "alerts.csv", default_out, sizeof default_out))
            return cli_usage_error(cmd, "the database path is too long to place alerts.csv beside it; give --out");
        qp.out_csv = default_out;
    }
    /* No output may overwrite the database, its key, the reason model or another output. */
    const char *outs[] = {qp.out_csv, qp.out_json, qp.out_units_csv};
    const char *names[] = {"--out", "--json", "--units-csv"};
    const char *inputs[] = {qp.reason_model}, *input_names[] = {"the reason model"};
    int clash = cli_check_outputs(cmd, db_path, inputs, input_names, 1, outs, names, 3);
    if (clash != CLI_EXIT_OK) return clash;
    for (int i = 0; i < 3; i++)
        if (outs[i] && !cli_make_parent(cmd, outs[i])) return CLI_EXIT_IO;
    if (qp.reason_model && !cli_check_readable(cmd, "reason model", qp.reason_model)) {
        fprintf(stderr, "  make one with: aftersales reasons train --db %s --out %s\n", db_path, qp.reason_model);
        return CLI_EXIT_IO;
    }

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

    if (cli_verbosity_level == CLI_QUIET) {
        printf("quality: %s (%s, %s, %s, %s), %s expected excess returns on products, wrote %s\n",
               cli_nouns(s.alerts, "alert", "alerts"), cli_nouns(s.product_alerts, "product", "products"),
               cli_nouns(s.supplier_alerts, "supplier", "suppliers"), cli_nouns(s.seller_alerts, "seller", "sellers"),
               cli_nouns(s.category_alerts, "category", "categories"), cli_amount(s.excess_returns, 0), qp.out_csv);
        return CLI_EXIT_OK;
    }
    /* The alerts first, the summary of the run last: the lines a reader sees when the command ends. */
    if (s.alerts > 0) {
        int64_t top = s.alerts < TOP_ALERTS ? s.alerts : TOP_ALERTS;
        if (top == s.alerts) printf("Alerts (from %s):\n", qp.out_csv);
        else printf("Top %lld of %s alerts (from %s):\n", (long long)top, cli_count(s.alerts), qp.out_csv);
        static const char *const cols[] = {"rank", "kind", "unit_id", "name", "category", "signal", "sales", "cases",
                                           "rate", "baseline", "excess_returns", "onset_date", "top_reasons", NULL};
        cli_print_csv_head(cmd, qp.out_csv, TOP_ALERTS, cols);
        printf("\n");
    }
    const char *row = "  %-24s %s\n";
    printf("quality: alerts from %s as of %s\n", db_path, cli_date(s.as_of));
    printf("  %-24s recent %d days, long %d days\n", "windows", qp.recent_days, qp.long_days);
    printf(row, "products with sales", cli_count(s.products));
    printf("  %-24s %s up to then: %s count as evidence, %s left out (delivery, changed mind, wrong item),\n"
           "  %-24s %s on no sale (no product named, or no purchase found)\n", "cases", cli_count(s.cases_total),
           cli_count(s.evidence_cases), cli_count(s.excluded_cases), "", cli_count(s.cases_unattributed));
    if (qp.reason_model) printf(row, "classified by the model", cli_count(s.model_classified));
    printf(row, "product-related rate", cli_pct(s.overall_rate));
    double ab = s.prior_alpha + s.prior_beta;
    printf("  %-24s alpha %s, beta %s (worth %s sales)\n", "shop-wide prior", cli_num(s.prior_alpha, 3),
           cli_num(s.prior_beta, 3), cli_num(ab, 1));
    if (s.alerts > 0)
        printf("  %-24s %s, %s, %s, %s\n", "alerts", cli_nouns(s.product_alerts, "product", "products"),
               cli_nouns(s.supplier_alerts, "supplier", "suppliers"), cli_nouns(s.seller_alerts, "seller", "sellers"),
               cli_nouns(s.category_alerts, "category", "categories"));
    else
        printf("  %-24s none: no unit's rate clears both the credible interval and the funnel limit\n", "alerts");
    printf(row, "excess returns", cli_amount(s.excess_returns, 1));
    if (cli_verbosity_level >= CLI_VERBOSE) {
        printf("  %-24s min sales %lld, min cases %lld, credible %g, funnel %g (shared by the signals and windows "
               "tested), interval %s\n", "rules", (long long)qp.min_sales, (long long)qp.min_cases, qp.credible,
               qp.funnel, interval_names[qp.interval]);
        printf("  %-24s alerts, alert_reasons, quality_units in %s\n", "tables", db_path);
    }
    printf(row, "elapsed", cli_duration(seconds));
    printf("wrote %s", qp.out_csv);
    if (qp.out_json) printf(", %s", qp.out_json);
    if (qp.out_units_csv) printf(", %s", qp.out_units_csv);
    printf("\n");
    return CLI_EXIT_OK;
}
