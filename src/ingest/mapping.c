/*
 * Mapping files: the loader. Reads each [source] once, in table order (customers, products, orders, order
 * lines, cases, reviews), turns each record into canonical rows with prepared statements, and sends what it
 * cannot load to rejects with the field, value and expected form. docs/mapping.md is the reference.
 */
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/mapping.h"
#include "quality/reasons.h"

/* Column lists of the statements, in parameter order (?1 … ?n). X_* are values the loader computes. */
enum { X_SOURCE = -1, X_SOURCE_LINE = -2, X_REASON_CLASS = -3, X_CODE = -4, X_AT = -5, X_NONE = -100 };
typedef struct colspec { const char *name; int field; int nodiff; } colspec;

static const colspec orders_cols[] = {{"order_id", F_ORDER_ID, 0}, {"customer_id", F_CUSTOMER_ID, 0},
    {"ordered_at", F_ORDERED_AT, 0}, {"channel", F_CHANNEL, 0}, {"country", F_COUNTRY, 0}, {"payment", F_PAYMENT, 0},
    {"promised_at", F_PROMISED_AT, 0}, {"delivered_at", F_DELIVERED_AT, 0}, {"carrier", F_CARRIER, 0},
    {"status", F_STATUS, 0}, {NULL, X_NONE, 0}};
static const colspec lines_cols[] = {{"order_id", F_ORDER_ID, 0}, {"line_no", F_LINE_NO, 0},
    {"product_id", F_PRODUCT_ID, 0}, {"quantity", F_QUANTITY, 0}, {"unit_price", F_UNIT_PRICE, 0},
    {"discount", F_DISCOUNT, 0}, {"seller_id", F_SELLER_ID, 0}, {"freight", F_FREIGHT, 0},
    {"source", X_SOURCE, 1}, {"source_line", X_SOURCE_LINE, 1}, {NULL, X_NONE, 0}};
static const colspec products_cols[] = {{"product_id", F_PRODUCT_ID, 0}, {"description", F_DESCRIPTION, 0},
    {"category", F_CATEGORY, 0}, {"supplier", F_SUPPLIER, 0}, {"list_price", F_LIST_PRICE, 0}, {NULL, X_NONE, 0}};
static const colspec customers_cols[] = {{"customer_id", F_CUSTOMER_ID, 0}, {"country", F_COUNTRY, 0},
    {"first_seen", F_FIRST_SEEN, 0}, {NULL, X_NONE, 0}};
static const colspec cases_cols[] = {{"case_id", F_CASE_ID, 0}, {"order_id", F_ORDER_ID, 0},
    {"customer_id", F_CUSTOMER_ID, 0}, {"product_id", F_PRODUCT_ID, 0}, {"kind", F_KIND, 0}, {"reason", F_REASON, 0},
    {"opened_at", F_OPENED_AT, 0}, {"quantity", F_QUANTITY, 0}, {"amount", F_AMOUNT, 0}, {"source", X_SOURCE, 1},
    {"source_line", X_SOURCE_LINE, 1}, {"reason_class", X_REASON_CLASS, 1}, {NULL, X_NONE, 0}};
static const colspec charges_cols[] = {{"order_id", F_ORDER_ID, 0}, {"line_no", F_LINE_NO, 0}, {"code", X_CODE, 0},
    {"description", F_DESCRIPTION, 0}, {"quantity", F_QUANTITY, 0}, {"amount", F_AMOUNT, 0}, {"at", X_AT, 0},
    {NULL, X_NONE, 0}};
enum { CASE_ID, CASE_ORDER, CASE_CUSTOMER, CASE_PRODUCT, CASE_KIND, CASE_REASON, CASE_OPENED, CASE_QTY, CASE_AMOUNT,
       CASE_SOURCE, CASE_SOURCE_LINE, CASE_CLASS, CASE_N };
enum { CH_ORDER, CH_LINE, CH_CODE, CH_DESC, CH_QTY, CH_AMOUNT, CH_AT, CH_N };

#define MAX_COLS 12

/* One value bound to a statement parameter. */
typedef struct cell { int type; const char *p; size_t n; int64_t i; double d; } cell;   /* type: 0 NULL, 1 text, 2 int, 3 real */

typedef struct upsert { sqlite3_stmt *ins, *upd; int ncols; } upsert;

/* The value of one canonical field in the current record. */
typedef struct fval { int present; const char *p; size_t n; int64_t i; double d; } fval;

typedef struct src_run {
    as_ingest_ctx *cx;
    as_mapping *m;
    map_source *s;
    int mt;
    const char *data_path;
    size_t nf;
    const char *header_names[1024];
    size_t header_lens[1024];
    unsigned char *pii_mask;     /* per header field: as_pii_action for rejects (0 = not personal) */
    const char *pii_domain[1024]; /* per header field: pseudonym domain for rejects */
    unsigned char *pii_act;      /* per header field: as_pii_action */
    upsert main, order, cases, charge;
    sqlite3_stmt *ins_product;   /* products met on purchase lines: first one per file, holes filled */
    sqlite3_stmt *ins_review, *upd_review;
    as_strmap line_no, orders_done, products_done, reviews;
    fval v[F_N];
    as_buf buf[F_N];
    as_buf tmp;
} src_run;

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- statements ---- */

static as_status build_upsert(as_db *db, const char *table, const colspec *cols, unsigned long include, int n_key,
                              int count_update, upsert *u, as_error *err) {
    as_buf ins, upd, diff;
    as__buf_init(&ins, 0);
    as__buf_init(&upd, 0);
    as__buf_init(&diff, 0);
    as__buf_printf(&ins, "INSERT OR IGNORE INTO %s(", table);
    as__buf_printf(&upd, "UPDATE %s SET ", table);
    int first = 1, n_set = 0, n_diff = 0;
    u->ncols = 0;
    for (int c = 0; cols[c].name; c++, u->ncols++) {
        if (c >= n_key && !(include & (1ul << c))) continue;
        as__buf_printf(&ins, "%s%s", first ? "" : ",", cols[c].name);
        first = 0;
        if (c < n_key) continue;
        as__buf_printf(&upd, "%s%s = ?%d", n_set++ ? ", " : "", cols[c].name, c + 1);
        if (!cols[c].nodiff) as__buf_printf(&diff, "%s%s IS NOT ?%d", n_diff++ ? " OR " : "", cols[c].name, c + 1);
    }
    as__buf_printf(&ins, ") VALUES(");
    first = 1;
    for (int c = 0; cols[c].name; c++) {
        if (c >= n_key && !(include & (1ul << c))) continue;
        as__buf_printf(&ins, "%s?%d", first ? "" : ",", c + 1);
        first = 0;
    }
    as__buf_printf(&ins, ")");
    as__buf_printf(&upd, " WHERE ");
    for (int c = 0; c < n_key; c++) as__buf_printf(&upd, "%s%s = ?%d", c ? " AND " : "", cols[c].name, c + 1);
    as__buf_printf(&upd, " AND (");
    if (diff.len) as__buf_append(&upd, diff.data, diff.len);
    as__buf_printf(&upd, ")");
    as_status st = AS_OK;
    if (as__buf_cstr(&ins) || as__buf_cstr(&upd)) st = as__err(err, AS_ERR_NOMEM, "out of memory");
    if (!st) st = as__db_prepare(db, ins.data, &u->ins, err);
    if (!st && n_diff && count_update >= 0) st = as__db_prepare(db, upd.data, &u->upd, err);
    as__buf_free(&ins);
    as__buf_free(&upd);
    as__buf_free(&diff);
    return st;
}

static void bind_cells(sqlite3_stmt *q, const cell *row, int n) {
    if (!q) return;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    int max = sqlite3_bind_parameter_count(q);
    for (int c = 0; c < n && c < max; c++) {
        const cell *x = &row[c];
        if (x->type == 1) sqlite3_bind_text(q, c + 1, x->p, (int)x->n, SQLITE_TRANSIENT);
        else if (x->type == 2) sqlite3_bind_int64(q, c + 1, x->i);
        else if (x->type == 3) sqlite3_bind_double(q, c + 1, x->d);
    }
}

