/*
 * build: one time-ordered pass over purchases, cases and deliveries that writes the features table (one row per
 * purchase line) and the order_features table (one row per order).
 *
 * Purchases are read sorted by (ordered_at, order_id, line_no) and cases by opened_at. Before the purchases
 * of instant t are featurized, every case opened before t, every purchase made before t and every delivery
 * made before t (of an order placed before t) has been folded into the running histories; the purchases of
 * instant t are folded in only after all of them are written. That ordering is the whole point-in-time
 * guarantee, and tests/unit/test_build.c checks it by changing the future and comparing.
 *
 * The column library is documented in docs/features.md; the first 36 numeric columns are the main job's set
 * and keep their names and definitions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "features/features_internal.h"
#include "ingest/strmap.h"
#include "quality/reasons.h"
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
    p.moment = AS_MOMENT_ORDER;
    p.hash_buckets = 16;
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
    /* the library's additions: attributes from the products table (ids + 1; 0 = none) and text slots */
    uint32_t cat1, supplier1, reason_slot1;
    double list_price;
} prod_state;
/* Categories and countries. price_* only for categories (their earlier mean unit price). */
typedef struct cat_state { int64_t sales, returns; double price_sum; int64_t price_n; } cat_state;
/* Delivery history of a carrier or seller: orders (lines for sellers) delivered so far and their days late. */
typedef struct late_state { double late_sum; int64_t n; } late_state;
/* A customer's delivered orders and the late ones among them. */
typedef struct cust_delivery { int32_t delivered, late; } cust_delivery;

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

/* ---- small name lists for the multiclass targets (case kinds, reason classes); entry 0 is "none" ---- */
typedef struct name_list { int n; char name[AS_MAX_TARGET_CLASSES][32]; } name_list;

/* Index of s, added when new; when the list is full every further name shares the last entry, "other". */
static uint8_t name_id(name_list *l, const char *s) {
    for (int i = 0; i < l->n; i++) if (strcmp(l->name[i], s) == 0) return (uint8_t)i;
    if (l->n == AS_MAX_TARGET_CLASSES - 1) snprintf(l->name[l->n++], sizeof l->name[0], "other");
    if (l->n == AS_MAX_TARGET_CLASSES) {
        for (int i = 0; i < l->n; i++) if (strcmp(l->name[i], "other") == 0) return (uint8_t)i;
        return (uint8_t)(l->n - 1);
    }
    snprintf(l->name[l->n], sizeof l->name[0], "%s", s);
    return (uint8_t)l->n++;
}

/* ---- cases, grouped by matching key for label look-ups ---- */
typedef struct case_ev { int64_t group, at; int64_t idx; } case_ev;
/* One case as the histories and labels need it. seller: the seller of the line the case names, else the
 * product's supplier; country: the country of the order it names. */
typedef struct case_hist {
    char *cust, *prod, *seller, *country, *reason;
    int64_t at;
    int has_order;
    uint8_t kind, reason_class;
} case_hist;

static int cmp_case_ev(const void *a, const void *b) {
    const case_ev *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->at != y->at) return x->at < y->at ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

typedef struct label_index {
    as_strmap groups;    /* key → group id */
    case_ev *ev;
    size_t n, cap;
    int64_t *start;      /* group g's events are ev[start[g] .. start[g+1]) */
} label_index;

static as_status label_add(label_index *li, const char *key, size_t n, int64_t at, int64_t idx) {
    int64_t *g = as__strmap_upsert(&li->groups, key, n, (int64_t)li->groups.count, NULL);
    if (!g) return AS_ERR_NOMEM;
    if (li->n == li->cap) {
        size_t cap = li->cap ? li->cap * 2 : 4096;
        case_ev *p = as__reallocarray(li->ev, cap, sizeof *p);
        if (!p) return AS_ERR_NOMEM;
        li->ev = p;
        li->cap = cap;
    }
    li->ev[li->n++] = (case_ev){*g, at, idx};
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

/* The first event (its idx) of the group named by key in [lo, hi], or −1. */
static int64_t label_first(const label_index *li, const char *key, size_t n, int64_t lo, int64_t hi) {
    int64_t *g = as__strmap_get(&li->groups, key, n);
    if (!g) return -1;
    size_t a = (size_t)li->start[*g], b = (size_t)li->start[*g + 1];
    while (a < b) {                       /* first event at or after lo */
        size_t m = a + (b - a) / 2;
        if (li->ev[m].at < lo) a = m + 1; else b = m;
    }
    return a < (size_t)li->start[*g + 1] && li->ev[a].at <= hi ? li->ev[a].idx : -1;
}

static void label_free(label_index *li) { as__strmap_free(&li->groups); as__free(li->ev); as__free(li->start); }

/* The customer × product key of the purchase flags: the two entity positions. */
static uint64_t pair_key(uint32_t cust, uint32_t prod) { return (uint64_t)cust << 32 | prod; }

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
    /* the library's additions */
    char *carrier, *seller;              /* seller: the line's seller, NULL = the product's supplier */
    int64_t promised, delivered;
    int has_promised, has_delivered;
    double freight;                      /* NaN when unknown */
    uint32_t id[AS__N_ENT], carrier_id;  /* resolved while featurizing, used again when folding */
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

/* A delivery waiting for its instant: it enters the histories once the clock passes delivered_at. */
typedef struct delivery_ev {
    int64_t at;
    float days_late;
    uint32_t carrier, seller, cust, order_first;
} delivery_ev;

typedef struct build_run {
    as_db *db;
    const as_build_params *p;
    as_build_stats *stats;
    entity_table cust, prod, cat, country;
    as_u64map cust_prod;          /* customer × product (entity positions) → bit 1 bought, bit 2 returned (before
                                   * now); one entry per pair bought or returned, so compact keys */
    label_index labels;           /* cases that name an order, by order|product and order| */
    as_strmap returned;           /* customer|product|time of a purchase → the first customer-only case attributed to it */
    case_hist *cases;             /* sorted by time, for history */
    size_t n_cases, case_pos;
    int64_t shop_lines, shop_returns;
    sqlite3_stmt *ins;
    as_rowq *rq;                  /* the pass's rows (features: statement 0, order_features: 1), written by a thread */
    as_arena arena;               /* strings of cases (whole run) */
    /* ---- the library ---- */
    as__windows win;
    as_strmap sellers, carriers;  /* name → id */
    late_state *carrier_late, *seller_late;
    size_t cap_carrier_late, cap_seller_late;
    cust_delivery *cust_del;
    size_t cap_cust_del;
    delivery_ev *heap;            /* min-heap on delivery time */
    size_t n_heap, cap_heap;
    int buckets;
    uint8_t *desc;                /* products table row i's description buckets: desc[i·buckets …] ∈ {0, 1} */
    size_t n_desc;
    float *reason_pool;           /* slot s−1 of a product: its earlier cases' reason-word counts */
    size_t n_slots, cap_slots;
    name_list kinds, reasons;
    int64_t line_kind[AS_MAX_TARGET_CLASSES], line_reason[AS_MAX_TARGET_CLASSES];
    int64_t order_kind[AS_MAX_TARGET_CLASSES], order_reason[AS_MAX_TARGET_CLASSES];
    /* column layout */
    const char **names;           /* numeric columns of features: the main set, then the library */
    int n_num;
    as_arena names_arena;
    as__order_writer *orders;
    double *order_f, *order_qty, *order_value, *order_freight;
    uint32_t *order_prod, *order_cat;
    size_t cap_order;
} build_run;

/* build --features main: only the main job's columns (no windows, library columns, hashed words or order table). */
static int main_only(const build_run *b) { return b->p->feature_set == AS_FEATURES_MAIN; }

/* Grows a zero-filled array to hold index `need`. */
static int grow_zero(void **arr, size_t *cap, size_t need, size_t size) {
    if (need < *cap) return 1;
    size_t n = *cap ? *cap : 256;
    while (n <= need) n *= 2;
    char *p = as__reallocarray(*arr, n, size);
    if (!p) return 0;
    memset(p + *cap * size, 0, (n - *cap) * size);
    *arr = p;
    *cap = n;
    return 1;
}

static uint32_t name_to_id(as_strmap *m, const char *s) {
    if (!s) return AS__NO_ID;
    int64_t *v = as__strmap_upsert(m, s, strlen(s), (int64_t)m->count, NULL);
    return v ? (uint32_t)*v : AS__NO_ID - 1;   /* out of memory: caught by the caller's next allocation */
}

static uint32_t pos_of(const entity_table *t, const void *item) {
    return item ? (uint32_t)(((const char *)item - (const char *)t->items) / t->size) : AS__NO_ID;
}

/* Products: category, supplier, list price and description buckets, before anything else is seen, so a
 * product's position in b->prod is its row in b->desc. */
static as_status load_products(build_run *b, as_error *err) {
    sqlite3_stmt *st;
    as_status rc = as__db_prepare(b->db, "SELECT product_id, category, supplier, list_price, description FROM products "
                                         "ORDER BY product_id", &st, err);
    if (rc) return rc;
    uint16_t words[256];
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        if (!id) continue;
        prod_state *ps = entity(&b->prod, id, strlen(id));
        if (!ps) { rc = AS_ERR_NOMEM; break; }
        uint32_t pos = pos_of(&b->prod, ps);
        const char *cat = (const char *)sqlite3_column_text(st, 1);
        if (cat) {
            cat_state *ks = entity(&b->cat, cat, strlen(cat));
            if (!ks) { rc = AS_ERR_NOMEM; break; }
            ps = (prod_state *)b->prod.items + pos;
            ps->cat1 = pos_of(&b->cat, ks) + 1;
        }
        const char *sup = (const char *)sqlite3_column_text(st, 2);
        ps->supplier1 = sup ? name_to_id(&b->sellers, sup) + 1 : 0;
        ps->list_price = sqlite3_column_double(st, 3);
        if (b->buckets) {
            if (pos >= b->n_desc) {
                size_t cap = b->n_desc * (size_t)b->buckets;
                if (!grow_zero((void **)&b->desc, &cap, ((size_t)pos + 1) * (size_t)b->buckets, 1)) { rc = AS_ERR_NOMEM; break; }
                b->n_desc = cap / (size_t)b->buckets;
            }
            const char *d = (const char *)sqlite3_column_text(st, 4);
            int nw = d ? as__text_buckets(d, (size_t)sqlite3_column_bytes(st, 4), b->buckets, words, 256) : 0;
            for (int w = 0; w < nw; w++) b->desc[(size_t)pos * (size_t)b->buckets + words[w]] = 1;
        }
    }
    if (!rc && s != SQLITE_DONE) rc = as__err(err, AS_ERR_DB, "%s: %s", b->db->path, sqlite3_errmsg(b->db->sql));
    sqlite3_finalize(st);
    if (rc == AS_ERR_NOMEM) return as__err(err, rc, "out of memory reading products");
    return rc;
}

