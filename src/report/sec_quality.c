/*
 * sec_quality.c — quality alerts as `aftersales quality` left them in the database: a funnel plot for the peer
 * groups of the top product alerts (every product's rate against its sales, with its peers' baseline and the
 * funnel limits; flagged products in red) and the ranked alert table with intervals, onset, a weekly sparkline
 * and the top reasons with a customer's words.
 *
 * A peer group is the products that share a window, a signal and a baseline: the products of one category, or
 * the products compared with the whole shop (small categories, products without one). Their funnel limits lie on
 * one curve of sales, so the plot draws them as lines through the products' own limits.
 */
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUNNEL_MIN_SALES_FOR_SCALE 5   /* rates of smaller sellers do not set the y axis (one sale, one return) */

typedef struct fpoint {
    const char *id, *name;
    int64_t n, k;
    double rate, f95, f998, flag;
    int flagged;
} fpoint;

typedef struct fgroup {
    char window[16], signal[32];
    double baseline;
} fgroup;

static int by_sales(const void *a, const void *b) {
    const fpoint *x = a, *y = b;
    return (x->n > y->n) - (x->n < y->n);
}

static void funnel_chart(rp_ctx *c, const fgroup *g, int index) {
    sqlite3_stmt *q = rp_prepare(c, "SELECT unit_id, name, sales, cases, rate, funnel95_high, funnel998_high,"
                                    " funnel_high, flagged, category FROM quality_units WHERE kind = 'product' AND"
                                    " window = ?1 AND signal = ?2 AND baseline = ?3 AND sales > 0"
                                    " ORDER BY flagged DESC, sales DESC, unit_id");
    if (!q) return;
    sqlite3_bind_text(q, 1, g->window, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, g->signal, -1, SQLITE_STATIC);
    sqlite3_bind_double(q, 3, g->baseline);
    size_t max_points = (size_t)c->p->max_funnel_points, n = 0;
    int64_t total = 0, flagged = 0;
    fpoint *pt = as__calloc(max_points, sizeof *pt);
    as_arena arena;
    as__arena_init(&arena, 1 << 14);
    char category[128] = "";
    int one_category = 1;
    if (!pt) {
        rp_fail(c, AS_ERR_NOMEM, "out of memory for the funnel plot");
        goto out;
    }
    while (sqlite3_step(q) == SQLITE_ROW) {
        total++;
        flagged += sqlite3_column_int(q, 8) != 0;
        const char *cat = (const char *)sqlite3_column_text(q, 9);
        if (total == 1) snprintf(category, sizeof category, "%s", cat ? cat : "");
        else if (strcmp(category, cat ? cat : "") != 0) one_category = 0;
        if (n == max_points) continue;
        fpoint *p = &pt[n++];
        const char *id = (const char *)sqlite3_column_text(q, 0), *name = (const char *)sqlite3_column_text(q, 1);
        p->id = as__arena_strndup(&arena, id ? id : "", id ? strlen(id) : 0);
        p->name = name ? as__arena_strndup(&arena, name, strlen(name)) : NULL;
        p->n = sqlite3_column_int64(q, 2);
        p->k = sqlite3_column_int64(q, 3);
        p->rate = sqlite3_column_double(q, 4);
        p->f95 = sqlite3_column_double(q, 5);
        p->f998 = sqlite3_column_double(q, 6);
        p->flag = sqlite3_column_double(q, 7);
        p->flagged = sqlite3_column_int(q, 8) != 0;
        if (!p->id) {
            rp_fail(c, AS_ERR_NOMEM, "out of memory for the funnel plot");
            break;
        }
    }
    if (c->st || !n) goto out;
    qsort(pt, n, sizeof *pt, by_sales);
    double xmax = (double)pt[n - 1].n, ymax = g->baseline * 2;
    for (size_t i = 0; i < n; i++) {
        if (pt[i].n >= FUNNEL_MIN_SALES_FOR_SCALE || pt[i].flagged) ymax = fmax(ymax, pt[i].rate);
        if (pt[i].n >= FUNNEL_MIN_SALES_FOR_SCALE) ymax = fmax(ymax, pt[i].flag);
    }
    ymax = fmin(1.0, ymax * 1.08);
    rp_scale xs = {fmax(1, (double)pt[0].n * 0.8), fmax(xmax * 1.25, 10), 1}, ys = {0, ymax > 0 ? ymax : 0.05, 0};
    rp_chart ch;
    rp_chart_begin(&ch, c, 900, 310, xs, ys);
    ch.t = 30;   /* room for the legend above the plot */
    rp_chart_axes(&ch, RP_TICK_COUNT, RP_TICK_PCT, "sales in the window (log scale)", "share with the signal");
    double *lx = as__calloc(n + 2, sizeof *lx), *ly = as__calloc(n + 2, sizeof *ly);
    if (!lx || !ly) {
        as__free(lx);
        as__free(ly);
        as__buf_free(&ch.body);
        rp_fail(c, AS_ERR_NOMEM, "out of memory for the funnel plot");
        goto out;
    }
    double bx[2] = {xs.lo, xs.hi}, by[2] = {g->baseline, g->baseline};
    rp_chart_line(&ch, bx, by, 2, "ref");
    /* the limits as lines through the products' own limits (one point per distinct number of sales) */
    const int which[2] = {0, 1};
    for (int w = 0; w < 2; w++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (m && pt[i].n == (int64_t)lx[m - 1]) continue;
            lx[m] = (double)pt[i].n;
            ly[m++] = which[w] ? pt[i].flag : pt[i].f95;
        }
        rp_chart_line(&ch, lx, ly, m, which[w] ? "limit" : "limit95");
    }
    as__free(lx);
    as__free(ly);
    for (int pass = 0; pass < 2; pass++)   /* flagged products last, on top */
        for (size_t i = 0; i < n; i++) {
            const fpoint *p = &pt[i];
            if (p->flagged != pass) continue;
            char tip[400];
            snprintf(tip, sizeof tip, "%s%s%.80s: %s of %s sales (%s); flag limit %s%s", p->id, p->name ? " " : "",
                     p->name ? p->name : "", rp_fmt_count(c, p->k), rp_fmt_count(c, p->n), rp_fmt_pct(c, p->rate, 1),
                     rp_fmt_pct(c, p->flag, 1), p->flagged ? " — flagged" : "");
            rp_chart_point(&ch, (double)p->n, p->rate, p->flagged ? 4 : 2.6, p->flagged ? "s5 flagged" : "s5", tip);
        }
    const char *names[3] = {"peers' rate", "95 % limit", "flag limit"};
    const char *cls[3] = {"ref", "limit95", "limit"};
    rp_chart_legend(&ch, names, cls, 3);
    char cap[900], who[200];
    if (one_category && category[0]) snprintf(who, sizeof who, "Products in %.80s", category);
    else snprintf(who, sizeof who, "Products compared with the whole shop");
    int len = snprintf(cap, sizeof cap, "%s, signal %s, %s window: each circle is a product (x: sales, y: share of "
                       "them with the signal), red when flagged (%s of %s). The peers' rate is %s; a product above "
                       "the flag limit is beyond what sound products show, given its sales.", who, g->signal,
                       g->window, rp_fmt_count(c, flagged), rp_fmt_count(c, total), rp_fmt_pct(c, g->baseline, 2));
    if (total > (int64_t)n && len > 0 && (size_t)len < sizeof cap)
        len += snprintf(cap + len, sizeof cap - (size_t)len, " %s of the %s products are drawn (every flagged one, "
                        "then the best sellers).", rp_fmt_count(c, (int64_t)n), rp_fmt_count(c, total));
    if (len > 0 && (size_t)len < sizeof cap)
        snprintf(cap + len, sizeof cap - (size_t)len, " Rates of products with fewer than %d sales may lie above "
                 "the chart and sit on its top edge.", FUNNEL_MIN_SALES_FOR_SCALE);
    char id[32];
    if (index) snprintf(id, sizeof id, "funnel-%d", index + 1);
    else snprintf(id, sizeof id, "funnel");
    rp_chart_end(&ch, id, "funnel plot of product return rates", cap);
