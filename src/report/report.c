/*
 * report.c — as_report: the page frame (head, style, navigation), the sections in order, and the all-or-nothing
 * write of the file; plus the text, number and query helpers every section uses (report.h).
 */
#include "report/report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const char *const rp_section_id[RP_SECTIONS] = {"glance", "trend", "model", "quality", "orders", "data"};

as_report_params as_report_params_default(void) {
    as_report_params p;
    memset(&p, 0, sizeof p);
    p.top_orders = 20;
    p.top_alerts = 25;
    p.max_funnels = 3;
    p.max_funnel_points = 2500;
    return p;
}

/* ---- failure and output ---------------------------------------------------------------------------------- */

as_status rp_fail(rp_ctx *c, as_status code, const char *fmt, ...) {
    if (c->st) return c->st;
    c->st = code;
    if (c->err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err->msg, sizeof c->err->msg, fmt, ap);
        va_end(ap);
        c->err->code = code;
    }
    return code;
}

as_status rp_fail_db(rp_ctx *c, const char *what) {
    return rp_fail(c, AS_ERR_DB, "%s: report (%s): %s", c->db->path, what, sqlite3_errmsg(c->db->sql));
}

static void check_append(rp_ctx *c, as_status st) {
    if (st == AS_ERR_NOMEM) rp_fail(c, st, "out of memory writing the report");
    else if (st) rp_fail(c, st, "the report grew beyond %zu MB; report on a smaller shop or fewer alerts",
                         RP_MAX_PAGE >> 20);
}

void rp_printf(rp_ctx *c, as_buf *b, const char *fmt, ...) {
    if (c->st) return;
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        check_append(c, as__buf_append(b ? b : &c->out, small, (size_t)n));
        return;
    }
    char *big = as__malloc((size_t)n + 1);
    if (!big) { rp_fail(c, AS_ERR_NOMEM, "out of memory writing the report"); return; }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    check_append(c, as__buf_append(b ? b : &c->out, big, (size_t)n));
    as__free(big);
}

void rp_puts(rp_ctx *c, as_buf *b, const char *s) {
    if (!c->st && s) check_append(c, as__buf_append(b ? b : &c->out, s, strlen(s)));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    size_t k = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (!k || k > n || (k == 2 && s[0] < 0xC2)) return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (k == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))) return 0;   /* overlong, surrogate */
    if (k == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || s[0] > 0xF4 || (s[0] == 0xF4 && s[1] >= 0x90))) return 0;
    return k;
}

static void esc_n(rp_ctx *c, as_buf *b, const char *s, size_t n) {
    as_buf *o = b ? b : &c->out;
    size_t run = 0;
    for (size_t i = 0; i < n && !c->st; i++) {
        const char *rep = NULL;
        if ((unsigned char)s[i] >= 0x80) {
            /* text from exports is not always UTF-8: a byte that starts no valid sequence becomes U+FFFD */
            size_t k = utf8_len((const unsigned char *)s + i, n - i);
            if (k) {
                i += k - 1;
                continue;
            }
            rep = "\xEF\xBF\xBD";
        } else switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default:
            /* control characters (a tab or newline inside a reason text) read as a space */
            if ((unsigned char)s[i] < 0x20) rep = " ";
        }
        if (!rep) continue;
        if (i > run) check_append(c, as__buf_append(o, s + run, i - run));
        check_append(c, as__buf_append(o, rep, strlen(rep)));
        run = i + 1;
    }
    if (!c->st && n > run) check_append(c, as__buf_append(o, s + run, n - run));
}

void rp_esc(rp_ctx *c, as_buf *b, const char *s) {
    if (s) esc_n(c, b, s, strlen(s));
}

void rp_esc_cut(rp_ctx *c, as_buf *b, const char *s, size_t max_chars) {
    if (!s) return;
    size_t i = 0, chars = 0, n = strlen(s);
    while (i < n && chars < max_chars) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;   /* continuation bytes */
        chars++;
    }
    esc_n(c, b, s, i);
    if (i < n) rp_puts(c, b, "…");
}

