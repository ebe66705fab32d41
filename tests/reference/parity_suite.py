#!/usr/bin/python3
"""Parity suite of issue 3: the ml module against numpy / scikit-learn, check by check.

    parity_suite.py PATH/TO/parity_driver [--cli PATH/TO/aftersales] [--keep DIR] [--only SECTION,...]

Every reference value is computed live here with the installed scikit-learn (1.2.x) and numpy; the numbers the
issue states are checked as literals too (to their printed digits). The C side is tests/tools/parity_driver,
which calls the library's internal functions and prints JSON. Data: scikit-learn's bundled data sets (breast
cancer, iris, wine — exported to CSV in a scratch folder at run time, never committed) and seeded synthetic sets.

Sections (--only picks some): splits, scaler, pca, pipeline, coef, metrics, cli.
  splits    RandomState.permutation, train_test_split (plain and stratified), KFold, StratifiedKFold: exact.
  scaler    StandardScaler mean_/scale_: within a few ulps (ours sums with compensation, numpy does not).
  pca       PCA(svd_solver="full"): bit for bit on the SVD route (n·p ≤ 4 Mi cells or n < p, see src/ml/pca.c),
            to ~1e-12 on the covariance route (large data); transform to 1e-13 (ours is a row-by-row loop, so one
            row scores identically alone or in a batch; numpy's is a BLAS product).
  pipeline  the issue's end-to-end numbers (breast cancer, iris) through the driver's pipeline.
  coef      logistic regression coefficients against scikit-learn on several data sets:
              L2 / none — sklearn lbfgs at tol 1e-10 (rel 1e-5, the issue's bound; lbfgs stops on scipy's ftol
                short of the optimum) and the exact optimum (newton-cg at tol 1e-10 polished by full Newton steps
                in numpy; rel 1e-7);
              L1 — saga at tol 1e-12 (rel 1e-5): saga, like us, does not penalize the intercept. liblinear does
                (its intercept is a feature of value intercept_scaling under the same penalty), so it solves a
                different problem; it is shown for information only.
            Multinomial intercepts (and, without penalty, coefficient columns) are defined only up to a common
            shift over the classes; both sides are centred over the classes before comparing.
  metrics   binary and multiclass metrics, calibration and the documented edge cases.
  cli       `aftersales train --csv` end to end (only the flags `train --help` lists are exercised), including
            metrics.json's chart curves: every thinned ROC / PR vertex lies on roc_curve(drop_intermediate=False)
            / precision_recall_curve of the exact optimum's scores, top-k precision and the counts at the threshold.

Output: a table "check | ours | reference | difference | tolerance | ok"; exit status 1 on any failure.
"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings

try:
    import numpy as np
    import sklearn
    from sklearn.calibration import calibration_curve
    from sklearn.datasets import load_breast_cancer, load_iris, load_wine
    from sklearn.decomposition import PCA
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import (accuracy_score, average_precision_score, brier_score_loss, confusion_matrix,
                                 f1_score, log_loss, precision_recall_curve, precision_recall_fscore_support,
                                 precision_score, recall_score, roc_auc_score, roc_curve)
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils.class_weight import compute_class_weight
except ImportError as e:  # the shell wrapper checks first; this is for direct runs
    print(f"parity_suite: scikit-learn / numpy missing for {sys.executable}: {e}")
    sys.exit(77)

AS_ERR_INVALID, AS_ERR_NUMERIC = 4, 6   # include/aftersales/aftersales.h: as_status

ROWS = []          # (section, check, ours, ref, diff, tol, ok)
SECTION = [""]


def fmt(v):
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v)) if not math.isnan(v) else "nan"
    if isinstance(v, (list, tuple, np.ndarray)):
        s = json.dumps([x.item() if hasattr(x, "item") else x for x in np.asarray(v).ravel().tolist()]
                       if isinstance(v, np.ndarray) else v)
        return s if len(s) <= 48 else s[:45] + "..."
    s = str(v)
    return s if len(s) <= 48 else s[:45] + "..."


def record(check, ours, ref, diff, tol, ok):
    ROWS.append((SECTION[0], check, fmt(ours), fmt(ref), diff if isinstance(diff, str) else f"{diff:.3g}",
                 tol if isinstance(tol, str) else f"{tol:g}", bool(ok)))


def check_num(check, ours, ref, tol, rel=False):
    """|ours − ref| ≤ tol (rel: divided by |ref|); NaN equals NaN."""
    ours = float("nan") if ours is None else float(ours)
    ref = float(ref)
    if math.isnan(ours) or math.isnan(ref):
        ok = math.isnan(ours) and math.isnan(ref)
        record(check, ours, ref, 0.0 if ok else "nan", tol, ok)
        return ok
    d = abs(ours - ref)
    if rel:
        d = d / abs(ref) if ref != 0 else (0.0 if d == 0 else float("inf"))
    record(check, ours, ref, d, tol, d <= tol)
    return d <= tol


def check_arr(check, ours, ref, tol, rel=False):
    """max |ours − ref| over the arrays (rel: divided by max |ref|); shapes must agree; NaN only against NaN."""
    o, r = np.asarray(ours, dtype=float), np.asarray(ref, dtype=float)
    if o.shape != r.shape:
        record(check, f"shape {o.shape}", f"shape {r.shape}", "shape", tol, False)
        return False
    if o.size == 0:
        record(check, "[]", "[]", 0.0, tol, True)
        return True
    nan_ok = np.array_equal(np.isnan(o), np.isnan(r))
    m = ~np.isnan(r)
    d = float(np.abs(o[m] - r[m]).max()) if m.any() else 0.0
    if rel:
        scale = float(np.abs(r[m]).max()) if m.any() else 0.0
        d = d / scale if scale > 0 else (0.0 if d == 0 else float("inf"))
    ok = nan_ok and d <= tol
    record(check, o, r, d if nan_ok else "nan", tol, ok)
    return ok


def check_eq(check, ours, ref):
    ok = (ours == ref) if not isinstance(ours, np.ndarray) else np.array_equal(ours, ref)
    ok = bool(ok)
    record(check, ours, ref, "equal" if ok else "differ", "exact", ok)
    return ok


def check_true(check, ours, ref, ok, tol="-"):
    record(check, ours, ref, "-" if ok else "unmet", tol, ok)
    return ok


def info(check, ours, ref, diff=""):
    ROWS.append((SECTION[0], check, fmt(ours), fmt(ref), diff if isinstance(diff, str) else f"{diff:.3g}",
                 "info", None))


# ---------------------------------------------------------------------------------------------------------
# driver and data
# ---------------------------------------------------------------------------------------------------------

class Ctx:
    driver = None
    cli = None
    work = None
    driver_seconds = 0.0


def drv(*args):
    t = time.time()
    out = subprocess.run([Ctx.driver] + [str(a) for a in args], capture_output=True, text=True)
    Ctx.driver_seconds += time.time() - t
    if out.returncode != 0:
        raise RuntimeError(f"parity_driver {' '.join(map(str, args))} exited {out.returncode}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def write_csv(name, X, y=None, w=None, header=None):
    """Numbers written with repr (17 significant digits): the driver reads the very same doubles."""
    path = os.path.join(Ctx.work, name)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    cols = [X]
    if w is not None:
        cols.append(np.asarray(w, dtype=float)[:, None])
    if y is not None:
        cols.append(np.asarray(y, dtype=float)[:, None])
    M = np.hstack(cols)
    with open(path, "w") as f:
        f.write(",".join(header or [f"c{j}" for j in range(M.shape[1])]) + "\n")
        for row in M:
            f.write(",".join(repr(float(v)) if v != int(v) or abs(v) > 2**53 else str(int(v)) for v in row) + "\n")
    return path


def write_labels(name, y):
    path = os.path.join(Ctx.work, name)
    with open(path, "w") as f:
        f.write("\n".join(str(int(v)) for v in y) + "\n")
    return path


def write_npy(name, X):
    path = os.path.join(Ctx.work, name)
    np.save(path, np.ascontiguousarray(X, dtype=np.float64))
    return path


def guarded(fn):
    """Runs one group of checks; a crash of the driver or of the reference is one failed row, not the end."""
    def run(*a, **k):
        try:
            return fn(*a, **k)
        except Exception as e:  # noqa: BLE001 — report and go on
            record(f"{fn.__name__}: ran", f"{type(e).__name__}: {e}", "no error", "error", "-", False)
    run.__name__ = fn.__name__
    return run


def folds_to_sets(fold, k):
    return [sorted(int(i) for i in np.flatnonzero(np.asarray(fold) == f)) for f in range(k)]


# ---------------------------------------------------------------------------------------------------------
# splits
# ---------------------------------------------------------------------------------------------------------

@guarded
def splits_permutation():
    o = drv("permutation", 10, 42)["perm"]
    check_eq("RandomState(42).permutation(10) (issue literal)", o, [8, 1, 5, 0, 7, 2, 9, 4, 3, 6])
    check_eq("RandomState(42).permutation(10) (live)", o, np.random.RandomState(42).permutation(10).tolist())
    for n, seed in [(1, 0), (2, 1), (100, 0), (1000, 123), (5000, 4294967295), (70000, 7)]:
        o = drv("permutation", n, seed)["perm"]
        check_eq(f"RandomState({seed}).permutation({n})", o, np.random.RandomState(seed).permutation(n).tolist())


@guarded
def splits_random():
    o = drv("split", 569, 0.2, 42)
    tr, te = train_test_split(np.arange(569), test_size=0.2, random_state=42)
    check_eq("split 569 rows 0.2/42: train/test sizes (issue: 455/114)", [len(o["train"]), len(o["test"])], [455, 114])
    check_eq("split 569 rows 0.2/42: test rows, in order", o["test"], te.tolist())
    check_eq("split 569 rows 0.2/42: train rows, in order", o["train"], tr.tolist())
    for n, frac, seed in [(10, 0.2, 42), (100, 0.25, 0), (1000, 0.33, 7), (150, 0.3, 1), (7, 0.5, 3)]:
        o = drv("split", n, frac, seed)
        tr, te = train_test_split(np.arange(n), test_size=frac, random_state=seed)
        check_eq(f"split {n} rows {frac}/{seed}: train + test rows", [o["train"], o["test"]], [tr.tolist(), te.tolist()])


@guarded
def splits_stratified():
    rng = np.random.RandomState(3)
    cases = [("breast cancer", load_breast_cancer().target, 0.2, 42),
             ("iris", load_iris().target, 0.2, 42),
             ("90/10 labels", np.array([0] * 90 + [1] * 10), 0.25, 0),
             ("4 classes, 500 rows", rng.choice(4, 500, p=[0.5, 0.3, 0.15, 0.05]), 0.3, 11),
             ("odd remainders", np.array([0] * 7 + [1] * 5 + [2] * 3), 0.4, 5)]
    for name, y, frac, seed in cases:
        o = drv("stratified_split", write_labels("strat.txt", y), frac, seed)
        tr, te = train_test_split(np.arange(len(y)), test_size=frac, random_state=seed, stratify=y)
        if "error" in o:
            check_true(f"stratified split {name} {frac}/{seed}", o["message"], "rows", False)
            continue
        check_eq(f"stratified split {name} {frac}/{seed}: train + test rows", [o["train"], o["test"]],
                 [tr.tolist(), te.tolist()])
    y = np.array([0] * 9 + [1])
    o = drv("stratified_split", write_labels("strat.txt", y), 0.2, 0)
    try:
        train_test_split(np.arange(10), test_size=0.2, random_state=0, stratify=y)
        ref = "no error"
    except ValueError as e:
        ref = str(e)
    check_true("stratified split, a class of 1 member: error", o.get("message", "no error"), ref,
               o.get("error") == AS_ERR_INVALID and o.get("message", "").startswith(ref[:60]))


@guarded
def splits_kfold():
    for n, k, shuffle, seed in [(23, 5, 0, 0), (10, 3, 0, 0), (10, 3, 1, 42), (101, 7, 1, 123)]:
        o = drv("kfold", n, k, shuffle, seed)
        kf = KFold(k, shuffle=bool(shuffle), random_state=seed if shuffle else None)
        ref = [sorted(te.tolist()) for _, te in kf.split(np.zeros(n))]
        check_eq(f"KFold({k}, shuffle={bool(shuffle)}) on {n} rows: test folds", folds_to_sets(o["fold"], k), ref)
    o = drv("kfold", 3, 4, 0, 0)
    check_true("KFold(4) on 3 rows: error", o.get("message", "no error"), "ValueError", o.get("error") == AS_ERR_INVALID)


@guarded
def splits_stratified_kfold():
    y = np.array([0] * 7 + [1] * 3)
    o = drv("stratified_kfold", write_labels("skf.txt", y), 3, 0, 0)
    sets = folds_to_sets(o["fold"], 3)
    check_eq("StratifiedKFold(3) on [0]*7+[1]*3 (issue literal)", sets, [[0, 1, 2, 7], [3, 4, 8], [5, 6, 9]])
    ref = [sorted(te.tolist()) for _, te in StratifiedKFold(3).split(np.zeros(10), y)]
    check_eq("StratifiedKFold(3) on [0]*7+[1]*3 (live)", sets, ref)
    rng = np.random.RandomState(5)
    cases = [("iris", load_iris().target, 5, 0, 0), ("iris shuffled", load_iris().target, 5, 1, 42),
             ("breast cancer shuffled", load_breast_cancer().target, 10, 1, 7),
             ("3 classes, first appearance order", rng.choice([2, 0, 1], 61, p=[0.5, 0.3, 0.2]), 4, 0, 0),
             ("3 classes shuffled", rng.choice(3, 80, p=[0.6, 0.3, 0.1]), 3, 1, 99)]
    for name, y, k, shuffle, seed in cases:
        o = drv("stratified_kfold", write_labels("skf.txt", y), k, shuffle, seed)
        skf = StratifiedKFold(k, shuffle=bool(shuffle), random_state=seed if shuffle else None)
        ref = [sorted(te.tolist()) for _, te in skf.split(np.zeros(len(y)), y)]
        check_eq(f"StratifiedKFold({k}, shuffle={bool(shuffle)}) {name}", folds_to_sets(o["fold"], k), ref)
    # the least populated class smaller than k: scikit-learn warns and goes on
    y = np.array([0] * 10 + [1] * 2)
    o = drv("stratified_kfold", write_labels("skf.txt", y), 3, 0, 0)
    with warnings.catch_warnings(record=True) as wl:
        warnings.simplefilter("always")
        ref = [sorted(te.tolist()) for _, te in StratifiedKFold(3).split(np.zeros(12), y)]
    msg = next((str(w.message) for w in wl if issubclass(w.category, UserWarning)), "")
    check_eq("StratifiedKFold(3), a class of 2: folds", folds_to_sets(o.get("fold", []), 3), ref)
    check_eq("StratifiedKFold(3), a class of 2: warning text", o.get("warning"), msg)
    y = np.array([0] * 2 + [1] * 2)
    o = drv("stratified_kfold", write_labels("skf.txt", y), 3, 0, 0)
    try:
        list(StratifiedKFold(3).split(np.zeros(4), y))
        ref = "no error"
    except ValueError as e:
        ref = str(e)
    check_true("StratifiedKFold(3), every class smaller: error", o.get("message", "no error"), ref,
               o.get("error") == AS_ERR_INVALID and o.get("message") == ref)


# ---------------------------------------------------------------------------------------------------------
# StandardScaler
# ---------------------------------------------------------------------------------------------------------

@guarded
def scaler():
    X = load_breast_cancer().data
    tr, _ = train_test_split(np.arange(len(X)), test_size=0.2, random_state=42)
    Xc = X[tr].copy()
    Xc[:, 5] = 0.125   # a constant column
    o = drv("standardize", write_csv("scaler.csv", Xc))
    sc = StandardScaler().fit(Xc)
    check_arr("breast cancer train: mean_ (rel)", o["mean"], sc.mean_, 1e-14, rel=True)
    check_arr("breast cancer train: scale_ (rel)", o["scale"], sc.scale_, 1e-14, rel=True)
    check_eq("constant column: scale 1, output exactly 0", [o["scale"][5], max(abs(v) for v in o["transformed"][5::30])],
             [1.0, 0.0])
    check_arr("transform (abs)", o["transformed"], sc.transform(Xc).ravel(), 1e-13)


# ---------------------------------------------------------------------------------------------------------
# PCA
# ---------------------------------------------------------------------------------------------------------

def pca_compare(name, X, v, exact=True, transform=False):
    """Our PCA(v) against PCA(v, svd_solver="full"): bit for bit when exact, else to rounding."""
    path = write_npy("pca.npy", X) if X.size > 200000 else write_csv("pca.csv", X)
    o = drv("pca", path, v, *(["--transform"] if transform else []))
    nv = int(v) if v >= 1 else v
    ref = PCA(nv, svd_solver="full").fit(X)
    if "error" in o:
        check_true(f"{name}: PCA({v}) fits", o["message"], "fits", False)
        return o, ref
    k = int(ref.n_components_)
    if not check_eq(f"{name}: PCA({v}) n_components_", o["k"], k):
        return o, ref
    comp = np.array(o["components"]).reshape(k, -1)
    if exact:
        full = PCA(None, svd_solver="full").fit(X)
        check_eq(f"{name}: mean_, bit for bit", np.array(o["mean"]), ref.mean_)
        check_eq(f"{name}: explained_variance_, bit for bit", np.array(o["explained_variance"]), ref.explained_variance_)
        check_eq(f"{name}: explained_variance_ratio_, bit for bit", np.array(o["explained_variance_ratio"]),
                 ref.explained_variance_ratio_)
        check_eq(f"{name}: components_ (signs included), bit for bit", comp, ref.components_)
        check_eq(f"{name}: whole spectrum (all_variance_ratio), bit for bit", np.array(o["all_variance_ratio"]),
                 full.explained_variance_ratio_)
    else:
        # our compensated mean is the exactly rounded one; numpy's running sum is off by up to ~n·ε
        exact_mean = [math.fsum(X[:, j]) / len(X) for j in range(X.shape[1])]
        check_arr(f"{name}: mean_ vs the exactly rounded mean (rel)", o["mean"], exact_mean, 2.3e-16, rel=True)
        check_arr(f"{name}: mean_ vs numpy's running sum (rel, n·ε)", o["mean"], ref.mean_, len(X) * 1.1e-16, rel=True)
        check_arr(f"{name}: explained_variance_ (rel)", o["explained_variance"], ref.explained_variance_, 1e-11, rel=True)
        check_arr(f"{name}: explained_variance_ratio_ (abs)", o["explained_variance_ratio"],
                  ref.explained_variance_ratio_, 1e-12)
        check_arr(f"{name}: components_ (abs, signs included)", comp, ref.components_, 1e-9)
        check_arr(f"{name}: whole spectrum, first k (abs)", o["all_variance_ratio"][:k], ref.explained_variance_ratio_,
                  1e-12)
    if transform:
        Z = ref.transform(X)
        check_arr(f"{name}: transform (rel to max |Z|)", o["transformed"], Z.ravel(), 1e-13, rel=True)
    return o, ref


@guarded
def pca_iris():
    X = load_iris().data
    o, ref = pca_compare("iris", X, 4, transform=True)
    cum = np.array(o["cumulative_ratio"])
    check_arr("iris cumulative ratios (issue: 0.92461872, 0.97768521, 0.99478782, 1)", np.round(cum, 8),
              [0.92461872, 0.97768521, 0.99478782, 1.0], 0.0)
    check_eq("iris cumulative ratios = stable_cumsum (live), bit for bit", cum,
             np.cumsum(ref.explained_variance_ratio_))
    check_true("iris cumulative ratio of 3 ≤ 0.9947878161267247", repr(cum[2]), "<= 0.9947878161267247",
               cum[2] <= 0.9947878161267247)
    for v, lit in [(0.95, 2), (0.9947878161267247, 4), (float(np.nextafter(0.9947878161267247, 0)), 3), (0.5, 1),
                   (0.92461872320172711, 2), (0.999999, 4)]:
        o = drv("pca", write_csv("pca.csv", X), repr(v))
        ref_k = int(PCA(v, svd_solver="full").fit(X).n_components_)
        check_eq(f"iris PCA({v!r}) n_components (issue/expected {lit})", [o["k"], o["k"]], [lit, ref_k])
    for k in (1, 2, 3):
        pca_compare("iris", X, k)
    pca_compare("iris", X, 0.95, transform=True)


@guarded
def pca_more():
    X = load_breast_cancer().data
    pca_compare("breast cancer raw", X, 0.95)
    tr, _ = train_test_split(np.arange(len(X)), test_size=0.2, random_state=42)
    Z = StandardScaler().fit_transform(X[tr])
    o, _ = pca_compare("breast cancer standardized train", Z, 0.95, transform=True)
    check_eq("breast cancer standardized train: PCA(0.95) keeps 10 (issue)", o.get("k"), 10)
    rng = np.random.RandomState(1)
    for n, p in [(10, 3), (50, 1), (7, 20), (20, 50), (300, 40), (2000, 30)]:
        X = rng.standard_normal((n, p)) @ rng.standard_normal((p, p)) + rng.uniform(-100, 100, p)
        pca_compare(f"random {n}x{p}", X, 0.9)
    # a constant column beside varying ones; integer counts
    X = rng.standard_normal((40, 5))
    X[:, 2] = 3.3
    pca_compare("constant column 40x5", X, 3)
    # large enough for the covariance route (n·p > 4 Mi cells): agreement to rounding, not to the bit
    n, p = 300000, 16
    F = rng.standard_normal((n, 4))
    X = F @ rng.standard_normal((4, p)) * 3 + rng.standard_normal((n, p)) * np.linspace(0.5, 2, p) + 50
    o, _ = pca_compare(f"covariance route {n}x{p}", X, 0.8, exact=False)
    info(f"covariance route {n}x{p}: fit seconds (ours)", o.get("seconds"), "")


@guarded
def pca_errors():
    X = np.array([[1.0, 5.0]] * 6)
    o = drv("pca", write_csv("pca.csv", X), 0.95)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = PCA(0.95, svd_solver="full").fit(X).explained_variance_ratio_
    check_true("zero total variance: AS_ERR_NUMERIC with a clear message", o.get("message", "no error"),
               f"sklearn: ratios {ref.tolist()} (0/0)",
               o.get("error") == AS_ERR_NUMERIC and "constant" in o.get("message", ""))
    o = drv("pca", write_csv("pca.csv", load_iris().data), 5)
    check_true("n_components 5 > min(n, p) = 4: AS_ERR_INVALID", o.get("message", "no error"), "ValueError",
               o.get("error") == AS_ERR_INVALID)
    o = drv("pca", write_csv("pca.csv", load_iris().data), 2.5)
    check_true("n_components 2.5: AS_ERR_INVALID", o.get("message", "no error"), "InvalidParameterError",
               o.get("error") == AS_ERR_INVALID)


# ---------------------------------------------------------------------------------------------------------
# logistic regression: objectives and references
# ---------------------------------------------------------------------------------------------------------

def objective(X, cls, K, W, b, C, penalty, sw=None):
    """sklearn's objective (see src/ml/logreg.h) at coefficients W (p or K × p) and intercepts b."""
    s = np.ones(len(X)) if sw is None else sw
    if K == 2:
        z = X @ W + b
        loss = np.logaddexp(0, -(2 * cls - 1) * z)
    else:
        Z = X @ W.T + b
        m = Z.max(axis=1, keepdims=True)
        lse = (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True))).ravel()
        loss = lse - Z[np.arange(len(X)), cls]
    reg = {"l2": 0.5 * float((W * W).sum()), "l1": float(np.abs(W).sum()), "none": 0.0}[penalty]
    return C * float((s * loss).sum()) + reg


