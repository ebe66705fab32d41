/* A string → int64 hash map (open addressing, keys copied into an arena). Internal to ingest and build. */
#ifndef AS_STRMAP_H
#define AS_STRMAP_H

#include "core/core.h"

typedef struct as_strmap {
    const char **keys;
    size_t *lens;
    int64_t *vals;
    size_t cap, count;
    as_arena arena;
} as_strmap;

void as__strmap_init(as_strmap *m);
/* Returns a pointer to the value for key, inserting it with value `init` when absent (*inserted = 1).
 * NULL on out-of-memory. The pointer is valid until the next insertion. */
int64_t *as__strmap_upsert(as_strmap *m, const char *key, size_t n, int64_t init, int *inserted);
/* Returns the value's pointer or NULL when absent. */
int64_t *as__strmap_get(const as_strmap *m, const char *key, size_t n);
void as__strmap_free(as_strmap *m);

#endif
