/*
 * quality_write — the alerts engine's outputs: tables quality_units, alerts and alert_reasons, the alerts as CSV and
 * JSON, and every unit's figures (products, suppliers, sellers, categories) as CSV (the data of a funnel plot). Column meanings: docs/quality.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "quality/quality_internal.h"

/* ---- small formatting helpers -------------------------------------------------------------------------- */

/* "%.6f" whatever the locale an embedding program has set: the decimal separator is always '.'. */
static void fmt6(double v, char *buf, size_t size) {
    snprintf(buf, size, "%.6f", v);
    for (char *p = buf; *p; p++)
        if (!(*p >= '0' && *p <= '9') && *p != '-') *p = '.';
}

static void date_text(int64_t t, char *buf, size_t size) {
    if (!t) { buf[0] = '\0'; return; }
    int64_t days = t >= 0 ? t / AS_DAY : -((-t + AS_DAY - 1) / AS_DAY);
    int y, m, d;
    as__civil_from_days(days, &y, &m, &d);
    snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
}

static void csv_text(FILE *f, const char *s) {
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n")) { fputs(s, f); return; }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, double v) {
    char b[40];
    fmt6(v, b, sizeof b);
    fputc(',', f);
    fputs(b, f);
}

static void csv_int(FILE *f, int64_t v) { fprintf(f, ",%lld", (long long)v); }

static void csv_field(FILE *f, const char *s) {
    fputc(',', f);
    csv_text(f, s);
}

static as_status close_file(FILE *f, const char *path, as_error *err) {
    int bad = ferror(f);
    if (fclose(f) != 0) bad = 1;
    if (bad) return as__err(err, AS_ERR_IO, "cannot write %s: %s; check the free disk space", path, strerror(errno));
    return AS_OK;
}

/* What one alert row shows, gathered once for the three writers. */
typedef struct alert_view {
    const q_unit *u;
    const q_figures *f, *fl;       /* the alert's window and the long window, the alert's signal */
    const char *category;
    char flagged_in[160];          /* "recent: defective, product_related; long: defective" */
    char reasons[200];
    char onset[16];
    const char *example[2];
} alert_view;

static void view_of(const q_result *r, const q_alert *a, alert_view *v) {
    v->u = &r->unit[a->kind][a->unit];
    v->f = &v->u->fig[a->window][a->signal];
    v->fl = &v->u->fig[Q_LONG][a->signal];
    v->category = a->kind == Q_CATEGORY ? v->u->id
                  : a->kind == Q_PRODUCT && v->u->category >= 0 ? r->unit[Q_CATEGORY][v->u->category].id
                                                                 : NULL;
    size_t len = 0;
    v->flagged_in[0] = '\0';
    for (int w = 0; w < Q_WINDOWS; w++) {
        int first = 1;
        for (int g = 0; g < Q_SIGNALS; g++) {
            if (!(a->flagged_mask & (1u << (w * Q_SIGNALS + g)))) continue;
            int n = snprintf(v->flagged_in + len, sizeof v->flagged_in - len, "%s%s%s",
                             first ? (len ? "; " : "") : ", ", first ? as__q_window_name[w] : "",
                             first ? ": " : "");
            if (n > 0 && (size_t)n < sizeof v->flagged_in - len) len += (size_t)n;
            n = snprintf(v->flagged_in + len, sizeof v->flagged_in - len, "%s", as__q_signal_name[g]);
            if (n > 0 && (size_t)n < sizeof v->flagged_in - len) len += (size_t)n;
            first = 0;
        }
    }
    as__q_top_reasons(a, v->reasons, sizeof v->reasons);
    date_text(a->onset, v->onset, sizeof v->onset);
    int c = as__q_example_class(a);
    v->example[0] = c >= 0 ? a->example[c][0].text : NULL;
    v->example[1] = c >= 0 ? a->example[c][1].text : NULL;
}

/* ---- tables -------------------------------------------------------------------------------------------- */

