/*
 * Mapping files: the reader. An INI-like text (docs/mapping.md): [shop] for settings every source shares,
 * one [source NAME] per data file, [lookup NAME] for translation tables. Every error names the mapping file's
 * line and says what to write instead.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/mapping.h"

#define TXT MF_TEXT
#define B(t) (1u << (t))
const map_field_info as__map_fields[F_N] = {
    [F_ORDER_ID] = {"order_id", TXT, B(MT_ORDERS) | B(MT_LINES) | B(MT_CASES) | B(MT_REVIEWS), 0},
    [F_LINE_NO] = {"line_no", MF_INT, B(MT_LINES), 0},
    [F_PRODUCT_ID] = {"product_id", TXT, B(MT_PRODUCTS) | B(MT_LINES) | B(MT_CASES), 0},
    [F_QUANTITY] = {"quantity", MF_REAL, B(MT_LINES) | B(MT_CASES), 0},
    [F_UNIT_PRICE] = {"unit_price", MF_REAL, B(MT_LINES), 0},
    [F_DISCOUNT] = {"discount", MF_REAL, B(MT_LINES), 0},
    [F_SELLER_ID] = {"seller_id", TXT, B(MT_LINES), 0},
    [F_FREIGHT] = {"freight", MF_REAL, B(MT_LINES), 0},
    [F_CUSTOMER_ID] = {"customer_id", TXT, B(MT_CUSTOMERS) | B(MT_ORDERS) | B(MT_CASES), 0},
    [F_ORDERED_AT] = {"ordered_at", MF_TIME, B(MT_ORDERS), 0},
    [F_CHANNEL] = {"channel", TXT, B(MT_ORDERS), 0},
    [F_COUNTRY] = {"country", TXT, B(MT_CUSTOMERS) | B(MT_ORDERS), 0},
    [F_PAYMENT] = {"payment", TXT, B(MT_ORDERS), 0},
    [F_PROMISED_AT] = {"promised_at", MF_TIME, B(MT_ORDERS), 0},
    [F_DELIVERED_AT] = {"delivered_at", MF_TIME, B(MT_ORDERS), 0},
    [F_CARRIER] = {"carrier", TXT, B(MT_ORDERS), 0},
    [F_STATUS] = {"status", TXT, B(MT_ORDERS), 0},
    [F_DESCRIPTION] = {"description", TXT, B(MT_PRODUCTS), 1},
    [F_CATEGORY] = {"category", TXT, B(MT_PRODUCTS), 0},
    [F_SUPPLIER] = {"supplier", TXT, B(MT_PRODUCTS), 0},
    [F_LIST_PRICE] = {"list_price", MF_REAL, B(MT_PRODUCTS), 0},
    [F_CASE_ID] = {"case_id", TXT, B(MT_CASES), 0},
    [F_KIND] = {"kind", TXT, B(MT_CASES), 0},
    [F_REASON] = {"reason", TXT, B(MT_CASES), 1},
    [F_OPENED_AT] = {"opened_at", MF_TIME, B(MT_CASES), 0},
    [F_AMOUNT] = {"amount", MF_REAL, B(MT_CASES), 0},
    [F_REVIEW_ID] = {"review_id", TXT, B(MT_REVIEWS), 0},
    [F_SCORE] = {"score", MF_INT, B(MT_REVIEWS), 0},
    [F_TEXT] = {"text", TXT, B(MT_REVIEWS), 1},
    [F_CREATED_AT] = {"created_at", MF_TIME, B(MT_REVIEWS), 0},
    [F_FIRST_SEEN] = {"first_seen", MF_TIME, B(MT_CUSTOMERS), 0},
};
const char *const as__map_table_names[MT_N] = {"customers", "products", "orders", "order_lines", "cases", "reviews"};

static const char *const source_keys[] = {"file", "delimiter", "decimal", "dates", "na", "feeds", "personal",
                                          "charge", "case", "reject"};
static const char *const lookup_keys[] = {"file", "key", "value", "delimiter", "optional"};
static const char *const case_kinds[] = {"return", "exchange", "repair", "refund", "complaint", "cancel"};

typedef struct parser {
    as_mapping *m;
    const char *name;
    int line;
    as_error *err;
} parser;

static as_status perr(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static as_status perr(parser *p, const char *fmt, ...) {
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return as__err(p->err, AS_ERR_INVALID, "%s:%d: %s", p->name, p->line, msg);
}

static void trim(const char **s, size_t *n) {
    while (*n && isspace((unsigned char)**s)) { (*s)++; (*n)--; }
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

static const char *dup(parser *p, const char *s, size_t n) { return as__arena_strndup(&p->m->arena, s, n); }

/* Splits s on sep into trimmed items (a "quoted" item keeps its inside as written). Returns the count, or −1
 * when more than max. */
