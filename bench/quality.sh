#!/usr/bin/env bash
# Quality alerts against planted truth: detection recall, false-alert share and onset error of `aftersales quality`
# on simulated shops over several seeds (issue 5's bar: recall ≥ 90 %, false share ≤ 10 %, onset within 14 days for
# ≥ 80 % of the planted products found). Figures, not pass/fail; tests/e2e/quality_detection.sh asserts one seed.
# Usage: bench/quality.sh [BUILD_DIR] [SEEDS...]   (default: build, seeds 1 2 3 4 5)
# Shop size: LINES (default 1000000), PRODUCTS (1000, so 20 planted defective per shop), CUSTOMERS (20000).
set -euo pipefail
build=${1:-build}
shift || true
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5)
lines=${LINES:-1000000}
products=${PRODUCTS:-1000}
customers=${CUSTOMERS:-20000}
bin="$build/aftersales"
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$bin" ] || { echo "no $bin; build first (cmake --build $build)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "aftersales quality vs planted defects: $lines lines, $products products, $customers customers per shop"
printf '  %5s %8s %8s %6s %8s %8s %12s %11s %10s %9s\n' seed planted flagged hits recall "false" "onset<=14d" "median d" \
  "quality s" "peak MB"
tot_planted=0 tot_flagged=0 tot_hits=0 tot_within=0
for seed in "${seeds[@]}"; do
  rm -rf "$work/shop" "$work/shop.db" "$work/shop.db.key"
  "$bin" simulate -q --out "$work/shop" --seed "$seed" --lines "$lines" --products "$products" \
    --customers "$customers" > /dev/null
  "$bin" ingest -q --preset canonical "$work/shop" --db "$work/shop.db" > /dev/null
  t0=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$work/rss" "$bin" quality -q --db "$work/shop.db" --out "$work/alerts.csv" > /dev/null
    rss=$(( $(tail -1 "$work/rss") / 1024 ))
  else
    "$bin" quality -q --db "$work/shop.db" --out "$work/alerts.csv" > /dev/null
    rss="-"
  fi
  t1=$(date +%s.%N)
  json=$(python3 "$here/quality_score.py" "$work/alerts.csv" "$work/shop/truth_products.csv" --json)
  read -r planted flagged hits recall false within median <<< "$(python3 -c '
import json, sys
s = json.loads(sys.argv[1])
print(s["planted"], s["flagged"], s["hits"], s["recall"], s["false_share"], s["onset_within_14d"], s["onset_median_days"])
' "$json")"
  printf '  %5s %8s %8s %6s %8.3f %8.3f %12.3f %11s %10.2f %9s\n' "$seed" "$planted" "$flagged" "$hits" "$recall" \
    "$false" "$within" "$median" "$(python3 -c "print($t1 - $t0)")" "$rss"
  tot_planted=$((tot_planted + planted)); tot_flagged=$((tot_flagged + flagged)); tot_hits=$((tot_hits + hits))
  tot_within=$(python3 -c "print(round($tot_within + $within * $hits))")
done
python3 -c "
p, f, h, w = $tot_planted, $tot_flagged, $tot_hits, $tot_within
print('  all seeds: planted %d, flagged %d, recall %.3f, false share %.3f, onset within 14 days %.3f'
      % (p, f, h / p if p else float('nan'), (f - h) / f if f else 0.0, w / h if h else float('nan')))
print('  targets:   recall >= 0.900, false share <= 0.100, onset within 14 days >= 0.800')"
