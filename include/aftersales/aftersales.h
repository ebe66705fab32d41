/*
 * aftersales — after-sales analytics for online shops.
 *
 * The public API of libaftersales. The CLI (src/cli) and any embedding program use only this header.
 *
 * A worked example, the main job on a shop export:
 *
 *     as_error err;
 *     as_db *db = NULL;
 *     if (as_db_open("shop.db", &db, &err) != AS_OK) { fprintf(stderr, "%s\n", err.msg); return 1; }
 *     as_ingest_params ip = as_ingest_params_default();
 *     ip.preset = "online-retail";
 *     as_ingest_stats is;
 *     as_ingest(db, "online_retail.csv.gz", &ip, &is, &err);
 *     as_build_params bp = as_build_params_default();      // horizon 90 days
 *     as_build_stats bs;
 *     as_build(db, &bp, &bs, &err);
 *     as_train_params tp = as_train_params_default();      // time split, L2 logistic regression, C = 1
 *     as_model *model = NULL;
 *     as_metrics_report rep;
 *     as_train_db(db, &tp, &model, &rep, &err);
 *     as_model_save(model, "model.json", &err);
 *     as_model_free(model);
 *     as_db_close(db);
 *
 * Conventions (the same on every call):
 *   - Every fallible call returns an as_status; AS_OK is 0. On failure it fills the caller's as_error with the
 *     code and a message that names the input (file, line, field) and what the user can do about it.
 *     The error argument may be NULL when the caller does not want the words.
 *   - Handles are opaque, created by a _new/_open/_load call and released by the matching _free/_close;
 *     releasing NULL is a no-op.
 *   - Parameters live in plain structs with a _default() initializer; fields only ever grow at the end.
 *   - The library never prints and never exits. Long steps report through an optional progress callback.
 *   - Strings passed in are borrowed for the duration of the call unless a function says otherwise.
 *   - Timestamps are seconds since 1970-01-01 00:00:00 in the shop's local time, as written in its exports
 *     (no time-zone conversion is done anywhere).
 */
#ifndef AFTERSALES_H
#define AFTERSALES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AS_VERSION "0.1.0"
/* Version of the model file format written by as_model_save; as_model_load accepts this and older. */
#define AS_MODEL_FORMAT_VERSION 2

/* ---------------------------------------------------------------------------------------------------------
 * Status and errors
 * ------------------------------------------------------------------------------------------------------- */

typedef enum as_status {
    AS_OK = 0,
    AS_ERR_NOMEM,     /* an allocation failed */
    AS_ERR_IO,        /* a file could not be opened, read or written */
    AS_ERR_PARSE,     /* input text is malformed (CSV record, timestamp, JSON) */
    AS_ERR_INVALID,   /* an argument or parameter is invalid (bad flag value, unknown column, …) */
    AS_ERR_DB,        /* SQLite reported an error */
    AS_ERR_NUMERIC,   /* a numeric method failed (zero variance for PCA, LAPACK failure, NaN) */
    AS_ERR_NODATA,    /* a step found no rows to work on (nothing labelled, one class only, …) */
    AS_ERR_FORMAT,    /* a model file or database is not of a version or shape this build understands */
    AS_ERR_STATE      /* a step was called before the one it depends on (train before build, …) */
} as_status;

typedef struct as_error {
    as_status code;
    char msg[1024];
} as_error;

/* A short English name for a status code ("out of memory", "parse error", …). Never NULL. */
const char *as_strerror(as_status code);

/* Progress callback for long steps. `step` names the step ("ingest", "build", "train");
 * `done` and `total` are in the step's own unit (rows, bytes, iterations); total is 0 when unknown. */
typedef void (*as_progress_fn)(void *user, const char *step, double done, double total);

/* ---------------------------------------------------------------------------------------------------------
 * Database (SQLite; one file holds the canonical tables, features, rejects)
 * ------------------------------------------------------------------------------------------------------- */

typedef struct as_db as_db;

/* Opens (creating when absent) the database at `path` and brings its schema to the current version.
 * On success *out owns the handle; release it with as_db_close. */
as_status as_db_open(const char *path, as_db **out, as_error *err);
void as_db_close(as_db *db);

/* ---------------------------------------------------------------------------------------------------------
 * Ingest: shop exports → canonical tables (DESIGN.md §3)
 * ------------------------------------------------------------------------------------------------------- */

typedef struct as_ingest_params {
    const char *preset;              /* "online-retail", "canonical" (a folder of canonical CSVs), "olist" (a folder
                                      * of the Olist export) or "mapping" (path names a mapping file, docs/mapping.md) */
    const char *const *na_tokens;    /* extra missing-value tokens besides the empty field; may be NULL */
    size_t n_na_tokens;
    as_progress_fn progress;
    void *progress_user;
    /* ---- appended with schema 2 (issue 4) ---- */
    const char *key_file;            /* pseudonymization key (32 random bytes, hex) for columns declared personal;
                                      * NULL = "<database path>.key". Created (mode 0600) when absent; keep it to
                                      * get the same pseudonyms on the next ingest, delete it to unlink them. */
    const char *data_dir;            /* preset "mapping": folder the mapping's file names are relative to; NULL =
                                      * the mapping file's own folder */
} as_ingest_params;

