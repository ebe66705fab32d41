#!/usr/bin/python3
"""Reference values for tests/unit/test_quality_stats.c (quality/stats.c), from scipy (boost under
scipy.stats.beta / binom) and numpy. Prints C literals; paste them into the test when the methods change.

    /usr/bin/python3 tests/reference/quality_stats_reference.py
"""
import warnings

import numpy as np
from scipy import optimize, special, stats

warnings.simplefilter("ignore")   # boost warns on its own underflow at x = 1e-12


def lit(v):
    return repr(float(v))


def table(decl, rows):
    print(decl + " = {")
    for r in rows:
        print("    {" + ", ".join(r) + "},")
    print("};\n")


# Special functions on a grid with edge cases (scipy.stats.beta and binom use boost; special.betainc is cephes
# and loses digits for large parameters, so it is not used).
grid = [0.5, 2.5, 30.0, 1e5]
xs = [1e-12, 1e-6, 0.01, 0.3, 0.9, 1 - 1e-6]
rows = []
for a in grid:
    for b in grid:
        for x in xs:
            v = stats.beta.cdf(x, a, b)
            if 1e-300 < v < 1.0:
                rows.append([lit(a), lit(b), lit(x), lit(v)])
table("/* a, b, x, I_x(a, b) */\nstatic const double beta_inc_ref[][4]", rows)

rows = []
for a in grid:
    for b in grid:
        for p in [1e-12, 0.025, 0.5, 0.975, 1 - 1e-9]:
            rows.append([lit(a), lit(b), lit(p), lit(stats.beta.ppf(p, a, b))])
table("/* a, b, p, x */\nstatic const double beta_quantile_ref[][4]", rows)

rows = []
for n in [1, 26, 7592, 10**5, 10**7]:
    for p in [1e-4, 0.05, 0.14042, 0.5, 0.97]:
        sd = np.sqrt(n * p * (1 - p))
        for k in sorted({0, 1, int(n * p), int(n * p + 3 * sd) + 1, max(0, int(n * p - 3 * sd)), n - 1}):
            if 0 <= k <= n:
                v = stats.binom.cdf(k, n, p)
                if v > 1e-300:
                    rows.append([str(k), str(n) + "LL", lit(p), lit(v)])
print("typedef struct binom_cdf_row { int64_t k, n; double p, want; } binom_cdf_row;")
table("static const binom_cdf_row binom_cdf_ref[]", rows)

rows = []
for n in [1, 26, 7592, 10**5, 10**7, 10**8]:
    for p in [1e-4, 0.14042, 0.97]:
        for q in [1e-12, 0.025, 0.5, 0.999, 1 - 1e-9]:
            rows.append([lit(q), str(n) + "LL", lit(p), str(int(stats.binom.ppf(q, n, p))) + "LL"])
print("typedef struct binom_q_row { double q; int64_t n; double p; int64_t want; } binom_q_row;")
table("static const binom_q_row binom_quantile_ref[]", rows)

rows = [[lit(q), lit(stats.norm.ppf(q))]
        for q in [1e-300, 1e-20, 1e-10, 1e-5, 0.001, 0.025, 0.3, 0.5, 0.7, 0.975, 0.999, 1 - 1e-10]]
table("static const double norm_quantile_ref[][2]", rows)

# Intervals at 95 %: Jeffreys and Clopper-Pearson (statsmodels' definitions: 0 at k = 0, 1 at k = n).
rows = []
for k, n in [(7, 50), (0, 10), (1, 3), (10, 10), (3, 1000), (500, 1000), (0, 1), (1, 1)]:
    jl = 0.0 if k == 0 else stats.beta.ppf(0.025, k + 0.5, n - k + 0.5)
    jh = 1.0 if k == n else stats.beta.ppf(0.975, k + 0.5, n - k + 0.5)
    el = 0.0 if k == 0 else stats.beta.ppf(0.025, k, n - k + 1)
    eh = 1.0 if k == n else stats.beta.ppf(0.975, k + 1, n - k)
    rows.append([str(k), str(n), lit(jl), lit(jh), lit(el), lit(eh)])
print("typedef struct interval_row { int k, n; double jl, jh, el, eh; } interval_row;")
table("/* 95 %: Jeffreys and Clopper-Pearson */\nstatic const interval_row interval_ref[]", rows)

# Beta-binomial maximum likelihood (the example).
k = np.array([11, 82, 2, 0, 1203, 5])
n = np.array([104, 1351, 26, 40, 7592, 166])


def negll(t):
    a, b = np.exp(t)
    return -np.sum(special.betaln(k + a, n - k + b) - special.betaln(a, b))