/* The record's value of a canonical field as a cell. */
static cell field_cell(const src_run *sr, int f) {
    cell c = {0};
    const fval *v = &sr->v[f];
    if (!v->present) return c;
    switch (as__map_fields[f].type) {
    case MF_TEXT: c.type = 1; c.p = v->p; c.n = v->n; break;
    case MF_INT: case MF_TIME: c.type = 2; c.i = v->i; break;
    case MF_REAL: c.type = 3; c.d = v->d; break;
    }
    return c;
}

static void fill_row(const src_run *sr, const colspec *cols, int64_t line, cell *row) {
    for (int c = 0; cols[c].name; c++) {
        cell x = {0};
        if (cols[c].field >= 0) x = field_cell(sr, cols[c].field);
        else if (cols[c].field == X_SOURCE) { x.type = 1; x.p = sr->cx->source; x.n = strlen(sr->cx->source); }
        else if (cols[c].field == X_SOURCE_LINE) { x.type = 2; x.i = line; }
        row[c] = x;
    }
}

/* A row that is not the record's own (an order derived from a line, a case added by a rule): inserted or
 * updated, never counted as a loaded record. Returns 1 in *inserted when new. */
static as_status step_secondary(as_ingest_ctx *cx, upsert *u, const cell *row, int *inserted, as_error *err) {
    sqlite3 *sql = cx->db->sql;
    bind_cells(u->ins, row, u->ncols);
    *inserted = 0;
    if (sqlite3_step(u->ins) != SQLITE_DONE) return as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(sql));
    *inserted = sqlite3_changes(sql) > 0;
    sqlite3_reset(u->ins);
    if (!*inserted && u->upd) {
        bind_cells(u->upd, row, u->ncols);
        if (sqlite3_step(u->upd) != SQLITE_DONE) return as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(sql));
        sqlite3_reset(u->upd);
    }
    return AS_OK;
}

static as_status step_main(as_ingest_ctx *cx, upsert *u, const cell *row, int64_t *counter, as_error *err) {
    bind_cells(u->ins, row, u->ncols);
    bind_cells(u->upd, row, u->ncols);
    return as__ingest_upsert(cx, u->ins, u->upd, counter, err);
}

/* ---- values ---- */

static int token_is(const char *p, size_t n, const char *t) { return strlen(t) == n && memcmp(p, t, n) == 0; }

static int missing(const src_run *sr, const char *p, size_t n) {
    if (n == 0) return 1;
    as_csv_field f = {p, n, 0};
    if (as__ingest_is_missing(sr->cx, &f)) return 1;
    for (int i = 0; i < sr->s->n_na; i++) if (token_is(p, n, sr->s->na[i])) return 1;
    for (int i = 0; i < sr->m->n_na; i++) if (token_is(p, n, sr->m->na[i])) return 1;
    return 0;
}

static void trim(const char **p, size_t *n) {
    while (*n && ((*p)[0] == ' ' || (*p)[0] == '\t')) { (*p)++; (*n)--; }
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t')) (*n)--;
}

/* A source column's trimmed text; *n = 0 when missing. */
static const char *col_text(const src_run *sr, const as_csv_field *f, int idx, size_t *n) {
    const char *p = f[idx].p;
    *n = f[idx].n;
    trim(&p, n);
    if (missing(sr, p, *n)) *n = 0;
    return p;
}

/* Why a number did not parse (NUM_OK when it did). */
enum { NUM_OK, NUM_BAD, NUM_WRONG_SEP, NUM_AMBIGUOUS };

/* Number with the source's decimal separator. The other separator is accepted as a thousands separator only
 * where it cannot be a decimal separator: groups of exactly three digits after a first group of one to three,
 * and either a decimal part follows ("1.045,00" with decimal comma, "1,045.00" with decimal point) or there are
 * two groups or more ("1.234.567"). A lone "1.045" with decimal comma could be 1045 or a decimal written with the
 * wrong separator: NUM_AMBIGUOUS. Returns 1 on success; else 0 with *why set. docs/mapping.md, "Numbers". */
static int parse_number(char decimal, const char *p, size_t n, double *out, int *why) {
    *why = NUM_OK;
    char other = decimal == ',' ? '.' : ',';
    char b[64];
    if (n >= sizeof b) { *why = NUM_BAD; return 0; }
    size_t m = 0;
    if (memchr(p, other, n)) {
        size_t i = 0, groups = 0, first = 0;
        if (i < n && (p[i] == '-' || p[i] == '+')) b[m++] = p[i++];
        while (i < n && p[i] >= '0' && p[i] <= '9') { b[m++] = p[i++]; first++; }
        int ok = first >= 1 && first <= 3;
        while (ok && i < n && p[i] == other) {
            i++;
            size_t d = 0;
            while (i < n && p[i] >= '0' && p[i] <= '9' && d < 4) { b[m++] = p[i++]; d++; }
            ok = d == 3;
            groups++;
        }
        int decimal_follows = i < n && p[i] == decimal;
        if (!ok) { *why = NUM_WRONG_SEP; return 0; }
        if (i < n && !decimal_follows) { *why = NUM_BAD; return 0; }
        if (i == n && groups == 1) { *why = NUM_AMBIGUOUS; return 0; }
        for (; i < n; i++) b[m++] = p[i] == other ? '\x01' : p[i];   /* a second "other" after the decimal: bad */
    } else {
        memcpy(b, p, n);
        m = n;
    }
    for (size_t i = 0; i < m; i++) if (b[i] == decimal) b[i] = '.';
    if (!as__parse_double(b, m, out)) { *why = NUM_BAD; return 0; }
    return 1;
}

static int parse_when(const map_source *s, const char *p, size_t n, int64_t *out) {
    if (s->n_formats == 0) return as__mapping_parse_time(p, n, "iso", out);
    for (int i = 0; i < s->n_formats; i++)
        if (as__mapping_parse_time(p, n, s->formats[i], out)) return 1;
    return 0;
}

static void formats_text(const map_source *s, char *buf, size_t size) {
    buf[0] = '\0';
    if (!s->n_formats) { snprintf(buf, size, "iso"); return; }
    for (int i = 0; i < s->n_formats; i++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? " | " : "", s->formats[i]);
}

/* The words for a number that did not parse. */
static const char *number_why(char decimal, int why, const char *otherwise) {
    if (why == NUM_WRONG_SEP)
        return decimal == ',' ? "uses the wrong decimal separator ('.' where the mapping says decimal = ,; a '.' "
                                "counts as a thousands separator only between groups of three digits)"
                              : "uses the wrong decimal separator (',' where the mapping says decimal = .; a ',' "
                                "counts as a thousands separator only between groups of three digits)";
    if (why == NUM_AMBIGUOUS)
        return decimal == ',' ? "could be a thousands separator or a decimal point (one '.' before three digits and "
                                "no decimal comma); write the number without thousands separators"
                              : "could be a thousands separator or a decimal comma (one ',' before three digits and "
                                "no decimal point); write the number without thousands separators";
    return otherwise;
}

typedef struct bad_value { int field; const char *why; const char *key; } bad_value;

/* Computes every mapped field of the record into sr->v. On a value that does not convert, fills *bad and
 * returns AS_OK (the caller rejects the record); errors other than bad data are returned. */
