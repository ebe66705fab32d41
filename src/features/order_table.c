/*
 * order_table: one row per order in `order_features`, written in the same pass as the line rows.
 *
 * An order row is what its lines already know, summarized: the basket (computed here from the lines), the
 * customer's history and the order's delivery facts (the same for every line: taken from the first), and the
 * riskiest and average line (max / mean of product, category and seller rates, prices). Nothing here reads the
 * database or the histories, so the order rows inherit the line rows' point-in-time guarantee.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "features/features_internal.h"

enum { AGG_FIRST, AGG_MAX, AGG_MEAN };
typedef struct agg_spec { const char *line_col; int agg; } agg_spec;

/* Line columns carried into the order row; a column the line table lacks (a delivery fact at moment "order")
 * is left out. */
static const agg_spec k_aggs[] = {
    {"hour", AGG_FIRST}, {"weekday", AGG_FIRST},
    {"cust_is_new", AGG_FIRST}, {"ln_cust_prev_orders", AGG_FIRST}, {"ln_cust_prev_lines", AGG_FIRST},
    {"ln_cust_prev_returns", AGG_FIRST}, {"cust_return_logit", AGG_FIRST}, {"ln_cust_recent_returns", AGG_FIRST},
    {"cust_recent_return_logit", AGG_FIRST}, {"ln_cust_orders_last_day", AGG_FIRST}, {"ln_cust_prev_value", AGG_FIRST},
    {"ln_cust_days_since_first", AGG_FIRST}, {"ln_cust_hours_since_last", AGG_FIRST}, {"cust_has_returned", AGG_FIRST},
    {"ln_cust_days_since_last_return", AGG_FIRST},
    {"cust_lines_30d", AGG_FIRST}, {"cust_lines_90d", AGG_FIRST}, {"cust_lines_365d", AGG_FIRST},
    {"cust_amount_30d", AGG_FIRST}, {"cust_amount_90d", AGG_FIRST}, {"cust_amount_365d", AGG_FIRST},
    {"cust_returns_30d", AGG_FIRST}, {"cust_returns_90d", AGG_FIRST}, {"cust_returns_365d", AGG_FIRST},
    {"cust_return_logit_30d", AGG_FIRST}, {"cust_return_logit_90d", AGG_FIRST}, {"cust_return_logit_365d", AGG_FIRST},
    {"country_return_logit", AGG_FIRST}, {"country_return_logit_365d", AGG_FIRST},
    {"carrier_mean_days_late", AGG_FIRST}, {"ln_carrier_deliveries", AGG_FIRST}, {"carrier_unknown", AGG_FIRST},
    {"ln_cust_deliveries", AGG_FIRST}, {"ln_cust_late_deliveries", AGG_FIRST},
    {"days_to_delivery", AGG_FIRST}, {"days_late", AGG_FIRST}, {"delivery_unknown", AGG_FIRST},
    {"prod_return_logit", AGG_MAX}, {"prod_return_logit", AGG_MEAN},
    {"prod_return_logit_30d", AGG_MAX}, {"prod_return_logit_365d", AGG_MAX},
    {"cat_return_logit_365d", AGG_MAX}, {"cat_return_logit_365d", AGG_MEAN},
    {"seller_return_logit_365d", AGG_MAX}, {"seller_mean_days_late", AGG_MAX},
    {"ln_price_vs_product", AGG_MAX}, {"ln_price_vs_category", AGG_MAX},
    {"discount", AGG_MEAN}, {"discount", AGG_MAX},
    {"prod_is_new", AGG_MAX}, {"cust_bought_product_before", AGG_MEAN}, {"cust_returned_product_before", AGG_MAX},
};
enum { N_AGGS = sizeof k_aggs / sizeof *k_aggs };
/* Computed from the lines themselves (see put). */
static const char *const k_basket[] = {
    "ln_order_lines", "ln_order_value", "ln_order_units", "ln_order_distinct_products", "basket_repeat",
    "ln_order_distinct_categories", "order_max_category_share", "order_freight_share", "order_freight_unknown",
};
enum { N_BASKET = sizeof k_basket / sizeof *k_basket };

struct as__order_writer {
    as_db *db;
    sqlite3_stmt *ins;
    int n_line;
    int n_num;                        /* N_BASKET + used aggregates */
    int src[N_AGGS], agg[N_AGGS], n_used;
    as_buf numeric_names;
    double *row;
};

void as__order_writer_free(as__order_writer *ow) {
    if (!ow) return;
    sqlite3_finalize(ow->ins);
    as__buf_free(&ow->numeric_names);
    as__free(ow->row);
    as__free(ow);
}