static int split(parser *p, const char *s, size_t n, char sep, const char **out, size_t *out_n, int max) {
    int k = 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        int inq = 0;
        while (j < n && (inq || s[j] != sep)) { if (s[j] == '"') inq = !inq; j++; }
        const char *it = s + i;
        size_t in = j - i;
        trim(&it, &in);
        if (in >= 2 && it[0] == '"' && it[in - 1] == '"') { it++; in -= 2; }
        else if (in == 0) { i = j + 1; if (j >= n) break; continue; }
        if (k == max) return -1;
        out[k] = dup(p, it, in);
        if (out_n) out_n[k] = in;
        k++;
        i = j + 1;
    }
    return k;
}

static int eq(const char *s, size_t n, const char *word) { return strlen(word) == n && memcmp(s, word, n) == 0; }

static size_t closest(const char *want, size_t n, const char *const *names, size_t count) {
    return as__closest_name(want, n, names, NULL, count);
}

static int field_by_name(const char *s, size_t n) {
    for (int f = 0; f < F_N; f++)
        if (eq(s, n, as__map_fields[f].name)) return f;
    return -1;
}

static as_status parse_char(parser *p, const char *v, size_t n, const char *what, char *out) {
    if (n == 1) { *out = v[0]; return AS_OK; }
    if (eq(v, n, "comma")) *out = ',';
    else if (eq(v, n, "semicolon")) *out = ';';
    else if (eq(v, n, "tab") || eq(v, n, "\\t")) *out = '\t';
    else if (eq(v, n, "pipe")) *out = '|';
    else if (eq(v, n, "point") || eq(v, n, "dot")) *out = '.';
    else return perr(p, "%s '%.*s' is not one character; write it as is (%s = ;) or as comma, semicolon, tab, pipe%s",
                     what, (int)n, v, what, strcmp(what, "decimal") == 0 ? ", point" : "");
    return AS_OK;
}

static as_status parse_value(parser *p, map_source *s, int f, const char *v, size_t n) {
    map_value *mv = &s->fields[f];
    if (mv->set)
        return perr(p, "'%s' is mapped twice in [source %s] (first on line %d); keep one", as__map_fields[f].name,
                    s->name, mv->line);
    mv->set = 1;
    mv->line = p->line;
    mv->lookup = -1;
    if (n == 0) return perr(p, "'%s' has no value; write a column name or a \"constant\"", as__map_fields[f].name);
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        mv->constant = dup(p, v + 1, n - 2);
        return mv->constant ? AS_OK : perr(p, "out of memory");
    }
    /* "COLUMN [+ COLUMN…] [via LOOKUP]" */
    const char *via = NULL;
    for (size_t i = 0; i + 5 <= n; i++)
        if (memcmp(v + i, " via ", 5) == 0) via = v + i;
    size_t cn = via ? (size_t)(via - v) : n;
    if (via) {
        const char *ln = via + 5;
        size_t lnn = n - (size_t)(ln - v);
        trim(&ln, &lnn);
        /* resolved to an index once every section is read (a lookup may come later in the file) */
        mv->lookup = -2;
        mv->constant = NULL;
        mv->cols[MAP_MAX_PARTS - 1] = NULL;
        const char *name = dup(p, ln, lnn);
        if (!name) return perr(p, "out of memory");
        /* keep the lookup's name in the slot after the columns until it is resolved */
        mv->idx[0] = -1;
        mv->cols[0] = NULL;
        int k = split(p, v, cn, '+', mv->cols, NULL, MAP_MAX_PARTS - 1);
        if (k <= 0) return perr(p, "'%s' has no column before 'via'", as__map_fields[f].name);
        mv->ncols = k;
        mv->cols[MAP_MAX_PARTS - 1] = name;
        return AS_OK;
    }
    int k = split(p, v, cn, '+', mv->cols, NULL, MAP_MAX_PARTS);
    if (k < 0) return perr(p, "'%s' joins more than %d columns", as__map_fields[f].name, MAP_MAX_PARTS);
    if (k == 0) return perr(p, "'%s' has no column", as__map_fields[f].name);
    mv->ncols = k;
    return AS_OK;
}

static const struct { const char *word; map_op op; } ops[] = {
    {" not-in ", OP_NOT_IN}, {" in ", OP_IN}, {" starts-with ", OP_STARTS}, {" is-empty", OP_EMPTY},
    {" <= ", OP_LE}, {" >= ", OP_GE}, {" != ", OP_NE}, {" < ", OP_LT}, {" > ", OP_GT}, {" = ", OP_EQ},
};