typedef struct as_ingest_stats {
    int64_t records_read;            /* data records in the input (header excluded) */
    int64_t loaded;                  /* records that landed in a canonical table */
    int64_t rejected;                /* records written to the rejects table */
    int64_t purchases, cases, charges, customers, products, orders;
    int64_t skipped_duplicates;      /* records already present from an earlier ingest of the same data */
    /* rejects grouped by reason: up to 8 distinct reasons with counts */
    int n_reject_reasons;
    char reject_reason[8][96];
    int64_t reject_count[8];
    int64_t updated;                 /* records already present whose values changed: the new values replace them */
    int64_t orphan_lines;            /* order lines whose order is not (yet) in the orders table */
    /* ---- appended with schema 2 (issue 4) ---- */
    int64_t reviews;                 /* review records loaded */
    int64_t pseudonymized;           /* values of personal-data columns replaced by keyed pseudonyms */
    int64_t pii_dropped;             /* values of personal-data columns dropped (not loaded) */
    int64_t scrubbed;                /* e-mail addresses / phone numbers replaced inside free text */
    int key_created;                 /* 1 when this ingest created the key file */
    char key_path[512];              /* the key file used ("" when no column was declared personal) */
    int key_world_readable;          /* 1 when the key file is readable by its group or by others */
    /* Cases and reviews whose order_id names an order that is not in the orders table (the whole database,
     * counted after the ingest): they are kept, but no order gets their label. */
    int64_t orphan_cases;
    int64_t orphan_reviews;
    char all_rejected_source[128];   /* the first source file whose every record was rejected ("" = none) */
    /* canonical preset: header columns that are not canonical and were left out, as "file: 'col' (did you mean
     * 'x'?)", separated by "; " ("" = none; personal-looking columns are dropped on purpose and not listed) */
    char unknown_columns[512];
} as_ingest_stats;

as_ingest_params as_ingest_params_default(void);
/* Loads `path` (a CSV or CSV.gz file; a folder for the canonical preset) into the database in one
 * transaction. Malformed records go to the rejects table with their raw text, line and reason; the valid
 * records around them are kept. Loading the same data twice adds nothing the second time. */
as_status as_ingest(as_db *db, const char *path, const as_ingest_params *params, as_ingest_stats *stats,
                    as_error *err);

/* ---------------------------------------------------------------------------------------------------------
 * Build: labels and point-in-time features (one row per purchase line, table `features`)
 * ------------------------------------------------------------------------------------------------------- */

/* When a score is meant to be used: at the purchase (default; nothing about the order's own delivery is known)
 * or after delivery (the order's own delivery facts — days to delivery, days late — become features). */
typedef enum as_moment { AS_MOMENT_ORDER = 0, AS_MOMENT_DELIVERY = 1 } as_moment;

typedef struct as_build_params {
    int horizon_days;                /* a purchase is positive when a matching case opens within this many days */
    double prior_strength;           /* pseudo-count of the shrinkage prior for smoothed return rates */
    as_progress_fn progress;
    void *progress_user;
    /* ---- appended with schema 2 (issue 4) ---- */
    int moment;                      /* as_moment */
    int hash_buckets;                /* hashed word features per text source (descriptions, reasons); 0 = none */
    /* ---- appended with issue 7 ---- */
    int feature_set;                 /* as_feature_set: the whole library (default) or only the main job's set —
                                      * about a quarter of the bytes and no windowed event log, for shops too large
                                      * for the library's table; no order-level table then */
} as_build_params;

/* Most hashed-word buckets per text source (as_build_params.hash_buckets). */
#define AS_BUILD_MAX_HASH_BUCKETS 128

#define AS_MAX_TARGET_CLASSES 12

/* Class balance of one target: class names and counts over the labelled rows. */
typedef struct as_class_balance {
    int n;
    char name[AS_MAX_TARGET_CLASSES][32];
    int64_t count[AS_MAX_TARGET_CLASSES];
} as_class_balance;

typedef struct as_build_stats {
    int64_t purchase_lines;          /* feature rows written */
    int64_t labelled;                /* rows whose horizon lies inside the data */
    int64_t positives;               /* labelled rows that came back */
    int64_t data_start, data_end;    /* first and last event timestamp */
    int64_t label_until;             /* purchases at or before this instant are labelled */
    int64_t lines_without_customer;  /* purchase lines whose order names no customer: not feature rows */
    /* ---- appended with schema 2 (issue 4) ---- */
    int n_features;                  /* model-input columns of the line table (numeric + categorical) */
    int64_t orders, orders_labelled, order_positives;   /* the order-level table (order_features) */
    as_class_balance line_kind, line_reason;            /* multiclass line targets: case kind, reason class */
    as_class_balance order_kind, order_reason;          /* the same for orders */
    double seconds;                  /* wall time of the build */
} as_build_stats;

as_build_params as_build_params_default(void);
as_status as_build(as_db *db, const as_build_params *params, as_build_stats *stats, as_error *err);

/* ---------------------------------------------------------------------------------------------------------
 * Train, evaluate, model file
 * ------------------------------------------------------------------------------------------------------- */

typedef struct as_model as_model;

typedef enum as_split_kind { AS_SPLIT_TIME = 0, AS_SPLIT_RANDOM = 1, AS_SPLIT_STRATIFIED = 2 } as_split_kind;