/* ---- numbers and dates ----------------------------------------------------------------------------------- */

static char *ring(rp_ctx *c) { return c->ring[c->ring_next++ % (sizeof c->ring / sizeof c->ring[0])]; }

const char *rp_fmt_count(rp_ctx *c, int64_t v) {
    char *out = ring(c);
    as__fmt_count(v, out, sizeof c->ring[0]);
    return out;
}

const char *rp_fmt_num(rp_ctx *c, double v, int digits) {
    char *out = ring(c);
    if (!isfinite(v)) return strcpy(out, "–");
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%.*f", digits, fabs(v));
    /* thousands separators in the whole part */
    const char *dot = strchr(tmp, '.');
    size_t whole = dot ? (size_t)(dot - tmp) : strlen(tmp), o = 0;
    int negative = v < 0 && strspn(tmp, "0.") != strlen(tmp);   /* "-0.00" reads as "0.00" */
    if (negative) out[o++] = '-';
    for (size_t i = 0; i < whole && o < sizeof c->ring[0] - 2; i++) {
        if (i && (whole - i) % 3 == 0) out[o++] = ',';
        out[o++] = tmp[i];
    }
    snprintf(out + o, sizeof c->ring[0] - o, "%s", dot ? dot : "");
    return out;
}

const char *rp_fmt_pct(rp_ctx *c, double share, int digits) {
    if (!isfinite(share)) {
        char *out = ring(c);
        return strcpy(out, "–");
    }
    const char *n = rp_fmt_num(c, share * 100.0, digits);
    char *out = ring(c);
    snprintf(out, sizeof c->ring[0], "%s %%", n);
    return out;
}

const char *rp_fmt_date(rp_ctx *c, int64_t t) {
    char *out = ring(c);
    as_time_format(t, 1, out, sizeof c->ring[0]);
    return out;
}

const char *rp_fmt_month(rp_ctx *c, int64_t t) {
    static const char *const names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int y, m, d;
    as__civil_from_days(t >= 0 ? t / AS_DAY : (t - AS_DAY + 1) / AS_DAY, &y, &m, &d);
    char *out = ring(c);
    snprintf(out, sizeof c->ring[0], "%s %d", names[(m - 1) % 12], y);
    return out;
}

/* ---- queries --------------------------------------------------------------------------------------------- */

sqlite3_stmt *rp_prepare(rp_ctx *c, const char *sql) {
    if (c->st) return NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->db->sql, sql, -1, &q, NULL) != SQLITE_OK) {
        rp_fail_db(c, sql);
        sqlite3_finalize(q);
        return NULL;
    }
    return q;
}

