/*
 * quality — the alerts engine: which products, suppliers, sellers and categories have a real quality problem,
 * since when, and why (docs/quality.md).
 *
 * 1. Evidence. Every case that names a product is classed by its reason text (lexicon, then the optional trained
 *    model for texts the lexicon misses). Cases about the delivery, the customer's change of mind or a wrong item
 *    picked are not evidence against the product and are left out; product reasons (size/fit, defective, not as
 *    described), unrecognised texts and cases without any text count. A purchase line carries a bit per signal:
 *    any evidence, and each product class on its own (a defect problem hides inside an apparel category's many
 *    size returns; on its own signal it stands out). A case names an order and a product; one that names only a
 *    customer and a product (a credit note) belongs to that customer's latest purchase of it within 90 days.
 * 2. Counts. One pass over the purchase lines (sold up to as_of) counts sales and signal lines per unit in the two
 *    windows: recent (detection) and long (stability).
 * 3. Figures per unit × window × signal: the baseline (category rate for products — shop-wide in small categories;
 *    the rate its mix of categories predicts for suppliers and sellers; the shop's for categories), an empirical-
 *    Bayes prior fitted on the unit's peers (beta-binomial maximum likelihood), the shrunk rate with its credible
 *    interval, the raw rate's interval, and exact-binomial funnel limits widened by the peers' over-dispersion on
 *    the logit scale (stats.h: as__dispersion_logit, as__funnel_limit_logit).
 * 4. A unit is flagged for a window and signal when it has at least min_sales sales and min_cases signal lines, its
 *    credible interval lies above the baseline and its raw rate above the upper funnel limit, taken at the funnel
 *    coverage divided among the signals × windows tested (Bonferroni). An alert is a unit
 *    flagged anywhere; it reports the flagged window and signal with the largest excess.
 * 5. Each alert's onset comes from a Bernoulli CUSUM per flagged signal over all its sales in time order (the signal
 *    whose CUSUM rises highest dates it); its reasons from the cases
 *    of its lines in the alert's window. Alerts are ranked by expected excess returns.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/strmap.h"
#include "quality/quality_internal.h"
#include "quality/reason_model.h"
#include "quality/stats.h"

const char *const as__q_kind_name[Q_KINDS] = {"product", "supplier", "seller", "category"};
const char *const as__q_window_name[Q_WINDOWS] = {"recent", "long"};
const char *const as__q_signal_name[Q_SIGNALS] = {"product_related", "defective", "size_fit", "not_as_described"};

const char *as__q_reason_name(int reason) {
    return reason == Q_REASON_UNKNOWN ? "unknown" : as__reason_class_name((as_reason_class)reason);
}

as_quality_params as_quality_params_default(void) {
    as_quality_params p;
    memset(&p, 0, sizeof p);
    p.min_sales = 20;
    p.min_cases = 3;
    p.recent_days = 90;
    p.long_days = 365;
    p.credible = 0.95;
    p.funnel = 0.998;
    p.interval = AS_INTERVAL_WILSON;
    p.min_category_products = 20;
    return p;
}

/* ---------------------------------------------------------------------------------------------------------
 * Evidence: cases by (order, product)
 * ------------------------------------------------------------------------------------------------------- */

/* Signal bits of one reason class. */
static unsigned signal_bits(int reason) {
    switch (reason) {
    case AS_REASON_SIZE: return 1u << Q_SIG_PRODUCT | 1u << Q_SIG_SIZE;
    case AS_REASON_DEFECT: return 1u << Q_SIG_PRODUCT | 1u << Q_SIG_DEFECT;
    case AS_REASON_NOT_DESCRIBED: return 1u << Q_SIG_PRODUCT | 1u << Q_SIG_DESCRIBED;
    case AS_REASON_OTHER: case Q_REASON_UNKNOWN: return 1u << Q_SIG_PRODUCT;   /* cause unknown: may be the product */
    default: return 0;                                                          /* delivery, changed mind, wrong item */
    }
}

/* The sale a case belongs to, found when the purchase lines are read. */
typedef struct q_key {
    unsigned char mask;          /* signal bits of all its cases */
    unsigned char matched;       /* a purchase line was found */
    int32_t product, seller;
    int64_t t;                   /* order time of the line */
} q_key;

typedef struct q_case {
    int32_t key;                 /* index into keys; -1 while (or when) a customer case has no purchase found */
    int32_t group;               /* a case naming customer and product but no order: its group in cust_map, else -1 */
    unsigned char reason;        /* 0 … Q_REASONS-1 */
    int64_t at;                  /* opened */
    const char *text;            /* reason text (arena), NULL when none */
} q_case;

/* The purchases of one customer and product that cases without an order may belong to. */
typedef struct q_purchases {
    int64_t *t;
    int32_t *line;               /* index into lines (load order) */
    size_t n, cap;
} q_purchases;

/* How long after a purchase a case that names no order can still be that purchase's (the build step's default
 * label horizon, so alerts and labels attribute such cases alike). */
#define Q_ATTRIBUTION_DAYS 90

typedef struct q_line {
    int64_t t;
    int32_t product, seller;
    unsigned char mask;
} q_line;

typedef struct q_state {
    as_db *db;
    const as_quality_params *p;
    as_arena arena;
    as_strmap key_map;           /* "order\x1fproduct" → key index */
    as_strmap cust_map;          /* "customer\x1fproduct" of cases without an order → index into groups */
    q_purchases *groups;
    size_t n_groups, cap_groups;
    q_key *keys;
    size_t n_keys, cap_keys;
    q_case *cases;
    size_t n_cases, cap_cases;
    q_line *lines;
    size_t n_lines, cap_lines;
    as_strmap map[Q_KINDS];      /* unit id → index */
    q_unit *unit[Q_KINDS];
    size_t n_unit[Q_KINDS], cap_unit[Q_KINDS];
    as_quality_stats *stats;
    int signals_tested;                    /* signals with any case in the shop (≥ 1) */
    unsigned signals_seen;                 /* … as a bit set (product_related always) */
    double *prod_tau[Q_WINDOWS];           /* τ²_l of the product-related signal per product group (-1: none) */
    double unit_tau[Q_KINDS][Q_WINDOWS];   /* … of suppliers, sellers and categories */
} q_state;

static as_status nomem(as_error *err) { return as__err(err, AS_ERR_NOMEM, "out of memory computing quality alerts"); }

/* Grows an array of `size`-byte elements to hold one more. */
static int grow(void **arr, size_t *cap, size_t n, size_t size) {
    if (n < *cap) return 1;
    size_t ncap = *cap ? *cap * 2 : 1024;
    void *p = as__reallocarray(*arr, ncap, size);
    if (!p) return 0;
    *arr = p;
    *cap = ncap;
    return 1;
}

