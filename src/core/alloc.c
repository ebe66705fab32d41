/* The one allocation wrapper of the library. Tests set a countdown to fail the Nth allocation and prove
 * that every caller turns the failure into AS_ERR_NOMEM instead of crashing. */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static long g_fail_after;   /* 0 = never fail; otherwise the countdown to the failing allocation */
static long g_count;

static int should_fail(void) {
    g_count++;
    if (g_fail_after > 0 && --g_fail_after == 0) return 1;
    return 0;
}

void as__alloc_fail_after(long n) { g_fail_after = n; g_count = 0; }
long as__alloc_count(void) { return g_count; }

void *as__malloc(size_t n) { return should_fail() ? NULL : malloc(n ? n : 1); }
void *as__calloc(size_t count, size_t size) { return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1); }
void *as__realloc(void *p, size_t n) { return should_fail() ? NULL : realloc(p, n ? n : 1); }
void as__free(void *p) { free(p); }

void *as__reallocarray(void *p, size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    return as__realloc(p, count * size);
}

char *as__strndup(const char *s, size_t n) {
    char *r = as__malloc(n + 1);
    if (!r) return NULL;
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

char *as__strdup(const char *s) { return s ? as__strndup(s, strlen(s)) : NULL; }
