/*
 * sim — private header of the simulated shop: the random number generator and the buffered CSV writer.
 *
 * Both are kept apart from sim.c's model so the model code reads as the generative story it implements
 * (docs/simulated-shop.md) and not as plumbing.
 */
#ifndef AS_SIM_H
#define AS_SIM_H

#include <stdint.h>
#include <stdio.h>

#include "core/core.h"

/* ---- random numbers: xoshiro256** seeded through splitmix64 ----
 * Our own generator rather than rand(), so a seed gives the same shop on every platform and C library.
 * Each part of the shop (catalogue, customers, calendar, calibration pilot, orders) draws from its own
 * stream, so changing the number of orders does not reshuffle the catalogue or the customers. */
typedef struct as_sim_rng {
    uint64_t s[4];
} as_sim_rng;

void as__sim_rng_seed(as_sim_rng *r, uint64_t seed, uint64_t stream);
uint64_t as__sim_rng_next(as_sim_rng *r);
double as__sim_u01(as_sim_rng *r);                               /* uniform on [0, 1) with 53 bits */
double as__sim_u01_open(as_sim_rng *r);                          /* uniform on (0, 1] (safe for log / pow) */
int64_t as__sim_range(as_sim_rng *r, int64_t lo, int64_t hi);    /* uniform integer in [lo, hi], unbiased */
double as__sim_normal(as_sim_rng *r);                            /* standard normal (Marsaglia polar) */
int as__sim_pick(as_sim_rng *r, const double *weights, int n);   /* index drawn with the given weights */

/* Random streams: each part of the shop draws from its own so changing one part's size or rules does not
 * reshuffle the others. Per-customer personal data uses stream AS_SIM_STREAM_PEOPLE + customer index. */
enum {
    AS_SIM_STREAM_CATALOGUE = 1,
    AS_SIM_STREAM_CUSTOMERS = 2,
    AS_SIM_STREAM_CALENDAR = 3,
    AS_SIM_STREAM_ORDERS = 4,
    AS_SIM_STREAM_PILOT = 5,
    AS_SIM_STREAM_MARKETPLACE = 6,
    AS_SIM_STREAM_PHONE = 7
};
#define AS_SIM_STREAM_PEOPLE (UINT64_C(1) << 32)

/* ---- fake personal data (people.c) ----
 * A customer's name, e-mail, phone and street, a pure function of (seed, index, country): nothing is stored
 * per customer. E-mail and phone are unique per customer within a shop; names and streets may repeat.
 * UTF-8 (accented names, "Lindenstraße"). Unknown country codes get German names and a German number. */
typedef struct as_sim_person {
    char name[64], email[96], phone[32], street[80];
} as_sim_person;
void as__sim_person(uint64_t seed, int64_t index, const char *country, as_sim_person *out);

/* ---- buffered CSV writer ----
 * Numbers are formatted by hand from integers (money in cents, rates in millionths) so the files do not
 * depend on the C locale an embedding program may have set, and so they are byte-identical everywhere. */
#define AS_SIM_DAY_CACHE 64
typedef struct as_sim_writer {
    FILE *f;
    char *path;
    int failed;          /* first errno seen, 0 while all is well */
    size_t n;
    int64_t day[AS_SIM_DAY_CACHE];            /* day_text[i] is the date of day[i] (days since 1970) */
    char day_text[AS_SIM_DAY_CACHE][24];
    char buf[1 << 16];
} as_sim_writer;

/* Creates dir/name for writing. On success *out owns the writer; as__sim_w_close releases it. */
as_status as__sim_w_open(const char *dir, const char *name, as_sim_writer **out, as_error *err);
/* Flushes and closes; reports the first write error (disk full, …) as AS_ERR_IO naming the file.
 * Always releases the writer; err may be NULL on clean-up paths. NULL is a no-op. */
as_status as__sim_w_close(as_sim_writer *w, as_error *err);
void as__sim_w_flush(as_sim_writer *w);
void as__sim_w_raw(as_sim_writer *w, const char *s, size_t n);
void as__sim_w_str(as_sim_writer *w, const char *s);
void as__sim_w_text(as_sim_writer *w, const char *s);            /* quoted per RFC 4180 when needed */
void as__sim_w_i64(as_sim_writer *w, int64_t v);
void as__sim_w_cents(as_sim_writer *w, int64_t cents);           /* 1234 → "12.34" */
void as__sim_w_rate(as_sim_writer *w, double p);                 /* 0 ≤ p ≤ 1 → "0.123457" */
void as__sim_w_time(as_sim_writer *w, int64_t t);                /* "YYYY-MM-DD HH:MM:SS" */
void as__sim_w_id(as_sim_writer *w, char prefix, int64_t v, int width);  /* 'P', 7, 6 → "P000007" */
static inline void as__sim_w_ch(as_sim_writer *w, char c) {
    if (w->n == sizeof w->buf) as__sim_w_flush(w);
    w->buf[w->n++] = c;
}

#endif
