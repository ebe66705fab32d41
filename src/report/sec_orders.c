/*
 * sec_orders.c — the riskiest open orders: orders placed after the last labelled purchase (their return window
 * is still open) that have no case yet, scored with the model, the riskiest first with the reasons of their
 * riskiest line. These are the orders an after-sales team can still act on (confirm the size, inspect the item,
 * call the customer).
 *
 * Orders are ranked by their riskiest line, not by 1 − Π(1 − p): lines of one order come back together (one
 * parcel, one customer), so the independence that product assumes overstates big orders — on Online Retail the
 * test orders' Σ(1 − Π(1 − p)) was 79 % above the orders that did come back, and an order of 200 lines always
 * topped the list. Σ p, the lines expected back, is shown beside it: for a calibrated line model it is unbiased.
 */
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pipeline.h"
#include "ingest/strmap.h"

typedef struct open_order {
    double risk, max_line, sum;     /* risk: the ranking key (riskiest line; an order model's own risk) */
    int64_t at, lines;
    int flagged;
    char order[80], customer[80], reasons[320];
} open_order;

typedef struct open_scan {
    as_strmap with_case;             /* orders that already have a case: not open */
    open_order *heap;                /* min-heap on (risk, then order id descending): the top is the weakest */
    size_t n, cap;
    int64_t scored, flagged, excluded;
    double expected;                 /* Σ p over the open orders' lines (orders, for an order model) */
    int order_level;
} open_scan;

/* a weaker than b: lower risk, or the same risk and a later order id (ties list the smaller id first) */
static int weaker(const open_order *a, const open_order *b) {
    if (a->risk != b->risk) return a->risk < b->risk;
    return strcmp(a->order, b->order) > 0;
}

