/*
 * table — a typed, columnar table read from a CSV file (contract in table.h).
 *
 * This file holds the type rules, the header's names and the record reader: records one at a time from the
 * streaming CSV reader, on one thread. It is the reference the block reader (table_par.c, the default for files
 * and memory) is checked against, the reader for input that cannot be read twice (a pipe), and the one that
 * reports every error in the input: the block reader hands such input over to it (table_internal.h).
 *
 * The record reader, in one pass. Each field is typed and converted the moment the reader hands it over, while its bytes are still in
 * cache: a column holds doubles (NaN = missing) as long as every value so far fits its kind (int, double, time),
 * and text pointers into the table's arena (NULL = missing) once one value did not. The type is still that of the
 * whole column — a value in the last row can make it TEXT — because a numeric column also keeps its values' text,
 * NUL-separated in row order in a scratch buffer: when a value turns the column to TEXT, the earlier rows get their
 * text back from it. At the end the scratch buffers of the columns that stayed numeric are dropped.
 *
 * (The earlier design stored every field as text and typed the columns afterwards, column by column: that second
 * pass visited one string per cache line, all over the arena, and 97 % of its time went into the first load of
 * each string — half of reading a 235,425 × 38 numeric file.)
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "table/table_internal.h"

as_table_options as__table_options_default(void) {
    as_table_options o;
    o.csv = as__csv_options_default();
    o.na_tokens = NULL;
    o.n_na_tokens = 0;
    o.threads = 0;
    o.block_bytes = 0;
    o.record_reader = 0;
    return o;
}

const char *as__col_type_name(as_col_type t) {
    switch (t) {
    case AS_COL_INT: return "int";
    case AS_COL_DOUBLE: return "double";
    case AS_COL_TIME: return "time";
    case AS_COL_TEXT: return "text";
    }
    return "unknown";
}

void as__table_free(as_table *t) {
    if (!t) return;
    for (size_t j = 0; j < t->ncols; j++) {
        as__free(t->cols[j].num);
        as__free(t->cols[j].text);
    }
    as__free(t->cols);
    as__arena_free(&t->arena);
    as__free(t);
}

int as__table_find(const as_table *t, const char *name) {
    if (!t || !name) return -1;
    for (size_t j = 0; j < t->ncols; j++)
        if (strcmp(t->cols[j].name, name) == 0) return (int)j;
    return -1;
}

/* ---- header names: pandas' rules, so that column names match what analysts see in pandas ----
 * An empty name becomes "Unnamed: K" (K = 0-based position). A repeated name gets ".1", ".2", … appended, as
 * pandas' C parser does it (pandas/_libs/parsers.pyx, TextReader._get_header): a suffix is skipped when the
 * resulting name already stands in the header, so "x,x,x.1" becomes x, x.2, x.1. */

typedef struct name_slot {
    const char *name;        /* NULL = free slot */
    size_t in_header;        /* how often the name stands in the header as renamed so far */
    size_t count;            /* pandas' `counts` */
} name_slot;

typedef struct name_map {
    name_slot *slots;
    size_t cap;              /* power of two, at least twice the number of keys */
} name_map;

/* The slot of `name`: its entry, or the free slot where it would go (then all counters are 0). */
static name_slot *name_find(name_map *m, const char *name) {
    size_t mask = m->cap - 1, k = (size_t)as__hash64(name, strlen(name)) & mask;
    while (m->slots[k].name && strcmp(m->slots[k].name, name) != 0) k = (k + 1) & mask;
    return &m->slots[k];
}

/* Same, entering the name when absent. The name must live as long as the map (it is in the arena). */
static name_slot *name_get(name_map *m, const char *name) {
    name_slot *s = name_find(m, name);
    if (!s->name) s->name = name;
    return s;
}