static as_status compute_fields(src_run *sr, const as_csv_field *f, bad_value *bad, as_error *err) {
    const map_source *s = sr->s;
    bad->field = -1;
    for (int k = 0; k < F_N; k++) {
        fval *v = &sr->v[k];
        const map_value *mv = &s->fields[k];
        memset(v, 0, sizeof *v);
        if (!mv->set) continue;
        const char *p;
        size_t n;
        int personal = 0, dropped = 0;
        if (mv->constant) {
            p = mv->constant;
            n = strlen(p);
        } else if (mv->ncols == 1) {
            p = col_text(sr, f, mv->idx[0], &n);
            personal = sr->pii_act[mv->idx[0]];
        } else {
            as_buf *b = &sr->buf[k];
            as__buf_clear(b);
            for (int c = 0; c < mv->ncols; c++) {
                size_t pn;
                const char *pp = col_text(sr, f, mv->idx[c], &pn);
                if (sr->pii_act[mv->idx[c]] > personal) personal = sr->pii_act[mv->idx[c]];
                if (!pn) continue;
                if ((b->len && as__buf_putc(b, ' ')) || as__buf_append(b, pp, pn)) return as__err(err, AS_ERR_NOMEM, "out of memory");
            }
            p = b->data ? b->data : "";
            n = b->len;
        }
        if (personal == AS_PII_DROP) { dropped = 1; n = 0; }
        if (!n || dropped) continue;
        if (mv->lookup >= 0) {
            const map_lookup *lk = &sr->m->lk[mv->lookup];
            if (lk->loaded) {
                int64_t *ix = as__strmap_get(&lk->map, p, n);
                if (ix) { p = lk->vals[*ix]; n = strlen(p); }
            }
        }
        if (personal == AS_PII_PSEUDONYMIZE) {
            as_buf *b = &sr->buf[k];
            char ps[AS_PII_PSEUDONYM_LEN + 1];
            as_status st = as__ingest_pseudonym(sr->cx, as__map_fields[k].name, p, n, ps, err);
            if (st) return st;
            as__buf_clear(b);
            if (as__buf_append(b, ps, strlen(ps)) || as__buf_cstr(b)) return as__err(err, AS_ERR_NOMEM, "out of memory");
            p = b->data;
            n = b->len;
        } else if (as__map_fields[k].free_text) {
            const char *o;
            size_t on;
            as_status st = as__ingest_scrub(sr->cx, p, n, &o, &on, err);
            if (st) return st;
            if (o != p) {   /* the scrubbed text lives in cx->scratch until the next scrub: keep a copy */
                as_buf *b = &sr->buf[k];
                as__buf_clear(b);
                if (as__buf_append(b, o, on) || as__buf_cstr(b)) return as__err(err, AS_ERR_NOMEM, "out of memory");
                o = b->data;
            }
            p = o;
            n = on;
        }
        v->p = p;
        v->n = n;
        int ok = 1, why = NUM_OK;
        switch (as__map_fields[k].type) {
        case MF_TEXT: break;
        case MF_INT: {
            double d;
            ok = parse_number(s->decimal, p, n, &d, &why) && d == floor(d) && fabs(d) < 9e15;
            if (ok) v->i = (int64_t)d;
            if (!ok) bad->why = number_why(s->decimal, why, "is not a whole number");
            break;
        }
        case MF_REAL: {
            ok = parse_number(s->decimal, p, n, &v->d, &why);
            if (!ok) bad->why = number_why(s->decimal, why, "is not a number");
            else {
                double lim = (k == F_QUANTITY || k == F_UNIT_PRICE) ? 1e7 : 1e12;
                if (fabs(v->d) > lim) { ok = 0; bad->why = lim == 1e7 ? "is out of range (at most 1e7 in size)" : "is out of range (at most 1e12 in size)"; }
            }
            break;
        }
        case MF_TIME:
            ok = parse_when(s, p, n, &v->i);
            if (!ok) bad->why = "is not a date in the mapping's format";
            break;
        }
        if (!ok) {
            bad->field = k;
            bad->key = why == NUM_WRONG_SEP ? "wrong decimal separator" : why == NUM_AMBIGUOUS ? "ambiguous separator"
                     : as__map_fields[k].type == MF_TIME ? "date does not parse"
                     : strstr(bad->why, "range") ? "out of range" : "not a number";
            return AS_OK;
        }
        v->present = 1;
    }
    return AS_OK;
}

static as_status reject_bad(src_run *sr, const as_csv_field *f, const bad_value *bad, int64_t line, const char *raw,
                            size_t raw_n, as_error *err) {
    const map_value *mv = &sr->s->fields[bad->field];
    char key[96], detail[700], fmts[200] = "";
    const char *fname = as__map_fields[bad->field].name;
    snprintf(key, sizeof key, "%s: %s", fname, bad->key);
    const char *col = mv->constant ? "(constant)" : mv->cols[0];
    size_t n = 0;
    const char *p = mv->constant ? mv->constant : col_text(sr, f, mv->idx[0], &n);
    if (mv->constant) n = strlen(p);
    int personal = !mv->constant && sr->pii_act[mv->idx[0]];
    if (as__map_fields[bad->field].type == MF_TIME) formats_text(sr->s, fmts, sizeof fmts);
    snprintf(detail, sizeof detail, "%s:%lld: field %s (column %s) = '%.*s' %s%s%s%s; fix the value or the mapping "
             "(%s line %d)", sr->cx->source, (long long)line, fname, col, personal ? 9 : (int)(n > 80 ? 80 : n),
             personal ? "(personal)" : p, bad->why, fmts[0] ? " (expected " : "", fmts, fmts[0] ? ")" : "",
             base_name(sr->m->path), mv->line);
    if (as__map_fields[bad->field].type == MF_REAL && sr->s->decimal == ',')
        snprintf(detail + strlen(detail), sizeof detail - strlen(detail), "; decimals are written with a comma here");
    return as__ingest_reject(sr->cx, line, key, detail, raw, raw_n, err);
}

static as_status reject_missing(src_run *sr, const char *table, int field, int64_t line, const char *raw, size_t raw_n,
                                as_error *err) {
    char key[96], detail[512];
    snprintf(key, sizeof key, "%s: %s is empty", table, as__map_fields[field].name);
    const map_value *mv = &sr->s->fields[field];
    snprintf(detail, sizeof detail, "%s:%lld: %s needs %s (column %s), which is empty in this record", sr->cx->source,
             (long long)line, table, as__map_fields[field].name, mv->constant ? "(constant)" : mv->cols[0]);
    return as__ingest_reject(sr->cx, line, key, detail, raw, raw_n, err);
}

/* ---- rules ---- */

static int rule_matches(const src_run *sr, const map_rule *r, const as_csv_field *f) {
    size_t n;
    const char *p = col_text(sr, f, r->idx, &n);
    switch (r->op) {
    case OP_EMPTY: return n == 0;
    case OP_IN: case OP_NOT_IN: {
        int hit = 0;
        for (size_t i = 0; i < r->n_values && !hit; i++) hit = r->value_n[i] == n && memcmp(r->values[i], p, n) == 0;
        return r->op == OP_IN ? hit : !hit;
    }
    case OP_STARTS:
        for (size_t i = 0; i < r->n_values; i++)
            if (r->value_n[i] <= n && memcmp(r->values[i], p, r->value_n[i]) == 0) return 1;
        return 0;
    default: {
        double d;
        int why;
        if (!n || !parse_number(sr->s->decimal, p, n, &d, &why)) return 0;
        switch (r->op) {
        case OP_LT: return d < r->number;
        case OP_LE: return d <= r->number;
        case OP_GT: return d > r->number;
        case OP_GE: return d >= r->number;
        case OP_EQ: return d == r->number;
        default: return d != r->number;
        }
    }
    }
}

static const map_rule *first_rule(const src_run *sr, const as_csv_field *f) {
    for (int i = 0; i < sr->s->n_rules; i++)
        if (rule_matches(sr, &sr->s->rules[i], f)) return &sr->s->rules[i];
    return NULL;
}