out:
    sqlite3_finalize(q);
    as__free(pt);
    as__arena_free(&arena);
}

/* The peer groups to plot: those of the top product alerts, in rank order; with no product alert, the largest
 * category's products (recent window, all product-related cases) as long as it saw a case at all — products that
 * merely share a baseline of 0 are no peer group. */
static int pick_groups(rp_ctx *c, fgroup *g, int max) {
    int n = 0;
    sqlite3_stmt *q = rp_prepare(c, "SELECT a.window, a.signal, a.baseline FROM alerts a WHERE a.kind = 'product'"
                                    " ORDER BY a.rank");
    while (q && n < max && sqlite3_step(q) == SQLITE_ROW) {
        fgroup x;
        snprintf(x.window, sizeof x.window, "%s", sqlite3_column_text(q, 0));
        snprintf(x.signal, sizeof x.signal, "%s", sqlite3_column_text(q, 1));
        x.baseline = sqlite3_column_double(q, 2);
        int seen = 0;
        for (int i = 0; i < n && !seen; i++)
            seen = strcmp(g[i].window, x.window) == 0 && strcmp(g[i].signal, x.signal) == 0 && g[i].baseline == x.baseline;
        if (!seen) g[n++] = x;
    }
    sqlite3_finalize(q);
    if (n || !max) return n;
    q = rp_prepare(c, "SELECT window, signal, baseline FROM quality_units WHERE kind = 'product' AND window = 'recent'"
                      " AND signal = 'product_related' AND sales > 0 AND baseline > 0 GROUP BY baseline, category"
                      " ORDER BY COUNT(*) DESC LIMIT 1");
    if (q && sqlite3_step(q) == SQLITE_ROW) {
        snprintf(g[0].window, sizeof g[0].window, "%s", sqlite3_column_text(q, 0));
        snprintf(g[0].signal, sizeof g[0].signal, "%s", sqlite3_column_text(q, 1));
        g[0].baseline = sqlite3_column_double(q, 2);
        n = 1;
    }
    sqlite3_finalize(q);
    return n;
}

