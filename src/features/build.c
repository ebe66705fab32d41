/*
 * build: one time-ordered pass over purchases and cases that writes the features table.
 *
 * Purchases are read sorted by (ordered_at, order_id, line_no) and cases by opened_at. Before the purchases
 * of instant t are featurized, every case opened before t and every purchase made before t has been folded
 * into the running histories; the purchases of instant t are folded in only after all of them are written.
 * That ordering is the whole point-in-time guarantee, and tests/unit/test_build.c checks it by changing the
 * future and comparing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/features.h"
#include "ingest/strmap.h"

/* Counts, amounts and durations enter as log1p, and smoothed rates as logits: their tails are long (a
 * wholesaler's thousandth order, a 0.5 % against a 40 % return rate) and a linear model on the raw scale lets
 * a few rows dominate. "recent" histories weight each event by exp(−age / 30 days), so they follow a customer
 * or product as it changes. Country enters through its smoothed return rate rather than one indicator per
 * country: rare countries' indicators fit noise (measured on a validation window inside the training data).
 * The calendar month is stored for reports but not modelled: a time split rarely trains on every month. */
const char *const as__feature_numeric[] = {
    "ln_quantity", "ln_unit_price", "ln_line_value", "ln_price_vs_product", "discount", "ln_qty_vs_cust_mean",
    "ln_order_lines", "ln_order_value", "ln_order_distinct_products", "basket_repeat",
    "hour", "weekday",
    "cust_is_new", "ln_cust_prev_orders", "ln_cust_prev_lines", "ln_cust_prev_returns", "cust_return_logit",
    "ln_cust_recent_returns", "cust_recent_return_logit", "ln_cust_orders_last_day", "ln_cust_prev_value", "ln_cust_days_since_first", "ln_cust_hours_since_last",
    "cust_has_returned", "ln_cust_days_since_last_return",
    "cust_bought_product_before", "cust_returned_product_before",
    "prod_is_new", "ln_prod_prev_sales", "ln_prod_prev_returns", "prod_return_logit", "prod_recent_return_logit",
    "ln_prod_recent_sales", "ln_prod_days_since_first",
    "cat_return_logit", "country_return_logit",
};
/* Stored in the features table for reports and look-ups, not model inputs. */
const char *const as__feature_extra[] = {"month"};
const int as__n_feature_extra = 1;
const int as__n_feature_numeric = (int)(sizeof as__feature_numeric / sizeof *as__feature_numeric);
const char *const as__feature_categorical[] = {"category"};
const int as__n_feature_categorical = 1;

enum { NF = sizeof as__feature_numeric / sizeof *as__feature_numeric };

as_build_params as_build_params_default(void) {
    as_build_params p;
    memset(&p, 0, sizeof p);
    p.horizon_days = 90;
    p.prior_strength = 20;
    return p;
}

/* ---- running histories ---- */
/* A count where each event weighs exp(−age / τ): one number and the instant it was last brought up to date. */
typedef struct decayed { double v; int64_t t; } decayed;
#define DECAY_TAU (30.0 * AS_DAY)
static double decayed_at(const decayed *d, int64_t t) { return d->v * exp(-(double)(t - d->t) / DECAY_TAU); }
static void decayed_add(decayed *d, int64_t t, double x) { d->v = decayed_at(d, t) + x; d->t = t; }
/* Orders in about the last day: a burst of orders often ends in cancelling the duplicates. */
#define BURST_TAU ((double)AS_DAY)
static double burst_at(const decayed *d, int64_t t) { return d->v * exp(-(double)(t - d->t) / BURST_TAU); }

typedef struct cust_state {
    int64_t orders, lines, returns, first_t, last_t, last_return_t;
    int64_t country;              /* position in the country table of the latest order's country, or −1 */
    double value, qty_sum;
    decayed recent_returns, recent_lines, orders_burst;
} cust_state;
typedef struct prod_state {
    int64_t sales, returns;
    double price_sum;
    int64_t price_n, first_t;
    decayed recent_sales, recent_returns;
} prod_state;
typedef struct cat_state { int64_t sales, returns; } cat_state;   /* also used for countries */

typedef struct entity_table {
    as_strmap index;     /* key → position in items */
    void *items;
    size_t size, count, cap;
} entity_table;

