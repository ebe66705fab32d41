/* Ingest entry point: opens the transaction, dispatches to the preset, records the outcome. */
#include <stdio.h>
#include <string.h>

#include "ingest/ingest.h"

as_ingest_params as_ingest_params_default(void) {
    as_ingest_params p;
    memset(&p, 0, sizeof p);
    p.preset = "online-retail";
    return p;
}

as_status as__ingest_reject(as_ingest_ctx *cx, int64_t line, const char *reason_key, const char *detail,
                            const char *raw, size_t raw_len, as_error *err) {
    as_ingest_stats *s = cx->stats;
    s->rejected++;
    int i;
    for (i = 0; i < s->n_reject_reasons; i++)
        if (strcmp(s->reject_reason[i], reason_key) == 0) break;
    if (i == s->n_reject_reasons) {
        if (i < 8) {
            snprintf(s->reject_reason[i], sizeof s->reject_reason[i], "%s", reason_key);
            s->n_reject_reasons++;
        } else {
            i = 7;   /* the eighth slot collects every further reason */
            snprintf(s->reject_reason[i], sizeof s->reject_reason[i], "%s", "other reasons");
        }
    }
    s->reject_count[i]++;
    sqlite3_stmt *st = cx->ins_reject;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, cx->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, line);
    sqlite3_bind_text(st, 3, detail, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, raw, (int)raw_len, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
        return as__err(err, AS_ERR_DB, "%s: writing a reject: %s", cx->db->path, sqlite3_errmsg(cx->db->sql));
    return AS_OK;
}

int as__ingest_is_missing(const as_ingest_ctx *cx, const as_csv_field *f) {
    if (f->n == 0) return 1;
    for (size_t i = 0; i < cx->params->n_na_tokens; i++) {
        const char *t = cx->params->na_tokens[i];
        if (strlen(t) == f->n && memcmp(t, f->p, f->n) == 0) return 1;
    }
    return 0;
}

void as__ingest_progress(as_ingest_ctx *cx, as_csv_reader *r) {
    if (cx->params->progress && (cx->stats->records_read & 0x3fff) == 0)
        cx->params->progress(cx->params->progress_user, "ingest", (double)as__csv_bytes_read(r),
                             (double)as__csv_bytes_total(r));
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

as_status as_ingest(as_db *db, const char *path, const as_ingest_params *params, as_ingest_stats *stats,
                    as_error *err) {
    as_ingest_params defaults = as_ingest_params_default();
    if (!params) params = &defaults;
    memset(stats, 0, sizeof *stats);
    const char *preset = params->preset ? params->preset : "online-retail";
    int retail = strcmp(preset, "online-retail") == 0, canonical = strcmp(preset, "canonical") == 0;
    if (!retail && !canonical)
        return as__err(err, AS_ERR_INVALID, "unknown preset '%s'; use online-retail or canonical", preset);

    as_ingest_ctx cx = {.db = db, .params = params, .stats = stats, .source = base_name(path)};
    as_status st = as__db_bulk_begin(db, err);
    if (st) return st;
    st = as__db_prepare(db, "INSERT OR REPLACE INTO rejects(source, line, reason, raw) VALUES(?,?,?,?)",
                        &cx.ins_reject, err);
    if (!st) st = retail ? as__ingest_online_retail(&cx, path, err) : as__ingest_canonical(&cx, path, err);
    sqlite3_finalize(cx.ins_reject);
    if (!st) {
        char v[64];
        snprintf(v, sizeof v, "%s", preset);
        st = as__db_meta_set(db, "preset", v, err);
    }
    /* New data makes earlier features stale: build must run again. */
    if (!st) st = as__db_exec(db, "DELETE FROM meta WHERE key LIKE 'build_%';", err);
    if (!st) {
        st = as__db_bulk_end(db, 1, err);
    } else {
        as__db_bulk_end(db, 0, NULL);
    }
    if (params->progress) params->progress(params->progress_user, "ingest", 1, 1);
    return st;
}