static as_status reject_rule(src_run *sr, const map_rule *r, const as_csv_field *f, int64_t line, const char *raw,
                             size_t raw_n, as_error *err) {
    char detail[512];
    size_t n;
    const char *p = col_text(sr, f, r->idx, &n);
    int personal = sr->pii_act[r->idx];
    snprintf(detail, sizeof detail, "%s:%lld: %s (%s = '%.*s'; rule on %s line %d)", sr->cx->source, (long long)line,
             r->reason, r->column, personal ? 10 : (int)(n > 80 ? 80 : n), personal ? "(personal)" : p,
             base_name(sr->m->path), r->line);
    return as__ingest_reject(sr->cx, line, r->reason, detail, raw, raw_n, err);
}

static void set_text(cell *c, const char *p, size_t n) { c->type = 1; c->p = p; c->n = n; }

static void set_reason(cell *row, const fval *reason) {
    if (reason->present) {
        set_text(&row[CASE_REASON], reason->p, reason->n);
        set_text(&row[CASE_CLASS], as__reason_class_name(as__reason_classify(reason->p, reason->n, NULL)), 0);
        row[CASE_CLASS].n = strlen(row[CASE_CLASS].p);
    }
}

static as_status add_case(src_run *sr, cell *row, as_error *err) {
    int inserted;
    as_status st = step_secondary(sr->cx, &sr->cases, row, &inserted, err);
    if (!st && inserted) sr->cx->stats->cases++;
    return st;
}

/* ---- records, by the table they belong to ---- */

static int kind_ok(const char *p, size_t n) {
    static const char *const k[] = {"return", "exchange", "repair", "refund", "complaint", "cancel"};
    for (size_t i = 0; i < 6; i++) if (token_is(p, n, k[i])) return 1;
    return 0;
}

static as_status line_record(src_run *sr, const as_csv_field *f, int64_t line, const char *raw, size_t raw_n,
                             as_error *err) {
    as_ingest_ctx *cx = sr->cx;
    fval *v = sr->v;
    as_status st;
    if (!sr->s->fields[F_LINE_NO].set) {
        /* the record's position in its order, over every valid record, so numbers stay stable whatever the rules */
        int64_t *ln = as__strmap_upsert(&sr->line_no, v[F_ORDER_ID].p, v[F_ORDER_ID].n, 0, NULL);
        if (!ln) return as__err(err, AS_ERR_NOMEM, "out of memory");
        v[F_LINE_NO].i = ++*ln;
        v[F_LINE_NO].present = 1;
    }
    const map_rule *r = first_rule(sr, f);
    double price = v[F_UNIT_PRICE].present ? v[F_UNIT_PRICE].d : NAN;
    if (r && r->kind == MR_REJECT) return reject_rule(sr, r, f, line, raw, raw_n, err);
    if (r && r->kind == MR_CHARGE) {
        cell row[CH_N] = {{0}};
        row[CH_ORDER] = field_cell(sr, F_ORDER_ID);
        row[CH_LINE] = field_cell(sr, F_LINE_NO);
        row[CH_CODE] = field_cell(sr, F_PRODUCT_ID);
        row[CH_DESC] = field_cell(sr, F_DESCRIPTION);
        row[CH_QTY] = field_cell(sr, F_QUANTITY);
        if (sr->s->fields[F_AMOUNT].set) row[CH_AMOUNT] = field_cell(sr, F_AMOUNT);
        else if (!isnan(price)) { row[CH_AMOUNT].type = 3; row[CH_AMOUNT].d = v[F_QUANTITY].d * price; }
        row[CH_AT] = field_cell(sr, F_ORDERED_AT);
        return step_main(cx, &sr->charge, row, &cx->stats->charges, err);
    }
    if (r && r->kind == MR_CASE) {
        cell row[CASE_N] = {{0}};
        char id[200];
        if (v[F_CASE_ID].present) row[CASE_ID] = field_cell(sr, F_CASE_ID);
        else {
            snprintf(id, sizeof id, "%.*s/%lld", (int)(v[F_ORDER_ID].n > 160 ? 160 : v[F_ORDER_ID].n), v[F_ORDER_ID].p,
                     (long long)v[F_LINE_NO].i);
            set_text(&row[CASE_ID], id, strlen(id));
        }
        if (!r->without_order) row[CASE_ORDER] = field_cell(sr, F_ORDER_ID);
        row[CASE_CUSTOMER] = field_cell(sr, F_CUSTOMER_ID);
        row[CASE_PRODUCT] = field_cell(sr, F_PRODUCT_ID);
        set_text(&row[CASE_KIND], r->case_kind, strlen(r->case_kind));
        set_reason(row, &v[F_REASON]);
        row[CASE_OPENED] = field_cell(sr, v[F_OPENED_AT].present ? F_OPENED_AT : F_ORDERED_AT);
        if (row[CASE_OPENED].type == 0) {
            char detail[300];
            snprintf(detail, sizeof detail, "%s:%lld: a %s case needs a date: map opened_at or ordered_at", cx->source,
                     (long long)line, r->case_kind);
            return as__ingest_reject(cx, line, "case without a date", detail, raw, raw_n, err);
        }
        row[CASE_QTY].type = 3;
        row[CASE_QTY].d = fabs(v[F_QUANTITY].d);
        if (v[F_AMOUNT].present) { row[CASE_AMOUNT].type = 3; row[CASE_AMOUNT].d = fabs(v[F_AMOUNT].d); }
        else if (!isnan(price)) { row[CASE_AMOUNT].type = 3; row[CASE_AMOUNT].d = fabs(v[F_QUANTITY].d * price); }
        set_text(&row[CASE_SOURCE], cx->source, strlen(cx->source));
        row[CASE_SOURCE_LINE].type = 2;
        row[CASE_SOURCE_LINE].i = line;
        return step_main(cx, &sr->cases, row, &cx->stats->cases, err);
    }
    /* A purchase line; its order (from the order's first purchase line in this file) and product come with it. */
    int fresh;
    if (sr->s->feeds & (1u << MT_ORDERS)) {
        if (!as__strmap_upsert(&sr->orders_done, v[F_ORDER_ID].p, v[F_ORDER_ID].n, 0, &fresh))
            return as__err(err, AS_ERR_NOMEM, "out of memory");
        if (fresh) {
            cell row[MAX_COLS];
            fill_row(sr, orders_cols, line, row);
            int inserted;
            if ((st = step_secondary(cx, &sr->order, row, &inserted, err))) return st;
            if (inserted) cx->stats->orders++;
        }
    }
    if (sr->s->feeds & (1u << MT_PRODUCTS)) {
        if (!as__strmap_upsert(&sr->products_done, v[F_PRODUCT_ID].p, v[F_PRODUCT_ID].n, 0, &fresh))
            return as__err(err, AS_ERR_NOMEM, "out of memory");
        if (fresh) {
            cell row[MAX_COLS];
            fill_row(sr, products_cols, line, row);
            bind_cells(sr->ins_product, row, 5);
            if (sqlite3_step(sr->ins_product) != SQLITE_DONE)
                return as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(cx->db->sql));
            sqlite3_reset(sr->ins_product);
        }
    }
    cell row[MAX_COLS];
    fill_row(sr, lines_cols, line, row);
    return step_main(cx, &sr->main, row, &cx->stats->purchases, err);
}


