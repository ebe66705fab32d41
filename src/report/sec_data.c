/*
 * sec_data.c — data quality: what ingest read from each file, loaded and rejected (with the reasons, from the
 * rejects table nothing is silently lost to), the canonical fields that are missing, records that point at
 * nothing, and text values the model never saw in training.
 */
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void sources_table(rp_ctx *c) {
    if (!rp_table_exists(c, "ingest_sources") || !rp_sql_int(c, "SELECT COUNT(*) FROM ingest_sources", 0)) {
        rp_puts(c, NULL, "<p class=\"small\">This database was loaded by an older aftersales, which did not record "
                         "what it read per file; ingest the files again to see it.</p>\n");
        return;
    }
    sqlite3_stmt *q = rp_prepare(c, "SELECT source, records, rejected, ingested_at FROM ingest_sources ORDER BY source");
    if (!q) return;
    rp_puts(c, NULL, "<div class=\"tablewrap\"><table id=\"sources-table\"><thead><tr><th>file</th>"
                     "<th class=\"n\">records read</th><th class=\"n\">loaded</th><th class=\"n\">rejected</th>"
                     "<th class=\"n\">share rejected</th><th>read on</th></tr></thead><tbody>\n");
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(q, 1), r = sqlite3_column_int64(q, 2);
        rp_puts(c, NULL, "<tr><td>");
        rp_esc(c, NULL, (const char *)sqlite3_column_text(q, 0));
        rp_printf(c, NULL, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n%s\">%s</td>"
                  "<td class=\"n\">%s</td><td>%s</td></tr>\n", rp_fmt_count(c, n), rp_fmt_count(c, n - r),
                  r ? " flag" : "", rp_fmt_count(c, r), rp_fmt_pct(c, n ? (double)r / (double)n : NAN, 2),
                  rp_fmt_date(c, sqlite3_column_int64(q, 3)));
    }
    sqlite3_finalize(q);
    rp_puts(c, NULL, "</tbody></table></div>\n");
}

static void rejects_table(rp_ctx *c) {
    int64_t total = rp_sql_int(c, "SELECT COUNT(*) FROM rejects", 0);
    /* a reason reads "line N: WHY: the values": grouped by WHY, as ingest's summary counts them */
    sqlite3_stmt *q = rp_prepare(c, "WITH r AS (SELECT source, line, CASE WHEN reason LIKE 'line %: %' THEN"
                                    " substr(reason, instr(reason, ': ') + 2) ELSE reason END AS rest FROM rejects),"
                                    " k AS (SELECT source, line, CASE WHEN instr(rest, ': ') > 0 THEN substr(rest, 1,"
                                    " instr(rest, ': ') - 1) ELSE rest END AS why FROM r)"
                                    " SELECT source, why, COUNT(*), MIN(line), MAX(line) FROM k GROUP BY 1, 2"
                                    " ORDER BY 3 DESC, 1, 2 LIMIT 30");
    if (!q) return;
    rp_printf(c, NULL, "<h3>Rejected records</h3>\n<p>%s</p>\n",
              total ? "Records that could not be loaded as they are. Each is kept whole in the rejects table with its "
                      "file, line and reason (SELECT * FROM rejects), so nothing is lost silently; fix the file or the "
                      "mapping and ingest again."
                    : "No record was rejected: every record of every file was loaded.");
    /* with nothing rejected the table is there (for machines) but has no header to show */
    rp_printf(c, NULL, "<div class=\"tablewrap\"><table id=\"rejects-table\">%s<tbody>\n",
              total ? "<thead><tr><th>file</th><th>reason</th><th class=\"n\">records</th><th class=\"n\">lines</th>"
                      "</tr></thead>" : "");
    while (sqlite3_step(q) == SQLITE_ROW) {
        rp_puts(c, NULL, "<tr><td>");
        rp_esc(c, NULL, (const char *)sqlite3_column_text(q, 0));
        rp_puts(c, NULL, "</td><td>");
        rp_esc_cut(c, NULL, (const char *)sqlite3_column_text(q, 1), 140);
        int64_t lo = sqlite3_column_int64(q, 3), hi = sqlite3_column_int64(q, 4), n = sqlite3_column_int64(q, 2);
        rp_printf(c, NULL, "</td><td class=\"n\">%s</td><td class=\"n\">%s%s", rp_fmt_count(c, n),
                  n > 1 ? "from " : "", rp_fmt_count(c, lo));
        if (hi != lo) rp_printf(c, NULL, " to %s", rp_fmt_count(c, hi));
        rp_puts(c, NULL, "</td></tr>\n");
    }
    sqlite3_finalize(q);
    rp_puts(c, NULL, "</tbody></table></div>\n");
}

