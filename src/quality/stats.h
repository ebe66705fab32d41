/*
 * quality/stats — the statistics behind the quality alerts (DESIGN.md §4 "Quality alerts"), free of any database.
 *
 * Everything here is a pure function of counts: rate intervals (Wilson, Jeffreys, Clopper–Pearson), the beta
 * prior of empirical Bayes (beta-binomial maximum likelihood), posterior (credible) intervals, exact-binomial
 * funnel limits with an over-dispersion adjustment, and the Bernoulli CUSUM that dates an onset. Reference values
 * (scipy / statsmodels / R) are in tests/unit/test_quality_stats.c. No function allocates unless it says so,
 * none prints, and none returns NaN for valid input.
 */
#ifndef AS_QUALITY_STATS_H
#define AS_QUALITY_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* ---- special functions ------------------------------------------------------------------------------- */

/* Regularized incomplete beta I_x(a, b) for a, b > 0 and x in [0, 1] (continued fraction; ≤ 1e-13 relative for
 * a, b ≤ 10⁴, about 1e-10 at 10⁷ next to x ≈ 1, where a rounded x alone moves I by that much). */
double as__beta_inc(double a, double b, double x);
/* Its inverse: the x with I_x(a, b) = p, p in [0, 1] (0 → 0, 1 → 1); the p-quantile of Beta(a, b). */
double as__beta_quantile(double a, double b, double p);
/* Binomial(n, p) cumulative probability P(X ≤ k) (k < 0 → 0, k ≥ n → 1), exact through the incomplete beta. */
double as__binom_cdf(int64_t k, int64_t n, double p);
/* Smallest k with P(X ≤ k) ≥ q (scipy.stats.binom.ppf), q in (0, 1); q ≤ 0 → 0, q ≥ 1 → n. O(log n) cdf calls. */
int64_t as__binom_quantile(double q, int64_t n, double p);
/* Standard normal quantile (Acklam's rational approximation refined by one Halley step, ≤ 1e-15). */
double as__norm_quantile(double p);

/* ---- intervals for a rate k/n (k successes in n ≥ 1 trials) ------------------------------------------ */

typedef enum as_interval_method {
    AS_INTERVAL_WILSON = 0,    /* score interval (default): good coverage, never outside [0, 1] */
    AS_INTERVAL_JEFFREYS,      /* Beta(k + ½, n − k + ½) quantiles; 0 when k = 0, 1 when k = n */
    AS_INTERVAL_EXACT          /* Clopper–Pearson: Beta(k, n − k + 1) and Beta(k + 1, n − k) quantiles */
} as_interval_method;

/* Two-sided interval of level `level` (e.g. 0.95). Ends clamped to [0, 1]; exactly 0 when k = 0 and exactly 1 when
 * k = n for every method. */
void as__rate_interval(as_interval_method m, int64_t k, int64_t n, double level, double *lo, double *hi);
/* "wilson" / "jeffreys" / "exact"; parse returns -1 for an unknown name. */
const char *as__interval_name(as_interval_method m);
int as__interval_parse(const char *name);

/* ---- empirical Bayes: the beta prior ------------------------------------------------------------------- */

/* One unit's trials n (≥ 1) and successes k (0 ≤ k ≤ n). */
typedef struct as_bb_count {
    int64_t n, k;
} as_bb_count;

typedef struct as_bb_fit {
    double alpha, beta;   /* > 0 and finite always */
    int method;           /* AS_BB_ML, AS_BB_MOMENTS or AS_BB_WEAK (see below) */
    int iterations;       /* Newton iterations of the ML step */
} as_bb_fit;

enum {
    AS_BB_ML = 0,        /* beta-binomial maximum likelihood converged */
    AS_BB_MOMENTS = 1,   /* the likelihood has no interior maximum (α+β → ∞: no over-dispersion) or did not
                          * converge; the method-of-moments estimate (or a strong prior at the pooled rate) is kept */
    AS_BB_WEAK = 2       /* too little information (< 2 units, no variation, every n = 1): weak prior of strength 2
                          * centred on the pooled rate (half a case pulled in when it is 0 or 1) */
};

/* Beta-binomial maximum likelihood of (α, β) from m units: start from the method of moments (the sales-weighted
 * ANOVA estimator), then Newton on (log α, log β) with step halving; the log-likelihood
 *   Σ_i [ lnB(k_i + α, n_i − k_i + β) − lnB(α, β) ]
 * is evaluated with differences of lgamma summed as Σ_{j<k} ln(α + j) when k is small, so it stays accurate for
 * large n. When the likelihood increases without bound towards α+β → ∞ (the counts vary less than binomial noise),
 * the strength is capped at AS_BB_MAX_STRENGTH and method is AS_BB_MOMENTS. */
#define AS_BB_MAX_STRENGTH 1e6
void as__betabin_fit(const as_bb_count *c, size_t m, as_bb_fit *fit);