/* Where a case came from: the data file and its line, as for every loaded row. */
static void set_case_source(cell *c, const as_ingest_ctx *cx, int64_t line) {
    set_text(&c[CASE_SOURCE], cx->source, strlen(cx->source));
    c[CASE_SOURCE_LINE].type = 2;
    c[CASE_SOURCE_LINE].i = line;
}
static as_status order_record(src_run *sr, const as_csv_field *f, int64_t line, const char *raw, size_t raw_n,
                              as_error *err) {
    as_ingest_ctx *cx = sr->cx;
    const map_rule *r = first_rule(sr, f);
    if (r && r->kind == MR_REJECT) return reject_rule(sr, r, f, line, raw, raw_n, err);
    cell row[MAX_COLS];
    fill_row(sr, orders_cols, line, row);
    as_status st = step_main(cx, &sr->main, row, &cx->stats->orders, err);
    if (st || !r) return st;
    /* a case from the order's status, at its last known time */
    fval *v = sr->v;
    cell c[CASE_N] = {{0}};
    char id[200];
    snprintf(id, sizeof id, "%.*s/%s", (int)(v[F_ORDER_ID].n > 160 ? 160 : v[F_ORDER_ID].n), v[F_ORDER_ID].p,
             r->case_kind);
    set_text(&c[CASE_ID], id, strlen(id));
    c[CASE_ORDER] = field_cell(sr, F_ORDER_ID);
    c[CASE_CUSTOMER] = field_cell(sr, F_CUSTOMER_ID);
    set_text(&c[CASE_KIND], r->case_kind, strlen(r->case_kind));
    int64_t at = v[F_ORDERED_AT].i;
    for (int i = 0; i < r->n_at; i++) {
        size_t n;
        const char *p = col_text(sr, f, r->at_idx[i], &n);
        int64_t t;
        if (n && parse_when(sr->s, p, n, &t) && t > at) at = t;
    }
    c[CASE_OPENED].type = 2;
    c[CASE_OPENED].i = at;
    set_case_source(c, cx, line);
    return add_case(sr, c, err);
}

static as_status review_record(src_run *sr, const as_csv_field *f, int64_t line, const char *raw, size_t raw_n,
                               as_error *err) {
    as_ingest_ctx *cx = sr->cx;
    sqlite3 *sql = cx->db->sql;
    fval *v = sr->v;
    const map_rule *r = first_rule(sr, f);
    if (r && r->kind == MR_REJECT) return reject_rule(sr, r, f, line, raw, raw_n, err);
    as_buf *k = &sr->tmp;
    as__buf_clear(k);
    if (as__buf_append(k, v[F_REVIEW_ID].p, v[F_REVIEW_ID].n) || as__buf_putc(k, '\x1f') ||
        as__buf_append(k, v[F_ORDER_ID].p, v[F_ORDER_ID].n))
        return as__err(err, AS_ERR_NOMEM, "out of memory");
    int fresh;
    int64_t *rowid = as__strmap_upsert(&sr->reviews, k->data, k->len, 0, &fresh);
    if (!rowid) return as__err(err, AS_ERR_NOMEM, "out of memory");
    /* ?1 review_id ?2 order_id ?3 score ?4 text ?5 created_at ?6 source ?7 source_line ?8 rowid */
    sqlite3_stmt *q = fresh ? sr->ins_review : sr->upd_review;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (v[F_REVIEW_ID].present) sqlite3_bind_text(q, 1, v[F_REVIEW_ID].p, (int)v[F_REVIEW_ID].n, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, v[F_ORDER_ID].p, (int)v[F_ORDER_ID].n, SQLITE_TRANSIENT);
    if (v[F_SCORE].present) sqlite3_bind_int64(q, 3, v[F_SCORE].i);
    if (v[F_TEXT].present) sqlite3_bind_text(q, 4, v[F_TEXT].p, (int)v[F_TEXT].n, SQLITE_TRANSIENT);
    if (v[F_CREATED_AT].present) sqlite3_bind_int64(q, 5, v[F_CREATED_AT].i);
    sqlite3_bind_text(q, 6, cx->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 7, line);
    if (!fresh) sqlite3_bind_int64(q, 8, *rowid);
    if (sqlite3_step(q) != SQLITE_DONE) return as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(sql));
    if (fresh) {
        *rowid = sqlite3_last_insert_rowid(sql);
        cx->stats->loaded++;
        cx->stats->reviews++;
    } else if (sqlite3_changes(sql) > 0) {
        cx->stats->updated++;
    } else {
        cx->stats->skipped_duplicates++;
    }
    sqlite3_reset(q);
    if (!r) return AS_OK;
    if (!v[F_CREATED_AT].present) return AS_OK;   /* no date: the review is kept, no case can be dated */
    cell c[CASE_N] = {{0}};
    char id[200];
    if (v[F_CASE_ID].present) c[CASE_ID] = field_cell(sr, F_CASE_ID);
    else {
        /* review ids are not unique across orders (one review can cover several orders) */
        snprintf(id, sizeof id, "%.*s/%.*s", (int)(v[F_REVIEW_ID].n > 90 ? 90 : v[F_REVIEW_ID].n), v[F_REVIEW_ID].p,
                 (int)(v[F_ORDER_ID].n > 90 ? 90 : v[F_ORDER_ID].n), v[F_ORDER_ID].p);
        set_text(&c[CASE_ID], id, strlen(id));
    }
    c[CASE_ORDER] = field_cell(sr, F_ORDER_ID);
    set_text(&c[CASE_KIND], r->case_kind, strlen(r->case_kind));
    set_reason(c, v[F_REASON].present ? &v[F_REASON] : &v[F_TEXT]);
    c[CASE_OPENED] = field_cell(sr, F_CREATED_AT);
    set_case_source(c, cx, line);
    return add_case(sr, c, err);
}

static as_status case_record(src_run *sr, const as_csv_field *f, int64_t line, const char *raw, size_t raw_n,
                             as_error *err) {
    as_ingest_ctx *cx = sr->cx;
    fval *v = sr->v;
    const map_rule *r = first_rule(sr, f);
    if (r && r->kind == MR_REJECT) return reject_rule(sr, r, f, line, raw, raw_n, err);
    if (!kind_ok(v[F_KIND].p, v[F_KIND].n)) {
        char detail[400];
        snprintf(detail, sizeof detail, "%s:%lld: kind '%.*s' is not one of return, exchange, repair, refund, "
                 "complaint, cancel; translate it with a [lookup] (kind = COLUMN via NAME)", cx->source, (long long)line,
                 (int)(v[F_KIND].n > 60 ? 60 : v[F_KIND].n), v[F_KIND].p);
        return as__ingest_reject(cx, line, "kind: unknown case kind", detail, raw, raw_n, err);
    }
    cell row[MAX_COLS];
    fill_row(sr, cases_cols, line, row);
    char id[200];
    if (!v[F_CASE_ID].present) {
        snprintf(id, sizeof id, "%s/%lld", sr->s->name, (long long)line);
        set_text(&row[CASE_ID], id, strlen(id));
    }
    if (v[F_QUANTITY].present) row[CASE_QTY].d = fabs(row[CASE_QTY].d);
    if (v[F_AMOUNT].present) row[CASE_AMOUNT].d = fabs(row[CASE_AMOUNT].d);
    set_reason(row, &v[F_REASON]);
    return step_main(cx, &sr->main, row, &cx->stats->cases, err);
}

static as_status source_record(void *user, const as_csv_field *f, size_t nf, int64_t line, const char *raw,
                               size_t raw_n, as_error *err) {
    (void)nf;
    src_run *sr = user;
    /* dropped personal values are counted once per column and record, mapped or not */
    for (size_t h = 0; h < sr->nf; h++)
        if (sr->pii_act[h] == AS_PII_DROP) {
            size_t n;
            col_text(sr, f, (int)h, &n);
            if (n) sr->cx->stats->pii_dropped++;
        }
    bad_value bad;
    as_status st = compute_fields(sr, f, &bad, err);
    if (st) return st;
    if (bad.field >= 0) return reject_bad(sr, f, &bad, line, raw, raw_n, err);
    static const int req[MT_N][3] = {
        [MT_CUSTOMERS] = {F_CUSTOMER_ID, -1, -1}, [MT_PRODUCTS] = {F_PRODUCT_ID, -1, -1},
        [MT_ORDERS] = {F_ORDER_ID, F_ORDERED_AT, -1}, [MT_LINES] = {F_ORDER_ID, F_PRODUCT_ID, F_QUANTITY},
        [MT_CASES] = {F_KIND, F_OPENED_AT, -1}, [MT_REVIEWS] = {F_ORDER_ID, -1, -1}};
    for (int i = 0; i < 3; i++) {
        int fld = req[sr->mt][i];
        if (fld >= 0 && !sr->v[fld].present)
            return reject_missing(sr, as__map_table_names[sr->mt], fld, line, raw, raw_n, err);
    }
    if (sr->mt == MT_LINES && (sr->s->feeds & (1u << MT_ORDERS)) && !sr->v[F_ORDERED_AT].present)
        return reject_missing(sr, "orders", F_ORDERED_AT, line, raw, raw_n, err);
    switch (sr->mt) {
    case MT_LINES: return line_record(sr, f, line, raw, raw_n, err);
    case MT_ORDERS: return order_record(sr, f, line, raw, raw_n, err);
    case MT_REVIEWS: return review_record(sr, f, line, raw, raw_n, err);
    case MT_CASES: return case_record(sr, f, line, raw, raw_n, err);
    default: {
        const map_rule *r = first_rule(sr, f);
        if (r && r->kind == MR_REJECT) return reject_rule(sr, r, f, line, raw, raw_n, err);
        cell row[MAX_COLS];
        int prod = sr->mt == MT_PRODUCTS;
        fill_row(sr, prod ? products_cols : customers_cols, line, row);
        return step_main(sr->cx, &sr->main, row, prod ? &sr->cx->stats->products : &sr->cx->stats->customers, err);
    }
    }
}

