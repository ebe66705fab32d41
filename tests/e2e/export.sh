#!/usr/bin/env bash
# `aftersales export` end to end on a small simulated shop: the flat file has one row per labelled purchase line
# and the model's inputs + country + label, `aftersales train --csv FLAT --target label` runs on it, and pandas
# (/usr/bin/python3) reads the same shape, keeps every row through dropna and sees label as 0/1. Also --ids, the
# order level, -q, and a stale database.
set -euo pipefail
bin=${AS_BIN:?AS_BIN must name the aftersales binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $1 ($2)"; fi; }

"$bin" simulate -q --out "$work/shop" --lines 20000 --customers 1500 --products 200 > /dev/null
"$bin" ingest -q --preset canonical "$work/shop" --db "$work/shop.db" > /dev/null
set +e
"$bin" export --db "$work/shop.db" --out "$work/early.csv" > "$work/early.out" 2>&1
rc=$?
set -e
check "export before build exits 1" "[ $rc -eq 1 ]"
check "export before build names the step" "grep -q 'aftersales build' '$work/early.out'"
check "export before build writes nothing" "[ ! -e '$work/early.csv' ] && [ ! -e '$work/early.csv.part' ]"
"$bin" build -q --db "$work/shop.db" > /dev/null

"$bin" export --db "$work/shop.db" --features main --out "$work/flat.csv" > "$work/export.out"
cat "$work/export.out"
labelled=$(sqlite3 "$work/shop.db" "SELECT count(*) FROM features WHERE label IS NOT NULL")
rows=$(($(wc -l < "$work/flat.csv") - 1))
check "one row per labelled line ($rows vs $labelled)" "[ '$rows' -eq '$labelled' ]"
check "header: category, the 36 main numbers, country, label" \
  "[ \"\$(head -1 '$work/flat.csv' | tr ',' '\n' | wc -l)\" -eq 39 ] && head -1 '$work/flat.csv' | grep -q ',country,label\$'"
check "the summary names rows and columns" "grep -q '39:' '$work/export.out' && grep -q 'lines' '$work/export.out'"
check "no .part file is left" "[ ! -e '$work/flat.csv.part' ]"

"$bin" train --csv "$work/flat.csv" --target label --out "$work/fm/model.json" -q > "$work/train.out"
cat "$work/train.out"
check "train --csv on the exported file writes a model" "[ -s '$work/fm/model.json' ] && [ -s '$work/fm/metrics.json' ]"
check "train --csv uses every exported row" "/usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if m[\"train\"][\"rows\"] + m[\"test\"][\"rows\"] == int(sys.argv[2]) else 1)' '$work/fm/metrics.json' '$rows'"

if /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
  check "pandas reads the same shape, dropna keeps every row, label is 0/1" "/usr/bin/python3 -c '
import sys
import pandas as pd
d = pd.read_csv(sys.argv[1])
ok = d.shape == (int(sys.argv[2]), 39) and d.dropna().shape == d.shape and set(d[\"label\"].unique()) <= {0, 1}
ok = ok and list(d.columns[-2:]) == [\"country\", \"label\"] and d.select_dtypes(\"number\").shape[1] == 37
print(\"pandas:\", d.shape, \"after dropna\", d.dropna().shape)
sys.exit(0 if ok else 1)' '$work/flat.csv' '$rows'"
else
  echo "NOTE: /usr/bin/python3 has no pandas; the pandas check is skipped"
fi

"$bin" export -q --db "$work/shop.db" --ids --out "$work/ids.csv" > "$work/ids.out"
check "-q prints one line" "[ \"\$(wc -l < '$work/ids.out')\" -eq 1 ] && grep -q '^export: ' '$work/ids.out'"
check "--ids puts the identifiers first" "head -1 '$work/ids.csv' | grep -q '^order_id,line_no,customer_id,product_id,'"
"$bin" export -q --db "$work/shop.db" --target order --label kind --out "$work/orders.csv" > /dev/null
orders=$(sqlite3 "$work/shop.db" "SELECT count(*) FROM order_features WHERE label_kind IS NOT NULL")
check "order level: one row per labelled order" "[ \$((\$(wc -l < '$work/orders.csv') - 1)) -eq '$orders' ]"
check "order level: the kind is the label" "awk -F, 'NR > 1 && \$NF == \"none\" { f = 1 } END { exit !f }' '$work/orders.csv'"
"$bin" export -q --db "$work/shop.db" --all-rows --out "$work/all.csv" > /dev/null
all=$(sqlite3 "$work/shop.db" "SELECT count(*) FROM features")
check "--all-rows: every line" "[ \$((\$(wc -l < '$work/all.csv') - 1)) -eq '$all' ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