static void *entity(entity_table *t, const char *key, size_t n) {
    int inserted;
    int64_t *pos = as__strmap_upsert(&t->index, key, n, (int64_t)t->count, &inserted);
    if (!pos) return NULL;
    if (inserted) {
        if (t->count == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 1024;
            void *p = as__reallocarray(t->items, cap, t->size);
            if (!p) return NULL;
            t->items = p;
            t->cap = cap;
        }
        memset((char *)t->items + t->count * t->size, 0, t->size);
        t->count++;
    }
    return (char *)t->items + (size_t)*pos * t->size;
}

static void entity_free(entity_table *t) { as__strmap_free(&t->index); as__free(t->items); }

/* ---- cases, grouped by matching key for label look-ups ---- */
typedef struct case_ev { int64_t group, at; } case_ev;
typedef struct case_hist { char *cust, *prod; int64_t at; int has_order; } case_hist;

static int cmp_case_ev(const void *a, const void *b) {
    const case_ev *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

typedef struct label_index {
    as_strmap groups;    /* key → group id */
    case_ev *ev;
    size_t n, cap;
    int64_t *start;      /* group g's events are ev[start[g] .. start[g+1]) */
} label_index;

static as_status label_add(label_index *li, const char *key, size_t n, int64_t at) {
    int64_t *g = as__strmap_upsert(&li->groups, key, n, (int64_t)li->groups.count, NULL);
    if (!g) return AS_ERR_NOMEM;
    if (li->n == li->cap) {
        size_t cap = li->cap ? li->cap * 2 : 4096;
        case_ev *p = as__reallocarray(li->ev, cap, sizeof *p);
        if (!p) return AS_ERR_NOMEM;
        li->ev = p;
        li->cap = cap;
    }
    li->ev[li->n++] = (case_ev){*g, at};
    return AS_OK;
}

static as_status label_finish(label_index *li) {
    if (li->n) qsort(li->ev, li->n, sizeof *li->ev, cmp_case_ev);   /* qsort(NULL, 0, …) is undefined */
    size_t ng = li->groups.count;
    li->start = as__calloc(ng + 1, sizeof *li->start);
    if (!li->start) return AS_ERR_NOMEM;
    for (size_t i = 0; i < li->n; i++) li->start[li->ev[i].group + 1]++;
    for (size_t g = 0; g < ng; g++) li->start[g + 1] += li->start[g];
    return AS_OK;
}

/* 1 when the group named by key has an event in [lo, hi]. */
static int label_hit(const label_index *li, const char *key, size_t n, int64_t lo, int64_t hi) {
    int64_t *g = as__strmap_get(&li->groups, key, n);
    if (!g) return 0;
    size_t a = (size_t)li->start[*g], b = (size_t)li->start[*g + 1];
    while (a < b) {                       /* first event at or after lo */
        size_t m = a + (b - a) / 2;
        if (li->ev[m].at < lo) a = m + 1; else b = m;
    }
    return a < (size_t)li->start[*g + 1] && li->ev[a].at <= hi;
}

static void label_free(label_index *li) { as__strmap_free(&li->groups); as__free(li->ev); as__free(li->start); }

/* Keys joined with the unit separator, which cannot occur in the CSV text we store. */
static size_t make_key(char *buf, size_t size, char tag, const char *a, const char *b) {
    size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0, n = 0;
    if (la + lb + 4 > size) {           /* absurdly long identifiers: cut, still deterministic */
        la = la > size / 2 - 2 ? size / 2 - 2 : la;
        lb = lb > size / 2 - 2 ? size / 2 - 2 : lb;
    }
    buf[n++] = tag;
    buf[n++] = '\x1f';
    if (la) memcpy(buf + n, a, la);
    n += la;
    buf[n++] = '\x1f';
    if (lb) memcpy(buf + n, b, lb);
    n += lb;
    buf[n] = '\0';
    return n;
}

/* ---- one purchase line as read from the database ---- */
typedef struct purchase {
    char *order, *product, *customer, *country, *category;
    double qty, price, discount;
    int64_t at, line_no;
} purchase;

static char *dup_col(as_arena *a, sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t) return NULL;
    return as__arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(st, i));
}

static double smoothed(int64_t k, int64_t n, double prior, double m) { return ((double)k + m * prior) / ((double)n + m); }
/* log(r / (1 − r)), kept finite at the ends (a shop with no returns yet has rate 0). */
static double logit(double r) {
    const double lo = 1e-4;
    r = r < lo ? lo : r > 1 - lo ? 1 - lo : r;
    return log(r / (1 - r));
}