def newton_polish(X, cls, K, W, b, C, penalty, sw=None):
    """Full Newton steps in numpy on sklearn's smooth objectives (L2 / none), from a reference solver's answer:
    quadratic convergence gives the exact optimum to rounding level. Multinomial: the Hessian is singular along
    the common shift of the intercepts (and, without penalty, of the coefficient columns); the least-squares
    step (pinv) moves orthogonally to it."""
    n, p = X.shape
    s = np.ones(n) if sw is None else sw
    Xt = np.hstack([X, np.ones((n, 1))])
    lam = 1.0 if penalty == "l2" else 0.0
    if K == 2:
        v = np.append(W, b)
        reg = np.append(np.full(p, lam), 0.0)
        ys = 2 * cls - 1
        for _ in range(40):
            q = 0.5 * (1 - np.tanh(0.5 * ys * (Xt @ v)))   # σ(−m)
            g = C * (Xt.T @ (s * -ys * q)) + reg * v
            H = C * (Xt.T * (s * q * (1 - q))) @ Xt + np.diag(reg)
            step = np.linalg.solve(H, g)
            v = v - step
            if np.abs(step).max() <= 1e-15 * max(1.0, np.abs(v).max()):
                break
        return v[:-1], np.array([v[-1]])
    V = np.hstack([W, b[:, None]])                         # K × (p+1)
    reg = np.append(np.full(p, lam), 0.0)
    Y = np.eye(K)[cls]
    for _ in range(40):
        Z = Xt @ V.T
        Z -= Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(axis=1, keepdims=True)
        G = C * ((s[:, None] * (P - Y)).T @ Xt) + V * reg  # K × (p+1)
        d = p + 1
        H = np.zeros((K * d, K * d))
        for a in range(K):
            for c in range(K):
                w = s * P[:, a] * ((a == c) - P[:, c])
                H[a * d:(a + 1) * d, c * d:(c + 1) * d] = C * (Xt.T * w) @ Xt
            H[a * d:(a + 1) * d, a * d:(a + 1) * d] += np.diag(reg)
        step = (np.linalg.pinv(H, rcond=1e-13) @ G.ravel()).reshape(K, d)
        V = V - step
        if np.abs(step).max() <= 1e-15 * max(1.0, np.abs(V).max()):
            break
    return V[:, :-1], V[:, -1]


