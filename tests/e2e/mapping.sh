#!/usr/bin/env bash
# Mapping files end to end through the CLI (docs/mapping.md):
#  1. docs/examples/garden-shop.ini on tests/data/mapping: exact row counts, rejects with their reasons, customer
#     e-mails pseudonymized (no raw address anywhere in the database), joins across files through the pseudonym;
#  2. deliberately broken mappings: unknown column (with suggestion), missing required field, bad date format;
#  3. docs/examples/online-retail.ini against --preset online-retail on the UCI file: the canonical tables are
#     identical row for row; rejects differ only in the wording of their reason (skipped when the file is absent).
set -euo pipefail
bin=${AS_BIN:?AS_BIN must name the aftersales binary}
src=${AS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $1 ($2)"; fi; }
q() { sqlite3 "$work/garden.db" "$1"; }

# ---- 1. the garden shop ----
"$bin" ingest --mapping "$src/docs/examples/garden-shop.ini" --data-dir "$src/tests/data/mapping" \
  --db "$work/garden.db" --key-file "$work/garden.key" | tee "$work/ingest.txt"
check "orders (B1004 has 31 February)"      '[ "$(q "SELECT count(*) FROM orders")" -eq 4 ]'
check "order lines"                          '[ "$(q "SELECT count(*) FROM order_lines")" -eq 7 ]'
check "shipping is a charge"                 '[ "$(q "SELECT count(*) FROM charges WHERE code = \"VERSAND\"")" -eq 1 ]'
check "returns file: 3 cases"                '[ "$(q "SELECT count(*) FROM cases")" -eq 3 ]'
check "case kinds translated"                '[ "$(q "SELECT group_concat(kind, \",\") FROM (SELECT kind FROM cases ORDER BY case_id)")" = "return,exchange,refund" ]'
check "products"                             '[ "$(q "SELECT count(*) FROM products")" -eq 4 ]'
check "customers (two e-mails)"              '[ "$(q "SELECT count(*) FROM customers")" -eq 2 ]'
check "decimal comma"                        '[ "$(q "SELECT unit_price FROM order_lines WHERE order_id = \"B1001\" AND line_no = 1")" = "19.9" ]'
check "day-first date"                       '[ "$(q "SELECT date(ordered_at, \"unixepoch\") FROM orders WHERE order_id = \"B1002\"")" = "2023-01-04" ]'
check "orphan line B1099 kept"               '[ "$(q "SELECT count(*) FROM order_lines WHERE order_id = \"B1099\"")" -eq 1 ]'
check "4 rejects"                            '[ "$(q "SELECT count(*) FROM rejects")" -eq 4 ]'
check "reject: impossible date, with format" '[ "$(q "SELECT count(*) FROM rejects WHERE source = \"bestellungen.csv\" AND line = 5 AND reason LIKE \"%ordered_at%31.02.2023 10:00%expected \%d.\%m.\%Y \%H:\%M%\" ESCAPE \"\\\"")" -eq 1 ]'
check "reject: wrong decimal separator"      '[ "$(q "SELECT count(*) FROM rejects WHERE source = \"positionen.csv\" AND line = 7 AND reason LIKE \"%unit_price%149.00%wrong decimal separator%\"")" -eq 1 ]'
check "reject: the mapping's own rule"       '[ "$(q "SELECT count(*) FROM rejects WHERE line = 8 AND reason LIKE \"%quantity is zero or negative%\"")" -eq 1 ]'
check "reject: ISO date where day-first"     '[ "$(q "SELECT count(*) FROM rejects WHERE source = \"retouren.csv\" AND line = 4 AND reason LIKE \"%opened_at%2023-01-16%\"")" -eq 1 ]'
check "pseudonyms join orders and returns"   '[ "$(q "SELECT count(*) FROM orders o JOIN cases c ON c.customer_id = o.customer_id AND c.order_id = o.order_id")" -eq 3 ]'
check "pseudonym form"                       '[ "$(q "SELECT count(*) FROM customers WHERE customer_id GLOB \"px[0-9a-f]*\" AND length(customer_id) = 22")" -eq 2 ]'
sqlite3 "$work/garden.db" .dump > "$work/dump.sql"
for raw in anna.schmidt@example.org jonas.weber@example.net lena.fischer@example.com "+49 170 1234567" "1234567"; do
  check "no raw '$raw' in the database" '! grep -qF -- "$raw" "$work/dump.sql"'
done
check "no raw e-mail in the ingest output" '! grep -qE "@example\.(org|net|com)" "$work/ingest.txt"'

# ---- 2. broken mappings: exit status and message ----
broken() {  # name, sed expression → runs ingest with the edited mapping, leaves stderr in $work/err.txt
  sed "$2" "$src/docs/examples/garden-shop.ini" > "$work/$1.ini"
  if "$bin" ingest --mapping "$work/$1.ini" --data-dir "$src/tests/data/mapping" --db "$work/$1.db" \
       --key-file "$work/garden.key" >/dev/null 2>"$work/err.txt"; then echo "FAILED: $1 was accepted"; return 1; fi
  cat "$work/err.txt"
}
broken unknown_column 's/^quantity = Menge$/quantity = Mengen/' || true
check "unknown column named with its mapping line" 'grep -q "unknown_column.ini:.*column .Mengen. (mapped to quantity) is not in the header" "$work/err.txt"'
check "unknown column: closest header suggested"  'grep -q "did you mean .Menge.?" "$work/err.txt"'
broken missing_field '/^ordered_at = Datum$/d' || true
check "missing required field named with its table" 'grep -q "missing_field.ini:.*\[source orders\] feeds orders, which needs .ordered_at." "$work/err.txt"'
broken bad_format 's/^dates = %d.%m.%Y %H:%M | %d.%m.%Y$/dates = %d.%m.%Y %I:%M/' || true
check "bad date format: the directive named" 'grep -q "bad_format.ini:.*%I is not supported" "$work/err.txt"'
broken unknown_key 's/^decimal = ,$/decimals = ,/' || true
check "unknown key: suggestion" 'grep -q "did you mean .decimal.?" "$work/err.txt"'
# a column another source pseudonymizes, forgotten in the returns source: refused before anything is loaded
broken forgot_personal '/^\[source returns\]/,$ {/^personal = /d}' || true
check "forgotten personal column: file, line and fix" 'grep -q "forgot_personal.ini:[0-9]*: column .Kundenmail. (mapped to customer_id) is declared personal in \[source orders\].*declare it: personal = Kundenmail pseudonymize (or drop, or keep to load it as is)" "$work/err.txt"'
check "forgotten personal column: no database left" '[ ! -e "$work/forgot_personal.db" ]'

# ---- 2b. the key of a database is fixed by its first use ----
cp "$work/garden.db" "$work/keyed.db"
if "$bin" ingest --mapping "$src/docs/examples/garden-shop.ini" --data-dir "$src/tests/data/mapping" \
     --db "$work/keyed.db" --key-file "$work/new.key" > /dev/null 2> "$work/err.txt"; then echo "FAILED: a new key was accepted"; fi
cat "$work/err.txt"
fp=$(sqlite3 "$work/keyed.db" "SELECT value FROM meta WHERE key = 'pii_key_fingerprint'")
check "fingerprint stored"              '[ ${#fp} -eq 22 ] && [ "${fp:0:2}" = px ]'
check "missing key file: refused, named" 'grep -q "new.key: the pseudonymization key file is missing.*fingerprint $fp" "$work/err.txt"'
check "missing key file: not created"   '[ ! -e "$work/new.key" ]'
head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n" > "$work/new.key"; echo >> "$work/new.key"; chmod 600 "$work/new.key"
if "$bin" ingest --mapping "$src/docs/examples/garden-shop.ini" --data-dir "$src/tests/data/mapping" \
     --db "$work/keyed.db" --key-file "$work/new.key" > /dev/null 2> "$work/err.txt"; then echo "FAILED: another key was accepted"; fi
cat "$work/err.txt"
check "another key: refused with the fingerprint" 'grep -q "was built with another pseudonymization key (fingerprint $fp.*pass that key with --key-file, or ingest into a new --db" "$work/err.txt"'
check "another key: customers not doubled" '[ "$(sqlite3 "$work/keyed.db" "SELECT count(*) FROM customers")" -eq 2 ]'
"$bin" ingest --mapping "$src/docs/examples/garden-shop.ini" --data-dir "$src/tests/data/mapping" \
  --db "$work/keyed.db" --key-file "$work/garden.key" > /dev/null
check "the right key: accepted, nothing new" '[ "$(sqlite3 "$work/keyed.db" "SELECT count(*) FROM customers")" -eq 2 ]'

# ---- 3. online-retail.ini reproduces the preset ----
data="${AS_SHARED_DATA:-$src/../shared/data/raw}/uci-online-retail/online_retail.csv.gz"
if [ -f "$data" ]; then
  # The first 100,000 records (cancellations, charges, adjustments and malformed records included) keep the test
  # fast under the sanitizers; AS_FULL_DATA=1 compares the whole file (identical too, measured for issue 4).
  if [ "${AS_FULL_DATA:-0}" = 1 ]; then cut_dir=$(dirname "$data"); else
    cut_dir="$work/uci"; mkdir -p "$cut_dir"
    { gzip -dc "$data" | head -n 100001 || true; } | gzip -1 > "$cut_dir/online_retail.csv.gz"
  fi
  "$bin" ingest --preset online-retail "$cut_dir/online_retail.csv.gz" --db "$work/preset.db" >/dev/null
  "$bin" ingest --mapping "$src/docs/examples/online-retail.ini" --data-dir "$cut_dir" --db "$work/mapped.db" >/dev/null
  for t in orders order_lines cases charges customers products; do
    d=$(sqlite3 "$work/preset.db" "ATTACH '$work/mapped.db' AS m; SELECT ((SELECT count(*) FROM (SELECT * FROM main.$t EXCEPT SELECT * FROM m.$t)) + (SELECT count(*) FROM (SELECT * FROM m.$t EXCEPT SELECT * FROM main.$t))) || ' ' || (SELECT count(*) FROM main.$t) || ' ' || (SELECT count(*) FROM m.$t)")
    echo "$t: differing rows, preset rows, mapping rows = $d"
    check "$t identical" '[ "${d%% *}" = 0 ] && [ "$(echo $d | cut -d" " -f2)" = "$(echo $d | cut -d" " -f3)" ]'
  done
  d=$(sqlite3 "$work/preset.db" "ATTACH '$work/mapped.db' AS m; SELECT ((SELECT count(*) FROM (SELECT source, line, raw FROM main.rejects EXCEPT SELECT source, line, raw FROM m.rejects)) + (SELECT count(*) FROM (SELECT source, line, raw FROM m.rejects EXCEPT SELECT source, line, raw FROM main.rejects))) || ' ' || (SELECT count(*) FROM m.rejects)")
  echo "rejects: differing (source, line, raw), mapping rows = $d"
  check "same rejected records" '[ "${d%% *}" = 0 ] && [ "${d##* }" -gt 100 ]'
else
  echo "SKIP (part 3): $data is absent; put the UCI Online Retail export there to compare online-retail.ini with the preset"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