typedef struct build_run {
    as_db *db;
    const as_build_params *p;
    as_build_stats *stats;
    entity_table cust, prod, cat, country;
    as_strmap cust_prod;          /* customer|product → bit 1 bought, bit 2 returned (before now) */
    label_index labels;           /* cases that name an order, by order|product and order| */
    as_strmap returned;           /* customer|product|time of purchases a customer-only case is attributed to */
    case_hist *cases;             /* sorted by time, for history */
    size_t n_cases, case_pos;
    int64_t shop_lines, shop_returns;
    sqlite3_stmt *ins;
    as_arena arena;               /* strings of cases (whole run) */
} build_run;

static as_status load_cases(build_run *b, as_error *err) {
    sqlite3_stmt *st;
    as_status rc = as__db_prepare(b->db,
        "SELECT coalesce(c.customer_id, o.customer_id), c.order_id, c.product_id, c.opened_at "
        "FROM cases c LEFT JOIN orders o ON o.order_id = c.order_id ORDER BY c.opened_at", &st, err);
    if (rc) return rc;
    char key[1024];
    size_t cap = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        char *cu = dup_col(&b->arena, st, 0), *ord = dup_col(&b->arena, st, 1), *pr = dup_col(&b->arena, st, 2);
        int64_t at = sqlite3_column_int64(st, 3);
        if ((sqlite3_column_type(st, 0) != SQLITE_NULL && !cu) || (sqlite3_column_type(st, 1) != SQLITE_NULL && !ord) ||
            (sqlite3_column_type(st, 2) != SQLITE_NULL && !pr)) { rc = AS_ERR_NOMEM; break; }
        if (ord) rc = label_add(&b->labels, key, make_key(key, sizeof key, 'o', ord, pr), at);
        if (rc) break;
        if (b->n_cases == cap) {
            cap = cap ? cap * 2 : 4096;
            case_hist *p = as__reallocarray(b->cases, cap, sizeof *p);
            if (!p) { rc = AS_ERR_NOMEM; break; }
            b->cases = p;
        }
        b->cases[b->n_cases++] = (case_hist){cu, pr, at, ord != NULL};
        if (at > b->stats->data_end) b->stats->data_end = at;
    }
    if (!rc && s != SQLITE_DONE) rc = as__err(err, AS_ERR_DB, "%s: %s", b->db->path, sqlite3_errmsg(b->db->sql));
    sqlite3_finalize(st);
    if (rc == AS_ERR_NOMEM) return as__err(err, rc, "out of memory reading cases");
    if (!rc && label_finish(&b->labels)) return as__err(err, AS_ERR_NOMEM, "out of memory indexing cases");
    return rc;
}

