/*
 * core — what every module shares: the allocation wrapper, error filling, a growable byte buffer with a
 * hard cap, an arena, timestamps. Internal to libaftersales (names start with as__ or are static).
 */
#ifndef AS_CORE_H
#define AS_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aftersales/aftersales.h"

/* ---- allocation: every allocation in the library goes through these so tests can fail the Nth one ---- */
void *as__malloc(size_t n);
void *as__calloc(size_t count, size_t size);
void *as__realloc(void *p, size_t n);
void as__free(void *p);
char *as__strdup(const char *s);
char *as__strndup(const char *s, size_t n);
/* realloc for arrays: fails (returns NULL, leaves p intact) on count*size overflow. */
void *as__reallocarray(void *p, size_t count, size_t size);
/* Test hook: make the Nth allocation from now fail (0 disables). Returns the number of allocations seen. */
void as__alloc_fail_after(long n);
long as__alloc_count(void);

/* ---- errors ---- */
/* Fills err (when not NULL) with code and a printf-style message; returns code so callers can
 * `return as__err(err, AS_ERR_IO, "...")`. */
as_status as__err(as_error *err, as_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefixes an existing message: "<prefix>: <old message>". */
void as__err_prefix(as_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- growable byte buffer with a hard size cap (input from outside never grows memory without bound) ---- */
typedef struct as_buf {
    char *data;
    size_t len, cap, max;   /* max = 0 means no cap */
} as_buf;
void as__buf_init(as_buf *b, size_t max);
/* Returns AS_OK, AS_ERR_NOMEM, or AS_ERR_INVALID when the cap would be exceeded. */
as_status as__buf_append(as_buf *b, const void *p, size_t n);
as_status as__buf_putc(as_buf *b, char c);
as_status as__buf_printf(as_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void as__buf_clear(as_buf *b);
void as__buf_free(as_buf *b);
/* Ensures data is NUL-terminated (not counted in len). */
as_status as__buf_cstr(as_buf *b);
/* Appends everything left in stream f to b and NUL-terminates it: AS_OK, AS_ERR_NOMEM, AS_ERR_INVALID (b's cap
 * reached: the file is larger than the caller allows) or AS_ERR_IO (a read error). Does not close f. */
as_status as__buf_read_stream(as_buf *b, FILE *f);

/* ---- a map from 64-bit keys (all but UINT64_MAX) to one byte, 9 bytes a slot (u64map.c) ---- */
typedef struct as_u64map {
    uint64_t *keys;
    uint8_t *vals;
    size_t cap, count;
} as_u64map;
void as__u64map_init(as_u64map *m);
/* The value of key, inserted as 0 when absent; NULL when out of memory (or key is UINT64_MAX). The pointer is
 * valid until the next insertion. */
uint8_t *as__u64map_upsert(as_u64map *m, uint64_t key);
/* The value of key, 0 when absent. */
uint8_t as__u64map_get(const as_u64map *m, uint64_t key);
void as__u64map_free(as_u64map *m);

/* ---- arena: many small allocations released together ---- */
typedef struct as_arena_block as_arena_block;
typedef struct as_arena {
    as_arena_block *head;
    size_t block_size;
    size_t total;
} as_arena;
void as__arena_init(as_arena *a, size_t block_size);
void *as__arena_alloc(as_arena *a, size_t n);                 /* 8-byte aligned; NULL on OOM */
char *as__arena_strndup(as_arena *a, const char *s, size_t n); /* NUL-terminated copy */
void as__arena_free(as_arena *a);

/* ---- timestamps (seconds since 1970-01-01, proleptic Gregorian, no time zone) ---- */
int64_t as__days_from_civil(int y, int m, int d);
void as__civil_from_days(int64_t z, int *y, int *m, int *d);
/* Parses a timestamp of the accepted forms (see as_time_parse) from s[0..n); 1 on success, 0 otherwise. */
int as__time_parse_n(const char *s, size_t n, int64_t *out);

/* ---- numbers: strict parsers over a field (no leading/trailing junk; returns 1 on success) ---- */
int as__parse_int64(const char *s, size_t n, int64_t *out);
int as__parse_double(const char *s, size_t n, double *out);   /* strtod: the reference for the fast parsers */

/* Fast decimal parsers, bit for bit the results of the two above (tests/unit/test_table.c checks millions of
 * random and adversarial inputs against strtod). Decimal to double by Clinger's exact fast path (≤ 2^53 digits
 * value, |exponent| ≤ 22), else Eisel–Lemire (≤ 19 significant digits, |exponent| ≤ 64), else strtod.
 * as__parse_double_fast has as__parse_double's contract. as__parse_number tells what as__parse_int64 and
 * as__parse_double would say, in that order: AS_NUM_INT (*out = the int64 as a double, so "-0" is +0.0),
 * AS_NUM_DOUBLE (*out = the strtod value) or AS_NUM_NONE. */
enum { AS_NUM_NONE = 0, AS_NUM_INT = 1, AS_NUM_DOUBLE = 2 };
int as__parse_double_fast(const char *s, size_t n, double *out);
int as__parse_number(const char *s, size_t n, double *out);
/* The longest prefix of s[0 .. lim) that reads as a number: [+-]digits[.digits][(e|E)[+-]digits] with at least one
 * digit before the exponent (the shape strtod takes, without blanks, hexadecimal or inf/nan words). Returns the
 * end of that prefix (s itself when there is none) and sets *kind and *out as as__parse_number would for exactly
 * that prefix. For a reader that has not found the end of its field yet: when the byte at the returned end ends
 * the field, the field is that number; otherwise parse the whole field with as__parse_number. */
const char *as__scan_number(const char *s, const char *lim, double *out, int *kind);

/* ---- "1,234,567": a count with thousands separators for messages people read; buf needs 32 bytes ---- */
const char *as__fmt_count(int64_t v, char *buf, size_t size);
/* ---- the text sprintf(buf, "%.*f", decimals, x) writes, byte for byte, for 0 <= decimals <= 9, without printf's
 * cost (scores write millions of them); buf needs AS_FMT_FIXED_SIZE bytes (DBL_MAX has 309 digits). Returns the
 * length. ---- */
#define AS_FMT_FIXED_SIZE 336
size_t as__fmt_fixed(double x, int decimals, char *buf);
/* ---- unsigned / signed decimal integers, as "%llu" / "%lld"; buf needs 24 bytes. Returns the length. ---- */
size_t as__fmt_u64(uint64_t v, char *buf);
size_t as__fmt_i64(int64_t v, char *buf);

/* ---- "did you mean": case-insensitive edit distance ((size_t)−1 for names over 250 bytes), and the index of
 * the name closest to `want` among names[0..n) (lengths in name_n, or NULL for NUL-terminated names), or
 * (size_t)−1 when none is a near miss (at most a third of the letters wrong). ---- */
size_t as__edit_distance(const char *a, size_t la, const char *b, size_t lb);
size_t as__closest_name(const char *want, size_t want_n, const char *const *names, const size_t *name_n, size_t n);

/* ---- words of free text (words.c): the one definition used by the hashed text features, the reason model and
 * the reason lexicon, so that "doesn't fit" is the same two words to all three.
 * Over UTF-8 text, character by character:
 *   - ASCII letters and digits form words, lower-cased; every other ASCII character breaks words, except the
 *     apostrophes ' and `, which are dropped inside a word ("doesn't" → "doesnt");
 *   - Latin-1 letters U+00C0–U+00FF are folded to their lower-case base letter ("Écharpe" → "echarpe",
 *     "não" → "nao"; Ð ð → d, Þ þ → t), Æ æ → "ae", ß → "ss"; × and ÷ break words;
 *   - U+2018 and U+2019 (‘ ’) are apostrophes too (dropped), and so are the variation selectors U+FE00–U+FE0F
 *     (dropped: they only pick how the character before them looks);
 *   - U+0080–U+00BF (no-break space, « », °, º, £ …), U+2000–U+2BFF (punctuation, currency, arrows, maths,
 *     dingbats …), U+3000–U+303F (CJK punctuation) and U+1F000–U+1FAFF (emoji) break words;
 *   - any other character (Cyrillic, Greek, Arabic, CJK, other accents …) is kept byte for byte as part of the
 *     word, so other scripts still form words;
 *   - bytes that are not well-formed UTF-8 (a lone continuation byte, a truncated or overlong sequence, a
 *     surrogate) break words, one byte at a time.
 * A word longer than AS_WORD_MAX bytes is cut to its first AS_WORD_MAX bytes (a cut may fall inside a
 * character); the rest of it is skipped, not made into another word. The iterator allocates nothing. ---- */
#define AS_WORD_MAX 64
typedef struct as_words {
    const unsigned char *s;
    size_t n, i;                /* the text and the position of the next unread byte */
    char word[AS_WORD_MAX];     /* the current word, word[0 .. len), not NUL-terminated */
    size_t len;
} as_words;
/* Starts at the beginning of s[0..n) (s may be NULL when n is 0). */
void as__words_init(as_words *it, const char *s, size_t n);
/* 1 with the next word in it->word[0 .. it->len) (len ≥ 1), 0 at the end of the text. */
int as__words_next(as_words *it);

/* ---- string hash (FNV-1a, 64-bit) ---- */
uint64_t as__hash64(const void *p, size_t n);

#define AS_DAY 86400LL

#endif
