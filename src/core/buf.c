#include <stdio.h>
#include <string.h>

#include "core/core.h"

void as__buf_init(as_buf *b, size_t max) { b->data = NULL; b->len = b->cap = 0; b->max = max; }

static as_status reserve(as_buf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return AS_OK;
    size_t need = b->len + extra + 1;
    if (b->max && need > b->max + 1) return AS_ERR_INVALID;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    if (b->max && cap > b->max + 1) cap = b->max + 1;
    char *p = as__realloc(b->data, cap);
    if (!p) return AS_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    return AS_OK;
}

as_status as__buf_append(as_buf *b, const void *p, size_t n) {
    as_status st = reserve(b, n);
    if (st) return st;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return AS_OK;
}

as_status as__buf_putc(as_buf *b, char c) {
    if (b->len + 2 <= b->cap) { b->data[b->len++] = c; return AS_OK; }
    return as__buf_append(b, &c, 1);
}

as_status as__buf_printf(as_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return AS_ERR_INVALID;
    as_status st = reserve(b, (size_t)n);
    if (st) return st;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return AS_OK;
}

as_status as__buf_cstr(as_buf *b) {
    as_status st = reserve(b, 0);
    if (st) return st;
    b->data[b->len] = '\0';
    return AS_OK;
}

void as__buf_clear(as_buf *b) { b->len = 0; }
void as__buf_free(as_buf *b) { as__free(b->data); b->data = NULL; b->len = b->cap = 0; }

/* ---- arena ---- */
struct as_arena_block {
    as_arena_block *next;
    size_t used, size;
    _Alignas(8) unsigned char data[];
};

void as__arena_init(as_arena *a, size_t block_size) {
    a->head = NULL;
    a->block_size = block_size ? block_size : 1 << 16;
    a->total = 0;
}

void *as__arena_alloc(as_arena *a, size_t n) {
    n = (n + 7) & ~(size_t)7;
    if (!a->head || a->head->size - a->head->used < n) {
        size_t size = n > a->block_size ? n : a->block_size;
        as_arena_block *blk = as__malloc(sizeof *blk + size);
        if (!blk) return NULL;
        blk->next = a->head;
        blk->used = 0;
        blk->size = size;
        a->head = blk;
        a->total += size;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

char *as__arena_strndup(as_arena *a, const char *s, size_t n) {
    char *p = as__arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void as__arena_free(as_arena *a) {
    as_arena_block *b = a->head;
    while (b) { as_arena_block *next = b->next; as__free(b); b = next; }
    a->head = NULL;
    a->total = 0;
}

as_status as__buf_read_stream(as_buf *b, FILE *f) {
    char chunk[65536];
    size_t n;
    as_status st = AS_OK;
    while (!st && (n = fread(chunk, 1, sizeof chunk, f)) > 0) st = as__buf_append(b, chunk, n);
    if (!st && ferror(f)) st = AS_ERR_IO;
    return st ? st : as__buf_cstr(b);
}