static const char k_tables_sql[] =
    "DROP TABLE IF EXISTS quality; DROP TABLE IF EXISTS quality_units; DROP TABLE IF EXISTS alerts;"
    " DROP TABLE IF EXISTS alert_reasons;"
    " CREATE TABLE quality_units(kind TEXT NOT NULL, unit_id TEXT NOT NULL, name TEXT, category TEXT,"
    " window TEXT NOT NULL, signal TEXT NOT NULL, sales INTEGER NOT NULL, cases INTEGER NOT NULL, rate REAL,"
    " baseline REAL, shrunk_rate REAL, credible_low REAL, credible_high REAL, interval_low REAL, interval_high REAL,"
    " funnel95_low REAL, funnel95_high REAL, funnel998_low REAL, funnel998_high REAL, funnel_low REAL,"
    " funnel_high REAL, excess_returns REAL,"
    " flagged INTEGER NOT NULL, PRIMARY KEY(kind, unit_id, window, signal)) WITHOUT ROWID;"
    " CREATE TABLE alerts(rank INTEGER PRIMARY KEY, kind TEXT NOT NULL, unit_id TEXT NOT NULL, name TEXT,"
    " category TEXT, signal TEXT NOT NULL, window TEXT NOT NULL, flagged_in TEXT, sales INTEGER, cases INTEGER,"
    " rate REAL, baseline REAL, shrunk_rate REAL, credible_low REAL, credible_high REAL, interval_low REAL,"
    " interval_high REAL, funnel_high REAL, excess_returns REAL, sales_long INTEGER, cases_long INTEGER,"
    " rate_long REAL, baseline_long REAL, flagged_long INTEGER, onset INTEGER, onset_date TEXT, onset_signal TEXT,"
    " sales_before INTEGER, rate_before REAL, sales_after INTEGER, rate_after REAL, top_reasons TEXT,"
    " example_1 TEXT, example_2 TEXT);"
    " CREATE TABLE alert_reasons(rank INTEGER NOT NULL, reason_class TEXT NOT NULL, cases INTEGER NOT NULL,"
    " example_1 TEXT, example_2 TEXT, PRIMARY KEY(rank, reason_class)) WITHOUT ROWID;"
    " DROP TABLE IF EXISTS alert_weekly;"
    " CREATE TABLE alert_weekly(rank INTEGER NOT NULL, week INTEGER NOT NULL, week_start INTEGER NOT NULL,"
    " sales INTEGER NOT NULL, cases INTEGER NOT NULL, PRIMARY KEY(rank, week)) WITHOUT ROWID;";

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s) {
    if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, i);
}

static as_status step_row(as_db *db, sqlite3_stmt *st, const char *table, as_error *err) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return as__err(err, AS_ERR_DB, "%s: writing table %s: %s", db->path, table, sqlite3_errmsg(db->sql));
    return AS_OK;
}