/* Limits of the fixed-size report structs (a target with more classes is refused with a clear error). */
#define AS_MAX_CLASSES 16
#define AS_MAX_FOLDS 20
#define AS_CALIBRATION_BINS 10
#define AS_CURVE_POINTS 128   /* ROC / precision–recall vertices per part; the thinning keeps at most 102 */

typedef enum as_model_kind { AS_MODEL_LOGREG = 0, AS_MODEL_GBDT = 1 } as_model_kind;
typedef enum as_penalty { AS_PENALTY_L2 = 0, AS_PENALTY_L1 = 1, AS_PENALTY_NONE = 2 } as_penalty;
typedef enum as_solver {
    AS_SOLVER_AUTO = 0,              /* "newton": Newton–Cholesky for small models, LIBLINEAR's TRON for large */
    AS_SOLVER_TRON = 1,              /* trust-region Newton with conjugate-gradient steps */
    AS_SOLVER_NEWTON_CHOLESKY = 2,   /* Newton with the exact Hessian */
    AS_SOLVER_LBFGS = 3              /* L-BFGS (OWL-QN for L1) */
} as_solver;
typedef enum as_impute {
    AS_IMPUTE_DROP = 0,              /* drop rows with a missing value (the seed's dropna) */
    AS_IMPUTE_MEDIAN = 1,            /* numeric: training median; text: most frequent training value */
    AS_IMPUTE_MOST_FREQUENT = 2,     /* every column: most frequent training value (smallest on ties) */
    AS_IMPUTE_KEEP = 3,              /* boosted trees only: keep missing values as NaN (the trees learn where
                                      * they go); -1 in as_train_params means "the model's default": KEEP for
                                      * boosted trees, DROP for logistic regression */
    AS_IMPUTE_DEFAULT = -1
} as_impute;

typedef struct as_split_spec {
    as_split_kind kind;
    int64_t cutoff;                  /* time split: test = labelled rows at or after this instant; 0 = automatic */
    double test_fraction;            /* time split without cutoff: last fraction by time; random: test share */
    uint32_t seed;                   /* random split seed (numpy RandomState semantics) */
} as_split_spec;

/* Parses "time", "time:YYYY-MM-DD[ HH:MM[:SS]]", "random:FRACTION:SEED" (also "random" = 0.2:42) or
 * "stratified:FRACTION:SEED" (also "stratified" = 0.2:42; train_test_split(..., stratify=y)). */
as_status as_split_parse(const char *text, as_split_spec *out, as_error *err);

typedef struct as_train_params {
    as_split_spec split;
    double C;                        /* inverse regularization strength, scikit-learn's C */
    double tol;                      /* stop when ‖∇f‖ ≤ tol · ‖∇f(w0)‖ */
    int max_iter;                    /* Newton iterations */
    int scale;                       /* standardize columns before PCA / the model (1 = yes) */
    double pca_variance;             /* keep PCA components until this explained-variance share; 0 = no PCA */
    const char *target;              /* --csv flow: the target column */
    const char *positive_label;      /* --csv flow: which target value is the positive class; NULL = automatic */
    const char *const *na_tokens;    /* --csv flow: extra missing-value tokens */
    size_t n_na_tokens;
    as_progress_fn progress;
    void *progress_user;
    const char *const *drop_columns; /* --csv flow: columns to leave out (besides a column named `split`) */
    size_t n_drop_columns;
    size_t max_levels;               /* --csv flow: refuse a text column with more distinct training values than
                                      * this (free text would one-hot into that many columns); 0 = no limit */
    /* ---- appended with model format 2 ---- */
    int model_kind;                  /* as_model_kind: logistic regression (default) or boosted trees */
    int penalty;                     /* as_penalty */
    int solver;                      /* as_solver */
    int class_weight_balanced;       /* weight class k by n / (K · n_k) (scikit-learn's class_weight="balanced") */
    const char *weight_column;       /* --csv flow: a numeric column of per-row weights (not a feature) */
    int impute;                      /* as_impute: what to do with missing values (--csv flow); default
                                      * AS_IMPUTE_DEFAULT */
    size_t min_level_count;          /* pool text values seen in fewer training rows into one "(other)" level;
                                      * 0 = no pooling */
    int cv_folds;                    /* k-fold cross-validation on the training rows (0 = none, else 2..20):
                                      * stratified for classifiers, as scikit-learn's cross_val_score(cv=k) */
    int cv_shuffle;                  /* shuffle before allocating folds (with cv_seed) */
    uint32_t cv_seed;
    double return_cost;              /* cost of one return; with contact_cost > 0, the flag threshold is chosen on
                                      * validation rows to maximize expected savings (0 = not used) */
    double contact_cost;             /* cost of one intervention (a contact with the customer) */
    double contact_success;          /* share of contacted would-be returns the intervention prevents (0..1] */
    double validation_fraction;      /* share of the training rows held out (the latest by time on shop data, a
                                      * seeded random part otherwise) for early stopping and threshold choice */
    int gbdt_rounds;                 /* boosted trees: most boosting rounds */
    double gbdt_learning_rate;
    int gbdt_max_depth;
    int gbdt_early_stopping;         /* stop after this many rounds without a better validation log loss */
    int threads;                     /* boosted trees' threads (0 = automatic: 1 with up to 2 cores, else cores − 1) */
    /* ---- appended with schema 2 (issue 4): shop flow only ---- */
    int target_level;                /* as_target_level: one row per purchase line (default) or per order */
    int target_label;                /* as_target_label: any case (binary, default), case kind or reason class */
    int feature_set;                 /* as_feature_set: the whole feature library (default) or the main job's set */
    /* ---- appended with issue 7: shop flow only ---- */
    int64_t max_rows;                /* > 0: train and test on a uniform random sample of this many labelled rows
                                      * (reservoir sampling while reading, kept in time order), so memory is bounded
                                      * by it rather than by the shop; 0 (default) = every labelled row */
    uint32_t sample_seed;            /* the sample's seed (default 42) */
} as_train_params;

