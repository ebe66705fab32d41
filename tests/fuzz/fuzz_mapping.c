/* libFuzzer target: arbitrary bytes as a mapping file. The reader must return a status (never crash, leak or
 * trip a sanitizer); a mapping it accepts is loaded against a data folder with one small file, so the loader's
 * column resolution, rules and conversions run too. Also feeds the date-format parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/mapping.h"

static char data_dir[64];

static void setup(void) {
    if (data_dir[0]) return;
    snprintf(data_dir, sizeof data_dir, "/tmp/as_fuzz_mapping_XXXXXX");
    if (!mkdtemp(data_dir)) abort();
    char p[128];
    snprintf(p, sizeof p, "%s/a.csv", data_dir);
    FILE *f = fopen(p, "w");
    if (!f) abort();
    fputs("id;when;qty;code;mail\n1;01.02.2023;1,5;C1;a@b.c\n1;2023-02-01;-1;X;\n2;31.02.2023;2;C2;x@y.z\n", f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    setup();
    int64_t t;
    if (size < 64) {
        char fmt[65];
        memcpy(fmt, data, size);
        fmt[size] = '\0';
        as__mapping_parse_time("01.02.2023 10:11:12", 19, fmt, &t);
    }
    as_mapping m;
    as_error err;
    if (as__mapping_parse((const char *)data, size, "fuzz.ini", &m, &err) != AS_OK) return 0;
    as_db *db = NULL;
    if (as_db_open(":memory:", &db, &err) == AS_OK) {
        as_ingest_params ip = as_ingest_params_default();
        as_ingest_stats s;
        memset(&s, 0, sizeof s);
        as_ingest_ctx cx = {.db = db, .params = &ip, .stats = &s, .source = "fuzz"};
        as__strmap_init(&cx.cleared);
        char key[128];
        snprintf(key, sizeof key, "%s/fuzz.key", data_dir);
        ip.key_file = key;
        if (as__db_prepare(db, "INSERT OR REPLACE INTO rejects(source, line, reason, raw) VALUES(?,?,?,?)",
                           &cx.ins_reject, &err) == AS_OK) {
            as_status st = as__mapping_load(&cx, &m, data_dir, &err);
            if (st == AS_OK && s.loaded + s.rejected + s.skipped_duplicates + s.updated != s.records_read) abort();
            sqlite3_finalize(cx.ins_reject);
        }
        as__buf_free(&cx.scratch);
        as__strmap_free(&cx.cleared);
        as_db_close(db);
    }
    as__mapping_free(&m);
    return 0;
}
