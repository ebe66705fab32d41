/* as_export_csv on a small simulated shop: the rows are the labelled rows of the table, the columns are the model's
 * inputs in table order + country + label, every cell reads back (through the project's RFC 4180 reader) to the
 * very value SQLite holds, all-NULL columns are left out and counted, the ids option, the order level with a text
 * label, every row with labelled_only = 0, and the errors (before build, bad parameters, unwritable file). */
#include <sys/stat.h>
#include <unistd.h>

#include "aftersales/aftersales.h"
#include "api/pipeline.h"
#include "core/core.h"
#include "io/csv.h"
#include "test.h"
#include "test_db.h"

static char dir[256];

/* Reads the header of a CSV into one comma-joined string. */
static void read_header(const char *path, char *buf, size_t size) {
    as_error err;
    as_csv_reader *r = NULL;
    buf[0] = '\0';
    if (as__csv_open(path, NULL, &r, &err) != AS_OK) return;
    as_csv_field *f;
    size_t nf, o = 0;
    if (as__csv_next(r, &f, &nf, &err) == AS_OK)
        for (size_t k = 0; k < nf && o < size; k++)
            o += (size_t)snprintf(buf + o, size - o, "%s%.*s", k ? "," : "", (int)f[k].n, f[k].p);
    as__csv_close(r);
}

/* Compares every data row of the CSV with the rows of `sql` (same column order): a REAL must read back to the same
 * bits, an INTEGER to the same number, a NULL is the empty unquoted field, a text the same bytes. Returns the
 * number of mismatching cells (-1 when the shapes differ) and the rows seen in *rows. */
static long compare_with_sql(as_db *db, const char *path, const char *sql, long *rows) {
    as_error err;
    as_csv_reader *r = NULL;
    sqlite3_stmt *q = NULL;
    *rows = 0;
    if (as__csv_open(path, NULL, &r, &err) != AS_OK) return -1;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db->sql));
        as__csv_close(r);
        return -1;
    }
    as_csv_field *f;
    size_t nf;
    long bad = 0;
    as__csv_next(r, &f, &nf, &err);   /* header */
    for (;;) {
        as_status st = as__csv_next(r, &f, &nf, &err);
        int s = sqlite3_step(q);
        if (st == AS_ERR_NODATA && s == SQLITE_DONE) break;
        if (st != AS_OK || s != SQLITE_ROW || nf != (size_t)sqlite3_column_count(q)) { bad = -1; break; }
        (*rows)++;
        for (size_t k = 0; k < nf; k++) {
            int c = (int)k, ok;
            switch (sqlite3_column_type(q, c)) {
            case SQLITE_NULL: ok = f[k].n == 0 && !f[k].quoted; break;
            case SQLITE_INTEGER: ok = f[k].n > 0 && strtoll(f[k].p, NULL, 10) == sqlite3_column_int64(q, c); break;
            case SQLITE_FLOAT: {
                double want = sqlite3_column_double(q, c), got = strtod(f[k].p, NULL);
                ok = f[k].n > 0 && memcmp(&want, &got, sizeof want) == 0;
                break;
            }
            default: {
                const char *t = (const char *)sqlite3_column_text(q, c);
                size_t n = (size_t)sqlite3_column_bytes(q, c);
                ok = f[k].n == n && memcmp(f[k].p, t, n) == 0 && (n > 0 || f[k].quoted);
            }
            }
            if (!ok && bad++ < 5)
                fprintf(stderr, "row %ld column %zu (%s): file '%.*s'\n", *rows, k, sqlite3_column_name(q, c),
                        (int)f[k].n, f[k].p);
        }
    }
    sqlite3_finalize(q);
    as__csv_close(r);
    return bad;
}

