/*
 * sec_shop.c — the shop at a glance (volumes, the after-sales rate, what cases cost) and the after-sales rate over
 * time, overall and for the largest categories.
 *
 * "Return rate" is the model's target: the share of labelled purchase lines with a case of any kind (return,
 * exchange, repair, refund, complaint, cancellation) within the build horizon. It needs `build`; the other
 * figures come from the canonical tables alone. The feature table is wide (about 150 columns), so it is read
 * once, in label_scan, for both sections.
 */
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/strmap.h"

#define TREND_SERIES 5               /* the shop and its four largest categories */
#define TREND_MIN_LINES 100          /* a category's point needs this many labelled lines in the period: at a 2 %
                                      * rate fewer make a line that swings between 0 and twice the rate */
#define TREND_MAX_CATEGORIES 10000   /* categories counted per period; more are left out of the series */

struct rp_labels {
    int weekly;
    int64_t origin;                  /* weekly: the Monday on or before the first purchase */
    int64_t first, n;                /* period index of the first purchase, periods */
    int64_t labelled, positives;     /* over all labelled lines */
    int64_t first_at, last_at;       /* first and last labelled purchase */
    size_t n_cats;                   /* categories seen (at most TREND_MAX_CATEGORIES) */
    int64_t *cat_lines;              /* per category: labelled lines */
    int64_t *lines, *pos;            /* [(1 + category) · n + period]: series 0 is the shop */
    as_strmap cats;                  /* category → index */
};

static int64_t period_of(const rp_labels *t, int64_t at) {
    if (t->weekly) return (at - t->origin) / (7 * AS_DAY);
    int y, m, d;
    as__civil_from_days(at / AS_DAY, &y, &m, &d);
    return (int64_t)y * 12 + (m - 1);
}

static int64_t period_start(const rp_labels *t, int64_t p) {
    if (t->weekly) return t->origin + p * 7 * AS_DAY;
    return as__days_from_civil((int)(p / 12), (int)(p % 12) + 1, 1) * AS_DAY;
}

void rp_labels_free(rp_labels *t) {
    if (!t) return;
    as__free(t->lines);
    as__free(t->pos);
    as__free(t->cat_lines);
    as__strmap_free(&t->cats);
    as__free(t);
}

/* Grows the per-category arrays to hold category index k. */
static int grow_cats(rp_labels *t, size_t k, size_t *cap) {
    if (k < *cap) return 1;
    size_t ncap = *cap ? *cap * 2 : 16;
    while (ncap <= k) ncap *= 2;
    int64_t *l = as__reallocarray(t->lines, (ncap + 1) * (size_t)t->n, sizeof *l);
    if (l) t->lines = l;
    int64_t *p = as__reallocarray(t->pos, (ncap + 1) * (size_t)t->n, sizeof *p);
    if (p) t->pos = p;
    int64_t *c = as__reallocarray(t->cat_lines, ncap, sizeof *c);
    if (c) t->cat_lines = c;
    if (!l || !p || !c) return 0;
    /* the first call also clears row 0, the shop's own */
    size_t from = *cap ? (*cap + 1) * (size_t)t->n : 0, to = (ncap + 1) * (size_t)t->n;
    memset(t->lines + from, 0, (to - from) * sizeof *l);
    memset(t->pos + from, 0, (to - from) * sizeof *p);
    memset(t->cat_lines + *cap, 0, (ncap - *cap) * sizeof *c);
    *cap = ncap;
    return 1;
}

/* One pass over the labelled lines: totals, and lines and positives per period for the shop and per category.
 * The periods span the orders (build's data start to its last labelled purchase), from meta and the orders table,
 * so the scan needs no pass of its own to find them. */
