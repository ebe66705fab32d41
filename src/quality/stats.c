/*
 * quality/stats — special functions, rate intervals, the beta-binomial prior, funnel limits and the Bernoulli
 * CUSUM behind the quality alerts. Pure functions of counts; the contract of each is in stats.h.
 *
 * Accuracy for large counts is the theme of this file. Products sell up to millions of units, and the naive
 * formulas lose digits there: lgamma(10⁷) is about 1.5·10⁸, so a difference of two such values keeps only eight
 * significant digits of the number that matters. Every place that would subtract large lgamma values instead
 * uses a form whose terms are of the size of the result (sums of logarithms for short runs, Stirling's series
 * written around the ratio for long ones, log1p(u) − u for the powers in the incomplete beta).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quality/stats.h"

#define LN_SQRT_2PI 0.91893853320467274178

/* ---------------------------------------------------------------------------------------------------------
 * Gamma-function pieces that stay accurate for large arguments
 * ------------------------------------------------------------------------------------------------------- */

/* Below this the Stirling series is not used; above it eight terms give full double precision. */
#define STIRLING_MIN 10.0
/* Runs this short are summed term by term (exact to rounding), longer ones go through Stirling. */
#define SHORT_RUN 16

/* δ(z) = lnΓ(z) − [(z − ½) ln z − z + ln √(2π)], z ≥ 10: the Stirling correction, small (≤ 1/(12z)) and so
 * accurate in absolute terms where lnΓ itself would not be. */
static double stirling_delta(double z) {
    double r = 1.0 / z, r2 = r * r;
    return r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 + r2 * (1.0 / 1188
        + r2 * (-691.0 / 360360 + r2 * (1.0 / 156 + r2 * (-3617.0 / 122400))))))));
}

/* lnΓ(x + d) − lnΓ(x) for x ≥ 10, d ≥ 0 real, written so no term is much larger than the result. */
static double lgamma_ratio_big(double x, double d) {
    return (x - 0.5) * log1p(d / x) + d * log(x + d) - d + stirling_delta(x + d) - stirling_delta(x);
}

/* lnΓ(x + j) − lnΓ(x) = Σ_{t<j} ln(x + t), x > 0, j ≥ 0. */
static double lgamma_run(double x, int64_t j) {
    double s = 0;
    if (j <= SHORT_RUN) {
        for (int64_t t = 0; t < j; t++) s += log(x + (double)t);
        return s;
    }
    /* Step x up to the Stirling range by exact terms (j > 16 > the steps needed). */
    for (; x < STIRLING_MIN; x += 1.0, j--) s += log(x);
    return s + lgamma_ratio_big(x, (double)j);
}

/* ψ(z) − ln z for z ≥ 10 (asymptotic series, full precision). */
static double digamma_minus_log(double z) {
    double r = 1.0 / z, r2 = r * r;
    return -0.5 * r - r2 * (1.0 / 12 + r2 * (-1.0 / 120 + r2 * (1.0 / 252 + r2 * (-1.0 / 240
        + r2 * (1.0 / 132 + r2 * (-691.0 / 32760 + r2 * (1.0 / 12)))))));
}

/* ψ(x + j) − ψ(x) = Σ_{t<j} 1/(x + t). */
static double digamma_run(double x, int64_t j) {
    double s = 0;
    if (j <= SHORT_RUN) {
        for (int64_t t = 0; t < j; t++) s += 1.0 / (x + (double)t);
        return s;
    }
    for (; x < STIRLING_MIN; x += 1.0, j--) s += 1.0 / x;
    double xj = x + (double)j;
    return s + log1p((double)j / x) + digamma_minus_log(xj) - digamma_minus_log(x);
}

/* ψ'(z) − 1/z for z ≥ 10. */
static double trigamma_minus_recip(double z) {
    double r = 1.0 / z, r2 = r * r;
    return r2 * (0.5 + r * (1.0 / 6 + r2 * (-1.0 / 30 + r2 * (1.0 / 42 + r2 * (-1.0 / 30
        + r2 * (5.0 / 66 + r2 * (-691.0 / 2730 + r2 * (7.0 / 6))))))));
}

/* ψ'(x + j) − ψ'(x) = −Σ_{t<j} 1/(x + t)² (≤ 0). */
static double trigamma_run(double x, int64_t j) {
    double s = 0;
    if (j <= SHORT_RUN) {
        for (int64_t t = 0; t < j; t++) s -= 1.0 / ((x + (double)t) * (x + (double)t));
        return s;
    }
    for (; x < STIRLING_MIN; x += 1.0, j--) s -= 1.0 / (x * x);
    double xj = x + (double)j;
    /* 1/(x+j) − 1/x in the form without cancellation */
    return s - (double)j / (x * xj) + trigamma_minus_recip(xj) - trigamma_minus_recip(x);
}

