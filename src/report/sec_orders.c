/*
 * sec_orders.c — the riskiest open orders: orders placed after the last labelled purchase (their return window
 * is still open) that have no case yet, scored with the model, the riskiest first with the reasons of their
 * riskiest line. These are the orders an after-sales team can still act on (confirm the size, inspect the item,
 * call the customer).
 */
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pipeline.h"
#include "ingest/strmap.h"

typedef struct open_order {
    double risk, max_line;
    int64_t at, lines;
    int flagged;
    char order[80], customer[80], reasons[320];
} open_order;

typedef struct open_scan {
    as_strmap with_case;             /* orders that already have a case: not open */
    open_order *heap;                /* min-heap on (risk, then order id descending): the top is the weakest */
    size_t n, cap;
    int64_t scored, flagged, excluded;
    double expected;                 /* Σ risk over the open orders: the cases to expect */
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
    s->expected += o->risk;
    if (!s->cap) return AS_OK;
    open_order x;
    memset(&x, 0, sizeof x);
    x.risk = o->risk, x.max_line = o->max_line_risk, x.at = o->at, x.lines = o->lines, x.flagged = o->flagged;
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
        rp_missing(c, "Open orders are scored with a model: %s", c->model_note);
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
    sqlite3_stmt *q = rp_prepare(c, "SELECT DISTINCT order_id FROM cases WHERE order_id IS NOT NULL");
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
    if (!s.scored) {
        rp_printf(c, NULL, "<p>No open order: every order after %s already has a case, or none was placed after it "
                  "(the last %d days of the data are the open window).</p>\n", rp_fmt_date(c, c->label_until),
                  c->horizon_days);
        goto out;
    }
    rp_printf(c, NULL, "<p class=\"lead\">Orders placed after %s, whose %d-day return window is still open, with no "
              "case yet. The risk of an order is the chance that any of its lines comes back (1 − Π(1 − p) over its "
              "lines); its reasons are those of its riskiest line, each with its pull on the log-odds.</p>\n",
              rp_fmt_date(c, c->label_until), c->horizon_days);
    rp_puts(c, NULL, "<dl class=\"kpis\">\n");
    rp_kpi(c, "open_orders", (double)s.scored, "open orders scored", rp_fmt_count(c, s.scored), NULL);
    char note[128];
    if (ss.n_classes > 2)
        snprintf(note, sizeof note, "the model's most probable class is a case kind or reason, not 'none'");
    else
        snprintf(note, sizeof note, "risk at or above the model's threshold %s", rp_fmt_pct(c, ss.threshold, 1));
    rp_kpi(c, "open_flagged", (double)s.flagged, "flagged", rp_fmt_count(c, s.flagged), note);
    rp_kpi(c, "open_expected", s.expected, "cases to expect", rp_fmt_num(c, s.expected, 0),
           "the sum of the orders' risks");
    rp_puts(c, NULL, "</dl>\n");
    qsort(s.heap, s.n, sizeof *s.heap, riskiest_first);
    rp_puts(c, NULL, "<div class=\"tablewrap\"><table id=\"orders-table\"><thead><tr><th>order</th><th>customer</th>"
                     "<th>placed</th><th class=\"n\">lines</th><th class=\"n\">risk</th><th>top reasons (riskiest "
                     "line)</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < s.n; i++) {
        const open_order *o = &s.heap[i];
        rp_puts(c, NULL, "<tr><td>");
        rp_esc(c, NULL, o->order);
        rp_puts(c, NULL, "</td><td>");
        rp_esc(c, NULL, o->customer);
        rp_printf(c, NULL, "</td><td>%s</td><td class=\"n\">%s</td><td class=\"n%s\">%s</td><td>", rp_fmt_date(c, o->at),
                  rp_fmt_count(c, o->lines), o->flagged ? " flag" : "", rp_fmt_pct(c, o->risk, 1));
        rp_esc(c, NULL, o->reasons);
        rp_puts(c, NULL, "</td></tr>\n");
        c->stats->open_orders_listed++;
    }
    rp_puts(c, NULL, "</tbody></table></div>\n");
    if (s.excluded)
        rp_printf(c, NULL, "<p class=\"small\">%s orders of the open window already have a case and are left out.</p>\n",
                  rp_fmt_count(c, s.excluded));
out:
    as__strmap_free(&s.with_case);
    as__free(s.heap);
    rp_section_end(c);
}
