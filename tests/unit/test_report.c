/*
 * test_report.c — as_report on a simulated shop run through the whole job (simulate → ingest → build → train →
 * quality), checked against the database and the model's own files:
 *  - the six sections in order; every chart's data-marks equals its marks; the key figures equal SQL counts;
 *  - the model charts have as many points as metrics.json has curve vertices and calibration bins, 20 top-k bars,
 *    15 driver bars; the funnel plot has a mark for every product of its peer group;
 *  - the alert table has a row per alert with a 53-week sparkline, whose sales are the product's sales (a slow twin
 *    in SQL: one sale per order and product) and whose cases cover the alert's own;
 *  - the open orders are the orders with no case after the last labelled purchase, ranked by their riskiest
 *    line, whose risk equals what `score` writes for it;
 *  - no personal value of the shop's customers.csv appears, text is escaped, nothing outside the page is named;
 *  - a database with only ingest gives a page with notes naming the missing steps; a model of another shop is
 *    named as such and scores nothing; rejects are grouped by their reason; a missing model, an unwritable output
 *    or an output that is the model, its metrics or the database fails and leaves every file as it was; an empty
 *    database is refused; the Nth allocation failing never crashes or leaks;
 *  - the number, percent, date and escaping helpers.
 * The same page is rendered in Chromium by tests/e2e/report_browser.sh.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "report/report.h"
#include "quality/quality_internal.h"
#include "test.h"
#include "test_db.h"

static char dir[256], shop[320], dbp[320], model[320], metrics[320], page[320];

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)len + 1);
    if (s && fread(s, 1, (size_t)len, f) != (size_t)len) { free(s); s = NULL; }
    if (s) s[len] = '\0';
    fclose(f);
    if (n) *n = (size_t)len;
    return s;
}

static int count_in(const char *from, const char *to, const char *needle) {
    int n = 0;
    size_t k = strlen(needle);
    for (const char *p = from; (p = strstr(p, needle)) && (!to || p < to); p += k) n++;
    return n;
}

/* The text of one element: from `open` (its start tag) to the matching close tag `close`, not nested. */
static const char *element(const char *html, const char *open, const char *close, const char **end) {
    const char *s = strstr(html, open);
    *end = s ? strstr(s, close) : NULL;
    return *end ? s : NULL;
}

/* data-marks of the chart with id chart-NAME, or -1. */
static int chart_marks(const char *html, const char *name) {
    char open[96];
    snprintf(open, sizeof open, "id=\"chart-%s\"", name);
    const char *end, *s = element(html, open, "</svg>", &end);
    if (!s) return -1;
    const char *dm = strstr(s, "data-marks=\"");
    return dm && dm < end ? atoi(dm + 12) : -1;
}

/* Every svg with data-marks holds exactly that many elements of class "mark…"; returns the svgs that do not. */
static int inconsistent_svgs(const char *html, int *n_svgs) {
    int bad = 0;
    *n_svgs = 0;
    for (const char *p = html; (p = strstr(p, "<svg ")); p++) {
        const char *end = strstr(p, "</svg>"), *dm = strstr(p, "data-marks=\"");
        if (!end || !dm || dm > end) continue;
        (*n_svgs)++;
        int want = atoi(dm + 12), got = count_in(p, end, "class=\"mark");
        if (want != got) {
            bad++;
            fprintf(stderr, "svg at byte %ld: data-marks %d, marks %d\n", (long)(p - html), want, got);
        }
    }
    return bad;
}

/* Body rows of the table with the given id. */
static int table_rows(const char *html, const char *id) {
    char open[96];
    snprintf(open, sizeof open, "<table id=\"%s\">", id);
    const char *end, *s = element(html, open, "</table>", &end);
    if (!s) return -1;
    const char *body = strstr(s, "<tbody>");
    return body && body < end ? count_in(body, end, "<tr") : -1;
}