/* The same likelihood with each unit's prior mean known (μ_i in (0, 1), e.g. the rate expected from a seller's mix
 * of categories): α_i = s·μ_i, β_i = s·(1 − μ_i); returns the ML strength s (> 0, at most AS_BB_MAX_STRENGTH) by a
 * one-dimensional search on log s. m < 2 or no information → 2. */
double as__betabin_fit_strength(const as_bb_count *c, const double *mu, size_t m);

/* Posterior of a unit under the prior Beta(α, β): mean (k + α)/(n + α + β) and the central credible interval of
 * level `level` from Beta(α + k, β + n − k). */
double as__shrunk_rate(int64_t k, int64_t n, double alpha, double beta);
void as__credible_interval(int64_t k, int64_t n, double alpha, double beta, double level, double *lo, double *hi);

/* ---- funnel limits --------------------------------------------------------------------------------------- */

/* Exact binomial control limit around p0 for n trials at one-sided probability q (0.975, 0.999 for the upper
 * 95 % / 99.8 % limits; 0.025, 0.001 for the lower ones), with Spiegelhalter's interpolation (Stat Med 2005):
 * r = binom quantile(q), a = (F(r) − q)/(F(r) − F(r − 1)), limit = (r − a)/n, never on the wrong side of p0 (upper
 * limits ≥ p0, lower ≤ p0: at n·p0 ≪ 1 the interpolation can cross it) and clamped to [0, 1].
 * p0 = 0.14042: n = 26 → 0.26672 (q = 0.975), 0.36866 (0.999); n = 7592 → 0.14821 (0.975; scipy 0.1482141, which
 * the issue rounded to 0.14822). */
double as__funnel_limit(double p0, int64_t n, double q);

/* Over-dispersion among m units around their baselines p0_i, on the logit scale: τ²_l, the variance of the units'
 * true logits around logit p0_i beyond binomial noise.
 *
 * Why the logit scale: rates of sound units spread multiplicatively (an effect shifts the logit), so on the rate
 * scale the spread is skewed and an estimate there misses the long upper tail an upper limit needs. Each unit gives
 * θ_i = logit r̃_i − logit p0_i with the empirical logit r̃_i = (k_i + ½)/(n_i + 1), sampling variance
 * s_i² = 1/w_i, w_i = n_i p0_i (1 − p0_i), and z_i = θ_i √w_i. A unit enters when z is near-normal: n_i ≥ min_n and
 * at least 5 expected cases and 5 expected non-cases. Units whose z lies more than 3 robust standard deviations
 * (1.4826 · MAD) from the median z are left out — units with a real problem must not widen the band they are
 * tested against (Spiegelhalter 2005 winsorizes at the 10 % / 90 % points for the same reason; that also trims the
 * sound units' own tails and understated their spread by a fifth on simulated shops). τ²_l is then the
 * Paule–Mandel estimate: the τ² at which Σ (θ_i − θ̄)²/(s_i² + τ²) (θ̄ the weighted mean) equals m − 1, 0 when
 * it is below m − 1 at τ² = 0 (Paule–Mandel is not biased low for large spread as DerSimonian–Laird is; Veroniki et
 * al., Res Synth Methods 2016). Returns -1 when fewer than min_units units are left ("not estimable"). scratch
 * holds 3·m doubles. */
double as__dispersion_logit(const as_bb_count *c, const double *p0, size_t m, int64_t min_n, size_t min_units,
                            double *scratch);

/* The exact limit widened by τ²_l on the logit scale:
 *   logistic(logit p0 + (logit L − logit p0) · sqrt(1 + τ²_l / s²)),  L = as__funnel_limit(p0, n, q),
 * s² = 1/(n p0 (1 − p0)); equals L when τ²_l ≤ 0 or p0 ∉ (0, 1). Keeps the exact limit's shape at small n (where
 * the normal approximation is poor) and widens it as a random effect on the logit would. */
double as__funnel_limit_logit(double p0, int64_t n, double q, double tau2);

/* ---- Bernoulli CUSUM ----------------------------------------------------------------------------------- */

/* The increments of a Bernoulli CUSUM tuned to detect a shift from p0 to p1 (0 < p0 < p1 < 1):
 * a success adds ln(p1/p0), a failure ln((1 − p1)/(1 − p0)). p0 = 0.05, p1 = 0.10: +0.69315 / −0.05407. */
void as__cusum_weights(double p0, double p1, double *w_success, double *w_failure);

/* Runs S_t = max(0, S_{t−1} + w(x_t)) over x[0 … n−1] (0/1) and dates the change: the onset is the first
 * observation after the last time S was 0 before it reached its maximum (the change-point estimate of Page's
 * CUSUM). Returns that index (0 … n−1), or -1 when S never leaves 0. *peak gets the maximum of S. */
int64_t as__cusum_onset(const unsigned char *x, size_t n, double p0, double p1, double *peak);

#endif