/* ---- files ---- */

/* The data files of a source: every match of its (possibly wildcard) name, with or without .gz, in name order. */
static as_status find_files(const as_mapping *m, const map_source *s, const char *file, int line, const char *dir,
                            glob_t *g, as_error *err) {
    char pat[4096];
    memset(g, 0, sizeof *g);
    snprintf(pat, sizeof pat, "%s/%s", dir, file);
    int rc = glob(pat, 0, NULL, g);
    if (rc == GLOB_NOMATCH || (rc == 0 && g->gl_pathc == 0)) {
        globfree(g);
        memset(g, 0, sizeof *g);
        snprintf(pat, sizeof pat, "%s/%s.gz", dir, file);
        rc = glob(pat, 0, NULL, g);
    }
    if (rc == GLOB_NOSPACE) return as__err(err, AS_ERR_NOMEM, "out of memory");
    if (rc != 0 || g->gl_pathc == 0) {
        globfree(g);
        memset(g, 0, sizeof *g);
        if (m->folder_hint)   /* an embedded mapping: its line numbers mean nothing to the user */
            return as__err(err, AS_ERR_IO, "'%s' is not in %s (nor '%s.gz'); %s", file, dir, file, m->folder_hint);
        return as__err(err, AS_ERR_IO, "%s:%d: %s%s%s file '%s' is not in %s (nor '%s.gz'); put it there, fix the "
                       "name, or point --data-dir at its folder", m->path, line, s ? "[source " : "[lookup",
                       s ? s->name : "", "]", file, dir, file);
    }
    return AS_OK;
}

static as_status open_data(const char *path, char delim, as_csv_reader **r, as_csv_field **f, size_t *nf, as_error *err) {
    as_csv_options o = as__csv_options_default();
    o.delimiter = delim;
    *r = NULL;
    as_status st = as__csv_open(path, &o, r, err);
    if (!st) st = as__csv_next(*r, f, nf, err);
    if (st) { as__csv_close(*r); *r = NULL; }
    return st;
}

static int header_index(const as_csv_field *f, size_t nf, const char *name) {
    for (size_t i = 0; i < nf; i++) {
        const char *p = f[i].p;
        size_t n = f[i].n;
        trim(&p, &n);
        if (token_is(p, n, name)) return (int)i;
    }
    return -1;
}

static as_status no_column(const as_mapping *m, const char *path, const as_csv_field *f, size_t nf, const char *col,
                           const char *what, int line, as_error *err) {
    const char *names[1024];
    size_t lens[1024], n = nf < 1024 ? nf : 1024;
    for (size_t i = 0; i < n; i++) { names[i] = f[i].p; lens[i] = f[i].n; trim(&names[i], &lens[i]); }
    size_t g = as__closest_name(col, strlen(col), names, lens, n);
    char guess[160] = "";
    if (g != (size_t)-1) snprintf(guess, sizeof guess, " (did you mean '%.*s'?)", (int)(lens[g] > 120 ? 120 : lens[g]), names[g]);
    return as__err(err, AS_ERR_INVALID, "%s:%d: column '%s' (%s) is not in the header of %s%s; fix the name in the "
                   "mapping", m->path, line, col, what, path, guess);
}

static as_status load_lookup(as_mapping *m, map_lookup *lk, const char *dir, as_error *err) {
    glob_t g;
    as_status st = find_files(m, NULL, lk->file, lk->line, dir, &g, err);
    if (st == AS_ERR_IO && lk->optional) return AS_OK;
    if (st) return st;
    as_csv_reader *r;
    as_csv_field *f;
    size_t nf;
    st = open_data(g.gl_pathv[0], lk->delimiter, &r, &f, &nf, err);
    char path[4096];
    snprintf(path, sizeof path, "%s", g.gl_pathv[0]);
    globfree(&g);
    if (st == AS_ERR_NODATA) return as__err(err, AS_ERR_NODATA, "%s is empty; [lookup %s] needs its header", path, lk->name);
    if (st) return st;
    int ki = header_index(f, nf, lk->key), vi = header_index(f, nf, lk->value);
    if (ki < 0) st = no_column(m, path, f, nf, lk->key, "the lookup's key", lk->line, err);
    else if (vi < 0) st = no_column(m, path, f, nf, lk->value, "the lookup's value", lk->line, err);
    as__strmap_init(&lk->map);
    lk->loaded = 1;
    while (!st && (st = as__csv_next(r, &f, &nf, err)) == AS_OK) {
        if ((size_t)ki >= nf || (size_t)vi >= nf) continue;
        const char *kp = f[ki].p, *vp = f[vi].p;
        size_t kn = f[ki].n, vn = f[vi].n;
        trim(&kp, &kn);
        trim(&vp, &vn);
        if (!kn || !vn) continue;
        int fresh;
        int64_t *ix = as__strmap_upsert(&lk->map, kp, kn, (int64_t)lk->n_vals, &fresh);
        if (!ix) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
        if (!fresh) continue;   /* the first translation of a key wins */
        if (lk->n_vals == lk->cap_vals) {
            size_t cap = lk->cap_vals ? lk->cap_vals * 2 : 64;
            const char **p = as__reallocarray(lk->vals, cap, sizeof *p);
            if (!p) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
            lk->vals = p;
            lk->cap_vals = cap;
        }
        lk->vals[lk->n_vals] = as__arena_strndup(&m->arena, vp, vn);
        if (!lk->vals[lk->n_vals]) { st = as__err(err, AS_ERR_NOMEM, "out of memory"); break; }
        lk->n_vals++;
    }
    if (st == AS_ERR_NODATA) st = AS_OK;
    as__csv_close(r);
    return st;
}

/* Resolves every column the source names against the file's header. */
static as_status resolve_columns(src_run *sr, const char *path, const as_csv_field *f, size_t nf, as_error *err) {
    map_source *s = sr->s;
    char what[96];
    for (int k = 0; k < F_N; k++) {
        map_value *mv = &s->fields[k];
        if (!mv->set || mv->constant) continue;
        for (int c = 0; c < mv->ncols; c++) {
            mv->idx[c] = header_index(f, nf, mv->cols[c]);
            snprintf(what, sizeof what, "mapped to %s", as__map_fields[k].name);
            if (mv->idx[c] < 0) return no_column(sr->m, path, f, nf, mv->cols[c], what, mv->line, err);
        }
    }
    for (int i = 0; i < s->n_rules; i++) {
        map_rule *r = &s->rules[i];
        r->idx = header_index(f, nf, r->column);
        if (r->idx < 0) return no_column(sr->m, path, f, nf, r->column, "in a rule", r->line, err);
        for (int a = 0; a < r->n_at; a++) {
            r->at_idx[a] = header_index(f, nf, r->at_cols[a]);
            if (r->at_idx[a] < 0) return no_column(sr->m, path, f, nf, r->at_cols[a], "in 'at latest'", r->line, err);
        }
    }
    memset(sr->pii_mask, 0, nf);
    memset(sr->pii_act, 0, nf);
    for (int i = 0; i < s->n_pii; i++) {
        int idx = header_index(f, nf, s->pii[i].column);
        if (idx < 0) return no_column(sr->m, path, f, nf, s->pii[i].column, "declared personal", s->pii[i].line, err);
        sr->pii_mask[idx] = (unsigned char)s->pii[i].action;
        sr->pii_act[idx] = (unsigned char)s->pii[i].action;
        /* a reject shows the same pseudonym as the loaded rows: the domain is the field the column feeds */
        sr->pii_domain[idx] = "personal";
        for (int k = 0; k < F_N; k++)
            for (int c = 0; c < s->fields[k].ncols; c++)
                if (s->fields[k].set && !s->fields[k].constant && s->fields[k].idx[c] == idx)
                    sr->pii_domain[idx] = as__map_fields[k].name;
    }
    return AS_OK;
}

