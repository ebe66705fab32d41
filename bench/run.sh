#!/usr/bin/env bash
# Benchmarks (make bench): prints wall time and peak memory per step, side by side with the reference stack.
# Figures, not pass/fail. Usage: bench/run.sh BUILD_DIR   (env: BENCH_SIM_LINES, default 1000000)
set -euo pipefail
build=${1:-build}
bin="$build/aftersales"
here=$(cd "$(dirname "$0")" && pwd)
data="${AS_SHARED_DATA:-$here/../../shared/data/raw}"
retail="$data/uci-online-retail/online_retail.csv.gz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sim_lines=${BENCH_SIM_LINES:-1000000}

# run NAME CMD...: runs CMD under /usr/bin/time, prints one row: name, wall seconds, peak MB.
run() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2>&1 || { echo "$name FAILED:"; cat "$work/out"; return 1; }
  read -r secs kb < "$work/time"
  printf '  %-44s %9.2f s %9.0f MB\n' "$name" "$secs" "$((kb / 1024))"
  echo "$secs" > "$work/last_secs"
}

echo "aftersales benchmarks on $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "== simulated shop, $sim_lines purchase lines =="
run "simulate" "$bin" simulate --out "$work/sim" --lines "$sim_lines" --customers $((sim_lines / 15)) --products $((sim_lines / 100 > 600 ? sim_lines / 100 : 600))
run "ingest (canonical)" "$bin" ingest --preset canonical "$work/sim" --db "$work/sim.db"
run "build (labels + point-in-time features)" "$bin" build --db "$work/sim.db"
run "train (time split, logistic regression)" "$bin" train --db "$work/sim.db" --out "$work/simmodel/model.json"
run "score (all lines and orders)" "$bin" score --db "$work/sim.db" --model "$work/simmodel/model.json" --out-lines "$work/sl.csv" --out-orders "$work/so.csv"
run "quality" "$bin" quality --db "$work/sim.db" --out "$work/sq.csv"

if [ -f "$retail" ]; then
  echo
  echo "== UCI Online Retail (541,909 lines) =="
  if [ -x "$build/bench_csv" ]; then
    zcat "$retail" > "$work/retail.csv"
    echo "  CSV reader (bench_csv, plain file):"
    "$build/bench_csv" "$work/retail.csv" 3 | sed 's/^/    /'
    if /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
      /usr/bin/python3 - "$work/retail.csv" <<'PY'
import sys, time
import pandas as pd
best = 1e9
for _ in range(3):
    t = time.time(); pd.read_csv(sys.argv[1]); best = min(best, time.time() - t)
print(f"    pandas.read_csv (same file, best of 3): {best:.3f} s")
PY
    fi
  fi
  run "ingest (online-retail preset, .gz)" "$bin" ingest --preset online-retail "$retail" --db "$work/retail.db"
  run "build" "$bin" build --db "$work/retail.db"
  run "train (time split at 2011-08-01)" "$bin" train --db "$work/retail.db" --split time:2011-08-01 --out "$work/rm/model.json"
  run "train (boosted trees, same split)" "$bin" train --db "$work/retail.db" --split time:2011-08-01 --model gbdt --out "$work/rg/model.json"
  if /usr/bin/python3 -c 'import json' 2>/dev/null; then
    echo "  test metrics (time split at 2011-08-01):"
    /usr/bin/python3 - "$work/rm/metrics.json" "$work/rg/metrics.json" <<'PY'
import json, sys
print(f"    {'model':<22}{'ROC-AUC':>9}{'PR-AUC':>9}{'log loss':>10}{'Brier':>9}{'top 1 %':>9}{'top 5 %':>9}")
for name, path in (("logistic regression", sys.argv[1]), ("boosted trees", sys.argv[2])):
    t = json.load(open(path))["test"]
    print(f"    {name:<22}{t['roc_auc']:9.4f}{t['pr_auc']:9.4f}{t['log_loss']:10.4f}{t['brier']:9.4f}"
          f"{t['precision_top1']:9.4f}{t['precision_top5']:9.4f}")
PY
  fi
  run "score" "$bin" score --db "$work/retail.db" --model "$work/rm/model.json" --out-lines "$work/rl.csv" --out-orders "$work/ro.csv"
  run "quality" "$bin" quality --db "$work/retail.db" --out "$work/rq.csv"

  echo
  echo "== the seed's flat flow on the Online Retail feature table (labelled lines, numeric features + country) =="
  cols=$(sqlite3 "$work/retail.db" "SELECT group_concat(name, ',') FROM pragma_table_info('features') WHERE type = 'REAL'")
  sqlite3 -header -csv "$work/retail.db" "SELECT $cols, country, label FROM features WHERE label IS NOT NULL" > "$work/flat.csv"
  echo "  $(($(wc -l < "$work/flat.csv") - 1)) rows, $(head -1 "$work/flat.csv" | tr ',' '\n' | wc -l) columns"
  run "aftersales train --csv (scaled, PCA 0.95)" "$bin" train --csv "$work/flat.csv" --target label --out "$work/fm/model.json"
  ours=$(cat "$work/last_secs")
  if /usr/bin/python3 -c 'import sklearn' 2>/dev/null; then
    run "seed_pipeline.py --scale (pandas + sklearn)" /usr/bin/python3 "$here/../../shared/reference/seed_pipeline.py" "$work/flat.csv" label --scale
    ref=$(cat "$work/last_secs")
    grep -E "accuracy|pca_components" "$work/out" | sed 's/^/    reference: /'
    /usr/bin/python3 -c "import sys; print(f'  speed-up over the reference stack: {float(sys.argv[2])/max(float(sys.argv[1]),1e-9):.1f}x')" "$ours" "$ref"
  fi
else
  echo "NOTE: $retail is absent; the Online Retail benchmarks are skipped"
fi

echo
echo "== logistic-regression solvers against LIBLINEAR and scikit-learn (1,000,000 x 30, same matrix) =="
if [ -x "$build/bench_solvers" ]; then
  "$here/solvers.sh" "$build" || echo "  solvers.sh failed"
else
  echo "  $build/bench_solvers is missing (needs liblinear-dev: scripts/install-deps.sh bench)"
fi

echo
echo "== quality alerts against planted defects (bench/quality.sh; 3 seeds, 1,000,000 lines each) =="
"$here/quality.sh" "$build" 1 2 3 || echo "  quality.sh failed"