static as_status name_columns(as_table *t, const as_csv_field *f, size_t n) {
    for (size_t j = 0; j < n; j++) {
        char label[48];
        const char *src = f[j].p;
        size_t len = f[j].n;
        if (len == 0) {
            int k = snprintf(label, sizeof label, "Unnamed: %zu", j);
            src = label;
            len = (size_t)k;
        }
        t->cols[j].name = as__arena_strndup(&t->arena, src, len);
        if (!t->cols[j].name) return AS_ERR_NOMEM;
    }
    /* Keys: the n original names and at most n new ones. */
    name_map m;
    m.cap = 16;
    while (m.cap < 4 * n) m.cap *= 2;
    m.slots = as__calloc(m.cap, sizeof *m.slots);
    if (!m.slots) return AS_ERR_NOMEM;
    for (size_t j = 0; j < n; j++) name_get(&m, t->cols[j].name)->in_header++;
    as_status st = AS_OK;
    for (size_t j = 0; j < n && st == AS_OK; j++) {
        char *old = t->cols[j].name, *col = old;
        size_t cur = name_find(&m, old)->count;
        while (cur > 0) {
            name_get(&m, old)->count = cur + 1;
            size_t len = strlen(old) + 24;
            col = as__arena_alloc(&t->arena, len);
            if (!col) { st = AS_ERR_NOMEM; break; }
            snprintf(col, len, "%s.%zu", old, cur);
            name_slot *s = name_find(&m, col);
            if (s->in_header > 0) cur++;
            else cur = s->count;
        }
        if (st) break;
        name_get(&m, old)->in_header--;
        name_slot *s = name_get(&m, col);
        s->in_header++;
        s->count = cur + 1;
        t->cols[j].name = col;
    }
    as__free(m.slots);
    return st;
}

/* ---- type inference ---- */

/* "02116", "007", "-01", "00.5": a zero followed by another digit at the start of the number. Such values are
 * codes (zip codes, article numbers) whose leading zeros matter, so they keep their column TEXT. */
int as__table_leading_zero(const char *s, size_t n) {
    size_t i = (n && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    return i + 1 < n && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9';
}

enum kind { K_NONE, K_INT, K_DOUBLE, K_TIME, K_TEXT };

/* Reading state of one column that is not (yet) TEXT: the kind so far, and the text of its non-missing values
 * (each followed by a NUL, in row order) in case a later value makes the column TEXT. */
typedef struct col_state {
    enum kind k;
    char *buf;
    size_t len, cap;
    size_t *soft, n_soft, cap_soft;   /* rows holding one of pandas' missing-value tokens, in row order */
} col_state;

/* pandas 1.5's default na_values (pandas._libs.parsers.STR_NA_VALUES, the empty string aside). */
static const char *const pandas_na[] = {"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
                                        "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null"};

int as__table_pandas_na(const char *s, size_t n) {
    if (n > 8 || n < 2) return 0;
    for (size_t k = 0; k < sizeof pandas_na / sizeof *pandas_na; k++)
        if (strlen(pandas_na[k]) == n && memcmp(pandas_na[k], s, n) == 0) return 1;
    return 0;
}

/* pandas' default true_values / false_values for a bool column: 1, 0, or −1 when s is neither. */
int as__table_bool_token(const char *s) {
    if (!strcmp(s, "True") || !strcmp(s, "TRUE") || !strcmp(s, "true")) return 1;
    if (!strcmp(s, "False") || !strcmp(s, "FALSE") || !strcmp(s, "false")) return 0;
    return -1;
}

/* The type rules, one value at a time (in row order, so the result is that of the whole column): an integer
 * without a leading zero, a decimal number without one, or a timestamp; a column that has seen a timestamp takes
 * only timestamps, one that has seen a number takes no timestamp. Returns the kind after s[0..n), K_TEXT when
 * the value does not fit; else *v is the value. (No value is both a number and a timestamp, so the kind of a
 * column depends only on which of the three its values are, not on their order: the block reader relies on it.)
 * as__parse_number says what as__parse_int64 and then as__parse_double would, bit for bit. */
static enum kind type_value(enum kind k, const char *s, size_t n, double *v) {
    int64_t iv;
    double dv;
    int num = k != K_TIME ? as__parse_number(s, n, &dv) : AS_NUM_NONE;
    if (num == AS_NUM_INT) {
        if (as__table_leading_zero(s, n)) return K_TEXT;
        *v = dv;
        return k == K_NONE ? K_INT : k;
    }
    if (num == AS_NUM_DOUBLE) {
        if (as__table_leading_zero(s, n)) return K_TEXT;
        *v = dv;
        return K_DOUBLE;
    }
    if ((k == K_NONE || k == K_TIME) && as__time_parse_n(s, n, &iv)) {
        *v = (double)iv;
        return K_TIME;
    }
    return K_TEXT;
}

/* Keeps the text of a value of a numeric column. */
static as_status keep_text(col_state *cs, const char *s, size_t n) {
    if (cs->cap - cs->len < n + 1) {
        size_t ncap = cs->cap ? cs->cap : 4096;
        while (ncap - cs->len < n + 1) ncap *= 2;
        char *b = as__realloc(cs->buf, ncap);
        if (!b) return AS_ERR_NOMEM;
        cs->buf = b;
        cs->cap = ncap;
    }
    memcpy(cs->buf + cs->len, s, n);
    cs->buf[cs->len + n] = '\0';
    cs->len += n + 1;
    return AS_OK;
}

/* Column c (rows [0, nrows) read, capacity cap) becomes TEXT: its values' text moves into the arena in one
 * piece, and each non-missing row points at its string there (rows with NaN are the missing ones: the strict
 * number parsers never produce NaN). */
static as_status to_text(as_table *t, as_column *c, col_state *cs, size_t cap) {
    const char **text = as__malloc(cap * sizeof *text);
    char *base = cs->len ? as__arena_alloc(&t->arena, cs->len) : NULL;
    if (!text || (cs->len && !base)) {
        as__free(text);
        return AS_ERR_NOMEM;
    }
    if (cs->len) memcpy(base, cs->buf, cs->len);
    size_t pos = 0, soft = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        /* a pandas missing-value token in what turns out to be a text column is a value after all */
        int is_soft = soft < cs->n_soft && cs->soft[soft] == i;
        if (is_soft) soft++;
        if (isnan(c->num[i]) && !is_soft) {
            text[i] = NULL;
        } else {
            text[i] = base + pos;
            pos += strlen(base + pos) + 1;   /* one sequential walk, cache-friendly, and only on a change of type */
        }
    }
    c->n_missing -= cs->n_soft;
    c->n_soft_missing = 0;
    as__free(cs->soft);
    cs->soft = NULL;
    cs->n_soft = cs->cap_soft = 0;
    as__free(c->num);
    c->num = NULL;
    c->text = text;
    as__free(cs->buf);
    cs->buf = NULL;
    cs->len = cs->cap = 0;
    cs->k = K_TEXT;
    return AS_OK;
}