def centred(W, b, K, penalty):
    """Multinomial parameters modulo the common shift over the classes."""
    W, b = np.array(W, dtype=float), np.array(b, dtype=float)
    if K == 2:
        return W.ravel(), b.ravel()
    W = W.reshape(K, -1)
    b = b - b.mean()
    if penalty == "none":
        W = W - W.mean(axis=0)
    return W.ravel(), b


def rel_diff(o, r):
    """max |Δ| over coefficients and intercepts, relative to the reference's largest magnitude."""
    o, r = np.concatenate([np.ravel(x) for x in o]), np.concatenate([np.ravel(x) for x in r])
    return float(np.abs(o - r).max() / max(np.abs(r).max(), 1e-300))


class _TightLbfgs:
    """scipy.optimize as sklearn.linear_model._logistic sees it, with L-BFGS-B's ftol set to 64·ε (and maxls 50),
    the setting scikit-learn uses from 1.3 on. 1.2 passes only gtol = tol and keeps scipy's default
    ftol = 2.2e-9, which stops lbfgs on a relative decrease of the objective 1e-5 .. 1e-4 (relative) short of the
    optimum on the data here whatever tol is: that is not "lbfgs at tight tolerance"."""

    def __init__(self, module):
        self._m = module

    def __getattr__(self, name):
        return getattr(self._m, name)

    def minimize(self, *a, **k):
        if k.get("method") == "L-BFGS-B":
            k["options"] = dict(k.get("options") or {}, ftol=64 * np.finfo(float).eps, maxls=50)
        return self._m.minimize(*a, **k)


