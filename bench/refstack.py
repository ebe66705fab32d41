#!/usr/bin/python3
"""Reference-stack helpers for bench/run.sh (figures, not tests). Run with Debian's /usr/bin/python3.

  refstack.py libsvm FLAT.csv TARGET PREFIX   the seed's design matrix in libsvm text for liblinear-train:
        read_csv -> drop a 'split' column -> dropna -> y = TARGET, X = get_dummies(the rest) -> float ->
        StandardScaler fitted on all rows (as seed_pipeline.py --scale does before PCA) -> the rows of
        train_test_split(test_size=0.2, random_state=42) into PREFIX.train.svm and PREFIX.test.svm
        (sklearn's dump_svmlight_file: 1-based indices, %.16g, zeros left out). Labels are the class codes
        0 .. K-1 of the sorted target values. Prints one line: rows= cols= train= test= positive= seconds=.
  refstack.py metrics TEST.svm PRED.txt       accuracy and ROC-AUC of `liblinear-predict -b 1` output on the
        test file; prints: accuracy= roc_auc=.
  refstack.py read-csv FILE [REPEATS]         pandas.read_csv of FILE, best of REPEATS (default 3); prints:
        seconds= mb_per_s= rows= (MB = 10^6 bytes of the file).
"""
import os
import sys
import time


def libsvm(path, target, prefix):
    import numpy as np
    import pandas as pd
    from sklearn.datasets import dump_svmlight_file
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    t0 = time.time()
    df = pd.read_csv(path)
    df = df.drop(columns=[c for c in df.columns if c == 'split'])
    df = df.dropna()
    classes, y = np.unique(df[target].to_numpy(), return_inverse=True)
    X = pd.get_dummies(df.drop(columns=[target])).to_numpy(dtype=float)
    X = StandardScaler().fit_transform(X)
    idx_train, idx_test = train_test_split(np.arange(len(y)), test_size=0.2, random_state=42)
    dump_svmlight_file(X[idx_train], y[idx_train], prefix + '.train.svm', zero_based=False)
    dump_svmlight_file(X[idx_test], y[idx_test], prefix + '.test.svm', zero_based=False)
    positive = classes[-1] if len(classes) == 2 else 'n/a'
    print(f'rows={len(y)} cols={X.shape[1]} train={len(idx_train)} test={len(idx_test)} positive={positive} '
          f'seconds={time.time() - t0:.2f}')


def metrics(test_svm, pred_txt):
    import numpy as np
    from sklearn.metrics import roc_auc_score

    y = np.array([float(line.split(None, 1)[0]) for line in open(test_svm) if line.strip()])
    with open(pred_txt) as f:
        head = f.readline().split()
        if head[0] != 'labels':
            raise SystemExit(f'{pred_txt}: not liblinear-predict -b 1 output (no "labels" line)')
        labels = [float(v) for v in head[1:]]
        rows = [line.split() for line in f if line.strip()]
    pred = np.array([float(r[0]) for r in rows])
    acc = float(np.mean(pred == y))
    auc = float('nan')
    if len(labels) == 2 and len(np.unique(y)) == 2:
        pos = max(labels)
        col = 1 + labels.index(pos)
        auc = roc_auc_score(y == pos, np.array([float(r[col]) for r in rows]))
    print(f'accuracy={acc:.6f} roc_auc={auc:.4f}')


def read_csv(path, repeats):
    import pandas as pd

    best, rows = float('inf'), 0
    for _ in range(repeats):
        t = time.time()
        rows = len(pd.read_csv(path))
        best = min(best, time.time() - t)
    print(f'seconds={best:.3f} mb_per_s={os.path.getsize(path) / 1e6 / best:.1f} rows={rows}')


def main(argv):
    if len(argv) >= 4 and argv[0] == 'libsvm':
        libsvm(argv[1], argv[2], argv[3])
    elif len(argv) == 3 and argv[0] == 'metrics':
        metrics(argv[1], argv[2])
    elif len(argv) in (2, 3) and argv[0] == 'read-csv':
        read_csv(argv[1], int(argv[2]) if len(argv) == 3 else 3)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