def grad(t):   # d(-loglik)/d(ln a, ln b): digamma differences
    a, b = np.exp(t)
    dab = special.digamma(n + a + b) - special.digamma(a + b)
    return -np.array([a * np.sum(special.digamma(k + a) - special.digamma(a) - dab),
                      b * np.sum(special.digamma(n - k + b) - special.digamma(b) - dab)])


res = optimize.minimize(negll, np.log([2.0, 25.0]), jac=grad, method="BFGS", options={"gtol": 1e-11})
a, b = np.exp(optimize.root(grad, res.x, tol=1e-14).x)
print(f"#define BB_ALPHA {a!r}\n#define BB_BETA {b!r}")
print("static const double bb_shrunk_ref[] = {" + ", ".join(lit((kk + a) / (nn + a + b)) for kk, nn in zip(k, n)) + "};")
lo, hi = stats.beta.ppf([0.025, 0.975], 11 + a, 104 - 11 + b)
print(f"#define BB_CRED_LO {lo!r}   /* 95 % credible interval of 11/104 */\n#define BB_CRED_HI {hi!r}\n")

# Funnel limits with Spiegelhalter's interpolation.
def funnel(p0, nn, q):
    r = stats.binom.ppf(q, nn, p0)
    fr, fr1 = stats.binom.cdf(r, nn, p0), stats.binom.cdf(r - 1, nn, p0)
    return min(1.0, max(0.0, (r - (fr - q) / (fr - fr1)) / nn))


rows = []
for p0, nn, q in [(0.14042, 26, 0.975), (0.14042, 26, 0.999), (0.14042, 7592, 0.975), (0.14042, 26, 0.025),
                  (0.14042, 26, 0.001), (0.14042, 7592, 0.025), (0.14042, 7592, 0.001), (0.02, 300, 0.999),
                  (0.02, 300, 0.001)]:
    rows.append([lit(p0), str(nn), lit(q), lit(funnel(p0, nn, q))])
print("typedef struct funnel_row { double p0; int64_t n; double q, want; } funnel_row;")
table("static const funnel_row funnel_ref[]", rows)

# Dispersion on the logit scale (stats.h: as__dispersion_logit): empirical logits, units with n >= min_n and 5
# expected cases and non-cases, outliers beyond 3 * 1.4826 * MAD of z dropped, Paule-Mandel tau^2 by brentq.
from scipy.optimize import brentq
dk = np.array([3, 10, 0, 25, 7, 2, 40, 5, 12, 1, 9, 30, 60, 14, 8, 11])
dn = np.array([50, 80, 20, 100, 60, 40, 150, 70, 90, 30, 75, 110, 120, 130, 95, 105])
dp = np.array([0.08, 0.1, 0.05, 0.12, 0.1, 0.06, 0.15, 0.08, 0.1, 0.05, 0.1, 0.2, 0.1, 0.1, 0.1, 0.1])
min_n = 20
use = (dn >= min_n) & (dn * dp >= 5) & (dn * (1 - dp) >= 5)
r = (dk + 0.5) / (dn + 1)
w = dn * dp * (1 - dp)
theta = np.log(r / (1 - r)) - np.log(dp / (1 - dp))
z = theta * np.sqrt(w)
zu = z[use]
med = np.percentile(zu, 50)
cut = 3 * 1.482602218505602 * np.percentile(np.abs(zu - med), 50)
keep = use & (np.abs(z - med) <= cut)
th, s2 = theta[keep], 1 / w[keep]


def pm_q(t2):
    ww = 1 / (s2 + t2)
    tb = (ww * th).sum() / ww.sum()
    return (ww * (th - tb) ** 2).sum()


target = keep.sum() - 1
tau2 = 0.0 if pm_q(0.0) <= target else brentq(lambda t2: pm_q(t2) - target, 0.0, 100.0, xtol=1e-15, rtol=1e-14)
print(f"#define DISP_USED {int(use.sum())}\n#define DISP_KEPT {int(keep.sum())}\n#define DISP_TAU2 {tau2!r}")
L = funnel(0.1, 80, 0.999)
l0 = np.log(0.1 / 0.9)
s2n = 1 / (80 * 0.1 * 0.9)
lim = 1 / (1 + np.exp(-(l0 + (np.log(L / (1 - L)) - l0) * np.sqrt(1 + tau2 / s2n))))
print(f"#define DISP_LOGIT_LIMIT {lim!r}   /* funnel_limit_logit(0.1, 80, 0.999, tau2) */\n")

print(f"#define CUSUM_WS {np.log(0.10 / 0.05)!r}   /* p0 = 0.05, p1 = 0.10 */\n#define CUSUM_WF {np.log(0.90 / 0.95)!r}")