/* ---- reading ---- */

int as__table_user_na(const char *s, size_t n, const as_table_options *o) {
    for (size_t k = 0; k < o->n_na_tokens; k++) {
        const char *tok = o->na_tokens[k];
        if (tok && strlen(tok) == n && memcmp(tok, s, n) == 0) return 1;
    }
    return 0;
}

static int is_missing(const as_csv_field *f, const as_table_options *o) {
    return f->n == 0 || as__table_user_na(f->p, f->n, o);
}

/* Room for twice the rows: text pointers for TEXT columns, values for the others. */
static as_status grow_rows(as_table *t, const col_state *cs, size_t *cap) {
    size_t ncap = *cap ? *cap * 2 : 1024;
    for (size_t j = 0; j < t->ncols; j++) {
        as_column *c = &t->cols[j];
        if (cs[j].k == K_TEXT) {
            const char **p = as__reallocarray(c->text, ncap, sizeof *p);
            if (!p) return AS_ERR_NOMEM;
            c->text = p;
        } else {
            double *p = as__reallocarray(c->num, ncap, sizeof *p);
            if (!p) return AS_ERR_NOMEM;
            c->num = p;
        }
    }
    *cap = ncap;
    return AS_OK;
}

/* Types of the columns once every row is in: a column with no value at all is TEXT (nothing says it is a
 * number); numeric columns drop their scratch text and spare capacity. */
