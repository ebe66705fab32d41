#include <string.h>

#include "ingest/strmap.h"

void as__strmap_init(as_strmap *m) {
    memset(m, 0, sizeof *m);
    as__arena_init(&m->arena, 1 << 16);
}

static size_t slot_of(const as_strmap *m, const char *key, size_t n) {
    size_t mask = m->cap - 1, i = (size_t)as__hash64(key, n) & mask;
    while (m->keys[i] && !(m->lens[i] == n && memcmp(m->keys[i], key, n) == 0)) i = (i + 1) & mask;
    return i;
}

static int grow(as_strmap *m) {
    size_t cap = m->cap ? m->cap * 2 : 1024;
    as_strmap n2 = *m;
    n2.cap = cap;
    n2.keys = as__calloc(cap, sizeof *n2.keys);
    n2.lens = as__calloc(cap, sizeof *n2.lens);
    n2.vals = as__calloc(cap, sizeof *n2.vals);
    if (!n2.keys || !n2.lens || !n2.vals) {
        as__free(n2.keys); as__free(n2.lens); as__free(n2.vals);
        return 0;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        size_t j = slot_of(&n2, m->keys[i], m->lens[i]);
        n2.keys[j] = m->keys[i]; n2.lens[j] = m->lens[i]; n2.vals[j] = m->vals[i];
    }
    as__free(m->keys); as__free(m->lens); as__free(m->vals);
    *m = n2;
    return 1;
}

int64_t *as__strmap_upsert(as_strmap *m, const char *key, size_t n, int64_t init, int *inserted) {
    if ((m->count + 1) * 2 > m->cap && !grow(m)) return NULL;
    size_t i = slot_of(m, key, n);
    if (inserted) *inserted = 0;
    if (!m->keys[i]) {
        char *k = as__arena_strndup(&m->arena, key, n);
        if (!k) return NULL;
        m->keys[i] = k; m->lens[i] = n; m->vals[i] = init;
        m->count++;
        if (inserted) *inserted = 1;
    }
    return &m->vals[i];
}

int64_t *as__strmap_get(const as_strmap *m, const char *key, size_t n) {
    if (!m->cap) return NULL;
    size_t i = slot_of(m, key, n);
    return m->keys[i] ? &m->vals[i] : NULL;
}

void as__strmap_free(as_strmap *m) {
    as__free(m->keys); as__free(m->lens); as__free(m->vals);
    as__arena_free(&m->arena);
    memset(m, 0, sizeof *m);
}
