/*
 * svg.c — the report's charts as inline SVG: scales (linear and log10), "nice" ticks, grid and axis titles,
 * lines, point and bar marks, legends, sparklines. Everything is drawn in a fixed viewBox that the page scales
 * to its column, so the file needs no script and prints as it shows.
 *
 * Marks (the data: points, bars) carry class "mark" and each chart states their number in data-marks; the
 * browser test counts both. Data values are clamped into the plot area, so a mark never lies outside its chart.
 */
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void rp_chart_begin(rp_chart *ch, rp_ctx *c, double w, double h, rp_scale x, rp_scale y) {
    memset(ch, 0, sizeof *ch);
    ch->c = c;
    as__buf_init(&ch->body, RP_MAX_PAGE);
    ch->w = w, ch->h = h;
    ch->l = 54, ch->r = 24, ch->t = 12, ch->b = 38;
    ch->x = x, ch->y = y;
}

static double frac(const rp_scale *s, double v) {
    double lo = s->lo, hi = s->hi;
    if (s->log) {
        lo = log10(lo > 0 ? lo : 1e-12);
        hi = log10(hi > 0 ? hi : 1e-12);
        v = log10(v > 0 ? v : 1e-300);
    }
    double f = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    if (!(f >= 0)) f = 0;   /* also NaN */
    if (f > 1) f = 1;
    return f;
}

double rp_chart_px(const rp_chart *ch, double x) { return ch->l + frac(&ch->x, x) * (ch->w - ch->l - ch->r); }
double rp_chart_py(const rp_chart *ch, double y) { return ch->h - ch->b - frac(&ch->y, y) * (ch->h - ch->t - ch->b); }

/* ---- ticks ----------------------------------------------------------------------------------------------- */

