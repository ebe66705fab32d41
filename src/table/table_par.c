/*
 * table — the block reader (contract in table.h; shared rules in table_internal.h).
 *
 * The input is read in blocks (2 MiB per thread; the first one small). A block is cut into one piece per thread
 * at line ends, and the pieces are parsed at the same time, straight into typed cells: each piece is parsed as
 * if a record started where it starts. That is a guess — the line end before it may sit inside a quoted field —
 * checked when the pieces are merged, in order: a piece is kept only when the piece before it ended exactly
 * where it starts; otherwise the rest of the block is parsed again from where the piece before really ended, on
 * one thread. The record that runs past the end of the block moves to the front of the next one. So the table is
 * the one a single pass in file order makes (tests/fuzz/fuzz_table_blocks.c compares the two readers on every
 * input, with blocks as small as one byte).
 *
 * Types. A column is parsed as numbers (M_NUM) as long as every value so far is a number or a timestamp of one
 * kind; the classes seen are or-ed per piece and per column, which gives the record reader's type because a
 * column's type depends only on the set of classes its values fall in (see type_value in table.c). A value that
 * makes a column TEXT "flips" it: the block is parsed again with that column as text (M_TEXT), and the rows of
 * earlier blocks, whose text was not kept, are read again at the end from the input (a second pass over the
 * first part of the file, for that column only: the price of not keeping the text of every number in memory).
 * Text is kept once per distinct value: each piece collects its distinct strings, and the merge turns them
 * into one string in the table's arena per distinct value.
 *
 * Memory. Nothing grows per row except the columns themselves (8 bytes a cell); each piece owns buffers sized
 * by the block, allocated by the main thread; worker threads allocate nothing (the allocation wrapper's test
 * hook is not thread-safe, and a worker never needs it).
 *
 * What it leaves to the record reader (*step_aside): any record with a field count other than the header's, a
 * quoted field never closed, a record longer than max_record_bytes, an I/O error, or input that changed
 * between the two passes. The record reader then reads the input again from the start and reports it with its
 * file:line message, exactly as before.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "table/table_internal.h"

#define MAX_THREADS 8
#define BLOCK_PER_THREAD ((size_t)2 << 20)
#define FIRST_BLOCK ((size_t)64 << 10)     /* small: a column that turns out to be text costs a re-parse of it */
#define MAX_BLOCK ((size_t)1 << 29)         /* a longer record goes to the record reader */
#define PAD 64                              /* readable bytes after a block (0s), for the number scanner's peek */
#define DICT_SLOTS_MAX ((size_t)1 << 16) /* a piece's dictionary: at most half full, later strings are appended */

enum { M_NUM = 0, M_TEXT = 1, M_SKIP = 2 };
enum { C_INT = 1, C_DOUBLE = 2, C_TIME = 4 };        /* classes of values seen in a numeric column */
enum { P_OK = 0, P_INCOMPLETE, P_BAD };
enum { JOB_PARSE, JOB_COPY, JOB_EXIT };

#define NO_TEXT UINT64_MAX
#define SOFT_TAG 0xFFF8000000000000ULL   /* a negative quiet NaN carrying a string entry: pandas' NA tokens */
#define IS_SOFT(b) (((b) >> 32) == (SOFT_TAG >> 32))

typedef struct str_ent {
    uint32_t off, len, hash, slot;    /* slot in the piece's dictionary, or UINT32_MAX */
} str_ent;

typedef struct piece {
    size_t start, stop;        /* records starting in [start, stop); the last may run on to the end of the block */
    size_t end;                /* after the last complete record */
    size_t rows, row0;         /* rows parsed; first global row (merge) */
    int status;
    size_t n_soft;
    unsigned char *mode, *flip, *mask;   /* per column */
    uint64_t *cells;           /* column-major: cells[j * rows_cap + r] */
    char *sbuf;                /* distinct strings, NUL-terminated */
    size_t sbuf_len;
    str_ent *ent;
    size_t n_ent, n_dict;
    uint32_t *dict;            /* dict_slots: entry + 1, 0 = free */
    const char **map;          /* entry → the table's string (set by the merge) */
    char *scratch;             /* a quoted field's content */
} piece;

typedef struct gstr {          /* the table's distinct strings */
    const char *s;
    uint32_t len, hash;
} gstr;

typedef struct par par;

typedef struct pool {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned long gen;
    int job, pending, nworkers, started;
    pthread_t th[MAX_THREADS];
    struct worker { struct pool *pl; int k; } arg[MAX_THREADS];
    par *P;
} pool;

struct par {
    const as_table_options *o;
    const char *name;
    int64_t src_size;          /* bytes of the input (0 = unknown) */
    as_table *t;
    size_t nc;
    char delim;
    size_t max_record;
    size_t *na_len;            /* lengths of the user's NA tokens */
    uint64_t nan_bits;

    as_csv_reader *rd;
    char *buf;                 /* cap + PAD bytes */
    size_t cap, lim;
    int final;

    int T, npieces, nvalid;
    piece pc[MAX_THREADS];
    size_t rows_cap, cells_cap, ent_cap, sbuf_cap, dict_slots;