static size_t returned_key(char *buf, size_t size, const char *cust, const char *prod, int64_t at) {
    int n = snprintf(buf, size, "r\x1f%s\x1f%s\x1f%lld", cust, prod, (long long)at);
    return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

/* A case that names no order (a cancellation naming customer and product) is attributed to that customer's
 * latest purchase of the product at or before the case, if it lies within the horizon. One case marks one
 * purchase instant, so the positive rate counts return events rather than every purchase a return could
 * belong to. */
static as_status attribute_customer_cases(build_run *b, as_error *err) {
    label_index purchases;
    memset(&purchases, 0, sizeof purchases);
    as__strmap_init(&purchases.groups);
    sqlite3_stmt *st;
    as_status rc = as__db_prepare(b->db,
        "SELECT o.customer_id, ol.product_id, o.ordered_at FROM order_lines ol JOIN orders o "
        "ON o.order_id = ol.order_id WHERE ol.quantity > 0 AND o.customer_id IS NOT NULL", &st, err);
    char key[1024];
    int s = SQLITE_DONE;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cu = (const char *)sqlite3_column_text(st, 0), *pr = (const char *)sqlite3_column_text(st, 1);
        if (!cu || !pr) continue;
        if (label_add(&purchases, key, make_key(key, sizeof key, 'c', cu, pr), sqlite3_column_int64(st, 2)))
            rc = as__err(err, AS_ERR_NOMEM, "out of memory attributing cases");
    }
    if (!rc && s != SQLITE_DONE) rc = as__err(err, AS_ERR_DB, "%s: %s", b->db->path, sqlite3_errmsg(b->db->sql));
    sqlite3_finalize(st);
    if (!rc && label_finish(&purchases)) rc = as__err(err, AS_ERR_NOMEM, "out of memory attributing cases");
    int64_t horizon = (int64_t)b->p->horizon_days * AS_DAY;
    for (size_t i = 0; i < b->n_cases && !rc; i++) {
        const case_hist *c = &b->cases[i];
        if (c->has_order || !c->cust || !c->prod) continue;
        int64_t *g = as__strmap_get(&purchases.groups, key, make_key(key, sizeof key, 'c', c->cust, c->prod));
        if (!g) continue;
        size_t a = (size_t)purchases.start[*g], z = (size_t)purchases.start[*g + 1];
        while (a < z) {                    /* first purchase after the case */
            size_t m = a + (z - a) / 2;
            if (purchases.ev[m].at <= c->at) a = m + 1; else z = m;
        }
        if (a == (size_t)purchases.start[*g]) continue;   /* no purchase at or before the case */
        int64_t t = purchases.ev[a - 1].at;
        if (c->at - t > horizon) continue;
        if (!as__strmap_upsert(&b->returned, key, returned_key(key, sizeof key, c->cust, c->prod, t), 1, NULL))
            rc = as__err(err, AS_ERR_NOMEM, "out of memory attributing cases");
    }
    label_free(&purchases);
    return rc;
}

/* Folds every case opened before t into the histories. */
static as_status apply_cases_before(build_run *b, int64_t t) {
    char key[1024];
    for (; b->case_pos < b->n_cases && b->cases[b->case_pos].at < t; b->case_pos++) {
        const case_hist *c = &b->cases[b->case_pos];
        b->shop_returns++;
        if (c->cust) {
            cust_state *cs = entity(&b->cust, c->cust, strlen(c->cust));
            if (!cs) return AS_ERR_NOMEM;
            cs->returns++;
            cs->last_return_t = c->at;
            if (cs->lines && cs->country >= 0) ((cat_state *)b->country.items)[cs->country].returns++;
            decayed_add(&cs->recent_returns, c->at, 1);
        }
        if (c->prod) {
            prod_state *ps = entity(&b->prod, c->prod, strlen(c->prod));
            if (!ps) return AS_ERR_NOMEM;
            ps->returns++;
            decayed_add(&ps->recent_returns, c->at, 1);
        }
        if (c->cust && c->prod) {
            int64_t *v = as__strmap_upsert(&b->cust_prod, key, make_key(key, sizeof key, 'x', c->cust, c->prod), 0, NULL);
            if (!v) return AS_ERR_NOMEM;
            *v |= 2;
        }
    }
    return AS_OK;
}

