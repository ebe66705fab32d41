#!/usr/bin/env bash
# `aftersales demo` end to end on the simulated shop: every file is written, the model learns the planted
# signal, scores cover the test window, and the quality alerts find planted defective products.
set -euo pipefail
bin=${AS_BIN:?AS_BIN must name the aftersales binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $1 ($2)"; fi; }

"$bin" demo --out "$work/out" > "$work/demo.txt"
cat "$work/demo.txt"
for f in shop.db shop.db.key model.json metrics.json scores_lines.csv scores_orders.csv alerts.csv alerts.json shop/orders.csv shop/truth_products.csv; do
  check "demo wrote $f" "[ -s '$work/out/$f' ]"
done
py() { /usr/bin/python3 -c "$1" "$work/out"; }
auc=$(py 'import json,sys; print(json.load(open(sys.argv[1]+"/metrics.json"))["test"]["roc_auc"])')
check "test ROC-AUC on the simulated shop >= 0.70 (got $auc)" "py 'import sys; sys.exit(0 if $auc >= 0.70 else 1)'"
check "scores cover every test line" "py '
import json,sys,csv
m=json.load(open(sys.argv[1]+\"/metrics.json\"))
rows=list(csv.DictReader(open(sys.argv[1]+\"/scores_lines.csv\")))
labelled=[r for r in rows if r[\"label\"] != \"\"]
sys.exit(0 if len(labelled) == m[\"test\"][\"rows\"] and all(0 <= float(r[\"risk\"]) <= 1 for r in rows) else 1)'"
check "order risk is at least the largest line risk" "py '
import csv,sys
sys.exit(0 if all(float(r[\"risk\"]) >= float(r[\"max_line_risk\"]) - 1e-9 for r in csv.DictReader(open(sys.argv[1]+\"/scores_orders.csv\"))) else 1)'"
check "the quality alerts name planted defective products (at least 3, at most a third not planted)" "py '
import csv,sys
d={r[\"product_id\"] for r in csv.DictReader(open(sys.argv[1]+\"/shop/truth_products.csv\")) if r[\"defective\"]==\"1\"}
a=[r[\"unit_id\"] for r in csv.DictReader(open(sys.argv[1]+\"/alerts.csv\")) if r[\"kind\"]==\"product\"]
hits=[p for p in a if p in d]
print(\"product alerts:\", a, \"planted:\", sorted(d))
sys.exit(0 if len(hits) >= 3 and len(a) - len(hits) <= len(a) / 3 else 1)'"
# The demo is repeatable: a second run into the same folder gives the same metrics.
cp "$work/out/metrics.json" "$work/first.json"
"$bin" demo --out "$work/out" --quiet > /dev/null
check "second demo run gives the same test metrics" "py '
import json,sys
a=json.load(open(sys.argv[1]+\"/../first.json\"))[\"test\"]; b=json.load(open(sys.argv[1]+\"/metrics.json\"))[\"test\"]
sys.exit(0 if a==b else 1)'"
# A sample of the labelled rows (train --max-rows) is said wherever the model's figures are shown.
"$bin" -q train --db "$work/out/shop.db" --max-rows 20000 --out "$work/sample/model.json" 2> "$work/sample.err" > "$work/sample.txt"
check "train --max-rows says the sample in its one-line summary" "grep -q 'a sample of 20,000 of' '$work/sample.txt'"
check "metrics.json records the sample" "py 'import json,sys; s=json.load(open(sys.argv[1]+\"/../sample/metrics.json\"))[\"sample\"]; sys.exit(0 if s[\"rows\"]==20000 and s[\"of\"]>20000 and s[\"seed\"]==42 else 1)'"
"$bin" evaluate --model "$work/sample/model.json" > "$work/eval.txt" 2>/dev/null
check "evaluate shows the sample on standard output" "grep -q '^  sample: 20,000 of .* labelled rows (train --max-rows, seed 42)' '$work/eval.txt'"
"$bin" -q train --db "$work/out/shop.db" --max-rows 100000000 --out "$work/nosample/model.json" 2> "$work/nosample.err" > /dev/null
check "train --max-rows above the labelled rows says no sample was taken" "grep -q 'every row was used, no sample' '$work/nosample.err'"
# A whole-library model scored on a main-set build is told why (the feature set), not to rebuild with other options.
cp "$work/out/shop.db" "$work/main.db"; cp "$work/out/shop.db.key" "$work/main.db.key"
"$bin" -q build --db "$work/main.db" --features main > /dev/null
set +e
"$bin" score --db "$work/main.db" --model "$work/out/model.json" --out-lines "$work/x.csv" 2> "$work/mismatch.err"
rc=$?
set -e
check "score of a whole-library model on a main-set build exits 3 (got $rc)" "[ $rc -eq 3 ]"
check "score names --features main as the cause" "grep -q 'built with --features main' '$work/mismatch.err'"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