/* "COLUMN OP VALUES -> TAIL": the condition into r; *tail / *tail_n get what follows "->" (NULL when absent). */
static as_status parse_condition(parser *p, map_rule *r, const char *v, size_t n, const char **tail, size_t *tail_n) {
    *tail = NULL;
    *tail_n = 0;
    size_t cn = n;
    for (size_t i = 0; i + 2 <= n; i++)
        if (v[i] == '-' && v[i + 1] == '>') { cn = i; *tail = v + i + 2; *tail_n = n - i - 2; trim(tail, tail_n); break; }
    const char *c = v;
    trim(&c, &cn);
    size_t best = (size_t)-1;
    int which = -1;
    for (size_t o = 0; o < sizeof ops / sizeof *ops; o++) {
        size_t wl = strlen(ops[o].word);
        for (size_t i = 0; i + wl <= cn; i++)
            if (memcmp(c + i, ops[o].word, wl) == 0) {
                if (i < best) { best = i; which = (int)o; }
                break;
            }
    }
    if (which < 0)
        return perr(p, "'%.*s' has no condition; write COLUMN in A, B | not-in A, B | starts-with A, B | is-empty | "
                    "< <= > >= = != NUMBER", (int)cn, c);
    const char *col = c;
    size_t coln = best;
    trim(&col, &coln);
    if (!coln) return perr(p, "the condition names no column before '%s'", ops[which].word + 1);
    r->column = dup(p, col, coln);
    r->op = ops[which].op;
    const char *rest = c + best + strlen(ops[which].word);
    size_t restn = cn - best - strlen(ops[which].word);
    trim(&rest, &restn);
    if (r->op == OP_EMPTY) {
        if (restn) return perr(p, "is-empty takes no value (found '%.*s')", (int)restn, rest);
        return AS_OK;
    }
    if (r->op >= OP_LT) {
        char num[64];
        snprintf(num, sizeof num, "%.*s", (int)(restn < 63 ? restn : 63), rest);
        if (!as__parse_double(num, strlen(num), &r->number))
            return perr(p, "'%.*s' after '%s' is not a number; numeric comparisons take one number (decimal point)",
                        (int)restn, rest, ops[which].word + 1);
        return AS_OK;
    }
    const char *vals[256];
    size_t lens[256];
    int k = split(p, rest, restn, ',', vals, lens, 256);
    if (k < 0) return perr(p, "more than 256 values in one condition; use starts-with or a second rule");
    if (k == 0) return perr(p, "'%s' needs at least one value", ops[which].word + 1);
    r->values = as__arena_alloc(&p->m->arena, (size_t)k * sizeof *r->values);
    r->value_n = as__arena_alloc(&p->m->arena, (size_t)k * sizeof *r->value_n);
    if (!r->values || !r->value_n) return perr(p, "out of memory");
    memcpy(r->values, vals, (size_t)k * sizeof *vals);
    memcpy(r->value_n, lens, (size_t)k * sizeof *lens);
    r->n_values = (size_t)k;
    return AS_OK;
}

static as_status parse_rule(parser *p, map_source *s, map_rule_kind kind, const char *v, size_t n) {
    if (s->n_rules == MAP_MAX_RULES) return perr(p, "more than %d rules in [source %s]", MAP_MAX_RULES, s->name);
    map_rule *r = &s->rules[s->n_rules];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->line = p->line;
    r->idx = -1;
    const char *tail;
    size_t tn;
    as_status st = parse_condition(p, r, v, n, &tail, &tn);
    if (st) return st;
    if (kind == MR_CHARGE) {
        if (tail) return perr(p, "a charge rule takes no '->'; the record goes to the charges table");
    } else if (kind == MR_REJECT) {
        if (!tail || !tn) return perr(p, "a reject rule needs its reason: reject = COLUMN <= 0 -> why the record is not loaded");
        r->reason = dup(p, tail, tn);
    } else {
        if (!tail || !tn) return perr(p, "a case rule needs its kind: case = COLUMN in A, B -> return|exchange|repair|refund|complaint|cancel");
        const char *w = tail;
        size_t wn = 0;
        while (wn < tn && !isspace((unsigned char)w[wn])) wn++;
        size_t kk;
        for (kk = 0; kk < sizeof case_kinds / sizeof *case_kinds; kk++)
            if (eq(w, wn, case_kinds[kk])) break;
        if (kk == sizeof case_kinds / sizeof *case_kinds) {
            size_t g = closest(w, wn, case_kinds, sizeof case_kinds / sizeof *case_kinds);
            return perr(p, "unknown case kind '%.*s'%s%s%s; kinds are return, exchange, repair, refund, complaint, cancel",
                        (int)wn, w, g != (size_t)-1 ? " (did you mean '" : "", g != (size_t)-1 ? case_kinds[g] : "",
                        g != (size_t)-1 ? "'?)" : "");
        }
        r->case_kind = case_kinds[kk];
        const char *o = w + wn;
        size_t on = tn - wn;
        trim(&o, &on);
        while (on) {
            if (on >= 13 && memcmp(o, "without order", 13) == 0) {
                r->without_order = 1;
                o += 13; on -= 13;
            } else if (on >= 10 && memcmp(o, "at latest(", 10) == 0) {
                const char *close = memchr(o, ')', on);
                if (!close) return perr(p, "'at latest(' is not closed with ')'");
                int k = split(p, o + 10, (size_t)(close - o - 10), ',', r->at_cols, NULL, MAP_MAX_AT);
                if (k <= 0) return perr(p, "'at latest(...)' needs 1 to %d columns", MAP_MAX_AT);
                r->n_at = k;
                on -= (size_t)(close + 1 - o);
                o = close + 1;
            } else {
                return perr(p, "unexpected '%.*s' after the case kind; options are 'without order' and "
                            "'at latest(COLUMN, COLUMN…)'", (int)on, o);
            }
            trim(&o, &on);
        }
    }
    s->n_rules++;
    return AS_OK;
}