static rp_labels *label_scan(rp_ctx *c) {
    rp_labels *t = as__calloc(1, sizeof *t);
    if (!t) { rp_fail(c, AS_ERR_NOMEM, "out of memory for the return rate"); return NULL; }
    as__strmap_init(&t->cats);
    int64_t lo = c->data_start, hi = c->label_until > lo ? c->label_until : c->data_end;
    t->weekly = hi - lo <= 183 * AS_DAY;
    int64_t day = lo / AS_DAY;
    t->origin = (day - ((day + 3) % 7)) * AS_DAY;   /* 1970-01-01 was a Thursday: (day + 3) % 7 = 0 on Mondays */
    t->first = period_of(t, lo);
    t->n = period_of(t, hi) - t->first + 1;
    if (t->n < 1) t->n = 1;
    size_t cap = 0;
    if (!grow_cats(t, 0, &cap)) goto nomem;
    t->first_at = INT64_MAX;
    sqlite3_stmt *q = rp_prepare(c, "SELECT ordered_at, label, category FROM features WHERE label IS NOT NULL");
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        int64_t at = sqlite3_column_int64(q, 0), p = period_of(t, at) - t->first;
        int y = sqlite3_column_int(q, 1) != 0;
        t->labelled++;
        t->positives += y;
        if (at < t->first_at) t->first_at = at;
        if (at > t->last_at) t->last_at = at;
        if (p < 0 || p >= t->n) continue;
        t->lines[p]++;
        t->pos[p] += y;
        const char *cat = (const char *)sqlite3_column_text(q, 2);
        if (!cat) continue;
        size_t len = (size_t)sqlite3_column_bytes(q, 2);
        int64_t *k = as__strmap_get(&t->cats, cat, len);
        if (!k) {
            if (t->n_cats == TREND_MAX_CATEGORIES) continue;
            int ins;
            k = as__strmap_upsert(&t->cats, cat, len, (int64_t)t->n_cats, &ins);
            if (!k || !grow_cats(t, t->n_cats, &cap)) { sqlite3_finalize(q); goto nomem; }
            t->n_cats++;
        }
        size_t at_cat = (size_t)(*k + 1) * (size_t)t->n + (size_t)p;
        t->lines[at_cat]++;
        t->pos[at_cat] += y;
        t->cat_lines[*k]++;
    }
    sqlite3_finalize(q);
    if (c->st) { rp_labels_free(t); return NULL; }
    return t;
nomem:
    rp_labels_free(t);
    rp_fail(c, AS_ERR_NOMEM, "out of memory for the return rate");
    return NULL;
}

/* ---- at a glance ----------------------------------------------------------------------------------------- */

static void kinds_table(rp_ctx *c, int64_t cases) {
    sqlite3_stmt *q = rp_prepare(c, "SELECT kind, COUNT(*), SUM(CASE WHEN amount IS NOT NULL THEN ABS(amount) END),"
                                    " COUNT(amount) FROM cases GROUP BY kind ORDER BY 2 DESC, 1");
    if (!q) return;
    rp_puts(c, NULL, "<div class=\"tablewrap\"><table id=\"kinds-table\"><thead><tr><th>case kind</th>"
                     "<th class=\"n\">cases</th><th class=\"n\">share</th><th class=\"n\">amount</th></tr></thead>"
                     "<tbody>\n");
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(q, 1);
        rp_puts(c, NULL, "<tr><td>");
        rp_esc(c, NULL, (const char *)sqlite3_column_text(q, 0));
        rp_printf(c, NULL, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
                  rp_fmt_count(c, n), n && (double)n / (double)cases < 0.0005 ? "< 0.1 %"
                                    : rp_fmt_pct(c, cases ? (double)n / (double)cases : NAN, 1),
                  sqlite3_column_int64(q, 3) ? rp_fmt_num(c, sqlite3_column_double(q, 2), 0) : "–");
    }
    sqlite3_finalize(q);
    rp_puts(c, NULL, "</tbody></table></div>\n");
}

