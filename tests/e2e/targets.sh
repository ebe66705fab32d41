#!/usr/bin/env bash
# Targets end to end on a small simulated shop: simulate → ingest → build → train with --target line|order,
# --label any|kind|reason, --features all|main → score → evaluate. Checks the class balance against the database,
# the multiclass outputs, and the errors for a model whose columns the rebuilt features lack.
set -euo pipefail
bin=${AS_BIN:?AS_BIN must name the aftersales binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $1 ($2)"; fi; }
py() { /usr/bin/python3 -c "$1" "$work"; }
q() { sqlite3 "$work/shop.db" "$1"; }

"$bin" simulate --out "$work/sim" --lines 4000 --customers 500 --products 120 --days 400 -q
"$bin" ingest --preset canonical "$work/sim" --db "$work/shop.db" -q
"$bin" build --db "$work/shop.db" -q

# line level, binary, all features: the balance is the database's labelled lines
"$bin" train --db "$work/shop.db" --out "$work/any/model.json" > "$work/any.txt"
cat "$work/any.txt"
check "train prints the target" "grep -q 'target: order line: any case within 90 days' '$work/any.txt'"
check "train prints the class balance" "grep -q 'class balance' '$work/any.txt'"
labelled=$(q "SELECT count(*) FROM features WHERE label IS NOT NULL")
positives=$(q "SELECT sum(label) FROM features WHERE label IS NOT NULL")
check "balance covers every labelled line ($labelled) and its positives ($positives)" "py '
import json,sys
m=json.load(open(sys.argv[1]+\"/any/metrics.json\"))
b=m[\"class_balance\"]
tr={c[\"class\"]:c[\"rows\"] for c in b[\"train\"]}; te={c[\"class\"]:c[\"rows\"] for c in b[\"test\"]}
ok = m[\"target_level\"] == \"line\" and m[\"target_label\"] == \"any\" and m[\"feature_set\"] == \"all\"
ok = ok and sum(tr.values()) + sum(te.values()) == $labelled and tr[\"1\"] + te[\"1\"] == $positives
ok = ok and sum(tr.values()) == m[\"train\"][\"rows\"] and te[\"1\"] == m[\"test\"][\"positives\"]
sys.exit(0 if ok else 1)'"

# the main job's feature set: its 36 numeric columns and category
"$bin" train --db "$work/shop.db" --features main --out "$work/main/model.json" -q
check "--features main uses fewer inputs than all" "py '
import json,sys
a=json.load(open(sys.argv[1]+\"/any/model.json\")); m=json.load(open(sys.argv[1]+\"/main/model.json\"))
sys.exit(0 if len(m[\"numeric\"]) == 36 and [c[\"name\"] for c in m[\"categorical\"]] == [\"category\"] and m[\"feature_set\"] == \"main\" and len(a[\"numeric\"]) > 36 else 1)'"

# order level, case kind: multinomial; "none" first; per-class support equals the test balance
"$bin" train --db "$work/shop.db" --target order --label kind --out "$work/kind/model.json" > "$work/kind.txt" 2> "$work/kind.err"
cat "$work/kind.txt" "$work/kind.err"
check "order kind target described" "grep -q 'target: order: case kind within 90 days' '$work/kind.txt'"
check "class 0 is none; support per class = test balance; balances within the labelled orders" "py '
import json,sys
m=json.load(open(sys.argv[1]+\"/kind/metrics.json\"))
te=[c[\"rows\"] for c in m[\"class_balance\"][\"test\"]]
tr=[c[\"rows\"] for c in m[\"class_balance\"][\"train\"]]
sup=[c[\"support\"] for c in m[\"test\"][\"per_class\"]]
ok = m[\"class_labels\"][0] == \"none\" and te == sup and sum(tr) == m[\"train\"][\"rows\"]
ok = ok and sum(tr) + sum(te) <= int(\"$(q "SELECT count(*) FROM order_features WHERE label_kind IS NOT NULL")\")
sys.exit(0 if ok and m[\"n_classes\"] >= 3 else 1)'"
"$bin" score --db "$work/shop.db" --model "$work/kind" --out-orders "$work/kind_orders.csv" -q
orders=$(q "SELECT count(*) FROM order_features")
check "order scores: one row per order ($orders), probabilities sum to 1, risk = 1 - p(none)" "py '
import csv,sys
rows=list(csv.DictReader(open(sys.argv[1]+\"/kind_orders.csv\")))
pc=[k for k in rows[0] if k.startswith(\"probability_\")]
ok = len(rows) == $orders and pc[0] == \"probability_none\"
ok = ok and all(abs(sum(float(r[k]) for k in pc) - 1) < 1e-4 for r in rows)
ok = ok and all(abs(float(r[\"risk\"]) - (1 - float(r[\"probability_none\"]))) < 2e-6 for r in rows)
ok = ok and all(r[\"flagged\"] == (\"0\" if r[\"predicted\"] == \"none\" else \"1\") for r in rows)
sys.exit(0 if ok else 1)'"
set +e
"$bin" score --db "$work/shop.db" --model "$work/kind" --out-lines "$work/x.csv" 2> "$work/lines.err"; rc=$?
set -e
check "an order model refuses --out-lines (exit 3)" "[ $rc -eq 3 ] && grep -q -- '--out-orders' '$work/lines.err'"
"$bin" evaluate --model "$work/kind" > "$work/eval.txt" 2>/dev/null
check "evaluate shows the target and the balance" "grep -q 'case kind within 90 days' '$work/eval.txt' && grep -q 'class balance' '$work/eval.txt'"

# reason classes on lines, boosted trees
"$bin" train --db "$work/shop.db" --label reason --model gbdt --rounds 40 --out "$work/reason/model.json" -q
check "reason target trained" "py '
import json,sys
m=json.load(open(sys.argv[1]+\"/reason/metrics.json\"))
sys.exit(0 if m[\"target_label\"] == \"reason\" and m[\"class_labels\"][0] == \"none\" else 1)'"

# usage errors
set +e
"$bin" train --db "$work/shop.db" --label kind --return-cost 10 --contact-cost 1 --out "$work/bad/model.json" 2>/dev/null; rc1=$?
"$bin" train --db "$work/shop.db" --target order --features main --out "$work/bad/model.json" 2> "$work/main.err"; rc2=$?
"$bin" train --db "$work/shop.db" --target orders --out "$work/bad/model.json" 2>/dev/null; rc3=$?
set -e
check "costs with a multiclass target: usage error" "[ $rc1 -eq 2 ]"
check "--features main at order level refused (usage error)" "[ $rc2 -eq 2 ] && grep -q -- '--features all' '$work/main.err'"
check "--target orders: usage error" "[ $rc3 -eq 2 ]"

# a model trained after delivery reads delivery columns; features rebuilt for the order moment lack them
"$bin" build --db "$work/shop.db" --moment delivery -q
"$bin" train --db "$work/shop.db" --out "$work/delivery/model.json" -q
"$bin" build --db "$work/shop.db" -q
set +e
"$bin" score --db "$work/shop.db" --model "$work/delivery" --out-lines "$work/d.csv" 2> "$work/delivery.err"; rc=$?
set -e
cat "$work/delivery.err"
check "missing model column named, exit 3" "[ $rc -eq 3 ] && grep -q \"reads column '\" '$work/delivery.err' && grep -q 'aftersales build' '$work/delivery.err'"
check "the model's build options named" "grep -q -- '--moment delivery --hash-buckets 16' '$work/delivery.err'"

echo "targets: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