    unsigned char *mode, *mask;
    double **num;
    const char ***text;
    size_t rows, cols_cap;
    size_t *rescan;            /* rows whose text must be read again (the column flipped after them) */
    size_t **soft_row;
    const char ***soft_val;
    size_t *n_soft, *soft_cap;
    int rescan_pass;

    gstr *gs;
    size_t n_gs, gs_cap;
    uint32_t *gslot;
    size_t gslot_cap;

    pool pl;
};

/* ---- strings ---- */

static inline uint32_t str_hash(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ULL; }
    return (uint32_t)(h ^ (h >> 32));
}

/* Entry of s[0..n) in the piece: the existing one when the dictionary has it. NO_TEXT when the buffers are full,
 * which their sizes rule out (the caller then marks the piece bad, and the record reader takes over). */
static uint64_t piece_str(piece *pc, const par *P, const char *s, size_t n) {
    uint32_t h = str_hash(s, n);
    size_t mask = P->dict_slots - 1, k = h & mask;
    for (uint32_t e; (e = pc->dict[k]) != 0; k = (k + 1) & mask) {
        const str_ent *x = &pc->ent[e - 1];
        if (x->hash == h && x->len == n && memcmp(pc->sbuf + x->off, s, n) == 0) return e - 1;
    }
    if (pc->n_ent == P->ent_cap || pc->sbuf_len + n + 1 > P->sbuf_cap || n > UINT32_MAX) return NO_TEXT;
    str_ent *x = &pc->ent[pc->n_ent];
    x->off = (uint32_t)pc->sbuf_len;
    x->len = (uint32_t)n;
    x->hash = h;
    x->slot = UINT32_MAX;
    memcpy(pc->sbuf + pc->sbuf_len, s, n);
    pc->sbuf[pc->sbuf_len + n] = '\0';
    pc->sbuf_len += n + 1;
    if (pc->n_dict < P->dict_slots / 2) {
        pc->dict[k] = (uint32_t)pc->n_ent + 1;
        x->slot = (uint32_t)k;
        pc->n_dict++;
    }
    return pc->n_ent++;
}

/* The table's one copy of a string (main thread). NULL when out of memory. */
static const char *intern(par *P, const char *s, uint32_t n, uint32_t h) {
    if (2 * (P->n_gs + 1) > P->gslot_cap) {
        size_t ncap = P->gslot_cap ? 2 * P->gslot_cap : 1024;
        uint32_t *ns = as__calloc(ncap, sizeof *ns);
        if (!ns) return NULL;
        for (size_t i = 0; i < P->n_gs; i++) {
            size_t k = P->gs[i].hash & (ncap - 1);
            while (ns[k]) k = (k + 1) & (ncap - 1);
            ns[k] = (uint32_t)i + 1;
        }
        as__free(P->gslot);
        P->gslot = ns;
        P->gslot_cap = ncap;
    }
    size_t mask = P->gslot_cap - 1, k = h & mask;
    for (uint32_t e; (e = P->gslot[k]) != 0; k = (k + 1) & mask) {
        const gstr *g = &P->gs[e - 1];
        if (g->hash == h && g->len == n && memcmp(g->s, s, n) == 0) return g->s;
    }
    if (P->n_gs == P->gs_cap) {
        size_t ncap = P->gs_cap ? 2 * P->gs_cap : 256;
        gstr *ng = as__reallocarray(P->gs, ncap, sizeof *ng);
        if (!ng) return NULL;
        P->gs = ng;
        P->gs_cap = ncap;
    }
    char *copy = as__arena_strndup(&P->t->arena, s, n);
    if (!copy) return NULL;
    P->gs[P->n_gs].s = copy;
    P->gs[P->n_gs].len = n;
    P->gs[P->n_gs].hash = h;
    P->gslot[k] = (uint32_t)++P->n_gs;
    return copy;
}

/* ---- parsing one piece ---- */

static int user_na(const par *P, const char *s, size_t n) {
    for (size_t k = 0; k < P->o->n_na_tokens; k++)
        if (P->o->na_tokens[k] && P->na_len[k] == n && memcmp(P->o->na_tokens[k], s, n) == 0) return 1;
    return 0;
}

/* Stores field j of row r. have_num: the number scanner already read the field (kind, v). Returns 0 when the
 * piece's buffers are full (never, by their sizes). */