static as_status write_units(as_db *db, const q_result *r, as_error *err) {
    sqlite3_stmt *st = NULL;
    as_status rc = as__db_prepare(db, "INSERT INTO quality_units VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                  &st, err);
    for (int kind = 0; kind < Q_KINDS && !rc; kind++)
        for (size_t i = 0; i < r->n_unit[kind] && !rc; i++) {
            const q_unit *u = &r->unit[kind][i];
            const char *cat = kind == Q_PRODUCT && u->category >= 0 ? r->unit[Q_CATEGORY][u->category].id : NULL;
            for (int w = 0; w < Q_WINDOWS && !rc; w++)
                for (int g = 0; g < Q_SIGNALS && !rc; g++) {
                    const q_figures *f = &u->fig[w][g];
                    if (f->n <= 0 || !(r->signals >> g & 1)) continue;
                    sqlite3_bind_text(st, 1, as__q_kind_name[kind], -1, SQLITE_STATIC);
                    sqlite3_bind_text(st, 2, u->id, -1, SQLITE_STATIC);
                    bind_text_or_null(st, 3, u->name);
                    bind_text_or_null(st, 4, cat);
                    sqlite3_bind_text(st, 5, as__q_window_name[w], -1, SQLITE_STATIC);
                    sqlite3_bind_text(st, 6, as__q_signal_name[g], -1, SQLITE_STATIC);
                    sqlite3_bind_int64(st, 7, f->n);
                    sqlite3_bind_int64(st, 8, f->k);
                    const double v[] = {f->rate, f->baseline, f->shrunk, f->cred_lo, f->cred_hi, f->ci_lo, f->ci_hi,
                                        f->f95_lo, f->f95_hi, f->f998_lo, f->f998_hi, f->flag_lo, f->flag_hi,
                                        f->excess};
                    for (int j = 0; j < 14; j++) sqlite3_bind_double(st, 9 + j, v[j]);
                    sqlite3_bind_int(st, 23, f->flagged);
                    rc = step_row(db, st, "quality_units", err);
                }
        }
    sqlite3_finalize(st);
    return rc;
}

static as_status write_alerts(as_db *db, const q_result *r, as_error *err) {
    sqlite3_stmt *st = NULL, *rs = NULL;
    as_status rc = as__db_prepare(db, "INSERT INTO alerts VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                                  "?,?,?,?,?,?,?,?)", &st, err);
    if (!rc) rc = as__db_prepare(db, "INSERT INTO alert_reasons VALUES(?,?,?,?,?)", &rs, err);
    sqlite3_stmt *ws = NULL;
    if (!rc) rc = as__db_prepare(db, "INSERT INTO alert_weekly VALUES(?,?,?,?,?)", &ws, err);
    for (size_t j = 0; j < r->n_alerts && !rc; j++) {
        const q_alert *a = &r->alerts[j];
        alert_view v;
        view_of(r, a, &v);
        int i = 1;
        sqlite3_bind_int64(st, i++, (sqlite3_int64)(j + 1));
        sqlite3_bind_text(st, i++, as__q_kind_name[a->kind], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, i++, v.u->id, -1, SQLITE_STATIC);
        bind_text_or_null(st, i++, v.u->name);
        bind_text_or_null(st, i++, v.category);
        sqlite3_bind_text(st, i++, as__q_signal_name[a->signal], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, i++, as__q_window_name[a->window], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, i++, v.flagged_in, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, i++, v.f->n);
        sqlite3_bind_int64(st, i++, v.f->k);
        const double d[] = {v.f->rate, v.f->baseline, v.f->shrunk, v.f->cred_lo, v.f->cred_hi, v.f->ci_lo,
                            v.f->ci_hi, v.f->flag_hi, v.f->excess};
        for (int k = 0; k < 9; k++) sqlite3_bind_double(st, i++, d[k]);
        sqlite3_bind_int64(st, i++, v.fl->n);
        sqlite3_bind_int64(st, i++, v.fl->k);
        sqlite3_bind_double(st, i++, v.fl->rate);
        sqlite3_bind_double(st, i++, v.fl->baseline);
        sqlite3_bind_int(st, i++, v.fl->flagged);
        if (a->onset) {
            sqlite3_bind_int64(st, i++, a->onset);
            sqlite3_bind_text(st, i++, v.onset, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, i++, as__q_signal_name[a->onset_signal], -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, i++, a->n_before);
            sqlite3_bind_double(st, i++, a->rate_before);
            sqlite3_bind_int64(st, i++, a->n_after);
            sqlite3_bind_double(st, i++, a->rate_after);
        } else {
            for (int k = 0; k < 7; k++) sqlite3_bind_null(st, i++);
        }
        bind_text_or_null(st, i++, v.reasons[0] ? v.reasons : NULL);
        bind_text_or_null(st, i++, v.example[0]);
        bind_text_or_null(st, i++, v.example[1]);
        rc = step_row(db, st, "alerts", err);
        for (int c = 0; c < Q_REASONS && !rc; c++) {
            if (!a->reasons[c]) continue;
            sqlite3_bind_int64(rs, 1, (sqlite3_int64)(j + 1));
            sqlite3_bind_text(rs, 2, as__q_reason_name(c), -1, SQLITE_STATIC);
            sqlite3_bind_int64(rs, 3, a->reasons[c]);
            bind_text_or_null(rs, 4, c < AS_REASON_N ? a->example[c][0].text : NULL);
            bind_text_or_null(rs, 5, c < AS_REASON_N ? a->example[c][1].text : NULL);
            rc = step_row(db, rs, "alert_reasons", err);
        }
        for (int w = 0; w < a->n_weeks && !rc; w++) {
            sqlite3_bind_int64(ws, 1, (sqlite3_int64)(j + 1));
            sqlite3_bind_int(ws, 2, w);
            sqlite3_bind_int64(ws, 3, r->as_of - (int64_t)(a->n_weeks - w) * 7 * 86400);
            sqlite3_bind_int(ws, 4, a->week_sales[w]);
            sqlite3_bind_int(ws, 5, a->week_cases[w]);
            rc = step_row(db, ws, "alert_weekly", err);
        }
    }
    sqlite3_finalize(st);
    sqlite3_finalize(rs);
    sqlite3_finalize(ws);
    return rc;
}

as_status as__q_write_tables(as_db *db, const q_result *r, as_error *err) {
    /* A savepoint nests inside a caller's transaction and is its own transaction otherwise. The tables are dropped
     * and created again (not just emptied) so an older layout — the first version's `quality` — never survives. */
    as_status rc = as__db_exec(db, "SAVEPOINT as_quality;", err);
    if (rc) return rc;
    rc = as__db_exec(db, k_tables_sql, err);
    if (!rc) rc = write_units(db, r, err);
    if (!rc) rc = write_alerts(db, r, err);
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)r->as_of);
    if (!rc) rc = as__db_meta_set(db, "quality_as_of", buf, err);
    snprintf(buf, sizeof buf, "%d", r->params->recent_days);
    if (!rc) rc = as__db_meta_set(db, "quality_recent_days", buf, err);
    snprintf(buf, sizeof buf, "%d", r->params->long_days);
    if (!rc) rc = as__db_meta_set(db, "quality_long_days", buf, err);
    if (!rc) return as__db_exec(db, "RELEASE as_quality;", err);
    as__db_exec(db, "ROLLBACK TO as_quality; RELEASE as_quality;", NULL);
    return rc;
}

