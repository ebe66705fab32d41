/*
 * model — the trained pipeline: input columns → imputation → one-hot (stored vocabulary, rare values pooled)
 * → standardize → PCA → logistic regression (binary or multinomial), or input columns → one-hot → boosted trees.
 * Everything needed to score raw rows lives here and in the model file (format 2; format 1 files load too).
 */
#ifndef AS_MODEL_H
#define AS_MODEL_H

#include "ml/ml.h"

typedef enum as_model_source { AS_MODEL_SHOP = 0, AS_MODEL_CSV = 1 } as_model_source;

#define AS_OTHER_LEVEL "(other)"

typedef struct as_catvar {
    char *name;
    size_t n_levels;
    char **levels;             /* sorted byte-wise (as pandas.get_dummies orders them) */
    size_t n_pooled;           /* training values seen in fewer than min_level_count rows: they share one
                                * indicator column, "(other)", placed after the levels (sorted byte-wise) */
    char **pooled;
    char *fill;                /* value imputed for a missing entry; NULL = no imputation */
} as_catvar;

/* Encoded width of one categorical column. */
static inline size_t as__catvar_width(const as_catvar *v) { return v->n_levels + (v->n_pooled > 0); }

struct as_model {
    int format_version;
    as_model_source source;
    int kind;                  /* as_model_kind */
    size_t n_num;              /* numeric input columns */
    char **num_names;
    double *num_fill;          /* n_num imputed values (NaN = no imputation); NULL when nothing is imputed */
    size_t n_cat;              /* categorical input columns */
    as_catvar *cats;
    int impute;                /* as_impute the model was trained with */
    size_t p;                  /* encoded width = n_num + Σ widths */
    /* ---- fitted on the training rows (see as__model_free_fitted) ---- */
    int scaled;
    double *mean, *scale;      /* p each; scale 1 / mean 0 when not scaled (logistic regression only) */
    int has_pca;
    as_pca pca;                /* k components over the p encoded columns */
    size_t dim;                /* width the regression sees: pca.k or p */
    size_t n_out;              /* coefficient rows: 1 (binary) or n_classes (multinomial) */
    double *coef;              /* n_out × dim */
    double *intercepts;        /* n_out */
    as_gbdt *gbdt;             /* boosted trees (kind == AS_MODEL_GBDT) */
    /* ---- what the model predicts ---- */
    int n_classes;             /* 2 = binary */
    char **class_labels;       /* n_classes: the target's values, class 0 first */
    int penalty;               /* as_penalty */
    double C;
    double threshold;          /* binary: probability at or above which a row is flagged */
    char *target;
    int horizon_days;          /* shop flow */
    char **na_tokens;          /* CSV flow: the extra missing-value tokens training used (scoring uses them too) */
    size_t n_na_tokens;
    double return_cost, contact_cost, contact_success;   /* the decision's costs (0 = none) */
    as_metrics_report report;  /* how the model was validated */
    /* ---- shop flow, issue 4 (model files without these keys load as line / any / all) ---- */
    int target_level;          /* as_target_level: scores `features` (line) or `order_features` (order) */
    int target_label;          /* as_target_label: binary (any) or multiclass (kind, reason; class 0 "none") */
    int feature_set;           /* as_feature_set the model was trained with */
    char *target_desc;         /* "order line: any case within 90 days"; NULL when not recorded */
    int build_moment;          /* the build options of the features it was trained on (as_moment; hashed-word */
    int build_hash_buckets;    /* buckets), so a user can rebuild to match; −1 = not recorded */
    char *shop_id;             /* meta shop_id of the database it was trained on (shop flow; NULL: not recorded) */
};

as_model *as__model_new(void);
/* Frees what training fits (scaler, PCA, coefficients, booster) and zeroes those fields; the encoding stays. */
void as__model_free_fitted(as_model *m);

/* Encodes one row: num[n_num] and cat[n_cat] (NULL = missing) into out[p]: numeric columns first, then one
 * indicator per level of each categorical column (plus "(other)" for pooled values). Missing values take the
 * model's imputed value when it has one; otherwise a missing number stays NaN and a missing text value makes
 * all its indicators NaN (only boosted trees accept NaN). Returns the number of categorical values that are
 * neither a level nor pooled (they encode as all zeros); adds imputed values to *imputed when not NULL. */
size_t as__model_encode(const as_model *m, const double *num, const char *const *cat, double *out, int64_t *imputed);
/* Input column (0 .. n_num + n_cat) each encoded column comes from: src[p]. */
void as__model_encoded_sources(const as_model *m, size_t *src);
/* Encoded column names ("country=Germany", "country=(other)") into names[p] (strings in the caller's arena). */
as_status as__model_encoded_names(const as_model *m, as_arena *a, char **names);

/* Width of the probability output per row: 1 for binary (probability of class 1), n_classes otherwise. */
static inline size_t as__model_prob_width(const as_model *m) { return m->n_classes > 2 ? (size_t)m->n_classes : 1; }

/* Predicts n encoded rows X (n × p). prob: n × as__model_prob_width. When contrib is not NULL it receives, per
 * row, each input column's contribution to the margin of class 1 (binary) or of the row's predicted class,
 * n × (n_num + n_cat): logistic regression through the scaler and PCA (exact: the margin is intercept +
 * Σ contributions + the constant of centring), boosted trees by TreeSHAP. */
as_status as__model_predict(const as_model *m, const double *X, size_t n, double *prob, double *contrib,
                            as_error *err);

#endif
