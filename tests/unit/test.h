/* A minimal test harness: each tests/unit/test_*.c is one CTest test (its own process, with a timeout).
 * CHECK* macros record failures and go on, so one run shows every broken expectation. */
#ifndef AS_TEST_H
#define AS_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int t_failures, t_checks;

#define CHECK(cond) do { t_checks++; if (!(cond)) { t_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_MSG(cond, ...) do { t_checks++; if (!(cond)) { t_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
#define CHECK_NEAR(a, b, tol) do { double t_a = (a), t_b = (b); t_checks++; \
    if (!(fabs(t_a - t_b) <= (tol)) && !(isnan(t_a) && isnan(t_b))) { t_failures++; \
    fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.17g, expected %.17g (tol %g)\n", \
            __FILE__, __LINE__, #a, t_a, t_b, (double)(tol)); } } while (0)
#define CHECK_STR(a, b) do { const char *t_a = (a), *t_b = (b); t_checks++; \
    if (!t_a || !t_b || strcmp(t_a, t_b) != 0) { t_failures++; \
    fprintf(stderr, "%s:%d: CHECK_STR failed: %s = \"%s\", expected \"%s\"\n", \
            __FILE__, __LINE__, #a, t_a ? t_a : "(null)", t_b ? t_b : "(null)"); } } while (0)
#define CHECK_OK(expr, errp) do { as_status t_st = (expr); t_checks++; if (t_st != AS_OK) { t_failures++; \
    fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, (int)t_st, (errp)->msg); } } while (0)

#define RUN(fn) do { fprintf(stderr, "-- %s\n", #fn); fn(); } while (0)

static inline int test_report(const char *name) {
    printf("%s: %d checks, %d failed\n", name, t_checks, t_failures);
    return t_failures ? 1 : 0;
}

/* Path of a shared data set, or NULL (with a clear note) when it is absent. */
static inline const char *test_shared_data(const char *rel, char *buf, size_t size) {
    const char *root = getenv("AS_SHARED_DATA");
    snprintf(buf, size, "%s/%s", root ? root : "../shared/data/raw", rel);
    FILE *f = fopen(buf, "rb");
    if (!f) { fprintf(stderr, "NOTE: data set %s is absent; the checks that need it are skipped\n", buf); return NULL; }
    fclose(f);
    return buf;
}

/* A fresh scratch folder for one test program: fills dir (size ≥ 64) or exits. */
static inline void test_tmpdir(char *dir, size_t size, const char *name) {
    snprintf(dir, size, "/tmp/as_test_%s_XXXXXX", name);
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(2); }
}

/* Removes a scratch folder and everything in it. */
static inline void test_rmtree(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* Writes text to dir/name. */
static inline void test_write(const char *dir, const char *name, const char *text) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(2); }
    fputs(text, f);
    fclose(f);
}

#endif