static as_status parse_personal(parser *p, map_source *s, const char *v, size_t n) {
    const char *items[MAP_MAX_PII + 1];
    int k = split(p, v, n, ',', items, NULL, MAP_MAX_PII + 1);
    if (k <= 0) return perr(p, "personal needs COLUMN drop|pseudonymize|keep[, COLUMN drop|pseudonymize|keep…]");
    for (int i = 0; i < k; i++) {
        if (s->n_pii == MAP_MAX_PII) return perr(p, "more than %d personal columns in [source %s]", MAP_MAX_PII, s->name);
        const char *it = items[i];
        size_t in = strlen(it);
        const char *sp = NULL;
        for (size_t j = 0; j < in; j++) if (it[j] == ' ') sp = it + j;
        if (!sp)
            return perr(p, "'%s': say what to do with the column: '%s pseudonymize', '%s drop' or '%s keep'", it, it, it,
                        it);
        const char *act = sp + 1;
        map_pii *pi = &s->pii[s->n_pii];
        pi->line = p->line;
        if (strcmp(act, "drop") == 0) pi->action = AS_PII_DROP;
        else if (strcmp(act, "pseudonymize") == 0 || strcmp(act, "pseudonymise") == 0) pi->action = AS_PII_PSEUDONYMIZE;
        else if (strcmp(act, "keep") == 0) pi->action = AS_PII_KEEP;   /* the user's explicit choice: loaded as is */
        else return perr(p, "'%s' is not an action for personal data; use pseudonymize, drop or keep", act);
        const char *c = it;
        size_t cn = (size_t)(sp - it);
        trim(&c, &cn);
        pi->column = dup(p, c, cn);
        s->n_pii++;
    }
    return AS_OK;
}

static as_status parse_tokens(parser *p, const char *v, size_t n, const char **out, int *count) {
    int k = split(p, v, n, ',', out, NULL, MAP_MAX_NA);
    if (k < 0) return perr(p, "more than %d missing-value tokens", MAP_MAX_NA);
    *count = k;
    return AS_OK;
}