/* Index of the unit named id (n bytes), created when new; -1 on out of memory. */
static int unit_of(q_state *s, int kind, const char *id, size_t n) {
    int inserted = 0;
    int64_t *v = as__strmap_upsert(&s->map[kind], id, n, (int64_t)s->n_unit[kind], &inserted);
    if (!v) return -1;
    if (!inserted) return (int)*v;
    if (!grow((void **)&s->unit[kind], &s->cap_unit[kind], s->n_unit[kind], sizeof(q_unit))) return -1;
    q_unit *u = &s->unit[kind][s->n_unit[kind]];
    memset(u, 0, sizeof *u);
    u->id = as__arena_strndup(&s->arena, id, n);
    u->category = u->supplier = -1;
    u->alert = -1;
    if (!u->id) return -1;
    return (int)s->n_unit[kind]++;
}

static const char *col_text(sqlite3_stmt *st, int i, size_t *n) {
    const unsigned char *t = sqlite3_column_text(st, i);
    *n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    return (const char *)t;
}

static as_status load_products(q_state *s, as_error *err) {
    sqlite3_stmt *st = NULL;
    as_status rc = as__db_prepare(s->db, "SELECT product_id, description, category, supplier FROM products", &st, err);
    if (rc) return rc;
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        size_t n[4];
        const char *t[4];
        for (int i = 0; i < 4; i++) t[i] = col_text(st, i, &n[i]);
        if (!t[0]) continue;
        int p = unit_of(s, Q_PRODUCT, t[0], n[0]);
        if (p < 0) { rc = nomem(err); break; }
        q_unit *u = &s->unit[Q_PRODUCT][p];
        if (t[1] && n[1]) u->name = as__arena_strndup(&s->arena, t[1], n[1]);
        if (t[2] && n[2]) {
            int c = unit_of(s, Q_CATEGORY, t[2], n[2]);
            if (c < 0) { rc = nomem(err); break; }
            s->unit[Q_PRODUCT][p].category = c;
        }
        if (t[3] && n[3]) {
            int c = unit_of(s, Q_SUPPLIER, t[3], n[3]);
            if (c < 0) { rc = nomem(err); break; }
            s->unit[Q_PRODUCT][p].supplier = c;
        }
    }
    if (!rc && step != SQLITE_DONE) rc = as__err(err, AS_ERR_DB, "%s: reading products: %s", s->db->path,
                                                 sqlite3_errmsg(s->db->sql));
    sqlite3_finalize(st);
    return rc;
}

/* Key "order\x1fproduct" into buf (NUL-free lengths); returns its length or 0 when it does not fit. */
static size_t make_key(char *buf, size_t size, const char *order, size_t no, const char *product, size_t np) {
    if (no + np + 1 > size) return 0;
    memcpy(buf, order, no);
    buf[no] = '\x1f';
    memcpy(buf + no + 1, product, np);
    return no + np + 1;
}

/* Cases naming a product: by order and product when they name an order; else (a cancellation or credit note that
 * names only customer and product, as in Online Retail) attributed later to that customer's latest purchase of the
 * product at or before the case, within Q_ATTRIBUTION_DAYS — the rule the build step labels by. A case that names
 * an order but no product (an Olist review complaint) is about that order's product when the order holds one
 * product only; with several products it cannot be pinned on any of them and is left out (the build step, which
 * labels purchases rather than judging products, marks every line of such an order). */
static as_status load_cases(q_state *s, const as_reason_model *model, as_error *err) {
    sqlite3_stmt *st = NULL;
    as_status rc = as__db_prepare(s->db,
        "SELECT order_id, product, reason, opened_at, customer_id FROM (SELECT c.order_id, c.reason, c.opened_at,"
        " c.customer_id, COALESCE(c.product_id, (SELECT CASE WHEN COUNT(DISTINCT l.product_id) = 1"
        " THEN MIN(l.product_id) END FROM order_lines l WHERE l.order_id = c.order_id AND l.quantity > 0)) AS product"
        " FROM cases c WHERE c.opened_at <= ? AND (c.order_id IS NOT NULL OR c.customer_id IS NOT NULL))"
        " WHERE product IS NOT NULL", &st, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, s->stats->as_of);
    char key[1024];
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        size_t no, np, nr, nc;
        const char *order = col_text(st, 0, &no), *product = col_text(st, 1, &np), *reason = col_text(st, 2, &nr);
        const char *customer = col_text(st, 4, &nc);
        int32_t group = -1;
        if (!order) {
            size_t cn = make_key(key, sizeof key, customer, nc, product, np);
            if (!cn) continue;
            int inserted = 0;
            int64_t *g = as__strmap_upsert(&s->cust_map, key, cn, (int64_t)s->n_groups, &inserted);
            if (!g) { rc = nomem(err); break; }
            if (inserted) {
                if (!grow((void **)&s->groups, &s->cap_groups, s->n_groups, sizeof *s->groups)) {
                    rc = nomem(err);
                    break;
                }
                memset(&s->groups[s->n_groups++], 0, sizeof *s->groups);
            }
            group = (int32_t)*g;
        }
        size_t kn = order ? make_key(key, sizeof key, order, no, product, np) : 1;
        if (!kn) continue;   /* ids over 1 kB: no purchase line can match them either */
        int how = 0;
        int cls = (int)as__reason_class_of(model, 0.5, reason ? reason : "", reason ? nr : 0, &how);
        if (how == 0) cls = Q_REASON_UNKNOWN;
        if (how == 2) s->stats->model_classified++;
        unsigned bits = signal_bits(cls);
        int32_t key_index = -1;
        if (order) {
            int inserted = 0;
            int64_t *v = as__strmap_upsert(&s->key_map, key, kn, (int64_t)s->n_keys, &inserted);
            if (!v) { rc = nomem(err); break; }
            if (inserted) {
                if (!grow((void **)&s->keys, &s->cap_keys, s->n_keys, sizeof *s->keys)) { rc = nomem(err); break; }
                memset(&s->keys[s->n_keys], 0, sizeof *s->keys);
                s->n_keys++;
            }
            s->keys[*v].mask |= (unsigned char)bits;
            key_index = (int32_t)*v;
        }
        if (!grow((void **)&s->cases, &s->cap_cases, s->n_cases, sizeof *s->cases)) { rc = nomem(err); break; }
        q_case *c = &s->cases[s->n_cases++];
        c->key = key_index;
        c->group = group;
        c->reason = (unsigned char)cls;
        c->at = sqlite3_column_int64(st, 3);
        c->text = how ? as__arena_strndup(&s->arena, reason, nr) : NULL;
        if (how && !c->text) { rc = nomem(err); break; }
    }
    if (!rc && step != SQLITE_DONE) rc = as__err(err, AS_ERR_DB, "%s: reading cases: %s", s->db->path,
                                                 sqlite3_errmsg(s->db->sql));
    sqlite3_finalize(st);
    return rc;
}