static inline int put_field(const par *P, piece *pc, size_t j, size_t r, const char *s, size_t n, int kind,
                            double v) {
    uint64_t *cell = &pc->cells[j * P->rows_cap + r];
    int mode = pc->mode[j];
    if (mode == M_SKIP) return 1;
    if (n == 0 || (P->o->n_na_tokens && user_na(P, s, n))) {
        *cell = mode == M_TEXT ? NO_TEXT : P->nan_bits;
        return 1;
    }
    if (mode == M_NUM) {
        if (kind < 0) kind = as__parse_number(s, n, &v);
        int cls = 0;
        if (kind != AS_NUM_NONE) {
            /* a leading zero needs a '0' in front (after the sign): most numbers are spared the call */
            int maybe = s[0] == '0' || (n > 1 && (s[0] == '-' || s[0] == '+') && s[1] == '0');
            if (!maybe || !as__table_leading_zero(s, n)) cls = kind == AS_NUM_INT ? C_INT : C_DOUBLE;
        } else if (as__table_pandas_na(s, n)) {
            uint64_t e = piece_str(pc, P, s, n);
            if (e == NO_TEXT) return 0;
            *cell = SOFT_TAG | e;
            pc->n_soft++;
            return 1;
        } else {
            int64_t iv;
            if (as__time_parse_n(s, n, &iv)) {
                cls = C_TIME;
                v = (double)iv;
            }
        }
        if (cls) {
            unsigned m = pc->mask[j] |= (unsigned char)cls;
            if (!((m & C_TIME) && (m & (C_INT | C_DOUBLE)))) {
                memcpy(cell, &v, sizeof v);
                return 1;
            }
        }
        /* text after all: the column flips; this piece keeps it as text from here on */
        pc->flip[j] = 1;
        pc->mode[j] = M_TEXT;
    }
    uint64_t e = piece_str(pc, P, s, n);
    *cell = e;
    return e != NO_TEXT;
}

/* Parses the records that start in [pc->start, pc->stop) of the block, by csv.c's rules (see csv.h). */
static void parse_piece(const par *P, piece *pc) {
    const char *b = P->buf;
    const size_t lim = P->lim, stop = pc->stop, nc = P->nc;
    const int final = P->final;
    const char d = P->delim;
    size_t pos = pc->start, row = 0;
    for (size_t e = 0; e < pc->n_ent; e++)
        if (pc->ent[e].slot != UINT32_MAX) pc->dict[pc->ent[e].slot] = 0;
    pc->n_ent = pc->n_dict = pc->sbuf_len = pc->n_soft = 0;
    memcpy(pc->mode, P->mode, nc);
    memset(pc->flip, 0, nc);
    memset(pc->mask, 0, nc);
    pc->status = P_OK;

    while (pos < stop) {
        size_t rs = pos;
        /* an empty line (LF, CR LF, or a CR that ends the input) is no record */
        if (b[pos] == '\n') { pos++; continue; }
        if (b[pos] == '\r') {
            if (pos + 1 < lim && b[pos + 1] == '\n') { pos += 2; continue; }
            if (pos + 1 == lim) {
                if (final) { pos++; continue; }
                pc->status = P_INCOMPLETE;
                break;
            }
        }
        if (row == P->rows_cap) { pc->status = P_BAD; break; }
        size_t j = 0, term = 0;
        int st = P_OK;
        for (;;) {                                   /* one field */
            const char *fs = NULL;
            size_t fn = 0;
            int kind = -1;
            double v = 0;
            if (pos < lim && b[pos] == '"') {
                /* quoted: "" is a quote, the closing quote may be followed by more (unquoted) text */
                size_t i = pos + 1;
                const char *q = memchr(b + i, '"', lim - i);
                if (!q) { st = final ? P_BAD : P_INCOMPLETE; break; }
                size_t qe = (size_t)(q - b);
                size_t nx = qe + 1;
                if (nx == lim && !final) { st = P_INCOMPLETE; break; }
                if (nx == lim || b[nx] == d || b[nx] == '\n') {          /* the common case: in place */
                    fs = b + i;
                    fn = qe - i;
                    term = nx;
                } else if (b[nx] == '\r' && ((nx + 1 < lim && b[nx + 1] == '\n') || (nx + 1 == lim && final))) {
                    fs = b + i;                                          /* the CR belongs to the line end */
                    fn = qe - i;
                    term = nx + 1;
                } else if (b[nx] == '\r' && nx + 1 == lim) {
                    st = P_INCOMPLETE;
                    break;
                } else {
                    char *o = pc->scratch;
                    for (;;) {
                        q = memchr(b + i, '"', lim - i);
                        size_t sq = q ? (size_t)(q - b) : lim;
                        memcpy(o, b + i, sq - i);
                        o += sq - i;
                        i = sq;
                        if (!q) { st = final ? P_BAD : P_INCOMPLETE; break; }
                        i++;
                        if (i < lim && b[i] == '"') { *o++ = '"'; i++; continue; }
                        if (i == lim && !final) st = P_INCOMPLETE;
                        break;
                    }
                    if (st) break;
                    size_t us = i;
                    while (i < lim && b[i] != d && b[i] != '\n') i++;
                    if (i == lim && !final) { st = P_INCOMPLETE; break; }
                    memcpy(o, b + us, i - us);
                    o += i - us;
                    if ((i == lim || b[i] == '\n') && i > us && b[i - 1] == '\r') o--;
                    fs = pc->scratch;
                    fn = (size_t)(o - pc->scratch);
                    term = i;
                }
            } else {
                size_t i = pos;
                int found = 0;
                if (j < nc && pc->mode[j] == M_NUM && pos < lim) {
                    /* a number read while looking for the field's end (one pass instead of two) */
                    const char *e = as__scan_number(b + pos, b + lim, &v, &kind);
                    if (kind != AS_NUM_NONE) {
                        size_t ep = (size_t)(e - b);
                        if (ep == lim) {
                            if (!final) { st = P_INCOMPLETE; break; }
                            found = 1;
                        } else if (b[ep] == d || b[ep] == '\n') {
                            found = 1;
                        } else if (b[ep] == '\r' && ep + 1 < lim && b[ep + 1] == '\n') {
                            found = 2;
                        } else if (b[ep] == '\r' && ep + 1 == lim) {
                            if (!final) { st = P_INCOMPLETE; break; }
                            found = 2;
                        }
                        if (found) {
                            fs = b + pos;
                            fn = ep - pos;
                            term = ep + (found == 2);
                        }
                    }
                }
                if (!found) {
                    kind = -1;
                    while (i < lim && b[i] != d && b[i] != '\n') i++;
                    if (i == lim && !final) { st = P_INCOMPLETE; break; }
                    size_t fe = i;
                    if ((i == lim || b[i] == '\n') && fe > pos && b[fe - 1] == '\r') fe--;
                    fs = b + pos;
                    fn = fe - pos;
                    term = i;
                }
            }
            if (j >= nc) { st = P_BAD; break; }      /* more fields than the header */
            if (!put_field(P, pc, j, row, fs, fn, kind, v)) { st = P_BAD; break; }
            j++;
            if (term < lim && b[term] == d) { pos = term + 1; continue; }
            break;                                   /* the line end, or the end of the input */
        }
        if (st == P_OK && j != nc) st = P_BAD;       /* fewer fields than the header */
        if (st == P_OK) {
            size_t raw_n = term - rs;
            if (raw_n && b[term - 1] == '\r') raw_n--;
            if (raw_n > P->max_record) st = P_BAD;
        }
        if (st != P_OK) {
            pc->status = st;
            pos = rs;
            break;
        }
        row++;
        pos = term < lim ? term + 1 : lim;
    }
    pc->end = pos;
    pc->rows = row;
}