class tight_lbfgs:
    """with tight_lbfgs(): LogisticRegression(solver="lbfgs") runs with ftol = 64·ε (see _TightLbfgs)."""

    def __enter__(self):
        import sklearn.linear_model._logistic as lg
        self.lg, self.saved = lg, lg.optimize
        lg.optimize = _TightLbfgs(self.saved)

    def __exit__(self, *exc):
        self.lg.optimize = self.saved


def sk_fit(X, y, solver, penalty, C, tol, sw, balanced, max_iter=10000, tight_lbfgs=True):
    import sklearn.linear_model._logistic as lg
    kw = dict(C=C) if penalty != "none" else {}
    lr = LogisticRegression(penalty=None if penalty == "none" else penalty, solver=solver, tol=tol, max_iter=max_iter,
                            class_weight="balanced" if balanced else None, **kw)
    with warnings.catch_warnings(record=True) as wl:
        warnings.simplefilter("always")
        saved = lg.optimize
        if tight_lbfgs and solver == "lbfgs":
            lg.optimize = _TightLbfgs(saved)
        try:
            lr.fit(X, y, sample_weight=sw)
        finally:
            lg.optimize = saved
    conv = [str(w.message) for w in wl if issubclass(w.category, ConvergenceWarning)]
    K = len(lr.classes_)
    W = lr.coef_.ravel() if K == 2 else lr.coef_
    return W, lr.intercept_.copy(), int(np.max(lr.n_iter_)), conv


def sample_weight_eff(cls, K, sw, balanced):
    s = np.ones(len(cls)) if sw is None else np.asarray(sw, dtype=float).copy()
    if balanced:
        s = s * compute_class_weight("balanced", classes=np.arange(K), y=cls)[cls]
    return s


def exact_lr(X, y, C=1.0, penalty="l2", balanced=False):
    """A LogisticRegression holding the exact optimum of sklearn's objective (newton-cg at tol 1e-10, then full
    Newton steps): the reference where a metric must not depend on how far a solver stopped from the optimum."""
    K = int(y.max()) + 1
    Wn, bn, _, _ = sk_fit(X, y, "newton-cg", penalty, C, 1e-10, None, balanced, max_iter=100)
    W, b = newton_polish(X, y, K, np.asarray(Wn, dtype=float), np.asarray(bn, dtype=float), C, penalty,
                         sample_weight_eff(y, K, None, balanced))
    lr = LogisticRegression(C=C)
    lr.classes_ = np.arange(K)
    lr.coef_ = np.asarray(W, dtype=float).reshape(1 if K == 2 else K, -1)
    lr.intercept_ = np.asarray(b, dtype=float).ravel()
    lr.n_features_in_ = X.shape[1]
    return lr


@guarded
def coef_case(name, X, cls, penalty="l2", C=1.0, sw=None, balanced=False, solvers=("auto", "lbfgs")):
    K = int(cls.max()) + 1
    s_eff = sample_weight_eff(cls, K, sw, balanced)
    path = write_csv("lr.csv", X, cls, w=sw)
    tag = f"{name} [{'binary' if K == 2 else f'{K} classes'}, {penalty}, C={C}" + \
          (", balanced" if balanced else "") + (", sample weights" if sw is not None else "") + "]"
    # references
    if penalty == "l1":
        Wr, br, it, conv = sk_fit(X, cls, "saga", "l1", C, 1e-12, sw, balanced, max_iter=200000)
        Wopt, bopt = Wr, br
        ref_name = f"saga tol 1e-12 ({it} epochs)"
    else:
        Wl, bl, itl, convl = sk_fit(X, cls, "lbfgs", penalty, C, 1e-10, sw, balanced)
        Wn, bn, _, _ = sk_fit(X, cls, "newton-cg", penalty, C, 1e-10, sw, balanced, max_iter=100)
        Wopt, bopt = newton_polish(X, cls, K, np.asarray(Wn, dtype=float), np.asarray(bn, dtype=float), C, penalty, s_eff)
        ref_name = f"sklearn lbfgs tol 1e-10, ftol 64ε ({itl} it)"
    f_ref = objective(X, cls, K, np.asarray(Wopt), np.asarray(bopt), C, penalty, s_eff)
    for solver in solvers:
        args = ["logreg", path, "--penalty", penalty, "--C", repr(C), "--tol", "1e-10", "--max-iter", "1000",
                "--solver", solver]
        if balanced:
            args += ["--class-weight", "balanced"]
        if sw is not None:
            args += ["--weighted"]
        o = drv(*args)
        if "error" in o:
            check_true(f"{tag} {solver}: fit", o["message"], "fits", False)
            continue
        Wo = np.array(o["coef"]) if K == 2 else np.array(o["coef"]).reshape(K, -1)
        bo = np.array(o["intercept"])
        oc = centred(Wo, bo, K, penalty)
        if penalty == "l1":
            rc = centred(Wr, br, K, penalty)
            d = rel_diff(oc, rc)
            record(f"{tag} {solver} ({o['solver']}, {o['iterations']} it): coef+intercept vs {ref_name}",
                   oc[0][:3], rc[0][:3], d, 1e-5, d <= 1e-5)
            nz_ref = int((np.abs(np.ravel(Wr)) > 1e-8 * np.abs(Wr).max()).sum())
            check_eq(f"{tag} {solver}: nonzero coefficients (saga: |w| > 1e-8·max)", o["nonzero"], nz_ref)
        else:
            lc = centred(Wl, bl, K, penalty)
            d = rel_diff(oc, lc)
            record(f"{tag} {solver} ({o['solver']}, {o['iterations']} it): coef+intercept vs {ref_name}",
                   oc[0][:3], lc[0][:3], d, 1e-5, d <= 1e-5)
            pc = centred(Wopt, bopt, K, penalty)
            d = rel_diff(oc, pc)
            record(f"{tag} {solver}: coef+intercept vs the exact optimum (newton-cg + Newton polish)",
                   oc[0][:3], pc[0][:3], d, 1e-7, d <= 1e-7)
        f_ours = objective(X, cls, K, Wo, bo, C, penalty, s_eff)
        check_num(f"{tag} {solver}: our objective, reported vs recomputed (rel)", o["objective"], f_ours, 1e-10, rel=True)
        record(f"{tag} {solver}: objective ours − reference (rel; ≤ 0 is better)", f_ours, f_ref,
               (f_ours - f_ref) / abs(f_ref), 1e-12, (f_ours - f_ref) / abs(f_ref) <= 1e-12)
    if penalty == "l1" and K == 2 and sw is None and not balanced:
        # liblinear for information: it penalizes the intercept, so it is not the same problem
        lr = LogisticRegression(penalty="l1", solver="liblinear", C=C, tol=1e-10, max_iter=100000).fit(X, cls)
        info(f"{tag}: liblinear (intercept penalized) vs saga, rel", lr.coef_.ravel()[:3], np.ravel(Wr)[:3],
             rel_diff((lr.coef_.ravel(), lr.intercept_), (np.ravel(Wr), br)))