static void alert_table(rp_ctx *c, int has_weekly) {
    sqlite3_stmt *q = rp_prepare(c, "SELECT rank, kind, unit_id, name, category, signal, window, flagged_in, sales,"
                                    " cases, rate, baseline, shrunk_rate, credible_low, credible_high, excess_returns,"
                                    " onset, onset_date, rate_before, rate_after, top_reasons, example_1"
                                    " FROM alerts ORDER BY rank LIMIT ?");
    if (!q) return;
    sqlite3_bind_int(q, 1, c->p->top_alerts);
    sqlite3_stmt *wq = has_weekly ? rp_prepare(c, "SELECT week_start, sales, cases FROM alert_weekly WHERE rank = ?"
                                                  " ORDER BY week") : NULL;
    rp_puts(c, NULL, "<div class=\"tablewrap\"><table id=\"alerts-table\"><thead><tr><th class=\"n\">#</th>"
                     "<th>unit</th><th>signal · window</th><th class=\"n\">sales</th><th class=\"n\">sales back</th>"
                     "<th class=\"n\">rate</th><th class=\"n\">peers</th><th class=\"n\">shrunk rate [95 %]</th>"
                     "<th class=\"n\">excess</th><th>onset</th><th>weekly rate</th><th>reasons (cases)</th></tr></thead>"
                     "<tbody>\n");
    int64_t *ws = NULL, *wn = NULL, *wk = NULL;
    int cap = 0;
    while (!c->st && sqlite3_step(q) == SQLITE_ROW) {
        int rank = sqlite3_column_int(q, 0);
        const char *kind = (const char *)sqlite3_column_text(q, 1);
        rp_printf(c, NULL, "<tr class=\"alert-row\"><td class=\"n\">%d</td><td><b>", rank);
        rp_esc(c, NULL, (const char *)sqlite3_column_text(q, 2));
        rp_puts(c, NULL, "</b> <span class=\"small\">");
        rp_esc(c, NULL, kind);
        const char *cat = (const char *)sqlite3_column_text(q, 4);
        if (cat && strcmp(kind ? kind : "", "category") != 0) {
            rp_puts(c, NULL, " · ");
            rp_esc(c, NULL, cat);
        }
        rp_puts(c, NULL, "</span>");
        if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
            rp_puts(c, NULL, "<br>");
            rp_esc_cut(c, NULL, (const char *)sqlite3_column_text(q, 3), 60);
        }
        rp_puts(c, NULL, "</td><td>");
        rp_esc(c, NULL, (const char *)sqlite3_column_text(q, 5));
        rp_puts(c, NULL, " · ");
        rp_esc(c, NULL, (const char *)sqlite3_column_text(q, 6));
        rp_puts(c, NULL, "<br><span class=\"small\">flagged in ");
        rp_esc(c, NULL, (const char *)sqlite3_column_text(q, 7));
        rp_puts(c, NULL, "</span></td>");
        rp_printf(c, NULL, "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n flag\">%s</td>"
                  "<td class=\"n\">%s</td><td class=\"n\">%s<br><span class=\"small\">%s–%s</span></td>"
                  "<td class=\"n\">%s</td>",
                  rp_fmt_count(c, sqlite3_column_int64(q, 8)), rp_fmt_count(c, sqlite3_column_int64(q, 9)),
                  rp_fmt_pct(c, sqlite3_column_double(q, 10), 1), rp_fmt_pct(c, sqlite3_column_double(q, 11), 2),
                  rp_fmt_pct(c, sqlite3_column_double(q, 12), 1), rp_fmt_pct(c, sqlite3_column_double(q, 13), 1),
                  rp_fmt_pct(c, sqlite3_column_double(q, 14), 1), rp_fmt_num(c, sqlite3_column_double(q, 15), 1));
        int64_t onset = sqlite3_column_type(q, 16) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, 16);
        if (onset)
            rp_printf(c, NULL, "<td class=\"date\">%s<br><span class=\"small\">%s → %s</span></td>", rp_fmt_date(c, onset),
                      rp_fmt_pct(c, sqlite3_column_double(q, 18), 1), rp_fmt_pct(c, sqlite3_column_double(q, 19), 1));
        else
            rp_puts(c, NULL, "<td>–</td>");
        rp_puts(c, NULL, "<td>");
        if (wq) {
            int n = 0;
            sqlite3_reset(wq);
            sqlite3_bind_int(wq, 1, rank);
            while (sqlite3_step(wq) == SQLITE_ROW) {
                if (n == cap) {
                    int ncap = cap ? cap * 2 : 64;
                    int64_t *a = as__reallocarray(ws, (size_t)ncap, sizeof *a);
                    if (a) ws = a;
                    int64_t *b = as__reallocarray(wn, (size_t)ncap, sizeof *b);
                    if (b) wn = b;
                    int64_t *d = as__reallocarray(wk, (size_t)ncap, sizeof *d);
                    if (d) wk = d;
                    if (!a || !b || !d) { rp_fail(c, AS_ERR_NOMEM, "out of memory for the sparklines"); break; }
                    cap = ncap;
                }
                ws[n] = sqlite3_column_int64(wq, 0);
                wn[n] = sqlite3_column_int64(wq, 1);
                wk[n] = sqlite3_column_int64(wq, 2);
                n++;
            }
            if (n) rp_spark(c, NULL, ws, wn, wk, n, onset);
        }
        rp_puts(c, NULL, "</td><td>");
        rp_esc(c, NULL, (const char *)sqlite3_column_text(q, 20));
        if (sqlite3_column_type(q, 21) != SQLITE_NULL) {
            rp_puts(c, NULL, "<br><span class=\"quote\">“");
            rp_esc_cut(c, NULL, (const char *)sqlite3_column_text(q, 21), 90);
            rp_puts(c, NULL, "”</span>");
        }
        rp_puts(c, NULL, "</td></tr>\n");
        c->stats->alerts_listed++;
    }
    rp_puts(c, NULL, "</tbody></table></div>\n");
    sqlite3_finalize(q);
    sqlite3_finalize(wq);
    as__free(ws);
    as__free(wn);
    as__free(wk);
}