/* One canonical field whose absence limits what the analysis can say. */
typedef struct field_check {
    const char *table, *column, *meaning;
} field_check;

static const field_check k_fields[] = {
    {"orders", "customer_id", "orders without a customer: no customer history, not in the feature rows"},
    {"orders", "country", "orders without a country"},
    {"orders", "delivered_at", "orders without a delivery date: no delivery delay features"},
    {"order_lines", "unit_price", "purchase lines without a price"},
    {"products", "category", "products without a category: compared with the whole shop"},
    {"products", "description", "products without a description"},
    {"cases", "order_id", "cases naming no order: matched to the customer's latest purchase of the product"},
    {"cases", "product_id", "cases naming no product"},
    {"cases", "reason", "cases without a reason text: their cause is unknown"},
};

static void missing_table(rp_ctx *c) {
    rp_puts(c, NULL, "<h3>Missing values</h3>\n<div class=\"tablewrap\"><table id=\"missing-table\"><thead><tr>"
                     "<th>field</th><th>what it means</th><th class=\"n\">rows</th><th class=\"n\">missing</th>"
                     "<th class=\"n\">share</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < sizeof k_fields / sizeof k_fields[0] && !c->st; i++) {
        const field_check *f = &k_fields[i];
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT COUNT(*), SUM(%s IS NULL OR trim(%s) = '') FROM %s", f->column, f->column,
                 f->table);
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(c->db->sql, sql, -1, &q, NULL) != SQLITE_OK || sqlite3_step(q) != SQLITE_ROW) {
            sqlite3_finalize(q);
            continue;
        }
        int64_t rows = sqlite3_column_int64(q, 0), miss = sqlite3_column_int64(q, 1);
        sqlite3_finalize(q);
        if (!rows) continue;
        rp_printf(c, NULL, "<tr><td>%s.%s</td><td>", f->table, f->column);
        rp_esc(c, NULL, f->meaning);
        rp_printf(c, NULL, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
                  rp_fmt_count(c, rows), rp_fmt_count(c, miss), rp_fmt_pct(c, (double)miss / (double)rows, 1));
    }
    rp_puts(c, NULL, "</tbody></table></div>\n");
}

void rp_data(rp_ctx *c) {
    rp_section_begin(c, RP_DATA, "Data quality", "What was read, what was kept, and what is missing: the limits of "
                     "every figure above.");
    sources_table(c);
    rejects_table(c);
    missing_table(c);
    /* records that point at nothing: loaded and counted, but no order gets their label */
    int64_t orphan_lines = rp_sql_int(c, "SELECT COUNT(*) FROM order_lines l WHERE NOT EXISTS (SELECT 1 FROM orders o"
                                         " WHERE o.order_id = l.order_id)", 0);
    int64_t orphan_cases = rp_sql_int(c, "SELECT COUNT(*) FROM cases k WHERE k.order_id IS NOT NULL AND NOT EXISTS"
                                         " (SELECT 1 FROM orders o WHERE o.order_id = k.order_id)", 0);
    rp_puts(c, NULL, "<h3>Links and unseen values</h3>\n<ul>\n");
    rp_printf(c, NULL, "<li>Purchase lines whose order is not in the orders table: %s.</li>\n",
              rp_fmt_count(c, orphan_lines));
    rp_printf(c, NULL, "<li>Cases naming an order that is not in the orders table: %s.</li>\n",
              rp_fmt_count(c, orphan_cases));
    if (c->metrics) {
        double unseen = rp_json_num(c->metrics, "unseen_categories_test_rows");
        if (isfinite(unseen))
            rp_printf(c, NULL, "<li>Test rows with a text value (a category, a country) the training rows never had: "
                      "%s; they encode as all zeros.</li>\n", rp_fmt_count(c, (int64_t)unseen));
    }
    if (c->open_scored)
        rp_printf(c, NULL, "<li>Open orders' lines scored with a text value the model never saw: %s.</li>\n",
                  rp_fmt_count(c, c->open_unseen));
    rp_puts(c, NULL, "</ul>\n");
    rp_section_end(c);
}