/* ---- files --------------------------------------------------------------------------------------------- */

static const char k_alert_header[] =
    "rank,kind,unit_id,name,category,signal,window,flagged_in,sales,cases,rate,baseline,shrunk_rate,credible_low,"
    "credible_high,interval_low,interval_high,funnel_high,excess_returns,sales_long,cases_long,rate_long,"
    "baseline_long,flagged_long,onset_date,onset_signal,sales_before,rate_before,sales_after,rate_after,top_reasons,example_1,"
    "example_2\n";

as_status as__q_write_csv(const char *path, const q_result *r, as_error *err) {
    FILE *f = fopen(path, "wb");
    if (!f) return as__err(err, AS_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    fputs(k_alert_header, f);
    for (size_t j = 0; j < r->n_alerts; j++) {
        const q_alert *a = &r->alerts[j];
        alert_view v;
        view_of(r, a, &v);
        fprintf(f, "%zu", j + 1);
        csv_field(f, as__q_kind_name[a->kind]);
        csv_field(f, v.u->id);
        csv_field(f, v.u->name);
        csv_field(f, v.category);
        csv_field(f, as__q_signal_name[a->signal]);
        csv_field(f, as__q_window_name[a->window]);
        csv_field(f, v.flagged_in);
        csv_int(f, v.f->n);
        csv_int(f, v.f->k);
        const double d[] = {v.f->rate, v.f->baseline, v.f->shrunk, v.f->cred_lo, v.f->cred_hi, v.f->ci_lo,
                            v.f->ci_hi, v.f->flag_hi, v.f->excess};
        for (int k = 0; k < 9; k++) csv_num(f, d[k]);
        csv_int(f, v.fl->n);
        csv_int(f, v.fl->k);
        csv_num(f, v.fl->rate);
        csv_num(f, v.fl->baseline);
        csv_int(f, v.fl->flagged);
        csv_field(f, v.onset);
        csv_field(f, a->onset ? as__q_signal_name[a->onset_signal] : NULL);
        if (a->onset) {
            csv_int(f, a->n_before);
            csv_num(f, a->rate_before);
            csv_int(f, a->n_after);
            csv_num(f, a->rate_after);
        } else {
            fputs(",,,,", f);
        }
        csv_field(f, v.reasons);
        csv_field(f, v.example[0]);
        csv_field(f, v.example[1]);
        fputc('\n', f);
    }
    return close_file(f, path, err);
}

as_status as__q_write_units_csv(const char *path, const q_result *r, as_error *err) {
    FILE *f = fopen(path, "wb");
    if (!f) return as__err(err, AS_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    fputs("kind,unit_id,name,category,window,signal,sales,cases,rate,baseline,shrunk_rate,credible_low,"
          "credible_high,interval_low,interval_high,funnel95_low,funnel95_high,funnel998_low,funnel998_high,"
          "funnel_low,funnel_high,"
          "excess_returns,flagged\n", f);
    for (int kind = 0; kind < Q_KINDS; kind++)
        for (size_t i = 0; i < r->n_unit[kind]; i++) {
            const q_unit *u = &r->unit[kind][i];
            const char *cat = kind == Q_PRODUCT && u->category >= 0 ? r->unit[Q_CATEGORY][u->category].id : NULL;
            for (int w = 0; w < Q_WINDOWS; w++)
                for (int g = 0; g < Q_SIGNALS; g++) {
                    const q_figures *x = &u->fig[w][g];
                    if (x->n <= 0 || !(r->signals >> g & 1)) continue;
                    fputs(as__q_kind_name[kind], f);
                    csv_field(f, u->id);
                    csv_field(f, u->name);
                    csv_field(f, cat);
                    csv_field(f, as__q_window_name[w]);
                    csv_field(f, as__q_signal_name[g]);
                    csv_int(f, x->n);
                    csv_int(f, x->k);
                    const double d[] = {x->rate, x->baseline, x->shrunk, x->cred_lo, x->cred_hi, x->ci_lo, x->ci_hi,
                                        x->f95_lo, x->f95_hi, x->f998_lo, x->f998_hi, x->flag_lo, x->flag_hi,
                                        x->excess};
                    for (int k = 0; k < 14; k++) csv_num(f, d[k]);
                    csv_int(f, x->flagged);
                    fputc('\n', f);
                }
        }
    return close_file(f, path, err);
}

/* name: [lo, hi] */
static void add_pair(cJSON *o, const char *name, double lo, double hi) {
    cJSON *a = cJSON_AddArrayToObject(o, name);
    cJSON_AddItemToArray(a, cJSON_CreateNumber(lo));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(hi));
}

static cJSON *figures_json(const q_figures *x) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "sales", (double)x->n);
    cJSON_AddNumberToObject(o, "cases", (double)x->k);
    cJSON_AddNumberToObject(o, "rate", x->rate);
    cJSON_AddNumberToObject(o, "baseline", x->baseline);
    cJSON_AddNumberToObject(o, "shrunk_rate", x->shrunk);
    add_pair(o, "credible_interval", x->cred_lo, x->cred_hi);
    add_pair(o, "interval", x->ci_lo, x->ci_hi);
    add_pair(o, "funnel_95", x->f95_lo, x->f95_hi);
    add_pair(o, "funnel_998", x->f998_lo, x->f998_hi);
    add_pair(o, "funnel_flag", x->flag_lo, x->flag_hi);
    cJSON_AddNumberToObject(o, "excess_returns", x->excess);
    cJSON_AddBoolToObject(o, "flagged", x->flagged);
    return o;
}

