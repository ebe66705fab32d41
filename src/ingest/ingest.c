/* Ingest entry point: opens the transaction, dispatches to the preset, records the outcome. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/ingest.h"

as_ingest_params as_ingest_params_default(void) {
    as_ingest_params p;
    memset(&p, 0, sizeof p);
    p.preset = "online-retail";
    return p;
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
    if (!cx->params->progress || (cx->stats->records_read & 0xfff) != 0) return;
    int64_t done = cx->bytes_done + as__csv_bytes_read(r), total = cx->bytes_total;
    if (total < done) total = 0;   /* a file that grew while read: the total is not known */
    cx->params->progress(cx->params->progress_user, "ingest", (double)done, (double)total);
}

void as__ingest_count_bytes(as_ingest_ctx *cx, const char *path) {
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) cx->bytes_total += (int64_t)sb.st_size;
}

as_status as__ingest_upsert(as_ingest_ctx *cx, sqlite3_stmt *insert, sqlite3_stmt *update, int64_t *counter,
                            as_error *err) {
    as_status st = AS_OK;
    sqlite3 *sql = cx->db->sql;
    if (sqlite3_step(insert) != SQLITE_DONE) {
        st = as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(sql));
    } else if (sqlite3_changes(sql) > 0) {
        cx->stats->loaded++;
        if (counter) (*counter)++;
    } else if (!update) {
        cx->stats->skipped_duplicates++;
    } else if (sqlite3_step(update) != SQLITE_DONE) {
        st = as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(sql));
    } else if (sqlite3_changes(sql) > 0) {
        cx->stats->updated++;
    } else {
        cx->stats->skipped_duplicates++;
    }
    sqlite3_reset(insert);
    if (update) sqlite3_reset(update);
    return st;
}

/* The reason of a record with the wrong number of fields: the counts, and the two usual causes. */
static void fields_detail(const as_ingest_ctx *cx, char *buf, size_t size, size_t header_n, size_t nf, int64_t line) {
    char d = cx->reject_delimiter ? cx->reject_delimiter : ',';
    char shown[8];
    if (d == '\t') snprintf(shown, sizeof shown, "tab");
    else snprintf(shown, sizeof shown, "'%c'", d);
    snprintf(buf, size, "line %lld: expected %zu fields as in the header, found %zu; check the delimiter (%s here) "
             "and that values holding it are quoted (\"a%cb\")", (long long)line, header_n, nf, shown, d);
}

/* Re-reads the lines a runaway record swallowed (all of raw after its first line), one line at a time. */
static as_status reread_lines(as_ingest_ctx *cx, const char *raw, size_t raw_n, int64_t first_line, size_t header_n,
                              as_record_fn fn, void *user, as_error *err) {
    const char *nl = memchr(raw, '\n', raw_n);
    int64_t line = first_line;
    as_status st = AS_OK;
    char detail[256];
    while (nl && !st) {
        const char *p = nl + 1;
        size_t left = raw_n - (size_t)(p - raw);
        nl = memchr(p, '\n', left);
        size_t n = nl ? (size_t)(nl - p) : left;
        line++;
        if (n && p[n - 1] == '\r') n--;
        if (n == 0) continue;                       /* blank lines are no records */
        cx->stats->records_read++;
        as_csv_options copt = as__csv_options_default();
        as_csv_reader *lr = NULL;
        as_error lerr;
        if ((st = as__csv_open_mem(p, n, cx->source, &copt, &lr, err))) break;
        as_csv_field *f;
        size_t nf;
        as_status ls = as__csv_next(lr, &f, &nf, &lerr);
        if (ls == AS_OK && nf == header_n) {
            st = fn(user, f, nf, line, p, n, err);
        } else if (ls == AS_OK || ls == AS_ERR_PARSE) {
            if (ls == AS_OK)
                fields_detail(cx, detail, sizeof detail, header_n, nf, line);
            else
                snprintf(detail, sizeof detail, "a quote opened on line %lld is not closed on that line", (long long)line);
            char key[64];
            snprintf(key, sizeof key, "wrong number of fields (expected %zu)", header_n);
            st = as__ingest_reject(cx, line, ls == AS_OK ? key : "unbalanced quote", detail, p, n, err);
        } else {
            st = ls;
            *err = lerr;
        }
        as__csv_close(lr);
    }
    return st;
}

static as_status drive_records(as_ingest_ctx *cx, as_csv_reader *r, size_t header_n, as_record_fn fn, void *user,
                               char *detail_buf, size_t detail_size, as_error *err);

