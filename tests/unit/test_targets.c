/* Targets in train / score (issue 4): small databases written by hand in the layout build writes (features and
 * order_features with label, label_kind, label_reason; the column lists in meta), so these checks do not depend
 * on build itself. Class order and counts, the merge into "other", order-level training and scoring, multiclass
 * metrics against a direct computation from the scores, the model file's new keys (and an old file without
 * them), a database of the first version (no meta lists: the static feature list), and the errors. */
#include <sys/stat.h>
#include <unistd.h>

#include "aftersales/aftersales.h"
#include "core/core.h"
#include "features/features.h"
#include "ml/model.h"
#include "store/store.h"
#include "test.h"

static char dir[256];

#define N_LINES 800
#define N_ORDERS (N_LINES / 2)
#define N_LABELLED 780          /* the last lines' horizon runs past the data: unlabelled */
#define FIRST_TEST 600          /* lines from here on are the test rows (time split at their order's day) */
#define T0 1262304000LL         /* 2010-01-01 */
#define DAY 86400LL

/* One generated purchase line; the order table is derived from its lines. */
typedef struct gen_line {
    double x1, x2;              /* x2 NaN = NULL */
    const char *category, *kind, *reason;
} gen_line;
static gen_line L[N_LINES];

static double unit(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static void generate(void) {
    static const char *const cats[] = {"apparel", "home", "toys"};
    uint64_t s = 11;
    for (int i = 0; i < N_LINES; i++) {
        gen_line *g = &L[i];
        g->x1 = unit(&s);
        g->x2 = unit(&s);
        double noise = unit(&s) * 0.4;
        g->category = cats[(i * 7) % 3];
        double z = g->x1 + 0.5 * (strcmp(g->category, "apparel") == 0) + noise;
        if (z > 1.15) g->kind = "return";
        else if (g->x2 > 0.85) g->kind = "complaint";
        else g->kind = "none";
        if (i == 10 || i == 200 || i == 300) g->kind = "exchange";   /* 3 training rows: merged into "other" */
        if (i == 700 || i == 750) g->kind = "repair";                /* test rows only */
        g->reason = strcmp(g->kind, "none") == 0 ? "none"
                  : strcmp(g->kind, "return") == 0 ? (strcmp(g->category, "apparel") == 0 ? "size_fit" : "defect")
                  : strcmp(g->kind, "complaint") == 0 ? "unknown"
                  : strcmp(g->kind, "exchange") == 0 ? "size_fit" : "defect";
        if (i % 97 == 5) g->x2 = NAN;
    }
}

static void exec(as_db *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "SQL failed: %s: %s\n", sql, msg);
        exit(2);
    }
    sqlite3_free(msg);
}

static as_db *open_db(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    as_db *db = NULL;
    as_error err;
    if (as_db_open(path, &db, &err) != AS_OK) { fprintf(stderr, "%s\n", err.msg); exit(2); }
    exec(db, "INSERT OR REPLACE INTO meta VALUES('build_horizon_days', '90')");
    return db;
}

/* The contract layout: features with label_kind / label_reason and the column lists in meta. `with_x2` 0 leaves
 * column x2 out (a database built with other options). */