/* Writes the feature rows of one order (all its lines share the instant t), reading histories only. */
static as_status featurize_order(build_run *b, purchase *lines, size_t n, int64_t label_until, as_error *err) {
    char key[1024];
    double order_value = 0;
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        order_value += lines[i].qty * lines[i].price;
        int seen = 0;
        for (size_t j = 0; j < i; j++) seen |= strcmp(lines[i].product, lines[j].product) == 0;
        distinct += !seen;
    }
    double shop_rate = b->shop_lines ? (double)b->shop_returns / (double)b->shop_lines : 0.0;
    double m = b->p->prior_strength;
    int64_t horizon = (int64_t)b->p->horizon_days * AS_DAY;
    for (size_t i = 0; i < n; i++) {
        const purchase *l = &lines[i];
        int repeat = 0;
        for (size_t j = 0; j < n; j++) repeat |= j != i && strcmp(l->product, lines[j].product) == 0;
        cust_state *cs = entity(&b->cust, l->customer, strlen(l->customer));
        prod_state *ps = entity(&b->prod, l->product, strlen(l->product));
        cat_state *ks = l->category ? entity(&b->cat, l->category, strlen(l->category)) : NULL;
        cat_state *ys = l->country ? entity(&b->country, l->country, strlen(l->country)) : NULL;
        if (!cs || !ps || (l->category && !ks) || (l->country && !ys))
            return as__err(err, AS_ERR_NOMEM, "out of memory building features");
        int64_t *cp = as__strmap_get(&b->cust_prod, key, make_key(key, sizeof key, 'x', l->customer, l->product));
        int64_t days = l->at >= 0 ? l->at / AS_DAY : (l->at - AS_DAY + 1) / AS_DAY;
        int y, mo, d;
        as__civil_from_days(days, &y, &mo, &d);
        double prod_rate = smoothed(ps->returns, ps->sales, shop_rate, m);
        double rs = decayed_at(&ps->recent_sales, l->at), rr = decayed_at(&ps->recent_returns, l->at);
        double mean_price = ps->price_n ? ps->price_sum / (double)ps->price_n : 0;
        double mean_qty = cs->lines ? cs->qty_sum / (double)cs->lines : 0;
        double f[NF] = {
            log1p(l->qty), log1p(l->price), log1p(l->qty * l->price),
            mean_price > 0 && l->price > 0 ? log(l->price / mean_price) : 0.0, l->discount,
            mean_qty > 0 && l->qty > 0 ? log(l->qty / mean_qty) : 0.0,
            log1p((double)n), log1p(order_value > 0 ? order_value : 0), log1p((double)distinct), (double)repeat,
            (double)((l->at - days * AS_DAY) / 3600), (double)((days + 3) % 7),
            cs->lines == 0, log1p((double)cs->orders), log1p((double)cs->lines), log1p((double)cs->returns),
            logit(smoothed(cs->returns, cs->lines, shop_rate, m)), log1p(decayed_at(&cs->recent_returns, l->at)),
            logit((decayed_at(&cs->recent_returns, l->at) + m * shop_rate) / (decayed_at(&cs->recent_lines, l->at) + m)),
            log1p(burst_at(&cs->orders_burst, l->at)),
            log1p(cs->value > 0 ? cs->value : 0),
            cs->lines ? log1p((double)(l->at - cs->first_t) / AS_DAY) : 0.0,
            cs->lines ? log1p((double)(l->at - cs->last_t) / 3600.0) : 0.0,
            cs->returns > 0, cs->returns ? log1p((double)(l->at - cs->last_return_t) / AS_DAY) : 0.0,
            cp && (*cp & 1), cp && (*cp & 2),
            ps->sales == 0, log1p((double)ps->sales), log1p((double)ps->returns), logit(prod_rate),
            logit((rr + m * prod_rate) / (rs + m)), log1p(rs),
            ps->sales ? log1p((double)(l->at - ps->first_t) / AS_DAY) : 0.0,
            logit(ks ? smoothed(ks->returns, ks->sales, shop_rate, m) : shop_rate),
            logit(ys ? smoothed(ys->returns, ys->sales, shop_rate, m) : shop_rate),
        };
        /* Label: a matching case within the horizon; unknown when the horizon passes the end of the data. */
        int labelled = l->at <= label_until;
        int positive = 0;
        if (labelled) {
            int64_t hi = l->at + horizon;
            positive = label_hit(&b->labels, key, make_key(key, sizeof key, 'o', l->order, l->product), l->at, hi) ||
                       label_hit(&b->labels, key, make_key(key, sizeof key, 'o', l->order, NULL), l->at, hi) ||
                       as__strmap_get(&b->returned, key, returned_key(key, sizeof key, l->customer, l->product, l->at));
        }
        sqlite3_stmt *q = b->ins;
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, l->order, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, l->line_no);
        sqlite3_bind_text(q, 3, l->customer, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, l->product, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, l->at);
        if (labelled) sqlite3_bind_int(q, 6, positive); else sqlite3_bind_null(q, 6);
        sqlite3_bind_text(q, 7, l->country ? l->country : "(unknown)", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 8, l->category ? l->category : "(none)", -1, SQLITE_STATIC);
        for (int k = 0; k < NF; k++) sqlite3_bind_double(q, 9 + k, f[k]);
        sqlite3_bind_int(q, 9 + NF, mo);
        if (sqlite3_step(q) != SQLITE_DONE)
            return as__err(err, AS_ERR_DB, "%s: writing features: %s", b->db->path, sqlite3_errmsg(b->db->sql));
        b->stats->purchase_lines++;
        b->stats->labelled += labelled;
        b->stats->positives += positive;
    }
    return AS_OK;
}

