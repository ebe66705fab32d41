/*
 * quality — private header: the statistics behind the quality list, exposed for the unit tests.
 */
#ifndef AS_QUALITY_H
#define AS_QUALITY_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* The 97.5 % quantile of the standard normal: a two-sided 95 % interval. */
#define AS_Z95 1.959963984540054

/* One product's sales n (purchase lines, ≥ 1) and cases k (0 ≤ k ≤ n). */
typedef struct as_quality_count {
    int64_t n, k;
} as_quality_count;

/* Wilson score interval for k successes in n ≥ 1 trials at normal quantile z. The ends are clamped to
 * [0, 1] and are exactly 0 when k = 0 and exactly 1 when k = n (the closed form reaches them only up to
 * rounding). */
void as__wilson(int64_t k, int64_t n, double z, double *lo, double *hi);

/* Fits a beta prior Beta(alpha, beta) to m products' counts by the method of moments (the estimator is
 * derived in quality.c). Returns 1 when the moment estimate was usable and 0 when it fell back to the weak
 * prior of strength 2 centred on the overall rate (fewer than two products, no variation, all n = 1,
 * or between-product variance estimated at or below zero). alpha and beta are always finite and > 0. */
int as__beta_prior_fit(const as_quality_count *c, size_t m, double *alpha, double *beta);

#endif