static as_status finish_columns(as_table *t, col_state *cs) {
    for (size_t j = 0; j < t->ncols; j++) {
        as_column *c = &t->cols[j];
        size_t rows = t->nrows ? t->nrows : 1;
        if (cs[j].k == K_NONE && cs[j].n_soft) {
            /* nothing but pandas' tokens: they are the column's values */
            if (to_text(t, c, &cs[j], t->nrows ? t->nrows : 1)) return AS_ERR_NOMEM;
        }
        switch (cs[j].k) {
        case K_TEXT: {
            c->type = AS_COL_TEXT;
            int all_bool = 1;
            size_t seen = 0;
            for (size_t i = 0; i < t->nrows && all_bool; i++)
                if (c->text[i]) { all_bool = as__table_bool_token(c->text[i]) >= 0; seen++; }
            if (all_bool && seen) {
                double *num = as__reallocarray(NULL, rows, sizeof *num);
                if (!num) return AS_ERR_NOMEM;
                for (size_t i = 0; i < t->nrows; i++) num[i] = c->text[i] ? as__table_bool_token(c->text[i]) : NAN;
                as__free((void *)c->text);
                c->text = NULL;
                c->num = num;
                c->type = AS_COL_INT;
                c->from_bool = 1;
            }
            continue;
        }
        case K_NONE: {
            const char **text = as__calloc(rows, sizeof *text);
            if (!text) return AS_ERR_NOMEM;
            as__free(c->num);
            c->num = NULL;
            c->text = text;
            c->type = AS_COL_TEXT;
            break;
        }
        default: {
            c->type = cs[j].k == K_INT ? AS_COL_INT : cs[j].k == K_DOUBLE ? AS_COL_DOUBLE : AS_COL_TIME;
            double *num = as__reallocarray(c->num, rows, sizeof *num);
            if (num) c->num = num;   /* a failed shrink keeps the larger array, which is fine */
            break;
        }
        }
        as__free(cs[j].buf);
        cs[j].buf = NULL;
        as__free(cs[j].soft);
        cs[j].soft = NULL;
    }
    return AS_OK;
}

as_status as__table_header(as_csv_reader *rd, as_table **out, as_error *err) {
    *out = NULL;
    const char *name = as__csv_name(rd);
    as_csv_field *f;
    size_t n;
    as_status st = as__csv_next(rd, &f, &n, err);
    if (st == AS_ERR_NODATA)
        return as__err(err, AS_ERR_NODATA, "%s: the file is empty; a CSV file needs a header row naming its columns",
                       name);
    if (st) return st;
    as_table *t = as__calloc(1, sizeof *t);
    if (!t) return as__err(err, AS_ERR_NOMEM, "%s: out of memory reading the table", name);
    as__arena_init(&t->arena, AS_TABLE_ARENA_BLOCK);
    t->cols = as__calloc(n, sizeof *t->cols);
    if (!t->cols) { as__free(t); return as__err(err, AS_ERR_NOMEM, "%s: out of memory reading the table", name); }
    t->ncols = n;
    if (name_columns(t, f, n)) {
        as__table_free(t);
        return as__err(err, AS_ERR_NOMEM, "%s: out of memory reading the table (0 rows so far)", name);
    }
    *out = t;
    return AS_OK;
}