static as_status load_cases(build_run *b, as_error *err) {
    sqlite3_stmt *st;
    as_status rc = as__db_prepare(b->db,
        "SELECT coalesce(c.customer_id, o.customer_id), c.order_id, c.product_id, c.opened_at, c.kind, c.reason_class, "
        "c.reason, o.country, coalesce((SELECT ol.seller_id FROM order_lines ol WHERE ol.order_id = c.order_id AND "
        "ol.product_id = c.product_id AND ol.seller_id IS NOT NULL LIMIT 1), p.supplier) "
        "FROM cases c LEFT JOIN orders o ON o.order_id = c.order_id LEFT JOIN products p ON p.product_id = c.product_id "
        "ORDER BY c.opened_at, c.case_id", &st, err);
    if (rc) return rc;
    char key[1024];
    size_t cap = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        char *cu = dup_col(&b->arena, st, 0), *ord = dup_col(&b->arena, st, 1), *pr = dup_col(&b->arena, st, 2);
        char *reason = b->buckets ? dup_col(&b->arena, st, 6) : NULL;
        char *country = dup_col(&b->arena, st, 7), *seller = dup_col(&b->arena, st, 8);
        int64_t at = sqlite3_column_int64(st, 3);
        if ((sqlite3_column_type(st, 0) != SQLITE_NULL && !cu) || (sqlite3_column_type(st, 1) != SQLITE_NULL && !ord) ||
            (sqlite3_column_type(st, 2) != SQLITE_NULL && !pr) || (sqlite3_column_type(st, 7) != SQLITE_NULL && !country) ||
            (sqlite3_column_type(st, 8) != SQLITE_NULL && !seller)) { rc = AS_ERR_NOMEM; break; }
        const char *kind = (const char *)sqlite3_column_text(st, 4);
        const char *cls = (const char *)sqlite3_column_text(st, 5);
        const char *text = (const char *)sqlite3_column_text(st, 6);
        size_t text_n = (size_t)sqlite3_column_bytes(st, 6);
        size_t blank = 0;
        while (text && blank < text_n && (text[blank] == ' ' || text[blank] == '\t')) blank++;
        /* The reason class ingest stored; a reason text without one is classified here; no text: "unknown". */
        if (!cls || !*cls)
            cls = text && blank < text_n ? as__reason_class_name(as__reason_classify(text, text_n, NULL)) : "unknown";
        if (ord) rc = label_add(&b->labels, key, make_key(key, sizeof key, 'o', ord, pr), at, (int64_t)b->n_cases);
        if (rc) break;
        if (b->n_cases == cap) {
            cap = cap ? cap * 2 : 4096;
            case_hist *p = as__reallocarray(b->cases, cap, sizeof *p);
            if (!p) { rc = AS_ERR_NOMEM; break; }
            b->cases = p;
        }
        b->cases[b->n_cases++] = (case_hist){cu, pr, seller, country, reason, at, ord != NULL,
                                             name_id(&b->kinds, kind ? kind : "other"), name_id(&b->reasons, cls)};
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
 * belong to. The first such case (by time) gives the purchase's kind and reason. */
static as_status attribute_customer_cases(build_run *b, as_error *err) {
    /* Only the purchases of a customer × product pair some such case names are indexed: indexing every
     * purchase held about 90 bytes a line (4.4 GB of a 50 M-line build's 7.8 GB peak) for a handful of cases. */
    char key[1024];
    as_strmap wanted;
    as__strmap_init(&wanted);
    for (size_t i = 0; i < b->n_cases; i++) {
        const case_hist *c = &b->cases[i];
        if (c->has_order || !c->cust || !c->prod) continue;
        if (!as__strmap_upsert(&wanted, key, make_key(key, sizeof key, 'c', c->cust, c->prod), 0, NULL)) {
            as__strmap_free(&wanted);
            return as__err(err, AS_ERR_NOMEM, "out of memory attributing cases");
        }
    }
    if (!wanted.count) {
        as__strmap_free(&wanted);
        return AS_OK;
    }
    label_index purchases;
    memset(&purchases, 0, sizeof purchases);
    as__strmap_init(&purchases.groups);
    sqlite3_stmt *st;
    as_status rc = as__db_prepare(b->db,
        "SELECT o.customer_id, ol.product_id, o.ordered_at FROM order_lines ol JOIN orders o "
        "ON o.order_id = ol.order_id WHERE ol.quantity > 0 AND o.customer_id IS NOT NULL", &st, err);
    int s = SQLITE_DONE;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cu = (const char *)sqlite3_column_text(st, 0), *pr = (const char *)sqlite3_column_text(st, 1);
        if (!cu || !pr) continue;
        size_t n = make_key(key, sizeof key, 'c', cu, pr);
        if (!as__strmap_get(&wanted, key, n)) continue;
        if (label_add(&purchases, key, n, sqlite3_column_int64(st, 2), 0))
            rc = as__err(err, AS_ERR_NOMEM, "out of memory attributing cases");
    }
    as__strmap_free(&wanted);
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
        if (!as__strmap_upsert(&b->returned, key, returned_key(key, sizeof key, c->cust, c->prod, t), (int64_t)i, NULL))
            rc = as__err(err, AS_ERR_NOMEM, "out of memory attributing cases");
    }
    label_free(&purchases);
    return rc;
}