typedef enum as_target_level { AS_TARGET_LINE = 0, AS_TARGET_ORDER = 1 } as_target_level;
/* Binary: a case within the horizon. Kind: "none" or the kind of the first case within the horizon (return,
 * exchange, repair, refund, complaint, cancel). Reason: "none" or the reason class of that case. */
typedef enum as_target_label { AS_LABEL_ANY = 0, AS_LABEL_KIND = 1, AS_LABEL_REASON = 2 } as_target_label;
/* ALL: every model-input column build wrote (feature_numeric / feature_categorical in meta). MAIN: the main
 * job's columns of the first version (the 36 numeric features + category), for comparisons. */
typedef enum as_feature_set { AS_FEATURES_ALL = 0, AS_FEATURES_MAIN = 1 } as_feature_set;

as_train_params as_train_params_default(void);

/* Metrics of one split part at one threshold family. Undefined values (ROC-AUC with one class) are NaN. */
typedef struct as_metrics {
    int64_t rows, positives;
    double positive_rate;
    double accuracy, precision, recall, f1;     /* at threshold 0.5 */
    double best_f1_threshold, best_f1, best_f1_precision, best_f1_recall;
    double roc_auc, pr_auc, log_loss, brier;
    double precision_top1, precision_top5;       /* precision among the top 1 % / 5 % of scores */
    int64_t tp, fp, tn, fn;                      /* confusion at 0.5 */
    /* ---- appended with model format 2 ----
     * Multiclass (n_classes ≥ 3): accuracy and log_loss keep their meaning; precision/recall/f1 hold the macro
     * averages, roc_auc the one-vs-rest macro average; the binary-only fields (pr_auc, best_f1_*, top-k,
     * tp/fp/tn/fn, calibration) are NaN / 0. brier is the multiclass Brier score (mean over rows of
     * Σ_k (p_k − [y = k])²), which is twice the binary one's scale — see docs/methods.md. */
    int n_classes;
    double macro_precision, macro_recall, macro_f1;
    double micro_precision, micro_recall, micro_f1;
    double weighted_precision, weighted_recall, weighted_f1;
    double roc_auc_ovr_macro, roc_auc_ovr_weighted;   /* NaN when a class is absent from the truth */
    int64_t class_support[AS_MAX_CLASSES];
    double class_precision[AS_MAX_CLASSES], class_recall[AS_MAX_CLASSES], class_f1[AS_MAX_CLASSES];
    double class_roc_auc[AS_MAX_CLASSES];             /* one class against the rest */
    int64_t confusion[AS_MAX_CLASSES][AS_MAX_CLASSES];/* [true class][predicted class]; binary: class 0, 1 */
    /* Calibration (binary): sklearn.calibration.calibration_curve(strategy="uniform", n_bins=10) with the
     * empty bins kept (count 0, NaN means). */
    int64_t cal_count[AS_CALIBRATION_BINS];
    double cal_mean_predicted[AS_CALIBRATION_BINS], cal_fraction_positive[AS_CALIBRATION_BINS];
    double expected_calibration_error;                /* Σ_b count_b/n · |fraction_b − mean_b| */
    int no_predicted_positive;                        /* precision was 0/0 and is reported as 0 (a warning) */
    int one_class_truth;                              /* the truth has one class: ROC-AUC / PR-AUC are NaN */
    /* ---- appended with issue 6: curves for charts (binary only; n_roc = n_pr = 0 for multiclass) ---- */
    int n_roc;                                        /* ROC vertices kept, (0, 0) first and (1, 1) last */
    double roc_fpr[AS_CURVE_POINTS], roc_tpr[AS_CURVE_POINTS];
    int n_pr;                                         /* precision–recall vertices, recall ascending */
    double pr_recall[AS_CURVE_POINTS], pr_precision[AS_CURVE_POINTS];
    double top_precision[100];                        /* precision among the top k % of scores, k = 1 … 100:
                                                       * the ceil(k·n/100) highest-scored rows (NaN when n = 0) */
    /* at the model's flag threshold (set by the fitting step; thr_rows = 0 when not known) */
    double thr;
    int64_t thr_rows, thr_flagged, thr_flagged_positives;
    double thr_precision, thr_recall;                 /* flagged positives / flagged (0 when nothing flagged),
                                                       * … / positives (NaN with no positives) */
} as_metrics;

/* One fold of k-fold cross-validation: the fold's held-out rows scored by a model fitted on the other folds. */
typedef struct as_cv_fold {
    int64_t train_rows, test_rows, test_positives;
    double accuracy, precision, recall, f1, roc_auc, pr_auc, log_loss, brier;   /* multiclass: macro P/R/F1 */
} as_cv_fold;