static as_status read_table(as_csv_reader *rd, const as_table_options *opt, as_table **out, as_error *err) {
    as_table_options o = opt ? *opt : as__table_options_default();
    const char *name = as__csv_name(rd);
    as_csv_field *f;
    size_t n;
    as_table *t = NULL;
    as_status st = as__table_header(rd, &t, err);
    if (st) return st;
    n = t->ncols;
    size_t cap = 0;
    col_state *cs = as__calloc(n ? n : 1, sizeof *cs);   /* every column starts K_NONE, without text */
    if (!cs || grow_rows(t, cs, &cap)) goto nomem;

    for (;;) {
        st = as__csv_next(rd, &f, &n, err);
        if (st == AS_ERR_NODATA) break;
        if (st) goto fail;
        if (n != t->ncols) {
            char what[32];
            if (o.csv.delimiter == ',' || o.csv.delimiter == '\0')
                snprintf(what, sizeof what, "a comma");
            else if (o.csv.delimiter == '\t')
                snprintf(what, sizeof what, "a tab");
            else
                snprintf(what, sizeof what, "a '%c'", o.csv.delimiter);
            st = as__err(err, AS_ERR_PARSE,
                         "%s:%lld: expected %zu fields (as in the header) but found %zu; fix the record or quote the "
                         "field that contains %s", name, (long long)as__csv_line(rd), t->ncols, n, what);
            goto fail;
        }
        if (t->nrows == cap && grow_rows(t, cs, &cap)) goto nomem;
        const size_t row = t->nrows;
        for (size_t j = 0; j < n; j++) {
            as_column *c = &t->cols[j];
            if (is_missing(&f[j], &o)) {
                c->n_missing++;
                if (cs[j].k == K_TEXT) c->text[row] = NULL;
                else c->num[row] = NAN;
                continue;
            }
            if (cs[j].k != K_TEXT && as__table_pandas_na(f[j].p, f[j].n)) {
                /* missing while the column stays numeric; its text is kept in case it turns out to be text */
                if (cs[j].n_soft == cs[j].cap_soft) {
                    size_t nc = cs[j].cap_soft ? cs[j].cap_soft * 2 : 64;
                    size_t *p = as__reallocarray(cs[j].soft, nc, sizeof *p);
                    if (!p) goto nomem;
                    cs[j].soft = p;
                    cs[j].cap_soft = nc;
                }
                cs[j].soft[cs[j].n_soft++] = row;
                c->n_missing++;
                c->n_soft_missing++;
                c->num[row] = NAN;
                if (keep_text(&cs[j], f[j].p, f[j].n)) goto nomem;
                continue;
            }
            if (cs[j].k != K_TEXT) {
                double v;
                enum kind k = type_value(cs[j].k, f[j].p, f[j].n, &v);
                if (k != K_TEXT) {
                    cs[j].k = k;
                    c->num[row] = v;
                    if (keep_text(&cs[j], f[j].p, f[j].n)) goto nomem;
                    continue;
                }
                if (to_text(t, c, &cs[j], cap)) goto nomem;
            }
            char *s = as__arena_strndup(&t->arena, f[j].p, f[j].n);
            if (!s) goto nomem;
            c->text[row] = s;
        }
        t->nrows++;
    }
    if (finish_columns(t, cs)) goto nomem;
    as__free(cs);
    *out = t;
    return AS_OK;

nomem:
    st = as__err(err, AS_ERR_NOMEM, "%s: out of memory reading the table (%zu rows so far)", name, t->nrows);
fail:
    if (cs)
        for (size_t j = 0; j < t->ncols; j++) { as__free(cs[j].buf); as__free(cs[j].soft); }
    as__free(cs);
    as__table_free(t);
    return st;
}

as_status as__table_src_open(const as_table_src *src, const as_table_options *o, as_csv_reader **rd, as_error *err) {
    if (src->path) return as__csv_open(src->path, &o->csv, rd, err);
    return as__csv_open_mem(src->data, src->n, src->name, &o->csv, rd, err);
}

/* The block reader when the input can be read again (a regular file, memory), else the record reader; the
 * block reader hands over to the record reader whenever it meets what it leaves to it. */
static as_status read_src(const as_table_src *src, int rereadable, const as_table_options *opt, as_table **out,
                          as_error *err) {
    as_table_options o = opt ? *opt : as__table_options_default();
    *out = NULL;
    if (rereadable && !o.record_reader) {
        int step_aside = 0;
        as_status st = as__table_read_blocks(src, &o, out, &step_aside, err);
        if (!step_aside) return st;
    }
    as_csv_reader *rd = NULL;
    as_status st = as__table_src_open(src, &o, &rd, err);
    if (st) return st;
    st = read_table(rd, &o, out, err);
    as__csv_close(rd);
    return st;
}

as_status as__table_read_csv(const char *path, const as_table_options *opt, as_table **out, as_error *err) {
    *out = NULL;
    as_table_src src = {path, NULL, 0, path, 0};
    struct stat sb;
    int regular = path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
    if (regular) src.size = (int64_t)sb.st_size;
    return read_src(&src, regular, opt, out, err);
}

as_status as__table_read_mem(const char *data, size_t n, const char *name, const as_table_options *opt,
                             as_table **out, as_error *err) {
    *out = NULL;
    as_table_src src = {NULL, data, data ? n : 0, name ? name : "<memory>", (int64_t)(data ? n : 0)};
    return read_src(&src, 1, opt, out, err);
}
