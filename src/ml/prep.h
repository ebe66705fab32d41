/*
 * prep — column preprocessing fitted on training rows: standardization and PCA.
 * Matrices are dense, row-major, double: X[i * p + j] is row i, column j.
 */
#ifndef AS_ML_PREP_H
#define AS_ML_PREP_H

#include <stddef.h>

#include "core/core.h"

/* ---- standardization (StandardScaler: mean, population standard deviation; zero variance → scale 1) ---- */
void as__standardize_fit(const double *X, size_t n, size_t p, double *mean, double *scale);
/* The mean as__standardize_fit computes (compensated, constant columns exact), without the scale. */
void as__standardize_mean(const double *X, size_t n, size_t p, double *mean);
void as__standardize_apply(double *X, size_t n, size_t p, const double *mean, const double *scale);

/* ---- PCA (sklearn.decomposition.PCA, full solver semantics) ---- */
#define AS_PCA_MAX_COLUMNS 4096   /* wider input is refused with AS_ERR_INVALID (p³ work) */
typedef struct as_pca {
    size_t p, k;               /* input columns, components kept */
    double *mean;              /* p */
    double *components;        /* k × p, row-major: component c is components[c*p .. c*p+p) */
    double *explained_variance;        /* k (ddof = 1) */
    double *explained_variance_ratio;  /* k */
    double total_variance;
    /* the whole spectrum, for the explained-variance table: min(n, p) entries (owned) */
    size_t n_all;
    double *all_variance_ratio;
} as_pca;
/* Fits on X (n × p). `variance` in (0,1): keep the smallest k whose cumulative explained-variance ratio is
 * strictly greater than it (scikit-learn: searchsorted(stable_cumsum(ratio), variance, side="right") + 1);
 * variance ≥ 1: keep that many components (an integer; more than min(n, p) is AS_ERR_INVALID). Signs follow
 * scikit-learn 1.2's svd_flip(u_based_decision=True): in each component, the projected training row with the
 * largest absolute value is positive. AS_ERR_NUMERIC on zero total variance or a LAPACK failure. */
as_status as__pca_fit(const double *X, size_t n, size_t p, double variance, as_pca *out, as_error *err);
/* Z (n × k) = (X − mean) · componentsᵀ. */
void as__pca_transform(const as_pca *pca, const double *X, size_t n, double *Z);
void as__pca_free(as_pca *pca);

#endif
