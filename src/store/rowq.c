/*
 * rowq.c — rows for prepared INSERT statements, written by a thread of their own (store.h: as__rowq).
 *
 * A bulk step such as the feature build spends about half its time in SQLite writing records and pages, the rest
 * computing the rows. The producer appends rows (typed cells) to a batch; full batches go to one writer thread
 * that binds and steps them, in the order they were queued, so rowid order stays the producer's order. The
 * connection is opened without SQLite's own mutex, so every use of it — the writer's and the producer's reads
 * (as__rowq_lock) — holds one lock. Memory is bounded: at most RQ_BATCHES batches are in flight and the producer
 * waits for a free one.
 */
#include <pthread.h>
#include <string.h>

#include "store/store.h"

#define RQ_BATCH_ROWS 512
#define RQ_BATCHES 4

typedef enum { CELL_NULL, CELL_INT, CELL_DOUBLE, CELL_TEXT } cell_kind;

typedef struct cell {
    cell_kind kind;
    union { int64_t i; double d; size_t text; } v;   /* text: offset into the batch's string bytes */
} cell;

typedef struct batch {
    int stmt[RQ_BATCH_ROWS];          /* which statement each row is for */
    size_t n_rows;
    cell *cells;                      /* RQ_BATCH_ROWS × max_cols */
    size_t n_cells;
    size_t row_start[RQ_BATCH_ROWS + 1];
    as_buf text;                      /* the rows' strings, NUL-terminated */
} batch;

struct as_rowq {
    as_db *db;
    sqlite3_stmt *stmt[AS_ROWQ_MAX_STMTS];
    int n_stmts, max_cols;
    pthread_mutex_t db_lock;          /* every use of the connection */
    pthread_mutex_t mu;               /* the fields below */
    pthread_cond_t cv;
    batch b[RQ_BATCHES];
    int full[RQ_BATCHES];             /* queued for the writer, in order head … */
    size_t head, tail;                /* batches queued: tail − head; the producer fills b[tail % RQ_BATCHES] */
    int cur_stmt;                     /* the row being built */
    int done, started;
    as_status st;                     /* the writer's first failure */
    char msg[sizeof ((as_error *)0)->msg];
    pthread_t thread;
};

static as_status write_batch(as_rowq *q, batch *b) {
    as_status st = AS_OK;
    pthread_mutex_lock(&q->db_lock);
    for (size_t r = 0; r < b->n_rows && !st; r++) {
        sqlite3_stmt *s = q->stmt[b->stmt[r]];
        sqlite3_reset(s);
        int col = 1;
        for (size_t c = b->row_start[r]; c < b->row_start[r + 1]; c++, col++) {
            const cell *x = &b->cells[c];
            switch (x->kind) {
            case CELL_NULL: sqlite3_bind_null(s, col); break;
            case CELL_INT: sqlite3_bind_int64(s, col, x->v.i); break;
            case CELL_DOUBLE: sqlite3_bind_double(s, col, x->v.d); break;
            case CELL_TEXT: sqlite3_bind_text(s, col, b->text.data + x->v.text, -1, SQLITE_STATIC); break;
            }
        }
        if (sqlite3_step(s) != SQLITE_DONE) {
            st = AS_ERR_DB;
            snprintf(q->msg, sizeof q->msg, "%s: writing rows: %s", q->db->path, sqlite3_errmsg(q->db->sql));
        }
    }
    pthread_mutex_unlock(&q->db_lock);
    return st;
}

static void *writer(void *arg) {
    as_rowq *q = arg;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (q->head == q->tail && !q->done) pthread_cond_wait(&q->cv, &q->mu);
        if (q->head == q->tail) {           /* done and nothing left */
            pthread_mutex_unlock(&q->mu);
            return NULL;
        }
        batch *b = &q->b[q->head % RQ_BATCHES];
        int failed = q->st != AS_OK;
        pthread_mutex_unlock(&q->mu);
        as_status st = failed ? AS_OK : write_batch(q, b);   /* after a failure the rest is dropped */
        pthread_mutex_lock(&q->mu);
        if (st && !q->st) q->st = st;
        b->n_rows = b->n_cells = 0;
        b->text.len = 0;
        q->head++;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
    }
}