/* data-value of a key figure, or NaN. */
static double kpi(const char *html, const char *name) {
    char key[96];
    snprintf(key, sizeof key, "data-kpi=\"%s\" data-value=\"", name);
    const char *p = strstr(html, key);
    return p ? strtod(p + strlen(key), NULL) : NAN;
}

static const char *section(const char *html, const char *id, const char **end) {
    char open[64];
    snprintf(open, sizeof open, "<section id=\"%s\">", id);
    return element(html, open, "</section>", end);
}

static as_status run_report(as_db *db, const char *model_path, const char *out, as_report_stats *rs, as_error *err) {
    as_report_params rp = as_report_params_default();
    rp.out_html = out;
    rp.model_path = model_path;
    return as_report(db, &rp, rs, err);
}

/* ---- the whole job, then the page ------------------------------------------------------------------------ */

static as_db *g_db;

static void setup_shop(void) {
    as_error err = {0};
    snprintf(shop, sizeof shop, "%s/shop", dir);
    snprintf(dbp, sizeof dbp, "%s/shop.db", dir);
    snprintf(model, sizeof model, "%s/model/model.json", dir);
    snprintf(metrics, sizeof metrics, "%s/model/metrics.json", dir);
    snprintf(page, sizeof page, "%s/report.html", dir);
    char mdir[320];
    snprintf(mdir, sizeof mdir, "%s/model", dir);
    mkdir(mdir, 0755);
    as_sim_params sp = as_sim_params_default();   /* the demo's shop: alerts, categories, carriers */
    as_sim_stats sst;
    CHECK_OK(as_simulate(&sp, shop, &sst, &err), &err);
    CHECK_OK(as_db_open(dbp, &g_db, &err), &err);
    if (!g_db) return;
    as_ingest_params ip = as_ingest_params_default();
    ip.preset = "canonical";
    as_ingest_stats is;
    CHECK_OK(as_ingest(g_db, shop, &ip, &is, &err), &err);
    as_build_stats bs;
    CHECK_OK(as_build(g_db, NULL, &bs, &err), &err);
    as_train_params tp = as_train_params_default();
    tp.pca_variance = 0;
    as_model *m = NULL;
    static as_metrics_report rep;
    CHECK_OK(as_train_db(g_db, &tp, &m, &rep, &err), &err);
    CHECK_OK(as_model_save(m, model, &err), &err);
    snprintf(rep.model_file, sizeof rep.model_file, "model.json");
    CHECK_OK(as_metrics_write_json(&rep, metrics, &err), &err);
    as_model_free(m);
    CHECK_OK(as_db_note_model(g_db, model, &err), &err);
    as_quality_stats qs;
    as_quality_params qp = as_quality_params_default();
    CHECK_OK(as_quality(g_db, &qp, &qs, &err), &err);
    CHECK_MSG(qs.product_alerts > 0, "the demo shop should raise product alerts (got %lld)", (long long)qs.product_alerts);
}