static as_status source_key(parser *p, map_source *s, const char *k, size_t kn, const char *v, size_t vn) {
    int f = field_by_name(k, kn);
    if (f >= 0) return parse_value(p, s, f, v, vn);
    if (eq(k, kn, "charge")) return parse_rule(p, s, MR_CHARGE, v, vn);
    if (eq(k, kn, "case")) return parse_rule(p, s, MR_CASE, v, vn);
    if (eq(k, kn, "reject")) return parse_rule(p, s, MR_REJECT, v, vn);
    if (eq(k, kn, "personal")) return parse_personal(p, s, v, vn);
    if (eq(k, kn, "file")) { s->file = dup(p, v, vn); return AS_OK; }
    if (eq(k, kn, "delimiter")) return parse_char(p, v, vn, "delimiter", &s->delimiter);
    if (eq(k, kn, "decimal")) {
        as_status st = parse_char(p, v, vn, "decimal", &s->decimal);
        if (!st && s->decimal != '.' && s->decimal != ',') return perr(p, "decimal is . or , (found '%c')", s->decimal);
        return st;
    }
    if (eq(k, kn, "na")) return parse_tokens(p, v, vn, s->na, &s->n_na);
    if (eq(k, kn, "dates")) {
        int c = split(p, v, vn, '|', s->formats, NULL, MAP_MAX_FORMATS);
        if (c <= 0) return perr(p, "dates needs one or more formats separated by | (for example %%d.%%m.%%Y %%H:%%M | iso)");
        s->n_formats = c;
        for (int i = 0; i < c; i++) {
            const char *fm = s->formats[i];
            if (strcmp(fm, "iso") == 0) continue;
            for (const char *q = fm; *q; q++) {
                if (*q != '%') continue;
                q++;
                if (!*q || !strchr("YymdHMSb%", *q))
                    return perr(p, "date format '%s': %%%c is not supported; use %%Y %%y %%m %%d %%H %%M %%S %%b or iso",
                                fm, *q ? *q : ' ');
            }
        }
        return AS_OK;
    }
    if (eq(k, kn, "feeds")) {
        const char *t[MT_N + 1];
        int c = split(p, v, vn, ',', t, NULL, MT_N + 1);
        if (c <= 0) return perr(p, "feeds needs one or more of customers, products, orders, order_lines, cases, reviews");
        for (int i = 0; i < c; i++) {
            int tt;
            for (tt = 0; tt < MT_N; tt++) if (strcmp(t[i], as__map_table_names[tt]) == 0) break;
            if (tt == MT_N) {
                size_t g = closest(t[i], strlen(t[i]), as__map_table_names, MT_N);
                return perr(p, "unknown table '%s'%s%s%s; tables are customers, products, orders, order_lines, cases, "
                            "reviews", t[i], g != (size_t)-1 ? " (did you mean '" : "",
                            g != (size_t)-1 ? as__map_table_names[g] : "", g != (size_t)-1 ? "'?)" : "");
            }
            s->feeds |= 1u << tt;
        }
        return AS_OK;
    }
    /* unknown: suggest among the section's keys and the canonical fields */
    const char *names[F_N + 16];
    size_t nn = 0;
    for (size_t i = 0; i < sizeof source_keys / sizeof *source_keys; i++) names[nn++] = source_keys[i];
    for (int i = 0; i < F_N; i++) names[nn++] = as__map_fields[i].name;
    size_t g = closest(k, kn, names, nn);
    return perr(p, "unknown key '%.*s' in [source %s]%s%s%s; keys are file, delimiter, decimal, dates, na, feeds, "
                "personal, charge, case, reject and the canonical field names (docs/mapping.md)", (int)kn, k, s->name,
                g != (size_t)-1 ? " (did you mean '" : "", g != (size_t)-1 ? names[g] : "", g != (size_t)-1 ? "'?)" : "");
}

static as_status lookup_key(parser *p, map_lookup *l, const char *k, size_t kn, const char *v, size_t vn) {
    if (eq(k, kn, "file")) l->file = dup(p, v, vn);
    else if (eq(k, kn, "key")) l->key = dup(p, v, vn);
    else if (eq(k, kn, "value")) l->value = dup(p, v, vn);
    else if (eq(k, kn, "delimiter")) return parse_char(p, v, vn, "delimiter", &l->delimiter);
    else if (eq(k, kn, "optional")) {
        if (eq(v, vn, "yes") || eq(v, vn, "true")) l->optional = 1;
        else if (eq(v, vn, "no") || eq(v, vn, "false")) l->optional = 0;
        else return perr(p, "optional is yes or no (found '%.*s')", (int)vn, v);
    } else {
        size_t g = closest(k, kn, lookup_keys, sizeof lookup_keys / sizeof *lookup_keys);
        return perr(p, "unknown key '%.*s' in [lookup %s]%s%s%s; keys are file, key, value, delimiter, optional",
                    (int)kn, k, l->name, g != (size_t)-1 ? " (did you mean '" : "",
                    g != (size_t)-1 ? lookup_keys[g] : "", g != (size_t)-1 ? "'?)" : "");
    }
    return AS_OK;
}

/* The table a source's records belong to: the most specific one it feeds. */
static int main_table(unsigned feeds) {
    static const int order[] = {MT_LINES, MT_CASES, MT_REVIEWS, MT_ORDERS, MT_PRODUCTS, MT_CUSTOMERS};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (feeds & (1u << order[i])) return order[i];
    return -1;
}

static as_status need(parser *p, const map_source *s, int field, const char *table) {
    if (s->fields[field].set) return AS_OK;
    p->line = s->line;
    return perr(p, "[source %s] feeds %s, which needs '%s'; add '%s = COLUMN' (or a constant: %s = \"VALUE\")", s->name,
                table, as__map_fields[field].name, as__map_fields[field].name, as__map_fields[field].name);
}