/* Sales up to as_of, each with the signal bits of its cases. A sale is one product in one order, however many
 * lines or units it takes: a case names an order and a product, not a line, so an order of five units on five lines
 * (Olist writes one line per unit) with one return is one sale that came back, not five. Lines arrive in order_id
 * order (the scan of order_lines' primary key; the ORDER BY costs no sort), so repeats of a product are found within
 * the current order. */
static as_status load_lines(q_state *s, as_error *err) {
    sqlite3_stmt *st = NULL;
    as_status rc = as__db_prepare(s->db,
        "SELECT o.ordered_at, l.order_id, l.product_id, l.seller_id, o.customer_id FROM order_lines l"
        " JOIN orders o ON o.order_id = l.order_id WHERE l.quantity > 0 AND o.ordered_at <= ? ORDER BY l.order_id",
        &st, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, s->stats->as_of);
    char key[1024], current[1024] = "";
    size_t current_n = 0, order_first = 0;   /* the current order's id and its first sale in lines */
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        size_t no, np, ns;
        const char *order = col_text(st, 1, &no), *product = col_text(st, 2, &np), *seller = col_text(st, 3, &ns);
        int p = unit_of(s, Q_PRODUCT, product, np);
        if (p < 0) { rc = nomem(err); break; }
        if (no != current_n || no >= sizeof current || memcmp(order, current, no) != 0) {
            current_n = no < sizeof current ? no : 0;
            memcpy(current, order, current_n);
            order_first = s->n_lines;
        } else {
            int seen = 0;
            for (size_t j = order_first; j < s->n_lines && !seen; j++) seen = s->lines[j].product == p;
            if (seen) continue;   /* another line of a product already counted in this order */
        }
        if (!grow((void **)&s->lines, &s->cap_lines, s->n_lines, sizeof *s->lines)) { rc = nomem(err); break; }
        q_line *l = &s->lines[s->n_lines];
        l->t = sqlite3_column_int64(st, 0);
        int sl = seller && ns ? unit_of(s, Q_SELLER, seller, ns) : -2;
        if (sl == -1) { rc = nomem(err); break; }
        l->product = p;
        l->seller = sl < 0 ? -1 : sl;
        l->mask = 0;
        size_t kn = make_key(key, sizeof key, order, no, product, np);
        int64_t *v = kn ? as__strmap_get(&s->key_map, key, kn) : NULL;
        if (v) {
            q_key *k = &s->keys[*v];
            l->mask = k->mask;
            if (!k->matched) {
                k->matched = 1;
                k->product = p;
                k->seller = l->seller;
                k->t = l->t;
            }
        }
        if (s->n_groups) {
            size_t nc;
            const char *customer = col_text(st, 4, &nc);
            size_t cn = customer ? make_key(key, sizeof key, customer, nc, product, np) : 0;
            int64_t *g = cn ? as__strmap_get(&s->cust_map, key, cn) : NULL;
            if (g) {
                q_purchases *pu = &s->groups[*g];
                if (pu->n == pu->cap) {
                    size_t ncap = pu->cap ? pu->cap * 2 : 4;
                    int64_t *t = as__reallocarray(pu->t, ncap, sizeof *t);
                    if (t) pu->t = t;
                    int32_t *li = as__reallocarray(pu->line, ncap, sizeof *li);
                    if (li) pu->line = li;
                    if (!t || !li) { rc = nomem(err); break; }
                    pu->cap = ncap;
                }
                pu->t[pu->n] = l->t;
                pu->line[pu->n++] = (int32_t)s->n_lines;
            }
        }
        s->n_lines++;
    }
    if (!rc && step != SQLITE_DONE) rc = as__err(err, AS_ERR_DB, "%s: reading purchase lines: %s", s->db->path,
                                                 sqlite3_errmsg(s->db->sql));
    sqlite3_finalize(st);
    return rc;
}

/* Cases without an order: each goes to its customer's latest purchase of the product at or before it, within
 * Q_ATTRIBUTION_DAYS; that purchase line gets the case's signal bits. A case with no such purchase stays unmatched
 * (counted as evidence, but on no line). */
static as_status attribute_customer_cases(q_state *s, as_error *err) {
    for (size_t g = 0; g < s->n_groups; g++) {   /* purchases in time order (insertion sort: groups are small) */
        q_purchases *pu = &s->groups[g];
        for (size_t i = 1; i < pu->n; i++)
            for (size_t j = i; j > 0 && pu->t[j - 1] > pu->t[j]; j--) {
                int64_t t = pu->t[j];
                pu->t[j] = pu->t[j - 1];
                pu->t[j - 1] = t;
                int32_t li = pu->line[j];
                pu->line[j] = pu->line[j - 1];
                pu->line[j - 1] = li;
            }
    }
    for (size_t i = 0; i < s->n_cases; i++) {
        q_case *c = &s->cases[i];
        if (c->group < 0) continue;
        const q_purchases *pu = &s->groups[c->group];
        size_t a = 0, z = pu->n;
        while (a < z) {                    /* first purchase after the case */
            size_t m = a + (z - a) / 2;
            if (pu->t[m] <= c->at) a = m + 1;
            else z = m;
        }
        if (a == 0 || c->at - pu->t[a - 1] > Q_ATTRIBUTION_DAYS * AS_DAY) continue;
        q_line *l = &s->lines[pu->line[a - 1]];
        if (!grow((void **)&s->keys, &s->cap_keys, s->n_keys, sizeof *s->keys)) return nomem(err);
        q_key *k = &s->keys[s->n_keys];
        k->mask = (unsigned char)signal_bits(c->reason);
        k->matched = 1;
        k->product = l->product;
        k->seller = l->seller;
        k->t = l->t;
        l->mask |= k->mask;
        c->key = (int32_t)s->n_keys++;
    }
    return AS_OK;
}

/* Cases up to as_of: on a sale and evidence, on a sale and left out, or on no sale (the summary says so rather than
 * lose them). */