/* Records what this ingest read of a source, for the report's data-quality table: the first reading of the source
 * in an ingest replaces what an earlier ingest recorded (as its rejects are replaced), a second reading (a file
 * that two mapping sections read) adds to it. */
static as_status log_source(as_ingest_ctx *cx, int first, int64_t records, int64_t rejected, as_error *err) {
    sqlite3_stmt *q;
    as_status st = as__db_prepare(cx->db, first ? "INSERT OR REPLACE INTO ingest_sources(source, records, rejected,"
                                                  " ingested_at) VALUES(?1, ?2, ?3, strftime('%s', 'now'))"
                                                : "UPDATE ingest_sources SET records = records + ?2, rejected ="
                                                  " rejected + ?3 WHERE source = ?1", &q, err);
    if (st) return st;
    sqlite3_bind_text(q, 1, cx->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, records);
    sqlite3_bind_int64(q, 3, rejected);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? AS_OK : as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(cx->db->sql));
}

as_status as__ingest_drive(as_ingest_ctx *cx, as_csv_reader *r, size_t header_n, as_record_fn fn, void *user,
                           as_error *err) {
    as_status st;
    char detail[512];
    /* The source is read again in full, so its rejects are found again: the ones of an earlier ingest that the
     * user has since fixed (a date format, a delimiter) must not linger as problems that no longer exist. Only
     * the first reading in this ingest clears them: a file that two mapping sections read keeps both's. */
    int first;
    if (!as__strmap_upsert(&cx->cleared, cx->source, strlen(cx->source), 1, &first))
        return as__err(err, AS_ERR_NOMEM, "out of memory");
    if (first) {
        sqlite3_stmt *del;
        if ((st = as__db_prepare(cx->db, "DELETE FROM rejects WHERE source = ?", &del, err))) return st;
        sqlite3_bind_text(del, 1, cx->source, -1, SQLITE_STATIC);
        int drc = sqlite3_step(del);
        sqlite3_finalize(del);
        if (drc != SQLITE_DONE) return as__err(err, AS_ERR_DB, "%s: %s", cx->db->path, sqlite3_errmsg(cx->db->sql));
    }
    int64_t read0 = cx->stats->records_read, rejected0 = cx->stats->rejected;
    st = drive_records(cx, r, header_n, fn, user, detail, sizeof detail, err);
    cx->bytes_done += as__csv_bytes_total(r);
    /* A source that lost every record is worth a word of its own: a share over the whole ingest hides it when the
     * other files are large. */
    int64_t read = cx->stats->records_read - read0;
    if (!st && read > 0 && cx->stats->rejected - rejected0 == read && !cx->stats->all_rejected_source[0])
        snprintf(cx->stats->all_rejected_source, sizeof cx->stats->all_rejected_source, "%s", cx->source);
    if (!st) st = log_source(cx, first, read, cx->stats->rejected - rejected0, err);
    return st;
}

static as_status drive_records(as_ingest_ctx *cx, as_csv_reader *r, size_t header_n, as_record_fn fn, void *user,
                               char *detail_buf, size_t detail_size, as_error *err) {
    as_csv_field *f;
    size_t nf;
    as_status st;
    char *detail = detail_buf;
    while ((st = as__csv_next(r, &f, &nf, err)) == AS_OK || st == AS_ERR_PARSE) {
        cx->stats->records_read++;
        as__ingest_progress(cx, r);
        int64_t line = as__csv_line(r);
        size_t raw_n;
        const char *raw = as__csv_raw(r, &raw_n);
        const char *nl = memchr(raw, '\n', raw_n);
        if (st == AS_OK && nf == header_n) {
            if ((st = fn(user, f, nf, line, raw, raw_n, err))) return st;
            continue;
        }
        int final = st == AS_ERR_PARSE && as__csv_at_end(r);
        if (nl && (st == AS_OK || final)) {
            /* A runaway record: reject its first line, read the lines it swallowed again one by one. */
            snprintf(detail, detail_size,
                     "line %lld opens a quote that %s; the line is rejected and the following lines are read on "
                     "their own", (long long)line, final ? "is never closed" : "swallows the next line ends");
            size_t first_n = (size_t)(nl - raw);
            if ((st = as__ingest_reject(cx, line, "unbalanced quote", detail, raw, first_n, err))) return st;
            if ((st = reread_lines(cx, raw, raw_n, line, header_n, fn, user, err))) return st;
            if (final) break;
            continue;
        }
        if (st == AS_OK) {
            char key[64];
            snprintf(key, sizeof key, "wrong number of fields (expected %zu)", header_n);
            fields_detail(cx, detail, detail_size, header_n, nf, line);
            if ((st = as__ingest_reject(cx, line, key, detail, raw, raw_n, err))) return st;
        } else {
            as_error perr = *err;
            if ((st = as__ingest_reject(cx, line, "malformed CSV record", perr.msg, raw, raw_n, err))) return st;
            if (final) break;
        }
    }
    return st == AS_ERR_NODATA || st == AS_ERR_PARSE ? AS_OK : st;
}