static as_status check_source(parser *p, map_source *s) {
    p->line = s->line;
    if (!s->file) return perr(p, "[source %s] has no 'file = NAME.csv'", s->name);
    if (!s->feeds)
        return perr(p, "[source %s] has no 'feeds = TABLE, …' (customers, products, orders, order_lines, cases, reviews)",
                    s->name);
    for (int f = 0; f < F_N; f++) {
        const map_value *mv = &s->fields[f];
        if (!mv->set) continue;
        if (!(as__map_fields[f].tables & s->feeds)) {
            p->line = mv->line;
            char tabs[128] = "";
            for (int t = 0; t < MT_N; t++)
                if (as__map_fields[f].tables & (1u << t))
                    snprintf(tabs + strlen(tabs), sizeof tabs - strlen(tabs), "%s%s", tabs[0] ? ", " : "",
                             as__map_table_names[t]);
            return perr(p, "'%s' belongs to %s, which [source %s] does not feed; add the table to 'feeds' or remove the "
                        "line", as__map_fields[f].name, tabs, s->name);
        }
        if (mv->lookup == -2) {
            int found = -1;
            for (int i = 0; i < p->m->n_lk; i++)
                if (strcmp(p->m->lk[i].name, mv->cols[MAP_MAX_PARTS - 1]) == 0) found = i;
            if (found < 0) {
                p->line = mv->line;
                return perr(p, "'%s' is translated via '%s', but there is no [lookup %s] section", as__map_fields[f].name,
                            mv->cols[MAP_MAX_PARTS - 1], mv->cols[MAP_MAX_PARTS - 1]);
            }
            s->fields[f].lookup = found;
            s->fields[f].cols[MAP_MAX_PARTS - 1] = NULL;
        }
    }
    int mt = main_table(s->feeds);
    as_status st = AS_OK;
    switch (mt) {
    case MT_LINES:
        if ((st = need(p, s, F_ORDER_ID, "order_lines")) || (st = need(p, s, F_PRODUCT_ID, "order_lines")) ||
            (st = need(p, s, F_QUANTITY, "order_lines")))
            return st;
        if (s->feeds & B(MT_ORDERS)) st = need(p, s, F_ORDERED_AT, "orders");
        break;
    case MT_CASES:
        if ((st = need(p, s, F_KIND, "cases")) || (st = need(p, s, F_OPENED_AT, "cases"))) return st;
        break;
    case MT_REVIEWS: st = need(p, s, F_ORDER_ID, "reviews"); break;
    case MT_ORDERS:
        if ((st = need(p, s, F_ORDER_ID, "orders")) || (st = need(p, s, F_ORDERED_AT, "orders"))) return st;
        break;
    case MT_PRODUCTS: st = need(p, s, F_PRODUCT_ID, "products"); break;
    default: st = need(p, s, F_CUSTOMER_ID, "customers"); break;
    }
    if (st) return st;
    for (int i = 0; i < s->n_rules; i++) {
        const map_rule *r = &s->rules[i];
        p->line = r->line;
        if (r->kind == MR_CHARGE && mt != MT_LINES)
            return perr(p, "charge rules need a source that feeds order_lines ([source %s] does not)", s->name);
        if (r->kind == MR_CASE && mt != MT_LINES && mt != MT_ORDERS && mt != MT_REVIEWS)
            return perr(p, "case rules need a source that feeds order_lines, orders or reviews; a cases source is a case "
                        "per record already");
        if (r->kind == MR_CASE && mt == MT_REVIEWS && !s->fields[F_CREATED_AT].set)
            return perr(p, "a case from a review opens at the review's created_at; map 'created_at' in [source %s]",
                        s->name);
        if (r->n_at && mt != MT_ORDERS)
            return perr(p, "'at latest(…)' is for orders sources; a case from a line opens at ordered_at (or opened_at), "
                        "from a review at created_at");
    }
    return AS_OK;
}

static const map_pii *declared(const map_source *s, const char *column) {
    for (int i = 0; i < s->n_pii; i++)
        if (strcmp(s->pii[i].column, column) == 0) return &s->pii[i];
    return NULL;
}

/* Every mapped column that looks personal by its name, or that another source declares personal, must be
 * declared in its own source too: otherwise its raw values would be loaded silently, and (for a column another
 * source pseudonymizes) would not join with that source's pseudonyms. `keep` is the explicit way to load it raw. */