static as_status count_unattributed(q_state *s, as_error *err) {
    sqlite3_stmt *st = NULL;
    as_status rc = as__db_prepare(s->db, "SELECT COUNT(*) FROM cases WHERE opened_at <= ?", &st, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, s->stats->as_of);
    if (sqlite3_step(st) == SQLITE_ROW) s->stats->cases_total = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    for (size_t i = 0; i < s->n_cases; i++) {
        const q_case *c = &s->cases[i];
        if (c->key < 0 || !s->keys[c->key].matched) continue;
        if (signal_bits(c->reason)) s->stats->evidence_cases++;
        else s->stats->excluded_cases++;
    }
    s->stats->cases_unattributed = s->stats->cases_total - s->stats->evidence_cases - s->stats->excluded_cases;
    return AS_OK;
}

/* ---------------------------------------------------------------------------------------------------------
 * Counting and figures
 * ------------------------------------------------------------------------------------------------------- */

static int in_window(const q_state *s, int64_t t, int w) {
    int days = w == Q_RECENT ? s->p->recent_days : s->p->long_days;
    return t > s->stats->as_of - (int64_t)days * AS_DAY;
}

/* Unit of a line for each kind (-1: none). */
static int line_unit(const q_state *s, const q_line *l, int kind) {
    const q_unit *p = &s->unit[Q_PRODUCT][l->product];
    switch (kind) {
    case Q_PRODUCT: return l->product;
    case Q_SUPPLIER: return p->supplier;
    case Q_SELLER: return l->seller;
    default: return p->category;
    }
}

static void count_lines(q_state *s) {
    unsigned seen = 0;
    for (size_t i = 0; i < s->n_lines; i++) seen |= s->lines[i].mask;
    s->signals_seen = seen | 1u << Q_SIG_PRODUCT;
    s->signals_tested = 0;
    for (int g = 0; g < Q_SIGNALS; g++) s->signals_tested += (seen >> g) & 1;
    if (!s->signals_tested) s->signals_tested = 1;
    for (size_t i = 0; i < s->n_lines; i++) {
        const q_line *l = &s->lines[i];
        for (int w = 0; w < Q_WINDOWS; w++) {
            if (!in_window(s, l->t, w)) continue;
            for (int kind = 0; kind < Q_KINDS; kind++) {
                int u = line_unit(s, l, kind);
                if (u < 0) continue;
                q_figures *f = s->unit[kind][u].fig[w];
                for (int g = 0; g < Q_SIGNALS; g++) {
                    f[g].n++;
                    f[g].k += (l->mask >> g) & 1;
                }
            }
        }
    }
}

/* A peer group's pooled rate, prior and over-dispersion for one window and signal. */
typedef struct q_group {
    double rate, alpha, beta, tau2;
    int64_t n, k;
} q_group;

/* Figures of one unit given its baseline and prior. */
static void unit_figures(const q_state *s, q_figures *f, double baseline, double alpha, double beta, double tau2) {
    const as_quality_params *p = s->p;
    /* Bonferroni over the signals and windows tested: the funnel's coverage is the chance that a sound unit stays
     * inside on every signal in both windows, not on each one (eight tests at 99.8 % each would flag about one sound
     * unit in 125; the windows overlap, so this errs on the safe side). */
    double q_flag = 1.0 - (1.0 - p->funnel) / (2.0 * (double)(s->signals_tested * Q_WINDOWS));
    f->baseline = baseline;
    if (f->n <= 0) return;
    f->rate = (double)f->k / (double)f->n;
    f->shrunk = as__shrunk_rate(f->k, f->n, alpha, beta);
    as__credible_interval(f->k, f->n, alpha, beta, p->credible, &f->cred_lo, &f->cred_hi);
    as__rate_interval((as_interval_method)p->interval, f->k, f->n, 0.95, &f->ci_lo, &f->ci_hi);
    if (baseline > 0.0 && baseline < 1.0) {
        f->f95_lo = as__funnel_limit_logit(baseline, f->n, 0.025, tau2);
        f->f95_hi = as__funnel_limit_logit(baseline, f->n, 0.975, tau2);
        f->f998_lo = as__funnel_limit_logit(baseline, f->n, 0.001, tau2);
        f->f998_hi = as__funnel_limit_logit(baseline, f->n, 0.999, tau2);
        f->flag_lo = as__funnel_limit_logit(baseline, f->n, 1.0 - q_flag, tau2);
        f->flag_hi = as__funnel_limit_logit(baseline, f->n, q_flag, tau2);
    } else {
        f->f95_lo = f->f95_hi = f->f998_lo = f->f998_hi = f->flag_lo = f->flag_hi = baseline;
    }
    f->excess = (double)f->n * (f->shrunk - baseline);
    f->flagged = f->n >= p->min_sales && f->k >= p->min_cases && baseline < 1.0 && f->cred_lo > baseline &&
                 f->rate > f->flag_hi;
}

/* Products: peer group = category when it has at least min_category_products products with sales in the window,
 * else the shop. */
static as_status product_figures(q_state *s, int w, int g, as_error *err) {
    size_t np = s->n_unit[Q_PRODUCT], nc = s->n_unit[Q_CATEGORY];
    q_unit *prod = s->unit[Q_PRODUCT];
    /* Group of each product: its category index, or nc for the shop-wide group. */
    int *grp = as__malloc((np ? np : 1) * sizeof *grp);
    int64_t *members = as__calloc(nc + 1, sizeof *members);
    as_bb_count *cnt = as__malloc((np ? np : 1) * sizeof *cnt);
    double *p0 = as__malloc((np ? np : 1) * sizeof *p0);
    double *z = as__malloc(3 * (np ? np : 1) * sizeof *z);
    q_group *gr = as__calloc(nc + 1, sizeof *gr);
    as_status rc = AS_OK;
    if (!grp || !members || !cnt || !p0 || !z || !gr) { rc = nomem(err); goto out; }
    for (size_t i = 0; i < np; i++)
        if (prod[i].fig[w][g].n > 0 && prod[i].category >= 0) members[prod[i].category]++;
    for (size_t i = 0; i < np; i++) {
        int c = prod[i].category;
        grp[i] = c >= 0 && members[c] >= s->p->min_category_products ? c : (int)nc;
    }
    /* Pooled rates: the shop-wide group pools every product, so small categories are compared with the shop. */
    for (size_t i = 0; i < np; i++) {
        const q_figures *f = &prod[i].fig[w][g];
        gr[nc].n += f->n;
        gr[nc].k += f->k;
        if (grp[i] != (int)nc) { gr[grp[i]].n += f->n; gr[grp[i]].k += f->k; }
    }
    for (size_t c = 0; c <= nc; c++) {
        q_group *G = &gr[c];
        G->rate = G->n > 0 ? (double)G->k / (double)G->n : 0.0;
        if (c < nc && members[c] < s->p->min_category_products) continue;
        /* Prior and over-dispersion from the group's products (all products for the shop-wide group). */
        size_t m = 0;
        for (size_t i = 0; i < np; i++) {
            const q_figures *f = &prod[i].fig[w][g];
            if (f->n <= 0 || (c < nc && grp[i] != (int)c)) continue;
            cnt[m++] = (as_bb_count){f->n, f->k};
        }
        as_bb_fit fit;
        as__betabin_fit(cnt, m, &fit);
        G->alpha = fit.alpha;
        G->beta = fit.beta;
        for (size_t i = 0; i < m; i++) p0[i] = G->rate;
        G->tau2 = as__dispersion_logit(cnt, p0, m, s->p->min_sales, 10, z);
        /* Not estimable for a rare signal (-1): borrow τ²_l of the product-related signal of the same peers — a
         * product effect shifts the logit of every reason class alike. */
        if (g == Q_SIG_PRODUCT) s->prod_tau[w][c] = G->tau2;
        else if (G->tau2 < 0.0) G->tau2 = s->prod_tau[w][c];
        if (G->tau2 < 0.0) G->tau2 = 0.0;
        if (c == nc && w == Q_LONG && g == Q_SIG_PRODUCT) {
            s->stats->prior_alpha = fit.alpha;
            s->stats->prior_beta = fit.beta;
            s->stats->overall_rate = G->rate;
        }
    }
    for (size_t i = 0; i < np; i++) {
        const q_group *G = &gr[grp[i]];
        unit_figures(s, &prod[i].fig[w][g], G->rate, G->alpha, G->beta, G->tau2);
    }
out:
    as__free(grp);
    as__free(members);
    as__free(cnt);
    as__free(p0);
    as__free(z);
    as__free(gr);
    return rc;
}