/* Folds one order's lines into the histories (after every line of its instant has been written). */
static as_status fold_order(build_run *b, const purchase *lines, size_t n) {
    char key[1024];
    for (size_t i = 0; i < n; i++) {
        const purchase *l = &lines[i];
        cust_state *cs = entity(&b->cust, l->customer, strlen(l->customer));
        prod_state *ps = entity(&b->prod, l->product, strlen(l->product));
        if (!cs || !ps) return AS_ERR_NOMEM;
        if (cs->lines == 0) cs->first_t = l->at;
        if (i == 0) {
            cs->orders++;
            cs->orders_burst.v = burst_at(&cs->orders_burst, l->at) + 1;
            cs->orders_burst.t = l->at;
        }
        decayed_add(&cs->recent_lines, l->at, 1);
        if (ps->sales == 0) ps->first_t = l->at;
        cs->lines++;
        cs->last_t = l->at;
        cs->value += l->qty * l->price;
        cs->qty_sum += l->qty;
        ps->sales++;
        decayed_add(&ps->recent_sales, l->at, 1);
        ps->price_sum += l->price;
        ps->price_n++;
        if (l->category) {
            cat_state *ks = entity(&b->cat, l->category, strlen(l->category));
            if (!ks) return AS_ERR_NOMEM;
            ks->sales++;
        }
        cs->country = -1;
        if (l->country) {
            cat_state *ys = entity(&b->country, l->country, strlen(l->country));
            if (!ys) return AS_ERR_NOMEM;
            ys->sales++;
            cs->country = (int64_t)(ys - (cat_state *)b->country.items);
        }
        int64_t *v = as__strmap_upsert(&b->cust_prod, key, make_key(key, sizeof key, 'x', l->customer, l->product), 0, NULL);
        if (!v) return AS_ERR_NOMEM;
        *v |= 1;
        b->shop_lines++;
    }
    return AS_OK;
}

static as_status create_table(as_db *db, as_error *err) {
    as_buf sql;
    as__buf_init(&sql, 0);
    as__buf_printf(&sql, "DROP TABLE IF EXISTS features; CREATE TABLE features(order_id TEXT NOT NULL, "
                         "line_no INTEGER NOT NULL, customer_id TEXT, product_id TEXT, ordered_at INTEGER NOT NULL, "
                         "label INTEGER, country TEXT, category TEXT");
    for (int k = 0; k < NF; k++) as__buf_printf(&sql, ", %s REAL", as__feature_numeric[k]);
    for (int k = 0; k < as__n_feature_extra; k++) as__buf_printf(&sql, ", %s INTEGER", as__feature_extra[k]);
    /* No key index: rows are written in (ordered_at, order_id, line_no) order, so rowid order is time order
     * and readers scan it without sorting. (order_id, line_no) is unique by construction. */
    as_status st = as__buf_printf(&sql, ");");
    if (!st) st = as__buf_cstr(&sql);
    if (!st) st = as__db_exec(db, sql.data, err);
    else st = as__err(err, AS_ERR_NOMEM, "out of memory");
    as__buf_free(&sql);
    return st;
}

static as_status prepare_insert(build_run *b, as_error *err) {
    as_buf sql;
    as__buf_init(&sql, 0);
    as__buf_printf(&sql, "INSERT INTO features VALUES(?,?,?,?,?,?,?,?");
    for (int k = 0; k < NF + as__n_feature_extra; k++) as__buf_printf(&sql, ",?");
    as_status st = as__buf_printf(&sql, ")");
    if (!st) st = as__buf_cstr(&sql);
    if (!st) st = as__db_prepare(b->db, sql.data, &b->ins, err);
    else st = as__err(err, AS_ERR_NOMEM, "out of memory");
    as__buf_free(&sql);
    return st;
}

