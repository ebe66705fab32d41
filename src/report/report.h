/*
 * report — the after-sales report: one self-contained HTML page (inline CSS and SVG, no script, nothing fetched)
 * that a manager opens, reads and forwards. Private to the module; the public call is as_report.
 *
 * Each section is one function (sections.c files) that queries the database, the model and its metrics.json and
 * writes its HTML into the page buffer through the helpers below. A section whose data is absent still appears,
 * with a short note naming the command that produces it. The page contract the browser test relies on is in
 * docs/report.md ("The page, for machines"): section ids, `data-marks` on every chart, table ids.
 */
#ifndef AS_REPORT_INTERNAL_H
#define AS_REPORT_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>

#include "aftersales/aftersales.h"
#include "core/core.h"
#include "ml/model.h"
#include "store/store.h"

/* The page is held in memory until it is complete (then written under a temporary name and renamed), capped so
 * a runaway section fails instead of filling the disk. */
#define RP_MAX_PAGE ((size_t)64 << 20)

enum { RP_GLANCE, RP_TREND, RP_MODEL, RP_QUALITY, RP_ORDERS, RP_DATA, RP_SECTIONS };
extern const char *const rp_section_id[RP_SECTIONS];

typedef struct rp_labels rp_labels;   /* sec_shop.c: the labelled lines by period and category */
void rp_labels_free(rp_labels *t);

typedef struct rp_ctx {
    as_db *db;
    const as_report_params *p;
    as_report_stats *stats;
    as_error *err;
    as_status st;                    /* the first failure; every helper does nothing once it is set */
    as_buf out;                      /* the page */
    char ring[32][128];              /* formatted numbers handed out by the rp_fmt_* helpers */
    unsigned ring_next;
    /* what the first look at the database found, for every section */
    int has_features, has_quality, has_order_features;
    int horizon_days;
    int64_t label_until;             /* purchases at or before this instant are labelled (build) */
    int64_t data_start, data_end;    /* first and last order */
    /* the model the page describes (NULL: none) and its metrics.json (NULL: not found) */
    as_model *model;
    cJSON *metrics;
    char model_note[512];            /* why there is no model, or a remark about its metrics file */
    int foreign_model;               /* the model records another database's shop_id: it is not this shop's */
    char weak_model[512];            /* the model barely ranks on its test rows: a warning for its sections */
    /* handed from section to section */
    rp_labels *labels;               /* from the glance section's scan of the feature table, for the trend */
    int64_t open_unseen;             /* open orders scored with a text value the model never saw */
    int64_t open_scored;
} rp_ctx;

/* ---- failure and output ---------------------------------------------------------------------------------- */

