/*
 * pool — a small set of worker threads for the data-parallel passes of the logistic-regression solvers
 * (logreg.c, logreg_multi.c). Internal to libaftersales.
 *
 * A job is a number of tasks (chunks of rows) and a function run once per task; as__pool_run returns when every
 * task is done. Tasks go to whichever thread asks first, so a thread slowed down by other work on the machine
 * simply takes fewer of them; anything a caller wants to be deterministic must therefore depend on the task
 * index only (each task writes its own partial sums, the caller adds them in task order afterwards), never on
 * which thread ran it. The thread index passed to the task function is for per-thread scratch space only.
 *
 * A pool is created once per fit and reused by every pass; the calling thread works too, so a pool of T threads
 * starts T − 1 workers. Creating one may fail (memory, thread limits): as__pool_new then returns NULL, and every
 * function here accepts NULL as "no workers" (the caller's thread runs every task), which gives the same results.
 */
#ifndef AS_ML_POOL_H
#define AS_ML_POOL_H

#include <stddef.h>

typedef struct as_pool as_pool;

/* task: the task's index in [0, ntasks); thread: the running thread's index in [0, as__pool_size(pool)). */
typedef void (*as_pool_fn)(void *ctx, size_t task, int thread);

/* A pool of `threads` threads (the caller counts as one; threads ≤ 1 gives NULL, no workers), or NULL when the
 * memory or the threads cannot be had. Release with as__pool_free. */
as_pool *as__pool_new(int threads);
/* Stops and joins the workers. NULL is a no-op. */
void as__pool_free(as_pool *pool);
/* The number of threads that run tasks (1 for NULL). */
int as__pool_size(const as_pool *pool);
/* Runs fn(ctx, task, thread) for every task in [0, ntasks) and returns when all have finished. Workers that
 * have not picked the job up by the time the caller ran out of tasks are not waited for. Not reentrant: one job
 * at a time per pool, started from the thread that created it. */
void as__pool_run(as_pool *pool, size_t ntasks, as_pool_fn fn, void *ctx);

/* The AS_THREADS environment variable as a thread count in 1 .. AS_POOL_MAX_THREADS, or 0 when it is unset or not
 * such a number. */
#define AS_POOL_MAX_THREADS 64
int as__pool_threads_env(void);
/* Online processors (at least 1). */
int as__pool_cpus(void);

/* OpenBLAS's own threads during a fit: BLAS calls made from inside tasks must not start threads of their own
 * (two pools on the same cores, and OpenBLAS serializes concurrent threaded calls). as__pool_blas_single sets
 * OpenBLAS to one thread and returns the previous setting for as__pool_blas_restore. Process-wide: the library
 * makes no BLAS calls from other threads meanwhile. */
int as__pool_blas_single(void);
void as__pool_blas_restore(int saved);

#endif