static as_status run_pass(build_run *b, as_error *err) {
    as_status rc;
    sqlite3_stmt *st;
    /* Event range first: it decides which lines are labelled. */
    if ((rc = as__db_prepare(b->db, "SELECT min(ordered_at), max(ordered_at), count(*) FROM orders", &st, err))) return rc;
    int64_t n_orders = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        b->stats->data_start = sqlite3_column_int64(st, 0);
        if (sqlite3_column_int64(st, 1) > b->stats->data_end) b->stats->data_end = sqlite3_column_int64(st, 1);
        n_orders = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (n_orders == 0)
        return as__err(err, AS_ERR_STATE, "%s holds no orders; run `aftersales ingest` first", b->db->path);
    if ((rc = as__db_prepare(b->db, "SELECT count(*) FROM order_lines ol JOIN orders o ON o.order_id = ol.order_id "
                                    "WHERE ol.quantity > 0 AND o.customer_id IS NULL", &st, err))) return rc;
    if (sqlite3_step(st) == SQLITE_ROW) b->stats->lines_without_customer = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    int64_t label_until = b->stats->data_end - (int64_t)b->p->horizon_days * AS_DAY;
    b->stats->label_until = label_until;

    if ((rc = prepare_insert(b, err))) return rc;
    if ((rc = as__db_prepare(b->db,
            "SELECT ol.order_id, ol.line_no, ol.product_id, ol.quantity, coalesce(ol.unit_price, 0), "
            "coalesce(ol.discount, 0), o.customer_id, o.ordered_at, o.country, p.category "
            "FROM order_lines ol JOIN orders o ON o.order_id = ol.order_id "
            "LEFT JOIN products p ON p.product_id = ol.product_id "
            "WHERE ol.quantity > 0 AND o.customer_id IS NOT NULL "
            "ORDER BY o.ordered_at, ol.order_id, ol.line_no", &st, err)))
        return rc;

    as_arena order_arena;
    as__arena_init(&order_arena, 1 << 14);
    purchase *lines = NULL;
    size_t n = 0, cap = 0;
    int64_t group_t = INT64_MIN, done = 0;
    /* Orders waiting to be folded into history: every order of the current instant. */
    purchase *pending = NULL;
    size_t n_pending = 0, cap_pending = 0;
    as_arena pending_arena;
    as__arena_init(&pending_arena, 1 << 14);
    size_t *pending_order_start = NULL, n_pending_orders = 0, cap_po = 0;
    int s;
    rc = AS_OK;
    for (;;) {
        s = sqlite3_step(st);
        int have = s == SQLITE_ROW;
        const char *oid = have ? (const char *)sqlite3_column_text(st, 0) : NULL;
        int64_t at = have ? sqlite3_column_int64(st, 7) : INT64_MAX;
        /* End of an order: featurize it now (histories hold only events before its instant). */
        if (n && (!have || at != lines[0].at || strcmp(oid, lines[0].order) != 0)) {
            if ((rc = featurize_order(b, lines, n, label_until, err))) break;
            /* Keep the order to fold in once its instant is over. */
            if (n_pending_orders + 1 >= cap_po) {
                cap_po = cap_po ? cap_po * 2 : 64;
                size_t *p = as__reallocarray(pending_order_start, cap_po, sizeof *p);
                if (!p) { rc = AS_ERR_NOMEM; break; }
                pending_order_start = p;
            }
            pending_order_start[n_pending_orders++] = n_pending;
            for (size_t i = 0; i < n; i++) {
                if (n_pending == cap_pending) {
                    cap_pending = cap_pending ? cap_pending * 2 : 256;
                    purchase *p = as__reallocarray(pending, cap_pending, sizeof *p);
                    if (!p) { rc = AS_ERR_NOMEM; break; }
                    pending = p;
                }
                purchase q = lines[i];
                q.customer = as__arena_strndup(&pending_arena, q.customer, strlen(q.customer));
                q.product = as__arena_strndup(&pending_arena, q.product, strlen(q.product));
                q.category = q.category ? as__arena_strndup(&pending_arena, q.category, strlen(q.category)) : NULL;
                q.country = q.country ? as__arena_strndup(&pending_arena, q.country, strlen(q.country)) : NULL;
                q.order = NULL;   /* the order's strings die with its arena; folding needs none of them */
                if (!q.customer || !q.product || (lines[i].category && !q.category) || (lines[i].country && !q.country)) {
                    rc = AS_ERR_NOMEM;
                    break;
                }
                pending[n_pending++] = q;
            }
            if (rc) break;
            n = 0;
            as__arena_free(&order_arena);
            as__arena_init(&order_arena, 1 << 14);
        }
        /* End of an instant: fold its orders into history, then the cases up to the next instant. */
        if (!have || at != group_t) {
            for (size_t o = 0; o < n_pending_orders && !rc; o++) {
                size_t a = pending_order_start[o], z = o + 1 < n_pending_orders ? pending_order_start[o + 1] : n_pending;
                rc = fold_order(b, pending + a, z - a);
            }
            n_pending = n_pending_orders = 0;
            as__arena_free(&pending_arena);
            as__arena_init(&pending_arena, 1 << 14);
            if (!rc && have) rc = apply_cases_before(b, at);
            if (rc) { as__err(err, rc, "out of memory building features"); break; }
            group_t = at;
        }
        if (!have) break;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            purchase *p = as__reallocarray(lines, cap, sizeof *p);
            if (!p) { rc = as__err(err, AS_ERR_NOMEM, "out of memory building features"); break; }
            lines = p;
        }
        purchase *l = &lines[n++];
        l->order = dup_col(&order_arena, st, 0);
        l->line_no = sqlite3_column_int64(st, 1);
        l->product = dup_col(&order_arena, st, 2);
        l->qty = sqlite3_column_double(st, 3);
        l->price = sqlite3_column_double(st, 4);
        l->discount = sqlite3_column_double(st, 5);
        l->customer = dup_col(&order_arena, st, 6);
        l->at = at;
        l->country = dup_col(&order_arena, st, 8);
        l->category = dup_col(&order_arena, st, 9);
        if (!l->order || !l->product || !l->customer) { rc = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
        if (b->p->progress && (++done & 0x3fff) == 0)
            b->p->progress(b->p->progress_user, "build", (double)done, 0);
    }
    if (!rc && s != SQLITE_DONE && s != SQLITE_ROW)
        rc = as__err(err, AS_ERR_DB, "%s: %s", b->db->path, sqlite3_errmsg(b->db->sql));
    sqlite3_finalize(st);
    as__free(lines);
    as__free(pending);
    as__free(pending_order_start);
    as__arena_free(&order_arena);
    as__arena_free(&pending_arena);
    return rc;
}