static void test_page(void) {
    as_error err = {0};
    as_report_stats rs;
    /* no model named: the one noted by train is found */
    CHECK_OK(run_report(g_db, NULL, page, &rs, &err), &err);
    CHECK_MSG(strstr(rs.model_path, "model.json") != NULL, "model: %s", rs.model_path);
    size_t n;
    char *html = slurp(page, &n);
    CHECK(html != NULL);
    if (!html) return;
    CHECK((int64_t)n == rs.bytes);
    CHECK(rs.missing_sections == 0);

    /* sections, in order */
    const char *prev = html;
    for (int s = 0; s < RP_SECTIONS; s++) {
        const char *end, *at = section(html, rp_section_id[s], &end);
        CHECK_MSG(at && at > prev, "section %s missing or out of order", rp_section_id[s]);
        if (at) CHECK_MSG(!count_in(at, end, "class=\"missing\""), "section %s has a missing-data note",
                          rp_section_id[s]);
        if (at) prev = at;
    }
    int n_svgs;
    CHECK(inconsistent_svgs(html, &n_svgs) == 0);
    CHECK_MSG(n_svgs >= rs.charts && rs.charts >= 8, "%d svgs, %d charts", n_svgs, rs.charts);

    /* key figures against the database */
    CHECK(kpi(html, "lines") == (double)q_int(g_db, "SELECT COUNT(*) FROM order_lines WHERE quantity > 0"));
    CHECK(kpi(html, "orders") == (double)q_int(g_db, "SELECT COUNT(*) FROM orders"));
    CHECK(kpi(html, "customers") == (double)q_int(g_db, "SELECT COUNT(*) FROM customers"));
    CHECK(kpi(html, "products") == (double)q_int(g_db, "SELECT COUNT(*) FROM products"));
    CHECK(kpi(html, "cases") == (double)q_int(g_db, "SELECT COUNT(*) FROM cases"));
    double labelled = (double)q_int(g_db, "SELECT COUNT(*) FROM features WHERE label IS NOT NULL");
    double positives = (double)q_int(g_db, "SELECT SUM(label) FROM features WHERE label IS NOT NULL");
    CHECK_NEAR(kpi(html, "return_rate"), positives / labelled, 1e-15);
    CHECK(kpi(html, "return_cost") > 0);

    /* the trend: a point per month with labelled lines for the shop, and per month with 20 labelled lines for
     * each of the four largest categories */
    int64_t months = q_int(g_db, "SELECT COUNT(DISTINCT strftime('%Y-%m', ordered_at, 'unixepoch')) FROM features"
                                 " WHERE label IS NOT NULL");
    int64_t cat_points = q_int(g_db, "SELECT COUNT(*) FROM (SELECT category, strftime('%Y-%m', ordered_at, 'unixepoch')"
                                     " FROM features WHERE label IS NOT NULL AND category IN (SELECT category FROM"
                                     " features WHERE label IS NOT NULL AND category IS NOT NULL GROUP BY 1 ORDER BY"
                                     " COUNT(*) DESC, 1 LIMIT 4) GROUP BY 1, 2 HAVING COUNT(*) >= 20)");
    int trend = chart_marks(html, "trend");
    CHECK_MSG(trend == months + cat_points, "trend marks %d, months %lld + category points %lld", trend,
              (long long)months, (long long)cat_points);
    /* the shop's own points carry its name and the month's counts */
    CHECK(count_in(html, NULL, "<title>all products, ") == (int)months);

    /* the model charts against metrics.json */
    char *mj = slurp(metrics, NULL);
    cJSON *m = mj ? cJSON_Parse(mj) : NULL;
    CHECK(m != NULL);
    const cJSON *curves = cJSON_GetObjectItem(cJSON_GetObjectItem(m, "curves"), "test");
    CHECK(chart_marks(html, "roc") == cJSON_GetArraySize(cJSON_GetObjectItem(curves, "roc")));
    CHECK(chart_marks(html, "pr") == cJSON_GetArraySize(cJSON_GetObjectItem(curves, "pr")));
    CHECK(chart_marks(html, "roc") > 10);
    int bins = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, cJSON_GetObjectItem(cJSON_GetObjectItem(m, "test"), "calibration"))
        bins += cJSON_GetObjectItem(b, "count")->valuedouble > 0;
    CHECK_MSG(chart_marks(html, "calibration") == bins, "calibration %d, bins %d", chart_marks(html, "calibration"),
              bins);
    CHECK(chart_marks(html, "topk") == 20);
    CHECK(chart_marks(html, "drivers") == 15);
    CHECK(kpi(html, "roc_auc") == cJSON_GetObjectItem(cJSON_GetObjectItem(m, "test"), "roc_auc")->valuedouble);
    cJSON_Delete(m);
    free(mj);

    /* the funnel: every product of the top product alert's peer group */
    int64_t group = q_int(g_db, "SELECT COUNT(*) FROM quality_units u, (SELECT * FROM alerts WHERE kind = 'product'"
                                " ORDER BY rank LIMIT 1) a WHERE u.kind = 'product' AND u.window = a.window AND"
                                " u.signal = a.signal AND u.baseline = a.baseline AND u.sales > 0");
    CHECK_MSG(chart_marks(html, "funnel") == (int)group, "funnel %d, group %lld", chart_marks(html, "funnel"),
              (long long)group);
    const char *fend, *funnel = element(html, "id=\"chart-funnel\"", "</svg>", &fend);
    int64_t flagged = q_int(g_db, "SELECT COUNT(*) FROM quality_units u, (SELECT * FROM alerts WHERE kind = 'product'"
                                  " ORDER BY rank LIMIT 1) a WHERE u.kind = 'product' AND u.window = a.window AND"
                                  " u.signal = a.signal AND u.baseline = a.baseline AND u.sales > 0 AND u.flagged");
    CHECK(funnel && count_in(funnel, fend, "flagged\"") == (int)flagged && flagged >= 1);

    /* the alert table and its sparklines */
    int64_t alerts = q_int(g_db, "SELECT COUNT(*) FROM alerts");
    CHECK(table_rows(html, "alerts-table") == (int)(alerts < 25 ? alerts : 25));
    CHECK(rs.alerts_listed == (alerts < 25 ? alerts : 25));
    const char *tend, *table = element(html, "<table id=\"alerts-table\">", "</table>", &tend);
    CHECK(as__q_weeks(365) == 53);
    CHECK(table && count_in(table, tend, "data-marks=\"53\"") == (int)(alerts < 25 ? alerts : 25));
    /* the weekly series of each product alert: its sales in the 53 weeks up to as-of, one sale per order */
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(g_db->sql, "SELECT a.rank, a.unit_id, a.cases, (SELECT SUM(sales) FROM alert_weekly w WHERE"
                       " w.rank = a.rank), (SELECT SUM(cases) FROM alert_weekly w WHERE w.rank = a.rank),"
                       " (SELECT COUNT(*) FROM alert_weekly w WHERE w.rank = a.rank) FROM alerts a WHERE a.kind ="
                       " 'product'", -1, &q, NULL);
    int64_t as_of = q_int(g_db, "SELECT value FROM meta WHERE key = 'quality_as_of'");
    int products_checked = 0;
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT COUNT(DISTINCT l.order_id) FROM order_lines l JOIN orders o ON o.order_id ="
                 " l.order_id WHERE l.product_id = '%s' AND l.quantity > 0 AND o.ordered_at BETWEEN %lld AND %lld",
                 (const char *)sqlite3_column_text(q, 1), (long long)(as_of - 53LL * 7 * 86400), (long long)as_of);
        int64_t twin = q_int(g_db, sql);
        CHECK_MSG(sqlite3_column_int64(q, 3) == twin, "alert %d: weekly sales %lld, sales %lld", sqlite3_column_int(q, 0),
                  (long long)sqlite3_column_int64(q, 3), (long long)twin);
        CHECK(sqlite3_column_int64(q, 4) >= sqlite3_column_int64(q, 2));
        CHECK(sqlite3_column_int64(q, 5) == 53);
        products_checked++;
    }
    sqlite3_finalize(q);
    CHECK(products_checked > 0);

    /* open orders: the riskiest first, none with a case, all after the last labelled purchase; the risk is score's */
    int64_t label_until = q_int(g_db, "SELECT value FROM meta WHERE key = 'build_label_until'");
    CHECK(table_rows(html, "orders-table") == 20 && rs.open_orders_listed == 20 && rs.open_orders > 20);
    char orders_csv[340];
    snprintf(orders_csv, sizeof orders_csv, "%s/open_orders.csv", dir);
    as_model *mm = NULL;
    CHECK_OK(as_model_load(model, &mm, &err), &err);
    as_score_params sp = as_score_params_default();
    sp.from = label_until + 1;
    sp.orders_csv = orders_csv;
    as_score_stats ss;
    CHECK_OK(as_score_db(g_db, mm, &sp, &ss, &err), &err);
    as_model_free(mm);
    CHECK(kpi(html, "open_orders") == (double)rs.open_orders);
    CHECK(rs.open_orders + q_int(g_db, "SELECT COUNT(DISTINCT f.order_id) FROM features f WHERE f.ordered_at > (SELECT"
                                       " value FROM meta WHERE key = 'build_label_until') AND f.order_id IN (SELECT"
                                       " order_id FROM cases)") == ss.orders);
    char *csv = slurp(orders_csv, NULL);
    const char *oend, *otable = element(html, "<table id=\"orders-table\">", "</table>", &oend);
    double last = 2;
    int rows_ok = 0;
    for (const char *r = otable ? strstr(otable, "<tbody>") : NULL; r && (r = strstr(r, "<tr><td>")) && r < oend; r++) {
        char id[64] = "";
        sscanf(r + 8, "%63[^<]", id);
        /* the fifth cell: order, customer, placed, lines, riskiest line */
        const char *cell = r;
        for (int k = 0; k < 5 && cell; k++) cell = strstr(cell + 1, "<td");
        const char *gt = cell ? strchr(cell, '>') : NULL;
        double shown = gt ? strtod(gt + 1, NULL) / 100 : NAN;
        /* the CSV's riskiest line of that order (order_id,customer_id,ordered_at,lines,risk,max_line_risk,…) */
        char key[80];
        snprintf(key, sizeof key, "\n%s,", id);
        const char *line = csv ? strstr(csv, key) : NULL;
        double risk = NAN;
        if (line) {
            const char *f = line + 1;
            for (int k = 0; k < 5 && f; k++) f = strchr(f, ',') ? strchr(f, ',') + 1 : NULL;
            risk = f ? strtod(f, NULL) : NAN;
        }
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cases WHERE order_id = '%s'", id);
        CHECK_MSG(fabs(shown - risk) <= 0.0005 + 1e-12 && shown <= last && q_int(g_db, sql) == 0,
                  "order %s: shown %.4f, score %.6f, previous %.4f", id, shown, risk, last);
        last = shown;
        rows_ok++;
    }
    CHECK(rows_ok == 20);
    free(csv);
    CHECK(!rs.foreign_model && !rs.weak_model);

    /* personal data: no name, e-mail or phone of customers.csv, and nothing outside the page */
    char cpath[340];
    snprintf(cpath, sizeof cpath, "%s/customers.csv", shop);
    FILE *f = fopen(cpath, "r");
    char line[1024];
    int pii_checked = 0, leaks = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (!pii_checked++) continue;   /* header: customer_id,country,first_seen,name,email,phone,street */
        char *fld[8] = {0};
        int k = 0;
        for (char *p = line; k < 8 && p; k++) {
            fld[k] = p;
            p = strpbrk(p, ",\n");
            if (p) *p++ = '\0';
        }
        for (int j = 3; j < 7 && j < k; j++)
            if (fld[j] && strlen(fld[j]) > 5 && strstr(html, fld[j])) {
                if (leaks++ < 3) fprintf(stderr, "personal value in the page: %s\n", fld[j]);
            }
    }
    if (f) fclose(f);
    CHECK(pii_checked > 100 && leaks == 0);
    CHECK(!strstr(html, "http://") && !strstr(html, "https://") && !strstr(html, "<script") && !strstr(html, "<img"));
    CHECK(strstr(html, "Content-Security-Policy") != NULL);
    free(html);

    /* text from the shop is escaped */
    char sql[400];
    snprintf(sql, sizeof sql, "UPDATE products SET description = '<script>alert(\"x\")</script> & co' WHERE product_id ="
             " (SELECT unit_id FROM alerts WHERE kind = 'product' ORDER BY rank LIMIT 1)");
    CHECK_OK(as__db_exec(g_db, sql, &err), &err);
    as_quality_params qp = as_quality_params_default();
    as_quality_stats qs;
    CHECK_OK(as_quality(g_db, &qp, &qs, &err), &err);
    CHECK_OK(run_report(g_db, model, page, &rs, &err), &err);
    html = slurp(page, NULL);
    CHECK(html && !strstr(html, "<script") && strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"));
    free(html);
}