static const char *k_interval_names[] = {"wilson", "jeffreys", "exact"};

as_status as__q_write_json(const char *path, const q_result *r, as_error *err) {
    cJSON *root = cJSON_CreateObject();
    if (!root) return as__err(err, AS_ERR_NOMEM, "out of memory writing %s", path);
    char date[16];
    date_text(r->as_of, date, sizeof date);
    cJSON_AddStringToObject(root, "as_of", date);
    cJSON *p = cJSON_AddObjectToObject(root, "parameters");
    cJSON_AddNumberToObject(p, "recent_days", r->params->recent_days);
    cJSON_AddNumberToObject(p, "long_days", r->params->long_days);
    cJSON_AddNumberToObject(p, "min_sales", (double)r->params->min_sales);
    cJSON_AddNumberToObject(p, "min_cases", (double)r->params->min_cases);
    cJSON_AddNumberToObject(p, "credible", r->params->credible);
    cJSON_AddNumberToObject(p, "funnel", r->params->funnel);
    cJSON_AddStringToObject(p, "interval", k_interval_names[r->params->interval]);
    cJSON_AddNumberToObject(p, "min_category_products", r->params->min_category_products);
    cJSON_AddNumberToObject(root, "overall_rate", r->overall_rate);
    cJSON *arr = cJSON_AddArrayToObject(root, "alerts");
    for (size_t j = 0; j < r->n_alerts; j++) {
        const q_alert *a = &r->alerts[j];
        alert_view v;
        view_of(r, a, &v);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        cJSON_AddNumberToObject(o, "rank", (double)(j + 1));
        cJSON_AddStringToObject(o, "kind", as__q_kind_name[a->kind]);
        cJSON_AddStringToObject(o, "unit_id", v.u->id);
        if (v.u->name) cJSON_AddStringToObject(o, "name", v.u->name);
        if (v.category) cJSON_AddStringToObject(o, "category", v.category);
        cJSON_AddStringToObject(o, "signal", as__q_signal_name[a->signal]);
        cJSON_AddStringToObject(o, "window", as__q_window_name[a->window]);
        cJSON_AddStringToObject(o, "flagged_in", v.flagged_in);
        cJSON_AddItemToObject(o, as__q_window_name[a->window], figures_json(v.f));
        if (a->window != Q_LONG) cJSON_AddItemToObject(o, "long", figures_json(v.fl));
        if (a->onset) {
            cJSON *on = cJSON_AddObjectToObject(o, "onset");
            cJSON_AddStringToObject(on, "date", v.onset);
            cJSON_AddStringToObject(on, "signal", as__q_signal_name[a->onset_signal]);
            cJSON_AddNumberToObject(on, "sales_before", (double)a->n_before);
            cJSON_AddNumberToObject(on, "rate_before", a->rate_before);
            cJSON_AddNumberToObject(on, "sales_after", (double)a->n_after);
            cJSON_AddNumberToObject(on, "rate_after", a->rate_after);
        } else {
            cJSON_AddNullToObject(o, "onset");
        }
        cJSON *rs = cJSON_AddArrayToObject(o, "reasons");
        int used[Q_REASONS] = {0};
        for (;;) {
            int best = -1;
            for (int c = 0; c < Q_REASONS; c++)
                if (!used[c] && a->reasons[c] > 0 && (best < 0 || a->reasons[c] > a->reasons[best])) best = c;
            if (best < 0) break;
            used[best] = 1;
            cJSON *x = cJSON_CreateObject();
            cJSON_AddItemToArray(rs, x);
            cJSON_AddStringToObject(x, "class", as__q_reason_name(best));
            cJSON_AddNumberToObject(x, "cases", (double)a->reasons[best]);
            cJSON *ex = cJSON_AddArrayToObject(x, "examples");
            for (int e = 0; e < 2 && best < AS_REASON_N; e++)
                if (a->example[best][e].text) cJSON_AddItemToArray(ex, cJSON_CreateString(a->example[best][e].text));
        }
        cJSON *ex = cJSON_AddArrayToObject(o, "examples");
        for (int e = 0; e < 2; e++)
            if (v.example[e]) cJSON_AddItemToArray(ex, cJSON_CreateString(v.example[e]));
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return as__err(err, AS_ERR_NOMEM, "out of memory writing %s", path);
    FILE *f = fopen(path, "wb");
    if (!f) {
        cJSON_free(text);
        return as__err(err, AS_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    }
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    return close_file(f, path, err);
}
