/*
 * model — the trained pipeline: input columns → one-hot (stored vocabulary) → standardize → PCA → logistic
 * regression. Everything needed to score raw rows lives here and in the model file.
 */
#ifndef AS_MODEL_H
#define AS_MODEL_H

#include "ml/ml.h"

typedef enum as_model_source { AS_MODEL_SHOP = 0, AS_MODEL_CSV = 1 } as_model_source;

typedef struct as_catvar {
    char *name;
    size_t n_levels;
    char **levels;             /* sorted byte-wise (as pandas.get_dummies orders them) */
} as_catvar;

struct as_model {
    int format_version;
    as_model_source source;
    size_t n_num;              /* numeric input columns */
    char **num_names;
    size_t n_cat;              /* categorical input columns */
    as_catvar *cats;
    size_t p;                  /* encoded width = n_num + Σ levels */
    int scaled;
    double *mean, *scale;      /* p each; scale 1 / mean 0 when not scaled */
    int has_pca;
    as_pca pca;                /* k components over the p encoded columns */
    size_t dim;                /* width the regression sees: pca.k or p */
    double *coef;              /* dim */
    double intercept;
    double C;
    double threshold;          /* probability at or above which a row is flagged (0.5) */
    char *target;              /* CSV flow: target column, and the labels of classes 0 and 1 */
    char *label0, *label1;
    int horizon_days;          /* shop flow */
    char **na_tokens;          /* CSV flow: the extra missing-value tokens training used (scoring uses them too) */
    size_t n_na_tokens;
    as_metrics_report report;  /* how the model was validated */
};

/* Encodes one row: num[n_num] (NaN allowed only if the caller guarantees no missing values) and cat[n_cat]
 * strings into out[p]: numeric columns first, then one indicator per level of each categorical column.
 * Returns the number of categorical values not in the vocabulary (they encode as all zeros). */
size_t as__model_encode(const as_model *m, const double *num, const char *const *cat, double *out);
/* Builds the encoded names ("country=Germany") into names[p] (strings owned by the caller's arena). */
as_status as__model_encoded_names(const as_model *m, as_arena *a, char **names);
/* Probability of class 1 for an encoded row x[p]; when contrib is not NULL it receives each encoded
 * column's contribution to the logit (for explanations), computed through the scaler and PCA from eff, the
 * effective weights of as__model_effective_weights (computed once per scoring run, not per row). */
double as__model_predict_encoded(const as_model *m, const double *x, double *work, const double *eff,
                                 double *contrib);
/* Effective weights on the standardized encoded columns (componentsᵀ · coef with PCA). eff[p]. */
void as__model_effective_weights(const as_model *m, double *eff);
as_model *as__model_new(void);

#endif