/* ---- what is missing is said, and failures leave nothing behind ------------------------------------------ */

static void test_missing_and_errors(void) {
    as_error err = {0};
    char db2[340], out[340];
    snprintf(db2, sizeof db2, "%s/only_ingest.db", dir);
    snprintf(out, sizeof out, "%s/only_ingest.html", dir);
    as_db *db = NULL;
    CHECK_OK(as_db_open(db2, &db, &err), &err);
    if (!db) return;
    as_ingest_params ip = as_ingest_params_default();
    ip.preset = "canonical";
    as_ingest_stats is;
    CHECK_OK(as_ingest(db, shop, &ip, &is, &err), &err);
    as_report_stats rs;
    CHECK_OK(run_report(db, NULL, out, &rs, &err), &err);
    char *html = slurp(out, NULL);
    CHECK(html != NULL);
    static const char *const needs[RP_SECTIONS] = {"aftersales build", "aftersales build", "aftersales train", "aftersales quality",
                                                   "aftersales train", NULL};
    for (int s = 0; html && s < RP_SECTIONS; s++) {
        const char *end, *at = section(html, rp_section_id[s], &end);
        CHECK(at != NULL);
        if (!at) continue;
        const char *note = strstr(at, "class=\"missing\"");
        int has = note && note < end;
        CHECK_MSG(has == (needs[s] != NULL), "section %s: missing note %d", rp_section_id[s], has);
        if (needs[s] && has) {
            char text[600];
            snprintf(text, sizeof text, "%.*s", (int)(end - note), note);
            CHECK_MSG(strstr(text, needs[s]) != NULL, "section %s should name %s: %.200s", rp_section_id[s], needs[s],
                      text);
        }
    }
    CHECK(rs.missing_sections >= 4);
    CHECK(!rs.foreign_model);
    /* the per-file log of ingest */
    CHECK(html && table_rows(html, "sources-table") == (int)q_int(db, "SELECT COUNT(*) FROM ingest_sources"));
    CHECK(q_int(db, "SELECT records FROM ingest_sources WHERE source = 'order_lines.csv'") ==
          q_int(db, "SELECT COUNT(*) FROM order_lines"));
    free(html);

    /* rejects are grouped by their reason, whatever line and values follow it */
    CHECK_OK(as__db_exec(db, "INSERT INTO rejects(source, line, reason, raw) VALUES('a.csv', 5, 'line 5: bad date: x',"
                             " 'r5'), ('a.csv', 9, 'line 9: bad date: y', 'r9'), ('a.csv', 7, 'line 7: too few fields',"
                             " 'r7')", &err), &err);
    CHECK_OK(run_report(db, NULL, out, &rs, &err), &err);
    html = slurp(out, NULL);
    CHECK(html && table_rows(html, "rejects-table") == 2 &&
          strstr(html, "<td>bad date</td><td class=\"n\">2</td><td class=\"n\">from 5 to 9</td>") &&
          strstr(html, "<td>too few fields</td><td class=\"n\">1</td><td class=\"n\">7</td>"));
    free(html);
    /* a model trained on another database: named as such, and it scores none of this shop's orders */
    CHECK_OK(run_report(db, model, out, &rs, &err), &err);
    CHECK(rs.foreign_model && rs.open_orders == 0);
    html = slurp(out, NULL);
    {
        const char *end, *at = html ? section(html, "orders", &end) : NULL;
        CHECK(at && count_in(at, end, "another shop") == 1);
        at = html ? section(html, "model", &end) : NULL;
        CHECK(at && count_in(at, end, "class=\"warn\"") == 1);
    }
    free(html);
    /* the page may not replace the model, its metrics.json or the database */
    struct stat ms;
    CHECK(stat(model, &ms) == 0);
    CHECK(run_report(db, model, model, &rs, &err) == AS_ERR_INVALID && strstr(err.msg, "is the model"));
    CHECK(run_report(db, model, metrics, &rs, &err) == AS_ERR_INVALID && strstr(err.msg, "metrics.json"));
    CHECK(run_report(db, NULL, db2, &rs, &err) == AS_ERR_INVALID && strstr(err.msg, "is the database"));
    struct stat ms2;
    CHECK(stat(model, &ms2) == 0 && ms2.st_size == ms.st_size && ms2.st_mtime == ms.st_mtime);
    /* a database with no orders is refused (nothing to report) */
    char db3[340];
    snprintf(db3, sizeof db3, "%s/empty.db", dir);
    as_db *empty = NULL;
    CHECK_OK(as_db_open(db3, &empty, &err), &err);
    if (empty) CHECK(run_report(empty, NULL, out, &rs, &err) == AS_ERR_STATE && strstr(err.msg, "aftersales ingest"));
    as_db_close(empty);

    /* a named model that is not there: an I/O error, and the old page stays as it was */
    struct stat before, after;
    CHECK(stat(out, &before) == 0);
    char absent[340];
    snprintf(absent, sizeof absent, "%s/absent/model.json", dir);
    CHECK(run_report(db, absent, out, &rs, &err) == AS_ERR_IO);
    CHECK_MSG(strstr(err.msg, "absent/model.json") != NULL, "%s", err.msg);
    CHECK(stat(out, &after) == 0 && after.st_size == before.st_size && after.st_mtime == before.st_mtime);
    /* an output folder that does not exist: an I/O error, no file and no .part */
    char bad[340], part[360];
    snprintf(bad, sizeof bad, "%s/no/such/folder/r.html", dir);
    snprintf(part, sizeof part, "%s.part", bad);
    CHECK(run_report(db, NULL, bad, &rs, &err) == AS_ERR_IO);
    CHECK(access(bad, F_OK) != 0 && access(part, F_OK) != 0);
    /* parameters */
    as_report_params rp = as_report_params_default();
    CHECK(as_report(db, &rp, &rs, &err) == AS_ERR_INVALID);   /* no output */
    rp.out_html = out;
    rp.top_orders = -1;
    CHECK(as_report(db, &rp, &rs, &err) == AS_ERR_INVALID && strstr(err.msg, "--top-orders"));
    CHECK(as_report(NULL, &rp, &rs, &err) == AS_ERR_INVALID);
    as_db_close(db);
}

