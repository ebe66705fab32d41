/* Training steps through the public API: the CSV flow's guards, the model file round trip (load → predict
 * gives the same numbers to the last bit), and the shop flow on a small simulated shop. */
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aftersales/aftersales.h"
#include "core/core.h"
#include "ml/model.h"
#include "test.h"
#include "test_db.h"

static char dir[256];

static void write_file(const char *name, const char *text) { test_write(dir, name, text); }

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    as_buf b;
    as__buf_init(&b, 0);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) as__buf_append(&b, chunk, n);
    fclose(f);
    as__buf_cstr(&b);
    return b.data;
}

/* A flat CSV: two numeric columns, a short text column, a free-text column, a 0/1 target. */
static void make_flat(const char *name, int n, int classes) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fprintf(f, "x1,x2,colour,comment,target\n");
    uint64_t s = 7;
    for (int i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(s >> 11) / 9007199254740992.0;
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double v = (double)(s >> 11) / 9007199254740992.0;
        const char *colour = i % 3 == 0 ? "red" : i % 3 == 1 ? "blue" : "NA";
        int y = (u + 0.3 * (i % 3 == 0) + 0.2 * v) > 0.75;
        if (classes == 3 && i % 7 == 0) y = 2;
        fprintf(f, "%.6f,%.6f,%s,\"free text number %d, unique\",%d\n", u, v, colour, i, y);
    }
    fclose(f);
}

/* A target of AS_MAX_CLASSES + 1 and + 2 distinct values is refused with the same message (the first used to end
 * in an out-of-memory error); with --positive it is one class against the rest. */
static void test_too_many_classes(void) {
    for (int extra = 1; extra <= 2; extra++) {
        char path[512];
        snprintf(path, sizeof path, "%s/classes%d.csv", dir, extra);
        FILE *f = fopen(path, "w");
        fprintf(f, "x,y\n");
        for (int i = 0; i < 400; i++) fprintf(f, "%d.5,v%d\n", i % 37, i % (AS_MAX_CLASSES + extra));
        fclose(f);
        as_error err = {0};
        as_train_params tp = as_train_params_default();
        tp.target = "y";
        tp.pca_variance = 0;
        as_split_parse("random:0.2:42", &tp.split, &err);
        as_model *m = NULL;
        static as_metrics_report rep;
        CHECK(as_train_csv(path, &tp, &m, &rep, &err) == AS_ERR_INVALID && m == NULL);
        CHECK_MSG(strstr(err.msg, "more than 16 distinct values") && strstr(err.msg, "--positive"), "%s", err.msg);
        tp.positive_label = "v3";
        CHECK_OK(as_train_csv(path, &tp, &m, &rep, &err), &err);
        CHECK(m && rep.n_classes == 2);
        as_model_free(m);
    }
}