/* Folds every case opened before t into the histories. */
static as_status apply_cases_before(build_run *b, int64_t t) {
    uint16_t words[256];
    for (; b->case_pos < b->n_cases && b->cases[b->case_pos].at < t; b->case_pos++) {
        const case_hist *c = &b->cases[b->case_pos];
        as__win_event e = {.at = c->at, .is_case = 1};
        for (int k = 0; k < AS__N_ENT; k++) e.id[k] = AS__NO_ID;
        b->shop_returns++;
        if (c->cust) {
            cust_state *cs = entity(&b->cust, c->cust, strlen(c->cust));
            if (!cs) return AS_ERR_NOMEM;
            cs->returns++;
            cs->last_return_t = c->at;
            if (cs->lines && cs->country >= 0) ((cat_state *)b->country.items)[cs->country].returns++;
            decayed_add(&cs->recent_returns, c->at, 1);
            e.id[AS__ENT_CUST] = pos_of(&b->cust, cs);
            if (cs->lines && cs->country >= 0) e.id[AS__ENT_COUNTRY] = (uint32_t)cs->country;
        }
        if (c->prod) {
            prod_state *ps = entity(&b->prod, c->prod, strlen(c->prod));
            if (!ps) return AS_ERR_NOMEM;
            ps->returns++;
            decayed_add(&ps->recent_returns, c->at, 1);
            e.id[AS__ENT_PROD] = pos_of(&b->prod, ps);
            if (ps->cat1) {
                e.id[AS__ENT_CAT] = ps->cat1 - 1;
                /* The main set's cat_return_logit: until issue 4 no case reached it, so it held the shop's prior. */
                ((cat_state *)b->cat.items)[ps->cat1 - 1].returns++;
            }
            if (b->buckets && c->reason) {
                if (!ps->reason_slot1) {
                    if (!grow_zero((void **)&b->reason_pool, &b->cap_slots, (b->n_slots + 1) * (size_t)b->buckets,
                                   sizeof *b->reason_pool)) return AS_ERR_NOMEM;
                    ps->reason_slot1 = (uint32_t)++b->n_slots;
                }
                float *pool = b->reason_pool + (size_t)(ps->reason_slot1 - 1) * (size_t)b->buckets;
                int nw = as__text_buckets(c->reason, strlen(c->reason), b->buckets, words, 256);
                for (int w = 0; w < nw; w++) pool[words[w]] += 1;
            }
        }
        if (c->country) {           /* the order the case names says where it was shipped */
            cat_state *ys = entity(&b->country, c->country, strlen(c->country));
            if (!ys) return AS_ERR_NOMEM;
            e.id[AS__ENT_COUNTRY] = pos_of(&b->country, ys);
        }
        if (c->seller) e.id[AS__ENT_SELLER] = name_to_id(&b->sellers, c->seller);
        if (c->cust && c->prod) {
            uint8_t *v = as__u64map_upsert(&b->cust_prod, pair_key(e.id[AS__ENT_CUST], e.id[AS__ENT_PROD]));
            if (!v) return AS_ERR_NOMEM;
            *v |= 2;
        }
        if (e.id[AS__ENT_SELLER] == AS__NO_ID - 1 || (!main_only(b) && as__win_add(&b->win, &e))) return AS_ERR_NOMEM;
    }
    return AS_OK;
}

/* ---- deliveries: a min-heap on delivered_at ---- */
static as_status heap_push(build_run *b, delivery_ev e) {
    if (b->n_heap == b->cap_heap) {
        size_t cap = b->cap_heap ? b->cap_heap * 2 : 1024;
        delivery_ev *p = as__reallocarray(b->heap, cap, sizeof *p);
        if (!p) return AS_ERR_NOMEM;
        b->heap = p;
        b->cap_heap = cap;
    }
    size_t i = b->n_heap++;
    while (i && b->heap[(i - 1) / 2].at > e.at) { b->heap[i] = b->heap[(i - 1) / 2]; i = (i - 1) / 2; }
    b->heap[i] = e;
    return AS_OK;
}

static delivery_ev heap_pop(build_run *b) {
    delivery_ev top = b->heap[0], last = b->heap[--b->n_heap];
    size_t i = 0, n = b->n_heap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && b->heap[c + 1].at < b->heap[c].at) c++;
        if (b->heap[c].at >= last.at) break;
        b->heap[i] = b->heap[c];
        i = c;
    }
    if (n) b->heap[i] = last;
    return top;
}

/* Folds every delivery made before t (of an order placed before t) into the delivery histories. */
static as_status apply_deliveries_before(build_run *b, int64_t t) {
    while (b->n_heap && b->heap[0].at < t) {
        delivery_ev e = heap_pop(b);
        if (e.order_first) {
            if (e.carrier != AS__NO_ID) {
                if (!grow_zero((void **)&b->carrier_late, &b->cap_carrier_late, e.carrier, sizeof *b->carrier_late))
                    return AS_ERR_NOMEM;
                b->carrier_late[e.carrier].late_sum += e.days_late;
                b->carrier_late[e.carrier].n++;
            }
            if (!grow_zero((void **)&b->cust_del, &b->cap_cust_del, e.cust, sizeof *b->cust_del)) return AS_ERR_NOMEM;
            b->cust_del[e.cust].delivered++;
            b->cust_del[e.cust].late += e.days_late > 0;
        }
        if (e.seller != AS__NO_ID) {
            if (!grow_zero((void **)&b->seller_late, &b->cap_seller_late, e.seller, sizeof *b->seller_late))
                return AS_ERR_NOMEM;
            b->seller_late[e.seller].late_sum += e.days_late;
            b->seller_late[e.seller].n++;
        }
    }
    return AS_OK;
}
/* ---- the column library (docs/features.md) after the main set ---- */
static const char *const k_price_basket[] = {
    "ln_price_vs_category", "ln_price_vs_list",
    "basket_same_product_lines", "basket_same_category_lines", "basket_value_share", "ln_order_distinct_categories",
    "carrier_mean_days_late", "ln_carrier_deliveries", "carrier_unknown",
    "seller_mean_days_late", "ln_seller_deliveries", "seller_delivery_unknown",
    "ln_cust_deliveries", "ln_cust_late_deliveries",
    "freight_share", "freight_unknown",
};
enum { N_PRICE_BASKET = sizeof k_price_basket / sizeof *k_price_basket };
/* Only at moment "delivery": the order's own delivery. */
static const char *const k_delivery[] = {"days_to_delivery", "days_late", "delivery_unknown", "promise_unknown"};
enum { N_DELIVERY = sizeof k_delivery / sizeof *k_delivery };