static as_status prepare_source(src_run *sr, as_error *err) {
    as_db *db = sr->cx->db;
    const map_source *s = sr->s;
    as_status st = AS_OK;
    unsigned long inc = 0;
    const colspec *cols = NULL;
    const char *table = NULL;
    int n_key = 1;
    switch (sr->mt) {
    case MT_LINES: cols = lines_cols; table = "order_lines"; n_key = 2; break;
    case MT_ORDERS: cols = orders_cols; table = "orders"; break;
    case MT_PRODUCTS: cols = products_cols; table = "products"; break;
    case MT_CUSTOMERS: cols = customers_cols; table = "customers"; break;
    case MT_CASES: cols = cases_cols; table = "cases"; break;
    default: break;
    }
    if (cols) {
        for (int c = 0; cols[c].name; c++)
            if (cols[c].field < 0 || s->fields[cols[c].field].set || cols[c].field == F_LINE_NO) inc |= 1ul << c;
        if (sr->mt == MT_CASES) inc = ~0ul;   /* every case column is the record's */
        st = build_upsert(db, table, cols, inc, n_key, 0, &sr->main, err);
    }
    if (!st && sr->mt == MT_LINES) {
        unsigned long oinc = 0;
        for (int c = 0; orders_cols[c].name; c++) if (s->fields[orders_cols[c].field].set) oinc |= 1ul << c;
        if (s->feeds & (1u << MT_ORDERS)) st = build_upsert(db, "orders", orders_cols, oinc, 1, 0, &sr->order, err);
        if (!st) st = build_upsert(db, "charges", charges_cols, ~0ul, 2, 0, &sr->charge, err);
        if (!st) st = as__db_prepare(db, "INSERT INTO products(product_id, description, category, supplier, list_price) "
                                         "VALUES(?1,?2,?3,?4,?5) ON CONFLICT(product_id) DO UPDATE SET "
                                         "description = coalesce(products.description, excluded.description), "
                                         "category = coalesce(products.category, excluded.category), "
                                         "supplier = coalesce(products.supplier, excluded.supplier), "
                                         "list_price = coalesce(products.list_price, excluded.list_price)",
                                     &sr->ins_product, err);
    }
    if (!st && (sr->mt == MT_LINES || sr->mt == MT_ORDERS || sr->mt == MT_REVIEWS) && sr->mt != MT_CASES)
        st = build_upsert(db, "cases", cases_cols, ~0ul, 1, 0, &sr->cases, err);
    if (!st && sr->mt == MT_REVIEWS) {
        if (!(st = as__db_prepare(db, "INSERT INTO reviews(review_id, order_id, score, text, created_at, source, "
                                      "source_line) VALUES(?1,?2,?3,?4,?5,?6,?7)", &sr->ins_review, err)))
            st = as__db_prepare(db, "UPDATE reviews SET score = ?3, text = ?4, created_at = ?5, source = ?6, "
                                    "source_line = ?7 WHERE rowid = ?8 AND review_id IS ?1 AND (score IS NOT ?3 OR "
                                    "text IS NOT ?4 OR created_at IS NOT ?5)", &sr->upd_review, err);
        /* reviews have no key of their own: remember the ones already stored (one pass, not one query per row) */
        sqlite3_stmt *q;
        if (!st && !(st = as__db_prepare(db, "SELECT rowid, coalesce(review_id, ''), order_id FROM reviews", &q, err))) {
            as_buf k;
            as__buf_init(&k, 0);
            while (!st && sqlite3_step(q) == SQLITE_ROW) {
                as__buf_clear(&k);
                const char *a = (const char *)sqlite3_column_text(q, 1), *b = (const char *)sqlite3_column_text(q, 2);
                if (as__buf_append(&k, a ? a : "", a ? strlen(a) : 0) || as__buf_putc(&k, '\x1f') ||
                    as__buf_append(&k, b ? b : "", b ? strlen(b) : 0)) st = as__err(err, AS_ERR_NOMEM, "out of memory");
                int64_t *v = st ? NULL : as__strmap_upsert(&sr->reviews, k.data, k.len, sqlite3_column_int64(q, 0), NULL);
                if (!st && !v) st = as__err(err, AS_ERR_NOMEM, "out of memory");
            }
            as__buf_free(&k);
            sqlite3_finalize(q);
        }
    }
    return st;
}

static void finalize_upsert(upsert *u) {
    sqlite3_finalize(u->ins);
    sqlite3_finalize(u->upd);
    u->ins = u->upd = NULL;
}

/* The columns a source reads, in mapping order, each once: "a, b, c" (cut short with "…" when long). */
static void expected_columns(const map_source *s, char *buf, size_t size) {
    const char *seen[F_N * MAP_MAX_PARTS + MAP_MAX_RULES * (1 + MAP_MAX_AT) + MAP_MAX_PII];
    size_t n = 0;
    for (int k = 0; k < F_N; k++)
        for (int c = 0; s->fields[k].set && !s->fields[k].constant && c < s->fields[k].ncols; c++)
            seen[n++] = s->fields[k].cols[c];
    for (int i = 0; i < s->n_rules; i++) {
        seen[n++] = s->rules[i].column;
        for (int a = 0; a < s->rules[i].n_at; a++) seen[n++] = s->rules[i].at_cols[a];
    }
    for (int i = 0; i < s->n_pii; i++) seen[n++] = s->pii[i].column;
    buf[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++) dup = strcmp(seen[i], seen[j]) == 0;
        if (dup) continue;
        int w = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", seen[i]);
        if (w < 0 || (size_t)w >= size - len) {
            snprintf(buf + (size > 8 ? size - 8 : 0), size > 8 ? 8 : size, ", …");
            return;
        }
        len += (size_t)w;
    }
}

static as_status load_file(src_run *sr, const char *path, as_error *err) {
    as_ingest_ctx *cx = sr->cx;
    as_csv_reader *r;
    as_csv_field *f;
    size_t nf;
    as_status st = open_data(path, sr->s->delimiter, &r, &f, &nf, err);
    if (st == AS_ERR_NODATA) {
        /* No header at all: most often an export that failed half-way; loading nothing would hide it. A file with
         * a header and no records is fine (it loads nothing). */
        char cols[600];
        expected_columns(sr->s, cols, sizeof cols);
        return as__err(err, AS_ERR_NODATA, "%s is empty (no header line); [source %s] (%s line %d) expects a header "
                       "with the columns %s. Export the file again, or remove the source from the mapping", path,
                       sr->s->name, base_name(sr->m->path), sr->s->line, cols);
    }
    if (st) return st;
    if (nf > 1024) {
        as__csv_close(r);
        return as__err(err, AS_ERR_INVALID, "%s:1: %zu columns; a mapped file may have at most 1024", path, nf);
    }
    sr->nf = nf;
    for (size_t i = 0; i < nf; i++) { sr->header_names[i] = f[i].p; sr->header_lens[i] = f[i].n; }
    st = resolve_columns(sr, path, f, nf, err);
    if (st && nf == 1)
        as__err_prefix(err, "%s has one column only: is the delimiter right ('%c')?", path, sr->s->delimiter);
    const char *saved = cx->source;
    cx->source = base_name(path);
    if (!st) {
        cx->reject_mask = sr->s->n_pii ? sr->pii_mask : NULL;
        cx->reject_mask_n = sr->s->n_pii ? nf : 0;
        cx->reject_domain = sr->s->n_pii ? sr->pii_domain : NULL;
        cx->reject_delimiter = sr->s->delimiter;
        st = as__ingest_drive(cx, r, nf, source_record, sr, err);
        cx->reject_mask = NULL;
        cx->reject_mask_n = 0;
        cx->reject_domain = NULL;
        cx->reject_delimiter = 0;
    }
    cx->source = saved;
    as__csv_close(r);
    return st;
}