/* Suppliers and sellers: the baseline is the rate their own mix of products' categories predicts (indirect
 * standardization), so a supplier of apparel is not flagged for selling apparel. One prior strength for all,
 * centred on each unit's baseline. */
static as_status mix_figures(q_state *s, int kind, int w, int g, as_error *err) {
    size_t nu = s->n_unit[kind];
    q_unit *u = s->unit[kind];
    as_bb_count *cnt = as__malloc((nu ? nu : 1) * sizeof *cnt);
    double *mu = as__malloc((nu ? nu : 1) * sizeof *mu);
    double *z = as__malloc(3 * (nu ? nu : 1) * sizeof *z);
    if (!cnt || !mu || !z) { as__free(cnt); as__free(mu); as__free(z); return nomem(err); }
    size_t m = 0;
    for (size_t i = 0; i < nu; i++) {
        q_figures *f = &u[i].fig[w][g];
        if (f->n <= 0) continue;
        f->baseline = u[i].expect[w][g] / (double)f->n;
        if (f->baseline <= 0.0 || f->baseline >= 1.0) continue;
        cnt[m] = (as_bb_count){f->n, f->k};
        mu[m++] = f->baseline;
    }
    double strength = as__betabin_fit_strength(cnt, mu, m);
    double tau2 = as__dispersion_logit(cnt, mu, m, s->p->min_sales, 10, z);
    if (g == Q_SIG_PRODUCT) s->unit_tau[kind][w] = tau2;
    else if (tau2 < 0.0) tau2 = s->unit_tau[kind][w];
    if (tau2 < 0.0) tau2 = 0.0;
    for (size_t i = 0; i < nu; i++) {
        q_figures *f = &u[i].fig[w][g];
        double b = f->baseline;
        double bb = b > 0.0 && b < 1.0 ? b : 0.5;   /* a prior needs a mean inside (0, 1) */
        unit_figures(s, f, b, strength * bb, strength * (1.0 - bb), tau2);
    }
    as__free(cnt);
    as__free(mu);
    as__free(z);
    return AS_OK;
}

/* Categories against the shop. */
static as_status category_figures(q_state *s, int w, int g, as_error *err) {
    size_t nc = s->n_unit[Q_CATEGORY];
    q_unit *c = s->unit[Q_CATEGORY];
    as_bb_count *cnt = as__malloc((nc ? nc : 1) * sizeof *cnt);
    double *p0 = as__malloc((nc ? nc : 1) * sizeof *p0);
    double *z = as__malloc(3 * (nc ? nc : 1) * sizeof *z);
    if (!cnt || !p0 || !z) { as__free(cnt); as__free(p0); as__free(z); return nomem(err); }
    int64_t N = 0, K = 0;
    for (size_t i = 0; i < s->n_unit[Q_PRODUCT]; i++) {
        N += s->unit[Q_PRODUCT][i].fig[w][g].n;
        K += s->unit[Q_PRODUCT][i].fig[w][g].k;
    }
    double rate = N > 0 ? (double)K / (double)N : 0.0;
    size_t m = 0;
    for (size_t i = 0; i < nc; i++)
        if (c[i].fig[w][g].n > 0) cnt[m++] = (as_bb_count){c[i].fig[w][g].n, c[i].fig[w][g].k};
    as_bb_fit fit;
    as__betabin_fit(cnt, m, &fit);
    for (size_t i = 0; i < m; i++) p0[i] = rate;
    /* A shop has few categories: three are enough to see that they differ by more than binomial noise. */
    double tau2 = as__dispersion_logit(cnt, p0, m, s->p->min_sales, 3, z);
    /* Unlike products, categories do not share one spread across reason classes: size returns exist in apparel and
     * shoes only, so a signal seen in fewer than three categories says nothing about how categories differ, and
     * borrowing the product-related spread would flag apparel for selling clothes. Such a signal is shown (with the
     * product-related spread) but never flagged. */
    int judged = tau2 >= 0.0;
    if (g == Q_SIG_PRODUCT) s->unit_tau[Q_CATEGORY][w] = tau2;
    else if (tau2 < 0.0) tau2 = s->unit_tau[Q_CATEGORY][w];
    if (tau2 < 0.0) tau2 = 0.0;
    for (size_t i = 0; i < nc; i++) {
        unit_figures(s, &c[i].fig[w][g], rate, fit.alpha, fit.beta, tau2);
        if (!judged) c[i].fig[w][g].flagged = 0;
    }
    as__free(cnt);
    as__free(p0);
    as__free(z);
    return AS_OK;
}