/* The cost-based decision: flag rows at or above `threshold`; each flag costs contact_cost, each flagged
 * would-be return is prevented with probability contact_success and saves return_cost. */
typedef struct as_decision {
    double threshold;                /* NaN when no decision was asked for */
    int64_t rows, contacts, returns, returns_flagged;
    double returns_prevented;        /* expected: contact_success · returns_flagged */
    double savings;                  /* return_cost · returns_prevented − contact_cost · contacts */
    double savings_per_row;
} as_decision;

typedef struct as_metrics_report {
    char split_desc[256];            /* human description of the split: cutoff, date ranges, rows */
    int64_t train_start, train_end, test_start, test_end;  /* time split windows (0 when random) */
    as_metrics train, test;
    int n_features_in;               /* columns after one-hot */
    int n_components;                /* after PCA (= n_features_in when no PCA) */
    int iterations;
    int converged;
    double grad_norm;
    double objective;
    int64_t unseen_categories;       /* test rows with a category not seen in training */
    int64_t dropped_missing;         /* --csv: rows dropped for missing values */
    double seconds_train;
    int hessian_products;            /* conjugate-gradient steps of the Newton solver (one data pass each) */
    int separated;                   /* the fitted model separates the training classes completely: the weights'
                                      * size is then set by C alone and training probabilities are overconfident */
    char positive_class[64];         /* the target value modelled as class 1 ("1" for shop data) */
    double threshold;                /* the model's decision threshold for flags: the F1-best threshold on the
                                      * training rows (never chosen on test rows) for shop data, 0.5 for --csv */
    char model_file[256];            /* optional, set by the caller: the model file these metrics describe;
                                      * as_metrics_write_json records it so a reader can check the pairing */
    int hessian_formations;          /* full Hessians formed by the Newton-Cholesky path (small models) */
    /* ---- appended with model format 2 ---- */
    char model_kind[16];             /* "logreg" or "gbdt" */
    char penalty[8];                 /* "l2", "l1", "none" */
    char solver[16];                 /* the solver path that finished: "newton-cholesky", "tron", "lbfgs",
                                      * "owlqn", "prox-newton", "xgboost" */
    int function_evaluations;
    int n_classes;                   /* 2 = binary */
    char class_labels[AS_MAX_CLASSES][64];   /* the target's values, class 0 first (sorted as scikit-learn) */
    int64_t nonzero_coefficients;    /* L1: coefficients not exactly 0 */
    int64_t imputed_values;          /* values filled in by imputation (training + test rows) */
    int64_t pooled_levels;           /* text values pooled into "(other)" */
    int n_pca_table;                 /* explained-variance table: the first entries of the whole spectrum */
    double pca_variance_ratio[64];
    int cv_folds;                    /* 0 = no cross-validation */
    as_cv_fold cv[AS_MAX_FOLDS];
    as_cv_fold cv_mean, cv_std;      /* mean and standard deviation (ddof = 0, as numpy's std) over the folds */
    int64_t validation_rows;         /* rows held out of training for early stopping / the threshold */
    as_decision decision_validation, decision_test;
    int gbdt_rounds;                 /* boosted trees: rounds kept (best validation iteration + 1) */
    double gbdt_best_validation_logloss;
    char warnings[2048];             /* everything the user should know, one warning per line */
    int cv_by_time;                  /* the folds were expanding time windows (TimeSeriesSplit), not stratified */
    /* the options the model was trained with, so metrics.json and `evaluate` tell two runs apart */
    double opt_C, opt_tol;
    int opt_max_iter;
    int opt_class_weight_balanced;
    char opt_weight_column[64];      /* empty = no row weights */
    char opt_impute[16];             /* "drop", "median", "most_frequent", "keep" */
    int64_t opt_min_level_count;
    int opt_cv_shuffle;
    uint32_t opt_cv_seed;
    double opt_return_cost, opt_contact_cost, opt_contact_success;   /* 0 = no cost-based decision */
    char threshold_rule[96];         /* how the flag threshold was chosen, in words */
    /* ---- appended with schema 2 (issue 4) ---- */
    int target_level, target_label, feature_set;
    char target_desc[128];           /* the target in words: "order line: any case within 90 days" */
    as_class_balance balance_train, balance_test;   /* class counts of the training and test rows */
    /* ---- appended with issue 7 ---- */
    int64_t rows_labelled;           /* shop flow: labelled rows in the table */
    int64_t rows_sampled;            /* of them, the rows of the --max-rows sample (0 = no sample: every row) */
    uint32_t sample_seed;
} as_metrics_report;

/* Trains on the database's feature table with the given split and writes metrics for train and test.
 * On success *out owns a model that holds the preprocessing (vocabularies, scaler, PCA) and coefficients. */
as_status as_train_db(as_db *db, const as_train_params *params, as_model **out, as_metrics_report *report,
                      as_error *err);

/* The seed's generic flow on any flat CSV with a target column: drop rows with missing values, one-hot
 * encode text columns, split, standardize (unless params->scale is 0), PCA, logistic regression, metrics. */
as_status as_train_csv(const char *csv_path, const as_train_params *params, as_model **out,
                       as_metrics_report *report, as_error *err);