static void test_csv_guards(void) {
    as_error err = {0};
    char path[512], out[512];
    make_flat("flat.csv", 400, 2);
    snprintf(path, sizeof path, "%s/flat.csv", dir);
    as_train_params tp = as_train_params_default();
    as_split_parse("random:0.2:42", &tp.split, &err);
    tp.target = "target";
    tp.pca_variance = 0.95;
    tp.max_levels = 100;          /* the comment column has 320 distinct training values */
    as_model *m = NULL;
    as_metrics_report rep;
    as_status st = as_train_csv(path, &tp, &m, &rep, &err);
    CHECK(st == AS_ERR_INVALID && m == NULL);
    CHECK_MSG(strstr(err.msg, "'comment'") && strstr(err.msg, "--drop") && strstr(err.msg, "320 distinct"), "%s", err.msg);

    const char *drop[] = {"coment"};
    tp.drop_columns = drop;
    tp.n_drop_columns = 1;
    st = as_train_csv(path, &tp, &m, &rep, &err);
    CHECK(st == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "did you mean 'comment'"), "%s", err.msg);

    /* with the default limit the column is still refused: it has a different value in most training rows */
    tp.n_drop_columns = 0;
    tp.max_levels = as_train_params_default().max_levels;
    st = as_train_csv(path, &tp, &m, &rep, &err);
    CHECK(st == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "free text or identifiers"), "%s", err.msg);
    tp.n_drop_columns = 1;

    drop[0] = "comment";
    CHECK_OK(as_train_csv(path, &tp, &m, &rep, &err), &err);
    CHECK_STR(rep.positive_class, "1");
    CHECK(rep.threshold == 0.5);
    CHECK(rep.test.rows == 80 && rep.train.rows == 320);     /* ceil(0.2 · 400) test rows */
    CHECK(rep.n_features_in == 5);                             /* x1, x2, colour=NA, colour=blue, colour=red */
    CHECK(rep.test.roc_auc > 0.8);

    /* round trip: the loaded model scores every row to the same bits */
    snprintf(out, sizeof out, "%s/csvmodel.json", dir);
    CHECK_OK(as_model_save(m, out, &err), &err);
    as_model *m2 = NULL;
    CHECK_OK(as_model_load(out, &m2, &err), &err);
    /* every number comes back to the last bit */
    CHECK(m2 && m2->p == m->p && m2->dim == m->dim && m2->intercepts[0] == m->intercepts[0]);
    CHECK(m2 && memcmp(m2->coef, m->coef, m->dim * sizeof *m->coef) == 0);
    CHECK(m2 && memcmp(m2->mean, m->mean, m->p * sizeof *m->mean) == 0);
    CHECK(m2 && memcmp(m2->scale, m->scale, m->p * sizeof *m->scale) == 0);
    CHECK(m2 && m2->has_pca == m->has_pca && memcmp(m2->pca.components, m->pca.components,
                                                    m->pca.k * m->p * sizeof *m->pca.components) == 0);
    char s1[512], s2[512];
    snprintf(s1, sizeof s1, "%s/s1.csv", dir);
    snprintf(s2, sizeof s2, "%s/s2.csv", dir);
    as_score_stats ss;
    CHECK_OK(as_score_csv(m, path, s1, &ss, &err), &err);
    CHECK(ss.lines == 400);
    CHECK_OK(as_score_csv(m2, path, s2, &ss, &err), &err);
    char *a = slurp(s1), *b = slurp(s2);
    CHECK(a && b && strcmp(a, b) == 0);
    as__free(a);
    as__free(b);
    as_model_free(m);
    as_model_free(m2);

    /* three classes make a multinomial model (softmax), labels in sorted order */
    make_flat("three.csv", 200, 3);
    snprintf(path, sizeof path, "%s/three.csv", dir);
    CHECK_OK(as_train_csv(path, &tp, &m, &rep, &err), &err);
    CHECK(m && m->n_classes == 3 && m->n_out == 3 && rep.n_classes == 3);
    CHECK(m && strcmp(m->class_labels[0], "0") == 0 && strcmp(m->class_labels[2], "2") == 0);
    CHECK(rep.test.n_classes == 3 && rep.test.rows == 40);
    as_model_free(m);
    m = NULL;
    /* one class against the rest */
    tp.positive_label = "2";
    CHECK_OK(as_train_csv(path, &tp, &m, &rep, &err), &err);
    CHECK_STR(rep.positive_class, "2");
    CHECK(m && strcmp(m->class_labels[0], "not 2") == 0);
    as_model_free(m);
    m = NULL;
    tp.positive_label = NULL;

    /* the model remembers its missing-value tokens; scoring names a value that is not a number */
    {
        char napath[512], naout[512];
        snprintf(napath, sizeof napath, "%s/na.csv", dir);
        snprintf(naout, sizeof naout, "%s/na_scores.csv", dir);
        FILE *f = fopen(napath, "w");
        fprintf(f, "x,t\n");
        for (int i = 0; i < 60; i++) fprintf(f, "%s,%d\n", i % 10 == 3 ? "?" : i % 2 ? "1.5" : "0.5", (i * 7) % 3 == 0);
        fclose(f);
        as_train_params tq = as_train_params_default();
        as_split_parse("random:0.2:42", &tq.split, &err);
        tq.target = "t";
        const char *na[] = {"?"};
        tq.na_tokens = na;
        tq.n_na_tokens = 1;
        as_model *mn = NULL;
        CHECK_OK(as_train_csv(napath, &tq, &mn, &rep, &err), &err);
        CHECK(rep.dropped_missing == 6);
        as_score_stats sn;
        if (mn) {
            CHECK_OK(as_score_csv(mn, napath, naout, &sn, &err), &err);
            CHECK(sn.lines == 54 && sn.skipped_missing == 6);
            write_file("bad.csv", "x,t\n1,0\n2,1\nabc,0\n");
            snprintf(napath, sizeof napath, "%s/bad.csv", dir);
            st = as_score_csv(mn, napath, naout, &sn, &err);
            CHECK(st == AS_ERR_PARSE);
            CHECK_MSG(strstr(err.msg, "data row 3") && strstr(err.msg, "'abc'"), "%s", err.msg);
        }
        as_model_free(mn);
    }

    /* PCA over thousands of columns is refused up front instead of running for half an hour */
    {
        char wpath[512];
        snprintf(wpath, sizeof wpath, "%s/wide.csv", dir);
        FILE *f = fopen(wpath, "w");
        for (int c = 0; c < 4200; c++) fprintf(f, "c%d,", c);
        fprintf(f, "y\n");
        for (int r = 0; r < 12; r++) {
            for (int c = 0; c < 4200; c++) fprintf(f, "%d,", (r * 31 + c * 17) % 97);
            fprintf(f, "%d\n", r % 2);
        }
        fclose(f);
        as_train_params tw = as_train_params_default();
        as_split_parse("random:0.2:42", &tw.split, &err);
        tw.target = "y";
        tw.pca_variance = 0.95;
        as_model *mw = NULL;
        st = as_train_csv(wpath, &tw, &mw, &rep, &err);
        CHECK(st == AS_ERR_INVALID && mw == NULL);
        CHECK_MSG(strstr(err.msg, "--pca 0") && strstr(err.msg, "4200"), "%s", err.msg);
    }

    /* completely separable classes are reported, not hidden */
    write_file("sep.csv", "x,y\n1,a\n2,a\n3,a\n4,b\n5,b\n6,b\n2.5,a\n8,b\n1.5,a\n7.5,b\n");
    snprintf(path, sizeof path, "%s/sep.csv", dir);
    tp.target = "y";
    tp.n_drop_columns = 0;
    tp.pca_variance = 0;
    CHECK_OK(as_train_csv(path, &tp, &m, &rep, &err), &err);
    CHECK(rep.separated == 1 && rep.converged == 1);
    as_model_free(m);
    m = NULL;
    tp.pca_variance = 0.95;

    /* one class only */
    write_file("one.csv", "a,t\n1,x\n2,x\n3,x\n4,x\n5,x\n");
    snprintf(path, sizeof path, "%s/one.csv", dir);
    tp.n_drop_columns = 0;
    tp.target = "t";
    st = as_train_csv(path, &tp, &m, &rep, &err);
    CHECK(st == AS_ERR_NODATA);
    tp.target = "tt";
    st = as_train_csv(path, &tp, &m, &rep, &err);
    CHECK(st == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "no column 'tt'") && strstr(err.msg, "did you mean 't'"), "%s", err.msg);
}