static as_status all_figures(q_state *s, as_error *err) {
    as_status rc = AS_OK;
    for (int w = 0; w < Q_WINDOWS; w++) {
        s->prod_tau[w] = as__calloc(s->n_unit[Q_CATEGORY] + 1, sizeof(double));
        if (!s->prod_tau[w]) return nomem(err);
    }
    for (int w = 0; w < Q_WINDOWS && !rc; w++)
        for (int g = 0; g < Q_SIGNALS && !rc; g++) rc = product_figures(s, w, g, err);
    if (rc) return rc;
    /* Expected signal lines of suppliers and sellers: each line adds its product's baseline. */
    for (size_t i = 0; i < s->n_lines; i++) {
        const q_line *l = &s->lines[i];
        const q_unit *p = &s->unit[Q_PRODUCT][l->product];
        for (int w = 0; w < Q_WINDOWS; w++) {
            if (!in_window(s, l->t, w)) continue;
            for (int g = 0; g < Q_SIGNALS; g++) {
                double b = p->fig[w][g].baseline;
                if (p->supplier >= 0) s->unit[Q_SUPPLIER][p->supplier].expect[w][g] += b;
                if (l->seller >= 0) s->unit[Q_SELLER][l->seller].expect[w][g] += b;
            }
        }
    }
    for (int w = 0; w < Q_WINDOWS && !rc; w++)
        for (int g = 0; g < Q_SIGNALS && !rc; g++) {
            rc = mix_figures(s, Q_SUPPLIER, w, g, err);
            if (!rc) rc = mix_figures(s, Q_SELLER, w, g, err);
            if (!rc) rc = category_figures(s, w, g, err);
        }
    return rc;
}

/* ---------------------------------------------------------------------------------------------------------
 * Alerts: selection, onset, reasons, ranking
 * ------------------------------------------------------------------------------------------------------- */

static int cmp_alerts(const void *a, const void *b) {
    const q_alert *x = a, *y = b;
    if (x->excess != y->excess) return x->excess > y->excess ? -1 : 1;
    if (x->kind != y->kind) return x->kind - y->kind;
    return strcmp(x->id, y->id);
}

static as_status select_alerts(q_state *s, q_alert **out, size_t *n_out, as_error *err) {
    q_alert *a = NULL;
    size_t n = 0, cap = 0;
    for (int kind = 0; kind < Q_KINDS; kind++)
        for (size_t i = 0; i < s->n_unit[kind]; i++) {
            q_unit *u = &s->unit[kind][i];
            unsigned mask = 0;
            for (int w = 0; w < Q_WINDOWS; w++)
                for (int g = 0; g < Q_SIGNALS; g++)
                    if (u->fig[w][g].flagged) mask |= 1u << (w * Q_SIGNALS + g);
            if (!mask) continue;
            /* The alert reports the flagged window and signal with the most excess returns: the size of the
             * problem decides the rank, whichever window shows it best. */
            int w = -1, best = -1;
            for (int ww = 0; ww < Q_WINDOWS; ww++)
                for (int g = 0; g < Q_SIGNALS; g++)
                    if (u->fig[ww][g].flagged && (best < 0 || u->fig[ww][g].excess > u->fig[w][best].excess)) {
                        w = ww;
                        best = g;
                    }
            if (!grow((void **)&a, &cap, n, sizeof *a)) { as__free(a); return nomem(err); }
            memset(&a[n], 0, sizeof *a);
            a[n].kind = kind;
            a[n].unit = (int)i;
            a[n].window = w;
            a[n].signal = best;
            a[n].flagged_mask = mask;
            a[n].excess = u->fig[w][best].excess;
            a[n].id = u->id;
            n++;
        }
    *out = a;
    *n_out = n;
    return AS_OK;
}

/* Onset of every alert: its lines in time order, a CUSUM per flagged signal from the long window's baseline to the
 * flagged window's shrunk rate. One pass over the lines gathers every alerted unit's lines (no pass per alert). */
static int cmp_line_time(const void *a, const void *b) {
    const q_line *x = a, *y = b;
    return (x->t > y->t) - (x->t < y->t);
}

typedef struct q_seq { unsigned char *x; int64_t *t; size_t n, cap; } q_seq;   /* x: signal bits */

static as_status date_onsets(q_state *s, q_alert *a, size_t n_alerts, as_error *err) {
    if (!n_alerts) return AS_OK;
    qsort(s->lines, s->n_lines, sizeof *s->lines, cmp_line_time);
    q_seq *seq = as__calloc(n_alerts, sizeof *seq);
    if (!seq) return nomem(err);
    as_status rc = AS_OK;
    for (size_t i = 0; i < s->n_lines && !rc; i++) {
        const q_line *l = &s->lines[i];
        for (int kind = 0; kind < Q_KINDS; kind++) {
            int u = line_unit(s, l, kind);
            if (u < 0 || s->unit[kind][u].alert < 0) continue;
            size_t j = (size_t)s->unit[kind][u].alert;
            q_seq *q = &seq[j];
            if (q->n == q->cap) {
                size_t ncap = q->cap ? q->cap * 2 : 256;
                unsigned char *x = as__reallocarray(q->x, ncap, 1);
                if (x) q->x = x;
                int64_t *t = as__reallocarray(q->t, ncap, sizeof *t);
                if (t) q->t = t;
                if (!x || !t) { rc = nomem(err); break; }
                q->cap = ncap;
            }
            q->x[q->n] = l->mask;
            q->t[q->n++] = l->t;
        }
    }
    /* Each flagged signal gets its own CUSUM; the onset is the one whose CUSUM rises highest (the strongest
     * evidence of a change: a defect shows most sharply in the defective class, not in all product reasons). */
    unsigned char *x = NULL;
    size_t cap_x = 0;
    const int n_weeks = as__q_weeks(s->p->long_days);
    const int64_t as_of = s->stats->as_of, week = 7 * 86400;
    for (size_t j = 0; j < n_alerts && !rc; j++) {
        const q_unit *u = &s->unit[a[j].kind][a[j].unit];
        a[j].week_sales = as__calloc((size_t)n_weeks, sizeof *a[j].week_sales);
        a[j].week_cases = as__calloc((size_t)n_weeks, sizeof *a[j].week_cases);
        if (!a[j].week_sales || !a[j].week_cases) { rc = nomem(err); break; }
        a[j].n_weeks = n_weeks;
        for (size_t i = 0; i < seq[j].n; i++) {
            /* weeks back from as-of: a sale at as-of itself is in the last week */
            int64_t back = seq[j].t[i] >= as_of ? 0 : (as_of - seq[j].t[i] - 1) / week;
            if (back >= n_weeks) continue;
            int w = n_weeks - 1 - (int)back;
            a[j].week_sales[w]++;
            a[j].week_cases[w] += (seq[j].x[i] >> a[j].signal) & 1;
        }
        if (!seq[j].n) continue;
        if (seq[j].n > cap_x) {
            unsigned char *nx = as__reallocarray(x, seq[j].n, 1);
            if (!nx) { rc = nomem(err); break; }
            x = nx;
            cap_x = seq[j].n;
        }
        double best_peak = 0.0;
        int64_t best_at = -1;
        int best_g = -1;
        for (int g = 0; g < Q_SIGNALS; g++) {
            int w = (a[j].flagged_mask >> g) & 1 ? Q_RECENT : (a[j].flagged_mask >> (Q_SIGNALS + g)) & 1 ? Q_LONG : -1;
            if (w < 0) continue;
            double p0 = u->fig[Q_LONG][g].baseline, p1 = u->fig[w][g].shrunk;
            if (!(p0 > 0.0 && p1 > p0 && p1 < 1.0)) continue;
            for (size_t i = 0; i < seq[j].n; i++) x[i] = (seq[j].x[i] >> g) & 1;
            double peak = 0.0;
            int64_t at = as__cusum_onset(x, seq[j].n, p0, p1, &peak);
            if (at >= 0 && peak > best_peak) { best_peak = peak; best_at = at; best_g = g; }
        }
        if (best_at < 0) continue;
        int64_t at = best_at, kb = 0, ka = 0;
        for (int64_t i = 0; i < (int64_t)seq[j].n; i++) {
            int hit = (seq[j].x[i] >> best_g) & 1;
            if (i < at) kb += hit;
            else ka += hit;
        }
        a[j].onset = seq[j].t[at];
        a[j].onset_signal = best_g;
        a[j].n_before = at;
        a[j].n_after = (int64_t)seq[j].n - at;
        a[j].rate_before = at > 0 ? (double)kb / (double)at : 0.0;
        a[j].rate_after = (double)ka / (double)a[j].n_after;
    }
    as__free(x);
    for (size_t j = 0; j < n_alerts; j++) {
        as__free(seq[j].x);
        as__free(seq[j].t);
    }
    as__free(seq);
    return rc;
}