/* 1 when the comma-joined header names the column. */
static int has_column(const char *header, const char *name) {
    size_t n = strlen(name);
    for (const char *p = header; (p = strstr(p, name)) != NULL; p += n)
        if ((p == header || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return 1;
    return 0;
}

/* The expected header: the inputs (meta lists) in table order, then country, then label. */
static void expected_inputs(as_db *db, const char *table, const char *num_key, const char *cat_key, as_buf *out) {
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('%s') WHERE "
             "instr(',' || (SELECT value FROM meta WHERE key = '%s') || ',' || "
             "coalesce((SELECT value FROM meta WHERE key = '%s'), '') || ',', ',' || name || ',') > 0 ORDER BY cid)",
             table, num_key, cat_key);
    char buf[16384];
    q_text(db, sql, buf, sizeof buf);
    as__buf_clear(out);
    as__buf_printf(out, "%s", buf);
    as__buf_cstr(out);
}

static void test_export(void) {
    as_error err = {0};
    char out[512], sql[20000], header[20000];
    snprintf(out, sizeof out, "%s/flat.csv", dir);
    as_db *db = test_small_shop(dir, 6000, 600, 100, 300, &err);
    CHECK_MSG(db != NULL, "%s", err.msg);
    if (!db) return;

    /* before build: a clear error naming the step, and an existing file is left as it was */
    test_write(dir, "flat.csv", "old\n");
    as_export_params ep = as_export_params_default();
    ep.out_csv = out;
    as_export_stats es;
    as_status st = as_export_csv(db, &ep, &es, &err);
    CHECK(st == AS_ERR_STATE);
    CHECK_MSG(strstr(err.msg, "aftersales build"), "%s", err.msg);
    FILE *f = fopen(out, "r");
    char first[16] = "";
    if (f) { if (!fgets(first, sizeof first, f)) first[0] = '\0'; fclose(f); }
    CHECK_STR(first, "old\n");

    as_build_stats bs;
    CHECK_OK(as_build(db, NULL, &bs, &err), &err);

    /* bad parameters are refused before any work */
    as_export_params bad = ep;
    bad.out_csv = NULL;
    CHECK(as_export_csv(db, &bad, &es, &err) == AS_ERR_INVALID);
    bad = ep;
    bad.target_level = AS_TARGET_ORDER;
    bad.feature_set = AS_FEATURES_MAIN;
    CHECK(as_export_csv(db, &bad, &es, &err) == AS_ERR_INVALID);
    bad = ep;
    bad.target_label = 7;
    CHECK(as_export_csv(db, &bad, &es, &err) == AS_ERR_INVALID);
    char nowhere[600];
    snprintf(nowhere, sizeof nowhere, "%s/no/such/folder/flat.csv", dir);
    bad.target_label = AS_LABEL_ANY;
    bad.out_csv = nowhere;
    CHECK(as_export_csv(db, &bad, &es, &err) == AS_ERR_IO);
    CHECK_MSG(strstr(err.msg, "no/such/folder"), "%s", err.msg);

    /* a text cell with a comma, quotes and a line break, to check the quoting */
    CHECK_OK(as__db_exec(db, "UPDATE features SET category = 'a, \"b\"' || char(10) || 'c' WHERE rowid = "
                         "(SELECT min(rowid) FROM features WHERE label IS NOT NULL)", &err), &err);

    /* the default export: labelled lines, the inputs in table order, country, label */
    CHECK_OK(as_export_csv(db, &ep, &es, &err), &err);
    int64_t labelled = q_int(db, "SELECT count(*) FROM features WHERE label IS NOT NULL");
    int64_t n_inputs = q_int(db, "SELECT (length(value) - length(replace(value, ',', '')) + 1) FROM meta WHERE key = "
                                 "'feature_numeric'") + 1;   /* + category */
    CHECK(labelled > 1000 && es.rows == labelled);
    CHECK_MSG(es.columns == n_inputs + 2 && es.inputs == n_inputs, "%d columns, %d inputs, expected %lld + 2",
              es.columns, es.inputs, (long long)n_inputs);
    CHECK(es.columns_dropped_all_missing == 0 && es.country == 1 && es.ids == 0);
    struct stat sb;
    CHECK(stat(out, &sb) == 0 && (int64_t)sb.st_size == es.bytes);
    char part[600];
    snprintf(part, sizeof part, "%s.part", out);
    CHECK(access(part, F_OK) != 0);
    as_buf want;
    as__buf_init(&want, 0);
    expected_inputs(db, "features", "feature_numeric", "feature_categorical", &want);
    as__buf_printf(&want, ",country,label");
    as__buf_cstr(&want);
    read_header(out, header, sizeof header);
    CHECK_STR(header, want.data);
    /* every value round-trips: the same query over the same columns */
    snprintf(sql, sizeof sql, "SELECT %s FROM features WHERE label IS NOT NULL ORDER BY rowid", want.data);
    long rows = 0;
    CHECK(compare_with_sql(db, out, sql, &rows) == 0 && rows == labelled);

    /* the main feature set: 36 numbers and the category */
    as_export_params mp = ep;
    mp.feature_set = AS_FEATURES_MAIN;
    CHECK_OK(as_export_csv(db, &mp, &es, &err), &err);
    CHECK(es.inputs == 37 && es.columns == 39 && es.rows == labelled);

    /* all-NULL columns are left out and named; a column NULL on the first row only is kept */
    CHECK_OK(as__db_exec(db, "UPDATE features SET category = NULL; UPDATE features SET discount = NULL; "
                         "UPDATE features SET hour = NULL WHERE rowid = (SELECT min(rowid) FROM features WHERE label "
                         "IS NOT NULL)", &err), &err);
    CHECK_OK(as_export_csv(db, &ep, &es, &err), &err);
    CHECK(es.columns_dropped_all_missing == 2 && es.columns == n_inputs && es.inputs == n_inputs - 2);
    CHECK_MSG(strstr(es.dropped, "category") && strstr(es.dropped, "discount"), "%s", es.dropped);
    read_header(out, header, sizeof header);
    CHECK(!has_column(header, "category") && !has_column(header, "discount") && has_column(header, "hour"));
    /* … and the rest still round-trips, the hour of the first row as an empty field */
    as_buf kept;
    as__buf_init(&kept, 0);
    as__buf_printf(&kept, "%s", header);
    as__buf_cstr(&kept);
    snprintf(sql, sizeof sql, "SELECT %s FROM features WHERE label IS NOT NULL ORDER BY rowid", kept.data);
    CHECK(compare_with_sql(db, out, sql, &rows) == 0 && rows == labelled);
    /* a column NULL on every labelled row but not on the others: kept with every row, dropped when labelled only */
    CHECK_OK(as__db_exec(db, "UPDATE features SET weekday = NULL WHERE label IS NOT NULL", &err), &err);
    CHECK_OK(as_export_csv(db, &ep, &es, &err), &err);
    CHECK(es.columns_dropped_all_missing == 3);
    as_export_params all = ep;
    all.labelled_only = 0;
    CHECK_OK(as_export_csv(db, &all, &es, &err), &err);
    CHECK(es.columns_dropped_all_missing == 2 && es.rows == q_int(db, "SELECT count(*) FROM features"));
    CHECK(es.rows > labelled);
    read_header(out, header, sizeof header);
    CHECK(has_column(header, "weekday"));
    as__buf_clear(&kept);
    as__buf_printf(&kept, "%s", header);
    as__buf_cstr(&kept);
    snprintf(sql, sizeof sql, "SELECT %s FROM features ORDER BY rowid", kept.data);
    CHECK(compare_with_sql(db, out, sql, &rows) == 0 && rows == es.rows);

    /* ids first */
    as_export_params idp = ep;
    idp.include_ids = 1;
    CHECK_OK(as_export_csv(db, &idp, &es, &err), &err);
    CHECK(es.ids == 4 && es.rows == labelled);
    read_header(out, header, sizeof header);
    CHECK(strncmp(header, "order_id,line_no,customer_id,product_id,", 40) == 0);
    as__buf_clear(&kept);
    as__buf_printf(&kept, "%s", header);
    as__buf_cstr(&kept);
    snprintf(sql, sizeof sql, "SELECT %s FROM features WHERE label IS NOT NULL ORDER BY rowid", kept.data);
    CHECK(compare_with_sql(db, out, sql, &rows) == 0 && rows == labelled);

    /* the order level with the case kind as the label (text) */
    as_export_params op = ep;
    op.target_level = AS_TARGET_ORDER;
    op.target_label = AS_LABEL_KIND;
    CHECK_OK(as_export_csv(db, &op, &es, &err), &err);
    int64_t orders = q_int(db, "SELECT count(*) FROM order_features WHERE label_kind IS NOT NULL");
    CHECK(orders > 500 && es.rows == orders && es.country == 1);
    expected_inputs(db, "order_features", "order_feature_numeric", "order_feature_categorical", &want);
    read_header(out, header, sizeof header);
    as__buf_printf(&want, ",country,label");
    as__buf_cstr(&want);
    CHECK_STR(header, want.data);
    CHECK(has_column(header, "main_category"));
    /* the label column holds label_kind */
    char *last = strrchr(want.data, ',');
    if (last) *last = '\0';
    snprintf(sql, sizeof sql, "SELECT %s, label_kind FROM order_features WHERE label_kind IS NOT NULL ORDER BY rowid",
             want.data);
    CHECK(compare_with_sql(db, out, sql, &rows) == 0 && rows == orders);
    CHECK(q_int(db, "SELECT count(DISTINCT label_kind) FROM order_features") >= 2);

    /* the Nth allocation fails: an error (never a crash or a leak), and neither the file nor its .part is left.
     * The first allocations are the shared source description's (as__shop_source, src/api/train.c), whose PRAGMA
     * statement is built with unchecked appends, so a failure there may surface as a database error instead. */
    as_shop_source src;
    long a0 = as__alloc_count();
    CHECK_OK(as__features_current(db, &err), &err);
    CHECK_OK(as__shop_source(db, AS_TARGET_LINE, AS_FEATURES_ALL, &src, &err), &err);
    as__shop_source_free(&src);
    long n_src = as__alloc_count() - a0;
    as_export_params fp = ep;
    char fout[600];
    snprintf(fout, sizeof fout, "%s/fault.csv", dir);
    snprintf(part, sizeof part, "%s.part", fout);
    fp.out_csv = fout;
    long ok_at = 0;
    for (long k = 1; k < 1000 && !ok_at; k++) {
        as__alloc_fail_after(k);
        st = as_export_csv(db, &fp, &es, &err);
        as__alloc_fail_after(0);
        if (st == AS_OK) { ok_at = k; break; }
        CHECK_MSG(st == AS_ERR_NOMEM || (k <= n_src && st == AS_ERR_DB), "allocation %ld: status %d: %s", k, (int)st,
                  err.msg);
        CHECK(access(fout, F_OK) != 0 && access(part, F_OK) != 0);
    }
    CHECK_MSG(ok_at > n_src, "the export succeeded at allocation %ld (the source takes %ld)", ok_at, n_src);
    CHECK(access(fout, F_OK) == 0 && es.rows == labelled);

    /* stale features (an ingest after the build) are refused like training is */
    char more[600];
    snprintf(more, sizeof more, "%s/more", dir);
    mkdir(more, 0700);
    test_write(more, "orders.csv", "order_id,customer_id,ordered_at\nnew1,c1,2030-01-01\n");
    test_write(more, "order_lines.csv", "order_id,line_no,product_id,quantity\nnew1,1,p1,1\n");
    as_ingest_params ip = as_ingest_params_default();
    ip.preset = "canonical";
    as_ingest_stats is;
    CHECK_OK(as_ingest(db, more, &ip, &is, &err), &err);
    st = as_export_csv(db, &ep, &es, &err);
    CHECK(st == AS_ERR_STATE);
    CHECK_MSG(strstr(err.msg, "aftersales build"), "%s", err.msg);

    as__buf_free(&want);
    as__buf_free(&kept);
    as_db_close(db);
}

int main(void) {
    test_tmpdir(dir, sizeof dir, "export");
    RUN(test_export);
    test_rmtree(dir);
    return test_report("test_export");
}