/* The first column of the first row of sql, as both an integer and a double; 0 when there is none (or NULL). */
static int first_value(rp_ctx *c, const char *sql, int64_t *i, double *d) {
    sqlite3_stmt *q = NULL;
    int ok = sqlite3_prepare_v2(c->db->sql, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
             sqlite3_column_type(q, 0) != SQLITE_NULL;
    if (ok) *i = sqlite3_column_int64(q, 0), *d = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    return ok;
}

int64_t rp_sql_int(rp_ctx *c, const char *sql, int64_t def) {
    int64_t i;
    double d;
    return first_value(c, sql, &i, &d) ? i : def;
}

double rp_sql_double(rp_ctx *c, const char *sql, double def) {
    int64_t i;
    double d;
    return first_value(c, sql, &i, &d) ? d : def;
}

int64_t rp_meta_int(rp_ctx *c, const char *key, int64_t def) {
    char v[64], *end = NULL;
    as_error e;
    if (as__db_meta_get(c->db, key, v, sizeof v, &e) != AS_OK) return def;
    long long x = strtoll(v, &end, 10);
    return end != v && *end == '\0' ? (int64_t)x : def;
}

int rp_table_exists(rp_ctx *c, const char *table) {
    sqlite3_stmt *q = NULL;
    int yes = 0;
    if (sqlite3_prepare_v2(c->db->sql, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &q,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
        yes = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    return yes;
}

/* ---- page structure -------------------------------------------------------------------------------------- */

void rp_section_begin(rp_ctx *c, int section, const char *title, const char *lead_html) {
    rp_printf(c, NULL, "<section id=\"%s\">\n<h2>", rp_section_id[section]);
    rp_esc(c, NULL, title);
    rp_puts(c, NULL, "</h2>\n");
    if (lead_html) rp_printf(c, NULL, "<p class=\"lead\">%s</p>\n", lead_html);
}

void rp_section_end(rp_ctx *c) { rp_puts(c, NULL, "</section>\n"); }

void rp_missing(rp_ctx *c, const char *fmt, ...) {
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    rp_puts(c, NULL, "<p class=\"missing\">");
    rp_esc(c, NULL, text);
    rp_puts(c, NULL, "</p>\n");
    if (c->stats) c->stats->missing_sections++;
}

void rp_kpi(rp_ctx *c, const char *name, double value, const char *label, const char *shown, const char *note) {
    rp_printf(c, NULL, "<div class=\"kpi\" data-kpi=\"%s\" data-value=\"%.17g\"><dt>", name, value);
    rp_esc(c, NULL, label);
    rp_puts(c, NULL, "</dt><dd>");
    rp_esc(c, NULL, shown);
    rp_puts(c, NULL, "</dd>");
    if (note) {
        rp_puts(c, NULL, "<dd class=\"note\">");
        rp_esc(c, NULL, note);
        rp_puts(c, NULL, "</dd>");
    }
    rp_puts(c, NULL, "</div>\n");
}

/* ---- the page -------------------------------------------------------------------------------------------- */

/* One palette for series (s0 … s5), flagged units and reference lines; print keeps the colours. The layout is a
 * single column up to 1,200 px with charts two or three to a row, so a laptop shows a chart and its table at once
 * and a phone still reads it. */
static const char k_style[] =
    ":root{--ink:#1f2933;--muted:#616e7c;--line:#d9e2ec;--bg:#fff;--panel:#f5f7fa;--s0:#1f6fb2;--s1:#e07b00;"
    "--s2:#2f9e44;--s3:#8e44ad;--s4:#c2255c;--s5:#5c7080;--bad:#d62828}\n"
    "*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:var(--ink);background:var(--bg)}\n"
    "header,main,footer{max-width:1200px;margin:0 auto;padding:0 20px}\n"
    "header{padding-top:18px;border-bottom:1px solid var(--line)}h1{font-size:22px;margin:0 0 4px}"
    ".sub{color:var(--muted);margin:0 0 10px}\n"
    "nav{display:flex;flex-wrap:wrap;gap:14px;padding:8px 0 12px}nav a{color:var(--s0);text-decoration:none}\n"
    "section{padding:10px 0 18px;border-bottom:1px solid var(--line)}h2{font-size:18px;margin:14px 0 6px}"
    "h3{font-size:15px;margin:14px 0 4px}\n"
    ".lead{color:var(--muted);margin:0 0 10px;max-width:900px}.missing{background:var(--panel);padding:10px 12px;"
    "border-left:3px solid var(--s1)}.warn{background:#fff4f4;padding:10px 12px;border-left:3px solid var(--bad)}"
    "h1,h2,p,td{overflow-wrap:anywhere}\n"
    ".kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:8px 0}"
    ".kpi{background:var(--panel);padding:8px 10px;border-radius:6px}.kpi dt{color:var(--muted);font-size:12px}"
    ".kpi dd{margin:0;font-size:20px;font-weight:600}.kpi dd.note{font-size:11px;font-weight:400;"
    "color:var(--muted)}\n"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:14px 24px;margin:8px 0}"
    "figure{margin:0;min-width:0}figure svg{width:100%;height:auto;display:block}"
    "figcaption{font-size:12px;color:var(--muted);margin-top:2px}\n"
    ".wide{grid-column:1/-1}\n"
    "svg text{font:11px system-ui,sans-serif;fill:var(--muted)}svg .title{fill:var(--ink);font-weight:600}"
    ".grid{stroke:var(--line);stroke-width:1}.axis{stroke:#9aa5b1;stroke-width:1}\n"
    ".line{fill:none;stroke-width:2}.ref{fill:none;stroke:#9aa5b1;stroke-width:1.2;stroke-dasharray:4 3}"
    ".limit{fill:none;stroke:var(--s1);stroke-width:1.3}.limit95{fill:none;stroke:#f0b97a;stroke-width:1;"
    "stroke-dasharray:3 3}\n"
    ".s0{stroke:var(--s0);fill:var(--s0)}.s1{stroke:var(--s1);fill:var(--s1)}.s2{stroke:var(--s2);fill:var(--s2)}"
    ".s3{stroke:var(--s3);fill:var(--s3)}.s4{stroke:var(--s4);fill:var(--s4)}.s5{stroke:var(--s5);fill:var(--s5)}"
    ".line.s0,.line.s1,.line.s2,.line.s3,.line.s4,.line.s5{fill:none}\n"
    "circle.mark{fill-opacity:.55;stroke-width:0}circle.mark.flagged{fill:var(--bad);fill-opacity:.9;stroke:#fff;"
    "stroke-width:1}rect.mark{stroke-width:0}rect.neg{fill:var(--s2)}rect.pos{fill:var(--bad)}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}th,td{padding:4px 6px;"
    "border-bottom:1px solid var(--line);text-align:left;vertical-align:top}th{font-size:12px;color:var(--muted);"
    "font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "td.date{white-space:nowrap}\n"
    ".tablewrap{overflow-x:auto}.spark{width:110px;height:24px;display:block}.spark rect{fill:var(--s0)}"
    ".spark rect.after{fill:var(--bad)}.quote{color:var(--muted);font-style:italic}\n"
    ".flag{color:var(--bad);font-weight:600}.small{font-size:12px;color:var(--muted)}"
    "footer{color:var(--muted);font-size:12px;padding:14px 20px 30px}\n"
    "@media print{body{font-size:11px}nav{display:none}section{break-inside:auto}figure,tr,.kpi{break-inside:avoid}"
    ".charts{grid-template-columns:repeat(2,1fr)}header,main,footer{max-width:none}}\n";

static void page_head(rp_ctx *c, const char *title) {
    rp_puts(c, NULL,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            /* nothing may be fetched: the page must open offline and survive being e-mailed */
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline';"
            " img-src data:\">\n<title>");
    rp_esc(c, NULL, title);
    rp_printf(c, NULL, "</title>\n<style>\n%s</style>\n</head>\n<body data-report-version=\"1\">\n<header>\n<h1>",
              k_style);
    rp_esc(c, NULL, title);
    rp_puts(c, NULL, "</h1>\n<p class=\"sub\">");
    if (c->data_end) {
        rp_printf(c, NULL, "Orders from %s to %s", rp_fmt_date(c, c->data_start), rp_fmt_date(c, c->data_end));
        if (c->has_features) rp_printf(c, NULL, " · return window %d days", c->horizon_days);
        rp_puts(c, NULL, " · ");
    }
    const char *slash = strrchr(c->db->path, '/');
    rp_puts(c, NULL, "database ");
    rp_esc(c, NULL, slash ? slash + 1 : c->db->path);
    rp_puts(c, NULL, "</p>\n<nav><a href=\"#glance\">At a glance</a><a href=\"#trend\">Return rate</a>"
                     "<a href=\"#model\">Risk model</a><a href=\"#quality\">Quality alerts</a>"
                     "<a href=\"#orders\">Open orders</a><a href=\"#data\">Data quality</a></nav>\n</header>\n<main>\n");
}

static void page_foot(rp_ctx *c) {
    char when[24];
    as_time_format((int64_t)time(NULL), 0, when, sizeof when);
    rp_printf(c, NULL, "</main>\n<footer>Written by aftersales %s on %s UTC. Customers appear only by their shop id "
              "or pseudonym; texts were scrubbed of e-mail addresses and phone numbers at ingest. Methods: "
              "docs/report.md, docs/methods.md and docs/quality.md of the aftersales source.</footer>\n"
              "</body>\n</html>\n", AS_VERSION, when);
}

/* What every section needs to know about the database before it starts. */
static void survey(rp_ctx *c) {
    c->has_features = rp_table_exists(c, "features");
    c->has_order_features = rp_table_exists(c, "order_features");
    c->has_quality = rp_table_exists(c, "alerts") && rp_table_exists(c, "quality_units");
    c->data_start = rp_sql_int(c, "SELECT MIN(ordered_at) FROM orders", 0);
    c->data_end = rp_sql_int(c, "SELECT MAX(ordered_at) FROM orders", 0);
    c->horizon_days = (int)rp_meta_int(c, "build_horizon_days", 0);
    c->label_until = rp_meta_int(c, "build_label_until", 0);
}

/* A model that barely ranks on its test rows, or was judged on too few positives to tell, earns a warning beside
 * its scores and drivers: a manager should not act on them. */
static void weak_check(rp_ctx *c) {
    const cJSON *test = cJSON_GetObjectItemCaseSensitive(c->metrics, "test");
    double auc = rp_json_num(test, "roc_auc"), pos = rp_json_num(test, "positives");
    double k = rp_json_num(c->metrics, "n_classes");
    if (k > 2) return;
    if (isfinite(pos) && pos < 30)
        snprintf(c->weak_model, sizeof c->weak_model, "Careful: the model was tested on only %s lines that came back "
                 "(ROC-AUC %s), too few to tell how well it ranks. Treat its scores and drivers as a rough guide until "
                 "more history is loaded.", rp_fmt_count(c, (int64_t)pos), rp_fmt_num(c, auc, 3));
    else if (isfinite(auc) && auc < 0.6)
        snprintf(c->weak_model, sizeof c->weak_model, "Careful: on its test rows the model ranks barely better than "
                 "chance (ROC-AUC %s; 0.5 is a coin toss), so its risk scores and drivers say little about which "
                 "orders will come back.", rp_fmt_num(c, auc, 3));
}

/* The model file and the metrics.json beside it (as train writes them). */
static void load_model(rp_ctx *c, const char *path) {
    as_error e;
    memset(&e, 0, sizeof e);
    if (!path || !*path) {
        char noted[1024];
        as_error ignore;
        if (as__db_meta_get(c->db, "last_model", noted, sizeof noted, &ignore) == AS_OK)
            snprintf(c->model_note, sizeof c->model_note, "the model last trained on this database, %.400s, is no "
                     "longer there: train again (aftersales train --db %s --out model/model.json) or name a model "
                     "with --model.", noted, c->db->path);
        else
            snprintf(c->model_note, sizeof c->model_note, "no model was given and none was trained on this database: "
                     "run aftersales %strain --db %s --out model/model.json, then report again.",
                     c->has_features ? "" : "build, then aftersales ", c->db->path);
        return;
    }
    snprintf(c->stats->model_path, sizeof c->stats->model_path, "%s", path);
    as_status st = as_model_load(path, &c->model, &e);
    if (st) {
        /* a named model that cannot be read is the user's mistake, not a section to leave out */
        rp_fail(c, st, "%s", e.msg);
        return;
    }
    char sid[64];
    as_error ignore;
    c->foreign_model = c->model->shop_id && as__db_meta_get(c->db, "shop_id", sid, sizeof sid, &ignore) == AS_OK &&
                       strcmp(sid, c->model->shop_id) != 0;
    char mpath[1100];
    const char *slash = strrchr(path, '/');
    int n = slash ? snprintf(mpath, sizeof mpath, "%.*s/metrics.json", (int)(slash - path), path)
                  : snprintf(mpath, sizeof mpath, "metrics.json");
    FILE *f = n > 0 && (size_t)n < sizeof mpath ? fopen(mpath, "rb") : NULL;
    if (!f) {
        snprintf(c->model_note, sizeof c->model_note, "%s has no metrics.json beside it, so the validation charts "
                 "are missing; train writes both into one folder.", path);
        return;
    }
    as_buf b;
    as__buf_init(&b, (size_t)32 << 20);
    as_status rs = as__buf_read_stream(&b, f);
    fclose(f);
    if (!rs) c->metrics = cJSON_ParseWithLength(b.data, b.len);
    as__buf_free(&b);
    if (!c->metrics) {
        snprintf(c->model_note, sizeof c->model_note, "%s is not a metrics file aftersales can read (not JSON); "
                 "train the model again to write it.", mpath);
        return;
    }
    weak_check(c);
    /* a metrics.json of another model in the same folder would describe the wrong model */
    const char *mf = rp_json_str(c->metrics, "model_file");
    const char *base = slash ? slash + 1 : path;
    if (mf && *mf) {
        const char *mslash = strrchr(mf, '/');
        if (strcmp(mslash ? mslash + 1 : mf, base) != 0)
            snprintf(c->model_note, sizeof c->model_note, "%s describes %s, not %s: the validation figures below "
                     "may belong to another model.", mpath, mf, base);
    }
}

/* The page may not replace what it is made from: the database (and its journal, WAL, key), the model or the
 * metrics.json beside it. Only files that exist can be overwritten, so they are compared by inode. */
static void refuse_overwrite(rp_ctx *c, const char *out, const char *model_path) {
    struct stat so;
    if (stat(out, &so) != 0) return;
    char buf[5][1100];
    const char *what[5] = {"the database", "the database's journal or log", "the database's key file", "the model",
                           "the model's metrics.json"};
    snprintf(buf[0], sizeof buf[0], "%s", c->db->path);
    snprintf(buf[2], sizeof buf[2], "%s.key", c->db->path);
    buf[3][0] = buf[4][0] = '\0';
    if (model_path) {
        snprintf(buf[3], sizeof buf[3], "%s", model_path);
        const char *slash = strrchr(model_path, '/');
        snprintf(buf[4], sizeof buf[4], "%.*s%smetrics.json", slash ? (int)(slash - model_path) : 0, model_path,
                 slash ? "/" : "");
    }
    static const char *const sides[3] = {"-wal", "-shm", "-journal"};
    for (int i = 0; i < 5 && !c->st; i++) {
        for (int k = 0; k < (i == 1 ? 3 : 1); k++) {
            char side[1200];
            const char *p = buf[i];
            if (i == 1) snprintf(side, sizeof side, "%s%s", c->db->path, sides[k]), p = side;
            struct stat sf;
            if (*p && stat(p, &sf) == 0 && sf.st_dev == so.st_dev && sf.st_ino == so.st_ino) {
                rp_fail(c, AS_ERR_INVALID, "the report's output %s is %s; write the page to another file", out,
                        what[i]);
                break;
            }
        }
    }
}

static as_status write_file(rp_ctx *c, const char *path) {
    char part[4200];
    int n = snprintf(part, sizeof part, "%s.part", path);
    if (n < 0 || (size_t)n >= sizeof part) return rp_fail(c, AS_ERR_INVALID, "output path too long: %s", path);
    FILE *f = fopen(part, "wb");
    if (!f) return rp_fail(c, AS_ERR_IO, "cannot write %s: %s", part, strerror(errno));
    size_t w = fwrite(c->out.data, 1, c->out.len, f);
    int bad = w != c->out.len || ferror(f);
    if (fclose(f) != 0) bad = 1;
    if (bad) {
        remove(part);
        return rp_fail(c, AS_ERR_IO, "writing %s failed (disk full?)", path);
    }
    if (rename(part, path) != 0) {
        int e = errno;
        remove(part);
        return rp_fail(c, AS_ERR_IO, "cannot rename %s to %s: %s", part, path, strerror(e));
    }
    return AS_OK;
}

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

as_status as_report(as_db *db, const as_report_params *params, as_report_stats *stats, as_error *err) {
    as_report_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!db) return as__err(err, AS_ERR_INVALID, "no database given to the report");
    as_report_params p = params ? *params : as_report_params_default();
    if (!p.out_html || !*p.out_html) return as__err(err, AS_ERR_INVALID, "the report needs an output file (--out)");
    if (p.top_orders < 0 || p.top_orders > 1000)
        return as__err(err, AS_ERR_INVALID, "--top-orders is %d, expected 0 to 1000", p.top_orders);
    if (p.top_alerts < 0 || p.top_alerts > 1000)
        return as__err(err, AS_ERR_INVALID, "--top-alerts is %d, expected 0 to 1000", p.top_alerts);
    if (p.max_funnels < 0 || p.max_funnels > 12)
        return as__err(err, AS_ERR_INVALID, "max_funnels is %d, expected 0 to 12", p.max_funnels);
    if (p.max_funnel_points < 100) p.max_funnel_points = 100;

    /* nothing ingested: a page would only say so, and opening created the tables in whatever file was named */
    {
        sqlite3_stmt *q = NULL;
        int any = sqlite3_prepare_v2(db->sql, "SELECT 1 FROM orders LIMIT 1", -1, &q, NULL) == SQLITE_OK &&
                  sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
        if (!any)
            return as__err(err, AS_ERR_STATE, "%s holds no orders: load the shop's exports first (aftersales ingest "
                           "--db %s FILES), then report", db->path, db->path);
    }
    double t0 = seconds_now();
    rp_ctx c;
    memset(&c, 0, sizeof c);
    c.db = db;
    c.p = &p;
    c.stats = stats;
    c.err = err;
    as__buf_init(&c.out, RP_MAX_PAGE);
    survey(&c);
    char noted[1024] = "";
    const char *model_path = p.model_path;
    if (!model_path) {
        as_error e;
        if (as__db_meta_get(db, "last_model", noted, sizeof noted, &e) == AS_OK) {
            FILE *f = fopen(noted, "rb");
            if (f) fclose(f), model_path = noted;
        }
    }
    load_model(&c, model_path);
    if (!c.st) refuse_overwrite(&c, p.out_html, model_path);

    char title[512];
    const char *slash = strrchr(db->path, '/');
    snprintf(title, sizeof title, "%s", p.title && *p.title ? p.title : "After-sales report");
    (void)slash;
    page_head(&c, title);
    void (*const section[RP_SECTIONS])(rp_ctx *) = {rp_glance, rp_trend, rp_model, rp_quality, rp_orders, rp_data};
    for (int s = 0; s < RP_SECTIONS && !c.st; s++) {
        if (p.progress) p.progress(p.progress_user, "report", s, RP_SECTIONS);
        section[s](&c);
    }
    page_foot(&c);
    if (!c.st) write_file(&c, p.out_html);
    if (!c.st && p.progress) p.progress(p.progress_user, "report", RP_SECTIONS, RP_SECTIONS);
    stats->bytes = (int64_t)c.out.len;
    stats->foreign_model = c.foreign_model;
    stats->weak_model = c.weak_model[0] != '\0';
    stats->seconds = seconds_now() - t0;
    as__buf_free(&c.out);
    cJSON_Delete(c.metrics);
    as_model_free(c.model);
    rp_labels_free(c.labels);
    return c.st;
}
