/* The simulated shop's CSV writer: a 64 KiB buffer in front of stdio, hand-made number formatting.
 * Errors are sticky (the first errno is kept and later writes are dropped) so the generator's inner loop
 * needs no error checks; as__sim_w_close reports them. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"

as_status as__sim_w_open(const char *dir, const char *name, as_sim_writer **out, as_error *err) {
    *out = NULL;
    as_sim_writer *w = as__malloc(sizeof *w);
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = as__malloc(len);
    if (!w || !path) {
        as__free(w);
        as__free(path);
        return as__err(err, AS_ERR_NOMEM, "out of memory creating %s/%s", dir, name);
    }
    snprintf(path, len, "%s/%s", dir, name);
    w->f = fopen(path, "wb");
    if (!w->f) {
        as__err(err, AS_ERR_IO, "cannot create %s: %s; check the folder is writable", path, strerror(errno));
        as__free(path);
        as__free(w);
        return AS_ERR_IO;
    }
    w->path = path;
    w->failed = 0;
    w->n = 0;
    for (int i = 0; i < AS_SIM_DAY_CACHE; i++) w->day[i] = INT64_MIN;   /* no day is INT64_MIN */
    *out = w;
    return AS_OK;
}

void as__sim_w_flush(as_sim_writer *w) {
    if (w->n && !w->failed && fwrite(w->buf, 1, w->n, w->f) != w->n) w->failed = errno ? errno : EIO;
    w->n = 0;
}

as_status as__sim_w_close(as_sim_writer *w, as_error *err) {
    if (!w) return AS_OK;
    as__sim_w_flush(w);
    if (fclose(w->f) != 0 && !w->failed) w->failed = errno ? errno : EIO;
    as_status st = AS_OK;
    if (w->failed)
        st = as__err(err, AS_ERR_IO, "cannot write %s: %s; check the free disk space", w->path, strerror(w->failed));
    as__free(w->path);
    as__free(w);
    return st;
}

void as__sim_w_raw(as_sim_writer *w, const char *s, size_t n) {
    while (n) {
        if (w->n == sizeof w->buf) as__sim_w_flush(w);
        size_t room = sizeof w->buf - w->n, k = n < room ? n : room;
        memcpy(w->buf + w->n, s, k);
        w->n += k;
        s += k;
        n -= k;
    }
}

void as__sim_w_str(as_sim_writer *w, const char *s) { as__sim_w_raw(w, s, strlen(s)); }

void as__sim_w_text(as_sim_writer *w, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) { as__sim_w_str(w, s); return; }
    as__sim_w_ch(w, '"');
    for (; *s; s++) {
        if (*s == '"') as__sim_w_ch(w, '"');
        as__sim_w_ch(w, *s);
    }
    as__sim_w_ch(w, '"');
}

void as__sim_w_i64(as_sim_writer *w, int64_t v) {
    char tmp[24];
    int i = (int)sizeof tmp;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do { tmp[--i] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) tmp[--i] = '-';
    as__sim_w_raw(w, tmp + i, sizeof tmp - (size_t)i);
}

/* Writes v / 10^decimals with exactly `decimals` digits after the point. */
static void w_fixed(as_sim_writer *w, int64_t v, int decimals) {
    int64_t scale = 1;
    for (int i = 0; i < decimals; i++) scale *= 10;
    if (v < 0) { as__sim_w_ch(w, '-'); v = -v; }
    as__sim_w_i64(w, v / scale);
    as__sim_w_ch(w, '.');
    char tmp[20];
    int64_t frac = v % scale;
    for (int i = decimals - 1; i >= 0; i--) { tmp[i] = (char)('0' + frac % 10); frac /= 10; }
    as__sim_w_raw(w, tmp, (size_t)decimals);
}

void as__sim_w_cents(as_sim_writer *w, int64_t cents) { w_fixed(w, cents, 2); }

void as__sim_w_rate(as_sim_writer *w, double p) { w_fixed(w, (int64_t)llround(p * 1e6), 6); }

void as__sim_w_time(as_sim_writer *w, int64_t t) {
    /* The date part comes from as_time_format (the one calendar of the library) through a small cache indexed
     * by day: rows are written in time order and their timestamps (ordered, promised, delivered, opened)
     * fall within a few weeks of each other, so nearly every date is a hit. The clock part is three
     * two-digit numbers. */
    int64_t day = t >= 0 ? t / AS_DAY : -((-t + AS_DAY - 1) / AS_DAY);
    int slot = (int)(((day % AS_SIM_DAY_CACHE) + AS_SIM_DAY_CACHE) % AS_SIM_DAY_CACHE);
    if (w->day[slot] != day) {
        as_time_format(day * AS_DAY, 1, w->day_text[slot], sizeof w->day_text[slot]);
        w->day[slot] = day;
    }
    int sec = (int)(t - day * AS_DAY);
    char clock[9] = {' ', 0, 0, ':', 0, 0, ':', 0, 0};
    int part[3] = {sec / 3600, sec / 60 % 60, sec % 60};
    for (int i = 0; i < 3; i++) {
        clock[1 + 3 * i] = (char)('0' + part[i] / 10);
        clock[2 + 3 * i] = (char)('0' + part[i] % 10);
    }
    as__sim_w_str(w, w->day_text[slot]);
    as__sim_w_raw(w, clock, sizeof clock);
}

void as__sim_w_id(as_sim_writer *w, char prefix, int64_t v, int width) {
    char tmp[24];
    int i = (int)sizeof tmp;
    uint64_t u = (uint64_t)v;
    do { tmp[--i] = (char)('0' + u % 10); u /= 10; } while (u);
    while ((int)sizeof tmp - i < width && i > 1) tmp[--i] = '0';
    tmp[--i] = prefix;
    as__sim_w_raw(w, tmp + i, sizeof tmp - (size_t)i);
}