static void test_shop_round_trip(void) {
    as_error err = {0};
    char model[512], l1[512], l2[512], o1[512], o2[512];
    as_db *db = test_small_shop(dir, 8000, 800, 120, 300, &err);
    CHECK_MSG(db != NULL, "%s", err.msg);
    if (!db) return;

    /* train before build: a clear error naming the step to run */
    as_train_params tp = as_train_params_default();
    as_model *m = NULL;
    as_metrics_report rep;
    as_status st = as_train_db(db, &tp, &m, &rep, &err);
    CHECK(st == AS_ERR_STATE);
    CHECK_MSG(strstr(err.msg, "aftersales build"), "%s", err.msg);

    as_build_stats bs;
    CHECK_OK(as_build(db, NULL, &bs, &err), &err);
    CHECK_OK(as_train_db(db, &tp, &m, &rep, &err), &err);
    CHECK(rep.threshold > 0 && rep.threshold < 1 && rep.threshold == rep.train.best_f1_threshold);
    if (!m) { as_db_close(db); return; }
    CHECK(rep.converged);
    CHECK(rep.test.rows > 0 && rep.train.rows > 0);
    CHECK(rep.test_start > rep.train_end);                     /* time split: test strictly after train */
    /* default time split: about the last 15 % of labelled rows */
    double share = (double)rep.test.rows / (double)(rep.test.rows + rep.train.rows);
    CHECK_MSG(share > 0.13 && share < 0.17, "test share %.3f", share);

    snprintf(model, sizeof model, "%s/model.json", dir);
    CHECK_OK(as_model_save(m, model, &err), &err);
    as_model *m2 = NULL;
    CHECK_OK(as_model_load(model, &m2, &err), &err);
    snprintf(l1, sizeof l1, "%s/l1.csv", dir);
    snprintf(l2, sizeof l2, "%s/l2.csv", dir);
    snprintf(o1, sizeof o1, "%s/o1.csv", dir);
    snprintf(o2, sizeof o2, "%s/o2.csv", dir);
    as_score_params sp1 = as_score_params_default(), sp2 = as_score_params_default();
    sp1.lines_csv = l1; sp1.orders_csv = o1;
    sp2.lines_csv = l2; sp2.orders_csv = o2;
    as_score_stats s1, s2;
    CHECK_OK(as_score_db(db, m, &sp1, &s1, &err), &err);
    CHECK_OK(as_score_db(db, m2, &sp2, &s2, &err), &err);
    CHECK(s1.lines == (int64_t)bs.purchase_lines && s1.lines == s2.lines && s1.orders == s2.orders);
    char *a = slurp(l1), *b = slurp(l2), *c = slurp(o1), *d = slurp(o2);
    CHECK(a && b && strcmp(a, b) == 0);
    CHECK(c && d && strcmp(c, d) == 0);
    as__free(a); as__free(b); as__free(c); as__free(d);

    /* a shop model refuses CSV scoring and vice versa */
    st = as_score_csv(m, l1, l2, &s1, &err);
    CHECK(st == AS_ERR_INVALID);

    /* a random split on shop data is scikit-learn's rows: 20 % of the labelled lines */
    as_model *m3 = NULL;
    CHECK_OK(as_split_parse("random:0.2:42", &tp.split, &err), &err);
    CHECK_OK(as_train_db(db, &tp, &m3, &rep, &err), &err);
    CHECK(rep.test.rows == (int64_t)((bs.labelled * 2 + 9) / 10));   /* ceil(0.2 · n) */
    /* --max-rows: a uniform sample of the labelled rows, in time order, reproducible by its seed */
    {
        as_train_params ts = as_train_params_default();
        as_metrics_report full, r1, r2, r3, r4;
        as_model *f = NULL, *s1m = NULL, *s2m = NULL, *s3m = NULL, *s4m = NULL;
        CHECK_OK(as_train_db(db, &ts, &f, &full, &err), &err);
        CHECK(full.rows_sampled == 0 && full.rows_labelled == (int64_t)bs.labelled);
        ts.max_rows = (int64_t)bs.labelled / 2;
        CHECK_OK(as_train_db(db, &ts, &s1m, &r1, &err), &err);
        CHECK_OK(as_train_db(db, &ts, &s2m, &r2, &err), &err);
        CHECK(r1.rows_sampled == ts.max_rows && r1.rows_labelled == (int64_t)bs.labelled && r1.sample_seed == 42);
        CHECK(r1.train.rows + r1.test.rows == ts.max_rows);
        CHECK(strstr(r1.warnings, "uniform sample") != NULL);
        /* time order is kept: the test window still follows the training window, and a uniform sample spans
         * the whole data (its windows start and end within a few days of the full ones) */
        CHECK(r1.test_start > r1.train_end);
        CHECK(llabs(r1.train_start - full.train_start) < 5 * 86400 && llabs(r1.test_end - full.test_end) < 5 * 86400);
        /* the time split takes the latest 15 % of the sample's rows; a uniform sample has the shop's quantiles, so
         * its test window starts within days of the full one's (a sample of the early rows would start weeks
         * earlier) */
        CHECK_MSG(llabs(r1.test_start - full.test_start) < 4 * 86400, "test start %lld vs %lld",
                  (long long)r1.test_start, (long long)full.test_start);
        /* the positives' share stays the shop's */
        double pos_full = (double)full.balance_train.count[1] / (double)full.train.rows;
        double pos_s = (double)r1.balance_train.count[1] / (double)r1.train.rows;
        CHECK_MSG(fabs(pos_full - pos_s) < 6 * sqrt(pos_full * (1 - pos_full) / (double)r1.train.rows), "%.4f vs %.4f",
                  pos_s, pos_full);
        /* the same seed gives the same model, bit for bit; another seed another sample */
        if (s1m && s2m)
            CHECK(s1m->dim == s2m->dim && memcmp(s1m->coef, s2m->coef, s1m->dim * sizeof *s1m->coef) == 0);
        ts.sample_seed = 7;
        CHECK_OK(as_train_db(db, &ts, &s3m, &r3, &err), &err);
        CHECK(r3.sample_seed == 7 && r3.rows_sampled == ts.max_rows);
        if (s1m && s3m)
            CHECK(s1m->dim != s3m->dim || memcmp(s1m->coef, s3m->coef, s1m->dim * sizeof *s1m->coef) != 0);
        /* a cap at or above the labelled rows changes nothing at all */
        ts.max_rows = (int64_t)bs.labelled;
        CHECK_OK(as_train_db(db, &ts, &s4m, &r4, &err), &err);
        CHECK(r4.rows_sampled == 0 && r4.train.rows == full.train.rows);
        if (f && s4m) CHECK(f->dim == s4m->dim && memcmp(f->coef, s4m->coef, f->dim * sizeof *f->coef) == 0);
        as_model_free(f);
        as_model_free(s1m);
        as_model_free(s2m);
        as_model_free(s3m);
        as_model_free(s4m);
    }
    /* new data after the build: training and scoring refuse the stale features */
    char more[512];
    snprintf(more, sizeof more, "%s/more", dir);
    mkdir(more, 0700);
    write_file("more/orders.csv", "order_id,customer_id,ordered_at\nnew1,c1,2030-01-01\n");
    write_file("more/order_lines.csv", "order_id,line_no,product_id,quantity\nnew1,1,p1,1\n");
    as_ingest_params ip = as_ingest_params_default();
    ip.preset = "canonical";
    as_ingest_stats is;
    CHECK_OK(as_ingest(db, more, &ip, &is, &err), &err);
    as_model *m4 = NULL;
    st = as_train_db(db, &tp, &m4, &rep, &err);
    CHECK(st == AS_ERR_STATE);
    CHECK_MSG(strstr(err.msg, "changed after its features were built"), "%s", err.msg);
    st = as_score_db(db, m, &sp1, &s1, &err);
    CHECK(st == AS_ERR_STATE);
    as_model_free(m);
    as_model_free(m2);
    as_model_free(m3);
    as_db_close(db);
}