as_status as_build(as_db *db, const as_build_params *params, as_build_stats *stats, as_error *err) {
    as_build_params defaults = as_build_params_default();
    if (!params) params = &defaults;
    memset(stats, 0, sizeof *stats);
    if (params->horizon_days < 1 || params->horizon_days > 3650)
        return as__err(err, AS_ERR_INVALID, "horizon %d days is out of range; use 1 to 3650", params->horizon_days);
    if (!(params->prior_strength >= 0))
        return as__err(err, AS_ERR_INVALID, "prior strength must be ≥ 0");
    build_run b;
    memset(&b, 0, sizeof b);
    b.db = db;
    b.p = params;
    b.stats = stats;
    b.cust.size = sizeof(cust_state);
    b.prod.size = sizeof(prod_state);
    b.cat.size = sizeof(cat_state);
    b.country.size = sizeof(cat_state);
    as__strmap_init(&b.country.index);
    as__strmap_init(&b.cust.index);
    as__strmap_init(&b.prod.index);
    as__strmap_init(&b.cat.index);
    as__strmap_init(&b.cust_prod);
    as__strmap_init(&b.labels.groups);
    as__strmap_init(&b.returned);
    as__arena_init(&b.arena, 1 << 16);

    as_status rc = as__db_bulk_begin(db, err);
    if (!rc) rc = create_table(db, err);
    if (!rc) rc = load_cases(&b, err);
    if (!rc) rc = attribute_customer_cases(&b, err);
    if (!rc) rc = run_pass(&b, err);
    sqlite3_finalize(b.ins);
    if (!rc) {
        char v[64];
        snprintf(v, sizeof v, "%d", params->horizon_days);
        rc = as__db_meta_set(db, "build_horizon_days", v, err);
        snprintf(v, sizeof v, "%lld", (long long)stats->label_until);
        if (!rc) rc = as__db_meta_set(db, "build_label_until", v, err);
        snprintf(v, sizeof v, "%lld", (long long)stats->data_end);
        if (!rc) rc = as__db_meta_set(db, "build_data_end", v, err);
    }
    if (!rc) rc = as__db_bulk_end(db, 1, err);
    else as__db_bulk_end(db, 0, NULL);
    entity_free(&b.cust);
    entity_free(&b.prod);
    entity_free(&b.cat);
    entity_free(&b.country);
    as__strmap_free(&b.cust_prod);
    label_free(&b.labels);
    as__strmap_free(&b.returned);
    as__free(b.cases);
    as__arena_free(&b.arena);
    if (!rc && params->progress) params->progress(params->progress_user, "build", 1, 1);
    return rc;
}