/* Writes metrics as JSON (the metrics.json beside the model file). */
as_status as_metrics_write_json(const as_metrics_report *report, const char *path, as_error *err);

as_status as_model_save(const as_model *model, const char *path, as_error *err);
as_status as_model_load(const char *path, as_model **out, as_error *err);
void as_model_free(as_model *model);

/* ---------------------------------------------------------------------------------------------------------
 * Score
 * ------------------------------------------------------------------------------------------------------- */

typedef struct as_score_params {
    int64_t from;                    /* score purchase lines ordered at or after this instant (0 = all) */
    const char *lines_csv;           /* output: risk per purchase line (NULL = skip) */
    const char *orders_csv;          /* output: risk per order (NULL = skip) */
    double threshold;                /* flag lines (and orders by their riskiest line) at or above this risk;
                                      * a negative value means the model's own threshold */
} as_score_params;

typedef struct as_score_stats {
    int64_t lines, orders;
    double mean_risk;
    double threshold;                /* the threshold used for flags */
    int64_t flagged_lines, flagged_orders;
    int64_t skipped_missing;         /* --csv: rows not scored because a value the model needs is missing */
    int64_t unseen_categories;       /* rows with a category value the training rows never had */
    int n_classes;                   /* classes of the model that scored (2 = binary) */
    char first_unseen[192];          /* the first unseen value: "row 12: shop=atlantis" (empty when none) */
    /* ---- appended with schema 2 (issue 4) ---- */
    int target_level;                /* as_target_level of the model: AS_TARGET_ORDER scores orders only (lines = 0;
                                      * orders, flagged_orders and mean_risk count orders) */
    /* ---- appended with issue 6 ---- */
    int foreign_model;               /* the model records another database's shop_id: it was trained on another
                                      * shop, and its scores say little about this one's orders */
} as_score_stats;

as_score_params as_score_params_default(void);
/* Scores purchase lines of the database's feature table with a model trained by as_train_db. */
as_status as_score_db(as_db *db, const as_model *model, const as_score_params *params, as_score_stats *stats,
                      as_error *err);
/* Scores the rows of a flat CSV with a model trained by as_train_csv; writes the input's row number,
 * the probability of the positive class and the predicted label to out_csv. */
as_status as_score_csv(const as_model *model, const char *csv_path, const char *out_csv, as_score_stats *stats,
                       as_error *err);

/* ---------------------------------------------------------------------------------------------------------
 * Quality alerts (docs/quality.md): products, suppliers, sellers and categories with a real quality problem
 * ------------------------------------------------------------------------------------------------------- */

typedef struct as_quality_params {
    int64_t min_sales;               /* units with fewer sales in a window are listed but never flagged (default 20) */
    int64_t min_cases;               /* … or with fewer lines that have a case of the signal (default 3) */
    int64_t as_of;                   /* end of both windows (epoch seconds); 0 = the last order in the database */
    int recent_days;                 /* detection window (default 90) */
    int long_days;                   /* stability window (default 365) */
    double credible;                 /* level of the shrunk rate's credible interval (default 0.95) */
    double funnel;                   /* two-sided coverage of the funnel limit that flags (default 0.998) */
    int interval;                    /* raw-rate interval: 0 Wilson (default), 1 Jeffreys, 2 exact (Clopper–Pearson) */
    int min_category_products;       /* smaller categories use the shop-wide prior and rate (default 20) */
    const char *reason_model;        /* model from as_reasons_train for texts the lexicon misses; NULL: lexicon only */
    const char *out_csv;             /* alerts as CSV (NULL: none) */
    const char *out_json;            /* alerts as JSON (NULL: none) */
    const char *out_units_csv;       /* every unit's figures (the funnel plot's data) as CSV (NULL: none) */
} as_quality_params;

typedef struct as_quality_stats {
    int64_t as_of;                   /* end of the windows used */
    int64_t products;                /* products with sales in the long window (table quality_units) */
    int64_t alerts;                  /* rows of table alerts */
    int64_t product_alerts, supplier_alerts, seller_alerts, category_alerts;
    int64_t evidence_cases;          /* cases on a sale that count as evidence (product-related or cause unknown) */
    int64_t excluded_cases;          /* cases on a sale left out because their reason is not about the product
                                      * (delivery, changed mind, wrong item) */
    int64_t model_classified;        /* unrecognised reason texts the reason model put into a class */
    int64_t cases_total;             /* cases opened up to as_of */
    int64_t cases_unattributed;      /* … tied to no sale: no product and an order of several products, neither
                                      * order nor customer, or no purchase found (within 90 days for a case that
                                      * names no order); in no rate */
    double prior_alpha, prior_beta;  /* shop-wide product prior (long window, product-related cases) */
    double overall_rate;             /* share of purchase lines in the long window with evidence */
    double excess_returns;           /* Σ expected excess returns of the product alerts, each in its own window
                                      * (supplier, seller and category alerts hold the same returns again) */
} as_quality_stats;

as_quality_params as_quality_params_default(void);
/* Computes quality figures for every product, supplier, seller and category in both windows, raises alerts and
 * writes tables quality_units, alerts and alert_reasons (replaced on every run) and the requested files. */
as_status as_quality(as_db *db, const as_quality_params *params, as_quality_stats *stats, as_error *err);