/* Copies a merged piece into the columns (rows row0 …); soft tokens were resolved by the merge. */
static void copy_piece(const par *P, const piece *pc) {
    if (pc->rows == 0) return;
    for (size_t j = 0; j < P->nc; j++) {
        const uint64_t *c = pc->cells + j * P->rows_cap;
        if (P->mode[j] == M_NUM && !P->rescan_pass) {
            memcpy(P->num[j] + pc->row0, c, pc->rows * sizeof(double));
        } else if (P->mode[j] == M_TEXT) {
            size_t n = pc->rows;
            if (P->rescan_pass) n = pc->row0 >= P->rescan[j] ? 0 : P->rescan[j] - pc->row0 < n ? P->rescan[j] - pc->row0 : n;
            const char **dst = P->text[j] + pc->row0;
            for (size_t r = 0; r < n; r++) dst[r] = c[r] == NO_TEXT ? NULL : pc->map[c[r]];
        }
    }
}

/* ---- threads ---- */

static void do_job(par *P, int job, int k) {
    if (job == JOB_PARSE && k < P->npieces) parse_piece(P, &P->pc[k]);
    else if (job == JOB_COPY && k < P->nvalid) copy_piece(P, &P->pc[k]);
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    pool *pl = w->pl;
    unsigned long seen = 0;
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        while (pl->gen == seen) pthread_cond_wait(&pl->go, &pl->mu);
        seen = pl->gen;
        int job = pl->job;
        pthread_mutex_unlock(&pl->mu);
        if (job == JOB_EXIT) return NULL;
        do_job(pl->P, job, w->k);
        pthread_mutex_lock(&pl->mu);
        if (--pl->pending == 0) pthread_cond_signal(&pl->done);
        pthread_mutex_unlock(&pl->mu);
    }
}

static void run_job(par *P, int job) {
    pool *pl = &P->pl;
    if (pl->nworkers) {
        pthread_mutex_lock(&pl->mu);
        pl->job = job;
        pl->pending = pl->nworkers;
        pl->gen++;
        pthread_cond_broadcast(&pl->go);
        pthread_mutex_unlock(&pl->mu);
    }
    do_job(P, job, 0);
    if (pl->nworkers) {
        pthread_mutex_lock(&pl->mu);
        while (pl->pending) pthread_cond_wait(&pl->done, &pl->mu);
        pthread_mutex_unlock(&pl->mu);
    }
}

/* Starts up to T − 1 helpers; fewer when the system refuses (the main thread then parses more pieces). */
static void pool_start(par *P) {
    pool *pl = &P->pl;
    pl->P = P;
    pl->nworkers = 0;
    if (P->T < 2) return;
    if (pthread_mutex_init(&pl->mu, NULL)) { P->T = 1; return; }
    if (pthread_cond_init(&pl->go, NULL)) { pthread_mutex_destroy(&pl->mu); P->T = 1; return; }
    if (pthread_cond_init(&pl->done, NULL)) {
        pthread_cond_destroy(&pl->go);
        pthread_mutex_destroy(&pl->mu);
        P->T = 1;
        return;
    }
    pl->started = 1;
    for (int k = 1; k < P->T; k++) {
        pl->arg[k].pl = pl;
        pl->arg[k].k = k;
        if (pthread_create(&pl->th[k], NULL, worker_main, &pl->arg[k])) break;
        pl->nworkers++;
    }
    P->T = pl->nworkers + 1;
}