/* Records the first failure (later ones are dropped) with its message; returns c->st. */
as_status rp_fail(rp_ctx *c, as_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A SQLite failure of the report's own queries. */
as_status rp_fail_db(rp_ctx *c, const char *what);
/* Appends to a buffer (the page when b is NULL); an append that fails sets c->st. */
void rp_printf(rp_ctx *c, as_buf *b, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void rp_puts(rp_ctx *c, as_buf *b, const char *s);
/* Appends text with &, <, >, " and ' escaped; rp_esc_cut keeps at most max_chars characters (cut on a UTF-8
 * boundary, "…" added). NULL appends nothing. */
void rp_esc(rp_ctx *c, as_buf *b, const char *s);
void rp_esc_cut(rp_ctx *c, as_buf *b, const char *s, size_t max_chars);

/* ---- numbers and dates for people; each returns a string valid for the next 31 calls ------------------- */

const char *rp_fmt_count(rp_ctx *c, int64_t v);          /* 1234567 → "1,234,567" */
const char *rp_fmt_pct(rp_ctx *c, double share, int digits);   /* 0.1234 → "12.3 %"; NaN → "–" */
const char *rp_fmt_num(rp_ctx *c, double v, int digits); /* fixed digits with thousands separators; NaN → "–" */
const char *rp_fmt_date(rp_ctx *c, int64_t t);           /* "2024-03-07" */
const char *rp_fmt_month(rp_ctx *c, int64_t t);          /* "Mar 2024" */

/* ---- queries --------------------------------------------------------------------------------------------- */

/* A single integer (or double) from SQL; *ok = 0 (and def returned) when the query fails or gives NULL. A failing
 * query is not an error here: callers test what exists first and the report shows what it can. */
int64_t rp_sql_int(rp_ctx *c, const char *sql, int64_t def);
double rp_sql_double(rp_ctx *c, const char *sql, double def);
int rp_table_exists(rp_ctx *c, const char *table);
/* A whole-number meta value, or def when absent or not a number. */
int64_t rp_meta_int(rp_ctx *c, const char *key, int64_t def);
/* Prepares a statement; on failure records the error and returns NULL. */
sqlite3_stmt *rp_prepare(rp_ctx *c, const char *sql);

/* ---- page structure -------------------------------------------------------------------------------------- */

void rp_section_begin(rp_ctx *c, int section, const char *title, const char *lead_html);
void rp_section_end(rp_ctx *c);
/* The note of a section without data: what is missing and the command that makes it. */
void rp_missing(rp_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A key figure: <div class="kpi" data-kpi="name" data-value="value"> with the label and the formatted value. */
void rp_kpi(rp_ctx *c, const char *name, double value, const char *label, const char *shown, const char *note);

/* ---- charts (svg.c) -------------------------------------------------------------------------------------- */

typedef struct rp_scale {
    double lo, hi;
    int log;                         /* log10 axis (lo > 0) */
} rp_scale;

typedef enum rp_ticks { RP_TICK_NUM, RP_TICK_PCT, RP_TICK_COUNT, RP_TICK_DATE, RP_TICK_NONE } rp_ticks;

/* A chart is drawn into its own buffer; rp_chart_end writes the <figure> with the svg, its data-marks count and
 * the caption into the page. Coordinates passed to the drawing calls are data values; they are clamped into the
 * plot area, so no mark ever lies outside its chart. */
typedef struct rp_chart {
    rp_ctx *c;
    as_buf body;
    double w, h;                     /* viewBox */
    double l, r, t, b;               /* plot-area margins */
    rp_scale x, y;
    int marks;
} rp_chart;

void rp_chart_begin(rp_chart *ch, rp_ctx *c, double w, double h, rp_scale x, rp_scale y);
/* Pixel position of a data value, clamped into the plot area. */
double rp_chart_px(const rp_chart *ch, double x);
double rp_chart_py(const rp_chart *ch, double y);
/* Grid, ticks and axis titles. */
void rp_chart_axes(rp_chart *ch, rp_ticks xt, rp_ticks yt, const char *x_title, const char *y_title);
/* A line through (xs, ys) (not a mark); a NaN point breaks it. dashed: a reference line. */
void rp_chart_line(rp_chart *ch, const double *xs, const double *ys, size_t n, const char *cls);
/* A point mark of radius r with a hover text; cls adds classes ("s1", "flagged"). */
void rp_chart_point(rp_chart *ch, double x, double y, double r, const char *cls, const char *tip);
/* A bar mark between data corners (x0, y0) and (x1, y1). */
void rp_chart_bar(rp_chart *ch, double x0, double y0, double x1, double y1, const char *cls, const char *tip);
/* Text at pixel coordinates (anchor "start", "middle", "end"). */
void rp_chart_text(rp_chart *ch, double px, double py, const char *anchor, const char *cls, const char *text);
/* A legend: one swatch per series in a row above the plot (set ch->t to about 30 before drawing the axes). */
void rp_chart_legend(rp_chart *ch, const char *const *names, const char *const *cls, int n);
void rp_chart_end(rp_chart *ch, const char *id, const char *aria_label, const char *caption_html);
/* A bar sparkline of a weekly rate into b: <svg class="spark" data-marks="n">, one bar per week (cases / sales),
 * weeks from `onset` on drawn in the alert colour (onset 0: none). The height scale is set by the weeks with at
 * least 5 sales, so one week of one sale and one case does not flatten the rest. */
void rp_spark(rp_ctx *c, as_buf *b, const int64_t *week_start, const int64_t *sales, const int64_t *cases, int n,
              int64_t onset);

/* ---- sections (one file each) ---------------------------------------------------------------------------- */

void rp_glance(rp_ctx *c);           /* sec_shop.c */
void rp_trend(rp_ctx *c);            /* sec_shop.c */
void rp_model(rp_ctx *c);            /* sec_model.c */
void rp_quality(rp_ctx *c);          /* sec_quality.c */
void rp_orders(rp_ctx *c);           /* sec_orders.c */
void rp_data(rp_ctx *c);             /* sec_data.c */

/* metrics.json helpers (sec_model.c): a number member (NaN when absent or null) and a string member (NULL). */
double rp_json_num(const cJSON *o, const char *key);
const char *rp_json_str(const cJSON *o, const char *key);

#endif