static as_status make_names(build_run *b) {
    int cap = NF + AS__N_ENT * AS__N_WIN * 4 + N_PRICE_BASKET + N_DELIVERY + 2 * b->buckets;
    b->names = as__calloc((size_t)cap, sizeof *b->names);
    if (!b->names) return AS_ERR_NOMEM;
    int k = 0;
    char tmp[64];
#define NAME(...) do { snprintf(tmp, sizeof tmp, __VA_ARGS__); \
        if (!(b->names[k++] = as__arena_strndup(&b->names_arena, tmp, strlen(tmp)))) return AS_ERR_NOMEM; } while (0)
    for (int j = 0; j < NF; j++) b->names[k++] = as__feature_numeric[j];
    if (main_only(b)) {
        b->n_num = k;
        return AS_OK;
    }
    for (int e = 0; e < AS__N_ENT; e++) {
        for (int w = 0; w < AS__N_WIN; w++) NAME("%s_lines_%s", as__ent_prefix[e], as__win_suffix[w]);
        if (e == AS__ENT_CUST || e == AS__ENT_PROD)
            for (int w = 0; w < AS__N_WIN; w++) NAME("%s_amount_%s", as__ent_prefix[e], as__win_suffix[w]);
        for (int w = 0; w < AS__N_WIN; w++) NAME("%s_returns_%s", as__ent_prefix[e], as__win_suffix[w]);
        for (int w = 0; w < AS__N_WIN; w++) NAME("%s_return_logit_%s", as__ent_prefix[e], as__win_suffix[w]);
    }
    for (int j = 0; j < N_PRICE_BASKET; j++) b->names[k++] = k_price_basket[j];
    if (b->p->moment == AS_MOMENT_DELIVERY) for (int j = 0; j < N_DELIVERY; j++) b->names[k++] = k_delivery[j];
    for (int j = 0; j < b->buckets; j++) NAME("desc_hash_%02d", j);
    for (int j = 0; j < b->buckets; j++) NAME("reason_hash_%02d", j);
#undef NAME
    b->n_num = k;
    return AS_OK;
}

/* The library's columns of line i of an order (lines[0..n)), after the main set; returns how many it wrote. */
static int library_features(build_run *b, const purchase *lines, size_t n, size_t i, double order_value,
                            size_t distinct_cat, double shop_rate, double *out) {
    const purchase *l = &lines[i];
    double m = b->p->prior_strength;
    int k = 0;
    for (int e = 0; e < AS__N_ENT; e++) {
        const as__win_sums *s = as__win_get(&b->win, e, l->id[e]);
        for (int w = 0; w < AS__N_WIN; w++) out[k++] = log1p((double)s[w].lines);
        if (e == AS__ENT_CUST || e == AS__ENT_PROD)
            for (int w = 0; w < AS__N_WIN; w++) out[k++] = log1p(s[w].amount > 0 ? s[w].amount : 0);
        for (int w = 0; w < AS__N_WIN; w++) out[k++] = log1p((double)s[w].cases);
        for (int w = 0; w < AS__N_WIN; w++) out[k++] = logit(smoothed(s[w].cases, s[w].lines, shop_rate, m));
    }
    const prod_state *ps = (const prod_state *)b->prod.items + l->id[AS__ENT_PROD];
    const cat_state *ks = l->id[AS__ENT_CAT] != AS__NO_ID ? (const cat_state *)b->cat.items + l->id[AS__ENT_CAT] : NULL;
    double cat_mean = ks && ks->price_n ? ks->price_sum / (double)ks->price_n : 0;
    out[k++] = cat_mean > 0 && l->price > 0 ? log(l->price / cat_mean) : 0.0;
    out[k++] = ps->list_price > 0 && l->price > 0 ? log(l->price / ps->list_price) : 0.0;
    size_t same_prod = 0, same_cat = 0;
    for (size_t j = 0; j < n; j++) {
        if (j == i) continue;
        same_prod += lines[j].id[AS__ENT_PROD] == l->id[AS__ENT_PROD];
        same_cat += l->id[AS__ENT_CAT] != AS__NO_ID && lines[j].id[AS__ENT_CAT] == l->id[AS__ENT_CAT];
    }
    double value = l->qty * l->price;
    out[k++] = log1p((double)same_prod);
    out[k++] = log1p((double)same_cat);
    out[k++] = order_value > 0 && value > 0 ? value / order_value : 0.0;
    out[k++] = log1p((double)distinct_cat);
    const late_state *cl = l->carrier_id < b->cap_carrier_late ? &b->carrier_late[l->carrier_id] : NULL;
    const late_state *sl = l->id[AS__ENT_SELLER] < b->cap_seller_late ? &b->seller_late[l->id[AS__ENT_SELLER]] : NULL;
    const cust_delivery *cd = l->id[AS__ENT_CUST] < b->cap_cust_del ? &b->cust_del[l->id[AS__ENT_CUST]] : NULL;
    int carrier_known = cl && cl->n > 0, seller_known = sl && sl->n > 0;
    out[k++] = carrier_known ? cl->late_sum / (double)cl->n : 0.0;
    out[k++] = carrier_known ? log1p((double)cl->n) : 0.0;
    out[k++] = !carrier_known;
    out[k++] = seller_known ? sl->late_sum / (double)sl->n : 0.0;
    out[k++] = seller_known ? log1p((double)sl->n) : 0.0;
    out[k++] = !seller_known;
    out[k++] = cd ? log1p((double)cd->delivered) : 0.0;
    out[k++] = cd ? log1p((double)cd->late) : 0.0;
    int freight_known = !isnan(l->freight) && value > 0;
    out[k++] = freight_known ? l->freight / value : 0.0;
    out[k++] = !freight_known;
    if (b->p->moment == AS_MOMENT_DELIVERY) {
        out[k++] = l->has_delivered ? (double)(l->delivered - l->at) / AS_DAY : 0.0;
        out[k++] = l->has_delivered && l->has_promised ? (double)(l->delivered - l->promised) / AS_DAY : 0.0;
        out[k++] = !l->has_delivered;
        out[k++] = !l->has_promised;
    }
    if (b->buckets) {
        uint32_t pos = l->id[AS__ENT_PROD];
        const uint8_t *d = pos < b->n_desc ? b->desc + (size_t)pos * (size_t)b->buckets : NULL;
        for (int j = 0; j < b->buckets; j++) out[k++] = d ? d[j] : 0;
        const float *r = ps->reason_slot1 ? b->reason_pool + (size_t)(ps->reason_slot1 - 1) * (size_t)b->buckets : NULL;
        for (int j = 0; j < b->buckets; j++) out[k++] = r && ps->returns ? r[j] / (double)ps->returns : 0.0;
    }
    return k;
}