static as_status check_personal(parser *p, const as_mapping *m) {
    for (int i = 0; i < m->n_src; i++) {
        const map_source *s = &m->src[i];
        for (int f = 0; f < F_N; f++) {
            const map_value *mv = &s->fields[f];
            if (!mv->set || mv->constant) continue;
            for (int c = 0; c < mv->ncols; c++) {
                const char *col = mv->cols[c];
                if (!col || declared(s, col)) continue;
                const map_source *other = NULL;
                const map_pii *od = NULL;
                for (int j = 0; j < m->n_src && !other; j++) {
                    const map_pii *d = j == i ? NULL : declared(&m->src[j], col);
                    if (d && d->action != AS_PII_KEEP) { other = &m->src[j]; od = d; }
                }
                if (!other && !as__pii_name_looks_personal(col)) continue;
                p->line = mv->line;
                if (other)
                    return perr(p, "column '%s' (mapped to %s) is declared personal in [source %s] (line %d) but not in "
                                "[source %s], so its raw values would be loaded from there%s; declare it: personal = "
                                "%s %s (or drop, or keep to load it as is)", col, as__map_fields[f].name, other->name,
                                od->line, s->name, od->action == AS_PII_PSEUDONYMIZE ? " and would not join with the "
                                "pseudonyms" : "", col, od->action == AS_PII_DROP ? "drop" : "pseudonymize");
                return perr(p, "column '%s' (mapped to %s) looks like personal data, and [source %s] does not say what to "
                            "do with it; declare it: personal = %s pseudonymize (or drop, or keep to load it as is)",
                            col, as__map_fields[f].name, s->name, col);
            }
        }
    }
    return AS_OK;
}

as_status as__mapping_parse(const char *text, size_t n, const char *name, as_mapping *m, as_error *err) {
    memset(m, 0, sizeof *m);
    as__arena_init(&m->arena, 1 << 13);
    m->path = as__arena_strndup(&m->arena, name, strlen(name));
    parser p = {.m = m, .name = name, .line = 0, .err = err};
    map_source *src = NULL;
    map_lookup *lk = NULL;
    int in_shop = 0;
    size_t i = 0;
    as_status st = AS_OK;
    while (i < n && !st) {
        const char *e = memchr(text + i, '\n', n - i);
        size_t len = e ? (size_t)(e - (text + i)) : n - i;
        const char *s = text + i;
        i += len + 1;
        p.line++;
        if (p.line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) { s += 3; len -= 3; }
        trim(&s, &len);
        if (!len || s[0] == '#' || s[0] == ';') continue;
        if (memchr(s, '\0', len)) { st = perr(&p, "the line holds a NUL byte; a mapping file is UTF-8 text"); break; }
        if (s[0] == '[') {
            if (s[len - 1] != ']') { st = perr(&p, "a section header ends with ']'"); break; }
            const char *h = s + 1;
            size_t hn = len - 2;
            trim(&h, &hn);
            src = NULL; lk = NULL; in_shop = 0;
            const char *sp = memchr(h, ' ', hn);
            size_t wn = sp ? (size_t)(sp - h) : hn;
            const char *nm = sp ? sp + 1 : "";
            size_t nmn = sp ? hn - wn - 1 : 0;
            trim(&nm, &nmn);
            if (eq(h, wn, "shop") && !nmn) { in_shop = 1; continue; }
            if ((eq(h, wn, "source") || eq(h, wn, "lookup")) && !nmn) {
                st = perr(&p, "[%.*s] needs a name: [%.*s NAME]", (int)wn, h, (int)wn, h);
                break;
            }
            if (eq(h, wn, "source")) {
                if (m->n_src == MAP_MAX_SOURCES) { st = perr(&p, "more than %d sources", MAP_MAX_SOURCES); break; }
                for (int k = 0; k < m->n_src; k++)
                    if (eq(nm, nmn, m->src[k].name)) { st = perr(&p, "[source %.*s] twice (first on line %d)", (int)nmn, nm, m->src[k].line); break; }
                if (st) break;
                src = &m->src[m->n_src++];
                src->name = dup(&p, nm, nmn);
                src->line = p.line;
                src->delimiter = ',';
                src->decimal = '.';
                for (int f = 0; f < F_N; f++) src->fields[f].lookup = -1;
            } else if (eq(h, wn, "lookup")) {
                if (m->n_lk == MAP_MAX_LOOKUPS) { st = perr(&p, "more than %d lookups", MAP_MAX_LOOKUPS); break; }
                lk = &m->lk[m->n_lk++];
                lk->name = dup(&p, nm, nmn);
                lk->line = p.line;
                lk->delimiter = ',';
            } else {
                static const char *const sections[] = {"shop", "source", "lookup"};
                size_t g = closest(h, wn, sections, 3);
                st = perr(&p, "unknown section [%.*s]%s%s%s; sections are [shop], [source NAME] and [lookup NAME]",
                          (int)hn, h, g != (size_t)-1 ? " (did you mean '" : "", g != (size_t)-1 ? sections[g] : "",
                          g != (size_t)-1 ? "'?)" : "");
            }
            continue;
        }
        const char *eqs = memchr(s, '=', len);
        if (!eqs) { st = perr(&p, "'%.*s' is neither a [section] nor 'key = value'", (int)(len > 60 ? 60 : len), s); break; }
        const char *k = s, *v = eqs + 1;
        size_t kn = (size_t)(eqs - s), vn = len - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        if (in_shop) {
            if (eq(k, kn, "na")) st = parse_tokens(&p, v, vn, m->na, &m->n_na);
            else st = perr(&p, "unknown key '%.*s' in [shop]; the only key there is na (missing-value tokens)", (int)kn, k);
        } else if (src) {
            st = source_key(&p, src, k, kn, v, vn);
        } else if (lk) {
            st = lookup_key(&p, lk, k, kn, v, vn);
        } else {
            st = perr(&p, "'%.*s' comes before any section; start with [source NAME]", (int)kn, k);
        }
    }
    if (!st && m->n_src == 0) {
        p.line = p.line ? p.line : 1;
        st = perr(&p, "no [source NAME] section; a mapping names at least one data file");
    }
    for (int k = 0; k < m->n_lk && !st; k++) {
        p.line = m->lk[k].line;
        if (!m->lk[k].file || !m->lk[k].key || !m->lk[k].value)
            st = perr(&p, "[lookup %s] needs file, key and value (the column to match and the column to use)", m->lk[k].name);
    }
    for (int k = 0; k < m->n_src && !st; k++) st = check_source(&p, &m->src[k]);
    if (!st) st = check_personal(&p, m);
    if (st) as__mapping_free(m);
    return st;
}

