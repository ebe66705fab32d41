#!/usr/bin/python3
"""Parity of `aftersales train --csv` with the same flow in pandas + scikit-learn.

The flow: read_csv -> drop a `split` column -> dropna -> get_dummies -> train_test_split(0.2, 42) ->
StandardScaler (fit on train) -> PCA(0.95) (fit on train) -> LogisticRegression -> metrics.
aftersales fits the scaler and PCA on the training rows only (no leakage), so the reference here does the
same; the seed script fits PCA on all rows before splitting (documented in docs/methods.md).

Usage: seed_flow_parity.py AFTERSALES_BIN WORKDIR
Tolerances: number of PCA components and test-row count exactly equal; accuracy and the confusion matrix
exactly equal; ROC-AUC and log loss within 1e-9. The reference is solved with newton-cg at tol=1e-12: lbfgs stops
on its relative-reduction test (ftol = 64 eps) a few 1e-7 short of the optimum, which aftersales reaches.
"""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

binary, work = sys.argv[1], sys.argv[2]
failures = 0


def check(name, ok, detail):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    if not ok:
        failures += 1


def make_data(seed, n, scale_mix):
    rng = np.random.RandomState(seed)
    base = rng.normal(size=(n, 6))
    X = np.column_stack([base[:, 0] * scale_mix, base[:, 1] + 0.8 * base[:, 0], base[:, 2] * 3, base[:, 3],
                         rng.poisson(3, n), base[:, 4] * 0.01])
    colour = rng.choice(['red', 'green', 'blue', 'NA'], size=n, p=[0.4, 0.3, 0.2, 0.1])
    shop = rng.choice(['s1', 's2', 's3'], size=n)
    logit = 0.8 * base[:, 0] - 0.5 * base[:, 2] + 0.3 * (colour == 'red') - 1.0
    y = np.where(rng.uniform(size=n) < 1 / (1 + np.exp(-logit)), 'yes', 'no')
    df = pd.DataFrame({'a': X[:, 0], 'b': X[:, 1], 'c': X[:, 2], 'd': X[:, 3], 'count': X[:, 4].astype(int),
                       'tiny': X[:, 5], 'colour': colour, 'shop': shop, 'returned': y,
                       'split': rng.choice(['x', 'y'], size=n)})
    # holes: about 2 % of rows lose a value somewhere
    for col in ['a', 'colour']:
        idx = rng.choice(n, size=n // 100, replace=False)
        df.loc[idx, col] = np.nan
    return df


for seed, n, scale_mix, no_scale in [(1, 3000, 1.0, False), (2, 5000, 50.0, False), (3, 4000, 20.0, True)]:
    path = f"{work}/data{seed}.csv"
    make_data(seed, n, scale_mix).to_csv(path, index=False)
    out = f"{work}/m{seed}/model.json"
    cmd = [binary, 'train', '--csv', path, '--target', 'returned', '--out', out, '--quiet']
    if no_scale:
        cmd.append('--no-scale')
    subprocess.run(cmd, check=True)
    ours = json.load(open(f"{work}/m{seed}/metrics.json"))

    # The reference: keep_default_na=False with na_values=[''] so that the text NA stays a colour, as in aftersales.
    df = pd.read_csv(path, keep_default_na=False, na_values=[''])
    df = df.drop(columns=['split']).dropna()
    y = (df['returned'] == 'yes').astype(int).to_numpy()
    X = pd.get_dummies(df.drop(columns=['returned'])).to_numpy(dtype=float)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=42)
    if not no_scale:
        sc = StandardScaler().fit(Xtr)
        Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
    pca = PCA(n_components=0.95).fit(Xtr)
    Ztr, Zte = pca.transform(Xtr), pca.transform(Xte)
    clf = LogisticRegression(solver='newton-cg', tol=1e-12, max_iter=10000).fit(Ztr, ytr)
    p = clf.predict_proba(Zte)[:, 1]
    pred = clf.predict(Zte)
    tag = f"data{seed} ({'unscaled' if no_scale else 'scaled'})"
    check(f"{tag} rows after dropna", ours['dropped_missing_rows'] == n - len(df),
          f"{ours['dropped_missing_rows']} vs {n - len(df)}")
    check(f"{tag} test rows", ours['test']['rows'] == len(yte), f"{ours['test']['rows']} vs {len(yte)}")
    check(f"{tag} PCA components", ours['components'] == pca.n_components_, f"{ours['components']} vs {pca.n_components_}")
    acc = accuracy_score(yte, pred)
    check(f"{tag} test accuracy", abs(ours['test']['accuracy'] - acc) < 1e-12, f"{ours['test']['accuracy']:.10f} vs {acc:.10f}")
    auc = roc_auc_score(yte, p)
    check(f"{tag} test ROC-AUC", abs(ours['test']['roc_auc'] - auc) < 1e-9, f"{ours['test']['roc_auc']:.10f} vs {auc:.10f}")
    ll = log_loss(yte, p)
    check(f"{tag} test log loss", abs(ours['test']['log_loss'] - ll) < 1e-9, f"{ours['test']['log_loss']:.10f} vs {ll:.10f}")
    tp = int(((pred == 1) & (yte == 1)).sum())
    check(f"{tag} test true positives", ours['test']['confusion']['tp'] == tp, f"{ours['test']['confusion']['tp']} vs {tp}")

print(f"{3 * 7 - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