static void pool_stop(par *P) {
    pool *pl = &P->pl;
    if (!pl->started) return;
    if (pl->nworkers) {
        pthread_mutex_lock(&pl->mu);
        pl->job = JOB_EXIT;
        pl->gen++;
        pthread_cond_broadcast(&pl->go);
        pthread_mutex_unlock(&pl->mu);
        for (int k = 1; k <= pl->nworkers; k++) pthread_join(pl->th[k], NULL);
    }
    pthread_cond_destroy(&pl->done);
    pthread_cond_destroy(&pl->go);
    pthread_mutex_destroy(&pl->mu);
    pl->started = 0;
    pl->nworkers = 0;
}

/* ---- buffers ---- */

static void piece_free(piece *pc) {
    as__free(pc->mode);
    as__free(pc->flip);
    as__free(pc->mask);
    as__free(pc->cells);
    as__free(pc->sbuf);
    as__free(pc->ent);
    as__free(pc->dict);
    as__free((void *)pc->map);
    as__free(pc->scratch);
    memset(pc, 0, sizeof *pc);
}

/* Sizes the block buffer and every piece's buffers for blocks of `cap` bytes: a record takes at least one byte
 * per field (its delimiters and line end), so a block holds at most cap / max(nc, 2) + 2 rows and
 * (rows · nc) cells, strings and entries. Keeps the bytes [0, keep) of the block. */
static as_status resize(par *P, size_t cap, size_t keep) {
    char *nb = as__malloc(cap + PAD);
    if (!nb) return AS_ERR_NOMEM;
    if (keep) memcpy(nb, P->buf, keep);
    memset(nb + keep, 0, cap + PAD - keep > PAD ? PAD : cap + PAD - keep);
    as__free(P->buf);
    P->buf = nb;
    P->cap = cap;
    size_t nc = P->nc;
    P->rows_cap = cap / (nc > 2 ? nc : 2) + 2;
    P->cells_cap = P->rows_cap * nc;
    P->ent_cap = P->cells_cap;
    P->sbuf_cap = cap + P->cells_cap + 16;
    P->dict_slots = 64;
    while (P->dict_slots < DICT_SLOTS_MAX && P->dict_slots < 2 * P->ent_cap) P->dict_slots *= 2;
    for (int k = 0; k < P->T; k++) {
        piece *pc = &P->pc[k];
        piece_free(pc);
        pc->mode = as__malloc(nc);
        pc->flip = as__malloc(nc);
        pc->mask = as__malloc(nc);
        pc->cells = as__reallocarray(NULL, P->cells_cap, sizeof *pc->cells);
        pc->sbuf = as__malloc(P->sbuf_cap);
        pc->ent = as__reallocarray(NULL, P->ent_cap, sizeof *pc->ent);
        pc->dict = as__calloc(P->dict_slots, sizeof *pc->dict);
        pc->map = as__reallocarray(NULL, P->ent_cap, sizeof *pc->map);
        pc->scratch = as__malloc(cap + 1);
        if (!pc->mode || !pc->flip || !pc->mask || !pc->cells || !pc->sbuf || !pc->ent || !pc->dict || !pc->map ||
            !pc->scratch)
            return AS_ERR_NOMEM;
    }
    return AS_OK;
}

/* Room in the columns for `need` rows (exactly that many when `exact`, else by doubling). */
static as_status grow_cols(par *P, size_t need, int exact) {
    if (need <= P->cols_cap) return AS_OK;
    size_t ncap = P->cols_cap ? 2 * P->cols_cap : 1024;
    while (ncap < need) ncap *= 2;
    if (exact) ncap = need;
    for (size_t j = 0; j < P->nc; j++) {
        if (P->mode[j] == M_NUM) {
            double *p = as__reallocarray(P->num[j], ncap, sizeof *p);
            if (!p) return AS_ERR_NOMEM;
            P->num[j] = p;
        } else {
            const char **p = as__reallocarray(P->text[j], ncap, sizeof *p);
            if (!p) return AS_ERR_NOMEM;
            P->text[j] = p;
        }
    }
    P->cols_cap = ncap;
    return AS_OK;
}

static as_status add_soft(par *P, size_t j, size_t row, const char *val) {
    if (P->n_soft[j] == P->soft_cap[j]) {
        size_t ncap = P->soft_cap[j] ? 2 * P->soft_cap[j] : 64;
        size_t *r = as__reallocarray(P->soft_row[j], ncap, sizeof *r);
        if (!r) return AS_ERR_NOMEM;
        P->soft_row[j] = r;
        const char **v = as__reallocarray(P->soft_val[j], ncap, sizeof *v);
        if (!v) return AS_ERR_NOMEM;
        P->soft_val[j] = v;
        P->soft_cap[j] = ncap;
    }
    P->soft_row[j][P->n_soft[j]] = row;
    P->soft_val[j][P->n_soft[j]++] = val;
    return AS_OK;
}