/* ---------------------------------------------------------------------------------------------------------
 * Reason classifier (docs/quality.md "Reasons"): hashed words + logistic regression for reason texts the
 * keyword lexicon does not recognise
 * ------------------------------------------------------------------------------------------------------- */

typedef struct as_reasons_train_params {
    const char *labels_csv;          /* labelled texts; NULL: the shop's texts the lexicon recognises (needs db) */
    const char *text_column;         /* default "text" */
    const char *class_column;        /* default "class" */
    const char *const *value_map;    /* "VALUE=class" pairs translating the class column (may be NULL) */
    size_t n_value_map;
    const char *out_model;           /* model file to write (required) */
    int hash_bits;                   /* 8 … 22; 0 = default 14 */
    double C;                        /* 0 = default 1.0 */
    int folds;                       /* k-fold estimate of accuracy before the final fit; 0 = none, default 5 */
} as_reasons_train_params;

typedef struct as_reasons_train_stats {
    int64_t texts;                   /* labelled texts used */
    int64_t skipped;                 /* rows without text or with a class value that was not mapped */
    int64_t per_class[7];            /* by class: size_fit, defective, not_as_described, wrong_item, delivery,
                                      * changed_mind, other */
    double cv_accuracy;              /* k-fold accuracy of the classifier (-1 when folds = 0) */
    double cv_macro_f1;
    double lexicon_accuracy;         /* the lexicon alone on the same labelled texts (-1 when trained on the lexicon) */
    int64_t unrecognised;            /* db texts the lexicon leaves as "other" */
    int64_t reclassified;            /* … of which the model puts into a class with probability ≥ 0.5 */
    int in_model[7];                 /* 1 when class c had enough texts (5) to be in the model */
    int n_examples;                  /* reclassified db texts kept as examples (up to 5, different classes first) */
    char example_text[5][128];       /* … their text (cut at 127 bytes, on a character boundary) */
    int example_class[5];            /* … the class the model gave (index as in per_class) */
    double example_prob[5];          /* … with this probability */
    int64_t example_count[5];        /* … and how many db texts read exactly so */
} as_reasons_train_stats;

as_reasons_train_params as_reasons_train_params_default(void);
/* Trains the reason classifier on a labelled CSV file (params->labels_csv; db may be NULL) or on the shop's case
 * reasons and low-score (≤ 2) review texts that the lexicon recognises, estimates its accuracy by stratified
 * k-fold cross-validation (fixed seed) and writes the model fitted on all texts to params->out_model. A class
 * value that is neither a class name nor mapped is AS_ERR_INVALID naming the value, its line and the classes. */
as_status as_reasons_train(as_db *db, const as_reasons_train_params *params, as_reasons_train_stats *stats,
                           as_error *err);

/* Name of reason class c (0 … 6, as in per_class): "size_fit", "defective", "not_as_described", "wrong_item",
 * "delivery", "changed_mind", "other"; "other" for any other c. */
const char *as_reasons_class_name(int c);

/* A trained reason model for checking it by hand (`aftersales reasons classify`). */
typedef struct as_reason_model as_reason_model;
typedef struct as_reason_result {
    int model_class;                 /* the model's top class (index as in per_class) */
    double model_prob;               /* … and its probability */
    int lexicon_class;               /* the lexicon's class (6 = other: it recognised nothing) */
    int final_class;                 /* what the quality step uses: the lexicon's class when it recognised the text,
                                      * else the model's when its probability is ≥ 0.5, else other */
} as_reason_result;
/* Loads a model file written by as_reasons_train; errors name the file and the key. Free with as_reasons_free. */
as_status as_reasons_load(const char *path, as_reason_model **out, as_error *err);
void as_reasons_classify(const as_reason_model *m, const char *text, size_t len, as_reason_result *out);
void as_reasons_free(as_reason_model *m);

/* ---------------------------------------------------------------------------------------------------------
 * Report (docs/report.md): one self-contained HTML page — the shop at a glance, the return rate over time, the
 * risk model's validation, quality alerts with a funnel plot, the riskiest open orders, data quality
 * ------------------------------------------------------------------------------------------------------- */

typedef struct as_report_params {
    const char *out_html;            /* the page to write (required); written under a temporary name, then renamed */
    const char *model_path;          /* model file from train (the metrics.json beside it gives the validation
                                      * charts); NULL: the model last trained on this database (as_db_note_model),
                                      * else the page says how to add one */
    const char *title;               /* NULL: "After-sales report" */
    int top_orders;                  /* riskiest open orders listed (default 20; 0 = none) */
    int top_alerts;                  /* quality alerts listed (default 25) */
    int max_funnels;                 /* funnel plots: the peer groups of the top product alerts (default 3) */
    int max_funnel_points;           /* products drawn per funnel plot at most (default 2,500): every flagged one,
                                      * then the best sellers; the caption says how many were left out */
    as_progress_fn progress;
    void *progress_user;
} as_report_params;

typedef struct as_report_stats {
    int64_t bytes;                   /* size of the page */
    int charts;                      /* charts drawn (sparklines not counted) */
    int missing_sections;            /* notes about absent data, each naming the command that produces it */
    int64_t alerts_listed;           /* quality alerts in the table */
    int64_t open_orders;             /* open orders scored (placed after the last labelled purchase, no case yet) */
    int64_t open_orders_listed;
    char model_path[1024];           /* the model the page describes ("" = none) */
    double seconds;
    int foreign_model;               /* the model was trained on another database (its shop_id differs) */
    int weak_model;                  /* its test rows show it barely ranks (ROC-AUC < 0.6) or hold < 30 positives */
} as_report_stats;