static as_db *make_v2(const char *name, int with_x2) {
    as_db *db = open_db(name);
    exec(db, with_x2 ? "CREATE TABLE features(order_id TEXT, line_no INTEGER, customer_id TEXT, product_id TEXT, "
                       "ordered_at INTEGER, label INTEGER, label_kind TEXT, label_reason TEXT, country TEXT, "
                       "category TEXT, x1 REAL, x2 REAL, month INTEGER)"
                     : "CREATE TABLE features(order_id TEXT, line_no INTEGER, customer_id TEXT, product_id TEXT, "
                       "ordered_at INTEGER, label INTEGER, label_kind TEXT, label_reason TEXT, country TEXT, "
                       "category TEXT, x1 REAL, month INTEGER)");
    exec(db, "CREATE TABLE order_features(order_id TEXT, customer_id TEXT, ordered_at INTEGER, label INTEGER, "
             "label_kind TEXT, label_reason TEXT, country TEXT, o1 REAL, o2 REAL)");
    exec(db, with_x2 ? "INSERT INTO meta VALUES('feature_numeric', 'x1, x2')"
                     : "INSERT INTO meta VALUES('feature_numeric', 'x1')");
    exec(db, "INSERT INTO meta VALUES('feature_categorical', 'category')");
    exec(db, "INSERT INTO meta VALUES('order_feature_numeric', 'o1,o2')");
    exec(db, "INSERT INTO meta VALUES('order_feature_categorical', 'country')");
    exec(db, "BEGIN");
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db->sql, with_x2 ? "INSERT INTO features VALUES(?,?,?,?,?,?,?,?,?,?,?,?,1)"
                                        : "INSERT INTO features VALUES(?,?,?,?,?,?,?,?,?,?,?,1)", -1, &q, NULL);
    char oid[32], cust[32], prod[32];
    for (int i = 0; i < N_LINES; i++) {
        int o = i / 2;
        snprintf(oid, sizeof oid, "o%04d", o);
        snprintf(cust, sizeof cust, "c%02d", o % 50);
        snprintf(prod, sizeof prod, "p%02d", i % 20);
        sqlite3_bind_text(q, 1, oid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 2, i % 2 + 1);
        sqlite3_bind_text(q, 3, cust, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 4, prod, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 5, T0 + o * DAY);
        if (i < N_LABELLED) {
            sqlite3_bind_int(q, 6, strcmp(L[i].kind, "none") != 0);
            sqlite3_bind_text(q, 7, L[i].kind, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 8, L[i].reason, -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(q, 6); sqlite3_bind_null(q, 7); sqlite3_bind_null(q, 8);
        }
        sqlite3_bind_text(q, 9, "UK", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 10, L[i].category, -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 11, L[i].x1);
        if (with_x2) {
            if (isnan(L[i].x2)) sqlite3_bind_null(q, 12); else sqlite3_bind_double(q, 12, L[i].x2);
        }
        sqlite3_step(q);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    sqlite3_prepare_v2(db->sql, "INSERT INTO order_features VALUES(?,?,?,?,?,?,?,?,?)", -1, &q, NULL);
    static const char *const countries[] = {"UK", "FR", "DE"};
    for (int o = 0; o < N_ORDERS; o++) {
        const gen_line *a = &L[2 * o], *b = &L[2 * o + 1];
        const gen_line *first = strcmp(a->kind, "none") != 0 ? a : b;   /* the first line with a case */
        snprintf(oid, sizeof oid, "o%04d", o);
        snprintf(cust, sizeof cust, "c%02d", o % 50);
        sqlite3_bind_text(q, 1, oid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, cust, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, T0 + o * DAY);
        if (2 * o + 1 < N_LABELLED) {
            sqlite3_bind_int(q, 4, strcmp(first->kind, "none") != 0);
            sqlite3_bind_text(q, 5, first->kind, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 6, first->reason, -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(q, 4); sqlite3_bind_null(q, 5); sqlite3_bind_null(q, 6);
        }
        sqlite3_bind_text(q, 7, countries[o % 3], -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 8, (a->x1 + b->x1) / 2);
        sqlite3_bind_double(q, 9, isnan(a->x2) ? 0.5 : a->x2);
        sqlite3_step(q);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    exec(db, "COMMIT");
    return db;
}

/* A database of the first version: no meta lists, no label_kind / label_reason, the static feature columns. */
static as_db *make_v1(const char *name, int extra_column) {
    as_db *db = open_db(name);
    char sql[8192];
    size_t o = (size_t)snprintf(sql, sizeof sql, "CREATE TABLE features(order_id TEXT, line_no INTEGER, customer_id "
                                "TEXT, product_id TEXT, ordered_at INTEGER, label INTEGER, country TEXT, category TEXT");
    for (int k = 0; k < as__n_feature_numeric; k++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, ", %s REAL", as__feature_numeric[k]);
    snprintf(sql + o, sizeof sql - o, "%s, month INTEGER)", extra_column ? ", extra1 REAL" : "");
    exec(db, sql);
    exec(db, "BEGIN");
    uint64_t s = 5;
    char row[8192];
    for (int i = 0; i < 300; i++) {
        double first = unit(&s);
        int label = first + 0.3 * unit(&s) > 0.8;
        o = (size_t)snprintf(row, sizeof row, "INSERT INTO features VALUES('o%d', 1, 'c%d', 'p%d', %lld, %d, 'UK', '%s'",
                             i, i % 30, i % 10, T0 + i * DAY, label, i % 2 ? "home" : "apparel");
        for (int k = 0; k < as__n_feature_numeric; k++)
            o += (size_t)snprintf(row + o, sizeof row - o, ", %.6f", k == 0 ? first : unit(&s));
        snprintf(row + o, sizeof row - o, "%s, 1)", extra_column ? ", 0.5" : "");
        exec(db, row);
    }
    exec(db, "COMMIT");
    return db;
}

static as_train_params time_params(void) {
    as_train_params tp = as_train_params_default();
    char cut[40];
    as_time_format(T0 + (FIRST_TEST / 2) * DAY, 1, cut, sizeof cut);
    char spec[64];
    snprintf(spec, sizeof spec, "time:%s", cut);
    as_error err;
    if (as_split_parse(spec, &tp.split, &err) != AS_OK) { fprintf(stderr, "%s\n", err.msg); exit(2); }
    return tp;
}

/* The class a raw kind counts as in a model with these classes. */
static int class_of(const as_model *m, const char *raw) {
    int other = -1;
    for (int k = 0; k < m->n_classes; k++) {
        if (strcmp(m->class_labels[k], raw) == 0) return k;
        if (strcmp(m->class_labels[k], "other") == 0) other = k;
    }
    return other;
}

static void test_binary_line(as_db *db) {
    as_error err = {0};
    as_train_params tp = time_params();
    as_model *m = NULL;
    static as_metrics_report rep;
    CHECK_OK(as_train_db(db, &tp, &m, &rep, &err), &err);
    if (!m) return;
    CHECK(m->n_classes == 2);
    CHECK(m->n_num == 2 && m->n_cat == 1);               /* the meta lists, not the static 36 */
    CHECK_STR(m->num_names[1], "x2");
    CHECK_STR(rep.target_desc, "order line: any case within 90 days");
    CHECK(rep.target_level == AS_TARGET_LINE && rep.target_label == AS_LABEL_ANY && rep.feature_set == AS_FEATURES_ALL);
    int64_t tr[2] = {0, 0}, te[2] = {0, 0};
    for (int i = 0; i < N_LABELLED; i++) {
        int y = strcmp(L[i].kind, "none") != 0;
        if (i < FIRST_TEST) tr[y]++; else te[y]++;
    }
    CHECK(rep.balance_train.n == 2 && rep.balance_test.n == 2);
    CHECK_STR(rep.balance_train.name[1], "1");
    CHECK(rep.balance_train.count[0] == tr[0] && rep.balance_train.count[1] == tr[1]);
    CHECK(rep.balance_test.count[0] == te[0] && rep.balance_test.count[1] == te[1]);
    CHECK(rep.train.rows == FIRST_TEST && rep.test.rows == N_LABELLED - FIRST_TEST);
    /* NULL x2 cells take the training median; the metrics stay finite */
    CHECK(m->num_fill && isfinite(m->num_fill[1]) && rep.imputed_values > 0);
    CHECK(isfinite(rep.test.roc_auc) && rep.test.roc_auc > 0.6);
    CHECK_STR(rep.opt_impute, "median");
    as_model_free(m);

    /* boosted trees keep NULL as missing; time-ordered CV folds work for this target too */
    tp.model_kind = AS_MODEL_GBDT;
    tp.gbdt_rounds = 30;
    tp.cv_folds = 3;
    CHECK_OK(as_train_db(db, &tp, &m, &rep, &err), &err);
    CHECK(m && m->impute == AS_IMPUTE_KEEP && m->num_fill == NULL);
    CHECK(rep.cv_folds == 3 && rep.cv_by_time == 1);
    as_model_free(m);
}

/* Kind target: class order, the merge rule, counts, and the metrics against the scores written by as_score_db. */
static void test_kind_line(as_db *db) {
    as_error err = {0};
    as_train_params tp = time_params();
    tp.target_label = AS_LABEL_KIND;
    as_model *m = NULL;
    static as_metrics_report rep;
    CHECK_OK(as_train_db(db, &tp, &m, &rep, &err), &err);
    if (!m) return;
    /* "none" first, the others byte-wise, "other" last: exchange (3 training rows) merged, repair (test only) too */
    CHECK(m->n_classes == 4);
    if (m->n_classes == 4) {
        CHECK_STR(m->class_labels[0], "none");
        CHECK_STR(m->class_labels[1], "complaint");
        CHECK_STR(m->class_labels[2], "return");
        CHECK_STR(m->class_labels[3], "other");
    }
    CHECK_MSG(strstr(rep.warnings, "'exchange' (3 training rows)") && strstr(rep.warnings, "'repair' (2)"), "%s",
              rep.warnings);
    CHECK_STR(rep.target_desc, "order line: case kind within 90 days");
    int64_t tr[4] = {0}, te[4] = {0};
    for (int i = 0; i < N_LABELLED; i++) {
        int k = class_of(m, L[i].kind);
        if (i < FIRST_TEST) tr[k]++; else te[k]++;
    }
    CHECK(te[3] == 2 && tr[3] == 3);
    for (int k = 0; k < 4; k++) {
        CHECK(rep.balance_train.count[k] == tr[k]);
        CHECK(rep.balance_test.count[k] == te[k]);
        CHECK(rep.test.class_support[k] == te[k]);
        CHECK_STR(rep.balance_test.name[k], m->class_labels[k]);
    }

    /* Save, load, score: the loaded model's per-class probabilities give the report's test accuracy and log loss. */
    char path[512], lines[512], orders[512];
    snprintf(path, sizeof path, "%s/kind.json", dir);
    snprintf(lines, sizeof lines, "%s/kind_lines.csv", dir);
    snprintf(orders, sizeof orders, "%s/kind_orders.csv", dir);
    CHECK_OK(as_model_save(m, path, &err), &err);
    as_model *back = NULL;
    CHECK_OK(as_model_load(path, &back, &err), &err);
    if (!back) { as_model_free(m); return; }
    CHECK(back->target_label == AS_LABEL_KIND && back->target_level == AS_TARGET_LINE);
    CHECK(back->report.balance_train.count[1] == tr[1] && back->report.balance_test.n == 4);
    as_score_params sp = as_score_params_default();
    sp.lines_csv = lines;
    sp.orders_csv = orders;
    as_score_stats ss;
    CHECK_OK(as_score_db(db, back, &sp, &ss, &err), &err);
    CHECK(ss.lines == N_LINES && ss.orders == N_ORDERS && ss.n_classes == 4 && isnan(ss.threshold));
    FILE *f = fopen(lines, "r");
    char row[4096];
    CHECK(f && fgets(row, sizeof row, f) &&
          strncmp(row, "order_id,line_no,customer_id,product_id,ordered_at,risk,predicted,probability_none,"
                       "probability_complaint,probability_return,probability_other,flagged,label,top_reasons", 150) == 0);
    int n = 0, hits = 0, flagged = 0, predicted_case = 0;
    double loss = 0, risk_sum = 0;
    while (f && fgets(row, sizeof row, f)) {
        char *field[16];
        int nf = 0;
        for (char *p = strtok(row, ","); p && nf < 16; p = strtok(NULL, ",")) field[nf++] = p;
        if (nf < 12) continue;
        int o = atoi(field[0] + 1), line = atoi(field[1]), i = 2 * o + line - 1;
        double pr[4];
        for (int k = 0; k < 4; k++) pr[k] = atof(field[7 + k]);
        CHECK_NEAR(atof(field[5]), 1 - pr[0], 2e-6);
        risk_sum += atof(field[5]);
        predicted_case += strcmp(field[6], "none") != 0;
        flagged += atoi(field[11]);
        if (i < FIRST_TEST || i >= N_LABELLED) continue;
        CHECK_STR(field[12], L[i].kind);   /* the raw class */
        int y = class_of(m, L[i].kind);
        hits += strcmp(field[6], m->class_labels[y]) == 0;
        loss -= log(pr[y] > 1e-15 ? pr[y] : 1e-15);
        n++;
    }
    if (f) fclose(f);
    CHECK(n == N_LABELLED - FIRST_TEST);
    CHECK(flagged == predicted_case && ss.flagged_lines == flagged);   /* flagged: predicted class is not "none" */
    CHECK_NEAR(ss.mean_risk, risk_sum / N_LINES, 1e-5);
    CHECK_NEAR((double)hits / n, rep.test.accuracy, 1e-12);
    CHECK_NEAR(loss / n, rep.test.log_loss, 1e-3);   /* probabilities are written with 6 decimals */
    as_model_free(back);
    as_model_free(m);

    /* reason classes: size_fit, defect, unknown all have enough training rows */
    tp.target_label = AS_LABEL_REASON;
    CHECK_OK(as_train_db(db, &tp, &m, &rep, &err), &err);
    if (m) {
        CHECK(m->n_classes == 4);
        CHECK_STR(m->class_labels[0], "none");
        CHECK_STR(m->class_labels[1], "defect");
        CHECK_STR(m->class_labels[3], "unknown");
        CHECK_STR(rep.target_desc, "order line: reason class within 90 days");
    }
    as_model_free(m);
    /* a cost-based threshold is for two classes */
    tp.return_cost = 10;
    tp.contact_cost = 1;
    CHECK(as_train_db(db, &tp, &m, &rep, &err) == AS_ERR_INVALID && m == NULL);
}

static void test_order_level(as_db *db) {
    as_error err = {0};
    as_train_params tp = time_params();
    tp.target_level = AS_TARGET_ORDER;
    as_model *m = NULL;
    static as_metrics_report rep;
    CHECK_OK(as_train_db(db, &tp, &m, &rep, &err), &err);
    if (!m) return;
    CHECK(m->n_num == 2 && m->n_cat == 1);
    CHECK_STR(m->num_names[0], "o1");
    CHECK_STR(m->cats[0].name, "country");
    CHECK_STR(rep.target_desc, "order: any case within 90 days");
    int64_t pos_train = 0, pos_test = 0, n_train = 0, n_test = 0;
    for (int o = 0; 2 * o + 1 < N_LABELLED; o++) {
        int y = strcmp(L[2 * o].kind, "none") != 0 || strcmp(L[2 * o + 1].kind, "none") != 0;
        if (2 * o < FIRST_TEST) { n_train++; pos_train += y; } else { n_test++; pos_test += y; }
    }
    CHECK(rep.train.rows == n_train && rep.test.rows == n_test);
    CHECK(rep.balance_train.count[1] == pos_train && rep.balance_test.count[1] == pos_test);

    char orders[512], lines[512];
    snprintf(orders, sizeof orders, "%s/order_scores.csv", dir);
    snprintf(lines, sizeof lines, "%s/order_lines.csv", dir);
    as_score_params sp = as_score_params_default();
    sp.orders_csv = orders;
    as_score_stats ss;
    CHECK_OK(as_score_db(db, m, &sp, &ss, &err), &err);
    CHECK(ss.orders == N_ORDERS && ss.lines == 0 && ss.target_level == AS_TARGET_ORDER);
    FILE *f = fopen(orders, "r");
    char row[4096];
    int rows = 0, flagged = 0;
    CHECK(f && fgets(row, sizeof row, f) && strcmp(row, "order_id,customer_id,ordered_at,risk,flagged,label,top_reasons\n") == 0);
    while (f && fgets(row, sizeof row, f)) {
        rows++;
        char *p = row;
        for (int k = 0; k < 4 && p; k++) p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
        if (p) flagged += *p == '1';
    }
    if (f) fclose(f);
    CHECK(rows == N_ORDERS && flagged == ss.flagged_orders);
    /* an order-level model has no line scores */
    sp.lines_csv = lines;
    CHECK(as_score_db(db, m, &sp, &ss, &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "--out-orders"), "%s", err.msg);

    /* round trip: the new keys come back; a file without them loads as line / any / all */
    char path[512], stripped[512];
    snprintf(path, sizeof path, "%s/order.json", dir);
    snprintf(stripped, sizeof stripped, "%s/old.json", dir);
    CHECK_OK(as_model_save(m, path, &err), &err);
    as_model *back = NULL;
    CHECK_OK(as_model_load(path, &back, &err), &err);
    if (back) {
        CHECK(back->target_level == AS_TARGET_ORDER && back->target_label == AS_LABEL_ANY &&
              back->feature_set == AS_FEATURES_ALL);
        CHECK_STR(back->target_desc, "order: any case within 90 days");
        CHECK(back->report.balance_train.count[1] == pos_train && back->report.balance_test.count[0] == n_test - pos_test);
        double x[8] = {0.3, 0.7, 1, 0, 0}, p1, p2;
        CHECK_OK(as__model_predict(m, x, 1, &p1, NULL, &err), &err);
        CHECK_OK(as__model_predict(back, x, 1, &p2, NULL, &err), &err);
        CHECK(p1 == p2);
    }
    as_model_free(back);
    back = NULL;
    FILE *in = fopen(path, "r"), *out = fopen(stripped, "w");
    while (in && out && fgets(row, sizeof row, in))
        if (!strstr(row, "\"target_") && !strstr(row, "\"feature_set") && !strstr(row, "\"class_balance")) fputs(row, out);
    if (in) fclose(in);
    if (out) fclose(out);
    CHECK_OK(as_model_load(stripped, &back, &err), &err);
    CHECK(back && back->target_level == AS_TARGET_LINE && back->target_label == AS_LABEL_ANY && !back->target_desc);
    as_model_free(back);
    as_model_free(m);

    /* order-level kind target */
    tp.target_label = AS_LABEL_KIND;
    CHECK_OK(as_train_db(db, &tp, &m, &rep, &err), &err);
    if (m) {
        CHECK_STR(m->class_labels[0], "none");
        CHECK_STR(rep.target_desc, "order: case kind within 90 days");
        sp.lines_csv = NULL;
        CHECK_OK(as_score_db(db, m, &sp, &ss, &err), &err);
        f = fopen(orders, "r");
        CHECK(f && fgets(row, sizeof row, f) && strncmp(row, "order_id,customer_id,ordered_at,risk,predicted,probability_none,", 64) == 0);
        if (f) fclose(f);
    }
    as_model_free(m);
    /* the main job's feature set is a line-level set */
    tp.target_label = AS_LABEL_ANY;
    tp.feature_set = AS_FEATURES_MAIN;
    CHECK(as_train_db(db, &tp, &m, &rep, &err) == AS_ERR_INVALID && !m);
    CHECK_MSG(strstr(err.msg, "--features all"), "%s", err.msg);
}

static void test_old_database(void) {
    as_error err = {0};
    as_db *db = make_v1("v1.db", 0);
    as_train_params tp = as_train_params_default();
    as_model *m = NULL;
    static as_metrics_report rep;
    CHECK_OK(as_train_db(db, &tp, &m, &rep, &err), &err);
    CHECK(m && m->n_num == (size_t)as__n_feature_numeric && m->n_cat == 1);
    if (m) CHECK_STR(m->num_names[0], as__feature_numeric[0]);
    CHECK(rep.balance_train.count[0] + rep.balance_train.count[1] == rep.train.rows);
    /* its scores still work (no label_kind needed for a binary model) */
    as_score_params sp = as_score_params_default();
    as_score_stats ss;
    if (m) CHECK_OK(as_score_db(db, m, &sp, &ss, &err), &err);
    CHECK(ss.lines == 300);
    as_model_free(m);
    m = NULL;
    tp.target_label = AS_LABEL_KIND;
    CHECK(as_train_db(db, &tp, &m, &rep, &err) == AS_ERR_STATE && !m);
    CHECK_MSG(strstr(err.msg, "label_kind") && strstr(err.msg, "run `aftersales build"), "%s", err.msg);
    tp.target_label = AS_LABEL_ANY;
    tp.target_level = AS_TARGET_ORDER;
    CHECK(as_train_db(db, &tp, &m, &rep, &err) == AS_ERR_STATE && !m);
    CHECK_MSG(strstr(err.msg, "order_features") && strstr(err.msg, "run `aftersales build"), "%s", err.msg);
    as_db_close(db);

    /* a new database with the main job's columns and one more: main = the 36 + category, all = what meta lists */
    db = make_v1("v2full.db", 1);
    char list[4096];
    size_t o = 0;
    for (int k = 0; k < as__n_feature_numeric; k++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", k ? "," : "", as__feature_numeric[k]);
    char sql[4400];
    snprintf(sql, sizeof sql, "INSERT INTO meta VALUES('feature_numeric', '%s,extra1')", list);
    exec(db, sql);
    exec(db, "INSERT INTO meta VALUES('feature_categorical', 'category,country')");
    tp = as_train_params_default();
    CHECK_OK(as_train_db(db, &tp, &m, &rep, &err), &err);
    CHECK(m && m->n_num == (size_t)as__n_feature_numeric + 1 && m->n_cat == 2);
    as_model_free(m);
    tp.feature_set = AS_FEATURES_MAIN;
    CHECK_OK(as_train_db(db, &tp, &m, &rep, &err), &err);
    CHECK(m && m->n_num == (size_t)as__n_feature_numeric && m->n_cat == 1 && rep.feature_set == AS_FEATURES_MAIN);
    as_model_free(m);
    as_db_close(db);
}

static void test_errors(as_db *db) {
    as_error err = {0};
    as_train_params tp = time_params();
    as_model *m = NULL;
    static as_metrics_report rep;
    /* the main set on a database without its columns: the first missing column is named */
    tp.feature_set = AS_FEATURES_MAIN;
    CHECK(as_train_db(db, &tp, &m, &rep, &err) == AS_ERR_STATE && !m);
    CHECK_MSG(strstr(err.msg, as__feature_numeric[0]) && strstr(err.msg, "aftersales build"), "%s", err.msg);
    /* a model scored on features that lack one of its columns */
    tp.feature_set = AS_FEATURES_ALL;
    CHECK_OK(as_train_db(db, &tp, &m, &rep, &err), &err);
    as_db *other = make_v2("no_x2.db", 0);
    as_score_params sp = as_score_params_default();
    as_score_stats ss;
    if (m) CHECK(as_score_db(other, m, &sp, &ss, &err) == AS_ERR_FORMAT);
    CHECK_MSG(strstr(err.msg, "'x2'") && strstr(err.msg, "aftersales build") && strstr(err.msg, "train the model again"),
              "%s", err.msg);
    as_model_free(m);
    as_db_close(other);
    /* one class only after the split */
    other = open_db("one_class.db");
    exec(other, "CREATE TABLE features(order_id TEXT, line_no INTEGER, customer_id TEXT, product_id TEXT, ordered_at "
                "INTEGER, label INTEGER, label_kind TEXT, label_reason TEXT, category TEXT, x1 REAL)");
    exec(other, "INSERT INTO meta VALUES('feature_numeric', 'x1'), ('feature_categorical', 'category')");
    exec(other, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99) INSERT INTO features "
                "SELECT 'o' || i, 1, 'c', 'p', 1262304000 + i * 86400, i >= 90, CASE WHEN i >= 90 THEN 'return' ELSE "
                "'none' END, 'none', 'a', i FROM n");
    tp = as_train_params_default();
    tp.target_label = AS_LABEL_KIND;
    CHECK(as_train_db(other, &tp, &m, &rep, &err) == AS_ERR_NODATA && !m);
    CHECK_MSG(strstr(err.msg, "one case kind only ('none')"), "%s", err.msg);
    /* a kind target with two classes (a shop whose only case kind is one): a binary model that keeps its names */
    exec(other, "UPDATE features SET label_kind = 'return', label = 1 WHERE ordered_at >= 1262304000 + 80 * 86400");
    CHECK_OK(as_train_db(other, &tp, &m, &rep, &err), &err);
    if (m) {
        CHECK(m->n_classes == 2 && m->target_label == AS_LABEL_KIND);
        CHECK_STR(m->class_labels[1], "return");
        CHECK_STR(rep.positive_class, "return");
        char path[512], lines[512];
        snprintf(path, sizeof path, "%s/two.json", dir);
        snprintf(lines, sizeof lines, "%s/two.csv", dir);
        CHECK_OK(as_model_save(m, path, &err), &err);
        as_model *back = NULL;
        CHECK_OK(as_model_load(path, &back, &err), &err);
        if (back) {
            as_score_params sp2 = as_score_params_default();
            sp2.lines_csv = lines;
            CHECK_OK(as_score_db(other, back, &sp2, &ss, &err), &err);
            FILE *f = fopen(lines, "r");
            char row[2048];
            int returns = 0;
            while (f && fgets(row, sizeof row, f)) returns += strstr(row, ",return,") != NULL;
            if (f) fclose(f);
            CHECK(returns == 20);   /* the label column holds the class name */
        }
        as_model_free(back);
    }
    as_model_free(m);
    as_db_close(other);
}

int main(void) {
    test_tmpdir(dir, sizeof dir, "targets");
    generate();
    as_db *db = make_v2("shop.db", 1);
    fprintf(stderr, "-- test_binary_line\n");
    test_binary_line(db);
    fprintf(stderr, "-- test_kind_line\n");
    test_kind_line(db);
    fprintf(stderr, "-- test_order_level\n");
    test_order_level(db);
    fprintf(stderr, "-- test_errors\n");
    test_errors(db);
    RUN(test_old_database);
    as_db_close(db);
    test_rmtree(dir);
    return test_report("test_targets");
}
