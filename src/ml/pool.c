/* A small worker pool for the solvers' row passes (pool.h). One mutex and two condition variables: a job is
 * published under the mutex (its function, context and task count, and a new job number), workers that see the
 * new number while the job is still open join it and take tasks from one atomic counter, and the caller, once
 * it has run out of tasks itself, closes the job and waits only for the workers that joined. A worker the
 * scheduler has not woken yet (the machine's other core busy with something else) therefore costs the caller
 * nothing: it finds the job closed when it wakes and goes back to sleep. */
#include "ml/pool.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/core.h"

/* OpenBLAS's thread control (declared in its cblas.h; declared here so that any cblas.h will do). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

typedef struct pool_worker {
    struct as_pool *pool;
    int index;   /* 1 .. threads − 1; the caller is thread 0 */
} pool_worker;

struct as_pool {
    int threads;               /* the caller and the workers that started */
    pthread_t *tid;
    pool_worker *wk;
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    /* under mu */
    unsigned long gen;         /* number of the current job */
    int open;                  /* the current job still admits workers */
    int busy;                  /* workers inside the current job */
    int quit;
    as_pool_fn fn;             /* the current job: written under mu before it opens, read by its workers */
    void *ctx;
    size_t ntasks;
    atomic_size_t next;        /* the next task to hand out */
};

static void run_tasks(as_pool *P, int thread) {
    for (;;) {
        size_t t = atomic_fetch_add_explicit(&P->next, 1, memory_order_relaxed);
        if (t >= P->ntasks) break;
        P->fn(P->ctx, t, thread);
    }
}

static void *worker_main(void *arg) {
    pool_worker *w = arg;
    as_pool *P = w->pool;
    unsigned long seen = 0;
    pthread_mutex_lock(&P->mu);
    for (;;) {
        while (!P->quit && (P->gen == seen || !P->open)) pthread_cond_wait(&P->wake, &P->mu);
        if (P->quit) break;
        seen = P->gen;
        P->busy++;
        pthread_mutex_unlock(&P->mu);
        run_tasks(P, w->index);
        pthread_mutex_lock(&P->mu);
        if (--P->busy == 0 && !P->open) pthread_cond_signal(&P->done);
    }
    pthread_mutex_unlock(&P->mu);
    return NULL;
}

as_pool *as__pool_new(int threads) {
    if (threads <= 1) return NULL;
    if (threads > AS_POOL_MAX_THREADS) threads = AS_POOL_MAX_THREADS;
    as_pool *P = as__calloc(1, sizeof *P);
    if (!P) return NULL;
    P->tid = as__calloc((size_t)threads, sizeof *P->tid);
    P->wk = as__calloc((size_t)threads, sizeof *P->wk);
    if (!P->tid || !P->wk || pthread_mutex_init(&P->mu, NULL) != 0) goto fail_alloc;
    if (pthread_cond_init(&P->wake, NULL) != 0) goto fail_mutex;
    if (pthread_cond_init(&P->done, NULL) != 0) goto fail_wake;
    atomic_init(&P->next, 0);
    P->threads = 1;
    /* workers never take the process's signals: those stay with the threads that expect them */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int t = 1; t < threads; t++) {
        P->wk[t].pool = P;
        P->wk[t].index = t;
        if (pthread_create(&P->tid[t], NULL, worker_main, &P->wk[t]) != 0) break;
        P->threads++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (P->threads > 1) return P;
    pthread_cond_destroy(&P->done);
fail_wake:
    pthread_cond_destroy(&P->wake);
fail_mutex:
    pthread_mutex_destroy(&P->mu);
fail_alloc:
    as__free(P->tid);
    as__free(P->wk);
    as__free(P);
    return NULL;
}

void as__pool_free(as_pool *P) {
    if (!P) return;
    pthread_mutex_lock(&P->mu);
    P->quit = 1;
    pthread_cond_broadcast(&P->wake);
    pthread_mutex_unlock(&P->mu);
    for (int t = 1; t < P->threads; t++) pthread_join(P->tid[t], NULL);
    pthread_cond_destroy(&P->done);
    pthread_cond_destroy(&P->wake);
    pthread_mutex_destroy(&P->mu);
    as__free(P->tid);
    as__free(P->wk);
    as__free(P);
}

int as__pool_size(const as_pool *P) { return P ? P->threads : 1; }

void as__pool_run(as_pool *P, size_t ntasks, as_pool_fn fn, void *ctx) {
    if (!P || ntasks <= 1) {
        for (size_t t = 0; t < ntasks; t++) fn(ctx, t, 0);
        return;
    }
    pthread_mutex_lock(&P->mu);
    P->fn = fn;
    P->ctx = ctx;
    P->ntasks = ntasks;
    atomic_store_explicit(&P->next, 0, memory_order_relaxed);
    P->gen++;
    P->open = 1;
    pthread_cond_broadcast(&P->wake);
    pthread_mutex_unlock(&P->mu);
    run_tasks(P, 0);
    pthread_mutex_lock(&P->mu);
    P->open = 0;
    while (P->busy > 0) pthread_cond_wait(&P->done, &P->mu);
    pthread_mutex_unlock(&P->mu);
}

int as__pool_threads_env(void) {
    const char *s = getenv("AS_THREADS");
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 1 || v > AS_POOL_MAX_THREADS) return 0;
    return (int)v;
}

int as__pool_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > INT_MAX ? INT_MAX : (int)n;
}

int as__pool_blas_single(void) {
    int saved = openblas_get_num_threads();
    if (saved != 1) openblas_set_num_threads(1);
    return saved;
}

void as__pool_blas_restore(int saved) {
    if (saved > 1) openblas_set_num_threads(saved);
}