/* The Nth allocation failing: a clean error every time, never a crash or a leak (ASan checks the leaks). */
static void test_alloc_failures(void) {
    as_error err = {0};
    char out[340];
    snprintf(out, sizeof out, "%s/fail.html", dir);
    as_report_stats rs;
    as__alloc_fail_after(0);
    long base = as__alloc_count();
    CHECK_OK(run_report(g_db, model, out, &rs, &err), &err);
    long total = as__alloc_count() - base;
    int failed = 0, runs = 0;
    long step = total > 400 ? total / 200 : 1;
    for (long k = 1; k <= total; k += step) {
        as__alloc_fail_after(k);
        as_status st = run_report(g_db, model, out, &rs, &err);
        as__alloc_fail_after(0);
        runs++;
        failed += st != AS_OK;
        if (st != AS_OK) CHECK_MSG(st == AS_ERR_NOMEM || st == AS_ERR_FORMAT || st == AS_ERR_IO || st == AS_ERR_DB,
                                   "allocation %ld: status %d (%s)", k, (int)st, err.msg);
    }
    fprintf(stderr, "allocation failures: %d of %d runs failed cleanly (%ld allocations per report)\n", failed, runs,
            total);
    CHECK(runs > 10 && failed > 0);
}

/* ---- helpers --------------------------------------------------------------------------------------------- */