/* The earlier of two matching cases (indexes into b->cases; −1 = none). */
static int64_t earlier_case(const build_run *b, int64_t x, int64_t y) {
    if (x < 0) return y;
    if (y < 0) return x;
    const case_hist *a = &b->cases[x], *c = &b->cases[y];
    return a->at < c->at || (a->at == c->at && x < y) ? x : y;
}

static as_status order_buffers(build_run *b, size_t n) {
    if (n <= b->cap_order) return AS_OK;
    size_t cap = b->cap_order ? b->cap_order : 16;
    while (cap < n) cap *= 2;
    double *f = as__reallocarray(b->order_f, cap * (size_t)b->n_num, sizeof *f);
    if (f) b->order_f = f;
    double *q = as__reallocarray(b->order_qty, cap, sizeof *q);
    if (q) b->order_qty = q;
    double *v = as__reallocarray(b->order_value, cap, sizeof *v);
    if (v) b->order_value = v;
    double *fr = as__reallocarray(b->order_freight, cap, sizeof *fr);
    if (fr) b->order_freight = fr;
    uint32_t *pr = as__reallocarray(b->order_prod, cap, sizeof *pr);
    if (pr) b->order_prod = pr;
    uint32_t *ca = as__reallocarray(b->order_cat, cap, sizeof *ca);
    if (ca) b->order_cat = ca;
    if (!f || !q || !v || !fr || !pr || !ca) return AS_ERR_NOMEM;
    b->cap_order = cap;
    return AS_OK;
}

/* Writes the feature rows of one order (all its lines share the instant t), reading histories only, then its
 * order row. */
static as_status featurize_order(build_run *b, purchase *lines, size_t n, int64_t label_until, as_error *err) {
    char key[1024];
    double order_value = 0;
    size_t distinct = 0, distinct_cat = 0;
    if (order_buffers(b, n)) return as__err(err, AS_ERR_NOMEM, "out of memory building features");
    /* Entity ids first: the library's basket columns compare lines by id. */
    for (size_t i = 0; i < n; i++) {
        purchase *l = &lines[i];
        cust_state *cs = entity(&b->cust, l->customer, strlen(l->customer));
        if (!cs) return as__err(err, AS_ERR_NOMEM, "out of memory building features");
        l->id[AS__ENT_CUST] = pos_of(&b->cust, cs);
        prod_state *ps = entity(&b->prod, l->product, strlen(l->product));
        if (!ps) return as__err(err, AS_ERR_NOMEM, "out of memory building features");
        l->id[AS__ENT_PROD] = pos_of(&b->prod, ps);
        l->id[AS__ENT_CAT] = ps->cat1 ? ps->cat1 - 1 : AS__NO_ID;
        if (l->category && !ps->cat1) {     /* a product missing from the products table */
            cat_state *ks = entity(&b->cat, l->category, strlen(l->category));
            if (!ks) return as__err(err, AS_ERR_NOMEM, "out of memory building features");
            l->id[AS__ENT_CAT] = pos_of(&b->cat, ks);
        }
        ps = (prod_state *)b->prod.items + l->id[AS__ENT_PROD];
        l->id[AS__ENT_SELLER] = l->seller ? name_to_id(&b->sellers, l->seller) : ps->supplier1 ? ps->supplier1 - 1 : AS__NO_ID;
        cat_state *ys = l->country ? entity(&b->country, l->country, strlen(l->country)) : NULL;
        if (l->country && !ys) return as__err(err, AS_ERR_NOMEM, "out of memory building features");
        l->id[AS__ENT_COUNTRY] = pos_of(&b->country, ys);
        l->carrier_id = l->carrier ? name_to_id(&b->carriers, l->carrier) : AS__NO_ID;
        if (l->id[AS__ENT_SELLER] == AS__NO_ID - 1 || l->carrier_id == AS__NO_ID - 1)
            return as__err(err, AS_ERR_NOMEM, "out of memory building features");
    }
    for (size_t i = 0; i < n; i++) {
        order_value += lines[i].qty * lines[i].price;
        int seen = 0, seen_cat = 0;
        for (size_t j = 0; j < i; j++) {
            seen |= strcmp(lines[i].product, lines[j].product) == 0;
            seen_cat |= lines[i].id[AS__ENT_CAT] == lines[j].id[AS__ENT_CAT];
        }
        distinct += !seen;
        distinct_cat += !seen_cat;
    }
    double shop_rate = b->shop_lines ? (double)b->shop_returns / (double)b->shop_lines : 0.0;
    double m = b->p->prior_strength;
    int64_t horizon = (int64_t)b->p->horizon_days * AS_DAY;
    int labelled = lines[0].at <= label_until;
    int64_t order_case = -1;
    int order_positive = 0, mo = 1;
    size_t main_line = 0;
    for (size_t i = 0; i < n; i++) {
        const purchase *l = &lines[i];
        int repeat = 0;
        for (size_t j = 0; j < n; j++) repeat |= j != i && strcmp(l->product, lines[j].product) == 0;
        cust_state *cs = (cust_state *)b->cust.items + l->id[AS__ENT_CUST];
        prod_state *ps = (prod_state *)b->prod.items + l->id[AS__ENT_PROD];
        cat_state *ks = l->category ? entity(&b->cat, l->category, strlen(l->category)) : NULL;
        cat_state *ys = l->country ? (cat_state *)b->country.items + l->id[AS__ENT_COUNTRY] : NULL;
        if (l->category && !ks) return as__err(err, AS_ERR_NOMEM, "out of memory building features");
        const int64_t cp = as__u64map_get(&b->cust_prod, pair_key(l->id[AS__ENT_CUST], l->id[AS__ENT_PROD]));
        int64_t days = l->at >= 0 ? l->at / AS_DAY : (l->at - AS_DAY + 1) / AS_DAY;
        int y, d;
        as__civil_from_days(days, &y, &mo, &d);
        double prod_rate = smoothed(ps->returns, ps->sales, shop_rate, m);
        double rs = decayed_at(&ps->recent_sales, l->at), rr = decayed_at(&ps->recent_returns, l->at);
        double mean_price = ps->price_n ? ps->price_sum / (double)ps->price_n : 0;
        double mean_qty = cs->lines ? cs->qty_sum / (double)cs->lines : 0;
        double *f = b->order_f + i * (size_t)b->n_num;
        double main[NF] = {
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
            (cp & 1) != 0, (cp & 2) != 0,
            ps->sales == 0, log1p((double)ps->sales), log1p((double)ps->returns), logit(prod_rate),
            logit((rr + m * prod_rate) / (rs + m)), log1p(rs),
            ps->sales ? log1p((double)(l->at - ps->first_t) / AS_DAY) : 0.0,
            logit(ks ? smoothed(ks->returns, ks->sales, shop_rate, m) : shop_rate),
            logit(ys ? smoothed(ys->returns, ys->sales, shop_rate, m) : shop_rate),
        };
        memcpy(f, main, sizeof main);
        int nf = NF + (main_only(b) ? 0 : library_features(b, lines, n, i, order_value, distinct_cat, shop_rate, f + NF));
        if (nf != b->n_num) return as__err(err, AS_ERR_STATE, "internal error: %d feature values for %d columns", nf, b->n_num);
        /* Label: the first matching case within the horizon; unknown when the horizon passes the end of the data. */
        int64_t first = -1;
        if (labelled) {
            int64_t hi = l->at + horizon;
            first = label_first(&b->labels, key, make_key(key, sizeof key, 'o', l->order, l->product), l->at, hi);
            first = earlier_case(b, first, label_first(&b->labels, key, make_key(key, sizeof key, 'o', l->order, NULL), l->at, hi));
            int64_t *r = as__strmap_get(&b->returned, key, returned_key(key, sizeof key, l->customer, l->product, l->at));
            if (r) first = earlier_case(b, first, *r);
        }
        int positive = first >= 0;
        const char *kind = !labelled ? NULL : positive ? b->kinds.name[b->cases[first].kind] : "none";
        const char *reason = !labelled ? NULL : positive ? b->reasons.name[b->cases[first].reason_class] : "none";
        as_rowq *q = b->rq;
        as__rowq_begin(q, 0);
        as_status ts = as__rowq_text(q, l->order);
        as__rowq_int(q, l->line_no);
        if (!ts) ts = as__rowq_text(q, l->customer);
        if (!ts) ts = as__rowq_text(q, l->product);
        as__rowq_int(q, l->at);
        if (labelled) {
            as__rowq_int(q, positive);
            if (!ts) ts = as__rowq_text(q, kind);
            if (!ts) ts = as__rowq_text(q, reason);
        } else {
            as__rowq_null(q); as__rowq_null(q); as__rowq_null(q);
        }
        if (!ts) ts = as__rowq_text(q, l->country ? l->country : "(unknown)");
        if (!ts) ts = as__rowq_text(q, l->category ? l->category : "(none)");
        for (int k = 0; k < b->n_num; k++) as__rowq_double(q, f[k]);
        as__rowq_int(q, mo);
        if (ts) return as__err(err, ts, "out of memory building features");
        if ((ts = as__rowq_end(q, err))) return ts;
        b->stats->purchase_lines++;
        b->stats->labelled += labelled;
        b->stats->positives += positive;
        if (labelled) {
            b->line_kind[positive ? b->cases[first].kind : 0]++;
            b->line_reason[positive ? b->cases[first].reason_class : 0]++;
        }
        order_case = earlier_case(b, order_case, first);
        order_positive |= positive;
        b->order_qty[i] = l->qty;
        b->order_value[i] = l->qty * l->price;
        b->order_freight[i] = l->freight;
        b->order_prod[i] = l->id[AS__ENT_PROD];
        b->order_cat[i] = l->id[AS__ENT_CAT];
        if (b->order_value[i] > b->order_value[main_line]) main_line = i;
    }
    as__order_row r = {
        .order_id = lines[0].order, .customer_id = lines[0].customer, .country = lines[0].country,
        .main_category = lines[main_line].category, .at = lines[0].at, .labelled = labelled,
        .positive = order_positive, .n_lines = n, .f = b->order_f, .qty = b->order_qty, .value = b->order_value,
        .freight = b->order_freight, .prod = b->order_prod, .cat = b->order_cat, .month = mo,
        .kind = !labelled ? NULL : order_positive ? b->kinds.name[b->cases[order_case].kind] : "none",
        .reason = !labelled ? NULL : order_positive ? b->reasons.name[b->cases[order_case].reason_class] : "none",
    };
    as_status st = b->orders ? as__order_writer_put(b->orders, &r, b->rq, 1, err) : AS_OK;
    if (st) return st;
    b->stats->orders++;
    b->stats->orders_labelled += labelled;
    b->stats->order_positives += labelled && order_positive;
    if (labelled) {
        b->order_kind[order_positive ? b->cases[order_case].kind : 0]++;
        b->order_reason[order_positive ? b->cases[order_case].reason_class : 0]++;
    }
    return AS_OK;
}