void rp_glance(rp_ctx *c) {
    rp_section_begin(c, RP_GLANCE, "The shop at a glance", NULL);
    int64_t lines = rp_sql_int(c, "SELECT COUNT(*) FROM order_lines WHERE quantity > 0", 0);
    if (!lines) {
        rp_missing(c, "The database holds no purchase lines: load the shop's exports with aftersales ingest --db %s "
                   "FILES first.", c->db->path);
        rp_section_end(c);
        return;
    }
    int64_t orders = rp_sql_int(c, "SELECT COUNT(*) FROM orders", 0);
    int64_t customers = rp_sql_int(c, "SELECT COUNT(*) FROM customers", 0);
    int64_t products = rp_sql_int(c, "SELECT COUNT(*) FROM products", 0);
    int64_t cases = rp_sql_int(c, "SELECT COUNT(*) FROM cases", 0);
    rp_puts(c, NULL, "<dl class=\"kpis\">\n");
    /* lines whose order is not loaded (a partial export) are counted but say nothing: name them */
    int64_t orphans = rp_sql_int(c, "SELECT COUNT(*) FROM order_lines l WHERE l.quantity > 0 AND NOT EXISTS (SELECT 1"
                                    " FROM orders o WHERE o.order_id = l.order_id)", 0);
    int64_t products_sold = rp_sql_int(c, "SELECT COUNT(DISTINCT product_id) FROM order_lines WHERE quantity > 0", 0);
    char lnote[160] = "", pnote[96] = "", knote[200] = "";
    if (orphans)
        snprintf(lnote, sizeof lnote, "%s of them name an order that is not loaded", rp_fmt_count(c, orphans));
    if (products_sold < products) snprintf(pnote, sizeof pnote, "%s of them sold", rp_fmt_count(c, products_sold));
    /* the kinds this shop's cases have, largest first */
    sqlite3_stmt *kq = rp_prepare(c, "SELECT kind, COUNT(*) FROM cases GROUP BY kind ORDER BY 2 DESC, 1 LIMIT 3");
    for (int k = 0; kq && sqlite3_step(kq) == SQLITE_ROW; k++) {
        size_t len = strlen(knote);
        snprintf(knote + len, sizeof knote - len, "%s%s %s", k ? ", " : "", sqlite3_column_text(kq, 0),
                 rp_fmt_pct(c, cases ? (double)sqlite3_column_int64(kq, 1) / (double)cases : NAN, 0));
    }
    sqlite3_finalize(kq);
    rp_kpi(c, "lines", (double)lines, "purchase lines", rp_fmt_count(c, lines), lnote[0] ? lnote : NULL);
    rp_kpi(c, "orders", (double)orders, "orders", rp_fmt_count(c, orders), NULL);
    rp_kpi(c, "customers", (double)customers, "customers", rp_fmt_count(c, customers), NULL);
    rp_kpi(c, "products", (double)products, "products", rp_fmt_count(c, products), pnote[0] ? pnote : NULL);
    rp_kpi(c, "cases", (double)cases, "after-sales cases", rp_fmt_count(c, cases), knote[0] ? knote : NULL);
    if (c->has_features && (c->labels = label_scan(c)) && c->labels->labelled) {
        const rp_labels *t = c->labels;
        double rate = (double)t->positives / (double)t->labelled;
        char note[160];
        snprintf(note, sizeof note, "of %s labelled lines: a case of any kind within %d days",
                 rp_fmt_count(c, t->labelled), c->horizon_days);
        rp_kpi(c, "return_rate", rate, "after-sales rate", rp_fmt_pct(c, rate, 2), note);
    }
    int64_t with_amount = rp_sql_int(c, "SELECT COUNT(*) FROM cases WHERE amount IS NOT NULL AND amount <> 0", 0);
    if (with_amount) {
        double cost = rp_sql_double(c, "SELECT SUM(ABS(amount)) FROM cases WHERE amount IS NOT NULL", 0);
        double sold = rp_sql_double(c, "SELECT SUM(quantity * unit_price) FROM order_lines WHERE quantity > 0 AND"
                                       " unit_price > 0", NAN);
        char note[200];
        snprintf(note, sizeof note, "%s of %s cases carry an amount%s%s%s", rp_fmt_count(c, with_amount),
                 rp_fmt_count(c, cases), sold > 0 ? "; " : "", sold > 0 ? rp_fmt_pct(c, cost / sold, 1) : "",
                 sold > 0 ? " of the value sold" : "");
        rp_kpi(c, "return_cost", cost, "value of cases", rp_fmt_num(c, cost, 0), note);
    }
    rp_puts(c, NULL, "</dl>\n");
    if (!c->has_features)
        rp_missing(c, "The after-sales rate needs labels: run aftersales build --db %s (it labels every purchase "
                   "with the cases that follow it).", c->db->path);
    if (cases) kinds_table(c, cases);
    rp_section_end(c);
}

/* ---- return rate over time ------------------------------------------------------------------------------- */

typedef struct cat_rank { size_t k; int64_t lines; const char *name; } cat_rank;

static int by_lines(const void *a, const void *b) {
    const cat_rank *x = a, *y = b;
    if (x->lines != y->lines) return x->lines < y->lines ? 1 : -1;
    return strcmp(x->name, y->name);
}

