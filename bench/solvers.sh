#!/usr/bin/env bash
# Solver benchmark (issue 3): our logistic-regression solvers against LIBLINEAR and scikit-learn on the same
# 1,000,000-row standardized matrix. Figures, not pass/fail; not a ctest test.
#
#   bench/solvers.sh BUILD_DIR [FLAT.csv]
#
# 1. BUILD_DIR/bench_solvers builds the matrix in memory (deterministic synthetic, BENCH_ROWS × BENCH_COLS,
#    default 1,000,000 × 30, of which the last BENCH_ONEHOT columns are one-hot groups of 8 levels with rare
#    levels (default 0); or FLAT.csv: numeric columns, last one the 0/1 label, e.g. the Online Retail
#    feature table — BENCH_RETAIL=1 exports it from the shared raw data first), standardizes it, times our
#    Newton (auto; also with 1 and with 2 threads), TRON and L-BFGS fits and LIBLINEAR's train() in-process, and
#    writes the matrix to disk.
# 2. This script then times, on the very same doubles:
#      liblinear-train -s 0 -B 1 -c C -e EPS   (Debian's liblinear-tools; at eps 0.01 = its default, and at
#                                               the eps matched to our tol; the wall time includes reading the
#                                               libsvm text file, which its own output cannot separate)
#      scikit-learn LogisticRegression (lbfgs), fit only: defaults (tol 1e-4) and tol 1e-8
#    BENCH_REPEAT=K times every in-process fit (ours, LIBLINEAR's train(), scikit-learn) K times and keeps the
#    fastest (default 1): on a shared machine the best of several runs is the figure to compare.
# 3. One table: wall time, the objective f = C·Σ log(1+exp(−y±(x·w+b))) + ½‖w‖² each solution reached
#    (LIBLINEAR penalizes the bias as well, ½b², so it solves a problem that differs from ours by that term:
#    negligible at this size, visible as a tiny f excess), and time ratios.
# Needs: liblinear-dev + liblinear-tools + time (scripts/install-deps.sh bench), /usr/bin/python3 with sklearn.
set -euo pipefail
build=${1:?usage: bench/solvers.sh BUILD_DIR [FLAT.csv]}
flat=${2:-}
rows=${BENCH_ROWS:-1000000}
cols=${BENCH_COLS:-30}
here=$(cd "$(dirname "$0")" && pwd)
bench="$build/bench_solvers"
[ -x "$bench" ] || { echo "solvers.sh: $bench is missing (cmake --build $build --target bench_solvers)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "$flat" ] && [ "${BENCH_RETAIL:-0}" = 1 ]; then
  data="${AS_SHARED_DATA:-$here/../../shared/data/raw}"
  retail="$data/uci-online-retail/online_retail.csv.gz"
  if [ -f "$retail" ]; then
    echo "exporting the Online Retail feature table (numeric columns + label) ..."
    "$build/aftersales" ingest --preset online-retail "$retail" --db "$work/retail.db" --quiet >/dev/null
    "$build/aftersales" build --db "$work/retail.db" --quiet >/dev/null
    fcols=$(sqlite3 "$work/retail.db" "SELECT group_concat(name, ',') FROM pragma_table_info('features') WHERE type = 'REAL'")
    sqlite3 -header -csv "$work/retail.db" "SELECT $fcols, label FROM features WHERE label IS NOT NULL" > "$work/flat.csv"
    flat="$work/flat.csv"
  else
    echo "NOTE: $retail is absent; using the synthetic matrix"
  fi
fi

echo "== in-process: bench_solvers ($(nproc) cores, $(date -u +%Y-%m-%d)) =="
args=(--write-npy "$work/m.npy" --write-libsvm "$work/m.svm" --write-summary "$work/summary.txt" --repeat "${BENCH_REPEAT:-1}")
if [ -n "$flat" ]; then args+=(--csv "$flat"); else args+=(--rows "$rows" --cols "$cols" --onehot "${BENCH_ONEHOT:-0}"); fi
"$bench" "${args[@]}"
C=$(sed -n 's/^C=//p' "$work/summary.txt")
eps=$(sed -n 's/^eps_matched=//p' "$work/summary.txt")

echo
echo "== external programs on the same matrix =="
ext="$work/external.txt"
: > "$ext"
if command -v liblinear-train >/dev/null; then
  for e in 0.01 "$eps"; do
    /usr/bin/time -f "%e %U" -o "$work/time" liblinear-train -s 0 -B 1 -c "$C" -e "$e" "$work/m.svm" "$work/ll.model" > "$work/ll.out"
    read -r secs user < "$work/time"
    iters=$(grep -c '^iter' "$work/ll.out" || true)
    echo "liblinear-train -s 0 -B 1 -e $(printf '%.3g' "$e") (incl. reading the file)|$secs|$user|$work/ll.model.$e|$iters" >> "$ext"
    cp "$work/ll.model" "$work/ll.model.$e"
  done
else
  echo "NOTE: liblinear-train is absent (apt-get install liblinear-tools)"
fi

/usr/bin/python3 - "$work" "$ext" "${BENCH_REPEAT:-1}" <<'PY'
import math, os, sys, time, warnings
import numpy as np
work, ext, repeat = sys.argv[1], sys.argv[2], max(1, int(sys.argv[3]))
summ = dict(l.rstrip("\n").split("=", 1) for l in open(f"{work}/summary.txt") if not l.startswith("row="))
rows = [l.rstrip("\n")[4:].split("|") for l in open(f"{work}/summary.txt") if l.startswith("row=")]
C, best, ours, libl = (float(summ[k]) for k in ("C", "best", "ours_auto", "liblinear"))
M = np.load(f"{work}/m.npy")
X, y = M[:, :-1], M[:, -1]
ys = 2 * y - 1

def f(w, b):
    m = ys * (X @ w + b)
    return C * math.fsum(np.logaddexp(0, -m)) + 0.5 * float(w @ w)

table = [(name, path, it, float(secs), float(cpu), float(obj)) for name, path, it, secs, cpu, obj in rows]
for line in open(ext):
    name, secs, user, model, iters = line.rstrip("\n").split("|")
    lines = open(model).read().split("\n")
    labels = next(l for l in lines if l.startswith("label")).split()[1:]
    wi = lines.index("w") + 1
    wb = np.array([float(v) for v in lines[wi:wi + X.shape[1] + 1]])
    sign = 1.0 if labels[0] == "1" else -1.0
    table.append((name, "tron (liblinear-train)", iters, float(secs), float(user), f(sign * wb[:-1], sign * wb[-1])))
try:
    from sklearn.linear_model import LogisticRegression
    import sklearn
    for tol in (1e-4, 1e-8):
        secs = cpu = math.inf
        for _ in range(repeat):   # best of BENCH_REPEAT, as bench_solvers' --repeat
            lr = LogisticRegression(C=C, tol=tol, max_iter=1000)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0, c0 = time.time(), time.process_time()
                lr.fit(X, y)
                s1, c1 = time.time() - t0, time.process_time() - c0
            if s1 < secs: secs, cpu = s1, c1
        table.append((f"scikit-learn {sklearn.__version__} lbfgs tol {tol:g}" + (" (default)" if tol == 1e-4 else ""),
                      "lbfgs (scipy L-BFGS-B)", str(int(lr.n_iter_[0])), secs, cpu,
                      f(lr.coef_.ravel(), float(lr.intercept_[0]))))
except ImportError:
    print("NOTE: /usr/bin/python3 has no scikit-learn; its rows are skipped")

best = min(best, min(r[5] for r in table))
print(f"\n{'solver':<62} | {'path':<24} | {'iter':>5} | {'wall s':>8} | {'cpu s':>8} | {'objective f':<20} | "
      f"{'f - best':>9} | {'/ ours':>8} | {'/ libl.':>8}")
print("-" * 170)
for name, path, it, secs, cpu, obj in table:
    print(f"{name:<62} | {path:<24} | {it:>5} | {secs:>8.3f} | {cpu:>8.3f} | {obj:<20.15g} | "
          f"{(obj - best) / best:>9.2g} | {secs / ours:>7.2f}x | {secs / libl:>7.2f}x")
print(f"\nn = {X.shape[0]:,}, p = {X.shape[1]}, C = {C:g}; / ours: over ours newton (auto) in-process; / libl.: over "
      f"liblinear train() in-process at matched eps ({float(summ['eps_matched']):.3g}). f − best is relative.")
PY