/* 1, 2 or 5 × 10^k: the step that gives about `target` intervals over the range. */
static double nice_step(double range, int target) {
    if (!(range > 0)) return 1;
    double raw = range / target, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static int digits_for(double step) {
    int d = (int)ceil(-log10(step) - 1e-9);
    return d < 0 ? 0 : d > 6 ? 6 : d;
}

static const char *tick_label(rp_chart *ch, rp_ticks kind, double v, double step) {
    rp_ctx *c = ch->c;
    switch (kind) {
    case RP_TICK_PCT: return rp_fmt_pct(c, v, digits_for(step * 100));
    case RP_TICK_COUNT: return rp_fmt_count(c, (int64_t)llround(v));
    case RP_TICK_DATE: return rp_fmt_month(c, (int64_t)v);
    default: return rp_fmt_num(c, v, digits_for(step));
    }
}

/* Tick values of one axis into t (at most 24). */
static int ticks(const rp_scale *s, rp_ticks kind, int target, double *t, double *step_out) {
    int n = 0;
    *step_out = 1;
    if (kind == RP_TICK_NONE || !(s->hi > s->lo)) return 0;
    if (kind == RP_TICK_DATE) {
        /* month starts, every 1, 2, 3, 6 or 12 months, at most about `target` of them */
        int y0, m0, d0;
        int64_t lo = (int64_t)floor(s->lo), hi = (int64_t)ceil(s->hi);
        as__civil_from_days(lo >= 0 ? lo / AS_DAY : (lo - AS_DAY + 1) / AS_DAY, &y0, &m0, &d0);
        double months = (double)(hi - lo) / (30.44 * AS_DAY);
        static const int steps[] = {1, 2, 3, 6, 12, 24, 60};
        int step = 60;
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
            if (months / steps[i] <= target + 1) { step = steps[i]; break; }
        int mi = y0 * 12 + (m0 - 1);
        if (d0 > 1 || lo % AS_DAY) mi++;
        mi = (mi + step - 1) / step * step;
        for (; n < 24; mi += step) {
            int64_t at = as__days_from_civil(mi / 12, mi % 12 + 1, 1) * AS_DAY;
            if (at > hi) break;
            t[n++] = (double)at;
        }
        return n;
    }
    if (s->log) {
        double lo = log10(s->lo), hi = log10(s->hi);
        int few = hi - lo < 2.5;
        for (int k = (int)floor(lo); k <= (int)ceil(hi) && n < 24; k++) {
            static const double mult[] = {1, 2, 5};
            for (int m = 0; m < (few ? 3 : 1) && n < 24; m++) {
                double v = mult[m] * pow(10, k);
                if (v >= s->lo * (1 - 1e-9) && v <= s->hi * (1 + 1e-9)) t[n++] = v;
            }
        }
        *step_out = 1;
        return n;
    }
    double step = nice_step(s->hi - s->lo, target);
    *step_out = step;
    for (double v = ceil(s->lo / step - 1e-9) * step; v <= s->hi + step * 1e-9 && n < 24; v += step)
        t[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    return n;
}

void rp_chart_axes(rp_chart *ch, rp_ticks xt, rp_ticks yt, const char *x_title, const char *y_title) {
    rp_ctx *c = ch->c;
    as_buf *b = &ch->body;
    double t[24], step;
    double x0 = ch->l, x1 = ch->w - ch->r, y0 = ch->t, y1 = ch->h - ch->b;
    int n = ticks(&ch->y, yt, 5, t, &step);
    for (int i = 0; i < n; i++) {
        double py = rp_chart_py(ch, t[i]);
        rp_printf(c, b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x0, py, x1, py);
        rp_printf(c, b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", x0 - 5, py + 3.5);
        rp_esc(c, b, tick_label(ch, yt, t[i], step));
        rp_puts(c, b, "</text>");
    }
    n = ticks(&ch->x, xt, 6, t, &step);
    for (int i = 0; i < n; i++) {
        double px = rp_chart_px(ch, t[i]);
        rp_printf(c, b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", px, y0, px, y1);
        /* A label centred on a tick near either end of the chart would be cut off by the SVG's edge (Online
         * Retail's last month, "Sep 2011", by 3 px): there it is anchored at its end or start instead. The width is
         * estimated at 6.5 px a character, above what 11 px system-ui needs for digits and capitals. */
        const char *label = tick_label(ch, xt, t[i], step);
        double half = 3.25 * (double)strlen(label);
        const char *anchor = px + half > ch->w - 2 ? "end" : px - half < 2 ? "start" : "middle";
        double ax = anchor[0] == 'e' ? (px < ch->w - 2 ? px : ch->w - 2) : anchor[0] == 's' ? (px > 2 ? px : 2) : px;
        rp_printf(c, b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", ax, y1 + 14, anchor);
        rp_esc(c, b, label);
        rp_puts(c, b, "</text>");
    }
    rp_printf(c, b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x0, y1, x1, y1);
    rp_printf(c, b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x0, y0, x0, y1);
    if (x_title) {
        rp_printf(c, b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (x0 + x1) / 2, ch->h - 5);
        rp_esc(c, b, x_title);
        rp_puts(c, b, "</text>");
    }
    if (y_title) {
        double my = (y0 + y1) / 2;
        rp_printf(c, b, "<text x=\"11\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 11 %.1f)\">", my, my);
        rp_esc(c, b, y_title);
        rp_puts(c, b, "</text>");
    }
}

/* ---- drawing --------------------------------------------------------------------------------------------- */

void rp_chart_line(rp_chart *ch, const double *xs, const double *ys, size_t n, const char *cls) {
    rp_ctx *c = ch->c;
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(xs[i]) || !isfinite(ys[i])) {
            if (open) rp_puts(c, &ch->body, "\"/>");
            open = 0;
            continue;
        }
        if (!open) {
            rp_printf(c, &ch->body, "<polyline class=\"%s\" points=\"", cls ? cls : "line s0");
            open = 1;
        } else {
            rp_puts(c, &ch->body, " ");
        }
        rp_printf(c, &ch->body, "%.1f,%.1f", rp_chart_px(ch, xs[i]), rp_chart_py(ch, ys[i]));
    }
    if (open) rp_puts(c, &ch->body, "\"/>");
}

void rp_chart_point(rp_chart *ch, double x, double y, double r, const char *cls, const char *tip) {
    rp_ctx *c = ch->c;
    /* keep the whole circle inside the plot area's frame */
    double px = rp_chart_px(ch, x), py = rp_chart_py(ch, y);
    if (px < r) px = r;
    if (py < r) py = r;
    rp_printf(c, &ch->body, "<circle class=\"mark %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\">", cls ? cls : "s0", px, py,
              r);
    if (tip) {
        rp_puts(c, &ch->body, "<title>");
        rp_esc(c, &ch->body, tip);
        rp_puts(c, &ch->body, "</title>");
    }
    rp_puts(c, &ch->body, "</circle>");
    ch->marks++;
}

void rp_chart_bar(rp_chart *ch, double x0, double y0, double x1, double y1, const char *cls, const char *tip) {
    rp_ctx *c = ch->c;
    double a = rp_chart_px(ch, x0), b = rp_chart_px(ch, x1), p = rp_chart_py(ch, y0), q = rp_chart_py(ch, y1);
    rp_printf(c, &ch->body, "<rect class=\"mark %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">",
              cls ? cls : "s0", fmin(a, b), fmin(p, q), fabs(b - a), fabs(q - p));
    if (tip) {
        rp_puts(c, &ch->body, "<title>");
        rp_esc(c, &ch->body, tip);
        rp_puts(c, &ch->body, "</title>");
    }
    rp_puts(c, &ch->body, "</rect>");
    ch->marks++;
}

void rp_chart_text(rp_chart *ch, double px, double py, const char *anchor, const char *cls, const char *text) {
    rp_printf(ch->c, &ch->body, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s%s>", px, py,
              anchor ? anchor : "start", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    rp_esc(ch->c, &ch->body, text);
    rp_puts(ch->c, &ch->body, "</text>");
}

void rp_chart_legend(rp_chart *ch, const char *const *names, const char *const *cls, int n) {
    /* one row in the top margin, right-aligned, so it never covers data; about 6 px a character */
    double width = 0;
    for (int i = 0; i < n; i++) width += 26 + 6.2 * (double)strlen(names[i]) + 14;
    double x = ch->w - ch->r - width, y = ch->t - 14;
    if (x < ch->l) x = ch->l;
    for (int i = 0; i < n; i++) {
        rp_printf(ch->c, &ch->body, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", cls[i], x,
                  y, x + 18, y);
        rp_chart_text(ch, x + 22, y + 3.5, "start", NULL, names[i]);
        x += 26 + 6.2 * (double)strlen(names[i]) + 14;
    }
}

void rp_chart_end(rp_chart *ch, const char *id, const char *aria_label, const char *caption_html) {
    rp_ctx *c = ch->c;
    rp_printf(c, NULL, "<figure class=\"chart\" id=\"chart-%s\"><svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
              "aria-label=\"", id, ch->w, ch->h);
    rp_esc(c, NULL, aria_label);
    rp_printf(c, NULL, "\" data-marks=\"%d\">", ch->marks);
    if (!c->st && ch->body.len) {
        as_status st = as__buf_append(&c->out, ch->body.data, ch->body.len);
        if (st) rp_fail(c, st, "out of memory writing the report");
    }
    rp_puts(c, NULL, "</svg>");
    if (caption_html) rp_printf(c, NULL, "<figcaption>%s</figcaption>", caption_html);
    rp_puts(c, NULL, "</figure>\n");
    as__buf_free(&ch->body);
    if (c->stats) c->stats->charts++;
}

void rp_spark(rp_ctx *c, as_buf *b, const int64_t *week_start, const int64_t *sales, const int64_t *cases, int n,
              int64_t onset) {
    const double W = 110, H = 24;
    double max = 0, max_any = 0;
    for (int i = 0; i < n; i++) {
        if (sales[i] <= 0) continue;
        double r = (double)cases[i] / (double)sales[i];
        if (sales[i] >= 5 && r > max) max = r;
        if (r > max_any) max_any = r;
    }
    if (!(max > 0)) max = max_any > 0 ? max_any : 1;
    rp_printf(c, b, "<svg class=\"spark\" viewBox=\"0 0 %.0f %.0f\" preserveAspectRatio=\"none\" role=\"img\" "
              "aria-label=\"weekly rate\" data-marks=\"%d\">", W, H, n);
    double bw = n ? W / n : W;
    for (int i = 0; i < n; i++) {
        double r = sales[i] > 0 ? (double)cases[i] / (double)sales[i] : 0;
        double hgt = fmin(r / max, 1.0) * (H - 2);
        const char *cls = onset && week_start[i] + 7 * AS_DAY > onset ? "mark after" : "mark";
        rp_printf(c, b, "<rect class=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"><title>", cls,
                  i * bw + bw * 0.1, H - 1 - hgt, bw * 0.8, hgt);
        rp_printf(c, b, "week of %s: %s of %s sales", rp_fmt_date(c, week_start[i]), rp_fmt_count(c, cases[i]),
                  rp_fmt_count(c, sales[i]));
        if (sales[i] > 0) rp_printf(c, b, " (%s)", rp_fmt_pct(c, r, 1));
        rp_puts(c, b, "</title></rect>");
    }
    rp_puts(c, b, "</svg>");
}