void rp_trend(rp_ctx *c) {
    rp_section_begin(c, RP_TREND, "After-sales rate over time", NULL);
    const rp_labels *t = c->labels;
    if (!c->has_features) {
        rp_missing(c, "No labels yet: run aftersales build --db %s to see how the after-sales rate moves.", c->db->path);
        rp_section_end(c);
        return;
    }
    if (!t || !t->labelled) {
        rp_missing(c, "No purchase is labelled yet: the data must run at least %d days (the return window) past the "
                   "first purchase. Build with a shorter --horizon or load more history.", c->horizon_days);
        rp_section_end(c);
        return;
    }
    /* the largest categories by labelled lines; one category alone is the shop again */
    cat_rank *rank = t->n_cats ? as__calloc(t->n_cats, sizeof *rank) : NULL;
    double *xs = as__calloc((size_t)t->n, sizeof *xs), *ys = as__calloc((size_t)t->n, sizeof *ys);
    if ((t->n_cats && !rank) || !xs || !ys) {
        rp_fail(c, AS_ERR_NOMEM, "out of memory for the trend chart");
        goto out;
    }
    for (size_t i = 0; i < t->cats.cap; i++)
        if (t->cats.keys[i]) {
            size_t k = (size_t)t->cats.vals[i];
            rank[k] = (cat_rank){k, t->cat_lines[k], t->cats.keys[i]};
        }
    if (t->n_cats) qsort(rank, t->n_cats, sizeof *rank, by_lines);
    int n_series = t->n_cats >= 2 ? 1 + (int)(t->n_cats < TREND_SERIES - 1 ? t->n_cats : TREND_SERIES - 1) : 1;
    const char *name[TREND_SERIES] = {"all products"};
    size_t row[TREND_SERIES] = {0};
    for (int s = 1; s < n_series; s++) name[s] = rank[s - 1].name, row[s] = rank[s - 1].k + 1;

    /* x runs over the periods with labelled lines */
    int64_t p0 = period_of(t, t->first_at) - t->first, p1 = period_of(t, t->last_at) - t->first;
    if (p0 < 0) p0 = 0;
    if (p1 >= t->n) p1 = t->n - 1;
    double ymax = 0;
    for (int s = 0; s < n_series; s++)
        for (int64_t p = p0; p <= p1; p++) {
            int64_t n = t->lines[row[s] * (size_t)t->n + (size_t)p];
            if (n >= (s ? TREND_MIN_LINES : 1))
                ymax = fmax(ymax, (double)t->pos[row[s] * (size_t)t->n + (size_t)p] / (double)n);
        }
    rp_chart ch;
    rp_scale xs_scale = {(double)period_start(t, t->first + p0), (double)period_start(t, t->first + p1), 0};
    if (!(xs_scale.hi > xs_scale.lo)) xs_scale.hi = xs_scale.lo + 7 * AS_DAY;
    rp_scale ys_scale = {0, ymax > 0 ? ymax * 1.12 : 0.1, 0};
    rp_chart_begin(&ch, c, 900, 300, xs_scale, ys_scale);
    if (n_series > 1) ch.t = 30;   /* room for the legend above the plot */
    rp_chart_axes(&ch, RP_TICK_DATE, RP_TICK_PCT, t->weekly ? "week of purchase" : "month of purchase",
                  "share with a case");
    const char *series_cls[TREND_SERIES] = {"line s0", "line s1", "line s2", "line s3", "line s4"};
    const char *mark_cls[TREND_SERIES] = {"s0", "s1", "s2", "s3", "s4"};
    size_t np = (size_t)(p1 - p0 + 1);
    for (int s = n_series - 1; s >= 0; s--) {   /* the shop's line on top */
        const int64_t *L = t->lines + row[s] * (size_t)t->n, *P = t->pos + row[s] * (size_t)t->n;
        for (int64_t p = p0; p <= p1; p++) {
            xs[p - p0] = (double)period_start(t, t->first + p);
            ys[p - p0] = L[p] >= (s ? TREND_MIN_LINES : 1) ? (double)P[p] / (double)L[p] : NAN;
        }
        rp_chart_line(&ch, xs, ys, np, series_cls[s]);
        for (size_t i = 0; i < np; i++) {
            if (!isfinite(ys[i])) continue;
            char tip[256];
            int64_t p = p0 + (int64_t)i;
            snprintf(tip, sizeof tip, "%.80s, %s: %s of %s lines (%s)", name[s],
                     t->weekly ? rp_fmt_date(c, (int64_t)xs[i]) : rp_fmt_month(c, (int64_t)xs[i]),
                     rp_fmt_count(c, P[p]), rp_fmt_count(c, L[p]), rp_fmt_pct(c, ys[i], 1));
            rp_chart_point(&ch, xs[i], ys[i], s ? 2.5 : 3.2, mark_cls[s], tip);
        }
    }
    if (n_series > 1) rp_chart_legend(&ch, name, series_cls, n_series);
    char cap[640];
    snprintf(cap, sizeof cap, "Share of purchase lines with an after-sales case (any kind) within %d days, by %s of "
             "purchase%s. Purchases of the last %d days are not labelled yet (their window is still open) and are "
             "not shown; the last point holds only the part of its period that is.%s", c->horizon_days, t->weekly ? "week" : "month",
             n_series > 1 ? ", for the shop and its largest categories" : "", c->horizon_days,
             n_series > 1 ? " A category's point needs 100 lines in the period." : "");
    rp_chart_end(&ch, "trend", "return rate over time", cap);
out:
    as__free(rank);
    as__free(xs);
    as__free(ys);
    rp_section_end(c);
}