static void test_split_parse(void) {
    as_error err = {0};
    as_split_spec s;
    CHECK_OK(as_split_parse("time:2011-08-01", &s, &err), &err);
    CHECK(s.kind == AS_SPLIT_TIME && s.cutoff == 1312156800);
    CHECK_OK(as_split_parse("random:0.25:7", &s, &err), &err);
    CHECK(s.kind == AS_SPLIT_RANDOM && s.test_fraction == 0.25 && s.seed == 7);
    CHECK(as_split_parse("random:1.5:7", &s, &err) == AS_ERR_INVALID);
    CHECK(as_split_parse("random:0.2:x", &s, &err) == AS_ERR_INVALID);
    CHECK(as_split_parse("time:tomorrow", &s, &err) == AS_ERR_INVALID);
    CHECK(as_split_parse("kfold", &s, &err) == AS_ERR_INVALID);
}

/* build --features main writes only the main job's columns, with the very values the whole build gives them: a
 * main-set model trained on either database is the same, bit for bit. No order table; order models say why. */
static void test_build_main_only(void) {
    as_error err = {0};
    char sub[512];
    snprintf(sub, sizeof sub, "%s/mainonly", dir);
    mkdir(sub, 0700);
    as_db *db = test_small_shop(sub, 6000, 600, 100, 300, &err);
    CHECK_MSG(db != NULL, "%s", err.msg);
    if (!db) return;
    as_build_stats bs;
    as_build_params bp = as_build_params_default();
    CHECK_OK(as_build(db, &bp, &bs, &err), &err);
    int64_t all_cols = q_int(db, "SELECT count(*) FROM pragma_table_info('features')");
    as_train_params tp = as_train_params_default();
    tp.feature_set = AS_FEATURES_MAIN;
    as_metrics_report ra, rb;
    as_model *a = NULL, *b = NULL, *o = NULL;
    CHECK_OK(as_train_db(db, &tp, &a, &ra, &err), &err);

    bp.feature_set = AS_FEATURES_MAIN;
    CHECK_OK(as_build(db, &bp, &bs, &err), &err);
    int64_t main_cols = q_int(db, "SELECT count(*) FROM pragma_table_info('features')");
    CHECK_MSG(main_cols < all_cols / 2 && main_cols > 30, "%lld of %lld columns", (long long)main_cols,
              (long long)all_cols);
    CHECK(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'order_features'") == 0);
    CHECK(q_int(db, "SELECT count(*) FROM meta WHERE key = 'build_feature_set' AND value = 'main'") == 1);
    CHECK_OK(as_train_db(db, &tp, &b, &rb, &err), &err);
    if (a && b) {
        CHECK(a->dim == b->dim && memcmp(a->coef, b->coef, a->dim * sizeof *a->coef) == 0);
        CHECK(memcmp(a->intercepts, b->intercepts, sizeof *a->intercepts) == 0);
    }
    CHECK(ra.test.roc_auc == rb.test.roc_auc);
    /* the default set is what build wrote: here the main columns */
    as_model_free(b);
    b = NULL;
    tp.feature_set = AS_FEATURES_ALL;
    CHECK_OK(as_train_db(db, &tp, &b, &rb, &err), &err);
    CHECK(b && a && b->n_num == a->n_num);
    tp.target_level = AS_TARGET_ORDER;
    CHECK(as_train_db(db, &tp, &o, &rb, &err) == AS_ERR_STATE);
    CHECK_MSG(strstr(err.msg, "--features main") && strstr(err.msg, "order-level"), "%s", err.msg);
    /* building the whole library again brings the order table back */
    bp.feature_set = AS_FEATURES_ALL;
    CHECK_OK(as_build(db, &bp, &bs, &err), &err);
    CHECK(q_int(db, "SELECT count(*) FROM pragma_table_info('features')") == all_cols);
    CHECK(q_int(db, "SELECT count(*) FROM meta WHERE key = 'build_feature_set' AND value = 'all'") == 1);
    CHECK_OK(as_train_db(db, &tp, &o, &rb, &err), &err);
    bp.feature_set = 7;
    CHECK(as_build(db, &bp, &bs, &err) == AS_ERR_INVALID);
    as_model_free(a);
    as_model_free(b);
    as_model_free(o);
    as_db_close(db);
}

int main(void) {
    test_tmpdir(dir, sizeof dir, "train");
    RUN(test_split_parse);
    RUN(test_csv_guards);
    RUN(test_too_many_classes);
    RUN(test_shop_round_trip);
    RUN(test_build_main_only);
    test_rmtree(dir);
    return test_report("train");
}