static void test_format(void) {
    rp_ctx c;
    memset(&c, 0, sizeof c);
    as__buf_init(&c.out, 1 << 20);
    CHECK_STR(rp_fmt_count(&c, 1234567), "1,234,567");
    CHECK_STR(rp_fmt_count(&c, 0), "0");
    CHECK_STR(rp_fmt_num(&c, 1234567.891, 2), "1,234,567.89");
    CHECK_STR(rp_fmt_num(&c, -1234.5, 2), "-1,234.50");
    CHECK_STR(rp_fmt_num(&c, -0.001, 2), "0.00");
    CHECK_STR(rp_fmt_num(&c, 999.996, 2), "1,000.00");
    CHECK_STR(rp_fmt_num(&c, 12, 0), "12");
    CHECK_STR(rp_fmt_num(&c, NAN, 2), "–");
    CHECK_STR(rp_fmt_pct(&c, 0.12345, 1), "12.3 %");
    CHECK_STR(rp_fmt_pct(&c, 1, 0), "100 %");
    CHECK_STR(rp_fmt_pct(&c, NAN, 1), "–");
    CHECK_STR(rp_fmt_date(&c, 1709769600), "2024-03-07");
    CHECK_STR(rp_fmt_month(&c, 1709769600), "Mar 2024");
    CHECK_STR(rp_fmt_month(&c, 0), "Jan 1970");
    rp_esc(&c, NULL, "<a href='x'>\"&\"</a>\tend");
    rp_esc_cut(&c, NULL, "|héllo wörld", 6);
    rp_esc_cut(&c, NULL, "|short", 60);
    CHECK(as__buf_cstr(&c.out) == AS_OK);
    rp_esc(&c, NULL, "|bad \xff byte, cut \xc3");
    CHECK(as__buf_cstr(&c.out) == AS_OK);
    CHECK_STR(c.out.data, "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt; end|héllo…|short"
                          "|bad \xEF\xBF\xBD byte, cut \xEF\xBF\xBD");
    CHECK(c.st == AS_OK);
    /* a page over the cap fails instead of growing */
    as__buf_free(&c.out);
    as__buf_init(&c.out, 16);
    rp_puts(&c, NULL, "0123456789abcdefghij");
    CHECK(c.st == AS_ERR_INVALID);
    as__buf_free(&c.out);
}