/* Reasons of every alert: the cases of its lines sold in the alert's window, by class, with the two latest distinct
 * texts per class. */
static void tally_reasons(q_state *s, q_alert *a) {
    for (size_t i = 0; i < s->n_cases; i++) {
        const q_case *c = &s->cases[i];
        if (c->key < 0) continue;
        const q_key *k = &s->keys[c->key];
        if (!k->matched) continue;
        q_line l = {k->t, k->product, k->seller, k->mask};
        for (int kind = 0; kind < Q_KINDS; kind++) {
            int u = line_unit(s, &l, kind);
            if (u < 0 || s->unit[kind][u].alert < 0) continue;
            q_alert *al = &a[s->unit[kind][u].alert];
            if (!in_window(s, k->t, al->window)) continue;
            al->reasons[c->reason]++;
            if (!c->text) continue;
            q_example *e = al->example[c->reason];
            if ((e[0].text && !strcmp(e[0].text, c->text)) || (e[1].text && !strcmp(e[1].text, c->text))) continue;
            if (!e[0].text || c->at > e[0].at) { e[1] = e[0]; e[0] = (q_example){c->text, c->at}; }
            else if (!e[1].text || c->at > e[1].at) e[1] = (q_example){c->text, c->at};
        }
    }
}

int as__q_example_class(const q_alert *a) {
    /* A reason-class signal shows its own class; product_related the most frequent class that is evidence. */
    static const int own[Q_SIGNALS] = {-1, AS_REASON_DEFECT, AS_REASON_SIZE, AS_REASON_NOT_DESCRIBED};
    if (own[a->signal] >= 0 && a->example[own[a->signal]][0].text) return own[a->signal];
    int best = -1;
    for (int c = 0; c < AS_REASON_N; c++)
        if (a->example[c][0].text && signal_bits(c) && (best < 0 || a->reasons[c] > a->reasons[best])) best = c;
    return best;
}

void as__q_top_reasons(const q_alert *a, char *buf, size_t size) {
    int used[Q_REASONS] = {0};
    size_t len = 0;
    buf[0] = '\0';
    for (int shown = 0; shown < 4; shown++) {
        int best = -1;
        for (int c = 0; c < Q_REASONS; c++)
            if (!used[c] && a->reasons[c] > 0 && (best < 0 || a->reasons[c] > a->reasons[best])) best = c;
        if (best < 0) break;
        used[best] = 1;
        int w = snprintf(buf + len, size - len, "%s%s %lld", shown ? "; " : "", as__q_reason_name(best),
                         (long long)a->reasons[best]);
        if (w < 0 || (size_t)w >= size - len) break;
        len += (size_t)w;
    }
}

/* ---------------------------------------------------------------------------------------------------------
 * The step
 * ------------------------------------------------------------------------------------------------------- */

static as_status check_params(const as_quality_params *p, as_error *err) {
    if (p->recent_days < 1 || p->long_days < p->recent_days)
        return as__err(err, AS_ERR_INVALID, "the recent window (%d days) must be at least 1 day and no longer than the "
                       "long window (%d days)", p->recent_days, p->long_days);
    if (!(p->credible > 0.5 && p->credible < 1.0) || !(p->funnel > 0.5 && p->funnel < 1.0))
        return as__err(err, AS_ERR_INVALID, "the credible level (%g) and the funnel coverage (%g) must lie strictly "
                       "between 0.5 and 1, e.g. 0.95 and 0.998", p->credible, p->funnel);
    if (p->interval < AS_INTERVAL_WILSON || p->interval > AS_INTERVAL_EXACT)
        return as__err(err, AS_ERR_INVALID, "unknown interval method %d (0 wilson, 1 jeffreys, 2 exact)",
                       p->interval);
    if (p->min_sales < 1 || p->min_cases < 0)
        return as__err(err, AS_ERR_INVALID, "quality parameters: min_sales must be at least 1 and min_cases at least 0");
    return AS_OK;
}

/* A date past the data leaves the long window empty: say so rather than report a shop without sales. */
static as_status check_long_window(const q_state *s, as_error *err) {
    int64_t last = 0;
    for (size_t i = 0; i < s->n_lines; i++)
        if (s->lines[i].t > last) last = s->lines[i].t;
    if (in_window(s, last, Q_LONG)) return AS_OK;
    int y, m, d, y2, m2, d2;
    as__civil_from_days(s->stats->as_of / AS_DAY, &y, &m, &d);
    as__civil_from_days(last / AS_DAY, &y2, &m2, &d2);
    return as__err(err, AS_ERR_NODATA, "%s: nothing was sold in the %d days up to %04d-%02d-%02d (the last sale is of "
                   "%04d-%02d-%02d); choose an earlier --as-of or a longer --long-days", s->db->path,
                   s->p->long_days, y, m, d, y2, m2, d2);
}