static as_status load_source(as_ingest_ctx *cx, as_mapping *m, map_source *s, const char *dir, as_error *err) {
    glob_t g;
    as_status st = find_files(m, s, s->file, s->line, dir, &g, err);
    if (st) return st;
    src_run *sr = as__calloc(1, sizeof *sr);
    if (!sr) { globfree(&g); return as__err(err, AS_ERR_NOMEM, "out of memory"); }
    sr->cx = cx;
    sr->m = m;
    sr->s = s;
    sr->mt = -1;
    static const int order[] = {MT_LINES, MT_CASES, MT_REVIEWS, MT_ORDERS, MT_PRODUCTS, MT_CUSTOMERS};
    for (size_t i = 0; i < 6 && sr->mt < 0; i++) if (s->feeds & (1u << order[i])) sr->mt = order[i];
    sr->pii_mask = as__calloc(1024, 1);
    sr->pii_act = as__calloc(1024, 1);
    as__strmap_init(&sr->line_no);
    as__strmap_init(&sr->orders_done);
    as__strmap_init(&sr->products_done);
    as__strmap_init(&sr->reviews);
    for (int k = 0; k < F_N; k++) as__buf_init(&sr->buf[k], 0);
    as__buf_init(&sr->tmp, 0);
    if (!sr->pii_mask || !sr->pii_act) st = as__err(err, AS_ERR_NOMEM, "out of memory");
    if (!st) st = prepare_source(sr, err);
    for (size_t i = 0; i < g.gl_pathc && !st; i++) st = load_file(sr, g.gl_pathv[i], err);
    globfree(&g);
    finalize_upsert(&sr->main);
    finalize_upsert(&sr->order);
    finalize_upsert(&sr->cases);
    finalize_upsert(&sr->charge);
    sqlite3_finalize(sr->ins_product);
    sqlite3_finalize(sr->ins_review);
    sqlite3_finalize(sr->upd_review);
    as__strmap_free(&sr->line_no);
    as__strmap_free(&sr->orders_done);
    as__strmap_free(&sr->products_done);
    as__strmap_free(&sr->reviews);
    for (int k = 0; k < F_N; k++) as__buf_free(&sr->buf[k]);
    as__buf_free(&sr->tmp);
    as__free(sr->pii_mask);
    as__free(sr->pii_act);
    as__free(sr);
    return st;
}

static int source_rank(const map_source *s) {
    static const int rank[MT_N] = {[MT_CUSTOMERS] = 0, [MT_PRODUCTS] = 1, [MT_ORDERS] = 2, [MT_LINES] = 3,
                                   [MT_CASES] = 4, [MT_REVIEWS] = 5};
    static const int order[] = {MT_LINES, MT_CASES, MT_REVIEWS, MT_ORDERS, MT_PRODUCTS, MT_CUSTOMERS};
    for (size_t i = 0; i < 6; i++) if (s->feeds & (1u << order[i])) return rank[order[i]];
    return 9;
}

as_status as__mapping_load(as_ingest_ctx *cx, as_mapping *m, const char *dir, as_error *err) {
    as_status st = AS_OK;
    /* The size of every data file first, so that one progress bar covers them all; a missing file is reported
     * when its source is loaded. */
    for (int i = 0; i < m->n_src; i++) {
        glob_t g;
        as_error ignore;
        if (find_files(m, &m->src[i], m->src[i].file, m->src[i].line, dir, &g, &ignore) != AS_OK) {
            globfree(&g);
            continue;
        }
        for (size_t k = 0; k < g.gl_pathc; k++) as__ingest_count_bytes(cx, g.gl_pathv[k]);
        globfree(&g);
    }
    for (int i = 0; i < m->n_lk && !st; i++) st = load_lookup(m, &m->lk[i], dir, err);
    /* masters, then orders, lines, cases, reviews; sources of one rank in the mapping's order */
    for (int rank = 0; rank <= 5 && !st; rank++)
        for (int i = 0; i < m->n_src && !st; i++)
            if (source_rank(&m->src[i]) == rank) st = load_source(cx, m, &m->src[i], dir, err);
    if (st) return st;
    /* Customers and products met only in orders and lines get a row, so their history has a home; a customer's
     * first_seen is its earliest order and its country that order's. */
    st = as__db_exec(cx->db,
        "INSERT INTO customers(customer_id, country, first_seen) SELECT customer_id, country, min(ordered_at) "
        "FROM orders WHERE customer_id IS NOT NULL GROUP BY customer_id ON CONFLICT(customer_id) DO UPDATE SET "
        "first_seen = excluded.first_seen, country = coalesce(excluded.country, customers.country) "
        "WHERE customers.first_seen IS NULL OR excluded.first_seen < customers.first_seen;"
        "INSERT OR IGNORE INTO products(product_id) SELECT DISTINCT product_id FROM order_lines;", err);
    sqlite3_stmt *q;
    if (!st && !(st = as__db_prepare(cx->db, "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM products), "
                                             "(SELECT count(*) FROM order_lines ol WHERE NOT EXISTS (SELECT 1 FROM orders o "
                                             "WHERE o.order_id = ol.order_id))", &q, err))) {
        if (sqlite3_step(q) == SQLITE_ROW) {
            cx->stats->customers = sqlite3_column_int64(q, 0);
            cx->stats->products = sqlite3_column_int64(q, 1);
            cx->stats->orphan_lines = sqlite3_column_int64(q, 2);
        }
        sqlite3_finalize(q);
    }
    return st;
}

as_status as__ingest_mapping(as_ingest_ctx *cx, const char *mapping_path, as_error *err) {
    FILE *fp = fopen(mapping_path, "rb");
    if (!fp) return as__err(err, AS_ERR_IO, "cannot open mapping file %s; check the path (docs/mapping.md describes "
                            "the format)", mapping_path);
    as_buf text;
    as__buf_init(&text, 1 << 20);
    as_status st = as__buf_read_stream(&text, fp);
    fclose(fp);
    if (st == AS_ERR_INVALID) st = as__err(err, AS_ERR_INVALID, "%s is over 1 MiB; a mapping file is a short text", mapping_path);
    else if (st == AS_ERR_IO) st = as__err(err, AS_ERR_IO, "cannot read mapping file %s", mapping_path);
    else if (st) st = as__err(err, st, "out of memory reading %s", mapping_path);
    as_mapping m;
    if (!st) st = as__mapping_parse(text.data ? text.data : "", text.len, mapping_path, &m, err);
    as__buf_free(&text);
    if (st) return st;
    char dir[4096];
    if (cx->params->data_dir) snprintf(dir, sizeof dir, "%s", cx->params->data_dir);
    else {
        const char *slash = strrchr(mapping_path, '/');
        if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - mapping_path), mapping_path);
        else snprintf(dir, sizeof dir, ".");
        if (!dir[0]) snprintf(dir, sizeof dir, "/");
    }
    st = as__mapping_load(cx, &m, dir, err);
    as__mapping_free(&m);
    return st;
}
