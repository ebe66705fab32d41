#!/usr/bin/env bash
# The pseudonymization key changes pseudonyms, never results: the same simulated shop ingested under two keys
# (its case reasons and reviews quote e-mail addresses and phone numbers, which become keyed pseudonyms) gives
# byte-identical feature tables and the same model metrics. Pseudonyms were once hashed as words into the
# reason features, so every new key gave a slightly different model.
set -euo pipefail
bin=${AS_BIN:?AS_BIN must name the aftersales binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $1 ($2)"; fi; }

"$bin" simulate --out "$work/sim" --lines 20000 --customers 1500 --products 150 --days 400 -q
for k in a b; do
  "$bin" ingest --preset canonical "$work/sim" --db "$work/$k.db" --key-file "$work/$k.key" -q
  "$bin" build --db "$work/$k.db" -q
  "$bin" train --db "$work/$k.db" --out "$work/$k/model.json" -q
  sqlite3 "$work/$k.db" "SELECT * FROM features ORDER BY rowid" > "$work/$k.features"
  sqlite3 "$work/$k.db" "SELECT * FROM order_features ORDER BY rowid" > "$work/$k.orders"
  sqlite3 "$work/$k.db" "SELECT reason FROM cases WHERE reason LIKE '%px%' ORDER BY case_id" > "$work/$k.reasons"
done
check "the two keys differ" "! cmp -s '$work/a.key' '$work/b.key'"
check "some reasons hold pseudonyms" "[ \$(wc -l < '$work/a.reasons') -gt 0 ]"
check "the pseudonyms differ between keys" "! cmp -s '$work/a.reasons' '$work/b.reasons'"
check "line features identical" "cmp -s '$work/a.features' '$work/b.features'"
check "order features identical" "cmp -s '$work/a.orders' '$work/b.orders'"
strip() { grep -v '"seconds' "$1"; }
check "metrics identical" "diff <(strip '$work/a/metrics.json') <(strip '$work/b/metrics.json') >/dev/null"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