/* The files and the tables, all or nothing as far as it can be: the files are written under temporary names first,
 * then the tables (one savepoint), and only then are the files renamed into place. A file that cannot be written
 * therefore leaves the database as it was, and a failed table write leaves the user's old files. */
static as_status write_outputs(as_db *db, const as_quality_params *p, const q_result *r, as_error *err) {
    const char *out[3] = {p->out_csv, p->out_json, p->out_units_csv};
    as_status (*writer[3])(const char *, const q_result *, as_error *) = {as__q_write_csv, as__q_write_json,
                                                                        as__q_write_units_csv};
    char part[3][4096];
    int made[3] = {0, 0, 0};
    as_status rc = AS_OK;
    for (int i = 0; i < 3 && !rc; i++) {
        if (!out[i]) continue;
        int n = snprintf(part[i], sizeof part[i], "%s.part", out[i]);
        if (n < 0 || (size_t)n >= sizeof part[i])
            rc = as__err(err, AS_ERR_INVALID, "output path too long: %s", out[i]);
        if (!rc) rc = writer[i](part[i], r, err);
        made[i] = 1;   /* a failed writer may have left a partial file */
    }
    if (!rc) rc = as__q_write_tables(db, r, err);
    for (int i = 0; i < 3; i++) {
        if (!made[i]) continue;
        if (!rc && rename(part[i], out[i]) != 0)
            rc = as__err(err, AS_ERR_IO, "cannot rename %s to %s: %s", part[i], out[i], strerror(errno));
        if (rc) remove(part[i]);
    }
    return rc;
}

static as_status last_order(as_db *db, int64_t *t, as_error *err) {
    sqlite3_stmt *st = NULL;
    as_status rc = as__db_prepare(db, "SELECT MAX(o.ordered_at) FROM orders o WHERE EXISTS(SELECT 1 FROM order_lines l"
                                  " WHERE l.order_id = o.order_id AND l.quantity > 0)", &st, err);
    if (rc) return rc;
    *t = 0;
    int have = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    if (have) *t = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (!have)
        return as__err(err, AS_ERR_STATE, "%s has no purchase lines (order_lines is empty); ingest data first: "
                       "aftersales ingest --db %s FILE", db->path, db->path);
    return AS_OK;
}

as_status as_quality(as_db *db, const as_quality_params *params, as_quality_stats *stats, as_error *err) {
    as_quality_params p = params ? *params : as_quality_params_default();
    as_quality_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!db) return as__err(err, AS_ERR_INVALID, "no database given to the quality step");
    as_status rc = check_params(&p, err);
    if (rc) return rc;
    if (p.as_of) stats->as_of = p.as_of;
    else if ((rc = last_order(db, &stats->as_of, err))) return rc;

    as_reason_model *model = NULL;
    if (p.reason_model && (rc = as__reason_model_load(p.reason_model, &model, err))) return rc;

    q_state s;
    memset(&s, 0, sizeof s);
    s.db = db;
    s.p = &p;
    s.stats = stats;
    as__arena_init(&s.arena, 1 << 16);
    as__strmap_init(&s.key_map);
    as__strmap_init(&s.cust_map);
    for (int k = 0; k < Q_KINDS; k++) as__strmap_init(&s.map[k]);
    q_alert *alerts = NULL;
    size_t n_alerts = 0;

    rc = load_products(&s, err);
    if (!rc) rc = load_cases(&s, model, err);
    if (!rc) rc = load_lines(&s, err);
    if (!rc) rc = attribute_customer_cases(&s, err);
    if (!rc) rc = count_unattributed(&s, err);
    if (!rc && !s.n_lines)
        rc = as__err(err, AS_ERR_NODATA, "%s: no purchase lines were sold up to the as-of date; choose a later date",
                     db->path);
    if (!rc) {
        count_lines(&s);
        rc = check_long_window(&s, err);
    }
    if (!rc) rc = all_figures(&s, err);
    if (!rc) rc = select_alerts(&s, &alerts, &n_alerts, err);
    q_result r;
    memset(&r, 0, sizeof r);
    r.as_of = stats->as_of;
    r.params = &p;
    for (int k = 0; k < Q_KINDS; k++) {
        r.unit[k] = s.unit[k];
        r.n_unit[k] = s.n_unit[k];
    }
    if (!rc) {
        /* Rank first so every unit's alert index is final before the passes that use it. */
        if (n_alerts) qsort(alerts, n_alerts, sizeof *alerts, cmp_alerts);
        for (size_t j = 0; j < n_alerts; j++) s.unit[alerts[j].kind][alerts[j].unit].alert = (int)j;
        tally_reasons(&s, alerts);
        rc = date_onsets(&s, alerts, n_alerts, err);
    }
    r.alerts = alerts;
    r.n_alerts = n_alerts;
    r.overall_rate = stats->overall_rate;
    r.signals = s.signals_seen;
    if (!rc) rc = write_outputs(db, &p, &r, err);
    if (!rc) {
        for (size_t i = 0; i < s.n_unit[Q_PRODUCT]; i++) stats->products += s.unit[Q_PRODUCT][i].fig[Q_LONG][0].n > 0;
        stats->alerts = (int64_t)n_alerts;
        for (size_t j = 0; j < n_alerts; j++) {
            const q_alert *a = &alerts[j];
            int64_t *c[Q_KINDS] = {&stats->product_alerts, &stats->supplier_alerts, &stats->seller_alerts,
                                   &stats->category_alerts};
            (*c[a->kind])++;
            if (a->kind == Q_PRODUCT) stats->excess_returns += a->excess;
        }
    }
    for (size_t j = 0; j < n_alerts; j++) {
        as__free(alerts[j].week_sales);
        as__free(alerts[j].week_cases);
    }
    as__free(alerts);
    for (int k = 0; k < Q_KINDS; k++) {
        as__free(s.unit[k]);
        as__strmap_free(&s.map[k]);
    }
    as__strmap_free(&s.key_map);
    as__strmap_free(&s.cust_map);
    for (size_t g = 0; g < s.n_groups; g++) {
        as__free(s.groups[g].t);
        as__free(s.groups[g].line);
    }
    as__free(s.groups);
    for (int w = 0; w < Q_WINDOWS; w++) as__free(s.prod_tau[w]);
    as__free(s.keys);
    as__free(s.cases);
    as__free(s.lines);
    as__arena_free(&s.arena);
    as__reason_model_free(model);
    return rc;
}