/* log1p(u) − u without the cancellation of the subtraction when u is small (u > −1). With t = u/(2 + u),
 * log1p(u) = 2 atanh t = 2(t + t³/3 + t⁵/5 + …) and u − 2t = u·t, so log1p(u) − u = −u·t + 2(t³/3 + t⁵/5 + …). */
static double log1pmx(double u) {
    if (fabs(u) > 0.5) return log1p(u) - u;
    double t = u / (2.0 + u), t2 = t * t, term = t * t2, s = 0;
    for (int i = 3; i < 60; i += 2) {
        double add = term / i;
        s += add;
        if (fabs(add) <= 1e-17 * fabs(s)) break;
        term *= t2;
    }
    return -u * t + 2.0 * s;
}

/* x^a y^b / B(a, b) with y = 1 − x. Both are passed because the smaller of the two is the exact one (the
 * caller's x, or the p of a binomial); the logarithm of the larger is taken as log1p of minus the smaller, so
 * b·ln y keeps its digits when y = 1 − 1e-12 and b = 10⁷. */
static double beta_power(double a, double b, double x, double y) {
    if (x <= 0.0 || y <= 0.0) return 0.0;
    double lx = x <= y ? log(x) : log1p(-y), ly = x <= y ? log1p(-x) : log(y);
    if (a >= STIRLING_MIN && b >= STIRLING_MIN) {
        /* Γ(a+b)/(Γ(a)Γ(b)) by Stirling: √(ab/(2π(a+b))) · (a+b)^(a+b)/(a^a b^b) · e^{δ(a+b) − δ(a) − δ(b)}, so
         * the power becomes (1 + u)^a (1 + v)^b with 1 + u = x(a+b)/a, 1 + v = y(a+b)/b. The first-order parts
         * of the exponents, a·u = −b·v, cancel exactly and are dropped; the rest is a·(ln(1+u) − u), by log1pmx
         * near the mode and from ln x itself far from it (where 1 + u would have lost its digits). */
        double s = a + b;
        double d = x <= y ? x * s - a : b - y * s;   /* a·u, from the exact one of x and y */
        double u = d / a, v = -d / b;
        double eu = fabs(u) <= 0.5 ? a * log1pmx(u) : a * (lx + log(s / a)) - d;
        double ev = fabs(v) <= 0.5 ? b * log1pmx(v) : b * (ly + log(s / b)) + d;
        double e = eu + ev + stirling_delta(s) - stirling_delta(a) - stirling_delta(b);
        return sqrt(a * b / s) * exp(e - LN_SQRT_2PI);
    }
    double lnb;   /* ln B(a, b) */
    if (a >= STIRLING_MIN) lnb = lgamma(b) - lgamma_ratio_big(a, b);
    else if (b >= STIRLING_MIN) lnb = lgamma(a) - lgamma_ratio_big(b, a);
    else lnb = lgamma(a) + lgamma(b) - lgamma(a + b);
    return exp(a * lx + b * ly - lnb);
}

/* The continued fraction of I_x(a, b) (modified Lentz), converging fast for x < (a + 1)/(a + b + 2). It takes
 * O(√max(a, b)) terms for large parameters, hence the generous cap. */
static double beta_cf(double a, double b, double x) {
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 1000000; m++) {
        double mm = m, m2 = 2.0 * m;
        double aa = mm * (b - mm) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + mm) * (qab + mm) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) <= 2.0 * DBL_EPSILON) break;
    }
    return h;
}

/* I_x(a, b) with y = 1 − x given separately. */
static double beta_inc_xy(double a, double b, double x, double y) {
    if (x <= 0.0) return 0.0;
    if (y <= 0.0) return 1.0;
    double front = beta_power(a, b, x, y);
    if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_cf(a, b, x) / a;
    return 1.0 - front * beta_cf(b, a, y) / b;
}

double as__beta_inc(double a, double b, double x) {
    if (!(x > 0.0)) return 0.0;
    if (x >= 1.0) return 1.0;
    return beta_inc_xy(a, b, x, 1.0 - x);
}

/* ---------------------------------------------------------------------------------------------------------
 * Quantiles
 * ------------------------------------------------------------------------------------------------------- */