/* Column j turns to text at row P->rows: the rows before it are read again at the end. */
static as_status flip_column(par *P, size_t j) {
    const char **text = as__calloc(P->cols_cap ? P->cols_cap : 1, sizeof *text);
    if (!text) return AS_ERR_NOMEM;
    as__free(P->num[j]);
    P->num[j] = NULL;
    P->text[j] = text;
    P->mode[j] = M_TEXT;
    P->rescan[j] = P->rows;
    P->n_soft[j] = 0;
    return AS_OK;
}

/* ---- one pass over the input ---- */

enum { PASS_OK = 0, PASS_ASIDE = 1, PASS_NOMEM = 2 };

/* Fills the block behind the `keep` bytes carried over, up to `want` bytes in all. */
static int fill(par *P, size_t keep, size_t want, as_error *err) {
    size_t have = keep;
    while (have < want) {
        size_t got = 0;
        as_error e2;
        if (as__csv_read_raw(P->rd, P->buf + have, want - have, &got, &e2) != AS_OK) return PASS_ASIDE;
        if (got == 0) { P->final = 1; break; }
        have += got;
    }
    (void)err;
    P->lim = have;
    memset(P->buf + have, 0, PAD);
    return PASS_OK;
}

/* Cuts the block into pieces at line ends and parses them. */
static void parse_block(par *P) {
    size_t lim = P->lim, at = 0;
    int T = P->T;
    /* few bytes: fewer pieces (a piece of a few bytes costs more to hand over than to parse); tests that set
     * tiny blocks want the pieces all the same */
    while (!P->o->block_bytes && T > 1 && lim / (size_t)T < 4096) T--;
    P->npieces = T;
    for (int k = 0; k < T; k++) {
        piece *pc = &P->pc[k];
        pc->start = at;
        size_t next = lim;
        if (k + 1 < T) {
            size_t nominal = lim / (size_t)T * (size_t)(k + 1);
            if (nominal < at) nominal = at;
            const char *nl = nominal < lim ? memchr(P->buf + nominal, '\n', lim - nominal) : NULL;
            next = nl ? (size_t)(nl - P->buf) + 1 : lim;
        }
        pc->stop = next;
        at = next;
    }
    run_job(P, JOB_PARSE);
    /* Keep the pieces whose start was a record start; parse the rest again from where the records really are. */
    P->nvalid = T;
    for (int k = 1; k < T; k++) {
        piece *prev = &P->pc[k - 1], *pc = &P->pc[k];
        if (prev->status == P_OK && prev->end == pc->start) continue;
        if (prev->status == P_OK && prev->end < lim) {
            pc->start = prev->end;
            pc->stop = lim;
            parse_piece(P, pc);
            P->nvalid = k + 1;
        } else {
            P->nvalid = k;
        }
        break;
    }
}

/* Reads the input from after its header to its end (or, in the second pass, up to the last row whose text is
 * missing), block by block. */
static int run_pass(par *P, as_error *err) {
    size_t keep = 0, goal = 0;
    size_t block = P->o->block_bytes ? P->o->block_bytes : BLOCK_PER_THREAD * (size_t)P->T;
    if (P->rescan_pass)
        for (size_t j = 0; j < P->nc; j++) if (P->rescan[j] > goal) goal = P->rescan[j];
    P->final = 0;
    P->rows = 0;
    int first = !P->rescan_pass && !P->o->block_bytes;
    for (;;) {
        if (P->rescan_pass && P->rows >= goal) return PASS_OK;
        size_t want = first ? (FIRST_BLOCK < P->cap ? FIRST_BLOCK : P->cap) : P->cap;
        if (want <= keep) want = P->cap;
        int fr = fill(P, keep, want, err);
        if (fr) return fr;
        if (P->lim == 0) return P->rescan_pass && P->rows < goal ? PASS_ASIDE : PASS_OK;
        for (;;) {
            parse_block(P);
            for (int k = 0; k < P->nvalid; k++)
                if (P->pc[k].status == P_BAD) return PASS_ASIDE;
            if (P->rescan_pass) break;
            /* a value that makes a column text, in a piece or against the earlier blocks: parse again */
            int flipped = 0;
            for (size_t j = 0; j < P->nc; j++) {
                if (P->mode[j] != M_NUM) continue;
                unsigned m = P->mask[j];
                int f = 0;
                for (int k = 0; k < P->nvalid && !f; k++) {
                    m |= P->pc[k].mask[j];
                    f = P->pc[k].flip[j];
                }
                if (f || ((m & C_TIME) && (m & (C_INT | C_DOUBLE)))) {
                    if (flip_column(P, j)) return PASS_NOMEM;
                    flipped = 1;
                }
            }
            if (!flipped) break;
        }
        /* merge: rows, strings, soft tokens, classes; then the copy */
        size_t rows = 0;
        for (int k = 0; k < P->nvalid; k++) {
            piece *pc = &P->pc[k];
            pc->row0 = P->rows + rows;
            rows += pc->rows;
            for (size_t e = 0; e < pc->n_ent; e++) {
                const str_ent *x = &pc->ent[e];
                if (!(pc->map[e] = intern(P, pc->sbuf + x->off, x->len, x->hash))) return PASS_NOMEM;
            }
            if (!P->rescan_pass) {
                for (size_t j = 0; j < P->nc; j++) P->mask[j] |= pc->mask[j];
                for (size_t j = 0; pc->n_soft && j < P->nc; j++) {
                    if (P->mode[j] != M_NUM) continue;
                    uint64_t *c = pc->cells + j * P->rows_cap;
                    for (size_t r = 0; r < pc->rows; r++)
                        if (IS_SOFT(c[r])) {
                            if (add_soft(P, j, pc->row0 + r, pc->map[(uint32_t)c[r]])) return PASS_NOMEM;
                            c[r] = P->nan_bits;
                        }
                }
            }
        }
        if (!P->rescan_pass && grow_cols(P, P->rows + rows, 0)) return PASS_NOMEM;
        run_job(P, JOB_COPY);
        P->rows += rows;
        /* what is left of the block: the start of a record that goes on in the next block */
        const piece *last = &P->pc[P->nvalid - 1];
        size_t used = last->end;
        if (P->final) {
            if (used < P->lim) return PASS_ASIDE;    /* cannot happen: the last block is parsed whole */
            return P->rescan_pass && P->rows < goal ? PASS_ASIDE : PASS_OK;
        }
        keep = P->lim - used;
        if (keep) memmove(P->buf, P->buf + used, keep);
        if (first && P->src_size > 0 && P->rows > 0 && used > 0) {
            /* the columns' size from the file's: one allocation instead of a dozen copies while they double (a
             * compressed file holds more, and they double from there; finish() gives back what is not used) */
            double est = (double)P->src_size / ((double)used / (double)P->rows) * 1.05 + 1024;
            if (est < (double)P->src_size / 2 + 1024 && grow_cols(P, (size_t)est, 1)) return PASS_NOMEM;
        }
        if (first) {
            first = 0;
            if (block > P->cap && block <= MAX_BLOCK && resize(P, block, keep)) return PASS_NOMEM;
        }
        if (keep > P->cap / 2) {                     /* a long record: a larger block */
            if (keep > P->max_record + 2 || P->cap >= MAX_BLOCK) return PASS_ASIDE;   /* too long: an error */
            size_t ncap = 2 * P->cap;
            if (ncap > MAX_BLOCK) ncap = MAX_BLOCK;
            if (resize(P, ncap, keep)) return PASS_NOMEM;
        }
    }
}