as_report_params as_report_params_default(void);
/* Writes the report of the database (and of the model, when there is one). Sections whose data is absent (no
 * build, no quality run, no model) say which command produces it; a named model that cannot be loaded is an
 * error. Nothing is written unless the whole page is. */
as_status as_report(as_db *db, const as_report_params *params, as_report_stats *stats, as_error *err);
/* Records in the database the model file last trained on it (its absolute path), so as_report finds it. */
as_status as_db_note_model(as_db *db, const char *model_path, as_error *err);

/* ---------------------------------------------------------------------------------------------------------
 * Simulated shop (the embedded default)
 * ------------------------------------------------------------------------------------------------------- */

typedef struct as_sim_params {
    uint64_t seed;
    int64_t order_lines;             /* approximate number of purchase lines to generate */
    int n_customers, n_products;
    int64_t start;                   /* first order timestamp; the shop runs for `days` days */
    int days;
} as_sim_params;

typedef struct as_sim_stats {
    int64_t customers, products, orders, order_lines, cases, defective_products;
    int64_t reviews;                 /* reviews.csv rows */
} as_sim_stats;

as_sim_params as_sim_params_default(void);
/* Writes a simulated shop as canonical CSV files into folder `dir` (created when absent):
 * customers.csv, products.csv, orders.csv, order_lines.csv, cases.csv, reviews.csv and truth_products.csv,
 * truth_customers.csv, truth_carriers.csv (the planted ground truth). Deterministic for a given seed and size;
 * memory bounded by customers and products, not by lines (docs/simulated-shop.md). */
as_status as_simulate(const as_sim_params *params, const char *dir, as_sim_stats *stats, as_error *err);

/* ---------------------------------------------------------------------------------------------------------
 * Export: the feature table as one flat CSV file, for the analysts' flow and other tools (pandas, LIBLINEAR)
 * ------------------------------------------------------------------------------------------------------- */

typedef struct as_export_params {
    const char *out_csv;             /* the file to write (required); written under "<out_csv>.part", then renamed */
    int target_level;                /* as_target_level: one row per purchase line (default) or per order */
    int target_label;                /* as_target_label: what the `label` column holds: 0/1 (any), the case kind
                                      * or the reason class (text, "none" for no case) */
    int feature_set;                 /* as_feature_set: every model input build wrote (default) or the main set */
    int labelled_only;               /* 1 (default): only rows whose label is known; 0: every row (label empty
                                      * when unknown) */
    int include_ids;                 /* 0 (default): no identifiers (the file is for modelling); 1: order_id,
                                      * line_no, customer_id, product_id (those of the level) come first */
    as_progress_fn progress;         /* step "export", in rows of the table */
    void *progress_user;
} as_export_params;

typedef struct as_export_stats {
    int64_t rows;                    /* data rows written (header excluded) */
    int columns;                     /* columns written, `label` included */
    int columns_dropped_all_missing; /* columns left out because they are NULL on every exported row */
    double seconds;                  /* wall time */
    int64_t bytes;                   /* size of the file */
    char dropped[256];               /* the names of the dropped columns, ", "-separated (cut to fit) */
    int inputs;                      /* model-input columns written (of the feature set) */
    int ids;                         /* identifier columns written (include_ids) */
    int country;                     /* 1 when the country column was added (it is not an input) */
} as_export_stats;

as_export_params as_export_params_default(void);
/* Writes the feature table of a target level as one RFC 4180 CSV: the identifiers (include_ids only), the
 * model's input columns exactly as the shop training flow (as_train_db with the same level, label and feature
 * set) reads them, in table order, then `country` when the level's table has it and it is not an input already,
 * then the target as the last column, named `label`. A column that is NULL on every exported row is left out and
 * counted (pandas' dropna would otherwise drop every row). A NULL cell is the empty field; numbers are written
 * with %.17g (doubles round-trip exactly), whole numbers as integers; text is quoted when it holds a comma, a
 * quote or a line break (and the empty text as ""). One streaming pass in table (time) order with one row in
 * memory; nothing is written unless the whole file is. AS_ERR_STATE naming `aftersales build` when the features
 * are missing or stale, or lack the multiclass labels; AS_ERR_NODATA when no row would be written; AS_ERR_IO when
 * the file cannot be written. */
as_status as_export_csv(as_db *db, const as_export_params *params, as_export_stats *stats, as_error *err);

/* ---------------------------------------------------------------------------------------------------------
 * Small utilities the CLI shares with the library
 * ------------------------------------------------------------------------------------------------------- */

/* Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]", "YYYY-MM-DDTHH:MM[:SS]" or "M/D/YYYY H:MM" into *out. */
as_status as_time_parse(const char *text, int64_t *out, as_error *err);
/* Formats a timestamp as "YYYY-MM-DD HH:MM:SS" (or "YYYY-MM-DD" when date_only). buf needs 20 bytes. */
void as_time_format(int64_t t, int date_only, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* AFTERSALES_H */