def datasets():
    """(name, X, class codes) for the coefficient checks: standardized, as the pipeline feeds the solver."""
    out = []
    bc = load_breast_cancer()
    out.append(("breast cancer std", StandardScaler().fit_transform(bc.data), bc.target))
    rng = np.random.RandomState(7)
    n, p = 800, 8
    F = rng.standard_normal((n, 3))
    X = F @ rng.standard_normal((3, p)) + 0.7 * rng.standard_normal((n, p))
    X = StandardScaler().fit_transform(X)
    y = (rng.random_sample(n) < 1 / (1 + np.exp(-(X @ rng.uniform(-1, 1, p) - 0.3)))).astype(int)
    out.append(("synthetic 800x8", X, y))
    ir = load_iris()
    out.append(("iris std", StandardScaler().fit_transform(ir.data), ir.target))
    wi = load_wine()
    out.append(("wine std", StandardScaler().fit_transform(wi.data), wi.target))
    n, p, K = 600, 6, 4
    X = StandardScaler().fit_transform(rng.standard_normal((n, p)) @ rng.standard_normal((p, p)))
    Z = X @ rng.standard_normal((p, K)) + np.array([0.8, 0.3, 0.0, -1.0])
    y = np.array([rng.choice(K, p=np.exp(z) / np.exp(z).sum()) for z in Z])
    out.append(("synthetic 600x6 4 classes", X, y))
    n, p = 700, 5
    X = StandardScaler().fit_transform(rng.standard_normal((n, p)))
    y = (rng.random_sample(n) < 1 / (1 + np.exp(-(X @ np.array([1.0, -0.5, 0.3, 0.0, 0.2]) - 2.6)))).astype(int)
    out.append(("imbalanced 700x5", X, y))
    return {name: (X, y) for name, X, y in out}


@guarded
def lbfgs_ftol_note(D):
    """Why the lbfgs reference runs with ftol = 64·ε: scikit-learn 1.2's own setting stops short."""
    X, y = D["breast cancer std"]
    W, b, it, _ = sk_fit(X, y, "lbfgs", "l2", 1.0, 1e-10, None, False, tight_lbfgs=False)
    Wt, bt, itt, _ = sk_fit(X, y, "lbfgs", "l2", 1.0, 1e-10, None, False)
    opt = exact_lr(X, y)
    info(f"breast cancer std: sklearn 1.2 lbfgs tol 1e-10 as shipped (ftol 2.2e-9, {it} it) vs the optimum, rel",
         W[:3], opt.coef_.ravel()[:3], rel_diff((W, b), (opt.coef_.ravel(), opt.intercept_)))
    info(f"breast cancer std: sklearn lbfgs tol 1e-10 with ftol 64ε ({itt} it) vs the optimum, rel",
         Wt[:3], opt.coef_.ravel()[:3], rel_diff((Wt, bt), (opt.coef_.ravel(), opt.intercept_)))


def coef_all():
    D = datasets()
    lbfgs_ftol_note(D)
    rng = np.random.RandomState(11)
    for name in ("breast cancer std", "synthetic 800x8", "iris std", "wine std", "synthetic 600x6 4 classes"):
        coef_case(name, *D[name])
    coef_case("synthetic 800x8", *D["synthetic 800x8"], C=0.05)
    coef_case("wine std", *D["wine std"], C=0.05)
    coef_case("synthetic 800x8", *D["synthetic 800x8"], penalty="none")
    coef_case("synthetic 600x6 4 classes", *D["synthetic 600x6 4 classes"], penalty="none")
    coef_case("imbalanced 700x5", *D["imbalanced 700x5"], balanced=True)
    coef_case("synthetic 600x6 4 classes", *D["synthetic 600x6 4 classes"], balanced=True)
    X, y = D["synthetic 800x8"]
    coef_case("synthetic 800x8", X, y, sw=rng.uniform(0.2, 3.0, len(y)))
    X, y = D["iris std"]
    coef_case("iris std", X, y, sw=rng.uniform(0.2, 3.0, len(y)))
    coef_case("imbalanced 700x5", *D["imbalanced 700x5"], balanced=True, sw=rng.uniform(0.5, 2.0, 700))
    # L1 against saga (same objective: intercept not penalized)
    coef_case("synthetic 800x8", *D["synthetic 800x8"], penalty="l1", C=0.05)
    coef_case("imbalanced 700x5", *D["imbalanced 700x5"], penalty="l1", C=0.1, balanced=True)
    coef_case("iris std", *D["iris std"], penalty="l1", C=0.5)
    coef_case("wine std", *D["wine std"], penalty="l1", C=0.1)
    separable()


@guarded
def separable():
    SECTION[0] = "coef"
    X = np.array([[1, 0, 1], [1, 0, 1], [1, 2, 1], [1, 1, 1]], dtype=float)
    y = np.array([1, 1, 0, 0])
    coef_case("separable y=[1,1,0,0]", X, y, solvers=("auto", "lbfgs", "tron"))
    path = write_csv("sep.csv", X, y)
    for solver in ("auto", "lbfgs"):
        o = drv("logreg", path, "--penalty", "none", "--solver", solver, "--max-iter", "1000")
        Wr, br, it, conv = sk_fit(X, y, "lbfgs", "none", 1.0, 1e-4, None, False, max_iter=100, tight_lbfgs=False)
        ok = "error" not in o and (o["quasi_separated"] == 1 or o["converged"] == 0)
        check_true(f"separable, penalty none, {solver}: separation reported (quasi_separated or not converged)",
                   "error" if "error" in o else f"quasi_separated={o['quasi_separated']} converged={o['converged']} "
                   f"|w|={np.abs(o['coef']).max():.3g}",
                   f"sklearn: {'ConvergenceWarning' if conv else 'no warning'}, |w|={np.abs(Wr).max():.3g}", ok)


# ---------------------------------------------------------------------------------------------------------
# pipelines (the end-to-end numbers)
# ---------------------------------------------------------------------------------------------------------

@guarded
def pipeline_breast_cancer():
    bc = load_breast_cancer()
    path = write_csv("breast_cancer.csv", bc.data, bc.target)
    X, y = bc.data, bc.target
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=42)
    sc = StandardScaler().fit(Xtr)
    A, B = sc.transform(Xtr), sc.transform(Xte)
    lr = LogisticRegression().fit(A, ytr)
    pred, prob = lr.predict(B), lr.predict_proba(B)[:, 1]
    ref = {"accuracy": accuracy_score(yte, pred), "precision": precision_score(yte, pred),
           "recall": recall_score(yte, pred), "f1": f1_score(yte, pred), "roc_auc": roc_auc_score(yte, prob)}
    lit = {"accuracy": 0.973684, "precision": 0.972222, "recall": 0.985915, "f1": 0.979021, "roc_auc": 0.997380}
    o = drv("pipeline", path, "--split", "random:0.2:42")
    check_eq("breast cancer 0.2/42: test rows", [o["n_train"], o["n_test"], o["test_rows"]],
             [len(ytr), len(yte), train_test_split(np.arange(len(y)), test_size=0.2, random_state=42)[1].tolist()])
    for key in lit:
        check_num(f"breast cancer LR test {key} (issue literal, 6 d.p.)", o["test"][key], lit[key], 5e-7)
        check_num(f"breast cancer LR test {key} (live sklearn)", o["test"][key], ref[key], 1e-12)
    # PCA(0.95) in between
    pca = PCA(0.95).fit(A)
    lr2 = LogisticRegression().fit(pca.transform(A), ytr)
    acc = accuracy_score(yte, lr2.predict(pca.transform(B)))
    o = drv("pipeline", path, "--split", "random:0.2:42", "--pca", 0.95)
    check_eq("breast cancer + PCA(0.95): n_components (issue 10, live)", [o.get("n_components"), o.get("n_components")],
             [10, int(pca.n_components_)])
    check_num("breast cancer + PCA(0.95): test accuracy (issue literal)", o["test"]["accuracy"], 0.982456, 5e-7)
    check_num("breast cancer + PCA(0.95): test accuracy (live sklearn)", o["test"]["accuracy"], acc, 1e-12)
    check_num("breast cancer + PCA(0.95): test ROC-AUC (live sklearn)", o["test"]["roc_auc"],
              roc_auc_score(yte, lr2.predict_proba(pca.transform(B))[:, 1]), 1e-9)
    # stratified split through the pipeline
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=3, stratify=y)
    sc = StandardScaler().fit(Xtr)
    lr = exact_lr(sc.transform(Xtr), ytr)
    o = drv("pipeline", path, "--split", "stratified:0.25:3")
    if "error" in o:
        check_true("breast cancer stratified 0.25/3", o["message"], "runs", False)
        return
    check_num("breast cancer stratified 0.25/3: test accuracy (live)", o["test"]["accuracy"],
              accuracy_score(yte, lr.predict(sc.transform(Xte))), 1e-12)
    check_num("breast cancer stratified 0.25/3: test log loss (live, exact optimum)", o["test"]["log_loss"],
              log_loss(yte, lr.predict_proba(sc.transform(Xte))[:, 1]), 1e-9)