/* ---- the table ---- */

/* Hands the columns to the table with the record reader's finishing rules (table.c: finish_columns). */
static as_status finish(par *P) {
    as_table *t = P->t;
    size_t n = P->rows, rows = n ? n : 1;
    t->nrows = n;
    for (size_t j = 0; j < P->nc; j++) {
        as_column *c = &t->cols[j];
        if (P->mode[j] == M_NUM) {
            unsigned m = P->mask[j];
            if (m) {
                c->type = (m & C_TIME) ? AS_COL_TIME : (m & C_DOUBLE) ? AS_COL_DOUBLE : AS_COL_INT;
                double *num = P->num[j] ? as__reallocarray(P->num[j], rows, sizeof *num) : as__calloc(rows, sizeof *num);
                if (!num) return AS_ERR_NOMEM;
                P->num[j] = NULL;
                c->num = num;
                for (size_t i = 0; i < n; i++) c->n_missing += isnan(num[i]) != 0;
                c->n_soft_missing = P->n_soft[j];
                continue;
            }
            /* no value at all: pandas' tokens, if any, are the values of a text column */
            const char **text = as__calloc(rows, sizeof *text);
            if (!text) return AS_ERR_NOMEM;
            for (size_t s = 0; s < P->n_soft[j]; s++) text[P->soft_row[j][s]] = P->soft_val[j][s];
            as__free(P->num[j]);
            P->num[j] = NULL;
            c->text = text;
            c->type = AS_COL_TEXT;
            c->n_missing = n - P->n_soft[j];
            continue;
        }
        const char **text = as__reallocarray(P->text[j], rows, sizeof *text);
        if (!text) return AS_ERR_NOMEM;
        P->text[j] = NULL;
        c->text = text;
        c->type = AS_COL_TEXT;
        int all_bool = 1;
        size_t seen = 0;
        const char *last = NULL;
        for (size_t i = 0; i < n; i++) {
            if (!text[i]) { c->n_missing++; continue; }
            seen++;
            if (all_bool && text[i] != last) all_bool = as__table_bool_token(text[i]) >= 0;
            last = text[i];
        }
        if (all_bool && seen) {
            double *num = as__reallocarray(NULL, rows, sizeof *num);
            if (!num) return AS_ERR_NOMEM;
            for (size_t i = 0; i < n; i++) num[i] = text[i] ? as__table_bool_token(text[i]) : NAN;
            as__free((void *)text);
            c->text = NULL;
            c->num = num;
            c->type = AS_COL_INT;
            c->from_bool = 1;
        }
    }
    return AS_OK;
}