/* Folds one order's lines into the histories (after every line of its instant has been written). */
static as_status fold_order(build_run *b, const purchase *lines, size_t n) {
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
        uint8_t *v = as__u64map_upsert(&b->cust_prod, pair_key(l->id[AS__ENT_CUST], l->id[AS__ENT_PROD]));
        if (!v) return AS_ERR_NOMEM;
        *v |= 1;
        b->shop_lines++;
        /* the library: windows, the category's prices, the delivery to come */
        if (l->id[AS__ENT_CAT] != AS__NO_ID) {
            cat_state *kp = (cat_state *)b->cat.items + l->id[AS__ENT_CAT];
            kp->price_sum += l->price;
            kp->price_n++;
        }
        as__win_event e = {.at = l->at, .amount = (float)(l->qty * l->price), .is_case = 0};
        memcpy(e.id, l->id, sizeof e.id);
        if (!main_only(b) && as__win_add(&b->win, &e)) return AS_ERR_NOMEM;
        if (l->has_delivered && l->has_promised) {
            delivery_ev d = {l->delivered, (float)((double)(l->delivered - l->promised) / AS_DAY), l->carrier_id,
                             l->id[AS__ENT_SELLER], l->id[AS__ENT_CUST], i == 0};
            if (heap_push(b, d)) return AS_ERR_NOMEM;
        }
    }
    return AS_OK;
}

static as_status create_table(build_run *b, as_error *err) {
    as_buf sql;
    as__buf_init(&sql, 0);
    as__buf_printf(&sql, "DROP TABLE IF EXISTS features; CREATE TABLE features(order_id TEXT NOT NULL, "
                         "line_no INTEGER NOT NULL, customer_id TEXT, product_id TEXT, ordered_at INTEGER NOT NULL, "
                         "label INTEGER, label_kind TEXT, label_reason TEXT, country TEXT, category TEXT");
    for (int k = 0; k < b->n_num; k++) as__buf_printf(&sql, ", %s REAL", b->names[k]);
    for (int k = 0; k < as__n_feature_extra; k++) as__buf_printf(&sql, ", %s INTEGER", as__feature_extra[k]);
    /* No key index: rows are written in (ordered_at, order_id, line_no) order, so rowid order is time order
     * and readers scan it without sorting. (order_id, line_no) is unique by construction. */
    as_status st = as__buf_printf(&sql, ");");
    if (!st) st = as__buf_cstr(&sql);
    if (!st) st = as__db_exec(b->db, sql.data, err);
    else st = as__err(err, AS_ERR_NOMEM, "out of memory");
    as__buf_free(&sql);
    return st;
}

static as_status prepare_insert(build_run *b, as_error *err) {
    as_buf sql;
    as__buf_init(&sql, 0);
    as__buf_printf(&sql, "INSERT INTO features VALUES(?,?,?,?,?,?,?,?,?,?");
    for (int k = 0; k < b->n_num + as__n_feature_extra; k++) as__buf_printf(&sql, ",?");
    as_status st = as__buf_printf(&sql, ")");
    if (!st) st = as__buf_cstr(&sql);
    if (!st) st = as__db_prepare(b->db, sql.data, &b->ins, err);
    else st = as__err(err, AS_ERR_NOMEM, "out of memory");
    as__buf_free(&sql);
    return st;
}
/* The text fields of a purchase row as read: offsets into the row buffer (NO_TEXT = NULL). */
enum { IN_ORDER, IN_PRODUCT, IN_CUSTOMER, IN_COUNTRY, IN_CATEGORY, IN_CARRIER, IN_SELLER, IN_TEXT };
#define NO_TEXT ((size_t)-1)

static size_t read_text(sqlite3_stmt *st, int col, as_buf *buf, as_status *rc) {
    const unsigned char *t = sqlite3_column_text(st, col);
    if (!t) return NO_TEXT;
    size_t at = buf->len;
    if (!*rc) *rc = as__buf_append(buf, t, (size_t)sqlite3_column_bytes(st, col) + 1);
    return at;
}