void as__mapping_free(as_mapping *m) {
    for (int i = 0; i < m->n_lk; i++) {
        if (m->lk[i].loaded) as__strmap_free(&m->lk[i].map);
        as__free(m->lk[i].vals);
    }
    as__arena_free(&m->arena);
    memset(m, 0, sizeof *m);
}

/* ---- dates ---- */

static int digits(const char *s, size_t n, size_t *i, int min, int max, int *out) {
    int v = 0, k = 0;
    while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9') { v = v * 10 + (s[*i] - '0'); (*i)++; k++; }
    *out = v;
    return k >= min;
}

int as__mapping_parse_time(const char *s, size_t n, const char *fmt, int64_t *out) {
    if (strcmp(fmt, "iso") == 0) {
        /* ISO only (the general parser also reads the US M/D/Y form, which a format must say explicitly) */
        if (n < 10 || s[4] != '-') return 0;
        return as__time_parse_n(s, n, out);
    }
    static const char *const mon[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    int y = -1, mo = 1, d = 1, h = 0, mi = 0, se = 0;
    size_t i = 0;
    for (const char *f = fmt; *f; f++) {
        if (*f == ' ') {
            if (i >= n || s[i] != ' ') return 0;
            while (i < n && s[i] == ' ') i++;
            continue;
        }
        if (*f != '%' || f[1] == '%') {
            if (*f == '%') f++;
            if (i >= n || s[i] != *f) return 0;
            i++;
            continue;
        }
        f++;
        int ok = 1;
        switch (*f) {
        case 'Y': ok = digits(s, n, &i, 4, 4, &y); break;
        case 'y': ok = digits(s, n, &i, 2, 2, &y); if (ok) y += y < 70 ? 2000 : 1900; break;
        case 'm': ok = digits(s, n, &i, 1, 2, &mo); break;
        case 'd': ok = digits(s, n, &i, 1, 2, &d); break;
        case 'H': ok = digits(s, n, &i, 1, 2, &h); break;
        case 'M': ok = digits(s, n, &i, 2, 2, &mi); break;
        case 'S': ok = digits(s, n, &i, 2, 2, &se); break;
        case 'b': {
            ok = 0;
            if (i + 3 <= n)
                for (int k = 0; k < 12; k++)
                    if (tolower((unsigned char)s[i]) == mon[k][0] && tolower((unsigned char)s[i + 1]) == mon[k][1] &&
                        tolower((unsigned char)s[i + 2]) == mon[k][2]) { mo = k + 1; ok = 1; }
            i += 3;
            break;
        }
        default: return 0;
        }
        if (!ok) return 0;
    }
    if (i != n || y < 0) return 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap) return 0;
    *out = as__days_from_civil(y, mo, d) * AS_DAY + h * 3600 + mi * 60 + se;
    return 1;
}