@guarded
def pipeline_iris():
    """The issue's iris numbers come from: StandardScaler fitted on all 150 rows, LogisticRegression() with its
    defaults (lbfgs, multinomial, C=1, tol=1e-4) fitted on all 150 rows, accuracy and log loss on the same rows."""
    ir = load_iris()
    Z = StandardScaler().fit_transform(ir.data)
    lr = LogisticRegression().fit(Z, ir.target)
    acc, ll = accuracy_score(ir.target, lr.predict(Z)), log_loss(ir.target, lr.predict_proba(Z))
    lr_opt = exact_lr(Z, ir.target)
    ll_opt = log_loss(ir.target, lr_opt.predict_proba(Z))
    o = drv("pipeline", write_csv("iris.csv", ir.data, ir.target), "--split", "none")
    if "fit_error" in o:
        check_true("iris multinomial: fit", o["message"], "fits", False)
        return
    t = o["test"]
    if "error" in t:
        check_true("iris multinomial: metrics", t["message"], "metrics", False)
        return
    check_num("iris all 150 rows: scaler + LR() fit and scored on them, accuracy (issue literal)", t["accuracy"], 0.973333, 5e-7)
    check_num("iris all 150 rows: scaler + LR() fit and scored on them, accuracy (live)", t["accuracy"], acc, 1e-12)
    check_num("iris all 150 rows: scaler + LR() fit and scored on them, log loss (issue literal)", t["log_loss"], 0.129542, 5e-7)
    check_num("iris all 150 rows: scaler + LR() fit and scored on them, log loss (live, sklearn default tol)", t["log_loss"], ll, 1e-6)
    check_num("iris all 150 rows: scaler + LR() fit and scored on them, log loss (live, at the optimum)", t["log_loss"], ll_opt, 1e-9)


# ---------------------------------------------------------------------------------------------------------
# metrics
# ---------------------------------------------------------------------------------------------------------