/* Reads the current row of the purchase query: numbers into *p, text into buf (cleared first). */
static as_status read_purchase(sqlite3_stmt *st, purchase *p, as_buf *buf, size_t off[IN_TEXT]) {
    as_status rc = AS_OK;
    as__buf_clear(buf);
    memset(p, 0, sizeof *p);
    off[IN_ORDER] = read_text(st, 0, buf, &rc);
    p->line_no = sqlite3_column_int64(st, 1);
    off[IN_PRODUCT] = read_text(st, 2, buf, &rc);
    p->qty = sqlite3_column_double(st, 3);
    p->price = sqlite3_column_double(st, 4);
    p->discount = sqlite3_column_double(st, 5);
    off[IN_CUSTOMER] = read_text(st, 6, buf, &rc);
    p->at = sqlite3_column_int64(st, 7);
    off[IN_COUNTRY] = read_text(st, 8, buf, &rc);
    off[IN_CATEGORY] = read_text(st, 9, buf, &rc);
    p->has_promised = sqlite3_column_type(st, 10) != SQLITE_NULL;
    p->promised = sqlite3_column_int64(st, 10);
    p->has_delivered = sqlite3_column_type(st, 11) != SQLITE_NULL;
    p->delivered = sqlite3_column_int64(st, 11);
    off[IN_CARRIER] = read_text(st, 12, buf, &rc);
    off[IN_SELLER] = read_text(st, 13, buf, &rc);
    p->freight = sqlite3_column_type(st, 14) != SQLITE_NULL ? sqlite3_column_double(st, 14) : NAN;
    /* the key columns are never NULL in the query (NOT NULL or joined on) */
    if (!rc && (off[IN_ORDER] == NO_TEXT || off[IN_PRODUCT] == NO_TEXT || off[IN_CUSTOMER] == NO_TEXT)) rc = AS_ERR_NOMEM;
    return rc;
}

