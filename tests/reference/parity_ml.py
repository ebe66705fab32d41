#!/usr/bin/python3
"""Live parity of the ml module (split, StandardScaler, PCA, logistic regression, metrics) with scikit-learn.

    parity_ml.py PATH/TO/ml_driver [--keep DIR]

Generates a few synthetic data sets with numpy, writes each as CSV (17 significant digits, so the C driver
reads the very same doubles), runs tests/tools/ml_driver on it and the same pipeline with scikit-learn:

    train_test_split(test_size=0.2, random_state=42) → StandardScaler (fit on train)
      (a) LogisticRegression(C=1, tol=1e-10, max_iter=10000) on the standardized columns
      (b) PCA(0.95) fit on train → LogisticRegression on the components
    metrics on the test rows

and compares with the tolerances in TOL below. Coefficients are compared with the exact optimum of sklearn's
objective (lbfgs's answer polished by Newton steps, see newton_polish), because lbfgs itself stops short of
1e-6; against lbfgs's raw answer the check is that our objective is not higher. Metrics are compared twice:
sklearn's metric functions on the driver's own probabilities (the metric code), and on the reference model's
probabilities (the whole pipeline). Prints every comparison; exits 1 on any mismatch.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

try:
    import sklearn
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import (accuracy_score, average_precision_score, brier_score_loss, confusion_matrix,
                                 f1_score, log_loss, precision_recall_curve, precision_score, recall_score,
                                 roc_auc_score)
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
except ImportError as e:  # pragma: no cover
    print(f"parity_ml: scikit-learn is missing for {sys.executable} ({e}); "
          "install it with: apt-get install python3-sklearn python3-numpy (make test does this)")
    sys.exit(1)

# Tolerances: what is compared and how close it must be.
TOL = {
    "scaler": 1e-12,          # mean / scale, relative to max(1, |value|)
    "coef_nopca": 1e-6,       # ‖Δ(coef, intercept)‖∞ / max(‖coef‖∞, |intercept|, 1) on standardized columns,
                              # against the optimum of sklearn's objective (see newton_polish)
    "coef_pca": 1e-6,         # same, on the PCA components
    "objective": 1e-12,       # ours must not exceed sklearn lbfgs's objective by more than this (relative)
    "ratio": 1e-9,            # explained_variance_ratio_, absolute
    "ev": 1e-9,               # explained_variance_, relative
    "components": 1e-6,       # components_, absolute, signs included
    "metric_same_prob": 1e-12,  # metrics computed by sklearn on the driver's own probabilities
    "metric_e2e": 1e-9,       # AUC, AP, accuracy, ... of the two independent pipelines
    "prob_e2e": 1e-7,         # test probabilities of the two pipelines, absolute
}

failures = []


def check(ds, what, diff, tol, detail=""):
    ok = bool(diff <= tol)   # a NaN difference fails
    print(f"  {'ok  ' if ok else 'FAIL'} {ds:<18} {what:<34} diff {diff:.3g} (tol {tol:g}) {detail}")
    if not ok:
        failures.append(f"{ds}: {what}: diff {diff:.3g} > tol {tol:g} {detail}")


def check_eq(ds, what, ours, ref):
    ok = ours == ref
    print(f"  {'ok  ' if ok else 'FAIL'} {ds:<18} {what:<34} ours {ours} ref {ref}")
    if not ok:
        failures.append(f"{ds}: {what}: ours {ours} != ref {ref}")


# ---------------------------------------------------------------------------------------------------------
# Data sets
# ---------------------------------------------------------------------------------------------------------

def labels(rng, logit):
    return (rng.random_sample(logit.shape[0]) < 1 / (1 + np.exp(-logit))).astype(float)


def ds_correlated(rng):
    """Five latent factors behind 30 columns of very different scales and offsets."""
    n, p = 5000, 30
    F = rng.standard_normal((n, 5))
    X = F @ rng.standard_normal((5, p)) + 0.3 * rng.standard_normal((n, p))
    X = X * rng.uniform(0.1, 100, p) + rng.uniform(-50, 1000, p)
    Z = (X - X.mean(0)) / X.std(0)
    beta = np.zeros(p)
    beta[rng.choice(p, 8, replace=False)] = rng.uniform(-1, 1, 8)
    return X, labels(rng, Z @ beta - 0.5)


def ds_imbalanced_const(rng):
    """About 4 % positives, a constant column, a 0/1 column and a count column."""
    n, p = 5000, 30
    X = rng.standard_normal((n, p))
    X[:, 3] = 3.7                                   # constant
    X[:, 7] = (rng.random_sample(n) < 0.3)          # binary
    X[:, 11] = rng.poisson(2.0, n)                  # counts
    X[:, 12] = X[:, 13] + 0.05 * rng.standard_normal(n)   # strongly correlated pair
    logit = -3.6 + 0.8 * X[:, 0] - 0.6 * X[:, 7] + 0.3 * X[:, 11] + 0.5 * X[:, 13]
    return X, labels(rng, logit)


def ds_offsets(rng):
    """Large means with small spreads (centering must not cancel digits) and a near-duplicate column."""
    n, p = 4000, 30
    X = rng.standard_normal((n, p)) * rng.uniform(0.01, 1.0, p) + rng.uniform(1e3, 1e4, p)
    X[:, 1] = X[:, 0] + 1e-3 * rng.standard_normal(n)
    Z = (X - X.mean(0)) / X.std(0)
    return X, labels(rng, 1.2 * Z[:, 0] - 0.7 * Z[:, 5] + 0.4 * Z[:, 9] + 0.2)


def ds_strong(rng):
    """Strong signal, close to separable: large coefficients and saturated probabilities."""
    n, p = 3000, 20
    X = rng.standard_normal((n, p))
    return X, labels(rng, 6 * X[:, 0] - 4 * X[:, 1] + 3 * X[:, 2])


DATASETS = [("correlated", ds_correlated, 1), ("imbalanced_const", ds_imbalanced_const, 2),
            ("offsets", ds_offsets, 3), ("strong", ds_strong, 4)]


# ---------------------------------------------------------------------------------------------------------
# Reference computations
# ---------------------------------------------------------------------------------------------------------

def objective(X, y, coef, b, C):
    m = (2 * y - 1) * (X @ coef + b)
    return C * np.logaddexp(0, -m).sum() + 0.5 * coef @ coef


def sk_metrics(y, p):
    """The metrics of as_metrics, each with scikit-learn's function (see ml.h for the definitions)."""
    pred = (p > 0.5).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    prec, rec, thr = precision_recall_curve(y, p)
    f1s = np.where(prec + rec > 0, 2 * prec * rec / np.where(prec + rec > 0, prec + rec, 1), 0)[:-1]
    # highest threshold among equal best F1 (thresholds are increasing)
    best = int(np.flatnonzero(f1s == f1s.max())[-1])
    order = np.argsort(-p, kind="stable")
    n = len(y)
    k1, k5 = -(-n // 100), -(-n // 20)
    two = len(np.unique(y)) == 2
    return {
        "rows": n, "positives": int(y.sum()), "positive_rate": y.mean(),
        "accuracy": accuracy_score(y, pred), "precision": precision_score(y, pred, zero_division=0),
        "recall": recall_score(y, pred, zero_division=0), "f1": f1_score(y, pred, zero_division=0),
        "best_f1_threshold": thr[best], "best_f1": f1s[best], "best_f1_precision": prec[best],
        "best_f1_recall": rec[best],
        "roc_auc": roc_auc_score(y, p) if two else float("nan"),
        "pr_auc": average_precision_score(y, p),
        "log_loss": log_loss(y, p, labels=[0, 1]), "brier": brier_score_loss(y, p),
        "precision_top1": y[order[:k1]].mean(), "precision_top5": y[order[:k5]].mean(),
        "tp": tp, "fp": fp, "tn": tn, "fn": fn,
    }


INT_KEYS = ("rows", "positives", "tp", "fp", "tn", "fn")


def compare_metrics(ds, tag, ours, ref, tol, keys=None):
    worst, worst_key = 0.0, ""
    for key, rv in ref.items():
        if keys is not None and key not in keys:
            continue
        ov = ours[key]
        if key in INT_KEYS:
            check_eq(ds, f"{tag} {key}", int(ov), int(rv))
            continue
        rv = float(rv)
        ov = float("nan") if ov is None else float(ov)
        if math.isnan(rv) or math.isnan(ov):
            if not (math.isnan(rv) and math.isnan(ov)):
                check_eq(ds, f"{tag} {key}", ov, rv)
            continue
        d = abs(ov - rv)
        if d > worst:
            worst, worst_key = d, key
        if d > tol:
            check(ds, f"{tag} {key}", d, tol, f"ours {ov!r} ref {rv!r}")
    check(ds, f"{tag} all float metrics", worst, tol, f"(worst: {worst_key or '-'})")


def newton_polish(X, y, coef, b, C):
    """Exact Newton steps (full Hessian, dense solve) from sklearn's lbfgs solution on the same objective.

    scipy's L-BFGS-B, which LogisticRegression(solver="lbfgs") calls, also stops when the objective's relative
    decrease falls below its default ftol = 2.2e-9, whatever tol is; on these data that leaves the coefficients
    1e-6 .. 1e-2 away from the optimum (printed below as 'info'). Newton's method converges quadratically from
    there, so a few steps give the optimum of sklearn's objective to rounding level: the reference here."""
    Xt = np.hstack([X, np.ones((X.shape[0], 1))])
    ys = 2 * y - 1
    v = np.append(coef, b)
    reg = np.append(np.ones(X.shape[1]), 0.0)
    for _ in range(50):
        m = ys * (Xt @ v)
        q = 0.5 * (1 - np.tanh(0.5 * m))          # σ(−m), no overflow
        g = C * (Xt.T @ (-ys * q)) + reg * v
        H = C * (Xt.T * (q * (1 - q))) @ Xt + np.diag(reg)
        step = np.linalg.solve(H, g)
        v = v - step
        if np.abs(step).max() <= 1e-15 * max(1.0, np.abs(v).max()):
            break
    return v[:-1], float(v[-1])


def lr_block(ds, tag, Xtr, ytr, Xte, yte, ours, tolkey, prob_tol):
    C = 1.0
    lr = LogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(Xtr, ytr)
    coef_sk, b_sk = lr.coef_.ravel(), float(lr.intercept_[0])
    coef, b = newton_polish(Xtr, ytr, coef_sk, b_sk, C)
    oc, ob = np.array(ours["coef"], dtype=float), float(ours["intercept"])
    scale = max(np.abs(coef).max(initial=0), abs(b), 1.0)
    d_sk = max(np.abs(oc - coef_sk).max(initial=0), abs(ob - b_sk)) / scale
    d_lb = max(np.abs(coef - coef_sk).max(initial=0), abs(b - b_sk)) / scale
    print(f"  info {ds:<18} {tag} raw lbfgs: ours - lbfgs {d_sk:.3g}, optimum - lbfgs {d_lb:.3g} (rel; lbfgs "
          f"{int(lr.n_iter_[0])} it)")
    d = max(np.abs(oc - coef).max(initial=0), abs(ob - b)) / scale
    fo, fs, fr = objective(Xtr, ytr, oc, ob, C), objective(Xtr, ytr, coef_sk, b_sk, C), objective(Xtr, ytr, coef, b, C)
    check(ds, f"{tag} coef+intercept vs optimum (rel)", d, TOL[tolkey],
          f"[{ours['iterations']} it, conv {ours['converged']}, |g| {ours['grad_norm']:.2e}]")
    check(ds, f"{tag} objective ours - lbfgs (rel)", max(0.0, (fo - fs) / abs(fs)), TOL["objective"],
          f"ours {fo:.15g} lbfgs {fs:.15g} optimum {fr:.15g}")
    check(ds, f"{tag} objective reported vs recomputed", abs(ours["objective"] - fo) / abs(fo), 1e-12)
    # metric implementation: sklearn's functions on our own probabilities
    op = np.array(ours["test_prob"], dtype=float)
    check(ds, f"{tag} our prob vs sigmoid(X·coef+b)", np.abs(op - 1 / (1 + np.exp(-(Xte @ oc + ob)))).max(), prob_tol)
    compare_metrics(ds, f"{tag} metrics(same prob)", ours["metrics"], sk_metrics(yte, op), TOL["metric_same_prob"])
    # end to end: the reference optimum's probabilities through sklearn's predict_proba
    lr.coef_[:] = coef
    lr.intercept_[:] = b
    sp = lr.predict_proba(Xte)[:, 1]
    check(ds, f"{tag} test probabilities e2e", np.abs(sp - op).max(), TOL["prob_e2e"])
    compare_metrics(ds, f"{tag} metrics(e2e)", ours["metrics"], sk_metrics(yte, sp), TOL["metric_e2e"],
                    keys=("accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "tp", "fp", "tn", "fn",
                          "positives", "rows", "precision_top1", "precision_top5"))
    check_eq(ds, f"{tag} LogisticRegression.predict == p > 0.5",
             bool(np.array_equal(lr.predict(Xte), (sp > 0.5).astype(float))), True)


def run(driver, name, make, seed, keep):
    rng = np.random.RandomState(seed)
    X, y = make(rng)
    n, p = X.shape
    path = os.path.join(keep, f"{name}.csv")
    with open(path, "w") as f:
        f.write(",".join([f"x{j}" for j in range(p)] + ["label"]) + "\n")
        for i in range(n):
            f.write(",".join(repr(float(v)) for v in X[i]) + f",{int(y[i])}\n")
    out = subprocess.run([driver, path], capture_output=True, text=True)
    if out.returncode != 0:
        failures.append(f"{name}: ml_driver failed ({out.returncode}): {out.stderr.strip()}")
        print(f"  FAIL {name}: ml_driver exit {out.returncode}: {out.stderr.strip()}")
        return
    ours = json.loads(out.stdout)
    print(f"{name}: n={n} p={p} positives={int(y.sum())} (driver: no-PCA fit {ours['nopca']['seconds']:.3f}s, "
          f"PCA {ours['pca'].get('pca_seconds', 0):.3f}s)")

    # split
    tr, te = train_test_split(np.arange(n), test_size=0.2, random_state=42)
    check_eq(name, "n_test", ours["n_test"], len(te))
    check_eq(name, "test indices checksum", ours["test_checksum"], int((np.arange(1, len(te) + 1) * te).sum()))
    check_eq(name, "test indices head", ours["test_head"], te[:10].tolist())
    Xtr, Xte, ytr, yte = X[tr], X[te], y[tr], y[te]

    # scaler
    sc = StandardScaler().fit(Xtr)
    d = max(np.abs(np.array(ours["scaler_mean"]) - sc.mean_).max() / max(1, np.abs(sc.mean_).max()),
            (np.abs(np.array(ours["scaler_scale"]) - sc.scale_) / np.maximum(1, sc.scale_)).max())
    check(name, "StandardScaler mean_/scale_", d, TOL["scaler"])
    Xtr_s, Xte_s = sc.transform(Xtr), sc.transform(Xte)

    # our probabilities come from our own standardization; the check recomputes them from sklearn's
    lr_block(name, "no-PCA", Xtr_s, ytr, Xte_s, yte, ours["nopca"], "coef_nopca", 1e-9)

    # PCA
    pca = PCA(0.95).fit(Xtr_s)
    op = ours["pca"]
    if "error" in op:
        failures.append(f"{name}: driver PCA failed with status {op['error']}")
        return
    check_eq(name, "PCA(0.95) n_components_", op["k"], int(pca.n_components_))
    if op["k"] != pca.n_components_:
        return
    check(name, "PCA explained_variance_ratio_", np.abs(np.array(op["explained_variance_ratio"])
                                                      - pca.explained_variance_ratio_).max(), TOL["ratio"])
    check(name, "PCA explained_variance_ (rel)", (np.abs(np.array(op["explained_variance"]) - pca.explained_variance_)
                                                 / pca.explained_variance_).max(), TOL["ev"])
    check(name, "PCA components_ (signs included)", np.abs(np.array(op["components"]) - pca.components_).max(),
          TOL["components"])
    lr_block(name, "PCA", pca.transform(Xtr_s), ytr, pca.transform(Xte_s), yte, op, "coef_pca", 1e-9)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    driver = sys.argv[1]
    keep = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--keep" else None
    print(f"parity_ml: scikit-learn {sklearn.__version__}, numpy {np.__version__}; driver {driver}")
    with tempfile.TemporaryDirectory() as tmp:
        work = keep or tmp
        os.makedirs(work, exist_ok=True)
        for name, make, seed in DATASETS:
            run(driver, name, make, seed, work)
    if failures:
        print(f"parity_ml: {len(failures)} mismatch(es):")
        for f in failures:
            print("  " + f)
        return 1
    print("parity_ml: all comparisons within tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