static void par_free(par *P) {
    pool_stop(P);
    for (int k = 0; k < MAX_THREADS; k++) piece_free(&P->pc[k]);
    as__free(P->buf);
    for (size_t j = 0; j < P->nc; j++) {
        if (P->num) as__free(P->num[j]);
        if (P->text) as__free((void *)P->text[j]);
        if (P->soft_row) as__free(P->soft_row[j]);
        if (P->soft_val) as__free((void *)P->soft_val[j]);
    }
    as__free(P->num);
    as__free((void *)P->text);
    as__free(P->soft_row);
    as__free((void *)P->soft_val);
    as__free(P->n_soft);
    as__free(P->soft_cap);
    as__free(P->rescan);
    as__free(P->mode);
    as__free(P->mask);
    as__free(P->na_len);
    as__free(P->gs);
    as__free(P->gslot);
    if (P->rd) as__csv_close(P->rd);
    P->rd = NULL;
}

int as__table_threads(void) {
    const char *s = getenv("AS_THREADS");
    if (s && *s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (*end == '\0' && v >= 1 && v <= 64) return (int)v;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (int)cores : 1;
}

static int auto_threads(const as_table_src *src, const as_table_options *o) {
    int T = o->threads > 0 ? o->threads : as__table_threads();
    if (T > MAX_THREADS) T = MAX_THREADS;
    /* below a few blocks, a helper thread costs more than it saves */
    if (o->threads <= 0 && (src->size <= 0 || (size_t)src->size < 2 * BLOCK_PER_THREAD)) T = 1;
    return T < 1 ? 1 : T;
}

as_status as__table_read_blocks(const as_table_src *src, const as_table_options *o, as_table **out, int *step_aside,
                                as_error *err) {
    *out = NULL;
    *step_aside = 0;
    par P;
    memset(&P, 0, sizeof P);
    P.o = o;
    as_status st = as__table_src_open(src, o, &P.rd, err);
    if (st) return st;
    P.name = src->path ? src->path : src->name;   /* outlives the reader, which the second pass reopens */
    P.src_size = src->size;
    if ((st = as__table_header(P.rd, &P.t, err))) {
        as__csv_close(P.rd);
        return st;
    }
    size_t nc = P.nc = P.t->ncols;
    P.delim = o->csv.delimiter ? o->csv.delimiter : ',';
    P.max_record = o->csv.max_record_bytes ? o->csv.max_record_bytes : as__csv_options_default().max_record_bytes;
    if (P.max_record > SIZE_MAX / 4) P.max_record = SIZE_MAX / 4;   /* as the CSV reader clamps it */
    double nan = NAN;
    memcpy(&P.nan_bits, &nan, sizeof nan);
    P.T = auto_threads(src, o);
    int pass = PASS_NOMEM;
    P.mode = as__calloc(nc, 1);
    P.mask = as__calloc(nc, 1);
    P.num = as__calloc(nc, sizeof *P.num);
    P.text = as__calloc(nc, sizeof *P.text);
    P.rescan = as__calloc(nc, sizeof *P.rescan);
    P.soft_row = as__calloc(nc, sizeof *P.soft_row);
    P.soft_val = as__calloc(nc, sizeof *P.soft_val);
    P.n_soft = as__calloc(nc, sizeof *P.n_soft);
    P.soft_cap = as__calloc(nc, sizeof *P.soft_cap);
    P.na_len = as__calloc(o->n_na_tokens ? o->n_na_tokens : 1, sizeof *P.na_len);
    if (!P.mode || !P.mask || !P.num || !P.text || !P.rescan || !P.soft_row || !P.soft_val || !P.n_soft ||
        !P.soft_cap || !P.na_len)
        goto done;
    for (size_t k = 0; k < o->n_na_tokens; k++) P.na_len[k] = o->na_tokens[k] ? strlen(o->na_tokens[k]) : 0;
    size_t cap = o->block_bytes ? o->block_bytes : FIRST_BLOCK;
    if (resize(&P, cap, 0)) goto done;
    pool_start(&P);

    pass = run_pass(&P, err);
    size_t rows = P.rows;
    int again = 0;
    for (size_t j = 0; j < nc; j++) again |= P.rescan[j] > 0;
    if (pass == PASS_OK && again) {
        /* second pass: the text of the rows read before their column turned out to be text */
        as__csv_close(P.rd);
        P.rd = NULL;
        as_table *none = NULL;
        as_error e2;
        if (as__table_src_open(src, o, &P.rd, &e2) || as__table_header(P.rd, &none, &e2) ||
            none->ncols != nc) {
            pass = PASS_ASIDE;
        } else {
            for (size_t j = 0; j < nc; j++) P.mode[j] = P.rescan[j] ? M_TEXT : M_SKIP;
            P.rescan_pass = 1;
            pass = run_pass(&P, err);
            for (size_t j = 0; j < nc; j++) P.mode[j] = P.rescan[j] || P.text[j] ? M_TEXT : M_NUM;
            P.rows = rows;
        }
        as__table_free(none);
    }
    if (pass == PASS_OK && finish(&P)) pass = PASS_NOMEM;

done:
    if (pass == PASS_OK) {
        *out = P.t;
        P.t = NULL;
        st = AS_OK;
    } else if (pass == PASS_ASIDE) {
        *step_aside = 1;
        st = AS_OK;
    } else {
        st = as__err(err, AS_ERR_NOMEM, "%s: out of memory reading the table (%zu rows so far)", P.name, P.rows);
    }
    as__table_free(P.t);
    par_free(&P);
    return st;
}
