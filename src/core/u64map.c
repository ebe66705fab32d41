/*
 * u64map.c — a map from 64-bit keys to one byte: open addressing with linear probing, keys and values in two
 * arrays (9 bytes a slot), at most 3/4 full. For the build's customer × product flags, where a string-keyed map
 * cost about 140 bytes a pair and the pairs grow with the lines (tens of millions for a large shop).
 */
#include <string.h>

#include "core/core.h"

#define EMPTY UINT64_MAX

/* splitmix64's finalizer: consecutive ids spread over the whole table */
static uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void as__u64map_init(as_u64map *m) { memset(m, 0, sizeof *m); }

void as__u64map_free(as_u64map *m) {
    as__free(m->keys);
    as__free(m->vals);
    memset(m, 0, sizeof *m);
}

static size_t slot_of(const as_u64map *m, uint64_t key) {
    size_t mask = m->cap - 1, i = (size_t)mix(key) & mask;
    while (m->keys[i] != EMPTY && m->keys[i] != key) i = (i + 1) & mask;
    return i;
}

static int grow(as_u64map *m) {
    size_t cap = m->cap ? m->cap * 2 : 1024;
    uint64_t *keys = as__reallocarray(NULL, cap, sizeof *keys);
    uint8_t *vals = as__calloc(cap, 1);
    if (!keys || !vals) {
        as__free(keys);
        as__free(vals);
        return 0;
    }
    memset(keys, 0xff, cap * sizeof *keys);
    as_u64map bigger = {keys, vals, cap, m->count};
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] != EMPTY) {
            size_t j = slot_of(&bigger, m->keys[i]);
            keys[j] = m->keys[i];
            vals[j] = m->vals[i];
        }
    as__free(m->keys);
    as__free(m->vals);
    *m = bigger;
    return 1;
}

uint8_t *as__u64map_upsert(as_u64map *m, uint64_t key) {
    if (key == EMPTY) return NULL;
    if ((m->count + 1) * 4 > m->cap * 3 && !grow(m)) return NULL;
    size_t i = slot_of(m, key);
    if (m->keys[i] == EMPTY) {
        m->keys[i] = key;
        m->vals[i] = 0;
        m->count++;
    }
    return &m->vals[i];
}

uint8_t as__u64map_get(const as_u64map *m, uint64_t key) {
    if (!m->cap || key == EMPTY) return 0;
    size_t i = slot_of(m, key);
    return m->keys[i] == key ? m->vals[i] : 0;
}