double as__norm_quantile(double p) {
    if (!(p > 0.0)) return -INFINITY;
    if (p >= 1.0) return INFINITY;
    /* Solve in the lower tail, where 1 − p is exact (p > ½), so the upper tail keeps full relative accuracy. */
    if (p > 0.5) return -as__norm_quantile(1.0 - p);
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                               1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                               -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    double x;
    if (p < 0.02425) {
        double q = sqrt(-2.0 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    } else {
        double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    }
    /* One Halley step on Φ(x) = p (Acklam's refinement) takes the 1e-9 approximation to full precision. The
     * residual is scaled as (Φ(x)/p − 1)·p·e^{x²/2} so the far tail (p = 1e-300, x ≈ −37) does not overflow. */
    double cdf = 0.5 * erfc(-x * 0.70710678118654752440);
    if (cdf > 0.0) {
        double u = (cdf / p - 1.0) * 2.5066282746310002 * exp(log(p) + 0.5 * x * x);
        x = x - u / (1.0 + 0.5 * x * u);
    }
    return x;
}

/* Beta(a, b) quantile: Halley iteration on I_x(a, b) = p inside a bisection bracket that shrinks at every step,
 * so a wild step (a flat or steep density at a tiny a or b) falls back to bisection. For p > ½ the residual is
 * taken in the upper tail, (1 − p) − I_{1−x}(b, a), where 1 − p is exact: no cancellation against a number close
 * to 1, and x itself is still the unknown so quantiles close to 0 keep their relative accuracy. */
double as__beta_quantile(double a, double b, double p) {
    if (!(p > 0.0)) return 0.0;
    if (p >= 1.0) return 1.0;
    int upper = p > 0.5;
    double pc = 1.0 - p;
    /* Start (Numerical Recipes' invbetai): the normal approximation for a, b ≥ 1, else the power laws that
     * hold near each end. */
    double x;
    if (a >= 1.0 && b >= 1.0) {
        double z = -as__norm_quantile(p);
        double al = (z * z - 3.0) / 6.0;
        double h = 2.0 / (1.0 / (2.0 * a - 1.0) + 1.0 / (2.0 * b - 1.0));
        double w = z * sqrt(al + h) / h - (1.0 / (2.0 * b - 1.0) - 1.0 / (2.0 * a - 1.0)) * (al + 5.0 / 6.0 - 2.0 / (3.0 * h));
        x = a / (a + b * exp(2.0 * w));
    } else {
        double lna = log(a / (a + b)), lnb = log(b / (a + b));
        double t = exp(a * lna) / a, u = exp(b * lnb) / b, w = t + u;
        if (p < t / w) x = pow(a * w * p, 1.0 / a);
        else x = 1.0 - pow(b * w * pc, 1.0 / b);
    }
    double lo = 0.0, hi = 1.0;
    if (!(x > 0.0 && x < 1.0)) x = 0.5;
    for (int it = 0; it < 1000; it++) {
        double y = 1.0 - x;
        double f = upper ? pc - beta_inc_xy(b, a, y, x) : beta_inc_xy(a, b, x, y) - p;   /* I_x(a, b) − p */
        if (f == 0.0) return x;
        if (f < 0.0) lo = x;
        else hi = x;
        double dens = beta_power(a, b, x, y) / (x * y);
        double next = -1.0;
        if (dens > 0.0 && isfinite(dens)) {
            double step = f / dens;
            double curv = (a - 1.0) / x - (b - 1.0) / y;   /* f''/f' */
            double halley = 1.0 - 0.5 * step * curv;
            if (halley > 0.5 && halley < 2.0) step /= halley;   /* keep Halley only while it is a correction */
            next = x - step;
            if (fabs(step) <= 4.0 * DBL_EPSILON * fmin(x, y) && next > lo && next < hi) return next;
        }
        if (!(next > lo && next < hi)) {
            /* Bisect; near 0 by decades, since quantiles of a small a can be 1e-30 and beyond. */
            if (lo == 0.0) next = hi * 0.01;
            else if (hi > 4.0 * lo) next = sqrt(lo * hi);
            else next = 0.5 * (lo + hi);
        }
        if (hi - lo <= 2.0 * DBL_EPSILON * lo || next == x) return next;
        x = next;
    }
    return x;
}

double as__binom_cdf(int64_t k, int64_t n, double p) {
    if (k < 0) return 0.0;
    if (k >= n) return 1.0;
    if (!(p > 0.0)) return 1.0;
    if (p >= 1.0) return 0.0;
    /* P(X ≤ k) = I_{1−p}(n − k, k + 1), with p itself handed down as the complement (exact for small p). */
    return beta_inc_xy((double)(n - k), (double)(k + 1), 1.0 - p, p);
}

int64_t as__binom_quantile(double q, int64_t n, double p) {
    if (n <= 0 || !(q > 0.0) || !(p > 0.0)) return 0;
    if (q >= 1.0 || p >= 1.0) return n;
    /* Start at the Cornish–Fisher approximation, then gallop (steps 1, 2, 4, …) to a bracket and bisect it:
     * O(log √n) evaluations of the cdf, each O(√n) continued-fraction terms at worst. Exactness comes from the
     * final bracket [below, at] with cdf(below) < q ≤ cdf(at), the rule of scipy (boost) binom.ppf. */
    double nn = (double)n, mean = nn * p, sd = sqrt(nn * p * (1.0 - p));
    double z = as__norm_quantile(q), skew = (1.0 - 2.0 * p) / sd;
    double guess = floor(mean + sd * (z + skew * (z * z - 1.0) / 6.0) + 0.5);
    int64_t k = guess < 0.0 ? 0 : guess > nn ? n : (int64_t)guess;
    int64_t below, at;   /* cdf(below) < q ≤ cdf(at); below = −1 stands for "cdf(−1) = 0" */
    if (as__binom_cdf(k, n, p) >= q) {
        at = k;
        int64_t step = 1;
        for (;;) {
            int64_t t = at - step < -1 ? -1 : at - step;
            if (t < 0 || as__binom_cdf(t, n, p) < q) { below = t; break; }
            at = t;
            step *= 2;
        }
    } else {
        below = k;
        int64_t step = 1;
        for (;;) {
            int64_t t = below + step > n ? n : below + step;
            if (as__binom_cdf(t, n, p) >= q) { at = t; break; }
            below = t;
            step *= 2;
        }
    }
    while (at - below > 1) {
        int64_t mid = below + (at - below) / 2;
        if (as__binom_cdf(mid, n, p) >= q) at = mid;
        else below = mid;
    }
    return at;
}

/* ---------------------------------------------------------------------------------------------------------
 * Intervals for a rate
 * ------------------------------------------------------------------------------------------------------- */

void as__rate_interval(as_interval_method m, int64_t k, int64_t n, double level, double *lo, double *hi) {
    if (n < 1) { *lo = 0.0; *hi = 1.0; return; }
    if (k < 0) k = 0;
    if (k > n) k = n;
    double rate = (double)k / (double)n;
    /* A level of 1 or more covers everything; 0 or less (or NaN) shrinks to the point estimate. */
    if (level >= 1.0) { *lo = 0.0; *hi = 1.0; return; }
    if (!(level > 0.0)) { *lo = *hi = rate; return; }
    double tail = 0.5 * (1.0 - level);
    double l, h;
    switch (m) {
    case AS_INTERVAL_JEFFREYS:
        l = as__beta_quantile((double)k + 0.5, (double)(n - k) + 0.5, tail);
        h = as__beta_quantile((double)k + 0.5, (double)(n - k) + 0.5, 1.0 - tail);
        break;
    case AS_INTERVAL_EXACT:
        l = k == 0 ? 0.0 : as__beta_quantile((double)k, (double)(n - k + 1), tail);
        h = k == n ? 1.0 : as__beta_quantile((double)(k + 1), (double)(n - k), 1.0 - tail);
        break;
    case AS_INTERVAL_WILSON:
    default: {
        double z = -as__norm_quantile(tail), nn = (double)n, z2 = z * z;
        double denom = 1.0 + z2 / nn;
        double centre = (rate + z2 / (2.0 * nn)) / denom;
        double half = z * sqrt(rate * (1.0 - rate) / nn + z2 / (4.0 * nn * nn)) / denom;
        l = centre - half;
        h = centre + half;
        break;
    }
    }
    *lo = k == 0 ? 0.0 : fmin(1.0, fmax(0.0, l));
    *hi = k == n ? 1.0 : fmin(1.0, fmax(0.0, h));
}

static const char *const interval_names[] = {"wilson", "jeffreys", "exact"};

/* An out-of-range method names the one as__rate_interval falls back to. */
const char *as__interval_name(as_interval_method m) {
    return (unsigned)m < sizeof interval_names / sizeof *interval_names ? interval_names[m] : "wilson";
}

int as__interval_parse(const char *name) {
    if (!name) return -1;
    for (size_t i = 0; i < sizeof interval_names / sizeof *interval_names; i++)
        if (strcmp(name, interval_names[i]) == 0) return (int)i;
    return -1;
}

/* ---------------------------------------------------------------------------------------------------------
 * Empirical Bayes: the beta prior
 * ------------------------------------------------------------------------------------------------------- */

/* Strength search range (log scale): below 1e-4 a prior is two point masses at 0 and 1 for any purpose. */
#define BB_MIN_STRENGTH 1e-4

/* One unit's log-likelihood lnB(k + α, n − k + β) − lnB(α, β), as three runs of lnΓ differences. */
static double bb_unit_loglik(int64_t n, int64_t k, double alpha, double beta) {
    return lgamma_run(alpha, k) + lgamma_run(beta, n - k) - lgamma_run(alpha + beta, n);
}

/* Log-likelihood, gradient and Hessian in (ln α, ln β). grad/hess may be NULL (value only). */
static double bb_loglik(const as_bb_count *c, size_t m, double alpha, double beta, double grad[2], double hess[3]) {
    double L = 0, ga = 0, gb = 0, haa = 0, hbb = 0, hab = 0, s = alpha + beta;
    for (size_t i = 0; i < m; i++) {
        int64_t n = c[i].n, k = c[i].k;
        L += bb_unit_loglik(n, k, alpha, beta);
        if (!grad) continue;
        double ds = digamma_run(s, n), ts = trigamma_run(s, n);
        ga += digamma_run(alpha, k) - ds;
        gb += digamma_run(beta, n - k) - ds;
        haa += trigamma_run(alpha, k) - ts;
        hbb += trigamma_run(beta, n - k) - ts;
        hab -= ts;
    }
    if (grad) {
        /* chain rule to u = ln α, v = ln β */
        grad[0] = alpha * ga;
        grad[1] = beta * gb;
        hess[0] = alpha * alpha * haa + alpha * ga;
        hess[1] = alpha * beta * hab;
        hess[2] = beta * beta * hbb + beta * gb;
    }
    return L;
}

/* Profile in the strength s with each unit's mean μ_i fixed (mu = NULL: every unit at mu_all). Value and the
 * derivative in t = ln s. Units whose mean is not inside (0, 1) carry no information about s and are skipped. */
static double strength_loglik(const as_bb_count *c, const double *mu, double mu_all, size_t m, double s, double *dt) {
    double L = 0, g = 0;
    for (size_t i = 0; i < m; i++) {
        double u = mu ? mu[i] : mu_all;
        if (!(u > 0.0 && u < 1.0)) continue;
        int64_t n = c[i].n, k = c[i].k;
        double a = s * u, b = s * (1.0 - u);
        L += bb_unit_loglik(n, k, a, b);
        if (dt) g += a * digamma_run(a, k) + b * digamma_run(b, n - k) - s * digamma_run(s, n);
    }
    if (dt) *dt = g;
    return L;
}

/* ML strength by a grid over ln s (to find the right hill even if the profile is not unimodal), then
 * bisection on the derivative inside the best cell. *at_cap is set when the likelihood still rises at the cap. */
static double strength_ml(const as_bb_count *c, const double *mu, double mu_all, size_t m, int *at_cap) {
    enum { GRID = 41 };
    double t0 = log(BB_MIN_STRENGTH), t1 = log(AS_BB_MAX_STRENGTH), h = (t1 - t0) / (GRID - 1);
    size_t best = 0;
    double best_L = -INFINITY;
    for (size_t g = 0; g < GRID; g++) {
        double L = strength_loglik(c, mu, mu_all, m, exp(t0 + h * (double)g), NULL);
        if (L > best_L) { best_L = L; best = g; }
    }
    *at_cap = 0;
    double lo = t0 + h * (double)(best == 0 ? 0 : best - 1), hi = t0 + h * (double)(best == GRID - 1 ? best : best + 1);
    double d;
    strength_loglik(c, mu, mu_all, m, exp(hi), &d);
    if (d >= 0.0) {
        if (best == GRID - 1) *at_cap = 1;
        return exp(hi);
    }
    strength_loglik(c, mu, mu_all, m, exp(lo), &d);
    if (d <= 0.0) return exp(lo);
    for (int it = 0; it < 60 && hi - lo > 1e-13; it++) {
        double mid = 0.5 * (lo + hi);
        strength_loglik(c, mu, mu_all, m, exp(mid), &d);
        if (d > 0.0) lo = mid;
        else hi = mid;
    }
    return exp(0.5 * (lo + hi));
}

double as__betabin_fit_strength(const as_bb_count *c, const double *mu, size_t m) {
    size_t used = 0;
    int informative = 0;   /* a unit with n ≥ 2: with one trial each the strength does not enter the likelihood */
    for (size_t i = 0; i < m; i++) {
        if (!(mu[i] > 0.0 && mu[i] < 1.0)) continue;
        used++;
        if (c[i].n >= 2) informative = 1;
    }
    if (used < 2 || !informative) return 2.0;
    int at_cap;
    return strength_ml(c, mu, 0.0, m, &at_cap);
}

static void bb_set(as_bb_fit *fit, double mu, double strength, int method) {
    fit->alpha = mu * strength;
    fit->beta = (1.0 - mu) * strength;
    fit->method = method;
}

void as__betabin_fit(const as_bb_count *c, size_t m, as_bb_fit *fit) {
    double N = 0, K = 0, S2 = 0;
    int informative = 0;
    for (size_t i = 0; i < m; i++) {
        N += (double)c[i].n;
        K += (double)c[i].k;
        S2 += (double)c[i].n * (double)c[i].n;
        if (c[i].n >= 2) informative = 1;
    }
    double mu = N > 0 ? K / N : 0.0;
    fit->iterations = 0;
    /* Too little information: the weak prior of strength 2, centred half a case inward at the extremes. */
    if (m < 2 || !(mu > 0.0 && mu < 1.0) || !informative) {
        double centre = (mu > 0.0 && mu < 1.0) ? mu : (K + 0.5) / (N + 1.0);
        bb_set(fit, centre, 2.0, AS_BB_WEAK);
        return;
    }
    /* Start: the sales-weighted ANOVA (method of moments) estimate of ρ = 1/(α + β + 1) (Kleinman 1973): with
     * μ̂ = K/N and T = Σ n_i (k_i/n_i − μ̂)², E T = μ(1−μ)[ρ(N − Σn_i²/N) + (1−ρ)(m−1)], so
     * ρ̂ = (T/(μ̂(1−μ̂)) − (m−1)) / (N − Σn_i²/N − (m−1)); weighting by n_i keeps the many units with one or two
     * trials (raw rates 0 or 1 by construction) from swamping the spread. When ρ̂ is not in (0, 1) the moments say nothing about the strength and
     * the profile likelihood in s at μ̂ supplies the start (or shows there is no interior maximum). */
    double T = 0;
    for (size_t i = 0; i < m; i++) {
        if (c[i].n < 1) continue;
        double d = (double)c[i].k / (double)c[i].n - mu;
        T += (double)c[i].n * d * d;
    }
    double denom = N - S2 / N - (double)(m - 1);
    double rho = denom > 0 ? (T / (mu * (1.0 - mu)) - (double)(m - 1)) / denom : NAN;
    double s_mom = rho > 0.0 && rho < 1.0 ? fmin(1.0 / rho - 1.0, AS_BB_MAX_STRENGTH) : NAN;
    double s0 = s_mom;
    if (!(s0 >= BB_MIN_STRENGTH)) {
        int at_cap;
        s0 = strength_ml(c, NULL, mu, m, &at_cap);
        if (at_cap) { bb_set(fit, mu, AS_BB_MAX_STRENGTH, AS_BB_MOMENTS); return; }
    }

    /* Newton on (ln α, ln β) with step halving; a Hessian that is not negative definite (far from the
     * maximum) gives way to a gradient step of bounded length. */
    double u = log(mu * s0), v = log((1.0 - mu) * s0);
    double g[2], H[3];
    double L = bb_loglik(c, m, exp(u), exp(v), g, H);
    const double log_cap = log(AS_BB_MAX_STRENGTH);
    int converged = 0, runaway = 0, it;
    for (it = 1; it <= 200; it++) {
        double det = H[0] * H[2] - H[1] * H[1], du, dv;
        int newton = H[0] < 0.0 && det > 0.0;
        if (newton) {
            du = -(H[2] * g[0] - H[1] * g[1]) / det;
            dv = -(-H[1] * g[0] + H[0] * g[1]) / det;
        } else {
            double gn = hypot(g[0], g[1]);
            du = gn > 0 ? g[0] / gn : 0.0;
            dv = gn > 0 ? g[1] / gn : 0.0;
        }
        /* no step longer than a factor e^3 in either parameter */
        double big = fmax(fabs(du), fabs(dv));
        if (big > 3.0) { du *= 3.0 / big; dv *= 3.0 / big; }
        if (newton && fmax(fabs(du), fabs(dv)) < 1e-6) {
            /* Quadratic convergence from here; the gains are below the rounding of L, so the steps are taken
             * on the gradient's word rather than checked against the likelihood. */
            u += du;
            v += dv;
            L = bb_loglik(c, m, exp(u), exp(v), g, H);
            if (fmax(fabs(du), fabs(dv)) < 1e-12) { converged = 1; break; }
            continue;
        }
        double step = 1.0, Ln = -INFINITY, un = u, vn = v;
        for (int half = 0; half < 40; half++) {
            un = u + step * du;
            vn = v + step * dv;
            Ln = bb_loglik(c, m, exp(un), exp(vn), NULL, NULL);
            if (Ln >= L) break;
            step *= 0.5;
        }
        if (!(Ln >= L)) { converged = fmax(fabs(du), fabs(dv)) * step < 1e-8; break; }
        double moved = step * fmax(fabs(du), fabs(dv));
        u = un;
        v = vn;
        L = bb_loglik(c, m, exp(u), exp(v), g, H);
        /* α + β past the cap: the likelihood climbs towards the binomial limit (no over-dispersion). */
        if (fmax(u, v) > log_cap || u < -30.0 || v < -30.0) { runaway = fmax(u, v) > log_cap; break; }
        if (moved < 1e-13) { converged = 1; break; }
    }
    fit->iterations = it > 200 ? 200 : it;
    if (converged && isfinite(u) && isfinite(v)) {
        fit->alpha = exp(u);
        fit->beta = exp(v);
        fit->method = AS_BB_ML;
        return;
    }
    if (runaway || !(s_mom > 0.0)) bb_set(fit, mu, runaway ? AS_BB_MAX_STRENGTH : s0, AS_BB_MOMENTS);
    else bb_set(fit, mu, s_mom, AS_BB_MOMENTS);
}

double as__shrunk_rate(int64_t k, int64_t n, double alpha, double beta) {
    return ((double)k + alpha) / ((double)n + alpha + beta);
}

void as__credible_interval(int64_t k, int64_t n, double alpha, double beta, double level, double *lo, double *hi) {
    if (k < 0) k = 0;
    if (n < k) n = k;
    double a = alpha + (double)k, b = beta + (double)(n - k);
    if (level >= 1.0) { *lo = 0.0; *hi = 1.0; return; }
    if (!(level > 0.0)) { *lo = *hi = a / (a + b); return; }
    double tail = 0.5 * (1.0 - level);
    *lo = as__beta_quantile(a, b, tail);
    *hi = as__beta_quantile(a, b, 1.0 - tail);
}

/* ---------------------------------------------------------------------------------------------------------
 * Funnel limits
 * ------------------------------------------------------------------------------------------------------- */

double as__funnel_limit(double p0, int64_t n, double q) {
    if (!(p0 > 0.0)) return 0.0;
    if (p0 >= 1.0) return 1.0;
    if (n < 1) return p0;
    int64_t r = as__binom_quantile(q, n, p0);
    double Fr = as__binom_cdf(r, n, p0), Fr1 = as__binom_cdf(r - 1, n, p0);
    /* Interpolate within the step of the cdf so the limit moves smoothly with n instead of jumping by 1/n. */
    double a = Fr > Fr1 ? (Fr - q) / (Fr - Fr1) : 0.0;
    double limit = ((double)r - a) / (double)n;
    /* With n·p0 far below 1 the interpolation can fall past p0 itself (n = 3, p0 = 0.001: r = 0 and the 97.5 %
     * "upper" limit comes out negative). A limit never lies on the wrong side of the target. */
    limit = q >= 0.5 ? fmax(limit, p0) : fmin(limit, p0);
    return fmin(1.0, fmax(0.0, limit));
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy.percentile's default (linear) of sorted x[0 … n−1], n ≥ 1. */
static double percentile_sorted(const double *x, size_t n, double f) {
    double h = f * (double)(n - 1);
    size_t r = (size_t)h;
    return r + 1 < n ? x[r] + (h - (double)r) * (x[r + 1] - x[r]) : x[r];
}

static int dispersion_unit(const as_bb_count *c, const double *p0, size_t i, int64_t min_n) {
    double n = (double)c[i].n, p = p0[i];
    return c[i].n >= min_n && c[i].n >= 1 && p > 0.0 && p < 1.0 && n * p >= 5.0 && n * (1.0 - p) >= 5.0;
}

/* Generalized Q of Paule–Mandel at τ²: Σ w_i (θ_i − θ̄_w)², w_i = 1/(s_i² + τ²). */
static double pm_q(const double *th, const double *s2, size_t m, double tau2) {
    double sw = 0, swt = 0, swt2 = 0;
    for (size_t i = 0; i < m; i++) {
        double w = 1.0 / (s2[i] + tau2);
        sw += w;
        swt += w * th[i];
        swt2 += w * th[i] * th[i];
    }
    return swt2 - swt * swt / sw;
}

double as__dispersion_logit(const as_bb_count *c, const double *p0, size_t m, int64_t min_n, size_t min_units,
                            double *scratch) {
    double *z = scratch, *sorted = scratch + m;
    size_t md = 0;
    for (size_t i = 0; i < m; i++) {
        if (!dispersion_unit(c, p0, i, min_n)) continue;
        double n = (double)c[i].n, p = p0[i], r = ((double)c[i].k + 0.5) / (n + 1.0);
        z[md++] = (log(r / (1.0 - r)) - log(p / (1.0 - p))) * sqrt(n * p * (1.0 - p));
    }
    if (md < min_units || md == 0) return -1.0;
    memcpy(sorted, z, md * sizeof *z);
    qsort(sorted, md, sizeof *sorted, cmp_double);
    double med = percentile_sorted(sorted, md, 0.5);
    for (size_t i = 0; i < md; i++) sorted[i] = fabs(sorted[i] - med);
    qsort(sorted, md, sizeof *sorted, cmp_double);
    double cut = 3.0 * 1.482602218505602 * percentile_sorted(sorted, md, 0.5);
    /* Keep θ_i and s_i² of the units inside the cut; sorted[] (m … 2m) and the last third are free now. */
    double *th = scratch + m, *s2 = scratch + 2 * m;
    size_t kept = 0, j = 0;
    for (size_t i = 0; i < m; i++) {
        if (!dispersion_unit(c, p0, i, min_n)) continue;
        double zi = z[j++];
        if (cut > 0.0 && fabs(zi - med) > cut) continue;
        double w = (double)c[i].n * p0[i] * (1.0 - p0[i]);
        th[kept] = zi / sqrt(w);
        s2[kept++] = 1.0 / w;
    }
    if (kept < min_units || kept < 2) return kept < min_units ? -1.0 : 0.0;
    double target = (double)(kept - 1);
    if (pm_q(th, s2, kept, 0.0) <= target) return 0.0;
    double lo = 0.0, hi = 1.0;
    while (pm_q(th, s2, kept, hi) > target && hi < 1e6) hi *= 4.0;
    for (int it = 0; it < 200 && hi - lo > 1e-12 * hi; it++) {   /* Q falls as τ² grows: bisection */
        double mid = 0.5 * (lo + hi);
        if (pm_q(th, s2, kept, mid) > target) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

double as__funnel_limit_logit(double p0, int64_t n, double q, double tau2) {
    double limit = as__funnel_limit(p0, n, q);
    if (!(tau2 > 0.0) || !(p0 > 0.0 && p0 < 1.0) || n < 1) return limit;
    double s2 = 1.0 / ((double)n * p0 * (1.0 - p0));
    double l0 = log(p0 / (1.0 - p0));
    double L = fmin(1.0 - 1e-15, fmax(1e-15, limit));   /* the limit may be exactly 0 or 1 */
    double l = l0 + (log(L / (1.0 - L)) - l0) * sqrt(1.0 + tau2 / s2);
    return 1.0 / (1.0 + exp(-l));
}

/* ---------------------------------------------------------------------------------------------------------
 * Bernoulli CUSUM
 * ------------------------------------------------------------------------------------------------------- */

void as__cusum_weights(double p0, double p1, double *w_success, double *w_failure) {
    *w_success = log(p1 / p0);
    *w_failure = log1p(-p1) - log1p(-p0);
}

/* Ties: S hitting 0 exactly (S + w ≤ 0) counts as a zero, so the onset moves past it; of several equal maxima
 * the first counts (a later equal peak does not move the onset). */
int64_t as__cusum_onset(const unsigned char *x, size_t n, double p0, double p1, double *peak) {
    *peak = 0.0;
    if (!(p0 > 0.0 && p0 < p1 && p1 < 1.0)) return -1;
    double ws, wf;
    as__cusum_weights(p0, p1, &ws, &wf);
    double S = 0.0;
    int64_t last_zero = -1, onset = -1;   /* last_zero: index after which S was 0 (−1: before the first) */
    for (size_t t = 0; t < n; t++) {
        S += x[t] ? ws : wf;
        if (S <= 0.0) { S = 0.0; last_zero = (int64_t)t; continue; }
        if (S > *peak) { *peak = S; onset = last_zero + 1; }
    }
    return onset;
}
