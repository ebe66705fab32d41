#!/usr/bin/env bash
# Feature building at scale: simulate a shop of N purchase lines, ingest it, build features, and print the
# build's time, peak memory (/usr/bin/time -v), rows per second and the database size.
#
#   bench/features.sh [BIN] [LINES ...]      (defaults: build/aftersales, 1000000 10000000)
#   WORK=/big/disk bench/features.sh          (scratch folder; needs ~1.6 GB per million lines)
#   BUILD_ARGS="--moment delivery" bench/features.sh
set -euo pipefail
bin=${1:-build/aftersales}
shift || true
sizes=${*:-1000000 10000000}
work=${WORK:-/tmp/aftersales-bench-features}
mkdir -p "$work"
printf '%-10s %10s %10s %10s %12s %10s %8s\n' lines rows seconds "rows/s" "peak MB" "db MB" columns
for n in $sizes; do
  customers=$(( n / 50 )); products=$(( n / 500 ))
  [ "$customers" -gt 200000 ] && customers=200000
  [ "$products" -gt 20000 ] && products=20000
  [ "$products" -lt 100 ] && products=100
  rm -rf "$work/shop-$n" "$work/shop-$n.db"*
  "$bin" simulate --out "$work/shop-$n" --lines "$n" --customers "$customers" --products "$products" -q >/dev/null
  "$bin" ingest --preset canonical "$work/shop-$n" --db "$work/shop-$n.db" -q >/dev/null
  /usr/bin/time -v "$bin" build --db "$work/shop-$n.db" -q ${BUILD_ARGS:-} >"$work/build-$n.txt" 2>&1
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/build-$n.txt")
  peak=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$work/build-$n.txt")
  rows=$(sqlite3 "$work/shop-$n.db" "SELECT count(*) FROM features")
  cols=$(sqlite3 "$work/shop-$n.db" "SELECT value FROM meta WHERE key = 'feature_numeric'" | tr ',' '\n' | wc -l)
  size=$(du -m "$work/shop-$n.db" | cut -f1)
  printf '%-10s %10s %10s %10.0f %12s %10s %8s\n' "$n" "$rows" "$secs" "$(echo "$rows / $secs" | bc -l)" "$peak" "$size" "$cols"
  rm -rf "$work/shop-$n"
done