as_status as__ingest_open(const char *path, as_csv_reader **r, as_csv_field **f, size_t *nf, as_error *err) {
    as_csv_options copt = as__csv_options_default();
    *r = NULL;
    as_status st = as__csv_open(path, &copt, r, err);
    if (!st) st = as__csv_next(*r, f, nf, err);
    if (st) {
        as__csv_close(*r);
        *r = NULL;
    }
    return st;
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
    int olist = strcmp(preset, "olist") == 0, mapping = strcmp(preset, "mapping") == 0;
    if (!retail && !canonical && !olist && !mapping)
        return as__err(err, AS_ERR_INVALID, "unknown preset '%s'; use online-retail, olist, canonical or mapping "
                       "(--mapping FILE)", preset);

    as_ingest_ctx cx = {.db = db, .params = params, .stats = stats, .source = base_name(path)};
    as__strmap_init(&cx.cleared);
    /* One database holds one shop: mixing two exports would mix their customers, products and label rules. */
    char have[64];
    as_error ignore;
    if (as__db_meta_get(db, "preset", have, sizeof have, &ignore) == AS_OK && strcmp(have, preset) != 0)
        return as__err(err, AS_ERR_INVALID, "%s already holds data loaded with --preset %s; load %s preset data into "
                       "a new database (--db OTHER.db)", db->path, have, preset);
    as_status st = as__db_bulk_begin(db, err);
    if (st) return st;
    st = as__db_prepare(db, "INSERT OR REPLACE INTO rejects(source, line, reason, raw) VALUES(?,?,?,?)",
                        &cx.ins_reject, err);
    if (!st) {
        if (retail) as__ingest_count_bytes(&cx, path);   /* the folder presets count the files they will read */
        if (retail) st = as__ingest_online_retail(&cx, path, err);
        else if (canonical) st = as__ingest_canonical(&cx, path, err);
        else if (olist) st = as__ingest_olist(&cx, path, err);
        else st = as__ingest_mapping(&cx, path, err);
    }
    sqlite3_finalize(cx.ins_reject);
    as__buf_free(&cx.scratch);
    as__strmap_free(&cx.cleared);
    /* Cases and reviews of orders that are not loaded cannot label anything: counted over the whole database
     * after every source is in, so a later file that brings the orders clears the count. */
    sqlite3_stmt *q = NULL;
    if (!st && !(st = as__db_prepare(db, "SELECT (SELECT count(*) FROM cases c WHERE c.order_id IS NOT NULL AND NOT "
                                         "EXISTS (SELECT 1 FROM orders o WHERE o.order_id = c.order_id)), "
                                         "(SELECT count(*) FROM reviews r WHERE r.order_id IS NOT NULL AND NOT "
                                         "EXISTS (SELECT 1 FROM orders o WHERE o.order_id = r.order_id))", &q, err))) {
        if (sqlite3_step(q) == SQLITE_ROW) {
            stats->orphan_cases = sqlite3_column_int64(q, 0);
            stats->orphan_reviews = sqlite3_column_int64(q, 1);
        } else {
            st = as__err(err, AS_ERR_DB, "%s: %s", db->path, sqlite3_errmsg(db->sql));
        }
        sqlite3_finalize(q);
    }
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

/* ---- personal data ------------------------------------------------------------------------------------ */

as_status as__ingest_pii_key(as_ingest_ctx *cx, const as_pii_key **key, as_error *err) {
    if (!cx->pii_loaded) {
        char def[4200];
        const char *path = cx->params->key_file;
        if (!path || !*path) {
            snprintf(def, sizeof def, "%s.key", cx->db->path);
            path = def;
        }
        /* A database whose pseudonyms were made under one key must never get rows under another: the same
         * customer would appear twice and joins with the earlier rows would break. meta keeps a fingerprint of
         * the key (the pseudonym of a fixed text in a domain of its own; it tells nothing about the key). */
        char have[64] = "";
        as_error ignore;
        int known = as__db_meta_get(cx->db, "pii_key_fingerprint", have, sizeof have, &ignore) == AS_OK && have[0];
        if (known && access(path, F_OK) != 0)
            return as__err(err, AS_ERR_INVALID, "%s: the pseudonymization key file is missing, but %s was built with "
                           "a key (fingerprint %s); restore that key file (or pass it with --key-file), or ingest "
                           "into a new --db. A new key would give every personal value a new pseudonym", path,
                           cx->db->path, have);
        int created = 0, readable = 0;
        as_status st = as__pii_key_load(path, !known, &cx->pii_key, &created, &readable, err);
        if (st) return st;
        char fp[AS_PII_PSEUDONYM_LEN + 1];
        as__pii_pseudonym(&cx->pii_key, "aftersales-key-fingerprint", "fingerprint", 11, fp);
        if (known && strcmp(fp, have) != 0)
            return as__err(err, AS_ERR_INVALID, "%s was built with another pseudonymization key (fingerprint %s; "
                           "the key in %s has %s); pass that key with --key-file, or ingest into a new --db",
                           cx->db->path, have, path, fp);
        if (!known && (st = as__db_meta_set(cx->db, "pii_key_fingerprint", fp, err))) return st;
        snprintf(cx->stats->key_path, sizeof cx->stats->key_path, "%s", path);
        cx->stats->key_created = created;
        cx->stats->key_world_readable = readable;
        cx->pii_loaded = 1;
    }
    *key = &cx->pii_key;
    return AS_OK;
}

as_status as__ingest_pseudonym(as_ingest_ctx *cx, const char *domain, const char *value, size_t n, char *out,
                               as_error *err) {
    out[0] = '\0';
    if (n == 0) return AS_OK;
    const as_pii_key *key;
    as_status st = as__ingest_pii_key(cx, &key, err);
    if (st) return st;
    as__pii_pseudonym(key, domain, value, n, out);
    cx->stats->pseudonymized++;
    return AS_OK;
}

/* Scrubs text into buf; *out is text itself when nothing needed replacing (the common case: one scan, no key,
 * no copy). */
static as_status scrub_into(as_ingest_ctx *cx, const char *text, size_t n, as_buf *buf, const char **out,
                            size_t *out_n, as_error *err) {
    *out = text;
    *out_n = n;
    if (as__pii_scrub(NULL, text, n, NULL) == 0) return AS_OK;
    const as_pii_key *key;
    as_status st = as__ingest_pii_key(cx, &key, err);
    if (st) return st;
    long found = as__pii_scrub(key, text, n, buf);
    if (found < 0 || as__buf_cstr(buf)) return as__err(err, AS_ERR_NOMEM, "out of memory while scrubbing text");
    cx->stats->scrubbed += found;
    *out = buf->data;
    *out_n = buf->len;
    return AS_OK;
}

as_status as__ingest_scrub(as_ingest_ctx *cx, const char *text, size_t n, const char **out, size_t *out_n,
                           as_error *err) {
    return scrub_into(cx, text, n, &cx->scratch, out, out_n, err);
}

/* A field written back into CSV: quoted when it holds the delimiter, a quote or a line end. */
static as_status put_field(as_buf *b, const char *p, size_t n, char delim) {
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++) quote = p[i] == delim || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
    if (!quote) return as__buf_append(b, p, n);
    as_status st = as__buf_putc(b, '"');
    for (size_t i = 0; i < n && !st; i++) st = p[i] == '"' ? as__buf_append(b, "\"\"", 2) : as__buf_putc(b, p[i]);
    return st ? st : as__buf_putc(b, '"');
}

