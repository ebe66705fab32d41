/*
 * windows: entity sums over trailing time windows from one time-ordered event log.
 *
 * Adding an event touches AS__N_ENT × AS__N_WIN sums; each event later leaves each finite window once. The log
 * keeps only what the longest finite window can still subtract: when its cursor has passed half the log, the
 * tail is moved to the front, so memory is bounded by a year of events (32 bytes each), not the whole history.
 */
#include <string.h>

#include "features/features_internal.h"

const char *const as__win_suffix[AS__N_WIN] = {"30d", "90d", "365d", "all"};
const char *const as__ent_prefix[AS__N_ENT] = {"cust", "prod", "cat", "seller", "country"};
const int64_t as__win_seconds[AS__N_WIN] = {30 * AS_DAY, 90 * AS_DAY, 365 * AS_DAY, 0};

void as__win_init(as__windows *w) { memset(w, 0, sizeof *w); }

void as__win_free(as__windows *w) {
    as__free(w->ev);
    for (int e = 0; e < AS__N_ENT; e++) as__free(w->sums[e]);
    memset(w, 0, sizeof *w);
}

static as_status ensure_id(as__windows *w, int ent, uint32_t id) {
    if (id < w->n_ids[ent]) return AS_OK;
    size_t n = w->n_ids[ent] ? w->n_ids[ent] : 1024;
    while (n <= id) n *= 2;
    as__win_sums *p = as__reallocarray(w->sums[ent], n * AS__N_WIN, sizeof *p);
    if (!p) return AS_ERR_NOMEM;
    memset(p + w->n_ids[ent] * AS__N_WIN, 0, (n - w->n_ids[ent]) * AS__N_WIN * sizeof *p);
    w->sums[ent] = p;
    w->n_ids[ent] = n;
    return AS_OK;
}

static void apply(as__windows *w, const as__win_event *e, int win, int sign) {
    for (int ent = 0; ent < AS__N_ENT; ent++) {
        if (e->id[ent] == AS__NO_ID) continue;
        as__win_sums *s = &w->sums[ent][(size_t)e->id[ent] * AS__N_WIN + (size_t)win];
        if (e->is_case) s->cases += sign;
        else { s->lines += sign; s->amount += sign * (double)e->amount; }
    }
}

as_status as__win_add(as__windows *w, const as__win_event *e) {
    for (int ent = 0; ent < AS__N_ENT; ent++)
        if (e->id[ent] != AS__NO_ID && ensure_id(w, ent, e->id[ent])) return AS_ERR_NOMEM;
    size_t oldest = w->cur[AS__WIN_365];
    if (w->n == w->cap && oldest > w->n / 2) {          /* reclaim what every window has already left */
        memmove(w->ev, w->ev + oldest, (w->n - oldest) * sizeof *w->ev);
        w->n -= oldest;
        for (int k = 0; k < AS__WIN_ALL; k++) w->cur[k] -= oldest;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 65536;
        as__win_event *p = as__reallocarray(w->ev, cap, sizeof *p);
        if (!p) return AS_ERR_NOMEM;
        w->ev = p;
        w->cap = cap;
    }
    w->ev[w->n++] = *e;
    for (int k = 0; k < AS__N_WIN; k++) apply(w, e, k, +1);
    return AS_OK;
}

void as__win_advance(as__windows *w, int64_t t) {
    for (int k = 0; k < AS__WIN_ALL; k++) {
        int64_t from = t - as__win_seconds[k];
        while (w->cur[k] < w->n && w->ev[w->cur[k]].at < from) apply(w, &w->ev[w->cur[k]++], k, -1);
    }
}

const as__win_sums *as__win_get(const as__windows *w, int ent, uint32_t id) {
    static const as__win_sums zero[AS__N_WIN];
    if (id == AS__NO_ID || id >= w->n_ids[ent]) return zero;
    return &w->sums[ent][(size_t)id * AS__N_WIN];
}