as_status as__order_writer_new(as_db *db, const char *const *line_names, int n_line, int moment,
                               as__order_writer **out, as_error *err) {
    (void)moment;   /* the delivery facts are present in the line columns exactly at moment "delivery" */
    *out = NULL;
    as__order_writer *ow = as__calloc(1, sizeof *ow);
    if (!ow) return as__err(err, AS_ERR_NOMEM, "out of memory");
    ow->db = db;
    ow->n_line = n_line;
    as__buf_init(&ow->numeric_names, 0);
    as_buf *nm = &ow->numeric_names;
    as_status st = AS_OK;
    for (int k = 0; k < N_BASKET; k++) st |= as__buf_printf(nm, "%s%s", k ? "," : "", k_basket[k]);
    for (int a = 0; a < N_AGGS; a++) {
        int found = -1;
        for (int j = 0; j < n_line && found < 0; j++) if (strcmp(line_names[j], k_aggs[a].line_col) == 0) found = j;
        if (found < 0) continue;
        ow->src[ow->n_used] = found;
        ow->agg[ow->n_used++] = k_aggs[a].agg;
        st |= as__buf_printf(nm, ",%s%s", k_aggs[a].line_col,
                             k_aggs[a].agg == AGG_MAX ? "_max" : k_aggs[a].agg == AGG_MEAN ? "_mean" : "");
    }
    st |= as__buf_cstr(nm);
    ow->n_num = N_BASKET + ow->n_used;
    ow->row = as__calloc((size_t)ow->n_num, sizeof *ow->row);
    if (st || !ow->row) { as__order_writer_free(ow); return as__err(err, AS_ERR_NOMEM, "out of memory"); }

    as_buf sql;
    as__buf_init(&sql, 0);
    as__buf_printf(&sql, "DROP TABLE IF EXISTS order_features; CREATE TABLE order_features(order_id TEXT NOT NULL, "
                         "customer_id TEXT, ordered_at INTEGER NOT NULL, label INTEGER, label_kind TEXT, "
                         "label_reason TEXT, country TEXT");
    const char *p = nm->data;
    while (*p) {                      /* one REAL column per comma-separated name */
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        as__buf_printf(&sql, ", %.*s REAL", (int)l, p);
        p += l + (e != NULL);
    }
    st = as__buf_printf(&sql, ", main_category TEXT, month INTEGER);");
    if (!st) st = as__buf_cstr(&sql);
    if (!st) st = as__db_exec(db, sql.data, err);
    else st = as__err(err, AS_ERR_NOMEM, "out of memory");
    if (!st) {
        as__buf_clear(&sql);
        as__buf_printf(&sql, "INSERT INTO order_features VALUES(?,?,?,?,?,?,?");
        for (int k = 0; k < ow->n_num + 2; k++) as__buf_printf(&sql, ",?");
        st = as__buf_printf(&sql, ")");
        if (!st) st = as__buf_cstr(&sql);
        if (!st) st = as__db_prepare(db, sql.data, &ow->ins, err);
        else st = as__err(err, AS_ERR_NOMEM, "out of memory");
    }
    as__buf_free(&sql);
    if (st) { as__order_writer_free(ow); return st; }
    *out = ow;
    return AS_OK;
}

const char *as__order_numeric_names(const as__order_writer *ow) { return ow->numeric_names.data; }
const char *as__order_categorical_names(const as__order_writer *ow) { (void)ow; return "main_category"; }

sqlite3_stmt *as__order_writer_stmt(const as__order_writer *ow) { return ow->ins; }

as_status as__order_writer_put(as__order_writer *ow, const as__order_row *r, as_rowq *rq, int stmt, as_error *err) {
    double *v = ow->row;
    size_t n = r->n_lines;
    double value = 0, units = 0, freight = 0;
    int freight_known = 1;
    size_t distinct = 0, distinct_cat = 0, max_cat = 0;
    int repeat = 0;
    for (size_t i = 0; i < n; i++) {
        value += r->value[i];
        units += r->qty[i];
        if (isnan(r->freight[i])) freight_known = 0; else freight += r->freight[i];
        int seen = 0, seen_cat = 0;
        size_t same_cat = 0;
        for (size_t j = 0; j < n; j++) {
            if (j < i) { seen |= r->prod[j] == r->prod[i]; seen_cat |= r->cat[j] == r->cat[i]; }
            same_cat += r->cat[j] == r->cat[i];
        }
        distinct += !seen;
        distinct_cat += !seen_cat;
        repeat |= seen;
        if (same_cat > max_cat) max_cat = same_cat;
    }
    int k = 0;
    v[k++] = log1p((double)n);
    v[k++] = log1p(value > 0 ? value : 0);
    v[k++] = log1p(units > 0 ? units : 0);
    v[k++] = log1p((double)distinct);
    v[k++] = repeat;
    v[k++] = log1p((double)distinct_cat);
    v[k++] = n ? (double)max_cat / (double)n : 0;
    v[k++] = freight_known && value > 0 ? freight / value : 0;
    v[k++] = !freight_known;
    for (int a = 0; a < ow->n_used; a++) {
        const double *col = r->f + ow->src[a];
        double x = col[0];
        if (ow->agg[a] == AGG_MAX) for (size_t i = 1; i < n; i++) x = fmax(x, col[i * (size_t)ow->n_line]);
        else if (ow->agg[a] == AGG_MEAN) {
            for (size_t i = 1; i < n; i++) x += col[i * (size_t)ow->n_line];
            x /= (double)n;
        }
        v[k++] = x;
    }
    as__rowq_begin(rq, stmt);
    as_status st = as__rowq_text(rq, r->order_id);
    if (!st) st = as__rowq_text(rq, r->customer_id);
    as__rowq_int(rq, r->at);
    if (r->labelled) {
        as__rowq_int(rq, r->positive);
        if (!st) st = as__rowq_text(rq, r->kind);
        if (!st) st = as__rowq_text(rq, r->reason);
    } else {
        as__rowq_null(rq); as__rowq_null(rq); as__rowq_null(rq);
    }
    if (!st) st = as__rowq_text(rq, r->country ? r->country : "(unknown)");
    for (int j = 0; j < ow->n_num; j++) as__rowq_double(rq, v[j]);
    if (!st) st = as__rowq_text(rq, r->main_category ? r->main_category : "(none)");
    as__rowq_int(rq, r->month);
    if (st) return as__err(err, st, "out of memory writing order features");
    return as__rowq_end(rq, err);
}

/* Columns of an order row, for the row queue's cell budget. */
int as__order_writer_columns(const as__order_writer *ow) { return 9 + ow->n_num; }