as_status as__rowq_new(as_db *db, sqlite3_stmt *const *stmts, int n_stmts, int max_cols, as_rowq **out,
                       as_error *err) {
    *out = NULL;
    if (n_stmts < 1 || n_stmts > AS_ROWQ_MAX_STMTS || max_cols < 1)
        return as__err(err, AS_ERR_INVALID, "row queue: %d statements of up to %d columns", n_stmts, max_cols);
    as_rowq *q = as__calloc(1, sizeof *q);
    if (!q) return as__err(err, AS_ERR_NOMEM, "out of memory for the row writer");
    q->db = db;
    q->n_stmts = n_stmts;
    q->max_cols = max_cols;
    memcpy(q->stmt, stmts, (size_t)n_stmts * sizeof *stmts);
    int ok = 1;
    for (int i = 0; i < RQ_BATCHES; i++) {
        q->b[i].cells = as__reallocarray(NULL, (size_t)RQ_BATCH_ROWS * (size_t)max_cols, sizeof(cell));
        as__buf_init(&q->b[i].text, 0);
        ok &= q->b[i].cells != NULL;
    }
    pthread_mutex_init(&q->db_lock, NULL);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    if (ok && pthread_create(&q->thread, NULL, writer, q) == 0) q->started = 1;
    if (!q->started) {
        as__rowq_free(q);
        return as__err(err, ok ? AS_ERR_NUMERIC : AS_ERR_NOMEM, ok ? "cannot start the row writer thread"
                                                                   : "out of memory for the row writer");
    }
    *out = q;
    return AS_OK;
}

void as__rowq_lock(as_rowq *q) { pthread_mutex_lock(&q->db_lock); }
void as__rowq_unlock(as_rowq *q) { pthread_mutex_unlock(&q->db_lock); }

static batch *filling(as_rowq *q) { return &q->b[q->tail % RQ_BATCHES]; }

void as__rowq_begin(as_rowq *q, int stmt) {
    batch *b = filling(q);
    q->cur_stmt = stmt;
    b->row_start[b->n_rows] = b->n_cells;
}

static cell *next_cell(as_rowq *q) {
    batch *b = filling(q);
    /* a row longer than declared is a programming error: the extra cells are dropped (and binding fails loudly
     * in as__rowq_end because the statement then lacks values) */
    if (b->n_cells - b->row_start[b->n_rows] >= (size_t)q->max_cols) return NULL;
    return &b->cells[b->n_cells++];
}

void as__rowq_null(as_rowq *q) {
    cell *c = next_cell(q);
    if (c) c->kind = CELL_NULL;
}

void as__rowq_int(as_rowq *q, int64_t v) {
    cell *c = next_cell(q);
    if (c) c->kind = CELL_INT, c->v.i = v;
}

void as__rowq_double(as_rowq *q, double v) {
    cell *c = next_cell(q);
    if (c) c->kind = CELL_DOUBLE, c->v.d = v;
}

as_status as__rowq_text(as_rowq *q, const char *s) {
    if (!s) {
        as__rowq_null(q);
        return AS_OK;
    }
    batch *b = filling(q);
    cell *c = next_cell(q);
    if (!c) return AS_OK;
    c->kind = CELL_TEXT;
    c->v.text = b->text.len;
    return as__buf_append(&b->text, s, strlen(s) + 1);
}

as_status as__rowq_end(as_rowq *q, as_error *err) {
    batch *b = filling(q);
    b->stmt[b->n_rows++] = q->cur_stmt;
    b->row_start[b->n_rows] = b->n_cells;
    if (b->n_rows < RQ_BATCH_ROWS) return AS_OK;
    pthread_mutex_lock(&q->mu);
    q->tail++;
    pthread_cond_broadcast(&q->cv);
    while (q->tail - q->head == RQ_BATCHES) pthread_cond_wait(&q->cv, &q->mu);   /* wait for a free batch */
    as_status st = q->st;
    pthread_mutex_unlock(&q->mu);
    if (st) return as__err(err, st, "%s", q->msg);
    return AS_OK;
}

as_status as__rowq_finish(as_rowq *q, as_error *err) {
    if (!q || !q->started) return AS_OK;
    pthread_mutex_lock(&q->mu);
    if (filling(q)->n_rows) q->tail++;
    q->done = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    q->started = 0;
    if (q->st) return as__err(err, q->st, "%s", q->msg);
    return AS_OK;
}

void as__rowq_free(as_rowq *q) {
    if (!q) return;
    if (q->started) {   /* freed without finish (an error elsewhere): stop the writer, dropping what is queued */
        pthread_mutex_lock(&q->mu);
        if (!q->st) q->st = AS_ERR_STATE;
        q->done = 1;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        pthread_join(q->thread, NULL);
    }
    for (int i = 0; i < RQ_BATCHES; i++) {
        as__free(q->b[i].cells);
        as__buf_free(&q->b[i].text);
    }
    pthread_mutex_destroy(&q->db_lock);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    as__free(q);
}