/* Tick labels at either end of an axis stay inside the SVG: a date tick on the plot's right edge ("Sep 2011" on
 * Online Retail's monthly chart was cut off by 3 px) is anchored at its end, one on the left edge at its start,
 * the others are centred. */
static void test_axis_edges(void) {
    rp_ctx c;
    memset(&c, 0, sizeof c);
    as__buf_init(&c.out, 1 << 20);
    rp_chart ch;
    /* 2011-01-01 .. 2011-09-01 (UTC): month ticks at both ends of the plot area */
    rp_chart_begin(&ch, &c, 400, 200, (rp_scale){1293840000, 1314835200, 0}, (rp_scale){0, 1, 0});
    ch.l = 0;
    ch.r = 0;
    rp_chart_axes(&ch, RP_TICK_DATE, RP_TICK_NONE, NULL, NULL);
    CHECK(as__buf_cstr(&ch.body) == AS_OK);
    const char *body = ch.body.data ? ch.body.data : "";
    CHECK(strstr(body, "text-anchor=\"end\">Sep 2011<") != NULL);
    CHECK(strstr(body, "text-anchor=\"start\">Jan 2011<") != NULL);
    CHECK(strstr(body, "text-anchor=\"middle\">May 2011<") != NULL);
    /* every label's anchor lies inside the SVG */
    for (const char *q = body; (q = strstr(q, "<text x=\"")); q++) {
        double x = atof(q + 9);
        CHECK(x >= 0 && x <= ch.w);
    }
    CHECK(c.st == AS_OK);
    as__buf_free(&ch.body);
    as__buf_free(&c.out);
}

int main(void) {
    test_tmpdir(dir, sizeof dir, "report");
    RUN(test_format);
    RUN(test_axis_edges);
    RUN(setup_shop);
    if (g_db) {
        RUN(test_page);
        RUN(test_missing_and_errors);
        RUN(test_alloc_failures);
    }
    as_db_close(g_db);
    test_rmtree(dir);
    return test_report("report");
}
