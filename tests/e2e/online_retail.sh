#!/usr/bin/env bash
# End to end on the real UCI Online Retail export: ingest → build → train (time split at 2011-08-01,
# horizon 90 days) → score → quality → report (checked in headless Chromium). Asserts the issue's bar: test ROC-AUC ≥ 0.75, and the counts of a
# correct ingest. Skips (exit 77, reported by ctest as skipped) when the data set is absent.
set -euo pipefail
bin=${AS_BIN:?AS_BIN must name the aftersales binary}
data="${AS_SHARED_DATA:-$(dirname "$0")/../../../shared/data/raw}/uci-online-retail/online_retail.csv.gz"
if [ ! -f "$data" ]; then
  echo "SKIP: $data is absent; put the UCI Online Retail export there to run this test"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $1 ($2)"; fi; }

"$bin" ingest --preset online-retail "$data" --db "$work/shop.db" | tee "$work/ingest.txt"
q() { sqlite3 "$work/shop.db" "$1"; }
check "cases are the C invoices with a product"  '[ "$(q "SELECT count(*) FROM cases")" -gt 8000 ]'
check "no charge code became a product" '[ "$(q "SELECT count(*) FROM products WHERE product_id IN (\"POST\",\"DOT\",\"M\",\"D\",\"BANK CHARGES\",\"AMAZONFEE\")")" -eq 0 ]'
check "every record is accounted for" '[ "$(q "SELECT (SELECT count(*) FROM order_lines)+(SELECT count(*) FROM cases)+(SELECT count(*) FROM charges)+(SELECT count(*) FROM rejects)")" -eq 541909 ]'
"$bin" build --db "$work/shop.db" --horizon 90 | tee "$work/build.txt"
"$bin" train --db "$work/shop.db" --split time:2011-08-01 --out "$work/model.json" | tee "$work/train.txt"
check "metrics.json beside the model" '[ -s "$work/metrics.json" ]'
auc=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["test"]["roc_auc"])' "$work/metrics.json")
echo "test ROC-AUC = $auc"
check "test ROC-AUC >= 0.75" "/usr/bin/python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 0.75 else 1)' $auc"
test_end=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["test_window"][1])' "$work/metrics.json")
check "test window ends before 2011-09-10 (horizon inside the data)" '[[ "$test_end" < "2011-09-10" ]]'
"$bin" score --db "$work/shop.db" --model "$work/model.json" --from 2011-11-01 \
  --out-lines "$work/lines.csv" --out-orders "$work/orders.csv"
check "scores written" '[ "$(wc -l < "$work/lines.csv")" -gt 1000 ]'
"$bin" quality --db "$work/shop.db" --out "$work/alerts.csv" --units-csv "$work/units.csv" >/dev/null
check "quality figures for every product written" '[ "$(grep -c "^product,.*,long,product_related," "$work/units.csv")" -gt 3000 ]'
check "quality alerts written" '[ "$(wc -l < "$work/alerts.csv")" -gt 1 ]'
# The report on a real shop's data, rendered in headless Chromium by the same checker as the demo's report
# (sections, marks, texts inside their charts, no overflow, no console error, nothing fetched). Skipped, with a
# line that says so, without Debian's chromium and python3-websocket.
"$bin" report --db "$work/shop.db" --model "$work/model.json" --out "$work/report.html" -q
check "report written" '[ -s "$work/report.html" ]'
if [ -x /usr/bin/chromium ] && /usr/bin/python3 -c 'import websocket' 2> /dev/null; then
  check "the Online Retail report passes the browser checks" \
    'TMPDIR=$work /usr/bin/python3 "$(dirname "$0")/../browser/check_report.py" "$work/report.html" > "$work/browser.txt" 2>&1 || { cat "$work/browser.txt"; false; }'
else
  echo "browser check skipped: needs Debian's chromium and python3-websocket"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
