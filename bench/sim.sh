#!/usr/bin/env bash
# Simulated shop at scale: lines per second and peak memory of `aftersales simulate` at 1 and 10 million purchase
# lines (customers and products grow with the shop as in bench/run.sh). Figures, not pass/fail.
# Usage: bench/sim.sh [BUILD_DIR] [LINES...]   (default: build, 1000000 10000000)
# Needs /usr/bin/time (GNU time) and about 1 GB of free disk per 10 million lines in $TMPDIR.
set -euo pipefail
build=${1:-build}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)
bin="$build/aftersales"
[ -x "$bin" ] || { echo "no $bin; build first (cmake --build $build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed for peak memory" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "aftersales simulate on $(nproc) cores, $(date -u +%Y-%m-%d)"
printf '  %12s %10s %9s %8s %8s %12s %9s %9s\n' lines customers products "wall s" "CPU s" "lines/s" "peak MB" "CSV MB"
for lines in "${sizes[@]}"; do
  customers=$((lines / 50 > 4000 ? lines / 50 : 4000))
  products=$((lines / 500 > 600 ? lines / 500 : 600))
  rm -rf "$work/shop"
  /usr/bin/time -v -o "$work/time" "$bin" simulate --quiet --out "$work/shop" --lines "$lines" \
    --customers "$customers" --products "$products" > "$work/out" 2>&1 || { cat "$work/out"; exit 1; }
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/time")
  cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$work/time")
  rss=$(awk -F': ' '/Maximum resident set size/ { print int($2 / 1024) }' "$work/time")
  written=$(sed -n 's/^simulate: \([0-9,]*\) purchase line.*/\1/p' "$work/out" | tr -d ,)
  csv=$(du -sm "$work/shop" | cut -f1)
  rate=$(awk -v n="$written" -v t="$wall" 'BEGIN { printf "%.0f", (t > 0) ? n / t : 0 }')
  printf '  %12s %10s %9s %8.2f %8.2f %12s %9s %9s\n' "$written" "$customers" "$products" "$wall" "$cpu" "$rate" "$rss" "$csv"
done