def sk_binary(y, s):
    pred = (s > 0.5).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    r = {"accuracy": accuracy_score(y, pred), "precision": precision_score(y, pred, zero_division=0),
         "recall": recall_score(y, pred, zero_division=0), "f1": f1_score(y, pred, zero_division=0),
         "roc_auc": roc_auc_score(y, s), "pr_auc": average_precision_score(y, s),
         "log_loss": log_loss(y, s, labels=[0, 1]), "brier": brier_score_loss(y, s),
         "tp": tp, "fp": fp, "tn": tn, "fn": fn}
    for avg in ("macro", "micro", "weighted"):
        pr, rc, f1, _ = precision_recall_fscore_support(y, pred, average=avg, labels=[0, 1], zero_division=0)
        r.update({f"{avg}_precision": pr, f"{avg}_recall": rc, f"{avg}_f1": f1})
    order = np.argsort(-s, kind="stable")
    n = len(y)
    r["precision_top1"] = y[order[:-(-n // 100)]].mean()
    r["precision_top5"] = y[order[:-(-n // 20)]].mean()
    return r


@guarded
def metrics_binary():
    rng = np.random.RandomState(21)
    n = 1000
    y = (rng.random_sample(n) < 0.3).astype(int)
    s = np.clip(np.round(0.35 * y + 0.65 * rng.random_sample(n), 2), 0, 1)   # ties, exact 0 and 1 are possible
    s[:3] = [0.0, 1.0, 0.5]
    o = drv("metrics_binary", write_csv("mb.csv", np.column_stack([y, s])))
    ref = sk_binary(y, s)
    for key, rv in ref.items():
        if key in ("tp", "fp", "tn", "fn"):
            check_eq(f"binary {key}", o[key], int(rv))
        else:
            check_num(f"binary {key}", o[key], rv, 1e-12)
    prob_true, prob_pred = calibration_curve(y, s, n_bins=10, strategy="uniform")
    nonempty = np.array(o["cal_count"]) > 0
    check_arr("calibration: fraction of positives per non-empty bin", np.array(o["cal_fraction_positive"])[nonempty],
              prob_true, 1e-12)
    check_arr("calibration: mean predicted per non-empty bin", np.array(o["cal_mean_predicted"])[nonempty], prob_pred,
              1e-12)
    bins = np.searchsorted(np.linspace(0.0, 1.0, 11)[1:-1], s)   # calibration_curve's bins (side="left")
    check_eq("calibration: rows per bin", o["cal_count"], np.bincount(bins, minlength=10).tolist())


@guarded
def metrics_multiclass():
    rng = np.random.RandomState(22)
    n, K = 500, 4
    cls = rng.choice(K, n, p=[0.4, 0.3, 0.2, 0.1])
    P = rng.dirichlet(np.ones(K), n)
    P[np.arange(n), cls] += 0.3 * rng.random_sample(n)
    P /= P.sum(axis=1, keepdims=True)
    o = drv("metrics_multiclass", write_csv("mm.csv", np.column_stack([cls, P])), K)
    if "error" in o:
        check_true("multiclass metrics", o["message"], "metrics", False)
        return
    pred = P.argmax(axis=1)
    check_num("multiclass accuracy", o["accuracy"], accuracy_score(cls, pred), 1e-12)
    for avg in ("macro", "micro", "weighted"):
        pr, rc, f1, _ = precision_recall_fscore_support(cls, pred, average=avg, zero_division=0)
        check_num(f"multiclass {avg} precision", o[f"{avg}_precision"], pr, 1e-12)
        check_num(f"multiclass {avg} recall", o[f"{avg}_recall"], rc, 1e-12)
        check_num(f"multiclass {avg} F1", o[f"{avg}_f1"], f1, 1e-12)
    pr, rc, f1, sup = precision_recall_fscore_support(cls, pred, zero_division=0)
    check_arr("multiclass per-class precision", o["class_precision"], pr, 1e-12)
    check_arr("multiclass per-class recall", o["class_recall"], rc, 1e-12)
    check_arr("multiclass per-class F1", o["class_f1"], f1, 1e-12)
    check_eq("multiclass support", o["class_support"], sup.tolist())
    check_eq("multiclass confusion matrix", o["confusion"], confusion_matrix(cls, pred).tolist())
    check_num("multiclass log loss", o["log_loss"], log_loss(cls, P), 1e-12)
    check_num("multiclass Brier (mean Σ_k (p_k − [y=k])²)", o["brier"], ((P - np.eye(K)[cls]) ** 2).sum(1).mean(), 1e-12)
    check_num("multiclass ROC-AUC ovr macro", o["roc_auc_ovr_macro"], roc_auc_score(cls, P, multi_class="ovr"), 1e-12)
    check_num("multiclass ROC-AUC ovr weighted", o["roc_auc_ovr_weighted"],
              roc_auc_score(cls, P, multi_class="ovr", average="weighted"), 1e-12)
    check_arr("multiclass per-class one-vs-rest ROC-AUC", o["class_roc_auc"],
              [roc_auc_score(cls == k, P[:, k]) for k in range(K)], 1e-12)


@guarded
def metrics_edges():
    y = np.ones(20, dtype=int)
    s = np.linspace(0.05, 0.95, 20)
    o = drv("metrics_binary", write_csv("me.csv", np.column_stack([y, s])))
    try:
        roc_auc_score(y, s)
        ref = "defined"
    except ValueError as e:
        ref = f"ValueError: {e}"
    check_true("one class in the truth: ROC-AUC undefined (NaN, flagged)",
               f"roc_auc={o.get('roc_auc')} one_class_truth={o.get('one_class_truth')}", ref,
               o.get("roc_auc") is not None and math.isnan(o["roc_auc"]) and o.get("one_class_truth") == 1)
    y = np.array([0, 1] * 10)
    s = np.linspace(0.05, 0.45, 20)
    o = drv("metrics_binary", write_csv("me.csv", np.column_stack([y, s])))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = precision_score(y, (s > 0.5).astype(int))
    check_true("no predicted positives: precision 0, flagged",
               f"precision={o.get('precision')} no_predicted_positive={o.get('no_predicted_positive')}",
               f"sklearn precision_score={ref} (UndefinedMetricWarning)",
               o.get("precision") == 0.0 == ref and o.get("no_predicted_positive") == 1)
    o = drv("metrics_binary", write_csv("me.csv", np.column_stack([[0, 1, 2, 1], [0.1, 0.2, 0.3, 0.4]])))
    check_true("multiclass truth given to a binary metric: AS_ERR_INVALID", o.get("message", "no error"),
               "ValueError (multiclass format is not supported)", o.get("error") == AS_ERR_INVALID)
    o = drv("metrics_multiclass", write_csv("me.csv", np.column_stack([[0, 1, 1, 0], np.full((4, 3), 1 / 3)])), 3)
    check_true("multiclass, a class absent from the truth: one-vs-rest ROC-AUC NaN",
               f"roc_auc_ovr_macro={o.get('roc_auc_ovr_macro')}", "undefined (sklearn raises)",
               "error" not in o and math.isnan(o.get("roc_auc_ovr_macro", 0.0)))


# ---------------------------------------------------------------------------------------------------------
# CLI (pipeline level; only what `aftersales train --help` advertises)
# ---------------------------------------------------------------------------------------------------------

def cli_train(csv, target, outdir, *flags):
    model = os.path.join(outdir, "model.json")
    out = subprocess.run([Ctx.cli, "train", "--csv", csv, "--target", target, "--out", model, "--quiet", *flags],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"aftersales train {' '.join(flags)} exited {out.returncode}: {out.stderr.strip()[:300]}")
    with open(os.path.join(outdir, "metrics.json")) as f:
        return json.load(f)


def jget(m, *path):
    for p in path:
        if not isinstance(m, dict) or p not in m:
            return None
        m = m[p]
    return m


def cli_help():
    out = subprocess.run([Ctx.cli, "train", "--help"], capture_output=True, text=True)
    text = out.stdout + out.stderr
    has = {f: (f in text) for f in ("--split", "--pca", "--penalty", "--solver", "--class-weight", "--cv", "stratified")}
    info("flags listed by `aftersales train --help`", " ".join(f for f, v in has.items() if v) or "-", " ".join(has))
    return has


def split_std(X, y, frac=0.2, seed=42, stratify=False):
    """train_test_split + StandardScaler fitted on the training rows, as `aftersales train --csv` does."""
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=frac, random_state=seed, stratify=y if stratify else None)
    sc = StandardScaler().fit(Xtr)
    return sc.transform(Xtr), sc.transform(Xte), ytr, yte, Xtr, ytr


@guarded
def cli_breast_cancer(has):
    """The issue's breast-cancer numbers through `aftersales train --csv` (the lead's pipeline)."""
    if not (has["--split"] and has["--pca"]):
        return
    bc = load_breast_cancer()
    csv = write_csv("bc_cli.csv", bc.data, bc.target, header=[f"f{j}" for j in range(30)] + ["target"])
    A, B, ytr, yte, _, _ = split_std(bc.data, bc.target)
    m = cli_train(csv, "target", os.path.join(Ctx.work, "cli1"), "--split", "random:0.2:42", "--pca", "0")
    lr = LogisticRegression().fit(A, ytr)
    pred, prob = lr.predict(B), lr.predict_proba(B)[:, 1]
    for key, rv, lit in [("accuracy", accuracy_score(yte, pred), 0.973684),
                         ("precision", precision_score(yte, pred), 0.972222),
                         ("recall", recall_score(yte, pred), 0.985915), ("f1", f1_score(yte, pred), 0.979021),
                         ("roc_auc", roc_auc_score(yte, prob), 0.997380)]:
        check_num(f"CLI breast cancer test.{key} (issue literal)", jget(m, "test", key), lit, 5e-7)
        check_num(f"CLI breast cancer test.{key} (live)", jget(m, "test", key), rv, 1e-9)
    check_num("CLI breast cancer test.log_loss (live, exact optimum)", jget(m, "test", "log_loss"),
              log_loss(yte, exact_lr(A, ytr).predict_proba(B)[:, 1]), 1e-9)
    m = cli_train(csv, "target", os.path.join(Ctx.work, "cli2"), "--split", "random:0.2:42", "--pca", "0.95")
    pca = PCA(0.95).fit(A)
    lr = LogisticRegression().fit(pca.transform(A), ytr)
    check_eq("CLI breast cancer --pca 0.95: n_components (issue 10)", m.get("n_components", m.get("components")),
             int(pca.n_components_))
    check_num("CLI breast cancer --pca 0.95: test.accuracy (issue literal)", jget(m, "test", "accuracy"), 0.982456, 5e-7)
    check_num("CLI breast cancer --pca 0.95: test.accuracy (live)", jget(m, "test", "accuracy"),
              accuracy_score(yte, lr.predict(pca.transform(B))), 1e-12)
    if has["--class-weight"]:
        m = cli_train(csv, "target", os.path.join(Ctx.work, "cli_bal"), "--split", "random:0.2:42", "--pca", "0",
                      "--class-weight", "balanced")
        check_num("CLI breast cancer --class-weight balanced: test.log_loss (live, exact optimum)",
                  jget(m, "test", "log_loss"), log_loss(yte, exact_lr(A, ytr, balanced=True).predict_proba(B)[:, 1]),
                  1e-9)
    if has["--solver"]:
        ref = log_loss(yte, exact_lr(A, ytr).predict_proba(B)[:, 1])
        for solver in ("newton", "lbfgs"):
            m = cli_train(csv, "target", os.path.join(Ctx.work, f"cli_{solver}"), "--split", "random:0.2:42", "--pca",
                          "0", "--solver", solver)
            check_num(f"CLI breast cancer --solver {solver}: test.log_loss (live, exact optimum)",
                      jget(m, "test", "log_loss"), ref, 1e-8)
    if has["--cv"]:
        m = cli_train(csv, "target", os.path.join(Ctx.work, "cli_cv"), "--split", "random:0.2:42", "--pca", "0",
                      "--cv", "5")
        _, _, _, _, Xtr, ytr = split_std(bc.data, bc.target)
        accs, lls = [], []
        for trf, tef in StratifiedKFold(5).split(Xtr, ytr):
            sc = StandardScaler().fit(Xtr[trf])
            lr = exact_lr(sc.transform(Xtr[trf]), ytr[trf])
            accs.append(accuracy_score(ytr[tef], lr.predict(sc.transform(Xtr[tef]))))
            lls.append(log_loss(ytr[tef], lr.predict_proba(sc.transform(Xtr[tef]))[:, 1]))
        folds = jget(m, "cv", "folds") or []
        check_arr("CLI --cv 5: fold accuracies (StratifiedKFold(5) of the training rows, scaler per fold)",
                  [f.get("accuracy") for f in folds], accs, 1e-12)
        check_arr("CLI --cv 5: fold log losses (exact optimum per fold)", [f.get("log_loss") for f in folds], lls, 1e-8)
        check_num("CLI --cv 5: mean accuracy", jget(m, "cv", "mean", "accuracy"), np.mean(accs), 1e-12)
        check_num("CLI --cv 5: std accuracy (ddof 0)", jget(m, "cv", "std", "accuracy"), np.std(accs), 1e-12)


@guarded
def cli_penalties(has):
    """--penalty l1 / none on a well-conditioned synthetic set (breast cancer is quasi-separable without a
    penalty, and saga needs ~20 s to reach 1e-12 on it)."""
    if not has["--penalty"]:
        return
    X, y = datasets()["synthetic 800x8"]
    X = X * np.linspace(0.5, 5, X.shape[1]) + np.arange(X.shape[1])   # not standardized: the CLI does that
    csv = write_csv("syn_cli.csv", X, y, header=[f"x{j}" for j in range(X.shape[1])] + ["y"])
    A, B, ytr, yte, _, _ = split_std(X, y)
    for pen, C in (("l1", 0.05), ("none", 1.0)):
        m = cli_train(csv, "y", os.path.join(Ctx.work, f"cli_{pen}"), "--split", "random:0.2:42", "--pca", "0",
                      "--penalty", pen, "--C", repr(C))
        if pen == "l1":
            lr = LogisticRegression(penalty="l1", solver="saga", C=C, tol=1e-12, max_iter=100000).fit(A, ytr)
        else:
            lr = exact_lr(A, ytr, penalty="none")
        p = lr.predict_proba(B)[:, 1]
        check_num(f"CLI --penalty {pen} C={C}: test.log_loss (live, {'saga 1e-12' if pen == 'l1' else 'exact'})",
                  jget(m, "test", "log_loss"), log_loss(yte, p), 1e-8)
        check_num(f"CLI --penalty {pen} C={C}: test.accuracy (live)", jget(m, "test", "accuracy"),
                  accuracy_score(yte, (p > 0.5).astype(int)), 1e-12)
        if pen == "l1":
            check_eq("CLI --penalty l1: nonzero coefficients", m.get("nonzero_coefficients"),
                     int((np.abs(lr.coef_) > 1e-8 * np.abs(lr.coef_).max()).sum()))


@guarded
def cli_iris(has):
    if not has["stratified"]:
        return
    ir = load_iris()
    csv = write_csv("iris_cli.csv", ir.data, ir.target, header=["sl", "sw", "pl", "pw", "species"])
    m = cli_train(csv, "species", os.path.join(Ctx.work, "cli_iris"), "--split", "stratified:0.2:42", "--pca", "0")
    A, B, ytr, yte, _, _ = split_std(ir.data, ir.target, stratify=True)
    lr = exact_lr(A, ytr)
    check_eq("CLI iris stratified 0.2/42: n_classes", m.get("n_classes"), 3)
    check_num("CLI iris stratified 0.2/42: test.accuracy (live)", jget(m, "test", "accuracy"),
              accuracy_score(yte, lr.predict(B)), 1e-12)
    check_num("CLI iris stratified 0.2/42: test.log_loss (live, exact optimum)", jget(m, "test", "log_loss"),
              log_loss(yte, lr.predict_proba(B)), 1e-8)


@guarded
def cli_separable(has):
    if not has["--penalty"]:
        return
    csv = write_csv("sep_cli.csv", [[1, 0, 1], [1, 0, 1], [1, 2, 1], [1, 1, 1]] * 5, [1, 1, 0, 0] * 5,
                    header=["a", "b", "c", "y"])
    m = cli_train(csv, "y", os.path.join(Ctx.work, "cli_sep"), "--split", "random:0.2:42", "--pca", "0", "--penalty",
                  "none")
    warn = " ".join(m.get("warnings") or [])
    check_true("CLI separable data, --penalty none: separation reported", f"separated={m.get('separated')} "
               f"warnings: {warn[:60]}", "a separation warning", m.get("separated") is True and "separa" in warn)


def nearest(ours, ref_x, ref_y):
    """The largest distance (max norm) from one of our [x, y] vertices to the nearest reference point."""
    R = np.column_stack([ref_x, ref_y])
    return max((float(np.abs(R - np.asarray(v, dtype=float)).max(axis=1).min()) for v in ours), default=0.0)


def curve_checks(name, m, part, y, p):
    """metrics.json's curves and operating point of one part against scikit-learn on the reference scores p."""
    cur, at = jget(m, "curves", part) or {}, jget(m, "at_threshold", part) or {}
    roc, pr, top = cur.get("roc") or [], cur.get("pr") or [], cur.get("top_k_precision") or []
    fpr, tpr, _ = roc_curve(y, p, drop_intermediate=False)
    prec, rec, _ = precision_recall_curve(y, p)
    check_true(f"{name} {part}: ROC (0, 0) … (1, 1), ≤ 128 vertices", f"{len(roc)} vertices",
               f"{len(fpr)} points in roc_curve",
               2 <= len(roc) <= 128 and roc[0] == [0, 0] and roc[-1] == [1, 1])
    check_num(f"{name} {part}: ROC vertices on roc_curve(drop_intermediate=False)", nearest(roc, fpr, tpr), 0.0, 1e-12)
    check_true(f"{name} {part}: PR vertices, recall ascending to 1", f"{len(pr)} vertices",
               f"{len(rec)} points in precision_recall_curve",
               1 <= len(pr) <= 128 and pr[-1][0] == 1 and all(a[0] <= b[0] for a, b in zip(pr, pr[1:])))
    check_num(f"{name} {part}: PR vertices on precision_recall_curve", nearest(pr, rec, prec), 0.0, 1e-12)
    order, n = np.argsort(-p, kind="stable"), len(y)
    check_arr(f"{name} {part}: top k % precision, k = 1 … 100",
              top, [y[order[:-(-k * n // 100)]].mean() for k in range(1, 101)], 1e-12)
    thr = m.get("threshold")
    flag = p >= thr
    check_eq(f"{name} {part}: at threshold {thr:.4g}: rows, flagged, flagged positives",
             [at.get("rows"), at.get("flagged"), at.get("flagged_positives")],
             [n, int(flag.sum()), int((flag & (y == 1)).sum())])
    check_num(f"{name} {part}: at threshold: recall", at.get("recall"), recall_score(y, flag.astype(int)), 1e-12)


@guarded
def cli_curves(has):
    """The chart curves of metrics.json (issue 6), on breast cancer (distinct scores) and on a set of two small
    integer features (15 distinct rows, so heavy ties), against the exact optimum's scores."""
    if not (has["--split"] and has["--pca"]):
        return
    bc = load_breast_cancer()
    rng = np.random.RandomState(6)
    Xt = np.column_stack([rng.randint(0, 5, 2000), rng.randint(0, 3, 2000)]).astype(float)
    yt = (rng.random_sample(2000) < 1 / (1 + np.exp(2.0 - 0.6 * Xt[:, 0] - 0.5 * Xt[:, 1]))).astype(int)
    for name, X, y in (("curves breast cancer", bc.data, bc.target), ("curves tied scores", Xt, yt)):
        tag = name.split()[1]
        csv = write_csv(f"curves_{tag}.csv", X, y, header=[f"f{j}" for j in range(X.shape[1])] + ["target"])
        m = cli_train(csv, "target", os.path.join(Ctx.work, f"cli_curves_{tag}"), "--split", "random:0.2:42",
                      "--pca", "0")
        A, B, ytr, yte, _, _ = split_std(X, y)
        lr = exact_lr(A, ytr)
        curve_checks(name, m, "train", ytr, lr.predict_proba(A)[:, 1])
        curve_checks(name, m, "test", yte, lr.predict_proba(B)[:, 1])


def cli_checks():
    has = cli_help()
    cli_breast_cancer(has)
    cli_curves(has)
    cli_penalties(has)
    cli_iris(has)
    cli_separable(has)


# ---------------------------------------------------------------------------------------------------------

SECTIONS = {
    "splits": [splits_permutation, splits_random, splits_stratified, splits_kfold, splits_stratified_kfold],
    "scaler": [scaler],
    "pca": [pca_iris, pca_more, pca_errors],
    "pipeline": [pipeline_breast_cancer, pipeline_iris],
    "coef": [coef_all],
    "metrics": [metrics_binary, metrics_multiclass, metrics_edges],
    "cli": [cli_checks],
}


def print_table():
    heads = ("check", "ours", "reference", "difference", "tolerance", "ok")
    w = [max(len(heads[0]), max(len(r[1]) for r in ROWS)), 48, 48, 10, 9]
    line = f"{heads[0]:<{w[0]}} | {heads[1]:<{w[1]}} | {heads[2]:<{w[2]}} | {heads[3]:>{w[3]}} | {heads[4]:>{w[4]}} | ok"
    cur = None
    print(line)
    print("-" * len(line))
    for sec, check, ours, ref, diff, tol, ok in ROWS:
        if sec != cur:
            print(f"[{sec}]")
            cur = sec
        mark = "info" if ok is None else ("ok" if ok else "FAIL")
        print(f"{check:<{w[0]}} | {ours:<{w[1]}} | {ref:<{w[2]}} | {diff:>{w[3]}} | {tol:>{w[4]}} | {mark}")


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__)
        return 2
    Ctx.driver = args[0]
    keep, only = None, None
    i = 1
    while i < len(args):
        if args[i] == "--cli":
            Ctx.cli = args[i + 1]
        elif args[i] == "--keep":
            keep = args[i + 1]
        elif args[i] == "--only":
            only = args[i + 1].split(",")
        else:
            print(f"unknown argument {args[i]}")
            return 2
        i += 2
    np.seterr(all="ignore")
    warnings.simplefilter("ignore")
    t0 = time.time()
    print(f"parity_suite: scikit-learn {sklearn.__version__}, numpy {np.__version__}, driver {Ctx.driver}")
    with tempfile.TemporaryDirectory() as tmp:
        Ctx.work = keep or tmp
        os.makedirs(Ctx.work, exist_ok=True)
        for name, fns in SECTIONS.items():
            if only and name not in only:
                continue
            if name == "cli" and not Ctx.cli:
                continue
            SECTION[0] = name
            for fn in fns:
                t = time.time()
                fn()
                print(f"  {name}: {fn.__name__} {time.time() - t:.1f} s", file=sys.stderr)
    print_table()
    fails = [r for r in ROWS if r[6] is False]
    print(f"\nparity_suite: {len(ROWS)} rows, {len(fails)} failed; {time.time() - t0:.1f} s "
          f"(driver {Ctx.driver_seconds:.1f} s)")
    for r in fails:
        print(f"  FAIL [{r[0]}] {r[1]}: ours {r[2]} reference {r[3]} difference {r[4]} tolerance {r[5]}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