static void sift_down(open_order *h, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && weaker(&h[l], &h[m])) m = l;
        if (r < n && weaker(&h[r], &h[m])) m = r;
        if (m == i) return;
        open_order t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void sift_up(open_order *h, size_t i) {
    while (i && weaker(&h[i], &h[(i - 1) / 2])) {
        open_order t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static as_status take(void *user, const as_scored_order *o, as_error *err) {
    (void)err;
    open_scan *s = user;
    if (as__strmap_get(&s->with_case, o->order_id, strlen(o->order_id))) {
        s->excluded++;
        return AS_OK;
    }
    s->scored++;
    s->flagged += o->flagged != 0;
    s->expected += o->sum_line_risk;
    if (!s->cap) return AS_OK;
    open_order x;
    memset(&x, 0, sizeof x);
    x.risk = s->order_level ? o->risk : o->max_line_risk;
    x.max_line = o->max_line_risk, x.sum = o->sum_line_risk, x.at = o->at, x.lines = o->lines, x.flagged = o->flagged;
    snprintf(x.order, sizeof x.order, "%s", o->order_id);
    snprintf(x.customer, sizeof x.customer, "%s", o->customer_id ? o->customer_id : "");
    snprintf(x.reasons, sizeof x.reasons, "%s", o->top_reasons ? o->top_reasons : "");
    if (s->n < s->cap) {
        s->heap[s->n] = x;
        sift_up(s->heap, s->n++);
    } else if (weaker(&s->heap[0], &x)) {
        s->heap[0] = x;
        sift_down(s->heap, s->n, 0);
    }
    return AS_OK;
}

static int riskiest_first(const void *a, const void *b) {
    const open_order *x = a, *y = b;
    return weaker(x, y) ? 1 : weaker(y, x) ? -1 : 0;
}

void rp_orders(rp_ctx *c) {
    rp_section_begin(c, RP_ORDERS, "The riskiest open orders", NULL);
    if (!c->model) {
        rp_missing(c, "Open orders are scored with a model, and there is none: %s", c->model_note);
        rp_section_end(c);
        return;
    }
    if (c->foreign_model) {
        rp_missing(c, "The model was trained on another shop's database, so its scores say nothing about this "
                   "shop's orders: train one on this database (aftersales train --db %s).", c->db->path);
        rp_section_end(c);
        return;
    }
    if (c->model->source != AS_MODEL_SHOP) {
        rp_missing(c, "The model was trained on a flat CSV file (train --csv), not on this shop's features, so it "
                   "cannot score the shop's orders: train with --db %s.", c->db->path);
        rp_section_end(c);
        return;
    }
    if (!c->has_features || !c->label_until) {
        rp_missing(c, "No features to score: run aftersales build --db %s.", c->db->path);
        rp_section_end(c);
        return;
    }
    open_scan s;
    memset(&s, 0, sizeof s);
    as__strmap_init(&s.with_case);
    s.cap = (size_t)c->p->top_orders;
    s.heap = s.cap ? as__calloc(s.cap, sizeof *s.heap) : NULL;
    if (s.cap && !s.heap) {
        rp_fail(c, AS_ERR_NOMEM, "out of memory for the open orders");
        goto out;
    }
    /* an order has a case when a case names it, or — for exports whose cases name no order (Online Retail's
     * credit notes) — when its customer opened one about a product of the order after it was placed: the rule
     * build labels by */
    s.order_level = c->model->target_level == AS_TARGET_ORDER;
    char sql[900];
    snprintf(sql, sizeof sql, "SELECT order_id FROM cases WHERE order_id IS NOT NULL UNION SELECT o.order_id FROM"
             " orders o JOIN order_lines l ON l.order_id = o.order_id JOIN cases k ON k.order_id IS NULL AND"
             " k.customer_id = o.customer_id AND k.product_id = l.product_id AND k.opened_at >= o.ordered_at"
             " WHERE o.ordered_at > %lld", (long long)c->label_until);
    sqlite3_stmt *q = rp_prepare(c, sql);
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(q, 0);
        int ins;
        if (id && !as__strmap_upsert(&s.with_case, id, strlen(id), 1, &ins)) {
            rp_fail(c, AS_ERR_NOMEM, "out of memory for the open orders");
            break;
        }
    }
    sqlite3_finalize(q);
    if (c->st) goto out;
    as_score_params sp = as_score_params_default();
    sp.from = c->label_until + 1;
    as_score_stats ss;
    as_error e;
    memset(&e, 0, sizeof e);
    as_status st = as__score_db_orders(c->db, c->model, &sp, take, &s, &ss, &e);
    if (st == AS_ERR_FORMAT || st == AS_ERR_STATE || st == AS_ERR_INVALID) {
        /* the model does not fit these features (built with other options): say so and go on */
        rp_missing(c, "The model cannot score this database's features: %s", e.msg);
        goto out;
    }
    if (st) {
        rp_fail(c, st, "scoring the open orders: %s", e.msg);
        goto out;
    }
    c->open_unseen = ss.unseen_categories;
    c->open_scored = s.scored;
    c->stats->open_orders = s.scored;
    if (c->weak_model[0]) {
        rp_puts(c, NULL, "<p class=\"warn\">");
        rp_esc(c, NULL, c->weak_model);
        rp_puts(c, NULL, "</p>\n");
    }
    if (!s.scored) {
        rp_printf(c, NULL, "<p>No open order: every order after %s already has a case, or none was placed after it "
                  "(the last %d days of the data are the open window).</p>\n", rp_fmt_date(c, c->label_until),
                  c->horizon_days);
        goto out;
    }
    rp_printf(c, NULL, "<p class=\"lead\">Orders placed after %s, whose %d-day return window is still open, with no "
              "case yet, %s. The reasons are those of the riskiest line, each with its pull on the log-odds.</p>\n",
              rp_fmt_date(c, c->label_until), c->horizon_days,
              s.order_level ? "by the order model's risk" : "by their riskiest line (lines of one order tend to come "
                              "back together, so a big order is not the sum of its lines)");
    rp_puts(c, NULL, "<dl class=\"kpis\">\n");
    rp_kpi(c, "open_orders", (double)s.scored, "open orders scored", rp_fmt_count(c, s.scored), NULL);
    char note[128];
    if (ss.n_classes > 2)
        snprintf(note, sizeof note, "the model's most probable class is a case kind or reason, not 'none'");
    else
        snprintf(note, sizeof note, "%s at or above the model's threshold %s", s.order_level ? "risk" : "a line",
                 rp_fmt_pct(c, ss.threshold, 1));
    rp_kpi(c, "open_flagged", (double)s.flagged, "flagged", rp_fmt_count(c, s.flagged), note);
    rp_kpi(c, "open_expected", s.expected, s.order_level ? "orders expected back" : "lines expected back",
           rp_fmt_num(c, s.expected, 0), s.order_level ? "the sum of the orders' risks" : "the sum of the lines' risks");
    rp_puts(c, NULL, "</dl>\n");
    qsort(s.heap, s.n, sizeof *s.heap, riskiest_first);
    if (s.n) {
        rp_printf(c, NULL, "<div class=\"tablewrap\"><table id=\"orders-table\"><thead><tr><th>order</th>"
                  "<th>customer</th><th>placed</th><th class=\"n\">lines</th><th class=\"n\">%s</th>%s"
                  "<th>top reasons%s</th></tr></thead><tbody>\n", s.order_level ? "risk" : "riskiest line",
                  s.order_level ? "" : "<th class=\"n\">lines expected back</th>", s.order_level ? "" : " (riskiest line)");
    }
    for (size_t i = 0; i < s.n; i++) {
        const open_order *o = &s.heap[i];
        rp_puts(c, NULL, "<tr><td>");
        rp_esc(c, NULL, o->order);
        rp_puts(c, NULL, "</td><td>");
        rp_esc(c, NULL, o->customer);
        rp_printf(c, NULL, "</td><td class=\"date\">%s</td><td class=\"n\">%s</td><td class=\"n%s\">%s</td>",
                  rp_fmt_date(c, o->at), rp_fmt_count(c, o->lines), o->flagged ? " flag" : "", rp_fmt_pct(c, o->risk, 1));
        if (!s.order_level) rp_printf(c, NULL, "<td class=\"n\">%s</td>", rp_fmt_num(c, o->sum, 2));
        rp_puts(c, NULL, "<td>");
        rp_esc(c, NULL, o->reasons);
        rp_puts(c, NULL, "</td></tr>\n");
        c->stats->open_orders_listed++;
    }
    if (s.n) rp_puts(c, NULL, "</tbody></table></div>\n");
    if (s.excluded)
        rp_printf(c, NULL, "<p class=\"small\">%s orders of the open window already have a case and are left out.</p>\n",
                  rp_fmt_count(c, s.excluded));
out:
    as__strmap_free(&s.with_case);
    as__free(s.heap);
    rp_section_end(c);
}