void rp_quality(rp_ctx *c) {
    rp_section_begin(c, RP_QUALITY, "Quality alerts", NULL);
    if (!c->has_quality) {
        rp_missing(c, "No quality run yet: run aftersales quality --db %s to find the products, suppliers, sellers and "
                   "categories with a real quality problem.", c->db->path);
        rp_section_end(c);
        return;
    }
    int64_t as_of = rp_meta_int(c, "quality_as_of", 0);
    int recent = (int)rp_meta_int(c, "quality_recent_days", 0), longw = (int)rp_meta_int(c, "quality_long_days", 0);
    int64_t alerts = rp_sql_int(c, "SELECT COUNT(*) FROM alerts", 0);
    int64_t kinds[4];
    static const char *const kind_sql[4] = {"SELECT COUNT(*) FROM alerts WHERE kind = 'product'",
                                            "SELECT COUNT(*) FROM alerts WHERE kind = 'supplier'",
                                            "SELECT COUNT(*) FROM alerts WHERE kind = 'seller'",
                                            "SELECT COUNT(*) FROM alerts WHERE kind = 'category'"};
    for (int k = 0; k < 4; k++) kinds[k] = rp_sql_int(c, kind_sql[k], 0);
    double excess = rp_sql_double(c, "SELECT SUM(excess_returns) FROM alerts WHERE kind = 'product'", 0);
    int64_t products = rp_sql_int(c, "SELECT COUNT(DISTINCT unit_id) FROM quality_units WHERE kind = 'product' AND"
                                     " window = 'long' AND sales > 0", 0);
    rp_printf(c, NULL, "<p class=\"lead\">As of %s, comparing the last %d and %d days: <b>%s alert%s</b> (%s product%s, "
              "%s supplier%s, %s seller%s, %s categor%s) among %s products with sales; the flagged products hold "
              "about %s more product-related cases than their peers' rates predict. A unit is flagged only when its "
              "rate is above its peers' after shrinkage and beyond the funnel limit their spread sets, so a product "
              "that sold three and had one back is never listed.</p>\n",
              as_of ? rp_fmt_date(c, as_of) : "the last order", recent, longw, rp_fmt_count(c, alerts),
              alerts == 1 ? "" : "s", rp_fmt_count(c, kinds[0]), kinds[0] == 1 ? "" : "s", rp_fmt_count(c, kinds[1]),
              kinds[1] == 1 ? "" : "s", rp_fmt_count(c, kinds[2]), kinds[2] == 1 ? "" : "s",
              rp_fmt_count(c, kinds[3]), kinds[3] == 1 ? "y" : "ies", rp_fmt_count(c, products),
              rp_fmt_num(c, excess, 0));
    fgroup groups[12];
    int ng = pick_groups(c, groups, c->p->max_funnels);
    for (int i = 0; i < ng && !c->st; i++) funnel_chart(c, &groups[i], i);
    if (alerts && c->p->top_alerts > 0) {
        rp_puts(c, NULL, "<h3>Ranked alerts</h3>\n");
        alert_table(c, rp_table_exists(c, "alert_weekly"));
        if (alerts > c->p->top_alerts)
            rp_printf(c, NULL, "<p class=\"small\">The %s largest of %s alerts by expected excess cases; all of them are in "
                      "the alerts table of the database and in the CSV that quality wrote.</p>\n",
                      rp_fmt_count(c, c->p->top_alerts), rp_fmt_count(c, alerts));
        rp_puts(c, NULL, "<p class=\"small\">Sales back: sales in the window with a case of the signal; rate: their "
                         "share of the sales; reasons: every case on those sales by its reason class (a sale can have "
                         "several, and cases of other classes are listed too); peers: the rate its category (or mix "
                         "of categories) shows; shrunk rate: the rate after pulling it toward the peers by how much "
                         "evidence it has, with its 95 % credible interval; "
                         "excess: cases above the peers' rate; onset: the day the problem most likely began, with the "
                         "rate before and after; weekly rate: the last year, red from the onset week on.</p>\n");
    } else if (!alerts) {
        rp_puts(c, NULL, "<p>No unit is flagged: every product, supplier, seller and category is within what its peers "
                         "show.</p>\n");
    }
    rp_section_end(c);
}