/* A piece of a record that cannot be personal data: empty, a date, a number too short to be a phone number
 * (phones and the ids of people have 8 digits or more), or a code that mixes letters and digits without blanks
 * (order, product and customer ids such as O000123 or 85123A; names and addresses have blanks or no digits). */
static int harmless_piece(const char *p, size_t n) {
    while (n && (*p == ' ' || *p == '"')) { p++; n--; }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '"')) n--;
    if (n == 0) return 1;
    int64_t t;
    if (as__time_parse_n(p, n, &t)) return 1;
    int letters = 0, digits_in_code = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= '0' && c <= '9') digits_in_code++;
        else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) letters++;
        else other++;
    }
    if (!other && letters && digits_in_code && n <= 16) return 1;
    double d;
    if (!as__parse_double(p, n, &d)) return 0;
    int digits = 0;
    for (size_t i = 0; i < n; i++) digits += p[i] >= '0' && p[i] <= '9';
    return digits < 8;
}

/* The raw record with its personal fields replaced (cx->reject_mask), written into b. */
static as_status mask_record(as_ingest_ctx *cx, const char *raw, size_t raw_n, as_buf *b, as_error *err) {
    char delim = cx->reject_delimiter ? cx->reject_delimiter : ',';
    as_csv_options copt = as__csv_options_default();
    copt.delimiter = delim;
    as_csv_reader *r = NULL;
    as_csv_field *f = NULL;
    size_t nf = 0;
    as_error perr;
    as_status st = as__csv_open_mem(raw, raw_n, cx->source, &copt, &r, err);
    if (st) return st;
    as_status ps = as__csv_next(r, &f, &nf, &perr);
    size_t used;
    int split = ps == AS_OK && nf == cx->reject_mask_n && (as__csv_raw(r, &used), used == raw_n);
    if (split) {
        for (size_t i = 0; i < nf && !st; i++) {
            if (i) st = as__buf_putc(b, delim);
            unsigned char m = cx->reject_mask[i];
            if (st || f[i].n == 0 || m == AS_PII_KEEP) {
                if (!st) st = put_field(b, f[i].p, f[i].n, delim);
            } else if (m == AS_PII_PSEUDONYMIZE) {
                char ps_out[AS_PII_PSEUDONYM_LEN + 1];
                const char *dom = cx->reject_domain && cx->reject_domain[i] ? cx->reject_domain[i] : "personal";
                const as_pii_key *key;
                if ((st = as__ingest_pii_key(cx, &key, err))) break;
                as__pii_pseudonym(key, dom, f[i].p, f[i].n, ps_out);
                st = as__buf_append(b, ps_out, AS_PII_PSEUDONYM_LEN);
            } else {
                st = as__buf_append(b, "[dropped]", 9);
            }
        }
    }
    as__csv_close(r);
    if (split || st) return st == AS_ERR_NOMEM || st == AS_ERR_INVALID ? as__err(err, AS_ERR_NOMEM, "out of memory") : st;
    /* Not the header's fields: which piece is which column is unknown, so every piece that could be personal
     * is withheld. Quotes are ignored on purpose (a stray quote is often why the record was rejected). */
    size_t start = 0;
    for (size_t i = 0; i <= raw_n && !st; i++) {
        if (i < raw_n && raw[i] != delim && raw[i] != '\n' && raw[i] != '\r') continue;
        if (harmless_piece(raw + start, i - start)) st = as__buf_append(b, raw + start, i - start);
        else st = as__buf_append(b, "[withheld]", 10);
        if (!st && i < raw_n) st = as__buf_putc(b, raw[i]);
        start = i + 1;
    }
    return st ? as__err(err, AS_ERR_NOMEM, "out of memory") : AS_OK;
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
    /* Rejects are rare, so their buffers are allocated per reject. Personal fields go first (they are known
     * by position only in the record as read), then e-mails and phones anywhere in what is left and in the
     * detail, which may quote a field's value. */
    as_buf masked, clean, clean_detail;
    as__buf_init(&masked, 0);
    as__buf_init(&clean, 0);
    as__buf_init(&clean_detail, 0);
    const char *text = raw, *why = detail;
    size_t text_n = raw_len, why_n = strlen(detail);
    as_status st = AS_OK;
    if (cx->reject_mask) {
        st = mask_record(cx, raw, raw_len, &masked, err);
        text = masked.data ? masked.data : "";
        text_n = masked.len;
    }
    if (!st) st = scrub_into(cx, text, text_n, &clean, &text, &text_n, err);
    if (!st) st = scrub_into(cx, detail, why_n, &clean_detail, &why, &why_n, err);
    if (!st) {
        sqlite3_stmt *q = cx->ins_reject;
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, cx->source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, line);
        sqlite3_bind_text(q, 3, why, (int)why_n, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 4, text, (int)text_n, SQLITE_TRANSIENT);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = as__err(err, AS_ERR_DB, "%s: writing a reject: %s", cx->db->path, sqlite3_errmsg(cx->db->sql));
        sqlite3_reset(q);
    }
    as__buf_free(&masked);
    as__buf_free(&clean);
    as__buf_free(&clean_detail);
    return st;
}