static char *take_text(as_arena *a, const as_buf *buf, size_t off) {
    if (off == NO_TEXT) return NULL;
    const char *s = buf->data + off;
    return as__arena_strndup(a, s, strlen(s));
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
    /* Lines without a customer, and (in the same scan) the purchase lines the pass below reads: its progress total. */
    int64_t n_lines = 0;
    if ((rc = as__db_prepare(b->db, "SELECT count(*) - count(o.customer_id), count(o.customer_id) FROM order_lines ol "
                                    "JOIN orders o ON o.order_id = ol.order_id WHERE ol.quantity > 0", &st, err))) return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        b->stats->lines_without_customer = sqlite3_column_int64(st, 0);
        n_lines = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    int64_t label_until = b->stats->data_end - (int64_t)b->p->horizon_days * AS_DAY;
    b->stats->label_until = label_until;

    if ((rc = prepare_insert(b, err))) return rc;
    sqlite3_stmt *ins[2] = {b->ins, b->orders ? as__order_writer_stmt(b->orders) : NULL};
    int line_cols = 11 + b->n_num, order_cols = b->orders ? as__order_writer_columns(b->orders) : 0;
    if ((rc = as__rowq_new(b->db, ins, b->orders ? 2 : 1, line_cols > order_cols ? line_cols : order_cols, &b->rq,
                           err)))
        return rc;
    if ((rc = as__db_prepare(b->db,
            "SELECT ol.order_id, ol.line_no, ol.product_id, ol.quantity, coalesce(ol.unit_price, 0), "
            "coalesce(ol.discount, 0), o.customer_id, o.ordered_at, o.country, p.category, o.promised_at, "
            "o.delivered_at, o.carrier, ol.seller_id, ol.freight "
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
    /* The next row is read (under the connection's lock: the writer thread shares it) into `in`, its text into
     * inbuf; it joins the order being collected once the order before it has been featurized. */
    purchase in;
    as_buf inbuf;
    as__buf_init(&inbuf, 0);
    size_t off[IN_TEXT] = {NO_TEXT, NO_TEXT, NO_TEXT, NO_TEXT, NO_TEXT, NO_TEXT, NO_TEXT};
    if (b->p->progress) b->p->progress(b->p->progress_user, "build", 0, (double)n_lines);
    for (;;) {
        as__rowq_lock(b->rq);
        s = sqlite3_step(st);
        int have = s == SQLITE_ROW;
        if (have && (rc = read_purchase(st, &in, &inbuf, off)) != AS_OK) {
            as__rowq_unlock(b->rq);
            as__err(err, rc, "out of memory");
            break;
        }
        if (!have && s != SQLITE_DONE) {
            rc = as__err(err, AS_ERR_DB, "%s: %s", b->db->path, sqlite3_errmsg(b->db->sql));
            as__rowq_unlock(b->rq);
            break;
        }
        as__rowq_unlock(b->rq);
        const char *oid = have ? inbuf.data + off[IN_ORDER] : NULL;
        int64_t at = have ? in.at : INT64_MAX;
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
                q.order = q.carrier = q.seller = NULL;   /* they die with the order's arena; folding uses ids */
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
            if (!rc && have) rc = apply_deliveries_before(b, at);
            if (!rc && have && !main_only(b)) as__win_advance(&b->win, at);
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
        *l = in;
        l->order = take_text(&order_arena, &inbuf, off[IN_ORDER]);
        l->product = take_text(&order_arena, &inbuf, off[IN_PRODUCT]);
        l->customer = take_text(&order_arena, &inbuf, off[IN_CUSTOMER]);
        l->country = take_text(&order_arena, &inbuf, off[IN_COUNTRY]);
        l->category = take_text(&order_arena, &inbuf, off[IN_CATEGORY]);
        l->carrier = take_text(&order_arena, &inbuf, off[IN_CARRIER]);
        l->seller = take_text(&order_arena, &inbuf, off[IN_SELLER]);
        if (!l->order || !l->product || !l->customer || (off[IN_COUNTRY] != NO_TEXT && !l->country) ||
            (off[IN_CATEGORY] != NO_TEXT && !l->category) || (off[IN_CARRIER] != NO_TEXT && !l->carrier) ||
            (off[IN_SELLER] != NO_TEXT && !l->seller)) { rc = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
        if (b->p->progress && (++done & 0xfff) == 0)
            b->p->progress(b->p->progress_user, "build", (double)done, (double)(done <= n_lines ? n_lines : 0));
    }
    /* the rows still queued are written before the statements go */
    as_status fs = as__rowq_finish(b->rq, rc ? NULL : err);
    if (!rc) rc = fs;
    as__rowq_free(b->rq);
    b->rq = NULL;
    as__buf_free(&inbuf);
    sqlite3_finalize(st);
    as__free(lines);
    as__free(pending);
    as__free(pending_order_start);
    as__arena_free(&order_arena);
    as__arena_free(&pending_arena);
    return rc;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Class balance of a target: "none" first, then the classes by count (ties by name), labelled rows only. */
static void fill_balance(as_class_balance *out, const name_list *names, const int64_t *count) {
    memset(out, 0, sizeof *out);
    int order[AS_MAX_TARGET_CLASSES], n = 0;
    for (int i = 1; i < names->n; i++) if (count[i] > 0) order[n++] = i;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            int x = order[j - 1], y = order[j];
            if (count[y] > count[x] || (count[y] == count[x] && strcmp(names->name[y], names->name[x]) < 0)) {
                order[j - 1] = y; order[j] = x;
            } else break;
        }
    snprintf(out->name[0], sizeof out->name[0], "none");
    out->count[0] = count[0];
    out->n = 1;
    for (int i = 0; i < n && out->n < AS_MAX_TARGET_CLASSES; i++) {
        snprintf(out->name[out->n], sizeof out->name[0], "%s", names->name[order[i]]);
        out->count[out->n++] = count[order[i]];
    }
}

static as_status write_meta(build_run *b, as_error *err) {
    as_buf v;
    as__buf_init(&v, 0);
    as_status st = AS_OK;
    for (int k = 0; k < b->n_num; k++) st |= as__buf_printf(&v, "%s%s", k ? "," : "", b->names[k]);
    st |= as__buf_cstr(&v);
    if (st) { as__buf_free(&v); return as__err(err, AS_ERR_NOMEM, "out of memory"); }
    st = as__db_meta_set(b->db, "feature_numeric", v.data, err);
    as__buf_clear(&v);
    for (int k = 0; k < as__n_feature_categorical && !st; k++)
        st = as__buf_printf(&v, "%s%s", k ? "," : "", as__feature_categorical[k]);
    if (!st) st = as__buf_cstr(&v);
    if (!st) st = as__db_meta_set(b->db, "feature_categorical", v.data, err);
    as__buf_free(&v);
    if (b->orders) {
        if (!st) st = as__db_meta_set(b->db, "order_feature_numeric", as__order_numeric_names(b->orders), err);
        if (!st) st = as__db_meta_set(b->db, "order_feature_categorical", as__order_categorical_names(b->orders), err);
    } else if (!st) {
        st = as__db_exec(b->db, "DELETE FROM meta WHERE key IN ('order_feature_numeric', 'order_feature_categorical')",
                         err);
    }
    if (!st) st = as__db_meta_set(b->db, "build_feature_set", main_only(b) ? "main" : "all", err);
    if (!st) st = as__db_meta_set(b->db, "build_moment", b->p->moment == AS_MOMENT_DELIVERY ? "delivery" : "order", err);
    char n[64];
    snprintf(n, sizeof n, "%d", b->buckets);
    if (!st) st = as__db_meta_set(b->db, "build_hash_buckets", n, err);
    /* the labelled rows of each table: what training reads (its progress total) */
    snprintf(n, sizeof n, "%lld", (long long)b->stats->labelled);
    if (!st) st = as__db_meta_set(b->db, "build_labelled_lines", n, err);
    snprintf(n, sizeof n, "%lld", (long long)b->stats->orders_labelled);
    if (!st) st = as__db_meta_set(b->db, "build_labelled_orders", n, err);
    return st;
}

as_status as_build(as_db *db, const as_build_params *params, as_build_stats *stats, as_error *err) {
    as_build_params defaults = as_build_params_default();
    if (!params) params = &defaults;
    memset(stats, 0, sizeof *stats);
    if (params->horizon_days < 1 || params->horizon_days > 3650)
        return as__err(err, AS_ERR_INVALID, "horizon %d days is out of range; use 1 to 3650", params->horizon_days);
    if (!(params->prior_strength >= 0))
        return as__err(err, AS_ERR_INVALID, "prior strength must be ≥ 0");
    if (params->moment != AS_MOMENT_ORDER && params->moment != AS_MOMENT_DELIVERY)
        return as__err(err, AS_ERR_INVALID, "moment %d is unknown; use order (%d) or delivery (%d)", params->moment,
                       AS_MOMENT_ORDER, AS_MOMENT_DELIVERY);
    if (params->feature_set != AS_FEATURES_ALL && params->feature_set != AS_FEATURES_MAIN)
        return as__err(err, AS_ERR_INVALID, "feature set %d is unknown; use all (%d) or main (%d)", params->feature_set,
                       AS_FEATURES_ALL, AS_FEATURES_MAIN);
    if (params->hash_buckets < 0 || params->hash_buckets > AS__MAX_HASH_BUCKETS)
        return as__err(err, AS_ERR_INVALID, "%d hash buckets is out of range; use 0 (no hashed words) to %d",
                       params->hash_buckets, AS__MAX_HASH_BUCKETS);
    double t0 = now_seconds();
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
    as__u64map_init(&b.cust_prod);
    as__strmap_init(&b.labels.groups);
    as__strmap_init(&b.returned);
    as__arena_init(&b.arena, 1 << 16);
    as__arena_init(&b.names_arena, 1 << 12);
    as__strmap_init(&b.sellers);
    as__strmap_init(&b.carriers);
    as__win_init(&b.win);
    b.buckets = params->feature_set == AS_FEATURES_MAIN ? 0 : params->hash_buckets;   /* words are library columns */
    snprintf(b.kinds.name[0], sizeof b.kinds.name[0], "none");
    b.kinds.n = 1;
    static const char *const kinds[] = {"return", "exchange", "repair", "refund", "complaint", "cancel"};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) name_id(&b.kinds, kinds[k]);
    snprintf(b.reasons.name[0], sizeof b.reasons.name[0], "none");
    b.reasons.n = 1;

    as_status rc = as__db_bulk_begin(db, err);
    if (!rc && make_names(&b)) rc = as__err(err, AS_ERR_NOMEM, "out of memory");
    if (!rc) rc = create_table(&b, err);
    if (!rc && params->feature_set == AS_FEATURES_MAIN)
        rc = as__db_exec(db, "DROP TABLE IF EXISTS order_features;", err);   /* none is written: no stale one stays */
    else if (!rc)
        rc = as__order_writer_new(db, b.names, b.n_num, params->moment, &b.orders, err);
    if (!rc) rc = load_products(&b, err);
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
        if (!rc) rc = write_meta(&b, err);
    }
    if (!rc) rc = as__db_bulk_end(db, 1, err);
    else as__db_bulk_end(db, 0, NULL);
    entity_free(&b.cust);
    entity_free(&b.prod);
    entity_free(&b.cat);
    entity_free(&b.country);
    as__u64map_free(&b.cust_prod);
    label_free(&b.labels);
    as__strmap_free(&b.returned);
    as__free(b.cases);
    as__arena_free(&b.arena);
    as__order_writer_free(b.orders);
    as__win_free(&b.win);
    as__strmap_free(&b.sellers);
    as__strmap_free(&b.carriers);
    as__free(b.carrier_late);
    as__free(b.seller_late);
    as__free(b.cust_del);
    as__free(b.heap);
    as__free(b.desc);
    as__free(b.reason_pool);
    as__free(b.names);
    as__arena_free(&b.names_arena);
    as__free(b.order_f); as__free(b.order_qty); as__free(b.order_value); as__free(b.order_freight);
    as__free(b.order_prod); as__free(b.order_cat);
    if (!rc) {
        stats->n_features = b.n_num + as__n_feature_categorical;
        fill_balance(&stats->line_kind, &b.kinds, b.line_kind);
        fill_balance(&stats->line_reason, &b.reasons, b.line_reason);
        fill_balance(&stats->order_kind, &b.kinds, b.order_kind);
        fill_balance(&stats->order_reason, &b.reasons, b.order_reason);
        stats->seconds = now_seconds() - t0;
    }
    if (!rc && params->progress) params->progress(params->progress_user, "build", 1, 1);
    return rc;
}
